// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg | FileCheck %s

// The index wraps when negative; outside [0, 3) then, it fails the kernel, and is clamped so the read
// stays in bounds; the other coordinates are the loop indices.
// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<2x2xi64>)
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: arith.index_cast
// CHECK: %[[WRAPPED:.*]] = arith.select
// CHECK: %[[OUTSIDE:.*]] = arith.cmpi uge, %[[WRAPPED]], %c3
// CHECK: tdisp.error_if %[[OUTSIDE]], index_out_of_range
// CHECK: arith.minsi %[[WRAPPED]]
// CHECK: tensor.extract %arg0[%[[ROW]], %{{.*}}]
func.func @gather_elements(%d: tensor<2x3xf32>, %i: tensor<2x2xi64>) -> tensor<2x2xf32> {
  %0 = tgraph.gather_elements %d, %i {axis = 1 : i64} : tensor<2x3xf32>, tensor<2x2xi64>
  return %0 : tensor<2x2xf32>
}

// -----

// Output dims are parallel, update dims a reduction; the data is read on the first update.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: ins(%arg1, %arg2, %arg0 : tensor<1x2xi64>, tensor<1x2xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<3x3xf32>)
// CHECK: tdisp.error_if
// CHECK: arith.addf
// CHECK: arith.select
func.func @scatter_elements_add(%d: tensor<3x3xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> tensor<3x3xf32> {
  %0 = tgraph.scatter_elements add %d, %i, %u {axis = 0 : i64} : tensor<3x3xf32>, tensor<1x2xi64>, tensor<1x2xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Data with a dim known only at run time (MaxUnpool's run-time output_shape): the result takes its size, and
// an index is checked against it.
// CHECK-LABEL: func.func @scatter_elements_dynamic_data
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%[[INIT]] : tensor<?xf32>)
// CHECK: arith.cmpi uge, %{{.*}}, %[[N]] : index
// CHECK: tdisp.error_if
func.func @scatter_elements_dynamic_data(%d: tensor<?xf32>, %i: tensor<4xi64>, %u: tensor<4xf32>) -> tensor<?xf32> {
  %0 = tgraph.scatter_elements none %d, %i, %u {axis = 0 : i64} : tensor<?xf32>, tensor<4xi64>, tensor<4xf32>
  return %0 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2xf32>)
// CHECK: tensor.extract %arg1
// CHECK: tdisp.error_if
// CHECK: tensor.extract %arg1
// CHECK: tdisp.error_if
// CHECK: tensor.extract %arg0
func.func @gather_nd(%d: tensor<2x2x2xf32>, %i: tensor<2x2xi64>) -> tensor<2x2xf32> {
  %0 = tgraph.gather_nd %d, %i {batch_dims = 0 : i64} : tensor<2x2x2xf32>, tensor<2x2xi64>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_nd
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%arg2, %arg0 : tensor<2x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK: tdisp.error_if
func.func @scatter_nd(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %0 = tgraph.scatter_nd none %d, %i, %u : tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// An exclusive reverse scan sums the strictly later positions.
// CHECK-LABEL: func.func @cumsum_exclusive_reverse
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpi sgt
func.func @cumsum_exclusive_reverse(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = tgraph.cumsum %x {axis = 0 : i64, exclusive = true, reverse = true} : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Ranks first, then one selection pass that yields values and indices.
// CHECK-LABEL: func.func @topk
// CHECK: %[[RANK:.*]] = linalg.generic {{.*}} ins(%arg0, %arg0
// CHECK: %[[SEL:.*]]:2 = linalg.generic {{.*}} ins(%arg0, %[[RANK]]
// CHECK: return %[[SEL]]#0, %[[SEL]]#1
func.func @topk(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %v, %i = tgraph.topk %x {k = 2 : i64, axis = 1 : i64, largest = true, sorted = true} : tensor<3x4xf32>
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func.func @pad_reflect
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: tensor.extract %arg0
func.func @pad_reflect(%x: tensor<3x3xf32>) -> tensor<3x5xf32> {
  %0 = tgraph.pad reflect %x {pads = array<i64: 0, 1, 0, 1>} : tensor<3x3xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Growing by a constant is a tensor.pad (a copy into a filled result), with the value of a constant
// operand; cropping (a negative pad) reads clamped indices.
// CHECK-LABEL: func.func @pad_constant_grows
// CHECK: %[[V:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: tensor.pad %arg0 low[0, 1] high[2, 0]
// CHECK: tensor.yield %[[V]]
// CHECK-NOT: linalg.generic
func.func @pad_constant_grows(%x: tensor<2x3xf32>) -> tensor<4x4xf32> {
  %v = tgraph.constant dense<2.5> : tensor<f32>
  %0 = tgraph.pad constant %x value %v {pads = array<i64: 0, 1, 2, 0>} : tensor<2x3xf32>, tensor<f32>
  return %0 : tensor<4x4xf32>
}

// CHECK-LABEL: func.func @pad_constant_crops
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2xf32>)
func.func @pad_constant_crops(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %0 = tgraph.pad constant %x {pads = array<i64: 0, -1, 0, 0>} : tensor<2x3xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A run-time pad value is read once as a scalar.
// CHECK-LABEL: func.func @pad_constant_value
// CHECK: %[[V:.*]] = tensor.extract %arg1[]
// CHECK: linalg.generic
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[V]]
func.func @pad_constant_value(%x: tensor<2xf32>, %v: tensor<f32>) -> tensor<4xf32> {
  %0 = tgraph.pad constant %x value %v {pads = array<i64: 1, 1>} : tensor<2xf32>, tensor<f32>
  return %0 : tensor<4xf32>
}

// -----

// Integer ArgMax compares signed and keeps the first maximum.
// CHECK-LABEL: func.func @argmax_i32
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpi sgt
// CHECK: tensor.expand_shape %[[R]]#1
func.func @argmax_i32(%x: tensor<3x4xi32>) -> tensor<3x1xi64> {
  %0 = tgraph.reduce argmax %x {axes = array<i64: 1>, keepdims = true} : tensor<3x4xi32>
  return %0 : tensor<3x1xi64>
}
