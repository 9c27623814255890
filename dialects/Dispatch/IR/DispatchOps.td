#ifndef TESSERA_DISPATCH_OPS
#define TESSERA_DISPATCH_OPS

include "DispatchBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/TilingInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/Dialect/Linalg/IR/LinalgInterfaces.td"

def Dispatch_RegionOp : Dispatch_Op<"region", [
    SingleBlockImplicitTerminator<"ReturnOp">, RecursiveMemoryEffects]> {
  let summary = "ops that will run as one kernel launch";
  let description = [{
    The body may use values from above; outlining turns them into executable arguments.
    ```mlir
    %r = tdisp.region -> tensor<4xf32> {
      %0 = linalg.generic ...
      tdisp.return %0 : tensor<4xf32>
    }
    ```
  }];
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "(`->` type($results)^)? $body attr-dict";
  let hasVerifier = 1;
}

def Dispatch_ReturnOp : Dispatch_Op<"return", [Pure, Terminator, ReturnLike,
    HasParent<"RegionOp">]> {
  let summary = "yields the results of a dispatch region";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, mlir::ValueRange()); }]>];
}

def Dispatch_ExecutableOp : Dispatch_Op<"executable", [
    Symbol, SymbolTable, IsolatedFromAbove, NoRegionArguments,
    SingleBlockImplicitTerminator<"ExecutableEndOp">]> {
  let summary = "an outlined kernel with one variant per target";
  let description = [{
    ```mlir
    tdisp.executable @conv_0 {
      tdisp.variant @NAME target("NAME") { builtin.module { func.func @conv_0(...) ... } }
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
}

def Dispatch_VariantOp : Dispatch_Op<"variant", [
    Symbol, SymbolTable, IsolatedFromAbove, NoRegionArguments, HasParent<"ExecutableOp">,
    SingleBlockImplicitTerminator<"ExecutableEndOp">]> {
  let summary = "one target's copy of an executable";
  let description = [{
    Holds a `builtin.module` with the kernel function. The target's variant pipeline rewrites the
    module in place; the target then declares the entry points it produced as `tdisp.export` ops.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$target);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name `target` `(` $target `)` attr-dict-with-keyword $body";
  let extraClassDeclaration = [{
    /// The module holding the kernel, or null if the variant is malformed.
    mlir::ModuleOp getInnerModule();
  }];
}

def Dispatch_ExportOp : Dispatch_Op<"export", [Symbol, HasParent<"VariantOp">]> {
  let summary = "an entry point of a compiled variant, with the signature dispatches must match";
  let description = [{
    ```mlir
    tdisp.export @conv_0 workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 1, 2]
        bytes [1024, 256, 2048] constants 0
    ```
    `access` holds one TSR_ACCESS_* value per binding (1 read, 2 write, 3 both); `bytes`, when present,
    the length in bytes the kernel was compiled for per binding (0 where it depends on run-time dims);
    `constants` is the number of dispatch constants the kernel reads. The artifact records all of it, and
    the loader refuses a dispatch whose grid or literal binding lengths differ.

    A grid of run-time size (`workgroup_count [0, 1, 1]`) carries how the host computes it, the same
    way the kernel splits its loop: `run_time_grid = [I, W, S, c0, c1, ...]` for a loop over dispatch
    constant c0 among loops of S static iterations times constants c1...: the kernel's work
    S * c0 * c1 * ... in workgroups of at least I iterations, at most W of them (w = clamp(ceil(work / I),
    1, W)), tiles of ceil(c0 / w), and ceil(c0 / tile) workgroups. With c0 = -1 the kernel strides over its
    work by the grid instead of tiling one loop (a Vulkan kernel's grid-stride loop): w workgroups for
    S * c1 * c2 * ....

    `scratch`, when present, is how many bytes of its worker's scratch region each workgroup uses for
    its temporaries; the artifact asks the session for the largest of its exports'.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, DenseI64ArrayAttr:$workgroup_count,
                       DenseI64ArrayAttr:$workgroup_size, DenseI32ArrayAttr:$access,
                       OptionalAttr<DenseI64ArrayAttr>:$binding_bytes, I64Attr:$constants,
                       OptionalAttr<DenseI64ArrayAttr>:$run_time_grid, OptionalAttr<I64Attr>:$scratch_bytes);
  let assemblyFormat = [{
    $sym_name `workgroup_count` $workgroup_count `workgroup_size` $workgroup_size `access` $access
    (`bytes` $binding_bytes^)? `constants` $constants (`scratch` $scratch_bytes^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Dispatch_ExecutableEndOp : Dispatch_Op<"executable_end", [Terminator,
    ParentOneOf<["ExecutableOp", "VariantOp"]>]> {
  let summary = "terminator of executables and variants";
  let assemblyFormat = "attr-dict";
}

def Dispatch_DispatchOp : Dispatch_Op<"dispatch", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "launches an executable on tensors";
  let description = [{
    `%r = tdisp.dispatch @conv_0(%x, %w) : (tensor<...>, tensor<...>) -> tensor<...>`.
    Tensor operands bind in order, then results; index operands are passed as scalars (dispatch
    constants, after the dynamic dims of the bindings). `result_dims` holds the dynamic dims of the results, in
    result order then dim order, computed on the host:
    `%r = tdisp.dispatch @exe(%x) dims(%n) : (tensor<?x4xf32>) -> tensor<?x4xf32>`.
  }];
  let arguments = (ins FlatSymbolRefAttr:$executable,
                       Variadic<AnyTypeOf<[AnyRankedTensor, Index]>>:$arguments,
                       Variadic<Index>:$result_dims);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $executable `(` $arguments `)` (`dims` `(` $result_dims^ `)`)? attr-dict `:`
    functional-type($arguments, $results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The host value of dynamic dim `dim` of result `result`.
    mlir::Value getResultDim(unsigned result, unsigned dim);
  }];
}

// Values match TSR_KERNEL_ERROR_* in runtime/include/tessera/kernel_abi.h: a kernel returns the code.
def Dispatch_IndexOutOfRange : I32EnumAttrCase<"index_out_of_range", 1>;
def Dispatch_DivisionByZero : I32EnumAttrCase<"division_by_zero", 2>;
// Not a value error: the dispatch's bindings are shorter than the constants it passes say (a forged or
// corrupt schedule), found by a kernel that reads its dims from those constants.
def Dispatch_DispatchMismatch : I32EnumAttrCase<"dispatch_mismatch", 256>;
def Dispatch_KernelError : I32EnumAttr<"KernelError", "an error a kernel reports",
    [Dispatch_IndexOutOfRange, Dispatch_DivisionByZero, Dispatch_DispatchMismatch]> {
  let cppNamespace = "::tessera::dispatch";
}

def Dispatch_ErrorIfOp : Dispatch_Op<"error_if", [MemoryEffects<[MemWrite]>]> {
  let summary = "fails the dispatch when a condition holds";
  let description = [{
    For errors that depend on tensor values, which no compile-time or host check can see: an index
    outside the dim it indexes (ONNX says Gather, GatherND and the scatters fail on one), an integer
    division by zero (which would trap). The kernel
    keeps running with whatever safe value its code computes (indices are still clamped, so memory
    stays in bounds) and returns the error's code; the runtime then fails the run with a message
    naming the error and the ONNX nodes of the dispatch. Allowed in `linalg.generic` bodies.
    ```mlir
    tdisp.error_if %outside, index_out_of_range
    ```
    It writes (the kernel's error flag), so it is never erased as dead.
  }];
  let arguments = (ins I1:$condition, Dispatch_KernelError:$error);
  let assemblyFormat = "$condition `,` $error attr-dict";
}

def Dispatch_WinogradConv2DOp : Dispatch_Op<"winograd_conv2d", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<TilingInterface, ["getLoopIteratorTypes", "getIterationDomain",
        "getTiledImplementation", "getResultTilePosition", "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<BufferizableOpInterface, ["bufferizesToMemoryRead",
        "bufferizesToMemoryWrite", "getAliasingValues", "bufferize"]>]> {
  let summary = "a 3x3 stride-1 NCHW convolution by Winograd F(4x4, 3x3), filters transformed ahead";
  let description = [{
    `result = init + conv(input, w)` for a 3x3 filter `w` [F, C, 3, 3], stride and dilation 1, where
    output element (n, f, i, j) reads `input[n, c, row + i + kh, col + j + kw]` and reads outside the
    input are zero (so `row` and `col` are minus the leading pads; a tile of the output starts further
    in). `filter` is [36, F, C]: filter[t, f, c] = (G w[f, c] G^T)[t / 6, t % 6] with the F(4x4, 3x3)
    matrix G of Lavin and Gray, computed when the model is compiled. On tensors (one result) or on
    buffers (no result); tiles along any output dim.
    ```mlir
    %y = tdisp.winograd_conv2d ins(%x, %u : tensor<1x64x56x56xf32>, tensor<36x64x64xf32>)
        outs(%init : tensor<1x64x56x56xf32>) origin(%m1, %m1) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$input,
                       AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$filter,
                       AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$init,
                       Index:$row, Index:$col);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $input `,` $filter `:` type($input) `,` type($filter) `)`
    `outs` `(` $init `:` type($init) `)` `origin` `(` $row `,` $col `)` attr-dict (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}


def Dispatch_PackedMatmulOp : Dispatch_Op<"packed_matmul", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<TilingInterface, ["getLoopIteratorTypes", "getIterationDomain",
        "getTiledImplementation", "getResultTilePosition", "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<BufferizableOpInterface, ["bufferizesToMemoryRead",
        "bufferizesToMemoryWrite", "getAliasingValues", "bufferize"]>]> {
  let summary = "a matrix product whose right operand was packed into column panels ahead of time";
  let description = [{
    `result[b..., i, j] = init[b..., i, j] + sum over k of lhs[b..., i, k] * B[k, col + j]`, where the
    constant B [K, W] is stored as `packed` [ceil(W / P), K, P]: B[k, c] = packed[c / P, k, c % P], zero past
    column W. The panels are what the CPU microkernel's register tile reads (P = its width), laid out
    when the model is compiled, so a weight is never repacked at run time. `lhs` and `init` have the
    same rank (at least 2) and leading dims. On tensors (one result) or on buffers (no result); tiles
    along any dim of the result: a column tile moves `col` and reads the same `packed`.
    ```mlir
    %y = tdisp.packed_matmul ins(%x, %w : tensor<64x256xf32>, tensor<8x256x32xf32>)
        outs(%init : tensor<64x256xf32>) col(%c0) -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$lhs,
                       AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$packed,
                       AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef]>:$init,
                       Index:$col);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $lhs `,` $packed `:` type($lhs) `,` type($packed) `)`
    `outs` `(` $init `:` type($init) `)` `col` `(` $col `)` attr-dict (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
  let hasVerifier = 1;
}

def Dispatch_LayerNormOp : Dispatch_Op<"layer_norm", [Pure,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<TilingInterface, ["getLoopIteratorTypes", "getIterationDomain",
        "getTiledImplementation", "getResultTilePosition", "generateResultTileValue"]>,
    AggregatedOpInterface]> {
  let summary = "layer normalization as one op, so a kernel can take whole rows before it is decomposed";
  let description = [{
    `result = (input - mean) / sqrt(var + epsilon) * scale + bias`, the mean and the biased variance taken
    over dims [axis, rank) of `input` (its rows are the dims before `axis`); `scale` and `bias` have those
    dims. Like `linalg.softmax`, it tiles along its rows only (the normalized dims are reduction loops)
    and decomposes (AggregatedOpInterface) into a sum, a sum of squared deviations, the reciprocal
    standard deviation per row and the normalization, which read each row of the tile while it is in
    cache. Tensors only: it is decomposed before bufferization.
    ```mlir
    %y = tdisp.layer_norm ins(%x, %gamma, %beta : tensor<197x192xf32>, tensor<192xf32>, tensor<192xf32>)
        outs(%init : tensor<197x192xf32>) axis(1) epsilon(1.0e-05) -> tensor<197x192xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, AnyRankedTensor:$bias,
                       AnyRankedTensor:$init, I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $input `,` $scale `,` $bias `:` type($input) `,` type($scale) `,` type($bias) `)`
    `outs` `(` $init `:` type($init) `)` `axis` `(` $axis `)` `epsilon` `(` $epsilon `)` attr-dict
    `->` type($result)
  }];
  // Declared here rather than through DeclareOpInterfaceMethods: the interface spells its types
  // without namespaces, for ops inside namespace mlir.
  let extraClassDeclaration = [{
    mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    ::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>> decomposeOperation(::mlir::OpBuilder &b);
  }];
  let hasVerifier = 1;
}

#endif
