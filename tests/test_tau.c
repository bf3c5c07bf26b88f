/* test_tau.c - unit tests of the heterogeneity profiles (tau.c, SPEC 1.2):
 * exact moments, no value below tau_min, skewness, reproducibility by key,
 * feasibility messages, infeasible draws, and reading empirical profiles. */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/tau.h"
#include "hetsweep/taufile.h"

#define JOB_SEED 12345u
#define REL_TOL 1e-12
#define N_FILE_VALUES 40

static const int SKEWED[] = {HS_PROFILE_LOGNORMAL, HS_PROFILE_GAMMA, HS_PROFILE_FILE};
static const int SYMMETRIC[] = {HS_PROFILE_NORMAL, HS_PROFILE_UNIFORM};
static const size_t SIZES[] = {10, 101, 1000};
static const double SKEWED_CVS[] = {0.25, 0.5, 1.0, 2.0};
static const double SYMMETRIC_CVS[] = {0.1, 0.25, 0.5};
/* (tau_mean_ms, tau_min_ms) pairs: the default and a tight one. */
static const double MEANS[][2] = {{20.0, 1.0}, {7.5, 2.0}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A fixed empirical profile: positive, spread, not all equal. */
static void file_values(double *values)
{
    for (int i = 0; i < N_FILE_VALUES; i++)
        values[i] = 10.0 * exp(1.5 * sin(1.7 * i));
}

static hs_rng key_for(int profile, double cv, double mu, size_t n, int64_t seed)
{
    return hs_rng_tau(JOB_SEED, (int64_t)n, seed, profile, cv, mu);
}

static int draw(int profile, double cv, double mu, double tau_min, size_t n, int64_t seed,
                double *tau, hs_tau_moments *moments)
{
    double values[N_FILE_VALUES];
    file_values(values);
    hs_rng rng = key_for(profile, cv, mu, n, seed);
    return hs_tau_draw(profile, cv, mu, tau_min, n, &rng, values, N_FILE_VALUES, tau, moments);
}

static void check_exact(int profile, double cv, double mu, double tau_min, size_t n,
                        const double *tau, const hs_tau_moments *reported)
{
    hs_tau_moments m;
    hs_tau_moments_of(tau, n, &m);
    double s = cv * mu;
    ck_assert_msg(fabs(m.mean - mu) <= REL_TOL * mu,
                  "profile %d cv %g n %zu: mean %.17g, want %.17g", profile, cv, n, m.mean, mu);
    ck_assert_msg(fabs(m.sd - s) <= REL_TOL * s, "profile %d cv %g n %zu: sd %.17g, want %.17g",
                  profile, cv, n, m.sd, s);
    ck_assert_msg(m.min >= tau_min, "profile %d cv %g n %zu: min %.17g below tau_min %g",
                  profile, cv, n, m.min, tau_min);
    ck_assert(memcmp(&m, reported, sizeof m) == 0);
}

/* Every feasible (profile, cv, n, mean) of the lists: exact mean and sd. */
static void check_profiles(const int *profiles, size_t n_profiles, const double *cvs,
                           size_t n_cvs)
{
    for (size_t p = 0; p < n_profiles; p++)
        for (size_t c = 0; c < n_cvs; c++)
            for (size_t k = 0; k < COUNT(SIZES); k++)
                for (size_t j = 0; j < COUNT(MEANS); j++) {
                    double mu = MEANS[j][0], tau_min = MEANS[j][1];
                    size_t n = SIZES[k];
                    char why[256];
                    if (!hs_tau_feasible(profiles[p], cvs[c], mu, tau_min, (int64_t)n, why,
                                         sizeof why)) {
                        if (k == 0) /* once per (profile, cv, mean) */
                            printf("note: refused as infeasible: %s\n", why);
                        continue;
                    }
                    double *tau = malloc(n * sizeof *tau);
                    hs_tau_moments reported;
                    int status = draw(profiles[p], cvs[c], mu, tau_min, n, 7, tau, &reported);
                    ck_assert_msg(status == HS_OK,
                                  "profile %d cv %g n %zu mu %g tau_min %g: infeasible draw",
                                  profiles[p], cvs[c], n, mu, tau_min);
                    check_exact(profiles[p], cvs[c], mu, tau_min, n, tau, &reported);
                    free(tau);
                }
}

START_TEST(test_skewed_exact_moments)
{
    check_profiles(SKEWED, COUNT(SKEWED), SKEWED_CVS, COUNT(SKEWED_CVS));
}
END_TEST

START_TEST(test_symmetric_exact_moments)
{
    check_profiles(SYMMETRIC, COUNT(SYMMETRIC), SYMMETRIC_CVS, COUNT(SYMMETRIC_CVS));
}
END_TEST

START_TEST(test_skewed_positive_skewness)
{
    const int profiles[] = {HS_PROFILE_LOGNORMAL, HS_PROFILE_GAMMA};
    const double cvs[] = {0.5, 1.0, 2.0};
    double tau[1000];
    for (size_t p = 0; p < COUNT(profiles); p++)
        for (size_t c = 0; c < COUNT(cvs); c++) {
            hs_tau_moments m;
            ck_assert_int_eq(draw(profiles[p], cvs[c], 20.0, 1.0, 1000, 3, tau, &m), HS_OK);
            ck_assert_msg(m.skewness > 0, "profile %d cv %g: skewness %g", profiles[p], cvs[c],
                          m.skewness);
        }
}
END_TEST

START_TEST(test_symmetric_zero_skewness)
{
    for (size_t p = 0; p < COUNT(SYMMETRIC); p++)
        for (size_t c = 0; c < COUNT(SYMMETRIC_CVS); c++)
            for (size_t k = 0; k < COUNT(SIZES); k++) {
                double tau[1000];
                hs_tau_moments m;
                ck_assert_int_eq(draw(SYMMETRIC[p], SYMMETRIC_CVS[c], 20.0, 1.0, SIZES[k], 5,
                                      tau, &m),
                                 HS_OK);
                ck_assert_msg(fabs(m.skewness) < 1e-10, "profile %d cv %g n %zu: skewness %g",
                              SYMMETRIC[p], SYMMETRIC_CVS[c], SIZES[k], m.skewness);
            }
}
END_TEST

START_TEST(test_cv_zero_is_homogeneous)
{
    for (int profile = HS_PROFILE_LOGNORMAL; profile <= HS_PROFILE_FILE; profile++) {
        double tau[101];
        hs_tau_moments m;
        ck_assert_int_eq(draw(profile, 0.0, 20.0, 1.0, 101, 1, tau, &m), HS_OK);
        for (int i = 0; i < 101; i++)
            ck_assert(tau[i] == 20.0);
        ck_assert(m.sd == 0.0 && m.skewness == 0.0 && m.mean == 20.0);
    }
}
END_TEST

START_TEST(test_same_key_same_values)
{
    for (int profile = HS_PROFILE_LOGNORMAL; profile <= HS_PROFILE_FILE; profile++) {
        double a[101], b[101], c[101];
        ck_assert_int_eq(draw(profile, 0.5, 20.0, 1.0, 101, 11, a, NULL), HS_OK);
        ck_assert_int_eq(draw(profile, 0.5, 20.0, 1.0, 101, 11, b, NULL), HS_OK);
        ck_assert_int_eq(draw(profile, 0.5, 20.0, 1.0, 101, 12, c, NULL), HS_OK);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "profile %d: same key differs", profile);
        ck_assert_msg(memcmp(a, c, sizeof a) != 0, "profile %d: other key equal", profile);
    }
}
END_TEST

START_TEST(test_feasibility)
{
    char why[256];
    ck_assert(!hs_tau_feasible(HS_PROFILE_NORMAL, 0.6, 20.0, 1.0, 100, why, sizeof why));
    ck_assert_msg(strstr(why, "cv < 0.548") != NULL, "message: %s", why);
    ck_assert(hs_tau_feasible(HS_PROFILE_NORMAL, 0.5, 20.0, 1.0, 100, why, sizeof why));
    ck_assert_str_eq(why, "");
    ck_assert(!hs_tau_feasible(HS_PROFILE_UNIFORM, 0.6, 20.0, 1.0, 100, why, sizeof why));
    /* c0 = 40 / 19, c0^2 + 2 = 6.43: n >= 7 */
    ck_assert(!hs_tau_feasible(HS_PROFILE_LOGNORMAL, 2.0, 20.0, 1.0, 5, why, sizeof why));
    ck_assert_msg(strstr(why, "needs n >= 7") != NULL, "message: %s", why);
    ck_assert(!hs_tau_feasible(HS_PROFILE_LOGNORMAL, 2.0, 20.0, 1.0, 6, why, sizeof why));
    ck_assert(hs_tau_feasible(HS_PROFILE_LOGNORMAL, 2.0, 20.0, 1.0, 7, why, sizeof why));
    ck_assert(hs_tau_feasible(HS_PROFILE_LOGNORMAL, 2.0, 20.0, 1.0, 10, why, sizeof why));
    ck_assert(!hs_tau_feasible(HS_PROFILE_GAMMA, 0.5, 1.0, 1.0, 100, why, sizeof why));
    ck_assert(hs_tau_feasible(HS_PROFILE_GAMMA, 0.0, 1.0, 1.0, 100, why, sizeof why));
    ck_assert(!hs_tau_feasible(HS_PROFILE_GAMMA, 0.0, 0.5, 1.0, 100, why, sizeof why));
    ck_assert(!hs_tau_feasible(HS_PROFILE_GAMMA, 0.5, 20.0, 1.0, 0, why, sizeof why));
    ck_assert(!hs_tau_feasible(HS_PROFILE_NORMAL, 0.1, 20.0, 1.0, 1, why, sizeof why));
    ck_assert(!hs_tau_feasible(HS_PROFILE_LOGNORMAL, -0.1, 20.0, 1.0, 100, why, sizeof why));
    ck_assert(!hs_tau_feasible(99, 0.1, 20.0, 1.0, 100, why, sizeof why));
}
END_TEST

START_TEST(test_infeasible_draws)
{
    double equal[5] = {12.0, 12.0, 12.0, 12.0, 12.0};
    double tau[50];
    hs_tau_moments m;
    hs_rng rng = key_for(HS_PROFILE_FILE, 0.5, 20.0, 50, 1);
    ck_assert_int_eq(hs_tau_draw(HS_PROFILE_FILE, 0.5, 20.0, 1.0, 50, &rng, equal, 5, tau, &m),
                     HS_NO_VALUE);
    ck_assert(isnan(tau[0]) && isnan(m.mean));
    /* cv 0 with equal file values is fine */
    ck_assert_int_eq(hs_tau_draw(HS_PROFILE_FILE, 0.0, 20.0, 1.0, 50, &rng, equal, 5, tau, &m),
                     HS_OK);
    /* beyond the symmetric bound, and too few neurons for a skewed cv */
    ck_assert_int_eq(draw(HS_PROFILE_UNIFORM, 0.6, 20.0, 1.0, 50, 1, tau, NULL),
                     HS_NO_VALUE);
    ck_assert_int_eq(draw(HS_PROFILE_LOGNORMAL, 2.0, 20.0, 1.0, 2, 1, tau, NULL),
                     HS_NO_VALUE);
}
END_TEST

/* ---- reading files ---- */

static char *temp_file(const char *suffix, const char *text)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/test_tau_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    ck_assert(fd >= 0);
    FILE *file = fdopen(fd, "w");
    fputs(text, file);
    fclose(file);
    return path;
}

START_TEST(test_read_text)
{
    char *path = temp_file(".txt", "# measured tau (ms)\n\n  12.5\n# another\n3e1  # inline\n"
                                   "7\r\n\t \n");
    double *values;
    size_t count;
    hs_error err;
    hs_error_clear(&err);
    ck_assert_int_eq(hs_tau_read_file(path, &values, &count, &err), HS_OK);
    ck_assert_uint_eq(count, 3);
    ck_assert(values[0] == 12.5 && values[1] == 30.0 && values[2] == 7.0);
    free(values);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_read_text_errors)
{
    const char *bad[] = {"# x\n10\nabc\n", "# x\n10\n-3\n", "# x\n10\n5 6\n", "# x\n10\ninf\n"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        char *path = temp_file(".txt", bad[i]);
        double *values = (double *)1;
        size_t count = 1;
        hs_error err;
        ck_assert_int_eq(hs_tau_read_file(path, &values, &count, &err), HS_ERR_INPUT);
        ck_assert(values == NULL && count == 0);
        char where[96];
        snprintf(where, sizeof where, "%s:3:", path);
        ck_assert_msg(strstr(err.msg, where) != NULL, "message: %s", err.msg);
        unlink(path);
        free(path);
    }
    char *path = temp_file(".txt", "# only comments\n\n");
    double *values;
    size_t count;
    hs_error err;
    ck_assert_int_eq(hs_tau_read_file(path, &values, &count, &err), HS_ERR_INPUT);
    ck_assert(strstr(err.msg, path) != NULL);
    unlink(path);
    free(path);
    ck_assert_int_eq(hs_tau_read_file("/nonexistent/taus.txt", &values, &count, &err),
                     HS_ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "/nonexistent/taus.txt") != NULL, "message: %s", err.msg);
}
END_TEST

static void write_h5(const char *path, const char *name, int rank, const double *data,
                     hsize_t count)
{
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert(file >= 0);
    hsize_t dims[2] = {count, 1};
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dataset = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                               H5P_DEFAULT);
    ck_assert(dataset >= 0);
    ck_assert(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
}

START_TEST(test_read_hdf5)
{
    double data[N_FILE_VALUES];
    file_values(data);
    char *path = temp_file(".h5", "");
    write_h5(path, "/taus", 1, data, N_FILE_VALUES);
    char spec[128];
    snprintf(spec, sizeof spec, "%s:/taus", path);
    double *values;
    size_t count;
    hs_error err;
    ck_assert_int_eq(hs_tau_read_file(spec, &values, &count, &err), HS_OK);
    ck_assert_uint_eq(count, N_FILE_VALUES);
    ck_assert(memcmp(values, data, sizeof data) == 0);
    free(values);

    snprintf(spec, sizeof spec, "%s:/missing", path);
    ck_assert_int_eq(hs_tau_read_file(spec, &values, &count, &err), HS_ERR_INPUT);
    ck_assert(strstr(err.msg, path) != NULL && strstr(err.msg, "/missing") != NULL);

    write_h5(path, "/grid", 2, data, N_FILE_VALUES);
    snprintf(spec, sizeof spec, "%s:/grid", path);
    ck_assert_int_eq(hs_tau_read_file(spec, &values, &count, &err), HS_ERR_INPUT);
    ck_assert(strstr(err.msg, "1-D") != NULL);

    data[3] = -1.0;
    write_h5(path, "/taus", 1, data, N_FILE_VALUES);
    snprintf(spec, sizeof spec, "%s:/taus", path);
    ck_assert_int_eq(hs_tau_read_file(spec, &values, &count, &err), HS_ERR_INPUT);
    ck_assert(strstr(err.msg, "element 3") != NULL && values == NULL);
    unlink(path);
    free(path);

    ck_assert_int_eq(hs_tau_read_file("/nonexistent/taus.h5:/taus", &values, &count, &err),
                     HS_ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "/nonexistent/taus.h5") != NULL, "message: %s", err.msg);
}
END_TEST

static Suite *tau_suite(void)
{
    Suite *suite = suite_create("tau");
    TCase *moments = tcase_create("moments");
    tcase_set_timeout(moments, 60);
    tcase_add_test(moments, test_skewed_exact_moments);
    tcase_add_test(moments, test_symmetric_exact_moments);
    tcase_add_test(moments, test_skewed_positive_skewness);
    tcase_add_test(moments, test_symmetric_zero_skewness);
    tcase_add_test(moments, test_cv_zero_is_homogeneous);
    tcase_add_test(moments, test_same_key_same_values);
    suite_add_tcase(suite, moments);
    TCase *feasible = tcase_create("feasibility");
    tcase_add_test(feasible, test_feasibility);
    tcase_add_test(feasible, test_infeasible_draws);
    suite_add_tcase(suite, feasible);
    TCase *files = tcase_create("files");
    tcase_add_test(files, test_read_text);
    tcase_add_test(files, test_read_text_errors);
    tcase_add_test(files, test_read_hdf5);
    suite_add_tcase(suite, files);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(tau_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
