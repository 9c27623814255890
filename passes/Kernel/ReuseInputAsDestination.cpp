//===- ReuseInputAsDestination.cpp - elementwise epilogues update in place ----===//
//
// An elementwise op after a convolution or matmul (bias, activation, residual add) reads the product
// and writes a fresh tensor: bufferized, the product goes to a temporary allocated on every run and the
// epilogue copies it out. When the product has no other user and the epilogue writes the same shape
// through the same indexing map without reading its own destination, the product becomes the
// destination: the epilogue updates it in place, and empty-tensor elimination lets the product write
// straight into the kernel's output.
//
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_REUSEINPUTASDESTINATION
#include "passes/Passes.h.inc"

namespace {

/// The input of `op` that can become its destination, if any: produced by another op in the same
/// block, of the destination's type and indexing map, and read elsewhere only by ops before `op` (a
/// softmax's exponentials, summed before the division overwrites them in place).
OpOperand *reusableInput(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      op.getNumLoops() != op.getNumParallelLoops())
    return nullptr;
  OpOperand *init = op.getDpsInitOperand(0);
  if (op.payloadUsesValueFromOperand(init))
    return nullptr;
  AffineMap initMap = op.getMatchingIndexingMap(init);
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = input->get();
    Operation *producer = v.getDefiningOp();
    if (!producer || !isa<DestinationStyleOpInterface>(producer) || producer->getBlock() != op->getBlock() ||
        v.getType() != init->get().getType() ||
        !llvm::all_of(v.getUsers(), [&](Operation *user) {
          return user == op || (user->getBlock() == op->getBlock() && user->isBeforeInBlock(op));
        }) ||
        op.getMatchingIndexingMap(input) != initMap)
      continue;
    // Reading the same value through another operand would see it half overwritten.
    if (llvm::count_if(op->getOperands(), [&](Value o) { return o == v; }) != 1)
      continue;
    return input;
  }
  return nullptr;
}

void reuse(linalg::GenericOp op, OpOperand *input, RewriterBase &rewriter) {
  Value value = input->get();
  unsigned position = input->getOperandNumber();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *other : op.getDpsInputOperands())
    if (other != input) {
      inputs.push_back(other->get());
      maps.push_back(op.getMatchingIndexingMap(other));
    }
  maps.push_back(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
  rewriter.setInsertionPoint(op);
  auto fused = linalg::GenericOp::create(rewriter, op.getLoc(), op.getResultTypes(), inputs, ValueRange{value},
                                         maps, op.getIteratorTypesArray());
  // The payload reads the product through the destination's block argument now.
  Block &oldBody = op.getRegion().front();
  Block *body = rewriter.createBlock(&fused.getRegion());
  SmallVector<Value> replacements;
  for (BlockArgument arg : oldBody.getArguments())
    if (arg.getArgNumber() != position)
      body->addArgument(arg.getType(), arg.getLoc());
  for (BlockArgument arg : oldBody.getArguments()) {
    if (arg.getArgNumber() == position)
      replacements.push_back(body->getArguments().back());
    else if (arg.getArgNumber() < position)
      replacements.push_back(body->getArgument(arg.getArgNumber()));
    else if (arg.getArgNumber() < oldBody.getNumArguments() - 1)
      replacements.push_back(body->getArgument(arg.getArgNumber() - 1));
    else
      replacements.push_back(body->getArguments().back()); // the old destination, unused
  }
  rewriter.mergeBlocks(&oldBody, body, replacements);
  rewriter.replaceOp(op, fused->getResults());
}

struct ReuseInputAsDestinationPass : impl::ReuseInputAsDestinationBase<ReuseInputAsDestinationPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, OpOperand *>> candidates;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (OpOperand *input = reusableInput(op))
        candidates.push_back({op, input});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, input] : candidates)
      reuse(op, input, rewriter);
  }
};
} // namespace
} // namespace tessera
