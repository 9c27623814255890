//===- DimsFromConstants.cpp - run-time dims and scalars as dispatch-parameter arguments ---===//
//
// A kernel of run-time shape reads its dims and scalars from the dispatch's constants (the dynamic dims of
// its bindings in binding order then dim order, then its scalar arguments: kernel_abi.h), which the Vulkan
// executor writes after the status word, followed by the byte length of each binding (the dispatch's
// parameters, written per run so recorded command buffers outlive them). Each of them becomes an
// index argument after the bindings, in that order: a memref.dim of a binding is its dim's argument, a
// scalar argument moves after the dims. Dims read one way are one value, so loop nests bounded by the dims
// of different bindings (which the dispatch passes apart) compare equal only when the same binding gave
// them. A check at entry fails the dispatch (dispatch_mismatch) when a binding is shorter than its dims
// say; the accesses are clamped to the bindings later (ClampBindingAccesses), so a forged schedule reads
// and writes nothing outside them either way.
//
#include "codegen/vulkan/Passes.h"
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/BitVector.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_DIMSFROMCONSTANTS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// The most dispatch parameters the Vulkan executor passes (kMaxParameterWords in the runtime).
constexpr int64_t kMaxDispatchParameters = 4096;
/// Index math runs in 32 bits on the device, compared as signed.
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

/// Fails the dispatch when a binding holds fewer bytes than `length` says it needs: `staticBytes` (its element
/// size times its static dims) per element of its `runTimeDims`. The elements left after each run-time dim
/// are divided down, so no product can overflow; a zero dim needs nothing.
void checkLength(OpBuilder &b, Location loc, int64_t staticBytes, ArrayRef<Value> runTimeDims, Value length) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto flag = [&](bool v) { return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v).getResult(); };
  if (staticBytes == 0)
    return;
  Value room = arith::DivUIOp::create(b, loc, length, index(staticBytes));
  room = arith::MinUIOp::create(b, loc, room, index(kMaxElements));
  Value tooLong = flag(false), anyZero = flag(false);
  for (Value dim : runTimeDims) {
    tooLong = arith::OrIOp::create(b, loc, tooLong,
                                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, dim, room));
    anyZero = arith::OrIOp::create(b, loc, anyZero,
                                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dim, index(0)));
    room = arith::DivUIOp::create(b, loc, room, arith::MaxUIOp::create(b, loc, dim, index(1)));
  }
  Value mismatch = arith::AndIOp::create(b, loc, tooLong, arith::XOrIOp::create(b, loc, anyZero, flag(true)));
  dispatch::ErrorIfOp::create(b, loc, mismatch, dispatch::KernelError::dispatch_mismatch);
}

LogicalResult convert(func::FuncOp func) {
  Block &entry = func.getBody().front();
  SmallVector<BlockArgument> bindings, scalars;
  int64_t dims = 0;
  for (BlockArgument arg : entry.getArguments()) {
    if (auto memref = dyn_cast<MemRefType>(arg.getType())) {
      bindings.push_back(arg);
      dims += memref.getNumDynamicDims();
    } else if (arg.getType().isIndex()) {
      scalars.push_back(arg);
    } else {
      return func.emitOpError("argument ") << arg.getArgNumber() << " of type " << arg.getType()
                                           << " is neither a binding nor an index";
    }
  }
  int64_t constants = dims + static_cast<int64_t>(scalars.size());
  if (constants == 0)
    return success();
  if (int64_t parameters = constants + static_cast<int64_t>(bindings.size()); parameters > kMaxDispatchParameters)
    return func.emitOpError("needs ") << parameters << " dispatch parameters (its dims, scalars and binding "
                                      << "lengths); the Vulkan executor passes at most " << kMaxDispatchParameters;
  Location loc = func.getLoc();
  IndexType indexType = IndexType::get(func.getContext());
  // One argument per constant; each constant is read as the first of its class of equal dims (EqualDims).
  SmallVector<Value> constantArgs;
  for (int64_t k = 0; k < constants; ++k)
    constantArgs.push_back(entry.addArgument(indexType, loc));
  SmallVector<int64_t> first = llvm::to_vector(llvm::seq<int64_t>(0, constants));
  if (auto equal = func->getAttrOfType<DenseI64ArrayAttr>(kEqualDimsAttr)) {
    if (static_cast<int64_t>(equal.size()) != constants ||
        llvm::any_of(llvm::enumerate(equal.asArrayRef()), [](auto e) {
          return e.value() < 0 || e.value() > static_cast<int64_t>(e.index());
        }))
      return func.emitOpError("has equal dims for ") << equal.size() << " constants, not " << constants;
    first.assign(equal.asArrayRef().begin(), equal.asArrayRef().end());
    func->removeAttr(kEqualDimsAttr);
  }
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  // The dims of each binding, its constant where dynamic.
  SmallVector<SmallVector<Value>> dimsOf;
  int64_t next = 0;
  for (BlockArgument binding : bindings) {
    auto type = cast<MemRefType>(binding.getType());
    dimsOf.emplace_back();
    for (int64_t size : type.getShape())
      dimsOf.back().push_back(ShapedType::isDynamic(size) ? constantArgs[first[next++]]
                                                          : Value(arith::ConstantIndexOp::create(b, loc, size)));
  }
  for (BlockArgument scalar : scalars)
    scalar.replaceAllUsesWith(constantArgs[first[next++]]);
  SmallVector<Value> lengths;
  for (size_t i = 0; i < bindings.size(); ++i)
    lengths.push_back(entry.addArgument(indexType, loc));

  SmallVector<memref::DimOp> dimOps;
  func.walk([&](memref::DimOp op) { dimOps.push_back(op); });
  for (memref::DimOp op : dimOps) {
    auto it = llvm::find(bindings, op.getSource());
    if (it == bindings.end())
      continue;
    std::optional<int64_t> dim = getConstantIntValue(op.getIndex());
    if (!dim || *dim < 0 || *dim >= cast<MemRefType>(it->getType()).getRank())
      return op.emitOpError("reads a dim of a binding at an index not known at compile time");
    op.replaceAllUsesWith(dimsOf[it - bindings.begin()][*dim]);
    op.erase();
  }
  for (int64_t k = 0; k < constants; ++k)
    if (first[k] != k)
      dispatch::ErrorIfOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, constantArgs[k], constantArgs[first[k]]),
          dispatch::KernelError::dispatch_mismatch);
  for (auto [binding, dimValues, length] : llvm::zip(bindings, dimsOf, lengths)) {
    auto type = cast<MemRefType>(binding.getType());
    if (type.hasStaticShape())
      continue;
    int64_t staticBytes = storedBytes(type.getElementType());
    SmallVector<Value> runTimeDims;
    for (auto [size, dim] : llvm::zip(type.getShape(), dimValues)) {
      if (ShapedType::isDynamic(size))
        runTimeDims.push_back(dim);
      else
        staticBytes *= size;
    }
    if (staticBytes > kMaxElements)
      return func.emitOpError("binding ") << binding.getArgNumber() << " of type " << type
                                          << " is too large for 32-bit offsets";
    checkLength(b, loc, staticBytes, runTimeDims, length);
  }

  llvm::BitVector erased(entry.getNumArguments());
  for (BlockArgument scalar : scalars)
    erased.set(scalar.getArgNumber());
  entry.eraseArguments(erased);
  func.setFunctionType(FunctionType::get(func.getContext(), entry.getArgumentTypes(), func.getResultTypes()));
  func->setAttr(kDispatchConstantsAttr, b.getI64IntegerAttr(constants));
  return success();
}

struct DimsFromConstantsPass : impl::DimsFromConstantsBase<DimsFromConstantsPass> {
  void runOnOperation() override {
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>()))
      if (!func.isDeclaration() && failed(convert(func)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
