//===- NodeImportersLayerNorm.cpp - LayerNormalization ---------------------===//
//
// Written as the ops of its definition (mean, x - mean, squares, their mean, + epsilon, sqrt, the
// division, scale, bias), computed in the stash type, the way exporters below opset 17 write it:
// tessera-recognize-layer-norm then makes it one op where only Y is used, and the statistics stay
// separate values where the node also returns Mean or InvStdDev.
//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;

namespace tessera::onnx {

static Results importLayerNorm(NodeContext &c) {
  if (c.opset < 17)
    return c.error() << "needs opset 17 or later";
  if (c.numInputs() < 2 || !c.input(0) || !c.input(1))
    return c.error() << "expects X and Scale";
  auto in = c.inputType(0);
  if (!isa<FloatType>(in.getElementType()))
    return c.error() << "expects a float input, got " << in.getElementType();
  FailureOr<int64_t> axis = normalizeAxis(c, c.getInt("axis", -1), in.getRank());
  if (failed(axis))
    return failure();
  Type stash = convertElementType(c.ctx(), static_cast<int>(c.getInt("stash_type", 1)));
  if (!stash || !isa<FloatType>(stash))
    return c.error() << "stash_type " << c.getInt("stash_type", 1) << " is not a float type";
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < in.getRank(); ++d)
    axes.push_back(d);
  auto mean = [&](Value v) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::mean, axes, /*keepdims=*/true);
  };
  Value x = castTo(c, c.input(0), stash);
  Value m = mean(x);
  Value centered = binary<graph::SubOp>(c, x, m);
  Value variance = mean(binary<graph::MulOp>(c, centered, centered));
  Value shifted = binary<graph::AddOp>(c, variance, scalarConstant(c, stash, c.getFloat("epsilon", 1e-5f)));
  Value stddev = graph::SqrtOp::create(c.b, c.loc, shifted);
  Value y = castTo(c, binary<graph::DivOp>(c, centered, stddev), in.getElementType());
  // Scale and bias come as the model gives them: a shape that does not broadcast is the node's error.
  auto scaled = c.make<graph::MulOp>(y, c.input(1));
  if (failed(scaled))
    return failure();
  y = *scaled;
  if (c.numInputs() > 2 && c.input(2)) {
    auto biased = c.make<graph::AddOp>(y, c.input(2));
    if (failed(biased))
      return failure();
    y = *biased;
  }
  // Mean and InvStdDev (in the stash type, with the normalized dims kept as 1) only where they are read.
  auto wanted = [&](int i) { return c.node.output_size() > i && !c.node.output(i).empty(); };
  SmallVector<Value> results{y, wanted(1) ? m : Value(),
                             wanted(2) ? graph::ReciprocalOp::create(c.b, c.loc, stddev).getResult() : Value()};
  results.resize(std::max(c.node.output_size(), 1));
  return results;
}

void addLayerNormImporter(llvm::StringMap<NodeImporter> &t) { t["LayerNormalization"] = importLayerNorm; }

} // namespace tessera::onnx
