// RUN: tessera-opt %s -tessera-decompose-aggregate-ops | FileCheck %s
// RUN: tessera-opt %s -tessera-decompose-aggregate-ops=chunk-rows=true | FileCheck %s --check-prefix=CHUNK

// The upstream decomposition: the row max, exp(x - max) written to the destination, the sum of the
// exponentials, and the division in place; each reads the per-row values through a map without the
// softmax dim.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[LNROWS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[NORMALIZED:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @softmax
// CHECK-NOT: linalg.softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0 : tensor<2x3x8xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%arg0, %[[MAX]] : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%arg1 : tensor<2x3x8xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<2x3x8xf32>)
// CHECK: arith.addf
// CHECK: %[[DIV:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%arg1 : tensor<2x3x8xf32>)
// CHECK: arith.divf
// CHECK: return %[[DIV]]
func.func @softmax(%x: tensor<2x3x8xf32>, %init: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = linalg.softmax dimension(2) ins(%x : tensor<2x3x8xf32>) outs(%init : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// A layer normalization over the last two dims: the sum of each row, the mean, the sum of squared
// deviations, 1 / sqrt(variance + epsilon), then the normalization with scale and bias read through
// the normalized dims. Rows are dims 0 and 1 of the iteration space.
// CHECK-LABEL: func.func @layer_norm
// CHECK-NOT: tdisp.layer_norm
// CHECK-DAG: %[[INV:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ALL]], #[[LNROWS]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<2x3x4x4xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x3xf32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: %[[SQUARES:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0, %[[MEAN]] : tensor<2x3x4x4xf32>, tensor<2x3xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQUARES]] : tensor<2x3xf32>)
// CHECK: arith.mulf %{{.*}}, %[[INV]]
// CHECK: arith.addf %{{.*}}, %[[EPS]]
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ALL]], #[[LNROWS]], #[[LNROWS]], #[[NORMALIZED]], #[[NORMALIZED]], #[[ALL]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %[[MEAN]], %[[RSTD]], %arg1, %arg2 : {{.*}}) outs(%arg3 : tensor<2x3x4x4xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<2x3x4x4xf32>, %scale: tensor<4x4xf32>, %bias: tensor<4x4xf32>,
                      %init: tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32> {
  %0 = tdisp.layer_norm ins(%x, %scale, %bias : tensor<2x3x4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>)
      outs(%init : tensor<2x3x4x4xf32>) axis(2) epsilon(1.0e-05) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// The chunks' row counts at the ends of the loops.
// CHUNK-DAG: #[[UPTO5:.*]] = affine_map<(d0) -> (-d0 + 8, 5)>
// CHUNK-DAG: #[[UPTO16:.*]] = affine_map<(d0)[s0] -> (-d0 + s0, 16)>

// With chunk-rows, an op is first cut into chunks of whole rows of about 16 KiB of input. 512 rows of
// 256 floats (1 KiB each): 16 rows per chunk, in a loop over the rows; each chunk is decomposed.
// CHUNK-LABEL: func.func @softmax_chunks
// CHUNK: %[[C16:.*]] = arith.constant 16 : index
// CHUNK: %[[LOOP:.*]] = scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %[[C16]] iter_args(%[[ACC:.*]] = %arg1)
// CHUNK: %[[X:.*]] = tensor.extract_slice %arg0[%[[ROW]], %{{.*}}] [16, 256] [1, 1]
// CHUNK: linalg.generic {{.*}} ins(%[[X]] : tensor<16x256xf32>)
// CHUNK: math.exp
// CHUNK: scf.yield
// CHUNK-NOT: linalg.softmax
// CHUNK: return %[[LOOP]]
func.func @softmax_chunks(%x: tensor<512x256xf32>, %init: tensor<512x256xf32>) -> tensor<512x256xf32> {
  %0 = linalg.softmax dimension(1) ins(%x : tensor<512x256xf32>) outs(%init : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %0 : tensor<512x256xf32>
}

// Rows that fit whole in a chunk are not cut (6 rows of 96 floats).
// CHUNK-LABEL: func.func @layer_norm_one_chunk
// CHUNK-NOT: scf.for
// CHUNK: linalg.generic
// CHUNK-NOT: tdisp.layer_norm
func.func @layer_norm_one_chunk(%x: tensor<2x3x96xf32>, %s: tensor<96xf32>, %b: tensor<96xf32>,
                                %init: tensor<2x3x96xf32>) -> tensor<2x3x96xf32> {
  %0 = tdisp.layer_norm ins(%x, %s, %b : tensor<2x3x96xf32>, tensor<96xf32>, tensor<96xf32>)
      outs(%init : tensor<2x3x96xf32>) axis(2) epsilon(1.0e-05) -> tensor<2x3x96xf32>
  return %0 : tensor<2x3x96xf32>
}

// The innermost row dim fits (8 rows of 768 floats: 24 KiB > 16 KiB, so it is cut to 5 rows) and the
// outer one goes one row at a time.
// CHUNK-LABEL: func.func @layer_norm_outer_rows
// CHUNK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHUNK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHUNK: scf.for %{{.*}} step %[[C1]]
// CHUNK: scf.for %[[ROW:.*]] = %{{.*}} step %[[C5]]
// CHUNK: %[[ROWS:.*]] = affine.min #[[UPTO5]](%[[ROW]])
// CHUNK: tensor.extract_slice %arg0{{.*}} [1, %[[ROWS]], 768]
func.func @layer_norm_outer_rows(%x: tensor<4x8x768xf32>, %s: tensor<768xf32>, %b: tensor<768xf32>,
                                 %init: tensor<4x8x768xf32>) -> tensor<4x8x768xf32> {
  %0 = tdisp.layer_norm ins(%x, %s, %b : tensor<4x8x768xf32>, tensor<768xf32>, tensor<768xf32>)
      outs(%init : tensor<4x8x768xf32>) axis(2) epsilon(1.0e-05) -> tensor<4x8x768xf32>
  return %0 : tensor<4x8x768xf32>
}

// Rows of run-time length count as 256 elements, and their number is cut all the same: the per-row
// temporaries are then bounded by the chunk (16 rows).
// CHUNK-LABEL: func.func @softmax_dynamic
// CHUNK: scf.for
// CHUNK: %[[ROWS:.*]] = affine.min #[[UPTO16]]
// CHUNK: tensor.empty(%[[ROWS]]) : tensor<?xf32>
func.func @softmax_dynamic(%x: tensor<?x?xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = linalg.softmax dimension(1) ins(%x : tensor<?x?xf32>) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
