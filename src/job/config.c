/* config.c - reading a job file (SPEC 5): the YAML tree checked against the
 * key table, checks between keys of the file, and loading the file.
 *
 * The text is parsed into a node tree (yaml_tree.h, which enforces the parse
 * limits) and read against the table of keys (job_schema.h) that says, for
 * every key of SPEC 5, its type, its range, its default and where it lives in
 * hs_job. Every refusal is "<file>:<line>: <key.path>: <what is wrong> (<what
 * would be valid>)" with status HS_ERR_INPUT; every key is read, so one run
 * names up to MAX_REFUSALS mistakes. Cross-key checks that need other modules
 * (profile feasibility, segment lengths, the memory plan) are in validate.c;
 * the emitters (print, canonical, difference) in job_emit.c.
 */
#include "hetsweep/config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/job_schema.h"
#include "hetsweep/yaml_tree.h"

#define MAX_FILE_BYTES ((size_t)16 << 20)

/* ------------------------------------------------------------------------ */
/* Key lines                                                                */
/* ------------------------------------------------------------------------ */

static void remember_line(hs_job *job, const char *path, int line)
{
    job->key_lines = hs_xrealloc(job->key_lines, (size_t)(job->n_key_lines + 1) *
                                                     sizeof *job->key_lines);
    hs_key_line *entry = &job->key_lines[job->n_key_lines++];
    size_t length = strlen(path);
    if (length >= sizeof entry->path)
        length = sizeof entry->path - 1; /* known key paths are all shorter */
    memcpy(entry->path, path, length);
    entry->path[length] = '\0';
    entry->line = line;
}

int hs_job_line(const hs_job *job, const char *key_path)
{
    for (int i = 0; i < job->n_key_lines; i++)
        if (strcmp(job->key_lines[i].path, key_path) == 0)
            return job->key_lines[i].line;
    return 0;
}

/* The line of the first of two keys that was given (0 if neither). */
static int line_of_either(const hs_job *job, const char *first, const char *second)
{
    int line = hs_job_line(job, first);
    return line ? line : hs_job_line(job, second);
}

/* ------------------------------------------------------------------------ */
/* Reading values                                                           */
/* ------------------------------------------------------------------------ */

typedef struct {
    const char *file;
    hs_error *err;
    hs_job *job;
    int *n_refusals; /* refusals so far: every key is read, the first MAX_REFUSALS */
    int *n_shown;    /* reported while they fit in the message */
} job_reader;

#define MAX_REFUSALS 20

static int refuse(const job_reader *reader, int line, const char *path, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

static int refuse(const job_reader *reader, int line, const char *path, const char *fmt,
                  ...)
{
    char what[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int count = reader->n_refusals ? (*reader->n_refusals)++ : 0;
    if (count == 0) {
        if (reader->n_shown)
            (*reader->n_shown)++;
        return hs_fail(reader->err, HS_ERR_INPUT, "%s:%d: %s: %s", reader->file, line, path,
                       what);
    }
    /* later refusals of the same file follow the first, one a line, while they fit
     * (leaving room for the count of the rest) */
    char more[1800];
    int length = snprintf(more, sizeof more, "\n%s:%d: %s: %s", reader->file, line, path, what);
    size_t used = strlen(reader->err->msg);
    if (count < MAX_REFUSALS && length > 0 && (size_t)length < sizeof more &&
        used + (size_t)length + 40 < sizeof reader->err->msg) {
        memcpy(reader->err->msg + used, more, (size_t)length + 1);
        (*reader->n_shown)++;
    }
    return HS_ERR_INPUT;
}

/* Values are quoted in messages, shortened if long. */
static const char *shown(const hs_yaml_node *node, char *buf, size_t size)
{
    size_t length = strlen(node->text);
    if (length + 1 <= size)
        return node->text;
    snprintf(buf, size, "%.*s...", (int)(size - 4), node->text);
    return buf;
}

static int expect_scalar(const job_reader *reader, const hs_yaml_node *node,
                         const char *path, const char *expected)
{
    if (node->kind == HS_YAML_SCALAR)
        return HS_OK;
    return refuse(reader, node->line, path, "expected %s (got %s)", expected,
                  hs_yaml_describe(node));
}

static bool in_range(double value, const hs_value_range *range)
{
    bool above = range->lo_open ? value > range->lo : value >= range->lo;
    bool below = range->hi_open ? value < range->hi : value <= range->hi;
    return above && below;
}

/* A finite number within range; integer ranges also require integer values. */
static int read_number(const job_reader *reader, const hs_yaml_node *node, const char *path,
                       const hs_value_range *range, bool integer, double *out)
{
    const char *expected = integer ? "an integer" : "a number";
    int status = expect_scalar(reader, node, path, expected);
    if (status)
        return status;
    char buf[64];
    double value = 0.0;
    if (hs_yaml_classify(node, &value) != HS_YAML_NUMBER)
        return refuse(reader, node->line, path, "expected %s, got %s '%s' (valid: %s)",
                      expected, hs_yaml_describe(node), shown(node, buf, sizeof buf), range->text);
    if (!isfinite(value))
        return refuse(reader, node->line, path, "%s is not a finite number (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    if (integer && value != floor(value))
        return refuse(reader, node->line, path, "%s is not an integer (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    if (!in_range(value, range))
        return refuse(reader, node->line, path, "%s is out of range (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    *out = value;
    return HS_OK;
}

static void join_names(const char *const *names, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; names[i]; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? " | " : "", names[i]);
    }
}

static int read_enum(const job_reader *reader, const hs_yaml_node *node, const char *path,
                     const char *const *names, int *code)
{
    char valid[128], buf[64];
    join_names(names, valid, sizeof valid);
    int status = expect_scalar(reader, node, path, "a name");
    if (status)
        return status;
    enum hs_yaml_scalar type = hs_yaml_classify(node, NULL);
    if (type != HS_YAML_STRING)
        return refuse(reader, node->line, path, "expected a name, got %s (valid: %s)",
                      hs_yaml_describe(node), valid);
    for (int i = 0; names[i]; i++) {
        if (strcmp(node->text, names[i]) == 0) {
            *code = i;
            return HS_OK;
        }
    }
    return refuse(reader, node->line, path, "unknown value '%s' (valid: %s)",
                  shown(node, buf, sizeof buf), valid);
}

static int read_bool(const job_reader *reader, const hs_yaml_node *node, const char *path,
                     bool *out)
{
    int status = expect_scalar(reader, node, path, "true or false");
    if (status)
        return status;
    if (hs_yaml_classify(node, NULL) != HS_YAML_BOOL)
        return refuse(reader, node->line, path, "expected true or false (got %s)",
                      hs_yaml_describe(node));
    *out = hs_yaml_is_true(node);
    return HS_OK;
}

#define MAX_NAME_BYTES 1024

/* `name` is a label printed by status and stored in the cube: printable
 * text of bounded length. */
static int check_name(const job_reader *reader, const hs_yaml_node *node, const char *path)
{
    size_t length = strlen(node->text);
    if (length > MAX_NAME_BYTES)
        return refuse(reader, node->line, path, "is %zu bytes long; a name may have at most %d",
                      length, MAX_NAME_BYTES);
    for (const unsigned char *c = (const unsigned char *)node->text; *c; c++)
        if (hs_control_length(c))
            return refuse(reader, node->line, path,
                          "holds a control character (byte %zu); a name is printable text",
                          (size_t)(c - (const unsigned char *)node->text) + 1);
    return HS_OK;
}

static int read_string(const job_reader *reader, const hs_yaml_node *node, const char *path,
                       bool nullable, char **out)
{
    int status = expect_scalar(reader, node, path, "a string");
    if (status)
        return status;
    if (nullable && hs_yaml_is_null(node)) {
        free(*out);
        *out = NULL;
        return HS_OK;
    }
    if (hs_yaml_is_null(node) || node->text[0] == '\0')
        return refuse(reader, node->line, path, "expected a non-empty string (got %s)",
                      hs_yaml_is_null(node) ? "null" : "an empty string");
    if (node->has_nul)
        return refuse(reader, node->line, path,
                      "holds a NUL character (\\0), which no string of a job may hold");
    if (strcmp(path, "name") == 0) {
        status = check_name(reader, node, path);
        if (status)
            return status;
    }
    free(*out);
    *out = hs_xstrdup(node->text);
    return HS_OK;
}

/* A scalar where a list is expected: suggest the one-item list. */
static int expect_list(const job_reader *reader, const hs_yaml_node *node, const char *path)
{
    if (node->kind == HS_YAML_SEQUENCE)
        return HS_OK;
    if (node->kind == HS_YAML_SCALAR && !hs_yaml_is_null(node)) {
        char buf[64];
        return refuse(reader, node->line, path,
                      "expected a list (got %s; write [%s] for a single value)",
                      hs_yaml_describe(node), shown(node, buf, sizeof buf));
    }
    return refuse(reader, node->line, path, "expected a list (got %s)", hs_yaml_describe(node));
}

static int expect_non_empty_list(const job_reader *reader, const hs_yaml_node *node,
                                 const char *path)
{
    int status = expect_list(reader, node, path);
    if (status == HS_OK && node->n_items == 0)
        return refuse(reader, node->line, path,
                      "the list is empty (give at least one value)");
    return status;
}

/* Reads every item of a list as a number, enum code or integer. */
static int read_list_values(const job_reader *reader, const hs_yaml_node *list,
                            const char *path, const hs_key_spec *spec, double *values)
{
    for (int i = 0; i < list->n_items; i++) {
        const hs_yaml_node *item = list->items[i];
        int status, code = 0;
        if (spec->names) {
            status = read_enum(reader, item, path, spec->names, &code);
            values[i] = code;
        } else {
            bool integer = spec->kind != KEY_AXIS_REAL;
            status = read_number(reader, item, path, spec->range, integer, &values[i]);
        }
        if (status)
            return status;
    }
    return HS_OK;
}

static int refuse_repeats(const job_reader *reader, const hs_yaml_node *list,
                          const char *path, const double *values)
{
    for (int i = 1; i < list->n_items; i++) {
        for (int j = 0; j < i; j++) {
            if (values[i] == values[j]) {
                char buf[64];
                return refuse(reader, list->items[i]->line, path,
                              "the value %s appears twice (items %d and %d; every value "
                              "must be unique)",
                              shown(list->items[i], buf, sizeof buf), j + 1, i + 1);
            }
        }
    }
    return HS_OK;
}

/* A non-empty list of unique values: a sweep axis, components, degrees. */
static int read_unique_list(const job_reader *reader, const hs_yaml_node *node,
                            const char *path, const hs_key_spec *spec, double **out,
                            int *count)
{
    int status = expect_non_empty_list(reader, node, path);
    if (status)
        return status;
    double *values = hs_xmalloc((size_t)node->n_items * sizeof *values);
    status = read_list_values(reader, node, path, spec, values);
    if (status == HS_OK)
        status = refuse_repeats(reader, node, path, values);
    if (status) {
        free(values);
        return status;
    }
    *out = values;
    *count = node->n_items;
    return HS_OK;
}

static int read_axis(const job_reader *reader, const hs_yaml_node *node, const char *path,
                     const hs_key_spec *spec)
{
    hs_axis *axis = &reader->job->axes[spec->axis];
    double *values = NULL;
    int count = 0;
    int status = read_unique_list(reader, node, path, spec, &values, &count);
    if (status)
        return status;
    free(axis->values);
    axis->values = values;
    axis->count = count;
    return HS_OK;
}

static int read_int_set(const job_reader *reader, const hs_yaml_node *node, const char *path,
                        const hs_key_spec *spec)
{
    double *values = NULL;
    int count = 0;
    int status = read_unique_list(reader, node, path, spec, &values, &count);
    if (status)
        return status;
    int **items = hs_job_int_list(reader->job, spec->offset);
    free(*items);
    *items = hs_xmalloc((size_t)count * sizeof **items);
    for (int i = 0; i < count; i++)
        (*items)[i] = (int)values[i];
    *hs_job_int(reader->job, spec->second_offset) = count;
    free(values);
    return HS_OK;
}

static int read_pair(const job_reader *reader, const hs_yaml_node *node, const char *path,
                     const hs_key_spec *spec)
{
    int status = expect_list(reader, node, path);
    if (status)
        return status;
    if (node->n_items != 2)
        return refuse(reader, node->line, path,
                      "expected exactly 2 numbers [lo, hi] (got %d)", node->n_items);
    double lo, hi;
    status = read_number(reader, node->items[0], path, spec->range, false, &lo);
    if (status == HS_OK)
        status = read_number(reader, node->items[1], path, spec->range, false, &hi);
    if (status)
        return status;
    if (lo > hi)
        return refuse(reader, node->line, path,
                      "lo %s is greater than hi %s (valid: [lo, hi] with lo <= hi)",
                      node->items[0]->text, node->items[1]->text);
    *hs_job_real(reader->job, spec->offset) = lo;
    *hs_job_real(reader->job, spec->second_offset) = hi;
    return HS_OK;
}

static int read_real_key(const job_reader *reader, const hs_yaml_node *node,
                         const char *path, const hs_key_spec *spec)
{
    double *field = hs_job_real(reader->job, spec->offset);
    if (spec->kind == KEY_REAL_OR_NULL && hs_yaml_is_null(node)) {
        *field = NAN;
        return HS_OK;
    }
    return read_number(reader, node, path, spec->range, false, field);
}

static int read_integer_key(const job_reader *reader, const hs_yaml_node *node,
                            const char *path, const hs_key_spec *spec)
{
    double value;
    int status = read_number(reader, node, path, spec->range, true, &value);
    if (status)
        return status;
    if (spec->kind == KEY_SEED)
        reader->job->seed = (uint32_t)value;
    else
        *hs_job_int(reader->job, spec->offset) = (int)value;
    return HS_OK;
}

static int read_section(const job_reader *reader, const hs_yaml_node *mapping,
                        const char *prefix, const hs_key_spec *keys);

static int read_value(const job_reader *reader, const hs_yaml_node *node, const char *path,
                      const hs_key_spec *spec)
{
    hs_job *job = reader->job;
    int ignored;
    switch (spec->kind) {
    case KEY_SECTION:
        return read_section(reader, node, path, spec->children);
    case KEY_REAL:
    case KEY_REAL_OR_NULL:
        return read_real_key(reader, node, path, spec);
    case KEY_INT:
    case KEY_SEED:
        return read_integer_key(reader, node, path, spec);
    case KEY_BOOL:
        return read_bool(reader, node, path, hs_job_bool(job, spec->offset));
    case KEY_ENUM:
        return read_enum(reader, node, path, spec->names, hs_job_int(job, spec->offset));
    case KEY_FIXED_ENUM:
        return read_enum(reader, node, path, spec->names, &ignored);
    case KEY_STRING:
    case KEY_STRING_OR_NULL:
        return read_string(reader, node, path, spec->kind == KEY_STRING_OR_NULL,
                           hs_job_string(job, spec->offset));
    case KEY_INT_SET:
        return read_int_set(reader, node, path, spec);
    case KEY_REAL_PAIR:
        return read_pair(reader, node, path, spec);
    default:
        return read_axis(reader, node, path, spec);
    }
}

/* ------------------------------------------------------------------------ */
/* Mappings: unknown and duplicate keys                                     */
/* ------------------------------------------------------------------------ */

static size_t levenshtein(const char *a, const char *b)
{
    size_t length_b = strlen(b);
    size_t previous[64], current[64];
    if (length_b >= 64)
        length_b = 63;
    for (size_t j = 0; j <= length_b; j++)
        previous[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        current[0] = i;
        for (size_t j = 1; j <= length_b; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = previous[j - 1] + cost;
            if (previous[j] + 1 < best)
                best = previous[j] + 1;
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1;
            current[j] = best;
        }
        memcpy(previous, current, (length_b + 1) * sizeof *previous);
    }
    return previous[length_b];
}

static const hs_key_spec *nearest_key(const hs_key_spec *keys, const char *name,
                                   size_t *distance)
{
    const hs_key_spec *nearest = &keys[0];
    *distance = (size_t)-1;
    for (const hs_key_spec *key = keys; key->name; key++) {
        size_t d = levenshtein(name, key->name);
        if (d < *distance) {
            *distance = d;
            nearest = key;
        }
    }
    return nearest;
}

static int refuse_unknown_key(const job_reader *reader, const hs_yaml_node *key_node,
                              const char *path, const hs_key_spec *keys)
{
    char buf[64], valid[512] = "";
    size_t distance;
    const hs_key_spec *nearest = nearest_key(keys, key_node->text, &distance);
    size_t close_enough = (strlen(nearest->name) + 2) / 3;
    bool prefix = strncmp(key_node->text, nearest->name, strlen(nearest->name)) == 0;
    if (distance <= close_enough || prefix)
        return refuse(reader, key_node->line, path, "unknown key '%s' (did you mean '%s'?)",
                      shown(key_node, buf, sizeof buf), nearest->name);
    for (const hs_key_spec *key = keys; key->name; key++) {
        size_t used = strlen(valid);
        snprintf(valid + used, sizeof valid - used, "%s%s", key == keys ? "" : ", ",
                 key->name);
    }
    return refuse(reader, key_node->line, path,
                  "unknown key '%s' (the nearest valid key is '%s'; valid keys here: %s)",
                  shown(key_node, buf, sizeof buf), nearest->name, valid);
}

static int refuse_duplicates(const job_reader *reader, const hs_yaml_node *mapping,
                             int key_index, const char *path)
{
    const hs_yaml_node *key = mapping->items[key_index];
    for (int j = 0; j < key_index; j += 2) {
        const hs_yaml_node *earlier = mapping->items[j];
        if (earlier->kind == HS_YAML_SCALAR && strcmp(earlier->text, key->text) == 0)
            return refuse(reader, key->line, path,
                          "duplicate key '%s' (first given on line %d; give each key "
                          "once)",
                          key->text, earlier->line);
    }
    return HS_OK;
}

static const hs_key_spec *find_key(const hs_key_spec *keys, const char *name)
{
    for (const hs_key_spec *key = keys; key->name; key++)
        if (strcmp(key->name, name) == 0)
            return key;
    return NULL;
}

static int read_entry(const job_reader *reader, const hs_yaml_node *mapping, int key_index,
                      const char *prefix, const hs_key_spec *keys)
{
    const hs_yaml_node *key = mapping->items[key_index];
    const hs_yaml_node *value = mapping->items[key_index + 1];
    char path[HS_KEY_PATH_CHARS];
    if (key->kind != HS_YAML_SCALAR)
        return refuse(reader, key->line, prefix[0] ? prefix : "(top level)",
                      "a key must be a plain name (got %s)", hs_yaml_describe(key));
    hs_key_path(path, sizeof path, prefix, key->text);
    int status = refuse_duplicates(reader, mapping, key_index, path);
    if (status)
        return status;
    const hs_key_spec *spec = find_key(keys, key->text);
    if (!spec)
        return refuse_unknown_key(reader, key, path, keys);
    remember_line(reader->job, path, key->line);
    return read_value(reader, value, path, spec);
}

/* A section given as null ("lif:" with nothing under it) keeps its defaults. */
static int read_section(const job_reader *reader, const hs_yaml_node *mapping,
                        const char *prefix, const hs_key_spec *keys)
{
    if (hs_yaml_is_null(mapping))
        return HS_OK;
    if (mapping->kind != HS_YAML_MAPPING) {
        if (!prefix[0])
            return hs_fail(reader->err, HS_ERR_INPUT,
                           "%s:%d: the top level must be a mapping of keys such as "
                           "'sweep:' (got %s)",
                           reader->file, mapping->line, hs_yaml_describe(mapping));
        return refuse(reader, mapping->line, prefix, "expected a mapping of keys (got %s)",
                      hs_yaml_describe(mapping));
    }
    int first = HS_OK; /* a refused key does not stop the others being read */
    for (int i = 0; i + 1 < mapping->n_items; i += 2) {
        int status = read_entry(reader, mapping, i, prefix, keys);
        if (status != HS_OK && status != HS_ERR_INPUT)
            return status;
        if (first == HS_OK)
            first = status;
    }
    return first;
}

/* ------------------------------------------------------------------------ */
/* Checks between keys of this file                                         */
/* ------------------------------------------------------------------------ */

static int check_lambdas(const job_reader *reader)
{
    const hs_job *job = reader->job;
    char lo[32], hi[32];
    hs_format_double(job->readout.lambda_min, lo, sizeof lo);
    hs_format_double(job->readout.lambda_max, hi, sizeof hi);
    if (job->readout.lambda_max < job->readout.lambda_min)
        return refuse(reader,
                      line_of_either(job, "readout.lambdas.max", "readout.lambdas.min"),
                      "readout.lambdas.max",
                      "%s is less than readout.lambdas.min = %s (valid: max >= min)", hi,
                      lo);
    if (job->readout.selection != HS_SELECT_FIXED)
        return HS_OK;
    bool one_lambda = job->readout.lambda_count == 1 &&
                      job->readout.lambda_min == job->readout.lambda_max;
    if (!one_lambda)
        return refuse(reader, hs_job_line(job, "readout.selection"), "readout.selection",
                      "fixed needs exactly one lambda (got readout.lambdas.count = %d, "
                      "min = %s, max = %s; valid: count 1 and min == max)",
                      job->readout.lambda_count, lo, hi);
    return HS_OK;
}

static int check_validation(const job_reader *reader)
{
    const hs_job *job = reader->job;
    if (job->time.validation_ms > 0 || job->readout.selection == HS_SELECT_FIXED)
        return HS_OK;
    return refuse(reader, line_of_either(job, "time.validation_ms", "readout.selection"),
                  "time.validation_ms",
                  "0 needs readout.selection: fixed (valid: validation_ms > 0, or "
                  "selection fixed with one lambda)");
}

static int check_tau_means(const job_reader *reader)
{
    const hs_job *job = reader->job;
    const hs_axis *axis = &job->axes[HS_AX_TAU_MEAN];
    for (int i = 0; i < axis->count; i++) {
        if (axis->values[i] > job->network.tau_min_ms)
            continue;
        char mean[32], minimum[32];
        hs_format_double(axis->values[i], mean, sizeof mean);
        hs_format_double(job->network.tau_min_ms, minimum, sizeof minimum);
        int line = line_of_either(job, "sweep.tau_mean_ms", "network.tau_min_ms");
        return refuse(reader, line, "sweep.tau_mean_ms",
                      "%s is not greater than network.tau_min_ms = %s (valid: every "
                      "sweep.tau_mean_ms > network.tau_min_ms)",
                      mean, minimum);
    }
    return HS_OK;
}

static bool axis_contains(const hs_axis *axis, double value)
{
    for (int i = 0; i < axis->count; i++)
        if (axis->values[i] == value)
            return true;
    return false;
}

static int check_required_files(const job_reader *reader)
{
    const hs_job *job = reader->job;
    if (axis_contains(&job->axes[HS_AX_PROFILE], HS_PROFILE_FILE) && !job->network.tau_file)
        return refuse(reader, line_of_either(job, "network.tau_file", "sweep.profile"),
                      "network.tau_file",
                      "required when sweep.profile contains file (give a text list or "
                      "path.h5:/dataset of time constants in ms)");
    if (job->network.source == HS_SOURCE_FILE && !job->network.source_file)
        return refuse(reader, line_of_either(job, "network.source_file", "network.source"),
                      "network.source_file",
                      "required when network.source is file (give a cube written with "
                      "output.store_networks: true)");
    return HS_OK;
}

static int check_between_keys(const job_reader *reader)
{
    int status = check_lambdas(reader);
    if (status == HS_OK)
        status = check_validation(reader);
    if (status == HS_OK)
        status = check_tau_means(reader);
    if (status == HS_OK)
        status = check_required_files(reader);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* The value of a top-level key, or NULL. */
static const hs_yaml_node *top_value(const hs_yaml_node *root, const char *name)
{
    for (int i = 0; i + 1 < root->n_items; i += 2)
        if (root->items[i]->kind == HS_YAML_SCALAR && strcmp(root->items[i]->text, name) == 0)
            return root->items[i + 1];
    return NULL;
}

#define SWEEP_EXAMPLE "e.g. 'sweep: {heterogeneity: [0, 1], n: [100]}'"

/* A job must say what it sweeps (SPEC 5): an empty file, one without a
 * `sweep` section, or one whose `sweep` is empty would silently run the
 * built-in defaults. Checked last, so a misspelt or out-of-range key is
 * named first. */
static int require_sweep(const job_reader *reader, const hs_yaml_node *root)
{
    if (!root || hs_yaml_is_null(root))
        return hs_fail(reader->err, HS_ERR_INPUT,
                       "%s:1: the job file is empty (a job gives at least a 'sweep:' section "
                       "with one or more axes, " SWEEP_EXAMPLE ")",
                       reader->file);
    const hs_yaml_node *sweep = top_value(root, "sweep");
    if (!sweep)
        return hs_fail(reader->err, HS_ERR_INPUT,
                       "%s:%d: the job has no 'sweep:' section (every job must say what it "
                       "sweeps, " SWEEP_EXAMPLE ")",
                       reader->file, root->line);
    if (hs_yaml_is_null(sweep) || sweep->n_items == 0)
        return refuse(reader, sweep->line, "sweep",
                      "the section is empty (give one or more axes, " SWEEP_EXAMPLE ")");
    return HS_OK;
}

static int read_tree(const char *path, const hs_yaml_node *root, hs_job *job, hs_error *err)
{
    int n_refusals = 0, n_shown = 0;
    job_reader reader = {.file = path, .err = err, .job = job, .n_refusals = &n_refusals,
                         .n_shown = &n_shown};
    int status = root && !hs_yaml_is_null(root) ? read_section(&reader, root, "", HS_JOB_KEYS) : HS_OK;
    if (n_refusals > n_shown) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "\n(and %d more refusals)",
                 n_refusals - n_shown);
    }
    if (status == HS_OK)
        status = check_between_keys(&reader);
    if (status == HS_OK)
        status = require_sweep(&reader, root);
    return status;
}

int hs_job_parse(const char *path, const char *text, size_t length, hs_job *job,
                 hs_error *err)
{
    hs_job_defaults(job);
    job->path = hs_xstrdup(path);
    job->text = hs_xmalloc(length + 1);
    memcpy(job->text, text, length);
    job->text[length] = '\0';

    /* the text is shared with other ranks and stored in the cube as a C string */
    const char *nul = memchr(text, '\0', length);
    if (nul) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        hs_job_free(job);
        return hs_fail(err, HS_ERR_INPUT,
                       "%s:%d: the file contains a NUL byte (valid: UTF-8 text; UTF-16 files "
                       "must be converted)",
                       path, line);
    }
    hs_yaml_tree tree;
    int status = hs_yaml_parse(path, job->text, length, &tree, err);
    if (status == HS_OK)
        status = read_tree(path, tree.root, job, err);
    hs_yaml_tree_free(&tree);
    if (status)
        hs_job_free(job);
    return status;
}

static int open_job_file(const char *path, FILE **file, hs_error *err)
{
    /* without blocking: a FIFO must be refused, not waited on */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hs_fail(err, HS_ERR_INPUT, "cannot read %s: %s", path, strerror(errno));
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        close(fd);
        return hs_fail(err, HS_ERR_INPUT, "cannot read %s: %s", path, strerror(EISDIR));
    }
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        return hs_fail(err, HS_ERR_INPUT,
                       "%s is not a regular file (a FIFO, device or socket): a job file must be "
                       "a regular file",
                       path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *file = fdopen(fd, "rb");
    if (!*file) {
        int saved = errno;
        close(fd);
        return hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", path, strerror(saved));
    }
    return HS_OK;
}

/* The whole file into memory; a missing or unreadable path is invalid input,
 * an I/O error while reading is a runtime failure. */
static int read_whole_file(const char *path, char **text, size_t *length, hs_error *err)
{
    FILE *file = NULL;
    int status = open_job_file(path, &file, err);
    if (status)
        return status;
    size_t capacity = 4096, used = 0;
    char *data = hs_xmalloc(capacity);
    size_t got;
    while ((got = fread(data + used, 1, capacity - used, file)) > 0) {
        used += got;
        if (used > MAX_FILE_BYTES)
            break;
        if (used == capacity)
            data = hs_xrealloc(data, capacity *= 2);
    }
    if (used > MAX_FILE_BYTES)
        status = hs_fail(err, HS_ERR_INPUT, "%s: larger than 16 MiB (not a job file)",
                         path);
    else if (ferror(file))
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", path, strerror(errno));
    fclose(file);
    if (status) {
        free(data);
        return status;
    }
    *text = data;
    *length = used;
    return HS_OK;
}

int hs_job_load(const char *path, hs_job *job, hs_error *err)
{
    char *text = NULL;
    size_t length = 0;
    int status = read_whole_file(path, &text, &length, err);
    if (status) {
        memset(job, 0, sizeof *job);
        return status;
    }
    status = hs_job_parse(path, text, length, job, err);
    free(text);
    return status;
}
