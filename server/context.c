/*
 * context.c - contexts and qualified subjects; see context.h.
 */
#include "server/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "server/router.h"

/* The end of the context in a qualified subject (its second ':'), or NULL. */
static const char *context_end(const char *subject)
{
    if (subject[0] != ':' || subject[1] != '.')
        return NULL;
    return strchr(subject + 1, ':');
}

bool sr_context_qualified(const char *subject)
{
    return context_end(subject) != NULL;
}

void sr_context_of(const char *subject, char out[SR_CONTEXT_MAX])
{
    const char *end = context_end(subject);
    size_t n = end ? (size_t)(end - subject - 1) : 0;
    if (!end || n >= SR_CONTEXT_MAX)
        n = 0; /* unqualified (or absurdly long: it cannot have been stored) */
    if (n == 0)
        snprintf(out, SR_CONTEXT_MAX, ".");
    else
        snprintf(out, SR_CONTEXT_MAX, "%.*s", (int)n, subject + 1);
}

const char *sr_context_unqualified(const char *subject)
{
    const char *end = context_end(subject);
    return end ? end + 1 : subject;
}

void sr_context_label(const char *subject, char out[SR_CONTEXT_MAX + 2])
{
    char context[SR_CONTEXT_MAX];
    sr_context_of(subject, context);
    if (strcmp(context, ".") == 0)
        out[0] = '\0';
    else
        snprintf(out, SR_CONTEXT_MAX + 2, ":%s:", context);
}

enum sr_err sr_context_prefix(const char *raw, char out[SR_CONTEXT_MAX + 2], struct sr_error *err)
{
    size_t len = strlen(raw);
    const char *name = raw;
    if (len && name[0] == ':') { /* one colon on each side may delimit it */
        name++;
        len--;
    }
    if (len && name[len - 1] == ':')
        len--;
    if (memchr(name, ':', len))
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "Context name cannot contain a colon");
    bool dotted = len && name[0] == '.';
    if (len + !dotted >= SR_CONTEXT_MAX)
        return sr_errorf(err, SR_ERR_INVALID_SUBJECT, "The context name is too long");
    if (len == 0 || (len == 1 && dotted))
        out[0] = '\0'; /* the default context */
    else
        snprintf(out, SR_CONTEXT_MAX + 2, ":%s%.*s:", dotted ? "" : ".", (int)len, name);
    return SR_OK;
}

/* ---- subjectPrefix ----------------------------------------------------------------- */

#define WILDCARD ":*:"

void sr_context_subject_filter(const char *prefix, struct sr_subject_filter *out)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(prefix, WILDCARD, sizeof WILDCARD - 1) == 0) {
        const char *name = prefix + sizeof WILDCARD - 1;
        out->name_prefix = *name ? name : NULL;
        return;
    }
    char context[SR_CONTEXT_MAX];
    sr_context_of(prefix, context);
    bool in_default = strcmp(context, ".") == 0;
    out->store_prefix = in_default ? sr_context_unqualified(prefix) : prefix;
    out->default_only = in_default;
}

bool sr_context_subject_matches(const struct sr_subject_filter *f, const char *subject)
{
    if (f->default_only && sr_context_qualified(subject))
        return false;
    if (f->store_prefix && strncmp(subject, f->store_prefix, strlen(f->store_prefix)) != 0)
        return false;
    return !f->name_prefix ||
           strncmp(sr_context_unqualified(subject), f->name_prefix, strlen(f->name_prefix)) == 0;
}

/* ---- the /contexts/{ctx}/ URL form ---------------------------------------------- */

/* Splits the raw path into segments in place: seg[i] points into copy. */
static size_t split(char *copy, char **seg, size_t max)
{
    size_t n = 0;
    for (char *p = copy; *p && n < max;) {
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return n;
}

/* Whether a raw (still percent-encoded) segment names a qualified subject
 * or the any-context wildcard. */
static bool already_qualified(const char *raw)
{
    char decoded[16];
    size_t n = strlen(raw) < sizeof decoded ? strlen(raw) : sizeof decoded - 1, got = 0;
    if (!sr_percent_decode(raw, n, decoded, &got))
        return false;
    decoded[got] = '\0';
    return strncmp(decoded, ":.", 2) == 0 || strncmp(decoded, ":*:", 3) == 0;
}

#define MAX_SEGMENTS 16

enum sr_err sr_context_rewrite(const char *raw_path, struct sr_context_rewrite *out,
                               struct sr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(raw_path, "/contexts/", 10) != 0)
        return SR_OK;
    char *copy = strdup(raw_path + 1);
    if (!copy)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    char *seg[MAX_SEGMENTS];
    size_t n = split(copy, seg, MAX_SEGMENTS);
    /* contexts/{ctx} alone (DELETE /contexts/{context}) is a route of its own. */
    if (n < 3 || !*seg[2]) {
        free(copy);
        return SR_OK;
    }
    char name[SR_CONTEXT_MAX + 2];
    size_t len = strlen(seg[1]), got = 0;
    enum sr_err rc = len < sizeof name && sr_percent_decode(seg[1], len, name, &got)
                         ? SR_OK
                         : sr_errorf(err, SR_ERR_INVALID_SUBJECT, "Invalid context name");
    if (!rc) {
        name[got] = '\0';
        rc = sr_context_prefix(name, out->prefix, err);
    }
    struct sr_buf b = SR_BUF_INIT;
    bool root_setting = strcmp(seg[2], "config") == 0 || strcmp(seg[2], "mode") == 0;
    for (size_t i = 2; !rc && i < n; i++) {
        sr_buf_addc(&b, '/');
        bool named = i > 2 && (strcmp(seg[i - 1], "subjects") == 0 || (root_setting && i == 3));
        if (named && *seg[i] && !already_qualified(seg[i]))
            sr_buf_adds(&b, out->prefix);
        sr_buf_adds(&b, seg[i]);
    }
    if (!rc && root_setting && (n == 3 || !*seg[3]) && out->prefix[0]) {
        if (n > 3)
            b.len--; /* the trailing slash gives way to the context's own setting */
        sr_buf_addc(&b, '/');
        sr_buf_adds(&b, out->prefix);
    }
    bool listing = n == 3 || (n == 4 && !*seg[3]);
    if (!rc && strcmp(seg[2], "subjects") == 0 && listing)
        out->query_key = "subjectPrefix";
    else if (!rc && strcmp(seg[2], "schemas") == 0)
        out->query_key = listing ? "subjectPrefix" : "subject";
    free(copy);
    if (!rc && !(out->path = sr_buf_detach(&b, NULL)))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (rc)
        sr_buf_release(&b);
    return rc;
}
