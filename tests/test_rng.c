/* test_rng.c - Check tests of rng.h: the Philox4x32-10 known-answer vectors, streams
 * keyed by value (equal keys equal draws, the fill equal to single draws), and the
 * moments of the uniform and normal draws. */
#include <math.h>

#include "check_runner.h"
#include "hetsweep/config.h"
#include "hetsweep/rng.h"

START_TEST(philox_known_answers)
{
    /* Known-answer vectors of Random123 (Salmon et al. 2011). */
    const uint32_t ctr[3][4] = {{0, 0, 0, 0},
                                {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                                {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
    const uint32_t key[3][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}};
    const uint32_t expect[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                                   {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                                   {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        hs_philox4x32(ctr[v], key[v], out);
        for (int i = 0; i < 4; i++)
            ck_assert_uint_eq(out[i], expect[v][i]);
    }
}
END_TEST

START_TEST(rng_streams_by_value)
{
    hs_rng a = hs_rng_network(1, HS_RNG_WEIGHT, 100, 7);
    hs_rng b = hs_rng_network(1, HS_RNG_WEIGHT, 100, 7);
    hs_rng c = hs_rng_network(1, HS_RNG_WEIGHT, 100, 8);
    hs_rng d = hs_rng_network(1, HS_RNG_CONNECT, 100, 7);
    ck_assert(hs_rng_normal(&a, 12345) == hs_rng_normal(&b, 12345));
    ck_assert(hs_rng_normal(&a, 12345) != hs_rng_normal(&c, 12345));
    ck_assert(hs_rng_uniform(&a, 5) != hs_rng_uniform(&d, 5));
    double fill[10];
    hs_rng_normal_fill(&a, 100, 10, fill);
    for (int i = 0; i < 10; i++)
        ck_assert(fill[i] == hs_rng_normal(&a, 100 + (uint64_t)i));
}
END_TEST

START_TEST(rng_moments)
{
    hs_rng r = hs_rng_noise(3, HS_MODEL_RATE, 50, 1);
    double sum = 0, ss = 0, usum = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = hs_rng_normal(&r, (uint64_t)i);
        double u = hs_rng_uniform(&r, (uint64_t)i);
        ck_assert(u > 0 && u < 1);
        sum += z;
        ss += z * z;
        usum += u;
    }
    ck_assert(fabs(sum / n) < 0.01);
    ck_assert(fabs(ss / n - 1) < 0.02);
    ck_assert(fabs(usum / n - 0.5) < 0.005);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, philox_known_answers);
    tcase_add_test(tc, rng_streams_by_value);
    tcase_add_test(tc, rng_moments);
    suite_add_tcase(s, tc);
    return s;
}
