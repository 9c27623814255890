//===- GraphIndexingFolders.cpp - folding slices, broadcasts and scatters ----===//
//
// torch exports swin's shifted-window attention mask as `img_mask[:, h, w, :] = cnt` over a zero
// tensor: ScatterND nodes whose data, indices (Range -> Slice -> Expand -> Concat) and updates (a
// broadcast constant) are all constants. Folded here, the whole mask becomes one constant instead of
// run-time scatters.
//
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace tessera::graph;

/// Row-major strides of a static shape.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto input = foldableDense(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (!input || !type.hasStaticShape() || input.getElementType() != type.getElementType())
    return nullptr;
  if (input.isSplat())
    return DenseElementsAttr::get(type, input.getSplatValue<Attribute>());
  ArrayRef<int64_t> inShape = cast<ShapedType>(input.getType()).getShape(), outShape = type.getShape();
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  int64_t rank = type.getRank();
  if ((int64_t)starts.size() != rank || (int64_t)steps.size() != rank || (int64_t)inShape.size() != rank)
    return nullptr;
  // Every index the slice reads must lie inside the input (the verifier does not promise it).
  for (int64_t d = 0; d < rank; ++d) {
    if (outShape[d] == 0)
      return DenseElementsAttr::get(type, ArrayRef<Attribute>{});
    int64_t last = starts[d] + (outShape[d] - 1) * steps[d];
    if (starts[d] < 0 || starts[d] >= inShape[d] || last < 0 || last >= inShape[d])
      return nullptr;
  }
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  SmallVector<Attribute> elements(input.getValues<Attribute>()), out;
  out.reserve(type.getNumElements());
  for (int64_t flat = 0; flat < type.getNumElements(); ++flat) {
    int64_t rem = flat, src = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      src += (starts[d] + rem % outShape[d] * steps[d]) * inStrides[d];
      rem /= outShape[d];
    }
    out.push_back(elements[src]);
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  auto type = cast<RankedTensorType>(getType());
  if (!getShape() && getInput().getType() == type)
    return getInput();
  auto input = foldableDense(adaptor.getInput());
  if (!input || !type.hasStaticShape() || type.getNumElements() > kMaxFoldElements ||
      input.getElementType() != type.getElementType())
    return nullptr;
  if (input.isSplat())
    return DenseElementsAttr::get(type, input.getSplatValue<Attribute>());
  auto shape = broadcastShapes(cast<ShapedType>(input.getType()).getShape(), type.getShape());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != type.getShape())
    return nullptr;
  return DenseElementsAttr::get(type, broadcastElements(input, type.getShape()));
}

/// Combines a scattered update into the current value (ONNX reduction attribute).
static std::optional<Attribute> reduceInto(ScatterReduction reduction, Attribute current, Attribute update) {
  if (reduction == ScatterReduction::none)
    return update;
  if (auto a = dyn_cast<FloatAttr>(current)) {
    APFloat x = a.getValue(), y = cast<FloatAttr>(update).getValue();
    if (reduction == ScatterReduction::add)
      x.add(y, APFloat::rmNearestTiesToEven);
    else if (reduction == ScatterReduction::mul)
      x.multiply(y, APFloat::rmNearestTiesToEven);
    else if (reduction == ScatterReduction::max)
      x = maximum(x, y);
    else if (reduction == ScatterReduction::min)
      x = minimum(x, y);
    else
      return std::nullopt;
    return (Attribute)FloatAttr::get(a.getType(), x);
  }
  auto a = dyn_cast<IntegerAttr>(current);
  if (!a)
    return std::nullopt;
  APInt x = a.getValue(), y = cast<IntegerAttr>(update).getValue();
  bool isUnsigned = cast<IntegerType>(a.getType()).isUnsigned();
  if (reduction == ScatterReduction::add)
    x += y;
  else if (reduction == ScatterReduction::mul)
    x *= y;
  else if (reduction == ScatterReduction::max)
    x = (isUnsigned ? x.ult(y) : x.slt(y)) ? y : x;
  else if (reduction == ScatterReduction::min)
    x = (isUnsigned ? y.ult(x) : y.slt(x)) ? y : x;
  else
    return std::nullopt;
  return (Attribute)IntegerAttr::get(a.getType(), x);
}

OpFoldResult ScatterNDOp::fold(FoldAdaptor adaptor) {
  auto data = foldableDense(adaptor.getData()), indices = foldableDense(adaptor.getIndices());
  auto updates = foldableDense(adaptor.getUpdates());
  auto type = cast<RankedTensorType>(getType());
  if (!data || !indices || !updates || !type.hasStaticShape() || data.getType() != type ||
      !indices.getElementType().isSignlessInteger() || updates.getElementType() != type.getElementType())
    return nullptr;
  ArrayRef<int64_t> shape = type.getShape(), indexShape = cast<ShapedType>(indices.getType()).getShape();
  if (indexShape.empty())
    return nullptr;
  int64_t depth = indexShape.back(), rank = type.getRank();
  if (depth < 1 || depth > rank)
    return nullptr;
  int64_t sliceSize = 1, tuples = indices.getNumElements() / depth;
  for (int64_t d = depth; d < rank; ++d)
    sliceSize *= shape[d];
  if (updates.getNumElements() != tuples * sliceSize)
    return nullptr;
  SmallVector<int64_t> strides = stridesOf(shape), coords;
  for (APInt v : indices.getValues<APInt>())
    coords.push_back(v.getSExtValue());
  SmallVector<Attribute> out(data.getValues<Attribute>()), values(updates.getValues<Attribute>());
  ScatterReduction reduction = getReduction();
  // Row-major order of the updates, so with reduction none the last write to a position wins, as the
  // run-time lowering does (ONNX leaves duplicate indices undefined there).
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t base = 0;
    for (int64_t d = 0; d < depth; ++d) {
      int64_t i = coords[t * depth + d];
      if (i < 0)
        i += shape[d];
      if (i < 0 || i >= shape[d])
        return nullptr; // out of range: the run-time path reports it
      base += i * strides[d];
    }
    for (int64_t j = 0; j < sliceSize; ++j) {
      std::optional<Attribute> combined = reduceInto(reduction, out[base + j], values[t * sliceSize + j]);
      if (!combined)
        return nullptr;
      out[base + j] = *combined;
    }
  }
  return DenseElementsAttr::get(type, out);
}
