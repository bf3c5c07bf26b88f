/* lif.c - batched, event-driven leaky integrate-and-fire steps.
 *
 * A unit's columns share W and the stimulus but nothing else, so each column
 * advances on its own: state arrays are B x N (column b's neurons
 * contiguous, loops unit-stride) and the columns are shared among the OpenMP
 * threads. A spike is counted, with its out-degree of synaptic events, when
 * it is emitted (the last step's spikes included); it is delivered at the
 * next step. */
#include "hetsweep/lif.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "hetsweep/error.h"

struct hs_lif {
    size_t n, batch;
    int steps_per_sample, refractory_steps;
    /* W by columns (presynaptic neuron j -> its targets), for event delivery */
    int64_t *col_ptr;
    int32_t *col_rows;
    double *col_values;
    double syn_decay, readout_decay;
    double step_ms;
    double *bias;        /* B: lif.bias, or each column's calibrated bias */
    int threads;
    double *decay;       /* e^{-dt/tau_i}, B x N */
    double *noise_scale; /* sqrt(rho) J_u sigma_i, B x N */
    double *J, *Ju;      /* B */
    double *v, *syn, *q; /* B x N */
    double *held;        /* B x N: the input held over a sample */
    int64_t *refractory; /* B x N: steps left */
    int64_t *fired;      /* B x N: 1 if spiked at the last step (64 bits, as the
                          * doubles beside it: the update's lanes are all one width) */
    int32_t *spiked;     /* B lists of neurons that spiked at the last step */
    size_t *n_spiked;    /* B */
    int64_t *spikes_after_washout; /* B x N */
    int64_t *spikes, *events, *updates; /* B */
};

/* The transpose of W's CSR: column j lists the postsynaptic targets of j. */
static void build_columns(hs_lif *lif, const hs_network *net)
{
    size_t n = net->n;
    lif->col_ptr = hs_xcalloc(n + 1, sizeof(int64_t));
    lif->col_rows = hs_xmalloc((net->nnz ? net->nnz : 1) * sizeof(int32_t));
    lif->col_values = hs_alloc_doubles(net->nnz);
    for (size_t e = 0; e < net->nnz; e++)
        lif->col_ptr[net->indices[e] + 1]++;
    for (size_t j = 0; j < n; j++)
        lif->col_ptr[j + 1] += lif->col_ptr[j];
    int64_t *fill = hs_xmalloc((n ? n : 1) * sizeof(int64_t));
    memcpy(fill, lif->col_ptr, n * sizeof(int64_t));
    for (size_t i = 0; i < n; i++) /* rows ascending, so each column's targets ascend */
        for (int64_t e = net->indptr[i]; e < net->indptr[i + 1]; e++) {
            int64_t at = fill[net->indices[e]]++;
            lif->col_rows[at] = (int32_t)i;
            lif->col_values[at] = net->data[e];
        }
    free(fill);
}

hs_lif *hs_lif_new(const hs_network *net, const hs_lif_params *p)
{
    hs_lif *lif = hs_xcalloc(1, sizeof *lif);
    size_t n = net->n, B = p->batch;
    lif->n = n;
    lif->batch = B;
    lif->steps_per_sample = (int)lround(p->sample_ms / p->step_ms);
    lif->refractory_steps = (int)lround(p->refractory_ms / p->step_ms);
    lif->syn_decay = exp(-p->step_ms / p->tau_syn_ms);
    lif->readout_decay = exp(-p->step_ms / p->tau_readout_ms);
    lif->step_ms = p->step_ms;
    lif->bias = hs_alloc_doubles(B);
    for (size_t b = 0; b < B; b++)
        lif->bias[b] = p->bias;
    lif->threads = p->threads > 0 ? p->threads : 1;
    build_columns(lif, net);
    lif->decay = hs_alloc_doubles(n * B);
    lif->noise_scale = hs_alloc_doubles(n * B);
    lif->J = hs_alloc_doubles(B);
    lif->Ju = hs_alloc_doubles(B);
    lif->v = hs_alloc_doubles(n * B);
    lif->syn = hs_alloc_doubles(n * B);
    lif->q = hs_alloc_doubles(n * B);
    lif->held = hs_alloc_doubles(n * B);
    lif->refractory = hs_xcalloc(n * B, sizeof(int64_t));
    lif->fired = hs_xcalloc(n * B, sizeof(int64_t));
    lif->spiked = hs_xcalloc(n * B, sizeof(int32_t));
    lif->n_spiked = hs_xcalloc(B, sizeof(size_t));
    lif->spikes_after_washout = hs_xcalloc(n * B, sizeof(int64_t));
    lif->spikes = hs_xcalloc(B, sizeof(int64_t));
    lif->events = hs_xcalloc(B, sizeof(int64_t));
    lif->updates = hs_xcalloc(B, sizeof(int64_t));
    for (size_t b = 0; b < B; b++) {
        lif->J[b] = p->recurrent_gain[b];
        lif->Ju[b] = p->input_gain[b];
        double noise_amp = sqrt(p->noise[b]) * p->input_gain[b];
        for (size_t i = 0; i < n; i++) {
            lif->decay[b * n + i] = exp(-p->step_ms / p->tau[b][i]);
            lif->noise_scale[b * n + i] = noise_amp * p->input_sd[i];
        }
    }
    return lif;
}

void hs_lif_free(hs_lif *lif)
{
    if (!lif)
        return;
    free(lif->col_ptr);
    free(lif->col_rows);
    free(lif->col_values);
    free(lif->bias);
    free(lif->decay);
    free(lif->noise_scale);
    free(lif->J);
    free(lif->Ju);
    free(lif->v);
    free(lif->syn);
    free(lif->q);
    free(lif->held);
    free(lif->refractory);
    free(lif->fired);
    free(lif->spiked);
    free(lif->n_spiked);
    free(lif->spikes_after_washout);
    free(lif->spikes);
    free(lif->events);
    free(lif->updates);
    free(lif);
}

/* Step 1: decay the synaptic input, then deliver last step's spikes. */
static void deliver_spikes(hs_lif *lif, size_t b)
{
    double *restrict syn = lif->syn + b * lif->n;
    const double decay = lif->syn_decay;
#pragma omp simd
    for (size_t i = 0; i < lif->n; i++)
        syn[i] *= decay;
    const int32_t *spiked = lif->spiked + b * lif->n;
    for (size_t s = 0; s < lif->n_spiked[b]; s++) {
        int32_t j = spiked[s];
        for (int64_t e = lif->col_ptr[j]; e < lif->col_ptr[j + 1]; e++)
            syn[lif->col_rows[e]] += lif->col_values[e];
    }
    lif->n_spiked[b] = 0;
}

/* Steps 2-4 for one column, branch free so that it vectorises: the leak
 * update of every neuron not refractory, the threshold, the reset and the
 * readout trace; spikes are marked in `fired`. Returns the updates made. */
static long update_neurons(hs_lif *lif, size_t b, const double *restrict held)
{
    const size_t n = lif->n, base = b * n;
    double *restrict v = lif->v + base, *restrict q = lif->q + base;
    const double *restrict syn = lif->syn + base, *restrict decay = lif->decay + base;
    int64_t *restrict refractory = lif->refractory + base;
    int64_t *restrict fired = lif->fired + base;
    const double J = lif->J[b], readout_decay = lif->readout_decay;
    const int64_t refractory_steps = lif->refractory_steps;
    int64_t updates = 0;
#pragma omp simd reduction(+ : updates)
    for (size_t i = 0; i < n; i++) {
        const int64_t free_to_move = refractory[i] <= 0;
        const double I = J * syn[i] + held[i];
        const double stepped = I + (v[i] - I) * decay[i];
        const int64_t spike = free_to_move & (stepped >= 1.0);
        v[i] = spike ? 0.0 : free_to_move ? stepped : v[i];
        refractory[i] = spike ? refractory_steps : refractory[i] - (1 - free_to_move);
        q[i] = q[i] * readout_decay + (double)spike;
        fired[i] = spike;
        updates += free_to_move;
    }
    return updates;
}

/* Steps 2-5 for one column: update, then list and count this step's spikes
 * (with their out-degree of synaptic events) for delivery at the next. */
static void integrate(hs_lif *lif, size_t b, const double *held, int after_washout)
{
    const size_t n = lif->n, base = b * n;
    lif->updates[b] += update_neurons(lif, b, held);
    const int64_t *fired = lif->fired + base;
    int32_t *spiked = lif->spiked + base;
    size_t count = 0;
    int64_t events = 0;
    for (size_t i = 0; i < n; i++) {
        if (!fired[i])
            continue;
        spiked[count++] = (int32_t)i;
        events += lif->col_ptr[i + 1] - lif->col_ptr[i];
        lif->spikes_after_washout[base + i] += after_washout;
    }
    lif->n_spiked[b] = count;
    lif->spikes[b] += (int64_t)count;
    lif->events[b] += events;
}

static void sample_column(hs_lif *lif, size_t b, const double *drive, const double *xi,
                          int after_washout)
{
    size_t n = lif->n;
    double *held = lif->held + b * n;
    const double *noise_scale = lif->noise_scale + b * n;
    const double Ju = lif->Ju[b], bias = lif->bias[b];
    for (size_t i = 0; i < n; i++) /* J_u Win u_m + bias + eta_m */
        held[i] = (Ju * drive[i] + bias) + noise_scale[i] * xi[i];
    for (int k = 0; k < lif->steps_per_sample; k++) {
        deliver_spikes(lif, b);
        integrate(lif, b, held, after_washout);
    }
}

/* The columns shared out among the members of a team (a barrier ends it). */
static void sample_in_team(hs_lif *lif, const double *drive, const double *xi, int after_washout)
{
    long B = (long)lif->batch;
#pragma omp for schedule(static, 1)
    for (long b = 0; b < B; b++)
        sample_column(lif, (size_t)b, drive, xi, after_washout);
}

void hs_lif_sample(hs_lif *lif, const double *drive, const double *xi, int after_washout)
{
#ifdef _OPENMP
    int threads = lif->threads < (int)lif->batch ? lif->threads : (int)lif->batch;
    if (!omp_in_parallel() && threads > 1) {
#pragma omp parallel num_threads(threads)
        sample_in_team(lif, drive, xi, after_washout);
        return;
    }
#endif
    sample_in_team(lif, drive, xi, after_washout);
}

/* Column b back to its state before the first sample, counters included. */
static void reset_column(hs_lif *lif, size_t b)
{
    size_t n = lif->n, base = b * n;
    for (size_t i = 0; i < n; i++) {
        lif->v[base + i] = lif->syn[base + i] = lif->q[base + i] = 0.0;
        lif->refractory[base + i] = 0;
        lif->spikes_after_washout[base + i] = 0;
    }
    lif->n_spiked[b] = 0;
    lif->spikes[b] = lif->events[b] = lif->updates[b] = 0;
}

/* Mean rate (Hz per neuron) of column b over the stretch at a given bias,
 * from the state before the first sample. */
static double stretch_rate(hs_lif *lif, size_t b, double bias, const double *drive,
                           const double *xi, size_t samples)
{
    size_t n = lif->n;
    reset_column(lif, b);
    lif->bias[b] = bias;
    for (size_t m = 0; m < samples; m++)
        sample_column(lif, b, drive + m * n, xi + m * n, 0);
    double seconds = (double)samples * lif->steps_per_sample * lif->step_ms / 1000.0;
    return (double)lif->spikes[b] / ((double)n * seconds);
}

/* Bisection with a fixed number of halvings (so the result is a pure
 * function of the inputs): the rate grows with the bias. */
static void calibrate_column(hs_lif *lif, size_t b, const double *drive, const double *xi,
                             size_t samples, double target_hz)
{
    double lo = HS_LIF_BIAS_LO, hi = HS_LIF_BIAS_HI;
    for (int k = 0; k < HS_LIF_CALIBRATION_HALVINGS; k++) {
        double mid = 0.5 * (lo + hi);
        if (stretch_rate(lif, b, mid, drive, xi, samples) < target_hz)
            lo = mid;
        else
            hi = mid;
    }
    reset_column(lif, b);
    lif->bias[b] = 0.5 * (lo + hi);
}

void hs_lif_calibrate(hs_lif *lif, const double *drive, const double *xi, size_t samples,
                      double target_hz)
{
    long B = (long)lif->batch;
    int threads = lif->threads < B ? lif->threads : (int)B;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static, 1)
    for (long b = 0; b < B; b++)
        calibrate_column(lif, (size_t)b, drive, xi, samples, target_hz);
}

double hs_lif_bias(const hs_lif *lif, size_t column)
{
    return lif->bias[column];
}

const double *hs_lif_features(const hs_lif *lif)
{
    return lif->q;
}

const double *hs_lif_potentials(const hs_lif *lif)
{
    return lif->v;
}

void hs_lif_counts_of(const hs_lif *lif, size_t b, hs_lif_counts *c)
{
    memset(c, 0, sizeof *c);
    c->spikes = lif->spikes[b];
    c->synaptic_events = lif->events[b];
    c->neuron_updates = lif->updates[b];
    for (size_t i = 0; i < lif->n; i++) {
        int64_t s = lif->spikes_after_washout[b * lif->n + i];
        c->spikes_after_washout += s;
        if (s > c->max_neuron_spikes_after_washout)
            c->max_neuron_spikes_after_washout = s;
        c->silent_neurons += s == 0;
    }
}
