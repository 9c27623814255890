// Numeric comparison with numpy.allclose semantics (plus NaN == NaN and exact infinities).
#include <cmath>
#include <cstring>
#include <sstream>

#include "tensor_io_internal.h"
#include "tessera/tensor_io.h"

namespace tessera::io {
namespace {

double halfToDouble(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v = exp == 0 ? std::ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY) : std::ldexp(mant + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

double bf16ToDouble(uint16_t b) {
  uint32_t bits = uint32_t{b} << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

double asDouble(uint32_t dtype, const uint8_t* p) {
  switch (dtype) {
  case kFloat32: return load<float>(p);
  case kFloat64: return load<double>(p);
  case kFloat16: return halfToDouble(load<uint16_t>(p));
  case kBfloat16: return bf16ToDouble(load<uint16_t>(p));
  default: return 0;
  }
}

bool isFloat(uint32_t dtype) {
  return dtype == kFloat32 || dtype == kFloat64 || dtype == kFloat16 || dtype == kBfloat16;
}

// Integers printed by value; compared as their bytes (bools: as truth values).
std::string intString(uint32_t dtype, const uint8_t* p) {
  switch (dtype) {
  case kInt8: return std::to_string(load<int8_t>(p));
  case kUint8: return std::to_string(load<uint8_t>(p));
  case kInt16: return std::to_string(load<int16_t>(p));
  case kUint16: return std::to_string(load<uint16_t>(p));
  case kInt32: return std::to_string(load<int32_t>(p));
  case kUint32: return std::to_string(load<uint32_t>(p));
  case kInt64: return std::to_string(load<int64_t>(p));
  case kUint64: return std::to_string(load<uint64_t>(p));
  case kBool: return *p ? "true" : "false";
  default: return "?";
  }
}

std::string indexString(const std::vector<int64_t>& dims, size_t flat) {
  std::vector<int64_t> idx(dims.size());
  for (size_t k = dims.size(); k-- > 0;) {
    idx[k] = dims[k] ? static_cast<int64_t>(flat % static_cast<size_t>(dims[k])) : 0;
    flat = dims[k] ? flat / static_cast<size_t>(dims[k]) : flat;
  }
  return shapeString(idx);
}

}  // namespace

bool compareTensors(const Tensor& got, const Tensor& expected, double rtol, double atol, std::string& report) {
  std::ostringstream r;
  r.precision(6);
  if (got.dtype != expected.dtype) {
    report = "dtype mismatch: got " + dtypeName(got.dtype) + ", expected " + dtypeName(expected.dtype);
    return false;
  }
  if (got.dims != expected.dims) {
    report = "shape mismatch: got " + shapeString(got.dims) + ", expected " + shapeString(expected.dims);
    return false;
  }
  const size_t elem = dtypeSize(got.dtype);
  const size_t n = expected.elementCount();
  if (!elem || got.bytes.size() != n * elem || expected.bytes.size() != n * elem) {
    report = "data size does not match the shape " + shapeString(got.dims);
    return false;
  }
  const bool fp = isFloat(got.dtype);
  size_t mismatches = 0, first = 0, worst = 0;
  double max_abs = 0, max_rel = 0, worst_abs = -1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* g = got.bytes.data() + i * elem;
    const uint8_t* e = expected.bytes.data() + i * elem;
    bool ok;
    double abs_err = 0;
    if (fp) {
      double gv = asDouble(got.dtype, g), ev = asDouble(got.dtype, e);
      if (std::isnan(gv) || std::isnan(ev)) {
        ok = std::isnan(gv) && std::isnan(ev);
        abs_err = ok ? 0 : INFINITY;
      } else if (std::isinf(gv) || std::isinf(ev)) {
        ok = gv == ev;
        abs_err = ok ? 0 : INFINITY;
      } else {
        abs_err = std::fabs(gv - ev);
        ok = abs_err <= atol + rtol * std::fabs(ev);
        if (ev != 0) max_rel = std::max(max_rel, abs_err / std::fabs(ev));
      }
      max_abs = std::max(max_abs, abs_err);
    } else {
      ok = got.dtype == kBool ? (*g != 0) == (*e != 0) : std::memcmp(g, e, elem) == 0;
      abs_err = ok ? 0 : 1;
    }
    if (!ok) {
      if (!mismatches++) first = i;
      if (abs_err > worst_abs) worst_abs = abs_err, worst = i;
    }
  }
  auto value = [&](const Tensor& t, size_t i) {
    const uint8_t* p = t.bytes.data() + i * elem;
    if (!fp) return intString(t.dtype, p);
    std::ostringstream s;
    s.precision(9);
    s << asDouble(t.dtype, p);
    return s.str();
  };
  auto at = [&](size_t i) {
    return "index " + std::to_string(i) + " " + indexString(got.dims, i) + " (got " + value(got, i) +
           ", expected " + value(expected, i) + ")";
  };
  r << (mismatches ? "mismatch: " : "ok: ") << mismatches << " of " << n << " elements differ";
  if (fp) r << "; max abs error " << max_abs << ", max rel error " << max_rel << " (rtol " << rtol << ", atol " << atol << ")";
  if (mismatches) r << "; first at " << at(first) << "; worst at " << at(worst);
  report = r.str();
  return mismatches == 0;
}

}  // namespace tessera::io
