#include "common/jalloc.h"

#include <jansson.h>
#include <stdlib.h>

static bool installed;
static _Thread_local struct sr_arena *current;

/* Heap memory stays plain malloc memory, so that what json_dumps() returns
 * can be released with free() as usual. */
static void *arena_or_heap_malloc(size_t size)
{
    return current ? sr_arena_alloc(current, size) : malloc(size);
}

/* Arena values are only ever released with their arena: a parsed document is
 * never decref'd (its schema drops the arena instead), so jansson frees arena
 * memory only for its own temporaries during a parse, while that arena is
 * current. */
static void arena_or_heap_free(void *ptr)
{
    if (ptr && !(current && sr_arena_owns(current, ptr)))
        free(ptr);
}

void sr_jalloc_install(void)
{
    if (installed)
        return;
    json_set_alloc_funcs(arena_or_heap_malloc, arena_or_heap_free);
    installed = true;
}

bool sr_jalloc_installed(void)
{
    return installed;
}

struct sr_arena *sr_jalloc_use(struct sr_arena *arena)
{
    struct sr_arena *previous = current;
    current = arena;
    return previous;
}
