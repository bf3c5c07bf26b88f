/* crashpoint.h - the crash and failure points now live in testhooks.h with the
 * other test hooks; this header is kept for the files that still include it
 * (checkpoint.c, cube.c, journal.c, sweep.c) and can go once they include
 * testhooks.h instead. */
#ifndef HETSWEEP_CRASHPOINT_H
#define HETSWEEP_CRASHPOINT_H

#include "hetsweep/testhooks.h"

#endif
