// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-host-emit-steps | FileCheck %s

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
    tdisp.export @e workgroup_count [8, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 1
  }
}

// Dispatches are bound to their compiled export and get its workgroup count; a barrier follows each
// dispatch except the last step.
// CHECK-LABEL: tsched.program @main
// CHECK: tsched.dispatch @e::@cpu::@e workgroups(%[[C8:.*]], %[[C1:.*]], %[[C1]]) bindings
// CHECK-NEXT: tsched.barrier
// CHECK: tsched.dispatch @e::@cpu::@e workgroups
// CHECK-NOT: tsched.barrier
// CHECK: tsched.output_dims
tsched.program @main attributes {input_names = ["x"], input_dtypes = array<i32: 1>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c16 = arith.constant 16 : index
  %c4 = arith.constant 4 : index
  %x = tsched.input 0 dims(%c4) size(%c16)
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  tsched.dispatch @e bindings(%x, %a) lengths(%c16, %c16) constants(%c4) access [1, 2]
  %y = tsched.output 0 size(%c16)
  tsched.dispatch @e bindings(%a, %y) lengths(%c16, %c16) constants(%c4) access [1, 2]
  tsched.output_dims 0 dims(%c4)
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
    tdisp.export @e workgroup_count [1, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 0
  }
}

// A dispatch that does not match its export's signature is an error, not a kernel reading garbage.
tsched.program @main attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c16 = arith.constant 16 : index
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  // expected-error@+1 {{passes 1 constants but export 'e' reads 0}}
  tsched.dispatch @e bindings(%a, %a) lengths(%c16, %c16) constants(%c16) access [1, 2]
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
  }
}

tsched.program @main attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c16 = arith.constant 16 : index
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  // expected-error@+1 {{variant 'cpu' of 'e' has 0 exports (is it compiled?)}}
  tsched.dispatch @e bindings(%a) lengths(%c16) access [2]
}

// -----

tdisp.executable @e {
  tdisp.variant @cpu target("cpu") {
    builtin.module {}
    tdisp.export @e workgroup_count [0, 1, 1] workgroup_size [1, 1, 1] access [1, 2] constants 2 {run_time_grid = array<i64: 32768, 8, 384, 1, 0>}
  }
}

// A grid of run-time size is computed before its dispatch from the dispatch's constants, as the kernel
// splits its loop: work 384 * c1 * c0 (the split loop's constant first), w = clamp(ceil(work / 32768), 1, 8), tile = max(ceil(c1 / w), 1),
// ceil(c1 / tile) workgroups.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[B:.*]] = tsched.symbol "batch"
// CHECK: %[[S:.*]] = tsched.symbol "sequence"
// CHECK: %[[W0:.*]] = tsched.shape mul %c384, %[[S]]
// CHECK: %[[WORK:.*]] = tsched.shape mul %[[W0]], %[[B]]
// CHECK: %[[WANT:.*]] = tsched.shape div_ceil %[[WORK]], %c32768
// CHECK: %[[LO:.*]] = tsched.shape max %[[WANT]], %c1
// CHECK: %[[W:.*]] = tsched.shape min %[[LO]], %c8
// CHECK: %[[T0:.*]] = tsched.shape div_ceil %[[S]], %[[W]]
// CHECK: %[[TILE:.*]] = tsched.shape max %[[T0]], %c1
// CHECK: %[[GRID:.*]] = tsched.shape div_ceil %[[S]], %[[TILE]]
// CHECK: tsched.dispatch @e::@cpu::@e workgroups(%[[GRID]], %{{.*}}, %{{.*}}) bindings
tsched.program @main attributes {input_names = ["x"], input_dtypes = array<i32: 1>, output_names = [], output_dtypes = array<i32>} {
  %b = tsched.symbol "batch"
  %s = tsched.symbol "sequence"
  %c16 = arith.constant 16 : index
  %x = tsched.input 0 dims(%b, %s) size(%c16)
  %a = tsched.alloc size(%c16) {offset = 0 : i64}
  tsched.dispatch @e bindings(%x, %a) lengths(%c16, %c16) constants(%b, %s) access [1, 2]
}
