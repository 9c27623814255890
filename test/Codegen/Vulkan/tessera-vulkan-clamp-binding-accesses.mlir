// RUN: tessera-opt %s -split-input-file -tessera-vulkan-clamp-binding-accesses | FileCheck %s

// Dispatch parameters after the status word: the dispatch's 2 constants (the run-time dims of %a and %y),
// then the 3 bindings' byte lengths. The bindings of run-time shape become 1-D, each access at its row-major
// offset clamped to the last element the binding's length holds; the static binding's index is clamped to
// its dim.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: (%[[A:arg[0-9]+]]: memref<?xf32>, %[[W:arg[0-9]+]]: memref<4xf32>, %[[Y:arg[0-9]+]]: memref<?xf32>, %[[S:arg[0-9]+]]: memref<6xi32>)
// CHECK: %[[ALEN:.*]] = memref.load %[[S]][%c3{{.*}}] : memref<6xi32>
// CHECK: %[[ABYTES:.*]] = arith.index_castui %[[ALEN]] : i32 to index
// CHECK: %[[AELEMS:.*]] = arith.divui %[[ABYTES]], %{{.*}} : index
// CHECK: %[[AATLEAST1:.*]] = arith.maxui %[[AELEMS]], %{{.*}} : index
// CHECK: %[[ALAST:.*]] = arith.subi %[[AATLEAST1]], %{{.*}} : index
// CHECK: %[[AOFFSET:.*]] = arith.minui %{{.*}}, %[[ALAST]] : index
// CHECK: memref.load %[[A]][%[[AOFFSET]]] : memref<?xf32>
// CHECK: %[[WINDEX:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// CHECK: memref.load %[[W]][%[[WINDEX]]] : memref<4xf32>
// CHECK: %[[YOFFSET:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// CHECK: memref.store %{{.*}}, %[[Y]][%[[YOFFSET]]] : memref<?xf32>
module attributes {gpu.container_module} {
  gpu.module @k_module {
    gpu.func @k(%a: memref<?x4xf32>, %w: memref<4xf32>, %y: memref<?x4xf32>, %status: memref<6xi32>) kernel
        attributes {tessera.dispatch_constants = 2 : i64, tessera.binding_access = array<i32: 1, 1, 2>} {
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %x = memref.load %a[%c3, %c0] : memref<?x4xf32>
      %v = memref.load %w[%c3] : memref<4xf32>
      %s = arith.addf %x, %v : f32
      memref.store %s, %y[%c3, %c0] : memref<?x4xf32>
      gpu.return
    }
  }
}

// -----

// Kernels that read no constants are left as they are.
// CHECK-LABEL: gpu.module @static_module
// CHECK: gpu.func @static
// CHECK: memref.load %{{.*}}[%c3] : memref<4xf32>
module attributes {gpu.container_module} {
  gpu.module @static_module {
    gpu.func @static(%w: memref<4xf32>) kernel attributes {tessera.binding_access = array<i32: 1>} {
      %c3 = arith.constant 3 : index
      %v = memref.load %w[%c3] : memref<4xf32>
      gpu.return
    }
  }
}
