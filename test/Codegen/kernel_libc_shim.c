/* The kernels' memcpy, memmove and memset (codegen/cpu/ukernels/memory.c) under other names, so the unit
 * tests can call them next to the C library's. */
#define memcpy tsr_test_memcpy
#define memmove tsr_test_memmove
#define memset tsr_test_memset
#include "codegen/cpu/ukernels/memory.c"
