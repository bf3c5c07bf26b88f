/* job_emit.c - writing a job out: the YAML of check --print-job (SPEC 5
 * order, every default filled), the canonical science text hashed into the
 * cube's identity (SPEC 2), and the difference of two canonical texts shown
 * when a cube or a part belongs to another job.
 *
 * Both writers walk the key table of job_schema.h. Numbers are the shortest
 * strings that read back to the same double (hs_format_double).
 */
#include "hetsweep/job_schema.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/numerics.h"

/* ------------------------------------------------------------------------ */
/* Numbers and a growing text buffer                                        */
/* ------------------------------------------------------------------------ */

/* Of the strings "%.1g" .. "%.17g" that read back bit-identically, the
 * shortest (the lowest precision on a tie): 20 is "20", not "2e+01". */
void hs_format_double(double value, char *buf, size_t size)
{
    char best[40] = "", candidate[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(candidate, sizeof candidate, "%.*g", precision, value);
        double back = strtod(candidate, NULL);
        bool exact = memcmp(&back, &value, sizeof value) == 0;
        bool shorter = !best[0] || strlen(candidate) < strlen(best);
        bool plainer = strlen(candidate) == strlen(best) && strchr(best, 'e') &&
                       !strchr(candidate, 'e'); /* 20000, not 2e+04 */
        if (exact && (shorter || plainer))
            memcpy(best, candidate, sizeof best);
    }
    if (!best[0]) /* NaN payloads: nothing reads back bit-identically */
        snprintf(best, sizeof best, "%.17g", value);
    snprintf(buf, size, "%s", best);
}

typedef struct {
    char *data;
    size_t length, capacity;
} text_buffer;

static void text_append(text_buffer *text, const char *s)
{
    size_t add = strlen(s);
    if (text->length + add + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 256;
        while (capacity < text->length + add + 1)
            capacity *= 2;
        text->data = hs_xrealloc(text->data, capacity);
        text->capacity = capacity;
    }
    memcpy(text->data + text->length, s, add + 1);
    text->length += add;
}

static void text_printf(text_buffer *text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_printf(text_buffer *text, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int needed = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (needed < (int)sizeof small) {
        text_append(text, small);
        return;
    }
    char *large = hs_xmalloc((size_t)needed + 1);
    va_start(ap, fmt);
    vsnprintf(large, (size_t)needed + 1, fmt, ap);
    va_end(ap);
    text_append(text, large);
    free(large);
}

/* ------------------------------------------------------------------------ */
/* Writing values: print (YAML) and canonical                               */
/* ------------------------------------------------------------------------ */

typedef struct {
    bool yaml; /* YAML for hs_job_print; else the canonical form */
} value_style;

/* Numbers for YAML keep a '.' before any exponent ("1.0e-08"), so YAML 1.1
 * readers (PyYAML) also see a float. */
static void append_number(text_buffer *out, double value, value_style style)
{
    char buf[48];
    hs_format_double(value, buf, sizeof buf);
    char *exponent = strchr(buf, 'e');
    if (style.yaml && exponent && !strchr(buf, '.')) {
        char mantissa[48];
        snprintf(mantissa, sizeof mantissa, "%.*s", (int)(exponent - buf), buf);
        text_printf(out, "%s.0%s", mantissa, exponent);
        return;
    }
    text_append(out, buf);
}

static void append_quoted(text_buffer *out, const char *s)
{
    text_append(out, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        int control = hs_control_length(c);
        if (*c == '"' || *c == '\\')
            text_printf(out, "\\%c", *c);
        else if (control == 2) /* C1, as YAML's \x escape of its code point */
            text_printf(out, "\\x%02x", *++c);
        else if (control)
            text_printf(out, "\\x%02x", *c);
        else
            text_printf(out, "%c", *c);
    }
    text_append(out, "\"");
}

static void append_string(text_buffer *out, const char *s, value_style style)
{
    if (!s)
        text_append(out, "null");
    else if (style.yaml)
        append_quoted(out, s);
    else
        text_append(out, s);
}

static void append_list_item(text_buffer *out, int index, value_style style)
{
    if (index > 0)
        text_append(out, style.yaml ? ", " : ",");
}

static void append_axis(text_buffer *out, const hs_axis *axis, const hs_key_spec *spec,
                        value_style style)
{
    text_append(out, "[");
    for (int i = 0; i < axis->count; i++) {
        append_list_item(out, i, style);
        if (spec->names)
            text_append(out, hs_name_of(spec->names, (int)axis->values[i]));
        else if (spec->kind == KEY_AXIS_INT)
            text_printf(out, "%.0f", axis->values[i]);
        else
            append_number(out, axis->values[i], style);
    }
    text_append(out, "]");
}

static void append_int_set(text_buffer *out, const hs_job *job, const hs_key_spec *spec,
                           value_style style)
{
    const int *items = *(int *const *)hs_job_field(job, spec->offset);
    int count = *(const int *)hs_job_field(job, spec->second_offset);
    text_append(out, "[");
    for (int i = 0; i < count; i++) {
        append_list_item(out, i, style);
        text_printf(out, "%d", items[i]);
    }
    text_append(out, "]");
}

static void append_pair(text_buffer *out, const hs_job *job, const hs_key_spec *spec,
                        value_style style)
{
    text_append(out, "[");
    append_number(out, *(const double *)hs_job_field(job, spec->offset), style);
    append_list_item(out, 1, style);
    append_number(out, *(const double *)hs_job_field(job, spec->second_offset), style);
    text_append(out, "]");
}

static void append_real(text_buffer *out, double value, value_style style)
{
    if (isnan(value))
        text_append(out, "null");
    else
        append_number(out, value, style);
}

static void append_value(text_buffer *out, const hs_job *job, const hs_key_spec *spec,
                         value_style style)
{
    const void *field = hs_job_field(job, spec->offset);
    switch (spec->kind) {
    case KEY_REAL:
    case KEY_REAL_OR_NULL:
        append_real(out, *(const double *)field, style);
        break;
    case KEY_INT:
        text_printf(out, "%d", *(const int *)field);
        break;
    case KEY_SEED:
        text_printf(out, "%" PRIu32, job->seed);
        break;
    case KEY_BOOL:
        text_append(out, *(const bool *)field ? "true" : "false");
        break;
    case KEY_ENUM:
        text_append(out, hs_name_of(spec->names, *(const int *)field));
        break;
    case KEY_FIXED_ENUM:
        text_append(out, spec->names[0]);
        break;
    case KEY_STRING:
    case KEY_STRING_OR_NULL:
        append_string(out, *(char *const *)field, style);
        break;
    case KEY_INT_SET:
        append_int_set(out, job, spec, style);
        break;
    case KEY_REAL_PAIR:
        append_pair(out, job, spec, style);
        break;
    default:
        append_axis(out, &job->axes[spec->axis], spec, style);
        break;
    }
}

static void print_flow_section(text_buffer *out, const hs_job *job, const hs_key_spec *keys)
{
    const value_style yaml = {.yaml = true};
    text_append(out, "{");
    for (const hs_key_spec *key = keys; key->name; key++) {
        text_printf(out, "%s%s: ", key == keys ? "" : ", ", key->name);
        append_value(out, job, key, yaml);
    }
    text_append(out, "}");
}

static void print_section(text_buffer *out, const hs_job *job, const hs_key_spec *keys,
                          int indent)
{
    const value_style yaml = {.yaml = true};
    for (const hs_key_spec *key = keys; key->name; key++) {
        text_printf(out, "%*s%s:", indent, "", key->name);
        if (key->kind == KEY_SECTION && !(key->flags & KEY_FLOW)) {
            text_append(out, "\n");
            print_section(out, job, key->children, indent + 2);
            continue;
        }
        text_append(out, " ");
        if (key->kind == KEY_SECTION)
            print_flow_section(out, job, key->children);
        else
            append_value(out, job, key, yaml);
        text_append(out, "\n");
    }
}

void hs_job_print(const hs_job *job, FILE *out)
{
    text_buffer text = {0};
    print_section(&text, job, HS_JOB_KEYS, 0);
    fputs(text.data, out);
    free(text.data);
}

/* ------------------------------------------------------------------------ */
/* The canonical science configuration                                      */
/* ------------------------------------------------------------------------ */

/* An input file's digest line is "<key>" DIGEST_SUFFIX "=<hex>". */
#define DIGEST_SUFFIX "_sha256"

typedef struct {
    char path[HS_KEY_PATH_CHARS + sizeof DIGEST_SUFFIX];
    char *value;
} canonical_line;

typedef struct {
    canonical_line *lines;
    int count;
} canonical_lines;

static void add_line(canonical_lines *lines, const char *path, const char *suffix,
                     char *value)
{
    lines->lines = hs_xrealloc(lines->lines,
                               (size_t)(lines->count + 1) * sizeof *lines->lines);
    canonical_line *line = &lines->lines[lines->count++];
    snprintf(line->path, sizeof line->path, "%s%s", path, suffix);
    line->value = value;
}

static void add_canonical_line(canonical_lines *lines, const char *path, const hs_job *job,
                               const hs_key_spec *spec)
{
    const value_style canonical = {.yaml = false};
    text_buffer value = {0};
    text_append(&value, "");
    append_value(&value, job, spec, canonical);
    add_line(lines, path, "", value.data);
}

/* The digest of the file an input-file key names, or NULL (no digests, no
 * file, or no digest of it). */
static const char *file_digest(const hs_job *job, const hs_key_spec *key,
                               const hs_job_digests *digests)
{
    if (!digests || !(key->flags & KEY_INPUT_FILE) ||
        !*(char *const *)hs_job_field(job, key->offset))
        return NULL;
    const char *hex = digests->sha256[key->input_file];
    return hex[0] ? hex : NULL;
}

/* The science keys of a section; a named input file by its digest when
 * digests has one (the contents are the science, not the path). */
static void collect_science(canonical_lines *lines, const hs_job *job,
                            const hs_key_spec *keys, const char *prefix,
                            const hs_job_digests *digests)
{
    for (const hs_key_spec *key = keys; key->name; key++) {
        if (key->flags & KEY_NOT_SCIENCE)
            continue;
        char path[HS_KEY_PATH_CHARS];
        hs_key_path(path, sizeof path, prefix, key->name);
        const char *digest = file_digest(job, key, digests);
        if (key->kind == KEY_SECTION)
            collect_science(lines, job, key->children, path, digests);
        else if (digest)
            add_line(lines, path, DIGEST_SUFFIX, hs_xstrdup(digest));
        else
            add_canonical_line(lines, path, job, key);
    }
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const canonical_line *)a)->path, ((const canonical_line *)b)->path);
}

static char *canonical_text(const hs_job *job, const hs_job_digests *digests)
{
    canonical_lines lines = {0};
    collect_science(&lines, job, HS_JOB_KEYS, "", digests);
    /* the arithmetic is science too: see numerics.h */
    lines.lines = hs_xrealloc(lines.lines, (size_t)(lines.count + 1) * sizeof *lines.lines);
    canonical_line *numerics = &lines.lines[lines.count++];
    snprintf(numerics->path, sizeof numerics->path, "%s", HS_NUMERICS_KEY);
    numerics->value = hs_xmalloc(16);
    snprintf(numerics->value, 16, "%d", HS_NUMERICS_VERSION);
    qsort(lines.lines, (size_t)lines.count, sizeof *lines.lines, compare_paths);
    text_buffer text = {0};
    text_append(&text, "");
    for (int i = 0; i < lines.count; i++) {
        text_printf(&text, "%s=%s\n", lines.lines[i].path, lines.lines[i].value);
        free(lines.lines[i].value);
    }
    free(lines.lines);
    return text.data;
}

char *hs_job_canonical(const hs_job *job)
{
    return canonical_text(job, NULL);
}

char *hs_job_identity_canonical(const hs_job *job, const hs_job_digests *digests)
{
    return canonical_text(job, digests);
}

/* ------------------------------------------------------------------------ */
/* The difference of two canonical texts                                    */
/* ------------------------------------------------------------------------ */

/* One "key=value" line of a canonical job, split. */
typedef struct {
    char *key, *value;
} key_value;

static key_value *split_lines(const char *text, int *count)
{
    key_value *lines = NULL;
    *count = 0;
    char *copy = hs_xstrdup(text), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        lines = hs_xrealloc(lines, (size_t)(*count + 1) * sizeof *lines);
        lines[*count].key = hs_xstrdup(line);
        lines[*count].value = hs_xstrdup(eq + 1);
        (*count)++;
    }
    free(copy);
    return lines;
}

static void free_lines(key_value *lines, int count)
{
    for (int i = 0; i < count; i++) {
        free(lines[i].key);
        free(lines[i].value);
    }
    free(lines);
}

static bool is_digest_key(const char *key)
{
    size_t length = strlen(key), suffix = strlen(DIGEST_SUFFIX);
    return length > suffix && strcmp(key + length - suffix, DIGEST_SUFFIX) == 0;
}

/* One line of the difference; an input file whose digest differs on both
 * sides is named by its key, saying its contents changed. */
static size_t describe_difference(char *out, size_t size, const char *key,
                                  const char *cube_label, const char *theirs,
                                  const char *job_label, const char *ours)
{
    bool both = strcmp(theirs, "(none)") != 0 && strcmp(ours, "(none)") != 0;
    int length;
    if (is_digest_key(key) && both)
        length = snprintf(out, size,
                          "\n  %.*s: the file's contents differ (%s has sha256 %s, %s has "
                          "sha256 %s)",
                          (int)(strlen(key) - strlen(DIGEST_SUFFIX)), key, cube_label, theirs,
                          job_label, ours);
    else
        length = snprintf(out, size, "\n  %s: %s has %s, %s has %s", key, cube_label, theirs,
                          job_label, ours);
    return length > 0 ? (size_t)length : 0;
}

void hs_canonical_difference(const char *cube, const char *job, const char *cube_label,
                             const char *job_label, char *out, size_t size)
{
    int n_cube, n_job, i = 0, j = 0;
    key_value *a = split_lines(cube, &n_cube), *b = split_lines(job, &n_job);
    size_t used = 0;
    out[0] = '\0';
    while ((i < n_cube || j < n_job) && used + 1 < size) {
        int order = i == n_cube ? 1 : j == n_job ? -1 : strcmp(a[i].key, b[j].key);
        const char *key = order <= 0 ? a[i].key : b[j].key;
        const char *theirs = order <= 0 ? a[i].value : "(none)";
        const char *ours = order >= 0 ? b[j].value : "(none)";
        if (order != 0 || strcmp(theirs, ours) != 0)
            used += describe_difference(out + used, size - used, key, cube_label, theirs,
                                        job_label, ours);
        i += order <= 0;
        j += order >= 0;
    }
    free_lines(a, n_cube);
    free_lines(b, n_job);
}
