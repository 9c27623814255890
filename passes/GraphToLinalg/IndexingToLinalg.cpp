//===- IndexingToLinalg.cpp - gathers, scatters, scans, top-k, pad -> linalg ---===//
//
// Data-dependent addressing becomes linalg.generic ops that read through tensor.extract. Scatters
// iterate over the output (parallel) and the updates (reduction) and pick matching updates, so
// duplicates resolve in row-major update order as ONNX specifies, without loops outside linalg;
// the cost is |output| x |updates|. TopK ranks every element against its row, also quadratic in the
// axis length, which is fine for the small k-selection rows models use.
//
#include "passes/GraphToLinalg/IndexingPatterns.h"
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {


SmallVector<int64_t> range(int64_t begin, int64_t end) {
  return llvm::to_vector(llvm::seq<int64_t>(begin, end));
}

/// Combines an update into the accumulated value for ScatterElements / ScatterND.
Value combine(OpBuilder &b, Location loc, ScatterReduction reduction, Value acc, Value upd, bool isUnsignedInt) {
  bool f = isa<FloatType>(acc.getType());
  if (reduction == ScatterReduction::add)
    return f ? (Value)arith::AddFOp::create(b, loc, acc, upd) : (Value)arith::AddIOp::create(b, loc, acc, upd);
  if (reduction == ScatterReduction::mul)
    return f ? (Value)arith::MulFOp::create(b, loc, acc, upd) : (Value)arith::MulIOp::create(b, loc, acc, upd);
  if (reduction == ScatterReduction::max)
    return f ? (Value)arith::MaximumFOp::create(b, loc, acc, upd)
             : isUnsignedInt ? (Value)arith::MaxUIOp::create(b, loc, acc, upd) : (Value)arith::MaxSIOp::create(b, loc, acc, upd);
  if (reduction == ScatterReduction::min)
    return f ? (Value)arith::MinimumFOp::create(b, loc, acc, upd)
             : isUnsignedInt ? (Value)arith::MinUIOp::create(b, loc, acc, upd) : (Value)arith::MinSIOp::create(b, loc, acc, upd);
  return upd;
}

/// True on the first iteration of the reduction dims [from, to): where a scatter starts from the
/// data. Reading the data as an input (not as the initial value of the result) keeps the result
/// independent of how the output is later split into workgroups.
Value firstIteration(OpBuilder &b, Location loc, int64_t from, int64_t to) {
  Value first = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (int64_t d = from; d < to; ++d)
    first = arith::AndIOp::create(b, loc, first, eqIndex(b, loc, linalg::IndexOp::create(b, loc, d), zero));
  return first;
}

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    auto dataType = staticType(getTypeConverter(), op.getData());
    if (!type || !dataType)
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), axis = op.getAxis();
    Value data = adaptor.getData();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getIndices()}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis ? normalizeIndex(b, l, a[0], dataType.getDimSize(axis))
                                       : (Value)linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    // The data (and so the result) may have dims known only at run time (MaxUnpool's run-time output_shape);
    // the updates' are the loops that search them.
    auto type = dyn_cast<RankedTensorType>(getTypeConverter()->convertType(op.getOutput().getType()));
    auto updType = staticType(getTypeConverter(), op.getUpdates());
    if (!type || !updType)
      return unsupported(rewriter, op, "needs static update and index shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), axis = op.getAxis();
    // Loops: output dims [0, rank), update dims [rank, 2 * rank).
    if (updType.getNumElements() == 0) {
      rewriter.replaceOp(op, adaptor.getData());
      return success();
    }
    auto updMap = dimsMap(rewriter, 2 * rank, range(rank, 2 * rank));
    auto outMap = dimsMap(rewriter, 2 * rank, range(0, rank));
    SmallVector<AffineMap> maps = {updMap, updMap, outMap, outMap};
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, adaptor.getData());
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    Value axisSize = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[axis]);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.append(rank, utils::IteratorType::reduction);
    ScatterReduction reduction = op.getReduction();
    bool u = isUnsigned(op.getData());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getIndices(), adaptor.getUpdates(), adaptor.getData()},
        ValueRange{init}, maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value acc = arith::SelectOp::create(b, l, firstIteration(b, l, rank, 2 * rank), a[2], a[3]);
          Value match = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          for (int64_t d = 0; d < rank; ++d) {
            Value out = linalg::IndexOp::create(b, l, d);
            Value target = d == axis ? normalizeIndex(b, l, a[0], axisSize)
                                     : (Value)linalg::IndexOp::create(b, l, rank + d);
            match = arith::AndIOp::create(b, l, match, eqIndex(b, l, out, target));
          }
          Value updated = combine(b, l, reduction, acc, a[1], u);
          linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, match, updated, acc).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    auto dataType = staticType(getTypeConverter(), op.getData());
    auto idxType = staticType(getTypeConverter(), op.getIndices());
    if (!type || !dataType || !idxType)
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), batch = op.getBatchDims(), q = idxType.getRank();
    int64_t k = idxType.getDimSize(q - 1);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          // Output dims: indices dims [0, q - 1), then data dims [batch + k, data rank).
          SmallVector<Value> idxCoords, coords;
          for (int64_t d = 0; d < q - 1; ++d)
            idxCoords.push_back(linalg::IndexOp::create(b, l, d));
          for (int64_t d = 0; d < batch; ++d)
            coords.push_back(idxCoords[d]);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(idxCoords);
            at.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value v = tensor::ExtractOp::create(b, l, indices, at);
            coords.push_back(normalizeIndex(b, l, v, dataType.getDimSize(batch + j)));
          }
          for (int64_t d = q - 1; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    auto idxType = staticType(getTypeConverter(), op.getIndices());
    if (!type || !idxType || !staticType(getTypeConverter(), op.getUpdates()))
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), q = idxType.getRank(), k = idxType.getDimSize(q - 1);
    int64_t loops = rank + q - 1;
    // Loops: output dims [0, rank), update index dims [rank, loops). An update element's trailing
    // dims are the output's dims [k, rank).
    SmallVector<int64_t> updDims = range(rank, loops);
    llvm::append_range(updDims, range(k, rank));
    if (cast<RankedTensorType>(adaptor.getUpdates().getType()).getNumElements() == 0) {
      rewriter.replaceOp(op, adaptor.getData());
      return success();
    }
    auto outMap = dimsMap(rewriter, loops, range(0, rank));
    SmallVector<AffineMap> maps = {dimsMap(rewriter, loops, updDims), outMap, outMap};
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.append(q - 1, utils::IteratorType::reduction);
    Value indices = adaptor.getIndices();
    ScatterReduction reduction = op.getReduction();
    bool u = isUnsigned(op.getData());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getUpdates(), adaptor.getData()}, ValueRange{init},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value acc = arith::SelectOp::create(b, l, firstIteration(b, l, rank, loops), a[1], a[2]);
          SmallVector<Value> at;
          for (int64_t d = rank; d < loops; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          Value match = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> coord(at);
            coord.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value v = tensor::ExtractOp::create(b, l, indices, coord);
            Value target = normalizeIndex(b, l, v, type.getDimSize(j));
            match = arith::AndIOp::create(b, l, match, eqIndex(b, l, linalg::IndexOp::create(b, l, j), target));
          }
          Value updated = combine(b, l, reduction, acc, a[0], u);
          linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, match, updated, acc).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CumSumOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    if (!type)
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), axis = op.getAxis();
    Type elem = type.getElementType();
    bool f = isa<FloatType>(elem), exclusive = op.getExclusive(), reverse = op.getReverse();
    // Loops: output dims [0, rank) and the summed position `rank` along the axis.
    SmallVector<int64_t> inDims = range(0, rank);
    inDims[axis] = rank;
    SmallVector<AffineMap> maps = {dimsMap(rewriter, rank + 1, inDims), dimsMap(rewriter, rank + 1, range(0, rank))};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value init = buildFilled(rewriter, loc, type, f ? (TypedAttr)rewriter.getFloatAttr(elem, 0) : (TypedAttr)rewriter.getIntegerAttr(elem, 0));
    auto pred = reverse ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
                        : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getInput()}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value k = linalg::IndexOp::create(b, l, rank), i = linalg::IndexOp::create(b, l, axis);
          Value take = arith::CmpIOp::create(b, l, pred, k, i);
          Value sum = f ? (Value)arith::AddFOp::create(b, l, a[1], a[0]) : (Value)arith::AddIOp::create(b, l, a[1], a[0]);
          linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, take, sum, a[1]).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = staticType(getTypeConverter(), op.getInput());
    auto valType = staticType(getTypeConverter(), op.getValues());
    auto idxType = staticType(getTypeConverter(), op.getIndices());
    if (!inType || !valType || !idxType)
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t rank = inType.getRank(), axis = op.getAxis();
    Type elem = inType.getElementType();
    bool f = isa<FloatType>(elem), largest = op.getLargest(), u = isUnsigned(op.getInput());
    Value x = adaptor.getInput();
    // rank[i] = how many elements of i's row come before it: better values, or equal at a lower index.
    SmallVector<int64_t> other = range(0, rank);
    other[axis] = rank;
    auto rankType = RankedTensorType::get(inType.getShape(), rewriter.getI64Type());
    Value zeros = buildFilled(rewriter, loc, rankType, rewriter.getI64IntegerAttr(0));
    SmallVector<AffineMap> rankMaps = {dimsMap(rewriter, rank + 1, range(0, rank)), dimsMap(rewriter, rank + 1, other),
                                       dimsMap(rewriter, rank + 1, range(0, rank))};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value ranks = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rankType}, ValueRange{x, x}, ValueRange{zeros}, rankMaps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value xi = a[0], xj = a[1];
          Value better, equal;
          if (f) {
            better = arith::CmpFOp::create(b, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, xj, xi);
            equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, xj, xi);
          } else {
            auto gt = u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
            auto lt = u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
            better = arith::CmpIOp::create(b, l, largest ? gt : lt, xj, xi);
            equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, xj, xi);
          }
          Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, linalg::IndexOp::create(b, l, rank),
                                                linalg::IndexOp::create(b, l, axis));
          Value before = arith::OrIOp::create(b, l, better, arith::AndIOp::create(b, l, equal, earlier));
          Value one = arith::ExtUIOp::create(b, l, b.getI64Type(), before);
          linalg::YieldOp::create(b, l, arith::AddIOp::create(b, l, a[2], one).getResult());
        })
                      .getResult(0);
    // Output position p along the axis takes the element whose rank is p.
    Value values = tensor::EmptyOp::create(rewriter, loc, valType.getShape(), elem);
    Value indices = buildFilled(rewriter, loc, idxType, rewriter.getI64IntegerAttr(0));
    SmallVector<AffineMap> selMaps = {dimsMap(rewriter, rank + 1, other), dimsMap(rewriter, rank + 1, other),
                                      dimsMap(rewriter, rank + 1, range(0, rank)), dimsMap(rewriter, rank + 1, range(0, rank))};
    auto select = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{x, ranks}, ValueRange{values, indices}, selMaps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value j = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, rank));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[1], p);
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, hit, a[0], a[2]),
                                                   arith::SelectOp::create(b, l, hit, j, a[3])});
        });
    rewriter.replaceOp(op, select.getResults());
    return success();
  }
};

/// Pad in every mode: each output element reads the input at its position minus the begin pad,
/// replaced by `value` (constant), clamped (edge) or mirrored (reflect) outside the input.
struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    auto inType = staticType(getTypeConverter(), op.getInput());
    if (!type || !inType)
      return unsupported(rewriter, op, "needs static shapes");
    PadMode mode = op.getMode();
    if (mode != PadMode::constant && llvm::any_of(inType.getShape(), [](int64_t d) { return d == 0; }))
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << stringifyPadMode(mode) << " padding of an empty tensor";
      });
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Type elem = type.getElementType();
    Value input = adaptor.getInput();
    if (adaptor.getValue() && cast<RankedTensorType>(adaptor.getValue().getType()).getRank() != 0)
      return unsupported(rewriter, op, "expects a scalar pad value");
    // Growing by a constant value is a tensor.pad, which every target lowers as a copy into a filled
    // result (and the CPU splits); cropping, reflecting and repeating edges read clamped indices.
    DenseElementsAttr constantValue;
    if (mode == PadMode::constant && llvm::all_of(op.getPads(), [](int64_t p) { return p >= 0; }) &&
        (!adaptor.getValue() || (matchPattern(adaptor.getValue(), m_Constant(&constantValue)) &&
                                 constantValue.isSplat()))) {
      SmallVector<OpFoldResult> low, high;
      for (int64_t d = 0; d < rank; ++d) {
        low.push_back(rewriter.getIndexAttr(op.getPads()[d]));
        high.push_back(rewriter.getIndexAttr(op.getPads()[d + rank]));
      }
      Value padValue = constantValue
                           ? (Value)arith::ConstantOp::create(rewriter, loc, constantValue.getSplatValue<TypedAttr>())
                           : scalarConstant(rewriter, loc, elem, 0);
      rewriter.replaceOp(op, tensor::PadOp::create(rewriter, loc, type, input, low, high, padValue).getResult());
      return success();
    }
    Value pad = adaptor.getValue()
                    ? (Value)tensor::ExtractOp::create(rewriter, loc, adaptor.getValue(), ValueRange{})
                    : scalarConstant(rewriter, loc, elem, 0);
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          Value inside = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          SmallVector<Value> coords;
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d) {
            int64_t n = inType.getDimSize(d);
            Value src = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, d),
                                              arith::ConstantIndexOp::create(b, l, op.getPads()[d]));
            Value last = arith::ConstantIndexOp::create(b, l, std::max<int64_t>(n - 1, 0));
            Value low = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, src, zero);
            Value high = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, src, last);
            if (mode == PadMode::reflect) {
              src = arith::SelectOp::create(b, l, low, arith::SubIOp::create(b, l, zero, src), src);
              Value twice = arith::ConstantIndexOp::create(b, l, 2 * (n - 1));
              src = arith::SelectOp::create(b, l, high, arith::SubIOp::create(b, l, twice, src), src);
            } else if (mode == PadMode::constant) {
              inside = arith::AndIOp::create(b, l, inside, arith::XOrIOp::create(b, l, arith::OrIOp::create(b, l, low, high),
                                                                                  arith::ConstantOp::create(b, l, b.getBoolAttr(true))));
            }
            coords.push_back(arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, src, last), zero));
          }
          Value v = inType.getNumElements() ? (Value)tensor::ExtractOp::create(b, l, input, coords) : pad;
          if (mode == PadMode::constant)
            v = arith::SelectOp::create(b, l, inside, v, pad);
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateIndexingToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherElementsLowering, ScatterElementsLowering, GatherNDLowering, ScatterNDLowering,
               CumSumLowering, TopKLowering, PadLowering>(converter, patterns.getContext());
}

} // namespace tessera
