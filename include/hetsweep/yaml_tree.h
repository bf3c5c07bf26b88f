/* yaml_tree.h - a YAML document as a small tree of nodes, with parse limits.
 *
 * hs_yaml_parse() reads one YAML document with libyaml's event API into
 * scalars, sequences and mappings, each with its 1-based line. The limits
 * (nesting depth, aliases, nodes, one document) are enforced while the events
 * arrive, before any key is looked at, so a hostile file costs bounded memory
 * and time. Aliases are resolved to shallow copies of complete anchored nodes
 * (recursive structures are refused). Scalars are classified with the YAML 1.2
 * core schema (null, boolean, number, string). Knows nothing of jobs: the job
 * reader (config.h) walks the tree against its schema (job_schema.h).
 */
#ifndef HETSWEEP_YAML_TREE_H
#define HETSWEEP_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "hetsweep/error.h"

#define HS_YAML_MAX_DEPTH 64     /* lists and mappings nested */
#define HS_YAML_MAX_ALIASES 64   /* *references to &anchors */
#define HS_YAML_MAX_NODES 10000  /* values, keys and collections */

enum hs_yaml_kind { HS_YAML_SCALAR, HS_YAML_SEQUENCE, HS_YAML_MAPPING };

typedef struct hs_yaml_node {
    enum hs_yaml_kind kind;
    int line;      /* 1-based */
    char *text;    /* scalars */
    bool plain;    /* a plain scalar: may be null, a boolean or a number */
    bool has_nul;  /* the scalar holds a NUL ("\0" escaped): text stops short of it */
    bool borrowed; /* an alias: text and items belong to the anchored node */
    int n_items;   /* sequences: items; mappings: keys and values alternating */
    int capacity;
    struct hs_yaml_node **items;
    struct hs_yaml_node *next_allocated;
} hs_yaml_node;

typedef struct {
    hs_yaml_node *root; /* NULL for an empty stream */
    hs_yaml_node *all_nodes;
} hs_yaml_tree;

/* Parse text (length bytes; file names it in messages). Refusals are
 * HS_ERR_INPUT: "<file>:<line>[:<column>]: YAML syntax error: ..." or a limit
 * exceeded. On failure the tree is left empty; release it with
 * hs_yaml_tree_free() either way. */
int hs_yaml_parse(const char *file, const char *text, size_t length, hs_yaml_tree *tree,
                  hs_error *err);
void hs_yaml_tree_free(hs_yaml_tree *tree);

/* YAML 1.2 core schema types of a scalar (non-plain scalars are strings). */
enum hs_yaml_scalar { HS_YAML_NULL, HS_YAML_BOOL, HS_YAML_NUMBER, HS_YAML_STRING };

/* The type of a scalar node; a number (decimal, 0x, 0o, .inf, .nan) is
 * written to *number when number is not NULL. */
enum hs_yaml_scalar hs_yaml_classify(const hs_yaml_node *node, double *number);

/* A null scalar ("", "~", "null" ...). */
bool hs_yaml_is_null(const hs_yaml_node *node);

/* A boolean scalar that reads true ("true", "True", "TRUE"). */
bool hs_yaml_is_true(const hs_yaml_node *node);

/* "a list", "a mapping", "null", "a boolean", "a number" or "a string", for
 * "(got ...)" in messages. */
const char *hs_yaml_describe(const hs_yaml_node *node);

#endif
