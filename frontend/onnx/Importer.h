//===- Importer.h - ONNX model -> tgraph dialect ----------------*- C++ -*-===//
//
// Public entry point of the ONNX frontend. Callers see no protobuf types.
//
#ifndef TESSERA_FRONTEND_ONNX_IMPORTER_H
#define TESSERA_FRONTEND_ONNX_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace tessera::onnx {

struct ImportOptions {
  /// Initializers with at most this many elements become inline `tgraph.constant`s (foldable);
  /// larger ones become `tgraph.global`s over resource blobs.
  int64_t maxInlineConstantElements = 64;
};

/// Imports the model at `path` into a module holding `func.func @main` and the weight globals.
/// Errors are reported as diagnostics on `context` and yield a null module. The module's weights may
/// point into memory owned by the context's resource blobs, so the context must outlive it.
mlir::OwningOpRef<mlir::ModuleOp> importModelFile(mlir::MLIRContext &context, llvm::StringRef path,
                                                  const ImportOptions &options = {});

/// Registers the dialects the importer creates.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace tessera::onnx

#endif
