//===- RuntimeResize.cpp - Resize / Upsample with run-time scales or sizes -===//
//
// Resize is separable: each dim's output position maps to source taps along that dim alone. With scales
// or sizes known only at run time, every dim is resized in turn: a run-time Range of output positions,
// the coordinate transform and tap weights as float64 tgraph arithmetic, one Gather per tap along the
// dim, and the weighted sum. Blending in float64 and rounding once at the end matches the constant-scale
// lowering (ResizeToLinalg.cpp), whose rules this follows; a dim of scale 1 maps every output position
// to itself with weight 1, so resizing it too changes nothing. tf_crop_and_resize maps each dim's output
// positions into its roi and reads the extrapolation value outside the input.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

FailureOr<Value> resizeWithRuntimeScales(NodeContext &c, Value x, Value scales, Value sizes, graph::ResizeMode mode,
                                         graph::CoordinateTransform ctm, graph::NearestMode nearest, double cubicA,
                                         bool excludeOutside, const CropAndResize *crop) {
  using graph::CoordinateTransform;
  auto in = cast<RankedTensorType>(x.getType());
  int64_t rank = in.getRank();
  Value given = scales ? scales : sizes;
  auto givenType = dyn_cast<RankedTensorType>(given.getType());
  if (!in.hasStaticShape() || !isa<FloatType>(in.getElementType()))
    return c.error() << "run-time scales or sizes need a static float input";
  if (!givenType || givenType.getRank() != 1 || givenType.getDimSize(0) != rank)
    return c.error() << "expects one scale or size per dim";
  Type f64 = c.b.getF64Type(), i64 = c.b.getI64Type(), i1 = c.b.getI1Type();
  auto f = [&](double v) { return scalarConstant(c, f64, v); };
  auto add = [&](Value a, Value b) { return binary<graph::AddOp>(c, a, b); };
  auto sub = [&](Value a, Value b) { return binary<graph::SubOp>(c, a, b); };
  auto mul = [&](Value a, Value b) { return binary<graph::MulOp>(c, a, b); };
  auto div = [&](Value a, Value b) { return binary<graph::DivOp>(c, a, b); };
  auto floorOf = [&](Value v) { return (Value)graph::FloorOp::create(c.b, c.loc, v); };
  auto ceilOf = [&](Value v) { return (Value)graph::CeilOp::create(c.b, c.loc, v); };
  auto select = [&](Value cond, Value a, Value b) { return (Value)graph::WhereOp::create(c.b, c.loc, cond, a, b); };
  auto at = [&](Value vector, int64_t i) -> Value { // element i, as a rank-0 tensor (inferred type)
    return graph::GatherOp::create(c.b, c.loc, vector, i64Constant(c, {i}, {}), 0);
  };

  Value data = castTo(c, x, f64);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t n = in.getDimSize(d);
    Value scale, outSize;
    if (scales) {
      scale = castTo(c, at(scales, d), f64);
      outSize = castTo(c, floorOf(mul(scale, f(n))), i64);
    } else {
      outSize = castTo(c, at(sizes, d), i64);
      scale = div(castTo(c, outSize, f64), f(n));
    }
    Value count = binary<graph::MaxOp>(c, outSize, i64Constant(c, {0}, {}));
    Value positions = graph::RangeOp::create(c.b, c.loc, i64Constant(c, {0}, {}), i64Constant(c, {1}, {}), count);
    Value j = castTo(c, positions, f64);
    // The source coordinate of each output position.
    Value src, inside;
    if (crop) {
      // tf_crop_and_resize: output positions span roi[d] .. roi[rank + d] (fractions of the input's last
      // index); positions that fall outside the input read the extrapolation value.
      Value first = castTo(c, at(crop->roi, d), f64), last = castTo(c, at(crop->roi, rank + d), f64);
      Value span = mul(sub(last, first), f(n - 1));
      Value several = binary<graph::GreaterOp>(c, outSize, i64Constant(c, {1}, {}));
      Value step = div(span, castTo(c, sub(outSize, i64Constant(c, {1}, {})), f64));
      src = select(several, add(mul(first, f(n - 1)), mul(j, step)), mul(mul(add(first, last), f(0.5)), f(n - 1)));
      inside = binary<graph::AndOp>(c, binary<graph::GreaterOrEqualOp>(c, src, f(0)),
                                    binary<graph::LessOrEqualOp>(c, src, f(n - 1)));
    } else {
    switch (ctm) {
    case CoordinateTransform::half_pixel:
      src = sub(div(add(j, f(0.5)), scale), f(0.5));
      break;
    case CoordinateTransform::pytorch_half_pixel: {
      Value several = binary<graph::GreaterOp>(c, outSize, i64Constant(c, {1}, {}));
      src = select(several, sub(div(add(j, f(0.5)), scale), f(0.5)), f(0));
      break;
    }
    case CoordinateTransform::align_corners: { // ONNX uses the unrounded resized length n * scale
      Value single = binary<graph::EqualOp>(c, outSize, i64Constant(c, {1}, {}));
      src = select(single, f(0), mul(j, div(f(n - 1), sub(mul(scale, f(n)), f(1)))));
      break;
    }
    case CoordinateTransform::asymmetric:
      src = div(j, scale);
      break;
    default: // tf_half_pixel_for_nn
      src = div(add(j, f(0.5)), scale);
      break;
    }
    }
    auto toIndex = [&](Value v) { // clamped to the input
      Value i = castTo(c, v, i64);
      return binary<graph::MinOp>(c, binary<graph::MaxOp>(c, i, i64Constant(c, {0}, {})), i64Constant(c, {n - 1}, {}));
    };
    SmallVector<std::pair<Value, Value>> taps; // (index, weight or null)
    if (mode == graph::ResizeMode::nearest) {
      Value r;
      if (nearest == graph::NearestMode::floor) r = floorOf(src);
      else if (nearest == graph::NearestMode::ceil) r = ceilOf(src);
      else if (nearest == graph::NearestMode::round_prefer_ceil) r = floorOf(add(src, f(0.5)));
      else r = ceilOf(sub(src, f(0.5)));
      taps.push_back({toIndex(r), Value()});
    } else if (mode == graph::ResizeMode::cubic) {
      // x0 = ceil(x) - 1 keeps t = x - x0 in (0, 1] (the reference prefers the left pixel).
      Value x0 = sub(ceilOf(src), f(1));
      Value t = sub(src, x0), u = sub(f(1), t);
      double a = cubicA;
      auto far = [&](Value s) { // ((A s - 5A) s + 8A) s - 4A, s in [1, 2]
        return sub(mul(add(mul(sub(mul(f(a), s), f(5 * a)), s), f(8 * a)), s), f(4 * a));
      };
      auto near = [&](Value s) { // ((A + 2) s - (A + 3)) s s + 1, s in [0, 1]
        return add(mul(mul(sub(mul(f(a + 2), s), f(a + 3)), s), s), f(1));
      };
      SmallVector<Value> weights = {far(add(t, f(1))), near(t), near(u), far(add(u, f(1)))};
      SmallVector<Value> where;
      for (int k = 0; k < 4; ++k)
        where.push_back(add(x0, f(k - 1)));
      if (excludeOutside) { // zero the taps outside, then renormalize
        Value total = f(0);
        for (int k = 0; k < 4; ++k) {
          Value inside = binary<graph::AndOp>(c, binary<graph::GreaterOrEqualOp>(c, where[k], f(0)),
                                              binary<graph::LessOrEqualOp>(c, where[k], f(n - 1)));
          weights[k] = select(inside, weights[k], f(0));
          total = add(total, weights[k]);
        }
        for (int k = 0; k < 4; ++k)
          weights[k] = div(weights[k], total);
      }
      for (int k = 0; k < 4; ++k)
        taps.push_back({toIndex(where[k]), weights[k]});
    } else { // linear
      Value x0 = floorOf(src);
      Value w1 = sub(src, x0);
      taps.push_back({toIndex(x0), sub(f(1), w1)});
      taps.push_back({toIndex(add(x0, f(1))), w1});
    }
    SmallVector<int64_t> along(rank, 1);
    along[d] = ShapedType::kDynamic;
    Value sum;
    for (auto [index, weight] : taps) {
      Value part = graph::GatherOp::create(c.b, c.loc, data, index, d);
      if (weight)
        part = mul(part, graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(along, f64), weight, Value()));
      sum = sum ? add(sum, part) : part;
    }
    if (inside) {
      Value mask = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(along, i1), inside, Value());
      sum = graph::WhereOp::create(c.b, c.loc, mask, sum, f(crop->extrapolation));
    }
    data = sum;
  }
  return castTo(c, data, in.getElementType());
}

} // namespace tessera::onnx
