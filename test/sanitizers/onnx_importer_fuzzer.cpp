// libFuzzer target: arbitrary bytes as an ONNX model file, imported into the tgraph dialect the way
// tessera-compile does (checker and shape inference below opset 18, node validation, import, verifier).
// Import must fail with a diagnostic or produce a module that verifies; it must never crash, hang or leak.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "frontend/onnx/Importer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

namespace {
// One file per process, rewritten for each input: the importer reads models from paths (external data
// resolves next to them, in this otherwise empty directory).
const std::string& modelPath() {
  static const std::string path = [] {
    char dir[] = "/tmp/tessera-fuzz-onnx-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    return std::string(dir) + "/model.onnx";
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = modelPath();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

  mlir::DialectRegistry registry;
  tessera::onnx::registerImportDialects(registry);
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic&) { return mlir::success(); });
  mlir::OwningOpRef<mlir::ModuleOp> module = tessera::onnx::importModelFile(context, path);
  if (module && mlir::failed(mlir::verify(*module))) std::abort();  // an imported module always verifies
  return 0;
}
