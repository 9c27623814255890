/* Winograd F(4x4, 3x3) convolution microkernel for NCHW float32 (3x3 filters, stride 1, dilation 1), the
 * filters transformed at compile time. Included from ukernels.c after sgemm.c, whose register tile
 * (`tile`, 8 x 32), `v16f` and helpers it uses.
 *
 * Each 4x4 block of outputs (a tile) is computed from the 6x6 input window it reads:
 *   Y = A^T [ sum over c of (G w[f][c] G^T) .* (B^T X[c] B) ] A
 * with the Lavin-Gray matrices for the points 0, +-1, +-2 and infinity. Writing U(t, f, c) = (G w G^T)[t]
 * and V(t, c, tile) = (B^T X B)[t] for the 36 points t = 6a + b, the sum over channels is 36 independent
 * products M(t) = U(t) V(t) of (filters x channels) by (channels x tiles): 36 multiplies per tile,
 * channel and filter instead of the direct convolution's 144.
 *
 * Layout of U (transformed by the compiler): U(t, f, c) at t * u_t + f * u_f + c, so each U(t) is a
 * row-major filters x channels matrix whose rows are the A operand of the register tile, read in place
 * (sequential streams, no packing), as the implicit-GEMM convolution reads its weights.
 *
 * Blocking: tiles in blocks of NR = 32 (raster order over the ceil(oh/4) x ceil(ow/4) tiles: the columns
 * of the register tile), channels in chunks of at most WG_CB. Per block and chunk:
 *  1. the input transform into V[t][c][32], the B panels of the products (kc x NR each, contiguous);
 *  2. per group of 8 filters, the 36 products into M[t][8][32] with `tile`; a last block of at most 16
 *     tiles uses a 16 x 16 tile instead (16 filters at a time), so no multiply-add is spent on the 16
 *     missing columns;
 *  3. the output transform of M into y, stored on the first chunk unless accumulating and added on later
 *     ones (the transform is linear, so per-chunk outputs add up).
 * Both transforms are vectorized across 16 tiles, lane l being tile tx + l of a tile row (or, for narrow
 * images, of consecutive tile rows packed into the 16 lanes). The input transform loads 80 consecutive
 * columns of each input row (the windows of up to 16 tiles; masked where they leave the image, which is
 * the zero padding: nothing outside the image is read), splits them into the column phases x[4 l + p]
 * with shuffles and applies B^T along the rows, then down the columns. The output transform applies A^T
 * along the rows, then down the columns, interleaves the four phases back into output rows and stores
 * them (masked at the right edge: nothing outside the oh x ow outputs is written). The transformed inputs
 * and the products (326 KiB) are the caller's workspace (workspace.h), not the stack.
 */
#include <stddef.h>
#include <stdint.h>

#include "workspace.h"

/* Most channels per chunk: the transformed input of a block, 36 * WG_CB * NR floats (288 KiB), stays in L2.
 * Each chunk transforms and adds its outputs again: chunks of 32 or 48 measured 10-20 % slower. */
#define WG_CB 64
/* Floats per transformed-input panel V[t]: 16 of slack, as a run's 16-lane stores may pass the last row. */
#define WG_VT (WG_CB * NR + 16)
/* Floats per product panel M[t]: one register tile (8 x 32, or 16 x 16 for blocks of at most 16 tiles). */
#define WG_MT (MR * NR)
/* Filters per product of a narrow block (at most 16 tiles): the rows of its 16 x 16 register tile. */
#define WG_NARROW 16
_Static_assert(4 * (36 * WG_VT + 36 * WG_MT + 16) == TSR_UKERNEL_WINOGRAD_WORKSPACE_BYTES, "workspace.h is out of date");
_Static_assert(36 * WG_VT % 16 == 0, "the products must start on a cache line");

typedef int32_t v16i __attribute__((vector_size(64)));
/* The masked load and store builtins take extended vectors (same layout as v16f). */
typedef float x16f __attribute__((ext_vector_type(16)));
typedef _Bool m16 __attribute__((ext_vector_type(16)));

static const v16i wg_lanes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* Lanes lo <= i < hi of a mask (bounds clamped to [0, 16]). */
static inline m16 lane_mask(int64_t lo, int64_t hi) {
  int32_t l = (int32_t)clamp64(lo, 0, 16), h = (int32_t)clamp64(hi, 0, 16);
  return __builtin_convertvector((wg_lanes >= l) & (wg_lanes < h), m16);
}

/* A run: consecutive tiles of one tile row in a block, the input transform's unit of loads (lane l is
 * tile (ty, tx + l)). Its windows read the 80 columns [s0, s0 + 80) of six input rows, five vectors:
 * loaded whole when all lie in the image, else through the masks of the columns inside it (the padding
 * is never read). Runs are packed into groups of up to 16 tiles, the unit of the column transform and of
 * the stores: a run starts at lane `lane` of its group, at column j of the block's panels. */
typedef struct wg_run {
  int64_t j, lane, ty, tx, tiles;
  int64_t s0;  /* col0 + 4 tx */
  int whole;   /* all 80 columns inside the image, unit column stride */
  m16 inside[5];
} wg_run;

/* The runs of the block of n tiles from q0 (at most NR), each a group of its own or, `packed`, packed
 * into groups of 16 lanes (block columns [0, 16) and [16, 32)); returns how many. */
static int64_t split_runs(int64_t q0, int64_t n, int64_t tw, int packed, int64_t col0, int64_t width, int64_t x_w,
                          wg_run* runs) {
  int64_t count = 0;
  for (int64_t q = q0; q < q0 + n; ++count) {
    wg_run* r = &runs[count];
    r->j = q - q0, r->ty = q / tw, r->tx = q % tw;
    r->lane = packed ? r->j % 16 : 0;
    r->tiles = min64(16 - r->lane, min64(tw - r->tx, q0 + n - q));
    r->s0 = col0 + 4 * r->tx;
    r->whole = x_w == 1 && r->s0 >= 0 && r->s0 + 80 <= width;
    /* The windows need 4 tiles + 2 columns; the lanes of missing tiles read nothing. */
    const int64_t end = min64(width - r->s0, 4 * r->tiles + 2);
    for (int k = 0; k < 5; ++k) r->inside[k] = lane_mask(-(r->s0 + 16 * k), end - 16 * k);
    q += r->tiles;
  }
  return count;
}

/* The block's runs: each a group of its own, unless they are short on average (under 8 tiles: narrow
 * images), when packing them trades a few more row transforms for fewer column transforms and stores. */
static int64_t block_runs(int64_t q0, int64_t n, int64_t tw, int64_t col0, int64_t width, int64_t x_w,
                          wg_run* runs) {
  int64_t count = split_runs(q0, n, tw, 0, col0, width, x_w, runs);
  if (count > 2 * ((n + 15) / 16)) count = split_runs(q0, n, tw, 1, col0, width, x_w, runs);
  return count;
}

/* Strided columns (rare): the 16 columns [s0, s0 + 16) of a row gathered one by one, zero outside. */
static __attribute__((noinline)) v16f gather_row(const float* row, int64_t x_w, int64_t s0, int64_t width) {
  float out[16];
  for (int64_t i = 0; i < 16; ++i) out[i] = s0 + i >= 0 && s0 + i < width ? row[(s0 + i) * x_w] : 0.0f;
  return *(const v16f*)out;
}

/* Columns [s0 + 16 k, s0 + 16 k + 16) of an input row for a run (zero outside the image). */
static inline v16f load_run(const float* row, const wg_run* r, int k, int whole, int64_t x_w, int64_t width) {
  if (whole) return *(const v16f*)(row + r->s0 + 16 * k);
  if (x_w != 1) return gather_row(row, x_w, r->s0 + 16 * k, width);
  return (v16f)__builtin_masked_load(r->inside[k], row + r->s0 + 16 * k, (x16f){0});
}

/* y[0, n) (+)= the first n lanes of v (all 16 when n >= 16; nothing when n <= 0). */
static inline void store_row(float* y, v16f v, int64_t n, int add) {
  if (n >= 16) {
    if (add) v += *(const v16f*)y;
    *(v16f*)y = v;
  } else if (n > 0) {
    m16 mask = lane_mask(0, n);
    if (add) v += (v16f)__builtin_masked_load(mask, y, (x16f){0});
    __builtin_masked_store(mask, (x16f)v, y);
  }
}

/* o = B^T d: the six transformed points of six inputs along a row or column of a window. */
static inline void input_points(v16f d0, v16f d1, v16f d2, v16f d3, v16f d4, v16f d5, v16f* o) {
  v16f p = d4 - 4.0f * d2, q = d3 - 4.0f * d1, r = d4 - d2, s = 2.0f * (d3 - d1);
  o[0] = (d4 + 4.0f * d0) - 5.0f * d2;
  o[1] = p + q;
  o[2] = p - q;
  o[3] = r + s;
  o[4] = r - s;
  o[5] = (d5 + 4.0f * d1) - 5.0f * d3;
}

/* o = A^T m: four outputs from six points along a row or column of a tile. */
static inline void output_points(v16f m0, v16f m1, v16f m2, v16f m3, v16f m4, v16f m5, v16f* o) {
  v16f s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
  o[0] = m0 + s12 + s34;
  o[1] = d12 + 2.0f * d34;
  o[2] = s12 + 4.0f * s34;
  o[3] = (m5 + d12) + 8.0f * d34;
}

/* Even and odd elements of the 32 in (a, b). */
static inline v16f even(v16f a, v16f b) {
  return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
static inline v16f odd(v16f a, v16f b) {
  return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}
/* Lanes 0-7 and 8-15 of a and b alternated. */
static inline v16f zip_lo(v16f a, v16f b) {
  return __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
static inline v16f zip_hi(v16f a, v16f b) {
  return __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/* The row transform of a run's windows in one input row: h[b] = sum over j of B^T[b][j] * x[s0 + 4 l + j]
 * in lane l. Inlined twice: for runs loaded whole and for masked ones. */
static inline __attribute__((always_inline)) void transform_input_row(const float* row, const wg_run* r, int whole,
                                                                      int64_t x_w, int64_t width, v16f* h) {
  v16f a0 = load_run(row, r, 0, whole, x_w, width), a1 = load_run(row, r, 1, whole, x_w, width);
  v16f a2 = load_run(row, r, 2, whole, x_w, width), a3 = load_run(row, r, 3, whole, x_w, width);
  v16f a4 = load_run(row, r, 4, whole, x_w, width);
  /* The four column phases x[4 l + p], and phases 0 and 1 of the next tile (x[4 l + 4], x[4 l + 5]). */
  v16f e01 = even(a0, a1), o01 = odd(a0, a1), e23 = even(a2, a3), o23 = odd(a2, a3);
  v16f p0 = even(e01, e23), p1 = even(o01, o23), p2 = odd(e01, e23), p3 = odd(o01, o23);
  v16f p4 = __builtin_shufflevector(p0, a4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  v16f p5 = __builtin_shufflevector(p1, a4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
  input_points(p0, p1, p2, p3, p4, p5, h);
}

/* V[t][c][j] for the kc channels of a chunk (x at its first) and the block's runs. A run's 16-lane stores
 * may pass its tiles (into h, then into V): runs and groups are done in order, so later ones overwrite
 * them, and the panels have slack after the last row. */
static void transform_input(const float* x, int64_t x_c, int64_t x_h, int64_t x_w, int64_t height, int64_t width,
                            int64_t row0, const wg_run* runs, int64_t nruns, int64_t kc, float* v) {
  float h[6][6][32] __attribute__((aligned(64))); /* h[i][b][lane]: the row transforms of a group's rows i */
  /* The input rows the block reads (clipped to the image), and how far their columns reach. */
  const int64_t first = clamp64(row0 + 4 * runs[0].ty, 0, height);
  const int64_t last = clamp64(row0 + 4 * runs[nruns - 1].ty + 6, 0, height);
  const int64_t reach = (width - 1) * x_w + 1;
  for (int64_t c = 0; c < kc; ++c) {
    const float* channel = x + c * x_c;
    /* The next channel's rows: a few short, scattered lines each, which the hardware prefetcher misses. */
    if (c + 1 < kc)
      for (int64_t row = first; row < last; ++row)
        for (int64_t s = 0; s < reach; s += 16) __builtin_prefetch(channel + x_c + row * x_h + s);
    for (const wg_run* r = runs; r < runs + nruns; ++r) {
      for (int64_t i = 0; i < 6; ++i) {
        int64_t row = row0 + 4 * r->ty + i;
        v16f out[6];
        if (row < 0 || row >= height)
          for (int b = 0; b < 6; ++b) out[b] = (v16f){0};
        else if (r->whole)
          transform_input_row(channel + row * x_h, r, 1, x_w, width, out);
        else
          transform_input_row(channel + row * x_h, r, 0, x_w, width, out);
        for (int b = 0; b < 6; ++b) *(v16f*)&h[i][b][r->lane] = out[b];
      }
      if (r + 1 < runs + nruns && r[1].lane != 0) continue;
      /* The group is complete: down the columns, into V. */
      float* to = v + c * NR + r->j - r->lane;
      for (int b = 0; b < 6; ++b) {
        v16f col[6];
        input_points(*(const v16f*)h[0][b], *(const v16f*)h[1][b], *(const v16f*)h[2][b], *(const v16f*)h[3][b],
                     *(const v16f*)h[4][b], *(const v16f*)h[5][b], col);
        for (int a = 0; a < 6; ++a) *(v16f*)(to + (6 * a + b) * WG_VT) = col[a];
      }
    }
  }
}

/* The register tile of a narrow block: c (16 x 16, rows 16 apart) = a (16 rows ars apart, k contiguous)
 * times b (kc x 16, rows NR apart). Half the columns of `tile` and twice the rows: still 16 independent
 * sums, and no multiply-add is spent on missing tiles. */
static void tile_narrow(int64_t kc, const float* a, int64_t ars, const float* b, float* c) {
  v16f acc[WG_NARROW];
  for (int i = 0; i < WG_NARROW; ++i) acc[i] = (v16f){0};
  for (int64_t k = 0; k < kc; ++k) {
    v16f bk = *(const v16f*)(b + k * NR);
    for (int i = 0; i < WG_NARROW; ++i) acc[i] += a[i * ars + k] * bk;
  }
  for (int i = 0; i < WG_NARROW; ++i) *(v16f*)(c + i * WG_NARROW) = acc[i];
}

/* M[t] = U(t) rows [0, mr) (u at the chunk's first channel, rows u_f apart) times V[t] (kc x NR), with the
 * register tile of the block: 8 x 32 (rows NR apart) or, narrow, 16 x 16 (rows 16 apart). Fewer filters
 * than the tile's rows are copied into a zero-padded block: the tile reads all its rows. */
static void multiply(const float* u, int64_t u_t, int64_t u_f, int64_t mr, int64_t kc, int narrow, const float* v,
                     float* m) {
  const int64_t tile_rows = narrow ? WG_NARROW : MR;
  float rows[WG_NARROW * WG_CB] __attribute__((aligned(64)));
  for (int64_t t = 0; t < 36; ++t) {
    const float* a = u + t * u_t;
    int64_t ars = u_f;
    if (mr < tile_rows) {
      for (int64_t i = 0; i < tile_rows; ++i)
        for (int64_t k = 0; k < kc; ++k) rows[i * kc + k] = i < mr ? a[i * u_f + k] : 0.0f;
      a = rows, ars = kc;
    }
    /* The next point's rows are far away (u_t apart) and short: fetch them ahead. */
    if (t + 1 < 36)
      for (int64_t i = 0; i < mr; ++i)
        for (int64_t k = 0; k < kc; k += 16) __builtin_prefetch(u + (t + 1) * u_t + i * u_f + k);
    if (narrow)
      tile_narrow(kc, a, ars, v + t * WG_VT, m + t * WG_MT);
    else
      tile(kc, a, ars, 1, v + t * WG_VT, NR, m + t * WG_MT, NR, MR, NR, 0);
  }
}

/* The four output rows of 16 tiles, each as 64 consecutive outputs (4 per tile), from their 36 points
 * (lane l of p[t * WG_MT] is tile l's point t). */
static inline void output_tiles(const float* p, v16f rows[4][4]) {
  /* Along the rows of the points: col[a][k] = sum over b of A^T[k][b] * M[6a + b]. */
  v16f col[6][4];
  for (int a = 0; a < 6; ++a) {
    const float* pa = p + 6 * a * WG_MT;
    output_points(*(const v16f*)pa, *(const v16f*)(pa + WG_MT), *(const v16f*)(pa + 2 * WG_MT),
                  *(const v16f*)(pa + 3 * WG_MT), *(const v16f*)(pa + 4 * WG_MT), *(const v16f*)(pa + 5 * WG_MT),
                  col[a]);
  }
  /* Down the columns: out[i][k] = sum over a of A^T[i][a] * col[a][k], output (i, k) of each tile. */
  v16f out[4][4];
  for (int k = 0; k < 4; ++k) {
    v16f o[4];
    output_points(col[0][k], col[1][k], col[2][k], col[3][k], col[4][k], col[5][k], o);
    for (int i = 0; i < 4; ++i) out[i][k] = o[i];
  }
  /* Interleave the four column phases of each row. */
  for (int i = 0; i < 4; ++i) {
    v16f t0 = zip_lo(out[i][0], out[i][2]), t1 = zip_hi(out[i][0], out[i][2]);
    v16f t2 = zip_lo(out[i][1], out[i][3]), t3 = zip_hi(out[i][1], out[i][3]);
    rows[i][0] = zip_lo(t0, t2), rows[i][1] = zip_hi(t0, t2);
    rows[i][2] = zip_lo(t1, t3), rows[i][3] = zip_hi(t1, t3);
  }
}

/* y (+)= the outputs of the block's n tiles from q0 for the mr filters of M (rows ms apart; y at the first
 * filter, filters y_f apart, rows y_h apart), 16 tiles at a time; only outputs inside oh x ow are
 * written. When the 16 tiles span tile rows, each row's part is stored from a copy of the outputs. */
static void transform_output(const float* m, int64_t ms, int64_t mr, int64_t q0, int64_t n, int64_t tw, int64_t oh,
                             int64_t ow, float* y, int64_t y_f, int64_t y_h, int add) {
  v16f rows[4][4];
  float line[4][64 + 16] __attribute__((aligned(64)));
  for (int64_t f = 0; f < mr; ++f)
    for (int64_t j0 = 0; j0 < n; j0 += 16) {
      output_tiles(m + f * ms + j0, rows);
      const int64_t end = q0 + min64(n, j0 + 16);
      const int64_t q = q0 + j0, ty = q / tw, tx = q % tw;
      if (q + min64(16, tw - tx) >= end) {
        /* One tile row: columns [4 tx, 4 tx + count) of output rows 4 ty + i. */
        const int64_t count = min64(ow, 4 * (tx + end - q)) - 4 * tx;
        for (int64_t i = 0; i < 4 && 4 * ty + i < oh; ++i) {
          float* to = y + f * y_f + (4 * ty + i) * y_h + 4 * tx;
          for (int k = 0; k < 4; ++k) store_row(to + 16 * k, rows[i][k], count - 16 * k, add);
        }
        continue;
      }
      for (int i = 0; i < 4; ++i)
        for (int k = 0; k < 4; ++k) *(v16f*)&line[i][16 * k] = rows[i][k];
      for (int64_t p = q; p < end;) {
        /* The part in tile row pty: tiles [ptx, ptx + tiles), outputs from 4 (p - q) in line. */
        const int64_t pty = p / tw, ptx = p % tw, tiles = min64(tw - ptx, end - p);
        const int64_t count = min64(ow, 4 * (ptx + tiles)) - 4 * ptx;
        for (int64_t i = 0; i < 4 && 4 * pty + i < oh; ++i) {
          float* to = y + f * y_f + (4 * pty + i) * y_h + 4 * ptx;
          const float* from = &line[i][4 * (p - q)];
          for (int64_t k = 0; 16 * k < count; ++k)
            store_row(to + 16 * k, *(const v16f*)(from + 16 * k), count - 16 * k, add);
        }
        p += tiles;
      }
    }
}

/* One image of a 3x3, stride-1 NCHW convolution: y[f][i][j] (+)= sum over (c, kh, kw) of w[f][c][kh][kw] *
 * x[c][row0 + i + kh][col0 + j + kw] for i < oh, j < ow, reads outside the height x width image being zero
 * (row0 and col0: minus the leading pads, or where a slice of the output starts). The filters come
 * transformed (see the header): U(t, f, c) at u_t, u_f, 1. Output rows are contiguous (y_h apart, filters
 * y_f apart). Pointers arrive as integers (base address plus element offset). */
void tsr_ukernel_conv2d_winograd_f43_nchw_f32(int64_t filters, int64_t channels, int64_t oh, int64_t ow,
                                              intptr_t x_base, int64_t x_offset, int64_t x_c, int64_t x_h,
                                              int64_t x_w, int64_t height, int64_t width, int64_t row0,
                                              int64_t col0, intptr_t u_base, int64_t u_offset, int64_t u_t,
                                              int64_t u_f, intptr_t y_base, int64_t y_offset, int64_t y_f,
                                              int64_t y_h, intptr_t workspace, int32_t accumulate) {
  const float* x = (const float*)x_base + x_offset;
  const float* u = (const float*)u_base + u_offset;
  float* y = (float*)y_base + y_offset;
  if (filters <= 0 || oh <= 0 || ow <= 0) return;
  if (channels <= 0) {
    if (!accumulate)
      for (int64_t f = 0; f < filters; ++f)
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) y[f * y_f + i * y_h + j] = 0.0f;
    return;
  }
  const int64_t tw = (ow + 3) / 4, tiles = (oh + 3) / 4 * tw;
  /* Equal chunks: no short last one. */
  const int64_t chunks = (channels + WG_CB - 1) / WG_CB, cb = (channels + chunks - 1) / chunks;
  float* v = (float*)workspace;      /* 36 * WG_VT */
  float* m = v + 36 * WG_VT;         /* 36 * WG_MT + 16: slack, loads of 16 tiles may pass the last */
  for (int64_t i = 36 * WG_MT; i < 36 * WG_MT + 16; ++i) m[i] = 0.0f;
  wg_run runs[NR];
  for (int64_t q0 = 0; q0 < tiles; q0 += NR) {
    const int64_t n = min64(NR, tiles - q0), nruns = block_runs(q0, n, tw, col0, width, x_w, runs);
    /* A block of at most 16 tiles takes the narrow register tile (16 filters x 16 tiles). */
    const int narrow = n <= 16;
    const int64_t group = narrow ? WG_NARROW : MR, columns = narrow ? 16 : NR;
    for (int64_t c0 = 0; c0 < channels; c0 += cb) {
      const int64_t kc = min64(cb, channels - c0);
      /* The columns of a short block hold no tile: zero, not stale stack (denormals slow FMAs). */
      for (int64_t t = 0; t < 36; ++t)
        for (int64_t c = 0; c < kc; ++c)
          for (int64_t j = n; j < columns; ++j) v[t * WG_VT + c * NR + j] = 0.0f;
      transform_input(x + c0 * x_c, x_c, x_h, x_w, height, width, row0, runs, nruns, kc, v);
      for (int64_t f0 = 0; f0 < filters; f0 += group) {
        const int64_t mr = min64(group, filters - f0);
        multiply(u + f0 * u_f + c0, u_t, u_f, mr, kc, narrow, v, m);
        transform_output(m, columns, mr, q0, n, tw, oh, ow, y + f0 * y_f, y_f, y_h, accumulate || c0 > 0);
      }
    }
  }
}
