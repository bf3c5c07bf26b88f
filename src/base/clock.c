/* clock.c - seconds on the monotonic clock (clock.h). */
#include "hetsweep/clock.h"

#include <time.h>

double hs_now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
