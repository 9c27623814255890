//===- NodeImporters.cpp - elementwise and shape ONNX ops -----------------===//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

const onnxpb::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}
int64_t NodeContext::getInt(StringRef name, int64_t dflt) const {
  auto *a = attr(name);
  return a ? a->i() : dflt;
}
float NodeContext::getFloat(StringRef name, float dflt) const {
  auto *a = attr(name);
  return a ? a->f() : dflt;
}
std::string NodeContext::getString(StringRef name, StringRef dflt) const {
  auto *a = attr(name);
  return a ? a->s() : dflt.str();
}
std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

/// The value of `v` if its producers fold to a constant (shape chains such as Shape -> Gather ->
/// Concat, which function bodies use without ONNX-inferred types).
static DenseElementsAttr foldToConstant(Value v, int depth = 0) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!op || depth > 16)
    return nullptr;
  if (auto c = dyn_cast<graph::ConstantOp>(op))
    return dyn_cast<DenseElementsAttr>(c.getValue());
  if (op->getNumResults() != 1)
    return nullptr;
  SmallVector<Attribute> operands;
  for (Value operand : op->getOperands())
    operands.push_back(foldToConstant(operand, depth + 1));
  if (auto evaluated = evaluateConstant(op, operands))
    return evaluated;
  // Folding must not mutate the op (ReshapeOp drops its shape operand in place): fold a clone.
  Operation *clone = op->clone();
  SmallVector<OpFoldResult> results;
  DenseElementsAttr folded;
  if (succeeded(clone->fold(operands, results)) && results.size() == 1) {
    if (auto attr = dyn_cast_if_present<Attribute>(results[0]))
      folded = dyn_cast<DenseElementsAttr>(attr);
    else if (auto value = dyn_cast_if_present<Value>(results[0]); value && value != clone->getResult(0))
      folded = value == clone->getOperand(0) ? foldToConstant(op->getOperand(0), depth + 1) : nullptr;
  }
  clone->destroy();
  return folded;
}

DenseElementsAttr NodeContext::constantValue(size_t i) const { return foldToConstant(input(i)); }

std::optional<SmallVector<int64_t>> NodeContext::constantInts(size_t i) const {
  auto dense = constantValue(i);
  if (!dense || !isa<IntegerType>(dense.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> out;
  for (APInt v : dense.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

/// The elements of a 1-D int64 value that fold to constants; see NodeContext::knownInts.
static SmallVector<std::optional<int64_t>> knownElements(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() || !type.getElementType().isInteger(64))
    return {};
  if (auto dense = foldToConstant(v)) {
    SmallVector<std::optional<int64_t>> out;
    for (APInt x : dense.getValues<APInt>())
      out.push_back(x.getSExtValue());
    return out;
  }
  SmallVector<std::optional<int64_t>> out;
  if (auto concat = v.getDefiningOp<graph::ConcatOp>(); concat && type.getRank() == 1) {
    for (Value part : concat.getInputs()) {
      auto known = knownElements(part);
      if (known.size() != (size_t)cast<RankedTensorType>(part.getType()).getNumElements())
        return SmallVector<std::optional<int64_t>>(type.getNumElements(), std::nullopt);
      out.append(known);
    }
    return out;
  }
  return SmallVector<std::optional<int64_t>>(type.getNumElements(), std::nullopt);
}

SmallVector<std::optional<int64_t>> NodeContext::knownInts(size_t i) const {
  return input(i) ? knownElements(input(i)) : SmallVector<std::optional<int64_t>>{};
}

InFlightDiagnostic NodeContext::error() {
  std::string label = node.name().empty() && node.output_size() ? node.output(0) : node.name();
  return emitError(loc) << node.op_type() << " (opset " << opset << ") node '" << label << "': ";
}

FailureOr<RankedTensorType> broadcastResultType(NodeContext &c, Value lhs, Value rhs,
                                                Type elementType) {
  auto l = cast<RankedTensorType>(lhs.getType()), r = cast<RankedTensorType>(rhs.getType());
  auto shape = graph::broadcastShapes(l.getShape(), r.getShape());
  if (failed(shape))
    return c.error() << "operand shapes " << l << " and " << r << " do not broadcast";
  return RankedTensorType::get(*shape, elementType ? elementType : l.getElementType());
}

FailureOr<int64_t> normalizeAxis(NodeContext &c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return c.error() << "axis " << axis << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<RankedTensorType> requireOutputType(NodeContext &c, size_t i, RankedTensorType fallback) {
  if (auto t = c.outputType(i))
    if (!fallback || t.getElementType() == fallback.getElementType())
      return t;
  if (fallback)
    return fallback;
  return c.error() << "the shape of output " << i << " is unknown (shape inference gave none)";
}

using Results = FailureOr<SmallVector<Value>>;
static Results one(Value v) { return SmallVector<Value>{v}; }

template <typename OpTy> static NodeImporter unary() {
  return [](NodeContext &c) -> Results {
    if (!c.input(0))
      return c.error() << "missing input";
    return one(OpTy::create(c.b, c.loc, c.inputType(0), c.input(0)));
  };
}

template <typename OpTy> static NodeImporter unaryAlpha(float dflt) {
  return [dflt](NodeContext &c) -> Results {
    return one(OpTy::create(c.b, c.loc, c.inputType(0), c.input(0),
                            c.b.getF32FloatAttr(c.getFloat("alpha", dflt))));
  };
}

/// Binary ops with an optional result element type (comparisons give i1).
template <typename OpTy> static NodeImporter binary(bool boolResult = false) {
  return [boolResult](NodeContext &c) -> Results {
    if (c.numInputs() != 2 || !c.input(0) || !c.input(1))
      return c.error() << "expects 2 inputs";
    if (c.opset < 7 && c.attr("broadcast"))
      return c.error() << "legacy 'broadcast'/'axis' attributes are not supported";
    auto type = broadcastResultType(c, c.input(0), c.input(1),
                                    boolResult ? c.b.getI1Type() : Type());
    if (failed(type))
      return failure();
    return one(OpTy::create(c.b, c.loc, *type, c.input(0), c.input(1)));
  };
}

/// Variadic Max/Min/Sum: a left fold of the binary op. Mean divides the sum by the count.
template <typename OpTy> static NodeImporter variadic(bool mean = false) {
  return [mean](NodeContext &c) -> Results {
    if (c.numInputs() == 0)
      return c.error() << "expects at least one input";
    Value acc = c.input(0);
    for (size_t i = 1; i < c.numInputs(); ++i) {
      auto type = broadcastResultType(c, acc, c.input(i));
      if (failed(type))
        return failure();
      acc = OpTy::create(c.b, c.loc, *type, acc, c.input(i));
    }
    if (mean && c.numInputs() > 1) {
      auto elem = cast<RankedTensorType>(acc.getType()).getElementType();
      auto scalarType = RankedTensorType::get({}, elem);
      auto count = graph::ConstantOp::create(
          c.b, c.loc, scalarType,
          DenseElementsAttr::get(scalarType, c.b.getFloatAttr(elem, (double)c.numInputs())));
      acc = graph::DivOp::create(c.b, c.loc, acc.getType(), acc, count);
    }
    if (acc == c.input(0))
      acc = graph::IdentityOp::create(c.b, c.loc, acc.getType(), acc);
    return one(acc);
  };
}

static Results importCast(NodeContext &c) {
  Type elem = convertElementType(c.ctx(), c.getInt("to", 0));
  if (!elem)
    return c.error() << "unsupported target type " << c.getInt("to", 0);
  return one(graph::CastOp::create(c.b, c.loc, c.input(0), elem));
}

static Results importCastLike(NodeContext &c) {
  return one(graph::CastOp::create(c.b, c.loc, c.input(0), c.inputType(1).getElementType()));
}

static Results importClip(NodeContext &c) {
  Value min = c.input(1), max = c.input(2);
  if (c.opset < 11) { // bounds were attributes
    auto elem = c.inputType(0).getElementType();
    auto scalar = RankedTensorType::get({}, elem);
    auto make = [&](float v) -> Value {
      return graph::ConstantOp::create(c.b, c.loc, scalar,
                                       DenseElementsAttr::get(scalar, c.b.getFloatAttr(elem, v)));
    };
    if (c.attr("min")) min = make(c.getFloat("min", 0));
    if (c.attr("max")) max = make(c.getFloat("max", 0));
  }
  return one(graph::ClipOp::create(c.b, c.loc, c.inputType(0), c.input(0), min, max));
}

static Results importWhere(NodeContext &c) {
  auto xy = broadcastResultType(c, c.input(1), c.input(2));
  if (failed(xy))
    return failure();
  auto shape = graph::broadcastShapes(c.inputType(0).getShape(), xy->getShape());
  if (failed(shape))
    return c.error() << "condition does not broadcast with the values";
  auto type = RankedTensorType::get(*shape, xy->getElementType());
  return one(graph::WhereOp::create(c.b, c.loc, type, c.input(0), c.input(1), c.input(2)));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

static Results importConstant(NodeContext &c) {
  const onnxpb::AttributeProto *a = nullptr;
  for (const auto &at : c.node.attribute())
    a = &at;
  if (!a)
    return c.error() << "has no value attribute";
  auto scalarTensor = [&](Type elem, Attribute value) -> Results {
    auto type = RankedTensorType::get({}, elem);
    return one(graph::ConstantOp::create(c.b, c.loc, type, DenseElementsAttr::get(type, value)));
  };
  auto vectorTensor = [&](Type elem, ArrayRef<Attribute> values) -> Results {
    auto type = RankedTensorType::get({(int64_t)values.size()}, elem);
    return one(graph::ConstantOp::create(c.b, c.loc, type, DenseElementsAttr::get(type, values)));
  };
  if (a->name() == "value_float")
    return scalarTensor(c.b.getF32Type(), c.b.getF32FloatAttr(a->f()));
  if (a->name() == "value_int")
    return scalarTensor(c.b.getI64Type(), c.b.getI64IntegerAttr(a->i()));
  if (a->name() == "value_floats") {
    SmallVector<Attribute> v;
    for (float f : a->floats()) v.push_back(c.b.getF32FloatAttr(f));
    return vectorTensor(c.b.getF32Type(), v);
  }
  if (a->name() == "value_ints") {
    SmallVector<Attribute> v;
    for (int64_t i : a->ints()) v.push_back(c.b.getI64IntegerAttr(i));
    return vectorTensor(c.b.getI64Type(), v);
  }
  if (a->name() != "value" || !a->has_t())
    return c.error() << "constant attribute '" << a->name() << "' is not supported";
  return c.error() << "internal: tensor constants are imported as initializers";
}

/// Reshape's result type from its shape operand, element by element (exporters concatenate constant and
/// run-time parts): a positive value is the dim, 0 copies the input dim (unless allowzero), one -1 takes
/// the remaining elements when every other dim is static; the dims of run-time values are dynamic. Null
/// when the operand is not a 1-D int64 tensor of static length or holds an invalid shape.
static RankedTensorType reshapeTypeFromOperand(NodeContext &c) {
  auto shapeType = c.input(1) ? dyn_cast<RankedTensorType>(c.input(1).getType()) : nullptr;
  if (!shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return nullptr;
  auto values = c.knownInts(1);
  if (static_cast<int64_t>(values.size()) != shapeType.getDimSize(0))
    return nullptr;
  auto in = c.inputType(0);
  bool allowZero = c.getInt("allowzero", 0) != 0;
  SmallVector<int64_t> dims;
  int64_t product = 1;
  bool othersStatic = true;
  std::optional<size_t> rest; // the -1
  for (auto [i, v] : llvm::enumerate(values)) {
    int64_t d = ShapedType::kDynamic;
    if (v && *v == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= in.getRank())
        return nullptr;
      d = in.getDimSize(i);
    } else if (v && *v == -1) {
      if (rest)
        return nullptr;
      rest = i;
    } else if (v && *v < 0) {
      return nullptr;
    } else if (v) {
      d = *v;
    }
    dims.push_back(d);
    if (rest && *rest == i)
      continue;
    othersStatic &= !ShapedType::isDynamic(d);
    if (!ShapedType::isDynamic(d) && __builtin_mul_overflow(product, d, &product))
      return nullptr;
  }
  if (rest && othersStatic && in.hasStaticShape()) {
    if (product == 0 || in.getNumElements() % product)
      return nullptr;
    dims[*rest] = in.getNumElements() / product;
  }
  return RankedTensorType::get(dims, in.getElementType());
}

static Results importReshapeLike(NodeContext &c) {
  // The shape the operand gives wins where it refines the inferred type: libonnx infers [1, ?, ?, 96]
  // for a target computed by Shape -> Gather -> Div chains that the dialect's folders evaluate, and
  // dims it leaves open take the inferred ones.
  RankedTensorType declared = c.outputType(0);
  RankedTensorType fromOperand = declared && declared.hasStaticShape() ? nullptr : reshapeTypeFromOperand(c);
  if (fromOperand && declared) {
    bool compatible = declared.getRank() == fromOperand.getRank() &&
                      declared.getElementType() == fromOperand.getElementType();
    SmallVector<int64_t> dims(fromOperand.getShape());
    for (int64_t d = 0; compatible && d < declared.getRank(); ++d) {
      if (declared.isDynamicDim(d))
        continue;
      compatible = fromOperand.isDynamicDim(d) || dims[d] == declared.getDimSize(d);
      dims[d] = declared.getDimSize(d);
    }
    if (!compatible)
      return c.error() << "the shape operand gives " << fromOperand << " but shape inference gave " << declared;
    fromOperand = RankedTensorType::get(dims, fromOperand.getElementType());
  }
  auto type = fromOperand ? FailureOr<RankedTensorType>(fromOperand) : requireOutputType(c, 0, nullptr);
  if (failed(type))
    return failure();
  auto in = c.inputType(0);
  if (!type->hasStaticShape()) {
    // The target shape is a run-time value: dims are computed on the host when the model runs.
    auto shapeType = c.input(1) ? dyn_cast<RankedTensorType>(c.input(1).getType()) : nullptr;
    if (!shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0) ||
        shapeType.getDimSize(0) != type->getRank())
      return c.error() << "the shape operand's length must be known at compile time";
    auto op = graph::ReshapeOp::create(c.b, c.loc, *type, c.input(0), c.input(1));
    op.setAllowZero(c.getInt("allowzero", 0) != 0);
    return one(op);
  }
  if (in.hasStaticShape() && in.getNumElements() != type->getNumElements())
    return c.error() << "cannot reshape " << in << " to " << *type;
  // An empty result is left static: the run-time reshape divides the element count by the product of
  // the requested dims, which is 0 here.
  if (c.input(1) && (!c.constantInts(1) || !in.hasStaticShape()) && type->getNumElements() != 0) {
    // A static result over a shape known only at run time (its values, or the input's dims that a 0 or
    // -1 refers to): reshape to the run-time dims, then claim the static type. The host schedule checks
    // the element count and each claimed dim against the computed one.
    auto shapeType = dyn_cast<RankedTensorType>(c.input(1).getType());
    if (!shapeType || shapeType.getRank() != 1)
      return c.error() << "the shape operand must be a 1-D tensor, not " << c.input(1).getType();
    if (shapeType.isDynamicDim(0))
      return c.error() << "the shape operand's length must be known at compile time";
    if (shapeType.getDimSize(0) != type->getRank())
      return c.error() << "the shape operand has " << shapeType.getDimSize(0)
                       << " values but the declared output has rank " << type->getRank();
    auto dynamic = RankedTensorType::get(SmallVector<int64_t>(type->getRank(), ShapedType::kDynamic),
                                         type->getElementType());
    auto op = graph::ReshapeOp::create(c.b, c.loc, dynamic, c.input(0), c.input(1));
    op.setAllowZero(c.getInt("allowzero", 0) != 0);
    return one(UnrealizedConversionCastOp::create(c.b, c.loc, TypeRange{*type}, ValueRange{op.getResult()})
                   .getResult(0));
  }
  return one(graph::ReshapeOp::create(c.b, c.loc, *type, c.input(0), Value()));
}

static Results importShape(NodeContext &c) {
  int64_t rank = c.inputType(0).getRank();
  auto [start, end] = graph::shapeDimRange(c.getInt("start", 0), c.getInt("end", rank), rank);
  auto type = RankedTensorType::get({end - start}, c.b.getI64Type());
  return one(graph::ShapeOp::create(c.b, c.loc, type, c.input(0), start, end));
}

static Results importGather(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1);
  auto axis = normalizeAxis(c, c.getInt("axis", 0), data.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(data.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
  auto type = RankedTensorType::get(shape, data.getElementType());
  // One constant index into a large tensor (selecting q, k or v from a stacked projection) is a slice:
  // a strided copy instead of an element-by-element gather. Small tensors (shape chains) keep the
  // Gather, which the dialect folds.
  constexpr int64_t kMinSliceElements = 1024;
  if (indices.getRank() == 0 && data.hasStaticShape() && data.getNumElements() > kMinSliceElements)
    if (auto index = c.constantInts(1); index && index->size() == 1) {
      int64_t size = data.getDimSize(*axis), i = (*index)[0];
      if (i < -size || i >= size)
        return c.error() << "index " << i << " is out of range of axis " << *axis << " (size " << size << ")";
      SmallVector<int64_t> starts(data.getRank(), 0), steps(data.getRank(), 1), sliced(data.getShape());
      starts[*axis] = i < 0 ? i + size : i;
      sliced[*axis] = 1;
      auto slice = graph::SliceOp::create(c.b, c.loc, c.input(0), starts, steps, sliced);
      return one(graph::ReshapeOp::create(c.b, c.loc, type, slice, Value()));
    }
  return one(graph::GatherOp::create(c.b, c.loc, type, c.input(0), c.input(1), *axis));
}

static Results importUnsqueeze(NodeContext &c) {
  auto axes = c.opset >= 13 ? c.constantInts(1) : c.getInts("axes");
  if (!axes && c.opset >= 13 && c.input(1)) {
    auto result = unsqueezeWithRuntimeAxes(c, c.input(0), c.input(1));
    if (failed(result))
      return failure();
    return one(*result);
  }
  if (!axes)
    return c.error() << "axes must be a compile-time constant";
  auto in = c.inputType(0);
  int64_t rank = in.getRank() + axes->size();
  SmallVector<int64_t> normalized;
  for (int64_t a : *axes) {
    auto n = normalizeAxis(c, a, rank);
    if (failed(n))
      return failure();
    normalized.push_back(*n);
  }
  llvm::sort(normalized);
  SmallVector<int64_t> shape;
  auto dims = in.getShape();
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(normalized, i))
      shape.push_back(1);
    else if (next < dims.size())
      shape.push_back(dims[next++]);
    else
      return c.error() << "repeated axes";
  }
  auto type = RankedTensorType::get(shape, in.getElementType());
  return one(graph::UnsqueezeOp::create(c.b, c.loc, type, c.input(0),
                                        c.b.getDenseI64ArrayAttr(normalized)));
}

static Results importSqueeze(NodeContext &c) {
  auto in = c.inputType(0);
  auto axes = c.opset >= 13 ? (c.input(1) ? c.constantInts(1) : std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{}))
                            : c.getInts("axes");
  if (!axes && c.opset >= 13 && c.input(1)) {
    auto result = squeezeWithRuntimeAxes(c, c.input(0), c.input(1));
    if (failed(result))
      return failure();
    return one(*result);
  }
  if (!axes)
    return c.error() << "axes must be a compile-time constant";
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    bool listed = llvm::any_of(*axes, [&](int64_t a) { return a == i || a + in.getRank() == i; });
    bool squeeze = axes->empty() ? in.getDimSize(i) == 1 : listed;
    if (squeeze && in.getDimSize(i) != 1 && !in.isDynamicDim(i))
      return c.error() << "cannot squeeze dim " << i << " of size " << in.getDimSize(i);
    if (!squeeze)
      shape.push_back(in.getDimSize(i));
  }
  auto type = RankedTensorType::get(shape, in.getElementType());
  return one(graph::ReshapeOp::create(c.b, c.loc, type, c.input(0), Value()));
}

static Results importFlatten(NodeContext &c) {
  auto in = c.inputType(0);
  auto axis = c.getInt("axis", 1);
  if (axis < 0)
    axis += in.getRank();
  if (axis < 0 || axis > in.getRank())
    return c.error() << "axis out of range";
  // A dynamic dim makes its side of the product dynamic.
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    int64_t &side = i < axis ? outer : inner;
    side = in.isDynamicDim(i) || ShapedType::isDynamic(side) ? ShapedType::kDynamic
                                                              : side * in.getDimSize(i);
  }
  auto type = RankedTensorType::get({outer, inner}, in.getElementType());
  return one(graph::ReshapeOp::create(c.b, c.loc, type, c.input(0), Value()));
}

static Results importTranspose(NodeContext &c) {
  auto in = c.inputType(0);
  SmallVector<int64_t> perm;
  if (auto p = c.getInts("perm"))
    perm = *p;
  else
    for (int64_t i = in.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  if ((int64_t)perm.size() != in.getRank())
    return c.error() << "perm has " << perm.size() << " entries for rank " << in.getRank();
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank())
      return c.error() << "perm entry " << p << " out of range";
    shape.push_back(in.getDimSize(p));
  }
  auto type = RankedTensorType::get(shape, in.getElementType());
  return one(graph::TransposeOp::create(c.b, c.loc, type, c.input(0), c.b.getDenseI64ArrayAttr(perm)));
}

static Results importConcat(NodeContext &c) {
  auto first = c.inputType(0);
  auto axis = normalizeAxis(c, c.getInt("axis", 0), first.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (size_t i = 0; i < c.numInputs(); ++i) {
    auto t = c.inputType(i);
    if (t.getRank() != first.getRank())
      return c.error() << "inputs have different ranks";
    if (t.isDynamicDim(*axis) || ShapedType::isDynamic(shape[*axis]))
      shape[*axis] = ShapedType::kDynamic;
    else
      shape[*axis] += t.getDimSize(*axis);
  }
  auto type = RankedTensorType::get(shape, first.getElementType());
  return one(graph::ConcatOp::create(c.b, c.loc, type, c.inputs, *axis));
}

static Results importExpand(NodeContext &c) {
  auto shapeValues = c.constantInts(1);
  if (!shapeValues) {
    // A shape known only at run time: dims that the (static) input fixes stay static, the others
    // are read from the shape operand when the model runs.
    auto in = c.inputType(0);
    auto shapeType = dyn_cast<RankedTensorType>(c.input(1).getType());
    if (!in.hasStaticShape() || !shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
      return c.error() << "a run-time shape needs a static input and a shape operand of known length";
    int64_t rank = std::max<int64_t>(in.getRank(), shapeType.getDimSize(0));
    if (shapeType.getDimSize(0) != rank)
      return c.error() << "a run-time shape shorter than the input's rank is not supported yet";
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t aligned = d - (rank - in.getRank());
      int64_t inDim = aligned >= 0 ? in.getDimSize(aligned) : 1;
      dims.push_back(inDim != 1 ? inDim : ShapedType::kDynamic);
    }
    auto type = RankedTensorType::get(dims, in.getElementType());
    return one(graph::ExpandOp::create(c.b, c.loc, type, c.input(0), c.input(1)));
  }
  if (llvm::any_of(*shapeValues, [](int64_t d) { return d < 0; }))
    return c.error() << "the shape has a negative dim";
  // A dim of run-time size may only meet a 1 (it is then kept as it is): whether it broadcasts to a
  // larger size would depend on its value.
  auto in = c.inputType(0);
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t aligned = d + (int64_t)shapeValues->size() - in.getRank();
    if (in.isDynamicDim(d) && aligned >= 0 && (*shapeValues)[aligned] != 1)
      return c.error() << "dim " << d << " of the input, known only at run time, would be expanded to "
                       << (*shapeValues)[aligned];
  }
  auto shape = graph::broadcastShapes(c.inputType(0).getShape(), *shapeValues);
  if (failed(shape))
    return c.error() << "input does not broadcast to the requested shape";
  auto type = RankedTensorType::get(*shape, c.inputType(0).getElementType());
  return one(graph::ExpandOp::create(c.b, c.loc, type, c.input(0), Value()));
}

void addElementwiseImporters(llvm::StringMap<NodeImporter> &t) {
  t["Abs"] = unary<graph::AbsOp>();
  t["Acos"] = unary<graph::AcosOp>();
  t["Acosh"] = unary<graph::AcoshOp>();
  t["Asin"] = unary<graph::AsinOp>();
  t["Asinh"] = unary<graph::AsinhOp>();
  t["Atan"] = unary<graph::AtanOp>();
  t["Atanh"] = unary<graph::AtanhOp>();
  t["Ceil"] = unary<graph::CeilOp>();
  t["Cos"] = unary<graph::CosOp>();
  t["Cosh"] = unary<graph::CoshOp>();
  t["Erf"] = unary<graph::ErfOp>();
  t["Exp"] = unary<graph::ExpOp>();
  t["Floor"] = unary<graph::FloorOp>();
  t["HardSwish"] = unary<graph::HardSwishOp>();
  t["Identity"] = unary<graph::IdentityOp>();
  t["Log"] = unary<graph::LogOp>();
  t["Mish"] = unary<graph::MishOp>();
  t["Neg"] = unary<graph::NegOp>();
  t["Not"] = unary<graph::NotOp>();
  t["Reciprocal"] = unary<graph::ReciprocalOp>();
  t["Relu"] = unary<graph::ReluOp>();
  t["Round"] = unary<graph::RoundOp>();
  t["Sigmoid"] = unary<graph::SigmoidOp>();
  t["Sign"] = unary<graph::SignOp>();
  t["Sin"] = unary<graph::SinOp>();
  t["Sinh"] = unary<graph::SinhOp>();
  t["Softplus"] = unary<graph::SoftplusOp>();
  t["Softsign"] = unary<graph::SoftsignOp>();
  t["Sqrt"] = unary<graph::SqrtOp>();
  t["Tan"] = unary<graph::TanOp>();
  t["Tanh"] = unary<graph::TanhOp>();
  t["IsNaN"] = [](NodeContext &c) -> Results {
    auto type = RankedTensorType::get(c.inputType(0).getShape(), c.b.getI1Type());
    return one(graph::IsNaNOp::create(c.b, c.loc, type, c.input(0)));
  };
  t["IsInf"] = [](NodeContext &c) -> Results {
    auto type = RankedTensorType::get(c.inputType(0).getShape(), c.b.getI1Type());
    return one(graph::IsInfOp::create(c.b, c.loc, type, c.input(0),
                                      c.getInt("detect_negative", 1) != 0,
                                      c.getInt("detect_positive", 1) != 0));
  };
  t["Celu"] = unaryAlpha<graph::CeluOp>(1.0f);
  t["Elu"] = unaryAlpha<graph::EluOp>(1.0f);
  t["LeakyRelu"] = unaryAlpha<graph::LeakyReluOp>(0.01f);
  t["ThresholdedRelu"] = unaryAlpha<graph::ThresholdedReluOp>(1.0f);
  t["Selu"] = [](NodeContext &c) -> Results {
    return one(graph::SeluOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                     c.b.getF32FloatAttr(c.getFloat("alpha", 1.67326319217681884765625f)),
                                     c.b.getF32FloatAttr(c.getFloat("gamma", 1.05070102214813232421875f))));
  };
  t["HardSigmoid"] = [](NodeContext &c) -> Results {
    return one(graph::HardSigmoidOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                            c.b.getF32FloatAttr(c.getFloat("alpha", 0.2f)),
                                            c.b.getF32FloatAttr(c.getFloat("beta", 0.5f))));
  };
  t["Shrink"] = [](NodeContext &c) -> Results {
    return one(graph::ShrinkOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                       c.b.getF32FloatAttr(c.getFloat("bias", 0.0f)),
                                       c.b.getF32FloatAttr(c.getFloat("lambd", 0.5f))));
  };
  t["Gelu"] = [](NodeContext &c) -> Results {
    return one(graph::GeluOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                     c.getString("approximate", "none") == "tanh"));
  };
  t["Cast"] = importCast;
  t["CastLike"] = importCastLike;
  t["Clip"] = importClip;
  t["Where"] = importWhere;

  t["Add"] = binary<graph::AddOp>();
  t["Sub"] = binary<graph::SubOp>();
  t["Mul"] = binary<graph::MulOp>();
  t["Div"] = binary<graph::DivOp>();
  t["Pow"] = binary<graph::PowOp>();
  t["PRelu"] = binary<graph::PReluOp>();
  t["And"] = binary<graph::AndOp>(true);
  t["Or"] = binary<graph::OrOp>(true);
  t["Xor"] = binary<graph::XorOp>(true);
  t["Equal"] = binary<graph::EqualOp>(true);
  t["Less"] = binary<graph::LessOp>(true);
  t["LessOrEqual"] = binary<graph::LessOrEqualOp>(true);
  t["Greater"] = binary<graph::GreaterOp>(true);
  t["GreaterOrEqual"] = binary<graph::GreaterOrEqualOp>(true);
  t["Mod"] = [](NodeContext &c) -> Results {
    auto type = broadcastResultType(c, c.input(0), c.input(1));
    if (failed(type))
      return failure();
    return one(graph::ModOp::create(c.b, c.loc, *type, c.input(0), c.input(1), c.getInt("fmod", 0) != 0));
  };
  t["BitShift"] = [](NodeContext &c) -> Results {
    auto type = broadcastResultType(c, c.input(0), c.input(1));
    if (failed(type))
      return failure();
    return one(graph::BitShiftOp::create(c.b, c.loc, *type, c.input(0), c.input(1),
                                         c.getString("direction", "") == "LEFT"));
  };
  t["Max"] = variadic<graph::MaxOp>();
  t["Min"] = variadic<graph::MinOp>();
  t["Sum"] = variadic<graph::AddOp>();
  t["Mean"] = variadic<graph::AddOp>(/*mean=*/true);

  t["Constant"] = importConstant;
  t["Reshape"] = importReshapeLike;
  t["Shape"] = importShape;
  t["Gather"] = importGather;
  t["Unsqueeze"] = importUnsqueeze;
  t["Squeeze"] = importSqueeze;
  t["Flatten"] = importFlatten;
  t["Transpose"] = importTranspose;
  t["Concat"] = importConcat;
  t["Expand"] = importExpand;
}

const llvm::StringMap<NodeImporter> &defaultDomainImporters() {
  static const llvm::StringMap<NodeImporter> table = [] {
    llvm::StringMap<NodeImporter> t;
    addElementwiseImporters(t);
    addNNImporters(t);
    addCompositeImporters(t);
    addIndexingImporters(t);
    addQuantizeImporters(t);
    addConvTransposeImporter(t);
    addEinsumImporter(t);
    addRecurrentImporters(t);
    addResizeImporters(t);
    addSignalImporters(t);
    addGroupNormImporter(t);
    addTfIdfImporter(t);
    addDetImporter(t);
    addNonZeroImporters(t);
    addUniqueImporter(t);
    addNonMaxSuppressionImporter(t);
    addControlFlowImporters(t);
    addCropGridImporters(t);
    return t;
  }();
  return table;
}

} // namespace tessera::onnx
