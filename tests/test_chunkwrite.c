/* test_chunkwrite.c - unit tests of writing boxes as whole raw chunks
 * (chunkwrite.h) and of the chunk map (chunkmap.h): what H5Dread gives back
 * equals what was written, with edge chunks, a type conversion (double in
 * memory, float in the file) and no inner axis; a box that is not made of
 * whole chunks, a contiguous dataset and a filtered one are left to the
 * caller. The chunk map, made as the chunks are allocated: raw writes at its
 * addresses, of whole chunks and of parts of chunks, leave a byte copy of the
 * file byte for byte as H5Dwrite leaves the original, and are logged; a
 * dataset whose chunks were not all placed, or that is filtered or
 * contiguous, is not mapped. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>

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

/* A dataset of the grid with `inner` values a network, float32 in the file,
 * allocated when created or (late) when written. */
static hid_t new_dataset_allocated(hid_t file, const char *name, size_t inner, int chunked,
                                   int filtered, int late)
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
    H5Pset_alloc_time(dcpl, late ? H5D_ALLOC_TIME_INCR : H5D_ALLOC_TIME_EARLY);
    hid_t ds = H5Dcreate2(file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
}

static hid_t new_dataset(hid_t file, const char *name, size_t inner, int chunked, int filtered)
{
    return new_dataset_allocated(file, name, inner, chunked, filtered, 0);
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

/* ---- the chunk map ---- */

static unsigned char *file_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(*size ? *size : 1);
    ck_assert_uint_eq(fread(bytes, 1, *size, f), *size);
    fclose(f);
    return bytes;
}

static void copy_file(const char *from, const char *to)
{
    size_t size;
    unsigned char *bytes = file_bytes(from, &size);
    FILE *f = fopen(to, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
    fclose(f);
    free(bytes);
}

static const void *zero_row(size_t index, void *context)
{
    (void)index;
    return context;
}

/* A file with datasets "d" (INNER values a network) and "scalar", their
 * chunks allocated as hetsweep allocates them (written whole, one after the
 * other) through the logging driver: the map of where they went. */
static hs_chunk_map *new_mapped_file(const char *path)
{
    hs_dirty_log log = {0};
    hid_t fapl = hs_dirty_fapl(&log);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    ck_assert_int_ge(file, 0);
    hid_t ds[2] = {new_dataset_allocated(file, "d", INNER, 1, 0, 1),
                   new_dataset_allocated(file, "scalar", 0, 1, 0, 1)};
    hsize_t inner[2] = {INNER, 0};
    double zeros[INNER] = {0};
    hs_chunk_map *map = hs_chunk_map_new(2);
    hs_box box = whole_grid();
    log.record_raw = 1;
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(hs_chunk_map_prepare(map, k, ds[k], inner[k]), 1);
        ck_assert_int_eq(hs_write_whole_chunks_noted(ds[k], H5T_NATIVE_DOUBLE, inner[k], &box,
                                                     zero_row, zeros, map, k, &log),
                         1);
        ck_assert_int_eq(hs_chunk_map_complete(map, k, ds[k]), 1);
        H5Dclose(ds[k]);
    }
    H5Fclose(file);
    H5Pclose(fapl);
    hs_dirty_log_free(&log);
    return map;
}

/* Write the box of both datasets with H5Dwrite (HDF5 reads and rewrites a
 * chunk the box covers in part). */
static void write_with_hdf5(const char *path, const hs_box *box, double *v, double *s)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    const char *names[2] = {"d", "scalar"};
    double *values[2] = {v, s};
    for (int k = 0; k < 2; k++) {
        hid_t ds = H5Dopen2(file, names[k], H5P_DEFAULT);
        hid_t space = H5Dget_space(ds);
        hsize_t start[HS_N_AXES + 1] = {0}, count[HS_N_AXES + 1] = {0};
        for (int a = 0; a < HS_N_AXES; a++) {
            start[a] = box->start[a];
            count[a] = box->count[a];
        }
        count[HS_N_AXES] = INNER;
        int rank = k == 0 ? HS_N_AXES + 1 : HS_N_AXES;
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
        hid_t mem = H5Screate_simple(rank, count, NULL);
        ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, values[k]), 0);
        H5Sclose(mem);
        H5Sclose(space);
        H5Dclose(ds);
    }
    H5Fclose(file);
}

/* The positions in the grid of the box's networks, in the box's row-major
 * order; their count. */
static size_t positions_of_box(const hs_box *box, uint64_t (*positions)[HS_N_AXES])
{
    size_t n = 0;
    uint64_t pos[HS_N_AXES];
    for (int a = 0; a < HS_N_AXES; a++)
        pos[a] = box->start[a];
    for (;;) {
        memcpy(positions[n++], pos, sizeof pos);
        int a = HS_N_AXES - 1;
        for (; a >= 0; a--) {
            if (++pos[a] < box->start[a] + box->count[a])
                break;
            pos[a] = box->start[a];
        }
        if (a < 0)
            return n;
    }
}

/* The same with the map, while HDF5 has the file open (as a checkpoint does). */
static void write_raw(const char *path, const hs_chunk_map *map, const hs_box *box, double *v,
                      double *s, hs_dirty_log *log)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    rows r = {v, INNER}, rs = {s, 1};
    uint64_t pos[64][HS_N_AXES];
    size_t n = positions_of_box(box, pos);
    hs_chunk_placement *placement =
        hs_chunk_map_place(map, 0, (const uint64_t(*)[HS_N_AXES])pos, n);
    ck_assert_ptr_nonnull(placement);
    ck_assert(hs_chunk_placement_fits(placement, map, 1)); /* the same chunk shape */
    ck_assert_int_eq(
        hs_chunk_map_write(map, 0, fd, H5T_NATIVE_DOUBLE, placement, row_of, &r, log), 0);
    ck_assert_int_eq(
        hs_chunk_map_write(map, 1, fd, H5T_NATIVE_DOUBLE, placement, row_of, &rs, log), 0);
    hs_chunk_placement_free(placement);
    ck_assert_int_eq(close(fd), 0);
    H5Fclose(file);
}

START_TEST(raw_writes_at_mapped_addresses_equal_hdf5s_byte_for_byte)
{
    char through_hdf5[64], raw[64];
    snprintf(through_hdf5, sizeof through_hdf5, "/tmp/hs_chunkmap_h5_%d", (int)getpid());
    snprintf(raw, sizeof raw, "/tmp/hs_chunkmap_raw_%d", (int)getpid());
    hs_chunk_map *map = new_mapped_file(through_hdf5);
    copy_file(through_hdf5, raw); /* the map holds for a byte copy */
    double *v = values_of(INNER), *s = values_of(0);
    hs_box boxes[2] = {whole_grid(), whole_grid()};
    boxes[0].start[8] = boxes[0].start[2] = 1; /* whole chunks, part of the grid */
    boxes[0].count[8] = boxes[0].count[2] = 1;
    boxes[1].start[7] = 1; /* parts of chunks along noise, both seeds */
    boxes[1].count[7] = 3;
    boxes[1].count[2] = 1;
    hs_dirty_log log = {0};
    unsigned long long logged = 0;
    for (int b = 0; b < 2; b++) {
        write_with_hdf5(through_hdf5, &boxes[b], v, s);
        write_raw(raw, map, &boxes[b], v, s, &log);
    }
    for (size_t i = 0; i < log.n; i++)
        logged += log.ranges[i].length;
    /* box 0: 2 chunks of each; box 1: both noise chunks of 2 seeds */
    ck_assert_uint_eq(logged, (2 + 4) * (3 * INNER * 4 + 3 * 4));
    size_t n_h5, n_raw;
    unsigned char *a = file_bytes(through_hdf5, &n_h5), *b = file_bytes(raw, &n_raw);
    ck_assert_uint_eq(n_h5, n_raw);
    ck_assert_int_eq(memcmp(a, b, n_h5), 0);
    free(a);
    free(b);

    /* a network twice, or outside the grid, is refused before anything is written */
    const uint64_t twice[2][HS_N_AXES] = {{0}, {0}};
    uint64_t outside[1][HS_N_AXES] = {{0}};
    outside[0][7] = GRID[7];
    ck_assert_ptr_null(hs_chunk_map_place(map, 0, (const uint64_t(*)[HS_N_AXES])outside, 1));
    hs_chunk_placement *placement = hs_chunk_map_place(map, 0, twice, 2);
    ck_assert_ptr_nonnull(placement);
    int fd = open(raw, O_RDWR);
    rows r = {v, INNER};
    size_t logged_before = log.n;
    ck_assert_int_eq(
        hs_chunk_map_write(map, 0, fd, H5T_NATIVE_DOUBLE, placement, row_of, &r, &log), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(log.n, logged_before);
    close(fd);
    hs_chunk_placement_free(placement);

    hs_dirty_log_free(&log);
    hs_chunk_map_free(map);
    free(v);
    free(s);
    unlink(through_hdf5);
    unlink(raw);
}
END_TEST

START_TEST(a_dataset_is_mapped_only_when_every_chunk_was_placed)
{
    char path[64];
    hid_t file = new_file(path, sizeof path);
    hid_t filtered = new_dataset(file, "filtered", INNER, 1, 1);
    hid_t contiguous = new_dataset(file, "contiguous", INNER, 0, 0);
    hid_t fine = new_dataset(file, "fine", INNER, 1, 0);
    hs_chunk_map *map = hs_chunk_map_new(4);
    ck_assert_int_eq(hs_chunk_map_prepare(map, 0, filtered, INNER), 0);
    ck_assert_int_eq(hs_chunk_map_prepare(map, 1, contiguous, INNER), 0);
    ck_assert_int_eq(hs_chunk_map_prepare(map, 2, fine, INNER + 1), 0); /* another inner */
    ck_assert_int_eq(hs_chunk_map_prepare(map, 2, fine, INNER), 1);
    ck_assert_int_eq(hs_chunk_map_complete(map, 2, fine), 0); /* nothing placed */
    ck_assert_int_eq(hs_chunk_map_prepare(map, 3, fine, INNER), 1);
    hs_box box = whole_grid();
    double zeros[INNER] = {0};
    hs_dirty_log unrecorded = {0}; /* the file is not written through the logging driver */
    ck_assert_int_eq(hs_write_whole_chunks_noted(fine, H5T_NATIVE_DOUBLE, INNER, &box, zero_row,
                                                 zeros, map, 3, &unrecorded),
                     1);
    ck_assert_int_eq(hs_chunk_map_complete(map, 3, fine), 0);
    for (int slot = 0; slot < 4; slot++)
        ck_assert(!hs_chunk_map_has(map, slot));
    double *v = values_of(INNER);
    rows r = {v, INNER};
    hs_dirty_log log = {0};
    const uint64_t origin[1][HS_N_AXES] = {{0}};
    ck_assert_ptr_null(hs_chunk_map_place(map, 2, origin, 1));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(hs_chunk_map_write(map, 2, -1, H5T_NATIVE_DOUBLE, NULL, row_of, &r, &log),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(log.n, 0);
    free(v);
    hs_chunk_map_free(map);
    H5Dclose(filtered);
    H5Dclose(contiguous);
    H5Dclose(fine);
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
    tcase_add_test(tc, raw_writes_at_mapped_addresses_equal_hdf5s_byte_for_byte);
    tcase_add_test(tc, a_dataset_is_mapped_only_when_every_chunk_was_placed);
    suite_add_tcase(s, tc);
    return s;
}
