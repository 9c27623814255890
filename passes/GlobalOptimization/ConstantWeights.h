//===- ConstantWeights.h - weights transformed at compile time -*- C++ -*-===//
//
// Global optimizations (BatchNorm folded into convolutions; the CPU target's Winograd filters and packed
// matmul weights) read a weight's floats, compute the values or layout they want and add them as a new
// global next to the old one, which goes once nothing reads it.
//
#ifndef TESSERA_PASSES_GLOBALOPTIMIZATION_CONSTANTWEIGHTS_H
#define TESSERA_PASSES_GLOBALOPTIMIZATION_CONSTANTWEIGHTS_H

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <vector>

namespace tessera {

/// The floats of a constant f32 tensor (a dense or a resource attribute), or nothing when they are not
/// available here.
std::optional<std::vector<float>> constantFloats(mlir::ElementsAttr value);

/// The floats of `value` when a `tgraph.constant` or the `tgraph.global_load` of a global in `symbols`
/// defines it, else nothing.
std::optional<std::vector<float>> constantFloats(mlir::Value value, mlir::SymbolTable &symbols);

/// A new global `<original>_<suffix>` (renamed if taken) of `type` holding `values`, placed before
/// `original` and entered in `symbols`.
graph::GlobalOp addDerivedWeight(mlir::SymbolTable &symbols, graph::GlobalOp original, llvm::StringRef suffix,
                                 mlir::RankedTensorType type, llvm::ArrayRef<float> values);

/// Erases each of `originals` that nothing in `module` refers to any more.
void eraseUnusedWeights(llvm::ArrayRef<graph::GlobalOp> originals, mlir::ModuleOp module);

} // namespace tessera

#endif
