/* launch.h - `hetsweep run --ranks N`: hetsweep starts mpirun itself.
 *
 * Open MPI 4.1's mpirun handles Ctrl-C on its own: it ends the ranks
 * (SIGCONT, SIGTERM after odls_base_sigkill_timeout, then SIGKILL) and exits
 * 1, whatever the ranks return. With --ranks, hetsweep stays in the
 * terminal's foreground, validates the job first (a mistake is one line, exit
 * 2, no mpirun started), runs mpirun in a process group of its own, and turns
 * each Ctrl-C, SIGTERM or SIGHUP it receives into SIGUSR1, which mpirun forwards to
 * every rank at once: the first stops the sweep cleanly (exit 3, resumable),
 * a second stops it at once (exit 3, journals kept).
 */
#ifndef HETSWEEP_LAUNCH_H
#define HETSWEEP_LAUNCH_H

/* Run "hetsweep run" with the arguments argv[2..argc) minus --ranks under
 * mpirun with n_ranks ranks; returns the exit status to use. */
int hs_launch_run(int n_ranks, const char *job_path, int argc, char **argv);

#endif
