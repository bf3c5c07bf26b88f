/* signals.c - the stop-signal handlers. */
#include "hetsweep/signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/error.h"

static volatile sig_atomic_t received;

static void on_stop_signal(int signo)
{
    (void)signo;
    if (received) {
        static const char msg[] = "hetsweep: second stop signal: abandoning work in flight\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(HS_STOPPED);
    }
    received = 1;
}

void hs_signals_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

int hs_signals_received(void)
{
    return received;
}
