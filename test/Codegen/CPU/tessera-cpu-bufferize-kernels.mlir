// RUN: tessera-opt %s -tessera-cpu-bufferize-kernels -cse -canonicalize | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
// Inputs, then outputs, then the workgroup id; the workgroup loop body runs at that id and writes
// straight into the output binding (no copy of the whole output).
// CHECK-LABEL: func.func @k(
// CHECK-SAME: %[[IN:.*]]: memref<64x8xf32>, %[[OUT:.*]]: memref<64x8xf32>, %[[WG:.*]]: index)
// CHECK-NOT: scf.forall
// CHECK: %[[OFF:.*]] = arith.muli %[[WG]], %c2
// CHECK: %[[SRC:.*]] = memref.subview %[[IN]][%[[OFF]], 0] [2, 8]
// CHECK: %[[DST:.*]] = memref.subview %[[OUT]][%[[OFF]], 0] [2, 8]
// CHECK: linalg.generic {{.*}} ins(%[[SRC]] {{.*}} outs(%[[DST]]
// CHECK-NOT: linalg.copy
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @k(%arg0: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %0 = tensor.empty() : tensor<64x8xf32>
  %2 = scf.forall (%i) = (0) to (64) step (2) shared_outs(%o = %0) -> (tensor<64x8xf32>) {
    %s = tensor.extract_slice %arg0[%i, 0] [2, 8] [1, 1] : tensor<64x8xf32> to tensor<2x8xf32>
    %d = tensor.extract_slice %o[%i, 0] [2, 8] [1, 1] : tensor<64x8xf32> to tensor<2x8xf32>
    %4 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<2x8xf32>) outs(%d : tensor<2x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %5 = arith.negf %in : f32
      linalg.yield %5 : f32
    } -> tensor<2x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %4 into %o[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<64x8xf32>
    }
  }
  return %2 : tensor<64x8xf32>
}

#id2 = affine_map<(d0, d1) -> (d0, d1)>
// A workgroup loop over rows and columns (4 x 2 workgroups) numbers them row-major: row band
// id / 2, column slice id % 2.
// CHECK-LABEL: func.func @grid(
// CHECK-SAME: %[[IN:.*]]: memref<64x8xf32>, %[[OUT:.*]]: memref<64x8xf32>, %[[WG:.*]]: index)
// CHECK-NOT: scf.forall
// CHECK-DAG: %[[COL:.*]] = arith.remui %[[WG]], %c2
// CHECK-DAG: %[[BAND:.*]] = arith.divui %[[WG]], %c2
// CHECK-DAG: %[[ROW:.*]] = arith.muli %[[BAND]], %c16
// CHECK-DAG: %[[J:.*]] = arith.muli %[[COL]], %c4
// CHECK: memref.subview %[[IN]][%[[ROW]], %[[J]]] [16, 4]
// CHECK: memref.subview %[[OUT]][%[[ROW]], %[[J]]] [16, 4]
func.func @grid(%arg0: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %0 = tensor.empty() : tensor<64x8xf32>
  %2 = scf.forall (%i, %j) = (0, 0) to (64, 8) step (16, 4) shared_outs(%o = %0) -> (tensor<64x8xf32>) {
    %s = tensor.extract_slice %arg0[%i, %j] [16, 4] [1, 1] : tensor<64x8xf32> to tensor<16x4xf32>
    %d = tensor.extract_slice %o[%i, %j] [16, 4] [1, 1] : tensor<64x8xf32> to tensor<16x4xf32>
    %4 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<16x4xf32>) outs(%d : tensor<16x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %5 = arith.negf %in : f32
      linalg.yield %5 : f32
    } -> tensor<16x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %4 into %o[%i, %j] [16, 4] [1, 1] : tensor<16x4xf32> into tensor<64x8xf32>
    }
  }
  return %2 : tensor<64x8xf32>
}

#id3 = affine_map<(d0, d1) -> (d0, d1)>
#tile = affine_map<(d0)[s0, s1] -> (s1, s0 - d0)>
// A workgroup loop of run-time size (its grid is computed by the host): the body runs only for a
// workgroup whose offset lies inside the loop, whatever grid the kernel is given.
// CHECK-LABEL: func.func @run_time_grid(
// CHECK-SAME: %[[IN:.*]]: memref<?x8xf32>, %[[STEP:.*]]: index, %[[OUT:.*]]: memref<?x8xf32>, %[[WG:.*]]: index)
// CHECK: %[[N:.*]] = memref.dim %[[IN]], %c0
// CHECK: %[[OFF:.*]] = arith.muli %[[WG]], %[[STEP]]
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult, %[[OFF]], %[[N]]
// CHECK: scf.if %[[INSIDE]] {
// CHECK:   linalg.generic
// CHECK: }
// CHECK: return
func.func @run_time_grid(%arg0: tensor<?x8xf32>, %step: index) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %arg0, %c0 : tensor<?x8xf32>
  %0 = tensor.empty(%n) : tensor<?x8xf32>
  %2 = scf.forall (%i) = (0) to (%n) step (%step) shared_outs(%o = %0) -> (tensor<?x8xf32>) {
    %size = affine.min #tile(%i)[%n, %step]
    %s = tensor.extract_slice %arg0[%i, 0] [%size, 8] [1, 1] : tensor<?x8xf32> to tensor<?x8xf32>
    %d = tensor.extract_slice %o[%i, 0] [%size, 8] [1, 1] : tensor<?x8xf32> to tensor<?x8xf32>
    %4 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<?x8xf32>) outs(%d : tensor<?x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %5 = arith.negf %in : f32
      linalg.yield %5 : f32
    } -> tensor<?x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %4 into %o[%i, 0] [%size, 8] [1, 1] : tensor<?x8xf32> into tensor<?x8xf32>
    }
  }
  return %2 : tensor<?x8xf32>
}
