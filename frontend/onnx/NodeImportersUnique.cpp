//===- NodeImportersUnique.cpp - Unique ----------------------------------===//
//
// The distinct slices of X along an axis (its elements without one), their first indices, each slice's
// slot and the counts; the number of distinct slices is read when the model runs. Everything follows
// from all-pairs comparisons of the N slices of S elements each: which pairs are equal, which come
// first lexicographically (the first differing element decides), which occurrence is the first. A slot
// is the number of distinct slices that sort before (sorted) or first occur before (not sorted). The
// work is N^2 S, so inputs are capped at kMaxPairElements.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

constexpr int64_t kMaxPairElements = int64_t(1) << 24;

FailureOr<SmallVector<Value>> importUnique(NodeContext &c) {
  auto in = c.inputType(0);
  if (!in.hasStaticShape() || in.getRank() == 0)
    return c.error() << "expects a static input of rank >= 1, got " << in;
  auto along = axisOrFlattened(c);
  if (failed(along))
    return failure();
  auto [x, axis] = *along;
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t n = xType.getDimSize(axis), s = xType.getNumElements() / std::max<int64_t>(n, 1);
  if (n == 0 || s == 0)
    return c.error() << "an input without elements is not supported";
  if (n * n * s > kMaxPairElements)
    return c.error() << "compares " << n << " slices of " << s << " elements pairwise; at most " << kMaxPairElements
                     << " element pairs are supported";

  // Slices as rows: [n, s].
  SmallVector<int64_t> perm = {axis};
  for (int64_t d = 0; d < xType.getRank(); ++d)
    if (d != axis)
      perm.push_back(d);
  Value rows = reshape(c, transpose(c, x, perm), {n, s});
  auto i64 = c.b.getI64Type();
  auto reduce = [&](graph::ReduceKind kind, Value v, int64_t dim) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, v, kind, c.b.getDenseI64ArrayAttr({dim}), false, false);
  };
  auto asInt = [&](Value v) { return castTo(c, v, i64); };
  Value a = reshape(c, rows, {n, 1, s}), b = reshape(c, rows, {1, n, s});
  Value sameElement = binary<graph::EqualOp>(c, a, b);                      // [i, j, e]
  Value equal = reduce(graph::ReduceKind::min, asInt(sameElement), 2);      // [i, j]: 1 if slice i == slice j
  Value i = iota(c, n, 0, 2), j = iota(c, n, 1, 2);                        // [n, 1], [1, n]
  Value earlierCopies = reduce(graph::ReduceKind::sum,
                               binary<graph::MulOp>(c, equal, asInt(binary<graph::LessOp>(c, j, i))), 1);
  Value first = asInt(binary<graph::EqualOp>(c, earlierCopies, i64Constant(c, {0}, {}))); // [n]
  Value firstRow = reshape(c, first, {1, n});

  Value before; // [i, j]: 1 if slice j counts before slice i
  if (c.getInt("sorted", 1)) {
    // j < i lexicographically: at the first element where they differ, j's is smaller.
    Value differ = asInt(graph::NotOp::create(c.b, c.loc, sameElement));
    Value differedBefore = graph::CumSumOp::create(c.b, c.loc, differ, 2, true, false);
    Value decides = binary<graph::EqualOp>(c, differedBefore, i64Constant(c, {0}, {}));
    Value smaller = binary<graph::AndOp>(c, decides, binary<graph::LessOp>(c, b, a));
    before = reduce(graph::ReduceKind::max, asInt(smaller), 2);
  } else {
    // j's first occurrence comes before i's.
    Value isEqual = binary<graph::EqualOp>(c, equal, i64Constant(c, {1}, {}));
    Value equalAt = graph::WhereOp::create(c.b, c.loc, isEqual, j, i64Constant(c, {n}, {})); // [i, j]: j, or n
    Value firstOf = reduce(graph::ReduceKind::min, equalAt, 1);
    before = asInt(binary<graph::LessOp>(c, j, reshape(c, firstOf, {n, 1})));
  }
  Value slot = reduce(graph::ReduceKind::sum, binary<graph::MulOp>(c, before, firstRow), 1); // [n]
  Value count =
      graph::ReduceOp::create(c.b, c.loc, first, graph::ReduceKind::sum, c.b.getDenseI64ArrayAttr({0}), true, false);
  // Per slot k: the first occurrence filling it and how many slices share it.
  Value inSlot = asInt(binary<graph::EqualOp>(c, reshape(c, slot, {1, n}), i)); // [k, i]
  Value firstIndex = reduce(graph::ReduceKind::sum,
                            binary<graph::MulOp>(c, binary<graph::MulOp>(c, inSlot, firstRow), j), 1);
  Value indices = takeLeading(c, firstIndex, count, 0);
  Value counts = takeLeading(c, reduce(graph::ReduceKind::sum, inSlot, 1), count, 0);
  Value y = graph::GatherOp::create(c.b, c.loc, x, indices, axis);
  return SmallVector<Value>{y, indices, slot, counts};
}

} // namespace

void addUniqueImporter(llvm::StringMap<NodeImporter> &t) { t["Unique"] = importUnique; }

} // namespace tessera::onnx
