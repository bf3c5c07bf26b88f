/* config.h - the job: its struct, reading a job file, defaults, and the
 * emitters (print, canonical text, difference).
 *
 * The public header of the job. Behind it: yaml_tree.c (the YAML node tree
 * and its limits), job_schema.c (the key table, each row with its default;
 * hs_job_defaults, hs_job_free, the names), config.c (the reader: load,
 * parse, key lines) and job_emit.c (hs_job_print, hs_job_canonical,
 * hs_canonical_difference, hs_format_double).
 *
 * hs_job_load() reads a YAML job file (SPEC 5), fills every default, checks
 * types and ranges and refuses bad input with the file, line, key and what
 * would be valid (status HS_ERR_INPUT). Cross-key science checks that need
 * other modules (profile feasibility, segment lengths, the memory plan) live
 * in validate.h. The job keeps the line of every key it saw so those checks
 * can point at the right line too.
 */
#ifndef HETSWEEP_CONFIG_H
#define HETSWEEP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hetsweep/error.h"

enum hs_model { HS_MODEL_RATE = 0, HS_MODEL_LIF = 1 };
enum hs_profile {
    HS_PROFILE_LOGNORMAL = 0,
    HS_PROFILE_GAMMA = 1,
    HS_PROFILE_NORMAL = 2,
    HS_PROFILE_UNIFORM = 3,
    HS_PROFILE_FILE = 4
};
enum hs_weights { HS_WEIGHTS_GAUSSIAN = 0, HS_WEIGHTS_DALE = 1 };
enum hs_activation { HS_ACT_TANH = 0, HS_ACT_SIGMOID = 1 };
enum hs_source { HS_SOURCE_RANDOM = 0, HS_SOURCE_FILE = 1 };
enum hs_selection { HS_SELECT_VALIDATION = 0, HS_SELECT_FIXED = 1 };
/* readout.precision: float64 everywhere, or the cross products of each chunk
 * in float32 (merged in float64; Gram and solve stay float64). */
enum hs_precision { HS_PRECISION_FLOAT64 = 0, HS_PRECISION_MIXED = 1 };

/* The sweep axes, in the cube's dimension order (the task axis follows). */
enum hs_axis_id {
    HS_AX_MODEL = 0,
    HS_AX_PROFILE,
    HS_AX_HETEROGENEITY,
    HS_AX_TAU_MEAN,
    HS_AX_N,
    HS_AX_INPUT_GAIN,
    HS_AX_RECURRENT_GAIN,
    HS_AX_NOISE,
    HS_AX_SEED,
    HS_N_AXES
};

/* One axis: its values as doubles. model and profile hold enum codes; n and
 * seed hold integers (exact in a double below 2^53). */
typedef struct {
    int count;
    double *values;
} hs_axis;

typedef struct {
    double synop_j, spike_j, update_j, static_w;
} hs_platform_costs;

/* Where a key was seen in the job file (for messages from later checks). */
typedef struct {
    char path[96];
    int line;
} hs_key_line;

typedef struct {
    char *path; /* the job file's path as given */
    char *text; /* the job file's full text (a cube attribute) */
    char *name;
    uint32_t seed;

    struct {
        double time_scale_ms; /* system is always lorenz */
    } stimulus;
    struct {
        double dt_ms, washout_ms, train_ms, validation_ms, test_ms;
    } time;
    struct {
        double connectivity;
        int weights; /* enum hs_weights */
        double excitatory_fraction;
        double mu_e;    /* NaN when null: 1/sqrt(pN) */
        double sigma_0; /* NaN when null: 1/sqrt(pN) */
        int activation; /* enum hs_activation */
        double tau_min_ms;
        char *tau_file;    /* NULL when null */
        int source;        /* enum hs_source */
        char *source_file; /* NULL when null */
    } network;
    struct {
        double dt_ms, refractory_ms, tau_syn_ms, tau_readout_ms, bias;
        double target_rate_hz; /* NaN when null: the bias is lif.bias */
    } lif;
    struct {
        int n_components;
        int *components; /* 1-based, each in {1,2,3} */
        int n_degrees;
        int *degrees; /* each >= 1 */
        double delay_lo, delay_hi; /* Lorenz units */
        int delay_count;
    } tasks;
    struct {
        double lambda_min, lambda_max;
        int lambda_count;
        int selection; /* enum hs_selection */
        int precision; /* enum hs_precision */
    } readout;
    hs_axis axes[HS_N_AXES];
    struct {
        bool store_networks;
    } output;
    struct {
        double flops_per_neuron_update;
        double atp_rest_per_neuron_s, atp_spike, atp_event;
        hs_platform_costs loihi2, spinnaker2;
    } costs;
    struct {
        double memory_budget_mb;
        int threads_per_rank;
        double progress_every_s;
        double checkpoint_every_s;
    } run;

    int n_key_lines;
    hs_key_line *key_lines;
} hs_job;

/* Fill a job with every default of SPEC 5 (path and text NULL). Allocates
 * (name, lists, axes): release with hs_job_free(). */
void hs_job_defaults(hs_job *job);

/* Read and check a job file. On failure returns HS_ERR_INPUT with a message
 * such as "jobs/x.yaml:12: sweep.heterogeneity: expected a list (got a
 * number; write [0.5] for a single value)"; a file that cannot be opened is
 * invalid input too, and only an I/O error while reading it is
 * HS_ERR_RUNTIME. On failure the job is left zeroed (hs_job_free is safe). */
int hs_job_load(const char *path, hs_job *job, hs_error *err);

/* Same, from text in memory; path is used in messages only. */
int hs_job_parse(const char *path, const char *text, size_t length, hs_job *job,
                 hs_error *err);

void hs_job_free(hs_job *job);

/* The line where a key path such as "sweep.n" was given, or 0 if it was not
 * given (a default). */
int hs_job_line(const hs_job *job, const char *key_path);

/* The job with every default filled, as YAML (check --print-job). */
void hs_job_print(const hs_job *job, FILE *out);

/* The canonical science configuration (SPEC 2, resume identity): every
 * science key with defaults filled, keys sorted, numbers as shortest
 * round-trip strings, one "key.path=value" line each. Caller frees. */
char *hs_job_canonical(const hs_job *job);

/* The input files a job may name, whose contents (not paths) are science. */
enum hs_input_file { HS_INPUT_TAU_FILE = 0, HS_INPUT_SOURCE_FILE = 1, HS_N_INPUT_FILES };

/* SHA-256 (64 hex digits) of the contents of each input file the job names,
 * "" where it names none (job_digest.h computes them). */
typedef struct {
    char sha256[HS_N_INPUT_FILES][65];
} hs_job_digests;

/* The canonical text that identifies a cube (SPEC 2): hs_job_canonical with
 * the line "network.tau_file=PATH" of each input file that has a digest
 * replaced by "network.tau_file_sha256=HEX", so a file moved or copied keeps
 * the identity and an edited one changes it. Without input files it is
 * hs_job_canonical byte for byte. Caller frees. */
char *hs_job_identity_canonical(const hs_job *job, const hs_job_digests *digests);

/* "\n  key: <cube_label> has A, <job_label> has B" for every key that
 * differs between two canonical science texts (both sorted by key), into out
 * (truncated to size); for an input file's digest, "\n  network.tau_file: the
 * file's contents differ (...)". Used by resume and by merge. */
void hs_canonical_difference(const char *cube, const char *job, const char *cube_label,
                             const char *job_label, char *out, size_t size);

/* Names used in messages and the cube. */
const char *hs_axis_name(int axis);        /* "model", "profile", ... "seed" */
const char *hs_model_name(int model);      /* "rate", "lif" */
const char *hs_profile_name(int profile);  /* "lognormal", ... "file" */

/* Number formatting: the shortest string that reads back to the same double. */
void hs_format_double(double value, char *buf, size_t size);

#endif
