/* chunkmap.h - where every chunk of a cube's per-network datasets lies, and
 * writes of networks straight to those chunks, without HDF5.
 *
 * Even H5Dwrite_chunk costs about 0.2 ms a dataset (open, chunk lookup, index
 * update, close): for 21 per-network datasets more than the pwrite of a
 * checkpoint's 9 MB. A chunk map keeps, for each dataset, where every chunk
 * lies in the file, so that the networks of a checkpoint are written with
 * pread and pwrite alone, each chunk once.
 * The addresses stay valid for as long as the file lives, and in every byte
 * copy of it: a cube's chunks are all allocated when it is created, have a
 * fixed size and no filter, so HDF5 never moves them.
 *
 * HDF5 1.10 has no cheap way to ask where every chunk is (each lookup of one
 * chunk walks the whole chunk index), so the map is made while the chunks are
 * allocated: each H5Dwrite_chunk of a new chunk makes one raw write of the
 * chunk's size at its address, which the logging driver records
 * (dirtyvfd.h), and hs_write_whole_chunks_noted notes (chunkwrite.h). A
 * dataset is mapped only when every chunk was placed and HDF5 agrees on two
 * of them. */
#ifndef HETSWEEP_CHUNKMAP_H
#define HETSWEEP_CHUNKMAP_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/dirtyvfd.h"

/* The values of the network at `index` (inner values of the caller's memory
 * type, contiguous). */
typedef const void *hs_row_source(size_t index, void *context);

typedef struct hs_chunk_map hs_chunk_map;

/* A map with `slots` datasets, none mapped yet. */
hs_chunk_map *hs_chunk_map_new(int slots);

/* Get slot ready for the dataset [axes...] or [axes..., inner]: 1, 0 if it
 * cannot be mapped (not chunked, filtered, another inner extent), -1 if HDF5
 * failed. */
int hs_chunk_map_prepare(hs_chunk_map *map, int slot, hid_t ds, hsize_t inner);

/* The chunk at origin (its first network's position) of slot was just
 * written with H5Dwrite_chunk, which made the raw writes
 * log->raw[before, log->n_raw): note its address (chunkwrite.h calls this). */
void hs_chunk_map_note(hs_chunk_map *map, int slot, const hsize_t *origin,
                       const hs_dirty_log *log, size_t before);

/* Map slot if every chunk was placed and HDF5 finds the first and the last
 * where the map has them: 1 if mapped, else 0 (the slot is then empty). */
int hs_chunk_map_complete(hs_chunk_map *map, int slot, hid_t ds);

/* Whether the dataset at slot is mapped. */
int hs_chunk_map_has(const hs_chunk_map *map, int slot);

/* Where `count` distinct networks, given by their positions in the grid (an
 * index along each axis), go in the chunks of the mapped dataset at slot, and
 * of every dataset of the same extents and chunk shape (placing them is a
 * sizeable part of a write: make it once for those). NULL with errno EINVAL
 * if the slot is not mapped or a network lies outside the dataset. */
typedef struct hs_chunk_placement hs_chunk_placement;
hs_chunk_placement *hs_chunk_map_place(const hs_chunk_map *map, int slot,
                                       const uint64_t (*pos)[HS_N_AXES], size_t count);

/* Whether the placement holds for the mapped dataset at slot. */
int hs_chunk_placement_fits(const hs_chunk_placement *p, const hs_chunk_map *map, int slot);

void hs_chunk_placement_free(hs_chunk_placement *p);

/* Write the placed networks into the mapped dataset at slot, on fd (the file
 * the map was made of, or a byte copy of it, open for reading and writing).
 * Network k's values are row(k, context), of mem_type, converted to the
 * dataset's type. Each chunk is written once, whole: one whose networks are
 * all written starts from zeros, any other from its bytes in the file; each
 * run of adjacent chunks is one pwritev, appended to log. 0, or -1 with errno
 * (EINVAL: the placement does not fit the slot, or a network comes twice). */
int hs_chunk_map_write(const hs_chunk_map *map, int slot, int fd, hid_t mem_type,
                       const hs_chunk_placement *placement, hs_row_source *row,
                       void *context, hs_dirty_log *log);

void hs_chunk_map_free(hs_chunk_map *map);

#endif
