// RUN: tessera-opt %s --tessera-check-declared-shapes --split-input-file | FileCheck %s

// An output declared [4] over a size read at run time: the size is asserted and the cast becomes a
// tensor.cast (which canonicalization folds into the generic, compiling it at the declared size).
// CHECK-LABEL: func.func @declared_over_computed
//  CHECK-SAME:   (%[[X:.*]]: tensor<8xf32>, %[[N:.*]]: tensor<i64>)
//       CHECK:   %[[E:.*]] = tensor.extract %[[N]][]
//       CHECK:   %[[SIZE:.*]] = arith.index_cast %[[E]]
//       CHECK:   %[[G:.*]] = linalg.generic
//       CHECK:   %[[FOUR:.*]] = arith.constant 4 : index
//       CHECK:   %[[SAME:.*]] = arith.cmpi eq, %[[SIZE]], %[[FOUR]] : index
//       CHECK:   cf.assert %[[SAME]], "dim 0 is declared 4"
//       CHECK:   %[[CAST:.*]] = tensor.cast %[[G]] : tensor<?xf32> to tensor<4xf32>
//       CHECK:   return %[[CAST]]
#map = affine_map<(d0) -> (d0)>
func.func @declared_over_computed(%x: tensor<8xf32>, %n: tensor<i64>) -> tensor<4xf32> {
  %e = tensor.extract %n[] : tensor<i64>
  %size = arith.index_cast %e : i64 to index
  %init = tensor.empty(%size) : tensor<?xf32>
  %g = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%init : tensor<?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %v = tensor.extract %x[%i] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  %declared = builtin.unrealized_conversion_cast %g : tensor<?xf32> to tensor<4xf32>
  return %declared : tensor<4xf32>
}

// -----

// A value no linalg op computes into a tensor.empty keeps the unrealized cast (the schedule checks it
// where it reinterprets the buffer).
// CHECK-LABEL: func.func @reshaped
//   CHECK-NOT:   cf.assert
//       CHECK:   builtin.unrealized_conversion_cast %{{.*}} : tensor<?xf32> to tensor<4xf32>
func.func @reshaped(%x: tensor<2x2xf32>, %shape: tensor<1xi64>) -> tensor<4xf32> {
  %r = tensor.reshape %x(%shape) : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<?xf32>
  %declared = builtin.unrealized_conversion_cast %r : tensor<?xf32> to tensor<4xf32>
  return %declared : tensor<4xf32>
}
