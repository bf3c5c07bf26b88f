/* tau.h - heterogeneity profiles of membrane time constants (SPEC 1.2).
 *
 * Each network's N time constants have exactly the requested mean mu and
 * population sd s = cv * mu (to rounding), every value >= tau_min, and nothing
 * is clipped. Skewed profiles (lognormal, gamma, file) use the power map of
 * SPEC 1.2; symmetric ones (normal, uniform) use paired offsets. Draws come
 * from one counter-based stream (rng.h), element indices used in a fixed
 * sequence, so the result depends only on the stream's key.
 */
#ifndef HETSWEEP_TAU_H
#define HETSWEEP_TAU_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/error.h"
#include "hetsweep/rng.h"

typedef struct {
    double mean, sd, min, max, skewness; /* population sd; g1 = m3 / m2^1.5 */
} hs_tau_moments;

/* Whether a request can be met for networks of n neurons: 1 if feasible,
 * else 0 with the reason and what would be valid written to why.
 * Skewed: needs mu > tau_min and n >= c0^2 + 2 (c0 = s / (mu - tau_min)).
 * Symmetric: needs s < (mu - tau_min) / sqrt(3). cv == 0 is always feasible
 * when mu >= tau_min. */
int hs_tau_feasible(int profile, double cv, double mu, double tau_min, int64_t n, char *why,
                    size_t why_size);

/* Draw n time constants into tau. file_values (n_file of them) are used only
 * by HS_PROFILE_FILE. Returns HS_OK or HS_NO_VALUE; moments (if not
 * NULL) receives the realised moments. */
int hs_tau_draw(int profile, double cv, double mu, double tau_min, size_t n, const hs_rng *rng,
                const double *file_values, size_t n_file, double *tau, hs_tau_moments *moments);

/* Realised mean, population sd, min, max and skewness of n values. */
void hs_tau_moments_of(const double *tau, size_t n, hs_tau_moments *moments);

#endif
