// Names and text forms of format values, for messages and `--info`.
#include <cstdarg>
#include <cstdio>

#include "runtime/codec/artifact_codec.h"
#include "runtime/codec/codec_internal.h"

namespace tessera::codec {

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, fmt, args);
  va_end(args);
  return out;
}

const char* sectionKindName(uint32_t kind) {
  switch (kind) {
  case TSR_SECTION_METADATA: return "METADATA";
  case TSR_SECTION_SCHEDULE: return "SCHEDULE";
  case TSR_SECTION_CPU_CODE: return "CPU_CODE";
  case TSR_SECTION_WEIGHTS: return "WEIGHTS";
  case TSR_SECTION_SOURCES: return "SOURCES";
  case TSR_SECTION_SPIRV: return "SPIRV";
  }
  return "unknown";
}

const char* bufferKindName(uint32_t kind) {
  switch (kind) {
  case TSR_BUFFER_INPUT: return "input";
  case TSR_BUFFER_OUTPUT: return "output";
  case TSR_BUFFER_CONSTANT: return "constant";
  case TSR_BUFFER_ARENA: return "arena";
  case TSR_BUFFER_DYNAMIC: return "dynamic";
  }
  return "unknown";
}

const char* stepKindName(uint32_t kind) {
  switch (kind) {
  case TSR_STEP_DISPATCH: return "dispatch";
  case TSR_STEP_COPY: return "copy";
  case TSR_STEP_BARRIER: return "barrier";
  case TSR_STEP_SHAPE: return "shape";
#ifndef TESSERA_CPU_ONLY_RUNTIME  // which passes transfers over
  case TSR_STEP_TRANSFER: return "transfer";
#endif
  }
  return "unknown";
}

const char* shapeOpName(uint32_t op) {
  switch (op) {
  case TSR_SHAPE_ADD: return "add";
  case TSR_SHAPE_SUB: return "sub";
  case TSR_SHAPE_MUL: return "mul";
  case TSR_SHAPE_DIV_FLOOR: return "div_floor";
  case TSR_SHAPE_DIV_CEIL: return "div_ceil";
  case TSR_SHAPE_MAX: return "max";
  case TSR_SHAPE_MIN: return "min";
  case TSR_SHAPE_EQ: return "eq";
  case TSR_SHAPE_READ_I64: return "read_i64";
  case TSR_SHAPE_CHECK_EQ: return "check_eq";
  }
  return "unknown";
}

const char* dtypeName(uint32_t dtype) {
  switch (dtype) {
  case TSR_DTYPE_FLOAT32: return "float32";
  case TSR_DTYPE_UINT8: return "uint8";
  case TSR_DTYPE_INT8: return "int8";
  case TSR_DTYPE_UINT16: return "uint16";
  case TSR_DTYPE_INT16: return "int16";
  case TSR_DTYPE_INT32: return "int32";
  case TSR_DTYPE_INT64: return "int64";
  case TSR_DTYPE_BOOL: return "bool";
  case TSR_DTYPE_FLOAT16: return "float16";
  case TSR_DTYPE_FLOAT64: return "float64";
  case TSR_DTYPE_UINT32: return "uint32";
  case TSR_DTYPE_UINT64: return "uint64";
  case TSR_DTYPE_BFLOAT16: return "bfloat16";
  }
  return "unknown";
}

const char* accessName(uint32_t access) {
  switch (access) {
  case TSR_ACCESS_READ: return "r";
  case TSR_ACCESS_WRITE: return "w";
  case TSR_ACCESS_READ_WRITE: return "rw";
  }
  return "?";
}

std::string refString(const Metadata& md, Ref r) {
  // format, not std::to_string: one integer formatter in the size-optimized runtime.
  if (isLiteral(r)) return format("%lld", static_cast<long long>(r));
  size_t sym = refSymbol(r);
  return sym < md.symbols.size() ? md.symbols[sym].name : format("?%zu", sym);
}

std::string shapeString(const Metadata& md, const Step& s) {
  std::string args = s.op == TSR_SHAPE_READ_I64
                         ? format("b%lld, %lld", static_cast<long long>(s.a), static_cast<long long>(s.b))
                         : format("%s, %s", refString(md, s.a).c_str(), refString(md, s.b).c_str());
  std::string call = format("%s(%s)", shapeOpName(s.op), args.c_str());
  if (s.op == TSR_SHAPE_CHECK_EQ) return call;
  return format("%s = %s", refString(md, symbolRef(s.symbol)).c_str(), call.c_str());
}

}  // namespace tessera::codec
