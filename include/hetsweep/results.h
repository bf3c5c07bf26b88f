/* results.h - what one work item produces: per column (network) values for
 * every /results dataset of the cube (SPEC 3), before they are written.
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

/* Allocate an item's result with every value at its fill. */
void hs_item_result_init(hs_item_result *item, int unit, int first_column, int n_columns,
                         size_t n_tasks);
void hs_item_result_free(hs_item_result *item);

/* Names of the counters, activity measures and costs in the cube. */
const char *hs_counter_name(int counter);
const char *hs_activity_name(int activity);
const char *hs_cost_name(int cost);

#endif
