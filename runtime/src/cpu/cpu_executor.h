// The CPU executor: runs executables whose code is in CPU_CODE, an ELF shared object exporting one
// tsr_kernel_fn per export (kernel_abi.h), on the session's host threads.
#ifndef TESSERA_RUNTIME_SRC_CPU_CPU_EXECUTOR_H
#define TESSERA_RUNTIME_SRC_CPU_CPU_EXECUTOR_H

#include "executor.h"

namespace tessera::rt {

// Checks that this host can run the code (architecture, required CPU features), then loads CPU_CODE and
// resolves every export of the CPU executables.
tsr_status* createCpuExecutor(const ExecutorLoad& load, std::unique_ptr<Executor>& out);

}  // namespace tessera::rt

#endif
