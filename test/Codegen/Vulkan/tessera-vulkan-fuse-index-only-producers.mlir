// RUN: tessera-opt %s -split-input-file -tessera-vulkan-fuse-index-only-producers | FileCheck %s

// A lowered pad (a generic without inputs reading its source at a clamped index) feeding a 1-D
// convolution: the convolution computes the padded element it reads at (o + k) itself, and the padded
// tensor is gone.
// CHECK-LABEL: func.func @padded_conv
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1 : tensor<3xf32>)
// CHECK: ^bb0(%[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[O:.*]] = linalg.index 0
// CHECK: %[[K:.*]] = linalg.index 1
// CHECK: %[[AT:.*]] = affine.apply #{{.*}}(%[[O]], %[[K]])
// CHECK: arith.subi %[[AT]], %c1
// CHECK: %[[X:.*]] = tensor.extract %arg0
// CHECK: %[[V:.*]] = arith.select %{{.*}}, %[[X]], %cst
// CHECK: arith.mulf %[[V]], %[[W]]
// CHECK-NOT: linalg.generic
#id = affine_map<(d0) -> (d0)>
#image = affine_map<(o, k) -> (o + k)>
#filter = affine_map<(o, k) -> (k)>
#out = affine_map<(o, k) -> (o)>
func.func @padded_conv(%x: tensor<4xf32>, %w: tensor<3xf32>) -> tensor<4xf32> {
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %empty = tensor.empty() : tensor<6xf32>
  %padded = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]} outs(%empty : tensor<6xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %src = arith.subi %i, %c1 : index
    %ge = arith.cmpi sge, %src, %c0 : index
    %lt = arith.cmpi slt, %src, %c4 : index
    %in = arith.andi %ge, %lt : i1
    %lo = arith.maxsi %src, %c0 : index
    %at = arith.minsi %lo, %c3 : index
    %e = tensor.extract %x[%at] : tensor<4xf32>
    %v = arith.select %in, %e, %cst : f32
    linalg.yield %v : f32
  } -> tensor<6xf32>
  %init = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#image, #filter, #out], iterator_types = ["parallel", "reduction"]}
      ins(%padded, %w : tensor<6xf32>, tensor<3xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A producer with inputs (an elementwise op) is not index-only: left to elementwise fusion.
// CHECK-LABEL: func.func @elementwise_producer
// CHECK-COUNT-2: linalg.generic
#map = affine_map<(d0) -> (d0)>
func.func @elementwise_producer(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %b : tensor<4xf32>
}
