/* test_config.c - Check tests of the job file (config.h, SPEC 5): defaults,
 * a job with every key, the print/parse round trip, the canonical science
 * configuration, and one test per kind of refusal (each checks the status,
 * the file name, the line and the key path of the message). */
#include "hetsweep/config.h"
#include "hetsweep/numerics.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_NAME "job.yaml"

static const char FULL_JOB[] =
    "name: full\n"
    "seed: 4294967295\n"
    "stimulus:\n"
    "  system: lorenz\n"
    "  time_scale_ms: 40\n"
    "time:\n"
    "  dt_ms: 0.5\n"
    "  washout_ms: 100\n"
    "  train_ms: 1000\n"
    "  validation_ms: 0\n"
    "  test_ms: 800\n"
    "network:\n"
    "  connectivity: 0.2\n"
    "  weights: dale\n"
    "  excitatory_fraction: 0.75\n"
    "  mu_e: 0.3\n"
    "  sigma_0: 0\n"
    "  activation: sigmoid\n"
    "  tau_min_ms: 2.0\n"
    "  tau_file: \"taus.h5:/tau\"\n"
    "  source: file\n"
    "  source_file: nets.h5\n"
    "lif:\n"
    "  dt_ms: 0.125\n"
    "  refractory_ms: 0\n"
    "  tau_syn_ms: 4\n"
    "  tau_readout_ms: 10\n"
    "  bias: -0.25\n"
    "  target_rate_hz: 12.5\n"
    "tasks:\n"
    "  components: [3, 1]\n"
    "  degrees: [2, 20]\n"
    "  delay_range: [-1.5, 0.5]\n"
    "  delay_count: 7\n"
    "readout:\n"
    "  lambdas: {min: 1.0e-3, max: 1.0e-3, count: 1}\n"
    "  selection: fixed\n"
    "  precision: mixed\n"
    "sweep:\n"
    "  model: [lif, rate]\n"
    "  profile: [gamma, normal, uniform, file]\n"
    "  heterogeneity: [0.1, 0.3]\n"
    "  tau_mean_ms: [5, 80]\n"
    "  n: [2, 10000000]\n"
    "  input_gain: [0, 2.5]\n"
    "  recurrent_gain: [1.5]\n"
    "  noise: [0]\n"
    "  seeds: [7, 4294967295]\n"
    "output:\n"
    "  store_networks: true\n"
    "costs:\n"
    "  flops_per_neuron_update: 0\n"
    "  atp: {rest_per_neuron_s: 1, spike: 2, event: 3}\n"
    "  loihi2: {synop_j: 1.0e-12, spike_j: 2.0e-12, update_j: 3.0e-12, static_w: 0.5}\n"
    "  spinnaker2:\n"
    "    synop_j: 4.0e-12\n"
    "    spike_j: 5.0e-12\n"
    "    update_j: 6.0e-12\n"
    "    static_w: 1.5\n"
    "run:\n"
    "  memory_budget_mb: 512.5\n"
    "  threads_per_rank: 1024\n"
    "  progress_every_s: 0\n"
    "  checkpoint_every_s: 60\n";

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static int parse_text(const char *text, hs_job *job, hs_error *err)
{
    hs_error_clear(err);
    return hs_job_parse(FILE_NAME, text, strlen(text), job, err);
}

static void parse_ok(const char *text, hs_job *job)
{
    hs_error err;
    int status = parse_text(text, job, &err);
    ck_assert_msg(status == HS_OK, "refused: %s", err.msg);
}

/* Asserts a refusal: HS_ERR_INPUT, "job.yaml:<line>:" first, then the key
 * path (if any) and a fragment of the explanation (if any). Returns nothing;
 * the job is left zeroed by the parser and freed here anyway. */
static void assert_refused(const char *text, int line, const char *key_path,
                           const char *fragment)
{
    hs_job job;
    hs_error err;
    int status = parse_text(text, &job, &err);
    ck_assert_msg(status == HS_ERR_INPUT, "status %d for:\n%s\nmessage: %s", status, text,
                  err.msg);
    ck_assert_int_eq(err.status, HS_ERR_INPUT);
    char where[64];
    snprintf(where, sizeof where, FILE_NAME ":%d:", line);
    ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0,
                  "expected '%s' at the start of: %s", where, err.msg);
    if (key_path) {
        char key_field[128];
        snprintf(key_field, sizeof key_field, " %s: ", key_path);
        ck_assert_msg(strstr(err.msg, key_field), "expected key '%s' in: %s", key_path,
                      err.msg);
    }
    if (fragment)
        ck_assert_msg(strstr(err.msg, fragment), "expected '%s' in: %s", fragment, err.msg);
    ck_assert_ptr_null(job.name);
    ck_assert_ptr_null(job.key_lines);
    hs_job_free(&job);
}

static char *print_to_string(const hs_job *job)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    ck_assert_ptr_nonnull(out);
    hs_job_print(job, out);
    fclose(out);
    return text;
}

/* The 1-based line of the first line of text that starts with prefix. */
static int line_starting(const char *text, const char *prefix)
{
    int line = 1;
    for (const char *p = text; *p; line++) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return line;
        const char *newline = strchr(p, '\n');
        if (!newline)
            break;
        p = newline + 1;
    }
    return 0;
}

static void assert_axis(const hs_job *job, int axis, int count, const double *values)
{
    ck_assert_int_eq(job->axes[axis].count, count);
    for (int i = 0; i < count; i++)
        ck_assert_msg(job->axes[axis].values[i] == values[i], "%s[%d] = %g, expected %g",
                      hs_axis_name(axis), i, job->axes[axis].values[i], values[i]);
}

static void assert_platform(const hs_platform_costs *costs, double synop, double spike,
                            double update, double static_w)
{
    ck_assert(costs->synop_j == synop);
    ck_assert(costs->spike_j == spike);
    ck_assert(costs->update_j == update);
    ck_assert(costs->static_w == static_w);
}

/* ------------------------------------------------------------------------ */
/* Defaults, a full job, names                                              */
/* ------------------------------------------------------------------------ */

static void assert_spec_defaults(const hs_job *job)
{
    ck_assert_str_eq(job->name, "demo");
    ck_assert_uint_eq(job->seed, 1);
    ck_assert(job->stimulus.time_scale_ms == 50.0);
    ck_assert(job->time.dt_ms == 1.0 && job->time.washout_ms == 500.0);
    ck_assert(job->time.train_ms == 20000.0 && job->time.validation_ms == 5000.0);
    ck_assert(job->time.test_ms == 5000.0);
    ck_assert(job->network.connectivity == 0.1);
    ck_assert_int_eq(job->network.weights, HS_WEIGHTS_GAUSSIAN);
    ck_assert(job->network.excitatory_fraction == 0.8);
    ck_assert(isnan(job->network.mu_e) && isnan(job->network.sigma_0));
    ck_assert_int_eq(job->network.activation, HS_ACT_TANH);
    ck_assert(job->network.tau_min_ms == 1.0);
    ck_assert_ptr_null(job->network.tau_file);
    ck_assert_int_eq(job->network.source, HS_SOURCE_RANDOM);
    ck_assert_ptr_null(job->network.source_file);
    ck_assert(job->lif.dt_ms == 0.25 && job->lif.refractory_ms == 2.0);
    ck_assert(job->lif.tau_syn_ms == 5.0 && job->lif.tau_readout_ms == 20.0);
    ck_assert(job->lif.bias == 0.5);
    ck_assert(isnan(job->lif.target_rate_hz));
    ck_assert_int_eq(job->tasks.n_components, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(job->tasks.components[i], i + 1);
    ck_assert_int_eq(job->tasks.n_degrees, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(job->tasks.degrees[i], i + 1);
    ck_assert(job->tasks.delay_lo == -2.0 && job->tasks.delay_hi == 2.0);
    ck_assert_int_eq(job->tasks.delay_count, 49);
    ck_assert(job->readout.lambda_min == 1.0e-8 && job->readout.lambda_max == 1.0e2);
    ck_assert_int_eq(job->readout.lambda_count, 11);
    ck_assert_int_eq(job->readout.selection, HS_SELECT_VALIDATION);
    ck_assert_int_eq(job->readout.precision, HS_PRECISION_FLOAT64);
}

static void assert_spec_default_axes(const hs_job *job)
{
    const double model[] = {HS_MODEL_RATE}, profile[] = {HS_PROFILE_LOGNORMAL};
    const double levels[] = {0.0, 0.25, 0.5, 1.0, 2.0}, tau_mean[] = {20.0};
    const double n[] = {100, 200}, one[] = {1.0}, noise[] = {0.1}, seeds[] = {0, 1};
    assert_axis(job, HS_AX_MODEL, 1, model);
    assert_axis(job, HS_AX_PROFILE, 1, profile);
    assert_axis(job, HS_AX_HETEROGENEITY, 5, levels);
    assert_axis(job, HS_AX_TAU_MEAN, 1, tau_mean);
    assert_axis(job, HS_AX_N, 2, n);
    assert_axis(job, HS_AX_INPUT_GAIN, 1, one);
    assert_axis(job, HS_AX_RECURRENT_GAIN, 1, one);
    assert_axis(job, HS_AX_NOISE, 1, noise);
    assert_axis(job, HS_AX_SEED, 2, seeds);
}

static void assert_spec_default_costs_and_run(const hs_job *job)
{
    ck_assert(!job->output.store_networks);
    ck_assert(job->costs.flops_per_neuron_update == 20.0);
    ck_assert(job->costs.atp_rest_per_neuron_s == 3.42e8);
    ck_assert(job->costs.atp_spike == 3.84e8 && job->costs.atp_event == 1.64e5);
    assert_platform(&job->costs.loihi2, 23.6e-12, 1.7e-12, 52.0e-12, 0.0);
    assert_platform(&job->costs.spinnaker2, 10.0e-12, 10.0e-12, 20.0e-12, 0.0);
    ck_assert(job->run.memory_budget_mb == 4096.0);
    ck_assert_int_eq(job->run.threads_per_rank, 1);
    ck_assert(job->run.progress_every_s == 5.0 && job->run.checkpoint_every_s == 300.0);
}

START_TEST(test_nul_bytes_are_refused)
{
    const char text[] = "name: a\nseed: 1\0\nsweep: {}\n"; /* as in UTF-16 text */
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    int status = hs_job_parse(FILE_NAME, text, sizeof text - 1, &job, &err);
    ck_assert_int_eq(status, HS_ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "job.yaml:2:") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "NUL byte") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_defaults_match_spec)
{
    hs_job job;
    hs_job_defaults(&job);
    assert_spec_defaults(&job);
    assert_spec_default_axes(&job);
    assert_spec_default_costs_and_run(&job);
    ck_assert_ptr_null(job.path);
    ck_assert_ptr_null(job.text);
    ck_assert_int_eq(job.n_key_lines, 0);
    hs_job_free(&job);
    ck_assert_ptr_null(job.name);
    ck_assert_int_eq(job.axes[HS_AX_N].count, 0);
}
END_TEST

START_TEST(test_a_sweep_section_gives_defaults_elsewhere)
{
    const char *text = "sweep: {seeds: [0, 1]}\n";
    hs_job job;
    parse_ok(text, &job);
    assert_spec_defaults(&job);
    assert_spec_default_axes(&job);
    assert_spec_default_costs_and_run(&job);
    ck_assert_str_eq(job.path, FILE_NAME);
    ck_assert_str_eq(job.text, text);
    hs_job_free(&job);
}
END_TEST

/* Every refused key of a file is reported at once, in file order, one a line
 * (up to 20, then a count of the rest). */
START_TEST(test_all_refusals_are_reported_at_once)
{
    const char *text = "nmae: x\nseed: -1\ntime:\n  dt_ms: fast\nsweep:\n  n: 100\n";
    assert_refused(text, 1, "nmae", "unknown key");
    hs_job job;
    hs_error err;
    ck_assert_int_eq(parse_text(text, &job, &err), HS_ERR_INPUT);
    const char *expected[] = {"job.yaml:1: nmae:", "\njob.yaml:2: seed:",
                              "\njob.yaml:4: time.dt_ms:", "\njob.yaml:6: sweep.n: expected a list"};
    const char *at = err.msg;
    for (size_t k = 0; k < sizeof expected / sizeof *expected; k++) {
        const char *found = strstr(at, expected[k]);
        ck_assert_msg(found, "expected '%s' after the earlier refusals in:\n%s", expected[k],
                      err.msg);
        at = found + 1;
    }
    /* 25 unknown keys: as many named as fit (each line is long), then the count
     * of the rest, adding up to 25 */
    char many[2048] = "";
    for (int k = 0; k < 25; k++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "bad%02d: 1\n", k);
    ck_assert_int_eq(parse_text(many, &job, &err), HS_ERR_INPUT);
    int shown = 0;
    for (const char *c = err.msg; (c = strstr(c, ": unknown key")) != NULL; c++)
        shown++;
    const char *rest = strstr(err.msg, "(and ");
    ck_assert_msg(rest, "no count of the rest in:\n%s", err.msg);
    ck_assert_int_ge(shown, 5);
    ck_assert_int_eq(shown + atoi(rest + 5), 25);
}
END_TEST

/* An empty file, one without `sweep`, or an empty `sweep` would silently run
 * the built-in defaults: all refused, naming what is missing. */
START_TEST(test_a_job_without_a_sweep_is_refused)
{
    const char *empty[] = {"", "# only a comment\n", "---\n", "~\n"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++)
        assert_refused(empty[i], 1, NULL, "the job file is empty");
    assert_refused("{}\n", 1, NULL, "no 'sweep:' section");
    assert_refused("# a comment\nlif:\n  bias: 0.3\n", 2, NULL, "no 'sweep:' section");
    assert_refused("sweep:\n", 1, "sweep", "the section is empty");
    assert_refused("# a job\nname: x\nsweep: {}\n", 3, "sweep", "the section is empty");
    /* a misspelt key is named before the missing sweep */
    assert_refused("nmae: x\n", 1, "nmae", "unknown key");
}
END_TEST

static void assert_full_job_science(const hs_job *job)
{
    ck_assert_str_eq(job->name, "full");
    ck_assert_uint_eq(job->seed, 4294967295u);
    ck_assert(job->stimulus.time_scale_ms == 40.0);
    ck_assert(job->time.dt_ms == 0.5 && job->time.washout_ms == 100.0);
    ck_assert(job->time.train_ms == 1000.0 && job->time.validation_ms == 0.0);
    ck_assert(job->time.test_ms == 800.0);
    ck_assert(job->network.connectivity == 0.2);
    ck_assert_int_eq(job->network.weights, HS_WEIGHTS_DALE);
    ck_assert(job->network.excitatory_fraction == 0.75);
    ck_assert(job->network.mu_e == 0.3 && job->network.sigma_0 == 0.0);
    ck_assert_int_eq(job->network.activation, HS_ACT_SIGMOID);
    ck_assert(job->network.tau_min_ms == 2.0);
    ck_assert_str_eq(job->network.tau_file, "taus.h5:/tau");
    ck_assert_int_eq(job->network.source, HS_SOURCE_FILE);
    ck_assert_str_eq(job->network.source_file, "nets.h5");
    ck_assert(job->lif.dt_ms == 0.125 && job->lif.refractory_ms == 0.0);
    ck_assert(job->lif.tau_syn_ms == 4.0 && job->lif.tau_readout_ms == 10.0);
    ck_assert(job->lif.bias == -0.25);
    ck_assert(job->lif.target_rate_hz == 12.5);
    ck_assert_int_eq(job->tasks.n_components, 2);
    ck_assert_int_eq(job->tasks.components[0], 3);
    ck_assert_int_eq(job->tasks.components[1], 1);
    ck_assert_int_eq(job->tasks.n_degrees, 2);
    ck_assert_int_eq(job->tasks.degrees[0], 2);
    ck_assert_int_eq(job->tasks.degrees[1], 20);
    ck_assert(job->tasks.delay_lo == -1.5 && job->tasks.delay_hi == 0.5);
    ck_assert_int_eq(job->tasks.delay_count, 7);
    ck_assert(job->readout.lambda_min == 1.0e-3 && job->readout.lambda_max == 1.0e-3);
    ck_assert_int_eq(job->readout.lambda_count, 1);
    ck_assert_int_eq(job->readout.selection, HS_SELECT_FIXED);
    ck_assert_int_eq(job->readout.precision, HS_PRECISION_MIXED);
}

static void assert_full_job_axes_costs_run(const hs_job *job)
{
    const double model[] = {HS_MODEL_LIF, HS_MODEL_RATE};
    const double profile[] = {HS_PROFILE_GAMMA, HS_PROFILE_NORMAL, HS_PROFILE_UNIFORM,
                              HS_PROFILE_FILE};
    const double levels[] = {0.1, 0.3}, tau_mean[] = {5, 80}, n[] = {2, 1e7};
    const double input[] = {0, 2.5}, recurrent[] = {1.5}, noise[] = {0};
    const double seeds[] = {7, 4294967295.0};
    assert_axis(job, HS_AX_MODEL, 2, model);
    assert_axis(job, HS_AX_PROFILE, 4, profile);
    assert_axis(job, HS_AX_HETEROGENEITY, 2, levels);
    assert_axis(job, HS_AX_TAU_MEAN, 2, tau_mean);
    assert_axis(job, HS_AX_N, 2, n);
    assert_axis(job, HS_AX_INPUT_GAIN, 2, input);
    assert_axis(job, HS_AX_RECURRENT_GAIN, 1, recurrent);
    assert_axis(job, HS_AX_NOISE, 1, noise);
    assert_axis(job, HS_AX_SEED, 2, seeds);
    ck_assert(job->output.store_networks);
    ck_assert(job->costs.flops_per_neuron_update == 0.0);
    ck_assert(job->costs.atp_rest_per_neuron_s == 1 && job->costs.atp_spike == 2);
    ck_assert(job->costs.atp_event == 3);
    assert_platform(&job->costs.loihi2, 1.0e-12, 2.0e-12, 3.0e-12, 0.5);
    assert_platform(&job->costs.spinnaker2, 4.0e-12, 5.0e-12, 6.0e-12, 1.5);
    ck_assert(job->run.memory_budget_mb == 512.5);
    ck_assert_int_eq(job->run.threads_per_rank, 1024);
    ck_assert(job->run.progress_every_s == 0.0 && job->run.checkpoint_every_s == 60.0);
}

START_TEST(test_full_job_parses)
{
    hs_job job;
    parse_ok(FULL_JOB, &job);
    assert_full_job_science(&job);
    assert_full_job_axes_costs_run(&job);
    ck_assert_str_eq(job.text, FULL_JOB);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_key_lines_are_kept)
{
    hs_job job;
    parse_ok(FULL_JOB, &job);
    ck_assert_int_eq(hs_job_line(&job, "name"), 1);
    ck_assert_int_eq(hs_job_line(&job, "seed"), 2);
    ck_assert_int_eq(hs_job_line(&job, "sweep.n"), line_starting(FULL_JOB, "  n:"));
    ck_assert_int_eq(hs_job_line(&job, "readout.lambdas"),
                     line_starting(FULL_JOB, "  lambdas:"));
    ck_assert_int_eq(hs_job_line(&job, "readout.lambdas.count"),
                     line_starting(FULL_JOB, "  lambdas:"));
    ck_assert_int_eq(hs_job_line(&job, "costs.spinnaker2.static_w"),
                     line_starting(FULL_JOB, "    static_w:"));
    ck_assert_int_eq(hs_job_line(&job, "run.threads_per_rank"),
                     line_starting(FULL_JOB, "  threads_per_rank:"));
    ck_assert_int_eq(hs_job_line(&job, "sweep.nothing"), 0);
    /* every science key of the full job was given, so every one has a line */
    char *canonical = hs_job_canonical(&job);
    for (char *line = strtok(canonical, "\n"); line; line = strtok(NULL, "\n")) {
        *strchr(line, '=') = '\0';
        if (strcmp(line, HS_NUMERICS_KEY) != 0) /* the build's, not the file's */
            ck_assert_msg(hs_job_line(&job, line) > 0, "no line for %s", line);
    }
    free(canonical);
    hs_job_free(&job);

    parse_ok("sweep:\n  n: [300]\n", &job);
    ck_assert_int_eq(hs_job_line(&job, "sweep"), 1);
    ck_assert_int_eq(hs_job_line(&job, "sweep.n"), 2);
    ck_assert_int_eq(hs_job_line(&job, "sweep.noise"), 0);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_aliases_reference_anchors)
{
    const char *text = "sweep:\n"
                       "  input_gain: &gains [0.5, 1.0]\n"
                       "  recurrent_gain: *gains\n"
                       "costs:\n"
                       "  loihi2: &platform {synop_j: 1, spike_j: 2, update_j: 3, "
                       "static_w: 4}\n"
                       "  spinnaker2: *platform\n"
                       "lif:\n"
                       "  tau_syn_ms: &five 5.5\n"
                       "  dt_ms: *five\n";
    hs_job job;
    parse_ok(text, &job);
    const double gains[] = {0.5, 1.0};
    assert_axis(&job, HS_AX_INPUT_GAIN, 2, gains);
    assert_axis(&job, HS_AX_RECURRENT_GAIN, 2, gains);
    assert_platform(&job.costs.spinnaker2, 1, 2, 3, 4);
    ck_assert(job.lif.dt_ms == 5.5);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_names)
{
    const char *axes[] = {"model", "profile", "heterogeneity", "tau_mean_ms", "n",
                          "input_gain", "recurrent_gain", "noise", "seed"};
    for (int axis = 0; axis < HS_N_AXES; axis++)
        ck_assert_str_eq(hs_axis_name(axis), axes[axis]);
    ck_assert_str_eq(hs_model_name(HS_MODEL_RATE), "rate");
    ck_assert_str_eq(hs_model_name(HS_MODEL_LIF), "lif");
    const char *profiles[] = {"lognormal", "gamma", "normal", "uniform", "file"};
    for (int profile = 0; profile < 5; profile++)
        ck_assert_str_eq(hs_profile_name(profile), profiles[profile]);
    ck_assert_str_eq(hs_profile_name(99), "unknown");
    ck_assert_str_eq(hs_axis_name(-1), "unknown");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Numbers, print and canonical                                             */
/* ------------------------------------------------------------------------ */

START_TEST(test_format_double_is_shortest_round_trip)
{
    char buf[64];
    const struct {
        double value;
        const char *text;
    } cases[] = {{0.1, "0.1"}, {20.0, "20"}, {1e-8, "1e-08"}, {100.0, "100"},
                 {0.25, "0.25"}, {-2.0, "-2"}, {3.42e8, "3.42e+08"}, {0.0, "0"},
                 {1.0 / 3.0, "0.3333333333333333"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hs_format_double(cases[i].value, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].text);
    }
    const double hard[] = {0.1 + 0.2, 5e-324, 1.7976931348623157e308, 23.6e-12, -0.0};
    for (size_t i = 0; i < sizeof hard / sizeof *hard; i++) {
        hs_format_double(hard[i], buf, sizeof buf);
        double back = strtod(buf, NULL);
        ck_assert_msg(memcmp(&back, &hard[i], sizeof back) == 0, "%s", buf);
    }
}
END_TEST

static void assert_round_trip(const char *text)
{
    hs_job first, second;
    parse_ok(text, &first);
    char *printed = print_to_string(&first);
    hs_error err;
    int status = parse_text(printed, &second, &err);
    ck_assert_msg(status == HS_OK, "printed job refused: %s\n%s", err.msg, printed);
    char *canonical_first = hs_job_canonical(&first);
    char *canonical_second = hs_job_canonical(&second);
    ck_assert_str_eq(canonical_first, canonical_second);
    ck_assert_str_eq(first.name, second.name);
    ck_assert(memcmp(&first.run, &second.run, sizeof first.run) == 0);
    char *printed_again = print_to_string(&second);
    ck_assert_str_eq(printed, printed_again);
    free(printed_again);
    free(canonical_first);
    free(canonical_second);
    free(printed);
    hs_job_free(&first);
    hs_job_free(&second);
}

START_TEST(test_print_parse_round_trip)
{
    assert_round_trip("sweep: {n: [100]}\n");
    assert_round_trip(FULL_JOB);
    assert_round_trip("name: \"odd \\\"name\\\" with\\\\ escapes: #1\"\n"
                      "sweep: {heterogeneity: [0.1, 0.30000000000000004, 1e-300]}\n"
                      "network: {tau_file: \"a\\tb: c\\x85.txt\", sigma_0: 1.0e-5}\n");
}
END_TEST

/* A name is printable text of bounded length; no string holds a NUL (which
 * would silently cut it short). */
START_TEST(test_name_control_characters_and_nul_refused)
{
    assert_refused("name: \"tab\\there\"\nsweep: {n: [100]}\n", 1, "name", "control character");
    assert_refused("name: \"c1\\x85\"\nsweep: {n: [100]}\n", 1, "name", "control character");
    assert_refused("name: \"a\\0b\"\nsweep: {n: [100]}\n", 1, "name", "NUL");
    assert_refused("sweep: {n: [100]}\nnetwork: {tau_file: \"a\\0b\"}\n", 2,
                   "network.tau_file", "NUL");
    char *long_name = malloc(2100);
    memcpy(long_name, "name: ", 6);
    memset(long_name + 6, 'n', 1025);
    strcpy(long_name + 6 + 1025, "\nsweep: {n: [100]}\n");
    assert_refused(long_name, 1, "name", "at most 1024");
    free(long_name);
}
END_TEST

START_TEST(test_print_follows_spec_order)
{
    hs_job job;
    hs_job_defaults(&job);
    char *printed = print_to_string(&job);
    const char *order[] = {"name:", "seed:", "stimulus:", "time:", "network:", "lif:",
                           "tasks:", "readout:", "sweep:", "output:", "costs:", "run:"};
    int previous = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        int line = line_starting(printed, order[i]);
        ck_assert_msg(line > previous, "%s out of order in:\n%s", order[i], printed);
        previous = line;
    }
    ck_assert(strstr(printed, "  mu_e: null\n"));
    ck_assert(strstr(printed, "  seeds: [0, 1]\n"));
    ck_assert(strstr(printed, "  system: lorenz\n"));
    free(printed);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_canonical_content)
{
    hs_job job;
    hs_job_defaults(&job);
    char *canonical = hs_job_canonical(&job);
    const char *expected[] = {
        "seed=1\n", "stimulus.system=lorenz\n", "stimulus.time_scale_ms=50\n",
        "network.mu_e=null\n", "network.tau_file=null\n", "network.weights=gaussian\n",
        "readout.lambdas.min=1e-08\n", "readout.lambdas.count=11\n",
        "sweep.model=[rate]\n", "sweep.profile=[lognormal]\n",
        "sweep.heterogeneity=[0,0.25,0.5,1,2]\n", "sweep.n=[100,200]\n",
        "sweep.seeds=[0,1]\n", "tasks.components=[1,2,3]\n",
        "tasks.delay_range=[-2,2]\n", "output.store_networks=false\n",
        "costs.loihi2.synop_j=2.36e-11\n"};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(strstr(canonical, expected[i]), "missing %s in:\n%s", expected[i],
                      canonical);
    free(canonical);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_canonical_is_science_only_and_sorted)
{
    hs_job defaults, other;
    hs_job_defaults(&defaults);
    parse_ok("name: other\nrun: {memory_budget_mb: 1, threads_per_rank: 8, "
             "progress_every_s: 0, checkpoint_every_s: 1}\nsweep: {seeds: [0, 1]}\n",
             &other);
    char *a = hs_job_canonical(&defaults);
    char *b = hs_job_canonical(&other);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_null(strstr(a, "name="));
    ck_assert_ptr_null(strstr(a, "run."));
    free(b);
    hs_job_free(&other);

    parse_ok("output: {store_networks: true}\nsweep: {seeds: [0, 1]}\n", &other);
    b = hs_job_canonical(&other);
    ck_assert_str_ne(a, b);
    ck_assert(strstr(b, "output.store_networks=true\n"));
    free(b);
    hs_job_free(&other);

    char previous[128] = "";
    int count = 0;
    for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n"), count++) {
        char *equals = strchr(line, '=');
        ck_assert_ptr_nonnull(equals);
        *equals = '\0';
        ck_assert_msg(strcmp(previous, line) < 0, "%s before %s", previous, line);
        snprintf(previous, sizeof previous, "%s", line);
    }
    ck_assert_int_eq(count, 56); /* every science key of SPEC 5, and the numerics version */
    char expected[64];
    snprintf(expected, sizeof expected, "\n%s=%d\n", HS_NUMERICS_KEY, HS_NUMERICS_VERSION);
    char *again = hs_job_canonical(&defaults);
    ck_assert_msg(strstr(again, expected), "no %s in:\n%s", expected + 1, again);
    free(again);
    free(a);
    hs_job_free(&defaults);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Refusals: parsing                                                        */
/* ------------------------------------------------------------------------ */

START_TEST(test_syntax_error_has_line_and_column)
{
    assert_refused("seed: 1\ntime:\n  dt_ms: 1: 2\n", 3, NULL,
                   FILE_NAME ":3:11: YAML syntax error: mapping values are not allowed");
    assert_refused("seed: 1\nsweep:\n  n: [1, 2\n", 4, NULL, "YAML syntax error");
    assert_refused("seed: *nowhere\n", 1, NULL, ":1:7: YAML syntax error: alias");
    assert_refused("seed: 1\n---\nseed: 2\n", 2, NULL, "one document");
}
END_TEST

static char *nested_text(int levels)
{
    /* the top mapping and "sweep:" are 2 levels; the rest are lists */
    size_t size = 64 + 2 * (size_t)levels;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    int lists = levels - 2;
    int used = snprintf(text, size, "seed: 1\nsweep:\n  n: ");
    for (int i = 0; i < lists; i++)
        text[used++] = '[';
    for (int i = 0; i < lists; i++)
        text[used++] = ']';
    text[used++] = '\n';
    text[used] = '\0';
    return text;
}

START_TEST(test_nesting_deeper_than_64_is_refused)
{
    char *text = nested_text(65);
    assert_refused(text, 3, NULL, "nesting deeper than 64");
    free(text);
    text = nested_text(64); /* at the limit: a type error, not a nesting error */
    assert_refused(text, 3, "sweep.n", "expected an integer (got a list)");
    free(text);
}
END_TEST

static char *aliases_text(int aliases)
{
    size_t size = 64 + 12 * (size_t)aliases;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    int used = snprintf(text, size, "seed: &s 3\ntasks:\n  degrees:\n");
    for (int i = 0; i < aliases; i++)
        used += snprintf(text + used, size - (size_t)used, "    - *s\n");
    return text;
}

START_TEST(test_more_than_64_aliases_is_refused)
{
    char *text = aliases_text(65);
    assert_refused(text, 3 + 65, NULL, "more than 64 aliases");
    free(text);
    text = aliases_text(64); /* at the limit: only the repeated degree is wrong */
    assert_refused(text, 5, "tasks.degrees", "appears twice");
    free(text);
}
END_TEST

START_TEST(test_more_than_10000_nodes_is_refused)
{
    /* nodes: top mapping, "sweep", its mapping, "noise", the list = 5; item k
     * (1-based, on line k + 2) is node k + 5, so node 10001 is item 9996 */
    int items = 10050;
    size_t size = 32 + 8 * (size_t)items;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    int used = snprintf(text, size, "sweep:\n  noise:\n");
    for (int i = 0; i < items; i++)
        used += snprintf(text + used, size - (size_t)used, "    - 0\n");
    assert_refused(text, 9996 + 2, NULL, "more than 10000 YAML nodes");
    free(text);
}
END_TEST

START_TEST(test_top_level_must_be_a_mapping)
{
    assert_refused("[1, 2]\n", 1, NULL, "top level must be a mapping");
    assert_refused("\n\njust text\n", 3, NULL, "top level must be a mapping");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Refusals: keys                                                           */
/* ------------------------------------------------------------------------ */

START_TEST(test_unknown_key_names_the_nearest)
{
    assert_refused("seed: 1\nsweep:\n  hetrogeneity: [0]\n", 3, "sweep.hetrogeneity",
                   "unknown key 'hetrogeneity' (did you mean 'heterogeneity'?)");
    assert_refused("netwrok:\n  connectivity: 0.5\n", 1, "netwrok",
                   "(did you mean 'network'?)");
    assert_refused("readout:\n  lambdas: {min: 1, maximum: 2}\n", 2,
                   "readout.lambdas.maximum", "did you mean 'max'?");
    assert_refused("costs:\n  loihi2: {synop: 1}\n", 2, "costs.loihi2.synop",
                   "did you mean 'synop_j'?");
    assert_refused("sweep:\n  zzzzzzzzzz: 1\n", 2, "sweep.zzzzzzzzzz",
                   "valid keys here: model, profile");
}
END_TEST

START_TEST(test_duplicate_key_names_both_lines)
{
    assert_refused("seed: 1\nname: x\nseed: 2\n", 3, "seed",
                   "duplicate key 'seed' (first given on line 1");
    assert_refused("sweep:\n  n: [100]\n  noise: [0]\n  n: [200]\n", 4, "sweep.n",
                   "first given on line 2");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Refusals: types                                                          */
/* ------------------------------------------------------------------------ */

START_TEST(test_scalar_where_list_expected)
{
    assert_refused("seed: 1\nsweep:\n  heterogeneity: 0.5\n", 3, "sweep.heterogeneity",
                   "expected a list");
    assert_refused("sweep:\n  model: rate\n", 2, "sweep.model", "expected a list");
    assert_refused("tasks:\n  degrees: 3\n", 2, "tasks.degrees", "expected a list");
    assert_refused("tasks:\n  delay_range: 2\n", 2, "tasks.delay_range",
                   "expected a list");
    assert_refused("sweep:\n  n:\n", 2, "sweep.n", "expected a list (got null)");
}
END_TEST

START_TEST(test_wrong_types_are_refused)
{
    assert_refused("time:\n  dt_ms: [1]\n", 2, "time.dt_ms",
                   "expected a number (got a list)");
    assert_refused("time:\n  dt_ms: {a: 1}\n", 2, "time.dt_ms", "(got a mapping)");
    assert_refused("time:\n  dt_ms: fast\n", 2, "time.dt_ms", "expected a number");
    assert_refused("time:\n  dt_ms: \"1\"\n", 2, "time.dt_ms", "got a string");
    assert_refused("time:\n  dt_ms: true\n", 2, "time.dt_ms", "got a boolean");
    assert_refused("time:\n  dt_ms:\n", 2, "time.dt_ms", "got null");
    assert_refused("sweep:\n  noise: [0, x]\n", 2, "sweep.noise", "expected a number");
    assert_refused("output:\n  store_networks: yes\n", 2, "output.store_networks",
                   "expected true or false");
    assert_refused("output:\n  store_networks: 1\n", 2, "output.store_networks",
                   "expected true or false");
    assert_refused("time: 5\n", 1, "time", "expected a mapping");
    assert_refused("name: [a]\n", 1, "name", "expected a string (got a list)");
    assert_refused("name:\n", 1, "name", "non-empty string");
    assert_refused("network:\n  tau_file: [a]\n", 2, "network.tau_file",
                   "expected a string");
    assert_refused("readout:\n  lambdas: 5\n", 2, "readout.lambdas", "expected a mapping");
    assert_refused("? [a]\n: 1\n", 1, NULL, "a key must be a plain name");
}
END_TEST

START_TEST(test_integer_keys_refuse_fractions)
{
    assert_refused("sweep:\n  n: [100, 150.5]\n", 2, "sweep.n", "150.5 is not an integer");
    assert_refused("sweep:\n  seeds: [0.5]\n", 2, "sweep.seeds", "not an integer");
    assert_refused("seed: 1.5\n", 1, "seed", "not an integer");
    assert_refused("tasks:\n  delay_count: 2.5\n", 2, "tasks.delay_count",
                   "not an integer");
    assert_refused("tasks:\n  degrees: [1.5]\n", 2, "tasks.degrees", "not an integer");
    assert_refused("tasks:\n  components: [1, 2.5]\n", 2, "tasks.components",
                   "not an integer");
    assert_refused("readout:\n  lambdas: {count: 3.5}\n", 2, "readout.lambdas.count",
                   "not an integer");
    assert_refused("run:\n  threads_per_rank: 1.5\n", 2, "run.threads_per_rank",
                   "not an integer");
    /* integer-valued numbers are integers */
    hs_job job;
    parse_ok("sweep:\n  n: [1.0e2, 300.0]\nrun: {threads_per_rank: 4.0}\n", &job);
    ck_assert(job.axes[HS_AX_N].values[0] == 100.0);
    ck_assert_int_eq(job.run.threads_per_rank, 4);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_non_finite_numbers_are_refused)
{
    const char *values[] = {".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1e999", "-1e400"};
    char text[128];
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        snprintf(text, sizeof text, "seed: 1\nlif:\n  bias: %s\n", values[i]);
        assert_refused(text, 3, "lif.bias", "is not a finite number");
        snprintf(text, sizeof text, "sweep:\n  noise: [0.1, %s]\n", values[i]);
        assert_refused(text, 2, "sweep.noise", "is not a finite number");
    }
    assert_refused("tasks:\n  delay_range: [-.inf, 1]\n", 2, "tasks.delay_range",
                   "not a finite number");
}
END_TEST

START_TEST(test_bad_enum_values_list_the_valid_ones)
{
    assert_refused("network:\n  weights: dal\n", 2, "network.weights",
                   "unknown value 'dal' (valid: gaussian | dale)");
    assert_refused("network:\n  activation: relu\n", 2, "network.activation",
                   "tanh | sigmoid");
    assert_refused("network:\n  source: disk\n", 2, "network.source", "random | file");
    assert_refused("readout:\n  precision: half\n", 2, "readout.precision", "mixed");
    assert_refused("readout:\n  selection: best\n", 2, "readout.selection",
                   "validation | fixed");
    assert_refused("stimulus:\n  system: rossler\n", 2, "stimulus.system",
                   "(valid: lorenz)");
    assert_refused("sweep:\n  model: [rate, izhikevich]\n", 2, "sweep.model",
                   "rate | lif");
    assert_refused("sweep:\n  profile: [cauchy]\n", 2, "sweep.profile",
                   "lognormal | gamma | normal | uniform | file");
    assert_refused("network:\n  weights: 1\n", 2, "network.weights", "got a number");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Refusals: ranges and values                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
    const char *text;
    int line;
    const char *key_path;
    const char *valid;
} refusal_case;

static void assert_cases(const refusal_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++)
        assert_refused(cases[i].text, cases[i].line, cases[i].key_path, cases[i].valid);
}

START_TEST(test_out_of_range_values_are_refused)
{
    const refusal_case cases[] = {
        {"stimulus: {time_scale_ms: 0}\n", 1, "stimulus.time_scale_ms", "> 0"},
        {"time:\n  dt_ms: -1\n", 2, "time.dt_ms", "out of range (valid: a number > 0)"},
        {"time:\n  washout_ms: -0.5\n", 2, "time.washout_ms", ">= 0"},
        {"time:\n  train_ms: 0\n", 2, "time.train_ms", "> 0"},
        {"time:\n  validation_ms: -1\n", 2, "time.validation_ms", ">= 0"},
        {"time:\n  test_ms: 0\n", 2, "time.test_ms", "> 0"},
        {"network:\n  connectivity: 0\n", 2, "network.connectivity", "(0, 1]"},
        {"network:\n  connectivity: 1.5\n", 2, "network.connectivity", "(0, 1]"},
        {"network:\n  excitatory_fraction: 1\n", 2, "network.excitatory_fraction",
         "(0, 1)"},
        {"network:\n  mu_e: 0\n", 2, "network.mu_e", "> 0"},
        {"network:\n  sigma_0: -1\n", 2, "network.sigma_0", ">= 0"},
        {"network:\n  tau_min_ms: 0\n", 2, "network.tau_min_ms", "> 0"},
        {"lif:\n  dt_ms: 0\n", 2, "lif.dt_ms", "> 0"},
        {"lif:\n  refractory_ms: -2\n", 2, "lif.refractory_ms", ">= 0"},
        {"lif:\n  tau_syn_ms: 0\n", 2, "lif.tau_syn_ms", "> 0"},
        {"lif:\n  tau_readout_ms: -20\n", 2, "lif.tau_readout_ms", "> 0"},
        {"tasks:\n  components: [0]\n", 2, "tasks.components", "1, 2 or 3"},
        {"tasks:\n  components: [4]\n", 2, "tasks.components", "1, 2 or 3"},
        {"tasks:\n  components: [1, 1]\n", 2, "tasks.components", "appears twice"},
        {"tasks:\n  components: []\n", 2, "tasks.components", "empty"},
        {"tasks:\n  degrees: [21]\n", 2, "tasks.degrees", "[1, 20]"},
        {"tasks:\n  degrees: [0]\n", 2, "tasks.degrees", "[1, 20]"},
        {"tasks:\n  delay_range: [1, 2, 3]\n", 2, "tasks.delay_range", "exactly 2"},
        {"tasks:\n  delay_range: [2, -2]\n", 2, "tasks.delay_range", "lo <= hi"},
        {"tasks:\n  delay_count: 0\n", 2, "tasks.delay_count", "[1, 100000]"},
        {"tasks:\n  delay_count: 100001\n", 2, "tasks.delay_count", "[1, 100000]"},
        {"readout:\n  lambdas: {min: 0}\n", 2, "readout.lambdas.min", "> 0"},
        {"readout:\n  lambdas: {count: 128}\n", 2, "readout.lambdas.count", "[1, 127]"},
        {"readout:\n  lambdas: {min: 1, max: 0.5}\n", 2, "readout.lambdas.max",
         "max >= min"},
        {"sweep:\n  heterogeneity: [-0.1]\n", 2, "sweep.heterogeneity", ">= 0"},
        {"sweep:\n  tau_mean_ms: [0]\n", 2, "sweep.tau_mean_ms", "> 0"},
        {"sweep:\n  n: [1]\n", 2, "sweep.n", "[2, 10000000]"},
        {"sweep:\n  n: [10000001]\n", 2, "sweep.n", "[2, 10000000]"},
        {"sweep:\n  input_gain: [-1]\n", 2, "sweep.input_gain", ">= 0"},
        {"sweep:\n  recurrent_gain: [-1]\n", 2, "sweep.recurrent_gain", ">= 0"},
        {"sweep:\n  noise: [-0.1]\n", 2, "sweep.noise", ">= 0"},
        {"costs:\n  flops_per_neuron_update: -1\n", 2, "costs.flops_per_neuron_update",
         ">= 0"},
        {"costs:\n  atp: {spike: -1}\n", 2, "costs.atp.spike", ">= 0"},
        {"costs:\n  spinnaker2: {static_w: -1}\n", 2, "costs.spinnaker2.static_w", ">= 0"},
        {"run:\n  memory_budget_mb: 0\n", 2, "run.memory_budget_mb", "> 0"},
        {"run:\n  threads_per_rank: 0\n", 2, "run.threads_per_rank", "[1, 1024]"},
        {"run:\n  threads_per_rank: 1025\n", 2, "run.threads_per_rank", "[1, 1024]"},
        {"run:\n  progress_every_s: -1\n", 2, "run.progress_every_s", ">= 0"},
        {"run:\n  checkpoint_every_s: 0\n", 2, "run.checkpoint_every_s", "> 0"},
    };
    assert_cases(cases, sizeof cases / sizeof *cases);
}
END_TEST

START_TEST(test_seed_must_be_below_2_to_the_32)
{
    assert_refused("name: x\nseed: 4294967296\n", 2, "seed", "[0, 2^32)");
    assert_refused("seed: -1\n", 1, "seed", "[0, 2^32)");
    assert_refused("sweep:\n  seeds: [0, 4294967296]\n", 2, "sweep.seeds", "[0, 2^32)");
    hs_job job;
    parse_ok("seed: 0\nsweep: {seeds: [4294967295]}\n", &job);
    ck_assert_uint_eq(job.seed, 0);
    ck_assert(job.axes[HS_AX_SEED].values[0] == 4294967295.0);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_empty_axis_is_refused)
{
    const char *axes[] = {"model", "profile", "heterogeneity", "tau_mean_ms", "n",
                          "input_gain", "recurrent_gain", "noise", "seeds"};
    char text[128], path[64];
    for (size_t i = 0; i < sizeof axes / sizeof *axes; i++) {
        snprintf(text, sizeof text, "seed: 1\nsweep:\n  %s: []\n", axes[i]);
        snprintf(path, sizeof path, "sweep.%s", axes[i]);
        assert_refused(text, 3, path, "the list is empty");
    }
}
END_TEST

START_TEST(test_repeated_axis_value_is_refused)
{
    assert_refused("sweep:\n  heterogeneity:\n    - 0.5\n    - 1\n    - 0.50\n", 5,
                   "sweep.heterogeneity", "appears twice (items 1 and 3");
    assert_refused("sweep:\n  model: [lif, lif]\n", 2, "sweep.model", "appears twice");
    assert_refused("sweep:\n  n: [100, 1.0e2]\n", 2, "sweep.n", "appears twice");
    assert_refused("sweep:\n  seeds: [3, 3]\n", 2, "sweep.seeds", "appears twice");
}
END_TEST

START_TEST(test_validation_zero_needs_fixed_selection)
{
    assert_refused("seed: 1\ntime:\n  validation_ms: 0\n", 3, "time.validation_ms",
                   "readout.selection: fixed");
    hs_job job;
    parse_ok("time: {validation_ms: 0}\n"
             "readout: {selection: fixed, lambdas: {min: 0.01, max: 0.01, count: 1}}\n"
             "sweep: {n: [100]}\n",
             &job);
    ck_assert(job.time.validation_ms == 0.0);
    hs_job_free(&job);
}
END_TEST

START_TEST(test_fixed_selection_needs_one_lambda)
{
    assert_refused("readout:\n  selection: fixed\n", 2, "readout.selection",
                   "readout.lambdas.count = 11");
    assert_refused("readout:\n  lambdas: {min: 1, max: 1, count: 2}\n  selection: fixed\n",
                   3, "readout.selection", "count 1 and min == max");
    assert_refused("readout:\n  lambdas: {min: 1, max: 2, count: 1}\n  selection: fixed\n",
                   3, "readout.selection", "count 1 and min == max");
}
END_TEST

START_TEST(test_tau_mean_must_exceed_tau_min)
{
    assert_refused("network:\n  tau_min_ms: 2\nsweep:\n  tau_mean_ms: [20, 2]\n", 4,
                   "sweep.tau_mean_ms", "network.tau_min_ms");
    assert_refused("seed: 1\nnetwork:\n  tau_min_ms: 25\n", 3, "sweep.tau_mean_ms",
                   "20 is not greater than network.tau_min_ms = 25");
}
END_TEST

START_TEST(test_file_profile_and_source_need_their_files)
{
    assert_refused("seed: 1\nsweep:\n  profile: [lognormal, file]\n", 3, "network.tau_file",
                   "required when sweep.profile contains file");
    assert_refused("network:\n  source: file\n", 2, "network.source_file",
                   "required when network.source is file");
    assert_refused("network:\n  source: file\n  source_file: null\n", 3,
                   "network.source_file", "required");
    hs_job job;
    parse_ok("network: {tau_file: taus.txt}\nsweep: {profile: [file]}\n", &job);
    ck_assert_str_eq(job.network.tau_file, "taus.txt");
    hs_job_free(&job);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Loading files                                                            */
/* ------------------------------------------------------------------------ */

START_TEST(test_load_reads_a_file)
{
    char path[] = "/tmp/hetsweep_test_config_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char text[] = "name: from_file\nsweep:\n  n: [50]\n";
    ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
    close(fd);
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    int status = hs_job_load(path, &job, &err);
    ck_assert_msg(status == HS_OK, "%s", err.msg);
    ck_assert_str_eq(job.name, "from_file");
    ck_assert_str_eq(job.path, path);
    ck_assert_str_eq(job.text, text);
    ck_assert_int_eq(hs_job_line(&job, "sweep.n"), 3);
    hs_job_free(&job);

    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    const char bad[] = "name: x\nsweep:\n  n: [1]\n";
    ck_assert_int_eq(write(fd, bad, sizeof bad - 1), (int)(sizeof bad - 1));
    close(fd);
    status = hs_job_load(path, &job, &err);
    ck_assert_int_eq(status, HS_ERR_INPUT);
    char where[128];
    snprintf(where, sizeof where, "%s:3: sweep.n: ", path);
    ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0, "%s", err.msg);
    hs_job_free(&job);
    unlink(path);
}
END_TEST

START_TEST(test_load_missing_file_is_refused)
{
    hs_job job;
    hs_error err;
    hs_error_clear(&err);
    const char *path = "/tmp/hetsweep_no_such_dir/no_such_job.yaml";
    int status = hs_job_load(path, &job, &err);
    ck_assert_int_eq(status, HS_ERR_INPUT);
    ck_assert_msg(strstr(err.msg, path), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "cannot read"), "%s", err.msg);
    ck_assert_ptr_null(job.name);
    hs_job_free(&job);

    status = hs_job_load("/tmp", &job, &err);
    ck_assert_int_eq(status, HS_ERR_INPUT);
    ck_assert_msg(strstr(err.msg, "directory"), "%s", err.msg);
    hs_job_free(&job);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *config_suite(void)
{
    Suite *suite = suite_create("config");
    TCase *basics = tcase_create("basics");
    tcase_add_test(basics, test_defaults_match_spec);
    tcase_add_test(basics, test_a_sweep_section_gives_defaults_elsewhere);
    tcase_add_test(basics, test_a_job_without_a_sweep_is_refused);
    tcase_add_test(basics, test_all_refusals_are_reported_at_once);
    tcase_add_test(basics, test_full_job_parses);
    tcase_add_test(basics, test_key_lines_are_kept);
    tcase_add_test(basics, test_aliases_reference_anchors);
    tcase_add_test(basics, test_names);
    tcase_add_test(basics, test_format_double_is_shortest_round_trip);
    tcase_add_test(basics, test_print_parse_round_trip);
    tcase_add_test(basics, test_print_follows_spec_order);
    tcase_add_test(basics, test_canonical_content);
    tcase_add_test(basics, test_canonical_is_science_only_and_sorted);
    suite_add_tcase(suite, basics);

    TCase *refusals = tcase_create("refusals");
    tcase_set_timeout(refusals, 60);
    tcase_add_test(refusals, test_syntax_error_has_line_and_column);
    tcase_add_test(refusals, test_nesting_deeper_than_64_is_refused);
    tcase_add_test(refusals, test_more_than_64_aliases_is_refused);
    tcase_add_test(refusals, test_more_than_10000_nodes_is_refused);
    tcase_add_test(refusals, test_top_level_must_be_a_mapping);
    tcase_add_test(refusals, test_unknown_key_names_the_nearest);
    tcase_add_test(refusals, test_name_control_characters_and_nul_refused);
    tcase_add_test(refusals, test_duplicate_key_names_both_lines);
    tcase_add_test(refusals, test_scalar_where_list_expected);
    tcase_add_test(refusals, test_wrong_types_are_refused);
    tcase_add_test(refusals, test_integer_keys_refuse_fractions);
    tcase_add_test(refusals, test_non_finite_numbers_are_refused);
    tcase_add_test(refusals, test_bad_enum_values_list_the_valid_ones);
    tcase_add_test(refusals, test_out_of_range_values_are_refused);
    tcase_add_test(refusals, test_seed_must_be_below_2_to_the_32);
    tcase_add_test(refusals, test_empty_axis_is_refused);
    tcase_add_test(refusals, test_repeated_axis_value_is_refused);
    tcase_add_test(refusals, test_validation_zero_needs_fixed_selection);
    tcase_add_test(refusals, test_fixed_selection_needs_one_lambda);
    tcase_add_test(refusals, test_tau_mean_must_exceed_tau_min);
    tcase_add_test(refusals, test_file_profile_and_source_need_their_files);
    tcase_add_test(refusals, test_nul_bytes_are_refused);
    suite_add_tcase(suite, refusals);

    TCase *files = tcase_create("files");
    tcase_add_test(files, test_load_reads_a_file);
    tcase_add_test(files, test_load_missing_file_is_refused);
    suite_add_tcase(suite, files);
    return suite;
}

/* The suite check_runner.c runs. */
Suite *hs_test_suite(void)
{
    return config_suite();
}
