// Helpers shared by the tensor_io sources.
#ifndef TESSERA_TENSOR_IO_INTERNAL_H
#define TESSERA_TENSOR_IO_INTERNAL_H

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::io {

// ONNX TensorProto.DataType values used here.
enum : uint32_t {
  kFloat32 = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6, kInt64 = 7, kBool = 9,
  kFloat16 = 10, kFloat64 = 11, kUint32 = 12, kUint64 = 13, kBfloat16 = 16,
};

inline bool fail(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

// Element count times element size; false for negative dims, unknown dtypes or overflow.
bool byteSize(uint32_t dtype, const std::vector<int64_t>& dims, uint64_t& bytes);
bool readFile(const std::string& path, std::vector<uint8_t>& data, std::string& error);
std::string stem(const std::string& path);

}  // namespace tessera::io

#endif
