/* netfile.c - /networks of a results cube: serial reads of stored networks
 * (network.source: file) and their collective writes (output.store_networks). */
#include "hetsweep/netfile.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/collective.h"
#include "hetsweep/plan.h"

void hs_netfile_group_name(int model, int64_t n, int64_t seed, char *buf, size_t size)
{
    snprintf(buf, size, "%s_n%lld_s%lld", hs_model_name(model), (long long)n, (long long)seed);
}

static hid_t open_file(const char *path, hs_error *err)
{
    H5E_auto2_t func;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, func, data);
    if (file < 0)
        hs_fail(err, HS_ERR_INPUT, "network.source_file: cannot open '%s' as an HDF5 cube", path);
    return file;
}

/* Open the unit's group, trying the other model's name second. */
static hid_t open_group(hid_t file, const char *path, int model, int64_t n, int64_t seed,
                        hs_error *err)
{
    char name[128], full[160];
    for (int attempt = 0; attempt < 2; attempt++) {
        int m = attempt == 0 ? model : 1 - model;
        hs_netfile_group_name(m, n, seed, name, sizeof name);
        snprintf(full, sizeof full, "/networks/%s", name);
        if (H5Lexists(file, "/networks", H5P_DEFAULT) > 0 &&
            H5Lexists(file, full, H5P_DEFAULT) > 0)
            return H5Gopen2(file, full, H5P_DEFAULT);
    }
    hs_netfile_group_name(model, n, seed, name, sizeof name);
    hs_fail(err, HS_ERR_INPUT,
            "network.source_file: '%s' has no /networks/%s (run the source job with "
            "output.store_networks: true and the same n and seeds)",
            path, name);
    return -1;
}

/* Read a whole 1-D or 2-D dataset of the expected element count. */
static int read_all(hid_t group, const char *name, hid_t type, size_t expect, void *buf,
                    const char *path, hs_error *err)
{
    hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
    if (ds < 0)
        return hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': missing dataset %s", path,
                       name);
    hid_t space = H5Dget_space(ds);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    int status = HS_OK;
    if (count < 0 || (size_t)count != expect)
        status = hs_fail(err, HS_ERR_INPUT,
                         "network.source_file: '%s': dataset %s has %lld values, expected %zu",
                         path, name, (long long)count, expect);
    else if (H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        status = hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': cannot read %s", path,
                         name);
    H5Sclose(space);
    H5Dclose(ds);
    return status;
}

static size_t dataset_size(hid_t group, const char *name)
{
    hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
    if (ds < 0)
        return 0;
    hid_t space = H5Dget_space(ds);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    H5Dclose(ds);
    return count > 0 ? (size_t)count : 0;
}

/* A unit's group in a source cube, open with HDF5's error printing off (the
 * messages here name what is missing). */
typedef struct {
    hid_t file, group;
    H5E_auto2_t func;
    void *data;
} unit_group;

static int open_unit(const char *path, int model, int64_t n, int64_t seed, unit_group *u,
                     hs_error *err)
{
    H5Eget_auto2(H5E_DEFAULT, &u->func, &u->data);
    u->group = -1;
    u->file = open_file(path, err);
    if (u->file < 0)
        return HS_ERR_INPUT;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    u->group = open_group(u->file, path, model, n, seed, err);
    return u->group >= 0 ? HS_OK : HS_ERR_INPUT;
}

static void close_unit(unit_group *u)
{
    if (u->file < 0)
        return;
    if (u->group >= 0)
        H5Gclose(u->group);
    H5Fclose(u->file);
    H5Eset_auto2(H5E_DEFAULT, u->func, u->data);
}

int hs_netfile_read_network(const char *path, int model, int64_t n, int64_t seed,
                            hs_network *net, hs_error *err)
{
    unit_group u;
    int status = open_unit(path, model, n, seed, &u, err);
    if (status == HS_OK) {
        hid_t group = u.group;
        size_t N = (size_t)n, nnz = dataset_size(group, "W_data");
        int64_t *indptr = hs_xcalloc(N + 1, sizeof(int64_t));
        int32_t *indices = hs_xcalloc(nnz, sizeof(int32_t));
        double *values = hs_alloc_doubles(nnz), *win = hs_alloc_doubles(3 * N);
        status = read_all(group, "W_indptr", H5T_NATIVE_INT64, N + 1, indptr, path, err);
        if (status == HS_OK)
            status = read_all(group, "W_indices", H5T_NATIVE_INT32, nnz, indices, path, err);
        if (status == HS_OK)
            status = read_all(group, "W_data", H5T_NATIVE_DOUBLE, nnz, values, path, err);
        if (status == HS_OK)
            status = read_all(group, "Win", H5T_NATIVE_DOUBLE, 3 * N, win, path, err);
        if (status == HS_OK && (size_t)indptr[N] != nnz)
            status = hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': W_indptr[N] != nnz",
                             path);
        if (status == HS_OK)
            status = hs_network_adopt(net, N, indptr, indices, values, win, path, err);
        else {
            free(indptr);
            free(indices);
            free(values);
            free(win);
        }
    }
    close_unit(&u);
    return status;
}

/* Index of value on a source axis /axes/<name>, or -1. Profile axes hold
 * names; the others numbers. */
static int axis_index(hid_t file, int axis, double value)
{
    char path[64];
    snprintf(path, sizeof path, "/axes/%s", hs_axis_name(axis));
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t space = H5Dget_space(ds);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    int found = -1;
    if (axis == HS_AX_PROFILE) {
        hid_t type = H5Dget_type(ds);
        size_t width = H5Tget_size(type);
        char *names = hs_xcalloc((size_t)count, width + 1);
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, width);
        if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0)
            for (hssize_t i = 0; i < count && found < 0; i++)
                if (strncmp(names + i * width, hs_profile_name((int)value), width) == 0)
                    found = (int)i;
        H5Tclose(mem);
        H5Tclose(type);
        free(names);
    } else {
        double *values = hs_alloc_doubles((size_t)count);
        if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0)
            for (hssize_t i = 0; i < count && found < 0; i++)
                if (values[i] == value)
                    found = (int)i;
        free(values);
    }
    H5Sclose(space);
    H5Dclose(ds);
    return found;
}

static int read_tau_row(hid_t file, hid_t group, const char *path, int profile, double cv,
                        double mean, size_t n, double *tau, hs_error *err)
{
    int ip = axis_index(file, HS_AX_PROFILE, profile);
    int ih = axis_index(file, HS_AX_HETEROGENEITY, cv);
    int im = axis_index(file, HS_AX_TAU_MEAN, mean);
    if (ip < 0 || ih < 0 || im < 0)
        return hs_fail(err, HS_ERR_INPUT,
                       "network.source_file: '%s' has no tau for profile %s, heterogeneity %g, "
                       "tau_mean_ms %g (its /axes must contain the job's values)",
                       path, hs_profile_name(profile), cv, mean);
    hid_t ds = H5Dopen2(group, "tau", H5P_DEFAULT);
    if (ds < 0)
        return hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': missing dataset tau", path);
    hid_t space = H5Dget_space(ds);
    hsize_t dims[4] = {0}, start[4] = {(hsize_t)ip, (hsize_t)ih, (hsize_t)im, 0},
            count[4] = {1, 1, 1, n};
    int status = HS_OK;
    if (H5Sget_simple_extent_ndims(space) != 4 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
        dims[3] != n || dims[0] <= (hsize_t)ip || dims[1] <= (hsize_t)ih || dims[2] <= (hsize_t)im)
        status = hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': tau has the wrong shape",
                         path);
    if (status == HS_OK) {
        hid_t mem = H5Screate_simple(1, &count[3], NULL);
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
        if (H5Dread(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, tau) < 0)
            status = hs_fail(err, HS_ERR_INPUT, "network.source_file: '%s': cannot read tau",
                             path);
        H5Sclose(mem);
    }
    for (size_t i = 0; status == HS_OK && i < n; i++)
        if (!(tau[i] > 0) || !isfinite(tau[i]))
            status = hs_fail(err, HS_ERR_INPUT,
                             "network.source_file: '%s': tau for profile %s, heterogeneity %g is "
                             "not stored (the source network failed)",
                             path, hs_profile_name(profile), cv);
    H5Sclose(space);
    H5Dclose(ds);
    return status;
}

int hs_netfile_read_tau(const char *path, int model, int64_t n, int64_t seed, int profile,
                        double heterogeneity, double tau_mean, double *tau, hs_error *err)
{
    unit_group u;
    int status = open_unit(path, model, n, seed, &u, err);
    if (status == HS_OK)
        status = read_tau_row(u.file, u.group, path, profile, heterogeneity, tau_mean,
                              (size_t)n, tau, err);
    close_unit(&u);
    return status;
}

int hs_netfile_check(const char *path, const hs_job *job, hs_error *err)
{
    int n_units = job->axes[HS_AX_MODEL].count * job->axes[HS_AX_N].count *
                  job->axes[HS_AX_SEED].count;
    for (int unit = 0; unit < n_units; unit++) {
        int idx[HS_UNIT_AXES];
        hs_plan_unit_axes(job, unit, idx);
        int model = (int)job->axes[HS_AX_MODEL].values[idx[0]];
        int64_t n = (int64_t)job->axes[HS_AX_N].values[idx[1]];
        int64_t seed = (int64_t)job->axes[HS_AX_SEED].values[idx[2]];
        hs_network net = {0};
        int status = hs_netfile_read_network(path, model, n, seed, &net, err);
        hs_network_free(&net);
        if (status != HS_OK)
            return status;
        double *tau = hs_alloc_doubles((size_t)n);
        for (int p = 0; status == HS_OK && p < job->axes[HS_AX_PROFILE].count; p++)
            for (int h = 0; status == HS_OK && h < job->axes[HS_AX_HETEROGENEITY].count; h++)
                for (int m = 0; status == HS_OK && m < job->axes[HS_AX_TAU_MEAN].count; m++)
                    status = hs_netfile_read_tau(path, model, n, seed,
                                                 (int)job->axes[HS_AX_PROFILE].values[p],
                                                 job->axes[HS_AX_HETEROGENEITY].values[h],
                                                 job->axes[HS_AX_TAU_MEAN].values[m], tau, err);
        free(tau);
        if (status != HS_OK)
            return status;
    }
    return HS_OK;
}

/* ---- writing /networks (output.store_networks) --------------------------------- */

typedef struct {
    hs_network net;
    double *tau;
} stored_unit;

/* Every rank learns the nnz of every owned unit (-1 for units not owned). */
static int64_t *gather_nnz(hs_cube *cube, int n_units, const stored_unit *units,
                           const int *owned, int n_owned)
{
    int64_t *nnz = hs_xmalloc((size_t)n_units * sizeof(int64_t));
    for (int u = 0; u < n_units; u++)
        nnz[u] = -1;
    for (int k = 0; k < n_owned; k++)
        nnz[owned[k]] = (int64_t)units[k].net.nnz;
    MPI_Allreduce(MPI_IN_PLACE, nnz, n_units, MPI_INT64_T, MPI_MAX, hs_cube_comm(cube));
    return nnz;
}

/* /networks/<unit>: W (CSR), Win and tau [profile, heterogeneity, tau_mean, N],
 * written by the unit's owner (mine NULL elsewhere). */
static herr_t write_unit(hs_cube *cube, const hs_job *job, int unit, int64_t nnz,
                         const stored_unit *mine)
{
    int idx[HS_UNIT_AXES];
    hs_plan_unit_axes(job, unit, idx);
    int model = (int)job->axes[HS_AX_MODEL].values[idx[0]];
    int64_t n = (int64_t)job->axes[HS_AX_N].values[idx[1]];
    int64_t seed = (int64_t)job->axes[HS_AX_SEED].values[idx[2]];
    char name[128];
    snprintf(name, sizeof name, "/networks/");
    hs_netfile_group_name(model, n, seed, name + strlen(name), sizeof name - strlen(name));
    if (hs_cube_has(cube, name))
        return 0; /* stored at an earlier checkpoint */
    hid_t group = hs_cube_new_group(cube, name);
    if (group < 0)
        return -1;
    const hs_network *net = mine ? &mine->net : NULL;
    int is_mine = mine != NULL;
    hsize_t indptr_dim = (hsize_t)n + 1, nnz_dim = (hsize_t)nnz, win_dims[2] = {(hsize_t)n, 3};
    hsize_t tau_dims[4] = {(hsize_t)job->axes[HS_AX_PROFILE].count,
                           (hsize_t)job->axes[HS_AX_HETEROGENEITY].count,
                           (hsize_t)job->axes[HS_AX_TAU_MEAN].count, (hsize_t)n};
    herr_t rc = hs_cube_dataset_from_one(cube, group, "W_indptr", H5T_STD_I64LE,
                                         H5T_NATIVE_INT64, 1, &indptr_dim, is_mine,
                                         net ? net->indptr : NULL);
    if (rc >= 0)
        rc = hs_cube_dataset_from_one(cube, group, "W_indices", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                      1, &nnz_dim, is_mine, net ? net->indices : NULL);
    if (rc >= 0)
        rc = hs_cube_dataset_from_one(cube, group, "W_data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                      1, &nnz_dim, is_mine, net ? net->data : NULL);
    if (rc >= 0)
        rc = hs_cube_dataset_from_one(cube, group, "Win", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2,
                                      win_dims, is_mine, net ? net->win : NULL);
    if (rc >= 0)
        rc = hs_cube_dataset_from_one(cube, group, "tau", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 4,
                                      tau_dims, is_mine, mine ? mine->tau : NULL);
    H5Gclose(group);
    return rc;
}

int hs_netfile_write(hs_cube *cube, const hs_job *job, int n_units, const hs_unit_source *source,
                     const int *owned, int n_owned, hs_error *err)
{
    stored_unit *units = hs_xcalloc((size_t)(n_owned ? n_owned : 1), sizeof(stored_unit));
    int status = HS_OK;
    for (int k = 0; k < n_owned && status == HS_OK; k++)
        status = source->fn(source->arg, owned[k], &units[k].net, &units[k].tau, err);
    status = hs_agree(hs_cube_comm(cube), status);
    if (status == HS_OK) {
        int64_t *nnz = gather_nnz(cube, n_units, units, owned, n_owned);
        herr_t rc = 0;
        for (int u = 0; u < n_units && rc >= 0; u++) {
            if (nnz[u] < 0)
                continue; /* nobody stores this unit at this checkpoint */
            const stored_unit *mine = NULL;
            for (int k = 0; k < n_owned; k++)
                if (owned[k] == u)
                    mine = &units[k];
            rc = write_unit(cube, job, u, nnz[u], mine);
        }
        free(nnz);
        status = hs_cube_h5_status(cube, rc, "write /networks", err);
    }
    for (int k = 0; k < n_owned; k++) {
        hs_network_free(&units[k].net);
        free(units[k].tau);
    }
    free(units);
    return hs_agree(hs_cube_comm(cube), status);
}
