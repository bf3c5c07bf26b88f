/* network.h - connectivity of one unit: sparse W (CSR, rows postsynaptic) and
 * input weights Win (N x 3), drawn at unit gain (SPEC 1.3), or read from a
 * cube written with output.store_networks (SPEC 3).
 *
 * Every entry is drawn by its index from a stream keyed by (job seed,
 * purpose, n, seed), so rate and LIF units of one (n, seed) share W and Win.
 */
#ifndef HETSWEEP_NETWORK_H
#define HETSWEEP_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"

typedef struct {
    size_t n;
    size_t nnz;
    int64_t *indptr;  /* n + 1 */
    int32_t *indices; /* nnz, presynaptic neuron, ascending within a row */
    double *data;     /* nnz */
    double *win;      /* n x 3, row-major */
} hs_network;

/* Draw W and Win for (n, seed) with the job's connectivity and weight rule. */
void hs_network_random(hs_network *net, const hs_job *job, int64_t n, int64_t seed);

/* Take ownership of arrays read from a file, checking them (indices in range
 * and ascending, finite values, indptr monotone). indices and data must hold
 * indptr[n] values (the caller checks that against the file). `where` names
 * the source in messages. On failure the arrays are freed. */
int hs_network_adopt(hs_network *net, size_t n, int64_t *indptr, int32_t *indices, double *data,
                     double *win, const char *where, hs_error *err);

void hs_network_free(hs_network *net);

/* out[i] = sum_j Win[i][j] u[j] for one stimulus sample u (3 values). */
void hs_network_drive(const hs_network *net, const double *u, double *out);

/* Y (n x batch, row-major) = W * X (n x batch, row-major). The sum for each
 * element runs over the row's nonzeros in stored order, so every column's
 * arithmetic is independent of the batch width. */
void hs_network_spmm(const hs_network *net, const double *X, size_t batch, double *Y);

#endif
