/*
 * test_jread.c - the fast JSON reader (common/jread.h) against json_loadb
 * itself: whatever it takes comes out identical (types, key order, bits),
 * whatever it does not take is left to jansson, and it never takes what
 * jansson refuses: on hand-picked edge cases, on the test data's documents
 * and on thousands of random mutations of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/jread.h"

/* ---- deep identity ----------------------------------------------------------------- */

static bool same(const json_t *a, const json_t *b);

static bool same_object(const json_t *a, const json_t *b)
{
    if (json_object_size(a) != json_object_size(b))
        return false;
    /* json_t is const-correct for reading only through these casts */
    void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
    while (ia && ib) {
        size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
        if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0 ||
            !same(json_object_iter_value(ia), json_object_iter_value(ib)))
            return false;
        ia = json_object_iter_next((json_t *)a, ia);
        ib = json_object_iter_next((json_t *)b, ib);
    }
    return !ia && !ib;
}

/* Equal as json_equal() says, and besides in key order and in every bit of a real. */
static bool same(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT:
        return same_object(a, b);
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a), y = json_real_value(b);
        uint64_t bx, by;
        memcpy(&bx, &x, sizeof(bx));
        memcpy(&by, &y, sizeof(by));
        return bx == by;
    }
    default:
        return true; /* true, false, null: the type says it all */
    }
}

/* Fails unless the fast reader either declines text or reads it exactly as
 * json_loadb does. Returns whether it took it. */
static bool check_one(const char *text, size_t len, size_t flags)
{
    json_t *fast = sr_jread_fast(text, len, flags);
    json_t *slow = json_loadb(text, len, flags, NULL);
    bool took = fast != NULL;
    if (fast && !slow)
        fail_msg("took what json_loadb refuses: %.*s", (int)(len > 200 ? 200 : len), text);
    if (fast && !same(fast, slow))
        fail_msg("reads otherwise than json_loadb: %.*s", (int)(len > 200 ? 200 : len), text);
    json_decref(fast);
    json_decref(slow);
    return took;
}

/* ---- hand-picked cases ------------------------------------------------------------- */

enum expect { TAKES, DECLINES };

struct edge {
    const char *text;
    size_t len; /* 0: strlen */
    size_t flags;
    enum expect expect;
};

#define ANY JSON_DECODE_ANY
#define NUL JSON_ALLOW_NUL

static const struct edge edges[] = {
    {"{}", 0, 0, TAKES},
    {" [ ] ", 0, 0, TAKES},
    {"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", 0, 0, TAKES},
    {"{\"b\":1,\"a\":2,\"b\":3}", 0, 0, TAKES}, /* duplicate key: the last, in the first's place */
    {"\t\r\n{\"k\" :\n\"v\" }\n", 0, 0, TAKES},
    {"[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 0, 0, TAKES},
    {"[\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"]", 0, 0, TAKES},
    {"[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]", 0, 0, TAKES},
    {"[\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"]", 0, 0, TAKES},
    {"[0,-0,1,-1,9223372036854775807,-9223372036854775808]", 0, 0, TAKES},
    {"[0.0,-0.0,1.5,1e10,1E+2,2e-3,-1.25e-7,1e-400,4.9e-324]", 0, 0, TAKES},
    {"[1.7976931348623157e308,0.1,123456789012345678901234567890.0]", 0, 0, TAKES},
    {"1", 0, ANY, TAKES},
    {"\"text\"", 0, ANY, TAKES},
    {" null ", 0, ANY, TAKES},
    {"[\"a\\u0000b\"]", 0, NUL, TAKES},
    {"[\"a\\u0000b\"]", 0, 0, DECLINES},
    {"{\"a\\u0000\":1}", 0, NUL, DECLINES},
    {"1", 0, 0, DECLINES},
    {"\"text\"", 0, 0, DECLINES},
    {"", 0, ANY, DECLINES},
    {"   ", 0, 0, DECLINES},
    {"[1,]", 0, 0, DECLINES},
    {"{\"a\":1,}", 0, 0, DECLINES},
    {"[1 2]", 0, 0, DECLINES},
    {"{\"a\" 1}", 0, 0, DECLINES},
    {"{1:2}", 0, 0, DECLINES},
    {"[01]", 0, 0, DECLINES},
    {"[1.]", 0, 0, DECLINES},
    {"[.5]", 0, 0, DECLINES},
    {"[-]", 0, 0, DECLINES},
    {"[+1]", 0, 0, DECLINES},
    {"[1e]", 0, 0, DECLINES},
    {"[1e+]", 0, 0, DECLINES},
    {"[9223372036854775808]", 0, 0, DECLINES},
    {"[-9223372036854775809]", 0, 0, DECLINES},
    {"[1e400]", 0, 0, DECLINES},
    {"[-1e400]", 0, 0, DECLINES},
    {"[truex]", 0, 0, DECLINES},
    {"[nul]", 0, 0, DECLINES},
    {"[True]", 0, 0, DECLINES},
    {"[\"\\x\"]", 0, 0, DECLINES},
    {"[\"\\u12\"]", 0, 0, DECLINES},
    {"[\"\\ud800\"]", 0, 0, DECLINES},
    {"[\"\\udc00\"]", 0, 0, DECLINES},
    {"[\"\\ud800\\u0041\"]", 0, 0, DECLINES},
    {"[\"tab\there\"]", 0, 0, DECLINES},
    {"[\"\xc0\x80\"]", 0, 0, DECLINES},
    {"[\"\xc1\xbf\"]", 0, 0, DECLINES},
    {"[\"\xe0\x80\x80\"]", 0, 0, DECLINES},
    {"[\"\xed\xa0\x80\"]", 0, 0, DECLINES},
    {"[\"\xf4\x90\x80\x80\"]", 0, 0, DECLINES},
    {"[\"\xf5\x80\x80\x80\"]", 0, 0, DECLINES},
    {"[\"\xc3\"]", 0, 0, DECLINES},
    {"[\"\x80\"]", 0, 0, DECLINES},
    {"[\"unterminated]", 0, 0, DECLINES},
    {"{}x", 0, 0, DECLINES},
    {"{}{}", 0, 0, DECLINES},
    {"[1]\0", 4, 0, DECLINES},
    {"[\"a\0b\"]", 7, 0, DECLINES},
    {"[/* no */1]", 0, 0, DECLINES},
    {"{\"a\":1}", 0, JSON_REJECT_DUPLICATES, DECLINES}, /* a flag it leaves to jansson */
};

static void test_edges(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        const struct edge *e = &edges[i];
        size_t len = e->len ? e->len : strlen(e->text);
        bool took = check_one(e->text, len, e->flags);
        if (took != (e->expect == TAKES))
            fail_msg("case %zu (%s): expected it to %s", i, e->text,
                     e->expect == TAKES ? "take it" : "decline");
    }
}

/* Nesting past the reader's own depth goes to jansson, which reads it. */
static void test_deep_nesting_declined(void **state)
{
    (void)state;
    const size_t depth = 300;
    char text[2 * 300 + 1];
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    assert_false(check_one(text, 2 * depth, 0));
    json_t *v = json_loadb(text, 2 * depth, 0, NULL);
    assert_non_null(v);
    json_decref(v);
    assert_true(check_one(text + depth - 100, 200, 0)); /* 100 deep: its own */
}

/* sr_jread_loadb answers json_loadb's own error, word for word. */
static void test_loadb_errors_are_janssons(void **state)
{
    (void)state;
    const char *bad[] = {"{\"a\":}", "[1,]", "[\"\\ud800\"]", "[1e400]", "{}x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_error_t ours, theirs;
        size_t len = strlen(bad[i]);
        assert_null(sr_jread_loadb(bad[i], len, 0, &ours));
        assert_null(json_loadb(bad[i], len, 0, &theirs));
        assert_string_equal(ours.text, theirs.text);
        assert_int_equal(ours.line, theirs.line);
        assert_int_equal(ours.column, theirs.column);
        assert_int_equal(ours.position, theirs.position);
    }
    json_error_t err;
    json_t *v = sr_jread_loadb("{\"a\":[1,2]}", 11, 0, &err);
    assert_non_null(v);
    assert_int_equal(json_array_size(json_object_get(v, "a")), 2);
    json_decref(v);
}

/* ---- the test data's documents, and mutations of them ------------------------------ */

struct corpus {
    char **text;
    size_t *len;
    size_t count, cap;
};

static void corpus_add(struct corpus *c, const char *text, size_t len)
{
    if (c->count == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->text = realloc(c->text, c->cap * sizeof(*c->text));
        c->len = realloc(c->len, c->cap * sizeof(*c->len));
        assert_non_null(c->text);
        assert_non_null(c->len);
    }
    c->text[c->count] = malloc(len + 1);
    assert_non_null(c->text[c->count]);
    memcpy(c->text[c->count], text, len);
    c->text[c->count][len] = '\0';
    c->len[c->count++] = len;
}

/* Strings inside a document that are themselves JSON (schemas, mostly). */
static void add_nested(struct corpus *c, const json_t *v)
{
    if (json_is_string(v) && json_string_length(v) > 1 && strchr("{[\"", json_string_value(v)[0]))
        corpus_add(c, json_string_value(v), json_string_length(v));
    for (size_t i = 0; i < json_array_size(v); i++)
        add_nested(c, json_array_get(v, i));
    for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it))
        add_nested(c, json_object_iter_value(it));
}

static struct corpus load_corpus(void)
{
    static const char *files[] = {"canonical.jsonl", "compat_pairs.jsonl", "pcf.jsonl",
                                  "schema_validity.jsonl", "schemas_log.jsonl"};
    const char *dir = getenv("SR_TEST_DATA") ? getenv("SR_TEST_DATA") : "tests/data";
    struct corpus c = {0};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[512], *line = NULL;
        size_t cap = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
        FILE *in = fopen(path, "r");
        if (!in)
            fail_msg("cannot open %s", path);
        ssize_t n;
        while ((n = getline(&line, &cap, in)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            corpus_add(&c, line, (size_t)n);
            json_t *doc = json_loadb(line, (size_t)n, 0, NULL);
            add_nested(&c, doc);
            json_decref(doc);
        }
        free(line);
        fclose(in);
    }
    return c;
}

static void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->text[i]);
    free(c->text);
    free(c->len);
}

/* Every document jansson reads, the fast reader reads too, identically. */
static void test_corpus(void **state)
{
    (void)state;
    struct corpus c = load_corpus();
    assert_true(c.count > 500);
    size_t valid = 0;
    for (size_t i = 0; i < c.count; i++) {
        json_t *slow = json_loadb(c.text[i], c.len[i], JSON_DECODE_ANY, NULL);
        bool took = check_one(c.text[i], c.len[i], JSON_DECODE_ANY);
        if (slow && !took)
            fail_msg("declined a document jansson reads: %.200s", c.text[i]);
        valid += slow != NULL;
        json_decref(slow);
    }
    assert_true(valid > 500);
    corpus_free(&c);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* One random edit: a byte replaced, dropped or inserted, mostly from bytes
 * that mean something to a JSON reader. */
static size_t mutate(char *text, size_t len, size_t cap)
{
    static const char alphabet[] = "{}[]\",:\\u0123456789abcdefABCDEF.eE+-tnrfl \t\n\x01\x7f"
                                   "\x80\xbf\xc0\xc3\xe0\xed\xef\xf0\xf4\xf5";
    size_t at = len ? next_random() % len : 0;
    char byte = alphabet[next_random() % (sizeof(alphabet) - 1)];
    switch (next_random() % 3) {
    case 0:
        if (len)
            text[at] = byte;
        return len;
    case 1:
        if (len)
            memmove(text + at, text + at + 1, len - at - 1);
        return len ? len - 1 : 0;
    default:
        if (len + 1 > cap)
            return len;
        memmove(text + at + 1, text + at, len - at);
        text[at] = byte;
        return len + 1;
    }
}

static void test_mutations(void **state)
{
    (void)state;
    struct corpus c = load_corpus();
    enum { ROUNDS = 40000 };
    size_t took = 0, refused = 0;
    for (size_t round = 0; round < ROUNDS; round++) {
        size_t pick = next_random() % c.count, len = c.len[pick], cap = len + 8;
        char *text = malloc(cap);
        assert_non_null(text);
        memcpy(text, c.text[pick], len);
        for (uint64_t k = 1 + next_random() % 3; k > 0; k--)
            len = mutate(text, len, cap);
        size_t flags =
            (next_random() & 1 ? JSON_DECODE_ANY : 0) | (next_random() & 1 ? JSON_ALLOW_NUL : 0);
        json_t *slow = json_loadb(text, len, flags, NULL);
        refused += slow == NULL;
        json_decref(slow);
        took += check_one(text, len, flags);
        free(text);
    }
    /* Both sides were exercised: many mutants still read, many do not. */
    assert_true(took > ROUNDS / 10);
    assert_true(refused > ROUNDS / 10);
    corpus_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_deep_nesting_declined),
        cmocka_unit_test(test_loadb_errors_are_janssons),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
