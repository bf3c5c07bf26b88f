/* fuzz_job.c - libFuzzer harness for the job loader: parse any bytes as a job
 * file; a job that parses is validated, printed (check --print-job), parsed
 * again, and must give the same canonical job and the same printed text. A
 * difference aborts (a finding), as does any sanitizer error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/config.h"
#include "hetsweep/validate.h"

/* The job printed as YAML, malloc'd. */
static char *printed(const hs_job *job, size_t *length)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, length);
    if (!out)
        abort();
    hs_job_print(job, out);
    fclose(out);
    return text;
}

/* Print, parse the print, and compare: the round trip must be exact. */
static void check_round_trip(const hs_job *job)
{
    size_t length = 0, again_length = 0;
    char *text = printed(job, &length);
    hs_job reparsed;
    hs_error err;
    hs_error_clear(&err);
    if (hs_job_parse("printed.yaml", text, length, &reparsed, &err) != HS_OK) {
        fprintf(stderr, "the printed job is refused: %s\n%s\n", err.msg, text);
        abort();
    }
    char *a = hs_job_canonical(job), *b = hs_job_canonical(&reparsed);
    char *again = printed(&reparsed, &again_length);
    if (strcmp(a, b) != 0 || again_length != length || memcmp(text, again, length) != 0) {
        fprintf(stderr, "print/parse round trip differs:\n%s\n---\n%s\n", text, again);
        abort();
    }
    free(again);
    free(a);
    free(b);
    free(text);
    hs_job_free(&reparsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    if (hs_job_parse("fuzz.yaml", (const char *)data, size, &job, &err) != HS_OK) {
        hs_job_free(&job);
        return 0;
    }
    hs_error_clear(&err);
    if (hs_job_validate(&job, &err) == HS_OK)
        check_round_trip(&job);
    hs_job_free(&job);
    return 0;
}
