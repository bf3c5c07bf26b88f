/* test_network.c - Check tests of network.h: connection statistics, geometric skipping
 * at p = 1 down to 0.0005, Dale signs, and the sparse product independent of the batch
 * width and of the split of rows (rows go in groups of 4 and one by one), and the row
 * slabs' product bitwise equal to it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/network.h"
#include "hetsweep/rng.h"

START_TEST(network_statistics)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    hs_network_random(&net, &job, 400, 3);
    double p = (double)net.nnz / (400.0 * 399.0);
    ck_assert(fabs(p - 0.1) < 0.01);
    double ss = 0;
    for (size_t e = 0; e < net.nnz; e++)
        ss += net.data[e] * net.data[e];
    ck_assert(fabs(ss / (double)net.nnz * 0.1 * 400 - 1) < 0.05);
    for (size_t i = 0; i < 400; i++)
        for (int64_t e = net.indptr[i]; e < net.indptr[i + 1]; e++)
            ck_assert_uint_ne((size_t)net.indices[e], i); /* no self connections */
    hs_network again;
    hs_network_random(&again, &job, 400, 3);
    ck_assert_uint_eq(again.nnz, net.nnz);
    ck_assert(memcmp(again.data, net.data, net.nnz * sizeof(double)) == 0);
    ck_assert(memcmp(again.win, net.win, 3 * 400 * sizeof(double)) == 0);
    hs_network_free(&again);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Geometric skipping: every connection probability, dense (p = 1) and very
 * sparse, gives the right count, ascending partners, no diagonal, and a
 * plausible spread of gaps (the first and last columns are reached). */
START_TEST(network_sparse_and_dense_rows)
{
    static const double ps[] = {1.0, 0.5, 0.01, 0.0005};
    static const size_t ns[] = {50, 200, 3000, 20000};
    for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
        hs_job job;
        hs_job_defaults(&job);
        job.network.connectivity = ps[k];
        hs_network net;
        size_t n = ns[k];
        hs_network_random(&net, &job, (int64_t)n, 1);
        double expected = ps[k] * (double)n * (double)(n - 1);
        double sd = sqrt(expected * (1 - ps[k]));
        ck_assert_msg(fabs((double)net.nnz - expected) <= 5 * sd + 1e-9, "p %g: nnz %zu, expected %g",
                      ps[k], net.nnz, expected);
        int first_seen = 0, last_seen = 0;
        for (size_t i = 0; i < n; i++)
            for (int64_t e = net.indptr[i]; e < net.indptr[i + 1]; e++) {
                ck_assert_uint_ne((size_t)net.indices[e], i);
                if (e > net.indptr[i])
                    ck_assert_int_gt(net.indices[e], net.indices[e - 1]);
                first_seen |= net.indices[e] == 0;
                last_seen |= (size_t)net.indices[e] == n - 1;
            }
        ck_assert(first_seen && last_seen);
        hs_network_free(&net);
        hs_job_free(&job);
    }
}
END_TEST

START_TEST(network_dale_signs)
{
    hs_job job;
    hs_job_defaults(&job);
    job.network.weights = HS_WEIGHTS_DALE;
    job.network.sigma_0 = 0.0;
    hs_network net;
    hs_network_random(&net, &job, 300, 1);
    double mu = 1 / sqrt(0.1 * 300);
    double exc = 0, inh = 0;
    for (size_t e = 0; e < net.nnz; e++) {
        double w = net.data[e];
        ck_assert(fabs(w - mu) < 1e-12 || fabs(w + 0.8 * mu / 0.2) < 1e-12);
        if (w > 0)
            exc += 1;
        else
            inh += 1;
    }
    ck_assert(fabs(exc / (exc + inh) - 0.8) < 0.05);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Every padded width (1, 2, 4, 8, 12, 16 and the generic path) and every
 * split of rows gives each column the bits of a batch of one. */
START_TEST(spmm_independent_of_batch)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_network net;
    size_t n = 150;
    hs_network_random(&net, &job, (int64_t)n, 2);
    double *x1 = hs_alloc_doubles(n), *y1 = hs_alloc_doubles(n);
    hs_rng r = hs_rng_network(9, HS_RNG_WIN, 1, 1);
    for (size_t B = 1; B <= 20; B++) {
        size_t S = hs_batch_stride(B);
        ck_assert_uint_ge(S, B);
        double *X = hs_alloc_doubles(n * S), *Y = hs_alloc_doubles(n * S);
        hs_rng_normal_fill(&r, 0, n * S, X);
        /* three blocks of rows: 17 groups of 4 and 2 rows, 3 rows, 19 groups and 1 row */
        hs_network_spmm_rows(&net, X, S, 0, 70, Y);
        hs_network_spmm_rows(&net, X, S, 70, 73, Y + 70 * S);
        hs_network_spmm_rows(&net, X, S, 73, n, Y + 73 * S);
        for (size_t b = 0; b < B; b++) {
            for (size_t i = 0; i < n; i++)
                x1[i] = X[i * S + b];
            hs_network_spmm(&net, x1, 1, y1);
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(y1[i] == Y[i * S + b], "B %zu column %zu row %zu", B, b, i);
        }
        free(X);
        free(Y);
    }
    free(x1);
    free(y1);
    hs_network_free(&net);
    hs_job_free(&job);
}
END_TEST

/* Y through the row slabs equals hs_network_spmm_rows bitwise, for the slab
 * widths (2, 4, 8) and others (1, 12: no slabs), whole groups and ranges
 * that start off a group, rows longer and shorter than their group's
 * shortest, and empty rows. */
static void check_slabs(double connectivity, size_t n)
{
    hs_job job;
    hs_job_defaults(&job);
    job.network.connectivity = connectivity;
    hs_network net;
    hs_network_random(&net, &job, (int64_t)n, 3);
    hs_row_slabs slabs;
    hs_row_slabs_make(&slabs, &net);
    ck_assert_uint_eq(slabs.groups, n / 4);
    hs_rng r = hs_rng_network(9, HS_RNG_WIN, 1, 1);
    const size_t cuts[][2] = {{0, 0}, {0, 64}, {64, 70}, {70, 73}, {73, 0}};
    static const size_t strides[] = {1, 2, 4, 8, 12};
    for (size_t w = 0; w < sizeof strides / sizeof *strides; w++) {
        size_t S = strides[w];
        double *X = hs_alloc_doubles(n * S), *Y = hs_alloc_doubles(n * S);
        double *expect = hs_alloc_doubles(n * S);
        hs_rng_normal_fill(&r, 0, n * S, X);
        hs_network_spmm_rows(&net, X, S, 0, n, expect);
        hs_network_spmm_rows_slabs(&net, &slabs, X, S, 0, n, Y);
        ck_assert(memcmp(Y, expect, n * S * sizeof *Y) == 0);
        memset(Y, 0, n * S * sizeof *Y);
        for (size_t c = 1; c < sizeof cuts / sizeof *cuts; c++) {
            size_t from = cuts[c][0] < n ? cuts[c][0] : n, to = cuts[c][1] ? cuts[c][1] : n;
            to = to < n ? to : n;
            if (from < to)
                hs_network_spmm_rows_slabs(&net, &slabs, X, S, from, to, Y + from * S);
        }
        ck_assert_msg(memcmp(Y, expect, n * S * sizeof *Y) == 0, "stride %zu, n %zu", S, n);
        free(X);
        free(Y);
        free(expect);
    }
    hs_row_slabs_free(&slabs);
    hs_network_free(&net);
    hs_job_free(&job);
}

START_TEST(spmm_row_slabs_same_bits)
{
#ifdef __AVX512F__
    ck_assert(hs_row_slabs_help(2, 100) && hs_row_slabs_help(4, 100) && hs_row_slabs_help(8, 100));
#endif
    ck_assert(!hs_row_slabs_help(1, 100) && !hs_row_slabs_help(12, 100)); /* 2, 4 and 8 only */
    ck_assert(!hs_row_slabs_help(8, 65537)); /* 16-bit indices */
    check_slabs(0.1, 150);
    check_slabs(0.5, 83);
    check_slabs(0.02, 150); /* rows of 0 to ~8 nonzeros: many groups with none in common */
    check_slabs(1.0, 3);    /* no whole group */
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("network");
    TCase *tc = tcase_create("network");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, network_statistics);
    tcase_add_test(tc, network_sparse_and_dense_rows);
    tcase_add_test(tc, network_dale_signs);
    tcase_add_test(tc, spmm_independent_of_batch);
    tcase_add_test(tc, spmm_row_slabs_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
