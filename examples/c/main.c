/* Runs a compiled Tessera model on a float32 .npy input with the C API and prints the top classes of
 * output 0 in the format of `tessera-run --print`:
 *   NAME: DTYPE[SHAPE]
 *     top5: I=V ...      (the 5 largest values of row 0 along the last dim; ties: lower index first; NaN last)
 * Usage: tessera-example-c MODEL.tsr INPUT.npy
 * Built with a model linked in (TESSERA_EXAMPLE_EMBED, from `tessera-compile --emit=static`), it loads that
 * model instead of a file: tessera-example-c INPUT.npy */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/runtime.h"
#ifdef TESSERA_EMBEDDED_HEADER
#include TESSERA_EMBEDDED_HEADER /* declares TESSERA_EMBEDDED_MODEL, defined by the linked object */
#endif

#define MAX_RANK 8

/* A float32 C-order array read from a .npy file. */
typedef struct npy_array {
  uint32_t rank;
  int64_t dims[MAX_RANK];
  float* data;
  size_t count;
} npy_array;

/* Reads `path` into `out`; on failure prints why and returns 0. Accepts .npy versions 1-3 holding a
 * little-endian float32 array in C order ('descr': '<f4', 'fortran_order': False). */
static int read_npy(const char* path, npy_array* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 0;
  }
  int ok = 0;
  char* header = NULL;
  unsigned char prefix[12];
  if (fread(prefix, 1, 10, f) != 10 || memcmp(prefix, "\x93NUMPY", 6) != 0) {
    fprintf(stderr, "%s: not a .npy file\n", path);
    goto done;
  }
  size_t header_size = prefix[8] | (size_t)prefix[9] << 8;
  if (prefix[6] >= 2) { /* versions 2 and 3: a 4-byte header length */
    if (fread(prefix + 10, 1, 2, f) != 2) goto truncated;
    header_size |= (size_t)prefix[10] << 16 | (size_t)prefix[11] << 24;
  }
  header = malloc(header_size + 1);
  if (!header || fread(header, 1, header_size, f) != header_size) goto truncated;
  header[header_size] = '\0';
  if (!strstr(header, "'descr': '<f4'") || !strstr(header, "'fortran_order': False")) {
    fprintf(stderr, "%s: expected a float32 array in C order, header is %s\n", path, header);
    goto done;
  }
  const char* p = strstr(header, "'shape': (");
  if (!p) {
    fprintf(stderr, "%s: no shape in header %s\n", path, header);
    goto done;
  }
  p += strlen("'shape': (");
  out->rank = 0;
  out->count = 1;
  while (*p != ')') {
    char* end;
    long long dim = strtoll(p, &end, 10);
    if (end == p || dim < 0 || out->rank == MAX_RANK) {
      fprintf(stderr, "%s: unsupported shape in header %s\n", path, header);
      goto done;
    }
    out->dims[out->rank++] = dim;
    out->count *= (size_t)dim;
    p = end;
    while (*p == ',' || *p == ' ') ++p;
  }
  out->data = malloc(out->count * sizeof(float) + 1);
  if (!out->data || fread(out->data, sizeof(float), out->count, f) != out->count) goto truncated;
  if (fgetc(f) != EOF) {
    fprintf(stderr, "%s: more data than the shape holds\n", path);
    goto done;
  }
  ok = 1;
  goto done;
truncated:
  fprintf(stderr, "%s: truncated .npy file\n", path);
done:
  free(header);
  if (!ok) free(out->data), out->data = NULL;
  fclose(f);
  return ok;
}

/* Ranking of tessera-run --print: larger first, NaN last, ties by lower index. */
static int ranks_before(const float* v, size_t a, size_t b) {
  if (isnan(v[a]) != isnan(v[b])) return isnan(v[b]) != 0;
  if (!isnan(v[a]) && v[a] != v[b]) return v[a] > v[b];
  return a < b;
}

static void print_top5(const tsr_tensor* t, const char* name) {
  printf("%s: %s[", name, tsr_dtype_name(t->dtype));
  for (uint32_t d = 0; d < t->rank; ++d) printf(d ? ",%" PRId64 : "%" PRId64, t->dims[d]);
  printf("]\n");
  size_t row = t->rank ? (size_t)t->dims[t->rank - 1] : 1;
  const float* values = t->data; /* row 0 */
  size_t order[5];
  size_t k = row < 5 ? row : 5;
  for (size_t i = 0; i < k; ++i) { /* selection: the best index not yet taken */
    size_t best = (size_t)-1;
    for (size_t j = 0; j < row; ++j) {
      int taken = 0;
      for (size_t m = 0; m < i; ++m) taken |= order[m] == j;
      if (!taken && (best == (size_t)-1 || ranks_before(values, j, best))) best = j;
    }
    order[i] = best;
  }
  printf("  top5:");
  for (size_t i = 0; i < k; ++i) printf(" %zu=%.6g", order[i], (double)values[order[i]]);
  printf("\n");
}

static int fail(tsr_status* status, const char* what) {
  fprintf(stderr, "%s: %s (%s)\n", what, tsr_status_message(status), tsr_code_name(tsr_status_code(status)));
  tsr_status_free(status);
  return 1;
}

int main(int argc, char** argv) {
#ifdef TESSERA_EMBEDDED_MODEL
  const char* model_name = "the linked model";
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUT.npy\n", argv[0]);
    return 2;
  }
  const char* input_path = argv[1];
#else
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.tsr INPUT.npy\n", argv[0]);
    return 2;
  }
  const char* model_name = argv[1];
  const char* input_path = argv[2];
#endif
  npy_array input = {0};
  if (!read_npy(input_path, &input)) return 1;

  tsr_model* model = NULL;
#ifdef TESSERA_EMBEDDED_MODEL
  tsr_status* status = tsr_model_load_static(&TESSERA_EMBEDDED_MODEL, NULL, &model);
#else
  tsr_status* status = tsr_model_load_file(model_name, NULL, &model);
#endif
  if (status) return fail(status, "load");
  size_t output_count = tsr_model_output_count(model);
  if (tsr_model_input_count(model) != 1 || output_count == 0) {
    fprintf(stderr, "%s: this example runs models with one input and at least one output\n", model_name);
    tsr_model_release(model);
    return 1;
  }
  tsr_session* session = NULL;
  status = tsr_session_create(model, NULL, &session);
  if (status) {
    tsr_model_release(model);
    return fail(status, "session");
  }

  tsr_tensor in = {TSR_DTYPE_FLOAT32, input.rank, input.dims, input.data, input.count * sizeof(float)};
  /* Zeroed: data == NULL makes every output session-owned, valid until the next run or release. */
  tsr_tensor* outputs = calloc(output_count, sizeof(tsr_tensor));
  status = tsr_session_run(session, &in, 1, outputs, output_count);
  int rc = 0;
  tsr_tensor_info info;
  if (status) {
    rc = fail(status, "run");
  } else if (outputs[0].dtype != TSR_DTYPE_FLOAT32) {
    fprintf(stderr, "output 0 is %s; this example ranks float32 outputs\n", tsr_dtype_name(outputs[0].dtype));
    rc = 1;
  } else if ((status = tsr_model_output_info(model, 0, &info))) {
    rc = fail(status, "output info");
  } else {
    print_top5(&outputs[0], info.name);
  }
  free(outputs);
  tsr_session_release(session);
  tsr_model_release(model);
  free(input.data);
  return rc;
}
