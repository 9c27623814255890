// RUN: tessera-opt %s -tessera-decompose-aggregate-ops | FileCheck %s

// The upstream decomposition: the row max, exp(x - max) written to the destination, the sum of the
// exponentials, and the division in place; each reads the per-row values through a map without the
// softmax dim.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @softmax
// CHECK-NOT: linalg.softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0 : tensor<2x3x8xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%arg0, %[[MAX]] : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%arg1 : tensor<2x3x8xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<2x3x8xf32>)
// CHECK: arith.addf
// CHECK: %[[DIV:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%arg1 : tensor<2x3x8xf32>)
// CHECK: arith.divf
// CHECK: return %[[DIV]]
func.func @softmax(%x: tensor<2x3x8xf32>, %init: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = linalg.softmax dimension(2) ins(%x : tensor<2x3x8xf32>) outs(%init : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}
