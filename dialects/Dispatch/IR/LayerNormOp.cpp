//===- LayerNormOp.cpp - verifier, row tiling and decomposition ------------===//
//
// A tile of tdisp.layer_norm is a set of whole rows: the normalized dims are reduction loops, so a
// tile takes them whole whatever it is asked for. Decomposed, a tile's rows are read three times (the
// sum, the squared deviations, the normalization) while they are in cache, and its per-row temporaries
// are as small as the tile.
//
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Dispatch/IR/KernelOpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace tessera::dispatch;

LogicalResult LayerNormOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType()), init = cast<RankedTensorType>(getInit().getType());
  int64_t rank = input.getRank(), axis = getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  if (!isa<FloatType>(input.getElementType()))
    return emitOpError("expects a float input");
  if (init.getRank() != rank || init.getElementType() != input.getElementType() ||
      !llvm::all_of(llvm::zip(input.getShape(), init.getShape()),
                    [](auto p) { return compatibleSizes(std::get<0>(p), std::get<1>(p)); }))
    return emitOpError("init ") << init << " does not have the input's shape and elements";
  for (Value v : {getScale(), getBias()}) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getElementType() != input.getElementType() || type.getRank() != rank - axis ||
        !llvm::all_of(llvm::zip(type.getShape(), input.getShape().drop_front(axis)),
                      [](auto p) { return compatibleSizes(std::get<0>(p), std::get<1>(p)); }))
      return emitOpError("scale and bias must have the normalized dims of the input, got ") << type;
  }
  return verifyDestinationForm(*this, getInit());
}

LogicalResult LayerNormOp::reifyResultShapes(OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyInitShape(b, *this, getInit(), shapes);
}

//===----------------------------------------------------------------------===//
// TilingInterface
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> LayerNormOp::getLoopIteratorTypes() {
  int64_t rank = cast<ShapedType>(getInit().getType()).getRank(), axis = getAxis();
  SmallVector<utils::IteratorType> iterators(axis, utils::IteratorType::parallel);
  iterators.append(rank - axis, utils::IteratorType::reduction);
  return iterators;
}

SmallVector<Range> LayerNormOp::getIterationDomain(OpBuilder &b) {
  SmallVector<Range> domain;
  for (int64_t d = 0, e = cast<ShapedType>(getInit().getType()).getRank(); d < e; ++d)
    domain.push_back({b.getIndexAttr(0), mixedDim(b, getLoc(), getInit(), d), b.getIndexAttr(1)});
  return domain;
}

/// `offsets` and `sizes` of a tile with its normalized dims made whole.
static void wholeRows(OpBuilder &b, LayerNormOp op, ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                      SmallVector<OpFoldResult> &rowOffsets, SmallVector<OpFoldResult> &rowSizes) {
  int64_t axis = op.getAxis();
  rowOffsets.assign(offsets.begin(), offsets.begin() + axis);
  rowSizes.assign(sizes.begin(), sizes.begin() + axis);
  for (int64_t d = axis, e = offsets.size(); d < e; ++d) {
    rowOffsets.push_back(b.getIndexAttr(0));
    rowSizes.push_back(mixedDim(b, op.getLoc(), op.getInit(), d));
  }
}

FailureOr<TilingResult> LayerNormOp::getTiledImplementation(OpBuilder &b, ArrayRef<OpFoldResult> offsets,
                                                            ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> rowOffsets, rowSizes;
  wholeRows(b, *this, offsets, sizes, rowOffsets, rowSizes);
  SmallVector<OpFoldResult> ones(rowOffsets.size(), b.getIndexAttr(1));
  Location loc = getLoc();
  auto input = tensor::ExtractSliceOp::create(b, loc, getInput(), rowOffsets, rowSizes, ones);
  auto init = tensor::ExtractSliceOp::create(b, loc, getInit(), rowOffsets, rowSizes, ones);
  auto tiled = LayerNormOp::create(b, loc, TypeRange{init.getType()}, input, getScale(), getBias(), init,
                                   getAxisAttr(), getEpsilonAttr());
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), {input, init}};
}

LogicalResult LayerNormOp::getResultTilePosition(OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
                                                 ArrayRef<OpFoldResult> sizes,
                                                 SmallVector<OpFoldResult> &resultOffsets,
                                                 SmallVector<OpFoldResult> &resultSizes) {
  wholeRows(b, *this, offsets, sizes, resultOffsets, resultSizes);
  return success();
}

FailureOr<TilingResult> LayerNormOp::generateResultTileValue(OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
                                                             ArrayRef<OpFoldResult> sizes) {
  return getTiledImplementation(b, offsets, sizes); // the iteration space is the result's
}

//===----------------------------------------------------------------------===//
// AggregatedOpInterface
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> LayerNormOp::decomposeOperation(OpBuilder &b) {
  Location loc = getLoc();
  Value x = getInput();
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  int64_t rank = type.getRank(), axis = getAxis();
  MLIRContext *ctx = b.getContext();

  // Per-row temporaries over the rows' dims, and 1 / (elements per row).
  SmallVector<OpFoldResult> rowSizes;
  for (int64_t d = 0; d < axis; ++d)
    rowSizes.push_back(tensor::getMixedSize(b, loc, x, d));
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = axis; d < rank; ++d)
    count = b.createOrFold<arith::MulIOp>(
        loc, count, getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, x, d)));
  Value countInt = b.createOrFold<arith::IndexCastUIOp>(loc, b.getI64Type(), count);
  Value countFloat = b.createOrFold<arith::UIToFPOp>(loc, elem, countInt);
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 1.0));
  Value inverseCount = b.createOrFold<arith::DivFOp>(loc, one, countFloat);
  Value epsilon = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, getEpsilon().convertToDouble()));
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0));
  auto rowsTensor = [&]() { return tensor::EmptyOp::create(b, loc, rowSizes, elem).getResult(); };
  auto zeros = [&]() { return linalg::FillOp::create(b, loc, zero, rowsTensor()).getResult(0); };

  SmallVector<AffineExpr> rowExprs, normalizedExprs;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? rowExprs : normalizedExprs).push_back(getAffineDimExpr(d, ctx));
  AffineMap all = b.getMultiDimIdentityMap(rank), rows = AffineMap::get(rank, 0, rowExprs, ctx),
            normalized = AffineMap::get(rank, 0, normalizedExprs, ctx), rowsOnly = b.getMultiDimIdentityMap(axis);
  SmallVector<utils::IteratorType> reduce = getLoopIteratorTypes(),
                                   parallel(rank, utils::IteratorType::parallel),
                                   rowParallel(axis, utils::IteratorType::parallel);

  auto rowsType = RankedTensorType::get(type.getShape().take_front(axis), elem);
  // A generic of one result whose body computes `yield` from its block arguments.
  auto generic = [&](Type resultType, ValueRange ins, Value init, ArrayRef<AffineMap> maps,
                     ArrayRef<utils::IteratorType> iterators,
                     function_ref<Value(OpBuilder &, Location, ValueRange)> yield) {
    return linalg::GenericOp::create(b, loc, TypeRange{resultType}, ins, ValueRange{init}, maps, iterators,
                                     [&](OpBuilder &nb, Location l, ValueRange a) {
                                       linalg::YieldOp::create(nb, l, yield(nb, l, a));
                                     })
        .getResult(0);
  };
  Value sum = generic(rowsType, x, zeros(), {all, rows}, reduce, [](OpBuilder &nb, Location l, ValueRange a) {
    return arith::AddFOp::create(nb, l, a[1], a[0]).getResult();
  });
  Value mean = generic(rowsType, sum, rowsTensor(), {rowsOnly, rowsOnly}, rowParallel,
                       [&](OpBuilder &nb, Location l, ValueRange a) {
                         return arith::MulFOp::create(nb, l, a[0], inverseCount).getResult();
                       });
  Value squares = generic(rowsType, {x, mean}, zeros(), {all, rows, rows}, reduce,
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                            return arith::AddFOp::create(nb, l, a[2], arith::MulFOp::create(nb, l, d, d)).getResult();
                          });
  Value reciprocal = generic(rowsType, squares, rowsTensor(), {rowsOnly, rowsOnly}, rowParallel,
                             [&](OpBuilder &nb, Location l, ValueRange a) {
                               Value variance = arith::MulFOp::create(nb, l, a[0], inverseCount);
                               Value shifted = arith::AddFOp::create(nb, l, variance, epsilon);
                               Value root = math::SqrtOp::create(nb, l, shifted);
                               return arith::DivFOp::create(nb, l, one, root).getResult();
                             });
  Value result = generic(getInit().getType(), {x, mean, reciprocal, getScale(), getBias()}, getInit(),
                         {all, rows, rows, normalized, normalized, all}, parallel,
                         [](OpBuilder &nb, Location l, ValueRange a) {
                           Value centered = arith::SubFOp::create(nb, l, a[0], a[1]);
                           Value standardized = arith::MulFOp::create(nb, l, centered, a[2]);
                           Value scaled = arith::MulFOp::create(nb, l, standardized, a[3]);
                           return arith::AddFOp::create(nb, l, scaled, a[4]).getResult();
                         });
  return SmallVector<Value>{result};
}
