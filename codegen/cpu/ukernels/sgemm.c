/* Single-precision GEMM and NCHW convolution (implicit im2col) microkernels, linked as LLVM bitcode into
 * the kernels that call them (with depthwise.c, depthwise_blocked.c and winograd.c, which share the helpers
 * here: see ukernels.c).
 *
 * C[M,N] (+)= A[M,K] * B[K,N] with arbitrary element strides for A and B (so transposed operands need no
 * copy) and a row stride for C; a convolution is the same product with B read from the image (zeros
 * outside it). Written with GCC/Clang vector extensions rather than intrinsics: the bitcode carries no
 * target features, and the compiler re-targets it to the artifact's CPU after linking (AVX-512 on zmm
 * registers, AVX2 as pairs of ymm), so one source serves every x86-64 level.
 *
 * Blocking (BLIS style): N in blocks of NC, K in blocks of KC, M in blocks of MC. B is packed once per (n, k)
 * block into contiguous KC x NR panels (a constant B arrives packed already: see
 * tsr_ukernel_sgemm_packed_f32), A once per (n, k, m) block into MR-row panels, so the inner loop
 * reads both operands sequentially; the 8 x 32 register tile keeps 16 accumulators of 16 floats live.
 * Packing and padding buffers are the caller's workspace (the worker's scratch, where the kernel puts it:
 * tessera-cpu-place-temporaries-in-scratch), TSR_UKERNEL_SGEMM_WORKSPACE_BYTES or
 * TSR_UKERNEL_CONV2D_WORKSPACE_BYTES of it (workspace.h), 64-byte aligned, not on the stack.
 */
#include <stddef.h>
#include <stdint.h>

#include "workspace.h"

#define MR 8
#define NR 32
#define KC 256
#define MC 48
#define NC 256
/* Up to this many rows of A, full panels of a row-major B are read in place instead of packed: packing
 * costs about as much as the product when only a few row tiles reuse each panel. */
#define B_IN_PLACE_ROWS 32

typedef float v16f __attribute__((vector_size(64), aligned(4)));

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Packs rows [m0, m0 + mc) x cols [k0, k0 + kc) of A into MR-row panels, k-major; missing rows are zero. */
static void pack_a(const float* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc, float* out) {
  for (int64_t p = 0; p < mc; p += MR) {
    int64_t rows = min64(MR, mc - p);
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t i = 0; i < rows; ++i) out[k * MR + i] = a[(p + i) * rs + k * cs];
      for (int64_t i = rows; i < MR; ++i) out[k * MR + i] = 0.0f;
    }
    out += kc * MR;
  }
}

/* Where B comes from: a strided matrix, or (for convolutions) the columns of an im2col matrix read straight
 * from the NCHW image: B[k][j] = x[c][oh * sh + kh * dh + row0][ow * sw + kw * dw + col0] with
 * k = (c, kh, kw) and j = (oh, ow), so no im2col buffer is ever materialized. Rows and columns outside
 * [0, height) x [0, width) of the image read as zero: that is the convolution's padding, which is
 * therefore never materialized either (row0 and col0 are minus the leading pads). */
typedef struct b_source {
  const float* b;
  int64_t rs, cs;                     /* matrix strides */
  int conv;                           /* nonzero: image source */
  int64_t kh, kw, ow, sh, sw, dh, dw; /* kernel size, output width, strides, dilations */
  int64_t xc, xh, xw;                 /* image strides of a channel, a row, a column */
  int64_t row0, col0, height, width;  /* where the window starts, and the image's extent */
  int padded;                         /* nonzero: some windows leave the image (check every read) */
  /* Packed source (nonzero `packed`): B[k][j] = b[(col + j) / panel][k][(col + j) % panel], the panels
   * kdim rows deep, zero past the matrix's last column. */
  int packed;
  int64_t panel, col, kdim;
} b_source;

static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Packs rows [k0, k0 + kc) x columns [n0, n0 + nc) (nc <= NR) of B into a contiguous kc x NR panel;
 * missing columns are zero. */
static void pack_b(const b_source* src, int64_t k0, int64_t n0, int64_t kc, int64_t nc, float* out) {
  if (src->packed) { /* only panels that do not line up with NR get here */
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t j = 0; j < nc; ++j) {
        int64_t column = src->col + n0 + j;
        out[k * NR + j] = src->b[(column / src->panel * src->kdim + k0 + k) * src->panel + column % src->panel];
      }
      for (int64_t j = nc; j < NR; ++j) out[k * NR + j] = 0.0f;
    }
    return;
  }
  if (!src->conv) {
    const float* b = src->b + k0 * src->rs + n0 * src->cs;
    if (src->cs == 1 && nc == NR) {
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = 0; j < NR; ++j) out[k * NR + j] = b[k * src->rs + j];
      return;
    }
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t j = 0; j < nc; ++j) out[k * NR + j] = b[k * src->rs + j * src->cs];
      for (int64_t j = nc; j < NR; ++j) out[k * NR + j] = 0.0f;
    }
    return;
  }
  int64_t out_row[NR], out_col[NR], column[NR]; /* output row, column and image offset of each position */
  for (int64_t j = 0; j < nc; ++j) {
    int64_t p = n0 + j;
    out_row[j] = p / src->ow;
    out_col[j] = p % src->ow;
    column[j] = out_row[j] * src->sh * src->xh + out_col[j] * src->sw * src->xw;
  }
  /* With unit column stride, the columns of one output row read consecutive input: copy them as runs. */
  int contiguous = !src->padded && src->sw * src->xw == 1;
  int64_t runs = 0, run_start[NR], run_length[NR];
  for (int64_t j = 0; contiguous && j < nc; ++runs) {
    int64_t left_in_row = src->ow - out_col[j], length = min64(nc - j, left_in_row);
    run_start[runs] = j;
    run_length[runs] = length;
    j += length;
  }
  int64_t taps = src->kh * src->kw;
  int64_t c = k0 / taps, r = k0 % taps, kh = r / src->kw, kw = r % src->kw;
  for (int64_t k = 0; k < kc; ++k) {
    const float* channel = src->b + c * src->xc;
    const float* tap = channel + kh * src->dh * src->xh + kw * src->dw * src->xw;
    float* to = out + k * NR;
    if (src->padded) {
      /* The rare fallback for windows too large to copy padded (see the convolution entry): check every
       * read. */
      int64_t row_shift = kh * src->dh + src->row0, col_shift = kw * src->dw + src->col0;
      for (int64_t j = 0; j < nc; ++j) {
        int64_t row = out_row[j] * src->sh + row_shift, col = out_col[j] * src->sw + col_shift;
        int inside = row >= 0 && row < src->height && col >= 0 && col < src->width;
        to[j] = inside ? channel[row * src->xh + col * src->xw] : 0.0f;
      }
    } else if (contiguous) {
      for (int64_t q = 0; q < runs; ++q) {
        const float* from = tap + column[run_start[q]];
        float* dst = to + run_start[q];
        for (int64_t j = 0; j < run_length[q]; ++j) dst[j] = from[j];
      }
    } else {
      for (int64_t j = 0; j < nc; ++j) to[j] = tap[column[j]];
    }
    for (int64_t j = nc; j < NR; ++j) to[j] = 0.0f;
    if (++kw == src->kw) {
      kw = 0;
      if (++kh == src->kh) {
        kh = 0;
        ++c;
      }
    }
  }
}

/* One MR x NR tile: acc = sum over k of A[:, k] (MR values, element (i, k) at a[i * ars + k * aks]) outer
 * b[k] (NR values); then C (+)= acc. A is either a packed panel (ars 1, aks MR) or MR full rows of a
 * row-major A read in place (ars its row stride, aks 1): eight sequential streams need no packing. */
static void tile(int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b, int64_t bks, float* c, int64_t rsc,
                 int64_t mr, int64_t nr, int accumulate) {
  v16f acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = (v16f){0};
  for (int64_t k = 0; k < kc; ++k) {
    v16f b0 = *(const v16f*)(b + k * bks), b1 = *(const v16f*)(b + k * bks + 16);
    for (int i = 0; i < MR; ++i) {
      float ai = a[i * ars + k * aks]; /* scalar * vector splats (a broadcast, folded into the FMA) */
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; ++i) {
      v16f* row = (v16f*)(c + i * rsc);
      if (accumulate) {
        row[0] += acc[i][0];
        row[1] += acc[i][1];
      } else {
        row[0] = acc[i][0];
        row[1] = acc[i][1];
      }
    }
    return;
  }
  float partial[MR][NR] __attribute__((aligned(64)));
  for (int i = 0; i < MR; ++i) {
    *(v16f*)&partial[i][0] = acc[i][0];
    *(v16f*)&partial[i][16] = acc[i][1];
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * rsc + j] = accumulate ? c[i * rsc + j] + partial[i][j] : partial[i][j];
}

/* Few rows: no register tile would fill, and B is read once anyway; stream it row by row (memory bound). */
static void gemm_rows(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                      const b_source* src, float* c, int64_t c_rs, int32_t accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * c_rs;
    if (!accumulate)
      for (int64_t j = 0; j < n; ++j) row[j] = 0.0f;
    for (int64_t l = 0; l < k; ++l) {
      float x = a[i * a_rs + l * a_cs];
      const float* b = src->b + l * src->rs;
      for (int64_t j = 0; j < n; ++j) row[j] += x * b[j];
    }
  }
}

/* Few rows and a B whose columns are contiguous (a weight stored as [n, k], as Gemm with transB and
 * fully connected layers keep it): each C element is a dot product of two contiguous vectors, four
 * columns at a time so each A vector loaded feeds four FMAs. Memory bound: B is read once. */
static void gemm_rows_bt(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, const float* b,
                         int64_t b_cs, float* c, int64_t c_rs, int32_t accumulate) {
  int64_t kv = k / 16 * 16;
  for (int64_t i = 0; i < m; ++i) {
    const float* ai = a + i * a_rs;
    for (int64_t j0 = 0; j0 < n; j0 += 4) {
      int64_t cols = min64(4, n - j0);
      float dot[4] = {0, 0, 0, 0};
      v16f acc[4] = {(v16f){0}, (v16f){0}, (v16f){0}, (v16f){0}};
      const float* bj[4];
      for (int64_t q = 0; q < 4; ++q) bj[q] = b + (j0 + (q < cols ? q : 0)) * b_cs;
      for (int64_t l = 0; l < kv; l += 16) {
        v16f av = *(const v16f*)(ai + l);
        for (int q = 0; q < 4; ++q) acc[q] += av * *(const v16f*)(bj[q] + l);
      }
      for (int q = 0; q < 4; ++q) {
        for (int lane = 0; lane < 16; ++lane) dot[q] += acc[q][lane];
        for (int64_t l = kv; l < k; ++l) dot[q] += ai[l] * bj[q][l];
      }
      for (int64_t q = 0; q < cols; ++q)
        c[i * c_rs + j0 + q] = accumulate ? c[i * c_rs + j0 + q] + dot[q] : dot[q];
    }
  }
}

/* Most elements of B gemm_cols gathers (64 KiB on the stack). */
#define COLS_MAX (16 * 1024)

/* Few columns (a matrix-vector product, as the 1x1 convolutions of a 1x1 image in squeeze-and-excitation
 * blocks are): a register tile would compute mostly zero columns. B's columns are gathered once into
 * contiguous vectors (through pack_b, so image sources work too); each C element is then the dot product
 * of a row of A (contiguous) with one of them, four rows at a time. Memory bound: A is read once per
 * column. */
static void gemm_cols(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, const b_source* src, float* c,
                      int64_t c_rs, int32_t accumulate, float* workspace) {
  float* panel = workspace;        /* KC * NR */
  float* bt = workspace + KC * NR; /* COLS_MAX */
  for (int64_t k0 = 0; k0 < k; k0 += KC) {
    int64_t kc = min64(KC, k - k0);
    pack_b(src, k0, 0, kc, n, panel);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t l = 0; l < kc; ++l) bt[j * k + k0 + l] = panel[l * NR + j];
  }
  int64_t kv = k / 16 * 16;
  for (int64_t j = 0; j < n; ++j) {
    const float* b = bt + j * k;
    for (int64_t i0 = 0; i0 < m; i0 += 4) {
      int64_t rows = min64(4, m - i0);
      const float* ar[4];
      for (int64_t q = 0; q < 4; ++q) ar[q] = a + (i0 + (q < rows ? q : 0)) * a_rs;
      v16f acc[4] = {(v16f){0}, (v16f){0}, (v16f){0}, (v16f){0}};
      for (int64_t l = 0; l < kv; l += 16) {
        v16f bv = *(const v16f*)(b + l);
        for (int q = 0; q < 4; ++q) acc[q] += *(const v16f*)(ar[q] + l) * bv;
      }
      for (int64_t q = 0; q < rows; ++q) {
        float dot = 0.0f;
        for (int lane = 0; lane < 16; ++lane) dot += acc[q][lane];
        for (int64_t l = kv; l < k; ++l) dot += ar[q][l] * b[l];
        float* out = c + (i0 + q) * c_rs + j;
        *out = accumulate ? *out + dot : dot;
      }
    }
  }
}

/* The KC x NR panel of B at rows [k0, ...) and columns [n, n + NR) when it can be read where it is (a
 * packed B whose panel lines up, or a row-major B read in place), with its row stride in *bks; else
 * null (pack it). */
static const float* direct_panel(const b_source* src, int b_in_place, int64_t k0, int64_t n, int64_t nr,
                                 int64_t* bks) {
  if (src->packed) {
    int64_t column = src->col + n;
    if (src->panel != NR || column % NR) return 0;
    *bks = NR;
    return src->b + (column / NR * src->kdim + k0) * NR;
  }
  if (b_in_place && nr == NR) {
    *bks = src->rs;
    return src->b + k0 * src->rs + n;
  }
  return 0;
}

/* `rows` (1 to 3) rows of A times one panel: the few-row case of a packed B (a decoder's single token),
 * where an MR-row tile would multiply mostly zeros. Inlined with a constant `rows`. */
static inline __attribute__((always_inline)) void rows_tile(int rows, int64_t kc, const float* a, int64_t a_rs,
                                                            int64_t a_cs, const float* b, int64_t bks, float* c,
                                                            int64_t c_rs, int64_t nr, int accumulate) {
  v16f acc[3][2];
  for (int i = 0; i < rows; ++i) acc[i][0] = acc[i][1] = (v16f){0};
  for (int64_t k = 0; k < kc; ++k) {
    v16f b0 = *(const v16f*)(b + k * bks), b1 = *(const v16f*)(b + k * bks + 16);
    for (int i = 0; i < rows; ++i) {
      float ai = a[i * a_rs + k * a_cs];
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
  }
  for (int i = 0; i < rows; ++i) {
    float partial[NR] __attribute__((aligned(64)));
    *(v16f*)&partial[0] = acc[i][0];
    *(v16f*)&partial[16] = acc[i][1];
    float* row = c + i * c_rs;
    for (int64_t j = 0; j < nr; ++j) row[j] = accumulate ? row[j] + partial[j] : partial[j];
  }
}

/* Fewer than MR / 2 rows by a packed B: each panel streamed once, every product useful. */
static void gemm_rows_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                             const b_source* src, float* c, int64_t c_rs, int32_t accumulate, float* workspace) {
  float* bpack = workspace; /* KC * NR */
  for (int64_t j = 0; j < n; j += NR) {
    int64_t nr = min64(NR, n - j);
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      int64_t kc = min64(KC, k - k0), bks = NR;
      const float* panel = direct_panel(src, 0, k0, j, nr, &bks);
      if (!panel) {
        pack_b(src, k0, j, kc, nr, bpack);
        panel = bpack;
        bks = NR;
      }
      int acc = accumulate || k0 > 0;
      const float* ak = a + k0 * a_cs;
      if (m == 1)
        rows_tile(1, kc, ak, a_rs, a_cs, panel, bks, c + j, c_rs, nr, acc);
      else if (m == 2)
        rows_tile(2, kc, ak, a_rs, a_cs, panel, bks, c + j, c_rs, nr, acc);
      else
        rows_tile(3, kc, ak, a_rs, a_cs, panel, bks, c + j, c_rs, nr, acc);
    }
  }
}

/* The floats of workspace gemm uses at most: A and B packing buffers (more than gemm_cols' and
 * gemm_rows_packed's). */
#define SGEMM_WORKSPACE_FLOATS (MC * KC + KC * NC)
_Static_assert(4 * SGEMM_WORKSPACE_FLOATS == TSR_UKERNEL_SGEMM_WORKSPACE_BYTES, "workspace.h is out of date");
_Static_assert(KC * NR + COLS_MAX <= SGEMM_WORKSPACE_FLOATS, "gemm_cols needs more than gemm");

/* C[m, n] (+)= A[m, k] * B[k, n], B from `src`, with SGEMM_WORKSPACE_FLOATS floats of 64-byte aligned
 * `workspace`. */
static void gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const b_source* src,
                 float* c, int64_t c_rs, int32_t accumulate, float* workspace) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) c[i * c_rs + j] = 0.0f;
    return;
  }
  if (m < MR / 2 && src->packed) {
    gemm_rows_packed(m, n, k, a, a_rs, a_cs, src, c, c_rs, accumulate, workspace);
    return;
  }
  if (m < MR / 2 && !src->conv && !src->packed && src->cs == 1) {
    gemm_rows(m, n, k, a, a_rs, a_cs, src, c, c_rs, accumulate);
    return;
  }
  if (m < MR / 2 && !src->conv && !src->packed && src->rs == 1 && a_cs == 1) {
    gemm_rows_bt(m, n, k, a, a_rs, src->b, src->cs, c, c_rs, accumulate);
    return;
  }
  if (n < MR / 2 && m >= MR && a_cs == 1 && n * k <= COLS_MAX) {
    gemm_cols(m, n, k, a, a_rs, src, c, c_rs, accumulate, workspace);
    return;
  }
  /* B is packed once per (column block, k block); A, unless read in place, once per (column, k, row) block. */
  int b_in_place = m <= B_IN_PLACE_ROWS && !src->conv && !src->packed && src->cs == 1;
  float* apack = workspace;           /* MC * KC */
  float* bpack = workspace + MC * KC; /* KC * NC */
  for (int64_t n0 = 0; n0 < n; n0 += NC) {
    int64_t nc = min64(NC, n - n0);
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      int64_t kc = min64(KC, k - k0);
      int acc = accumulate || k0 > 0;
      /* Packed panels that line up are read where they are, and so is a full panel of a row-major B when
       * too few rows share it to pay for packing. */
      for (int64_t j = 0; j < nc; j += NR) {
        int64_t bks;
        if (!direct_panel(src, b_in_place, k0, n0 + j, min64(NR, nc - j), &bks))
          pack_b(src, k0, n0 + j, kc, min64(NR, nc - j), bpack + j * kc);
      }
      for (int64_t m0 = 0; m0 < m; m0 += MC) {
        int64_t mc = min64(MC, m - m0);
        const float* ablock = a + m0 * a_rs + k0 * a_cs;
        /* Full row tiles of a row-major A are read in place; otherwise (a partial last tile, or A read
         * across rows) the block is packed. */
        int in_place = a_cs == 1 && mc % MR == 0;
        if (!in_place) pack_a(ablock, a_rs, a_cs, mc, kc, apack);
        for (int64_t j = 0; j < nc; j += NR)
          for (int64_t p = 0; p < mc; p += MR) {
            float* ctile = c + (m0 + p) * c_rs + n0 + j;
            int64_t mr = min64(MR, mc - p), nr = min64(NR, nc - j);
            int64_t bks = NR;
            const float* bpanel = direct_panel(src, b_in_place, k0, n0 + j, nr, &bks);
            if (!bpanel) bpanel = bpack + j * kc, bks = NR;
            if (in_place)
              tile(kc, ablock + p * a_rs, a_rs, 1, bpanel, bks, ctile, c_rs, mr, nr, acc);
            else
              tile(kc, apack + p * kc, 1, MR, bpanel, bks, ctile, c_rs, mr, nr, acc);
          }
      }
    }
  }
}

/* Pointers arrive as integers (base address plus element offset) so callers need no pointer types. */
void tsr_ukernel_sgemm_f32(int64_t m, int64_t n, int64_t k, intptr_t a_base, int64_t a_offset, int64_t a_rs,
                           int64_t a_cs, intptr_t b_base, int64_t b_offset, int64_t b_rs, int64_t b_cs,
                           intptr_t c_base, int64_t c_offset, int64_t c_rs, intptr_t workspace, int32_t accumulate) {
  b_source src = {0};
  src.b = (const float*)b_base + b_offset;
  src.rs = b_rs;
  src.cs = b_cs;
  gemm(m, n, k, (const float*)a_base + a_offset, a_rs, a_cs, &src, (float*)c_base + c_offset, c_rs, accumulate,
       (float*)workspace);
}

/* C (+)= A * B where B [k, n] is columns [col, col + n) of a matrix packed ahead of time (when the model
 * was compiled) into panels: B[l][j] = packed[(col + j) / panel][l][(col + j) % panel], each panel k rows
 * deep. Panels as wide as NR whose first column lines up are read in place, so a constant weight is
 * never repacked at run time. */
void tsr_ukernel_sgemm_packed_f32(int64_t m, int64_t n, int64_t k, intptr_t a_base, int64_t a_offset, int64_t a_rs,
                                  int64_t a_cs, intptr_t p_base, int64_t p_offset, int64_t panel, int64_t col,
                                  intptr_t c_base, int64_t c_offset, int64_t c_rs, intptr_t workspace,
                                  int32_t accumulate) {
  b_source src = {0};
  src.b = (const float*)p_base + p_offset;
  src.packed = 1;
  src.panel = panel;
  src.col = col;
  src.kdim = k;
  gemm(m, n, k, (const float*)a_base + a_offset, a_rs, a_cs, &src, (float*)c_base + c_offset, c_rs, accumulate,
       (float*)workspace);
}

/* Floats of the zero-padded window copy a convolution call may make (256 KiB), at the start of its
 * workspace; the product's packing buffers follow it. */
#define CONV_PADDED (64 * 1024)
_Static_assert(4 * (CONV_PADDED + SGEMM_WORKSPACE_FLOATS) == TSR_UKERNEL_CONV2D_WORKSPACE_BYTES,
               "workspace.h is out of date");

/* Rows [first, first + rows) and columns [0, cols) of the zero-padded view of a channel (image rows and
 * columns start at row0 and col0 of the view; the image is height x width, columns x_w apart) into
 * `out`, cols floats per row. */
static void copy_padded_rows(const float* channel, int64_t x_h, int64_t x_w, int64_t height, int64_t width,
                             int64_t row0, int64_t col0, int64_t first, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    float* to = out + r * cols;
    int64_t row = first + r + row0;
    int64_t lo = 0, hi = 0;
    if (row >= 0 && row < height) {
      lo = clamp64(-col0, 0, cols);
      hi = clamp64(width - col0, lo, cols);
    }
    const float* from = channel + row * x_h + col0 * x_w;
    for (int64_t j = 0; j < lo; ++j) to[j] = 0.0f;
    if (x_w == 1)
      for (int64_t j = lo; j < hi; ++j) to[j] = from[j];
    else
      for (int64_t j = lo; j < hi; ++j) to[j] = from[j * x_w];
    for (int64_t j = hi; j < cols; ++j) to[j] = 0.0f;
  }
}

/* Few input channels, computed directly (direct_conv.c). */
static int conv_direct(int64_t filters, int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t sh,
                       int64_t sw, int64_t dh, int64_t dw, const float* x, int64_t x_c, int64_t x_h, int64_t x_w,
                       int64_t height, int64_t width, int64_t row0, int64_t col0, const float* w, int64_t w_f,
                       float* y, int64_t y_f, int accumulate, float* scratch, int64_t scratch_floats);

/* Flags of the convolution entry: keep y's values and add to them; compute it directly (direct_conv.c)
 * where the shapes allow, as the compiler's lowering configuration chose (strategy conv2d_direct). */
#define CONV_ACCUMULATE 1
#define CONV_DIRECT 2

/* One image of a 2-D NCHW convolution as an implicit GEMM (or directly, with CONV_DIRECT): y[f][oh][ow] (+)= sum over (c, kh, kw) of
 * w[f][c][kh][kw] * x[c][oh * sh + kh * dh + row0][ow * sw + kw * dw + col0], where x is height x width
 * and reads outside it are zero (row0 and col0 are minus the leading pads, or where a tile of a padded
 * image starts). The weights are contiguous per filter (row stride w_f); the output rows of one filter
 * are contiguous (y_f apart). */
void tsr_ukernel_conv2d_nchw_f32(int64_t filters, int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                 int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base, int64_t x_offset,
                                 int64_t x_c, int64_t x_h, int64_t x_w, int64_t height, int64_t width, int64_t row0,
                                 int64_t col0, intptr_t w_base, int64_t w_offset, int64_t w_f, intptr_t y_base,
                                 int64_t y_offset, int64_t y_f, intptr_t workspace, int32_t flags) {
  const int accumulate = flags & CONV_ACCUMULATE;
  const float* x = (const float*)x_base + x_offset;
  b_source src = {0};
  src.conv = 1;
  src.kh = kh, src.kw = kw, src.ow = ow, src.sh = sh, src.sw = sw, src.dh = dh, src.dw = dw;
  /* The windows cover rows [row0, row0 + view_h) and columns [col0, col0 + view_w) of the image. */
  int64_t view_h = (oh - 1) * sh + (kh - 1) * dh + 1, view_w = (ow - 1) * sw + (kw - 1) * dw + 1;
  int inside = row0 >= 0 && col0 >= 0 && row0 + view_h <= height && col0 + view_w <= width;
  float* padded = (float*)workspace; /* CONV_PADDED, then the product's packing buffers */
  if ((flags & CONV_DIRECT) &&
      conv_direct(filters, channels, kh, kw, oh, ow, sh, sw, dh, dw, x, x_c, x_h, x_w, height, width, row0, col0,
                  (const float*)w_base + w_offset, w_f, (float*)y_base + y_offset, y_f, accumulate, padded,
                  CONV_PADDED))
    return;
  if (inside && kh == 1 && kw == 1 && sh == 1 && sw == 1 && x_w == 1 && x_h == ow) {
    /* A pointwise convolution over whole contiguous rows: B is the image itself, channels by positions. */
    src.conv = 0;
    src.b = x + row0 * x_h + col0;
    src.rs = x_c, src.cs = 1;
  } else if (inside) {
    src.b = x + row0 * x_h + col0 * x_w;
    src.xc = x_c, src.xh = x_h, src.xw = x_w;
  } else if (oh > 0 && ow > 0 && channels * view_h * view_w <= CONV_PADDED) {
    /* A zero-padded copy of the window (the image in L1/L2, the im2col panels packed from it as runs). */
    for (int64_t c = 0; c < channels; ++c)
      copy_padded_rows(x + c * x_c, x_h, x_w, height, width, row0, col0, 0, view_h, view_w,
                       padded + c * view_h * view_w);
    src.b = padded;
    src.xc = view_h * view_w, src.xh = view_w, src.xw = 1;
  } else {
    src.b = x;
    src.xc = x_c, src.xh = x_h, src.xw = x_w;
    src.row0 = row0, src.col0 = col0, src.height = height, src.width = width;
    src.padded = 1;
  }
  gemm(filters, oh * ow, channels * kh * kw, (const float*)w_base + w_offset, w_f, 1, &src,
       (float*)y_base + y_offset, y_f, accumulate, padded + CONV_PADDED);
}
