#include "server/regcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t hash;
    uint64_t generation; /* the store marker the answer was read under */
    int64_t id;
    char *key; /* subject, NUL, body */
    size_t key_len;
};

struct sr_regcache {
    pthread_mutex_t lock;
    struct entry *slots;
    size_t cap; /* power of two, twice the most entries */
    size_t count, max_entries;
    size_t bytes, max_bytes;
};

struct sr_regcache *sr_regcache_new(size_t max_entries, size_t max_bytes)
{
    struct sr_regcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cap = 16;
    while (c->cap < max_entries * 2)
        c->cap *= 2;
    if (!(c->slots = calloc(c->cap, sizeof(*c->slots)))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    return c;
}

static void forget_all(struct sr_regcache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->slots[i].key);
    memset(c->slots, 0, c->cap * sizeof(*c->slots));
    c->count = 0;
    c->bytes = 0;
}

void sr_regcache_free(struct sr_regcache *c)
{
    if (!c)
        return;
    forget_all(c);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

/* Bodies are kilobytes and hashed on every registration request, so eight
 * bytes at a time (a multiply-xorshift mix); FNV's byte loop cost a fifth of
 * the request. Equality is always confirmed with memcmp. */
static uint64_t hash_words(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    h ^= len * 0x9E3779B97F4A7C15ULL;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    h = (h ^ tail) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

static uint64_t key_hash(const char *subject, size_t subject_len, const void *body, size_t len)
{
    return hash_words(body, len, hash_words(subject, subject_len, 0));
}

static bool same_key(const struct entry *e, const char *subject, size_t subject_len,
                     const void *body, size_t len)
{
    return e->key_len == subject_len + 1 + len && memcmp(e->key, subject, subject_len + 1) == 0 &&
           memcmp(e->key + subject_len + 1, body, len) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static struct entry *probe(struct sr_regcache *c, uint64_t hash, const char *subject,
                           size_t subject_len, const void *body, size_t len)
{
    for (size_t i = hash & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        struct entry *e = &c->slots[i];
        if (!e->key || (e->hash == hash && same_key(e, subject, subject_len, body, len)))
            return e;
    }
}

bool sr_regcache_get(struct sr_regcache *c, uint64_t marker, const char *subject, const void *body,
                     size_t len, int64_t *id_out)
{
    size_t subject_len = strlen(subject);
    uint64_t hash = key_hash(subject, subject_len, body, len);
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    struct entry *e = probe(c, hash, subject, subject_len, body, len);
    if (e->key && e->generation == marker) {
        *id_out = e->id;
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void sr_regcache_put(struct sr_regcache *c, uint64_t stamp, const char *subject, const void *body,
                     size_t len, int64_t id)
{
    size_t subject_len = strlen(subject), key_len = subject_len + 1 + len;
    if (key_len > c->max_bytes / 4)
        return; /* a huge schema would crowd out everything else */
    uint64_t hash = key_hash(subject, subject_len, body, len);
    pthread_mutex_lock(&c->lock);
    if (c->count >= c->max_entries || c->bytes + key_len > c->max_bytes)
        forget_all(c);
    struct entry *e = probe(c, hash, subject, subject_len, body, len);
    if (!e->key && (e->key = malloc(key_len))) {
        memcpy(e->key, subject, subject_len + 1);
        memcpy(e->key + subject_len + 1, body, len);
        e->key_len = key_len;
        e->hash = hash;
        c->count++;
        c->bytes += key_len;
    }
    if (e->key) {
        e->generation = stamp;
        e->id = id;
    }
    pthread_mutex_unlock(&c->lock);
}
