/* test_vmath.c - Check tests of vmath.h: accuracy against libm, the special
 * values, and the same bits from a vectorised loop and from scalar calls. */
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

Suite *hs_test_suite(void)
{
    Suite *suite = suite_create("vmath");
    TCase *tc = tcase_create("vmath");
    tcase_add_test(tc, tanh_within_a_few_ulp_of_libm);
    tcase_add_test(tc, exp_and_logistic_accurate);
    tcase_add_test(tc, special_values);
    tcase_add_test(tc, vector_lanes_equal_scalar_calls);
    suite_add_tcase(suite, tc);
    return suite;
}
