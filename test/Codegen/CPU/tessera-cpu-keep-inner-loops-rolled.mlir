// RUN: tessera-opt %s -tessera-cpu-keep-inner-loops-rolled | FileCheck %s

// Only innermost loops inside another loop, with a constant trip count from 16 to 256, are marked: a
// 7x7 plane's 49 columns (LLVM would flatten them and vectorize the channel loop with gathers) but not a
// 3-tap filter loop, a loop long enough that LLVM keeps it, a loop of unknown count or a single loop.
// CHECK-DAG: #[[UNROLL:.*]] = #llvm.loop_unroll<disable = true>
// CHECK-DAG: #[[KEEP:.*]] = #llvm.loop_annotation<unroll = #[[UNROLL]]>
// CHECK-LABEL: func.func @nests
func.func @nests(%a: memref<8x49xf32>, %b: memref<8x3xf32>, %c: memref<8x1000xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c49 = arith.constant 49 : index
  %c1000 = arith.constant 1000 : index
  %one = arith.constant 1.0 : f32
  // CHECK: scf.for
  scf.for %i = %c0 to %c8 step %c1 {
    // CHECK: scf.for
    scf.for %j = %c0 to %c49 step %c1 {
      memref.store %one, %a[%i, %j] : memref<8x49xf32>
    // CHECK: } {loop_annotation = #[[KEEP]]}
    }
    // CHECK: scf.for
    scf.for %j = %c0 to %c3 step %c1 {
      memref.store %one, %b[%i, %j] : memref<8x3xf32>
    // CHECK-NOT: loop_annotation
    // CHECK: }
    }
    scf.for %j = %c0 to %c1000 step %c1 {
      memref.store %one, %c[%i, %j] : memref<8x1000xf32>
    }
    scf.for %j = %c0 to %n step %c1 {
      memref.store %one, %c[%i, %j] : memref<8x1000xf32>
    }
  }
  scf.for %j = %c0 to %c49 step %c1 {
    memref.store %one, %a[%c0, %j] : memref<8x49xf32>
  }
  return
}
// CHECK-NOT: loop_annotation
