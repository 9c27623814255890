// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg -verify-diagnostics

func.func @dynamic_spatial(%x: tensor<1x3x?x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x?x?xf32> {
  // expected-error@+2 {{needs static shapes (but the batch) and a float element type}}
  // expected-error@+1 {{failed to legalize operation 'tgraph.conv'}}
  %0 = tgraph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x3x?x?xf32>, tensor<4x3x3x3xf32>
  return %0 : tensor<1x4x?x?xf32>
}

// -----

func.func @hardmax(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{hardmax is not supported yet}}
  // expected-error@+1 {{failed to legalize operation 'tgraph.softmax'}}
  %0 = tgraph.softmax hardmax %a {axis = 1} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
