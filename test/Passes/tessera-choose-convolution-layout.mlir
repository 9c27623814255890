// RUN: tessera-opt %s -split-input-file -tessera-choose-convolution-layout | FileCheck %s

// A ConvNeXt block: the depthwise convolution's result is transposed to NHWC for the block's
// channels-last ops, transposed back, scaled per channel and added to the block's input (itself a
// transpose back from NHWC), which feeds the next block's depthwise convolution. Both convolutions go
// channels-last, sharing one derived [kh, kw, 1, C] weight (w[c, 0, i, j] -> w_hwcf[i, j, 0, c]); the
// only transpose left is the result's (returned NCHW).
// CHECK-NOT: tgraph.global @w :
// CHECK: tgraph.global @w_hwcf : tensor<1x2x1x2xf32>
// CHECK-NOT: tgraph.global @w :
// CHECK-LABEL: func.func @convnext_block
// CHECK-NOT: tgraph.transpose
// CHECK: %[[W:.*]] = tgraph.global_load @w_hwcf
// CHECK: %[[C1:.*]] = tgraph.conv %arg0, %[[W]] {channels_last, {{.*}}group = 2 : i64, pads = array<i64: 0, 0, 0, 1>{{.*}}} : tensor<1x3x3x2xf32>, tensor<1x2x1x2xf32>
// CHECK: %[[R:.*]] = tgraph.relu %[[C1]] : tensor<1x3x3x2xf32>
// CHECK: %[[G:.*]] = tgraph.reshape %{{.*}} {sizes = array<i64: 1, 1, 1, 2>} : tensor<2x1x1xf32>
// CHECK: %[[M:.*]] = tgraph.mul %[[G]], %[[R]] : tensor<1x1x1x2xf32>, tensor<1x3x3x2xf32>
// CHECK: %[[A:.*]] = tgraph.add %[[M]], %arg0 : tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>
// CHECK: %[[W2:.*]] = tgraph.global_load @w_hwcf
// CHECK: %[[C2:.*]] = tgraph.conv %[[A]], %[[W2]] {channels_last,
// CHECK: %[[Y:.*]] = tgraph.transpose %[[C2]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: tgraph.transpose
// CHECK: return %[[Y]]
// CHECK: w_hwcf: "0x040000000000803F000040400000004000008040"
module {
  tgraph.global @w : tensor<2x1x1x2xf32> = dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  tgraph.global @gamma : tensor<2x1x1xf32> = dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>
  func.func @convnext_block(%nhwc: tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32> {
    %w = tgraph.global_load @w : tensor<2x1x1x2xf32>
    %gamma = tgraph.global_load @gamma : tensor<2x1x1xf32>
    %x = tgraph.transpose %nhwc {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x3x2xf32>
    %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x1x2xf32>
    %t = tgraph.transpose %c {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x3x3xf32>
    %r = tgraph.relu %t : tensor<1x3x3x2xf32>
    %b = tgraph.transpose %r {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x3x2xf32>
    %m = tgraph.mul %gamma, %b : tensor<2x1x1xf32>, tensor<1x2x3x3xf32>
    %a = tgraph.add %m, %x : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
    %c2 = tgraph.conv %a, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x1x2xf32>
    return %c2 : tensor<1x2x3x3xf32>
  }
}

// -----

// MobileNet's depthwise convolutions feed NCHW ops only (an activation, then a dense 1x1
// convolution): nothing changes.
// CHECK-LABEL: func.func @nchw_users
// CHECK-NOT: channels_last
// CHECK-NOT: tgraph.transpose
// CHECK: return
func.func @nchw_users(%x: tensor<1x2x3x3xf32>, %w: tensor<2x1x3x3xf32>, %p: tensor<4x2x1x1xf32>) -> tensor<1x4x3x3xf32> {
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>
  %r = tgraph.relu %c : tensor<1x2x3x3xf32>
  %y = tgraph.conv %r, %p {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<4x2x1x1xf32>
  return %y : tensor<1x4x3x3xf32>
}

// -----

// The sum is transposed to NHWC, but its other operand is NCHW: computing the convolution channels-last
// would need a transpose before it and one after it to save one, so nothing changes.
// CHECK-LABEL: func.func @blocked_by_an_nchw_operand
// CHECK-NOT: channels_last
// CHECK: tgraph.add
// CHECK: tgraph.transpose
// CHECK-NOT: tgraph.transpose
func.func @blocked_by_an_nchw_operand(%x: tensor<1x2x3x3xf32>, %y: tensor<1x2x3x3xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x3x3x2xf32> {
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>
  %a = tgraph.add %c, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
  %t = tgraph.transpose %a {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x3x3xf32>
  return %t : tensor<1x3x3x2xf32>
}

// -----

// Filters that are not constant are transposed where the convolution runs; a dense convolution after a
// transpose back to NCHW keeps its layout and reads the transposed value.
// CHECK-LABEL: func.func @run_time_filters
// CHECK: %[[W:.*]] = tgraph.transpose %arg1 {perm = array<i64: 2, 3, 1, 0>} : tensor<2x1x3x3xf32>
// CHECK: %[[C:.*]] = tgraph.conv %arg0, %[[W]], %arg3 {channels_last,
// CHECK: %[[B:.*]] = tgraph.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: tgraph.conv %[[B]], %arg2 {dilations
// CHECK-NOT: channels_last
func.func @run_time_filters(%x: tensor<1x3x3x2xf32>, %w: tensor<2x1x3x3xf32>, %p: tensor<4x2x1x1xf32>, %bias: tensor<2xf32>) -> tensor<1x4x3x3xf32> {
  %n = tgraph.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x3x2xf32>
  %c = tgraph.conv %n, %w, %bias {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>
  %y = tgraph.conv %c, %p {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<4x2x1x1xf32>
  return %y : tensor<1x4x3x3xf32>
}

// -----

// EfficientNet: SiLU (x * sigmoid(x)) after the depthwise convolution, then NCHW ops only. Both could go
// channels-last together, but nothing wants them there: nothing changes.
// CHECK-LABEL: func.func @silu_then_nchw
// CHECK-NOT: channels_last
// CHECK-NOT: tgraph.transpose
// CHECK: return
func.func @silu_then_nchw(%x: tensor<1x2x3x3xf32>, %w: tensor<2x1x3x3xf32>, %p: tensor<4x2x1x1xf32>) -> tensor<1x4x3x3xf32> {
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x1x3x3xf32>
  %s = tgraph.sigmoid %c : tensor<1x2x3x3xf32>
  %m = tgraph.mul %c, %s : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
  %y = tgraph.conv %m, %p {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x3x3xf32>, tensor<4x2x1x1xf32>
  return %y : tensor<1x4x3x3xf32>
}

// -----

// A depthwise convolution after a dense 3x3 one (NCHW: no channels-last kernel), whose result the block
// transposes to NHWC and also adds to the residual. The dense result is transposed once, for both; the
// sum stays channels-last for the next transpose to NHWC, which goes.
// CHECK-LABEL: func.func @stage_start
// CHECK: %[[D:.*]] = tgraph.conv %arg0, %arg1 {dilations
// CHECK: %[[T:.*]] = tgraph.transpose %[[D]] {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C:.*]] = tgraph.conv %[[T]], %{{.*}} {channels_last,
// CHECK: %[[R:.*]] = tgraph.relu %[[C]]
// CHECK: %[[A:.*]] = tgraph.add %[[R]], %[[T]] : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
// CHECK-NOT: tgraph.transpose
// CHECK: return %[[A]]
func.func @stage_start(%x: tensor<1x2x4x4xf32>, %wd: tensor<4x2x3x3xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %d = tgraph.conv %x, %wd {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>
  %c = tgraph.conv %d, %w {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>
  %t = tgraph.transpose %c {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x4x4xf32>
  %r = tgraph.relu %t : tensor<1x4x4x4xf32>
  %b = tgraph.transpose %r {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x4x4xf32>
  %a = tgraph.add %b, %d : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
  %n = tgraph.transpose %a {perm = array<i64: 0, 2, 3, 1>} : tensor<1x4x4x4xf32>
  return %n : tensor<1x4x4x4xf32>
}

// -----

// A ConvNeXt downsampling layer between two channels-last LayerNorms: a 2x2 stride-2 convolution whose
// input comes back from NHWC and whose result goes there. Channels-last it is a product over positions:
// the windows' values made contiguous by one space-to-depth transpose, times the filters as a
// [kh * kw * C, F] matrix (w[f, c, i, j] at row (i * kw + j) * C + c), plus the bias; no transpose of
// the activations is left.
// CHECK-NOT: tgraph.global @wd :
// CHECK: tgraph.global @wd_matrix : tensor<8x3xf32>
// CHECK-LABEL: func.func @downsample
// CHECK: %[[S:.*]] = tgraph.reshape %arg0 {sizes = array<i64: 1, 1, 2, 1, 2, 2>}
// CHECK: %[[D:.*]] = tgraph.transpose %[[S]] {perm = array<i64: 0, 1, 3, 2, 4, 5>}
// CHECK: %[[P:.*]] = tgraph.reshape %[[D]] {sizes = array<i64: 1, 1, 1, 8>}
// CHECK: %[[W:.*]] = tgraph.global_load @wd_matrix : tensor<8x3xf32>
// CHECK: %[[M:.*]] = tgraph.matmul %[[P]], %[[W]] : tensor<1x1x1x8xf32>, tensor<8x3xf32>
// CHECK: %[[Y:.*]] = tgraph.add %[[M]], %arg1 : tensor<1x1x1x3xf32>, tensor<3xf32>
// CHECK-NOT: tgraph.transpose
// CHECK: return %[[Y]]
// The matrix: w = 0..23 as [3, 2, 2, 2]; row (i * 2 + j) * 2 + c, column f holds w[f, c, i, j]: rows
// [0 8 16], [4 12 20], [1 9 17], ...
// CHECK: wd_matrix: "0x0400000000000000000000410000804100008040000040410000A0410000803F00001041000088410000A040000050410000A8410000004000002041000090410000C040000060410000B0410000404000003041000098410000E040000070410000B841"
module {
  tgraph.global @wd : tensor<3x2x2x2xf32> = dense<[[[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]], [[[8.0, 9.0], [10.0, 11.0]], [[12.0, 13.0], [14.0, 15.0]]], [[[16.0, 17.0], [18.0, 19.0]], [[20.0, 21.0], [22.0, 23.0]]]]> : tensor<3x2x2x2xf32>
  func.func @downsample(%ln: tensor<1x2x2x2xf32>, %b: tensor<3xf32>) -> tensor<1x1x1x3xf32> {
    %wd = tgraph.global_load @wd : tensor<3x2x2x2xf32>
    %x = tgraph.transpose %ln {perm = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x2xf32>
    %c = tgraph.conv %x, %wd, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x2x2xf32>, tensor<3x2x2x2xf32>, tensor<3xf32>
    %t = tgraph.transpose %c {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x1x1xf32>
    return %t : tensor<1x1x1x3xf32>
  }
}

// -----

// A stem on the model's NCHW input, transposed to NHWC after: its windows come from the NCHW image in one
// transpose ([N, C, OH, kh, OW, kw] -> [N, OH, OW, kh, kw, C]); filters known only at run time are laid
// out as the matrix then (transpose to [kh, kw, C, F], reshape).
// CHECK-LABEL: func.func @stem
// CHECK: %[[S:.*]] = tgraph.reshape %arg0 {sizes = array<i64: 1, 2, 2, 2, 1, 2>} : tensor<1x2x4x2xf32>
// CHECK: %[[D:.*]] = tgraph.transpose %[[S]] {perm = array<i64: 0, 2, 4, 3, 5, 1>}
// CHECK: %[[P:.*]] = tgraph.reshape %[[D]] {sizes = array<i64: 1, 2, 1, 8>}
// CHECK: %[[T:.*]] = tgraph.transpose %arg1 {perm = array<i64: 2, 3, 1, 0>} : tensor<3x2x2x2xf32>
// CHECK: %[[W:.*]] = tgraph.reshape %[[T]] {sizes = array<i64: 8, 3>}
// CHECK: %[[M:.*]] = tgraph.matmul %[[P]], %[[W]]
// CHECK-NOT: tgraph.transpose
// CHECK: return %[[M]]
func.func @stem(%x: tensor<1x2x4x2xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x2x1x3xf32> {
  %c = tgraph.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x2x4x2xf32>, tensor<3x2x2x2xf32>
  %t = tgraph.transpose %c {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x2x1xf32>
  return %t : tensor<1x2x1x3xf32>
}
