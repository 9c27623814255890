// RUN: tessera-opt %s -split-input-file -tessera-recognize-layer-norm | FileCheck %s

// torch's LayerNorm below opset 17: the whole chain, scale and bias included, is one op (epsilon 1e-5,
// the default, is not printed).
// CHECK-LABEL: func.func @torch_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x197x192xf32>, %[[G:.*]]: tensor<192xf32>, %[[B:.*]]: tensor<192xf32>)
// CHECK-NOT: tgraph.reduce
// CHECK: %[[Y:.*]] = tgraph.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64} : tensor<1x197x192xf32>, tensor<192xf32>, tensor<192xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_layer_norm(%x: tensor<1x197x192xf32>, %g: tensor<192xf32>, %b: tensor<192xf32>) -> tensor<1x197x192xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 2>, keepdims = true} : tensor<1x197x192xf32>
  %1 = tgraph.sub %x, %0 : tensor<1x197x192xf32>, tensor<1x197x1xf32>
  %2 = tgraph.constant dense<2.000000e+00> : tensor<f32>
  %3 = tgraph.pow %1, %2 : tensor<1x197x192xf32>, tensor<f32>
  %4 = tgraph.reduce mean %3 {axes = array<i64: 2>, keepdims = true} : tensor<1x197x192xf32>
  %5 = tgraph.constant dense<9.99999974E-6> : tensor<f32>
  %6 = tgraph.add %4, %5 : tensor<1x197x1xf32>, tensor<f32>
  %7 = tgraph.sqrt %6 : tensor<1x197x1xf32>
  %8 = tgraph.div %1, %7 : tensor<1x197x192xf32>, tensor<1x197x1xf32>
  %9 = tgraph.mul %8, %g : tensor<1x197x192xf32>, tensor<192xf32>
  %10 = tgraph.add %b, %9 : tensor<192xf32>, tensor<1x197x192xf32>
  return %10 : tensor<1x197x192xf32>
}

// -----

// Squares as a product, over the last two dims, epsilon first, no affine part: scale 1 and bias 0.
// CHECK-LABEL: func.func @no_affine
// CHECK-DAG: %[[ONES:.*]] = tgraph.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK-DAG: %[[ZEROS:.*]] = tgraph.constant dense<0.000000e+00> : tensor<4x8xf32>
// CHECK: %[[Y:.*]] = tgraph.layer_norm %arg0, %[[ONES]], %[[ZEROS]] {axis = 1 : i64, epsilon = 1.000000e-03 : f32}
// CHECK-NOT: tgraph.reduce
// CHECK: return %[[Y]]
func.func @no_affine(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 1, 2>, keepdims = true} : tensor<2x4x8xf32>
  %1 = tgraph.sub %x, %0 : tensor<2x4x8xf32>, tensor<2x1x1xf32>
  %2 = tgraph.mul %1, %1 : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  %3 = tgraph.reduce mean %2 {axes = array<i64: 1, 2>, keepdims = true} : tensor<2x4x8xf32>
  %4 = tgraph.constant dense<1.000000e-03> : tensor<1xf32>
  %5 = tgraph.add %4, %3 : tensor<1xf32>, tensor<2x1x1xf32>
  %6 = tgraph.sqrt %5 : tensor<2x1x1xf32>
  %7 = tgraph.div %1, %6 : tensor<2x4x8xf32>, tensor<2x1x1xf32>
  return %7 : tensor<2x4x8xf32>
}

// -----

// A scale that broadcasts from more dims than the normalized ones stays a multiplication after the op.
// CHECK-LABEL: func.func @scale_of_other_dims
// CHECK: %[[Y:.*]] = tgraph.layer_norm
// CHECK: tgraph.mul %[[Y]], %arg1
func.func @scale_of_other_dims(%x: tensor<2x8xf32>, %g: tensor<1x8xf32>) -> tensor<2x8xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %1 = tgraph.sub %x, %0 : tensor<2x8xf32>, tensor<2x1xf32>
  %2 = tgraph.mul %1, %1 : tensor<2x8xf32>, tensor<2x8xf32>
  %3 = tgraph.reduce mean %2 {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %4 = tgraph.constant dense<1.000000e-05> : tensor<f32>
  %5 = tgraph.add %3, %4 : tensor<2x1xf32>, tensor<f32>
  %6 = tgraph.sqrt %5 : tensor<2x1xf32>
  %7 = tgraph.div %1, %6 : tensor<2x8xf32>, tensor<2x1xf32>
  %8 = tgraph.mul %7, %g : tensor<2x8xf32>, tensor<1x8xf32>
  return %8 : tensor<2x8xf32>
}

// -----

// Not a layer normalization, or one whose intermediates are read elsewhere: left alone.
// CHECK-LABEL: func.func @mean_read_elsewhere
// CHECK-NOT: tgraph.layer_norm
func.func @mean_read_elsewhere(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>) {
  %0 = tgraph.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %1 = tgraph.sub %x, %0 : tensor<2x8xf32>, tensor<2x1xf32>
  %2 = tgraph.mul %1, %1 : tensor<2x8xf32>, tensor<2x8xf32>
  %3 = tgraph.reduce mean %2 {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %4 = tgraph.constant dense<1.000000e-05> : tensor<f32>
  %5 = tgraph.add %3, %4 : tensor<2x1xf32>, tensor<f32>
  %6 = tgraph.sqrt %5 : tensor<2x1xf32>
  %7 = tgraph.div %1, %6 : tensor<2x8xf32>, tensor<2x1xf32>
  return %7, %0 : tensor<2x8xf32>, tensor<2x1xf32>
}

// CHECK-LABEL: func.func @leading_axis
// CHECK-NOT: tgraph.layer_norm
func.func @leading_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 0>, keepdims = true} : tensor<2x8xf32>
  %1 = tgraph.sub %x, %0 : tensor<2x8xf32>, tensor<1x8xf32>
  %2 = tgraph.mul %1, %1 : tensor<2x8xf32>, tensor<2x8xf32>
  %3 = tgraph.reduce mean %2 {axes = array<i64: 0>, keepdims = true} : tensor<2x8xf32>
  %4 = tgraph.constant dense<1.000000e-05> : tensor<f32>
  %5 = tgraph.add %3, %4 : tensor<1x8xf32>, tensor<f32>
  %6 = tgraph.sqrt %5 : tensor<1x8xf32>
  %7 = tgraph.div %1, %6 : tensor<2x8xf32>, tensor<1x8xf32>
  return %7 : tensor<2x8xf32>
}

// A cube is not a variance.
// CHECK-LABEL: func.func @cubes
// CHECK-NOT: tgraph.layer_norm
func.func @cubes(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %1 = tgraph.sub %x, %0 : tensor<2x8xf32>, tensor<2x1xf32>
  %c = tgraph.constant dense<3.000000e+00> : tensor<f32>
  %2 = tgraph.pow %1, %c : tensor<2x8xf32>, tensor<f32>
  %3 = tgraph.reduce mean %2 {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32>
  %4 = tgraph.constant dense<1.000000e-05> : tensor<f32>
  %5 = tgraph.add %3, %4 : tensor<2x1xf32>, tensor<f32>
  %6 = tgraph.sqrt %5 : tensor<2x1xf32>
  %7 = tgraph.div %1, %6 : tensor<2x8xf32>, tensor<2x1xf32>
  return %7 : tensor<2x8xf32>
}
