/* dirtyvfd.h - an HDF5 file driver that records the byte ranges HDF5 writes.
 *
 * The driver passes every call through to HDF5's own POSIX driver (sec2), so
 * the file it writes is byte for byte what sec2 writes, and appends each
 * write's [addr, addr + size) to a log. With the log, the blocksum of the file
 * (blocksum.h) can be refreshed for what one session wrote instead of
 * re-reading the whole file. For one process writing serially (rank 0). A
 * change of the file's size by truncation is logged too, as the range between
 * the old and the new end.
 */
#ifndef HETSWEEP_DIRTYVFD_H
#define HETSWEEP_DIRTYVFD_H

#include <hdf5.h>
#include <stddef.h>

#include "hetsweep/blocksum.h"

/* Written ranges, in the order written until merged. Start it zeroed. */
typedef struct {
    hs_range *ranges;
    size_t n, capacity;
} hs_dirty_log;

/* A file-access property list whose driver is sec2 wrapped so that every
 * write's [addr, addr + size) is appended to *log, which must outlive every
 * file opened with it. The caller H5Pclose()s it. Negative on error. */
hid_t hs_dirty_fapl(hs_dirty_log *log);

/* Sort the recorded ranges and merge those that overlap or touch. */
void hs_dirty_log_merge(hs_dirty_log *log);

/* Free the ranges and leave an empty log; safe twice. */
void hs_dirty_log_free(hs_dirty_log *log);

#endif
