/* merge.c - `hetsweep merge`: join the part cubes of a job array into one
 * cube, serially with HDF5, never initialising MPI. */
#include "hetsweep/merge.h"

#include "hetsweep/h5attr.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/cube.h"
#include "hetsweep/cubehead.h"
#include "hetsweep/journal.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/publish.h"
#include "hetsweep/resume.h"

#define MAX_LISTED 20 /* networks or units named in a message; the rest are counted */

/* One part, open read-only. */
typedef struct {
    const char *path;
    hs_cube_head head;
    int8_t *status; /* /results/status, [networks] */
    size_t owned;   /* networks this part contributes */
} part_cube;

/* The sweep's grid, from the first part. */
typedef struct {
    hsize_t dims[HS_N_AXES];
    hs_grid grid; /* the same lengths, for the network index */
    size_t networks, units, columns;
    char **labels[HS_N_AXES]; /* "name=value" per axis value */
} grid;

/* ---- reading ----------------------------------------------------------------- */

/* A part that a run still holds (its "<part>.lock" is locked) is being
 * written: merging it now would read a moving target. */
static int check_not_running(const char *path, hs_error *err)
{
    size_t size = strlen(path) + 8;
    char *lock = hs_xmalloc(size);
    snprintf(lock, size, "%s.lock", path);
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    int busy = fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (fd >= 0)
        close(fd);
    free(lock);
    return busy ? hs_fail(err, HS_ERR_INPUT,
                          "%s is in use by a running hetsweep run; merge it once the run has ended",
                          path)
                : HS_OK;
}

static void warn_about_journals(const char *path)
{
    int count = 0;
    char **names = hs_journal_list(path, &count);
    if (count > 0)
        fprintf(stderr,
                "hetsweep: warning: %s has %d journal file(s) left by a run that was cut off: "
                "work it finished may not be in the cube yet (resume that part with the same "
                "hetsweep run command first, then merge again)\n",
                path, count);
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* A part that is safe to read, of this build's numerics; its status read. */
static int open_part(part_cube *p, hs_error *err)
{
    int status = check_not_running(p->path, err);
    if (status == HS_OK)
        status = hs_cube_head_open(p->path, HS_HEAD_STRICT, &p->head, err);
    if (status == HS_OK && hs_check_numerics(p->path, p->head.canonical, err) != HS_OK)
        status = HS_ERR_INPUT;
    if (status != HS_OK)
        return status;
    warn_about_journals(p->path);
    size_t networks = p->head.shape.networks;
    p->status = hs_cube_head_read(&p->head, "/results/status", H5T_NATIVE_INT8, networks);
    return p->status && networks > 0
               ? HS_OK
               : hs_fail(err, HS_ERR_INPUT, "%s: /results/status is malformed", p->path);
}

static void close_part(part_cube *p)
{
    hs_cube_head_close(&p->head);
    free(p->status);
}

/* "name=value" for every value of every axis, from the first part's /axes. */
static int read_labels(hid_t file, grid *g, hs_error *err)
{
    for (int a = 0; a < HS_N_AXES; a++) {
        char path[64];
        snprintf(path, sizeof path, "/axes/%s", hs_axis_name(a));
        hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
        if (ds < 0)
            return hs_fail(err, HS_ERR_INPUT, "the first part lacks %s", path);
        hid_t type = H5Dget_type(ds);
        size_t count = (size_t)g->dims[a];
        g->labels[a] = hs_xcalloc(count, sizeof(char *));
        int is_string = H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) <= 0;
        size_t width = is_string ? H5Tget_size(type) + 1 : sizeof(double);
        char *values = hs_xcalloc(count, width);
        hid_t mem = is_string ? H5Tcopy(H5T_C_S1) : H5Tcopy(H5T_NATIVE_DOUBLE);
        if (is_string)
            H5Tset_size(mem, width);
        herr_t rc = H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
        for (size_t i = 0; i < count; i++) {
            char text[64] = "?";
            if (rc >= 0 && is_string)
                snprintf(text, sizeof text, "%s", values + i * width);
            else if (rc >= 0)
                hs_format_double(((double *)(void *)values)[i], text, sizeof text);
            size_t size = strlen(hs_axis_name(a)) + strlen(text) + 2;
            g->labels[a][i] = hs_xmalloc(size);
            snprintf(g->labels[a][i], size, "%s=%s", hs_axis_name(a), text);
        }
        free(values);
        H5Tclose(mem);
        H5Tclose(type);
        H5Dclose(ds);
    }
    return HS_OK;
}

static void free_grid(grid *g)
{
    for (int a = 0; a < HS_N_AXES; a++) {
        for (hsize_t i = 0; g->labels[a] && i < g->dims[a]; i++)
            free(g->labels[a][i]);
        free(g->labels[a]);
    }
}

/* The unit of a network (its index in /results/status). */
static int network_unit(const grid *g, size_t e)
{
    uint64_t pos[HS_N_AXES];
    hs_grid_position(&g->grid, e, pos);
    return hs_grid_unit(&g->grid, pos);
}

static void print_network(FILE *f, const grid *g, size_t e)
{
    uint64_t idx[HS_N_AXES];
    hs_grid_position(&g->grid, e, idx);
    for (int a = 0; a < HS_N_AXES; a++)
        fprintf(f, "%s%s", a ? " " : "", g->labels[a][idx[a]]);
}

/* ---- checks across parts ----------------------------------------------------- */

static int check_same_job(part_cube *parts, int n_parts, hs_error *err)
{
    int foreign = 0;
    for (int p = 1; p < n_parts; p++) {
        if (strcmp(parts[p].head.identity, parts[0].head.identity) == 0)
            continue;
        if (!foreign++)
            fprintf(stderr, "hetsweep: merge refused: parts of another job than %s; nothing was "
                            "written\n",
                    parts[0].path);
        char diff[8192];
        hs_canonical_difference(parts[0].head.canonical ? parts[0].head.canonical : "",
                                parts[p].head.canonical ? parts[p].head.canonical : "",
                                "first part",
                                "this part", diff, sizeof diff);
        fprintf(stderr, "%s belongs to another job; science keys that differ:%s\n",
                parts[p].path, diff[0] ? diff : " (unknown: no job_canonical)");
    }
    if (foreign)
        return hs_fail(err, HS_ERR_INPUT, "%s", "");
    return HS_OK;
}

/* owner[e]: the part that computed network e, or -1. Networks computed in
 * two parts are refused. */
static int assign_owners(part_cube *parts, int n_parts, const grid *g, int *owner,
                         hs_error *err)
{
    size_t twice = 0;
    for (size_t e = 0; e < g->networks; e++)
        owner[e] = -1;
    for (int p = 0; p < n_parts; p++)
        for (size_t e = 0; e < g->networks; e++) {
            if (parts[p].status[e] < 0)
                continue;
            if (owner[e] < 0) {
                owner[e] = p;
                parts[p].owned++;
                continue;
            }
            if (!twice)
                fprintf(stderr, "hetsweep: merge refused: networks present twice (computed in "
                                "more than one part); nothing was written:\n");
            if (twice < MAX_LISTED) {
                fprintf(stderr, "  ");
                print_network(stderr, g, e);
                fprintf(stderr, ": in %s and %s\n", parts[owner[e]].path, parts[p].path);
            }
            twice++;
        }
    if (!twice)
        return HS_OK;
    if (twice > MAX_LISTED)
        fprintf(stderr, "  ... and %zu more\n", twice - MAX_LISTED);
    fprintf(stderr, "hetsweep: %zu network(s) present twice: the same part given twice, a whole "
                    "cube with its parts, or parts cut differently (another M in --part K/M, "
                    "or another run.memory_budget_mb)\n",
            twice);
    return hs_fail(err, HS_ERR_INPUT, "%s", "");
}

/* Networks computed in no part: a warning per unit. Returns their count. */
static size_t report_missing(const grid *g, const int *owner)
{
    size_t *missing = hs_xcalloc(g->units, sizeof(size_t)), total = 0, units = 0;
    for (size_t e = 0; e < g->networks; e++)
        if (owner[e] < 0) {
            missing[network_unit(g, e)]++;
            total++;
        }
    if (total)
        fprintf(stderr, "hetsweep: warning: %zu of %zu networks are missing (computed in no "
                        "part); the merged cube has them as not computed, and `hetsweep run "
                        "JOB.yaml -o OUT.h5` on it computes just them:\n",
                total, g->networks);
    for (size_t u = 0; u < g->units; u++) {
        if (!missing[u])
            continue;
        if (units++ < MAX_LISTED) {
            int idx[HS_UNIT_AXES];
            hs_grid_unit_axes(&g->grid, (int)u, idx);
            fprintf(stderr, "  unit %s %s %s: %zu of %zu networks missing\n",
                    g->labels[HS_AX_MODEL][idx[0]], g->labels[HS_AX_N][idx[1]],
                    g->labels[HS_AX_SEED][idx[2]], missing[u], g->columns);
        }
    }
    if (units > MAX_LISTED)
        fprintf(stderr, "  ... and %zu more units\n", units - MAX_LISTED);
    free(missing);
    return total;
}

/* ---- writing ----------------------------------------------------------------- */

typedef struct {
    char **names;
    int count;
} name_list;

static herr_t collect_dataset(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    (void)root;
    name_list *list = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    list->names = hs_xrealloc(list->names, (size_t)(list->count + 1) * sizeof(char *));
    list->names[list->count++] = hs_xstrdup(name);
    return 0;
}

/* A failed HDF5 write or close, with HDF5's own account of why (call it
 * right after the failing call). */
static int h5_failed(hs_error *err, const char *what, const char *path)
{
    char cause[512];
    hs_h5_error_cause(cause, sizeof cause);
    return hs_fail(err, HS_ERR_RUNTIME, "cannot %s %s: %s", what, path,
                   cause[0] ? cause : "HDF5 error (no detail on its error stack)");
}

/* Per network: take each network's values from the part that computed it. */
static int merge_per_network(hid_t ds, hid_t mem, const char *path, size_t row, size_t bytes,
                             const part_cube *parts, int n_parts, const grid *g,
                             const int *owner, hs_error *err)
{
    unsigned char *merged = hs_xmalloc(bytes ? bytes : 1);
    int status = HS_OK;
    if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, merged) < 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s of the first part", path);
    for (int p = 1; p < n_parts && status == HS_OK; p++) {
        if (!parts[p].owned)
            continue;
        unsigned char *theirs = hs_cube_head_read(&parts[p].head, path, mem,
                                                  bytes / H5Tget_size(mem));
        if (!theirs) {
            status = hs_fail(err, HS_ERR_INPUT, "%s: %s is missing or of another shape",
                             parts[p].path, path);
            break;
        }
        for (size_t e = 0; e < g->networks; e++)
            if (owner[e] == p)
                memcpy(merged + e * row, theirs + e * row, row);
        free(theirs);
    }
    if (status == HS_OK && H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, merged) < 0)
        status = h5_failed(err, "write", path);
    free(merged);
    return status;
}

/* Per unit: done when every column is computed somewhere; wall seconds summed. */
static int merge_per_unit(hid_t ds, const char *path, const part_cube *parts, int n_parts,
                          const grid *g, const int *owner, hs_error *err)
{
    const char *leaf = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    herr_t rc = 0;
    if (strcmp(leaf, "done") == 0) {
        size_t *computed = hs_xcalloc(g->units, sizeof(size_t));
        uint8_t *done = hs_xcalloc(g->units, 1);
        for (size_t e = 0; e < g->networks; e++)
            computed[network_unit(g, e)] += owner[e] >= 0;
        for (size_t u = 0; u < g->units; u++)
            done[u] = computed[u] == g->columns;
        rc = H5Dwrite(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done);
        free(computed);
        free(done);
    } else if (strcmp(leaf, "wall_seconds") == 0) {
        double *sum = hs_xmalloc(g->units * sizeof(double));
        for (size_t u = 0; u < g->units; u++)
            sum[u] = NAN;
        for (int p = 0; p < n_parts; p++) {
            double *wall = hs_cube_head_read(&parts[p].head, path, H5T_NATIVE_DOUBLE,
                                             g->units);
            if (!wall) {
                free(sum);
                return hs_fail(err, HS_ERR_INPUT, "%s: %s is missing or of another shape",
                               parts[p].path, path);
            }
            for (size_t u = 0; u < g->units; u++)
                if (!isnan(wall[u]))
                    sum[u] = isnan(sum[u]) ? wall[u] : sum[u] + wall[u];
            free(wall);
        }
        rc = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sum);
        free(sum);
    }
    return rc < 0 ? h5_failed(err, "write", path) : HS_OK;
}

static int merge_dataset(hid_t out, const char *name, const part_cube *parts, int n_parts,
                         const grid *g, const int *owner, hs_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "/results/%s", name);
    hid_t ds = H5Dopen2(out, path, H5P_DEFAULT);
    if (ds < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot open %s in the merged cube", path);
    hid_t space = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[32];
    int per_network = rank >= HS_N_AXES && rank <= 32;
    if (per_network) {
        H5Sget_simple_extent_dims(space, dims, NULL);
        for (int a = 0; a < HS_N_AXES; a++)
            per_network = per_network && dims[a] == g->dims[a];
    }
    hid_t type = H5Dget_type(ds);
    hid_t mem = H5Tget_native_type(type, H5T_DIR_ASCEND);
    int status = HS_OK;
    if (per_network) {
        size_t inner = 1;
        for (int d = HS_N_AXES; d < rank; d++)
            inner *= (size_t)dims[d];
        size_t row = inner * H5Tget_size(mem);
        status = merge_per_network(ds, mem, path, row, row * g->networks, parts, n_parts, g,
                                   owner, err);
    } else if (rank == 3) {
        status = merge_per_unit(ds, path, parts, n_parts, g, owner, err);
    }
    H5Tclose(mem);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(ds);
    return status;
}

/* /networks (output.store_networks): the groups of every part. */
static int merge_networks(hid_t out, const part_cube *parts, int n_parts, hs_error *err)
{
    herr_t rc = 0;
    for (int p = 1; p < n_parts && rc >= 0; p++) {
        if (H5Lexists(parts[p].head.file, "/networks", H5P_DEFAULT) <= 0)
            continue;
        if (H5Lexists(out, "/networks", H5P_DEFAULT) <= 0) {
            hid_t group = H5Gcreate2(out, "/networks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (group < 0)
                return hs_fail(err, HS_ERR_RUNTIME, "cannot create /networks in the merged cube");
            H5Gclose(group);
        }
        hid_t group = H5Gopen2(parts[p].head.file, "/networks", H5P_DEFAULT);
        H5G_info_t info;
        rc = group < 0 ? -1 : H5Gget_info(group, &info);
        for (hsize_t i = 0; rc >= 0 && i < info.nlinks; i++) {
            char name[256], path[300];
            if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0) {
                rc = -1;
                break;
            }
            snprintf(path, sizeof path, "/networks/%s", name);
            if (H5Lexists(out, path, H5P_DEFAULT) <= 0)
                rc = H5Ocopy(parts[p].head.file, path, out, path, H5P_DEFAULT, H5P_DEFAULT);
        }
        if (group >= 0)
            H5Gclose(group);
    }
    return rc < 0 ? hs_fail(err, HS_ERR_RUNTIME, "cannot copy /networks into the merged cube")
                  : HS_OK;
}

/* Root attributes: no `part`; every run's rank count; where it came from. */
static int stamp_merged(hid_t out, const part_cube *parts, int n_parts, hs_error *err)
{
    herr_t rc = 0;
    if (H5Aexists(out, "part") > 0)
        rc = H5Adelete(out, "part");
    if (rc >= 0 && H5Aexists(out, "part_batch") > 0)
        rc = H5Adelete(out, "part_batch");
    int n_ranks = 0;
    size_t text_size = 1;
    for (int p = 0; p < n_parts; p++) {
        n_ranks += parts[p].head.n_ranks_used;
        const char *part = parts[p].head.part;
        text_size += strlen(parts[p].path) + (part ? strlen(part) : 0) + 16;
    }
    int *ranks = hs_xcalloc((size_t)n_ranks + 1, sizeof(int));
    char *from = hs_xcalloc(text_size, 1);
    size_t used = 0;
    for (int p = 0, k = 0; p < n_parts; p++) {
        for (int i = 0; i < parts[p].head.n_ranks_used; i++)
            ranks[k++] = parts[p].head.ranks_used[i];
        used += (size_t)snprintf(from + used, text_size - used, "%s%s (part %s)", p ? ", " : "",
                                 parts[p].path, parts[p].head.part ? parts[p].head.part : "whole");
    }
    if (rc >= 0 && n_ranks > 0)
        rc = hs_h5_write_int_array_attr(out, "ranks_used", ranks, n_ranks);
    char now[32];
    hs_h5_now_iso(now, sizeof now);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(out, "checkpointed", now);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(out, "merged_from", from);
    free(ranks);
    free(from);
    return rc < 0 ? hs_fail(err, HS_ERR_RUNTIME, "cannot stamp the merged cube") : HS_OK;
}

static int fill_output(const char *tmp, const part_cube *parts, int n_parts, const grid *g,
                       const int *owner, hs_error *err)
{
    hid_t out = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
    if (out < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot open %s for writing", tmp);
    name_list list = {NULL, 0};
    hid_t results = H5Gopen2(out, "/results", H5P_DEFAULT);
    int status = results >= 0 &&
                         H5Ovisit(results, H5_INDEX_NAME, H5_ITER_NATIVE, collect_dataset, &list) >= 0
                     ? HS_OK
                     : hs_fail(err, HS_ERR_RUNTIME, "cannot list /results of %s", tmp);
    if (results >= 0)
        H5Gclose(results);
    for (int i = 0; i < list.count; i++) {
        if (status == HS_OK)
            status = merge_dataset(out, list.names[i], parts, n_parts, g, owner, err);
        free(list.names[i]);
    }
    free(list.names);
    if (status == HS_OK)
        status = merge_networks(out, parts, n_parts, err);
    if (status == HS_OK)
        status = stamp_merged(out, parts, n_parts, err);
    if (H5Fclose(out) < 0 && status == HS_OK)
        status = h5_failed(err, "close", tmp);
    return status;
}

/* ---- the command ------------------------------------------------------------- */

static int build_output(const char *out_path, const part_cube *parts, int n_parts,
                        const grid *g, const int *owner, hs_error *err)
{
    size_t size = strlen(out_path) + 8;
    char *tmp = hs_xmalloc(size);
    snprintf(tmp, size, "%s.tmp", out_path);
    unlink(tmp); /* left by a merge that was cut off */
    int status = hs_copy_file(parts[0].path, tmp, err);
    if (status == HS_OK)
        status = fill_output(tmp, parts, n_parts, g, owner, err);
    if (status == HS_OK) /* fsync, checksum, rename, as a checkpoint does */
        status = hs_publish_file(tmp, out_path, err);
    if (status != HS_OK)
        unlink(tmp);
    free(tmp);
    return status;
}

static int merge_parts(const char *out_path, part_cube *parts, int n_parts, FILE *out,
                       hs_error *err)
{
    grid g;
    memset(&g, 0, sizeof g);
    int status = HS_OK;
    for (int p = 0; p < n_parts && status == HS_OK; p++) {
        status = open_part(&parts[p], err);
        const hs_cube_head *head = &parts[p].head, *first = &parts[0].head;
        if (status == HS_OK && p == 0) {
            memcpy(g.dims, head->shape.axes, sizeof g.dims);
            g.grid = head->grid;
            g.networks = head->shape.networks;
        } else if (status == HS_OK && memcmp(g.dims, head->shape.axes, sizeof g.dims) != 0 &&
                   strcmp(head->identity, first->identity) == 0) {
            status = hs_fail(err, HS_ERR_INPUT, "%s: /results/status has another shape than in %s",
                             parts[p].path, parts[0].path);
        }
    }
    if (status == HS_OK)
        status = check_same_job(parts, n_parts, err);
    if (status != HS_OK)
        return status;
    g.units = (size_t)(g.dims[HS_AX_MODEL] * g.dims[HS_AX_N] * g.dims[HS_AX_SEED]);
    g.columns = g.networks / g.units;
    status = read_labels(parts[0].head.file, &g, err);
    int *owner = hs_xmalloc(g.networks * sizeof(int));
    if (status == HS_OK)
        status = assign_owners(parts, n_parts, &g, owner, err);
    size_t missing = 0;
    if (status == HS_OK)
        missing = report_missing(&g, owner);
    if (status == HS_OK)
        status = build_output(out_path, parts, n_parts, &g, owner, err);
    if (status == HS_OK) {
        fprintf(out, "hetsweep: merged %d part(s) into %s: %zu of %zu networks computed",
                n_parts, out_path, g.networks - missing, g.networks);
        for (int p = 0; p < n_parts; p++)
            fprintf(out, "%s%zu from %s", p ? ", " : " (", parts[p].owned, parts[p].path);
        fprintf(out, ")%s\n", missing ? "; some are missing (see the warning)" : "; complete");
    }
    free(owner);
    free_grid(&g);
    return status;
}

int hs_merge(const char *out_path, char *const *part_paths, int n_parts, FILE *out,
             hs_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat st;
    if (lstat(out_path, &st) == 0)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s exists: merge never overwrites a file (remove it, or choose another "
                       "output path)",
                       out_path);
    part_cube *parts = hs_xcalloc((size_t)n_parts, sizeof *parts);
    for (int p = 0; p < n_parts; p++) {
        parts[p].path = part_paths[p];
        parts[p].head.file = -1;
    }
    int status = merge_parts(out_path, parts, n_parts, out, err);
    for (int p = 0; p < n_parts; p++)
        close_part(&parts[p]);
    free(parts);
    return status;
}
