// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-cpu-verify-workgroup-writes | FileCheck %s

// A kernel that writes a whole output binding would race between workgroups: one workgroup.
// CHECK-LABEL: func.func @whole
// CHECK-SAME: tessera.workgroup_count = 1 : i64
func.func @whole(%a: memref<64xf32>, %out: memref<64xf32>, %wg: index) attributes {tessera.workgroup_count = 8 : i64} {
  memref.copy %a, %out : memref<64xf32> to memref<64xf32>
  return
}

// -----

// Writes through a slice indexed by the workgroup id keep their workgroups.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: tessera.workgroup_count = 8 : i64
func.func @slice(%a: memref<64xf32>, %out: memref<64xf32>, %wg: index) attributes {tessera.workgroup_count = 8 : i64} {
  %s = memref.subview %out[%wg] [8] [1] : memref<64xf32> to memref<8xf32, strided<[1], offset: ?>>
  %t = memref.subview %a[%wg] [8] [1] : memref<64xf32> to memref<8xf32, strided<[1], offset: ?>>
  memref.copy %t, %s : memref<8xf32, strided<[1], offset: ?>> to memref<8xf32, strided<[1], offset: ?>>
  return
}

// -----

// A whole write in a kernel whose workgroups compute slices (its body reads the workgroup id): one
// workgroup would compute one slice only, so this is an error rather than a wrong result.
// expected-error@+1 {{writes a whole output binding from each of its workgroups, which compute slices of it}}
func.func @whole_and_sliced(%a: memref<64xf32>, %out: memref<64xf32>, %wg: index) attributes {tessera.workgroup_count = 8 : i64} {
  %s = memref.subview %a[%wg] [8] [1] : memref<64xf32> to memref<8xf32, strided<[1], offset: ?>>
  %t = memref.alloc() : memref<64xf32>
  %u = memref.subview %t[%wg] [8] [1] : memref<64xf32> to memref<8xf32, strided<[1], offset: ?>>
  memref.copy %s, %u : memref<8xf32, strided<[1], offset: ?>> to memref<8xf32, strided<[1], offset: ?>>
  memref.copy %t, %out : memref<64xf32> to memref<64xf32>
  return
}
