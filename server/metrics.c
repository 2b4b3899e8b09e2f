/*
 * metrics.c - lock-free request metrics and their Prometheus exposition;
 * see metrics.h.
 *
 * Layout: each shard is one cache-line-aligned array of 64-bit atomic
 * counters: the in-flight gauge, then requests[slot][method][status], then
 * the histogram buckets[slot][bucket] (not cumulative; summed at scrape) and
 * the duration sums sum_ns[slot]. A slot is a route pattern: routes sharing
 * a pattern (GET and POST of "/subjects/{subject}/versions") share the slot
 * of the first of them; the last slot is "unmatched". A thread picks its
 * shard once (round robin), so shards are uncontended when there are at
 * least as many as worker threads.
 */
#include "server/metrics.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "storage/store.h"

#define MAX_SHARDS 16
#define CACHE_LINE 64

static const char *const method_names[] = {"GET",  "POST",    "PUT",   "DELETE",
                                           "HEAD", "OPTIONS", "PATCH", "other"};
#define METHOD_COUNT (sizeof method_names / sizeof method_names[0])

static const int known_statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 406, 408,
                                     409, 413, 414, 415, 421, 422, 429, 431, 500, 503};
#define STATUS_COUNT (sizeof known_statuses / sizeof known_statuses[0] + 1) /* + "other" */

static const struct {
    uint64_t ns;
    const char *label;
} buckets[] = {
    {100000, "0.0001"},  {250000, "0.00025"}, {500000, "0.0005"},  {1000000, "0.001"},
    {2500000, "0.0025"}, {5000000, "0.005"},  {10000000, "0.01"},  {25000000, "0.025"},
    {50000000, "0.05"},  {100000000, "0.1"},  {250000000, "0.25"}, {500000000, "0.5"},
    {1000000000, "1"},   {2500000000, "2.5"}, {5000000000, "5"},   {10000000000, "10"},
};
#define BUCKET_COUNT (sizeof buckets / sizeof buckets[0] + 1) /* + "+Inf" */

struct sr_metrics {
    const struct sr_route *table;
    size_t slots;    /* routes + 1 ("unmatched") */
    size_t *slot_of; /* route index -> slot (first route with the same pattern) */
    unsigned nshards;
    size_t shard_words; /* counters per shard */
    _Atomic uint64_t *shards[MAX_SHARDS];
};

/* Offsets inside a shard. */
static size_t off_requests(size_t slot, size_t method, size_t status)
{
    return 1 + (slot * METHOD_COUNT + method) * STATUS_COUNT + status;
}

static size_t off_bucket(const struct sr_metrics *m, size_t slot, size_t bucket)
{
    return 1 + m->slots * METHOD_COUNT * STATUS_COUNT + slot * BUCKET_COUNT + bucket;
}

static size_t off_sum(const struct sr_metrics *m, size_t slot)
{
    return 1 + m->slots * (METHOD_COUNT * STATUS_COUNT + BUCKET_COUNT) + slot;
}

static _Atomic uint64_t *new_shard(size_t words)
{
    size_t bytes = words * sizeof(_Atomic uint64_t);
    bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    _Atomic uint64_t *s = aligned_alloc(CACHE_LINE, bytes);
    if (s)
        for (size_t i = 0; i < words; i++)
            atomic_init(&s[i], 0);
    return s;
}

static void compute_slots(struct sr_metrics *m, size_t routes)
{
    for (size_t i = 0; i < routes; i++) {
        m->slot_of[i] = i;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->table[i].pattern, m->table[j].pattern) == 0) {
                m->slot_of[i] = m->slot_of[j];
                break;
            }
        }
    }
}

enum sr_err sr_metrics_new(const struct sr_route *table, unsigned shards, struct sr_metrics **out,
                           struct sr_error *err)
{
    size_t routes = 0;
    while (table[routes].method)
        routes++;
    struct sr_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory creating metrics");
    m->table = table;
    m->slots = routes + 1;
    m->nshards = shards == 0 ? 1 : shards > MAX_SHARDS ? MAX_SHARDS : shards;
    m->shard_words = off_sum(m, m->slots);
    m->slot_of = calloc(routes + 1, sizeof *m->slot_of);
    bool ok = m->slot_of != NULL;
    for (unsigned i = 0; ok && i < m->nshards; i++)
        ok = (m->shards[i] = new_shard(m->shard_words)) != NULL;
    if (!ok) {
        sr_metrics_free(m);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory creating metrics");
    }
    compute_slots(m, routes);
    *out = m;
    return SR_OK;
}

void sr_metrics_free(struct sr_metrics *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->nshards; i++)
        free(m->shards[i]);
    free(m->slot_of);
    free(m);
}

/* This thread's shard: chosen once per thread, round robin. */
static _Atomic uint64_t *my_shard(const struct sr_metrics *m)
{
    static atomic_uint next_thread;
    static _Thread_local unsigned thread_number = UINT_MAX;
    if (thread_number == UINT_MAX)
        thread_number = atomic_fetch_add_explicit(&next_thread, 1, memory_order_relaxed);
    return m->shards[thread_number % m->nshards];
}

static size_t method_index(const char *method)
{
    for (size_t i = 0; i + 1 < METHOD_COUNT; i++)
        if (strcmp(method, method_names[i]) == 0)
            return i;
    return METHOD_COUNT - 1;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i + 1 < STATUS_COUNT; i++)
        if (known_statuses[i] == status)
            return i;
    return STATUS_COUNT - 1;
}

static size_t bucket_index(uint64_t ns)
{
    size_t i = 0;
    while (i + 1 < BUCKET_COUNT && ns > buckets[i].ns)
        i++;
    return i;
}

static void add(_Atomic uint64_t *counter, uint64_t v)
{
    atomic_fetch_add_explicit(counter, v, memory_order_relaxed);
}

void sr_metrics_observe(struct sr_metrics *m, size_t route_index, const char *method, int status,
                        uint64_t duration_ns)
{
    if (!m)
        return;
    size_t slot = route_index < m->slots - 1 ? m->slot_of[route_index] : m->slots - 1;
    _Atomic uint64_t *s = my_shard(m);
    add(&s[off_requests(slot, method_index(method), status_index(status))], 1);
    add(&s[off_bucket(m, slot, bucket_index(duration_ns))], 1);
    add(&s[off_sum(m, slot)], duration_ns);
}

void sr_metrics_inflight_add(struct sr_metrics *m, int delta)
{
    if (m)
        add(&my_shard(m)[0], (uint64_t)(int64_t)delta);
}

/* Sum of one counter over the shards. */
static uint64_t total(const struct sr_metrics *m, size_t offset)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < m->nshards; i++)
        sum += atomic_load_explicit(&m->shards[i][offset], memory_order_relaxed);
    return sum;
}

int64_t sr_metrics_inflight(const struct sr_metrics *m)
{
    return m ? (int64_t)total(m, 0) : 0;
}

/* ---- exposition ---------------------------------------------------------- */

static const char *slot_label(const struct sr_metrics *m, size_t slot)
{
    return slot == m->slots - 1 ? "unmatched" : m->table[slot].pattern;
}

/* Appends a label value, escaped as the text format asks. */
static void add_label_value(struct sr_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            sr_buf_addc(out, '\\');
        if (*v == '\n')
            sr_buf_adds(out, "\\n");
        else
            sr_buf_addc(out, *v);
    }
}

static void render_requests(const struct sr_metrics *m, struct sr_buf *out)
{
    sr_buf_adds(out, "# HELP avro_registry_http_requests_total HTTP requests answered.\n"
                     "# TYPE avro_registry_http_requests_total counter\n");
    for (size_t slot = 0; slot < m->slots; slot++) {
        for (size_t meth = 0; meth < METHOD_COUNT; meth++) {
            for (size_t st = 0; st < STATUS_COUNT; st++) {
                uint64_t n = total(m, off_requests(slot, meth, st));
                if (n == 0)
                    continue;
                sr_buf_adds(out, "avro_registry_http_requests_total{route=\"");
                add_label_value(out, slot_label(m, slot));
                sr_buf_addf(out, "\",method=\"%s\",status=\"", method_names[meth]);
                if (st + 1 < STATUS_COUNT)
                    sr_buf_addf(out, "%d\"} %llu\n", known_statuses[st], (unsigned long long)n);
                else
                    sr_buf_addf(out, "other\"} %llu\n", (unsigned long long)n);
            }
        }
    }
}

static void render_histogram_slot(const struct sr_metrics *m, size_t slot, struct sr_buf *out)
{
    uint64_t cumulative = 0;
    const char *name = "avro_registry_http_request_duration_seconds";
    for (size_t b = 0; b < BUCKET_COUNT; b++) {
        cumulative += total(m, off_bucket(m, slot, b));
        sr_buf_addf(out, "%s_bucket{route=\"", name);
        add_label_value(out, slot_label(m, slot));
        sr_buf_addf(out, "\",le=\"%s\"} %llu\n", b + 1 < BUCKET_COUNT ? buckets[b].label : "+Inf",
                    (unsigned long long)cumulative);
    }
    uint64_t sum_ns = total(m, off_sum(m, slot));
    sr_buf_addf(out, "%s_sum{route=\"", name);
    add_label_value(out, slot_label(m, slot));
    sr_buf_addf(out, "\"} %llu.%09llu\n", (unsigned long long)(sum_ns / 1000000000u),
                (unsigned long long)(sum_ns % 1000000000u));
    sr_buf_addf(out, "%s_count{route=\"", name);
    add_label_value(out, slot_label(m, slot));
    sr_buf_addf(out, "\"} %llu\n", (unsigned long long)cumulative);
}

static void render_durations(const struct sr_metrics *m, struct sr_buf *out)
{
    sr_buf_adds(out, "# HELP avro_registry_http_request_duration_seconds Time from the request's "
                     "headers to its response being queued.\n"
                     "# TYPE avro_registry_http_request_duration_seconds histogram\n");
    for (size_t slot = 0; slot < m->slots; slot++) {
        uint64_t count = 0;
        for (size_t b = 0; b < BUCKET_COUNT; b++)
            count += total(m, off_bucket(m, slot, b));
        if (count > 0)
            render_histogram_slot(m, slot, out);
    }
}

static void render_gauge(struct sr_buf *out, const char *name, const char *help, long long v)
{
    sr_buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

static void render_store(struct sr_store *store, struct sr_buf *out)
{
    struct sr_store_counts counts = {0};
    struct sr_txn *t = NULL;
    struct sr_error e = {0};
    bool up =
        sr_store_begin(store, false, &t, &e) == SR_OK && sr_txn_counts(t, &counts, &e) == SR_OK;
    sr_txn_rollback(t);
    render_gauge(out, "avro_registry_store_up", "Whether the store answered the scrape's read.",
                 up);
    if (!up)
        return;
    render_gauge(out, "avro_registry_subjects", "Subjects with at least one live version.",
                 (long long)counts.subjects);
    render_gauge(out, "avro_registry_versions", "Live versions over all subjects.",
                 (long long)counts.versions);
    render_gauge(out, "avro_registry_schemas", "Distinct stored schemas.",
                 (long long)counts.schemas);
}

enum sr_err sr_metrics_render(struct sr_metrics *m, struct sr_store *store, struct sr_buf *out,
                              struct sr_error *err)
{
    if (m) {
        render_requests(m, out);
        render_durations(m, out);
        render_gauge(out, "avro_registry_http_requests_in_flight",
                     "Requests received and not yet completed.", (long long)sr_metrics_inflight(m));
    }
    if (store)
        render_store(store, out);
    if (sr_buf_failed(out))
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory rendering metrics");
    return SR_OK;
}
