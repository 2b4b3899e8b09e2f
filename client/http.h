/*
 * http.h - the libcurl plumbing of the registry client: one base URL, its
 * credentials and TLS settings, and a small pool of curl easy handles so that
 * connections are reused across requests. Not installed.
 *
 * Thread safety: ar_http_request() may run in many threads at once; each
 * request takes a handle of its own from the pool (under the pool's lock) and
 * gives it back afterwards.
 */
#ifndef AVROREG_CLIENT_HTTP_H
#define AVROREG_CLIENT_HTTP_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "include/avroreg.h"

#define AR_HTTP_POOL_SIZE 8
#define AR_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define AR_HTTP_MAX_CONNECT_TIMEOUT_MS 10000L
#define AR_HTTP_MAX_BODY (64L * 1024 * 1024)

struct ar_http {
    char *base_url; /* without trailing '/'; may hold user:pass@ (libcurl uses it) */
    char *username; /* NULL, or basic auth with password */
    char *password;
    char *ca_file;
    char *cert_file; /* client certificate, or NULL */
    char *key_file;  /* its key, or NULL */
    bool insecure;
    long timeout_ms;
    long connect_timeout_ms;
    struct curl_slist *headers;      /* Accept */
    struct curl_slist *body_headers; /* Accept and Content-Type */
    pthread_mutex_t lock;            /* guards idle and idle_count */
    CURL *idle[AR_HTTP_POOL_SIZE];
    size_t idle_count;
    atomic_ulong requests;
};

/* Sets up h from config (strings are copied; libcurl is initialised once per
 * process). Errors: AVROREG_ERR_ARG (no URL, a negative timeout),
 * AVROREG_ERR_NOMEM, AVROREG_ERR_HTTP (libcurl cannot start). On failure h
 * needs no release. */
enum avroreg_err ar_http_init(struct ar_http *h, const struct avroreg_client_config *config,
                              struct avroreg_error *err);
/* Frees what ar_http_init() made. No request may be running. */
void ar_http_release(struct ar_http *h);

/* Sends method (GET, POST, PUT, DELETE, ...) to the base URL + path (already
 * percent-encoded; a missing leading '/' is added) with body (JSON, or NULL).
 * On success *status_out is the HTTP status, whatever it is, and *body_out
 * the answer as a NUL-terminated string the caller frees with free().
 * Errors: AVROREG_ERR_HTTP with libcurl's reason (unreachable, timeout, TLS,
 * an answer over AR_HTTP_MAX_BODY), AVROREG_ERR_NOMEM. */
enum avroreg_err ar_http_request(struct ar_http *h, const char *method, const char *path,
                                 const char *body, long *status_out, char **body_out,
                                 struct avroreg_error *err);

#endif
