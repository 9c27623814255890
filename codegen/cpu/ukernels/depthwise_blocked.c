/* Channel-blocked depthwise convolution (NCHW with unit column stride, the path depthwise.c takes for
 * groups of 16 channels; or channels-last, depthwise_nhwc.c's path, where step 1 copies positions of 16
 * contiguous channels instead of transposing and step 3 copies them back).
 *
 * Sixteen channels at a time (a group; the last one may have fewer) in the vector lanes, so each tap is
 * one multiply-add of a 16-channel weight vector (loaded once per group) into a 16-channel output position:
 * no tails along rows, no shifted or split loads. Per group and band of output rows:
 *  1. the input rows the band needs that earlier bands did not are transposed into a ring of packed rows,
 *     position-major ([row][column][16 channels], zero in the padding), 16 x 16 blocks at a time with
 *     shuffles (loads masked at the ends of image rows: nothing outside the image is read; rows narrower
 *     than a block are packed 16 elements at a time across rows);
 *  2. each output row is computed in register blocks of positions (independent accumulators keep both
 *     FMA pipes busy; each packed input vector is loaded once per block and tap row), strides 1 and 2 and
 *     3x3, 5x5 and 7x7 filters unrolled, other strides, sizes and dilations by a generic loop;
 *  3. the outputs are transposed back into the 16 output planes, 16 positions at a time, stores masked at
 *     the end (nothing outside the outputs is written): straight from the registers of blocks of 16
 *     positions (the direct path), or from a band of packed outputs [position][16] (across rows when the
 *     output rows are contiguous).
 * Packing and unpacking are bound by memory traffic (each a load and a store of every element), the
 * blocks by the multiply-adds. The buffers (about 180 KiB) are the caller's workspace (workspace.h). */

/* Most taps a filter may have (7x7 is 49). */
#define DWB_TAPS 64
/* Channels per group: the lanes of a vector. */
#define DWB_C 16
/* Output positions per register block (accumulators): with AVX-512's 32 registers, 16 on the direct path,
 * else DWB_NWIDE where it divides the rows (14, 28, 56 or 112 columns), else DWB_N (8 multiply-adds in
 * flight keep both FMA pipes busy); with AVX2's 16 registers (a vector of 16 floats is a register pair),
 * DWB_NNARROW: more accumulators spill, measured 1.3-1.7x slower there. */
#define DWB_N 8
#define DWB_NWIDE 14
#define DWB_NNARROW 4
#define DWB_NMAX 16
/* Floats of the ring of packed input rows (128 KiB) and of the band of packed outputs (48 KiB), and how
 * much of them a band uses when it can: bands that stay in L1 run faster (measured 10-20 %). */
#define DWB_RING (32 * 1024)
#define DWB_OUT (12 * 1024)
#define DWB_RING_L1 (8 * 1024)
#define DWB_OUT_L1 (2 * 1024)
/* Rows narrower than this are packed across rows when contiguous (7 x 7 planes: 4 blocks, not 7). */
#define DWB_FLAT_WIDTH 16
/* Fewest channels for a group of the blocked path (below, the planes one by one are faster). */
#define DWB_MIN_CHANNELS 6

_Static_assert(4 * (DWB_RING + DWB_OUT + DWB_TAPS * DWB_C) == TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES,
               "workspace.h is out of date");

typedef float dwb_x16f __attribute__((ext_vector_type(16)));
typedef _Bool dwb_m16 __attribute__((ext_vector_type(16)));
typedef int32_t dwb_v16i __attribute__((vector_size(64)));

/* Lanes [0, n) of a mask (n clamped to [0, 16]). */
static inline dwb_m16 dwb_first(int64_t n) {
  const dwb_v16i lanes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return __builtin_convertvector(lanes < (int32_t)clamp64(n, 0, 16), dwb_m16);
}

/* r[k][l] becomes r[l][k]: four rounds of two-input shuffles (pairs of floats, of pairs, then of 128-bit
 * lanes twice). */
static inline __attribute__((always_inline)) void dwb_transpose(v16f* r) {
  v16f t[16], u[16];
  for (int k = 0; k < 8; ++k) {
    const v16f a = r[2 * k], b = r[2 * k + 1];
    t[2 * k] = __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
    t[2 * k + 1] = __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
  }
  for (int k = 0; k < 4; ++k)
    for (int h = 0; h < 2; ++h) {
      v16f a = t[4 * k + h], b = t[4 * k + h + 2];
      u[4 * k + 2 * h] = __builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
      u[4 * k + 2 * h + 1] = __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    }
  /* u[4 k + m]: 128-bit lane L holds rows 4 k .. 4 k + 3 of column 4 L + m. */
  for (int m = 0; m < 4; ++m) {
    v16f v0 = __builtin_shufflevector(u[m], u[4 + m], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    v16f v1 = __builtin_shufflevector(u[m], u[4 + m], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    v16f w0 = __builtin_shufflevector(u[8 + m], u[12 + m], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    v16f w1 = __builtin_shufflevector(u[8 + m], u[12 + m], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    r[m] = __builtin_shufflevector(v0, w0, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    r[8 + m] = __builtin_shufflevector(v0, w0, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    r[4 + m] = __builtin_shufflevector(v1, w1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    r[12 + m] = __builtin_shufflevector(v1, w1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  }
}

/* p + stride, kept opaque: the 16 channel addresses of a block are then one register bumped 16 times
 * (left alone, the compiler precomputes them all and spills most of them). */
static inline const float* dwb_next(const float* p, int64_t stride) {
  p += stride;
  __asm__("" : "+r"(p));
  return p;
}

/* Positions [0, n) (n <= 16) of nc (<= 16) channels, channel l's at src + l * stride, transposed into
 * v[k] (lane l: channel l at position k). Positions past n are zero and never read; the lanes of missing
 * channels repeat the last channel (computed like the others, never stored). */
static inline __attribute__((always_inline)) void dwb_gather(const float* src, int64_t stride, int64_t nc, int64_t n,
                                                             v16f* v) {
  if (nc == DWB_C && n >= 16) {
    for (int l = 0; l < DWB_C; ++l, src = dwb_next(src, stride)) v[l] = *(const v16f*)src;
  } else if (nc == DWB_C) {
    const dwb_m16 mask = dwb_first(n);
    for (int l = 0; l < DWB_C; ++l, src = dwb_next(src, stride))
      v[l] = (v16f)__builtin_masked_load(mask, src, (dwb_x16f){0});
  } else {
    const dwb_m16 mask = dwb_first(n);
    const float* last = src + (nc - 1) * stride;
    for (int l = 0; l < DWB_C; ++l, src = dwb_next(src, stride))
      v[l] = (v16f)__builtin_masked_load(mask, l < nc ? src : last, (dwb_x16f){0});
  }
  dwb_transpose(v);
}

/* The 16 positions v[k] of nc channels transposed back: dst + l * stride (+)= positions [0, n) of channel l. */
static inline __attribute__((always_inline)) void dwb_scatter(v16f* v, float* dst, int64_t stride, int64_t nc,
                                                              int64_t n, int add) {
  dwb_transpose(v);
  if (nc == DWB_C && n >= 16) {
    for (int l = 0; l < DWB_C; ++l) {
      float* p = dst + l * stride;
      *(v16f*)p = add ? v[l] + *(const v16f*)p : v[l];
    }
  } else {
    const dwb_m16 mask = dwb_first(n);
    for (int l = 0; l < DWB_C; ++l) {
      if (l == nc) break;
      float* p = dst + l * stride;
      v16f r = v[l];
      if (add) r += (v16f)__builtin_masked_load(mask, p, (dwb_x16f){0});
      __builtin_masked_store(mask, (dwb_x16f)r, p);
    }
  }
}

/* n consecutive elements of nc channels (channel l's from src + l * stride) into packed positions from
 * dst. Whole blocks of 16 are stored: positions past n get zeros, which the caller leaves room for. */
static inline __attribute__((always_inline)) void dwb_pack(const float* src, int64_t stride, int64_t nc, int64_t n,
                                                           float* dst) {
  for (int64_t j = 0; j < n; j += 16) {
    v16f v[16];
    dwb_gather(src + j, stride, nc, n - j, v);
    for (int k = 0; k < 16; ++k) *(v16f*)(dst + (j + k) * DWB_C) = v[k];
  }
}

/* n packed positions from src into consecutive elements of nc channels (channel l's from dst + l * stride). */
static inline __attribute__((always_inline)) void dwb_unpack(const float* src, float* dst, int64_t stride,
                                                             int64_t nc, int64_t n, int add) {
  for (int64_t j = 0; j < n; j += 16) {
    v16f v[16];
    for (int k = 0; k < 16; ++k) v[k] = *(const v16f*)(src + (j + k) * DWB_C);
    if (add)
      dwb_scatter(v, dst + j, stride, nc, n - j, 1);
    else
      dwb_scatter(v, dst + j, stride, nc, n - j, 0);
  }
}

/* Output positions [0, n) of one row into out[j][16], in blocks of nb (at most DWB_NMAX, a constant where
 * inlined; the last block may compute up to nb - 1 positions past n, which the caller has room for).
 * Position j reads packed column j * sw + s * dw of the tap rows rp[r]. kw and sw are constants where
 * inlined with them (dw then 1): the taps of a block unroll and the compiler sees which taps of
 * neighbouring positions read the same vector, loading each once per block and tap row. */
static inline __attribute__((always_inline)) void dwb_row(const float* const* rp, const v16f* wv, int64_t kh,
                                                          int64_t kw, int64_t sw, int64_t dw, int nb, int64_t n,
                                                          float* out) {
  for (int64_t j = 0; j < n; j += nb) {
    v16f acc[DWB_NMAX];
    for (int k = 0; k < nb; ++k) acc[k] = (v16f){0};
    for (int64_t r = 0; r < kh; ++r) {
      const float* p = rp[r] + j * sw * DWB_C;
      for (int64_t s = 0; s < kw; ++s) {
        const v16f w = wv[r * kw + s];
        for (int k = 0; k < nb; ++k) acc[k] += *(const v16f*)(p + (k * sw + s * dw) * DWB_C) * w;
      }
    }
    for (int k = 0; k < nb; ++k) *(v16f*)(out + (j + k) * DWB_C) = acc[k];
  }
}

/* Like dwb_row with blocks of 16 positions, each transposed in registers and stored straight into the nc
 * output planes of the group (output l of position j at y + l * y_c + j, (+)= with `add`; masked past n):
 * no packed outputs are stored and loaded again. */
static inline __attribute__((always_inline)) void dwb_row_direct(const float* const* rp, const v16f* wv, int64_t kh,
                                                                 int64_t kw, int64_t sw, int64_t dw, int64_t n,
                                                                 float* y, int64_t y_c, int64_t nc, int add) {
  for (int64_t j = 0; j < n; j += 16) {
    v16f acc[16];
    for (int k = 0; k < 16; ++k) acc[k] = (v16f){0};
    for (int64_t r = 0; r < kh; ++r) {
      const float* p = rp[r] + j * sw * DWB_C;
      for (int64_t s = 0; s < kw; ++s) {
        const v16f w = wv[r * kw + s];
        for (int k = 0; k < 16; ++k) acc[k] += *(const v16f*)(p + (k * sw + s * dw) * DWB_C) * w;
      }
    }
    if (add)
      dwb_scatter(acc, y + j, y_c, nc, n - j, 1);
    else
      dwb_scatter(acc, y + j, y_c, nc, n - j, 0);
  }
}

/* Output rows [i0, i0 + rows) of a group into out (row i at (i - i0) * ow positions: each row's positions
 * past ow are overwritten by the next row's, the last row's go into slack). Row v of the padded view is
 * packed at ring + (v % ring_rows) * pitch * 16. */
static inline __attribute__((always_inline)) void dwb_rows(const float* ring, int64_t ring_rows, int64_t pitch,
                                                           const v16f* wv, int64_t kh, int64_t kw, int64_t sh,
                                                           int64_t sw, int64_t dh, int64_t dw, int nb, int64_t i0,
                                                           int64_t rows, int64_t ow, float* out) {
  const float* rp[DWB_TAPS];
  int64_t first = i0 * sh % ring_rows; /* the slot of the first view row output row i reads */
  for (int64_t i = i0; i < i0 + rows; ++i) {
    for (int64_t r = 0, slot = first; r < kh; ++r, slot += dh) {
      if (slot >= ring_rows) slot -= ring_rows; /* the rows of one output row span at most the ring */
      rp[r] = ring + slot * pitch * DWB_C;
    }
    dwb_row(rp, wv, kh, kw, sw, dw, nb, ow, out + (i - i0) * ow * DWB_C);
    for (first += sh; first >= ring_rows;) first -= ring_rows;
  }
}

/* Output rows [i0, i0 + rows) of a group straight into its planes (row i at y + i * y_h; see
 * dwb_row_direct). */
static inline __attribute__((always_inline)) void dwb_rows_direct(const float* ring, int64_t ring_rows,
                                                                  int64_t pitch, const v16f* wv, int64_t kh,
                                                                  int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                                                                  int64_t dw, int64_t i0, int64_t rows, int64_t ow,
                                                                  float* y, int64_t y_c, int64_t y_h, int64_t nc,
                                                                  int add) {
  const float* rp[DWB_TAPS];
  int64_t first = i0 * sh % ring_rows;
  for (int64_t i = i0; i < i0 + rows; ++i) {
    for (int64_t r = 0, slot = first; r < kh; ++r, slot += dh) {
      if (slot >= ring_rows) slot -= ring_rows;
      rp[r] = ring + slot * pitch * DWB_C;
    }
    dwb_row_direct(rp, wv, kh, kw, sw, dw, ow, y + i * y_h, y_c, nc, add);
    for (first += sh; first >= ring_rows;) first -= ring_rows;
  }
}

/* The geometry of a call on the blocked path. */
typedef struct dwb_shape {
  int64_t kh, kw, sh, sw, dh, dw, oh, ow;
  int64_t span;      /* view rows one output row reads */
  int64_t pitch;     /* packed positions per ring row */
  int64_t ring_rows; /* ring rows: view row v at v % ring_rows */
  int64_t band;      /* output rows per band */
  int64_t clo, chi;  /* the image columns of the view (packed) */
  int64_t height, row0, col0, x_c, x_h;
  int64_t x_w, y_w;  /* column strides of a channels-last image and output */
  int channels_last; /* NHWC: a position's 16 channels are contiguous (packing copies, no transposes) */
  int nb;     /* output positions per register block */
  int direct; /* blocks of 16 positions stored straight into the output planes (dwb_rows_direct) */
  int flat;   /* narrow contiguous rows: packed 16 elements at a time across rows (dwb_pack_flat) */
} dwb_shape;

/* Image rows [row, row + rows) of nc channels, contiguous (x_h = width, all columns in the view), into ring
 * slots from `index` on: 16 elements at a time across rows, so narrow rows fill the blocks. */
static inline __attribute__((always_inline)) void dwb_pack_flat(const dwb_shape* g, const float* x, int64_t nc,
                                                                int64_t row, int64_t rows, int64_t width,
                                                                int64_t index, float* ring) {
  const int64_t n = rows * width, row_floats = g->pitch * DWB_C, lead = -g->col0 * DWB_C;
  const float* src = x + row * width;
  float* dst = ring + index * row_floats + lead;
  int64_t col = 0;
  for (int64_t j = 0; j < n; j += 16) {
    v16f v[16];
    dwb_gather(src + j, g->x_c, nc, n - j, v);
    for (int k = 0; k < 16; ++k) {
      if (j + k == n) break;
      *(v16f*)(dst + col * DWB_C) = v[k];
      if (++col == width) {
        col = 0;
        if (++index == g->ring_rows) index = 0;
        dst = ring + index * row_floats + lead;
      }
    }
  }
}

/* n positions of nc (<= 16) contiguous channels, position j's at src + j * stride, into packed positions
 * from dst (channels past nc zero). */
static inline __attribute__((always_inline)) void dwb_pack_positions(const float* src, int64_t stride, int64_t nc,
                                                                     int64_t n, float* dst) {
  const dwb_m16 mask = dwb_first(nc);
  for (int64_t j = 0; j < n; ++j, src += stride)
    *(v16f*)(dst + j * DWB_C) =
        nc == DWB_C ? *(const v16f*)src : (v16f)__builtin_masked_load(mask, src, (dwb_x16f){0});
}

/* Packs view rows [first, last] of the group's nc channels (from x) into the ring: image rows transposed,
 * rows outside the image zeroed (the padding columns of every row stay zero from the start). Specialized
 * for full groups (nc a constant 16) where inlined with it. */
static inline __attribute__((always_inline)) void dwb_pack_rows(const dwb_shape* g, const float* x, int64_t nc,
                                                                int64_t first, int64_t last, float* ring) {
  const int64_t width = g->chi - g->clo;
  int64_t v = first, index = first % g->ring_rows;
  for (; v <= last; ++v, index = index + 1 < g->ring_rows ? index + 1 : 0) {
    float* slot = ring + index * g->pitch * DWB_C;
    const int64_t row = v + g->row0;
    if (row < 0 || row >= g->height) {
      for (int64_t k = 0; k < g->pitch * DWB_C; k += 16) *(v16f*)(slot + k) = (v16f){0};
    } else if (g->flat) {
      /* The image rows in [first, last], then the padding rows after them. */
      const int64_t rows = min64(last + 1, g->height - g->row0) - v;
      dwb_pack_flat(g, x, nc, row, rows, width, index, ring);
      v += rows - 1;
      index = (index + rows - 1) % g->ring_rows;
    } else if (width > 0 && g->channels_last) {
      dwb_pack_positions(x + row * g->x_h + g->clo * g->x_w, g->x_w, nc, width, slot + (g->clo - g->col0) * DWB_C);
    } else if (width > 0) {
      dwb_pack(x + row * g->x_h + g->clo, g->x_c, nc, width, slot + (g->clo - g->col0) * DWB_C);
    }
  }
}

/* The band's outputs (rows * ow positions from out) into the group's planes from y (row i0 first). */
static inline __attribute__((always_inline)) void dwb_unpack_band(const dwb_shape* g, const float* out, int64_t nc,
                                                                  int64_t rows, float* y, int64_t y_c, int64_t y_h,
                                                                  int add) {
  if (g->channels_last) {
    const dwb_m16 mask = dwb_first(nc);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < g->ow; ++j) {
        float* p = y + i * y_h + j * g->y_w;
        v16f v = *(const v16f*)(out + (i * g->ow + j) * DWB_C);
        if (nc == DWB_C) {
          *(v16f*)p = add ? v + *(const v16f*)p : v;
        } else {
          if (add) v += (v16f)__builtin_masked_load(mask, p, (dwb_x16f){0});
          __builtin_masked_store(mask, (dwb_x16f)v, p);
        }
      }
    return;
  }
  if (y_h == g->ow)
    dwb_unpack(out, y, y_c, nc, rows * g->ow, add);
  else
    for (int64_t i = 0; i < rows; ++i) dwb_unpack(out + i * g->ow * DWB_C, y + i * y_h, y_c, nc, g->ow, add);
}

/* Output rows [i0, i0 + rows) of a group into out (see dwb_rows), specialized for the common filters:
 * their taps unroll, and each input vector of a block and tap row is loaded once. */
#define DWB_ROWS(KW, SW, NB) \
  dwb_rows(ring, g->ring_rows, g->pitch, wv, g->kh, KW, g->sh, SW, g->dh, 1, NB, i0, rows, g->ow, out)
#define DWB_SPECIALIZED(KW, SW)    \
  if (g->nb == DWB_NWIDE)          \
    DWB_ROWS(KW, SW, DWB_NWIDE);   \
  else if (g->nb == DWB_N)         \
    DWB_ROWS(KW, SW, DWB_N);       \
  else                             \
    DWB_ROWS(KW, SW, DWB_NNARROW)
static void dwb_compute(const dwb_shape* g, const float* ring, const v16f* wv, int64_t i0, int64_t rows, float* out) {
  const int64_t kw = g->dw == 1 ? g->kw : 0, sw = g->sw;
  if (kw == 3 && sw == 1) {
    DWB_SPECIALIZED(3, 1);
  } else if (kw == 3 && sw == 2) {
    DWB_SPECIALIZED(3, 2);
  } else if (kw == 5 && sw == 1) {
    DWB_SPECIALIZED(5, 1);
  } else if (kw == 5 && sw == 2) {
    DWB_SPECIALIZED(5, 2);
  } else if (kw == 7 && sw == 1) {
    DWB_SPECIALIZED(7, 1);
  } else if (kw == 7 && sw == 2) {
    DWB_SPECIALIZED(7, 2);
  } else if (g->nb == DWB_NNARROW) {
    dwb_rows(ring, g->ring_rows, g->pitch, wv, g->kh, g->kw, g->sh, sw, g->dh, g->dw, DWB_NNARROW, i0, rows, g->ow,
             out);
  } else {
    dwb_rows(ring, g->ring_rows, g->pitch, wv, g->kh, g->kw, g->sh, sw, g->dh, g->dw, DWB_N, i0, rows, g->ow, out);
  }
}
#undef DWB_SPECIALIZED
#undef DWB_ROWS

/* dwb_compute for the direct path (dwb_rows_direct): the band's outputs go straight into the planes of
 * the group from y. */
#define DWB_DIRECT(KW, SW)                                                                                   \
  dwb_rows_direct(ring, g->ring_rows, g->pitch, wv, g->kh, KW, g->sh, SW, g->dh, 1, i0, rows, g->ow, y, y_c, y_h, \
                  nc, add)
static void dwb_compute_direct(const dwb_shape* g, const float* ring, const v16f* wv, int64_t i0, int64_t rows,
                               float* y, int64_t y_c, int64_t y_h, int64_t nc, int add) {
  const int64_t kw = g->dw == 1 ? g->kw : 0, sw = g->sw;
  if (kw == 3 && sw == 1)
    DWB_DIRECT(3, 1);
  else if (kw == 3 && sw == 2)
    DWB_DIRECT(3, 2);
  else if (kw == 5 && sw == 1)
    DWB_DIRECT(5, 1);
  else if (kw == 5 && sw == 2)
    DWB_DIRECT(5, 2);
  else if (kw == 7 && sw == 1)
    DWB_DIRECT(7, 1);
  else if (kw == 7 && sw == 2)
    DWB_DIRECT(7, 2);
  else
    dwb_rows_direct(ring, g->ring_rows, g->pitch, wv, g->kh, g->kw, g->sh, sw, g->dh, g->dw, i0, rows, g->ow, y, y_c,
                    y_h, nc, add);
}
#undef DWB_DIRECT

/* How many vectors of 16 floats the artifact's CPU holds in registers: 32 with AVX-512, 8 without (a
 * vector is then a pair of 256-bit registers). The register blocking depends on it and the target-neutral
 * bitcode cannot tell, so the compiler defines it when it links the microkernels, as a constant the
 * optimizer folds (ObjectEmitter.cpp); native builds (the unit tests) define it themselves. */
extern int32_t tsr_ukernel_vector_registers;

/* The weights of a group, one vector per tap (lane l: channel l). */
static void dwb_weights(const float* w, int64_t w_c, int64_t w_h, int64_t w_w, int64_t kh, int64_t kw, int64_t nc,
                        v16f* wv) {
  const int64_t taps = kh * kw;
  if (w_c == 1) { /* channels-last: a tap's channels are contiguous */
    const dwb_m16 mask = dwb_first(nc);
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s) {
        const float* p = w + r * w_h + s * w_w;
        wv[r * kw + s] = nc == DWB_C ? *(const v16f*)p : (v16f)__builtin_masked_load(mask, p, (dwb_x16f){0});
      }
  } else if (w_w == 1 && w_h == kw) {
    for (int64_t t = 0; t < taps; t += 16) {
      v16f v[16];
      dwb_gather(w + t, w_c, nc, taps - t, v);
      for (int k = 0; k < 16 && t + k < DWB_TAPS; ++k) wv[t + k] = v[k];
    }
  } else {
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s) {
        float lanes[DWB_C] = {0};
        for (int64_t l = 0; l < nc; ++l) lanes[l] = w[l * w_c + r * w_h + s * w_w];
        wv[r * kw + s] = *(const v16f*)lanes;
      }
  }
}

/* One group (nc channels from x, w and y): bands of packing, computing and unpacking. */
static inline __attribute__((always_inline)) void dwb_group(const dwb_shape* g, const float* x, const v16f* wv,
                                                            int64_t nc, float* y, int64_t y_c, int64_t y_h, int add,
                                                            float* ring, float* out) {
  int64_t next = 0; /* the next view row to pack */
  for (int64_t i0 = 0; i0 < g->oh; i0 += g->band) {
    const int64_t rows = min64(g->band, g->oh - i0), last = (i0 + rows - 1) * g->sh + g->span - 1;
    dwb_pack_rows(g, x, nc, next > i0 * g->sh ? next : i0 * g->sh, last, ring);
    next = last + 1;
    if (g->direct) {
      dwb_compute_direct(g, ring, wv, i0, rows, y, y_c, y_h, nc, add);
    } else {
      dwb_compute(g, ring, wv, i0, rows, out);
      dwb_unpack_band(g, out, nc, rows, y + i0 * y_h, y_c, y_h, add);
    }
  }
}

/* The channel-blocked path: NCHW with unit column stride (x_w = y_w = 1), or channels-last (x_c = y_c =
 * w_c = 1, x_w and y_w the column strides), its buffers in `workspace` (64-byte aligned,
 * TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES); returns 0 (nothing done) when a band of one output row does not
 * fit the buffers. */
static __attribute__((noinline)) int depthwise_blocked(int64_t channels, int64_t kh, int64_t kw, int64_t oh,
                                                       int64_t ow, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                                                       const float* x, int64_t x_c, int64_t x_h, int64_t height,
                                                       int64_t width, int64_t row0, int64_t col0, const float* w,
                                                       int64_t w_c, int64_t w_h, int64_t w_w, float* y, int64_t y_c,
                                                       int64_t y_h, int accumulate, int64_t x_w, int64_t y_w,
                                                       int channels_last, float* workspace) {
  if (kh * kw > DWB_TAPS) return 0;
  dwb_shape g = {.kh = kh, .kw = kw, .sh = sh, .sw = sw, .dh = dh, .dw = dw, .oh = oh, .ow = ow};
  g.height = height, g.row0 = row0, g.col0 = col0, g.x_c = x_c, g.x_h = x_h;
  g.x_w = x_w, g.y_w = y_w, g.channels_last = channels_last;
  const int64_t view_w = (ow - 1) * sw + (kw - 1) * dw + 1;
  g.span = (kh - 1) * dh + 1;
  g.clo = clamp64(col0, 0, width), g.chi = clamp64(col0 + view_w, g.clo, width);
  g.flat = !channels_last && x_h == width && g.clo == 0 && g.chi == width && width < DWB_FLAT_WIDTH;
  /* Register blocking (see DWB_N). With AVX-512, rows of whole blocks of 16 positions, and rows of 28
   * columns or more under small filters (where the round trip of the packed outputs costs the most), go
   * straight into the output planes; other rows in blocks of 14 where they divide them, else 8 (4 for
   * rows of at most 4). */
  const int avx512 = tsr_ukernel_vector_registers >= 32;
  g.direct = !channels_last && avx512 && (ow % 16 == 0 || (kh * kw <= 9 && ow >= 28));
  g.nb = g.direct ? 16 : !avx512 || ow <= DWB_NNARROW ? DWB_NNARROW : ow % DWB_NWIDE == 0 ? DWB_NWIDE : DWB_N;
  /* Packed columns per row: the view, the reads of the last block's extra positions and the zeros of the
   * last 16-column pack block (all past the image are zero). */
  const int64_t blocks = (ow + g.nb - 1) / g.nb * g.nb, reads = (blocks - 1) * sw + (kw - 1) * dw + 1;
  const int64_t packs = g.clo - col0 + (g.chi - g.clo + 15) / 16 * 16;
  g.pitch = view_w > reads ? view_w : reads;
  g.pitch = g.pitch > packs ? g.pitch : packs;
  /* Output rows per band: as many as keep the ring and the band's outputs in L1 (with a block of slack
   * after the outputs), at least one if that fits the buffers. */
  const int64_t row_floats = g.pitch * DWB_C;
  int64_t band = oh;
  while (band > 1 && (((band - 1) * sh + g.span) * row_floats > DWB_RING_L1 ||
                      (band * ow + DWB_NMAX) * DWB_C > DWB_OUT_L1))
    --band;
  if (g.span * row_floats > DWB_RING || (ow + DWB_NMAX) * DWB_C > DWB_OUT) return 0;
  g.band = band;
  g.ring_rows = (band - 1) * sh + g.span;
  float* ring = workspace;
  float* out = ring + DWB_RING;
  v16f* wv = (v16f*)(out + DWB_OUT);
  /* The padding and slack columns of every ring row stay zero: packing writes the image columns only. */
  for (int64_t k = 0; k < g.ring_rows * row_floats; k += 16) *(v16f*)(ring + k) = (v16f){0};
  for (int64_t c0 = 0; c0 < channels; c0 += DWB_C) {
    const int64_t nc = min64(DWB_C, channels - c0);
    dwb_weights(w + c0 * w_c, w_c, w_h, w_w, kh, kw, nc, wv);
    if (nc == DWB_C)
      dwb_group(&g, x + c0 * x_c, wv, DWB_C, y + c0 * y_c, y_c, y_h, accumulate, ring, out);
    else
      dwb_group(&g, x + c0 * x_c, wv, nc, y + c0 * y_c, y_c, y_h, accumulate, ring, out);
  }
  return 1;
}
