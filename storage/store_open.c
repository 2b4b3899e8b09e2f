/*
 * store_open.c - choosing the backend from the database setting
 * (sr_store_open), and showing that setting without its secrets.
 */
#include "storage/store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SQLITE_PREFIX "sqlite:"

bool sr_store_spec_is_postgres(const char *spec)
{
    return spec && (strncasecmp(spec, "postgresql://", 13) == 0 ||
                    strncasecmp(spec, "postgres://", 11) == 0);
}

enum sr_err sr_store_open(const char *spec, const struct sr_store_options *opts,
                          struct sr_store **out, struct sr_error *err)
{
    if (sr_store_spec_is_postgres(spec))
        return sr_store_open_postgres(spec, opts, out, err);
    if (spec && strncmp(spec, SQLITE_PREFIX, strlen(SQLITE_PREFIX)) == 0)
        spec += strlen(SQLITE_PREFIX);
    return sr_store_open_sqlite(spec, out, err);
}

/* Appends s[0..n) to out (cap), keeping it NUL-terminated. */
static void append(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= cap)
        return;
    size_t room = cap - 1 - *len;
    if (n > room)
        n = room;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

void sr_store_spec_redact(const char *spec, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (!spec)
        return;
    size_t len = 0;
    if (!sr_store_spec_is_postgres(spec)) {
        append(out, cap, &len, spec, strlen(spec));
        return;
    }
    /* scheme://[user[:password]@]host... : the password ends at the last
     * '@' before the path, the query or the fragment. */
    const char *auth = strstr(spec, "://") + 3;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    const char *p = spec;
    if (colon) {
        append(out, cap, &len, p, (size_t)(colon + 1 - p));
        append(out, cap, &len, "***", 3);
        p = at;
    }
    /* ...and the value of a password=VALUE query parameter. */
    for (const char *q; (q = strstr(p, "password=")) != NULL;) {
        bool param = q > spec && (q[-1] == '?' || q[-1] == '&');
        append(out, cap, &len, p, (size_t)(q + 9 - p));
        p = q + 9;
        if (param) {
            append(out, cap, &len, "***", 3);
            p += strcspn(p, "&#");
        }
    }
    append(out, cap, &len, p, strlen(p));
}
