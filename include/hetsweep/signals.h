/* signals.h - stop signals (SPEC 2): SIGUSR1, SIGTERM and SIGINT.
 *
 * The first signal only sets a flag: the sweep stops handing out work,
 * finishes the items in flight, checkpoints and exits 3. A second signal
 * abandons everything at once with _exit(3): finished items are safe in the
 * journals, the cube at its path is always a complete checkpoint.
 */
#ifndef HETSWEEP_SIGNALS_H
#define HETSWEEP_SIGNALS_H

void hs_signals_install(void);

/* How many stop signals arrived (0, 1; a second one never returns). */
int hs_signals_received(void);

#endif
