// Host facts and OS services the loader and executor need: allocation, CPU features, in-memory code loading.
#ifndef TESSERA_RUNTIME_SRC_PLATFORM_H
#define TESSERA_RUNTIME_SRC_PLATFORM_H

#include <atomic>
#include <cstdint>
#include <string>

#include "tessera/runtime.h"

namespace tessera::rt {

// Allocation through a tsr_allocator (zero allocator = posix_memalign). Returns NULL on failure; a zero
// size yields a valid (non-NULL) small block so callers never special-case it.
void* allocate(const tsr_allocator& a, size_t size, size_t alignment);
void deallocate(const tsr_allocator& a, void* ptr);

// "x86_64", "aarch64", ... as written in the first component of a target triple.
const char* hostArch();
// TSR_CPU_* bits present on this CPU.
uint64_t hostCpuFeatures();
// Bits that have a meaning in this runtime.
uint64_t knownCpuFeatures();
// Comma-separated feature names of `mask`, e.g. "avx2, fma".
std::string cpuFeatureNames(uint64_t mask);

// CPUs this process may run on (its affinity mask; the online count if that is unavailable), at least 1.
uint32_t availableCpus();

// Futex on a 32-bit atomic: futexWait sleeps while `*word == expected` (returns at once otherwise, and may
// return spuriously); futexWake wakes up to `count` threads waiting on `word`. Private to this process.
void futexWait(std::atomic<uint32_t>& word, uint32_t expected);
void futexWake(std::atomic<uint32_t>& word, int count);

// A hint inside spin loops (x86 `pause`): saves power and yields the core to its hyperthread sibling.
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// A shared object loaded from memory (memfd + dlopen). The memfd stays open until dlclose because glibc
// finds loaded libraries by path string and "/proc/self/fd/N" is reused with the fd number; load() also
// steps around names still held by libraries that were never unloaded.
class CodeLibrary {
public:
  CodeLibrary() = default;
  CodeLibrary(const CodeLibrary&) = delete;
  CodeLibrary& operator=(const CodeLibrary&) = delete;
  ~CodeLibrary();

  // Returns an error status (caller owns) or NULL.
  tsr_status* load(const uint8_t* data, size_t size);
  void* symbol(const char* name) const;

private:
  int fd_ = -1;
  void* handle_ = nullptr;
};

}  // namespace tessera::rt

#endif
