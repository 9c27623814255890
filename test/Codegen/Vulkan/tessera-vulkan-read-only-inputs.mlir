// RUN: tessera-opt %s -tessera-vulkan-read-only-inputs | FileCheck %s
// RUN: tessera-opt %s -tessera-vulkan-read-only-inputs -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUFFERIZED

// Every tensor argument is marked read-only; index arguments (dims) are left as they are.
// The result will be an output binding after the three arguments.
// CHECK-LABEL: func.func @insert_into_input
// CHECK-SAME: (%{{.*}}: tensor<1xi64> {bufferization.writable = false}, %{{.*}}: tensor<3xi64> {bufferization.writable = false}, %{{.*}}: index)
// CHECK-SAME: attributes {tessera.first_result_binding = 3 : i64}

// Bufferized, the insert into the input goes to a new buffer (the kernel's result), which takes a copy of
// the input: the input binding is only read.
// BUFFERIZED-LABEL: func.func @insert_into_input
// BUFFERIZED: %[[NEW:.*]] = memref.alloc() {{.*}}: memref<3xi64>
// BUFFERIZED: memref.copy %arg1, %[[NEW]]
// BUFFERIZED: %[[SLOT:.*]] = memref.subview %[[NEW]][1] [1] [1]
// BUFFERIZED: memref.copy %arg0, %[[SLOT]]
// BUFFERIZED: return %[[NEW]]
func.func @insert_into_input(%x: tensor<1xi64>, %shape: tensor<3xi64>, %n: index) -> tensor<3xi64> {
  %0 = tensor.insert_slice %x into %shape[1] [1] [1] : tensor<1xi64> into tensor<3xi64>
  return %0 : tensor<3xi64>
}
