/* test_journal.c - journal records: round trip, torn tails, foreign journals,
 * and the checkpoint checksum. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/crc32.h"
#include "hetsweep/journal.h"
#include "hetsweep/probe.h"
#include "hetsweep/sha256.h"

static const char *IDENTITY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char cube[256];

static void make_item(hs_item_result *item, int unit, int first, int count, size_t n_tasks)
{
    hs_item_result_init(item, unit, first, count, n_tasks);
    item->wall_seconds = 1.5 * unit;
    for (int b = 0; b < count; b++) {
        hs_column_result *c = &item->columns[b];
        c->status = 0;
        c->dimensionality = 2.5 + b;
        c->counters[0] = 1000 + b;
        for (size_t t = 0; t < n_tasks; t++) {
            c->score[t] = (float)(0.01 * (double)t - b);
            c->lambda_index[t] = (int8_t)(t % 11);
        }
    }
}

static void setup(void)
{
    snprintf(cube, sizeof cube, "/tmp/hetsweep-journal-test-%d.h5", (int)getpid());
    hs_journal_remove_all(cube);
}

static void teardown(void)
{
    hs_journal_remove_all(cube);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return size;
}

START_TEST(crc32_known_value)
{
    ck_assert_uint_eq(hs_crc32(0, "123456789", 9), 0xCBF43926u);
}
END_TEST

START_TEST(round_trip)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 3, IDENTITY, 5, &j, &err), HS_OK);
    hs_item_result a, b;
    make_item(&a, 2, 0, 3, 5);
    make_item(&b, 7, 4, 2, 5);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, &b, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 5, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 2);
    ck_assert_int_eq(replay.n_torn, 0);
    const hs_item_result *r = &replay.items[1];
    ck_assert_int_eq(r->unit, 7);
    ck_assert_int_eq(r->n_columns, 2);
    ck_assert_int_eq(r->columns[0].column, 4);
    ck_assert(r->wall_seconds == 10.5);
    ck_assert(memcmp(r->columns[1].score, b.columns[1].score, 5 * sizeof(float)) == 0);
    ck_assert(memcmp(r->columns[1].lambda_index, b.columns[1].lambda_index, 5) == 0);
    ck_assert(r->columns[1].dimensionality == 3.5);
    ck_assert(isnan(r->columns[0].tau_moments[0]));
    hs_journal_replay_free(&replay);
    hs_item_result_free(&a);
    hs_item_result_free(&b);
}
END_TEST

START_TEST(torn_tail_and_bad_checksum_are_dropped)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 0, IDENTITY, 4, &j, &err), HS_OK);
    hs_item_result a;
    make_item(&a, 1, 0, 2, 4);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    hs_journal_close(j, 0);
    char path[300];
    snprintf(path, sizeof path, "%s.journal.0", cube);
    long size = file_size(path);
    ck_assert_int_eq(truncate(path, size - 7), 0); /* the second record is torn */
    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 4, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 1);
    ck_assert_int_eq(replay.n_torn, 1);
    hs_journal_replay_free(&replay);
    FILE *f = fopen(path, "r+b"); /* flip a byte inside the first item record */
    fseek(f, size / 2 - 20, SEEK_SET);
    int c = fgetc(f);
    fseek(f, size / 2 - 20, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 4, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 0);
    ck_assert_int_eq(replay.n_torn, 1);
    hs_journal_replay_free(&replay);
    hs_item_result_free(&a);
}
END_TEST

START_TEST(reset_keeps_the_header_only)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 1, IDENTITY, 4, &j, &err), HS_OK);
    hs_item_result a;
    make_item(&a, 0, 0, 1, 4);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    ck_assert_int_eq(hs_journal_reset(j, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 4, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 1);
    hs_journal_replay_free(&replay);
    hs_item_result_free(&a);
}
END_TEST

/* Compaction keeps exactly the given records (and later appends follow them);
 * packing an item and unpacking it gives it back. */
START_TEST(compact_keeps_the_records_given_and_pack_round_trips)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 3, IDENTITY, 4, &j, &err), HS_OK);
    hs_item_result a, b, c;
    make_item(&a, 0, 0, 1, 4);
    make_item(&b, 1, 2, 2, 4);
    make_item(&c, 2, 1, 1, 4);
    ck_assert_int_eq(hs_journal_append(j, &a, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, &b, &err), HS_OK);
    ck_assert_int_eq(hs_journal_compact(j, &b, 1, &err), HS_OK); /* a is in the cube */
    ck_assert_int_eq(hs_journal_append(j, &c, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 4, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 2);
    ck_assert_int_eq(replay.items[0].unit, 1);
    ck_assert_int_eq(replay.items[1].unit, 2);
    ck_assert_int_eq(memcmp(replay.items[0].columns[1].score, b.columns[1].score,
                            4 * sizeof(float)), 0);
    hs_journal_replay_free(&replay);
    size_t length;
    unsigned char *bytes = hs_item_pack(&b, &length);
    hs_item_result back;
    ck_assert_int_eq(hs_item_unpack(bytes, length, 4, &back), 0);
    ck_assert_int_eq(back.unit, 1);
    ck_assert_int_eq(back.first_column, 2);
    ck_assert_int_eq(back.n_columns, 2);
    ck_assert_int_eq(memcmp(back.columns[1].score, b.columns[1].score, 4 * sizeof(float)), 0);
    hs_item_result_free(&back);
    hs_item_result cut;
    ck_assert_int_eq(hs_item_unpack(bytes, length - 1, 4, &cut), -1); /* a byte short */
    free(bytes);
    hs_item_result_free(&a);
    hs_item_result_free(&b);
    hs_item_result_free(&c);
}
END_TEST

START_TEST(foreign_journal_is_refused)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 2, IDENTITY, 4, &j, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_journal_replay replay;
    char other[65];
    memcpy(other, IDENTITY, 65);
    other[0] = 'f';
    ck_assert_int_eq(hs_journal_replay_all(cube, other, 4, &replay, &err), HS_ERR_INPUT);
    ck_assert(strstr(err.msg, "belongs to another job") != NULL);
    ck_assert(strstr(err.msg, ".journal.2") != NULL);
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 5, &replay, &err), HS_ERR_INPUT);
    ck_assert_int_eq(hs_journal_remove_all(cube), 1);
}
END_TEST

START_TEST(checksum_accepts_both_sides_of_a_rename)
{
    hs_error err;
    char tmp[300], sum[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", cube);
    snprintf(sum, sizeof sum, "%s.sum", cube);
    FILE *f = fopen(cube, "w");
    fputs("old contents", f);
    fclose(f);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_NONE);
    ck_assert_int_eq(hs_cube_write_sum(cube, &err), HS_OK);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MATCH);
    f = fopen(tmp, "w");
    fputs("new contents!", f);
    fclose(f);
    hs_blocksum next;
    ck_assert_int_eq(hs_blocksum_of_file(tmp, &next), 0);
    ck_assert_int_eq(hs_cube_sum_before_swap(cube, &next, NULL, &err), HS_OK);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MATCH); /* old file still there */
    ck_assert_int_eq(rename(tmp, cube), 0);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MATCH); /* new file */
    ck_assert_int_eq(hs_cube_sum_keep(cube, &next, &err), HS_OK);
    hs_blocksum_free(&next);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MATCH);
    f = fopen(cube, "a");
    fputs("x", f);
    fclose(f);
    ck_assert_int_eq(hs_cube_sum_state(cube), HS_SUM_MISMATCH);
    unlink(cube);
    unlink(sum);
}
END_TEST

/* Journals of rank 0 and rank 5 holding the given items. */
static void write_two_journals(const hs_item_result *first, const hs_item_result *second)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 0, IDENTITY, 4, &j, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, first, &err), HS_OK);
    hs_journal_close(j, 0);
    ck_assert_int_eq(hs_journal_open(cube, 5, IDENTITY, 4, &j, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, second, &err), HS_OK);
    hs_journal_close(j, 0);
}

START_TEST(copied_record_is_replayed_once)
{
    hs_item_result a, other;
    make_item(&a, 3, 2, 2, 4);
    make_item(&other, 4, 0, 1, 4);
    write_two_journals(&a, &a);
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 7, IDENTITY, 4, &j, &err), HS_OK);
    ck_assert_int_eq(hs_journal_append(j, &other, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_bounded(cube, IDENTITY, 4, 1 << 20, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 2);
    ck_assert_int_eq(replay.items[0].unit + replay.items[1].unit, 7);
    hs_journal_replay_free(&replay);
    hs_item_result_free(&a);
    hs_item_result_free(&other);
}
END_TEST

START_TEST(different_records_of_one_network_are_refused)
{
    hs_item_result a, b;
    make_item(&a, 3, 2, 2, 4);
    make_item(&b, 3, 3, 1, 4); /* column 3 again, with other values */
    b.columns[0].column = 3;
    write_two_journals(&a, &b);
    hs_journal_replay replay;
    hs_error err;
    ck_assert_int_eq(hs_journal_replay_bounded(cube, IDENTITY, 4, 1 << 20, &replay, &err),
                     HS_ERR_INPUT);
    ck_assert(strstr(err.msg, ".journal.0") != NULL);
    ck_assert(strstr(err.msg, ".journal.5") != NULL);
    ck_assert(strstr(err.msg, "unit 3, column 3") != NULL);
    hs_item_result_free(&a);
    hs_item_result_free(&b);
}
END_TEST

START_TEST(journal_over_the_bound_is_refused)
{
    hs_item_result a;
    make_item(&a, 1, 0, 2, 4);
    write_two_journals(&a, &a);
    hs_journal_replay replay;
    hs_error err;
    ck_assert_int_eq(hs_journal_replay_bounded(cube, IDENTITY, 4, 64, &replay, &err),
                     HS_ERR_INPUT);
    ck_assert(strstr(err.msg, "more than this job's journals can") != NULL);
    ck_assert_uint_gt(hs_journal_max_bytes(96, 20), 96 * (20 * 9 + 165));
    hs_item_result_free(&a);
}
END_TEST

/* An item with a distinct, known value in every field (two columns, three
 * tasks), for the golden record below. */
static void make_known_item(hs_item_result *item)
{
    hs_item_result_init(item, 6, 10, 2, 3);
    item->wall_seconds = 12.25;
    for (int b = 0; b < 2; b++) {
        hs_column_result *c = &item->columns[b];
        c->status = (int8_t)(b + 1);
        for (int k = 0; k < 5; k++)
            c->tau_moments[k] = 0.5 * k + b;
        c->dimensionality = 3.75 + b;
        c->simulated_seconds = 2.0 + b;
        for (int k = 0; k < HS_N_COUNTERS; k++)
            c->counters[k] = 100 * k + b;
        for (int k = 0; k < HS_N_ACTIVITY; k++)
            c->activity[k] = 0.125 * k - b;
        for (int k = 0; k < HS_N_COSTS; k++)
            c->costs[k] = 1e9 * k + b;
        for (size_t t = 0; t < 3; t++) {
            c->score[t] = (float)t + 0.5f * (float)b;
            c->alignment[t] = -0.25f * (float)t;
            c->lambda_index[t] = (int8_t)(t + 4 * (size_t)b);
        }
    }
}

/* The journal's bytes are a file format: a resumed run reads records an
 * earlier build wrote. This pins a header and an item record, byte for byte.
 * The digest was checked against the layout built independently (Python
 * struct, little-endian): each record is [magic u32 "HSJ1"][length u32]
 * [crc32 u32][payload]; the header's payload is [1 u8][identity 64 bytes]
 * [n_tasks u64]; an item's is [2 u8][unit i32][n_columns i32][n_tasks u64]
 * [wall_seconds f64], then per column [column i32][status i8][tau_moments
 * 5 f64][dimensionality f64][simulated_seconds f64][counters 3 i64]
 * [activity 5 f64][costs 6 f64][score n_tasks f32][alignment n_tasks f32]
 * [lambda_index n_tasks i8]. */
START_TEST(record_layout_is_pinned)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 4, IDENTITY, 3, &j, &err), HS_OK);
    hs_item_result item;
    make_known_item(&item);
    ck_assert_int_eq(hs_journal_append(j, &item, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_item_result_free(&item);
    char path[300];
    snprintf(path, sizeof path, "%s.journal.4", cube);
    long size = file_size(path);
    /* header 12 + 73; item 12 + 25 + 2 * (173 + 9 * 3) */
    ck_assert_int_eq(size, 85 + 12 + 25 + 2 * (173 + 9 * 3));
    unsigned char *bytes = malloc((size_t)size);
    FILE *f = fopen(path, "rb");
    ck_assert_int_eq(fread(bytes, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    char hex[65];
    hs_sha256_hex(bytes, (size_t)size, hex);
    free(bytes);
    ck_assert_str_eq(hex, "bae0309665c719a8994971b6c832a294ea58b358c6c781d05c9700469916fc58");
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, crc32_known_value);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, torn_tail_and_bad_checksum_are_dropped);
    tcase_add_test(tc, reset_keeps_the_header_only);
    tcase_add_test(tc, compact_keeps_the_records_given_and_pack_round_trips);
    tcase_add_test(tc, foreign_journal_is_refused);
    tcase_add_test(tc, checksum_accepts_both_sides_of_a_rename);
    tcase_add_test(tc, copied_record_is_replayed_once);
    tcase_add_test(tc, different_records_of_one_network_are_refused);
    tcase_add_test(tc, journal_over_the_bound_is_refused);
    tcase_add_test(tc, record_layout_is_pinned);
    suite_add_tcase(s, tc);
    return s;
}
