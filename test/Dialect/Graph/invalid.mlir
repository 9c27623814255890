// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  %0 = tgraph.add %a, %b : tensor<2x3xf32>, tensor<4xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @broadcast_result_mismatch(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @bad_reshape(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error@+1 {{element count changes from 6 to 7}}
  %0 = tgraph.reshape %a {sizes = array<i64: 7>} : tensor<2x3xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @bad_perm(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{perm is not a permutation}}
  %0 = tgraph.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32>
  return
}

// -----

func.func @bad_conv(%x: tensor<1x3x8x8xf32>, %k: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{input channels 3 != weight channels 2 x group 1}}
  %0 = tgraph.conv %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @bad_channels_last_conv(%x: tensor<1x8x8x3xf32>, %k: tensor<3x3x2x4xf32>) -> tensor<1x6x6x4xf32> {
  // expected-error@+1 {{input channels 3 != weight channels 2 x group 1}}
  %0 = tgraph.conv %x, %k {channels_last, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x8x8x3xf32>, tensor<3x3x2x4xf32>
  return %0 : tensor<1x6x6x4xf32>
}

// -----

func.func @channels_last_conv_1d(%x: tensor<1x8x3xf32>, %k: tensor<3x3x4xf32>) {
  // expected-error@+1 {{a channels-last convolution needs rank-4 input and weight}}
  %0 = tgraph.conv %x, %k {channels_last, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>, group = 1} : tensor<1x8x3xf32>, tensor<3x3x4xf32>
  return
}

// -----

func.func @bad_reduce(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [sum, mean, max, min, prod, l1, l2, log_sum, log_sum_exp, sum_square, argmax, argmin]}}
  %0 = tgraph.reduce median %x {axes = array<i64: 1>, keepdims = false} : tensor<2x3xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @pool_stride_zero(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+1 {{kernel_shape, strides and dilations must be positive}}
  %0 = tgraph.pool max %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, original_end_pads = array<i64: 0, 0>} : tensor<1x1x4x4xf32>
  return
}

// -----

func.func @pool_negative_pad(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+1 {{pads must be non-negative}}
  %0 = tgraph.pool avg %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, -1, 0, 0>, original_end_pads = array<i64: 0, 0>} : tensor<1x1x4x4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %0 = tgraph.softmax softmax %x {axis = 2} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %k: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{strides and dilations must be positive}}
  %0 = tgraph.conv %x, %k {strides = array<i64: 1, 0>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_group_filters(%x: tensor<1x4x8x8xf32>, %k: tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error@+1 {{filters 3 are not a multiple of group 2}}
  %0 = tgraph.conv %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2} : tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @missing_global() -> tensor<4xf32> {
  // expected-error@+1 {{'nope' does not reference a tgraph.global}}
  %0 = tgraph.global_load @nope : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error@+1 {{value type 'tensor<2xf32>' does not match declared type 'tensor<4xf32>'}}
tgraph.global @w : tensor<4xf32> = dense<[1.0, 2.0]> : tensor<2xf32>

// -----

func.func @concat_axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error@+1 {{axis 2 is out of range}}
  %0 = tgraph.concat %a, %b {axis = 2} : tensor<2x3xf32>, tensor<2x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_other_dim(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error@+1 {{disagrees with the result 'tensor<4x3xf32>' in dim 1}}
  %0 = tgraph.concat %a, %b {axis = 0} : tensor<2x3xf32>, tensor<2x4xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_total(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error@+1 {{inputs add up to 4 along axis 0, the result has 5}}
  %0 = "tgraph.concat"(%a, %b) <{axis = 0 : i64}> : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @gather_axis(%d: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<4x2xf32> {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %0 = tgraph.gather %d, %i {axis = 2} : tensor<4x3xf32>, tensor<2xi64>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @gather_rank(%d: tensor<4x3xf32>, %i: tensor<2xi64>) {
  // expected-error@+1 {{result rank 1 is not data rank - 1 + indices rank (2)}}
  %0 = "tgraph.gather"(%d, %i) <{axis = 0 : i64}> : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @slice_zero_step(%x: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{steps must be non-zero}}
  %0 = tgraph.slice %x {sizes = array<i64: 2, 3>, starts = array<i64: 0, 0>, steps = array<i64: 2, 0>} : tensor<4x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_entries(%x: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{expects one start and one step per dim of rank 2}}
  %0 = tgraph.slice %x {sizes = array<i64: 2, 3>, starts = array<i64: 0>, steps = array<i64: 2>} : tensor<4x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_dynamic_dim_not_whole(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{dim 0 of run-time size must be kept whole (start 0, step 1)}}
  %0 = tgraph.slice %x {sizes = array<i64: -9223372036854775808, 3>, starts = array<i64: 1, 0>, steps = array<i64: 1, 1>} : tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @cumsum_axis(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{axis 1 is out of range for rank 1}}
  %0 = tgraph.cumsum %x {axis = 1 : i64, exclusive = false, reverse = false} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @topk_axis(%x: tensor<4x5xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>) {
  // expected-error@+1 {{axis -1 is out of range}}
  %v, %i = tgraph.topk %x {k = 2 : i64, axis = -1 : i64, largest = true, sorted = true} : tensor<4x5xf32>
  return %v, %i : tensor<4x2xf32>, tensor<4x2xi64>
}

// -----

func.func @pad_unknown_mode(%x: tensor<3xf32>) -> tensor<5xf32> {
  // expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'mode' [constant, reflect, edge]}}
  %0 = tgraph.pad wrap %x {pads = array<i64: 1, 1>} : tensor<3xf32>
  return %0 : tensor<5xf32>
}

// -----

// Ops infer their result types; a declared type must agree with the inferred one.
func.func @comparison_result_not_i1(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2xi1>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %r = "tgraph.less"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @where_shapes_do_not_broadcast(%c: tensor<3xi1>, %x: tensor<2xf32>, %y: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{operand shapes 'tensor<3xi1>' and 'tensor<2xf32>' and 'tensor<2xf32>' do not broadcast}}
  %r = tgraph.where %c, %x, %y : tensor<3xi1>, tensor<2xf32>, tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

func.func @gather_nd_tuples_too_long(%d: tensor<2x3xf32>, %i: tensor<4x3xi64>) -> tensor<4xf32> {
  // expected-error@+1 {{index tuples of 3 after 0 batch dims do not fit a rank-2 input}}
  %0 = tgraph.gather_nd %d, %i {batch_dims = 0 : i64} : tensor<2x3xf32>, tensor<4x3xi64>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_elements_rank_mismatch(%d: tensor<2x3xf32>, %i: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error@+1 {{expected data and indices of one rank}}
  %0 = tgraph.gather_elements %d, %i {axis = 0 : i64} : tensor<2x3xf32>, tensor<4xi64>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_elements_result_unlike_indices(%d: tensor<2x3xf32>, %i: tensor<2x3xi64>) {
  // expected-error@+1 {{expects indices of the data's rank and a result shaped like the indices}}
  %0 = "tgraph.gather_elements"(%d, %i) <{axis = 0 : i64}> : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2x2xf32>
  return
}

// -----

func.func @scatter_elements_updates_unlike_indices(%d: tensor<3x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x3xf32>) -> tensor<3x4xf32> {
  // expected-error@+1 {{expects indices and updates of one shape, of the data's rank}}
  %0 = tgraph.scatter_elements none %d, %i, %u {axis = 0 : i64} : tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x3xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @scatter_elements_axis_out_of_range(%d: tensor<3x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {
  // expected-error@+1 {{axis 2 is out of range}}
  %0 = tgraph.scatter_elements add %d, %i, %u {axis = 2 : i64} : tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @pad_below_zero(%x: tensor<2x3xf32>) -> tensor<2x0xf32> {
  // expected-error@+1 {{pads make dim 1 negative}}
  %0 = tgraph.pad constant %x {pads = array<i64: 0, -2, 0, -2>} : tensor<2x3xf32>
  return %0 : tensor<2x0xf32>
}

// -----

func.func @shape_wrong_length(%x: tensor<2x3x4xf32>) -> tensor<3xi64> {
  // expected-error@+2 {{inferred type(s) 'tensor<2xi64>' are incompatible with return type(s) of operation 'tensor<3xi64>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.shape"(%x) <{end = 3 : i64, start = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @range_constant_count_mismatch(%s: tensor<i64>, %d: tensor<i64>) -> tensor<4xi64> {
  %n = tgraph.constant dense<3> : tensor<i64>
  // expected-error@+2 {{inferred type(s) 'tensor<3xi64>' are incompatible with return type(s) of operation 'tensor<4xi64>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.range"(%s, %d, %n) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @resize_sizes_disagree(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x1x4x5xf32>' are incompatible with return type(s) of operation 'tensor<1x1x4x4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.resize"(%x) <{mode = 0 : i32, coordinate_transformation_mode = 3 : i32, nearest_mode = 2 : i32, scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 4, 5>}> : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @roi_align_empty_bins(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %i: tensor<2xi64>) -> tensor<2x1x0x2xf32> {
  // expected-error@+1 {{output_height and output_width must be positive}}
  %0 = tgraph.roi_align %x, %r, %i {half_pixel = true, output_height = 0 : i64, output_width = 2 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f32} : tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>
  return %0 : tensor<2x1x0x2xf32>
}

// -----

func.func @einsum_unknown_output_dim(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{output loop dim 5 indexes no operand}}
  %0 = tgraph.einsum %a, %b {operand_dims = [array<i64: 0, 2>, array<i64: 2, 1>], output_dims = array<i64: 0, 5>} : tensor<2x3xf32>, tensor<3x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @grid_sample_sizes(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x5x2xf32>) -> tensor<1x2x5x3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x2x3x5xf32>' are incompatible with return type(s) of operation 'tensor<1x2x5x3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.grid_sample"(%x, %g) <{mode = 0 : i32, padding_mode = 0 : i32, align_corners = false}> : (tensor<1x2x4x4xf32>, tensor<1x3x5x2xf32>) -> tensor<1x2x5x3xf32>
  return %0 : tensor<1x2x5x3xf32>
}

// -----

func.func @cast_target_disagrees(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error@+2 {{inferred type(s) 'tensor<4xi32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.cast"(%x) <{to = i32}> : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @slice_reads_past_the_end(%x: tensor<4x3xf32>) -> tensor<3x3xf32> {
  // expected-error@+1 {{dim 0 reads elements 1 to 5 of 4}}
  %0 = tgraph.slice %x {sizes = array<i64: 3, 3>, starts = array<i64: 1, 0>, steps = array<i64: 2, 1>} : tensor<4x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @slice_sizes_disagree(%x: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x3xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.slice"(%x) <{sizes = array<i64: 1, 3>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>}> : (tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @expand_does_not_broadcast(%x: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{input dim 0 of size 3 does not broadcast to 2}}
  %0 = tgraph.expand %x {sizes = array<i64: 2, 4>} : tensor<3x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @reshape_shape_operand_length(%x: tensor<2x6xf32>, %s: tensor<3xi64>) -> tensor<?x?xf32> {
  // expected-error@+1 {{shape operand 'tensor<3xi64>' does not give one integer per dim of rank 2}}
  %0 = tgraph.reshape %x shape %s {sizes = array<i64: -9223372036854775808, -9223372036854775808>} : tensor<2x6xf32>, tensor<3xi64>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_sizes_disagree(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<3x4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tgraph.reshape"(%x) <{sizes = array<i64: 4, 3>}> : (tensor<2x6xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Result types are inferred while parsing, before the op exists: a missing attribute is a diagnostic.
func.func @conv_without_strides(%x: tensor<1x3x8x8xf32>, %k: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'tgraph.conv' op requires attribute 'strides'}}
  %0 = tgraph.conv %x, %k {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @resize_scales_of_the_wrong_kind(%x: tensor<1x1x2x2xf32>) {
  // expected-error@+1 {{attribute 'scales' failed to satisfy constraint: f64 dense array attribute}}
  %0 = tgraph.resize nearest asymmetric floor %x {scales = array<i64: 1, 1, 2, 2>, sizes = array<i64: 1, 1, 4, 4>} : tensor<1x1x2x2xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error@+1 {{axis -1 is out of range for rank 2}}
  %0 = tgraph.layer_norm %x, %s, %s {axis = -1 : i64} : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bias_dims(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<1x8xf32>) {
  // expected-error@+1 {{bias 'tensor<1x8xf32>' does not have the normalized dims of 'tensor<2x8xf32>'}}
  %0 = tgraph.layer_norm %x, %s, %b {axis = 1 : i64} : tensor<2x8xf32>, tensor<8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @layer_norm_integers(%x: tensor<2x8xi32>, %s: tensor<8xi32>) {
  // expected-error@+1 {{expects a float input, got 'i32'}}
  %0 = tgraph.layer_norm %x, %s, %s {axis = 1 : i64} : tensor<2x8xi32>, tensor<8xi32>, tensor<8xi32>
  return
}
