// RUN: tessera-opt %s -split-input-file -tessera-cpu-decompose-result-pads | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-decompose-result-pads=convolution-inputs=1 | FileCheck %s --check-prefix=CONV
// RUN: tessera-opt %s -split-input-file -tessera-cpu-decompose-result-pads="convolution-inputs=1 result-pads=0" | FileCheck %s --check-prefix=BEFORE

// A kernel that only pads fills its result and inserts the input: after bufferization both write the
// output binding, with no temporary.
// CHECK-LABEL: func.func @pad_kernel
// CHECK-NOT: tensor.pad
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x6x6xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<1x2x6x6xf32>)
// CHECK: %[[R:.*]] = tensor.insert_slice %arg0 into %[[F]][0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK: return %[[R]]
func.func @pad_kernel(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
  return %p : tensor<1x2x6x6xf32>
}

// -----

// A pad feeding a computation in the same kernel is left for tiling to fuse.
// CHECK-LABEL: func.func @fused_pad
// CHECK: tensor.pad
func.func @fused_pad(%x: tensor<4xf32>) -> tensor<6xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %zero : f32
  } : tensor<4xf32> to tensor<6xf32>
  %e = tensor.empty() : tensor<6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%p : tensor<6xf32>) outs(%e : tensor<6xf32>) {
  ^bb0(%a: f32, %b: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<6xf32>
  return %r : tensor<6xf32>
}

// -----

// With convolution-inputs, a pad feeding a convolution in the kernel becomes a fill and an insert_slice
// (left whole by tiling; the microkernel lowering then reads the image instead).
// CONV-LABEL: func.func @convolution_input
// CONV: %[[FILL:.*]] = linalg.fill
// CONV: %[[PADDED:.*]] = tensor.insert_slice %{{.*}} into %[[FILL]][0, 0, 1, 1] [1, 2, 4, 4]
// CONV: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%[[PADDED]]
// CHECK-LABEL: func.func @convolution_input
// CHECK: tensor.pad
func.func @convolution_input(%x: tensor<1x2x4x4xf32>, %w: tensor<2x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %dw = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x2x6x6xf32>, tensor<2x3x3xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %dw : tensor<1x2x4x4xf32>
}

// -----

// A workgroup's share of a result pad (the kernel split into workgroups by channels) is decomposed too:
// each workgroup fills and copies into its slice of the output. Before distribution (result-pads=0)
// result pads stay whole, so the kernel can still split as a pad.
// CHECK-LABEL: func.func @pad_share
// CHECK-NOT: tensor.pad
// CHECK: scf.forall
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[R:.*]] = tensor.insert_slice %{{.*}} into %[[F]][0, 0, 1, 1]
// CHECK: tensor.parallel_insert_slice %[[R]]
// BEFORE-LABEL: func.func @pad_kernel
// BEFORE: tensor.pad
// BEFORE-LABEL: func.func @pad_share
// BEFORE: tensor.pad
func.func @pad_share(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x6x6xf32>
  %r = scf.forall (%c) = (0) to (8) step (4) shared_outs(%out = %e) -> (tensor<1x8x6x6xf32>) {
    %in = tensor.extract_slice %x[0, %c, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
    %p = tensor.pad %in low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%a: index, %b: index, %i: index, %j: index):
      tensor.yield %zero : f32
    } : tensor<1x4x4x4xf32> to tensor<1x4x6x6xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %out[0, %c, 0, 0] [1, 4, 6, 6] [1, 1, 1, 1] : tensor<1x4x6x6xf32> into tensor<1x8x6x6xf32>
    }
  }
  return %r : tensor<1x8x6x6xf32>
}
