/* vmath_base.h - the base layer's share of the project's vectorisable
 * elementary functions: the bit moves between a double and its IEEE-754
 * bits, the natural logarithm and the cosine that the Box-Muller normal
 * draws of rng.c need. vmath.h (model layer) includes this header and adds
 * exp, tanh and the logistic.
 *
 * Like vmath.h, these are written with IEEE-754 basic operations (+, -, *, /),
 * comparisons and bit moves only, inline and branch-free: under
 * `#pragma omp simd` every lane, every scalar remainder and every ISA rounds
 * identically (the build forbids FMA contraction and reassociation), which
 * glibc's libm and its vector variants do not promise. Accuracy: a few ulp
 * (tests/test_vmath.c compares them with libm).
 */
#ifndef HETSWEEP_VMATH_BASE_H
#define HETSWEEP_VMATH_BASE_H

#include <stdint.h>
#include <string.h>

/* For a function whose hot loop runs these functions over a fixed block of
 * elements: GCC on AVX-512 CPUs prefers 256-bit vectors, and asking for
 * 512-bit ones halves the instructions of the long dependent chains (the
 * function stays out of line, where the preference holds). The bits are
 * the same at any vector width. */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define HS_WIDE_VECTORS __attribute__((noinline, target("prefer-vector-width=512")))
#else
#define HS_WIDE_VECTORS __attribute__((noinline))
#endif

static inline uint64_t hs_bits_of(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static inline double hs_double_of(uint64_t bits)
{
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* A whole number below 2^52 (an exponent field, a count) as a double,
 * exactly, with integer bit moves and one subtraction (no int-to-double
 * conversion, which AVX2 lacks for 64-bit integers). */
static inline double hs_small_whole_to_double(uint64_t whole)
{
    const uint64_t two_52_bits = 0x4330000000000000u; /* 2^52: its ulp is 1 */
    return hs_double_of(two_52_bits | whole) - 0x1.0p52;
}

/* log(1 + f) for 1 + f in [sqrt(2)/2, sqrt(2)]: with s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = 2s + s R, R = sum_k 2 s^2k / (2k + 1); |s| <=
 * 0.1716, so ten terms of R leave an error below 1e-18. Since 2s = f - s f,
 * it is summed as f - (f^2/2 - s (f^2/2 + R)): the exact f carries the
 * result, and the rounding of s only touches the small correction. */
static inline double hs_log1p_reduced(double f)
{
    double s = f / (2.0 + f);
    double z = s * s;
    double r = 2.0 / 21.0;
    r = r * z + 2.0 / 19.0;
    r = r * z + 2.0 / 17.0;
    r = r * z + 2.0 / 15.0;
    r = r * z + 2.0 / 13.0;
    r = r * z + 2.0 / 11.0;
    r = r * z + 2.0 / 9.0;
    r = r * z + 2.0 / 7.0;
    r = r * z + 2.0 / 5.0;
    r = r * z + 2.0 / 3.0;
    r = r * z;
    double half_f2 = 0.5 * f * f;
    return f - (half_f2 - s * (half_f2 + r));
}

/* The natural logarithm of a positive normal finite x (the uniforms of
 * rng.c: (0, 1]). x = 2^k m with m in [sqrt(2)/2, sqrt(2)); log x =
 * k ln2 + log m. log(1) is exactly 0. Zero, subnormals, negatives, infinity
 * and NaN are outside its domain (it gives no meaningful value for them). */
static inline double hs_vlog(double x)
{
    const uint64_t sqrt_half_bits = 0x3fe6a09e667f3bcdu; /* sqrt(2)/2 */
    const uint64_t one_bits = 0x3ff0000000000000u;
    const uint64_t mantissa_mask = 0x000fffffffffffffu;
    const double ln2_hi = 0x1.62e42fefa3800p-1; /* 42 bits: k ln2_hi is exact */
    const double ln2_lo = 0x1.ef35793c76730p-45;
    /* shifting by 1 - sqrt(2)/2 puts the m in [sqrt(2)/2, sqrt(2)) into one binade */
    uint64_t shifted = hs_bits_of(x) + (one_bits - sqrt_half_bits);
    double m = hs_double_of((shifted & mantissa_mask) + sqrt_half_bits);
    double k = hs_small_whole_to_double(shifted >> 52) - 1023.0;
    double log_m = hs_log1p_reduced(m - 1.0); /* m - 1 is exact */
    return k * ln2_hi + (log_m + k * ln2_lo);
}

/* sin r and cos r for |r| <= pi/4 (a little more from rounding): Taylor
 * series to r^17 and r^16 (errors below 1e-18), Horner form in z = r^2. */
static inline double hs_sin_reduced(double r, double z)
{
    double p = -1.0 / 355687428096000.0; /* -1/17! */
    p = p * z + 1.0 / 1307674368000.0;   /* 1/15! */
    p = p * z - 1.0 / 6227020800.0;
    p = p * z + 1.0 / 39916800.0;
    p = p * z - 1.0 / 362880.0;
    p = p * z + 1.0 / 5040.0;
    p = p * z - 1.0 / 120.0;
    p = p * z + 1.0 / 6.0;
    return r - (r * z) * p;
}

static inline double hs_cos_reduced(double z)
{
    double p = 1.0 / 20922789888000.0; /* 1/16! */
    p = p * z - 1.0 / 87178291200.0;   /* -1/14! */
    p = p * z + 1.0 / 479001600.0;
    p = p * z - 1.0 / 3628800.0;
    p = p * z + 1.0 / 40320.0;
    p = p * z - 1.0 / 720.0;
    p = p * z + 1.0 / 24.0;
    return (1.0 - 0.5 * z) + (z * z) * p;
}

/* cos x for |x| <= 2^19 (the Box-Muller angle is in (0, 2 pi]): x = n pi/2
 * + r with |r| <= pi/4, pi/2 in three parts (Cody and Waite) so that
 * x - n pi/2 keeps about 118 bits of pi; the quadrant n mod 4 picks
 * +-cos r or +-sin r (both are computed: no branch). NaN and infinities are outside its domain. */
static inline double hs_vcos(double x)
{
    const double shifter = 0x1.8p52; /* adding it rounds to an integer */
    const double two_over_pi = 0x1.45f306dc9c883p-1;
    const double pio2_1 = 0x1.921fb54400000p+0; /* 33 bits: n pio2_1 is exact */
    const double pio2_2 = 0x1.0b4611a600000p-34; /* 33 bits: n pio2_2 is exact */
    const double pio2_3 = 0x1.3198a2e037073p-69;
    double shifted = x * two_over_pi + shifter;
    double n = shifted - shifter;
    /* the low bits of `shifted` hold n as a two's complement integer */
    uint64_t quadrant = hs_bits_of(shifted) & 3u;
    double r = ((x - n * pio2_1) - n * pio2_2) - n * pio2_3; /* the first - is exact */
    double z = r * r;
    /* sin r in odd quadrants, cos r in even ones, picked by a bit mask: a
     * ternary here kept GCC 12 from vectorising the draws for SSE2 and AVX2 */
    uint64_t pick_sin = 0 - (quadrant & 1u); /* all ones in odd quadrants */
    uint64_t value_bits = (hs_bits_of(hs_sin_reduced(r, z)) & pick_sin) |
                          (hs_bits_of(hs_cos_reduced(z)) & ~pick_sin);
    double value = hs_double_of(value_bits);
    /* quadrants 1 and 2 are -sin r and -cos r */
    uint64_t sign_flip = ((quadrant + 1u) & 2u) << 62;
    return hs_double_of(hs_bits_of(value) ^ sign_flip);
}

#endif
