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

#define HS_BENCH_MIN_REPEATS 1
#define HS_BENCH_MAX_REPEATS 100

/* Run every benchmark and print the table to out. Returns HS_OK, or an
 * hs_status after printing the reason to stderr (a setup step failed or a
 * solve came back non-finite). */
int hs_bench_run(FILE *out, int repeats);

#endif
