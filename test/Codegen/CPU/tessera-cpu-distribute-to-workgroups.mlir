// RUN: tessera-opt %s -split-input-file -tessera-cpu-distribute-to-workgroups=max-workgroups=8 -canonicalize | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
// The first parallel loop of size > 1 is split into at most 8 workgroups.
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: attributes {tessera.workgroup_count = 8 : i64}
// CHECK: scf.forall (%[[IV:.*]]) = (0) to (64) step (8) shared_outs
// CHECK: tensor.extract_slice %arg0[%[[IV]], 0] [8, 8] [1, 1]
// CHECK: linalg.generic
// CHECK: tensor.parallel_insert_slice
func.func @elementwise(%a: tensor<64x8xf32>) -> tensor<64x8xf32> {
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
// CHECK-SAME: tessera.workgroup_count = 3 : i64
// CHECK: scf.forall
// CHECK: linalg.fill
// CHECK: linalg.batch_matmul
// CHECK-NOT: linalg.batch_matmul
func.func @matmul_fused_fill(%a: tensor<1x3x4xf32>, %b: tensor<1x4x5xf32>) -> tensor<1x3x5xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x5xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<1x3x4xf32>, tensor<1x4x5xf32>) outs(%f : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  return %r : tensor<1x3x5xf32>
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
