/*
 * test_serde.c - Avro JSON <-> avro-c values (client/datum.c), resolution to
 * a reader schema (client/resolve.c), and the serializer and deserializer
 * objects (client/serde.c).
 *
 * The first parts need no registry: JSON is encoded to Avro binary through
 * avro-c generic values, the bytes compared with hand-computed encodings
 * where that is instructive, and decoded back to JSON. The last part runs the
 * real server (AVRO_REGISTRY_BIN, default build/check/bin/avro-registry) on
 * a free loopback port with a temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/client_int.h"
#include "client/datum_int.h"
#include "compat/compat.h"
#include "tests/unit/testutil.h"

/* ---- helpers --------------------------------------------------------------------- */

static struct avroreg_schema *schema_of(const char *text)
{
    struct avroreg_schema *s = NULL;
    struct avroreg_error err = {0};
    if (avroreg_schema_parse(text, strlen(text), &s, &err) != AVROREG_OK)
        fail_msg("schema does not parse: %s\n  %s", err.message, text);
    return s;
}

static const struct sr_node *root_of(const struct avroreg_schema *s)
{
    return sr_schema_root(s->model);
}

static json_t *json_of(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("bad JSON in the test: %s: %s", jerr.text, text);
    return j;
}

static char *hex(const void *data, size_t len)
{
    static char out[4096];
    const unsigned char *p = data;
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < len && n + 4 < sizeof(out); i++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%02x", i ? " " : "", p[i]);
    return out;
}

/* The fast path gives the general path's bytes (bin, when rc is AVROREG_OK)
 * or declines: always when the general path refuses the text. */
static void fast_agrees(const struct avroreg_schema *s, const char *json, enum avroreg_err rc,
                        const struct sr_buf *bin)
{
    struct sr_buf fast = SR_BUF_INIT;
    bool took = ar_json_encode(root_of(s), json, strlen(json), &fast);
    assert_false(sr_buf_failed(&fast));
    if (took && rc != AVROREG_OK)
        fail_msg("the fast path took %s, which the general path refuses", json);
    if (took && (fast.len != bin->len || (bin->len && memcmp(fast.data, bin->data, bin->len) != 0)))
        fail_msg("the fast path encodes %s as %s", json, hex(fast.data, fast.len));
    sr_buf_release(&fast);
}

/* The general path (datum.c, then avro-c) on a parsed document j: AVROREG_OK
 * and the binary in *bin, or the error (then err holds the message). */
static enum avroreg_err encode_doc(const struct avroreg_schema *s, const json_t *j,
                                   struct sr_buf *bin, struct avroreg_error *err)
{
    avro_value_t v;
    assert_int_equal(avro_generic_value_new(s->iface, &v), 0);
    enum avroreg_err rc = ar_json_to_value(root_of(s), j, &v, err);
    if (rc == AVROREG_OK) {
        size_t size = 0;
        assert_int_equal(avro_value_sizeof(&v, &size), 0);
        assert_true(sr_buf_grow(bin, size + 1));
        avro_writer_t w = avro_writer_memory(bin->data, (int64_t)size);
        assert_int_equal(avro_value_write(w, &v), 0);
        avro_writer_free(w);
        bin->len = size;
    }
    avro_value_decref(&v);
    return rc;
}

/* Encodes json with s; returns AVROREG_OK and the binary in *bin, or the
 * error (then err holds the message). */
static enum avroreg_err encode(const struct avroreg_schema *s, const char *json, struct sr_buf *bin,
                               struct avroreg_error *err)
{
    json_t *j = json_of(json);
    enum avroreg_err rc = encode_doc(s, j, bin, err);
    json_decref(j);
    fast_agrees(s, json, rc, bin);
    return rc;
}

/* Decodes bin with the writer schema into a new value. */
static avro_value_t decode_value(const struct avroreg_schema *w, const struct sr_buf *bin)
{
    avro_value_t v;
    assert_int_equal(avro_generic_value_new(w->iface, &v), 0);
    avro_reader_t r = avro_reader_memory(bin->data ? bin->data : "", (int64_t)bin->len);
    assert_int_equal(avro_value_read(r, &v), 0);
    avro_reader_free(r);
    return v;
}

/* Two JSON texts hold the same value. */
static void assert_json_same(const char *got, const char *want)
{
    json_t *a = json_of(got), *b = json_of(want);
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    if (!same)
        fail_msg("JSON differs\n  got:  %s\n  want: %s", got, want);
}

/* json encodes to want_hex (unless NULL) and decodes back to want_json (the
 * text exactly; NULL: json itself). */
static void roundtrip_as(const char *schema, const char *json, const char *want_hex,
                         const char *want_json)
{
    struct avroreg_schema *s = schema_of(schema);
    struct sr_buf bin = SR_BUF_INIT, out = SR_BUF_INIT;
    struct avroreg_error err = {0};
    if (encode(s, json, &bin, &err) != AVROREG_OK)
        fail_msg("encoding %s failed: %s", json, err.message);
    if (want_hex)
        assert_string_equal(hex(bin.data, bin.len), want_hex);
    avro_value_t v = decode_value(s, &bin);
    assert_int_equal(ar_value_to_json(root_of(s), &v, &out, &err), AVROREG_OK);
    assert_string_equal(sr_buf_str(&out), want_json ? want_json : json);
    avro_value_decref(&v);
    sr_buf_release(&bin);
    sr_buf_release(&out);
    avroreg_schema_free(s);
}

static void roundtrip(const char *schema, const char *json, const char *want_hex)
{
    roundtrip_as(schema, json, want_hex, NULL);
}

/* The end of rejects()'s needles: a typed null, as va_arg reads it (a bare NULL may be 0). */
#define END ((const char *)NULL)

/* json is rejected with AVROREG_ERR_INVALID_DATUM and a message containing
 * each of the needles, which END closes. */
static void rejects(const char *schema, const char *json, ...)
{
    struct avroreg_schema *s = schema_of(schema);
    struct sr_buf bin = SR_BUF_INIT;
    struct avroreg_error err = {0};
    enum avroreg_err rc = encode(s, json, &bin, &err);
    if (rc != AVROREG_ERR_INVALID_DATUM)
        fail_msg("expected INVALID_DATUM for %s, got %d (%s)", json, rc, err.message);
    va_list ap;
    va_start(ap, json);
    for (const char *needle; (needle = va_arg(ap, const char *));)
        if (!strstr(err.message, needle))
            fail_msg("error \"%s\" does not mention \"%s\"", err.message, needle);
    va_end(ap);
    sr_buf_release(&bin);
    avroreg_schema_free(s);
}

/* json written with writer, read with reader: the reader's JSON, or the error. */
static enum avroreg_err resolve_text(const char *writer, const char *reader, const char *json,
                                     struct sr_buf *out, struct avroreg_error *err)
{
    struct avroreg_schema *w = schema_of(writer), *r = schema_of(reader);
    struct sr_buf bin = SR_BUF_INIT;
    if (encode(w, json, &bin, err) != AVROREG_OK)
        fail_msg("encoding %s failed: %s", json, err->message);
    avro_value_t v = decode_value(w, &bin);
    enum avroreg_err rc = ar_resolve_to_json(root_of(r), root_of(w), &v, out, err);
    avro_value_decref(&v);
    sr_buf_release(&bin);
    avroreg_schema_free(w);
    avroreg_schema_free(r);
    return rc;
}

static void resolves(const char *writer, const char *reader, const char *json, const char *want)
{
    struct sr_buf out = SR_BUF_INIT;
    struct avroreg_error err = {0};
    if (resolve_text(writer, reader, json, &out, &err) != AVROREG_OK)
        fail_msg("resolution failed: %s", err.message);
    assert_string_equal(sr_buf_str(&out), want);
    sr_buf_release(&out);
}

static void resolve_fails(const char *writer, const char *reader, const char *json,
                          enum avroreg_err want, const char *needle)
{
    struct sr_buf out = SR_BUF_INIT;
    struct avroreg_error err = {0};
    enum avroreg_err rc = resolve_text(writer, reader, json, &out, &err);
    if (rc != want)
        fail_msg("expected error %d, got %d (%s) output %s", want, rc, err.message,
                 sr_buf_str(&out));
    if (!strstr(err.message, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.message, needle);
    sr_buf_release(&out);
}

/* ---- JSON <-> binary, per type ------------------------------------------------------ */

static void test_null_boolean(void **state)
{
    (void)state;
    roundtrip("\"null\"", "null", "");
    roundtrip("\"boolean\"", "true", "01");
    roundtrip("\"boolean\"", "false", "00");
}

static void test_int(void **state)
{
    (void)state;
    roundtrip("\"int\"", "0", "00");
    roundtrip("\"int\"", "1", "02");
    roundtrip("\"int\"", "-1", "01");
    roundtrip("\"int\"", "64", "80 01");
    roundtrip("\"int\"", "2147483647", "fe ff ff ff 0f");
    roundtrip("\"int\"", "-2147483648", "ff ff ff ff 0f");
}

static void test_long(void **state)
{
    (void)state;
    roundtrip("\"long\"", "-1", "01");
    roundtrip("\"long\"", "9223372036854775807", "fe ff ff ff ff ff ff ff ff 01");
    roundtrip("\"long\"", "-9223372036854775808", "ff ff ff ff ff ff ff ff ff 01");
}

static void test_float_double(void **state)
{
    (void)state;
    roundtrip("\"float\"", "1.5", "00 00 c0 3f");
    roundtrip("\"float\"", "0.1", NULL);
    roundtrip("\"float\"", "-0.0", "00 00 00 80");
    roundtrip("\"float\"", "3.4028235E38", NULL); /* FLT_MAX */
    roundtrip("\"float\"", "1.4E-45", NULL);      /* the least subnormal, as Java prints it */
    roundtrip_as("\"float\"", "2", "00 00 00 40", "2.0");
    roundtrip("\"double\"", "1.5", "00 00 00 00 00 00 f8 3f");
    roundtrip("\"double\"", "0.1", NULL);
    roundtrip("\"double\"", "1.0E300", NULL);
    roundtrip("\"double\"", "2.2250738585072014E-308", NULL);
    roundtrip("\"double\"", "-1.7976931348623157E308", NULL);
    roundtrip_as("\"double\"", "-7", NULL, "-7.0");
    /* non-finite numbers are strings, as Avro Java writes them */
    roundtrip("\"double\"", "\"NaN\"", "00 00 00 00 00 00 f8 7f");
    roundtrip("\"double\"", "\"-Infinity\"", NULL);
    roundtrip("\"float\"", "\"Infinity\"", "00 00 80 7f");
}

static void test_string_bytes(void **state)
{
    (void)state;
    roundtrip("\"string\"", "\"a\"", "02 61");
    roundtrip("\"string\"", "\"\"", "00");
    roundtrip("\"string\"", "\"h\xc3\xa9llo \xe2\x98\x83 \xf0\x9d\x84\x9e \\\"q\\\" \\n\"", NULL);
    roundtrip("\"string\"", "\"nul\\u0000inside\"", "14 6e 75 6c 00 69 6e 73 69 64 65");
    /* the decoder writes non-ASCII characters raw in UTF-8, as Jackson does */
    roundtrip_as("\"bytes\"", "\"\\u00ff\\u0000a\"", "06 ff 00 61", "\"\xc3\xbf\\u0000a\"");
    roundtrip_as("\"bytes\"", "\"\\u00e9\"", "02 e9", "\"\xc3\xa9\"");
    roundtrip("\"bytes\"", "\"\\u0000\\u001F\x7f \\\"\"", "0a 00 1f 7f 20 22");
}

static void test_bytes_all_values(void **state)
{
    (void)state;
    char json[256 * 6 + 3];
    size_t n = 0;
    json[n++] = '"';
    for (int i = 0; i < 256; i++)
        n += (size_t)snprintf(json + n, sizeof(json) - n, "\\u%04x", i);
    json[n++] = '"';
    json[n] = '\0';
    struct avroreg_schema *s = schema_of("\"bytes\"");
    struct sr_buf bin = SR_BUF_INIT, out = SR_BUF_INIT;
    struct avroreg_error err = {0};
    assert_int_equal(encode(s, json, &bin, &err), AVROREG_OK);
    /* length 256 zig-zags to 512 = 0x80 0x04, then the bytes 0..255 */
    assert_int_equal(bin.len, 258);
    assert_int_equal((unsigned char)bin.data[0], 0x80);
    assert_int_equal((unsigned char)bin.data[1], 0x04);
    for (int i = 0; i < 256; i++)
        assert_int_equal((unsigned char)bin.data[2 + i], i);
    avro_value_t v = decode_value(s, &bin);
    assert_int_equal(ar_value_to_json(root_of(s), &v, &out, &err), AVROREG_OK);
    assert_json_same(sr_buf_str(&out), json);
    avro_value_decref(&v);
    sr_buf_release(&bin);
    sr_buf_release(&out);
    avroreg_schema_free(s);
}

static void test_enum_fixed(void **state)
{
    (void)state;
    const char *e = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}";
    roundtrip(e, "\"A\"", "00");
    roundtrip(e, "\"C\"", "04");
    const char *f = "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}";
    roundtrip(f, "\"abcd\"", "61 62 63 64");
    roundtrip(f, "\"\\u0000\\u0001\x7f\\u001F\"", "00 01 7f 1f");
}

static void test_array_map(void **state)
{
    (void)state;
    roundtrip("{\"type\":\"array\",\"items\":\"int\"}", "[1,2]", "04 02 04 00");
    roundtrip("{\"type\":\"array\",\"items\":\"int\"}", "[]", "00");
    roundtrip("{\"type\":\"map\",\"values\":\"int\"}", "{\"a\":1}", "02 02 61 02 00");
    roundtrip("{\"type\":\"map\",\"values\":\"int\"}", "{}", "00");
    /* map entries keep their order */
    roundtrip("{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"string\"}}",
              "{\"z\":[\"x\"],\"a\":[],\"m\":[\"1\",\"2\"]}", NULL);
    roundtrip("{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"null\"}}",
              "[{\"k\":null},{}]", NULL);
}

/* Found by tests/fuzz/fuzz_frame.c: avro-c cannot decode a fixed of size 0 nor
 * an array of records without fields (it allocates their zero bytes and takes
 * the NULL back for out of memory); client/schema.c holds them as nulls. */
static const char zero_bytes_schema[] =
    "{\"type\":\"record\",\"name\":\"Z\",\"fields\":["
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\","
    "\"name\":\"F0\",\"size\":0}}},"
    "{\"name\":\"r\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"E\",\"fields\":[]}}},"
    "{\"name\":\"w\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"W\",\"fields\":[{\"name\":\"e\",\"type\":\"E\"}]}}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"F0\",\"E\",\"int\"]}]}";

static void test_zero_byte_types(void **state)
{
    (void)state;
    roundtrip("{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}", "\"\"", "");
    roundtrip("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\","
              "\"fields\":[]}}",
              "[{},{}]", "04 00");
    roundtrip(zero_bytes_schema,
              "{\"a\":[null,null,null],\"m\":{\"x\":\"\",\"y\":\"\"},\"r\":[{},{}],"
              "\"w\":[{\"e\":{}}],\"u\":{\"E\":{}}}",
              "06 00 04 02 78 02 79 00 04 00 02 00 04");
    roundtrip(zero_bytes_schema, "{\"a\":[],\"m\":{},\"r\":[],\"w\":[],\"u\":{\"F0\":\"\"}}",
              "00 00 00 00 02");
    roundtrip(zero_bytes_schema, "{\"a\":[],\"m\":{},\"r\":[],\"w\":[],\"u\":{\"int\":7}}",
              "00 00 00 00 06 0e");
    rejects("{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}", "\"a\"", "holds 0 bytes", END);
    /* read with a reader that adds a field to the empty record */
    resolves("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\","
             "\"fields\":[]}}",
             "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\","
             "\"fields\":[{\"name\":\"x\",\"type\":\"int\",\"default\":3}]}}",
             "[{},{}]", "[{\"x\":3},{\"x\":3}]");
    resolves("{\"type\":\"map\",\"values\":{\"type\":\"fixed\",\"name\":\"F0\",\"size\":0}}",
             "{\"type\":\"map\",\"values\":[\"null\",{\"type\":\"fixed\",\"name\":\"F0\","
             "\"size\":0}]}",
             "{\"k\":\"\"}", "{\"k\":{\"F0\":\"\"}}");
}

static const char nested_schema[] =
    "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"ns\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
    "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"d\",\"type\":\"double\"}]}},"
    "{\"name\":\"list\",\"type\":{\"type\":\"array\",\"items\":\"Inner\"}},"
    "{\"name\":\"opt\",\"type\":[\"null\",\"Inner\",\"string\"]}]}";

static void test_records(void **state)
{
    (void)state;
    roundtrip("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
              "{\"name\":\"b\",\"type\":\"string\"}]}",
              "{\"a\":1,\"b\":\"a\"}", "02 02 61");
    roundtrip(nested_schema,
              "{\"id\":5,\"inner\":{\"s\":\"x\",\"d\":0.5},\"list\":[{\"s\":\"y\",\"d\":-1.0E-7}],"
              "\"opt\":{\"ns.Inner\":{\"s\":\"z\",\"d\":2.0}}}",
              NULL);
    /* member order in the input does not matter; the output follows the schema */
    roundtrip_as(nested_schema,
                 "{\"opt\":null,\"list\":[],\"inner\":{\"d\":1,\"s\":\"\"},\"id\":-3}", NULL,
                 "{\"id\":-3,\"inner\":{\"s\":\"\",\"d\":1.0},\"list\":[],\"opt\":null}");
}

static void test_unions(void **state)
{
    (void)state;
    const char *u = "[\"null\",\"string\",\"int\"]";
    roundtrip(u, "null", "00");
    roundtrip(u, "{\"string\":\"a\"}", "02 02 61");
    roundtrip(u, "{\"int\":1}", "04 02");
    /* {"null": null} names the null branch too; it decodes to the plain null */
    roundtrip_as(u, "{\"null\":null}", "00", "null");
    roundtrip("[\"int\",{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"map\",\"values\":"
              "\"int\"}]",
              "{\"map\":{\"k\":1}}", "04 02 02 6b 02 00");
    /* named branches go by their full names */
    roundtrip("[\"null\",{\"type\":\"record\",\"name\":\"a.R\",\"fields\":[{\"name\":\"x\","
              "\"type\":\"int\"}]},{\"type\":\"enum\",\"name\":\"b.E\",\"symbols\":[\"S\"]},"
              "{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}]",
              "{\"b.E\":\"S\"}", "04 00");
    roundtrip_as("[\"null\",{\"type\":\"record\",\"name\":\"a.R\",\"fields\":[{\"name\":\"x\","
                 "\"type\":\"int\"}]},{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}]",
                 "{\"F\":\"\\u0080\"}", "04 80", "{\"F\":\"\xc2\x80\"}");
}

static void test_logical_types(void **state)
{
    (void)state;
    roundtrip_as("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}",
                 "\"\\u0001\\u00e2@\"", "06 01 e2 40", "\"\\u0001\xc3\xa2@\"");
    roundtrip_as("{\"type\":\"fixed\",\"name\":\"Dec\",\"size\":2,\"logicalType\":\"decimal\","
                 "\"precision\":4,\"scale\":1}",
                 "\"\\u00ff\\u0010\"", "ff 10", "\"\xc3\xbf\\u0010\"");
    roundtrip("{\"type\":\"int\",\"logicalType\":\"date\"}", "19000", "f0 a8 02");
    roundtrip("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", "1700000000000", NULL);
    roundtrip("{\"type\":\"string\",\"logicalType\":\"uuid\"}",
              "\"123e4567-e89b-12d3-a456-426614174000\"", NULL);
    roundtrip("{\"type\":\"record\",\"name\":\"L\",\"fields\":["
              "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
              "{\"name\":\"t\",\"type\":[\"null\",{\"type\":\"long\","
              "\"logicalType\":\"timestamp-micros\"}]}]}",
              "{\"d\":-1,\"t\":{\"long\":1}}", "01 02 02");
}

static const char list_schema[] =
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";

static void test_recursive(void **state)
{
    (void)state;
    roundtrip(list_schema, "{\"v\":1,\"next\":{\"Node\":{\"v\":2,\"next\":null}}}", "02 02 04 00");
    /* a longer list, built programmatically */
    struct sr_buf json = SR_BUF_INIT;
    for (int i = 0; i < 300; i++)
        sr_buf_addf(&json, "{\"v\":%d,\"next\":%s", i, i == 299 ? "null" : "{\"Node\":");
    for (int i = 0; i < 300; i++)
        sr_buf_adds(&json, i == 0 ? "}" : "}}");
    roundtrip(list_schema, sr_buf_str(&json), NULL);
    sr_buf_release(&json);
}

/* ---- invalid datums ------------------------------------------------------------------ */

static const char rec_schema[] =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"int\"]},"
    "{\"name\":\"b\",\"type\":\"bytes\"},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":"
    "\"float\"}}}]}";

static void test_invalid_datums(void **state)
{
    (void)state;
    rejects(rec_schema, "{\"i\":\"x\",\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[]}",
            "expected int, got a string", "at /i", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"a\":[]}", "missing field \"b\"", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[],\"zz\":1}",
            "no field \"zz\"", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"C\",\"u\":null,\"b\":\"\",\"a\":[]}",
            "\"C\" is not a symbol of enum E", "at /e", END);
    rejects(rec_schema, "{\"i\":2147483648,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[]}",
            "2147483648 is out of range for int", END);
    rejects(rec_schema, "{\"i\":-2147483649,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[]}",
            "out of range for int", END);
    rejects(rec_schema, "{\"i\":1.5,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[]}",
            "expected int, got a real number", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":{\"long\":1},\"b\":\"\",\"a\":[]}",
            "\"long\" is not a branch", "[null, int]", "at /u", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":1,\"b\":\"\",\"a\":[]}", "got an integer",
            "{\"<branch>\": value}", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":{\"int\":1,\"null\":null},\"b\":\"\",\"a\":[]}",
            "union", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"b\":\"a\xc4\x80\",\"a\":[]}",
            "U+0100 at index 1 is not a byte", "at /b", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"b\":\"\xe2\x82\xac\",\"a\":[]}",
            "U+20AC", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[{},{\"k\":true}]}",
            "expected float, got a boolean", "at /a/1/k", END);
    rejects(rec_schema, "{\"i\":1,\"e\":\"A\",\"u\":null,\"b\":\"\",\"a\":[{\"k\":1e39}]}",
            "out of range for float", END);
    rejects(rec_schema, "[]", "expected record R, got an array", "at /", END);
    rejects("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"abc\"", "holds 2 bytes, got 3",
            END);
    rejects("\"null\"", "0", "expected null", END);
    rejects("\"boolean\"", "\"true\"", "expected boolean", END);
    rejects("\"long\"", "1.0", "expected long", END);
    rejects("\"string\"", "1", "expected string", END);
    rejects("\"double\"", "\"nan\"", "expected double", END);
    rejects(list_schema,
            "{\"v\":1,\"next\":{\"Node\":{\"v\":2,\"next\":{\"Node\":{\"v\":\"3\"}}}}}",
            "at /next/Node/next/Node/v", END);
    /* JSON pointer escapes in the path */
    rejects("{\"type\":\"map\",\"values\":\"int\"}", "{\"a/b~c\":null}", "at /a~1b~0c", END);
}

/* jansson's parser refuses U+0000 in member names, but a program can build
 * such a map; avro-c would cut the key short. */
static void test_nul_map_key(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of("{\"type\":\"map\",\"values\":\"int\"}");
    json_t *j = json_object();
    json_object_set_new(j, "a", json_integer(1));
    json_object_setn_new(j, "a\0b", 3, json_integer(2));
    avro_value_t v;
    assert_int_equal(avro_generic_value_new(s->iface, &v), 0);
    struct avroreg_error err = {0};
    assert_int_equal(ar_json_to_value(root_of(s), j, &v, &err), AVROREG_ERR_INVALID_DATUM);
    assert_non_null(strstr(err.message, "map keys cannot contain U+0000"));
    avro_value_decref(&v);
    json_decref(j);
    avroreg_schema_free(s);
}

/* ---- the fast path of the JSON encoder (client/jsonenc.c) ---------------------------- */

/* The general path on any text, valid JSON or not: jansson, datum.c, avro-c.
 * true with the bytes in bin when it encodes the text. */
static bool general_encode(const struct avroreg_schema *s, const char *text, size_t len,
                           struct sr_buf *bin)
{
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!j)
        return false;
    struct avroreg_error err = {0};
    bool ok = encode_doc(s, j, bin, &err) == AVROREG_OK;
    json_decref(j);
    return ok;
}

/* Texts the general path encoded, counted by fast_check(). */
static size_t fast_general_ok;

/* The fast path on text: the general path's bytes, or it declines; it must
 * decline what the general path refuses. Returns whether it took the text. */
static bool fast_check(const struct avroreg_schema *s, const char *text, size_t len)
{
    struct sr_buf fast = SR_BUF_INIT, slow = SR_BUF_INIT;
    bool took = ar_json_encode(root_of(s), text, len, &fast);
    bool ok = general_encode(s, text, len, &slow);
    fast_general_ok += ok;
    if (took && !ok)
        fail_msg("the fast path takes %.*s, which the general path refuses", (int)len, text);
    if (took && (fast.len != slow.len || (slow.len && memcmp(fast.data, slow.data, slow.len) != 0)))
        fail_msg("the fast path encodes %.*s as %s", (int)len, text, hex(fast.data, fast.len));
    sr_buf_release(&fast);
    sr_buf_release(&slow);
    return took;
}

static const char every_type_schema[] =
    "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F3\",\"size\":3}},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\",{\"type\":\"record\",\"name\":\"P\","
    "\"fields\":[{\"name\":\"x\",\"type\":\"double\"},{\"name\":\"y\",\"type\":\"E\"}]}]},"
    "{\"name\":\"r\",\"type\":\"P\"}]}";

/* Valid data in many spellings: each is taken, and encodes as the general path does. */
static void test_fast_path_takes(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(every_type_schema);
    const char *texts[] = {
        "{\"n\":null,\"b\":true,\"i\":1,\"l\":2,\"f\":1.5,\"d\":2.5,\"s\":\"x\",\"by\":\"\","
        "\"fx\":\"abc\",\"e\":\"A\",\"a\":[],\"m\":{},\"u\":null,\"r\":{\"x\":0,\"y\":\"B\"}}",
        /* white space everywhere, members in another order */
        " { \"r\" : { \"y\" : \"A\" , \"x\" : -0.0 } , \"u\" : { \"t.P\" : { \"x\" : 1e300 , "
        "\"y\" : \"B\" } } , \"m\" : { \"k\" : \"v\" , \"k2\" : \"\" } , \"a\" : [ 1 , -2 , 3 ] ,"
        " \"e\" : \"B\" , \"fx\" : \"\\u0000\\u00ff\\u0041\" , \"by\" : \"\\u00e9t\\u00e9\" , "
        "\"s\" : \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\ud83d\\ude00\xc3\xa9\xe2\x82\xac\xf0\x9f\x98"
        "\x80\" , \"d\" : 123456789012345678901234567890.0 , \"f\" : 3.4028235E38 , \"l\" : "
        "-9223372036854775808 , \"i\" : 2147483647 , \"b\" : false , \"n\" : null }\n\t\r",
        /* numbers of every shape */
        "{\"n\":null,\"b\":true,\"i\":-2147483648,\"l\":9223372036854775807,\"f\":\"NaN\","
        "\"d\":\"-Infinity\",\"s\":\"\",\"by\":\"\",\"fx\":\"\\u0001\\u0002\\u0003\",\"e\":\"A\","
        "\"a\":[0,-0,10,1],\"m\":{\"\\u00e9\":\"\\u00e9\"},\"u\":{\"int\":-5},"
        "\"r\":{\"x\":0.1e-5,\"y\":\"A\"}}",
        "{\"n\":null,\"b\":true,\"i\":0,\"l\":0,\"f\":1E+2,\"d\":1.7976931348623157e308,\"s\":\"\","
        "\"by\":\"\",\"fx\":\"xyz\",\"e\":\"A\",\"a\":[],\"m\":{},\"u\":{\"string\":\"\"},"
        "\"r\":{\"x\":4.9e-324,\"y\":\"A\"}}",
        "{\"n\":null,\"b\":true,\"i\":0,\"l\":0,\"f\":-7,\"d\":0.30000000000000004,\"s\":\"\","
        "\"by\":\"\",\"fx\":\"xyz\",\"e\":\"A\",\"a\":[],\"m\":{},\"u\":{\"null\":null},"
        "\"r\":{\"x\":1e-400,\"y\":\"A\"}}",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
        if (!fast_check(s, texts[i], strlen(texts[i])))
            fail_msg("the fast path declines valid data: %s", texts[i]);
    avroreg_schema_free(s);
}

/* What the general path refuses, the fast path declines; and some valid data
 * it leaves to the general path on purpose. */
static void test_fast_path_declines(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(every_type_schema);
    const char *pre = "{\"n\":null,\"b\":true,\"i\":1,\"l\":2,\"f\":1.5,\"d\":2.5,\"s\":";
    const char *post = ",\"by\":\"\",\"fx\":\"abc\",\"e\":\"A\",\"a\":[],\"m\":{},\"u\":null,"
                       "\"r\":{\"x\":0,\"y\":\"B\"}}";
    const char *strings[] = {
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\xc0\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xff\"",
        "\"a\x01\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"abc",
        "'abc'",
        "null",
        "1",
    };
    char text[512];
    for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
        int n = snprintf(text, sizeof(text), "%s%s%s", pre, strings[i], post);
        if (fast_check(s, text, (size_t)n))
            fail_msg("the fast path takes %s", text);
    }
    const char *whole[] = {
        "",
        " ",
        "{}",
        "[]",
        "nul",
        "{\"n\":null} x",
        /* a member twice: jansson keeps the last */
        "{\"type\":\"map\"}",
    };
    for (size_t i = 0; i < sizeof(whole) / sizeof(*whole); i++)
        if (fast_check(s, whole[i], strlen(whole[i])))
            fail_msg("the fast path takes %s", whole[i]);
    avroreg_schema_free(s);

    struct {
        const char *schema, *text;
    } cases[] = {
        {"\"int\"", "2147483648"},
        {"\"int\"", "1.0"},
        {"\"long\"", "9223372036854775808"},
        {"\"long\"", "-9223372036854775809"},
        {"\"long\"", "01"},
        {"\"long\"", "-"},
        {"\"long\"", "1e2"},
        {"\"double\"", "1e400"},
        {"\"double\"", "-1e400"},
        {"\"double\"", "1."},
        {"\"double\"", ".5"},
        {"\"double\"", "+1"},
        {"\"double\"", "\"nan\""},
        {"\"float\"", "1e39"},
        {"\"boolean\"", "tru"},
        {"\"boolean\"", "truex"},
        {"\"null\"", "null null"},
        {"{\"type\":\"map\",\"values\":\"int\"}", "{\"a\":1,\"a\":2}"},
        {"{\"type\":\"map\",\"values\":\"int\"}", "{\"a\\u0000b\":1}"},
        {"{\"type\":\"map\",\"values\":\"int\"}", "{\"a\":1,}"},
        {"{\"type\":\"array\",\"items\":\"int\"}", "[1,]"},
        {"{\"type\":\"array\",\"items\":\"int\"}", "[1 2]"},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\"A\\u0000x\""},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\"B\""},
        {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"abc\""},
        {"\"bytes\"", "\"\\u0100\""},
        {"[\"null\",\"int\"]", "{\"int\":1,\"int\":2}"},
        {"[\"null\",\"int\"]", "{\"long\":1}"},
        {"[\"null\",\"int\"]", "{}"},
        {"[\"int\",\"string\"]", "null"},
        {"[\"null\",\"int\"]", "5"},
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
         "{\"name\":\"b\",\"type\":\"int\"}]}",
         "{\"b\":1,\"a\":2,\"b\":3}"},
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
         "{\"a\":1,\"a\":2}"},
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
         "{\"a\":1,\"z\":2}"},
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
         "{}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct avroreg_schema *c = schema_of(cases[i].schema);
        if (fast_check(c, cases[i].text, strlen(cases[i].text)))
            fail_msg("the fast path takes %s as %s", cases[i].text, cases[i].schema);
        avroreg_schema_free(c);
    }
}

/* Random edits of valid texts: whatever either path makes of them, they agree. */
static void test_fast_path_mutations(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(every_type_schema);
    static const char base[] =
        "{\"n\":null,\"b\":true,\"i\":12,\"l\":-34,\"f\":1.5e3,\"d\":-2.25E-3,\"s\":\"a\\u00e9\\n"
        "\xe2\x82\xac\",\"by\":\"\\u00ff\",\"fx\":\"abc\",\"e\":\"A\",\"a\":[1,2],"
        "\"m\":{\"k\":\"v\"},\"u\":{\"t.P\":{\"x\":1,\"y\":\"B\"}},\"r\":{\"x\":0.5,\"y\":\"A\"}}";
    static const char alphabet[] = "{}[]\":,\\ 0123456789.eE+-tnfulrsax\xc3\xa9";
    uint64_t seed = 0x1234567;
    size_t taken = 0, valid_before = fast_general_ok;
    if (!fast_check(s, base, sizeof base - 1))
        fail_msg("the fast path declines %s", base);
    char text[1024];
    for (int round = 0; round < 20000; round++) {
        size_t len = sizeof base - 1;
        memcpy(text, base, len);
        int edits = 1 + round % 3;
        for (int k = 0; k < edits; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t at = (size_t)(seed >> 33) % (len + 1);
            char c = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
            switch ((seed >> 10) % 3) {
            case 0: /* insert */
                if (len + 1 < sizeof(text)) {
                    memmove(text + at + 1, text + at, len - at);
                    text[at] = c;
                    len++;
                }
                break;
            case 1: /* delete */
                if (at < len) {
                    memmove(text + at, text + at + 1, len - at - 1);
                    len--;
                }
                break;
            default: /* replace */
                if (at < len)
                    text[at] = c;
                break;
            }
        }
        taken += fast_check(s, text, len);
    }
    /* edits inside strings and numbers leave some texts valid; the fast path
     * takes every one of them but for a duplicate member now and then */
    size_t valid = fast_general_ok - valid_before;
    assert_true(valid > 500);
    assert_true(taken * 100 >= valid * 95);
    avroreg_schema_free(s);
}

/* Numbers as printf writes them, for every numeric type. */
static void test_fast_path_numbers(void **state)
{
    (void)state;
    const char *schemas[] = {"\"int\"", "\"long\"", "\"float\"", "\"double\""};
    struct avroreg_schema *s[4];
    for (int k = 0; k < 4; k++)
        s[k] = schema_of(schemas[k]);
    uint64_t x = 88172645463325252u;
    char text[64];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        uint64_t bits = x;
        memcpy(&d, &bits, sizeof(d));
        int n;
        switch (i % 6) {
        case 0:
            n = snprintf(text, sizeof(text), "%.17g", d);
            break;
        case 1:
            n = snprintf(text, sizeof(text), "%.*e", (int)(x % 20), (double)(int64_t)x / 1e9);
            break;
        case 2:
            n = snprintf(text, sizeof(text), "%.*f", (int)(x % 8), (double)(x % 100000000) / 7.0);
            break;
        case 3:
            n = snprintf(text, sizeof(text), "%" PRId64, (int64_t)x >> (x % 64));
            break;
        case 4:
            n = snprintf(text, sizeof(text), "%.9g", (double)(float)((double)(x % 1000000) / 100));
            break;
        default:
            n = snprintf(text, sizeof(text), "%" PRIu64 "E%d", x % 1000, (int)(x % 700) - 350);
            break;
        }
        for (int k = 0; k < 4; k++)
            fast_check(s[k], text, (size_t)n);
    }
    for (int k = 0; k < 4; k++)
        avroreg_schema_free(s[k]);
}

/* ---- resolution ------------------------------------------------------------------------ */

static void test_resolve_fields(void **state)
{
    (void)state;
    const char *w = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                    "\"int\"},{\"name\":\"gone\",\"type\":\"string\"}]}";
    const char *r =
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"s\",\"type\":\"string\",\"default\":\"x\"},"
        "{\"name\":\"a\",\"type\":\"int\"},"
        "{\"name\":\"n\",\"type\":[\"null\",\"int\"],\"default\":null},"
        "{\"name\":\"m\",\"type\":[\"string\",\"null\"],\"default\":\"dflt\"},"
        "{\"name\":\"late\",\"type\":[\"null\",\"long\"],\"default\":5},"
        "{\"name\":\"b\",\"type\":\"bytes\",\"default\":\"\\u00ff\"},"
        "{\"name\":\"f\",\"type\":\"float\",\"default\":1.1},"
        "{\"name\":\"p\",\"type\":{\"type\":\"record\",\"name\":\"P\",\"fields\":["
        "{\"name\":\"x\",\"type\":\"int\"},"
        "{\"name\":\"y\",\"type\":[\"null\",\"int\"],\"default\":null},"
        "{\"name\":\"z\",\"type\":{\"type\":\"enum\",\"name\":\"Z\",\"symbols\":[\"Q\"]},"
        "\"default\":\"Q\"}]},"
        "\"default\":{\"x\":1,\"y\":2}},"
        "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"P\"]},"
        "\"default\":[null,{\"x\":3}]}]}";
    /* writer-only "gone" is dropped; every reader-only field takes its default,
     * union defaults wrapped in their branch */
    resolves(w, r, "{\"a\":7,\"gone\":\"?\"}",
             "{\"s\":\"x\",\"a\":7,\"n\":null,\"m\":{\"string\":\"dflt\"},\"late\":{\"long\":5},"
             "\"b\":\"\xc3\xbf\",\"f\":1.1,\"p\":{\"x\":1,\"y\":{\"int\":2},\"z\":\"Q\"},"
             "\"arr\":[null,{\"P\":{\"x\":3,\"y\":null,\"z\":\"Q\"}}]}");
    /* a reader field without a default that the writer lacks */
    resolve_fails(w,
                  "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                  "\"int\"},{\"name\":\"c\",\"type\":\"int\"}]}",
                  "{\"a\":7,\"gone\":\"?\"}", AVROREG_ERR_INCOMPATIBLE, "\"c\"");
}

static void test_resolve_alias(void **state)
{
    (void)state;
    resolves("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"old\",\"type\":\"int\"},"
             "{\"name\":\"k\",\"type\":\"int\"}]}",
             "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"k\",\"type\":\"long\"},"
             "{\"name\":\"new\",\"type\":\"int\",\"aliases\":[\"older\",\"old\"]}]}",
             "{\"old\":4,\"k\":9}", "{\"k\":9,\"new\":4}");
}

static void test_resolve_promotions(void **state)
{
    (void)state;
    resolves("\"int\"", "\"long\"", "-5", "-5");
    resolves("\"int\"", "\"double\"", "3", "3.0");
    resolves("\"int\"", "\"float\"", "16777217", "1.6777216E7");
    resolves("\"long\"", "\"float\"", "123456789", "1.2345679E8");
    resolves("\"long\"", "\"double\"", "9007199254740993", "9.007199254740992E15");
    resolves("\"float\"", "\"double\"", "1.1", "1.100000023841858");
    resolves("\"float\"", "\"double\"", "\"NaN\"", "\"NaN\"");
    resolves("\"string\"", "\"bytes\"", "\"\xc3\xa9!\"", "\"\xc3\x83\xc2\xa9!\"");
    resolves("\"bytes\"", "\"string\"", "\"\\u00c3\\u00a9!\"", "\"\xc3\xa9!\"");
    /* bytes that are not UTF-8 become U+FFFD, as Java's decoder does */
    resolves("\"bytes\"", "\"string\"", "\"a\\u00ff\\u00e2\\u0082b\"",
             "\"a\xef\xbf\xbd\xef\xbf\xbd"
             "b\"");
    resolves("{\"type\":\"array\",\"items\":\"int\"}", "{\"type\":\"array\",\"items\":\"double\"}",
             "[1,2]", "[1.0,2.0]");
    resolves("{\"type\":\"map\",\"values\":\"string\"}", "{\"type\":\"map\",\"values\":\"bytes\"}",
             "{\"k\":\"v\"}", "{\"k\":\"v\"}");
    resolve_fails("\"string\"", "\"int\"", "\"x\"", AVROREG_ERR_INCOMPATIBLE,
                  "reader type int cannot read writer type string");
    resolve_fails("\"double\"", "\"float\"", "1.0", AVROREG_ERR_INCOMPATIBLE, "float");
}

static void test_resolve_enums(void **state)
{
    (void)state;
    const char *w = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}";
    const char *r =
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"B\",\"A\"],\"default\":\"A\"}";
    resolves(w, r, "\"B\"", "\"B\"");
    resolves(w, r, "\"C\"", "\"A\"");
    const char *strict = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}";
    resolves(w, strict, "\"A\"", "\"A\"");
    resolve_fails(w, strict, "\"C\"", AVROREG_ERR_INCOMPATIBLE, "\"C\" is not in reader enum E");
}

static void test_resolve_unions(void **state)
{
    (void)state;
    /* non-union writer, union reader: exact type first, then promotion */
    resolves("\"int\"", "[\"null\",\"long\",\"int\"]", "5", "{\"int\":5}");
    resolves("\"int\"", "[\"null\",\"double\",\"long\"]", "5", "{\"double\":5.0}");
    resolves("\"null\"", "[\"int\",\"null\"]", "null", "null");
    resolves("\"string\"", "[\"null\",\"bytes\"]", "\"x\"", "{\"bytes\":\"x\"}");
    /* union writer, non-union reader: the branch written */
    resolves("[\"null\",\"int\"]", "\"long\"", "{\"int\":5}", "5");
    resolve_fails("[\"null\",\"int\"]", "\"long\"", "null", AVROREG_ERR_INCOMPATIBLE,
                  "reader type long cannot read writer type null");
    /* union to union */
    resolves("[\"null\",\"int\",\"string\"]", "[\"string\",\"long\",\"null\"]", "{\"int\":5}",
             "{\"long\":5}");
    resolves("[\"null\",\"int\",\"string\"]", "[\"string\",\"long\",\"null\"]", "null", "null");
    /* named branches: a record renamed through an alias, a namespace change */
    resolves("{\"type\":\"record\",\"name\":\"w.Old\",\"fields\":[{\"name\":\"x\",\"type\":"
             "\"int\"}]}",
             "[\"null\",{\"type\":\"record\",\"name\":\"w.New\",\"aliases\":[\"Old\"],"
             "\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}]",
             "{\"x\":1}", "{\"w.New\":{\"x\":1}}");
    resolves("[\"null\",{\"type\":\"record\",\"name\":\"a.P\",\"fields\":[{\"name\":\"x\","
             "\"type\":\"int\"}]}]",
             "[\"null\",{\"type\":\"record\",\"name\":\"b.P\",\"fields\":[{\"name\":\"y\","
             "\"type\":\"int\"}]},{\"type\":\"record\",\"name\":\"c.P\","
             "\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}]",
             "{\"a.P\":{\"x\":1}}", "{\"c.P\":{\"x\":1}}");
    resolve_fails("\"int\"", "[\"null\",\"string\"]", "1", AVROREG_ERR_INCOMPATIBLE,
                  "no branch of the reader union can read writer type int");
}

static void test_resolve_recursive(void **state)
{
    (void)state;
    const char *r =
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
        "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]},"
        "{\"name\":\"tag\",\"type\":\"string\",\"default\":\"t\"}]}";
    resolves(list_schema, r, "{\"v\":1,\"next\":{\"Node\":{\"v\":2,\"next\":null}}}",
             "{\"v\":1,\"next\":{\"Node\":{\"v\":2,\"next\":null,\"tag\":\"t\"}},\"tag\":\"t\"}");
    resolves(list_schema, list_schema, "{\"v\":1,\"next\":null}", "{\"v\":1,\"next\":null}");
}

static void test_resolve_same_schema_fixed(void **state)
{
    (void)state;
    resolves("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}",
             "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"\\u0001\\u00ff\"",
             "\"\\u0001\xc3\xbf\"");
    resolve_fails("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}",
                  "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}", "\"ab\"",
                  AVROREG_ERR_INCOMPATIBLE, "holds 3 bytes");
}

/* ---- serializer and deserializer against the real server ---------------------------- */

struct server {
    pid_t pid;
    char dir[64];
    char db[96];
    char url[64];
    struct avroreg_client *client;
};

static struct server srv;

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static bool server_ready(void)
{
    long status = 0;
    char *body = NULL;
    enum avroreg_err rc =
        avroreg_client_request(srv.client, "GET", "/health/ready", NULL, &status, &body, NULL);
    free(body);
    return rc == AVROREG_OK && status == 200;
}

static void server_exec(int port)
{
    const char *bin = getenv("AVRO_REGISTRY_BIN");
    char port_s[16];
    snprintf(port_s, sizeof(port_s), "%d", port);
    if (!bin)
        bin = "build/check/bin/avro-registry";
    execl(bin, bin, "--listen", "127.0.0.1", "--port", port_s, "--db", srv.db, "--log-level",
          "error", (char *)NULL);
    _exit(127);
}

/* Starts the server and waits up to 20 s for it to answer /health/ready. */
static int server_start(void **state)
{
    (void)state;
    if (!tu_tempdir(srv.dir, sizeof(srv.dir), "test_serde."))
        return -1;
    snprintf(srv.db, sizeof(srv.db), "%s/registry.db", srv.dir);
    int port = free_port();
    if (port < 0)
        return -1;
    snprintf(srv.url, sizeof(srv.url), "http://127.0.0.1:%d", port);
    struct avroreg_client_config cfg = {.url = srv.url, .timeout_ms = 5000};
    if (avroreg_client_new(&cfg, &srv.client, NULL) != AVROREG_OK)
        return -1;
    srv.pid = fork();
    if (srv.pid < 0)
        return -1;
    if (srv.pid == 0)
        server_exec(port);
    for (int i = 0; i < 400; i++) {
        if (server_ready())
            return 0;
        if (waitpid(srv.pid, NULL, WNOHANG) != 0)
            break;
        nanosleep(&(struct timespec){0, 50L * 1000 * 1000}, NULL);
    }
    fprintf(stderr, "the registry at %s did not become ready\n", srv.url);
    return -1;
}

static int server_stop(void **state)
{
    (void)state;
    int status = 0, rc = 0;
    if (srv.pid > 0) {
        kill(srv.pid, SIGTERM);
        while (waitpid(srv.pid, &status, 0) < 0 && errno == EINTR)
            ;
        /* a sanitizer report in the server makes it exit non-zero */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "the registry exited with status 0x%x\n", status);
            rc = -1;
        }
    }
    avroreg_client_free(srv.client);
    tu_tempdir_remove(srv.dir);
    return rc;
}

static const char user_schema[] =
    "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"},"
    "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

static const char user_json[] = "{\"name\":\"Ann\",\"age\":42,\"email\":{\"string\":\"a@x\"}}";

static struct avroreg_serializer *serializer(const struct avroreg_schema *s, const char *topic,
                                             const struct avroreg_serializer_config *cfg)
{
    struct avroreg_serializer *ser = NULL;
    struct avroreg_error err = {0};
    if (avroreg_serializer_new(srv.client, s, topic, cfg, &ser, &err) != AVROREG_OK)
        fail_msg("serializer_new: %s", err.message);
    return ser;
}

static struct avroreg_deserializer *deserializer(const struct avroreg_schema *reader)
{
    struct avroreg_deserializer *des = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserializer_new(srv.client, reader, &des, &err) != AVROREG_OK)
        fail_msg("deserializer_new: %s", err.message);
    return des;
}

static void frame_json(struct avroreg_serializer *ser, const char *json, unsigned char **msg,
                       size_t *len)
{
    struct avroreg_error err = {0};
    if (avroreg_serialize_json(ser, json, strlen(json), msg, len, &err) != AVROREG_OK)
        fail_msg("serialize_json: %s", err.message);
}

static void test_serde_roundtrip(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users", NULL);
    struct avroreg_deserializer *des = deserializer(NULL);
    struct avroreg_error err = {0};
    unsigned char *msg = NULL;
    size_t len = 0;
    frame_json(ser, user_json, &msg, &len);

    int32_t id = 0, looked = 0;
    assert_int_equal(avroreg_serializer_id(ser, &id, &err), AVROREG_OK);
    assert_int_equal(avroreg_client_lookup(srv.client, "users-value", avroreg_schema_text(s),
                                           &looked, NULL, &err),
                     AVROREG_OK);
    assert_int_equal(id, looked);
    assert_true(id > 0);
    unsigned char want[] = {0, (unsigned char)(id >> 24), (unsigned char)(id >> 16),
                            (unsigned char)(id >> 8), (unsigned char)id};
    assert_memory_equal(msg, want, 5);
    /* "Ann" 42 branch 1 "a@x" */
    assert_string_equal(hex(msg + 5, len - 5), "06 41 6e 6e 54 02 06 61 40 78");

    char *json = NULL;
    size_t json_len = 0;
    int32_t got_id = 0;
    assert_int_equal(avroreg_deserialize_json(des, msg, len, &json, &json_len, &got_id, &err),
                     AVROREG_OK);
    assert_string_equal(json, user_json);
    assert_int_equal(json_len, strlen(user_json));
    assert_int_equal(got_id, id);
    avroreg_free(json);
    unsigned long before = avroreg_client_request_count(srv.client);
    assert_int_equal(avroreg_deserialize_json(des, msg, len, &json, NULL, NULL, &err), AVROREG_OK);
    assert_string_equal(json, user_json);
    assert_int_equal(avroreg_client_request_count(srv.client), before);
    avroreg_free(json);
    /* and the serializer does not ask again either */
    unsigned char *again = NULL;
    size_t again_len = 0;
    frame_json(ser, user_json, &again, &again_len);
    assert_int_equal(avroreg_client_request_count(srv.client), before);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, msg, len);
    avroreg_free(again);

    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

static void test_serialize_value(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users-by-value", NULL);
    struct avroreg_deserializer *des = deserializer(NULL);
    struct avroreg_error err = {0};
    avro_value_t v, field, branch;
    assert_int_equal(avro_generic_value_new(s->iface, &v), 0);
    assert_int_equal(avro_value_get_by_name(&v, "name", &field, NULL), 0);
    assert_int_equal(avro_value_set_string(&field, "Bo"), 0);
    assert_int_equal(avro_value_get_by_name(&v, "age", &field, NULL), 0);
    assert_int_equal(avro_value_set_int(&field, -1), 0);
    assert_int_equal(avro_value_get_by_name(&v, "email", &field, NULL), 0);
    assert_int_equal(avro_value_set_branch(&field, 0, &branch), 0);

    unsigned char buf[64];
    size_t n = 0;
    /* too small: the size needed comes back */
    assert_int_equal(avroreg_serialize_value(ser, &v, buf, 6, &n, &err), AVROREG_ERR_SHORT_BUFFER);
    assert_int_equal(n, 5 + 5);
    assert_int_equal(avroreg_serialize_value(ser, &v, buf, sizeof(buf), &n, &err), AVROREG_OK);
    assert_int_equal(n, 10);
    assert_string_equal(hex(buf + 5, n - 5), "04 42 6f 01 00");

    avro_value_t out;
    const struct avroreg_schema *writer = NULL;
    assert_int_equal(avroreg_deserialize_value(des, buf, n, &out, &writer, &err), AVROREG_OK);
    assert_string_equal(avroreg_schema_text(writer), avroreg_schema_text(s));
    assert_true(avro_value_equal(&v, &out));
    avro_value_decref(&out);

    /* a value of another schema is refused rather than framed with this id */
    avro_schema_t other = avro_schema_long();
    avro_value_iface_t *cls = avro_generic_class_from_schema(other);
    avro_value_t lv;
    assert_int_equal(avro_generic_value_new(cls, &lv), 0);
    assert_int_equal(avroreg_serialize_value(ser, &lv, buf, sizeof(buf), &n, &err),
                     AVROREG_ERR_ARG);
    avro_value_decref(&lv);
    avro_value_iface_decref(cls);
    avro_schema_decref(other);

    avro_value_decref(&v);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

static void expect_decode_error(struct avroreg_deserializer *des, const void *msg, size_t len,
                                enum avroreg_err want, const char *needle)
{
    struct avroreg_error err = {0};
    char *json = NULL;
    enum avroreg_err rc = avroreg_deserialize_json(des, msg, len, &json, NULL, NULL, &err);
    if (rc != want)
        fail_msg("expected error %d, got %d: %s", want, rc, err.message);
    assert_null(json);
    if (!strstr(err.message, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.message, needle);
    avro_value_t v;
    assert_int_equal(avroreg_deserialize_value(des, msg, len, &v, NULL, &err), want);
}

static void test_deserialize_errors(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users", NULL);
    struct avroreg_deserializer *des = deserializer(NULL);
    unsigned char *msg = NULL;
    size_t len = 0;
    frame_json(ser, user_json, &msg, &len);
    unsigned char buf[64];
    memcpy(buf, msg, len);

    expect_decode_error(des, buf, 3, AVROREG_ERR_SHORT_BUFFER, "header");
    buf[0] = 1;
    expect_decode_error(des, buf, len, AVROREG_ERR_BAD_MAGIC, "magic");
    buf[0] = 0;
    /* a truncated payload, and one with a byte too many */
    expect_decode_error(des, buf, len - 1, AVROREG_ERR_SHORT_BUFFER, "truncated");
    buf[len] = 0;
    expect_decode_error(des, buf, len + 1, AVROREG_ERR_AVRO, "trailing");
    /* a string length of 2^40 is refused before anything is allocated for it */
    unsigned char huge[] = {0, buf[1], buf[2], buf[3], buf[4], 0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
    expect_decode_error(des, huge, sizeof(huge), AVROREG_ERR_SHORT_BUFFER, "past the end");
    unsigned char negative[] = {0, buf[1], buf[2], buf[3], buf[4], 0x01};
    expect_decode_error(des, negative, sizeof(negative), AVROREG_ERR_AVRO, "negative length");
    /* age as a five-byte varint beyond 32 bits (found by tests/fuzz/fuzz_frame.c:
     * the check let it through and avro-c refused it with a vaguer message) */
    unsigned char wide[] = {0,    buf[1], buf[2], buf[3], buf[4], 0x02, 0x41,
                            0xfe, 0xff,   0xff,   0xff,   0x1f,   0x00};
    expect_decode_error(des, wide, sizeof(wide), AVROREG_ERR_AVRO, "int out of range");
    wide[11] = 0x0f; /* 2^31 - 1 fits */
    char *json = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserialize_json(des, wide, sizeof(wide), &json, NULL, NULL, &err) != AVROREG_OK)
        fail_msg("deserialize_json: %s", err.message);
    assert_string_equal(json, "{\"name\":\"A\",\"age\":2147483647,\"email\":null}");
    avroreg_free(json);
    /* union branch 2 of [null, string] */
    unsigned char branch[] = {0, buf[1], buf[2], buf[3], buf[4], 0x00, 0x00, 0x04};
    expect_decode_error(des, branch, sizeof(branch), AVROREG_ERR_AVRO, "union branch");
    /* an id the registry never gave */
    unsigned char unknown[] = {0, 0x00, 0x0f, 0x42, 0x3f, 0x00};
    expect_decode_error(des, unknown, sizeof(unknown), AVROREG_ERR_UNKNOWN_ID, "");

    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

static void test_hostile_counts(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of("{\"type\":\"array\",\"items\":\"null\"}");
    struct avroreg_serializer *ser = serializer(s, "nulls", NULL);
    struct avroreg_deserializer *des = deserializer(NULL);
    unsigned char *msg = NULL;
    size_t len = 0;
    frame_json(ser, "[null,null,null]", &msg, &len);
    assert_string_equal(hex(msg + 5, len - 5), "06 00");
    char *json = NULL;
    struct avroreg_error err = {0};
    assert_int_equal(avroreg_deserialize_json(des, msg, len, &json, NULL, NULL, &err), AVROREG_OK);
    assert_string_equal(json, "[null,null,null]");
    avroreg_free(json);
    /* 2^62 nulls in 10 bytes */
    unsigned char many[] = {0,    msg[1], msg[2], msg[3], msg[4], 0x80, 0x80, 0x80,
                            0x80, 0x80,   0x80,   0x80,   0x80,   0x80, 0x01, 0x00};
    expect_decode_error(des, many, sizeof(many), AVROREG_ERR_AVRO, "zero bytes");
    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);

    /* 2^40 ints promised in a few bytes */
    s = schema_of("{\"type\":\"array\",\"items\":\"int\"}");
    ser = serializer(s, "ints", NULL);
    des = deserializer(NULL);
    frame_json(ser, "[1]", &msg, &len);
    unsigned char ints[] = {0,    msg[1], msg[2], msg[3], msg[4], 0x80, 0x80,
                            0x80, 0x80,   0x80,   0x40,   0x02,   0x02};
    expect_decode_error(des, ints, sizeof(ints), AVROREG_ERR_SHORT_BUFFER, "block");
    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

/* A payload of the recursive list schema with n nodes (values 0). */
static void list_payload(struct sr_buf *b, const unsigned char *header, int n)
{
    sr_buf_add(b, header, 5);
    for (int i = 0; i < n; i++)
        sr_buf_add(b, i == n - 1 ? "\0\0" : "\0\2", 2);
}

static void test_deep_payload(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(list_schema);
    struct avroreg_serializer *ser = serializer(s, "list", NULL);
    struct avroreg_deserializer *des = deserializer(NULL);
    unsigned char *msg = NULL;
    size_t len = 0;
    frame_json(ser, "{\"v\":0,\"next\":null}", &msg, &len);
    /* 1000 nodes nest 2000 levels (record, union branch): decodes */
    struct sr_buf b = SR_BUF_INIT;
    list_payload(&b, msg, 1000);
    char *json = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserialize_json(des, b.data, b.len, &json, NULL, NULL, &err) != AVROREG_OK)
        fail_msg("deserialize_json: %s", err.message);
    const char *start = "{\"v\":0,\"next\":{\"Node\":{\"v\":0,\"next\":{\"Node\":";
    assert_int_equal(strncmp(json, start, strlen(start)), 0);
    avroreg_free(json);
    /* 100000 nodes would overflow a recursive decoder's stack: refused */
    sr_buf_reset(&b);
    list_payload(&b, msg, 100000);
    expect_decode_error(des, b.data, b.len, AVROREG_ERR_AVRO, "nested too deeply");
    sr_buf_release(&b);
    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

static void test_deserialize_with_reader(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users", NULL);
    struct avroreg_schema *reader =
        schema_of("{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":["
                  "{\"name\":\"age\",\"type\":\"long\"},"
                  "{\"name\":\"country\",\"type\":\"string\",\"default\":\"NO\"},"
                  "{\"name\":\"mail\",\"aliases\":[\"email\"],\"type\":[\"null\",\"string\"]}]}");
    struct avroreg_deserializer *des = deserializer(reader);
    unsigned char *msg = NULL;
    size_t len = 0;
    frame_json(ser, user_json, &msg, &len);
    char *json = NULL;
    struct avroreg_error err = {0};
    if (avroreg_deserialize_json(des, msg, len, &json, NULL, NULL, &err) != AVROREG_OK)
        fail_msg("deserialize_json: %s", err.message);
    assert_string_equal(json, "{\"age\":42,\"country\":\"NO\",\"mail\":{\"string\":\"a@x\"}}");
    avroreg_free(json);

    /* a reader that cannot read the writer: refused up front, and remembered */
    struct avroreg_schema *bad =
        schema_of("{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":["
                  "{\"name\":\"age\",\"type\":\"string\"}]}");
    struct avroreg_deserializer *bad_des = deserializer(bad);
    assert_int_equal(avroreg_deserialize_json(bad_des, msg, len, &json, NULL, NULL, &err),
                     AVROREG_ERR_INCOMPATIBLE);
    for (int i = 0; i < 2; i++) {
        unsigned long before = avroreg_client_request_count(srv.client);
        assert_int_equal(avroreg_deserialize_json(bad_des, msg, len, &json, NULL, NULL, &err),
                         AVROREG_ERR_INCOMPATIBLE);
        if (!strstr(err.message, "TYPE_MISMATCH at /fields/0/type: reader type: STRING not "
                                 "compatible with writer type: INT"))
            fail_msg("unexpected message: %s", err.message);
        assert_int_equal(avroreg_client_request_count(srv.client), before);
    }
    avroreg_deserializer_free(bad_des);
    avroreg_schema_free(bad);

    avroreg_free(msg);
    avroreg_deserializer_free(des);
    avroreg_schema_free(reader);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

/* The per-thread framing librdkafka copies from (ar_serialize_json_thread):
 * the same frames as avroreg_serialize_json(), whether the fast path takes the
 * text or the general path must (a duplicate member, which jansson resolves),
 * and the same errors. */
static void test_serialize_json_thread(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users-thread", NULL);
    const char *texts[] = {
        user_json,
        "{\"age\":7,\"name\":\"Bo\",\"email\":null}",
        "{\"name\":\"X\",\"age\":1,\"age\":2,\"email\":{\"string\":\"e\"}}",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
        unsigned char *want = NULL;
        size_t want_len = 0;
        frame_json(ser, texts[i], &want, &want_len);
        const unsigned char *got = NULL;
        size_t got_len = 0;
        struct avroreg_error err = {0};
        assert_int_equal(
            ar_serialize_json_thread(ser, texts[i], strlen(texts[i]), &got, &got_len, &err),
            AVROREG_OK);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        avroreg_free(want);
    }
    struct avroreg_error err = {0}, err2 = {0};
    const unsigned char *got = NULL;
    size_t got_len = 0;
    const char *bad = "{\"name\":\"X\",\"age\":\"old\",\"email\":null}";
    unsigned char *none = NULL;
    size_t none_len = 0;
    assert_int_equal(ar_serialize_json_thread(ser, bad, strlen(bad), &got, &got_len, &err),
                     AVROREG_ERR_INVALID_DATUM);
    assert_int_equal(avroreg_serialize_json(ser, bad, strlen(bad), &none, &none_len, &err2),
                     AVROREG_ERR_INVALID_DATUM);
    assert_string_equal(err.message, err2.message);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

static void test_serializer_config(void **state)
{
    (void)state;
    struct avroreg_schema *s =
        schema_of("{\"type\":\"enum\",\"name\":\"cfg.Color\",\"symbols\":[\"RED\",\"GREEN\"]}");
    struct avroreg_error err = {0};
    int32_t id = 0, looked = 0;
    /* no_auto_register: the schema must already be there */
    struct avroreg_serializer_config lookup = {AVROREG_TOPIC_RECORD_NAME, true, true};
    struct avroreg_serializer *ser = serializer(s, "colors", &lookup);
    assert_int_not_equal(avroreg_serializer_id(ser, &id, &err), AVROREG_OK);
    unsigned char *msg = NULL;
    size_t len = 0;
    assert_int_not_equal(avroreg_serialize_json(ser, "\"RED\"", 5, &msg, &len, &err), AVROREG_OK);
    assert_int_equal(avroreg_client_register(srv.client, "colors-cfg.Color", avroreg_schema_text(s),
                                             &looked, &err),
                     AVROREG_OK);
    assert_int_equal(avroreg_serializer_id(ser, &id, &err), AVROREG_OK);
    assert_int_equal(id, looked);
    avroreg_serializer_free(ser);

    /* the record name strategy needs a named schema */
    struct avroreg_schema *prim = schema_of("\"string\"");
    struct avroreg_serializer_config by_name = {AVROREG_RECORD_NAME, false, false};
    assert_int_equal(avroreg_serializer_new(srv.client, prim, "t", &by_name, &ser, &err),
                     AVROREG_ERR_ARG);
    avroreg_schema_free(prim);

    /* an invalid datum never reaches the registry */
    ser = serializer(s, "colors", NULL);
    unsigned long before = avroreg_client_request_count(srv.client);
    assert_int_equal(avroreg_serialize_json(ser, "\"BLUE\"", 6, &msg, &len, &err),
                     AVROREG_ERR_INVALID_DATUM);
    assert_int_equal(avroreg_serialize_json(ser, "{", 1, &msg, &len, &err),
                     AVROREG_ERR_INVALID_DATUM);
    assert_int_equal(avroreg_client_request_count(srv.client), before);
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

/* Many threads share one new serializer: all frames carry the same id. */
struct worker {
    struct avroreg_serializer *ser;
    const struct avroreg_schema *schema;
    int32_t ids[50];
    int failures;
};

static int32_t frame_id(const unsigned char *msg)
{
    return (int32_t)((uint32_t)msg[1] << 24 | (uint32_t)msg[2] << 16 | (uint32_t)msg[3] << 8 |
                     msg[4]);
}

/* Odd rounds: serialize_value of a value of this thread's own. */
static bool serialize_one_value(struct worker *w, int i)
{
    avro_value_t v, field, branch;
    unsigned char buf[64];
    size_t len = 0;
    bool ok = avro_generic_value_new(w->schema->iface, &v) == 0;
    ok = ok && avro_value_get_by_index(&v, 0, &field, NULL) == 0 &&
         avro_value_set_string(&field, "x") == 0;
    ok = ok && avro_value_get_by_index(&v, 1, &field, NULL) == 0 &&
         avro_value_set_int(&field, i) == 0;
    ok = ok && avro_value_get_by_index(&v, 2, &field, NULL) == 0 &&
         avro_value_set_branch(&field, 0, &branch) == 0;
    ok = ok && avroreg_serialize_value(w->ser, &v, buf, sizeof(buf), &len, NULL) == AVROREG_OK;
    if (ok)
        w->ids[i] = frame_id(buf);
    avro_value_decref(&v);
    return ok;
}

static void *serialize_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 50; i++) {
        unsigned char *msg = NULL;
        size_t len = 0;
        char json[96];
        snprintf(json, sizeof(json), "{\"name\":\"n%d\",\"age\":%d,\"email\":null}", i, i);
        if (i % 2) {
            w->failures += !serialize_one_value(w, i);
        } else if (avroreg_serialize_json(w->ser, json, strlen(json), &msg, &len, NULL) ==
                   AVROREG_OK) {
            w->ids[i] = frame_id(msg);
            avroreg_free(msg);
        } else {
            w->failures++;
        }
    }
    return NULL;
}

static void test_concurrent_serialize(void **state)
{
    (void)state;
    struct avroreg_schema *s = schema_of(user_schema);
    struct avroreg_serializer *ser = serializer(s, "users-threads", NULL);
    struct worker workers[8];
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) {
        workers[i] = (struct worker){.ser = ser, .schema = s};
        assert_int_equal(pthread_create(&threads[i], NULL, serialize_many, &workers[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    int32_t id = 0;
    assert_int_equal(avroreg_serializer_id(ser, &id, NULL), AVROREG_OK);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(workers[i].failures, 0);
        for (int k = 0; k < 50; k++)
            assert_int_equal(workers[i].ids[k], id);
    }
    avroreg_serializer_free(ser);
    avroreg_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_null_boolean),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_float_double),
        cmocka_unit_test(test_string_bytes),
        cmocka_unit_test(test_bytes_all_values),
        cmocka_unit_test(test_enum_fixed),
        cmocka_unit_test(test_array_map),
        cmocka_unit_test(test_zero_byte_types),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_unions),
        cmocka_unit_test(test_logical_types),
        cmocka_unit_test(test_recursive),
        cmocka_unit_test(test_invalid_datums),
        cmocka_unit_test(test_nul_map_key),
        cmocka_unit_test(test_fast_path_takes),
        cmocka_unit_test(test_fast_path_declines),
        cmocka_unit_test(test_fast_path_mutations),
        cmocka_unit_test(test_fast_path_numbers),
        cmocka_unit_test(test_resolve_fields),
        cmocka_unit_test(test_resolve_alias),
        cmocka_unit_test(test_resolve_promotions),
        cmocka_unit_test(test_resolve_enums),
        cmocka_unit_test(test_resolve_unions),
        cmocka_unit_test(test_resolve_recursive),
        cmocka_unit_test(test_resolve_same_schema_fixed),
    };
    const struct CMUnitTest online[] = {
        cmocka_unit_test(test_serde_roundtrip),      cmocka_unit_test(test_serialize_value),
        cmocka_unit_test(test_deserialize_errors),   cmocka_unit_test(test_hostile_counts),
        cmocka_unit_test(test_deep_payload),         cmocka_unit_test(test_deserialize_with_reader),
        cmocka_unit_test(test_serializer_config),    cmocka_unit_test(test_serialize_json_thread),
        cmocka_unit_test(test_concurrent_serialize),
    };
    int failed = cmocka_run_group_tests_name("datum", offline, NULL, NULL);
    failed += cmocka_run_group_tests_name("serde", online, server_start, server_stop);
    return failed ? 1 : 0;
}
