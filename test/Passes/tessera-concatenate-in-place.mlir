// RUN: tessera-opt %s -split-input-file -tessera-concatenate-in-place | FileCheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// Two convolution-like results concatenated along the channels of a batch-1 NCHW tensor: each part is a
// contiguous, 64-byte aligned range written by a kernel nobody else reads, so both inserts are marked
// with their part's byte offset (the second starts after 4 channels of 4x4 floats).
// CHECK-LABEL: func.func @channels
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] {tessera.in_place = 0 : i64}
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 4, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] {tessera.in_place = 256 : i64}
func.func @channels(%x: tensor<1x4x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32> {
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x4x4xf32>) outs(%x : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x4x4x4xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x2x4x4xf32>) outs(%y : tensor<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x2x4x4xf32>
  %e = tensor.empty() : tensor<1x6x4x4xf32>
  %0 = tensor.insert_slice %a into %e[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x6x4x4xf32>
  %1 = tensor.insert_slice %b into %0[0, 4, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x4xf32> into tensor<1x6x4x4xf32>
  return %1 : tensor<1x6x4x4xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// Left to a kernel: parts that are not contiguous (batch 2: each image's channels are apart), a part
// that is a function argument, a part something else also reads, and a part whose range does not start
// on a 64-byte boundary (3 channels of 1x1: 12 bytes).
// CHECK-LABEL: func.func @unmarked
// CHECK-NOT: tessera.in_place
func.func @unmarked(%x: tensor<2x4x4x4xf32>, %y: tensor<1x4x4x4xf32>, %s: tensor<1x3x1x1xf32>)
    -> (tensor<2x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x6x1x1xf32>) {
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x4x4xf32>) outs(%x : tensor<2x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<2x4x4x4xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x4x4xf32>) outs(%x : tensor<2x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<2x4x4x4xf32>
  %e = tensor.empty() : tensor<2x8x4x4xf32>
  %0 = tensor.insert_slice %a into %e[0, 0, 0, 0] [2, 4, 4, 4] [1, 1, 1, 1] : tensor<2x4x4x4xf32> into tensor<2x8x4x4xf32>
  %1 = tensor.insert_slice %b into %0[0, 4, 0, 0] [2, 4, 4, 4] [1, 1, 1, 1] : tensor<2x4x4x4xf32> into tensor<2x8x4x4xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x4x4x4xf32>) outs(%y : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x4x4x4xf32>
  %e2 = tensor.empty() : tensor<1x8x4x4xf32>
  %2 = tensor.insert_slice %c into %e2[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %3 = tensor.insert_slice %y into %2[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %d = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x4x4x4xf32>) outs(%y : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x4x4x4xf32>
  %e4 = tensor.empty() : tensor<1x8x4x4xf32>
  %4 = tensor.insert_slice %d into %e4[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %5 = tensor.insert_slice %c into %4[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %f = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x3x1x1xf32>) outs(%s : tensor<1x3x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x3x1x1xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x3x1x1xf32>) outs(%s : tensor<1x3x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x3x1x1xf32>
  %e3 = tensor.empty() : tensor<1x6x1x1xf32>
  %6 = tensor.insert_slice %f into %e3[0, 0, 0, 0] [1, 3, 1, 1] [1, 1, 1, 1] : tensor<1x3x1x1xf32> into tensor<1x6x1x1xf32>
  %7 = tensor.insert_slice %g into %6[0, 3, 0, 0] [1, 3, 1, 1] [1, 1, 1, 1] : tensor<1x3x1x1xf32> into tensor<1x6x1x1xf32>
  return %1, %3, %5, %c, %7 : tensor<2x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x6x1x1xf32>
}
