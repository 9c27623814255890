//===- CpuTargetBackend.h - the CPU target ----------------------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_CPU_CPUTARGETBACKEND_H
#define TESSERA_CODEGEN_CPU_CPUTARGETBACKEND_H

namespace tessera::cpu {

/// Registers the CPU target backend (codegen/target/TargetBackend.h).
void registerCpuTargetBackend();

} // namespace tessera::cpu

#endif
