// RUN: tessera-opt %s -split-input-file -tessera-cpu-lower-contractions-to-ukernels | FileCheck %s

// A zero fill followed by a matmul becomes one overwriting call; A and B are read through their
// strides (B is transposed: its k stride is its last, its n stride its first). The call's packing
// buffers are a workspace allocated around it (304 KiB, workspace.h), which
// tessera-cpu-place-temporaries-in-scratch later moves into the worker's scratch.
// CHECK: func.func private @tsr_ukernel_sgemm_f32(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, i32)
// CHECK-LABEL: func.func @k
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[PC:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK-DAG: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<311296xi8>
// CHECK-DAG: %[[PWS:.*]] = memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: call @tsr_ukernel_sgemm_f32(%[[C64]], %[[C512]], %[[C256]], %[[PA]], %{{.*}}, %[[SA:strides[_0-9]*]]#0, %[[SA]]#1, %[[PB]], %{{.*}}, %[[SB:strides[_0-9]*]]#1, %[[SB]]#0, %[[PC]], %{{.*}}, %[[SC:strides[_0-9]*]]#0, %[[PWS]], %[[ZERO]])
// CHECK-NEXT: memref.dealloc %[[WS]]
// CHECK-NOT: linalg.generic
func.func @k(%a: memref<64x256xf32>, %b: memref<512x256xf32>, %c: memref<64x512xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x512xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x256xf32>, memref<512x256xf32>) outs(%c : memref<64x512xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A batch dim of all three operands becomes a loop around the call; each operand's offset moves with it.
// Without a fill right before, the call accumulates into C.
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: scf.for %[[I:.*]] =
// CHECK:   call @tsr_ukernel_sgemm_f32({{.*}}, %[[ONE]])
func.func @batched(%a: memref<3x8x16xf32>, %b: memref<3x16x32xf32>, %c: memref<3x8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<3x8x16xf32>, memref<3x16x32xf32>) outs(%c : memref<3x8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Attention's activations times a weight, [seq, batch, d] x [d, n], with both dims known at run time: the
// microkernel's rows are the longer of the batch loop and m, chosen when the kernel runs (the selects
// swap extents and row strides), so a batch of 2 does not make 2-row calls.
// CHECK-LABEL: func.func @rows_from_the_longer_dim
// CHECK-DAG: %[[S:.*]] = memref.dim %arg0, %c0
// CHECK-DAG: %[[BT:.*]] = memref.dim %arg0, %c1
// CHECK: %[[SWAP:.*]] = arith.cmpi ugt, %[[S]], %[[BT]]
// CHECK-DAG: %[[M:.*]] = arith.select %[[SWAP]], %[[S]], %[[BT]]
// CHECK-DAG: %[[TRIPS:.*]] = arith.select %[[SWAP]], %[[BT]], %[[S]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[TRIPS]]
// CHECK: call @tsr_ukernel_sgemm_f32(%[[M]],
func.func @rows_from_the_longer_dim(%a: memref<?x?x16xf32>, %b: memref<16x32xf32>, %c: memref<?x?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(s, m, n, k) -> (s, m, k)>, affine_map<(s, m, n, k) -> (k, n)>, affine_map<(s, m, n, k) -> (s, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x?x16xf32>, memref<16x32xf32>) outs(%c : memref<?x?x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Other element types stay on the loop path.
// CHECK-LABEL: func.func @integer
// CHECK: linalg.matmul
// CHECK-NOT: call
func.func @integer(%a: memref<4x4xi32>, %b: memref<4x4xi32>, %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %b : memref<4x4xi32>, memref<4x4xi32>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// Image rows and columns of a 1x1 product over an NHWC tensor are contiguous with the m rows: one call
// with m = 7 * 7 instead of a loop of 7-row products.
// CHECK-LABEL: func.func @nhwc_rows
// CHECK-DAG: %[[C49:.*]] = arith.constant 49 : index
// CHECK-NOT: scf.for
// CHECK: call @tsr_ukernel_sgemm_f32(%[[C49]],
func.func @nhwc_rows(%a: memref<1x7x7x64xf32>, %b: memref<64x32xf32>, %c: memref<1x7x7x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, h, w, f, k) -> (n, h, w, k)>, affine_map<(n, h, w, f, k) -> (k, f)>, affine_map<(n, h, w, f, k) -> (n, h, w, f)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<1x7x7x64xf32>, memref<64x32xf32>) outs(%c : memref<1x7x7x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A depthwise convolution reading a window of a zero-padded copy made in the kernel reads the image
// itself: the call gets the image's extent (4x4) and where the window starts in it (row %r - 1, column
// -1), and the allocation, fill and copy are gone. The channel-blocked path's buffers are a workspace
// allocated around the call (180 KiB, workspace.h), its address the argument before the last.
// CHECK-LABEL: func.func @padded_depthwise
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x2x6x6xf32>
// CHECK-NOT: linalg.copy
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<184320xi8>
// CHECK: %[[WSP:.*]] = memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: %[[ROW:.*]] = arith.subi %{{.*}}, %c1
// CHECK: call @tsr_ukernel_depthwise_conv2d_nchw_f32({{.*}}, %c4{{.*}}, %c4{{.*}}, %[[ROW]], %c-1,{{.*}}, %[[WSP]], %c1_i32)
// CHECK: memref.dealloc %[[WS]]
// CHECK-NOT: memref.dealloc
func.func @padded_depthwise(%x: memref<1x2x4x4xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x4xf32>, %wg: index) {
  %zero = arith.constant 0.0 : f32
  %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x2x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%alloc : memref<1x2x6x6xf32>)
  %interior = memref.subview %alloc[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<1x2x4x4xf32>) outs(%interior : memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>)
  %window = memref.subview %alloc[0, 0, %wg, 0] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x6xf32, strided<[72, 36, 6, 1], offset: ?>>
  %out = memref.subview %y[0, 0, %wg, 0] [1, 2, 2, 4] [1, 1, 1, 1] : memref<1x2x4x4xf32> to memref<1x2x2x4xf32, strided<[32, 16, 4, 1], offset: ?>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%window, %w : memref<1x2x4x6xf32, strided<[72, 36, 6, 1], offset: ?>>, memref<2x3x3xf32>)
      outs(%out : memref<1x2x2x4xf32, strided<[32, 16, 4, 1], offset: ?>>)
  memref.dealloc %alloc : memref<1x2x6x6xf32>
  return
}

// -----

// The same channels-last: rows and columns are dims 1 and 2 (the image is 4x4, the window starts at row
// %r - 1 and column -1), channels dim 3, read in place; 26 index arguments (the workspace's address
// last) and the accumulate flag.
// CHECK-LABEL: func.func @padded_depthwise_channels_last
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x6x6x2xf32>
// CHECK-NOT: linalg.copy
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<184320xi8>
// CHECK: %[[WSP:.*]] = memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: %[[ROW:.*]] = arith.subi %{{.*}}, %c1
// CHECK: call @tsr_ukernel_depthwise_conv2d_nhwc_f32(%c2{{.*}}, %c3{{.*}}, %c3{{.*}}, %c2{{.*}}, %c4{{.*}}, %c1{{.*}}, %c1{{.*}}, %c1{{.*}}, %c1{{.*}}, {{.*}}, %c4{{.*}}, %c4{{.*}}, %[[ROW]], %c-1{{.*}}, %[[WSP]], %c1_i32)
func.func @padded_depthwise_channels_last(%x: memref<1x4x4x2xf32>, %w: memref<3x3x2xf32>, %y: memref<1x4x4x2xf32>, %wg: index) {
  %zero = arith.constant 0.0 : f32
  %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x6x6x2xf32>
  linalg.fill ins(%zero : f32) outs(%alloc : memref<1x6x6x2xf32>)
  %interior = memref.subview %alloc[0, 1, 1, 0] [1, 4, 4, 2] [1, 1, 1, 1] : memref<1x6x6x2xf32> to memref<1x4x4x2xf32, strided<[72, 12, 2, 1], offset: 14>>
  linalg.copy ins(%x : memref<1x4x4x2xf32>) outs(%interior : memref<1x4x4x2xf32, strided<[72, 12, 2, 1], offset: 14>>)
  %window = memref.subview %alloc[0, %wg, 0, 0] [1, 4, 6, 2] [1, 1, 1, 1] : memref<1x6x6x2xf32> to memref<1x4x6x2xf32, strided<[72, 12, 2, 1], offset: ?>>
  %out = memref.subview %y[0, %wg, 0, 0] [1, 2, 4, 2] [1, 1, 1, 1] : memref<1x4x4x2xf32> to memref<1x2x4x2xf32, strided<[32, 8, 2, 1], offset: ?>>
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%window, %w : memref<1x4x6x2xf32, strided<[72, 12, 2, 1], offset: ?>>, memref<3x3x2xf32>)
      outs(%out : memref<1x2x4x2xf32, strided<[32, 8, 2, 1], offset: ?>>)
  memref.dealloc %alloc : memref<1x6x6x2xf32>
  return
}

// -----

// A max pool whose output was filled with -inf right before: the microkernel overwrites it (accumulate
// 0); the window operand's buffer, which only carried the window's shape, is gone.
// CHECK-LABEL: func.func @max_pool
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.alloc
// CHECK: call @tsr_ukernel_max_pool2d_nchw_f32(%c8{{.*}}, %c3{{.*}}, %c3{{.*}}, %c4{{.*}}, %c4{{.*}}, %c2{{.*}}, %c2{{.*}}, %c1{{.*}}, %c1{{.*}}, {{.*}}, %c0_i32)
// CHECK-NOT: linalg.pooling_nchw_max
// CHECK-NOT: memref.dealloc
func.func @max_pool(%x: memref<1x8x9x9xf32>, %y: memref<1x8x4x4xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %window = memref.alloc() : memref<3x3xf32>
  linalg.fill ins(%ninf : f32) outs(%y : memref<1x8x4x4xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : memref<1x8x9x9xf32>, memref<3x3xf32>) outs(%y : memref<1x8x4x4xf32>)
  memref.dealloc %window : memref<3x3xf32>
  return
}

// -----

// A Winograd convolution over a slice of filters and rows: a loop over images around its microkernel,
// with the window origin, the filter slice's tap and filter strides and the output's filter and row
// strides; the zero fill before it becomes an overwrite.
// CHECK: func.func private @tsr_ukernel_conv2d_winograd_f43_nchw_f32(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, i32)
// CHECK-LABEL: func.func @winograd
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C56:.*]] = arith.constant 56 : index
// CHECK-DAG: %[[PX:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[PU:.*]] = memref.extract_aligned_pointer_as_index %[[U:.*]] :
// CHECK: call @tsr_ukernel_conv2d_winograd_f43_nchw_f32(%[[C32]], %[[C64]], %[[C12]], %[[C56]], %[[PX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c56{{(_[0-9]+)?}}, %c56{{(_[0-9]+)?}}, %arg3, %arg4, %[[PU]], %{{.*}}, %[[SU:strides[_0-9]*]]#0, %[[SU]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]])
// CHECK-NOT: tdisp.winograd_conv2d
func.func @winograd(%x: memref<1x64x56x56xf32>, %u: memref<36x64x64xf32>, %y: memref<1x64x56x56xf32>, %row: index, %col: index) {
  %zero = arith.constant 0.0 : f32
  %us = memref.subview %u[0, 32, 0] [36, 32, 64] [1, 1, 1] : memref<36x64x64xf32> to memref<36x32x64xf32, strided<[4096, 64, 1], offset: 2048>>
  %ys = memref.subview %y[0, 32, 12, 0] [1, 32, 12, 56] [1, 1, 1, 1] : memref<1x64x56x56xf32> to memref<1x32x12x56xf32, strided<[200704, 3136, 56, 1], offset: 101024>>
  linalg.fill ins(%zero : f32) outs(%ys : memref<1x32x12x56xf32, strided<[200704, 3136, 56, 1], offset: 101024>>)
  tdisp.winograd_conv2d ins(%x, %us : memref<1x64x56x56xf32>, memref<36x32x64xf32, strided<[4096, 64, 1], offset: 2048>>)
      outs(%ys : memref<1x32x12x56xf32, strided<[200704, 3136, 56, 1], offset: 101024>>) origin(%row, %col)
  return
}

// -----

// A product with a packed right operand over a column tile of a [2, 64, N] result whose leading dim is
// contiguous with its rows: one call over 128 rows, reading the whole packed operand (panel width 32)
// from column %col, K from the input; the zero fill before it becomes an overwrite.
// CHECK: func.func private @tsr_ukernel_sgemm_packed_f32(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, i32)
// CHECK-LABEL: func.func @packed
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C96:.*]] = arith.constant 96 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[PX:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[PP:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: call @tsr_ukernel_sgemm_packed_f32(%[[C128]], %[[C96]], %[[C256]], %[[PX]], %{{.*}}, %{{.*}}, %{{.*}}, %[[PP]], %{{.*}}, %[[C32]], %arg3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]])
// CHECK-NOT: scf.for
// CHECK-NOT: tdisp.packed_matmul
func.func @packed(%x: memref<2x64x256xf32>, %p: memref<20x256x32xf32>, %y: memref<2x64x640xf32>, %col: index) {
  %zero = arith.constant 0.0 : f32
  %ys = memref.subview %y[0, 0, 64] [2, 64, 96] [1, 1, 1] : memref<2x64x640xf32> to memref<2x64x96xf32, strided<[40960, 640, 1], offset: 64>>
  linalg.fill ins(%zero : f32) outs(%ys : memref<2x64x96xf32, strided<[40960, 640, 1], offset: 64>>)
  tdisp.packed_matmul ins(%x, %p : memref<2x64x256xf32>, memref<20x256x32xf32>)
      outs(%ys : memref<2x64x96xf32, strided<[40960, 640, 1], offset: 64>>) col(%col)
  return
}

// -----

// Leading dims that do not fold into the rows (the result's batch stride is not rows x row stride): a
// loop over them around the call, which accumulates (no fill before it).
// CHECK-LABEL: func.func @packed_batches
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: scf.for
// CHECK: call @tsr_ukernel_sgemm_packed_f32({{.*}}, %[[ONE]])
func.func @packed_batches(%x: memref<3x8x64xf32>, %p: memref<2x64x32xf32>, %y: memref<3x8x40xf32, strided<[1000, 80, 1]>>, %col: index) {
  tdisp.packed_matmul ins(%x, %p : memref<3x8x64xf32>, memref<2x64x32xf32>) outs(%y : memref<3x8x40xf32, strided<[1000, 80, 1]>>) col(%col)
  return
}

// -----

// The kernel's lowering configuration decides: conv2d_direct sets the convolution call's direct flag
// (bit 1 of its last argument, next to bit 0, accumulate); conv2d leaves it clear; a kernel configured
// for loops keeps its convolution.
// CHECK-LABEL: func.func @direct
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<573440xi8>
// CHECK: %[[PWS:.*]] = memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: %[[FLAGS:.*]] = arith.constant 2 : i32
// CHECK: call @tsr_ukernel_conv2d_nchw_f32({{.*}}, %[[PWS]], %[[FLAGS]])
// CHECK: memref.dealloc %[[WS]]
// CHECK-LABEL: func.func @implicit_gemm
// CHECK: %[[FLAGS:.*]] = arith.constant 0 : i32
// CHECK: call @tsr_ukernel_conv2d_nchw_f32({{.*}}, %[[FLAGS]])
// CHECK-LABEL: func.func @loops
// CHECK-NOT: call
// CHECK: linalg.conv_2d_nchw_fchw
func.func @direct(%x: memref<1x3x34x34xf32>, %w: memref<16x3x3x3xf32>, %y: memref<1x16x16x16xf32>) attributes {tdisp.lowering_config = #tdisp.lowering_config<conv2d_direct, workgroups = 1, tiles = [], register_tile = [12, 32], vector_bits = 512>} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<1x16x16x16xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x3x34x34xf32>, memref<16x3x3x3xf32>) outs(%y : memref<1x16x16x16xf32>)
  return
}
func.func @implicit_gemm(%x: memref<1x3x34x34xf32>, %w: memref<16x3x3x3xf32>, %y: memref<1x16x16x16xf32>) attributes {tdisp.lowering_config = #tdisp.lowering_config<conv2d, workgroups = 1, tiles = [], register_tile = [8, 32], vector_bits = 512>} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<1x16x16x16xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x3x34x34xf32>, memref<16x3x3x3xf32>) outs(%y : memref<1x16x16x16xf32>)
  return
}
func.func @loops(%x: memref<1x3x34x34xf32>, %w: memref<16x3x3x3xf32>, %y: memref<1x16x16x16xf32>) attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 1, tiles = [], register_tile = [], vector_bits = 512>} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<1x16x16x16xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x3x34x34xf32>, memref<16x3x3x3xf32>) outs(%y : memref<1x16x16x16xf32>)
  return
}
