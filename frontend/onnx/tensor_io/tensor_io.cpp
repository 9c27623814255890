// Shared helpers and the extension dispatch.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tensor_io_internal.h"
#include "tessera/tensor_io.h"

namespace tessera::io {

size_t Tensor::elementCount() const {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

size_t dtypeSize(uint32_t dtype) {
  switch (dtype) {
  case kUint8: case kInt8: case kBool: return 1;
  case kUint16: case kInt16: case kFloat16: case kBfloat16: return 2;
  case kFloat32: case kInt32: case kUint32: return 4;
  case kInt64: case kUint64: case kFloat64: return 8;
  default: return 0;
  }
}

std::string dtypeName(uint32_t dtype) {
  switch (dtype) {
  case kFloat32: return "float32";
  case kUint8: return "uint8";
  case kInt8: return "int8";
  case kUint16: return "uint16";
  case kInt16: return "int16";
  case kInt32: return "int32";
  case kInt64: return "int64";
  case kBool: return "bool";
  case kFloat16: return "float16";
  case kFloat64: return "float64";
  case kUint32: return "uint32";
  case kUint64: return "uint64";
  case kBfloat16: return "bfloat16";
  default: return "dtype " + std::to_string(dtype);
  }
}

std::string shapeString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

bool byteSize(uint32_t dtype, const std::vector<int64_t>& dims, uint64_t& bytes) {
  bytes = dtypeSize(dtype);
  if (!bytes) return false;
  for (int64_t d : dims) {
    if (d < 0) return false;
    if (d && bytes > UINT64_MAX / static_cast<uint64_t>(d)) return false;
    bytes *= static_cast<uint64_t>(d);
  }
  return bytes <= SIZE_MAX / 2;
}

// Regular files only, opened without blocking: a FIFO would hang the reader and a device (/dev/zero)
// would be read until memory runs out.
bool readFile(const std::string& path, std::vector<uint8_t>& data, std::string& error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(error, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(error, "'" + path + "' is not a regular file");
  }
  data.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return fail(error, "cannot read '" + path + "'" + (n < 0 ? std::string(": ") + std::strerror(errno) : ""));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return true;
}

std::string stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

bool readTensorFile(const std::string& path, Tensor& out, std::string& error) {
  auto endsWith = [&](const char* ext) {
    size_t n = std::char_traits<char>::length(ext);
    return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
  };
  if (endsWith(".npy")) return readNpy(path, out, error);
  if (endsWith(".pb")) return readTensorProto(path, out, error);
  return fail(error, "'" + path + "': unknown tensor file type (expected .npy or .pb)");
}

}  // namespace tessera::io
