/*
 * audit.c - the audit trail; see audit.h.
 */
#include "server/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define STDERR_PREFIX "audit "

struct sr_audit {
    char *path;     /* NULL: stderr */
    _Atomic int fd; /* swapped by reopen */
    int retired;    /* the descriptor before the last reopen, or -1 */
    _Atomic uint64_t lost;
};

static int open_append(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

enum sr_err sr_audit_open(const char *path, struct sr_audit **out, struct sr_error *err)
{
    struct sr_audit *a = calloc(1, sizeof *a);
    if (!a)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    atomic_init(&a->fd, STDERR_FILENO);
    a->retired = -1;
    if (path) {
        int fd = open_append(path);
        a->path = strdup(path);
        if (fd < 0 || !a->path) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            free(a->path);
            free(a);
            return fd < 0 ? sr_errorf(err, SR_ERR_IO, "--audit-log %s: %s", path, strerror(e))
                          : sr_errorf(err, SR_ERR_NOMEM, "out of memory");
        }
        atomic_init(&a->fd, fd);
    }
    *out = a;
    return SR_OK;
}

void sr_audit_free(struct sr_audit *a)
{
    if (!a)
        return;
    if (a->path)
        close(atomic_load(&a->fd));
    if (a->retired >= 0)
        close(a->retired);
    free(a->path);
    free(a);
}

enum sr_err sr_audit_reopen(struct sr_audit *a, struct sr_error *err)
{
    if (!a->path)
        return SR_OK;
    int fd = open_append(a->path);
    if (fd < 0)
        return sr_errorf(err, SR_ERR_IO, "--audit-log %s: %s", a->path, strerror(errno));
    /* A writer may still hold the old descriptor for one write(2): it is
     * closed only at the next reopen, so that its number cannot be reused
     * (by the database, say) under that writer. */
    if (a->retired >= 0)
        close(a->retired);
    a->retired = atomic_exchange(&a->fd, fd);
    return SR_OK;
}

const char *sr_audit_outcome(int status)
{
    if (status < 300)
        return "ok";
    if (status == 401)
        return "unauthenticated";
    if (status == 403)
        return "forbidden";
    if (status == 429)
        return "limited";
    return status < 500 ? "refused" : "error";
}

static void timestamp(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

void sr_audit_write(struct sr_audit *a, const struct sr_audit_event *e)
{
    char ts[32];
    timestamp(ts);
    json_t *line = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ts", ts, "audit", "write", "principal",
                             e->principal ? e->principal : "", "address",
                             e->address ? e->address : "", "method", e->method, "route", e->route);
    if (line && e->subject)
        json_object_set_new(line, "subject", json_string(e->subject));
    if (line) {
        json_object_set_new(line, "status", json_integer(e->status));
        json_object_set_new(line, "outcome", json_string(sr_audit_outcome(e->status)));
        if (e->result)
            json_object_update(line, e->result);
    }
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(line);
    size_t len = text ? strlen(text) : 0;
    bool to_stderr = !a->path;
    size_t prefix = to_stderr ? sizeof STDERR_PREFIX - 1 : 0;
    char *out = text ? malloc(prefix + len + 1) : NULL;
    if (out) {
        memcpy(out, STDERR_PREFIX, prefix);
        memcpy(out + prefix, text, len + 1);
        out[prefix + len] = '\n'; /* over the NUL: write() takes a length */
        if (write(atomic_load(&a->fd), out, prefix + len + 1) != (ssize_t)(prefix + len + 1))
            atomic_fetch_add(&a->lost, 1);
    } else {
        atomic_fetch_add(&a->lost, 1);
    }
    free(out);
    free(text);
}

uint64_t sr_audit_lost(const struct sr_audit *a)
{
    return atomic_load(&a->lost);
}
