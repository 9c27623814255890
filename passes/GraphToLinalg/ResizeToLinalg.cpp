//===- ResizeToLinalg.cpp - tgraph.resize -> linalg.generic ----------------===//
//
// Each output element maps back to a source position per resized dim (the coordinate transform),
// then reads the nearest input element or blends the 2^n (n-linear) or 4^n (n-cubic) neighbours
// through tensor.extract, clamped to the edge. Dims that keep their size and scale 1 are copied.
//
#include "passes/GraphToLinalg/IndexingPatterns.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = rankedType(getTypeConverter(), op.getInput());
    auto type = rankedType(getTypeConverter(), op.getResult());
    if (!inType || !type || !inType.hasStaticShape() || !type.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return unsupported(rewriter, op, "needs static shapes and a float element type");
    ResizeMode mode = op.getMode();
    CoordinateTransform ctm = op.getCoordinateTransformationMode();
    NearestMode nearest = op.getNearestMode();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Type elem = type.getElementType();
    Value input = adaptor.getInput();
    ArrayRef<double> scales = op.getScales();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          Type f64 = b.getF64Type();
          auto fc = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v)); };
          auto toIndex = [&](Value f, int64_t size) -> Value { // clamped to the input
            Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), arith::FPToSIOp::create(b, l, b.getI64Type(), f));
            Value zero = arith::ConstantIndexOp::create(b, l, 0), last = arith::ConstantIndexOp::create(b, l, size - 1);
            return arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, i, last), zero);
          };
          // Per dim: the taps (index, weight); one tap of weight 1 when not interpolated.
          SmallVector<SmallVector<std::pair<Value, Value>>> taps(rank);
          for (int64_t d = 0; d < rank; ++d) {
            Value out = linalg::IndexOp::create(b, l, d);
            int64_t inSize = inType.getDimSize(d), outSize = type.getDimSize(d);
            if (inSize == outSize && scales[d] == 1.0) {
              taps[d].push_back({out, Value()});
              continue;
            }
            Value x = arith::SIToFPOp::create(b, l, f64, arith::IndexCastOp::create(b, l, b.getI64Type(), out));
            double scale = scales[d];
            if (ctm == CoordinateTransform::half_pixel || (ctm == CoordinateTransform::pytorch_half_pixel && outSize > 1))
              x = arith::SubFOp::create(b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)), fc(scale)), fc(0.5));
            else if (ctm == CoordinateTransform::pytorch_half_pixel)
              x = fc(0);
            else if (ctm == CoordinateTransform::align_corners) // ONNX uses the unrounded resized length in * scale
              x = outSize == 1 ? fc(0) : (Value)arith::MulFOp::create(b, l, x, fc(double(inSize - 1) / (inSize * scale - 1)));
            else if (ctm == CoordinateTransform::asymmetric)
              x = arith::DivFOp::create(b, l, x, fc(scale));
            else // tf_half_pixel_for_nn
              x = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)), fc(scale));
            if (mode == ResizeMode::nearest) {
              Value r;
              if (nearest == NearestMode::floor) r = math::FloorOp::create(b, l, x);
              else if (nearest == NearestMode::ceil) r = math::CeilOp::create(b, l, x);
              else if (nearest == NearestMode::round_prefer_ceil) r = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)));
              else r = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, x, fc(0.5)));
              taps[d].push_back({toIndex(r, inSize), Value()});
              continue;
            }
            if (mode == ResizeMode::cubic) {
              // x0 = ceil(x) - 1 keeps t = x - x0 in (0, 1] (the reference prefers the left pixel).
              Value x0 = arith::SubFOp::create(b, l, math::CeilOp::create(b, l, x), fc(1));
              Value t = arith::SubFOp::create(b, l, x, x0);
              double a = op.getCubicCoeffA().convertToDouble();
              auto far = [&](Value s) { // ((A s - 5A) s + 8A) s - 4A, s in [1, 2]
                Value r = arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, fc(a), s), fc(5 * a));
                r = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, r, s), fc(8 * a));
                return (Value)arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, r, s), fc(4 * a));
              };
              auto near = [&](Value s) { // ((A + 2) s - (A + 3)) s s + 1, s in [0, 1]
                Value r = arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, fc(a + 2), s), fc(a + 3));
                return (Value)arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, r, s), s), fc(1));
              };
              Value u = arith::SubFOp::create(b, l, fc(1), t);
              SmallVector<Value> weights = {far(arith::AddFOp::create(b, l, t, fc(1))), near(t), near(u),
                                            far(arith::AddFOp::create(b, l, u, fc(1)))};
              SmallVector<Value> positions;
              for (int k = 0; k < 4; ++k)
                positions.push_back(arith::AddFOp::create(b, l, x0, fc(k - 1)));
              if (op.getExcludeOutside()) { // zero the taps outside, then renormalize
                Value total = fc(0);
                for (int k = 0; k < 4; ++k) {
                  Value in = arith::AndIOp::create(
                      b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, positions[k], fc(0)),
                      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, positions[k], fc(inSize - 1)));
                  weights[k] = arith::SelectOp::create(b, l, in, weights[k], fc(0));
                  total = arith::AddFOp::create(b, l, total, weights[k]);
                }
                for (int k = 0; k < 4; ++k)
                  weights[k] = arith::DivFOp::create(b, l, weights[k], total);
              }
              for (int k = 0; k < 4; ++k)
                taps[d].push_back({toIndex(positions[k], inSize), weights[k]});
              continue;
            }
            Value x0 = math::FloorOp::create(b, l, x);
            Value w1 = arith::SubFOp::create(b, l, x, x0);
            Value w0 = arith::SubFOp::create(b, l, fc(1), w1);
            taps[d].push_back({toIndex(x0, inSize), w0});
            taps[d].push_back({toIndex(arith::AddFOp::create(b, l, x0, fc(1)), inSize), w1});
          }
          // Sum over the cartesian product of the taps.
          Value acc;
          SmallVector<size_t> pick(rank, 0);
          while (true) {
            SmallVector<Value> coords;
            Value weight;
            for (int64_t d = 0; d < rank; ++d) {
              auto [idx, w] = taps[d][pick[d]];
              coords.push_back(idx);
              if (w)
                weight = weight ? (Value)arith::MulFOp::create(b, l, weight, w) : w;
            }
            Value v = tensor::ExtractOp::create(b, l, input, coords);
            if (weight) {
              Value vf = elem == f64 ? v : (Value)arith::ExtFOp::create(b, l, f64, v); // blend in f64
              v = arith::MulFOp::create(b, l, vf, weight);
            }
            acc = acc ? (Value)arith::AddFOp::create(b, l, acc, v) : v;
            int64_t d = rank - 1;
            while (d >= 0 && ++pick[d] == taps[d].size())
              pick[d--] = 0;
            if (d < 0)
              break;
          }
          if (acc.getType() != elem)
            acc = arith::TruncFOp::create(b, l, elem, acc);
          linalg::YieldOp::create(b, l, acc);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// GridSample with PyTorch's grid_sampler semantics (which the ONNX reference outputs follow):
/// bilinear/nearest pad the source coordinate, bicubic pads each tap; taps outside read zero.
struct GridSampleLowering : OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GridSampleOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = rankedType(getTypeConverter(), op.getInput());
    auto type = rankedType(getTypeConverter(), op.getResult());
    if (!inType || !type || !inType.hasStaticShape() || !type.hasStaticShape() || inType.getRank() != 4 ||
        !isa<FloatType>(type.getElementType()))
      return unsupported(rewriter, op, "needs static 4-D float shapes");
    GridSampleMode mode = op.getMode();
    GridSamplePadding padding = op.getPaddingMode();
    bool align = op.getAlignCorners();
    Location loc = op.getLoc();
    Type elem = type.getElementType();
    Value input = adaptor.getInput(), grid = adaptor.getGrid();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(4)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          auto fc = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getFloatAttr(elem, v)); };
          auto add = [&](Value x, Value y) -> Value { return arith::AddFOp::create(b, l, x, y); };
          auto sub = [&](Value x, Value y) -> Value { return arith::SubFOp::create(b, l, x, y); };
          auto mul = [&](Value x, Value y) -> Value { return arith::MulFOp::create(b, l, x, y); };
          auto clip = [&](Value x, int64_t size) -> Value {
            return arith::MinimumFOp::create(b, l, arith::MaximumFOp::create(b, l, x, fc(0)), fc(size - 1));
          };
          auto reflect = [&](Value x, int64_t size) -> Value {
            double lo = align ? 0 : -0.5, span = align ? size - 1 : size;
            if (span <= 0)
              return fc(0);
            Value in = math::AbsFOp::create(b, l, sub(x, fc(lo)));
            Value flips = math::FloorOp::create(b, l, arith::DivFOp::create(b, l, in, fc(span)));
            Value extra = arith::RemFOp::create(b, l, in, fc(span));
            Value even = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, arith::RemFOp::create(b, l, flips, fc(2)), fc(0));
            return arith::SelectOp::create(b, l, even, add(extra, fc(lo)), add(sub(fc(span), extra), fc(lo)));
          };
          auto pad = [&](Value x, int64_t size) -> Value {
            if (padding == GridSamplePadding::border)
              return clip(x, size);
            if (padding == GridSamplePadding::reflection)
              return clip(reflect(x, size), size);
            return x;
          };
          Value n = linalg::IndexOp::create(b, l, 0), ch = linalg::IndexOp::create(b, l, 1);
          Value ho = linalg::IndexOp::create(b, l, 2), wo = linalg::IndexOp::create(b, l, 3);
          auto gridAt = [&](int64_t k) -> Value {
            return tensor::ExtractOp::create(b, l, grid, ValueRange{n, ho, wo, arith::ConstantIndexOp::create(b, l, k)});
          };
          int64_t h = inType.getDimSize(2), w = inType.getDimSize(3);
          auto unnormalize = [&](Value g, int64_t size) -> Value {
            if (align)
              return mul(mul(add(g, fc(1)), fc(0.5)), fc(size - 1));
            return mul(sub(mul(add(g, fc(1)), fc(size)), fc(1)), fc(0.5));
          };
          Value x = unnormalize(gridAt(0), w), y = unnormalize(gridAt(1), h);
          // A tap at integral float coordinates: zero outside the input.
          auto tap = [&](Value yf, Value xf) -> Value {
            auto inside = [&](Value v, int64_t size) -> Value {
              Value ge = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, v, fc(0));
              Value le = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, v, fc(size - 1));
              return arith::AndIOp::create(b, l, ge, le);
            };
            Value ok = arith::AndIOp::create(b, l, inside(yf, h), inside(xf, w));
            auto index = [&](Value v, int64_t size) -> Value {
              Value i = arith::FPToSIOp::create(b, l, b.getI64Type(), clip(v, size));
              return arith::IndexCastOp::create(b, l, b.getIndexType(), i);
            };
            Value v = tensor::ExtractOp::create(b, l, input, ValueRange{n, ch, index(yf, h), index(xf, w)});
            return arith::SelectOp::create(b, l, ok, v, fc(0));
          };
          Value result;
          if (mode == GridSampleMode::nearest) {
            result = tap(math::RoundEvenOp::create(b, l, pad(y, h)), math::RoundEvenOp::create(b, l, pad(x, w)));
          } else if (mode == GridSampleMode::bilinear) {
            Value px = pad(x, w), py = pad(y, h);
            Value x0 = math::FloorOp::create(b, l, px), y0 = math::FloorOp::create(b, l, py);
            Value x1 = add(x0, fc(1)), y1 = add(y0, fc(1));
            Value wx1 = sub(px, x0), wy1 = sub(py, y0), wx0 = sub(fc(1), wx1), wy0 = sub(fc(1), wy1);
            result = add(add(mul(mul(wy0, wx0), tap(y0, x0)), mul(mul(wy0, wx1), tap(y0, x1))),
                         add(mul(mul(wy1, wx0), tap(y1, x0)), mul(mul(wy1, wx1), tap(y1, x1))));
          } else { // bicubic, A = -0.75
            double a = -0.75;
            auto coeffs = [&](Value t) {
              auto far = [&](Value s) { // ((A s - 5A) s + 8A) s - 4A for s in [1, 2]
                return sub(mul(add(mul(sub(mul(fc(a), s), fc(5 * a)), s), fc(8 * a)), s), fc(4 * a));
              };
              auto near = [&](Value s) { // ((A + 2) s - (A + 3)) s s + 1 for s in [0, 1]
                return add(mul(mul(sub(mul(fc(a + 2), s), fc(a + 3)), s), s), fc(1));
              };
              Value oneMinus = sub(fc(1), t);
              return SmallVector<Value>{far(add(t, fc(1))), near(t), near(oneMinus), far(add(oneMinus, fc(1)))};
            };
            Value x0 = math::FloorOp::create(b, l, x), y0 = math::FloorOp::create(b, l, y);
            auto cx = coeffs(sub(x, x0)), cy = coeffs(sub(y, y0));
            for (int i = 0; i < 4; ++i) {
              Value row;
              Value yy = pad(add(y0, fc(i - 1)), h);
              for (int j = 0; j < 4; ++j) {
                Value term = mul(cx[j], tap(yy, pad(add(x0, fc(j - 1)), w)));
                row = row ? add(row, term) : term;
              }
              Value term = mul(cy[i], row);
              result = result ? add(result, term) : term;
            }
          }
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// RoiAlign with the reference's bilinear rule: samples beyond one pixel outside read zero, others
/// clamp to the edge.
struct RoiAlignLowering : OpConversionPattern<RoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RoiAlignOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = rankedType(getTypeConverter(), op.getInput());
    auto type = rankedType(getTypeConverter(), op.getResult());
    if (!inType || !type || !inType.hasStaticShape() || !type.hasStaticShape() || inType.getRank() != 4 ||
        !isa<FloatType>(type.getElementType()) || op.getSamplingRatio() <= 0)
      return unsupported(rewriter, op, "needs static 4-D float shapes and a positive sampling ratio");
    Location loc = op.getLoc();
    Type elem = type.getElementType();
    Value input = adaptor.getInput(), rois = adaptor.getRois(), batchIdx = adaptor.getBatchIndices();
    int64_t h = inType.getDimSize(2), w = inType.getDimSize(3), outH = type.getDimSize(2), outW = type.getDimSize(3);
    int64_t grid = op.getSamplingRatio();
    bool halfPixel = op.getHalfPixel();
    double scale = op.getSpatialScale().convertToDouble();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(4)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          auto fc = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getFloatAttr(elem, v)); };
          auto add = [&](Value x, Value y) -> Value { return arith::AddFOp::create(b, l, x, y); };
          auto sub = [&](Value x, Value y) -> Value { return arith::SubFOp::create(b, l, x, y); };
          auto mul = [&](Value x, Value y) -> Value { return arith::MulFOp::create(b, l, x, y); };
          auto toFloat = [&](Value index) -> Value {
            return arith::SIToFPOp::create(b, l, elem, arith::IndexCastOp::create(b, l, b.getI64Type(), index));
          };
          auto toIndex = [&](Value f) -> Value {
            return arith::IndexCastOp::create(b, l, b.getIndexType(), arith::FPToSIOp::create(b, l, b.getI64Type(), f));
          };
          Value r = linalg::IndexOp::create(b, l, 0), ch = linalg::IndexOp::create(b, l, 1);
          Value ph = toFloat(linalg::IndexOp::create(b, l, 2)), pw = toFloat(linalg::IndexOp::create(b, l, 3));
          auto roi = [&](int64_t k) -> Value {
            Value v = tensor::ExtractOp::create(b, l, rois, ValueRange{r, arith::ConstantIndexOp::create(b, l, k)});
            if (v.getType() != elem)
              v = cast<FloatType>(v.getType()).getWidth() > cast<FloatType>(elem).getWidth()
                      ? (Value)arith::TruncFOp::create(b, l, elem, v) : (Value)arith::ExtFOp::create(b, l, elem, v);
            return sub(mul(v, fc(scale)), fc(halfPixel ? 0.5 : 0));
          };
          Value x1 = roi(0), y1 = roi(1), x2 = roi(2), y2 = roi(3);
          Value roiW = sub(x2, x1), roiH = sub(y2, y1);
          if (!halfPixel) {
            roiW = arith::MaximumFOp::create(b, l, roiW, fc(1));
            roiH = arith::MaximumFOp::create(b, l, roiH, fc(1));
          }
          Value binW = mul(roiW, fc(1.0 / outW)), binH = mul(roiH, fc(1.0 / outH));
          Value batch = tensor::ExtractOp::create(b, l, batchIdx, ValueRange{r});
          batch = arith::IndexCastOp::create(b, l, b.getIndexType(), batch);
          auto sample = [&](Value y, Value x) -> Value {
            Value outside = arith::OrIOp::create(
                b, l,
                arith::OrIOp::create(b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, y, fc(-1)),
                                     arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, y, fc(h))),
                arith::OrIOp::create(b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, fc(-1)),
                                     arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, fc(w))));
            // low = min(floor(max(v, 0)), size - 1); high = min(low + 1, size - 1); at the edge v = low.
            auto axis = [&](Value v, int64_t size) {
              v = arith::MaximumFOp::create(b, l, v, fc(0));
              Value low = arith::MinimumFOp::create(b, l, math::FloorOp::create(b, l, v), fc(size - 1));
              Value high = arith::MinimumFOp::create(b, l, add(low, fc(1)), fc(size - 1));
              v = arith::MinimumFOp::create(b, l, v, fc(size - 1));
              Value frac = sub(v, low);
              return std::make_tuple(toIndex(low), toIndex(high), sub(fc(1), frac), frac);
            };
            auto [yl, yh, wy0, wy1] = axis(y, h);
            auto [xl, xh, wx0, wx1] = axis(x, w);
            auto at = [&](Value yi, Value xi) -> Value {
              return tensor::ExtractOp::create(b, l, input, ValueRange{batch, ch, yi, xi});
            };
            Value v = add(add(mul(mul(wy0, wx0), at(yl, xl)), mul(mul(wy0, wx1), at(yl, xh))),
                          add(mul(mul(wy1, wx0), at(yh, xl)), mul(mul(wy1, wx1), at(yh, xh))));
            return arith::SelectOp::create(b, l, outside, fc(0), v);
          };
          Value sum = fc(0);
          for (int64_t iy = 0; iy < grid; ++iy) {
            Value y = add(add(y1, mul(ph, binH)), mul(binH, fc((iy + 0.5) / grid)));
            for (int64_t ix = 0; ix < grid; ++ix) {
              Value x = add(add(x1, mul(pw, binW)), mul(binW, fc((ix + 0.5) / grid)));
              sum = add(sum, sample(y, x));
            }
          }
          linalg::YieldOp::create(b, l, mul(sum, fc(1.0 / (grid * grid))));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateResizeToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering, GridSampleLowering, RoiAlignLowering>(converter, patterns.getContext());
}

} // namespace tessera
