/* h5attr.c - string and int-array attributes, read defensively. */
#include "hetsweep/h5attr.h"

#include <stdlib.h>

#include "hetsweep/error.h"

char *hs_h5_string_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    char *value = NULL;
    if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) <= 0) {
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
