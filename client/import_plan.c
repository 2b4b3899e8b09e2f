/*
 * import_plan.c - what an import must change on the target, and in what
 * order (see import_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/import_int.h"

#define NONE SIZE_MAX

void ar_action_name(const struct ar_action *a, char *out, size_t size)
{
    if (a->kind == AR_ACT_CONFIG)
        snprintf(out, size, "the config of subject '%s'", a->subject);
    else if (a->kind == AR_ACT_MODE || a->kind == AR_ACT_MODE_IMPORT)
        snprintf(out, size, "the mode of subject '%s'", a->subject);
    else
        snprintf(out, size, "subject '%s' version %d (id %d)", a->subject, a->version, a->id);
}

void ar_plan_release(struct ar_plan *plan)
{
    free(plan->acts);
    free(plan->edges);
    free(plan->succ);
    free(plan->succ_dep);
    memset(plan, 0, sizeof(*plan));
}

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 64;
    void *grown = realloc(*items, want * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = want;
    return true;
}

static bool add_edge(struct ar_plan *plan, size_t from, size_t to, bool dep)
{
    if (!grow((void **)&plan->edges, &plan->edge_cap, plan->edge_count, sizeof(*plan->edges)))
        return false;
    plan->edges[plan->edge_count++] = (struct ar_edge){from, to, dep};
    return true;
}

/* ---- one subject -------------------------------------------------------------------- */

enum verdict {
    V_SAME,
    V_REGISTER,
    V_SOFT_DELETE,
    V_OTHER_ID,     /* the target's version has another id */
    V_UNDELETE,     /* soft-deleted on the target, live in the snapshot */
    V_OTHER_SCHEMA, /* the id holds another schema on the target */
    V_TWICE_LIVE,   /* the snapshot has the id live twice in this subject */
};

struct subject_plan {
    struct ar_plan *plan;
    struct ar_problems *problems;
    const char *name;
    const struct ar_subject_ent *want, *have;
    enum verdict *verdicts; /* one per version of want */
    size_t last;            /* the chain's last action, or NONE */
};

static int by_id_version(const void *a, const void *b)
{
    const struct ar_version_ent *x = *(const struct ar_version_ent *const *)a;
    const struct ar_version_ent *y = *(const struct ar_version_ent *const *)b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->version > y->version) - (x->version < y->version);
}

/* Marks the live versions whose id an earlier live version already has. */
static bool mark_twice_live(struct subject_plan *sp)
{
    size_t n = sp->want->version_count, live = 0;
    const struct ar_version_ent **v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!sp->want->versions[i].deleted)
            v[live++] = &sp->want->versions[i];
    if (live)
        qsort(v, live, sizeof(*v), by_id_version);
    for (size_t i = 1; i < live; i++)
        if (v[i]->id == v[i - 1]->id)
            sp->verdicts[v[i] - sp->want->versions] = V_TWICE_LIVE;
    free(v);
    return true;
}

static enum verdict judge(const struct ar_plan *plan, const struct ar_subject_ent *have,
                          const struct ar_version_ent *w)
{
    const struct ar_version_ent *h = have ? ar_subject_version(have, w->version) : NULL;
    if (h && h->id != w->id)
        return V_OTHER_ID;
    if (h && h->deleted && !w->deleted)
        return V_UNDELETE;
    if (h)
        return !h->deleted && w->deleted ? V_SOFT_DELETE : V_SAME;
    const struct ar_schema_ent *hs = ar_snap_schema(plan->have, w->id);
    const struct ar_schema_ent *ws = ar_snap_schema(plan->want, w->id);
    if (hs && ws && !ar_schema_same(plan->want, ws, plan->have, hs))
        return V_OTHER_SCHEMA;
    return V_REGISTER;
}

static void name_conflict(struct subject_plan *sp, const struct ar_version_ent *w, enum verdict v)
{
    const struct ar_version_ent *h = sp->have ? ar_subject_version(sp->have, w->version) : NULL;
    const char *s = sp->name;
    if (v == V_OTHER_ID)
        ar_problems_add(sp->problems,
                        "conflict: subject '%s' version %d has id %d on the target, id %d in the "
                        "snapshot",
                        s, w->version, h ? h->id : 0, w->id);
    else if (v == V_UNDELETE)
        ar_problems_add(sp->problems,
                        "conflict: subject '%s' version %d (id %d) is soft-deleted on the target "
                        "but live in the snapshot, and a registry cannot undelete",
                        s, w->version, w->id);
    else if (v == V_OTHER_SCHEMA)
        ar_problems_add(sp->problems,
                        "conflict: id %d holds a different schema on the target, so subject '%s' "
                        "version %d cannot be imported with it",
                        w->id, s, w->version);
    else
        ar_problems_add(sp->problems,
                        "conflict: subject '%s' has schema id %d live at two versions (the "
                        "second is %d); a registry keeps one live version of a schema per subject",
                        s, w->id, w->version);
}

/* Appends an action to the subject's chain (conflicts stay out of it). */
static struct ar_action *emit(struct subject_plan *sp, enum ar_act_kind kind, bool counted)
{
    struct ar_plan *plan = sp->plan;
    if (!grow((void **)&plan->acts, &plan->cap, plan->count, sizeof(*plan->acts)))
        return NULL;
    size_t at = plan->count++;
    struct ar_action *a = &plan->acts[at];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->subject = sp->name;
    a->normalize = -1;
    a->counted = counted;
    a->state = AR_WAITING;
    if (kind != AR_ACT_CONFLICT) {
        if (sp->last != NONE && !add_edge(plan, sp->last, at, false))
            return NULL;
        sp->last = at;
    }
    if (counted)
        plan->planned++;
    if (kind != AR_ACT_MODE_IMPORT && kind != AR_ACT_CONFIG && kind != AR_ACT_MODE &&
        kind != AR_ACT_CONFLICT)
        plan->subject_writes = true;
    return a;
}

static bool emit_removals(struct subject_plan *sp)
{
    if (!sp->plan->mirror || !sp->have)
        return true;
    for (size_t i = sp->have->version_count; i-- > 0;) {
        const struct ar_version_ent *h = &sp->have->versions[i];
        if (sp->want && ar_subject_version(sp->want, h->version))
            continue;
        struct ar_action *a = emit(sp, AR_ACT_REMOVE, true);
        if (!a)
            return false;
        a->version = h->version;
        a->id = h->id;
        a->deleted = h->deleted;
    }
    return true;
}

static bool emit_versions(struct subject_plan *sp)
{
    for (size_t i = 0; sp->want && i < sp->want->version_count; i++) {
        const struct ar_version_ent *w = &sp->want->versions[i];
        enum verdict v = sp->verdicts[i];
        if (v == V_SAME) {
            sp->plan->unchanged++;
            continue;
        }
        enum ar_act_kind kind = v == V_REGISTER      ? AR_ACT_REGISTER
                                : v == V_SOFT_DELETE ? AR_ACT_SOFT_DELETE
                                                     : AR_ACT_CONFLICT;
        struct ar_action *a = emit(sp, kind, kind != AR_ACT_CONFLICT);
        if (!a)
            return false;
        a->version = w->version;
        a->id = w->id;
        a->deleted = w->deleted;
        a->schema = ar_snap_schema(sp->plan->want, w->id);
        if (kind == AR_ACT_CONFLICT) {
            a->state = AR_REFUSED;
            sp->plan->conflicts++;
            name_conflict(sp, w, v);
        }
    }
    return true;
}

static bool has_writes(const struct subject_plan *sp)
{
    for (size_t i = 0; sp->want && i < sp->want->version_count; i++)
        if (sp->verdicts[i] == V_REGISTER || sp->verdicts[i] == V_SOFT_DELETE)
            return true;
    if (sp->plan->mirror && sp->have)
        for (size_t i = 0; i < sp->have->version_count; i++)
            if (!sp->want || !ar_subject_version(sp->want, sp->have->versions[i].version))
                return true;
    return false;
}

/* The config change, if any: sets *action, and the values in compat and normalize. */
static void config_change(const struct subject_plan *sp, bool *action, const char **compat,
                          int *normalize)
{
    const char *wc = sp->want ? sp->want->compat : NULL;
    int wn = sp->want ? sp->want->normalize : -1;
    const char *hc = sp->have ? sp->have->compat : NULL;
    int hn = sp->have ? sp->have->normalize : -1;
    *compat = wc;
    *normalize = wn;
    if (wc)
        *action = !ar_str_same(wc, hc) || wn != hn;
    else
        *action = sp->plan->mirror && (hc || hn >= 0);
    if (!wc && wn >= 0 && !ar_str_same(NULL, hc))
        ar_problems_add(sp->problems,
                        "subject '%s': normalize is set without a compatibility level; left "
                        "as the target has it",
                        sp->name);
}

static bool plan_subject(struct subject_plan *sp)
{
    size_t n = sp->want ? sp->want->version_count : 0;
    sp->verdicts = calloc(n ? n : 1, sizeof(*sp->verdicts));
    if (!sp->verdicts)
        return false;
    for (size_t i = 0; i < n; i++)
        sp->verdicts[i] = judge(sp->plan, sp->have, &sp->want->versions[i]);
    if (sp->want && !mark_twice_live(sp))
        return false;
    bool config = false;
    const char *compat = NULL;
    int normalize = -1;
    config_change(sp, &config, &compat, &normalize);
    const char *have_mode = sp->have ? sp->have->mode : NULL;
    const char *want_mode = sp->want && sp->want->mode ? sp->want->mode
                            : sp->plan->mirror         ? NULL
                                                       : have_mode;
    bool writes = has_writes(sp);
    /* A mode of the subject's own outranks the global IMPORT: lift it for the writes. */
    bool lift = have_mode && strcmp(have_mode, "IMPORT") != 0 &&
                (writes || (config && strncmp(have_mode, "READONLY", 8) == 0));
    struct ar_action *a = lift ? emit(sp, AR_ACT_MODE_IMPORT, false) : NULL;
    size_t lifted = lift ? sp->plan->count - 1 : NONE;
    if (lift && !a)
        return false;
    if (a)
        a->mode = have_mode;
    if (!emit_removals(sp) || !emit_versions(sp))
        return false;
    if (config) {
        if (!(a = emit(sp, AR_ACT_CONFIG, true)))
            return false;
        a->compat = compat;
        a->normalize = normalize;
    }
    bool mode_change = !ar_str_same(want_mode, have_mode);
    if (lift || mode_change) {
        if (!(a = emit(sp, AR_ACT_MODE, mode_change)))
            return false;
        a->mode = want_mode;
        if (lifted != NONE)
            sp->plan->acts[lifted].partner = sp->plan->count - 1;
    }
    return true;
}

/* ---- the subjects concerned ------------------------------------------------------------ */

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names to plan, sorted and unique (borrowed strings). */
static const char **subject_names(const struct ar_plan *plan,
                                  const struct avroreg_import_options *o, size_t *count)
{
    size_t n = o && o->subjects
                   ? o->subject_count
                   : plan->want->subject_count + (plan->mirror ? plan->have->subject_count : 0);
    const char **names = calloc(n ? n : 1, sizeof(*names));
    if (!names)
        return NULL;
    size_t k = 0;
    if (o && o->subjects) {
        for (size_t i = 0; i < o->subject_count; i++)
            names[k++] = o->subjects[i];
    } else {
        for (size_t i = 0; i < plan->want->subject_count; i++)
            names[k++] = plan->want->subjects[i].name;
        for (size_t i = 0; plan->mirror && i < plan->have->subject_count; i++)
            names[k++] = plan->have->subjects[i].name;
    }
    if (k)
        qsort(names, k, sizeof(*names), by_string);
    size_t unique = 0;
    for (size_t i = 0; i < k; i++)
        if (!unique || strcmp(names[unique - 1], names[i]) != 0)
            names[unique++] = names[i];
    *count = unique;
    return names;
}

/* ---- edges across subjects ----------------------------------------------------------------- */

struct index_key {
    const char *subject;
    int32_t version;
    size_t at; /* the action's index */
};

struct index {
    struct index_key *keys; /* sorted by (subject, version) */
    size_t count;
};

static int cmp_key(const struct index_key *k, const char *subject, int32_t version)
{
    int c = strcmp(k->subject, subject);
    return c ? c : (k->version > version) - (k->version < version);
}

static int by_subject_version(const void *a, const void *b)
{
    const struct index_key *y = b;
    return cmp_key(a, y->subject, y->version);
}

/* The registrations and conflicts, or (removals) the removals, by version. */
static bool index_build(struct index *ix, const struct ar_plan *plan, bool removals)
{
    ix->count = 0;
    ix->keys = calloc(plan->count ? plan->count : 1, sizeof(*ix->keys));
    if (!ix->keys)
        return false;
    for (size_t i = 0; i < plan->count; i++) {
        const struct ar_action *a = &plan->acts[i];
        if (removals ? a->kind == AR_ACT_REMOVE
                     : (a->kind == AR_ACT_REGISTER || a->kind == AR_ACT_CONFLICT))
            ix->keys[ix->count++] = (struct index_key){a->subject, a->version, i};
    }
    if (ix->count)
        qsort(ix->keys, ix->count, sizeof(*ix->keys), by_subject_version);
    return true;
}

static size_t index_find(const struct index *ix, const char *subject, int32_t version)
{
    size_t lo = 0, hi = ix->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(&ix->keys[mid], subject, version);
        if (c == 0)
            return ix->keys[mid].at;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NONE;
}

/* The version a reference names: "latest" (-1) is the highest live one. */
static int32_t ref_version(const struct avroreg_snapshot *snap, const char *subject,
                           int32_t version)
{
    if (version != -1)
        return version;
    const struct ar_subject_ent *s = ar_snap_find_subject(snap, subject);
    const struct ar_version_ent *v = s ? ar_subject_latest(s) : NULL;
    return v ? v->version : -1;
}

static bool reference_edges(struct ar_plan *plan)
{
    struct index regs = {0}, rems = {0};
    bool ok = index_build(&regs, plan, false) && index_build(&rems, plan, true);
    for (size_t i = 0; ok && i < plan->count; i++) {
        const struct ar_action *a = &plan->acts[i];
        const struct ar_schema_ent *schema = NULL;
        if (a->kind == AR_ACT_REGISTER)
            schema = a->schema;
        else if (a->kind == AR_ACT_REMOVE)
            schema = ar_snap_schema(plan->have, a->id);
        const struct avroreg_snapshot *in = a->kind == AR_ACT_REGISTER ? plan->want : plan->have;
        for (size_t r = 0; ok && schema && r < json_array_size(schema->refs); r++) {
            const char *subject;
            int32_t version;
            if (!ar_ref_at(schema, r, &subject, &version))
                continue;
            version = ref_version(in, subject, version);
            if (a->kind == AR_ACT_REGISTER) {
                size_t used = index_find(&regs, subject, version);
                ok = used == NONE || add_edge(plan, used, i, true);
            } else { /* the referrer goes before what it uses */
                size_t used = index_find(&rems, subject, version);
                ok = used == NONE || add_edge(plan, i, used, false);
            }
        }
    }
    free(regs.keys);
    free(rems.keys);
    return ok;
}

/* Successor lists, grouped by action, and each action's count of predecessors. */
static bool link(struct ar_plan *plan)
{
    size_t n = plan->edge_count;
    plan->succ = calloc(n ? n : 1, sizeof(*plan->succ));
    plan->succ_dep = calloc(n ? n : 1, sizeof(*plan->succ_dep));
    if (!plan->succ || !plan->succ_dep)
        return false;
    for (size_t e = 0; e < n; e++) {
        plan->acts[plan->edges[e].from].succ_count++;
        plan->acts[plan->edges[e].to].pending++;
    }
    size_t at = 0;
    for (size_t i = 0; i < plan->count; i++) {
        plan->acts[i].first_succ = at;
        at += plan->acts[i].succ_count;
        plan->acts[i].succ_count = 0;
    }
    for (size_t e = 0; e < n; e++) {
        struct ar_action *from = &plan->acts[plan->edges[e].from];
        size_t slot = from->first_succ + from->succ_count++;
        plan->succ[slot] = plan->edges[e].to;
        plan->succ_dep[slot] = plan->edges[e].dep;
    }
    return true;
}

enum avroreg_err ar_plan_build(struct ar_plan *plan, const struct avroreg_snapshot *want,
                               const struct avroreg_snapshot *have,
                               const struct avroreg_import_options *o, struct ar_problems *problems,
                               struct avroreg_error *err)
{
    memset(plan, 0, sizeof(*plan));
    plan->want = want;
    plan->have = have;
    plan->mirror = o && o->mirror;
    size_t count = 0;
    const char **names = subject_names(plan, o, &count);
    bool ok = names != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        struct subject_plan sp = {.plan = plan,
                                  .problems = problems,
                                  .name = names[i],
                                  .want = ar_snap_find_subject(want, names[i]),
                                  .have = ar_snap_find_subject(have, names[i]),
                                  .last = NONE};
        /* the name must outlive the plan: take the snapshots' copy */
        sp.name = sp.want ? sp.want->name : sp.have ? sp.have->name : NULL;
        if (sp.name)
            ok = plan_subject(&sp);
        free(sp.verdicts);
    }
    free(names);
    plan->global_config = want->compat && (!ar_str_same(want->compat, have->compat) ||
                                           want->normalize != have->normalize);
    if (plan->global_config)
        plan->planned++;
    ok = ok && reference_edges(plan) && link(plan);
    if (!ok) {
        ar_plan_release(plan);
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    }
    return AVROREG_OK;
}
