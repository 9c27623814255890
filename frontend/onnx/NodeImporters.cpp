//===- NodeImporters.cpp - the default domain's importers, by op type -----===//
//
// One table from op type to importer, filled by each family's file. Families are named alike on both
// sides: NodeImportersX.cpp imports what passes/GraphToLinalg/XToLinalg.cpp lowers (Elementwise, Shape,
// Indexing, NN, Pooling, Reduction, Resize, Einsum); the other files compose ONNX ops from those.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

const llvm::StringMap<NodeImporter> &defaultDomainImporters() {
  static const llvm::StringMap<NodeImporter> table = [] {
    llvm::StringMap<NodeImporter> t;
    addElementwiseImporters(t);
    addShapeImporters(t);
    addNNImporters(t);
    addPoolingImporters(t);
    addReductionImporters(t);
    addCompositeImporters(t);
    addIndexingImporters(t);
    addQuantizeImporters(t);
    addConvTransposeImporter(t);
    addEinsumImporter(t);
    addRecurrentImporters(t);
    addResizeImporters(t);
    addSignalImporters(t);
    addGroupNormImporter(t);
    addLayerNormImporter(t);
    addTfIdfImporter(t);
    addDetImporter(t);
    addNonZeroImporters(t);
    addUniqueImporter(t);
    addNonMaxSuppressionImporter(t);
    addControlFlowImporters(t);
    addCropGridImporters(t);
    return t;
  }();
  return table;
}

} // namespace tessera::onnx
