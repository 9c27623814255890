// RUN: tessera-opt %s -split-input-file -tessera-convert-graph-to-linalg | FileCheck %s

// Nearest: N and C are copied, H and W map back through the transform and one read.
// CHECK-LABEL: func.func @nearest_asymmetric_floor
// CHECK: linalg.generic
// CHECK: %[[N:.*]] = linalg.index 0
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: math.floor
// CHECK: math.floor
// CHECK: tensor.extract %arg0[%[[N]], %[[C]], %{{.*}}, %{{.*}}]
// CHECK-NOT: tensor.extract
func.func @nearest_asymmetric_floor(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32> {
  %0 = tgraph.resize nearest asymmetric floor %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 3, 8, 8>} : tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// Bilinear: four weighted reads, blended in f64.
// CHECK-LABEL: func.func @linear_half_pixel
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @linear_half_pixel(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tgraph.resize linear half_pixel round_prefer_floor %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 4, 4>} : tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Grid positions are read per output element; bilinear blends four reads, zero outside the input.
// CHECK-LABEL: func.func @grid_sample_bilinear
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %arg1
// CHECK-COUNT-4: tensor.extract %arg0
func.func @grid_sample_bilinear(%x: tensor<1x1x3x2xf32>, %g: tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32> {
  %0 = tgraph.grid_sample bilinear zeros %x, %g {align_corners = false} : tensor<1x1x3x2xf32>, tensor<1x2x4x2xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// Each output bin averages sampling_ratio^2 bilinear samples: 4 samples x 4 reads.
// CHECK-LABEL: func.func @roi_align
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract %arg1
// CHECK: tensor.extract %arg2
// CHECK-COUNT-16: tensor.extract %arg0
func.func @roi_align(%x: tensor<1x1x10x10xf32>, %rois: tensor<3x4xf32>, %idx: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  %0 = tgraph.roi_align %x, %rois, %idx {half_pixel = true, output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f32} : tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>
  return %0 : tensor<3x1x5x5xf32>
}

// -----

// Cubic over two dims: 4 x 4 clamped reads; exclude_outside renormalizes the weights.
// CHECK-LABEL: func.func @cubic_exclude_outside
// CHECK: linalg.generic
// CHECK: math.ceil
// CHECK: arith.divf
// CHECK-COUNT-16: tensor.extract %arg0
func.func @cubic_exclude_outside(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %0 = tgraph.resize cubic half_pixel round_prefer_floor %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 8, 8>, cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x8x8xf32>
}
