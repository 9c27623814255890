//===- ConstantWeights.cpp - weights transformed at compile time ---------===//
#include "passes/GlobalOptimization/ConstantWeights.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace tessera {

std::optional<std::vector<float>> constantFloats(ElementsAttr value) {
  if (!value.getElementType().isF32())
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != size_t(resource.getNumElements()) * sizeof(float))
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    std::vector<float> out(resource.getNumElements());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  return std::nullopt;
}

std::optional<std::vector<float>> constantFloats(Value value, SymbolTable &symbols) {
  if (auto constant = value.getDefiningOp<graph::ConstantOp>())
    return constantFloats(constant.getValue());
  if (auto load = value.getDefiningOp<graph::GlobalLoadOp>())
    if (auto global = symbols.lookup<graph::GlobalOp>(load.getGlobal()))
      return constantFloats(global.getValue());
  return std::nullopt;
}

graph::GlobalOp addDerivedWeight(SymbolTable &symbols, graph::GlobalOp original, StringRef suffix,
                                 RankedTensorType type, ArrayRef<float> values) {
  std::string name = (original.getSymName() + "_" + suffix).str();
  auto attr = DenseResourceElementsAttr::get(type, name, HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(values));
  OpBuilder b(original);
  auto global = graph::GlobalOp::create(b, original.getLoc(), b.getStringAttr(name), TypeAttr::get(type),
                                        cast<ElementsAttr>(attr));
  symbols.insert(global); // renamed if taken
  return global;
}

void eraseUnusedWeights(ArrayRef<graph::GlobalOp> originals, ModuleOp module) {
  llvm::SmallPtrSet<Operation *, 8> erased;
  for (graph::GlobalOp original : originals)
    if (!erased.contains(original) && SymbolTable::symbolKnownUseEmpty(original, module)) {
      erased.insert(original);
      original.erase();
    }
}

} // namespace tessera
