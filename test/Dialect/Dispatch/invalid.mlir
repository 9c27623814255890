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

// -----

func.func @packed_depth(%x: tensor<64x128xf32>, %p: tensor<8x256x32xf32>, %y: tensor<64x256xf32>, %c: index) -> tensor<64x256xf32> {
  // expected-error@+1 {{lhs has 128 columns but the packed panels 256 rows}}
  %r = tdisp.packed_matmul ins(%x, %p : tensor<64x128xf32>, tensor<8x256x32xf32>) outs(%y : tensor<64x256xf32>) col(%c) -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// -----

func.func @packed_width(%x: tensor<64x256xf32>, %p: tensor<8x256x32xf32>, %y: tensor<64x300xf32>, %c: index) -> tensor<64x300xf32> {
  // expected-error@+1 {{init has 300 columns but the packed operand only 256}}
  %r = tdisp.packed_matmul ins(%x, %p : tensor<64x256xf32>, tensor<8x256x32xf32>) outs(%y : tensor<64x300xf32>) col(%c) -> tensor<64x300xf32>
  return %r : tensor<64x300xf32>
}

// -----

func.func @packed_rows(%x: tensor<32x256xf32>, %p: tensor<8x256x32xf32>, %y: tensor<64x256xf32>, %c: index) -> tensor<64x256xf32> {
  // expected-error@+1 {{lhs and init have different row counts}}
  %r = tdisp.packed_matmul ins(%x, %p : tensor<32x256xf32>, tensor<8x256x32xf32>) outs(%y : tensor<64x256xf32>) col(%c) -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// -----

func.func @packed_mixed(%x: tensor<64x256xf32>, %p: memref<8x256x32xf32>, %y: tensor<64x256xf32>, %c: index) -> tensor<64x256xf32> {
  // expected-error@+1 {{expects all tensors or all buffers}}
  %r = tdisp.packed_matmul ins(%x, %p : tensor<64x256xf32>, memref<8x256x32xf32>) outs(%y : tensor<64x256xf32>) col(%c) -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{has 1 binding lengths for 2 bindings}}
    tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] bytes [64] constants 0
  }
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{binding lengths must not be negative}}
    tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] bytes [64, -4] constants 0
  }
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{scratch bytes must not be negative}}
    tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 0 scratch -64
  }
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{constant count must not be negative}}
    tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants -1
  }
}

// -----

// expected-error@+1 {{unknown kernel strategy 'gemv'}}
func.func @unknown_strategy() attributes {tdisp.lowering_config = #tdisp.lowering_config<gemv, workgroups = 1, tiles = [], register_tile = [], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{needs at least one workgroup, not 0}}
func.func @no_workgroups() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 0, tiles = [], register_tile = [], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{splits into 4 workgroups but tiles no loop}}
func.func @untiled_split() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 4, tiles = [0, 0], register_tile = [], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{splits a loop at run time (?) and another one too}}
func.func @two_run_time_splits() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 8, tiles = [?, ?], register_tile = [], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{splits a loop at run time (?) and another one too}}
func.func @run_time_and_static_split() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 8, tiles = [4, ?], register_tile = [], vector_bits = 512>} {
  return
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{run_time_grid names a dispatch constant the kernel does not read}}
    tdisp.export @k workgroup_count [0, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 1 {run_time_grid = array<i64: 32768, 8, 384, 1>}
  }
}

// -----

tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    // expected-error@+1 {{run_time_grid needs [I, W, S, c0, ...] and a workgroup count of 0 along x}}
    tdisp.export @k workgroup_count [4, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 1 {run_time_grid = array<i64: 32768, 8, 384, 0>}
  }
}

// -----

// expected-error@+1 {{has a negative tile size}}
func.func @negative_tile() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 2, tiles = [-8], register_tile = [], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{has a register tile, but loops have none}}
func.func @loops_register_tile() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 1, tiles = [], register_tile = [8, 32], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{has a register tile dim below 1}}
func.func @empty_register_tile() attributes {tdisp.lowering_config = #tdisp.lowering_config<sgemm, workgroups = 1, tiles = [], register_tile = [8, 0], vector_bits = 512>} {
  return
}

// -----

// expected-error@+1 {{vector_bits must be 128, 256 or 512, not 384}}
func.func @odd_vector_bits() attributes {tdisp.lowering_config = #tdisp.lowering_config<sgemm, workgroups = 1, tiles = [], register_tile = [8, 32], vector_bits = 384>} {
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %y: tensor<4x8xf32>) {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %r = tdisp.layer_norm ins(%x, %s, %s : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%y : tensor<4x8xf32>) axis(2) epsilon(1.0e-05) -> tensor<4x8xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<4x8xf32>, %s: tensor<4x8xf32>, %b: tensor<8xf32>, %y: tensor<4x8xf32>) {
  // expected-error@+1 {{scale and bias must have the normalized dims of the input, got 'tensor<4x8xf32>'}}
  %r = tdisp.layer_norm ins(%x, %s, %b : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) outs(%y : tensor<4x8xf32>) axis(1) epsilon(1.0e-05) -> tensor<4x8xf32>
  return
}

// -----

func.func @layer_norm_init(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %y: tensor<4x9xf32>) {
  // expected-error@+1 {{init 'tensor<4x9xf32>' does not have the input's shape and elements}}
  %r = tdisp.layer_norm ins(%x, %s, %s : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%y : tensor<4x9xf32>) axis(1) epsilon(1.0e-05) -> tensor<4x9xf32>
  return
}
