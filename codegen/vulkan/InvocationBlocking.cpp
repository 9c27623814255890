//===- InvocationBlocking.cpp - several elements per device invocation ------===//
#include "codegen/vulkan/InvocationBlocking.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace tessera::vulkan {
namespace {

/// Which induction variables of `nest` (bit d for its dim d) a value inside it is computed from.
class DimDependence {
public:
  explicit DimDependence(scf::ParallelOp nest) : nest(nest) {}

  uint64_t of(Value v) {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    uint64_t mask = 0;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == nest.getBody() && arg.getArgNumber() < 64)
        mask = uint64_t{1} << arg.getArgNumber();
    } else if (Operation *def = v.getDefiningOp(); def && nest->isProperAncestor(def)) {
      for (Value operand : def->getOperands())
        mask |= of(operand);
    }
    memo[v] = mask;
    return mask;
  }

private:
  scf::ParallelOp nest;
  DenseMap<Value, uint64_t> memo;
};

/// For each load run once per step of a reduction loop, the dims its element depends on.
SmallVector<uint64_t> reductionLoadDims(ArrayRef<scf::ParallelOp> nests) {
  SmallVector<uint64_t> masks;
  for (scf::ParallelOp nest : nests) {
    DenseSet<Value> accumulators;
    nest.walk([&](memref::StoreOp store) {
      if (store->getParentOfType<scf::ForOp>() && nest->isProperAncestor(store->getParentOfType<scf::ForOp>()))
        accumulators.insert(store.getMemRef());
    });
    DimDependence dependence(nest);
    nest.walk([&](memref::LoadOp load) {
      auto loop = load->getParentOfType<scf::ForOp>();
      if (!loop || !nest->isProperAncestor(loop) || accumulators.contains(load.getMemRef()))
        return;
      uint64_t mask = 0;
      for (Value index : load.getIndices())
        mask |= dependence.of(index);
      masks.push_back(mask);
    });
  }
  return masks;
}

} // namespace

SmallVector<int64_t> chooseInvocationBlock(ArrayRef<scf::ParallelOp> nests, ArrayRef<int64_t> runTimeTrips,
                                           int64_t maxAccumulators, int64_t minInvocations) {
  size_t rank = runTimeTrips.size();
  SmallVector<int64_t> block(rank, 1);
  SmallVector<uint64_t> loads = reductionLoadDims(nests);
  if (loads.empty() || rank > 64)
    return block;
  // A run-time trip count is sized as a typical one for the invocations a block leaves; its dim is not
  // blocked (its last elements would be known only when the model runs).
  SmallVector<int64_t> trips;
  for (int64_t t : runTimeTrips)
    trips.push_back(ShapedType::isDynamic(t) ? kAssumedRunTimeTrips : t);
  auto blockable = [&](int64_t d) { return !ShapedType::isDynamic(runTimeTrips[d]); };
  int64_t total = 1;
  for (int64_t t : trips)
    total *= t;
  // Loads per element of the space when dims a and b (b < 0: none) are blocked by fa and fb: the elements of
  // whole blocks share loads, the rest (a dim's last trips % f elements) are computed one per invocation.
  auto loadsPerElement = [&](int64_t a, int64_t fa, int64_t b, int64_t fb) {
    double blocked = 0;
    for (uint64_t mask : loads)
      blocked += double((mask >> a & 1) ? fa : 1) * double(b >= 0 && (mask >> b & 1) ? fb : 1);
    blocked /= double(fa * fb);
    double inBlocks = double(trips[a] / fa * fa) / double(trips[a]);
    if (b >= 0)
      inBlocks *= double(trips[b] / fb * fb) / double(trips[b]);
    return inBlocks * blocked + (1 - inBlocks) * double(loads.size());
  };
  double best = double(loads.size());
  for (int64_t a = 0; a < (int64_t)rank; ++a)
    for (int64_t fa = 2; blockable(a) && fa <= std::min(maxAccumulators, trips[a]); ++fa)
      for (int64_t b = -1; b < (int64_t)rank; ++b) {
        if (b == a || (b >= 0 && (b < a || !blockable(b))))
          continue;
        for (int64_t fb = b < 0 ? 1 : 2; fa * fb <= maxAccumulators && (b < 0 || fb <= trips[b]); ++fb) {
          int64_t positions = total / trips[a] * (trips[a] / fa);
          if (b >= 0)
            positions = positions / trips[b] * (trips[b] / fb);
          if (positions < minInvocations)
            break;
          double cost = loadsPerElement(a, fa, b, fb);
          if (cost < best - 1e-9) {
            best = cost;
            block.assign(rank, 1);
            block[a] = fa;
            if (b >= 0)
              block[b] = fb;
          }
          if (b < 0)
            break;
        }
      }
  return block;
}

void cloneJammed(OpBuilder &b, ArrayRef<Operation *> ops, MutableArrayRef<IRMapping> copies) {
  for (Operation *op : ops) {
    auto loop = dyn_cast<scf::ForOp>(op);
    auto sameInEveryCopy = [&](Value v) {
      return llvm::all_of(copies, [&](IRMapping &m) { return m.lookupOrDefault(v) == copies.front().lookupOrDefault(v); });
    };
    if (loop && loop.getNumResults() == 0 && sameInEveryCopy(loop.getLowerBound()) &&
        sameInEveryCopy(loop.getUpperBound()) && sameInEveryCopy(loop.getStep())) {
      IRMapping &first = copies.front();
      auto jammed = scf::ForOp::create(b, loop.getLoc(), first.lookupOrDefault(loop.getLowerBound()),
                                       first.lookupOrDefault(loop.getUpperBound()),
                                       first.lookupOrDefault(loop.getStep()));
      for (IRMapping &m : copies)
        m.map(loop.getInductionVar(), jammed.getInductionVar());
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(jammed.getBody()->getTerminator());
      SmallVector<Operation *> body;
      for (Operation &inner : loop.getBody()->without_terminator())
        body.push_back(&inner);
      cloneJammed(b, body, copies);
      continue;
    }
    for (IRMapping &m : copies)
      b.clone(*op, m);
  }
}

} // namespace tessera::vulkan
