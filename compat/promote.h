/*
 * promote.h - the promotions of the Avro specification's schema resolution:
 * which writer type a reader of another type still reads.
 *
 *   writer int    -> reader long, float or double
 *   writer long   -> reader float or double
 *   writer float  -> reader double
 *   writer string -> reader bytes
 *   writer bytes  -> reader string
 *
 * This is the one place the rule is written: the compatibility checker
 * (compat/check.c) judges schemas with it and the client's resolving decoder
 * (client/resolve.c) converts values with it. No other pair of different
 * types promotes; in particular named types and containers never do.
 * A table lookup; safe from any thread.
 */
#ifndef SR_COMPAT_PROMOTE_H
#define SR_COMPAT_PROMOTE_H

#include <stdbool.h>
#include <stdint.h>

#include "schemas/schema.h"

/* For each reader type: the writer types (bit 1 << type) it reads by
 * promotion. A type is not listed as promoting to itself. */
extern const uint16_t sr_promotions[SR_FIXED + 1];

/* Whether a reader of type reader reads a writer's value of the different type
 * writer by promotion. False for equal types. */
static inline bool sr_type_promotes(enum sr_type writer, enum sr_type reader)
{
    return (unsigned)reader <= SR_FIXED && (sr_promotions[reader] >> (unsigned)writer & 1u);
}

/* Whether reader and writer are both primitive types and the reader reads the
 * writer's values: the same type, or a promotion. */
static inline bool sr_prim_reads(enum sr_type reader, enum sr_type writer)
{
    return reader <= SR_STRING && writer <= SR_STRING &&
           (reader == writer || sr_type_promotes(writer, reader));
}

#endif
