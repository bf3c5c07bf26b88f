/* chunklayout.h - the chunk geometry of a per-network /results dataset
 * ([axes...] or [axes..., inner], chunked along the axes, whole along the
 * inner one), and where a box of networks (boxes.h) falls against it: what
 * the writers of whole chunks (chunkwrite.h) and the chunk map (chunkmap.h)
 * share.
 */
#ifndef HETSWEEP_CHUNKLAYOUT_H
#define HETSWEEP_CHUNKLAYOUT_H

#include <hdf5.h>

#include "hetsweep/boxes.h"

typedef struct {
    int rank; /* HS_N_AXES, or HS_N_AXES + 1 with an inner axis */
    hsize_t dims[HS_N_AXES + 1], chunk[HS_N_AXES + 1];
} hs_chunk_layout;

/* The dataset's extents and chunk into *out: 1 if it is chunked and
 * unfiltered, with this inner extent (0: none) whole in each chunk; else 0. */
int hs_chunk_layout_of(hid_t ds, hsize_t inner, hs_chunk_layout *out);

/* Whether every chunk the box touches lies wholly inside it. */
int hs_box_whole_chunks(const hs_box *box, const hs_chunk_layout *l);

/* Whether the box lies inside the dataset (and is not empty). */
int hs_box_inside(const hs_box *box, const hs_chunk_layout *l);

/* Advance pos over [from, from + count) along the axes, row-major, by step;
 * 0 when done. */
int hs_chunk_advance(hsize_t *pos, const hsize_t *from, const hsize_t *count,
                     const hsize_t *step);

#endif
