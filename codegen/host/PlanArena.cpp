//===- PlanArena.cpp - place literal-size allocations in one arena --------===//
//
// Live intervals are counted in steps (dispatches and copies, in program order); a host read of a buffer
// between two steps keeps it alive until the step before the read. First fit in order of first use: a
// buffer may reuse the space of any buffer whose interval ended before it starts.
//
#include "codegen/host/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {
#define GEN_PASS_DEF_PLANARENA
#include "codegen/host/Passes.h.inc"

namespace {

struct Interval {
  AllocOp alloc;
  uint64_t size = 0;
  int64_t first = -1, last = -1;
  uint64_t offset = 0;
};

LogicalResult plan(ProgramOp program) {
  SmallVector<Interval> intervals;
  DenseMap<Value, unsigned> intervalOf;
  for (auto alloc : program.getBody().getOps<AllocOp>()) {
    auto size = getConstantIntValue(alloc.getSize());
    if (!size)
      continue; // dynamic: allocated by the session when its size is known
    if (*size < 0)
      return alloc.emitOpError("has negative size ") << *size;
    intervalOf[alloc.getBuffer()] = intervals.size();
    intervals.push_back({alloc, static_cast<uint64_t>(*size)});
  }
  int64_t step = 0;
  auto use = [&](Value buffer, int64_t at) {
    auto it = intervalOf.find(viewRoot(buffer)); // a view keeps its source alive
    if (it == intervalOf.end())
      return;
    Interval &iv = intervals[it->second];
    if (iv.first < 0)
      iv.first = at;
    iv.last = std::max(iv.last, at);
  };
  for (Operation &op : program.getBody().front()) {
    if (isa<DispatchOp, CopyOp>(op)) {
      for (Value v : op.getOperands())
        use(v, step);
      ++step;
    } else if (auto read = dyn_cast<ReadI64Op>(op)) {
      use(read.getSource(), std::max<int64_t>(step - 1, 0));
    }
  }
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < intervals.size(); ++i) {
    if (intervals[i].first < 0)
      intervals[i].first = intervals[i].last = 0; // never used: still gets valid space
    order.push_back(i);
  }
  llvm::stable_sort(order, [&](unsigned a, unsigned b) { return intervals[a].first < intervals[b].first; });
  uint64_t arenaSize = 0;
  SmallVector<unsigned> placed;
  for (unsigned id : order) {
    Interval &iv = intervals[id];
    SmallVector<std::pair<uint64_t, uint64_t>> busy; // [offset, end) of overlapping live buffers
    for (unsigned other : placed) {
      const Interval &o = intervals[other];
      if (o.last >= iv.first && o.first <= iv.last)
        busy.push_back({o.offset, o.offset + o.size});
    }
    llvm::sort(busy);
    uint64_t offset = 0;
    for (auto [start, end] : busy) {
      if (offset + iv.size <= start)
        break;
      offset = std::max(offset, llvm::alignTo(end, kArenaAlignment));
    }
    iv.offset = offset;
    arenaSize = std::max(arenaSize, offset + iv.size);
    placed.push_back(id);
  }
  Builder b(program.getContext());
  for (Interval &iv : intervals)
    iv.alloc.setOffsetAttr(b.getI64IntegerAttr(iv.offset));
  program.setArenaSizeAttr(b.getI64IntegerAttr(arenaSize));
  return success();
}

struct PlanArenaPass : impl::PlanArenaBase<PlanArenaPass> {
  void runOnOperation() override {
    for (auto program : getOperation().getOps<ProgramOp>())
      if (failed(plan(program)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::host
