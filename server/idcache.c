#include "server/idcache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    int64_t id; /* 0: empty; ids start at 1 */
    void *value;
    size_t cost;
    bool used;
    bool tomb; /* removed: keeps probe chains intact */
};

struct sr_idcache {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t cap; /* power of two, at least twice the capacity */
    size_t count, limit;
    size_t tombs;
    size_t spent, budget; /* total cost of the entries, and its limit */
    size_t hand;          /* CLOCK position */
    uint64_t marker;      /* the newest marker seen: every entry is as of it */
    sr_idcache_ref_fn ref;
    sr_idcache_unref_fn unref;
};

struct sr_idcache *sr_idcache_new(size_t capacity, size_t budget, sr_idcache_ref_fn ref,
                                  sr_idcache_unref_fn unref)
{
    struct sr_idcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cap = 16;
    while (c->cap < capacity * 2)
        c->cap *= 2;
    c->slots = calloc(c->cap, sizeof(*c->slots));
    if (!c->slots) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->limit = capacity ? capacity : 1;
    c->budget = budget;
    c->ref = ref;
    c->unref = unref;
    return c;
}

void sr_idcache_free(struct sr_idcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].id && !c->slots[i].tomb)
            c->unref(c->slots[i].value);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

static size_t home(const struct sr_idcache *c, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 20) & (c->cap - 1);
}

static struct slot *find(struct sr_idcache *c, int64_t id)
{
    for (size_t i = home(c, id), n = 0; n < c->cap; i = (i + 1) & (c->cap - 1), n++) {
        struct slot *s = &c->slots[i];
        if (!s->id)
            return NULL;
        if (s->id == id && !s->tomb)
            return s;
    }
    return NULL;
}

/* Moves the cache to marker: a newer one drops every entry. */
static void adopt(struct sr_idcache *c, uint64_t marker)
{
    if (marker <= c->marker)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].id && !c->slots[i].tomb)
            c->unref(c->slots[i].value);
    memset(c->slots, 0, c->cap * sizeof(*c->slots));
    c->count = c->tombs = c->spent = 0;
    c->marker = marker;
}

void *sr_idcache_get(struct sr_idcache *c, int64_t id, uint64_t marker)
{
    void *v = NULL;
    pthread_mutex_lock(&c->lock);
    adopt(c, marker);
    struct slot *s = find(c, id);
    if (s) {
        s->used = true;
        v = c->ref(s->value);
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

static void drop(struct sr_idcache *c, struct slot *s)
{
    c->unref(s->value);
    s->value = NULL;
    s->tomb = true;
    c->count--;
    c->spent -= s->cost;
    c->tombs++;
}

/* Evicts one entry not used since the hand last passed it. */
static void evict_one(struct sr_idcache *c)
{
    for (;;) {
        struct slot *s = &c->slots[c->hand];
        c->hand = (c->hand + 1) & (c->cap - 1);
        if (!s->id || s->tomb)
            continue;
        if (s->used) {
            s->used = false;
            continue;
        }
        drop(c, s);
        return;
    }
}

/* Rebuilds the table without tombstones, which otherwise lengthen probes. */
static void compact(struct sr_idcache *c)
{
    struct slot *old = c->slots;
    struct slot *fresh = calloc(c->cap, sizeof(*fresh));
    if (!fresh)
        return;
    c->slots = fresh;
    for (size_t i = 0; i < c->cap; i++) {
        if (!old[i].id || old[i].tomb)
            continue;
        size_t j = home(c, old[i].id);
        while (fresh[j].id)
            j = (j + 1) & (c->cap - 1);
        fresh[j] = old[i];
    }
    free(old);
    c->tombs = 0;
}

void sr_idcache_put(struct sr_idcache *c, int64_t id, void *value, size_t cost, uint64_t stamp,
                    uint64_t marker)
{
    if (cost > c->budget)
        return;
    pthread_mutex_lock(&c->lock);
    adopt(c, marker);
    /* An older stamp: the value was read before a change the cache has seen. */
    if (stamp == c->marker && !find(c, id)) {
        while (c->count && (c->count >= c->limit || c->spent + cost > c->budget))
            evict_one(c);
        if (c->count + c->tombs + 1 > c->cap * 3 / 4)
            compact(c);
        size_t i = home(c, id);
        while (c->slots[i].id && !c->slots[i].tomb)
            i = (i + 1) & (c->cap - 1);
        if (c->slots[i].tomb)
            c->tombs--;
        c->slots[i] = (struct slot){id, c->ref(value), cost, true, false};
        c->count++;
        c->spent += cost;
    }
    pthread_mutex_unlock(&c->lock);
}
