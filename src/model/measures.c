/* measures.c - cost formulas of SPEC 1.7. */
#include "hetsweep/measures.h"

#include <math.h>

/* Bytes of W (CSR values and indices), the readout weights and the input
 * weights and state: the same for both models. */
static double memory_bytes(double n, double nnz)
{
    return nnz * (8 + 4) + (n + 1) * 8 + 3 * n * 8 + 3 * n * 8;
}

static double inference_flops(double n, size_t n_tasks, size_t n_samples)
{
    return 2.0 * (n + 1.0) * (double)n_tasks * (double)n_samples;
}

void hs_costs_rate(const hs_job *job, size_t n, size_t nnz, size_t n_tasks, size_t n_samples,
                   double costs[HS_N_COSTS])
{
    double N = (double)n, T = (double)n_samples, c = job->costs.flops_per_neuron_update;
    costs[HS_COST_SIM_FLOPS] = T * (2.0 * (double)nnz + 2.0 * 3.0 * N + c * N);
    costs[HS_COST_INFERENCE_FLOPS] = inference_flops(N, n_tasks, n_samples);
    costs[HS_COST_MEMORY_BYTES] = memory_bytes(N, (double)nnz);
    costs[HS_COST_ATP] = NAN;
    costs[HS_COST_LOIHI2_J] = NAN;
    costs[HS_COST_SPINNAKER2_J] = NAN;
}

double hs_platform_energy(const hs_platform_costs *p, const hs_lif_usage *u)
{
    return (double)u->synaptic_events * p->synop_j + (double)u->spikes * p->spike_j +
           (double)u->neuron_updates * p->update_j + p->static_w * u->seconds;
}

void hs_costs_lif(const hs_job *job, const hs_lif_usage *u, double costs[HS_N_COSTS])
{
    double N = (double)u->n, c = job->costs.flops_per_neuron_update;
    costs[HS_COST_SIM_FLOPS] = 2.0 * (double)u->synaptic_events + c * (double)u->neuron_updates +
                               2.0 * 3.0 * N * (double)u->n_samples;
    costs[HS_COST_INFERENCE_FLOPS] = inference_flops(N, u->n_tasks, u->n_samples);
    costs[HS_COST_MEMORY_BYTES] = memory_bytes(N, (double)u->nnz);
    costs[HS_COST_ATP] = N * u->seconds * job->costs.atp_rest_per_neuron_s +
                         (double)u->spikes * job->costs.atp_spike +
                         (double)u->synaptic_events * job->costs.atp_event;
    costs[HS_COST_LOIHI2_J] = hs_platform_energy(&job->costs.loihi2, u);
    costs[HS_COST_SPINNAKER2_J] = hs_platform_energy(&job->costs.spinnaker2, u);
}
