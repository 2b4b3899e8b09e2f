/*
 * jread.h - json_loadb(), with a fast reader in front of it.
 *
 * jansson reads its input a byte at a time through a stream and copies every
 * string through a growable buffer; on the 2-core machine of the benchmarks
 * that is 40 µs for a 2 kB registration body and 55 µs for the schema inside
 * it, a fifth of a registration's CPU. This reader takes the documents a
 * registry sees (strict RFC 8259 JSON, valid UTF-8) in one pass over memory
 * and builds the same jansson values with jansson's own constructors.
 *
 * The contract is equivalence: for any input, sr_jread_fast() either returns
 * NULL or a value equal to json_loadb's in every type, key order and bit.
 * It returns NULL for everything it does not take, each error included,
 * so sr_jread_loadb() then asks json_loadb, whose error text and position
 * callers show. It never accepts what json_loadb refuses.
 *
 * Thread-safe; allocates through jansson's allocator (jalloc.h applies).
 */
#ifndef SR_COMMON_JREAD_H
#define SR_COMMON_JREAD_H

#include <jansson.h>
#include <stddef.h>

/* The flags it reads itself; with any other flag it leaves all to json_loadb. */
#define SR_JREAD_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* text[0..len) as json_loadb(text, len, flags, NULL) would parse it, or NULL
 * when the fast reader does not take it (never an answer json_loadb would
 * not give). New reference. */
json_t *sr_jread_fast(const char *text, size_t len, size_t flags);

/* json_loadb(text, len, flags, error), answered by sr_jread_fast() when it
 * can. On success error (may be NULL) is reset as json_loadb resets it. */
json_t *sr_jread_loadb(const char *text, size_t len, size_t flags, json_error_t *error);

#endif
