#ifndef TESSERA_CODEGEN_HOST_PASSES
#define TESSERA_CODEGEN_HOST_PASSES

include "mlir/Pass/PassBase.td"

// The host function becomes the artifact's schedule in five passes, run in this order by
// `tessera-host-schedule-pipeline`; serialization then walks the resulting `tsched.program`.

def LowerShapes : Pass<"tessera-host-lower-shapes", "mlir::ModuleOp"> {
  let summary = "Lower host index arithmetic to tsched shape ops";
  let description = [{
    Every index value the host function's dispatches and reshapes use becomes an explicit host
    computation: `arith.constant`, `tsched.symbol` (a dim of a model input, named after the model's
    dim parameter), `tsched.shape` (add, sub, mul, floor/ceil division, max, min, eq) or `tsched.read_i64`
    (an element of an int64 tensor, read when the step runs). Dims of dispatch results, reshapes and
    casts are followed to where they are computed. A value the schedule cannot compute is an error.
  }];
  let dependentDialects = ["tessera::schedule::ScheduleDialect", "mlir::arith::ArithDialect"];
}

def AssignBuffers : Pass<"tessera-host-assign-buffers", "mlir::ModuleOp"> {
  let summary = "Give every tensor of the host function a buffer; the function becomes a tsched.program";
  let description = [{
    Inputs and outputs get their I/O buffers, weights and constant tensors `tsched.constant`s, dispatch
    results a `tsched.alloc` (or, for a result returned as an output, the output buffer itself), and
    reshapes and casts alias their operand's buffer (row-major bytes do not change). Dispatches get their
    bindings with byte lengths and their constants (the dynamic dims of the bindings, then the scalars);
    outputs not computed in place are copied at the end.
  }];
  let dependentDialects = ["tessera::schedule::ScheduleDialect", "mlir::arith::ArithDialect"];
}

def PlanArena : Pass<"tessera-host-plan-arena", "mlir::ModuleOp"> {
  let summary = "Place literal-size allocations in one arena by liveness (first fit)";
  let description = [{
    Each `tsched.alloc` of literal size gets an `offset` (64-byte aligned) and may reuse the space of any
    allocation whose last use precedes its first; the program gets `arena_size`. Allocations whose size
    is only known at run time stay dynamic.
  }];
}

def EmitSteps : Pass<"tessera-host-emit-steps", "mlir::ModuleOp"> {
  let summary = "Resolve dispatches to compiled exports and order the steps with barriers";
  let description = [{
    Each `tsched.dispatch @exe` is bound to the export of its executable's compiled variant
    (`@exe::@variant::@export`), whose signature (binding access, constant count) it must match, and gets
    the export's workgroup count; a barrier follows each dispatch that later steps may depend on.
  }];
}

def InsertTransfers : Pass<"tessera-host-insert-transfers", "mlir::ModuleOp"> {
  let summary = "Move bytes between host and device memory where steps on the two sides share them";
  let description = [{
    Dispatches of the targets in `device-targets` (targets whose kernels work on memory of their own)
    run on the device side; CPU kernels, `tsched.copy`, `tsched.read_i64` and the caller (inputs, outputs)
    on the host side. Before a step touches bytes whose newest contents are on the other side, a
    `tsched.transfer` makes its side's copy current; outputs whose newest bytes are on the device get one
    at the end. Ranges of literal length are tracked exactly (a concatenation written in parts by device
    kernels and read whole by a CPU kernel moves its parts); one of run-time length is taken to overlap
    every range of its buffer. Runs after tessera-host-emit-steps (it needs each dispatch's variant).
  }];
  let options = [
    ListOption<"deviceTargets", "device-targets", "std::string",
               "targets whose kernels work on memory of their own (e.g. vulkan)">
  ];
}

#endif
