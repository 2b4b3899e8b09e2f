/*
 * test_metrics.c - server/metrics.c: counters by route pattern, method and
 * status; the duration histogram; the in-flight gauge; store gauges read at
 * scrape time; and counts that stay exact under concurrent recording.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/metrics.h"
#include "storage/store.h"
#include "tests/unit/testutil.h"

static const struct sr_route *route_named(const char *method, const char *pattern, size_t *index)
{
    for (size_t i = 0; sr_routes[i].method; i++) {
        if (strcmp(sr_routes[i].method, method) == 0 &&
            strcmp(sr_routes[i].pattern, pattern) == 0) {
            *index = i;
            return &sr_routes[i];
        }
    }
    fail_msg("no route %s %s", method, pattern);
    return NULL;
}

static char *render(struct sr_metrics *m, struct sr_store *store)
{
    struct sr_buf out = SR_BUF_INIT;
    struct sr_error err = {0};
    assert_int_equal(sr_metrics_render(m, store, &out, &err), SR_OK);
    return sr_buf_detach(&out, NULL);
}

static void expect_line(const char *text, const char *line)
{
    char needle[512];
    snprintf(needle, sizeof needle, "\n%s\n", line);
    if (!strstr(text, needle))
        fail_msg("missing line: %s\n--- exposition ---\n%s", line, text);
}

static void test_counters_and_histogram(void **state)
{
    (void)state;
    struct sr_metrics *m = NULL;
    struct sr_error err = {0};
    size_t get_versions, post_versions, get_ids;
    route_named("GET", "/subjects/{subject}/versions", &get_versions);
    route_named("POST", "/subjects/{subject}/versions", &post_versions);
    route_named("GET", "/schemas/ids/{id}", &get_ids);
    assert_int_equal(sr_metrics_new(sr_routes, 2, &m, &err), SR_OK);

    sr_metrics_observe(m, get_ids, "GET", 200, 50000);        /* 50 us */
    sr_metrics_observe(m, get_ids, "GET", 200, 2000000);      /* 2 ms */
    sr_metrics_observe(m, get_ids, "HEAD", 404, 20000000000); /* 20 s: +Inf only */
    sr_metrics_observe(m, post_versions, "POST", 409, 1000);
    sr_metrics_observe(m, get_versions, "GET", 200, 1000); /* same pattern as POST */
    sr_metrics_observe(m, get_versions, "PUT", 405, 1000); /* 405s carry the pattern */
    sr_metrics_observe(m, SR_METRICS_UNMATCHED, "GET", 404, 1000);
    sr_metrics_observe(m, SR_METRICS_UNMATCHED, "BREW", 418, 1000);
    sr_metrics_inflight_add(m, 1);
    sr_metrics_inflight_add(m, 1);
    sr_metrics_inflight_add(m, -1);
    assert_int_equal(sr_metrics_inflight(m), 1);

    char *text = render(m, NULL);
    expect_line(text, "# TYPE avro_registry_http_requests_total counter");
    expect_line(text,
                "avro_registry_http_requests_total{route=\"/schemas/ids/{id}\",method=\"GET\","
                "status=\"200\"} 2");
    expect_line(text,
                "avro_registry_http_requests_total{route=\"/schemas/ids/{id}\",method=\"HEAD\","
                "status=\"404\"} 1");
    expect_line(text, "avro_registry_http_requests_total{route=\"/subjects/{subject}/versions\","
                      "method=\"POST\",status=\"409\"} 1");
    expect_line(text, "avro_registry_http_requests_total{route=\"/subjects/{subject}/versions\","
                      "method=\"GET\",status=\"200\"} 1");
    expect_line(text, "avro_registry_http_requests_total{route=\"/subjects/{subject}/versions\","
                      "method=\"PUT\",status=\"405\"} 1");
    expect_line(text, "avro_registry_http_requests_total{route=\"unmatched\",method=\"GET\","
                      "status=\"404\"} 1");
    expect_line(text, "avro_registry_http_requests_total{route=\"unmatched\",method=\"other\","
                      "status=\"other\"} 1");

    const char *h = "avro_registry_http_request_duration_seconds";
    char line[256];
    expect_line(text, "# TYPE avro_registry_http_request_duration_seconds histogram");
    snprintf(line, sizeof line, "%s_bucket{route=\"/schemas/ids/{id}\",le=\"0.0001\"} 1", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_bucket{route=\"/schemas/ids/{id}\",le=\"0.001\"} 1", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_bucket{route=\"/schemas/ids/{id}\",le=\"0.0025\"} 2", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_bucket{route=\"/schemas/ids/{id}\",le=\"10\"} 2", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_bucket{route=\"/schemas/ids/{id}\",le=\"+Inf\"} 3", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_sum{route=\"/schemas/ids/{id}\"} 20.002050000", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_count{route=\"/schemas/ids/{id}\"} 3", h);
    expect_line(text, line);
    snprintf(line, sizeof line, "%s_count{route=\"/subjects/{subject}/versions\"} 3", h);
    expect_line(text, line);
    /* routes never seen are left out */
    assert_null(strstr(text, "route=\"/config\""));
    expect_line(text, "avro_registry_http_requests_in_flight 1");
    /* no store, no store gauges */
    assert_null(strstr(text, "avro_registry_subjects"));
    free(text);
    sr_metrics_free(m);
    sr_metrics_free(NULL);
}

struct worker {
    struct sr_metrics *m;
    size_t route;
    int n;
};

static void *record_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->n; i++) {
        sr_metrics_inflight_add(w->m, 1);
        sr_metrics_observe(w->m, w->route, "GET", 200, (uint64_t)i);
        sr_metrics_inflight_add(w->m, -1);
    }
    return NULL;
}

/* More threads than shards: shards are shared, and counts stay exact. */
static void test_concurrent_recording(void **state)
{
    (void)state;
    struct sr_metrics *m = NULL;
    struct sr_error err = {0};
    size_t route;
    route_named("GET", "/subjects", &route);
    assert_int_equal(sr_metrics_new(sr_routes, 2, &m, &err), SR_OK);
    pthread_t threads[6];
    struct worker w = {m, route, 20000};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, record_many, &w), 0);
    for (size_t i = 0; i < 6; i++)
        pthread_join(threads[i], NULL);
    char *text = render(m, NULL);
    expect_line(text, "avro_registry_http_requests_total{route=\"/subjects\",method=\"GET\","
                      "status=\"200\"} 120000");
    expect_line(text, "avro_registry_http_request_duration_seconds_count{route=\"/subjects\"} "
                      "120000");
    expect_line(text, "avro_registry_http_requests_in_flight 0");
    free(text);
    sr_metrics_free(m);
}

static void test_store_gauges(void **state)
{
    (void)state;
    char dir[64];
    char path[96];
    assert_non_null(tu_tempdir(dir, sizeof dir, "sr-test-metrics-"));
    snprintf(path, sizeof path, "%s/registry.db", dir);
    struct sr_store *store = NULL;
    struct sr_error err = {0};
    assert_int_equal(sr_store_open_sqlite(path, &store, &err), SR_OK);

    char *text = render(NULL, store);
    expect_line(text, "avro_registry_store_up 1");
    expect_line(text, "avro_registry_subjects 0");
    expect_line(text, "avro_registry_versions 0");
    expect_line(text, "avro_registry_schemas 0");
    assert_null(strstr(text, "http_requests_total"));
    free(text);

    sr_store_close(store);
    tu_tempdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_histogram),
        cmocka_unit_test(test_concurrent_recording),
        cmocka_unit_test(test_store_gauges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
