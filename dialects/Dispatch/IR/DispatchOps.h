//===- DispatchOps.h - Tessera dispatch dialect -----------------*- C++ -*-===//
#ifndef TESSERA_DIALECTS_DISPATCH_IR_DISPATCHOPS_H
#define TESSERA_DIALECTS_DISPATCH_IR_DISPATCHOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/TilingInterface.h"

#include "dialects/Dispatch/IR/DispatchDialect.h.inc"
#include "dialects/Dispatch/IR/DispatchEnums.h.inc"
#include "dialects/Dispatch/IR/DispatchStrategyEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Dispatch/IR/DispatchAttrs.h.inc"

namespace tessera::dispatch {
/// Where a kernel function carries its #tdisp.lowering_config.
inline constexpr llvm::StringLiteral kLoweringConfigAttr = "tdisp.lowering_config";
} // namespace tessera::dispatch

#define GET_OP_CLASSES
#include "dialects/Dispatch/IR/DispatchOps.h.inc"

#endif
