// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg -verify-diagnostics

// An op no pattern lowers gets one error, with the reason its pattern gave (not the conversion's own
// "failed to legalize operation").
func.func @dynamic_spatial(%x: tensor<1x3x?x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x?x?xf32> {
  // expected-error@+1 {{'tgraph.conv' op needs static shapes (but the batch) and a float element type}}
  %0 = tgraph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x3x?x?xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<1x4x?x?xf32>
}

// -----

func.func @hardmax(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{'tgraph.softmax' op hardmax is not supported yet}}
  %0 = tgraph.softmax hardmax %a {axis = 1} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Pooling has two patterns: the one for named pooling ops gives up on integers without a reason, and
// the generic one says why it cannot average them.
func.func @integer_average(%x: tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32> {
  // expected-error@+1 {{'tgraph.pool' op average pooling needs a float element type}}
  %0 = tgraph.pool avg %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, original_end_pads = array<i64: 0, 0>} : tensor<1x1x4x4xi32>
  return %0 : tensor<1x1x3x3xi32>
}
