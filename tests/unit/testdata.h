/*
 * testdata.h - helpers for data-driven cmocka tests: read a .jsonl file from
 * the test data folder (SR_TEST_DATA, default tests/data) and build one cmocka
 * test per line, each with its line as state. A missing or empty data file is a
 * failing test, never a suite that passes with zero cases.
 */
#ifndef SR_TESTS_TESTDATA_H
#define SR_TESTS_TESTDATA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

struct td_case {
    json_t *doc;
    int line;
    char name[160];
};

struct td_suite {
    struct td_case *cases;
    struct CMUnitTest *tests;
    size_t count;
};

/* The one case of a suite whose data could not be had: fails with its name. */
static inline void td_no_data(void **state)
{
    const struct td_case *c = *state;
    fail_msg("%s", c->name);
}

/* Drops what was loaded and leaves one failing case that says why: a data file
 * that is missing, empty or unreadable must fail the run, not pass zero cases. */
static inline void td_load_failed(struct td_suite *suite, const char *why, const char *path)
{
    for (size_t i = 0; i < suite->count; i++)
        json_decref(suite->cases[i].doc);
    free(suite->cases);
    free(suite->tests);
    suite->cases = calloc(1, sizeof(*suite->cases));
    suite->tests = calloc(1, sizeof(*suite->tests));
    if (!suite->cases || !suite->tests) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    snprintf(suite->cases[0].name, sizeof(suite->cases[0].name), "%.80s: %.70s", path, why);
    suite->tests[0] =
        (struct CMUnitTest){suite->cases[0].name, td_no_data, NULL, NULL, &suite->cases[0]};
    suite->count = 1;
}

/* Loads every line of file as a case, each run by fn. A missing or empty file,
 * or a line that is not JSON, gives one failing case instead. */
static inline void td_load(struct td_suite *suite, const char *file, CMUnitTestFunction fn)
{
    const char *dir = getenv("SR_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", file);
    memset(suite, 0, sizeof(*suite));
    FILE *f = fopen(path, "r");
    if (!f) {
        td_load_failed(suite, "cannot open the test data (set SR_TEST_DATA)", path);
        return;
    }
    size_t cap = 0;
    char *line = NULL;
    ssize_t n;
    int lineno = 0;
    size_t alloc = 0;
    char why[128] = "";
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t err;
        json_t *doc = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &err);
        if (!doc) {
            snprintf(why, sizeof(why), "line %d is not JSON: %.90s", lineno, err.text);
            break;
        }
        if (suite->count == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            suite->cases = realloc(suite->cases, alloc * sizeof(*suite->cases));
            suite->tests = realloc(suite->tests, alloc * sizeof(*suite->tests));
        }
        struct td_case *c = &suite->cases[suite->count];
        c->doc = doc;
        c->line = lineno;
        const char *src = json_string_value(json_object_get(doc, "source"));
        snprintf(c->name, sizeof(c->name), "%s:%d%s%.100s", file, lineno, src ? " " : "",
                 src ? src : "");
        suite->count++;
    }
    free(line);
    fclose(f);
    if (why[0]) {
        td_load_failed(suite, why, path);
        return;
    }
    if (suite->count == 0) {
        td_load_failed(suite, "holds no test cases", path);
        return;
    }
    for (size_t i = 0; i < suite->count; i++)
        suite->tests[i] =
            (struct CMUnitTest){suite->cases[i].name, fn, NULL, NULL, &suite->cases[i]};
}

static inline int td_run(struct td_suite *suite, const char *group)
{
    int failed = _cmocka_run_group_tests(group, suite->tests, suite->count, NULL, NULL);
    for (size_t i = 0; i < suite->count; i++)
        json_decref(suite->cases[i].doc);
    free(suite->cases);
    free(suite->tests);
    return failed;
}

/* The JSON text of a member that holds a schema either as a string or as JSON. */
static inline char *td_schema_text(const json_t *v)
{
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        char *s = malloc(len + 1);
        memcpy(s, json_string_value(v), len);
        s[len] = '\0';
        return s;
    }
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

#endif
