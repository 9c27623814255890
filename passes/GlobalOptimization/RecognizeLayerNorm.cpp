//===- RecognizeLayerNorm.cpp - decomposed LayerNorm chains as one op ------===//
//
// Exporters write LayerNorm as the ops of its definition (torch below opset 17: ReduceMean, Sub, Pow,
// ReduceMean, Add, Sqrt, Div, Mul, Add). Kept apart, they run as several kernels with a trip through
// memory for every row statistic and a reshape on the host between them; as one `tgraph.layer_norm`, a
// target computes each row's statistics and its normalization together.
//
#include "passes/GlobalOptimization/ConstantWeights.h"
#include "passes/Passes.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_RECOGNIZELAYERNORM
#include "passes/Passes.h.inc"

namespace {

/// The one user of `v` (which may read it as several operands), if it is an OpTy.
template <typename OpTy>
OpTy soleUser(Value v) {
  if (v.use_empty())
    return {};
  Operation *user = *v.getUsers().begin();
  if (!llvm::all_of(v.getUsers(), [&](Operation *other) { return other == user; }))
    return {};
  return dyn_cast<OpTy>(user);
}

/// The operand of the commutative binary `op` that is not `v` (nullptr when `v` is neither or both).
template <typename OpTy>
Value otherOperand(OpTy op, Value v) {
  if (op.getLhs() == v && op.getRhs() != v)
    return op.getRhs();
  if (op.getRhs() == v && op.getLhs() != v)
    return op.getLhs();
  return {};
}

/// The single value of a constant f32 tensor of one element.
std::optional<float> scalarConstant(Value v, SymbolTable &symbols) {
  std::optional<std::vector<float>> values = constantFloats(v, symbols);
  if (!values || values->size() != 1)
    return std::nullopt;
  return values->front();
}

/// Whether `mean` is a mean over trailing dims [axis, rank) of its input that keeps them.
std::optional<int64_t> trailingMeanAxis(graph::ReduceOp mean) {
  auto type = cast<RankedTensorType>(mean.getInput().getType());
  ArrayRef<int64_t> axes = mean.getAxes();
  if (mean.getKind() != graph::ReduceKind::mean || !mean.getKeepdims() || axes.empty() ||
      axes.back() != type.getRank() - 1)
    return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return std::nullopt;
  return axes.front();
}

struct Match {
  Value input, scale, bias;
  int64_t axis;
  float epsilon;
  Operation *root;
  SmallVector<Operation *> chain; // in program order
};

/// Matches mean(x) -> x - mean -> (x - mean)^2 -> mean -> + eps -> sqrt -> (x - mean) / sqrt [* scale]
/// [+ bias], every intermediate read only by the next op of the chain.
std::optional<Match> match(graph::ReduceOp mean, SymbolTable &symbols) {
  Match m;
  m.input = mean.getInput();
  auto type = cast<RankedTensorType>(m.input.getType());
  std::optional<int64_t> axis = trailingMeanAxis(mean);
  if (!axis || !isa<FloatType>(type.getElementType()))
    return std::nullopt;
  m.axis = *axis;
  auto centered = soleUser<graph::SubOp>(mean.getResult());
  if (!centered || centered.getLhs() != m.input || centered.getRhs() != mean.getResult() ||
      centered.getType() != type)
    return std::nullopt;
  // x - mean is read by the squaring and by the division.
  Operation *square = nullptr;
  graph::DivOp divide;
  for (Operation *user : centered->getUsers()) {
    if (auto div = dyn_cast<graph::DivOp>(user); div && div.getLhs() == centered.getResult() && !divide)
      divide = div;
    else if (auto pow = dyn_cast<graph::PowOp>(user);
             pow && pow.getLhs() == centered.getResult() && scalarConstant(pow.getRhs(), symbols) == 2.0f)
      square = pow;
    else if (auto mul = dyn_cast<graph::MulOp>(user);
             mul && mul.getLhs() == centered.getResult() && mul.getRhs() == centered.getResult())
      square = mul;
    else
      return std::nullopt;
  }
  if (!square || !divide || square->getResult(0).getType() != type)
    return std::nullopt;
  auto variance = soleUser<graph::ReduceOp>(square->getResult(0));
  if (!variance || trailingMeanAxis(variance) != m.axis)
    return std::nullopt;
  auto shifted = soleUser<graph::AddOp>(variance.getResult());
  std::optional<float> epsilon =
      shifted ? scalarConstant(otherOperand(shifted, variance.getResult()), symbols) : std::nullopt;
  if (!epsilon || shifted.getType() != variance.getType())
    return std::nullopt;
  m.epsilon = *epsilon;
  auto root = soleUser<graph::SqrtOp>(shifted.getResult());
  if (!root || divide.getRhs() != root.getResult() || !root->hasOneUse() || divide.getType() != type)
    return std::nullopt;
  m.chain = {mean, centered, square, variance, shifted, root, divide};
  m.root = divide;

  // The affine part, when its operands have exactly the normalized dims.
  auto normalized = RankedTensorType::get(type.getShape().drop_front(m.axis), type.getElementType());
  auto affineOperand = [&](auto op) -> Value {
    Value operand = op ? otherOperand(op, m.root->getResult(0)) : Value();
    return operand && operand.getType() == normalized && op.getType() == type ? operand : Value();
  };
  auto scaleOp = soleUser<graph::MulOp>(m.root->getResult(0));
  if ((m.scale = affineOperand(scaleOp))) {
    m.chain.push_back(scaleOp);
    m.root = scaleOp;
  }
  auto biasOp = soleUser<graph::AddOp>(m.root->getResult(0));
  if ((m.bias = affineOperand(biasOp))) {
    m.chain.push_back(biasOp);
    m.root = biasOp;
  }
  return m;
}

/// A splat constant of `type` (the scale or bias a chain without one means).
Value splat(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  return graph::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value)));
}

struct RecognizeLayerNormPass : impl::RecognizeLayerNormBase<RecognizeLayerNormPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<graph::ReduceOp> means;
    module.walk([&](graph::ReduceOp op) { means.push_back(op); });
    llvm::DenseSet<Operation *> erased;
    for (graph::ReduceOp mean : means) {
      if (erased.contains(mean))
        continue;
      std::optional<Match> m = match(mean, symbols);
      if (!m)
        continue;
      auto type = cast<RankedTensorType>(m->input.getType());
      auto normalized = RankedTensorType::get(type.getShape().drop_front(m->axis), type.getElementType());
      if ((!m->scale || !m->bias) && !normalized.hasStaticShape())
        continue; // no splat of run-time dims
      OpBuilder b(m->root);
      Location loc = m->root->getLoc();
      Value scale = m->scale ? m->scale : splat(b, loc, normalized, 1.0);
      Value bias = m->bias ? m->bias : splat(b, loc, normalized, 0.0);
      // The fused op carries the locations (ONNX node names) of every op it replaces.
      SmallVector<Location> locations = llvm::map_to_vector(m->chain, [](Operation *op) { return op->getLoc(); });
      auto norm = graph::LayerNormOp::create(b, FusedLoc::get(&getContext(), locations), m->input, scale, bias,
                                             b.getI64IntegerAttr(m->axis), b.getF32FloatAttr(m->epsilon));
      m->root->getResult(0).replaceAllUsesWith(norm.getResult());
      for (Operation *op : llvm::reverse(m->chain)) {
        erased.insert(op);
        op->erase();
      }
    }
  }
};

} // namespace
} // namespace tessera
