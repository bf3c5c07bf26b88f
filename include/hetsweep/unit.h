/* unit.h - computing one work item: a unit's network, its columns' time
 * constants, the batched simulation in time chunks, the readout and the
 * per-network measures (DESIGN "per unit" data flow).
 */
#ifndef HETSWEEP_UNIT_H
#define HETSWEEP_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/network.h"
#include "hetsweep/plan.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/tau.h"

/* Networks and time constants read from network.source_file. The sweep layer
 * installs a reader (netfile.h, through jobfiles.h); this layer never opens a
 * file. Each returns an hs_status. */
typedef struct {
    int (*network)(void *arg, int model, int64_t n, int64_t seed, hs_network *net,
                   hs_error *err);
    int (*tau)(void *arg, int model, int64_t n, int64_t seed, int profile, double cv,
               double mean, double *tau, hs_error *err);
    void *arg;
} hs_stored_inputs;

/* Called between time chunks and between solved columns, from the thread that
 * called hs_unit_run (rank 0 answers the scheduler's requests there). */
typedef struct {
    void (*fn)(void *arg);
    void *arg;
} hs_poll;

/* Read-only inputs shared by every work item of a process. */
typedef struct {
    const hs_job *job;
    const hs_stimulus *stimulus;
    const hs_tasks *tasks;
    const hs_windows *windows;
    double *lambdas;        /* relative ridge grid, readout.lambdas */
    double *tau_file;       /* values of network.tau_file (owned), or NULL */
    size_t n_tau_file;
    hs_stored_inputs stored; /* network.source: file; zero otherwise */
    int threads;            /* OpenMP threads of a work item (run.threads_per_rank) */
} hs_context;

/* Fill the parts of a context derived from the job (lambdas). The files the
 * job names are attached by the caller (jobfiles.h). */
void hs_context_init(hs_context *ctx, const hs_job *job, const hs_stimulus *stim,
                     const hs_tasks *tasks, const hs_windows *windows);
void hs_context_free(hs_context *ctx);

/* The unit's network: drawn, or read from network.source_file. */
int hs_unit_network(const hs_context *ctx, int unit, hs_network *net, hs_error *err);

/* Every time constant of a unit, [profile, heterogeneity, tau_mean, N] (NaN
 * rows where infeasible), as /networks/<unit>/tau stores them; n is the
 * unit's N. Returns NULL with *status set on a read error. */
double *hs_unit_taus(const hs_context *ctx, int unit, size_t n, int *status, hs_error *err);

/* Time constants of (unit, profile, heterogeneity, tau_mean) indices into
 * tau (n values). From network.source_file when the job says so. Returns
 * HS_OK or HS_NO_VALUE (or an hs_status on a read error). */
int hs_unit_tau(const hs_context *ctx, int unit, int profile_i, int heterogeneity_i,
                int tau_mean_i, double *tau, hs_tau_moments *moments, hs_error *err);

/* Compute a work item. out must be initialised with hs_item_result_init.
 * poll may be NULL. */
int hs_unit_run(const hs_context *ctx, const hs_work_item *item, const hs_poll *poll,
                hs_item_result *out, hs_error *err);

#endif
