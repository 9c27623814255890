//===- DispatchOps.cpp - Tessera dispatch dialect -------------------------===//
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace tessera::dispatch;

#include "dialects/Dispatch/IR/DispatchDialect.cpp.inc"
#include "dialects/Dispatch/IR/DispatchEnums.cpp.inc"

void DispatchDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Dispatch/IR/DispatchOps.cpp.inc"
      >();
  registerAttributes();
}

LogicalResult RegionOp::verify() {
  auto ret = cast<ReturnOp>(getBody().front().getTerminator());
  if (ret.getValues().getTypes() != getResultTypes())
    return emitOpError("returns types that differ from its result types");
  return success();
}

ModuleOp VariantOp::getInnerModule() {
  auto modules = getBody().front().getOps<ModuleOp>();
  return modules.empty() ? ModuleOp() : *modules.begin();
}

LogicalResult ExportOp::verify() {
  if (getWorkgroupCount().size() != 3 || getWorkgroupSize().size() != 3)
    return emitOpError("needs 3-D workgroup count and size");
  for (int64_t v : getWorkgroupCount())
    if (v < 0)
      return emitOpError("workgroup count must not be negative");
  for (int64_t v : getWorkgroupSize())
    if (v < 1)
      return emitOpError("workgroup size must be at least 1");
  for (int32_t a : getAccess())
    if (a < 1 || a > 3)
      return emitOpError("access ") << a << " is not read (1), write (2) or read-write (3)";
  // Signed reads: the unsigned accessors would wrap a negative count into a huge one.
  if (getConstantsAttr().getInt() < 0)
    return emitOpError("constant count must not be negative");
  if (getScratchBytesAttr() && getScratchBytesAttr().getInt() < 0)
    return emitOpError("scratch bytes must not be negative");
  if (std::optional<ArrayRef<int64_t>> grid = getRunTimeGrid()) {
    if (grid->size() < 4 || getWorkgroupCount()[0] != 0)
      return emitOpError("run_time_grid needs [I, W, S, c0, ...] and a workgroup count of 0 along x");
    if ((*grid)[0] < 1 || (*grid)[1] < 1 || (*grid)[2] < 1)
      return emitOpError("run_time_grid's iterations, workgroups and static part must be positive");
    auto constants = static_cast<int64_t>(getConstants());
    if ((*grid)[3] < -1 || (*grid)[3] >= constants ||
        llvm::any_of(grid->drop_front(4), [&](int64_t c) { return c < 0 || c >= constants; }))
      return emitOpError("run_time_grid names a dispatch constant the kernel does not read");
  }
  if (std::optional<ArrayRef<int64_t>> bytes = getBindingBytes()) {
    if (bytes->size() != getAccess().size())
      return emitOpError("has ") << bytes->size() << " binding lengths for " << getAccess().size() << " bindings";
    if (llvm::any_of(*bytes, [](int64_t b) { return b < 0; }))
      return emitOpError("binding lengths must not be negative");
  }
  return success();
}

LogicalResult DispatchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto exe = symbolTable.lookupNearestSymbolFrom<ExecutableOp>(*this, getExecutableAttr());
  if (!exe)
    return emitOpError("'") << getExecutable() << "' does not reference a tdisp.executable";
  return success();
}

LogicalResult DispatchOp::verify() {
  int64_t dynamic = 0;
  for (Type t : getResultTypes())
    dynamic += cast<RankedTensorType>(t).getNumDynamicDims();
  if (dynamic != static_cast<int64_t>(getResultDims().size()))
    return emitOpError("has ") << getResultDims().size() << " result dims for " << dynamic
                               << " dynamic result dims";
  return success();
}

Value DispatchOp::getResultDim(unsigned result, unsigned dim) {
  unsigned index = 0;
  for (unsigned r = 0; r < result; ++r)
    index += cast<RankedTensorType>(getResult(r).getType()).getNumDynamicDims();
  auto type = cast<RankedTensorType>(getResult(result).getType());
  for (unsigned d = 0; d < dim; ++d)
    index += type.isDynamicDim(d);
  return getResultDims()[index];
}

#define GET_OP_CLASSES
#include "dialects/Dispatch/IR/DispatchOps.cpp.inc"
