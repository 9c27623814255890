//===- FormDispatchRegions.cpp - group compute ops into dispatch regions --===//
//
// Every compute op starts a region unless it can join the region of its producer (an elementwise
// consumer of the same shape, a reduction of an elementwise-only region, or an insert_slice into the
// producer's result), and only when that producer result has no other user and is not a large
// concatenation. Cheap elementwise producers
// with several such users are copied into each first. Cheap producers (tensor.empty, constants, fills of
// constants) are cloned into each region that needs them so regions only capture real data.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_FORMDISPATCHREGIONS
#include "passes/Passes.h.inc"

tensor::PadOp spatialZeroPad(Value v, bool channelsLast) {
  auto pad = v.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad.getConstantPaddingValue() || !matchPattern(pad.getConstantPaddingValue(), m_AnyZeroFloat()) ||
      pad.getSourceType().getRank() != 4)
    return {};
  for (unsigned d : channelsLast ? std::initializer_list<unsigned>{0, 3} : std::initializer_list<unsigned>{0, 1})
    for (OpFoldResult amount : {pad.getMixedLowPad()[d], pad.getMixedHighPad()[d]})
      if (!isConstantIntValue(amount, 0))
        return {};
  return pad;
}

namespace {

bool isComputeOp(Operation *op) {
  if (isa<linalg::FillOp>(op))
    return false; // cloned into its users' regions
  if (op->hasAttr(kInPlaceAttr))
    return false; // a view on the host
  return isa<linalg::LinalgOp, linalg::AggregatedOpInterface, dispatch::WinogradConv2DOp, dispatch::PackedMatmulOp,
             tensor::PadOp, tensor::ExtractSliceOp, tensor::InsertSliceOp>(op);
}

/// Whether a consumer may join `region`: an aggregate op (a softmax, a layer normalization) cannot be
/// fused into the tiles of an op that reads it (it computes no slice of its result alone), so its kernel
/// would compute it whole in every tile.
bool acceptsConsumers(dispatch::RegionOp region) {
  return llvm::none_of(region.getBody().front(),
                       [](Operation &op) { return isa<linalg::AggregatedOpInterface>(op); });
}

/// Elements from which a concatenation takes no consumer into its region. Tiling cannot fuse an
/// insertion into a consumer's tiles, so each workgroup of the kernel would build the whole tensor
/// (swin's shifted windows: a 1.2 MB concatenation of two slices, built by each of 8 workgroups to
/// add its share to the residual). Small ones stay fused: one kernel instead of two.
constexpr int64_t kLargeConcatenation = int64_t(1) << 15;

/// Whether `result` of `region` is a large concatenation (inserts into a tensor).
bool isLargeConcatenation(dispatch::RegionOp region, OpResult result) {
  auto ret = cast<dispatch::ReturnOp>(region.getBody().front().getTerminator());
  auto insert = ret.getValues()[result.getResultNumber()].getDefiningOp<tensor::InsertSliceOp>();
  return insert && (!insert.getDestType().hasStaticShape() ||
                    insert.getDestType().getNumElements() >= kLargeConcatenation);
}

bool isElementwise(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() == 0 && generic.getNumResults() == 1;
}

/// A generic reducing one input to one result (a sum, a max). Not a contraction: an elementwise
/// producer fused into a product's body would keep it from its microkernel (a softmax's division
/// taken into the attention product that reads it ran 5x slower as loops).
bool isReduction(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() > 0 && generic.getNumResults() == 1 &&
         generic.getNumDpsInputs() == 1;
}

/// Arithmetic ops a producer may hold to be recomputed by each of its consumers.
constexpr int64_t kMaxRecomputedOps = 4;

/// Whether `op` is an elementwise generic cheap enough to compute again inside each consumer rather
/// than write once and read back: a few arith ops (no math functions), reading exactly one operand as
/// large as its result (the others broadcast, such as LayerNorm's mean in x - mean), so each copy moves
/// about the bytes that reading the shared result would. Float results only. (Swin's attention mask,
/// an outer difference of two small operands compared with zero, measured slower recomputed in its
/// consumers than computed once.)
bool isCheapToRecompute(Operation *op) {
  if (!isElementwise(op) || !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
    return false;
  auto generic = cast<linalg::GenericOp>(op);
  int64_t size = cast<ShapedType>(generic.getResult(0).getType()).getNumElements();
  int64_t large = llvm::count_if(generic.getDpsInputs(), [&](Value v) {
    auto type = cast<ShapedType>(v.getType());
    return !type.hasStaticShape() || type.getNumElements() >= size;
  });
  Block &body = generic.getRegion().front();
  return large == 1 && static_cast<int64_t>(body.getOperations().size()) <= kMaxRecomputedOps + 1 &&
         llvm::all_of(body.without_terminator(),
                      [](Operation &inner) { return isa<arith::ArithDialect>(inner.getDialect()); });
}

/// Gives each consumer of a cheap elementwise producer with several users its own copy, where every
/// user is a generic that will then take the copy into its kernel: an elementwise op over the same shape
/// or a reduction. LayerNorm's x - mean, read by the squaring before the variance and by the
/// normalization, then never goes through memory, nor does a separate dispatch compute it.
void recomputeCheapProducers(func::FuncOp func) {
  // Positions taken once: copies go just above original users, so the users' order stays valid (and
  // Block::isBeforeInBlock would renumber the block after every copy).
  llvm::DenseMap<Operation *, int64_t> position;
  SmallVector<linalg::GenericOp> producers;
  for (Operation &op : func.getBody().front()) {
    position[&op] = position.size();
    if (isCheapToRecompute(&op) && !op.getResult(0).hasOneUse())
      producers.push_back(cast<linalg::GenericOp>(&op));
  }
  for (linalg::GenericOp producer : producers) {
    Value result = producer.getResult(0);
    auto shape = cast<ShapedType>(result.getType()).getShape();
    bool allTakeIt = llvm::all_of(result.getUses(), [&](OpOperand &use) {
      auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
      if (!consumer || !position.contains(consumer) || !consumer.isDpsInput(&use))
        return false;
      return isReduction(consumer) ||
             (isElementwise(consumer) && cast<ShapedType>(consumer.getResult(0).getType()).getShape() == shape);
    });
    // An epilogue (a bias add that alone reads a product) stays with the op it finishes instead.
    bool epilogue = llvm::any_of(producer.getDpsInputs(), [](Value v) {
      Operation *def = v.getDefiningOp();
      return def && isComputeOp(def) && v.hasOneUse();
    });
    if (!allTakeIt || epilogue)
      continue;
    // The first user in program order keeps the producer; later ones get copies just above them.
    SmallVector<OpOperand *> uses = llvm::map_to_vector(result.getUses(), [](OpOperand &use) { return &use; });
    llvm::sort(uses, [&](OpOperand *a, OpOperand *b) {
      return position.lookup(a->getOwner()) < position.lookup(b->getOwner());
    });
    OpBuilder b(producer);
    for (OpOperand *use : llvm::drop_begin(uses)) {
      b.setInsertionPoint(use->getOwner());
      use->set(b.clone(*producer)->getResult(0));
    }
  }
}

/// Ops that are recomputed inside every region instead of being passed in.
bool isCheapProducer(Operation *op) {
  if (isa<tensor::EmptyOp, tensor::DimOp>(op))
    return true;
  // Index arithmetic on dims (dynamic shapes) is recomputed in the kernel from its own operands.
  // Values computed from tensor contents on the host (index_cast of a tensor.extract) are passed
  // to the kernel as scalars instead.
  if (isa<arith::ArithDialect>(op->getDialect()) && op->getNumResults() == 1 &&
      op->getResult(0).getType().isIndex())
    return llvm::all_of(op->getOperandTypes(), [](Type t) { return t.isIndex(); });
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return !isa<ShapedType>(c.getType()) || cast<ShapedType>(c.getType()).getNumElements() <= 64;
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() &&
           fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
  return false;
}

dispatch::RegionOp wrapInRegion(OpBuilder &b, Operation *op) {
  b.setInsertionPoint(op);
  auto region = dispatch::RegionOp::create(b, op->getLoc(), op->getResultTypes());
  Block *body = new Block();
  region.getBody().push_back(body);
  op->replaceAllUsesWith(region.getResults());
  op->moveBefore(body, body->end());
  b.setInsertionPointToEnd(body);
  dispatch::ReturnOp::create(b, op->getLoc(), op->getResults());
  return region;
}

/// Moves `op` into the region producing its operand `producerValue` (a region result with no other
/// use); the region result then stands for `op`'s result.
void joinRegion(Operation *op, OpResult producerValue) {
  auto region = cast<dispatch::RegionOp>(producerValue.getOwner());
  auto ret = cast<dispatch::ReturnOp>(region.getBody().front().getTerminator());
  unsigned index = producerValue.getResultNumber();
  Value inner = ret.getValues()[index];
  op->getResult(0).replaceAllUsesWith(producerValue);
  op->moveBefore(ret);
  op->replaceUsesOfWith(producerValue, inner);
  ret->setOperand(index, op->getResult(0));
  producerValue.setType(op->getResult(0).getType());
}

/// Positions of the function's top-level ops in program order. Ops placed above a region (cloned or
/// moved producers) take the position just before it. Kept by hand because Block::isBeforeInBlock
/// renumbers the whole block after every insertion, which made the pass quadratic in model size.
struct ProgramOrder {
  llvm::DenseMap<Operation *, int64_t> position;
  void placeBefore(Operation *op, Operation *anchor) { position[op] = position.lookup(anchor) - 1; }
};

bool dominatesRegion(Value v, dispatch::RegionOp region, const ProgramOrder &order) {
  Operation *def = v.getDefiningOp();
  return !def || def->getBlock() != region->getBlock() ||
         order.position.lookup(def) < order.position.lookup(region);
}

/// Whether `v` is, or can be computed, before `region`: cheap producers and side-effect-free host ops
/// (reshapes of weights, say) whose operands can be.
bool hoistable(Value v, dispatch::RegionOp region, const ProgramOrder &order) {
  if (dominatesRegion(v, region, order))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || isa<dispatch::RegionOp>(def) || isComputeOp(def) || !(isCheapProducer(def) || isPure(def)))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value operand) { return hoistable(operand, region, order); });
}

/// Whether `region` computes only elementwise generics (cheap producers aside), which a reduction
/// reading its result can take into its own loop nest.
bool isElementwiseOnly(dispatch::RegionOp region) {
  return llvm::all_of(region.getBody().front().without_terminator(),
                      [](Operation &op) { return isCheapProducer(&op) || isElementwise(&op); });
}

/// The producer region result `op` can join, if any.
OpResult fusableProducer(Operation *op, const ProgramOrder &order) {
  auto candidate = [&](Value v) -> OpResult {
    auto result = dyn_cast<OpResult>(v);
    // Only `op` may read the result (possibly as several operands: x * sigmoid(x) fused into one).
    if (!result || !isa<dispatch::RegionOp>(result.getOwner()) ||
        !llvm::all_of(result.getUsers(), [&](Operation *user) { return user == op; }))
      return nullptr;
    auto region = cast<dispatch::RegionOp>(result.getOwner());
    if (!acceptsConsumers(region) || (!isa<tensor::InsertSliceOp>(op) && isLargeConcatenation(region, result)))
      return nullptr;
    for (Value other : op->getOperands())
      if (other != v && !hoistable(other, region, order))
        return nullptr;
    return result;
  };
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
    return candidate(insert.getDest());
  // A depthwise convolution joins the zero padding of its input: the kernel then reads the image and
  // pads it in cache, band by band, instead of a padded copy going through memory between two
  // dispatches. (Dense convolutions read each input element kh x kw times from a packed panel; there a
  // separate pad measured faster than padding inside the kernel.)
  if (isa<linalg::DepthwiseConv2DNchwChwOp, linalg::DepthwiseConv2DNhwcHwcOp>(op)) {
    OpResult input = candidate(cast<linalg::LinalgOp>(op).getDpsInputOperand(0)->get());
    if (!input)
      return nullptr;
    auto ret = cast<dispatch::ReturnOp>(cast<dispatch::RegionOp>(input.getOwner()).getBody().front().getTerminator());
    bool channelsLast = isa<linalg::DepthwiseConv2DNhwcHwcOp>(op);
    return spatialZeroPad(ret.getValues()[input.getResultNumber()], channelsLast) ? input : nullptr;
  }
  // A reduction joins the region of an elementwise producer that only it reads ((x - mean)^2 before the
  // variance's sum): the kernel fuses the two into one loop nest, and the squares never go to memory.
  if (isReduction(op)) {
    for (Value v : cast<linalg::GenericOp>(op).getDpsInputs())
      if (OpResult r = candidate(v); r && isElementwiseOnly(cast<dispatch::RegionOp>(r.getOwner())))
        return r;
    return nullptr;
  }
  if (!isElementwise(op))
    return nullptr;
  auto resultType = cast<ShapedType>(op->getResult(0).getType());
  for (Value v : cast<linalg::GenericOp>(op).getDpsInputs())
    if (cast<ShapedType>(v.getType()).getShape() == resultType.getShape())
      if (OpResult r = candidate(v))
        return r;
  return nullptr;
}

/// `v`, or where it is defined after `region`, a value computed before it: cheap producers are cloned
/// there, other host-side ops (a reshape of a weight) are moved there.
Value hoistAbove(OpBuilder &b, Value v, dispatch::RegionOp region, ProgramOrder &order) {
  if (dominatesRegion(v, region, order))
    return v;
  Operation *def = v.getDefiningOp();
  IRMapping operands;
  for (Value operand : def->getOperands())
    operands.map(operand, hoistAbove(b, operand, region, order));
  if (!isCheapProducer(def)) {
    for (OpOperand &operand : def->getOpOperands())
      operand.set(operands.lookup(operand.get()));
    def->moveBefore(region);
    order.placeBefore(def, region);
    return v;
  }
  b.setInsertionPoint(region);
  Operation *clone = b.clone(*def, operands);
  order.placeBefore(clone, region);
  return clone->getResult(cast<OpResult>(v).getResultNumber());
}

/// Whether a kernel may hold `op` as an embedded constant: splats always; arrays only when every target
/// can embed them (a SPIR-V kernel cannot index a constant array: there it stays a host weight).
bool embeddable(Operation *op, bool constantArrays) {
  auto c = dyn_cast<arith::ConstantOp>(op);
  if (!c || constantArrays || !isa<ShapedType>(c.getType()))
    return true;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  return dense && dense.isSplat();
}

/// Clones cheap producers used inside `region` into it. Uses are rewritten by walking the region, not
/// the value's use list: a shared constant has a use in every region.
void cloneCheapProducers(dispatch::RegionOp region, bool constantArrays) {
  while (true) {
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(region.getBody(), captured);
    // Cloned in program order, so a clone's operands that are cloned too come first.
    SmallVector<Value> cheap;
    for (Value v : captured)
      if (Operation *def = v.getDefiningOp(); def && isCheapProducer(def) && embeddable(def, constantArrays))
        cheap.push_back(v);
    llvm::sort(cheap, [](Value a, Value b) {
      Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
      return x != y && x->getBlock() == y->getBlock() && x->isBeforeInBlock(y);
    });
    IRMapping clones;
    OpBuilder b = OpBuilder::atBlockBegin(&region.getBody().front());
    for (Value v : cheap) {
      Operation *def = v.getDefiningOp();
      Operation *clone = b.clone(*def, clones);
      for (auto [old, copy] : llvm::zip(def->getResults(), clone->getResults()))
        clones.map(old, copy);
    }
    if (clones.getValueMap().empty())
      return;
    region.getBody().walk([&](Operation *inner) {
      for (OpOperand &operand : inner->getOpOperands())
        if (Value replacement = clones.lookupOrNull(operand.get()))
          operand.set(replacement);
    });
  }
}

struct FormDispatchRegionsPass : tessera::impl::FormDispatchRegionsBase<FormDispatchRegionsPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    recomputeCheapProducers(func);
    OpBuilder b(func.getContext());
    SmallVector<Operation *> ops;
    ProgramOrder order;
    for (Operation &op : func.getBody().front()) {
      order.position[&op] = 2 * static_cast<int64_t>(order.position.size());
      if (isComputeOp(&op))
        ops.push_back(&op);
    }
    for (Operation *op : ops) {
      if (OpResult producer = fusableProducer(op, order)) {
        // Operands defined between the region and `op` are computed above the region first.
        auto region = cast<dispatch::RegionOp>(producer.getOwner());
        for (OpOperand &operand : op->getOpOperands())
          if (operand.get().getDefiningOp() != region)
            operand.set(hoistAbove(b, operand.get(), region, order));
        joinRegion(op, producer);
        continue;
      }
      dispatch::RegionOp region = wrapInRegion(b, op);
      order.position[region] = order.position.lookup(op);
    }
    func.walk([&](dispatch::RegionOp region) { cloneCheapProducers(region, inlineConstantArrays); });
  }
};
} // namespace
} // namespace tessera
