/* inspect.h - `hetsweep status`: what a cube holds and what is done, read
 * serially without MPI. */
#ifndef HETSWEEP_INSPECT_H
#define HETSWEEP_INSPECT_H

#include <stdbool.h>
#include <stdio.h>

#include "hetsweep/error.h"

int hs_cube_status(const char *path, bool json, FILE *out, hs_error *err);

#endif
