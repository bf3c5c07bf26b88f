/* boxes.c - cutting a set of grid networks into hyperslab boxes (boxes.h). */
#include "hetsweep/boxes.h"

#include <stdlib.h>
#include <string.h>

#include "hetsweep/error.h"

/* The order in which boxes are joined: the column axes from the last (whose
 * neighbours are consecutive columns of one work item), then the unit axes. */
static const int join_order[HS_N_AXES] = {HS_AX_NOISE,         HS_AX_RECURRENT_GAIN,
                                          HS_AX_INPUT_GAIN,    HS_AX_TAU_MEAN,
                                          HS_AX_HETEROGENEITY, HS_AX_PROFILE,
                                          HS_AX_SEED,          HS_AX_N,
                                          HS_AX_MODEL};

static void unravel(uint64_t linear, const uint64_t *dims, uint64_t *pos)
{
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        pos[a] = linear % dims[a];
        linear /= dims[a];
    }
}

static uint64_t ravel(const uint64_t *pos, const uint64_t *dims)
{
    uint64_t linear = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        linear = linear * dims[a] + pos[a];
    return linear;
}

/* Boxes that may join along `axis` sort next to each other: by every other
 * axis's start and count, then by the start along `axis`. (qsort has no
 * context argument; boxes are made by one thread.) */
static int sort_axis;

static int compare_boxes(const void *a, const void *b)
{
    const hs_box *x = a, *y = b;
    for (int k = 0; k < HS_N_AXES; k++) {
        if (k == sort_axis)
            continue;
        if (x->start[k] != y->start[k])
            return x->start[k] < y->start[k] ? -1 : 1;
        if (x->count[k] != y->count[k])
            return x->count[k] < y->count[k] ? -1 : 1;
    }
    return (x->start[sort_axis] > y->start[sort_axis]) - (x->start[sort_axis] < y->start[sort_axis]);
}

static int same_except(const hs_box *x, const hs_box *y, int axis)
{
    for (int k = 0; k < HS_N_AXES; k++)
        if (k != axis && (x->start[k] != y->start[k] || x->count[k] != y->count[k]))
            return 0;
    return 1;
}

/* Join boxes that lie end to end along `axis`; returns the new count. */
static size_t join_along(hs_box *boxes, size_t n, int axis)
{
    sort_axis = axis;
    qsort(boxes, n, sizeof *boxes, compare_boxes);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        hs_box *last = kept ? &boxes[kept - 1] : NULL;
        if (last && same_except(last, &boxes[i], axis) &&
            boxes[i].start[axis] == last->start[axis] + last->count[axis])
            last->count[axis] += boxes[i].count[axis];
        else
            boxes[kept++] = boxes[i];
    }
    return kept;
}

/* Where `linear` is in the sorted list (it is there). */
static size_t find(const uint64_t *linear, size_t count, uint64_t value)
{
    size_t lo = 0, hi = count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (linear[mid] <= value)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Every network of a box, row-major (the order HDF5 reads a block in). */
static size_t list_box(const hs_box *box, const uint64_t *linear, size_t count,
                       const uint64_t *dims, size_t *out)
{
    uint64_t offset[HS_N_AXES] = {0}, pos[HS_N_AXES];
    size_t listed = 0;
    for (;;) {
        for (int a = 0; a < HS_N_AXES; a++)
            pos[a] = box->start[a] + offset[a];
        out[listed++] = find(linear, count, ravel(pos, dims));
        int a = HS_N_AXES - 1;
        while (a >= 0 && ++offset[a] == box->count[a])
            offset[a--] = 0;
        if (a < 0)
            return listed;
    }
}

void hs_boxes_make(const uint64_t *linear, size_t count, const uint64_t dims[HS_N_AXES],
                   hs_box_set *out)
{
    memset(out, 0, sizeof *out);
    out->boxes = hs_xcalloc(count + 1, sizeof *out->boxes);
    for (size_t i = 0; i < count; i++) {
        unravel(linear[i], dims, out->boxes[i].start);
        for (int a = 0; a < HS_N_AXES; a++)
            out->boxes[i].count[a] = 1;
    }
    size_t n = count;
    for (int j = 0; j < HS_N_AXES && n > 1; j++)
        n = join_along(out->boxes, n, join_order[j]);
    out->n_boxes = n;
    out->order = hs_xmalloc((count + 1) * sizeof *out->order);
    out->first = hs_xmalloc((n + 1) * sizeof *out->first);
    size_t at = 0;
    for (size_t b = 0; b < n; b++) {
        out->first[b] = at;
        at += list_box(&out->boxes[b], linear, count, dims, out->order + at);
    }
    out->first[n] = at;
}

void hs_boxes_free(hs_box_set *set)
{
    free(set->boxes);
    free(set->order);
    free(set->first);
    memset(set, 0, sizeof *set);
}
