//===- ConstantEval.cpp - import-time evaluation of small shape arithmetic --===//
//
// Function bodies compute shapes at run time in ONNX terms (Shape -> Sub -> ConstantOfShape -> Concat
// -> Reshape). With static shapes every step is a small constant, and the importers that need a
// constant operand (Reshape, Slice, ...) see it only if these steps are evaluated here. The dialect's
// folders cover Shape/Gather/Concat/Unsqueeze/Reshape, comparisons and Where; this covers the rest of
// the common chain.
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace tessera::onnx {

static constexpr int64_t kMaxEvalElements = 1024;

static DenseElementsAttr evalBinary(Operation *op, DenseElementsAttr l, DenseElementsAttr r,
                                    RankedTensorType type) {
  Type elem = l.getElementType();
  if (elem != r.getElementType() || elem != type.getElementType())
    return nullptr;
  auto lv = graph::broadcastElements(l, type.getShape()), rv = graph::broadcastElements(r, type.getShape());
  SmallVector<Attribute> out;
  for (auto [x, y] : llvm::zip(lv, rv)) {
    if (auto xi = dyn_cast<IntegerAttr>(x)) {
      if (cast<IntegerType>(elem).isUnsigned() || elem.isInteger(1))
        return nullptr;
      APInt a = xi.getValue(), b = cast<IntegerAttr>(y).getValue(), v;
      if (isa<graph::AddOp>(op)) v = a + b;
      else if (isa<graph::SubOp>(op)) v = a - b;
      else if (isa<graph::MulOp>(op)) v = a * b;
      else if (isa<graph::DivOp>(op) && !b.isZero()) v = a.sdiv(b);
      else return nullptr;
      out.push_back(IntegerAttr::get(elem, v));
    } else {
      APFloat a = cast<FloatAttr>(x).getValue(), b = cast<FloatAttr>(y).getValue();
      if (isa<graph::AddOp>(op)) a.add(b, APFloat::rmNearestTiesToEven);
      else if (isa<graph::SubOp>(op)) a.subtract(b, APFloat::rmNearestTiesToEven);
      else if (isa<graph::MulOp>(op)) a.multiply(b, APFloat::rmNearestTiesToEven);
      else if (isa<graph::DivOp>(op)) a.divide(b, APFloat::rmNearestTiesToEven);
      else return nullptr;
      out.push_back(FloatAttr::get(elem, a));
    }
  }
  return DenseElementsAttr::get(type, out);
}

static DenseElementsAttr evalCast(DenseElementsAttr in, RankedTensorType type) {
  auto from = dyn_cast<IntegerType>(in.getElementType()), to = dyn_cast<IntegerType>(type.getElementType());
  if (!from || !to || from.isUnsigned() || to.isUnsigned() || from.getWidth() == 1 || to.getWidth() == 1)
    return nullptr; // integer width changes only: what shape arithmetic needs
  SmallVector<APInt> out;
  for (APInt v : in.getValues<APInt>())
    out.push_back(v.sextOrTrunc(to.getWidth()));
  return DenseElementsAttr::get(type, out);
}

static DenseElementsAttr evalSlice(graph::SliceOp op, DenseElementsAttr in, RankedTensorType type) {
  auto inShape = cast<RankedTensorType>(in.getType()).getShape();
  SmallVector<Attribute> values(in.getValues<Attribute>()), out;
  auto outShape = type.getShape();
  for (int64_t flat = 0; flat < type.getNumElements(); ++flat) {
    int64_t rem = flat, src = 0, stride = 1;
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      int64_t i = rem % outShape[d];
      rem /= outShape[d];
      src += (op.getStarts()[d] + i * op.getSteps()[d]) * stride;
      stride *= inShape[d];
    }
    out.push_back(values[src]);
  }
  return DenseElementsAttr::get(type, out);
}

DenseElementsAttr evaluateConstant(Operation *op, ArrayRef<Attribute> operands) {
  if (op->getNumResults() != 1)
    return nullptr;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > kMaxEvalElements)
    return nullptr;
  SmallVector<DenseElementsAttr> in;
  for (Attribute a : operands) {
    auto dense = dyn_cast_or_null<DenseElementsAttr>(a);
    if (!dense || dense.getNumElements() > kMaxEvalElements)
      return nullptr;
    in.push_back(dense);
  }
  if (isa<graph::AddOp, graph::SubOp, graph::MulOp, graph::DivOp>(op))
    return evalBinary(op, in[0], in[1], type);
  if (isa<graph::NegOp>(op) && isa<IntegerType>(in[0].getElementType()) &&
      in[0].getElementType() == type.getElementType()) {
    SmallVector<APInt> out;
    for (APInt v : in[0].getValues<APInt>())
      out.push_back(-v);
    return DenseElementsAttr::get(type, out);
  }
  if (isa<graph::CastOp>(op))
    return evalCast(in[0], type);
  if (auto slice = dyn_cast<graph::SliceOp>(op))
    return evalSlice(slice, in[0], type);
  if (isa<graph::ExpandOp, graph::IdentityOp>(op) && in[0].getElementType() == type.getElementType())
    return DenseElementsAttr::get(type, graph::broadcastElements(in[0], type.getShape()));
  return nullptr;
}

} // namespace tessera::onnx
