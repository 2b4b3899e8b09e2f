/*
 * pg_listen.c - the listener thread: on its own connection it LISTENs on
 * PG_CHANNEL and moves the store's change markers for every commit another
 * node announces (pg_int.h). When the connection is lost it moves every
 * marker, reconnects with a growing pause (PAUSE_MIN_MS .. PAUSE_MAX_MS) and
 * moves them all again once it listens, since notifications sent while it
 * was away are gone. A connection quiet for PING_MS is pinged, so that a
 * database that vanished without closing the socket is noticed.
 */
#include "storage/pg_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALL_CHANGES ((1u << SR_CHANGE__COUNT) - 1)
#define PAUSE_MIN_MS 50
#define PAUSE_MAX_MS 2000
#define PING_MS 5000

bool pg_parse_notice(const char *payload, char *node_out, size_t node_cap, unsigned *mask_out)
{
    const char *colon = payload ? strchr(payload, ':') : NULL;
    if (!colon || colon == payload || (size_t)(colon - payload) >= node_cap)
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long mask = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || mask > ALL_CHANGES)
        return false;
    memcpy(node_out, payload, (size_t)(colon - payload));
    node_out[colon - payload] = '\0';
    *mask_out = (unsigned)mask;
    return true;
}

/* Waits up to ms for the stop byte; true when asked to stop. */
static bool pause_or_stop(struct pg_listener *l, int ms)
{
    struct pollfd p = {.fd = l->wake[0], .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

static void hear(struct pg_listener *l, PGconn *db)
{
    for (PGnotify *n; (n = PQnotifies(db)) != NULL; PQfreemem(n)) {
        char node[sizeof(l->store->node)];
        unsigned mask = 0;
        if (!pg_parse_notice(n->extra, node, sizeof(node), &mask))
            mask = ALL_CHANGES; /* not ours to read: assume the worst */
        else if (strcmp(node, l->store->node) == 0)
            continue; /* this store's own commit: store.c moved the markers already */
        sr_store_note_change(&l->store->base, mask | 1u << SR_CHANGE_ANY);
        atomic_fetch_add(&l->heard, 1);
    }
}

/* Connects and LISTENs; NULL when the database cannot be reached. */
static PGconn *subscribe(struct pg_listener *l)
{
    PGconn *db = NULL;
    if (pg_connect(l->store, &db, NULL))
        return NULL;
    /* Its own name, so that an operator (or a test) tells it from the pool. */
    if (pg_simple(l->store, db, "SET application_name = '" PG_LISTENER_NAME "'; LISTEN " PG_CHANNEL,
                  "listening", NULL)) {
        PQfinish(db);
        return NULL;
    }
    return db;
}

/* Serves one connection until it fails (false) or stop is asked (true). */
static bool serve(struct pg_listener *l, PGconn *db)
{
    int sock = PQsocket(db);
    for (;;) {
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = l->wake[0], .events = POLLIN}};
        int n = poll(p, 2, PING_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (p[1].revents)
            return true;
        if (n == 0 && pg_simple(l->store, db, "SELECT 1", "pinging", NULL))
            return false;
        if (!PQconsumeInput(db) || PQstatus(db) != CONNECTION_OK)
            return false;
        hear(l, db);
    }
}

static void *listener_main(void *arg)
{
    struct pg_listener *l = arg;
    int pause = PAUSE_MIN_MS;
    for (;;) {
        PGconn *db = subscribe(l);
        if (db) {
            /* What committed while nobody listened was not announced. The
             * markers move before the store counts as listening, so that
             * whoever sees it listening reads markers that stay put. */
            sr_store_note_change(&l->store->base, ALL_CHANGES);
            atomic_store(&l->listening, true);
            pause = PAUSE_MIN_MS;
            bool stop = serve(l, db);
            atomic_store(&l->listening, false);
            sr_store_note_change(&l->store->base, ALL_CHANGES);
            PQfinish(db);
            if (stop)
                return NULL;
        }
        if (pause_or_stop(l, pause))
            return NULL;
        pause = pause * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : pause * 2;
    }
}

enum sr_err pg_listener_start(struct pg_store *s, struct sr_error *err)
{
    struct pg_listener *l = &s->listener;
    if (pipe(l->wake) != 0 || fcntl(l->wake[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(l->wake[1], F_SETFD, FD_CLOEXEC) != 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "postgresql: cannot make the listener's pipe: %s",
                         strerror(errno));
    int rc = pthread_create(&l->thread, NULL, listener_main, l);
    if (rc != 0)
        return sr_errorf(err, SR_ERR_INTERNAL, "postgresql: cannot start the listener: %s",
                         strerror(rc));
    l->started = true;
    return SR_OK;
}

void pg_listener_stop(struct pg_store *s)
{
    struct pg_listener *l = &s->listener;
    if (l->started) {
        ssize_t w;
        do
            w = write(l->wake[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_join(l->thread, NULL);
        l->started = false;
    }
    for (int i = 0; i < 2; i++)
        if (l->wake[i] >= 0) {
            close(l->wake[i]);
            l->wake[i] = -1;
        }
}
