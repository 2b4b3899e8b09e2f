#include "common/strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t sr_hash_bytes(const void *data, size_t len)
{
    /* FNV-1a: short keys (names) dominate, where it is fast and spreads well. */
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void sr_strmap_init(struct sr_strmap *m, struct sr_arena *arena)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
    m->arena = arena;
}

void sr_strmap_release(struct sr_strmap *m)
{
    if (!m->arena)
        free(m->slots);
    sr_strmap_init(m, m->arena);
}

static struct sr_strmap_slot *find_slot(struct sr_strmap_slot *slots, size_t cap, const char *key)
{
    size_t i = (size_t)sr_hash_bytes(key, strlen(key)) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static bool rehash(struct sr_strmap *m, size_t cap)
{
    struct sr_strmap_slot *slots =
        m->arena ? sr_arena_calloc(m->arena, cap, sizeof(*slots)) : calloc(cap, sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find_slot(slots, cap, m->slots[i].key) = m->slots[i];
    if (!m->arena)
        free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

bool sr_strmap_put(struct sr_strmap *m, const char *key, void *value)
{
    if ((m->count + 1) * 4 > m->cap * 3 && !rehash(m, m->cap ? m->cap * 2 : 8))
        return false;
    struct sr_strmap_slot *slot = find_slot(m->slots, m->cap, key);
    if (!slot->key) {
        slot->key = key;
        m->count++;
    }
    slot->value = value;
    return true;
}

void *sr_strmap_get(const struct sr_strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    return find_slot(m->slots, m->cap, key)->value;
}

bool sr_strmap_has(const struct sr_strmap *m, const char *key)
{
    return m->cap && find_slot(m->slots, m->cap, key)->key != NULL;
}
