/* chunkwrite.h - writing a box of networks as whole chunks, straight to the
 * file (H5Dwrite_chunk).
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

/* The values of the network at `index` in the box's row-major order (inner
 * values of mem_type, contiguous). */
typedef const void *hs_row_source(size_t index, void *context);

/* Write the box of a dataset [axes...] or [axes..., inner] (inner 0: none)
 * chunk by chunk: 1 if it was, 0 if the dataset is not chunked, is filtered,
 * or the box does not consist of whole chunks (nothing written: the caller
 * writes it otherwise), -1 if HDF5 failed. */
int hs_write_whole_chunks(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                          hs_row_source *row, void *context);

#endif
