/* results.c - allocation, fill values and names of work-item results. */
#include "hetsweep/results.h"

#include <math.h>
#include <stdlib.h>

#include "hetsweep/error.h"

static void column_init(hs_column_result *c, int column, size_t n_tasks)
{
    c->column = column;
    c->status = HS_NET_NOT_RUN;
    for (int k = 0; k < 5; k++)
        c->tau_moments[k] = NAN;
    c->dimensionality = NAN;
    c->simulated_seconds = NAN;
    for (int k = 0; k < HS_N_COUNTERS; k++)
        c->counters[k] = -1;
    for (int k = 0; k < HS_N_ACTIVITY; k++)
        c->activity[k] = NAN;
    for (int k = 0; k < HS_N_COSTS; k++)
        c->costs[k] = NAN;
    c->score = hs_xmalloc(n_tasks * sizeof(float));
    c->alignment = hs_xmalloc(n_tasks * sizeof(float));
    c->lambda_index = hs_xmalloc(n_tasks * sizeof(int8_t));
    for (size_t t = 0; t < n_tasks; t++) {
        c->score[t] = NAN;
        c->alignment[t] = NAN;
        c->lambda_index[t] = -1;
    }
}

void hs_item_result_init(hs_item_result *item, int unit, int first_column, int n_columns,
                         size_t n_tasks)
{
    item->unit = unit;
    item->first_column = first_column;
    item->n_columns = n_columns;
    item->n_tasks = n_tasks;
    item->wall_seconds = NAN;
    item->columns = hs_xcalloc((size_t)n_columns, sizeof(hs_column_result));
    for (int b = 0; b < n_columns; b++)
        column_init(&item->columns[b], first_column + b, n_tasks);
}

void hs_item_result_free(hs_item_result *item)
{
    for (int b = 0; b < item->n_columns; b++) {
        free(item->columns[b].score);
        free(item->columns[b].alignment);
        free(item->columns[b].lambda_index);
    }
    free(item->columns);
    item->columns = NULL;
    item->n_columns = 0;
}

const char *hs_counter_name(int counter)
{
    static const char *names[HS_N_COUNTERS] = {"neuron_updates", "spikes", "synaptic_events"};
    return names[counter];
}

const char *hs_activity_name(int activity)
{
    static const char *names[HS_N_ACTIVITY] = {"saturated_fraction", "mean_rate_hz",
                                               "max_rate_hz", "silent_fraction", "lif_bias"};
    return names[activity];
}

const char *hs_cost_name(int cost)
{
    static const char *names[HS_N_COSTS] = {"sim_flops", "inference_flops", "memory_bytes",
                                            "atp",       "loihi2_j",        "spinnaker2_j"};
    return names[cost];
}
