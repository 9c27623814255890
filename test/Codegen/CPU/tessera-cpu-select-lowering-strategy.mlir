// RUN: tessera-opt %s -split-input-file -tessera-cpu-select-lowering-strategy=max-workgroups=8 | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-select-lowering-strategy="max-workgroups=8 vector-bits=256" | FileCheck %s --check-prefix=AVX2
// RUN: tessera-opt %s -split-input-file -tessera-cpu-select-lowering-strategy="max-workgroups=8 ukernels=false" | FileCheck %s --check-prefix=NOUK

// A matrix product: the sgemm microkernel's 8x32 register tile, split along the columns in whole
// panels, one workgroup per 2 M multiply-adds (12.6 M: 6 of 128 columns). Without the microkernels
// (not x86-64): loops, split the same way.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: tdisp.lowering_config = #tdisp.lowering_config<sgemm, workgroups = 6, tiles = [0, 128, 0], register_tile = [8, 32], vector_bits = 512>
// AVX2-LABEL: func.func @matmul
// AVX2-SAME: #tdisp.lowering_config<sgemm, workgroups = 6, tiles = [0, 128, 0], register_tile = [8, 32], vector_bits = 256>
// NOUK-LABEL: func.func @matmul
// NOUK-SAME: #tdisp.lowering_config<loops, workgroups = 6, tiles = [0, 128, 0], register_tile = [], vector_bits = 512>
func.func @matmul(%a: tensor<64x256xf32>, %b: tensor<256x768xf32>) -> tensor<64x768xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x768xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x768xf32>) -> tensor<64x768xf32>
  %c = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x768xf32>) outs(%f : tensor<64x768xf32>) -> tensor<64x768xf32>
  return %c : tensor<64x768xf32>
}

// -----

// A product in f64 has no microkernel: loops.
// CHECK-LABEL: func.func @matmul_f64
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 1, tiles = [0, 0, 0], register_tile = [], vector_bits = 512>
func.func @matmul_f64(%a: tensor<8x16xf64>, %b: tensor<16x8xf64>, %c: tensor<8x8xf64>) -> tensor<8x8xf64> {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf64>, tensor<16x8xf64>) outs(%c : tensor<8x8xf64>) -> tensor<8x8xf64>
  return %r : tensor<8x8xf64>
}

// -----

// A network's stem (3 channels, 3x3, stride 2, rows of 56): the direct convolution, 12 filters x 32
// columns with AVX-512's 32 registers, 4 x 16 with AVX2's 16; row bands (8.1 M multiply-adds want 3
// workgroups, made 4 for an even count: bands of 14 rows).
// CHECK-LABEL: func.func @stem
// CHECK-SAME: #tdisp.lowering_config<conv2d_direct, workgroups = 4, tiles = [0, 0, 14, 0, 0, 0, 0], register_tile = [12, 32], vector_bits = 512>
// AVX2-LABEL: func.func @stem
// AVX2-SAME: #tdisp.lowering_config<conv2d_direct, workgroups = 4, tiles = [0, 0, 14, 0, 0, 0, 0], register_tile = [4, 16], vector_bits = 256>
func.func @stem(%x: tensor<1x3x113x113xf32>, %w: tensor<96x3x3x3xf32>) -> tensor<1x96x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x56x56xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x56x56xf32>) -> tensor<1x96x56x56xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x113x113xf32>, tensor<96x3x3x3xf32>) outs(%f : tensor<1x96x56x56xf32>) -> tensor<1x96x56x56xf32>
  return %c : tensor<1x96x56x56xf32>
}

// -----

// More channels: the implicit GEMM; a 1x1 convolution over 14x14 positions splits its 96 filters in two
// slices of whole 8-row tiles.
// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: #tdisp.lowering_config<conv2d, workgroups = 2, tiles = [0, 48, 0, 0, 0, 0, 0], register_tile = [8, 32], vector_bits = 512>
func.func @pointwise(%x: tensor<1x576x14x14xf32>, %w: tensor<96x576x1x1xf32>) -> tensor<1x96x14x14xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x14x14xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x576x14x14xf32>, tensor<96x576x1x1xf32>) outs(%f : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
  return %c : tensor<1x96x14x14xf32>
}

// -----

// A depthwise convolution under its bias: 16 channels in the vector lanes, split along the channels in
// whole groups.
// CHECK-LABEL: func.func @depthwise
// CHECK-SAME: #tdisp.lowering_config<depthwise_conv2d, workgroups = 4, tiles = [0, 16, 0, 0], register_tile = [16], vector_bits = 512>
func.func @depthwise(%x: tensor<1x64x30x30xf32>, %w: tensor<64x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x28x28xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64x28x28xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32>
  %d = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x30x30xf32>, tensor<64x3x3xf32>) outs(%f : tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (c)>,
                                        affine_map<(n, c, h, w) -> (n, c, h, w)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%d, %b : tensor<1x64x28x28xf32>, tensor<64xf32>) outs(%e : tensor<1x64x28x28xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x64x28x28xf32>
  return %r : tensor<1x64x28x28xf32>
}

// -----

// A channels-last depthwise convolution under its bias: the same microkernel and split, along its
// channel dim (the last one).
// CHECK-LABEL: func.func @depthwise_channels_last
// CHECK-SAME: #tdisp.lowering_config<depthwise_conv2d, workgroups = 4, tiles = [0, 0, 0, 16], register_tile = [16], vector_bits = 512>
func.func @depthwise_channels_last(%x: tensor<1x30x30x64xf32>, %w: tensor<3x3x64xf32>, %b: tensor<64xf32>) -> tensor<1x28x28x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x28x28x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x28x28x64xf32>) -> tensor<1x28x28x64xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x30x30x64xf32>, tensor<3x3x64xf32>) outs(%f : tensor<1x28x28x64xf32>) -> tensor<1x28x28x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (c)>,
                                        affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%d, %b : tensor<1x28x28x64xf32>, tensor<64xf32>) outs(%e : tensor<1x28x28x64xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x28x28x64xf32>
  return %r : tensor<1x28x28x64xf32>
}

// -----

// A max pool: its microkernel, too small to split.
// CHECK-LABEL: func.func @max_pool
// CHECK-SAME: #tdisp.lowering_config<max_pool, workgroups = 1, tiles = [0, 0, 0, 0, 0, 0], register_tile = [], vector_bits = 512>
func.func @max_pool(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x8x8x8xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : tensor<1x8x16x16xf32>, tensor<2x2xf32>) outs(%f : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %p : tensor<1x8x8x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// Elementwise work: loops, split along the first parallel loop (262144 iterations: 8 of 32768).
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 8, tiles = [512, 0], register_tile = [], vector_bits = 512>
func.func @elementwise(%a: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %e = tensor.empty() : tensor<4096x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4096x64xf32>) outs(%e : tensor<4096x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

// A packed product and a Winograd convolution: the sgemm tile (the Winograd products run on it).
// CHECK-LABEL: func.func @packed
// CHECK-SAME: #tdisp.lowering_config<sgemm_packed, workgroups = 1, tiles = [0, 0], register_tile = [8, 32], vector_bits = 512>
// CHECK-LABEL: func.func @winograd
// CHECK-SAME: #tdisp.lowering_config<winograd_f43, workgroups = 5, tiles = [0, 0, 12, 0], register_tile = [8, 32], vector_bits = 512>
func.func @packed(%x: tensor<8x64xf32>, %p: tensor<2x64x32xf32>) -> tensor<8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<8x64xf32>, tensor<2x64x32xf32>) outs(%init : tensor<8x64xf32>) col(%c0) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
func.func @winograd(%x: tensor<1x64x56x56xf32>, %u: tensor<36x32x64xf32>) -> tensor<1x32x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %m1 = arith.constant -1 : index
  %e = tensor.empty() : tensor<1x32x56x56xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
  %y = tdisp.winograd_conv2d ins(%x, %u : tensor<1x64x56x56xf32>, tensor<36x32x64xf32>) outs(%init : tensor<1x32x56x56xf32>) origin(%m1, %m1) -> tensor<1x32x56x56xf32>
  return %y : tensor<1x32x56x56xf32>
}

// -----

// A large product with packed weights (1024 x 1024 x 1024, 8 workgroups here): 8 slices of 128 columns
// would each read all 1024 rows of the input (8 x (1024 + 128) rows and columns read); a grid of 4
// bands of 256 rows by 2 slices of 512 columns reads 8 x (256 + 512). A product with few rows (a
// decoder's 64 tokens) keeps slices of columns.
// CHECK-LABEL: func.func @packed_grid
// CHECK-SAME: #tdisp.lowering_config<sgemm_packed, workgroups = 8, tiles = [256, 512], register_tile = [8, 32], vector_bits = 512>
// CHECK-LABEL: func.func @packed_few_rows
// CHECK-SAME: #tdisp.lowering_config<sgemm_packed, workgroups = 8, tiles = [0, 0, 96], register_tile = [8, 32], vector_bits = 512>
func.func @packed_grid(%x: tensor<1024x1024xf32>, %p: tensor<32x1024x32xf32>) -> tensor<1024x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<1024x1024xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<1024x1024xf32>, tensor<32x1024x32xf32>) outs(%init : tensor<1024x1024xf32>) col(%c0) -> tensor<1024x1024xf32>
  return %y : tensor<1024x1024xf32>
}
func.func @packed_few_rows(%x: tensor<1x64x768xf32>, %p: tensor<24x768x32xf32>) -> tensor<1x64x768xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<1x64x768xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x768xf32>) -> tensor<1x64x768xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<1x64x768xf32>, tensor<24x768x32xf32>) outs(%init : tensor<1x64x768xf32>) col(%c0) -> tensor<1x64x768xf32>
  return %y : tensor<1x64x768xf32>
}

// -----

// A configuration already there (chosen when dispatches formed, or by hand) is kept.
// CHECK-LABEL: func.func @kept
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 2, tiles = [2048, 0], register_tile = [], vector_bits = 256>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @kept(%a: tensor<4096x64xf32>) -> tensor<4096x64xf32> attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 2, tiles = [2048, 0], register_tile = [], vector_bits = 256>} {
  %e = tensor.empty() : tensor<4096x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4096x64xf32>) outs(%e : tensor<4096x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

// A softmax splits by whole rows like a generic (its softmax dim is a reduction loop), along its first
// parallel loop of more than one: 12 x 197 x 197 (466 K elements) wants 8 workgroups at most, taken
// as 6 of two heads each (even shares).
// CHECK-LABEL: func.func @softmax_rows
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 6, tiles = [0, 2, 0, 0], register_tile = [], vector_bits = 512>
func.func @softmax_rows(%x: tensor<1x12x197x197xf32>) -> tensor<1x12x197x197xf32> {
  %e = tensor.empty() : tensor<1x12x197x197xf32>
  %r = linalg.softmax dimension(3) ins(%x : tensor<1x12x197x197xf32>) outs(%e : tensor<1x12x197x197xf32>) -> tensor<1x12x197x197xf32>
  return %r : tensor<1x12x197x197xf32>
}

// -----

// A layer normalization splits by whole rows too (its normalized dims are reduction loops): 56 x 56
// rows of 96 (301 K elements) want 8 workgroups, along its first parallel loop of more than one.
// CHECK-LABEL: func.func @layer_norm_rows
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 8, tiles = [0, 7, 0, 0], register_tile = [], vector_bits = 512>
func.func @layer_norm_rows(%x: tensor<1x56x56x96xf32>, %s: tensor<96xf32>, %b: tensor<96xf32>) -> tensor<1x56x56x96xf32> {
  %e = tensor.empty() : tensor<1x56x56x96xf32>
  %r = tdisp.layer_norm ins(%x, %s, %b : tensor<1x56x56x96xf32>, tensor<96xf32>, tensor<96xf32>) outs(%e : tensor<1x56x56x96xf32>) axis(3) epsilon(1.0e-05) -> tensor<1x56x56x96xf32>
  return %r : tensor<1x56x56x96xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// Dims known only at run time count as 1 when sizing a split of static loops: a [batch, sequence, 384]
// kernel is not cut into 12-column slivers; its innermost loop of run-time size is split instead,
// into as many workgroups (at most 8) as its run-time dims are worth. One whose static dims alone hold
// 256 K iterations splits them.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 8, tiles = [0, ?, 0], register_tile = [], vector_bits = 512>
func.func @dynamic_rows(%a: tensor<?x?x384xf32>, %d0: index, %d1: index) -> tensor<?x?x384xf32> {
  %e = tensor.empty(%d0, %d1) : tensor<?x?x384xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<?x?x384xf32>) outs(%e : tensor<?x?x384xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<?x?x384xf32>
  return %r : tensor<?x?x384xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @dynamic_batch_large_rows
// CHECK-SAME: #tdisp.lowering_config<loops, workgroups = 8, tiles = [0, 512, 0], register_tile = [], vector_bits = 512>
func.func @dynamic_batch_large_rows(%a: tensor<?x4096x64xf32>, %d0: index) -> tensor<?x4096x64xf32> {
  %e = tensor.empty(%d0) : tensor<?x4096x64xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<?x4096x64xf32>) outs(%e : tensor<?x4096x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<?x4096x64xf32>
  return %r : tensor<?x4096x64xf32>
}
