// RUN: tessera-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tessera-form-dispatch-regions))' | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
// A root op and its elementwise consumers form one region; fills and empties are cloned in.
// CHECK-LABEL: func.func @matmul_relu
// CHECK: %[[R:.*]] = tdisp.region -> tensor<2x4xf32> {
// CHECK:   linalg.fill
// CHECK:   %[[MM:.*]] = linalg.matmul
// CHECK:   %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[MM]]
// CHECK:   tdisp.return %[[RELU]]
// CHECK: }
// CHECK-NOT: tdisp.region
// CHECK: return %[[R]]
func.func @matmul_relu(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<2x4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

#id = affine_map<(d0) -> (d0)>
// A producer with two users keeps its own region: each consumer starts a new one.
// CHECK-LABEL: func.func @shared_producer
// CHECK-COUNT-3: tdisp.region
func.func @shared_producer(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.sqrt %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %y, %z : tensor<4xf32>, tensor<4xf32>
}

// -----

// Reshapes stay on the host between regions.
// CHECK-LABEL: func.func @reshape_between
// CHECK: tdisp.region
// CHECK: tensor.collapse_shape
// CHECK-NOT: tdisp.return
// CHECK: return
func.func @reshape_between(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> tensor<4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %c = tensor.collapse_shape %mm [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  return %c : tensor<4xf32>
}
