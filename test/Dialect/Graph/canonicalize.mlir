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

// -----

// torch's `expand(2, -1, -1)`: ConstantOfShape -> Mul -> Equal -> Where on constants folds to the
// target shape [2, 1, 1] (the -1 entries become 1).
// CHECK-LABEL: func.func @expand_shape_chain
// CHECK-NOT: tgraph.equal
// CHECK-NOT: tgraph.where
// CHECK: %[[C:.*]] = tgraph.constant dense<[2, 1, 1]> : tensor<3xi64>
// CHECK: return %[[C]]
func.func @expand_shape_chain() -> tensor<3xi64> {
  %shape = tgraph.constant dense<[2, -1, -1]> : tensor<3xi64> : tensor<3xi64>
  %ones = tgraph.constant dense<1> : tensor<3xi64> : tensor<3xi64>
  %minus = tgraph.constant dense<-1> : tensor<3xi64> : tensor<3xi64>
  %eq = tgraph.equal %shape, %minus : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %r = tgraph.where %eq, %ones, %shape : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// Comparisons broadcast their constants; float comparisons with NaN are false.
// CHECK-LABEL: func.func @comparisons
// CHECK-DAG: tgraph.constant dense<[false, true, true]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<false> : tensor<3xi1>
// CHECK-NOT: tgraph.less
// CHECK-NOT: tgraph.greater
func.func @comparisons() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %a = tgraph.constant dense<[1, 5, 9]> : tensor<3xi64> : tensor<3xi64>
  %b = tgraph.constant dense<4> : tensor<i64> : tensor<i64>
  %gt = tgraph.greater %a, %b : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %lt = tgraph.less %a, %b : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %f = tgraph.constant dense<[1.0, 2.0, 0x7FC00000]> : tensor<3xf32> : tensor<3xf32>
  %g = tgraph.constant dense<2.0> : tensor<f32> : tensor<f32>
  %le = tgraph.less_or_equal %f, %g : (tensor<3xf32>, tensor<f32>) -> tensor<3xi1>
  %nan = tgraph.constant dense<0x7FC00000> : tensor<f32> : tensor<f32>
  %eq = tgraph.equal %f, %nan : (tensor<3xf32>, tensor<f32>) -> tensor<3xi1>
  return %gt, %lt, %le, %eq : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// -----

// swin_t's window padding: (window - size % window) % window with Mod on constants (the sign of the
// divisor, or of the dividend with fmod), and a Transpose of a constant.
// CHECK-LABEL: func.func @mod_and_transpose
// CHECK-DAG: tgraph.constant dense<[1, 0, 1]> : tensor<3xi64>
// CHECK-DAG: tgraph.constant dense<[-2, 0, 1]> : tensor<3xi64>
// CHECK-DAG: tgraph.constant dense<{{\[}}[1, 3], [2, 4]]> : tensor<2x2xi64>
// CHECK-NOT: tgraph.mod
// CHECK-NOT: tgraph.transpose
func.func @mod_and_transpose() -> (tensor<3xi64>, tensor<3xi64>, tensor<2x2xi64>) {
  %a = tgraph.constant dense<[-5, 6, 7]> : tensor<3xi64> : tensor<3xi64>
  %b = tgraph.constant dense<3> : tensor<i64> : tensor<i64>
  %m = tgraph.mod %a, %b : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %f = tgraph.mod %a, %b {fmod = true} : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %t = tgraph.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64> : tensor<2x2xi64>
  %tt = tgraph.transpose %t {perm = array<i64: 1, 0>} : (tensor<2x2xi64>) -> tensor<2x2xi64>
  return %m, %f, %tt : tensor<3xi64>, tensor<3xi64>, tensor<2x2xi64>
}
