/* main.c - the command line: run, check, status, merge, bench, --version, --help. */
#include <errno.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/bench.h"
#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/inspect.h"
#include "hetsweep/merge.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/signals.h"
#include "hetsweep/sweep.h"
#include "hetsweep/tasks.h"
#include "hetsweep/validate.h"
#include "hetsweep_version.h"

static const char *usage =
    "usage:\n"
    "  hetsweep run JOB.yaml -o CUBE.h5 [--fresh] [--quiet] [--part K/M]\n"
    "  hetsweep check JOB.yaml [--print-job]\n"
    "  hetsweep status CUBE.h5 [--json]\n"
    "  hetsweep merge OUT.h5 PART.h5...   (join the cubes of run --part K/M)\n"
    "  hetsweep bench [--repeats K] [--job JOB.yaml]   (K in [1, 100], default 5;\n"
    "                  the whole-job table runs JOB.yaml, default the built-in W1x8)\n"
    "  hetsweep --version | --help\n"
    "exit status: 0 done, 1 runtime failure, 2 invalid input, 3 stopped by a signal\n";

static int bad_usage(const char *what)
{
    fprintf(stderr, "hetsweep: %s\n%s", what, usage);
    return HS_ERR_INPUT;
}

static int fail(const hs_error *err)
{
    fprintf(stderr, "hetsweep: %s\n", err->msg);
    return err->status;
}

static void print_plan(const hs_job *job)
{
    hs_tasks tasks;
    hs_tasks_make(&tasks, job);
    hs_windows windows;
    hs_windows_make(&windows, job, tasks.max_shift);
    hs_plan plan;
    hs_plan_make(&plan, job, tasks.n_tasks, windows.n_samples);
    long long networks = (long long)plan.n_units * plan.n_columns;
    double gflops = 10.0;
    char measured[4096] = "";
    int have_rate = hs_bench_measured_rate(&gflops, measured, sizeof measured);
    printf("job %s: valid\n", job->name);
    printf("  units (model x n x seed):   %d\n", plan.n_units);
    printf("  columns per unit:           %d\n", plan.n_columns);
    printf("  networks:                   %lld\n", networks);
    printf("  work items:                 %d (up to %d columns each)\n", plan.n_items, plan.batch);
    printf("  tasks:                      %zu\n", tasks.n_tasks);
    printf("  samples per network:        %zu (train %zu, validation %zu, test %zu after delays)\n",
           windows.n_samples, windows.segment[0].end - windows.segment[0].begin,
           windows.segment[1].end - windows.segment[1].begin,
           windows.segment[2].end - windows.segment[2].begin);
    printf("  memory per rank (estimate): %.1f MB of %g MB budget\n",
           plan.bytes_per_rank / (1024.0 * 1024.0), job->run.memory_budget_mb);
    printf("  FLOPs (estimate):           %.3g\n", plan.total_flops);
    if (have_rate)
        printf("  predicted time:             %.3g core-hours at %.3g GFLOP/s per core, as "
               "`hetsweep bench` measured here (%s)\n",
               plan.total_flops / (gflops * 1e9) / 3600.0, gflops, measured);
    else
        printf("  predicted time:             %.3g core-hours at an assumed %.0f GFLOP/s per "
               "core (run `hetsweep bench` once to measure this machine)\n",
               plan.total_flops / (gflops * 1e9) / 3600.0, gflops);
    hs_plan_free(&plan);
    hs_tasks_free(&tasks);
}

static int command_check(int argc, char **argv)
{
    const char *path = NULL;
    bool print_job = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--print-job") == 0)
            print_job = true;
        else if (argv[i][0] == '-' || path)
            return bad_usage("check: unexpected argument");
        else
            path = argv[i];
    }
    if (!path)
        return bad_usage("check: missing JOB.yaml");
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    int status = hs_job_load(path, &job, &err);
    if (status == HS_OK)
        status = hs_job_validate(&job, &err);
    if (status != HS_OK) {
        hs_job_free(&job);
        return fail(&err);
    }
    if (print_job)
        hs_job_print(&job, stdout);
    else
        print_plan(&job);
    hs_job_free(&job);
    return HS_OK;
}

static int command_status(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' || path)
            return bad_usage("status: unexpected argument");
        else
            path = argv[i];
    }
    if (!path)
        return bad_usage("status: missing CUBE.h5");
    hs_error err;
    hs_error_clear(&err);
    int status = hs_cube_status(path, json, stdout, &err);
    return status == HS_OK ? HS_OK : fail(&err);
}

/* hetsweep bench [--repeats K] [--job JOB.yaml]: timings only, no MPI. */
static int command_bench(int argc, char **argv)
{
    int repeats = 5;
    const char *job_path = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--job") == 0) {
            if (i + 1 >= argc)
                return bad_usage("bench: --job needs a job file (the whole-job table runs it)");
            job_path = argv[++i];
        } else if (strcmp(argv[i], "--repeats") == 0) {
            if (i + 1 >= argc)
                return bad_usage("bench: --repeats needs an integer in [1, 100]");
            const char *text = argv[++i];
            char *end = NULL;
            errno = 0;
            long value = strtol(text, &end, 10);
            if (errno != 0 || end == text || *end != '\0' || value < HS_BENCH_MIN_REPEATS ||
                value > HS_BENCH_MAX_REPEATS)
                return bad_usage("bench: --repeats takes an integer in [1, 100]");
            repeats = (int)value;
        } else {
            return bad_usage("bench: unexpected argument");
        }
    }
    if (job_path) { /* refuse a bad job before minutes of the other tables */
        hs_job job;
        hs_error err;
        hs_error_clear(&err);
        int status = hs_job_load(job_path, &job, &err);
        if (status == HS_OK)
            status = hs_job_validate(&job, &err);
        hs_job_free(&job);
        if (status != HS_OK)
            return fail(&err);
    }
    return hs_bench_run(stdout, repeats, job_path);
}

/* "K/M": two decimal integers, M >= 1, 0 <= K < M. */
static int parse_part(const char *text, hs_sweep_options *opt)
{
    char *end = NULL;
    errno = 0;
    long k = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '/' || text[0] < '0' || text[0] > '9')
        return bad_usage("run: --part takes K/M, two integers with 0 <= K < M (e.g. --part 0/3)");
    const char *m_text = end + 1;
    long m = strtol(m_text, &end, 10);
    if (errno != 0 || end == m_text || *end != '\0' || m_text[0] < '0' || m_text[0] > '9' ||
        m < 1 || m > 1000000 || k >= m)
        return bad_usage("run: --part takes K/M, two integers with 0 <= K < M <= 1000000 (e.g. "
                         "--part 0/3)");
    opt->part_index = (int)k;
    opt->part_count = (int)m;
    return HS_OK;
}

static int parse_run(int argc, char **argv, hs_sweep_options *opt)
{
    memset(opt, 0, sizeof *opt);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--part") == 0) {
            if (i + 1 >= argc)
                return bad_usage("run: --part needs K/M (e.g. --part 0/3)");
            if (parse_part(argv[++i], opt) != HS_OK)
                return HS_ERR_INPUT;
        } else if (strcmp(argv[i], "--fresh") == 0)
            opt->fresh = true;
        else if (strcmp(argv[i], "--quiet") == 0)
            opt->quiet = true;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            opt->cube_path = argv[++i];
        else if (argv[i][0] == '-' || opt->job_path)
            return bad_usage("run: unexpected argument");
        else
            opt->job_path = argv[i];
    }
    if (!opt->job_path || !opt->cube_path)
        return bad_usage("run: need JOB.yaml and -o CUBE.h5");
    return HS_OK;
}

/* hetsweep merge OUT.h5 PART.h5...: serial, no MPI. */
static int command_merge(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-')
            return bad_usage("merge: unexpected option");
    if (argc < 4)
        return bad_usage("merge: need OUT.h5 and at least one PART.h5");
    hs_error err;
    hs_error_clear(&err);
    int status = hs_merge(argv[2], argv + 3, argc - 3, stdout, &err);
    if (status != HS_OK && err.msg[0])
        fprintf(stderr, "hetsweep: %s\n", err.msg);
    return status;
}

static int command_run(int argc, char **argv)
{
    hs_sweep_options opt;
    int status = parse_run(argc, argv, &opt);
    if (status != HS_OK)
        return status;
    hs_signals_install(); /* before MPI_Init: a stop signal during start-up is not lost */
    MPI_Init(&argc, &argv);
    status = hs_sweep_run(&opt, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return bad_usage("missing command");
    const char *command = argv[1];
    if (strcmp(command, "--version") == 0) {
        printf("hetsweep %s (%s)\n", HS_VERSION, HS_GIT_REVISION);
        return HS_OK;
    }
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        printf("hetsweep %s: sweeps of heterogeneous reservoir networks\n%s", HS_VERSION, usage);
        return HS_OK;
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc, argv);
    if (strcmp(command, "check") == 0)
        return command_check(argc, argv);
    if (strcmp(command, "status") == 0)
        return command_status(argc, argv);
    if (strcmp(command, "merge") == 0)
        return command_merge(argc, argv);
    if (strcmp(command, "probe") == 0 && argc == 3) /* internal: see probe.h */
        return hs_cube_probe_child(argv[2]);
    if (strcmp(command, "bench") == 0)
        return command_bench(argc, argv);
    return bad_usage("unknown command");
}
