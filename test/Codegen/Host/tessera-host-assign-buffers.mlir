// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-host-assign-buffers -cse | FileCheck %s

tgraph.global @w : tensor<4xf32> = dense<1.0> : tensor<4xf32>
tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// Inputs, weights, temporaries and outputs get buffers; a result returned as an output is computed
// straight into the output buffer; a reshape aliases its operand; bindings carry byte lengths and how
// the kernel uses them (1 read, 2 write).
// CHECK-LABEL: tsched.program @main attributes {input_dtypes = array<i32: 1>, input_names = ["x"], output_dtypes = array<i32: 1>, output_names = ["y"]}
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[X:.*]] = tsched.input 0 dims(%[[C4]]) size(%[[C16]])
// CHECK: %[[W:.*]] = tsched.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: %[[T:.*]] = tsched.alloc size(%[[C16]])
// CHECK: tsched.dispatch @e bindings(%[[X]], %[[W]], %[[T]]) lengths(%[[C16]], %[[C16]], %[[C16]]) access [1, 1, 2]
// CHECK: %[[Y:.*]] = tsched.output 0 size(%[[C16]])
// CHECK: tsched.dispatch @e bindings(%[[T]], %[[W]], %[[Y]]) lengths(%[[C16]], %[[C16]], %[[C16]]) access [1, 1, 2]
// CHECK: tsched.output_dims 0 dims(%{{.*}}, %{{.*}})
// CHECK-NOT: func.func
func.func @main(%x: tensor<4xf32>) -> tensor<2x2xf32> attributes {tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %w = tgraph.global_load @w : tensor<4xf32>
  %a = tdisp.dispatch @e(%x, %w) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = tdisp.dispatch @e(%a, %w) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = tensor.expand_shape %b [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// Dynamic dims: sizes are computed on the host; the kernel gets the dynamic dims of its bindings, then
// its scalars, as constants. An output that is an input is copied.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK: %[[S:.*]] = tsched.shape mul %{{.*}}, %[[N]]
// CHECK: %[[X:.*]] = tsched.input 0 dims(%[[N]]) size(%[[S]])
// CHECK: %[[T:.*]] = tsched.output 0 size(%[[S]])
// CHECK: tsched.dispatch @e bindings(%[[X]], %[[T]]) lengths(%[[S]], %[[S]]) constants(%[[N]], %[[N]], %[[N]]) access [1, 2]
// CHECK: %[[Z:.*]] = tsched.output 1 size(%[[S]])
// CHECK: tsched.copy %[[X]] to %[[Z]] length(%[[S]])
// CHECK: tsched.output_dims 0 dims(%[[N]])
// CHECK: tsched.output_dims 1 dims(%[[N]])
func.func @main(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) attributes {tessera.input_dims = [["N"]], tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y", "z"], tessera.output_dtypes = array<i32: 1, 1>} {
  %n = tsched.symbol "N"
  %r = tdisp.dispatch @e(%x, %n) dims(%n) : (tensor<?xf32>, index) -> tensor<?xf32>
  return %r, %x : tensor<?xf32>, tensor<?xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// A host read of a tensor reads its buffer.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[S:.*]] = tsched.input 1
// CHECK: tsched.read_i64 %[[S]][0] : !tsched.buffer
func.func @main(%x: tensor<4xf32>, %s: tensor<1xi64>) -> tensor<?xf32> attributes {tessera.input_names = ["x", "s"], tessera.input_dtypes = array<i32: 1, 7>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %v = tsched.read_i64 %s[0] : tensor<1xi64>
  %r = tdisp.dispatch @e(%x) dims(%v) : (tensor<4xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Host ops that are not dispatches are refused.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  // expected-error@+1 {{cannot run on the host: every computation must be in a dispatch}}
  %e = tensor.empty() : tensor<4xf32>
  return %e : tensor<4xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// A static dim over a run-time one (a declared shape claimed by a cast) is checked when the model runs.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: tsched.check_eq %[[N]], %[[C4]]
// CHECK: tsched.dispatch @e
func.func @main(%x: tensor<?xf32>) -> tensor<4xf32> attributes {tessera.input_dims = [["N"]], tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %c = tensor.cast %x : tensor<?xf32> to tensor<4xf32>
  %r = tdisp.dispatch @e(%c) : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// A reshape to dims read at run time: each dim is not negative (max(d, 0) == d) and the element count is
// kept.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[S:.*]] = tsched.input 1
// CHECK: %[[A:.*]] = tsched.read_i64 %[[S]][0] : !tsched.buffer
// CHECK: %[[B:.*]] = tsched.read_i64 %[[S]][1] : !tsched.buffer
// CHECK: %[[MA:.*]] = tsched.shape max %[[A]], %{{.*}}
// CHECK: tsched.check_eq %[[MA]], %[[A]]
// CHECK: %[[MB:.*]] = tsched.shape max %[[B]], %{{.*}}
// CHECK: tsched.check_eq %[[MB]], %[[B]]
// CHECK: %[[P:.*]] = tsched.shape mul %[[A]], %[[B]]
// CHECK: tsched.check_eq %[[P]], %{{.*}}
func.func @main(%x: tensor<2x32xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> attributes {tessera.input_names = ["x", "s"], tessera.input_dtypes = array<i32: 1, 7>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %a = tsched.read_i64 %s[0] : tensor<2xi64>
  %b = tsched.read_i64 %s[1] : tensor<2xi64>
  %shape = tensor.from_elements %a, %b : tensor<2xindex>
  %r = tensor.reshape %x(%shape) : (tensor<2x32xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// A reshape whose literal dims change the element count can never run.
func.func @main(%x: tensor<16xf32>) -> tensor<4x4xf32> attributes {tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %shape = tensor.from_elements %c4, %c6 : tensor<2xindex>
  // expected-error@+1 {{the element count of the result is 24 but must be 16}}
  %r = tensor.reshape %x(%shape) : (tensor<16xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  %c = tensor.cast %r : tensor<?x?xf32> to tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// An in-place concatenation (tessera-concatenate-in-place): its buffer is made first, each part's kernel
// writes through a view of it at the byte offset the marker carries, and the concatenation itself is no
// step; the one returned is computed straight into the output buffer.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[X:.*]] = tsched.input 0 dims(%{{.*}}) size(%[[C64:.*]])
// CHECK: %[[T:.*]] = tsched.alloc size(%[[C192:.*]])
// CHECK: %[[Y:.*]] = tsched.output 0 size(%[[C128:.*]])
// CHECK: %[[V0:.*]] = tsched.view %[[T]] offset(0) size(%[[C64]])
// CHECK: tsched.dispatch @e bindings(%[[X]], %[[V0]]) lengths(%[[C64]], %[[C64]])
// CHECK: %[[V1:.*]] = tsched.view %[[T]] offset(64) size(%[[C128]])
// CHECK: tsched.dispatch @e bindings(%[[X]], %[[V1]]) lengths(%[[C64]], %[[C128]])
// CHECK: %[[V2:.*]] = tsched.view %[[Y]] offset(64) size(%[[C64]])
// CHECK: tsched.dispatch @e bindings(%[[X]], %[[V2]])
// CHECK: %[[V3:.*]] = tsched.view %[[Y]] offset(0) size(%[[C64]])
// CHECK: tsched.dispatch @e bindings(%[[T]], %[[V3]]) lengths(%[[C192]], %[[C64]])
// CHECK-NOT: tsched.copy
func.func @main(%x: tensor<16xf32>) -> tensor<2x16xf32> attributes {tessera.input_names = ["x"], tessera.input_dtypes = array<i32: 1>, tessera.output_names = ["y"], tessera.output_dtypes = array<i32: 1>} {
  %a = tdisp.dispatch @e(%x) : (tensor<16xf32>) -> tensor<1x16xf32>
  %b = tdisp.dispatch @e(%x) : (tensor<16xf32>) -> tensor<2x16xf32>
  %e = tensor.empty() : tensor<3x16xf32>
  %i0 = tensor.insert_slice %a into %e[0, 0] [1, 16] [1, 1] {tessera.in_place = 0 : i64} : tensor<1x16xf32> into tensor<3x16xf32>
  %i1 = tensor.insert_slice %b into %i0[1, 0] [2, 16] [1, 1] {tessera.in_place = 64 : i64} : tensor<2x16xf32> into tensor<3x16xf32>
  %c = tdisp.dispatch @e(%x) : (tensor<16xf32>) -> tensor<1x16xf32>
  %d = tdisp.dispatch @e(%i1) : (tensor<3x16xf32>) -> tensor<1x16xf32>
  %e2 = tensor.empty() : tensor<2x16xf32>
  %j0 = tensor.insert_slice %c into %e2[1, 0] [1, 16] [1, 1] {tessera.in_place = 64 : i64} : tensor<1x16xf32> into tensor<2x16xf32>
  %j1 = tensor.insert_slice %d into %j0[0, 0] [1, 16] [1, 1] {tessera.in_place = 0 : i64} : tensor<1x16xf32> into tensor<2x16xf32>
  return %j1 : tensor<2x16xf32>
}
