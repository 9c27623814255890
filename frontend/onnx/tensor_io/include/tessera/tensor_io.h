// Tensor files for tools and tests: .npy (read/write) and ONNX TensorProto .pb (read), plus a numeric compare.
// dtype values are ONNX TensorProto.DataType, the same numbers as TSR_DTYPE_*. Data is little-endian C order.
// Functions return false with a one-line `error` (no exceptions escape).
#ifndef TESSERA_TENSOR_IO_H
#define TESSERA_TENSOR_IO_H

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::io {

struct Tensor {
  uint32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
  std::string name;  // TensorProto name, or the .npy file's stem

  size_t elementCount() const;
};

// Bytes per element of `dtype` (bool = 1), 0 if unsupported here (string, complex, ...).
size_t dtypeSize(uint32_t dtype);
// "float32", "int64", ... or "dtype N".
std::string dtypeName(uint32_t dtype);
// "[2,3,4]"
std::string shapeString(const std::vector<int64_t>& dims);

// .npy versions 1, 2 and 3; dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, little-endian, C order.
bool readNpy(const std::string& path, Tensor& out, std::string& error);
bool parseNpy(const uint8_t* data, size_t size, Tensor& out, std::string& error);
// Writes version 1 (version 2 when the header needs it). bfloat16 has no .npy dtype and is an error.
bool writeNpy(const std::string& path, const Tensor& tensor, std::string& error);

// A serialized onnx.TensorProto: raw_data or the typed repeated fields.
bool readTensorProto(const std::string& path, Tensor& out, std::string& error);
bool parseTensorProto(const void* data, size_t size, Tensor& out, std::string& error);

// Dispatches on the extension: .npy or .pb.
bool readTensorFile(const std::string& path, Tensor& out, std::string& error);

// Compares `got` with `expected`. Floats (f16, bf16, f32, f64) pass when |got - expected| <= atol +
// rtol * |expected|, NaN equals NaN, and infinities must match exactly; integers and bools must be equal;
// dtype and shape must match. `report` always describes the result: element count, max abs and rel error,
// mismatch count, first and worst mismatching index. Relative error is taken over elements whose expected
// value is nonzero (and finite).
bool compareTensors(const Tensor& got, const Tensor& expected, double rtol, double atol, std::string& report);

}  // namespace tessera::io

#endif
