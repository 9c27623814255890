//===- StaticHeader.cpp - the C header of a model linked into an app -----===//
#include "codegen/driver/StaticHeader.h"

#include "runtime/include/tessera/artifact_format.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera {

bool isStaticModelName(llvm::StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::string defaultStaticModelName(llvm::StringRef modelPath) {
  std::string name = llvm::sys::path::stem(modelPath).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name = "_" + name;
  return name;
}

/// "x: float32 [N,3,224,224]" with symbolic dims by name.
static std::string describe(const codec::Metadata &metadata, const codec::TensorDesc &t) {
  std::string dims;
  for (int64_t d : t.dims)
    dims += (dims.empty() ? "" : ",") + codec::refString(metadata, d);
  return t.name + ": " + codec::dtypeName(t.dtype) + " [" + dims + "]";
}

std::string staticHeader(llvm::StringRef name, llvm::StringRef modelPath, const codec::Metadata &metadata,
                         const codec::ContainerInfo &info) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = "TESSERA_MODEL_" + llvm::StringRef(name).upper() + "_H";
  os << "/* " << name << ".h: " << llvm::sys::path::filename(modelPath) << " compiled by tessera-compile --emit=static"
     << " for " << info.target_triple << " (cpu " << info.target_cpu << ").\n"
     << " *\n"
     << " * Link " << name << ".o into the program with the Tessera runtime (Tessera::runtime_static, or\n"
     << " * Tessera::runtime) and libm, then load the model with no file and no dynamic loading:\n"
     << " *   tsr_model* model;\n"
     << " *   tsr_status* status = tsr_model_load_static(&" << name << "_model, NULL, &model);\n"
     << " * Loading fails with TSR_STATUS_UNSUPPORTED on a CPU without the features the kernels were compiled for.\n"
     << " *\n"
     << " * Inputs:\n";
  for (auto [i, t] : llvm::enumerate(metadata.inputs))
    os << " *   " << i << " " << describe(metadata, t) << "\n";
  os << " * Outputs:\n";
  for (auto [i, t] : llvm::enumerate(metadata.outputs))
    os << " *   " << i << " " << describe(metadata, t) << "\n";
  os << " */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"tessera/runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "extern const tsr_static_model " << name << "_model;\n\n"
     << "#define " << llvm::StringRef(name).upper() << "_INPUT_COUNT " << metadata.inputs.size() << "\n"
     << "#define " << llvm::StringRef(name).upper() << "_OUTPUT_COUNT " << metadata.outputs.size() << "\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n"
     << "#endif\n";
  return text;
}

} // namespace tessera
