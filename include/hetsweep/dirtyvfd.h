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

/* Written ranges, in the order written until merged. Start it zeroed. While
 * record_raw is set, each write of raw data (a dataset's bytes, not HDF5's
 * metadata) is also kept in `raw`, one range a write, in the order made:
 * where H5Dwrite_chunk put each chunk (chunkwrite.h's chunk map). */
typedef struct {
    hs_range *ranges;
    size_t n, capacity;
    int record_raw;
    hs_range *raw;
    size_t n_raw, raw_capacity;
} hs_dirty_log;

/* A file-access property list whose driver is sec2 wrapped so that every
 * write's [addr, addr + size) is appended to *log, which must outlive every
 * file opened with it. The caller H5Pclose()s it. Negative on error. */
hid_t hs_dirty_fapl(hs_dirty_log *log);

/* Append [offset, offset + length) to the log, as the driver does for each
 * write (for bytes written to the file other than through HDF5). */
void hs_dirty_log_add(hs_dirty_log *log, unsigned long long offset, unsigned long long length);

/* The log a file-access property list of hs_dirty_fapl writes into; NULL
 * for any other list. */
hs_dirty_log *hs_dirty_log_of(hid_t fapl);

/* Sort the recorded ranges and merge those that overlap or touch. */
void hs_dirty_log_merge(hs_dirty_log *log);

/* Free the ranges (and raw ones) and leave an empty log; safe twice. */
void hs_dirty_log_free(hs_dirty_log *log);

#endif
