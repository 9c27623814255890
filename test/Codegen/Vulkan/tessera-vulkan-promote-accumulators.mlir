// RUN: tessera-opt %s -split-input-file -tessera-vulkan-promote-accumulators | FileCheck %s

// Two accumulators of a register block (the same row, columns j and j + 16) and a nest of two reduction
// loops: each element is loaded once before the outer loop, carried through both, and stored once after.
// The operand loads stay in the inner loop.
// CHECK-LABEL: func.func @block_of_two
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[C:.*]]: memref<4x32xf32>, %[[I:.*]]: index, %[[J:.*]]: index)
// CHECK: %[[J16:.*]] = arith.addi %[[J]], %c16
// CHECK: %[[C0:.*]] = memref.load %[[C]][%[[I]], %[[J]]]
// CHECK: %[[C1:.*]] = memref.load %[[C]][%[[I]], %[[J16]]]
// CHECK: %[[R:.*]]:2 = scf.for %{{.*}} iter_args(%[[X:.*]] = %[[C0]], %[[Y:.*]] = %[[C1]])
// CHECK: scf.for %{{.*}} iter_args(%[[X2:.*]] = %[[X]], %[[Y2:.*]] = %[[Y]])
// CHECK-NOT: memref.load %[[C]]
// CHECK-NOT: memref.store
// CHECK: memref.load %[[A]]
// CHECK: arith.addf %[[X2]]
// CHECK: arith.addf %[[Y2]]
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK: memref.store %[[R]]#0, %[[C]][%[[I]], %[[J]]]
// CHECK: memref.store %[[R]]#1, %[[C]][%[[I]], %[[J16]]]
func.func @block_of_two(%a: memref<4x8xf32>, %c: memref<4x32xf32>, %i: index, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %j16 = arith.addi %j, %c16 : index
  scf.for %k = %c0 to %c4 step %c1 {
    scf.for %l = %c0 to %c2 step %c1 {
      %kl = arith.addi %k, %l : index
      %x = memref.load %a[%i, %kl] : memref<4x8xf32>
      %acc0 = memref.load %c[%i, %j] : memref<4x32xf32>
      %s0 = arith.addf %acc0, %x : f32
      memref.store %s0, %c[%i, %j] : memref<4x32xf32>
      %acc1 = memref.load %c[%i, %j16] : memref<4x32xf32>
      %s1 = arith.addf %acc1, %x : f32
      memref.store %s1, %c[%i, %j16] : memref<4x32xf32>
    }
  }
  return
}

// -----

// Two elements whose indices are unrelated values may be the same element: not promoted.
// CHECK-LABEL: func.func @maybe_same_element
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
// CHECK: memref.store
func.func @maybe_same_element(%c: memref<32xf32>, %i: index, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %c[%i] : memref<32xf32>
    %s = arith.addf %x, %one : f32
    memref.store %s, %c[%i] : memref<32xf32>
    %y = memref.load %c[%j] : memref<32xf32>
    %t = arith.addf %y, %one : f32
    memref.store %t, %c[%j] : memref<32xf32>
  }
  return
}

// -----

// An element whose index changes with the loop (a store per iteration) stays in memory.
// CHECK-LABEL: func.func @index_varies
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
func.func @index_varies(%c: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %c[%k] : memref<4xf32>
    %s = arith.addf %x, %one : f32
    memref.store %s, %c[%k] : memref<4xf32>
  }
  return
}

// -----

// A grid-stride loop spreads its iterations over invocations: an element it updates at a fixed index is
// not carried across it (invocations that run none of its iterations would write back a stale value).
// CHECK-LABEL: gpu.func @grid_stride
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
gpu.module @kernels {
  gpu.func @grid_stride(%c: memref<1xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %one = arith.constant 1.0 : f32
    %lane = gpu.thread_id x
    scf.for %k = %lane to %c1 step %c64 {
      %x = memref.load %c[%c0] : memref<1xf32>
      %s = arith.addf %x, %one : f32
      memref.store %s, %c[%c0] : memref<1xf32>
    }
    gpu.return
  }
}

// -----

// A loop that also calls something with unknown effects on memory keeps its accesses.
// CHECK-LABEL: func.func @other_effects
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
func.func private @opaque()
func.func @other_effects(%c: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %c[%c0] : memref<1xf32>
    %s = arith.addf %x, %one : f32
    memref.store %s, %c[%c0] : memref<1xf32>
    func.call @opaque() : () -> ()
  }
  return
}

// -----

// A workgroup tile's chunk loop: the workgroup copies the chunk into workgroup memory between barriers,
// and the invocation's accumulator rises above it all. The barriers order what invocations share; the
// accumulator is this invocation's own. The workgroup buffer, written in a loop of its own, stays memory.
// CHECK-LABEL: gpu.func @across_barriers
// CHECK: %[[INIT:.*]] = memref.load %{{.*}}[%[[I:.*]]] : memref<64xf32>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK: memref.store %{{.*}}, %[[SHARED:.*]][%{{.*}}] : memref<64xf32, #spirv.storage_class<Workgroup>>
// CHECK: gpu.barrier
// CHECK: memref.load %[[SHARED]]
// CHECK: gpu.barrier
// CHECK: memref.store %[[SUM]], %{{.*}}[%[[I]]] : memref<64xf32>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @across_barriers(%x: memref<256xf32>, %c: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c64 = arith.constant 64 : index
      %c256 = arith.constant 256 : index
      %shared = memref.alloc() : memref<64xf32, #spirv.storage_class<Workgroup>>
      %lane = gpu.thread_id x
      scf.for %k = %c0 to %c256 step %c64 {
        scf.for %e = %lane to %c64 step %c64 {
          %i = arith.addi %k, %e : index
          %v = memref.load %x[%i] : memref<256xf32>
          memref.store %v, %shared[%e] : memref<64xf32, #spirv.storage_class<Workgroup>>
        }
        gpu.barrier
        %y = memref.load %shared[%lane] : memref<64xf32, #spirv.storage_class<Workgroup>>
        %acc = memref.load %c[%lane] : memref<64xf32>
        %s = arith.addf %acc, %y : f32
        memref.store %s, %c[%lane] : memref<64xf32>
        gpu.barrier
      }
      gpu.return
    }
  }
}

// -----

// An element of workgroup memory that a loop stores at a fixed index is what other invocations read (after
// the loop here): it stays in memory.
// CHECK-LABEL: gpu.func @shared_element
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<64xf32, #spirv.storage_class<Workgroup>>
// CHECK: gpu.barrier
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @shared_element(%x: memref<256xf32>, %c: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c63 = arith.constant 63 : index
      %shared = memref.alloc() : memref<64xf32, #spirv.storage_class<Workgroup>>
      %lane = gpu.thread_id x
      scf.for %k = %c0 to %c4 step %c1 {
        %v = memref.load %x[%lane] : memref<256xf32>
        %old = memref.load %shared[%lane] : memref<64xf32, #spirv.storage_class<Workgroup>>
        %s = arith.addf %old, %v : f32
        memref.store %s, %shared[%lane] : memref<64xf32, #spirv.storage_class<Workgroup>>
        gpu.barrier
      }
      %other = arith.subi %c63, %lane : index
      %w = memref.load %shared[%other] : memref<64xf32, #spirv.storage_class<Workgroup>>
      memref.store %w, %c[%lane] : memref<64xf32>
      gpu.return
    }
  }
}
