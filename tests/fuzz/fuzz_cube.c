/* fuzz_cube.c - libFuzzer harness for the cube openers: `status` (text and
 * JSON) and `merge`'s reader, through the structural check (cubecheck).
 *
 * Raw bytes would mostly exercise libhdf5's own parser (which the probe keeps
 * in a child process), so the input is a list of structural mutations applied
 * with the HDF5 API to a small, valid cube made here: datasets replaced by
 * others of any type and shape, removed or added; root attributes set to any
 * type, shape and value; single bytes of /results/status and /results/done
 * overwritten. The mutant gets a matching "<cube>.sum", so it is trusted by
 * the probe and every check after it is ours. No input may crash, leak or
 * trip a sanitizer; refusals are fine. */
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/inspect.h"
#include "hetsweep/merge.h"
#include "hetsweep/probe.h"

#define MAX_POINTS 4096

static char cube_path[256], merged_path[300], merged_sum[320];
static FILE *sink;

/* The input, read a byte at a time (0 once exhausted). */
typedef struct {
    const uint8_t *data;
    size_t size, at;
} input;

static unsigned next(input *in)
{
    return in->at < in->size ? in->data[in->at++] : 0;
}

static const char *dataset_paths[] = {
    "/axes/model", "/axes/profile", "/axes/heterogeneity", "/axes/tau_mean_ms", "/axes/n",
    "/axes/input_gain", "/axes/recurrent_gain", "/axes/noise", "/axes/seed", "/tasks/k",
    "/tasks/d", "/tasks/delta_ms", "/tasks/delta_steps", "/tasks/complexity",
    "/tasks/similarity", "/stimulus/u", "/results/score", "/results/alignment",
    "/results/lambda_index", "/results/dimensionality", "/results/status",
    "/results/tau_moments", "/results/simulated_seconds", "/results/done",
    "/results/wall_seconds", "/results/counters/spikes", "/results/activity/mean_rate_hz",
    "/results/costs/atp", "/job_text", "/job_canonical", "/results/extra"};
#define N_PATHS (sizeof dataset_paths / sizeof *dataset_paths)

static const char *attribute_names[] = {
    "layout_version", "identity", "job_canonical", "job_name", "job_text", "ranks_used",
    "part", "part_batch", "merged_from", "created", "checkpointed", "tool_version"};
#define N_ATTRIBUTES (sizeof attribute_names / sizeof *attribute_names)

/* The element types a mutation may use. */
static hid_t pick_type(unsigned code)
{
    static const hid_t *types[] = {&H5T_IEEE_F32LE_g, &H5T_IEEE_F64LE_g, &H5T_STD_I8LE_g,
                                   &H5T_STD_U8LE_g,   &H5T_STD_I32LE_g,  &H5T_STD_I64LE_g,
                                   &H5T_IEEE_F64BE_g};
    if (code % 8 == 7) {
        hid_t s = H5Tcopy(H5T_C_S1);
        H5Tset_size(s, 1 + code / 8 % 24);
        return s;
    }
    return H5Tcopy(*types[code % 7]);
}

/* ---- the template ------------------------------------------------------------- */

static void dataset(hid_t file, const char *path, hid_t type, int rank, const hsize_t *dims,
                    const void *values)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0)
        abort();
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(ds);
    H5Sclose(space);
    H5Pclose(lcpl);
}

static void string_attribute(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(value) + 1);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, type, value);
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

/* A valid cube: 8 networks (2 profiles, 2 levels, 2 seeds), 2 tasks. */
static void write_template(const char *path)
{
    static const double zeros[64];
    static const int64_t ints[2] = {20, 1};
    static const int32_t tasks[2] = {1, 2};
    static const int8_t status[8] = {0, -1, 0, 2, 1, -1, 0, 0};
    static const uint8_t done[2] = {1, 0};
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 16);
    char names[2][16] = {"lognormal", "gamma"};
    hsize_t one = 1, two = 2, three = 3, square[2] = {2, 2}, u[2] = {4, 3};
    hsize_t net[10] = {1, 2, 2, 1, 1, 1, 1, 1, 2, 2}, unit[3] = {1, 1, 2};
    dataset(file, "/axes/model", str, 1, &one, "rate\0\0\0\0\0\0\0\0\0\0\0");
    dataset(file, "/axes/profile", str, 1, &two, names);
    const char *f64_axes[] = {"/axes/heterogeneity", "/axes/tau_mean_ms", "/axes/input_gain",
                              "/axes/recurrent_gain", "/axes/noise"};
    for (int a = 0; a < 5; a++)
        dataset(file, f64_axes[a], H5T_IEEE_F64LE, 1, a == 0 ? &two : &one, zeros);
    dataset(file, "/axes/n", H5T_STD_I64LE, 1, &one, ints);
    dataset(file, "/axes/seed", H5T_STD_I64LE, 1, &two, ints);
    dataset(file, "/tasks/k", H5T_STD_I32LE, 1, &two, tasks);
    dataset(file, "/tasks/d", H5T_STD_I32LE, 1, &two, tasks);
    dataset(file, "/tasks/delta_steps", H5T_STD_I32LE, 1, &two, tasks);
    dataset(file, "/tasks/delta_ms", H5T_IEEE_F64LE, 1, &two, zeros);
    dataset(file, "/tasks/complexity", H5T_IEEE_F64LE, 1, &two, zeros);
    dataset(file, "/tasks/similarity", H5T_IEEE_F32LE, 2, square, zeros);
    dataset(file, "/stimulus/u", H5T_IEEE_F64LE, 2, u, zeros);
    hid_t stim = H5Dopen2(file, "/stimulus/u", H5P_DEFAULT);
    for (int k = 0; k < 2; k++) {
        hid_t space = H5Screate_simple(1, &three, NULL);
        hid_t attr = H5Acreate2(stim, k ? "raw_std" : "raw_mean", H5T_IEEE_F64LE, space,
                                H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(attr, H5T_NATIVE_DOUBLE, zeros);
        H5Aclose(attr);
        H5Sclose(space);
    }
    H5Dclose(stim);
    dataset(file, "/results/score", H5T_IEEE_F32LE, 10, net, zeros);
    dataset(file, "/results/alignment", H5T_IEEE_F32LE, 10, net, zeros);
    dataset(file, "/results/lambda_index", H5T_STD_I8LE, 10, net, zeros);
    net[9] = 5;
    dataset(file, "/results/tau_moments", H5T_IEEE_F64LE, 10, net, zeros);
    dataset(file, "/results/status", H5T_STD_I8LE, 9, net, status);
    dataset(file, "/results/dimensionality", H5T_IEEE_F32LE, 9, net, zeros);
    const char *f64[] = {"simulated_seconds", "activity/saturated_fraction",
                         "activity/mean_rate_hz", "activity/max_rate_hz",
                         "activity/silent_fraction", "costs/sim_flops", "costs/inference_flops",
                         "costs/memory_bytes", "costs/atp", "costs/loihi2_j",
                         "costs/spinnaker2_j"};
    char name[96];
    for (size_t k = 0; k < sizeof f64 / sizeof *f64; k++) {
        snprintf(name, sizeof name, "/results/%s", f64[k]);
        dataset(file, name, H5T_IEEE_F64LE, 9, net, zeros);
    }
    const char *counters[] = {"neuron_updates", "spikes", "synaptic_events"};
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "/results/counters/%s", counters[k]);
        dataset(file, name, H5T_STD_I64LE, 9, net, zeros);
    }
    dataset(file, "/results/done", H5T_STD_U8LE, 3, unit, done);
    dataset(file, "/results/wall_seconds", H5T_IEEE_F64LE, 3, unit, zeros);
    int layout = 1;
    hid_t scalar = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(file, "layout_version", H5T_STD_I32LE, scalar, H5P_DEFAULT,
                            H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_INT, &layout);
    H5Aclose(attr);
    H5Sclose(scalar);
    string_attribute(file, "identity", "0123456789abcdef");
    string_attribute(file, "job_canonical", "seed=1\nsweep.n=[20]\n");
    string_attribute(file, "job_name", "fuzz");
    H5Tclose(str);
    H5Fclose(file);
}

/* ---- mutations ------------------------------------------------------------------ */

static void replace_dataset(hid_t file, input *in)
{
    const char *path = dataset_paths[next(in) % N_PATHS];
    hid_t type = pick_type(next(in));
    int rank = (int)(next(in) % 12);
    hsize_t dims[12], points = 1;
    for (int d = 0; d < rank; d++) {
        dims[d] = next(in) % 4;
        points *= dims[d];
    }
    if (H5Lexists(file, path, H5P_DEFAULT) > 0)
        H5Ldelete(file, path, H5P_DEFAULT);
    void *values = calloc(points * H5Tget_size(type) + 1, 1);
    for (size_t b = 0; b < points * H5Tget_size(type) && in->at < in->size && b < 64; b++)
        ((uint8_t *)values)[b] = (uint8_t)next(in);
    if (points <= MAX_POINTS) {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        hid_t space = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
        hid_t ds = H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (ds >= 0) {
            H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
            H5Dclose(ds);
        }
        H5Sclose(space);
        H5Pclose(lcpl);
    }
    free(values);
    H5Tclose(type);
}

static void set_attribute(hid_t file, input *in)
{
    const char *name = attribute_names[next(in) % N_ATTRIBUTES];
    hid_t type = pick_type(next(in));
    hsize_t count = next(in) % 5;
    if (H5Aexists(file, name) > 0)
        H5Adelete(file, name);
    hid_t space = count ? H5Screate_simple(1, &count, NULL) : H5Screate(H5S_SCALAR);
    size_t bytes = (count ? count : 1) * H5Tget_size(type);
    uint8_t *values = calloc(bytes + 1, 1);
    for (size_t b = 0; b < bytes; b++)
        values[b] = (uint8_t)next(in);
    hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0) {
        H5Awrite(attr, type, values);
        H5Aclose(attr);
    }
    free(values);
    H5Sclose(space);
    H5Tclose(type);
}

/* Overwrite one byte-sized value of /results/status or /results/done. */
static void poke_value(hid_t file, input *in)
{
    const char *path = next(in) % 2 ? "/results/status" : "/results/done";
    unsigned at = next(in);
    int8_t value = (int8_t)next(in);
    hid_t ds = H5Lexists(file, "/results", H5P_DEFAULT) > 0 &&
                       H5Lexists(file, path, H5P_DEFAULT) > 0
                   ? H5Dopen2(file, path, H5P_DEFAULT)
                   : -1;
    hid_t space = ds < 0 ? -1 : H5Dget_space(ds);
    hssize_t points = space < 0 ? 0 : H5Sget_simple_extent_npoints(space);
    if (points > 0 && points <= MAX_POINTS) {
        int8_t *buf = calloc((size_t)points, 1);
        if (H5Dread(ds, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
            buf[at % (size_t)points] = value;
            H5Dwrite(ds, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        }
        free(buf);
    }
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
}

static void mutate(const char *path, input *in)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0)
        abort();
    for (int op = 0; op < 8 && in->at < in->size; op++) {
        unsigned code = next(in) % 4;
        if (code == 0)
            replace_dataset(file, in);
        else if (code == 1)
            set_attribute(file, in);
        else if (code == 2)
            poke_value(file, in);
        else {
            const char *victim = dataset_paths[next(in) % N_PATHS];
            if (H5Lexists(file, victim, H5P_DEFAULT) > 0)
                H5Ldelete(file, victim, H5P_DEFAULT);
        }
    }
    H5Fclose(file);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char dir[] = "/tmp/hetsweep-fuzz-cube-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    snprintf(cube_path, sizeof cube_path, "%s/cube.h5", dir);
    snprintf(merged_path, sizeof merged_path, "%s/merged.h5", dir);
    snprintf(merged_sum, sizeof merged_sum, "%s.sum", merged_path);
    sink = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size, 0};
    write_template(cube_path);
    mutate(cube_path, &in);
    hs_error err;
    hs_error_clear(&err);
    if (hs_cube_write_sum(cube_path, &err) != HS_OK)
        abort();
    for (int json = 0; json < 2; json++) {
        hs_error_clear(&err);
        hs_cube_status(cube_path, json, sink, &err);
    }
    char *parts[] = {cube_path};
    unlink(merged_path);
    unlink(merged_sum);
    hs_error_clear(&err);
    hs_merge(merged_path, parts, 1, sink, &err);
    return 0;
}
