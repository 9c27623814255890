//===- NodeImportersShape.cpp - shape and data movement ONNX ops ----------===//
//
// Constant, Reshape, Shape, Gather, Unsqueeze, Squeeze, Flatten, Transpose, Concat, Expand, Slice,
// Split, Tile, DepthToSpace and SpaceToDepth (lowered by passes/GraphToLinalg/ShapeToLinalg.cpp); shape
// operands known only at run time go through RuntimeShapeOperands.cpp and RuntimeAxes.cpp.
//
#include "frontend/onnx/GraphBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

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
    return one(graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(RankedTensorType::get({}, elem), value)));
  };
  auto vectorTensor = [&](Type elem, ArrayRef<Attribute> values) -> Results {
    auto type = RankedTensorType::get({(int64_t)values.size()}, elem);
    return one(graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, values)));
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
  return one(graph::ShapeOp::create(c.b, c.loc, c.input(0), start, end));
}

static Results importGather(NodeContext &c) {
  auto data = c.inputType(0), indices = c.inputType(1);
  auto axis = normalizeAxis(c, c.getInt("axis", 0), data.getRank());
  if (failed(axis))
    return failure();
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
      SmallVector<int64_t> kept(data.getShape());
      kept.erase(kept.begin() + *axis);
      return one(reshape(c, slice, kept));
    }
  return one(c.make<graph::GatherOp>(c.input(0), c.input(1), *axis));
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
  return one(c.make<graph::UnsqueezeOp>(c.input(0), c.b.getDenseI64ArrayAttr(normalized)));
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
  return one(c.make<graph::TransposeOp>(c.input(0), c.b.getDenseI64ArrayAttr(perm)));
}

static Results importConcat(NodeContext &c) {
  auto first = c.inputType(0);
  auto axis = normalizeAxis(c, c.getInt("axis", 0), first.getRank());
  if (failed(axis))
    return failure();
  return one(c.make<graph::ConcatOp>(ValueRange(c.inputs), *axis));
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

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

static Results importSlice(NodeContext &c) {
  if (!c.input(0))
    return c.error() << "missing input 0";
  RankedTensorType in = c.inputType(0);
  int64_t rank = in.getRank();
  std::optional<SmallVector<int64_t>> starts, ends, axes, steps;
  if (c.opset < 10) {
    starts = c.getInts("starts");
    ends = c.getInts("ends");
    axes = c.getInts("axes");
  } else {
    starts = c.constantInts(1);
    ends = c.constantInts(2);
    if (c.input(3))
      axes = c.constantInts(3);
    if (c.input(4))
      steps = c.constantInts(4);
    if (!starts || !ends || (c.input(3) && !axes) || (c.input(4) && !steps)) {
      if (!in.hasStaticShape())
        return c.error() << "dynamic shapes are not supported yet";
      auto result = sliceWithRuntimeBounds(c, c.input(0), c.input(1), c.input(2), c.input(3), c.input(4), axes);
      if (failed(result))
        return failure();
      return one(*result);
    }
  }
  if (!starts || !ends)
    return c.error() << "expects starts and ends";
  size_t n = starts->size();
  if (!axes)
    axes = llvm::to_vector(llvm::seq<int64_t>(0, n));
  if (!steps)
    steps = SmallVector<int64_t>(n, 1);
  if (ends->size() != n || axes->size() != n || steps->size() != n)
    return c.error() << "starts, ends, axes and steps differ in length";
  SmallVector<int64_t> offs(rank, 0), sizes(in.getShape()), strides(rank, 1);
  SmallVector<std::pair<int64_t, SmallVector<int64_t>>> reversed; // axis -> gathered indices
  for (size_t i = 0; i < n; ++i) {
    auto axis = normalizeAxis(c, (*axes)[i], rank);
    if (failed(axis))
      return failure();
    int64_t dim = in.getDimSize(*axis), step = (*steps)[i];
    if (step == 0)
      return c.error() << "step is zero";
    int64_t s = (*starts)[i], e = (*ends)[i];
    if (ShapedType::isDynamic(dim)) { // a dim known at run time: only kept whole (what exporters write)
      if (s != 0 || step != 1 || e < std::numeric_limits<int32_t>::max())
        return c.error() << "slices dim " << *axis << ", whose size is known only at run time, other than whole";
      continue;
    }
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t size;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      size = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      size = s > e ? (s - e - step - 1) / -step : 0;
    }
    if (step > 0 || size == 0) {
      offs[*axis] = size ? s : 0;
      strides[*axis] = size ? step : 1;
    } else { // negative steps: a gather of the selected indices
      SmallVector<int64_t> idx;
      for (int64_t j = 0; j < size; ++j)
        idx.push_back(s + j * step);
      reversed.push_back({*axis, idx});
    }
    sizes[*axis] = size;
  }
  SmallVector<int64_t> sliced(sizes);
  for (auto &[axis, idx] : reversed)
    sliced[axis] = in.getDimSize(axis);
  Value result = slice(c, c.input(0), offs, sliced, strides);
  for (auto &[axis, idx] : reversed)
    result = graph::GatherOp::create(c.b, c.loc, result, i64Constant(c, idx, {(int64_t)idx.size()}), axis);
  if (result == c.input(0))
    result = graph::IdentityOp::create(c.b, c.loc, result);
  return one(result);
}

static Results importSplit(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  auto axis = normalizeAxis(c, c.getInt("axis", 0), in->getRank());
  if (failed(axis))
    return failure();
  int64_t dim = in->getDimSize(*axis), outputs = c.node.output_size();
  std::optional<SmallVector<int64_t>> split;
  if (c.opset >= 13 && c.input(1)) {
    if (!(split = c.constantInts(1)))
      return splitWithRuntimeSizes(c, c.input(0), c.input(1), *axis);
  } else if (c.opset < 13) {
    split = c.getInts("split");
  }
  if (!split) { // equal parts; with num_outputs (opset 18) the last part may be smaller
    int64_t part = c.attr("num_outputs") ? (dim + outputs - 1) / outputs : dim / outputs;
    if (!c.attr("num_outputs") && dim % outputs)
      return c.error() << "dim " << dim << " does not split into " << outputs << " equal parts";
    split.emplace();
    for (int64_t i = 0, left = dim; i < outputs; ++i, left -= part)
      split->push_back(std::min(part, left));
  }
  if ((int64_t)split->size() != outputs)
    return c.error() << "expects " << split->size() << " outputs";
  SmallVector<Value> results;
  int64_t offset = 0;
  for (int64_t size : *split) {
    SmallVector<int64_t> starts(in->getRank(), 0), sizes(in->getShape()), steps(in->getRank(), 1);
    starts[*axis] = offset;
    sizes[*axis] = size;
    Value part = slice(c, c.input(0), starts, sizes, steps);
    if (part == c.input(0))
      part = graph::IdentityOp::create(c.b, c.loc, part);
    results.push_back(part);
    offset += size;
  }
  if (offset != dim)
    return c.error() << "split sizes add up to " << offset << ", not " << dim;
  return results;
}

/// Tile with repeats known only at run time, as for constant repeats but with run-time shapes:
/// [d...] -> [1, d0, 1, d1, ...] -> expand to [r0, d0, r1, d1, ...] -> reshape to [r0*d0, ...].
static Results importRuntimeTile(NodeContext &c, RankedTensorType in) {
  auto repeatsType = dyn_cast<RankedTensorType>(c.input(1).getType());
  int64_t rank = in.getRank();
  if (!repeatsType || repeatsType.getRank() != 1 || repeatsType.getDimSize(0) != rank ||
      !repeatsType.getElementType().isInteger(64) || rank == 0)
    return c.error() << "repeats must be an int64 tensor with one entry per dim";
  Type i64 = c.b.getI64Type();
  SmallVector<int64_t> interleaved, expanded;
  for (int64_t d : in.getShape()) {
    interleaved.append({1, d});
    expanded.append({ShapedType::kDynamic, d == 1 ? ShapedType::kDynamic : d});
  }
  Value x = reshape(c, c.input(0), interleaved);
  Value dims = i64Constant(c, in.getShape(), {rank, 1});
  Value column = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({rank, 1}, i64), c.input(1), Value());
  Value pairs = graph::ConcatOp::create(c.b, c.loc, ValueRange{column, dims}, 1);
  Value shape = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({2 * rank}, i64), pairs, Value());
  x = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(expanded, in.getElementType()), x, shape);
  Value outDims = binary<graph::MulOp>(c, c.input(1), i64Constant(c, in.getShape(), {rank}));
  auto type = RankedTensorType::get(SmallVector<int64_t>(rank, ShapedType::kDynamic), in.getElementType());
  return one(graph::ReshapeOp::create(c.b, c.loc, type, x, outDims));
}

static Results importTile(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  auto repeats = c.constantInts(1);
  if (!repeats)
    return importRuntimeTile(c, *in);
  if ((int64_t)repeats->size() != in->getRank())
    return c.error() << "repeats must have one entry per dim";
  // [d...] -> [1, d0, 1, d1, ...] -> broadcast to [r0, d0, r1, d1, ...] -> [r0*d0, ...]
  SmallVector<int64_t> interleaved, expanded, out;
  for (auto [d, r] : llvm::zip(in->getShape(), *repeats)) {
    interleaved.append({1, d});
    expanded.append({r, d});
    out.push_back(r * d);
  }
  Value x = reshape(c, c.input(0), interleaved);
  x = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(expanded, in->getElementType()), x);
  return one(reshape(c, x, out));
}

static Results importDepthToSpace(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  if (in->getRank() != 4)
    return c.error() << "expects a 4-D input";
  int64_t b = c.getInt("blocksize", 0), n = in->getDimSize(0), ch = in->getDimSize(1),
          h = in->getDimSize(2), w = in->getDimSize(3);
  if (b <= 0 || ch % (b * b))
    return c.error() << "channels are not divisible by blocksize^2";
  bool crd = c.getString("mode", "DCR") == "CRD";
  Value x = crd ? reshape(c, c.input(0), {n, ch / (b * b), b, b, h, w})
                : reshape(c, c.input(0), {n, b, b, ch / (b * b), h, w});
  x = crd ? transpose(c, x, {0, 1, 4, 2, 5, 3}) : transpose(c, x, {0, 3, 4, 1, 5, 2});
  return one(reshape(c, x, {n, ch / (b * b), h * b, w * b}));
}

static Results importSpaceToDepth(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  if (in->getRank() != 4)
    return c.error() << "expects a 4-D input";
  int64_t b = c.getInt("blocksize", 0), n = in->getDimSize(0), ch = in->getDimSize(1),
          h = in->getDimSize(2), w = in->getDimSize(3);
  if (b <= 0 || h % b || w % b)
    return c.error() << "spatial dims are not divisible by blocksize";
  Value x = reshape(c, c.input(0), {n, ch, h / b, b, w / b, b});
  x = transpose(c, x, {0, 3, 5, 1, 2, 4});
  return one(reshape(c, x, {n, ch * b * b, h / b, w / b}));
}

void addShapeImporters(llvm::StringMap<NodeImporter> &t) {
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
  t["Slice"] = importSlice;
  t["Split"] = importSplit;
  t["Tile"] = importTile;
  t["DepthToSpace"] = importDepthToSpace;
  t["SpaceToDepth"] = importSpaceToDepth;
}

} // namespace tessera::onnx
