// Writes the sample artifact and matching tensor files into a directory, for the tessera-run tests.
#include <cstdio>
#include <fstream>

#include "tessera/tensor_io.h"
#include "test_util.h"

using namespace tessera::test;

namespace {

tessera::io::Tensor floats(std::vector<float> v) {
  tessera::io::Tensor t;
  t.dtype = TSR_DTYPE_FLOAT32;
  t.dims = {2, 4};
  t.bytes = floatBytes(v);
  return t;
}

bool write(const std::string& path, const tessera::io::Tensor& t) {
  std::string error;
  if (tessera::io::writeNpy(path, t, error)) return true;
  std::fprintf(stderr, "%s\n", error.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_sample DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  Bytes bytes = sampleSpec().build();
  std::ofstream(dir + "/sample.tsr", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  bytes[sectionEntry(bytes, 1)->offset + 3] ^= 1;
  std::ofstream(dir + "/corrupt.tsr", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {0.5f, 0.5f, 0.5f, 0.5f, 1, 1, 1, 1}, w = sampleWeights(), y, z;
  for (int i = 0; i < 8; ++i) z.push_back(a[i] + b[i]), y.push_back(z.back() * w[i]);
  std::vector<float> z_wrong = z;
  z_wrong[5] += 1;
  tessera::io::Tensor bad = floats(a);
  bad.dims = {8};
  // The batch model (run-time dim N) with N = 3.
  Bytes batch = batchSpec().build();
  std::ofstream(dir + "/batch.tsr", std::ios::binary).write(reinterpret_cast<const char*>(batch.data()), batch.size());
  std::vector<float> x3, y3;
  for (int i = 0; i < 12; ++i) x3.push_back(float(i) / 2), y3.push_back((x3.back() * 2 + 1) * 2 + 1);
  tessera::io::Tensor tx = floats(x3), ty = floats(y3);
  tx.dims = ty.dims = {3, 4};

  bool ok = write(dir + "/x3.npy", tx) && write(dir + "/y3.npy", ty) && write(dir + "/a.npy", floats(a)) && write(dir + "/b.npy", floats(b)) && write(dir + "/y.npy", floats(y)) &&
            write(dir + "/z.npy", floats(z)) && write(dir + "/z_wrong.npy", floats(z_wrong)) &&
            write(dir + "/a_flat.npy", bad);
  return ok ? 0 : 2;
}
