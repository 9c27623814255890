#ifndef TESSERA_CODEGEN_CPU_PASSES
#define TESSERA_CODEGEN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def BufferizeKernels : Pass<"tessera-cpu-bufferize-kernels", "mlir::ModuleOp"> {
  let summary = "Turn tensor kernels into memref kernels with out-parameters and a workgroup id";
  let description = [{
    Each `func.func` of a kernel module becomes `(inputs..., outputs..., workgroup_id: index)` on
    memrefs: inputs through `bufferization.to_tensor`, results written with
    `bufferization.materialize_in_destination`, then one-shot bufferization. The distributed
    `scf.forall` (if any) is replaced by its body at iteration `workgroup_id`.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def DecomposeResultPads : Pass<"tessera-cpu-decompose-result-pads", "mlir::ModuleOp"> {
  let summary = "Turn a kernel's result tensor.pad into a fill and an insert_slice of its output";
  let description = [{
    So a padding kernel writes its output binding directly instead of a per-run temporary that is then
    copied. Pads inside a kernel (fused into a tiled consumer) are left alone.
  }];
  let options = [
    Option<"convolutionInputs", "convolution-inputs", "bool", "false",
           "Also decompose a pad whose only user is a convolution's input (for the microkernels)">,
    Option<"resultPads", "result-pads", "bool", "true",
           "Decompose result pads: the kernel's result, or a workgroup's share of it written with "
           "tensor.parallel_insert_slice">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def SelectLoweringStrategy : Pass<"tessera-cpu-select-lowering-strategy", "mlir::ModuleOp"> {
  let summary = "Choose each kernel's strategy, workgroup tiles and register tile from its shapes and the CPU";
  let description = [{
    Records `tdisp.lowering_config = #tdisp.lowering_config<...>` on every kernel function that has none:
    the microkernel family of the kernel's main op (or `loops`), the tile sizes that split its result op
    into workgroups (about one per 2 M multiply-adds or 32 K loop iterations, along whole microkernel
    panels, row bands or channel groups, an even count where that balances two threads; at most
    `max-workgroups`), and the register tile and vector width of the microkernel on this CPU.
  }];
  let options = [
    Option<"maxWorkgroups", "max-workgroups", "int64_t", "32", "Upper bound on workgroups per dispatch">,
    Option<"vectorBits", "vector-bits", "int64_t", "512", "Widest vector registers of the CPU (128, 256 or 512)">,
    Option<"ukernels", "ukernels", "bool", "true", "Whether the microkernels exist for the target (x86-64)">
  ];
  let dependentDialects = ["tessera::dispatch::DispatchDialect"];
}

def DistributeToWorkgroups : Pass<"tessera-cpu-distribute-to-workgroups", "mlir::ModuleOp"> {
  let summary = "Tile each kernel's final op into workgroups as its lowering configuration says, fusing producers";
  let description = [{
    The op producing the kernel's result is tiled with `scf.forall` by the `tiles` of the function's
    `tdisp.lowering_config` (tessera-cpu-select-lowering-strategy); its producers are fused into the
    loop. The workgroup count is recorded as `tessera.workgroup_count` on the function (1 if not tiled).
    A configuration whose tiles do not fit the op, or give another count, is an error.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect"];
}

def EmitKernelABI : Pass<"tessera-cpu-emit-kernel-abi", "mlir::ModuleOp"> {
  let summary = "Wrap lowered kernels in Tessera's fixed CPU kernel ABI";
  let description = [{
    For each LLVM function carrying `tessera.workgroup_count`, renames it to `<name>_impl` (internal,
    always-inline) and emits `i32 <name>(ptr env, ptr dispatch_state, ptr workgroup_state)` that loads
    the binding pointers and the workgroup id from the ABI structs of runtime/include/tessera/kernel_abi.h.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def LowerContractionsToUkernels : Pass<"tessera-cpu-lower-contractions-to-ukernels", "mlir::ModuleOp"> {
  let summary = "Replace bufferized f32 matmul-like contractions by calls to the sgemm microkernel";
  let description = [{
    One m, n and k dimension (unit dims dropped) and any batch dims: a loop over the batch dims around
    `tsr_ukernel_sgemm_f32` (codegen/cpu/ukernels/sgemm.c), which reads A and B through their strides.
    A zero fill of the output right before is folded into the call. Other contractions are left alone.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def VerifyWorkgroupWrites : Pass<"tessera-cpu-verify-workgroup-writes", "mlir::ModuleOp"> {
  let summary = "Fall back to one workgroup when a kernel writes a whole output binding";
  let description = [{
    Runs after bufferization: a kernel with several workgroups must write its outputs only through
    subviews (its slice). A write to a whole binding would race between workgroups, so such a kernel's
    `tessera.workgroup_count` becomes 1.
  }];
}

def PlaceTemporariesInScratch : Pass<"tessera-cpu-place-temporaries-in-scratch", "mlir::ModuleOp"> {
  let summary = "Make a kernel's temporaries views of the worker's scratch instead of heap allocations";
  let description = [{
    Runs on bufferized kernels. Each `memref.alloc` of identity layout whose buffer does not leave its
    block (no terminator uses it or a memref derived from it), and whose run-time sizes have a constant
    upper bound, becomes a `memref.view` at a 64-byte aligned offset of a new last argument
    `memref<Nxi8>`, sized for its bound, and its `memref.dealloc` goes; a kernel's N stays within
    64 MiB. The kernel records N as `tessera.scratch_bytes`; tessera-cpu-emit-kernel-abi binds the
    argument to the worker's scratch region (kernel_abi.h) and the artifact asks each session for the
    largest N.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def VectorizableLoopOrder : Pass<"tessera-cpu-vectorizable-loop-order", "mlir::ModuleOp"> {
  let summary = "Make a contiguous parallel loop innermost in reductions (conv, matmul, pooling)";
  let description = [{
    Interchanges the loops of linalg ops with reductions so that the parallel loop that walks the
    output's last dim is innermost, when every operand is contiguous or invariant along it; named ops
    are generalized first. LLVM then vectorizes that loop.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def KeepInnerLoopsRolled : Pass<"tessera-cpu-keep-inner-loops-rolled", "mlir::ModuleOp"> {
  let summary = "Mark short innermost loops `llvm.loop.unroll.disable` so LLVM vectorizes them";
  let description = [{
    An innermost `scf.for` inside another loop, with a constant trip count from 16 (a vector of f32)
    to 256, gets `loop_annotation = #llvm.loop_annotation<unroll = #llvm.loop_unroll<disable = true>>`,
    which the lowering to LLVM carries to the loop's back edge. Unflattened, the loop is the one LLVM's
    loop vectorizer takes, with contiguous vectors, rather than the loop around it with gathers.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def ReassociateReductions : Pass<"tessera-cpu-reassociate-reductions", "mlir::ModuleOp"> {
  let summary = "Mark the combining op of each linalg reduction `reassoc` so reductions vectorize";
  let description = [{
    Only the op that folds a value into the accumulator (addf, mulf, max/min) gets the flag; LLVM may
    then keep partial results in vector lanes. Everything else keeps strict floating-point semantics.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def LowerKernelErrors : Pass<"tessera-cpu-lower-kernel-errors", "mlir::ModuleOp"> {
  let summary = "Turn tdisp.error_if into the kernel's return code";
  let description = [{
    A kernel with `tdisp.error_if` ops returns an i32: 0, or the code of an error whose condition held
    (the last one to hold, when several do). Each check is a select into a flag local to the call, so
    loops stay branch-free; LLVM keeps the flag in a register. Runs once the kernel is loops.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def WinogradConvolutions : Pass<"tessera-cpu-winograd-convolutions", "mlir::ModuleOp"> {
  let summary = "Turn 3x3 stride-1 NCHW convolutions with constant filters into tdisp.winograd_conv2d";
  let description = [{
    Runs on the whole model (linalg on tensors) before dispatch regions form, for CPU targets with the
    microkernels. Where the image has enough 4x4 tiles to fill the microkernel's panels, the filters
    are transformed now into a new weight [36, F, C] (the old one goes when nothing else reads it)
    and the convolution reads its unpadded input with the padding as the window origin.
  }];
  let dependentDialects = ["tessera::dispatch::DispatchDialect", "mlir::arith::ArithDialect"];
}


def PackMatmulWeights : Pass<"tessera-cpu-pack-matmul-weights", "mlir::ModuleOp"> {
  let summary = "Lay out constant matmul operands in the microkernel's panels; products become tdisp.packed_matmul";
  let description = [{
    Runs on the whole model (linalg on tensors) before dispatch regions form, for CPU targets with the
    microkernels. An f32 product `result[b..., i, j] += lhs[b..., i, k] * B[k, j]` (or `B[j, k]`) whose B
    is a 2-D global of at least `min-columns` columns gets a new weight [ceil(N / W), K, W] holding B's
    columns in panels of W (`panel-width`, the microkernel's register tile width) and becomes a
    `tdisp.packed_matmul` reading it; the old weight goes when nothing else reads it.
  }];
  let options = [
    Option<"panelWidth", "panel-width", "int64_t", "32", "Columns per panel (ukernels/sgemm.c NR)">,
    Option<"minColumns", "min-columns", "int64_t", "32",
           "Narrower weights stay as they are (a panel would be mostly padding)">,
  ];
  let dependentDialects = ["tessera::dispatch::DispatchDialect", "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif
