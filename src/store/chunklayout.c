/* chunklayout.c - the chunk geometry of a per-network dataset, and boxes of
 * networks against it (chunklayout.h). */
#include "hetsweep/chunklayout.h"

/* The dataset's extents and chunk, if it is chunked and unfiltered. */
int hs_chunk_layout_of(hid_t ds, hsize_t inner, hs_chunk_layout *out)
{
    out->rank = inner ? HS_N_AXES + 1 : HS_N_AXES;
    hid_t space = H5Dget_space(ds), dcpl = H5Dget_create_plist(ds);
    int ok = space >= 0 && dcpl >= 0 && H5Sget_simple_extent_ndims(space) == out->rank &&
             H5Sget_simple_extent_dims(space, out->dims, NULL) == out->rank &&
             H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_nfilters(dcpl) == 0 &&
             H5Pget_chunk(dcpl, out->rank, out->chunk) == out->rank;
    ok = ok && (!inner || out->chunk[HS_N_AXES] == inner);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return ok;
}

/* Whether every chunk the box touches lies wholly inside it. */
int hs_box_whole_chunks(const hs_box *box, const hs_chunk_layout *l)
{
    for (int a = 0; a < HS_N_AXES; a++) {
        hsize_t end = box->start[a] + box->count[a];
        if (box->start[a] % l->chunk[a] != 0 || (end % l->chunk[a] != 0 && end != l->dims[a]))
            return 0;
    }
    return 1;
}

/* Whether the box lies inside the dataset. */
int hs_box_inside(const hs_box *box, const hs_chunk_layout *l)
{
    for (int a = 0; a < HS_N_AXES; a++)
        if (box->count[a] == 0 || box->start[a] + box->count[a] > l->dims[a])
            return 0;
    return 1;
}

/* Advance pos over [from, from + count) along the axes, row-major, by step;
 * 0 when done. */
int hs_chunk_advance(hsize_t *pos, const hsize_t *from, const hsize_t *count, const hsize_t *step)
{
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        pos[a] += step[a];
        if (pos[a] < from[a] + count[a])
            return 1;
        pos[a] = from[a];
    }
    return 0;
}
