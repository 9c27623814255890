/* Convolutions with few input channels (a network's first layer: 3 channels, 3x3 or 7x7 windows, stride 1
 * or 2), computed directly instead of as an implicit GEMM. Their product is short (K = 27 or 147) and
 * their columns strided, so the GEMM path spends its time gathering im2col panels, one element at a
 * time, for a handful of multiply-adds each (47-80 GFLOP/s on the stems of shufflenet and mobilenet).
 * Here each output row is computed in register blocks of filters x 16-column vectors: per tap, the
 * block's input vectors are loaded once (stride 2 deinterleaves two loads) and every filter of the
 * block multiply-adds its weight, broadcast, into them. The input rows a row of outputs reads stay in
 * L1 across the filter blocks. */

/* Most channels, and most channels x taps (3 x 7 x 7 = 147), the direct path takes. */
#define DIRECT_MAX_CHANNELS 4
#define DIRECT_MAX_K 160

/* fb filters (weights w, w_f apart) x nv vectors of 16 output columns (y, filters y_f apart); x is the
 * window origin of the block's first column, `off` the taps' offsets from it. The first `skip` columns
 * are not stored (a row's last vector overlaps the one before it). */
static inline __attribute__((always_inline)) void direct_block(const int fb, const int nv, const int64_t s,
                                                               int64_t k, const int64_t* off, const float* x,
                                                               const float* w, int64_t w_f, float* y, int64_t y_f,
                                                               int accumulate, int64_t skip) {
  v16f acc[12][2];
  for (int i = 0; i < fb; ++i)
    for (int v = 0; v < nv; ++v) acc[i][v] = (v16f){0};
  for (int64_t t = 0; t < k; ++t) {
    v16f in[2];
    for (int v = 0; v < nv; ++v) in[v] = load_every_exact(x + off[t] + v * 16 * s, s);
    for (int i = 0; i < fb; ++i) {
      const float weight = w[i * w_f + t];
      for (int v = 0; v < nv; ++v) acc[i][v] += weight * in[v];
    }
  }
  for (int i = 0; i < fb; ++i)
    for (int v = 0; v < nv; ++v) {
      float* out = y + i * y_f + v * 16;
      if (skip == 0)
        *(v16f*)out = accumulate ? *(v16f*)out + acc[i][v] : acc[i][v];
      else
        for (int64_t l = skip; l < 16; ++l) out[l] = accumulate ? out[l] + acc[i][v][l] : acc[i][v][l];
    }
}

/* One output row (ow >= 16 columns) for fb filters: two vectors a block where the registers hold them
 * (AVX-512), then one; columns past the last whole vector by a vector ending at the row's end. */
static inline __attribute__((always_inline)) void direct_columns(const int fb, const int wide, const int64_t s,
                                                                 int64_t ow, int64_t k, const int64_t* off,
                                                                 const float* x, const float* w, int64_t w_f,
                                                                 float* y, int64_t y_f, int accumulate) {
  const int64_t vectors = ow / 16 * 16;
  int64_t j = 0;
  if (wide)
    for (; j + 32 <= vectors; j += 32) direct_block(fb, 2, s, k, off, x + j * s, w, w_f, y + j, y_f, accumulate, 0);
  for (; j < vectors; j += 16) direct_block(fb, 1, s, k, off, x + j * s, w, w_f, y + j, y_f, accumulate, 0);
  if (vectors < ow)
    direct_block(fb, 1, s, k, off, x + (ow - 16) * s, w, w_f, y + ow - 16, y_f, accumulate, vectors - (ow - 16));
}

/* One output row: filters in blocks of 12 (AVX-512: 24 accumulators) or 4, the rest one at a time. */
static inline __attribute__((always_inline)) void direct_row(const int wide, const int64_t s, int64_t filters,
                                                             int64_t ow, int64_t k, const int64_t* off,
                                                             const float* x, const float* w, int64_t w_f,
                                                             float* y, int64_t y_f, int accumulate) {
  int64_t f = 0;
  if (wide)
    for (; f + 12 <= filters; f += 12)
      direct_columns(12, wide, s, ow, k, off, x, w + f * w_f, w_f, y + f * y_f, y_f, accumulate);
  for (; f + 4 <= filters; f += 4)
    direct_columns(4, wide, s, ow, k, off, x, w + f * w_f, w_f, y + f * y_f, y_f, accumulate);
  for (; f < filters; ++f)
    direct_columns(1, wide, s, ow, k, off, x, w + f * w_f, w_f, y + f * y_f, y_f, accumulate);
}

/* The convolution entry's direct path (same arguments; x at the image's origin, columns x_w apart; output
 * rows ow long). `scratch` (scratch_floats) may hold the zero-padded window when the windows leave the
 * image. Returns 0, having done nothing, for the shapes it does not take. */
static int conv_direct(int64_t filters, int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t sh,
                       int64_t sw, int64_t dh, int64_t dw, const float* x, int64_t x_c, int64_t x_h, int64_t x_w,
                       int64_t height, int64_t width, int64_t row0, int64_t col0, const float* w, int64_t w_f,
                       float* y, int64_t y_f, int accumulate, float* scratch, int64_t scratch_floats) {
  const int64_t k = channels * kh * kw;
  if (sh != sw || (sh != 1 && sh != 2) || x_w != 1 || channels > DIRECT_MAX_CHANNELS || k > DIRECT_MAX_K ||
      ow < 16 || oh <= 0 || filters <= 0)
    return 0;
  const int64_t s = sh;
  const int64_t view_h = (oh - 1) * s + (kh - 1) * dh + 1, view_w = (ow - 1) * s + (kw - 1) * dw + 1;
  const int inside = row0 >= 0 && col0 >= 0 && row0 + view_h <= height && col0 + view_w <= width;
  const float* origin;
  int64_t pitch, plane;
  if (inside) {
    origin = x + row0 * x_h + col0;
    pitch = x_h, plane = x_c;
  } else {
    /* The zero-padded window. */
    if (channels * view_h * view_w > scratch_floats) return 0;
    for (int64_t c = 0; c < channels; ++c)
      copy_padded_rows(x + c * x_c, x_h, x_w, height, width, row0, col0, 0, view_h, view_w,
                       scratch + c * view_h * view_w);
    origin = scratch;
    pitch = view_w, plane = view_h * view_w;
  }
  int64_t off[DIRECT_MAX_K];
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t q = 0; q < kw; ++q) off[(c * kh + r) * kw + q] = c * plane + r * dh * pitch + q * dw;
  const int wide = tsr_ukernel_vector_registers >= 32;
  for (int64_t i = 0; i < oh; ++i) {
    const float* xr = origin + i * s * pitch;
    float* yr = y + i * ow;
    if (s == 1)
      direct_row(wide, 1, filters, ow, k, off, xr, w, w_f, yr, y_f, accumulate);
    else
      direct_row(wide, 2, filters, ow, k, off, xr, w, w_f, yr, y_f, accumulate);
  }
  return 1;
}
