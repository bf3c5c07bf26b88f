/* results.c - the results schema (one row per per-network /results field),
 * and allocation and fill values of work-item results, from it. */
#include "hetsweep/results.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/error.h"

#define RESULTS_GROUP "/results/"

/* A per-network value (or fixed run of values) of hs_column_result. */
#define AT(member) offsetof(hs_column_result, member)

/* The table. The journal stores the fields in this order: new fields go last. */
static const hs_result_field fields[] = {
    {"/results/status", HS_ELEM_I8, HS_ELEM_I8, 1, NULL, AT(status), -1, NULL},
    {"/results/tau_moments", HS_ELEM_F64, HS_ELEM_F64, 5, "moment", AT(tau_moments), NAN,
     "ms (skewness: none)"},
    {"/results/dimensionality", HS_ELEM_F64, HS_ELEM_F32, 1, NULL, AT(dimensionality), NAN,
     NULL},
    {"/results/simulated_seconds", HS_ELEM_F64, HS_ELEM_F64, 1, NULL, AT(simulated_seconds),
     NAN, "s"},
    {"/results/counters/neuron_updates", HS_ELEM_I64, HS_ELEM_I64, 1, NULL,
     AT(counters[HS_COUNT_NEURON_UPDATES]), -1, NULL},
    {"/results/counters/spikes", HS_ELEM_I64, HS_ELEM_I64, 1, NULL,
     AT(counters[HS_COUNT_SPIKES]), -1, NULL},
    {"/results/counters/synaptic_events", HS_ELEM_I64, HS_ELEM_I64, 1, NULL,
     AT(counters[HS_COUNT_SYNAPTIC_EVENTS]), -1, NULL},
    {"/results/activity/saturated_fraction", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(activity[HS_ACTIVITY_SATURATED_FRACTION]), NAN, "fraction"},
    {"/results/activity/mean_rate_hz", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(activity[HS_ACTIVITY_MEAN_RATE_HZ]), NAN, "Hz"},
    {"/results/activity/max_rate_hz", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(activity[HS_ACTIVITY_MAX_RATE_HZ]), NAN, "Hz"},
    {"/results/activity/silent_fraction", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(activity[HS_ACTIVITY_SILENT_FRACTION]), NAN, "fraction"},
    {"/results/activity/lif_bias", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(activity[HS_ACTIVITY_LIF_BIAS]), NAN, "threshold units"},
    {"/results/costs/sim_flops", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(costs[HS_COST_SIM_FLOPS]), NAN, "FLOP"},
    {"/results/costs/inference_flops", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(costs[HS_COST_INFERENCE_FLOPS]), NAN, "FLOP"},
    {"/results/costs/memory_bytes", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(costs[HS_COST_MEMORY_BYTES]), NAN, "bytes"},
    {"/results/costs/atp", HS_ELEM_F64, HS_ELEM_F64, 1, NULL, AT(costs[HS_COST_ATP]), NAN,
     "ATP molecules"},
    {"/results/costs/loihi2_j", HS_ELEM_F64, HS_ELEM_F64, 1, NULL, AT(costs[HS_COST_LOIHI2_J]),
     NAN, "J"},
    {"/results/costs/spinnaker2_j", HS_ELEM_F64, HS_ELEM_F64, 1, NULL,
     AT(costs[HS_COST_SPINNAKER2_J]), NAN, "J"},
    {"/results/score", HS_ELEM_F32, HS_ELEM_F32, HS_RESULT_PER_TASK, "task", AT(score), NAN,
     "R^2"},
    {"/results/alignment", HS_ELEM_F32, HS_ELEM_F32, HS_RESULT_PER_TASK, "task", AT(alignment),
     NAN, NULL},
    {"/results/lambda_index", HS_ELEM_I8, HS_ELEM_I8, HS_RESULT_PER_TASK, "task",
     AT(lambda_index), -1, NULL},
#ifdef HS_TEST_EXTRA_RESULT_FIELD
    /* tests/test_schema.c: a field no other file names. It shares the storage
     * of simulated_seconds, as a test build cannot change hs_column_result's
     * layout for the objects it links unchanged. */
    {"/results/test_extra", HS_ELEM_F64, HS_ELEM_F64, 1, NULL, AT(simulated_seconds), NAN,
     "s"},
#endif
};

#define N_FIELDS ((int)(sizeof fields / sizeof *fields))

const hs_result_field *hs_result_fields(int *count)
{
    *count = N_FIELDS;
    return fields;
}

const char *hs_result_name(const hs_result_field *field)
{
    return field->path + strlen(RESULTS_GROUP);
}

const hs_result_field *hs_result_field_named(const char *name)
{
    for (int k = 0; k < N_FIELDS; k++)
        if (strcmp(hs_result_name(&fields[k]), name) == 0)
            return &fields[k];
    return NULL;
}

size_t hs_elem_size(hs_elem_type type)
{
    return type == HS_ELEM_I8 ? 1 : type == HS_ELEM_F32 ? 4 : 8;
}

size_t hs_result_count(const hs_result_field *field, size_t n_tasks)
{
    return field->inner == HS_RESULT_PER_TASK ? n_tasks : field->inner;
}

size_t hs_result_bytes(const hs_result_field *field, size_t n_tasks)
{
    return hs_result_count(field, n_tasks) * hs_elem_size(field->memory);
}

void *hs_result_values(hs_column_result *column, const hs_result_field *field)
{
    unsigned char *at = (unsigned char *)column + field->offset;
    if (field->inner != HS_RESULT_PER_TASK)
        return at;
    void *values;
    memcpy(&values, at, sizeof values);
    return values;
}

const void *hs_result_cvalues(const hs_column_result *column, const hs_result_field *field)
{
    return hs_result_values((hs_column_result *)column, field);
}

/* count values of a memory type, each the fill. */
static void fill_values(void *values, hs_elem_type type, double fill, size_t count)
{
    for (size_t k = 0; k < count; k++)
        switch (type) {
        case HS_ELEM_F32:
            ((float *)values)[k] = (float)fill;
            break;
        case HS_ELEM_F64:
            ((double *)values)[k] = fill;
            break;
        case HS_ELEM_I8:
            ((int8_t *)values)[k] = (int8_t)fill;
            break;
        case HS_ELEM_I64:
            ((int64_t *)values)[k] = (int64_t)fill;
            break;
        }
}

static void column_init(hs_column_result *c, int column, size_t n_tasks)
{
    c->column = column;
    for (int k = 0; k < N_FIELDS; k++) {
        const hs_result_field *f = &fields[k];
        size_t count = hs_result_count(f, n_tasks);
        if (f->inner == HS_RESULT_PER_TASK) {
            void *values = hs_xmalloc(count ? hs_result_bytes(f, n_tasks) : 1);
            memcpy((unsigned char *)c + f->offset, &values, sizeof values);
        }
        fill_values(hs_result_values(c, f), f->memory, f->fill, count);
    }
}

static void column_free(hs_column_result *c)
{
    for (int k = 0; k < N_FIELDS; k++)
        if (fields[k].inner == HS_RESULT_PER_TASK)
            free(hs_result_values(c, &fields[k]));
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
    for (int b = 0; b < item->n_columns; b++)
        column_free(&item->columns[b]);
    free(item->columns);
    item->columns = NULL;
    item->n_columns = 0;
}

void hs_column_result_copy(hs_column_result *dst, const hs_column_result *src, size_t n_tasks)
{
    for (int k = 0; k < N_FIELDS; k++)
        memcpy(hs_result_values(dst, &fields[k]), hs_result_cvalues(src, &fields[k]),
               hs_result_bytes(&fields[k], n_tasks));
}
