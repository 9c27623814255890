// RUN: tessera-opt %s -split-input-file -tessera-vulkan-forward-stores | FileCheck %s

// A fill, a reduction whose accumulator is in registers (loaded once before the loop, stored once after)
// and an epilogue, for two elements of a block (columns j and j + 16): the loads take the stored values,
// and the fill's and the reduction's stores, overwritten unread, are dropped. One store per element is left.
// CHECK-LABEL: func.func @fill_reduce_epilogue
// CHECK-SAME: (%[[A:.*]]: memref<8xf32>, %[[C:.*]]: memref<32xf32>, %[[J:.*]]: index)
// CHECK: %[[J16:.*]] = arith.addi %[[J]], %c16
// CHECK-NOT: memref.load %[[C]]
// CHECK: %[[R:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO:.*]], %{{.*}} = %[[ZERO]])
// CHECK: memref.load %[[A]]
// CHECK: scf.yield
// CHECK-NOT: memref.load %[[C]]
// CHECK: %[[T0:.*]] = math.tanh %[[R]]#0
// CHECK: %[[T1:.*]] = math.tanh %[[R]]#1
// CHECK-NEXT: memref.store %[[T0]], %[[C]][%[[J]]]
// CHECK-NEXT: memref.store %[[T1]], %[[C]][%[[J16]]]
// CHECK-NEXT: return
func.func @fill_reduce_epilogue(%a: memref<8xf32>, %c: memref<32xf32>, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %j16 = arith.addi %j, %c16 : index
  memref.store %zero, %c[%j] : memref<32xf32>
  memref.store %zero, %c[%j16] : memref<32xf32>
  %i0 = memref.load %c[%j] : memref<32xf32>
  %i1 = memref.load %c[%j16] : memref<32xf32>
  %r:2 = scf.for %k = %c0 to %c8 step %c1 iter_args(%x = %i0, %y = %i1) -> (f32, f32) {
    %v = memref.load %a[%k] : memref<8xf32>
    %x2 = arith.addf %x, %v : f32
    %y2 = arith.addf %y, %v : f32
    scf.yield %x2, %y2 : f32, f32
  }
  memref.store %r#0, %c[%j] : memref<32xf32>
  memref.store %r#1, %c[%j16] : memref<32xf32>
  %e0 = memref.load %c[%j] : memref<32xf32>
  %e1 = memref.load %c[%j16] : memref<32xf32>
  %t0 = math.tanh %e0 : f32
  %t1 = math.tanh %e1 : f32
  memref.store %t0, %c[%j] : memref<32xf32>
  memref.store %t1, %c[%j16] : memref<32xf32>
  return
}

// -----

// A store at indices that may be the same element (%i and %k are unrelated values) makes the value known at
// %i stale, so %i is loaded; %k is still known. The last store is not dropped: the load at %i read the
// store it overwrites.
// CHECK-LABEL: func.func @may_alias
// CHECK-SAME: (%[[C:.*]]: memref<32xf32>, %[[I:.*]]: index, %[[K:.*]]: index, %[[V:.*]]: f32, %[[W:.*]]: f32)
// CHECK: memref.store %[[V]], %[[C]][%[[I]]]
// CHECK: memref.store %[[W]], %[[C]][%[[K]]]
// CHECK: %[[X:.*]] = memref.load %[[C]][%[[I]]]
// CHECK-NOT: memref.load
// CHECK: memref.store %[[W]], %[[C]][%[[I]]]
// CHECK: return %[[X]], %[[W]]
func.func @may_alias(%c: memref<32xf32>, %i: index, %k: index, %v: f32, %w: f32) -> (f32, f32) {
  memref.store %v, %c[%i] : memref<32xf32>
  memref.store %w, %c[%k] : memref<32xf32>
  %x = memref.load %c[%i] : memref<32xf32>
  %y = memref.load %c[%k] : memref<32xf32>
  memref.store %w, %c[%i] : memref<32xf32>
  return %x, %y : f32, f32
}

// -----

// A loop that reads the buffer keeps the store before it; a call with unknown effects forgets what is known.
// CHECK-LABEL: func.func @loops_and_calls
// CHECK: memref.store
// CHECK: scf.for
// CHECK: memref.store
// CHECK: call @opaque
// CHECK: memref.load
func.func private @opaque()
func.func @loops_and_calls(%c: memref<32xf32>, %out: memref<4xf32>, %i: index, %v: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  memref.store %v, %c[%i] : memref<32xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %c[%k] : memref<32xf32>
    memref.store %x, %out[%k] : memref<4xf32>
  }
  memref.store %v, %c[%i] : memref<32xf32>
  func.call @opaque() : () -> ()
  %y = memref.load %c[%i] : memref<32xf32>
  return %y : f32
}
