// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK: tdisp.executable @exe {
// CHECK:   tdisp.variant @cpu target("cpu") {
// CHECK:     func.func @exe(%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
tdisp.executable @exe {
  tdisp.variant @cpu target("cpu") {
    builtin.module {
      func.func @exe(%a: tensor<4xf32>) -> tensor<4xf32> {
        return %a : tensor<4xf32>
      }
    }
  }
}

// CHECK-LABEL: func.func @host
func.func @host(%a: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[R:.*]] = tdisp.region -> tensor<4xf32> {
  // CHECK:   tdisp.return %{{.*}} : tensor<4xf32>
  %r = tdisp.region -> tensor<4xf32> {
    tdisp.return %a : tensor<4xf32>
  }
  // CHECK: tdisp.dispatch @exe(%[[R]]) : (tensor<4xf32>) -> tensor<4xf32>
  %d = tdisp.dispatch @exe(%r) : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// A value error check round-trips (and, writing the kernel's error flag, is not dead code).
// CHECK-LABEL: func.func @error_if
// CHECK: tdisp.error_if %{{.*}}, index_out_of_range
func.func @error_if(%c: i1) {
  tdisp.error_if %c, index_out_of_range
  return
}
