//===- NodeImportersNN.cpp - contractions, conv, pooling, reductions ------===//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

using Results = FailureOr<SmallVector<Value>>;
static Results one(Value v) { return SmallVector<Value>{v}; }

/// Explicit [begin..., end...] pads from `pads` / `auto_pad` for a window op.
static FailureOr<SmallVector<int64_t>> resolvePads(NodeContext &c, RankedTensorType input,
                                                   ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                                   ArrayRef<int64_t> dilations) {
  size_t n = kernel.size();
  std::string autoPad = c.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = c.getInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
    if (pads.size() != 2 * n)
      return c.error() << "expects " << 2 * n << " pads, got " << pads.size();
    return pads;
  }
  SmallVector<int64_t> pads(2 * n, 0);
  if (autoPad == "VALID")
    return pads;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return c.error() << "unknown auto_pad '" << autoPad << "'";
  for (size_t i = 0; i < n; ++i) {
    int64_t size = input.getDimSize(i + 2);
    if (ShapedType::isDynamic(size))
      return c.error() << "auto_pad needs static spatial dims";
    int64_t out = (size + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : big;
    pads[i + n] = autoPad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

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
  SmallVector<int64_t> shape = {input.getDimSize(0), weight.getDimSize(0)};
  for (size_t i = 0; i < n; ++i) {
    int64_t size = input.getDimSize(i + 2);
    int64_t window = (kernel[i] - 1) * dilations[i] + 1;
    shape.push_back(ShapedType::isDynamic(size)
                        ? ShapedType::kDynamic
                        : (size + (*pads)[i] + (*pads)[i + n] - window) / strides[i] + 1);
  }
  auto type = RankedTensorType::get(shape, input.getElementType());
  return one(graph::ConvOp::create(c.b, c.loc, type, c.input(0), c.input(1), c.input(2),
                                   c.b.getDenseI64ArrayAttr(strides),
                                   c.b.getDenseI64ArrayAttr(dilations),
                                   c.b.getDenseI64ArrayAttr(*pads), c.getInt("group", 1)));
}

static NodeImporter pool(graph::PoolKind kind, bool global) {
  return [kind, global](NodeContext &c) -> Results {
    auto input = c.inputType(0);
    if (input.getRank() < 3)
      return c.error() << "expects an input of rank >= 3";
    bool withIndices = c.node.output_size() > 1 && !c.node.output(1).empty();
    if (withIndices && kind != graph::PoolKind::max)
      return c.error() << "only MaxPool has an Indices output";
    size_t n = input.getRank() - 2;
    SmallVector<int64_t> kernel;
    if (global) {
      kernel.assign(input.getShape().begin() + 2, input.getShape().end());
      if (llvm::any_of(kernel, ShapedType::isDynamic))
        return c.error() << "global pooling needs static spatial dims";
    } else {
      auto k = c.getInts("kernel_shape");
      if (!k || k->size() != n)
        return c.error() << "kernel_shape must have " << n << " entries";
      kernel = *k;
    }
    auto strides = global ? SmallVector<int64_t>(n, 1) : c.getInts("strides").value_or(SmallVector<int64_t>(n, 1));
    auto dilations = global ? SmallVector<int64_t>(n, 1) : c.getInts("dilations").value_or(SmallVector<int64_t>(n, 1));
    if (strides.size() != n || dilations.size() != n)
      return c.error() << "strides and dilations must have " << n << " entries";
    SmallVector<int64_t> pads(2 * n, 0);
    if (!global) {
      auto p = resolvePads(c, input, kernel, strides, dilations);
      if (failed(p))
        return failure();
      pads = *p;
    }
    SmallVector<int64_t> originalEnd(pads.begin() + n, pads.end());
    bool ceilMode = c.getInt("ceil_mode", 0) != 0;
    SmallVector<int64_t> shape(input.getShape().take_front(2));
    for (size_t i = 0; i < n; ++i) {
      int64_t size = input.getDimSize(i + 2);
      if (ShapedType::isDynamic(size))
        return c.error() << "pooling needs static spatial dims";
      int64_t window = (kernel[i] - 1) * dilations[i] + 1;
      int64_t span = size + pads[i] + pads[i + n] - window;
      int64_t out = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
      // A window may not start inside the end padding only (ONNX / PyTorch rule for ceil_mode).
      if (ceilMode && (out - 1) * strides[i] >= size + pads[i])
        --out;
      // Extend the end padding so that a plain floor-mode window covers every output.
      pads[i + n] = std::max<int64_t>(pads[i + n], (out - 1) * strides[i] + window - size - pads[i]);
      shape.push_back(out);
    }
    auto type = RankedTensorType::get(shape, input.getElementType());
    if (withIndices) {
      auto op = graph::MaxPoolWithIndicesOp::create(
          c.b, c.loc, type, RankedTensorType::get(shape, c.b.getI64Type()), c.input(0),
          c.b.getDenseI64ArrayAttr(kernel), c.b.getDenseI64ArrayAttr(strides),
          c.b.getDenseI64ArrayAttr(dilations), c.b.getDenseI64ArrayAttr(pads), c.getInt("storage_order", 0));
      return SmallVector<Value>{op.getValues(), op.getIndices()};
    }
    return one(graph::PoolOp::create(
        c.b, c.loc, type, c.input(0), kind, c.b.getDenseI64ArrayAttr(kernel),
        c.b.getDenseI64ArrayAttr(strides), c.b.getDenseI64ArrayAttr(dilations),
        c.b.getDenseI64ArrayAttr(pads), c.b.getDenseI64ArrayAttr(originalEnd),
        c.getInt("count_include_pad", 0) != 0));
  };
}

/// Training mode: normalize with the batch statistics (population variance) and return the running
/// statistics updated with `momentum`.
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
  auto bin = [&](auto tag, Value a, Value b) -> Value {
    using OpTy = decltype(tag);
    return OpTy::create(c.b, c.loc, *broadcastResultType(c, a, b), a, b);
  };
  auto scalar = [&](double v) -> Value {
    auto t = RankedTensorType::get({}, elem);
    return graph::ConstantOp::create(c.b, c.loc, t, DenseElementsAttr::get(t, c.b.getFloatAttr(elem, v)));
  };
  auto reduceMean = [&](Value v) -> Value {
    return graph::ReduceOp::create(c.b, c.loc, keptType, v, graph::ReduceKind::mean, c.b.getDenseI64ArrayAttr(axes), true, false);
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
  Value denom = graph::SqrtOp::create(c.b, c.loc, keptType, bin(graph::AddOp(), var, scalar(c.getFloat("epsilon", 1e-5f))));
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
  return one(graph::BatchNormOp::create(c.b, c.loc, c.inputType(0), c.input(0), c.input(1),
                                        c.input(2), c.input(3), c.input(4),
                                        c.b.getF32FloatAttr(c.getFloat("epsilon", 1e-5f))));
}

static Results importGemm(NodeContext &c) {
  auto a = c.inputType(0), b = c.inputType(1);
  if (a.getRank() != 2 || b.getRank() != 2)
    return c.error() << "expects 2-D A and B";
  bool ta = c.getInt("transA", 0), tb = c.getInt("transB", 0);
  int64_t m = a.getDimSize(ta ? 1 : 0), n = b.getDimSize(tb ? 0 : 1);
  auto type = RankedTensorType::get({m, n}, a.getElementType());
  return one(graph::GemmOp::create(c.b, c.loc, type, c.input(0), c.input(1), c.input(2),
                                   c.b.getF32FloatAttr(c.getFloat("alpha", 1.0f)),
                                   c.b.getF32FloatAttr(c.getFloat("beta", 1.0f)), c.b.getBoolAttr(ta),
                                   c.b.getBoolAttr(tb)));
}

static Results importMatMul(NodeContext &c) {
  auto a = c.inputType(0), b = c.inputType(1);
  if (a.getRank() < 1 || b.getRank() < 1)
    return c.error() << "expects operands of rank >= 1";
  SmallVector<int64_t> aShape(a.getShape()), bShape(b.getShape());
  if (aShape.size() == 1) aShape.insert(aShape.begin(), 1);
  if (bShape.size() == 1) bShape.push_back(1);
  auto batch = graph::broadcastShapes(ArrayRef<int64_t>(aShape).drop_back(2),
                                      ArrayRef<int64_t>(bShape).drop_back(2));
  if (failed(batch))
    return c.error() << "batch dims of " << a << " and " << b << " do not broadcast";
  SmallVector<int64_t> shape(*batch);
  if (a.getRank() > 1) shape.push_back(aShape[aShape.size() - 2]);
  if (b.getRank() > 1) shape.push_back(bShape.back());
  auto type = RankedTensorType::get(shape, a.getElementType());
  return one(graph::MatMulOp::create(c.b, c.loc, type, c.input(0), c.input(1)));
}

static NodeImporter softmax(graph::SoftmaxKind kind) {
  return [kind](NodeContext &c) -> Results {
    auto in = c.inputType(0);
    int64_t rank = in.getRank();
    auto axis = normalizeAxis(c, c.getInt("axis", c.opset >= 13 ? -1 : 1), std::max<int64_t>(rank, 1));
    if (failed(axis))
      return failure();
    if (c.opset >= 13 || *axis == rank - 1)
      return one(graph::SoftmaxOp::create(c.b, c.loc, in, c.input(0), kind, *axis));
    // Before opset 13 the input is coerced to 2-D at `axis`.
    if (!in.hasStaticShape())
      return c.error() << "dynamic shapes are not supported yet";
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? outer : inner) *= in.getDimSize(i);
    auto flat = RankedTensorType::get({outer, inner}, in.getElementType());
    Value x = graph::ReshapeOp::create(c.b, c.loc, flat, c.input(0), Value());
    x = graph::SoftmaxOp::create(c.b, c.loc, flat, x, kind, 1);
    return one(graph::ReshapeOp::create(c.b, c.loc, in, x, Value()));
  };
}

static NodeImporter reduce(graph::ReduceKind kind, int64_t axesInputSince) {
  return [kind, axesInputSince](NodeContext &c) -> Results {
    auto in = c.inputType(0);
    int64_t rank = in.getRank();
    std::optional<SmallVector<int64_t>> axes;
    if (c.opset >= axesInputSince) {
      if (c.input(1)) {
        axes = c.constantInts(1);
        auto axesType = c.inputType(1);
        if (!axes && axesType.hasStaticShape() && axesType.getNumElements() == 0)
          axes.emplace(); // an empty list whatever its values
        if (!axes) {
          if (kind == graph::ReduceKind::argmax || kind == graph::ReduceKind::argmin)
            return c.error() << "axes given at run time are not supported";
          auto reduced = reduceWithRuntimeAxes(c, c.input(0), c.input(1), kind, c.getInt("keepdims", 1) != 0);
          if (failed(reduced))
            return failure();
          return one(*reduced);
        }
      }
    } else {
      axes = c.getInts("axes");
    }
    bool noop = c.getInt("noop_with_empty_axes", 0) != 0;
    SmallVector<int64_t> normalized;
    if (axes && !axes->empty()) {
      for (int64_t a : *axes) {
        auto n = normalizeAxis(c, a, rank);
        if (failed(n))
          return failure();
        normalized.push_back(*n);
      }
    } else if (noop) {
      return one(graph::IdentityOp::create(c.b, c.loc, in, c.input(0)));
    } else {
      for (int64_t i = 0; i < rank; ++i)
        normalized.push_back(i);
    }
    llvm::sort(normalized);
    normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
    bool keepdims = c.getInt("keepdims", 1) != 0;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i) {
      if (llvm::is_contained(normalized, i)) {
        if (keepdims)
          shape.push_back(1);
      } else {
        shape.push_back(in.getDimSize(i));
      }
    }
    auto type = RankedTensorType::get(shape, in.getElementType());
    if (in.getElementType().isInteger(1) && (kind == graph::ReduceKind::max || kind == graph::ReduceKind::min)) {
      // Bool max/min (opset 20) as 0/1 integers: a signless i1 reads true as -1.
      Type i8 = c.b.getIntegerType(8);
      Value x = graph::CastOp::create(c.b, c.loc, RankedTensorType::get(in.getShape(), i8), c.input(0));
      Value r = graph::ReduceOp::create(c.b, c.loc, RankedTensorType::get(shape, i8), x, kind,
                                        c.b.getDenseI64ArrayAttr(normalized), keepdims, false);
      return one(graph::CastOp::create(c.b, c.loc, type, r));
    }
    return one(graph::ReduceOp::create(c.b, c.loc, type, c.input(0), kind,
                                       c.b.getDenseI64ArrayAttr(normalized), keepdims, false));
  };
}

static NodeImporter argReduce(graph::ReduceKind kind) {
  return [kind](NodeContext &c) -> Results {
    auto in = c.inputType(0);
    auto axis = normalizeAxis(c, c.getInt("axis", 0), in.getRank());
    if (failed(axis))
      return failure();
    bool keepdims = c.getInt("keepdims", 1) != 0;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < in.getRank(); ++i)
      if (i != *axis)
        shape.push_back(in.getDimSize(i));
      else if (keepdims)
        shape.push_back(1);
    auto type = RankedTensorType::get(shape, c.b.getI64Type());
    return one(graph::ReduceOp::create(c.b, c.loc, type, c.input(0), kind,
                                       c.b.getDenseI64ArrayAttr({*axis}), keepdims,
                                       c.getInt("select_last_index", 0) != 0));
  };
}

void addNNImporters(llvm::StringMap<NodeImporter> &t) {
  t["Conv"] = importConv;
  t["MaxPool"] = pool(graph::PoolKind::max, false);
  t["AveragePool"] = pool(graph::PoolKind::avg, false);
  t["GlobalMaxPool"] = pool(graph::PoolKind::max, true);
  t["GlobalAveragePool"] = pool(graph::PoolKind::avg, true);
  t["BatchNormalization"] = importBatchNorm;
  t["Gemm"] = importGemm;
  t["MatMul"] = importMatMul;
  t["Softmax"] = softmax(graph::SoftmaxKind::softmax);
  t["LogSoftmax"] = softmax(graph::SoftmaxKind::log_softmax);
  // ReduceSum took axes as an input from opset 13, the others from opset 18.
  t["ReduceSum"] = reduce(graph::ReduceKind::sum, 13);
  t["ReduceMean"] = reduce(graph::ReduceKind::mean, 18);
  t["ReduceMax"] = reduce(graph::ReduceKind::max, 18);
  t["ReduceMin"] = reduce(graph::ReduceKind::min, 18);
  t["ReduceProd"] = reduce(graph::ReduceKind::prod, 18);
  t["ReduceL1"] = reduce(graph::ReduceKind::l1, 18);
  t["ReduceL2"] = reduce(graph::ReduceKind::l2, 18);
  t["ReduceLogSum"] = reduce(graph::ReduceKind::log_sum, 18);
  t["ReduceLogSumExp"] = reduce(graph::ReduceKind::log_sum_exp, 18);
  t["ReduceSumSquare"] = reduce(graph::ReduceKind::sum_square, 18);
  t["ArgMax"] = argReduce(graph::ReduceKind::argmax);
  t["ArgMin"] = argReduce(graph::ReduceKind::argmin);
}

} // namespace tessera::onnx
