/* bench.h - `hetsweep bench`: timings of the hot paths on synthetic inputs.
 *
 * Everything is built with the project's own modules from a shortened default
 * job (network, stimulus, tasks, rate dynamics, readout, one work item) and
 * timed with CLOCK_MONOTONIC; the table printed holds medians over `repeats`
 * runs of what was measured on this machine, nothing else. It prints figures
 * and never judges them: timings are not tests. OpenBLAS runs on one thread
 * (as a rank does by default). No MPI.
 */
#ifndef HETSWEEP_BENCH_H
#define HETSWEEP_BENCH_H

#include <stdio.h>

#include "hetsweep/error.h"

#define HS_BENCH_MIN_REPEATS 1
#define HS_BENCH_MAX_REPEATS 100

/* Run every benchmark and print the table to out. Returns HS_OK, or an
 * hs_status after printing the reason to stderr (a setup step failed or a
 * solve came back non-finite). */
int hs_bench_run(FILE *out, int repeats, const char *job_path);

/* The median of count values (not modified); times are hs_now_seconds
 * (clock.h). */
double hs_bench_median(const double *values, int count);

/* The whole-job table (bench_job.c): job_path, or the built-in W1x8 when
 * NULL, with 1 and with all available threads, against a DGEMM roof. */
int hs_bench_job(FILE *out, const char *job_path, int repeats, hs_error *err);

/* One checkpoint with 1% of the cube's networks new, incremental against a
 * full copy (bench_checkpoint.c), on JOB's cube filled with synthetic results
 * in $TMPDIR (else /tmp). Initialises MPI itself where nobody has. */
int hs_bench_checkpoint(FILE *out, const char *job_path, int repeats, hs_error *err);

/* The useful GFLOP/s per core that the last `hetsweep bench` measured on W1x8
 * with one thread (cached in $XDG_CACHE_HOME/hetsweep-rate or
 * ~/.cache/hetsweep-rate); 1 and the file's path in where, or 0 if none. */
int hs_bench_measured_rate(double *gflops_per_core, char *where, size_t size);

#endif
