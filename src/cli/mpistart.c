/* mpistart.c - Open MPI's messaging layer for runs on one node.
 *
 * Open MPI 4 picks its point-to-point layer (pml) at MPI_Init by opening
 * every one it has: UCX and the cm layer's fabric libraries probe for
 * network devices, which took 0.22 s of each rank's start on a 2-core
 * machine (and 0.3 s for a run without mpirun), against 0.02 s for ob1,
 * whose shared-memory transport is what ranks on one node use anyway. So a
 * run whose ranks are all on this node asks for ob1, unless the user chose
 * a layer (OMPI_MCA_pml); a run across nodes keeps Open MPI's own choice.
 * Every rank decides from the same variables, so all agree. */
#include "hetsweep/mpistart.h"

#include <stdlib.h>
#include <string.h>

/* 1 when every rank of this run is on this node, as far as mpirun says. */
static int ranks_on_one_node(void)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!size) /* not started by Open MPI's mpirun: alone, unless a PMIx launcher (srun) */
        return getenv("PMIX_RANK") == NULL;
    return local && strcmp(size, local) == 0;
}

const char *hs_mpi_choose_pml(void)
{
    const char *chosen = getenv("OMPI_MCA_pml");
    if (chosen && chosen[0])
        return "MPI messaging layer as OMPI_MCA_pml says";
    if (!ranks_on_one_node())
        return "MPI messaging layer of Open MPI's choice (ranks on several nodes)";
    setenv("OMPI_MCA_pml", "ob1", 1);
    return "MPI shared memory (pml ob1: every rank on this node)";
}
