// .npy reading and writing. The header is a Python dict literal; we parse only the three keys numpy writes.
#include <cstring>
#include <fstream>
#include <iterator>

#include "tessera/tensor_io.h"
#include "tensor_io_internal.h"

namespace tessera::io {
namespace {

struct NpyType {
  const char* code;  // kind + size, as in descr
  uint32_t dtype;
};
constexpr NpyType kTypes[] = {
    {"f2", kFloat16}, {"f4", kFloat32}, {"f8", kFloat64}, {"i1", kInt8},   {"i2", kInt16},
    {"i4", kInt32},   {"i8", kInt64},   {"u1", kUint8},   {"u2", kUint16}, {"u4", kUint32},
    {"u8", kUint64},  {"b1", kBool},
};

// Finds `'key':` in the header and returns the position just after the colon.
size_t findKey(const std::string& h, const char* key) {
  for (char q : {'\'', '"'}) {
    std::string k = std::string(1, q) + key + q;
    size_t p = h.find(k);
    if (p == std::string::npos) continue;
    p = h.find(':', p + k.size());
    if (p != std::string::npos) return p + 1;
  }
  return std::string::npos;
}

size_t skipSpace(const std::string& h, size_t p) {
  while (p < h.size() && (h[p] == ' ' || h[p] == '\t')) ++p;
  return p;
}

bool parseHeader(const std::string& h, Tensor& out, std::string& error) {
  size_t p = findKey(h, "descr");
  if (p == std::string::npos) return fail(error, "npy header has no 'descr'");
  p = skipSpace(h, p);
  if (p >= h.size() || (h[p] != '\'' && h[p] != '"')) return fail(error, "npy 'descr' is not a string");
  size_t e = h.find(h[p], p + 1);
  if (e == std::string::npos) return fail(error, "npy 'descr' is unterminated");
  std::string descr = h.substr(p + 1, e - p - 1);
  char order = '|';
  if (!descr.empty() && std::strchr("<>|=", descr[0])) order = descr[0], descr.erase(0, 1);
  out.dtype = 0;
  for (const auto& t : kTypes)
    if (descr == t.code) out.dtype = t.dtype;
  if (!out.dtype) return fail(error, "unsupported npy dtype '" + h.substr(p + 1, e - p - 1) + "'");
  if (order == '>' && dtypeSize(out.dtype) > 1) return fail(error, "big-endian npy data is not supported");

  p = findKey(h, "fortran_order");
  if (p == std::string::npos) return fail(error, "npy header has no 'fortran_order'");
  p = skipSpace(h, p);
  if (h.compare(p, 4, "True") == 0) return fail(error, "fortran_order npy arrays are not supported");
  if (h.compare(p, 5, "False") != 0) return fail(error, "npy 'fortran_order' is not True or False");

  p = findKey(h, "shape");
  if (p == std::string::npos) return fail(error, "npy header has no 'shape'");
  p = skipSpace(h, p);
  if (p >= h.size() || h[p] != '(') return fail(error, "npy 'shape' is not a tuple");
  e = h.find(')', p);
  if (e == std::string::npos) return fail(error, "npy 'shape' is unterminated");
  out.dims.clear();
  for (size_t i = p + 1; i < e;) {
    i = skipSpace(h, i);
    if (i >= e) break;
    if (h[i] < '0' || h[i] > '9') return fail(error, "npy 'shape' has a non-integer entry");
    int64_t v = 0;
    while (i < e && h[i] >= '0' && h[i] <= '9') {
      if (v > (INT64_MAX - 9) / 10) return fail(error, "npy dim too large");
      v = v * 10 + (h[i++] - '0');
    }
    if (i < e && h[i] == 'L') ++i;  // Python 2 longs
    out.dims.push_back(v);
    i = skipSpace(h, i);
    if (i < e && h[i] != ',') return fail(error, "npy 'shape' is malformed");
    ++i;
  }
  return true;
}

}  // namespace

bool parseNpy(const uint8_t* data, size_t size, Tensor& out, std::string& error) {
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0) return fail(error, "not an .npy file (bad magic)");
  uint8_t major = data[6];
  size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = data[8] | size_t{data[9]} << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return fail(error, "truncated .npy header");
    header_len = data[8] | size_t{data[9]} << 8 | size_t{data[10]} << 16 | size_t{data[11]} << 24;
    start = 12;
  } else {
    return fail(error, "unsupported .npy version " + std::to_string(major));
  }
  if (header_len > size - start) return fail(error, "truncated .npy header");
  std::string header(reinterpret_cast<const char*>(data) + start, header_len);
  if (!parseHeader(header, out, error)) return false;
  uint64_t bytes = 0;
  if (!byteSize(out.dtype, out.dims, bytes)) return fail(error, "npy shape is too large");
  size_t body = size - start - header_len;
  if (body != bytes)
    return fail(error, "npy data has " + std::to_string(body) + " bytes but " + dtypeName(out.dtype) + " " +
                           shapeString(out.dims) + " needs " + std::to_string(bytes));
  out.bytes.assign(data + start + header_len, data + size);
  return true;
}

bool readNpy(const std::string& path, Tensor& out, std::string& error) {
  std::vector<uint8_t> data;
  if (!readFile(path, data, error)) return false;
  if (!parseNpy(data.data(), data.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  out.name = stem(path);
  return true;
}

bool writeNpy(const std::string& path, const Tensor& t, std::string& error) {
  const char* code = nullptr;
  for (const auto& k : kTypes)
    if (k.dtype == t.dtype) code = k.code;
  if (!code) return fail(error, dtypeName(t.dtype) + " has no .npy dtype");
  uint64_t bytes = 0;
  if (!byteSize(t.dtype, t.dims, bytes) || bytes != t.bytes.size())
    return fail(error, "tensor data does not match its shape " + shapeString(t.dims));
  std::string shape = "(";
  for (int64_t d : t.dims) shape += std::to_string(d) + (t.dims.size() == 1 ? "," : ", ");
  if (t.dims.size() > 1) shape.resize(shape.size() - 2);
  shape += ")";
  std::string dict = std::string("{'descr': '") + (dtypeSize(t.dtype) == 1 ? '|' : '<') + code +
                     "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so the data starts 64-byte aligned; the header ends with '\n'.
  int version = dict.size() + 1 + 10 > 65535 ? 2 : 1;
  size_t prefix = version == 1 ? 10 : 12;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string head = std::string("\x93NUMPY", 6) + char(version) + '\0';
  uint32_t n = static_cast<uint32_t>(dict.size());
  head += char(n & 0xff);
  head += char((n >> 8) & 0xff);
  if (version == 2) head += char((n >> 16) & 0xff), head += char(n >> 24);
  std::ofstream f(path, std::ios::binary);
  f << head << dict;
  f.write(reinterpret_cast<const char*>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
  if (!f) return fail(error, "cannot write '" + path + "'");
  return true;
}

}  // namespace tessera::io
