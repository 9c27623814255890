//===- DecomposeResultPads.cpp - a padding kernel writes its output in place --===//
//
// A kernel that only pads (the input of a padded convolution or pooling) becomes a fill of its output
// and a copy of the input into the interior. Bufferized as a tensor.pad, it allocated a temporary on every
// run and copied it whole into the output; decomposed, both writes go straight to the output binding.
//
// Result pads are decomposed after the kernel is split into workgroups (`result-pads`, on by default), so
// a padding kernel splits as a tensor.pad (by channels) and each workgroup writes its share in place.
//
// With `convolution-inputs`, a pad feeding a convolution in the same kernel is decomposed too: it is then
// not tiled with the convolution, and the microkernel lowering folds the fill and the copy into a
// convolution that reads the unpadded image (zeros outside it).
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_DECOMPOSERESULTPADS
#include "codegen/cpu/Passes.h.inc"

namespace {

struct DecomposeResultPadsPass : impl::DecomposeResultPadsBase<DecomposeResultPadsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<Operation *> pads;
    getOperation()->walk([&](tensor::PadOp pad) {
      if (!pad->hasOneUse())
        return;
      Operation *user = *pad->user_begin();
      // A result pad, whole or a workgroup's share of it (once the kernel is distributed).
      bool result = isa<func::ReturnOp, tensor::ParallelInsertSliceOp>(user);
      if ((resultPads && result) || (convolutionInputs && isConvolutionInput(user, pad.getResult())))
        pads.push_back(pad);
    });
    if (pads.empty())
      return;
    RewritePatternSet patterns(&getContext());
    patterns.add<linalg::DecomposePadOpPattern>(&getContext());
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyOpPatternsGreedily(pads, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::cpu
