//===- KeepInnerLoopsRolled.cpp - short inner loops stay loops for the vectorizer -===//
//
// LLVM fully unrolls a short constant loop before its loop vectorizer runs, which then vectorizes the
// loop around it instead: across its iterations, with gathers and scatters. A per-channel scale of
// 7x7 planes (channel loop around a loop of 49) ran about 4x slower that way than as contiguous vectors
// along the plane. Innermost loops of a nest whose trip count fills a vector but is short enough to be
// flattened get `llvm.loop.unroll.disable`: the vectorizer then takes them, in order, with a remainder.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_KEEPINNERLOOPSROLLED
#include "codegen/cpu/Passes.h.inc"

namespace {

/// Trip counts from one 512-bit vector of f32 up to the sizes LLVM would still flatten.
constexpr int64_t kMinTripCount = 16;
constexpr int64_t kMaxTripCount = 256;

bool isInnermost(scf::ForOp loop) {
  return !loop.getBody()
              ->walk([](scf::ForOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
}

struct KeepInnerLoopsRolledPass : impl::KeepInnerLoopsRolledBase<KeepInnerLoopsRolledPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto annotation = LLVM::LoopAnnotationAttr::get(
        ctx, /*disableNonforced=*/{}, /*vectorize=*/{}, /*interleave=*/{},
        LLVM::LoopUnrollAttr::get(ctx, /*disable=*/BoolAttr::get(ctx, true), /*count=*/{},
                                  /*runtimeDisable=*/{}, /*full=*/{}, /*followupUnrolled=*/{},
                                  /*followupRemainder=*/{}, /*followupAll=*/{}),
        /*unrollAndJam=*/{}, /*licm=*/{}, /*distribute=*/{}, /*pipeline=*/{}, /*peeled=*/{},
        /*unswitch=*/{}, /*mustProgress=*/{}, /*isVectorized=*/{}, /*startLoc=*/{}, /*endLoc=*/{},
        /*parallelAccesses=*/{});
    getOperation().walk([&](scf::ForOp loop) {
      if (!loop->getParentOfType<scf::ForOp>() || !isInnermost(loop))
        return;
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (trips && trips->sge(kMinTripCount) && trips->sle(kMaxTripCount))
        loop->setAttr("loop_annotation", annotation);
    });
  }
};

} // namespace
} // namespace tessera::cpu
