//===- InsertTransfers.cpp - TRANSFER steps where bytes cross to a device ---===//
//
// Kernels of a target with memory of its own (a discrete GPU's) work on a copy of each buffer there; host
// steps (CPU kernels, copies, shape reads, the caller's inputs and outputs) on the host's. Walking the
// program in order, the pass keeps, per buffer, the byte ranges whose newest contents are on one side only,
// and puts a `tsched.transfer` before any step that touches such a range from the other side, and at the
// end for the outputs' ranges still on the device. A step that writes a range is treated as reading it
// too (a kernel need not write every byte it binds), so the copy it writes into is current first.
//
// Ranges are exact where their lengths are literals (a concatenation's parts move one by one); a range
// of run-time length is taken to overlap every other range of its buffer.
//
#include "codegen/host/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::schedule;

namespace tessera::host {
#define GEN_PASS_DEF_INSERTTRANSFERS
#include "codegen/host/Passes.h.inc"

namespace {

/// Bytes [offset, offset + length) of a root buffer (one that is not a view).
struct Range {
  int64_t offset = 0;
  Value length;
  std::optional<int64_t> bytes; // the length, when it is a literal

  bool sameAs(const Range &o) const {
    return offset == o.offset && (length == o.length || (bytes && o.bytes && *bytes == *o.bytes));
  }
  bool mayOverlap(const Range &o) const {
    if (!bytes || !o.bytes)
      return true;
    return *bytes && *o.bytes && offset < o.offset + *o.bytes && o.offset < offset + *bytes;
  }
};

enum class Side { Host, Device };

/// What one root buffer has newer on one side than on the other.
struct Stale {
  SmallVector<Range> newerOnHost, newerOnDevice;
  SmallVector<Range> &newerOn(Side s) { return s == Side::Host ? newerOnHost : newerOnDevice; }
};

class Inserter {
public:
  Inserter(ProgramOp program, SymbolTable &symbols, ArrayRef<std::string> deviceTargets)
      : program(program), symbols(symbols), deviceTargets(deviceTargets) {}

  LogicalResult run() {
    Block &body = program.getBody().front();
    SmallVector<Value> outputs;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      LogicalResult result =
          llvm::TypeSwitch<Operation *, LogicalResult>(&op)
              .Case([&](InputOp in) {
                // The caller's bytes: newest on the host.
                stale[in.getBuffer()].newerOnHost.push_back(rangeOf(in.getSize(), 0));
                return success();
              })
              .Case([&](OutputOp out) {
                outputs.push_back(out.getBuffer());
                return success();
              })
              .Case([&](DispatchOp d) -> LogicalResult {
                FailureOr<Side> side = sideOf(d);
                if (failed(side))
                  return failure();
                for (auto [buffer, length] : llvm::zip(d.getBindings(), d.getLengths()))
                  touch(d, buffer, length, *side);
                for (auto [buffer, length, access] : llvm::zip(d.getBindings(), d.getLengths(), d.getAccess()))
                  if (access & 2)
                    wrote(buffer, length, *side);
                return success();
              })
              .Case([&](CopyOp c) {
                touch(c, c.getSource(), c.getLength(), Side::Host);
                touch(c, c.getDest(), c.getLength(), Side::Host);
                wrote(c.getDest(), c.getLength(), Side::Host);
                return success();
              })
              .Case([&](ReadI64Op r) {
                if (isa<BufferType>(r.getSource().getType()))
                  touch(r, r.getSource(), Value(), Side::Host, 8 * r.getElement(), 8);
                return success();
              })
              .Default([](Operation *) { return success(); });
      if (failed(result))
        return failure();
    }
    // The caller reads the outputs after the last step.
    OpBuilder end = OpBuilder::atBlockEnd(&body);
    for (Value out : outputs)
      for (const Range &r : std::exchange(stale[out].newerOnDevice, {}))
        transfer(end, out, r, Side::Host);
    return success();
  }

private:
  static Range rangeOf(Value length, int64_t offset) {
    return Range{offset, length, getConstantIntValue(length)};
  }

  FailureOr<Side> sideOf(DispatchOp d) {
    FailureOr<dispatch::VariantOp> variant = boundVariant(d, symbols);
    if (failed(variant))
      return failure();
    StringRef target = variant->getTarget();
    if (!llvm::is_contained(deviceTargets, target.str()))
      return Side::Host;
    if (device.empty())
      device = target.str();
    else if (device != target)
      return d.emitOpError("runs on target '") << target << "' after kernels of target '" << device
                                                << "': transfers between two devices are not supported";
    return Side::Device;
  }

  void transfer(OpBuilder &b, Value root, const Range &r, Side to) {
    TransferOp::create(b, b.getUnknownLoc(), to == Side::Host ? TransferDirection::to_host : TransferDirection::to_device,
                       root, static_cast<uint64_t>(r.offset), r.length, device);
  }

  /// Before `op` touches `buffer`'s first `length` bytes (from `extra` on) on side `side`: the bytes of
  /// them that are newer on the other side cross.
  /// (A shape read touches 8 bytes of no length value: `extra` and `bytes` say which.)
  void touch(Operation *op, Value buffer, Value length, Side side, int64_t extra = 0,
             std::optional<int64_t> bytes = std::nullopt) {
    int64_t offset = 0;
    Value root = viewRoot(buffer, &offset);
    if (root.getDefiningOp<ConstantOp>())
      return; // weights: the same on both sides, written by nothing
    Range touched = length ? rangeOf(length, offset + extra) : Range{offset + extra, Value(), bytes};
    SmallVector<Range> &other = stale[root].newerOn(side == Side::Host ? Side::Device : Side::Host);
    OpBuilder b(op);
    llvm::erase_if(other, [&](const Range &r) {
      if (!r.mayOverlap(touched))
        return false;
      transfer(b, root, r, side);
      return true;
    });
  }

  /// After a step on `side` wrote `buffer`'s first `length` bytes: they are newer there.
  void wrote(Value buffer, Value length, Side side) {
    int64_t offset = 0;
    Value root = viewRoot(buffer, &offset);
    Range written = rangeOf(length, offset);
    SmallVector<Range> &mine = stale[root].newerOn(side);
    if (llvm::none_of(mine, [&](const Range &r) { return r.sameAs(written); }))
      mine.push_back(written);
  }

  ProgramOp program;
  SymbolTable &symbols;
  ArrayRef<std::string> deviceTargets;
  std::string device; // the device target whose kernels the program runs, once one is seen
  DenseMap<Value, Stale> stale;
};

struct InsertTransfersPass : impl::InsertTransfersBase<InsertTransfersPass> {
  using InsertTransfersBase::InsertTransfersBase;
  void runOnOperation() override {
    if (deviceTargets.empty())
      return;
    SymbolTable symbols(getOperation());
    for (auto program : getOperation().getOps<ProgramOp>())
      if (failed(Inserter(program, symbols, deviceTargets).run()))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::host
