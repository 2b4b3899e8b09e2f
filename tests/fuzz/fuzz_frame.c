/*
 * fuzz_frame.c - libFuzzer harness for what the deserializer does with a
 * Kafka message: the Confluent frame (avroreg_frame_parse), the payload check
 * that stands between a message and avro-c, avro-c's decoder, and the JSON
 * encoders of the decoded value (ar_value_to_json, ar_resolve_to_json).
 *
 * The deserializer finds the writer schema through a registry client. Here a
 * fixed table stands in for the registry: the frame's schema id, modulo the
 * table size, picks the writer. The payload check is a static function of
 * client/serde.c, so this file includes serde.c itself (the fuzz rules of the
 * Makefile leave serde.c out of the sources they compile next to it).
 *
 * Input: one flags byte, then the framed message (magic 0, id, payload).
 * Flag bit 0: also read the datum with the table's reader schema for that
 * writer, as a deserializer made with a reader schema does. Flag bit 1: the
 * rest is instead a byte choosing the writer and a JSON datum, which goes
 * through the serializer's path (json_value, write_payload) first and is
 * then decoded as above. Flag bit 2: the rest is instead a writer schema of
 * its own, a NUL and a payload (no frame, no reader).
 *
 * Checked, beyond the sanitizers:
 *   - a payload the check accepts, avro-c decodes; a payload the serializer
 *     wrote, the check accepts;
 *   - the writer's JSON is valid JSON that encodes back (ar_json_to_value) to
 *     a value that prints as the same JSON;
 *   - the reader's JSON, when resolution succeeds, is valid JSON that the
 *     reader schema accepts as a datum.
 */
#include "client/serde.c" /* NOLINT(bugprone-suspicious-include): for its statics */

#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT ((size_t)64 * 1024)

/* Writers and, where one is given, a reader that sr_compat_check() accepts. */
static const struct {
    const char *writer;
    const char *reader;
} table[] = {
    /* 0: every primitive, enum, fixed, array, map and union in one record */
    {"{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"fz\",\"fields\":["
     "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
     "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
     "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
     "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\"},"
     "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\","
     "\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
     "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
     "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
     "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
     "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\",\"Color\"]}]}",
     "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"fz\",\"fields\":["
     "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"long\"},"
     "{\"name\":\"l\",\"type\":\"double\"},{\"name\":\"f\",\"type\":\"double\"},"
     "{\"name\":\"by\",\"type\":\"string\"},{\"name\":\"s\",\"type\":\"bytes\"},"
     "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\","
     "\"symbols\":[\"GREEN\",\"OTHER\"],\"default\":\"OTHER\"}},"
     "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
     "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
     "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"bytes\"}},"
     "{\"name\":\"u\",\"type\":[\"null\",\"double\",\"bytes\",\"Color\"]},"
     "{\"name\":\"added\",\"type\":[\"null\",\"string\"],\"default\":null},"
     "{\"name\":\"point\",\"type\":{\"type\":\"record\",\"name\":\"P\",\"fields\":["
     "{\"name\":\"x\",\"type\":\"int\",\"default\":1}]},\"default\":{\"x\":2}}]}"},
    /* 1: a recursive list */
    {"{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
     "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}",
     "{\"type\":\"record\",\"name\":\"Node\",\"aliases\":[\"Old\"],\"fields\":["
     "{\"name\":\"value\",\"aliases\":[\"v\"],\"type\":\"double\"},"
     "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]},"
     "{\"name\":\"tag\",\"type\":\"string\",\"default\":\"t\"}]}"},
    /* 2: logical types */
    {"{\"type\":\"record\",\"name\":\"L\",\"fields\":["
     "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
     "\"precision\":9,\"scale\":2}},"
     "{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D8\",\"size\":8,"
     "\"logicalType\":\"decimal\",\"precision\":18,\"scale\":3}},"
     "{\"name\":\"date\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
     "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
     "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
     "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
     "{\"name\":\"dur\",\"type\":{\"type\":\"fixed\",\"name\":\"Dur\",\"size\":12,"
     "\"logicalType\":\"duration\"}}]}",
     NULL},
    /* 3: values that encode in zero bytes */
    {"{\"type\":\"record\",\"name\":\"Z\",\"fields\":["
     "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
     "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\","
     "\"name\":\"F0\",\"size\":0}}},"
     "{\"name\":\"r\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
     "\"name\":\"E\",\"fields\":[]}}},"
     "{\"name\":\"w\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
     "\"name\":\"W\",\"fields\":[{\"name\":\"e\",\"type\":\"E\"}]}}},"
     "{\"name\":\"u\",\"type\":[\"null\",\"F0\",\"E\",\"int\"]}]}",
     "{\"type\":\"record\",\"name\":\"Z\",\"fields\":["
     "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"int\"]}},"
     "{\"name\":\"r\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
     "\"name\":\"E\",\"fields\":[{\"name\":\"x\",\"type\":\"int\",\"default\":0}]}}}]}"},
    /* 4: a top-level union */
    {"[\"null\",\"boolean\",\"int\",\"long\",\"float\",\"double\",\"bytes\",\"string\","
     "{\"type\":\"array\",\"items\":[\"null\",\"double\"]},"
     "{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"string\"}}]",
     "[\"null\",\"boolean\",\"double\",\"string\","
     "{\"type\":\"array\",\"items\":[\"null\",\"double\"]},"
     "{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"bytes\"}}]"},
    /* 5: a bare string */
    {"\"string\"", "\"bytes\""},
    /* 6: arrays of maps of records */
    {"{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":{\"type\":\"record\","
     "\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
     "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}}}",
     "{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":[\"null\",{\"type\":\"record\","
     "\"name\":\"Q\",\"aliases\":[\"P\"],\"fields\":[{\"name\":\"x\",\"type\":\"float\"},"
     "{\"name\":\"labels\",\"aliases\":[\"tags\"],"
     "\"type\":{\"type\":\"array\",\"items\":\"bytes\"}}]}]}}"},
    /* 7: a bare enum */
    {"{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"A\",\"B\",\"C\",\"D\"]}",
     "{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"D\",\"B\",\"X\"],\"default\":\"X\"}"},
    /* 8: a tree through arrays and maps */
    {"{\"type\":\"record\",\"name\":\"T\",\"fields\":["
     "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"T\"}},"
     "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"T\"}},"
     "{\"name\":\"leaf\",\"type\":[\"null\",\"float\",\"T\"]}]}",
     "{\"type\":\"record\",\"name\":\"T\",\"fields\":["
     "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"T\"}},"
     "{\"name\":\"leaf\",\"type\":[\"null\",\"double\",\"T\"]}]}"},
};

#define TABLE_SIZE (sizeof table / sizeof table[0])

static struct avroreg_schema *writers[TABLE_SIZE], *readers[TABLE_SIZE];

static struct avroreg_schema *load(const char *text, bool compat_with, size_t i)
{
    struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    if (avroreg_schema_parse(text, strlen(text), &s, &err) != AVROREG_OK) {
        fprintf(stderr, "fuzz_frame: table schema %zu does not parse: %s\n", i, err.message);
        abort();
    }
    if (compat_with) {
        struct sr_compat_result res = {0};
        struct sr_error serr = {0};
        if (sr_compat_check(sr_schema_root(s->model), sr_schema_root(writers[i]->model), &res,
                            &serr) != SR_OK ||
            !res.compatible) {
            fprintf(stderr, "fuzz_frame: table reader %zu cannot read its writer\n", i);
            abort();
        }
        sr_compat_result_release(&res);
    }
    return s;
}

/* libFuzzer fixes this signature. */
int LLVMFuzzerInitialize(int *argc, char ***argv) /* NOLINT(readability-non-const-parameter) */
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        writers[i] = load(table[i].writer, false, i);
        if (table[i].reader)
            readers[i] = load(table[i].reader, true, i);
    }
    return 0;
}

_Noreturn static void fail(const char *what, const char *detail, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_frame: %s: %s\n  input (%zu bytes):", what, detail ? detail : "", size);
    for (size_t i = 0; i < size && i < 256; i++)
        fprintf(stderr, " %02x", data[i]);
    fputc('\n', stderr);
    abort();
}

/* json, the Avro JSON encoding of a datum of s, must be valid JSON that
 * s accepts; when again is not NULL, it must encode and print back as json. */
static void expect_datum(const struct avroreg_schema *s, const struct sr_buf *json, bool again,
                         const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *j = json_loadb(json->data ? json->data : "", json->len,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail("the JSON encoding is not JSON", jerr.text, data, size);
    avro_value_t v;
    if (avro_generic_value_new(s->iface, &v) != 0) {
        json_decref(j);
        return;
    }
    struct avroreg_error err = {0};
    enum avroreg_err rc = ar_json_to_value(sr_schema_root(s->model), j, &v, &err);
    json_decref(j);
    if (rc == AVROREG_ERR_NOMEM) {
        avro_value_decref(&v);
        return;
    }
    if (rc != AVROREG_OK)
        fail("the schema does not accept its own JSON encoding", err.message, data, size);
    if (again) {
        struct sr_buf back = SR_BUF_INIT;
        rc = ar_value_to_json(sr_schema_root(s->model), &v, &back, &err);
        if (rc == AVROREG_OK &&
            (back.len != json->len || memcmp(back.data, json->data, back.len) != 0))
            fail("the JSON encoding does not survive encoding and printing", back.data, data, size);
        sr_buf_release(&back);
    }
    avro_value_decref(&v);
}

/* Whether json holds U+FFFD: strings that were not UTF-8 print with it (as
 * Java's decoder does), and two map keys that differ only in their invalid
 * bytes then print alike, so such a datum cannot survive a second round. */
static bool has_replacement(const struct sr_buf *json)
{
    for (size_t i = 0; json->data && i + 3 <= json->len; i++)
        if (memcmp(json->data + i, "\xef\xbf\xbd", 3) == 0)
            return true;
    return false;
}

/* The payload decoded with writer w as decode() in serde.c does, and the
 * datum printed as JSON with w and, unless NULL, with reader r.
 * must_pass: the payload came from our own encoder, so the check must pass. */
static void decode_payload(const struct avroreg_schema *w, const struct avroreg_schema *r,
                           const void *payload, size_t plen, bool must_pass, const uint8_t *data,
                           size_t size)
{
    const struct sr_node *wroot = sr_schema_root(w->model);
    struct avroreg_error err = {0};
    if (check_payload(wroot, payload, plen, &err) != AVROREG_OK) {
        if (must_pass)
            fail("the check rejects what the serializer wrote", err.message, data, size);
        return;
    }
    avro_reader_t reader = avro_reader_memory(payload, (int64_t)plen);
    avro_value_t value;
    if (!reader || avro_generic_value_new(w->iface, &value) != 0) {
        avro_reader_free(reader);
        return;
    }
    int arc = avro_value_read(reader, &value);
    avro_reader_free(reader);
    if (arc != 0)
        fail("avro-c rejects a payload the check accepted", avro_strerror(), data, size);

    struct sr_buf out = SR_BUF_INIT;
    enum avroreg_err rc = ar_value_to_json(wroot, &value, &out, &err);
    if (rc == AVROREG_OK && !sr_buf_failed(&out))
        expect_datum(w, &out, !has_replacement(&out), data, size);
    sr_buf_release(&out);

    if (r) {
        struct sr_buf rout = SR_BUF_INIT;
        rc = ar_resolve_to_json(sr_schema_root(r->model), wroot, &value, &rout, &err);
        if (rc == AVROREG_OK)
            expect_datum(r, &rout, false, data, size);
        else if (rc != AVROREG_ERR_INCOMPATIBLE && rc != AVROREG_ERR_NOMEM)
            fail("resolution failed on a decoded datum", err.message, data, size);
        sr_buf_release(&rout);
    }
    avro_value_decref(&value);
}

/* A JSON datum through the serializer's path (json_value, avro_value_sizeof,
 * write_payload in serde.c), then decoded again. */
static void serialize_json(size_t slot, bool with_reader, const char *json, size_t len,
                           const uint8_t *data, size_t size)
{
    struct avroreg_serializer ser = {.schema = writers[slot]};
    struct avroreg_error err = {0};
    avro_value_t value;
    if (json_value(&ser, json, len, &value, &err) != AVROREG_OK)
        return;
    size_t bytes = 0;
    unsigned char *buf = NULL;
    if (avro_value_sizeof(&value, &bytes) == 0 && (buf = malloc(bytes ? bytes : 1))) {
        if (write_payload(&value, buf, bytes, &err) != AVROREG_OK)
            fail("a value the serializer accepted does not encode", err.message, data, size);
        decode_payload(writers[slot], with_reader ? readers[slot] : NULL, buf, bytes, true, data,
                       size);
    }
    free(buf);
    avro_value_decref(&value);
}

/* Any schema as the writer: how client/schema.c builds the avro-c schema
 * (its Parsing Canonical Form, else made-up names, nulls for what avro-c
 * cannot read) must agree with the payload check on every payload. */
static void decode_own_schema(const uint8_t *in, size_t len, const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(in, '\0', len);
    if (!nul)
        return;
    struct avroreg_schema *w = NULL;
    struct avroreg_error err = {0};
    if (avroreg_schema_parse((const char *)in, (size_t)(nul - in), &w, &err) != AVROREG_OK)
        return;
    decode_payload(w, NULL, nul + 1, len - (size_t)(nul - in) - 1, false, data, size);
    avroreg_schema_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > FUZZ_MAX_INPUT)
        return 0;
    bool with_reader = data[0] & 1;
    if (data[0] & 4) { /* a writer schema of its own, NUL, a payload */
        decode_own_schema(data + 1, size - 1, data, size);
        return 0;
    }
    if (data[0] & 2) { /* a writer slot and a JSON datum */
        serialize_json(data[1] % TABLE_SIZE, with_reader, (const char *)data + 2, size - 2, data,
                       size);
        return 0;
    }
    int32_t id = 0;
    const void *payload = NULL;
    size_t plen = 0;
    struct avroreg_error err = {0};
    if (avroreg_frame_parse(data + 1, size - 1, &id, &payload, &plen, &err) != AVROREG_OK)
        return 0;
    if ((const uint8_t *)payload != data + 1 + AVROREG_HEADER_SIZE ||
        plen != size - 1 - AVROREG_HEADER_SIZE)
        fail("the frame's payload is not the rest of the message", NULL, data, size);
    size_t slot = (uint32_t)id % TABLE_SIZE;
    decode_payload(writers[slot], with_reader ? readers[slot] : NULL, payload, plen, false, data,
                   size);
    return 0;
}
