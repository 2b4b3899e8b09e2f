#include "common/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sr_buf_init(struct sr_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void sr_buf_release(struct sr_buf *b)
{
    free(b->data);
    sr_buf_init(b);
}

void sr_buf_reset(struct sr_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

bool sr_buf_grow(struct sr_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void sr_buf_add(struct sr_buf *b, const void *data, size_t len)
{
    if (!sr_buf_grow(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sr_buf_adds(struct sr_buf *b, const char *s)
{
    sr_buf_add(b, s, strlen(s));
}

void sr_buf_addc(struct sr_buf *b, char c)
{
    if (!sr_buf_grow(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void sr_buf_addf(struct sr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        sr_buf_add(b, small, (size_t)n);
        return;
    }
    if (!sr_buf_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *sr_buf_detach(struct sr_buf *b, size_t *len_out)
{
    if (b->failed) {
        sr_buf_release(b);
        return NULL;
    }
    if (!sr_buf_grow(b, 0)) {
        sr_buf_release(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *out = b->data;
    if (len_out)
        *len_out = b->len;
    sr_buf_init(b);
    return out;
}

const char *sr_buf_str(const struct sr_buf *b)
{
    return b->data ? b->data : "";
}
