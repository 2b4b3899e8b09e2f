/*
 * context.h - Confluent's contexts (7.0+): each context numbers its own
 * schema ids. A subject names its context with a prefix, ":.team:orders"
 * being "orders" in the context ".team"; a subject without one is in the
 * default context "." (":.:orders" is "orders"). A context's own settings
 * live under the subject ":.team:". The URL form /contexts/{ctx}/... is
 * rewritten into the qualified one before routing, as Confluent's
 * ContextFilter does.
 */
#ifndef SR_SERVER_CONTEXT_H
#define SR_SERVER_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Room for a context name and its NUL; longer names are refused. */
#define SR_CONTEXT_MAX 256

/* The context of subject: "." or ".team". Writes it into out. */
void sr_context_of(const char *subject, char out[SR_CONTEXT_MAX]);

/* The subject without its context prefix: "orders" for ":.team:orders". */
const char *sr_context_unqualified(const char *subject);

/* Whether subject carries a context prefix (":.x:..."). */
bool sr_context_qualified(const char *subject);

/* The qualified prefix of a context given as in a URL or a request: "team",
 * ".team" and ":.team:" all give ":.team:", and "." gives "" (the default
 * context needs no prefix). Errors: SR_ERR_BAD_REQUEST "Context name cannot
 * contain a colon", SR_ERR_INVALID_SUBJECT for a name too long. */
enum sr_err sr_context_prefix(const char *raw, char out[SR_CONTEXT_MAX + 2], struct sr_error *err);

/* The "in context X " part of Confluent 8's messages for subject: the
 * context's prefix (":.team:"), or "" for the default context. */
void sr_context_label(const char *subject, char out[SR_CONTEXT_MAX + 2]);

/* Which subjects a subjectPrefix selects in Confluent 8 (its key ranges
 * over (context, subject)):
 *   ":*:"         every subject of every context, the default context's
 *                 bare and the others qualified (":.team:orders");
 *   ":*:X"        subjects whose unqualified name starts with X, in every
 *                 context;
 *   ":.team:X"    subjects of ".team" starting with X (":.:X" is "X");
 *   "X" (plain)   subjects of the default context starting with X ("" is
 *                 the whole default context).
 * What GET /subjects and GET /schemas do without the parameter differs:
 * /subjects defaults to ":*:", /schemas to "". */
struct sr_subject_filter {
    const char *store_prefix; /* borrowed from the prefix: what the store is asked for; NULL: all */
    const char *name_prefix;  /* ":*:X": X (borrowed), else NULL */
    bool default_only;        /* a plain prefix: qualified subjects are left out */
};
void sr_context_subject_filter(const char *prefix, struct sr_subject_filter *out);
/* Whether subject (as stored) is one filter selects. */
bool sr_context_subject_matches(const struct sr_subject_filter *f, const char *subject);

/* How a request for /contexts/{ctx}/... reads once rewritten. */
struct sr_context_rewrite {
    char *path;                      /* heap: the rewritten raw path; NULL when nothing changed */
    const char *query_key;           /* a query parameter to prefix with the context, or NULL */
    char prefix[SR_CONTEXT_MAX + 2]; /* the context's qualified prefix */
};

/* Rewrites raw_path (not percent-decoded, starting with '/') when it is
 * /contexts/{ctx}/<rest>: a segment after "subjects", and the first segment
 * after a leading "config" or "mode", gets the context's prefix (unless it is
 * qualified already); /config and /mode alone name the context's own
 * setting; the listings /subjects and /schemas get the prefix in front of
 * their subjectPrefix, and the other /schemas routes in front of their
 * subject parameter (query_key names which). Paths that are not of that
 * form are left alone (out->path NULL). Caller frees out->path.
 * Errors: as sr_context_prefix(), SR_ERR_NOMEM. */
enum sr_err sr_context_rewrite(const char *raw_path, struct sr_context_rewrite *out,
                               struct sr_error *err);

#endif
