// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-vulkan-dims-from-constants | FileCheck %s

// The dispatch passes the input's run-time dim (constant 0), the output's (1) and a scalar (2), then the
// Vulkan executor the two bindings' byte lengths. They become index arguments in that order; the output's
// dim is read as the input's (recorded equal) and checked equal to it; each binding of run-time length is
// checked against its length (16 bytes per row).
// CHECK-LABEL: func.func @copy
// CHECK-SAME: (%{{.*}}: memref<?x4xf32>, %{{.*}}: memref<?x4xf32>, %[[D0:arg[0-9]+]]: index, %[[D1:arg[0-9]+]]: index,
// CHECK-SAME: %{{.*}}: index, %[[LA:arg[0-9]+]]: index, %[[LY:arg[0-9]+]]: index)
// CHECK-SAME: tessera.dispatch_constants = 3
// CHECK-NOT: tessera.equal_dims
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[D1]], %[[D0]]
// CHECK: tdisp.error_if %[[NE]], dispatch_mismatch
// CHECK: arith.divui %[[LA]], %c16
// CHECK: tdisp.error_if %{{.*}}, dispatch_mismatch
// CHECK: arith.divui %[[LY]], %c16
// CHECK: tdisp.error_if %{{.*}}, dispatch_mismatch
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%[[D0]], %{{.*}})
// CHECK-NOT: memref.dim
func.func @copy(%a: memref<?x4xf32>, %n: index, %y: memref<?x4xf32>) attributes {tessera.equal_dims = array<i64: 0, 0, 2>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %d = memref.dim %y, %c0 : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%d, %c4) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x4xf32>
    memref.store %x, %y[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  return
}

// -----

// A kernel of static shape without scalars reads no constants and keeps its signature.
// CHECK-LABEL: func.func @static
// CHECK-SAME: (%{{.*}}: memref<4xf32>)
// CHECK-NOT: tessera.dispatch_constants
func.func @static(%a: memref<4xf32>) {
  return
}

// -----

// The parameters are words of a storage buffer: any number of run-time dims fits (17 dims and 17 lengths).
// CHECK-LABEL: func.func @many
// CHECK-SAME: tessera.dispatch_constants = 17
func.func @many(%a0: memref<?xf32>, %a1: memref<?xf32>, %a2: memref<?xf32>, %a3: memref<?xf32>,
                %a4: memref<?xf32>, %a5: memref<?xf32>, %a6: memref<?xf32>, %a7: memref<?xf32>,
                %a8: memref<?xf32>, %a9: memref<?xf32>, %a10: memref<?xf32>, %a11: memref<?xf32>,
                %a12: memref<?xf32>, %a13: memref<?xf32>, %a14: memref<?xf32>, %a15: memref<?xf32>,
                %a16: memref<?xf32>) {
  return
}

// -----

// A dim read at an index known only when the kernel runs cannot be a constant.
func.func @dim_at_run_time(%a: memref<?x?xf32>, %k: index) {
  // expected-error@+1 {{reads a dim of a binding at an index not known at compile time}}
  %d = memref.dim %a, %k : memref<?x?xf32>
  return
}
