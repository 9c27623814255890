// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @conv_bias_relu
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %arg1 {{.*}}) outs(%[[FILL]]
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[CONV]], %arg2
// CHECK: arith.addf
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[BIAS]]
// CHECK: arith.maximumf
// CHECK: return %[[RELU]]
func.func @conv_bias_relu(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x2x2xf32> {
  %0 = tgraph.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>
  %1 = tgraph.relu %0 : tensor<1x3x2x2xf32>
  return %1 : tensor<1x3x2x2xf32>
}

// -----

// Channels-last convolutions: the padding goes on dims 1 and 2, the bias along dim 3; a dense one is
// linalg.conv_2d_nhwc_hwcf on its [kh, kw, C, F] filters, a depthwise one
// linalg.depthwise_conv_2d_nhwc_hwc on its [kh, kw, 1, C] filters collapsed to [kh, kw, C].
// CHECK-LABEL: func.func @conv_channels_last
// CHECK: %[[PAD:.*]] = tensor.pad %arg0 low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[DENSE:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %arg1 {{.*}}) -> tensor<1x2x2x3xf32>
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg2 {{\[\[}}0], [1], [2, 3]] : tensor<3x3x1x3xf32> into tensor<3x3x3xf32>
// CHECK: %[[DW:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.*}}, %[[W]] {{.*}}) -> tensor<1x2x2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[LAST:.*]], #{{.*}}]{{.*}} ins(%[[DW]], %arg3
func.func @conv_channels_last(%x: tensor<1x4x4x2xf32>, %w: tensor<3x3x2x3xf32>, %d: tensor<3x3x1x3xf32>, %b: tensor<3xf32>) -> tensor<1x2x2x3xf32> {
  %0 = tgraph.conv %x, %w {channels_last, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : tensor<1x4x4x2xf32>, tensor<3x3x2x3xf32>
  %1 = tgraph.conv %0, %d, %b {channels_last, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 3} : tensor<1x2x2x3xf32>, tensor<3x3x1x3xf32>, tensor<3xf32>
  return %1 : tensor<1x2x2x3xf32>
}

// -----

// A constant exponent of 2 squares (one multiply); any other exponent stays a powf.
// CHECK-LABEL: func.func @pow_constant_exponent
// CHECK: linalg.generic
// CHECK-NOT: math.powf
// CHECK: %[[SQ:.*]] = arith.mulf %[[X:.*]], %[[X]] : f32
// CHECK-NEXT: linalg.yield %[[SQ]]
// CHECK: linalg.generic
// CHECK: math.powf
func.func @pow_constant_exponent(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %two = tgraph.constant dense<2.0> : tensor<f32>
  %three = tgraph.constant dense<3.0> : tensor<f32>
  %0 = tgraph.pow %x, %two : tensor<4xf32>, tensor<f32>
  %1 = tgraph.pow %x, %three : tensor<4xf32>, tensor<f32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Broadcasting operands index with constant 0 on size-1 dims.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[COL]], #[[ID]]]
func.func @broadcast_add(%a: tensor<3xf32>, %b: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = tgraph.add %a, %b : tensor<3xf32>, tensor<2x1xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unsigned integers become signless; the op's signedness picks the arith op.
// CHECK-LABEL: func.func @unsigned_div
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK: arith.divui
func.func @unsigned_div(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = tgraph.div %a, %b : tensor<4xui8>, tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: tensor.expand_shape {{.*}} into tensor<2x1xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %0 = tgraph.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x3xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// Weights stay globals; reshapes become collapse/expand pairs.
// CHECK-LABEL: func.func @weights
// CHECK: %[[W:.*]] = tgraph.global_load @w : tensor<2x2xf32>
// CHECK: tensor.collapse_shape %[[W]]
func.func @weights() -> tensor<4xf32> {
  %w = tgraph.global_load @w : tensor<2x2xf32>
  %0 = tgraph.reshape %w {sizes = array<i64: 4>} : tensor<2x2xf32>
  return %0 : tensor<4xf32>
}
tgraph.global @w : tensor<2x2xf32> = dense<1.0> : tensor<2x2xf32>

// -----

// Dynamic dims are read from the operands with tensor.dim.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[N:.*]] = tensor.dim %arg0, %[[C0]] : tensor<?x4xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: linalg.generic
func.func @dynamic_batch(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = tgraph.add %x, %b : tensor<?x4xf32>, tensor<4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A shape operand known only at run time: dims are computed on the host from its values (0 copies the
// input dim, -1 takes the rest) and the data is reinterpreted in place.
// CHECK-LABEL: func.func @runtime_reshape
// CHECK: %[[S0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: arith.index_cast %[[S0]] : i64 to index
// CHECK: arith.cmpi eq
// CHECK: arith.divsi
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xindex>
// CHECK: %[[R:.*]] = tensor.reshape %arg0(%[[SHAPE]]) : (tensor<2x3x4xf32>, tensor<2xindex>) -> tensor<?x?xf32>
// CHECK: return %[[R]]
func.func @runtime_reshape(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = tgraph.reshape %x shape %s {sizes = array<i64: -9223372036854775808, -9223372036854775808>} : tensor<2x3x4xf32>, tensor<2xi64>
  return %0 : tensor<?x?xf32>
}

// -----

// Expand to a shape known only at run time: dims the input fixes stay static, the others are read
// from the shape operand (on the host).
// CHECK-LABEL: func.func @runtime_expand
// CHECK: %[[D0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[N:.*]] = arith.index_cast %[[D0]] : i64 to index
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<1x3xf32>) outs(%[[E]] : tensor<?x3xf32>)
func.func @runtime_expand(%x: tensor<1x3xf32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = tgraph.expand %x shape %s {sizes = array<i64: -9223372036854775808, 3>} : tensor<1x3xf32>, tensor<2xi64>
  return %0 : tensor<?x3xf32>
}

// -----

// Expand without a shape operand keeps an input dim of run-time size as it is (the importer lets it meet
// only a 1): the result reads its size from the input.
// CHECK-LABEL: func.func @expand_keeps_dynamic_dims
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x4x3xi1>
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<?x1x3xi1>) outs(%[[E]] : tensor<?x4x3xi1>)
func.func @expand_keeps_dynamic_dims(%x: tensor<?x1x3xi1>) -> tensor<?x4x3xi1> {
  %0 = tgraph.expand %x {sizes = array<i64: -9223372036854775808, 4, 3>} : tensor<?x1x3xi1>
  return %0 : tensor<?x4x3xi1>
}

// -----

// A slice keeps a dim of run-time size whole, reading its size from the input.
// CHECK-LABEL: func.func @slice_dynamic_batch
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.extract_slice %arg0[0, 128] [%[[N]], 128] [1, 1] : tensor<?x384xf32> to tensor<?x128xf32>
func.func @slice_dynamic_batch(%x: tensor<?x384xf32>) -> tensor<?x128xf32> {
  %0 = tgraph.slice %x {sizes = array<i64: -9223372036854775808, 128>, starts = array<i64: 0, 128>, steps = array<i64: 1, 1>} : tensor<?x384xf32>
  return %0 : tensor<?x128xf32>
}

// -----

// Transposed dims of run-time size come from the input dims they move.
// CHECK-LABEL: func.func @transpose_dynamic
// CHECK-DAG: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[S]], %[[B]]) : tensor<?x?x8xf32>
// CHECK: linalg.transpose ins(%arg0 : tensor<?x?x8xf32>) outs(%[[E]] : tensor<?x?x8xf32>) permutation = [1, 0, 2]
func.func @transpose_dynamic(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %0 = tgraph.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Shape of a tensor with dims of run-time size: a kernel writes each dim, the static ones as constants
// and the others read from its operand, so the host builds no tensor.
// CHECK-LABEL: func.func @shape_dynamic
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2xi64>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<2xi64>)
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: arith.index_cast %[[N]] : index to i64
// CHECK: arith.select
// CHECK: arith.constant 7 : i64
// CHECK: arith.select
func.func @shape_dynamic(%x: tensor<?x7xf32>) -> tensor<2xi64> {
  %0 = tgraph.shape %x {start = 0, end = 2} : tensor<?x7xf32>
  return %0 : tensor<2xi64>
}

// -----

// Range with a count known only at run time: the count is read on the host, start and delta by the
// kernel.
// CHECK-LABEL: func.func @runtime_range
// CHECK: %[[C:.*]] = tensor.extract %arg2[] : tensor<i64>
// CHECK: %[[N:.*]] = arith.index_cast %[[C]] : i64 to index
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<?xf32>)
// CHECK: linalg.index 0
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @runtime_range(%start: tensor<f32>, %delta: tensor<f32>, %count: tensor<i64>) -> tensor<?xf32> {
  %0 = tgraph.range %start, %delta, %count : tensor<f32>, tensor<f32>, tensor<i64>
  return %0 : tensor<?xf32>
}

// -----

// A reshape between shapes with several dynamic dims and unit dims: each dim of the smaller shape takes
// at least one dim of the larger (a leading unit dim had taken none, an invalid expand_shape).
// CHECK-LABEL: func.func @unsqueeze_between_dynamic_dims
// CHECK: tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3]] output_shape [1, %{{.*}}, 1, %{{.*}}] : tensor<1x?x?xf32> into tensor<1x?x1x?xf32>
func.func @unsqueeze_between_dynamic_dims(%a: tensor<1x?x?xf32>) -> tensor<1x?x1x?xf32> {
  %0 = tgraph.unsqueeze %a {axes = array<i64: 2>} : tensor<1x?x?xf32>
  return %0 : tensor<1x?x1x?xf32>
}

// -----

// A softmax stays one op (each target decomposes it where its kernels can hold a row); a log-softmax
// is lowered to its reductions and elementwise generics here.
// CHECK-LABEL: func.func @softmax_kinds
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<?x8xf32>
// CHECK: %[[SM:.*]] = linalg.softmax dimension(1) ins(%arg0 : tensor<?x8xf32>) outs(%[[INIT]] : tensor<?x8xf32>)
// CHECK-NOT: linalg.softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: return %[[SM]]
func.func @softmax_kinds(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = tgraph.softmax softmax %x {axis = 1} : tensor<?x8xf32>
  %1 = tgraph.softmax log_softmax %x {axis = 1} : tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// A layer normalization stays one op too, its destination sized like its input.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[ROWS:.*]] = tensor.dim %arg0, %[[C0]]
// CHECK: %[[INIT:.*]] = tensor.empty(%[[ROWS]]) : tensor<?x64xf32>
// CHECK: %[[Y:.*]] = tdisp.layer_norm ins(%arg0, %arg1, %arg2 : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) outs(%[[INIT]] : tensor<?x64xf32>) axis(1) epsilon(1.000000e-03)
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<?x64xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = tgraph.layer_norm %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-03 : f32} : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}
