//===- DispatchOps.cpp - Tessera dispatch dialect -------------------------===//
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace tessera::dispatch;

#include "dialects/Dispatch/IR/DispatchDialect.cpp.inc"

void DispatchDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Dispatch/IR/DispatchOps.cpp.inc"
      >();
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

LogicalResult DispatchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto exe = symbolTable.lookupNearestSymbolFrom<ExecutableOp>(*this, getExecutableAttr());
  if (!exe)
    return emitOpError("'") << getExecutable() << "' does not reference a tdisp.executable";
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Dispatch/IR/DispatchOps.cpp.inc"
