// onnx.TensorProto reading: raw_data, or the typed repeated fields (int32_data also carries bool, 8/16-bit
// integers and the bit patterns of float16/bfloat16, as the ONNX spec says).
#include <onnx/onnx_pb.h>

#include <cstring>

#include "tensor_io_internal.h"
#include "tessera/tensor_io.h"

namespace tessera::io {
namespace {

template <typename Field>
bool copyField(const Field& field, uint64_t count, size_t elem, Tensor& out, std::string& error,
               const char* field_name) {
  if (static_cast<uint64_t>(field.size()) != count)
    return fail(error, std::string(field_name) + " has " + std::to_string(field.size()) + " values but shape " +
                           shapeString(out.dims) + " needs " + std::to_string(count));
  out.bytes.resize(count * elem);
  for (int i = 0; i < field.size(); ++i) {
    auto v = field.Get(i);
    // Narrowing keeps the low bytes, which is the ONNX encoding for every narrower type (little-endian host).
    std::memcpy(out.bytes.data() + i * elem, &v, elem);
  }
  return true;
}

}  // namespace

bool parseTensorProto(const void* data, size_t size, Tensor& out, std::string& error) {
  onnx::TensorProto tp;
  if (size > INT32_MAX || !tp.ParseFromArray(data, static_cast<int>(size)))
    return fail(error, "not a valid onnx TensorProto");
  out.name = tp.name();
  out.dtype = static_cast<uint32_t>(tp.data_type());
  size_t elem = dtypeSize(out.dtype);
  if (!elem) return fail(error, "unsupported TensorProto data_type " + std::to_string(tp.data_type()));
  if (tp.data_location() == onnx::TensorProto::EXTERNAL) return fail(error, "external tensor data is not supported");
  out.dims.assign(tp.dims().begin(), tp.dims().end());
  uint64_t bytes = 0;
  if (!byteSize(out.dtype, out.dims, bytes)) return fail(error, "invalid TensorProto shape " + shapeString(out.dims));
  const uint64_t count = bytes / elem;
  if (tp.has_raw_data()) {
    if (tp.raw_data().size() != bytes)
      return fail(error, "raw_data has " + std::to_string(tp.raw_data().size()) + " bytes but " +
                             dtypeName(out.dtype) + " " + shapeString(out.dims) + " needs " + std::to_string(bytes));
    out.bytes.assign(tp.raw_data().begin(), tp.raw_data().end());
    return true;
  }
  switch (out.dtype) {
  case kFloat32: return copyField(tp.float_data(), count, elem, out, error, "float_data");
  case kFloat64: return copyField(tp.double_data(), count, elem, out, error, "double_data");
  case kInt64: return copyField(tp.int64_data(), count, elem, out, error, "int64_data");
  case kUint32:
  case kUint64: return copyField(tp.uint64_data(), count, elem, out, error, "uint64_data");
  default: return copyField(tp.int32_data(), count, elem, out, error, "int32_data");
  }
}

bool readTensorProto(const std::string& path, Tensor& out, std::string& error) {
  std::vector<uint8_t> data;
  if (!readFile(path, data, error)) return false;
  if (!parseTensorProto(data.data(), data.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

}  // namespace tessera::io
