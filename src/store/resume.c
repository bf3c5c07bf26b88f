/* resume.c - reading an existing cube's identity and progress, and replaying
 * the journals. */
#include "hetsweep/resume.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/cubehead.h"
#include "hetsweep/numerics.h"

int hs_canonical_numerics(const char *canonical)
{
    const char *key = HS_NUMERICS_KEY "=";
    for (const char *line = canonical; line && *line;) {
        if (strncmp(line, key, strlen(key)) == 0)
            return atoi(line + strlen(key));
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 1; /* cubes of the first engine did not record it */
}

int hs_check_numerics(const char *path, const char *canonical, hs_error *err)
{
    int found = hs_canonical_numerics(canonical ? canonical : "");
    if (found == HS_NUMERICS_VERSION)
        return HS_OK;
    return hs_fail(err, HS_ERR_INPUT,
                   "%s was computed with numerics version %d, and this hetsweep computes with "
                   "version %d, whose results differ in rounding: it cannot resume, extend or "
                   "merge that cube (write to another output path, or use the hetsweep that made "
                   "it); the cube was left as it is",
                   path, found, HS_NUMERICS_VERSION);
}

static int check_identity(const hs_cube_head *head, const char *identity, const char *canonical,
                          hs_error *err)
{
    if (strcmp(head->identity, identity) == 0)
        return HS_OK;
    if (hs_check_numerics(head->path, head->canonical, err) != HS_OK)
        return HS_ERR_INPUT;
    char diff[8192];
    hs_canonical_difference(head->canonical ? head->canonical : "", canonical, "cube", "job",
                            diff, sizeof diff);
    return hs_fail(err, HS_ERR_INPUT,
                   "%s holds another job's results; science keys that differ:%s\n"
                   "(use another output path, or --fresh to replace the cube)",
                   head->path, diff[0] ? diff : " (unknown: the cube has no job_canonical)");
}

static int read_progress(hs_cube_head *head, const hs_job *job, const hs_plan *plan,
                         hs_resume *r, hs_error *err)
{
    size_t networks = (size_t)plan->n_units * (size_t)plan->n_columns;
    int8_t *status = hs_cube_head_read(head, "/results/status", H5T_NATIVE_INT8, networks);
    double *wall = hs_cube_head_read(head, "/results/wall_seconds", H5T_NATIVE_DOUBLE,
                                     (size_t)plan->n_units);
    if (!status || !wall) {
        free(status);
        free(wall);
        return hs_fail(err, HS_ERR_INPUT, "%s: /results/status or /results/wall_seconds missing "
                                          "or of the wrong shape; the cube was left as it is",
                       head->path);
    }
    memcpy(r->unit_wall, wall, (size_t)plan->n_units * sizeof(double));
    free(wall);
    hs_grid grid = hs_grid_of_job(job);
    for (int u = 0; u < plan->n_units; u++) {
        if (isnan(r->unit_wall[u]))
            r->unit_wall[u] = 0.0;
        for (int c = 0; c < plan->n_columns; c++) {
            if (status[hs_grid_network(&grid, u, c)] >= 0) {
                r->done[(size_t)u * plan->n_columns + c] = 1;
                r->done_in_cube++;
            }
        }
    }
    free(status);
    r->ranks_used = head->ranks_used; /* taken over from the head */
    r->n_ranks_used = head->n_ranks_used;
    head->ranks_used = NULL;
    r->run_accounting = head->run_accounting;
    head->run_accounting = NULL;
    return HS_OK;
}

static int load_cube(const char *path, const hs_job *job, const hs_plan *plan,
                     const char *identity, const char *canonical, hs_resume *r, hs_error *err)
{
    hs_cube_head head;
    int status = hs_cube_head_open(path, HS_HEAD_STRICT, &head, err);
    if (status == HS_OK)
        status = check_identity(&head, identity, canonical, err);
    if (status == HS_OK)
        status = hs_cube_check_job(&head.shape, path, job, plan, err);
    if (status == HS_OK)
        status = read_progress(&head, job, plan, r, err);
    hs_cube_head_close(&head);
    return status;
}

static int replay_journals(const char *cube_path, const hs_plan *plan, const char *identity,
                           hs_resume *r, hs_error *err)
{
    size_t networks = (size_t)plan->n_units * (size_t)plan->n_columns;
    int status = hs_journal_replay_bounded(cube_path, identity, plan->n_tasks,
                                           hs_journal_max_bytes(networks, plan->n_tasks),
                                           &r->replay, err);
    if (status != HS_OK)
        return status;
    for (int i = 0; i < r->replay.n_items; i++) {
        const hs_item_result *item = &r->replay.items[i];
        if (item->unit >= plan->n_units)
            return hs_fail(err, HS_ERR_INPUT, "journal of %s names unit %d, beyond this job's %d",
                           cube_path, item->unit, plan->n_units);
        int newly = 0;
        for (int k = 0; k < item->n_columns; k++) {
            int column = item->columns[k].column;
            if (column < 0 || column >= plan->n_columns)
                return hs_fail(err, HS_ERR_INPUT, "journal of %s names column %d, beyond %d",
                               cube_path, column, plan->n_columns);
            uint8_t *flag = &r->done[(size_t)item->unit * plan->n_columns + column];
            newly += !*flag;
            *flag = 1;
        }
        r->done_in_journals += newly;
        if (newly) /* not yet in the cube: its time is not yet counted there */
            r->unit_wall[item->unit] += item->wall_seconds;
    }
    return HS_OK;
}

int hs_resume_load(const char *cube_path, const hs_job *job, const hs_plan *plan,
                   const char *identity, const char *canonical, hs_resume *r, hs_error *err)
{
    memset(r, 0, sizeof *r);
    r->done = hs_xcalloc((size_t)plan->n_units * (size_t)plan->n_columns, 1);
    r->unit_wall = hs_xcalloc((size_t)plan->n_units, sizeof(double));
    r->cube_exists = access(cube_path, F_OK) == 0;
    int status = HS_OK;
    if (r->cube_exists)
        status = load_cube(cube_path, job, plan, identity, canonical, r, err);
    if (status == HS_OK)
        status = replay_journals(cube_path, plan, identity, r, err);
    return status;
}

void hs_resume_free(hs_resume *r)
{
    free(r->done);
    free(r->unit_wall);
    free(r->ranks_used);
    free(r->run_accounting);
    hs_journal_replay_free(&r->replay);
    memset(r, 0, sizeof *r);
}
