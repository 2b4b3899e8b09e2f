/*
 * origin.c - Origin and Host checks; see origin.h.
 */
#include "server/origin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void free_list(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

void sr_origin_policy_release(struct sr_origin_policy *p)
{
    if (!p)
        return;
    free_list(p->origins, p->origin_count);
    free_list(p->hosts, p->host_count);
    memset(p, 0, sizeof *p);
}

/* "http://" or "https://" at the start of s: the length of the prefix, else 0. */
static size_t scheme_length(const char *s)
{
    if (strncasecmp(s, "http://", 7) == 0)
        return 7;
    if (strncasecmp(s, "https://", 8) == 0)
        return 8;
    return 0;
}

static bool valid_hostport(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && !strchr("-.:[]_", c))
            return false;
    }
    return true;
}

static bool valid_origin(const char *s)
{
    size_t scheme = scheme_length(s);
    return scheme && valid_hostport(s + scheme, strlen(s + scheme));
}

/* Splits csv on commas into trimmed, non-empty items checked by valid. */
static enum sr_err split(const char *csv, const char *what, bool (*valid)(const char *),
                         char ***out, size_t *count, struct sr_error *err)
{
    *out = NULL;
    *count = 0;
    if (!csv || !*csv)
        return SR_OK;
    size_t cap = 1;
    for (const char *p = csv; *p; p++)
        cap += *p == ',';
    char **items = calloc(cap, sizeof *items);
    if (!items)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (const char *p = csv; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (len) {
            items[n] = strndup(p, len);
            if (!items[n]) {
                free_list(items, n);
                return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
            }
            if (!valid(items[n++])) {
                enum sr_err rc =
                    sr_errorf(err, SR_ERR_BAD_REQUEST, "%s: '%s' is not %s", what, items[n - 1],
                              valid == valid_origin ? "an origin (http[s]://host[:port])"
                                                    : "a host name or address");
                free_list(items, n);
                return rc;
            }
        }
        p = end ? end + 1 : p + len;
    }
    *out = items;
    *count = n;
    return SR_OK;
}

static bool valid_host(const char *s)
{
    return valid_hostport(s, strlen(s)) && !strchr(s, ':') == !(s[0] == '[');
}

enum sr_err sr_origin_policy_parse(const char *cors_origins, const char *allowed_hosts,
                                   struct sr_origin_policy *p, struct sr_error *err)
{
    memset(p, 0, sizeof *p);
    enum sr_err rc =
        split(cors_origins, "--cors-origins", valid_origin, &p->origins, &p->origin_count, err);
    if (rc == SR_OK)
        rc = split(allowed_hosts, "--allowed-hosts", valid_host, &p->hosts, &p->host_count, err);
    if (rc != SR_OK)
        sr_origin_policy_release(p);
    return rc;
}

/* The length of host's name without a ":port" ("[::1]:8081" -> "[::1]"). */
static size_t host_name_length(const char *host)
{
    const char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (host[0] == '[')
        return colon ? (size_t)(colon + 1 - host) : strlen(host);
    /* a bare IPv6 address has several colons and no port */
    if (colon && strchr(host, ':') == colon)
        return (size_t)(colon - host);
    return strlen(host);
}

bool sr_origin_host_allowed(const struct sr_origin_policy *p, const char *host)
{
    if (!p || !p->host_count || !host)
        return true;
    size_t n = host_name_length(host);
    for (size_t i = 0; i < p->host_count; i++)
        if (strlen(p->hosts[i]) == n && strncasecmp(p->hosts[i], host, n) == 0)
            return true;
    return false;
}

/* Whether hostport a[0..na) names the same authority as b[0..nb) under the
 * default port def (":80" / ":443" may be left out). */
static bool same_authority(const char *a, size_t na, const char *b, size_t nb, const char *def)
{
    size_t dl = strlen(def);
    if (na > dl && strncasecmp(a + na - dl, def, dl) == 0)
        na -= dl;
    if (nb > dl && strncasecmp(b + nb - dl, def, dl) == 0)
        nb -= dl;
    return na == nb && strncasecmp(a, b, na) == 0;
}

enum sr_origin_verdict sr_origin_judge(const struct sr_origin_policy *p, const char *origin,
                                       const char *host, bool tls)
{
    if (!origin)
        return SR_ORIGIN_ABSENT;
    for (size_t i = 0; p && i < p->origin_count; i++)
        if (strcasecmp(p->origins[i], origin) == 0)
            return SR_ORIGIN_LISTED;
    size_t scheme = scheme_length(origin);
    bool https = scheme == 8;
    if (scheme && host && https == tls &&
        same_authority(origin + scheme, strlen(origin + scheme), host, strlen(host),
                       tls ? ":443" : ":80"))
        return SR_ORIGIN_SAME;
    return SR_ORIGIN_FOREIGN;
}
