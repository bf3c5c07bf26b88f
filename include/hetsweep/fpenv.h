/* fpenv.h - the floating-point environment of a run: subnormal numbers
 * flushed to zero (numerics version 6).
 *
 * A LIF network's readout traces decay geometrically between spikes, down
 * through the subnormal range, and every operation on a subnormal operand or
 * result takes a microcode assist of about a hundred cycles on x86: the
 * readout's GEMMs on such features ran 5% slower than on a rate network's.
 * The hetsweep command therefore sets FTZ (results that would be subnormal
 * become 0) and DAZ (subnormal operands read as 0) in MXCSR before it starts
 * any thread; threads inherit it (POSIX: pthread_create copies the
 * floating-point environment). SSE and AVX obey MXCSR alike, so native and
 * portable x86-64 builds round alike. Elsewhere this is a no-op.
 */
#ifndef HETSWEEP_FPENV_H
#define HETSWEEP_FPENV_H

/* Flush subnormals to zero in this thread (and the threads it starts later). */
void hs_fp_flush_subnormals(void);

/* Whether this thread flushes subnormals (1), or not (0; always 0 where the
 * CPU has no such mode). */
int hs_fp_subnormals_flushed(void);

#endif
