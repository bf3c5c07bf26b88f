/* results.h - what one work item produces: per column (network) values for
 * every /results dataset of the cube (SPEC 3), before they are written; and
 * the one table (the results schema) that says how each is stored.
 */
#ifndef HETSWEEP_RESULTS_H
#define HETSWEEP_RESULTS_H

#include <stddef.h>
#include <stdint.h>

/* /results/status codes (int8; -1 = not computed, the fill value). */
enum hs_network_status {
    HS_NET_NOT_RUN = -1,
    HS_NET_OK = 0,
    HS_NET_NONFINITE = 1,  /* the state turned non-finite */
    HS_NET_INFEASIBLE = 2  /* "moments infeasible" for the tau profile */
};

enum hs_counter {
    HS_COUNT_NEURON_UPDATES = 0,
    HS_COUNT_SPIKES,
    HS_COUNT_SYNAPTIC_EVENTS,
    HS_N_COUNTERS
};

enum hs_activity {
    HS_ACTIVITY_SATURATED_FRACTION = 0,
    HS_ACTIVITY_MEAN_RATE_HZ,
    HS_ACTIVITY_MAX_RATE_HZ,
    HS_ACTIVITY_SILENT_FRACTION,
    HS_ACTIVITY_LIF_BIAS, /* the bias used: lif.bias, or calibrated to lif.target_rate_hz */
    HS_N_ACTIVITY
};

enum hs_cost {
    HS_COST_SIM_FLOPS = 0,
    HS_COST_INFERENCE_FLOPS,
    HS_COST_MEMORY_BYTES,
    HS_COST_ATP,
    HS_COST_LOIHI2_J,
    HS_COST_SPINNAKER2_J,
    HS_N_COSTS
};

typedef struct {
    int column;
    int8_t status;
    double tau_moments[5]; /* mean, sd, min, max, skewness */
    double dimensionality;
    double simulated_seconds;
    int64_t counters[HS_N_COUNTERS]; /* -1 where the model has none */
    double activity[HS_N_ACTIVITY];  /* NaN where the model has none */
    double costs[HS_N_COSTS];        /* NaN where the model has none */
    float *score;                    /* [n_tasks] */
    float *alignment;                /* [n_tasks] */
    int8_t *lambda_index;            /* [n_tasks] */
} hs_column_result;

typedef struct {
    int unit;
    int first_column;
    int n_columns;
    size_t n_tasks;
    double wall_seconds;
    hs_column_result *columns; /* n_columns */
} hs_item_result;

/* ---- the results schema ----------------------------------------------------
 *
 * One row per per-network field of /results. Everything that lays out, fills,
 * writes, journals, checks or lists those datasets loops over this table
 * (results.c, cube.c, journal.c, cubecheck.c, inspect.c): a field added here,
 * with its member in hs_column_result, appears everywhere with no other edit.
 * The journal stores the fields in table order, so the order is part of its
 * byte layout (tests/test_journal.c pins it): add new fields at the end.
 * /results/done and /results/wall_seconds are per unit, not per network, and
 * are not in the table. */

/* An element type: in memory (hs_column_result, the journal) and in the cube. */
typedef enum { HS_ELEM_F32, HS_ELEM_F64, HS_ELEM_I8, HS_ELEM_I64 } hs_elem_type;

/* `inner` of a field with one value per task. */
#define HS_RESULT_PER_TASK 0

typedef struct {
    const char *path;       /* the dataset, "/results/..." */
    hs_elem_type memory;    /* in hs_column_result and the journal */
    hs_elem_type file;      /* in the cube (dimensionality: float64 kept, float32 stored) */
    size_t inner;           /* values per network: 1 (dataset [axes...]), a fixed count k
                               ([axes..., k]) or HS_RESULT_PER_TASK ([axes..., task]) */
    const char *inner_axis; /* the last dimension's name where inner != 1 */
    size_t offset;          /* in hs_column_result: the first value, or, per task, the
                               pointer to the n_tasks values */
    double fill;            /* the value where not computed (NaN or -1) */
    const char *units;      /* the dataset's `units` attribute; NULL where it has none */
} hs_result_field;

/* The table, and its length in *count. */
const hs_result_field *hs_result_fields(int *count);

/* The field whose path below "/results/" is name, or NULL. */
const hs_result_field *hs_result_field_named(const char *name);

/* The path below "/results/" ("counters/spikes"). */
const char *hs_result_name(const hs_result_field *field);

size_t hs_elem_size(hs_elem_type type);

/* Values per network: inner, or n_tasks for a per-task field. */
size_t hs_result_count(const hs_result_field *field, size_t n_tasks);

/* Bytes per network in memory (and in a journal record). */
size_t hs_result_bytes(const hs_result_field *field, size_t n_tasks);

/* A column's values of a field (hs_result_count of them). */
void *hs_result_values(hs_column_result *column, const hs_result_field *field);
const void *hs_result_cvalues(const hs_column_result *column, const hs_result_field *field);

/* Allocate an item's result with every value at its fill. */
void hs_item_result_init(hs_item_result *item, int unit, int first_column, int n_columns,
                         size_t n_tasks);
void hs_item_result_free(hs_item_result *item);

/* Every field's values of src into dst (initialised); dst keeps its column. */
void hs_column_result_copy(hs_column_result *dst, const hs_column_result *src, size_t n_tasks);

#endif
