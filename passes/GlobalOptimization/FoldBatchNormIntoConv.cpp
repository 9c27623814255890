//===- FoldBatchNormIntoConv.cpp - BatchNormalization folded into its conv --===//
//
// An inference BatchNormalization is a per-channel affine map, y = x * s + t, so after a convolution
// it can be folded into the filters and the bias: the model then runs one convolution instead of a
// convolution and an epilogue that reads and writes the whole output again. Exporters that keep
// BatchNormalization nodes (torch without constant folding, Keras and TensorFlow graphs through tf2onnx)
// would otherwise pay for it on every run.
//
#include "passes/GlobalOptimization/ConstantWeights.h"
#include "passes/Passes.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_FOLDBATCHNORMINTOCONV
#include "passes/Passes.h.inc"

namespace {

/// A weight of `type` holding `values`: a global derived from `anchor` when the filters were one, else
/// an inline constant (filters small enough to be a `tgraph.constant` stay one).
Value materialize(OpBuilder &b, Location loc, SymbolTable &symbols, graph::GlobalOp anchor, StringRef suffix,
                  RankedTensorType type, ArrayRef<float> values) {
  if (!anchor)
    return graph::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, values));
  graph::GlobalOp global = addDerivedWeight(symbols, anchor, suffix, type, values);
  return graph::GlobalLoadOp::create(b, loc, type, global.getSymName());
}

/// Folds `norm` into the convolution it normalizes; false when it is not foldable.
bool fold(graph::BatchNormOp norm, SymbolTable &symbols, SmallVectorImpl<graph::GlobalOp> &replaced) {
  auto conv = norm.getInput().getDefiningOp<graph::ConvOp>();
  if (!conv || !conv->hasOneUse() || conv.getChannelsLast()) // its filters are dim 0 in ONNX's layout only
    return false;
  auto wType = dyn_cast<RankedTensorType>(conv.getWeight().getType());
  if (!wType || !wType.hasStaticShape() || wType.getRank() < 1 || !wType.getElementType().isF32() ||
      norm.getType() != conv.getType())
    return false;
  const int64_t filters = wType.getDimSize(0);
  auto floatsOf = [&](Value v) -> std::optional<std::vector<float>> {
    auto values = constantFloats(v, symbols);
    if (!values || int64_t(values->size()) != filters)
      return std::nullopt;
    return values;
  };
  auto scale = floatsOf(norm.getScale()), shift = floatsOf(norm.getBias()), mean = floatsOf(norm.getMean()),
       variance = floatsOf(norm.getVariance());
  std::optional<std::vector<float>> bias = std::vector<float>(filters, 0.0f);
  if (conv.getBias())
    bias = floatsOf(conv.getBias());
  std::optional<std::vector<float>> weight = constantFloats(conv.getWeight(), symbols);
  if (!scale || !shift || !mean || !variance || !bias || !weight || int64_t(weight->size()) != wType.getNumElements())
    return false;

  const double epsilon = norm.getEpsilonAttr().getValueAsDouble();
  const int64_t perFilter = wType.getNumElements() / std::max<int64_t>(filters, 1);
  std::vector<float> newWeight(weight->size()), newBias(filters);
  for (int64_t f = 0; f < filters; ++f) {
    double s = double((*scale)[f]) / std::sqrt(double((*variance)[f]) + epsilon);
    for (int64_t i = 0; i < perFilter; ++i)
      newWeight[f * perFilter + i] = float(double((*weight)[f * perFilter + i]) * s);
    newBias[f] = float((double((*bias)[f]) - double((*mean)[f])) * s + double((*shift)[f]));
  }

  OpBuilder b(norm);
  Location loc = b.getFusedLoc({conv.getLoc(), norm.getLoc()});
  graph::GlobalOp anchor;
  if (auto load = conv.getWeight().getDefiningOp<graph::GlobalLoadOp>())
    anchor = symbols.lookup<graph::GlobalOp>(load.getGlobal());
  llvm::SetVector<Operation *> operands; // the folded constants' defining ops
  for (Operation *op : {conv.getOperation(), norm.getOperation()})
    for (Value v : op->getOperands().drop_front())
      if (Operation *def = v.getDefiningOp())
        operands.insert(def);
  Value w = materialize(b, loc, symbols, anchor, "bn", wType, newWeight);
  Value biasValue = materialize(b, loc, symbols, anchor, "bn_bias",
                                RankedTensorType::get({filters}, wType.getElementType()), newBias);
  auto folded = graph::ConvOp::create(b, loc, conv.getType(), conv.getInput(), w, biasValue,
                                      conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPadsAttr(),
                                      conv.getGroupAttr());
  norm.replaceAllUsesWith(folded.getResult());
  norm.erase();
  conv.erase();
  for (Operation *op : operands) {
    if (!op->use_empty())
      continue;
    if (auto load = dyn_cast<graph::GlobalLoadOp>(op))
      if (auto global = symbols.lookup<graph::GlobalOp>(load.getGlobal()))
        replaced.push_back(global);
    op->erase();
  }
  return true;
}

struct FoldBatchNormIntoConvPass : impl::FoldBatchNormIntoConvBase<FoldBatchNormIntoConvPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<graph::BatchNormOp> norms;
    module.walk([&](graph::BatchNormOp norm) { norms.push_back(norm); });
    SmallVector<graph::GlobalOp> replaced;
    for (graph::BatchNormOp norm : norms)
      (void)fold(norm, symbols, replaced);
    // Weights that only the folded operations read are no longer weights of the model.
    eraseUnusedWeights(replaced, module);
  }
};

} // namespace
} // namespace tessera
