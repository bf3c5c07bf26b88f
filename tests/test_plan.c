/* test_plan.c - Check tests of plan.h: every column of every unit in exactly one item,
 * items in cost order, positions and unit indices, the memory estimate against the
 * budget on both sides of the boundary, the tail split, and cv = 0 computed once for
 * every profile (the copies, their sources, resuming with some done). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/plan.h"
#include "hetsweep/rng.h"
#include "hetsweep/tau.h"

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

/* Only a job that selects its lambda on validation holds validation
 * statistics: with a fixed lambda, with or without a validation window, the
 * column estimate is smaller by one segment's arrays exactly (readout.c). */
START_TEST(column_estimate_counts_validation_only_where_it_is_read_out)
{
    hs_job job;
    hs_job_defaults(&job);
    double n = 500, t = 882;
    ck_assert(hs_plan_has_validation(&job));
    double with = hs_plan_column_bytes(&job, n, (size_t)t);
    job.readout.selection = HS_SELECT_FIXED;
    ck_assert(!hs_plan_has_validation(&job));
    double without = hs_plan_column_bytes(&job, n, (size_t)t);
    ck_assert(fabs(with - without - 8 * (n * n + n * t + n + 2 * t)) < 0.5);
    job.time.validation_ms = 0;
    ck_assert(!hs_plan_has_validation(&job));
    ck_assert(hs_plan_column_bytes(&job, n, (size_t)t) == without);
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

/* ---- cv = 0 computed once for every profile ------------------------------------ */

/* The fact behind sharing: at cv = 0 every profile gives every time constant
 * equal to tau_mean (and the same moments), whatever its random stream. */
START_TEST(cv0_gives_tau_mean_for_every_profile)
{
    static const int profiles[] = {HS_PROFILE_LOGNORMAL, HS_PROFILE_GAMMA, HS_PROFILE_NORMAL,
                                   HS_PROFILE_UNIFORM, HS_PROFILE_FILE};
    const double file_values[] = {3.0, 7.5, 20.0, 41.0, 90.0};
    const size_t n = 64;
    double first[64], tau[64];
    hs_tau_moments first_moments, moments;
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        hs_rng rng = hs_rng_tau(7, (int64_t)n, 3, profiles[p], 0.0, 20.0);
        ck_assert_int_eq(hs_tau_draw(profiles[p], 0.0, 20.0, 1.0, n, &rng, file_values, 5, tau,
                                     &moments),
                         HS_OK);
        for (size_t i = 0; i < n; i++)
            ck_assert(tau[i] == 20.0);
        if (p == 0) {
            memcpy(first, tau, sizeof tau);
            first_moments = moments;
        }
        ck_assert(memcmp(first, tau, sizeof tau) == 0);
        ck_assert(memcmp(&first_moments, &moments, sizeof moments) == 0);
    }
    /* infeasible (tau_mean below tau_min) alike for every profile */
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        hs_rng rng = hs_rng_tau(7, (int64_t)n, 3, profiles[p], 0.0, 0.5);
        ck_assert_int_eq(hs_tau_draw(profiles[p], 0.0, 0.5, 1.0, n, &rng, file_values, 5, tau,
                                     NULL),
                         HS_NO_VALUE);
    }
}
END_TEST

/* A job of 3 profiles x cv [0, 0.5] x tau_mean [20, 30] x input_gain [1, 0.5]. */
static void sharing_job(hs_job *job)
{
    static const char text[] = "sweep:\n"
                               "  profile: [lognormal, normal, uniform]\n"
                               "  heterogeneity: [0.0, 0.5]\n"
                               "  tau_mean_ms: [20, 30]\n"
                               "  input_gain: [1.0, 0.5]\n"
                               "  n: [20, 40]\n"
                               "  seeds: [0, 1]\n";
    hs_error err;
    int status = hs_job_parse("job.yaml", text, strlen(text), job, &err);
    ck_assert_msg(status == HS_OK, "refused: %s", err.msg);
}

/* Items cover every computed column of every unit once and no copy; returns
 * the number of computed columns seen. */
static int check_items_skip_copies(const hs_plan *plan)
{
    int *seen = hs_xcalloc((size_t)plan->n_units * plan->n_columns, sizeof(int));
    int computed = 0;
    for (int i = 0; i < plan->n_items; i++)
        for (int c = 0; c < plan->items[i].n_columns; c++) {
            int column = plan->items[i].first_column + c;
            ck_assert_int_lt(plan->source[column], 0);
            seen[(size_t)plan->items[i].unit * plan->n_columns + column]++;
            computed++;
        }
    for (int u = 0; u < plan->n_units; u++)
        for (int c = 0; c < plan->n_columns; c++)
            ck_assert_int_eq(seen[(size_t)u * plan->n_columns + c], plan->source[c] < 0);
    free(seen);
    return computed;
}

START_TEST(plan_computes_cv0_once_for_every_profile)
{
    hs_job job;
    sharing_job(&job);
    hs_plan plan;
    hs_plan_make(&plan, &job, 20, 1000);
    ck_assert_int_eq(plan.n_units, 4);
    ck_assert_int_eq(plan.n_columns, 3 * 2 * 2 * 2);
    /* the copies: profiles 1 and 2 at cv = 0, for each tau_mean and input_gain */
    ck_assert_int_eq(plan.n_copies, 2 * 2 * 2);
    ck_assert_int_eq(hs_plan_networks_copied(&plan), 4 * 8);
    double computed_flops = 0;
    for (int c = 0; c < plan.n_columns; c++) {
        int idx[HS_COLUMN_AXES], src[HS_COLUMN_AXES];
        hs_plan_column_axes(&job, c, idx);
        int copy = idx[0] > 0 && idx[1] == 0;
        ck_assert_int_eq(plan.source[c] >= 0, copy);
        if (copy) { /* profile 0, every other index the same */
            hs_plan_column_axes(&job, plan.source[c], src);
            ck_assert_int_eq(src[0], 0);
            for (int k = 1; k < HS_COLUMN_AXES; k++)
                ck_assert_int_eq(src[k], idx[k]);
        }
        int copies[3];
        int count = hs_plan_copies_of(&plan, c, copies);
        ck_assert_int_eq(count, idx[0] == 0 && idx[1] == 0 ? 2 : 0);
        for (int k = 0; k < count; k++)
            ck_assert_int_eq(plan.source[copies[k]], c);
    }
    int computed = check_items_skip_copies(&plan);
    ck_assert_int_eq(computed, 4 * (24 - 8));
    for (int u = 0; u < plan.n_units; u++) {
        int idx[HS_UNIT_AXES];
        hs_plan_unit_axes(&job, u, idx);
        computed_flops += (plan.n_columns - plan.n_copies) *
                          hs_plan_column_flops(&job, job.axes[HS_AX_N].values[idx[1]], 20, 1000);
    }
    ck_assert(fabs(plan.total_flops - computed_flops) <= 1e-9 * computed_flops);
    /* spread over many workers: still no copy in any item */
    hs_plan_spread(&plan, &job, 64);
    ck_assert_int_eq(check_items_skip_copies(&plan), computed);
    hs_plan_free(&plan);
    hs_job_free(&job);
}
END_TEST

START_TEST(plan_shares_nothing_with_stored_networks_or_the_hook)
{
    hs_job job;
    sharing_job(&job);
    hs_plan plan;
    job.network.source = HS_SOURCE_FILE; /* stored time constants are read per profile */
    hs_plan_make(&plan, &job, 20, 1000);
    ck_assert_int_eq(plan.n_copies, 0);
    ck_assert_int_eq(check_items_skip_copies(&plan), 4 * 24);
    hs_plan_free(&plan);
    job.network.source = HS_SOURCE_RANDOM;
    setenv("HETSWEEP_NO_SHARE", "1", 1);
    hs_plan_make(&plan, &job, 20, 1000);
    unsetenv("HETSWEEP_NO_SHARE");
#ifdef HS_TEST_HOOKS
    ck_assert_int_eq(plan.n_copies, 0);
    ck_assert_int_eq(check_items_skip_copies(&plan), 4 * 24);
#else /* a packaging build reads no hook */
    ck_assert_int_eq(plan.n_copies, 8);
#endif
    hs_plan_free(&plan);
    hs_job_free(&job);
}
END_TEST

/* Resuming a cube that holds a source without its copy (a run without
 * sharing): the copy is computed on its own; a copy done without its source:
 * the source is computed and the copy not counted again. */
START_TEST(drop_done_keeps_copies_consistent)
{
    hs_job job;
    sharing_job(&job);
    hs_plan plan;
    hs_plan_make(&plan, &job, 20, 1000);
    size_t cells = (size_t)plan.n_units * plan.n_columns;
    unsigned char *done = calloc(cells, 1);
    int copies[3];
    ck_assert_int_eq(hs_plan_copies_of(&plan, 0, copies), 2);
    done[0] = 1;          /* unit 0: source 0 done, its copies not */
    done[copies[0]] = 1;  /* ... one of them done after all */
    int other_source = 1; /* unit 1: a copy of column 1 done, column 1 not */
    ck_assert_int_eq(hs_plan_copies_of(&plan, other_source, copies), 2);
    done[(size_t)plan.n_columns + copies[0]] = 1;
    long long left = hs_plan_drop_done(&plan, done);
    ck_assert_int_eq(left, (long long)cells - 3);
    int own_copy = 0, source_kept = 0;
    ck_assert_int_eq(hs_plan_copies_of(&plan, 0, copies), 2);
    for (int i = 0; i < plan.n_items; i++) {
        const hs_work_item *it = &plan.items[i];
        for (int c = it->first_column; c < it->first_column + it->n_columns; c++) {
            ck_assert(!done[(size_t)it->unit * plan.n_columns + c]);
            own_copy += it->unit == 0 && c == copies[1];
            source_kept += it->unit == 1 && c == other_source;
            ck_assert(plan.source[c] < 0 || (it->unit == 0 && c == copies[1]));
        }
    }
    ck_assert_int_eq(own_copy, 1);
    ck_assert_int_eq(source_kept, 1);
    free(done);
    hs_plan_free(&plan);
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, plan_covers_every_column_once);
    tcase_add_test(tc, column_estimate_counts_validation_only_where_it_is_read_out);
    tcase_add_test(tc, tail_split_balances_the_end_and_keeps_every_column);
    tcase_add_test(tc, cv0_gives_tau_mean_for_every_profile);
    tcase_add_test(tc, plan_computes_cv0_once_for_every_profile);
    tcase_add_test(tc, plan_shares_nothing_with_stored_networks_or_the_hook);
    tcase_add_test(tc, drop_done_keeps_copies_consistent);
    suite_add_tcase(s, tc);
    return s;
}
