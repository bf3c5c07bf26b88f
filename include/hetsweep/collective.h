/* collective.h - agreeing on an outcome across ranks. */
#ifndef HETSWEEP_COLLECTIVE_H
#define HETSWEEP_COLLECTIVE_H

#include <mpi.h>

/* The worst (largest) hs_status over every rank of comm. Collective: every
 * rank calls it at the same point, so all take the same branch after it. */
int hs_agree(MPI_Comm comm, int status);

#endif
