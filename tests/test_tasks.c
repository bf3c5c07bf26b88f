/* test_tasks.c - Check tests of tasks.h: the task grid and its order, targets,
 * complexity and similarity, and the train/validation/test windows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"

START_TEST(task_grid_default)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_tasks tasks;
    hs_tasks_make(&tasks, &job);
    ck_assert_uint_eq(tasks.n_tasks, 882);
    ck_assert_int_eq(tasks.max_shift, 100);
    /* k-major, then d, then Delta */
    ck_assert_int_eq(tasks.k[0], 1);
    ck_assert_int_eq(tasks.d[0], 1);
    ck_assert(tasks.delta_ms[0] == -100.0);
    ck_assert(tasks.delta_ms[48] == 100.0);
    ck_assert_int_eq(tasks.d[49], 2);
    ck_assert_int_eq(tasks.k[294], 2);
    ck_assert_int_eq(tasks.delta_steps[24], 0);
    for (size_t j = 0; j < 49; j++)
        ck_assert_int_eq(tasks.delta_steps[j], (int)rint(-100.0 + (double)j * (200.0 / 48)));
    hs_tasks_free(&tasks);
    hs_job_free(&job);
}
END_TEST

START_TEST(task_targets_and_complexity)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_tasks tasks;
    hs_tasks_make(&tasks, &job);
    hs_stimulus stim;
    ck_assert_int_eq(hs_stimulus_make(&stim, 2000, 20, NULL), HS_OK);
    double *Y = hs_alloc_doubles(3 * tasks.n_tasks);
    hs_tasks_targets(&tasks, &stim, 500, 3, Y);
    for (size_t r = 0; r < 3; r++)
        for (size_t j = 0; j < tasks.n_tasks; j += 37) {
            double x = stim.u[3 * (500 + r + (size_t)tasks.delta_steps[j]) + tasks.k[j] - 1];
            ck_assert(fabs(Y[r * tasks.n_tasks + j] - pow(x, tasks.d[j])) <=
                      1e-12 * fabs(pow(x, tasks.d[j])));
        }
    hs_window w = {1000, 1800};
    size_t n = tasks.n_tasks;
    hs_tasks_complexity(&tasks, &stim, w, NULL);
    double *alone = hs_alloc_doubles(n);
    memcpy(alone, tasks.complexity, n * sizeof *alone);
    double *S = NULL;
    hs_tasks_complexity(&tasks, &stim, w, &S);
    ck_assert(tasks.complexity[24] == 0.0); /* identity task */
    for (size_t j = 0; j < tasks.n_tasks; j++)
        ck_assert(tasks.complexity[j] >= 0 && tasks.complexity[j] <= 1);
    ck_assert(tasks.complexity[0] > 0.01); /* a shifted task is not the identity */
    for (size_t i = 0; i < n; i += 41) {
        ck_assert(fabs(S[i * n + i] - 1) < 1e-12);
        for (size_t j = 0; j < n; j += 53)
            ck_assert(S[i * n + j] == S[j * n + i]);
    }
    /* cos(identity, u_1) and complexity agree: 1 - |S| for k=1,d=1 pairs */
    ck_assert(fabs((1 - fabs(S[24 * n + 0])) - tasks.complexity[0]) < 1e-12);
    /* asking for the similarity too leaves the complexity as it is */
    ck_assert(memcmp(alone, tasks.complexity, n * sizeof *alone) == 0);
    free(S);
    free(alone);
    free(Y);
    hs_stimulus_free(&stim);
    hs_tasks_free(&tasks);
    hs_job_free(&job);
}
END_TEST

START_TEST(windows_intersect_delays)
{
    hs_job job;
    hs_job_defaults(&job);
    hs_windows w;
    hs_windows_make(&w, &job, 100);
    ck_assert_uint_eq(w.n_samples, 30500);
    ck_assert_uint_eq(w.segment[0].begin, 500);
    ck_assert_uint_eq(w.segment[0].end, 20500);
    ck_assert_uint_eq(w.segment[1].begin, 20500);
    ck_assert_uint_eq(w.segment[2].end, 30400);
    job.time.washout_ms = 0;
    hs_windows_make(&w, &job, 100);
    ck_assert_uint_eq(w.segment[0].begin, 100);
    hs_job_free(&job);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, task_grid_default);
    tcase_add_test(tc, task_targets_and_complexity);
    tcase_add_test(tc, windows_intersect_delays);
    suite_add_tcase(s, tc);
    return s;
}
