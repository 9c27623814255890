// RUN: tessera-opt %s -split-input-file -tessera-vulkan-equal-dims | FileCheck %s

// An elementwise op whose result takes the input's run-time dim: the result's dim (constant 1) is the
// input's (constant 0); the scalar (constant 2) is no dim.
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: tessera.equal_dims = array<i64: 0, 0, 2>
func.func @elementwise(%a: tensor<?x4xf32>, %n: index) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]} ins(%a : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// A product whose result is sized by another input (the token ids a dynamic model carries its dims in):
// constants 0, 1 are the ids' dims, 2, 3 the lhs's [m, k], 4 the rhs's k, 5 the result's m. The m loop ties
// the lhs's and the result's m to the ids' dim 0, the k loop the rhs's k to the lhs's.
// CHECK-LABEL: func.func @product
// CHECK-SAME: tessera.equal_dims = array<i64: 0, 1, 0, 3, 3, 0>
func.func @product(%ids: tensor<?x?xi64>, %a: tensor<?x?xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %ids, %c0 : tensor<?x?xi64>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x8xf32>) outs(%f : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Static kernels have no constants and get no attribute.
// CHECK-LABEL: func.func @static
// CHECK-NOT: tessera.equal_dims
func.func @static(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
