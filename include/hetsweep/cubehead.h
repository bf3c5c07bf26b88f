/* cubehead.h - one reader of a closed cube's header facts, for everything
 * that reads a cube serially: `status`, `merge`, and run's resume and --part
 * check.
 *
 * hs_cube_head_open() opens the file read-only only when it is safe to (the
 * crash-safe probe of probe.h), checks its structure (cubecheck.h) and reads
 * its root attributes into one struct: layout version, identity, canonical
 * job, part, dimensions and provenance. hs_cube_head_read() reads a whole
 * dataset of it (/results/status, ...). hs_cube_head_close() closes the file
 * and frees it all. Nothing is ever written to the cube.
 */
#ifndef HETSWEEP_CUBEHEAD_H
#define HETSWEEP_CUBEHEAD_H

#include <hdf5.h>
#include <stddef.h>

#include "hetsweep/cubecheck.h"
#include "hetsweep/error.h"
#include "hetsweep/plan.h"

/* How far the file is trusted before it is opened. */
enum hs_head_probe {
    HS_HEAD_STRICT,  /* probe, and refuse a cube that does not match its checksum (run, merge) */
    HS_HEAD_LENIENT, /* probe, and accept such a cube (status) */
    HS_HEAD_PROBED   /* the caller has just probed it */
};

typedef struct {
    const char *path;
    hid_t file;          /* open read-only; -1 when closed */
    hs_cube_shape shape; /* layout_version, axis lengths, tasks, samples, networks, units */
    hs_grid grid;        /* the axis lengths, for the network index (plan.h) */
    char *identity;      /* SHA-256 hex of the canonical science job (never NULL when open) */
    char *canonical;     /* `job_canonical`; NULL when absent */
    char *job_name, *tool_version, *created, *checkpointed; /* NULL when absent */
    char *part;          /* "K/M" for a cube of run --part K/M; NULL for the whole sweep */
    int part_batch;      /* with part: columns per work item; 0 when absent */
    char *merged_from;   /* the parts `merge` joined; NULL when not merged */
    int *ranks_used;     /* the rank count of each run; NULL when absent */
    char *run_accounting; /* one line per finished or stopped run (where its rank time
                             went); NULL when absent */
    int n_ranks_used;
} hs_cube_head;

/* Open and check the cube at path and read its header. On failure (HS_ERR_INPUT
 * with a message naming the path, or HS_ERR_RUNTIME if the probe could not be
 * started) nothing is left open. */
int hs_cube_head_open(const char *path, enum hs_head_probe probe, hs_cube_head *head,
                      hs_error *err);

/* A whole dataset of the cube (e.g. "/results/status") as count values of
 * mem_type, malloc'd; NULL if it is missing, holds another number of values,
 * or cannot be read. */
void *hs_cube_head_read(const hs_cube_head *head, const char *dataset, hid_t mem_type,
                        size_t count);

/* Close the file and free every field; safe to call twice, and on a head
 * whose open failed. */
void hs_cube_head_close(hs_cube_head *head);

#endif
