/* cube.c - the results cube: layout, collective writes, and (serially, on
 * the closed file) dimension scales and the provenance stamp; checkpoint.c
 * and publish.c put the file in place. */
#include "hetsweep/cube.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/boxes.h"
#include "hetsweep/chunkwrite.h"
#include "hetsweep/collective.h"
#include "hetsweep/cubehead.h"
#include "hetsweep/testhooks.h"
#include "hetsweep/h5attr.h"
#include "hetsweep_version.h"

#define CAUSE_SIZE 512

struct hs_cube {
    char *path; /* the file being written ("<cube>.tmp" during a checkpoint) */
    MPI_Comm comm;
    int rank, n_ranks;
    const hs_job *job;
    const hs_plan *plan;
    size_t n_tasks;
    hid_t file;
    hsize_t dims[HS_N_AXES + 1]; /* axes, then task */
    char cause[CAUSE_SIZE];      /* why the first HDF5 call failed on this rank, or "" */
    char h5_failure[CAUSE_SIZE]; /* HDF5's account of its latest failed call on this rank
                                    since the ranks last agreed all was well, or "" */
    hs_chunk_map *made_map;      /* where the chunks allocated at creation went, or NULL */
    const hs_chunk_map *raw_map; /* where /results chunks lie, for raw writes, or NULL */
    int raw_fd;                  /* the file, opened for those writes */
    hs_dirty_log *raw_log;       /* where they are logged */
};

/* ---- small HDF5 helpers ------------------------------------------------ */

/* HDF5's automatic error function while a cube is open (and while a closed
 * one is stamped): keep the innermost entry of the error stack of the call
 * that just failed, in a char[CAUSE_SIZE], before the next call clears it. */
static herr_t keep_cause(hid_t stack, void *cause)
{
    (void)stack;
    hs_h5_error_cause(cause, CAUSE_SIZE);
    return 0;
}

static int check_h5(herr_t rc, const char *what, hs_cube *cube, hs_error *err)
{
    if (rc >= 0)
        return HS_OK;
    /* a failure on this rank that was not noted where it happened */
    if (!cube->cause[0] && cube->h5_failure[0])
        snprintf(cube->cause, sizeof cube->cause, "%s", cube->h5_failure);
    if (!cube->cause[0])
        return hs_fail(err, HS_ERR_RUNTIME, "%s: cannot %s (another rank failed first; its "
                                            "message names the cause)",
                       cube->path, what);
    return hs_fail(err, HS_ERR_RUNTIME, "%s: cannot %s: %s", cube->path, what, cube->cause);
}

/* Keep HDF5's account of a failure (the first one only) for the message. */
static herr_t noted(hs_cube *cube, herr_t rc)
{
    if (rc < 0 && !cube->cause[0])
        hs_h5_error_cause(cube->cause, sizeof cube->cause);
    if (rc < 0 && !cube->cause[0])
        snprintf(cube->cause, sizeof cube->cause, "%s",
                 cube->h5_failure[0] ? cube->h5_failure
                                     : "HDF5 error (no detail on its error stack)");
    return rc;
}

/* A local failure that is not HDF5's: say what it was. */
static herr_t failed_because(hs_cube *cube, const char *what)
{
    if (!cube->cause[0])
        snprintf(cube->cause, sizeof cube->cause, "%s", what);
    return -1;
}

/* Every rank learns whether any rank failed, so that all take the same
 * branch into (or past) the next collective call: -1 if any did. */
static herr_t agreed(hs_cube *cube, herr_t rc)
{
    if (rc >= 0) /* what failed here so far was expected and handled */
        cube->h5_failure[0] = '\0';
    return hs_agree(cube->comm, rc < 0 ? HS_ERR_RUNTIME : HS_OK) == HS_OK ? 0 : -1;
}

static herr_t attr_array(hid_t obj, const char *name, hid_t type, size_t count, const void *value)
{
    hsize_t dim = count;
    hid_t space = count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, type, value);
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    return rc;
}

static hid_t collective_xfer(const hs_cube *cube)
{
    hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
    if (cube->n_ranks > 1)
        H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
    return xfer;
}

/* One collective H5Dwrite whose outcome every rank learns. */
static herr_t collective_write(hs_cube *cube, hid_t ds, hid_t mem_type, hid_t mem_space,
                               hid_t file_space, const void *buf)
{
    hid_t xfer = collective_xfer(cube);
    herr_t rc = agreed(cube, noted(cube, H5Dwrite(ds, mem_type, mem_space, file_space, xfer,
                                                  buf)));
    H5Pclose(xfer);
    return rc;
}

/* Write a whole small dataset of `expected` values from rank 0; other ranks
 * join with nothing. ds may be invalid on some rank: all ranks then agree to
 * fail before the collective write. */
static herr_t write_from_root(hs_cube *cube, hid_t ds, hid_t mem_type, const void *buf,
                             hsize_t expected)
{
    hid_t space = ds < 0 ? -1 : H5Dget_space(ds);
    herr_t rc = ds < 0 || space < 0 ? noted(cube, -1) : 0;
    if (rc >= 0 && cube->rank == 0 && H5Sget_simple_extent_npoints(space) != (hssize_t)expected)
        rc = failed_because(cube, "the dataset in the file has another size than this job's");
    rc = agreed(cube, rc);
    if (rc >= 0) {
        hid_t mem = H5Scopy(space);
        if (cube->rank != 0) {
            H5Sselect_none(space);
            H5Sselect_none(mem);
        }
        rc = collective_write(cube, ds, mem_type, mem, space, buf);
        H5Sclose(mem);
    }
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static herr_t dataset_from_root(hs_cube *cube, hid_t parent, const char *name, hid_t file_type,
                                hid_t mem_type, int rank, const hsize_t *dims, const void *buf)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    hsize_t expected = 1;
    for (int d = 0; d < rank; d++)
        expected *= dims[d];
    herr_t rc = write_from_root(cube, ds, mem_type, buf, expected);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* A fixed-length, NUL-terminated string type (the model and profile axes). */
static hid_t string_type(size_t length)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, length > 0 ? length : 1);
    H5Tset_strpad(type, H5T_STR_NULLTERM);
    return type;
}

/* ---- layout -------------------------------------------------------------- */

static herr_t write_axes(hs_cube *cube)
{
    const hs_job *job = cube->job;
    hid_t group = H5Gcreate2(cube->file, "axes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = group < 0 ? -1 : 0;
    for (int a = 0; rc >= 0 && a < HS_N_AXES; a++) {
        const hs_axis *axis = &job->axes[a];
        hsize_t count = (hsize_t)axis->count;
        if (a == HS_AX_MODEL || a == HS_AX_PROFILE) {
            size_t width = 16;
            char *names = hs_xcalloc((size_t)count, width);
            for (hsize_t i = 0; i < count; i++) {
                int code = (int)axis->values[i];
                snprintf(names + i * width, width, "%s",
                         a == HS_AX_MODEL ? hs_model_name(code) : hs_profile_name(code));
            }
            hid_t type = string_type(width);
            rc = dataset_from_root(cube, group, hs_axis_name(a), type, type, 1, &count, names);
            H5Tclose(type);
            free(names);
        } else if (a == HS_AX_N || a == HS_AX_SEED) {
            int64_t *ints = hs_xcalloc((size_t)count, sizeof(int64_t));
            for (hsize_t i = 0; i < count; i++)
                ints[i] = (int64_t)axis->values[i];
            rc = dataset_from_root(cube, group, hs_axis_name(a), H5T_STD_I64LE, H5T_NATIVE_INT64,
                                   1, &count, ints);
            free(ints);
        } else {
            rc = dataset_from_root(cube, group, hs_axis_name(a), H5T_IEEE_F64LE,
                                   H5T_NATIVE_DOUBLE, 1, &count, axis->values);
        }
    }
    if (group >= 0)
        H5Gclose(group);
    return rc;
}

static herr_t write_tasks(hs_cube *cube, const hs_tasks *tasks, const double *similarity)
{
    hid_t group = H5Gcreate2(cube->file, "tasks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        return -1;
    hsize_t n = tasks->n_tasks, square[2] = {n, n};
    herr_t rc = dataset_from_root(cube, group, "k", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n, tasks->k);
    if (rc >= 0)
        rc = dataset_from_root(cube, group, "d", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n, tasks->d);
    if (rc >= 0)
        rc = dataset_from_root(cube, group, "delta_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                               tasks->delta_ms);
    if (rc >= 0)
        rc = dataset_from_root(cube, group, "delta_steps", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n,
                               tasks->delta_steps);
    if (rc >= 0)
        rc = dataset_from_root(cube, group, "complexity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
                               &n, tasks->complexity);
    if (rc >= 0)
        rc = dataset_from_root(cube, group, "similarity", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, 2,
                               square, similarity);
    H5Gclose(group);
    return rc;
}

static herr_t write_stimulus(hs_cube *cube, const hs_stimulus *stim)
{
    hid_t group = H5Gcreate2(cube->file, "stimulus", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        return -1;
    hsize_t dims[2] = {stim->n_samples, 3};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t ds = H5Dcreate2(group, "u", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    herr_t rc = write_from_root(cube, ds, H5T_NATIVE_DOUBLE, stim->u, (hsize_t)dims[0] * 3);
    if (rc >= 0)
        rc = attr_array(ds, "raw_mean", H5T_NATIVE_DOUBLE, 3, stim->raw_mean);
    if (rc >= 0)
        rc = attr_array(ds, "raw_std", H5T_NATIVE_DOUBLE, 3, stim->raw_std);
    if (ds >= 0)
        H5Dclose(ds);
    H5Gclose(group);
    return rc;
}

/* A root text as a string attribute, or, when it is too long for one (an
 * attribute holds at most 64 KiB), as a one-element string dataset of that
 * name at the root (h5attr.h's reader looks there too). Collective. */
static herr_t write_text(hs_cube *cube, const char *name, const char *text)
{
    size_t length = strlen(text);
    if (length < HS_TEXT_ATTRIBUTE_MAX)
        return hs_h5_write_string_attr(cube->file, name, text);
    hsize_t one = 1;
    hid_t type = string_type(length + 1);
    herr_t rc = dataset_from_root(cube, cube->file, name, type, type, 1, &one, text);
    H5Tclose(type);
    return rc;
}

static herr_t write_root_attributes(hs_cube *cube, const hs_cube_contents *contents)
{
    char created[32] = {0};
    if (cube->rank == 0)
        hs_h5_now_iso(created, sizeof created);
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, cube->comm);
    int layout = HS_LAYOUT_VERSION;
    char *blas = hs_xstrdup(openblas_get_config());
    herr_t rc = attr_array(cube->file, "layout_version", H5T_NATIVE_INT, 1, &layout);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "tool_version", HS_VERSION);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "git_revision", HS_GIT_REVISION);
    if (rc >= 0)
        rc = write_text(cube, "job_text", cube->job->text ? cube->job->text : "");
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "job_name", cube->job->name);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "identity", contents->identity);
    if (rc >= 0)
        rc = write_text(cube, "job_canonical", contents->canonical);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "created", created);
    if (rc >= 0)
        rc = hs_h5_write_string_attr(cube->file, "blas_config", blas);
    if (rc >= 0 && contents->part && contents->part[0]) {
        rc = hs_h5_write_string_attr(cube->file, "part", contents->part);
        if (rc >= 0)
            rc = attr_array(cube->file, "part_batch", H5T_NATIVE_INT, 1, &contents->part_batch);
    }
    free(blas);
    return rc;
}

/* ---- /results datasets ----------------------------------------------------- */

static const double fill_f64 = NAN;
static const uint8_t fill_u8 = 0;

static hid_t file_type(hs_elem_type type)
{
    switch (type) {
    case HS_ELEM_F32:
        return H5T_IEEE_F32LE;
    case HS_ELEM_F64:
        return H5T_IEEE_F64LE;
    case HS_ELEM_I8:
        return H5T_STD_I8LE;
    default:
        return H5T_STD_I64LE;
    }
}

static hid_t memory_type(hs_elem_type type)
{
    switch (type) {
    case HS_ELEM_F32:
        return H5T_NATIVE_FLOAT;
    case HS_ELEM_F64:
        return H5T_NATIVE_DOUBLE;
    case HS_ELEM_I8:
        return H5T_NATIVE_INT8;
    default:
        return H5T_NATIVE_INT64;
    }
}

/* One element of any file type. */
typedef union {
    float f32;
    double f64;
    int8_t i8;
    int64_t i64;
} element;

/* A field's fill value as one element of its file type. */
static element file_fill(const hs_result_field *field)
{
    element e = {.i64 = 0};
    switch (field->file) {
    case HS_ELEM_F32:
        e.f32 = (float)field->fill;
        break;
    case HS_ELEM_F64:
        e.f64 = field->fill;
        break;
    case HS_ELEM_I8:
        e.i8 = (int8_t)field->fill;
        break;
    case HS_ELEM_I64:
        e.i64 = (int64_t)field->fill;
        break;
    }
    return e;
}

/* A field's inner dimension: 0 for one value per network (no inner dimension). */
static hsize_t inner_extent(const hs_cube *cube, const hs_result_field *field)
{
    return field->inner == 1 ? 0 : hs_result_count(field, cube->n_tasks);
}

/* A dataset allocated at creation (EARLY), or (INCR) where the caller then
 * writes every chunk itself. */
static hid_t create_dataset(hs_cube *cube, const char *path, hid_t type, const void *fill,
                            int rank, const hsize_t *dims, const hsize_t *chunk,
                            H5D_alloc_time_t alloc_time)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_fill_value(dcpl, type, fill);
    H5Pset_alloc_time(dcpl, alloc_time);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    if (chunk)
        H5Pset_chunk(dcpl, rank, chunk);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t ds = H5Dcreate2(cube->file, path, type, space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
}

/* The `units` attribute of a dataset (none where units is NULL), then close it. */
static herr_t close_with_units(hid_t ds, const char *units)
{
    herr_t rc = ds < 0 ? -1 : 0;
    if (rc >= 0 && units)
        rc = hs_h5_write_string_attr(ds, "units", units);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* The chunk of a field's dataset, [axes...] or [axes..., inner]: every inner
 * value of a network, then whole trailing column axes (noise, recurrent_gain,
 * ...) while the chunk stays within CHUNK_TARGET_BYTES, then as much of the
 * next column axis as fits; always one model, n and seed. A chunk thus holds
 * networks of one unit (one simulation: model, n, seed), which finish
 * together, so a checkpoint rewrites only the chunks of the units it brings
 * (an incremental checkpoint costs what is new). One network a chunk made
 * 10^5 chunks of 12 bytes for a cube of 10^5 networks x 3 tasks; a contiguous
 * [axes...] dataset, whose seed axis varies fastest, made a checkpoint of one
 * unit rewrite all of it through HDF5's sieve buffer. */
#define CHUNK_TARGET_BYTES (64 * 1024)

static int is_unit_axis(int a)
{
    return a == HS_AX_MODEL || a == HS_AX_N || a == HS_AX_SEED;
}

/* chunk[HS_N_AXES] is the inner extent (unused where inner is 0: no inner axis). */
static void chunk_shape(const hsize_t *dims, hsize_t inner, size_t element_bytes, hsize_t *chunk)
{
    for (int a = 0; a < HS_N_AXES; a++)
        chunk[a] = 1;
    chunk[HS_N_AXES] = inner;
    hsize_t bytes = (inner ? inner : 1) * element_bytes;
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        if (is_unit_axis(a))
            continue;
        hsize_t fit = bytes >= CHUNK_TARGET_BYTES ? 1 : CHUNK_TARGET_BYTES / bytes;
        chunk[a] = dims[a] < fit ? dims[a] : fit;
        bytes *= chunk[a];
        if (chunk[a] < dims[a])
            break;
    }
}

/* Every network's values are the fill row (hs_row_source). */
static const void *fill_row(size_t index, void *row)
{
    (void)index;
    return row;
}

/* A field's dataset and its fill row (the fill value inner times, in the
 * file's own type), while its chunks are allocated. */
typedef struct {
    hid_t ds, mem;
    hsize_t inner;
    unsigned char *row;
} allocating;

static void prepare_fill(allocating *a, const hs_result_field *field, hsize_t inner)
{
    element fill = file_fill(field);
    a->mem = memory_type(field->file); /* the fill's own type */
    a->inner = inner;
    size_t size = H5Tget_size(a->mem), values = inner ? (size_t)inner : 1;
    a->row = hs_xmalloc(values * size);
    for (size_t i = 0; i < values; i++)
        memcpy(a->row + i * size, &fill, size);
}

/* Allocate the per-network datasets' chunks unit by unit and, within a unit,
 * field by field, writing the fill value into each as whole raw chunks
 * (chunkwrite.h): a unit's chunks of every field then make one run of the
 * file, which a checkpoint of that unit writes, fsyncs and checksums in one
 * piece. Where the file is written through the logging driver (log), each
 * chunk's address goes into the map as it is written (chunkmap.h).
 * Allocated at creation (EARLY), HDF5 places chunks in the order of each
 * dataset's chunk index, where the seed axis varies fastest: one unit's
 * chunks were spread over the whole file, one run a chunk. */
static herr_t allocate_by_unit(hs_cube *cube, allocating *fields, int n_fields,
                               hs_dirty_log *log, hs_chunk_map *map)
{
    hs_box unit;
    for (int a = 0; a < HS_N_AXES; a++) {
        unit.start[a] = 0;
        unit.count[a] = is_unit_axis(a) ? 1 : cube->dims[a];
    }
    herr_t rc = 0;
    for (hsize_t m = 0; rc >= 0 && m < cube->dims[HS_AX_MODEL]; m++)
        for (hsize_t n = 0; rc >= 0 && n < cube->dims[HS_AX_N]; n++)
            for (hsize_t s = 0; rc >= 0 && s < cube->dims[HS_AX_SEED]; s++) {
                unit.start[HS_AX_MODEL] = m;
                unit.start[HS_AX_N] = n;
                unit.start[HS_AX_SEED] = s;
                for (int k = 0; rc >= 0 && k < n_fields; k++)
                    if (hs_write_whole_chunks_noted(fields[k].ds, fields[k].mem,
                                                    fields[k].inner, &unit, fill_row,
                                                    fields[k].row, map, k, log) != 1)
                        rc = -1;
            }
    return rc;
}

/* A field's dataset, [axes...] or [axes..., inner], chunked: allocated at
 * creation (MPI-IO needs EARLY), or (by_unit) later by allocate_by_unit. */
static hid_t create_field(hs_cube *cube, const hs_result_field *field, int by_unit,
                          hsize_t *inner)
{
    hsize_t dims[HS_N_AXES + 1], chunk[HS_N_AXES + 1];
    *inner = inner_extent(cube, field);
    for (int a = 0; a < HS_N_AXES; a++)
        dims[a] = cube->dims[a];
    dims[HS_N_AXES] = *inner;
    hid_t type = file_type(field->file);
    chunk_shape(dims, *inner, H5Tget_size(type), chunk);
    element fill = file_fill(field);
    return create_dataset(cube, field->path, type, &fill, *inner ? HS_N_AXES + 1 : HS_N_AXES,
                          dims, chunk, by_unit ? H5D_ALLOC_TIME_INCR : H5D_ALLOC_TIME_EARLY);
}

/* Every per-network dataset; a unit's chunks together in the file where one
 * process writes it. */
static herr_t create_fields(hs_cube *cube, hs_dirty_log *log)
{
    int n_fields, by_unit = cube->n_ranks == 1;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    allocating *made = hs_xcalloc((size_t)n_fields, sizeof *made);
    hs_chunk_map *map = by_unit && log ? hs_chunk_map_new(n_fields) : NULL;
    herr_t rc = 0;
    int n_made = 0;
    for (; rc >= 0 && n_made < n_fields; n_made++) {
        allocating *a = &made[n_made];
        a->ds = create_field(cube, &fields[n_made], by_unit, &a->inner);
        rc = a->ds < 0 ? -1 : 0;
        if (by_unit)
            prepare_fill(a, &fields[n_made], a->inner);
        if (rc >= 0 && map)
            hs_chunk_map_prepare(map, n_made, a->ds, a->inner);
    }
    if (rc >= 0 && by_unit) {
        if (log)
            log->record_raw = 1;
        rc = allocate_by_unit(cube, made, n_made, log, map);
        if (log) {
            log->record_raw = 0;
            log->n_raw = 0;
        }
    }
    for (int k = 0; k < n_made; k++) {
        if (rc >= 0 && map)
            hs_chunk_map_complete(map, k, made[k].ds);
        if (close_with_units(made[k].ds, fields[k].units) < 0)
            rc = -1;
        free(made[k].row);
    }
    free(made);
    hs_chunk_map_free(cube->made_map);
    cube->made_map = rc >= 0 ? map : NULL;
    if (rc < 0)
        hs_chunk_map_free(map);
    return rc;
}

/* A per-unit dataset, [model, n, seed]. */
static herr_t create_unit_dataset(hs_cube *cube, const char *path, hid_t type, const void *fill,
                                  const char *units)
{
    hsize_t dims[3] = {cube->dims[HS_AX_MODEL], cube->dims[HS_AX_N], cube->dims[HS_AX_SEED]};
    return close_with_units(create_dataset(cube, path, type, fill, 3, dims, NULL,
                                           H5D_ALLOC_TIME_EARLY),
                            units);
}

static herr_t create_results(hs_cube *cube, hs_dirty_log *log)
{
    herr_t rc = create_fields(cube, log);
    if (rc >= 0)
        rc = create_unit_dataset(cube, "/results/done", H5T_STD_U8LE, &fill_u8, NULL);
    if (rc >= 0)
        rc = create_unit_dataset(cube, "/results/wall_seconds", H5T_IEEE_F64LE, &fill_f64, "s");
    return rc;
}

static hs_cube *new_cube(const char *path, const hs_cube_contents *contents, MPI_Comm comm)
{
    hs_cube *cube = hs_xcalloc(1, sizeof *cube);
    cube->path = hs_xstrdup(path);
    cube->comm = comm;
    MPI_Comm_rank(comm, &cube->rank);
    MPI_Comm_size(comm, &cube->n_ranks);
    cube->job = contents->job;
    cube->plan = contents->plan;
    cube->n_tasks = contents->tasks->n_tasks;
    for (int a = 0; a < HS_N_AXES; a++)
        cube->dims[a] = (hsize_t)contents->job->axes[a].count;
    cube->dims[HS_N_AXES] = cube->n_tasks;
    return cube;
}

static void free_cube(hs_cube *cube)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hs_chunk_map_free(cube->made_map);
    free(cube->path);
    free(cube);
}

/* Bytes of the per-network datasets (every network). */
static double results_bytes(const hs_cube *cube)
{
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    double networks = 1, per_network = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= (double)cube->dims[a];
    for (int k = 0; k < n_fields; k++)
        per_network += (double)hs_elem_size(fields[k].file) *
                       (double)hs_result_count(&fields[k], cube->n_tasks);
    return networks * per_network;
}

/* The size of the blocks HDF5 takes from the end of the file for metadata
 * (H5Pset_meta_block_size): about 1/512 of the results, between HDF5's
 * default 2 KiB and 1 MiB. In a big cube, the chunk index's nodes then
 * collect in a few large blocks instead of landing between one unit's chunks
 * as they are allocated (which cut a unit's run of the file into a piece a
 * chunk); a small cube wastes at most one block. Raw data is not gathered
 * in blocks at all (small data block size 0), so that a unit's small chunks
 * (one value per network) follow its other chunks instead of collecting in
 * a block of their own. */
static hsize_t metadata_block_bytes(const hs_cube *cube)
{
    hsize_t bytes = 2048;
    while (bytes < ((hsize_t)1 << 20) && (double)bytes * 2 * 512 <= results_bytes(cube))
        bytes *= 2;
    return bytes;
}

/* Open or create the file: with the MPI-IO driver on more than one rank,
 * else with serial_fapl; NULL on failure. */
static hs_cube *open_file(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                          hid_t serial_fapl, int create, hs_error *err)
{
    hs_cube *cube = new_cube(path, contents, comm);
    H5Eset_auto2(H5E_DEFAULT, keep_cause, cube->h5_failure);
    hid_t fapl = H5Pcopy(cube->n_ranks > 1 ? H5P_FILE_ACCESS_DEFAULT : serial_fapl);
    if (cube->n_ranks > 1)
        H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    if (create) { /* where HDF5 puts what it allocates: see metadata_block_bytes */
        H5Pset_meta_block_size(fapl, metadata_block_bytes(cube));
        H5Pset_small_data_block_size(fapl, 0);
    }
    cube->file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                        : H5Fopen(path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (cube->file < 0) {
        hs_fail(err, HS_ERR_RUNTIME, "cannot %s %s: %s", create ? "create" : "open", path,
                cube->h5_failure[0] ? cube->h5_failure
                                    : "HDF5 error (no detail on its error stack)");
        free_cube(cube);
        return NULL;
    }
    return cube;
}

int hs_cube_create(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                   hid_t serial_fapl, hs_cube **out, hs_error *err)
{
    hs_cube *cube = open_file(path, contents, comm, serial_fapl, 1, err);
    if (!cube)
        return HS_ERR_RUNTIME;
    *out = cube;
    herr_t rc = write_root_attributes(cube, contents);
    if (rc >= 0)
        rc = write_axes(cube);
    if (rc >= 0)
        rc = write_tasks(cube, contents->tasks, contents->similarity);
    if (rc >= 0)
        rc = write_stimulus(cube, contents->stimulus);
    if (rc >= 0)
        rc = create_results(cube, cube->n_ranks == 1 ? hs_dirty_log_of(serial_fapl) : NULL);
    return check_h5(rc, "lay out the cube", cube, err);
}

int hs_cube_open(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                 hid_t serial_fapl, hs_cube **out, hs_error *err)
{
    hs_cube *cube = open_file(path, contents, comm, serial_fapl, 0, err);
    if (!cube)
        return HS_ERR_RUNTIME;
    *out = cube;
    return HS_OK;
}

/* ---- writing results (rank 0 alone, in practice: checkpoint.h) ------------ */

/* A column to write, with its linear position in the axes grid. */
typedef struct {
    uint64_t linear, pos[HS_N_AXES];
    const hs_column_result *column;
} placed_column;

static int compare_placed(const void *a, const void *b)
{
    const placed_column *x = a, *y = b;
    return (x->linear > y->linear) - (x->linear < y->linear);
}

static placed_column *place_columns(hs_cube *cube, const hs_item_result *items, int n_items,
                                    size_t *count)
{
    size_t total = 0;
    for (int i = 0; i < n_items; i++)
        total += (size_t)items[i].n_columns;
    placed_column *placed = hs_xcalloc(total, sizeof *placed);
    hs_grid grid = hs_grid_of_job(cube->job);
    size_t k = 0;
    for (int i = 0; i < n_items; i++)
        for (int b = 0; b < items[i].n_columns; b++, k++) {
            placed_column *p = &placed[k];
            p->column = &items[i].columns[b];
            hs_grid_place(&grid, items[i].unit, p->column->column, p->pos);
            p->linear = hs_grid_index(&grid, p->pos);
        }
    qsort(placed, total, sizeof *placed, compare_placed);
    *count = total;
    return placed;
}

/* The selection of boxes [lo, hi) in a copy of `space`. Halves are joined by
 * H5Scombine_select, so building n boxes costs n log n: OR-ing one hyperslab
 * at a time into a growing selection costs n^2 in HDF5 (30 s for 10^5). */
static hid_t select_boxes(hid_t space, const hs_box_set *set, size_t lo, size_t hi,
                          hsize_t inner)
{
    if (hi - lo == 1) {
        hsize_t start[HS_N_AXES + 1], block[HS_N_AXES + 1];
        for (int a = 0; a < HS_N_AXES; a++) {
            start[a] = set->boxes[lo].start[a];
            block[a] = set->boxes[lo].count[a];
        }
        start[HS_N_AXES] = 0;
        block[HS_N_AXES] = inner;
        hid_t one = H5Scopy(space);
        if (one >= 0 && H5Sselect_hyperslab(one, H5S_SELECT_SET, start, NULL, block, NULL) < 0) {
            H5Sclose(one);
            return -1;
        }
        return one;
    }
    size_t mid = lo + (hi - lo) / 2;
    hid_t left = select_boxes(space, set, lo, mid, inner);
    hid_t right = left < 0 ? -1 : select_boxes(space, set, mid, hi, inner);
    hid_t both = right < 0 ? -1 : H5Scombine_select(left, H5S_SELECT_OR, right);
    if (left >= 0)
        H5Sclose(left);
    if (right >= 0)
        H5Sclose(right);
    return both;
}

/* Select the rows of the boxes' networks (inner values each) in the file. */
static hid_t select_columns(hid_t ds, const hs_box_set *set, hsize_t inner)
{
    hid_t space = H5Dget_space(ds);
    if (space < 0 || set->n_boxes == 0) {
        if (space >= 0)
            H5Sselect_none(space);
        return space;
    }
    hid_t selected = select_boxes(space, set, 0, set->n_boxes, inner);
    H5Sclose(space);
    return selected;
}

/* Whether a per-network dataset has this cube's shape (inner values each). */
static int has_network_shape(const hs_cube *cube, hid_t ds, hsize_t inner)
{
    hid_t space = H5Dget_space(ds);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[HS_N_AXES + 1];
    int ok = rank == (inner ? HS_N_AXES + 1 : HS_N_AXES) &&
             H5Sget_simple_extent_dims(space, dims, NULL) == rank;
    for (int a = 0; ok && a < HS_N_AXES; a++)
        ok = dims[a] == cube->dims[a];
    ok = ok && (!inner || dims[HS_N_AXES] == inner);
    if (space >= 0)
        H5Sclose(space);
    return ok;
}

/* The field's values of the placed columns, in their (linear) order. */
static unsigned char *gather_linear(const placed_column *placed, size_t count,
                                    const hs_result_field *field, size_t bytes)
{
    unsigned char *buf = hs_xmalloc((count ? count : 1) * bytes);
    for (size_t k = 0; k < count; k++)
        memcpy(buf + k * bytes, hs_result_cvalues(placed[k].column, field), bytes);
    return buf;
}

/* One write of every box as one selection, the buffer in linear order: HDF5
 * then maps the selection to chunks element by element (about 0.1 us each),
 * which is cheap for short rows. Collective. */
static herr_t write_as_one(hs_cube *cube, hid_t ds, const hs_result_field *field,
                           hsize_t inner, const placed_column *placed, size_t count,
                           const hs_box_set *set)
{
    hid_t file_space = select_columns(ds, set, inner);
    herr_t rc = noted(cube, file_space < 0 ? -1 : 0);
    hsize_t elements = (hsize_t)count * (inner ? inner : 1);
    if (rc >= 0 && H5Sget_select_npoints(file_space) != (hssize_t)elements)
        rc = failed_because(cube, "two results for one network (duplicated work items)");
    rc = agreed(cube, rc);
    if (rc >= 0) {
        unsigned char *buf = gather_linear(placed, count, field,
                                           hs_result_bytes(field, cube->n_tasks));
        hid_t mem_space = H5Screate_simple(1, &elements, NULL);
        if (count == 0)
            H5Sselect_none(mem_space);
        rc = collective_write(cube, ds, memory_type(field->memory), mem_space, file_space, buf);
        H5Sclose(mem_space);
        free(buf);
    }
    if (file_space >= 0)
        H5Sclose(file_space);
    return rc;
}

/* The rows of one box: what hs_write_whole_chunks reads them from. */
typedef struct {
    const placed_column *placed;
    const size_t *order; /* the box's part of the set's order */
    const hs_result_field *field;
} box_source;

static const void *box_row(size_t index, void *context)
{
    const box_source *source = context;
    return hs_result_cvalues(source->placed[source->order[index]].column, source->field);
}

/* One box from a buffer shaped as the box (its rows gathered from the placed
 * columns in the box's row-major order): HDF5 maps whole blocks to chunks. */
static herr_t write_box(hs_cube *cube, hid_t ds, hid_t file_space, const hs_result_field *field,
                        hsize_t inner, const box_source *source, const hs_box *box,
                        size_t count, unsigned char *rows)
{
    size_t row = hs_result_bytes(field, cube->n_tasks);
    for (size_t j = 0; j < count; j++)
        memcpy(rows + j * row, box_row(j, (void *)source), row);
    hsize_t start[HS_N_AXES + 1], block[HS_N_AXES + 1];
    for (int a = 0; a < HS_N_AXES; a++) {
        start[a] = box->start[a];
        block[a] = box->count[a];
    }
    start[HS_N_AXES] = 0;
    block[HS_N_AXES] = inner;
    hid_t mem_space = H5Screate_simple(inner ? HS_N_AXES + 1 : HS_N_AXES, block, NULL);
    herr_t rc = noted(cube, H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, block,
                                                NULL));
    if (rc >= 0)
        rc = noted(cube, H5Dwrite(ds, memory_type(field->memory), mem_space, file_space,
                                  H5P_DEFAULT, rows));
    H5Sclose(mem_space);
    return rc;
}

/* One write per box: a box of whole chunks chunk by chunk, raw
 * (chunkwrite.h), any other from a buffer shaped as the box, tens of
 * microseconds a write, far cheaper for long rows (882 tasks) than mapping
 * them element by element. One rank only. */
static herr_t write_box_by_box(hs_cube *cube, hid_t ds, const hs_result_field *field,
                               hsize_t inner, const placed_column *placed,
                               const hs_box_set *set)
{
    size_t row = hs_result_bytes(field, cube->n_tasks);
    size_t largest = 0;
    for (size_t b = 0; b < set->n_boxes; b++)
        if (set->first[b + 1] - set->first[b] > largest)
            largest = set->first[b + 1] - set->first[b];
    unsigned char *rows = NULL;
    hid_t file_space = H5Dget_space(ds);
    herr_t rc = noted(cube, file_space < 0 ? -1 : 0);
    for (size_t b = 0; rc >= 0 && b < set->n_boxes; b++) {
        box_source source = {placed, set->order + set->first[b], field};
        int whole = hs_write_whole_chunks(ds, memory_type(field->memory), inner, &set->boxes[b],
                                          box_row, &source);
        rc = noted(cube, whole < 0 ? -1 : 0);
        if (rc >= 0 && whole == 0) {
            rows = rows ? rows : hs_xmalloc(largest * row + 1);
            rc = write_box(cube, ds, file_space, field, inner, &source, &set->boxes[b],
                           set->first[b + 1] - set->first[b], rows);
        }
    }
    if (file_space >= 0)
        H5Sclose(file_space);
    free(rows);
    return rc;
}

/* Two placed columns at one position (the list is in linear order). */
static int has_duplicates(const placed_column *placed, size_t count)
{
    for (size_t k = 1; k < count; k++)
        if (placed[k].linear == placed[k - 1].linear)
            return 1;
    return 0;
}

/* Values per box from which one write per box is the cheaper way. */
#define BOX_BY_BOX_MIN_VALUES 256

/* Checks before the fields are written: no network twice, and the fault
 * tests' injected failure. */
static herr_t check_placed(hs_cube *cube, const placed_column *placed, size_t count)
{
    if (has_duplicates(placed, count))
        return failed_because(cube, "two results for one network (duplicated work items)");
    if (hs_fail_point("cube-write", cube->rank))
        return failed_because(cube, "failure injected by HETSWEEP_FAIL_AT");
    return 0;
}

/* Whether the field can be written raw (hs_cube_write_raw). */
static int raw_writable(const hs_cube *cube, int slot)
{
    return cube->raw_map && cube->n_ranks == 1 && hs_chunk_map_has(cube->raw_map, slot);
}

/* The values of placed column k: what hs_chunk_map_write reads them from. */
typedef struct {
    const placed_column *placed;
    const hs_result_field *field;
} placed_source;

static const void *placed_row(size_t k, void *context)
{
    const placed_source *source = context;
    return hs_result_cvalues(source->placed[k].column, source->field);
}

/* Write the field's networks raw at their chunks' mapped addresses, without
 * HDF5, placed as *placement says (made anew where it does not fit). One
 * rank. */
static herr_t write_field_raw(hs_cube *cube, int slot, const hs_result_field *field,
                              const placed_column *placed, size_t count,
                              hs_chunk_placement **placement)
{
    herr_t rc = 0;
    if (count == 0)
        return rc;
    if (!hs_chunk_placement_fits(*placement, cube->raw_map, slot)) {
        hs_chunk_placement_free(*placement);
        uint64_t(*pos)[HS_N_AXES] = hs_xmalloc(count * sizeof *pos);
        for (size_t k = 0; k < count; k++)
            memcpy(pos[k], placed[k].pos, sizeof pos[k]);
        *placement = hs_chunk_map_place(cube->raw_map, slot, (const uint64_t(*)[HS_N_AXES])pos,
                                        count);
        free(pos);
    }
    placed_source source = {placed, field};
    if (hs_chunk_map_write(cube->raw_map, slot, cube->raw_fd, memory_type(field->memory),
                           *placement, placed_row, &source, cube->raw_log) != 0) {
        char why[CAUSE_SIZE];
        snprintf(why, sizeof why, "cannot write %s: %s", field->path, strerror(errno));
        rc = failed_because(cube, why);
    }
    return rc;
}

/* What every field of one write shares: the placed columns, their boxes
 * (made when a field is first written through HDF5: raw writes need none)
 * and the placement of the raw fields of one chunk shape. */
typedef struct {
    const placed_column *placed;
    size_t count;
    hs_box_set set;
    int boxed;
    hs_chunk_placement *placement;
} field_writes;

static void make_boxes(const hs_cube *cube, const placed_column *placed, size_t count,
                       hs_box_set *set);

/* Collective: write one field of the placed columns (the boxes made of
 * them). Every rank learns whether any rank could not prepare its part before
 * the write, and whether any write failed after it. */
static herr_t write_field(hs_cube *cube, int slot, field_writes *w)
{
    int n_fields;
    const hs_result_field *field = &hs_result_fields(&n_fields)[slot];
    if (raw_writable(cube, slot))
        return write_field_raw(cube, slot, field, w->placed, w->count, &w->placement);
    if (!w->boxed)
        make_boxes(cube, w->placed, w->count, &w->set);
    w->boxed = 1;
    const hs_box_set *set = &w->set;
    hsize_t inner = inner_extent(cube, field);
    hid_t ds = H5Dopen2(cube->file, field->path, H5P_DEFAULT);
    herr_t rc = noted(cube, ds < 0 ? -1 : 0);
    if (rc >= 0 && !has_network_shape(cube, ds, inner))
        rc = failed_because(cube, "a /results dataset in the file has another shape than this "
                                  "job's grid");
    rc = agreed(cube, rc);
    hsize_t values = (hsize_t)w->count * (inner ? inner : 1);
    if (rc >= 0 && cube->n_ranks == 1 && set->n_boxes > 0 &&
        values / set->n_boxes >= BOX_BY_BOX_MIN_VALUES)
        rc = write_box_by_box(cube, ds, field, inner, w->placed, set);
    else if (rc >= 0)
        rc = write_as_one(cube, ds, field, inner, w->placed, w->count, set);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* The boxes of the placed columns (in linear order). */
static void make_boxes(const hs_cube *cube, const placed_column *placed, size_t count,
                       hs_box_set *set)
{
    uint64_t *linear = hs_xmalloc((count + 1) * sizeof *linear), dims[HS_N_AXES];
    for (size_t i = 0; i < count; i++)
        linear[i] = placed[i].linear;
    for (int a = 0; a < HS_N_AXES; a++)
        dims[a] = cube->dims[a];
    hs_boxes_make(linear, count, dims, set);
    free(linear);
}

static herr_t write_unit_dataset(hs_cube *cube, const char *path, hid_t mem_type,
                                 const void *values)
{
    hid_t ds = H5Dopen2(cube->file, path, H5P_DEFAULT);
    hsize_t units = cube->dims[HS_AX_MODEL] * cube->dims[HS_AX_N] * cube->dims[HS_AX_SEED];
    herr_t rc = write_from_root(cube, ds, mem_type, values, units);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

int hs_cube_write_results(hs_cube *cube, const hs_item_result *items, int n_items, hs_error *err)
{
    field_writes w = {NULL, 0, {0}, 0, NULL};
    placed_column *placed = place_columns(cube, items, n_items, &w.count);
    w.placed = placed;
    int n_fields;
    hs_result_fields(&n_fields);
    herr_t rc = agreed(cube, check_placed(cube, placed, w.count)); /* once for every field */
    for (int k = 0; rc >= 0 && k < n_fields; k++)
        rc = write_field(cube, k, &w);
    hs_chunk_placement_free(w.placement);
    if (w.boxed)
        hs_boxes_free(&w.set);
    free(placed);
    int status = check_h5(rc, "write /results", cube, err);
    return hs_agree(cube->comm, status);
}

hs_chunk_map *hs_cube_take_chunk_map(hs_cube *cube)
{
    hs_chunk_map *map = cube->made_map;
    cube->made_map = NULL;
    return map;
}

void hs_cube_write_raw(hs_cube *cube, const hs_chunk_map *map, int fd, hs_dirty_log *log)
{
    cube->raw_map = map;
    cube->raw_fd = fd;
    cube->raw_log = log;
}

int hs_cube_write_units(hs_cube *cube, const uint8_t *done, const double *wall, hs_error *err)
{
    herr_t rc = write_unit_dataset(cube, "/results/done", H5T_NATIVE_UINT8, done);
    if (rc >= 0)
        rc = write_unit_dataset(cube, "/results/wall_seconds", H5T_NATIVE_DOUBLE, wall);
    return hs_agree(cube->comm, check_h5(rc, "write /results/done", cube, err));
}

/* ---- for the writers of other groups (netfile.c: /networks) ---------------- */

MPI_Comm hs_cube_comm(const hs_cube *cube)
{
    return cube->comm;
}

int hs_cube_has(const hs_cube *cube, const char *path)
{
    char *slash = strchr(path + 1, '/');
    if (slash) { /* every link on the way must exist, or H5Lexists fails */
        char parent[256];
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
        if (H5Lexists(cube->file, parent, H5P_DEFAULT) <= 0)
            return 0;
    }
    return H5Lexists(cube->file, path, H5P_DEFAULT) > 0;
}

hid_t hs_cube_new_group(hs_cube *cube, const char *path)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t group = H5Gcreate2(cube->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (agreed(cube, noted(cube, group < 0 ? -1 : 0)) < 0) { /* all ranks, or none, go on */
        if (group >= 0)
            H5Gclose(group);
        return -1;
    }
    return group;
}

herr_t hs_cube_dataset_from_one(hs_cube *cube, hid_t parent, const char *name,
                                hid_t file_type, hid_t mem_type, int rank,
                                const hsize_t *dims, int mine, const void *buf)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    herr_t rc = agreed(cube, noted(cube, ds < 0 ? -1 : 0));
    if (rc >= 0) {
        hid_t file_space = H5Dget_space(ds), mem_space = H5Scopy(file_space);
        if (!mine) {
            H5Sselect_none(file_space);
            H5Sselect_none(mem_space);
        }
        rc = collective_write(cube, ds, mem_type, mem_space, file_space, buf);
        H5Sclose(mem_space);
        H5Sclose(file_space);
    }
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

int hs_cube_h5_status(hs_cube *cube, herr_t rc, const char *what, hs_error *err)
{
    return check_h5(rc, what, cube, err);
}

/* ---- finishing --------------------------------------------------------------- */

/* The `dimensions` attribute: one variable-length string per dimension. */
static herr_t attr_dimensions(hid_t ds, const char **names, int count)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    hsize_t dim = (hsize_t)count;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t attr = H5Acreate2(ds, "dimensions", type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, type, names);
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

typedef struct {
    hid_t axes[HS_N_AXES];
    hid_t task, moment; /* /scales/task and /scales/moment */
    herr_t rc;
} scale_visit;

/* The names of /results/tau_moments' last dimension (results.h). */
static const char *const moment_names[5] = {"mean", "sd", "min", "max", "skewness"};

/* /scales: the dimension scales of the inner axes, `task` (the task index,
 * the order of /tasks) and `moment` (the names of the tau moments). */
static herr_t make_inner_scales(hid_t file, hsize_t n_tasks, scale_visit *visit)
{
    hid_t group = H5Gcreate2(file, "/scales", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        return -1;
    hid_t space = H5Screate_simple(1, &n_tasks, NULL);
    visit->task = H5Dcreate2(group, "task", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT);
    H5Sclose(space);
    int *index = hs_xcalloc(n_tasks ? n_tasks : 1, sizeof(int));
    for (hsize_t t = 0; t < n_tasks; t++)
        index[t] = (int)t;
    herr_t rc = visit->task < 0 ? -1 : H5Dwrite(visit->task, H5T_NATIVE_INT, H5S_ALL, H5S_ALL,
                                                H5P_DEFAULT, index);
    free(index);
    hsize_t five = 5;
    space = H5Screate_simple(1, &five, NULL);
    hid_t type = string_type(9);
    visit->moment = H5Dcreate2(group, "moment", type, space, H5P_DEFAULT, H5P_DEFAULT,
                               H5P_DEFAULT);
    char text[5][9] = {{0}};
    for (int k = 0; k < 5; k++)
        snprintf(text[k], sizeof text[k], "%s", moment_names[k]);
    if (rc >= 0)
        rc = visit->moment < 0 ? -1 : H5Dwrite(visit->moment, type, H5S_ALL, H5S_ALL,
                                               H5P_DEFAULT, text);
    H5Tclose(type);
    H5Sclose(space);
    H5Gclose(group);
    if (rc >= 0)
        rc = H5DSset_scale(visit->task, "task") < 0 || H5DSset_scale(visit->moment, "moment") < 0
                 ? -1
                 : 0;
    return rc;
}

/* Per-network datasets get the nine axes (then task or moment); per-unit
 * datasets get model, n, seed. */
static herr_t attach_one(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    scale_visit *visit = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    hid_t ds = H5Dopen2(root, name, H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(space);
    H5Sclose(space);
    const char *names[HS_N_AXES + 1];
    int count = 0;
    if (rank == 3) {
        static const int unit_axes[3] = {HS_AX_MODEL, HS_AX_N, HS_AX_SEED};
        for (int d = 0; d < 3; d++) {
            names[count++] = hs_axis_name(unit_axes[d]);
            if (H5DSattach_scale(ds, visit->axes[unit_axes[d]], (unsigned)d) < 0)
                visit->rc = -1;
        }
    } else {
        for (int a = 0; a < HS_N_AXES && a < rank; a++) {
            names[count++] = hs_axis_name(a);
            if (H5DSattach_scale(ds, visit->axes[a], (unsigned)a) < 0)
                visit->rc = -1;
        }
        const hs_result_field *field = hs_result_field_named(name);
        if (rank == HS_N_AXES + 1) {
            names[count++] = field && field->inner_axis ? field->inner_axis : "task";
            hid_t inner = strcmp(names[HS_N_AXES], "moment") == 0 ? visit->moment : visit->task;
            if (H5DSattach_scale(ds, inner, HS_N_AXES) < 0)
                visit->rc = -1;
        }
    }
    for (int d = 0; d < count; d++) /* h5py's dims[d].label, xarray's dimension names */
        if (H5DSset_label(ds, (unsigned)d, names[d]) < 0)
            visit->rc = -1;
    if (attr_dimensions(ds, names, count) < 0)
        visit->rc = -1;
    H5Dclose(ds);
    return 0;
}

/* The /tasks datasets are indexed by task (similarity by task twice). */
static herr_t attach_task_scale(hid_t file, hid_t task)
{
    static const char *const names[] = {"k", "d", "delta_steps", "delta_ms", "complexity",
                                        "similarity"};
    herr_t rc = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/tasks/%s", names[i]);
        hid_t ds = H5Lexists(file, path, H5P_DEFAULT) > 0 ? H5Dopen2(file, path, H5P_DEFAULT) : -1;
        if (ds < 0)
            continue;
        int dims = strcmp(names[i], "similarity") == 0 ? 2 : 1;
        for (int d = 0; d < dims; d++)
            if (H5DSattach_scale(ds, task, (unsigned)d) < 0 ||
                H5DSset_label(ds, (unsigned)d, "task") < 0)
                rc = -1;
        H5Dclose(ds);
    }
    return rc;
}

/* Attach /axes and /scales as dimension scales, label every dimension and add
 * `dimensions` attributes. Serial. */
static herr_t attach_scales(const char *path)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0)
        return -1;
    hid_t k = H5Dopen2(file, "/tasks/k", H5P_DEFAULT);
    hid_t k_space = k < 0 ? -1 : H5Dget_space(k);
    hssize_t tasks = k_space < 0 ? -1 : H5Sget_simple_extent_npoints(k_space);
    hs_h5_close_dataset(k, -1, k_space);
    hsize_t n_tasks = tasks > 0 ? (hsize_t)tasks : 0;
    scale_visit visit = {.task = -1, .moment = -1, .rc = 0};
    if (make_inner_scales(file, n_tasks, &visit) < 0 || attach_task_scale(file, visit.task) < 0)
        visit.rc = -1;
    hid_t u = H5Lexists(file, "/stimulus/u", H5P_DEFAULT) > 0
                  ? H5Dopen2(file, "/stimulus/u", H5P_DEFAULT)
                  : -1;
    if (u >= 0 && (H5DSset_label(u, 0, "sample") < 0 || H5DSset_label(u, 1, "component") < 0))
        visit.rc = -1;
    if (u >= 0)
        H5Dclose(u);
    for (int a = 0; a < HS_N_AXES; a++) {
        char name[64];
        snprintf(name, sizeof name, "/axes/%s", hs_axis_name(a));
        visit.axes[a] = H5Dopen2(file, name, H5P_DEFAULT);
        if (visit.axes[a] < 0 || H5DSset_scale(visit.axes[a], hs_axis_name(a)) < 0)
            visit.rc = -1;
    }
    hid_t results = H5Gopen2(file, "/results", H5P_DEFAULT);
    if (visit.rc >= 0 && results >= 0)
        H5Ovisit(results, H5_INDEX_NAME, H5_ITER_NATIVE, attach_one, &visit);
    if (results >= 0)
        H5Gclose(results);
    for (int a = 0; a < HS_N_AXES; a++)
        if (visit.axes[a] >= 0)
            H5Dclose(visit.axes[a]);
    if (visit.task >= 0)
        H5Dclose(visit.task);
    if (visit.moment >= 0)
        H5Dclose(visit.moment);
    if (H5Fclose(file) < 0)
        visit.rc = -1;
    return visit.rc;
}

int hs_cube_close(hs_cube *cube, int status, hs_error *err)
{
    if (noted(cube, H5Fclose(cube->file)) < 0 && status == HS_OK)
        status = check_h5(-1, "close it", cube, err);
    free_cube(cube);
    return status;
}

int hs_cube_read_part(const char *path, char *part, size_t size, int *batch, hs_error *err)
{
    part[0] = '\0';
    *batch = 0;
    hs_cube_head head;
    int status = hs_cube_head_open(path, HS_HEAD_PROBED, &head, err);
    if (status == HS_OK && !head.part && H5Aexists(head.file, "part") > 0)
        status = hs_fail(err, HS_ERR_INPUT, "%s: unreadable `part` attribute", path);
    else if (status == HS_OK && head.part && strlen(head.part) + 1 >= size)
        status = hs_fail(err, HS_ERR_INPUT, "%s: malformed `part` attribute", path);
    else if (status == HS_OK && head.part) {
        snprintf(part, size, "%s", head.part);
        *batch = head.part_batch;
    }
    hs_cube_head_close(&head);
    return status;
}

/* The stamp's attributes: `checkpointed` (now), `ranks_used` and, where given,
 * `run_accounting`. */
static herr_t stamp_attributes(hid_t file, const int *ranks_used, int n_ranks_used,
                               const char *run_accounting)
{
    char now[32];
    hs_h5_now_iso(now, sizeof now);
    herr_t rc = hs_h5_write_string_attr(file, "checkpointed", now);
    if (rc >= 0)
        rc = hs_h5_write_int_array_attr(file, "ranks_used", ranks_used, n_ranks_used);
    if (rc >= 0 && run_accounting)
        rc = hs_h5_write_string_attr(file, "run_accounting", run_accounting);
    return rc;
}

int hs_cube_stamp(const char *path, hid_t fapl, int fresh, const int *ranks_used,
                  int n_ranks_used, const char *run_accounting, hs_error *err)
{
    char cause[CAUSE_SIZE] = "";
    H5Eset_auto2(H5E_DEFAULT, keep_cause, cause);
    herr_t rc = fresh ? attach_scales(path) : 0;
    hid_t file = rc < 0 ? -1 : H5Fopen(path, H5F_ACC_RDWR, fapl);
    const char *what = "attach dimension scales";
    if (file >= 0) {
        what = "stamp the checkpoint";
        rc = stamp_attributes(file, ranks_used, n_ranks_used, run_accounting);
        if (H5Fclose(file) < 0)
            rc = -1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (file >= 0 && rc >= 0)
        return HS_OK;
    return hs_fail(err, HS_ERR_RUNTIME, "%s: cannot %s: %s", path, what,
                   cause[0] ? cause : "HDF5 error (no detail on its error stack)");
}

int hs_cube_stamp_open(hs_cube *cube, const int *ranks_used, int n_ranks_used,
                       const char *run_accounting, hs_error *err)
{
    herr_t rc = noted(cube, stamp_attributes(cube->file, ranks_used, n_ranks_used,
                                             run_accounting));
    return check_h5(rc, "stamp the checkpoint", cube, err);
}
