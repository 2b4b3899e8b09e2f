/*
 * jsonenc.c - the Avro JSON encoding of a datum, read straight into Avro
 * binary by walking the text beside our schema model: no jansson document,
 * no avro-c value, no allocation beyond the output.
 *
 * It is the fast path of avroreg_serialize_json() and takes only what it can
 * read exactly as the general path (jansson's json_loadb with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL, then datum.c into an avro-c value, then
 * avro-c's binary writer) does, giving the same bytes. Everything else makes
 * it give up, leaving the output as it was, and the general path then
 * encodes the datum or words the error: invalid JSON or UTF-8, a value that
 * does not fit its type, a missing or unknown record field, duplicate members
 * (jansson keeps the last), lone surrogate escapes, U+0000 in a map key or an
 * enum symbol (C strings stop there), numbers that overflow, nesting deeper
 * than MAX_DEPTH, maps of more than MAX_MAP_KEYS entries.
 *
 * What the general path does, and so this file: numbers are read as jansson
 * reads them (an integer as a long long, a real with strtod, an integer given
 * for a float or double converted from long long); a union value is null (the
 * "null" branch) or an object of one member naming the branch; record members
 * may come in any order; arrays and maps are one block of items followed by a
 * zero count, or just the zero count when empty, as avro-c writes them.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/datum_int.h"

#define MAX_DEPTH 1000   /* deeper data takes the general path, well below its limits */
#define MAX_MAP_KEYS 256 /* a map with more entries takes the general path... */
#define MAX_NUMBER 128   /* ...as does a number text longer than this */

struct enc {
    const char *p, *end;
    struct sr_buf *out;
    struct sr_buf scratch; /* a string with escapes, decoded */
    struct sr_buf marks;   /* a stack of offsets the open maps and records keep */
    int depth;
};

/* A member name, symbol or branch name: in the text itself when it has no
 * escapes, else decoded in enc.scratch. Not NUL-terminated. */
struct name {
    const char *s;
    size_t len;
};

/* Whether name k is the C string c. */
static bool name_is(struct name k, const char *c)
{
    return strncmp(c, k.s, k.len) == 0 && c[k.len] == '\0';
}

static bool encode(struct enc *e, const struct sr_node *n);

/* ---- output -------------------------------------------------------------------------- */

/* Avro's zig-zag form of v: 0, -1, 1, -2, ... as 0, 1, 2, 3, ... */
static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static bool put_long(struct sr_buf *b, int64_t v)
{
    if (!sr_buf_grow(b, 10))
        return false;
    uint64_t u = zigzag(v);
    unsigned char *p = (unsigned char *)b->data + b->len;
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (unsigned char)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (unsigned char)u;
    b->len += n;
    return true;
}

static size_t long_size(int64_t v)
{
    uint64_t u = zigzag(v);
    size_t n = 1;
    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

static bool put_bytes(struct sr_buf *b, const void *p, size_t len)
{
    if (!sr_buf_grow(b, len))
        return false;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return true;
}

/* Little-endian, as the Avro specification orders float and double bytes. */
static bool put_le(struct sr_buf *b, uint64_t bits, size_t size)
{
    unsigned char le[8];
    for (size_t i = 0; i < size; i++)
        le[i] = (unsigned char)(bits >> (8 * i));
    return put_bytes(b, le, size);
}

/* ---- JSON text ------------------------------------------------------------------------- */

static void ws(struct enc *e)
{
    while (e->p < e->end && (*e->p == ' ' || *e->p == '\t' || *e->p == '\n' || *e->p == '\r'))
        e->p++;
}

/* The next character after white space, without taking it; 0 at the end. */
static char peek(struct enc *e)
{
    ws(e);
    if (e->p >= e->end)
        return '\0';
    return *e->p;
}

static bool take(struct enc *e, char c)
{
    if (peek(e) != c)
        return false;
    e->p++;
    return true;
}

static bool literal(struct enc *e, const char *word, size_t len)
{
    ws(e);
    if ((size_t)(e->end - e->p) < len || memcmp(e->p, word, len) != 0)
        return false;
    e->p += len;
    /* "nullx" is not null: the next character must end the token */
    return e->p == e->end || strchr(" \t\n\r,]}:", *e->p);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(struct enc *e, uint32_t *out)
{
    if (e->end - e->p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(e->p[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    e->p += 4;
    *out = v;
    return true;
}

static bool put_utf8(struct sr_buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put_bytes(b, u, n);
}

/* A \uXXXX escape (the backslash and u taken): a character, or a surrogate
 * pair; a lone surrogate is jansson's error. */
static bool unicode_escape(struct enc *e, struct sr_buf *dst)
{
    uint32_t cp, lo;
    if (!hex4(e, &cp))
        return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (e->end - e->p < 2 || e->p[0] != '\\' || e->p[1] != 'u')
            return false;
        e->p += 2;
        if (!hex4(e, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return put_utf8(dst, cp);
}

/* A JSON string (at its opening quote) decoded to UTF-8, appended to dst. */
static bool string(struct enc *e, struct sr_buf *dst)
{
    if (!take(e, '"'))
        return false;
    for (;;) {
        const char *run = e->p;
        while (e->p < e->end && (unsigned char)*e->p >= 0x20 && (unsigned char)*e->p < 0x80 &&
               *e->p != '"' && *e->p != '\\')
            e->p++;
        if (!put_bytes(dst, run, (size_t)(e->p - run)) || e->p >= e->end)
            return false;
        unsigned char c = (unsigned char)*e->p;
        if (c == '"') {
            e->p++;
            return true;
        }
        if (c < 0x20) /* jansson: a control character */
            return false;
        if (c >= 0x80) {
            size_t bad = 0; /* jansson refuses what is not well-formed */
            size_t n = ar_utf8_valid((const unsigned char *)e->p, (size_t)(e->end - e->p), &bad);
            if (!n || !put_bytes(dst, e->p, n))
                return false;
            e->p += n;
            continue;
        }
        /* a backslash */
        if (e->end - e->p < 2)
            return false;
        char x = e->p[1];
        e->p += 2;
        const char *simple = strchr("\"\\/bfnrt", x);
        if (x && simple) {
            static const char value[] = "\"\\/\b\f\n\r\t";
            if (!put_bytes(dst, &value[simple - "\"\\/bfnrt"], 1))
                return false;
        } else if (x != 'u' || !unicode_escape(e, dst)) {
            return false;
        }
    }
}

/* A string (at its opening quote) as a name; false if it holds U+0000,
 * where the C strings of the general path would stop. */
static bool name(struct enc *e, struct name *k)
{
    if (peek(e) != '"')
        return false;
    const char *q = e->p + 1;
    while (q < e->end && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80 && *q != '"' &&
           *q != '\\')
        q++;
    if (q < e->end && *q == '"') { /* plain ASCII: the text itself */
        k->s = e->p + 1;
        k->len = (size_t)(q - k->s);
        e->p = q + 1;
        return true;
    }
    sr_buf_reset(&e->scratch);
    if (!string(e, &e->scratch))
        return false;
    k->s = e->scratch.data ? e->scratch.data : "";
    k->len = e->scratch.len;
    return !memchr(k->s, '\0', k->len);
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A JSON number, as jansson reads it: an integer (no fraction, no exponent)
 * as a long long, anything else as the double strtod() gives. */
static bool number(struct enc *e, bool *is_int, long long *iv, double *dv)
{
    ws(e);
    const char *s = e->p, *q = s;
    bool neg = q < e->end && *q == '-';
    q += neg;
    if (q >= e->end || *q < '0' || *q > '9')
        return false;
    /* the significant digits (up to 19) and the decimal point's shift */
    uint64_t digits = 0;
    int ndigits = 0, shift = 0;
    bool frac = false;
    if (*q == '0') {
        q++;
    } else {
        for (; q < e->end && *q >= '0' && *q <= '9'; q++) {
            if (ndigits < 19) {
                digits = digits * 10 + (uint64_t)(*q - '0');
                ndigits++;
            } else {
                shift++;
            }
        }
    }
    if (q < e->end && *q == '.') {
        frac = true;
        q++;
        if (q >= e->end || *q < '0' || *q > '9')
            return false;
        for (; q < e->end && *q >= '0' && *q <= '9'; q++) {
            if (digits == 0 && *q == '0') {
                shift--; /* a leading zero */
            } else if (ndigits < 19) {
                digits = digits * 10 + (uint64_t)(*q - '0');
                ndigits++;
                shift--;
            }
        }
    }
    int exp = 0;
    if (q < e->end && (*q == 'e' || *q == 'E')) {
        frac = true;
        q++;
        bool eneg = q < e->end && (*q == '-' || *q == '+') ? *q++ == '-' : false;
        if (q >= e->end || *q < '0' || *q > '9')
            return false;
        for (; q < e->end && *q >= '0' && *q <= '9'; q++)
            if (exp < 100000)
                exp = exp * 10 + (*q - '0');
        exp = eneg ? -exp : exp;
    }
    e->p = q;
    *is_int = !frac;
    if (!frac) {
        /* strtoll's range, beyond which jansson reports an error */
        if (shift || digits > (uint64_t)LLONG_MAX + neg)
            return false;
        *iv = neg ? (long long)(0 - digits) : (long long)digits;
        return true;
    }
    if (ndigits <= 15 && exp + shift >= -22 && exp + shift <= 22) {
        /* one correctly rounded operation on exact operands: what strtod gives */
        int e10 = exp + shift;
        double d = (double)digits;
        d = e10 < 0 ? d / pow10_exact[-e10] : d * pow10_exact[e10];
        *dv = neg ? -d : d;
        return true;
    }
    char text[MAX_NUMBER + 1];
    size_t len = (size_t)(q - s);
    if (len > MAX_NUMBER)
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    char *stop = NULL;
    double d = strtod(text, &stop);
    /* a locale whose decimal point is not '.' stops early: the general path */
    if (stop != text + len || d == HUGE_VAL || d == -HUGE_VAL)
        return false;
    *dv = d;
    return true;
}

/* Skips one JSON value, loosely: enough to find where it ends. The value is
 * read strictly when it is encoded. */
static bool skip_value(struct enc *e)
{
    int depth = 0;
    do {
        char c = peek(e);
        if (c == '"') {
            e->p++;
            while (e->p < e->end && *e->p != '"') {
                if (*e->p == '\\' && e->end - e->p < 2)
                    return false;
                e->p += *e->p == '\\' ? 2 : 1;
            }
            if (e->p >= e->end)
                return false;
            e->p++;
        } else if (c == '{' || c == '[') {
            depth++;
            e->p++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return false;
            e->p++;
        } else if (c == ',' || c == ':') {
            if (!depth)
                return false;
            e->p++;
        } else if (c) {
            while (e->p < e->end && !strchr(" \t\n\r,]}:\"{[", *e->p))
                e->p++;
        } else {
            return false;
        }
    } while (depth > 0);
    return true;
}

/* ---- types -------------------------------------------------------------------------------- */

static bool encode_int(struct enc *e, const struct sr_node *n)
{
    bool is_int;
    long long x;
    double d;
    if (!number(e, &is_int, &x, &d) || !is_int)
        return false;
    if (n->type == SR_INT && (x < INT32_MIN || x > INT32_MAX))
        return false;
    return put_long(e->out, x);
}

static bool encode_real(struct enc *e, const struct sr_node *n)
{
    double d;
    if (peek(e) == '"') {
        struct name k;
        if (!name(e, &k))
            return false;
        if (name_is(k, "NaN"))
            d = NAN;
        else if (name_is(k, "Infinity"))
            d = INFINITY;
        else if (name_is(k, "-Infinity"))
            d = -INFINITY;
        else
            return false;
    } else {
        bool is_int;
        long long x;
        if (!number(e, &is_int, &x, &d))
            return false;
        if (is_int)
            d = (double)x;
    }
    if (n->type == SR_DOUBLE) {
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        return put_le(e->out, bits, 8);
    }
    if (!ar_fits_float(d))
        return false;
    float f = (float)d;
    uint32_t bits;
    memcpy(&bits, &f, sizeof(bits));
    return put_le(e->out, bits, 4);
}

/* string: the UTF-8 bytes; bytes and fixed: the characters U+0000..U+00FF. */
static bool encode_text(struct enc *e, const struct sr_node *n)
{
    struct sr_buf *out = e->out;
    size_t at = out->len;
    /* room for the longest length prefix, moved up to the bytes after */
    if (n->type != SR_FIXED && !put_bytes(out, "\0\0\0\0\0\0\0\0\0\0", 10))
        return false;
    size_t start = out->len;
    if (!string(e, out))
        return false;
    size_t len = out->len - start;
    if (n->type != SR_STRING) {
        size_t count = 0, bad = 0;
        uint32_t cp = 0;
        unsigned char *s = (unsigned char *)out->data + start;
        if (!ar_latin1_decode((char *)s, len, s, &count, &cp, &bad))
            return false;
        len = count;
        if (n->type == SR_FIXED && count != (size_t)n->size)
            return false;
    }
    if (n->type == SR_FIXED) {
        out->len = start + len;
        return true;
    }
    size_t prefix = long_size((int64_t)len);
    memmove(out->data + at + prefix, out->data + start, len);
    out->len = at;
    put_long(out, (int64_t)len); /* fits: the room was reserved */
    out->len = at + prefix + len;
    return true;
}

static bool encode_enum(struct enc *e, const struct sr_node *n)
{
    struct name k;
    if (!name(e, &k))
        return false;
    for (size_t i = 0; i < n->symbol_count; i++)
        if (name_is(k, n->symbols[i]))
            return put_long(e->out, (int64_t)i);
    return false;
}

/* Puts the block count before the count items written since at, then the
 * closing zero count. */
static bool close_block(struct sr_buf *out, size_t at, size_t count)
{
    if (count) {
        size_t prefix = long_size((int64_t)count);
        size_t body = out->len - at;
        if (!sr_buf_grow(out, prefix))
            return false;
        memmove(out->data + at + prefix, out->data + at, body);
        out->len = at;
        put_long(out, (int64_t)count);
        out->len = at + prefix + body;
    }
    return put_long(out, 0);
}

static bool encode_array(struct enc *e, const struct sr_node *n)
{
    if (!take(e, '['))
        return false;
    size_t at = e->out->len, count = 0;
    if (!take(e, ']')) {
        do {
            if (!encode(e, n->items))
                return false;
            count++;
        } while (take(e, ','));
        if (!take(e, ']'))
            return false;
    }
    return close_block(e->out, at, count);
}

/* Pushes n words on e->marks; returns the index of the first, or SIZE_MAX. */
static size_t marks_push(struct enc *e, size_t n)
{
    size_t at = e->marks.len / sizeof(size_t);
    if (!sr_buf_grow(&e->marks, n * sizeof(size_t)))
        return SIZE_MAX;
    memset(e->marks.data + e->marks.len, 0, n * sizeof(size_t));
    e->marks.len += n * sizeof(size_t);
    return at;
}

static size_t *marks_at(struct enc *e, size_t i)
{
    return (size_t *)(void *)e->marks.data + i;
}

static void marks_pop(struct enc *e, size_t first)
{
    e->marks.len = first * sizeof(size_t);
}

/* Whether the map whose keys' places in the output are marks [first, first +
 * count) has key k already: jansson would keep only one of the two. */
static bool key_seen(struct enc *e, size_t first, size_t count, struct name k)
{
    for (size_t i = 0; i < count; i++) {
        size_t *m = marks_at(e, first + 2 * i);
        if (m[1] == k.len && memcmp(e->out->data + m[0], k.s, k.len) == 0)
            return true;
    }
    return false;
}

static bool encode_map(struct enc *e, const struct sr_node *n)
{
    if (!take(e, '{'))
        return false;
    size_t at = e->out->len, count = 0;
    size_t first = e->marks.len / sizeof(size_t);
    bool ok = true;
    if (!take(e, '}')) {
        do {
            struct name k;
            size_t m;
            ok = count < MAX_MAP_KEYS && name(e, &k) && take(e, ':') &&
                 !key_seen(e, first, count, k) && put_long(e->out, (int64_t)k.len) &&
                 (m = marks_push(e, 2)) != SIZE_MAX;
            if (!ok)
                break;
            *marks_at(e, m) = e->out->len;
            *marks_at(e, m + 1) = k.len;
            ok = put_bytes(e->out, k.s, k.len) && encode(e, n->values);
            count++;
        } while (ok && take(e, ','));
        ok = ok && take(e, '}');
    }
    marks_pop(e, first);
    return ok && close_block(e->out, at, count);
}

/* The field of record n named k, or -1; fields[hint] is tried first. */
static long field_named(const struct sr_node *n, struct name k, size_t hint)
{
    if (hint < n->field_count && name_is(k, n->fields[hint].name))
        return (long)hint;
    for (size_t i = 0; i < n->field_count; i++)
        if (name_is(k, n->fields[i].name))
            return (long)i;
    return -1;
}

/* A record whose members do not come in field order: find where each field's
 * value starts and ends first, then encode them in order. open is the '{'. */
static bool encode_record_reordered(struct enc *e, const struct sr_node *n, const char *open)
{
    size_t first = marks_push(e, 2 * n->field_count);
    if (first == SIZE_MAX)
        return false;
    e->p = open + 1;
    size_t seen = 0;
    long f = -1;
    bool ok = true;
    if (!take(e, '}')) {
        do {
            struct name k;
            ok = name(e, &k) && take(e, ':') && (f = field_named(n, k, (size_t)(f + 1))) >= 0 &&
                 !*marks_at(e, first + 2 * (size_t)f); /* not twice */
            if (!ok)
                break;
            /* offsets from the '{', so never 0: 0 marks a field not seen yet */
            *marks_at(e, first + 2 * (size_t)f) = (size_t)(e->p - open);
            ok = skip_value(e);
            *marks_at(e, first + 2 * (size_t)f + 1) = (size_t)(e->p - open);
            seen++;
        } while (ok && take(e, ','));
        ok = ok && take(e, '}');
    }
    const char *close = e->p;
    ok = ok && seen == n->field_count;
    for (size_t i = 0; ok && i < n->field_count; i++) {
        /* the marks may move as nested values push theirs */
        e->p = open + *marks_at(e, first + 2 * i);
        ok = encode(e, n->fields[i].type) && e->p == open + *marks_at(e, first + 2 * i + 1);
    }
    marks_pop(e, first);
    e->p = close;
    return ok;
}

static bool encode_record(struct enc *e, const struct sr_node *n)
{
    ws(e);
    const char *open = e->p;
    size_t at = e->out->len;
    if (!take(e, '{'))
        return false;
    size_t i = 0;
    if (!take(e, '}')) {
        do {
            struct name k;
            if (!name(e, &k) || !take(e, ':'))
                return false;
            if (i >= n->field_count || !name_is(k, n->fields[i].name)) {
                e->out->len = at;
                return encode_record_reordered(e, n, open);
            }
            if (!encode(e, n->fields[i].type))
                return false;
            i++;
        } while (take(e, ','));
        if (!take(e, '}'))
            return false;
    }
    return i == n->field_count;
}

static bool encode_union(struct enc *e, const struct sr_node *n)
{
    bool null = peek(e) == 'n';
    struct name k = {"null", 4};
    if (null ? !literal(e, "null", 4) : !take(e, '{') || !name(e, &k))
        return false;
    size_t idx = 0;
    while (idx < n->branch_count && !name_is(k, ar_branch_name(n->branches[idx])))
        idx++;
    if (idx == n->branch_count || !put_long(e->out, (int64_t)idx))
        return false;
    if (null)
        return n->branches[idx]->type == SR_NULL;
    /* exactly one member: with more, jansson's view of duplicates decides */
    return take(e, ':') && encode(e, n->branches[idx]) && take(e, '}');
}

static bool encode(struct enc *e, const struct sr_node *n)
{
    if (++e->depth > MAX_DEPTH)
        return false;
    bool ok = false;
    switch (n->type) {
    case SR_NULL:
        ok = literal(e, "null", 4);
        break;
    case SR_BOOLEAN:
        if (peek(e) == 't')
            ok = literal(e, "true", 4) && put_bytes(e->out, "\1", 1);
        else
            ok = literal(e, "false", 5) && put_bytes(e->out, "\0", 1);
        break;
    case SR_INT:
    case SR_LONG:
        ok = encode_int(e, n);
        break;
    case SR_FLOAT:
    case SR_DOUBLE:
        ok = encode_real(e, n);
        break;
    case SR_STRING:
    case SR_BYTES:
    case SR_FIXED:
        ok = encode_text(e, n);
        break;
    case SR_ENUM:
        ok = encode_enum(e, n);
        break;
    case SR_ARRAY:
        ok = encode_array(e, n);
        break;
    case SR_MAP:
        ok = encode_map(e, n);
        break;
    case SR_RECORD:
        ok = encode_record(e, n);
        break;
    case SR_UNION:
        ok = encode_union(e, n);
        break;
    }
    e->depth--;
    return ok;
}

bool ar_json_encode(const struct sr_node *node, const char *json, size_t len, struct sr_buf *out)
{
    struct enc e = {json, json + len, out, SR_BUF_INIT, SR_BUF_INIT, 0};
    size_t at = out->len;
    bool ok = encode(&e, node) && peek(&e) == '\0' && e.p == e.end && !sr_buf_failed(out);
    sr_buf_release(&e.scratch);
    sr_buf_release(&e.marks);
    if (!ok && !sr_buf_failed(out))
        out->len = at;
    return ok;
}
