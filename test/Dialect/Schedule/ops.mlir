// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// Every tsched op prints and parses back.
// CHECK-LABEL: tsched.program @main
// CHECK: %[[N:.*]] = tsched.symbol "N"
// CHECK: %[[S:.*]] = tsched.shape mul %[[N]], %{{.*}}
// CHECK: %[[X:.*]] = tsched.input 0 dims(%[[N]], %{{.*}}) size(%[[S]])
// CHECK: %[[W:.*]] = tsched.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: %[[T:.*]] = tsched.alloc size(%[[S]]) {offset = 0 : i64}
// CHECK: tsched.dispatch @exe::@cpu::@exe workgroups(%{{.*}}, %{{.*}}, %{{.*}}) bindings(%[[X]], %[[W]], %[[T]]) lengths(%[[S]], %{{.*}}, %[[S]]) constants(%[[N]], %[[N]]) access [1, 1, 2]
// CHECK: tsched.barrier
// CHECK: %[[V:.*]] = tsched.read_i64 %[[T]][1] : !tsched.buffer
// CHECK: tsched.check_eq %[[V]], %[[N]]
// CHECK: %[[Y:.*]] = tsched.output 0 size(%[[S]])
// CHECK: tsched.copy %[[T]] to %[[Y]] length(%[[S]])
// CHECK: tsched.output_dims 0 dims(%[[N]], %{{.*}})
tsched.program @main attributes {input_names = ["x"], input_dtypes = array<i32: 1>,
                                 output_names = ["y"], output_dtypes = array<i32: 1>, arena_size = 64 : i64} {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %n = tsched.symbol "N"
  %s = tsched.shape mul %n, %c16
  %x = tsched.input 0 dims(%n, %c4) size(%s)
  %w = tsched.constant dense<1.0> : tensor<4xf32>
  %t = tsched.alloc size(%s) {offset = 0 : i64}
  tsched.dispatch @exe::@cpu::@exe workgroups(%c4, %c1, %c1) bindings(%x, %w, %t) lengths(%s, %c16, %s) constants(%n, %n) access [1, 1, 2]
  tsched.barrier
  %v = tsched.read_i64 %t[1] : !tsched.buffer
  tsched.check_eq %v, %n
  %y = tsched.output 0 size(%s)
  tsched.copy %t to %y length(%s)
  tsched.output_dims 0 dims(%n, %c4)
}
