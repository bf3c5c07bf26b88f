/* test_schema.c - the results schema with one more field. This test links
 * the core with src/results.c built with -DHS_TEST_EXTRA_RESULT_FIELD (a row
 * "/results/test_extra", float64, units "s", sharing simulated_seconds'
 * storage) and nothing else changed: the field is in the table, in the
 * journal's records and back from their replay. tests/schema_test.py runs the
 * hetsweep of that build: the field is in the cube, with its units, and in
 * `status`. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_runner.h"
#include "hetsweep/journal.h"
#include "hetsweep/results.h"

static const char *IDENTITY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char cube[256];

static void setup(void)
{
    snprintf(cube, sizeof cube, "/tmp/hetsweep-schema-test-%d.h5", (int)getpid());
    hs_journal_remove_all(cube);
}

static void teardown(void)
{
    hs_journal_remove_all(cube);
}

START_TEST(the_table_holds_the_extra_field_last)
{
    int count;
    const hs_result_field *fields = hs_result_fields(&count);
    ck_assert_int_eq(count, 22); /* the 21 of the cube, and the extra one */
    const hs_result_field *extra = hs_result_field_named("test_extra");
    ck_assert_ptr_eq(extra, &fields[count - 1]);
    ck_assert_str_eq(extra->path, "/results/test_extra");
    ck_assert_str_eq(extra->units, "s");
    ck_assert_uint_eq(extra->inner, 1);
    ck_assert(isnan(extra->fill));
}
END_TEST

START_TEST(an_item_starts_with_the_extra_field_at_its_fill)
{
    hs_item_result item;
    hs_item_result_init(&item, 0, 0, 2, 3);
    const hs_result_field *extra = hs_result_field_named("test_extra");
    ck_assert(isnan(*(const double *)hs_result_cvalues(&item.columns[1], extra)));
    hs_item_result_free(&item);
}
END_TEST

START_TEST(the_extra_field_survives_a_journal_round_trip)
{
    hs_journal *j;
    hs_error err;
    ck_assert_int_eq(hs_journal_open(cube, 0, IDENTITY, 3, &j, &err), HS_OK);
    hs_item_result item;
    hs_item_result_init(&item, 6, 10, 2, 3);
    const hs_result_field *extra = hs_result_field_named("test_extra");
    for (int b = 0; b < 2; b++)
        *(double *)hs_result_values(&item.columns[b], extra) = 7.5 + b;
    ck_assert_int_eq(hs_journal_append(j, &item, &err), HS_OK);
    hs_journal_close(j, 0);
    hs_item_result_free(&item);

    /* the record of tests/test_journal.c's golden item, 8 bytes more a column */
    char path[300];
    snprintf(path, sizeof path, "%s.journal.0", cube);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    ck_assert_int_eq(size, 522 + 2 * 8);
    double stored; /* the extra field ends the first column: header, frame, item, column
                      index, the fixed fields, the three per-task fields */
    fseek(f, 85 + 12 + 25 + 4 + 169 + 3 * 9, SEEK_SET);
    ck_assert_int_eq(fread(&stored, sizeof stored, 1, f), 1);
    fclose(f);
    ck_assert(stored == 7.5);

    hs_journal_replay replay;
    ck_assert_int_eq(hs_journal_replay_all(cube, IDENTITY, 3, &replay, &err), HS_OK);
    ck_assert_int_eq(replay.n_items, 1);
    ck_assert_int_eq(replay.n_torn, 0);
    for (int b = 0; b < 2; b++)
        ck_assert(*(const double *)hs_result_cvalues(&replay.items[0].columns[b], extra) ==
                  7.5 + b);
    hs_journal_replay_free(&replay);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("schema");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_table_holds_the_extra_field_last);
    tcase_add_test(tc, an_item_starts_with_the_extra_field_at_its_fill);
    tcase_add_test(tc, the_extra_field_survives_a_journal_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
