//===- EmitSteps.cpp - bind dispatches to compiled exports; add barriers ---===//
//
// Each dispatch runs one export of its executable's compiled variant. An executable has one variant per
// target it was outlined for; until placement chooses between targets, a dispatch takes the executable's
// only variant. The export's signature (how it uses each binding, how many constants it reads) must
// match the dispatch, so a mismatch is a compile-time error rather than a kernel reading garbage.
//
#include "codegen/host/Passes.h"

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {
#define GEN_PASS_DEF_EMITSTEPS
#include "codegen/host/Passes.h.inc"

namespace {

LogicalResult bind(DispatchOp d, SymbolTable &symbols, DenseMap<int64_t, Value> &counts) {
  if (!d.getTarget().getNestedReferences().empty())
    return success(); // already bound
  auto exe = symbols.lookup<dispatch::ExecutableOp>(d.getTarget().getRootReference());
  if (!exe)
    return d.emitOpError("'") << d.getTarget() << "' does not reference a tdisp.executable";
  auto variants = llvm::to_vector(exe.getBody().front().getOps<dispatch::VariantOp>());
  if (variants.size() != 1)
    return d.emitOpError("executable '") << exe.getSymName() << "' has " << variants.size()
                                          << " variants; exactly one can be placed";
  dispatch::VariantOp variant = variants.front();
  auto exports = llvm::to_vector(variant.getBody().front().getOps<dispatch::ExportOp>());
  if (exports.size() != 1)
    return d.emitOpError("variant '") << variant.getSymName() << "' of '" << exe.getSymName() << "' has "
                                       << exports.size() << " exports (is it compiled?)";
  dispatch::ExportOp entry = exports.front();
  if (entry.getAccess() != d.getAccess())
    return d.emitOpError("binds ") << d.getBindings().size() << " buffers but export '" << entry.getSymName()
                                   << "' expects a different binding signature";
  if (entry.getConstants() != d.getConstants().size())
    return d.emitOpError("passes ") << d.getConstants().size() << " constants but export '"
                                    << entry.getSymName() << "' reads " << entry.getConstants();
  // Workgroup counts are literals, made once at the top of the program, except a grid of run-time size:
  // computed from the dispatch's constants just before it, by the formula the kernel splits its loop with.
  SmallVector<Value> grid;
  Block *body = d->getBlock();
  if (std::optional<ArrayRef<int64_t>> formula = entry.getRunTimeGrid()) {
    OpBuilder b(d);
    Location loc = d.getLoc();
    auto literal = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    auto shape = [&](ShapeOpKind kind, Value l, Value r) { return ShapeOp::create(b, loc, b.getIndexType(), kind, l, r).getResult(); };
    ValueRange constants = d.getConstants();
    Value work = literal((*formula)[2]);
    for (int64_t c : formula->drop_front(3))
      if (c >= 0)
        work = shape(ShapeOpKind::mul, work, constants[c]);
    Value wanted = shape(ShapeOpKind::div_ceil, work, literal((*formula)[0]));
    wanted = shape(ShapeOpKind::min, shape(ShapeOpKind::max, wanted, literal(1)), literal((*formula)[1]));
    if ((*formula)[3] < 0) { // a grid-stride kernel: as many workgroups as its work wants
      grid.push_back(wanted);
    } else {
      Value size = constants[(*formula)[3]];
      Value tile = shape(ShapeOpKind::max, shape(ShapeOpKind::div_ceil, size, wanted), literal(1));
      grid.push_back(shape(ShapeOpKind::div_ceil, size, tile));
    }
  }
  for (int64_t c : ArrayRef<int64_t>(entry.getWorkgroupCount()).drop_front(grid.size())) {
    Value &value = counts[c];
    if (!value) {
      OpBuilder b = OpBuilder::atBlockBegin(body);
      value = arith::ConstantIndexOp::create(b, d.getLoc(), c);
    }
    grid.push_back(value);
  }
  d.setTargetAttr(SymbolRefAttr::get(exe.getSymNameAttr(),
                                     {FlatSymbolRefAttr::get(variant.getSymNameAttr()),
                                      FlatSymbolRefAttr::get(entry.getSymNameAttr())}));
  d.getWorkgroupCountMutable().assign(grid);
  return success();
}

} // namespace

FailureOr<dispatch::VariantOp> boundVariant(DispatchOp d, SymbolTable &symbols) {
  ArrayRef<FlatSymbolRefAttr> nested = d.getTarget().getNestedReferences();
  if (nested.size() != 2)
    return d.emitOpError("is not bound to an export (run tessera-host-emit-steps)");
  if (auto exe = symbols.lookup<dispatch::ExecutableOp>(d.getTarget().getRootReference()))
    for (auto v : exe.getBody().front().getOps<dispatch::VariantOp>())
      if (v.getSymName() == nested[0].getValue())
        return v;
  return d.emitOpError("'") << d.getTarget() << "' does not name a compiled variant";
}

namespace {

LogicalResult emit(ProgramOp program, SymbolTable &symbols) {
  Block &body = program.getBody().front();
  SmallVector<DispatchOp> dispatches(body.getOps<DispatchOp>());
  DenseMap<int64_t, Value> counts;
  for (DispatchOp d : dispatches) {
    if (failed(bind(d, symbols, counts)))
      return failure();
    Operation *next = d->getNextNode();
    if (!next || !isa<BarrierOp>(next)) {
      OpBuilder b(d->getContext());
      b.setInsertionPointAfter(d);
      BarrierOp::create(b, d.getLoc());
    }
  }
  // Nothing follows the last step: a trailing barrier orders nothing.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body))) {
    if (isa<DispatchOp, CopyOp>(op))
      break;
    if (isa<BarrierOp>(op))
      op.erase();
  }
  return success();
}

struct EmitStepsPass : impl::EmitStepsBase<EmitStepsPass> {
  void runOnOperation() override {
    SymbolTable symbols(getOperation());
    for (auto program : getOperation().getOps<ProgramOp>())
      if (failed(emit(program, symbols)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::host
