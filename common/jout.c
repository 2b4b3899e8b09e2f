#include "common/jout.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dtoa.h"

void sr_jout_string(struct sr_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Mostly nothing needs an escape: then one copy between the quotes. */
    size_t clean = 0;
    while (clean < len && (unsigned char)s[clean] >= 0x20 && s[clean] != '"' && s[clean] != '\\')
        clean++;
    if (!sr_buf_grow(b, len + 2))
        return;
    if (clean == len) {
        char *p = b->data + b->len;
        p[0] = '"';
        if (len)
            memcpy(p + 1, s, len);
        p[len + 1] = '"';
        p[len + 2] = '\0';
        b->len += len + 2;
        return;
    }
    sr_buf_addc(b, '"');
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c < 0x20) {
            switch (c) {
            case '\b':
                esc = "\\b";
                break;
            case '\t':
                esc = "\\t";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\r':
                esc = "\\r";
                break;
            default:
                memcpy(ubuf, "\\u00", 4);
                ubuf[4] = hex[c >> 4];
                ubuf[5] = hex[c & 15];
                ubuf[6] = '\0';
                esc = ubuf;
            }
        }
        if (!esc)
            continue;
        sr_buf_add(b, s + run, i - run);
        sr_buf_adds(b, esc);
        run = i + 1;
    }
    sr_buf_add(b, s + run, len - run);
    sr_buf_addc(b, '"');
}

void sr_jout_cstring(struct sr_buf *b, const char *s)
{
    sr_jout_string(b, s, strlen(s));
}

void sr_jout_jstring(struct sr_buf *b, const json_t *s)
{
    sr_jout_string(b, json_string_value(s), json_string_length(s));
}

void sr_jout_int(struct sr_buf *b, long long v)
{
    char text[24];
    char *p = text + sizeof(text);
    /* the magnitude as unsigned, so that LLONG_MIN has one */
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sr_buf_add(b, p, (size_t)(text + sizeof(text) - p));
}

void sr_jout_java_double_text(struct sr_buf *b, double d)
{
    char text[SR_DTOA_MAX];
    sr_buf_add(b, text, sr_dtoa_double(d, text));
}

void sr_jout_double(struct sr_buf *b, double d)
{
    if (isnan(d)) {
        sr_buf_adds(b, "\"NaN\"");
        return;
    }
    if (isinf(d)) {
        sr_buf_adds(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    sr_jout_java_double_text(b, d);
}

void sr_jout_value(struct sr_buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        int first = 1;
        sr_buf_addc(b, '{');
        json_object_foreach((json_t *)v, key, val)
        {
            if (!first)
                sr_buf_addc(b, ',');
            first = 0;
            sr_jout_cstring(b, key);
            sr_buf_addc(b, ':');
            sr_jout_value(b, val);
        }
        sr_buf_addc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        sr_buf_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sr_buf_addc(b, ',');
            sr_jout_value(b, json_array_get(v, i));
        }
        sr_buf_addc(b, ']');
        break;
    }
    case JSON_STRING:
        sr_jout_jstring(b, v);
        break;
    case JSON_INTEGER:
        sr_jout_int(b, json_integer_value(v));
        break;
    case JSON_REAL:
        sr_jout_double(b, json_real_value(v));
        break;
    case JSON_TRUE:
        sr_buf_adds(b, "true");
        break;
    case JSON_FALSE:
        sr_buf_adds(b, "false");
        break;
    case JSON_NULL:
        sr_buf_adds(b, "null");
        break;
    }
}
