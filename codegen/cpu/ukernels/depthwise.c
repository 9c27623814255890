/* Depthwise convolution microkernels (NCHW): a flattened 1-D filter over each channel plane (max pooling,
 * max_pool.c, shares it), and the entry point that sends groups of 16 channels to the channel-blocked
 * path (depthwise_blocked.c). */

/* Flattened positions of a channel's output computed per band (16 KiB: the band stays in L1). */
#define DW_BAND 4096
/* Floats a vector tail may read past the last valid read of the flattened path (16 * stride - 1, rounded). */
#define DW_SLACK 32
/* Most taps a depthwise filter may have for the flattened path (7x7 is 49). */
#define DW_TAPS 64

/* Sixteen floats from p, p + s, p + 2s, ... (s is 1 or 2). */
static inline v16f load_every(const float* p, int64_t s) {
  v16f lo = *(const v16f*)p;
  if (s == 1) return lo;
  v16f hi = *(const v16f*)(p + 16);
  return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}

/* The same, reading no further than the last of the sixteen: a window's last vector must not read past
 * its row, which may end the image (load_every reads one float more under stride 2). */
static inline v16f load_every_exact(const float* p, int64_t s) {
  v16f lo = *(const v16f*)p;
  if (s == 1) return lo;
  v16f hi = *(const v16f*)(p + 15);
  return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
}

/* Folds one tap into an accumulator: a weighted sum (depthwise convolution, `taps` given) or a maximum
 * (max pooling, `taps` NULL), NaN-propagating like the loop path's arith.maximumf. */
static inline v16f fold_vector(v16f acc, v16f x, const float* taps, int64_t t) {
  return taps ? acc + taps[t] * x : __builtin_elementwise_maximum(acc, x);
}
static inline float fold_scalar(float acc, float x, const float* taps, int64_t t) {
  return taps ? acc + taps[t] * x : __builtin_elementwise_maximum(acc, x);
}

/* Offsets of the kh x kw taps in a plane of row pitch `pitch`, tap (r, c) at index r * kw + c. */
static void plane_offsets(int64_t kh, int64_t kw, int64_t dh, int64_t dw, int64_t pitch, int64_t* off) {
  for (int64_t r = 0; r < kh; ++r)
    for (int64_t c = 0; c < kw; ++c) off[r * kw + c] = r * dh * pitch + c * dw;
}

/* The kh x kw weights of one depthwise channel (element (r, c) at w[r * w_h + c * w_w]), in tap order. */
static void load_taps(const float* w, int64_t w_h, int64_t w_w, int64_t kh, int64_t kw, float* taps) {
  for (int64_t r = 0; r < kh; ++r)
    for (int64_t c = 0; c < kw; ++c) taps[r * kw + c] = w[r * w_h + c * w_w];
}

/* One channel of a depthwise convolution (`taps` given) or max pool (`taps` NULL) with equal strides s (1
 * or 2) along rows and columns and unit column stride in x. Give output (i, j) the flattened index
 * q = i * xh + j: it reads x at s * q + off_t for tap t (off_t = r * dh * xh + c * dw), so the whole
 * plane is a 1-D filter over q, vectorized 16 positions at a time with no short row tails. The xh - ow
 * positions past each row's end are computed and dropped (they read rows that exist: the input has the
 * rows and columns the taps need). Only full vectors are computed that stay a vector away from the last
 * position, so no read passes the last element a valid position reads. Inlined into each caller, so the
 * fold is fixed there and the loops carry no test of `taps`. */
static inline __attribute__((always_inline)) void fold_plane(const float* x, int64_t xh, int64_t s,
                                                             const float* taps, const int64_t* off, int64_t ntaps,
                                                             int64_t oh, int64_t ow, float* y, int64_t yh,
                                                             int accumulate, int overrun) {
  const float init = taps ? 0.0f : -__builtin_inff();
  float ext[DW_BAND + 16] __attribute__((aligned(64)));
  int64_t band = DW_BAND / xh;
  for (int64_t i0 = 0; i0 < oh; i0 += band) {
    int64_t rows = min64(band, oh - i0);
    int64_t span = (rows - 1) * xh + ow;
    /* With `overrun` the caller's buffer has DW_SLACK readable floats past the last position's reads, so
     * the tail is a vector too (positions past the span are dropped). */
    int64_t vector_end = overrun ? (span + 15) / 16 * 16 : span - 16;
    const float* base = x + i0 * s * xh;
    int64_t q = 0;
    /* Four vectors at a time: four independent chains hide the latency of the fold, and each tap's
     * weight and offset are loaded once for 64 positions. */
    for (; q + 64 <= vector_end; q += 64) {
      v16f acc0 = (v16f){0} + init, acc1 = acc0, acc2 = acc0, acc3 = acc0;
      for (int64_t t = 0; t < ntaps; ++t) {
        const float* p = base + s * q + off[t];
        acc0 = fold_vector(acc0, load_every(p, s), taps, t);
        acc1 = fold_vector(acc1, load_every(p + 16 * s, s), taps, t);
        acc2 = fold_vector(acc2, load_every(p + 32 * s, s), taps, t);
        acc3 = fold_vector(acc3, load_every(p + 48 * s, s), taps, t);
      }
      *(v16f*)(ext + q) = acc0;
      *(v16f*)(ext + q + 16) = acc1;
      *(v16f*)(ext + q + 32) = acc2;
      *(v16f*)(ext + q + 48) = acc3;
    }
    for (; q + 16 <= vector_end; q += 16) {
      v16f acc = (v16f){0} + init;
      for (int64_t t = 0; t < ntaps; ++t) acc = fold_vector(acc, load_every(base + s * q + off[t], s), taps, t);
      *(v16f*)(ext + q) = acc;
    }
    for (; q < span; ++q) {
      float acc = init;
      for (int64_t t = 0; t < ntaps; ++t) acc = fold_scalar(acc, base[s * q + off[t]], taps, t);
      ext[q] = acc;
    }
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = y + (i0 + r) * yh;
      const float* src = ext + r * xh;
      if (!accumulate)
        for (int64_t j = 0; j < ow; ++j) dst[j] = src[j];
      else if (taps)
        for (int64_t j = 0; j < ow; ++j) dst[j] += src[j];
      else
        for (int64_t j = 0; j < ow; ++j) dst[j] = __builtin_elementwise_maximum(dst[j], src[j]);
    }
  }
}

/* Floats of the padded input rows a band of the flattened path copies (64 KiB). */
#define DW_PADDED (4 * DW_BAND)

/* Stride 2 without dilation as four stride-1 filters: x[2i + r][2j + c] is phase (r % 2, c % 2) of the
 * padded view at (i + r / 2, j + c / 2), so with the four phase planes of a band copied one after another
 * (each Wp = ow + (kw - 1) / 2 wide) every tap is one offset into a stride-1 flattened plane of pitch Wp:
 * about ow + 1 positions per output row are computed instead of the 2 * ow + 1 a stride-2 plane needs, and
 * every load is contiguous (measured 1.1-1.3x on rows of 28-56 outputs, slower below about 24). Returns 0
 * (nothing done) when one output row's planes do not fit the buffer. */
static int depthwise_stride2_phases(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                    const float* x, int64_t x_c, int64_t x_h, int64_t x_w, int64_t height,
                                    int64_t width, int64_t row0, int64_t col0, const float* w, int64_t w_c,
                                    int64_t w_h, int64_t w_w, float* y, int64_t y_c, int64_t y_h, int accumulate) {
  /* Phase rows are written in whole vectors: each plane keeps 16 floats of slack after its last row. */
  const int64_t wp = ow + (kw - 1) / 2, wv = (wp + 15) / 16 * 16, extra_rows = (kh - 1) / 2;
  if (2 * wv > DW_BAND) return 0;
  int64_t band = DW_BAND / wp;
  while (band > 0 && 4 * ((band + extra_rows) * wp + 16) > DW_PADDED) --band;
  if (band <= 0) return 0;
  float phases[DW_PADDED + DW_SLACK] __attribute__((aligned(64)));
  float row_buffer[2 * DW_BAND] __attribute__((aligned(64)));
  int64_t off[DW_TAPS];
  float taps[DW_TAPS];
  for (int64_t c = 0; c < channels; ++c) {
    load_taps(w + c * w_c, w_h, w_w, kh, kw, taps);
    const float* channel = x + c * x_c;
    for (int64_t i0 = 0; i0 < oh; i0 += band) {
      const int64_t rows = min64(band, oh - i0), hp = rows + extra_rows, plane = hp * wp + 16;
      for (int64_t r = 0; r < kh; ++r)
        for (int64_t s = 0; s < kw; ++s) off[r * kw + s] = ((r % 2) * 2 + s % 2) * plane + (r / 2) * wp + s / 2;
      for (int64_t pr = 0; pr < 2; ++pr)
        for (int64_t a = 0; a < hp; ++a) {
          /* Padded view row 2 (i0 + a) + pr, split into its even and odd columns. */
          copy_padded_rows(channel, x_h, x_w, height, width, row0, col0, 2 * (i0 + a) + pr, 1, 2 * wv, row_buffer);
          float* even = phases + pr * 2 * plane + a * wp;
          for (int64_t b = 0; b < wv; b += 16) {
            v16f v0 = *(const v16f*)(row_buffer + 2 * b), v1 = *(const v16f*)(row_buffer + 2 * b + 16);
            *(v16f*)(even + b) = __builtin_shufflevector(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            *(v16f*)(even + plane + b) =
                __builtin_shufflevector(v0, v1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
          }
        }
      for (int64_t j = 0; j < DW_SLACK; ++j) phases[4 * plane + j] = 0.0f;
      fold_plane(phases, wp, 1, taps, off, kh * kw, rows, ow, y + c * y_c + i0 * y_h, y_h, accumulate, 1);
    }
  }
  return 1;
}

/* The depthwise convolution one channel plane at a time (see below): strides 1 and 2 take the flattened
 * plane path, on the image in place when the window stays inside it, else on bands of zero-padded rows
 * copied to the stack; other strides check every tap. */
static __attribute__((noinline)) void depthwise_planes(int64_t channels, int64_t kh, int64_t kw, int64_t oh,
                                                       int64_t ow, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                                                       const float* x, int64_t x_c, int64_t x_h, int64_t x_w,
                                                       int64_t height, int64_t width, int64_t row0, int64_t col0,
                                                       const float* w, int64_t w_c, int64_t w_h, int64_t w_w,
                                                       float* y, int64_t y_c, int64_t y_h, int accumulate) {
  /* The view the windows cover: rows [0, view_h) and columns [0, view_w) from (row0, col0). */
  int64_t view_h = (oh - 1) * sh + (kh - 1) * dh + 1, view_w = (ow - 1) * sw + (kw - 1) * dw + 1;
  int inside = row0 >= 0 && col0 >= 0 && row0 + view_h <= height && col0 + view_w <= width;
  int flattened = sh == sw && (sh == 1 || sh == 2) && kh * kw <= DW_TAPS;
  int64_t off[DW_TAPS];
  float taps[DW_TAPS];
  if (flattened && inside && x_w == 1 && x_h <= DW_BAND && x_h >= ow) {
    plane_offsets(kh, kw, dh, dw, x_h, off);
    for (int64_t c = 0; c < channels; ++c) {
      load_taps(w + c * w_c, w_h, w_w, kh, kw, taps);
      fold_plane(x + c * x_c + row0 * x_h + col0, x_h, sh, taps, off, kh * kw, oh, ow, y + c * y_c, y_h,
                 accumulate, 0);
    }
    return;
  }
  /* Wide stride-2 rows split into phases; narrow ones waste less than the phase copy costs. */
  if (flattened && sh == 2 && dh == 1 && dw == 1 && ow >= 24 &&
      depthwise_stride2_phases(channels, kh, kw, oh, ow, x, x_c, x_h, x_w, height, width, row0, col0, w, w_c, w_h,
                               w_w, y, y_c, y_h, accumulate))
    return;
  /* Output rows per band: the flattened band and the padded input rows it reads must fit their buffers. */
  int64_t band = view_w <= DW_BAND ? DW_BAND / view_w : 0;
  while (band > 0 && ((band - 1) * sh + (kh - 1) * dh + 1) * view_w > DW_PADDED) --band;
  if (flattened && band > 0) {
    float padded[DW_PADDED + DW_SLACK] __attribute__((aligned(64)));
    plane_offsets(kh, kw, dh, dw, view_w, off);
    for (int64_t c = 0; c < channels; ++c) {
      load_taps(w + c * w_c, w_h, w_w, kh, kw, taps);
      for (int64_t i0 = 0; i0 < oh; i0 += band) {
        int64_t rows = min64(band, oh - i0), in_rows = (rows - 1) * sh + (kh - 1) * dh + 1;
        copy_padded_rows(x + c * x_c, x_h, x_w, height, width, row0, col0, i0 * sh, in_rows, view_w, padded);
        for (int64_t j = 0; j < DW_SLACK; ++j) padded[in_rows * view_w + j] = 0.0f;
        fold_plane(padded, view_w, sh, taps, off, kh * kw, rows, ow, y + c * y_c + i0 * y_h, y_h, accumulate, 1);
      }
    }
    return;
  }
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        float sum = 0.0f;
        for (int64_t r = 0; r < kh; ++r) {
          int64_t row = i * sh + r * dh + row0;
          if (row < 0 || row >= height) continue;
          for (int64_t s = 0; s < kw; ++s) {
            int64_t col = j * sw + s * dw + col0;
            if (col >= 0 && col < width) sum += w[c * w_c + r * w_h + s * w_w] * x[c * x_c + row * x_h + col * x_w];
          }
        }
        float* out = y + c * y_c + i * y_h + j;
        *out = accumulate ? *out + sum : sum;
      }
}

/* One image of a 2-D NCHW depthwise convolution: y[c][oh][ow] (+)= sum over (kh, kw) of w[c][kh][kw] *
 * x[c][oh * sh + kh * dh + row0][ow * sw + kw * dw + col0], x being height x width with zeros outside
 * (row0, col0: minus the leading pads). Groups of 16 channels take the channel-blocked path (unit column
 * stride, any strides and dilations); channels left over, or a view too wide for its buffers, go plane by
 * plane. The blocked path's buffers are `workspace` (TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES, workspace.h);
 * the plane path keeps its smaller ones on the stack. */
void tsr_ukernel_depthwise_conv2d_nchw_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                           int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base,
                                           int64_t x_offset, int64_t x_c, int64_t x_h, int64_t x_w, int64_t height,
                                           int64_t width, int64_t row0, int64_t col0, intptr_t w_base,
                                           int64_t w_offset, int64_t w_c, int64_t w_h, int64_t w_w,
                                           intptr_t y_base, int64_t y_offset, int64_t y_c, int64_t y_h,
                                           intptr_t workspace, int32_t accumulate) {
  const float* x = (const float*)x_base + x_offset;
  const float* w = (const float*)w_base + w_offset;
  float* y = (float*)y_base + y_offset;
  if (oh <= 0 || ow <= 0 || channels <= 0) return;
  /* Whole groups of 16 channels, and a last group of at least DWB_MIN_CHANNELS (a group of fewer costs
   * more than their planes one by one). */
  const int64_t blocked = channels % DWB_C >= DWB_MIN_CHANNELS ? channels : channels / DWB_C * DWB_C;
  if (x_w == 1 && blocked > 0 &&
      depthwise_blocked(blocked, kh, kw, oh, ow, sh, sw, dh, dw, x, x_c, x_h, height, width, row0, col0, w, w_c,
                        w_h, w_w, y, y_c, y_h, accumulate, 1, 1, 0, (float*)workspace)) {
    if (blocked == channels) return;
    channels -= blocked, x += blocked * x_c, w += blocked * w_c, y += blocked * y_c;
  }
  depthwise_planes(channels, kh, kw, oh, ow, sh, sw, dh, dw, x, x_c, x_h, x_w, height, width, row0, col0, w, w_c,
                   w_h, w_w, y, y_c, y_h, accumulate);
}
