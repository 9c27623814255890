#ifndef TESSERA_GRAPH_BASE
#define TESSERA_GRAPH_BASE

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "tgraph";
  let cppNamespace = "::tessera::graph";
  let summary = "Tessera's graph dialect: ONNX operator semantics on tensors";
  let description = [{
    One op per ONNX operator (default domain), with ONNX's broadcasting, attribute defaults and
    per-opset behaviour resolved at import. Operands and results are ranked tensors whose dims are
    static or dynamic. Weights are module-level `tgraph.global` symbols over resource blobs.
  }];
  let hasConstantMaterializer = 1;
}

class Graph_Op<string mnemonic, list<Trait> traits = []> : Op<Graph_Dialect, mnemonic, traits>;

#endif
