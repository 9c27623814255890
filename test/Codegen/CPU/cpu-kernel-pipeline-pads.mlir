// RUN: tessera-opt %s -tessera-cpu-kernel-pipeline | FileCheck %s

// A padding kernel split into workgroups (one per channel) fills and copies straight into its output
// binding: no temporary is allocated per workgroup (a 204 KB malloc per channel, which glibc serves
// with mmap and page faults on every run).
// CHECK-NOT: @malloc
// CHECK: llvm.func @dispatch_pad({{.*}}tessera.workgroup_count = 3 : i64
// CHECK-NOT: @malloc
func.func @dispatch_pad(%arg0: tensor<1x3x224x224xf32>) -> tensor<1x3x226x226xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %padded = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %cst : f32
  } : tensor<1x3x224x224xf32> to tensor<1x3x226x226xf32>
  return %padded : tensor<1x3x226x226xf32>
}
