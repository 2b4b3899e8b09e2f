/*
 * metrics.h - Prometheus metrics of the HTTP layer, in the text exposition
 * format (version 0.0.4):
 *
 *   avro_registry_http_requests_total{route,method,status}      counter
 *   avro_registry_http_request_duration_seconds{route}          histogram
 *   avro_registry_http_requests_in_flight                       gauge
 *   avro_registry_subjects / _versions / _schemas               gauges (read from
 *                                                               the store at scrape)
 *   avro_registry_store_up                                      gauge (1 when the store
 *                                                               answered that read)
 *
 * route is the route's pattern ("/subjects/{subject}/versions"), or
 * "unmatched" for a path no route has. Counters are sharded per thread
 * (cache-line aligned), so recording takes a few uncontended relaxed atomic
 * adds and no lock; a scrape sums the shards.
 */
#ifndef SR_SERVER_METRICS_H
#define SR_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "server/request.h"

struct sr_metrics;
struct sr_store;

/* Route index for requests whose path matches no route. */
#define SR_METRICS_UNMATCHED ((size_t)-1)

/* Creates the metrics for the routes of table (NULL-terminated, borrowed: it
 * must outlive the metrics), with shards counter sets (use the thread-pool
 * size; 0 counts as 1). Caller owns *out; free with sr_metrics_free().
 * Errors: SR_ERR_NOMEM. */
enum sr_err sr_metrics_new(const struct sr_route *table, unsigned shards, struct sr_metrics **out,
                           struct sr_error *err);
/* NULL-safe. No thread may be recording when it is called. */
void sr_metrics_free(struct sr_metrics *m);

/* Records one answered request. route_index is the index in the table of a
 * route whose pattern matched the path (for 405 too), or SR_METRICS_UNMATCHED.
 * method is the request's; statuses outside the known set count as "other".
 * Thread-safe, lock-free. m may be NULL (no-op). */
void sr_metrics_observe(struct sr_metrics *m, size_t route_index, const char *method, int status,
                        uint64_t duration_ns);

/* Adjusts the in-flight gauge (+1 when a request starts, -1 when it is done).
 * Thread-safe, lock-free; m may be NULL. */
void sr_metrics_inflight_add(struct sr_metrics *m, int delta);
/* The current in-flight count (sum of shards; 0 for NULL). */
int64_t sr_metrics_inflight(const struct sr_metrics *m);

/* Appends the whole exposition to out. When store is non-NULL the three
 * store gauges are read in one read transaction at scrape time; if the store
 * fails they are left out and avro_registry_store_up is 0 (the HTTP metrics
 * are still worth serving). m may be NULL (only the store gauges).
 * Errors: SR_ERR_NOMEM when out failed. */
enum sr_err sr_metrics_render(struct sr_metrics *m, struct sr_store *store, struct sr_buf *out,
                              struct sr_error *err);

#endif
