#ifndef TESSERA_PASSES
#define TESSERA_PASSES

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph lowering
//===----------------------------------------------------------------------===//

def ConvertGraphToLinalg : Pass<"tessera-convert-graph-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower tgraph ops to linalg, tensor and arith on tensors";
  let description = [{
    Every tgraph op becomes upstream ops on signless tensors (unsigned integer tensors become signless;
    the op's original signedness picks the arith op). Weights stay `tgraph.global`s. An op that cannot
    be lowered yet is an error at its ONNX node's location.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "tessera::dispatch::DispatchDialect"];
}

def CheckDeclaredShapes : Pass<"tessera-check-declared-shapes", "mlir::ModuleOp"> {
  let summary = "Compile outputs at their declared static dims, checked when the model runs";
  let description = [{
    A returned `builtin.unrealized_conversion_cast` from a computed dynamic dim to a declared static one
    (the importer's graph-output promise) whose value a linalg op computes into a `tensor.empty` becomes
    a `tensor.cast` plus, per such dim, `cf.assert (size == declared)`. Canonicalization then compiles
    the op at the declared size, and the host schedule checks each assert when the model runs.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::cf::ControlFlowDialect",
                           "mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Graph optimization (tgraph, whole model)
//===----------------------------------------------------------------------===//

def FoldBatchNormIntoConv : Pass<"tessera-fold-batch-norm-into-conv", "mlir::ModuleOp"> {
  let summary = "Fold an inference BatchNormalization into the convolution that feeds it";
  let description = [{
    `batch_norm(conv(x, W, b), scale, shift, mean, var)` where the convolution has no other user and
    every operand but `x` is a constant f32 tensor becomes `conv(x, W', b')` with
    `s = scale / sqrt(var + epsilon)`, `W'[f] = W[f] * s[f]` and `b'[f] = (b[f] - mean[f]) * s[f] +
    shift[f]` (computed in double). The new filters and bias are weights derived from the old filters;
    weights that nothing reads any more go. The per-channel multiply-add then costs nothing at run time.
  }];
}

def RecognizeLayerNorm : Pass<"tessera-recognize-layer-norm", "mlir::ModuleOp"> {
  let summary = "Replace the chains exporters decompose LayerNorm into by one tgraph.layer_norm";
  let description = [{
    `m = reduce mean(x)` over trailing dims [axis, rank) with keepdims, `d = x - m`, `d ^ 2` (or `d * d`),
    its mean over the same dims, `+ epsilon` (a constant), `sqrt`, `d / sqrt`, then optionally `* scale`
    and `+ bias` whose other operand has exactly the normalized dims, become `tgraph.layer_norm(x, scale,
    bias)` (a splat scale of 1 or bias of 0 where the chain has none), when every intermediate is read
    only by the next op of the chain. The new op's location fuses the replaced ops' (its ONNX nodes).
  }];
}

def ChooseConvolutionLayout : Pass<"tessera-choose-convolution-layout", "mlir::ModuleOp"> {
  let summary = "Compute convolutions channels-last where that cancels transposes";
  let description = [{
    A 2-D f32 depthwise `tgraph.conv` becomes `channels_last` (input and result NHWC, filters a derived
    [kh, kw, 1, C] weight), and one whose windows tile its input (kernel = strides > 1, no padding or
    dilation, one group) a product over positions (space-to-depth transpose, matmul by the filters laid
    out as a [kh * kw * C, F] weight, bias add), when every user of its result wants it channels-last (a
    transpose to NHWC, another such convolution, an elementwise op on the way to one) or its input is
    already there. Elementwise ops follow when their full-size operands are channels-last and that saves
    a transpose. Transposes to NHWC of values now available channels-last disappear; users that stay
    NCHW read the new values through a transpose back. Other dense convolutions keep ONNX's NCHW layout.
  }];
}

//===----------------------------------------------------------------------===//
// Global optimization (linalg on tensors, whole model)
//===----------------------------------------------------------------------===//

def FoldTransposesIntoContractions : Pass<"tessera-fold-transposes-into-contractions", "mlir::ModuleOp"> {
  let summary = "Fold transposes that only feed contractions into the contractions' indexing maps";
  let description = [{
    The contraction then reads the untransposed tensor through permuted indices instead of a transposed
    copy made at run time (a weight transposed by the exporter is copied on every run otherwise).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

//===----------------------------------------------------------------------===//
// Dispatch creation
//===----------------------------------------------------------------------===//

def ConcatenateInPlace : Pass<"tessera-concatenate-in-place", "mlir::func::FuncOp"> {
  let summary = "Mark concatenations whose parts their kernels can write straight into the result";
  let description = [{
    A chain of `tensor.insert_slice`s filling a `tensor.empty` (a lowered Concat) is marked
    `tessera.in_place` when every part is a contiguous, 64-byte aligned byte range of the result, the
    parts cover it exactly once, and each part is the only result of a compute op that nothing else
    reads. Dispatch formation leaves marked inserts on the host; the host schedule gives each part's
    kernel a view of the result's buffer, so no kernel copies the parts.
  }];
}

def FormDispatchRegions : Pass<"tessera-form-dispatch-regions", "mlir::func::FuncOp"> {
  let summary = "Group tensor compute ops into tdisp.region ops";
  let description = [{
    Each root compute op (a linalg op, pad, slice or concat chain) starts a region; elementwise
    linalg.generic consumers of the same shape join the region of their producer when the producer has
    no other user, and so does a reduction whose producer region is elementwise only. A cheap
    elementwise producer (a few arith ops, one full-size operand, not an epilogue) read by several such
    consumers is copied into each first. Reshapes, constants and weight loads stay on the host.
  }];
  let dependentDialects = ["tessera::dispatch::DispatchDialect"];
  let options = [
    Option<"inlineConstantArrays", "inline-constant-arrays", "bool", "true",
           "Clone small non-splat constants into kernels (off when a target cannot embed constant arrays: "
           "they stay host weights)">
  ];
}

def OutlineDispatchRegions : Pass<"tessera-outline-dispatch-regions", "mlir::ModuleOp"> {
  let summary = "Outline tdisp.region ops into tdisp.executable ops with per-target variants";
  let options = [
    ListOption<"targets", "targets", "std::string", "Targets to create a variant for">
  ];
  let dependentDialects = ["tessera::dispatch::DispatchDialect"];
}

def DeduplicateExecutables : Pass<"tessera-deduplicate-executables", "mlir::ModuleOp"> {
  let summary = "Merge structurally identical executables";
  let description = [{
    CNNs repeat layer shapes; identical executables are compiled once. Executables are compared by
    their printed body with the symbol name abstracted.
  }];
}

//===----------------------------------------------------------------------===//
// Before the target split
//===----------------------------------------------------------------------===//

def ExpandMath : Pass<"tessera-expand-math", "mlir::ModuleOp"> {
  let summary = "Expand transcendental math ops into polynomial approximations";
  let description = [{
    tanh, erf, exp, log and friends become the same arith polynomials on every target, so CPU and
    Vulkan compute identical formulas; what has no approximation is left for libm.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::vector::VectorDialect",
                           "mlir::math::MathDialect"];
}

//===----------------------------------------------------------------------===//
// Kernel optimization (inside each executable variant; target independent)
//===----------------------------------------------------------------------===//

def FuseElementwiseOps : Pass<"tessera-fuse-elementwise-ops", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise linalg.generic producers into their only consumer";
  let description = [{
    A kernel's elementwise chain (SiLU is a sigmoid and a multiply) becomes one loop nest with no
    temporary between its steps. A producer with other users is not duplicated. Before dispatch regions
    form (`into-elementwise-only`), only elementwise consumers take producers: SiLU's two generics become
    one that reads the convolution's result twice, so it joins the convolution's kernel; contractions and
    reductions keep their plain bodies (the microkernels match those).
  }];
  let options = [
    Option<"intoElementwiseOnly", "into-elementwise-only", "bool", "false",
           "Fuse only into consumers without reduction loops">,
    Option<"maxBodyOps", "max-body-ops", "unsigned", "256",
           "Largest fused body (ops, yield included): each fusion clones both bodies, so an unbounded "
           "chain would compile in time quadratic in its length; longer chains are cut">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ReuseInputAsDestination : Pass<"tessera-reuse-input-as-destination", "mlir::ModuleOp"> {
  let summary = "Let elementwise epilogues update their producer's result in place";
  let description = [{
    An all-parallel linalg.generic that does not read its destination and has an input of the same
    type and indexing map, produced by a destination-style op and read elsewhere only before this generic
    (a softmax's exponentials, summed first), takes that input
    as its destination. After empty-tensor elimination the producer (a convolution, a matmul) writes
    straight into the kernel's output and the epilogue updates it there: no temporary, no copy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DecomposeAggregateOps : Pass<"tessera-decompose-aggregate-ops", "mlir::ModuleOp"> {
  let summary = "Decompose linalg.softmax and tdisp.layer_norm into reductions and elementwise generics";
  let description = [{
    Graph lowering keeps a softmax as one `linalg.softmax` and a layer normalization as one
    `tdisp.layer_norm`, so dispatch formation sees one op and a CPU kernel splits it by whole rows. Each
    target decomposes it where its kernels can hold what a row needs: the CPU kernel pipeline after
    distribution (every workgroup then finds the statistics of its own rows, in cache), the Vulkan target
    before dispatches form (its kernels hold no temporaries, so each pass over the rows stays a dispatch
    of its own). The ops' own decompositions (AggregatedOpInterface) are used as they are.

    With `chunk-rows`, each op is first tiled into a loop over chunks of whole rows of about 16 KiB (a
    row of run-time length counts as 1 KiB): the passes its decomposition makes over a chunk then read
    it from L1, and its per-row temporaries are bounded by the chunk, also where the rows' count is only
    known at run time.
  }];
  let options = [
    Option<"chunkRows", "chunk-rows", "bool", /*default=*/"false",
           "Tile each op into chunks of whole rows before decomposing it (inside a kernel only)">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect", "mlir::scf::SCFDialect",
                           "mlir::affine::AffineDialect"];
}

def CollapseContiguousLoops : Pass<"tessera-collapse-contiguous-loops", "mlir::ModuleOp"> {
  let summary = "Merge adjacent loops of bufferized linalg.generic/copy ops that walk contiguous memory";
  let description = [{
    Consecutive loops of one iterator type merge when every operand either steps over them
    contiguously (checked on the static strides of its memref) or does not depend on them, so an
    elementwise kernel over NxCxHxW runs one long vectorizable loop instead of short rows.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::memref::MemRefDialect"];
}

#endif
