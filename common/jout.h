/*
 * jout.h - JSON output that prints exactly as Java's Jackson does.
 *
 * Confluent's registry stores and returns the text Avro Java prints, and ids
 * are deduplicated on it, so numbers and strings must come out byte for byte
 * as Jackson writes them: doubles as Java's Double.toString (1.0E10, 1.0E-7,
 * 100.0), non-finite doubles as quoted strings, non-ASCII text raw in UTF-8,
 * control characters as \uXXXX except the short escapes \b \t \n \f \r.
 * All functions append to b; failures surface as sr_buf_failed(b).
 */
#ifndef SR_COMMON_JOUT_H
#define SR_COMMON_JOUT_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"

/* Appends s[0..len) as a quoted JSON string. s must be valid UTF-8. */
void sr_jout_string(struct sr_buf *b, const char *s, size_t len);
void sr_jout_cstring(struct sr_buf *b, const char *s);
/* Appends a jansson string value (which may hold NUL bytes). */
void sr_jout_jstring(struct sr_buf *b, const json_t *s);
/* Appends v in decimal, as printf's "%lld" would (no allocation, no locale). */
void sr_jout_int(struct sr_buf *b, long long v);
/* Appends d as Java's Double.toString prints it; NaN/Infinity quoted as Jackson does. */
void sr_jout_double(struct sr_buf *b, double d);
/* Appends the shortest decimal that reads back as d, in Java's format, unquoted
 * (sr_dtoa_double(); d finite). */
void sr_jout_java_double_text(struct sr_buf *b, double d);
/* Appends any jansson value compactly, object keys in their stored order. */
void sr_jout_value(struct sr_buf *b, const json_t *v);

#endif
