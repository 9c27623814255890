// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-cpu-select-lowering-strategy=max-workgroups=8 -tessera-cpu-distribute-to-workgroups -canonicalize | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
// The first parallel loop of size > 1 is split into at most 8 workgroups (262144 iterations: 8 of
// 32768).
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%[[IV:.*]]) = (0) to (4096) step (512) shared_outs
// CHECK: tensor.extract_slice %arg0[%[[IV]], 0] [512, 64] [1, 1]
// CHECK: linalg.generic
// CHECK: tensor.parallel_insert_slice
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

#id = affine_map<(d0, d1) -> (d0, d1)>
// Too few iterations to pay for waking another thread: one workgroup, run inline.
// CHECK-LABEL: func.func @small_elementwise
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-NOT: scf.forall
func.func @small_elementwise(%a: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %e = tensor.empty() : tensor<64x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<64x8xf32>) outs(%e : tensor<64x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<64x8xf32>
  return %r : tensor<64x8xf32>
}

// -----

// Producers are fused into the workgroup loop; a unit batch dim is skipped.
// CHECK-LABEL: func.func @matmul_fused_fill
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall
// CHECK: linalg.fill
// CHECK: linalg.batch_matmul
// CHECK-NOT: linalg.batch_matmul
func.func @matmul_fused_fill(%a: tensor<1x256x64xf32>, %b: tensor<1x64x48xf32>) -> tensor<1x256x48xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256x48xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x256x48xf32>) -> tensor<1x256x48xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<1x256x64xf32>, tensor<1x64x48xf32>) outs(%f : tensor<1x256x48xf32>) -> tensor<1x256x48xf32>
  return %r : tensor<1x256x48xf32>
}

// -----

// Nothing to split: one workgroup.
// CHECK-LABEL: func.func @scalar
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-NOT: scf.forall
func.func @scalar(%a: tensor<f32>) -> tensor<f32> {
  %e = tensor.empty() : tensor<f32>
  %r = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%a : tensor<f32>) outs(%e : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// A 1x1 convolution over 14x14 positions: row bands would hold fewer than two 32-wide panels, so the
// 96 filters split in two slices of whole 8-row tiles (10.8 M multiply-adds: about five workgroups'
// worth, but no slice under 64 filters packs the image again for too few rows).
// CHECK-LABEL: func.func @conv_few_positions
// CHECK-SAME: tessera.workgroup_count = 2 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (96) step (48)
func.func @conv_few_positions(%x: tensor<1x576x14x14xf32>, %w: tensor<96x576x1x1xf32>) -> tensor<1x96x14x14xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x14x14xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x576x14x14xf32>, tensor<96x576x1x1xf32>) outs(%f : tensor<1x96x14x14xf32>) -> tensor<1x96x14x14xf32>
  return %c : tensor<1x96x14x14xf32>
}

// -----

// A large image: row bands, one per 2 M multiply-adds (19.3 M in all), at most 8 here.
// CHECK-LABEL: func.func @conv_rows
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (112) step (14)
func.func @conv_rows(%x: tensor<1x16x112x112xf32>, %w: tensor<96x16x1x1xf32>) -> tensor<1x96x112x112xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x112x112xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x112x112xf32>) -> tensor<1x96x112x112xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x112x112xf32>, tensor<96x16x1x1xf32>) outs(%f : tensor<1x96x112x112xf32>) -> tensor<1x96x112x112xf32>
  return %c : tensor<1x96x112x112xf32>
}

// -----

// Too little work to share: one workgroup.
// CHECK-LABEL: func.func @conv_small
// CHECK-SAME: tessera.workgroup_count = 1 : i64
func.func @conv_small(%x: tensor<1x8x10x10xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf32>, tensor<8x8x3x3xf32>) outs(%f : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}

// -----

// A matmul splits along its columns in whole panels, one workgroup per 2 M multiply-adds (12.6 M).
// CHECK-LABEL: func.func @matmul_by_work
// CHECK-SAME: tessera.workgroup_count = 6 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (768) step (128)
func.func @matmul_by_work(%a: tensor<64x256xf32>, %b: tensor<256x768xf32>) -> tensor<64x768xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x768xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x768xf32>) -> tensor<64x768xf32>
  %c = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x768xf32>) outs(%f : tensor<64x768xf32>) -> tensor<64x768xf32>
  return %c : tensor<64x768xf32>
}

// -----

// Without a product, the heaviest op sets the count: the depthwise convolution (451 K iterations) feeding
// a 50 K-element bias add, split along channels in whole groups of 16 (the microkernel's vector lanes).
// CHECK-LABEL: func.func @depthwise_then_bias
// CHECK-SAME: tessera.workgroup_count = 4 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (16)
func.func @depthwise_then_bias(%x: tensor<1x64x30x30xf32>, %w: tensor<64x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x28x28xf32> {
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

// One group of 16 channels: split along the output rows instead, in bands of at least 4 rows (56 / 4 =
// 14 wanted, capped at 8 and made even: 8 bands of 7).
// CHECK-LABEL: func.func @depthwise_rows
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (56) step (7)
func.func @depthwise_rows(%x: tensor<1x16x58x58xf32>, %w: tensor<16x3x3xf32>) -> tensor<1x16x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x56x56xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x56x56xf32>) -> tensor<1x16x56x56xf32>
  %d = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x58x58xf32>, tensor<16x3x3xf32>) outs(%f : tensor<1x16x56x56xf32>) -> tensor<1x16x56x56xf32>
  return %d : tensor<1x16x56x56xf32>
}

// -----

// A matrix-vector product has 1 M multiply-adds (too few for a second workgroup) but streams 4 MiB of
// weights: one workgroup per 512 KiB of operands.
// CHECK-LABEL: func.func @matvec_by_bytes
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (1024) step (128)
func.func @matvec_by_bytes(%a: tensor<1x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1024xf32>) -> tensor<1x1024xf32>
  %c = linalg.matmul ins(%a, %b : tensor<1x1024xf32>, tensor<1024x1024xf32>) outs(%f : tensor<1x1024xf32>) -> tensor<1x1024xf32>
  return %c : tensor<1x1024xf32>
}

// -----

// 7.2 M multiply-adds want 3 workgroups; 3 bands of rows on 2 threads take as long as 4, so it makes 4
// (rows 7 at a time).
// CHECK-LABEL: func.func @conv_even_count
// CHECK-SAME: tessera.workgroup_count = 4 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (28) step (7)
func.func @conv_even_count(%x: tensor<1x32x30x30xf32>, %w: tensor<32x32x3x3xf32>) -> tensor<1x32x28x28xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x28x28xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x30x30xf32>, tensor<32x32x3x3xf32>) outs(%f : tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32>
  return %c : tensor<1x32x28x28xf32>
}

// -----

// Few positions (7x7) and 512 filters: split by filters, one slice per 256 (each slice packs the whole
// im2col matrix, so slices stay large).
// CHECK-LABEL: func.func @conv_filter_slices
// CHECK-SAME: tessera.workgroup_count = 2 : i64
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (256)
func.func @conv_filter_slices(%x: tensor<1x512x9x9xf32>, %w: tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x512x7x7xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x512x9x9xf32>, tensor<512x512x3x3xf32>) outs(%f : tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  return %c : tensor<1x512x7x7xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// A Winograd convolution under its epilogue splits by filters, in slices of whole register tiles that
// keep at least 32 filters (each slice transforms the whole input): 64 filters, two slices of 32. The
// convolution is fused into each slice, with its filter slice.
// CHECK-LABEL: func.func @winograd_by_filters
// CHECK-SAME: tessera.workgroup_count = 2 : i64
// CHECK: scf.forall (%[[F:.*]]) = (0) to (64) step (32)
// CHECK: tensor.extract_slice %arg1[0, %[[F]], 0] [36, 32, 64] [1, 1, 1]
// CHECK: tdisp.winograd_conv2d {{.*}} -> tensor<1x32x56x56xf32>
// CHECK: linalg.generic
func.func @winograd_by_filters(%x: tensor<1x64x56x56xf32>, %u: tensor<36x64x64xf32>) -> tensor<1x64x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %m1 = arith.constant -1 : index
  %e = tensor.empty() : tensor<1x64x56x56xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %y = tdisp.winograd_conv2d ins(%x, %u : tensor<1x64x56x56xf32>, tensor<36x64x64xf32>) outs(%init : tensor<1x64x56x56xf32>) origin(%m1, %m1) -> tensor<1x64x56x56xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<1x64x56x56xf32>) outs(%e : tensor<1x64x56x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}

// -----

// Too few filters for two slices: bands of whole 4x4 tile rows (14.4 M multiply-adds are worth about 6
// workgroups: 12-row bands, the last 8 rows), each band's windows starting at its first row.
// CHECK-LABEL: func.func @winograd_by_rows
// CHECK-SAME: tessera.workgroup_count = 5 : i64
// CHECK: scf.forall (%[[R:.*]]) = (0) to (56) step (12)
// CHECK: %[[ROW:.*]] = arith.addi %[[R]], %c-1 : index
// CHECK: tdisp.winograd_conv2d {{.*}} origin(%[[ROW]], %c-1) -> tensor<1x32x?x56xf32>
func.func @winograd_by_rows(%x: tensor<1x64x56x56xf32>, %u: tensor<36x32x64xf32>) -> tensor<1x32x56x56xf32> {
  %zero = arith.constant 0.0 : f32
  %m1 = arith.constant -1 : index
  %e = tensor.empty() : tensor<1x32x56x56xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
  %y = tdisp.winograd_conv2d ins(%x, %u : tensor<1x64x56x56xf32>, tensor<36x32x64xf32>) outs(%init : tensor<1x32x56x56xf32>) origin(%m1, %m1) -> tensor<1x32x56x56xf32>
  return %y : tensor<1x32x56x56xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row3 = affine_map<(d0, d1, d2) -> (d2)>
// A product with packed weights under its bias epilogue splits along the columns in whole 32-column
// panels (a language-model head: 64 rows by 50257 columns, 8 workgroups of 6304 columns); each tile
// reads all its rows of the input and the whole packed weight, its columns starting at `col`.
// CHECK-LABEL: func.func @packed_by_columns
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%[[J:.*]]) = (0) to (50257) step (6304)
// CHECK: tdisp.packed_matmul ins(%{{.*}}, %arg1 : tensor<1x64x256xf32>, tensor<1571x256x32xf32>) outs(%{{.*}} : tensor<1x64x?xf32>) col(%[[J]])
// CHECK: linalg.generic
func.func @packed_by_columns(%x: tensor<1x64x256xf32>, %p: tensor<1571x256x32xf32>, %bias: tensor<50257xf32>) -> tensor<1x64x50257xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<1x64x50257xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64x50257xf32>) -> tensor<1x64x50257xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<1x64x256xf32>, tensor<1571x256x32xf32>) outs(%init : tensor<1x64x50257xf32>) col(%c0) -> tensor<1x64x50257xf32>
  %r = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%y, %bias : tensor<1x64x50257xf32>, tensor<50257xf32>) outs(%e : tensor<1x64x50257xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x64x50257xf32>
  return %r : tensor<1x64x50257xf32>
}

// -----

// Fewer than two panels of columns: bands of whole 8-row register tiles (197 rows with 6.5 M
// multiply-adds, three workgroups' worth, made four for an even count: 56-row bands; the input's rows
// follow the band). Too little work for two workgroups: the kernel stays whole.
// CHECK-LABEL: func.func @packed_by_rows
// CHECK-SAME: tessera.workgroup_count = 4 : i64
// CHECK: scf.forall (%[[I:.*]]) = (0) to (197) step (56)
// CHECK: tensor.extract_slice %arg0[%[[I]], 0]
// CHECK: tdisp.packed_matmul {{.*}} col(%c0)
// CHECK-LABEL: func.func @packed_whole
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-NOT: scf.forall
func.func @packed_by_rows(%x: tensor<197x1024xf32>, %p: tensor<1x1024x32xf32>) -> tensor<197x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<197x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<197x32xf32>) -> tensor<197x32xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<197x1024xf32>, tensor<1x1024x32xf32>) outs(%init : tensor<197x32xf32>) col(%c0) -> tensor<197x32xf32>
  return %y : tensor<197x32xf32>
}
func.func @packed_whole(%x: tensor<8x64xf32>, %p: tensor<2x64x32xf32>) -> tensor<8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<8x64xf32>, tensor<2x64x32xf32>) outs(%init : tensor<8x64xf32>) col(%c0) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// A grid of row bands by column slices: one 2-D workgroup loop; each tile reads its band of the input
// and starts its columns at `col`.
// CHECK-LABEL: func.func @packed_grid
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (1024, 1024) step (256, 512)
// CHECK: tensor.extract_slice %arg0[%[[I]], 0] [256, 1024]
// CHECK: tdisp.packed_matmul {{.*}} col(%[[J]]) -> tensor<256x512xf32>
func.func @packed_grid(%x: tensor<1024x1024xf32>, %p: tensor<32x1024x32xf32>) -> tensor<1024x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<1024x1024xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %y = tdisp.packed_matmul ins(%x, %p : tensor<1024x1024xf32>, tensor<32x1024x32xf32>) outs(%init : tensor<1024x1024xf32>) col(%c0) -> tensor<1024x1024xf32>
  return %y : tensor<1024x1024xf32>
}

// -----

// A padding kernel splits as a tensor.pad along its first unpadded dim of more than one element (the
// channels: 64 x 58 x 58 elements, 6 workgroups of 11 channels), each workgroup padding its channels'
// slice of the input. A pad too small for two workgroups stays whole.
// CHECK-LABEL: func.func @pad_by_channels
// CHECK-SAME: tessera.workgroup_count = 6 : i64
// CHECK: scf.forall (%[[C:.*]]) = (0) to (64) step (11)
// CHECK: tensor.extract_slice %arg0[0, %[[C]], 0, 0]
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.parallel_insert_slice
// CHECK-LABEL: func.func @small_pad
// CHECK-SAME: tessera.workgroup_count = 1 : i64
// CHECK-NOT: scf.forall
func.func @pad_by_channels(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x58x58xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<1x64x56x56xf32> to tensor<1x64x58x58xf32>
  return %p : tensor<1x64x58x58xf32>
}
func.func @small_pad(%x: tensor<1x8x6x6xf32>) -> tensor<1x8x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  return %p : tensor<1x8x8x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// A configuration that does not fit the kernel (edited by hand, or stale) is an error, not a guess.
func.func @tiles_per_loop(%a: tensor<4096x64xf32>) -> tensor<4096x64xf32> attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 2, tiles = [2048], register_tile = [], vector_bits = 512>} {
  %e = tensor.empty() : tensor<4096x64xf32>
  // expected-error@+1 {{has 2 loops but its kernel's lowering configuration tiles 1}}
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4096x64xf32>) outs(%e : tensor<4096x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @workgroup_count(%a: tensor<4096x64xf32>) -> tensor<4096x64xf32> attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 3, tiles = [2048, 0], register_tile = [], vector_bits = 512>} {
  %e = tensor.empty() : tensor<4096x64xf32>
  // expected-error@+1 {{is tiled into 2 workgroups, but its lowering configuration says 3}}
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4096x64xf32>) outs(%e : tensor<4096x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

#idx = affine_map<(d0, d1, d2) -> (d0, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// A gather's body may fail (an index out of range), so the untiled op is not dead code to the
// canonicalizer: distribution erases it, or every workgroup would compute the whole result again.
// CHECK-LABEL: func.func @gather_that_may_fail
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: tdisp.error_if
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gather_that_may_fail(%ids: tensor<1x16xi64>, %table: tensor<64x4096xf32>) -> tensor<1x16x4096xf32> {
  %c64 = arith.constant 64 : index
  %e = tensor.empty() : tensor<1x16x4096xf32>
  %r = linalg.generic {indexing_maps = [#idx, #out], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids : tensor<1x16xi64>) outs(%e : tensor<1x16x4096xf32>) {
  ^bb0(%in: i64, %o: f32):
    %i = arith.index_cast %in : i64 to index
    %bad = arith.cmpi uge, %i, %c64 : index
    tdisp.error_if %bad, index_out_of_range
    %j = linalg.index 2 : index
    %v = tensor.extract %table[%i, %j] : tensor<64x4096xf32>
    linalg.yield %v : f32
  } -> tensor<1x16x4096xf32>
  return %r : tensor<1x16x4096xf32>
}

// -----

// A softmax is split by whole rows: each workgroup runs the softmax of its own two heads.
// CHECK-LABEL: func.func @softmax_rows
// CHECK-SAME: tessera.workgroup_count = 6 : i64
// CHECK: scf.forall (%[[IV:.*]]) = (0) to (12) step (2) shared_outs
// CHECK: %[[IN:.*]] = tensor.extract_slice %arg0[0, %[[IV]], 0, 0] [1, 2, 197, 197] [1, 1, 1, 1]
// CHECK: linalg.softmax dimension(3) ins(%[[IN]] : tensor<1x2x197x197xf32>)
// CHECK: tensor.parallel_insert_slice
func.func @softmax_rows(%x: tensor<1x12x197x197xf32>) -> tensor<1x12x197x197xf32> {
  %e = tensor.empty() : tensor<1x12x197x197xf32>
  %r = linalg.softmax dimension(3) ins(%x : tensor<1x12x197x197xf32>) outs(%e : tensor<1x12x197x197xf32>) -> tensor<1x12x197x197xf32>
  return %r : tensor<1x12x197x197xf32>
}

// -----

// A layer normalization is split by whole rows: each workgroup normalizes 7 of the 56 image rows, all
// 96 channels of each position (its tiles never cut the normalized dims).
// CHECK-LABEL: func.func @layer_norm_rows
// CHECK-SAME: tessera.workgroup_count = 8 : i64
// CHECK: scf.forall (%[[IV:.*]]) = (0) to (56) step (7) shared_outs
// CHECK: %[[IN:.*]] = tensor.extract_slice %arg0[0, %[[IV]], 0, 0] [1, 7, 56, 96] [1, 1, 1, 1]
// CHECK: tdisp.layer_norm ins(%[[IN]], %arg1, %arg2 : tensor<1x7x56x96xf32>, tensor<96xf32>, tensor<96xf32>)
// CHECK: tensor.parallel_insert_slice
func.func @layer_norm_rows(%x: tensor<1x56x56x96xf32>, %s: tensor<96xf32>, %b: tensor<96xf32>) -> tensor<1x56x56x96xf32> {
  %e = tensor.empty() : tensor<1x56x56x96xf32>
  %r = tdisp.layer_norm ins(%x, %s, %b : tensor<1x56x56x96xf32>, tensor<96xf32>, tensor<96xf32>) outs(%e : tensor<1x56x56x96xf32>) axis(3) epsilon(1.0e-05) -> tensor<1x56x56x96xf32>
  return %r : tensor<1x56x56x96xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// A loop of run-time size split at run time: the kernel computes its tile from its dims (work 384 x
// batch x sequence in workgroups of at least 32768 iterations, at most 8), records how the host
// computes the same grid from dispatch constants 1 (sequence) and 0 (batch), and has no static count.
// CHECK-LABEL: func.func @run_time_split
// CHECK-SAME: tessera.run_time_grid = array<i64: 32768, 8, 384, 1, 0>
// CHECK-SAME: tessera.workgroup_count = 0 : i64
// CHECK: %[[WORK:.*]] = arith.muli %{{.*}}, %c384
// CHECK: %[[WANT:.*]] = arith.ceildivui %[[WORK]], %c32768
// CHECK: %[[LO:.*]] = arith.maxui %[[WANT]], %c1
// CHECK: %[[W:.*]] = arith.minui %[[LO]], %c8
// CHECK: %[[TILE:.*]] = arith.ceildivui %{{.*}}, %[[W]]
// CHECK: %[[STEP:.*]] = arith.maxui %[[TILE]], %c1
// CHECK: scf.forall (%[[IV:.*]]) = (0) to (%{{.*}}) step (%[[STEP]]) shared_outs
// CHECK: linalg.generic
// CHECK: tensor.parallel_insert_slice
func.func @run_time_split(%a: tensor<?x?x384xf32>) -> tensor<?x?x384xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %a, %c0 : tensor<?x?x384xf32>
  %d1 = tensor.dim %a, %c1 : tensor<?x?x384xf32>
  %e = tensor.empty(%d0, %d1) : tensor<?x?x384xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<?x?x384xf32>) outs(%e : tensor<?x?x384xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<?x?x384xf32>
  return %r : tensor<?x?x384xf32>
}
