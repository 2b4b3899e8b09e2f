/*
 * limits.c - connection deadlines, the request rate and size caps; see
 * limits.h.
 *
 * Deadlines: every open connection is on one list (changed only when a
 * connection opens or closes, under the lock); a request only stores its
 * deadline in an atomic, so the hot path takes no lock. The reaper walks the
 * list under the lock; a connection leaves the list, under the same lock,
 * before libmicrohttpd closes its socket, so the reaper never shuts down a
 * file descriptor that has been reused.
 *
 * Rates (requests, failed password checks): a table of token buckets of
 * 64 stripes, each a mutex and 1024 open-addressed buckets probed 16 at a
 * time; a bucket that has been idle long enough to be full again is as good
 * as empty and is reused.
 */
#include "server/limits.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/deadline.h"

#define REAP_INTERVAL_MS 250
#define STRIPES 64
#define SLOTS_PER_STRIPE 1024
#define PROBES 16
#define NS 1000000000ull
#define MIN_POOL_BYTES ((size_t)32 * 1024) /* libmicrohttpd's default */

struct bucket {
    uint64_t key; /* 0: empty */
    double tokens;
    uint64_t last_ns;
};

struct stripe {
    pthread_mutex_t lock;
    struct bucket slots[SLOTS_PER_STRIPE];
};

/* Token buckets that share one rate and one size. */
struct rate_table {
    double rate;            /* tokens a second */
    double burst;           /* a bucket's size */
    struct stripe *stripes; /* NULL: no limit */
};

struct sr_limits {
    struct sr_limits_config cfg;
    pthread_mutex_t lock; /* conns, stopping */
    pthread_cond_t wake;
    struct sr_conn *conns;
    bool stopping, started;
    pthread_t reaper;
    _Atomic uint64_t reaped;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
    struct rate_table requests;      /* per principal or address */
    struct rate_table auth_failures; /* per address */
};

/* A table of buckets of size burst filling at rate a second; with rate 0
 * there is no limit and no table. false on OOM. */
static bool rate_table_init(struct rate_table *t, double rate, double burst)
{
    *t = (struct rate_table){.rate = rate, .burst = burst};
    if (rate <= 0)
        return true;
    if (!(t->stripes = calloc(STRIPES, sizeof *t->stripes)))
        return false;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&t->stripes[i].lock, NULL);
    return true;
}

static void rate_table_release(struct rate_table *t)
{
    if (t->stripes) {
        for (size_t i = 0; i < STRIPES; i++)
            pthread_mutex_destroy(&t->stripes[i].lock);
        free(t->stripes);
    }
    t->stripes = NULL;
}

enum sr_err sr_limits_new(const struct sr_limits_config *cfg, struct sr_limits **out,
                          struct sr_error *err)
{
    if (sodium_init() < 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "libsodium cannot start");
    struct sr_limits *lim = calloc(1, sizeof *lim);
    if (!lim)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    lim->cfg = *cfg;
    if (lim->cfg.burst == 0)
        lim->cfg.burst = 2 * lim->cfg.rate;
    if (!rate_table_init(&lim->requests, cfg->rate, lim->cfg.burst) ||
        !rate_table_init(&lim->auth_failures, cfg->auth_failures_per_minute / 60.0,
                         cfg->auth_failures_per_minute)) {
        rate_table_release(&lim->requests);
        free(lim);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    crypto_shorthash_keygen(lim->hash_key);
    pthread_mutex_init(&lim->lock, NULL);
    pthread_cond_init(&lim->wake, NULL);
    *out = lim;
    return SR_OK;
}

const struct sr_limits_config *sr_limits_config(const struct sr_limits *lim)
{
    return &lim->cfg;
}

size_t sr_limits_pool_bytes(const struct sr_limits *lim)
{
    /* The head as sent (libmicrohttpd parses it in place), half the header
     * block again for its record of each header and for the answer's
     * headers, rounded up to 4 KiB; never below libmicrohttpd's own 32 KiB.
     * No more than that: libmicrohttpd zeroes the whole pool between two
     * requests on a connection, so every KiB here is paid per request (a
     * 224 KiB pool cost half the requests per second of a 32 KiB one). */
    size_t need =
        lim->cfg.max_request_line + lim->cfg.max_header_bytes + lim->cfg.max_header_bytes / 2;
    need = (need + 4095) / 4096 * 4096;
    return need < MIN_POOL_BYTES ? MIN_POOL_BYTES : need;
}

/* ---- the reaper -------------------------------------------------------------------- */

static void reap(struct sr_limits *lim, uint64_t now)
{
    for (struct sr_conn *c = lim->conns; c; c = c->next) {
        uint64_t d = atomic_load_explicit(&c->deadline_ns, memory_order_relaxed);
        if (d && d < now) {
            atomic_store_explicit(&c->deadline_ns, 0, memory_order_relaxed);
            shutdown(c->fd, SHUT_RDWR);
            atomic_fetch_add_explicit(&lim->reaped, 1, memory_order_relaxed);
        }
    }
}

static void *reaper_main(void *arg)
{
    struct sr_limits *lim = arg;
    pthread_mutex_lock(&lim->lock);
    while (!lim->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += REAP_INTERVAL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&lim->wake, &lim->lock, &until);
        if (!lim->stopping)
            reap(lim, sr_monotonic_ns());
    }
    pthread_mutex_unlock(&lim->lock);
    return NULL;
}

enum sr_err sr_limits_start(struct sr_limits *lim, struct sr_error *err)
{
    if (pthread_create(&lim->reaper, NULL, reaper_main, lim) != 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "cannot start the connection reaper thread");
    lim->started = true;
    return SR_OK;
}

void sr_limits_free(struct sr_limits *lim)
{
    if (!lim)
        return;
    if (lim->started) {
        pthread_mutex_lock(&lim->lock);
        lim->stopping = true;
        pthread_cond_signal(&lim->wake);
        pthread_mutex_unlock(&lim->lock);
        pthread_join(lim->reaper, NULL);
    }
    while (lim->conns) { /* only if the daemon did not say goodbye */
        struct sr_conn *next = lim->conns->next;
        free(lim->conns);
        lim->conns = next;
    }
    rate_table_release(&lim->requests);
    rate_table_release(&lim->auth_failures);
    pthread_cond_destroy(&lim->wake);
    pthread_mutex_destroy(&lim->lock);
    free(lim);
}

/* ---- connections ---------------------------------------------------------------------- */

struct sr_conn *sr_limits_conn_open(struct sr_limits *lim, int fd, const struct sockaddr *addr,
                                    socklen_t addr_len)
{
    struct sr_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    if (addr && addr_len <= sizeof c->addr) {
        memcpy(&c->addr, addr, addr_len);
        c->addr_len = addr_len;
    }
    atomic_init(&c->deadline_ns, sr_monotonic_ns() + (uint64_t)lim->cfg.header_timeout_s * NS);
    pthread_mutex_lock(&lim->lock);
    c->next = lim->conns;
    if (lim->conns)
        lim->conns->prev = c;
    lim->conns = c;
    pthread_mutex_unlock(&lim->lock);
    return c;
}

void sr_limits_conn_close(struct sr_limits *lim, struct sr_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&lim->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        lim->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&lim->lock);
    free(c);
}

void sr_limits_headers_in(struct sr_conn *c)
{
    if (c)
        atomic_store_explicit(&c->deadline_ns, 0, memory_order_relaxed);
}

void sr_limits_request_done(struct sr_limits *lim, struct sr_conn *c)
{
    if (c)
        atomic_store_explicit(&c->deadline_ns,
                              sr_monotonic_ns() + (uint64_t)lim->cfg.idle_timeout_s * NS,
                              memory_order_relaxed);
}

uint64_t sr_limits_reaped(const struct sr_limits *lim)
{
    return atomic_load_explicit(&lim->reaped, memory_order_relaxed);
}

/* ---- the request rate and failed password checks ------------------------------------- */

/* The bucket for key in s (reset to full when it is new or reused). */
static struct bucket *find_bucket(struct stripe *s, uint64_t key, uint64_t now, double full_after)
{
    size_t start = (size_t)(key >> 6) % SLOTS_PER_STRIPE;
    struct bucket *free_slot = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct bucket *b = &s->slots[(start + i) % SLOTS_PER_STRIPE];
        if (b->key == key)
            return b;
        bool idle = !b->key || (double)(now - b->last_ns) >= full_after;
        if (idle && !free_slot)
            free_slot = b;
    }
    return free_slot; /* NULL: every slot busy; the key goes through rather than evict one */
}

enum rate_action {
    RATE_TAKE,  /* take a token if there is one */
    RATE_PEEK,  /* only look whether there is one */
    RATE_SPEND, /* take one whatever there is (never below empty) */
};

/* Applies action to the bucket of key[0..len) in t. false: the bucket is
 * empty (for RATE_SPEND: was), and *retry_after_s (>= 1) says when a token
 * will be there. */
static bool rate_apply(const struct sr_limits *lim, const struct rate_table *t, const void *key,
                       size_t len, enum rate_action action, unsigned *retry_after_s)
{
    if (!t->stripes)
        return true;
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, len, lim->hash_key);
    uint64_t k;
    memcpy(&k, h, sizeof k);
    if (k == 0)
        k = 1;
    struct stripe *s = &t->stripes[k % STRIPES];
    bool ok = true;
    pthread_mutex_lock(&s->lock);
    /* The clock is read under the lock: a time read before it could be
     * older than the bucket's last_ns, written by a thread that got the lock
     * first. */
    uint64_t now = sr_monotonic_ns();
    struct bucket *b = find_bucket(s, k, now, t->burst / t->rate * (double)NS);
    if (b) {
        if (b->key != k) {
            b->key = k;
            b->tokens = t->burst;
        } else if (now > b->last_ns) {
            b->tokens += (double)(now - b->last_ns) / (double)NS * t->rate;
            if (b->tokens > t->burst)
                b->tokens = t->burst;
        }
        b->last_ns = now;
        ok = b->tokens >= 1;
        if (ok && action != RATE_PEEK)
            b->tokens -= 1;
        else if (action == RATE_SPEND)
            b->tokens = 0;
        if (!ok) {
            double wait = (1 - b->tokens) / t->rate;
            *retry_after_s = wait < 1 ? 1 : (unsigned)(wait + 0.999);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

bool sr_limits_admit(struct sr_limits *lim, const void *key, size_t len, unsigned *retry_after_s)
{
    return rate_apply(lim, &lim->requests, key, len, RATE_TAKE, retry_after_s);
}

bool sr_limits_may_check_password(struct sr_limits *lim, const char *address,
                                  unsigned *retry_after_s)
{
    return rate_apply(lim, &lim->auth_failures, address, strlen(address), RATE_PEEK, retry_after_s);
}

void sr_limits_password_failed(struct sr_limits *lim, const char *address)
{
    unsigned ignored;
    rate_apply(lim, &lim->auth_failures, address, strlen(address), RATE_SPEND, &ignored);
}

/* ---- sizes --------------------------------------------------------------------------------- */

enum sr_err sr_limits_check_sizes(const struct sr_limits *lim, size_t request_line,
                                  size_t header_bytes, struct sr_error *err)
{
    if (request_line > lim->cfg.max_request_line)
        return sr_errorf(err, SR_ERR_URI_TOO_LONG,
                         "The request line is longer than the limit of %zu bytes",
                         lim->cfg.max_request_line);
    if (header_bytes > lim->cfg.max_header_bytes)
        return sr_errorf(err, SR_ERR_HEADERS_TOO_LARGE,
                         "The request headers are larger than the limit of %zu bytes",
                         lim->cfg.max_header_bytes);
    return SR_OK;
}
