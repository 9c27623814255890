// RUN: tessera-opt %s -tessera-cpu-place-temporaries-in-scratch | FileCheck %s

// Static temporaries become views of a new last argument, the worker's scratch, at 64-byte aligned
// offsets (1x4x64xf32 is 1024 bytes, 3xi8 rounds up to 64); their deallocations go.
// CHECK-LABEL: func.func @softmax_sums(
// CHECK-SAME: %{{.*}}: memref<1x4x64x64xf32>, %{{.*}}: index, %[[S:.*]]: memref<1088xi8>)
// CHECK-SAME: tessera.scratch_bytes = 1088 : i64
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[S]][%[[C0]]][] : memref<1088xi8> to memref<1x4x64xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<1x4x64xf32>)
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[B:.*]] = memref.view %[[S]][%[[C1024]]][] : memref<1088xi8> to memref<3xi8>
// CHECK: memref.subview %[[B]][1] [2] [1]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @softmax_sums(%x: memref<1x4x64x64xf32>, %wg: index) attributes {tessera.workgroup_count = 1 : i64} {
  %zero = arith.constant 0.0 : f32
  %sums = memref.alloc() {alignment = 64 : i64} : memref<1x4x64xf32>
  linalg.fill ins(%zero : f32) outs(%sums : memref<1x4x64xf32>)
  %bytes = memref.alloc() : memref<3xi8>
  %tail = memref.subview %bytes[1] [2] [1] : memref<3xi8> to memref<2xi8, strided<[1], offset: 1>>
  memref.dealloc %bytes : memref<3xi8>
  memref.dealloc %sums : memref<1x4x64xf32>
  return
}

// A microkernel's workspace (its address passed to the call) goes to scratch too: the call does not
// keep it.
// CHECK-LABEL: func.func @workspace(
// CHECK-SAME: %{{.*}}: index, %[[S:.*]]: memref<311296xi8>)
// CHECK: %[[V:.*]] = memref.view %[[S]]
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[V]]
// CHECK: call @ukernel(%[[P]])
// CHECK-NOT: memref.dealloc
func.func private @ukernel(index)
func.func @workspace(%wg: index) attributes {tessera.workgroup_count = 1 : i64} {
  %ws = memref.alloc() {alignment = 64 : i64} : memref<311296xi8>
  %p = memref.extract_aligned_pointer_as_index %ws : memref<311296xi8> -> index
  func.call @ukernel(%p) : (index) -> ()
  memref.dealloc %ws : memref<311296xi8>
  return
}

// A workgroup's share of run-time size min(3, 16 - 3 * id) gets the most it can take, 3 x 6 floats.
// CHECK-LABEL: func.func @share(
// CHECK-SAME: %[[ID:.*]]: index, %[[S:.*]]: memref<128xi8>)
// CHECK-SAME: tessera.scratch_bytes = 128 : i64
// CHECK: %[[N:.*]] = affine.min
// CHECK: memref.view %[[S]][%{{.*}}][%[[N]]] : memref<128xi8> to memref<?x6xf32>
func.func @share(%id: index) attributes {tessera.workgroup_count = 6 : i64} {
  %c3 = arith.constant 3 : index
  %start = arith.muli %id, %c3 : index
  %n = affine.min affine_map<()[s0] -> (3, -s0 + 16)>()[%start]
  %t = memref.alloc(%n) : memref<?x6xf32>
  memref.dealloc %t : memref<?x6xf32>
  return
}

// A temporary sized by the model's run-time dims (no bound) stays on the heap, and so does one that
// outlives its block (yielded); a kernel left with none gets no scratch.
// CHECK-LABEL: func.func @heap(
// CHECK-SAME: %{{.*}}: index, %{{.*}}: i1, %{{.*}}: index)
// CHECK-NOT: tessera.scratch_bytes
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<16xf32>
// CHECK: memref.dealloc
func.func @heap(%n: index, %c: i1, %wg: index) attributes {tessera.workgroup_count = 1 : i64} {
  %dynamic = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %dynamic : memref<?xf32>
  %r = scf.if %c -> memref<16xf32> {
    %inner = memref.alloc() : memref<16xf32>
    scf.yield %inner : memref<16xf32>
  } else {
    %other = memref.alloc() : memref<16xf32>
    scf.yield %other : memref<16xf32>
  }
  memref.dealloc %r : memref<16xf32>
  return
}

// A kernel's scratch stays within 64 MiB: a temporary that would take it past stays on the heap.
// CHECK-LABEL: func.func @capped(
// CHECK-SAME: %{{.*}}: index, %[[S:.*]]: memref<67108864xi8>)
// CHECK: memref.view %[[S]]
// CHECK: memref.alloc() : memref<16xf32>
func.func @capped(%wg: index) attributes {tessera.workgroup_count = 1 : i64} {
  %big = memref.alloc() : memref<16777216xf32>
  %more = memref.alloc() : memref<16xf32>
  memref.dealloc %more : memref<16xf32>
  memref.dealloc %big : memref<16777216xf32>
  return
}

// Functions that are not kernels (no workgroup count) are left alone.
// CHECK-LABEL: func.func @helper(
// CHECK-SAME: %{{.*}}: index)
// CHECK: memref.alloc() : memref<8xf32>
func.func @helper(%i: index) {
  %t = memref.alloc() : memref<8xf32>
  memref.dealloc %t : memref<8xf32>
  return
}
