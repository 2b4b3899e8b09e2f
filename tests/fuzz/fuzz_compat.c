/*
 * fuzz_compat.c - libFuzzer harness for the compatibility checker (compat/).
 *
 * The input is two schema texts separated by the first NUL byte (no NUL: the
 * same text twice); its first bytes are also tried as a level name. Both are parsed (without
 * default validation when only a default is wrong, so stored-but-odd schemas are reached too).
 * Then:
 *   - sr_compat_check() both ways and each schema against itself;
 *   - sr_compat_check_level() at all seven levels, the first schema new and
 *     the second its one previous version, and again over eight previous
 *     versions (the two taking turns).
 * Checked: a result is compatible exactly when it has no incompatibility and
 * no exception; every location is a JSON pointer; a schema reads itself
 * unless Java would throw; the levels agree with the two directions
 * (BACKWARD: new reads old, FORWARD: old reads new, FULL: both, NONE: yes;
 * with one previous version a transitive level answers as the plain one);
 * an incompatible level has messages and a compatible one has none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT ((size_t)64 * 1024)

_Noreturn static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_compat: %s\n  input: %.*s\n", what, (int)size, (const char *)data);
    abort();
}

static struct sr_schema *parse(const char *text, size_t len)
{
    struct sr_parse_opts opts = {.validate_defaults = true};
    struct sr_schema *s = NULL;
    struct sr_error err = {0};
    enum sr_err rc = sr_schema_parse(text, len, &opts, &s, &err);
    if (rc == SR_ERR_INVALID_SCHEMA) {
        opts.validate_defaults = false;
        rc = sr_schema_parse(text, len, &opts, &s, &err);
    }
    return rc == SR_OK ? s : NULL;
}

/* One direction: 1 compatible, 0 not, -1 no answer (limits, memory). */
static int check(const struct sr_schema *reader, const struct sr_schema *writer, bool *threw,
                 const uint8_t *data, size_t size)
{
    struct sr_compat_result r = {0};
    struct sr_error err = {0};
    enum sr_err rc = sr_compat_check(sr_schema_root(reader), sr_schema_root(writer), &r, &err);
    if (rc != SR_OK) {
        if (rc != SR_ERR_UNPROCESSABLE && rc != SR_ERR_NOMEM)
            fail("sr_compat_check failed with an unexpected code", data, size);
        return -1;
    }
    if (r.compatible != (r.count == 0 && !r.exception))
        fail("verdict disagrees with the incompatibilities", data, size);
    if (r.exception && r.count)
        fail("an exception with incompatibilities", data, size);
    if (r.count > SR_COMPAT_MAX_ITEMS)
        fail("more incompatibilities than the limit", data, size);
    for (size_t i = 0; i < r.count; i++) {
        if (!r.items[i].location || r.items[i].location[0] != '/' || !r.items[i].message)
            fail("an incompatibility without a location or message", data, size);
        (void)sr_incompat_type_name(r.items[i].type);
    }
    if (threw)
        *threw = r.exception != NULL;
    int verdict = r.compatible ? 1 : 0;
    sr_compat_result_release(&r);
    return verdict;
}

/* One level: 1 compatible, 0 not, -1 no answer. */
static int level(enum sr_compat_level lv, const struct sr_schema *new_schema,
                 const struct sr_compat_prev *prev, size_t prev_count, const uint8_t *data,
                 size_t size)
{
    bool compatible = false;
    struct sr_strlist msgs = {0};
    struct sr_error err = {0};
    enum sr_err rc =
        sr_compat_check_level(lv, new_schema, prev, prev_count, &compatible, &msgs, &err);
    if (rc != SR_OK) {
        if (rc != SR_ERR_UNPROCESSABLE && rc != SR_ERR_NOMEM)
            fail("sr_compat_check_level failed with an unexpected code", data, size);
        return -1;
    }
    if (compatible != (msgs.count == 0))
        fail("level verdict disagrees with its messages", data, size);
    for (size_t i = 0; i < msgs.count; i++)
        if (!msgs.items[i] || !msgs.items[i][0])
            fail("an empty level message", data, size);
    sr_strlist_release(&msgs);
    return compatible ? 1 : 0;
}

static void expect_level(int got, int want, const char *what, const uint8_t *data, size_t size)
{
    if (got >= 0 && want >= 0 && got != want)
        fail(what, data, size);
}

/* The first bytes as a level name (as the config endpoints take it): a name
 * that parses names its level. */
static void check_level_name(const uint8_t *data, size_t size)
{
    char name[32];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    enum sr_compat_level lv;
    if (!sr_compat_level_parse(name, &lv))
        return;
    enum sr_compat_level again;
    if (!sr_compat_level_parse(sr_compat_level_name(lv), &again) || again != lv)
        fail("a level's name does not parse back to it", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    check_level_name(data, size);
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t len_a = nul ? (size_t)(nul - text) : size;
    const char *text_b = nul ? nul + 1 : text;
    size_t len_b = nul ? size - len_a - 1 : size;

    struct sr_schema *a = parse(text, len_a);
    struct sr_schema *b = a ? parse(text_b, len_b) : NULL;
    if (!b) {
        sr_schema_free(a);
        return 0;
    }

    bool threw = false;
    if (check(a, a, &threw, data, size) == 0 && !threw)
        fail("the first schema cannot read itself", data, size);
    if (check(b, b, &threw, data, size) == 0 && !threw)
        fail("the second schema cannot read itself", data, size);
    int a_reads_b = check(a, b, NULL, data, size);
    int b_reads_a = check(b, a, NULL, data, size);
    int full = a_reads_b < 0 || b_reads_a < 0 ? -1 : a_reads_b && b_reads_a;

    struct sr_compat_prev one = {b, 1};
    int got[SR_LEVEL_FULL_TRANSITIVE + 1];
    for (int lv = SR_LEVEL_NONE; lv <= SR_LEVEL_FULL_TRANSITIVE; lv++)
        got[lv] = level((enum sr_compat_level)lv, a, &one, 1, data, size);
    expect_level(got[SR_LEVEL_NONE], 1, "NONE is not compatible", data, size);
    expect_level(got[SR_LEVEL_BACKWARD], a_reads_b, "BACKWARD is not new-reads-old", data, size);
    expect_level(got[SR_LEVEL_FORWARD], b_reads_a, "FORWARD is not old-reads-new", data, size);
    expect_level(got[SR_LEVEL_FULL], full, "FULL is not both ways", data, size);
    expect_level(got[SR_LEVEL_BACKWARD_TRANSITIVE], got[SR_LEVEL_BACKWARD],
                 "BACKWARD_TRANSITIVE over one version differs", data, size);
    expect_level(got[SR_LEVEL_FORWARD_TRANSITIVE], got[SR_LEVEL_FORWARD],
                 "FORWARD_TRANSITIVE over one version differs", data, size);
    expect_level(got[SR_LEVEL_FULL_TRANSITIVE], got[SR_LEVEL_FULL],
                 "FULL_TRANSITIVE over one version differs", data, size);

    /* b and a taking turns as eight versions, a the newest: transitive levels
     * reach b (and prefetch the versions ahead) */
    struct sr_compat_prev many[8];
    for (int k = 0; k < 8; k++)
        many[k] = (struct sr_compat_prev){k % 2 ? a : b, k + 1};
    for (int lv = SR_LEVEL_NONE; lv <= SR_LEVEL_FULL_TRANSITIVE; lv++)
        (void)level((enum sr_compat_level)lv, a, many, 8, data, size);

    sr_schema_free(a);
    sr_schema_free(b);
    return 0;
}
