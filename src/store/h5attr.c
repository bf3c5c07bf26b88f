/* h5attr.c - string and int-array attributes: read defensively, written by
 * replacement; and the time stamp they carry. */
#include "hetsweep/h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hetsweep/error.h"

/* A one-element fixed-length string dataset (a long text), malloc'd; NULL if
 * absent or of another kind. */
static char *string_dataset(hid_t obj, const char *name)
{
    if (H5Lexists(obj, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t ds = H5Dopen2(obj, name, H5P_DEFAULT);
    hid_t type = ds < 0 ? -1 : H5Dget_type(ds), space = ds < 0 ? -1 : H5Dget_space(ds);
    char *value = NULL;
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_STRING &&
        H5Tis_variable_str(type) <= 0 && H5Sget_simple_extent_npoints(space) == 1) {
        size_t size = H5Tget_size(type);
        value = hs_xcalloc(size + 1, 1);
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, size + 1);
        if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) < 0) {
            free(value);
            value = NULL;
        }
        H5Tclose(mem);
    }
    hs_h5_close_dataset(ds, type, space);
    return value;
}

void hs_h5_close_dataset(hid_t ds, hid_t type, hid_t space)
{
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (ds >= 0)
        H5Dclose(ds);
}

void hs_h5_close_attribute(hid_t attr, hid_t type, hid_t space)
{
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
}

/* A scalar variable-length string attribute (cubes of this build), malloc'd;
 * NULL if it is not one. */
static char *variable_string(hid_t attr, hid_t type)
{
    hid_t space = H5Aget_space(attr);
    int scalar = space >= 0 && H5Sget_simple_extent_npoints(space) == 1;
    if (space >= 0)
        H5Sclose(space);
    if (!scalar)
        return NULL;
    hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5Tget_cset(type));
    char *text = NULL, *value = NULL;
    if (H5Aread(attr, mem, &text) >= 0 && text)
        value = hs_xstrdup(text);
    if (text)
        H5free_memory(text);
    H5Tclose(mem);
    return value;
}

char *hs_h5_string_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return string_dataset(obj, name);
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    char *value = NULL;
    if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        value = variable_string(attr, type);
    } else if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) == 0) {
        size_t size = H5Tget_size(type);
        value = hs_xcalloc(size + 1, 1);
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, size + 1);
        if (H5Aread(attr, mem, value) < 0) {
            free(value);
            value = NULL;
        }
        H5Tclose(mem);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return value;
}

int *hs_h5_int_array_attr(hid_t obj, const char *name, int *count)
{
    *count = 0;
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t space = H5Aget_space(attr);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    int *values = NULL;
    if (n > 0 && n < 100000) {
        values = hs_xcalloc((size_t)n, sizeof(int));
        if (H5Aread(attr, H5T_NATIVE_INT, values) >= 0) {
            *count = (int)n;
        } else {
            free(values);
            values = NULL;
        }
    }
    H5Sclose(space);
    H5Aclose(attr);
    return values;
}

static herr_t remove_old(hid_t obj, const char *name)
{
    return H5Aexists(obj, name) > 0 ? H5Adelete(obj, name) : 0;
}

/* Create the attribute over space and write it; closes nothing it was given. */
static herr_t create_and_write(hid_t obj, const char *name, hid_t type, hid_t space,
                               const void *value)
{
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, type, value);
    if (attr >= 0)
        H5Aclose(attr);
    return rc;
}

herr_t hs_h5_write_string_attr(hid_t obj, const char *name, const char *value)
{
    if (remove_old(obj, name) < 0)
        return -1;
    hid_t type = H5Tcopy(H5T_C_S1); /* variable length, UTF-8: h5py reads a str */
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    herr_t rc = create_and_write(obj, name, type, space, &value);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

herr_t hs_h5_write_int_array_attr(hid_t obj, const char *name, const int *values, int count)
{
    if (remove_old(obj, name) < 0)
        return -1;
    hsize_t dim = (hsize_t)count;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    herr_t rc = create_and_write(obj, name, H5T_NATIVE_INT, space, values);
    H5Sclose(space);
    return rc;
}

typedef struct {
    char *out;
    size_t size;
} cause_buffer;

static herr_t innermost(unsigned n, const H5E_error2_t *entry, void *data)
{
    cause_buffer *cause = data;
    if (n != 0)
        return 0;
    char minor[160] = "";
    if (H5Eget_msg(entry->min_num, NULL, minor, sizeof minor) < 0)
        minor[0] = '\0';
    snprintf(cause->out, cause->size, "%s (%s, in %s)", entry->desc ? entry->desc : "", minor,
             entry->func_name ? entry->func_name : "?");
    return 0;
}

void hs_h5_error_cause(char *out, size_t size)
{
    cause_buffer cause = {out, size};
    out[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &cause);
}

void hs_h5_now_iso(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
