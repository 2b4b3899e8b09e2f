/*
 * check.c - reader/writer resolution, step for step as Avro Java's
 * ReaderWriterCompatibilityChecker (SchemaCompatibility.java).
 *
 * Java's checker is a pair of mutually recursive methods:
 *   getCompatibility(token, reader, writer, location): push token, consult the
 *     memo keyed on (reader, writer) identity (an in-progress pair answers
 *     "compatible", a finished one answers its stored result, incompatibilities
 *     and their first locations included), else compute and store; pop token.
 *   getCompatibility(reader, writer): the same with a fresh location stack.
 * Here the same steps run on an explicit stack of frames, one per pair being
 * computed, so that deep or cyclic schemas cannot exhaust the C stack; every
 * frame is a distinct in-progress pair, so the stack is bounded by the memo.
 * Small pairs need no frame: a pair without children (primitives, enums,
 * fixed, mismatched types) and a small union or array of such pairs is
 * computed at once, by the same steps in the same order (see shallow()).
 *
 * One shortcut leaves Java's memo: a pair of primitive types that resolves
 * (int and int, long read from int, ...) is answered "compatible" without
 * being memoised. Nobody can tell: such a pair has no children, so it is never
 * in progress, and its result is the empty list whatever the location, which
 * is what the memo would answer. (A pair that does not resolve is memoised as
 * Java does: a revisit answers the first location.)
 *
 * Results are merged exactly as Java's mergedWith (concatenation in order),
 * but as a rope: a list is a leaf (one incompatibility) or the concatenation
 * of two non-empty lists, so a memoised result reused in many places costs one
 * node per reuse instead of a copy. The rope is flattened once at the end.
 *
 * Every location stack Java creates is a segment of one token stack: a fresh
 * stack starts a segment with the root token "", which the location skips.
 */
#include "compat/compat.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/deadline.h"
#include "common/strmap.h"
#include "compat/promote.h"

#define DEADLINE_EVERY 4096

#define NIL 0u /* the empty list (compatible) */
#define LEAF_NONE UINT32_MAX
#define NO_SEGMENT SIZE_MAX

/* What a frame does next (and, for a pair just entered, its first step). */
enum step {
    STEP_LEAF,         /* a pair without children: computed at once, never a frame's */
    STEP_CHILD,        /* array items / map values: check them */
    STEP_MERGE_FINISH, /* array items / map values: merge the child's result, done */
    STEP_FIELD_NEXT,   /* record: look at reader field i */
    STEP_FIELD_DONE,   /* record: merge the child checked for field i */
    STEP_UU_NEXT,      /* union vs union: check writer branch i */
    STEP_UU_DONE,
    STEP_WU_NEXT, /* writer union vs other: check writer branch i */
    STEP_WU_DONE,
    STEP_RU_NEXT, /* reader union vs other: try reader branch i */
    STEP_RU_DONE,
};

/* A location token: a literal, or the number num when lit is NULL. */
struct token {
    const char *lit;
    size_t num;
};

/*
 * One incompatibility, recorded cheaply and rendered only if it is reported
 * (most are not: a failed reader-union branch is thrown away). The location
 * is a copy of the tokens after the segment root, in checker.loc; the message
 * is made from the parameters by render_message().
 */
struct item {
    enum sr_incompat_type type;
    size_t loc, nloc;        /* tokens in checker.loc */
    enum sr_type rt, wt;     /* TYPE_MISMATCH (both), MISSING_UNION_BRANCH (wt) */
    int32_t expected, found; /* FIXED_SIZE_MISMATCH */
    const char *text;        /* NAME_MISMATCH: writer full name; READER_FIELD_...: field name */
    size_t msg;              /* MISSING_ENUM_SYMBOLS: the message, in checker.strs */
};

/* A list: a leaf when item != LEAF_NONE, else left followed by right. */
struct lnode {
    uint32_t left, right;
    uint32_t item;
};

struct memo {
    const struct sr_node *r, *w;
    uint32_t list;
    bool done; /* false while the pair is being computed (RECURSION_IN_PROGRESS) */
};

struct frame {
    const struct sr_node *r, *w;
    size_t memo;      /* index into checker.memos */
    size_t i;         /* loop position: reader field or union branch */
    size_t hint;      /* record: the writer field likely to match reader field i */
    size_t saved_seg; /* the caller's segment when this frame opened a fresh one */
    uint32_t result;  /* the list accumulated so far */
    enum step step;
};

struct checker {
    struct token *toks;
    size_t ntok, captok;
    size_t seg; /* index of the root token of the current location stack */

    struct frame *frames;
    size_t nframe, capframe;

    struct memo *memos;
    size_t nmemo, capmemo;
    uint32_t *table; /* open addressing: 0 empty, else memo index + 1 */
    size_t tabcap;   /* power of two */

    struct lnode *lists;
    size_t nlist, caplist;

    struct item *items;
    size_t nitem, capitem;

    struct token *loc; /* location snapshots of the items */
    size_t nloc, caploc;

    struct sr_buf strs; /* NUL-terminated enum symbol messages */

    const char **scratch; /* enum symbol work space */
    size_t capscratch;

    uint32_t ret; /* the result of the last getCompatibility */
    bool oom;
    bool too_big;
    char *exception; /* Java would have thrown this message */

    /* First storage of the arrays above (about 16 KiB, on the caller's stack),
     * enough for a typical check of a record of a hundred fields or so to need
     * no allocation; an array that outgrows it moves to the heap. */
    struct token toks0[64];
    struct frame frames0[32];
    struct memo memos0[192];
    uint32_t table0[512];
    struct lnode lists0[256];
    struct item items0[16];
    struct token loc0[64];
    const char *scratch0[32];
};

/* ---- storage ------------------------------------------------------------ */

/*
 * Makes room for need elements of size elem in the array whose pointer is
 * stored at pp (capacity *cap). The pointer is read and written through
 * memcpy so that any array type can use this one function. An array still in
 * its first storage first (not NULL) is copied to the heap, not reallocated.
 */
static bool reserve(struct checker *ck, void *pp, size_t *cap, size_t need, size_t elem,
                    const void *first)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem) {
            ck->oom = true;
            return false;
        }
        n *= 2;
    }
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q;
    if (p && p == first) {
        q = malloc(n * elem);
        if (q)
            memcpy(q, p, *cap * elem);
    } else {
        q = realloc(p, n * elem);
    }
    if (!q) {
        ck->oom = true;
        return false;
    }
    memcpy(pp, &q, sizeof q);
    *cap = n;
    return true;
}

/* Grows a heap array (arr, with capacity cap) to hold need elements. */
#define RESERVE(ck, arr, cap, need)                                                                \
    ((need) <= (cap) || reserve((ck), &(arr), &(cap), (need), sizeof *(arr), NULL))

/* Grows checker array ck->arr (capacity ck->cap, first storage ck->arr##0). */
#define RESERVE_CK(ck, arr, cap, need)                                                             \
    ((need) <= (ck)->cap ||                                                                        \
     reserve((ck), &(ck)->arr, &(ck)->cap, (need), sizeof *(ck)->arr, (ck)->arr##0))

/* Points every array at its first storage. */
static void checker_init(struct checker *ck)
{
    ck->toks = ck->toks0;
    ck->ntok = 0;
    ck->captok = sizeof ck->toks0 / sizeof ck->toks0[0];
    ck->seg = 0;
    ck->frames = ck->frames0;
    ck->nframe = 0;
    ck->capframe = sizeof ck->frames0 / sizeof ck->frames0[0];
    ck->memos = ck->memos0;
    ck->nmemo = 0;
    ck->capmemo = sizeof ck->memos0 / sizeof ck->memos0[0];
    ck->table = ck->table0;
    ck->tabcap = sizeof ck->table0 / sizeof ck->table0[0];
    memset(ck->table0, 0, sizeof ck->table0);
    ck->lists = ck->lists0;
    ck->nlist = 0;
    ck->caplist = sizeof ck->lists0 / sizeof ck->lists0[0];
    ck->items = ck->items0;
    ck->nitem = 0;
    ck->capitem = sizeof ck->items0 / sizeof ck->items0[0];
    ck->loc = ck->loc0;
    ck->nloc = 0;
    ck->caploc = sizeof ck->loc0 / sizeof ck->loc0[0];
    ck->scratch = ck->scratch0;
    ck->capscratch = sizeof ck->scratch0 / sizeof ck->scratch0[0];
    sr_buf_init(&ck->strs);
    ck->ret = NIL;
    ck->oom = false;
    ck->too_big = false;
    ck->exception = NULL;
}

static void checker_release(struct checker *ck)
{
    if (ck->toks != ck->toks0)
        free(ck->toks);
    if (ck->frames != ck->frames0)
        free(ck->frames);
    if (ck->memos != ck->memos0)
        free(ck->memos);
    if (ck->table != ck->table0)
        free(ck->table);
    if (ck->lists != ck->lists0)
        free(ck->lists);
    if (ck->items != ck->items0)
        free(ck->items);
    if (ck->loc != ck->loc0)
        free(ck->loc);
    if (ck->scratch != ck->scratch0)
        free(ck->scratch);
    free(ck->exception);
    sr_buf_release(&ck->strs);
}

/* ---- lists -------------------------------------------------------------- */

static uint32_t new_lnode(struct checker *ck, uint32_t left, uint32_t right, uint32_t item)
{
    if (ck->nlist >= UINT32_MAX - 1) {
        ck->too_big = true;
        return NIL;
    }
    if (!RESERVE_CK(ck, lists, caplist, ck->nlist + 1))
        return NIL;
    ck->lists[ck->nlist] = (struct lnode){left, right, item};
    return (uint32_t)ck->nlist++;
}

/* Java's a.mergedWith(b). */
static uint32_t merge(struct checker *ck, uint32_t a, uint32_t b)
{
    if (a == NIL)
        return b;
    if (b == NIL)
        return a;
    return new_lnode(ck, a, b, LEAF_NONE);
}

/* ---- locations ---------------------------------------------------------- */

/* The rare case of push_token(): the token stack must grow first. */
static void __attribute__((noinline))
push_token_slow(struct checker *ck, const char *lit, size_t num)
{
    if (!RESERVE_CK(ck, toks, captok, ck->ntok + 1))
        return;
    ck->toks[ck->ntok++] = (struct token){lit, num};
}

static inline void push_token(struct checker *ck, const char *lit, size_t num)
{
    if (ck->ntok < ck->captok)
        ck->toks[ck->ntok++] = (struct token){lit, num};
    else
        push_token_slow(ck, lit, num);
}

static inline void pop_token(struct checker *ck)
{
    assert(ck->ntok > 0);
    ck->ntok--;
}

/*
 * Records an incompatibility at the current location (with token lit pushed
 * for the moment when not NULL) and returns it as a one-item list. The caller
 * fills in the parameters of its message through *out (NULL on failure).
 */
static uint32_t incompat(struct checker *ck, enum sr_incompat_type type, const char *lit,
                         struct item **out)
{
    *out = NULL;
    if (ck->nitem >= LEAF_NONE - 1) {
        ck->too_big = true;
        return NIL;
    }
    size_t before = ck->ntok;
    if (lit)
        push_token(ck, lit, 0);
    bool pushed = ck->ntok > before;
    size_t first = ck->seg + 1, n = ck->ntok > first ? ck->ntok - first : 0;
    bool ok = !ck->oom && RESERVE_CK(ck, items, capitem, ck->nitem + 1) &&
              RESERVE_CK(ck, loc, caploc, ck->nloc + n);
    if (ok && n)
        memcpy(ck->loc + ck->nloc, ck->toks + first, n * sizeof *ck->loc);
    if (pushed)
        pop_token(ck);
    if (!ok)
        return NIL;
    struct item *it = &ck->items[ck->nitem];
    *it = (struct item){.type = type, .loc = ck->nloc, .nloc = n};
    ck->nloc += n;
    *out = it;
    return new_lnode(ck, NIL, NIL, (uint32_t)ck->nitem++);
}

static uint32_t type_mismatch(struct checker *ck, const struct sr_node *r, const struct sr_node *w)
{
    struct item *it;
    uint32_t list = incompat(ck, SR_INCOMPAT_TYPE_MISMATCH, NULL, &it);
    if (it) {
        it->rt = r->type;
        it->wt = w->type;
    }
    return list;
}

static uint32_t missing_branch(struct checker *ck, enum sr_type writer_type)
{
    struct item *it;
    uint32_t list = incompat(ck, SR_INCOMPAT_MISSING_UNION_BRANCH, NULL, &it);
    if (it)
        it->wt = writer_type;
    return list;
}

/* Appends getLocation() of it: "/" and its tokens joined by "/", with
 * JSON-pointer escaping. */
static void render_location(const struct checker *ck, const struct item *it, struct sr_buf *b)
{
    sr_buf_addc(b, '/');
    for (size_t k = 0; k < it->nloc; k++) {
        const struct token *t = &ck->loc[it->loc + k];
        if (k > 0)
            sr_buf_addc(b, '/');
        if (!t->lit) {
            sr_buf_addf(b, "%zu", t->num);
            continue;
        }
        for (const char *p = t->lit; *p; p++) {
            if (*p == '~')
                sr_buf_adds(b, "~0");
            else if (*p == '/')
                sr_buf_adds(b, "~1");
            else
                sr_buf_addc(b, *p);
        }
    }
}

/* Appends Java's Incompatibility.getMessage() of it. */
static void render_message(const struct checker *ck, const struct item *it, struct sr_buf *b)
{
    switch (it->type) {
    case SR_INCOMPAT_TYPE_MISMATCH:
        sr_buf_adds(b, "reader type: ");
        sr_buf_adds(b, sr_type_java_name(it->rt));
        sr_buf_adds(b, " not compatible with writer type: ");
        sr_buf_adds(b, sr_type_java_name(it->wt));
        return;
    case SR_INCOMPAT_MISSING_UNION_BRANCH:
        sr_buf_adds(b, "reader union lacking writer type: ");
        sr_buf_adds(b, sr_type_java_name(it->wt));
        return;
    case SR_INCOMPAT_NAME_MISMATCH:
        sr_buf_adds(b, "expected: ");
        sr_buf_adds(b, it->text ? it->text : "null");
        return;
    case SR_INCOMPAT_FIXED_SIZE_MISMATCH:
        sr_buf_addf(b, "expected: %ld, found: %ld", (long)it->expected, (long)it->found);
        return;
    case SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE:
        sr_buf_adds(b, it->text ? it->text : "null");
        return;
    case SR_INCOMPAT_MISSING_ENUM_SYMBOLS:
        sr_buf_adds(b, ck->strs.data + it->msg);
        return;
    }
}

/* ---- memo and frames ---------------------------------------------------- */

static size_t pair_hash(const struct sr_node *r, const struct sr_node *w)
{
    uint64_t h = (uint64_t)(uintptr_t)r * UINT64_C(0x9E3779B97F4A7C15);
    h ^= (uint64_t)(uintptr_t)w * UINT64_C(0xC2B2AE3D27D4EB4F);
    h ^= h >> 31;
    return (size_t)h;
}

/* The table slot holding (r, w), or the empty slot where it would go. */
static inline uint32_t *memo_slot(struct checker *ck, const struct sr_node *r,
                                  const struct sr_node *w)
{
    size_t mask = ck->tabcap - 1;
    for (size_t k = pair_hash(r, w) & mask;; k = (k + 1) & mask) {
        uint32_t *slot = &ck->table[k];
        if (!*slot)
            return slot;
        const struct memo *m = &ck->memos[*slot - 1];
        if (m->r == r && m->w == w)
            return slot;
    }
}

/* Keeps the table at most half full. */
static bool memo_reserve(struct checker *ck)
{
    if ((ck->nmemo + 1) * 2 <= ck->tabcap)
        return true;
    size_t cap = ck->tabcap ? ck->tabcap * 2 : 128;
    uint32_t *table = calloc(cap, sizeof *table);
    if (!table) {
        ck->oom = true;
        return false;
    }
    if (ck->table != ck->table0)
        free(ck->table);
    ck->table = table;
    ck->tabcap = cap;
    for (size_t k = 0; k < ck->nmemo; k++)
        *memo_slot(ck, ck->memos[k].r, ck->memos[k].w) = (uint32_t)(k + 1);
    return true;
}

/*
 * True when r and w are both primitive types and r reads w: the pair's result
 * is the empty list wherever it is met, so it is answered without the memo
 * (see the top of this file) and does not count towards SR_COMPAT_MAX_PAIRS.
 */
static inline bool prim_ok(const struct sr_node *r, const struct sr_node *w)
{
    return sr_prim_reads(r->type, w->type);
}

/* ---- names, sizes, symbols ---------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Java's schemaNameEquals: unqualified names, or a reader alias (full name)
 * equal to the writer's full name. Writer aliases are not consulted. */
static bool names_match(const struct sr_node *r, const struct sr_node *w)
{
    if (str_eq(r->name.name, w->name.name))
        return true;
    for (size_t k = 0; k < r->alias_count; k++)
        if (str_eq(r->aliases[k].full, w->name.full))
            return true;
    return false;
}

static uint32_t check_names(struct checker *ck, const struct sr_node *r, const struct sr_node *w)
{
    if (names_match(r, w))
        return NIL;
    struct item *it;
    uint32_t list = incompat(ck, SR_INCOMPAT_NAME_MISMATCH, "name", &it);
    if (it)
        it->text = w->name.full;
    return list;
}

static uint32_t check_size(struct checker *ck, const struct sr_node *r, const struct sr_node *w)
{
    if (r->size == w->size)
        return NIL;
    struct item *it;
    uint32_t list = incompat(ck, SR_INCOMPAT_FIXED_SIZE_MISMATCH, "size", &it);
    if (it) {
        it->expected = w->size;
        it->found = r->size;
    }
    return list;
}

/* Decodes one UTF-8 sequence at *p (advancing it); invalid bytes decode as themselves. */
static uint32_t next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (n > 1) {
        uint32_t v = c & (0x3F >> (n - 1));
        for (size_t k = 1; k < n; k++) {
            if ((s[k] & 0xC0) != 0x80) {
                n = 1;
                v = c;
                break;
            }
            v = (v << 6) | (s[k] & 0x3F);
        }
        c = v;
    }
    *p = s + n;
    return c;
}

/* The first UTF-16 code unit of a code point. */
static uint32_t first_unit(uint32_t c)
{
    return c >= 0x10000 ? 0xD800 + ((c - 0x10000) >> 10) : c;
}

/* Java's String.compareTo on UTF-8 text: UTF-16 code unit order. */
static int java_strcmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        uint32_t x = next_code_point(&p), y = next_code_point(&q);
        if (x == y)
            continue;
        uint32_t ux = first_unit(x), uy = first_unit(y);
        if (ux != uy)
            return ux < uy ? -1 : 1;
        return x < y ? -1 : 1; /* same high surrogate: the low ones order as the code points */
    }
    return *p ? 1 : *q ? -1 : 0;
}

static int cmp_java(const void *a, const void *b)
{
    return java_strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_symbol(const struct sr_node *e, const char *s, size_t hint)
{
    if (hint < e->symbol_count && str_eq(e->symbols[hint], s))
        return true;
    for (size_t k = 0; k < e->symbol_count; k++)
        if (str_eq(e->symbols[k], s))
            return true;
    return false;
}

/* Java's checkReaderEnumContainsAllWriterEnumSymbols. */
static uint32_t check_symbols(struct checker *ck, const struct sr_node *r, const struct sr_node *w)
{
    size_t nr = r->symbol_count, nw = w->symbol_count;
    if (!RESERVE_CK(ck, scratch, capscratch, nr + nw + 1))
        return NIL;
    const char **sorted = NULL; /* reader symbols sorted by bytes, for large enums */
    const char **missing = ck->scratch;
    size_t nmissing = 0;
    if (nr > 16 && nw > 16) {
        sorted = ck->scratch + nw;
        memcpy(sorted, r->symbols, nr * sizeof *sorted);
        qsort(sorted, nr, sizeof *sorted, cmp_bytes);
    }
    for (size_t k = 0; k < nw; k++) {
        const char *s = w->symbols[k];
        bool found = sorted ? bsearch(&s, sorted, nr, sizeof *sorted, cmp_bytes) != NULL
                            : has_symbol(r, s, k);
        if (!found)
            missing[nmissing++] = s;
    }
    if (nmissing == 0)
        return NIL;
    if (r->enum_default && has_symbol(r, r->enum_default, SIZE_MAX))
        return NIL;

    /* TreeSet<String>: sorted, distinct; toString() is "[a, b]" */
    qsort(missing, nmissing, sizeof *missing, cmp_java);
    size_t msg = ck->strs.len;
    sr_buf_addc(&ck->strs, '[');
    for (size_t k = 0; k < nmissing; k++) {
        if (k > 0 && java_strcmp(missing[k - 1], missing[k]) == 0)
            continue;
        if (k > 0)
            sr_buf_adds(&ck->strs, ", ");
        sr_buf_adds(&ck->strs, missing[k]);
    }
    sr_buf_addc(&ck->strs, ']');
    sr_buf_addc(&ck->strs, '\0');
    if (sr_buf_failed(&ck->strs)) {
        ck->oom = true;
        return NIL;
    }
    struct item *it;
    uint32_t list = incompat(ck, SR_INCOMPAT_MISSING_ENUM_SYMBOLS, "symbols", &it);
    if (it)
        it->msg = msg;
    return list;
}

/* ---- record fields ------------------------------------------------------ */

/*
 * Does writer field f have the name name (of length len and hash hash)? The
 * hash and the length are compared first, so that the name itself is read
 * only when they agree. A parsed name is never empty: a field without a
 * length is one made by hand, without its length and hash, and is compared
 * by its name alone.
 */
static inline bool field_named(const struct sr_field *f, const char *name, size_t len,
                               uint64_t hash)
{
    if (f->name_len == 0)
        return str_eq(f->name, name);
    if (f->name_hash != hash || f->name_len != len)
        return false;
    const char *a = f->name;
    for (size_t k = 0; k < len; k++)
        if (a[k] != name[k])
            return false;
    return true;
}

/*
 * Writer field with the name (name, len, hash), or NULL: the first such field,
 * except that the one at hint, when it has the name, is taken at once. A parsed
 * record (it has a field index) never has two fields of one name, so the
 * search may go on from hint and wrap around, which finds the next field of a
 * version that left one out at once; a record made by hand is searched from
 * its first field.
 */
static inline const struct sr_field *find_field(const struct sr_node *w, const char *name,
                                                size_t len, uint64_t hash, size_t hint)
{
    const struct sr_field *fields = w->fields;
    size_t n = w->field_count;
    size_t from = 0;
    if (hint < n) {
        if (field_named(&fields[hint], name, len, hash))
            return &fields[hint];
        if (w->field_index)
            from = hint + 1;
    }
    for (size_t k = from; k < n; k++)
        if (field_named(&fields[k], name, len, hash))
            return &fields[k];
    for (size_t k = 0; k < from; k++)
        if (field_named(&fields[k], name, len, hash))
            return &fields[k];
    return NULL;
}

/*
 * Java's lookupWriterField: the writer field with the reader field's name plus
 * the one named by each reader field alias. Returns how many there are (the
 * first in *out); two or more is Java's AvroRuntimeException.
 */
static size_t lookup_writer_field(const struct sr_node *w, const struct sr_field *rf, size_t hint,
                                  const struct sr_field **out)
{
    size_t n = 0;
    *out = NULL;
    const struct sr_field *direct = NULL;
    if (rf->name) {
        size_t len = rf->name_len;
        uint64_t hash = rf->name_hash;
        if (len == 0) { /* made by hand (see field_named()) */
            len = strlen(rf->name);
            hash = sr_hash_bytes(rf->name, len);
        }
        direct = find_field(w, rf->name, len, hash, hint);
    }
    if (direct) {
        *out = direct;
        n++;
    }
    for (size_t k = 0; k < rf->alias_count; k++) {
        const json_t *a = rf->aliases[k];
        const char *alias = json_string_value(a);
        size_t len = json_string_length(a);
        /* a name with a NUL in it names no field */
        if (!alias || strlen(alias) != len)
            continue;
        /* Java keeps field aliases in a set: a repeated alias counts once */
        bool repeated = false;
        for (size_t j = 0; j < k && !repeated; j++)
            repeated = json_equal(rf->aliases[j], a);
        if (repeated)
            continue;
        const struct sr_field *f = find_field(w, alias, len, sr_hash_bytes(alias, len), SIZE_MAX);
        if (!f)
            continue;
        if (!*out)
            *out = f;
        n++;
    }
    return n;
}

/*
 * Records Java's exception for a reader field matching several writer fields:
 * String.format("Reader record field %s matches multiple fields in writer
 * record schema %s", readerField, writerSchema), that is Field.toString()
 * ("name type:TYPE pos:N") and the writer record's Schema.toString().
 */
static void multiple_match(struct checker *ck, const struct sr_field *rf, const struct sr_node *w)
{
    struct sr_buf b = SR_BUF_INIT;
    char *writer = sr_node_to_text(w, NULL);
    sr_buf_addf(
        &b,
        "Reader record field %s type:%s pos:%zu matches multiple fields in writer record schema %s",
        rf->name ? rf->name : "null", rf->type ? sr_type_java_name(rf->type->type) : "null",
        rf->pos, writer ? writer : "?");
    if (!writer)
        b.failed = true;
    free(writer);
    ck->exception = sr_buf_detach(&b, NULL);
    if (!ck->exception)
        ck->oom = true;
}

/* ---- the machine -------------------------------------------------------- */

/*
 * One of the two records is usually an old version nobody has touched for a
 * while, its nodes and strings spread over the heap: ask for what the field
 * loop will read (names, types, and what enums and unions point to) up front,
 * so that the cache misses overlap instead of coming one after another.
 */
static void prefetch_fields(const struct sr_node *r, const struct sr_node *w)
{
    const struct sr_node *recs[2] = {w, r};
    for (size_t s = 0; s < 2; s++) {
        for (size_t k = 0; k < recs[s]->field_count; k++) {
            __builtin_prefetch(recs[s]->fields[k].name);
            __builtin_prefetch(recs[s]->fields[k].type);
        }
    }
    for (size_t s = 0; s < 2; s++) {
        for (size_t k = 0; k < recs[s]->field_count; k++) {
            const struct sr_node *t = recs[s]->fields[k].type;
            if (!t)
                continue;
            if (t->type == SR_ENUM) {
                __builtin_prefetch(t->name.name);
                for (size_t j = 0; j < t->symbol_count && j < 8; j++)
                    __builtin_prefetch(t->symbols[j]);
            } else if (t->type == SR_UNION) {
                for (size_t j = 0; j < t->branch_count && j < 8; j++)
                    __builtin_prefetch(t->branches[j]);
            }
        }
    }
}

/*
 * calculateCompatibility for a pair without children: neither node a union,
 * and not two records, arrays or maps. Runs with the pair's token pushed.
 */
static uint32_t leaf_result(struct checker *ck, const struct sr_node *r, const struct sr_node *w)
{
    uint32_t res;
    if (r->type == w->type) {
        switch (r->type) {
        case SR_FIXED:
            res = check_names(ck, r, w);
            return merge(ck, res, check_size(ck, r, w));
        case SR_ENUM:
            res = check_names(ck, r, w);
            return merge(ck, res, check_symbols(ck, r, w));
        default: /* primitives */
            return NIL;
        }
    }
    return sr_type_promotes(w->type, r->type) ? NIL : type_mismatch(ck, r, w);
}

/* The first step of the frame computing (r, w), or STEP_LEAF when the pair
 * needs no frame (leaf_result computes it). */
static inline enum step first_step(const struct sr_node *r, const struct sr_node *w)
{
    if (r->type == w->type) {
        switch (r->type) {
        case SR_ARRAY:
        case SR_MAP:
            return STEP_CHILD;
        case SR_RECORD:
            return STEP_FIELD_NEXT;
        case SR_UNION:
            return STEP_UU_NEXT;
        default:
            return STEP_LEAF;
        }
    }
    if (w->type == SR_UNION)
        return STEP_WU_NEXT;
    if (r->type == SR_UNION)
        return STEP_RU_NEXT;
    return STEP_LEAF;
}

/* The pair of memo entry memo is computed: memoise list, pop the pair's token
 * (and restore the caller's segment when it opened one), answer list. */
static inline void close_pair(struct checker *ck, size_t memo, size_t saved_seg, uint32_t list)
{
    struct memo *m = &ck->memos[memo];
    m->list = list;
    m->done = true;
    pop_token(ck);
    if (saved_seg != NO_SEGMENT)
        ck->seg = saved_seg;
    ck->ret = list;
}

/* The top frame's pair is computed: memoise, pop its token and frame. */
static void finish(struct checker *ck, uint32_t list)
{
    const struct frame *f = &ck->frames[ck->nframe - 1];
    close_pair(ck, f->memo, f->saved_seg, list);
    ck->nframe--;
}

/*
 * The first half of Java's getCompatibility. With fresh, the 2-argument form
 * (a new location stack); otherwise the 4-argument form with token (lit, num).
 * Either the pair is answered at once (returns false with ck->ret set: the
 * memo knows it, or it is a primitive pair that resolves, or the walk failed)
 * or it is recorded as in progress under memo entry *memo and its token is
 * pushed (returns true; *saved_seg is the caller's segment when a fresh one
 * was opened). close_pair() then completes it.
 */
static inline __attribute__((always_inline)) bool
open_pair(struct checker *ck, const struct sr_node *r, const struct sr_node *w, bool fresh,
          const char *lit, size_t num, size_t *memo, size_t *saved_seg)
{
    ck->ret = NIL;
    if (prim_ok(r, w))
        return false;
    if (!memo_reserve(ck))
        return false;
    uint32_t *slot = memo_slot(ck, r, w);
    if (*slot) {
        const struct memo *m = &ck->memos[*slot - 1];
        ck->ret = m->done ? m->list : NIL; /* in progress: compatible until proven not */
        return false;
    }
    if (ck->nmemo >= SR_COMPAT_MAX_PAIRS) {
        ck->too_big = true;
        return false;
    }
    if (!RESERVE_CK(ck, memos, capmemo, ck->nmemo + 1) ||
        !RESERVE_CK(ck, toks, captok, ck->ntok + 1))
        return false;
    *memo = ck->nmemo++;
    ck->memos[*memo] = (struct memo){r, w, NIL, false};
    *slot = (uint32_t)(*memo + 1);

    *saved_seg = NO_SEGMENT;
    if (fresh) {
        *saved_seg = ck->seg;
        ck->seg = ck->ntok;
        push_token(ck, "", 0);
    } else {
        push_token(ck, lit, num);
    }
    return true;
}

/* Is the walk over (out of memory, or too big)? */
static inline bool failed(const struct checker *ck)
{
    return ck->oom || ck->too_big;
}

/*
 * Pairs computed without frames. Most pairs in real schemas are small: a
 * union of a few primitives against another, an array of strings. Such a pair
 * is computed at once, by the same steps and in the same order as frames would
 * take them (every pair it enters goes through the memo just the same), with
 * a little recursion of bounded depth instead of frames.
 */

/* Unions of more branches than this are always walked with frames. */
#define SHALLOW_BRANCHES 8
/* How many levels below it a pair computed at once may reach (a union against
 * a union of primitives needs 2, an array of such unions 3). */
#define SHALLOW_DEPTH 3

static bool shallow(const struct sr_node *r, const struct sr_node *w, enum step first,
                    unsigned depth);

/* shallow() for a child pair of (r, w)'s parent, depth levels allowed below it. */
static inline bool shallow_child(const struct sr_node *r, const struct sr_node *w, unsigned depth)
{
    enum step first = first_step(r, w);
    return first == STEP_LEAF || shallow(r, w, first, depth);
}

/*
 * Can the pair (r, w), whose first step is first, be computed at once: does
 * every pair it would enter lie at most depth levels below it and end in pairs
 * without children? Records never are (their fields are many). A cycle never
 * is (it has no bottom), so such a computation enters no pair twice on a path
 * and ends.
 */
static bool shallow(const struct sr_node *r, const struct sr_node *w, enum step first,
                    unsigned depth)
{
    if (first == STEP_LEAF)
        return true;
    if (first == STEP_FIELD_NEXT || depth == 0)
        return false;
    switch (first) {
    case STEP_CHILD:
        if (r->type == SR_ARRAY)
            return shallow_child(r->items, w->items, depth - 1);
        return shallow_child(r->values, w->values, depth - 1);
    case STEP_RU_NEXT:
        if (r->branch_count > SHALLOW_BRANCHES)
            return false;
        for (size_t k = 0; k < r->branch_count; k++)
            if (!shallow_child(r->branches[k], w, depth - 1))
                return false;
        return true;
    case STEP_WU_NEXT:
    case STEP_UU_NEXT:
        if (w->branch_count > SHALLOW_BRANCHES)
            return false;
        for (size_t k = 0; k < w->branch_count; k++)
            if (!shallow_child(r, w->branches[k], depth - 1))
                return false;
        return true;
    default:
        return false;
    }
}

static void enter_shallow_pair(struct checker *ck, const struct sr_node *r, const struct sr_node *w,
                               bool fresh, const char *lit, size_t num);

/* enter() for a pair that shallow() accepts (below an accepted pair). */
static inline void enter_shallow(struct checker *ck, const struct sr_node *r,
                                 const struct sr_node *w, bool fresh, const char *lit, size_t num)
{
    if (prim_ok(r, w))
        ck->ret = NIL;
    else
        enter_shallow_pair(ck, r, w, fresh, lit, num);
}

/*
 * calculateCompatibility of a pair that shallow() accepts, with the pair's
 * token pushed: what the frame steps of step() would compute, step for step.
 */
static uint32_t compute_shallow(struct checker *ck, const struct sr_node *r,
                                const struct sr_node *w, enum step first)
{
    uint32_t result = NIL;
    switch (first) {
    case STEP_CHILD:
        if (r->type == SR_ARRAY)
            enter_shallow(ck, r->items, w->items, false, "items", 0);
        else
            enter_shallow(ck, r->values, w->values, false, "values", 0);
        return ck->ret;
    case STEP_RU_NEXT:
        for (size_t k = 0; k < r->branch_count; k++) {
            enter_shallow(ck, r->branches[k], w, true, NULL, 0);
            if (failed(ck) || ck->ret == NIL)
                return NIL;
        }
        return missing_branch(ck, w->type);
    case STEP_WU_NEXT:
        for (size_t k = 0; k < w->branch_count && !failed(ck); k++) {
            enter_shallow(ck, r, w->branches[k], false, NULL, k);
            result = merge(ck, result, ck->ret);
        }
        return result;
    case STEP_UU_NEXT:
        for (size_t k = 0; k < w->branch_count && !failed(ck); k++) {
            push_token(ck, NULL, k);
            enter_shallow(ck, r, w->branches[k], true, NULL, 0);
            if (ck->ret != NIL)
                result = merge(ck, result, missing_branch(ck, w->branches[k]->type));
            pop_token(ck); /* the branch index */
        }
        return result;
    default:
        return leaf_result(ck, r, w);
    }
}

static void enter_shallow_pair(struct checker *ck, const struct sr_node *r, const struct sr_node *w,
                               bool fresh, const char *lit, size_t num)
{
    size_t memo, saved;
    if (!open_pair(ck, r, w, fresh, lit, num, &memo, &saved))
        return;
    close_pair(ck, memo, saved, compute_shallow(ck, r, w, first_step(r, w)));
}

/*
 * Java's getCompatibility. Either the pair is answered at once (ck->ret is
 * set and no frame is pushed: see open_pair(); shallow pairs are computed
 * here too) or a frame for the pair is pushed, its first step prepared. Only
 * then is the caller's frame pointer invalid: the frame array grows only for
 * a frame that is pushed.
 */
static void enter(struct checker *ck, const struct sr_node *r, const struct sr_node *w, bool fresh,
                  const char *lit, size_t num)
{
    size_t memo, saved;
    if (!open_pair(ck, r, w, fresh, lit, num, &memo, &saved))
        return;
    enum step first = first_step(r, w);
    if (shallow(r, w, first, SHALLOW_DEPTH)) {
        close_pair(ck, memo, saved, compute_shallow(ck, r, w, first));
        return;
    }
    if (!RESERVE_CK(ck, frames, capframe, ck->nframe + 1))
        return;
    struct frame *f = &ck->frames[ck->nframe++];
    *f = (struct frame){
        .r = r, .w = w, .memo = memo, .saved_seg = saved, .result = NIL, .step = first};
    if (first == STEP_FIELD_NEXT) {
        prefetch_fields(r, w);
        f->result = check_names(ck, r, w);
        push_token(ck, "fields", 0);
    }
}

/* After a call from a frame at depth: true when the child pair was answered
 * at once (ck->ret), so that the calling frame, still valid, goes on; false
 * when a frame was pushed for the child (it runs first) or the walk failed. */
static inline bool answered(const struct checker *ck, size_t depth)
{
    return ck->nframe == depth && !failed(ck);
}

/* Sets the frame's next step, then enters the child pair. */
static void call(struct checker *ck, struct frame *f, enum step next, const struct sr_node *r,
                 const struct sr_node *w, bool fresh, const char *lit, size_t num)
{
    f->step = next;
    enter(ck, r, w, fresh, lit, num);
}

/*
 * The record loop from reader field f->i on: find each field's writer field and
 * check it, or judge its absence, until a field needs a frame of its own (then
 * STEP_FIELD_DONE comes back here) or the record is done. A field whose types
 * are primitives that resolve needs neither a location nor a frame.
 */
static void field_next(struct checker *ck, struct frame *f)
{
    const struct sr_node *r = f->r, *w = f->w;
    size_t depth = ck->nframe;
    for (; f->i < r->field_count; f->i++) {
        if (failed(ck))
            return;
        const struct sr_field *rf = &r->fields[f->i];
        const struct sr_field *wf;
        size_t matches = lookup_writer_field(w, rf, f->hint, &wf);
        if (wf) /* versions mostly keep the field order: try the next one next */
            f->hint = (size_t)(wf - w->fields) + 1;
        if (matches > 1) {
            push_token(ck, NULL, rf->pos);
            multiple_match(ck, rf, w);
            return;
        }
        if (wf) {
            if (prim_ok(rf->type, wf->type))
                continue;
            push_token(ck, NULL, rf->pos);
            call(ck, f, STEP_FIELD_DONE, rf->type, wf->type, false, "type", 0);
            if (!answered(ck, depth))
                return; /* STEP_FIELD_DONE takes it on */
            f->result = merge(ck, f->result, ck->ret);
            pop_token(ck); /* the field position */
            continue;
        }
        if (!rf->default_value) {
            push_token(ck, NULL, rf->pos);
            if (rf->type && rf->type->type == SR_ENUM && rf->type->enum_default) {
                /* Java checks the enum against the writer record itself */
                call(ck, f, STEP_FIELD_DONE, rf->type, w, false, "type", 0);
                if (!answered(ck, depth))
                    return;
                f->result = merge(ck, f->result, ck->ret);
                pop_token(ck); /* the field position */
                continue;
            }
            struct item *it;
            uint32_t list = incompat(ck, SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE, NULL, &it);
            if (it)
                it->text = rf->name;
            f->result = merge(ck, f->result, list);
            pop_token(ck); /* the field position */
        }
    }
    pop_token(ck); /* "fields" */
    finish(ck, f->result);
}

/* Runs the top frame until it pushes a frame for a child or finishes. The
 * *_DONE steps take the result of a child that had a frame of its own; the
 * loops go on at once with the children the memo answers. */
static void step(struct checker *ck)
{
    size_t depth = ck->nframe;
    struct frame *f = &ck->frames[depth - 1];
    switch (f->step) {
    case STEP_LEAF:
        assert(!"a pair without children has no frame");
        finish(ck, NIL);
        return;
    case STEP_CHILD:
        if (f->r->type == SR_ARRAY)
            call(ck, f, STEP_MERGE_FINISH, f->r->items, f->w->items, false, "items", 0);
        else
            call(ck, f, STEP_MERGE_FINISH, f->r->values, f->w->values, false, "values", 0);
        if (!answered(ck, depth))
            return;
        /* fall through */
    case STEP_MERGE_FINISH:
        finish(ck, merge(ck, f->result, ck->ret));
        return;
    case STEP_FIELD_DONE:
        f->result = merge(ck, f->result, ck->ret);
        pop_token(ck); /* the field position */
        f->i++;
        /* fall through */
    case STEP_FIELD_NEXT:
        field_next(ck, f);
        return;
    case STEP_UU_DONE:
    case STEP_UU_NEXT:
        for (;;) {
            if (f->step == STEP_UU_DONE) {
                if (ck->ret != NIL)
                    f->result =
                        merge(ck, f->result, missing_branch(ck, f->w->branches[f->i]->type));
                pop_token(ck); /* the branch index */
                f->i++;
                f->step = STEP_UU_NEXT;
            }
            if (f->i >= f->w->branch_count) {
                finish(ck, f->result);
                return;
            }
            if (failed(ck))
                return;
            push_token(ck, NULL, f->i);
            call(ck, f, STEP_UU_DONE, f->r, f->w->branches[f->i], true, NULL, 0);
            if (!answered(ck, depth))
                return;
        }
    case STEP_WU_DONE:
    case STEP_WU_NEXT:
        for (;;) {
            if (f->step == STEP_WU_DONE) {
                f->result = merge(ck, f->result, ck->ret);
                f->i++;
                f->step = STEP_WU_NEXT;
            }
            if (f->i >= f->w->branch_count) {
                finish(ck, f->result);
                return;
            }
            if (failed(ck))
                return;
            call(ck, f, STEP_WU_DONE, f->r, f->w->branches[f->i], false, NULL, f->i);
            if (!answered(ck, depth))
                return;
        }
    case STEP_RU_DONE:
    case STEP_RU_NEXT:
        for (;;) {
            if (f->step == STEP_RU_DONE) {
                if (ck->ret == NIL) {
                    finish(ck, f->result);
                    return;
                }
                f->i++;
                f->step = STEP_RU_NEXT;
            }
            if (f->i >= f->r->branch_count) {
                finish(ck, merge(ck, f->result, missing_branch(ck, f->w->type)));
                return;
            }
            if (failed(ck))
                return;
            call(ck, f, STEP_RU_DONE, f->r->branches[f->i], f->w, true, NULL, 0);
            if (!answered(ck, depth))
                return;
        }
    }
}

/* ---- results ------------------------------------------------------------ */

/* Flattens list into out->items (at most SR_COMPAT_MAX_ITEMS, in order). */
static bool flatten(struct checker *ck, uint32_t list, struct sr_compat_result *out)
{
    uint32_t *stack = NULL;
    size_t nstack = 0, capstack = 0;
    size_t capout = 0;
    struct sr_buf text = SR_BUF_INIT;
    bool ok = true;
    if (list == NIL)
        return true;
    if (!RESERVE(ck, stack, capstack, 1))
        return false;
    stack[nstack++] = list;
    while (nstack > 0 && out->count < SR_COMPAT_MAX_ITEMS) {
        const struct lnode *n = &ck->lists[stack[--nstack]];
        if (n->item == LEAF_NONE) {
            if (!RESERVE(ck, stack, capstack, nstack + 2)) {
                ok = false;
                break;
            }
            stack[nstack++] = n->right;
            stack[nstack++] = n->left;
            continue;
        }
        if (!RESERVE(ck, out->items, capout, out->count + 1)) {
            ok = false;
            break;
        }
        const struct item *it = &ck->items[n->item];
        struct sr_incompat *o = &out->items[out->count];
        o->type = it->type;
        o->location = NULL;
        o->message = NULL;
        out->count++;
        render_location(ck, it, &text);
        o->location = sr_buf_detach(&text, NULL);
        render_message(ck, it, &text);
        o->message = sr_buf_detach(&text, NULL);
        if (!o->location || !o->message) {
            ok = false;
            break;
        }
    }
    free(stack);
    sr_buf_release(&text);
    if (!ok)
        ck->oom = true;
    return ok;
}

void sr_compat_result_release(struct sr_compat_result *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->count; k++) {
        free(r->items[k].location);
        free(r->items[k].message);
    }
    free(r->items);
    free(r->exception);
    r->items = NULL;
    r->count = 0;
    r->exception = NULL;
    r->compatible = false;
}

enum sr_err sr_compat_check(const struct sr_node *reader, const struct sr_node *writer,
                            struct sr_compat_result *out, struct sr_error *err)
{
    assert(reader && writer && out);
    struct checker ck;
    struct sr_compat_result res = {0};
    enum sr_err rc = SR_OK;
    bool late = false;
    checker_init(&ck);

    /* list node 0 stands for the empty list */
    if (new_lnode(&ck, NIL, NIL, LEAF_NONE) != NIL || ck.oom)
        goto done;
    enter(&ck, reader, writer, true, NULL, 0);
    /* The clock is read every DEADLINE_EVERY steps: a step is a few
     * nanoseconds, and a request past its deadline should stop soon. */
    for (size_t n = 1; ck.nframe > 0 && !ck.oom && !ck.too_big && !ck.exception; n++) {
        step(&ck);
        if (n % DEADLINE_EVERY == 0 && sr_deadline_passed()) {
            late = true;
            goto done;
        }
    }
    if (ck.oom || ck.too_big)
        goto done;

    if (ck.exception) {
        res.exception = ck.exception;
        ck.exception = NULL;
    } else if (!flatten(&ck, ck.ret, &res)) {
        goto done;
    }
    res.compatible = !res.exception && ck.ret == NIL;

done:
    if (late)
        rc = sr_errorf(err, SR_ERR_TIMEOUT,
                       "The compatibility check did not finish within the request's deadline");
    else if (ck.too_big)
        rc = sr_errorf(err, SR_ERR_UNPROCESSABLE,
                       "The schemas are too large to compare (more than %u type pairs)",
                       (unsigned)SR_COMPAT_MAX_PAIRS);
    else if (ck.oom)
        rc = sr_errorf(err, SR_ERR_NOMEM, "Out of memory while checking compatibility");
    if (rc == SR_OK)
        *out = res;
    else
        sr_compat_result_release(&res);
    checker_release(&ck);
    return rc;
}

const char *sr_incompat_type_name(enum sr_incompat_type t)
{
    switch (t) {
    case SR_INCOMPAT_NAME_MISMATCH:
        return "NAME_MISMATCH";
    case SR_INCOMPAT_FIXED_SIZE_MISMATCH:
        return "FIXED_SIZE_MISMATCH";
    case SR_INCOMPAT_MISSING_ENUM_SYMBOLS:
        return "MISSING_ENUM_SYMBOLS";
    case SR_INCOMPAT_READER_FIELD_MISSING_DEFAULT_VALUE:
        return "READER_FIELD_MISSING_DEFAULT_VALUE";
    case SR_INCOMPAT_TYPE_MISMATCH:
        return "TYPE_MISMATCH";
    case SR_INCOMPAT_MISSING_UNION_BRANCH:
        return "MISSING_UNION_BRANCH";
    }
    return "UNKNOWN";
}
