// RUN: tessera-opt %s -tessera-vulkan-copies-to-linalg | FileCheck %s

// A slice copied out of a binding (a Split output): the copy becomes linalg.copy, which lowers to a
// parallel loop nest like any other kernel body.
// CHECK-LABEL: func.func @slice_copy
// CHECK: %[[S:.*]] = memref.subview %arg0[0, 4] [2, 4] [1, 1]
// CHECK: linalg.copy ins(%[[S]] : {{.*}}) outs(%arg1 : memref<2x4xf32>)
// CHECK-NOT: memref.copy
func.func @slice_copy(%x: memref<2x12xf32>, %y: memref<2x4xf32>) {
  %s = memref.subview %x[0, 4] [2, 4] [1, 1] : memref<2x12xf32> to memref<2x4xf32, strided<[12, 1], offset: 4>>
  memref.copy %s, %y : memref<2x4xf32, strided<[12, 1], offset: 4>> to memref<2x4xf32>
  return
}
