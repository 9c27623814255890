// RUN: tessera-opt %s -split-input-file -tessera-cpu-winograd-convolutions | FileCheck %s

// A 3x3 stride-1 convolution on a 56x56 image (196 tiles of 4x4) with constant filters: the filters
// are transformed into a [36, F, C] weight (the old one goes), and the zero padding of the input
// becomes the window origin (-1, -1), so the convolution reads the unpadded image.
// CHECK-LABEL: module
// CHECK-NOT: tgraph.global @w :
// CHECK: tgraph.global @w_winograd : tensor<36x32x16xf32> = dense_resource<w_winograd>
// CHECK: func.func @conv(%[[X:.*]]: tensor<1x16x56x56xf32>)
// CHECK-DAG: %[[U:.*]] = tgraph.global_load @w_winograd : tensor<36x32x16xf32>
// CHECK-DAG: %[[FILL:.*]] = linalg.fill
// CHECK: %[[Y:.*]] = tdisp.winograd_conv2d ins(%[[X]], %[[U]] : tensor<1x16x56x56xf32>, tensor<36x32x16xf32>) outs(%[[FILL]] : tensor<1x32x56x56xf32>) origin(%c-1{{(_[0-9]+)?}}, %c-1{{(_[0-9]+)?}})
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: return %[[Y]]
module {
  tgraph.global @w : tensor<32x16x3x3xf32> = dense<1.0> : tensor<32x16x3x3xf32>
  func.func @conv(%x: tensor<1x16x56x56xf32>) -> tensor<1x32x56x56xf32> {
    %zero = arith.constant 0.0 : f32
    %w = tgraph.global_load @w : tensor<32x16x3x3xf32>
    %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x16x56x56xf32> to tensor<1x16x58x58xf32>
    %e = tensor.empty() : tensor<1x32x56x56xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
    %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %w : tensor<1x16x58x58xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
    return %y : tensor<1x32x56x56xf32>
  }
}

// -----

// Left alone: a 7x7 image (4 tiles: a quarter of the smallest block), a stride of 2, too few input channels, and
// filters that are not constants. The filters another convolution still reads stay.
// CHECK-LABEL: module
// CHECK: tgraph.global @w2 : tensor<32x16x3x3xf32>
// CHECK-NOT: winograd
// CHECK-COUNT-4: linalg.conv_2d_nchw_fchw
// CHECK-NOT: winograd
module {
  tgraph.global @w2 : tensor<32x16x3x3xf32> = dense<1.0> : tensor<32x16x3x3xf32>
  tgraph.global @w8 : tensor<32x8x3x3xf32> = dense<1.0> : tensor<32x8x3x3xf32>
  func.func @small(%x: tensor<1x16x9x9xf32>, %big: tensor<1x16x58x58xf32>, %few: tensor<1x8x58x58xf32>,
                   %wx: tensor<32x16x3x3xf32>)
      -> (tensor<1x32x7x7xf32>, tensor<1x32x28x28xf32>, tensor<1x32x56x56xf32>, tensor<1x32x56x56xf32>) {
    %w = tgraph.global_load @w2 : tensor<32x16x3x3xf32>
    %w8 = tgraph.global_load @w8 : tensor<32x8x3x3xf32>
    %e = tensor.empty() : tensor<1x32x7x7xf32>
    %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x9x9xf32>, tensor<32x16x3x3xf32>) outs(%e : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
    %e2 = tensor.empty() : tensor<1x32x28x28xf32>
    %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%big, %w : tensor<1x16x58x58xf32>, tensor<32x16x3x3xf32>) outs(%e2 : tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32>
    %e3 = tensor.empty() : tensor<1x32x56x56xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%few, %w8 : tensor<1x8x58x58xf32>, tensor<32x8x3x3xf32>) outs(%e3 : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
    %d = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%big, %wx : tensor<1x16x58x58xf32>, tensor<32x16x3x3xf32>) outs(%e3 : tensor<1x32x56x56xf32>) -> tensor<1x32x56x56xf32>
    return %a, %b, %c, %d : tensor<1x32x7x7xf32>, tensor<1x32x28x28xf32>, tensor<1x32x56x56xf32>, tensor<1x32x56x56xf32>
  }
}

// -----

// Left alone: filters whose transform would take 36 MiB (512 x 512), though the image has tiles enough.
// CHECK-LABEL: module
// CHECK-NOT: winograd
// CHECK: linalg.conv_2d_nchw_fchw
module {
  tgraph.global @w : tensor<512x512x3x3xf32> = dense<1.0> : tensor<512x512x3x3xf32>
  func.func @wide(%x: tensor<1x512x30x30xf32>) -> tensor<1x512x28x28xf32> {
    %w = tgraph.global_load @w : tensor<512x512x3x3xf32>
    %e = tensor.empty() : tensor<1x512x28x28xf32>
    %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x512x30x30xf32>, tensor<512x512x3x3xf32>) outs(%e : tensor<1x512x28x28xf32>) -> tensor<1x512x28x28xf32>
    return %y : tensor<1x512x28x28xf32>
  }
}
