//===- NodeImportersReduction.cpp - Reduce* and ArgMax/ArgMin -------------===//
//
// Lowered by passes/GraphToLinalg/ReductionToLinalg.cpp.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

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
      return one(graph::IdentityOp::create(c.b, c.loc, c.input(0)));
    } else {
      for (int64_t i = 0; i < rank; ++i)
        normalized.push_back(i);
    }
    llvm::sort(normalized);
    normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
    bool keepdims = c.getInt("keepdims", 1) != 0;
    auto axesAttr = c.b.getDenseI64ArrayAttr(normalized);
    if (in.getElementType().isInteger(1) && (kind == graph::ReduceKind::max || kind == graph::ReduceKind::min)) {
      // Bool max/min (opset 20) as 0/1 integers: a signless i1 reads true as -1.
      Value x = graph::CastOp::create(c.b, c.loc, c.input(0), c.b.getIntegerType(8));
      Value r = graph::ReduceOp::create(c.b, c.loc, x, kind, axesAttr, keepdims, false);
      return one(graph::CastOp::create(c.b, c.loc, r, in.getElementType()));
    }
    return one(graph::ReduceOp::create(c.b, c.loc, c.input(0), kind, axesAttr, keepdims, false));
  };
}

static NodeImporter argReduce(graph::ReduceKind kind) {
  return [kind](NodeContext &c) -> Results {
    auto in = c.inputType(0);
    auto axis = normalizeAxis(c, c.getInt("axis", 0), in.getRank());
    if (failed(axis))
      return failure();
    return one(graph::ReduceOp::create(c.b, c.loc, c.input(0), kind, c.b.getDenseI64ArrayAttr({*axis}),
                                       c.getInt("keepdims", 1) != 0, c.getInt("select_last_index", 0) != 0));
  };
}

void addReductionImporters(llvm::StringMap<NodeImporter> &t) {
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
