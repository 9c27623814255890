//===- RuntimeAxes.cpp - Unsqueeze with axes known only at run time -------===//
//
// The result shape is computed by small tgraph ops from the axes tensor (so it runs as kernels when
// the model runs) and the data is reinterpreted by a run-time Reshape: where each output position
// is an axis it gets 1, else the next input dim. Squeeze keeps the input dims that are not axes, in
// order.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

FailureOr<Value> unsqueezeWithRuntimeAxes(NodeContext &c, Value x, Value axes) {
  auto in = cast<RankedTensorType>(x.getType());
  auto axesType = dyn_cast<RankedTensorType>(axes.getType());
  if (!in.hasStaticShape() || !axesType || axesType.getRank() != 1 || axesType.isDynamicDim(0) ||
      !axesType.getElementType().isInteger(64))
    return c.error() << "run-time axes need a static input and an int64 axes tensor of known length";
  int64_t rank = in.getRank(), count = axesType.getDimSize(0), outRank = rank + count;
  if (rank == 0) // every output dim is 1
    return (Value)graph::ReshapeOp::create(
        c.b, c.loc, RankedTensorType::get(SmallVector<int64_t>(outRank, 1), in.getElementType()), x, Value());

  // Normalized axes as a row [1, count], output positions as a column [outRank, 1].
  Value negative = binary<graph::LessOp>(c, axes, i64Constant(c, {0}, {}));
  Value wrapped = binary<graph::AddOp>(c, axes, i64Constant(c, {outRank}, {}));
  Value norm = graph::WhereOp::create(c.b, c.loc, negative, wrapped, axes);
  Value row = reshape(c, norm, {1, count});
  SmallVector<int64_t> positions;
  for (int64_t i = 0; i < outRank; ++i)
    positions.push_back(i);
  Value column = i64Constant(c, positions, {outRank, 1});

  // isAxis[i] = any(axes == i); before[i] = #(axes < i): the input dim at i is in_dims[i - before[i]].
  auto anyOver = [&](Value mask, graph::ReduceKind kind) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, castTo(c, mask, c.b.getI64Type()), kind, c.b.getDenseI64ArrayAttr({1}),
                                   false, false);
  };
  Value isAxis = anyOver(binary<graph::EqualOp>(c, column, row), graph::ReduceKind::max);
  Value before = anyOver(binary<graph::LessOp>(c, row, column), graph::ReduceKind::sum);
  Value source = binary<graph::SubOp>(c, i64Constant(c, positions, {outRank}), before);
  source = binary<graph::MinOp>(c, source, i64Constant(c, {rank - 1}, {}));
  source = binary<graph::MaxOp>(c, source, i64Constant(c, {0}, {}));
  Value gathered = graph::GatherOp::create(c.b, c.loc, i64Constant(c, in.getShape(), {rank}), source, 0);
  Value axisMask = castTo(c, isAxis, c.b.getI1Type());
  Value dims = graph::WhereOp::create(c.b, c.loc, axisMask, i64Constant(c, {1}, {}), gathered);
  auto result = RankedTensorType::get(SmallVector<int64_t>(outRank, ShapedType::kDynamic), in.getElementType());
  return (Value)graph::ReshapeOp::create(c.b, c.loc, result, x, dims);
}

Value squeezedDims(NodeContext &c, ArrayRef<int64_t> inShape, Value axes) {
  int64_t rank = inShape.size(), count = cast<RankedTensorType>(axes.getType()).getDimSize(0), outRank = rank - count;
  Type i64 = c.b.getI64Type();
  auto sumOver = [&](Value v) -> Value { // over dim 1 of a matrix
    return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::sum, c.b.getDenseI64ArrayAttr({1}), false, false);
  };

  Value negative = binary<graph::LessOp>(c, axes, i64Constant(c, {0}, {}));
  Value wrapped = binary<graph::AddOp>(c, axes, i64Constant(c, {rank}, {}));
  Value norm = graph::WhereOp::create(c.b, c.loc, negative, wrapped, axes);
  Value row = reshape(c, norm, {1, count});
  SmallVector<int64_t> inPositions, outPositions, earlier;
  for (int64_t j = 0; j < rank; ++j)
    inPositions.push_back(j);
  for (int64_t i = 0; i < outRank; ++i)
    outPositions.push_back(i);
  for (int64_t j = 0; j < rank; ++j)
    for (int64_t k = 0; k < rank; ++k)
      earlier.push_back(k < j);
  // keep[j] = input dim j is not an axis; target[j] = number of kept dims before j.
  Value isAxisMatrix = binary<graph::EqualOp>(c, i64Constant(c, inPositions, {rank, 1}), row);
  Value isAxis = sumOver(castTo(c, isAxisMatrix, i64));
  Value keep =
      binary<graph::SubOp>(c, i64Constant(c, {1}, {}), binary<graph::MinOp>(c, isAxis, i64Constant(c, {1}, {})));
  Value keepRow = reshape(c, keep, {1, rank});
  Value target = sumOver(binary<graph::MulOp>(c, i64Constant(c, earlier, {rank, rank}), keepRow));
  // dims[i] = sum_j keep[j] * (target[j] == i) * in_dims[j]
  Value targetRow = reshape(c, target, {1, rank});
  Value hit = castTo(c, binary<graph::EqualOp>(c, i64Constant(c, outPositions, {outRank, 1}), targetRow), i64);
  Value weights = binary<graph::MulOp>(c, keepRow, i64Constant(c, inShape, {1, rank}));
  return sumOver(binary<graph::MulOp>(c, hit, weights));
}

FailureOr<Value> squeezeWithRuntimeAxes(NodeContext &c, Value x, Value axes) {
  auto in = cast<RankedTensorType>(x.getType());
  auto axesType = dyn_cast<RankedTensorType>(axes.getType());
  if (!in.hasStaticShape() || !axesType || axesType.getRank() != 1 || axesType.isDynamicDim(0) ||
      !axesType.getElementType().isInteger(64) || axesType.getDimSize(0) > in.getRank())
    return c.error() << "run-time axes need a static input and an int64 axes tensor of known length";
  int64_t outRank = in.getRank() - axesType.getDimSize(0);
  if (outRank == 0)
    return (Value)graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({}, in.getElementType()), x, Value());
  auto result = RankedTensorType::get(SmallVector<int64_t>(outRank, ShapedType::kDynamic), in.getElementType());
  return (Value)graph::ReshapeOp::create(c.b, c.loc, result, x, squeezedDims(c, in.getShape(), axes));
}

} // namespace tessera::onnx
