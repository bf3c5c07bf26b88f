/* test_core.c - unit tests of the small core modules: rng, stimulus, sha256,
 * tasks, network, rate dynamics, plan and costs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/measures.h"
#include "hetsweep/network.h"
#include "hetsweep/plan.h"
#include "hetsweep/rate.h"
#include "hetsweep/rng.h"
#include "hetsweep/sha256.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"

/* ---- rng ---- */

START_TEST(philox_known_answers)
{
    /* Known-answer vectors of Random123 (Salmon et al. 2011). */
    const uint32_t ctr[3][4] = {{0, 0, 0, 0},
                                {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                                {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
    const uint32_t key[3][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}};
    const uint32_t expect[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                                   {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                                   {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        hs_philox4x32(ctr[v], key[v], out);
        for (int i = 0; i < 4; i++)
            ck_assert_uint_eq(out[i], expect[v][i]);
    }
}
END_TEST

START_TEST(rng_streams_by_value)
{
    hs_rng a = hs_rng_network(1, HS_RNG_WEIGHT, 100, 7);
    hs_rng b = hs_rng_network(1, HS_RNG_WEIGHT, 100, 7);
    hs_rng c = hs_rng_network(1, HS_RNG_WEIGHT, 100, 8);
    hs_rng d = hs_rng_network(1, HS_RNG_CONNECT, 100, 7);
    ck_assert(hs_rng_normal(&a, 12345) == hs_rng_normal(&b, 12345));
    ck_assert(hs_rng_normal(&a, 12345) != hs_rng_normal(&c, 12345));
    ck_assert(hs_rng_uniform(&a, 5) != hs_rng_uniform(&d, 5));
    double fill[10];
    hs_rng_normal_fill(&a, 100, 10, fill);
    for (int i = 0; i < 10; i++)
        ck_assert(fill[i] == hs_rng_normal(&a, 100 + (uint64_t)i));
}
END_TEST

START_TEST(rng_moments)
{
    hs_rng r = hs_rng_noise(3, HS_MODEL_RATE, 50, 1);
    double sum = 0, ss = 0, usum = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = hs_rng_normal(&r, (uint64_t)i);
        double u = hs_rng_uniform(&r, (uint64_t)i);
        ck_assert(u > 0 && u < 1);
        sum += z;
        ss += z * z;
        usum += u;
    }
    ck_assert(fabs(sum / n) < 0.01);
    ck_assert(fabs(ss / n - 1) < 0.02);
    ck_assert(fabs(usum / n - 0.5) < 0.005);
}
END_TEST

/* ---- stimulus ---- */

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

/* ---- sha256 ---- */

START_TEST(sha256_vectors)
{
    char hex[65];
    hs_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hs_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hs_sha256_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

/* ---- tasks ---- */

START_TEST(task_grid_default)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_tasks tasks;
    hs_tasks_make(&tasks, &job);
    ck_assert_uint_eq(tasks.n_tasks, 882);
    ck_assert_int_eq(tasks.max_shift, 100);
    /* k-major, then d, then Delta */
    ck_assert_int_eq(tasks.k[0], 1);
    ck_assert_int_eq(tasks.d[0], 1);
    ck_assert(tasks.delta_ms[0] == -100.0);
    ck_assert(tasks.delta_ms[48] == 100.0);
    ck_assert_int_eq(tasks.d[49], 2);
    ck_assert_int_eq(tasks.k[294], 2);
    ck_assert_int_eq(tasks.delta_steps[24], 0);
    for (size_t j = 0; j < 49; j++)
        ck_assert_int_eq(tasks.delta_steps[j], (int)rint(-100.0 + (double)j * (200.0 / 48)));
    hs_tasks_free(&tasks);
    hs_job_free(&job);
}
END_TEST

START_TEST(task_targets_and_complexity)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_tasks tasks;
    hs_tasks_make(&tasks, &job);
    hs_stimulus stim;
    ck_assert_int_eq(hs_stimulus_make(&stim, 2000, 20, NULL), HS_OK);
    double *Y = hs_alloc_doubles(3 * tasks.n_tasks);
    hs_tasks_targets(&tasks, &stim, 500, 3, Y);
    for (size_t r = 0; r < 3; r++)
        for (size_t j = 0; j < tasks.n_tasks; j += 37) {
            double x = stim.u[3 * (500 + r + (size_t)tasks.delta_steps[j]) + tasks.k[j] - 1];
            ck_assert(fabs(Y[r * tasks.n_tasks + j] - pow(x, tasks.d[j])) <=
                      1e-12 * fabs(pow(x, tasks.d[j])));
        }
    hs_window w = {1000, 1800};
    hs_tasks_complexity(&tasks, &stim, w);
    ck_assert(tasks.complexity[24] == 0.0); /* identity task */
    for (size_t j = 0; j < tasks.n_tasks; j++)
        ck_assert(tasks.complexity[j] >= 0 && tasks.complexity[j] <= 1);
    ck_assert(tasks.complexity[0] > 0.01); /* a shifted task is not the identity */
    double *S = hs_tasks_similarity(&tasks, &stim, w);
    size_t n = tasks.n_tasks;
    for (size_t i = 0; i < n; i += 41) {
        ck_assert(fabs(S[i * n + i] - 1) < 1e-12);
        for (size_t j = 0; j < n; j += 53)
            ck_assert(S[i * n + j] == S[j * n + i]);
    }
    /* cos(identity, u_1) and complexity agree: 1 - |S| for k=1,d=1 pairs */
    ck_assert(fabs((1 - fabs(S[24 * n + 0])) - tasks.complexity[0]) < 1e-12);
    free(S);
    free(Y);
    hs_stimulus_free(&stim);
    hs_tasks_free(&tasks);
    hs_job_free(&job);
}
END_TEST

START_TEST(windows_intersect_delays)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_windows w;
    hs_windows_make(&w, &job, 100);
    ck_assert_uint_eq(w.n_samples, 30500);
    ck_assert_uint_eq(w.segment[0].begin, 500);
    ck_assert_uint_eq(w.segment[0].end, 20500);
    ck_assert_uint_eq(w.segment[1].begin, 20500);
    ck_assert_uint_eq(w.segment[2].end, 30400);
    job.time.washout_ms = 0;
    hs_windows_make(&w, &job, 100);
    ck_assert_uint_eq(w.segment[0].begin, 100);
    hs_job_free(&job);
}
END_TEST

/* ---- network ---- */

START_TEST(network_statistics)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    hs_network_random(&net, &job, 400, 3);
    double p = (double)net.nnz / (400.0 * 399.0);
    ck_assert(fabs(p - 0.1) < 0.01);
    double ss = 0;
    for (size_t e = 0; e < net.nnz; e++)
        ss += net.data[e] * net.data[e];
    ck_assert(fabs(ss / (double)net.nnz * 0.1 * 400 - 1) < 0.05);
    for (size_t i = 0; i < 400; i++)
        for (int64_t e = net.indptr[i]; e < net.indptr[i + 1]; e++)
            ck_assert_uint_ne((size_t)net.indices[e], i); /* no self connections */
    hs_network again;
    hs_network_random(&again, &job, 400, 3);
    ck_assert_uint_eq(again.nnz, net.nnz);
    ck_assert(memcmp(again.data, net.data, net.nnz * sizeof(double)) == 0);
    ck_assert(memcmp(again.win, net.win, 3 * 400 * sizeof(double)) == 0);
    hs_network_free(&again);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Geometric skipping: every connection probability, dense (p = 1) and very
 * sparse, gives the right count, ascending partners, no diagonal, and a
 * plausible spread of gaps (the first and last columns are reached). */
START_TEST(network_sparse_and_dense_rows)
{
    static const double ps[] = {1.0, 0.5, 0.01, 0.0005};
    static const size_t ns[] = {50, 200, 3000, 20000};
    for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
        hs_job job;
        hs_job_defaults(&job);
        job.network.connectivity = ps[k];
        hs_network net;
        size_t n = ns[k];
        hs_network_random(&net, &job, (int64_t)n, 1);
        double expected = ps[k] * (double)n * (double)(n - 1);
        double sd = sqrt(expected * (1 - ps[k]));
        ck_assert_msg(fabs((double)net.nnz - expected) <= 5 * sd + 1e-9, "p %g: nnz %zu, expected %g",
                      ps[k], net.nnz, expected);
        int first_seen = 0, last_seen = 0;
        for (size_t i = 0; i < n; i++)
            for (int64_t e = net.indptr[i]; e < net.indptr[i + 1]; e++) {
                ck_assert_uint_ne((size_t)net.indices[e], i);
                if (e > net.indptr[i])
                    ck_assert_int_gt(net.indices[e], net.indices[e - 1]);
                first_seen |= net.indices[e] == 0;
                last_seen |= (size_t)net.indices[e] == n - 1;
            }
        ck_assert(first_seen && last_seen);
        hs_network_free(&net);
        hs_job_free(&job);
    }
}
END_TEST

START_TEST(network_dale_signs)
{
    hs_job job;
    hs_job_defaults(&job);
    job.network.weights = HS_WEIGHTS_DALE;
    job.network.sigma_0 = 0.0;
    hs_network net;
    hs_network_random(&net, &job, 300, 1);
    double mu = 1 / sqrt(0.1 * 300);
    double exc = 0, inh = 0;
    for (size_t e = 0; e < net.nnz; e++) {
        double w = net.data[e];
        ck_assert(fabs(w - mu) < 1e-12 || fabs(w + 0.8 * mu / 0.2) < 1e-12);
        if (w > 0)
            exc += 1;
        else
            inh += 1;
    }
    ck_assert(fabs(exc / (exc + inh) - 0.8) < 0.05);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Every padded width (1, 2, 4, 8, 12, 16 and the generic path) and every
 * split of rows gives each column the bits of a batch of one. */
START_TEST(spmm_independent_of_batch)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    size_t n = 150;
    hs_network_random(&net, &job, (int64_t)n, 2);
    double *x1 = hs_alloc_doubles(n), *y1 = hs_alloc_doubles(n);
    hs_rng r = hs_rng_network(9, HS_RNG_WIN, 1, 1);
    for (size_t B = 1; B <= 20; B++) {
        size_t S = hs_batch_stride(B);
        ck_assert_uint_ge(S, B);
        double *X = hs_alloc_doubles(n * S), *Y = hs_alloc_doubles(n * S);
        hs_rng_normal_fill(&r, 0, n * S, X);
        hs_network_spmm_rows(&net, X, S, 0, 70, Y); /* two blocks of rows */
        hs_network_spmm_rows(&net, X, S, 70, n, Y + 70 * S);
        for (size_t b = 0; b < B; b++) {
            for (size_t i = 0; i < n; i++)
                x1[i] = X[i * S + b];
            hs_network_spmm(&net, x1, 1, y1);
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(y1[i] == Y[i * S + b], "B %zu column %zu row %zu", B, b, i);
        }
        free(X);
        free(Y);
    }
    free(x1);
    free(y1);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* ---- rate dynamics ---- */

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

START_TEST(rate_columns_independent_of_batch)
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
    hs_rate_params all = {B, (const double *const *)tau, J, Ju, rho, sd, 1.0, HS_ACT_TANH, 1};
    hs_rate *batch = hs_rate_new(&net, &all);
    all.threads = 3;
    hs_rate *threaded = hs_rate_new(&net, &all);
    hs_rate *single[3];
    for (size_t b = 0; b < B; b++) {
        hs_rate_params one = {1,   (const double *const *)&tau[b], &J[b], &Ju[b], &rho[b],
                              sd,  1.0, HS_ACT_TANH, 1};
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
END_TEST

/* ---- plan and costs ---- */

START_TEST(plan_covers_every_column_once)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_plan plan;
    hs_plan_make(&plan, &job, 882, 30500);
    ck_assert_int_eq(plan.n_units, 4);
    ck_assert_int_eq(plan.n_columns, 5);
    int seen[4][5] = {{0}};
    for (int i = 0; i < plan.n_items; i++) {
        for (int c = 0; c < plan.items[i].n_columns; c++)
            seen[plan.items[i].unit][plan.items[i].first_column + c]++;
        if (i > 0)
            ck_assert(plan.items[i - 1].flops >= plan.items[i].flops);
    }
    for (int u = 0; u < 4; u++)
        for (int c = 0; c < 5; c++)
            ck_assert_int_eq(seen[u][c], 1);
    uint64_t pos[HS_N_AXES];
    hs_plan_position(&job, 3, 4, pos);
    ck_assert_uint_eq(pos[HS_AX_N], 1);
    ck_assert_uint_eq(pos[HS_AX_SEED], 1);
    ck_assert_uint_eq(pos[HS_AX_HETEROGENEITY], 4);
    ck_assert_int_eq(hs_plan_unit_index(&job, 0, 1, 1), 3);
    ck_assert(hs_plan_fits(&plan, &job));
    /* the estimate counts the stimulus, the similarity matrix and the progress arrays */
    ck_assert(plan.shared_bytes >= 8.0 * 3 * 30500 + 8.0 * 882 * 882);
    ck_assert(plan.bytes_per_rank > plan.shared_bytes);
    job.run.memory_budget_mb = plan.bytes_per_rank / 1048576.0;
    ck_assert(hs_plan_fits(&plan, &job));
    job.run.memory_budget_mb = 0.999 * plan.bytes_per_rank / 1048576.0;
    ck_assert(!hs_plan_fits(&plan, &job));
    hs_plan_free(&plan);
    hs_job_free(&job);
}
END_TEST

START_TEST(rate_costs_formula)
{
    hs_job job;
    hs_job_defaults(&job);
    double costs[HS_N_COSTS];
    hs_costs_rate(&job, 100, 990, 882, 30500, costs);
    ck_assert(costs[HS_COST_SIM_FLOPS] == 30500.0 * (2 * 990 + 600 + 2000));
    ck_assert(costs[HS_COST_INFERENCE_FLOPS] == 2.0 * 101 * 882 * 30500);
    ck_assert(costs[HS_COST_MEMORY_BYTES] == 990.0 * 12 + 101 * 8 + 2400 + 2400);
    ck_assert(isnan(costs[HS_COST_ATP]));
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, philox_known_answers);
    tcase_add_test(tc, rng_streams_by_value);
    tcase_add_test(tc, rng_moments);
    tcase_add_test(tc, lorenz_against_reference);
    tcase_add_test(tc, stimulus_zscored_exactly);
    tcase_add_test(tc, step_ratio);
    tcase_add_test(tc, sha256_vectors);
    tcase_add_test(tc, task_grid_default);
    tcase_add_test(tc, task_targets_and_complexity);
    tcase_add_test(tc, windows_intersect_delays);
    tcase_add_test(tc, network_statistics);
    tcase_add_test(tc, network_dale_signs);
    tcase_add_test(tc, network_sparse_and_dense_rows);
    tcase_add_test(tc, spmm_independent_of_batch);
    tcase_add_test(tc, rate_single_neuron_exact);
    tcase_add_test(tc, rate_columns_independent_of_batch);
    tcase_add_test(tc, plan_covers_every_column_once);
    tcase_add_test(tc, rate_costs_formula);
    suite_add_tcase(s, tc);
    return s;
}
