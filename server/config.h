/*
 * config.h - the server's settings, from command-line flags and environment
 * variables (flags win over the environment, the environment over defaults):
 *
 *   --listen ADDR          AVRO_REGISTRY_LISTEN     0.0.0.0
 *   --port N               AVRO_REGISTRY_PORT       8081 (0: any free port)
 *   --db PATH|URL          AVRO_REGISTRY_DB         ./data/registry.db
 *                          (a SQLite file, or a postgresql:// URL: see sr_store_open)
 *   --log-level L          AVRO_REGISTRY_LOG_LEVEL  info (error|warn|info|debug)
 *   --max-body-bytes N     AVRO_REGISTRY_MAX_BODY   16 MiB (suffixes k, m, g: KiB, MiB, GiB)
 *   --threads N            AVRO_REGISTRY_THREADS    number of online cores
 *   --ui on|off            AVRO_REGISTRY_UI         on (the web UI at /ui/; off: 404)
 *   --api-shapes V         AVRO_REGISTRY_API_SHAPES 8 (Confluent 8.0/8.1 shapes) or 7 (7.0)
 *   --max-schema-bytes N   AVRO_REGISTRY_MAX_SCHEMA 1 MiB (the largest schema text accepted)
 *   --max-inflight-bytes N AVRO_REGISTRY_MAX_INFLIGHT_BYTES 256 MiB (request bodies in
 *                          flight, all connections together; 503 past it)
 *   --workers N            AVRO_REGISTRY_WORKERS    4 per core, at least 8 (threads that
 *                          run requests with a body, off the connection threads)
 *   --deadline-ms N        AVRO_REGISTRY_DEADLINE_MS 30000 (a request with a body still
 *                          running then is answered 500 / 50002 and commits nothing)
 *
 * Security (edge.h; each also from AVRO_REGISTRY_<NAME>, e.g. --tls-cert from
 * AVRO_REGISTRY_TLS_CERT, --max-connections-per-address from
 * AVRO_REGISTRY_MAX_CONNECTIONS_PER_ADDRESS):
 *   --tls-cert FILE, --tls-key FILE        serve HTTPS only (PEM; both or neither)
 *   --tls-client-ca FILE                   verify client certificates (needs --tls-cert)
 *   --auth-file FILE                       Basic authentication and permissions (Karapace's format)
 *   --audit-log FILE                       audit lines there (default: stderr)
 *   --protect-metrics BOOL                 /metrics needs Read on Config: (default false)
 *   --cors-origins LIST, --allowed-hosts LIST   comma-separated
 *   --max-connections-per-address N        1024 (0: no cap)
 *   --header-timeout SECONDS               10
 *   --rate-limit N                         10000 requests/s per principal or address (0: off)
 *   --auth-failure-limit N                 60 failed password checks per address a minute (0: off)
 *   --max-request-line N                   8k (414 past it)
 *   --max-header-bytes N                   16k (431 past it)
 *   --help
 *
 * Flags take their value as the next argument or after '=' (--port=8081).
 * Nothing here prints or exits: sr_config_load() reports what went wrong and
 * main() decides (usage error: exit 2).
 */
#ifndef SR_SERVER_CONFIG_H
#define SR_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/log.h"

#define SR_CONFIG_DEFAULT_LISTEN "0.0.0.0"
#define SR_CONFIG_DEFAULT_PORT 8081
#define SR_CONFIG_DEFAULT_DB "./data/registry.db"
#define SR_CONFIG_DEFAULT_MAX_BODY ((size_t)16 * 1024 * 1024)
#define SR_CONFIG_MAX_BODY_LIMIT ((size_t)1024 * 1024 * 1024) /* largest accepted cap */
#define SR_CONFIG_MAX_THREADS 1024
#define SR_CONFIG_DEFAULT_CONN_PER_ADDRESS 1024
#define SR_CONFIG_DEFAULT_HEADER_TIMEOUT 10
#define SR_CONFIG_DEFAULT_RATE_LIMIT 10000
#define SR_CONFIG_DEFAULT_AUTH_FAILURE_LIMIT 60
#define SR_CONFIG_DEFAULT_MAX_REQUEST_LINE ((size_t)8 * 1024)
#define SR_CONFIG_DEFAULT_MAX_HEADER ((size_t)16 * 1024)
#define SR_CONFIG_MAX_HEAD_LIMIT ((size_t)1024 * 1024) /* largest line or header cap */
#define SR_CONFIG_DEFAULT_API_SHAPES 8
#define SR_CONFIG_DEFAULT_MAX_SCHEMA ((size_t)1024 * 1024)
#define SR_CONFIG_DEFAULT_MAX_INFLIGHT ((size_t)256 * 1024 * 1024)
#define SR_CONFIG_MAX_INFLIGHT_LIMIT ((size_t)64 * 1024 * 1024 * 1024)
#define SR_CONFIG_DEFAULT_DEADLINE_MS 30000u
#define SR_CONFIG_MAX_DEADLINE_MS 3600000u

struct sr_config {
    char *listen;  /* owned: a numeric IPv4/IPv6 address or a host name */
    uint16_t port; /* 0 asks the kernel for a free port */
    char *db_path; /* owned: a SQLite path or a PostgreSQL URL (storage/store.h) */
    enum sr_log_level log_level;
    size_t max_body_bytes; /* request bodies larger than this get 413 */
    unsigned threads;      /* size of the HTTP thread pool, >= 1 */
    bool ui;               /* serve the web UI under /ui/ (server/ui.h) */
    /* security (edge.h); strings owned, NULL when not given */
    char *tls_cert, *tls_key, *tls_client_ca;
    char *auth_file;
    char *audit_log;
    bool protect_metrics;
    char *cors_origins, *allowed_hosts;
    unsigned max_conn_per_address; /* 0: no cap */
    unsigned header_timeout_s;
    unsigned rate_limit;         /* requests per second per principal or address; 0: off */
    unsigned auth_failure_limit; /* failed password checks per address a minute; 0: off */
    size_t max_request_line;     /* 414 past it */
    size_t max_header_bytes;     /* 431 past it */
    int api_shapes;              /* 8 or 7: which Confluent generation's JSON shapes to answer in */
    size_t max_schema_bytes;     /* schema texts longer than this are refused (42201) */
    size_t max_inflight_bytes;   /* request bodies in flight, together; 503 past it */
    unsigned workers;            /* threads that run requests with a body, >= 1 */
    unsigned deadline_ms;        /* a request with a body running longer fails (50002) */
};

enum sr_config_outcome {
    SR_CONFIG_RUN,  /* *cfg is filled: start the server */
    SR_CONFIG_HELP, /* --help was given: print sr_config_usage() and exit 0 */
};

/* Fills *cfg from defaults, then the environment (getenv), then argv[1..argc).
 * On success the caller owns *cfg and releases it with sr_config_release().
 * Errors: SR_ERR_BAD_REQUEST with a message naming the flag or variable and
 * the bad value (unknown flag, missing value, out of range, malformed);
 * SR_ERR_NOMEM. On error *cfg holds nothing to release. */
enum sr_err sr_config_load(struct sr_config *cfg, int argc, char *const *argv,
                           enum sr_config_outcome *outcome_out, struct sr_error *err);

/* Frees what cfg owns and zeroes it. NULL-safe; safe to call twice. */
void sr_config_release(struct sr_config *cfg);

/* The --help text (static), program name not included. */
const char *sr_config_usage(void);

/* Value parsers, exposed for tests. Each returns false on malformed or
 * out-of-range text and leaves *out alone. */
bool sr_config_parse_port(const char *text, uint16_t *out);
bool sr_config_parse_size(const char *text, size_t *out);      /* 1 .. SR_CONFIG_MAX_BODY_LIMIT */
bool sr_config_parse_threads(const char *text, unsigned *out); /* 1 .. SR_CONFIG_MAX_THREADS */
bool sr_config_valid_listen(const char *text);
bool sr_config_parse_switch(const char *text, bool *out); /* on|off, any case */

/* Online cores (at least 1). */
unsigned sr_config_default_threads(void);
/* Two per online core, at least 4: workers mostly wait on fsync or compute
 * one check each, and a few spare ones keep cheap requests off the queue. */
unsigned sr_config_default_workers(void);

#endif
