/* signals.h - stop signals (docs/guarantees.md): SIGUSR1, SIGTERM and SIGINT.
 *
 * The first signal only sets a flag: the sweep stops handing out work,
 * finishes the items in flight, checkpoints and exits 3. A second signal
 * abandons everything at once with _exit(3): finished items are safe in the
 * journals, the cube at its path is always a complete checkpoint.
 *
 * The rank that announces (rank 0 of a run) writes "stopping: finishing N
 * items in flight" from the handler itself, so the message appears the moment
 * the signal arrives, not when the current time chunk ends.
 */
#ifndef HETSWEEP_SIGNALS_H
#define HETSWEEP_SIGNALS_H

void hs_signals_install(void);

/* Install handler (SA_RESTART, nothing masked) for each of signals[0..count). */
void hs_signals_handle(void (*handler)(int), const int *signals, int count);

/* How many stop signals arrived (0, 1; a second one never returns). */
int hs_signals_received(void);

/* This process announces stops: items_in_flight is what a stop would
 * finish now (call again whenever it changes). -1: stay silent (default). */
void hs_signals_announce(int items_in_flight);

#endif
