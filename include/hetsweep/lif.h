/* lif.h - leaky integrate-and-fire dynamics for a batch of columns (SPEC 1.4).
 *
 * Per LIF step (lif.dt_ms, dividing time.dt_ms exactly), for column b and
 * neuron i:
 *   1. synaptic input: syn <- syn e^{-dt/tau_syn} + W (spikes of the last step)
 *      (syn = W s, kept directly; a spike of neuron j adds column j of W to
 *      its targets, so the cost follows spikes, not N^2)
 *   2. I = J syn + J_u (Win u_m) + bias + eta_m  (u and eta held over sample m)
 *   3. not refractory: v <- I + (v - I) e^{-dt/tau_i}  (exact integration)
 *   4. v >= 1: spike, v = 0, refractory for round(t_ref/dt) further steps
 *   5. readout trace q <- q e^{-dt/tau_readout} + spike
 * The feature row of sample m is q after the last step of the sample. The
 * state is B x N (column b's neurons contiguous); each column's arithmetic is
 * independent of the others in its batch and of the thread that runs it.
 */
#ifndef HETSWEEP_LIF_H
#define HETSWEEP_LIF_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/network.h"

typedef struct hs_lif hs_lif;

typedef struct {
    size_t batch;
    const double *const *tau;     /* batch pointers to N membrane time constants (ms) */
    const double *recurrent_gain; /* batch */
    const double *input_gain;     /* batch */
    const double *noise;          /* batch: rho */
    const double *input_sd;       /* N: sigma_i */
    double sample_ms;             /* time.dt_ms: one readout sample */
    double step_ms;               /* lif.dt_ms */
    double refractory_ms, tau_syn_ms, tau_readout_ms, bias;
    int threads;                  /* OpenMP threads sharing the columns (0 or 1: one) */
} hs_lif_params;

/* Counts of one column, washout included unless said otherwise. */
typedef struct {
    int64_t spikes, synaptic_events, neuron_updates;
    int64_t spikes_after_washout;
    int64_t max_neuron_spikes_after_washout; /* of the busiest neuron */
    int64_t silent_neurons;                   /* no spike after washout */
} hs_lif_counts;

hs_lif *hs_lif_new(const hs_network *net, const hs_lif_params *params);
void hs_lif_free(hs_lif *lif);

/* Advance one readout sample (sample_ms / step_ms LIF steps). drive = Win u_m
 * (N), xi = standard normals (N) for eta_m. after_washout says whether spikes
 * count towards the rates. */
/* Called by every thread of an OpenMP team, the team shares the columns (and
 * the call ends with a barrier); called outside a team, it makes one of
 * `threads` threads (at most one per column). */
void hs_lif_sample(hs_lif *lif, const double *drive, const double *xi, int after_washout);

/* q, batch x N: the features of the last sample (column b, neuron i at
 * [b * N + i]). */
const double *hs_lif_features(const hs_lif *lif);

/* Membrane potentials, batch x N (for tests). */
const double *hs_lif_potentials(const hs_lif *lif);

void hs_lif_counts_of(const hs_lif *lif, size_t column, hs_lif_counts *counts);

/* lif.target_rate_hz: before the first sample, set each column's bias so that
 * its mean rate over a calibration stretch (`samples` readout samples of
 * drive and xi, each samples x N, from the state before the first sample)
 * equals target_hz: a bisection over [HS_LIF_BIAS_LO, HS_LIF_BIAS_HI] with
 * HS_LIF_CALIBRATION_HALVINGS halvings, deterministic. The columns are then
 * back at their initial state with zero counts. */
#define HS_LIF_BIAS_LO -5.0
#define HS_LIF_BIAS_HI 5.0
#define HS_LIF_CALIBRATION_HALVINGS 20
#define HS_LIF_CALIBRATION_MS 1000.0 /* the stretch: the run's first second */
void hs_lif_calibrate(hs_lif *lif, const double *drive, const double *xi, size_t samples,
                      double target_hz);

/* The bias column b uses (lif.bias, or the calibrated one). */
double hs_lif_bias(const hs_lif *lif, size_t column);

#endif
