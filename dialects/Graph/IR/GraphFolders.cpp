//===- GraphFolders.cpp - constant folding for shape computations ---------===//
//
// Exporters compute reshape targets with Shape -> Gather -> Unsqueeze -> Concat chains, and torch writes
// `expand(n, -1, -1)` as ConstantOfShape -> Mul -> Equal -> Where and window padding as Mod -> Sub ->
// Concat -> Transpose -> Pad. With static shapes these fold to
// constants here, so no shape arithmetic reaches codegen. Folding only touches small dense tensors;
// weights (resource blobs) are never expanded.
//
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>

using namespace mlir;
using namespace tessera::graph;

DenseElementsAttr tessera::graph::foldableDense(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return nullptr;
  return dense;
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? getInput() : nullptr;
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // A static result type says everything the shape operand could: drop it (in-place fold).
  if (getShape() && getType().hasStaticShape()) {
    getShapeMutable().clear();
    return getResult();
  }
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = foldableDense(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return nullptr;
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  if (auto dense = foldableDense(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return nullptr;
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto type = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getType());
  auto [start, end] = getDimRange();
  SmallVector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    if (type.isDynamicDim(i))
      return nullptr;
    dims.push_back(type.getDimSize(i));
  }
  if (!resultType.hasStaticShape() || resultType.getNumElements() != (int64_t)dims.size() ||
      !resultType.getElementType().isInteger(64))
    return nullptr;
  return DenseElementsAttr::get(resultType, ArrayRef<int64_t>(dims));
}

/// Reads a dense integer or float tensor as APInt/APFloat-agnostic attributes in row-major order.
static SmallVector<Attribute> elementsOf(DenseElementsAttr dense) {
  return SmallVector<Attribute>(dense.getValues<Attribute>());
}

/// The dims a Gather reads from a Shape whose input is static at those dims but not at others (the
/// last dim of a [batch, seq, 384] activation): what torch writes to split heads with dynamic batch
/// and sequence.
static DenseElementsAttr gatherStaticDimsOfShape(GatherOp op, DenseElementsAttr indices) {
  auto shape = op.getData().getDefiningOp<ShapeOp>();
  auto resultType = cast<RankedTensorType>(op.getType());
  if (!shape || !indices || !resultType.hasStaticShape() || !resultType.getElementType().isInteger(64) ||
      !indices.getElementType().isSignlessInteger())
    return nullptr;
  auto inType = cast<RankedTensorType>(shape.getInput().getType());
  auto [start, end] = shape.getDimRange();
  int64_t count = end - start;
  SmallVector<int64_t> dims;
  for (APInt v : indices.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < 0)
      i += count;
    if (i < 0 || i >= count || inType.isDynamicDim(start + i))
      return nullptr;
    dims.push_back(inType.getDimSize(start + i));
  }
  if ((int64_t)dims.size() != resultType.getNumElements())
    return nullptr;
  return DenseElementsAttr::get(resultType, ArrayRef<int64_t>(dims));
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = foldableDense(adaptor.getData());
  auto indices = foldableDense(adaptor.getIndices());
  auto resultType = cast<RankedTensorType>(getType());
  if (!data)
    return gatherStaticDimsOfShape(*this, indices);
  if (!indices || !resultType.hasStaticShape() || resultType.getNumElements() > kMaxFoldElements ||
      !indices.getElementType().isSignlessInteger())
    return nullptr;
  auto dataType = cast<RankedTensorType>(data.getType());
  int64_t axis = getAxis(), axisSize = dataType.getDimSize(axis);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= dataType.getDimSize(i);
  for (int64_t i = axis + 1; i < dataType.getRank(); ++i)
    inner *= dataType.getDimSize(i);
  SmallVector<Attribute> values = elementsOf(data), result;
  SmallVector<int64_t> idx;
  for (APInt v : indices.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < 0)
      i += axisSize;
    if (i < 0 || i >= axisSize)
      return nullptr; // out of range: leave it for the run-time error path
    idx.push_back(i);
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx)
      for (int64_t j = 0; j < inner; ++j)
        result.push_back(values[(o * axisSize + i) * inner + j]);
  if ((int64_t)result.size() != resultType.getNumElements())
    return nullptr;
  return DenseElementsAttr::get(resultType, result);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  auto resultType = cast<RankedTensorType>(getType());
  if (!resultType.hasStaticShape() || resultType.getNumElements() > kMaxFoldElements)
    return nullptr;
  if (getInputs().size() == 1 && getInputs()[0].getType() == resultType)
    return getInputs()[0];
  int64_t axis = getAxis(), outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= resultType.getDimSize(i);
  SmallVector<SmallVector<Attribute>> parts;
  SmallVector<int64_t> chunk;
  for (Attribute operand : adaptor.getInputs()) {
    auto dense = foldableDense(operand);
    if (!dense)
      return nullptr;
    auto type = cast<RankedTensorType>(dense.getType());
    int64_t size = 1;
    for (int64_t i = axis; i < type.getRank(); ++i)
      size *= type.getDimSize(i);
    parts.push_back(elementsOf(dense));
    chunk.push_back(size);
  }
  SmallVector<Attribute> result;
  for (int64_t o = 0; o < outer; ++o)
    for (auto [part, size] : llvm::zip(parts, chunk))
      result.append(part.begin() + o * size, part.begin() + (o + 1) * size);
  return DenseElementsAttr::get(resultType, result);
}

SmallVector<Attribute> tessera::graph::broadcastElements(DenseElementsAttr values, ArrayRef<int64_t> shape) {
  auto in = cast<ShapedType>(values.getType()).getShape();
  SmallVector<Attribute> elements(values.getValues<Attribute>()), out;
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  int64_t offset = shape.size() - in.size();
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rem = flat, src = 0, stride = 1;
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      int64_t i = rem % shape[d];
      rem /= shape[d];
      if (d >= offset) {
        int64_t inDim = in[d - offset];
        src += (inDim == 1 ? 0 : i) * stride;
        stride *= inDim;
      }
    }
    out.push_back(elements[src]);
  }
  return out;
}

/// A comparison of two small constants of one integer (signed) or float type into an i1 tensor.
template <typename Compare>
static OpFoldResult foldComparison(Operation *op, Attribute lhsAttr, Attribute rhsAttr, Compare compare) {
  auto lhs = foldableDense(lhsAttr), rhs = foldableDense(rhsAttr);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (!lhs || !rhs || lhs.getElementType() != rhs.getElementType() || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldElements || !type.getElementType().isInteger(1))
    return nullptr;
  auto intType = dyn_cast<IntegerType>(lhs.getElementType());
  if (intType && (intType.isUnsigned() || intType.getWidth() == 1))
    return nullptr;
  SmallVector<Attribute> l = broadcastElements(lhs, type.getShape()), r = broadcastElements(rhs, type.getShape());
  SmallVector<bool> out;
  for (auto [x, y] : llvm::zip(l, r)) {
    int order; // -1, 0, 1; 2 when unordered (a NaN): only "not equal" style results hold, none here
    if (intType) {
      APInt a = cast<IntegerAttr>(x).getValue(), b = cast<IntegerAttr>(y).getValue();
      order = a.slt(b) ? -1 : a == b ? 0 : 1;
    } else {
      APFloat::cmpResult c = cast<FloatAttr>(x).getValue().compare(cast<FloatAttr>(y).getValue());
      order = c == APFloat::cmpLessThan ? -1 : c == APFloat::cmpEqual ? 0 : c == APFloat::cmpGreaterThan ? 1 : 2;
    }
    out.push_back(order != 2 && compare(order));
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  return foldComparison(*this, adaptor.getLhs(), adaptor.getRhs(), [](int o) { return o == 0; });
}
OpFoldResult LessOp::fold(FoldAdaptor adaptor) {
  return foldComparison(*this, adaptor.getLhs(), adaptor.getRhs(), [](int o) { return o < 0; });
}
OpFoldResult LessOrEqualOp::fold(FoldAdaptor adaptor) {
  return foldComparison(*this, adaptor.getLhs(), adaptor.getRhs(), [](int o) { return o <= 0; });
}
OpFoldResult GreaterOp::fold(FoldAdaptor adaptor) {
  return foldComparison(*this, adaptor.getLhs(), adaptor.getRhs(), [](int o) { return o > 0; });
}
OpFoldResult GreaterOrEqualOp::fold(FoldAdaptor adaptor) {
  return foldComparison(*this, adaptor.getLhs(), adaptor.getRhs(), [](int o) { return o >= 0; });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto condition = foldableDense(adaptor.getCondition());
  auto x = foldableDense(adaptor.getX()), y = foldableDense(adaptor.getY());
  auto type = cast<RankedTensorType>(getType());
  if (!condition || !x || !y || !type.hasStaticShape() || type.getNumElements() > kMaxFoldElements ||
      x.getElementType() != type.getElementType() || y.getElementType() != type.getElementType())
    return nullptr;
  SmallVector<Attribute> c = broadcastElements(condition, type.getShape());
  SmallVector<Attribute> a = broadcastElements(x, type.getShape()), b = broadcastElements(y, type.getShape());
  SmallVector<Attribute> out;
  for (auto [cond, t, f] : llvm::zip(c, a, b))
    out.push_back(cast<IntegerAttr>(cond).getValue().isZero() ? f : t);
  return DenseElementsAttr::get(type, out);
}

/// Pads of zero in every mode leave the input as it is (exporters write them when a computed pad, such
/// as torch's pad to a multiple of a window size, comes out zero).
OpFoldResult PadOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() && llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return getInput();
  return nullptr;
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  auto lhs = foldableDense(adaptor.getLhs()), rhs = foldableDense(adaptor.getRhs());
  auto type = cast<RankedTensorType>(getType());
  auto intType = dyn_cast<IntegerType>(type.getElementType());
  if (!lhs || !rhs || !intType || intType.isUnsigned() || intType.getWidth() == 1 || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldElements || lhs.getElementType() != intType ||
      rhs.getElementType() != intType)
    return nullptr;
  SmallVector<Attribute> l = broadcastElements(lhs, type.getShape()), r = broadcastElements(rhs, type.getShape());
  SmallVector<APInt> out;
  for (auto [x, y] : llvm::zip(l, r)) {
    APInt a = cast<IntegerAttr>(x).getValue(), b = cast<IntegerAttr>(y).getValue();
    if (b.isZero())
      return nullptr; // the run reports it
    APInt rem = a.srem(b); // the sign of the dividend (fmod = 1)
    // fmod = 0 (integer Mod): the sign of the divisor, as Python's %.
    if (!getFmod() && !rem.isZero() && rem.isNegative() != b.isNegative())
      rem += b;
    out.push_back(rem);
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto input = foldableDense(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (!input || !type.hasStaticShape() || input.getElementType() != type.getElementType())
    return nullptr;
  if (input.isSplat())
    return input.reshape(type);
  ArrayRef<int64_t> perm = getPerm(), inShape = cast<ShapedType>(input.getType()).getShape();
  SmallVector<int64_t> inStrides(inShape.size(), 1);
  for (int64_t d = (int64_t)inShape.size() - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  SmallVector<Attribute> elements = elementsOf(input), out;
  ArrayRef<int64_t> outShape = type.getShape();
  for (int64_t flat = 0; flat < type.getNumElements(); ++flat) {
    int64_t rem = flat, src = 0;
    for (int64_t d = (int64_t)outShape.size() - 1; d >= 0; --d) {
      src += rem % outShape[d] * inStrides[perm[d]];
      rem /= outShape[d];
    }
    out.push_back(elements[src]);
  }
  return DenseElementsAttr::get(type, out);
}
