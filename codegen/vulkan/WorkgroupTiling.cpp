//===- WorkgroupTiling.cpp - a contraction's operands staged in workgroup memory ---===//
#include "codegen/vulkan/WorkgroupTiling.h"
#include "codegen/vulkan/InvocationBlocking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace tessera::vulkan {
namespace {

/// Iterations of `loop` when its bounds are constant and its step positive.
std::optional<int64_t> constantTrip(scf::ForOp loop) {
  auto l = getConstantIntValue(loop.getLowerBound()), u = getConstantIntValue(loop.getUpperBound()),
       s = getConstantIntValue(loop.getStep());
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

bool writtenBy(Value memref) {
  return llvm::any_of(memref.getUsers(), [&](Operation *user) {
    auto store = dyn_cast<memref::StoreOp>(user);
    return store && store.getMemRef() == memref;
  });
}

/// `load` as a staged operand of `loop` (in `nest`), if its binding is only read, its element is 32 bits,
/// and its indices are pure functions of the nest's dims, the loop and loops in it with constant bounds.
/// Staged only when it changes with the loop and some tiled dim does not change it (tiles share it).
std::optional<StagedLoad> stageable(func::FuncOp func, scf::ParallelOp nest, scf::ForOp loop, memref::LoadOp load,
                                    ArrayRef<int64_t> tile) {
  auto binding = dyn_cast<BlockArgument>(load.getMemRef());
  Type element = load.getType();
  if (!binding || binding.getOwner() != &func.getBody().front() || writtenBy(binding) ||
      !(element.isF32() || element.isInteger(32)))
    return std::nullopt;
  // The workgroup copies every element the loops can reach: a load under a condition (which may guard its
  // indices) is left where it is.
  for (Operation *parent = load->getParentOp(); parent != loop.getOperation(); parent = parent->getParentOp())
    if (!isa<scf::ForOp>(parent))
      return std::nullopt;
  llvm::SmallSetVector<int64_t, 4> dims;
  llvm::SmallPtrSet<Operation *, 16> slice, inner;
  bool chunked = false;
  std::function<bool(Value)> visit = [&](Value v) -> bool {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Operation *owner = arg.getOwner()->getParentOp();
      if (owner == nest.getOperation()) {
        dims.insert(arg.getArgNumber());
        return true;
      }
      if (owner == loop.getOperation())
        return chunked = arg.getArgNumber() == 0;
      auto innerLoop = dyn_cast<scf::ForOp>(owner);
      if (innerLoop && loop->isProperAncestor(innerLoop) && innerLoop->isAncestor(load) &&
          arg.getArgNumber() == 0 && innerLoop.getNumResults() == 0 && constantTrip(innerLoop)) {
        inner.insert(innerLoop);
        return true;
      }
      return !nest->isAncestor(owner);
    }
    Operation *def = v.getDefiningOp();
    if (!nest->isProperAncestor(def))
      return true;
    if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      return false;
    if (!slice.insert(def).second)
      return true;
    return llvm::all_of(def->getOperands(), visit);
  };
  if (!llvm::all_of(load.getIndices(), visit) || !chunked)
    return std::nullopt;
  StagedLoad staged{load, {}, {}, {}, {}};
  int64_t tiled = 0;
  for (auto [d, extent] : llvm::enumerate(tile)) {
    if (extent == 1)
      continue;
    ++tiled;
    if (dims.contains(d)) {
      staged.tiledDims.push_back(d);
      staged.shape.push_back(extent);
    }
  }
  if ((int64_t)staged.tiledDims.size() == tiled)
    return std::nullopt; // every invocation of the tile loads its own elements: nothing to share
  staged.shape.push_back(0); // the chunk, sized by the plan
  nest.walk([&](Operation *op) {
    if (slice.contains(op))
      staged.slice.push_back(op);
    if (inner.contains(op)) {
      staged.innerLoops.push_back(cast<scf::ForOp>(op));
      staged.shape.push_back(*constantTrip(cast<scf::ForOp>(op)));
    }
  });
  return staged;
}

Value constant(OpBuilder &b, Location loc, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

/// lb + i * step of `loop`, with `i` an iteration.
Value ivAt(OpBuilder &b, Location loc, scf::ForOp loop, Value i, IRMapping &map) {
  return arith::AddIOp::create(b, loc, map.lookupOrDefault(loop.getLowerBound()),
                               arith::MulIOp::create(b, loc, i, map.lookupOrDefault(loop.getStep())));
}

/// A value standing for something the tile's invocations compute (an offset, a workgroup buffer) while
/// the loop body is cloned: mapped in every copy, erased after.
Value placeholder(OpBuilder &b, Location loc, Type type) {
  return UnrealizedConversionCastOp::create(b, loc, TypeRange{type}, ValueRange{}).getResult(0);
}

} // namespace

std::optional<WorkgroupTile> chooseWorkgroupTile(ArrayRef<scf::ParallelOp> nests, ArrayRef<int64_t> trips,
                                                 int64_t maxAccumulators, int64_t workgroupSize) {
  // The dims worth blocking are the dims worth tiling: their elements share loads.
  SmallVector<int64_t> blocked = chooseInvocationBlock(nests, trips, maxAccumulators, /*minInvocations=*/1);
  SmallVector<int64_t> dims;
  for (auto [d, factor] : llvm::enumerate(blocked))
    if (factor > 1)
      dims.push_back(d);
  if (dims.empty() || !llvm::isPowerOf2_64(workgroupSize))
    return std::nullopt;
  WorkgroupTile tile{dims, SmallVector<int64_t>(trips.size(), 1), SmallVector<int64_t>(trips.size(), 1)};
  // Two dims: a square of lanes (the inner dim's lanes the more where it cannot be square), consecutive
  // lanes along the inner dim; one dim: every lane along it.
  int64_t inner = dims.size() == 1 ? workgroupSize : int64_t{1} << ((llvm::Log2_64(workgroupSize) + 1) / 2);
  tile.lanes[dims.back()] = inner;
  if (dims.size() == 2)
    tile.lanes[dims.front()] = workgroupSize / inner;
  int64_t perDim = dims.size() == 1 ? std::min<int64_t>(maxAccumulators, 4) : 1;
  while (dims.size() == 2 && (perDim + 1) * (perDim + 1) <= std::min<int64_t>(maxAccumulators, 16))
    ++perDim;
  for (int64_t d : dims) {
    tile.block[d] = std::min(perDim, trips[d] / tile.lanes[d]);
    if (tile.block[d] < 1)
      return std::nullopt; // a dim shorter than its lanes: no whole tile
  }
  return tile;
}

std::optional<WorkgroupStaging> planWorkgroupStaging(func::FuncOp func, ArrayRef<scf::ParallelOp> nests,
                                                     ArrayRef<int64_t> tile, int64_t budgetBytes) {
  for (scf::ParallelOp nest : nests) {
    for (Operation &op : nest.getBody()->without_terminator()) {
      auto loop = dyn_cast<scf::ForOp>(op);
      std::optional<int64_t> trip = loop ? constantTrip(loop) : std::nullopt;
      if (!trip || *trip < 2 || loop.getNumResults() != 0)
        continue;
      WorkgroupStaging plan{nest, loop, *trip, 0, {}};
      loop.walk([&](memref::LoadOp load) {
        if (auto staged = stageable(func, nest, loop, load, tile))
          plan.loads.push_back(std::move(*staged));
      });
      if (plan.loads.empty())
        continue;
      // Bytes of every buffer per iteration of the chunk; the chunk is as long as the budget allows.
      int64_t perIteration = 0;
      for (StagedLoad &s : plan.loads) {
        int64_t bytes = 4; // 32-bit elements; the chunk's extent (still 0) counted as 1
        for (int64_t extent : s.shape)
          bytes *= extent ? extent : 1;
        perIteration += bytes;
      }
      plan.chunk = std::min<int64_t>(32, *trip);
      while (plan.chunk > 0 && plan.chunk * perIteration > budgetBytes)
        plan.chunk /= 2;
      if (plan.chunk == 0)
        return std::nullopt;
      for (StagedLoad &s : plan.loads)
        s.shape[s.tiledDims.size()] = plan.chunk;
      return plan;
    }
  }
  return std::nullopt;
}

void emitStagedReduction(OpBuilder &b, WorkgroupStaging &plan, ArrayRef<Value> buffers,
                         TileInvocation &inv) {
  Location loc = plan.reduction.getLoc();
  scf::ForOp loop = plan.reduction;
  SmallVector<Value> nestIvs(plan.nest.getInductionVars());
  auto index = [&](int64_t v) { return constant(b, loc, v); };
  auto chunks = scf::ForOp::create(b, loc, index(0), index(plan.trip), index(plan.chunk));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(chunks.getBody()->getTerminator());
  Value first = chunks.getInductionVar();
  bool partial = plan.trip % plan.chunk != 0;

  // The workgroup copies the chunk's operands: element e of a buffer is delinearized into its coordinates.
  for (auto [staged, buffer] : llvm::zip(plan.loads, buffers)) {
    int64_t size = 1;
    for (int64_t extent : staged.shape)
      size *= extent;
    auto copy = scf::ForOp::create(b, loc, inv.lane, index(size), index(inv.workgroupSize));
    OpBuilder::InsertionGuard copyGuard(b);
    b.setInsertionPoint(copy.getBody()->getTerminator());
    SmallVector<Value> coords(staged.shape.size());
    Value rest = copy.getInductionVar();
    for (int64_t d = (int64_t)coords.size() - 1; d >= 0; --d) {
      coords[d] = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, index(staged.shape[d])).getResult();
      if (d > 0)
        rest = arith::DivUIOp::create(b, loc, rest, index(staged.shape[d]));
    }
    IRMapping map = inv.kernel;
    map.map(nestIvs, inv.firstIv);
    size_t k = 0;
    for (int64_t d : staged.tiledDims)
      map.map(nestIvs[d], arith::AddIOp::create(b, loc, inv.firstIv[d],
                                                arith::MulIOp::create(b, loc, coords[k++], index(inv.steps[d]))));
    Value iteration = arith::AddIOp::create(b, loc, first, coords[k++]);
    map.map(loop.getInductionVar(), ivAt(b, loc, loop, iteration, map));
    for (scf::ForOp inner : staged.innerLoops)
      map.map(inner.getInductionVar(), ivAt(b, loc, inner, coords[k++], map));
    if (partial) { // the last chunk is shorter
      Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, iteration, index(plan.trip));
      auto guardIf = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
      b.setInsertionPoint(guardIf.thenBlock()->getTerminator());
    }
    for (Operation *op : staged.slice)
      b.clone(*op, map);
    Value value = b.clone(*staged.load, map)->getResult(0);
    memref::StoreOp::create(b, loc, value, buffer, coords);
  }
  gpu::BarrierOp::create(b, loc);

  Value count = partial ? arith::MinUIOp::create(b, loc, index(plan.chunk),
                                                 arith::SubIOp::create(b, loc, index(plan.trip), first))
                              .getResult()
                        : index(plan.chunk);
  auto steps = scf::ForOp::create(b, loc, index(0), count, index(1));
  {
    OpBuilder::InsertionGuard stepGuard(b);
    b.setInsertionPoint(steps.getBody()->getTerminator());
    Value iteration = arith::AddIOp::create(b, loc, first, steps.getInductionVar());
    Value iv = ivAt(b, loc, loop, iteration, inv.kernel);
    // The staged loads read their buffers while the body is cloned: placeholders for the copies' offsets
    // and the buffers, loads of the buffers beside the originals, all undone after.
    OpBuilder original(loop);
    Block &funcEntry = loop->getParentOfType<func::FuncOp>().getBody().front();
    original.setInsertionPointToStart(&funcEntry);
    SmallVector<Operation *> temporaries;
    auto remember = [&](Value v) {
      temporaries.push_back(v.getDefiningOp());
      return v;
    };
    Value chunkStep = remember(placeholder(original, loc, b.getIndexType()));
    SmallVector<Value> offsets(nestIvs.size());
    for (size_t d = 0; d < offsets.size(); ++d)
      offsets[d] = remember(placeholder(original, loc, b.getIndexType()));
    SmallVector<Value> bufferStandIns;
    for (Value buffer : buffers)
      bufferStandIns.push_back(remember(placeholder(original, loc, buffer.getType())));
    SmallVector<std::pair<memref::LoadOp, memref::LoadOp>> swapped;
    for (auto [staged, standIn] : llvm::zip(plan.loads, bufferStandIns)) {
      original.setInsertionPoint(staged.load);
      SmallVector<Value> indices;
      for (int64_t d : staged.tiledDims)
        indices.push_back(offsets[d]);
      indices.push_back(chunkStep);
      for (scf::ForOp inner : staged.innerLoops) {
        Value i = inner.getInductionVar();
        if (getConstantIntValue(inner.getLowerBound()) != 0 || getConstantIntValue(inner.getStep()) != 1)
          i = remember(arith::DivUIOp::create(
              original, loc, remember(arith::SubIOp::create(original, loc, i, inner.getLowerBound())),
              inner.getStep()));
        indices.push_back(i);
      }
      auto fromBuffer = memref::LoadOp::create(original, loc, standIn, indices);
      staged.load.getResult().replaceAllUsesWith(fromBuffer.getResult());
      swapped.push_back({staged.load, fromBuffer});
    }
    for (auto [c, copy] : llvm::enumerate(inv.copies)) {
      copy.map(loop.getInductionVar(), iv);
      copy.map(chunkStep, steps.getInductionVar());
      for (auto [d, offset] : llvm::enumerate(offsets))
        copy.map(offset, inv.offsets[c][d]);
      copy.map(bufferStandIns, buffers);
    }
    SmallVector<Operation *> body;
    for (Operation &op : loop.getBody()->without_terminator())
      body.push_back(&op);
    cloneJammed(b, body, inv.copies);
    for (auto [load, fromBuffer] : swapped) {
      fromBuffer.getResult().replaceAllUsesWith(load.getResult());
      fromBuffer->erase();
    }
    for (Operation *op : llvm::reverse(temporaries))
      op->erase();
  }
  gpu::BarrierOp::create(b, loc);
}

} // namespace tessera::vulkan
