/* Prints what the runtime it is linked to says about MODEL.tsr and about broken artifacts, so the
 * size-optimized runtime's answers can be compared with the regular one's:
 *   info: <first line of tsr_model_info_string>
 *   <case>: <status code name>: <message>      (one line per broken artifact)
 * Usage: tessera-small-runtime-probe MODEL.tsr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/runtime.h"

static void report(const char* what, tsr_status* status) {
  if (!status) {
    printf("%s: ok\n", what);
    return;
  }
  printf("%s: %s: %s\n", what, tsr_code_name(tsr_status_code(status)), tsr_status_message(status));
  tsr_status_free(status);
}

static void load_bytes(const char* what, const unsigned char* data, size_t size) {
  tsr_model* model = NULL;
  report(what, tsr_model_load_memory(data, size, NULL, &model));
  tsr_model_release(model);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.tsr\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  size_t size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* bytes = malloc(size);
  if (!bytes || fread(bytes, 1, size, f) != size) return 2;
  fclose(f);

  tsr_model* model = NULL;
  report("load", tsr_model_load_memory(bytes, size, NULL, &model));
  if (!model) return 1;
  size_t length = tsr_model_info_string(model, NULL, 0);
  char* info = malloc(length + 1);
  tsr_model_info_string(model, info, length + 1);
  printf("info: %.*s\n", (int)strcspn(info, "\n"), info);
  free(info);
  tsr_model_release(model);

  load_bytes("empty", bytes, 0);
  load_bytes("truncated", bytes, size / 2);
  unsigned char* corrupt = malloc(size);
  memcpy(corrupt, bytes, size);
  corrupt[size - 1] ^= 0xff; /* the last section's hash no longer matches */
  load_bytes("flipped byte", corrupt, size);
  memcpy(corrupt, bytes, size);
  memset(corrupt, 'x', 8); /* magic */
  load_bytes("bad magic", corrupt, size);
  free(corrupt);
  report("missing file", tsr_model_load_file("/nonexistent/model.tsr", NULL, &model));
  free(bytes);
  return 0;
}
