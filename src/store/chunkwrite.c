/* chunkwrite.c - a box of networks written as whole raw chunks through
 * HDF5's H5Dwrite_chunk, noting where each went where asked (chunkwrite.h). */
#include "hetsweep/chunkwrite.h"

#include <stdlib.h>
#include <string.h>

#include "hetsweep/chunklayout.h"
#include "hetsweep/error.h"

typedef struct {
    const hs_box *box;
    hsize_t box_stride[HS_N_AXES];
    hs_row_source *row;
    void *context;
    size_t row_bytes;
} box_rows;

/* Visits the slots (networks) of one chunk, row-major over its shape. */
typedef struct {
    hsize_t q[HS_N_AXES], shape[HS_N_AXES], ones[HS_N_AXES], zeros[HS_N_AXES];
    size_t slot;
} slot_walk;

static void walk_start(slot_walk *w, const hs_chunk_layout *l)
{
    for (int a = 0; a < HS_N_AXES; a++) {
        w->q[a] = w->zeros[a] = 0;
        w->shape[a] = l->chunk[a];
        w->ones[a] = 1;
    }
    w->slot = 0;
}

static int walk_next(slot_walk *w)
{
    w->slot++;
    return hs_chunk_advance(w->q, w->zeros, w->shape, w->ones);
}

/* The slot's network's place in the box's row-major order, or 0 when the
 * slot of an edge chunk lies beyond the dataset's end (the box holds every
 * other slot: whole chunks). */
static int slot_in_dataset(const box_rows *r, const hs_chunk_layout *l, const hsize_t *origin,
                           const hsize_t *q, size_t *index)
{
    *index = 0;
    for (int a = 0; a < HS_N_AXES; a++) {
        hsize_t at = origin[a] + q[a];
        if (at >= l->dims[a])
            return 0;
        *index += (size_t)((at - r->box->start[a]) * r->box_stride[a]);
    }
    return 1;
}

/* Gather the chunk at origin into buf (row-major over the chunk's shape),
 * zeros for the slots of an edge chunk beyond the dataset's end. */
static void gather_chunk(const box_rows *r, const hs_chunk_layout *l, const hsize_t *origin,
                         unsigned char *buf)
{
    slot_walk w;
    walk_start(&w, l);
    do {
        size_t index;
        if (slot_in_dataset(r, l, origin, w.q, &index))
            memcpy(buf + w.slot * r->row_bytes, r->row(index, r->context), r->row_bytes);
        else
            memset(buf + w.slot * r->row_bytes, 0, r->row_bytes);
    } while (walk_next(&w));
}

/* Write every chunk of a box of whole chunks with H5Dwrite_chunk: gather it,
 * convert it from mem_type to file; with a map, note where each went (the
 * raw writes log records). 0, or -1 where HDF5 failed. */
static int write_box_chunks(hid_t ds, const hs_chunk_layout *l, hid_t mem_type, hid_t file,
                            hsize_t inner, const hs_box *box, hs_row_source *row,
                            void *context, hs_chunk_map *map, int slot,
                            const hs_dirty_log *log)
{
    size_t values = inner ? (size_t)inner : 1, networks = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= (size_t)l->chunk[a];
    size_t mem_size = H5Tget_size(mem_type), file_size = H5Tget_size(file);
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
    int status = 0;
    do {
        gather_chunk(&r, l, origin, buf);
        size_t before = log ? log->n_raw : 0;
        if (H5Tconvert(mem_type, file, networks * values, buf, NULL, H5P_DEFAULT) < 0 ||
            H5Dwrite_chunk(ds, H5P_DEFAULT, 0, origin, networks * values * file_size, buf) < 0)
            status = -1;
        else if (map)
            hs_chunk_map_note(map, slot, origin, log, before);
    } while (status == 0 && hs_chunk_advance(origin, from, count, l->chunk));
    free(buf);
    return status;
}

/* Both writers of whole chunks through HDF5, the second noting where each
 * chunk went. */
static int write_whole_chunks(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                              hs_row_source *row, void *context, hs_chunk_map *map, int slot,
                              const hs_dirty_log *log)
{
    hs_chunk_layout l;
    if (!hs_chunk_layout_of(ds, inner, &l) || !hs_box_whole_chunks(box, &l) ||
        !hs_box_inside(box, &l))
        return 0;
    hid_t file = H5Dget_type(ds);
    int status = file < 0 ? -1 : write_box_chunks(ds, &l, mem_type, file, inner, box, row,
                                                  context, map, slot, log);
    if (file >= 0)
        H5Tclose(file);
    return status < 0 ? -1 : 1;
}

int hs_write_whole_chunks(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                          hs_row_source *row, void *context)
{
    return write_whole_chunks(ds, mem_type, inner, box, row, context, NULL, 0, NULL);
}

int hs_write_whole_chunks_noted(hid_t ds, hid_t mem_type, hsize_t inner, const hs_box *box,
                                hs_row_source *row, void *context, hs_chunk_map *map,
                                int slot, const hs_dirty_log *log)
{
    return write_whole_chunks(ds, mem_type, inner, box, row, context, map, slot, log);
}
