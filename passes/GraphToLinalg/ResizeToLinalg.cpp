//===- ResizeToLinalg.cpp - tgraph.resize -> linalg.generic ----------------===//
//
// Each output element maps back to a source position per resized dim (the coordinate transform),
// then reads the nearest input element or blends the 2^n neighbours (n-linear) through
// tensor.extract. Dims that keep their size and scale 1 are copied index for index.
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
    auto inType = dyn_cast_or_null<RankedTensorType>(getTypeConverter()->convertType(op.getInput().getType()));
    auto type = dyn_cast_or_null<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    if (!inType || !type || !inType.hasStaticShape() || !type.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return op.emitOpError("needs static shapes and a float element type");
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode(), nearest = op.getNearestMode();
    if (mode != "nearest" && mode != "linear")
      return op.emitOpError("mode '") << mode << "' is not supported";
    if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}, ctm))
      return op.emitOpError("coordinate_transformation_mode '") << ctm << "' is not supported";
    if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}, nearest))
      return op.emitOpError("nearest_mode '") << nearest << "' is not supported";
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
            if (ctm == "half_pixel" || (ctm == "pytorch_half_pixel" && outSize > 1))
              x = arith::SubFOp::create(b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)), fc(scale)), fc(0.5));
            else if (ctm == "pytorch_half_pixel")
              x = fc(0);
            else if (ctm == "align_corners") // ONNX uses the unrounded resized length in * scale
              x = outSize == 1 ? fc(0) : (Value)arith::MulFOp::create(b, l, x, fc(double(inSize - 1) / (inSize * scale - 1)));
            else if (ctm == "asymmetric")
              x = arith::DivFOp::create(b, l, x, fc(scale));
            else // tf_half_pixel_for_nn
              x = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)), fc(scale));
            if (mode == "nearest") {
              Value r;
              if (nearest == "floor") r = math::FloorOp::create(b, l, x);
              else if (nearest == "ceil") r = math::CeilOp::create(b, l, x);
              else if (nearest == "round_prefer_ceil") r = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, x, fc(0.5)));
              else r = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, x, fc(0.5)));
              taps[d].push_back({toIndex(r, inSize), Value()});
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

} // namespace

void populateResizeToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}

} // namespace tessera
