/* test_alloc.c - no heap allocation in the time loop (issue 9).
 *
 * This executable wraps malloc, calloc, realloc and the aligned allocators
 * (around glibc's __libc_* functions) and counts the calls. hs_unit_run calls
 * its poll hook after every time chunk, so the calls made between two
 * consecutive polls of the simulation are those of one whole chunk: the
 * step functions, the feature copies, the targets and the readouts'
 * accumulation. Every chunk after the first must make none, for the rate and
 * the LIF model, with one thread and with two, and with mixed precision.
 * Under AddressSanitizer, which owns malloc, nothing is counted: the work
 * items still run, the counts are not checked.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/plan.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/unit.h"

/* ---- counting allocator ------------------------------------------------- */

static atomic_long allocations;

#ifndef __SANITIZE_ADDRESS__
#define COUNTING 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static void *counted(void *p)
{
    if (p)
        atomic_fetch_add(&allocations, 1);
    return p;
}

void *malloc(size_t size)
{
    return counted(__libc_malloc(size));
}

void *calloc(size_t count, size_t size)
{
    return counted(__libc_calloc(count, size));
}

void *realloc(void *p, size_t size)
{
    return counted(__libc_realloc(p, size));
}

void *memalign(size_t alignment, size_t size)
{
    return counted(__libc_memalign(alignment, size));
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p = memalign(alignment, size);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#else
#define COUNTING 0
#endif

/* ---- one work item, the allocations counted at every poll -------------- */

#define MAX_POLLS 256

typedef struct {
    int polls;
    long count[MAX_POLLS]; /* allocations so far, at each poll */
} poll_log;

static void record(void *arg)
{
    poll_log *log = arg;
    if (log->polls < MAX_POLLS)
        log->count[log->polls++] = atomic_load(&allocations);
}

static const char JOB_TEXT[] = "name: alloc\n"
                               "seed: 3\n"
                               "time: {washout_ms: 100, train_ms: 1500, validation_ms: 300, "
                               "test_ms: 400}\n"
                               "tasks: {components: [1, 3], degrees: [1, 2], delay_count: 4}\n"
                               "readout: {precision: %s}\n"
                               "sweep:\n"
                               "  model: [%s]\n"
                               "  profile: [lognormal]\n"
                               "  heterogeneity: [0, 0.5, 1]\n"
                               "  n: [60]\n"
                               "  noise: [0.1]\n";

/* Allocations made by each chunk of the simulation of the job's one work
 * item, after the first chunk, summed; *chunks the number of chunks. */
static long allocations_after_first_chunk(const char *model, const char *precision,
                                         int threads, int *chunks)
{
    char text[1024];
    snprintf(text, sizeof text, JOB_TEXT, precision, model);
    hs_job job;
    hs_error err;
    ck_assert_int_eq(hs_job_parse("alloc.yaml", text, strlen(text), &job, &err), HS_OK);
    hs_tasks tasks;
    hs_tasks_make(&tasks, &job);
    hs_windows windows;
    hs_windows_make(&windows, &job, tasks.max_shift);
    hs_stimulus stim;
    long steps = hs_stimulus_steps_per_sample(job.time.dt_ms, job.stimulus.time_scale_ms);
    ck_assert_int_eq(hs_stimulus_make(&stim, windows.n_samples, steps, &err), HS_OK);
    hs_plan plan;
    hs_plan_make(&plan, &job, tasks.n_tasks, windows.n_samples);
    ck_assert_int_ge(plan.n_items, 1);
    hs_context ctx;
    hs_context_init(&ctx, &job, &stim, &tasks, &windows);
    ctx.threads = threads;
    *chunks = (int)((windows.n_samples + HS_CHUNK_ROWS - 1) / HS_CHUNK_ROWS);
    ck_assert_int_ge(*chunks, 4);
    ck_assert_int_lt(*chunks, MAX_POLLS);

    poll_log log = {0};
    hs_poll poll = {record, &log};
    for (int round = 0; round < 2; round++) { /* the first warms up OpenMP and OpenBLAS */
        hs_item_result res;
        hs_item_result_init(&res, plan.items[0].unit, plan.items[0].first_column,
                            plan.items[0].n_columns, tasks.n_tasks);
        log.polls = 0;
        ck_assert_int_eq(hs_unit_run(&ctx, &plan.items[0], &poll, &res, &err), HS_OK);
        ck_assert_int_ge(log.polls, *chunks);
        hs_item_result_free(&res);
    }
    /* poll 0 ends the first chunk, poll k the chunk k (of the second round) */
    long extra = log.count[*chunks - 1] - log.count[0];
    hs_context_free(&ctx);
    hs_plan_free(&plan);
    hs_stimulus_free(&stim);
    hs_tasks_free(&tasks);
    hs_job_free(&job);
    return extra;
}

static void expect_none(const char *model, const char *precision, int threads)
{
    int chunks = 0;
    long extra = allocations_after_first_chunk(model, precision, threads, &chunks);
    ck_assert_msg(extra == 0 || !COUNTING,
                  "%s, %s, %d thread(s): %ld allocations in %d chunks after the first", model,
                  precision, threads, extra, chunks - 1);
}

START_TEST(rate_chunks_allocate_nothing)
{
    expect_none("rate", "float64", 1);
    expect_none("rate", "float64", 2);
    expect_none("rate", "mixed", 1);
}
END_TEST

START_TEST(lif_chunks_allocate_nothing)
{
    expect_none("lif", "float64", 1);
    expect_none("lif", "float64", 2);
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("time loop");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rate_chunks_allocate_nothing);
    tcase_add_test(tc, lif_chunks_allocate_nothing);
    suite_add_tcase(s, tc);
    return s;
}

Suite *hs_test_suite(void)
{
    return alloc_suite();
}
