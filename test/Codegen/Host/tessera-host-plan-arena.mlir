// RUN: tessera-opt %s -split-input-file -tessera-host-plan-arena | FileCheck %s

// A temporary reuses the space of one whose last use came before its first; live ones do not overlap
// (64-byte aligned). A dynamic allocation gets no offset.
// CHECK-LABEL: tsched.program @main
// CHECK-SAME: arena_size = 192
// CHECK: %[[A:.*]] = tsched.alloc size(%{{.*}}) {offset = 0 : i64}
// CHECK: %[[B:.*]] = tsched.alloc size(%{{.*}}) {offset = 128 : i64}
// CHECK: %[[C:.*]] = tsched.alloc size(%{{.*}}) {offset = 0 : i64}
// CHECK: %[[D:.*]] = tsched.alloc size(%[[N:.*]]){{$}}
tsched.program @main attributes {input_names = ["x"], input_dtypes = array<i32: 1>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c100 = arith.constant 100 : index
  %c64 = arith.constant 64 : index
  %n = tsched.symbol "N"
  %x = tsched.input 0 dims(%c100) size(%c100)
  %a = tsched.alloc size(%c100)
  tsched.dispatch @e bindings(%x, %a) lengths(%c100, %c100) access [1, 2]
  %b = tsched.alloc size(%c64)
  tsched.dispatch @e bindings(%a, %b) lengths(%c100, %c64) access [1, 2]
  %c = tsched.alloc size(%c64)
  tsched.dispatch @e bindings(%b, %c) lengths(%c64, %c64) access [1, 2]
  %d = tsched.alloc size(%n)
  tsched.dispatch @e bindings(%c, %d) lengths(%c64, %n) access [1, 2]
  %y = tsched.output 0 size(%n)
  tsched.copy %d to %y length(%n)
  tsched.output_dims 0 dims(%n)
}

// -----

// A buffer read on the host stays alive until the read: the next temporary does not take its space.
// CHECK-LABEL: tsched.program @read
// CHECK: tsched.alloc size(%{{.*}}) {offset = 0 : i64}
// CHECK: tsched.alloc size(%{{.*}}) {offset = 64 : i64}
tsched.program @read attributes {input_names = [], input_dtypes = array<i32>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c8 = arith.constant 8 : index
  %a = tsched.alloc size(%c8)
  tsched.dispatch @e bindings(%a) lengths(%c8) access [2]
  %b = tsched.alloc size(%c8)
  tsched.dispatch @e bindings(%b) lengths(%c8) access [2]
  %v = tsched.read_i64 %a[0] : !tsched.buffer
  %y = tsched.output 0 size(%v)
  tsched.copy %b to %y length(%c8)
  tsched.output_dims 0 dims(%v)
}

// -----

// A view keeps its buffer alive: %t's first part is written by the first dispatch, so %u, used by the
// second and third, cannot take %t's space (it could if only %t's own uses counted, the first being the
// fourth dispatch); %w, written by the dispatch that last reads %t, takes %u's.
// CHECK-LABEL: tsched.program @views
// CHECK-SAME: arena_size = 192
// CHECK: %[[T:.*]] = tsched.alloc size(%{{.*}}) {offset = 0 : i64}
// CHECK: %[[U:.*]] = tsched.alloc size(%{{.*}}) {offset = 128 : i64}
// CHECK: %[[W:.*]] = tsched.alloc size(%{{.*}}) {offset = 128 : i64}
tsched.program @views attributes {input_names = ["x"], input_dtypes = array<i32: 1>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %x = tsched.input 0 dims(%c64) size(%c64)
  %t = tsched.alloc size(%c128)
  %u = tsched.alloc size(%c64)
  %t0 = tsched.view %t offset(0) size(%c64)
  tsched.dispatch @e bindings(%x, %t0) lengths(%c64, %c64) access [1, 2]
  tsched.dispatch @e bindings(%x, %u) lengths(%c64, %c64) access [1, 2]
  %t1 = tsched.view %t offset(64) size(%c64)
  tsched.dispatch @e bindings(%u, %t1) lengths(%c64, %c64) access [1, 2]
  %w = tsched.alloc size(%c64)
  tsched.dispatch @e bindings(%t, %w) lengths(%c128, %c64) access [1, 2]
  %y = tsched.output 0 size(%c64)
  tsched.dispatch @e bindings(%w, %y) lengths(%c64, %c64) access [1, 2]
}
