#include "platform.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "status.h"

namespace tessera::rt {

void* allocate(const tsr_allocator& a, size_t size, size_t alignment) {
  if (alignment < 64) alignment = 64;
  if (size == 0) size = alignment;
  if (a.alloc) return a.alloc(a.self, size, alignment);
  void* p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}

void deallocate(const tsr_allocator& a, void* ptr) {
  if (!ptr) return;
  if (a.alloc) {
    if (a.free) a.free(a.self, ptr);
  } else {
    std::free(ptr);
  }
}

uint32_t availableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<uint32_t>(CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<uint32_t>(n) : 1;
}

// std::atomic<uint32_t> is a plain 32-bit word on Linux targets, which is what the futex syscall needs.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);

void futexWait(std::atomic<uint32_t>& word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futexWake(std::atomic<uint32_t>& word, int count) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

namespace {
struct Feature {
  uint64_t bit;
  const char* name;
};
// Names as in __builtin_cpu_supports, so messages match what users find in /proc/cpuinfo docs.
constexpr Feature kFeatures[] = {
    {TSR_CPU_SSE42, "sse4.2"},         {TSR_CPU_AVX, "avx"},           {TSR_CPU_AVX2, "avx2"},
    {TSR_CPU_FMA, "fma"},              {TSR_CPU_F16C, "f16c"},         {TSR_CPU_BMI2, "bmi2"},
    {TSR_CPU_AVX512F, "avx512f"},      {TSR_CPU_AVX512BW, "avx512bw"}, {TSR_CPU_AVX512DQ, "avx512dq"},
    {TSR_CPU_AVX512VL, "avx512vl"},    {TSR_CPU_AVX512VNNI, "avx512vnni"},
    {TSR_CPU_AVX512BF16, "avx512bf16"},
};
}  // namespace

const char* hostArch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

uint64_t hostCpuFeatures() {
  uint64_t m = 0;
#if defined(__x86_64__)
  // CPUID and XCR0 read directly (what __builtin_cpu_supports does, without compiler-rt's 4.5 KB CPU model
  // table): vector features count only where the OS saves their registers.
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  uint64_t xcr0 = 0;
  if (c & bit_OSXSAVE) {
    uint32_t lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t{hi} << 32) | lo;
  }
  bool ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  if (c & bit_SSE4_2) m |= TSR_CPU_SSE42;
  if (ymm && (c & bit_AVX)) m |= TSR_CPU_AVX;
  if (ymm && (c & bit_FMA)) m |= TSR_CPU_FMA;
  if (ymm && (c & bit_F16C)) m |= TSR_CPU_F16C;
  if (__get_cpuid_max(0, nullptr) >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    unsigned max7 = a;
    if (ymm && (b & bit_AVX2)) m |= TSR_CPU_AVX2;
    if (b & bit_BMI2) m |= TSR_CPU_BMI2;
    if (zmm && (b & bit_AVX512F)) m |= TSR_CPU_AVX512F;
    if (zmm && (b & bit_AVX512BW)) m |= TSR_CPU_AVX512BW;
    if (zmm && (b & bit_AVX512DQ)) m |= TSR_CPU_AVX512DQ;
    if (zmm && (b & bit_AVX512VL)) m |= TSR_CPU_AVX512VL;
    if (zmm && (c & bit_AVX512VNNI)) m |= TSR_CPU_AVX512VNNI;
    if (max7 >= 1) {
      __cpuid_count(7, 1, a, b, c, d);
      if (zmm && (a & bit_AVX512BF16)) m |= TSR_CPU_AVX512BF16;
    }
  }
#endif
  return m;
}

uint64_t knownCpuFeatures() {
  uint64_t m = 0;
  for (const auto& f : kFeatures) m |= f.bit;
  return m;
}

std::string cpuFeatureNames(uint64_t mask) {
  std::string out;
  for (const auto& f : kFeatures)
    if (mask & f.bit) out.append(out.empty() ? "" : ", ").append(f.name);
  if (uint64_t unknown = mask & ~knownCpuFeatures())
    out.append(out.empty() ? "" : ", ").append(format("unknown bits 0x%llx", static_cast<unsigned long long>(unknown)));
  return out.empty() ? "none" : out;
}

CodeLibrary::~CodeLibrary() {
  if (handle_) dlclose(handle_);
  if (fd_ >= 0) close(fd_);
}

tsr_status* CodeLibrary::load(const uint8_t* data, size_t size) {
  // A quick ELF check gives a clearer message than dlopen's.
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(data, ELFMAG, SELFMAG) != 0)
    return makeStatus(TSR_STATUS_INVALID_ARTIFACT, "artifact: CPU_CODE is not an ELF shared object");
  fd_ = memfd_create("tessera-kernels", MFD_CLOEXEC);
  if (fd_ < 0)
    return makeStatus(TSR_STATUS_IO_ERROR, format("memfd_create failed: %s", std::strerror(errno)));
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return makeStatus(TSR_STATUS_IO_ERROR, format("writing CPU code to memfd failed: %s", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  // glibc finds loaded objects by path string. A library that never unloads (linked with -z nodelete, or
  // still open elsewhere) may hold "/proc/self/fd/N" from a closed memfd with our number; dlopen would hand
  // back that old code. Move to a fresh fd number until the name is free.
  // Stopping early would load the wrong code, so walk until a free name or no fd is left.
  std::string path = format("/proc/self/fd/%d", fd_);
  while (void* stale = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
    dlclose(stale);
    int fresh = fcntl(fd_, F_DUPFD_CLOEXEC, fd_ + 1);
    if (fresh < 0)
      return makeStatus(TSR_STATUS_IO_ERROR,
                        format("no free name for CPU code (libraries that cannot be unloaded hold them): %s",
                               std::strerror(errno)));
    close(fd_);
    fd_ = fresh;
    path = format("/proc/self/fd/%d", fd_);
  }
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    return makeStatus(TSR_STATUS_INVALID_ARTIFACT,
                      format("artifact: CPU_CODE cannot be loaded: %s", why ? why : "unknown dlopen error"));
  }
  return nullptr;
}

void* CodeLibrary::symbol(const char* name) const { return handle_ ? dlsym(handle_, name) : nullptr; }

}  // namespace tessera::rt
