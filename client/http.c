/*
 * http.c - libcurl requests for the registry client (see http.h).
 */
#include "client/http.h"

#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/buf.h"

#define ACCEPT_HEADER "Accept: application/vnd.schemaregistry.v1+json"
#define CONTENT_TYPE_HEADER "Content-Type: application/vnd.schemaregistry.v1+json"
#define USER_AGENT "libavroreg/1"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_ALL);
}

/* strdup that maps NULL to NULL and reports failure through *ok. */
static char *dup_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

/* The URL without trailing slashes, or NULL on OOM. */
static char *trim_url(const char *url)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    return strndup(url, len);
}

static bool make_headers(struct ar_http *h)
{
    h->headers = curl_slist_append(NULL, ACCEPT_HEADER);
    h->body_headers = curl_slist_append(NULL, CONTENT_TYPE_HEADER);
    if (!h->body_headers)
        return false;
    struct curl_slist *both = curl_slist_append(h->body_headers, ACCEPT_HEADER);
    if (!both)
        return false;
    h->body_headers = both;
    return h->headers != NULL;
}

/* Copies the strings of config into h. false on OOM. */
static bool copy_config(struct ar_http *h, const struct avroreg_client_config *config)
{
    bool ok = true;
    h->base_url = trim_url(config->url);
    h->username = dup_opt(config->username, &ok);
    h->password = dup_opt(config->password ? config->password : "", &ok);
    h->ca_file = dup_opt(config->ca_file, &ok);
    h->cert_file = dup_opt(config->cert_file, &ok);
    h->key_file = dup_opt(config->key_file, &ok);
    return ok && h->base_url && make_headers(h);
}

/* Frees what copy_config() made (NULL-safe) and clears h. */
static void free_config(struct ar_http *h)
{
    free(h->base_url);
    free(h->username);
    free(h->password);
    free(h->ca_file);
    free(h->cert_file);
    free(h->key_file);
    curl_slist_free_all(h->headers);
    curl_slist_free_all(h->body_headers);
    memset(h, 0, sizeof(*h));
}

/* An environment variable, or NULL when unset or empty. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void avroreg_client_config_from_env(struct avroreg_client_config *config)
{
    if (!config->url)
        config->url = env("AVROREG_REGISTRY_URL");
    if (!config->username) {
        config->username = env("AVROREG_REGISTRY_USER");
        if (config->username && !config->password)
            config->password = env("AVROREG_REGISTRY_PASSWORD");
    }
    if (!config->ca_file)
        config->ca_file = env("AVROREG_REGISTRY_CA_FILE");
    if (!config->cert_file)
        config->cert_file = env("AVROREG_REGISTRY_CERT_FILE");
    if (!config->key_file)
        config->key_file = env("AVROREG_REGISTRY_KEY_FILE");
}

enum avroreg_err ar_http_init(struct ar_http *h, const struct avroreg_client_config *config,
                              struct avroreg_error *err)
{
    memset(h, 0, sizeof(*h));
    if (!config || !config->url || !config->url[0])
        return ar_error(err, AVROREG_ERR_ARG, "the registry URL is required");
    if (config->timeout_ms < 0)
        return ar_error(err, AVROREG_ERR_ARG, "timeout_ms must not be negative");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return ar_error(err, AVROREG_ERR_HTTP, "libcurl failed to initialise: %s",
                        curl_easy_strerror(curl_init_rc));
    h->insecure = config->insecure_skip_verify;
    h->timeout_ms = config->timeout_ms ? config->timeout_ms : AR_HTTP_DEFAULT_TIMEOUT_MS;
    h->connect_timeout_ms = h->timeout_ms < AR_HTTP_MAX_CONNECT_TIMEOUT_MS
                                ? h->timeout_ms
                                : AR_HTTP_MAX_CONNECT_TIMEOUT_MS;
    atomic_init(&h->requests, 0);
    if (!copy_config(h, config) || pthread_mutex_init(&h->lock, NULL) != 0) {
        free_config(h);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    return AVROREG_OK;
}

void ar_http_release(struct ar_http *h)
{
    for (size_t i = 0; i < h->idle_count; i++)
        curl_easy_cleanup(h->idle[i]);
    pthread_mutex_destroy(&h->lock);
    free_config(h);
}

/* ---- the handle pool --------------------------------------------------------- */

/* An idle handle (with default options and its open connections), or a new
 * one; NULL on OOM. */
static CURL *take_handle(struct ar_http *h)
{
    CURL *c = NULL;
    pthread_mutex_lock(&h->lock);
    if (h->idle_count > 0)
        c = h->idle[--h->idle_count];
    pthread_mutex_unlock(&h->lock);
    return c ? c : curl_easy_init();
}

/* Returns c to the pool, or frees it when the pool is full. Its options are
 * reset first: they point at the finished request's buffers. */
static void give_handle(struct ar_http *h, CURL *c)
{
    curl_easy_reset(c);
    pthread_mutex_lock(&h->lock);
    if (h->idle_count < AR_HTTP_POOL_SIZE) {
        h->idle[h->idle_count++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    if (c)
        curl_easy_cleanup(c);
}

/* ---- one request ------------------------------------------------------------- */

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sr_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > (size_t)AR_HTTP_MAX_BODY)
        return 0;
    sr_buf_add(b, data, n);
    return sr_buf_failed(b) ? 0 : n;
}

static void set_method(CURL *c, const char *method, const char *body)
{
    if (strcmp(method, "GET") == 0 && !body)
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "POST") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
    }
}

static void set_security(CURL *c, const struct ar_http *h)
{
    if (h->username) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, h->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
    }
    if (h->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
    if (h->cert_file) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file ? h->key_file : h->cert_file);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (h->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static void set_options(CURL *c, const struct ar_http *h, const char *url, const char *body,
                        struct sr_buf *answer, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, body ? h->body_headers : h->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    set_security(c, h);
}

/* base URL + path, adding the '/' between them when path lacks it. */
static char *join_url(const struct ar_http *h, const char *path)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, h->base_url);
    if (path[0] != '/')
        sr_buf_addc(&b, '/');
    sr_buf_adds(&b, path);
    return sr_buf_detach(&b, NULL);
}

/* The failure of a perform. The URL is left out: it may carry a password. */
static enum avroreg_err curl_failure(CURLcode rc, const char *method, const char *path,
                                     const char *errbuf, const struct sr_buf *answer,
                                     struct avroreg_error *err)
{
    if (rc == CURLE_WRITE_ERROR && sr_buf_failed(answer))
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory reading the answer");
    if (rc == CURLE_WRITE_ERROR)
        return ar_error(err, AVROREG_ERR_HTTP, "%s %s: the answer exceeds %ld bytes", method, path,
                        AR_HTTP_MAX_BODY);
    return ar_error(err, AVROREG_ERR_HTTP, "%s %s: %s", method, path,
                    errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

enum avroreg_err ar_http_request(struct ar_http *h, const char *method, const char *path,
                                 const char *body, long *status_out, char **body_out,
                                 struct avroreg_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sr_buf answer = SR_BUF_INIT;
    char *url = join_url(h, path);
    CURL *c = url ? take_handle(h) : NULL;
    if (!c) {
        free(url);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    set_options(c, h, url, body, &answer, errbuf);
    set_method(c, method, body);
    atomic_fetch_add(&h->requests, 1);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    give_handle(h, c);
    free(url);
    if (rc != CURLE_OK) {
        enum avroreg_err result = curl_failure(rc, method, path, errbuf, &answer, err);
        sr_buf_release(&answer);
        return result;
    }
    char *text = sr_buf_detach(&answer, NULL);
    if (!text)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    *status_out = status;
    *body_out = text;
    return AVROREG_OK;
}
