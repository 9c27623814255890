#ifndef TESSERA_SCHEDULE_OPS
#define TESSERA_SCHEDULE_OPS

include "ScheduleBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Schedule_ProgramOp : Schedule_Op<"program", [Symbol, IsolatedFromAbove, NoTerminator, SingleBlock,
    NoRegionArguments]> {
  let summary = "the host schedule of a model";
  let description = [{
    Replaces the host function once its tensors have buffers. Ops run in order; the names and
    element types (ONNX TensorProto codes) of the model's inputs and outputs are attributes, their
    buffers and dims are `tsched.input` / `tsched.output` / `tsched.output_dims` ops. `arena_size` is set
    by arena planning.
    ```mlir
    tsched.program @main attributes {input_names = ["x"], input_dtypes = array<i32: 1>,
                                     output_names = ["y"], output_dtypes = array<i32: 1>} {
      %c16 = arith.constant 16 : index
      %x = tsched.input 0 dims(%c4) size(%c16)
      %y = tsched.output 0 size(%c16)
      tsched.dispatch @exe bindings(%x, %y) lengths(%c16, %c16) access [1, 2]
      tsched.output_dims 0 dims(%c4)
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$input_names, DenseI32ArrayAttr:$input_dtypes,
                       StrArrayAttr:$output_names, DenseI32ArrayAttr:$output_dtypes,
                       OptionalAttr<I64Attr>:$arena_size);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Schedule_SymbolOp : Schedule_Op<"symbol", [Pure]> {
  let summary = "a dim of a model input, bound from the caller's tensor at run time";
  let description = [{
    `%n = tsched.symbol "N"`. Ops with the same name are the same value (the same dim symbol).
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Index:$result);
  let assemblyFormat = "$name attr-dict";
}

def Schedule_ShapeOp : Schedule_Op<"shape", [Pure]> {
  let summary = "host integer arithmetic on dims (a SHAPE step)";
  let description = [{
    `%r = tsched.shape mul %a, %b` computes on int64 values at run time; with literal operands it folds.
    A select is written as `c * x + (1 - c) * y` with `c = eq(...)`.
  }];
  let arguments = (ins Schedule_ShapeOpKind:$kind, Index:$lhs, Index:$rhs);
  let results = (outs Index:$result);
  let assemblyFormat = "$kind $lhs `,` $rhs attr-dict";
  let hasFolder = 1;
}

def Schedule_CheckEqOp : Schedule_Op<"check_eq"> {
  let summary = "fails the run unless two host values are equal (a SHAPE step, CHECK_EQ)";
  let description = [{
    `tsched.check_eq %a, %b` guards a dim that the compiled code assumes but a run-time value decides:
    a declared static dim computed from an input's values, or the element count a reshape keeps. The
    run fails with both values when they differ. Equal literals or the same value canonicalize away.
    ```mlir
    %d = tsched.read_i64 %shape[0] : !tsched.buffer
    tsched.check_eq %d, %c4
    ```
  }];
  let arguments = (ins Index:$lhs, Index:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict";
  let hasCanonicalizeMethod = 1;
}

def Schedule_ReadI64Op : Schedule_Op<"read_i64", [MemoryEffects<[MemRead]>]> {
  let summary = "reads one element of an int64 tensor or buffer on the host";
  let description = [{
    `%v = tsched.read_i64 %shape[2] : tensor<4xi64>`: a value only known when the step runs (a shape
    operand given as input or computed by a kernel). The source is a tensor before buffer assignment and a
    `!tsched.buffer` after it.
  }];
  let arguments = (ins AnyType:$source, I64Attr:$element);
  let results = (outs Index:$result);
  let assemblyFormat = "$source `[` $element `]` attr-dict `:` type($source)";
}

def Schedule_InputOp : Schedule_Op<"input"> {
  let summary = "the buffer of model input `index`, with its dims";
  let arguments = (ins I64Attr:$index, Variadic<Index>:$dims, Index:$size);
  let results = (outs Schedule_BufferType:$buffer);
  let assemblyFormat = "$index `dims` `(` $dims `)` `size` `(` $size `)` attr-dict";
}

def Schedule_OutputOp : Schedule_Op<"output"> {
  let summary = "the buffer of model output `index`";
  let arguments = (ins I64Attr:$index, Index:$size);
  let results = (outs Schedule_BufferType:$buffer);
  let assemblyFormat = "$index `size` `(` $size `)` attr-dict";
}

def Schedule_OutputDimsOp : Schedule_Op<"output_dims"> {
  let summary = "the dims the run reports for model output `index`";
  let arguments = (ins I64Attr:$index, Variadic<Index>:$dims);
  let assemblyFormat = "$index `dims` `(` $dims `)` attr-dict";
}

def Schedule_ConstantOp : Schedule_Op<"constant"> {
  let summary = "a constant tensor, stored in the artifact's weights and used in place";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Schedule_BufferType:$buffer);
  let assemblyFormat = "$value attr-dict";
}

def Schedule_AllocOp : Schedule_Op<"alloc"> {
  let summary = "a temporary buffer: an arena slice when its size is a literal, dynamic otherwise";
  let description = [{
    Arena planning gives literal-size allocations an `offset` into the session arena; the others are
    allocated by the session for each run, with the size they have then.
  }];
  let arguments = (ins Index:$size, OptionalAttr<I64Attr>:$offset);
  let results = (outs Schedule_BufferType:$buffer);
  let assemblyFormat = "`size` `(` $size `)` attr-dict";
}

def Schedule_ViewOp : Schedule_Op<"view", [Pure]> {
  let summary = "bytes [offset, offset + size) of another buffer";
  let description = [{
    A kernel writing a part of a concatenation writes through a view of the concatenation's buffer
    (tessera-concatenate-in-place). Bindings and copies of a view address its source at the view's
    offset; the source lives as long as any of its views is used.
  }];
  let arguments = (ins Schedule_BufferType:$source, I64Attr:$offset, Index:$size);
  let results = (outs Schedule_BufferType:$buffer);
  let assemblyFormat = "$source `offset` `(` $offset `)` `size` `(` $size `)` attr-dict";
}

def Schedule_DispatchOp : Schedule_Op<"dispatch", [AttrSizedOperandSegments]> {
  let summary = "runs an executable's export over a grid of workgroups (a DISPATCH step)";
  let description = [{
    `target` names the executable (`@exe`) until step emission resolves it to one export of one
    variant (`@exe::@cpu::@exe`) and sets the workgroup count. Bindings are buffers with their byte
    lengths and how the kernel uses them (`access`: TSR_ACCESS_* values, 1 read, 2 write); constants are
    the dynamic dims of the bindings, in binding then dim order, followed by the scalar arguments.
  }];
  let arguments = (ins SymbolRefAttr:$target, Variadic<Index>:$workgroup_count,
                       Variadic<Schedule_BufferType>:$bindings, Variadic<Index>:$lengths,
                       Variadic<Index>:$constants, DenseI32ArrayAttr:$access);
  let assemblyFormat = [{
    $target (`workgroups` `(` $workgroup_count^ `)`)? `bindings` `(` $bindings `)` `lengths` `(` $lengths `)`
    (`constants` `(` $constants^ `)`)? `access` $access attr-dict
  }];
  let hasVerifier = 1;
}

def Schedule_CopyOp : Schedule_Op<"copy"> {
  let summary = "copies bytes between buffers (a COPY step)";
  let arguments = (ins Schedule_BufferType:$source, Schedule_BufferType:$dest, Index:$length);
  let assemblyFormat = "$source `to` $dest `length` `(` $length `)` attr-dict";
}

def Schedule_TransferOp : Schedule_Op<"transfer"> {
  let summary = "moves bytes between host memory and a device's own memory (a TRANSFER step)";
  let description = [{
    Kernels of a target with memory of its own (`target`, e.g. "vulkan") work on a copy of each buffer
    in it; host steps (CPU kernels, copies, shape reads, the caller) on the host's. A transfer makes the
    copy on one side current for bytes `[offset, offset + length)` of `buffer`, whose newest contents
    are on the other side. Inserted by tessera-host-insert-transfers; a runtime whose device reaches host
    memory in place may skip them.
    ```mlir
    tsched.transfer to_host %t offset(0) length(%c4096) target "vulkan"
    ```
  }];
  let arguments = (ins Schedule_TransferDirection:$direction, Schedule_BufferType:$buffer, I64Attr:$offset,
                       Index:$length, StrAttr:$target);
  let assemblyFormat = [{
    $direction $buffer `offset` `(` $offset `)` `length` `(` $length `)` `target` $target attr-dict
  }];
}

def Schedule_BarrierOp : Schedule_Op<"barrier"> {
  let summary = "every earlier step completes before any later one starts";
  let assemblyFormat = "attr-dict";
}

#endif
