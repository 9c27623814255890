// RUN: tessera-opt %s -tessera-fuse-elementwise-ops -split-input-file | FileCheck %s
// RUN: tessera-opt %s -tessera-fuse-elementwise-ops=into-elementwise-only -split-input-file | FileCheck %s --check-prefix=ELT
// RUN: tessera-opt %s -tessera-fuse-elementwise-ops=max-body-ops=4 -split-input-file | FileCheck %s --check-prefix=CAP

#id = affine_map<(d0, d1) -> (d0, d1)>
// SiLU: the sigmoid generic fuses into the multiply; one loop nest reads %x once.
// CHECK-LABEL: func.func @silu
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<4x8xf32>)
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return
// ELT-LABEL: func.func @silu
// ELT-COUNT-1: linalg.generic
// ELT-NOT: linalg.generic
// ELT: return
func.func @silu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x2 = math.exp %n : f32
    %d = arith.addf %x2, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#id = affine_map<(d0) -> (d0)>
// A producer with a second user is computed once, not fused into both.
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
func.func @shared(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// A gate broadcast over the consumer's columns: inside a kernel it fuses (the kernel is one loop nest
// anyway); before dispatch formation it stays, or the sigmoid would run once per column instead of once.
// CHECK-LABEL: func.func @broadcast_gate
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// ELT-LABEL: func.func @broadcast_gate
// ELT-COUNT-2: linalg.generic
func.func @broadcast_gate(%x: tensor<4x8xf32>, %g: tensor<4xf32>) -> tensor<4x8xf32> {
  %e4 = tensor.empty() : tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%g : tensor<4xf32>) outs(%e4 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// A contraction consumer keeps its plain multiply-add body before dispatch formation (the microkernel
// lowering matches it); inside a kernel the producer fuses.
// CHECK-LABEL: func.func @into_contraction
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// ELT-LABEL: func.func @into_contraction
// ELT-COUNT-2: linalg.generic
func.func @into_contraction(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %b : tensor<4x8xf32>, tensor<8x2xf32>) outs(%c : tensor<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %m : tensor<4x2xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// A chain is cut where a fused body would pass max-body-ops (here 4: two ops and the yield fit, three do
// not), so a long chain compiles in linear time.
// CHECK-LABEL: func.func @long_chain
// CHECK: linalg.generic
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: math.sin
// CHECK-NOT: linalg.generic
// CAP-LABEL: func.func @long_chain
// CAP-COUNT-2: linalg.generic
// CAP-NOT: linalg.generic
// CAP: return
func.func @long_chain(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.exp %in : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.sin %in : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// A producer whose body checks an index (a gather) fuses into its consumer; left without users it is
// erased although tdisp.error_if writes: the fused op repeats the check.
#id1 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @checked_producer
// CHECK: linalg.generic
// CHECK: tdisp.error_if
// CHECK-NOT: linalg.generic
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return
// ELT-LABEL: func.func @checked_producer
// ELT: linalg.generic
// ELT: tdisp.error_if
// ELT-NOT: linalg.generic
// ELT: arith.addf
// ELT-NOT: linalg.generic
// ELT: return
func.func @checked_producer(%data: tensor<8xf32>, %idx: tensor<4xi64>) -> tensor<4xf32> {
  %e0 = tensor.empty() : tensor<4xf32>
  %g = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%idx : tensor<4xi64>) outs(%e0 : tensor<4xf32>) {
  ^bb0(%i: i64, %out: f32):
    %c8 = arith.constant 8 : i64
    %outside = arith.cmpi uge, %i, %c8 : i64
    tdisp.error_if %outside, index_out_of_range
    %j = arith.index_cast %i : i64 to index
    %v = tensor.extract %data[%j] : tensor<8xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%g : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
