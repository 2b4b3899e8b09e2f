/*
 * router.c - route matching and path-parameter decoding; see router.h.
 * Nothing here allocates: the router walks the pattern strings of the table
 * directly and decodes parameters into the caller's scratch buffer.
 */
#include "server/router.h"

#include <stdint.h>
#include <string.h>

/* A path segment that lined up with a {param} of the pattern. */
struct raw_param {
    const char *text; /* raw (still encoded) */
    size_t len;
    const char *name; /* the parameter's name in the pattern, not terminated */
    size_t name_len;
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sr_percent_decode(const char *in, size_t len, char *out, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
        if (lo < 0)
            return false;
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    *out_len = o;
    return true;
}

/* Length of the UTF-8 sequence starting at s[0..n), or 0 when malformed. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && s[1] < 0xA0) /* overlong 3-byte */
        return 0;
    if (c == 0xED && s[1] >= 0xA0) /* UTF-16 surrogates */
        return 0;
    if (c == 0xF0 && s[1] < 0x90) /* overlong 4-byte */
        return 0;
    if (c == 0xF4 && s[1] >= 0x90) /* above U+10FFFF */
        return 0;
    return len;
}

bool sr_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t sr_router_scratch_size(const char *path)
{
    return strlen(path) + 1;
}

/* Whether the path segment seg (raw) equals the static pattern segment pat
 * once decoded. Static segments are short words, so a bounded buffer does. */
static bool static_segment_equal(const char *pat, size_t pat_len, const char *seg, size_t seg_len)
{
    if (seg_len == pat_len && memcmp(pat, seg, pat_len) == 0)
        return true;
    char decoded[64];
    size_t n;
    if (seg_len > sizeof decoded || !memchr(seg, '%', seg_len) ||
        !sr_percent_decode(seg, seg_len, decoded, &n))
        return false;
    return n == pat_len && memcmp(pat, decoded, n) == 0;
}

/* Matches pattern against path[0..len) (one trailing slash already dropped);
 * on success fills params and *count. */
static bool match_pattern(const char *pat, const char *s, size_t len, struct raw_param *params,
                          size_t *count)
{
    const char *end = s + len;
    size_t n = 0;
    *count = 0;
    if (pat[0] == '/' && pat[1] == '\0') /* the root: no segments */
        return len == 1 && s[0] == '/';
    while (*pat) {
        if (s >= end || *s != '/' || *pat != '/')
            return false;
        pat++;
        s++;
        const char *pe = pat, *se = s;
        while (*pe && *pe != '/')
            pe++;
        while (se < end && *se != '/')
            se++;
        if (*pat == '{') {
            if (se == s || n == SR_MAX_PATH_PARAMS)
                return false;
            params[n++] = (struct raw_param){s, (size_t)(se - s), pat + 1, (size_t)(pe - pat - 2)};
        } else if (!static_segment_equal(pat, (size_t)(pe - pat), s, (size_t)(se - s))) {
            return false;
        }
        pat = pe;
        s = se;
    }
    if (s != end)
        return false;
    *count = n;
    return true;
}

static bool name_is(const struct raw_param *p, const char *name)
{
    return p->name_len == strlen(name) && memcmp(p->name, name, p->name_len) == 0;
}

/* The error for a parameter that decoded to something no stored name can be. */
static enum sr_err bad_param(const struct raw_param *p, const char *why, struct sr_error *err)
{
    if (name_is(p, "subject"))
        return sr_errorf(err, SR_ERR_INVALID_SUBJECT, "Invalid subject: the subject in the path %s",
                         why);
    if (name_is(p, "version"))
        return sr_errorf(err, SR_ERR_INVALID_VERSION,
                         "The specified version is not a valid version id: it %s. Allowed values "
                         "are between [1, 2^31-1] and the string \"latest\"",
                         why);
    return sr_errorf(err, SR_ERR_NOT_FOUND, "%s", sr_error_default_message(SR_ERR_NOT_FOUND));
}

/* Decodes params into scratch and points match->params at them. */
static enum sr_err decode_params(const struct raw_param *params, size_t count, char *scratch,
                                 size_t scratch_len, struct sr_route_match *match,
                                 struct sr_error *err)
{
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n;
        if (params[i].len + 1 > scratch_len - used)
            return sr_errorf(err, SR_ERR_INTERNAL, "router scratch buffer too small");
        char *out = scratch + used;
        if (!sr_percent_decode(params[i].text, params[i].len, out, &n))
            return sr_errorf(err, SR_ERR_BAD_REQUEST,
                             "Malformed percent-encoding in the request path");
        if (memchr(out, '\0', n))
            return bad_param(&params[i], "contains a NUL character", err);
        if (!sr_utf8_valid(out, n))
            return bad_param(&params[i], "is not valid UTF-8", err);
        out[n] = '\0';
        match->params[i] = out;
        used += n + 1;
    }
    match->param_count = count;
    return SR_OK;
}

static bool method_matches(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

enum sr_err sr_router_match(const struct sr_route *table, const char *method, const char *path,
                            char *scratch, size_t scratch_len, struct sr_route_match *match,
                            struct sr_error *err)
{
    struct raw_param params[SR_MAX_PATH_PARAMS];
    size_t count = 0, len = strlen(path);
    memset(match, 0, sizeof *match);
    match->route_index = SIZE_MAX;
    if (len > 1 && path[len - 1] == '/')
        len--;
    for (size_t i = 0; table[i].method; i++) {
        if (!match_pattern(table[i].pattern, path, len, params, &count))
            continue;
        if (method_matches(table[i].method, method)) {
            match->route = &table[i];
            match->route_index = i;
            return decode_params(params, count, scratch, scratch_len, match, err);
        }
        if (!match->route) {
            match->route = &table[i];
            match->route_index = i;
        }
    }
    if (match->route)
        return sr_errorf(err, SR_ERR_METHOD_NOT_ALLOWED, "%s",
                         sr_error_default_message(SR_ERR_METHOD_NOT_ALLOWED));
    return sr_errorf(err, SR_ERR_NOT_FOUND, "%s", sr_error_default_message(SR_ERR_NOT_FOUND));
}
