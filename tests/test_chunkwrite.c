/* test_chunkwrite.c - unit tests of writing boxes as whole raw chunks
 * (chunkwrite.h): what H5Dread gives back equals what was written, with
 * edge chunks, a type conversion (double in memory, float in the file) and
 * no inner axis; a box that is not made of whole chunks, a contiguous
 * dataset and a filtered one are left to the caller. */
#include <check.h>

#include "check_runner.h"
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/chunkwrite.h"

#define INNER 3

/* Grid [1,1,2,1,1,1,1,5,2] (axis 7 in chunks of 3: an edge chunk of 2). */
static const hsize_t GRID[HS_N_AXES] = {1, 1, 2, 1, 1, 1, 1, 5, 2};
static const hsize_t CHUNK[HS_N_AXES] = {1, 1, 1, 1, 1, 1, 1, 3, 1};

static size_t networks(void)
{
    size_t n = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        n *= (size_t)GRID[a];
    return n;
}

/* Network i's values: i * 10 + k. */
typedef struct {
    double *values;
    size_t inner;
} rows;

static const void *row_of(size_t index, void *context)
{
    rows *r = context;
    return r->values + index * r->inner;
}

static hid_t new_file(char *path, size_t size)
{
    snprintf(path, size, "/tmp/hs_chunkwrite_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    return file;
}

/* A dataset of the grid with `inner` values a network, float32 in the file. */
static hid_t new_dataset(hid_t file, const char *name, size_t inner, int chunked, int filtered)
{
    hsize_t dims[HS_N_AXES + 1], chunk[HS_N_AXES + 1];
    for (int a = 0; a < HS_N_AXES; a++) {
        dims[a] = GRID[a];
        chunk[a] = CHUNK[a];
    }
    dims[HS_N_AXES] = chunk[HS_N_AXES] = inner;
    int rank = inner ? HS_N_AXES + 1 : HS_N_AXES;
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunked)
        H5Pset_chunk(dcpl, rank, chunk);
    if (filtered)
        H5Pset_shuffle(dcpl);
    hid_t ds = H5Dcreate2(file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
}

static hs_box whole_grid(void)
{
    hs_box box;
    for (int a = 0; a < HS_N_AXES; a++) {
        box.start[a] = 0;
        box.count[a] = GRID[a];
    }
    return box;
}

static double *values_of(size_t inner)
{
    size_t per = inner ? inner : 1;
    double *v = malloc(networks() * per * sizeof *v);
    for (size_t i = 0; i < networks(); i++)
        for (size_t k = 0; k < per; k++)
            v[i * per + k] = (double)i * 10.0 + (double)k + 0.25;
    return v;
}

static void check_round_trip(size_t inner)
{
    char path[64];
    hid_t file = new_file(path, sizeof path);
    hid_t ds = new_dataset(file, "d", inner, 1, 0);
    double *v = values_of(inner);
    rows r = {v, inner ? inner : 1};
    hs_box box = whole_grid();
    ck_assert_int_eq(hs_write_whole_chunks(ds, H5T_NATIVE_DOUBLE, inner, &box, row_of, &r), 1);
    size_t per = inner ? inner : 1;
    double *back = calloc(networks() * per, sizeof *back);
    ck_assert_int_ge(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back), 0);
    for (size_t i = 0; i < networks() * per; i++)
        ck_assert_double_eq(back[i], v[i]); /* exact in float32 */
    free(back);
    free(v);
    H5Dclose(ds);
    H5Fclose(file);
    unlink(path);
}

START_TEST(whole_grid_with_an_inner_axis_reads_back)
{
    check_round_trip(INNER);
}
END_TEST

START_TEST(whole_grid_without_an_inner_axis_reads_back)
{
    check_round_trip(0);
}
END_TEST

START_TEST(a_sub_box_of_whole_chunks_reads_back_and_nothing_else_changes)
{
    char path[64];
    hid_t file = new_file(path, sizeof path);
    hid_t ds = new_dataset(file, "d", INNER, 1, 0);
    hs_box box = whole_grid();
    box.start[8] = 1; /* seed 1 only: chunks of one seed */
    box.count[8] = 1;
    box.start[2] = 1; /* heterogeneity 1 only */
    box.count[2] = 1;
    double *v = values_of(INNER);
    rows r = {v, INNER};
    ck_assert_int_eq(hs_write_whole_chunks(ds, H5T_NATIVE_DOUBLE, INNER, &box, row_of, &r), 1);
    double *back = calloc(networks() * INNER, sizeof *back);
    ck_assert_int_ge(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back), 0);
    /* grid order: heterogeneity (2) x noise (5) x seed (2); box order: noise */
    for (size_t h = 0; h < 2; h++)
        for (size_t n = 0; n < 5; n++)
            for (size_t s = 0; s < 2; s++)
                for (size_t k = 0; k < INNER; k++) {
                    size_t grid = ((h * 5 + n) * 2 + s) * INNER + k;
                    double want = h == 1 && s == 1 ? v[n * INNER + k] : 0.0;
                    ck_assert_double_eq(back[grid], want);
                }
    free(back);
    free(v);
    H5Dclose(ds);
    H5Fclose(file);
    unlink(path);
}
END_TEST

START_TEST(other_boxes_and_datasets_are_left_to_the_caller)
{
    char path[64];
    hid_t file = new_file(path, sizeof path);
    double *v = values_of(INNER);
    rows r = {v, INNER};
    hid_t chunked = new_dataset(file, "chunked", INNER, 1, 0);
    hs_box box = whole_grid();
    box.start[7] = 1; /* starts inside a chunk */
    box.count[7] = 4;
    ck_assert_int_eq(hs_write_whole_chunks(chunked, H5T_NATIVE_DOUBLE, INNER, &box, row_of, &r),
                     0);
    box = whole_grid();
    box.count[7] = 4; /* ends inside the edge chunk, not at the dataset's end */
    ck_assert_int_eq(hs_write_whole_chunks(chunked, H5T_NATIVE_DOUBLE, INNER, &box, row_of, &r),
                     0);
    box = whole_grid();
    hid_t contiguous = new_dataset(file, "contiguous", INNER, 0, 0);
    ck_assert_int_eq(
        hs_write_whole_chunks(contiguous, H5T_NATIVE_DOUBLE, INNER, &box, row_of, &r), 0);
    hid_t filtered = new_dataset(file, "filtered", INNER, 1, 1);
    ck_assert_int_eq(hs_write_whole_chunks(filtered, H5T_NATIVE_DOUBLE, INNER, &box, row_of, &r),
                     0);
    ck_assert_int_eq(hs_write_whole_chunks(chunked, H5T_NATIVE_DOUBLE, INNER + 1, &box, row_of,
                                           &r),
                     0); /* another inner extent */
    H5Dclose(chunked);
    H5Dclose(contiguous);
    H5Dclose(filtered);
    free(v);
    H5Fclose(file);
    unlink(path);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("chunkwrite");
    TCase *tc = tcase_create("chunkwrite");
    tcase_add_test(tc, whole_grid_with_an_inner_axis_reads_back);
    tcase_add_test(tc, whole_grid_without_an_inner_axis_reads_back);
    tcase_add_test(tc, a_sub_box_of_whole_chunks_reads_back_and_nothing_else_changes);
    tcase_add_test(tc, other_boxes_and_datasets_are_left_to_the_caller);
    suite_add_tcase(s, tc);
    return s;
}
