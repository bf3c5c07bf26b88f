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
    {"(defaults)", "d82b62826d089262a6074a7d75073734f0072f14935af0c029e453a46cc791a3"},
    {"jobs/demo.yaml", "d82b62826d089262a6074a7d75073734f0072f14935af0c029e453a46cc791a3"},
    {"jobs/fig2.yaml", "72d3de63bf28d5ed26a952e6e0182c6bd7240b549730834a2144777af602de2b"},
    {"jobs/fig3-robustness.yaml", "5cd0637662f8a5631d382aac6c01c8e81af297c338b815bfbe2000861a391a5c"},
    {"jobs/fig4-cost.yaml", "e1bdaf24da6c66687d3f20d07a638c821f0c687698de2bbbb2052d8bbc1c22f6"},
    {"jobs/fig4-matched.yaml", "8ddcb5ffd0eed8fbd2c98bf91087759d3eef059b0334c5efbe27c23e69080b16"},
    {"jobs/fig5-profiles.yaml", "c2a89614ef8fb57c5e4759f9155bec8eec326fd3ac8e6e4d84360870201e856e"},
    {"jobs/fig5-tau.yaml", "c7b90ecd7dcde484fdb21cd6bde12ff50560db172498d2151546e087b6be518a"},
    {"tests/jobs/analysis.yaml", "c2acd0b54743b15a864e06b79d52f1a999a308cec3bf7548b94a676a566fab49"},
    {"tests/jobs/fault.yaml", "a882ae60d27388f333db5ed68b8248ba8d99641c12e13d222d6ad0cdb449e4bc"},
    {"tests/jobs/slurm.yaml", "64e903c223ce927455616dfef6d7833eb144b8d7f844aed2ff805b3b6c0d784f"},
    {"tests/jobs/stop.yaml", "1998f44ebdf976832a839c9ad9af7f1d9a9e67c96dda477ac21be7f82bf3a741"},
    {"tests/jobs/threads.yaml", "7b0139bb7e58c2dbcfdaa86af5c87073e1886f5db4b5dd412b6c2165197e64cc"},
    {"tests/jobs/tiny.yaml", "8541473059fdde0d9245a374e3c5600e9d0430ffa5b62282476025afa0f9bb00"},
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
