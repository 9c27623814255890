// RUN: tessera-opt %s -split-input-file -verify-diagnostics

tsched.program @p attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c1 = arith.constant 1 : index
  %b = tsched.alloc size(%c1)
  // expected-error@+1 {{needs one length and one access per binding}}
  tsched.dispatch @e bindings(%b) lengths(%c1, %c1) access [2]
}

// -----

tsched.program @p attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c1 = arith.constant 1 : index
  %b = tsched.alloc size(%c1)
  // expected-error@+1 {{access 4 is not read (1), write (2) or read-write (3)}}
  tsched.dispatch @e bindings(%b) lengths(%c1) access [4]
}

// -----

tsched.program @p attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c1 = arith.constant 1 : index
  %b = tsched.alloc size(%c1)
  // expected-error@+1 {{needs 3 workgroup counts (x, y, z), got 1}}
  tsched.dispatch @e workgroups(%c1) bindings(%b) lengths(%c1) access [2]
}

// -----

// expected-error@+1 {{needs one dtype per input and output name}}
tsched.program @p attributes {input_names = ["x"], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
}
