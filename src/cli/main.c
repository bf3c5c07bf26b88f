/* main.c - the command line: run, check, status, merge, bench, help,
 * --version, --help. Each command's options and help text live in one table
 * (cli.h); `run --ranks N` starts mpirun itself (launch.h). */
#include <errno.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hetsweep/bench.h"
#include "hetsweep/cli.h"
#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/fpenv.h"
#include "hetsweep/inspect.h"
#include "hetsweep/launch.h"
#include "hetsweep/mpistart.h"
#include "hetsweep/merge.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/signals.h"
#include "hetsweep/sweep.h"
#include "hetsweep/tasks.h"
#include "hetsweep/validate.h"
#include "hetsweep_version.h"

#define EXIT_STATUS_NOTE                                                                       \
    "exit status: 0 done, 1 runtime failure (I/O, MPI; nothing done is lost),\n"               \
    "             2 invalid input (nothing written),\n"                                       \
    "             3 stopped by a signal (resumable: run the same command again)\n"

static const hs_cli_command run_command = {
    "run", "run JOB.yaml -o CUBE.h5 [--fresh] [--quiet] [--part K/M] [--extend OLD.h5] [--ranks N]",
    "Compute the sweep that JOB.yaml describes and write its results cube. Start\n"
    "it under `mpirun -np N` (any N) or give --ranks N; without either it runs as\n"
    "one rank.\n"
    "An existing cube of the same job at CUBE.h5 is resumed: only what is missing is\n"
    "computed. Ctrl-C (or SIGUSR1/SIGTERM) stops handing out work, finishes the items\n"
    "in flight, writes a checkpoint and exits 3; a second one stops at once (finished\n"
    "items stay in the journals). See docs/guarantees.md.",
    "  JOB.yaml                the job file (docs/job-reference.md lists every key)\n",
    EXIT_STATUS_NOTE "\nexamples:\n"
                     "  hetsweep run jobs/demo.yaml -o demo.h5\n"
                     "  hetsweep run jobs/demo.yaml -o demo.h5 --ranks 2\n"
                     "  mpirun -np 4 hetsweep run jobs/fig2.yaml --output=fig2.h5\n"
                     "  hetsweep run more-seeds.yaml -o big.h5 --extend small.h5\n",
    {{"output", 'o', "CUBE.h5",
      "the results cube to write, or to resume if it\n"
      "exists; its folder must exist (required)"},
     {"fresh", 0, NULL,
      "start over: remove the cube at CUBE.h5, its\n"
      "checksum and journals (only ever a hetsweep\n"
      "cube: anything else there is refused)"},
     {"quiet", 0, NULL, "no progress and no summary (errors still show)"},
     {"part", 0, "K/M",
      "compute only part K of M (0 <= K < M): the work\n"
      "items at positions K, K+M, K+2M, ... of the cost\n"
      "order, for job arrays; join the parts' cubes\n"
      "with hetsweep merge"},
     {"extend", 0, "OLD.h5",
      "grow a finished sweep: take OLD.h5's networks\n"
      "into CUBE.h5 and compute only the new ones;\n"
      "JOB.yaml must equal OLD.h5's job but for values\n"
      "added on sweep axes (not with --part)"},
     {"ranks", 'n', "N",
      "start mpirun with N ranks (N in [1, 4096]) so\n"
      "that Ctrl-C stops cleanly with exit 3;\n"
      "HETSWEEP_MPIRUN names another launcher"}},
    1, 1};

static const hs_cli_command check_command = {
    "check", "check JOB.yaml [--print-job]",
    "Validate a job file without computing (no MPI) and print the plan: units,\n"
    "columns, networks, work items, tasks, samples per window, memory per rank,\n"
    "FLOPs and predicted core-hours. Every mistake is named with file:line and key.",
    "  JOB.yaml                the job file (docs/job-reference.md lists every key)\n",
    "exit status: 0 valid, 2 invalid (the message names file, line, key and what\n"
    "             would be valid)\n",
    {{"print-job", 0, NULL,
      "print the job with every default filled in\n"
      "instead of the plan (itself a valid job file)"}},
    1, 1};

static const hs_cli_command status_command = {
    "status", "status CUBE.h5... [--json]",
    "Describe results cubes without MPI: provenance, completion per axis value,\n"
    "how many units and networks are done, and how many finished networks the\n"
    "journals hold for the next run to take in.",
    "  CUBE.h5...              one or more cubes written by hetsweep run or merge\n",
    "exit status: 0 every cube read, 2 one was not a readable hetsweep cube (the\n"
    "others are still described)\n",
    {{"json", 0, NULL, "print the same facts as one JSON object per cube (a JSON\n"
                       "array of them for several cubes)"}},
    1, -1};

static const hs_cli_command merge_command = {
    "merge", "merge OUT.h5 PART.h5...",
    "Join the cubes of one job's `run --part K/M` runs into one cube (no MPI).\n"
    "Parts of another job are refused; networks missing from every part, or present\n"
    "in two, are named. A later `run` of OUT.h5 computes only what is missing.",
    "  OUT.h5                  the merged cube to write (must not exist)\n"
    "  PART.h5...              one or more part cubes of the same job\n",
    "exit status: 0 merged, 1 I/O failure, 2 parts refused (nothing written)\n", {{0}}, 2, -1};

static const hs_cli_command bench_command = {
    "bench", "bench [--repeats K] [--job JOB.yaml] [--checkpoint JOB.yaml]",
    "Time the kernels of one rank on this machine (no MPI) and print the figures:\n"
    "what a network of each size costs, to size a sweep; then a whole job in one\n"
    "process with 1 and all threads, against a DGEMM roof measured in the same run.\n"
    "Never changes any result.",
    NULL, "exit status: 0, 2 for a bad option or job\n",
    {{"repeats", 0, "K", "repetitions per measurement, K in [1, 100]\n"
                            "(default 5)"},
     {"job", 0, "JOB.yaml", "the job of the whole-job table (default: the built-in\n"
                            "W1x8, 8 rate networks of N = 500; its 1-thread rate is\n"
                            "cached for check's predicted times)"},
     {"checkpoint", 0, "JOB.yaml", "time only one checkpoint of JOB's cube with 1% of\n"
                                   "its networks new, incremental against a full copy\n"
                                   "(synthetic results, cube in $TMPDIR, e.g.\n"
                                   "bench/jobs/ckpt100k.yaml)"}}, 0, 0};

static const hs_cli_command help_command = {
    "help", "help [COMMAND]", "Print the usage of hetsweep, or of one command.",
    "  COMMAND                 run, check, status, merge or bench\n", NULL, {{0}}, 0, 1};

static const hs_cli_command *const commands[] = {&run_command,   &check_command, &status_command,
                                                 &merge_command, &bench_command, &help_command};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_overview(FILE *out)
{
    fprintf(out, "hetsweep %s: sweeps of heterogeneous reservoir networks\n\nusage:\n", HS_VERSION);
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  hetsweep %s\n", commands[i]->synopsis);
    fprintf(out, "  hetsweep --version | --help\n\n"
                 "`hetsweep COMMAND --help` (or `hetsweep help COMMAND`) explains every option.\n"
                 "Documentation: README.md and docs/ beside the source.\n\n" EXIT_STATUS_NOTE);
}

static const hs_cli_command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    static const char *const options[] = {"help", "version"};
    const char *names[N_COMMANDS];
    for (int i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i]->name;
    if (name[0] == '-') {
        const char *nearest = hs_cli_nearest(name + strspn(name, "-"), options, 2);
        if (nearest)
            return hs_cli_refuse(NULL, "unknown option '%s' (did you mean '--%s'?)", name, nearest);
        return hs_cli_refuse(NULL, "unknown option '%s'", name);
    }
    const char *nearest = hs_cli_nearest(name, names, N_COMMANDS);
    if (nearest)
        return hs_cli_refuse(NULL, "unknown command '%s' (did you mean '%s'?)", name, nearest);
    return hs_cli_refuse(NULL, "unknown command '%s'", name);
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
    printf("  networks:                   %lld", networks);
    if (plan.n_copies > 0)
        printf(" (%lld copies: cv = 0 computed once for every profile)", hs_plan_networks_copied(&plan));
    printf("\n");
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

static int command_check(const hs_cli_parsed *p)
{
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    int status = hs_job_load(p->args[0], &job, &err);
    if (status == HS_OK)
        status = hs_job_validate(&job, &err);
    if (status != HS_OK) {
        hs_job_free(&job);
        return fail(&err);
    }
    if (hs_cli_get(&check_command, p, "print-job"))
        hs_job_print(&job, stdout);
    else
        print_plan(&job);
    hs_job_free(&job);
    return HS_OK;
}

/* One or more cubes: each described in turn (a header line before each, or a
 * JSON array, when there are several); a cube that cannot be read is named
 * on stderr and the others still described. */
static int command_status(const hs_cli_parsed *p)
{
    bool json = hs_cli_get(&status_command, p, "json") != NULL;
    bool several = p->n_args > 1;
    int worst = HS_OK, described = 0;
    if (json && several)
        printf("[");
    for (int i = 0; i < p->n_args; i++) {
        if (several && !json)
            printf("%s== %s\n", i ? "\n" : "", p->args[i]);
        if (json && several && described)
            printf(", ");
        hs_error err;
        hs_error_clear(&err);
        int status = hs_cube_status(p->args[i], json, stdout, &err);
        if (status != HS_OK) {
            fail(&err);
            worst = worst > status ? worst : status;
        } else
            described++;
    }
    if (json && several)
        printf("]\n");
    return worst;
}

/* A decimal integer in [min, max], all of text. */
static bool parse_int(const char *text, long min, long max, long *value)
{
    char *end = NULL;
    errno = 0;
    *value = strtol(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && text[0] != ' ' && *value >= min &&
           *value <= max;
}

/* A job given to bench is refused before minutes of the other tables. */
static int check_bench_job(const char *job_path)
{
    hs_error err;
    hs_error_clear(&err);
    return hs_job_check_file(job_path, &err) == HS_OK ? HS_OK : fail(&err);
}

/* hetsweep bench [--repeats K] [--job JOB.yaml]: timings only, no MPI. */
static int command_bench(const hs_cli_parsed *p)
{
    long repeats = 5;
    const char *text = hs_cli_get(&bench_command, p, "repeats");
    if (text && !parse_int(text, HS_BENCH_MIN_REPEATS, HS_BENCH_MAX_REPEATS, &repeats))
        return hs_cli_refuse(&bench_command, "--repeats takes an integer in [%d, %d], not '%s'",
                             HS_BENCH_MIN_REPEATS, HS_BENCH_MAX_REPEATS, text);
    const char *job_path = hs_cli_get(&bench_command, p, "job");
    const char *checkpoint_job = hs_cli_get(&bench_command, p, "checkpoint");
    if (job_path && checkpoint_job)
        return hs_cli_refuse(&bench_command, "--job and --checkpoint time different things: "
                             "give one of them");
    if (checkpoint_job) {
        int status = check_bench_job(checkpoint_job);
        if (status != HS_OK)
            return status;
        hs_error err;
        hs_error_clear(&err);
        status = hs_bench_checkpoint(stdout, checkpoint_job, (int)repeats, &err);
        return status == HS_OK ? HS_OK : fail(&err);
    }
    int status = job_path ? check_bench_job(job_path) : HS_OK;
    return status == HS_OK ? hs_bench_run(stdout, (int)repeats, job_path) : status;
}

/* "K/M": two decimal integers, 0 <= K < M <= 1000000. */
static int parse_part(const char *text, hs_sweep_options *opt)
{
    const char *slash = strchr(text, '/');
    char k_text[32];
    long k = -1, m = 0;
    if (slash && (size_t)(slash - text) < sizeof k_text) {
        snprintf(k_text, sizeof k_text, "%.*s", (int)(slash - text), text);
        if (!parse_int(k_text, 0, 999999, &k) || !parse_int(slash + 1, 1, 1000000, &m))
            k = -1;
    }
    if (k < 0 || k >= m || !(text[0] >= '0' && text[0] <= '9') ||
        !(slash[1] >= '0' && slash[1] <= '9'))
        return hs_cli_refuse(&run_command,
                             "--part takes K/M, two integers with 0 <= K < M <= 1000000 "
                             "(e.g. --part 0/3), not '%s'",
                             text);
    opt->part_index = (int)k;
    opt->part_count = (int)m;
    return HS_OK;
}

/* --extend OLD.h5: an existing file other than the output, and a whole sweep. */
static int check_extend(const hs_sweep_options *opt)
{
    struct stat old, out;
    if (!opt->extend_from[0] || stat(opt->extend_from, &old) != 0)
        return hs_cli_refuse(&run_command, "--extend %s: no such file (the finished cube to grow)",
                             opt->extend_from);
    if (stat(opt->cube_path, &out) == 0 && old.st_dev == out.st_dev && old.st_ino == out.st_ino)
        return hs_cli_refuse(&run_command,
                             "--extend %s names the output cube itself; the grown sweep goes to "
                             "a new file (-o NEW.h5), and %s is left as it is",
                             opt->extend_from, opt->extend_from);
    if (opt->part_count > 0)
        return hs_cli_refuse(&run_command,
                             "--extend and --part together: extend the whole sweep, then split "
                             "the grown job with --part if you need parts");
    return HS_OK;
}

static int parse_run(const hs_cli_parsed *p, hs_sweep_options *opt, long *ranks)
{
    memset(opt, 0, sizeof *opt);
    opt->job_path = p->args[0];
    opt->cube_path = hs_cli_get(&run_command, p, "output");
    opt->fresh = hs_cli_get(&run_command, p, "fresh") != NULL;
    opt->quiet = hs_cli_get(&run_command, p, "quiet") != NULL;
    const char *part = hs_cli_get(&run_command, p, "part");
    if (part && parse_part(part, opt) != HS_OK)
        return HS_ERR_INPUT;
    const char *ranks_text = hs_cli_get(&run_command, p, "ranks");
    *ranks = 0;
    if (ranks_text && !parse_int(ranks_text, 1, 4096, ranks))
        return hs_cli_refuse(&run_command, "--ranks takes an integer in [1, 4096], not '%s'",
                             ranks_text);
    if (!opt->cube_path || !opt->cube_path[0])
        return hs_cli_refuse(&run_command,
                             "missing -o CUBE.h5 (--output=CUBE.h5): where to write the results");
    opt->extend_from = hs_cli_get(&run_command, p, "extend");
    if (opt->extend_from)
        return check_extend(opt);
    return HS_OK;
}

static int command_run(const hs_cli_parsed *p, int argc, char **argv)
{
    hs_sweep_options opt;
    long ranks = 0;
    int status = parse_run(p, &opt, &ranks);
    if (status != HS_OK)
        return status;
    if (ranks > 0)
        return hs_launch_run((int)ranks, opt.job_path, argc, argv);
    hs_signals_install(); /* before MPI_Init: a stop signal during start-up is not lost */
    opt.mpi_layer = hs_mpi_choose_pml(); /* before MPI_Init, which reads it */
    int threads_provided; /* the scheduler's server thread needs MPI_THREAD_MULTIPLE */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &threads_provided);
    status = hs_sweep_run(&opt, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}

/* hetsweep merge OUT.h5 PART.h5...: serial, no MPI. */
static int command_merge(const hs_cli_parsed *p)
{
    hs_error err;
    hs_error_clear(&err);
    int status = hs_merge(p->args[0], p->args + 1, p->n_args - 1, stdout, &err);
    if (status != HS_OK && err.msg[0])
        fprintf(stderr, "hetsweep: %s\n", err.msg);
    return status;
}

static int command_help(const hs_cli_parsed *p)
{
    if (p->n_args == 0) {
        print_overview(stdout);
        return HS_OK;
    }
    const hs_cli_command *cmd = find_command(p->args[0]);
    if (!cmd)
        return unknown_command(p->args[0]);
    hs_cli_print_help(cmd, stdout);
    return HS_OK;
}

static int dispatch(const hs_cli_command *cmd, const hs_cli_parsed *p, int argc, char **argv)
{
    if (cmd == &run_command)
        return command_run(p, argc, argv);
    if (cmd == &check_command)
        return command_check(p);
    if (cmd == &status_command)
        return command_status(p);
    if (cmd == &merge_command)
        return command_merge(p);
    if (cmd == &bench_command)
        return command_bench(p);
    return command_help(p);
}

int main(int argc, char **argv)
{
    hs_fp_flush_subnormals(); /* first: every thread started later inherits it */
    if (argc < 2) {
        if (!hs_cli_quiet_rank())
            print_overview(stderr);
        return HS_ERR_INPUT;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0) {
        printf("hetsweep %s (%s)\n", HS_VERSION, HS_GIT_REVISION);
        return HS_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_overview(stdout);
        return HS_OK;
    }
    if (strcmp(name, "probe") == 0 && argc == 3) /* internal: see probe.h */
        return hs_cube_probe_child(argv[2]);
    const hs_cli_command *cmd = find_command(name);
    if (!cmd)
        return unknown_command(name);
    hs_cli_parsed parsed;
    parsed.args = hs_xmalloc((size_t)argc * sizeof *parsed.args);
    int status = hs_cli_parse(cmd, argc, argv, 2, &parsed);
    if (status == HS_OK && parsed.help)
        hs_cli_print_help(cmd, stdout);
    else if (status == HS_OK)
        status = dispatch(cmd, &parsed, argc, argv);
    free(parsed.args);
    return status;
}
