//===- NodeImportersGroupNorm.cpp - GroupNormalization ---------------------===//
//
// Statistics per (batch, group) over [N, G, C/G * spatial]; scale and bias are per group (opset 18)
// or per channel (opset 21), told apart by their size.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

static FailureOr<SmallVector<Value>> importGroupNorm(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank(), groups = c.getInt("num_groups", 0);
  if (!in.hasStaticShape() || rank < 3 || !isa<FloatType>(in.getElementType()))
    return c.error() << "expects a static float input of rank >= 3";
  int64_t n = in.getDimSize(0), ch = in.getDimSize(1);
  if (groups <= 0 || ch % groups)
    return c.error() << "num_groups " << groups << " does not divide " << ch << " channels";
  int64_t params = c.inputType(1).getNumElements();
  if (params != groups && params != ch)
    return c.error() << "scale has " << params << " entries, expected " << groups << " or " << ch;
  Type elem = in.getElementType();
  auto shaped = [&](ArrayRef<int64_t> s) { return RankedTensorType::get(s, elem); };
  auto reshape = [&](Value v, ArrayRef<int64_t> s) -> Value {
    return graph::ReshapeOp::create(c.b, c.loc, shaped(s), v, Value());
  };
  // Scale and bias are reshaped to the dims they apply along, so every operand pair below broadcasts.
  auto bin = [&](auto tag, Value a, Value b) -> Value { return decltype(tag)::create(c.b, c.loc, a, b); };
  int64_t inner = in.getNumElements() / (n * groups);
  SmallVector<int64_t> grouped = {n, groups, inner};
  auto mean = [&](Value v) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::mean, c.b.getDenseI64ArrayAttr({2}), true, false);
  };
  Value x = reshape(c.input(0), grouped);
  Value centered = bin(graph::SubOp(), x, mean(x));
  Value var = mean(bin(graph::MulOp(), centered, centered));
  auto scalarType = shaped({});
  Value eps = graph::ConstantOp::create(
      c.b, c.loc, DenseElementsAttr::get(scalarType, c.b.getFloatAttr(elem, c.getFloat("epsilon", 1e-5f))));
  Value stddev = graph::SqrtOp::create(c.b, c.loc, bin(graph::AddOp(), var, eps));
  Value y = bin(graph::DivOp(), centered, stddev);
  if (params == groups && groups != ch) {
    y = bin(graph::MulOp(), y, reshape(c.input(1), {1, groups, 1}));
    y = bin(graph::AddOp(), y, reshape(c.input(2), {1, groups, 1}));
    return SmallVector<Value>{reshape(y, in.getShape())};
  }
  SmallVector<int64_t> channel(rank, 1);
  channel[1] = ch;
  y = reshape(y, in.getShape());
  y = bin(graph::MulOp(), y, reshape(c.input(1), channel));
  return SmallVector<Value>{bin(graph::AddOp(), y, reshape(c.input(2), channel))};
}

void addGroupNormImporter(llvm::StringMap<NodeImporter> &t) { t["GroupNormalization"] = importGroupNorm; }

} // namespace tessera::onnx
