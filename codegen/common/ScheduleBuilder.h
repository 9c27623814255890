//===- ScheduleBuilder.h - host function -> schedule table ------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_COMMON_SCHEDULEBUILDER_H
#define TESSERA_CODEGEN_COMMON_SCHEDULEBUILDER_H

#include "codegen/common/ArtifactWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera {

/// Builds the METADATA, SCHEDULE and WEIGHTS sections from the host function `main` of `module`
/// (tdisp.dispatch ops over tensors, weight loads, constants and reshapes). Each executable's CPU
/// variant must carry `kernel` (symbol) and `workgroup_count` attributes.
mlir::LogicalResult buildSchedule(mlir::ModuleOp module, mlir::func::FuncOp main,
                                  ArtifactContents &contents);

} // namespace tessera

#endif
