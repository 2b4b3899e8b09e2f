/*
 * levels.c - the seven compatibility levels and Confluent's verbose messages.
 *
 * Mirrors Confluent's CompatibilityChecker and SchemaValidatorBuilder:
 *   canRead   (BACKWARD*): new.isBackwardCompatible(old), prefixes "new"/"old";
 *   canBeRead (FORWARD*):  old.isBackwardCompatible(new), prefixes "old"/"new";
 *   mutualRead (FULL*):    first old reads new (no schema suffix), then new reads old.
 * validateLatest checks the newest previous version only; validateAll walks them
 * newest first and answers with the first failing version's messages. Each
 * incompatibility is phrased as Difference.toString() and then passed through
 * String.format(message, readerPrefix, writerPrefix), as formatErrorMessages
 * does; a failing canRead/canBeRead part is followed by {oldSchemaVersion: n}
 * and {oldSchema: '...'}; the registry finally appends
 * {validateFields: 'false', compatibility: 'LEVEL'}.
 */
#include "compat/compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

#define MAX_SCHEMA_SIZE_FOR_LOGGING 10240 /* UTF-16 code units, as Java's String.length() */

static const char *const level_names[] = {
    [SR_LEVEL_NONE] = "NONE",
    [SR_LEVEL_BACKWARD] = "BACKWARD",
    [SR_LEVEL_BACKWARD_TRANSITIVE] = "BACKWARD_TRANSITIVE",
    [SR_LEVEL_FORWARD] = "FORWARD",
    [SR_LEVEL_FORWARD_TRANSITIVE] = "FORWARD_TRANSITIVE",
    [SR_LEVEL_FULL] = "FULL",
    [SR_LEVEL_FULL_TRANSITIVE] = "FULL_TRANSITIVE",
};

#define LEVEL_COUNT (sizeof level_names / sizeof level_names[0])

const char *sr_compat_level_name(enum sr_compat_level level)
{
    if ((size_t)level >= LEVEL_COUNT)
        return "UNKNOWN";
    return level_names[level];
}

/*
 * Compares s, upper-cased as Java's String.toUpperCase() would, with the
 * ASCII name. Besides a-z, only U+0131 (dotless i) and U+017F (long s)
 * upper-case to ASCII letters.
 */
static bool upper_equals(const char *s, const char *name)
{
    const unsigned char *p = (const unsigned char *)s;
    const char *q = name;
    while (*p) {
        char c;
        if (p[0] == 0xC4 && p[1] == 0xB1) {
            c = 'I';
            p += 2;
        } else if (p[0] == 0xC5 && p[1] == 0xBF) {
            c = 'S';
            p += 2;
        } else if (p[0] >= 'a' && p[0] <= 'z') {
            c = (char)(p[0] - 'a' + 'A');
            p++;
        } else {
            c = (char)p[0];
            p++;
        }
        if (*q != c)
            return false;
        q++;
    }
    return *q == '\0';
}

bool sr_compat_level_parse(const char *s, enum sr_compat_level *out)
{
    if (!s)
        return false;
    for (size_t k = 0; k < LEVEL_COUNT; k++) {
        if (upper_equals(s, level_names[k])) {
            *out = (enum sr_compat_level)k;
            return true;
        }
    }
    return false;
}

void sr_strlist_release(struct sr_strlist *l)
{
    if (!l)
        return;
    for (size_t k = 0; k < l->count; k++)
        free(l->items[k]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* ---- message lists ------------------------------------------------------ */

struct msgs {
    struct sr_strlist list;
    size_t cap;
    bool oom;
};

/* Moves the contents of b (which is left empty) to the end of m. */
static void add_buf(struct msgs *m, struct sr_buf *b)
{
    char *s = sr_buf_detach(b, NULL);
    if (!s) {
        m->oom = true;
        return;
    }
    if (m->list.count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        char **items =
            cap < SIZE_MAX / sizeof *items ? realloc(m->list.items, cap * sizeof *items) : NULL;
        if (!items) {
            free(s);
            m->oom = true;
            return;
        }
        m->list.items = items;
        m->cap = cap;
    }
    m->list.items[m->list.count++] = s;
}

/*
 * Appends String.format(text, reader, writer) for the conversions the texts
 * can hold: %s and %S take the next argument, %% and %n are literal. Any other
 * '%' is copied as it is (Java would throw).
 */
static void java_format(struct sr_buf *b, const char *text, const char *reader, const char *writer)
{
    const char *args[2] = {reader, writer};
    size_t next = 0;
    for (const char *p = text; *p; p++) {
        if (*p != '%' || !p[1]) {
            sr_buf_addc(b, *p);
            continue;
        }
        char c = p[1];
        if ((c == 's' || c == 'S') && next < 2) {
            const char *a = args[next++];
            for (const char *q = a; *q; q++)
                sr_buf_addc(b, (char)(c == 'S' && *q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q));
            p++;
        } else if (c == '%') {
            sr_buf_addc(b, '%');
            p++;
        } else if (c == 'n') {
            sr_buf_addc(b, '\n');
            p++;
        } else {
            sr_buf_addc(b, '%');
        }
    }
}

/* Confluent's Difference.error() for one incompatibility (with the %s left in). */
static void difference(struct sr_buf *b, const struct sr_incompat *in)
{
    const char *path = in->location;
    sr_buf_adds(b, "{errorType:'");
    sr_buf_adds(b, sr_incompat_type_name(in->type));
    sr_buf_adds(b, "', description:'");
    switch (in->type) {
    case SR_INCOMPAT_FIXED_SIZE_MISMATCH:
        sr_buf_adds(b, "The size of FIXED type field at path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "' in the %s schema does not match with the %s schema");
        break;
    case SR_INCOMPAT_TYPE_MISMATCH:
        sr_buf_adds(b, "The type (path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "') of a field in the %s schema does not match with the %s schema");
        break;
    case SR_INCOMPAT_NAME_MISMATCH:
        sr_buf_adds(b, "The name of the schema has changed (path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "')");
        break;
    case SR_INCOMPAT_MISSING_ENUM_SYMBOLS:
        sr_buf_adds(b, "The %s schema is missing enum symbols '");
        sr_buf_adds(b, in->message);
        sr_buf_adds(b, "' at path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "' in the %s schema");
        break;
    case SR_INCOMPAT_MISSING_UNION_BRANCH:
        sr_buf_adds(b, "The %s schema is missing a type inside a union field at path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "' in the %s schema");
        break;
    case SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE:
        sr_buf_adds(b, "The field '");
        sr_buf_adds(b, in->message);
        sr_buf_adds(b, "' at path '");
        sr_buf_adds(b, path);
        sr_buf_adds(b, "' in the %s schema has no default value and is missing in the %s schema");
        break;
    }
    sr_buf_adds(b, "', additionalInfo:'");
    sr_buf_adds(b, in->message);
    sr_buf_adds(b, "'}");
}

/* Appends one formatted message built from raw to m. */
static void add_formatted(struct msgs *m, const char *raw, const char *reader, const char *writer)
{
    struct sr_buf b = SR_BUF_INIT;
    java_format(&b, raw, reader, writer);
    add_buf(m, &b);
}

/* The number of UTF-16 code units in s[0..len), and in *cut the byte length of
 * the longest prefix of whole characters that fits in max units. */
static size_t utf16_length(const char *s, size_t len, size_t max, size_t *cut)
{
    size_t units = 0;
    *cut = 0;
    for (size_t k = 0; k < len;) {
        unsigned char c = (unsigned char)s[k];
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n > len - k)
            n = len - k;
        units += n == 4 ? 2 : 1;
        k += n;
        if (units <= max)
            *cut = k;
    }
    return units;
}

/*
 * isBackwardCompatible(reader = r, writer = w) run through formatErrorMessages
 * with the given prefixes; with append, the old version and schema follow a
 * non-empty list.
 */
static enum sr_err direction(struct msgs *m, const struct sr_schema *r, const struct sr_schema *w,
                             const char *rprefix, const char *wprefix,
                             const struct sr_compat_prev *old, bool append, struct sr_error *err)
{
    struct sr_compat_result res = {0};
    struct sr_buf b = SR_BUF_INIT;
    enum sr_err rc = sr_compat_check(sr_schema_root(r), sr_schema_root(w), &res, err);
    if (rc != SR_OK)
        return rc;
    if (res.compatible)
        goto done;

    if (res.exception) {
        sr_buf_adds(&b, "Unexpected exception during compatibility check: ");
        sr_buf_adds(&b, res.exception);
        if (sr_buf_failed(&b))
            m->oom = true;
        else
            add_formatted(m, sr_buf_str(&b), rprefix, wprefix);
    }
    for (size_t k = 0; k < res.count && !m->oom; k++) {
        sr_buf_reset(&b);
        difference(&b, &res.items[k]);
        if (sr_buf_failed(&b))
            m->oom = true;
        else
            add_formatted(m, sr_buf_str(&b), rprefix, wprefix);
    }
    sr_buf_release(&b);
    if (!append || m->oom)
        goto done;

    if (old->version != 0) {
        sr_buf_addf(&b, "{oldSchemaVersion: %d}", old->version);
        add_buf(m, &b);
    }
    size_t len = 0, cut;
    const char *text = sr_schema_canonical(old->schema, &len);
    if (!text)
        text = "";
    if (utf16_length(text, len, MAX_SCHEMA_SIZE_FOR_LOGGING, &cut) <= MAX_SCHEMA_SIZE_FOR_LOGGING) {
        sr_buf_adds(&b, "{oldSchema: '");
        sr_buf_add(&b, text, len);
        sr_buf_adds(&b, "'}");
    } else {
        sr_buf_adds(&b, "{oldSchema: <truncated> '");
        sr_buf_add(&b, text, cut);
        sr_buf_adds(&b, "...'}");
    }
    add_buf(m, &b);

done:
    sr_buf_release(&b);
    sr_compat_result_release(&res);
    if (m->oom)
        return sr_errorf(err, SR_ERR_NOMEM, "Out of memory while checking compatibility");
    return SR_OK;
}

/* The strategy of level applied to one previous version. */
static enum sr_err validate(struct msgs *m, enum sr_compat_level level,
                            const struct sr_schema *new_schema, const struct sr_compat_prev *old,
                            struct sr_error *err)
{
    switch (level) {
    case SR_LEVEL_BACKWARD:
    case SR_LEVEL_BACKWARD_TRANSITIVE:
        return direction(m, new_schema, old->schema, "new", "old", old, true, err);
    case SR_LEVEL_FORWARD:
    case SR_LEVEL_FORWARD_TRANSITIVE:
        return direction(m, old->schema, new_schema, "old", "new", old, true, err);
    case SR_LEVEL_FULL:
    case SR_LEVEL_FULL_TRANSITIVE: {
        enum sr_err rc = direction(m, old->schema, new_schema, "old", "new", old, false, err);
        if (rc != SR_OK)
            return rc;
        return direction(m, new_schema, old->schema, "new", "old", old, true, err);
    }
    case SR_LEVEL_NONE:
        break;
    }
    return SR_OK;
}

/* ---- prefetching -------------------------------------------------------- */

/*
 * A transitive check reads the previous versions one after another, each one
 * a schema nobody has touched for a while: its nodes, fields and names are
 * cold, and the checker would wait for them one cache miss after another, for
 * longer than the checking takes. So while version k is checked, the versions
 * after it are brought in, a level deeper for each version nearer: the schema
 * of version k+6, the root node of k+5, the field array of k+4, the field
 * names and types of k+3, what those types point to for k+2 and k+1. Each
 * stage only reads what the stage before brought in a version earlier, so the
 * hints themselves seldom wait. They are only hints: the results do not
 * depend on them.
 */
#define PREFETCH_STAGES 6

static void prefetch_lines(const void *p, size_t len)
{
    const char *c = p;
    for (size_t off = 0; off < len; off += 64)
        __builtin_prefetch(c + off);
    if (len)
        __builtin_prefetch(c + len - 1);
}

/* The parts of a node the checker reads: its type, names, fields, symbols,
 * items and branches. */
static void prefetch_node(const struct sr_node *t)
{
    __builtin_prefetch(&t->type);
    __builtin_prefetch(&t->fields);
    __builtin_prefetch(&t->branches);
}

/* Stage stage (0 = first) of bringing in what checking against s will read. */
static void prefetch_stage(const struct sr_schema *s, size_t stage)
{
    if (stage == 0) {
        __builtin_prefetch(s);
        __builtin_prefetch((const char *)s + 64);
        return;
    }
    const struct sr_node *root = sr_schema_root(s);
    if (stage == 1) {
        prefetch_node(root);
        return;
    }
    if (root->type != SR_RECORD)
        return;
    const struct sr_field *f = root->fields;
    size_t n = root->field_count;
    if (stage == 2) {
        prefetch_lines(f, n * sizeof *f);
        return;
    }
    if (stage == 3) {
        for (size_t k = 0; k < n; k++) {
            __builtin_prefetch(f[k].name);
            prefetch_node(f[k].type);
        }
        return;
    }
    /* stage 4: the arrays the field types point to; stage 5: what is in them */
    for (size_t k = 0; k < n; k++) {
        const struct sr_node *t = f[k].type;
        switch (t->type) {
        case SR_ENUM:
            if (stage == 4) {
                __builtin_prefetch(t->name.name);
                prefetch_lines(t->symbols, t->symbol_count * sizeof *t->symbols);
            } else {
                for (size_t j = 0; j < t->symbol_count && j < 16; j++)
                    __builtin_prefetch(t->symbols[j]);
            }
            break;
        case SR_UNION:
            if (stage == 4) {
                prefetch_lines(t->branches, t->branch_count * sizeof *t->branches);
            } else {
                for (size_t j = 0; j < t->branch_count && j < 16; j++)
                    prefetch_node(t->branches[j]);
            }
            break;
        case SR_RECORD:
            if (stage == 4) {
                __builtin_prefetch(t->name.name);
                prefetch_lines(t->fields, t->field_count * sizeof *t->fields);
            } else {
                for (size_t j = 0; j < t->field_count && j < 64; j++) {
                    __builtin_prefetch(t->fields[j].name);
                    prefetch_node(t->fields[j].type);
                }
            }
            break;
        case SR_ARRAY:
            if (stage == 4)
                prefetch_node(t->items);
            break;
        case SR_MAP:
            if (stage == 4)
                prefetch_node(t->values);
            break;
        default:
            break;
        }
    }
}

/* ---- levels ------------------------------------------------------------- */

enum sr_err sr_compat_check_level(enum sr_compat_level level, const struct sr_schema *new_schema,
                                  const struct sr_compat_prev *prev, size_t prev_count,
                                  bool *compatible_out, struct sr_strlist *messages_out,
                                  struct sr_error *err)
{
    struct msgs m = {0};
    enum sr_err rc = SR_OK;
    bool transitive = level == SR_LEVEL_BACKWARD_TRANSITIVE ||
                      level == SR_LEVEL_FORWARD_TRANSITIVE || level == SR_LEVEL_FULL_TRANSITIVE;
    size_t n = level == SR_LEVEL_NONE ? 0 : transitive ? prev_count : prev_count > 0 ? 1 : 0;

    for (size_t k = 0; k < n && m.list.count == 0; k++) {
        /* version k + d (newest first) gets stage PREFETCH_STAGES - d */
        for (size_t d = 1; d <= PREFETCH_STAGES && k + d < n; d++)
            prefetch_stage(prev[prev_count - 1 - (k + d)].schema, PREFETCH_STAGES - d);
        rc = validate(&m, level, new_schema, &prev[prev_count - 1 - k], err);
        if (rc != SR_OK)
            goto done;
    }
    if (m.list.count > 0) {
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_addf(&b, "{validateFields: 'false', compatibility: '%s'}",
                    sr_compat_level_name(level));
        add_buf(&m, &b);
        if (m.oom) {
            rc = sr_errorf(err, SR_ERR_NOMEM, "Out of memory while checking compatibility");
            goto done;
        }
    }
    *compatible_out = m.list.count == 0;
    if (messages_out) {
        *messages_out = m.list;
        m.list = (struct sr_strlist){0};
    }

done:
    sr_strlist_release(&m.list);
    return rc;
}
