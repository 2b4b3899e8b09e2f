/*
 * idcache.h - a bounded, thread-safe map from schema id to an immutable value
 * (a parsed schema, a prebuilt response body). Schemas never change once they
 * have an id, so entries need no invalidation except when an id is deleted
 * for good (sr_idcache_remove).
 *
 * Each entry has a cost (its bytes); when the entries or their total cost
 * pass the limits, a CLOCK sweep evicts entries not used since the last sweep.
 * Values are reference counted through the callbacks the cache is created
 * with: get() hands the caller its own reference (release with the unref
 * callback), and the cache drops its reference when it evicts.
 *
 * A value read from the store before a permanent delete must not come back
 * into the cache after sr_idcache_remove() dropped its id: callers take a
 * stamp before they read the store and put with it, and a put whose stamp
 * is older than the last remove is not kept.
 */
#ifndef SR_SERVER_IDCACHE_H
#define SR_SERVER_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

struct sr_idcache;

typedef void *(*sr_idcache_ref_fn)(void *value);
typedef void (*sr_idcache_unref_fn)(void *value);

/* NULL on OOM. capacity is the most entries it keeps, budget the most total
 * cost (bytes) their values may add up to. */
struct sr_idcache *sr_idcache_new(size_t capacity, size_t budget, sr_idcache_ref_fn ref,
                                  sr_idcache_unref_fn unref);
/* Drops every entry's reference and frees the cache. NULL-safe. */
void sr_idcache_free(struct sr_idcache *c);
/* A new reference to the value for id, or NULL. */
void *sr_idcache_get(struct sr_idcache *c, int64_t id);
/* The stamp to pass to sr_idcache_put() for a value about to be read. */
uint64_t sr_idcache_stamp(struct sr_idcache *c);
/* Stores value for id at cost (the cache takes its own reference); keeps an
 * existing entry if another thread stored one first. A value costing more
 * than the whole budget is not kept, nor one whose stamp (taken before it
 * was read) predates a sr_idcache_remove(). */
void sr_idcache_put(struct sr_idcache *c, int64_t id, void *value, size_t cost, uint64_t stamp);
/* Forgets id, and makes every older stamp stale. */
void sr_idcache_remove(struct sr_idcache *c, int64_t id);

#endif
