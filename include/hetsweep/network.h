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
/* The same for rows [row_begin, row_end) only (out indexed by row). */
void hs_network_drive_rows(const hs_network *net, const double *u, size_t row_begin,
                           size_t row_end, double *out);

/* The padded width of a batch of columns: 1, 2, 4, 8, 12, 16, then
 * multiples of 16. State arrays of a batch have this many columns; the
 * padding columns compute harmless values nobody reads. */
size_t hs_batch_stride(size_t batch);

/* Rows [row_begin, row_end) of Y = W * X: X is n x stride row-major (the
 * stride from hs_batch_stride), Y holds only those rows (row i at
 * Y + (i - row_begin) * stride). The sum for each element runs over the row's
 * nonzeros in stored order, so every column's arithmetic is independent of
 * the batch width and of how rows are split among threads. */
void hs_network_spmm_rows(const hs_network *net, const double *X, size_t stride,
                          size_t row_begin, size_t row_end, double *Y);

/* All rows: Y = W * X. */
void hs_network_spmm(const hs_network *net, const double *X, size_t stride, double *Y);

/* W's rows in groups of four, copied group by group: first the rows' first
 * `common` nonzeros interleaved (entry k of row r at 4 k + r; common = the
 * group's shortest row), then each row's other nonzeros in order. On
 * AVX-512, for the batch widths 2, 4 and 8: a step reads the four rows'
 * indices in one load (and at width 2 their weights too: one vector holds
 * the four rows' two columns), and a group is one stream of memory.
 * Each element still sums its row's nonzeros in stored order, one multiply
 * and one add each, so the bits are those of hs_network_spmm_rows. */
typedef struct {
    size_t groups;    /* full groups of four rows */
    int64_t *start;   /* [groups + 1]: the group's first entry */
    int64_t *common;  /* [groups]: the group's interleaved nonzeros per row */
    uint16_t *indices; /* [start[groups]]: column indices (n <= 65536) */
    double *data;     /* [start[groups]] */
} hs_row_slabs;

/* 1 when slabs speed up a batch of this stride in this build, for n rows
 * (their indices take 16 bits: n <= 65536). */
int hs_row_slabs_help(size_t stride, size_t n);

/* Empty (zeroed) when n > 65536. */
void hs_row_slabs_make(hs_row_slabs *slabs, const hs_network *net);
void hs_row_slabs_free(hs_row_slabs *slabs);

/* hs_network_spmm_rows through the slabs where they apply (stride 2, 4 or 8, rows
 * in whole groups from a multiple of four), else as that function; slabs
 * may be empty (zeroed). Same bits either way. */
void hs_network_spmm_rows_slabs(const hs_network *net, const hs_row_slabs *slabs,
                                const double *X, size_t stride, size_t row_begin,
                                size_t row_end, double *Y);

#endif
