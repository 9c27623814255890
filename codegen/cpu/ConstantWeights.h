//===- ConstantWeights.h - weights the CPU target transforms at compile time -*- C++ -*-===//
//
// The CPU target's global optimizations (Winograd filters, packed matmul weights) read a weight's floats,
// compute the layout its microkernel wants and add it as a new global next to the old one, which goes
// once nothing reads it.
//
#ifndef TESSERA_CODEGEN_CPU_CONSTANTWEIGHTS_H
#define TESSERA_CODEGEN_CPU_CONSTANTWEIGHTS_H

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <vector>

namespace tessera::cpu {

/// The floats of a constant f32 tensor (a dense or a resource attribute), or nothing when they are not
/// available here.
std::optional<std::vector<float>> constantFloats(mlir::ElementsAttr value);

/// A new global `<original>_<suffix>` (renamed if taken) of `type` holding `values`, placed before
/// `original` and entered in `symbols`.
graph::GlobalOp addDerivedWeight(mlir::SymbolTable &symbols, graph::GlobalOp original, llvm::StringRef suffix,
                                 mlir::RankedTensorType type, llvm::ArrayRef<float> values);

/// Erases each of `originals` that nothing in `module` refers to any more.
void eraseUnusedWeights(llvm::ArrayRef<graph::GlobalOp> originals, mlir::ModuleOp module);

} // namespace tessera::cpu

#endif
