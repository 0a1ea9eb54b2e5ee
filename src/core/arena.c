/*
 * arena.c — bump allocation in a chain of blocks; large requests get a
 * block of their own so a big body does not waste a standard block.
 */
#include "core/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_BLOCK = 8192 };

struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

/* what arena_own was handed: a node in the arena's own blocks */
struct arena_owned {
    struct arena_owned *next;
    void (*fn)(void *);
    void *p;
};

struct arena {
    struct arena_block *head;
    struct arena_owned *owned; /* newest first */
    size_t total;
};

struct arena *arena_new(void)
{
    return calloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    /* before the blocks: the list lives in them */
    for (struct arena_owned *o = a->owned; o != NULL; o = o->next)
        o->fn(o->p);
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

static struct arena_block *arena_block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct arena_block))
        return NULL;
    struct arena_block *b = malloc(sizeof *b + size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);

    struct arena_block *b = a->head;
    if (b == NULL || b->size - b->used < size) {
        if (size > ARENA_BLOCK / 4) {
            /* A large request gets its own block, linked behind the current
             * one so the current block's free space stays usable. */
            struct arena_block *big = arena_block_new(size);
            if (big == NULL)
                return NULL;
            big->used = size;
            if (b == NULL) {
                a->head = big;
            } else {
                big->next = b->next;
                b->next = big;
            }
            a->total += size;
            memset(big->data, 0, size);
            return big->data;
        }
        b = arena_block_new(ARENA_BLOCK);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_own(struct arena *a, void *p, void (*fn)(void *))
{
    assert(fn != NULL);
    if (p == NULL)
        return NULL;
    struct arena_owned *o = arena_alloc(a, sizeof *o);
    if (o == NULL) {
        fn(p);
        return NULL;
    }
    o->fn = fn;
    o->p = p;
    o->next = a->owned;
    a->owned = o;
    return p;
}

size_t arena_used(const struct arena *a)
{
    return a->total;
}
