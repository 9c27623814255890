// Internal status helpers: every error leaves the runtime as a heap tsr_status (NULL = ok).
#ifndef TESSERA_RUNTIME_SRC_STATUS_H
#define TESSERA_RUNTIME_SRC_STATUS_H

#include <string>

#include "runtime/codec/artifact_codec.h"

#include "tessera/kernel_abi.h"
#include "tessera/runtime.h"

struct tsr_status {
  tsr_code code;
  std::string message;
};

namespace tessera::rt {

// Never throws: on allocation failure returns a static out-of-memory status that tsr_status_free ignores.
tsr_status* makeStatus(tsr_code code, std::string message) noexcept;
tsr_status* outOfMemoryStatus() noexcept;

// What a kernel's value error (TSR_KERNEL_ERROR_*: the inputs' values are wrong, not the kernel or the
// artifact) says in a run's message, or null when `code` is not one. Shared by every executor.
inline const char* kernelValueError(int64_t code) {
  switch (code) {
    case TSR_KERNEL_ERROR_INDEX_OUT_OF_RANGE: return "an index is out of range of the dim it indexes";
    case TSR_KERNEL_ERROR_DIVISION_BY_ZERO: return "an integer division by zero";
    default: return nullptr;
  }
}

// printf-style formatting into a std::string, shared with the codec.
using codec::format;

// Runs `body` (returning tsr_status*) and turns any escaping exception into a status, so nothing crosses
// the C ABI.
template <typename F>
tsr_status* guard(F&& body) noexcept {
#if !defined(__cpp_exceptions)
  return body();
#else
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return outOfMemoryStatus();
  } catch (const std::exception& e) {
    return makeStatus(TSR_STATUS_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return makeStatus(TSR_STATUS_INTERNAL, "internal error: unknown exception");
  }
#endif
}

}  // namespace tessera::rt

#endif
