/* test_vmath.c - Check tests of vmath.h and vmath_base.h: accuracy against
 * libm (exp, tanh, logistic; the log and cos of the normal draws over their
 * Box-Muller domain), the special and edge values, and the same bits from a
 * vectorised loop and from scalar calls. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/vmath.h"

/* Distance in units in the last place between two finite doubles. */
static double ulps(double a, double b)
{
    if (a == b)
        return 0;
    double gap = nextafter(fabs(b), INFINITY) - fabs(b);
    return fabs(a - b) / gap;
}

static __attribute__((noinline)) double scalar_tanh(double x)
{
    return hs_vtanh(x);
}

static __attribute__((noinline)) double scalar_logistic(double x)
{
    return hs_vlogistic(x);
}

static __attribute__((noinline)) double scalar_log(double x)
{
    return hs_vlog(x);
}

static __attribute__((noinline)) double scalar_cos(double x)
{
    return hs_vcos(x);
}

/* A uniform of rng.c: (bits + 1/2) 2^-53 for a 53-bit integer. */
static double uniform_of(uint64_t bits53)
{
    return ((double)bits53 + 0.5) * 0x1.0p-53;
}

/* A 53-bit integer from a fixed sequence (splitmix64's steps), for
 * arguments spread over every binade of the uniforms. */
static uint64_t next_bits53(uint64_t *state)
{
    uint64_t x = (*state += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (x >> 11) >> (x % 54); /* every bit length 0..53, so every binade */
}

/* The Box-Muller angle 2 pi u as rng.c forms it. */
static double angle_of(double u)
{
    return 2.0 * M_PI * u;
}

START_TEST(tanh_within_a_few_ulp_of_libm)
{
    double worst = 0;
    for (int k = -400000; k <= 400000; k++) {
        double x = k * 6.0e-5; /* [-24, 24] */
        worst = fmax(worst, ulps(hs_vtanh(x), tanh(x)));
    }
    for (int k = 1; k < 2000; k++) { /* tiny arguments: tanh(x) ~ x */
        double x = ldexp(1.0, -k / 2) * (1 + k * 1e-3);
        worst = fmax(worst, ulps(hs_vtanh(x), tanh(x)));
        worst = fmax(worst, ulps(hs_vtanh(-x), tanh(-x)));
    }
    ck_assert_msg(worst <= 4, "tanh: %g ulp", worst);
}
END_TEST

START_TEST(exp_and_logistic_accurate)
{
    double worst_exp = 0, worst_logistic = 0;
    for (int k = -700000; k <= 700000; k++) {
        double x = k * 1.0e-3; /* [-700, 700] */
        worst_exp = fmax(worst_exp, ulps(hs_vexp(x), exp(x)));
    }
    for (int k = -400000; k <= 400000; k++) {
        double x = k * 1.0e-4; /* [-40, 40] */
        worst_logistic = fmax(worst_logistic, ulps(hs_vlogistic(x), 1.0 / (1.0 + exp(-x))));
    }
    ck_assert_msg(worst_exp <= 4, "exp: %g ulp", worst_exp);
    ck_assert_msg(worst_logistic <= 4, "logistic: %g ulp", worst_logistic);
}
END_TEST

START_TEST(special_values)
{
    ck_assert(isnan(hs_vtanh(NAN)));
    ck_assert(isnan(hs_vlogistic(NAN)));
    ck_assert(hs_vtanh(INFINITY) == 1.0 && hs_vtanh(-INFINITY) == -1.0);
    ck_assert(hs_vtanh(22.0) == 1.0 && hs_vtanh(-1e300) == -1.0);
    ck_assert(hs_vtanh(0.0) == 0.0 && !signbit(hs_vtanh(0.0)));
    ck_assert(hs_vtanh(-0.0) == 0.0 && signbit(hs_vtanh(-0.0)));
    ck_assert(hs_vlogistic(0.0) == 0.5);
    ck_assert(hs_vlogistic(INFINITY) == 1.0);
    ck_assert(hs_vlogistic(-INFINITY) >= 0.0 && hs_vlogistic(-INFINITY) < 1e-300);
    ck_assert(hs_vexp(0.0) == 1.0);
}
END_TEST

START_TEST(log_within_a_few_ulp_of_libm)
{
    double worst = 0;
    for (int k = 1; k <= 1000000; k++) { /* a grid of (0, 1] */
        double u = k * 1.0e-6;
        worst = fmax(worst, ulps(hs_vlog(u), log(u)));
    }
    uint64_t state = 1;
    for (int k = 0; k < 1000000; k++) { /* uniforms of every binade down to 2^-54 */
        double u = uniform_of(next_bits53(&state));
        worst = fmax(worst, ulps(hs_vlog(u), log(u)));
    }
    for (int k = -2000; k <= 2000; k++) { /* around sqrt(2)/2 and 1, where m changes binade */
        double u = M_SQRT1_2 + k * 0x1.0p-53, v = 1.0 + k * 0x1.0p-54;
        worst = fmax(worst, ulps(hs_vlog(u), log(u)));
        if (v <= 1.0)
            worst = fmax(worst, ulps(hs_vlog(v), log(v)));
    }
    for (int e = -1022; e <= 1023; e++) { /* the whole normal range, outside the draws' */
        double x = ldexp(1.2345, e);
        worst = fmax(worst, ulps(hs_vlog(x), log(x)));
    }
    ck_assert_msg(worst <= 2, "log: %g ulp", worst);
}
END_TEST

START_TEST(cos_within_a_few_ulp_of_libm)
{
    double worst = 0;
    for (int k = 0; k <= 2000000; k++) { /* the Box-Muller angles: [0, 2 pi] */
        double x = angle_of(k * 5.0e-7);
        worst = fmax(worst, ulps(hs_vcos(x), cos(x)));
    }
    uint64_t state = 2;
    for (int k = 0; k < 1000000; k++) { /* angles of uniforms of every binade */
        double x = angle_of(uniform_of(next_bits53(&state)));
        worst = fmax(worst, ulps(hs_vcos(x), cos(x)));
    }
    for (int q = 0; q <= 4; q++) /* around the quarter turns, where cos is 0 or +-1 */
        for (int k = -3000; k <= 3000; k++) {
            double x = angle_of(q * 0.25 + k * 0x1.0p-54);
            if (x >= 0)
                worst = fmax(worst, ulps(hs_vcos(x), cos(x)));
        }
    double worst_wide = 0;
    for (int k = -100000; k <= 100000; k++) { /* beyond the draws': [-100, 100] */
        double x = k * 1.0e-3 + 1e-9 * k;
        worst_wide = fmax(worst_wide, ulps(hs_vcos(x), cos(x)));
    }
    ck_assert_msg(worst <= 2, "cos: %g ulp", worst);
    ck_assert_msg(worst_wide <= 4, "cos on [-100, 100]: %g ulp", worst_wide);
}
END_TEST

/* The ends of the draws' domain: u1 near 0 and 1, u2 near 0, 1/4, 1/2, 3/4, 1. */
START_TEST(log_and_cos_edge_values)
{
    double smallest = uniform_of(0), largest = uniform_of((1ull << 53) - 1);
    ck_assert(smallest == 0x1.0p-54 && largest == 1.0);
    ck_assert(ulps(hs_vlog(smallest), log(smallest)) <= 2);
    ck_assert(hs_vlog(1.0) == 0.0 && !signbit(hs_vlog(1.0)));
    ck_assert(ulps(hs_vlog(0x1.fffffffffffffp-1), -0x1.0p-53) <= 2); /* 1 - 2^-53 */
    ck_assert(ulps(hs_vlog(uniform_of((1ull << 53) - 2)), log(uniform_of((1ull << 53) - 2))) <= 2);
    ck_assert(hs_vlog(0.5) == -M_LN2 && hs_vlog(0.25) == -2 * M_LN2);
    ck_assert(hs_vcos(0.0) == 1.0 && hs_vcos(angle_of(smallest)) == 1.0);
    ck_assert(hs_vcos(angle_of(0.5)) == -1.0 && hs_vcos(angle_of(1.0)) == 1.0);
    for (int q = 1; q <= 3; q += 2) { /* cos 2 pi u crosses 0: the sign and the size of libm's */
        double x = angle_of(q * 0.25);
        ck_assert_msg(ulps(hs_vcos(x), cos(x)) <= 2, "cos(2 pi %d/4)", q);
        double below = angle_of(nextafter(q * 0.25, 0)), above = angle_of(nextafter(q * 0.25, 1));
        ck_assert(signbit(hs_vcos(below)) == signbit(cos(below)));
        ck_assert(signbit(hs_vcos(above)) == signbit(cos(above)));
    }
    for (int k = 1; k < 300; k++) { /* tiny angles: cos = 1 - x^2/2 */
        double x = ldexp(1.0, -k / 2) * (1 + k * 1e-3);
        ck_assert(ulps(hs_vcos(x), cos(x)) <= 2 && ulps(hs_vcos(-x), cos(x)) <= 2);
    }
}
END_TEST

/* A vectorised loop (with a remainder: 1001 elements) gives the bits of
 * scalar calls, so no lane or remainder path rounds otherwise. */
START_TEST(vector_lanes_equal_scalar_calls)
{
    enum { COUNT = 1001 };
    double *x = malloc(COUNT * sizeof *x), *t = malloc(COUNT * sizeof *t),
           *s = malloc(COUNT * sizeof *s);
    for (int i = 0; i < COUNT; i++)
        x[i] = (i - COUNT / 2) * 0.0371 + 1e-3 * sin(i);
#pragma omp simd
    for (int i = 0; i < COUNT; i++)
        t[i] = hs_vtanh(x[i]);
#pragma omp simd
    for (int i = 0; i < COUNT; i++)
        s[i] = hs_vlogistic(x[i]);
    for (int i = 0; i < COUNT; i++) {
        ck_assert_msg(memcmp(&t[i], &(double){scalar_tanh(x[i])}, sizeof(double)) == 0,
                      "tanh lane %d", i);
        ck_assert_msg(memcmp(&s[i], &(double){scalar_logistic(x[i])}, sizeof(double)) == 0,
                      "logistic lane %d", i);
    }
    free(x);
    free(t);
    free(s);
}
END_TEST

/* The same for log and cos on the draws' domain. */
START_TEST(log_cos_lanes_equal_scalar_calls)
{
    enum { COUNT = 1001 };
    double *u = malloc(COUNT * sizeof *u), *l = malloc(COUNT * sizeof *l),
           *c = malloc(COUNT * sizeof *c);
    uint64_t state = 3;
    for (int i = 0; i < COUNT; i++)
        u[i] = uniform_of(next_bits53(&state));
#pragma omp simd
    for (int i = 0; i < COUNT; i++)
        l[i] = hs_vlog(u[i]);
#pragma omp simd
    for (int i = 0; i < COUNT; i++)
        c[i] = hs_vcos(angle_of(u[i]));
    for (int i = 0; i < COUNT; i++) {
        ck_assert_msg(memcmp(&l[i], &(double){scalar_log(u[i])}, sizeof(double)) == 0,
                      "log lane %d", i);
        ck_assert_msg(memcmp(&c[i], &(double){scalar_cos(angle_of(u[i]))}, sizeof(double)) == 0,
                      "cos lane %d", i);
    }
    free(u);
    free(l);
    free(c);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *suite = suite_create("vmath");
    TCase *tc = tcase_create("vmath");
    tcase_add_test(tc, tanh_within_a_few_ulp_of_libm);
    tcase_add_test(tc, exp_and_logistic_accurate);
    tcase_add_test(tc, special_values);
    tcase_add_test(tc, vector_lanes_equal_scalar_calls);
    tcase_add_test(tc, log_within_a_few_ulp_of_libm);
    tcase_add_test(tc, cos_within_a_few_ulp_of_libm);
    tcase_add_test(tc, log_and_cos_edge_values);
    tcase_add_test(tc, log_cos_lanes_equal_scalar_calls);
    suite_add_tcase(suite, tc);
    return suite;
}
