// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-host-lower-shapes | FileCheck %s

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// Input dims become symbols named after the model's dim parameters; arithmetic on them becomes shape
// ops; index casts vanish; the dead arith ops are erased.
// CHECK-LABEL: func.func @main
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK: %[[M:.*]] = tsched.shape mul %[[N]], %{{.*}}
// CHECK-NOT: arith.muli
// CHECK-NOT: tensor.dim
// CHECK: tdisp.dispatch @e(%arg0, %[[M]]) dims(%[[N]])
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {tessera.input_dims = [["N", ""]]} {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : i64
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %n64 = arith.index_cast %n : index to i64
  %m64 = arith.muli %n64, %c4 : i64
  %m = arith.index_cast %m64 : i64 to index
  %r = tdisp.dispatch @e(%x, %m) dims(%n) : (tensor<?x4xf32>, index) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// A shape operand's values are read on the host (tsched.read_i64) where the tensor is read; compare and
// select become arithmetic on 0/1 values: select(c, x, y) = c * x + (1 - c) * y.
// CHECK-LABEL: func.func @main
// CHECK: %[[V:.*]] = tsched.read_i64 %arg1[1] : tensor<2xi64>
// CHECK: %[[EQ:.*]] = tsched.shape eq %[[V]], %{{.*}}
// CHECK: %[[NOT:.*]] = tsched.shape sub %{{.*}}, %[[EQ]]
// CHECK: %[[T:.*]] = tsched.shape mul %[[EQ]], %{{.*}}
// CHECK: %[[F:.*]] = tsched.shape mul %[[NOT]], %[[V]]
// CHECK: %[[SEL:.*]] = tsched.shape add %[[T]], %[[F]]
// CHECK: tensor.from_elements %{{.*}}, %[[SEL]] : tensor<2xindex>
func.func @main(%x: tensor<8xf32>, %shape: tensor<2xi64>) -> tensor<?x?xf32> attributes {tessera.input_dims = [[""], [""]]} {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cm1 = arith.constant -1 : i64
  %c4 = arith.constant 4 : i64
  %v = tensor.extract %shape[%c1] : tensor<2xi64>
  %is = arith.cmpi eq, %v, %cm1 : i64
  %sel = arith.select %is, %c4, %v : i64
  %d1 = arith.index_cast %sel : i64 to index
  %s = tensor.from_elements %c2, %d1 : tensor<2xindex>
  %r = tensor.reshape %x(%s) : (tensor<8xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// Dims of dispatch results are their dispatch's host dims; a collapsed dim is a product.
// CHECK-LABEL: func.func @main
// CHECK: %[[N:.*]] = tsched.symbol "input0_dim0"
// CHECK: %[[D:.*]] = tdisp.dispatch @e(%arg0) dims(%[[N]])
// CHECK: %[[P:.*]] = tsched.shape mul %[[N]], %{{.*}}
// CHECK: tdisp.dispatch @e(%{{.*}}, %[[P]])
func.func @main(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %d = tdisp.dispatch @e(%x) dims(%n) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %flat = tensor.collapse_shape %d [[0, 1]] : tensor<?x4xf32> into tensor<?xf32>
  %k = tensor.dim %flat, %c0 : tensor<?xf32>
  %r = tdisp.dispatch @e(%flat, %k) dims(%k) : (tensor<?xf32>, index) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

// A value the schedule cannot compute is an error at the op that computes it.
func.func @main(%x: tensor<4xf32>, %s: tensor<1xi64>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %s[%c0] : tensor<1xi64>
  %c3 = arith.constant 3 : i64
  // expected-error@+1 {{computes a shape value the schedule cannot express}}
  %r = arith.remsi %v, %c3 : i64
  %i = arith.index_cast %r : i64 to index
  %d = tdisp.dispatch @e(%x, %i) : (tensor<4xf32>, index) -> tensor<4xf32>
  return %d : tensor<4xf32>
}
