/* test_stimulus.c - Check tests of stimulus.h: Lorenz RK4 against a reference at
 * t = 1, the z-scoring (exact mean 0 and sd 1, u[0] right after the transient), and
 * the integration steps per sample. */
#include <math.h>
#include <stddef.h>

#include "check_runner.h"
#include "hetsweep/stimulus.h"

START_TEST(lorenz_against_reference)
{
    /* Reference at t = 1 from (1,1,1): RK4 in 80-bit long double with h = 1/80000,
     * Richardson-checked against h = 1/40000 (difference < 2e-15). */
    const double ref[3] = {-9.3785700109250623, -8.3570337884266448, 29.362325337363428};
    double v[3] = {1, 1, 1};
    for (int s = 0; s < 1000; s++)
        hs_lorenz_rk4_step(v, 0.001);
    for (int k = 0; k < 3; k++)
        ck_assert_msg(fabs(v[k] - ref[k]) < 1e-7, "component %d: %.17g vs %.17g", k, v[k], ref[k]);
}
END_TEST

START_TEST(stimulus_zscored_exactly)
{
    hs_stimulus stim;
    hs_error err;
    ck_assert_int_eq(hs_stimulus_make(&stim, 3000, 20, &err), HS_OK);
    for (int k = 0; k < 3; k++) {
        double sum = 0, ss = 0;
        for (size_t t = 0; t < stim.n_samples; t++)
            sum += stim.u[3 * t + k];
        double mean = sum / 3000;
        for (size_t t = 0; t < stim.n_samples; t++)
            ss += (stim.u[3 * t + k] - mean) * (stim.u[3 * t + k] - mean);
        ck_assert(fabs(mean) < 1e-13);
        ck_assert(fabs(ss / 3000 - 1) < 1e-13);
        ck_assert(stim.raw_std[k] > 1);
    }
    /* u[0] is the state right after the 10 000-step transient */
    double v[3] = {1, 1, 1};
    for (int s = 0; s < HS_LORENZ_TRANSIENT; s++)
        hs_lorenz_rk4_step(v, HS_LORENZ_STEP);
    for (int k = 0; k < 3; k++)
        ck_assert(fabs(stim.u[k] * stim.raw_std[k] + stim.raw_mean[k] - v[k]) < 1e-12);
    hs_stimulus_free(&stim);
}
END_TEST

START_TEST(step_ratio)
{
    ck_assert_int_eq(hs_stimulus_steps_per_sample(1.0, 50.0), 20);
    ck_assert_int_eq(hs_stimulus_steps_per_sample(0.25, 50.0), 5);
    ck_assert_int_eq(hs_stimulus_steps_per_sample(1.0, 30.0), -1);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("stimulus");
    TCase *tc = tcase_create("stimulus");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lorenz_against_reference);
    tcase_add_test(tc, stimulus_zscored_exactly);
    tcase_add_test(tc, step_ratio);
    suite_add_tcase(s, tc);
    return s;
}
