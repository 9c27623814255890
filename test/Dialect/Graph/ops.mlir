// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xi1> {
  // CHECK: tgraph.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32>
  %0 = tgraph.add %a, %b : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tgraph.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32}
  %1 = tgraph.leaky_relu %0 {alpha = 0.2 : f32} : tensor<2x3xf32>
  // CHECK: tgraph.clip %{{.*}} min %{{.*}}
  %lo = tgraph.constant dense<0.0> : tensor<f32>
  %2 = tgraph.clip %1 min %lo : tensor<2x3xf32>, tensor<f32>
  %3 = tgraph.less %2, %a : tensor<2x3xf32>, tensor<2x3xf32>
  // CHECK: tgraph.cast %{{.*}} to ui8 : tensor<2x3xi1>
  %4 = tgraph.cast %3 to ui8 : tensor<2x3xi1>
  return %3 : tensor<2x3xi1>
}

// CHECK: tgraph.global @w : tensor<4xf32> = dense<
tgraph.global @w : tensor<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>

// A channels-last convolution: [N, H, W, C] by [kh, kw, C / group, F] is [N, H', W', F].
// CHECK-LABEL: func.func @conv_channels_last
// CHECK: tgraph.conv %arg0, %arg1 {channels_last, {{.*}}} : tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>
func.func @conv_channels_last(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = tgraph.conv %x, %k {channels_last, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// CHECK-LABEL: func.func @nn
func.func @nn(%x: tensor<1x3x8x8xf32>, %k: tensor<4x3x3x3xf32>) -> tensor<1x4xf32> {
  // CHECK: tgraph.conv
  %0 = tgraph.conv %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>

  // CHECK: tgraph.pool
  %1 = tgraph.pool avg %0 {kernel_shape = array<i64: 8, 8>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, original_end_pads = array<i64: 0, 0>} : tensor<1x4x8x8xf32>
  // CHECK: tgraph.reshape
  %2 = tgraph.reshape %1 {sizes = array<i64: 1, 4>} : tensor<1x4x1x1xf32>
  // CHECK: tgraph.global_load @w
  %w = tgraph.global_load @w : tensor<4xf32>
  %3 = tgraph.mul %2, %w : tensor<1x4xf32>, tensor<4xf32>
  %4 = tgraph.softmax softmax %3 {axis = 1} : tensor<1x4xf32>
  return %4 : tensor<1x4xf32>
}

// A layer normalization over the last two dims prints back the same; its type is the input's.
// CHECK-LABEL: func.func @layer_norm
// CHECK: tgraph.layer_norm %arg0, %arg1, %arg2 {axis = 1 : i64, epsilon = 9.99999997E-7 : f32} : tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
func.func @layer_norm(%x: tensor<2x4x8xf32>, %s: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = tgraph.layer_norm %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-06 : f32} : tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// Modes are keywords before the operands and print back the same.
// CHECK-LABEL: func.func @modes
// CHECK: tgraph.pad reflect %arg0 {pads = array<i64: 1, 1>}
// CHECK: tgraph.pad constant %arg0 value %arg1 {pads = array<i64: 1, 1>}
// CHECK: tgraph.scatter_elements max %arg0, %arg2, %arg3 {axis = 0 : i64}
// CHECK: tgraph.scatter_nd mul %arg0, %arg4, %arg3
// CHECK: tgraph.resize cubic pytorch_half_pixel round_prefer_ceil %arg5 {scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>, sizes = array<i64: 1, 1, 4, 4>}
// CHECK: tgraph.grid_sample bicubic reflection %arg5, %arg6 {align_corners = true}
func.func @modes(%x: tensor<3xf32>, %v: tensor<f32>, %i: tensor<2xi64>, %u: tensor<2xf32>, %j: tensor<2x1xi64>,
                 %img: tensor<1x1x2x2xf32>, %g: tensor<1x2x2x2xf32>) {
  %0 = tgraph.pad reflect %x {pads = array<i64: 1, 1>} : tensor<3xf32>
  %1 = tgraph.pad constant %x value %v {pads = array<i64: 1, 1>} : tensor<3xf32>, tensor<f32>
  %2 = tgraph.scatter_elements max %x, %i, %u {axis = 0 : i64} : tensor<3xf32>, tensor<2xi64>, tensor<2xf32>
  %3 = tgraph.scatter_nd mul %x, %j, %u : tensor<3xf32>, tensor<2x1xi64>, tensor<2xf32>
  %4 = tgraph.resize cubic pytorch_half_pixel round_prefer_ceil %img {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 4, 4>} : tensor<1x1x2x2xf32>
  %5 = tgraph.grid_sample bicubic reflection %img, %g {align_corners = true} : tensor<1x1x2x2xf32>, tensor<1x2x2x2xf32>
  return
}

// Written without result types, which parsing infers; attributes left at their defaults are not written
// (gemm's alpha, beta and transposes) and still take part in the inference.
// CHECK-LABEL: func.func @inferred
// CHECK: %[[P:.*]] = tgraph.gemm %arg0, %arg1 {trans_b = true} : tensor<2x3xf32>, tensor<4x3xf32>
// CHECK: %[[Q:.*]] = tgraph.gemm %arg0, %arg2 {trans_a = true} : tensor<2x3xf32>, tensor<2x5xf32>
// CHECK: %[[R:.*]] = tgraph.transpose %[[P]] {perm = array<i64: 1, 0>} : tensor<2x4xf32>
// CHECK: return %[[R]], %[[Q]] : tensor<4x2xf32>, tensor<3x5xf32>
func.func @inferred(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<2x5xf32>) -> (tensor<4x2xf32>, tensor<3x5xf32>) {
  %0 = tgraph.gemm %a, %b {trans_b = true} : tensor<2x3xf32>, tensor<4x3xf32>
  %1 = tgraph.gemm %a, %c {trans_a = true} : tensor<2x3xf32>, tensor<2x5xf32>
  %2 = tgraph.transpose %0 {perm = array<i64: 1, 0>} : tensor<2x4xf32>
  return %2, %1 : tensor<4x2xf32>, tensor<3x5xf32>
}
