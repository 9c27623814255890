// RUN: tessera-opt %s -tessera-cpu-emit-kernel-abi | FileCheck %s

// The kernel becomes an internal always-inline *_impl; the exported symbol has the fixed ABI and reads
// bindings (dispatch_state + 32) and the workgroup id (workgroup_state + 0).
// CHECK: llvm.func internal @k_impl(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64) attributes {always_inline
// CHECK: llvm.func @k(%{{.*}}: !llvm.ptr, %[[DS:.*]]: !llvm.ptr, %[[WS:.*]]: !llvm.ptr) -> i32
// CHECK: %[[BP:.*]] = llvm.getelementptr %[[DS]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[B:.*]] = llvm.load %[[BP]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.getelementptr %[[B]][0]
// CHECK: llvm.getelementptr %[[B]][1]
// CHECK: %[[ID:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: %[[ID64:.*]] = llvm.zext %[[ID]] : i32 to i64
// CHECK: llvm.call @k_impl(%{{.*}}, %{{.*}}, %[[ID64]])
// CHECK: llvm.return %{{.*}} : i32
llvm.func @k(%in: !llvm.ptr, %out: !llvm.ptr, %wg: i64) attributes {tessera.workgroup_count = 4 : i64} {
  llvm.return
}

// Functions without a workgroup count are left alone.
// CHECK: llvm.func @helper()
llvm.func @helper() {
  llvm.return
}
