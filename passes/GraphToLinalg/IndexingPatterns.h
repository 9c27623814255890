//===- IndexingPatterns.h - tgraph indexing ops -> linalg -------*- C++ -*-===//
#ifndef TESSERA_PASSES_GRAPHTOLINALG_INDEXINGPATTERNS_H
#define TESSERA_PASSES_GRAPHTOLINALG_INDEXINGPATTERNS_H

#include "passes/GraphToLinalg/LoweringUtils.h"

namespace tessera {

/// GatherElements, ScatterElements, GatherND, ScatterND, CumSum, TopK, Pad, integer ArgMax/ArgMin.
void populateIndexingToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Pooling the named linalg ops do not cover (3-D, integer max) and MaxPool with indices.
void populatePoolingToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Resize (nearest, n-linear) with constant scales.
void populateResizeToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Einsum (one linalg.generic per equation).
void populateEinsumToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif
