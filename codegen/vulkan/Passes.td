#ifndef TESSERA_CODEGEN_VULKAN_PASSES
#define TESSERA_CODEGEN_VULKAN_PASSES

include "mlir/Pass/PassBase.td"

def LowerPadsToGenerics : Pass<"tessera-vulkan-lower-pads-to-generics", "mlir::ModuleOp"> {
  let summary = "Rewrite tensor.pad with a constant value as one linalg.generic over the result";
  let description = [{
    Each result element reads its source element (index minus the low padding, clamped so the read
    stays in bounds) and selects the padding value outside the source: one loop nest instead of the
    fill and interior copy that bufferizing a pad gives, which a device kernel cannot hold.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def SplatInsertsAsFills : Pass<"tessera-vulkan-splat-inserts-as-fills", "mlir::ModuleOp"> {
  let summary = "Rewrite a tensor.insert_slice of a splat constant as a linalg.fill of the slice";
  let description = [{
    Bufferized, an inserted constant becomes a memref.global the kernel copies from, which a device kernel
    cannot hold; `insert_slice(fill(extract_slice(dest)))` writes the same elements from one scalar, in
    place in the destination (shape vectors concatenated with constant dims).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def ReadOnlyInputs : Pass<"tessera-vulkan-read-only-inputs", "mlir::ModuleOp"> {
  let summary = "Mark each kernel's tensor arguments not writable, so bufferization never updates an input";
  let description = [{
    Inputs are host buffers the dispatch declares read-only (other steps read them too). Sets
    `bufferization.writable = false` on every tensor argument of every function: one-shot bufferization
    then writes an op whose destination is an input (an insert_slice into it) to a copy, which becomes
    the kernel's output, instead of the input binding. A function with results gets
    `tessera.first_result_binding`, the index their output bindings will start at.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def CopiesToLinalg : Pass<"tessera-vulkan-copies-to-linalg", "mlir::ModuleOp"> {
  let summary = "Rewrite memref.copy as linalg.copy, so it becomes a parallel loop nest";
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def FuseIndexOnlyProducers : Pass<"tessera-vulkan-fuse-index-only-producers", "mlir::ModuleOp"> {
  let summary = "Recompute generics without inputs (lowered pads) inside the generic that reads them";
  let description = [{
    A single-use linalg.generic with no inputs computes each element from its indices and captured
    values; its consumer computes the element it reads in its own body (the producer's body with the
    producer's indices replaced by the consumer's indexing map for that operand) and drops the operand.
    Run after named ops are generalized: a convolution then pads its input as it reads it.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::affine::AffineDialect"];
}

def OutputOrderLoops : Pass<"tessera-vulkan-output-order-loops", "mlir::ModuleOp"> {
  let summary = "Interchange each generic's loops into its output's dim order, reductions last";
  let description = [{
    The loop nests of one kernel fuse element by element only when they iterate one space in one
    order; a depthwise convolution (channels innermost in its named form) and the fill and epilogue
    around it (output order) then agree. Reductions end innermost, sequential in an invocation.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def EqualDims : Pass<"tessera-vulkan-equal-dims", "mlir::ModuleOp"> {
  let summary = "Record which run-time dims of each tensor kernel are one value";
  let description = [{
    On tensor kernels: the dims a linalg op indexes by one loop, a result and its init, tensor.empty sizes
    read from a dim or a scalar, slices and casts are equal. Records, per dispatch constant (the dynamic
    dims of the inputs, then of the results, then the scalars), the first constant equal to it
    (`tessera.equal_dims`), so that loop nests bounded by different bindings' dims walk one space.
  }];
}

def DimsFromConstants : Pass<"tessera-vulkan-dims-from-constants", "mlir::ModuleOp"> {
  let summary = "Read a kernel's run-time dims and scalars from index arguments in dispatch-parameter order";
  let description = [{
    A kernel whose bindings have run-time dims, or that takes index scalars, gets them as the dispatch's
    constants: the dynamic dims of its bindings (binding order, then dim order), then its scalars; the
    Vulkan executor writes them after the status word, followed by each binding's byte length (the
    dispatch's parameters, kernel_abi.h). Each becomes an
    index argument after the bindings, in that order (`memref.dim` of a binding is replaced by its dim's
    argument; equal dims, `tessera.equal_dims`, are all read from the first of them), the function is
    marked `tessera.dispatch_constants` (dims and scalars), and a `tdisp.error_if ..., dispatch_mismatch`
    at entry fails the dispatch when dims recorded equal differ or a binding of run-time length is shorter
    than its dims.
  }];
  let dependentDialects = ["tessera::dispatch::DispatchDialect", "mlir::arith::ArithDialect"];
}

def ClampBindingAccesses : Pass<"tessera-vulkan-clamp-binding-accesses", "mlir::ModuleOp"> {
  let summary = "Keep every access of a kernel with run-time dims inside its binding; linearize run-time shapes";
  let description = [{
    For gpu.func kernels that read dispatch parameters (`tessera.dispatch_constants`): a binding of run-time
    shape becomes a 1-D `memref<?xT>` whose loads and stores take the row-major offset from the dims in the
    parameters (SPIR-V storage buffers need static strides otherwise), clamped to the binding's length
    (the parameter after the dispatch's constants); indices into static bindings are clamped to
    their dims. The dims come from the schedule, which a forged artifact controls: the clamps keep the
    kernel inside its buffers, the entry check reports the mismatch.
  }];
  let dependentDialects = ["mlir::spirv::SPIRVDialect", "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}

def LowerKernelErrors : Pass<"tessera-vulkan-lower-kernel-errors", "mlir::ModuleOp"> {
  let summary = "Turn tdisp.error_if into a store of its code into a status binding";
  let description = [{
    A kernel with run-time checks gets one more argument, a memref<1xi32> status word after its own
    bindings (marked `tessera.status_binding` on the function, so it is not one of the dispatch's
    bindings); each failed check stores its TSR_KERNEL_ERROR_* code there. The executor binds, zeroes
    and reads the word around each dispatch.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def MapToInvocations : Pass<"tessera-vulkan-map-to-invocations", "mlir::ModuleOp"> {
  let summary = "Turn a bufferized kernel's parallel loop nests into a gpu.func, a block of elements per invocation";
  let description = [{
    Expects each function to hold top-level `scf.parallel` nests with constant bounds (and constants):
    the loop nests of one dispatch. Each function becomes a `gpu.func` kernel in a `gpu.module` that
    carries the profile's `spirv.target_env`; the iteration space is linearized and walked by a
    grid-stride loop, `workgroup-size` invocations per workgroup, so any size fits a 1-D grid of at
    most 65535 workgroups. Records the grid (`tessera.workgroup_count`) and how the kernel uses each
    binding (`tessera.binding_access`, from its loads and stores). Anything else (temporaries,
    dynamic shapes) is an error at the function: the placement keeps it on the CPU.

    Where the nests hold reduction loops, each invocation computes a block of up to `max-accumulators`
    elements along at most two dims (`tessera.invocation_block` on the kernel), chosen to share the
    most loads between them; copy r of a dim of n elements blocked by R computes element i + r * (n / R),
    so consecutive invocations still touch consecutive elements, and the n % R elements left over are a
    second grid-stride loop of the same kernel, one per invocation. At least `min-invocations` blocks are
    left. Dims whose trip count is a dispatch constant are not blocked (and count as 256 elements).

    With `workgroup-memory-bytes`, a kernel whose reduction loop reads operands that neighbouring
    elements share is mapped to workgroup tiles instead (`tessera.workgroup_tile`): a workgroup walks
    the tiles, each invocation computing a block of up to `max-accumulators` elements of the tile (lane
    + r * lanes along a tiled dim), and the loop runs in chunks whose operands the workgroup first copies
    into workgroup memory together, between barriers (WorkgroupTiling.h). The elements that fill no
    whole tile run one per invocation as above.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::spirv::SPIRVDialect", "mlir::memref::MemRefDialect"];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", "64", "Invocations per workgroup">,
    Option<"targetEnv", "target-env", "std::string", "\"\"",
           "The #spirv.target_env attribute the kernels are compiled for (default: the baseline profile)">,
    Option<"maxAccumulators", "max-accumulators", "int64_t", "16",
           "Most elements one invocation computes (1: one element per invocation)">,
    Option<"minInvocations", "min-invocations", "int64_t", "1024",
           "Fewest invocations a blocked kernel keeps">,
    Option<"workgroupMemoryBytes", "workgroup-memory-bytes", "int64_t", "0",
           "Workgroup memory a tile's staged operands may use (0: no workgroup tiles)">
  ];
}

def PromoteAccumulators : Pass<"tessera-vulkan-promote-accumulators", "mlir::ModuleOp"> {
  let summary = "Carry elements a loop reads and writes at fixed indices in registers across it";
  let description = [{
    For each `scf.for`, innermost first: a buffer the loop stores to, whose every access in the loop is a
    load or store in the loop's own block at indices defined outside the loop, with its elements
    provably distinct (the same base at different constant offsets), is loaded once before the loop,
    carried as an iter_arg and stored once after it. Loops holding any other memory effect are left
    alone. A contraction's accumulators so stay in registers for its whole reduction.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect"];
}

def ForwardStores : Pass<"tessera-vulkan-forward-stores", "mlir::ModuleOp"> {
  let summary = "Within a block, reuse stored or loaded element values instead of loading them again, and drop stores overwritten unread";
  let description = [{
    Walks each block in order, knowing the value of every element stored or loaded so far (by buffer and
    index values). A load of a known element takes its value; a store overwritten at the same indices
    before any load that may read it is erased. A store makes what is known of elements it may overwrite
    (indices not provably distinct: the same base at different constant offsets) stale; a nested loop or
    branch forgets the buffers it stores to and keeps earlier stores to buffers it loads; any other op
    touching memory forgets everything. Fused nests hand each element through the output buffer (fill,
    contraction, epilogue): after this it is stored once.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def RoundDivisionsCorrectly : Pass<"tessera-vulkan-round-divisions-correctly", "mlir::ModuleOp"> {
  let summary = "Take f32 quotients in f64 where the profile has Float64 (Vulkan's OpFDiv allows 2.5 ulp)";
  let description = [{
    Where the kernel's `spirv.target_env` has Float64, a / b on f32 (scalar or vector) is taken in f64
    and rounded to f32: the correctly rounded quotient that the CPU computes, so results that round a
    quotient to an integer (quantization) agree across targets. Without Float64 divisions stay as
    they are (a correction step would need an exact fma, which Vulkan does not promise).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

#endif
