/* test_measures.c - Check tests of measures.h: the rate model's cost formulas. */
#include <math.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/measures.h"

START_TEST(rate_costs_formula)
{
    hs_job job;
    hs_job_defaults(&job);
    double costs[HS_N_COSTS];
    hs_costs_rate(&job, 100, 990, 882, 30500, costs);
    ck_assert(costs[HS_COST_SIM_FLOPS] == 30500.0 * (2 * 990 + 600 + 2000));
    ck_assert(costs[HS_COST_INFERENCE_FLOPS] == 2.0 * 101 * 882 * 30500);
    ck_assert(costs[HS_COST_MEMORY_BYTES] == 990.0 * 12 + 101 * 8 + 2400 + 2400);
    ck_assert(isnan(costs[HS_COST_ATP]));
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("measures");
    TCase *tc = tcase_create("measures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rate_costs_formula);
    suite_add_tcase(s, tc);
    return s;
}
