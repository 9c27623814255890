// RUN: tessera-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tessera-form-dispatch-regions))' | FileCheck %s
// RUN: tessera-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tessera-form-dispatch-regions{inline-constant-arrays=false}))' | FileCheck %s --check-prefix=BOUND

#id = affine_map<(d0, d1) -> (d0, d1)>
// A root op and its elementwise consumers form one region; fills and empties are cloned in.
// CHECK-LABEL: func.func @matmul_relu
// CHECK: %[[R:.*]] = tdisp.region -> tensor<2x4xf32> {
// CHECK:   linalg.fill
// CHECK:   %[[MM:.*]] = linalg.matmul
// CHECK:   %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[MM]]
// CHECK:   tdisp.return %[[RELU]]
// CHECK: }
// CHECK-NOT: tdisp.region
// CHECK: return %[[R]]
func.func @matmul_relu(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<2x4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

#id = affine_map<(d0) -> (d0)>
// A producer with two users keeps its own region when it is costly to compute twice (a math function):
// each consumer starts a new one.
// CHECK-LABEL: func.func @shared_producer
// CHECK-COUNT-3: tdisp.region
func.func @shared_producer(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.tanh %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.exp %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = math.sqrt %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %y, %z : tensor<4xf32>, tensor<4xf32>
}

// -----

// Reshapes stay on the host between regions.
// CHECK-LABEL: func.func @reshape_between
// CHECK: tdisp.region
// CHECK: tensor.collapse_shape
// CHECK-NOT: tdisp.return
// CHECK: return
func.func @reshape_between(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> tensor<4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  %c = tensor.collapse_shape %mm [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// A depthwise convolution joins the region of its input's zero padding (the kernel pads in cache); its
// fill is cloned in above the pad. A dense convolution leaves its pad in a region of its own.
// CHECK-LABEL: func.func @padded_convolutions
// CHECK: %[[DW:.*]] = tdisp.region -> tensor<1x8x6x6xf32> {
// CHECK:   tensor.pad
// CHECK:   linalg.depthwise_conv_2d_nchw_chw
// CHECK:   tdisp.return
// CHECK: %[[PAD:.*]] = tdisp.region -> tensor<1x8x8x8xf32> {
// CHECK:   tensor.pad
// CHECK:   tdisp.return
// CHECK: tdisp.region -> tensor<1x4x6x6xf32> {
// CHECK:   linalg.conv_2d_nchw_fchw {{.*}} ins(%[[PAD]]
func.func @padded_convolutions(%x: tensor<1x8x6x6xf32>, %w: tensor<8x3x3xf32>, %wd: tensor<4x8x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  %e = tensor.empty() : tensor<1x8x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32>
  %dw = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x8x8x8xf32>, tensor<8x3x3xf32>) outs(%f : tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32>
  %p2 = tensor.pad %dw low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  %e2 = tensor.empty() : tensor<1x4x6x6xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p2, %wd : tensor<1x8x8x8xf32>, tensor<4x8x3x3xf32>) outs(%f2 : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %c : tensor<1x4x6x6xf32>
}

// -----

// The same channels-last: the zero padding of dims 1 and 2 joins; a padding of the channels would not.
// CHECK-LABEL: func.func @padded_depthwise_channels_last
// CHECK: tdisp.region -> tensor<1x6x6x8xf32> {
// CHECK:   tensor.pad
// CHECK:   linalg.depthwise_conv_2d_nhwc_hwc
// CHECK:   tdisp.return
// CHECK: %[[PAD:.*]] = tdisp.region -> tensor<1x6x6x10xf32> {
// CHECK:   tensor.pad
// CHECK:   tdisp.return
// CHECK: tdisp.region -> tensor<1x6x6x10xf32> {
// CHECK:   linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%[[PAD]]
func.func @padded_depthwise_channels_last(%x: tensor<1x6x6x8xf32>, %w: tensor<3x3x8xf32>, %w2: tensor<1x1x10xf32>) -> (tensor<1x6x6x8xf32>, tensor<1x6x6x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x6x6x8xf32> to tensor<1x8x8x8xf32>
  %e = tensor.empty() : tensor<1x6x6x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %dw = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x8x8x8xf32>, tensor<3x3x8xf32>) outs(%f : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %q = tensor.pad %x low[0, 0, 0, 1] high[0, 0, 0, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x6x6x8xf32> to tensor<1x6x6x10xf32>
  %e2 = tensor.empty() : tensor<1x6x6x10xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x6x6x10xf32>) -> tensor<1x6x6x10xf32>
  %dw2 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%q, %w2 : tensor<1x6x6x10xf32>, tensor<1x1x10xf32>) outs(%f2 : tensor<1x6x6x10xf32>) -> tensor<1x6x6x10xf32>
  return %dw, %dw2 : tensor<1x6x6x8xf32>, tensor<1x6x6x10xf32>
}

// -----

// Small constants are cloned into the regions that use them; with inline-constant-arrays=false (a target
// whose kernels cannot index a constant array) only splats are, and a bias array stays a host value that
// the region captures like a weight.
// CHECK-LABEL: func.func @bias_relu
// CHECK: tdisp.region
// CHECK-DAG: arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK: linalg.generic
// BOUND-LABEL: func.func @bias_relu
// BOUND: %[[BIAS:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// BOUND: tdisp.region
// BOUND-NOT: arith.constant dense<[1.0
// BOUND: arith.constant dense<0.000000e+00> : tensor<3xf32>
// BOUND: linalg.generic {{.*}} ins(%arg0, %[[BIAS]], %{{.*}} :
#id = affine_map<(d0) -> (d0)>
func.func @bias_relu(%x: tensor<3xf32>) -> tensor<3xf32> {
  %bias = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %zero = arith.constant dense<0.0> : tensor<3xf32>
  %init = tensor.empty() : tensor<3xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %bias, %zero : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) outs(%init : tensor<3xf32>) {
  ^bb0(%a: f32, %b: f32, %z: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#red = affine_map<(d0, d1) -> (d0)>
// LayerNorm's x - mean is read by the squaring before the variance's sum and by the normalization. It is
// cheap (one subtraction, one full-size operand), so each consumer gets its own copy: the squaring and
// the sum that alone reads it form one region, the normalization another, and no region returns x - mean.
// CHECK-LABEL: func.func @layer_norm_parts
// CHECK: %[[VAR:.*]] = tdisp.region -> tensor<2xf32> {
// CHECK:   %[[D1:.*]] = linalg.generic {{.*}} ins(%arg0, %arg1
// CHECK:   arith.subf
// CHECK:   %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[D1]]
// CHECK:   %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[SQ]]
// CHECK:   tdisp.return %[[SUM]]
// CHECK: %[[Y:.*]] = tdisp.region -> tensor<2x8xf32> {
// CHECK:   %[[D2:.*]] = linalg.generic {{.*}} ins(%arg0, %arg1
// CHECK:   arith.subf
// CHECK:   %[[N:.*]] = linalg.generic {{.*}} ins(%[[D2]], %arg2
// CHECK:   tdisp.return %[[N]]
// CHECK-NOT: tdisp.region
// CHECK: return %[[VAR]], %[[Y]]
func.func @layer_norm_parts(%x: tensor<2x8xf32>, %mean: tensor<2x1xf32>, %scale: tensor<2x1xf32>) -> (tensor<2xf32>, tensor<2x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %mean : tensor<2x8xf32>, tensor<2x1xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%a: f32, %m: f32, %out: f32):
    %s = arith.subf %a, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %p = arith.mulf %a, %a : f32
    linalg.yield %p : f32
  } -> tensor<2x8xf32>
  %e1 = tensor.empty() : tensor<2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %var = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%sq : tensor<2x8xf32>) outs(%f : tensor<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%d, %scale : tensor<2x8xf32>, tensor<2x1xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%a: f32, %k: f32, %out: f32):
    %p = arith.mulf %a, %k : f32
    linalg.yield %p : f32
  } -> tensor<2x8xf32>
  return %var, %y : tensor<2xf32>, tensor<2x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
// A reduction does not join a producer that another op also reads, nor is a producer with a full-size
// second operand copied (x - y read twice would double what it reads).
// CHECK-LABEL: func.func @shared_difference
// CHECK-COUNT-3: tdisp.region
func.func @shared_difference(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2xf32>, tensor<2x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x8xf32>
  %e1 = tensor.empty() : tensor<2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %sum = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%d : tensor<2x8xf32>) outs(%f : tensor<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<2x8xf32>
  return %sum, %neg : tensor<2xf32>, tensor<2x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#red = affine_map<(d0, d1) -> (d0)>
// A bias add that alone reads a product stays its epilogue although two ops read the sum: it is not
// copied into them.
// CHECK-LABEL: func.func @bias_epilogue_shared
// CHECK: %[[P:.*]] = tdisp.region -> tensor<2x4xf32> {
// CHECK:   linalg.matmul
// CHECK:   arith.addf
// CHECK-COUNT-2: tdisp.region
// CHECK-NOT: tdisp.region
func.func @bias_epilogue_shared(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %bias: tensor<4xf32>) -> (tensor<2xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %s = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %bias : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<2x4xf32>
  %e1 = tensor.empty() : tensor<2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %max = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<2x4xf32>) outs(%f1 : tensor<2xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %acc, %x : f32
    linalg.yield %m : f32
  } -> tensor<2xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%x: f32, %out: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<2x4xf32>
  return %max, %neg : tensor<2xf32>, tensor<2x4xf32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
// A product written as a generic (two inputs) is not a reduction that takes its elementwise producer in:
// the producer keeps its region, so the product stays recognizable for its microkernel.
// CHECK-LABEL: func.func @product_keeps_its_kernel
// CHECK-COUNT-2: tdisp.region
func.func @product_keeps_its_kernel(%p: tensor<2x3xf32>, %v: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %half = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %out: f32):
    %h = arith.mulf %x, %x : f32
    linalg.yield %h : f32
  } -> tensor<2x3xf32>
  %e1 = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%half, %v : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  return %mm : tensor<2x4xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// A softmax is a region of its own, and takes no consumer: it cannot be fused into the tiles of an
// op that reads it, so the consumer's kernel would compute it whole in every workgroup.
// CHECK-LABEL: func.func @softmax_then_scale
// CHECK: %[[SM:.*]] = tdisp.region -> tensor<4x8x8xf32> {
// CHECK:   linalg.softmax
// CHECK:   tdisp.return
// CHECK: }
// CHECK: %[[SCALED:.*]] = tdisp.region -> tensor<4x8x8xf32> {
// CHECK:   linalg.generic {{.*}} ins(%[[SM]]
// CHECK: return %[[SCALED]]
func.func @softmax_then_scale(%x: tensor<4x8x8xf32>) -> tensor<4x8x8xf32> {
  %cst = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<4x8x8xf32>
  %sm = linalg.softmax dimension(2) ins(%x : tensor<4x8x8xf32>) outs(%e : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sm : tensor<4x8x8xf32>) outs(%e2 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<4x8x8xf32>
  return %r : tensor<4x8x8xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
// A large concatenation takes no elementwise consumer: tiling cannot split its inserts, so every
// workgroup of the consumer's kernel would build the whole tensor. Its inserts stay one region.
// CHECK-LABEL: func.func @large_concatenation_then_add
// CHECK: %[[CAT:.*]] = tdisp.region -> tensor<64x1024xf32> {
// CHECK:   tensor.insert_slice
// CHECK:   tensor.insert_slice
// CHECK:   tdisp.return
// CHECK: }
// CHECK: %[[SUM:.*]] = tdisp.region -> tensor<64x1024xf32> {
// CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %[[CAT]]
// CHECK: return %[[SUM]]
func.func @large_concatenation_then_add(%a: tensor<64x3xf32>, %b: tensor<64x1021xf32>, %r: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %e = tensor.empty() : tensor<64x1024xf32>
  %0 = tensor.insert_slice %a into %e[0, 0] [64, 3] [1, 1] : tensor<64x3xf32> into tensor<64x1024xf32>
  %1 = tensor.insert_slice %b into %0[0, 3] [64, 1021] [1, 1] : tensor<64x1021xf32> into tensor<64x1024xf32>
  %e2 = tensor.empty() : tensor<64x1024xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%r, %1 : tensor<64x1024xf32>, tensor<64x1024xf32>) outs(%e2 : tensor<64x1024xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<64x1024xf32>
  return %s : tensor<64x1024xf32>
}

// A small one does (one kernel instead of two).
// CHECK-LABEL: func.func @small_concatenation_then_add
// CHECK: %[[ONE:.*]] = tdisp.region -> tensor<4x8xf32> {
// CHECK:   tensor.insert_slice
// CHECK:   tensor.insert_slice
// CHECK:   linalg.generic
// CHECK:   tdisp.return
// CHECK: }
// CHECK-NOT: tdisp.region
// CHECK: return %[[ONE]]
func.func @small_concatenation_then_add(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>, %r: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = tensor.insert_slice %a into %e[0, 0] [4, 3] [1, 1] : tensor<4x3xf32> into tensor<4x8xf32>
  %1 = tensor.insert_slice %b into %0[0, 3] [4, 5] [1, 1] : tensor<4x5xf32> into tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%r, %1 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// A layer normalization is an aggregate op like a softmax: a region of its own, taking no consumer.
// CHECK-LABEL: func.func @layer_norm_then_scale
// CHECK: %[[LN:.*]] = tdisp.region -> tensor<4x8x64xf32> {
// CHECK:   tdisp.layer_norm
// CHECK:   tdisp.return
// CHECK: }
// CHECK: %[[SCALED:.*]] = tdisp.region -> tensor<4x8x64xf32> {
// CHECK:   linalg.generic {{.*}} ins(%[[LN]]
// CHECK: return %[[SCALED]]
func.func @layer_norm_then_scale(%x: tensor<4x8x64xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<4x8x64xf32> {
  %cst = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<4x8x64xf32>
  %ln = tdisp.layer_norm ins(%x, %s, %b : tensor<4x8x64xf32>, tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<4x8x64xf32>) axis(2) epsilon(1.0e-05) -> tensor<4x8x64xf32>
  %e2 = tensor.empty() : tensor<4x8x64xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ln : tensor<4x8x64xf32>) outs(%e2 : tensor<4x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<4x8x64xf32>
  return %r : tensor<4x8x64xf32>
}
