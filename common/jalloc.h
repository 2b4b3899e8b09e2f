/*
 * jalloc.h - optional arena allocation for jansson.
 *
 * jansson allocates every value and every object's hash table with malloc;
 * for a large schema that is most of the parse time, and freeing it again
 * costs as much. Once sr_jalloc_install() has run, jansson allocates from
 * the calling thread's current arena when one is set (sr_jalloc_use), so a
 * parsed document lives and dies with its schema's arena; elsewhere it is
 * plain malloc, and json_dumps() results are freed with free() as ever.
 * Rule: a value allocated in an arena is never decref'd to zero; its arena
 * is released instead.
 *
 * Installing replaces jansson's allocator for the whole process, so it is for
 * programs (the server, the CLI, benchmarks), never for a library's users:
 * call it at start-up, before any jansson value exists, from one thread.
 */
#ifndef SR_COMMON_JALLOC_H
#define SR_COMMON_JALLOC_H

#include <stdbool.h>

#include "common/arena.h"

void sr_jalloc_install(void);
bool sr_jalloc_installed(void);
/* Sets the calling thread's arena (NULL: malloc) and returns the previous one. */
struct sr_arena *sr_jalloc_use(struct sr_arena *arena);

#endif
