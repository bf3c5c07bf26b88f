/* test_plan.c - Check tests of plan.h: every column of every unit in exactly one item,
 * items in cost order, positions and unit indices, the memory estimate against the
 * budget on both sides of the boundary, and the tail split. */
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/plan.h"

START_TEST(plan_covers_every_column_once)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_plan plan;
    hs_plan_make(&plan, &job, 882, 30500);
    ck_assert_int_eq(plan.n_units, 4);
    ck_assert_int_eq(plan.n_columns, 5);
    int seen[4][5] = {{0}};
    for (int i = 0; i < plan.n_items; i++) {
        for (int c = 0; c < plan.items[i].n_columns; c++)
            seen[plan.items[i].unit][plan.items[i].first_column + c]++;
        if (i > 0)
            ck_assert(plan.items[i - 1].flops >= plan.items[i].flops);
    }
    for (int u = 0; u < 4; u++)
        for (int c = 0; c < 5; c++)
            ck_assert_int_eq(seen[u][c], 1);
    uint64_t pos[HS_N_AXES];
    hs_plan_position(&job, 3, 4, pos);
    ck_assert_uint_eq(pos[HS_AX_N], 1);
    ck_assert_uint_eq(pos[HS_AX_SEED], 1);
    ck_assert_uint_eq(pos[HS_AX_HETEROGENEITY], 4);
    ck_assert_int_eq(hs_plan_unit_index(&job, 0, 1, 1), 3);
    ck_assert(hs_plan_fits(&plan, &job));
    /* the estimate counts the stimulus, the similarity matrix and the progress arrays */
    ck_assert(plan.shared_bytes >= 8.0 * 3 * 30500 + 8.0 * 882 * 882);
    ck_assert(plan.bytes_per_rank > plan.shared_bytes);
    job.run.memory_budget_mb = plan.bytes_per_rank / 1048576.0;
    ck_assert(hs_plan_fits(&plan, &job));
    job.run.memory_budget_mb = 0.999 * plan.bytes_per_rank / 1048576.0;
    ck_assert(!hs_plan_fits(&plan, &job));
    hs_plan_free(&plan);
    hs_job_free(&job);
}
END_TEST

/* A plan of `count` equal items of 8 columns, one per unit. */
static void equal_items(hs_plan *plan, int count)
{
    memset(plan, 0, sizeof *plan);
    plan->n_units = count;
    plan->n_columns = 8;
    plan->batch = 8;
    plan->n_items = count;
    plan->items = hs_xcalloc((size_t)count, sizeof(hs_work_item));
    for (int u = 0; u < count; u++)
        plan->items[u] = (hs_work_item){u, 0, 8, 8.0};
}

/* The finish time of the last of `workers` given the plan's hand-out order. */
static double makespan(const hs_plan *plan, int workers)
{
    double finish[8] = {0}, last = 0;
    for (int i = 0; i < plan->n_items; i++) {
        int w = 0;
        for (int k = 1; k < workers; k++)
            if (finish[k] < finish[w])
                w = k;
        finish[w] += plan->items[i].flops;
        if (finish[w] > last)
            last = finish[w];
    }
    return last;
}

START_TEST(tail_split_balances_the_end_and_keeps_every_column)
{
    hs_plan plan;
    equal_items(&plan, 3); /* 3 equal items on 2 ranks: one would run alone at the end */
    ck_assert_double_eq(makespan(&plan, 2), 16.0);
    ck_assert_int_gt(hs_plan_split_tail(&plan, 2), 0);
    ck_assert_double_eq(makespan(&plan, 2), 12.0);
    int seen[3][8] = {{0}};
    for (int i = 0; i < plan.n_items; i++) {
        const hs_work_item *it = &plan.items[i];
        ck_assert_double_eq(it->flops, (double)it->n_columns);
        for (int c = 0; c < it->n_columns; c++)
            seen[it->unit][it->first_column + c]++;
        if (i > 0)
            ck_assert(plan.items[i - 1].flops >= it->flops);
    }
    for (int u = 0; u < 3; u++)
        for (int c = 0; c < 8; c++)
            ck_assert_int_eq(seen[u][c], 1);
    hs_plan_free(&plan);

    equal_items(&plan, 4); /* already balanced: left alone */
    ck_assert_int_eq(hs_plan_split_tail(&plan, 2), 0);
    ck_assert_int_eq(plan.n_items, 4);
    ck_assert_int_eq(hs_plan_split_tail(&plan, 1), 0); /* one rank: nothing to balance */
    hs_plan_free(&plan);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, plan_covers_every_column_once);
    tcase_add_test(tc, tail_split_balances_the_end_and_keeps_every_column);
    suite_add_tcase(s, tc);
    return s;
}
