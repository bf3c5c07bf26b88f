/* test_rate.c - Check tests of rate.h: a single neuron against the closed form, and
 * the columns (and saturation counts) independent of batch width and of 1 or 3
 * threads. */
#include <math.h>
#include <stdlib.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/network.h"
#include "hetsweep/rate.h"
#include "hetsweep/rng.h"

START_TEST(rate_single_neuron_exact)
{
    /* One neuron, no recurrence (n = 1 has no connections): x_t = a x + (1-a) J_u drive. */
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    hs_network_random(&net, &job, 1, 0);
    ck_assert_uint_eq(net.nnz, 0);
    double tau[1] = {10.0}, J = 1, Ju = 2, rho = 0, sd = 1;
    const double *taus[1] = {tau};
    hs_rate_params p = {1, taus, &J, &Ju, &rho, &sd, 1.0, HS_ACT_TANH, 1};
    hs_rate *rate = hs_rate_new(&net, &p);
    double a = exp(-0.1), x = 0, drive = 0.3, xi = 0;
    for (int t = 0; t < 20; t++) {
        hs_rate_step(rate, &drive, &xi, 0);
        x = a * x + (1 - a) * (Ju * drive);
        ck_assert(fabs(hs_rate_features(rate)[0] - tanh(x)) < 1e-15);
    }
    hs_rate_free(rate);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Batch of 3 (stride 4), the same with 3 threads, and each column alone
 * (stride 1: the activation's remainder loop where the batch uses its
 * groups) give the same bits. */
static void check_columns_independent_of_batch(int activation)
{
    /* large enough (nnz x stride) for the step to use its threads */
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    size_t n = 400, B = 3;
    hs_network_random(&net, &job, (int64_t)n, 4);
    double *tau[3], J[3] = {0.5, 1.0, 1.5}, Ju[3] = {1, 0.5, 2}, rho[3] = {0.1, 0, 0.3};
    double *sd = hs_alloc_doubles(n), *drive = hs_alloc_doubles(n), *xi = hs_alloc_doubles(n);
    for (size_t b = 0; b < B; b++) {
        tau[b] = hs_alloc_doubles(n);
        for (size_t i = 0; i < n; i++)
            tau[b][i] = 5 + (double)((i * 7 + b * 3) % 30);
    }
    for (size_t i = 0; i < n; i++)
        sd[i] = 1 + 0.01 * (double)i;
    hs_rate_params all = {B, (const double *const *)tau, J, Ju, rho, sd, 1.0, activation, 1};
    hs_rate *batch = hs_rate_new(&net, &all);
    all.threads = 3;
    hs_rate *threaded = hs_rate_new(&net, &all);
    hs_rate *single[3];
    for (size_t b = 0; b < B; b++) {
        hs_rate_params one = {1,   (const double *const *)&tau[b], &J[b], &Ju[b], &rho[b],
                              sd,  1.0, activation, 1};
        single[b] = hs_rate_new(&net, &one);
    }
    hs_rng r = hs_rng_noise(1, 0, 80, 4);
    for (int t = 0; t < 200; t++) {
        hs_rng_normal_fill(&r, (uint64_t)t * n, n, xi);
        for (size_t i = 0; i < n; i++)
            drive[i] = sin(0.1 * t + (double)i);
        hs_rate_step(batch, drive, xi, 1);
        hs_rate_step(threaded, drive, xi, 1);
        for (size_t b = 0; b < B; b++)
            hs_rate_step(single[b], drive, xi, 1);
    }
    size_t S = hs_rate_stride(batch);
    ck_assert_uint_eq(S, 4);
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < n; i++) {
            ck_assert(hs_rate_features(batch)[i * S + b] == hs_rate_features(single[b])[i]);
            ck_assert(hs_rate_features(batch)[i * S + b] == hs_rate_features(threaded)[i * S + b]);
        }
        ck_assert_int_eq(hs_rate_saturated(batch, b), hs_rate_saturated(single[b], 0));
        ck_assert_int_eq(hs_rate_saturated(threaded, b), hs_rate_saturated(single[b], 0));
        hs_rate_free(single[b]);
        free(tau[b]);
    }
    hs_rate_free(batch);
    hs_rate_free(threaded);
    free(sd);
    free(drive);
    free(xi);
    hs_network_free(&net);
    hs_job_free(&job);
}

START_TEST(rate_columns_independent_of_batch)
{
    check_columns_independent_of_batch(HS_ACT_TANH);
    check_columns_independent_of_batch(HS_ACT_SIGMOID);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("rate");
    TCase *tc = tcase_create("rate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rate_single_neuron_exact);
    tcase_add_test(tc, rate_columns_independent_of_batch);
    suite_add_tcase(s, tc);
    return s;
}
