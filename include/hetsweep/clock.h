/* clock.h - seconds on the monotonic clock, for timing phases (checkpoints,
 * their threads, the benches). Plain POSIX: safe in any thread, no MPI. */
#ifndef HETSWEEP_CLOCK_H
#define HETSWEEP_CLOCK_H

/* CLOCK_MONOTONIC, in seconds. */
double hs_now_seconds(void);

#endif
