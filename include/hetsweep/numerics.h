/* numerics.h - the numerics version: an integer that names the exact
 * floating-point arithmetic of a build (kernels, their operation order, the
 * chunk length, the elementary functions). Every change that alters any
 * rounding of any /results value bumps it. It is a line of the canonical
 * science configuration ("numerics_version=N"), so it enters every cube's
 * identity: a cube is only ever resumed, extended or merged by the same
 * numerics, and a cube of another version is refused with a message saying
 * so.
 *
 * History:
 *   1  the first engine (libm tanh/exp, runtime-width sparse product).
 *   2  own vectorisable tanh, logistic and exp (vmath.h), bitwise equal in
 *      every SIMD lane and ISA; W drawn by geometric skipping along each row
 *      (O(nnz) draws; other connections than version 1); LIF synaptic events
 *      counted when a spike is emitted.
 *   3  normal draws (rng.c) vectorised: Box-Muller with the project's own
 *      log and cos (vmath_base.h) instead of libm's, so a draw's bits are
 *      the same in every SIMD lane, remainder and ISA; every normal deviate
 *      (weights, time constants, input weights, noise) moves by a few ulp.
 *   4  the readout's test errors from the weights b = V pl and G' b (two
 *      n x n x tasks products) instead of the eigenbasis projection
 *      V^T G' V (two n^3 products): the float64 SSE of a test score is
 *      rounded otherwise (the float32 scores of W1x8, of its N = 2000
 *      variant and of jobs/demo.yaml came out bitwise the same).
 *   5  Chan's mean-shift terms of the readout's accumulation added 32 chunks
 *      at a time, as rows sqrt(weight) d of one DSYRK and one DGEMM, instead
 *      of a DSYR and a DGER per chunk: the float64 Gram matrix and cross
 *      products are summed in another order. readout.precision mixed sums
 *      four chunks' float32 cross products in float32 (SGEMM, beta = 1)
 *      before adding them in float64, not each chunk's.
 *   6  subnormal numbers flushed to zero (FTZ and DAZ, fpenv.h) in every
 *      thread of the hetsweep command: a LIF network's decaying readout
 *      traces no longer pass through the subnormal range, whose microcode
 *      assists slowed its GEMMs. Only values below 2.2e-308 (1.2e-38 in
 *      float32) round otherwise; the /results of W1x8 (rate, LIF, mixed),
 *      jobs/demo.yaml and tests/jobs/fault.yaml came out bitwise as
 *      version 5's.
 */
#ifndef HETSWEEP_NUMERICS_H
#define HETSWEEP_NUMERICS_H

#define HS_NUMERICS_VERSION 6

/* Its key in the canonical science configuration. */
#define HS_NUMERICS_KEY "numerics_version"

#endif
