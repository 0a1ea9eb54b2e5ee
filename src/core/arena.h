/*
 * arena.h — a per-request memory pool.
 *
 * Everything a request needs (parsed JSON copies, rendered strings, path
 * parameters) is allocated here and released in one arena_free() when the
 * request completes, so handlers never pair mallocs with frees; what a
 * library allocates itself joins it through arena_own.
 */
#ifndef DYAD_ARENA_H
#define DYAD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new, empty arena, or NULL when out of memory. */
struct arena *arena_new(void);

/* Releases every block the arena handed out, then the arena. NULL is a no-op. */
void arena_free(struct arena *a);

/* size bytes aligned for any type, zeroed; NULL when out of memory or on overflow. */
void *arena_alloc(struct arena *a, size_t size);

/* Copies of s (len bytes, then NUL). NULL when out of memory. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* printf into the arena. NULL when out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Hands p, which a library allocated, to the arena: fn(p) runs when the
 * arena is freed, the last handed over first. Returns p; or, when the
 * arena cannot note it, runs fn(p) at once and returns NULL. So
 * `x = arena_own(a, make(), free)` is a value that lives exactly as long as
 * the request, or NULL — never a leak, never a free in the caller. NULL p
 * gives NULL. Used for rendered SVG and json_dumps text (fn = free) and
 * jansson objects (a function that calls json_decref). */
void *arena_own(struct arena *a, void *p, void (*fn)(void *));

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
