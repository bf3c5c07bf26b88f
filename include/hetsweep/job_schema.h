/* job_schema.h - the table of job keys (SPEC 5), shared by the job's reader,
 * its defaults and its emitters.
 *
 * One row per key says its name, its type, its range, where it lives in
 * hs_job and its default: adding a key is adding one row (and documenting it
 * in docs/job-reference.md). The reader (config.c) checks a YAML tree against
 * the table, hs_job_defaults() (job_schema.c) fills every default from it, and
 * the emitters (job_emit.c) print the job in table order and the canonical
 * science text sorted by key path, so the four never disagree.
 * Internal to the job modules; other modules use config.h.
 */
#ifndef HETSWEEP_JOB_SCHEMA_H
#define HETSWEEP_JOB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "hetsweep/config.h"

/* The longest key path ("costs.spinnaker2.static_w" and the like). */
#define HS_KEY_PATH_CHARS 256

typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
    const char *text; /* what would be valid, for messages */
} hs_value_range;

enum hs_key_kind {
    KEY_SECTION,        /* a mapping of further keys */
    KEY_REAL,           /* double */
    KEY_REAL_OR_NULL,   /* double, NaN for null */
    KEY_INT,            /* int */
    KEY_SEED,           /* uint32_t */
    KEY_BOOL,           /* bool */
    KEY_ENUM,           /* int code into names */
    KEY_FIXED_ENUM,     /* one-valued enum with no field (stimulus.system) */
    KEY_STRING,         /* char *, never NULL */
    KEY_STRING_OR_NULL, /* char *, NULL for null */
    KEY_INT_SET,        /* int *items at offset, int count at second_offset */
    KEY_REAL_PAIR,      /* [lo, hi], lo <= hi: doubles at offset, second_offset */
    KEY_AXIS_REAL,      /* a sweep axis of numbers */
    KEY_AXIS_INT,       /* a sweep axis of integers */
    KEY_AXIS_ENUM       /* a sweep axis of names */
};

/* KEY_FLOW: printed as {a: 1, b: 2}; KEY_NOT_SCIENCE: left out of the
 * canonical text (a label, or how the run is carried out); KEY_INPUT_FILE: a
 * path whose file's contents are science (input_file says which). */
enum { KEY_FLOW = 1, KEY_NOT_SCIENCE = 2, KEY_INPUT_FILE = 4 };

typedef struct hs_key_spec {
    const char *name;
    enum hs_key_kind kind;
    size_t offset;
    size_t second_offset; /* KEY_INT_SET: the count; KEY_REAL_PAIR: hi */
    const hs_value_range *range;
    const char *const *names;
    const struct hs_key_spec *children;
    int axis;
    unsigned flags;
    int input_file; /* KEY_INPUT_FILE: enum hs_input_file */
    /* The default. default_value: KEY_REAL (NaN for null), KEY_INT, KEY_SEED,
     * KEY_BOOL (0 or 1), KEY_ENUM (a code). default_text: KEY_STRING and
     * KEY_STRING_OR_NULL (NULL for null). default_list and default_count:
     * KEY_INT_SET, KEY_REAL_PAIR (lo, hi) and the axes (enum codes for
     * KEY_AXIS_ENUM). */
    double default_value;
    const char *default_text;
    const double *default_list;
    int default_count;
} hs_key_spec;

/* The top-level keys, in SPEC 5 order (END: a row with name NULL). */
extern const hs_key_spec HS_JOB_KEYS[];

/* names is NULL-terminated; codes outside it read "unknown". */
const char *hs_name_of(const char *const *names, int code);

/* "prefix.name", or "name" at the top level. */
void hs_key_path(char *buf, size_t size, const char *prefix, const char *name);

/* The byte length of a control character at c (C0, DEL, or C1 in UTF-8), or 0. */
int hs_control_length(const unsigned char *c);

/* A key's field in the job. */
static inline double *hs_job_real(hs_job *job, size_t offset)
{
    return (double *)((char *)job + offset);
}

static inline int *hs_job_int(hs_job *job, size_t offset)
{
    return (int *)((char *)job + offset);
}

static inline bool *hs_job_bool(hs_job *job, size_t offset)
{
    return (bool *)((char *)job + offset);
}

static inline char **hs_job_string(hs_job *job, size_t offset)
{
    return (char **)((char *)job + offset);
}

static inline int **hs_job_int_list(hs_job *job, size_t offset)
{
    return (int **)((char *)job + offset);
}

static inline const void *hs_job_field(const hs_job *job, size_t offset)
{
    return (const char *)job + offset;
}

#endif
