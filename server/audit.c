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

#include "common/buf.h"
#include "common/jout.h"
#include "server/router.h"

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

/* Appends ,"key":"text" (text as a JSON string; left out unless valid UTF-8,
 * as a client's subject may not be). */
static void add_text(struct sr_buf *b, const char *key, const char *text)
{
    if (!sr_utf8_valid(text, strlen(text)))
        return;
    sr_buf_addc(b, ',');
    sr_jout_cstring(b, key);
    sr_buf_addc(b, ':');
    sr_jout_cstring(b, text);
}

/* The line, built by hand rather than through a jansson document: it is
 * written for every write attempt, repeated registrations included, and
 * costs a few hundred nanoseconds this way. */
static void format_line(struct sr_buf *b, bool to_stderr, const struct sr_audit_event *e)
{
    char ts[32];
    timestamp(ts);
    if (to_stderr)
        sr_buf_adds(b, STDERR_PREFIX);
    sr_buf_adds(b, "{\"ts\":");
    sr_jout_cstring(b, ts);
    sr_buf_adds(b, ",\"audit\":\"write\"");
    add_text(b, "principal", e->principal ? e->principal : "");
    add_text(b, "address", e->address ? e->address : "");
    add_text(b, "method", e->method);
    add_text(b, "route", e->route);
    if (e->subject)
        add_text(b, "subject", e->subject);
    sr_buf_adds(b, ",\"status\":");
    sr_jout_int(b, e->status);
    add_text(b, "outcome", sr_audit_outcome(e->status));
    const char *key;
    json_t *value;
    json_object_foreach(e->result, key, value)
    {
        sr_buf_addc(b, ',');
        sr_jout_cstring(b, key);
        sr_buf_addc(b, ':');
        sr_jout_value(b, value);
    }
    sr_buf_adds(b, "}\n");
}

void sr_audit_write(struct sr_audit *a, const struct sr_audit_event *e)
{
    struct sr_buf b = SR_BUF_INIT;
    format_line(&b, !a->path, e);
    if (sr_buf_failed(&b) || write(atomic_load(&a->fd), b.data, b.len) != (ssize_t)b.len)
        atomic_fetch_add(&a->lost, 1);
    sr_buf_release(&b);
}

uint64_t sr_audit_lost(const struct sr_audit *a)
{
    return atomic_load(&a->lost);
}
