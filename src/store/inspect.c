/* inspect.c - reading a cube's provenance and completion for `status`: the
 * same facts as text or as JSON, completion per axis value (labelled with
 * the values, not their indices), and the networks the journals hold that
 * the next `run` takes in. */
#include "hetsweep/inspect.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/cubehead.h"
#include "hetsweep/h5attr.h"
#include "hetsweep/journal.h"
#include "hetsweep/numerics.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/resume.h"
#include "hetsweep/results.h"

/* A text of the header for printing: taken over from it, "" when absent. */
static char *take_text(char **text)
{
    char *value = *text ? *text : hs_xstrdup("");
    *text = NULL;
    return value;
}

/* The rank counts of every run as text ("unknown" when absent). */
static void format_ranks_used(const hs_cube_head *head, char *out, size_t size)
{
    size_t used = 0;
    snprintf(out, size, "unknown");
    for (int i = 0; i < head->n_ranks_used && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%d", i ? ", " : "",
                                 head->ranks_used[i]);
}

/* One run's line of the cube's `run_accounting` (sweep.c writes it at the
 * run's final checkpoint): its ranks, wall time, networks computed, and the
 * shares of rank time in percent. */
#define RUN_SHARES 6
static const char *const run_share_names[RUN_SHARES] = {
    "compute", "journal", "checkpoints", "scheduling", "idle", "rest"};
typedef struct {
    int ranks;
    double wall_s;
    long long networks;
    double share[RUN_SHARES];
} run_record;

typedef struct {
    char *name, *identity, *version, *created, *checkpointed;
    char *part;        /* "K/M" for a cube of run --part K/M, else "" */
    char *merged_from; /* the parts `merge` joined, else "" */
    int layout;
    char ranks[256]; /* rank counts of every run, e.g. "2, 3" */
    size_t units, units_done, networks, by_status[4]; /* not run, ok, non-finite, infeasible */
    hsize_t dims[HS_N_AXES + 1];
    size_t *axis_done[HS_N_AXES]; /* networks computed per axis value */
    char **axis_labels[HS_N_AXES]; /* the values, as text ("100", "lognormal") */
    int numerics;
    long long journal_networks;    /* networks in the journals, not yet in the cube */
    run_record *runs;              /* the cube's `run_accounting`, one per run */
    int n_runs;
    char journal_problem[2048];    /* why the journals could not be read, or "" */
} cube_summary;

/* The labels of one axis: its strings, or its numbers in their shortest
 * round-trip form. NULL entries where unreadable (cubecheck has checked). */
static char **read_axis_labels(hid_t file, int axis, hsize_t count)
{
    char name[64];
    snprintf(name, sizeof name, "/axes/%s", hs_axis_name(axis));
    char **labels = hs_xcalloc(count ? count : 1, sizeof(char *));
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t type = ds >= 0 ? H5Dget_type(ds) : -1;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING && !H5Tis_variable_str(type)) {
        size_t width = H5Tget_size(type);
        char *text = hs_xcalloc(count * width + 1, 1);
        if (H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) >= 0)
            for (hsize_t i = 0; i < count; i++)
                labels[i] = strndup(text + i * width, width);
        free(text);
    } else if (type >= 0) {
        double *values = hs_alloc_doubles(count);
        if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0)
            for (hsize_t i = 0; i < count; i++) {
                char buf[40];
                hs_format_double(values[i], buf, sizeof buf);
                labels[i] = hs_xstrdup(buf);
            }
        free(values);
    }
    hs_h5_close_dataset(ds, type, -1);
    for (hsize_t i = 0; i < count; i++)
        if (!labels[i])
            labels[i] = hs_xstrdup("?");
    return labels;
}

/* Networks the journals hold that the cube does not (finished after the last
 * checkpoint): what the next `run` of this cube takes in. A journal that
 * cannot be read is named. */
static void count_journals(const char *path, cube_summary *s, const hs_grid *grid,
                           size_t n_tasks, const int8_t *status)
{
    hs_journal_replay replay;
    memset(&replay, 0, sizeof replay);
    hs_error err;
    hs_error_clear(&err);
    size_t bound = hs_journal_max_bytes(s->networks, n_tasks);
    if (hs_journal_replay_bounded(path, s->identity, n_tasks, bound, &replay, &err) != HS_OK)
        memcpy(s->journal_problem, err.msg, sizeof s->journal_problem);
    for (int i = 0; i < replay.n_items; i++) {
        const hs_item_result *item = &replay.items[i];
        for (int k = 0; k < item->n_columns; k++) {
            uint64_t network = hs_grid_network(grid, item->unit, item->columns[k].column);
            s->journal_networks += network < s->networks && status[network] < 0;
        }
    }
    hs_journal_replay_free(&replay);
}

static void count_networks(cube_summary *s, const hs_grid *grid, const int8_t *status)
{
    for (int a = 0; a < HS_N_AXES; a++)
        s->axis_done[a] = hs_xcalloc(s->dims[a], sizeof(size_t));
    for (size_t e = 0; e < s->networks; e++) {
        int code = status[e];
        s->by_status[code >= -1 && code <= 2 ? code + 1 : 0]++;
        if (code < 0)
            continue;
        uint64_t pos[HS_N_AXES];
        hs_grid_position(grid, e, pos);
        for (int a = 0; a < HS_N_AXES; a++)
            s->axis_done[a][pos[a]]++;
    }
}

/* The lines of `run_accounting` that parse (a line that does not, from a
 * damaged or foreign attribute, is left out rather than trusted). */
static void parse_runs(const char *text, cube_summary *s)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        run_record r;
        int used = 0;
        if (sscanf(line,
                   "ranks=%d wall_s=%lf networks=%lld compute=%lf journal=%lf checkpoints=%lf "
                   "scheduling=%lf idle=%lf rest=%lf%n",
                   &r.ranks, &r.wall_s, &r.networks, &r.share[0], &r.share[1], &r.share[2],
                   &r.share[3], &r.share[4], &r.share[5], &used) == 9 &&
            (line[used] == '\n' || line[used] == '\0') && r.ranks > 0 && isfinite(r.wall_s)) {
            s->runs = hs_xrealloc(s->runs, (size_t)(s->n_runs + 1) * sizeof r);
            s->runs[s->n_runs++] = r;
        }
        line = end ? end + 1 : NULL;
    }
}

static int summarise(hs_cube_head *head, cube_summary *s, hs_error *err)
{
    const char *path = head->path;
    s->layout = head->shape.layout_version;
    format_ranks_used(head, s->ranks, sizeof s->ranks);
    parse_runs(head->run_accounting, s);
    s->name = take_text(&head->job_name);
    s->identity = take_text(&head->identity);
    s->version = take_text(&head->tool_version);
    s->created = take_text(&head->created);
    s->checkpointed = take_text(&head->checkpointed);
    s->part = take_text(&head->part);
    s->merged_from = take_text(&head->merged_from);
    s->units = head->shape.units;
    s->networks = head->shape.networks;
    memcpy(s->dims, head->shape.axes, sizeof head->shape.axes);
    uint8_t *done = hs_cube_head_read(head, "/results/done", H5T_NATIVE_UINT8, s->units);
    int8_t *status = hs_cube_head_read(head, "/results/status", H5T_NATIVE_INT8, s->networks);
    if (!done || !status || s->networks == 0) { /* every axis has at least one value */
        free(done);
        free(status);
        return hs_fail(err, HS_ERR_INPUT, "%s: /results/done or /results/status missing or "
                                          "malformed", path);
    }
    for (size_t u = 0; u < s->units; u++)
        s->units_done += done[u] != 0;
    count_networks(s, &head->grid, status);
    count_journals(path, s, &head->grid, head->shape.n_tasks, status);
    free(done);
    free(status);
    for (int a = 0; a < HS_N_AXES; a++)
        s->axis_labels[a] = read_axis_labels(head->file, a, s->dims[a]);
    s->numerics = hs_canonical_numerics(head->canonical ? head->canonical : "");
    return HS_OK;
}

/* A string from the cube, its control characters (C0, DEL, C1) as \xHH. */
static void print_escaped(FILE *out, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c < 0x20 || *c == 0x7f)
            fprintf(out, "\\x%02x", *c);
        else if (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)
            fprintf(out, "\\x%02x", *++c);
        else
            fputc(*c, out);
    }
}

static void print_safe(FILE *out, const char *label, const char *text)
{
    fprintf(out, "%s: ", label);
    print_escaped(out, text);
    fputc('\n', out);
}

/* The per-network result datasets (the results schema; cubecheck has found
 * exactly these in the cube), e.g. "score[task] (R^2)". */
static void print_result_fields(FILE *out)
{
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    fprintf(out, "results:");
    for (int k = 0; k < n_fields; k++) {
        fprintf(out, "%s %s", k ? "," : "", hs_result_name(&fields[k]));
        if (fields[k].inner != 1)
            fprintf(out, "[%s]", fields[k].inner_axis);
        if (fields[k].units)
            fprintf(out, " (%s)", fields[k].units);
    }
    fprintf(out, "\n");
}

static void print_text(const cube_summary *s, FILE *out)
{
    print_safe(out, "job", s->name);
    print_safe(out, "identity", s->identity);
    fprintf(out, "layout_version: %d\n", s->layout);
    print_safe(out, "tool_version", s->version);
    print_safe(out, "created", s->created);
    print_safe(out, "checkpointed", s->checkpointed);
    fprintf(out, "ranks_used: %s\n", s->ranks);
    if (s->merged_from[0])
        print_safe(out, "merged from", s->merged_from);
    if (s->part[0]) {
        fprintf(out, "part: ");
        print_escaped(out, s->part);
        fprintf(out, " (one share of the sweep: units count as done when their share "
                     "is; the other parts' networks show as not computed; join the parts with "
                     "hetsweep merge)\n");
    }
    fprintf(out, "units done: %zu / %zu%s\n", s->units_done, s->units,
            s->units_done == s->units ? (s->part[0] ? " (this part complete)" : " (complete)")
                                      : "");
    fprintf(out, "numerics_version: %d\n", s->numerics);
    fprintf(out, "networks: %zu (ok %zu, failed non-finite %zu, moments infeasible %zu, "
                 "not computed %zu)\n",
            s->networks, s->by_status[1], s->by_status[2], s->by_status[3], s->by_status[0]);
    if (s->journal_networks > 0)
        fprintf(out, "journals: %lld networks finished after the last checkpoint; `run` will "
                     "take them in\n",
                s->journal_networks);
    if (s->journal_problem[0])
        print_safe(out, "journals unreadable", s->journal_problem);
    print_result_fields(out);
    for (int i = 0; i < s->n_runs; i++) {
        const run_record *r = &s->runs[i];
        fprintf(out, "%s run %d: %d rank(s), %.1f s, %lld networks computed; rank time:",
                i ? "" : "runs (to each run's final checkpoint):\n", i + 1, r->ranks, r->wall_s,
                r->networks);
        for (int k = 0; k < RUN_SHARES; k++)
            fprintf(out, "%s %s %.1f%%", k ? "," : "", run_share_names[k], r->share[k]);
        fprintf(out, "\n");
    }
    fprintf(out, "completion per axis value (networks computed / networks at that value):\n");
    for (int a = 0; a < HS_N_AXES; a++) {
        size_t per_value = s->networks / s->dims[a];
        fprintf(out, "  %-15s", hs_axis_name(a));
        for (hsize_t i = 0; i < s->dims[a]; i++) {
            fprintf(out, "%s", i ? ", " : " ");
            print_escaped(out, s->axis_labels[a][i]);
            fprintf(out, ": %zu/%zu", s->axis_done[a][i], per_value);
        }
        fprintf(out, "\n");
    }
}

/* A JSON string literal of text (quotes, backslashes and control bytes escaped). */
static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

/* The result fields as [{"name": ..., "inner": "task" or null, "units": ... or null}]. */
static void json_result_fields(FILE *out)
{
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    fprintf(out, "[");
    for (int k = 0; k < n_fields; k++) {
        fprintf(out, "%s{\"name\": ", k ? ", " : "");
        json_string(out, hs_result_name(&fields[k]));
        fprintf(out, ", \"inner\": ");
        if (fields[k].inner != 1)
            json_string(out, fields[k].inner_axis);
        else
            fprintf(out, "null");
        fprintf(out, ", \"units\": ");
        if (fields[k].units)
            json_string(out, fields[k].units);
        else
            fprintf(out, "null");
        fprintf(out, "}");
    }
    fprintf(out, "]");
}

static void print_json(const cube_summary *s, const char *warning, FILE *out)
{
    fprintf(out, "{\"job\": ");
    json_string(out, s->name);
    fprintf(out, ", \"identity\": ");
    json_string(out, s->identity);
    fprintf(out, ", \"layout_version\": %d, \"numerics_version\": %d", s->layout, s->numerics);
    const char *labels[] = {"tool_version", "created", "checkpointed", "merged_from"};
    const char *values[] = {s->version, s->created, s->checkpointed, s->merged_from};
    for (int k = 0; k < 4; k++) {
        fprintf(out, ", \"%s\": ", labels[k]);
        json_string(out, values[k]);
    }
    fprintf(out, ", \"ranks_used\": [%s], ", strcmp(s->ranks, "unknown") ? s->ranks : "");
    if (s->part[0]) {
        fprintf(out, "\"part\": ");
        json_string(out, s->part);
        fprintf(out, ", ");
    } else
        fprintf(out, "\"part\": null, ");
    fprintf(out, "\"units\": %zu, \"units_done\": %zu, \"networks\": %zu, \"ok\": %zu, "
                 "\"failed\": %zu, \"infeasible\": %zu, \"not_computed\": %zu, "
                 "\"complete\": %s, \"axes\": {",
            s->units, s->units_done, s->networks,
            s->by_status[1], s->by_status[2], s->by_status[3], s->by_status[0],
            s->units_done == s->units ? "true" : "false");
    for (int a = 0; a < HS_N_AXES; a++) {
        fprintf(out, "%s\"%s\": [", a ? ", " : "", hs_axis_name(a));
        for (hsize_t i = 0; i < s->dims[a]; i++)
            fprintf(out, "%s%zu", i ? ", " : "", s->axis_done[a][i]);
        fprintf(out, "]");
    }
    fprintf(out, "}, \"axis_values\": {");
    for (int a = 0; a < HS_N_AXES; a++) {
        fprintf(out, "%s\"%s\": [", a ? ", " : "", hs_axis_name(a));
        for (hsize_t i = 0; i < s->dims[a]; i++) {
            fprintf(out, "%s", i ? ", " : "");
            json_string(out, s->axis_labels[a][i]);
        }
        fprintf(out, "]");
    }
    fprintf(out, "}, \"networks_per_value\": {");
    for (int a = 0; a < HS_N_AXES; a++)
        fprintf(out, "%s\"%s\": %zu", a ? ", " : "", hs_axis_name(a),
                s->networks / (size_t)s->dims[a]);
    fprintf(out, "}, \"results\": ");
    json_result_fields(out);
    fprintf(out, ", \"runs\": [");
    for (int i = 0; i < s->n_runs; i++) {
        const run_record *r = &s->runs[i];
        fprintf(out, "%s{\"ranks\": %d, \"wall_s\": %.2f, \"networks\": %lld", i ? ", " : "",
                r->ranks, r->wall_s, r->networks);
        for (int k = 0; k < RUN_SHARES; k++)
            fprintf(out, ", \"%s_percent\": %.2f", run_share_names[k], r->share[k]);
        fprintf(out, "}");
    }
    fprintf(out, "]");
    fprintf(out, ", \"journal_networks\": %lld, \"journal_problem\": ", s->journal_networks);
    if (s->journal_problem[0])
        json_string(out, s->journal_problem);
    else
        fprintf(out, "null");
    fprintf(out, ", \"warnings\": [");
    if (warning[0])
        json_string(out, warning);
    fprintf(out, "]}\n");
}

static void free_summary(cube_summary *s)
{
    free(s->name);
    free(s->identity);
    free(s->version);
    free(s->created);
    free(s->checkpointed);
    free(s->part);
    free(s->merged_from);
    free(s->runs);
    for (int a = 0; a < HS_N_AXES; a++) {
        free(s->axis_done[a]);
        for (hsize_t i = 0; s->axis_labels[a] && i < s->dims[a]; i++)
            free(s->axis_labels[a][i]);
        free(s->axis_labels[a]);
    }
}

int hs_cube_status(const char *path, bool json, FILE *out, hs_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, F_OK) != 0)
        return hs_fail(err, HS_ERR_INPUT, "%s does not exist", path);
    if (H5Fis_hdf5(path) <= 0)
        return hs_fail(err, HS_ERR_INPUT, "%s is not an HDF5 file (or cannot be read)", path);
    hs_cube_head head;
    int status = hs_cube_head_open(path, HS_HEAD_LENIENT, &head, err);
    if (status != HS_OK)
        return status;
    cube_summary s;
    memset(&s, 0, sizeof s);
    status = summarise(&head, &s, err);
    char warning[2 * 4096 + 128] = "";
    if (status == HS_OK && hs_cube_sum_state(path) == HS_SUM_MISMATCH)
        snprintf(warning, sizeof warning,
                 "%s does not match %s.sum (changed since its last checkpoint?); run refuses to "
                 "resume it",
                 path, path);
    if (status == HS_OK && !json && warning[0])
        fprintf(out, "warning: %s\n", warning);
    if (status == HS_OK && json)
        print_json(&s, warning, out);
    else if (status == HS_OK)
        print_text(&s, out);
    free_summary(&s);
    hs_cube_head_close(&head);
    return status;
}
