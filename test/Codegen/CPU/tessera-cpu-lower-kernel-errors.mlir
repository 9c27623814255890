// RUN: tessera-opt %s -split-input-file -tessera-cpu-lower-kernel-errors -verify-diagnostics | FileCheck %s

// Each check selects its code into a flag that starts at 0; the kernel returns the flag.
// CHECK-LABEL: func.func @gather
// CHECK-SAME: -> i32
// CHECK: %[[FLAG:.*]] = memref.alloca() : memref<i32>
// CHECK: memref.store %c0_i32, %[[FLAG]][]
// CHECK: scf.for
// CHECK: %[[OUTSIDE:.*]] = arith.cmpi uge
// CHECK: %[[OLD:.*]] = memref.load %[[FLAG]][]
// CHECK: %[[NEW:.*]] = arith.select %[[OUTSIDE]], %c1_i32, %[[OLD]] : i32
// CHECK: memref.store %[[NEW]], %[[FLAG]][]
// CHECK-NOT: tdisp.error_if
// CHECK: %[[CODE:.*]] = memref.load %[[FLAG]][]
// CHECK: return %[[CODE]] : i32
func.func @gather(%idx: memref<4xindex>, %table: memref<8xf32>, %out: memref<4xf32>, %wg: index)
    attributes {tessera.workgroup_count = 1 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %j = memref.load %idx[%i] : memref<4xindex>
    %outside = arith.cmpi uge, %j, %c8 : index
    tdisp.error_if %outside, index_out_of_range
    %k = arith.minsi %j, %c7 : index
    %v = memref.load %table[%k] : memref<8xf32>
    memref.store %v, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// Kernels that cannot fail keep returning nothing.
// CHECK-LABEL: func.func @copy
// CHECK-SAME: %{{.*}}: index) attributes
// CHECK-NOT: alloca
func.func @copy(%a: memref<4xf32>, %out: memref<4xf32>, %wg: index) attributes {tessera.workgroup_count = 1 : i64} {
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// expected-error @+1 {{reports kernel errors but is not a kernel without results}}
func.func @not_a_kernel(%c: i1) {
  tdisp.error_if %c, index_out_of_range
  return
}
