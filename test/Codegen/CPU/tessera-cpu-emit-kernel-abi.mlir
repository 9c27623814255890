// RUN: tessera-opt %s -tessera-cpu-emit-kernel-abi | FileCheck %s

// The kernel becomes an internal always-inline *_impl taking memref descriptors; the exported symbol
// has the fixed ABI: it reads the bindings (dispatch_state + 32), the constants (dispatch_state + 16)
// and the workgroup id (workgroup_state + 0), and rebuilds each descriptor. Binding 0 is
// memref<?x4xf32>: its dim 0 is constant 0 and its strides are (4 * 1, 1).
// CHECK: llvm.func internal @k_impl({{.*}}) attributes {always_inline
// CHECK: llvm.func @k(%{{.*}}: !llvm.ptr, %[[DS:.*]]: !llvm.ptr, %[[WS:.*]]: !llvm.ptr) -> i32
// CHECK: %[[BP:.*]] = llvm.getelementptr %[[DS]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[B:.*]] = llvm.load %[[BP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[CP:.*]] = llvm.getelementptr %[[DS]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[C:.*]] = llvm.load %[[CP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[B]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[B0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[C0:.*]] = llvm.getelementptr %[[C]][0] : (!llvm.ptr) -> !llvm.ptr, i32
// CHECK: %[[N32:.*]] = llvm.load %[[C0]] : !llvm.ptr -> i32
// CHECK: %[[N:.*]] = llvm.zext %[[N32]] : i32 to i64
// CHECK: %[[ID:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: %[[ID64:.*]] = llvm.zext %[[ID]] : i32 to i64
// CHECK: llvm.call @k_impl(%[[B0]], %[[B0]], %{{.*}}, %[[N]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ID64]])
// CHECK: llvm.return %{{.*}} : i32
llvm.func @k(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64, %a5: i64, %a6: i64,
             %b0: !llvm.ptr, %b1: !llvm.ptr, %b2: i64, %wg: i64)
    attributes {tessera.workgroup_count = 1 : i64, tessera.binding_shapes = [array<i64: -9223372036854775808, 4>, array<i64>]} {
  llvm.return
}

// A kernel that reports value errors returns its code through the wrapper.
// CHECK: llvm.func @failing(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) -> i32
// CHECK: %[[CODE:.*]] = llvm.call @failing_impl(%{{.*}}) : (i64) -> i32
// CHECK: llvm.return %[[CODE]] : i32
llvm.func @failing(%wg: i64) -> i32 attributes {tessera.workgroup_count = 1 : i64, tessera.binding_shapes = []} {
  %c1 = llvm.mlir.constant(1 : i32) : i32
  llvm.return %c1 : i32
}

// Functions without a workgroup count are left alone.
// CHECK: llvm.func @helper()
llvm.func @helper() {
  llvm.return
}
