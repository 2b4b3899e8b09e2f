/*
 * edge.c - the security edge's lifecycle; see edge.h.
 */
#include "server/edge.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/access.h"
#include "server/log.h"
#include "server/server.h"

static struct sr_limits_config limits_config(const struct sr_config *cfg)
{
    return (struct sr_limits_config){
        .per_address = cfg->max_conn_per_address,
        .header_timeout_s = cfg->header_timeout_s,
        .idle_timeout_s = SR_IDLE_TIMEOUT_S,
        .rate = cfg->rate_limit,
        .burst = 0,
        .auth_failures_per_minute = cfg->auth_failure_limit,
        .max_request_line = cfg->max_request_line,
        .max_header_bytes = cfg->max_header_bytes,
    };
}

enum sr_err sr_edge_open(const struct sr_config *cfg, struct sr_edge **out, struct sr_error *err)
{
    struct sr_edge *e = calloc(1, sizeof *e);
    if (!e)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    struct sr_limits_config lc = limits_config(cfg);
    enum sr_err rc = SR_OK;
    if (cfg->tls_cert)
        rc = sr_tls_open(cfg->tls_cert, cfg->tls_key, cfg->tls_client_ca, &e->tls, err);
    if (rc == SR_OK)
        rc = sr_auth_open(cfg->auth_file, &e->auth, err);
    if (rc == SR_OK)
        rc = sr_audit_open(cfg->audit_log, &e->audit, err);
    if (rc == SR_OK)
        rc = sr_origin_policy_parse(cfg->cors_origins, cfg->allowed_hosts, &e->origin, err);
    if (rc == SR_OK)
        rc = sr_limits_new(&lc, &e->limits, err);
    if (rc == SR_OK && !(e->carriers = sr_access_carriers_new()))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (rc == SR_OK)
        rc = sr_limits_start(e->limits, err);
    if (rc != SR_OK) {
        sr_edge_free(e);
        return rc;
    }
    e->enforce = cfg->auth_file || cfg->tls_client_ca;
    e->protect_metrics = cfg->protect_metrics;
    *out = e;
    return SR_OK;
}

void sr_edge_free(struct sr_edge *e)
{
    if (!e)
        return;
    sr_limits_free(e->limits);
    sr_idcache_free(e->carriers);
    sr_origin_policy_release(&e->origin);
    sr_audit_free(e->audit);
    sr_auth_free(e->auth);
    sr_tls_free(e->tls);
    free(e);
}

bool sr_edge_loopback_only(const char *listen)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(listen, NULL, &hints, &res) != 0 || !res)
        return false;
    bool all = true;
    for (const struct addrinfo *a = res; a && all; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            uint32_t ip = ntohl(((const struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr);
            all = (ip >> 24) == 127;
        } else if (a->ai_family == AF_INET6) {
            all = IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr);
        } else {
            all = false;
        }
    }
    freeaddrinfo(res);
    return all;
}

void sr_edge_log_start(const struct sr_server *srv)
{
    const struct sr_edge *e = srv->edge;
    const struct sr_config *cfg = &srv->config;
    if (!e)
        return;
    if (e->tls)
        sr_log(SR_LOG_INFO, "TLS on (TLS 1.2 and 1.3; certificate %s%s%s)", cfg->tls_cert,
               cfg->tls_client_ca ? ", client certificates from " : "",
               cfg->tls_client_ca ? cfg->tls_client_ca : "");
    if (sr_auth_has_file(e->auth)) {
        size_t users, perms;
        sr_auth_counts(e->auth, &users, &perms);
        sr_log(SR_LOG_INFO, "authentication on: %s (%zu users, %zu permissions)", cfg->auth_file,
               users, perms);
    }
    if (!e->enforce && !sr_edge_loopback_only(cfg->listen))
        sr_log(SR_LOG_WARN,
               "listening on %s with no authentication: anyone who can reach the port may "
               "register, change and delete schemas (see --auth-file, --tls-client-ca)",
               cfg->listen);
}

void sr_edge_reload(struct sr_server *srv)
{
    struct sr_edge *e = srv->edge;
    struct sr_error err = {0};
    if (!e)
        return;
    if (e->tls) {
        if (sr_tls_reload(e->tls, &err) == SR_OK)
            sr_log(SR_LOG_INFO, "SIGHUP: TLS certificate reloaded from %s", srv->config.tls_cert);
        else
            sr_log(SR_LOG_ERROR, "SIGHUP: keeping the TLS certificate in use: %s", err.message);
    }
    if (sr_auth_has_file(e->auth)) {
        if (sr_auth_reload(e->auth, &err) == SR_OK) {
            size_t users, perms;
            sr_auth_counts(e->auth, &users, &perms);
            sr_log(SR_LOG_INFO, "SIGHUP: authfile reloaded (%zu users, %zu permissions)", users,
                   perms);
        } else {
            sr_log(SR_LOG_ERROR, "SIGHUP: keeping the previous users and permissions: %s",
                   err.message);
        }
    }
    if (sr_audit_reopen(e->audit, &err) != SR_OK)
        sr_log(SR_LOG_ERROR, "SIGHUP: %s", err.message);
}

void sr_edge_tick(struct sr_server *srv)
{
    struct sr_edge *e = srv->edge;
    struct sr_error err = {0};
    bool tried = false;
    if (!e || !sr_auth_has_file(e->auth))
        return;
    if (sr_auth_poll(e->auth, &tried, &err) != SR_OK) {
        sr_log(SR_LOG_ERROR,
               "the authfile changed but cannot be used; keeping the previous "
               "users and permissions: %s",
               err.message);
    } else if (tried) {
        size_t users, perms;
        sr_auth_counts(e->auth, &users, &perms);
        sr_log(SR_LOG_INFO, "authfile changed: reloaded (%zu users, %zu permissions)", users,
               perms);
    }
}
