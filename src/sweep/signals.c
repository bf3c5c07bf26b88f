/* signals.c - the stop-signal handlers (see signals.h). Only
 * async-signal-safe calls in the handler: write, _exit. */
#include "hetsweep/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/error.h"

static volatile sig_atomic_t received;
static volatile sig_atomic_t in_flight = -1;
static volatile sig_atomic_t job_stopped; /* SIGTSTP came: the next SIGCONT is job control */
static volatile sig_atomic_t mpirun_ending; /* mpirun's own Ctrl-C handling has begun */

/* Append the decimal digits of value (>= 0) to buf at *len. */
static void append_int(char *buf, size_t *len, int value)
{
    char digits[16];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < (int)sizeof digits);
    while (n > 0)
        buf[(*len)++] = digits[--n];
}

static void append(char *buf, size_t *len, const char *text)
{
    size_t n = strlen(text);
    memcpy(buf + *len, text, n);
    *len += n;
}

static void say(const char *text)
{
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

static void announce_stop(int items)
{
    char buf[160];
    size_t len = 0;
    append(buf, &len, "\nhetsweep: stopping: finishing ");
    append_int(buf, &len, items);
    append(buf, &len, items == 1 ? " item" : " items");
    append(buf, &len, " in flight (Ctrl-C again to stop now)\n");
    buf[len] = '\0';
    say(buf);
}

static void on_stop_signal(int signo)
{
    (void)signo;
    if (received) {
        if (in_flight >= 0)
            say("\nhetsweep: second stop signal: abandoning work in flight; finished items are "
                "kept in the journals (exit 3, resumable)\n");
        _exit(HS_STOPPED);
    }
    received = 1;
    if (in_flight >= 0 && !mpirun_ending)
        announce_stop(in_flight);
}

/* Ctrl-Z: remember it, then stop as usual. */
static void on_terminal_stop(int signo)
{
    job_stopped = 1;
    signal(signo, SIG_DFL);
    raise(signo); /* delivered (and stops us) when this handler returns */
}

/* Open MPI's mpirun answers Ctrl-C itself: it sends its ranks SIGCONT at
 * once, SIGTERM a second later and SIGKILL a second after that, and exits 1.
 * A SIGCONT that does not end a Ctrl-Z is that: say so at once. */
static void on_continue(int signo)
{
    (void)signo;
    if (job_stopped) {
        job_stopped = 0;
        signal(SIGTSTP, on_terminal_stop);
        return;
    }
    if (received || mpirun_ending)
        return;
    mpirun_ending = 1;
    if (in_flight >= 0)
        say("\nhetsweep: mpirun is ending the run (Ctrl-C or a signal to mpirun, or a failed "
            "rank): it kills the ranks within 2 s and exits 1; finished items are kept in the "
            "journals and the next run takes them in. To stop cleanly with exit 3, start runs "
            "with `hetsweep run --ranks N`, or send mpirun SIGUSR1\n");
}

/* Under mpirun only: SIGCONT then tells mpirun's own Ctrl-C handling. */
static void install_mpirun_notice(void)
{
    if (!getenv("OMPI_COMM_WORLD_SIZE"))
        return;
    static const int stop[] = {SIGTSTP}, resume[] = {SIGCONT};
    hs_signals_handle(on_terminal_stop, stop, 1);
    hs_signals_handle(on_continue, resume, 1);
}

void hs_signals_handle(void (*handler)(int), const int *signals, int count)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int i = 0; i < count; i++)
        sigaction(signals[i], &action, NULL);
}

void hs_signals_install(void)
{
    install_mpirun_notice();
    static const int stops[] = {SIGTERM, SIGUSR1, SIGINT};
    hs_signals_handle(on_stop_signal, stops, 3);
}

int hs_signals_received(void)
{
    return received;
}

void hs_signals_announce(int items_in_flight)
{
    in_flight = items_in_flight;
}
