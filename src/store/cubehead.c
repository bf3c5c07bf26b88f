/* cubehead.c - opening a cube read-only through the probe and the structural
 * check, and reading its root attributes and whole datasets. */
#include "hetsweep/cubehead.h"

#include <stdlib.h>
#include <string.h>

#include "hetsweep/h5attr.h"
#include "hetsweep/probe.h"

/* Root attributes; absent ones stay NULL (identity is required by the check). */
static void read_attributes(hs_cube_head *head)
{
    hid_t file = head->file;
    head->identity = hs_h5_string_attr(file, "identity");
    head->canonical = hs_h5_string_attr(file, "job_canonical");
    head->job_name = hs_h5_string_attr(file, "job_name");
    head->tool_version = hs_h5_string_attr(file, "tool_version");
    head->created = hs_h5_string_attr(file, "created");
    head->checkpointed = hs_h5_string_attr(file, "checkpointed");
    head->part = hs_h5_string_attr(file, "part");
    head->merged_from = hs_h5_string_attr(file, "merged_from");
    head->ranks_used = hs_h5_int_array_attr(file, "ranks_used", &head->n_ranks_used);
    head->run_accounting = hs_h5_string_attr(file, "run_accounting");
    int count = 0;
    int *batch = hs_h5_int_array_attr(file, "part_batch", &count);
    head->part_batch = count == 1 ? batch[0] : 0;
    free(batch);
}

int hs_cube_head_open(const char *path, enum hs_head_probe probe, hs_cube_head *head,
                      hs_error *err)
{
    memset(head, 0, sizeof *head);
    head->path = path;
    head->file = -1;
    int status = probe == HS_HEAD_PROBED ? HS_OK
                                         : hs_cube_probe(path, probe == HS_HEAD_STRICT, err);
    if (status != HS_OK)
        return status;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    head->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (head->file < 0)
        return hs_fail(err, HS_ERR_INPUT, "%s cannot be opened as HDF5; it was left as it is",
                       path);
    status = hs_cube_check(head->file, path, &head->shape, err);
    if (status != HS_OK) {
        hs_cube_head_close(head);
        return status;
    }
    for (int a = 0; a < HS_N_AXES; a++)
        head->grid.dims[a] = head->shape.axes[a];
    read_attributes(head);
    if (!head->identity) { /* the check requires it: only an unreadable one gets here */
        hs_cube_head_close(head);
        return hs_fail(err, HS_ERR_INPUT, "%s has no job identity: not a hetsweep cube", path);
    }
    return HS_OK;
}

void *hs_cube_head_read(const hs_cube_head *head, const char *dataset, hid_t mem_type,
                        size_t count)
{
    hid_t ds = H5Dopen2(head->file, dataset, H5P_DEFAULT);
    hid_t space = ds < 0 ? -1 : H5Dget_space(ds);
    void *values = NULL;
    if (space >= 0 && H5Sget_simple_extent_npoints(space) == (hssize_t)count) {
        values = hs_xmalloc(count ? count * H5Tget_size(mem_type) : 1);
        if (H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
            free(values);
            values = NULL;
        }
    }
    hs_h5_close_dataset(ds, -1, space);
    return values;
}

void hs_cube_head_close(hs_cube_head *head)
{
    if (head->file >= 0)
        H5Fclose(head->file);
    head->file = -1;
    char **texts[] = {&head->identity, &head->canonical,    &head->job_name,
                      &head->tool_version, &head->created,  &head->checkpointed,
                      &head->part,     &head->merged_from};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        free(*texts[i]);
        *texts[i] = NULL;
    }
    free(head->ranks_used);
    head->ranks_used = NULL;
    free(head->run_accounting);
    head->run_accounting = NULL;
    head->n_ranks_used = 0;
}
