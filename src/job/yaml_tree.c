/* yaml_tree.c - a YAML document as a tree of nodes (yaml_tree.h).
 *
 * libyaml's events build the tree; the limits (nesting, aliases, nodes, one
 * document) are checked as each event arrives. Their messages speak of "a job
 * file", the only kind of YAML hetsweep reads. Scalars are classified with the
 * YAML 1.2 core schema.
 */
#include "hetsweep/yaml_tree.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------------ */
/* The node tree, built from libyaml events                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
    char *name;
    hs_yaml_node *target;
} anchor_entry;

typedef struct {
    const char *file;
    hs_error *err;
    hs_yaml_node *all_nodes;
    int n_nodes, n_aliases, n_documents;
    int depth;
    hs_yaml_node *open[HS_YAML_MAX_DEPTH];
    char *open_anchor[HS_YAML_MAX_DEPTH];
    int n_anchors;
    anchor_entry *anchors;
    hs_yaml_node *root;
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
    if (++builder->n_nodes > HS_YAML_MAX_NODES)
        return parse_limit_error(builder, mark,
                                 "more than 10000 YAML nodes (a job file has at most "
                                 "10000 values, keys and collections)");
    return HS_OK;
}

static hs_yaml_node *new_node(tree_builder *builder, enum hs_yaml_kind kind, yaml_mark_t mark)
{
    hs_yaml_node *node = hs_xcalloc(1, sizeof *node);
    node->kind = kind;
    node->line = mark_line(mark);
    node->next_allocated = builder->all_nodes;
    builder->all_nodes = node;
    return node;
}

static void free_nodes(hs_yaml_node *node)
{
    while (node) {
        hs_yaml_node *next = node->next_allocated;
        if (!node->borrowed) {
            free(node->text);
            free(node->items);
        }
        free(node);
        node = next;
    }
}

/* The anchors and the open collections: what the tree does not keep. */
static void free_builder(tree_builder *builder)
{
    for (int i = 0; i < builder->n_anchors; i++)
        free(builder->anchors[i].name);
    free(builder->anchors);
    for (int i = 0; i < builder->depth; i++)
        free(builder->open_anchor[i]);
    memset(builder, 0, sizeof *builder);
}

static void append_item(hs_yaml_node *parent, hs_yaml_node *child)
{
    if (parent->n_items == parent->capacity) {
        parent->capacity = parent->capacity ? 2 * parent->capacity : 8;
        parent->items = hs_xrealloc(parent->items,
                                    (size_t)parent->capacity * sizeof *parent->items);
    }
    parent->items[parent->n_items++] = child;
}

static void attach(tree_builder *builder, hs_yaml_node *node)
{
    if (builder->depth > 0)
        append_item(builder->open[builder->depth - 1], node);
    else if (!builder->root)
        builder->root = node;
}

/* A later anchor of the same name replaces an earlier one (YAML 1.2). */
static void define_anchor(tree_builder *builder, const yaml_char_t *name, hs_yaml_node *node)
{
    if (!name)
        return;
    builder->anchors = hs_xrealloc(builder->anchors, (size_t)(builder->n_anchors + 1) *
                                                         sizeof *builder->anchors);
    builder->anchors[builder->n_anchors].name = hs_xstrdup((const char *)name);
    builder->anchors[builder->n_anchors].target = node;
    builder->n_anchors++;
}

static hs_yaml_node *find_anchor(const tree_builder *builder, const char *name)
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
    hs_yaml_node *node = new_node(builder, HS_YAML_SCALAR, event->start_mark);
    node->text = hs_xstrdup((const char *)event->data.scalar.value);
    node->has_nul = strlen(node->text) != event->data.scalar.length;
    node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                  !is_string_tag(event->data.scalar.tag);
    attach(builder, node);
    define_anchor(builder, event->data.scalar.anchor, node);
    return HS_OK;
}

static int on_collection_start(tree_builder *builder, const yaml_event_t *event,
                               enum hs_yaml_kind kind, const yaml_char_t *anchor)
{
    int status = count_node(builder, event->start_mark);
    if (status)
        return status;
    if (builder->depth == HS_YAML_MAX_DEPTH)
        return parse_limit_error(builder, event->start_mark,
                                 "nesting deeper than 64 levels (a job file nests at "
                                 "most 64 lists and mappings)");
    hs_yaml_node *node = new_node(builder, kind, event->start_mark);
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
    if (++builder->n_aliases > HS_YAML_MAX_ALIASES)
        return parse_limit_error(builder, event->start_mark,
                                 "more than 64 aliases (a job file uses at most 64 "
                                 "*references to &anchors)");
    hs_yaml_node *target = find_anchor(builder, name);
    if (!target)
        return hs_fail(builder->err, HS_ERR_INPUT,
                       "%s:%d:%d: YAML syntax error: alias '*%s' names no anchor defined "
                       "before it (define '&%s' on an earlier, complete value)",
                       builder->file, mark_line(event->start_mark),
                       (int)event->start_mark.column + 1, name, name);
    /* A shallow copy with the alias's own line, so messages point at the
     * reference; the anchored node is complete and never changes again. */
    hs_yaml_node *reference = new_node(builder, target->kind, event->start_mark);
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
        return on_collection_start(builder, event, HS_YAML_SEQUENCE,
                                   event->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(builder, event, HS_YAML_MAPPING,
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

int hs_yaml_parse(const char *file, const char *text, size_t length, hs_yaml_tree *tree,
                  hs_error *err)
{
    tree_builder builder = {.file = file, .err = err};
    int status = build_tree(&builder, text, length);
    memset(tree, 0, sizeof *tree);
    if (status == HS_OK) {
        tree->root = builder.root;
        tree->all_nodes = builder.all_nodes;
    } else {
        free_nodes(builder.all_nodes);
    }
    free_builder(&builder);
    return status;
}

void hs_yaml_tree_free(hs_yaml_tree *tree)
{
    if (!tree)
        return;
    free_nodes(tree->all_nodes);
    memset(tree, 0, sizeof *tree);
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

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

enum hs_yaml_scalar hs_yaml_classify(const hs_yaml_node *node, double *number)
{
    if (!node->plain)
        return HS_YAML_STRING;
    if (is_one_of(node->text, NULL_WORDS))
        return HS_YAML_NULL;
    if (is_one_of(node->text, TRUE_WORDS) || is_one_of(node->text, FALSE_WORDS))
        return HS_YAML_BOOL;
    double ignored;
    if (parse_number(node->text, number ? number : &ignored))
        return HS_YAML_NUMBER;
    return HS_YAML_STRING;
}

bool hs_yaml_is_null(const hs_yaml_node *node)
{
    return node->kind == HS_YAML_SCALAR && hs_yaml_classify(node, NULL) == HS_YAML_NULL;
}

/* "a list", "a number", ... for "(got ...)" in messages. */
const char *hs_yaml_describe(const hs_yaml_node *node)
{
    if (node->kind == HS_YAML_SEQUENCE)
        return "a list";
    if (node->kind == HS_YAML_MAPPING)
        return "a mapping";
    switch (hs_yaml_classify(node, NULL)) {
    case HS_YAML_NULL:
        return "null";
    case HS_YAML_BOOL:
        return "a boolean";
    case HS_YAML_NUMBER:
        return "a number";
    default:
        return "a string";
    }
}

bool hs_yaml_is_true(const hs_yaml_node *node)
{
    return node->kind == HS_YAML_SCALAR && hs_yaml_classify(node, NULL) == HS_YAML_BOOL &&
           is_one_of(node->text, TRUE_WORDS);
}
