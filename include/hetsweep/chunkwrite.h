/* chunkwrite.h - writing a box of networks as whole chunks, straight to the
 * file through HDF5 (H5Dwrite_chunk); at a cube's creation, noting where each
 * chunk went (chunkmap.h).
 *
 * H5Dwrite of a box maps it to chunks through selections and copies each
 * chunk through HDF5's chunk cache: for a checkpoint of 10^3 networks x 882
 * tasks, about twice what the bytes alone cost. Where a box covers every
 * chunk it touches wholly (its ends on chunk boundaries, or on the dataset's
 * end), each chunk is instead gathered straight from the results, converted
 * to the file's type and written raw. Only for unfiltered chunked datasets
 * opened by one process; the file's bytes are the same either way.
 */
#ifndef HETSWEEP_CHUNKWRITE_H
#define HETSWEEP_CHUNKWRITE_H

#include <hdf5.h>
#include <stddef.h>

#include "hetsweep/boxes.h"
#include "hetsweep/chunkmap.h"

/* Write the box of a dataset [axes...] or [axes..., inner] (inner 0: none)
 * chunk by chunk, network i of the box's row-major order from row(i, context)
 * (hs_row_source, chunkmap.h), of mem_type: 1 if it was, 0 if the dataset is
 * not chunked, is filtered, or the box does not consist of whole chunks
 * (nothing written: the caller writes it otherwise), -1 if HDF5 failed. */
int hs_write_whole_chunks(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                          hs_row_source *row, void *context);

/* hs_write_whole_chunks, noting in slot of the map (hs_chunk_map_prepare)
 * where each chunk went: the file must be written through the logging
 * driver whose log is `log`, with log->record_raw set. */
int hs_write_whole_chunks_noted(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                                hs_row_source *row, void *context, hs_chunk_map *map,
                                int slot, const hs_dirty_log *log);

#endif
