// RUN: tessera-opt %s -split-input-file -tessera-vulkan-lower-kernel-errors | FileCheck %s

// A gather's range check: the kernel gains a status word after its bindings, marked on the function, and a
// failed check stores its code (1, index out of range) there.
// CHECK-LABEL: func.func @gather_check
// CHECK-SAME: (%[[X:.*]]: memref<4xf32>, %[[I:.*]]: memref<2xi64>, %[[Y:.*]]: memref<2xf32>, %[[S:.*]]: memref<1xi32>)
// CHECK-SAME: tessera.status_binding
// CHECK: scf.if %{{.*}} {
// CHECK: %[[CODE:.*]] = arith.constant 1 : i32
// CHECK: memref.store %[[CODE]], %[[S]][%c0
// CHECK-NOT: tdisp.error_if
func.func @gather_check(%x: memref<4xf32>, %i: memref<2xi64>, %y: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : i64
  %zero = arith.constant 0 : i64
  scf.parallel (%k) = (%c0) to (%c2) step (%c1) {
    %v = memref.load %i[%k] : memref<2xi64>
    %lo = arith.cmpi slt, %v, %zero : i64
    %hi = arith.cmpi sge, %v, %c4 : i64
    %bad = arith.ori %lo, %hi : i1
    tdisp.error_if %bad, index_out_of_range
    %at = arith.index_cast %v : i64 to index
    %e = memref.load %x[%at] : memref<4xf32>
    memref.store %e, %y[%k] : memref<2xf32>
    scf.reduce
  }
  return
}

// -----

// Without checks the signature stays.
// CHECK-LABEL: func.func @no_check
// CHECK-SAME: (%{{.*}}: memref<2xf32>)
// CHECK-NOT: tessera.status_binding
func.func @no_check(%y: memref<2xf32>) {
  return
}

// -----

// The dispatch's parameters (DimsFromConstants' index arguments: a constant and two binding lengths) follow the
// status word in its binding: a kernel reading them declares it without checks too, one word each after it.
// CHECK-LABEL: func.func @parameters
// CHECK-SAME: (%{{.*}}: memref<?xf32>, %{{.*}}: memref<2xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<4xi32>)
// CHECK-SAME: tessera.status_binding
func.func @parameters(%x: memref<?xf32>, %y: memref<2xf32>, %n: index, %lx: index, %ly: index)
    attributes {tessera.dispatch_constants = 1 : i64} {
  return
}
