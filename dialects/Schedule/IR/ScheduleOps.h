//===- ScheduleOps.h - Tessera host schedule dialect ------------*- C++ -*-===//
#ifndef TESSERA_DIALECTS_SCHEDULE_IR_SCHEDULEOPS_H
#define TESSERA_DIALECTS_SCHEDULE_IR_SCHEDULEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Schedule/IR/ScheduleDialect.h.inc"
#include "dialects/Schedule/IR/ScheduleEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Schedule/IR/ScheduleTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/Schedule/IR/ScheduleOps.h.inc"

namespace tessera::schedule {
/// The buffer `buffer` is a view of, following views (`buffer` itself if it is none), and, when `offset` is
/// given, `buffer`'s byte offset in it.
mlir::Value viewRoot(mlir::Value buffer, int64_t *offset = nullptr);
} // namespace tessera::schedule

#endif
