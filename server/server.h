/*
 * server.h - the state one running server shares between main(), the HTTP
 * layer and the handlers (which reach it through sr_request.server).
 *
 * Lifecycle (main.c): zero-initialise, fill config, open store and registry,
 * create metrics, sr_http_start(), set ready; at shutdown clear ready, set
 * stopping, sr_http_quiesce(), sr_http_drain(), sr_http_stop(), then close
 * registry and store. Handlers only read this struct; the pointers stay
 * valid for as long as any request runs.
 */
#ifndef SR_SERVER_SERVER_H
#define SR_SERVER_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/config.h"

struct MHD_Daemon;
struct sr_store;
struct sr_registry;
struct sr_metrics;
struct sr_edge;

/* Reported by GET /v1/metadata/version; the build may override both with -D. */
#ifndef AVRO_REGISTRY_VERSION
#define AVRO_REGISTRY_VERSION "0.1.0"
#endif
#ifndef AVRO_REGISTRY_COMMIT
#define AVRO_REGISTRY_COMMIT "unknown"
#endif

#define SR_LIGHT_BODY_BYTES ((size_t)64 * 1024)

struct sr_server {
    struct sr_config config;      /* owned by main */
    struct sr_store *store;       /* borrowed: main opens and closes it */
    struct sr_registry *registry; /* borrowed: main opens and closes it */
    struct sr_metrics *metrics;   /* owned by main; NULL disables metrics */
    struct sr_edge *edge;         /* owned by main: TLS, auth, limits (edge.h); NULL: none */
    atomic_bool ready;            /* GET /health/ready says UP only while true */
    atomic_bool stopping;         /* shutting down: replies carry Connection: close */
    struct MHD_Daemon *daemon;    /* the HTTP layer's; NULL when not running */
    int listen_fd;                /* set by sr_http_quiesce(); -1 otherwise */
    uint16_t bound_port;          /* the port actually bound (useful with --port 0) */
    /* the HTTP layer's worker pools (workq.h): requests with a body under
     * SR_LIGHT_BODY_BYTES, and the rest, so that a few huge schemas never
     * hold every worker while small writes wait */
    struct sr_workq *workq, *workq_large;
    atomic_size_t body_bytes; /* request bodies in flight (--max-inflight-bytes) */
};

#endif
