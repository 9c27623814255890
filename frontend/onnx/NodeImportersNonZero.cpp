//===- NodeImportersNonZero.cpp - NonZero, Compress -------------------------===//
//
// Ops whose output length is the number of true (non-zero) elements, known only when the model runs.
// Both take the positions of the true elements of a flat mask: the k-th true element is at the number of
// positions whose inclusive running count is at most k. The schedule reads the count and gathers that
// many positions (a run-time Range). The running count and the position search are quadratic in the
// mask's length, so masks are capped at kMaxMaskElements: a clear error instead of a run that seems to
// hang.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

constexpr int64_t kMaxMaskElements = 1 << 14;

FailureOr<Value> positionsOfTrue(NodeContext &c, Value mask, StringRef what) {
  int64_t n = cast<RankedTensorType>(mask.getType()).getDimSize(0);
  if (n > kMaxMaskElements)
    return c.error() << what << " has " << n << " elements; at most " << kMaxMaskElements
                     << " are supported (the compaction is quadratic in them)";
  auto i64 = c.b.getI64Type();
  Value ones = castTo(c, mask, i64);
  Value running = graph::CumSumOp::create(c.b, c.loc, ones, 0, false, false);
  Value count =
      graph::ReduceOp::create(c.b, c.loc, ones, graph::ReduceKind::sum, c.b.getDenseI64ArrayAttr({0}), true, false);
  // position[k] = #{i : running[i] <= k}: the index of the (k + 1)-th true element (n past the last).
  Value atMost = binary<graph::LessOrEqualOp>(c, reshape(c, running, {1, n}), iota(c, n, 0, 2));
  Value positions = graph::ReduceOp::create(c.b, c.loc, castTo(c, atMost, i64), graph::ReduceKind::sum,
                                            c.b.getDenseI64ArrayAttr({1}), false, false);
  return takeLeading(c, positions, count, 0);
}

namespace {

FailureOr<SmallVector<Value>> importNonZero(NodeContext &c) {
  auto in = c.inputType(0);
  if (!in.hasStaticShape() || in.getRank() == 0)
    return c.error() << "expects a static input of rank >= 1, got " << in;
  Type elem = in.getElementType();
  int64_t n = in.getNumElements(), rank = in.getRank();
  Value flat = reshape(c, c.input(0), {n});
  Value isZero = binary<graph::EqualOp>(c, flat, scalarConstant(c, elem, 0));
  auto positions = positionsOfTrue(c, graph::NotOp::create(c.b, c.loc, isZero), "the input");
  if (failed(positions))
    return failure();
  // Row d of the result: (position / stride_d) mod dim_d, for the row-major strides of the input.
  Value row = graph::UnsqueezeOp::create(c.b, c.loc, *positions, c.b.getDenseI64ArrayAttr({0}));
  SmallVector<int64_t> strides(rank, 1), dims(in.getShape());
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * dims[d + 1];
  Value q = binary<graph::DivOp>(c, row, i64Constant(c, strides, {rank, 1}));
  return SmallVector<Value>{binary<graph::ModOp>(c, q, i64Constant(c, dims, {rank, 1}))};
}

FailureOr<SmallVector<Value>> importCompress(NodeContext &c) {
  auto in = c.inputType(0), cond = c.inputType(1);
  if (!in.hasStaticShape() || !cond.hasStaticShape() || cond.getRank() != 1 || !cond.getElementType().isInteger(1))
    return c.error() << "expects a static input and a static 1-D bool condition, got " << in << " and " << cond;
  auto along = axisOrFlattened(c);
  if (failed(along))
    return failure();
  auto [x, axis] = *along;
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t dim = xType.getDimSize(axis), length = cond.getDimSize(0);
  if (length > dim)
    return c.error() << "the condition has " << length << " entries for a dim of " << dim;
  if (length == 0) { // nothing selected: the input with 0 entries along the axis
    SmallVector<int64_t> sizes(xType.getShape());
    sizes[axis] = 0;
    return SmallVector<Value>{slice(c, x, SmallVector<int64_t>(xType.getRank(), 0), sizes,
                                    SmallVector<int64_t>(xType.getRank(), 1))};
  }
  auto positions = positionsOfTrue(c, c.input(1), "the condition");
  if (failed(positions))
    return failure();
  return SmallVector<Value>{graph::GatherOp::create(c.b, c.loc, x, *positions, axis).getResult()};
}

} // namespace

void addNonZeroImporters(llvm::StringMap<NodeImporter> &t) {
  t["NonZero"] = importNonZero;
  t["Compress"] = importCompress;
}

} // namespace tessera::onnx
