/* collective.c - the worst status over all ranks. */
#include "hetsweep/collective.h"

int hs_agree(MPI_Comm comm, int status)
{
    MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, comm);
    return status;
}
