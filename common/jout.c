#include "common/jout.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sr_jout_string(struct sr_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    sr_buf_grow(b, len + 2);
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

/* Shortest digit string that reads back as d: digits (no dot) and decimal exponent
 * such that d = 0.d1d2d3... * 10^(exp10+1), i.e. d1.d2d3... * 10^exp10.
 * Returns the number of digits. */
static int shortest_digits(double d, char *digits, int *exp10)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d || prec == 17)
            break;
    }
    /* tmp looks like "d.ddde+XX" or "de+XX" */
    char *e = strchr(tmp, 'e');
    assert(e); /* %e always writes one */
    *exp10 = (int)strtol(e + 1, NULL, 10);
    size_t n = 0;
    for (char *p = tmp; p < e; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return (int)n;
}

void sr_jout_java_double_text(struct sr_buf *b, double d)
{
    if (d == 0) {
        sr_buf_adds(b, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    if (d < 0) {
        sr_buf_addc(b, '-');
        d = -d;
    }
    char digits[32];
    int exp10 = 0;
    int nd = shortest_digits(d, digits, &exp10);
    if (d >= 1e-3 && d < 1e7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                sr_buf_addc(b, (char)(i < nd ? digits[i] : '0'));
            sr_buf_addc(b, '.');
            if (nd > exp10 + 1)
                sr_buf_add(b, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
            else
                sr_buf_addc(b, '0');
        } else {
            sr_buf_adds(b, "0.");
            for (int i = 0; i < -exp10 - 1; i++)
                sr_buf_addc(b, '0');
            sr_buf_add(b, digits, (size_t)nd);
        }
        return;
    }
    sr_buf_addc(b, digits[0]);
    sr_buf_addc(b, '.');
    if (nd > 1)
        sr_buf_add(b, digits + 1, (size_t)(nd - 1));
    else
        sr_buf_addc(b, '0');
    sr_buf_addf(b, "E%d", exp10);
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
        sr_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
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
