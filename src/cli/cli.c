/* cli.c - option parsing, help text and "did you mean" for the command line
 * (see cli.h). Only main.c uses it; nothing here starts MPI. */
#include "hetsweep/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/error.h"

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment: insertions, deletions, substitutions and
 * transpositions of neighbours ("rnu" is one step from "run"). */
size_t hs_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), w = lb + 1;
    size_t *d = hs_xmalloc((la + 1) * w * sizeof *d);
    for (size_t i = 0; i <= la; i++)
        d[i * w] = i;
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = min3(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                               d[(i - 1) * w + j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[(i - 2) * w + j - 2] + 1 < best)
                best = d[(i - 2) * w + j - 2] + 1;
            d[i * w + j] = best;
        }
    size_t distance = d[la * w + lb];
    free(d);
    return distance;
}

const char *hs_cli_nearest(const char *word, const char *const *names, int n)
{
    const char *nearest = NULL;
    size_t best = (size_t)-1;
    for (int i = 0; i < n; i++) {
        size_t d = hs_edit_distance(word, names[i]);
        if (d < best) {
            best = d;
            nearest = names[i];
        }
    }
    if (!nearest)
        return NULL;
    size_t close_enough = (strlen(nearest) + 2) / 3;
    bool prefix = strlen(word) >= 2 && strncmp(word, nearest, strlen(word)) == 0;
    return best <= close_enough || prefix ? nearest : NULL;
}

bool hs_cli_quiet_rank(void)
{
    static const char *const names[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *rank = getenv(names[i]);
        if (rank)
            return strcmp(rank, "0") != 0;
    }
    return false;
}

int hs_cli_refuse(const hs_cli_command *cmd, const char *fmt, ...)
{
    if (hs_cli_quiet_rank())
        return HS_ERR_INPUT;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "hetsweep %s: %s\nusage: hetsweep %s\n(hetsweep %s --help explains every "
                        "option)\n",
                cmd->name, message, cmd->synopsis, cmd->name);
    else
        fprintf(stderr, "hetsweep: %s\n(hetsweep --help lists the commands)\n", message);
    return HS_ERR_INPUT;
}

static int n_options(const hs_cli_command *cmd)
{
    int n = 0;
    while (n < HS_CLI_MAX_OPTIONS && cmd->options[n].long_name)
        n++;
    return n;
}

/* The closest long option to name (without dashes), "help" included. */
static const char *nearest_option(const hs_cli_command *cmd, const char *name)
{
    const char *names[HS_CLI_MAX_OPTIONS + 1];
    int n = n_options(cmd);
    for (int i = 0; i < n; i++)
        names[i] = cmd->options[i].long_name;
    names[n] = "help";
    return hs_cli_nearest(name, names, n + 1);
}

static int unknown_option(const hs_cli_command *cmd, const char *arg, const char *name)
{
    const char *nearest = nearest_option(cmd, name);
    if (nearest)
        return hs_cli_refuse(cmd, "unknown option '%s' (did you mean '--%s'?)", arg, nearest);
    return hs_cli_refuse(cmd, "unknown option '%s'", arg);
}

static int find_long(const hs_cli_command *cmd, const char *name, size_t length)
{
    for (int i = 0; i < n_options(cmd); i++)
        if (strlen(cmd->options[i].long_name) == length &&
            strncmp(cmd->options[i].long_name, name, length) == 0)
            return i;
    return -1;
}

static int find_short(const hs_cli_command *cmd, char c)
{
    for (int i = 0; i < n_options(cmd); i++)
        if (cmd->options[i].short_name && cmd->options[i].short_name == c)
            return i;
    return -1;
}

static int store(const hs_cli_command *cmd, hs_cli_parsed *out, int index, const char *value)
{
    const hs_cli_option *opt = &cmd->options[index];
    if (out->value[index])
        return hs_cli_refuse(cmd, "option '--%s' is given twice", opt->long_name);
    out->value[index] = value;
    return HS_OK;
}

/* "--name", "--name=value" or "--name value". */
static int parse_long(const hs_cli_command *cmd, int argc, char **argv, int *i,
                      hs_cli_parsed *out)
{
    const char *arg = argv[*i], *name = arg + 2, *equals = strchr(name, '=');
    size_t length = equals ? (size_t)(equals - name) : strlen(name);
    int index = find_long(cmd, name, length);
    if (index < 0) {
        char bare[256];
        snprintf(bare, sizeof bare, "%.*s", (int)length, name);
        return unknown_option(cmd, arg, bare);
    }
    const hs_cli_option *opt = &cmd->options[index];
    if (!opt->value) {
        if (equals)
            return hs_cli_refuse(cmd, "option '--%s' takes no value (got '%s')", opt->long_name,
                                 arg);
        return store(cmd, out, index, "");
    }
    if (equals)
        return store(cmd, out, index, equals + 1);
    if (*i + 1 >= argc)
        return hs_cli_refuse(cmd, "option '--%s' needs a value: --%s %s", opt->long_name,
                             opt->long_name, opt->value);
    return store(cmd, out, index, argv[++*i]);
}

/* "-o value" or "-ovalue"; flags one at a time. */
static int parse_short(const hs_cli_command *cmd, int argc, char **argv, int *i,
                       hs_cli_parsed *out)
{
    const char *arg = argv[*i];
    int index = find_short(cmd, arg[1]);
    if (index < 0)
        return unknown_option(cmd, arg, arg + 1);
    const hs_cli_option *opt = &cmd->options[index];
    if (!opt->value) {
        if (arg[2])
            return unknown_option(cmd, arg, arg + 1);
        return store(cmd, out, index, "");
    }
    if (arg[2])
        return store(cmd, out, index, arg + 2);
    if (*i + 1 >= argc)
        return hs_cli_refuse(cmd, "option '-%c' needs a value: -%c %s", opt->short_name,
                             opt->short_name, opt->value);
    return store(cmd, out, index, argv[++*i]);
}

static bool is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int hs_cli_parse(const hs_cli_command *cmd, int argc, char **argv, int first, hs_cli_parsed *out)
{
    memset(out->value, 0, sizeof out->value);
    out->n_args = 0;
    out->help = false;
    for (int i = first; i < argc; i++) /* --help wins over any mistake */
        if (strcmp(argv[i], "--") == 0)
            break;
        else if (is_help(argv[i]))
            out->help = true;
    if (out->help)
        return HS_OK;
    bool only_args = false;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        int status = HS_OK;
        if (!only_args && strcmp(arg, "--") == 0)
            only_args = true;
        else if (!only_args && arg[0] == '-' && arg[1] == '-')
            status = parse_long(cmd, argc, argv, &i, out);
        else if (!only_args && arg[0] == '-' && arg[1] != '\0')
            status = parse_short(cmd, argc, argv, &i, out);
        else if (cmd->max_args >= 0 && out->n_args >= cmd->max_args)
            status = hs_cli_refuse(cmd, "unexpected argument '%s'", arg);
        else
            out->args[out->n_args++] = argv[i];
        if (status != HS_OK)
            return status;
    }
    if (out->n_args < cmd->min_args)
        return hs_cli_refuse(cmd, "missing arguments");
    return HS_OK;
}

const char *hs_cli_get(const hs_cli_command *cmd, const hs_cli_parsed *parsed,
                       const char *long_name)
{
    int index = find_long(cmd, long_name, strlen(long_name));
    return index < 0 ? NULL : parsed->value[index];
}

/* Print text with every line indented by indent spaces after the first. */
static void print_wrapped(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%*s", indent, "");
    }
    fputc('\n', out);
}

static void print_option(const hs_cli_option *opt, FILE *out)
{
    char head[96];
    if (opt->short_name)
        snprintf(head, sizeof head, "-%c, --%s%s%s", opt->short_name, opt->long_name,
                 opt->value ? " " : "", opt->value ? opt->value : "");
    else
        snprintf(head, sizeof head, "    --%s%s%s", opt->long_name, opt->value ? " " : "",
                 opt->value ? opt->value : "");
    if (strlen(head) > 22)
        fprintf(out, "  %s\n%26s", head, "");
    else
        fprintf(out, "  %-22s  ", head);
    print_wrapped(out, opt->help, 26);
}

void hs_cli_print_help(const hs_cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: hetsweep %s\n\n%s\n", cmd->synopsis, cmd->about);
    if (cmd->arguments)
        fprintf(out, "\narguments:\n%s", cmd->arguments);
    fprintf(out, "\noptions:\n");
    for (int i = 0; i < n_options(cmd); i++)
        print_option(&cmd->options[i], out);
    fprintf(out, "  %-22s  %s\n", "-h, --help", "print this help and exit 0");
    if (cmd->notes)
        fprintf(out, "\n%s", cmd->notes);
}
