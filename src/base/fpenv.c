/* fpenv.c - subnormals flushed to zero on x86 (fpenv.h). */
#include "hetsweep/fpenv.h"

#if defined(__SSE2__)
#include <pmmintrin.h>
#include <xmmintrin.h>

void hs_fp_flush_subnormals(void)
{
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}

int hs_fp_subnormals_flushed(void)
{
    return _MM_GET_FLUSH_ZERO_MODE() == _MM_FLUSH_ZERO_ON &&
           _MM_GET_DENORMALS_ZERO_MODE() == _MM_DENORMALS_ZERO_ON;
}
#else
void hs_fp_flush_subnormals(void)
{
}

int hs_fp_subnormals_flushed(void)
{
    return 0;
}
#endif
