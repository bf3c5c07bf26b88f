/* mpistart.h - Open MPI settings chosen before MPI_Init (mpistart.c). */
#ifndef HETSWEEP_MPISTART_H
#define HETSWEEP_MPISTART_H

/* Before MPI_Init: where every rank of the run is on this node (a run
 * without mpirun, or mpirun's OMPI_COMM_WORLD_LOCAL_SIZE equal to
 * OMPI_COMM_WORLD_SIZE) and OMPI_MCA_pml is not set, set it to "ob1"
 * (shared memory between the ranks). Returns a phrase for the run's first
 * line saying which messaging layer the run uses and why. */
const char *hs_mpi_choose_pml(void);

#endif
