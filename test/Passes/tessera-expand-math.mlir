// RUN: tessera-opt %s -tessera-expand-math | FileCheck %s

// Transcendentals become polynomials (the same formulas on every target).
// CHECK-LABEL: func.func @approximated
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK: arith.mulf
// CHECK: return
func.func @approximated(%x: f32) -> (f32, f32, f32) {
  %0 = math.tanh %x : f32
  %1 = math.erf %x : f32
  %2 = math.exp %x : f32
  return %0, %1, %2 : f32, f32, f32
}

// Ops without an approximation stay (lowered to libm later).
// CHECK-LABEL: func.func @kept
// CHECK: math.sinh
func.func @kept(%x: f32) -> f32 {
  %0 = math.sinh %x : f32
  return %0 : f32
}
