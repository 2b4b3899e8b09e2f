/*
 * jread.c - json_loadb() with a fast reader in front; see jread.h.
 *
 * Every path that meets something unusual returns NULL, so that jansson
 * itself reads the input again: the reader only has to be right about what
 * it takes, never about how json_loadb words an error.
 */
#include "common/jread.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents go to json_loadb (whose limit is 2048), which keeps this
 * reader's recursion shallow on any thread's stack. */
#define MAX_DEPTH 256
/* Longer numbers go to json_loadb: a number is copied to the stack to be
 * converted (the input is not NUL-terminated). */
#define MAX_NUMBER 64

struct reader {
    const unsigned char *p, *end;
    size_t flags;
    unsigned depth;
    char *scratch; /* strings with escapes or non-ASCII, unescaped; grows */
    size_t cap;
};

static json_t *read_value(struct reader *r);

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static bool is_digit(const struct reader *r, const unsigned char *p)
{
    return p < r->end && *p >= '0' && *p <= '9';
}

static bool reserve(struct reader *r, size_t need)
{
    if (need <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    char *grown = realloc(r->scratch, cap);
    if (!grown)
        return false;
    r->scratch = grown;
    r->cap = cap;
    return true;
}

/* The length of the well-formed UTF-8 sequence at p (p[0] >= 0x80), or 0:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629, as
 * jansson checks). */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
    unsigned char lead = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        lo = lead == 0xE0 ? 0xA0 : lo;
        hi = lead == 0xED ? 0x9F : hi;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        lo = lead == 0xF0 ? 0x90 : lo;
        hi = lead == 0xF4 ? 0x8F : hi;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at p as a number, or -1. */
static int32_t hex4(const unsigned char *p)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The escape \uXXXX at p (p at the 'u'), with the low half that must follow
 * a high surrogate, written to out. Returns the input consumed, or 0. */
static size_t read_unicode(const unsigned char *p, const unsigned char *end, char *out,
                           size_t *written)
{
    if (end - p < 5)
        return 0;
    int32_t cp = hex4(p + 1);
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
        return 0;
    if (cp < 0xD800 || cp > 0xDBFF) {
        *written = put_utf8(out, (uint32_t)cp);
        return 5;
    }
    if (end - p < 11 || p[5] != '\\' || p[6] != 'u')
        return 0;
    int32_t low = hex4(p + 7);
    if (low < 0xDC00 || low > 0xDFFF)
        return 0;
    *written = put_utf8(out, 0x10000 + (((uint32_t)cp - 0xD800) << 10) + ((uint32_t)low - 0xDC00));
    return 11;
}

/* The short escape after a backslash, or -1. */
static int short_escape(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}

/* The rest of a string from p (escapes or non-ASCII met) unescaped into
 * r->scratch after its first n bytes. Unescaped text is never longer than
 * its source, so the scratch holds the rest of the input. */
static bool read_string_slow(struct reader *r, const unsigned char *p, size_t n, const char **out,
                             size_t *len)
{
    char *s = r->scratch;
    while (p < r->end) {
        unsigned char c = *p;
        if (c == '"') {
            r->p = p + 1;
            *out = s;
            *len = n;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c >= 0x80) {
            size_t k = utf8_length(p, r->end);
            if (!k)
                return false;
            memcpy(s + n, p, k);
            n += k;
            p += k;
        } else if (c != '\\') {
            s[n++] = (char)c;
            p++;
        } else if (p + 1 < r->end && p[1] == 'u') {
            size_t k = 0, used = read_unicode(p + 1, r->end, s + n, &k);
            if (!used)
                return false;
            n += k;
            p += 1 + used;
        } else {
            int e = p + 1 < r->end ? short_escape(p[1]) : -1;
            if (e < 0)
                return false;
            s[n++] = (char)e;
            p += 2;
        }
    }
    return false;
}

/* The string at r->p (its opening quote): *out points into the input when
 * it needs no unescaping, else into r->scratch (valid until the next string). */
static bool read_string(struct reader *r, const char **out, size_t *len)
{
    const unsigned char *start = r->p + 1, *p = start;
    while (p < r->end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
        p++;
    if (p < r->end && *p == '"') {
        *out = (const char *)start;
        *len = (size_t)(p - start);
        r->p = p + 1;
        return true;
    }
    size_t n = (size_t)(p - start);
    if (!reserve(r, (size_t)(r->end - start) + 1))
        return false;
    memcpy(r->scratch, start, n);
    return read_string_slow(r, p, n, out, len);
}

static void skip_digits(const struct reader *r, const unsigned char **p)
{
    while (is_digit(r, *p))
        (*p)++;
}

/* A number in RFC 8259's grammar: an integer as jansson makes one (no
 * fraction, no exponent; strtoll's range), else a real (strtod, finite). */
static json_t *read_number(struct reader *r)
{
    const unsigned char *start = r->p, *p = start;
    bool real = false;
    if (p < r->end && *p == '-')
        p++;
    if (p < r->end && *p == '0')
        p++;
    else if (is_digit(r, p))
        skip_digits(r, &p);
    else
        return NULL;
    if (p < r->end && *p == '.') {
        if (!is_digit(r, ++p))
            return NULL;
        skip_digits(r, &p);
        real = true;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(r, p))
            return NULL;
        skip_digits(r, &p);
        real = true;
    }
    size_t n = (size_t)(p - start);
    char text[MAX_NUMBER], *stop = NULL;
    if (n >= sizeof(text))
        return NULL;
    memcpy(text, start, n);
    text[n] = '\0';
    errno = 0;
    json_t *v = NULL;
    if (!real) {
        long long i = strtoll(text, &stop, 10);
        if (errno != ERANGE && stop == text + n)
            v = json_integer(i);
    } else {
        /* stop short of the end: a locale whose decimal point is not '.' */
        double d = strtod(text, &stop);
        if (!(errno == ERANGE && isinf(d)) && stop == text + n)
            v = json_real(d);
    }
    if (v)
        r->p = p;
    return v;
}

static bool read_word(struct reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

/* After a member or element: ',' (true, *more) or the closing byte. */
static bool read_separator(struct reader *r, unsigned char close, bool *more)
{
    skip_space(r);
    if (r->p >= r->end || (*r->p != ',' && *r->p != close))
        return false;
    *more = *r->p++ == ',';
    if (*more)
        skip_space(r);
    return true;
}

static json_t *read_array(struct reader *r)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    r->p++;
    skip_space(r);
    bool more = !(r->p < r->end && *r->p == ']');
    if (!more)
        r->p++;
    while (more) {
        json_t *v = read_value(r);
        if (!v || json_array_append_new(array, v) || !read_separator(r, ']', &more)) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/* One "key": value into object (key copied before the value may reuse the
 * scratch). */
static bool read_member(struct reader *r, json_t *object)
{
    const char *key = NULL;
    size_t len = 0;
    if (r->p >= r->end || *r->p != '"' || !read_string(r, &key, &len) || memchr(key, '\0', len))
        return false;
    char small[128], *copy = NULL;
    if (key == r->scratch) {
        copy = len < sizeof(small) ? small : malloc(len);
        if (!copy)
            return false;
        memcpy(copy, key, len);
        key = copy;
    }
    skip_space(r);
    bool ok = r->p < r->end && *r->p == ':';
    json_t *v = NULL;
    if (ok) {
        r->p++;
        skip_space(r);
        v = read_value(r);
    }
    ok = v && json_object_setn_new_nocheck(object, key, len, v) == 0; /* takes v */
    if (copy != small)
        free(copy);
    return ok;
}

static json_t *read_object(struct reader *r)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    r->p++;
    skip_space(r);
    bool more = !(r->p < r->end && *r->p == '}');
    if (!more)
        r->p++;
    while (more) {
        if (!read_member(r, object) || !read_separator(r, '}', &more)) {
            json_decref(object);
            return NULL;
        }
    }
    return object;
}

static json_t *read_text(struct reader *r)
{
    const char *s = NULL;
    size_t len = 0;
    if (!read_string(r, &s, &len))
        return NULL;
    if (!(r->flags & JSON_ALLOW_NUL) && memchr(s, '\0', len))
        return NULL;
    return json_stringn_nocheck(s, len);
}

static json_t *read_container(struct reader *r)
{
    if (r->depth >= MAX_DEPTH)
        return NULL;
    r->depth++;
    json_t *v = *r->p == '{' ? read_object(r) : read_array(r);
    r->depth--;
    return v;
}

static json_t *read_value(struct reader *r)
{
    if (r->p >= r->end)
        return NULL;
    switch (*r->p) {
    case '{':
    case '[':
        return read_container(r);
    case '"':
        return read_text(r);
    case 't':
        return read_word(r, "true", 4) ? json_true() : NULL;
    case 'f':
        return read_word(r, "false", 5) ? json_false() : NULL;
    case 'n':
        return read_word(r, "null", 4) ? json_null() : NULL;
    default:
        return read_number(r);
    }
}

json_t *sr_jread_fast(const char *text, size_t len, size_t flags)
{
    if (!text || (flags & ~(size_t)SR_JREAD_FLAGS))
        return NULL;
    struct reader r = {
        .p = (const unsigned char *)text, .end = (const unsigned char *)text + len, .flags = flags};
    skip_space(&r);
    if (!(flags & JSON_DECODE_ANY) && (r.p >= r.end || (*r.p != '{' && *r.p != '[')))
        return NULL;
    json_t *v = read_value(&r);
    skip_space(&r);
    if (v && r.p != r.end) {
        json_decref(v);
        v = NULL;
    }
    free(r.scratch);
    return v;
}

json_t *sr_jread_loadb(const char *text, size_t len, size_t flags, json_error_t *error)
{
    json_t *v = sr_jread_fast(text, len, flags);
    if (!v)
        return json_loadb(text, len, flags, error);
    if (error) { /* as json_loadb leaves it after a success */
        memset(error, 0, sizeof(*error));
        error->line = -1;
        error->column = -1;
        error->position = (int)len;
        strcpy(error->source, "<buffer>");
    }
    return v;
}
