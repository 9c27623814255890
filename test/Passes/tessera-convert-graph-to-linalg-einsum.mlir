// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg | FileCheck %s

// bij,bjk->bik: loop dims b, i, j, k; j is summed.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @batch_matmul(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = tgraph.einsum %a, %b {operand_dims = [array<i64: 0, 1, 2>, array<i64: 0, 2, 3>], output_dims = array<i64: 0, 1, 3>} : tensor<5x2x3xf32>, tensor<5x3x4xf32>
  return %0 : tensor<5x2x4xf32>
}

// -----

// A label repeated in one operand reads its diagonal.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d0, d1, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @batch_diagonal
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addi
func.func @batch_diagonal(%x: tensor<3x5x5xi64>) -> tensor<3x5xi64> {
  %0 = tgraph.einsum %x {operand_dims = [array<i64: 0, 1, 1>], output_dims = array<i64: 0, 1>} : tensor<3x5x5xi64>
  return %0 : tensor<3x5xi64>
}
