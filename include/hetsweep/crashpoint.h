/* crashpoint.h - deterministic fault injection for the crash-safety tests.
 *
 * With HETSWEEP_CRASH_AT=<name>:<k> in the environment, the k-th time (1-based)
 * this process passes the point <name>, it kills itself with SIGKILL. Points:
 * journal-torn (half a journal record written), checkpoint-write (results
 * written into <cube>.tmp, not yet closed), checkpoint-rename (tmp closed and
 * fsynced, not yet renamed), checkpoint-sum (renamed, checksum not yet
 * written), journal-reset (checkpoint complete, journal not yet truncated).
 * Unset, it costs one getenv per call.
 */
#ifndef HETSWEEP_CRASHPOINT_H
#define HETSWEEP_CRASHPOINT_H

void hs_crash_point(const char *name);

/* With HETSWEEP_FAIL_AT=<name>:<rank>, non-zero on that rank at point <name>:
 * the caller then fails as if the operation there had (the collective-error
 * tests: one rank fails, every rank must agree and exit). Point: cube-write
 * (this rank's part of a collective /results write). */
int hs_fail_point(const char *name, int rank);

#endif
