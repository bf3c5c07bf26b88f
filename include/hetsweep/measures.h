/* measures.h - per-network costs computed from counters (SPEC 1.7).
 *
 * Every cost stored in the cube can be recomputed from the stored counters
 * and the job's `costs` keys with these formulas (the README's cost table
 * gives them with the sources of the constants).
 */
#ifndef HETSWEEP_MEASURES_H
#define HETSWEEP_MEASURES_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/results.h"

/* In-silico costs of a rate network of n neurons and nnz synapses simulated
 * for n_samples steps and read out on n_tasks tasks:
 *   sim FLOPs = T (2 nnz + 2*3*N + c N), inference FLOPs = 2 (N+1) n_tasks T,
 *   memory = nnz (8+4) + (N+1) 8 + 3N 8 + 3N 8 bytes.
 * ATP and neuromorphic energies are NaN for rate networks. */
void hs_costs_rate(const hs_job *job, size_t n, size_t nnz, size_t n_tasks, size_t n_samples,
                   double costs[HS_N_COSTS]);

/* What a LIF network used (counts include the washout). */
typedef struct {
    size_t n, nnz, n_tasks, n_samples;
    double seconds; /* simulated */
    int64_t spikes, synaptic_events, neuron_updates;
} hs_lif_usage;

/* Costs of a LIF network:
 *   sim FLOPs = 2 events + c updates + 2*3*N T   (event-driven in silico),
 *   inference FLOPs and memory as for rate networks,
 *   ATP = N seconds atp.rest + spikes atp.spike + events atp.event,
 *   energy(platform) = events synop_j + spikes spike_j + updates update_j
 *                      + static_w seconds, for loihi2 and spinnaker2. */
void hs_costs_lif(const hs_job *job, const hs_lif_usage *usage, double costs[HS_N_COSTS]);

/* Energy on one neuromorphic platform. */
double hs_platform_energy(const hs_platform_costs *platform, const hs_lif_usage *usage);

#endif
