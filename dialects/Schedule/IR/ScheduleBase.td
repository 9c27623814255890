#ifndef TESSERA_SCHEDULE_BASE
#define TESSERA_SCHEDULE_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Schedule_Dialect : Dialect {
  let name = "tsched";
  let cppNamespace = "::tessera::schedule";
  let summary = "Tessera's host schedule: shape arithmetic, buffers and steps, as IR";
  let description = [{
    The host side of a compiled model, lowered by passes from the function of `tdisp.dispatch`es to a
    `tsched.program` whose ops map one to one onto the artifact's METADATA and SCHEDULE tables:
    `tsched.symbol` and `tsched.shape` compute dims on the host (SHAPE steps), `tsched.input`,
    `tsched.output`, `tsched.constant` and `tsched.alloc` are buffers, `tsched.dispatch`, `tsched.copy`,
    `tsched.transfer` and `tsched.barrier` are steps. Serialization is a walk over the program.
  }];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class Schedule_Op<string mnemonic, list<Trait> traits = []> : Op<Schedule_Dialect, mnemonic, traits>;

def Schedule_BufferType : TypeDef<Schedule_Dialect, "Buffer"> {
  let mnemonic = "buffer";
  let summary = "a buffer of the schedule (an input, output, constant, arena slice or dynamic block)";
}

// The host integer operations of a SHAPE step; values match TSR_SHAPE_* in artifact_format.h.
def Schedule_ShapeOpKind : I32EnumAttr<"ShapeOpKind", "a SHAPE step operation", [
    I32EnumAttrCase<"add", 1>, I32EnumAttrCase<"sub", 2>, I32EnumAttrCase<"mul", 3>,
    I32EnumAttrCase<"div_floor", 4>, I32EnumAttrCase<"div_ceil", 5>, I32EnumAttrCase<"max", 6>,
    I32EnumAttrCase<"min", 7>, I32EnumAttrCase<"eq", 10>]> {
  let cppNamespace = "::tessera::schedule";
}

// Where a TRANSFER step moves bytes; values match TSR_TRANSFER_* in artifact_format.h.
def Schedule_TransferDirection : I32EnumAttr<"TransferDirection", "where a TRANSFER step moves bytes", [
    I32EnumAttrCase<"to_device", 1>, I32EnumAttrCase<"to_host", 2>]> {
  let cppNamespace = "::tessera::schedule";
}

#endif
