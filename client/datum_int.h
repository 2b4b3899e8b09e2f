/*
 * datum_int.h - what datum.c, resolve.c and serde.c share beyond
 * client_int.h: JSON paths for error messages, the JSON writers for leaf
 * values, and the limits every walker of a datum applies. Not installed.
 */
#ifndef AVROREG_CLIENT_DATUM_INT_H
#define AVROREG_CLIENT_DATUM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_int.h"

/* How deeply values may nest (records, arrays, maps, union branches). jansson
 * refuses JSON nested deeper than 2048 levels, and each of those levels is
 * one level of ours, so every datum the serializer accepts also decodes;
 * the limit keeps a hostile payload of a recursive schema from exhausting
 * the stack of avro-c's recursive decoder and of our own walkers. */
#define AR_MAX_DEPTH 2048

/* Items that encode in zero bytes (null, fixed of size 0, records of those)
 * cost nothing in a payload but memory and time to decode, so a few bytes
 * could ask for billions; this many are allowed per message. */
#define AR_MAX_EMPTY_ITEMS (1u << 20)

/* A position in a JSON document, as a chain of frames on the walkers' stacks
 * (no allocation): key is a member name, or NULL for the array index index.
 * depth counts the frames. The root is the NULL chain. */
struct ar_path {
    const struct ar_path *up;
    const char *key;
    size_t index;
    int depth;
};

/* Records code and "<message> at <JSON pointer>" in err (NULL-safe); returns code. */
enum avroreg_err ar_path_error(struct avroreg_error *err, enum avroreg_err code,
                               const struct ar_path *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* avro-c's last error for a failed call that returned rc, as an avroreg error. */
enum avroreg_err ar_avro_error(struct avroreg_error *err, int rc, const struct ar_path *path,
                               const char *what);

/* The name a union branch of type node goes by in the JSON encoding: the full
 * name of a named type, else the type name ("int", "array", ...). */
const char *ar_branch_name(const struct sr_node *node);

/* A float as the shortest decimal that reads back as the same float, in the
 * style of Java's Float.toString (1.1, 1.0E10); NaN and infinities as the
 * strings "NaN", "Infinity", "-Infinity", as Avro Java's JSON encoder writes
 * them (Jackson quotes non-finite numbers). */
void ar_jout_float(struct sr_buf *b, float f);
/* Bytes as a JSON string of the characters U+0000..U+00FF with those values. */
void ar_jout_latin1(struct sr_buf *b, const void *data, size_t len);
/* Text as a JSON string; invalid UTF-8 is replaced as Java's decoder does
 * (one U+FFFD per maximal ill-formed subsequence), so output is always valid. */
void ar_jout_utf8(struct sr_buf *b, const char *s, size_t len);

/* The bytes a JSON string stands for in the bytes/fixed encoding: each
 * character U+0000..U+00FF is one byte. out (may be NULL to only count and
 * check) must hold len bytes. On success *n_out is the byte count. Otherwise
 * false with the first other character in *bad_cp, at character *bad_index. */
bool ar_latin1_decode(const char *s, size_t len, unsigned char *out, size_t *n_out,
                      uint32_t *bad_cp, size_t *bad_index);

/* A JSON value as a float/double datum: an integer, a real, or one of the
 * strings "NaN", "Infinity", "-Infinity" that Avro Java's JSON encoding uses. */
bool ar_json_number(const json_t *j, double *out);
/* Whether d converts to a finite float (rounding included). */
bool ar_fits_float(double d);

#endif
