/* cli.h - the command line's option tables: git-style long options
 * (--output=X and --output X), short ones (-o X, -oX), "--" to end options,
 * per-command help and "did you mean" for unknown names.
 *
 * A command describes its options and positional arguments once; the parser
 * and the help text both come from that description, so the help never
 * forgets an option the parser knows.
 */
#ifndef HETSWEEP_CLI_H
#define HETSWEEP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define HS_CLI_MAX_OPTIONS 8

typedef struct {
    const char *long_name; /* "output", without the dashes */
    char short_name;       /* 'o', or 0 */
    const char *value;     /* "CUBE.h5" when the option takes a value, NULL for a flag */
    const char *help;      /* one or more lines, '\n'-separated */
} hs_cli_option;

typedef struct {
    const char *name;      /* "run" */
    const char *synopsis;  /* what follows "hetsweep " on the usage line */
    const char *about;     /* a paragraph: what the command does */
    const char *arguments; /* help lines of the positional arguments, or NULL */
    const char *notes;     /* text after the options (exit status, examples), or NULL */
    hs_cli_option options[HS_CLI_MAX_OPTIONS];
    int min_args, max_args; /* positional arguments; max_args -1: no limit */
} hs_cli_command;

typedef struct {
    const char *value[HS_CLI_MAX_OPTIONS]; /* NULL: not given; "" for a flag given */
    char **args;                           /* the positional arguments (points into argv) */
    int n_args;
    bool help;                             /* -h or --help was given */
} hs_cli_parsed;

/* Parse argv[first..argc) for cmd. On a mistake, prints one line naming it
 * (with "did you mean" where a name is close) to stderr and returns
 * HS_ERR_INPUT. out->args must hold argc entries. */
int hs_cli_parse(const hs_cli_command *cmd, int argc, char **argv, int first, hs_cli_parsed *out);

/* The value of cmd's option long_name in parsed (NULL when not given). */
const char *hs_cli_get(const hs_cli_command *cmd, const hs_cli_parsed *parsed,
                       const char *long_name);

/* Print cmd's full help: usage, what it does, arguments, every option. */
void hs_cli_print_help(const hs_cli_command *cmd, FILE *out);

/* Print "hetsweep: <command>: <message>" (and where to find help) to stderr;
 * returns HS_ERR_INPUT. Under mpirun only rank 0 prints. */
int hs_cli_refuse(const hs_cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The candidate in names[0..n) closest to word by edit distance, or NULL
 * when none is close enough to be a likely typo. */
const char *hs_cli_nearest(const char *word, const char *const *names, int n);

/* Edit (Levenshtein) distance of a and b. */
size_t hs_edit_distance(const char *a, const char *b);

/* Whether this process is a rank other than 0 of an MPI launch (read from
 * the launcher's environment, before MPI_Init). */
bool hs_cli_quiet_rank(void);

#endif
