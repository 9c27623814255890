// Runs a compiled Tessera model on a float32 .npy input with the C++ wrapper and prints the top classes of
// output 0 in the format of `tessera-run --print`:
//   NAME: DTYPE[SHAPE]
//     top5: I=V ...      (the 5 largest values of row 0 along the last dim; ties: lower index first; NaN last)
// Usage: tessera-example-cpp MODEL.tsr INPUT.npy
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/runtime.hpp"

namespace {

// Reads a little-endian float32 C-order array ('descr': '<f4', 'fortran_order': False) from a .npy file,
// versions 1-3.
tessera::Tensor readNpy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open");
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  if (bytes.size() < 10 || std::string(bytes.data(), 6) != "\x93NUMPY") throw fail("not a .npy file");
  auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(bytes[i])); };
  size_t headerStart = bytes[6] >= 2 ? 12 : 10;  // versions 2 and 3: a 4-byte header length
  if (bytes.size() < headerStart) throw fail("truncated .npy file");
  size_t headerSize = byte(8) | byte(9) << 8;
  if (headerStart == 12) headerSize |= byte(10) << 16 | byte(11) << 24;
  if (bytes.size() < headerStart + headerSize) throw fail("truncated .npy file");
  std::string header(bytes.data() + headerStart, headerSize);
  if (header.find("'descr': '<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw fail("expected a float32 array in C order, header is " + header);
  size_t shape = header.find("'shape': (");
  if (shape == std::string::npos) throw fail("no shape in header " + header);
  std::vector<int64_t> dims;
  for (size_t p = shape + 10; header[p] != ')';) {
    size_t used = 0;
    dims.push_back(std::stoll(header.substr(p), &used));
    p += used;
    while (header[p] == ',' || header[p] == ' ') ++p;
  }
  tessera::Tensor tensor(TSR_DTYPE_FLOAT32, dims);
  if (bytes.size() - headerStart - headerSize != tensor.data.size())
    throw fail("data size does not match the shape in header " + header);
  std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(headerStart + headerSize), bytes.end(), tensor.data.begin());
  return tensor;
}

void printTop5(const tessera::Tensor& t, const std::string& name) {
  std::printf("%s: %s[", name.c_str(), tsr_dtype_name(t.dtype));
  for (size_t d = 0; d < t.dims.size(); ++d) std::printf(d ? ",%lld" : "%lld", static_cast<long long>(t.dims[d]));
  std::printf("]\n");
  const float* values = t.as<float>();  // row 0
  size_t row = t.dims.empty() ? 1 : static_cast<size_t>(t.dims.back());
  std::vector<size_t> order(row);
  for (size_t i = 0; i < row; ++i) order[i] = i;
  // The ranking of tessera-run --print: larger first, NaN last, ties by lower index.
  auto before = [&](size_t a, size_t b) {
    float x = values[a], y = values[b];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    if (!std::isnan(x) && x != y) return x > y;
    return a < b;
  };
  size_t k = std::min<size_t>(row, 5);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), before);
  std::printf("  top5:");
  for (size_t i = 0; i < k; ++i) std::printf(" %zu=%.6g", order[i], static_cast<double>(values[order[i]]));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.tsr INPUT.npy\n", argv[0]);
    return 2;
  }
  try {
    tessera::Tensor input = readNpy(argv[2]);
    tessera::Model model = tessera::Model::load(argv[1]);
    std::vector<tessera::Tensor> outputs = model.forward({input});
    if (outputs.empty() || outputs[0].dtype != TSR_DTYPE_FLOAT32)
      throw std::runtime_error("this example ranks a float32 output 0");
    printTop5(outputs[0], model.outputs()[0].name);
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "error: %s (%s)\n", e.what(), tsr_code_name(e.code()));
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
