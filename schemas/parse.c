/*
 * parse.c - Avro schema JSON to struct sr_node graph, validated as Avro
 * Java's Schema.Parser validates a new registration (strict names, defaults
 * checked). Error messages follow Java's wording where it is clear, and always
 * end with the JSON pointer of the offending node.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/jalloc.h"
#include "common/jout.h"
#include "common/jread.h"
#include "schemas/schema_int.h"

/* A reference to a named type that is not defined yet (Java resolves forward
 * references once the whole document is read). */
struct pending_ref {
    struct sr_node **slot;
    const char *full;
    char *where;
};

struct path_token {
    const char *key; /* NULL: an array index */
    size_t index;
};

/* Deeper than jansson lets a document nest (2048), with room to spare. */
#define SR_MAX_PATH_DEPTH 4096

struct parser {
    struct sr_schema *s;
    struct sr_error *err;
    bool validate_defaults;
    bool strict_names;
    bool strict_type_objects;
    struct path_token *tokens; /* where the node being parsed is, for messages */
    size_t depth;
    struct sr_buf path; /* scratch for rendering it */
    struct pending_ref *pending;
    size_t pending_count, pending_cap;
    struct sr_node **unions; /* checked once every reference is resolved */
    size_t union_count, union_cap;
    struct sr_strmap ref_types; /* full name -> node, from referenced schemas */
};

/* The attributes Avro gives meaning to. Everything else in a schema or
 * field object is a custom property, kept in document order. */
enum attr {
    A_TYPE,
    A_NAME,
    A_NAMESPACE,
    A_DOC,
    A_FIELDS,
    A_ITEMS,
    A_VALUES,
    A_SYMBOLS,
    A_SIZE,
    A_ALIASES,
    A_DEFAULT,
    A_ORDER,
    A_COUNT,
    A_NONE = A_COUNT,
};

#define BIT(a) (1u << (a))
/* Java's SCHEMA_RESERVED, ENUM_RESERVED and FIELD_RESERVED. */
#define SCHEMA_RESERVED                                                                            \
    (BIT(A_DOC) | BIT(A_FIELDS) | BIT(A_ITEMS) | BIT(A_NAME) | BIT(A_NAMESPACE) | BIT(A_SIZE) |    \
     BIT(A_SYMBOLS) | BIT(A_VALUES) | BIT(A_TYPE) | BIT(A_ALIASES))
#define ENUM_RESERVED (SCHEMA_RESERVED | BIT(A_DEFAULT))
#define FIELD_RESERVED                                                                             \
    (BIT(A_DEFAULT) | BIT(A_DOC) | BIT(A_NAME) | BIT(A_ORDER) | BIT(A_TYPE) | BIT(A_ALIASES))

/* One object's attributes, found in a single pass (big schemas have many objects,
 * and a hash lookup per attribute per object costs more than the walk). */
struct attrs {
    const json_t *obj;
    const json_t *v[A_COUNT];
};

static enum attr classify(const char *key)
{
    static const char *const names[A_COUNT] = {
        [A_TYPE] = "type",       [A_NAME] = "name",       [A_NAMESPACE] = "namespace",
        [A_DOC] = "doc",         [A_FIELDS] = "fields",   [A_ITEMS] = "items",
        [A_VALUES] = "values",   [A_SYMBOLS] = "symbols", [A_SIZE] = "size",
        [A_ALIASES] = "aliases", [A_DEFAULT] = "default", [A_ORDER] = "order",
    };
    enum attr a;
    switch (key[0]) {
    case 't':
        a = A_TYPE;
        break;
    case 'n':
        a = key[1] == 'a' && key[2] == 'm' && key[3] == 'e' && key[4] ? A_NAMESPACE : A_NAME;
        break;
    case 'd':
        a = key[1] == 'o' ? A_DOC : A_DEFAULT;
        break;
    case 'f':
        a = A_FIELDS;
        break;
    case 'i':
        a = A_ITEMS;
        break;
    case 'v':
        a = A_VALUES;
        break;
    case 's':
        a = key[1] == 'y' ? A_SYMBOLS : A_SIZE;
        break;
    case 'a':
        a = A_ALIASES;
        break;
    case 'o':
        a = A_ORDER;
        break;
    default:
        return A_NONE;
    }
    return strcmp(key, names[a]) == 0 ? a : A_NONE;
}

static void scan_attrs(const json_t *obj, struct attrs *a)
{
    const char *key;
    json_t *val;
    memset(a, 0, sizeof(*a));
    a->obj = obj;
    json_object_foreach((json_t *)obj, key, val)
    {
        enum attr k = classify(key);
        if (k != A_NONE)
            a->v[k] = val;
    }
}

static const struct {
    const char *name;
    enum sr_type type;
} primitives[] = {
    {"null", SR_NULL},   {"boolean", SR_BOOLEAN}, {"int", SR_INT},     {"long", SR_LONG},
    {"float", SR_FLOAT}, {"double", SR_DOUBLE},   {"bytes", SR_BYTES}, {"string", SR_STRING},
};

static bool primitive_type(const char *name, enum sr_type *out)
{
    for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
        if (strcmp(primitives[i].name, name) == 0) {
            *out = primitives[i].type;
            return true;
        }
    return false;
}

/* ---- errors and paths ---------------------------------------------------- */

/* The JSON pointer of the node being parsed, rendered only when an error
 * needs it: building it for every node would cost more than the parse. */
static const char *where(struct parser *p)
{
    sr_buf_reset(&p->path);
    for (size_t i = 0; i < p->depth && i < SR_MAX_PATH_DEPTH; i++) {
        sr_buf_addc(&p->path, '/');
        const struct path_token *t = &p->tokens[i];
        if (!t->key) {
            sr_buf_addf(&p->path, "%zu", t->index);
            continue;
        }
        for (const char *c = t->key; *c; c++) {
            if (*c == '~')
                sr_buf_adds(&p->path, "~0");
            else if (*c == '/')
                sr_buf_adds(&p->path, "~1");
            else
                sr_buf_addc(&p->path, *c);
        }
    }
    return p->path.len && !sr_buf_failed(&p->path) ? sr_buf_str(&p->path) : "/";
}

static enum sr_err fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum sr_err fail(struct parser *p, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA, "%s (at %s)", msg, where(p));
}

static enum sr_err oom(struct parser *p)
{
    return sr_errorf(p->err, SR_ERR_NOMEM, "out of memory while parsing the schema");
}

/* Path tokens live in a stack as deep as the document (jansson stops at 2048). */
static size_t path_push(struct parser *p, const char *token)
{
    size_t saved = p->depth;
    if (p->depth < SR_MAX_PATH_DEPTH)
        p->tokens[p->depth] = (struct path_token){token, 0};
    p->depth++;
    return saved;
}

static size_t path_push_index(struct parser *p, size_t i)
{
    size_t saved = p->depth;
    if (p->depth < SR_MAX_PATH_DEPTH)
        p->tokens[p->depth] = (struct path_token){NULL, i};
    p->depth++;
    return saved;
}

static void path_pop(struct parser *p, size_t saved)
{
    p->depth = saved;
}

/* Short JSON rendering of a value for messages. */
static void describe(const json_t *v, char *out, size_t cap)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_jout_value(&b, v);
    const char *s = sr_buf_failed(&b) ? "?" : sr_buf_str(&b);
    if (strlen(s) >= cap && cap > 4)
        snprintf(out, cap, "%.*s...", (int)(cap - 4), s);
    else
        snprintf(out, cap, "%s", s);
    sr_buf_release(&b);
}

/* ---- small helpers ------------------------------------------------------- */

static const char *attr_text(const struct attrs *a, enum attr k)
{
    return json_is_string(a->v[k]) ? json_string_value(a->v[k]) : NULL;
}

static enum sr_err collect_props(struct parser *p, const struct attrs *a, unsigned reserved,
                                 struct sr_prop **props_out, size_t *count_out)
{
    size_t total = json_object_size(a->obj), known = 0;
    for (int k = 0; k < A_COUNT; k++)
        known += a->v[k] && (reserved & BIT(k));
    size_t n = total - known;
    if (!n)
        return SR_OK;
    struct sr_prop *props = sr_arena_calloc(&p->s->arena, n, sizeof(*props));
    if (!props)
        return oom(p);
    const char *key;
    json_t *val;
    size_t i = 0;
    json_object_foreach((json_t *)a->obj, key, val)
    {
        enum attr k = classify(key);
        /* cppcheck, which does not expand jansson's json_object_foreach, takes i for 0 here */
        /* cppcheck-suppress identicalConditionAfterEarlyExit */
        if ((k != A_NONE && (reserved & BIT(k))) || i == n)
            continue;
        props[i].key = key;
        props[i].value = val;
        i++;
    }
    *props_out = props;
    *count_out = i;
    return SR_OK;
}

static struct sr_node *new_node(struct parser *p, enum sr_type type)
{
    struct sr_node *n = sr_arena_alloc(&p->s->arena, sizeof(*n));
    if (n)
        n->type = type;
    return n;
}

static bool has_nul(const json_t *s)
{
    return strlen(json_string_value(s)) != json_string_length(s);
}

static enum sr_err check_name(struct parser *p, const char *what, const char *name)
{
    const char *problem = sr_name_problem(name, p->strict_names);
    if (problem)
        return fail(p, "%s \"%s\" is invalid: %s", what, name ? name : "(null)", problem);
    return SR_OK;
}

/* "space.name" in the arena; NULL on OOM. */
static char *join_name(struct sr_arena *a, const char *space, const char *name)
{
    size_t ls = strlen(space), ln = strlen(name);
    char *full = sr_arena_alloc(a, ls + 1 + ln + 1);
    if (full) {
        memcpy(full, space, ls + 1);
        full[ls] = '.'; /* over the NUL just copied */
        memcpy(full + ls + 1, name, ln + 1);
    }
    return full;
}

/* Java's Schema.Name(name, space): a dotted name carries its own namespace;
 * "" means the null namespace. Validates the simple name. */
static enum sr_err make_name(struct parser *p, const char *name, const char *space,
                             struct sr_name *out)
{
    struct sr_arena *a = &p->s->arena;
    const char *dot = strrchr(name, '.');
    if (dot) {
        out->space = sr_arena_strndup(a, name, (size_t)(dot - name));
        out->name = sr_arena_strdup(a, dot + 1);
    } else {
        out->space = space ? sr_arena_strdup(a, space) : NULL;
        out->name = sr_arena_strdup(a, name);
    }
    if (!out->name || (out->space == NULL && (dot || space)))
        return oom(p);
    enum sr_err rc = check_name(p, "Name", out->name);
    if (rc)
        return rc;
    if (out->space && !*out->space)
        out->space = NULL;
    if (out->space) {
        if (!(out->full = join_name(a, out->space, out->name)))
            return oom(p);
    } else {
        out->full = out->name;
    }
    return SR_OK;
}

/* ParseContext.put's check: every part of the full name is a valid name. */
static enum sr_err check_namespace(struct parser *p, const char *space)
{
    if (!space)
        return SR_OK;
    char part[512];
    const char *start = space;
    for (;;) {
        const char *dot = strchr(start, '.');
        size_t len = dot ? (size_t)(dot - start) : strlen(start);
        if (len >= sizeof(part))
            return fail(p, "Namespace part \"%.40s...\" is too long", start);
        memcpy(part, start, len);
        part[len] = '\0';
        enum sr_err rc = check_name(p, "Namespace part", part);
        if (rc)
            return rc;
        if (!dot)
            return SR_OK;
        start = dot + 1;
    }
}

static const struct sr_node *lookup_named(struct parser *p, const char *full)
{
    const struct sr_node *n = sr_strmap_get(&p->s->names, full);
    return n ? n : sr_strmap_get(&p->ref_types, full);
}

static enum sr_err define_named(struct parser *p, struct sr_node *node)
{
    struct sr_schema *s = p->s;
    if (primitive_type(node->name.full, &(enum sr_type){SR_NULL}))
        return fail(p, "Schemas may not be named after primitives: %s", node->name.full);
    enum sr_err rc = check_namespace(p, node->name.space);
    if (rc)
        return rc;
    if (lookup_named(p, node->name.full))
        return fail(p, "Can't redefine: %s", node->name.full);
    if (!sr_strmap_put(&s->names, node->name.full, node))
        return oom(p);
    if (s->named_count == s->named_cap) {
        size_t cap = s->named_cap ? s->named_cap * 2 : 8;
        struct sr_node **named = sr_arena_calloc(&s->arena, cap, sizeof(*named));
        if (!named)
            return oom(p);
        if (s->named_count)
            memcpy(named, s->named, s->named_count * sizeof(*named));
        s->named = named;
        s->named_cap = cap;
    }
    s->named[s->named_count++] = node;
    return SR_OK;
}

static enum sr_err parse_into(struct parser *p, const json_t *json, const char *space,
                              struct sr_node **slot);

/* ---- named-type pieces ---------------------------------------------------- */

static enum sr_err parse_named_header(struct parser *p, const struct attrs *a, const char *space,
                                      struct sr_node *node)
{
    const json_t *name = a->v[A_NAME];
    if (!json_is_string(name))
        return fail(p, "No name in schema");
    if (has_nul(name))
        return fail(p, "Name contains a NUL character");
    const char *ns = attr_text(a, A_NAMESPACE);
    enum sr_err rc = make_name(p, json_string_value(name), ns ? ns : space, &node->name);
    if (rc)
        return rc;
    node->doc = json_is_string(a->v[A_DOC]) ? a->v[A_DOC] : NULL;
    return define_named(p, node);
}

/* Java keeps aliases in a LinkedHashSet: order of first appearance, no repeats. */
static enum sr_err parse_alias_list(struct parser *p, const struct attrs *a, const json_t ***out,
                                    size_t *count_out)
{
    const json_t *list = a->v[A_ALIASES];
    if (!list)
        return SR_OK;
    if (!json_is_array(list))
        return fail(p, "aliases not an array");
    size_t n = json_array_size(list);
    const json_t **aliases = sr_arena_calloc(&p->s->arena, n ? n : 1, sizeof(*aliases));
    if (!aliases)
        return oom(p);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *alias = json_array_get(list, i);
        if (!json_is_string(alias)) {
            char desc[128];
            describe(alias, desc, sizeof(desc));
            return fail(p, "alias not a string: %s", desc);
        }
        bool seen = false;
        for (size_t j = 0; j < count && !seen; j++)
            seen = json_equal((json_t *)aliases[j], (json_t *)alias);
        if (!seen)
            aliases[count++] = alias;
    }
    *out = aliases;
    *count_out = count;
    return SR_OK;
}

static enum sr_err parse_type_aliases(struct parser *p, const struct attrs *a, struct sr_node *node)
{
    const json_t **raw = NULL;
    size_t n = 0;
    enum sr_err rc = parse_alias_list(p, a, &raw, &n);
    if (rc || !n)
        return rc;
    node->aliases = sr_arena_calloc(&p->s->arena, n, sizeof(*node->aliases));
    if (!node->aliases)
        return oom(p);
    for (size_t i = 0; i < n; i++) {
        struct sr_name alias;
        if (has_nul(raw[i]))
            return fail(p, "Alias contains a NUL character");
        rc = make_name(p, json_string_value(raw[i]), node->name.space, &alias);
        if (rc)
            return rc;
        bool seen = false;
        for (size_t j = 0; j < node->alias_count && !seen; j++)
            seen = strcmp(node->aliases[j].full, alias.full) == 0;
        if (!seen)
            node->aliases[node->alias_count++] = alias;
    }
    return SR_OK;
}

/* ---- fields and records -------------------------------------------------- */

/* Java's Double.parseDouble for a float/double default given as text. */
static bool parse_java_double(const char *text, double *out)
{
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    char tmp[128];
    if (!len || len >= sizeof(tmp))
        return false;
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    const char *body = tmp + (tmp[0] == '+' || tmp[0] == '-');
    if (strcmp(body, "NaN") == 0 || strcmp(body, "Infinity") == 0) {
        *out = body[0] == 'N' ? NAN : (tmp[0] == '-' ? -INFINITY : INFINITY);
        return true;
    }
    if (!isdigit((unsigned char)body[0]) && body[0] != '.')
        return false; /* strtod would take "inf", "nan" and friends; Java does not */
    if (len > 1 && strchr("fFdD", tmp[len - 1]))
        tmp[--len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(tmp, &end);
    return end != tmp && *end == '\0';
}

static enum sr_err parse_order(struct parser *p, const struct attrs *a, enum sr_order *out)
{
    const json_t *order = a->v[A_ORDER];
    *out = SR_ORDER_ASCENDING;
    if (!order)
        return SR_OK;
    const char *text = json_is_string(order) ? json_string_value(order) : "";
    if (strcasecmp(text, "ascending") == 0)
        *out = SR_ORDER_ASCENDING;
    else if (strcasecmp(text, "descending") == 0)
        *out = SR_ORDER_DESCENDING;
    else if (strcasecmp(text, "ignore") == 0)
        *out = SR_ORDER_IGNORE;
    else
        return fail(p, "Invalid field order: expected ascending, descending or ignore");
    return SR_OK;
}

static enum sr_err keep_value(struct parser *p, json_t *v, const json_t **out)
{
    if (!v || json_array_append_new(p->s->extra, v) != 0)
        return oom(p);
    *out = v;
    return SR_OK;
}

static enum sr_err parse_field(struct parser *p, const json_t *json, const char *space,
                               struct sr_field *f)
{
    struct attrs a;
    scan_attrs(json, &a);
    const json_t *name = a.v[A_NAME];
    if (!json_is_string(name))
        return fail(p, "No field name");
    if (has_nul(name))
        return fail(p, "Field name contains a NUL character");
    f->name = json_string_value(name);
    enum sr_err rc = check_name(p, "Field name", f->name);
    if (rc)
        return rc;
    f->doc = json_is_string(a.v[A_DOC]) ? a.v[A_DOC] : NULL;
    const json_t *type = a.v[A_TYPE];
    if (!type)
        return fail(p, "No field type for field \"%s\"", f->name);
    size_t saved = path_push(p, "type");
    rc = parse_into(p, type, space, &f->type);
    path_pop(p, saved);
    if (rc)
        return rc;
    if ((rc = parse_order(p, &a, &f->order)))
        return rc;
    f->default_value = a.v[A_DEFAULT];
    if (json_is_string(f->default_value) && f->type &&
        (f->type->type == SR_FLOAT || f->type->type == SR_DOUBLE)) {
        double d;
        if (!parse_java_double(json_string_value(f->default_value), &d))
            return fail(p, "Invalid default for field %s: not a number", f->name);
        /* jansson holds only finite reals; Jackson prints the others as quoted text. */
        json_t *v = isfinite(d) ? json_real(d)
                                : json_string(isnan(d) ? "NaN"
                                              : d > 0  ? "Infinity"
                                                       : "-Infinity");
        if ((rc = keep_value(p, v, &f->default_value)))
            return rc;
    }
    if ((rc = collect_props(p, &a, FIELD_RESERVED, &f->props, &f->prop_count)))
        return rc;
    return parse_alias_list(p, &a, &f->aliases, &f->alias_count);
}

static enum sr_err parse_fields(struct parser *p, const json_t *list, struct sr_node *rec)
{
    size_t n = json_array_size(list);
    rec->fields = sr_arena_calloc(&p->s->arena, n ? n : 1, sizeof(*rec->fields));
    rec->field_index = sr_arena_alloc(&p->s->arena, sizeof(*rec->field_index));
    if (!rec->fields || !rec->field_index)
        return oom(p);
    sr_strmap_init(rec->field_index, &p->s->arena);
    for (size_t i = 0; i < n; i++) {
        struct sr_field *f = &rec->fields[i];
        size_t saved = path_push_index(p, i);
        enum sr_err rc = parse_field(p, json_array_get(list, i), rec->name.space, f);
        if (!rc && sr_strmap_has(rec->field_index, f->name))
            rc = fail(p, "Duplicate field %s in record %s", f->name, rec->name.full);
        if (!rc && !sr_strmap_put(rec->field_index, f->name, f))
            rc = oom(p);
        path_pop(p, saved);
        if (rc)
            return rc;
        f->pos = i;
        f->name_len = strlen(f->name);
        f->name_hash = sr_hash_bytes(f->name, f->name_len);
        rec->field_count = i + 1;
    }
    return SR_OK;
}

static enum sr_err parse_record(struct parser *p, const struct attrs *a, const char *space,
                                bool is_error, struct sr_node *node)
{
    node->is_error = is_error;
    enum sr_err rc = parse_named_header(p, a, space, node);
    if (rc)
        return rc;
    const json_t *fields = a->v[A_FIELDS];
    if (!json_is_array(fields))
        return fail(p, "Record has no fields: \"fields\" must be an array");
    size_t saved = path_push(p, "fields");
    rc = parse_fields(p, fields, node);
    path_pop(p, saved);
    if (rc)
        return rc;
    if ((rc = collect_props(p, a, SCHEMA_RESERVED, &node->props, &node->prop_count)))
        return rc;
    return parse_type_aliases(p, a, node);
}

/* ---- enum, fixed, array, map --------------------------------------------- */

static enum sr_err parse_symbols(struct parser *p, const json_t *list, struct sr_node *node)
{
    size_t n = json_array_size(list);
    node->symbols = sr_arena_calloc(&p->s->arena, n ? n : 1, sizeof(*node->symbols));
    struct sr_strmap seen;
    sr_strmap_init(&seen, &p->s->arena);
    if (!node->symbols)
        return oom(p);
    for (size_t i = 0; i < n; i++) {
        const json_t *sym = json_array_get(list, i);
        size_t saved = path_push_index(p, i);
        enum sr_err rc = SR_OK;
        if (!json_is_string(sym))
            rc = fail(p, "Enum symbol is not a string");
        else if (has_nul(sym))
            rc = fail(p, "Enum symbol contains a NUL character");
        else if ((rc = check_name(p, "Enum symbol", json_string_value(sym))))
            ;
        else if (sr_strmap_has(&seen, json_string_value(sym)))
            rc = fail(p, "Duplicate enum symbol: %s", json_string_value(sym));
        else if (!sr_strmap_put(&seen, json_string_value(sym), NULL))
            rc = oom(p);
        path_pop(p, saved);
        if (rc)
            return rc;
        node->symbols[node->symbol_count++] = json_string_value(sym);
    }
    return SR_OK;
}

static enum sr_err parse_enum(struct parser *p, const struct attrs *a, const char *space,
                              struct sr_node *node)
{
    enum sr_err rc = parse_named_header(p, a, space, node);
    if (rc)
        return rc;
    const json_t *symbols = a->v[A_SYMBOLS];
    if (!json_is_array(symbols))
        return fail(p, "Enum has no symbols: \"symbols\" must be an array");
    size_t saved = path_push(p, "symbols");
    rc = parse_symbols(p, symbols, node);
    path_pop(p, saved);
    if (rc)
        return rc;
    /* Java reads the default with textValue(): a non-string default is no default. */
    const char *def = attr_text(a, A_DEFAULT);
    if (def) {
        for (size_t i = 0; i < node->symbol_count && !node->enum_default; i++)
            if (strcmp(node->symbols[i], def) == 0)
                node->enum_default = node->symbols[i];
        if (!node->enum_default)
            return fail(p, "The Enum Default: %s is not in the enum symbol set", def);
    }
    if ((rc = collect_props(p, a, ENUM_RESERVED, &node->props, &node->prop_count)))
        return rc;
    return parse_type_aliases(p, a, node);
}

/* Java caps byte lengths at the VM's array limit. */
#define SR_MAX_FIXED_SIZE (INT32_MAX - 8)

static enum sr_err parse_fixed(struct parser *p, const struct attrs *a, const char *space,
                               struct sr_node *node)
{
    enum sr_err rc = parse_named_header(p, a, space, node);
    if (rc)
        return rc;
    const json_t *size = a->v[A_SIZE];
    if (!json_is_integer(size) || json_integer_value(size) > INT32_MAX ||
        json_integer_value(size) < INT32_MIN)
        return fail(p, "Invalid or no size: \"size\" must be an integer");
    if (json_integer_value(size) < 0)
        return fail(p, "Invalid fixed size %" JSON_INTEGER_FORMAT ": it must not be negative",
                    json_integer_value(size));
    if (json_integer_value(size) > SR_MAX_FIXED_SIZE)
        return fail(p, "Invalid fixed size %" JSON_INTEGER_FORMAT ": too large",
                    json_integer_value(size));
    node->size = (int32_t)json_integer_value(size);
    if ((rc = collect_props(p, a, SCHEMA_RESERVED, &node->props, &node->prop_count)))
        return rc;
    return parse_type_aliases(p, a, node);
}

static enum sr_err parse_container(struct parser *p, const struct attrs *a, const char *space,
                                   struct sr_node *node)
{
    const char *key = node->type == SR_ARRAY ? "items" : "values";
    const json_t *inner = a->v[node->type == SR_ARRAY ? A_ITEMS : A_VALUES];
    if (!inner)
        return fail(p,
                    node->type == SR_ARRAY ? "Array has no items type" : "Map has no values type");
    size_t saved = path_push(p, key);
    enum sr_err rc =
        parse_into(p, inner, space, node->type == SR_ARRAY ? &node->items : &node->values);
    path_pop(p, saved);
    if (rc)
        return rc;
    return collect_props(p, a, SCHEMA_RESERVED, &node->props, &node->prop_count);
}

/* ---- dispatch ------------------------------------------------------------ */

/* {"type": "some.Name"}: Avro Java 1.11 answers the named type already
 * defined under that name (in the enclosing namespace when it has no dot),
 * and ignores the object's other attributes; a name not defined yet, or the
 * strict rule of 1.12.2, refuses it. */
static enum sr_err parse_type_object(struct parser *p, const char *type, const char *space,
                                     struct sr_node **slot)
{
    const struct sr_node *found = NULL;
    if (!p->strict_type_objects) {
        char *full = space && !strchr(type, '.') ? join_name(&p->s->arena, space, type) : NULL;
        if (space && !strchr(type, '.') && !full)
            return oom(p);
        found = lookup_named(p, full ? full : type);
        if (!found && full)
            found = lookup_named(p, type);
    }
    if (!found)
        return fail(p,
                    "Type not supported: \"%s\" (a named type is referenced by its name as a "
                    "string, not as {\"type\": ...}%s)",
                    type,
                    p->strict_type_objects ? "" : ", unless it is a named type defined before");
    *slot = (struct sr_node *)found;
    return SR_OK;
}

static enum sr_err parse_object(struct parser *p, const json_t *obj, const char *space,
                                struct sr_node **slot)
{
    struct attrs a;
    scan_attrs(obj, &a);
    const json_t *type_json = a.v[A_TYPE];
    if (!json_is_string(type_json))
        return fail(p, type_json ? "No type: \"type\" must be a string naming the type"
                                 : "No type: the object has no \"type\"");
    const char *type = json_string_value(type_json);
    enum sr_type prim;
    struct sr_node *node = NULL;
    enum sr_err rc;
    if (primitive_type(type, &prim)) {
        if (!(node = new_node(p, prim)))
            return oom(p);
        rc = collect_props(p, &a, SCHEMA_RESERVED, &node->props, &node->prop_count);
    } else if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        if (!(node = new_node(p, SR_RECORD)))
            return oom(p);
        rc = parse_record(p, &a, space, type[0] == 'e', node);
    } else if (strcmp(type, "enum") == 0) {
        if (!(node = new_node(p, SR_ENUM)))
            return oom(p);
        rc = parse_enum(p, &a, space, node);
    } else if (strcmp(type, "fixed") == 0) {
        if (!(node = new_node(p, SR_FIXED)))
            return oom(p);
        rc = parse_fixed(p, &a, space, node);
    } else if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        if (!(node = new_node(p, type[0] == 'a' ? SR_ARRAY : SR_MAP)))
            return oom(p);
        rc = parse_container(p, &a, space, node);
    } else {
        return parse_type_object(p, type, space, slot);
    }
    if (rc)
        return rc;
    sr_logical_type_resolve(node);
    *slot = node;
    return SR_OK;
}

static enum sr_err parse_reference(struct parser *p, const char *name, const char *space,
                                   struct sr_node **slot)
{
    enum sr_type prim;
    if (primitive_type(name, &prim)) {
        *slot = new_node(p, prim);
        return *slot ? SR_OK : oom(p);
    }
    char *full = NULL;
    if (space && !strchr(name, '.')) {
        if (!(full = join_name(&p->s->arena, space, name)))
            return oom(p);
    } else if (!(full = sr_arena_strdup(&p->s->arena, name))) {
        return oom(p);
    }
    const struct sr_node *found = lookup_named(p, full);
    if (!found)
        found = lookup_named(p, name);
    if (found) {
        *slot = (struct sr_node *)found;
        return SR_OK;
    }
    if (p->pending_count == p->pending_cap) {
        size_t cap = p->pending_cap ? p->pending_cap * 2 : 8;
        struct pending_ref *pr = realloc(p->pending, cap * sizeof(*pr));
        if (!pr)
            return oom(p);
        p->pending = pr;
        p->pending_cap = cap;
    }
    char *at = sr_arena_strdup(&p->s->arena, where(p));
    if (!at)
        return oom(p);
    p->pending[p->pending_count++] = (struct pending_ref){slot, full, at};
    *slot = NULL;
    return SR_OK;
}

static enum sr_err parse_union(struct parser *p, const json_t *list, const char *space,
                               struct sr_node **slot)
{
    struct sr_node *node = new_node(p, SR_UNION);
    size_t n = json_array_size(list);
    if (!node || !(node->branches = sr_arena_calloc(&p->s->arena, n ? n : 1, sizeof(void *))))
        return oom(p);
    node->branch_count = n;
    for (size_t i = 0; i < n; i++) {
        size_t saved = path_push_index(p, i);
        enum sr_err rc = parse_into(p, json_array_get(list, i), space, &node->branches[i]);
        path_pop(p, saved);
        if (rc)
            return rc;
    }
    if (p->union_count == p->union_cap) {
        size_t cap = p->union_cap ? p->union_cap * 2 : 8;
        struct sr_node **u = realloc(p->unions, cap * sizeof(*u));
        if (!u)
            return oom(p);
        p->unions = u;
        p->union_cap = cap;
    }
    p->unions[p->union_count++] = node;
    *slot = node;
    return SR_OK;
}

static enum sr_err parse_into(struct parser *p, const json_t *json, const char *space,
                              struct sr_node **slot)
{
    if (json_is_string(json))
        return parse_reference(p, json_string_value(json), space, slot);
    if (json_is_object(json))
        return parse_object(p, json, space, slot);
    if (json_is_array(json))
        return parse_union(p, json, space, slot);
    char desc[64];
    describe(json, desc, sizeof(desc));
    return fail(p, "Not a schema: %s (expected a type name, an object or an array)", desc);
}

/* ---- after the document: references, unions, defaults -------------------- */

static enum sr_err resolve_pending(struct parser *p)
{
    for (size_t i = 0; i < p->pending_count; i++) {
        const struct sr_node *n = lookup_named(p, p->pending[i].full);
        if (!n)
            return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA, "Undefined name: \"%s\" (at %s)",
                             p->pending[i].full, p->pending[i].where);
        *p->pending[i].slot = (struct sr_node *)n;
    }
    return SR_OK;
}

/* The name Java's UnionSchema keys branches by: full name, or the type name. */
static const char *branch_key(const struct sr_node *n)
{
    return sr_type_is_named(n->type) ? n->name.full : sr_type_name(n->type);
}

static enum sr_err check_union(struct parser *p, const struct sr_node *u)
{
    for (size_t i = 0; i < u->branch_count; i++) {
        const struct sr_node *b = u->branches[i];
        if (b->type == SR_UNION)
            return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA,
                             "Nested union: a union may not directly contain a union");
        for (size_t j = 0; j < i; j++)
            if (strcmp(branch_key(u->branches[j]), branch_key(b)) == 0)
                return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA, "Duplicate in union: %s",
                                 branch_key(b));
    }
    return SR_OK;
}

static enum sr_err check_field_defaults(struct parser *p, const struct sr_node *rec)
{
    for (size_t i = 0; i < rec->field_count; i++) {
        const struct sr_field *f = &rec->fields[i];
        if (!f->default_value || sr_default_is_valid(f->type, f->default_value))
            continue;
        if (json_is_string(f->default_value) &&
            (f->type->type == SR_FLOAT || f->type->type == SR_DOUBLE))
            continue; /* NaN or Infinity, read from text by parse_field */
        char value[256], type[256];
        describe(f->default_value, value, sizeof(value));
        struct sr_buf b = SR_BUF_INIT;
        struct sr_strmap known;
        sr_strmap_init(&known, NULL);
        sr_canonical_write(&b, f->type, &known, rec->name.space);
        snprintf(type, sizeof(type), "%s", sr_buf_failed(&b) ? "?" : sr_buf_str(&b));
        sr_strmap_release(&known);
        sr_buf_release(&b);
        return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA,
                         "Invalid default for field %s: %s not a %s (in record %s)", f->name, value,
                         type, rec->name.full);
    }
    return SR_OK;
}

static enum sr_err finish(struct parser *p)
{
    enum sr_err rc = resolve_pending(p);
    for (size_t i = 0; !rc && i < p->union_count; i++)
        rc = check_union(p, p->unions[i]);
    for (size_t i = 0; !rc && p->validate_defaults && i < p->s->named_count; i++)
        if (p->s->named[i]->type == SR_RECORD)
            rc = check_field_defaults(p, p->s->named[i]);
    return rc;
}

/* ---- entry point --------------------------------------------------------- */

static enum sr_err load_json(const char *text, size_t len, json_t **out, struct sr_error *err)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i == len)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA, "Empty schema");
    json_error_t jerr;
    *out = sr_jread_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!*out)
        return sr_errorf(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid JSON: %s (line %d, column %d, byte %d)", jerr.text, jerr.line,
                         jerr.column, jerr.position);
    return SR_OK;
}

static enum sr_err add_ref_types(struct parser *p, const struct sr_schema *ref, int depth)
{
    if (depth > 64)
        return sr_errorf(p->err, SR_ERR_INVALID_SCHEMA, "References nest too deeply");
    for (size_t i = 0; i < ref->named_count; i++)
        if (!sr_strmap_put(&p->ref_types, ref->named[i]->name.full, ref->named[i]))
            return oom(p);
    for (size_t i = 0; i < ref->ref_count; i++) {
        enum sr_err rc = add_ref_types(p, ref->refs[i], depth + 1);
        if (rc)
            return rc;
    }
    return SR_OK;
}

static enum sr_err take_refs(struct parser *p, const struct sr_parse_opts *opts)
{
    struct sr_schema *s = p->s;
    if (!opts || !opts->ref_count)
        return SR_OK;
    s->refs = sr_arena_calloc(&s->arena, opts->ref_count, sizeof(*s->refs));
    if (!s->refs)
        return oom(p);
    for (size_t i = 0; i < opts->ref_count; i++) {
        s->refs[s->ref_count++] = sr_schema_ref(opts->refs[i]);
        enum sr_err rc = add_ref_types(p, opts->refs[i], 0);
        if (rc)
            return rc;
    }
    return SR_OK;
}

enum sr_err sr_canonical_build(struct sr_schema *s, struct sr_error *err);

enum sr_err sr_schema_parse(const char *text, size_t len, const struct sr_parse_opts *opts,
                            struct sr_schema **out, struct sr_error *err)
{
    struct parser p = {.err = err,
                       .validate_defaults = opts ? opts->validate_defaults : true,
                       .strict_names = opts ? opts->strict_names : false,
                       .strict_type_objects = opts ? opts->strict_type_objects : false};
    struct sr_schema *s = calloc(1, sizeof(*s));
    if (!s)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    atomic_init(&s->refcount, 1);
    sr_strmap_init(&s->names, &s->arena);
    sr_buf_init(&p.path);
    sr_strmap_init(&p.ref_types, NULL);
    p.s = s;
    if (!(p.tokens = malloc(SR_MAX_PATH_DEPTH * sizeof(*p.tokens)))) {
        sr_schema_free(s);
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    /* With arena allocation installed, the document lives in the schema's arena. */
    s->doc_in_arena = sr_jalloc_installed();
    struct sr_arena *saved = sr_jalloc_use(s->doc_in_arena ? &s->arena : NULL);
    enum sr_err rc = load_json(text, len, &s->doc, err);
    if (!rc && !(s->extra = json_array()))
        rc = oom(&p);
    if (!rc)
        rc = take_refs(&p, opts);
    if (!rc)
        rc = parse_into(&p, s->doc, NULL, &s->root);
    if (!rc)
        rc = finish(&p);
    sr_jalloc_use(saved);
    if (!rc)
        rc = sr_canonical_build(s, err);
    free(p.pending);
    free(p.unions);
    free(p.tokens);
    sr_strmap_release(&p.ref_types);
    sr_buf_release(&p.path);
    if (rc) {
        sr_schema_free(s);
        return rc;
    }
    *out = s;
    return SR_OK;
}
