#include "common/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Blocks start small, because many schemas are small and a cache may hold
 * thousands of them, and double up to a cap as a schema turns out big. */
#define ARENA_FIRST_BLOCK ((size_t)1024)
#define ARENA_BLOCK_SIZE ((size_t)64 * 1024)
/* Past this much, blocks are huge pages (see arena.h). */
#define ARENA_HUGE_AFTER ((size_t)1024 * 1024)
#define ARENA_HUGE_BLOCK ((size_t)2 * 1024 * 1024)

struct sr_arena_block {
    struct sr_arena_block *next;
    size_t used;
    size_t cap;
    size_t mapped; /* bytes mmap'd for the block (zero-filled), or 0: malloc'd */
    alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) & ~(a - 1);
}

/* A block of one huge page, aligned to it so the kernel can back it with one;
 * NULL when mmap fails (then malloc serves). */
static struct sr_arena_block *huge_block(void)
{
    size_t huge = ARENA_HUGE_BLOCK;
    char *m = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    size_t head = (huge - (uintptr_t)m % huge) % huge; /* up to the next huge-page boundary */
    char *start = m + head;
    if (head)
        munmap(m, head);
    munmap(start + huge, huge - head);
#ifdef MADV_HUGEPAGE
    madvise(start, huge, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
    struct sr_arena_block *b = (void *)start;
    b->mapped = huge;
    b->cap = huge - sizeof(*b);
    return b;
}

void *sr_arena_alloc(struct sr_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = align_up(size ? size : 1);
    struct sr_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t step =
            b ? (b->cap < ARENA_BLOCK_SIZE ? b->cap * 2 : ARENA_BLOCK_SIZE) : ARENA_FIRST_BLOCK;
        size_t cap = size > step ? size : step;
        b = a->held >= ARENA_HUGE_AFTER && size <= ARENA_BLOCK_SIZE ? huge_block() : NULL;
        if (!b) {
            b = malloc(sizeof(*b) + cap);
            if (!b)
                return NULL;
            b->mapped = 0;
            b->cap = cap;
        }
        b->used = 0;
        a->held += b->mapped ? b->mapped : sizeof(*b) + b->cap;
        /* A big block goes behind the head so the head keeps its free space. */
        if (a->head && size > ARENA_BLOCK_SIZE) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    if (!b->mapped) /* mapped memory is fresh zeroes, never handed out twice */
        memset(p, 0, size);
    return p;
}

void *sr_arena_calloc(struct sr_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / 2 / size)
        return NULL;
    return sr_arena_alloc(a, n * size);
}

char *sr_arena_strndup(struct sr_arena *a, const char *s, size_t len)
{
    char *p = sr_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sr_arena_strdup(struct sr_arena *a, const char *s)
{
    return sr_arena_strndup(a, s, strlen(s));
}

size_t sr_arena_size(const struct sr_arena *a)
{
    size_t n = 0;
    for (const struct sr_arena_block *b = a->head; b; b = b->next)
        n += b->mapped ? b->mapped : sizeof(*b) + b->cap;
    return n;
}

bool sr_arena_owns(const struct sr_arena *a, const void *p)
{
    const unsigned char *c = p;
    for (const struct sr_arena_block *b = a->head; b; b = b->next)
        if (c >= b->data && c < b->data + b->cap)
            return true;
    return false;
}

void sr_arena_release(struct sr_arena *a)
{
    struct sr_arena_block *b = a->head;
    while (b) {
        struct sr_arena_block *next = b->next;
        if (b->mapped)
            munmap(b, b->mapped);
        else
            free(b);
        b = next;
    }
    a->head = NULL;
    a->held = 0;
}
