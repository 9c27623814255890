// RUN: tessera-opt %s -tessera-vulkan-round-divisions-correctly | FileCheck %s

// A profile with Float64 divides f32 in f64 and rounds the quotient to f32; every use reads it.
// CHECK-LABEL: module @with_float64
// CHECK-LABEL: func.func @scalar
// CHECK: %[[A:.*]] = arith.extf %arg0 : f32 to f64
// CHECK: %[[B:.*]] = arith.extf %arg1 : f32 to f64
// CHECK: %[[Q:.*]] = arith.divf %[[A]], %[[B]] : f64
// CHECK: %[[Y:.*]] = arith.truncf %[[Q]] : f64 to f32
// CHECK: %[[Z:.*]] = arith.mulf %[[Y]], %[[Y]] : f32
// CHECK: return %[[Z]]
// Vectors lane by lane; f16 and f64 divisions stay.
// CHECK-LABEL: func.func @vector
// CHECK: arith.extf %arg0 : vector<4xf32> to vector<4xf64>
// CHECK: arith.divf {{.*}} : vector<4xf64>
// CHECK: arith.truncf {{.*}} : vector<4xf64> to vector<4xf32>
// CHECK-LABEL: func.func @f16_f64
// CHECK-NOT: arith.extf
// CHECK: arith.divf %arg0, %arg1 : f16
// CHECK: arith.divf %arg2, %arg3 : f64
module @with_float64 attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Float64], []>,
                                                                      #spirv.resource_limits<>>} {
  func.func @scalar(%a: f32, %b: f32) -> f32 {
    %q = arith.divf %a, %b : f32
    %z = arith.mulf %q, %q : f32
    return %z : f32
  }
  func.func @vector(%a: vector<4xf32>, %b: vector<4xf32>) -> vector<4xf32> {
    %q = arith.divf %a, %b : vector<4xf32>
    return %q : vector<4xf32>
  }
  func.func @f16_f64(%a: f16, %b: f16, %c: f64, %d: f64) -> (f16, f64) {
    %q = arith.divf %a, %b : f16
    %r = arith.divf %c, %d : f64
    return %q, %r : f16, f64
  }
}

// Without Float64 (the baseline profile) divisions stay as they are.
// CHECK-LABEL: module @without_float64
// CHECK-NOT: arith.extf
// CHECK: arith.divf %arg0, %arg1 : f32
module @without_float64 attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader], []>,
                                                                         #spirv.resource_limits<>>} {
  func.func @scalar(%a: f32, %b: f32) -> f32 {
    %q = arith.divf %a, %b : f32
    return %q : f32
  }
}
