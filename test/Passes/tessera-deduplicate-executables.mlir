// RUN: tessera-opt %s -tessera-deduplicate-executables | FileCheck %s

// Structurally identical executables merge; different ones stay.
// CHECK: tdisp.executable @a
// CHECK-NOT: tdisp.executable @b
// CHECK: tdisp.executable @c
// CHECK-LABEL: func.func @main
// CHECK: tdisp.dispatch @a(%arg0)
// CHECK: tdisp.dispatch @a(%{{.*}})
// CHECK: tdisp.dispatch @c(%{{.*}})
tdisp.executable @a {
  tdisp.variant @cpu target("cpu") {
    builtin.module {
      func.func @a(%x: tensor<4xf32>) -> tensor<4xf32> {
        %0 = math.exp %x : tensor<4xf32>
        return %0 : tensor<4xf32>
      }
    }
  }
}
tdisp.executable @b {
  tdisp.variant @cpu target("cpu") {
    builtin.module {
      func.func @b(%x: tensor<4xf32>) -> tensor<4xf32> {
        %0 = math.exp %x : tensor<4xf32>
        return %0 : tensor<4xf32>
      }
    }
  }
}
tdisp.executable @c {
  tdisp.variant @cpu target("cpu") {
    builtin.module {
      func.func @c(%x: tensor<4xf32>) -> tensor<4xf32> {
        %0 = math.log %x : tensor<4xf32>
        return %0 : tensor<4xf32>
      }
    }
  }
}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tdisp.dispatch @a(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = tdisp.dispatch @b(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = tdisp.dispatch @c(%1) : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
