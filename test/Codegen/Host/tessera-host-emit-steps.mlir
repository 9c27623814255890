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
