/* rng.c - Philox4x32-10 streams and the uniform and normal draws built on them. */
#include "hetsweep/rng.h"

#include <math.h>
#include <string.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t product = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(product >> 32);
    *lo = (uint32_t)product;
}

void hs_philox4x32(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo(PHILOX_M0, c0, &hi0, &lo0);
        mulhilo(PHILOX_M1, c2, &hi1, &lo1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
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

void hs_rng_bits(const hs_rng *rng, uint64_t index, uint32_t out[4])
{
    uint32_t counter[4] = {(uint32_t)index, (uint32_t)(index >> 32), rng->stream[0],
                           rng->stream[1]};
    hs_philox4x32(counter, rng->key, out);
}

/* 53 bits from two words, mapped to the open interval (0, 1). */
static inline double open_unit(uint32_t hi, uint32_t lo)
{
    uint64_t bits = (((uint64_t)hi << 32) | lo) >> 11;
    return ((double)bits + 0.5) * 0x1.0p-53;
}

double hs_rng_uniform(const hs_rng *rng, uint64_t index)
{
    uint32_t w[4];
    hs_rng_bits(rng, index, w);
    return open_unit(w[0], w[1]);
}

double hs_rng_normal(const hs_rng *rng, uint64_t index)
{
    uint32_t w[4];
    hs_rng_bits(rng, index, w);
    double u1 = open_unit(w[0], w[1]);
    double u2 = open_unit(w[2], w[3]);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void hs_rng_normal_fill(const hs_rng *rng, uint64_t first, size_t count, double *out)
{
    for (size_t j = 0; j < count; j++)
        out[j] = hs_rng_normal(rng, first + j);
}
