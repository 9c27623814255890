// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s

// The exporter's Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain folds to a plain reshape.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: tgraph.shape
// CHECK-NOT: tgraph.gather
// CHECK-NOT: tgraph.unsqueeze
// CHECK-NOT: tgraph.concat
// CHECK: %[[R:.*]] = tgraph.reshape %arg0 {sizes = array<i64: 2, 12>} : tensor<2x3x4xf32>
// CHECK: return %[[R]]
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %s = tgraph.shape %x {start = 0, end = 3} : tensor<2x3x4xf32>
  %i = tgraph.constant dense<0> : tensor<i64>
  %d = tgraph.gather %s, %i {axis = 0} : tensor<3xi64>, tensor<i64>
  %u = tgraph.unsqueeze %d {axes = array<i64: 0>} : tensor<i64>
  %m = tgraph.constant dense<-1> : tensor<1xi64>
  %c = tgraph.concat %u, %m {axis = 0} : tensor<1xi64>, tensor<1xi64>
  %r = tgraph.reshape %x shape %c {sizes = array<i64: 2, 12>} : tensor<2x3x4xf32>, tensor<2xi64>
  return %r : tensor<2x12xf32>
}

// -----

// With dynamic batch and sequence dims, the dims a Gather reads from a Shape that are static still fold
// (what torch writes to split attention heads); a dynamic one stays a run-time value.
// CHECK-LABEL: func.func @static_dim_of_dynamic_shape
// CHECK-DAG: %[[D:.*]] = tgraph.constant dense<384> : tensor<i64>
// CHECK-DAG: %[[S:.*]] = tgraph.shape %arg0
// CHECK-DAG: %[[B:.*]] = tgraph.gather %[[S]]
// CHECK: return %[[D]], %[[B]]
func.func @static_dim_of_dynamic_shape(%x: tensor<?x?x384xf32>) -> (tensor<i64>, tensor<i64>) {
  %s = tgraph.shape %x {start = 0, end = 3} : tensor<?x?x384xf32>
  %last = tgraph.constant dense<-1> : tensor<i64>
  %first = tgraph.constant dense<0> : tensor<i64>
  %d = tgraph.gather %s, %last {axis = 0} : tensor<3xi64>, tensor<i64>
  %b = tgraph.gather %s, %first {axis = 0} : tensor<3xi64>, tensor<i64>
  return %d, %b : tensor<i64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @identity
// CHECK-NEXT: return %arg0
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tgraph.identity %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @constant_reshape
// CHECK: %[[C:.*]] = tgraph.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
// CHECK: return %[[C]]
func.func @constant_reshape() -> tensor<2x2xi64> {
  %c = tgraph.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %r = tgraph.reshape %c {sizes = array<i64: 2, 2>} : tensor<4xi64>
  return %r : tensor<2x2xi64>
}

// -----

// torch's `expand(2, -1, -1)`: ConstantOfShape -> Mul -> Equal -> Where on constants folds to the
// target shape [2, 1, 1] (the -1 entries become 1).
// CHECK-LABEL: func.func @expand_shape_chain
// CHECK-NOT: tgraph.equal
// CHECK-NOT: tgraph.where
// CHECK: %[[C:.*]] = tgraph.constant dense<[2, 1, 1]> : tensor<3xi64>
// CHECK: return %[[C]]
func.func @expand_shape_chain() -> tensor<3xi64> {
  %shape = tgraph.constant dense<[2, -1, -1]> : tensor<3xi64>
  %ones = tgraph.constant dense<1> : tensor<3xi64>
  %minus = tgraph.constant dense<-1> : tensor<3xi64>
  %eq = tgraph.equal %shape, %minus : tensor<3xi64>, tensor<3xi64>
  %r = tgraph.where %eq, %ones, %shape : tensor<3xi1>, tensor<3xi64>, tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// Comparisons broadcast their constants; float comparisons with NaN are false.
// CHECK-LABEL: func.func @comparisons
// CHECK-DAG: tgraph.constant dense<[false, true, true]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: tgraph.constant dense<false> : tensor<3xi1>
// CHECK-NOT: tgraph.less
// CHECK-NOT: tgraph.greater
func.func @comparisons() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %a = tgraph.constant dense<[1, 5, 9]> : tensor<3xi64>
  %b = tgraph.constant dense<4> : tensor<i64>
  %gt = tgraph.greater %a, %b : tensor<3xi64>, tensor<i64>
  %lt = tgraph.less %a, %b : tensor<3xi64>, tensor<i64>
  %f = tgraph.constant dense<[1.0, 2.0, 0x7FC00000]> : tensor<3xf32>
  %g = tgraph.constant dense<2.0> : tensor<f32>
  %le = tgraph.less_or_equal %f, %g : tensor<3xf32>, tensor<f32>
  %nan = tgraph.constant dense<0x7FC00000> : tensor<f32>
  %eq = tgraph.equal %f, %nan : tensor<3xf32>, tensor<f32>
  return %gt, %lt, %le, %eq : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// -----

// swin_t's window padding: (window - size % window) % window with Mod on constants (the sign of the
// divisor, or of the dividend with fmod), and a Transpose of a constant.
// CHECK-LABEL: func.func @mod_and_transpose
// CHECK-DAG: tgraph.constant dense<[1, 0, 1]> : tensor<3xi64>
// CHECK-DAG: tgraph.constant dense<[-2, 0, 1]> : tensor<3xi64>
// CHECK-DAG: tgraph.constant dense<{{\[}}[1, 3], [2, 4]]> : tensor<2x2xi64>
// CHECK-NOT: tgraph.mod
// CHECK-NOT: tgraph.transpose
func.func @mod_and_transpose() -> (tensor<3xi64>, tensor<3xi64>, tensor<2x2xi64>) {
  %a = tgraph.constant dense<[-5, 6, 7]> : tensor<3xi64>
  %b = tgraph.constant dense<3> : tensor<i64>
  %m = tgraph.mod %a, %b : tensor<3xi64>, tensor<i64>
  %f = tgraph.mod %a, %b {fmod = true} : tensor<3xi64>, tensor<i64>
  %t = tgraph.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %tt = tgraph.transpose %t {perm = array<i64: 1, 0>} : tensor<2x2xi64>
  return %m, %f, %tt : tensor<3xi64>, tensor<3xi64>, tensor<2x2xi64>
}

// -----

// swin_t's shifted-window mask: `img_mask[:, h, w, :] = cnt` is ScatterND over a zero tensor with
// indices built by Slice and Expand of a constant Range. All of it folds; later updates win.
// CHECK-LABEL: func.func @window_mask
// CHECK: tgraph.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00, 0.000000e+00]]> : tensor<2x3xf32>
// CHECK-NOT: tgraph.scatter_nd
// CHECK-NOT: tgraph.slice
// CHECK-NOT: tgraph.expand
func.func @window_mask() -> tensor<2x3xf32> {
  %zero = tgraph.constant dense<0.0> : tensor<f32>
  %data = tgraph.expand %zero {sizes = array<i64: 2, 3>} : tensor<f32>
  %range = tgraph.constant dense<[0, 1, 2]> : tensor<3xi64>
  %rows = tgraph.slice %range {sizes = array<i64: 2>, starts = array<i64: 0>, steps = array<i64: 1>} : tensor<3xi64>
  %cols = tgraph.slice %range {sizes = array<i64: 2>, starts = array<i64: 0>, steps = array<i64: 1>} : tensor<3xi64>
  %r2 = tgraph.reshape %rows {sizes = array<i64: 2, 1>} : tensor<2xi64>
  %re = tgraph.expand %r2 {sizes = array<i64: 2, 2>} : tensor<2x1xi64>
  %ce = tgraph.expand %cols {sizes = array<i64: 2, 2>} : tensor<2xi64>
  %r3 = tgraph.unsqueeze %re {axes = array<i64: 2>} : tensor<2x2xi64>
  %c3 = tgraph.unsqueeze %ce {axes = array<i64: 2>} : tensor<2x2xi64>
  %idx = tgraph.concat %r3, %c3 {axis = 2 : i64} : tensor<2x2x1xi64>, tensor<2x2x1xi64>
  %one = tgraph.constant dense<1.0> : tensor<f32>
  %ones = tgraph.expand %one {sizes = array<i64: 2, 2>} : tensor<f32>
  %m1 = tgraph.scatter_nd none %data, %idx, %ones : tensor<2x3xf32>, tensor<2x2x2xi64>, tensor<2x2xf32>
  // Row 0, column 1 again, with a negative (wrapping) column index.
  %at = tgraph.constant dense<[[0, -2]]> : tensor<1x2xi64>
  %two = tgraph.constant dense<2.0> : tensor<1xf32>
  %m2 = tgraph.scatter_nd none %m1, %at, %two : tensor<2x3xf32>, tensor<1x2xi64>, tensor<1xf32>
  return %m2 : tensor<2x3xf32>
}

// -----

// Strided slices of constants fold; scatters with reductions combine; an out-of-range index stays for the
// run-time error path.
// CHECK-LABEL: func.func @slice_and_scatter_add
// CHECK-DAG: tgraph.constant dense<{{\[}}[2, 4]]> : tensor<1x2xi64>
// CHECK-DAG: tgraph.constant dense<[1.500000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: tgraph.scatter_nd
// CHECK-NOT: tgraph.scatter_nd
func.func @slice_and_scatter_add() -> (tensor<1x2xi64>, tensor<2xf32>, tensor<2xf32>) {
  %t = tgraph.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi64>
  %s = tgraph.slice %t {sizes = array<i64: 1, 2>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<2x4xi64>
  %d = tgraph.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %i = tgraph.constant dense<[[0], [0]]> : tensor<2x1xi64>
  %u = tgraph.constant dense<[0.25, 0.25]> : tensor<2xf32>
  %a = tgraph.scatter_nd add %d, %i, %u : tensor<2xf32>, tensor<2x1xi64>, tensor<2xf32>
  %bad = tgraph.constant dense<[[2], [0]]> : tensor<2x1xi64>
  %b = tgraph.scatter_nd none %d, %bad, %u : tensor<2xf32>, tensor<2x1xi64>, tensor<2xf32>
  return %s, %a, %b : tensor<1x2xi64>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Pads that all come out zero (torch pads to a multiple of a window size) leave the input as it is, in
// every mode; any nonzero pad stays.
// CHECK-LABEL: func.func @zero_pads
// CHECK-NOT: tgraph.pad constant
// CHECK-NOT: tgraph.pad reflect
// CHECK: %[[P:.*]] = tgraph.pad edge %arg0 {pads = array<i64: 0, 1>}
// CHECK: return %arg0, %arg0, %[[P]]
func.func @zero_pads(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) {
  %0 = tgraph.pad constant %x {pads = array<i64: 0, 0>} : tensor<3xf32>
  %1 = tgraph.pad reflect %x {pads = array<i64: 0, 0>} : tensor<3xf32>
  %2 = tgraph.pad edge %x {pads = array<i64: 0, 1>} : tensor<3xf32>
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<4xf32>
}
