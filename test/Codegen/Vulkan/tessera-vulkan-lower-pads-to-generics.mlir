// RUN: tessera-opt %s -split-input-file -tessera-vulkan-lower-pads-to-generics | FileCheck %s

// A zero pad becomes one generic over the result: each element reads its source element (index minus
// the low padding, clamped into the source) where it lies inside the source, the padding value elsewhere.
// CHECK-LABEL: func.func @zero_pad
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[SRC:.*]] = arith.subi %[[I]], %c1
// CHECK: arith.cmpi sge, %[[SRC]], %c0
// CHECK: arith.cmpi slt, %[[SRC]], %c2
// CHECK: arith.maxsi %[[SRC]], %c0
// CHECK: arith.minsi {{.*}}, %c1
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: arith.subi %[[J]], %c2
// CHECK: %[[E:.*]] = tensor.extract %arg0
// CHECK: %[[V:.*]] = arith.select {{.*}}, %[[E]], %cst
// CHECK: linalg.yield %[[V]]
// CHECK: -> tensor<5x7xf32>
func.func @zero_pad(%x: tensor<2x3xf32>) -> tensor<5x7xf32> {
  %cst = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 2] high[2, 2] {
  ^bb0(%i: index, %j: index):
    tensor.yield %cst : f32
  } : tensor<2x3xf32> to tensor<5x7xf32>
  return %p : tensor<5x7xf32>
}

// -----

// A padding value computed from the pad's indices is not a constant: left alone.
// CHECK-LABEL: func.func @index_dependent_pad
// CHECK: tensor.pad
// CHECK-NOT: linalg.generic
func.func @index_dependent_pad(%x: tensor<2xindex>) -> tensor<4xindex> {
  %p = tensor.pad %x low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %i : index
  } : tensor<2xindex> to tensor<4xindex>
  return %p : tensor<4xindex>
}
