/*
 * strict.c - the edge's HTTP rules libmicrohttpd does not enforce; see strict.h.
 */
#include "server/strict.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "server/limits.h"

/* The edge's record of conn, or NULL when the edge does not track it. */
static struct sr_conn *conn_record(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

void *sr_strict_uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct sr_conn *c = conn_record(conn);
    (void)cls;
    if (c)
        c->target_end = uri ? uri + strlen(uri) : NULL;
    return NULL;
}

bool sr_strict_target_cut(const char *target_end, const char *version)
{
    /* Both point into libmicrohttpd's read buffer: the target's text runs up
     * to the byte before the version, where the space was. */
    return target_end && version && target_end + 1 != version;
}

static bool name_is(const char *key, size_t key_len, const char *name)
{
    return key_len == strlen(name) && strncasecmp(key, name, key_len) == 0;
}

void sr_strict_head_add(struct sr_strict_head *h, const char *key, size_t key_len,
                        const char *value, size_t value_len)
{
    if (!key)
        return;
    if (name_is(key, key_len, "Host")) {
        h->hosts++;
    } else if (name_is(key, key_len, "Content-Length")) {
        if (h->lengths++ == 0) {
            h->length = value;
            h->length_len = value_len;
        } else if (value_len != h->length_len || memcmp(value, h->length, value_len) != 0) {
            h->lengths_differ = true;
        }
    } else if (name_is(key, key_len, "Transfer-Encoding")) {
        /* libmicrohttpd reads a body as chunked only for this exact value
         * (any case); for any other it would read until the client closes. */
        bool chunked = value && name_is(value, value_len, "chunked");
        h->chunked_only = (h->encodings++ == 0 || h->chunked_only) && chunked;
    }
}

enum sr_err sr_strict_head_verdict(const struct sr_strict_head *h, bool http10,
                                   struct sr_error *err)
{
    if (h->hosts == 0 && !http10)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "An HTTP/1.1 request must carry a Host header");
    if (h->hosts > 1)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "A request must carry at most one Host header");
    if (h->lengths && h->encodings)
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "A request must not carry both Content-Length and Transfer-Encoding");
    if (h->lengths_differ)
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "The request carries Content-Length headers that disagree");
    if (h->encodings > 1 || (h->encodings && !h->chunked_only))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "The only Transfer-Encoding supported is one \"chunked\"");
    return SR_OK;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_len, const char *value, size_t value_len)
{
    (void)kind;
    sr_strict_head_add(cls, key, key_len, value, value_len);
    return MHD_YES;
}

enum sr_err sr_strict_check(struct MHD_Connection *conn, const char *version, struct sr_error *err)
{
    struct sr_conn *c = conn_record(conn);
    if (c) {
        const char *end = c->target_end;
        c->target_end = NULL; /* it points into this request's buffer */
        if (sr_strict_target_cut(end, version))
            return sr_errorf(err, SR_ERR_BAD_REQUEST, "The request target contains a NUL byte");
    }
    struct sr_strict_head h = {0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_header, &h);
    return sr_strict_head_verdict(&h, version && strcmp(version, "HTTP/1.0") == 0, err);
}
