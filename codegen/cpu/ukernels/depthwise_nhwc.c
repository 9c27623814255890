/* Depthwise convolution microkernel, channels-last (NHWC). The channel-blocked path of the NCHW kernel
 * (depthwise_blocked.c) computes on positions of 16 channels packed with their padding; here a position's
 * channels are already contiguous, so packing a row is a copy of 64-byte vectors (no transposes), and so
 * is storing the outputs. A call whose rows do not fit that path's buffers (rows of some hundreds of
 * positions) takes the plain loops below. */

/* Output columns computed together on the fallback path. */
#define DWL_COLS 8

/* One row of 16-channel blocks: y[j][c..c+15] (+)= sum over taps of w[r][s][c..] * x[row(r)][col(j, s)][c..]
 * for output columns j0..j0+n-1. */
static void dwl_columns(const float* x, int64_t x_h, int64_t x_w, const float* w, int64_t w_h, int64_t w_w,
                        float* y, int64_t y_w, int64_t kh, int64_t kw, int64_t row_start, int64_t dh, int64_t height,
                        int64_t col_start, int64_t sw, int64_t dw, int64_t width, int64_t n, int32_t accumulate) {
  v16f acc[DWL_COLS];
  for (int64_t t = 0; t < DWL_COLS; ++t) acc[t] = (v16f){0};
  if (accumulate)
    for (int64_t t = 0; t < n; ++t) acc[t] = *(const v16f*)(y + t * y_w);
  for (int64_t r = 0; r < kh; ++r) {
    const int64_t row = row_start + r * dh;
    if (row < 0 || row >= height) continue;
    const float* xr = x + row * x_h;
    const float* wr = w + r * w_h;
    for (int64_t s = 0; s < kw; ++s) {
      const v16f wv = *(const v16f*)(wr + s * w_w);
      const int64_t col = col_start + s * dw;
      for (int64_t t = 0; t < n; ++t) {
        const int64_t ct = col + t * sw;
        if (ct >= 0 && ct < width) acc[t] += wv * *(const v16f*)(xr + ct * x_w);
      }
    }
  }
  for (int64_t t = 0; t < n; ++t) *(v16f*)(y + t * y_w) = acc[t];
}

/* One channel, one output element, for the channels a vector does not fill. */
static float dwl_scalar(const float* x, int64_t x_h, int64_t x_w, const float* w, int64_t w_h, int64_t w_w,
                        int64_t kh, int64_t kw, int64_t row_start, int64_t dh, int64_t height, int64_t col_start,
                        int64_t dw, int64_t width) {
  float sum = 0.0f;
  for (int64_t r = 0; r < kh; ++r) {
    const int64_t row = row_start + r * dh;
    if (row < 0 || row >= height) continue;
    for (int64_t s = 0; s < kw; ++s) {
      const int64_t col = col_start + s * dw;
      if (col >= 0 && col < width) sum += w[r * w_h + s * w_w] * x[row * x_h + col * x_w];
    }
  }
  return sum;
}

/* One image of a 2-D NHWC depthwise convolution: y[i][j][c] (+)= sum over (r, s) of w[r][s][c] *
 * x[i * sh + r * dh + row0][j * sw + s * dw + col0][c], x being height x width x channels with zeros
 * outside (row0, col0: minus the leading pads). Channels are contiguous in x, w and y (unit stride);
 * x_h, x_w, w_h, w_w, y_h, y_w are the row and column strides in floats; `workspace` holds
 * TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES (64-byte aligned). */
void tsr_ukernel_depthwise_conv2d_nhwc_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                           int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base,
                                           int64_t x_offset, int64_t x_h, int64_t x_w, int64_t height, int64_t width,
                                           int64_t row0, int64_t col0, intptr_t w_base, int64_t w_offset,
                                           int64_t w_h, int64_t w_w, intptr_t y_base, int64_t y_offset, int64_t y_h,
                                           int64_t y_w, intptr_t workspace, int32_t accumulate) {
  const float* x = (const float*)x_base + x_offset;
  const float* w = (const float*)w_base + w_offset;
  float* y = (float*)y_base + y_offset;
  if (oh <= 0 || ow <= 0 || channels <= 0) return;
  if (depthwise_blocked(channels, kh, kw, oh, ow, sh, sw, dh, dw, x, 1, x_h, height, width, row0, col0, w, 1, w_h,
                        w_w, y, 1, y_h, accumulate, x_w, y_w, /*channels_last=*/1, (float*)workspace))
    return;
  const int64_t vectors = channels / 16 * 16;
  for (int64_t i = 0; i < oh; ++i) {
    const int64_t row_start = i * sh + row0;
    float* yr = y + i * y_h;
    for (int64_t j0 = 0; j0 < ow; j0 += DWL_COLS) {
      const int64_t n = ow - j0 < DWL_COLS ? ow - j0 : DWL_COLS;
      const int64_t col_start = j0 * sw + col0;
      for (int64_t c = 0; c < vectors; c += 16)
        dwl_columns(x + c, x_h, x_w, w + c, w_h, w_w, yr + j0 * y_w + c, y_w, kh, kw, row_start, dh, height,
                    col_start, sw, dw, width, n, accumulate);
      for (int64_t c = vectors; c < channels; ++c)
        for (int64_t t = 0; t < n; ++t) {
          float sum = dwl_scalar(x + c, x_h, x_w, w + c, w_h, w_w, kh, kw, row_start, dh, height,
                                 col_start + t * sw, dw, width);
          float* out = yr + (j0 + t) * y_w + c;
          *out = accumulate ? *out + sum : sum;
        }
    }
  }
}
