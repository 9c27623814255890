// RUN: tessera-opt %s -split-input-file -tessera-outline-dispatch-regions=targets=cpu | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-outline-dispatch-regions=targets=cpu -mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// Captured values become arguments; the region becomes a dispatch of an executable with a cpu variant.
// CHECK: tdisp.executable @dispatch_0_matmul {
// CHECK:   tdisp.variant @cpu target("cpu") {
// CHECK:     func.func @dispatch_0_matmul(%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK:       linalg.matmul ins(%[[A]], %[[B]]
// CHECK-LABEL: func.func @f
// CHECK: %[[D:.*]] = tdisp.dispatch @dispatch_0_matmul(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK: return %[[D]]
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %r = tdisp.region -> tensor<2x4xf32> {
    %cst = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
    tdisp.return %mm : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}

// -----

// Dynamic result dims are computed on the host from the kernel's own shape logic.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4xf32>
// CHECK: tdisp.dispatch @dispatch_0_generic(%arg0) dims(%[[N]]) : (tensor<?x4xf32>) -> tensor<?x4xf32>
func.func @dynamic(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = tdisp.region -> tensor<?x4xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %a, %c0 : tensor<?x4xf32>
    %e = tensor.empty(%n) : tensor<?x4xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %x = arith.negf %in : f32
      linalg.yield %x : f32
    } -> tensor<?x4xf32>
    tdisp.return %g : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}

// -----

// The dispatch is located at every node its region computes, in program order (fills name none), so
// the artifact can name them.
// LOC-LABEL: func.func @named
// LOC: tdisp.dispatch @dispatch_0_matmul(%arg0, %arg1) {{.*}} loc(#[[FUSED:loc[0-9]+]])
// LOC: #[[MM:loc[0-9]+]] = loc("/mm/MatMul")
// LOC-NEXT: #[[ACT:loc[0-9]+]] = loc("/act/Relu")
// LOC: #[[FUSED]] = loc(fused[#[[MM]], #[[ACT]]])
func.func @named(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %r = tdisp.region -> tensor<2x4xf32> {
    %cst = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32> loc("/fill/Elsewhere")
    %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32> loc("/mm/MatMul")
    %relu = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                            iterator_types = ["parallel", "parallel"]}
        ins(%mm : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %cst : f32
      linalg.yield %m : f32
    } -> tensor<2x4xf32> loc("/act/Relu")
    tdisp.return %relu : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}
