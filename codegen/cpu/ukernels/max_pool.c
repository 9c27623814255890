/* Max pooling (NCHW). A window's maximum is the maximum over its rows of each row's maximum, so the
 * separable path takes every input row's kw-wide maxima once (vectorized along the output columns,
 * stride 2 deinterleaved) into a buffer of row maxima, then each output row as the maximum of kh of
 * them: 3 x 3 windows cost about kw + kh instead of kh x kw vector maxima, with no positions computed
 * and dropped (the flattened plane path computes a whole input row per output row). */

/* Floats of the row-maxima buffer (64 KiB: a band of rows stays in L1/L2). */
#define POOL_ROWS (16 * 1024)

/* Output rows of at least 16 columns; returns 0, having done nothing, otherwise. */
static int max_pool_separable(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t s,
                              int64_t dh, int64_t dw, const float* x, int64_t x_c, int64_t x_h, float* y, int64_t y_c,
                              int64_t y_h, int accumulate) {
  const int64_t pitch = (ow + 15) / 16 * 16;
  /* Output rows per band: they read (band - 1) * s + (kh - 1) * dh + 1 rows of maxima. */
  const int64_t band = (POOL_ROWS / pitch - (kh - 1) * dh - 1) / s + 1;
  if (ow < 16 || band < 1) return 0;
  float maxima[POOL_ROWS] __attribute__((aligned(64)));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i0 = 0; i0 < oh; i0 += band) {
      const int64_t rows = min64(band, oh - i0), in_rows = (rows - 1) * s + (kh - 1) * dh + 1;
      const float* xc = x + c * x_c + i0 * s * x_h;
      /* Each vector of columns, the last one overlapping the one before (maxima do not mind). */
      for (int64_t r = 0; r < in_rows; ++r)
        for (int64_t j0 = 0; j0 < ow; j0 += 16) {
          const int64_t j = min64(j0, ow - 16);
          const float* at = xc + r * x_h + j * s;
          v16f m = load_every_exact(at, s);
          for (int64_t q = 1; q < kw; ++q) m = __builtin_elementwise_maximum(m, load_every_exact(at + q * dw, s));
          *(v16f*)(maxima + r * pitch + j) = m;
        }
      for (int64_t i = 0; i < rows; ++i) {
        float* out = y + c * y_c + (i0 + i) * y_h;
        for (int64_t j0 = 0; j0 < ow; j0 += 16) {
          const int64_t j = min64(j0, ow - 16);
          const float* at = maxima + i * s * pitch + j;
          v16f m = *(const v16f*)at;
          for (int64_t p = 1; p < kh; ++p) m = __builtin_elementwise_maximum(m, *(const v16f*)(at + p * dh * pitch));
          v16f* to = (v16f*)(out + j);
          *to = accumulate ? __builtin_elementwise_maximum(*to, m) : m;
        }
      }
    }
  return 1;
}

/* One image of a 2-D NCHW max pool on an (already padded) input: y[c][i][j] (max)= max over the kh x kw
 * window of x[c][i * sh + r * dh][j * sw + s * dw]. Without `accumulate` y is overwritten. Strides 1
 * and 2 with contiguous rows take the separable path (rows of at least 16 outputs) or the flattened
 * plane path; others a loop per output element. */
void tsr_ukernel_max_pool2d_nchw_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t sh,
                                     int64_t sw, int64_t dh, int64_t dw, intptr_t x_base, int64_t x_offset,
                                     int64_t x_c, int64_t x_h, int64_t x_w, intptr_t y_base, int64_t y_offset,
                                     int64_t y_c, int64_t y_h, int32_t accumulate) {
  const float* x = (const float*)x_base + x_offset;
  float* y = (float*)y_base + y_offset;
  if (oh <= 0 || ow <= 0 || kh <= 0 || kw <= 0) return;
  if (sh == sw && (sh == 1 || sh == 2) && x_w == 1 &&
      max_pool_separable(channels, kh, kw, oh, ow, sh, dh, dw, x, x_c, x_h, y, y_c, y_h, accumulate))
    return;
  if (sh == sw && (sh == 1 || sh == 2) && kh * kw <= DW_TAPS && x_w == 1 && x_h <= DW_BAND && x_h >= ow) {
    int64_t off[DW_TAPS];
    plane_offsets(kh, kw, dh, dw, x_h, off);
    for (int64_t c = 0; c < channels; ++c)
      fold_plane(x + c * x_c, x_h, sh, NULL, off, kh * kw, oh, ow, y + c * y_c, y_h, accumulate, 0);
    return;
  }
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const float* window = x + c * x_c + i * sh * x_h + j * sw * x_w;
        float acc = window[0];
        for (int64_t r = 0; r < kh; ++r)
          for (int64_t s = 0; s < kw; ++s) acc = __builtin_elementwise_maximum(acc, window[r * dh * x_h + s * dw * x_w]);
        float* out = y + c * y_c + i * y_h + j;
        *out = accumulate ? __builtin_elementwise_maximum(*out, acc) : acc;
      }
}

