/* chunkmap.c - where every chunk of the per-network datasets lies, noted as
 * the chunks are allocated, and the raw writes of a checkpoint's networks at
 * those addresses (chunkmap.h). */
#include "hetsweep/chunkmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/chunklayout.h"
#include "hetsweep/error.h"
#include "hetsweep/fileio.h"

/* One dataset of the map: its layout, file type, and the address of every
 * chunk (row-major over the grid of chunks; HADDR_UNDEF until placed). */
typedef struct {
    int prepared, mapped;
    hs_chunk_layout layout;
    hsize_t inner, grid[HS_N_AXES];
    hid_t file_type;
    size_t chunk_bytes, n_chunks;
    haddr_t *address;
} mapped_dataset;

struct hs_chunk_map {
    int slots;
    mapped_dataset *datasets;
};

hs_chunk_map *hs_chunk_map_new(int slots)
{
    hs_chunk_map *map = hs_xcalloc(1, sizeof *map);
    map->slots = slots;
    map->datasets = hs_xcalloc((size_t)(slots > 0 ? slots : 1), sizeof *map->datasets);
    for (int k = 0; k < slots; k++)
        map->datasets[k].file_type = -1;
    return map;
}

static void unmap(mapped_dataset *m)
{
    free(m->address);
    if (m->file_type >= 0)
        H5Tclose(m->file_type);
    memset(m, 0, sizeof *m);
    m->file_type = -1;
}

void hs_chunk_map_free(hs_chunk_map *map)
{
    if (!map)
        return;
    for (int k = 0; k < map->slots; k++)
        unmap(&map->datasets[k]);
    free(map->datasets);
    free(map);
}

static mapped_dataset *slot_of(const hs_chunk_map *map, int slot)
{
    return map && slot >= 0 && slot < map->slots ? &map->datasets[slot] : NULL;
}

/* The index of the chunk at origin in the grid of chunks. */
static size_t chunk_index(const mapped_dataset *m, const hsize_t *origin)
{
    size_t index = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        index = index * (size_t)m->grid[a] + (size_t)(origin[a] / m->layout.chunk[a]);
    return index;
}

int hs_chunk_map_prepare(hs_chunk_map *map, int slot, hid_t ds, hsize_t inner)
{
    mapped_dataset *m = slot_of(map, slot);
    if (!m)
        return 0;
    unmap(m);
    if (!hs_chunk_layout_of(ds, inner, &m->layout))
        return 0;
    m->inner = inner;
    m->file_type = H5Dget_type(ds);
    if (m->file_type < 0)
        return -1;
    size_t values = inner ? (size_t)inner : 1;
    m->n_chunks = 1;
    for (int a = 0; a < HS_N_AXES; a++) {
        m->grid[a] = (m->layout.dims[a] + m->layout.chunk[a] - 1) / m->layout.chunk[a];
        m->n_chunks *= (size_t)m->grid[a];
        values *= (size_t)m->layout.chunk[a];
    }
    m->chunk_bytes = values * H5Tget_size(m->file_type);
    m->address = hs_xmalloc((m->n_chunks ? m->n_chunks : 1) * sizeof *m->address);
    for (size_t i = 0; i < m->n_chunks; i++)
        m->address[i] = HADDR_UNDEF;
    m->prepared = 1;
    return 1;
}

/* Its address is that of the one write of a whole chunk's size among the
 * call's raw writes (HDF5 may write other raw bytes of its own in the same
 * call). None, or two, and the slot cannot be mapped. */
void hs_chunk_map_note(hs_chunk_map *map, int slot, const hsize_t *origin,
                       const hs_dirty_log *log, size_t before)
{
    mapped_dataset *m = slot_of(map, slot);
    if (!m || !m->prepared)
        return;
    size_t found = 0;
    haddr_t address = HADDR_UNDEF;
    for (size_t i = before; i < log->n_raw; i++)
        if (log->raw[i].length == m->chunk_bytes) {
            found++;
            address = (haddr_t)log->raw[i].offset;
        }
    if (found == 1)
        m->address[chunk_index(m, origin)] = address;
    else
        unmap(m); /* not what was expected: the slot stays unmapped */
}

int hs_chunk_map_complete(hs_chunk_map *map, int slot, hid_t ds)
{
    mapped_dataset *m = slot_of(map, slot);
    if (!m || !m->prepared)
        return 0;
    for (size_t i = 0; i < m->n_chunks; i++)
        if (m->address[i] == HADDR_UNDEF) {
            unmap(m);
            return 0;
        }
    /* HDF5's own account of the first and the last chunk must agree (each
     * lookup walks the whole chunk index in HDF5 1.10: two, not all) */
    hsize_t first[HS_N_AXES + 1] = {0}, last[HS_N_AXES + 1] = {0};
    for (int a = 0; a < HS_N_AXES; a++)
        last[a] = (m->grid[a] - 1) * m->layout.chunk[a];
    const hsize_t *probes[2] = {first, last};
    for (int p = 0; p < 2; p++) {
        unsigned filters = 1;
        haddr_t address = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(ds, probes[p], &filters, &address, &size) < 0 ||
            filters != 0 || size != m->chunk_bytes ||
            address != m->address[chunk_index(m, probes[p])]) {
            unmap(m);
            return 0;
        }
    }
    m->mapped = 1;
    return 1;
}

int hs_chunk_map_has(const hs_chunk_map *map, int slot)
{
    const mapped_dataset *m = slot_of(map, slot);
    return m && m->mapped;
}

/* A network to write: its chunk, its slot in the chunk, its place in the
 * caller's list. */
typedef struct {
    size_t chunk, slot, k;
} network_place;

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)

/* Sort places by chunk, then slot (key = chunk x slots + slot, below
 * `limit`): a least-significant-digit radix sort, as qsort's comparisons
 * cost more than the rest of a checkpoint's placing. */
static void sort_places(network_place *places, size_t count, size_t slots, uint64_t limit)
{
    network_place *other = hs_xmalloc((count ? count : 1) * sizeof *other);
    size_t *bucket = hs_xmalloc(RADIX * sizeof *bucket);
    for (unsigned shift = 0; shift < 64 && (limit - 1) >> shift != 0; shift += RADIX_BITS) {
        memset(bucket, 0, RADIX * sizeof *bucket);
        for (size_t i = 0; i < count; i++)
            bucket[((places[i].chunk * slots + places[i].slot) >> shift) & (RADIX - 1)]++;
        for (size_t b = 0, sum = 0; b < RADIX; b++) {
            size_t n = bucket[b];
            bucket[b] = sum;
            sum += n;
        }
        for (size_t i = 0; i < count; i++)
            other[bucket[((places[i].chunk * slots + places[i].slot) >> shift) & (RADIX - 1)]++] =
                places[i];
        memcpy(places, other, count * sizeof *places);
    }
    free(bucket);
    free(other);
}

/* Where each network goes in the chunks of one shape (chunkwrite.h). */
struct hs_chunk_placement {
    hs_chunk_layout layout;
    size_t count;
    network_place *places; /* sorted by chunk, then slot */
};

/* Whether two datasets share their extents and chunk shape (the inner
 * extent aside: a chunk holds a network's every inner value). */
static int same_shape(const hs_chunk_layout *a, const hs_chunk_layout *b)
{
    for (int d = 0; d < HS_N_AXES; d++)
        if (a->dims[d] != b->dims[d] || a->chunk[d] != b->chunk[d])
            return 0;
    return 1;
}

/* Where each network goes, sorted by chunk then slot; NULL if one lies
 * outside the dataset. */
static network_place *place_networks(const mapped_dataset *m, const uint64_t (*pos)[HS_N_AXES],
                                     size_t count)
{
    network_place *places = hs_xmalloc((count ? count : 1) * sizeof *places);
    for (size_t k = 0; k < count; k++) {
        size_t chunk = 0, slot = 0;
        for (int a = 0; a < HS_N_AXES; a++) {
            uint64_t at = pos[k][a], size = m->layout.chunk[a];
            if (at >= m->layout.dims[a]) {
                free(places);
                return NULL;
            }
            uint64_t whole = size == 1 ? at : at / size; /* most axes: chunks of one */
            chunk = chunk * (size_t)m->grid[a] + (size_t)whole;
            slot = slot * (size_t)size + (size_t)(at - whole * size);
        }
        places[k] = (network_place){chunk, slot, k};
    }
    size_t slots = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        slots *= (size_t)m->layout.chunk[a];
    sort_places(places, count, slots, (uint64_t)m->n_chunks * slots);
    return places;
}

hs_chunk_placement *hs_chunk_map_place(const hs_chunk_map *map, int slot,
                                       const uint64_t (*pos)[HS_N_AXES], size_t count)
{
    const mapped_dataset *m = slot_of(map, slot);
    network_place *places = m && m->mapped ? place_networks(m, pos, count) : NULL;
    if (!places) {
        errno = EINVAL;
        return NULL;
    }
    hs_chunk_placement *p = hs_xcalloc(1, sizeof *p);
    p->layout = m->layout;
    p->count = count;
    p->places = places;
    return p;
}

int hs_chunk_placement_fits(const hs_chunk_placement *p, const hs_chunk_map *map, int slot)
{
    const mapped_dataset *m = slot_of(map, slot);
    return p && m && m->mapped && same_shape(&p->layout, &m->layout);
}

void hs_chunk_placement_free(hs_chunk_placement *p)
{
    if (!p)
        return;
    free(p->places);
    free(p);
}

/* How many of the chunk's slots lie inside the dataset (fewer at its edges). */
static size_t slots_inside(const mapped_dataset *m, size_t chunk)
{
    size_t inside = 1;
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        hsize_t origin = (chunk % m->grid[a]) * m->layout.chunk[a];
        chunk /= m->grid[a];
        hsize_t left = m->layout.dims[a] - origin;
        inside *= (size_t)(left < m->layout.chunk[a] ? left : m->layout.chunk[a]);
    }
    return inside;
}

/* The pieces of adjacent chunks, written with one pwritev: the rows of whole
 * chunks straight from the results where no conversion is needed, or a
 * chunk assembled in a buffer of its own. */
#define RUN_PIECES 1024 /* Linux's IOV_MAX */
#define RUN_CHUNKS 16   /* chunks assembled in buffers, at most, in one run */

typedef struct {
    unsigned long long start, length;
    struct iovec piece[RUN_PIECES];
    int n;
} write_run;

typedef struct {
    const mapped_dataset *m;
    hid_t mem_type;
    size_t values, mem_row, file_row, slots;
    int same_type;          /* mem_type is the file's: no conversion */
    unsigned char *zeros;   /* a row of zeros (slots beyond the dataset's end) */
    unsigned char *rows;    /* a chunk's rows being converted */
    unsigned char *chunk;   /* chunks assembled for the run, one after the other */
    size_t chunks_held;     /* how many of them the run holds */
    int fd;
    hs_dirty_log *log;
    write_run run;
} chunk_writer;

/* Write the run, if any, and start an empty one. 0, or -1 with errno. */
static int flush_run(chunk_writer *w)
{
    write_run *run = &w->run;
    if (run->n > 0) {
        if (hs_pwritev_exactly(w->fd, run->piece, run->n, run->start) != 0)
            return -1;
        hs_dirty_log_add(w->log, run->start, run->length);
    }
    run->n = 0;
    run->length = 0;
    w->chunks_held = 0;
    return 0;
}

/* Make room in the run for a chunk at address of `pieces` pieces: write it
 * first where the chunk does not follow it, or it is full. */
static int make_room(chunk_writer *w, unsigned long long address, int pieces)
{
    write_run *run = &w->run;
    int follows = run->n > 0 && run->start + run->length == address;
    if ((!follows || run->n + pieces > RUN_PIECES || w->chunks_held == RUN_CHUNKS) &&
        flush_run(w) != 0)
        return -1;
    if (run->n == 0)
        run->start = address;
    return 0;
}

static void add_piece(write_run *run, const void *data, size_t length)
{
    run->piece[run->n].iov_base = (void *)data;
    run->piece[run->n].iov_len = length;
    run->n++;
    run->length += length;
}

/* A whole chunk of the file's type: its rows as pieces, in slot order (zeros
 * for the slots of an edge chunk beyond the dataset's end). */
static int add_whole_chunk(chunk_writer *w, const network_place *places, size_t n,
                           hs_row_source *row, void *context)
{
    if (make_room(w, (unsigned long long)w->m->address[places[0].chunk], (int)w->slots) != 0)
        return -1;
    for (size_t s = 0, i = 0; s < w->slots; s++)
        if (i < n && places[i].slot == s)
            add_piece(&w->run, row(places[i++].k, context), w->file_row);
        else
            add_piece(&w->run, w->zeros, w->file_row);
    return 0;
}

/* Gather the rows of places[0, n), convert them, and put them in their slots
 * of chunk. */
static int convert_into(chunk_writer *w, const network_place *places, size_t n,
                        hs_row_source *row, void *context, unsigned char *chunk)
{
    for (size_t i = 0; i < n; i++)
        memcpy(w->rows + i * w->mem_row, row(places[i].k, context), w->mem_row);
    if (H5Tconvert(w->mem_type, w->m->file_type, n * w->values, w->rows, NULL,
                   H5P_DEFAULT) < 0) {
        errno = EIO; /* the conversion failed, not the file */
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(chunk + places[i].slot * w->file_row, w->rows + i * w->file_row, w->file_row);
    return 0;
}

/* Any other chunk, assembled in a buffer: from zeros where every slot inside
 * the dataset is written, else from its bytes in the file. */
static int add_assembled_chunk(chunk_writer *w, const network_place *places, size_t n,
                               hs_row_source *row, void *context)
{
    const mapped_dataset *m = w->m;
    unsigned long long address = (unsigned long long)m->address[places[0].chunk];
    if (make_room(w, address, 1) != 0)
        return -1;
    unsigned char *chunk = w->chunk + w->chunks_held * m->chunk_bytes;
    if (n == slots_inside(m, places[0].chunk))
        memset(chunk, 0, m->chunk_bytes);
    else if (hs_pread_exactly(w->fd, chunk, m->chunk_bytes, address) != 0)
        return -1;
    if (w->same_type) {
        for (size_t i = 0; i < n; i++)
            memcpy(chunk + places[i].slot * w->file_row, row(places[i].k, context),
                   w->file_row);
    } else if (convert_into(w, places, n, row, context, chunk) != 0) {
        return -1;
    }
    add_piece(&w->run, chunk, m->chunk_bytes);
    w->chunks_held++;
    return 0;
}

int hs_chunk_map_write(const hs_chunk_map *map, int slot, int fd, hid_t mem_type,
                       const hs_chunk_placement *placement, hs_row_source *row,
                       void *context, hs_dirty_log *log)
{
    if (!hs_chunk_placement_fits(placement, map, slot)) {
        errno = EINVAL;
        return -1;
    }
    const mapped_dataset *m = slot_of(map, slot);
    const network_place *places = placement->places;
    size_t count = placement->count;
    chunk_writer *w = hs_xcalloc(1, sizeof *w);
    w->m = m;
    w->mem_type = mem_type;
    w->values = m->inner ? (size_t)m->inner : 1;
    w->same_type = H5Tequal(mem_type, m->file_type) > 0;
    w->mem_row = w->values * H5Tget_size(mem_type);
    w->file_row = w->values * H5Tget_size(m->file_type);
    w->slots = m->chunk_bytes / w->file_row;
    w->zeros = hs_xcalloc(1, w->file_row);
    w->rows = hs_xmalloc(w->slots * (w->mem_row > w->file_row ? w->mem_row : w->file_row));
    w->chunk = hs_xmalloc(RUN_CHUNKS * m->chunk_bytes);
    w->fd = fd;
    w->log = log;
    int status = 0;
    for (size_t first = 0, end; status == 0 && first < count; first = end) {
        for (end = first + 1; end < count && places[end].chunk == places[first].chunk; end++)
            if (places[end].slot == places[end - 1].slot) { /* one network twice */
                errno = EINVAL;
                status = -1;
            }
        size_t n = end - first;
        int whole = n == slots_inside(m, places[first].chunk);
        if (status == 0)
            status = whole && w->same_type && w->slots <= RUN_PIECES
                         ? add_whole_chunk(w, places + first, n, row, context)
                         : add_assembled_chunk(w, places + first, n, row, context);
    }
    if (status == 0)
        status = flush_run(w);
    free(w->zeros);
    free(w->rows);
    free(w->chunk);
    free(w);
    return status;
}
