/* test_storage.c - unit tests of the storage core: the grid index (plan.h),
 * the header reader (cubehead.h) and copy-fsync-publish (publish.h). */
#include <check.h>

#include "check_runner.h"
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/cubehead.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/publish.h"

/* A fresh empty directory for one test's files; its path into dir. */
static void temp_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/hs_storage_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* ---- grid index ---- */

/* A grid of distinct small lengths, so that a swapped axis shows. */
static hs_grid odd_grid(void)
{
    hs_grid grid;
    static const uint64_t dims[HS_N_AXES] = {2, 3, 1, 4, 2, 1, 3, 2, 5};
    memcpy(grid.dims, dims, sizeof dims);
    return grid;
}

START_TEST(grid_index_is_row_major)
{
    hs_grid grid = odd_grid();
    uint64_t networks = hs_grid_networks(&grid);
    ck_assert_uint_eq(networks, 2 * 3 * 1 * 4 * 2 * 1 * 3 * 2 * 5);
    uint64_t pos[HS_N_AXES] = {0};
    for (uint64_t e = 0; e < networks; e++) {
        ck_assert_uint_eq(hs_grid_index(&grid, pos), e);
        uint64_t back[HS_N_AXES];
        hs_grid_position(&grid, e, back);
        ck_assert_int_eq(memcmp(back, pos, sizeof pos), 0);
        for (int a = HS_N_AXES - 1; a >= 0 && ++pos[a] == grid.dims[a]; a--)
            pos[a] = 0; /* odometer: the last axis fastest */
    }
}
END_TEST

START_TEST(grid_units_and_columns_cover_every_network_once)
{
    hs_grid grid = odd_grid();
    int units = (int)(grid.dims[HS_AX_MODEL] * grid.dims[HS_AX_N] * grid.dims[HS_AX_SEED]);
    int columns = (int)(hs_grid_networks(&grid) / (uint64_t)units);
    unsigned char *seen = calloc(hs_grid_networks(&grid), 1);
    for (int u = 0; u < units; u++) {
        int idx[HS_UNIT_AXES];
        hs_grid_unit_axes(&grid, u, idx);
        for (int c = 0; c < columns; c++) {
            uint64_t pos[HS_N_AXES], e = hs_grid_network(&grid, u, c);
            hs_grid_place(&grid, u, c, pos);
            ck_assert_uint_eq(hs_grid_index(&grid, pos), e);
            ck_assert_int_eq(hs_grid_unit(&grid, pos), u);
            ck_assert_uint_eq(pos[HS_AX_MODEL], idx[0]);
            ck_assert_uint_eq(pos[HS_AX_N], idx[1]);
            ck_assert_uint_eq(pos[HS_AX_SEED], idx[2]);
            seen[e]++;
        }
    }
    for (uint64_t e = 0; e < hs_grid_networks(&grid); e++)
        ck_assert_int_eq(seen[e], 1);
    free(seen);
}
END_TEST

START_TEST(grid_agrees_with_the_plan)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_grid grid = hs_grid_of_job(&job);
    for (int a = 0; a < HS_N_AXES; a++)
        ck_assert_uint_eq(grid.dims[a], (uint64_t)job.axes[a].count);
    uint64_t from_plan[HS_N_AXES], from_grid[HS_N_AXES];
    hs_plan_position(&job, 3, 4, from_plan);
    hs_grid_place(&grid, 3, 4, from_grid);
    ck_assert_int_eq(memcmp(from_plan, from_grid, sizeof from_plan), 0);
    ck_assert_int_eq(hs_plan_unit_index(&job, 0, 1, 1), hs_grid_unit(&grid, from_grid));
    int columns[HS_COLUMN_AXES];
    hs_plan_column_axes(&job, 4, columns);
    ck_assert_int_eq(columns[1], (int)from_grid[HS_AX_HETEROGENEITY]);
    hs_job_free(&job);
}
END_TEST

/* ---- header reader ---- */

START_TEST(head_refuses_what_is_not_a_cube)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    hs_cube_head head;
    hs_error err;
    hs_error_clear(&err);
    snprintf(path, sizeof path, "%s/absent.h5", dir);
    ck_assert_int_eq(hs_cube_head_open(path, HS_HEAD_STRICT, &head, &err), HS_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "absent.h5"));
    ck_assert_int_lt(head.file, 0);
    hs_cube_head_close(&head); /* safe after a failed open, and twice */
    hs_cube_head_close(&head);

    snprintf(path, sizeof path, "%s/text.h5", dir);
    write_text_file(path, "not HDF5\n");
    ck_assert_int_eq(hs_cube_head_open(path, HS_HEAD_LENIENT, &head, &err), HS_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not an HDF5 file"));
    unlink(path);

    /* an HDF5 file without the root attributes: the structural check names one */
    snprintf(path, sizeof path, "%s/empty.h5", dir);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    H5Fclose(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    ck_assert_int_eq(hs_cube_head_open(path, HS_HEAD_PROBED, &head, &err), HS_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "layout_version"));
    ck_assert_int_lt(head.file, 0);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(head_reads_whole_datasets_of_the_expected_size)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.h5", dir);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[2] = {2, 3};
    int8_t values[6] = {-1, 0, 1, 2, -1, 0};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t ds = H5Dcreate2(file, "status", H5T_STD_I8LE, space, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(ds);
    H5Sclose(space);
    hs_cube_head head;
    memset(&head, 0, sizeof head);
    head.path = path;
    head.file = file;
    int8_t *read = hs_cube_head_read(&head, "status", H5T_NATIVE_INT8, 6);
    ck_assert_ptr_nonnull(read);
    ck_assert_int_eq(memcmp(read, values, sizeof values), 0);
    free(read);
    ck_assert_ptr_null(hs_cube_head_read(&head, "status", H5T_NATIVE_INT8, 5));
    ck_assert_ptr_null(hs_cube_head_read(&head, "absent", H5T_NATIVE_INT8, 6));
    hs_cube_head_close(&head);
    ck_assert_int_lt(head.file, 0);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- copy-fsync-publish ---- */

static void assert_file_holds(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_str_eq(buf, text);
}

START_TEST(copy_and_publish_replace_the_cube_with_its_checksum)
{
    char dir[64], cube[128], tmp[128], sum[128];
    temp_dir(dir, sizeof dir);
    snprintf(cube, sizeof cube, "%s/cube.h5", dir);
    snprintf(tmp, sizeof tmp, "%s/cube.h5.tmp", dir);
    snprintf(sum, sizeof sum, "%s/cube.h5.sum", dir);
    hs_error err;
    hs_error_clear(&err);
    write_text_file(cube, "old");
    ck_assert_int_eq(hs_cube_write_sum(cube, &err), HS_OK);
    ck_assert_int_eq(hs_copy_file(cube, tmp, &err), HS_OK);
    assert_file_holds(tmp, "old");
    write_text_file(tmp, "new contents");
    ck_assert_int_eq(hs_publish_file(tmp, cube, &err), HS_OK);
    assert_file_holds(cube, "new contents");
    ck_assert_int_ne(access(tmp, F_OK), 0);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MATCH);
    /* only the new file's checksum is left */
    write_text_file(cube, "old");
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MISMATCH);
    unlink(cube);
    unlink(sum);
    rmdir(dir);
}
END_TEST

START_TEST(failed_copy_or_publish_leaves_the_cube)
{
    char dir[64], cube[128], tmp[128], absent[128], sum[128];
    temp_dir(dir, sizeof dir);
    snprintf(cube, sizeof cube, "%s/cube.h5", dir);
    snprintf(tmp, sizeof tmp, "%s/cube.h5.tmp", dir);
    snprintf(absent, sizeof absent, "%s/absent.h5", dir);
    snprintf(sum, sizeof sum, "%s/cube.h5.sum", dir);
    hs_error err;
    hs_error_clear(&err);
    ck_assert_int_eq(hs_copy_file(absent, tmp, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "absent.h5"));
    ck_assert_int_ne(access(tmp, F_OK), 0);
    write_text_file(cube, "old");
    ck_assert_int_eq(hs_publish_file(tmp, cube, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "cube.h5.tmp"));
    assert_file_holds(cube, "old");
    unlink(cube);
    unlink(sum);
    rmdir(dir);
}
END_TEST

static Suite *storage_suite(void)
{
    Suite *s = suite_create("storage");
    TCase *grid = tcase_create("grid");
    tcase_add_test(grid, grid_index_is_row_major);
    tcase_add_test(grid, grid_units_and_columns_cover_every_network_once);
    tcase_add_test(grid, grid_agrees_with_the_plan);
    suite_add_tcase(s, grid);
    TCase *head = tcase_create("head");
    tcase_add_test(head, head_refuses_what_is_not_a_cube);
    tcase_add_test(head, head_reads_whole_datasets_of_the_expected_size);
    suite_add_tcase(s, head);
    TCase *publish = tcase_create("publish");
    tcase_add_test(publish, copy_and_publish_replace_the_cube_with_its_checksum);
    tcase_add_test(publish, failed_copy_or_publish_leaves_the_cube);
    suite_add_tcase(s, publish);
    return s;
}

Suite *hs_test_suite(void)
{
    return storage_suite();
}
