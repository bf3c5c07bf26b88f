/* test_fpenv.c - Check tests of fpenv.h: after hs_fp_flush_subnormals a
 * subnormal result becomes 0 and a subnormal operand reads as 0, in the
 * calling thread and in a thread it starts afterwards (which the hetsweep
 * command's OpenMP, scheduler and checkpoint threads rely on). */
#include <float.h>
#include <pthread.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/fpenv.h"

/* volatile: the compiler must not fold the arithmetic at compile time */
static volatile double smallest_normal = DBL_MIN, subnormal = DBL_MIN / 4, one = 1.0;

typedef struct {
    int flushed;
    double result, operand;
} observed;

static void observe(observed *o)
{
    o->flushed = hs_fp_subnormals_flushed();
    o->result = smallest_normal / 4;      /* subnormal unless FTZ */
    o->operand = subnormal * 1e300 * one; /* 5.6e-9 unless DAZ */
}

static void *observe_in_thread(void *arg)
{
    observe(arg);
    return NULL;
}

START_TEST(subnormals_flushed_here_and_in_later_threads)
{
    observed before;
    observe(&before);
    ck_assert(before.result > 0 && before.operand > 0); /* the default: gradual underflow */
    hs_fp_flush_subnormals();
    observed here, there;
    observe(&here);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, observe_in_thread, &there), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
#if defined(__SSE2__)
    const observed *seen[2] = {&here, &there};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(seen[k]->flushed, 1);
        ck_assert(seen[k]->result == 0.0);
        ck_assert(seen[k]->operand == 0.0);
    }
#else
    ck_assert_int_eq(here.flushed, 0);
#endif
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("fpenv");
    TCase *tc = tcase_create("fpenv");
    tcase_add_test(tc, subnormals_flushed_here_and_in_later_threads);
    suite_add_tcase(s, tc);
    return s;
}
