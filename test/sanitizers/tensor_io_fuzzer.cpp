// libFuzzer target: arbitrary bytes as a .npy file and as an ONNX TensorProto (.pb), the two input formats
// tessera-run reads. Parsing must fail with a message or produce a tensor whose bytes match its dims.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tessera/tensor_io.h"

namespace {
void checkConsistent(const tessera::io::Tensor& t) {
  size_t elements = 1;
  for (int64_t d : t.dims) {
    if (d < 0) std::abort();
    elements *= static_cast<size_t>(d);
  }
  size_t width = tessera::io::dtypeSize(t.dtype);
  if (width != 0 && t.bytes.size() != elements * width) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tessera::io::Tensor tensor;
  std::string error;
  if (tessera::io::parseNpy(data, size, tensor, error)) checkConsistent(tensor);
  tessera::io::Tensor proto;
  if (tessera::io::parseTensorProto(data, size, proto, error)) checkConsistent(proto);
  return 0;
}
