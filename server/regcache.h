/*
 * regcache.h - answers for repeated registrations.
 *
 * Producers register their schema at every start-up, with the very same
 * request body each time. The registry remembers, per (subject, body), the id
 * a successful registration answered and the response body it was answered
 * with, so a repeat costs one hash lookup instead of parsing and
 * canonicalising the schema and querying the store.
 *
 * An answer stays true until something removes or hides versions (deletes,
 * entering IMPORT) or changes the settings a registration applies (data
 * contracts' default and override metadata): the store's
 * SR_CHANGE_VERSIONS_HIDDEN and SR_CHANGE_SETTINGS markers (storage/store.h)
 * move then, the registry's stamp (their sum) with them, and remembered
 * answers read under an older stamp no longer count. A caller reads the marker before it does the
 * work and remembers the answer with it, so a delete that races with a registration, in this
 * process or another, can never leave a stale answer behind.
 *
 * Thread-safe. Bounded: when full it forgets everything and starts again.
 */
#ifndef SR_SERVER_REGCACHE_H
#define SR_SERVER_REGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sr_regcache;

/* NULL on OOM. */
struct sr_regcache *sr_regcache_new(size_t max_entries, size_t max_bytes);
void sr_regcache_free(struct sr_regcache *c);

/* The answer remembered for (subject, body) under marker (the stamp's value
 * now): a heap copy of the response body the caller frees, and its length.
 * False when there is none, or out of memory. */
bool sr_regcache_get(struct sr_regcache *c, uint64_t marker, const char *subject, const void *body,
                     size_t len, char **answer_out, size_t *answer_len_out);
/* Remembers answer (answer_len bytes, copied) for (subject, body), as read
 * under generation (the stamp read before the work). */
void sr_regcache_put(struct sr_regcache *c, uint64_t generation, const char *subject,
                     const void *body, size_t len, const char *answer, size_t answer_len);

#endif
