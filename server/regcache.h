/*
 * regcache.h - answers for repeated registrations.
 *
 * Producers register their schema at every start-up, with the very same
 * request body each time. The registry remembers, per (subject, body), the id
 * a successful registration answered, so a repeat costs one hash lookup
 * instead of parsing and canonicalising the schema and querying the store.
 *
 * An answer stays true until something removes or hides versions (deletes,
 * entering IMPORT): the store's SR_CHANGE_VERSIONS_HIDDEN marker
 * (storage/store.h) moves then, and remembered answers read under an older
 * marker no longer count. A caller reads the marker before it does the work
 * and remembers the answer with it, so a delete that races with a
 * registration, in this process or another, can never leave a stale answer
 * behind.
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

/* The id remembered for (subject, body) under marker, the marker's value now. */
bool sr_regcache_get(struct sr_regcache *c, uint64_t marker, const char *subject, const void *body,
                     size_t len, int64_t *id_out);
/* Remembers id for (subject, body), as read under stamp (the marker read
 * before the work). */
void sr_regcache_put(struct sr_regcache *c, uint64_t stamp, const char *subject, const void *body,
                     size_t len, int64_t id);

#endif
