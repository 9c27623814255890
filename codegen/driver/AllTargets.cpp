//===- AllTargets.cpp - the target backends built into this compiler ------===//
#include "codegen/cpu/CpuTargetBackend.h"
#include "codegen/target/TargetBackend.h"

namespace tessera {

void registerAllTargetBackends() {
  static const bool once = [] {
    cpu::registerCpuTargetBackend();
    return true;
  }();
  (void)once;
}

} // namespace tessera
