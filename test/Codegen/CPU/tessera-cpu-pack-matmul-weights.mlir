// RUN: tessera-opt %s -split-input-file -tessera-cpu-pack-matmul-weights | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-pack-matmul-weights="panel-width=2 min-columns=2" | FileCheck %s --check-prefix=NARROW

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#bt = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// A product with a constant [K, N] weight and one with the same weight read transposed ([N, K] as
// Gemm's transB stores it): each gets its panels, [ceil(N / 32), K, 32], and becomes a
// tdisp.packed_matmul starting at column 0 with the init it had; the old weight goes.
// CHECK-LABEL: module
// CHECK-NOT: tgraph.global @w :
// CHECK-DAG: tgraph.global @w_packed : tensor<3x48x32xf32> = dense_resource<w_packed>
// CHECK-DAG: tgraph.global @w_packed_0 : tensor<2x80x32xf32> = dense_resource<w_packed{{.*}}>
// CHECK-NOT: tgraph.global @w :
// CHECK: func.func @products(%[[X:.*]]: tensor<8x48xf32>, %[[X2:.*]]: tensor<8x80xf32>)
// CHECK-DAG: %[[P:.*]] = tgraph.global_load @w_packed : tensor<3x48x32xf32>
// CHECK-DAG: %[[FILL:.*]] = linalg.fill
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[Y:.*]] = tdisp.packed_matmul ins(%[[X]], %[[P]] : tensor<8x48xf32>, tensor<3x48x32xf32>) outs(%[[FILL]] : tensor<8x80xf32>) col(%[[C0]]) -> tensor<8x80xf32>
// CHECK: %[[PT:.*]] = tgraph.global_load @w_packed_0 : tensor<2x80x32xf32>
// CHECK: %[[Z:.*]] = tdisp.packed_matmul ins(%[[X2]], %[[PT]] : tensor<8x80xf32>, tensor<2x80x32xf32>) outs(%{{.*}} : tensor<8x48xf32>) col(%{{.*}}) -> tensor<8x48xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]], %[[Z]]
module {
  tgraph.global @w : tensor<48x80xf32> = dense<1.0> : tensor<48x80xf32>
  func.func @products(%x: tensor<8x48xf32>, %x2: tensor<8x80xf32>) -> (tensor<8x80xf32>, tensor<8x48xf32>) {
    %zero = arith.constant 0.0 : f32
    %w = tgraph.global_load @w : tensor<48x80xf32>
    %e = tensor.empty() : tensor<8x80xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x80xf32>) -> tensor<8x80xf32>
    %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w : tensor<8x48xf32>, tensor<48x80xf32>) outs(%init : tensor<8x80xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x80xf32>
    %e2 = tensor.empty() : tensor<8x48xf32>
    %init2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x48xf32>) -> tensor<8x48xf32>
    %z = linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x2, %w : tensor<8x80xf32>, tensor<48x80xf32>) outs(%init2 : tensor<8x48xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x48xf32>
    return %y, %z : tensor<8x80xf32>, tensor<8x48xf32>
  }
}

// -----

// The panel layout itself, with 2-column panels: B = [[1, 2, 3], [4, 5, 6]] (K 2, N 3) becomes panel 0
// = [[1, 2], [4, 5]] and panel 1 = [[3, 0], [6, 0]] (zero past the last column); as little-endian f32
// after the blob's 4-byte alignment prefix. The rows of a [1, 4, 2] input stay in its leading dims.
// NARROW-LABEL: module
// NARROW: tdisp.packed_matmul ins(%{{.*}}, %{{.*}} : tensor<1x4x2xf32>, tensor<2x2x2xf32>) outs(%{{.*}} : tensor<1x4x3xf32>)
// NARROW: w3_packed: "0x04000000{{(0000803F00000040)(000080400000A040)(0000404000000000)(0000C04000000000)}}"
#a3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#b3 = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#c3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
module {
  tgraph.global @w3 : tensor<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  func.func @layout(%x: tensor<1x4x2xf32>, %init: tensor<1x4x3xf32>) -> tensor<1x4x3xf32> {
    %w = tgraph.global_load @w3 : tensor<2x3xf32>
    %y = linalg.generic {indexing_maps = [#a3, #b3, #c3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%x, %w : tensor<1x4x2xf32>, tensor<2x3xf32>) outs(%init : tensor<1x4x3xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<1x4x3xf32>
    return %y : tensor<1x4x3xf32>
  }
}

// -----

// Left alone: a weight narrower than a panel, a run-time B, and a B that is not the right operand's
// [K, N] or [N, K].
// CHECK-LABEL: func.func @unmatched
// CHECK-NOT: packed
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
module {
  tgraph.global @narrow : tensor<16x8xf32> = dense<1.0> : tensor<16x8xf32>
  func.func @unmatched(%x: tensor<8x16xf32>, %b: tensor<16x64xf32>, %i8: tensor<8x8xf32>, %i64: tensor<8x64xf32>)
      -> (tensor<8x8xf32>, tensor<8x64xf32>) {
    %n = tgraph.global_load @narrow : tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %n : tensor<8x16xf32>, tensor<16x8xf32>) outs(%i8 : tensor<8x8xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    %z = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %b : tensor<8x16xf32>, tensor<16x64xf32>) outs(%i64 : tensor<8x64xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x64xf32>
    return %y, %z : tensor<8x8xf32>, tensor<8x64xf32>
  }
}

// -----

// The lhs reads the result's leading dims in another order, but only a unit dim moves (torch's
// [seq, 1, features] activations times an in-projection give [1, seq, ...]): the same bytes, so a
// collapse/expand pair lines the lhs up and the product is packed.
// CHECK-LABEL: module
// CHECK: func.func @unit_dims_moved(%[[X:.*]]: tensor<4x1x16xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<4x1x16xf32> into tensor<4x16xf32>
// CHECK: %[[LINED:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
// CHECK: tdisp.packed_matmul ins(%[[LINED]], %{{.*}} : tensor<1x4x16xf32>, tensor<2x16x32xf32>) outs(%{{.*}} : tensor<1x4x64xf32>)
#b3 = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#c3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#p = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
module {
  tgraph.global @wide : tensor<16x64xf32> = dense<1.0> : tensor<16x64xf32>
  func.func @unit_dims_moved(%xt: tensor<4x1x16xf32>, %i3: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
    %w = tgraph.global_load @wide : tensor<16x64xf32>
    %t = linalg.generic {indexing_maps = [#p, #b3, #c3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%xt, %w : tensor<4x1x16xf32>, tensor<16x64xf32>) outs(%i3 : tensor<1x4x64xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<1x4x64xf32>
    return %t : tensor<1x4x64xf32>
  }
}

// -----

// The lhs reads the result's leading dims in another order and more than unit dims move (a batch and a
// sequence of run-time size, [sequence, batch, features] read as [batch, sequence, ...]): a transpose
// copies it into the result's order first (m x k copies against m x k x n multiply-adds), and the
// product is packed.
// CHECK-LABEL: func.func @leading_dims_permuted(
// CHECK-SAME: %[[X:.*]]: tensor<?x?x16xf32>
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[INIT:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x16xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<?x?x16xf32>) outs(%[[INIT]] : tensor<?x?x16xf32>) permutation = [1, 0, 2]
// CHECK: tdisp.packed_matmul ins(%[[T]], %{{.*}} : tensor<?x?x16xf32>, tensor<2x16x32xf32>)
#b4 = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#c4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#p4 = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
module {
  tgraph.global @wide : tensor<16x64xf32> = dense<1.0> : tensor<16x64xf32>
  func.func @leading_dims_permuted(%xt: tensor<?x?x16xf32>, %init: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
    %w = tgraph.global_load @wide : tensor<16x64xf32>
    %t = linalg.generic {indexing_maps = [#p4, #b4, #c4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%xt, %w : tensor<?x?x16xf32>, tensor<16x64xf32>) outs(%init : tensor<?x?x64xf32>) {
    ^bb0(%l: f32, %r: f32, %o: f32):
      %m = arith.mulf %l, %r : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<?x?x64xf32>
    return %t : tensor<?x?x64xf32>
  }
}
