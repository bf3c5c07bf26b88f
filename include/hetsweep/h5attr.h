/* h5attr.h - reading a cube's root attributes (serial HDF5), shared by the
 * commands that inspect, resume and merge cubes. */
#ifndef HETSWEEP_H5ATTR_H
#define HETSWEEP_H5ATTR_H

#include <hdf5.h>

/* A fixed-length string attribute, malloc'd; NULL if absent or unreadable. */
char *hs_h5_string_attr(hid_t obj, const char *name);

/* An int attribute of any length (a scalar counts as one), malloc'd, with its
 * length in *count; NULL (and *count 0) if absent or unreadable. */
int *hs_h5_int_array_attr(hid_t obj, const char *name, int *count);

#endif
