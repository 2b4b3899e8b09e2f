/*
 * strategy.c - Confluent's subject name strategies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

/* "a-b" as a new string in *out. */
static enum avroreg_err join(const char *a, const char *b, char **out, struct avroreg_error *err)
{
    size_t len = strlen(a) + 1 + strlen(b) + 1;
    char *s = malloc(len);
    if (!s)
        return ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    snprintf(s, len, "%s-%s", a, b);
    *out = s;
    return AVROREG_OK;
}

/* The full name the record strategies use, or NULL after recording the error. */
static const char *record_name(const struct avroreg_schema *schema, struct avroreg_error *err)
{
    const char *name = avroreg_schema_fullname(schema);
    if (!name)
        ar_error(err, AVROREG_ERR_ARG,
                 "the record name strategies need a record, enum or fixed schema");
    return name;
}

enum avroreg_err avroreg_subject_name(enum avroreg_subject_strategy strategy, const char *topic,
                                      bool is_key, const struct avroreg_schema *schema,
                                      char **subject_out, struct avroreg_error *err)
{
    if (!subject_out)
        return ar_error(err, AVROREG_ERR_ARG, "subject_out is required");
    if (strategy != AVROREG_RECORD_NAME && !topic)
        return ar_error(err, AVROREG_ERR_ARG, "this strategy needs a topic");
    const char *name = NULL;
    switch (strategy) {
    case AVROREG_TOPIC_NAME:
        return join(topic, is_key ? "key" : "value", subject_out, err);
    case AVROREG_RECORD_NAME:
        if (!(name = record_name(schema, err)))
            return AVROREG_ERR_ARG;
        *subject_out = strdup(name);
        return *subject_out ? AVROREG_OK : ar_error(err, AVROREG_ERR_NOMEM, "out of memory");
    case AVROREG_TOPIC_RECORD_NAME:
        if (!(name = record_name(schema, err)))
            return AVROREG_ERR_ARG;
        return join(topic, name, subject_out, err);
    }
    return ar_error(err, AVROREG_ERR_ARG, "unknown subject name strategy %d", (int)strategy);
}
