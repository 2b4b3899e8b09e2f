/*
 * import_int.h - the plan of an import (import_plan.c), which
 * snapshot_import.c runs. Not installed.
 *
 * A plan is a graph of actions. Each subject's actions form a chain, run in
 * order: its mode set to IMPORT when its own mode would refuse the writes,
 * the removals (mirror; highest version first), the registrations and soft
 * deletes (lowest version first), then its config and its final mode.
 * Across subjects, a registration depends on the registrations of the
 * versions its schema references, and a removal waits for the removals of
 * the versions that reference it. A chain edge only orders; a dependency
 * edge also passes a refusal on (what references a version that was not
 * imported is not imported either).
 */
#ifndef AVROREG_CLIENT_IMPORT_INT_H
#define AVROREG_CLIENT_IMPORT_INT_H

#include "client/migrate_int.h"

enum ar_act_kind {
    AR_ACT_MODE_IMPORT, /* PUT /mode/{s}?force=true IMPORT, for the duration */
    AR_ACT_REMOVE,      /* soft delete when live, then permanent delete (mirror) */
    AR_ACT_REGISTER,    /* POST with id and version; then soft delete when deleted */
    AR_ACT_SOFT_DELETE, /* DELETE /subjects/{s}/versions/{v} */
    AR_ACT_CONFIG,      /* PUT /config/{s}, or DELETE when compat is NULL */
    AR_ACT_MODE,        /* PUT /mode/{s}?force=true, or DELETE when mode is NULL */
    AR_ACT_CONFLICT,    /* a version that conflicts: refused before anything runs */
};

enum ar_act_state { AR_WAITING, AR_DONE, AR_REFUSED, AR_FAILED };

struct ar_action {
    enum ar_act_kind kind;
    const char *subject; /* borrowed from a snapshot */
    int32_t version, id;
    bool deleted; /* REGISTER: soft-delete it afterwards; REMOVE: soft-deleted already */
    bool counted; /* a change the report counts (not a step of the import's own) */
    const struct ar_schema_ent *schema; /* REGISTER */
    const char *compat;                 /* CONFIG (NULL: delete) */
    int normalize;                      /* CONFIG: -1 unset */
    const char *mode;                   /* MODE (NULL: delete); MODE_IMPORT: the one before */
    size_t partner;                     /* MODE_IMPORT: the subject's final MODE action */
    /* the graph */
    size_t first_succ, succ_count;   /* in ar_plan.succ / succ_dep */
    size_t pending;                  /* predecessors not finished */
    const struct ar_action *blocker; /* a refused version this one depends on */
    enum ar_act_state state;
};

struct ar_edge {
    size_t from, to;
    bool dep;
};

struct ar_plan {
    const struct avroreg_snapshot *want, *have;
    bool mirror;
    struct ar_action *acts;
    size_t count, cap;
    struct ar_edge *edges;
    size_t edge_count, edge_cap;
    size_t *succ;   /* successors of each action, grouped by action */
    bool *succ_dep; /* whether each of those edges is a dependency */
    size_t planned; /* counted actions, global changes included */
    size_t unchanged, conflicts;
    bool global_config;  /* the global config differs */
    bool subject_writes; /* some action needs the target in IMPORT mode */
};

/* Plans the changes that make have (the target's state, read just before)
 * hold want. Conflicts are named in problems and become AR_ACT_CONFLICT
 * actions. Errors: AVROREG_ERR_NOMEM. */
enum avroreg_err ar_plan_build(struct ar_plan *plan, const struct avroreg_snapshot *want,
                               const struct avroreg_snapshot *have,
                               const struct avroreg_import_options *o, struct ar_problems *problems,
                               struct avroreg_error *err);
void ar_plan_release(struct ar_plan *plan);
/* What a problem line calls an action: "subject 'x' version 3 (id 7)". */
void ar_action_name(const struct ar_action *a, char *out, size_t size);

#endif
