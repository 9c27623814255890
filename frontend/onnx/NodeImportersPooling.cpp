//===- NodeImportersPooling.cpp - MaxPool, AveragePool and global pools ---===//
//
// Lowered by passes/GraphToLinalg/PoolingToLinalg.cpp.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

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
    }
    if (withIndices) {
      auto op = c.build<graph::MaxPoolWithIndicesOp>(
          c.input(0), c.b.getDenseI64ArrayAttr(kernel), c.b.getDenseI64ArrayAttr(strides),
          c.b.getDenseI64ArrayAttr(dilations), c.b.getDenseI64ArrayAttr(pads), c.getInt("storage_order", 0));
      if (failed(op))
        return failure();
      return SmallVector<Value>{op->getValues(), op->getIndices()};
    }
    return one(c.make<graph::PoolOp>(c.input(0), kind, c.b.getDenseI64ArrayAttr(kernel),
                                     c.b.getDenseI64ArrayAttr(strides), c.b.getDenseI64ArrayAttr(dilations),
                                     c.b.getDenseI64ArrayAttr(pads), c.b.getDenseI64ArrayAttr(originalEnd),
                                     c.getInt("count_include_pad", 0) != 0));
  };
}

/// Training mode: normalize with the batch statistics (population variance) and return the running
/// statistics updated with `momentum`.

void addPoolingImporters(llvm::StringMap<NodeImporter> &t) {
  t["MaxPool"] = pool(graph::PoolKind::max, false);
  t["AveragePool"] = pool(graph::PoolKind::avg, false);
  t["GlobalMaxPool"] = pool(graph::PoolKind::max, true);
  t["GlobalAveragePool"] = pool(graph::PoolKind::avg, true);
}

} // namespace tessera::onnx
