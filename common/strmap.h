/*
 * strmap.h - an open-addressing hash map from C strings to pointers.
 *
 * Keys and values are borrowed: the map stores the pointers it is given, so
 * keys must outlive the map. Storage comes from an arena when one is given
 * (then the map needs no release), or from malloc (release with
 * sr_strmap_release()).
 */
#ifndef SR_COMMON_STRMAP_H
#define SR_COMMON_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

struct sr_strmap_slot {
    const char *key;
    void *value;
};

struct sr_strmap {
    struct sr_strmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
    struct sr_arena *arena; /* NULL: malloc */
};

/* An empty map that allocates from arena (may be NULL for malloc). */
void sr_strmap_init(struct sr_strmap *m, struct sr_arena *arena);
/* Frees malloc'd storage; a no-op for arena maps. */
void sr_strmap_release(struct sr_strmap *m);
/* Inserts or replaces. false on OOM (the map is unchanged). */
bool sr_strmap_put(struct sr_strmap *m, const char *key, void *value);
/* The value for key, or NULL. */
void *sr_strmap_get(const struct sr_strmap *m, const char *key);
bool sr_strmap_has(const struct sr_strmap *m, const char *key);

uint64_t sr_hash_bytes(const void *data, size_t len);

#endif
