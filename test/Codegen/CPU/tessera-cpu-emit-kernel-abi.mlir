// RUN: tessera-opt %s -tessera-cpu-emit-kernel-abi | FileCheck %s

// The kernel becomes an internal always-inline *_impl taking memref descriptors; the exported symbol
// has the fixed ABI. First it checks the dispatch against the kernel: binding count (dispatch_state +
// 24) equal to 2, constant count (+ 12) at least 1, workgroup id (workgroup_state + 0) below the 3
// workgroups it was tiled into and ids 1 and 2 zero, else it returns 256
// (TSR_KERNEL_ERROR_DISPATCH_MISMATCH) without reading a binding.
// CHECK: llvm.func internal @k_impl({{.*}}) attributes {always_inline
// CHECK: llvm.func @k(%{{.*}}: !llvm.ptr, %[[DS:.*]]: !llvm.ptr, %[[WS:.*]]: !llvm.ptr) -> i32
// CHECK: %[[BCP:.*]] = llvm.getelementptr %[[DS]][24] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[BC:.*]] = llvm.load %[[BCP]] : !llvm.ptr -> i32
// CHECK: llvm.icmp "eq" %[[BC]], %{{.*}} : i32
// CHECK: %[[CCP:.*]] = llvm.getelementptr %[[DS]][12] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[CC:.*]] = llvm.load %[[CCP]] : !llvm.ptr -> i32
// CHECK: llvm.icmp "uge" %[[CC]], %{{.*}} : i32
// CHECK: %[[ID:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: llvm.icmp "ult" %[[ID]], %{{.*}} : i32
// CHECK: llvm.cond_br %{{.*}}, ^[[BODY:.*]], ^[[MISMATCH:bb[0-9]+]]
// Then it reads the bindings (+ 32), their lengths (+ 40) and the constants (+ 16), rebuilds each
// descriptor (binding 0 is memref<?x4xf32>: dim 0 is constant 0, strides (4 * 1, 1)) and checks each
// binding's length against its bytes (4 * 4 * N for binding 0, in i128 so nothing wraps).
// CHECK: ^[[BODY]]:
// CHECK: %[[BP:.*]] = llvm.getelementptr %[[DS]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[B:.*]] = llvm.load %[[BP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[LP:.*]] = llvm.getelementptr %[[DS]][40] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[L:.*]] = llvm.load %[[LP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[CP:.*]] = llvm.getelementptr %[[DS]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[C:.*]] = llvm.load %[[CP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[B]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[B0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[C0:.*]] = llvm.getelementptr %[[C]][0] : (!llvm.ptr) -> !llvm.ptr, i32
// CHECK: %[[N32:.*]] = llvm.load %[[C0]] : !llvm.ptr -> i32
// CHECK: %[[N:.*]] = llvm.zext %[[N32]] : i32 to i64
// CHECK: llvm.mul %{{.*}} : i128
// CHECK: %[[L0P:.*]] = llvm.getelementptr %[[L]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: %[[L0:.*]] = llvm.load %[[L0P]] : !llvm.ptr -> i64
// CHECK: %[[L0W:.*]] = llvm.zext %[[L0]] : i64 to i128
// CHECK: llvm.icmp "uge" %[[L0W]], %{{.*}} : i128
// CHECK: %[[ID64:.*]] = llvm.zext %[[ID]] : i32 to i64
// CHECK: llvm.cond_br %{{.*}}, ^[[CALL:.*]], ^[[MISMATCH]]
// CHECK: ^[[CALL]]:
// CHECK: llvm.call @k_impl(%[[B0]], %[[B0]], %{{.*}}, %[[N]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ID64]])
// CHECK: llvm.return %{{.*}} : i32
// CHECK: ^[[MISMATCH]]:
// CHECK: %[[E:.*]] = llvm.mlir.constant(256 : i32) : i32
// CHECK: llvm.return %[[E]] : i32
llvm.func @k(%a0: !llvm.ptr, %a1: !llvm.ptr, %a2: i64, %a3: i64, %a4: i64, %a5: i64, %a6: i64,
             %b0: !llvm.ptr, %b1: !llvm.ptr, %b2: i64, %wg: i64)
    attributes {tessera.workgroup_count = 3 : i64, tessera.binding_element_bytes = array<i64: 4, 4>,
                tessera.binding_shapes = [array<i64: -9223372036854775808, 4>, array<i64>]} {
  llvm.return
}

// A kernel that reports value errors returns its code through the wrapper.
// CHECK: llvm.func @failing(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) -> i32
// CHECK: %[[CODE:.*]] = llvm.call @failing_impl(%{{.*}}) : (i64) -> i32
// CHECK: llvm.return %[[CODE]] : i32
llvm.func @failing(%wg: i64) -> i32 attributes {tessera.workgroup_count = 1 : i64, tessera.binding_shapes = [],
                                               tessera.binding_element_bytes = array<i64>} {
  %c1 = llvm.mlir.constant(1 : i32) : i32
  llvm.return %c1 : i32
}

// Functions without a workgroup count are left alone.
// CHECK: llvm.func @helper()
llvm.func @helper() {
  llvm.return
}

// A kernel with temporaries in scratch: the wrapper also checks that the worker's scratch holds them
// (scratch_size at workgroup_state + 24 at least 1088 bytes) and passes the region (workgroup_state + 16)
// as a memref<1088xi8> after the workgroup id.
// CHECK-LABEL: llvm.func @scratch(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %[[WS:.*]]: !llvm.ptr) -> i32
// CHECK-SAME: tessera.scratch_bytes = 1088 : i64
// CHECK: %[[SZP:.*]] = llvm.getelementptr %[[WS]][24] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[SZ:.*]] = llvm.load %[[SZP]] : !llvm.ptr -> i64
// CHECK: %[[NEED:.*]] = llvm.mlir.constant(1088 : i64) : i64
// CHECK: llvm.icmp "uge" %[[SZ]], %[[NEED]] : i64
// CHECK: %[[SP:.*]] = llvm.getelementptr %[[WS]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[S:.*]] = llvm.load %[[SP]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @scratch_impl(%{{.*}}, %[[S]], %[[S]], %{{.*}}, %{{.*}}, %{{.*}})
llvm.func @scratch(%wg: i64, %s0: !llvm.ptr, %s1: !llvm.ptr, %s2: i64, %s3: i64, %s4: i64)
    attributes {tessera.workgroup_count = 1 : i64, tessera.binding_shapes = [],
                tessera.binding_element_bytes = array<i64>, tessera.scratch_bytes = 1088 : i64} {
  llvm.return
}
