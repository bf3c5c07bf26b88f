/* test_boxes.c - unit tests of boxes.h: a set of grid networks cut into
 * hyperslab boxes that cover it exactly, as few as its shape allows. */
#include <check.h>

#include "check_runner.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/boxes.h"

/* model, profile, heterogeneity, tau, n, input gain, recurrent gain, noise, seed */
static const uint64_t dims[HS_N_AXES] = {2, 1, 3, 1, 2, 4, 1, 10, 3};

static uint64_t ravel(const uint64_t *pos)
{
    uint64_t linear = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        linear = linear * dims[a] + pos[a];
    return linear;
}

static uint64_t grid_size(void)
{
    uint64_t n = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        n *= dims[a];
    return n;
}

/* Every box lists its networks row-major, each network of the set exactly once. */
static void check_cover(const uint64_t *linear, size_t count, const hs_box_set *set)
{
    ck_assert_uint_eq(set->first[set->n_boxes], count);
    char *seen = calloc(count + 1, 1);
    for (size_t b = 0; b < set->n_boxes; b++) {
        const hs_box *box = &set->boxes[b];
        uint64_t offset[HS_N_AXES] = {0}, pos[HS_N_AXES];
        for (size_t j = set->first[b]; j < set->first[b + 1]; j++) {
            for (int a = 0; a < HS_N_AXES; a++)
                pos[a] = box->start[a] + offset[a];
            ck_assert_uint_eq(linear[set->order[j]], ravel(pos));
            ck_assert(!seen[set->order[j]]);
            seen[set->order[j]] = 1;
            int a = HS_N_AXES - 1;
            while (a >= 0 && ++offset[a] == box->count[a])
                offset[a--] = 0;
        }
    }
    for (size_t i = 0; i < count; i++)
        ck_assert(seen[i]);
    free(seen);
}

START_TEST(a_whole_grid_is_one_box)
{
    uint64_t n = grid_size();
    uint64_t *linear = malloc(n * sizeof *linear);
    for (uint64_t i = 0; i < n; i++)
        linear[i] = i;
    hs_box_set set;
    hs_boxes_make(linear, n, dims, &set);
    ck_assert_uint_eq(set.n_boxes, 1);
    for (int a = 0; a < HS_N_AXES; a++)
        ck_assert_uint_eq(set.boxes[0].count[a], dims[a]);
    for (uint64_t i = 0; i < n; i++)
        ck_assert_uint_eq(set.order[i], i);
    hs_boxes_free(&set);
    free(linear);
}
END_TEST

/* The columns of one unit (model 1, n 0, seed 2): one box, one seed wide. */
START_TEST(a_whole_unit_is_one_box)
{
    uint64_t linear[240], pos[HS_N_AXES] = {1, 0, 0, 0, 0, 0, 0, 0, 2};
    size_t count = 0;
    for (pos[2] = 0; pos[2] < dims[2]; pos[2]++)
        for (pos[5] = 0; pos[5] < dims[5]; pos[5]++)
            for (pos[7] = 0; pos[7] < dims[7]; pos[7]++)
                linear[count++] = ravel(pos);
    hs_box_set set;
    hs_boxes_make(linear, count, dims, &set);
    ck_assert_uint_eq(set.n_boxes, 1);
    ck_assert_uint_eq(set.boxes[0].count[8], 1);
    ck_assert_uint_eq(set.boxes[0].count[7], 10);
    check_cover(linear, count, &set);
    hs_boxes_free(&set);
}
END_TEST

/* Columns 7..14 of a unit run over the end of a noise row: two boxes. */
START_TEST(a_work_item_over_a_row_end_is_two_boxes)
{
    uint64_t linear[8], pos[HS_N_AXES] = {0, 0, 1, 0, 1, 0, 0, 0, 0};
    for (int c = 7; c < 15; c++) {
        pos[5] = (uint64_t)c / 10;
        pos[7] = (uint64_t)c % 10;
        linear[c - 7] = ravel(pos);
    }
    hs_box_set set;
    hs_boxes_make(linear, 8, dims, &set);
    ck_assert_uint_eq(set.n_boxes, 2);
    check_cover(linear, 8, &set);
    hs_boxes_free(&set);
}
END_TEST

START_TEST(random_sets_are_covered_exactly)
{
    uint64_t n = grid_size();
    uint64_t *linear = malloc(n * sizeof *linear);
    uint64_t state = 12345;
    for (int trial = 0; trial < 200; trial++) {
        size_t count = 0;
        int keep = 1 + trial % 9; /* from sparse to nearly everything */
        for (uint64_t i = 0; i < n; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            if ((state >> 33) % 10 < (uint64_t)keep)
                linear[count++] = i;
        }
        hs_box_set set;
        hs_boxes_make(linear, count, dims, &set);
        ck_assert_uint_le(set.n_boxes, count);
        check_cover(linear, count, &set);
        hs_boxes_free(&set);
    }
    hs_box_set none;
    hs_boxes_make(linear, 0, dims, &none);
    ck_assert_uint_eq(none.n_boxes, 0);
    ck_assert_uint_eq(none.first[0], 0);
    hs_boxes_free(&none);
    free(linear);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("boxes");
    TCase *tc = tcase_create("boxes");
    tcase_add_test(tc, a_whole_grid_is_one_box);
    tcase_add_test(tc, a_whole_unit_is_one_box);
    tcase_add_test(tc, a_work_item_over_a_row_end_is_two_boxes);
    tcase_add_test(tc, random_sets_are_covered_exactly);
    suite_add_tcase(s, tc);
    return s;
}
