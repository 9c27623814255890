//===- CopiesToLinalg.cpp - memref.copy -> linalg.copy ---------------------===//
//
// Bufferization writes a slice or a result that aliases an input as memref.copy, which has no device
// lowering; as linalg.copy it becomes a parallel loop nest like every other kernel body.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_COPIESTOLINALG
#include "codegen/vulkan/Passes.h.inc"

namespace {

struct CopiesToLinalgPass : impl::CopiesToLinalgBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(), copy.getTarget());
    }
  }
};

} // namespace
} // namespace tessera::vulkan
