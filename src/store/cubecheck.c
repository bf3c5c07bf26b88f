/* cubecheck.c - structural validation of a cube (cubecheck.h): root
 * attributes, /axes, /tasks, /stimulus and /results, each object's type and
 * shape, declared sizes against the file's size, and the values that index
 * or count. One place, used by resume, status and merge. */
#include "hetsweep/cubecheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/cube.h"
#include "hetsweep/h5attr.h"
#include "hetsweep/results.h"

/* The element types a cube holds (always little-endian, as written). */
enum kind { K_F32, K_F64, K_I8, K_U8, K_I32, K_I64, K_STR, K_INT, K_TEXT };

/* How a dataset's shape follows from /axes and /tasks. */
enum shape { S_NETWORK, S_TASKS, S_FIXED, S_UNIT };

typedef struct {
    hid_t file;
    const char *path;
    hsize_t file_size;
    hs_cube_shape *shape;
    hs_error *err;
} checker;

static const char *kind_name(enum kind kind)
{
    static const char *names[] = {"float32", "float64", "int8", "uint8", "int32",
                                  "int64", "a fixed-length string", "an integer",
                                  "a string"};
    return names[kind];
}

static int type_is(hid_t type, enum kind kind)
{
    switch (kind) {
    case K_STR:
        return H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) == 0;
    case K_TEXT: /* a text attribute: variable length (this build) or fixed (older cubes) */
        return H5Tget_class(type) == H5T_STRING;
    case K_INT:
        return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) <= 8;
    default: {
        static const hid_t *exact[] = {&H5T_IEEE_F32LE_g, &H5T_IEEE_F64LE_g, &H5T_STD_I8LE_g,
                                       &H5T_STD_U8LE_g,   &H5T_STD_I32LE_g,  &H5T_STD_I64LE_g};
        return H5Tequal(type, *exact[kind]) > 0;
    }
    }
}

/* "int8", "float64", "a variable-length string", ... for a message. */
static void describe_type(hid_t type, char *out, size_t size)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t bits = H5Tget_size(type) * 8;
    int standard = 0;
    for (enum kind k = K_F32; k <= K_I64; k++)
        standard = standard || type_is(type, k);
    const char *odd = standard ? "" : "a non-standard ";
    if (cls == H5T_INTEGER)
        snprintf(out, size, "%s%sint%zu", odd, H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
    else if (cls == H5T_FLOAT)
        snprintf(out, size, "%sfloat%zu%s", odd, bits,
                 H5Tget_order(type) == H5T_ORDER_BE ? " (big-endian)" : "");
    else if (cls == H5T_STRING)
        snprintf(out, size, "%s", H5Tis_variable_str(type) > 0 ? "a variable-length string"
                                                               : "a fixed-length string");
    else
        snprintf(out, size, "another HDF5 type (class %d)", (int)cls);
}

/* "[2, 2, 3]", or "a scalar" for rank 0. */
static void describe_dims(const hsize_t *dims, int rank, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, rank ? "[" : "a scalar");
    for (int d = 0; d < rank && used < size; d++)
        used += (size_t)snprintf(out + used, size - used, "%s%llu", d ? ", " : "",
                                 (unsigned long long)dims[d]);
    if (rank && used < size)
        snprintf(out + used, size - used, "]");
}

/* Whether count elements of bytes each fit in the file (no overflow). */
static int fits_in_file(const checker *c, hssize_t count, size_t bytes)
{
    return count >= 0 && bytes > 0 && (hsize_t)count <= c->file_size / bytes;
}

/* ---- root attributes ----------------------------------------------------------- */

static int check_attribute(const checker *c, hid_t obj, const char *where, const char *name,
                           enum kind kind, int scalar, int required)
{
    if (H5Aexists(obj, name) <= 0)
        return required ? hs_fail(c->err, HS_ERR_INPUT,
                                  "%s is not a hetsweep cube: %s has no attribute `%s`; the cube "
                                  "was left as it is",
                                  c->path, where, name)
                        : HS_OK;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t type = attr < 0 ? -1 : H5Aget_type(attr);
    hid_t space = attr < 0 ? -1 : H5Aget_space(attr);
    int ndims = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hssize_t points = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
    int ok = type >= 0 && ndims >= 0 && type_is(type, kind) && (scalar ? ndims == 0 : ndims <= 1) &&
             fits_in_file(c, points, H5Tget_size(type));
    char found[64] = "unreadable", dims[64] = "";
    if (type >= 0 && ndims >= 0) {
        hsize_t shape[H5S_MAX_RANK];
        H5Sget_simple_extent_dims(space, shape, NULL);
        describe_type(type, found, sizeof found);
        describe_dims(shape, ndims, dims, sizeof dims);
    }
    hs_h5_close_attribute(attr, type, space);
    if (ok)
        return HS_OK;
    return hs_fail(c->err, HS_ERR_INPUT,
                   "%s: attribute `%s` of %s is %s %s; expected %s%s; the cube was left as it is",
                   c->path, name, where, found, dims, kind_name(kind),
                   scalar ? " (a scalar)" : " (a scalar or a list)");
}

static int check_layout_version(const checker *c)
{
    int status = check_attribute(c, c->file, "/", "layout_version", K_INT, 1, 1);
    if (status != HS_OK)
        return status;
    long long version = 0;
    hid_t attr = H5Aopen(c->file, "layout_version", H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Aread(attr, H5T_NATIVE_LLONG, &version);
    if (attr >= 0)
        H5Aclose(attr);
    if (rc < 0 || version < 1 || version > HS_LAYOUT_VERSION)
        return hs_fail(c->err, HS_ERR_INPUT,
                       "%s has layout_version %lld; this hetsweep reads 1 to %d%s; the cube was "
                       "left as it is",
                       c->path, version, HS_LAYOUT_VERSION,
                       version > HS_LAYOUT_VERSION ? " (upgrade hetsweep)" : "");
    c->shape->layout_version = (int)version;
    return HS_OK;
}

static hid_t open_dataset(const checker *c, const char *name, enum kind kind, int rank,
                          hsize_t *dims);

/* A long text stored as a dataset at the root (h5attr.h): one fixed-length
 * string, and not beside an attribute of the same name. */
static int check_long_text(const checker *c, const char *name)
{
    if (H5Lexists(c->file, name, H5P_DEFAULT) <= 0)
        return HS_OK;
    char path[64];
    snprintf(path, sizeof path, "/%s", name);
    hsize_t length = 0;
    hid_t ds = open_dataset(c, path, K_STR, 1, &length);
    if (ds < 0)
        return c->err->status;
    H5Dclose(ds);
    if (length == 1 && H5Aexists(c->file, name) <= 0)
        return HS_OK;
    return hs_fail(c->err, HS_ERR_INPUT,
                   "%s: %s holds %llu strings%s; expected one string (a long text), without an "
                   "attribute of that name; the cube was left as it is",
                   c->path, path, (unsigned long long)length,
                   H5Aexists(c->file, name) > 0 ? " beside an attribute of that name" : "");
}

static int check_root_attributes(const checker *c)
{
    static const char *strings[] = {"job_canonical", "job_name",     "tool_version",
                                    "git_revision",  "job_text",     "created",
                                    "checkpointed",  "blas_config",  "part",
                                    "merged_from",   "run_accounting"};
    int status = check_layout_version(c);
    if (status == HS_OK)
        status = check_attribute(c, c->file, "/", "identity", K_TEXT, 1, 1);
    for (size_t i = 0; status == HS_OK && i < sizeof strings / sizeof *strings; i++)
        status = check_attribute(c, c->file, "/", strings[i], K_TEXT, 1, 0);
    for (int i = 0; status == HS_OK && i < 2; i++)
        status = check_long_text(c, i == 0 ? "job_text" : "job_canonical");
    if (status == HS_OK)
        status = check_attribute(c, c->file, "/", "ranks_used", K_INT, 0, 0);
    if (status == HS_OK)
        status = check_attribute(c, c->file, "/", "part_batch", K_INT, 1, 0);
    return status;
}

/* ---- datasets ------------------------------------------------------------------ */

/* Open a dataset and check its type and rank, and that its declared size fits
 * in the file; its dims into dims. -1 (err filled) if not. */
static hid_t open_dataset(const checker *c, const char *name, enum kind kind, int rank,
                          hsize_t *dims)
{
    hid_t ds = H5Lexists(c->file, name, H5P_DEFAULT) > 0 ? H5Dopen2(c->file, name, H5P_DEFAULT)
                                                         : -1;
    if (ds < 0) {
        hs_fail(c->err, HS_ERR_INPUT,
                "%s: %s is missing (or not a dataset); expected %s; the cube was left as it is",
                c->path, name, kind_name(kind));
        return -1;
    }
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    int ndims = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    int ok = type >= 0 && ndims == rank && type_is(type, kind);
    char found[64] = "unreadable", shape[160] = "";
    if (type >= 0 && ndims >= 0 && ndims <= H5S_MAX_RANK) {
        hsize_t found_dims[H5S_MAX_RANK];
        H5Sget_simple_extent_dims(space, found_dims, NULL);
        if (ok)
            memcpy(dims, found_dims, (size_t)rank * sizeof *dims);
        describe_type(type, found, sizeof found);
        describe_dims(found_dims, ndims, shape, sizeof shape);
        ok = ok && fits_in_file(c, H5Sget_simple_extent_npoints(space), H5Tget_size(type));
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (ok)
        return ds;
    H5Dclose(ds);
    hs_fail(c->err, HS_ERR_INPUT,
            "%s: %s is %s %s; expected %s of %d dimension(s), no larger than the file; the cube "
            "was left as it is",
            c->path, name, found, shape, kind_name(kind), rank);
    return -1;
}

/* A dataset of exactly this type and shape; why_shape says where the shape
 * comes from. */
static int check_dataset(const checker *c, const char *name, enum kind kind, int rank,
                         const hsize_t *expect, const char *why_shape)
{
    hsize_t dims[H5S_MAX_RANK];
    hid_t ds = open_dataset(c, name, kind, rank, dims);
    if (ds < 0)
        return c->err->status;
    H5Dclose(ds);
    if (memcmp(dims, expect, (size_t)rank * sizeof *dims) == 0)
        return HS_OK;
    char found[160], wanted[160];
    describe_dims(dims, rank, found, sizeof found);
    describe_dims(expect, rank, wanted, sizeof wanted);
    return hs_fail(c->err, HS_ERR_INPUT,
                   "%s: %s has shape %s; expected %s (%s); the cube was left as it is", c->path,
                   name, found, wanted, why_shape);
}

static int check_axes(const checker *c)
{
    hsize_t networks = 1;
    for (int a = 0; a < HS_N_AXES; a++) {
        char name[64];
        snprintf(name, sizeof name, "/axes/%s", hs_axis_name(a));
        enum kind kind = a == HS_AX_MODEL || a == HS_AX_PROFILE ? K_STR
                         : a == HS_AX_N || a == HS_AX_SEED      ? K_I64
                                                                : K_F64;
        hid_t ds = open_dataset(c, name, kind, 1, &c->shape->axes[a]);
        if (ds < 0)
            return c->err->status;
        H5Dclose(ds);
        hsize_t length = c->shape->axes[a];
        if (length == 0 || networks > c->file_size / length)
            return hs_fail(c->err, HS_ERR_INPUT,
                           "%s: %s has %llu values; the axes must each hold at least one value "
                           "and together no more networks than the file can hold; the cube was "
                           "left as it is",
                           c->path, name, (unsigned long long)length);
        networks *= length;
    }
    c->shape->networks = (size_t)networks;
    c->shape->units = (size_t)(c->shape->axes[HS_AX_MODEL] * c->shape->axes[HS_AX_N] *
                               c->shape->axes[HS_AX_SEED]);
    return HS_OK;
}

static int check_tasks(const checker *c)
{
    hsize_t *n = &c->shape->n_tasks;
    hid_t ds = open_dataset(c, "/tasks/k", K_I32, 1, n);
    if (ds < 0)
        return c->err->status;
    H5Dclose(ds);
    if (*n == 0)
        return hs_fail(c->err, HS_ERR_INPUT, "%s: /tasks/k is empty; the cube was left as it is",
                       c->path);
    const char *why = "the task count of /tasks/k";
    hsize_t square[2] = {*n, *n};
    int status = check_dataset(c, "/tasks/d", K_I32, 1, n, why);
    if (status == HS_OK)
        status = check_dataset(c, "/tasks/delta_steps", K_I32, 1, n, why);
    if (status == HS_OK)
        status = check_dataset(c, "/tasks/delta_ms", K_F64, 1, n, why);
    if (status == HS_OK)
        status = check_dataset(c, "/tasks/complexity", K_F64, 1, n, why);
    if (status == HS_OK)
        status = check_dataset(c, "/tasks/similarity", K_F32, 2, square, why);
    return status;
}

static int check_stimulus(const checker *c)
{
    hsize_t dims[2];
    hid_t ds = open_dataset(c, "/stimulus/u", K_F64, 2, dims);
    if (ds < 0)
        return c->err->status;
    int status = dims[1] == 3 && dims[0] > 0
                     ? HS_OK
                     : hs_fail(c->err, HS_ERR_INPUT,
                               "%s: /stimulus/u has %llu columns; expected 3 (x, y, z); the cube "
                               "was left as it is",
                               c->path, (unsigned long long)dims[1]);
    if (status == HS_OK)
        status = check_attribute(c, ds, "/stimulus/u", "raw_mean", K_F64, 0, 1);
    if (status == HS_OK)
        status = check_attribute(c, ds, "/stimulus/u", "raw_std", K_F64, 0, 1);
    H5Dclose(ds);
    c->shape->n_samples = dims[0];
    return status;
}

/* ---- /results ------------------------------------------------------------------ */

typedef struct {
    char name[96]; /* relative to /results */
    enum kind kind;
    enum shape shape;
    hsize_t inner; /* the last dimension's length for S_FIXED */
    const char *inner_axis;
    int seen;
} result_spec;

/* The datasets of /results that are per unit, not per network. */
static const struct {
    const char *name;
    enum kind kind;
} per_unit[] = {{"done", K_U8}, {"wall_seconds", K_F64}};
#define N_PER_UNIT ((int)(sizeof per_unit / sizeof *per_unit))

static enum kind field_kind(hs_elem_type type)
{
    static const enum kind kinds[] = {K_F32, K_F64, K_I8, K_I64};
    return kinds[type];
}

/* Every dataset of /results as the cube writer lays it out: the fields of
 * the results schema, then the per-unit datasets. */
static int result_specs(result_spec *specs)
{
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    for (int k = 0; k < n_fields; k++) {
        snprintf(specs[k].name, sizeof specs[k].name, "%s", hs_result_name(&fields[k]));
        specs[k].kind = field_kind(fields[k].file);
        specs[k].shape = fields[k].inner == HS_RESULT_PER_TASK ? S_TASKS
                         : fields[k].inner == 1                ? S_NETWORK
                                                               : S_FIXED;
        specs[k].inner = fields[k].inner;
        specs[k].inner_axis = fields[k].inner_axis;
    }
    int n = n_fields;
    for (int k = 0; k < N_PER_UNIT; k++, n++) {
        snprintf(specs[n].name, sizeof specs[n].name, "%s", per_unit[k].name);
        specs[n].kind = per_unit[k].kind;
        specs[n].shape = S_UNIT;
    }
    for (int i = 0; i < n; i++)
        specs[i].seen = 0;
    return n;
}

typedef struct {
    result_spec *specs;
    int count;
    char unexpected[256];
} results_visit;

static herr_t visit_result(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    (void)root;
    results_visit *visit = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    for (int i = 0; i < visit->count; i++)
        if (strcmp(visit->specs[i].name, name) == 0) {
            visit->specs[i].seen = 1;
            return 0;
        }
    snprintf(visit->unexpected, sizeof visit->unexpected, "%s", name);
    return 1; /* stop: one unexpected dataset is enough to refuse */
}

static int expected_dims(const checker *c, const result_spec *spec, hsize_t *dims)
{
    if (spec->shape == S_UNIT) {
        dims[0] = c->shape->axes[HS_AX_MODEL];
        dims[1] = c->shape->axes[HS_AX_N];
        dims[2] = c->shape->axes[HS_AX_SEED];
        return 3;
    }
    memcpy(dims, c->shape->axes, sizeof c->shape->axes);
    if (spec->shape == S_NETWORK)
        return HS_N_AXES;
    dims[HS_N_AXES] = spec->shape == S_TASKS ? c->shape->n_tasks : spec->inner;
    return HS_N_AXES + 1;
}

/* Where a dataset's expected shape comes from, for a message. */
static void shape_reason(const result_spec *spec, char *out, size_t size)
{
    switch (spec->shape) {
    case S_NETWORK:
        snprintf(out, size, "the lengths of /axes");
        break;
    case S_TASKS:
        snprintf(out, size, "the lengths of /axes, then the tasks of /tasks/k");
        break;
    case S_FIXED:
        snprintf(out, size, "the lengths of /axes, then %llu %ss",
                 (unsigned long long)spec->inner, spec->inner_axis ? spec->inner_axis : "value");
        break;
    default:
        snprintf(out, size, "the lengths of /axes/model, /axes/n and /axes/seed");
    }
}

/* Read a whole int8/uint8 dataset already checked; NULL if unreadable. */
static int8_t *read_bytes(const checker *c, const char *name, hid_t mem, size_t count)
{
    hid_t ds = H5Dopen2(c->file, name, H5P_DEFAULT);
    int8_t *values = hs_xmalloc(count ? count : 1);
    if (ds < 0 || H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
        free(values);
        values = NULL;
    }
    if (ds >= 0)
        H5Dclose(ds);
    if (!values)
        hs_fail(c->err, HS_ERR_INPUT, "%s: %s cannot be read; the cube was left as it is",
                c->path, name);
    return values;
}

/* Status codes are -1 (not computed) to 2; done flags are 0 or 1. */
static int check_values(const checker *c)
{
    int8_t *status = read_bytes(c, "/results/status", H5T_NATIVE_INT8, c->shape->networks);
    if (!status)
        return c->err->status;
    size_t bad = c->shape->networks;
    for (size_t e = 0; e < c->shape->networks && bad == c->shape->networks; e++)
        if (status[e] < HS_NET_NOT_RUN || status[e] > HS_NET_INFEASIBLE)
            bad = e;
    int code = bad < c->shape->networks ? status[bad] : 0;
    free(status);
    if (bad < c->shape->networks)
        return hs_fail(c->err, HS_ERR_INPUT,
                       "%s: /results/status holds code %d at network %zu; valid codes are -1 "
                       "(not computed), 0 (ok), 1 (non-finite) and 2 (moments infeasible); the "
                       "cube was left as it is",
                       c->path, code, bad);
    uint8_t *done = (uint8_t *)read_bytes(c, "/results/done", H5T_NATIVE_UINT8, c->shape->units);
    if (!done)
        return c->err->status;
    for (bad = 0; bad < c->shape->units && done[bad] <= 1; bad++)
        ;
    code = bad < c->shape->units ? done[bad] : 0;
    free(done);
    if (bad < c->shape->units)
        return hs_fail(c->err, HS_ERR_INPUT,
                       "%s: /results/done holds %d at unit %zu; expected 0 or 1; the cube was "
                       "left as it is",
                       c->path, code, bad);
    return HS_OK;
}

/* /results holds the specs' datasets and nothing else, each of its type and shape. */
static int check_result_datasets(const checker *c, result_spec *specs, int count)
{
    results_visit visit = {specs, count, ""};
    hid_t group = H5Lexists(c->file, "/results", H5P_DEFAULT) > 0
                      ? H5Gopen2(c->file, "/results", H5P_DEFAULT)
                      : -1;
    herr_t rc = group < 0 ? -1 : H5Ovisit(group, H5_INDEX_NAME, H5_ITER_INC, visit_result, &visit);
    if (group >= 0)
        H5Gclose(group);
    if (rc < 0)
        return hs_fail(c->err, HS_ERR_INPUT,
                       "%s: /results is missing or cannot be listed; the cube was left as it is",
                       c->path);
    if (visit.unexpected[0])
        return hs_fail(c->err, HS_ERR_INPUT,
                       "%s: /results/%s is not a dataset of a hetsweep cube of layout %d; the "
                       "cube was left as it is",
                       c->path, visit.unexpected, HS_LAYOUT_VERSION);
    int status = HS_OK;
    for (int i = 0; i < count && status == HS_OK; i++) {
        char name[128], why[128];
        snprintf(name, sizeof name, "/results/%.95s", specs[i].name);
        hsize_t dims[HS_N_AXES + 1];
        int rank = expected_dims(c, &specs[i], dims);
        shape_reason(&specs[i], why, sizeof why);
        status = check_dataset(c, name, specs[i].kind, rank, dims, why);
    }
    return status;
}

static int check_results(const checker *c)
{
    int n_fields;
    hs_result_fields(&n_fields);
    result_spec *specs = hs_xcalloc((size_t)(n_fields + N_PER_UNIT), sizeof *specs);
    int status = check_result_datasets(c, specs, result_specs(specs));
    free(specs);
    return status == HS_OK ? check_values(c) : status;
}

int hs_cube_check(hid_t file, const char *path, hs_cube_shape *shape, hs_error *err)
{
    memset(shape, 0, sizeof *shape);
    hsize_t size = 0;
    if (H5Fget_filesize(file, &size) < 0)
        return hs_fail(err, HS_ERR_INPUT, "%s: cannot tell the file's size", path);
    checker c = {file, path, size, shape, err};
    int status = check_root_attributes(&c);
    if (status == HS_OK)
        status = check_axes(&c);
    if (status == HS_OK)
        status = check_tasks(&c);
    if (status == HS_OK)
        status = check_stimulus(&c);
    if (status == HS_OK)
        status = check_results(&c);
    return status;
}

int hs_cube_check_job(const hs_cube_shape *shape, const char *path, const hs_job *job,
                      const hs_plan *plan, hs_error *err)
{
    for (int a = 0; a < HS_N_AXES; a++)
        if (shape->axes[a] != (hsize_t)job->axes[a].count)
            return hs_fail(err, HS_ERR_INPUT,
                           "%s: /axes/%s has %llu values; the job's sweep.%s has %d; the cube "
                           "was left as it is",
                           path, hs_axis_name(a), (unsigned long long)shape->axes[a],
                           a == HS_AX_SEED ? "seeds" : hs_axis_name(a), job->axes[a].count);
    if (shape->n_tasks != (hsize_t)plan->n_tasks)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s: /tasks/k has %llu tasks; the job has %zu; the cube was left as it is",
                       path, (unsigned long long)shape->n_tasks, plan->n_tasks);
    if (shape->n_samples != (hsize_t)plan->n_samples)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s: /stimulus/u has %llu samples; the job has %zu; the cube was left as "
                       "it is",
                       path, (unsigned long long)shape->n_samples, plan->n_samples);
    return HS_OK;
}
