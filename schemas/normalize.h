/*
 * normalize.h - Confluent's normal form of an Avro schema
 * (AvroSchema.normalize(), as 7.x and 8.x apply it on ?normalize=true or
 * the normalize config): the canonical text with every node's custom
 * properties (logicalType, precision and scale among them, as Avro Java
 * keeps them) sorted by name, aliases sorted, and the keys of every JSON
 * object inside defaults and property values sorted. Field order, union
 * branch order, symbols and docs are kept. Two schemas that differ only in
 * those orders get the same normal form, hence the same id.
 */
#ifndef SR_SCHEMAS_NORMALIZE_H
#define SR_SCHEMAS_NORMALIZE_H

#include <stddef.h>

/* The normal form of canonical (a schema's canonical text, len bytes) as a
 * new heap string the caller frees; *len_out its length. NULL on OOM or when
 * canonical is not JSON (a programmer error: canonical texts always are). */
char *sr_schema_normalize_text(const char *canonical, size_t len, size_t *len_out);

#endif
