/* rng.h - counter-based random streams (Philox4x32-10).
 *
 * A stream is a pure function from an element index to random bits: it is
 * keyed by what is being computed (job seed, purpose, n, seed value, ...),
 * never by rank, thread or chunk, so a value never depends on who draws it or
 * in what order (SPEC 2). Element i of a stream is Philox applied to the
 * counter (i_lo, i_hi, stream_lo, stream_hi) under the stream's key.
 */
#ifndef HETSWEEP_RNG_H
#define HETSWEEP_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Purposes: part of every key, so streams of different purposes never meet. */
enum hs_rng_purpose {
    HS_RNG_CONNECT = 1, /* which entries of W are nonzero */
    HS_RNG_WEIGHT = 2,  /* values of W */
    HS_RNG_DALE = 3,    /* excitatory or inhibitory presynaptic neurons */
    HS_RNG_WIN = 4,     /* input weights */
    HS_RNG_TAU = 5,     /* time constants of one (profile, cv, mean) */
    HS_RNG_NOISE = 6    /* the unit's noise realisation */
};

typedef struct {
    uint32_t key[2];
    uint32_t stream[2];
} hs_rng;

/* The Philox4x32-10 bijection itself (exposed for the known-answer test). */
void hs_philox4x32(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/* A stream keyed by a list of 64-bit words (hashed to key and stream ids). */
hs_rng hs_rng_from_words(const uint64_t *words, int count);

/* The project's streams (SPEC 2): values, not indices, go into the keys. */
hs_rng hs_rng_network(uint32_t job_seed, int purpose, int64_t n, int64_t seed);
hs_rng hs_rng_tau(uint32_t job_seed, int64_t n, int64_t seed, int profile,
                  double heterogeneity, double tau_mean_ms);
hs_rng hs_rng_noise(uint32_t job_seed, int model, int64_t n, int64_t seed);

/* Four raw 32-bit words of element `index`. */
void hs_rng_bits(const hs_rng *rng, uint64_t index, uint32_t out[4]);

/* Uniform in the open interval (0, 1), 53 random bits, from element index. */
double hs_rng_uniform(const hs_rng *rng, uint64_t index);

/* Standard normal from element index: Box-Muller on the element's bits, with the
 * project's own log and cos (vmath_base.h; numerics version 3). */
double hs_rng_normal(const hs_rng *rng, uint64_t index);

/* out[j] = hs_rng_normal(rng, first + j) for j < count, bitwise (the same
 * inline function in a vectorised loop). */
void hs_rng_normal_fill(const hs_rng *rng, uint64_t first, size_t count, double *out);

#endif
