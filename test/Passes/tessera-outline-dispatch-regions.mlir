// RUN: tessera-opt %s -tessera-outline-dispatch-regions | FileCheck %s

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
