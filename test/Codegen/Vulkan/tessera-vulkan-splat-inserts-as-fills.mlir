// RUN: tessera-opt %s -split-input-file -tessera-vulkan-splat-inserts-as-fills | FileCheck %s

// A shape vector [n, 1, 1, m]: the two inserted splat constants become fills of their slices of the
// result, which bufferize in place (no constant array in the kernel); the run-time parts stay inserts.
// CHECK-LABEL: func.func @shape_vector
// CHECK-SAME: (%[[N:.*]]: tensor<1xi64>, %[[M:.*]]: tensor<1xi64>)
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[N]] into %{{.*}}[0] [1] [1]
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[R0]][1] [1] [1]
// CHECK: %[[F1:.*]] = linalg.fill ins(%[[ONE]] : i64) outs(%[[S1]] : tensor<1xi64>)
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[F1]] into %[[R0]][1] [1] [1]
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[R1]][2] [1] [1]
// CHECK: %[[F2:.*]] = linalg.fill ins(%[[ONE]] : i64) outs(%[[S2]] : tensor<1xi64>)
// CHECK: %[[R2:.*]] = tensor.insert_slice %[[F2]] into %[[R1]][2] [1] [1]
// CHECK: tensor.insert_slice %[[M]] into %[[R2]][3] [1] [1]
// CHECK-NOT: dense<1>
func.func @shape_vector(%n: tensor<1xi64>, %m: tensor<1xi64>) -> tensor<4xi64> {
  %one = arith.constant dense<1> : tensor<1xi64>
  %e = tensor.empty() : tensor<4xi64>
  %0 = tensor.insert_slice %n into %e[0] [1] [1] : tensor<1xi64> into tensor<4xi64>
  %1 = tensor.insert_slice %one into %0[1] [1] [1] : tensor<1xi64> into tensor<4xi64>
  %2 = tensor.insert_slice %one into %1[2] [1] [1] : tensor<1xi64> into tensor<4xi64>
  %3 = tensor.insert_slice %m into %2[3] [1] [1] : tensor<1xi64> into tensor<4xi64>
  return %3 : tensor<4xi64>
}

// -----

// A constant that is not a splat is left alone (the kernel then stays on the CPU).
// CHECK-LABEL: func.func @not_splat
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0] [2] [1]
// CHECK-NOT: linalg.fill
func.func @not_splat(%d: tensor<4xi64>) -> tensor<4xi64> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi64>
  %0 = tensor.insert_slice %c into %d[0] [2] [1] : tensor<2xi64> into tensor<4xi64>
  return %0 : tensor<4xi64>
}
