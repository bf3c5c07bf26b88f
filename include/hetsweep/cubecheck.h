/* cubecheck.h - structural validation of a cube before any of its values is
 * used (by run's resume, status and merge).
 *
 * A cube that passed the probe (probe.h) is readable HDF5, but nothing says
 * its objects are the ones hetsweep wrote. hs_cube_check() checks every root
 * attribute's type, every dataset's type and shape against /axes and /tasks,
 * that no dataset declares more bytes than the file holds, and the values
 * that index or count (layout_version, /results/status codes, /results/done
 * flags). A failure is HS_ERR_INPUT naming the object and what was expected.
 */
#ifndef HETSWEEP_CUBECHECK_H
#define HETSWEEP_CUBECHECK_H

#include <hdf5.h>
#include <stddef.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/plan.h"

/* What a checked cube holds. */
typedef struct {
    int layout_version;
    hsize_t axes[HS_N_AXES]; /* the length of each /axes/<name> */
    hsize_t n_tasks;         /* the length of /tasks/k */
    hsize_t n_samples;       /* rows of /stimulus/u */
    size_t networks, units;  /* product of the axes; of model, n and seed */
} hs_cube_shape;

/* Check the open cube at path (file opened read-only); fill *shape. */
int hs_cube_check(hid_t file, const char *path, hs_cube_shape *shape, hs_error *err);

/* A checked cube against the job and plan that would resume it: the same
 * axis lengths, task count and stimulus length. */
int hs_cube_check_job(const hs_cube_shape *shape, const char *path, const hs_job *job,
                      const hs_plan *plan, hs_error *err);

#endif
