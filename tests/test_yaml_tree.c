/* test_yaml_tree.c - Check tests of the generic YAML tree (yaml_tree.h): its
 * limits (nesting depth, aliases, nodes, one document) at and just past each
 * bound, aliases and anchors, syntax errors with line and column, and the
 * YAML 1.2 core schema classification of scalars. No job keys here: those
 * are test_config.c's. */
#include "hetsweep/yaml_tree.h"

#include <check.h>

#include "check_runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_NAME "tree.yaml"

/* Parse text; on failure the message is left in err. */
static int parse(const char *text, hs_yaml_tree *tree, hs_error *err)
{
    memset(err, 0, sizeof *err);
    return hs_yaml_parse(FILE_NAME, text, strlen(text), tree, err);
}

static void assert_parses(const char *text)
{
    hs_yaml_tree tree;
    hs_error err;
    int status = parse(text, &tree, &err);
    ck_assert_msg(status == HS_OK, "refused: %s", err.msg);
    ck_assert_ptr_nonnull(tree.root);
    hs_yaml_tree_free(&tree);
}

/* Refused as input, naming the file, the line and what. */
static void assert_refused(const char *text, int line, const char *what)
{
    hs_yaml_tree tree;
    hs_error err;
    int status = parse(text, &tree, &err);
    ck_assert_int_eq(status, HS_ERR_INPUT);
    ck_assert_ptr_null(tree.root);
    char where[64];
    snprintf(where, sizeof where, FILE_NAME ":%d:", line);
    ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0, "expected %s in: %s", where,
                  err.msg);
    ck_assert_msg(strstr(err.msg, what), "expected '%s' in: %s", what, err.msg);
    hs_yaml_tree_free(&tree);
}

/* depth nested flow sequences on line 2: "x:\n  [[[...]]]" (the mapping is a
 * level too). */
static char *nested_text(int depth)
{
    char *text = malloc(2 * (size_t)depth + 16);
    ck_assert_ptr_nonnull(text);
    int used = sprintf(text, "x:\n  ");
    for (int i = 1; i < depth; i++)
        text[used++] = '[';
    for (int i = 1; i < depth; i++)
        text[used++] = ']';
    text[used] = '\0';
    return text;
}

START_TEST(test_depth_limit)
{
    char *text = nested_text(HS_YAML_MAX_DEPTH);
    assert_parses(text);
    free(text);
    text = nested_text(HS_YAML_MAX_DEPTH + 1);
    assert_refused(text, 2, "nesting deeper than 64");
    free(text);
}
END_TEST

/* "a: &s 1\nb:\n" then one "  - *s" line per alias. */
static char *aliases_text(int aliases)
{
    size_t size = 32 + 8 * (size_t)aliases;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    int used = snprintf(text, size, "a: &s 1\nb:\n");
    for (int i = 0; i < aliases; i++)
        used += snprintf(text + used, size - (size_t)used, "  - *s\n");
    return text;
}

START_TEST(test_alias_limit)
{
    char *text = aliases_text(HS_YAML_MAX_ALIASES);
    assert_parses(text);
    free(text);
    text = aliases_text(HS_YAML_MAX_ALIASES + 1);
    assert_refused(text, 2 + HS_YAML_MAX_ALIASES + 1, "more than 64 aliases");
    free(text);
}
END_TEST

/* A top-level sequence of items scalars, one a line: 1 + items nodes. */
static char *items_text(int items)
{
    size_t size = 16 + 4 * (size_t)items;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    int used = 0;
    text[0] = '\0';
    for (int i = 0; i < items; i++)
        used += snprintf(text + used, size - (size_t)used, "- 0\n");
    return text;
}

START_TEST(test_node_limit)
{
    char *text = items_text(HS_YAML_MAX_NODES - 1);
    assert_parses(text);
    free(text);
    text = items_text(HS_YAML_MAX_NODES); /* node 10001 is item 10000 */
    assert_refused(text, HS_YAML_MAX_NODES, "more than 10000 YAML nodes");
    free(text);
}
END_TEST

START_TEST(test_one_document)
{
    assert_parses("---\na: 1\n");
    assert_refused("a: 1\n---\nb: 2\n", 2, "a second YAML document");
}
END_TEST

START_TEST(test_aliases_share_the_anchored_node)
{
    hs_yaml_tree tree;
    hs_error err;
    ck_assert_int_eq(parse("a: &list [1, 2]\nb: *list\n", &tree, &err), HS_OK);
    const hs_yaml_node *root = tree.root;
    ck_assert_int_eq(root->kind, HS_YAML_MAPPING);
    ck_assert_int_eq(root->n_items, 4);
    const hs_yaml_node *anchored = root->items[1], *alias = root->items[3];
    ck_assert_int_eq(alias->kind, HS_YAML_SEQUENCE);
    ck_assert_int_eq(alias->n_items, 2);
    ck_assert_ptr_eq(alias->items, anchored->items);
    ck_assert_int_eq(alias->line, 2); /* messages point at the reference */
    hs_yaml_tree_free(&tree);
}
END_TEST

START_TEST(test_undefined_and_recursive_aliases_are_refused)
{
    assert_refused("a: *nothing\n", 1, "alias '*nothing' names no anchor");
    assert_refused("a: &loop\n  b: *loop\n", 2, "alias '*loop' names no anchor");
}
END_TEST

START_TEST(test_syntax_error_has_line_and_column)
{
    assert_refused("a: 1\nb: [1, 2\n", 3, "YAML syntax error");
    assert_refused("a: 1\n  b: 2\n", 2, "YAML syntax error");
}
END_TEST

START_TEST(test_empty_stream_has_no_root)
{
    hs_yaml_tree tree;
    hs_error err;
    ck_assert_int_eq(parse("", &tree, &err), HS_OK);
    ck_assert_ptr_null(tree.root);
    hs_yaml_tree_free(&tree);
}
END_TEST

/* The first item of a one-item flow sequence "[text]". */
static enum hs_yaml_scalar classify_text(const char *text, double *number)
{
    char document[128];
    snprintf(document, sizeof document, "[%s]", text);
    hs_yaml_tree tree;
    hs_error err;
    ck_assert_int_eq(parse(document, &tree, &err), HS_OK);
    enum hs_yaml_scalar type = hs_yaml_classify(tree.root->items[0], number);
    hs_yaml_tree_free(&tree);
    return type;
}

START_TEST(test_core_schema_scalars)
{
    double number = 0;
    const char *nulls[] = {"~", "null", "Null", "NULL", "''"};
    ck_assert_int_eq(classify_text(nulls[0], NULL), HS_YAML_NULL);
    ck_assert_int_eq(classify_text(nulls[1], NULL), HS_YAML_NULL);
    ck_assert_int_eq(classify_text(nulls[3], NULL), HS_YAML_NULL);
    ck_assert_int_eq(classify_text(nulls[4], NULL), HS_YAML_STRING); /* quoted */
    ck_assert_int_eq(classify_text("true", NULL), HS_YAML_BOOL);
    ck_assert_int_eq(classify_text("FALSE", NULL), HS_YAML_BOOL);
    ck_assert_int_eq(classify_text("yes", NULL), HS_YAML_STRING); /* YAML 1.1 only */
    ck_assert_int_eq(classify_text("0x1F", &number), HS_YAML_NUMBER);
    ck_assert_double_eq(number, 31);
    ck_assert_int_eq(classify_text("0o17", &number), HS_YAML_NUMBER);
    ck_assert_double_eq(number, 15);
    ck_assert_int_eq(classify_text("-2.5e-3", &number), HS_YAML_NUMBER);
    ck_assert_double_eq(number, -2.5e-3);
    ck_assert_int_eq(classify_text(".5", &number), HS_YAML_NUMBER);
    ck_assert_int_eq(classify_text("-.inf", &number), HS_YAML_NUMBER);
    ck_assert(number < 0 && !(number > -1e308));
    ck_assert_int_eq(classify_text(".NaN", &number), HS_YAML_NUMBER);
    ck_assert(number != number);
    ck_assert_int_eq(classify_text("1e", NULL), HS_YAML_STRING);
    ck_assert_int_eq(classify_text("'5'", NULL), HS_YAML_STRING);
    ck_assert_int_eq(classify_text("!!str 5", NULL), HS_YAML_STRING);
}
END_TEST

START_TEST(test_describe_and_truth)
{
    hs_yaml_tree tree;
    hs_error err;
    ck_assert_int_eq(parse("[[], {}, ~, True, 1, x]", &tree, &err), HS_OK);
    const char *expected[] = {"a list", "a mapping", "null", "a boolean", "a number",
                              "a string"};
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq(hs_yaml_describe(tree.root->items[i]), expected[i]);
    ck_assert(hs_yaml_is_true(tree.root->items[3]));
    ck_assert(!hs_yaml_is_true(tree.root->items[5]));
    ck_assert(hs_yaml_is_null(tree.root->items[2]));
    hs_yaml_tree_free(&tree);
}
END_TEST

static Suite *yaml_tree_suite(void)
{
    Suite *suite = suite_create("yaml_tree");
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_depth_limit);
    tcase_add_test(limits, test_alias_limit);
    tcase_add_test(limits, test_node_limit);
    tcase_add_test(limits, test_one_document);
    suite_add_tcase(suite, limits);
    TCase *tree = tcase_create("tree");
    tcase_add_test(tree, test_aliases_share_the_anchored_node);
    tcase_add_test(tree, test_undefined_and_recursive_aliases_are_refused);
    tcase_add_test(tree, test_syntax_error_has_line_and_column);
    tcase_add_test(tree, test_empty_stream_has_no_root);
    tcase_add_test(tree, test_core_schema_scalars);
    tcase_add_test(tree, test_describe_and_truth);
    suite_add_tcase(suite, tree);
    return suite;
}

Suite *hs_test_suite(void)
{
    return yaml_tree_suite();
}
