/* dynamics.c - dispatch to the rate or LIF model, and their measures. */
#include "hetsweep/dynamics.h"

#include <math.h>
#include <stdlib.h>

#include "hetsweep/lif.h"
#include "hetsweep/measures.h"
#include "hetsweep/rate.h"

struct hs_dynamics {
    int model;
    const hs_job *job;
    const hs_network *net;
    size_t batch;
    hs_rate *rate;
    hs_lif *lif;
};

hs_dynamics *hs_dynamics_new(int model, const hs_job *job, const hs_network *net,
                             const hs_dynamics_params *p)
{
    hs_dynamics *dyn = hs_xcalloc(1, sizeof *dyn);
    dyn->model = model;
    dyn->job = job;
    dyn->net = net;
    dyn->batch = p->batch;
    if (model == HS_MODEL_LIF) {
        hs_lif_params lp = {p->batch,         p->tau,
                            p->recurrent_gain, p->input_gain,
                            p->noise,          p->input_sd,
                            job->time.dt_ms,   job->lif.dt_ms,
                            job->lif.refractory_ms, job->lif.tau_syn_ms,
                            job->lif.tau_readout_ms, job->lif.bias,
                            p->threads};
        dyn->lif = hs_lif_new(net, &lp);
    } else {
        hs_rate_params rp = {p->batch,          p->tau,     p->recurrent_gain,
                             p->input_gain,     p->noise,   p->input_sd,
                             job->time.dt_ms,   job->network.activation, p->threads};
        dyn->rate = hs_rate_new(net, &rp);
    }
    return dyn;
}

void hs_dynamics_free(hs_dynamics *dyn)
{
    if (!dyn)
        return;
    hs_rate_free(dyn->rate);
    hs_lif_free(dyn->lif);
    free(dyn);
}

void hs_dynamics_sample(hs_dynamics *dyn, const double *drive, const double *xi,
                        int after_washout)
{
    if (dyn->lif) {
        hs_lif_sample(dyn->lif, drive, xi, after_washout);
        return;
    }
    hs_rate_step(dyn->rate, drive, xi, after_washout);
}

void hs_dynamics_calibrate(hs_dynamics *dyn, const double *drive, const double *xi,
                           size_t samples)
{
    if (dyn->lif && !isnan(dyn->job->lif.target_rate_hz))
        hs_lif_calibrate(dyn->lif, drive, xi, samples, dyn->job->lif.target_rate_hz);
}

int hs_dynamics_worth_threads(const hs_dynamics *dyn)
{
    return dyn->lif ? dyn->batch > 1 : hs_rate_worth_threads(dyn->rate);
}

int hs_dynamics_needs_calibration(const hs_dynamics *dyn)
{
    return dyn->lif && !isnan(dyn->job->lif.target_rate_hz);
}

const double *hs_dynamics_features(const hs_dynamics *dyn)
{
    return dyn->lif ? hs_lif_features(dyn->lif) : hs_rate_features(dyn->rate);
}

void hs_dynamics_layout(const hs_dynamics *dyn, size_t *neuron_stride, size_t *column_stride)
{
    if (dyn->lif) { /* batch x N */
        *neuron_stride = 1;
        *column_stride = dyn->net->n;
    } else { /* N x stride */
        *neuron_stride = hs_rate_stride(dyn->rate);
        *column_stride = 1;
    }
}

static void record_lif(const hs_dynamics *dyn, size_t b, double seconds, double post_seconds,
                       size_t n_tasks, size_t n_samples, hs_column_result *res)
{
    hs_lif_counts c;
    hs_lif_counts_of(dyn->lif, b, &c);
    double n = (double)dyn->net->n;
    res->counters[HS_COUNT_NEURON_UPDATES] = c.neuron_updates;
    res->counters[HS_COUNT_SPIKES] = c.spikes;
    res->counters[HS_COUNT_SYNAPTIC_EVENTS] = c.synaptic_events;
    res->activity[HS_ACTIVITY_MEAN_RATE_HZ] =
        post_seconds > 0 ? (double)c.spikes_after_washout / (n * post_seconds) : NAN;
    res->activity[HS_ACTIVITY_MAX_RATE_HZ] =
        post_seconds > 0 ? (double)c.max_neuron_spikes_after_washout / post_seconds : NAN;
    res->activity[HS_ACTIVITY_SILENT_FRACTION] = (double)c.silent_neurons / n;
    res->activity[HS_ACTIVITY_LIF_BIAS] = hs_lif_bias(dyn->lif, b);
    hs_lif_usage usage = {dyn->net->n, dyn->net->nnz, n_tasks, n_samples, seconds,
                          c.spikes, c.synaptic_events, c.neuron_updates};
    hs_costs_lif(dyn->job, &usage, res->costs);
}

void hs_dynamics_record(const hs_dynamics *dyn, size_t b, size_t n_samples, size_t washout,
                        size_t n_tasks, hs_column_result *res)
{
    double sample_s = dyn->job->time.dt_ms / 1000.0;
    size_t post = n_samples - washout;
    res->simulated_seconds = (double)n_samples * sample_s;
    if (dyn->lif) {
        record_lif(dyn, b, res->simulated_seconds, (double)post * sample_s, n_tasks, n_samples,
                   res);
        return;
    }
    size_t n = dyn->net->n;
    res->counters[HS_COUNT_NEURON_UPDATES] = (int64_t)(n * n_samples);
    res->activity[HS_ACTIVITY_SATURATED_FRACTION] =
        post > 0 ? (double)hs_rate_saturated(dyn->rate, b) / ((double)n * (double)post) : NAN;
    hs_costs_rate(dyn->job, n, dyn->net->nnz, n_tasks, n_samples, res->costs);
}
