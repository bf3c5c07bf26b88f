/* measures.c - cost formulas of SPEC 1.7. */
#include "hetsweep/measures.h"

#include <math.h>

void hs_costs_rate(const hs_job *job, size_t n, size_t nnz, size_t n_tasks, size_t n_samples,
                   double costs[HS_N_COSTS])
{
    double N = (double)n, T = (double)n_samples, c = job->costs.flops_per_neuron_update;
    costs[HS_COST_SIM_FLOPS] = T * (2.0 * (double)nnz + 2.0 * 3.0 * N + c * N);
    costs[HS_COST_INFERENCE_FLOPS] = 2.0 * (N + 1.0) * (double)n_tasks * T;
    costs[HS_COST_MEMORY_BYTES] = (double)nnz * (8 + 4) + (N + 1) * 8 + 3 * N * 8 + 3 * N * 8;
    costs[HS_COST_ATP] = NAN;
    costs[HS_COST_LOIHI2_J] = NAN;
    costs[HS_COST_SPINNAKER2_J] = NAN;
}
