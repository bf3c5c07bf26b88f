/* boxes.h - a set of networks of the sweep grid cut into boxes: blocks
 * [start, start + count) along every axis, each of which HDF5 can select as
 * one hyperslab block. Writing a field block by block (or as the union of the
 * blocks) costs per block, so the boxes are made as large as the set allows:
 * runs along the last column axis (noise) are joined along the column axes
 * before them, then along seed, n and model. A whole unit's columns become one
 * box (one chunk's worth, cube.c), and a whole grid one box.
 */
#ifndef HETSWEEP_BOXES_H
#define HETSWEEP_BOXES_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"

typedef struct {
    uint64_t start[HS_N_AXES], count[HS_N_AXES];
} hs_box;

typedef struct {
    hs_box *boxes;
    size_t n_boxes;
    size_t *order; /* indices into the linear list, box by box, each box row-major */
    size_t *first; /* first[b]: where box b starts in order; first[n_boxes] = count */
} hs_box_set;

/* The boxes of `count` distinct networks given by their linear indices in a
 * grid of extents dims (row-major, seed last), sorted ascending. */
void hs_boxes_make(const uint64_t *linear, size_t count, const uint64_t dims[HS_N_AXES],
                   hs_box_set *out);
void hs_boxes_free(hs_box_set *set);

#endif
