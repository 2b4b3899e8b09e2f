/*
 * registry_client.c - the registry client: typed calls over http.c, the
 * caches, and Confluent schema references.
 *
 * Caches, both guarded by client->lock:
 *
 *   by_id    "<id>" -> struct id_entry. A READY entry holds its schema for the
 *            client's life, so pointers handed out stay valid. The first
 *            thread to want an id marks its entry PENDING and fetches without
 *            the lock; threads wanting the same id wait on client->fetched,
 *            so each id costs one request. A failed fetch leaves the entry
 *            EMPTY and the next caller tries again (errors are not cached).
 *   by_text  "<encoded subject> <schema text>" -> struct text_entry: the id
 *            registered or found for that text under that subject, and its
 *            version once a lookup has said it.
 *
 * Deadlock freedom: only a thread that holds no PENDING entry waits (get_by_id
 * before it claims; get_version). A fetch resolving references never waits:
 * when a referenced id is PENDING elsewhere it uses its own copy uncached.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "client/http.h"
#include "common/strmap.h"

#define MAX_REF_DEPTH 32
#define SCHEMA_NOT_FOUND 40403

enum entry_state { ENTRY_EMPTY, ENTRY_PENDING, ENTRY_READY };

struct id_entry {
    enum entry_state state;
    struct avroreg_schema *schema; /* READY: one reference owned by the cache */
    char key[16];
};

struct text_entry {
    int32_t id;
    int32_t version; /* 0 until a lookup has answered it */
    char key[];
};

struct avroreg_client {
    struct ar_http http;
    pthread_mutex_t lock;
    pthread_cond_t fetched; /* broadcast when a PENDING entry settles */
    struct sr_strmap by_id;
    struct sr_strmap by_text;
};

/* ---- lifecycle ------------------------------------------------------------------ */

enum avroreg_err avroreg_client_new(const struct avroreg_client_config *config,
                                    struct avroreg_client **out, struct avroreg_error *err)
{
    if (!out)
        return ar_error(err, AVROREG_ERR_ARG, "out is required");
    struct avroreg_client *c = calloc(1, sizeof(*c));
    if (!c)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    enum avroreg_err rc = ar_http_init(&c->http, config, err);
    if (rc != AVROREG_OK) {
        free(c);
        return rc;
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        ar_http_release(&c->http);
        free(c);
        return ar_error(err, AVROREG_ERR_NOMEM, "cannot create a mutex");
    }
    if (pthread_cond_init(&c->fetched, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        ar_http_release(&c->http);
        free(c);
        return ar_error(err, AVROREG_ERR_NOMEM, "cannot create a condition variable");
    }
    sr_strmap_init(&c->by_id, NULL);
    sr_strmap_init(&c->by_text, NULL);
    *out = c;
    return AVROREG_OK;
}

void avroreg_client_free(struct avroreg_client *client)
{
    if (!client)
        return;
    for (size_t i = 0; i < client->by_id.cap; i++) {
        struct id_entry *e = client->by_id.slots[i].value;
        if (client->by_id.slots[i].key && e) {
            avroreg_schema_free(e->schema);
            free(e);
        }
    }
    for (size_t i = 0; i < client->by_text.cap; i++)
        if (client->by_text.slots[i].key)
            free(client->by_text.slots[i].value);
    sr_strmap_release(&client->by_id);
    sr_strmap_release(&client->by_text);
    pthread_cond_destroy(&client->fetched);
    pthread_mutex_destroy(&client->lock);
    ar_http_release(&client->http);
    free(client);
}

/* ---- plumbing ------------------------------------------------------------------- */

char *avroreg_url_encode(const char *segment)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!segment)
        return NULL;
    size_t len = strlen(segment);
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)segment; *p; p++) {
        bool unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                          (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
                          *p == '~';
        if (unreserved) {
            *o++ = (char)*p;
            continue;
        }
        *o++ = '%';
        *o++ = hex[*p >> 4];
        *o++ = hex[*p & 15];
    }
    *o = '\0';
    return out;
}

unsigned long avroreg_client_request_count(const struct avroreg_client *client)
{
    return client ? atomic_load((atomic_ulong *)&client->http.requests) : 0;
}

enum avroreg_err avroreg_client_request(struct avroreg_client *client, const char *method,
                                        const char *path, const char *body, long *status_out,
                                        char **body_out, struct avroreg_error *err)
{
    if (!client || !method || !path || !status_out || !body_out)
        return ar_error(err, AVROREG_ERR_ARG, "client, method, path and outputs are required");
    return ar_http_request(&client->http, method, path, body, status_out, body_out, err);
}

/* The registry's error answer: AVROREG_ERR_REGISTRY with its error_code and
 * message, or AVROREG_ERR_HTTP when the body is not such a document. */
static enum avroreg_err answer_error(long status, const char *body, struct avroreg_error *err)
{
    json_t *doc = json_loads(body, JSON_DECODE_ANY, NULL);
    const json_t *code = json_object_get(doc, "error_code");
    const char *msg = json_string_value(json_object_get(doc, "message"));
    enum avroreg_err rc;
    if (json_is_integer(code)) {
        rc = ar_error(err, AVROREG_ERR_REGISTRY, "%s", msg ? msg : "the registry refused");
        err->registry_code = (int)json_integer_value(code);
    } else {
        rc =
            ar_error(err, AVROREG_ERR_HTTP, "the registry answered HTTP %ld: %.200s", status, body);
    }
    err->http_status = (int)status;
    json_decref(doc);
    return rc;
}

/* method path (with a JSON body or NULL) expecting a 2xx JSON answer, which
 * lands in *doc_out (caller decrefs). A non-2xx answer becomes the registry's
 * error. err must not be NULL. */
static enum avroreg_err call_json(struct avroreg_client *c, const char *method, const char *path,
                                  const char *body, json_t **doc_out, struct avroreg_error *err)
{
    long status = 0;
    char *text = NULL;
    enum avroreg_err rc = ar_http_request(&c->http, method, path, body, &status, &text, err);
    if (rc != AVROREG_OK)
        return rc;
    if (status < 200 || status > 299) {
        rc = answer_error(status, text, err);
    } else if (!(*doc_out = json_loads(text, JSON_DECODE_ANY, NULL))) {
        rc = ar_error(err, AVROREG_ERR_HTTP, "%s %s: the answer is not JSON", method, path);
        err->http_status = (int)status;
    }
    free(text);
    return rc;
}

/* "/subjects/<encoded subject><suffix>", or NULL on OOM. */
static char *subject_path(const char *encoded, const char *suffix)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_addf(&b, "/subjects/%s%s", encoded, suffix);
    return sr_buf_detach(&b, NULL);
}

/* {"schema": text} as compact JSON. */
static enum avroreg_err schema_body(const char *text, char **out, struct avroreg_error *err)
{
    json_t *str = json_string(text);
    if (!str)
        return ar_error(err, AVROREG_ERR_INVALID_SCHEMA, "the schema text is not valid UTF-8");
    json_t *doc = json_object();
    if (!doc || json_object_set_new(doc, "schema", str) != 0) {
        json_decref(doc);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return *out ? AVROREG_OK : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
}

/* The int32 member key of obj into *out; false when missing or out of range. */
static bool get_int32(const json_t *obj, const char *key, int32_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return false;
    json_int_t i = json_integer_value(v);
    if (i < INT32_MIN || i > INT32_MAX)
        return false;
    *out = (int32_t)i;
    return true;
}

static enum avroreg_err bad_answer(const char *what, struct avroreg_error *err)
{
    return ar_error(err, AVROREG_ERR_HTTP, "the registry's answer has no valid %s", what);
}

/* ---- the (subject, text) cache ------------------------------------------------------ */

/* "<encoded subject> <text>", or NULL on OOM. */
static char *text_key(const char *encoded, const char *text)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_adds(&b, encoded);
    sr_buf_addc(&b, ' ');
    sr_buf_adds(&b, text);
    return sr_buf_detach(&b, NULL);
}

/* Copies the entry for key into *out; false when there is none. */
static bool text_cached(struct avroreg_client *c, const char *key, struct text_entry *out)
{
    pthread_mutex_lock(&c->lock);
    const struct text_entry *e = sr_strmap_get(&c->by_text, key);
    if (e) {
        out->id = e->id;
        out->version = e->version;
    }
    pthread_mutex_unlock(&c->lock);
    return e != NULL;
}

/* Records id (and version, unless 0) for key. Out of memory, nothing is
 * cached: the next call asks the registry again. */
static void remember_text(struct avroreg_client *c, const char *key, int32_t id, int32_t version)
{
    pthread_mutex_lock(&c->lock);
    struct text_entry *e = sr_strmap_get(&c->by_text, key);
    if (!e) {
        size_t len = strlen(key) + 1;
        e = malloc(sizeof(*e) + len);
        if (e) {
            memcpy(e->key, key, len);
            e->version = 0;
        }
        if (e && !sr_strmap_put(&c->by_text, e->key, e)) {
            free(e);
            e = NULL;
        }
    }
    if (e) {
        e->id = id;
        if (version)
            e->version = version;
    }
    pthread_mutex_unlock(&c->lock);
}

/* ---- register and lookup -------------------------------------------------------------- */

/* POST {"schema": text} to /subjects/<encoded><suffix>; the answer in *doc_out. */
static enum avroreg_err post_schema(struct avroreg_client *c, const char *encoded,
                                    const char *suffix, const char *text, json_t **doc_out,
                                    struct avroreg_error *err)
{
    char *body = NULL;
    enum avroreg_err rc = schema_body(text, &body, err);
    if (rc != AVROREG_OK)
        return rc;
    char *path = subject_path(encoded, suffix);
    if (path)
        rc = call_json(c, "POST", path, body, doc_out, err);
    else
        rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    free(path);
    free(body);
    return rc;
}

/* Checks the arguments register and lookup share; encodes the subject and
 * makes the cache key. */
static enum avroreg_err prepare(const struct avroreg_client *client, const char *subject,
                                const char *schema_json, char **encoded_out, char **key_out,
                                struct avroreg_error *err)
{
    if (!client || !subject || !subject[0] || !schema_json)
        return ar_error(err, AVROREG_ERR_ARG, "client, subject and schema are required");
    char *encoded = avroreg_url_encode(subject);
    char *key = encoded ? text_key(encoded, schema_json) : NULL;
    if (!key) {
        free(encoded);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    *encoded_out = encoded;
    *key_out = key;
    return AVROREG_OK;
}

enum avroreg_err avroreg_client_register(struct avroreg_client *client, const char *subject,
                                         const char *schema_json, int32_t *id_out,
                                         struct avroreg_error *err)
{
    struct avroreg_error local = {0};
    err = err ? err : &local;
    char *encoded = NULL, *key = NULL;
    json_t *doc = NULL;
    struct text_entry hit;
    int32_t id = 0;
    if (!id_out)
        return ar_error(err, AVROREG_ERR_ARG, "id_out is required");
    enum avroreg_err rc = prepare(client, subject, schema_json, &encoded, &key, err);
    if (rc != AVROREG_OK)
        return rc;
    if (text_cached(client, key, &hit)) {
        id = hit.id;
    } else {
        rc = post_schema(client, encoded, "/versions", schema_json, &doc, err);
        if (rc == AVROREG_OK && !get_int32(doc, "id", &id))
            rc = bad_answer("id", err);
        if (rc == AVROREG_OK)
            remember_text(client, key, id, 0);
    }
    if (rc == AVROREG_OK)
        *id_out = id;
    json_decref(doc);
    free(key);
    free(encoded);
    return rc;
}

enum avroreg_err avroreg_client_lookup(struct avroreg_client *client, const char *subject,
                                       const char *schema_json, int32_t *id_out,
                                       int32_t *version_out, struct avroreg_error *err)
{
    struct avroreg_error local = {0};
    err = err ? err : &local;
    char *encoded = NULL, *key = NULL;
    json_t *doc = NULL;
    struct text_entry hit = {0, 0};
    if (!id_out)
        return ar_error(err, AVROREG_ERR_ARG, "id_out is required");
    enum avroreg_err rc = prepare(client, subject, schema_json, &encoded, &key, err);
    if (rc != AVROREG_OK)
        return rc;
    if (!text_cached(client, key, &hit) || hit.version == 0) {
        rc = post_schema(client, encoded, "", schema_json, &doc, err);
        if (rc == AVROREG_OK &&
            (!get_int32(doc, "id", &hit.id) || !get_int32(doc, "version", &hit.version)))
            rc = bad_answer("id and version", err);
        if (rc == AVROREG_OK)
            remember_text(client, key, hit.id, hit.version);
    }
    if (rc == AVROREG_OK) {
        *id_out = hit.id;
        if (version_out)
            *version_out = hit.version;
    }
    json_decref(doc);
    free(key);
    free(encoded);
    return rc;
}

/* ---- the id cache -------------------------------------------------------------------- */

/* Under c->lock: the entry for id, made EMPTY when new; NULL on OOM. */
static struct id_entry *id_entry(struct avroreg_client *c, int32_t id)
{
    char key[16];
    snprintf(key, sizeof(key), "%" PRId32, id);
    struct id_entry *e = sr_strmap_get(&c->by_id, key);
    if (e)
        return e;
    e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    memcpy(e->key, key, sizeof(key));
    e->state = ENTRY_EMPTY;
    if (!sr_strmap_put(&c->by_id, e->key, e)) {
        free(e);
        return NULL;
    }
    return e;
}

/* Under c->lock: the READY entry for id, or one this thread has just marked
 * PENDING and must settle with settle(); waits while another thread fetches.
 * NULL on OOM. */
static struct id_entry *claim_id(struct avroreg_client *c, int32_t id)
{
    for (;;) {
        struct id_entry *e = id_entry(c, id);
        if (!e || e->state == ENTRY_READY)
            return e;
        if (e->state == ENTRY_EMPTY) {
            e->state = ENTRY_PENDING;
            return e;
        }
        pthread_cond_wait(&c->fetched, &c->lock);
    }
}

/* Settles a claimed entry: READY with s (the cache takes that reference), or
 * EMPTY again when s is NULL. Wakes the waiters. */
static void settle(struct avroreg_client *c, struct id_entry *e, struct avroreg_schema *s)
{
    pthread_mutex_lock(&c->lock);
    e->schema = s;
    e->state = s ? ENTRY_READY : ENTRY_EMPTY;
    pthread_cond_broadcast(&c->fetched);
    pthread_mutex_unlock(&c->lock);
}

/* A new reference to the cached schema of id, or NULL when it is not READY. */
static struct avroreg_schema *cached_id(struct avroreg_client *c, int32_t id)
{
    pthread_mutex_lock(&c->lock);
    char key[16];
    snprintf(key, sizeof(key), "%" PRId32, id);
    const struct id_entry *e = sr_strmap_get(&c->by_id, key);
    struct avroreg_schema *s = e && e->state == ENTRY_READY ? ar_schema_ref(e->schema) : NULL;
    pthread_mutex_unlock(&c->lock);
    return s;
}

/* Offers s (fetched by version, whose answer named id) to the cache. Takes
 * the caller's reference to s and returns a reference to the schema to use:
 * the cached one for id, or s itself. *cached says whether the cache holds
 * it. When the id is PENDING in another thread, waits for it if may_wait,
 * else returns s uncached. */
static struct avroreg_schema *keep(struct avroreg_client *c, int32_t id, struct avroreg_schema *s,
                                   bool may_wait, bool *cached)
{
    struct avroreg_schema *use = s, *drop = NULL;
    *cached = false;
    pthread_mutex_lock(&c->lock);
    struct id_entry *e = id_entry(c, id);
    while (e && e->state == ENTRY_PENDING && may_wait)
        pthread_cond_wait(&c->fetched, &c->lock);
    if (e && e->state == ENTRY_READY) {
        use = ar_schema_ref(e->schema);
        drop = s;
        *cached = true;
    } else if (e && e->state == ENTRY_EMPTY) {
        e->schema = ar_schema_ref(s);
        e->state = ENTRY_READY;
        *cached = true;
    }
    pthread_mutex_unlock(&c->lock);
    avroreg_schema_free(drop);
    return use;
}

/* ---- schemas and references ------------------------------------------------------------ */

static enum avroreg_err fetch_version(struct avroreg_client *c, const char *subject,
                                      int32_t version, int depth, int32_t *id_out,
                                      int32_t *version_out, struct avroreg_schema **out,
                                      struct avroreg_error *err);

/* Fetches the schema one entry of "references" names, into *out (a reference
 * the caller owns). */
static enum avroreg_err resolve_ref(struct avroreg_client *c, const json_t *ref, int depth,
                                    struct avroreg_schema **out, struct avroreg_error *err)
{
    const char *subject = json_string_value(json_object_get(ref, "subject"));
    int32_t version = 0;
    if (!subject || !get_int32(ref, "version", &version))
        return bad_answer("reference (subject and version)", err);
    if (depth >= MAX_REF_DEPTH)
        return ar_error(err, AVROREG_ERR_HTTP, "schema references nest deeper than %d",
                        MAX_REF_DEPTH);
    return fetch_version(c, subject, version, depth + 1, NULL, NULL, out, err);
}

/* Parses text with the referenced schemas' models as references. */
static enum avroreg_err parse_with_refs(const char *text, struct avroreg_schema **refs, size_t n,
                                        struct avroreg_schema **out, struct avroreg_error *err)
{
    struct sr_schema **models = calloc(n ? n : 1, sizeof(*models));
    if (!models)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        models[i] = refs[i]->model;
    struct sr_parse_opts opts = {.refs = models, .ref_count = n};
    struct sr_schema *model = NULL;
    struct sr_error serr = {0};
    enum sr_err src = sr_schema_parse(text, strlen(text), &opts, &model, &serr);
    free(models);
    if (src == SR_ERR_NOMEM)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (src != SR_OK)
        return ar_error(err, AVROREG_ERR_INVALID_SCHEMA, "the registry's schema: %s", serr.message);
    return ar_schema_from_model(model, out, err);
}

/* The schema of a registry answer ({"schema", "schemaType"?, "references"?}),
 * references fetched, into *out (a reference the caller owns). */
static enum avroreg_err schema_from_answer(struct avroreg_client *c, const json_t *doc, int depth,
                                           struct avroreg_schema **out, struct avroreg_error *err)
{
    const char *text = json_string_value(json_object_get(doc, "schema"));
    const char *type = json_string_value(json_object_get(doc, "schemaType"));
    const json_t *refs = json_object_get(doc, "references");
    if (!text)
        return bad_answer("schema", err);
    if (type && strcmp(type, "AVRO") != 0)
        return ar_error(err, AVROREG_ERR_INVALID_SCHEMA, "a %s schema, not Avro", type);
    if (refs && !json_is_array(refs))
        return bad_answer("references", err);
    size_t n = json_array_size(refs);
    struct avroreg_schema **resolved = calloc(n ? n : 1, sizeof(*resolved));
    if (!resolved)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    enum avroreg_err rc = AVROREG_OK;
    for (size_t i = 0; i < n && rc == AVROREG_OK; i++)
        rc = resolve_ref(c, json_array_get(refs, i), depth, &resolved[i], err);
    if (rc == AVROREG_OK)
        rc = parse_with_refs(text, resolved, n, out, err);
    for (size_t i = 0; i < n; i++)
        avroreg_schema_free(resolved[i]);
    free(resolved);
    return rc;
}

/* GET /subjects/<subject>/versions/<version or latest> into *doc_out. */
static enum avroreg_err get_version_doc(struct avroreg_client *c, const char *subject,
                                        int32_t version, json_t **doc_out,
                                        struct avroreg_error *err)
{
    char suffix[32] = "/versions/latest";
    if (version != -1)
        snprintf(suffix, sizeof(suffix), "/versions/%" PRId32, version);
    char *encoded = avroreg_url_encode(subject);
    char *path = encoded ? subject_path(encoded, suffix) : NULL;
    enum avroreg_err rc = path ? call_json(c, "GET", path, NULL, doc_out, err)
                               : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    free(path);
    free(encoded);
    return rc;
}

/* A version of subject and its schema, into *out (a reference the caller
 * owns). At depth 0 the schema is the one the id cache holds; deeper (while
 * resolving references) it may be a private copy. */
static enum avroreg_err fetch_version(struct avroreg_client *c, const char *subject,
                                      int32_t version, int depth, int32_t *id_out,
                                      int32_t *version_out, struct avroreg_schema **out,
                                      struct avroreg_error *err)
{
    json_t *doc = NULL;
    int32_t id = 0, got_version = 0;
    struct avroreg_schema *s = NULL;
    bool cached = false;
    enum avroreg_err rc = get_version_doc(c, subject, version, &doc, err);
    if (rc == AVROREG_OK &&
        (!get_int32(doc, "id", &id) || !get_int32(doc, "version", &got_version)))
        rc = bad_answer("id and version", err);
    if (rc == AVROREG_OK && !(s = cached_id(c, id))) {
        rc = schema_from_answer(c, doc, depth, &s, err);
        if (rc == AVROREG_OK)
            s = keep(c, id, s, depth == 0, &cached);
        if (rc == AVROREG_OK && depth == 0 && !cached) {
            avroreg_schema_free(s);
            rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        }
    }
    json_decref(doc);
    if (rc != AVROREG_OK)
        return rc;
    if (id_out)
        *id_out = id;
    if (version_out)
        *version_out = got_version;
    *out = s;
    return AVROREG_OK;
}

/* GET /schemas/ids/<id> and its references, into *out (the caller's). */
static enum avroreg_err fetch_id(struct avroreg_client *c, int32_t id, struct avroreg_schema **out,
                                 struct avroreg_error *err)
{
    char path[48];
    snprintf(path, sizeof(path), "/schemas/ids/%" PRId32, id);
    json_t *doc = NULL;
    enum avroreg_err rc = call_json(c, "GET", path, NULL, &doc, err);
    if (rc == AVROREG_ERR_REGISTRY && err->registry_code == SCHEMA_NOT_FOUND)
        rc = err->code = AVROREG_ERR_UNKNOWN_ID;
    if (rc == AVROREG_OK)
        rc = schema_from_answer(c, doc, 0, out, err);
    json_decref(doc);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------------ */

enum avroreg_err avroreg_client_get_by_id(struct avroreg_client *client, int32_t id,
                                          const struct avroreg_schema **schema_out,
                                          struct avroreg_error *err)
{
    struct avroreg_error local = {0};
    err = err ? err : &local;
    if (!client || !schema_out)
        return ar_error(err, AVROREG_ERR_ARG, "client and schema_out are required");
    pthread_mutex_lock(&client->lock);
    struct id_entry *e = claim_id(client, id);
    struct avroreg_schema *ready = e && e->state == ENTRY_READY ? e->schema : NULL;
    pthread_mutex_unlock(&client->lock);
    if (!e)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    if (!ready) {
        enum avroreg_err rc = fetch_id(client, id, &ready, err);
        settle(client, e, rc == AVROREG_OK ? ready : NULL);
        if (rc != AVROREG_OK)
            return rc;
    }
    *schema_out = ready;
    return AVROREG_OK;
}

enum avroreg_err avroreg_client_get_version(struct avroreg_client *client, const char *subject,
                                            int32_t version, int32_t *id_out, int32_t *version_out,
                                            const struct avroreg_schema **schema_out,
                                            struct avroreg_error *err)
{
    struct avroreg_error local = {0};
    err = err ? err : &local;
    if (!client || !subject || !subject[0])
        return ar_error(err, AVROREG_ERR_ARG, "client and subject are required");
    struct avroreg_schema *s = NULL;
    enum avroreg_err rc = fetch_version(client, subject, version, 0, id_out, version_out, &s, err);
    if (rc != AVROREG_OK)
        return rc;
    /* The id cache holds s for the client's life: hand it out borrowed. */
    avroreg_schema_free(s);
    if (schema_out)
        *schema_out = s;
    return AVROREG_OK;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The strings of a JSON array, as a new array of n + 1 (NULL-terminated). */
static enum avroreg_err copy_strings(const json_t *array, char ***out, size_t *n_out,
                                     struct avroreg_error *err)
{
    if (!json_is_array(array))
        return bad_answer("subject list", err);
    size_t n = json_array_size(array);
    char **v = calloc(n + 1, sizeof(*v));
    if (!v)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(array, i));
        if (!s || !(v[i] = strdup(s))) {
            free_strings(v, i);
            return s ? ar_error(err, AVROREG_ERR_NOMEM, "out of memory")
                     : bad_answer("subject list", err);
        }
    }
    *out = v;
    *n_out = n;
    return AVROREG_OK;
}

enum avroreg_err avroreg_client_subjects(struct avroreg_client *client, char ***subjects_out,
                                         size_t *count_out, struct avroreg_error *err)
{
    struct avroreg_error local = {0};
    err = err ? err : &local;
    if (!client || !subjects_out || !count_out)
        return ar_error(err, AVROREG_ERR_ARG, "client and outputs are required");
    json_t *doc = NULL;
    enum avroreg_err rc = call_json(client, "GET", "/subjects", NULL, &doc, err);
    if (rc == AVROREG_OK)
        rc = copy_strings(doc, subjects_out, count_out, err);
    json_decref(doc);
    return rc;
}
