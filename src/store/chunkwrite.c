/* chunkwrite.c - a box of networks written as whole raw chunks
 * (chunkwrite.h). */
#include "hetsweep/chunkwrite.h"

#include <stdlib.h>
#include <string.h>

#include "hetsweep/error.h"

typedef struct {
    int rank; /* HS_N_AXES, or HS_N_AXES + 1 with an inner axis */
    hsize_t dims[HS_N_AXES + 1], chunk[HS_N_AXES + 1];
} chunk_layout;

/* The dataset's extents and chunk, if it is chunked and unfiltered. */
static int layout_of(hid_t ds, hsize_t inner, chunk_layout *out)
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
static int whole_chunks(const hs_box *box, const chunk_layout *l)
{
    for (int a = 0; a < HS_N_AXES; a++) {
        hsize_t end = box->start[a] + box->count[a];
        if (box->start[a] % l->chunk[a] != 0 || (end % l->chunk[a] != 0 && end != l->dims[a]))
            return 0;
    }
    return 1;
}

/* Advance pos over [from, from + count) along the axes, row-major, by step;
 * 0 when done. */
static int advance(hsize_t *pos, const hsize_t *from, const hsize_t *count, const hsize_t *step)
{
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        pos[a] += step[a];
        if (pos[a] < from[a] + count[a])
            return 1;
        pos[a] = from[a];
    }
    return 0;
}

typedef struct {
    const hs_box *box;
    hsize_t box_stride[HS_N_AXES];
    hs_row_source *row;
    void *context;
    size_t row_bytes;
} box_rows;

/* Gather the chunk at origin into buf (row-major over the chunk's shape; the
 * part of an edge chunk beyond the dataset stays as it is). */
static void gather_chunk(const box_rows *r, const chunk_layout *l, const hsize_t *origin,
                         unsigned char *buf)
{
    hsize_t in_chunk[HS_N_AXES], ones[HS_N_AXES], zeros[HS_N_AXES];
    for (int a = 0; a < HS_N_AXES; a++) {
        in_chunk[a] = l->chunk[a];
        ones[a] = 1;
        zeros[a] = 0;
    }
    hsize_t q[HS_N_AXES] = {0};
    size_t slot = 0;
    do {
        int inside = 1;
        size_t index = 0;
        for (int a = 0; a < HS_N_AXES; a++) {
            inside = inside && origin[a] + q[a] < l->dims[a];
            index += (size_t)((origin[a] + q[a] - r->box->start[a]) * r->box_stride[a]);
        }
        if (inside)
            memcpy(buf + slot * r->row_bytes, r->row(index, r->context), r->row_bytes);
        slot++;
    } while (advance(q, zeros, in_chunk, ones));
}

int hs_write_whole_chunks(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                          hs_row_source *row, void *context)
{
    chunk_layout l;
    if (!layout_of(ds, inner, &l) || !whole_chunks(box, &l))
        return 0;
    hid_t file = H5Dget_type(ds);
    size_t values = inner ? (size_t)inner : 1, networks = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= (size_t)l.chunk[a];
    size_t mem_size = H5Tget_size(mem_type), file_size = file < 0 ? 0 : H5Tget_size(file);
    size_t widest = mem_size > file_size ? mem_size : file_size;
    unsigned char *buf = hs_xcalloc(networks * values, widest);
    box_rows r = {box, {0}, row, context, values * mem_size};
    r.box_stride[HS_N_AXES - 1] = 1;
    for (int a = HS_N_AXES - 2; a >= 0; a--)
        r.box_stride[a] = r.box_stride[a + 1] * box->count[a + 1];
    hsize_t from[HS_N_AXES], count[HS_N_AXES], origin[HS_N_AXES + 1] = {0};
    for (int a = 0; a < HS_N_AXES; a++) {
        from[a] = origin[a] = box->start[a];
        count[a] = box->count[a];
    }
    int status = file < 0 ? -1 : 1;
    do {
        gather_chunk(&r, &l, origin, buf);
        if (H5Tconvert(mem_type, file, networks * values, buf, NULL, H5P_DEFAULT) < 0 ||
            H5Dwrite_chunk(ds, H5P_DEFAULT, 0, origin, networks * values * file_size, buf) < 0)
            status = -1;
    } while (status > 0 && advance(origin, from, count, l.chunk));
    free(buf);
    if (file >= 0)
        H5Tclose(file);
    return status;
}
