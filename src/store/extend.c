/* extend.c - growing a finished sweep (`run --extend OLD.h5`): the networks of
 * an earlier cube whose job differs from this one only by values added on sweep
 * axes are taken into this run as if replayed from its journals, so that only
 * the new networks are computed. A network's results depend only on its own
 * axis values (every random stream is keyed by values, never by positions), so
 * the grown cube is bitwise the cube of the larger job computed from scratch.
 */
#include "hetsweep/extend.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/cubehead.h"

/* ---- the two canonical jobs ------------------------------------------------- */

/* The value of `key=` in a canonical text (sorted "key=value" lines), malloc'd;
 * NULL if the key is not there. */
static char *canonical_value(const char *canonical, const char *key)
{
    size_t length = strlen(key);
    for (const char *line = canonical; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n > length && strncmp(line, key, length) == 0 && line[length] == '=') {
            char *value = hs_xmalloc(n - length);
            memcpy(value, line + length + 1, n - length - 1);
            value[n - length - 1] = '\0';
            return value;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The key of one canonical line, malloc'd. */
static char *line_key(const char *line, size_t n)
{
    const char *eq = memchr(line, '=', n);
    size_t k = eq ? (size_t)(eq - line) : n;
    char *key = hs_xmalloc(k + 1);
    memcpy(key, line, k);
    key[k] = '\0';
    return key;
}

/* The items of a canonical list "[a,b,c]" (the text is cut in place), in a
 * malloc'd array of *count; NULL if the text is not a list. */
static char **list_items(char *list, int *count)
{
    size_t n = strlen(list);
    *count = 0;
    if (n < 2 || list[0] != '[' || list[n - 1] != ']')
        return NULL;
    list[n - 1] = '\0';
    size_t room = 1;
    for (const char *p = list + 1; *p; p++)
        room += *p == ',';
    char **items = hs_xcalloc(room, sizeof *items);
    for (char *p = list + 1; *p;) {
        items[(*count)++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return items;
}

static const char *axis_key(int axis, char *buf, size_t size)
{
    snprintf(buf, size, "sweep.%s", axis == HS_AX_SEED ? "seeds" : hs_axis_name(axis));
    return buf;
}

/* For one axis: where each of this job's values sits in the old cube's list
 * (-1: a new value), and the old list's length. Refused if an old value is
 * missing from this job's list. */
static int map_axis(const char *old_path, const char *old_canonical, const char *canonical,
                    int axis, int n_values, int *old_index, int *old_count, hs_error *err)
{
    char key[64];
    axis_key(axis, key, sizeof key);
    char *old_text = canonical_value(old_canonical, key), *new_text = canonical_value(canonical, key);
    int n_old = 0, n_new = 0;
    char **old_items = old_text ? list_items(old_text, &n_old) : NULL;
    char **new_items = new_text ? list_items(new_text, &n_new) : NULL;
    int status = HS_OK;
    if (!old_items || !new_items)
        status = hs_fail(err, HS_ERR_INPUT, "--extend %s: its job has no list for %s", old_path,
                         key);
    else if (n_new != n_values) /* this job's own canonical text: cannot happen */
        status = hs_fail(err, HS_ERR_RUNTIME, "internal error: %s has %d values, not %d", key,
                         n_new, n_values);
    for (int j = 0; status == HS_OK && j < n_new; j++) {
        old_index[j] = -1;
        for (int i = 0; i < n_old; i++)
            if (strcmp(old_items[i], new_items[j]) == 0)
                old_index[j] = i;
    }
    for (int i = 0; status == HS_OK && i < n_old; i++) {
        int kept = 0;
        for (int j = 0; j < n_new; j++)
            kept |= strcmp(old_items[i], new_items[j]) == 0;
        if (!kept)
            status = hs_fail(err, HS_ERR_INPUT,
                             "--extend %s: %s: the cube has the value %s, which this job's list "
                             "drops; a sweep grows only by added values (keep every value of "
                             "the cube's list)",
                             old_path, key, old_items[i]);
    }
    *old_count = n_old;
    free(old_items);
    free(new_items);
    free(old_text);
    free(new_text);
    return status;
}

/* Every key other than the sweep axes must be equal. */
static int same_science(const char *old_path, const char *old_canonical, const char *canonical,
                        hs_error *err)
{
    for (const char *line = canonical; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char *key = line_key(line, n);
        int status = HS_OK;
        if (strncmp(key, "sweep.", 6) != 0) {
            char *ours = canonical_value(canonical, key), *theirs = canonical_value(old_canonical, key);
            if (!theirs || strcmp(ours, theirs) != 0)
                status = hs_fail(err, HS_ERR_INPUT,
                                 "--extend %s: %s differs: the cube has %s, this job has %s; "
                                 "only values added on sweep axes can grow a sweep",
                                 old_path, key, theirs ? theirs : "no such key", ours);
            free(ours);
            free(theirs);
        }
        free(key);
        if (status != HS_OK)
            return status;
        line = end ? end + 1 : NULL;
    }
    return HS_OK;
}

/* ---- the old cube's results --------------------------------------------------- */

typedef struct {
    const hs_result_field *fields;
    int n_fields;
    void **data;         /* per field: every network's values, old linear order */
    size_t n_networks;   /* of the old cube */
} old_results;

static hid_t memory_type(hs_elem_type type)
{
    switch (type) {
    case HS_ELEM_F32: return H5T_NATIVE_FLOAT;
    case HS_ELEM_F64: return H5T_NATIVE_DOUBLE;
    case HS_ELEM_I8: return H5T_NATIVE_INT8;
    default: return H5T_NATIVE_INT64;
    }
}

static int read_results(const hs_cube_head *head, size_t n_networks, size_t n_tasks,
                        old_results *out, hs_error *err)
{
    out->fields = hs_result_fields(&out->n_fields);
    out->data = hs_xcalloc((size_t)out->n_fields, sizeof(void *));
    out->n_networks = n_networks;
    for (int f = 0; f < out->n_fields; f++) {
        const hs_result_field *field = &out->fields[f];
        out->data[f] = hs_cube_head_read(head, field->path, memory_type(field->memory),
                                         n_networks * hs_result_count(field, n_tasks));
        if (!out->data[f])
            return hs_fail(err, HS_ERR_INPUT,
                           "--extend %s: cannot read %s with this job's shape (a cube of "
                           "another layout?)",
                           head->path, field->path);
    }
    return HS_OK;
}

static void free_results(old_results *r)
{
    for (int f = 0; r->data && f < r->n_fields; f++)
        free(r->data[f]);
    free(r->data);
}

/* One network of the old cube as a one-column item of this job. */
static void take_network(const old_results *r, size_t old_cell, int unit, int column,
                         size_t n_tasks, hs_item_result *item)
{
    hs_item_result_init(item, unit, column, 1, n_tasks);
    for (int f = 0; f < r->n_fields; f++) {
        const hs_result_field *field = &r->fields[f];
        size_t bytes = hs_result_bytes(field, n_tasks);
        memcpy(hs_result_values(&item->columns[0], field),
               (const char *)r->data[f] + old_cell * bytes, bytes);
    }
}

static int computed(const old_results *r, size_t old_cell)
{
    for (int f = 0; f < r->n_fields; f++)
        if (strcmp(r->fields[f].path, "/results/status") == 0)
            return ((const int8_t *)r->data[f])[old_cell] != HS_NET_NOT_RUN;
    return 0;
}

/* ---- the import --------------------------------------------------------------- */

typedef struct {
    int *old_index[HS_N_AXES]; /* per axis: this job's index -> the old cube's, or -1 */
    int old_count[HS_N_AXES];
    hs_grid old;               /* the old cube's grid */
} axis_maps;

static void free_maps(axis_maps *maps)
{
    for (int a = 0; a < HS_N_AXES; a++)
        free(maps->old_index[a]);
}

/* The old cube's linear cell of this job's position, or -1 if it has none. */
static long long old_cell_of(const axis_maps *maps, const uint64_t pos[HS_N_AXES])
{
    uint64_t old_pos[HS_N_AXES];
    for (int a = 0; a < HS_N_AXES; a++) {
        int i = maps->old_index[a][pos[a]];
        if (i < 0)
            return -1;
        old_pos[a] = (uint64_t)i;
    }
    return (long long)hs_grid_index(&maps->old, old_pos);
}

static void append_item(hs_resume *resume, const hs_item_result *item)
{
    resume->replay.items = hs_xrealloc(resume->replay.items,
                                       (size_t)(resume->replay.n_items + 1) * sizeof *item);
    resume->replay.items[resume->replay.n_items++] = *item;
}

static int import_networks(const hs_job *job, const hs_plan *plan, const axis_maps *maps,
                           const old_results *r, size_t n_tasks, hs_resume *resume,
                           long long *imported)
{
    hs_grid grid = hs_grid_of_job(job);
    for (int unit = 0; unit < plan->n_units; unit++)
        for (int column = 0; column < plan->n_columns; column++) {
            size_t cell = (size_t)unit * plan->n_columns + column;
            uint64_t pos[HS_N_AXES];
            hs_grid_place(&grid, unit, column, pos);
            long long old = old_cell_of(maps, pos);
            if (resume->done[cell] || old < 0 || !computed(r, (size_t)old))
                continue;
            hs_item_result item;
            take_network(r, (size_t)old, unit, column, n_tasks, &item);
            append_item(resume, &item);
            resume->done[cell] = 1;
            (*imported)++;
        }
    return HS_OK;
}

static int check_old_cube(const hs_cube_head *head, hs_error *err)
{
    if (!head->canonical)
        return hs_fail(err, HS_ERR_INPUT, "--extend %s: the cube holds no job_canonical",
                       head->path);
    if (head->part)
        return hs_fail(err, HS_ERR_INPUT,
                       "--extend %s: is part %s of a sweep; merge the parts first (hetsweep "
                       "merge) and extend the merged cube",
                       head->path, head->part);
    return hs_check_numerics(head->path, head->canonical, err);
}

int hs_extend_import(const char *old_path, const hs_job *job, const hs_plan *plan,
                     const char *canonical, size_t n_tasks, hs_resume *resume,
                     long long *imported, hs_error *err)
{
    *imported = 0;
    hs_cube_head head;
    int status = hs_cube_head_open(old_path, HS_HEAD_STRICT, &head, err);
    if (status != HS_OK)
        return status;
    status = check_old_cube(&head, err);
    if (status == HS_OK)
        status = same_science(old_path, head.canonical, canonical, err);
    axis_maps maps = {0};
    for (int a = 0; status == HS_OK && a < HS_N_AXES; a++) {
        maps.old_index[a] = hs_xcalloc((size_t)job->axes[a].count, sizeof(int));
        status = map_axis(old_path, head.canonical, canonical, a, job->axes[a].count,
                          maps.old_index[a], &maps.old_count[a], err);
        maps.old.dims[a] = (uint64_t)maps.old_count[a];
        if (status == HS_OK && maps.old.dims[a] != head.grid.dims[a])
            status = hs_fail(err, HS_ERR_INPUT,
                             "--extend %s: its /axes do not match its own job (%s)", old_path,
                             hs_axis_name(a));
    }
    old_results results = {0};
    if (status == HS_OK)
        status = read_results(&head, (size_t)hs_grid_networks(&maps.old), n_tasks, &results,
                              err);
    if (status == HS_OK)
        status = import_networks(job, plan, &maps, &results, n_tasks, resume, imported);
    free_results(&results);
    free_maps(&maps);
    hs_cube_head_close(&head);
    return status;
}
