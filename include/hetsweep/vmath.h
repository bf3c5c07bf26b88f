/* vmath.h - elementary functions for the hot loops: exp, tanh and the
 * logistic sigmoid, written with IEEE-754 basic operations (+, -, *, /),
 * comparisons and bit moves only.
 *
 * glibc's libm picks other code on CPUs with FMA, and its vector variants
 * (libmvec) give other bits than the scalar ones, so a loop's SIMD lanes and
 * its scalar remainder would disagree. These functions are inline and
 * branch-free: under `#pragma omp simd` the compiler vectorises them for any
 * ISA (SSE2, AVX2, AVX-512), and since the build forbids contraction into
 * FMA (-ffp-contract=off) and reassociation (no -ffast-math), every lane,
 * every remainder iteration and every ISA rounds identically. Accuracy: a
 * few ulp (tests/test_vmath.c compares them with libm). The log and cos of
 * the normal draws live one layer down, in vmath_base.h (base layer).
 */
#ifndef HETSWEEP_VMATH_H
#define HETSWEEP_VMATH_H

#include <stdint.h>

#include "hetsweep/vmath_base.h" /* the bit moves; log and cos */

/* x = k ln2 + r with k = round(x / ln2) and |r| <= ln2/2 (a little more
 * from rounding); returns r, and 2^k in *scale. Valid for |x| <= 700. */
static inline double hs_reduce_ln2(double x, double *scale)
{
    const double shifter = 0x1.8p52; /* adding it rounds to an integer */
    const double inv_ln2 = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fee00000p-1; /* trailing zeros: k ln2_hi is exact */
    const double ln2_lo = 0x1.a39ef35793c76p-33;
    double shifted = x * inv_ln2 + shifter;
    double k = shifted - shifter;
    /* the low bits of `shifted` hold k as a two's complement integer */
    uint64_t k_bits = hs_bits_of(shifted) + 1023u;
    *scale = hs_double_of(k_bits << 52);
    return (x - k * ln2_hi) - k * ln2_lo;
}

/* e^r - 1 for |r| <= 0.35: Taylor series to r^13 (error below 1e-17
 * relative), in Horner form. */
static inline double hs_expm1_small(double r)
{
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    return r + (r * r) * p;
}

/* e^x for x in [-700, 700] (callers clamp); NaN stays NaN. */
static inline double hs_vexp(double x)
{
    double scale;
    double r = hs_reduce_ln2(x, &scale);
    double p = hs_expm1_small(r);
    return scale + scale * p;
}

/* e^y - 1 for y in [0, 44] (callers clamp), accurate near 0. */
static inline double hs_vexpm1_nonneg(double y)
{
    double scale;
    double r = hs_reduce_ln2(y, &scale);
    double p = hs_expm1_small(r);
    return scale * p + (scale - 1.0);
}

/* tanh(x) = sign(x) e/(e + 2), e = expm1(2|x|); |x| >= 22 gives +-1 exactly,
 * +-inf gives +-1, NaN gives NaN. */
static inline double hs_vtanh(double x)
{
    const uint64_t sign_mask = 0x8000000000000000u;
    uint64_t bits = hs_bits_of(x);
    double y = 2.0 * hs_double_of(bits & ~sign_mask);
    y = y > 44.0 ? 44.0 : y; /* a NaN fails the test and stays NaN */
    double e = hs_vexpm1_nonneg(y);
    double t = e / (e + 2.0);
    return hs_double_of(hs_bits_of(t) | (bits & sign_mask));
}

/* The logistic sigmoid 1 / (1 + e^-x); |x| beyond 700 saturates. */
static inline double hs_vlogistic(double x)
{
    double m = -x;
    m = m > 700.0 ? 700.0 : m;
    m = m < -700.0 ? -700.0 : m;
    return 1.0 / (1.0 + hs_vexp(m));
}

#endif
