/*
 * avroreg.h - libavroreg: Confluent-framed Avro for C programs.
 *
 * A Kafka message value (or key) in Confluent's wire format is
 *
 *     0x00 | schema id (4 bytes, big-endian) | Avro binary of the datum
 *
 * Producers register (or look up) their schema under a subject and frame each
 * datum with the id; consumers read the id, fetch that schema once, and decode.
 * This library does both against any Confluent-compatible registry:
 *
 *   - framing: avroreg_frame_header(), avroreg_frame_parse();
 *   - a registry client (libcurl) that caches schemas by id and ids by
 *     (subject, schema), so each id costs one HTTP request for the life of the
 *     client; thread-safe;
 *   - a serializer: Avro JSON encoding (or an avro-c value) -> framed bytes;
 *   - a deserializer: framed bytes -> the writer's datum, or JSON, optionally
 *     resolved to the consumer's own reader schema by the Avro rules (fields by
 *     name and aliases, defaults for missing fields, promotions);
 *   - subject naming strategies, and helpers for librdkafka (avroreg_kafka.h).
 *
 * Conventions: handles are opaque and created with *_new, released with
 * *_free (NULL-safe). Every function that can fail returns enum avroreg_err
 * and fills the struct avroreg_error passed last (which may be NULL); nothing
 * prints or exits. Strings returned through *_out parameters are owned by the
 * caller and released with avroreg_free() unless a comment says "borrowed".
 * The JSON used for data is the Avro specification's JSON encoding: unions as
 * {"type": value} (null as null), bytes and fixed as strings whose characters
 * are the byte values (ISO-8859-1), enums as their symbol.
 */
#ifndef AVROREG_H
#define AVROREG_H

#include <avro.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AVROREG_MAGIC_BYTE 0
#define AVROREG_HEADER_SIZE 5

enum avroreg_err {
    AVROREG_OK = 0,
    AVROREG_ERR_ARG,            /* a bad argument (NULL where a value is needed, ...) */
    AVROREG_ERR_NOMEM,          /* out of memory */
    AVROREG_ERR_SHORT_BUFFER,   /* fewer than 5 bytes, or a truncated Avro payload */
    AVROREG_ERR_BAD_MAGIC,      /* the first byte is not 0 */
    AVROREG_ERR_UNKNOWN_ID,     /* the registry has no schema with this id (40403) */
    AVROREG_ERR_HTTP,           /* the registry could not be reached or answered garbage */
    AVROREG_ERR_REGISTRY,       /* the registry answered an error: see registry_code */
    AVROREG_ERR_INVALID_SCHEMA, /* the schema text is not a valid Avro schema */
    AVROREG_ERR_INVALID_DATUM,  /* the JSON does not match the schema */
    AVROREG_ERR_INCOMPATIBLE,   /* the reader schema cannot read the writer's data */
    AVROREG_ERR_AVRO,           /* avro-c failed to encode or decode */
    AVROREG_ERR_KAFKA,          /* librdkafka refused or failed (avroreg_kafka.h) */
    AVROREG_ERR_FORMAT,         /* an export file or a _schemas record is malformed
                                   (avroreg_migrate.h) */
    AVROREG_ERR_CONFLICT,       /* the target holds something else under an id or version
                                   being imported, or refused a change (avroreg_migrate.h) */
    AVROREG_ERR_IO,             /* the caller's output failed (avroreg_snapshot_write) */
};

struct avroreg_error {
    enum avroreg_err code;
    int registry_code; /* Confluent error_code when the registry answered one, else 0 */
    int http_status;   /* the HTTP status of that answer, else 0 */
    char message[512];
};

/* A short, static description of a code. */
const char *avroreg_strerror(enum avroreg_err code);

/* Frees memory this library handed to the caller. NULL-safe. */
void avroreg_free(void *p);

/* ---- framing ------------------------------------------------------------------ */

/* Writes the 5-byte header for schema id into out. */
void avroreg_frame_header(int32_t id, unsigned char out[AVROREG_HEADER_SIZE]);

/* Splits a framed message. On success *id_out is the schema id (any int32:
 * the 4 bytes are big-endian two's complement) and *payload_out /
 * *payload_len_out the Avro binary (borrowed from buf; may be empty). Each
 * output may be NULL; none is written on failure. Errors:
 * AVROREG_ERR_SHORT_BUFFER (len < 5, checked first), AVROREG_ERR_BAD_MAGIC,
 * AVROREG_ERR_ARG (buf NULL with len >= 5). */
enum avroreg_err avroreg_frame_parse(const void *buf, size_t len, int32_t *id_out,
                                     const void **payload_out, size_t *payload_len_out,
                                     struct avroreg_error *err);

/* ---- schemas ---------------------------------------------------------------------- */

struct avroreg_schema;

/* Parses and validates an Avro schema (JSON text json[0..len)) as Avro Java
 * does for a registration (field defaults checked, Unicode names allowed).
 * Caller frees with avroreg_schema_free(). Errors: AVROREG_ERR_INVALID_SCHEMA
 * with the reason, AVROREG_ERR_ARG, AVROREG_ERR_NOMEM. */
enum avroreg_err avroreg_schema_parse(const char *json, size_t len, struct avroreg_schema **out,
                                      struct avroreg_error *err);
void avroreg_schema_free(struct avroreg_schema *schema);
/* The canonical text (what Confluent stores). Borrowed; lives as long as schema. */
const char *avroreg_schema_text(const struct avroreg_schema *schema);
/* The full name of a record/enum/fixed schema, or NULL for other types. Borrowed. */
const char *avroreg_schema_fullname(const struct avroreg_schema *schema);
/* The avro-c schema of the same types, for avro_value_t work. Borrowed. It
 * is built from the Parsing Canonical Form: no defaults, logical types or
 * custom properties; and when avro-c refuses the names (it takes ASCII
 * identifiers only) the types and fields carry made-up names (T0.., f0..):
 * reach fields by position. The same made-up form, with null in their place,
 * stands in for types avro-c cannot decode (a fixed of size 0, a record with
 * no fields), whose values encode in zero bytes. */
avro_schema_t avroreg_schema_avro(const struct avroreg_schema *schema);

/* ---- registry client ------------------------------------------------------------------ */

struct avroreg_client;

struct avroreg_client_config {
    /* e.g. "http://localhost:8081"; required. It may carry user:pass@ for
     * basic auth, as libcurl reads it. */
    const char *url;
    const char *username;      /* basic auth, or NULL */
    const char *password;      /* with username; NULL means empty */
    const char *ca_file;       /* TLS: CA bundle to trust, or NULL for the system's */
    bool insecure_skip_verify; /* TLS: do not verify the server (testing only) */
    long timeout_ms;           /* per request; 0 means 30 s; connecting gets at most 10 s */
    const char *cert_file;     /* TLS: client certificate (PEM) for mutual TLS, or NULL */
    const char *key_file;      /* TLS: its private key (PEM); NULL: in cert_file */
};

/* Fills the fields of config that are NULL from the environment, the way
 * avroreg reads it: url from AVROREG_REGISTRY_URL, username and password
 * from AVROREG_REGISTRY_USER and AVROREG_REGISTRY_PASSWORD, ca_file,
 * cert_file and key_file from AVROREG_REGISTRY_CA_FILE,
 * AVROREG_REGISTRY_CERT_FILE and AVROREG_REGISTRY_KEY_FILE. Empty variables
 * count as unset. The strings are borrowed from the environment: use config
 * before changing it. Nothing else is read; nothing is checked yet. */
void avroreg_client_config_from_env(struct avroreg_client_config *config);

/* Creates a client. Borrowed config strings are copied. Thread-safe once made:
 * requests may run in parallel (each on its own pooled libcurl handle).
 * Errors: AVROREG_ERR_ARG (no URL, negative timeout), AVROREG_ERR_NOMEM.
 * Nothing is sent until the first request. */
enum avroreg_err avroreg_client_new(const struct avroreg_client_config *config,
                                    struct avroreg_client **out, struct avroreg_error *err);
void avroreg_client_free(struct avroreg_client *client);

/* Registers schema_json under subject (POST /subjects/{subject}/versions);
 * cached by (subject, schema text), so a repeat costs no request. Errors:
 * AVROREG_ERR_REGISTRY (e.g. registry_code 409 incompatible, 42201 invalid),
 * AVROREG_ERR_HTTP, AVROREG_ERR_ARG (NULL or empty subject, NULL schema). */
enum avroreg_err avroreg_client_register(struct avroreg_client *client, const char *subject,
                                         const char *schema_json, int32_t *id_out,
                                         struct avroreg_error *err);
/* Finds schema_json under subject without registering (POST /subjects/{subject});
 * cached. version_out may be NULL. Errors: AVROREG_ERR_REGISTRY with
 * registry_code 40401 (no such subject) or 40403 (not under it), HTTP, ARG. */
enum avroreg_err avroreg_client_lookup(struct avroreg_client *client, const char *subject,
                                       const char *schema_json, int32_t *id_out,
                                       int32_t *version_out, struct avroreg_error *err);
/* The schema with id (GET /schemas/ids/{id}); cached for the client's life,
 * one request per id even when threads ask at once (failures are not cached).
 * Schema references are fetched (GET /subjects/{s}/versions/{v}) and cached
 * by their ids too. *schema_out is borrowed from the client. Errors:
 * AVROREG_ERR_UNKNOWN_ID (registry_code 40403), AVROREG_ERR_HTTP,
 * AVROREG_ERR_REGISTRY, AVROREG_ERR_INVALID_SCHEMA (not Avro, or unparsable). */
enum avroreg_err avroreg_client_get_by_id(struct avroreg_client *client, int32_t id,
                                          const struct avroreg_schema **schema_out,
                                          struct avroreg_error *err);
/* A version of subject (version -1: the latest). Not cached: it may change.
 * *schema_out is borrowed from the client (the schema is cached by id).
 * id_out, version_out and schema_out may each be NULL. Errors:
 * AVROREG_ERR_REGISTRY with registry_code 40401 (no such subject), 40402 (no
 * such version) or 42202 (invalid version), AVROREG_ERR_HTTP. */
enum avroreg_err avroreg_client_get_version(struct avroreg_client *client, const char *subject,
                                            int32_t version, int32_t *id_out, int32_t *version_out,
                                            const struct avroreg_schema **schema_out,
                                            struct avroreg_error *err);
/* All subjects (GET /subjects). Caller frees each string and the array with
 * avroreg_free(); the array also ends with a NULL. */
enum avroreg_err avroreg_client_subjects(struct avroreg_client *client, char ***subjects_out,
                                         size_t *count_out, struct avroreg_error *err);
/* Any request: path relative to the URL (already percent-encoded), body NULL
 * or JSON. *status_out is the HTTP status, *body_out the answer (caller frees).
 * A non-2xx answer is not an error here; AVROREG_ERR_HTTP means no answer
 * (unreachable, timeout, TLS) with libcurl's reason. */
enum avroreg_err avroreg_client_request(struct avroreg_client *client, const char *method,
                                        const char *path, const char *body, long *status_out,
                                        char **body_out, struct avroreg_error *err);
/* Percent-encodes a path segment (a subject): every byte but the unreserved
 * A-Z a-z 0-9 - . _ ~ becomes %XX. Caller frees; NULL on OOM or NULL input. */
char *avroreg_url_encode(const char *segment);
/* HTTP requests made so far (for tests and monitoring). */
unsigned long avroreg_client_request_count(const struct avroreg_client *client);

/* ---- subject naming ---------------------------------------------------------------------- */

enum avroreg_subject_strategy {
    AVROREG_TOPIC_NAME,        /* <topic>-key / <topic>-value (the default) */
    AVROREG_RECORD_NAME,       /* <record full name> */
    AVROREG_TOPIC_RECORD_NAME, /* <topic>-<record full name> */
};

/* The subject for a topic's key or value schema. Caller frees. schema may be
 * NULL for AVROREG_TOPIC_NAME; topic may be NULL for AVROREG_RECORD_NAME.
 * Errors: AVROREG_ERR_ARG when the strategy needs a named (record, enum or
 * fixed) schema and it has none, or a topic and there is none. */
enum avroreg_err avroreg_subject_name(enum avroreg_subject_strategy strategy, const char *topic,
                                      bool is_key, const struct avroreg_schema *schema,
                                      char **subject_out, struct avroreg_error *err);

/* ---- serializer ------------------------------------------------------------------------ */

struct avroreg_serializer;

struct avroreg_serializer_config {
    enum avroreg_subject_strategy strategy;
    bool is_key;           /* the key schema (subject suffix -key) */
    bool no_auto_register; /* look the schema up instead of registering it */
};

/* A serializer of schema's data for topic. The schema is registered (or looked
 * up) on first use. Borrows client and schema: both must outlive it. config may
 * be NULL (TopicNameStrategy, value, auto-register). */
enum avroreg_err avroreg_serializer_new(struct avroreg_client *client,
                                        const struct avroreg_schema *schema, const char *topic,
                                        const struct avroreg_serializer_config *config,
                                        struct avroreg_serializer **out, struct avroreg_error *err);
void avroreg_serializer_free(struct avroreg_serializer *ser);
/* The schema id, registering on first call. */
enum avroreg_err avroreg_serializer_id(struct avroreg_serializer *ser, int32_t *id_out,
                                       struct avroreg_error *err);

/* Avro JSON encoding -> framed bytes. *out is the caller's (avroreg_free). */
enum avroreg_err avroreg_serialize_json(struct avroreg_serializer *ser, const char *json,
                                        size_t len, unsigned char **out, size_t *out_len,
                                        struct avroreg_error *err);
/* An avro-c value of the serializer's schema -> framed bytes written into
 * buf[0..cap). *out_len receives the size; AVROREG_ERR_SHORT_BUFFER when cap
 * is too small (then *out_len is the size needed). No allocation. */
enum avroreg_err avroreg_serialize_value(struct avroreg_serializer *ser, avro_value_t *value,
                                         unsigned char *buf, size_t cap, size_t *out_len,
                                         struct avroreg_error *err);

/* ---- deserializer ---------------------------------------------------------------------- */

struct avroreg_deserializer;

/* A deserializer that fetches writer schemas through client. With a reader
 * schema (borrowed; may be NULL), data is resolved to it. */
enum avroreg_err avroreg_deserializer_new(struct avroreg_client *client,
                                          const struct avroreg_schema *reader,
                                          struct avroreg_deserializer **out,
                                          struct avroreg_error *err);
void avroreg_deserializer_free(struct avroreg_deserializer *des);

/* Framed bytes -> Avro JSON encoding (of the reader schema when there is one,
 * else of the writer's). *json_out is the caller's (avroreg_free).
 * id_out may be NULL. Errors: SHORT_BUFFER, BAD_MAGIC, UNKNOWN_ID, INCOMPATIBLE,
 * AVRO (a payload that does not decode). */
enum avroreg_err avroreg_deserialize_json(struct avroreg_deserializer *des, const void *msg,
                                          size_t len, char **json_out, size_t *json_len_out,
                                          int32_t *id_out, struct avroreg_error *err);
/* Framed bytes -> the writer's datum. *value_out is a new avro-c generic value
 * the caller releases with avro_value_decref(); *writer_out (may be NULL) the
 * writer schema, borrowed from the client. */
enum avroreg_err avroreg_deserialize_value(struct avroreg_deserializer *des, const void *msg,
                                           size_t len, avro_value_t *value_out,
                                           const struct avroreg_schema **writer_out,
                                           struct avroreg_error *err);

#ifdef __cplusplus
}
#endif

#endif
