// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @unknown_executable(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'nope' does not reference a tdisp.executable}}
  %d = tdisp.dispatch @nope(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @region_type_mismatch(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{returns types that differ from its result types}}
  %r = tdisp.region -> tensor<8xf32> {
    tdisp.return %a : tensor<4xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// expected-error@+1 {{expects parent op 'tdisp.executable'}}
tdisp.variant @cpu target("cpu") {
}

// -----

func.func @winograd_taps(%x: tensor<1x16x8x8xf32>, %u: tensor<9x32x16xf32>, %y: tensor<1x32x8x8xf32>, %o: index) -> tensor<1x32x8x8xf32> {
  // expected-error@+1 {{expects 36 transformed taps in filter dim 0, got 9}}
  %r = tdisp.winograd_conv2d ins(%x, %u : tensor<1x16x8x8xf32>, tensor<9x32x16xf32>) outs(%y : tensor<1x32x8x8xf32>) origin(%o, %o) -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

func.func @winograd_channels(%x: tensor<1x8x8x8xf32>, %u: tensor<36x32x16xf32>, %y: tensor<1x32x8x8xf32>, %o: index) -> tensor<1x32x8x8xf32> {
  // expected-error@+1 {{filter [taps, F, C], input [N, C, H, W] and init [N, F, OH, OW] disagree}}
  %r = tdisp.winograd_conv2d ins(%x, %u : tensor<1x8x8x8xf32>, tensor<36x32x16xf32>) outs(%y : tensor<1x32x8x8xf32>) origin(%o, %o) -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

func.func @winograd_mixed(%x: tensor<1x16x8x8xf32>, %u: memref<36x32x16xf32>, %y: tensor<1x32x8x8xf32>, %o: index) -> tensor<1x32x8x8xf32> {
  // expected-error@+1 {{expects all tensors or all buffers}}
  %r = tdisp.winograd_conv2d ins(%x, %u : tensor<1x16x8x8xf32>, memref<36x32x16xf32>) outs(%y : tensor<1x32x8x8xf32>) origin(%o, %o) -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}
