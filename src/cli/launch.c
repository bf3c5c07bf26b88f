/* launch.c - `hetsweep run --ranks N` (see launch.h): validate, start mpirun
 * in its own process group, forward stop signals as SIGUSR1, return the
 * sweep's exit status. */
#include "hetsweep/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/signals.h"
#include "hetsweep/validate.h"

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t stops;

static void forward_stop(int signo)
{
    (void)signo;
    stops++;
    if (child_pid > 0)
        kill((pid_t)child_pid, SIGUSR1); /* mpirun forwards SIGUSR1 to every rank at once */
}

static void install_forwarding(void)
{
    /* SIGHUP: the terminal closed; stop cleanly too */
    static const int stops[] = {SIGINT, SIGTERM, SIGUSR1, SIGHUP};
    hs_signals_handle(forward_stop, stops, 4);
}

/* The job is checked here, so that a mistake never starts mpirun. */
static int validate_job(const char *job_path)
{
    hs_error err;
    hs_error_clear(&err);
    int status = hs_job_check_file(job_path, &err);
    if (status != HS_OK)
        fprintf(stderr, "hetsweep: %s\n", err.msg);
    return status;
}

/* mpirun --quiet -np N <this binary> run <argv[2..] without --ranks/-n>. */
static char **mpirun_argv(int n_ranks, int argc, char **argv, char *self, char *ranks_text)
{
    char **out = hs_xcalloc((size_t)argc + 8, sizeof *out);
    int k = 0;
    const char *launcher = getenv("HETSWEEP_MPIRUN");
    out[k++] = (char *)(launcher && launcher[0] ? launcher : "mpirun");
    out[k++] = "--quiet"; /* hetsweep's own one-line messages say what went wrong */
    out[k++] = "-np";
    snprintf(ranks_text, 16, "%d", n_ranks);
    out[k++] = ranks_text;
    out[k++] = self;
    out[k++] = "run";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                out[k++] = argv[i++];
            break;
        }
        if (strcmp(a, "--ranks") == 0 || strcmp(a, "-n") == 0)
            i++; /* and its value */
        else if (strncmp(a, "--ranks=", 8) != 0 && !(strncmp(a, "-n", 2) == 0 && a[2]))
            out[k++] = argv[i];
    }
    return out;
}

static void exec_child(char **args)
{
    setpgid(0, 0); /* the terminal's Ctrl-C reaches hetsweep, not mpirun */
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO); /* a background group must not read the terminal */
        close(null_fd);
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    execvp(args[0], args);
    char msg[512];
    int n = snprintf(msg, sizeof msg, "hetsweep: cannot start %s: %s (install Open MPI, or set "
                                      "HETSWEEP_MPIRUN)\n", args[0], strerror(errno));
    ssize_t ignored = write(STDERR_FILENO, msg, (size_t)n);
    (void)ignored;
    _exit(127);
}

/* The sweep's status from mpirun's: 0-3 are hetsweep's own. */
static int sweep_status(int wstatus, const char *launcher)
{
    if (WIFEXITED(wstatus)) {
        int code = WEXITSTATUS(wstatus);
        if (code == 127)
            return HS_ERR_RUNTIME;
        if (code <= HS_STOPPED)
            return code;
        fprintf(stderr, "hetsweep: %s ended with status %d (a rank failed); rerun with %s "
                        "directly to see its report\n", launcher, code, launcher);
        return HS_ERR_RUNTIME;
    }
    fprintf(stderr, "hetsweep: %s was killed by signal %d\n", launcher, WTERMSIG(wstatus));
    return stops > 0 ? HS_STOPPED : HS_ERR_RUNTIME;
}

int hs_launch_run(int n_ranks, const char *job_path, int argc, char **argv)
{
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK")) {
        fprintf(stderr, "hetsweep run: --ranks starts mpirun itself; under mpirun leave it out\n");
        return HS_ERR_INPUT;
    }
    int status = validate_job(job_path);
    if (status != HS_OK)
        return status;
    char self[4096], ranks_text[16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        snprintf(self, sizeof self, "%s", argv[0]);
    else
        self[n] = '\0';
    char **args = mpirun_argv(n_ranks, argc, argv, self, ranks_text);
    if (!getenv("HETSWEEP_PROGRESS_BAR")) /* the ranks' stderr is a pipe to mpirun */
        setenv("HETSWEEP_PROGRESS_BAR", isatty(STDERR_FILENO) ? "1" : "0", 1);
    install_forwarding();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "hetsweep: cannot start %s: %s\n", args[0], strerror(errno));
        free(args);
        return HS_ERR_RUNTIME;
    }
    if (pid == 0)
        exec_child(args);
    setpgid(pid, pid);
    child_pid = pid;
    if (stops > 0)
        kill(pid, SIGUSR1); /* a Ctrl-C that came before the fork */
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    status = sweep_status(wstatus, args[0]);
    free(args);
    return status;
}
