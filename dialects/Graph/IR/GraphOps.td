#ifndef TESSERA_GRAPH_OPS
#define TESSERA_GRAPH_OPS

include "GraphBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

// InferTypeOpAdaptor for ops whose inference reads attributes. A parse infers result types before the
// op exists, with the attribute dictionary's entries not yet in properties, so the wrapper
// (graph::inferFromParts) merges them in and checks what the op requires first: a textual op that lacks
// an attribute gets a diagnostic, not an inference that reads a null one.
def Graph_InferTypeOpAdaptor : TraitList<[
  DeclareOpInterfaceMethods<InferTypeOpInterface>,
  NativeOpTrait<"InferTypeOpAdaptor", [], [{
    static ::llvm::LogicalResult inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes);
  }], [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location, ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      return ::tessera::graph::inferFromParts<$cppClass>(context, location, operands, attributes, properties,
                                                         regions, inferredReturnTypes);
    }
  }]>
]>;

//===----------------------------------------------------------------------===//
// Constants and weights
//===----------------------------------------------------------------------===//

def Graph_ConstantOp : Graph_Op<"constant", [ConstantLike, Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "a small constant tensor (ONNX Constant, folded values)";
  let description = [{
    Example: `%c = tgraph.constant dense<[1, 2]> : tensor<2xi64>`.
    Large tensors are `tgraph.global`s instead, so that they never travel as inline attributes.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_GlobalOp : Graph_Op<"global", [Symbol, IsolatedFromAbove, Graph_InferTypeOpAdaptor]> {
  let summary = "a named weight tensor over a resource blob";
  let description = [{
    Example: `tgraph.global @conv1.weight : tensor<8x3x3x3xf32> = dense_resource<conv1.weight>`.
    The value is normally a `dense_resource` so that the bytes are imported without a copy and
    written to the artifact's weights section without passing through LLVM IR.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type, ElementsAttr:$value);
  let assemblyFormat = "$sym_name attr-dict `:` $type `=` $value";
  let hasVerifier = 1;
}

def Graph_GlobalLoadOp : Graph_Op<"global_load",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>, Graph_InferTypeOpAdaptor]> {
  let summary = "the value of a `tgraph.global`";
  let description = [{
    Reads the global named `global`, whose type it carries as `value_type` (checked against the global).
    Example: `%w = tgraph.global_load @conv1.weight : tensor<8x3x3x3xf32>`
  }];
  let arguments = (ins FlatSymbolRefAttr:$global, TypeAttr:$value_type);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$global attr-dict `:` $value_type";
  let builders = [OpBuilder<(ins "mlir::Type":$type, "llvm::StringRef":$global), [{
    build($_builder, $_state, type, global, type);
  }]>];
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Ops that infer their result types (InferTypeOpInterface) with one of the helpers that families of ops
// share. Every tgraph op's result types are exactly the inferred ones: the textual form leaves them out
// (`%y = tgraph.add %a, %b : tensor<2x3xf32>, tensor<3xf32>`) and a parse rebuilds them, so a type
// that inference would not reproduce is a verifier error rather than something printing loses.
class Graph_InferredBy<string helper> {
  code definition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        ::std::optional<::mlir::Location> location, ::mlir::ValueRange operands, ::mlir::DictionaryAttr,
        ::mlir::OpaqueProperties, ::mlir::RegionRange, ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return ::tessera::graph::}] # helper # [{(context, location, operands, inferred);
    }
  }];
}

// The result has the input's type (a predicate's: its shape, i1 elements).
class Graph_UnaryOp<string mnemonic, string onnxName, list<Trait> traits = [], string infer = "inferSameType">
    : Graph_Op<mnemonic, !listconcat([Pure, Elementwise, SameOperandsAndResultShape, DeclareOpInterfaceMethods<InferTypeOpInterface>], traits)> {
  let summary = "ONNX " # onnxName;
  let description = "Elementwise ONNX `" # onnxName # "`.";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let extraClassDefinition = Graph_InferredBy<infer>.definition;
}

def Graph_AbsOp : Graph_UnaryOp<"abs", "Abs">;
def Graph_AcosOp : Graph_UnaryOp<"acos", "Acos">;
def Graph_AcoshOp : Graph_UnaryOp<"acosh", "Acosh">;
def Graph_AsinOp : Graph_UnaryOp<"asin", "Asin">;
def Graph_AsinhOp : Graph_UnaryOp<"asinh", "Asinh">;
def Graph_AtanOp : Graph_UnaryOp<"atan", "Atan">;
def Graph_AtanhOp : Graph_UnaryOp<"atanh", "Atanh">;
def Graph_CeilOp : Graph_UnaryOp<"ceil", "Ceil">;
def Graph_CosOp : Graph_UnaryOp<"cos", "Cos">;
def Graph_CoshOp : Graph_UnaryOp<"cosh", "Cosh">;
def Graph_ErfOp : Graph_UnaryOp<"erf", "Erf">;
def Graph_ExpOp : Graph_UnaryOp<"exp", "Exp">;
def Graph_FloorOp : Graph_UnaryOp<"floor", "Floor">;
def Graph_HardSwishOp : Graph_UnaryOp<"hard_swish", "HardSwish">;
def Graph_IdentityOp : Graph_UnaryOp<"identity", "Identity"> { let hasFolder = 1; }
def Graph_IsNaNOp : Graph_UnaryOp<"isnan", "IsNaN", [], "inferPredicateType">;
def Graph_LogOp : Graph_UnaryOp<"log", "Log">;
def Graph_MishOp : Graph_UnaryOp<"mish", "Mish">;
def Graph_NegOp : Graph_UnaryOp<"neg", "Neg">;
def Graph_NotOp : Graph_UnaryOp<"not", "Not">;
def Graph_ReciprocalOp : Graph_UnaryOp<"reciprocal", "Reciprocal">;
def Graph_ReluOp : Graph_UnaryOp<"relu", "Relu">;
def Graph_RoundOp : Graph_UnaryOp<"round", "Round">;
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", "Sigmoid">;
def Graph_SignOp : Graph_UnaryOp<"sign", "Sign">;
def Graph_SinOp : Graph_UnaryOp<"sin", "Sin">;
def Graph_SinhOp : Graph_UnaryOp<"sinh", "Sinh">;
def Graph_SoftplusOp : Graph_UnaryOp<"softplus", "Softplus">;
def Graph_SoftsignOp : Graph_UnaryOp<"softsign", "Softsign">;
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", "Sqrt">;
def Graph_TanOp : Graph_UnaryOp<"tan", "Tan">;
def Graph_TanhOp : Graph_UnaryOp<"tanh", "Tanh">;

class Graph_UnaryAlphaOp<string mnemonic, string onnxName, string alphaDefault>
    : Graph_UnaryOp<mnemonic, onnxName> {
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<F32Attr, alphaDefault>:$alpha);
}
def Graph_CeluOp : Graph_UnaryAlphaOp<"celu", "Celu", "1.0">;
def Graph_EluOp : Graph_UnaryAlphaOp<"elu", "Elu", "1.0">;
def Graph_LeakyReluOp : Graph_UnaryAlphaOp<"leaky_relu", "LeakyRelu", "0.01">;
def Graph_ThresholdedReluOp : Graph_UnaryAlphaOp<"thresholded_relu", "ThresholdedRelu", "1.0">;

def Graph_SeluOp : Graph_UnaryOp<"selu", "Selu"> {
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma);
}
def Graph_HardSigmoidOp : Graph_UnaryOp<"hard_sigmoid", "HardSigmoid"> {
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5">:$beta);
}
def Graph_ShrinkOp : Graph_UnaryOp<"shrink", "Shrink"> {
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<F32Attr, "0.0">:$bias,
                       DefaultValuedAttr<F32Attr, "0.5">:$lambd);
}
def Graph_GeluOp : Graph_UnaryOp<"gelu", "Gelu"> {
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation);
}
def Graph_IsInfOp : Graph_UnaryOp<"isinf", "IsInf", [], "inferPredicateType"> {
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<BoolAttr, "true">:$detect_negative,
                       DefaultValuedAttr<BoolAttr, "true">:$detect_positive);
}
def Graph_CastOp : Graph_Op<"cast", [Pure, Elementwise, SameOperandsAndResultShape,
                                     Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Cast";
  let description = [{
    ONNX `Cast` to element type `to`. Example: `%y = tgraph.cast %x to f16 : tensor<4xf32>`, a `tensor<4xf16>`.
  }];
  let arguments = (ins AnyRankedTensor:$input, TypeAttr:$to);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `to` $to attr-dict `:` type(operands)";
  let builders = [OpBuilder<(ins "mlir::Type":$type, "mlir::Value":$input), [{
    build($_builder, $_state, type, input, mlir::getElementTypeOrSelf(type));
  }]>];
}

def Graph_ClipOp : Graph_Op<"clip", [Pure, AttrSizedOperandSegments, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let extraClassDefinition = Graph_InferredBy<"inferSameType">.definition;
  let summary = "ONNX Clip";
  let description = "Clamps to the scalar bounds `min` and `max` when given.";
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$min,
                       Optional<AnyRankedTensor>:$max);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`min` $min^)? (`max` $max^)? attr-dict `:` type(operands)";
}

// Binary ops broadcast with numpy rules (ONNX multidirectional broadcasting).
// The result shape is the broadcast of the operands'; its elements are the lhs's (a comparison's: i1).
class Graph_BinaryOp<string mnemonic, string onnxName, list<Trait> traits = [], string infer = "inferBroadcastType">
    : Graph_Op<mnemonic, !listconcat([Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>], traits)> {
  let extraClassDefinition = Graph_InferredBy<infer>.definition;
  let summary = "ONNX " # onnxName;
  let description = "Elementwise ONNX `" # onnxName # "` with multidirectional broadcasting.";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type(operands)";
}

def Graph_AddOp : Graph_BinaryOp<"add", "Add", [Commutative]>;
def Graph_AndOp : Graph_BinaryOp<"and", "And", [Commutative]>;
def Graph_DivOp : Graph_BinaryOp<"div", "Div">;
def Graph_EqualOp : Graph_BinaryOp<"equal", "Equal", [Commutative], "inferComparisonType"> { let hasFolder = 1; }
def Graph_GreaterOp : Graph_BinaryOp<"greater", "Greater", [], "inferComparisonType"> { let hasFolder = 1; }
def Graph_GreaterOrEqualOp : Graph_BinaryOp<"greater_or_equal", "GreaterOrEqual", [], "inferComparisonType"> { let hasFolder = 1; }
def Graph_LessOp : Graph_BinaryOp<"less", "Less", [], "inferComparisonType"> { let hasFolder = 1; }
def Graph_LessOrEqualOp : Graph_BinaryOp<"less_or_equal", "LessOrEqual", [], "inferComparisonType"> { let hasFolder = 1; }
def Graph_MaxOp : Graph_BinaryOp<"max", "Max", [Commutative]>;
def Graph_MinOp : Graph_BinaryOp<"min", "Min", [Commutative]>;
def Graph_MulOp : Graph_BinaryOp<"mul", "Mul", [Commutative]>;
def Graph_OrOp : Graph_BinaryOp<"or", "Or", [Commutative]>;
def Graph_PowOp : Graph_BinaryOp<"pow", "Pow">;
def Graph_PReluOp : Graph_BinaryOp<"prelu", "PRelu">;
def Graph_SubOp : Graph_BinaryOp<"sub", "Sub">;
def Graph_XorOp : Graph_BinaryOp<"xor", "Xor", [Commutative]>;
def Graph_ModOp : Graph_BinaryOp<"mod", "Mod"> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let hasFolder = 1;
}
def Graph_BitShiftOp : Graph_BinaryOp<"bit_shift", "BitShift"> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs, BoolAttr:$shift_left);
}

def Graph_WhereOp : Graph_Op<"where", [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let extraClassDefinition = Graph_InferredBy<"inferSelectType">.definition;
  let summary = "ONNX Where";
  let description = "Selects from `x` where `condition` holds, else from `y`, with broadcasting.";
  let arguments = (ins AnyRankedTensor:$condition, AnyRankedTensor:$x, AnyRankedTensor:$y);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` type(operands)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Contractions, convolution, pooling, normalization
//===----------------------------------------------------------------------===//

def Graph_MatMulOp : Graph_Op<"matmul", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX MatMul";
  let description = "numpy matmul semantics: batch dims broadcast; 1-D operands are promoted.";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type(operands)";
}

def Graph_GemmOp : Graph_Op<"gemm", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Gemm";
  let description = "`alpha * op(A) * op(B) + beta * C` with optional transposes and bias `C`.";
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b, Optional<AnyRankedTensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$a `,` $b (`,` $c^)? attr-dict `:` type(operands)";
}

def Graph_ConvOp : Graph_Op<"conv", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Conv (NCHW, any spatial rank; or 2-D channels-last)";
  let description = [{
    Attributes are explicit: `pads` is [begin..., end...], auto_pad already resolved at import.
    Imported convolutions are ONNX's: input [N, C, spatial...], weight [F, C/group, kernel...], output
    [N, F, spatial...]. With `channels_last` (2-D only, chosen by the layout pass) the input is
    [N, H, W, C], the weight [kh, kw, C/group, F] and the output [N, H', W', F]; strides, dilations and
    pads keep their meaning.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$group, UnitAttr:$channels_last);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_PoolOp : Graph_Op<"pool", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool";
  let description = [{
    `kind` is max or avg. Padding is explicit [begin..., end...]; `ceil_mode` has been folded into
    the end pads at import. `count_include_pad` only matters for avg. Kernel dims, strides and dilations
    are positive, pads non-negative.
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_PoolKind:$kind, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$original_end_pads,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_BatchNormOp : Graph_Op<"batch_norm", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX BatchNormalization (inference mode)";
  let description = "`(x - mean) / sqrt(var + epsilon) * scale + bias` per channel (dim 1).";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, AnyRankedTensor:$bias,
                       AnyRankedTensor:$mean, AnyRankedTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` type(operands)
  }];
}

def Graph_SoftmaxOp : Graph_Op<"softmax", [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "ONNX Softmax / LogSoftmax / Hardmax along one axis (opset-13 semantics)";
  let description = "`kind` is softmax, log_softmax or hardmax; `axis` is in [0, rank).";
  let arguments = (ins AnyRankedTensor:$input, Graph_SoftmaxKind:$kind, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_LayerNormOp : Graph_Op<"layer_norm", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX LayerNormalization's Y, or the chain of ops exporters decompose it into";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, where the mean and the (biased) variance are taken
    over dims [axis, rank) of `x` (`axis` in [0, rank)) and `scale` and `bias` have exactly those dims.
    Float types only; the result has the input's type.
    ```mlir
    %y = tgraph.layer_norm %x, %gamma, %beta {axis = 2 : i64, epsilon = 1.0e-05 : f32}
        : tensor<1x197x192xf32>, tensor<192xf32>, tensor<192xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, AnyRankedTensor:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $scale `,` $bias attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_ReduceOp : Graph_Op<"reduce", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX ReduceX and ArgMax/ArgMin";
  let description = [{
    `kind`: sum, mean, max, min, prod, l1, l2, log_sum, log_sum_exp, sum_square, argmax, argmin.
    `axes` are non-negative and sorted; an empty list reduces every axis (for arg*: one axis).
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_ReduceKind:$kind, DenseI64ArrayAttr:$axes,
                       BoolAttr:$keepdims, DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

def Graph_ReshapeOp : Graph_Op<"reshape", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Reshape / Flatten / Squeeze (same elements, new shape)";
  let description = [{
    `sizes` is the new shape; its `?` dims are computed when the model runs, from `shape` (the ONNX
    shape operand, one value per dim) where there is one, else from the input's dims (a collapse or an
    expansion of consecutive dims). With `allow_zero`, a 0 in the shape operand is a zero-sized dim
    instead of "copy the input dim" (ONNX `allowzero`).
    Example: `%y = tgraph.reshape %x {sizes = array<i64: 2, 12>} : tensor<2x3x4xf32>`, a `tensor<2x12xf32>`.
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$shape, DenseI64ArrayAttr:$sizes,
                       UnitAttr:$allow_zero);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`shape` $shape^)? attr-dict `:` type(operands)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "mlir::Type":$type, "mlir::Value":$input, "mlir::Value":$shape), [{
    build($_builder, $_state, type, input, shape,
          $_builder.getDenseI64ArrayAttr(mlir::cast<mlir::RankedTensorType>(type).getShape()), nullptr);
  }]>];
}

def Graph_UnsqueezeOp : Graph_Op<"unsqueeze", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Unsqueeze with constant axes";
  let description = "Inserts unit dims at `axes` (non-negative, of the result).";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let hasFolder = 1;
}

def Graph_TransposeOp : Graph_Op<"transpose", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Transpose";
  let description = "`output[i...] = input[perm applied]`; dim `d` of the result is dim `perm[d]` of the input.";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_Op<"concat", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Concat";
  let description = "Concatenates along non-negative `axis`.";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` type(operands)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_ShapeOp : Graph_Op<"shape", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Shape (with start/end)";
  let description = "The dims `[start, end)` of the input as a 1-D int64 tensor.";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$start, I64Attr:$end);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The input dims it returns, [first, last) (see shapeDimRange).
    std::pair<int64_t, int64_t> getDimRange();
  }];
}

def Graph_GatherOp : Graph_Op<"gather", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Gather";
  let description = "Takes slices of `data` along non-negative `axis` at `indices` (negatives wrap).";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$data `,` $indices attr-dict `:` type(operands)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_SliceOp : Graph_Op<"slice", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Slice with constant starts/ends/steps, normalized per dim";
  let description = [{
    One entry per input dim: the clamped start offset, the step and the number of elements taken
    (`sizes`; `?` keeps a dim of run-time size whole). Every element read lies inside the input.
    Example: `%y = tgraph.slice %x {sizes = array<i64: 2, 3>, starts = array<i64: 1, 0>,
    steps = array<i64: 2, 1>} : tensor<4x3xf32>`, a `tensor<2x3xf32>`.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$steps,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "mlir::Type":$type, "mlir::Value":$input, "mlir::DenseI64ArrayAttr":$starts,
                                 "mlir::DenseI64ArrayAttr":$steps), [{
    build($_builder, $_state, type, input, starts, steps,
          $_builder.getDenseI64ArrayAttr(mlir::cast<mlir::RankedTensorType>(type).getShape()));
  }]>];
}

def Graph_PadOp : Graph_Op<"pad", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Pad with constant pads";
  let description = [{
    `mode`: constant, reflect, edge. `pads` is [begin..., end...] and may be negative.
    Example: `%r = tgraph.pad reflect %x {pads = array<i64: 0, 1, 0, 1>} : tensor<3x3xf32>`, a `tensor<3x5xf32>`
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_PadMode:$mode, DenseI64ArrayAttr:$pads,
                       Optional<AnyRankedTensor>:$value);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$mode $input (`value` $value^)? attr-dict `:` type(operands)";
  let hasFolder = 1;
}

def Graph_RangeOp : Graph_Op<"range", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Range with operands known only at run time";
  let description = [{
    `output[i] = start + i * delta` for `i < count`, where `count` (a 0-d int64 tensor, computed by the
    importer as max(0, ceil((limit - start) / delta))) is read when the model runs.
  }];
  let arguments = (ins AnyRankedTensor:$start, AnyRankedTensor:$delta, AnyRankedTensor:$count);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$start `,` $delta `,` $count attr-dict `:` type(operands)";
}

def Graph_ExpandOp : Graph_Op<"expand", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Expand / ConstantOfShape: broadcast to the result shape";
  let description = [{
    Broadcasts `input` (numpy alignment) to `sizes`. Its `?` dims are the values of `shape` (one entry
    per result dim), a 1-D int64 tensor known only at run time, or, without one, the input's own dims
    of run-time size, kept as they are.
    Example: `%y = tgraph.expand %x {sizes = array<i64: 2, 4>} : tensor<1x4xf32>`, a `tensor<2x4xf32>`.
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$shape, DenseI64ArrayAttr:$sizes);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input (`shape` $shape^)? attr-dict `:` type(operands)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "mlir::Type":$type, "mlir::Value":$input, "mlir::Value":$shape), [{
    build($_builder, $_state, type, input, shape,
          $_builder.getDenseI64ArrayAttr(mlir::cast<mlir::RankedTensorType>(type).getShape()));
  }]>, OpBuilder<(ins "mlir::Type":$type, "mlir::Value":$input), [{
    build($_builder, $_state, type, input, mlir::Value());
  }]>];
}

//===----------------------------------------------------------------------===//
// Indexing, scans and selection
//===----------------------------------------------------------------------===//

def Graph_GatherElementsOp : Graph_Op<"gather_elements", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX GatherElements";
  let description = [{
    `output[i...] = data[i... with dim axis replaced by indices[i...]]`; the result has the shape of
    `indices`; negative indices wrap. Example:
    `%r = tgraph.gather_elements %d, %i {axis = 1 : i64} : tensor<2x3xf32>, tensor<2x2xi64>`, a `tensor<2x2xf32>`
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$data `,` $indices attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_ScatterElementsOp : Graph_Op<"scatter_elements", [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let extraClassDefinition = Graph_InferredBy<"inferSameType">.definition;
  let summary = "ONNX ScatterElements (and the deprecated Scatter)";
  let description = [{
    A copy of `data` where `updates[i...]` goes to the position of `i...` with dim `axis` replaced by
    `indices[i...]`, in row-major order of the updates. `reduction`: none, add, mul, max, min.
    Example: `%r = tgraph.scatter_elements add %d, %i, %u {axis = 0 : i64} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, AnyRankedTensor:$updates,
                       I64Attr:$axis, Graph_ScatterReduction:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$reduction $data `,` $indices `,` $updates attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_GatherNDOp : Graph_Op<"gather_nd", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX GatherND";
  let description = [{
    The last dim of `indices` holds coordinates into `data` after `batch_dims` leading dims shared by
    both. Example: `%r = tgraph.gather_nd %d, %i {batch_dims = 0 : i64} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$batch_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$data `,` $indices attr-dict `:` type(operands)";
}

def Graph_ScatterNDOp : Graph_Op<"scatter_nd", [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let extraClassDefinition = Graph_InferredBy<"inferSameType">.definition;
  let summary = "ONNX ScatterND";
  let description = [{
    A copy of `data` where each slice `updates[i...]` goes to the coordinates `indices[i..., :]`, in
    row-major order. `reduction`: none, add, mul, max, min.
    Example: `%r = tgraph.scatter_nd none %d, %i, %u : ...`
  }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, AnyRankedTensor:$updates,
                       Graph_ScatterReduction:$reduction);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$reduction $data `,` $indices `,` $updates attr-dict `:` type(operands)";
  let hasFolder = 1;
}

def Graph_CumSumOp : Graph_Op<"cumsum", [Pure, SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "ONNX CumSum along a constant axis";
  let description = [{
    Running sum along non-negative `axis`; `exclusive` leaves out the element itself, `reverse` sums
    from the end. Example: `%r = tgraph.cumsum %x {axis = 0 : i64, exclusive = false, reverse = false} : tensor<5xf32>`
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$exclusive, BoolAttr:$reverse);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_TopKOp : Graph_Op<"topk", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX TopK with a constant k";
  let description = [{
    The `k` largest (or smallest) elements along non-negative `axis` and their int64 indices, sorted
    when `sorted`; ties go to the lower index. (A run-time k takes the leading elements of a sorted
    TopK of the whole axis.)
    Example: `%v, %i = tgraph.topk %x {k = 2 : i64, axis = 1 : i64, largest = true, sorted = true} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$k, I64Attr:$axis, BoolAttr:$largest, BoolAttr:$sorted);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_EinsumOp : Graph_Op<"einsum", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Einsum, with the equation resolved to loop dims";
  let description = [{
    `operand_dims[i][j]` is the loop dim that indexes dim j of operand i (-1: a broadcast size-1
    dim), `output_dims` the loop dims of the result. Loop dims not in the output are summed; a loop
    dim repeated in one operand takes its diagonal. Example (`ij,jk->ik`):
    `%r = tgraph.einsum %a, %b {operand_dims = [array<i64: 0, 2>, array<i64: 2, 1>], output_dims = array<i64: 0, 1>} : ...`
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, ArrayAttr:$operand_dims,
                       DenseI64ArrayAttr:$output_dims);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def Graph_MaxPoolWithIndicesOp : Graph_Op<"max_pool_with_indices", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX MaxPool with its Indices output";
  let description = [{
    Like `tgraph.pool max` (explicit pads, ceil_mode folded into the end pads); `indices`
    holds each maximum's flat int64 position in the input, spatial dims row-major
    (`storage_order` 0) or column-major (1); ties take the first position in window order.
    Example: `%v, %i = tgraph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, ...} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$storage_order);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices);
  let assemblyFormat = "$input attr-dict `:` type(operands)";
}

def Graph_ResizeOp : Graph_Op<"resize", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX Resize / Upsample with constant scales";
  let description = [{
    `mode`: nearest, linear (n-linear) or cubic (n-cubic with `cubic_coeff_a`; `exclude_outside` drops
    and renormalizes taps outside the input). `scales[d]` is the scale of dim d used
    by `coordinate_transformation_mode` (half_pixel, pytorch_half_pixel, align_corners, asymmetric,
    tf_half_pixel_for_nn); `nearest_mode`: round_prefer_floor, round_prefer_ceil, floor, ceil. `sizes`
    are the output sizes (floor(size * scale), or ONNX's `sizes` input). Source positions outside the
    input clamp to its edge. Example (mode, coordinate transformation, nearest mode):
    `%y = tgraph.resize nearest asymmetric floor %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>,
    sizes = array<i64: 1, 3, 8, 8>} : tensor<1x3x4x4xf32>`, a `tensor<1x3x8x8xf32>`.
  }];
  let arguments = (ins AnyRankedTensor:$input, Graph_ResizeMode:$mode,
                       Graph_CoordinateTransform:$coordinate_transformation_mode,
                       Graph_NearestMode:$nearest_mode, DenseF64ArrayAttr:$scales, DenseI64ArrayAttr:$sizes,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $mode $coordinate_transformation_mode $nearest_mode $input attr-dict `:` type(operands)
  }];
}

def Graph_GridSampleOp : Graph_Op<"grid_sample", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX GridSample (2-D, opset 16)";
  let description = [{
    Samples `input` [N, C, H, W] at the normalized (x, y) positions of `grid` [N, Ho, Wo, 2].
    `mode`: bilinear, nearest, bicubic; `padding_mode`: zeros, border, reflection.
    Example: `%y = tgraph.grid_sample bilinear zeros %x, %g {align_corners = false} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grid, Graph_GridSampleMode:$mode,
                       Graph_GridSamplePadding:$padding_mode, BoolAttr:$align_corners);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$mode $padding_mode $input `,` $grid attr-dict `:` type(operands)";
}

def Graph_RoiAlignOp : Graph_Op<"roi_align", [Pure, Graph_InferTypeOpAdaptor]> {
  let summary = "ONNX RoiAlign (average mode, fixed sampling ratio)";
  let description = [{
    For each roi [x1, y1, x2, y2] (scaled by `spatial_scale`, shifted by 0.5 when `half_pixel`) and
    its batch index, averages `sampling_ratio`^2 bilinear samples of `input` per output bin.
    The result is [rois, C, output_height, output_width].
    Example: `%y = tgraph.roi_align %x, %rois, %idx {half_pixel = true, output_height = 5 : i64,
    output_width = 5 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f32} : ...`
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$rois, AnyRankedTensor:$batch_indices,
                       BoolAttr:$half_pixel, I64Attr:$output_height, I64Attr:$output_width,
                       I64Attr:$sampling_ratio, F32Attr:$spatial_scale);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $rois `,` $batch_indices attr-dict `:` type(operands)";
}

#endif
