/* h5attr.h - reading and writing a cube's attributes (and HDF5's error cause), shared by the cube
 * writer and the commands that inspect, resume and merge cubes. The writers
 * replace an attribute that exists already; with the MPI-IO driver every rank
 * must call them with the same values (attributes are collective metadata). */
#ifndef HETSWEEP_H5ATTR_H
#define HETSWEEP_H5ATTR_H

#include <hdf5.h>
#include <stddef.h>

/* Texts of HS_TEXT_ATTRIBUTE_MAX bytes or more (a long job's text or
 * canonical form) are stored as a one-element string dataset of the same name
 * at the root instead of an attribute. */
#define HS_TEXT_ATTRIBUTE_MAX 32768

/* A fixed-length string attribute, malloc'd; NULL if absent or unreadable.
 * Without the attribute, a one-element fixed-length string dataset of that
 * name beside it (a long text) is read instead. */
char *hs_h5_string_attr(hid_t obj, const char *name);

/* Close whichever of a dataset, its type and its dataspace are open (>= 0). */
void hs_h5_close_dataset(hid_t ds, hid_t type, hid_t space);

/* The same for an attribute, its type and its space. */
void hs_h5_close_attribute(hid_t attr, hid_t type, hid_t space);

/* An int attribute of any length (a scalar counts as one), malloc'd, with its
 * length in *count; NULL (and *count 0) if absent or unreadable. */
int *hs_h5_int_array_attr(hid_t obj, const char *name, int *count);

/* Write a fixed-length string attribute, replacing any old one. */
herr_t hs_h5_write_string_attr(hid_t obj, const char *name, const char *value);

/* Write a 1-D int attribute of count values, replacing any old one. */
herr_t hs_h5_write_int_array_attr(hid_t obj, const char *name, const int *values, int count);

/* HDF5's own account of the error it just raised (the innermost entry of
 * its error stack: description, minor message, function) into out; "" when
 * the stack is empty. Call it right after the failing HDF5 call. */
void hs_h5_error_cause(char *out, size_t size);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (the cube's time stamps). */
void hs_h5_now_iso(char *buf, size_t size);

#endif
