/* Bytes of workspace the matrix and convolution microkernels take from their caller (a 64-byte aligned
 * region, the worker's scratch in generated kernels): their A and B packing buffers and a convolution's
 * zero-padded window, which would not fit on every thread's stack. Shared by the microkernels (which check
 * these against their blocking) and the compiler pass that calls them. */
#ifndef TESSERA_UKERNELS_WORKSPACE_H
#define TESSERA_UKERNELS_WORKSPACE_H

/* tsr_ukernel_sgemm_f32 and tsr_ukernel_sgemm_packed_f32: A and B packing blocks (MC x KC + KC x NC floats). */
#define TSR_UKERNEL_SGEMM_WORKSPACE_BYTES (4 * (48 * 256 + 256 * 256))
/* tsr_ukernel_conv2d_nchw_f32: a zero-padded window (64 K floats), then the product's packing blocks. */
#define TSR_UKERNEL_CONV2D_WORKSPACE_BYTES (4 * 64 * 1024 + TSR_UKERNEL_SGEMM_WORKSPACE_BYTES)

/* tsr_ukernel_conv2d_winograd_f43_nchw_f32: transformed inputs (36 x (64 x 32 + 16) floats) and products
 * (36 x 8 x 32 + 16 floats). */
#define TSR_UKERNEL_WINOGRAD_WORKSPACE_BYTES (4 * (36 * (64 * 32 + 16) + 36 * 8 * 32 + 16))

/* tsr_ukernel_depthwise_conv2d_nchw_f32 and tsr_ukernel_depthwise_conv2d_nhwc_f32: the channel-blocked
 * path's ring of packed input rows (32 K floats), its band of packed outputs (12 K floats) and a group's
 * weights (64 taps of 16 floats). */
#define TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES (4 * (32 * 1024 + 12 * 1024 + 64 * 16))

#endif
