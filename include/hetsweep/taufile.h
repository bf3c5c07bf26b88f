/* taufile.h - reading network.tau_file, the values of the "file" profile
 * (storage layer: the model layer draws from values it is handed).
 */
#ifndef HETSWEEP_TAUFILE_H
#define HETSWEEP_TAUFILE_H

#include <stddef.h>

#include "hetsweep/error.h"

/* Read an empirical profile: a text file with one value (ms) per line (blank
 * lines and lines starting with '#' ignored) or "path.h5:/dataset" (a 1-D
 * float64 dataset). Caller frees *values. Errors name the file and line. */
int hs_tau_read_file(const char *spec, double **values, size_t *count, hs_error *err);

#endif
