/* test_rng.c - Check tests of rng.h: the Philox4x32-10 known-answer vectors, streams
 * keyed by value (equal keys equal draws, the fill equal to single draws bitwise for
 * every count and offset, a range's fill equal to its pieces' fills), pinned normal
 * draws of numerics version 3 and their agreement with libm's Box-Muller, and the
 * moments of the uniform and normal draws. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The vectorised fill (SIMD blocks and their remainders) gives each element the
 * bits of hs_rng_normal, for every count 0..72 and start 0..9, and writes no
 * element beyond count; also across the 2^32 boundary of the index's low word. */
START_TEST(fill_equals_scalar_draws_bitwise)
{
    hs_rng r = hs_rng_noise(5, HS_MODEL_RATE, 40, 2);
    const uint64_t bases[2] = {0, (1ull << 32) - 20};
    double out[80];
    for (int b = 0; b < 2; b++)
        for (uint64_t offset = 0; offset < 10; offset++)
            for (size_t count = 0; count <= 72; count++) {
                for (size_t j = 0; j < 80; j++)
                    out[j] = -7.0;
                hs_rng_normal_fill(&r, bases[b] + offset, count, out);
                for (size_t j = 0; j < count; j++)
                    ck_assert_msg(same_bits(out[j], hs_rng_normal(&r, bases[b] + offset + j)),
                                  "base %d offset %d count %d element %d", b, (int)offset,
                                  (int)count, (int)j);
                for (size_t j = count; j < 80; j++)
                    ck_assert(out[j] == -7.0);
            }
}
END_TEST

/* A range filled at once equals the same range filled piece by piece, for
 * pieces of every length 1..17 (so every split of a SIMD block). */
START_TEST(fill_of_a_range_equals_fills_of_its_pieces)
{
    enum { LENGTH = 300 };
    hs_rng r = hs_rng_network(2, HS_RNG_WIN, 77, 1);
    double whole[LENGTH], pieces[LENGTH];
    hs_rng_normal_fill(&r, 1000, LENGTH, whole);
    for (size_t piece = 1; piece <= 17; piece++) {
        for (size_t start = 0; start < LENGTH; start += piece) {
            size_t count = LENGTH - start < piece ? LENGTH - start : piece;
            hs_rng_normal_fill(&r, 1000 + start, count, pieces + start);
        }
        ck_assert_msg(memcmp(whole, pieces, sizeof whole) == 0, "pieces of %d", (int)piece);
    }
}
END_TEST

/* Numerics version 3's normal draws, pinned bitwise: a change here changes
 * every network and noise realisation, so it must come with a bump of
 * HS_NUMERICS_VERSION (numerics.h). */
START_TEST(normal_draws_are_pinned)
{
    hs_rng r = hs_rng_network(1, HS_RNG_WEIGHT, 100, 7);
    const uint64_t index[4] = {0, 1, 12345, (1ull << 40) + 3};
    const double pinned[4] = {-0x1.26dce96b1b44bp-3, -0x1.6b54dad362f84p-1, -0x1.3cd7ae9a66bc7p-1,
                              0x1.b3dc440525eb2p-3};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(same_bits(hs_rng_normal(&r, index[i]), pinned[i]), "draw %d is %a", i,
                      hs_rng_normal(&r, index[i]));
}
END_TEST

/* The draws differ from Box-Muller with libm's log and cos only by rounding. */
START_TEST(normal_draws_agree_with_libm_box_muller)
{
    hs_rng r = hs_rng_noise(3, HS_MODEL_RATE, 50, 1);
    double worst = 0;
    for (uint64_t i = 0; i < 200000; i++) {
        uint32_t w[4];
        hs_rng_bits(&r, i, w);
        double u1 = ((double)((((uint64_t)w[0] << 32) | w[1]) >> 11) + 0.5) * 0x1.0p-53;
        double u2 = ((double)((((uint64_t)w[2] << 32) | w[3]) >> 11) + 0.5) * 0x1.0p-53;
        ck_assert(same_bits(u1, hs_rng_uniform(&r, i)));
        double libm = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
        worst = fmax(worst, fabs(hs_rng_normal(&r, i) - libm));
    }
    ck_assert_msg(worst < 1e-14, "largest difference %g", worst);
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
    tcase_add_test(tc, fill_equals_scalar_draws_bitwise);
    tcase_add_test(tc, fill_of_a_range_equals_fills_of_its_pieces);
    tcase_add_test(tc, normal_draws_are_pinned);
    tcase_add_test(tc, normal_draws_agree_with_libm_box_muller);
    tcase_add_test(tc, rng_moments);
    suite_add_tcase(s, tc);
    return s;
}
