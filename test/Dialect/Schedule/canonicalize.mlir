// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s

// Literal operands fold with the runtime's int64 semantics (floor and ceil division).
// CHECK-LABEL: tsched.program @fold
// CHECK-DAG: arith.constant 12 : index
// CHECK-DAG: arith.constant -2 : index
// CHECK-NOT: tsched.shape
tsched.program @fold attributes {input_names = [], input_dtypes = array<i32>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %cm7 = arith.constant -7 : index
  %a = tsched.shape mul %c3, %c4
  %b = tsched.shape div_floor %cm7, %c4
  %c = tsched.shape div_ceil %cm7, %c3
  %y = tsched.output 0 size(%a)
  tsched.output_dims 0 dims(%b, %c)
}

// -----

// x * 1 and x + 0 are x; division by zero is left for the run to report.
// CHECK-LABEL: tsched.program @identity
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK: %[[D:.*]] = tsched.shape div_floor %[[N]], %{{.*}}
// CHECK: tsched.output_dims 0 dims(%[[N]], %[[N]], %[[D]])
tsched.program @identity attributes {input_names = [], input_dtypes = array<i32>, output_names = ["y"], output_dtypes = array<i32: 1>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tsched.symbol "N"
  %a = tsched.shape mul %n, %c1
  %b = tsched.shape add %c0, %n
  %d = tsched.shape div_floor %n, %c0
  %y = tsched.output 0 size(%c1)
  tsched.output_dims 0 dims(%a, %b, %d)
}

// -----

// A check that always holds (equal literals, one value twice) is dropped; one that needs the run stays.
// CHECK-LABEL: tsched.program @check_eq
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK-NEXT: tsched.check_eq %[[N]], %{{.*}}
// CHECK-NOT: tsched.check_eq
tsched.program @check_eq attributes {input_names = [], input_dtypes = array<i32>, output_names = [], output_dtypes = array<i32>} {
  %c4 = arith.constant 4 : index
  %c4b = arith.constant 4 : index
  %n = tsched.symbol "N"
  tsched.check_eq %n, %c4
  tsched.check_eq %c4, %c4b
  tsched.check_eq %n, %n
}
