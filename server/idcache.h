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
 * Entries follow the store's change-marker rule (storage/store.h): a value
 * is put with the marker read before it was read from the store (its
 * stamp), and every get passes the marker as it is now. When the marker
 * moves, every entry is dropped: the ids may answer differently now. A put
 * whose stamp is older than a marker the cache has seen is not kept.
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
/* A new reference to the value for id, or NULL. marker: the current value
 * of the marker the entries depend on. */
void *sr_idcache_get(struct sr_idcache *c, int64_t id, uint64_t marker);
/* Stores value for id at cost (the cache takes its own reference); keeps an
 * existing entry if another thread stored one first. A value costing more
 * than the whole budget is not kept, nor one whose stamp (the marker read
 * before the value was read) is older than marker (its value now). */
void sr_idcache_put(struct sr_idcache *c, int64_t id, void *value, size_t cost, uint64_t stamp,
                    uint64_t marker);

#endif
