//===- NodeImportersNN.cpp - Conv, MatMul, Gemm, BatchNorm, Softmax -------===//
#include "frontend/onnx/GraphBuilders.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

static Results importConv(NodeContext &c) {
  auto input = c.inputType(0), weight = c.inputType(1);
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return c.error() << "expects input and weight of equal rank >= 3";
  size_t n = input.getRank() - 2;
  SmallVector<int64_t> kernel(weight.getShape().drop_front(2));
  if (auto k = c.getInts("kernel_shape"))
    kernel = *k;
  auto strides = c.getInts("strides").value_or(SmallVector<int64_t>(n, 1));
  auto dilations = c.getInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  if (strides.size() != n || dilations.size() != n || kernel.size() != n)
    return c.error() << "strides, dilations and kernel_shape must have " << n << " entries";
  auto pads = resolvePads(c, input, kernel, strides, dilations);
  if (failed(pads))
    return failure();
  return one(c.make<graph::ConvOp>(c.input(0), c.input(1), c.input(2), c.b.getDenseI64ArrayAttr(strides),
                                   c.b.getDenseI64ArrayAttr(dilations), c.b.getDenseI64ArrayAttr(*pads),
                                   c.getInt("group", 1)));
}

static Results importBatchNormTraining(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank();
  if (rank < 2 || !in.hasStaticShape() || !isa<FloatType>(in.getElementType()))
    return c.error() << "expects a static float input of rank >= 2";
  Type elem = in.getElementType();
  SmallVector<int64_t> axes = {0}, kept(rank, 1);
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  kept[1] = in.getDimSize(1);
  auto keptType = RankedTensorType::get(kept, elem);
  // Every operand's shape is checked above, so these compositions infer their types without fail.
  auto bin = [&](auto tag, Value a, Value b) -> Value {
    using OpTy = decltype(tag);
    return OpTy::create(c.b, c.loc, a, b);
  };
  auto scalar = [&](double v) -> Value { return scalarConstant(c, elem, v); };
  auto reduceMean = [&](Value v) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, v, graph::ReduceKind::mean, c.b.getDenseI64ArrayAttr(axes), true,
                                   false);
  };
  auto channel = [&](Value v) -> Value {
    return graph::ReshapeOp::create(c.b, c.loc, keptType, v, Value());
  };
  auto flat = [&](Value v) -> Value {
    return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({in.getDimSize(1)}, elem), v, Value());
  };
  Value x = c.input(0);
  Value mean = reduceMean(x);
  Value centered = bin(graph::SubOp(), x, mean);
  Value var = reduceMean(bin(graph::MulOp(), centered, centered));
  Value denom = graph::SqrtOp::create(c.b, c.loc, bin(graph::AddOp(), var, scalar(c.getFloat("epsilon", 1e-5f))));
  Value y = bin(graph::AddOp(), bin(graph::MulOp(), bin(graph::DivOp(), centered, denom), channel(c.input(1))),
                channel(c.input(2)));
  double momentum = c.getFloat("momentum", 0.9f);
  auto running = [&](Value old, Value batch) {
    return bin(graph::AddOp(), bin(graph::MulOp(), old, scalar(momentum)),
               bin(graph::MulOp(), flat(batch), scalar(1 - momentum)));
  };
  SmallVector<Value> results = {y, running(c.input(3), mean), running(c.input(4), var)};
  results.resize(c.node.output_size());
  return results;
}

static Results importBatchNorm(NodeContext &c) {
  if (c.numInputs() != 5)
    return c.error() << "expects 5 inputs";
  if (c.getInt("training_mode", 0) != 0)
    return importBatchNormTraining(c);
  return one(c.make<graph::BatchNormOp>(c.input(0), c.input(1), c.input(2), c.input(3), c.input(4),
                                        c.b.getF32FloatAttr(c.getFloat("epsilon", 1e-5f))));
}

static Results importGemm(NodeContext &c) {
  auto a = c.inputType(0), b = c.inputType(1);
  if (a.getRank() != 2 || b.getRank() != 2)
    return c.error() << "expects 2-D A and B";
  bool ta = c.getInt("transA", 0), tb = c.getInt("transB", 0);
  return one(c.make<graph::GemmOp>(c.input(0), c.input(1), c.input(2),
                                   c.b.getF32FloatAttr(c.getFloat("alpha", 1.0f)),
                                   c.b.getF32FloatAttr(c.getFloat("beta", 1.0f)), c.b.getBoolAttr(ta),
                                   c.b.getBoolAttr(tb)));
}

static Results importMatMul(NodeContext &c) {
  return one(c.make<graph::MatMulOp>(c.input(0), c.input(1)));
}

static NodeImporter softmax(graph::SoftmaxKind kind) {
  return [kind](NodeContext &c) -> Results {
    auto in = c.inputType(0);
    int64_t rank = in.getRank();
    auto axis = normalizeAxis(c, c.getInt("axis", c.opset >= 13 ? -1 : 1), std::max<int64_t>(rank, 1));
    if (failed(axis))
      return failure();
    if (c.opset >= 13 || *axis == rank - 1)
      return one(graph::SoftmaxOp::create(c.b, c.loc, c.input(0), kind, *axis));
    // Before opset 13 the input is coerced to 2-D at `axis`.
    if (!in.hasStaticShape())
      return c.error() << "dynamic shapes are not supported yet";
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? outer : inner) *= in.getDimSize(i);
    auto flat = RankedTensorType::get({outer, inner}, in.getElementType());
    Value x = graph::ReshapeOp::create(c.b, c.loc, flat, c.input(0), Value());
    x = graph::SoftmaxOp::create(c.b, c.loc, x, kind, 1);
    return one(graph::ReshapeOp::create(c.b, c.loc, in, x, Value()));
  };
}

void addNNImporters(llvm::StringMap<NodeImporter> &t) {
  t["Conv"] = importConv;
  t["BatchNormalization"] = importBatchNorm;
  t["Gemm"] = importGemm;
  t["MatMul"] = importMatMul;
  t["Softmax"] = softmax(graph::SoftmaxKind::softmax);
  t["LogSoftmax"] = softmax(graph::SoftmaxKind::log_softmax);
  // ReduceSum took axes as an input from opset 13, the others from opset 18.
}

} // namespace tessera::onnx
