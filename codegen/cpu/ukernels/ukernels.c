/* The microkernels as one translation unit (one bitcode module): the others use sgemm.c's static helpers. */
#include "sgemm.c"
#include "depthwise_blocked.c"
#include "depthwise.c"
#include "depthwise_nhwc.c"
#include "direct_conv.c"
#include "max_pool.c"
#include "winograd.c"
/* The kernels' own memcpy/memmove/memset go into the bitcode only (native builds of the microkernels, as in
 * the unit tests, use the C library's). */
#ifdef TSR_UKERNELS_BITCODE
#include "memory.c"
#endif
