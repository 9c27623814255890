//===- SerializeSchedule.h - tsched.program -> METADATA, SCHEDULE, WEIGHTS -*- C++ -*-===//
#ifndef TESSERA_CODEGEN_HOST_SERIALIZESCHEDULE_H
#define TESSERA_CODEGEN_HOST_SERIALIZESCHEDULE_H

#include "dialects/Schedule/IR/ScheduleOps.h"
#include "runtime/codec/artifact_codec.h"

#include "mlir/IR/BuiltinOps.h"

namespace tessera::host {

struct SerializedSchedule {
  codec::Metadata metadata;
  codec::Schedule schedule;
  codec::StepSources sources;  // per step: the names in its op's location (the ONNX nodes it computes)
  std::string weights;
};

/// Walks `program` (after the host schedule pipeline) in order: every op maps onto a table entry. The
/// executables it dispatches are looked up in `module`; each target's code section comes from its
/// registered backend.
mlir::FailureOr<SerializedSchedule> serializeSchedule(mlir::ModuleOp module, schedule::ProgramOp program);

} // namespace tessera::host

#endif
