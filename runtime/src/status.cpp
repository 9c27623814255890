#include "status.h"

#include <cstdio>
#include <new>

namespace tessera::rt {
namespace {
// Returned when the status itself cannot be allocated; freeing it is a no-op.
tsr_status gOutOfMemory{TSR_STATUS_OUT_OF_MEMORY, {}};
}  // namespace

tsr_status* outOfMemoryStatus() noexcept { return &gOutOfMemory; }

tsr_status* makeStatus(tsr_code code, std::string message) noexcept {
  tsr_status* s = new (std::nothrow) tsr_status;
  if (!s) return outOfMemoryStatus();
  s->code = code;
  s->message = std::move(message);  // moving a std::string never allocates
  return s;
}


}  // namespace tessera::rt

extern "C" {

tsr_code tsr_status_code(const tsr_status* status) { return status ? status->code : TSR_STATUS_OK; }

const char* tsr_status_message(const tsr_status* status) {
  if (!status) return "ok";
  if (status == tessera::rt::outOfMemoryStatus()) return "out of memory";
  return status->message.c_str();
}

void tsr_status_free(tsr_status* status) {
  if (status != tessera::rt::outOfMemoryStatus()) delete status;
}

const char* tsr_code_name(tsr_code code) {
  switch (code) {
  case TSR_STATUS_OK: return "ok";
  case TSR_STATUS_INVALID_ARGUMENT: return "invalid_argument";
  case TSR_STATUS_NOT_FOUND: return "not_found";
  case TSR_STATUS_IO_ERROR: return "io_error";
  case TSR_STATUS_INVALID_ARTIFACT: return "invalid_artifact";
  case TSR_STATUS_UNSUPPORTED: return "unsupported";
  case TSR_STATUS_OUT_OF_MEMORY: return "out_of_memory";
  case TSR_STATUS_KERNEL_FAILED: return "kernel_failed";
  case TSR_STATUS_INTERNAL: return "internal";
  }
  return "unknown";
}

const char* tsr_dtype_name(uint32_t dtype) { return tessera::codec::dtypeName(dtype); }

}  // extern "C"
