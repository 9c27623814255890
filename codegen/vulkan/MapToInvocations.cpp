//===- MapToInvocations.cpp - a parallel loop nest -> a gpu.func kernel ----===//
//
// A block of the iteration space per invocation (one element, or a register block of a contraction's
// outputs: InvocationBlocking.h): the blocked space is linearized and walked by a grid-stride loop, so the
// grid stays 1-D and below Vulkan's guaranteed 65535 workgroups whatever the tensor size.
//
#include "codegen/vulkan/InvocationBlocking.h"
#include "codegen/vulkan/NestDependences.h"
#include "codegen/vulkan/Passes.h"
#include "codegen/vulkan/WorkgroupTiling.h"
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "runtime/include/tessera/artifact_format.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVEnums.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/SPIRVConversion.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_MAPTOINVOCATIONS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// Vulkan guarantees maxComputeWorkGroupCount[0] >= 65535.
constexpr int64_t kMaxWorkgroups = 65535;
/// Index math runs in 32 bits on the device.
constexpr int64_t kMaxElements = int64_t{1} << 31;

/// How the kernel uses `arg`: a binding it stores to is an output (it may read back what it wrote: a
/// contraction accumulates there), any other binding is read. Other uses are not supported yet.
FailureOr<int32_t> bindingAccess(func::FuncOp func, BlockArgument arg) {
  // An output binding no op touches (an empty output) is still written, as its dispatch says.
  auto firstResult = func->getAttrOfType<IntegerAttr>(kFirstResultBindingAttr);
  bool writes = firstResult && arg.use_empty() && arg.getArgNumber() >= firstResult.getInt();
  for (Operation *user : arg.getUsers()) {
    if (auto store = dyn_cast<memref::StoreOp>(user); store && store.getMemRef() == arg)
      writes = true;
    else if (!isa<memref::LoadOp>(user))
      return func.emitOpError("binding ") << arg.getArgNumber() << " is used by '" << user->getName()
                                          << "', which the device mapping does not support";
  }
  return writes ? TSR_ACCESS_WRITE : TSR_ACCESS_READ;
}

/// The capability a value of `type` needs on the device beyond the Shader baseline, if any.
std::optional<spirv::Capability> requiredCapability(Type type, bool inStorage) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return requiredCapability(memref.getElementType(), /*inStorage=*/true);
  if (type.isInteger(64))
    return spirv::Capability::Int64;
  if (type.isF64())
    return spirv::Capability::Float64;
  if (type.isF16())
    return inStorage ? spirv::Capability::StorageBuffer16BitAccess : spirv::Capability::Float16;
  if (type.isInteger(16))
    return inStorage ? spirv::Capability::StorageBuffer16BitAccess : spirv::Capability::Int16;
  // Booleans are stored as bytes (the artifact's bool layout).
  if (type.isInteger(8) || (type.isInteger(1) && inStorage))
    return inStorage ? spirv::Capability::StorageBuffer8BitAccess : spirv::Capability::Int8;
  return std::nullopt;
}

/// Names the first type in `func` the profile cannot hold (conversion would fail later without saying why).
LogicalResult checkTypesAllowed(func::FuncOp func, spirv::TargetEnvAttr env) {
  spirv::TargetEnv target(env);
  auto check = [&](Operation *at, Type type, bool inStorage) -> LogicalResult {
    Type element = getElementTypeOrSelf(type);
    if (!element.isIntOrIndexOrFloat() || (isa<FloatType>(element) && !element.isF16() && !element.isF32() &&
                                           !element.isF64()))
      return at->emitOpError("uses ") << type << ", which has no SPIR-V type for Vulkan";
    auto cap = requiredCapability(type, inStorage);
    if (cap && !target.allows(*cap))
      return at->emitOpError("uses ") << type << ", which needs the " << spirv::stringifyCapability(*cap)
                                      << " capability the Vulkan profile lacks";
    return success();
  };
  for (Type t : func.getArgumentTypes())
    if (failed(check(func, t, /*inStorage=*/false)))
      return failure();
  WalkResult result = func.walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      if (!isa<MemRefType>(t) && failed(check(op, t, /*inStorage=*/false)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Bytes of each of the first `count` arguments (the bindings), 0 where the shape is dynamic. Booleans are
/// stored as bytes.
SmallVector<int64_t> bindingBytes(func::FuncOp func, size_t count) {
  SmallVector<int64_t> bytes;
  for (Type t : func.getArgumentTypes().take_front(count)) {
    auto memref = dyn_cast<MemRefType>(t);
    Type element = memref ? memref.getElementType() : Type();
    unsigned bits = element && element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 0;
    bool stored = bits == 1 || (bits >= 8 && bits % 8 == 0);
    bytes.push_back(memref && memref.hasStaticShape() && stored ? memref.getNumElements() * std::max(1u, bits / 8)
                                                                : 0);
  }
  return bytes;
}

/// A box of the iteration space that one grid-stride loop walks: `trips` positions per dim from `origin`,
/// each position standing for `block` elements per dim (copy r of position p along a dim: element
/// origin + p + r * trips). A dim whose trip count is a dispatch constant has it in `runTimeTrips` (the
/// kernel's index argument; null for the others), its `trips` entry kDynamic and a block of 1.
struct GridRegion {
  SmallVector<int64_t> origin, trips, block;
  SmallVector<Value> runTimeTrips;
  /// A region of workgroup tiles (WorkgroupTiling.h): each position is a tile that a workgroup walks
  /// together, `lanes[d]` invocations along dim d; empty for a region walked one position per invocation.
  SmallVector<int64_t> lanes;
  bool runTime() const { return llvm::any_of(runTimeTrips, [](Value v) { return v != nullptr; }); }
  /// Positions of the static dims.
  int64_t positions() const {
    int64_t n = 1;
    for (int64_t t : trips)
      n *= ShapedType::isDynamic(t) ? 1 : t;
    return n;
  }
};

/// Clones the loop bodies for `region`'s position `position` (per dim, from 0).
using BodyBuilder = llvm::function_ref<void(OpBuilder &, IRMapping &, const GridRegion &, ArrayRef<Value>)>;

/// Replaces `func` by a gpu.func kernel in its own gpu.module for `targetEnv`: the constants, then per region
/// a grid-stride loop over its positions, each delinearized (innermost dim fastest, so consecutive
/// invocations touch consecutive elements) and run by `buildBody`. The regions are disjoint, so they need no
/// barrier between them. `block`, when given, is recorded as the elements a position stands for. The
/// function's index arguments (DimsFromConstants) are the dispatch parameters after the status word, in
/// order; a region with run-time trip counts takes its grid from them when the model runs.
LogicalResult emitKernel(func::FuncOp func, ArrayRef<Operation *> constants, ArrayRef<GridRegion> regions,
                         ArrayRef<int32_t> access, Attribute targetEnv, int64_t workgroupSize,
                         BodyBuilder buildBody, ArrayRef<int64_t> block = {}, ArrayRef<int64_t> tile = {}) {
  int64_t total = 1;
  for (const GridRegion &region : regions)
    total = std::max(total, region.positions() * (region.lanes.empty() ? 1 : workgroupSize));
  SmallVector<BlockArgument> bindingArgs, pushArgs;
  for (BlockArgument arg : func.getArguments())
    (arg.getType().isIndex() ? pushArgs : bindingArgs).push_back(arg);
  // SPIR-V has no empty arrays: a binding without elements that nothing uses (an empty output) is declared
  // with one (the runtime binds 16 bytes for an empty binding).
  SmallVector<Type> bindingTypes = llvm::map_to_vector(bindingArgs, [](BlockArgument a) -> Type {
    auto type = dyn_cast<MemRefType>(a.getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() != 0 || !a.use_empty())
      return a.getType();
    return MemRefType::get(SmallVector<int64_t>(type.getRank(), 1), type.getElementType(), MemRefLayoutAttrInterface(),
                           type.getMemorySpace());
  });
  MLIRContext *ctx = func.getContext();
  Location loc = func.getLoc();
  auto module = func->getParentOfType<ModuleOp>();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), UnitAttr::get(ctx));
  OpBuilder b(ctx);
  b.setInsertionPoint(func);
  auto gpuModule = gpu::GPUModuleOp::create(b, loc, (func.getName() + "_module").str());
  gpuModule->setAttr(spirv::getTargetEnvAttrName(), targetEnv);
  b.setInsertionPointToStart(gpuModule.getBody());
  auto kernel = gpu::GPUFuncOp::create(b, loc, func.getName(), FunctionType::get(ctx, bindingTypes, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  int32_t size[3] = {static_cast<int32_t>(workgroupSize), 1, 1};
  kernel->setAttr(spirv::getEntryPointABIAttrName(), spirv::getEntryPointABIAttr(ctx, size));
  int64_t workgroups = std::clamp<int64_t>((total + workgroupSize - 1) / workgroupSize, 1, kMaxWorkgroups);
  // A run-time grid: the host computes clamp(ceil(S * c... / workgroupSize), 1, 65535) from the dispatch
  // constants that are the trip counts (the export's run_time_grid). Regions of run-time size share those
  // (they are boxes of one nest's space): the grid is sized for the largest; each walks any grid.
  const GridRegion *largest = nullptr;
  for (const GridRegion &region : regions)
    if (region.runTime() && (!largest || region.positions() > largest->positions()))
      largest = &region;
  if (largest) {
    const GridRegion &region = *largest;
    SmallVector<int64_t> formula = {workgroupSize, kMaxWorkgroups, region.positions(), -1};
    for (Value trip : region.runTimeTrips)
      if (trip)
        formula.push_back(llvm::find(pushArgs, trip) - pushArgs.begin());
    kernel->setAttr(kRunTimeGridAttr, b.getDenseI64ArrayAttr(formula));
    workgroups = 0;
  }
  kernel->setAttr(kWorkgroupCountAttr, b.getI64IntegerAttr(workgroups));
  if (Attribute dispatchConstants = func->getAttr(kDispatchConstantsAttr))
    kernel->setAttr(kDispatchConstantsAttr, dispatchConstants);
  kernel->setAttr(kWorkgroupSizeAttr, b.getI64IntegerAttr(workgroupSize));
  kernel->setAttr(kBindingAccessAttr, b.getDenseI32ArrayAttr(access));
  kernel->setAttr(kBindingBytesAttr, b.getDenseI64ArrayAttr(bindingBytes(func, access.size())));
  if (!block.empty())
    kernel->setAttr(kInvocationBlockAttr, b.getDenseI64ArrayAttr(block));
  if (!tile.empty())
    kernel->setAttr(kWorkgroupTileAttr, b.getDenseI64ArrayAttr(tile));

  Block &entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);
  IRMapping map;
  map.map(bindingArgs, entry.getArguments());
  if (!pushArgs.empty() && !func->hasAttr(kStatusBindingAttr))
    return func.emitOpError("reads dispatch parameters without its status binding (LowerKernelErrors)");
  for (auto [k, arg] : llvm::enumerate(pushArgs))
    map.map(arg, loadDispatchParameter(b, loc, entry.getArguments().back(), k));
  for (Operation *c : constants)
    b.clone(*c, map);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value perGroup = index(workgroupSize);
  Value group = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value lane = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value groups = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
  Value first = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, group, perGroup), lane);
  Value stride = arith::MulIOp::create(b, loc, groups, perGroup);
  for (const GridRegion &region : regions) {
    OpBuilder::InsertionGuard guard(b);
    ArrayRef<int64_t> trips = region.trips;
    auto tripOf = [&](size_t d) {
      return region.runTime() && region.runTimeTrips[d] ? map.lookup(region.runTimeTrips[d]) : index(trips[d]);
    };
    Value positions = index(region.positions());
    for (size_t d = 0; region.runTime() && d < trips.size(); ++d)
      if (region.runTimeTrips[d])
        positions = arith::MulIOp::create(b, loc, positions, tripOf(d));
    // A region of tiles is walked by workgroups: every invocation of one runs the same iterations.
    auto loop = region.lanes.empty() ? scf::ForOp::create(b, loc, first, positions, stride)
                                     : scf::ForOp::create(b, loc, group, positions, groups);
    b.setInsertionPointToStart(loop.getBody());
    Value rest = loop.getInductionVar();
    SmallVector<Value> position(trips.size());
    for (int64_t d = (int64_t)trips.size() - 1; d >= 0; --d) {
      Value trip = tripOf(d);
      position[d] = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, trip).getResult();
      if (d > 0)
        rest = arith::DivUIOp::create(b, loc, rest, trip);
    }
    buildBody(b, map, region, position);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b, loc);
  func.erase();
  return success();
}

/// How the kernel uses each binding (see bindingAccess).
FailureOr<SmallVector<int32_t>> bindingAccesses(func::FuncOp func) {
  SmallVector<int32_t> access;
  // The status word (LowerKernelErrors) is the executor's, not one of the dispatch's bindings.
  ArrayRef<BlockArgument> args = func.getArguments();
  if (func->hasAttr(kStatusBindingAttr))
    args = args.drop_back();
  for (BlockArgument arg : args) {
    if (arg.getType().isIndex()) // a dispatch parameter, not a binding
      continue;
    auto a = bindingAccess(func, arg);
    if (failed(a))
      return failure();
    access.push_back(*a);
  }
  return access;
}

/// The iterations a sequential run of `op` executes: constant trip counts multiplied down its loops (the
/// costliest child counted), 1 for straight-line ops; kMaxElements when a trip count is not constant.
int64_t sequentialWork(Operation *op) {
  int64_t inner = 1;
  for (Region &region : op->getRegions())
    for (Operation &child : region.getOps())
      inner = std::max(inner, sequentialWork(&child));
  auto trip = [](Value lb, Value ub, Value step) -> int64_t {
    auto l = getConstantIntValue(lb), u = getConstantIntValue(ub), s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return kMaxElements;
    return *u > *l ? (*u - *l + *s - 1) / *s : 0;
  };
  int64_t trips = 1;
  if (auto parallel = dyn_cast<scf::ParallelOp>(op))
    for (auto [lb, ub, step] : llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(), parallel.getStep()))
      trips = std::min(kMaxElements, trips * trip(lb, ub, step));
  else if (auto loop = dyn_cast<scf::ForOp>(op))
    trips = trip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
  return std::min(kMaxElements, trips * inner);
}

/// Clones `op`, a parallel nest as sequential loops (one invocation runs it all).
void cloneSequential(OpBuilder &b, Operation *op, IRMapping &map) {
  auto parallel = dyn_cast<scf::ParallelOp>(op);
  if (!parallel) {
    b.clone(*op, map);
    return;
  }
  OpBuilder::InsertionGuard guard(b);
  for (auto [iv, lb, ub, step] : llvm::zip(parallel.getInductionVars(), parallel.getLowerBound(),
                                           parallel.getUpperBound(), parallel.getStep())) {
    auto loop = scf::ForOp::create(b, parallel.getLoc(), map.lookupOrDefault(lb), map.lookupOrDefault(ub),
                                   map.lookupOrDefault(step));
    map.map(iv, loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  for (Operation &inner : parallel.getBody()->without_terminator())
    cloneSequential(b, &inner, map);
}

/// Kernels whose work is at most this many iterations may run in one invocation when their loop nests
/// cannot run element by element (they would need a barrier between workgroups): slow per element, but
/// small, and no round trip to the CPU.
constexpr int64_t kMaxSequentialWork = int64_t{1} << 16;

/// Runs `ops` (the kernel body after its constants) in one invocation, in program order. `why` explains
/// why the kernel cannot run element by element; it is the error when the kernel is too large for this.
LogicalResult mapSequential(func::FuncOp func, ArrayRef<Operation *> constants, ArrayRef<Operation *> ops,
                            StringRef why, Attribute targetEnv, int64_t workgroupSize) {
  int64_t work = 0;
  for (Operation *op : ops) {
    if (!isa<scf::ParallelOp, scf::ForOp, scf::IfOp, memref::LoadOp, memref::StoreOp>(op) && !isMemoryEffectFree(op))
      return op->emitOpError("cannot be mapped to device invocations (a kernel holds loop nests, loads, stores "
                             "and arithmetic only)");
    if (auto parallel = dyn_cast<scf::ParallelOp>(op); parallel && parallel.getNumResults() != 0)
      return op->emitOpError("with reductions cannot be mapped to device invocations yet");
    work = std::min(kMaxElements, work + sequentialWork(op));
  }
  if (work > kMaxSequentialWork)
    return ops.front()->emitOpError() << why << " (and at " << work << " iterations it is too large for one "
                                      << "invocation)";
  auto access = bindingAccesses(func);
  if (failed(access))
    return failure();
  return emitKernel(func, constants, GridRegion{}, *access, targetEnv, workgroupSize,
                    [&](OpBuilder &b, IRMapping &map, const GridRegion &, ArrayRef<Value>) {
                      for (Operation *op : ops)
                        cloneSequential(b, op, map);
                    });
}

/// Whether `op` is a failed check's store of its code to the status word (LowerKernelErrors) and nothing else.
bool isStatusCheck(func::FuncOp func, Operation &op) {
  auto check = dyn_cast<scf::IfOp>(op);
  if (!check || !func->hasAttr(kStatusBindingAttr) || check.getNumResults() != 0 || !check.getElseRegion().empty())
    return false;
  Value status = func.getArguments().back();
  return llvm::all_of(check.getThenRegion().front().without_terminator(), [&](Operation &inner) {
    auto store = dyn_cast<memref::StoreOp>(inner);
    return store ? store.getMemRef() == status : isMemoryEffectFree(&inner);
  });
}

/// The body of a workgroup tile at `position` (per dim, a tile): each invocation computes its block of the
/// tile, copy r along a tiled dim the element lane + r * lanes from the tile's first; the staged reduction
/// loop runs in chunks through workgroup memory (WorkgroupTiling.h), the ops before and after it as usual.
void buildTile(OpBuilder &b, IRMapping &map, const WorkgroupTile &tile, WorkgroupStaging &staging,
               ArrayRef<int64_t> lower, ArrayRef<int64_t> steps, ArrayRef<scf::ParallelOp> nests,
               ArrayRef<Operation *> ops, ArrayRef<Value> position, int64_t workgroupSize) {
  Location loc = staging.nest.getLoc();
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  size_t rank = position.size();
  Value lane = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  SmallVector<Value> laneAlong(rank);
  int64_t inner = tile.lanes[tile.dims.back()];
  laneAlong[tile.dims.back()] = tile.dims.size() == 1 ? lane : arith::RemUIOp::create(b, loc, lane, index(inner));
  if (tile.dims.size() == 2)
    laneAlong[tile.dims.front()] = arith::DivUIOp::create(b, loc, lane, index(inner));
  // Copies along a dim are the invocation's first element at constant offsets (PromoteAccumulators and
  // ForwardStores tell their elements apart by those).
  SmallVector<Value> firstIv, laneIv;
  for (size_t d = 0; d < rank; ++d) {
    firstIv.push_back(arith::AddIOp::create(
        b, loc, index(lower[d]), arith::MulIOp::create(b, loc, position[d], index(tile.extent(d) * steps[d]))));
    laneIv.push_back(laneAlong[d] ? arith::AddIOp::create(b, loc, firstIv[d],
                                                          arith::MulIOp::create(b, loc, laneAlong[d], index(steps[d])))
                                  : firstIv[d]);
  }
  int64_t copies = 1;
  for (int64_t factor : tile.block)
    copies *= factor;
  SmallVector<IRMapping> maps(copies, map);
  SmallVector<SmallVector<Value>> offsets(copies);
  for (int64_t c = 0; c < copies; ++c) {
    SmallVector<Value> ivs(rank);
    offsets[c].assign(rank, index(0));
    for (int64_t d = (int64_t)rank - 1, rest = c; d >= 0; rest /= tile.block[d], --d) {
      int64_t r = rest % tile.block[d];
      if (laneAlong[d])
        offsets[c][d] = arith::AddIOp::create(b, loc, laneAlong[d], index(r * tile.lanes[d]));
      ivs[d] = arith::AddIOp::create(b, loc, laneIv[d], index(r * tile.lanes[d] * steps[d]));
    }
    for (scf::ParallelOp nest : nests)
      maps[c].map(nest.getInductionVars(), ivs);
  }
  // The workgroup buffers live for the whole kernel.
  SmallVector<Value> buffers;
  {
    OpBuilder::InsertionGuard guard(b);
    auto kernel = b.getInsertionBlock()->getParentOp()->getParentOfType<gpu::GPUFuncOp>();
    b.setInsertionPointToStart(&kernel.getBody().front());
    auto workgroup = spirv::StorageClassAttr::get(b.getContext(), spirv::StorageClass::Workgroup);
    for (StagedLoad &staged : staging.loads)
      buffers.push_back(memref::AllocOp::create(
          b, loc, MemRefType::get(staged.shape, staged.load.getType(), AffineMap(), workgroup)));
  }
  auto reduction = llvm::find(ops, staging.reduction.getOperation());
  cloneJammed(b, ArrayRef<Operation *>(ops.begin(), reduction), maps);
  TileInvocation invocation{map, firstIv, steps, lane, workgroupSize, maps, offsets};
  emitStagedReduction(b, staging, buffers, invocation);
  cloneJammed(b, ArrayRef<Operation *>(std::next(reduction), ops.end()), maps);
}

/// How invocations are blocked (the pass options).
struct Blocking {
  int64_t maxAccumulators, minInvocations;
  int64_t workgroupMemoryBytes; // 0: no workgroup tiles
};

LogicalResult mapFunction(func::FuncOp func, Attribute targetEnv, int64_t workgroupSize, Blocking blocking) {
  if (func.getNumResults() != 0)
    return func.emitOpError("must return nothing (results become output bindings first)");
  if (failed(checkTypesAllowed(func, cast<spirv::TargetEnvAttr>(targetEnv))))
    return failure();
  bool pushConstants = func->hasAttr(kDispatchConstantsAttr);
  for (Type t : func.getArgumentTypes()) {
    auto memref = dyn_cast<MemRefType>(t);
    if ((t.isIndex() || (memref && !memref.hasStaticShape())) && !pushConstants)
      return func.emitOpError("reads run-time dims or scalars without their dispatch parameters (DimsFromConstants)");
    if (!t.isIndex() && (!memref || !memref.getLayout().isIdentity()))
      return func.emitOpError("binding type ") << t << " is not a contiguous memref";
  }
  // Consecutive nests over one iteration space (a fill, the contraction accumulating into it, its
  // epilogue) run fused, element by element; anything else would need a barrier between workgroups, and
  // runs in one invocation when it is small.
  SmallVector<scf::ParallelOp> nests;
  SmallVector<Operation *> constants, body;
  // Every invocation first computes the constants, the arithmetic on the dispatch parameters and the dispatch
  // checks (DimsFromConstants), in order.
  llvm::SmallPtrSet<Operation *, 16> prologue;
  auto inPrologue = [&](Operation &op) {
    auto fromPrologue = [&](Value v) {
      return isa<BlockArgument>(v) ? v.getType().isIndex() : prologue.contains(v.getDefiningOp());
    };
    if (isa<arith::ConstantOp>(op))
      return true;
    if (op.getNumRegions() == 0 && !op.hasTrait<OpTrait::IsTerminator>() && isMemoryEffectFree(&op))
      return llvm::all_of(op.getOperands(), fromPrologue);
    return isStatusCheck(func, op) && llvm::all_of(op.getOperands(), fromPrologue);
  };
  for (Operation &op : func.getBody().front()) {
    if (inPrologue(op)) {
      prologue.insert(&op);
      constants.push_back(&op);
      continue;
    }
    if (!isa<func::ReturnOp>(op))
      body.push_back(&op);
    if (auto parallel = dyn_cast<scf::ParallelOp>(op))
      nests.push_back(parallel);
  }
  auto sequential = [&](StringRef why) {
    return mapSequential(func, constants, body, why, targetEnv, workgroupSize);
  };
  // Loop nests without iterations fold away (an empty output): one workgroup does nothing but the checks.
  if (body.empty())
    return sequential("computes nothing");
  if (nests.size() != body.size())
    return sequential("holds code outside parallel loop nests");
  scf::ParallelOp nest = nests.front();
  for (scf::ParallelOp other : nests) {
    if (other.getNumResults() != 0)
      return other.emitOpError("with reductions cannot be mapped to device invocations yet");
    if (other.getLowerBound() != nest.getLowerBound() || other.getUpperBound() != nest.getUpperBound() ||
        other.getStep() != nest.getStep())
      return sequential("has loop nests over different spaces: a barrier between workgroups would be needed");
  }
  SmallVector<NestAccesses> accesses = llvm::map_to_vector(nests, accessesOf);
  for (size_t i = 0; i < nests.size(); ++i)
    for (size_t j = i + 1; j < nests.size(); ++j)
      if (!fusableElementwise(accesses[i], accesses[j]))
        return sequential("touches elements an earlier loop nest writes at other indices: a barrier between "
                          "workgroups would be needed");
  SmallVector<int64_t> lower, trips, steps;
  SmallVector<Value> runTimeTrips;
  int64_t total = 1;
  for (auto [lb, ub, step] : llvm::zip(nest.getLowerBound(), nest.getUpperBound(), nest.getStep())) {
    auto l = getConstantIntValue(lb), u = getConstantIntValue(ub), s = getConstantIntValue(step);
    if (!l || !s || *s <= 0)
      return nest.emitOpError("needs constant lower bounds and positive steps");
    lower.push_back(*l);
    steps.push_back(*s);
    if (!u) {
      // A run-time trip count: a dim the dispatch passes (an index argument), walked from 0 by 1.
      auto arg = dyn_cast<BlockArgument>(ub);
      if (*l != 0 || *s != 1 || !arg || arg.getOwner() != &func.getBody().front() || !arg.getType().isIndex())
        return nest.emitOpError("needs constant bounds, or a dispatch constant walked from 0 by 1");
      runTimeTrips.push_back(ub);
      trips.push_back(ShapedType::kDynamic);
      continue;
    }
    runTimeTrips.push_back(nullptr);
    trips.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
    total *= trips.back();
    if (total >= kMaxElements)
      return nest.emitOpError("has more than 2^31 iterations");
  }
  auto access = bindingAccesses(func);
  if (failed(access))
    return failure();
  size_t rank = trips.size();
  // Register blocks along dims whose trip counts are known here.
  SmallVector<int64_t> block = chooseInvocationBlock(nests, trips, blocking.maxAccumulators, blocking.minInvocations);
  // Workgroup tiles where the profile has them and a reduction loop's operands can be staged (kernels
  // without dispatch parameters, so of static trip counts too).
  std::optional<WorkgroupTile> tile;
  std::optional<WorkgroupStaging> staging;
  bool parameterFree = llvm::none_of(func.getArgumentTypes(), [](Type t) { return t.isIndex(); });
  if (blocking.workgroupMemoryBytes > 0 && parameterFree)
    tile = chooseWorkgroupTile(nests, trips, blocking.maxAccumulators, workgroupSize);
  SmallVector<int64_t> unit(block); // elements of a main region's position per dim
  if (tile) {
    for (size_t d = 0; d < rank; ++d)
      unit[d] = tile->extent(d);
    staging = planWorkgroupStaging(func, nests, unit, blocking.workgroupMemoryBytes);
    if (staging)
      block = tile->block;
    else
      unit = block;
  }
  // The main region (blocked, or tiles), then, per dim whose trip count its unit does not divide, the box
  // of its last elements, one per invocation (later boxes leave out the earlier boxes' elements).
  SmallVector<GridRegion, 4> regions = {
      {SmallVector<int64_t>(rank, 0), {}, block, runTimeTrips, staging ? tile->lanes : SmallVector<int64_t>()}};
  SmallVector<int64_t> covered(trips);
  for (size_t d = 0; d < rank; ++d)
    regions.front().trips.push_back(ShapedType::isDynamic(trips[d]) ? trips[d] : trips[d] / unit[d]);
  for (size_t d = 0; d < rank; ++d) {
    if (unit[d] == 1)
      continue;
    int64_t main = trips[d] / unit[d] * unit[d];
    if (main == trips[d])
      continue;
    GridRegion tail{SmallVector<int64_t>(rank, 0), covered, SmallVector<int64_t>(rank, 1), runTimeTrips, {}};
    tail.origin[d] = main;
    tail.trips[d] = trips[d] - main;
    regions.push_back(tail);
    covered[d] = main;
  }
  int64_t copies = 1;
  for (int64_t factor : block)
    copies *= factor;
  SmallVector<Operation *> ops;
  for (scf::ParallelOp each : nests)
    for (Operation &op : each.getBody()->without_terminator())
      ops.push_back(&op);
  auto buildBody = [&](OpBuilder &b, IRMapping &map, const GridRegion &region, ArrayRef<Value> position) {
    Location loc = func.getLoc();
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    if (!region.lanes.empty())
      return buildTile(b, map, *tile, *staging, lower, steps, nests, ops, position, workgroupSize);
    // Copy r of a dim blocked by R takes element position + r * trips / R: base + a constant offset.
    SmallVector<Value> base;
    for (size_t d = 0; d < rank; ++d) {
      Value element = region.origin[d] ? arith::AddIOp::create(b, loc, index(region.origin[d]), position[d])
                                       : position[d];
      base.push_back(arith::AddIOp::create(b, loc, index(lower[d]),
                                           arith::MulIOp::create(b, loc, element, index(steps[d]))));
    }
    SmallVector<SmallVector<Value>> copyIvs; // [dim][copy along it]
    int64_t regionCopies = 1;
    for (size_t d = 0; d < rank; ++d) {
      copyIvs.push_back({base[d]});
      regionCopies *= region.block[d];
      for (int64_t r = 1; r < region.block[d]; ++r)
        copyIvs.back().push_back(
            arith::AddIOp::create(b, loc, base[d], index(r * region.trips[d] * steps[d])));
    }
    ArrayRef<int64_t> block = region.block;
    SmallVector<IRMapping> maps(regionCopies, map);
    for (int64_t c = 0; c < regionCopies; ++c) {
      SmallVector<Value> ivs(base);
      for (int64_t d = (int64_t)trips.size() - 1, rest = c; d >= 0; rest /= block[d], --d)
        ivs[d] = copyIvs[d][rest % block[d]];
      for (scf::ParallelOp each : nests)
        maps[c].map(each.getInductionVars(), ivs);
    }
    cloneJammed(b, ops, maps);
  };
  SmallVector<int64_t> tileExtents = staging ? unit : SmallVector<int64_t>();
  return emitKernel(func, constants, regions, *access, targetEnv, workgroupSize, buildBody,
                    copies > 1 ? ArrayRef<int64_t>(block) : ArrayRef<int64_t>(), tileExtents);
}

struct MapToInvocationsPass : impl::MapToInvocationsBase<MapToInvocationsPass> {
  using MapToInvocationsBase::MapToInvocationsBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string env = targetEnv.empty() ? std::string(vulkanProfiles().front().targetEnv) : targetEnv;
    Attribute envAttr = parseAttribute(env, &getContext());
    if (!isa_and_nonnull<spirv::TargetEnvAttr>(envAttr)) {
      module.emitError("target-env is not a #spirv.target_env attribute: ") << env;
      return signalPassFailure();
    }
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (!func.isDeclaration() &&
          failed(mapFunction(func, envAttr, workgroupSize,
                             Blocking{maxAccumulators, minInvocations, workgroupMemoryBytes})))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
