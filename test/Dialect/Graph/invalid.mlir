// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  %0 = tgraph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bad_reshape(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error@+1 {{element count changes from 6 to 7}}
  %0 = tgraph.reshape %a : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @bad_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{perm is not a permutation}}
  %0 = tgraph.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @bad_conv(%x: tensor<1x3x8x8xf32>, %k: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{input channels 3 != weight channels 2 x group 1}}
  %0 = tgraph.conv %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @bad_reduce(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{unknown reduction kind "median"}}
  %0 = tgraph.reduce %x {kind = "median", axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @missing_global() -> tensor<4xf32> {
  // expected-error@+1 {{'nope' does not reference a tgraph.global}}
  %0 = tgraph.global_load @nope : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error@+1 {{value type 'tensor<2xf32>' does not match declared type 'tensor<4xf32>'}}
tgraph.global @w : tensor<4xf32> = dense<[1.0, 2.0]> : tensor<2xf32>
