//===- PlaceTemporariesInScratch.cpp - kernel temporaries in worker scratch ===//
//
// A kernel's temporaries (a softmax's row sums, say) were malloc'ed and freed on every workgroup call.
// The runtime gives each worker a scratch region, allocated once per session, and a worker runs one
// workgroup at a time: so every temporary that does not outlive its block becomes a view of that
// region, with the most bytes it can take (run-time sizes, such as a workgroup's share
// min(tile, n - offset), need a constant upper bound). The kernel gets a trailing `memref<Nxi8>`
// argument and `tessera.scratch_bytes = N`; tessera-cpu-emit-kernel-abi binds it to
// tsr_workgroup_state::scratch after checking it holds N bytes, and the artifact asks the session for
// the largest N of its kernels. Temporaries get disjoint 64-byte aligned ranges (a kernel has few;
// reusing ranges by liveness would save little). Temporaries with no constant bound (sizes that follow
// the model's run-time dims) stay on the heap.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_PLACETEMPORARIESINSCRATCH
#include "codegen/cpu/Passes.h.inc"

namespace {

constexpr int64_t kScratchAlignment = 64; // the runtime's regions start on cache lines
/// A kernel's scratch stays below this; temporaries past it stay on the heap (every thread holds the
/// largest kernel's scratch for the session's lifetime).
constexpr int64_t kMaxScratchBytes = int64_t(64) << 20;

/// Whether a use of `v`, or of a memref derived from it (a view, a cast, extracted metadata), can see the
/// buffer after its block ends (a terminator yields or returns it) or frees it other than by a plain
/// dealloc of the allocation itself.
bool escapes(Value v, Value allocation) {
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (isa<memref::DeallocOp>(user)) {
      if (v != allocation)
        return true;
      continue;
    }
    if (user->hasTrait<OpTrait::IsTerminator>() || isa<bufferization::DeallocOp>(user))
      return true;
    for (Value result : user->getResults())
      if (isa<BaseMemRefType>(result.getType()) && escapes(result, allocation))
        return true;
  }
  return false;
}

/// The most bytes `alloc` may allocate when it can be a view of i8 scratch: identity layout, default memory
/// space, integer or float elements (i1 is stored as a byte), and a constant upper bound on each run-time
/// size (a workgroup's share min(tile, n - offset), say); none past kMaxScratchBytes.
std::optional<int64_t> scratchBytes(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  if (!type.getLayout().isIdentity() || type.getMemorySpace() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  int64_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  auto dynamicSizes = alloc.getDynamicSizes().begin();
  for (int64_t d : type.getShape()) {
    if (ShapedType::isDynamic(d)) {
      FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
          presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(*dynamicSizes++), nullptr, /*closedUB=*/true);
      if (failed(bound))
        return std::nullopt;
      d = std::max<int64_t>(*bound, 0);
    }
    if (llvm::MulOverflow(bytes, d, bytes) || bytes > kMaxScratchBytes)
      return std::nullopt;
  }
  return bytes;
}

struct PlaceTemporariesInScratchPass : impl::PlaceTemporariesInScratchBase<PlaceTemporariesInScratchPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration() && func->hasAttr(kWorkgroupCountAttr))
        if (failed(place(func)))
          return signalPassFailure();
  }

  LogicalResult place(func::FuncOp func) {
    struct Placed {
      memref::AllocOp alloc;
      int64_t offset;
    };
    SmallVector<Placed> placed;
    int64_t total = 0;
    func.walk([&](memref::AllocOp alloc) {
      std::optional<int64_t> bytes = scratchBytes(alloc);
      uint64_t alignment = alloc.getAlignment().value_or(1);
      if (!bytes || alignment > kScratchAlignment || escapes(alloc.getResult(), alloc.getResult()))
        return;
      int64_t range = llvm::alignTo(std::max<int64_t>(*bytes, 1), kScratchAlignment);
      if (total + range > kMaxScratchBytes)
        return;
      placed.push_back({alloc, total});
      total += range;
    });
    if (placed.empty())
      return success();
    if (func->hasAttr(kScratchBytesAttr))
      return func.emitOpError("already has its temporaries in scratch");
    OpBuilder b(func.getContext());
    auto scratchType = MemRefType::get({total}, b.getI8Type());
    BlockArgument scratch = func.front().addArgument(scratchType, func.getLoc());
    func.setType(FunctionType::get(func.getContext(), func.front().getArgumentTypes(),
                                   func.getFunctionType().getResults()));
    func->setAttr(kScratchBytesAttr, b.getI64IntegerAttr(total));
    for (auto [alloc, offset] : placed) {
      b.setInsertionPoint(alloc);
      Value at = arith::ConstantIndexOp::create(b, alloc.getLoc(), offset);
      Value view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(), scratch, at, alloc.getDynamicSizes());
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      alloc.replaceAllUsesWith(view);
      alloc.erase();
    }
    return success();
  }
};

} // namespace
} // namespace tessera::cpu
