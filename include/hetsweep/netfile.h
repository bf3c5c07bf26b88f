/* netfile.h - /networks of a cube: writing them (output.store_networks,
 * collective) and reading them back (network.source: file, serial HDF5
 * reads). The group of a unit is /networks/<model>_n<N>_s<seed>; a read falls
 * back to the other model's group of the same (n, seed), since both models
 * share W, Win and tau.
 */
#ifndef HETSWEEP_NETFILE_H
#define HETSWEEP_NETFILE_H

#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/cube.h"
#include "hetsweep/error.h"
#include "hetsweep/network.h"

/* "<model>_n<N>_s<seed>" */
void hs_netfile_group_name(int model, int64_t n, int64_t seed, char *buf, size_t size);

int hs_netfile_read_network(const char *path, int model, int64_t n, int64_t seed,
                            hs_network *net, hs_error *err);

/* tau of (profile, heterogeneity, tau_mean) values, looked up on the source
 * cube's /axes. */
int hs_netfile_read_tau(const char *path, int model, int64_t n, int64_t seed, int profile,
                        double heterogeneity, double tau_mean, double *tau, hs_error *err);

/* Before any work: every unit and tau the job needs is in the file. Errors
 * name the file, the missing group or axis value, and the job key. */
int hs_netfile_check(const char *path, const hs_job *job, hs_error *err);

/* A unit's network and its time constants [profile, heterogeneity, tau_mean, N]
 * (NaN rows where infeasible; caller of fn frees *tau), made by the sweep
 * layer: storage never computes. Returns an hs_status. */
typedef struct {
    int (*fn)(void *arg, int unit, hs_network *net, double **tau, hs_error *err);
    void *arg;
} hs_unit_source;

/* With output.store_networks: write /networks/<unit> for the units this rank
 * owns (n_units: the plan's); groups already present are kept. Collective. */
int hs_netfile_write(hs_cube *cube, const hs_job *job, int n_units, const hs_unit_source *source,
                     const int *owned, int n_owned, hs_error *err);

#endif
