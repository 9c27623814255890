//===- RuntimeShapeOperands.cpp - Slice, Split, Pad, TopK, Reduce with run-time operands ---===//
//
// When an op's bounds, sizes, pads, k or axes are graph inputs (or computed), the result's dims are
// only known when the model runs. Each such op becomes tgraph ops on the data plus small int64
// kernels that compute the bounds: for every dim it may change, a run-time index vector (a Range whose
// length the schedule reads) and a Gather along that dim. ONNX's clamping rules are written once, as
// tgraph arithmetic, so they hold for any value the inputs take; an index outside the input fails the
// run through Gather's range check instead of reading out of bounds.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {
namespace {

/// Rank-0 int64 arithmetic as tgraph ops.
struct Scalars {
  NodeContext &c;

  Value lit(int64_t v) { return i64Constant(c, {v}, {}); }
  Value add(Value a, Value b) { return binary<graph::AddOp>(c, a, b); }
  Value sub(Value a, Value b) { return binary<graph::SubOp>(c, a, b); }
  Value div(Value a, Value b) { return binary<graph::DivOp>(c, a, b); }
  Value min(Value a, Value b) { return binary<graph::MinOp>(c, a, b); }
  Value max(Value a, Value b) { return binary<graph::MaxOp>(c, a, b); }
  Value clamp(Value v, Value lo, Value hi) { return min(max(v, lo), hi); }
  Value less(Value a, Value b) { return binary<graph::LessOp>(c, a, b); }
  Value select(Value cond, Value a, Value b) { return graph::WhereOp::create(c.b, c.loc, cond, a, b); }
  Value isTrue(Value flag) { return graph::CastOp::create(c.b, c.loc, flag, c.b.getI1Type()); }
  /// Element `i` of a 1-D integer tensor, as int64.
  Value at(Value vector, int64_t i) {
    Value v = castTo(c, vector, c.b.getI64Type());
    return graph::GatherOp::create(c.b, c.loc, v, lit(i), 0);
  }
  /// Sum over every element of an int64 tensor.
  Value total(Value v) {
    int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
    return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::sum,
                                   c.b.getDenseI64ArrayAttr(llvm::to_vector(llvm::seq<int64_t>(0, rank))), false, false);
  }
};

/// A 1-D int64 tensor of known length, or a diagnostic.
FailureOr<int64_t> vectorLength(NodeContext &c, Value v, StringRef what) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() != 1 || t.isDynamicDim(0) || !isa<IntegerType>(t.getElementType()))
    return c.error() << what << " must be a 1-D integer tensor of known length";
  return t.getDimSize(0);
}

/// Normalized run-time axes (negative ones count from `rank`), as int64.
Value normalizedAxes(NodeContext &c, Scalars &s, Value axes, int64_t rank) {
  Value a = castTo(c, axes, c.b.getI64Type());
  Value negative = binary<graph::LessOp>(c, a, s.lit(0));
  return graph::WhereOp::create(c.b, c.loc, negative, binary<graph::AddOp>(c, a, s.lit(rank)), a);
}

/// For dim `d`: whether the run-time axes list it (0/1), and a picker of the matching entry of a
/// per-axis vector (or `fallback` when `d` is not listed).
struct AxisMatch {
  Value listed;
  std::function<Value(Value vector, Value fallback)> pick;
};

AxisMatch matchAxis(NodeContext &c, Scalars &s, Value normAxes, int64_t d) {
  Value hit = binary<graph::EqualOp>(c, normAxes, s.lit(d));
  Value hits = castTo(c, hit, c.b.getI64Type());
  Value listed = s.min(s.total(hits), s.lit(1));
  auto pick = [&c, &s, hits, listed](Value vector, Value fallback) -> Value {
    Value v = castTo(c, vector, c.b.getI64Type());
    Value chosen = s.total(binary<graph::MulOp>(c, v, hits));
    return s.select(s.isTrue(listed), chosen, fallback);
  };
  return {listed, pick};
}

/// `x` with dim `d` replaced by its elements at `indices` (1-D int64, maybe of run-time length).
Value gatherAlong(NodeContext &c, Value x, Value indices, int64_t d) {
  return graph::GatherOp::create(c.b, c.loc, x, indices, d);
}

/// start, start + step, ... (`count` elements): a run-time index vector.
Value indexRange(NodeContext &c, Value start, Value step, Value count) {
  return graph::RangeOp::create(c.b, c.loc, start, step, count);
}

/// The first index and the element count of an ONNX Slice along a dim of size `n`, for either sign of
/// `step`: negative bounds count from the end, then clamp to [0, n] (or [-1, n - 1] going backwards).
std::pair<Value, Value> sliceBounds(Scalars &s, Value start, Value end, Value step, int64_t n) {
  Value size = s.lit(n), zero = s.lit(0);
  auto wrap = [&](Value v) { return s.select(s.less(v, zero), s.add(v, size), v); };
  start = wrap(start);
  end = wrap(end);
  Value forward = s.less(zero, step);
  Value startUp = s.clamp(start, zero, size), endUp = s.clamp(end, zero, size);
  Value startDown = s.clamp(start, zero, s.lit(n - 1)), endDown = s.clamp(end, s.lit(-1), s.lit(n - 1));
  Value first = s.select(forward, startUp, startDown);
  Value span = s.select(forward, s.sub(endUp, startUp), s.sub(startDown, endDown));
  // |step|, at least 1: a zero step (invalid ONNX) must not divide by zero.
  Value magnitude = s.max(s.select(forward, step, s.sub(zero, step)), s.lit(1));
  Value count = s.max(s.div(s.add(span, s.sub(magnitude, s.lit(1))), magnitude), zero);
  return {first, count};
}

} // namespace

FailureOr<Value> sliceWithRuntimeBounds(NodeContext &c, Value x, Value starts, Value ends, Value axes, Value steps,
                                        std::optional<SmallVector<int64_t>> constantAxes) {
  auto in = cast<RankedTensorType>(x.getType());
  if (!in.hasStaticShape())
    return c.error() << "run-time slice bounds need a static input";
  int64_t rank = in.getRank();
  auto count = vectorLength(c, starts, "starts");
  if (failed(count) || failed(vectorLength(c, ends, "ends")) || (axes && failed(vectorLength(c, axes, "axes"))) ||
      (steps && failed(vectorLength(c, steps, "steps"))))
    return failure();
  Scalars s{c};
  auto stepOf = [&](int64_t i) { return steps ? s.at(steps, i) : s.lit(1); };
  if (!axes)
    constantAxes = llvm::to_vector(llvm::seq<int64_t>(0, *count));
  Value result = x;
  if (constantAxes) {
    for (auto [i, a] : llvm::enumerate(*constantAxes)) {
      auto d = normalizeAxis(c, a, rank);
      if (failed(d))
        return failure();
      auto [first, n] = sliceBounds(s, s.at(starts, i), s.at(ends, i), stepOf(i), in.getDimSize(*d));
      result = gatherAlong(c, result, indexRange(c, first, stepOf(i), n), *d);
    }
    return result;
  }
  // Axes known only at run time: every dim may be sliced; unlisted dims keep all their elements.
  Value normAxes = normalizedAxes(c, s, axes, rank);
  for (int64_t d = 0; d < rank; ++d) {
    AxisMatch match = matchAxis(c, s, normAxes, d);
    Value step = steps ? match.pick(steps, s.lit(1)) : s.lit(1);
    auto [first, n] = sliceBounds(s, match.pick(starts, s.lit(0)), match.pick(ends, s.lit(in.getDimSize(d))), step,
                                  in.getDimSize(d));
    result = gatherAlong(c, result, indexRange(c, first, step, n), d);
  }
  return result;
}

FailureOr<SmallVector<Value>> splitWithRuntimeSizes(NodeContext &c, Value x, Value split, int64_t axis) {
  auto parts = vectorLength(c, split, "split");
  if (failed(parts))
    return failure();
  if (*parts != (int64_t)c.node.output_size())
    return c.error() << "split has " << *parts << " sizes for " << c.node.output_size() << " outputs";
  Scalars s{c};
  SmallVector<Value> results;
  Value start = s.lit(0);
  for (int64_t i = 0; i < *parts; ++i) {
    Value size = s.max(s.at(split, i), s.lit(0));
    results.push_back(gatherAlong(c, x, indexRange(c, start, s.lit(1), size), axis));
    start = s.add(start, size);
  }
  return results;
}

FailureOr<Value> padWithRuntimePads(NodeContext &c, Value x, Value pads, Value value, StringRef mode,
                                    ArrayRef<int64_t> axes) {
  auto in = cast<RankedTensorType>(x.getType());
  if (!in.hasStaticShape())
    return c.error() << "run-time pads need a static input";
  auto length = vectorLength(c, pads, "pads");
  if (failed(length))
    return failure();
  int64_t listed = axes.size();
  if (*length != 2 * listed)
    return c.error() << "expects " << 2 * listed << " pads";
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
    return c.error() << "unknown mode '" << mode << "'";
  Scalars s{c};
  if (mode == "constant") {
    if (!value)
      value = scalarConstant(c, in.getElementType(), 0);
    else if (cast<RankedTensorType>(value.getType()).getRank() != 0)
      value = reshape(c, value, {});
  }
  Value result = x;
  for (auto [i, d] : llvm::enumerate(axes)) {
    int64_t n = in.getDimSize(d);
    Value before = s.at(pads, i), after = s.at(pads, i + listed);
    Value size = s.max(s.add(s.lit(n), s.add(before, after)), s.lit(0));
    // Output position j reads input position j - before, mapped back into [0, n) by the mode.
    Value source = indexRange(c, s.sub(s.lit(0), before), s.lit(1), size);
    Value clamped = binary<graph::MinOp>(c, binary<graph::MaxOp>(c, source, s.lit(0)), s.lit(n - 1));
    Value index = clamped;
    if (mode == "reflect" && n > 1) {
      Value period = s.lit(2 * (n - 1));
      Value folded = graph::ModOp::create(c.b, c.loc, graph::AbsOp::create(c.b, c.loc, source), period, false);
      Value high = binary<graph::GreaterOrEqualOp>(c, folded, s.lit(n));
      index = graph::WhereOp::create(c.b, c.loc, high, binary<graph::SubOp>(c, period, folded), folded);
    } else if (mode == "wrap") {
      index = graph::ModOp::create(c.b, c.loc, source, s.lit(n), false);
    }
    result = gatherAlong(c, result, index, d);
    if (mode == "constant") {
      Value inside = binary<graph::AndOp>(c, binary<graph::GreaterOrEqualOp>(c, source, s.lit(0)),
                                          binary<graph::LessOp>(c, source, s.lit(n)));
      SmallVector<int64_t> along(in.getRank(), 1);
      along[d] = ShapedType::kDynamic;
      Value mask = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(along, c.b.getI1Type()), inside, Value());
      result = graph::WhereOp::create(c.b, c.loc, mask, result, value);
    }
  }
  return result;
}

Value takeLeading(NodeContext &c, Value x, Value k, int64_t axis) {
  Scalars s{c};
  Value count = s.max(s.at(k, 0), s.lit(0));
  return gatherAlong(c, x, indexRange(c, s.lit(0), s.lit(1), count), axis);
}

FailureOr<Value> reduceWithRuntimeAxes(NodeContext &c, Value x, Value axes, graph::ReduceKind kind, bool keepdims) {
  auto in = cast<RankedTensorType>(x.getType());
  if (!in.hasStaticShape() || in.getRank() == 0)
    return c.error() << "run-time axes need a static input of rank >= 1";
  auto length = vectorLength(c, axes, "axes");
  if (failed(length))
    return failure();
  bool isFloat = isa<FloatType>(in.getElementType());
  if (in.getElementType().isInteger(1))
    return c.error() << "run-time axes for a bool reduction are not supported";
  if (!isFloat && kind != graph::ReduceKind::sum && kind != graph::ReduceKind::max && kind != graph::ReduceKind::min &&
      kind != graph::ReduceKind::prod)
    return c.error() << "run-time axes for this reduction need a float input";
  int64_t rank = in.getRank();
  Scalars s{c};
  // Reduce one dim at a time. Kinds that do not compose that way reduce with sum around a map.
  bool squares = kind == graph::ReduceKind::sum_square || kind == graph::ReduceKind::l2;
  graph::ReduceKind step = squares || kind == graph::ReduceKind::log_sum ? graph::ReduceKind::sum : kind;
  Value data = squares ? binary<graph::MulOp>(c, x, x) : x;
  Value normAxes = normalizedAxes(c, s, axes, rank);
  SmallVector<Value> listed;
  for (int64_t d = 0; d < rank; ++d) {
    listed.push_back(matchAxis(c, s, normAxes, d).listed);
    Value reduced = graph::ReduceOp::create(c.b, c.loc, data, step, c.b.getDenseI64ArrayAttr({d}), true, false);
    // Where d is an axis every position along it now holds the reduction; elsewhere data is unchanged.
    data = graph::WhereOp::create(c.b, c.loc, s.isTrue(listed.back()), reduced, data);
  }
  if (kind == graph::ReduceKind::l2)
    data = graph::SqrtOp::create(c.b, c.loc, data);
  if (kind == graph::ReduceKind::log_sum)
    data = graph::LogOp::create(c.b, c.loc, data);
  // Keep one position along each reduced dim.
  for (int64_t d = 0; d < rank; ++d) {
    if (in.getDimSize(d) == 1)
      continue;
    Value count = s.select(s.isTrue(listed[d]), s.lit(1), s.lit(in.getDimSize(d)));
    data = gatherAlong(c, data, indexRange(c, s.lit(0), s.lit(1), count), d);
  }
  if (keepdims)
    return data;
  // Without keepdims the result keeps the dims that are not axes, in order (axes are distinct).
  int64_t outRank = rank - *length;
  if (outRank < 0)
    return c.error() << "lists more axes than the input has dims";
  if (outRank == 0)
    return (Value)graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({}, in.getElementType()), data, Value());
  auto type = RankedTensorType::get(SmallVector<int64_t>(outRank, ShapedType::kDynamic), in.getElementType());
  Value dims = squeezedDims(c, in.getShape(), castTo(c, axes, c.b.getI64Type()));
  return (Value)graph::ReshapeOp::create(c.b, c.loc, type, data, dims);
}

} // namespace tessera::onnx
