/* config.c - the job file (SPEC 5): reading, defaults, types and ranges.
 *
 * The text is parsed with libyaml's event API into a small node tree; the
 * parse limits (nesting, aliases, nodes) are enforced while the events arrive,
 * before any key is looked at. The tree is then read against a table of keys
 * (key_spec) that says, for every key of SPEC 5, its type, its range and where
 * it lives in hs_job. The same table drives hs_job_print (SPEC 5 order) and
 * hs_job_canonical (the science keys, sorted), so the three never disagree.
 * Every refusal is "<file>:<line>: <key.path>: <what is wrong> (<what would be
 * valid>)" with status HS_ERR_INPUT. Cross-key checks that need other modules
 * (profile feasibility, segment lengths, the memory plan) are in validate.c.
 */
#include "hetsweep/config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "hetsweep/numerics.h"

#define MAX_DEPTH 64
#define MAX_ALIASES 64
#define MAX_NODES 10000
#define MAX_FILE_BYTES ((size_t)16 << 20)
#define MAX_PATH_CHARS 256

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

/* names is NULL-terminated; codes outside it read "unknown". */
static const char *name_of(const char *const *names, int code)
{
    for (int i = 0; code >= 0 && names[i]; i++)
        if (i == code)
            return names[i];
    return "unknown";
}

const char *hs_axis_name(int axis)
{
    return name_of(AXIS_NAMES, axis);
}

const char *hs_model_name(int model)
{
    return name_of(MODEL_NAMES, model);
}

const char *hs_profile_name(int profile)
{
    return name_of(PROFILE_NAMES, profile);
}

/* ------------------------------------------------------------------------ */
/* Numbers and a growing text buffer                                        */
/* ------------------------------------------------------------------------ */

/* Of the strings "%.1g" .. "%.17g" that read back bit-identically, the
 * shortest (the lowest precision on a tie): 20 is "20", not "2e+01". */
void hs_format_double(double value, char *buf, size_t size)
{
    char best[40] = "", candidate[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(candidate, sizeof candidate, "%.*g", precision, value);
        double back = strtod(candidate, NULL);
        bool exact = memcmp(&back, &value, sizeof value) == 0;
        bool shorter = !best[0] || strlen(candidate) < strlen(best);
        bool plainer = strlen(candidate) == strlen(best) && strchr(best, 'e') &&
                       !strchr(candidate, 'e'); /* 20000, not 2e+04 */
        if (exact && (shorter || plainer))
            memcpy(best, candidate, sizeof best);
    }
    if (!best[0]) /* NaN payloads: nothing reads back bit-identically */
        snprintf(best, sizeof best, "%.17g", value);
    snprintf(buf, size, "%s", best);
}

typedef struct {
    char *data;
    size_t length, capacity;
} text_buffer;

static void text_append(text_buffer *text, const char *s)
{
    size_t add = strlen(s);
    if (text->length + add + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 256;
        while (capacity < text->length + add + 1)
            capacity *= 2;
        text->data = hs_xrealloc(text->data, capacity);
        text->capacity = capacity;
    }
    memcpy(text->data + text->length, s, add + 1);
    text->length += add;
}

static void text_printf(text_buffer *text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_printf(text_buffer *text, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int needed = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (needed < (int)sizeof small) {
        text_append(text, small);
        return;
    }
    char *large = hs_xmalloc((size_t)needed + 1);
    va_start(ap, fmt);
    vsnprintf(large, (size_t)needed + 1, fmt, ap);
    va_end(ap);
    text_append(text, large);
    free(large);
}

/* ------------------------------------------------------------------------ */
/* The node tree, built from libyaml events                                 */
/* ------------------------------------------------------------------------ */

enum node_kind { NODE_SCALAR, NODE_SEQUENCE, NODE_MAPPING };

typedef struct tree_node {
    enum node_kind kind;
    int line; /* 1-based */
    char *text;  /* scalars */
    bool plain;  /* a plain scalar: may be null, a boolean or a number */
    bool has_nul; /* the scalar holds a NUL ("\0" escaped): text stops short of it */
    bool borrowed; /* an alias: text and items belong to the anchored node */
    int n_items; /* sequences: items; mappings: keys and values alternating */
    int capacity;
    struct tree_node **items;
    struct tree_node *next_allocated;
} tree_node;

typedef struct {
    char *name;
    tree_node *target;
} anchor_entry;

typedef struct {
    const char *file;
    hs_error *err;
    tree_node *all_nodes;
    int n_nodes, n_aliases, n_documents;
    int depth;
    tree_node *open[MAX_DEPTH];
    char *open_anchor[MAX_DEPTH];
    int n_anchors;
    anchor_entry *anchors;
    tree_node *root;
} tree_builder;

static int mark_line(yaml_mark_t mark)
{
    return (int)mark.line + 1;
}

static int parse_limit_error(tree_builder *builder, yaml_mark_t mark, const char *what)
{
    return hs_fail(builder->err, HS_ERR_INPUT, "%s:%d: %s", builder->file,
                   mark_line(mark), what);
}

static int count_node(tree_builder *builder, yaml_mark_t mark)
{
    if (++builder->n_nodes > MAX_NODES)
        return parse_limit_error(builder, mark,
                                 "more than 10000 YAML nodes (a job file has at most "
                                 "10000 values, keys and collections)");
    return HS_OK;
}

static tree_node *new_node(tree_builder *builder, enum node_kind kind, yaml_mark_t mark)
{
    tree_node *node = hs_xcalloc(1, sizeof *node);
    node->kind = kind;
    node->line = mark_line(mark);
    node->next_allocated = builder->all_nodes;
    builder->all_nodes = node;
    return node;
}

static void free_tree(tree_builder *builder)
{
    tree_node *node = builder->all_nodes;
    while (node) {
        tree_node *next = node->next_allocated;
        if (!node->borrowed) {
            free(node->text);
            free(node->items);
        }
        free(node);
        node = next;
    }
    for (int i = 0; i < builder->n_anchors; i++)
        free(builder->anchors[i].name);
    free(builder->anchors);
    for (int i = 0; i < builder->depth; i++)
        free(builder->open_anchor[i]);
    memset(builder, 0, sizeof *builder);
}

static void append_item(tree_node *parent, tree_node *child)
{
    if (parent->n_items == parent->capacity) {
        parent->capacity = parent->capacity ? 2 * parent->capacity : 8;
        parent->items = hs_xrealloc(parent->items,
                                    (size_t)parent->capacity * sizeof *parent->items);
    }
    parent->items[parent->n_items++] = child;
}

static void attach(tree_builder *builder, tree_node *node)
{
    if (builder->depth > 0)
        append_item(builder->open[builder->depth - 1], node);
    else if (!builder->root)
        builder->root = node;
}

/* A later anchor of the same name replaces an earlier one (YAML 1.2). */
static void define_anchor(tree_builder *builder, const yaml_char_t *name, tree_node *node)
{
    if (!name)
        return;
    builder->anchors = hs_xrealloc(builder->anchors, (size_t)(builder->n_anchors + 1) *
                                                         sizeof *builder->anchors);
    builder->anchors[builder->n_anchors].name = hs_xstrdup((const char *)name);
    builder->anchors[builder->n_anchors].target = node;
    builder->n_anchors++;
}

static tree_node *find_anchor(const tree_builder *builder, const char *name)
{
    for (int i = builder->n_anchors - 1; i >= 0; i--)
        if (strcmp(builder->anchors[i].name, name) == 0)
            return builder->anchors[i].target;
    return NULL;
}

static bool is_string_tag(const yaml_char_t *tag)
{
    return tag && strcmp((const char *)tag, YAML_STR_TAG) == 0;
}

static int on_scalar(tree_builder *builder, const yaml_event_t *event)
{
    int status = count_node(builder, event->start_mark);
    if (status)
        return status;
    tree_node *node = new_node(builder, NODE_SCALAR, event->start_mark);
    node->text = hs_xstrdup((const char *)event->data.scalar.value);
    node->has_nul = strlen(node->text) != event->data.scalar.length;
    node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                  !is_string_tag(event->data.scalar.tag);
    attach(builder, node);
    define_anchor(builder, event->data.scalar.anchor, node);
    return HS_OK;
}

static int on_collection_start(tree_builder *builder, const yaml_event_t *event,
                               enum node_kind kind, const yaml_char_t *anchor)
{
    int status = count_node(builder, event->start_mark);
    if (status)
        return status;
    if (builder->depth == MAX_DEPTH)
        return parse_limit_error(builder, event->start_mark,
                                 "nesting deeper than 64 levels (a job file nests at "
                                 "most 64 lists and mappings)");
    tree_node *node = new_node(builder, kind, event->start_mark);
    attach(builder, node);
    builder->open[builder->depth] = node;
    builder->open_anchor[builder->depth] = anchor ? hs_xstrdup((const char *)anchor) : NULL;
    builder->depth++;
    return HS_OK;
}

/* The anchor of a collection is defined when it closes, so an alias inside
 * it finds nothing: recursive structures are refused. */
static void on_collection_end(tree_builder *builder)
{
    builder->depth--;
    char *anchor = builder->open_anchor[builder->depth];
    define_anchor(builder, (const yaml_char_t *)anchor, builder->open[builder->depth]);
    free(anchor);
    builder->open_anchor[builder->depth] = NULL;
}

static int on_alias(tree_builder *builder, const yaml_event_t *event)
{
    const char *name = (const char *)event->data.alias.anchor;
    if (++builder->n_aliases > MAX_ALIASES)
        return parse_limit_error(builder, event->start_mark,
                                 "more than 64 aliases (a job file uses at most 64 "
                                 "*references to &anchors)");
    tree_node *target = find_anchor(builder, name);
    if (!target)
        return hs_fail(builder->err, HS_ERR_INPUT,
                       "%s:%d:%d: YAML syntax error: alias '*%s' names no anchor defined "
                       "before it (define '&%s' on an earlier, complete value)",
                       builder->file, mark_line(event->start_mark),
                       (int)event->start_mark.column + 1, name, name);
    /* A shallow copy with the alias's own line, so messages point at the
     * reference; the anchored node is complete and never changes again. */
    tree_node *reference = new_node(builder, target->kind, event->start_mark);
    reference->text = target->text;
    reference->plain = target->plain;
    reference->n_items = target->n_items;
    reference->items = target->items;
    reference->borrowed = true;
    attach(builder, reference);
    return HS_OK;
}

static int on_document_start(tree_builder *builder, const yaml_event_t *event)
{
    if (++builder->n_documents > 1)
        return hs_fail(builder->err, HS_ERR_INPUT,
                       "%s:%d: a second YAML document begins here (a job file holds "
                       "one document)",
                       builder->file, mark_line(event->start_mark));
    return HS_OK;
}

static int on_event(tree_builder *builder, const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        return on_document_start(builder, event);
    case YAML_SCALAR_EVENT:
        return on_scalar(builder, event);
    case YAML_SEQUENCE_START_EVENT:
        return on_collection_start(builder, event, NODE_SEQUENCE,
                                   event->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(builder, event, NODE_MAPPING,
                                   event->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_collection_end(builder);
        return HS_OK;
    case YAML_ALIAS_EVENT:
        return on_alias(builder, event);
    default:
        return HS_OK;
    }
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static void offset_to_mark(const char *text, size_t offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}

static int syntax_error(tree_builder *builder, const yaml_parser_t *parser,
                        const char *text)
{
    int line = mark_line(parser->problem_mark);
    int column = (int)parser->problem_mark.column + 1;
    if (parser->error == YAML_READER_ERROR)
        offset_to_mark(text, parser->problem_offset, &line, &column);
    const char *problem = parser->problem ? parser->problem : "malformed YAML";
    if (parser->context)
        return hs_fail(builder->err, HS_ERR_INPUT,
                       "%s:%d:%d: YAML syntax error: %s (%s that began on line %d)",
                       builder->file, line, column, problem, parser->context,
                       mark_line(parser->context_mark));
    return hs_fail(builder->err, HS_ERR_INPUT, "%s:%d:%d: YAML syntax error: %s",
                   builder->file, line, column, problem);
}

static int build_tree(tree_builder *builder, const char *text, size_t length)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return hs_fail(builder->err, HS_ERR_RUNTIME, "%s: cannot start the YAML parser",
                       builder->file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    int status = HS_OK;
    bool done = false;
    while (!done && status == HS_OK) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = syntax_error(builder, &parser, text);
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        status = on_event(builder, &event);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

enum scalar_type { SCALAR_NULL, SCALAR_BOOL, SCALAR_NUMBER, SCALAR_STRING };

static bool is_one_of(const char *text, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(text, words[i]) == 0)
            return true;
    return false;
}

static const char *const NULL_WORDS[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const TRUE_WORDS[] = {"true", "True", "TRUE", NULL};
static const char *const FALSE_WORDS[] = {"false", "False", "FALSE", NULL};
static const char *const INF_WORDS[] = {".inf", ".Inf", ".INF", NULL};
static const char *const NAN_WORDS[] = {".nan", ".NaN", ".NAN", NULL};

static const char *skip_digits(const char *s)
{
    while (*s >= '0' && *s <= '9')
        s++;
    return s;
}

/* YAML 1.2 core schema float or decimal integer:
 * [-+]? (\.[0-9]+ | [0-9]+ (\.[0-9]*)?) ([eE][-+]?[0-9]+)? */
static bool is_decimal_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    const char *start = s;
    s = skip_digits(s);
    bool has_digits = s > start;
    if (*s == '.') {
        const char *fraction = s + 1;
        s = skip_digits(fraction);
        has_digits = has_digits || s > fraction;
    }
    if (!has_digits)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        const char *exponent = s;
        s = skip_digits(s);
        if (s == exponent)
            return false;
    }
    return *s == '\0';
}

static bool parse_prefixed_integer(const char *s, double *value)
{
    int base = 0;
    if (strncmp(s, "0x", 2) == 0 && s[2])
        base = 16;
    else if (strncmp(s, "0o", 2) == 0 && s[2])
        base = 8;
    if (!base)
        return false;
    const char *digits = s + 2;
    const char *valid = base == 16 ? "0123456789abcdefABCDEF" : "01234567";
    if (strspn(digits, valid) != strlen(digits))
        return false;
    errno = 0;
    unsigned long long integer = strtoull(digits, NULL, base);
    *value = errno == ERANGE ? HUGE_VAL : (double)integer;
    return true;
}

static bool parse_special_float(const char *s, double *value)
{
    const char *unsigned_part = (*s == '+' || *s == '-') ? s + 1 : s;
    if (is_one_of(unsigned_part, INF_WORDS)) {
        *value = *s == '-' ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    if (is_one_of(s, NAN_WORDS)) {
        *value = NAN;
        return true;
    }
    return false;
}

static bool parse_number(const char *s, double *value)
{
    if (is_decimal_number(s)) {
        *value = strtod(s, NULL); /* overflow gives HUGE_VAL: refused as non-finite */
        return true;
    }
    return parse_prefixed_integer(s, value) || parse_special_float(s, value);
}

static enum scalar_type classify(const tree_node *node, double *number)
{
    if (!node->plain)
        return SCALAR_STRING;
    if (is_one_of(node->text, NULL_WORDS))
        return SCALAR_NULL;
    if (is_one_of(node->text, TRUE_WORDS) || is_one_of(node->text, FALSE_WORDS))
        return SCALAR_BOOL;
    double ignored;
    if (parse_number(node->text, number ? number : &ignored))
        return SCALAR_NUMBER;
    return SCALAR_STRING;
}

static bool is_null(const tree_node *node)
{
    return node->kind == NODE_SCALAR && classify(node, NULL) == SCALAR_NULL;
}

/* "a list", "a number", ... for "(got ...)" in messages. */
static const char *describe(const tree_node *node)
{
    if (node->kind == NODE_SEQUENCE)
        return "a list";
    if (node->kind == NODE_MAPPING)
        return "a mapping";
    switch (classify(node, NULL)) {
    case SCALAR_NULL:
        return "null";
    case SCALAR_BOOL:
        return "a boolean";
    case SCALAR_NUMBER:
        return "a number";
    default:
        return "a string";
    }
}

/* ------------------------------------------------------------------------ */
/* The table of keys                                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
    const char *text; /* what would be valid, for messages */
} value_range;

static const value_range ANY_FINITE = {-INFINITY, INFINITY, false, false,
                                       "any finite number"};
static const value_range POSITIVE = {0, INFINITY, true, false, "a number > 0"};
static const value_range NON_NEGATIVE = {0, INFINITY, false, false, "a number >= 0"};
static const value_range PROBABILITY = {0, 1, true, false, "a number in (0, 1]"};
static const value_range OPEN_FRACTION = {0, 1, true, true, "a number in (0, 1)"};
static const value_range SEED_RANGE = {0, 4294967296.0, false, true,
                                       "an integer in [0, 2^32)"};
static const value_range N_RANGE = {2, 1e7, false, false,
                                    "an integer in [2, 10000000]"};
static const value_range DELAY_COUNT_RANGE = {1, 100000, false, false,
                                              "an integer in [1, 100000]"};
static const value_range LAMBDA_COUNT_RANGE = {1, 127, false, false,
                                               "an integer in [1, 127]"};
static const value_range THREADS_RANGE = {1, 1024, false, false,
                                          "an integer in [1, 1024]"};
static const value_range COMPONENT_RANGE = {1, 3, false, false, "1, 2 or 3"};
static const value_range DEGREE_RANGE = {1, 20, false, false,
                                         "an integer in [1, 20]"};

enum key_kind {
    KEY_SECTION,        /* a mapping of further keys */
    KEY_REAL,           /* double */
    KEY_REAL_OR_NULL,   /* double, NaN for null */
    KEY_INT,            /* int */
    KEY_SEED,           /* uint32_t */
    KEY_BOOL,           /* bool */
    KEY_ENUM,           /* int code into names */
    KEY_FIXED_ENUM,     /* one-valued enum with no field (stimulus.system) */
    KEY_STRING,         /* char *, never NULL */
    KEY_STRING_OR_NULL, /* char *, NULL for null */
    KEY_INT_SET,        /* int *items at offset, int count at count_offset */
    KEY_REAL_PAIR,      /* [lo, hi], lo <= hi: doubles at offset, second_offset */
    KEY_AXIS_REAL,      /* a sweep axis of numbers */
    KEY_AXIS_INT,       /* a sweep axis of integers */
    KEY_AXIS_ENUM       /* a sweep axis of names */
};

enum { KEY_FLOW = 1, KEY_NOT_SCIENCE = 2 };

typedef struct key_spec {
    const char *name;
    enum key_kind kind;
    size_t offset;
    size_t second_offset; /* KEY_INT_SET: the count; KEY_REAL_PAIR: hi */
    const value_range *range;
    const char *const *names;
    const struct key_spec *children;
    int axis;
    unsigned flags;
} key_spec;

#define FIELD(f) offsetof(hs_job, f)
#define REAL(key, f, r) {.name = key, .kind = KEY_REAL, .offset = FIELD(f), .range = &r}
#define REAL_OR_NULL(key, f, r)                                                          \
    {.name = key, .kind = KEY_REAL_OR_NULL, .offset = FIELD(f), .range = &r}
#define INTEGER(key, f, r) {.name = key, .kind = KEY_INT, .offset = FIELD(f), .range = &r}
#define ENUM(key, f, n) {.name = key, .kind = KEY_ENUM, .offset = FIELD(f), .names = n}
#define PATH_OR_NULL(key, f) {.name = key, .kind = KEY_STRING_OR_NULL, .offset = FIELD(f)}
#define INT_SET(key, items, count, r)                                                    \
    {.name = key, .kind = KEY_INT_SET, .offset = FIELD(items),                            \
     .second_offset = FIELD(count), .range = &r}
#define AXIS(key, k, id, r) {.name = key, .kind = k, .axis = id, .range = r}
#define AXIS_ENUM(key, id, n) {.name = key, .kind = KEY_AXIS_ENUM, .axis = id, .names = n}
#define SECTION(key, c, fl) {.name = key, .kind = KEY_SECTION, .children = c, .flags = fl}
#define END_OF_KEYS {.name = NULL}

static const key_spec STIMULUS_KEYS[] = {
    {.name = "system", .kind = KEY_FIXED_ENUM, .names = SYSTEM_NAMES},
    REAL("time_scale_ms", stimulus.time_scale_ms, POSITIVE),
    END_OF_KEYS};

static const key_spec TIME_KEYS[] = {
    REAL("dt_ms", time.dt_ms, POSITIVE),
    REAL("washout_ms", time.washout_ms, NON_NEGATIVE),
    REAL("train_ms", time.train_ms, POSITIVE),
    REAL("validation_ms", time.validation_ms, NON_NEGATIVE),
    REAL("test_ms", time.test_ms, POSITIVE),
    END_OF_KEYS};

static const key_spec NETWORK_KEYS[] = {
    REAL("connectivity", network.connectivity, PROBABILITY),
    ENUM("weights", network.weights, WEIGHTS_NAMES),
    REAL("excitatory_fraction", network.excitatory_fraction, OPEN_FRACTION),
    REAL_OR_NULL("mu_e", network.mu_e, POSITIVE),
    REAL_OR_NULL("sigma_0", network.sigma_0, NON_NEGATIVE),
    ENUM("activation", network.activation, ACTIVATION_NAMES),
    REAL("tau_min_ms", network.tau_min_ms, POSITIVE),
    PATH_OR_NULL("tau_file", network.tau_file),
    ENUM("source", network.source, SOURCE_NAMES),
    PATH_OR_NULL("source_file", network.source_file),
    END_OF_KEYS};

static const key_spec LIF_KEYS[] = {
    REAL("dt_ms", lif.dt_ms, POSITIVE),
    REAL("refractory_ms", lif.refractory_ms, NON_NEGATIVE),
    REAL("tau_syn_ms", lif.tau_syn_ms, POSITIVE),
    REAL("tau_readout_ms", lif.tau_readout_ms, POSITIVE),
    REAL("bias", lif.bias, ANY_FINITE),
    REAL_OR_NULL("target_rate_hz", lif.target_rate_hz, POSITIVE),
    END_OF_KEYS};

static const key_spec TASKS_KEYS[] = {
    INT_SET("components", tasks.components, tasks.n_components, COMPONENT_RANGE),
    INT_SET("degrees", tasks.degrees, tasks.n_degrees, DEGREE_RANGE),
    {.name = "delay_range", .kind = KEY_REAL_PAIR, .offset = FIELD(tasks.delay_lo),
     .second_offset = FIELD(tasks.delay_hi), .range = &ANY_FINITE},
    INTEGER("delay_count", tasks.delay_count, DELAY_COUNT_RANGE),
    END_OF_KEYS};

static const key_spec LAMBDA_KEYS[] = {
    REAL("min", readout.lambda_min, POSITIVE),
    REAL("max", readout.lambda_max, POSITIVE),
    INTEGER("count", readout.lambda_count, LAMBDA_COUNT_RANGE),
    END_OF_KEYS};

static const key_spec READOUT_KEYS[] = {
    SECTION("lambdas", LAMBDA_KEYS, KEY_FLOW),
    ENUM("selection", readout.selection, SELECTION_NAMES),
    ENUM("precision", readout.precision, PRECISION_NAMES),
    END_OF_KEYS};

static const key_spec SWEEP_KEYS[] = {
    AXIS_ENUM("model", HS_AX_MODEL, MODEL_NAMES),
    AXIS_ENUM("profile", HS_AX_PROFILE, PROFILE_NAMES),
    AXIS("heterogeneity", KEY_AXIS_REAL, HS_AX_HETEROGENEITY, &NON_NEGATIVE),
    AXIS("tau_mean_ms", KEY_AXIS_REAL, HS_AX_TAU_MEAN, &POSITIVE),
    AXIS("n", KEY_AXIS_INT, HS_AX_N, &N_RANGE),
    AXIS("input_gain", KEY_AXIS_REAL, HS_AX_INPUT_GAIN, &NON_NEGATIVE),
    AXIS("recurrent_gain", KEY_AXIS_REAL, HS_AX_RECURRENT_GAIN, &NON_NEGATIVE),
    AXIS("noise", KEY_AXIS_REAL, HS_AX_NOISE, &NON_NEGATIVE),
    AXIS("seeds", KEY_AXIS_INT, HS_AX_SEED, &SEED_RANGE),
    END_OF_KEYS};

static const key_spec OUTPUT_KEYS[] = {
    {.name = "store_networks", .kind = KEY_BOOL, .offset = FIELD(output.store_networks)},
    END_OF_KEYS};

static const key_spec ATP_KEYS[] = {
    REAL("rest_per_neuron_s", costs.atp_rest_per_neuron_s, NON_NEGATIVE),
    REAL("spike", costs.atp_spike, NON_NEGATIVE),
    REAL("event", costs.atp_event, NON_NEGATIVE),
    END_OF_KEYS};

#define PLATFORM_KEYS(platform)                                                          \
    {REAL("synop_j", costs.platform.synop_j, NON_NEGATIVE),                               \
     REAL("spike_j", costs.platform.spike_j, NON_NEGATIVE),                               \
     REAL("update_j", costs.platform.update_j, NON_NEGATIVE),                             \
     REAL("static_w", costs.platform.static_w, NON_NEGATIVE), END_OF_KEYS}

static const key_spec LOIHI2_KEYS[] = PLATFORM_KEYS(loihi2);
static const key_spec SPINNAKER2_KEYS[] = PLATFORM_KEYS(spinnaker2);

static const key_spec COSTS_KEYS[] = {
    REAL("flops_per_neuron_update", costs.flops_per_neuron_update, NON_NEGATIVE),
    SECTION("atp", ATP_KEYS, KEY_FLOW),
    SECTION("loihi2", LOIHI2_KEYS, KEY_FLOW),
    SECTION("spinnaker2", SPINNAKER2_KEYS, KEY_FLOW),
    END_OF_KEYS};

static const key_spec RUN_KEYS[] = {
    REAL("memory_budget_mb", run.memory_budget_mb, POSITIVE),
    INTEGER("threads_per_rank", run.threads_per_rank, THREADS_RANGE),
    REAL("progress_every_s", run.progress_every_s, NON_NEGATIVE),
    REAL("checkpoint_every_s", run.checkpoint_every_s, POSITIVE),
    END_OF_KEYS};

static const key_spec TOP_KEYS[] = {
    {.name = "name", .kind = KEY_STRING, .offset = FIELD(name), .flags = KEY_NOT_SCIENCE},
    {.name = "seed", .kind = KEY_SEED, .offset = FIELD(seed), .range = &SEED_RANGE},
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

static double *real_field(hs_job *job, size_t offset)
{
    return (double *)((char *)job + offset);
}

static int *int_field(hs_job *job, size_t offset)
{
    return (int *)((char *)job + offset);
}

static char **string_field(hs_job *job, size_t offset)
{
    return (char **)((char *)job + offset);
}

static int **int_list_field(hs_job *job, size_t offset)
{
    return (int **)((char *)job + offset);
}

static const void *const_field(const hs_job *job, size_t offset)
{
    return (const char *)job + offset;
}

/* ------------------------------------------------------------------------ */
/* Defaults and freeing                                                     */
/* ------------------------------------------------------------------------ */

static void set_axis(hs_axis *axis, int count, const double *values)
{
    free(axis->values);
    axis->count = count;
    axis->values = hs_xmalloc((size_t)count * sizeof *values);
    memcpy(axis->values, values, (size_t)count * sizeof *values);
}

static int *copy_ints(const int *values, int count)
{
    int *copy = hs_xmalloc((size_t)count * sizeof *copy);
    memcpy(copy, values, (size_t)count * sizeof *copy);
    return copy;
}

static void default_axes(hs_job *job)
{
    static const double model[] = {HS_MODEL_RATE};
    static const double profile[] = {HS_PROFILE_LOGNORMAL};
    static const double heterogeneity[] = {0.0, 0.25, 0.5, 1.0, 2.0};
    static const double tau_mean[] = {20.0};
    static const double n[] = {100, 200};
    static const double one[] = {1.0};
    static const double noise[] = {0.1};
    static const double seeds[] = {0, 1};
    set_axis(&job->axes[HS_AX_MODEL], 1, model);
    set_axis(&job->axes[HS_AX_PROFILE], 1, profile);
    set_axis(&job->axes[HS_AX_HETEROGENEITY], 5, heterogeneity);
    set_axis(&job->axes[HS_AX_TAU_MEAN], 1, tau_mean);
    set_axis(&job->axes[HS_AX_N], 2, n);
    set_axis(&job->axes[HS_AX_INPUT_GAIN], 1, one);
    set_axis(&job->axes[HS_AX_RECURRENT_GAIN], 1, one);
    set_axis(&job->axes[HS_AX_NOISE], 1, noise);
    set_axis(&job->axes[HS_AX_SEED], 2, seeds);
}

static void default_science(hs_job *job)
{
    static const int components[] = {1, 2, 3};
    static const int degrees[] = {1, 2, 3, 4, 5, 6};
    job->seed = 1;
    job->stimulus.time_scale_ms = 50.0;
    job->time.dt_ms = 1.0;
    job->time.washout_ms = 500.0;
    job->time.train_ms = 20000.0;
    job->time.validation_ms = 5000.0;
    job->time.test_ms = 5000.0;
    job->network.connectivity = 0.1;
    job->network.weights = HS_WEIGHTS_GAUSSIAN;
    job->network.excitatory_fraction = 0.8;
    job->network.mu_e = NAN;
    job->network.sigma_0 = NAN;
    job->network.activation = HS_ACT_TANH;
    job->network.tau_min_ms = 1.0;
    job->network.source = HS_SOURCE_RANDOM;
    job->lif.dt_ms = 0.25;
    job->lif.refractory_ms = 2.0;
    job->lif.tau_syn_ms = 5.0;
    job->lif.tau_readout_ms = 20.0;
    job->lif.bias = 0.5;
    job->lif.target_rate_hz = NAN;
    job->tasks.n_components = 3;
    job->tasks.components = copy_ints(components, 3);
    job->tasks.n_degrees = 6;
    job->tasks.degrees = copy_ints(degrees, 6);
    job->tasks.delay_lo = -2.0;
    job->tasks.delay_hi = 2.0;
    job->tasks.delay_count = 49;
    job->readout.lambda_min = 1.0e-8;
    job->readout.lambda_max = 1.0e2;
    job->readout.lambda_count = 11;
    job->readout.selection = HS_SELECT_VALIDATION;
    job->readout.precision = HS_PRECISION_FLOAT64;
}

static void default_costs(hs_job *job)
{
    job->costs.flops_per_neuron_update = 20.0;
    job->costs.atp_rest_per_neuron_s = 3.42e8;
    job->costs.atp_spike = 3.84e8;
    job->costs.atp_event = 1.64e5;
    job->costs.loihi2 = (hs_platform_costs){23.6e-12, 1.7e-12, 52.0e-12, 0.0};
    job->costs.spinnaker2 = (hs_platform_costs){10.0e-12, 10.0e-12, 20.0e-12, 0.0};
}

void hs_job_defaults(hs_job *job)
{
    memset(job, 0, sizeof *job);
    job->name = hs_xstrdup("demo");
    default_science(job);
    default_axes(job);
    job->output.store_networks = false;
    default_costs(job);
    job->run.memory_budget_mb = 4096.0;
    job->run.threads_per_rank = 1;
    job->run.progress_every_s = 5.0;
    job->run.checkpoint_every_s = 300.0;
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

/* ------------------------------------------------------------------------ */
/* Key lines                                                                */
/* ------------------------------------------------------------------------ */

static void remember_line(hs_job *job, const char *path, int line)
{
    job->key_lines = hs_xrealloc(job->key_lines, (size_t)(job->n_key_lines + 1) *
                                                     sizeof *job->key_lines);
    hs_key_line *entry = &job->key_lines[job->n_key_lines++];
    size_t length = strlen(path);
    if (length >= sizeof entry->path)
        length = sizeof entry->path - 1; /* known key paths are all shorter */
    memcpy(entry->path, path, length);
    entry->path[length] = '\0';
    entry->line = line;
}

int hs_job_line(const hs_job *job, const char *key_path)
{
    for (int i = 0; i < job->n_key_lines; i++)
        if (strcmp(job->key_lines[i].path, key_path) == 0)
            return job->key_lines[i].line;
    return 0;
}

/* The line of the first of two keys that was given (0 if neither). */
static int line_of_either(const hs_job *job, const char *first, const char *second)
{
    int line = hs_job_line(job, first);
    return line ? line : hs_job_line(job, second);
}

/* ------------------------------------------------------------------------ */
/* Reading values                                                           */
/* ------------------------------------------------------------------------ */

typedef struct {
    const char *file;
    hs_error *err;
    hs_job *job;
    int *n_refusals; /* refusals so far: every key is read, the first MAX_REFUSALS */
    int *n_shown;    /* reported while they fit in the message */
} job_reader;

#define MAX_REFUSALS 20

static int refuse(const job_reader *reader, int line, const char *path, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

static int refuse(const job_reader *reader, int line, const char *path, const char *fmt,
                  ...)
{
    char what[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int count = reader->n_refusals ? (*reader->n_refusals)++ : 0;
    if (count == 0) {
        if (reader->n_shown)
            (*reader->n_shown)++;
        return hs_fail(reader->err, HS_ERR_INPUT, "%s:%d: %s: %s", reader->file, line, path,
                       what);
    }
    /* later refusals of the same file follow the first, one a line, while they fit
     * (leaving room for the count of the rest) */
    char more[1800];
    int length = snprintf(more, sizeof more, "\n%s:%d: %s: %s", reader->file, line, path, what);
    size_t used = strlen(reader->err->msg);
    if (count < MAX_REFUSALS && length > 0 && (size_t)length < sizeof more &&
        used + (size_t)length + 40 < sizeof reader->err->msg) {
        memcpy(reader->err->msg + used, more, (size_t)length + 1);
        (*reader->n_shown)++;
    }
    return HS_ERR_INPUT;
}

/* Values are quoted in messages, shortened if long. */
static const char *shown(const tree_node *node, char *buf, size_t size)
{
    size_t length = strlen(node->text);
    if (length + 1 <= size)
        return node->text;
    snprintf(buf, size, "%.*s...", (int)(size - 4), node->text);
    return buf;
}

static int expect_scalar(const job_reader *reader, const tree_node *node,
                         const char *path, const char *expected)
{
    if (node->kind == NODE_SCALAR)
        return HS_OK;
    return refuse(reader, node->line, path, "expected %s (got %s)", expected,
                  describe(node));
}

static bool in_range(double value, const value_range *range)
{
    bool above = range->lo_open ? value > range->lo : value >= range->lo;
    bool below = range->hi_open ? value < range->hi : value <= range->hi;
    return above && below;
}

/* A finite number within range; integer ranges also require integer values. */
static int read_number(const job_reader *reader, const tree_node *node, const char *path,
                       const value_range *range, bool integer, double *out)
{
    const char *expected = integer ? "an integer" : "a number";
    int status = expect_scalar(reader, node, path, expected);
    if (status)
        return status;
    char buf[64];
    double value = 0.0;
    if (classify(node, &value) != SCALAR_NUMBER)
        return refuse(reader, node->line, path, "expected %s, got %s '%s' (valid: %s)",
                      expected, describe(node), shown(node, buf, sizeof buf), range->text);
    if (!isfinite(value))
        return refuse(reader, node->line, path, "%s is not a finite number (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    if (integer && value != floor(value))
        return refuse(reader, node->line, path, "%s is not an integer (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    if (!in_range(value, range))
        return refuse(reader, node->line, path, "%s is out of range (valid: %s)",
                      shown(node, buf, sizeof buf), range->text);
    *out = value;
    return HS_OK;
}

static void join_names(const char *const *names, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; names[i]; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? " | " : "", names[i]);
    }
}

static int read_enum(const job_reader *reader, const tree_node *node, const char *path,
                     const char *const *names, int *code)
{
    char valid[128], buf[64];
    join_names(names, valid, sizeof valid);
    int status = expect_scalar(reader, node, path, "a name");
    if (status)
        return status;
    enum scalar_type type = classify(node, NULL);
    if (type != SCALAR_STRING)
        return refuse(reader, node->line, path, "expected a name, got %s (valid: %s)",
                      describe(node), valid);
    for (int i = 0; names[i]; i++) {
        if (strcmp(node->text, names[i]) == 0) {
            *code = i;
            return HS_OK;
        }
    }
    return refuse(reader, node->line, path, "unknown value '%s' (valid: %s)",
                  shown(node, buf, sizeof buf), valid);
}

static int read_bool(const job_reader *reader, const tree_node *node, const char *path,
                     bool *out)
{
    int status = expect_scalar(reader, node, path, "true or false");
    if (status)
        return status;
    if (classify(node, NULL) != SCALAR_BOOL)
        return refuse(reader, node->line, path, "expected true or false (got %s)",
                      describe(node));
    *out = is_one_of(node->text, TRUE_WORDS);
    return HS_OK;
}

/* The byte length of a control character at c (C0, DEL, or C1 in UTF-8), or 0. */
static int control_length(const unsigned char *c)
{
    if (*c < 0x20 || *c == 0x7f)
        return 1;
    return c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f ? 2 : 0;
}

#define MAX_NAME_BYTES 1024

/* `name` is a label printed by status and stored in the cube: printable
 * text of bounded length. */
static int check_name(const job_reader *reader, const tree_node *node, const char *path)
{
    size_t length = strlen(node->text);
    if (length > MAX_NAME_BYTES)
        return refuse(reader, node->line, path, "is %zu bytes long; a name may have at most %d",
                      length, MAX_NAME_BYTES);
    for (const unsigned char *c = (const unsigned char *)node->text; *c; c++)
        if (control_length(c))
            return refuse(reader, node->line, path,
                          "holds a control character (byte %zu); a name is printable text",
                          (size_t)(c - (const unsigned char *)node->text) + 1);
    return HS_OK;
}

static int read_string(const job_reader *reader, const tree_node *node, const char *path,
                       bool nullable, char **out)
{
    int status = expect_scalar(reader, node, path, "a string");
    if (status)
        return status;
    if (nullable && is_null(node)) {
        free(*out);
        *out = NULL;
        return HS_OK;
    }
    if (is_null(node) || node->text[0] == '\0')
        return refuse(reader, node->line, path, "expected a non-empty string (got %s)",
                      is_null(node) ? "null" : "an empty string");
    if (node->has_nul)
        return refuse(reader, node->line, path,
                      "holds a NUL character (\\0), which no string of a job may hold");
    if (strcmp(path, "name") == 0) {
        status = check_name(reader, node, path);
        if (status)
            return status;
    }
    free(*out);
    *out = hs_xstrdup(node->text);
    return HS_OK;
}

/* A scalar where a list is expected: suggest the one-item list. */
static int expect_list(const job_reader *reader, const tree_node *node, const char *path)
{
    if (node->kind == NODE_SEQUENCE)
        return HS_OK;
    if (node->kind == NODE_SCALAR && !is_null(node)) {
        char buf[64];
        return refuse(reader, node->line, path,
                      "expected a list (got %s; write [%s] for a single value)",
                      describe(node), shown(node, buf, sizeof buf));
    }
    return refuse(reader, node->line, path, "expected a list (got %s)", describe(node));
}

static int expect_non_empty_list(const job_reader *reader, const tree_node *node,
                                 const char *path)
{
    int status = expect_list(reader, node, path);
    if (status == HS_OK && node->n_items == 0)
        return refuse(reader, node->line, path,
                      "the list is empty (give at least one value)");
    return status;
}

/* Reads every item of a list as a number, enum code or integer. */
static int read_list_values(const job_reader *reader, const tree_node *list,
                            const char *path, const key_spec *spec, double *values)
{
    for (int i = 0; i < list->n_items; i++) {
        const tree_node *item = list->items[i];
        int status, code = 0;
        if (spec->names) {
            status = read_enum(reader, item, path, spec->names, &code);
            values[i] = code;
        } else {
            bool integer = spec->kind != KEY_AXIS_REAL;
            status = read_number(reader, item, path, spec->range, integer, &values[i]);
        }
        if (status)
            return status;
    }
    return HS_OK;
}

static int refuse_repeats(const job_reader *reader, const tree_node *list,
                          const char *path, const double *values)
{
    for (int i = 1; i < list->n_items; i++) {
        for (int j = 0; j < i; j++) {
            if (values[i] == values[j]) {
                char buf[64];
                return refuse(reader, list->items[i]->line, path,
                              "the value %s appears twice (items %d and %d; every value "
                              "must be unique)",
                              shown(list->items[i], buf, sizeof buf), j + 1, i + 1);
            }
        }
    }
    return HS_OK;
}

/* A non-empty list of unique values: a sweep axis, components, degrees. */
static int read_unique_list(const job_reader *reader, const tree_node *node,
                            const char *path, const key_spec *spec, double **out,
                            int *count)
{
    int status = expect_non_empty_list(reader, node, path);
    if (status)
        return status;
    double *values = hs_xmalloc((size_t)node->n_items * sizeof *values);
    status = read_list_values(reader, node, path, spec, values);
    if (status == HS_OK)
        status = refuse_repeats(reader, node, path, values);
    if (status) {
        free(values);
        return status;
    }
    *out = values;
    *count = node->n_items;
    return HS_OK;
}

static int read_axis(const job_reader *reader, const tree_node *node, const char *path,
                     const key_spec *spec)
{
    hs_axis *axis = &reader->job->axes[spec->axis];
    double *values = NULL;
    int count = 0;
    int status = read_unique_list(reader, node, path, spec, &values, &count);
    if (status)
        return status;
    free(axis->values);
    axis->values = values;
    axis->count = count;
    return HS_OK;
}

static int read_int_set(const job_reader *reader, const tree_node *node, const char *path,
                        const key_spec *spec)
{
    double *values = NULL;
    int count = 0;
    int status = read_unique_list(reader, node, path, spec, &values, &count);
    if (status)
        return status;
    int **items = int_list_field(reader->job, spec->offset);
    free(*items);
    *items = hs_xmalloc((size_t)count * sizeof **items);
    for (int i = 0; i < count; i++)
        (*items)[i] = (int)values[i];
    *int_field(reader->job, spec->second_offset) = count;
    free(values);
    return HS_OK;
}

static int read_pair(const job_reader *reader, const tree_node *node, const char *path,
                     const key_spec *spec)
{
    int status = expect_list(reader, node, path);
    if (status)
        return status;
    if (node->n_items != 2)
        return refuse(reader, node->line, path,
                      "expected exactly 2 numbers [lo, hi] (got %d)", node->n_items);
    double lo, hi;
    status = read_number(reader, node->items[0], path, spec->range, false, &lo);
    if (status == HS_OK)
        status = read_number(reader, node->items[1], path, spec->range, false, &hi);
    if (status)
        return status;
    if (lo > hi)
        return refuse(reader, node->line, path,
                      "lo %s is greater than hi %s (valid: [lo, hi] with lo <= hi)",
                      node->items[0]->text, node->items[1]->text);
    *real_field(reader->job, spec->offset) = lo;
    *real_field(reader->job, spec->second_offset) = hi;
    return HS_OK;
}

static int read_real_key(const job_reader *reader, const tree_node *node,
                         const char *path, const key_spec *spec)
{
    double *field = real_field(reader->job, spec->offset);
    if (spec->kind == KEY_REAL_OR_NULL && is_null(node)) {
        *field = NAN;
        return HS_OK;
    }
    return read_number(reader, node, path, spec->range, false, field);
}

static int read_integer_key(const job_reader *reader, const tree_node *node,
                            const char *path, const key_spec *spec)
{
    double value;
    int status = read_number(reader, node, path, spec->range, true, &value);
    if (status)
        return status;
    if (spec->kind == KEY_SEED)
        reader->job->seed = (uint32_t)value;
    else
        *int_field(reader->job, spec->offset) = (int)value;
    return HS_OK;
}

static int read_section(const job_reader *reader, const tree_node *mapping,
                        const char *prefix, const key_spec *keys);

static int read_value(const job_reader *reader, const tree_node *node, const char *path,
                      const key_spec *spec)
{
    hs_job *job = reader->job;
    int ignored;
    switch (spec->kind) {
    case KEY_SECTION:
        return read_section(reader, node, path, spec->children);
    case KEY_REAL:
    case KEY_REAL_OR_NULL:
        return read_real_key(reader, node, path, spec);
    case KEY_INT:
    case KEY_SEED:
        return read_integer_key(reader, node, path, spec);
    case KEY_BOOL:
        return read_bool(reader, node, path, (bool *)((char *)job + spec->offset));
    case KEY_ENUM:
        return read_enum(reader, node, path, spec->names, int_field(job, spec->offset));
    case KEY_FIXED_ENUM:
        return read_enum(reader, node, path, spec->names, &ignored);
    case KEY_STRING:
    case KEY_STRING_OR_NULL:
        return read_string(reader, node, path, spec->kind == KEY_STRING_OR_NULL,
                           string_field(job, spec->offset));
    case KEY_INT_SET:
        return read_int_set(reader, node, path, spec);
    case KEY_REAL_PAIR:
        return read_pair(reader, node, path, spec);
    default:
        return read_axis(reader, node, path, spec);
    }
}

/* ------------------------------------------------------------------------ */
/* Mappings: unknown and duplicate keys                                     */
/* ------------------------------------------------------------------------ */

static size_t levenshtein(const char *a, const char *b)
{
    size_t length_b = strlen(b);
    size_t previous[64], current[64];
    if (length_b >= 64)
        length_b = 63;
    for (size_t j = 0; j <= length_b; j++)
        previous[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        current[0] = i;
        for (size_t j = 1; j <= length_b; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = previous[j - 1] + cost;
            if (previous[j] + 1 < best)
                best = previous[j] + 1;
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1;
            current[j] = best;
        }
        memcpy(previous, current, (length_b + 1) * sizeof *previous);
    }
    return previous[length_b];
}

static const key_spec *nearest_key(const key_spec *keys, const char *name,
                                   size_t *distance)
{
    const key_spec *nearest = &keys[0];
    *distance = (size_t)-1;
    for (const key_spec *key = keys; key->name; key++) {
        size_t d = levenshtein(name, key->name);
        if (d < *distance) {
            *distance = d;
            nearest = key;
        }
    }
    return nearest;
}

static int refuse_unknown_key(const job_reader *reader, const tree_node *key_node,
                              const char *path, const key_spec *keys)
{
    char buf[64], valid[512] = "";
    size_t distance;
    const key_spec *nearest = nearest_key(keys, key_node->text, &distance);
    size_t close_enough = (strlen(nearest->name) + 2) / 3;
    bool prefix = strncmp(key_node->text, nearest->name, strlen(nearest->name)) == 0;
    if (distance <= close_enough || prefix)
        return refuse(reader, key_node->line, path, "unknown key '%s' (did you mean '%s'?)",
                      shown(key_node, buf, sizeof buf), nearest->name);
    for (const key_spec *key = keys; key->name; key++) {
        size_t used = strlen(valid);
        snprintf(valid + used, sizeof valid - used, "%s%s", key == keys ? "" : ", ",
                 key->name);
    }
    return refuse(reader, key_node->line, path,
                  "unknown key '%s' (the nearest valid key is '%s'; valid keys here: %s)",
                  shown(key_node, buf, sizeof buf), nearest->name, valid);
}

static void join_path(char *buf, size_t size, const char *prefix, const char *name)
{
    if (prefix[0])
        snprintf(buf, size, "%s.%s", prefix, name);
    else
        snprintf(buf, size, "%s", name);
}

static int refuse_duplicates(const job_reader *reader, const tree_node *mapping,
                             int key_index, const char *path)
{
    const tree_node *key = mapping->items[key_index];
    for (int j = 0; j < key_index; j += 2) {
        const tree_node *earlier = mapping->items[j];
        if (earlier->kind == NODE_SCALAR && strcmp(earlier->text, key->text) == 0)
            return refuse(reader, key->line, path,
                          "duplicate key '%s' (first given on line %d; give each key "
                          "once)",
                          key->text, earlier->line);
    }
    return HS_OK;
}

static const key_spec *find_key(const key_spec *keys, const char *name)
{
    for (const key_spec *key = keys; key->name; key++)
        if (strcmp(key->name, name) == 0)
            return key;
    return NULL;
}

static int read_entry(const job_reader *reader, const tree_node *mapping, int key_index,
                      const char *prefix, const key_spec *keys)
{
    const tree_node *key = mapping->items[key_index];
    const tree_node *value = mapping->items[key_index + 1];
    char path[MAX_PATH_CHARS];
    if (key->kind != NODE_SCALAR)
        return refuse(reader, key->line, prefix[0] ? prefix : "(top level)",
                      "a key must be a plain name (got %s)", describe(key));
    join_path(path, sizeof path, prefix, key->text);
    int status = refuse_duplicates(reader, mapping, key_index, path);
    if (status)
        return status;
    const key_spec *spec = find_key(keys, key->text);
    if (!spec)
        return refuse_unknown_key(reader, key, path, keys);
    remember_line(reader->job, path, key->line);
    return read_value(reader, value, path, spec);
}

/* A section given as null ("lif:" with nothing under it) keeps its defaults. */
static int read_section(const job_reader *reader, const tree_node *mapping,
                        const char *prefix, const key_spec *keys)
{
    if (is_null(mapping))
        return HS_OK;
    if (mapping->kind != NODE_MAPPING) {
        if (!prefix[0])
            return hs_fail(reader->err, HS_ERR_INPUT,
                           "%s:%d: the top level must be a mapping of keys such as "
                           "'sweep:' (got %s)",
                           reader->file, mapping->line, describe(mapping));
        return refuse(reader, mapping->line, prefix, "expected a mapping of keys (got %s)",
                      describe(mapping));
    }
    int first = HS_OK; /* a refused key does not stop the others being read */
    for (int i = 0; i + 1 < mapping->n_items; i += 2) {
        int status = read_entry(reader, mapping, i, prefix, keys);
        if (status != HS_OK && status != HS_ERR_INPUT)
            return status;
        if (first == HS_OK)
            first = status;
    }
    return first;
}

/* ------------------------------------------------------------------------ */
/* Checks between keys of this file                                         */
/* ------------------------------------------------------------------------ */

static int check_lambdas(const job_reader *reader)
{
    const hs_job *job = reader->job;
    char lo[32], hi[32];
    hs_format_double(job->readout.lambda_min, lo, sizeof lo);
    hs_format_double(job->readout.lambda_max, hi, sizeof hi);
    if (job->readout.lambda_max < job->readout.lambda_min)
        return refuse(reader,
                      line_of_either(job, "readout.lambdas.max", "readout.lambdas.min"),
                      "readout.lambdas.max",
                      "%s is less than readout.lambdas.min = %s (valid: max >= min)", hi,
                      lo);
    if (job->readout.selection != HS_SELECT_FIXED)
        return HS_OK;
    bool one_lambda = job->readout.lambda_count == 1 &&
                      job->readout.lambda_min == job->readout.lambda_max;
    if (!one_lambda)
        return refuse(reader, hs_job_line(job, "readout.selection"), "readout.selection",
                      "fixed needs exactly one lambda (got readout.lambdas.count = %d, "
                      "min = %s, max = %s; valid: count 1 and min == max)",
                      job->readout.lambda_count, lo, hi);
    return HS_OK;
}

static int check_validation(const job_reader *reader)
{
    const hs_job *job = reader->job;
    if (job->time.validation_ms > 0 || job->readout.selection == HS_SELECT_FIXED)
        return HS_OK;
    return refuse(reader, line_of_either(job, "time.validation_ms", "readout.selection"),
                  "time.validation_ms",
                  "0 needs readout.selection: fixed (valid: validation_ms > 0, or "
                  "selection fixed with one lambda)");
}

static int check_tau_means(const job_reader *reader)
{
    const hs_job *job = reader->job;
    const hs_axis *axis = &job->axes[HS_AX_TAU_MEAN];
    for (int i = 0; i < axis->count; i++) {
        if (axis->values[i] > job->network.tau_min_ms)
            continue;
        char mean[32], minimum[32];
        hs_format_double(axis->values[i], mean, sizeof mean);
        hs_format_double(job->network.tau_min_ms, minimum, sizeof minimum);
        int line = line_of_either(job, "sweep.tau_mean_ms", "network.tau_min_ms");
        return refuse(reader, line, "sweep.tau_mean_ms",
                      "%s is not greater than network.tau_min_ms = %s (valid: every "
                      "sweep.tau_mean_ms > network.tau_min_ms)",
                      mean, minimum);
    }
    return HS_OK;
}

static bool axis_contains(const hs_axis *axis, double value)
{
    for (int i = 0; i < axis->count; i++)
        if (axis->values[i] == value)
            return true;
    return false;
}

static int check_required_files(const job_reader *reader)
{
    const hs_job *job = reader->job;
    if (axis_contains(&job->axes[HS_AX_PROFILE], HS_PROFILE_FILE) && !job->network.tau_file)
        return refuse(reader, line_of_either(job, "network.tau_file", "sweep.profile"),
                      "network.tau_file",
                      "required when sweep.profile contains file (give a text list or "
                      "path.h5:/dataset of time constants in ms)");
    if (job->network.source == HS_SOURCE_FILE && !job->network.source_file)
        return refuse(reader, line_of_either(job, "network.source_file", "network.source"),
                      "network.source_file",
                      "required when network.source is file (give a cube written with "
                      "output.store_networks: true)");
    return HS_OK;
}

static int check_between_keys(const job_reader *reader)
{
    int status = check_lambdas(reader);
    if (status == HS_OK)
        status = check_validation(reader);
    if (status == HS_OK)
        status = check_tau_means(reader);
    if (status == HS_OK)
        status = check_required_files(reader);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* The value of a top-level key, or NULL. */
static const tree_node *top_value(const tree_node *root, const char *name)
{
    for (int i = 0; i + 1 < root->n_items; i += 2)
        if (root->items[i]->kind == NODE_SCALAR && strcmp(root->items[i]->text, name) == 0)
            return root->items[i + 1];
    return NULL;
}

#define SWEEP_EXAMPLE "e.g. 'sweep: {heterogeneity: [0, 1], n: [100]}'"

/* A job must say what it sweeps (SPEC 5): an empty file, one without a
 * `sweep` section, or one whose `sweep` is empty would silently run the
 * built-in defaults. Checked last, so a misspelt or out-of-range key is
 * named first. */
static int require_sweep(const job_reader *reader, const tree_node *root)
{
    if (!root || is_null(root))
        return hs_fail(reader->err, HS_ERR_INPUT,
                       "%s:1: the job file is empty (a job gives at least a 'sweep:' section "
                       "with one or more axes, " SWEEP_EXAMPLE ")",
                       reader->file);
    const tree_node *sweep = top_value(root, "sweep");
    if (!sweep)
        return hs_fail(reader->err, HS_ERR_INPUT,
                       "%s:%d: the job has no 'sweep:' section (every job must say what it "
                       "sweeps, " SWEEP_EXAMPLE ")",
                       reader->file, root->line);
    if (is_null(sweep) || sweep->n_items == 0)
        return refuse(reader, sweep->line, "sweep",
                      "the section is empty (give one or more axes, " SWEEP_EXAMPLE ")");
    return HS_OK;
}

static int read_tree(const char *path, const tree_node *root, hs_job *job, hs_error *err)
{
    int n_refusals = 0, n_shown = 0;
    job_reader reader = {.file = path, .err = err, .job = job, .n_refusals = &n_refusals,
                         .n_shown = &n_shown};
    int status = root && !is_null(root) ? read_section(&reader, root, "", TOP_KEYS) : HS_OK;
    if (n_refusals > n_shown) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "\n(and %d more refusals)",
                 n_refusals - n_shown);
    }
    if (status == HS_OK)
        status = check_between_keys(&reader);
    if (status == HS_OK)
        status = require_sweep(&reader, root);
    return status;
}

int hs_job_parse(const char *path, const char *text, size_t length, hs_job *job,
                 hs_error *err)
{
    hs_job_defaults(job);
    job->path = hs_xstrdup(path);
    job->text = hs_xmalloc(length + 1);
    memcpy(job->text, text, length);
    job->text[length] = '\0';

    /* the text is shared with other ranks and stored in the cube as a C string */
    const char *nul = memchr(text, '\0', length);
    if (nul) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        hs_job_free(job);
        return hs_fail(err, HS_ERR_INPUT,
                       "%s:%d: the file contains a NUL byte (valid: UTF-8 text; UTF-16 files "
                       "must be converted)",
                       path, line);
    }
    tree_builder builder = {.file = path, .err = err};
    int status = build_tree(&builder, job->text, length);
    if (status == HS_OK)
        status = read_tree(path, builder.root, job, err);
    free_tree(&builder);
    if (status)
        hs_job_free(job);
    return status;
}

static int open_job_file(const char *path, FILE **file, hs_error *err)
{
    /* without blocking: a FIFO must be refused, not waited on */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hs_fail(err, HS_ERR_INPUT, "cannot read %s: %s", path, strerror(errno));
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        close(fd);
        return hs_fail(err, HS_ERR_INPUT, "cannot read %s: %s", path, strerror(EISDIR));
    }
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        return hs_fail(err, HS_ERR_INPUT,
                       "%s is not a regular file (a FIFO, device or socket): a job file must be "
                       "a regular file",
                       path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *file = fdopen(fd, "rb");
    if (!*file) {
        int saved = errno;
        close(fd);
        return hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", path, strerror(saved));
    }
    return HS_OK;
}

/* The whole file into memory; a missing or unreadable path is invalid input,
 * an I/O error while reading is a runtime failure. */
static int read_whole_file(const char *path, char **text, size_t *length, hs_error *err)
{
    FILE *file = NULL;
    int status = open_job_file(path, &file, err);
    if (status)
        return status;
    size_t capacity = 4096, used = 0;
    char *data = hs_xmalloc(capacity);
    size_t got;
    while ((got = fread(data + used, 1, capacity - used, file)) > 0) {
        used += got;
        if (used > MAX_FILE_BYTES)
            break;
        if (used == capacity)
            data = hs_xrealloc(data, capacity *= 2);
    }
    if (used > MAX_FILE_BYTES)
        status = hs_fail(err, HS_ERR_INPUT, "%s: larger than 16 MiB (not a job file)",
                         path);
    else if (ferror(file))
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", path, strerror(errno));
    fclose(file);
    if (status) {
        free(data);
        return status;
    }
    *text = data;
    *length = used;
    return HS_OK;
}

int hs_job_load(const char *path, hs_job *job, hs_error *err)
{
    char *text = NULL;
    size_t length = 0;
    int status = read_whole_file(path, &text, &length, err);
    if (status) {
        memset(job, 0, sizeof *job);
        return status;
    }
    status = hs_job_parse(path, text, length, job, err);
    free(text);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Writing values: print (YAML) and canonical                               */
/* ------------------------------------------------------------------------ */

typedef struct {
    bool yaml; /* YAML for hs_job_print; else the canonical form */
} value_style;

/* Numbers for YAML keep a '.' before any exponent ("1.0e-08"), so YAML 1.1
 * readers (PyYAML) also see a float. */
static void append_number(text_buffer *out, double value, value_style style)
{
    char buf[48];
    hs_format_double(value, buf, sizeof buf);
    char *exponent = strchr(buf, 'e');
    if (style.yaml && exponent && !strchr(buf, '.')) {
        char mantissa[48];
        snprintf(mantissa, sizeof mantissa, "%.*s", (int)(exponent - buf), buf);
        text_printf(out, "%s.0%s", mantissa, exponent);
        return;
    }
    text_append(out, buf);
}

static void append_quoted(text_buffer *out, const char *s)
{
    text_append(out, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        int control = control_length(c);
        if (*c == '"' || *c == '\\')
            text_printf(out, "\\%c", *c);
        else if (control == 2) /* C1, as YAML's \x escape of its code point */
            text_printf(out, "\\x%02x", *++c);
        else if (control)
            text_printf(out, "\\x%02x", *c);
        else
            text_printf(out, "%c", *c);
    }
    text_append(out, "\"");
}

static void append_string(text_buffer *out, const char *s, value_style style)
{
    if (!s)
        text_append(out, "null");
    else if (style.yaml)
        append_quoted(out, s);
    else
        text_append(out, s);
}

static void append_list_item(text_buffer *out, int index, value_style style)
{
    if (index > 0)
        text_append(out, style.yaml ? ", " : ",");
}

static void append_axis(text_buffer *out, const hs_axis *axis, const key_spec *spec,
                        value_style style)
{
    text_append(out, "[");
    for (int i = 0; i < axis->count; i++) {
        append_list_item(out, i, style);
        if (spec->names)
            text_append(out, name_of(spec->names, (int)axis->values[i]));
        else if (spec->kind == KEY_AXIS_INT)
            text_printf(out, "%.0f", axis->values[i]);
        else
            append_number(out, axis->values[i], style);
    }
    text_append(out, "]");
}

static void append_int_set(text_buffer *out, const hs_job *job, const key_spec *spec,
                           value_style style)
{
    const int *items = *(int *const *)const_field(job, spec->offset);
    int count = *(const int *)const_field(job, spec->second_offset);
    text_append(out, "[");
    for (int i = 0; i < count; i++) {
        append_list_item(out, i, style);
        text_printf(out, "%d", items[i]);
    }
    text_append(out, "]");
}

static void append_pair(text_buffer *out, const hs_job *job, const key_spec *spec,
                        value_style style)
{
    text_append(out, "[");
    append_number(out, *(const double *)const_field(job, spec->offset), style);
    append_list_item(out, 1, style);
    append_number(out, *(const double *)const_field(job, spec->second_offset), style);
    text_append(out, "]");
}

static void append_real(text_buffer *out, double value, value_style style)
{
    if (isnan(value))
        text_append(out, "null");
    else
        append_number(out, value, style);
}

static void append_value(text_buffer *out, const hs_job *job, const key_spec *spec,
                         value_style style)
{
    const void *field = const_field(job, spec->offset);
    switch (spec->kind) {
    case KEY_REAL:
    case KEY_REAL_OR_NULL:
        append_real(out, *(const double *)field, style);
        break;
    case KEY_INT:
        text_printf(out, "%d", *(const int *)field);
        break;
    case KEY_SEED:
        text_printf(out, "%" PRIu32, job->seed);
        break;
    case KEY_BOOL:
        text_append(out, *(const bool *)field ? "true" : "false");
        break;
    case KEY_ENUM:
        text_append(out, name_of(spec->names, *(const int *)field));
        break;
    case KEY_FIXED_ENUM:
        text_append(out, spec->names[0]);
        break;
    case KEY_STRING:
    case KEY_STRING_OR_NULL:
        append_string(out, *(char *const *)field, style);
        break;
    case KEY_INT_SET:
        append_int_set(out, job, spec, style);
        break;
    case KEY_REAL_PAIR:
        append_pair(out, job, spec, style);
        break;
    default:
        append_axis(out, &job->axes[spec->axis], spec, style);
        break;
    }
}

static void print_flow_section(text_buffer *out, const hs_job *job, const key_spec *keys)
{
    const value_style yaml = {.yaml = true};
    text_append(out, "{");
    for (const key_spec *key = keys; key->name; key++) {
        text_printf(out, "%s%s: ", key == keys ? "" : ", ", key->name);
        append_value(out, job, key, yaml);
    }
    text_append(out, "}");
}

static void print_section(text_buffer *out, const hs_job *job, const key_spec *keys,
                          int indent)
{
    const value_style yaml = {.yaml = true};
    for (const key_spec *key = keys; key->name; key++) {
        text_printf(out, "%*s%s:", indent, "", key->name);
        if (key->kind == KEY_SECTION && !(key->flags & KEY_FLOW)) {
            text_append(out, "\n");
            print_section(out, job, key->children, indent + 2);
            continue;
        }
        text_append(out, " ");
        if (key->kind == KEY_SECTION)
            print_flow_section(out, job, key->children);
        else
            append_value(out, job, key, yaml);
        text_append(out, "\n");
    }
}

void hs_job_print(const hs_job *job, FILE *out)
{
    text_buffer text = {0};
    print_section(&text, job, TOP_KEYS, 0);
    fputs(text.data, out);
    free(text.data);
}

/* ------------------------------------------------------------------------ */
/* The canonical science configuration                                      */
/* ------------------------------------------------------------------------ */

typedef struct {
    char path[MAX_PATH_CHARS];
    char *value;
} canonical_line;

typedef struct {
    canonical_line *lines;
    int count;
} canonical_lines;

static void add_canonical_line(canonical_lines *lines, const char *path, const hs_job *job,
                               const key_spec *spec)
{
    const value_style canonical = {.yaml = false};
    text_buffer value = {0};
    text_append(&value, "");
    append_value(&value, job, spec, canonical);
    lines->lines = hs_xrealloc(lines->lines,
                               (size_t)(lines->count + 1) * sizeof *lines->lines);
    canonical_line *line = &lines->lines[lines->count++];
    snprintf(line->path, sizeof line->path, "%s", path);
    line->value = value.data;
}

static void collect_science(canonical_lines *lines, const hs_job *job,
                            const key_spec *keys, const char *prefix)
{
    for (const key_spec *key = keys; key->name; key++) {
        if (key->flags & KEY_NOT_SCIENCE)
            continue;
        char path[MAX_PATH_CHARS];
        join_path(path, sizeof path, prefix, key->name);
        if (key->kind == KEY_SECTION)
            collect_science(lines, job, key->children, path);
        else
            add_canonical_line(lines, path, job, key);
    }
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const canonical_line *)a)->path, ((const canonical_line *)b)->path);
}

char *hs_job_canonical(const hs_job *job)
{
    canonical_lines lines = {0};
    collect_science(&lines, job, TOP_KEYS, "");
    /* the arithmetic is science too: see numerics.h */
    lines.lines = hs_xrealloc(lines.lines, (size_t)(lines.count + 1) * sizeof *lines.lines);
    canonical_line *numerics = &lines.lines[lines.count++];
    snprintf(numerics->path, sizeof numerics->path, "%s", HS_NUMERICS_KEY);
    numerics->value = hs_xmalloc(16);
    snprintf(numerics->value, 16, "%d", HS_NUMERICS_VERSION);
    qsort(lines.lines, (size_t)lines.count, sizeof *lines.lines, compare_paths);
    text_buffer text = {0};
    text_append(&text, "");
    for (int i = 0; i < lines.count; i++) {
        text_printf(&text, "%s=%s\n", lines.lines[i].path, lines.lines[i].value);
        free(lines.lines[i].value);
    }
    free(lines.lines);
    return text.data;
}
