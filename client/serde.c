/*
 * serde.c - the serializer and deserializer objects of avroreg.h.
 *
 * Serializer: the subject is fixed when the serializer is made; the schema id
 * is fetched (registered or looked up) on first use and kept in an atomic, so
 * concurrent calls need no lock (two first calls may both ask the client,
 * whose own cache makes that one request). Every call builds its own avro-c
 * value; avroreg_serialize_value() writes through a memory writer kept per
 * thread, so it allocates nothing after a thread's first call.
 *
 * Deserializer: the writer schema comes from the client's id cache. Before
 * avro-c sees a payload it is walked once against the writer schema (see
 * "payload check" below): avro-c trusts lengths and counts it reads and would
 * allocate whatever a corrupt or hostile message asks for. With a reader
 * schema, whether it can read a writer id is decided once per id with
 * sr_compat_check() and remembered under a mutex.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "client/datum_int.h"
#include "compat/compat.h"

/* ---- payload check ------------------------------------------------------------------ */

/* The Avro binary of one datum is walked with our model: every length and
 * count must fit in the bytes that are there, indexes must name a symbol or
 * branch, nesting is bounded, and the datum must end exactly at the end. */
struct scan {
    const unsigned char *p;
    size_t len, pos;
    size_t empty_items;
    struct avroreg_error *err;
};

static enum avroreg_err truncated(struct scan *s, const char *what)
{
    return ar_error(s->err, AVROREG_ERR_SHORT_BUFFER,
                    "truncated Avro payload: %s at byte %zu runs past the end of the %zu-byte "
                    "payload",
                    what, s->pos, s->len);
}

static enum avroreg_err malformed(struct scan *s, const char *what)
{
    return ar_error(s->err, AVROREG_ERR_AVRO, "malformed Avro payload: %s at byte %zu", what,
                    s->pos);
}

/* A zig-zag varint of at most max_bytes bytes. */
static enum avroreg_err scan_varint(struct scan *s, int max_bytes, int64_t *out)
{
    uint64_t u = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (s->pos >= s->len)
            return truncated(s, "a number");
        unsigned char b = s->p[s->pos++];
        u |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return AVROREG_OK;
        }
    }
    return malformed(s, "a variable-length number longer than allowed");
}

static enum avroreg_err scan_skip(struct scan *s, uint64_t n, const char *what)
{
    if (n > s->len - s->pos)
        return truncated(s, what);
    s->pos += (size_t)n;
    return AVROREG_OK;
}

/* A length-prefixed string or bytes value. */
static enum avroreg_err scan_blob(struct scan *s)
{
    int64_t n = 0;
    enum avroreg_err rc = scan_varint(s, 10, &n);
    if (rc)
        return rc;
    if (n < 0)
        return malformed(s, "a negative length");
    return scan_skip(s, (uint64_t)n, "a string or bytes value");
}

static enum avroreg_err scan_value(struct scan *s, const struct sr_node *n, int depth);

/* An enum symbol or union branch index: an int (as Java reads them) below count. */
static enum avroreg_err scan_index(struct scan *s, size_t count, const char *what, size_t *out)
{
    int64_t i = 0;
    enum avroreg_err rc = scan_varint(s, 5, &i);
    if (rc)
        return rc;
    if (i < 0 || (uint64_t)i >= count)
        return malformed(s, what);
    *out = (size_t)i;
    return AVROREG_OK;
}

/* One item of an array or map block. */
static enum avroreg_err scan_item(struct scan *s, const struct sr_node *n, int depth)
{
    if (n->type == SR_MAP) {
        enum avroreg_err rc = scan_blob(s);
        if (rc)
            return rc;
    }
    return scan_value(s, n->type == SR_MAP ? n->values : n->items, depth + 1);
}

/* count items of a block. A type either always encodes in zero bytes or never
 * does, so the first item tells whether the rest may be counted without
 * walking them (zero bytes, up to AR_MAX_EMPTY_ITEMS) or must each take a
 * byte still there. */
static enum avroreg_err scan_block(struct scan *s, const struct sr_node *n, uint64_t count,
                                   int depth)
{
    size_t before = s->pos;
    enum avroreg_err rc = scan_item(s, n, depth);
    if (rc)
        return rc;
    if (s->pos == before) {
        if (count > AR_MAX_EMPTY_ITEMS - s->empty_items)
            return malformed(s, "too many items that encode in zero bytes");
        s->empty_items += (size_t)count;
        return AVROREG_OK;
    }
    if (count - 1 > s->len - s->pos)
        return truncated(s, "an array or map block");
    for (uint64_t i = 1; i < count && !rc; i++)
        rc = scan_item(s, n, depth);
    return rc;
}

static enum avroreg_err scan_list(struct scan *s, const struct sr_node *n, int depth)
{
    for (;;) {
        int64_t count = 0, bytes = 0;
        enum avroreg_err rc = scan_varint(s, 10, &count);
        if (rc || count == 0)
            return rc;
        if (count < 0) {
            /* a negative count is followed by the block's size in bytes */
            if (count == INT64_MIN)
                return malformed(s, "an invalid block count");
            count = -count;
            if ((rc = scan_varint(s, 10, &bytes)))
                return rc;
            if (bytes < 0)
                return malformed(s, "a negative block size");
        }
        if ((rc = scan_block(s, n, (uint64_t)count, depth)))
            return rc;
    }
}

static enum avroreg_err scan_compound(struct scan *s, const struct sr_node *n, int depth)
{
    enum avroreg_err rc = AVROREG_OK;
    size_t branch = 0;
    switch (n->type) {
    case SR_RECORD:
        for (size_t i = 0; i < n->field_count && !rc; i++)
            rc = scan_value(s, n->fields[i].type, depth + 1);
        return rc;
    case SR_ARRAY:
    case SR_MAP:
        return scan_list(s, n, depth);
    default: /* SR_UNION */
        if ((rc = scan_index(s, n->branch_count, "a union branch index out of range", &branch)))
            return rc;
        return scan_value(s, n->branches[branch], depth + 1);
    }
}

static enum avroreg_err scan_value(struct scan *s, const struct sr_node *n, int depth)
{
    if (depth > AR_MAX_DEPTH)
        return malformed(s, "a datum nested too deeply");
    switch (n->type) {
    case SR_NULL:
        return AVROREG_OK;
    case SR_BOOLEAN:
        if (s->pos < s->len && s->p[s->pos] > 1)
            return malformed(s, "a boolean that is neither 0 nor 1");
        return scan_skip(s, 1, "a boolean");
    case SR_INT:
    case SR_LONG: {
        int64_t x = 0;
        enum avroreg_err rc = scan_varint(s, n->type == SR_INT ? 5 : 10, &x);
        /* five bytes hold 35 bits, and avro-c refuses an int beyond 32 */
        if (!rc && n->type == SR_INT && (x < INT32_MIN || x > INT32_MAX))
            return malformed(s, "an int out of range");
        return rc;
    }
    case SR_FLOAT:
        return scan_skip(s, 4, "a float");
    case SR_DOUBLE:
        return scan_skip(s, 8, "a double");
    case SR_STRING:
    case SR_BYTES:
        return scan_blob(s);
    case SR_FIXED:
        return scan_skip(s, (uint64_t)n->size, "a fixed value");
    case SR_ENUM: {
        size_t symbol;
        return scan_index(s, n->symbol_count, "an enum index out of range", &symbol);
    }
    default:
        return scan_compound(s, n, depth);
    }
}

static enum avroreg_err check_payload(const struct sr_node *root, const void *payload, size_t len,
                                      struct avroreg_error *err)
{
    struct scan s = {payload, len, 0, 0, err};
    enum avroreg_err rc = scan_value(&s, root, 0);
    if (rc == AVROREG_OK && s.pos != len)
        return ar_error(err, AVROREG_ERR_AVRO,
                        "malformed Avro payload: the datum ends at byte %zu of %zu (trailing "
                        "bytes)",
                        s.pos, len);
    return rc;
}

/* ---- serializer ------------------------------------------------------------------------ */

#define NO_ID LLONG_MIN

struct avroreg_serializer {
    struct avroreg_client *client;
    const struct avroreg_schema *schema;
    char *subject;
    bool lookup_only;
    atomic_llong id; /* NO_ID until fetched */
};

enum avroreg_err avroreg_serializer_new(struct avroreg_client *client,
                                        const struct avroreg_schema *schema, const char *topic,
                                        const struct avroreg_serializer_config *config,
                                        struct avroreg_serializer **out, struct avroreg_error *err)
{
    if (!client || !schema || !out)
        return ar_error(err, AVROREG_ERR_ARG, "client, schema and out are required");
    struct avroreg_serializer_config defaults = {AVROREG_TOPIC_NAME, false, false};
    if (!config)
        config = &defaults;
    struct avroreg_serializer *ser = calloc(1, sizeof(*ser));
    if (!ser)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    enum avroreg_err rc =
        avroreg_subject_name(config->strategy, topic, config->is_key, schema, &ser->subject, err);
    if (rc) {
        free(ser);
        return rc;
    }
    ser->client = client;
    ser->schema = schema;
    ser->lookup_only = config->no_auto_register;
    atomic_init(&ser->id, NO_ID);
    *out = ser;
    return AVROREG_OK;
}

void avroreg_serializer_free(struct avroreg_serializer *ser)
{
    if (!ser)
        return;
    free(ser->subject);
    free(ser);
}

enum avroreg_err avroreg_serializer_id(struct avroreg_serializer *ser, int32_t *id_out,
                                       struct avroreg_error *err)
{
    if (!ser || !id_out)
        return ar_error(err, AVROREG_ERR_ARG, "serializer and id_out are required");
    long long id = atomic_load_explicit(&ser->id, memory_order_acquire);
    if (id != NO_ID) {
        *id_out = (int32_t)id;
        return AVROREG_OK;
    }
    int32_t got = 0;
    const char *text = avroreg_schema_text(ser->schema);
    enum avroreg_err rc =
        ser->lookup_only ? avroreg_client_lookup(ser->client, ser->subject, text, &got, NULL, err)
                         : avroreg_client_register(ser->client, ser->subject, text, &got, err);
    if (rc)
        return rc;
    atomic_store_explicit(&ser->id, got, memory_order_release);
    *id_out = got;
    return AVROREG_OK;
}

/* avro-c's memory writer and reader, one of each per thread, made on first
 * use, pointed at each call's buffer in turn, and freed when the thread exits. */
struct thread_io {
    avro_writer_t writer;
    avro_reader_t reader;
};

static pthread_key_t io_key;
static pthread_once_t io_once = PTHREAD_ONCE_INIT;
static bool io_key_ok;
static _Thread_local struct thread_io *thread_io_ptr;

static void io_release(void *p)
{
    struct thread_io *io = p;
    if (io->writer)
        avro_writer_free(io->writer);
    if (io->reader)
        avro_reader_free(io->reader);
    free(io);
    thread_io_ptr = NULL;
}

static void io_key_make(void)
{
    io_key_ok = pthread_key_create(&io_key, io_release) == 0;
}

static struct thread_io *thread_io(void)
{
    if (thread_io_ptr)
        return thread_io_ptr;
    pthread_once(&io_once, io_key_make);
    struct thread_io *io = io_key_ok ? calloc(1, sizeof(*io)) : NULL;
    if (!io)
        return NULL;
    if (pthread_setspecific(io_key, io) != 0) {
        free(io);
        return NULL;
    }
    thread_io_ptr = io;
    return io;
}

static avro_writer_t thread_writer(void)
{
    struct thread_io *io = thread_io();
    if (io && !io->writer)
        io->writer = avro_writer_memory(NULL, 0);
    return io ? io->writer : NULL;
}

/* The thread's reader, pointed at payload[0..len). */
static avro_reader_t thread_reader(const void *payload, size_t len)
{
    struct thread_io *io = thread_io();
    if (io && !io->reader)
        io->reader = avro_reader_memory(NULL, 0);
    if (!io || !io->reader)
        return NULL;
    avro_reader_memory_set_source(io->reader, payload, (int64_t)len);
    return io->reader;
}

/* Writes value's Avro binary (size bytes, as avro_value_sizeof said) at dest. */
static enum avroreg_err write_payload(avro_value_t *value, unsigned char *dest, size_t size,
                                      struct avroreg_error *err)
{
    avro_writer_t w = thread_writer();
    if (!w)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    avro_writer_memory_set_dest(w, (const char *)dest, (int64_t)size);
    int rc = avro_value_write(w, value);
    if (rc)
        return ar_avro_error(err, rc, NULL, "encode the value");
    if ((size_t)avro_writer_tell(w) != size)
        return ar_error(err, AVROREG_ERR_AVRO, "avro-c wrote %lld bytes, expected %zu",
                        (long long)avro_writer_tell(w), size);
    return AVROREG_OK;
}

/* Encodes value into dest[0..room); *written_out is the size. A datum that
 * does not fit is AVROREG_ERR_SHORT_BUFFER (avro-c's memory writer says ENOSPC). */
static enum avroreg_err write_into(avro_value_t *value, unsigned char *dest, size_t room,
                                   size_t *written_out, struct avroreg_error *err)
{
    avro_writer_t w = thread_writer();
    if (!w)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    avro_writer_memory_set_dest(w, (const char *)dest, (int64_t)room);
    int rc = avro_value_write(w, value);
    if (rc == ENOSPC)
        return AVROREG_ERR_SHORT_BUFFER;
    if (rc)
        return ar_avro_error(err, rc, NULL, "encode the value");
    *written_out = (size_t)avro_writer_tell(w);
    return AVROREG_OK;
}

/* The JSON datum as a new generic value of the serializer's schema. */
static enum avroreg_err json_value(struct avroreg_serializer *ser, const char *json, size_t len,
                                   avro_value_t *value, struct avroreg_error *err)
{
    json_error_t jerr;
    /* any JSON value may be a datum; "\u0000" is a valid byte of bytes and strings */
    json_t *doc = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!doc)
        return ar_error(err, AVROREG_ERR_INVALID_DATUM, "not JSON: %s (line %d, column %d)",
                        jerr.text, jerr.line, jerr.column);
    int rc = avro_generic_value_new(ser->schema->iface, value);
    if (rc) {
        json_decref(doc);
        return ar_avro_error(err, rc, NULL, "make a value");
    }
    enum avroreg_err e = ar_json_to_value(sr_schema_root(ser->schema->model), doc, value, err);
    json_decref(doc);
    if (e)
        avro_value_decref(value);
    return e;
}

enum avroreg_err avroreg_serialize_json(struct avroreg_serializer *ser, const char *json,
                                        size_t len, unsigned char **out, size_t *out_len,
                                        struct avroreg_error *err)
{
    if (!ser || !json || !out || !out_len)
        return ar_error(err, AVROREG_ERR_ARG, "serializer, JSON and outputs are required");
    avro_value_t value;
    /* the datum is checked before the registry is asked about its schema */
    enum avroreg_err rc = json_value(ser, json, len, &value, err);
    if (rc)
        return rc;
    int32_t id = 0;
    size_t size = 0;
    unsigned char *buf = NULL;
    int arc;
    if ((rc = avroreg_serializer_id(ser, &id, err)))
        goto done;
    if ((arc = avro_value_sizeof(&value, &size))) {
        rc = ar_avro_error(err, arc, NULL, "size the value");
        goto done;
    }
    if (!(buf = malloc(AVROREG_HEADER_SIZE + size))) {
        rc = ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
        goto done;
    }
    avroreg_frame_header(id, buf);
    if ((rc = write_payload(&value, buf + AVROREG_HEADER_SIZE, size, err))) {
        free(buf);
        goto done;
    }
    *out = buf;
    *out_len = AVROREG_HEADER_SIZE + size;
done:
    avro_value_decref(&value);
    return rc;
}

/* Whether value is a value of schema (the same avro-c schema, or an equal one). */
static bool value_of(avro_value_t *value, const struct avroreg_schema *schema)
{
    avro_schema_t vs = avro_value_get_schema(value);
    return vs && (vs == schema->avro || avro_schema_equal(vs, schema->avro));
}

enum avroreg_err avroreg_serialize_value(struct avroreg_serializer *ser, avro_value_t *value,
                                         unsigned char *buf, size_t cap, size_t *out_len,
                                         struct avroreg_error *err)
{
    if (!ser || !value || !value->iface || !out_len || (!buf && cap))
        return ar_error(err, AVROREG_ERR_ARG, "serializer, value and out_len are required");
    /* framing another schema's value with our id would corrupt the topic */
    if (!value_of(value, ser->schema))
        return ar_error(err, AVROREG_ERR_ARG, "the value is not of the serializer's schema");
    int32_t id = 0;
    enum avroreg_err rc = avroreg_serializer_id(ser, &id, err);
    if (rc)
        return rc;
    /* Encode straight into the caller's buffer; sizing the datum first would
     * cost as much as encoding it. Only a buffer too small pays for sizing. */
    size_t room = cap > AVROREG_HEADER_SIZE ? cap - AVROREG_HEADER_SIZE : 0;
    size_t written = 0;
    rc = room ? write_into(value, buf + AVROREG_HEADER_SIZE, room, &written, err)
              : AVROREG_ERR_SHORT_BUFFER;
    if (rc == AVROREG_ERR_SHORT_BUFFER) {
        size_t size = 0;
        int arc = avro_value_sizeof(value, &size);
        if (arc)
            return ar_avro_error(err, arc, NULL, "size the value");
        *out_len = AVROREG_HEADER_SIZE + size;
        return ar_error(err, AVROREG_ERR_SHORT_BUFFER,
                        "the message needs %zu bytes, the buffer holds %zu", *out_len, cap);
    }
    if (rc)
        return rc;
    avroreg_frame_header(id, buf);
    *out_len = AVROREG_HEADER_SIZE + written;
    return AVROREG_OK;
}

/* ---- deserializer ---------------------------------------------------------------------- */

/* Whether the reader can read a writer id: an open-addressing table. */
struct verdict {
    int32_t id;
    bool used;
    bool ok;
    char *message; /* why not, when !ok */
};

static _Atomic uint64_t next_serial = 1;

struct avroreg_deserializer {
    uint64_t serial; /* unique for the process's life: keys the thread-local last writer */
    struct avroreg_client *client;
    const struct avroreg_schema *reader;
    pthread_mutex_t lock; /* guards verdicts */
    struct verdict *verdicts;
    size_t cap, count; /* cap: a power of two, or 0 */
};

enum avroreg_err avroreg_deserializer_new(struct avroreg_client *client,
                                          const struct avroreg_schema *reader,
                                          struct avroreg_deserializer **out,
                                          struct avroreg_error *err)
{
    if (!client || !out)
        return ar_error(err, AVROREG_ERR_ARG, "client and out are required");
    struct avroreg_deserializer *des = calloc(1, sizeof(*des));
    if (!des)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    des->serial = atomic_fetch_add(&next_serial, 1);
    if (pthread_mutex_init(&des->lock, NULL) != 0) {
        free(des);
        return ar_error(err, AVROREG_ERR_NOMEM, "cannot make a mutex");
    }
    des->client = client;
    des->reader = reader;
    *out = des;
    return AVROREG_OK;
}

void avroreg_deserializer_free(struct avroreg_deserializer *des)
{
    if (!des)
        return;
    for (size_t i = 0; i < des->cap; i++)
        free(des->verdicts[i].message);
    free(des->verdicts);
    pthread_mutex_destroy(&des->lock);
    free(des);
}

static size_t verdict_slot(const struct verdict *table, size_t cap, int32_t id)
{
    size_t i = ((uint32_t)id * 2654435761u) & (cap - 1);
    while (table[i].used && table[i].id != id)
        i = (i + 1) & (cap - 1);
    return i;
}

/* The remembered verdict for id, copied out under the lock. */
static bool verdict_find(struct avroreg_deserializer *des, int32_t id, bool *ok,
                         struct avroreg_error *err)
{
    bool found = false;
    pthread_mutex_lock(&des->lock);
    if (des->cap) {
        struct verdict *v = &des->verdicts[verdict_slot(des->verdicts, des->cap, id)];
        if (v->used) {
            found = true;
            *ok = v->ok;
            if (!v->ok)
                ar_error(err, AVROREG_ERR_INCOMPATIBLE, "%s", v->message);
        }
    }
    pthread_mutex_unlock(&des->lock);
    return found;
}

static bool verdict_grow(struct avroreg_deserializer *des)
{
    size_t cap = des->cap ? des->cap * 2 : 16;
    struct verdict *t = calloc(cap, sizeof(*t));
    if (!t)
        return false;
    for (size_t i = 0; i < des->cap; i++)
        if (des->verdicts[i].used)
            t[verdict_slot(t, cap, des->verdicts[i].id)] = des->verdicts[i];
    free(des->verdicts);
    des->verdicts = t;
    des->cap = cap;
    return true;
}

/* Remembers a verdict; takes message. Out of memory, it is simply not kept. */
static void verdict_store(struct avroreg_deserializer *des, int32_t id, bool ok, char *message)
{
    pthread_mutex_lock(&des->lock);
    if ((des->count + 1) * 2 > des->cap && !verdict_grow(des)) {
        pthread_mutex_unlock(&des->lock);
        free(message);
        return;
    }
    struct verdict *v = &des->verdicts[verdict_slot(des->verdicts, des->cap, id)];
    if (v->used) { /* another thread decided first: the same answer */
        free(message);
    } else {
        *v = (struct verdict){id, true, ok, message};
        des->count++;
    }
    pthread_mutex_unlock(&des->lock);
}

/* Why reader cannot read writer id: the checker's first finding, or why it
 * could not decide (a pair of schemas too large to compare). */
static char *verdict_message(int32_t id, enum sr_err src, const struct sr_error *serr,
                             const struct sr_compat_result *res)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_addf(&b, "the reader schema cannot read data written with schema id %" PRId32 ": ", id);
    if (src != SR_OK)
        sr_buf_addf(&b, "the schemas cannot be compared: %s", serr->message);
    else if (res->exception)
        sr_buf_adds(&b, res->exception);
    else if (res->count)
        sr_buf_addf(&b, "%s at %s: %s", sr_incompat_type_name(res->items[0].type),
                    res->items[0].location, res->items[0].message);
    else
        sr_buf_adds(&b, "incompatible");
    return sr_buf_detach(&b, NULL);
}

/* Can the deserializer's reader read data of writer (schema id id)? The
 * verdict depends only on the two schemas, so it is decided once per id. */
static enum avroreg_err check_reader(struct avroreg_deserializer *des, int32_t id,
                                     const struct avroreg_schema *writer, struct avroreg_error *err)
{
    bool ok = false;
    if (verdict_find(des, id, &ok, err))
        return ok ? AVROREG_OK : AVROREG_ERR_INCOMPATIBLE;
    struct sr_compat_result res = {0};
    struct sr_error serr = {0};
    enum sr_err src = sr_compat_check(sr_schema_root(des->reader->model),
                                      sr_schema_root(writer->model), &res, &serr);
    if (src == SR_ERR_NOMEM)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    ok = src == SR_OK && res.compatible;
    char *message = ok ? NULL : verdict_message(id, src, &serr, &res);
    if (src == SR_OK)
        sr_compat_result_release(&res);
    if (!ok)
        ar_error(err, AVROREG_ERR_INCOMPATIBLE, "%s",
                 message ? message : "the reader schema cannot read the writer's data");
    if (ok || message)
        verdict_store(des, id, ok, message);
    return ok ? AVROREG_OK : AVROREG_ERR_INCOMPATIBLE;
}

/* Framed bytes -> a new generic value of the writer schema. */
/* A consumer decodes message after message with one writer schema: the last
 * (deserializer, id) -> schema each thread used, checked before the client's
 * cache and its lock. Schemas live as long as the client, and a
 * deserializer's serial is never reused, so a stale entry cannot match. */
static _Thread_local struct {
    uint64_t serial;
    int32_t id;
    const struct avroreg_schema *schema;
} last_writer;

static enum avroreg_err writer_schema(struct avroreg_deserializer *des, int32_t id,
                                      const struct avroreg_schema **out, struct avroreg_error *err)
{
    if (last_writer.serial == des->serial && last_writer.id == id) {
        *out = last_writer.schema;
        return AVROREG_OK;
    }
    enum avroreg_err rc = avroreg_client_get_by_id(des->client, id, out, err);
    if (!rc) {
        last_writer.serial = des->serial;
        last_writer.id = id;
        last_writer.schema = *out;
    }
    return rc;
}

static enum avroreg_err decode(struct avroreg_deserializer *des, const void *msg, size_t len,
                               avro_value_t *value, const struct avroreg_schema **writer_out,
                               int32_t *id_out, struct avroreg_error *err)
{
    const void *payload = NULL;
    size_t plen = 0;
    int32_t id = 0;
    const struct avroreg_schema *writer = NULL;
    enum avroreg_err rc = avroreg_frame_parse(msg, len, &id, &payload, &plen, err);
    if (!rc)
        rc = writer_schema(des, id, &writer, err);
    if (!rc)
        rc = check_payload(sr_schema_root(writer->model), payload, plen, err);
    if (rc)
        return rc;
    avro_reader_t reader = thread_reader(payload, plen);
    if (!reader)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    int arc = avro_generic_value_new(writer->iface, value);
    if (arc)
        return ar_avro_error(err, arc, NULL, "make a value");
    arc = avro_value_read(reader, value);
    if (arc) {
        avro_value_decref(value);
        return ar_avro_error(err, arc, NULL, "decode the payload");
    }
    *writer_out = writer;
    *id_out = id;
    return AVROREG_OK;
}

enum avroreg_err avroreg_deserialize_value(struct avroreg_deserializer *des, const void *msg,
                                           size_t len, avro_value_t *value_out,
                                           const struct avroreg_schema **writer_out,
                                           struct avroreg_error *err)
{
    if (!des || !value_out || (!msg && len))
        return ar_error(err, AVROREG_ERR_ARG, "deserializer and value_out are required");
    const struct avroreg_schema *writer = NULL;
    int32_t id = 0;
    enum avroreg_err rc = decode(des, msg, len, value_out, &writer, &id, err);
    if (!rc && writer_out)
        *writer_out = writer;
    return rc;
}

enum avroreg_err avroreg_deserialize_json(struct avroreg_deserializer *des, const void *msg,
                                          size_t len, char **json_out, size_t *json_len_out,
                                          int32_t *id_out, struct avroreg_error *err)
{
    if (!des || !json_out || (!msg && len))
        return ar_error(err, AVROREG_ERR_ARG, "deserializer and json_out are required");
    const struct avroreg_schema *writer = NULL;
    int32_t id = 0;
    avro_value_t value;
    enum avroreg_err rc = decode(des, msg, len, &value, &writer, &id, err);
    if (rc)
        return rc;
    struct sr_buf out = SR_BUF_INIT;
    const struct sr_node *wroot = sr_schema_root(writer->model);
    if (!des->reader)
        rc = ar_value_to_json(wroot, &value, &out, err);
    else if (!(rc = check_reader(des, id, writer, err)))
        rc = ar_resolve_to_json(sr_schema_root(des->reader->model), wroot, &value, &out, err);
    avro_value_decref(&value);
    size_t n = 0;
    char *text = rc ? NULL : sr_buf_detach(&out, &n);
    sr_buf_release(&out);
    if (rc)
        return rc;
    if (!text)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    *json_out = text;
    if (json_len_out)
        *json_len_out = n;
    if (id_out)
        *id_out = id;
    return AVROREG_OK;
}
