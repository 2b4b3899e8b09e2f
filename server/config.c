/*
 * config.c - flags and environment variables; see config.h.
 */
#include "server/config.h"

#include "server/origin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* One setting: its flag, its variable, and how to apply a text value. */
struct option_def {
    const char *flag;
    const char *env; /* NULL: flag only */
    enum sr_err (*apply)(struct sr_config *cfg, const char *value, const char *source,
                         struct sr_error *err);
};

static const char usage_text[] =
    "Usage: avro-registry [options]\n"
    "\n"
    "An Avro schema registry speaking Confluent Schema Registry's REST API.\n"
    "\n"
    "Options (each also read from the environment variable shown; flags win):\n"
    "  --listen ADDR          address to listen on (AVRO_REGISTRY_LISTEN, "
    "default " SR_CONFIG_DEFAULT_LISTEN ")\n"
    "  --port N               TCP port, 0 for any free port (AVRO_REGISTRY_PORT, default 8081)\n"
    "  --db PATH|URL          the database (AVRO_REGISTRY_DB, default " SR_CONFIG_DEFAULT_DB "):\n"
    "                         a SQLite file, or postgresql://USER@HOST:PORT/DBNAME for a\n"
    "                         PostgreSQL database that several servers share\n"
    "  --log-level L          error, warn, info or debug (AVRO_REGISTRY_LOG_LEVEL, default info)\n"
    "  --max-body-bytes N     largest request body; suffix k, m or g for KiB, MiB, GiB\n"
    "                         (AVRO_REGISTRY_MAX_BODY, default 16m)\n"
    "  --threads N            HTTP worker threads (AVRO_REGISTRY_THREADS, default: one per core)\n"
    "  --ui on|off            the web UI at /ui/ (AVRO_REGISTRY_UI, default on)\n"
    "  --api-shapes V         8: answer with Confluent 8.0/8.1's JSON shapes (full register\n"
    "                         response, guid, schemaType); 7: Confluent 7.0's, for old clients\n"
    "                         (AVRO_REGISTRY_API_SHAPES, default 8)\n"
    "  --max-schema-bytes N   largest schema text accepted; suffix k, m or g\n"
    "                         (AVRO_REGISTRY_MAX_SCHEMA, default 1m)\n"
    "  --max-inflight-bytes N request bodies in flight on all connections together; past\n"
    "                         it, 503 at once (AVRO_REGISTRY_MAX_INFLIGHT_BYTES, default 256m)\n"
    "  --workers N            threads that run requests with a body (registrations, checks,\n"
    "                         lookups), so that reads never wait behind them; two pools\n"
    "                         of N: bodies under 64 KiB, and larger ones\n"
    "                         (AVRO_REGISTRY_WORKERS, default: 4 per core, at least 8)\n"
    "  --deadline-ms N        a request with a body still running after N ms is answered\n"
    "                         500 (error 50002) and commits nothing\n"
    "                         (AVRO_REGISTRY_DEADLINE_MS, default 30000)\n"
    "\n"
    "Security (each also from AVRO_REGISTRY_ and the flag's name in capitals, e.g.\n"
    "AVRO_REGISTRY_TLS_CERT; SIGHUP reloads the certificate and the authfile):\n"
    "  --tls-cert FILE        serve HTTPS only, with this PEM certificate (and chain)\n"
    "  --tls-key FILE         its unencrypted PEM private key\n"
    "  --tls-client-ca FILE   verify client certificates against this CA bundle; a\n"
    "                         verified certificate's subject CN is the principal\n"
    "  --auth-file FILE       HTTP Basic users and permissions, Karapace's authfile format\n"
    "  --audit-log FILE       append the audit trail there (default: stderr)\n"
    "  --protect-metrics B    true: /metrics needs Read on Config: (default false)\n"
    "  --cors-origins LIST    origins (http[s]://host[:port], comma-separated) that may\n"
    "                         call the registry from a browser, writes included\n"
    "  --allowed-hosts LIST   answer only requests for these Host names (421 otherwise)\n"
    "  --max-connections-per-address N   default 1024; 0: no cap\n"
    "  --header-timeout S     seconds a new connection has to send its request header\n"
    "                         (default 10)\n"
    "  --rate-limit N         requests per second per principal, or per address without\n"
    "                         one; bursts of 2N; 429 past it (default 10000; 0: off)\n"
    "  --auth-failure-limit N failed password checks per client address per minute;\n"
    "                         past it, 429 before any hash is computed (default 60; 0: off)\n"
    "  --max-request-line N   414 past it (default 8k)\n"
    "  --max-header-bytes N   431 past it (default 16k)\n"
    "  --help                 print this text and exit\n";

const char *sr_config_usage(void)
{
    return usage_text;
}

unsigned sr_config_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > SR_CONFIG_MAX_THREADS ? SR_CONFIG_MAX_THREADS : (unsigned)n;
}

/* A registration's worker waits for its group commit (storage/store.h): the
 * more workers, the more registrations share one commit. Four per core keep
 * the cores busy while batches are on their way to disk. */
unsigned sr_config_default_workers(void)
{
    unsigned n = 4 * sr_config_default_threads();
    return n < 8 ? 8 : n;
}

/* Parses a whole decimal number in [min, max]; no sign, no spaces. */
static bool parse_uint(const char *text, unsigned long long min, unsigned long long max,
                       unsigned long long *out, const char **end_out)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || v < min || v > max)
        return false;
    if (end_out)
        *end_out = end;
    else if (*end)
        return false;
    *out = v;
    return true;
}

bool sr_config_parse_port(const char *text, uint16_t *out)
{
    unsigned long long v;
    if (!parse_uint(text, 0, 65535, &v, NULL))
        return false;
    *out = (uint16_t)v;
    return true;
}

bool sr_config_parse_threads(const char *text, unsigned *out)
{
    unsigned long long v;
    if (!parse_uint(text, 1, SR_CONFIG_MAX_THREADS, &v, NULL))
        return false;
    *out = (unsigned)v;
    return true;
}

/* 1 for "" or "b", 1024 for "k"/"kb"/"kib", and so on; 0 for anything else. */
static unsigned long long size_multiplier(const char *suffix)
{
    static const struct {
        const char *name;
        unsigned long long mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1ULL << 10},
        {"kb", 1ULL << 10},
        {"kib", 1ULL << 10},
        {"m", 1ULL << 20},
        {"mb", 1ULL << 20},
        {"mib", 1ULL << 20},
        {"g", 1ULL << 30},
        {"gb", 1ULL << 30},
        {"gib", 1ULL << 30},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(suffix, units[i].name) == 0)
            return units[i].mult;
    return 0;
}

bool sr_config_parse_size(const char *text, size_t *out)
{
    unsigned long long v, mult;
    const char *end;
    if (!parse_uint(text, 1, SR_CONFIG_MAX_BODY_LIMIT, &v, &end))
        return false;
    mult = size_multiplier(end);
    if (mult == 0 || v > SR_CONFIG_MAX_BODY_LIMIT / mult)
        return false;
    *out = (size_t)(v * mult);
    return true;
}

bool sr_config_valid_listen(const char *text)
{
    unsigned char addr[sizeof(struct in6_addr)];
    if (!text || !*text || strlen(text) > 253)
        return false;
    if (inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1)
        return true;
    /* a host name: letters, digits, '-' and '.', not starting with '-' or '.' */
    if (text[0] == '-' || text[0] == '.')
        return false;
    for (const char *p = text; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return false;
    return true;
}

bool sr_config_parse_switch(const char *text, bool *out)
{
    if (!text)
        return false;
    if (strcasecmp(text, "on") == 0)
        *out = true;
    else if (strcasecmp(text, "off") == 0)
        *out = false;
    else
        return false;
    return true;
}

static enum sr_err set_string(char **slot, const char *value, struct sr_error *err)
{
    char *copy = strdup(value);
    if (!copy)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory reading the configuration");
    free(*slot);
    *slot = copy;
    return SR_OK;
}

static enum sr_err apply_listen(struct sr_config *cfg, const char *value, const char *source,
                                struct sr_error *err)
{
    if (!sr_config_valid_listen(value))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not an IP address or host name",
                         source, value);
    return set_string(&cfg->listen, value, err);
}

static enum sr_err apply_port(struct sr_config *cfg, const char *value, const char *source,
                              struct sr_error *err)
{
    if (!sr_config_parse_port(value, &cfg->port))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not a port number (0 to 65535)",
                         source, value);
    return SR_OK;
}

static enum sr_err apply_db(struct sr_config *cfg, const char *value, const char *source,
                            struct sr_error *err)
{
    if (!*value)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: the database path or URL is empty", source);
    return set_string(&cfg->db_path, value, err);
}

static enum sr_err apply_log_level(struct sr_config *cfg, const char *value, const char *source,
                                   struct sr_error *err)
{
    if (!sr_log_level_parse(value, &cfg->log_level))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a log level (error, warn, info, debug)", source, value);
    return SR_OK;
}

static enum sr_err apply_max_body(struct sr_config *cfg, const char *value, const char *source,
                                  struct sr_error *err)
{
    if (!sr_config_parse_size(value, &cfg->max_body_bytes))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a size from 1 byte to 1g (e.g. 1048576, 512k, 16m)",
                         source, value);
    return SR_OK;
}

static enum sr_err apply_threads(struct sr_config *cfg, const char *value, const char *source,
                                 struct sr_error *err)
{
    if (!sr_config_parse_threads(value, &cfg->threads))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not a thread count (1 to %d)",
                         source, value, SR_CONFIG_MAX_THREADS);
    return SR_OK;
}

static enum sr_err apply_ui(struct sr_config *cfg, const char *value, const char *source,
                            struct sr_error *err)
{
    if (!sr_config_parse_switch(value, &cfg->ui))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not on or off", source, value);
    return SR_OK;
}

static enum sr_err apply_path(char **slot, const char *value, const char *source,
                              struct sr_error *err)
{
    if (!*value)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: the file name is empty", source);
    return set_string(slot, value, err);
}

static enum sr_err apply_tls_cert(struct sr_config *cfg, const char *value, const char *source,
                                  struct sr_error *err)
{
    return apply_path(&cfg->tls_cert, value, source, err);
}

static enum sr_err apply_tls_key(struct sr_config *cfg, const char *value, const char *source,
                                 struct sr_error *err)
{
    return apply_path(&cfg->tls_key, value, source, err);
}

static enum sr_err apply_tls_client_ca(struct sr_config *cfg, const char *value, const char *source,
                                       struct sr_error *err)
{
    return apply_path(&cfg->tls_client_ca, value, source, err);
}

static enum sr_err apply_auth_file(struct sr_config *cfg, const char *value, const char *source,
                                   struct sr_error *err)
{
    return apply_path(&cfg->auth_file, value, source, err);
}

static enum sr_err apply_audit_log(struct sr_config *cfg, const char *value, const char *source,
                                   struct sr_error *err)
{
    return apply_path(&cfg->audit_log, value, source, err);
}

static enum sr_err apply_protect_metrics(struct sr_config *cfg, const char *value,
                                         const char *source, struct sr_error *err)
{
    if (strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
        cfg->protect_metrics = true;
    else if (strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
        cfg->protect_metrics = false;
    else
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not true or false", source, value);
    return SR_OK;
}

/* A list checked by the policy parser now, so that a typo is a usage error. */
static enum sr_err apply_list(char **slot, bool origins, const char *value, const char *source,
                              struct sr_error *err)
{
    struct sr_origin_policy p;
    struct sr_error why = {0};
    if (sr_origin_policy_parse(origins ? value : NULL, origins ? NULL : value, &p, &why) != SR_OK) {
        const char *reason = strstr(why.message, ": "); /* after the parser's own flag name */
        return sr_errorf(err, why.code, "%s: %s", source, reason ? reason + 2 : why.message);
    }
    sr_origin_policy_release(&p);
    return set_string(slot, value, err);
}

static enum sr_err apply_cors_origins(struct sr_config *cfg, const char *value, const char *source,
                                      struct sr_error *err)
{
    return apply_list(&cfg->cors_origins, true, value, source, err);
}

static enum sr_err apply_allowed_hosts(struct sr_config *cfg, const char *value, const char *source,
                                       struct sr_error *err)
{
    return apply_list(&cfg->allowed_hosts, false, value, source, err);
}

static enum sr_err apply_unsigned(unsigned *slot, const char *value, unsigned long long min,
                                  unsigned long long max, const char *source, struct sr_error *err)
{
    unsigned long long v;
    if (!parse_uint(value, min, max, &v, NULL))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not a number from %llu to %llu",
                         source, value, min, max);
    *slot = (unsigned)v;
    return SR_OK;
}

static enum sr_err apply_conn_per_address(struct sr_config *cfg, const char *value,
                                          const char *source, struct sr_error *err)
{
    return apply_unsigned(&cfg->max_conn_per_address, value, 0, 65535, source, err);
}

static enum sr_err apply_header_timeout(struct sr_config *cfg, const char *value,
                                        const char *source, struct sr_error *err)
{
    return apply_unsigned(&cfg->header_timeout_s, value, 1, 3600, source, err);
}

static enum sr_err apply_rate_limit(struct sr_config *cfg, const char *value, const char *source,
                                    struct sr_error *err)
{
    return apply_unsigned(&cfg->rate_limit, value, 0, 10000000, source, err);
}

static enum sr_err apply_auth_failure_limit(struct sr_config *cfg, const char *value,
                                            const char *source, struct sr_error *err)
{
    return apply_unsigned(&cfg->auth_failure_limit, value, 0, 1000000, source, err);
}

static enum sr_err apply_head_size(size_t *slot, size_t min, const char *value, const char *source,
                                   struct sr_error *err)
{
    size_t v;
    if (!sr_config_parse_size(value, &v) || v < min || v > SR_CONFIG_MAX_HEAD_LIMIT)
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a size from %zu bytes to 1m (e.g. 8k)", source, value,
                         min);
    *slot = v;
    return SR_OK;
}

static enum sr_err apply_max_request_line(struct sr_config *cfg, const char *value,
                                          const char *source, struct sr_error *err)
{
    return apply_head_size(&cfg->max_request_line, 256, value, source, err);
}

static enum sr_err apply_max_header(struct sr_config *cfg, const char *value, const char *source,
                                    struct sr_error *err)
{
    return apply_head_size(&cfg->max_header_bytes, 1024, value, source, err);
}

static enum sr_err apply_api_shapes(struct sr_config *cfg, const char *value, const char *source,
                                    struct sr_error *err)
{
    if (strcmp(value, "8") == 0 || strcmp(value, "7") == 0) {
        cfg->api_shapes = value[0] - '0';
        return SR_OK;
    }
    return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not 8 or 7", source, value);
}

static enum sr_err apply_max_schema(struct sr_config *cfg, const char *value, const char *source,
                                    struct sr_error *err)
{
    if (!sr_config_parse_size(value, &cfg->max_schema_bytes))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a size from 1 byte to 1g (e.g. 1048576, 512k, 1m)",
                         source, value);
    return SR_OK;
}

static enum sr_err apply_max_inflight(struct sr_config *cfg, const char *value, const char *source,
                                      struct sr_error *err)
{
    unsigned long long v = 0, mult = 0;
    const char *end = NULL;
    if (!parse_uint(value, 1, SR_CONFIG_MAX_INFLIGHT_LIMIT, &v, &end) ||
        (mult = size_multiplier(end)) == 0 || v > SR_CONFIG_MAX_INFLIGHT_LIMIT / mult)
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a size from 1 byte to 64g (e.g. 268435456, 256m)", source,
                         value);
    cfg->max_inflight_bytes = (size_t)(v * mult);
    return SR_OK;
}

static enum sr_err apply_workers(struct sr_config *cfg, const char *value, const char *source,
                                 struct sr_error *err)
{
    if (!sr_config_parse_threads(value, &cfg->workers))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not a thread count (1 to %d)",
                         source, value, SR_CONFIG_MAX_THREADS);
    return SR_OK;
}

static enum sr_err apply_deadline(struct sr_config *cfg, const char *value, const char *source,
                                  struct sr_error *err)
{
    unsigned long long v = 0;
    if (!parse_uint(value, 1, SR_CONFIG_MAX_DEADLINE_MS, &v, NULL))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "%s: '%s' is not a number of milliseconds (1 to %u)", source, value,
                         SR_CONFIG_MAX_DEADLINE_MS);
    cfg->deadline_ms = (unsigned)v;
    return SR_OK;
}

static const struct option_def options[] = {
    {"--listen", "AVRO_REGISTRY_LISTEN", apply_listen},
    {"--port", "AVRO_REGISTRY_PORT", apply_port},
    {"--db", "AVRO_REGISTRY_DB", apply_db},
    {"--log-level", "AVRO_REGISTRY_LOG_LEVEL", apply_log_level},
    {"--max-body-bytes", "AVRO_REGISTRY_MAX_BODY", apply_max_body},
    {"--threads", "AVRO_REGISTRY_THREADS", apply_threads},
    {"--ui", "AVRO_REGISTRY_UI", apply_ui},
    {"--api-shapes", "AVRO_REGISTRY_API_SHAPES", apply_api_shapes},
    {"--max-schema-bytes", "AVRO_REGISTRY_MAX_SCHEMA", apply_max_schema},
    {"--max-inflight-bytes", "AVRO_REGISTRY_MAX_INFLIGHT_BYTES", apply_max_inflight},
    {"--workers", "AVRO_REGISTRY_WORKERS", apply_workers},
    {"--deadline-ms", "AVRO_REGISTRY_DEADLINE_MS", apply_deadline},
    {"--tls-cert", "AVRO_REGISTRY_TLS_CERT", apply_tls_cert},
    {"--tls-key", "AVRO_REGISTRY_TLS_KEY", apply_tls_key},
    {"--tls-client-ca", "AVRO_REGISTRY_TLS_CLIENT_CA", apply_tls_client_ca},
    {"--auth-file", "AVRO_REGISTRY_AUTH_FILE", apply_auth_file},
    {"--audit-log", "AVRO_REGISTRY_AUDIT_LOG", apply_audit_log},
    {"--protect-metrics", "AVRO_REGISTRY_PROTECT_METRICS", apply_protect_metrics},
    {"--cors-origins", "AVRO_REGISTRY_CORS_ORIGINS", apply_cors_origins},
    {"--allowed-hosts", "AVRO_REGISTRY_ALLOWED_HOSTS", apply_allowed_hosts},
    {"--max-connections-per-address", "AVRO_REGISTRY_MAX_CONNECTIONS_PER_ADDRESS",
     apply_conn_per_address},
    {"--header-timeout", "AVRO_REGISTRY_HEADER_TIMEOUT", apply_header_timeout},
    {"--rate-limit", "AVRO_REGISTRY_RATE_LIMIT", apply_rate_limit},
    {"--auth-failure-limit", "AVRO_REGISTRY_AUTH_FAILURE_LIMIT", apply_auth_failure_limit},
    {"--max-request-line", "AVRO_REGISTRY_MAX_REQUEST_LINE", apply_max_request_line},
    {"--max-header-bytes", "AVRO_REGISTRY_MAX_HEADER_BYTES", apply_max_header},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

static enum sr_err set_defaults(struct sr_config *cfg, struct sr_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = SR_CONFIG_DEFAULT_PORT;
    cfg->log_level = SR_LOG_INFO;
    cfg->max_body_bytes = SR_CONFIG_DEFAULT_MAX_BODY;
    cfg->threads = sr_config_default_threads();
    cfg->ui = true;
    cfg->api_shapes = SR_CONFIG_DEFAULT_API_SHAPES;
    cfg->max_schema_bytes = SR_CONFIG_DEFAULT_MAX_SCHEMA;
    cfg->max_inflight_bytes = SR_CONFIG_DEFAULT_MAX_INFLIGHT;
    cfg->workers = sr_config_default_workers();
    cfg->deadline_ms = SR_CONFIG_DEFAULT_DEADLINE_MS;
    cfg->max_conn_per_address = SR_CONFIG_DEFAULT_CONN_PER_ADDRESS;
    cfg->header_timeout_s = SR_CONFIG_DEFAULT_HEADER_TIMEOUT;
    cfg->rate_limit = SR_CONFIG_DEFAULT_RATE_LIMIT;
    cfg->auth_failure_limit = SR_CONFIG_DEFAULT_AUTH_FAILURE_LIMIT;
    cfg->max_request_line = SR_CONFIG_DEFAULT_MAX_REQUEST_LINE;
    cfg->max_header_bytes = SR_CONFIG_DEFAULT_MAX_HEADER;
    enum sr_err rc = set_string(&cfg->listen, SR_CONFIG_DEFAULT_LISTEN, err);
    if (rc == SR_OK)
        rc = set_string(&cfg->db_path, SR_CONFIG_DEFAULT_DB, err);
    return rc;
}

/* The option whose flag is arg, or arg's "--flag=" prefix (then *inline_value
 * points after '='). NULL when there is none. */
static const struct option_def *find_flag(const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        size_t n = strlen(options[i].flag);
        if (strncmp(arg, options[i].flag, n) != 0)
            continue;
        if (arg[n] == '\0')
            return &options[i];
        if (arg[n] == '=') {
            *inline_value = arg + n + 1;
            return &options[i];
        }
    }
    return NULL;
}

/* Reads argv into values[option] (the last occurrence wins), without
 * applying them yet, so that --help wins over any bad value. */
static enum sr_err collect_arguments(int argc, char *const *argv, const char **values,
                                     enum sr_config_outcome *outcome, struct sr_error *err)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *outcome = SR_CONFIG_HELP;
            return SR_OK;
        }
        const struct option_def *opt = find_flag(arg, &value);
        if (!opt)
            return sr_errorf(err, SR_ERR_BAD_REQUEST, "unknown option '%s' (see --help)", arg);
        if (!value) {
            if (i + 1 >= argc)
                return sr_errorf(err, SR_ERR_BAD_REQUEST, "%s needs a value", opt->flag);
            value = argv[++i];
        }
        values[opt - options] = value;
    }
    return SR_OK;
}

/* Applies each option from its flag, else its environment variable. */
static enum sr_err apply_values(struct sr_config *cfg, const char **values, struct sr_error *err)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const char *source = options[i].flag, *value = values[i];
        if (!value && options[i].env) {
            source = options[i].env;
            value = getenv(source);
        }
        if (!value)
            continue;
        enum sr_err rc = options[i].apply(cfg, value, source, err);
        if (rc != SR_OK)
            return rc;
    }
    return SR_OK;
}

/* The security flags that only make sense together. */
static enum sr_err check_security(const struct sr_config *cfg, struct sr_error *err)
{
    if (!cfg->tls_cert != !cfg->tls_key)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "--tls-cert and --tls-key go together");
    if (cfg->tls_client_ca && !cfg->tls_cert)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "--tls-client-ca needs --tls-cert and --tls-key");
    return SR_OK;
}

enum sr_err sr_config_load(struct sr_config *cfg, int argc, char *const *argv,
                           enum sr_config_outcome *outcome_out, struct sr_error *err)
{
    const char *values[OPTION_COUNT] = {0};
    enum sr_config_outcome outcome = SR_CONFIG_RUN;
    enum sr_err rc = set_defaults(cfg, err);
    if (rc == SR_OK)
        rc = collect_arguments(argc, argv, values, &outcome, err);
    if (rc == SR_OK && outcome == SR_CONFIG_RUN)
        rc = apply_values(cfg, values, err);
    if (rc == SR_OK && outcome == SR_CONFIG_RUN)
        rc = check_security(cfg, err);
    if (rc != SR_OK) {
        sr_config_release(cfg);
        return rc;
    }
    *outcome_out = outcome;
    return SR_OK;
}

void sr_config_release(struct sr_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->listen);
    free(cfg->db_path);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->tls_client_ca);
    free(cfg->auth_file);
    free(cfg->audit_log);
    free(cfg->cors_origins);
    free(cfg->allowed_hosts);
    memset(cfg, 0, sizeof *cfg);
}
