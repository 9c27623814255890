//===- RuntimeAxes.cpp - Unsqueeze with axes known only at run time -------===//
//
// The result shape is computed by small tgraph ops from the axes tensor (so it runs as kernels when
// the model runs) and the data is reinterpreted by a run-time Reshape: where each output position
// is an axis it gets 1, else the next input dim. Squeeze keeps the input dims that are not axes, in
// order.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

FailureOr<Value> unsqueezeWithRuntimeAxes(NodeContext &c, Value x, Value axes) {
  auto in = cast<RankedTensorType>(x.getType());
  auto axesType = dyn_cast<RankedTensorType>(axes.getType());
  if (!in.hasStaticShape() || !axesType || axesType.getRank() != 1 || axesType.isDynamicDim(0) ||
      !axesType.getElementType().isInteger(64))
    return c.error() << "run-time axes need a static input and an int64 axes tensor of known length";
  OpBuilder &b = c.b;
  Location loc = c.loc;
  int64_t rank = in.getRank(), count = axesType.getDimSize(0), outRank = rank + count;
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto type = [&](ArrayRef<int64_t> shape, Type elem) { return RankedTensorType::get(shape, elem); };
  auto constant = [&](ArrayRef<int64_t> values, ArrayRef<int64_t> shape) -> Value {
    auto t = type(shape, i64);
    return graph::ConstantOp::create(b, loc, t, DenseElementsAttr::get(t, values));
  };
  if (rank == 0) // every output dim is 1
    return (Value)graph::ReshapeOp::create(b, loc, type(SmallVector<int64_t>(outRank, 1), in.getElementType()),
                                           x, Value());

  // Normalized axes as a row [1, count], output positions as a column [outRank, 1].
  Value negative = graph::LessOp::create(b, loc, type({count}, i1), axes, constant({0}, {}));
  Value wrapped = graph::AddOp::create(b, loc, type({count}, i64), axes, constant({outRank}, {}));
  Value norm = graph::WhereOp::create(b, loc, type({count}, i64), negative, wrapped, axes);
  Value row = graph::ReshapeOp::create(b, loc, type({1, count}, i64), norm, Value());
  SmallVector<int64_t> positions;
  for (int64_t i = 0; i < outRank; ++i)
    positions.push_back(i);
  Value column = constant(positions, {outRank, 1});

  // isAxis[i] = any(axes == i); before[i] = #(axes < i): the input dim at i is in_dims[i - before[i]].
  auto anyOver = [&](Value mask, graph::ReduceKind kind) -> Value {
    Value asInt = graph::CastOp::create(b, loc, type({outRank, count}, i64), mask);
    return graph::ReduceOp::create(b, loc, type({outRank}, i64), asInt, kind,
                                   b.getDenseI64ArrayAttr({1}), false, false);
  };
  Value isAxis = anyOver(graph::EqualOp::create(b, loc, type({outRank, count}, i1), column, row), graph::ReduceKind::max);
  Value before = anyOver(graph::LessOp::create(b, loc, type({outRank, count}, i1), row, column), graph::ReduceKind::sum);
  Value source = graph::SubOp::create(b, loc, type({outRank}, i64), constant(positions, {outRank}), before);
  source = graph::MinOp::create(b, loc, type({outRank}, i64), source, constant({rank - 1}, {}));
  source = graph::MaxOp::create(b, loc, type({outRank}, i64), source, constant({0}, {}));
  Value inDims = constant(in.getShape(), {rank});
  Value gathered = graph::GatherOp::create(b, loc, type({outRank}, i64), inDims, source, 0);
  Value axisMask = graph::CastOp::create(b, loc, type({outRank}, i1), isAxis);
  Value dims = graph::WhereOp::create(b, loc, type({outRank}, i64), axisMask, constant({1}, {}), gathered);
  auto result = type(SmallVector<int64_t>(outRank, ShapedType::kDynamic), in.getElementType());
  return (Value)graph::ReshapeOp::create(b, loc, result, x, dims);
}

Value squeezedDims(NodeContext &c, ArrayRef<int64_t> inShape, Value axes) {
  OpBuilder &b = c.b;
  Location loc = c.loc;
  int64_t rank = inShape.size(), count = cast<RankedTensorType>(axes.getType()).getDimSize(0), outRank = rank - count;
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto type = [&](ArrayRef<int64_t> shape, Type elem) { return RankedTensorType::get(shape, elem); };
  auto constant = [&](ArrayRef<int64_t> values, ArrayRef<int64_t> shape) -> Value {
    auto t = type(shape, i64);
    return graph::ConstantOp::create(b, loc, t, DenseElementsAttr::get(t, values));
  };
  auto sumOver = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    return graph::ReduceOp::create(b, loc, type({shape[0]}, i64), v, graph::ReduceKind::sum, b.getDenseI64ArrayAttr({1}),
                                   false, false);
  };

  Value negative = graph::LessOp::create(b, loc, type({count}, i1), axes, constant({0}, {}));
  Value wrapped = graph::AddOp::create(b, loc, type({count}, i64), axes, constant({rank}, {}));
  Value norm = graph::WhereOp::create(b, loc, type({count}, i64), negative, wrapped, axes);
  Value row = graph::ReshapeOp::create(b, loc, type({1, count}, i64), norm, Value());
  SmallVector<int64_t> inPositions, outPositions, earlier;
  for (int64_t j = 0; j < rank; ++j)
    inPositions.push_back(j);
  for (int64_t i = 0; i < outRank; ++i)
    outPositions.push_back(i);
  for (int64_t j = 0; j < rank; ++j)
    for (int64_t k = 0; k < rank; ++k)
      earlier.push_back(k < j);
  // keep[j] = input dim j is not an axis; target[j] = number of kept dims before j.
  Value isAxisMatrix = graph::EqualOp::create(b, loc, type({rank, count}, i1), constant(inPositions, {rank, 1}), row);
  Value isAxis = sumOver(graph::CastOp::create(b, loc, type({rank, count}, i64), isAxisMatrix), {rank});
  Value keep = graph::SubOp::create(b, loc, type({rank}, i64), constant({1}, {}),
                                    graph::MinOp::create(b, loc, type({rank}, i64), isAxis, constant({1}, {})));
  Value keepRow = graph::ReshapeOp::create(b, loc, type({1, rank}, i64), keep, Value());
  Value target = sumOver(graph::MulOp::create(b, loc, type({rank, rank}, i64), constant(earlier, {rank, rank}), keepRow),
                         {rank});
  // dims[i] = sum_j keep[j] * (target[j] == i) * in_dims[j]
  Value targetRow = graph::ReshapeOp::create(b, loc, type({1, rank}, i64), target, Value());
  Value hit = graph::CastOp::create(
      b, loc, type({outRank, rank}, i64),
      graph::EqualOp::create(b, loc, type({outRank, rank}, i1), constant(outPositions, {outRank, 1}), targetRow));
  Value weights = graph::MulOp::create(b, loc, type({1, rank}, i64), keepRow, constant(inShape, {1, rank}));
  return sumOver(graph::MulOp::create(b, loc, type({outRank, rank}, i64), hit, weights), {outRank});
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
