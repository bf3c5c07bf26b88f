/* job_digest.c - SHA-256 of the contents of a job's input files (job_digest.h).
 *
 * The files are read through their own readers (tau.h, netfile.h), so the
 * digest covers exactly the values a run uses. A source cube's data is hashed
 * piece by piece (one array at a time, to bound memory) and the digest is the
 * SHA-256 of the pieces' digests in a fixed order.
 */
#include "hetsweep/job_digest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/netfile.h"
#include "hetsweep/network.h"
#include "hetsweep/sha256.h"
#include "hetsweep/taufile.h"

/* "<job>:<line>: <key>: <what went wrong>" (the key once: netfile.c's
 * messages begin with it). */
static int refuse_file(const hs_job *job, const char *key, const hs_error *inner,
                       hs_error *err)
{
    bool named = strncmp(inner->msg, key, strlen(key)) == 0;
    return hs_fail(err, inner->status == HS_OK ? HS_ERR_INPUT : inner->status,
                   "%s:%d: %s%s%s", job->path ? job->path : "(job)", hs_job_line(job, key),
                   named ? "" : key, named ? "" : ": ", inner->msg);
}

static int digest_tau_file(const hs_job *job, char hex[65], hs_error *err)
{
    double *values = NULL;
    size_t count = 0;
    hs_error inner;
    hs_error_clear(&inner);
    int status = hs_tau_read_file(job->network.tau_file, &values, &count, &inner);
    if (status != HS_OK)
        return refuse_file(job, "network.tau_file", &inner, err);
    hs_sha256_hex(values, count * sizeof *values, hex);
    free(values);
    return HS_OK;
}

/* The digests of the pieces, one after another (64 hex digits each). */
typedef struct {
    char *hexes;
    size_t length;
} digest_chain;

static void chain_add(digest_chain *chain, const void *data, size_t bytes)
{
    char hex[65];
    hs_sha256_hex(data, bytes, hex);
    chain->hexes = hs_xrealloc(chain->hexes, chain->length + 64);
    memcpy(chain->hexes + chain->length, hex, 64);
    chain->length += 64;
}

static void chain_add_network(digest_chain *chain, const hs_network *net)
{
    chain_add(chain, net->indptr, (net->n + 1) * sizeof *net->indptr);
    chain_add(chain, net->indices, net->nnz * sizeof *net->indices);
    chain_add(chain, net->data, net->nnz * sizeof *net->data);
    chain_add(chain, net->win, net->n * 3 * sizeof *net->win);
}

/* tau of every (profile, heterogeneity, tau_mean_ms) of the sweep for one unit. */
static int chain_add_taus(digest_chain *chain, const hs_job *job, int model, int64_t n,
                          int64_t seed, hs_error *err)
{
    const hs_axis *profiles = &job->axes[HS_AX_PROFILE];
    const hs_axis *cvs = &job->axes[HS_AX_HETEROGENEITY];
    const hs_axis *means = &job->axes[HS_AX_TAU_MEAN];
    double *tau = hs_xmalloc((size_t)n * sizeof *tau);
    int status = HS_OK;
    for (int p = 0; status == HS_OK && p < profiles->count; p++)
        for (int h = 0; status == HS_OK && h < cvs->count; h++)
            for (int m = 0; status == HS_OK && m < means->count; m++) {
                status = hs_netfile_read_tau(job->network.source_file, model, n, seed,
                                             (int)profiles->values[p], cvs->values[h],
                                             means->values[m], tau, err);
                if (status == HS_OK)
                    chain_add(chain, tau, (size_t)n * sizeof *tau);
            }
    free(tau);
    return status;
}

static int chain_add_unit(digest_chain *chain, const hs_job *job, int model, int64_t n,
                          int64_t seed, hs_error *err)
{
    hs_network net = {0};
    int status = hs_netfile_read_network(job->network.source_file, model, n, seed, &net, err);
    if (status == HS_OK)
        chain_add_network(chain, &net);
    hs_network_free(&net);
    if (status == HS_OK)
        status = chain_add_taus(chain, job, model, n, seed, err);
    return status;
}

static int digest_source_file(const hs_job *job, char hex[65], hs_error *err)
{
    const hs_axis *models = &job->axes[HS_AX_MODEL];
    const hs_axis *sizes = &job->axes[HS_AX_N];
    const hs_axis *seeds = &job->axes[HS_AX_SEED];
    digest_chain chain = {0};
    hs_error inner;
    hs_error_clear(&inner);
    int status = HS_OK;
    for (int a = 0; status == HS_OK && a < models->count; a++)
        for (int b = 0; status == HS_OK && b < sizes->count; b++)
            for (int c = 0; status == HS_OK && c < seeds->count; c++)
                status = chain_add_unit(&chain, job, (int)models->values[a],
                                        (int64_t)sizes->values[b], (int64_t)seeds->values[c],
                                        &inner);
    if (status == HS_OK)
        hs_sha256_hex(chain.hexes, chain.length, hex);
    free(chain.hexes);
    return status == HS_OK ? HS_OK : refuse_file(job, "network.source_file", &inner, err);
}

int hs_job_digest_files(const hs_job *job, hs_job_digests *digests, hs_error *err)
{
    memset(digests, 0, sizeof *digests);
    int status = HS_OK;
    if (job->network.tau_file)
        status = digest_tau_file(job, digests->sha256[HS_INPUT_TAU_FILE], err);
    if (status == HS_OK && job->network.source == HS_SOURCE_FILE && job->network.source_file)
        status = digest_source_file(job, digests->sha256[HS_INPUT_SOURCE_FILE], err);
    return status;
}
