// TesseraTensorIO: .npy round trips, TensorProto reading, compare semantics.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "tessera/tensor_io.h"

using tessera::io::Tensor;

namespace {

std::string tempPath(const std::string& name) {
  return ::testing::TempDir() + "tessera_io_" + std::to_string(getpid()) + "_" + name;
}

template <typename T>
Tensor make(uint32_t dtype, std::vector<int64_t> dims, const std::vector<T>& values) {
  Tensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  t.bytes.resize(values.size() * sizeof(T));
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

void writeBytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

TEST(Npy, RoundTripsEveryDtype) {
  std::vector<Tensor> cases = {
      make<float>(1, {2, 3}, {1, 2, 3, 4, 5, 6.5f}),
      make<double>(11, {3}, {1e300, -2, 0}),
      make<uint16_t>(10, {2}, {0x3c00, 0xc000}),  // float16 1, -2
      make<int8_t>(3, {4}, {-128, 0, 1, 127}),
      make<int16_t>(5, {1, 2}, {-300, 300}),
      make<int32_t>(6, {2, 1, 1}, {-7, 7}),
      make<int64_t>(7, {}, {int64_t{1} << 40}),  // scalar
      make<uint8_t>(2, {3}, {0, 128, 255}),
      make<uint16_t>(4, {1}, {65535}),
      make<uint32_t>(12, {2}, {0, 4000000000u}),
      make<uint64_t>(13, {1}, {~uint64_t{0}}),
      make<uint8_t>(9, {2, 2}, {1, 0, 0, 1}),
      make<float>(1, {0, 3}, {}),  // empty
  };
  for (const Tensor& t : cases) {
    SCOPED_TRACE(tessera::io::dtypeName(t.dtype) + tessera::io::shapeString(t.dims));
    std::string path = tempPath("rt.npy"), error;
    ASSERT_TRUE(tessera::io::writeNpy(path, t, error)) << error;
    Tensor back;
    ASSERT_TRUE(tessera::io::readTensorFile(path, back, error)) << error;
    EXPECT_EQ(back.dtype, t.dtype);
    EXPECT_EQ(back.dims, t.dims);
    EXPECT_EQ(back.bytes, t.bytes);
    EXPECT_NE(back.name.find("rt"), std::string::npos);
    std::ifstream f(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), {});
    EXPECT_EQ((all.size() - t.bytes.size()) % 64, 0u);  // data is 64-byte aligned
    std::remove(path.c_str());
  }
}

TEST(Npy, ReadsVersion2And3AndNumpyStyleHeaders) {
  for (int version : {1, 2, 3}) {
    std::string dict = "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2,), }\n";
    std::string head = std::string("\x93NUMPY", 6) + char(version) + '\0';
    uint32_t n = static_cast<uint32_t>(dict.size());
    head += std::string(reinterpret_cast<const char*>(&n), version == 1 ? 2 : 4);
    int32_t data[2] = {5, -6};
    std::string path = tempPath("v.npy"), error;
    writeBytes(path, head + dict + std::string(reinterpret_cast<const char*>(data), 8));
    Tensor t;
    ASSERT_TRUE(tessera::io::readNpy(path, t, error)) << version << ": " << error;
    EXPECT_EQ(t.dtype, 6u);
    EXPECT_EQ(t.dims, std::vector<int64_t>{2});
    std::remove(path.c_str());
  }
}

TEST(Npy, RejectsBadFiles) {
  struct Case {
    std::string dict, body, message;
  } cases[] = {
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "abcd", "big-endian"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", "abcdabcd", "fortran_order"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "abcdabcd", "unsupported npy dtype '<c8'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "abcd", "npy data has 4 bytes but float32 [3] needs 12"},
      {"{'descr': '<f4', 'fortran_order': False, }", "abcd", "no 'shape'"},
  };
  for (const auto& c : cases) {
    std::string head = std::string("\x93NUMPY\x01\x00", 8);
    uint16_t n = static_cast<uint16_t>(c.dict.size());
    head += std::string(reinterpret_cast<const char*>(&n), 2);
    std::string path = tempPath("bad.npy"), error;
    writeBytes(path, head + c.dict + c.body);
    Tensor t;
    EXPECT_FALSE(tessera::io::readNpy(path, t, error));
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
    std::remove(path.c_str());
  }
  Tensor t;
  std::string error;
  EXPECT_FALSE(tessera::io::readTensorFile("/nonexistent/x.npy", t, error));
  EXPECT_NE(error.find("cannot open '/nonexistent/x.npy'"), std::string::npos) << error;
  EXPECT_FALSE(tessera::io::readTensorFile("x.txt", t, error));
  EXPECT_NE(error.find("unknown tensor file type"), std::string::npos) << error;
  EXPECT_FALSE(tessera::io::writeNpy(tempPath("b.npy"), make<uint16_t>(16, {1}, {0}), error));
  EXPECT_NE(error.find("bfloat16 has no .npy dtype"), std::string::npos) << error;
}

Tensor readProto(const onnx::TensorProto& tp, std::string& error, bool& ok) {
  std::string path = tempPath("t.pb");
  writeBytes(path, tp.SerializeAsString());
  Tensor t;
  ok = tessera::io::readTensorFile(path, t, error);
  std::remove(path.c_str());
  return t;
}

TEST(TensorProto, RawDataAndTypedFields) {
  std::string error;
  bool ok = false;
  onnx::TensorProto raw;
  raw.set_name("x");
  raw.set_data_type(onnx::TensorProto::FLOAT);
  raw.add_dims(2);
  float v[2] = {1.5f, -2};
  raw.set_raw_data(std::string(reinterpret_cast<const char*>(v), 8));
  Tensor t = readProto(raw, error, ok);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(t.name, "x");
  EXPECT_EQ(t.bytes, make<float>(1, {2}, {1.5f, -2}).bytes);

  onnx::TensorProto f;
  f.set_data_type(onnx::TensorProto::FLOAT);
  f.add_dims(1), f.add_dims(2);
  f.add_float_data(3), f.add_float_data(4);
  t = readProto(f, error, ok);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(t.dims, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(t.bytes, make<float>(1, {2}, {3, 4}).bytes);

  struct Int32Case {
    onnx::TensorProto::DataType type;
    std::vector<int32_t> values;
    std::vector<uint8_t> bytes;
  } int32_cases[] = {
      {onnx::TensorProto::BOOL, {1, 0}, {1, 0}},
      {onnx::TensorProto::INT8, {-1, 5}, {0xff, 5}},
      {onnx::TensorProto::UINT8, {255, 7}, {255, 7}},
      {onnx::TensorProto::INT16, {-2, 3}, {0xfe, 0xff, 3, 0}},
      {onnx::TensorProto::UINT16, {65535, 1}, {0xff, 0xff, 1, 0}},
      {onnx::TensorProto::FLOAT16, {0x3c00, 0xc000}, {0x00, 0x3c, 0x00, 0xc0}},
      {onnx::TensorProto::BFLOAT16, {0x3f80, 0x4000}, {0x80, 0x3f, 0x00, 0x40}},
      {onnx::TensorProto::INT32, {-1, 2}, {0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0}},
  };
  for (const auto& c : int32_cases) {
    onnx::TensorProto tp;
    tp.set_data_type(c.type);
    tp.add_dims(2);
    for (int32_t x : c.values) tp.add_int32_data(x);
    t = readProto(tp, error, ok);
    ASSERT_TRUE(ok) << c.type << ": " << error;
    EXPECT_EQ(t.dtype, static_cast<uint32_t>(c.type));
    EXPECT_EQ(t.bytes, c.bytes) << c.type;
  }

  onnx::TensorProto i64;
  i64.set_data_type(onnx::TensorProto::INT64);
  i64.add_int64_data(-5);
  t = readProto(i64, error, ok);  // no dims: a scalar
  ASSERT_TRUE(ok) << error;
  EXPECT_TRUE(t.dims.empty());
  EXPECT_EQ(t.bytes, make<int64_t>(7, {}, {-5}).bytes);

  onnx::TensorProto d;
  d.set_data_type(onnx::TensorProto::DOUBLE);
  d.add_dims(1);
  d.add_double_data(0.25);
  t = readProto(d, error, ok);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(t.bytes, make<double>(11, {1}, {0.25}).bytes);

  onnx::TensorProto u;
  u.set_data_type(onnx::TensorProto::UINT32);
  u.add_dims(1);
  u.add_uint64_data(4000000000u);
  t = readProto(u, error, ok);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(t.bytes, make<uint32_t>(12, {1}, {4000000000u}).bytes);

  onnx::TensorProto u64;
  u64.set_data_type(onnx::TensorProto::UINT64);
  u64.add_dims(1);
  u64.add_uint64_data(~uint64_t{0});
  t = readProto(u64, error, ok);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(t.bytes, make<uint64_t>(13, {1}, {~uint64_t{0}}).bytes);
}

TEST(TensorProto, RejectsInconsistentData) {
  std::string error;
  bool ok = true;
  onnx::TensorProto tp;
  tp.set_data_type(onnx::TensorProto::FLOAT);
  tp.add_dims(3);
  tp.add_float_data(1);
  readProto(tp, error, ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("float_data has 1 values but shape [3] needs 3"), std::string::npos) << error;

  tp.clear_float_data();
  tp.set_raw_data("abcd");
  readProto(tp, error, ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("raw_data has 4 bytes but float32 [3] needs 12"), std::string::npos) << error;

  onnx::TensorProto s;
  s.set_data_type(onnx::TensorProto::STRING);
  readProto(s, error, ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("unsupported TensorProto data_type 8"), std::string::npos) << error;

  std::string path = tempPath("junk.pb");
  writeBytes(path, "\xff\xff\xff garbage");
  Tensor t;
  EXPECT_FALSE(tessera::io::readTensorProto(path, t, error));
  EXPECT_NE(error.find("not a valid onnx TensorProto"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(Compare, FloatTolerancesNanAndInf) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::string report;
  Tensor e = make<float>(1, {5}, {1, 100, nan, inf, -inf});
  EXPECT_TRUE(tessera::io::compareTensors(make<float>(1, {5}, {1.00005f, 100.05f, nan, inf, -inf}), e, 1e-3, 1e-4, report))
      << report;
  EXPECT_NE(report.find("ok: 0 of 5 elements differ"), std::string::npos) << report;

  // atol alone: 1e-4 passes 5e-5, fails 2e-4 when rtol is 0.
  EXPECT_TRUE(tessera::io::compareTensors(make<float>(1, {1}, {5e-5f}), make<float>(1, {1}, {0}), 0, 1e-4, report));
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {2e-4f}), make<float>(1, {1}, {0}), 0, 1e-4, report));
  // rtol scales with |expected|.
  EXPECT_TRUE(tessera::io::compareTensors(make<float>(1, {1}, {1000.5f}), make<float>(1, {1}, {1000}), 1e-3, 0, report));
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {1002}), make<float>(1, {1}, {1000}), 1e-3, 0, report));

  Tensor g = make<float>(1, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor x = make<float>(1, {2, 3}, {1, 2.5f, 3, 4, 0, 6});
  EXPECT_FALSE(tessera::io::compareTensors(g, x, 1e-3, 1e-4, report));
  for (const char* part : {"mismatch: 2 of 6 elements differ", "max abs error 5", "max rel error 0.2",
                           "first at index 1 [0,1] (got 2, expected 2.5)", "worst at index 4 [1,1] (got 5, expected 0)"})
    EXPECT_NE(report.find(part), std::string::npos) << part << " in: " << report;

  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {nan}), make<float>(1, {1}, {1}), 1, 1, report));
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {inf}), make<float>(1, {1}, {-inf}), 1, 1, report));
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {1e30f}), make<float>(1, {1}, {inf}), 1, 1, report));
  EXPECT_NE(report.find("max abs error inf"), std::string::npos) << report;

  // float16 goes through the same path.
  EXPECT_TRUE(tessera::io::compareTensors(make<uint16_t>(10, {1}, {0x3c00}), make<uint16_t>(10, {1}, {0x3c01}), 1e-3, 0, report))
      << report;
  EXPECT_TRUE(tessera::io::compareTensors(make<double>(11, {1}, {NAN}), make<double>(11, {1}, {NAN}), 0, 0, report));
}

TEST(Compare, IntegersBoolsShapesAndDtypes) {
  std::string report;
  EXPECT_TRUE(tessera::io::compareTensors(make<int64_t>(7, {2}, {1, -2}), make<int64_t>(7, {2}, {1, -2}), 0, 0, report));
  EXPECT_FALSE(tessera::io::compareTensors(make<int64_t>(7, {2}, {1, -2}), make<int64_t>(7, {2}, {1, -3}), 1, 1, report));
  EXPECT_NE(report.find("first at index 1 [1] (got -2, expected -3)"), std::string::npos) << report;
  EXPECT_FALSE(tessera::io::compareTensors(make<uint8_t>(9, {2}, {1, 0}), make<uint8_t>(9, {2}, {1, 1}), 0, 0, report));
  EXPECT_NE(report.find("got false, expected true"), std::string::npos) << report;
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {2}, {1, 2}), make<float>(1, {1, 2}, {1, 2}), 0, 0, report));
  EXPECT_NE(report.find("shape mismatch: got [2], expected [1,2]"), std::string::npos) << report;
  EXPECT_FALSE(tessera::io::compareTensors(make<float>(1, {1}, {1}), make<int32_t>(6, {1}, {1}), 0, 0, report));
  EXPECT_NE(report.find("dtype mismatch: got float32, expected int32"), std::string::npos) << report;
}

}  // namespace
