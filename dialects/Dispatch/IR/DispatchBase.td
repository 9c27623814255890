#ifndef TESSERA_DISPATCH_BASE
#define TESSERA_DISPATCH_BASE

include "mlir/IR/OpBase.td"

def Dispatch_Dialect : Dialect {
  let name = "tdisp";
  let cppNamespace = "::tessera::dispatch";
  let summary = "Tessera's dispatch dialect: dispatch regions, executables, their target variants and kernel ops";
  let description = [{
    A dispatch region groups the tensor ops that become one kernel launch (a root op plus the
    elementwise ops that consume it). Outlining turns each region into a `tdisp.executable` holding
    one `tdisp.variant` per target, and the region into a `tdisp.dispatch` of that executable. The
    host function is then a list of dispatches over tensors, from which the schedule is built.
    Kernel ops that upstream lacks live here too: value-error checks, the Winograd convolution and the
    matrix product with a right operand packed ahead of time, and the lowering configuration a target
    chooses per kernel.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Dispatch_Op<string mnemonic, list<Trait> traits = []> : Op<Dispatch_Dialect, mnemonic, traits>;

#endif
