/*
 * test_compat.c - compat/: reader/writer resolution and the levels.
 *
 * Three groups:
 *   compat_pairs   one test per line of compat_pairs.jsonl: verdict and the
 *                  exact incompatibility list (type, location, message, order);
 *   compat_levels  one test per line of compat_levels.jsonl;
 *   compat_edges   hand-written cases: recursion, depth, aliases, enum
 *                  defaults, the crossed-alias exception, memoised duplicates,
 *                  Confluent's verbose messages, transitivity, truncation.
 * The data directory is $SR_TEST_DATA, by default tests/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "compat/compat.h"
#include "schemas/schema.h"

/* ---- helpers ------------------------------------------------------------ */

static struct sr_schema *parse_text(const char *text)
{
    struct sr_schema *s = NULL;
    struct sr_error err = {0};
    if (sr_schema_parse(text, strlen(text), NULL, &s, &err) != SR_OK) {
        print_error("schema rejected: %s\n  schema: %.300s\n", err.message, text);
        return NULL;
    }
    return s;
}

static struct sr_schema *parse_value(const json_t *v)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return NULL;
    struct sr_schema *s = parse_text(text);
    free(text);
    return s;
}

struct want {
    const char *type;
    const char *location;
    const char *message;
};

/* Compares a result with the expected verdict and list; prints every difference. */
static bool result_matches(const struct sr_compat_result *res, bool compatible,
                           const struct want *want, size_t nwant)
{
    bool ok = true;
    if (res->compatible != compatible) {
        print_error("verdict: want %s, got %s\n", compatible ? "compatible" : "incompatible",
                    res->compatible ? "compatible" : "incompatible");
        ok = false;
    }
    if (res->exception) {
        print_error("unexpected exception: %s\n", res->exception);
        ok = false;
    }
    size_t n = res->count > nwant ? res->count : nwant;
    for (size_t k = 0; k < n; k++) {
        const struct sr_incompat *got = k < res->count ? &res->items[k] : NULL;
        const struct want *w = k < nwant ? &want[k] : NULL;
        if (got && w && strcmp(sr_incompat_type_name(got->type), w->type) == 0 &&
            strcmp(got->location, w->location) == 0 && strcmp(got->message, w->message) == 0)
            continue;
        ok = false;
        if (w)
            print_error("  [%zu] want %s %s \"%s\"\n", k, w->type, w->location, w->message);
        else
            print_error("  [%zu] want nothing\n", k);
        if (got)
            print_error("  [%zu] got  %s %s \"%s\"\n", k, sr_incompat_type_name(got->type),
                        got->location, got->message);
        else
            print_error("  [%zu] got  nothing\n", k);
    }
    return ok;
}

/* Checks reader against writer (schema texts) and asserts the whole answer. */
static void expect_pair(const char *reader, const char *writer, bool compatible,
                        const struct want *want, size_t nwant)
{
    struct sr_schema *r = parse_text(reader), *w = parse_text(writer);
    bool ok = false;
    if (r && w) {
        struct sr_compat_result res = {0};
        struct sr_error err = {0};
        if (sr_compat_check(sr_schema_root(r), sr_schema_root(w), &res, &err) == SR_OK)
            ok = result_matches(&res, compatible, want, nwant);
        else
            print_error("check failed: %s\n", err.message);
        sr_compat_result_release(&res);
    }
    sr_schema_free(r);
    sr_schema_free(w);
    assert_true(ok);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Checks a pair that makes Java throw; asserts the exception message. */
static void expect_exception(const char *reader, const char *writer, const char *message)
{
    struct sr_schema *r = parse_text(reader), *w = parse_text(writer);
    bool ok = false;
    if (r && w) {
        struct sr_compat_result res = {0};
        struct sr_error err = {0};
        if (sr_compat_check(sr_schema_root(r), sr_schema_root(w), &res, &err) == SR_OK) {
            ok = !res.compatible && res.count == 0 && res.exception &&
                 strcmp(res.exception, message) == 0;
            if (!ok)
                print_error("want exception \"%s\"\n got compatible=%d count=%zu exception=%s\n",
                            message, res.compatible, res.count,
                            res.exception ? res.exception : "(none)");
        }
        sr_compat_result_release(&res);
    }
    sr_schema_free(r);
    sr_schema_free(w);
    assert_true(ok);
}

/*
 * Runs a level over previous versions (oldest first, numbered by versions[],
 * or 1, 2, ... when versions is NULL) and asserts the verdict and the exact
 * message list.
 */
static void expect_level(enum sr_compat_level level, const char *const *prev, const int *versions,
                         size_t nprev, const char *new_text, bool compatible,
                         const char *const *want, size_t nwant)
{
    struct sr_schema *schemas[16] = {0};
    struct sr_compat_prev p[16];
    assert_true(nprev <= 16);
    bool ok = true;
    for (size_t k = 0; k < nprev; k++) {
        schemas[k] = parse_text(prev[k]);
        p[k].schema = schemas[k];
        p[k].version = versions ? versions[k] : (int)k + 1;
        ok = ok && schemas[k];
    }
    struct sr_schema *ns = parse_text(new_text);
    ok = ok && ns;
    if (ok) {
        bool got = !compatible;
        struct sr_strlist msgs = {0};
        struct sr_error err = {0};
        if (sr_compat_check_level(level, ns, p, nprev, &got, &msgs, &err) != SR_OK) {
            print_error("check failed: %s\n", err.message);
            ok = false;
        } else {
            if (got != compatible) {
                print_error("verdict: want %d, got %d\n", compatible, got);
                ok = false;
            }
            size_t n = msgs.count > nwant ? msgs.count : nwant;
            for (size_t k = 0; k < n; k++) {
                const char *g = k < msgs.count ? msgs.items[k] : NULL;
                const char *w = k < nwant ? want[k] : NULL;
                if (g && w && strcmp(g, w) == 0)
                    continue;
                ok = false;
                print_error("  [%zu] want %s\n  [%zu] got  %s\n", k, w ? w : "(nothing)", k,
                            g ? g : "(nothing)");
            }
        }
        sr_strlist_release(&msgs);
    }
    for (size_t k = 0; k < nprev; k++)
        sr_schema_free(schemas[k]);
    sr_schema_free(ns);
    assert_true(ok);
}

static const char *data_dir(void)
{
    const char *d = getenv("SR_TEST_DATA");
    return d && *d ? d : "tests/data";
}

/* Reads a JSON-lines file into an array of objects; NULL (with a message) on failure. */
static json_t *read_jsonl(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir(), name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (set SR_TEST_DATA)\n", path);
        return NULL;
    }
    json_t *all = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len <= 1)
            continue;
        json_error_t jerr;
        json_t *v = json_loadb(line, (size_t)len, 0, &jerr);
        if (!json_is_object(v)) {
            fprintf(stderr, "%s:%d: bad line: %s\n", path, lineno, jerr.text);
            json_decref(v);
            json_decref(all);
            all = NULL;
            break;
        }
        json_object_set_new(v, "_line", json_integer(lineno));
        json_array_append_new(all, v);
    }
    free(line);
    fclose(f);
    return all;
}

/* "<file>:<line> <last part of source>" for a test name. */
static char *case_name(const char *file, const json_t *c)
{
    const char *src = json_string_value(json_object_get(c, "source"));
    const char *tail = src ? strrchr(src, '/') : NULL;
    tail = tail ? tail + 1 : src ? src : "";
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_addf(&b, "%s:%d %s", file, (int)json_integer_value(json_object_get(c, "_line")), tail);
    return sr_buf_detach(&b, NULL);
}

/* ---- compat_pairs.jsonl ------------------------------------------------- */

static void test_pair_line(void **state)
{
    const json_t *c = *state;
    struct sr_schema *r = parse_value(json_object_get(c, "reader"));
    struct sr_schema *w = parse_value(json_object_get(c, "writer"));
    bool ok = false;
    if (r && w) {
        const json_t *list = json_object_get(c, "incompatibilities");
        size_t n = json_array_size(list);
        struct want *want = calloc(n ? n : 1, sizeof *want);
        assert_non_null(want);
        for (size_t k = 0; k < n; k++) {
            const json_t *it = json_array_get(list, k);
            want[k].type = json_string_value(json_object_get(it, "type"));
            want[k].location = json_string_value(json_object_get(it, "location"));
            want[k].message = json_string_value(json_object_get(it, "message"));
        }
        struct sr_compat_result res = {0};
        struct sr_error err = {0};
        if (sr_compat_check(sr_schema_root(r), sr_schema_root(w), &res, &err) == SR_OK)
            ok = result_matches(&res, json_is_true(json_object_get(c, "compatible")), want, n);
        else
            print_error("check failed: %s\n", err.message);
        sr_compat_result_release(&res);
        free(want);
    }
    sr_schema_free(r);
    sr_schema_free(w);
    assert_true(ok);
}

/* ---- compat_levels.jsonl ------------------------------------------------ */

static void test_level_line(void **state)
{
    const json_t *c = *state;
    enum sr_compat_level level;
    assert_true(sr_compat_level_parse(json_string_value(json_object_get(c, "level")), &level));
    const json_t *prev = json_object_get(c, "previous");
    size_t n = json_array_size(prev);
    struct sr_schema **schemas = calloc(n + 1, sizeof *schemas);
    struct sr_compat_prev *p = calloc(n + 1, sizeof *p);
    assert_non_null(schemas);
    assert_non_null(p);
    bool ok = true;
    for (size_t k = 0; k < n; k++) {
        schemas[k] = parse_value(json_array_get(prev, k));
        p[k].schema = schemas[k];
        p[k].version = (int)k + 1;
        ok = ok && schemas[k];
    }
    struct sr_schema *ns = parse_value(json_object_get(c, "new"));
    ok = ok && ns;
    if (ok) {
        bool want = json_is_true(json_object_get(c, "compatible"));
        bool got = !want;
        struct sr_strlist msgs = {0};
        struct sr_error err = {0};
        if (sr_compat_check_level(level, ns, p, n, &got, &msgs, &err) != SR_OK) {
            print_error("check failed: %s\n", err.message);
            ok = false;
        } else {
            if (got != want) {
                print_error("verdict: want %d, got %d\n", want, got);
                for (size_t k = 0; k < msgs.count; k++)
                    print_error("  %s\n", msgs.items[k]);
                ok = false;
            }
            /* messages exactly when incompatible, closed by the level line */
            if (got == (msgs.count != 0))
                ok = false;
            if (msgs.count > 0) {
                char tail[128];
                snprintf(tail, sizeof tail, "{validateFields: 'false', compatibility: '%s'}",
                         sr_compat_level_name(level));
                if (strcmp(msgs.items[msgs.count - 1], tail) != 0) {
                    print_error("last message: %s\n", msgs.items[msgs.count - 1]);
                    ok = false;
                }
            }
        }
        sr_strlist_release(&msgs);
    }
    for (size_t k = 0; k < n; k++)
        sr_schema_free(schemas[k]);
    sr_schema_free(ns);
    free(schemas);
    free(p);
    assert_true(ok);
}

/* Runs one test per line of file with fn; returns the number of failures. */
static int run_lines(const char *file, CMUnitTestFunction fn, size_t expect_lines)
{
    json_t *cases = read_jsonl(file);
    if (!cases)
        return 1;
    size_t n = json_array_size(cases);
    if (n != expect_lines)
        fprintf(stderr, "%s: %zu cases (expected %zu)\n", file, n, expect_lines);
    struct CMUnitTest *tests = calloc(n ? n : 1, sizeof *tests);
    char **names = calloc(n ? n : 1, sizeof *names);
    if (!tests || !names) {
        free(tests);
        free(names);
        json_decref(cases);
        return 1;
    }
    for (size_t k = 0; k < n; k++) {
        names[k] = case_name(file, json_array_get(cases, k));
        tests[k].name = names[k] ? names[k] : file;
        tests[k].test_func = fn;
        tests[k].initial_state = json_array_get(cases, k);
    }
    int failed = _cmocka_run_group_tests(file, tests, n, NULL, NULL);
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    free(tests);
    json_decref(cases);
    return failed + (n == expect_lines ? 0 : 1);
}

/* ---- recursion and depth ------------------------------------------------ */

#define LIST_OF(head)                                                                              \
    "{\"type\":\"record\",\"name\":\"List\",\"fields\":[{\"name\":\"head\",\"type\":\"" head       \
    "\"},{\"name\":\"tail\",\"type\":[\"null\",\"List\"]}]}"

static void test_recursive_list_promotes(void **state)
{
    (void)state;
    expect_pair(LIST_OF("long"), LIST_OF("int"), true, NULL, 0);
}

static void test_recursive_list_narrows(void **state)
{
    (void)state;
    /* the tail pair recurs while in progress and counts as compatible */
    static const struct want want[] = {
        {"TYPE_MISMATCH", "/fields/0/type",
         "reader type: INT not compatible with writer type: LONG"},
    };
    expect_pair(LIST_OF("int"), LIST_OF("long"), false, want, N(want));
}

#define MUTUAL(x, y)                                                                               \
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"" x "\"},"         \
    "{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":\"B\",\"fields\":["                    \
    "{\"name\":\"y\",\"type\":\"" y "\"},{\"name\":\"a\",\"type\":[\"null\",\"A\"]}]}}]}"

static void test_mutual_recursion(void **state)
{
    (void)state;
    expect_pair(MUTUAL("long", "string"), MUTUAL("int", "bytes"), true, NULL, 0);
    static const struct want want[] = {
        {"TYPE_MISMATCH", "/fields/1/type/fields/0/type",
         "reader type: INT not compatible with writer type: STRING"},
    };
    expect_pair(MUTUAL("long", "int"), MUTUAL("int", "string"), false, want, N(want));
}

/* Arrays nested depth deep around item. */
static char *nested_arrays(int depth, const char *item)
{
    struct sr_buf b = SR_BUF_INIT;
    for (int k = 0; k < depth; k++)
        sr_buf_adds(&b, "{\"type\":\"array\",\"items\":");
    sr_buf_addf(&b, "\"%s\"", item);
    for (int k = 0; k < depth; k++)
        sr_buf_addc(&b, '}');
    return sr_buf_detach(&b, NULL);
}

static void test_deep_arrays(void **state)
{
    (void)state;
    enum { DEPTH = 2000 };
    char *r = nested_arrays(DEPTH, "int");
    char *w = nested_arrays(DEPTH, "long");
    struct sr_buf loc = SR_BUF_INIT;
    for (int k = 0; k < DEPTH; k++)
        sr_buf_adds(&loc, "/items");
    const struct want want[] = {
        {"TYPE_MISMATCH", sr_buf_str(&loc),
         "reader type: INT not compatible with writer type: LONG"},
    };
    expect_pair(w, r, true, NULL, 0);
    expect_pair(r, w, false, want, 1);
    sr_buf_release(&loc);
    free(r);
    free(w);
}

/* Records nested depth deep, the innermost field of type leaf. */
static char *nested_records(int depth, const char *leaf)
{
    struct sr_buf b = SR_BUF_INIT;
    for (int k = 0; k < depth; k++)
        sr_buf_addf(
            &b, "{\"type\":\"record\",\"name\":\"R%d\",\"fields\":[{\"name\":\"f\",\"type\":", k);
    sr_buf_addf(&b, "\"%s\"", leaf);
    for (int k = 0; k < depth; k++)
        sr_buf_adds(&b, "}]}");
    return sr_buf_detach(&b, NULL);
}

static void test_deep_records(void **state)
{
    (void)state;
    enum { DEPTH = 400 };
    char *r = nested_records(DEPTH, "float");
    char *w = nested_records(DEPTH, "double");
    struct sr_buf loc = SR_BUF_INIT;
    for (int k = 0; k < DEPTH; k++)
        sr_buf_adds(&loc, "/fields/0/type");
    const struct want want[] = {
        {"TYPE_MISMATCH", sr_buf_str(&loc),
         "reader type: FLOAT not compatible with writer type: DOUBLE"},
    };
    expect_pair(w, r, true, NULL, 0);
    expect_pair(r, w, false, want, 1);
    sr_buf_release(&loc);
    free(r);
    free(w);
}

/*
 * Node graphs far deeper than any parsed schema, built by hand: a chain of
 * 200,000 arrays must neither overflow the stack nor lose the location.
 */
static struct sr_node *array_chain(size_t depth, enum sr_type leaf)
{
    struct sr_node *nodes = calloc(depth + 1, sizeof *nodes);
    assert_non_null(nodes);
    for (size_t k = 0; k < depth; k++) {
        nodes[k].type = SR_ARRAY;
        nodes[k].items = &nodes[k + 1];
    }
    nodes[depth].type = leaf;
    return nodes;
}

static void test_very_deep_graph(void **state)
{
    (void)state;
    enum { DEPTH = 200000 };
    struct sr_node *r = array_chain(DEPTH, SR_INT), *w = array_chain(DEPTH, SR_LONG);
    struct sr_compat_result res = {0};
    assert_int_equal(sr_compat_check(w, r, &res, NULL), SR_OK);
    assert_true(res.compatible);
    assert_int_equal(res.count, 0);
    sr_compat_result_release(&res);

    assert_int_equal(sr_compat_check(r, w, &res, NULL), SR_OK);
    assert_false(res.compatible);
    assert_int_equal(res.count, 1);
    assert_int_equal(strlen(res.items[0].location), DEPTH * strlen("/items"));
    assert_int_equal(strncmp(res.items[0].location, "/items/items/", 13), 0);
    sr_compat_result_release(&res);
    free(r);
    free(w);
}

/* A hand-made array whose items is itself: the memo ends the walk. */
static void test_cyclic_graph(void **state)
{
    (void)state;
    struct sr_node r = {.type = SR_ARRAY}, w = {.type = SR_ARRAY};
    r.items = &r;
    w.items = &w;
    struct sr_compat_result res = {0};
    assert_int_equal(sr_compat_check(&r, &w, &res, NULL), SR_OK);
    assert_true(res.compatible);
    sr_compat_result_release(&res);
}

/* More than SR_COMPAT_MAX_PAIRS pairs: refused, not run out of memory. */
static void test_pair_limit(void **state)
{
    (void)state;
    enum { NR = 1025, NW = 1024 };
    _Static_assert((size_t)NR * NW > SR_COMPAT_MAX_PAIRS, "the case must pass the limit");
    struct sr_node *rb = calloc(NR, sizeof *rb), *wb = calloc(NW, sizeof *wb);
    struct sr_node **rp = calloc(NR, sizeof *rp), **wp = calloc(NW, sizeof *wp);
    assert_true(rb && wb && rp && wp);
    for (size_t k = 0; k < NR; k++) {
        rb[k].type = SR_NULL; /* distinct nodes, so every pair is new */
        rp[k] = &rb[k];
    }
    for (size_t k = 0; k < NW; k++) {
        wb[k].type = SR_BOOLEAN;
        wp[k] = &wb[k];
    }
    struct sr_node r = {.type = SR_UNION, .branches = rp, .branch_count = NR};
    struct sr_node w = {.type = SR_UNION, .branches = wp, .branch_count = NW};
    struct sr_compat_result res = {0};
    struct sr_error err = {0};
    assert_int_equal(sr_compat_check(&r, &w, &res, &err), SR_ERR_UNPROCESSABLE);
    assert_int_equal(err.code, SR_ERR_UNPROCESSABLE);
    assert_int_equal(res.count, 0);
    assert_null(res.items);

    /* a quarter of it is answered */
    r.branch_count = NR / 2;
    w.branch_count = NW / 2;
    assert_int_equal(sr_compat_check(&r, &w, &res, &err), SR_OK);
    assert_false(res.compatible);
    assert_int_equal(res.count, NW / 2);
    assert_string_equal(res.items[NW / 2 - 1].location, "/511");
    assert_string_equal(res.items[NW / 2 - 1].message, "reader union lacking writer type: BOOLEAN");
    sr_compat_result_release(&res);
    free(rb);
    free(wb);
    free(rp);
    free(wp);
}

/* ---- names and aliases -------------------------------------------------- */

static void test_record_alias_relative_to_namespace(void **state)
{
    (void)state;
    const char *reader = "{\"type\":\"record\",\"name\":\"New\",\"namespace\":\"ns\","
                         "\"aliases\":[\"Old\"],\"fields\":[]}";
    expect_pair(reader, "{\"type\":\"record\",\"name\":\"Old\",\"namespace\":\"ns\",\"fields\":[]}",
                true, NULL, 0);
    static const struct want want[] = {{"NAME_MISMATCH", "/name", "expected: other.Old"}};
    expect_pair(reader,
                "{\"type\":\"record\",\"name\":\"Old\",\"namespace\":\"other\",\"fields\":[]}",
                false, want, N(want));
    /* a fully qualified alias reaches another namespace */
    expect_pair("{\"type\":\"record\",\"name\":\"New\",\"namespace\":\"ns\","
                "\"aliases\":[\"other.Old\"],\"fields\":[]}",
                "{\"type\":\"record\",\"name\":\"Old\",\"namespace\":\"other\",\"fields\":[]}",
                true, NULL, 0);
}

static void test_names_compare_unqualified(void **state)
{
    (void)state;
    expect_pair("{\"type\":\"fixed\",\"name\":\"a.F\",\"size\":4}",
                "{\"type\":\"fixed\",\"name\":\"b.F\",\"size\":4}", true, NULL, 0);
    static const struct want want[] = {
        {"NAME_MISMATCH", "/name", "expected: b.G"},
        {"FIXED_SIZE_MISMATCH", "/size", "expected: 8, found: 4"},
    };
    expect_pair("{\"type\":\"fixed\",\"name\":\"a.F\",\"size\":4}",
                "{\"type\":\"fixed\",\"name\":\"b.G\",\"size\":8}", false, want, N(want));
}

static void test_writer_aliases_ignored(void **state)
{
    (void)state;
    static const struct want want[] = {{"NAME_MISMATCH", "/name", "expected: Old"}};
    expect_pair("{\"type\":\"enum\",\"name\":\"New\",\"symbols\":[\"A\"]}",
                "{\"type\":\"enum\",\"name\":\"Old\",\"aliases\":[\"New\"],\"symbols\":[\"A\"]}",
                false, want, N(want));
    /* and writer field aliases too */
    static const struct want want2[] = {{"READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/0", "b"}};
    expect_pair(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
        "\"aliases\":[\"b\"]}]}",
        false, want2, N(want2));
}

static void test_field_alias(void **state)
{
    (void)state;
    /* field aliases are a set in Java: a repeated alias is one match */
    expect_pair(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"long\","
        "\"aliases\":[\"a\",\"a\"]}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", true,
        NULL, 0);
    expect_pair(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"long\","
        "\"aliases\":[\"nope\",\"a\"]}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", true,
        NULL, 0);
}

static const char *const crossed_reader =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
    "\"aliases\":[\"b\"]}]}";
static const char *const crossed_writer =
    "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":[{\"name\":\"a\","
    "\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}";
static const char *const crossed_message =
    "Reader record field a type:INT pos:0 matches multiple fields in writer record schema "
    "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":[{\"name\":\"a\","
    "\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}";

static void test_crossed_aliases_exception(void **state)
{
    (void)state;
    expect_exception(crossed_reader, crossed_writer, crossed_message);
    /* a field that lists its own name as an alias matches its writer field twice */
    expect_exception(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
        "\"aliases\":[\"a\"]}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
        "Reader record field a type:INT pos:0 matches multiple fields in writer record schema "
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    /* the exception aborts the whole check, even after earlier findings */
    expect_exception(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"z\",\"type\":\"int\"},"
        "{\"name\":\"s\",\"type\":{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":"
        "\"a\",\"type\":\"long\",\"aliases\":[\"b\"]}]}}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"s\",\"type\":{\"type\":"
        "\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"},{\"name\":\"a\","
        "\"type\":\"int\"}]}}]}",
        "Reader record field a type:LONG pos:0 matches multiple fields in writer record schema "
        "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"},"
        "{\"name\":\"a\",\"type\":\"int\"}]}");
}

/* ---- enums -------------------------------------------------------------- */

static void test_enum_default_covers_missing_symbols(void **state)
{
    (void)state;
    const char *writer = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}";
    expect_pair("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"U\"],\"default\":\"U\"}",
                writer, true, NULL, 0);
    static const struct want want[] = {{"MISSING_ENUM_SYMBOLS", "/symbols", "[B, C]"}};
    expect_pair("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"U\"]}", writer, false, want,
                N(want));
}

static void test_enum_missing_symbols_sorted(void **state)
{
    (void)state;
    /* TreeSet order is Java's String order: upper case before lower case */
    static const struct want want[] = {
        {"MISSING_ENUM_SYMBOLS", "/fields/0/type/symbols", "[B, D, a, b]"}};
    expect_pair("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"e\",\"type\":"
                "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}}]}",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"e\",\"type\":"
                "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"b\",\"D\",\"a\",\"B\"]}}]}",
                false, want, N(want));
}

static void test_enum_many_symbols(void **state)
{
    (void)state;
    /* large enums take the sorted path; the answer must not change */
    struct sr_buf r = SR_BUF_INIT, w = SR_BUF_INIT;
    sr_buf_adds(&r, "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[");
    sr_buf_adds(&w, "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[");
    for (int k = 0; k < 300; k++) {
        if (k % 7 != 3)
            sr_buf_addf(&r, "%s\"S%03d\"", r.data[r.len - 1] == '[' ? "" : ",", k);
        sr_buf_addf(&w, "%s\"S%03d\"", k ? "," : "", 299 - k);
    }
    sr_buf_adds(&r, "]}");
    sr_buf_adds(&w, "]}");
    struct sr_buf msg = SR_BUF_INIT;
    sr_buf_addc(&msg, '[');
    for (int k = 3; k < 300; k += 7)
        sr_buf_addf(&msg, "%sS%03d", k == 3 ? "" : ", ", k);
    sr_buf_addc(&msg, ']');
    const struct want want[] = {{"MISSING_ENUM_SYMBOLS", "/symbols", sr_buf_str(&msg)}};
    expect_pair(sr_buf_str(&r), sr_buf_str(&w), false, want, 1);
    expect_pair(sr_buf_str(&w), sr_buf_str(&r), true, NULL, 0);
    sr_buf_release(&r);
    sr_buf_release(&w);
    sr_buf_release(&msg);
}

static void test_enum_default_is_not_field_default(void **state)
{
    (void)state;
    static const struct want want[] = {
        {"TYPE_MISMATCH", "/fields/1/type",
         "reader type: ENUM not compatible with writer type: RECORD"},
    };
    expect_pair(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],"
        "\"default\":\"A\"}}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
        false, want, N(want));
    /* with a field default it is fine */
    expect_pair("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"e\",\"type\":"
                "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":\"A\"},"
                "\"default\":\"A\"}]}",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}", true, NULL, 0);
}

/* ---- unions ------------------------------------------------------------- */

static void test_union_locations(void **state)
{
    (void)state;
    static const struct want want1[] = {
        {"TYPE_MISMATCH", "/0", "reader type: INT not compatible with writer type: NULL"},
    };
    expect_pair("\"int\"", "[\"null\",\"int\"]", false, want1, N(want1));
    static const struct want want2[] = {
        {"MISSING_UNION_BRANCH", "/", "reader union lacking writer type: STRING"},
    };
    expect_pair("[\"null\",\"int\"]", "\"string\"", false, want2, N(want2));
    /* the errors inside a branch are discarded: one MISSING_UNION_BRANCH */
    static const struct want want3[] = {
        {"MISSING_UNION_BRANCH", "/1", "reader union lacking writer type: RECORD"},
    };
    expect_pair("[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\","
                "\"type\":\"int\"}]}]",
                "[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\","
                "\"type\":\"long\"}]}]",
                false, want3, N(want3));
    /* a writer record from another namespace picks the reader branch by simple name */
    expect_pair("[\"null\",{\"type\":\"record\",\"name\":\"Point\",\"fields\":[{\"name\":\"x\","
                "\"type\":\"long\"}]}]",
                "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"written\",\"fields\":"
                "[{\"name\":\"x\",\"type\":\"int\"}]}",
                true, NULL, 0);
}

static void test_empty_unions(void **state)
{
    (void)state;
    expect_pair("\"int\"", "[]", true, NULL, 0);
    expect_pair("[]", "[]", true, NULL, 0);
    static const struct want want[] = {
        {"MISSING_UNION_BRANCH", "/", "reader union lacking writer type: INT"},
    };
    expect_pair("[]", "\"int\"", false, want, N(want));
    static const struct want want2[] = {
        {"MISSING_UNION_BRANCH", "/0", "reader union lacking writer type: NULL"},
    };
    expect_pair("[]", "[\"null\"]", false, want2, N(want2));
}

/* ---- memoisation -------------------------------------------------------- */

#define TWICE(x)                                                                                   \
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f1\",\"type\":{\"type\":"         \
    "\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"" x "\"}]}},"                \
    "{\"name\":\"f2\",\"type\":\"P\"}]}"

static void test_memoised_duplicates(void **state)
{
    (void)state;
    /* f2 meets the (P, P) pair again: Java reuses the first result, location and all */
    static const struct want want[] = {
        {"TYPE_MISMATCH", "/fields/0/type/fields/0/type",
         "reader type: INT not compatible with writer type: LONG"},
        {"TYPE_MISMATCH", "/fields/0/type/fields/0/type",
         "reader type: INT not compatible with writer type: LONG"},
    };
    expect_pair(TWICE("int"), TWICE("long"), false, want, N(want));
}

static void test_memo_keeps_fresh_location(void **state)
{
    (void)state;
    /* (P, P) is first met inside the reader-union search, on a fresh location
     * stack, so field b reports it at that fresh location */
    static const struct want want[] = {
        {"MISSING_UNION_BRANCH", "/fields/0/type", "reader union lacking writer type: RECORD"},
        {"TYPE_MISMATCH", "/fields/0/type",
         "reader type: INT not compatible with writer type: LONG"},
    };
    expect_pair("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                "[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\","
                "\"type\":\"int\"}]}]},{\"name\":\"b\",\"type\":\"P\"}]}",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":"
                "\"long\"}]}},{\"name\":\"b\",\"type\":\"P\"}]}",
                false, want, N(want));
}

static void test_memo_union_branch_fresh_location(void **state)
{
    (void)state;
    /* x meets (reader union, writer P) as a writer-union branch, on a fresh
     * location stack; y meets the same pair directly and reuses that result */
    static const struct want want[] = {
        {"MISSING_UNION_BRANCH", "/fields/0/type/fields/0/type/1",
         "reader union lacking writer type: RECORD"},
        {"MISSING_UNION_BRANCH", "/", "reader union lacking writer type: RECORD"},
    };
    expect_pair("{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"x\",\"type\":"
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                "[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"z\","
                "\"type\":\"int\"}]}]}]}},{\"name\":\"y\",\"type\":\"R\"}]}",
                "{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"x\",\"type\":"
                "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n1\",\"fields\":[{\"name\":"
                "\"a\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":"
                "[{\"name\":\"z\",\"type\":\"string\"}]}]}]}},{\"name\":\"y\",\"type\":"
                "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n2\",\"fields\":[{\"name\":"
                "\"a\",\"type\":\"n1.P\"}]}}]}",
                false, want, N(want));
}

static void test_exponential_sharing(void **state)
{
    (void)state;
    /* each level uses the one below twice: 2^20 copies of one finding,
     * cut at SR_COMPAT_MAX_ITEMS without building them all */
    enum { LEVELS = 20 };
    /* record k has fields a and b, both of record k+1 (built by hand) */
    struct sr_node rn[LEVELS + 1], wn[LEVELS + 1];
    struct sr_field rf[LEVELS][2], wf[LEVELS][2];
    memset(rn, 0, sizeof rn);
    memset(wn, 0, sizeof wn);
    memset(rf, 0, sizeof rf);
    memset(wf, 0, sizeof wf);
    static char names[LEVELS][16];
    for (int k = 0; k < LEVELS; k++) {
        snprintf(names[k], sizeof names[k], "L%d", k);
        struct sr_node *nodes[2] = {&rn[k], &wn[k]};
        struct sr_field *fields[2] = {rf[k], wf[k]};
        struct sr_node *next[2] = {&rn[k + 1], &wn[k + 1]};
        for (int s = 0; s < 2; s++) {
            nodes[s]->type = SR_RECORD;
            nodes[s]->name = (struct sr_name){names[k], NULL, names[k]};
            nodes[s]->fields = fields[s];
            nodes[s]->field_count = 2;
            fields[s][0] = (struct sr_field){.name = "a", .type = next[s], .pos = 0};
            fields[s][1] = (struct sr_field){.name = "b", .type = next[s], .pos = 1};
        }
    }
    rn[LEVELS].type = SR_INT;
    wn[LEVELS].type = SR_LONG;
    struct sr_compat_result res = {0};
    assert_int_equal(sr_compat_check(&rn[0], &wn[0], &res, NULL), SR_OK);
    assert_false(res.compatible);
    assert_int_equal(res.count, SR_COMPAT_MAX_ITEMS);
    struct sr_buf loc = SR_BUF_INIT;
    for (int k = 0; k < LEVELS; k++)
        sr_buf_adds(&loc, "/fields/0/type");
    for (size_t k = 0; k < res.count; k++)
        assert_string_equal(res.items[k].location, sr_buf_str(&loc));
    sr_buf_release(&loc);
    sr_compat_result_release(&res);
}

/* ---- levels ------------------------------------------------------------- */

#define REC(fields) "{\"type\":\"record\",\"name\":\"r\",\"fields\":[" fields "]}"
#define F(name, type) "{\"name\":\"" name "\",\"type\":\"" type "\"}"
#define FD(name, type, def) "{\"name\":\"" name "\",\"type\":\"" type "\",\"default\":" def "}"

static void test_level_backward_messages(void **state)
{
    (void)state;
    const char *prev[] = {REC(F("f1", "string"))};
    const char *want[] = {
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path "
        "'/fields/1' in the new schema has no default value and is missing in the old schema', "
        "additionalInfo:'f2'}",
        "{oldSchemaVersion: 1}",
        ("{oldSchema: '{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f1\",\"type\":"
         "\"string\"}]}'}"),
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    };
    expect_level(SR_LEVEL_BACKWARD, prev, NULL, 1, REC(F("f1", "string") "," F("f2", "string")),
                 false, want, N(want));
    expect_level(SR_LEVEL_BACKWARD, prev, NULL, 1,
                 REC(F("f1", "string") "," FD("f2", "string", "\"x\"")), true, NULL, 0);
}

static void test_level_forward_messages(void **state)
{
    (void)state;
    const char *prev[] = {REC(F("f1", "int"))};
    const char *want[] = {
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in "
        "the old schema does not match with the new schema', additionalInfo:'reader type: INT not "
        "compatible with writer type: LONG'}",
        "{oldSchemaVersion: 7}",
        ("{oldSchema: '{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f1\",\"type\":"
         "\"int\"}]}'}"),
        "{validateFields: 'false', compatibility: 'FORWARD'}",
    };
    const int versions[] = {7};
    expect_level(SR_LEVEL_FORWARD, prev, versions, 1, REC(F("f1", "long")), false, want, N(want));
    /* backward the same change is fine */
    expect_level(SR_LEVEL_BACKWARD, prev, versions, 1, REC(F("f1", "long")), true, NULL, 0);
}

static void test_level_descriptions(void **state)
{
    (void)state;
    const char *e_old[] = {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"C\"]}"};
    const char *want_enum[] = {
        ("{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols "
         "'[C]' at path '/symbols' in the old schema', additionalInfo:'[C]'}"),
        "{oldSchemaVersion: 1}",
        "{oldSchema: '{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"C\"]}'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    };
    expect_level(SR_LEVEL_BACKWARD, e_old, NULL, 1,
                 "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", false, want_enum,
                 N(want_enum));

    const char *u_old[] = {"[\"int\",\"string\"]"};
    const char *want_union[] = {
        "{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside "
        "a union field at path '/1' in the old schema', additionalInfo:'reader union lacking "
        "writer type: STRING'}",
        "{oldSchemaVersion: 1}",
        "{oldSchema: '[\"int\",\"string\"]'}",
        "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}",
    };
    expect_level(SR_LEVEL_BACKWARD_TRANSITIVE, u_old, NULL, 1, "[\"int\"]", false, want_union,
                 N(want_union));

    const char *x_old[] = {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":8}"};
    const char *want_fixed[] = {
        "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path "
        "'/name')', additionalInfo:'expected: F'}",
        "{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path "
        "'/size' in the new schema does not match with the old schema', additionalInfo:'expected: "
        "8, found: 4'}",
        "{oldSchema: '{\"type\":\"fixed\",\"name\":\"F\",\"size\":8}'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    };
    const int unknown[] = {0}; /* no {oldSchemaVersion: n} */
    expect_level(SR_LEVEL_BACKWARD, x_old, unknown, 1,
                 "{\"type\":\"fixed\",\"name\":\"G\",\"size\":4}", false, want_fixed,
                 N(want_fixed));
}

static void test_level_full_ordering(void **state)
{
    (void)state;
    const char *prev[] = {REC(F("f1", "int") "," F("f2", "string"))};
    /* old-reads-new first (no schema suffix), then new-reads-old with it */
    const char *want[] = {
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path "
        "'/fields/1' in the old schema has no default value and is missing in the new schema', "
        "additionalInfo:'f2'}",
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f3' at path "
        "'/fields/1' in the new schema has no default value and is missing in the old schema', "
        "additionalInfo:'f3'}",
        "{oldSchemaVersion: 1}",
        ("{oldSchema: '{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f1\",\"type\":"
         "\"int\"},{\"name\":\"f2\",\"type\":\"string\"}]}'}"),
        "{validateFields: 'false', compatibility: 'FULL'}",
    };
    expect_level(SR_LEVEL_FULL, prev, NULL, 1, REC(F("f1", "int") "," F("f3", "string")), false,
                 want, N(want));

    /* only the forward part fails: Confluent appends no old version or schema */
    const char *want_fwd[] = {
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path "
        "'/fields/1' in the old schema has no default value and is missing in the new schema', "
        "additionalInfo:'f2'}",
        "{validateFields: 'false', compatibility: 'FULL'}",
    };
    expect_level(SR_LEVEL_FULL, prev, NULL, 1, REC(F("f1", "int")), false, want_fwd, N(want_fwd));
}

static void test_level_transitive_first_failure(void **state)
{
    (void)state;
    /* v1 lacks f2 and has f1 as string; v2 has f1 as string; v3 has both right */
    const char *prev[] = {
        REC(F("f1", "string")),
        REC(F("f1", "string") "," F("f2", "int")),
        REC(F("f1", "long") "," F("f2", "int")),
    };
    const char *new_text = REC(F("f1", "long") "," F("f2", "long"));
    /* newest first: v3 passes, v2 fails (f1), v1 is never looked at */
    const char *want[] = {
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in "
        "the new schema does not match with the old schema', additionalInfo:'reader type: LONG "
        "not compatible with writer type: STRING'}",
        "{oldSchemaVersion: 2}",
        ("{oldSchema: '{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f1\",\"type\":"
         "\"string\"},{\"name\":\"f2\",\"type\":\"int\"}]}'}"),
        "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}",
    };
    expect_level(SR_LEVEL_BACKWARD_TRANSITIVE, prev, NULL, 3, new_text, false, want, N(want));
    /* the non-transitive level looks at v3 only */
    expect_level(SR_LEVEL_BACKWARD, prev, NULL, 3, new_text, true, NULL, 0);
    /* FULL_TRANSITIVE: v3 fails forward (old int reads new long) first */
    const char *want_full[] = {
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/1/type') of a field in "
        "the old schema does not match with the new schema', additionalInfo:'reader type: INT not "
        "compatible with writer type: LONG'}",
        "{validateFields: 'false', compatibility: 'FULL_TRANSITIVE'}",
    };
    expect_level(SR_LEVEL_FULL_TRANSITIVE, prev, NULL, 3, new_text, false, want_full, N(want_full));
    /* FORWARD_TRANSITIVE: every old version must read the new one */
    const char *want_fwd[] = {
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/1/type') of a field in "
        "the old schema does not match with the new schema', additionalInfo:'reader type: INT not "
        "compatible with writer type: LONG'}",
        "{oldSchemaVersion: 3}",
        ("{oldSchema: '{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"f1\",\"type\":"
         "\"long\"},{\"name\":\"f2\",\"type\":\"int\"}]}'}"),
        "{validateFields: 'false', compatibility: 'FORWARD_TRANSITIVE'}",
    };
    expect_level(SR_LEVEL_FORWARD_TRANSITIVE, prev, NULL, 3, new_text, false, want_fwd,
                 N(want_fwd));
}

static void test_level_none_and_empty(void **state)
{
    (void)state;
    const char *prev[] = {"\"int\""};
    expect_level(SR_LEVEL_NONE, prev, NULL, 1, "\"string\"", true, NULL, 0);
    expect_level(SR_LEVEL_FULL_TRANSITIVE, prev, NULL, 0, "\"string\"", true, NULL, 0);
    const char *want[] = {
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/') of a field in the new "
        "schema does not match with the old schema', additionalInfo:'reader type: STRING not "
        "compatible with writer type: INT'}",
        "{oldSchemaVersion: 1}",
        "{oldSchema: '\"int\"'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    };
    expect_level(SR_LEVEL_BACKWARD, prev, NULL, 1, "\"string\"", false, want, N(want));
    /* messages_out may be NULL */
    struct sr_schema *o = parse_text("\"int\""), *n = parse_text("\"string\"");
    assert_non_null(o);
    assert_non_null(n);
    struct sr_compat_prev p = {o, 1};
    bool compatible = true;
    assert_int_equal(sr_compat_check_level(SR_LEVEL_FORWARD, n, &p, 1, &compatible, NULL, NULL),
                     SR_OK);
    assert_false(compatible);
    sr_schema_free(o);
    sr_schema_free(n);
}

static void test_level_exception_message(void **state)
{
    (void)state;
    const char *prev[] = {crossed_writer};
    struct sr_buf first = SR_BUF_INIT;
    sr_buf_adds(&first, "Unexpected exception during compatibility check: ");
    sr_buf_adds(&first, crossed_message);
    const char *want[] = {
        sr_buf_str(&first),
        "{oldSchemaVersion: 1}",
        "{oldSchema: '{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":"
        "[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    };
    expect_level(SR_LEVEL_BACKWARD, prev, NULL, 1, crossed_reader, false, want, N(want));
    sr_buf_release(&first);
}

/* A record schema whose canonical text is exactly len bytes, the doc made of unit. */
static char *schema_of_length(size_t len, const char *unit, size_t unit_bytes)
{
    const char *head = "{\"type\":\"record\",\"name\":\"r\",\"doc\":\"";
    const char *tail = "\",\"fields\":[]}";
    size_t fixed = strlen(head) + strlen(tail);
    assert_true(len >= fixed && (len - fixed) % unit_bytes == 0);
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, head);
    for (size_t k = 0; k < (len - fixed) / unit_bytes; k++)
        sr_buf_adds(&b, unit);
    sr_buf_adds(&b, tail);
    return sr_buf_detach(&b, NULL);
}

/* The {oldSchema: ...} message for old text when BACKWARD fails against "int". */
static char *old_schema_message(const char *old_text)
{
    struct sr_schema *o = parse_text(old_text), *n = parse_text("\"int\"");
    assert_non_null(o);
    assert_non_null(n);
    size_t len = 0;
    const char *canon = sr_schema_canonical(o, &len);
    assert_int_equal(len, strlen(old_text)); /* the texts are canonical already */
    assert_memory_equal(canon, old_text, len);
    struct sr_compat_prev p = {o, 0};
    bool compatible = true;
    struct sr_strlist msgs = {0};
    assert_int_equal(sr_compat_check_level(SR_LEVEL_BACKWARD, n, &p, 1, &compatible, &msgs, NULL),
                     SR_OK);
    assert_false(compatible);
    assert_int_equal(msgs.count, 3);
    char *m = msgs.items[1];
    msgs.items[1] = NULL;
    sr_strlist_release(&msgs);
    sr_schema_free(o);
    sr_schema_free(n);
    return m;
}

static void test_level_old_schema_truncation(void **state)
{
    (void)state;
    /* exactly 10 KiB: whole */
    char *s = schema_of_length(10240, "x", 1);
    char *m = old_schema_message(s);
    assert_int_equal(strlen(m), strlen("{oldSchema: ''}") + 10240);
    assert_int_equal(strncmp(m, "{oldSchema: '", 13), 0);
    assert_memory_equal(m + 13, s, 10240);
    free(m);
    free(s);

    /* one more: the first 10240 characters, then "...'}" */
    s = schema_of_length(10241, "x", 1);
    m = old_schema_message(s);
    const char *head = "{oldSchema: <truncated> '";
    assert_int_equal(strncmp(m, head, strlen(head)), 0);
    assert_memory_equal(m + strlen(head), s, 10240);
    assert_string_equal(m + strlen(head) + 10240, "...'}");
    free(m);
    free(s);

    /* Java counts UTF-16 units: 2-byte characters count once */
    size_t fixed = strlen("{\"type\":\"record\",\"name\":\"r\",\"doc\":\"\",\"fields\":[]}");
    s = schema_of_length(fixed + 2 * (10240 - fixed), "\xc3\xa9", 2);
    m = old_schema_message(s);
    assert_int_equal(strncmp(m, "{oldSchema: '", 13), 0);
    assert_string_equal(m + 13 + strlen(s), "'}");
    free(m);
    free(s);

    /* and 4-byte characters twice; a pair split by the limit is left out */
    s = schema_of_length(fixed + (size_t)4 * 5200, "\xf0\x9f\x98\x80", 4);
    m = old_schema_message(s);
    assert_int_equal(strncmp(m, head, strlen(head)), 0);
    /* the ASCII head, then as many whole surrogate pairs as fit */
    size_t before = strlen("{\"type\":\"record\",\"name\":\"r\",\"doc\":\"");
    size_t pairs = (10240 - before) / 2;
    assert_memory_equal(m + strlen(head), s, before + 4 * pairs);
    assert_string_equal(m + strlen(head) + before + 4 * pairs, "...'}");
    free(m);
    free(s);
}

static void test_level_names(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum sr_compat_level level;
    } ok[] = {
        {"NONE", SR_LEVEL_NONE},
        {"backward", SR_LEVEL_BACKWARD},
        {"Backward_Transitive", SR_LEVEL_BACKWARD_TRANSITIVE},
        {"forward", SR_LEVEL_FORWARD},
        {"FORWARD_TRANSITIVE", SR_LEVEL_FORWARD_TRANSITIVE},
        {"fUlL", SR_LEVEL_FULL},
        {"full_transitive", SR_LEVEL_FULL_TRANSITIVE},
        /* Java's toUpperCase turns dotless i into I */
        {"full_trans\xc4\xb1tive", SR_LEVEL_FULL_TRANSITIVE},
    };
    for (size_t k = 0; k < N(ok); k++) {
        enum sr_compat_level level = SR_LEVEL_NONE;
        assert_true(sr_compat_level_parse(ok[k].text, &level));
        assert_int_equal(level, ok[k].level);
    }
    static const char *const bad[] = {"", "BACKWARDS", "backward ", " full", "FULL_", "none\n"};
    for (size_t k = 0; k < N(bad); k++) {
        enum sr_compat_level level = SR_LEVEL_FULL;
        assert_false(sr_compat_level_parse(bad[k], &level));
        assert_int_equal(level, SR_LEVEL_FULL);
    }
    assert_false(sr_compat_level_parse(NULL, &(enum sr_compat_level){SR_LEVEL_NONE}));
    assert_string_equal(sr_compat_level_name(SR_LEVEL_NONE), "NONE");
    assert_string_equal(sr_compat_level_name(SR_LEVEL_FULL_TRANSITIVE), "FULL_TRANSITIVE");
    assert_string_equal(sr_compat_level_name(SR_LEVEL_FORWARD), "FORWARD");
    assert_string_equal(sr_incompat_type_name(SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE),
                        "READER_FIELD_MISSING_DEFAULT_VALUE");
}

static void test_result_release_twice(void **state)
{
    (void)state;
    struct sr_schema *r = parse_text("\"int\""), *w = parse_text("\"long\"");
    assert_non_null(r);
    assert_non_null(w);
    struct sr_compat_result res = {0};
    assert_int_equal(sr_compat_check(sr_schema_root(r), sr_schema_root(w), &res, NULL), SR_OK);
    assert_false(res.compatible);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.items[0].location, "/");
    sr_compat_result_release(&res);
    sr_compat_result_release(&res);
    sr_compat_result_release(NULL);
    assert_null(res.items);
    assert_int_equal(res.count, 0);
    sr_schema_free(r);
    sr_schema_free(w);
}

int main(void)
{
    static const struct CMUnitTest edges[] = {
        cmocka_unit_test(test_recursive_list_promotes),
        cmocka_unit_test(test_recursive_list_narrows),
        cmocka_unit_test(test_mutual_recursion),
        cmocka_unit_test(test_deep_arrays),
        cmocka_unit_test(test_deep_records),
        cmocka_unit_test(test_very_deep_graph),
        cmocka_unit_test(test_cyclic_graph),
        cmocka_unit_test(test_pair_limit),
        cmocka_unit_test(test_record_alias_relative_to_namespace),
        cmocka_unit_test(test_names_compare_unqualified),
        cmocka_unit_test(test_writer_aliases_ignored),
        cmocka_unit_test(test_field_alias),
        cmocka_unit_test(test_crossed_aliases_exception),
        cmocka_unit_test(test_enum_default_covers_missing_symbols),
        cmocka_unit_test(test_enum_missing_symbols_sorted),
        cmocka_unit_test(test_enum_many_symbols),
        cmocka_unit_test(test_enum_default_is_not_field_default),
        cmocka_unit_test(test_union_locations),
        cmocka_unit_test(test_empty_unions),
        cmocka_unit_test(test_memoised_duplicates),
        cmocka_unit_test(test_memo_keeps_fresh_location),
        cmocka_unit_test(test_memo_union_branch_fresh_location),
        cmocka_unit_test(test_exponential_sharing),
        cmocka_unit_test(test_level_backward_messages),
        cmocka_unit_test(test_level_forward_messages),
        cmocka_unit_test(test_level_descriptions),
        cmocka_unit_test(test_level_full_ordering),
        cmocka_unit_test(test_level_transitive_first_failure),
        cmocka_unit_test(test_level_none_and_empty),
        cmocka_unit_test(test_level_exception_message),
        cmocka_unit_test(test_level_old_schema_truncation),
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_result_release_twice),
    };
    int failed = 0;
    failed += run_lines("compat_pairs.jsonl", test_pair_line, 134);
    failed += run_lines("compat_levels.jsonl", test_level_line, 37);
    failed += cmocka_run_group_tests_name("compat_edges", edges, NULL, NULL);
    return failed ? 1 : 0;
}
