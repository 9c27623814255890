// RUN: tessera-opt %s -split-input-file -tessera-fold-batch-norm-into-conv | FileCheck %s

// s = scale / sqrt(var + eps) = [2 / 2, 3 / 1]; W' = W * s = [1, 6]; b' = (b - mean) * s + shift =
// [(1 - 1) * 1 + 0.5, (1 - 2) * 3 + 1] = [0.5, -2]. The folded operands' globals are gone.
// CHECK-LABEL: func.func @folded
// CHECK-NOT: tgraph.global @
// CHECK-DAG: %[[W:.*]] = tgraph.global_load @w_bn : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = tgraph.global_load @w_bn_bias : tensor<2xf32>
// CHECK-NOT: tgraph.batch_norm
// CHECK: %[[Y:.*]] = tgraph.conv %arg0, %[[W]], %[[B]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
// CHECK-NEXT: return %[[Y]]
// CHECK: w_bn: "0x040000000000803F0000C040"
// CHECK: w_bn_bias: "0x040000000000003F000000C0"
module {
  tgraph.global @w : tensor<2x1x1x1xf32> = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  tgraph.global @b : tensor<2xf32> = dense<[1.0, 1.0]> : tensor<2xf32>
  tgraph.global @scale : tensor<2xf32> = dense<[2.0, 3.0]> : tensor<2xf32>
  tgraph.global @shift : tensor<2xf32> = dense<[0.5, 1.0]> : tensor<2xf32>
  tgraph.global @mean : tensor<2xf32> = dense<[1.0, 2.0]> : tensor<2xf32>
  tgraph.global @var : tensor<2xf32> = dense<[3.0, 0.0]> : tensor<2xf32>
  func.func @folded(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %w = tgraph.global_load @w : tensor<2x1x1x1xf32>
    %b = tgraph.global_load @b : tensor<2xf32>
    %scale = tgraph.global_load @scale : tensor<2xf32>
    %shift = tgraph.global_load @shift : tensor<2xf32>
    %mean = tgraph.global_load @mean : tensor<2xf32>
    %var = tgraph.global_load @var : tensor<2xf32>
    %c = tgraph.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>
    %y = tgraph.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    return %y : tensor<1x2x4x4xf32>
  }
}

// -----

// Inline constant filters (and no conv bias: b = 0) give inline constants; the grouped convolution's
// filters scale by their own output channel. b' = -mean * s + shift = [0 + 0.5, -2 * 3 + 1].
// CHECK-LABEL: func.func @inline_constants_grouped
// CHECK-DAG: %[[W:.*]] = tgraph.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = tgraph.constant dense<[5.000000e-01, -5.000000e+00]> : tensor<2xf32>
// CHECK: tgraph.conv %arg0, %[[W]], %[[B]] {{.*}}group = 2 : i64
// CHECK-NOT: tgraph.batch_norm
func.func @inline_constants_grouped(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = tgraph.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %scale = tgraph.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %shift = tgraph.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %mean = tgraph.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %var = tgraph.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>
  %y = tgraph.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The convolution's output is also read elsewhere: folding would need it twice.
// CHECK-LABEL: func.func @conv_has_other_user
// CHECK: tgraph.conv
// CHECK: tgraph.batch_norm
func.func @conv_has_other_user(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = tgraph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = tgraph.constant dense<1.0> : tensor<2xf32>
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>
  %y = tgraph.batch_norm %c, %p, %p, %p, %p : tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Statistics known only at run time, and a normalization of something other than a convolution, stay.
// CHECK-LABEL: func.func @not_constant_or_not_conv
// CHECK: tgraph.conv
// CHECK: tgraph.batch_norm
// CHECK: tgraph.batch_norm
func.func @not_constant_or_not_conv(%x: tensor<1x1x4x4xf32>, %mean: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = tgraph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = tgraph.constant dense<1.0> : tensor<2xf32>
  %q = tgraph.constant dense<1.0> : tensor<1xf32>
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>
  %y = tgraph.batch_norm %c, %p, %p, %mean, %p : tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  %z = tgraph.batch_norm %x, %q, %q, %q, %q : tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>
  return %y, %z : tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>
}
