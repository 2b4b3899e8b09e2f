/*
 * client_int.h - what the files of client/ share. Not installed.
 *
 * Files: error.c (errors, avroreg_free), framing.c, schema.c (struct
 * avroreg_schema), registry_client.c (libcurl, caches), strategy.c (subject
 * names), datum.c (Avro JSON -> avro-c values), resolve.c (writer datum ->
 * reader JSON, or the writer's own), serde.c (serializer and deserializer objects), kafka.c
 * (librdkafka helpers, avroreg_kafka.h).
 */
#ifndef AVROREG_CLIENT_INT_H
#define AVROREG_CLIENT_INT_H

#include <jansson.h>
#include <stdatomic.h>

#include "common/buf.h"
#include "include/avroreg.h"
#include "schemas/schema.h"

/* A parsed schema: our model (the authority for names, defaults, resolution)
 * and the avro-c schema of the same text (for binary encoding only).
 * Reference counted so the client's id cache and callers can share it. */
struct avroreg_schema {
    atomic_int refs;
    struct sr_schema *model;
    avro_schema_t avro;
    avro_value_iface_t *iface; /* avro-c generic class of avro */
};

/* Adds a reference; returns s. avroreg_schema_free() drops one. */
struct avroreg_schema *ar_schema_ref(struct avroreg_schema *s);

/* Builds an avroreg_schema from an already parsed model (takes ownership of model). */
enum avroreg_err ar_schema_from_model(struct sr_schema *model, struct avroreg_schema **out,
                                      struct avroreg_error *err);

/* Records code and a printf-style message in err (NULL-safe); returns code. */
enum avroreg_err ar_error(struct avroreg_error *err, enum avroreg_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Avro JSON encoding (json) of node -> value (a generic avro-c value of the
 * matching avro-c schema). Errors: AVROREG_ERR_INVALID_DATUM naming the path. */
enum avroreg_err ar_json_to_value(const struct sr_node *node, const json_t *json,
                                  avro_value_t *value, struct avroreg_error *err);

/* value (of writer) -> its Avro JSON encoding, appended to out: the same as
 * ar_resolve_to_json() with writer as the reader. */
enum avroreg_err ar_value_to_json(const struct sr_node *writer, avro_value_t *value,
                                  struct sr_buf *out, struct avroreg_error *err);

/* value (of writer) resolved to reader by the Avro rules -> reader's Avro JSON
 * encoding, appended to out. Errors: AVROREG_ERR_INCOMPATIBLE. */
enum avroreg_err ar_resolve_to_json(const struct sr_node *reader, const struct sr_node *writer,
                                    avro_value_t *value, struct sr_buf *out,
                                    struct avroreg_error *err);

#endif
