//===- PackMatmulWeights.cpp - constant matmul operands -> tdisp.packed_matmul --===//
//
// The sgemm microkernel reads B in panels of NR columns, each K rows deep and contiguous. A constant B
// used to be packed into such panels by every call (and by every workgroup for its columns): for a
// language-model head [256, 50257] that was 40 % of the product's time. Here the panels are laid out
// once, when the model is compiled, into a new weight [ceil(N / NR), K, NR] (zero past the last
// column), and the product becomes `tdisp.packed_matmul`, which the microkernel reads in place.
//
// Matched: f32 multiply-accumulate generics result[b..., i, j] += lhs[b..., i, k] * B[k, j] (or B[j, k],
// a transposed weight) whose B is a 2-D global and whose lhs reads the result's own leading dims in
// order, or in an order that only moves unit dims (then a collapse/expand pair, a view of the same bytes,
// lines it up), or in any other order of its leading dims (then a transpose copies it into the result's
// order first: m x k copies against the product's m x k x n >= 32 m x k multiply-adds; torch's attention
// reads its [sequence, batch, features] input so). A weight that something else also reads stays as well.
//
#include "passes/GlobalOptimization/ConstantWeights.h"
#include "codegen/cpu/Passes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_PACKMATMULWEIGHTS
#include "codegen/cpu/Passes.h.inc"

namespace {

/// Where a matched product's B is and how it is stored.
struct Match {
  graph::GlobalLoadOp load;
  bool transposed = false; // B stored as [N, K]
  // When the lhs lists its leading dims in another order than the result, but only unit dims moved
  // (torch's [1, seq, features] read as [seq, 1, ...]): its shape in the result's order.
  std::optional<SmallVector<int64_t>> alignedLhsShape;
  // When other dims move: the transpose that puts the lhs in the result's order.
  std::optional<SmallVector<int64_t>> lhsPermutation;
};

/// The permutation that transposes an lhs read through `map` into loop order (d0..d{rank-2}, then the
/// reduction), when `map` permutes the leading loops and reads the reduction last.
std::optional<SmallVector<int64_t>> leadingDimsPermutation(AffineMap map, unsigned rank) {
  if (!map.isProjectedPermutation() || map.getNumResults() != rank || map.getDimPosition(rank - 1) != rank)
    return std::nullopt;
  SmallVector<int64_t> permutation(rank, -1);
  for (unsigned p = 0; p + 1 < rank; ++p) {
    unsigned loop = map.getDimPosition(p);
    if (loop >= rank - 1 || permutation[loop] != -1)
      return std::nullopt;
    permutation[loop] = p;
  }
  permutation[rank - 1] = rank - 1;
  return permutation;
}

/// The shape of `lhsType` in the loop order of `map` (lhs dims -> loops d0..d{rank-2}, then the reduction),
/// when the two orders differ only in where the unit dims sit (the other dims keep their order), so the
/// bytes are the same and a reshape lines the lhs up.
std::optional<SmallVector<int64_t>> alignedByUnitDims(AffineMap map, RankedTensorType lhsType, unsigned rank) {
  if (!map.isProjectedPermutation() || map.getNumResults() != rank || !lhsType.hasStaticShape() ||
      map.getDimPosition(rank - 1) != rank)
    return std::nullopt;
  SmallVector<int64_t> shape(rank, 1);
  shape[rank - 1] = lhsType.getDimSize(rank - 1);
  int64_t lastLoop = -1; // of the non-unit dims, which must keep their order
  for (unsigned p = 0; p + 1 < rank; ++p) {
    int64_t loop = map.getDimPosition(p), size = lhsType.getDimSize(p);
    if (loop >= rank - 1 || (size != 1 && loop < lastLoop))
      return std::nullopt;
    shape[loop] = size;
    if (size != 1)
      lastLoop = loop;
  }
  return shape;
}

/// Groups each unit dim of `shape` with the next other dim (the last dim always ends a group): a shape and a
/// reordering of its unit dims collapse to the same shape through these.
SmallVector<ReassociationIndices> unitDimGroups(ArrayRef<int64_t> shape) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices group;
  for (int64_t d = 0, e = shape.size(); d < e; ++d) {
    group.push_back(d);
    if (shape[d] != 1 || d + 1 == e)
      groups.push_back(std::exchange(group, {}));
  }
  return groups;
}

/// `op` as result[b..., i, j] (+)= lhs[b..., i, k] * B[k, j] (or B[j, k]) with B a global load, if it is.
std::optional<Match> matchProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  auto load = op.getDpsInputOperand(1)->get().getDefiningOp<graph::GlobalLoadOp>();
  auto resultType = dyn_cast<RankedTensorType>(op.getResultTypes()[0]);
  if (!load || !resultType || resultType.getRank() < 2)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).getElementType().isF32())
      return std::nullopt;
  // Loops: the result's dims in order, then one reduction.
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  SmallVector<AffineExpr> result, lhs;
  for (unsigned d = 0; d < rank; ++d)
    result.push_back(dim(d));
  lhs.assign(result.begin(), result.end() - 1);
  lhs.push_back(dim(rank));
  if (op.getNumLoops() != rank + 1 || op.getNumReductionLoops() != 1 ||
      maps[2] != AffineMap::get(rank + 1, 0, result, ctx))
    return std::nullopt;
  Match match;
  match.load = load;
  if (maps[0] != AffineMap::get(rank + 1, 0, lhs, ctx)) {
    auto lhsType = dyn_cast<RankedTensorType>(op.getDpsInputOperand(0)->get().getType());
    match.alignedLhsShape = lhsType ? alignedByUnitDims(maps[0], lhsType, rank) : std::nullopt;
    if (!match.alignedLhsShape)
      match.lhsPermutation = leadingDimsPermutation(maps[0], rank);
    if (!match.alignedLhsShape && !match.lhsPermutation)
      return std::nullopt;
  }
  AffineExpr n = dim(rank - 1), k = dim(rank);
  if (maps[1] == AffineMap::get(rank + 1, 0, {n, k}, ctx))
    match.transposed = true;
  else if (maps[1] != AffineMap::get(rank + 1, 0, {k, n}, ctx))
    return std::nullopt;
  return match;
}

/// Panels of `width` columns: packed[q][l][j] = B[l][q * width + j], zero past column n.
std::vector<float> packPanels(ArrayRef<float> b, int64_t k, int64_t n, bool transposed, int64_t width) {
  int64_t panels = llvm::divideCeilSigned(n, width);
  std::vector<float> packed(size_t(panels * k * width), 0.0f);
  for (int64_t q = 0; q < panels; ++q)
    for (int64_t l = 0; l < k; ++l)
      for (int64_t j = 0; j < width && q * width + j < n; ++j) {
        int64_t column = q * width + j;
        packed[size_t((q * k + l) * width + j)] = transposed ? b[size_t(column * k + l)] : b[size_t(l * n + column)];
      }
  return packed;
}

struct PackMatmulWeightsPass : impl::PackMatmulWeightsBase<PackMatmulWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // (weight, transposed) -> its panels: one packed copy however many products read it.
    llvm::DenseMap<std::pair<Operation *, unsigned>, graph::GlobalOp> packedOf;
    SmallVector<std::pair<linalg::GenericOp, Match>> products;
    module.walk([&](linalg::GenericOp op) {
      if (auto match = matchProduct(op))
        products.push_back({op, *match});
    });
    for (auto &[op, match] : products) {
      auto global = symbols.lookup<graph::GlobalOp>(match.load.getGlobal());
      auto bType = cast<RankedTensorType>(match.load.getType());
      if (!global || !bType.hasStaticShape())
        continue;
      int64_t k = bType.getDimSize(match.transposed ? 1 : 0), n = bType.getDimSize(match.transposed ? 0 : 1);
      if (n < minColumns || k == 0)
        continue;
      graph::GlobalOp packed = packedOf.lookup({global, unsigned(match.transposed)});
      if (!packed) {
        std::optional<std::vector<float>> weight = constantFloats(global.getValue());
        if (!weight)
          continue;
        std::vector<float> panels = packPanels(*weight, k, n, match.transposed, panelWidth);
        auto type = RankedTensorType::get({llvm::divideCeilSigned(n, int64_t(panelWidth)), k, panelWidth},
                                          bType.getElementType());
        packed = addDerivedWeight(symbols, global, "packed", type, panels);
        packedOf[{global, unsigned(match.transposed)}] = packed;
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value panels = graph::GlobalLoadOp::create(b, loc, packed.getType(), packed.getSymName());
      Value lhs = op.getDpsInputOperand(0)->get();
      if (match.alignedLhsShape) { // a view of the same bytes: only unit dims move
        auto lhsType = cast<RankedTensorType>(lhs.getType());
        Value collapsed = tensor::CollapseShapeOp::create(b, loc, lhs, unitDimGroups(lhsType.getShape()));
        lhs = tensor::ExpandShapeOp::create(b, loc, lhsType.clone(*match.alignedLhsShape), collapsed,
                                            unitDimGroups(*match.alignedLhsShape));
      } else if (match.lhsPermutation) {
        auto lhsType = cast<RankedTensorType>(lhs.getType());
        SmallVector<int64_t> shape;
        SmallVector<Value> dynamicSizes;
        for (int64_t from : *match.lhsPermutation) {
          shape.push_back(lhsType.getDimSize(from));
          if (lhsType.isDynamicDim(from))
            dynamicSizes.push_back(tensor::DimOp::create(b, loc, lhs, from));
        }
        Value init = tensor::EmptyOp::create(b, loc, shape, lhsType.getElementType(), dynamicSizes);
        lhs = linalg::TransposeOp::create(b, loc, lhs, init, *match.lhsPermutation)->getResult(0);
      }
      auto product = dispatch::PackedMatmulOp::create(b, loc, op.getResultTypes(), lhs,
                                                      panels, op.getDpsInitOperand(0)->get(),
                                                      arith::ConstantIndexOp::create(b, loc, 0));
      op->replaceAllUsesWith(product);
      graph::GlobalLoadOp load = match.load;
      op.erase();
      if (load.use_empty())
        load.erase();
    }
    // Weights that only fed the products rewritten here are no longer weights of the model.
    SmallVector<graph::GlobalOp> originals;
    for (auto [key, unused] : packedOf)
      originals.push_back(cast<graph::GlobalOp>(key.first));
    eraseUnusedWeights(originals, module);
  }
};

} // namespace
} // namespace tessera::cpu
