/* measures.h - per-network costs computed from counters (SPEC 1.7).
 *
 * Every cost stored in the cube can be recomputed from the stored counters
 * and the job's `costs` keys with these formulas.
 */
#ifndef HETSWEEP_MEASURES_H
#define HETSWEEP_MEASURES_H

#include <stddef.h>

#include "hetsweep/config.h"
#include "hetsweep/results.h"

/* In-silico costs of a rate network of n neurons and nnz synapses simulated
 * for n_samples steps and read out on n_tasks tasks:
 *   sim FLOPs = T (2 nnz + 2*3*N + c N), inference FLOPs = 2 (N+1) n_tasks T,
 *   memory = nnz (8+4) + (N+1) 8 + 3N 8 + 3N 8 bytes.
 * ATP and neuromorphic energies are NaN for rate networks. */
void hs_costs_rate(const hs_job *job, size_t n, size_t nnz, size_t n_tasks, size_t n_samples,
                   double costs[HS_N_COSTS]);

#endif
