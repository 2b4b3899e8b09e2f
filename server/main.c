/*
 * main.c - the avro-registry server: read the configuration, open the store
 * and the registry, serve HTTP until SIGTERM or SIGINT, then shut down
 * gracefully (stop accepting, let in-flight requests finish for up to
 * DRAIN_TIMEOUT_MS, close everything) and exit 0.
 *
 * SIGHUP reloads the TLS certificate and the authfile and reopens the audit
 * log (edge.h); once a second the authfile is reloaded if it changed.
 *
 * Exit status: 0 after a clean shutdown or --help, 1 when the server cannot
 * start (store, bind), 2 for a usage error or a security file (certificate,
 * key, CA, authfile, audit log) that cannot be used.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "common/jalloc.h"
#include "server/config.h"
#include "server/edge.h"
#include "server/http.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/registry.h"
#include "server/request.h"
#include "server/server.h"
#include "storage/store.h"

#define DRAIN_TIMEOUT_MS 10000
#define DRAIN_TICK_MS 10
#define MAX_OPEN_FILES 65536
#define TICK_S 1

/* Blocks SIGINT, SIGTERM and SIGHUP in this thread and every thread it
 * starts, so that only sigwait() in main sees them; ignores SIGPIPE. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Lets the server hold as many connections as the hard limit allows. */
static void raise_open_files_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want =
        rl.rlim_max == RLIM_INFINITY || rl.rlim_max > MAX_OPEN_FILES ? MAX_OPEN_FILES : rl.rlim_max;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* mkdir -p of dir, which is cut at each '/' in turn during the call. */
static enum sr_err mkdir_p(char *dir, struct sr_error *err)
{
    for (char *p = dir + 1;; p++) {
        bool last = *p == '\0';
        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return sr_errorf(err, SR_ERR_IO, "cannot create directory %s: %s", dir,
                             strerror(errno));
        if (last)
            return SR_OK;
        *p = '/';
    }
}

/* Creates the directory holding a SQLite database if missing (nothing to do
 * for a PostgreSQL URL, a bare file name, a file in "/", ":memory:" or a
 * "file:" URI). */
static enum sr_err make_parent_dirs(const char *spec, struct sr_error *err)
{
    if (sr_store_spec_is_postgres(spec))
        return SR_OK;
    const char *path = strncmp(spec, "sqlite:", 7) == 0 ? spec + 7 : spec;
    if (strncmp(path, "file:", 5) == 0 || !strchr(path, '/'))
        return SR_OK;
    char *dir = strdup(path);
    if (!dir)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    *strrchr(dir, '/') = '\0';
    enum sr_err rc = dir[0] ? mkdir_p(dir, err) : SR_OK;
    free(dir);
    return rc;
}

static void log_listening(const struct sr_server *srv)
{
    const char *addr = srv->config.listen;
    bool v6 = strchr(addr, ':') != NULL;
    char db[1024];
    sr_store_spec_redact(srv->config.db_path, db, sizeof(db)); /* a URL may hold a password */
    sr_log(SR_LOG_INFO, "listening on %s%s%s:%u (%u threads, database %s)", v6 ? "[" : "", addr,
           v6 ? "]" : "", (unsigned)srv->bound_port, srv->config.threads, db);
}

/* Opens store, registry and metrics, and starts HTTP (the security edge is
 * already open). */
static enum sr_err start(struct sr_server *srv, struct sr_error *err)
{
    enum sr_err rc = make_parent_dirs(srv->config.db_path, err);
    /* One connection per thread that runs transactions, each at most one at a
     * time: the HTTP threads and both worker pools (http.c). Fewer, and two
     * long checks holding theirs would make a cheap request wait for one. */
    unsigned workers = srv->config.workers ? srv->config.workers : 1;
    struct sr_store_options store_opts = {.connections = srv->config.threads + 2 * workers};
    if (rc == SR_OK)
        rc = sr_store_open(srv->config.db_path, &store_opts, &srv->store, err);
    if (rc == SR_OK)
        rc = sr_registry_open(srv->store, &srv->registry, err);
    if (rc == SR_OK)
        sr_registry_set_opts(srv->registry,
                             &(struct sr_registry_opts){(enum sr_api)srv->config.api_shapes,
                                                        srv->config.max_schema_bytes});
    if (rc == SR_OK)
        rc = sr_metrics_new(sr_routes, srv->config.threads, &srv->metrics, err);
    if (rc == SR_OK)
        rc = sr_http_start(srv, err);
    return rc;
}

/* Waits for in-flight requests, up to DRAIN_TIMEOUT_MS; a second signal
 * cuts the wait short. */
static void drain(struct sr_server *srv, const sigset_t *signals)
{
    struct timespec tick = {0, DRAIN_TICK_MS * 1000000L};
    for (int waited = 0; waited < DRAIN_TIMEOUT_MS; waited += DRAIN_TICK_MS) {
        if (sr_http_in_flight(srv) <= 0)
            return;
        if (sigtimedwait(signals, NULL, &tick) > 0) {
            sr_log(SR_LOG_WARN, "second signal: not waiting for in-flight requests");
            return;
        }
    }
    sr_log(SR_LOG_WARN, "%lld request(s) still in flight after %d ms; closing them",
           (long long)sr_http_in_flight(srv), DRAIN_TIMEOUT_MS);
}

static void stop(struct sr_server *srv, const sigset_t *signals)
{
    atomic_store(&srv->ready, false);
    atomic_store(&srv->stopping, true);
    if (srv->daemon) {
        sr_http_quiesce(srv);
        drain(srv, signals);
    }
    sr_http_stop(srv);
    sr_registry_close(srv->registry);
    srv->registry = NULL;
    sr_store_close(srv->store);
    srv->store = NULL;
    sr_metrics_free(srv->metrics);
    srv->metrics = NULL;
    sr_edge_free(srv->edge);
    srv->edge = NULL;
}

/* Waits for SIGINT or SIGTERM (returned); SIGHUP reloads, and the edge
 * ticks once a second meanwhile. */
static int wait_for_stop(struct sr_server *srv, const sigset_t *signals)
{
    struct timespec tick = {TICK_S, 0};
    for (;;) {
        int sig = sigtimedwait(signals, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM)
            return sig;
        if (sig == SIGHUP)
            sr_edge_reload(srv);
        else
            sr_edge_tick(srv);
    }
}

static int serve(struct sr_server *srv)
{
    struct sr_error err = {0};
    sigset_t signals;
    block_signals(&signals);
    raise_open_files_limit();
    if (sr_edge_open(&srv->config, &srv->edge, &err) != SR_OK) {
        sr_log(SR_LOG_ERROR, "%s", err.message);
        return 2;
    }
    if (start(srv, &err) != SR_OK) {
        sr_log(SR_LOG_ERROR, "%s", err.message);
        stop(srv, &signals);
        return 1;
    }
    log_listening(srv);
    sr_edge_log_start(srv);
    atomic_store(&srv->ready, true);
    int sig = wait_for_stop(srv, &signals);
    sr_log(SR_LOG_INFO, "%s received: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop(srv, &signals);
    sr_log(SR_LOG_INFO, "stopped");
    return 0;
}

/*
 * glibc gives a thread arena's free top back to the system (madvise) as soon
 * as it passes 128 KiB, and every request on a worker frees about that much
 * (a parsed schema's arena, jansson documents): so each registration paid a
 * shrink and then page faults to grow again, a third of its CPU time. A
 * larger threshold keeps that memory for the next request; the workers'
 * periodic malloc_trim() (http.c) still hands everything back. Fixing the
 * trim threshold also fixes the mmap threshold, which glibc would otherwise
 * raise by itself: it is set to the same figure.
 */
#define ARENA_KEEP_BYTES (1024 * 1024)

/*
 * Parsed schema documents are allocated from their schema's arena
 * (common/jalloc.h): a registration's parse is a few bump allocations instead
 * of hundreds of mallocs, and releasing it is one block free instead of a
 * json_decref() walk. The heap also fragments less: the server that has just
 * registered 100,000 schemas held 58 MB with jansson on malloc, 40 MB so.
 */
static void tune_allocator(void)
{
    mallopt(M_TRIM_THRESHOLD, ARENA_KEEP_BYTES);
    mallopt(M_MMAP_THRESHOLD, ARENA_KEEP_BYTES);
    sr_jalloc_install();
}

int main(int argc, char **argv)
{
    tune_allocator();
    struct sr_server srv = {.listen_fd = -1};
    struct sr_error err = {0};
    enum sr_config_outcome outcome;
    if (sr_config_load(&srv.config, argc, argv, &outcome, &err) != SR_OK) {
        fprintf(stderr, "avro-registry: %s\n", err.message);
        return err.code == SR_ERR_BAD_REQUEST ? 2 : 1;
    }
    int status = 0;
    if (outcome == SR_CONFIG_HELP) {
        fputs(sr_config_usage(), stdout);
    } else {
        sr_log_set_level(srv.config.log_level);
        status = serve(&srv);
    }
    sr_config_release(&srv.config);
    return status;
}
