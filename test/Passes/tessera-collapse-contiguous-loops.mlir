// RUN: tessera-opt %s -tessera-collapse-contiguous-loops -split-input-file | FileCheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// A workgroup's slice of an elementwise kernel over NCHW: channels and both image dims are contiguous
// in both operands and merge into one loop; the unit batch dim merges too.
// CHECK-LABEL: func.func @elementwise
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3]]
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]
func.func @elementwise(%x: memref<1x672x14x14xf32>, %y: memref<1x672x14x14xf32>, %wg: index) {
  %sx = memref.subview %x[0, %wg, 0, 0] [1, 336, 14, 14] [1, 1, 1, 1] : memref<1x672x14x14xf32> to memref<1x336x14x14xf32, strided<[131712, 196, 14, 1], offset: ?>>
  %sy = memref.subview %y[0, %wg, 0, 0] [1, 336, 14, 14] [1, 1, 1, 1] : memref<1x672x14x14xf32> to memref<1x336x14x14xf32, strided<[131712, 196, 14, 1], offset: ?>>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sx : memref<1x336x14x14xf32, strided<[131712, 196, 14, 1], offset: ?>>)
      outs(%sy : memref<1x336x14x14xf32, strided<[131712, 196, 14, 1], offset: ?>>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
// A per-channel bias keeps the channel loop apart; the image rows and columns still merge.
// CHECK-LABEL: func.func @bias
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
func.func @bias(%x: memref<1x8x14x14xf32>, %b: memref<8xf32>) {
  linalg.generic {indexing_maps = [#chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<8xf32>) outs(%x : memref<1x8x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// Copying into the interior of a padded image: the destination rows are not contiguous, nothing merges.
// CHECK-LABEL: func.func @padded_interior
// CHECK-NOT: collapse_shape
// CHECK: linalg.copy
func.func @padded_interior(%x: memref<14x14xf32>, %p: memref<16x16xf32>) {
  %interior = memref.subview %p[1, 1] [14, 14] [1, 1] : memref<16x16xf32> to memref<14x14xf32, strided<[16, 1], offset: 17>>
  linalg.copy ins(%x : memref<14x14xf32>) outs(%interior : memref<14x14xf32, strided<[16, 1], offset: 17>>)
  return
}

// -----

#diag = affine_map<(d0, d1) -> (d0, d1, d1)>
#out = affine_map<(d0, d1) -> (d0, d1)>
// A diagonal read indexes one loop twice: left alone.
// CHECK-LABEL: func.func @diagonal
// CHECK-NOT: collapse_shape
// CHECK: linalg.generic
func.func @diagonal(%x: memref<4x3x3xf32>, %y: memref<4x3xf32>) {
  linalg.generic {indexing_maps = [#diag, #out], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x3x3xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scale = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>
// A per-channel scale kept as 1xCx1x1 (squeeze-and-excitation) reads its unit dims with constant 0: they
// are folded away first (the scale becomes C elements read by channel), so the image rows and columns
// merge as with a bias, and the unit batch dim with the channels.
// CHECK-LABEL: func.func @broadcast_scale
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : memref<1x8x1x1xf32> into memref<1x8xf32>
// CHECK: memref.collapse_shape %{{.*}} : memref<1x8x7x7xf32> into memref<8x49xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-SAME: memref<8xf32>, memref<8x49xf32>
func.func @broadcast_scale(%s: memref<1x8x1x1xf32>, %x: memref<1x8x7x7xf32>, %y: memref<1x8x7x7xf32>) {
  linalg.generic {indexing_maps = [#scale, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %x : memref<1x8x1x1xf32>, memref<1x8x7x7xf32>) outs(%y : memref<1x8x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> (0, 0)>
// A 1x1 operand read at (0, 0) becomes a rank-0 one, and the loops merge.
// CHECK-LABEL: func.func @broadcast_scalar
// CHECK: memref.collapse_shape %{{.*}} [] : memref<1x1xf32> into memref<f32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]
func.func @broadcast_scalar(%s: memref<1x1xf32>, %x: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [#scalar, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : memref<1x1xf32>) outs(%x : memref<4x16xf32>) {
  ^bb0(%a: f32, %out: f32):
    %m = arith.mulf %a, %out : f32
    linalg.yield %m : f32
  }
  return
}
