/* test_testhooks.c - Check tests of testhooks.h: with -Dtest_hooks=true (the
 * default) each hook reads its variable, matches only its own point, and reaches
 * the plan; with -Dtest_hooks=false (scripts/test runs this program in its
 * portable build too) every hook is inert whatever the environment says. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/plan.h"
#include "hetsweep/testhooks.h"

#ifdef HS_TEST_HOOKS
static const int hooks_built = 1;
#else
static const int hooks_built = 0;
#endif

/* The wait status of a child that passes point `name` `passes` times under
 * HETSWEEP_CRASH_AT=spec, then exits 0. */
static int status_after_passes(const char *spec, const char *name, int passes)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        setenv("HETSWEEP_CRASH_AT", spec, 1);
        for (int i = 0; i < passes; i++)
            hs_crash_point(name);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return status;
}

static int killed(int status)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

START_TEST(crash_point_kills_on_the_kth_pass_of_its_own_point)
{
    ck_assert(!killed(status_after_passes("journal-reset:3", "journal-reset", 2)));
    ck_assert_int_eq(killed(status_after_passes("journal-reset:3", "journal-reset", 3)),
                     hooks_built);
    ck_assert(!killed(status_after_passes("journal-reset:1", "journal", 5)));
    ck_assert(!killed(status_after_passes("journal:1", "journal-reset", 5)));
    setenv("HETSWEEP_CRASH_AT", "journal-torn:4", 1);
    ck_assert_int_eq(hs_crash_point_armed("journal-torn"), hooks_built);
    ck_assert(!hs_crash_point_armed("checkpoint-write"));
    unsetenv("HETSWEEP_CRASH_AT");
    ck_assert(!hs_crash_point_armed("journal-torn"));
}
END_TEST

START_TEST(fail_point_names_one_rank)
{
    setenv("HETSWEEP_FAIL_AT", "cube-write:1", 1);
    ck_assert_int_eq(hs_fail_point("cube-write", 1), hooks_built);
    ck_assert(!hs_fail_point("cube-write", 0));
    ck_assert(!hs_fail_point("cube", 1));
    unsetenv("HETSWEEP_FAIL_AT");
    ck_assert(!hs_fail_point("cube-write", 1));
}
END_TEST

START_TEST(batch_cap_and_item_order)
{
    ck_assert_int_eq(hs_hook_max_batch(64), 64);
    ck_assert(!hs_hook_reverse_items());
    setenv("HETSWEEP_MAX_BATCH", "3", 1);
    setenv("HETSWEEP_ITEM_ORDER", "forward", 1);
    ck_assert_int_eq(hs_hook_max_batch(64), hooks_built ? 3 : 64);
    ck_assert(!hs_hook_reverse_items());
    setenv("HETSWEEP_ITEM_ORDER", "reverse", 1);
    ck_assert_int_eq(hs_hook_reverse_items(), hooks_built);
    unsetenv("HETSWEEP_MAX_BATCH");
    unsetenv("HETSWEEP_ITEM_ORDER");
}
END_TEST

START_TEST(no_exchange)
{
    ck_assert(!hs_hook_no_exchange());
    setenv("HETSWEEP_NO_EXCHANGE", "0", 1);
    ck_assert(!hs_hook_no_exchange());
    setenv("HETSWEEP_NO_EXCHANGE", "1", 1);
    ck_assert_int_eq(hs_hook_no_exchange(), hooks_built);
    unsetenv("HETSWEEP_NO_EXCHANGE");
}
END_TEST

START_TEST(checkpoint_each_item)
{
    ck_assert(!hs_hook_checkpoint_each_item());
    setenv("HETSWEEP_CHECKPOINT_EACH_ITEM", "0", 1);
    ck_assert(!hs_hook_checkpoint_each_item());
    setenv("HETSWEEP_CHECKPOINT_EACH_ITEM", "1", 1);
    ck_assert_int_eq(hs_hook_checkpoint_each_item(), hooks_built);
    unsetenv("HETSWEEP_CHECKPOINT_EACH_ITEM");
}
END_TEST

START_TEST(verify_shadow)
{
    ck_assert(!hs_hook_verify_shadow());
    setenv("HETSWEEP_VERIFY_SHADOW", "0", 1);
    ck_assert(!hs_hook_verify_shadow());
    setenv("HETSWEEP_VERIFY_SHADOW", "1", 1);
    ck_assert_int_eq(hs_hook_verify_shadow(), hooks_built);
    unsetenv("HETSWEEP_VERIFY_SHADOW");
}
END_TEST

/* The default job's plan: one column per item and smallest first under the
 * hooks, the plain plan without them. */
START_TEST(crc32c_portable)
{
    ck_assert(!hs_hook_crc32c_portable());
    setenv("HETSWEEP_CRC32C", "hardware", 1);
    ck_assert(!hs_hook_crc32c_portable());
    setenv("HETSWEEP_CRC32C", "portable", 1);
    ck_assert_int_eq(hs_hook_crc32c_portable(), hooks_built);
    unsetenv("HETSWEEP_CRC32C");
}
END_TEST

START_TEST(plan_follows_the_hooks)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_plan plain, hooked;
    hs_plan_make(&plain, &job, 882, 30500);
    ck_assert_int_gt(plain.batch, 1);
    setenv("HETSWEEP_MAX_BATCH", "1", 1);
    setenv("HETSWEEP_ITEM_ORDER", "reverse", 1);
    hs_plan_make(&hooked, &job, 882, 30500);
    unsetenv("HETSWEEP_MAX_BATCH");
    unsetenv("HETSWEEP_ITEM_ORDER");
    if (hooks_built) {
        ck_assert_int_eq(hooked.batch, 1);
        ck_assert_int_gt(hooked.n_items, plain.n_items);
        ck_assert(hooked.items[0].flops < hooked.items[hooked.n_items - 1].flops);
    } else {
        ck_assert_int_eq(hooked.batch, plain.batch);
        ck_assert_int_eq(hooked.n_items, plain.n_items);
        for (int i = 0; i < plain.n_items; i++)
            ck_assert(hooked.items[i].flops == plain.items[i].flops);
    }
    hs_plan_free(&hooked);
    hs_plan_free(&plain);
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("testhooks");
    TCase *tc = tcase_create("testhooks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, crash_point_kills_on_the_kth_pass_of_its_own_point);
    tcase_add_test(tc, fail_point_names_one_rank);
    tcase_add_test(tc, batch_cap_and_item_order);
    tcase_add_test(tc, no_exchange);
    tcase_add_test(tc, checkpoint_each_item);
    tcase_add_test(tc, verify_shadow);
    tcase_add_test(tc, crc32c_portable);
    tcase_add_test(tc, plan_follows_the_hooks);
    suite_add_tcase(s, tc);
    return s;
}
