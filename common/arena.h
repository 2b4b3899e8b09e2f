/*
 * arena.h - a bump allocator for objects that live and die together.
 *
 * A parsed schema allocates all its nodes, fields and strings from one arena
 * so that freeing the schema is one walk over a handful of blocks, and the
 * graph (which may be cyclic) needs no per-node ownership.
 * Allocation returns zeroed memory, or NULL when out of memory.
 * An arena that grows past a megabyte (a schema of a hundred kilobytes and
 * more) takes further memory in 2 MiB blocks mapped as transparent huge
 * pages where the system offers them: a fresh 4 KiB page costs a fault on
 * first touch, and for a big schema those faults cost more than the parse.
 */
#ifndef SR_COMMON_ARENA_H
#define SR_COMMON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct sr_arena_block;

struct sr_arena {
    struct sr_arena_block *head;
    size_t held; /* bytes of all blocks */
};

#define SR_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Zeroed, max-aligned memory owned by the arena; NULL on OOM or size overflow. */
void *sr_arena_alloc(struct sr_arena *a, size_t size);
/* Zeroed array of n elements of size each; NULL on OOM or overflow. */
void *sr_arena_calloc(struct sr_arena *a, size_t n, size_t size);
/* Copy of s[0..len) plus a NUL, owned by the arena; NULL on OOM. */
char *sr_arena_strndup(struct sr_arena *a, const char *s, size_t len);
char *sr_arena_strdup(struct sr_arena *a, const char *s);
/* Bytes the arena holds from the system (its blocks). */
size_t sr_arena_size(const struct sr_arena *a);
/* Whether p points into one of the arena's blocks. */
bool sr_arena_owns(const struct sr_arena *a, const void *p);
/* Frees every block; the arena is empty and reusable afterwards. */
void sr_arena_release(struct sr_arena *a);

#endif
