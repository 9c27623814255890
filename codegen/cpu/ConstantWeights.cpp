//===- ConstantWeights.cpp - weights the CPU target transforms at compile time --===//
#include "codegen/cpu/ConstantWeights.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace tessera::cpu {

std::optional<std::vector<float>> constantFloats(ElementsAttr value) {
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

} // namespace tessera::cpu
