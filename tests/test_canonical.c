/* test_canonical.c - golden SHA-256 of the canonical science text (config.h).
 *
 * The canonical text is hashed into every cube's identity (SPEC 2): a change
 * of one byte makes every existing cube unresumable. This test pins the
 * SHA-256 of the canonical text of the built-in defaults and of every job
 * under jobs/ and tests/jobs/, so a refactoring of the job reader or its
 * emitters cannot change it unnoticed. A new job file fails the test until
 * its hash is added to GOLDEN (print it with HETSWEEP_PRINT_GOLDEN=1).
 * Without input files the identity's text (hs_job_identity_canonical) is the
 * canonical text; with them, their digests replace their paths.
 *
 * usage: test_canonical SOURCE_ROOT
 */
#include "hetsweep/config.h"
#include "hetsweep/sha256.h"

#include <check.h>

#include "check_runner.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *source_root = ".";

typedef struct {
    const char *job; /* relative to the source root; "(defaults)" for hs_job_defaults */
    const char *sha256;
} golden_hash;

static const golden_hash GOLDEN[] = {
    {"(defaults)", "81c2328c3917e4a084d7168b5b5ab26fa2cf1fcac1a4f89a5a25e25c87a1ef2c"},
    {"jobs/demo.yaml", "81c2328c3917e4a084d7168b5b5ab26fa2cf1fcac1a4f89a5a25e25c87a1ef2c"},
    {"jobs/fig2.yaml", "3f58cd53c67d432ea1a641f29c3ee816a49773bd81baf47e7904fb8dd19f1753"},
    {"jobs/fig3-robustness.yaml", "b08a2bb99a20e7dc6673dacbe3dd7f443bd43521d3522154e609fcfa09de7e91"},
    {"jobs/fig4-cost.yaml", "0093838a860493a3a482ebc4b1b22914deff29217e0a176dbc43398d3466a226"},
    {"jobs/fig4-matched.yaml", "7774ba02dae0144e39e51ecaffa2d110d67ac953822ef484d816ec38a52f1147"},
    {"jobs/fig5-profiles.yaml", "478ddf037645c74650af49a849d5cea3b57576d6c5035a5d11c2f58f12ef1fbb"},
    {"jobs/fig5-tau.yaml", "4e0f6056f94beac28f0a29dde884b51a8e1e52e67707fd469326ce0e2daf9600"},
    {"tests/jobs/analysis.yaml", "ada39075b3eb085e09181f72a4e9454c524a71a610b4f270e68fb8d70e1fad27"},
    {"tests/jobs/fault.yaml", "c40e2949e522832bcadf3cb2da80ad55296045f44652a12b8d0628438e8dfb9f"},
    {"tests/jobs/slurm.yaml", "cebb3aa1e658e9fc24a68ba48fd4e2a214e4579592174c82fe689e9ef3a23b5c"},
    {"tests/jobs/stop.yaml", "9a00e96dd3a0ec49e077524e6629a83ba3c0e87e5a38f4158d83fd4b5cf8a628"},
    {"tests/jobs/threads.yaml", "379489229ab71c995448d13e9f2bcd0f865044b4f2b4fa7040c03778e8f5e05f"},
    {"tests/jobs/tiny.yaml", "db24a09a8b84a1bdc0360e9f70619c597fbdeadf5d8afba6ef713ac3a5dc2bca"},
};

#define N_GOLDEN (sizeof GOLDEN / sizeof *GOLDEN)

/* The SHA-256 of the canonical text of a job file, or of the defaults. */
static void canonical_sha256(const char *job_path, char hex[65])
{
    hs_job job;
    if (strcmp(job_path, "(defaults)") == 0) {
        hs_job_defaults(&job);
    } else {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", source_root, job_path);
        hs_error err = {0};
        int status = hs_job_load(path, &job, &err);
        ck_assert_msg(status == HS_OK, "%s: %s", path, err.msg);
    }
    char *canonical = hs_job_canonical(&job);
    hs_sha256_hex(canonical, strlen(canonical), hex);
    /* without input files, the identity's text is the canonical text */
    hs_job_digests none;
    memset(&none, 0, sizeof none);
    char *identity_text = hs_job_identity_canonical(&job, &none);
    ck_assert_str_eq(identity_text, canonical);
    free(identity_text);
    if (getenv("HETSWEEP_PRINT_GOLDEN"))
        printf("    {\"%s\", \"%s\"},\n", job_path, hex);
    free(canonical);
    hs_job_free(&job);
}

START_TEST(test_canonical_hash_is_golden)
{
    char hex[65];
    canonical_sha256(GOLDEN[_i].job, hex);
    ck_assert_msg(strcmp(hex, GOLDEN[_i].sha256) == 0,
                  "%s: the canonical text's SHA-256 is %s, was %s: every cube of this job "
                  "would lose its identity",
                  GOLDEN[_i].job, hex, GOLDEN[_i].sha256);
}
END_TEST

static bool is_golden(const char *job_path)
{
    for (size_t i = 0; i < N_GOLDEN; i++)
        if (strcmp(GOLDEN[i].job, job_path) == 0)
            return true;
    return false;
}

static void check_every_job_is_golden(const char *folder)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", source_root, folder);
    DIR *dir = opendir(path);
    ck_assert_msg(dir != NULL, "cannot list %s", path);
    int n_jobs = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        size_t length = strlen(entry->d_name);
        if (length < 5 || strcmp(entry->d_name + length - 5, ".yaml") != 0)
            continue;
        char job_path[512];
        snprintf(job_path, sizeof job_path, "%s/%s", folder, entry->d_name);
        char hex[65];
        bool printing = getenv("HETSWEEP_PRINT_GOLDEN") != NULL;
        if (!is_golden(job_path) || printing)
            canonical_sha256(job_path, hex);
        ck_assert_msg(is_golden(job_path) || printing,
                      "%s has no golden canonical hash: add {\"%s\", \"%s\"} to GOLDEN",
                      job_path, job_path, hex);
        n_jobs++;
    }
    closedir(dir);
    ck_assert_msg(n_jobs > 0, "no job files under %s", path);
}

START_TEST(test_every_job_file_is_pinned)
{
    check_every_job_is_golden("jobs");
    check_every_job_is_golden("tests/jobs");
}
END_TEST

static const char FILE_JOB[] = "network:\n"
                               "  tau_file: taus.txt\n"
                               "  source: file\n"
                               "  source_file: nets.h5\n"
                               "sweep:\n"
                               "  profile: [file]\n";

/* The input files' paths give way to their digests; the other lines stay. */
START_TEST(test_identity_text_names_contents_not_paths)
{
    hs_job job;
    hs_error err = {0};
    ck_assert_int_eq(hs_job_parse("job.yaml", FILE_JOB, strlen(FILE_JOB), &job, &err), HS_OK);
    hs_job_digests digests;
    memset(&digests, 0, sizeof digests);
    memset(digests.sha256[HS_INPUT_TAU_FILE], 'a', 64);
    memset(digests.sha256[HS_INPUT_SOURCE_FILE], 'b', 64);
    char *canonical = hs_job_canonical(&job);
    char *identity_text = hs_job_identity_canonical(&job, &digests);
    ck_assert_ptr_nonnull(strstr(canonical, "network.tau_file=taus.txt\n"));
    ck_assert_ptr_null(strstr(identity_text, "taus.txt"));
    ck_assert_ptr_null(strstr(identity_text, "nets.h5"));
    char line[128];
    snprintf(line, sizeof line, "network.tau_file_sha256=%s\n", digests.sha256[0]);
    ck_assert_ptr_nonnull(strstr(identity_text, line));
    snprintf(line, sizeof line, "network.source_file_sha256=%s\n", digests.sha256[1]);
    ck_assert_ptr_nonnull(strstr(identity_text, line));
    /* still sorted: the digest line sits where the path line sat */
    ck_assert_ptr_nonnull(strstr(identity_text, "network.source=file\nnetwork.source_file_sha256="));
    ck_assert_ptr_nonnull(strstr(identity_text, "\nnetwork.tau_min_ms="));

    /* the refusal names the key and says the contents changed */
    hs_job_digests edited = digests;
    memset(edited.sha256[HS_INPUT_TAU_FILE], 'c', 64);
    char *other = hs_job_identity_canonical(&job, &edited);
    char diff[1024];
    hs_canonical_difference(identity_text, other, "cube", "job", diff, sizeof diff);
    ck_assert_msg(strstr(diff, "\n  network.tau_file: the file's contents differ (cube has "
                               "sha256 aaaa"),
                  "%s", diff);
    ck_assert_msg(!strstr(diff, "source_file"), "%s", diff);
    free(other);
    free(identity_text);
    free(canonical);
    hs_job_free(&job);
}
END_TEST

static Suite *canonical_suite(void)
{
    Suite *suite = suite_create("canonical");
    TCase *golden = tcase_create("golden");
    tcase_add_loop_test(golden, test_canonical_hash_is_golden, 0, (int)N_GOLDEN);
    tcase_add_test(golden, test_every_job_file_is_pinned);
    suite_add_tcase(suite, golden);
    TCase *files = tcase_create("input files");
    tcase_add_test(files, test_identity_text_names_contents_not_paths);
    suite_add_tcase(suite, files);
    return suite;
}

Suite *hs_test_suite(void)
{
    if (hs_test_argument())
        source_root = hs_test_argument();
    return canonical_suite();
}
