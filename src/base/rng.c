/* rng.c - Philox4x32-10 streams and the uniform and normal draws built on them.
 * The normal draw is one inline function of the element index (Philox,
 * Box-Muller with vmath_base.h's log and cos), called alike by the scalar
 * hs_rng_normal and by the vectorised loop of hs_rng_normal_fill, so element
 * i has the same bits whichever computes it. */
#include "hetsweep/rng.h"

#include <math.h>
#include <string.h>

#include "hetsweep/vmath_base.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Four 32-bit words: one Philox counter, or its output. */
typedef struct {
    uint32_t c0, c1, c2, c3;
} philox_words;

/* The ten rounds of Philox4x32-10. Each multiply is 32 x 32 -> 64 bits,
 * which SIMD units have (vpmuludq), so a loop over counters vectorises. */
static inline philox_words philox_rounds(philox_words c, uint32_t k0, uint32_t k1)
{
    for (int round = 0; round < 10; round++) {
        uint64_t product0 = (uint64_t)PHILOX_M0 * c.c0;
        uint64_t product1 = (uint64_t)PHILOX_M1 * c.c2;
        philox_words next = {(uint32_t)(product1 >> 32) ^ c.c1 ^ k0, (uint32_t)product1,
                             (uint32_t)(product0 >> 32) ^ c.c3 ^ k1, (uint32_t)product0};
        c = next;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return c;
}

void hs_philox4x32(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
    philox_words c = {counter[0], counter[1], counter[2], counter[3]};
    c = philox_rounds(c, key[0], key[1]);
    out[0] = c.c0;
    out[1] = c.c1;
    out[2] = c.c2;
    out[3] = c.c3;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

hs_rng hs_rng_from_words(const uint64_t *words, int count)
{
    uint64_t h1 = 0x6A09E667F3BCC908ull, h2 = 0xBB67AE8584CAA73Bull;
    for (int i = 0; i < count; i++) {
        h1 = splitmix64(h1 ^ words[i]);
        h2 = splitmix64(h2 + words[i] + (uint64_t)i);
    }
    h1 = splitmix64(h1 ^ (uint64_t)count);
    h2 = splitmix64(h2 ^ h1);
    hs_rng rng;
    rng.key[0] = (uint32_t)h1;
    rng.key[1] = (uint32_t)(h1 >> 32);
    rng.stream[0] = (uint32_t)h2;
    rng.stream[1] = (uint32_t)(h2 >> 32);
    return rng;
}

static uint64_t double_bits(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

hs_rng hs_rng_network(uint32_t job_seed, int purpose, int64_t n, int64_t seed)
{
    uint64_t words[4] = {job_seed, (uint64_t)purpose, (uint64_t)n, (uint64_t)seed};
    return hs_rng_from_words(words, 4);
}

hs_rng hs_rng_tau(uint32_t job_seed, int64_t n, int64_t seed, int profile,
                  double heterogeneity, double tau_mean_ms)
{
    uint64_t words[7] = {job_seed,           HS_RNG_TAU,          (uint64_t)n,
                         (uint64_t)seed,     (uint64_t)profile,   double_bits(heterogeneity),
                         double_bits(tau_mean_ms)};
    return hs_rng_from_words(words, 7);
}

hs_rng hs_rng_noise(uint32_t job_seed, int model, int64_t n, int64_t seed)
{
    uint64_t words[5] = {job_seed, HS_RNG_NOISE, (uint64_t)model, (uint64_t)n, (uint64_t)seed};
    return hs_rng_from_words(words, 5);
}

/* Element `index`'s Philox output: the counter is (index, stream). */
static inline philox_words element_words(const hs_rng *rng, uint64_t index)
{
    philox_words counter = {(uint32_t)index, (uint32_t)(index >> 32), rng->stream[0],
                            rng->stream[1]};
    return philox_rounds(counter, rng->key[0], rng->key[1]);
}

void hs_rng_bits(const hs_rng *rng, uint64_t index, uint32_t out[4])
{
    philox_words w = element_words(rng, index);
    out[0] = w.c0;
    out[1] = w.c1;
    out[2] = w.c2;
    out[3] = w.c3;
}

/* 53 bits from two words, mapped to (0, 1) as (bits + 1/2) 2^-53, rounded to
 * nearest even (so the largest, 2^53 - 1, gives exactly 1, as it always did).
 * The 53-bit integer becomes a double exactly through its top 52 bits and its
 * last bit, with no 64-bit int-to-double conversion (AVX2 has none) and no
 * ternary, so that this vectorises for SSE2, AVX2 and AVX-512 alike. */
static inline double open_unit(uint32_t hi, uint32_t lo)
{
    uint64_t bits = (((uint64_t)hi << 32) | lo) >> 11;
    double whole = 2.0 * hs_small_whole_to_double(bits >> 1) +
                   hs_small_whole_to_double(bits & 1u);
    return (whole + 0.5) * 0x1.0p-53;
}

double hs_rng_uniform(const hs_rng *rng, uint64_t index)
{
    philox_words w = element_words(rng, index);
    return open_unit(w.c0, w.c1);
}

/* Box-Muller on the element's two uniforms: sqrt(-2 log u1) cos(2 pi u2),
 * with the project's own log and cos (vmath_base.h) and IEEE sqrt. */
static inline double normal_at(const hs_rng *rng, uint64_t index)
{
    philox_words w = element_words(rng, index);
    double u1 = open_unit(w.c0, w.c1);
    double u2 = open_unit(w.c2, w.c3);
    return sqrt(-2.0 * hs_vlog(u1)) * hs_vcos(2.0 * M_PI * u2);
}

double hs_rng_normal(const hs_rng *rng, uint64_t index)
{
    return normal_at(rng, index);
}

/* Full blocks of NORMAL_BLOCK elements are one SIMD loop of fixed length
 * over normal_at: its log, cos and Philox rounds are long chains of
 * dependent operations, and a fixed block puts several vectors' chains side
 * by side (with 512-bit vectors where the CPU has them). The rest is one
 * loop of its own. Every element's arithmetic is the same in both. */
enum { NORMAL_BLOCK = 32 };

HS_WIDE_VECTORS
static void normal_blocks(const hs_rng *rng, uint64_t first, size_t blocks, double *out)
{
    hs_rng local = *rng; /* the key and stream stay in registers */
    for (size_t k = 0; k < blocks; k++) {
        const uint64_t base = first + k * NORMAL_BLOCK;
        double *restrict block = out + k * NORMAL_BLOCK;
#pragma omp simd
        for (size_t j = 0; j < NORMAL_BLOCK; j++)
            block[j] = normal_at(&local, base + j);
    }
}

void hs_rng_normal_fill(const hs_rng *rng, uint64_t first, size_t count, double *out)
{
    size_t blocks = count / NORMAL_BLOCK, done = blocks * NORMAL_BLOCK;
    normal_blocks(rng, first, blocks, out);
    hs_rng local = *rng;
#pragma omp simd
    for (size_t j = done; j < count; j++)
        out[j] = normal_at(&local, first + j);
}
