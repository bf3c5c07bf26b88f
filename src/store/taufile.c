/* taufile.c - reading an empirical time-constant profile (network.tau_file):
 * a text file with one value (ms) per line, or "path.h5:/dataset" (a 1-D
 * numeric dataset). The storage layer reads; tau.c only draws from the values.
 */
#include "hetsweep/taufile.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reading an empirical profile ---------------------------------------- */

enum line_kind { LINE_SKIP, LINE_VALUE, LINE_BAD };

/* Parse one text line in place: blank or '#' lines are skipped; otherwise one
 * finite number > 0, optionally followed by a '#' comment. */
static enum line_kind parse_line(char *line, double *value, const char **shown)
{
    char *p = line;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v')
        p++;
    char *hash = strchr(p, '#');
    if (hash)
        *hash = '\0';
    size_t len = strlen(p);
    while (len > 0 && strchr(" \t\r\n\f\v", p[len - 1]))
        p[--len] = '\0';
    *shown = p;
    if (len == 0)
        return LINE_SKIP;
    char *end;
    *value = strtod(p, &end);
    if (end == p || *end != '\0' || !isfinite(*value) || !(*value > 0))
        return LINE_BAD;
    return LINE_VALUE;
}

static void append_value(double **values, size_t *count, size_t *room, double value)
{
    if (*count == *room) {
        *room = *room ? 2 * *room : 64;
        *values = hs_xrealloc(*values, *room * sizeof **values);
    }
    (*values)[(*count)++] = value;
}

static int read_text_lines(FILE *file, const char *path, double **values, size_t *count,
                           hs_error *err)
{
    char *line = NULL;
    size_t cap = 0, room = 0;
    long line_number = 0;
    int status = HS_OK;
    while (getline(&line, &cap, file) != -1) {
        line_number++;
        double value = 0;
        const char *shown;
        enum line_kind kind = parse_line(line, &value, &shown);
        if (kind == LINE_VALUE)
            append_value(values, count, &room, value);
        if (kind != LINE_BAD)
            continue;
        status = hs_fail(err, HS_ERR_INPUT,
                         "%s:%ld: '%.80s' is not a valid time constant: expected one finite "
                         "number > 0 (ms) per line",
                         path, line_number, shown);
        break;
    }
    if (status == HS_OK && ferror(file))
        status = hs_fail(err, HS_ERR_RUNTIME, "error reading time-constant file '%s'", path);
    free(line);
    return status;
}

static int read_text(const char *path, double **values, size_t *count, hs_error *err)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return hs_fail(err, HS_ERR_INPUT, "cannot open time-constant file '%s': %s", path,
                       strerror(errno));
    int status = read_text_lines(file, path, values, count, err);
    fclose(file);
    if (status == HS_OK && *count == 0)
        status = hs_fail(err, HS_ERR_INPUT,
                         "time-constant file '%s' holds no values: expected one finite "
                         "number > 0 (ms) per line",
                         path);
    return status;
}

/* Read a 1-D numeric dataset as doubles (HDF5 converts from its type). */
static int read_dataset_1d(hid_t dataset, const char *path, const char *name, double **values,
                           size_t *count, hs_error *err)
{
    hid_t space = H5Dget_space(dataset);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[1] = {0};
    if (rank == 1)
        H5Sget_simple_extent_dims(space, dims, NULL);
    if (space >= 0)
        H5Sclose(space);
    if (rank != 1)
        return hs_fail(err, HS_ERR_INPUT,
                       "dataset '%s' in '%s' has %d dimensions: expected a 1-D list of time "
                       "constants",
                       name, path, rank);
    hid_t type = H5Dget_type(dataset);
    H5T_class_t type_class = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (type >= 0)
        H5Tclose(type);
    if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
        return hs_fail(err, HS_ERR_INPUT,
                       "dataset '%s' in '%s' is not numeric: expected float64 time constants",
                       name, path);
    if (dims[0] == 0)
        return hs_fail(err, HS_ERR_INPUT, "dataset '%s' in '%s' is empty", name, path);
    double *data = hs_xmalloc((size_t)dims[0] * sizeof *data);
    if (H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        free(data);
        return hs_fail(err, HS_ERR_INPUT, "cannot read dataset '%s' in '%s'", name, path);
    }
    *values = data;
    *count = (size_t)dims[0];
    return HS_OK;
}

static int read_hdf5_file(const char *path, const char *name, double **values, size_t *count,
                          hs_error *err)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return hs_fail(err, HS_ERR_INPUT,
                       "'%s' is not a readable HDF5 file (wanted dataset '%s')", path, name);
    int status;
    hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
    if (dataset < 0) {
        status = hs_fail(err, HS_ERR_INPUT, "HDF5 file '%s' has no dataset '%s'", path, name);
    } else {
        status = read_dataset_1d(dataset, path, name, values, count, err);
        H5Dclose(dataset);
    }
    H5Fclose(file);
    return status;
}

static int check_values(const double *values, size_t count, const char *path, const char *name,
                        hs_error *err)
{
    for (size_t i = 0; i < count; i++) {
        if (isfinite(values[i]) && values[i] > 0)
            continue;
        return hs_fail(err, HS_ERR_INPUT,
                       "dataset '%s' in '%s': element %zu is %g, expected a finite number "
                       "> 0 (ms)",
                       name, path, i, values[i]);
    }
    return HS_OK;
}

/* "path.h5:/dataset", split at sep (the ':' before the dataset's '/'). */
static int read_hdf5(const char *spec, const char *sep, double **values, size_t *count,
                     hs_error *err)
{
    size_t path_len = (size_t)(sep - spec);
    char *path = hs_xmalloc(path_len + 1);
    memcpy(path, spec, path_len);
    path[path_len] = '\0';
    const char *name = sep + 1;
    int status;
    if (access(path, R_OK) != 0) {
        status = hs_fail(err, HS_ERR_INPUT, "cannot open time-constant file '%s': %s", path,
                         strerror(errno));
    } else {
        H5E_auto2_t old_func = NULL;
        void *old_data = NULL;
        H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        status = read_hdf5_file(path, name, values, count, err);
        H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    }
    if (status == HS_OK)
        status = check_values(*values, *count, path, name, err);
    free(path);
    return status;
}

int hs_tau_read_file(const char *spec, double **values, size_t *count, hs_error *err)
{
    *values = NULL;
    *count = 0;
    const char *sep = strstr(spec, ":/");
    int status = sep && access(spec, F_OK) != 0 ? read_hdf5(spec, sep, values, count, err)
                                                : read_text(spec, values, count, err);
    if (status != HS_OK) {
        free(*values);
        *values = NULL;
        *count = 0;
    }
    return status;
}
