/*
 * regcache.h - answers for repeated registrations.
 *
 * Producers register their schema at every start-up, with the very same
 * request body each time. The registry remembers, per (subject, body), the id
 * a successful registration answered, so a repeat costs one hash lookup
 * instead of parsing and canonicalising the schema and querying the store.
 *
 * An answer stays true until something removes or hides versions (deletes,
 * mode changes, IMPORT): those bump a generation, and remembered answers of
 * an older generation no longer count. A caller reads the generation before
 * it does the work and remembers the answer with it, so a delete that races
 * with a registration can never leave a stale answer behind.
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

/* The current generation. */
uint64_t sr_regcache_generation(struct sr_regcache *c);
/* Makes every remembered answer stale. */
void sr_regcache_invalidate(struct sr_regcache *c);

/* The id remembered for (subject, body) in the current generation. */
bool sr_regcache_get(struct sr_regcache *c, const char *subject, const void *body, size_t len,
                     int64_t *id_out);
/* Remembers id for (subject, body), as of generation (read before the work). */
void sr_regcache_put(struct sr_regcache *c, uint64_t generation, const char *subject,
                     const void *body, size_t len, int64_t id);

#endif
