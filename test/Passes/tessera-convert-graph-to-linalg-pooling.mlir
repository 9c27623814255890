// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg | FileCheck %s

// 3-D max pooling: one generic over 5 output and 3 window dims.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func.func @max_pool_3d
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.maximumf
func.func @max_pool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32> {
  %0 = tgraph.pool max %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, original_end_pads = array<i64: 0, 0, 0>} : tensor<1x1x4x4x4xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

// Unsigned max pooling pads with 0 (the smallest value) and compares unsigned.
// CHECK-LABEL: func.func @max_pool_u8
// CHECK: tensor.pad
// CHECK: arith.constant 0 : i8
// CHECK: linalg.generic
// CHECK: arith.maxui
func.func @max_pool_u8(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x4x4xui8> {
  %0 = tgraph.pool max %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>, original_end_pads = array<i64: 1, 1>} : tensor<1x1x4x4xui8>
  return %0 : tensor<1x1x4x4xui8>
}

// -----

// Values and flat input positions come from one generic with two results.
// CHECK-LABEL: func.func @max_pool_indices
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @max_pool_indices(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %v, %i = tgraph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64} : tensor<1x1x4x4xf32>
  return %v, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}

// -----

// A global average pool is a sum over the spatial dims (a reduction, not a pooling window) divided by
// the count known at compile time, then reshaped to Nx C x1x1.
// CHECK-LABEL: func.func @global_average_pool
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x3xf32>)
// CHECK: arith.divf %{{.*}}, %cst
// CHECK: tensor.expand_shape %[[MEAN]] {{\[\[}}0], [1, 2, 3]]
// CHECK-NOT: pooling
func.func @global_average_pool(%x: tensor<2x3x7x7xf32>) -> tensor<2x3x1x1xf32> {
  %0 = tgraph.pool avg %x {kernel_shape = array<i64: 7, 7>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, original_end_pads = array<i64: 0, 0>} : tensor<2x3x7x7xf32>
  return %0 : tensor<2x3x1x1xf32>
}

// -----

// An average pool whose windows count different numbers of elements (padding not counted, a ceil-mode
// extension never): the counts are a constant per output position, not a second pool at run time.
// CHECK-LABEL: func.func @average_pool_counts
// CHECK: linalg.pooling_nchw_sum
// CHECK-NOT: linalg.pooling_nchw_sum
// CHECK: arith.constant dense<{{\[\[}}4.000000e+00, 2.000000e+00], [2.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK: arith.divf
func.func @average_pool_counts(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  %0 = tgraph.pool avg %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>, original_end_pads = array<i64: 0, 0>} : tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x2x2xf32>
}
