/* jobfiles.c - the files a job names, for the unit context: the model layer
 * draws from the values and networks handed to it and never opens a file. */
#include "hetsweep/jobfiles.h"

#include "hetsweep/netfile.h"
#include "hetsweep/taufile.h"

static int read_network(void *path, int model, int64_t n, int64_t seed, hs_network *net,
                        hs_error *err)
{
    return hs_netfile_read_network(path, model, n, seed, net, err);
}

static int read_tau(void *path, int model, int64_t n, int64_t seed, int profile, double cv,
                    double mean, double *tau, hs_error *err)
{
    return hs_netfile_read_tau(path, model, n, seed, profile, cv, mean, tau, err);
}

int hs_jobfiles_attach(hs_context *ctx, hs_error *err)
{
    const hs_job *job = ctx->job;
    if (job->network.source == HS_SOURCE_FILE)
        ctx->stored = (hs_stored_inputs){read_network, read_tau, job->network.source_file};
    if (job->network.tau_file)
        return hs_tau_read_file(job->network.tau_file, &ctx->tau_file, &ctx->n_tau_file, err);
    return HS_OK;
}
