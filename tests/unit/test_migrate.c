/*
 * test_migrate.c - libavroreg's migration model without a network: the
 * export format (writing, reading, every malformed input of
 * tests/data/export_bad.jsonl) and the replay of _schemas records with
 * Confluent's meaning (tests/data/schemas_log.jsonl: records in, outcomes
 * and the resulting state as export lines out).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "include/avroreg_migrate.h"
#include "tests/unit/testdata.h"

/* An export as the writer produces it: sorted, keys in the writer's order. */
static const char *const SORTED =
    "{\"kind\":\"avroreg-export\",\"formatVersion\":1}\n"
    "{\"kind\":\"global\",\"compatibilityLevel\":\"FULL\",\"normalize\":true,\"mode\":"
    "\"READWRITE\"}\n"
    "{\"kind\":\"schema\",\"id\":2,\"schemaType\":\"AVRO\",\"schema\":\"\\\"string\\\"\"}\n"
    "{\"kind\":\"schema\",\"id\":10,\"schemaType\":\"AVRO\",\"schema\":\"{\\\"type\\\":"
    "\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":[]}\",\"references\":[{\"name\":\"x\","
    "\"subject\":\"b\",\"version\":1}],\"metadata\":{\"properties\":{\"z\":\"1\",\"a\":\"2\"}},"
    "\"ruleSet\":{\"domainRules\":[]}}\n"
    "{\"kind\":\"subject\",\"subject\":\"a\",\"compatibilityLevel\":\"NONE\",\"mode\":"
    "\"READONLY\"}\n"
    "{\"kind\":\"version\",\"subject\":\"a\",\"version\":1,\"id\":10,\"deleted\":true}\n"
    "{\"kind\":\"version\",\"subject\":\"a\",\"version\":3,\"id\":10,\"deleted\":false}\n"
    "{\"kind\":\"subject\",\"subject\":\"b\"}\n"
    "{\"kind\":\"version\",\"subject\":\"b\",\"version\":1,\"id\":2,\"deleted\":false}\n"
    "{\"kind\":\"subject\",\"subject\":\"only-settings\",\"compatibilityLevel\":\"FORWARD\"}\n"
    "{\"kind\":\"end\",\"schemas\":2,\"subjects\":3,\"versions\":3}\n";

static char *render(const struct avroreg_snapshot *snap)
{
    char *text = NULL;
    size_t len = 0;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_snapshot_to_text(snap, &text, &len, &err), AVROREG_OK);
    assert_int_equal(strlen(text), len);
    return text;
}

static void format_round_trip_is_byte_exact(void **state)
{
    (void)state;
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_snapshot_parse(SORTED, strlen(SORTED), &snap, &err), AVROREG_OK);
    struct avroreg_snapshot_stats st;
    avroreg_snapshot_stats(snap, &st);
    assert_int_equal(st.schemas, 2);
    assert_int_equal(st.subjects, 3);
    assert_int_equal(st.versions, 3);
    assert_int_equal(st.deleted_versions, 1);
    assert_string_equal(avroreg_snapshot_mode(snap), "READWRITE");
    char *text = render(snap);
    assert_string_equal(text, SORTED);
    avroreg_free(text);
    avroreg_snapshot_free(snap);
}

/* The lines of SORTED in another order (and with CRLF ends) read to the same export. */
static void format_output_is_sorted(void **state)
{
    (void)state;
    /* header first, end last; the middle reversed but subjects before their versions */
    const int order[] = {0, 1, 9, 7, 8, 3, 2, 4, 6, 5, 10};
    const size_t want = sizeof order / sizeof order[0];
    const char *lines[sizeof order / sizeof order[0]] = {0};
    size_t n = 0;
    char *copy = strdup(SORTED), *save = NULL;
    assert_non_null(copy);
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
        if (n < want)
            lines[n] = l;
    assert_int_equal(n, want);
    char shuffled[4096];
    size_t len = 0;
    for (size_t i = 0; i < want; i++) {
        int w = snprintf(shuffled + len, sizeof shuffled - len, "%s\r\n", lines[order[i]]);
        assert_true(w > 0 && (size_t)w < sizeof shuffled - len);
        len += (size_t)w;
    }
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_snapshot_parse(shuffled, len, &snap, &err), AVROREG_OK);
    char *text = render(snap);
    assert_string_equal(text, SORTED);
    avroreg_free(text);
    avroreg_snapshot_free(snap);
    free(copy);
}

static void bad_export_case(void **state)
{
    const struct td_case *c = *state;
    const json_t *text = json_object_get(c->doc, "text");
    const char *want = json_string_value(json_object_get(c->doc, "error"));
    assert_non_null(text);
    assert_non_null(want);
    struct avroreg_snapshot *snap = NULL;
    struct avroreg_error err = {0};
    enum avroreg_err rc =
        avroreg_snapshot_parse(json_string_value(text), json_string_length(text), &snap, &err);
    if (rc != AVROREG_ERR_FORMAT || !strstr(err.message, want))
        fail_msg("got %d \"%s\", want FORMAT with \"%s\"", rc, err.message, want);
    assert_null(snap);
}

/* ---- _schemas records ------------------------------------------------------------------- */

/* A record's key or value: a JSON object (sent as compact JSON), a string
 * (sent as its bytes), or null (a tombstone). */
static char *record_bytes(const json_t *v, size_t *len)
{
    if (json_is_null(v)) {
        *len = 0;
        return NULL;
    }
    char *text = json_is_string(v) ? strdup(json_string_value(v))
                                   : json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    *len = strlen(text);
    return text;
}

static const char *outcome_name(enum avroreg_err rc, enum avroreg_log_outcome o)
{
    if (rc == AVROREG_ERR_FORMAT)
        return "FORMAT";
    if (rc)
        return "ERROR";
    return o == AVROREG_LOG_APPLIED ? "APPLIED" : o == AVROREG_LOG_IGNORED ? "IGNORED" : "REJECTED";
}

/* The export lines of snap between the header and the end line. */
static json_t *state_lines(const struct avroreg_snapshot *snap)
{
    char *text = render(snap);
    json_t *lines = json_array();
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        json_array_append_new(lines, json_loads(l, 0, NULL));
    avroreg_free(text);
    json_array_remove(lines, json_array_size(lines) - 1);
    json_array_remove(lines, 0);
    return lines;
}

static void log_case(void **state)
{
    const struct td_case *c = *state;
    const json_t *records = json_object_get(c->doc, "records");
    const json_t *outcomes = json_object_get(c->doc, "outcomes");
    const json_t *expect = json_object_get(c->doc, "expect");
    assert_true(json_array_size(records) > 0);
    assert_int_equal(json_array_size(records), json_array_size(outcomes));
    struct avroreg_schemas_log *log = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_schemas_log_new(&log, &err), AVROREG_OK);
    size_t i;
    const json_t *rec;
    json_array_foreach(records, i, rec)
    {
        size_t klen, vlen;
        char *key = record_bytes(json_array_get(rec, 0), &klen);
        char *value = record_bytes(json_array_get(rec, 1), &vlen);
        enum avroreg_log_outcome o = AVROREG_LOG_IGNORED;
        memset(&err, 0, sizeof(err));
        enum avroreg_err rc = avroreg_schemas_log_apply(log, key, klen, value, vlen, &o, &err);
        const char *got = outcome_name(rc, o);
        const char *want = json_string_value(json_array_get(outcomes, i));
        if (strcmp(got, want) != 0)
            fail_msg("record %zu: got %s (%s), want %s", i, got, err.message, want);
        if (rc == AVROREG_ERR_FORMAT || o == AVROREG_LOG_REJECTED)
            assert_true(strlen(err.message) > 0); /* a bad record is always explained */
        free(key);
        free(value);
    }
    struct avroreg_snapshot *snap = NULL;
    assert_int_equal(avroreg_schemas_log_snapshot(log, &snap, &err), AVROREG_OK);
    json_t *got = state_lines(snap);
    if (!json_equal(got, (json_t *)expect)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *w = json_dumps(expect, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fail_msg("state\n  got:  %s\n  want: %s", g, w);
    }
    json_decref(got);
    avroreg_snapshot_free(snap);
    avroreg_schemas_log_free(log);
}

/* take_changes names the subjects touched since the last call, once. */
static void log_changes(void **state)
{
    (void)state;
    struct avroreg_schemas_log *log = NULL;
    struct avroreg_error err = {0};
    enum avroreg_log_outcome o;
    assert_int_equal(avroreg_schemas_log_new(&log, &err), AVROREG_OK);
    const char *k1 = "{\"keytype\":\"SCHEMA\",\"subject\":\"zeta\",\"version\":1,\"magic\":1}";
    const char *v1 = "{\"subject\":\"zeta\",\"version\":1,\"id\":1,\"schema\":\"\\\"int\\\"\"}";
    const char *k2 = "{\"keytype\":\"MODE\",\"subject\":\"alpha\",\"magic\":0}";
    const char *k3 = "{\"keytype\":\"CONFIG\",\"magic\":0}";
    const char *v3 = "{\"compatibilityLevel\":\"NONE\"}";
    assert_int_equal(avroreg_schemas_log_apply(log, k1, strlen(k1), v1, strlen(v1), &o, &err), 0);
    assert_int_equal(
        avroreg_schemas_log_apply(log, k2, strlen(k2), "{\"mode\":\"READONLY\"}", 19, &o, &err), 0);
    char **names = NULL;
    size_t n = 0;
    bool global = true;
    assert_int_equal(avroreg_schemas_log_take_changes(log, &names, &n, &global, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "zeta");
    assert_false(global);
    for (size_t i = 0; i < n; i++)
        avroreg_free(names[i]);
    avroreg_free(names);
    assert_int_equal(avroreg_schemas_log_apply(log, k3, strlen(k3), v3, strlen(v3), &o, &err), 0);
    assert_int_equal(avroreg_schemas_log_take_changes(log, &names, &n, &global, &err), 0);
    assert_int_equal(n, 0);
    assert_true(global);
    avroreg_free(names);
    avroreg_schemas_log_free(log);
}

int main(void)
{
    const struct CMUnitTest format[] = {
        cmocka_unit_test(format_round_trip_is_byte_exact),
        cmocka_unit_test(format_output_is_sorted),
        cmocka_unit_test(log_changes),
    };
    int failed = cmocka_run_group_tests_name("migration model", format, NULL, NULL);
    struct td_suite bad, log;
    td_load(&bad, "export_bad.jsonl", bad_export_case);
    td_load(&log, "schemas_log.jsonl", log_case); /* an empty file is a failing case */
    failed += td_run(&bad, "malformed exports");
    failed += td_run(&log, "_schemas records");
    return failed ? 1 : 0;
}
