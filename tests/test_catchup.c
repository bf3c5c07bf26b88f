/* test_catchup.c - unit tests of the shadow's catch-up (catchup.h): copying
 * the written ranges makes the two files identical (grown, shrunk, ranges past
 * the end), in the thread as in the call; a shadow another process holds
 * (a shared flock) is left alone; errors and abandonment. */
#define _GNU_SOURCE
#include <check.h>

#include "check_runner.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/catchup.h"

typedef struct {
    char dir[64], cube[128], shadow[128];
} pair;

/* A directory with `cube` and `shadow`: the same `size` random bytes. */
static void make_pair(pair *p, size_t size, uint64_t seed)
{
    snprintf(p->dir, sizeof p->dir, "/tmp/hs_catchup_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(p->dir));
    snprintf(p->cube, sizeof p->cube, "%s/cube", p->dir);
    snprintf(p->shadow, sizeof p->shadow, "%s/shadow", p->dir);
    unsigned char *bytes = malloc(size + 1);
    for (size_t i = 0; i < size; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        bytes[i] = (unsigned char)(seed >> 33);
    }
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? p->shadow : p->cube, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
        fclose(f);
    }
    free(bytes);
}

static void remove_pair(const pair *p)
{
    unlink(p->cube);
    unlink(p->shadow);
    rmdir(p->dir);
}

/* Write length bytes of `value` at offset of path. */
static void overwrite(const char *path, unsigned long long offset, size_t length, int value)
{
    unsigned char *buf = malloc(length + 1);
    memset(buf, value, length);
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, buf, length, (off_t)offset), (ssize_t)length);
    close(fd);
    free(buf);
}

static int identical(const pair *p)
{
    unsigned long long where;
    return hs_files_identical(p->cube, p->shadow, &where);
}

START_TEST(copied_ranges_make_the_files_identical)
{
    pair p;
    make_pair(&p, 3u << 20, 1);
    hs_range ranges[] = {{100, 5000}, {1u << 20, (1u << 20) + 7}, {(3u << 20) - 10, 10}};
    for (size_t r = 0; r < 3; r++)
        overwrite(p.cube, ranges[r].offset, ranges[r].length, 0x5A + (int)r);
    unsigned long long where = 0;
    ck_assert_int_eq(hs_files_identical(p.cube, p.shadow, &where), 0);
    ck_assert_uint_eq(where, 100);
    int error = -1;
    ck_assert_int_eq(hs_catchup_copy(p.cube, p.shadow, ranges, 3, &error), HS_CATCHUP_DONE);
    ck_assert_int_eq(error, 0);
    ck_assert_int_eq(identical(&p), 1);
    remove_pair(&p);
}
END_TEST

START_TEST(a_grown_cube_grows_the_shadow)
{
    pair p;
    make_pair(&p, 100000, 2);
    overwrite(p.cube, 250000, 3000, 7); /* a hole of zeros between the old end and here */
    hs_range ranges[] = {{250000, 3000}};
    int error;
    ck_assert_int_eq(hs_catchup_copy(p.cube, p.shadow, ranges, 1, &error), HS_CATCHUP_DONE);
    ck_assert_int_eq(identical(&p), 1);
    remove_pair(&p);
}
END_TEST

START_TEST(a_shrunk_cube_shrinks_the_shadow_and_ranges_past_its_end_are_clipped)
{
    pair p;
    make_pair(&p, 200000, 3);
    overwrite(p.cube, 1000, 10, 9);
    ck_assert_int_eq(truncate(p.cube, 150000), 0);
    hs_range ranges[] = {{1000, 10}, {150000, 50000}}; /* as dirtyvfd logs a truncation */
    int error;
    ck_assert_int_eq(hs_catchup_copy(p.cube, p.shadow, ranges, 2, &error), HS_CATCHUP_DONE);
    ck_assert_int_eq(identical(&p), 1);
    struct stat st;
    ck_assert_int_eq(stat(p.shadow, &st), 0);
    ck_assert_int_eq(st.st_size, 150000);
    remove_pair(&p);
}
END_TEST

START_TEST(the_thread_does_what_the_call_does)
{
    pair p;
    make_pair(&p, 5u << 20, 4);
    hs_range ranges[64];
    for (int r = 0; r < 64; r++) {
        ranges[r] = (hs_range){(unsigned long long)r * 81920 + 13, 35280};
        overwrite(p.cube, ranges[r].offset, (size_t)ranges[r].length, r);
    }
    hs_catchup *c = hs_catchup_start(p.cube, p.shadow, ranges, 64, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    memset(ranges, 0, sizeof ranges); /* the thread has its own copy */
    double seconds = -1;
    int error = -1;
    ck_assert_int_eq(hs_catchup_finish(c, &seconds, &error), HS_CATCHUP_DONE);
    ck_assert(seconds >= 0);
    ck_assert_int_eq(error, 0);
    ck_assert_int_eq(identical(&p), 1);
    remove_pair(&p);
}
END_TEST

START_TEST(a_shadow_held_by_a_reader_is_not_written)
{
    pair p;
    make_pair(&p, 100000, 5);
    overwrite(p.cube, 0, 4096, 1);
    int reader = open(p.shadow, O_RDONLY); /* as HDF5 opens a file for reading */
    ck_assert_int_ge(reader, 0);
    ck_assert_int_eq(flock(reader, LOCK_SH | LOCK_NB), 0);
    hs_range ranges[] = {{0, 4096}};
    int error;
    ck_assert_int_eq(hs_catchup_copy(p.cube, p.shadow, ranges, 1, &error), HS_CATCHUP_IN_USE);
    ck_assert_int_eq(identical(&p), 0); /* untouched */
    close(reader);
    ck_assert_int_eq(hs_catchup_copy(p.cube, p.shadow, ranges, 1, &error), HS_CATCHUP_DONE);
    ck_assert_int_eq(identical(&p), 1);
    remove_pair(&p);
}
END_TEST

START_TEST(missing_files_fail_with_errno)
{
    pair p;
    make_pair(&p, 1000, 6);
    hs_range ranges[] = {{0, 10}};
    char missing[160];
    snprintf(missing, sizeof missing, "%s/absent", p.dir);
    int error = 0;
    ck_assert_int_eq(hs_catchup_copy(missing, p.shadow, ranges, 1, &error), HS_CATCHUP_FAILED);
    ck_assert_int_eq(error, ENOENT);
    ck_assert_int_eq(hs_catchup_copy(p.cube, missing, ranges, 1, &error), HS_CATCHUP_FAILED);
    ck_assert_int_eq(error, ENOENT);
    hs_catchup *c = hs_catchup_start(missing, p.shadow, ranges, 1, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    double seconds;
    ck_assert_int_eq(hs_catchup_finish(c, &seconds, &error), HS_CATCHUP_FAILED);
    ck_assert_int_eq(error, ENOENT);
    unsigned long long where;
    ck_assert_int_eq(hs_files_identical(missing, p.shadow, &where), -1);
    remove_pair(&p);
}
END_TEST

START_TEST(abandoning_waits_for_the_thread)
{
    pair p;
    make_pair(&p, 4u << 20, 7);
    hs_range ranges[] = {{0, 4u << 20}};
    hs_catchup_abandon(hs_catchup_start(p.cube, p.shadow, ranges, 1, NULL, NULL));
    hs_catchup_abandon(NULL);
    remove_pair(&p); /* nothing writes the files any more */
}
END_TEST

START_TEST(files_of_other_sizes_differ_at_the_shorter_size)
{
    pair p;
    make_pair(&p, 5000, 8);
    ck_assert_int_eq(truncate(p.shadow, 3000), 0);
    unsigned long long where = 0;
    ck_assert_int_eq(hs_files_identical(p.cube, p.shadow, &where), 0);
    ck_assert_uint_eq(where, 3000);
    remove_pair(&p);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("catchup");
    TCase *tc = tcase_create("catchup");
    tcase_add_test(tc, copied_ranges_make_the_files_identical);
    tcase_add_test(tc, a_grown_cube_grows_the_shadow);
    tcase_add_test(tc, a_shrunk_cube_shrinks_the_shadow_and_ranges_past_its_end_are_clipped);
    tcase_add_test(tc, the_thread_does_what_the_call_does);
    tcase_add_test(tc, a_shadow_held_by_a_reader_is_not_written);
    tcase_add_test(tc, missing_files_fail_with_errno);
    tcase_add_test(tc, abandoning_waits_for_the_thread);
    tcase_add_test(tc, files_of_other_sizes_differ_at_the_shorter_size);
    suite_add_tcase(s, tc);
    return s;
}
