// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s

// The exporter's Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain folds to a plain reshape.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: tgraph.shape
// CHECK-NOT: tgraph.gather
// CHECK-NOT: tgraph.unsqueeze
// CHECK-NOT: tgraph.concat
// CHECK: %[[R:.*]] = tgraph.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK: return %[[R]]
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %s = tgraph.shape %x {start = 0, end = 3} : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i = tgraph.constant dense<0> : tensor<i64> : tensor<i64>
  %d = tgraph.gather %s, %i {axis = 0} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %u = tgraph.unsqueeze %d {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %m = tgraph.constant dense<-1> : tensor<1xi64> : tensor<1xi64>
  %c = tgraph.concat %u, %m {axis = 0} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = tgraph.reshape %x shape %c : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// CHECK-LABEL: func.func @identity
// CHECK-NEXT: return %arg0
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tgraph.identity %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @constant_reshape
// CHECK: %[[C:.*]] = tgraph.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
// CHECK: return %[[C]]
func.func @constant_reshape() -> tensor<2x2xi64> {
  %c = tgraph.constant dense<[1, 2, 3, 4]> : tensor<4xi64> : tensor<4xi64>
  %r = tgraph.reshape %c : (tensor<4xi64>) -> tensor<2x2xi64>
  return %r : tensor<2x2xi64>
}
