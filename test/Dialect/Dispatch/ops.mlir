// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK: tdisp.executable @exe {
// CHECK:   tdisp.variant @cpu target("cpu") {
// CHECK:     func.func @exe(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    builtin.module {
      func.func @exe(%a: tensor<4xf32>) -> tensor<4xf32> {
        return %a : tensor<4xf32>
      }
    }
  }
}

// CHECK-LABEL: func.func @host
func.func @host(%a: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[R:.*]] = tdisp.region -> tensor<4xf32> {
  // CHECK:   tdisp.return %{{.*}} : tensor<4xf32>
  %r = tdisp.region -> tensor<4xf32> {
    tdisp.return %a : tensor<4xf32>
  }
  // CHECK: tdisp.dispatch @exe(%[[R]]) : (tensor<4xf32>) -> tensor<4xf32>
  %d = tdisp.dispatch @exe(%r) : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// A value error check round-trips (and, writing the kernel's error flag, is not dead code).
// CHECK-LABEL: func.func @error_if
// CHECK: tdisp.error_if %{{.*}}, index_out_of_range
func.func @error_if(%c: i1) {
  tdisp.error_if %c, index_out_of_range
  return
}

// The Winograd convolution on tensors (one result) and on buffers (none).
// CHECK-LABEL: func.func @winograd
// CHECK: %{{.*}} = tdisp.winograd_conv2d ins(%{{.*}}, %{{.*}} : tensor<1x16x8x8xf32>, tensor<36x32x16xf32>) outs(%{{.*}} : tensor<1x32x8x8xf32>) origin(%{{.*}}, %{{.*}}) -> tensor<1x32x8x8xf32>
// CHECK: tdisp.winograd_conv2d ins(%{{.*}}, %{{.*}} : memref<1x16x8x8xf32>, memref<36x32x16xf32>) outs(%{{.*}} : memref<1x32x8x8xf32>) origin(%{{.*}}, %{{.*}}){{$}}
func.func @winograd(%x: tensor<1x16x8x8xf32>, %u: tensor<36x32x16xf32>, %y: tensor<1x32x8x8xf32>,
                    %bx: memref<1x16x8x8xf32>, %bu: memref<36x32x16xf32>, %by: memref<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %m1 = arith.constant -1 : index
  %r = tdisp.winograd_conv2d ins(%x, %u : tensor<1x16x8x8xf32>, tensor<36x32x16xf32>) outs(%y : tensor<1x32x8x8xf32>) origin(%m1, %m1) -> tensor<1x32x8x8xf32>
  tdisp.winograd_conv2d ins(%bx, %bu : memref<1x16x8x8xf32>, memref<36x32x16xf32>) outs(%by : memref<1x32x8x8xf32>) origin(%m1, %m1)
  return %r : tensor<1x32x8x8xf32>
}

// The product with a packed right operand on tensors (one result) and on buffers (none).
// CHECK-LABEL: func.func @packed_matmul
// CHECK: %{{.*}} = tdisp.packed_matmul ins(%{{.*}}, %{{.*}} : tensor<1x64x256xf32>, tensor<8x256x32xf32>) outs(%{{.*}} : tensor<1x64x250xf32>) col(%{{.*}}) -> tensor<1x64x250xf32>
// CHECK: tdisp.packed_matmul ins(%{{.*}}, %{{.*}} : memref<64x256xf32>, memref<8x256x32xf32>) outs(%{{.*}} : memref<64x100xf32>) col(%{{.*}}){{$}}
func.func @packed_matmul(%x: tensor<1x64x256xf32>, %p: tensor<8x256x32xf32>, %y: tensor<1x64x250xf32>,
                         %bx: memref<64x256xf32>, %bp: memref<8x256x32xf32>, %by: memref<64x100xf32>) -> tensor<1x64x250xf32> {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %r = tdisp.packed_matmul ins(%x, %p : tensor<1x64x256xf32>, tensor<8x256x32xf32>) outs(%y : tensor<1x64x250xf32>) col(%c0) -> tensor<1x64x250xf32>
  tdisp.packed_matmul ins(%bx, %bp : memref<64x256xf32>, memref<8x256x32xf32>) outs(%by : memref<64x100xf32>) col(%c64)
  return %r : tensor<1x64x250xf32>
}

// An export's signature round-trips, with and without the per-binding lengths and scratch bytes.
// CHECK-LABEL: tdisp.executable @signed
// CHECK: tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] bytes [1024, 0] constants 1 scratch 4096{{$}}
// CHECK: tdisp.export @l workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [3] constants 0
tdisp.executable @signed {
  tdisp.variant @cpu target("cpu") {
    tdisp.export @k workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] bytes [1024, 0] constants 1 scratch 4096
    tdisp.export @l workgroup_count [1, 1, 1] workgroup_size [64, 1, 1] access [3] constants 0
  }
}

// A kernel's lowering configuration round-trips, empty lists included.
// CHECK-LABEL: func.func @configured
// CHECK-SAME: tdisp.lowering_config = #tdisp.lowering_config<conv2d, workgroups = 4, tiles = [0, 0, 7, 0], register_tile = [8, 32], vector_bits = 512>
// CHECK-LABEL: func.func @whole
// CHECK-SAME: tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 1, tiles = [], register_tile = [], vector_bits = 256>
// CHECK-LABEL: func.func @run_time_split
// CHECK-SAME: tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 8, tiles = [0, ?, 0], register_tile = [], vector_bits = 512>
func.func @configured() attributes {tdisp.lowering_config = #tdisp.lowering_config<conv2d, workgroups = 4, tiles = [0, 0, 7, 0], register_tile = [8, 32], vector_bits = 512>} {
  return
}
func.func @whole() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 1, tiles = [], register_tile = [], vector_bits = 256>} {
  return
}
func.func @run_time_split() attributes {tdisp.lowering_config = #tdisp.lowering_config<loops, workgroups = 8, tiles = [0, ?, 0], register_tile = [], vector_bits = 512>} {
  return
}

// A layer normalization over the last dim, with dynamic rows.
// CHECK-LABEL: func.func @layer_norm
// CHECK: tdisp.layer_norm ins(%arg0, %arg1, %arg2 : tensor<?x768xf32>, tensor<768xf32>, tensor<768xf32>) outs(%arg3 : tensor<?x768xf32>) axis(1) epsilon(9.99999974E-6) -> tensor<?x768xf32>
func.func @layer_norm(%x: tensor<?x768xf32>, %s: tensor<768xf32>, %b: tensor<768xf32>, %y: tensor<?x768xf32>) -> tensor<?x768xf32> {
  %r = tdisp.layer_norm ins(%x, %s, %b : tensor<?x768xf32>, tensor<768xf32>, tensor<768xf32>) outs(%y : tensor<?x768xf32>) axis(1) epsilon(1.0e-05) -> tensor<?x768xf32>
  return %r : tensor<?x768xf32>
}
