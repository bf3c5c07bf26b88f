/* job_schema.c - the table of job keys (SPEC 5) with each key's type, range
 * and default, the names of enum values, and the job's defaults and release.
 *
 * Every row of the table carries its key's default, so hs_job_defaults()
 * only walks the table: a new key is one row here (and a line in
 * docs/job-reference.md). The reader (config.c) and the emitters
 * (job_emit.c) walk the same table.
 */
#include "hetsweep/job_schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const MODEL_NAMES[] = {"rate", "lif", NULL};
static const char *const PROFILE_NAMES[] = {"lognormal", "gamma", "normal", "uniform",
                                            "file", NULL};
static const char *const WEIGHTS_NAMES[] = {"gaussian", "dale", NULL};
static const char *const ACTIVATION_NAMES[] = {"tanh", "sigmoid", NULL};
static const char *const SOURCE_NAMES[] = {"random", "file", NULL};
static const char *const SELECTION_NAMES[] = {"validation", "fixed", NULL};
static const char *const PRECISION_NAMES[] = {"float64", "mixed", NULL};
static const char *const SYSTEM_NAMES[] = {"lorenz", NULL};
static const char *const AXIS_NAMES[] = {"model", "profile", "heterogeneity",
                                         "tau_mean_ms", "n", "input_gain",
                                         "recurrent_gain", "noise", "seed", NULL};

const char *hs_name_of(const char *const *names, int code)
{
    for (int i = 0; code >= 0 && names[i]; i++)
        if (i == code)
            return names[i];
    return "unknown";
}

const char *hs_axis_name(int axis)
{
    return hs_name_of(AXIS_NAMES, axis);
}

const char *hs_model_name(int model)
{
    return hs_name_of(MODEL_NAMES, model);
}

const char *hs_profile_name(int profile)
{
    return hs_name_of(PROFILE_NAMES, profile);
}

void hs_key_path(char *buf, size_t size, const char *prefix, const char *name)
{
    if (prefix[0])
        snprintf(buf, size, "%s.%s", prefix, name);
    else
        snprintf(buf, size, "%s", name);
}

int hs_control_length(const unsigned char *c)
{
    if (*c < 0x20 || *c == 0x7f)
        return 1;
    return c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f ? 2 : 0;
}

/* ------------------------------------------------------------------------ */
/* Ranges                                                                   */
/* ------------------------------------------------------------------------ */

static const hs_value_range ANY_FINITE = {-INFINITY, INFINITY, false, false,
                                          "any finite number"};
static const hs_value_range POSITIVE = {0, INFINITY, true, false, "a number > 0"};
static const hs_value_range NON_NEGATIVE = {0, INFINITY, false, false, "a number >= 0"};
static const hs_value_range PROBABILITY = {0, 1, true, false, "a number in (0, 1]"};
static const hs_value_range OPEN_FRACTION = {0, 1, true, true, "a number in (0, 1)"};
static const hs_value_range SEED_RANGE = {0, 4294967296.0, false, true,
                                          "an integer in [0, 2^32)"};
static const hs_value_range N_RANGE = {2, 1e7, false, false,
                                       "an integer in [2, 10000000]"};
static const hs_value_range DELAY_COUNT_RANGE = {1, 100000, false, false,
                                                 "an integer in [1, 100000]"};
static const hs_value_range LAMBDA_COUNT_RANGE = {1, 127, false, false,
                                                  "an integer in [1, 127]"};
static const hs_value_range THREADS_RANGE = {1, 1024, false, false,
                                             "an integer in [1, 1024]"};
static const hs_value_range COMPONENT_RANGE = {1, 3, false, false, "1, 2 or 3"};
static const hs_value_range DEGREE_RANGE = {1, 20, false, false,
                                            "an integer in [1, 20]"};

/* ------------------------------------------------------------------------ */
/* The table: name, field, range or names, default                          */
/* ------------------------------------------------------------------------ */

#define FIELD(f) offsetof(hs_job, f)
#define DEFAULT_LIST(...)                                                                \
    .default_list = (const double[]){__VA_ARGS__},                                        \
    .default_count = (int)(sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define REAL(key, f, r, d)                                                               \
    {.name = key, .kind = KEY_REAL, .offset = FIELD(f), .range = &r, .default_value = d}
#define REAL_OR_NULL(key, f, r) /* default null */                                       \
    {.name = key, .kind = KEY_REAL_OR_NULL, .offset = FIELD(f), .range = &r,             \
     .default_value = NAN}
#define INTEGER(key, f, r, d)                                                            \
    {.name = key, .kind = KEY_INT, .offset = FIELD(f), .range = &r, .default_value = d}
#define ENUM(key, f, n, d)                                                               \
    {.name = key, .kind = KEY_ENUM, .offset = FIELD(f), .names = n, .default_value = d}
#define INPUT_FILE_OR_NULL(key, f, which) /* default null */                             \
    {.name = key, .kind = KEY_STRING_OR_NULL, .offset = FIELD(f), .flags = KEY_INPUT_FILE,   \
     .input_file = which}
#define INT_SET(key, items, count, r, ...)                                               \
    {.name = key, .kind = KEY_INT_SET, .offset = FIELD(items),                            \
     .second_offset = FIELD(count), .range = &r, DEFAULT_LIST(__VA_ARGS__)}
#define AXIS(key, k, id, r, ...)                                                         \
    {.name = key, .kind = k, .axis = id, .range = &r, DEFAULT_LIST(__VA_ARGS__)}
#define AXIS_ENUM(key, id, n, ...)                                                       \
    {.name = key, .kind = KEY_AXIS_ENUM, .axis = id, .names = n, DEFAULT_LIST(__VA_ARGS__)}
#define SECTION(key, c, fl) {.name = key, .kind = KEY_SECTION, .children = c, .flags = fl}
#define END_OF_KEYS {.name = NULL}

static const hs_key_spec STIMULUS_KEYS[] = {
    {.name = "system", .kind = KEY_FIXED_ENUM, .names = SYSTEM_NAMES},
    REAL("time_scale_ms", stimulus.time_scale_ms, POSITIVE, 50.0),
    END_OF_KEYS};

static const hs_key_spec TIME_KEYS[] = {
    REAL("dt_ms", time.dt_ms, POSITIVE, 1.0),
    REAL("washout_ms", time.washout_ms, NON_NEGATIVE, 500.0),
    REAL("train_ms", time.train_ms, POSITIVE, 20000.0),
    REAL("validation_ms", time.validation_ms, NON_NEGATIVE, 5000.0),
    REAL("test_ms", time.test_ms, POSITIVE, 5000.0),
    END_OF_KEYS};

static const hs_key_spec NETWORK_KEYS[] = {
    REAL("connectivity", network.connectivity, PROBABILITY, 0.1),
    ENUM("weights", network.weights, WEIGHTS_NAMES, HS_WEIGHTS_GAUSSIAN),
    REAL("excitatory_fraction", network.excitatory_fraction, OPEN_FRACTION, 0.8),
    REAL_OR_NULL("mu_e", network.mu_e, POSITIVE),
    REAL_OR_NULL("sigma_0", network.sigma_0, NON_NEGATIVE),
    ENUM("activation", network.activation, ACTIVATION_NAMES, HS_ACT_TANH),
    REAL("tau_min_ms", network.tau_min_ms, POSITIVE, 1.0),
    INPUT_FILE_OR_NULL("tau_file", network.tau_file, HS_INPUT_TAU_FILE),
    ENUM("source", network.source, SOURCE_NAMES, HS_SOURCE_RANDOM),
    INPUT_FILE_OR_NULL("source_file", network.source_file, HS_INPUT_SOURCE_FILE),
    END_OF_KEYS};

static const hs_key_spec LIF_KEYS[] = {
    REAL("dt_ms", lif.dt_ms, POSITIVE, 0.25),
    REAL("refractory_ms", lif.refractory_ms, NON_NEGATIVE, 2.0),
    REAL("tau_syn_ms", lif.tau_syn_ms, POSITIVE, 5.0),
    REAL("tau_readout_ms", lif.tau_readout_ms, POSITIVE, 20.0),
    REAL("bias", lif.bias, ANY_FINITE, 0.5),
    REAL_OR_NULL("target_rate_hz", lif.target_rate_hz, POSITIVE),
    END_OF_KEYS};

static const hs_key_spec TASKS_KEYS[] = {
    INT_SET("components", tasks.components, tasks.n_components, COMPONENT_RANGE, 1, 2, 3),
    INT_SET("degrees", tasks.degrees, tasks.n_degrees, DEGREE_RANGE, 1, 2, 3, 4, 5, 6),
    {.name = "delay_range", .kind = KEY_REAL_PAIR, .offset = FIELD(tasks.delay_lo),
     .second_offset = FIELD(tasks.delay_hi), .range = &ANY_FINITE,
     DEFAULT_LIST(-2.0, 2.0)},
    INTEGER("delay_count", tasks.delay_count, DELAY_COUNT_RANGE, 49),
    END_OF_KEYS};

static const hs_key_spec LAMBDA_KEYS[] = {
    REAL("min", readout.lambda_min, POSITIVE, 1.0e-8),
    REAL("max", readout.lambda_max, POSITIVE, 1.0e2),
    INTEGER("count", readout.lambda_count, LAMBDA_COUNT_RANGE, 11),
    END_OF_KEYS};

static const hs_key_spec READOUT_KEYS[] = {
    SECTION("lambdas", LAMBDA_KEYS, KEY_FLOW),
    ENUM("selection", readout.selection, SELECTION_NAMES, HS_SELECT_VALIDATION),
    ENUM("precision", readout.precision, PRECISION_NAMES, HS_PRECISION_FLOAT64),
    END_OF_KEYS};

static const hs_key_spec SWEEP_KEYS[] = {
    AXIS_ENUM("model", HS_AX_MODEL, MODEL_NAMES, HS_MODEL_RATE),
    AXIS_ENUM("profile", HS_AX_PROFILE, PROFILE_NAMES, HS_PROFILE_LOGNORMAL),
    AXIS("heterogeneity", KEY_AXIS_REAL, HS_AX_HETEROGENEITY, NON_NEGATIVE,
         0.0, 0.25, 0.5, 1.0, 2.0),
    AXIS("tau_mean_ms", KEY_AXIS_REAL, HS_AX_TAU_MEAN, POSITIVE, 20.0),
    AXIS("n", KEY_AXIS_INT, HS_AX_N, N_RANGE, 100, 200),
    AXIS("input_gain", KEY_AXIS_REAL, HS_AX_INPUT_GAIN, NON_NEGATIVE, 1.0),
    AXIS("recurrent_gain", KEY_AXIS_REAL, HS_AX_RECURRENT_GAIN, NON_NEGATIVE, 1.0),
    AXIS("noise", KEY_AXIS_REAL, HS_AX_NOISE, NON_NEGATIVE, 0.1),
    AXIS("seeds", KEY_AXIS_INT, HS_AX_SEED, SEED_RANGE, 0, 1),
    END_OF_KEYS};

static const hs_key_spec OUTPUT_KEYS[] = {
    {.name = "store_networks", .kind = KEY_BOOL, .offset = FIELD(output.store_networks),
     .default_value = false},
    END_OF_KEYS};

static const hs_key_spec ATP_KEYS[] = {
    REAL("rest_per_neuron_s", costs.atp_rest_per_neuron_s, NON_NEGATIVE, 3.42e8),
    REAL("spike", costs.atp_spike, NON_NEGATIVE, 3.84e8),
    REAL("event", costs.atp_event, NON_NEGATIVE, 1.64e5),
    END_OF_KEYS};

#define PLATFORM_KEYS(platform, synop, spike, update, static_power)                      \
    {REAL("synop_j", costs.platform.synop_j, NON_NEGATIVE, synop),                        \
     REAL("spike_j", costs.platform.spike_j, NON_NEGATIVE, spike),                        \
     REAL("update_j", costs.platform.update_j, NON_NEGATIVE, update),                     \
     REAL("static_w", costs.platform.static_w, NON_NEGATIVE, static_power), END_OF_KEYS}

static const hs_key_spec LOIHI2_KEYS[] =
    PLATFORM_KEYS(loihi2, 23.6e-12, 1.7e-12, 52.0e-12, 0.0);
static const hs_key_spec SPINNAKER2_KEYS[] =
    PLATFORM_KEYS(spinnaker2, 10.0e-12, 10.0e-12, 20.0e-12, 0.0);

static const hs_key_spec COSTS_KEYS[] = {
    REAL("flops_per_neuron_update", costs.flops_per_neuron_update, NON_NEGATIVE, 20.0),
    SECTION("atp", ATP_KEYS, KEY_FLOW),
    SECTION("loihi2", LOIHI2_KEYS, KEY_FLOW),
    SECTION("spinnaker2", SPINNAKER2_KEYS, KEY_FLOW),
    END_OF_KEYS};

static const hs_key_spec RUN_KEYS[] = {
    REAL("memory_budget_mb", run.memory_budget_mb, POSITIVE, 4096.0),
    INTEGER("threads_per_rank", run.threads_per_rank, THREADS_RANGE, 1),
    REAL("progress_every_s", run.progress_every_s, NON_NEGATIVE, 5.0),
    REAL("checkpoint_every_s", run.checkpoint_every_s, POSITIVE, 300.0),
    END_OF_KEYS};

const hs_key_spec HS_JOB_KEYS[] = {
    {.name = "name", .kind = KEY_STRING, .offset = FIELD(name), .flags = KEY_NOT_SCIENCE,
     .default_text = "demo"},
    {.name = "seed", .kind = KEY_SEED, .offset = FIELD(seed), .range = &SEED_RANGE,
     .default_value = 1},
    SECTION("stimulus", STIMULUS_KEYS, 0),
    SECTION("time", TIME_KEYS, 0),
    SECTION("network", NETWORK_KEYS, 0),
    SECTION("lif", LIF_KEYS, 0),
    SECTION("tasks", TASKS_KEYS, 0),
    SECTION("readout", READOUT_KEYS, 0),
    SECTION("sweep", SWEEP_KEYS, 0),
    SECTION("output", OUTPUT_KEYS, 0),
    SECTION("costs", COSTS_KEYS, 0),
    SECTION("run", RUN_KEYS, KEY_NOT_SCIENCE),
    END_OF_KEYS};

/* ------------------------------------------------------------------------ */
/* Defaults and freeing                                                     */
/* ------------------------------------------------------------------------ */

static void set_axis_default(hs_axis *axis, const hs_key_spec *key)
{
    axis->count = key->default_count;
    axis->values = hs_xmalloc((size_t)key->default_count * sizeof *axis->values);
    memcpy(axis->values, key->default_list, (size_t)key->default_count * sizeof(double));
}

static void set_int_set_default(hs_job *job, const hs_key_spec *key)
{
    int *items = hs_xmalloc((size_t)key->default_count * sizeof *items);
    for (int i = 0; i < key->default_count; i++)
        items[i] = (int)key->default_list[i];
    *hs_job_int_list(job, key->offset) = items;
    *hs_job_int(job, key->second_offset) = key->default_count;
}

static void set_defaults(hs_job *job, const hs_key_spec *keys);

static void set_default(hs_job *job, const hs_key_spec *key)
{
    switch (key->kind) {
    case KEY_SECTION:
        set_defaults(job, key->children);
        break;
    case KEY_REAL:
    case KEY_REAL_OR_NULL:
        *hs_job_real(job, key->offset) = key->default_value;
        break;
    case KEY_INT:
    case KEY_ENUM:
        *hs_job_int(job, key->offset) = (int)key->default_value;
        break;
    case KEY_SEED:
        job->seed = (uint32_t)key->default_value;
        break;
    case KEY_BOOL:
        *hs_job_bool(job, key->offset) = key->default_value != 0;
        break;
    case KEY_FIXED_ENUM:
        break;
    case KEY_STRING:
    case KEY_STRING_OR_NULL:
        *hs_job_string(job, key->offset) =
            key->default_text ? hs_xstrdup(key->default_text) : NULL;
        break;
    case KEY_INT_SET:
        set_int_set_default(job, key);
        break;
    case KEY_REAL_PAIR:
        *hs_job_real(job, key->offset) = key->default_list[0];
        *hs_job_real(job, key->second_offset) = key->default_list[1];
        break;
    default:
        set_axis_default(&job->axes[key->axis], key);
        break;
    }
}

static void set_defaults(hs_job *job, const hs_key_spec *keys)
{
    for (const hs_key_spec *key = keys; key->name; key++)
        set_default(job, key);
}

void hs_job_defaults(hs_job *job)
{
    memset(job, 0, sizeof *job);
    set_defaults(job, HS_JOB_KEYS);
}

void hs_job_free(hs_job *job)
{
    if (!job)
        return;
    free(job->path);
    free(job->text);
    free(job->name);
    free(job->network.tau_file);
    free(job->network.source_file);
    free(job->tasks.components);
    free(job->tasks.degrees);
    for (int axis = 0; axis < HS_N_AXES; axis++)
        free(job->axes[axis].values);
    free(job->key_lines);
    memset(job, 0, sizeof *job);
}
