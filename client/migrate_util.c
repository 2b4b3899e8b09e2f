/*
 * migrate_util.c - what the migration files share: requests with JSON
 * answers, problem lists, progress counting and worker threads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/migrate_int.h"
#include "common/buf.h"

/* ---- problems ------------------------------------------------------------------- */

void ar_problems_init(struct ar_problems *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
}

void ar_problems_add(struct ar_problems *p, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->lock);
    char **grown = p->count < AVROREG_MAX_PROBLEMS && p->count % 64 == 0
                       ? realloc(p->items, (p->count + 64) * sizeof(*p->items))
                       : p->items;
    char *copy = p->count < AVROREG_MAX_PROBLEMS && grown ? strdup(line) : NULL;
    if (grown)
        p->items = grown;
    if (copy)
        p->items[p->count++] = copy;
    else
        p->omitted++;
    pthread_mutex_unlock(&p->lock);
}

void ar_problems_take(struct ar_problems *p, char ***items, size_t *count, size_t *omitted)
{
    *items = p->items;
    *count = p->count;
    *omitted = p->omitted;
    p->items = NULL;
    p->count = p->omitted = 0;
    pthread_mutex_destroy(&p->lock);
}

void ar_strings_free(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

void ar_problems_release(struct ar_problems *p)
{
    ar_strings_free(p->items, p->count);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}

/* ---- progress -------------------------------------------------------------------- */

void ar_progress_init(struct ar_progress *p, const struct avroreg_transfer_options *o,
                      enum avroreg_phase phase, size_t total)
{
    memset(p, 0, sizeof(*p));
    p->fn = o ? o->progress : NULL;
    p->user = o ? o->progress_user : NULL;
    p->phase = phase;
    p->total = total;
    pthread_mutex_init(&p->lock, NULL);
}

void ar_progress_grow(struct ar_progress *p, size_t more)
{
    pthread_mutex_lock(&p->lock);
    p->total += more;
    pthread_mutex_unlock(&p->lock);
}

void ar_progress_step(struct ar_progress *p, size_t steps)
{
    pthread_mutex_lock(&p->lock);
    p->done += steps;
    if (p->done > p->total)
        p->total = p->done;
    /* Called under the lock: the callback sees one call at a time, in order. */
    if (p->fn)
        p->fn(p->phase, p->done, p->total, p->user);
    pthread_mutex_unlock(&p->lock);
}

void ar_progress_release(struct ar_progress *p)
{
    pthread_mutex_destroy(&p->lock);
}

/* ---- worker threads ----------------------------------------------------------------- */

int ar_concurrency(const struct avroreg_transfer_options *o, bool writes)
{
    int fallback = writes ? AR_DEFAULT_WRITE_CONCURRENCY : AR_DEFAULT_READ_CONCURRENCY;
    int n = o && o->concurrency > 0 ? o->concurrency : fallback;
    return n > AR_MAX_CONCURRENCY ? AR_MAX_CONCURRENCY : n;
}

struct thunk {
    void (*fn)(void *);
    void *ctx;
};

static void *run_thunk(void *arg)
{
    struct thunk *t = arg;
    t->fn(t->ctx);
    return NULL;
}

void ar_workers_run(int n, void (*fn)(void *ctx), void *ctx)
{
    pthread_t threads[AR_MAX_CONCURRENCY];
    struct thunk t = {fn, ctx};
    int started = 0;
    for (int i = 1; i < n && i < AR_MAX_CONCURRENCY; i++) {
        if (pthread_create(&threads[started], NULL, run_thunk, &t) != 0)
            break; /* fewer workers; the work is shared, so it still gets done */
        started++;
    }
    fn(ctx);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
}

/* ---- requests ------------------------------------------------------------------------ */

/* What a status means, for answers that carry no error of Confluent's shape
 * (a proxy's HTML page). */
static const char *status_text(long status)
{
    switch (status) {
    case 400:
        return "bad request";
    case 401:
        return "unauthorized: check the user and password";
    case 403:
        return "forbidden: the user may not do this";
    case 404:
        return "not found";
    case 405:
        return "method not allowed";
    case 413:
        return "request too large";
    case 429:
        return "too many requests";
    case 502:
        return "bad gateway";
    case 503:
        return "service unavailable";
    case 504:
        return "gateway timeout";
    default:
        return status >= 500 ? "server error" : "error";
    }
}

/* The error_code and message of an error answer, when it has them. */
static void read_error_answer(long status, const char *body, struct avroreg_error *out)
{
    json_t *doc = json_loads(body, JSON_DECODE_ANY, NULL);
    const json_t *code = json_object_get(doc, "error_code");
    const char *msg = json_string_value(json_object_get(doc, "message"));
    memset(out, 0, sizeof(out[0]));
    out->code = AVROREG_ERR_REGISTRY;
    out->http_status = (int)status;
    out->registry_code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
    snprintf(out->message, sizeof(out->message), "%s", msg ? msg : status_text(status));
    json_decref(doc);
}

enum avroreg_err ar_call(struct avroreg_client *client, const char *method, const char *path,
                         const char *body, long *status_out, json_t **doc_out,
                         struct avroreg_error *error_out, struct avroreg_error *err)
{
    long status = 0;
    char *answer = NULL;
    *doc_out = NULL;
    enum avroreg_err rc = avroreg_client_request(client, method, path, body, &status, &answer, err);
    if (rc)
        return rc;
    *status_out = status;
    if (status < 200 || status > 299) {
        if (error_out)
            read_error_answer(status, answer, error_out);
        free(answer);
        return AVROREG_OK;
    }
    json_error_t jerr;
    *doc_out = json_loads(answer, JSON_DECODE_ANY, &jerr);
    if (!*doc_out)
        rc = ar_error(err, AVROREG_ERR_HTTP, "%s %s: the answer is not JSON: %.80s", method, path,
                      answer);
    free(answer);
    return rc;
}

enum avroreg_err ar_answer_error(struct avroreg_error *err, const char *what, long status,
                                 const struct avroreg_error *answer)
{
    if (!err)
        return AVROREG_ERR_REGISTRY;
    if (answer->registry_code)
        ar_error(err, AVROREG_ERR_REGISTRY, "%s: error %d: %s", what, answer->registry_code,
                 answer->message);
    else
        ar_error(err, AVROREG_ERR_REGISTRY, "%s: HTTP %ld: %s", what, status, answer->message);
    err->registry_code = answer->registry_code;
    err->http_status = (int)status;
    return AVROREG_ERR_REGISTRY;
}

char *ar_subject_path(const char *prefix, const char *subject, const char *suffix)
{
    char *encoded = avroreg_url_encode(subject);
    struct sr_buf b = SR_BUF_INIT;
    if (encoded)
        sr_buf_addf(&b, "%s/%s%s", prefix, encoded, suffix ? suffix : "");
    free(encoded);
    return encoded ? sr_buf_detach(&b, NULL) : NULL;
}
