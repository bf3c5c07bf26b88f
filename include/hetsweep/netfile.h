/* netfile.h - reading networks stored by output.store_networks from a cube
 * (network.source: file). Serial HDF5 reads; the group of a unit is
 * /networks/<model>_n<N>_s<seed>, falling back to the other model's group of
 * the same (n, seed), since both models share W, Win and tau (SPEC 2).
 */
#ifndef HETSWEEP_NETFILE_H
#define HETSWEEP_NETFILE_H

#include <stdint.h>

#include "hetsweep/config.h"
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

#endif
