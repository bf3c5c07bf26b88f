/* tau.c - heterogeneity profiles of membrane time constants (SPEC 1.2).
 *
 * Draws a network's N time constants with exactly the requested mean and
 * population sd, every value >= tau_min and nothing clipped: skewed profiles
 * (lognormal, gamma, file) through the power map tau = tau_min + e^{bL} mu0 /
 * mean(e^{bL}), symmetric ones (normal, uniform) through paired offsets. All
 * randomness comes from one counter-based stream whose element indices are
 * used in a fixed order from 0, so a draw depends only on the stream's key.
 * Also: the feasibility check behind `check` and realised moments. Reading an
 * empirical profile (network.tau_file) is storage's: taufile.c.
 */
#include "hetsweep/tau.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/config.h"

#define POWER_B_LOW 1e-6 /* bracket of the power map's exponent (SPEC 1.2) */
#define POWER_B_HIGH 50.0
#define MAX_REDRAWS 1000 /* symmetric profiles: redraws before giving up */
#define S0_HIGH_FACTOR 1e6
#define POLISH_TOL 1e-13 /* skewed: relative moment error left unpolished */

/* ---- small helpers ------------------------------------------------------ */

static const char *profile_label(int profile)
{
    switch (profile) {
    case HS_PROFILE_LOGNORMAL: return "lognormal";
    case HS_PROFILE_GAMMA: return "gamma";
    case HS_PROFILE_NORMAL: return "normal";
    case HS_PROFILE_UNIFORM: return "uniform";
    case HS_PROFILE_FILE: return "file";
    default: return "unknown";
    }
}

static int is_skewed(int profile)
{
    return profile == HS_PROFILE_LOGNORMAL || profile == HS_PROFILE_GAMMA ||
           profile == HS_PROFILE_FILE;
}

static int is_symmetric(int profile)
{
    return profile == HS_PROFILE_NORMAL || profile == HS_PROFILE_UNIFORM;
}

/* The stream and the next element index to use: indices go 0, 1, 2, ... */
typedef struct {
    const hs_rng *rng;
    uint64_t next;
} draw_seq;

static double next_uniform(draw_seq *seq)
{
    return hs_rng_uniform(seq->rng, seq->next++);
}

static double next_normal(draw_seq *seq)
{
    return hs_rng_normal(seq->rng, seq->next++);
}

/* Neumaier-compensated sum, so means and sds are accurate to rounding. */
typedef struct {
    double sum, comp;
} csum;

static void csum_add(csum *acc, double x)
{
    double t = acc->sum + x;
    if (fabs(acc->sum) >= fabs(x))
        acc->comp += (acc->sum - t) + x;
    else
        acc->comp += (x - t) + acc->sum;
    acc->sum = t;
}

static double csum_value(const csum *acc)
{
    return acc->sum + acc->comp;
}

static double mean_of(const double *x, size_t n)
{
    csum acc = {0.0, 0.0};
    for (size_t i = 0; i < n; i++)
        csum_add(&acc, x[i]);
    return csum_value(&acc) / (double)n;
}

/* Population sd of x about a given mean. */
static double sd_about(const double *x, size_t n, double mean)
{
    csum acc = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        csum_add(&acc, d * d);
    }
    return sqrt(csum_value(&acc) / (double)n);
}

static void fill_nan(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = NAN;
}

static void set_why(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t why_size, const char *fmt, ...)
{
    if (!why || why_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

/* value rounded down to 3 significant digits, for "needs cv < ..." messages
 * that must never name a bound above the true one. */
static double floor_3_digits(double value)
{
    if (!(value > 0) || !isfinite(value))
        return value;
    double scale = pow(10.0, 2.0 - floor(log10(value)));
    return floor(value * scale) / scale;
}

/* ---- feasibility -------------------------------------------------------- */

static int check_inputs(int profile, double cv, double mu, double tau_min, int64_t n, char *why,
                        size_t why_size)
{
    if (!is_skewed(profile) && !is_symmetric(profile)) {
        set_why(why, why_size,
                "unknown profile code %d: expected lognormal, gamma, normal, uniform or file",
                profile);
        return 0;
    }
    if (!isfinite(cv) || cv < 0) {
        set_why(why, why_size, "heterogeneity must be a finite number >= 0, got %g", cv);
        return 0;
    }
    if (!isfinite(mu) || mu <= 0 || !isfinite(tau_min)) {
        set_why(why, why_size,
                "tau_mean_ms must be a finite number > 0 and tau_min_ms finite, got %g and %g",
                mu, tau_min);
        return 0;
    }
    if (n < 1) {
        set_why(why, why_size, "n must be >= 1, got %lld", (long long)n);
        return 0;
    }
    return 1;
}

static int skewed_feasible(int profile, double cv, double mu, double tau_min, int64_t n,
                           char *why, size_t why_size)
{
    double c0 = cv * mu / (mu - tau_min);
    double need = ceil(c0 * c0 + 2.0);
    if (isfinite(need) && (double)n >= need)
        return 1;
    if (!(need < 1e18))
        set_why(why, why_size,
                "profile %s at cv %g is beyond any network size at tau_mean_ms %g and "
                "tau_min_ms %g: needs n >= (cv mu / (mu - tau_min))^2 + 2",
                profile_label(profile), cv, mu, tau_min);
    else
        set_why(why, why_size,
                "profile %s at cv %g needs n >= %.0f at tau_mean_ms %g and tau_min_ms %g "
                "(got n = %lld)",
                profile_label(profile), cv, need, mu, tau_min, (long long)n);
    return 0;
}

static int symmetric_feasible(int profile, double cv, double mu, double tau_min, int64_t n,
                              char *why, size_t why_size)
{
    double bound = (mu - tau_min) / (sqrt(3.0) * mu);
    if (!(cv * mu < (mu - tau_min) / sqrt(3.0))) {
        set_why(why, why_size,
                "profile %s needs cv < %.3g at tau_mean_ms %g and tau_min_ms %g (got cv %g)",
                profile_label(profile), floor_3_digits(bound), mu, tau_min, cv);
        return 0;
    }
    if (n < 2) {
        set_why(why, why_size, "profile %s at cv %g needs n >= 2 (got n = %lld)",
                profile_label(profile), cv, (long long)n);
        return 0;
    }
    return 1;
}

int hs_tau_feasible(int profile, double cv, double mu, double tau_min, int64_t n, char *why,
                    size_t why_size)
{
    set_why(why, why_size, "%s", "");
    if (!check_inputs(profile, cv, mu, tau_min, n, why, why_size))
        return 0;
    if (cv == 0) {
        if (mu >= tau_min)
            return 1;
        set_why(why, why_size, "tau_mean_ms %g is below tau_min_ms %g: needs tau_mean_ms >= %g",
                mu, tau_min, tau_min);
        return 0;
    }
    if (mu <= tau_min) {
        set_why(why, why_size,
                "profile %s at cv %g needs tau_mean_ms > tau_min_ms (got %g and %g)",
                profile_label(profile), cv, mu, tau_min);
        return 0;
    }
    if (is_skewed(profile))
        return skewed_feasible(profile, cv, mu, tau_min, n, why, why_size);
    return symmetric_feasible(profile, cv, mu, tau_min, n, why, why_size);
}

/* ---- moments ------------------------------------------------------------ */

void hs_tau_moments_of(const double *tau, size_t n, hs_tau_moments *moments)
{
    if (n == 0) {
        moments->mean = moments->sd = moments->min = moments->max = NAN;
        moments->skewness = NAN;
        return;
    }
    double lo = tau[0], hi = tau[0];
    for (size_t i = 1; i < n; i++) {
        lo = tau[i] < lo ? tau[i] : lo;
        hi = tau[i] > hi ? tau[i] : hi;
    }
    double mean = mean_of(tau, n);
    csum m2 = {0.0, 0.0}, m3 = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double d = tau[i] - mean;
        csum_add(&m2, d * d);
        csum_add(&m3, d * d * d);
    }
    double var = csum_value(&m2) / (double)n;
    double third = csum_value(&m3) / (double)n;
    moments->mean = mean;
    moments->sd = sqrt(var);
    moments->min = lo;
    moments->max = hi;
    moments->skewness = var > 0 ? third / (var * sqrt(var)) : 0.0;
}

/* ---- skewed profiles: ln Y ------------------------------------------------ */

/* ln Y for Y lognormal with mean mu0 and cv c0. */
static void log_lognormal(double mu0, double c0, size_t n, draw_seq *seq, double *log_y)
{
    double sigma2 = log1p(c0 * c0);
    double sigma = sqrt(sigma2);
    double location = log(mu0) - sigma2 / 2.0;
    for (size_t i = 0; i < n; i++)
        log_y[i] = location + sigma * next_normal(seq);
}

/* ln of a Gamma(shape >= 1, 1) variate, Marsaglia-Tsang. */
static double log_gamma_tsang(double shape, draw_seq *seq)
{
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = next_normal(seq);
        double t = 1.0 + c * x;
        if (t <= 0)
            continue;
        double v = t * t * t;
        double u = next_uniform(seq);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x) ||
            log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return log(d) + log(v);
    }
}

/* ln of a Gamma(shape, 1) variate; shape < 1 via Gamma(shape + 1) U^{1/shape},
 * kept in logs so that tiny variates never underflow. */
static double log_gamma_variate(double shape, draw_seq *seq)
{
    if (shape >= 1.0)
        return log_gamma_tsang(shape, seq);
    double log_g = log_gamma_tsang(shape + 1.0, seq);
    return log_g + log(next_uniform(seq)) / shape;
}

/* ln Y for Y gamma with mean mu0 and cv c0: shape 1/c0^2, scale mu0 c0^2. */
static void log_gamma(double mu0, double c0, size_t n, draw_seq *seq, double *log_y)
{
    double shape = 1.0 / (c0 * c0);
    double log_scale = log(mu0 * c0 * c0);
    for (size_t i = 0; i < n; i++)
        log_y[i] = log_scale + log_gamma_variate(shape, seq);
}

/* ln Y for the file's values resampled with replacement to n. */
static int log_file(const double *values, size_t n_file, size_t n, draw_seq *seq,
                    double *log_y)
{
    if (!values || n_file == 0)
        return HS_NO_VALUE;
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(next_uniform(seq) * (double)n_file);
        k = k < n_file ? k : n_file - 1;
        if (!(values[k] > 0) || !isfinite(values[k]))
            return HS_NO_VALUE;
        log_y[i] = log(values[k]);
    }
    return HS_OK;
}

static int draw_log_y(int profile, double mu0, double c0, size_t n, draw_seq *seq,
                      const double *file_values, size_t n_file, double *log_y)
{
    if (profile == HS_PROFILE_LOGNORMAL)
        log_lognormal(mu0, c0, n, seq, log_y);
    else if (profile == HS_PROFILE_GAMMA)
        log_gamma(mu0, c0, n, seq, log_y);
    else
        return log_file(file_values, n_file, n, seq, log_y);
    return HS_OK;
}

/* ---- skewed profiles: the power map ---------------------------------------- */

/* L = ln Y - mean(ln Y), in place; returns max(L), or NaN if any is non-finite. */
static double center_logs(double *log_y, size_t n)
{
    double mean = mean_of(log_y, n);
    if (!isfinite(mean))
        return NAN;
    double top = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        log_y[i] -= mean;
        top = log_y[i] > top ? log_y[i] : top;
    }
    return top;
}

/* x_i = e^{b (L_i - max L)} (e^{bL} up to a common factor, so never overflowing);
 * returns std(x) / mean(x), which does not depend on that factor. */
static double power_ratio(const double *centered, size_t n, double top, double b, double *x)
{
    for (size_t i = 0; i < n; i++)
        x[i] = exp(b * (centered[i] - top));
    double mean = mean_of(x, n);
    return sd_about(x, n, mean) / mean;
}

/* Bisection to full precision for b with ratio(b) = c0; ends with x at the
 * end of the final bracket whose ratio is >= c0. */
static int solve_power(const double *centered, size_t n, double top, double c0, double *x)
{
    double lo = POWER_B_LOW, hi = POWER_B_HIGH;
    double g_lo = power_ratio(centered, n, top, lo, x) - c0;
    double g_hi = power_ratio(centered, n, top, hi, x) - c0;
    if (!isfinite(g_lo) || !isfinite(g_hi) || g_lo > 0 || g_hi < 0)
        return HS_NO_VALUE;
    for (;;) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        double g = power_ratio(centered, n, top, mid, x) - c0;
        if (!isfinite(g))
            return HS_NO_VALUE;
        if (g < 0)
            lo = mid;
        else
            hi = mid;
    }
    power_ratio(centered, n, top, hi, x);
    return HS_OK;
}

/* The power map of SPEC 1.2, in place: tau = tau_min + x mu0 / mean(x).
 * Every value is >= tau_min by construction (x >= 0, rounding is monotone). */
static void power_map(double *x, size_t n, double mu0, double tau_min)
{
    double scale = mu0 / mean_of(x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = tau_min + x[i] * scale;
}

/* The power map's moments are exact up to the last bits of b and rounding.
 * Should they miss by more than POLISH_TOL, rescale the deviations so mean
 * and sd are exact; that must not push a value below tau_min. */
static int polish_moments(double *tau, size_t n, double mu, double s, double tau_min)
{
    double mean = mean_of(tau, n);
    double sd = sd_about(tau, n, mean);
    if (!isfinite(mean) || !(sd > 0))
        return HS_NO_VALUE;
    if (fabs(mean - mu) <= POLISH_TOL * mu && fabs(sd - s) <= POLISH_TOL * s)
        return HS_OK;
    double gain = s / sd;
    for (size_t i = 0; i < n; i++) {
        tau[i] = mu + (tau[i] - mean) * gain;
        if (!(tau[i] >= tau_min) || !isfinite(tau[i]))
            return HS_NO_VALUE;
    }
    return HS_OK;
}

static int draw_skewed(int profile, double cv, double mu, double tau_min, size_t n,
                       draw_seq *seq, const double *file_values, size_t n_file, double *tau)
{
    double mu0 = mu - tau_min;
    double s = cv * mu;
    double c0 = s / mu0;
    double *centered = hs_xmalloc(n * sizeof *centered);
    int status = draw_log_y(profile, mu0, c0, n, seq, file_values, n_file, centered);
    if (status == HS_OK) {
        double top = center_logs(centered, n);
        status = isfinite(top) ? solve_power(centered, n, top, c0, tau) : HS_NO_VALUE;
    }
    if (status == HS_OK) { /* tau holds x = e^{bL}; map it in place */
        power_map(tau, n, mu0, tau_min);
        status = polish_moments(tau, n, mu, s, tau_min);
    }
    free(centered);
    return status;
}

/* ---- symmetric profiles ------------------------------------------------- */

/* Var of N(0, s0^2) truncated to [-W, W], over s0^2, at a = W / s0:
 * 1 - 2 a phi(a) / (2 Phi(a) - 1); a series where that cancels. */
static double truncated_variance_ratio(double a)
{
    if (a < 1e-3)
        return a * a / 3.0 - 2.0 * a * a * a * a / 45.0;
    double phi = exp(-a * a / 2.0) / sqrt(2.0 * M_PI);
    return 1.0 - 2.0 * a * phi / erf(a / sqrt(2.0));
}

/* s0 in [s, 1e6 s] with s0^2 ratio(W / s0) = s^2, by bisection. */
static double solve_s0(double s, double half_width)
{
    double lo = s, hi = S0_HIGH_FACTOR * s;
    for (;;) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        double var = mid * mid * truncated_variance_ratio(half_width / mid);
        if (var < s * s)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* One offset: uniform on [-sqrt(3) s, sqrt(3) s], or N(0, s0^2) on [-W, W]. */
static double draw_offset(int profile, double s, double s0, double half_width, draw_seq *seq)
{
    if (profile == HS_PROFILE_UNIFORM)
        return sqrt(3.0) * s * (2.0 * next_uniform(seq) - 1.0);
    if (half_width / s0 >= 1.0) {
        for (;;) {
            double h = s0 * next_normal(seq);
            if (fabs(h) <= half_width)
                return h;
        }
    }
    for (;;) {
        double h = half_width * (2.0 * next_uniform(seq) - 1.0);
        if (next_uniform(seq) < exp(-h * h / (2.0 * s0 * s0)))
            return h;
    }
}

/* z = (h_1, -h_1, h_2, -h_2, ..., [0]) scaled to population sd s; returns 0
 * unless some |z| >= W (or the scale is degenerate): then a redraw is due. */
static int draw_pairs(int profile, double s, double s0, double half_width, size_t n,
                      draw_seq *seq, double *z)
{
    for (size_t k = 0; k < n / 2; k++) {
        double h = draw_offset(profile, s, s0, half_width, seq);
        z[2 * k] = h;
        z[2 * k + 1] = -h;
    }
    if (n % 2)
        z[n - 1] = 0.0;
    double gain = s / sd_about(z, n, 0.0);
    if (!isfinite(gain))
        return 0;
    for (size_t i = 0; i < n; i++) {
        z[i] *= gain;
        if (fabs(z[i]) >= half_width)
            return 0;
    }
    return 1;
}

/* Fisher-Yates with the stream's uniforms. */
static void shuffle(double *z, size_t n, draw_seq *seq)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)(next_uniform(seq) * (double)(i + 1));
        j = j <= i ? j : i;
        double t = z[i];
        z[i] = z[j];
        z[j] = t;
    }
}

static int draw_symmetric(int profile, double cv, double mu, double tau_min, size_t n,
                          draw_seq *seq, double *tau)
{
    double s = cv * mu;
    double half_width = mu - tau_min;
    if (!(s < half_width / sqrt(3.0)) || n < 2)
        return HS_NO_VALUE;
    double s0 = profile == HS_PROFILE_NORMAL ? solve_s0(s, half_width) : s;
    for (int attempt = 0; attempt < MAX_REDRAWS; attempt++) {
        if (!draw_pairs(profile, s, s0, half_width, n, seq, tau))
            continue;
        shuffle(tau, n, seq);
        for (size_t i = 0; i < n; i++) {
            tau[i] += mu;
            if (!(tau[i] >= tau_min))
                return HS_NO_VALUE;
        }
        return HS_OK;
    }
    return HS_NO_VALUE;
}

/* ---- the draw ------------------------------------------------------------ */

static int draw_any(int profile, double cv, double mu, double tau_min, size_t n,
                    const hs_rng *rng, const double *file_values, size_t n_file, double *tau)
{
    if (n == 0 || !isfinite(cv) || cv < 0 || !isfinite(mu) || !isfinite(tau_min))
        return HS_NO_VALUE;
    if (cv == 0) {
        for (size_t i = 0; i < n; i++)
            tau[i] = mu;
        return mu >= tau_min ? HS_OK : HS_NO_VALUE;
    }
    if (!(mu > tau_min))
        return HS_NO_VALUE;
    draw_seq seq = {rng, 0};
    if (is_skewed(profile))
        return draw_skewed(profile, cv, mu, tau_min, n, &seq, file_values, n_file, tau);
    if (is_symmetric(profile))
        return draw_symmetric(profile, cv, mu, tau_min, n, &seq, tau);
    return HS_NO_VALUE;
}

int hs_tau_draw(int profile, double cv, double mu, double tau_min, size_t n, const hs_rng *rng,
                const double *file_values, size_t n_file, double *tau, hs_tau_moments *moments)
{
    int status = draw_any(profile, cv, mu, tau_min, n, rng, file_values, n_file, tau);
    if (status != HS_OK)
        fill_nan(tau, n);
    if (moments)
        hs_tau_moments_of(tau, status == HS_OK ? n : 0, moments);
    return status;
}
