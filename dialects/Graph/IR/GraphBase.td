#ifndef TESSERA_GRAPH_BASE
#define TESSERA_GRAPH_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

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

// Kinds are enums, written before the operand (`tgraph.pool max %x ...`): an unknown one does not parse.
def Graph_PoolKind : I32EnumAttr<"PoolKind", "a pooling window's reduction", [
    I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"avg", 1>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_SoftmaxKind : I32EnumAttr<"SoftmaxKind", "a normalization along one axis", [
    I32EnumAttrCase<"softmax", 0>, I32EnumAttrCase<"log_softmax", 1>, I32EnumAttrCase<"hardmax", 2>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_PadMode : I32EnumAttr<"PadMode", "what a pad writes outside the input", [
    I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>, I32EnumAttrCase<"edge", 2>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_ScatterReduction : I32EnumAttr<"ScatterReduction", "how a scatter combines an update with the data", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>, I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_ResizeMode : I32EnumAttr<"ResizeMode", "how Resize interpolates", [
    I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>, I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_CoordinateTransform : I32EnumAttr<"CoordinateTransform", "how Resize maps an output position to the input", [
    I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"pytorch_half_pixel", 1>, I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"asymmetric", 3>, I32EnumAttrCase<"tf_half_pixel_for_nn", 4>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_NearestMode : I32EnumAttr<"NearestMode", "how Resize rounds a position to the nearest input", [
    I32EnumAttrCase<"round_prefer_floor", 0>, I32EnumAttrCase<"round_prefer_ceil", 1>, I32EnumAttrCase<"floor", 2>, I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_GridSampleMode : I32EnumAttr<"GridSampleMode", "how GridSample interpolates", [
    I32EnumAttrCase<"bilinear", 0>, I32EnumAttrCase<"nearest", 1>, I32EnumAttrCase<"bicubic", 2>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_GridSamplePadding : I32EnumAttr<"GridSamplePadding", "what GridSample reads outside the input", [
    I32EnumAttrCase<"zeros", 0>, I32EnumAttrCase<"border", 1>, I32EnumAttrCase<"reflection", 2>]> {
  let cppNamespace = "::tessera::graph";
}

def Graph_ReduceKind : I32EnumAttr<"ReduceKind", "an ONNX reduction", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>, I32EnumAttrCase<"max", 2>,
    I32EnumAttrCase<"min", 3>, I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"l1", 5>,
    I32EnumAttrCase<"l2", 6>, I32EnumAttrCase<"log_sum", 7>, I32EnumAttrCase<"log_sum_exp", 8>,
    I32EnumAttrCase<"sum_square", 9>, I32EnumAttrCase<"argmax", 10>, I32EnumAttrCase<"argmin", 11>]> {
  let cppNamespace = "::tessera::graph";
}

#endif
