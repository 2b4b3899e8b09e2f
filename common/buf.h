/*
 * buf.h - a growable, always NUL-terminated byte buffer (after git's strbuf).
 *
 * Initialise with SR_BUF_INIT or sr_buf_init(); release with sr_buf_release().
 * Appends never fail silently: on allocation failure the buffer is marked
 * failed (sr_buf_failed) and later appends are no-ops, so a caller builds a
 * whole document and checks once at the end.
 */
#ifndef SR_COMMON_BUF_H
#define SR_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct sr_buf {
    char *data; /* NUL-terminated when len > 0 or after any append; may be NULL when empty */
    size_t len;
    size_t cap;
    bool failed;
};

#define SR_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void sr_buf_init(struct sr_buf *b);
void sr_buf_release(struct sr_buf *b);
void sr_buf_reset(struct sr_buf *b);

/* Ensures room for n more bytes plus the terminator; false (and failed) on OOM. */
bool sr_buf_grow(struct sr_buf *b, size_t n);

void sr_buf_add(struct sr_buf *b, const void *data, size_t len);
void sr_buf_adds(struct sr_buf *b, const char *s);
void sr_buf_addc(struct sr_buf *b, char c);
void sr_buf_addf(struct sr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool sr_buf_failed(const struct sr_buf *b)
{
    return b->failed;
}

/* Returns the contents as a heap string the caller owns (free()), leaving b empty.
 * Returns NULL if the buffer failed; then b is released. */
char *sr_buf_detach(struct sr_buf *b, size_t *len_out);

/* The contents as a C string; "" when empty. Borrowed until the next append. */
const char *sr_buf_str(const struct sr_buf *b);

#endif
