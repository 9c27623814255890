//===- NodeImportersTraining.cpp - ai.onnx.preview.training optimizers ----===//
//
// Adagrad, Momentum and Adam: one optimizer step over n tensors, inputs R (learning rate), T (step
// count), then n of each per-tensor operand; outputs n of each updated state. Each update is elementwise
// arithmetic in the tensors' element type, with the step-dependent scalars (decayed rate, bias
// correction, Momentum's first-step coefficient) computed from the run-time R and T.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

namespace {

/// The inputs after R and T split into `groups` lists of n tensors of one float type; null on a
/// count, type or shape mismatch (reported).
std::optional<SmallVector<SmallVector<Value>>> perTensorOperands(NodeContext &c, int64_t groups) {
  int64_t count = static_cast<int64_t>(c.numInputs()) - 2;
  if (count <= 0 || count % groups) {
    c.error() << "expects R, T and " << groups << " inputs per optimized tensor, got " << c.numInputs()
              << " inputs";
    return std::nullopt;
  }
  for (size_t i = 0; i < c.numInputs(); ++i)
    if (!c.input(i)) {
      c.error() << "input " << i << " is omitted, but every input is required";
      return std::nullopt;
    }
  if (c.inputType(0).getNumElements() != 1 || c.inputType(1).getNumElements() != 1 ||
      !isa<FloatType>(c.inputType(0).getElementType()) || !c.inputType(1).getElementType().isInteger(64)) {
    c.error() << "expects a float scalar R and an int64 scalar T";
    return std::nullopt;
  }
  int64_t n = count / groups;
  SmallVector<SmallVector<Value>> lists(groups);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t i = 0; i < n; ++i) {
      Value v = c.input(2 + g * n + i);
      auto type = cast<RankedTensorType>(v.getType());
      auto first = c.inputType(2 + i);
      if (!isa<FloatType>(type.getElementType()) || type != first) {
        c.error() << "input " << 2 + g * n + i << " is " << type << ", but tensor " << i << " is " << first;
        return std::nullopt;
      }
      lists[g].push_back(v);
    }
  return lists;
}

/// What every optimizer's update of tensor `x` starts from: R and T as rank-0 values of x's element
/// type, constants of that type, and the gradient with the regularization term added.
struct TensorUpdate {
  NodeContext &c;
  Type elem;
  Value r, t, regularized;

  TensorUpdate(NodeContext &c, Value x, Value g)
      : c(c), elem(cast<RankedTensorType>(x.getType()).getElementType()),
        r(castTo(c, reshape(c, c.input(0), {}), elem)), t(castTo(c, reshape(c, c.input(1), {}), elem)) {
    regularized = binary<graph::AddOp>(c, binary<graph::MulOp>(c, k(c.getFloat("norm_coefficient", 0)), x), g);
  }
  Value k(double v) const { return scalarConstant(c, elem, v); }
  /// T > 0: from the second step on.
  Value later() const { return binary<graph::GreaterOp>(c, t, k(0)); }
};

FailureOr<SmallVector<Value>> importAdagrad(NodeContext &c) {
  auto lists = perTensorOperands(c, 3);
  if (!lists)
    return failure();
  SmallVector<Value> xs, hs;
  for (auto [x, g, h] : llvm::zip((*lists)[0], (*lists)[1], (*lists)[2])) {
    TensorUpdate u(c, x, g);
    auto k = [&](double v) { return u.k(v); };
    Value regularized = u.regularized;
    // r / (1 + t * decay_factor)
    Value rate = binary<graph::DivOp>(
        c, u.r, binary<graph::AddOp>(c, k(1), binary<graph::MulOp>(c, u.t, k(c.getFloat("decay_factor", 0)))));
    Value hNew = binary<graph::AddOp>(c, h, binary<graph::MulOp>(c, regularized, regularized));
    Value scale = binary<graph::AddOp>(c, graph::SqrtOp::create(c.b, c.loc, hNew),
                                       k(c.getFloat("epsilon", 0)));
    Value step = binary<graph::DivOp>(c, binary<graph::MulOp>(c, rate, regularized), scale);
    xs.push_back(binary<graph::SubOp>(c, x, step));
    hs.push_back(hNew);
  }
  xs.append(hs);
  return xs;
}

FailureOr<SmallVector<Value>> importMomentum(NodeContext &c) {
  auto lists = perTensorOperands(c, 3);
  if (!lists)
    return failure();
  std::string mode = c.getString("mode", "");
  if (mode != "standard" && mode != "nesterov")
    return c.error() << "mode '" << mode << "' is not 'standard' or 'nesterov'";
  SmallVector<Value> xs, vs;
  for (auto [x, g, v] : llvm::zip((*lists)[0], (*lists)[1], (*lists)[2])) {
    TensorUpdate u(c, x, g);
    auto k = [&](double v) { return u.k(v); };
    Value regularized = u.regularized;
    double alpha = c.getFloat("alpha", 0), beta = c.getFloat("beta", 0);
    // The gradient's coefficient is 1 at the first step (T = 0), beta after.
    Value betaAdjusted = graph::WhereOp::create(c.b, c.loc, u.later(), k(beta), k(1));
    Value vNew = binary<graph::AddOp>(c, binary<graph::MulOp>(c, k(alpha), v),
                                      binary<graph::MulOp>(c, betaAdjusted, regularized));
    Value direction =
        mode == "standard" ? vNew : binary<graph::AddOp>(c, regularized, binary<graph::MulOp>(c, k(alpha), vNew));
    xs.push_back(binary<graph::SubOp>(c, x, binary<graph::MulOp>(c, u.r, direction)));
    vs.push_back(vNew);
  }
  xs.append(vs);
  return xs;
}

FailureOr<SmallVector<Value>> importAdam(NodeContext &c) {
  auto lists = perTensorOperands(c, 4);
  if (!lists)
    return failure();
  SmallVector<Value> xs, vs, hs;
  for (auto [x, g, v, h] : llvm::zip((*lists)[0], (*lists)[1], (*lists)[2], (*lists)[3])) {
    TensorUpdate u(c, x, g);
    auto k = [&](double v) { return u.k(v); };
    Value regularized = u.regularized, r = u.r, t = u.t;
    double alpha = c.getFloat("alpha", 0.9f), beta = c.getFloat("beta", 0.999f);
    Value vNew = binary<graph::AddOp>(c, binary<graph::MulOp>(c, k(alpha), v),
                                      binary<graph::MulOp>(c, k(1 - alpha), regularized));
    Value hNew = binary<graph::AddOp>(c, binary<graph::MulOp>(c, k(beta), h),
                                      binary<graph::MulOp>(c, k(1 - beta), binary<graph::MulOp>(c, regularized, regularized)));
    Value hSqrt = binary<graph::AddOp>(c, graph::SqrtOp::create(c.b, c.loc, hNew),
                                       k(c.getFloat("epsilon", 1e-6f)));
    // Bias correction from the second step on: r * sqrt(1 - beta^t) / (1 - alpha^t).
    Value corrected = binary<graph::DivOp>(
        c, binary<graph::MulOp>(c, r, graph::SqrtOp::create(c.b, c.loc,
                                                            binary<graph::SubOp>(c, k(1), binary<graph::PowOp>(c, k(beta), t)))),
        binary<graph::SubOp>(c, k(1), binary<graph::PowOp>(c, k(alpha), t)));
    Value rate = graph::WhereOp::create(c.b, c.loc, u.later(), corrected, r);
    Value xNew = binary<graph::SubOp>(c, x, binary<graph::MulOp>(c, rate, binary<graph::DivOp>(c, vNew, hSqrt)));
    xs.push_back(binary<graph::MulOp>(c, k(1 - c.getFloat("norm_coefficient_post", 0)), xNew));
    vs.push_back(vNew);
    hs.push_back(hNew);
  }
  xs.append(vs);
  xs.append(hs);
  return xs;
}

} // namespace

const llvm::StringMap<NodeImporter> &trainingDomainImporters() {
  static const llvm::StringMap<NodeImporter> table = [] {
    llvm::StringMap<NodeImporter> t;
    t["Adagrad"] = importAdagrad;
    t["Momentum"] = importMomentum;
    t["Adam"] = importAdam;
    return t;
  }();
  return table;
}

} // namespace tessera::onnx
