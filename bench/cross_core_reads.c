/* Cost of reading what the other core just wrote, against reading what this core wrote: two threads
 * each write half of a buffer, then (after a barrier) each reads its own half or the other thread's.
 * Prints the total time of 200 rounds and the time spent in the read phase.
 *   build/bin/tessera-cross-core-reads 1048576 0   # 4 MiB, own halves
 *   build/bin/tessera-cross-core-reads 1048576 1   # 4 MiB, the other thread's halves */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t floats;
static float* buffer;
static int swap;
static atomic_int arrived;
static double read_seconds;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void barrier(int generation) {
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < 2 * generation) {
  }
}

static void* work(void* arg) {
  long id = (long)arg;
  int generation = 0;
  double reading = 0;
  for (int round = 0; round < 200; ++round) {
    for (size_t i = floats / 2 * id; i < floats / 2 * (id + 1); ++i) buffer[i] = buffer[i] * 0.5f + 1;
    barrier(++generation);
    double start = now();
    long source = swap ? 1 - id : id;
    volatile float sum = 0;
    for (size_t i = floats / 2 * source; i < floats / 2 * (source + 1); i += 16) sum += buffer[i];
    reading += now() - start;
    barrier(++generation);
  }
  if (id == 0) read_seconds = reading;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: cross_core_reads FLOATS SWAP(0|1)\n");
    return 2;
  }
  floats = strtoul(argv[1], NULL, 10);
  swap = atoi(argv[2]);
  buffer = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
  memset(buffer, 0, floats * sizeof(float));
  pthread_t other;
  double start = now();
  pthread_create(&other, NULL, work, (void*)1);
  work((void*)0);
  pthread_join(other, NULL);
  printf("%zu KiB, %s halves: total %.2f ms, read phase %.2f ms\n", floats * sizeof(float) / 1024,
         swap ? "the other thread's" : "own", (now() - start) * 1e3, read_seconds * 1e3);
  return 0;
}
