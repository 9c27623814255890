/* The microkernels as one translation unit (one bitcode module): winograd.c uses sgemm.c's static helpers. */
#include "sgemm.c"
#include "winograd.c"
