//===- NodeImportersNMS.cpp - NonMaxSuppression --------------------------===//
//
// Greedy selection per (batch, class), vectorized over both: boxes are visited in descending score
// order (TopK, ties by lower index); a box is kept if its score passes the threshold, fewer than
// max_output_boxes_per_class are kept before it, and no kept box before it overlaps it by more than
// iou_threshold. The overlap test of every pair is computed once per batch; the visit is unrolled over
// the boxes at compile time (each step a few small ops), so the box count is capped at kMaxBoxes. The
// kept (batch, class, rank) triples become the output rows in that order, their count read at run time.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

constexpr int64_t kMaxBoxes = 128;

FailureOr<SmallVector<Value>> importNonMaxSuppression(NodeContext &c) {
  auto boxesType = c.inputType(0), scoresType = c.inputType(1);
  Type elem = boxesType.getElementType();
  if (!boxesType.hasStaticShape() || !scoresType.hasStaticShape() || boxesType.getRank() != 3 ||
      boxesType.getDimSize(2) != 4 || scoresType.getRank() != 3 || !isa<FloatType>(elem) ||
      scoresType.getElementType() != elem)
    return c.error() << "expects static boxes [batch, boxes, 4] and scores [batch, classes, boxes] of one float "
                        "type, got "
                     << boxesType << " and " << scoresType;
  int64_t batch = boxesType.getDimSize(0), n = boxesType.getDimSize(1), classes = scoresType.getDimSize(1);
  if (scoresType.getDimSize(0) != batch || scoresType.getDimSize(2) != n)
    return c.error() << "boxes " << boxesType << " and scores " << scoresType << " disagree";
  if (n > kMaxBoxes)
    return c.error() << "selects among " << n << " boxes by unrolling at compile time; at most " << kMaxBoxes
                     << " are supported";
  int64_t centerPoint = c.getInt("center_point_box", 0);
  if (centerPoint != 0 && centerPoint != 1)
    return c.error() << "center_point_box " << centerPoint << " is not 0 or 1";
  Type i1 = c.b.getI1Type(), i64 = c.b.getI64Type();
  auto k = [&](double v) { return scalarConstant(c, elem, v); };
  auto scalarInput = [&](size_t i, Type type) -> Value {
    if (!c.input(i) || c.inputType(i).getNumElements() != 1)
      return Value();
    return castTo(c, reshape(c, c.input(i), {}), type);
  };
  // Absent: no box is selected (max 0), every score passes, and any overlap above 0 suppresses.
  Value maxPerClass = scalarInput(2, i64), iouThreshold = scalarInput(3, elem), scoreThreshold = scalarInput(4, elem);
  if (!maxPerClass)
    maxPerClass = i64Constant(c, {0}, {});
  if (!iouThreshold)
    iouThreshold = k(0);

  // Box edges [batch, n]: corners in either order, or center and size.
  auto coordinate = [&](int64_t j) { return reshape(c, slice(c, c.input(0), {0, 0, j}, {batch, n, 1}, {1, 1, 1}), {batch, n}); };
  Value xMin, xMax, yMin, yMax;
  if (centerPoint == 0) {
    Value y1 = coordinate(0), x1 = coordinate(1), y2 = coordinate(2), x2 = coordinate(3);
    xMin = binary<graph::MinOp>(c, x1, x2), xMax = binary<graph::MaxOp>(c, x1, x2);
    yMin = binary<graph::MinOp>(c, y1, y2), yMax = binary<graph::MaxOp>(c, y1, y2);
  } else {
    Value xc = coordinate(0), yc = coordinate(1);
    Value halfW = binary<graph::DivOp>(c, coordinate(2), k(2)), halfH = binary<graph::DivOp>(c, coordinate(3), k(2));
    xMin = binary<graph::SubOp>(c, xc, halfW), xMax = binary<graph::AddOp>(c, xc, halfW);
    yMin = binary<graph::SubOp>(c, yc, halfH), yMax = binary<graph::AddOp>(c, yc, halfH);
  }
  // suppresses[b, i, j]: boxes i and j overlap by more than the threshold (degenerate boxes never do).
  auto rows = [&](Value v) { return reshape(c, v, {batch, n, 1}); };
  auto cols = [&](Value v) { return reshape(c, v, {batch, 1, n}); };
  Value width = binary<graph::SubOp>(c, binary<graph::MinOp>(c, rows(xMax), cols(xMax)),
                                     binary<graph::MaxOp>(c, rows(xMin), cols(xMin)));
  Value height = binary<graph::SubOp>(c, binary<graph::MinOp>(c, rows(yMax), cols(yMax)),
                                      binary<graph::MaxOp>(c, rows(yMin), cols(yMin)));
  Value area = binary<graph::MulOp>(c, binary<graph::SubOp>(c, xMax, xMin), binary<graph::SubOp>(c, yMax, yMin));
  Value inter = binary<graph::MulOp>(c, width, height);
  Value unionArea = binary<graph::SubOp>(c, binary<graph::AddOp>(c, rows(area), cols(area)), inter);
  auto positive = [&](Value v) { return binary<graph::GreaterOp>(c, v, k(0)); };
  auto both = [&](Value a, Value b) { return binary<graph::AndOp>(c, a, b); };
  Value overlaps = both(both(positive(width), positive(height)), both(positive(inter), positive(unionArea)));
  overlaps = both(overlaps, both(positive(rows(area)), positive(cols(area))));
  Value suppresses =
      both(overlaps, binary<graph::GreaterOp>(c, binary<graph::DivOp>(c, inter, unionArea), iouThreshold));

  // Visit order per (batch, class), and the pair test in that order: [batch, classes, n, n].
  auto topk = graph::TopKOp::create(c.b, c.loc, c.input(1), n, 2, true, true);
  Value sortedScores = topk.getValues(), order = topk.getIndices();
  Value pairRows = graph::GatherNDOp::create(c.b, c.loc, reshape(c, castTo(c, suppresses, i64), {batch, n, n}),
                                             reshape(c, order, {batch, classes, n, 1}), 1);
  pairRows = reshape(c, pairRows, {batch, classes, n, n});
  Value pairCols = binary<graph::AddOp>(c, reshape(c, order, {batch, classes, 1, n}),
                                        i64Constant(c, SmallVector<int64_t>(n, 0), {1, 1, n, 1}));
  Value sortedPairs = graph::GatherElementsOp::create(c.b, c.loc, pairRows, pairCols, 3);

  // Without a score threshold every box is a candidate (NaN scores too).
  Value candidate = scoreThreshold ? binary<graph::GreaterOp>(c, sortedScores, scoreThreshold)
                                   : graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get({batch, classes, n}, i1),
                                                             scalarConstant(c, i1, 1));
  Value kept = i64Constant(c, SmallVector<int64_t>(batch * classes * n, 0), {batch, classes, n});
  Value rank = iota(c, n, 2, 3);
  auto at = [&](Value v, int64_t p) { // [batch, classes] slice p of the last dim
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape()), steps(t.getRank(), 1);
    starts.back() = p;
    sizes.back() = 1;
    return reshape(c, slice(c, v, starts, sizes, steps), {batch, classes, 1});
  };
  for (int64_t p = 0; p < n; ++p) {
    Value row = reshape(c, slice(c, sortedPairs, {0, 0, p, 0}, {batch, classes, 1, n}, {1, 1, 1, 1}), {batch, classes, n});
    auto sum = [&](Value v) {
      return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::sum, c.b.getDenseI64ArrayAttr({2}), true, false);
    };
    Value hit = sum(binary<graph::MulOp>(c, kept, row)), count = sum(kept);
    Value keep = both(both(at(candidate, p), binary<graph::EqualOp>(c, hit, i64Constant(c, {0}, {}))),
                      binary<graph::LessOp>(c, count, maxPerClass));
    Value here = binary<graph::EqualOp>(c, rank, i64Constant(c, {p}, {}));
    kept = graph::WhereOp::create(c.b, c.loc, here, castTo(c, keep, i64), kept);
  }

  // Rows (batch, class, box) of the kept entries, in (batch, class, rank) order.
  int64_t total = batch * classes * n;
  Value mask = binary<graph::EqualOp>(c, reshape(c, kept, {total}), i64Constant(c, {1}, {}));
  auto positions = positionsOfTrue(c, mask, "the boxes of every batch and class");
  if (failed(positions))
    return failure();
  Value column = graph::UnsqueezeOp::create(c.b, c.loc, *positions, c.b.getDenseI64ArrayAttr({1})); // [?, 1]
  Value batchIndex = binary<graph::DivOp>(c, column, i64Constant(c, {classes * n}, {}));
  Value classIndex = binary<graph::ModOp>(c, binary<graph::DivOp>(c, column, i64Constant(c, {n}, {})),
                                          i64Constant(c, {classes}, {}));
  Value boxIndex = graph::GatherOp::create(c.b, c.loc, reshape(c, order, {total}), column, 0); // [?, 1]
  Value field = iota(c, 3, 1, 2);
  Value out = graph::WhereOp::create(c.b, c.loc, binary<graph::EqualOp>(c, field, i64Constant(c, {1}, {})),
                                     classIndex, boxIndex);
  out = graph::WhereOp::create(c.b, c.loc, binary<graph::EqualOp>(c, field, i64Constant(c, {0}, {})), batchIndex, out);
  return SmallVector<Value>{out};
}

} // namespace

void addNonMaxSuppressionImporter(llvm::StringMap<NodeImporter> &t) {
  t["NonMaxSuppression"] = importNonMaxSuppression;
}

} // namespace tessera::onnx
