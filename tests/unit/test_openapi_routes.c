/*
 * test_openapi_routes.c - openapi.yaml documents exactly the routes of
 * sr_routes (server/routes.c): the same (method, path) pairs, no more, no
 * less, each once.
 *
 * The YAML is read without a YAML library, by its layout: under the
 * top-level "paths:" key, a path is a key starting with '/' (optionally
 * quoted) one level in ("  /subjects/{subject}:"), and its operations are the
 * HTTP-method keys one level further in ("    get:"). Anything else (other
 * keys, comments, blank lines, deeper levels) is skipped.
 * The file is $SR_OPENAPI, by default openapi.yaml in the current directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/request.h"

#define MAX_OPS 256
#define MAX_LINE 1024

struct op {
    char method[8];
    char path[256];
};

struct ops {
    struct op items[MAX_OPS];
    size_t count;
};

static const char *const http_methods[] = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};

static size_t indent_of(const char *line)
{
    size_t n = 0;
    while (line[n] == ' ')
        n++;
    return n;
}

/* The key of a "key:" line (quotes removed, trailing comment and spaces
 * ignored) into key; false when the line is not a bare key. */
static bool key_of(const char *text, char *key, size_t cap)
{
    size_t len = strlen(text);
    const char *hash = strstr(text, " #");
    if (hash)
        len = (size_t)(hash - text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len < 2 || text[len - 1] != ':')
        return false;
    len--;
    if (len >= 2 && (text[0] == '"' || text[0] == '\'') && text[len - 1] == text[0]) {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= cap)
        return false;
    memcpy(key, text, len);
    key[len] = '\0';
    return true;
}

static bool is_method(const char *key)
{
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (strcmp(key, http_methods[i]) == 0)
            return true;
    return false;
}

static void add_op(struct ops *ops, const char *method, const char *path)
{
    assert_true(ops->count < MAX_OPS);
    struct op *op = &ops->items[ops->count++];
    snprintf(op->method, sizeof op->method, "%.7s", method);
    for (char *p = op->method; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(op->path, sizeof op->path, "%.255s", path);
}

/* Layout state while reading the paths section. */
struct reader {
    bool in_paths;
    size_t path_indent;   /* 0 until the first path is seen */
    size_t method_indent; /* 0 until the first operation is seen */
    char path[256];       /* current path, "" outside one */
};

static void read_line(struct reader *r, const char *line, struct ops *ops)
{
    char key[256];
    size_t indent = indent_of(line);
    const char *text = line + indent;
    if (*text == '\0' || *text == '#' || *text == '\n')
        return;
    if (indent == 0) {
        r->in_paths = key_of(text, key, sizeof key) && strcmp(key, "paths") == 0;
        r->path[0] = '\0';
        return;
    }
    if (!r->in_paths || !key_of(text, key, sizeof key))
        return;
    if (key[0] == '/' && (r->path_indent == 0 || indent == r->path_indent)) {
        r->path_indent = indent;
        snprintf(r->path, sizeof r->path, "%.255s", key);
    } else if (indent <= r->path_indent) {
        r->path[0] = '\0';
    } else if (r->path[0] && is_method(key) &&
               (r->method_indent == 0 || indent == r->method_indent)) {
        r->method_indent = indent;
        add_op(ops, key, r->path);
    }
}

static bool read_openapi(const char *file, struct ops *ops)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return false;
    struct reader r = {0};
    char line[MAX_LINE];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        read_line(&r, line, ops);
    }
    fclose(f);
    return true;
}

static bool contains(const struct ops *ops, const char *method, const char *path)
{
    for (size_t i = 0; i < ops->count; i++)
        if (strcmp(ops->items[i].method, method) == 0 && strcmp(ops->items[i].path, path) == 0)
            return true;
    return false;
}

/* The reader itself, on a small document with the layouts it must handle. */
static void test_reader(void **state)
{
    (void)state;
    static const char *const doc[] = {
        "openapi: 3.0.3",
        "info:",
        "  title: x",
        "  /not-a-path-here:",
        "paths:",
        "  # comment",
        "  /:",
        "    get:",
        "      summary: root",
        "      responses:",
        "        '200':",
        "          description: ok",
        "    post: # trailing comment",
        "  \"/subjects/{subject}\":",
        "    parameters:",
        "      - name: subject",
        "    delete:",
        "      requestBody:",
        "        content:",
        "          get:",
        "  '/mode':",
        "    put:",
        "components:",
        "  schemas:",
        "    get:",
    };
    struct reader r = {0};
    struct ops *ops = calloc(1, sizeof *ops);
    assert_non_null(ops);
    for (size_t i = 0; i < sizeof doc / sizeof doc[0]; i++)
        read_line(&r, doc[i], ops);
    assert_int_equal(ops->count, 4);
    assert_true(contains(ops, "GET", "/"));
    assert_true(contains(ops, "POST", "/"));
    assert_true(contains(ops, "DELETE", "/subjects/{subject}"));
    assert_true(contains(ops, "PUT", "/mode"));
    free(ops);
}

static void test_openapi_matches_routes(void **state)
{
    (void)state;
    const char *file = getenv("SR_OPENAPI") ? getenv("SR_OPENAPI") : "openapi.yaml";
    struct ops *ops = calloc(1, sizeof *ops);
    assert_non_null(ops);
    if (!read_openapi(file, ops)) {
        free(ops);
        fail_msg("cannot read %s (set SR_OPENAPI to its path)", file);
        return; /* not reached; cmocka 1.1 does not mark fail_msg noreturn */
    }
    size_t problems = 0, routes = 0;
    for (const struct sr_route *r = sr_routes; r->method; r++, routes++) {
        if (!contains(ops, r->method, r->pattern)) {
            print_error("in sr_routes, missing from %s: %s %s\n", file, r->method, r->pattern);
            problems++;
        }
    }
    for (size_t i = 0; i < ops->count; i++) {
        bool found = false;
        for (const struct sr_route *r = sr_routes; r->method && !found; r++)
            found = strcmp(r->method, ops->items[i].method) == 0 &&
                    strcmp(r->pattern, ops->items[i].path) == 0;
        if (!found) {
            print_error("in %s, not in sr_routes: %s %s\n", file, ops->items[i].method,
                        ops->items[i].path);
            problems++;
        }
    }
    /* Equal sets can still hide a route or an operation listed twice. */
    if (ops->count != routes) {
        print_error("%s lists %zu operations, sr_routes has %zu routes\n", file, ops->count,
                    routes);
        problems++;
    }
    size_t count = ops->count;
    free(ops);
    assert_int_equal(problems, 0);
    assert_true(routes > 0); /* two empty lists agree too */
    assert_int_equal(count, routes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_openapi_matches_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
