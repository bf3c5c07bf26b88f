/* test_lif.c - the LIF model: single-neuron firing rate, threshold and
 * refractoriness, independence without recurrence, one event per spike per
 * synapse, batch independence, the spiking readout against a direct ridge
 * fit, and the cost formulas. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/lif.h"
#include "hetsweep/measures.h"
#include "hetsweep/network.h"
#include "hetsweep/readout.h"
#include "hetsweep/rng.h"

/* A network of n neurons with the given synapses (post, pre, weight) and
 * input weights all `win`. */
static void make_network(hs_network *net, size_t n, size_t nnz, const int *post, const int *pre,
                         const double *w, double win)
{
    int64_t *indptr = calloc(n + 1, sizeof(int64_t));
    int32_t *indices = malloc((nnz ? nnz : 1) * sizeof(int32_t));
    double *data = malloc((nnz ? nnz : 1) * sizeof(double));
    double *win_all = malloc(3 * n * sizeof(double));
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < nnz; k++)
            if ((size_t)post[k] == i) {
                indices[e] = pre[k];
                data[e++] = w[k];
            }
        indptr[i + 1] = (int64_t)e;
    }
    for (size_t i = 0; i < 3 * n; i++)
        win_all[i] = win;
    hs_error err;
    ck_assert_int_eq(hs_network_adopt(net, n, indptr, indices, data, win_all, "test", &err), HS_OK);
}

typedef struct {
    double tau[64], J, Ju, rho, sd[64];
    const double *taus[1];
} one_column;

static hs_lif *column_lif(const hs_network *net, one_column *c, double sample_ms, double bias)
{
    c->taus[0] = c->tau;
    hs_lif_params p = {1,   c->taus, &c->J, &c->Ju, &c->rho, c->sd, sample_ms, 0.25, 2.0,
                       5.0, 20.0,    bias, 1};
    return hs_lif_new(net, &p);
}

START_TEST(single_neuron_rate_matches_theory)
{
    hs_network net;
    make_network(&net, 1, 0, NULL, NULL, NULL, 0.0);
    const double taus[4] = {5, 10, 20, 40}, inputs[3] = {1.2, 1.5, 3.0};
    double zero = 0.0;
    for (int t = 0; t < 4; t++)
        for (int k = 0; k < 3; k++) {
            one_column c = {.J = 1, .Ju = 0, .rho = 0};
            c.tau[0] = taus[t];
            c.sd[0] = 1;
            hs_lif *lif = column_lif(&net, &c, 1.0, inputs[k]);
            int samples = 20000; /* 20 s */
            for (int m = 0; m < samples; m++)
                hs_lif_sample(lif, &zero, &zero, 1);
            hs_lif_counts counts;
            hs_lif_counts_of(lif, 0, &counts);
            double period = 2.0 + taus[t] * log(inputs[k] / (inputs[k] - 1.0)); /* ms */
            double measured = samples * 1.0 / (double)counts.spikes;         /* ms */
            /* the discrete period lies within one step (0.25 ms) above theory */
            ck_assert_msg(measured >= period - 0.01 && measured <= period + 0.25 + 0.01,
                          "tau %g I %g: period %g ms, theory %g ms", taus[t], inputs[k],
                          measured, period);
            hs_lif_free(lif);
        }
    hs_network_free(&net);
}
END_TEST

START_TEST(no_spike_below_threshold)
{
    hs_network net;
    make_network(&net, 1, 0, NULL, NULL, NULL, 0.0);
    one_column c = {.J = 1, .Ju = 0, .rho = 0};
    c.tau[0] = 10;
    c.sd[0] = 1;
    double zero = 0.0;
    hs_lif *lif = column_lif(&net, &c, 1.0, 0.95);
    for (int m = 0; m < 5000; m++)
        hs_lif_sample(lif, &zero, &zero, 1);
    hs_lif_counts counts;
    hs_lif_counts_of(lif, 0, &counts);
    ck_assert_int_eq(counts.spikes, 0);
    ck_assert_int_eq(counts.silent_neurons, 1);
    ck_assert(fabs(hs_lif_potentials(lif)[0] - 0.95) < 1e-9);
    hs_lif_free(lif);
    hs_network_free(&net);
}
END_TEST

START_TEST(refractory_period_respected)
{
    hs_network net;
    make_network(&net, 1, 0, NULL, NULL, NULL, 0.0);
    one_column c = {.J = 1, .Ju = 0, .rho = 0};
    c.tau[0] = 2;
    c.sd[0] = 1;
    double zero = 0.0;
    hs_lif *lif = column_lif(&net, &c, 0.25, 50.0); /* one LIF step per sample */
    int last_spike = -1000, spikes = 0;
    double q_prev = 0;
    for (int k = 0; k < 400; k++) {
        hs_lif_sample(lif, &zero, &zero, 1);
        double q = hs_lif_features(lif)[0];
        int spiked = q > q_prev * exp(-0.25 / 20.0) + 0.5;
        if (spiked) {
            if (spikes > 0)
                ck_assert_int_ge(k - last_spike, 8 + 1); /* round(2 / 0.25) = 8 silent steps */
            last_spike = k;
            spikes++;
        } else if (k - last_spike <= 8) {
            ck_assert(hs_lif_potentials(lif)[0] == 0.0); /* held at reset while refractory */
        }
        q_prev = q;
    }
    ck_assert_int_gt(spikes, 30);
    hs_lif_free(lif);
    hs_network_free(&net);
}
END_TEST

START_TEST(no_recurrence_equals_independent_neurons)
{
    size_t n = 12;
    hs_network net, single;
    make_network(&net, n, 0, NULL, NULL, NULL, 1.0);
    make_network(&single, 1, 0, NULL, NULL, NULL, 1.0);
    one_column all = {.J = 1, .Ju = 1.5, .rho = 0.1};
    for (size_t i = 0; i < n; i++) {
        all.tau[i] = 4.0 + 3.0 * (double)i;
        all.sd[i] = 1.0;
    }
    hs_lif *together = column_lif(&net, &all, 1.0, 0.5);
    hs_lif *alone[12];
    one_column each[12];
    for (size_t i = 0; i < n; i++) {
        each[i] = (one_column){.J = 1, .Ju = 1.5, .rho = 0.1};
        each[i].tau[0] = all.tau[i];
        each[i].sd[0] = 1.0;
        alone[i] = column_lif(&single, &each[i], 1.0, 0.5);
    }
    hs_rng rng = hs_rng_noise(1, HS_MODEL_LIF, 12, 0);
    double drive[12], xi[12];
    for (int m = 0; m < 3000; m++) {
        for (size_t i = 0; i < n; i++)
            drive[i] = sin(0.01 * m + (double)i);
        hs_rng_normal_fill(&rng, (uint64_t)m * n, n, xi);
        hs_lif_sample(together, drive, xi, 1);
        for (size_t i = 0; i < n; i++) {
            hs_lif_sample(alone[i], &drive[i], &xi[i], 1);
            ck_assert(hs_lif_features(together)[i] == hs_lif_features(alone[i])[0]);
        }
    }
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        hs_lif_counts c;
        hs_lif_counts_of(alone[i], 0, &c);
        total += c.spikes;
        hs_lif_free(alone[i]);
    }
    hs_lif_counts c;
    hs_lif_counts_of(together, 0, &c);
    ck_assert_int_eq(c.spikes, total);
    ck_assert_int_gt(total, 100);
    ck_assert_int_eq(c.synaptic_events, 0);
    hs_lif_free(together);
    hs_network_free(&net);
    hs_network_free(&single);
}
END_TEST

START_TEST(one_connection_one_event_per_spike)
{
    const int post[1] = {1}, pre[1] = {0};
    const double w[1] = {0.3};
    hs_network net;
    make_network(&net, 2, 1, post, pre, w, 0.0);
    /* only neuron 0 is driven (no bias, no noise, drive 2 through J_u = 1) */
    one_column c = {.J = 1, .Ju = 1, .rho = 0};
    c.tau[0] = 10;
    c.tau[1] = 10;
    c.sd[0] = c.sd[1] = 1;
    double zero[2] = {0, 0};
    hs_lif *lif = column_lif(&net, &c, 1.0, 0.0);
    double drive[2] = {2.0, 0.0};
    for (int m = 0; m < 2000; m++)
        hs_lif_sample(lif, drive, zero, 1);
    hs_lif_counts counts;
    hs_lif_counts_of(lif, 0, &counts);
    ck_assert_int_gt(counts.spikes, 50);
    /* neuron 1 receives 0.3 per spike, decaying with tau_syn 5 ms: it stays
     * below threshold, so every spike is neuron 0's, and each is one event;
     * the last spike may not be delivered yet */
    ck_assert(counts.synaptic_events == counts.spikes ||
              counts.synaptic_events == counts.spikes - 1);
    ck_assert(hs_lif_potentials(lif)[1] > 0.0);
    hs_lif_free(lif);
    hs_network_free(&net);
}
END_TEST

START_TEST(columns_independent_of_batch)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    hs_network_random(&net, &job, 60, 3);
    size_t n = 60, B = 3;
    double *tau[3], J[3] = {1.0, 1.5, 0.5}, Ju[3] = {1, 2, 1.5}, rho[3] = {0.1, 0.3, 0};
    double sd[60], drive[60], xi[60];
    for (size_t b = 0; b < B; b++) {
        tau[b] = hs_alloc_doubles(n);
        for (size_t i = 0; i < n; i++)
            tau[b][i] = 3 + (double)((i * 5 + b * 7) % 40);
    }
    for (size_t i = 0; i < n; i++)
        sd[i] = 1.0;
    hs_lif_params all = {B, (const double *const *)tau, J, Ju, rho, sd, 1.0, 0.25, 2.0, 5.0,
                         20.0, 0.5, 1};
    hs_lif *batch = hs_lif_new(&net, &all);
    all.threads = 3;
    hs_lif *threaded = hs_lif_new(&net, &all);
    hs_lif *single[3];
    for (size_t b = 0; b < B; b++) {
        hs_lif_params one = {1,   (const double *const *)&tau[b], &J[b], &Ju[b], &rho[b], sd,
                             1.0, 0.25, 2.0, 5.0, 20.0, 0.5, 1};
        single[b] = hs_lif_new(&net, &one);
    }
    hs_rng rng = hs_rng_noise(2, HS_MODEL_LIF, 60, 3);
    for (int m = 0; m < 1500; m++) {
        for (size_t i = 0; i < n; i++)
            drive[i] = cos(0.02 * m + 0.3 * (double)i);
        hs_rng_normal_fill(&rng, (uint64_t)m * n, n, xi);
        hs_lif_sample(batch, drive, xi, m > 100);
        hs_lif_sample(threaded, drive, xi, m > 100);
        for (size_t b = 0; b < B; b++)
            hs_lif_sample(single[b], drive, xi, m > 100);
    }
    for (size_t b = 0; b < B; b++) {
        for (size_t i = 0; i < n; i++)
        {
            ck_assert(hs_lif_features(batch)[b * n + i] == hs_lif_features(single[b])[i]);
            ck_assert(hs_lif_features(threaded)[b * n + i] == hs_lif_features(single[b])[i]);
        }
        hs_lif_counts cb, cs, ct;
        hs_lif_counts_of(batch, b, &cb);
        hs_lif_counts_of(single[b], 0, &cs);
        hs_lif_counts_of(threaded, b, &ct);
        ck_assert(memcmp(&cb, &cs, sizeof cb) == 0);
        ck_assert(memcmp(&ct, &cs, sizeof ct) == 0);
        ck_assert_int_gt(cb.synaptic_events, 0);
        hs_lif_free(single[b]);
        free(tau[b]);
    }
    hs_lif_free(batch);
    hs_lif_free(threaded);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Direct ridge on stored centred rows: solve (G + l I) b = c by Gauss-Jordan. */
static void ridge_direct(const double *X, const double *y, size_t rows, size_t n, double rel,
                         double *mx, double *my, double *beta)
{
    double *G = calloc(n * (n + 1), sizeof(double));
    for (size_t j = 0; j < n; j++) {
        mx[j] = 0;
        for (size_t r = 0; r < rows; r++)
            mx[j] += X[r * n + j];
        mx[j] /= (double)rows;
    }
    *my = 0;
    for (size_t r = 0; r < rows; r++)
        *my += y[r];
    *my /= (double)rows;
    double trace = 0;
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++)
            for (size_t r = 0; r < rows; r++)
                G[a * (n + 1) + b] += (X[r * n + a] - mx[a]) * (X[r * n + b] - mx[b]);
        for (size_t r = 0; r < rows; r++)
            G[a * (n + 1) + n] += (X[r * n + a] - mx[a]) * (y[r] - *my);
        trace += G[a * (n + 1) + a];
    }
    for (size_t a = 0; a < n; a++)
        G[a * (n + 1) + a] += rel * trace / (double)n;
    for (size_t p = 0; p < n; p++) {
        double pivot = G[p * (n + 1) + p];
        for (size_t k = p; k <= n; k++)
            G[p * (n + 1) + k] /= pivot;
        for (size_t a = 0; a < n; a++)
            if (a != p) {
                double f = G[a * (n + 1) + p];
                for (size_t k = p; k <= n; k++)
                    G[a * (n + 1) + k] -= f * G[p * (n + 1) + k];
            }
    }
    for (size_t a = 0; a < n; a++)
        beta[a] = G[a * (n + 1) + n];
    free(G);
}

START_TEST(spiking_readout_matches_direct_fit)
{
    hs_job job;
    hs_job_defaults(&job);
    size_t n = 15, rows_train = 1500, rows_test = 500, T = 100 + rows_train + rows_test;
    hs_network net;
    hs_network_random(&net, &job, (int64_t)n, 1);
    one_column c = {.J = 1, .Ju = 1.0, .rho = 0.05};
    for (size_t i = 0; i < n; i++) {
        c.tau[i] = 5 + 2.0 * (double)i;
        c.sd[i] = 1;
    }
    hs_lif *lif = column_lif(&net, &c, 1.0, 0.5);
    double *X = hs_alloc_doubles(T * n), *y = hs_alloc_doubles(T), drive[15], xi[15] = {0};
    for (size_t m = 0; m < T; m++) {
        for (size_t i = 0; i < n; i++)
            drive[i] = net.win[3 * i] * sin(0.05 * (double)m);
        hs_lif_sample(lif, drive, xi, 1);
        memcpy(X + m * n, hs_lif_features(lif), n * sizeof(double));
        y[m] = sin(0.05 * (double)(m - 3)); /* a delayed copy of the drive */
    }
    double lambda = 1e-4;
    hs_readout *ro = hs_readout_new(n, 1);
    for (size_t m = 100; m < 100 + rows_train; m += 250) {
        size_t rows = 100 + rows_train - m < 250 ? 100 + rows_train - m : 250;
        hs_readout_add(ro, HS_SEG_TRAIN, X + m * n, y + m, rows);
    }
    hs_readout_add(ro, HS_SEG_VALIDATION, X + (100 + rows_train) * n, y + 100 + rows_train, 250);
    hs_readout_add(ro, HS_SEG_TEST, X + (100 + rows_train) * n, y + 100 + rows_train, rows_test);
    double score, align;
    int8_t index;
    hs_readout_options opt = {&lambda, 1, 1};
    hs_readout_result rr = {&score, &align, &index, 0};
    ck_assert_int_eq(hs_readout_solve(ro, &opt, &rr), 0);
    double mx[15], my, beta[15];
    ridge_direct(X + 100 * n, y + 100, rows_train, n, lambda, mx, &my, beta);
    double sse = 0, sst = 0, mean = 0;
    const double *Xt = X + (100 + rows_train) * n, *yt = y + 100 + rows_train;
    for (size_t r = 0; r < rows_test; r++)
        mean += yt[r] / (double)rows_test;
    for (size_t r = 0; r < rows_test; r++) {
        double pred = my;
        for (size_t a = 0; a < n; a++)
            pred += (Xt[r * n + a] - mx[a]) * beta[a];
        sse += (pred - yt[r]) * (pred - yt[r]);
        sst += (yt[r] - mean) * (yt[r] - mean);
    }
    double direct = 1 - sse / sst;
    ck_assert_msg(fabs(direct - score) < 1e-9, "accumulated %.12g, direct %.12g", score, direct);
    ck_assert(score > 0.2); /* the spikes carry the signal */
    hs_readout_free(ro);
    hs_lif_free(lif);
    free(X);
    free(y);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* lif.target_rate_hz: after calibration each column's rate over the
 * stretch is the target (within 5%), counts start from zero, and threads give
 * the same biases bitwise. */
START_TEST(calibration_reaches_the_target_rate)
{
    hs_job job;
    hs_job_defaults(&job);
    size_t n = 120, B = 3, samples = 1000;
    hs_network net;
    hs_network_random(&net, &job, (int64_t)n, 5);
    double *tau[3], J[3] = {1, 1, 1}, Ju[3] = {1, 1, 1}, rho[3] = {0.1, 0.1, 0.1};
    double *sd = hs_alloc_doubles(n), *drive = hs_alloc_doubles(samples * n),
           *xi = hs_alloc_doubles(samples * n);
    for (size_t b = 0; b < B; b++) {
        tau[b] = hs_alloc_doubles(n);
        for (size_t i = 0; i < n; i++) /* cv 0, then ever wider spreads around 20 ms */
            tau[b][i] = 20.0 + (double)b * 3.0 * ((double)(i % 7) - 3.0);
    }
    hs_rng rng = hs_rng_noise(4, HS_MODEL_LIF, (int64_t)n, 5);
    hs_rng_normal_fill(&rng, 0, samples * n, xi);
    for (size_t i = 0; i < n; i++)
        sd[i] = 1.0;
    for (size_t m = 0; m < samples; m++)
        for (size_t i = 0; i < n; i++)
            drive[m * n + i] = sin(0.01 * (double)m + 0.7 * (double)i);
    hs_lif_params p = {B, (const double *const *)tau, J, Ju, rho, sd, 1.0, 0.25, 2.0, 5.0,
                       20.0, 0.5, 1};
    hs_lif *one = hs_lif_new(&net, &p);
    p.threads = 3;
    hs_lif *three = hs_lif_new(&net, &p);
    hs_lif_calibrate(one, drive, xi, samples, 15.0);
    hs_lif_calibrate(three, drive, xi, samples, 15.0);
    for (size_t b = 0; b < B; b++) {
        ck_assert(hs_lif_bias(one, b) == hs_lif_bias(three, b));
        hs_lif_counts c;
        hs_lif_counts_of(one, b, &c);
        ck_assert_int_eq(c.spikes, 0);
        ck_assert_int_eq(c.neuron_updates, 0);
    }
    for (size_t m = 0; m < samples; m++) /* replay the stretch: the target rate */
        hs_lif_sample(one, drive + m * n, xi + m * n, 1);
    for (size_t b = 0; b < B; b++) {
        hs_lif_counts c;
        hs_lif_counts_of(one, b, &c);
        double rate = (double)c.spikes / ((double)n * (double)samples / 1000.0);
        ck_assert_msg(fabs(rate - 15.0) < 0.75, "column %zu: %g Hz at bias %g", b, rate,
                      hs_lif_bias(one, b));
        free(tau[b]);
    }
    hs_lif_free(one);
    hs_lif_free(three);
    free(sd);
    free(drive);
    free(xi);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

START_TEST(cost_formulas_on_constructed_counters)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_lif_usage u = {100, 1000, 882, 30500, 30.5, 5000, 120000, 12000000};
    double costs[HS_N_COSTS];
    hs_costs_lif(&job, &u, costs);
    ck_assert(costs[HS_COST_SIM_FLOPS] == 2.0 * 120000 + 20.0 * 12000000 + 6.0 * 100 * 30500);
    ck_assert(costs[HS_COST_INFERENCE_FLOPS] == 2.0 * 101 * 882 * 30500);
    ck_assert(costs[HS_COST_MEMORY_BYTES] == 1000.0 * 12 + 101 * 8 + 2400 + 2400);
    ck_assert(fabs(costs[HS_COST_ATP] - (100 * 30.5 * 3.42e8 + 5000 * 3.84e8 + 120000 * 1.64e5)) <
              1e-3 * costs[HS_COST_ATP] * 1e-12 + 1);
    ck_assert(costs[HS_COST_LOIHI2_J] == 120000 * 23.6e-12 + 5000 * 1.7e-12 + 12000000 * 52.0e-12);
    ck_assert(costs[HS_COST_SPINNAKER2_J] ==
              120000 * 10.0e-12 + 5000 * 10.0e-12 + 12000000 * 20.0e-12);
    job.costs.loihi2.static_w = 0.5;
    ck_assert(hs_platform_energy(&job.costs.loihi2, &u) ==
              costs[HS_COST_LOIHI2_J] + 0.5 * 30.5);
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("lif");
    TCase *tc = tcase_create("lif");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, single_neuron_rate_matches_theory);
    tcase_add_test(tc, no_spike_below_threshold);
    tcase_add_test(tc, refractory_period_respected);
    tcase_add_test(tc, no_recurrence_equals_independent_neurons);
    tcase_add_test(tc, one_connection_one_event_per_spike);
    tcase_add_test(tc, columns_independent_of_batch);
    tcase_add_test(tc, spiking_readout_matches_direct_fit);
    tcase_add_test(tc, cost_formulas_on_constructed_counters);
    tcase_add_test(tc, calibration_reaches_the_target_rate);
    suite_add_tcase(s, tc);
    return s;
}
