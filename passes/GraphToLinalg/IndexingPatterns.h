//===- IndexingPatterns.h - tgraph indexing ops -> linalg -------*- C++ -*-===//
#ifndef TESSERA_PASSES_GRAPHTOLINALG_INDEXINGPATTERNS_H
#define TESSERA_PASSES_GRAPHTOLINALG_INDEXINGPATTERNS_H

#include "passes/GraphToLinalg/LoweringUtils.h"

namespace tessera {

/// GatherElements, ScatterElements, GatherND, ScatterND, CumSum, TopK, Pad.
void populateIndexingToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// MaxPool, AveragePool (and global), MaxPool with indices, of every rank and element type.
void populatePoolingToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Resize (nearest, n-linear) with constant scales.
void populateResizeToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Einsum (one linalg.generic per equation).
void populateEinsumToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif
