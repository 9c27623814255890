//===- Passes.h - Tessera cross-dialect passes ------------------*- C++ -*-===//
#ifndef TESSERA_PASSES_PASSES_H
#define TESSERA_PASSES_PASSES_H

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace tessera {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

struct FrontendPipelineOptions {
  std::vector<std::string> targets; // a variant per target
  bool inlineConstantArrays = true;  // every target's kernels can embed constant arrays
};

/// tgraph -> linalg on tensors (graph optimizations first, canonicalization around it).
/// `graphOptimizations` adds a target's own tgraph passes (layouts its kernels prefer) before lowering.
void buildGraphToLinalgPipeline(mlir::OpPassManager &pm,
                                llvm::function_ref<void(mlir::OpPassManager &)> graphOptimizations = {});
/// linalg on tensors -> outlined, deduplicated executables plus a host function of dispatches.
void buildDispatchCreationPipeline(mlir::OpPassManager &pm, const FrontendPipelineOptions &options);

/// Marks a `tensor.insert_slice` whose part its producer's kernel writes straight into the destination's
/// buffer (tessera-concatenate-in-place): it stays on the host, as a view. The value (i64) is the part's
/// byte offset in the destination.
inline constexpr llvm::StringLiteral kInPlaceAttr = "tessera.in_place";

/// The insert that writes into `insert`'s result when it is that result's only user: the next part of a
/// lowered Concat's chain.
inline mlir::tensor::InsertSliceOp nextInsertInChain(mlir::tensor::InsertSliceOp insert) {
  mlir::Value result = insert.getResult();
  auto next = result.hasOneUse() ? llvm::dyn_cast<mlir::tensor::InsertSliceOp>(*result.getUsers().begin())
                                 : mlir::tensor::InsertSliceOp();
  return next && next.getDest() == result ? next : mlir::tensor::InsertSliceOp();
}

/// The zero padding of the spatial dims only (dims 2 and 3 of an NCHW tensor, 1 and 2 of an NHWC one with
/// `channelsLast`) that `v` is, if it is one.
mlir::tensor::PadOp spatialZeroPad(mlir::Value v, bool channelsLast = false);

/// Registers the passes above and the named pipelines `tessera-graph-to-linalg-pipeline` and
/// `tessera-dispatch-creation-pipeline`.
void registerAllTesseraPasses();

} // namespace tessera

#endif
