/*
 * insights_cache.h — computed insights kept in memory (the API's JSON and
 * the page's HTML), so that a dyad's insights are computed once per change
 * of its data rather than once per request.
 *
 * The cache knows nothing of dyads: it maps a key (bytes) to an answer
 * (bytes). insights_view.c writes the key out whole — the dyad, the viewer,
 * the window, the day, the dyad's data_version from the database and every
 * membership field the answer depends on — and an entry answers only a key
 * equal to its own, byte for byte. Two viewers never share an entry, and an
 * entry is never used after the data it was computed from changed, on this
 * server or another one over the same database (the version is read from
 * the database on every request).
 *
 * Entries live in slots: one slot per (what, dyad, viewer, window) — the
 * key's first `slot_len` bytes — holding that slot's latest answer, so an
 * answer made stale by a write is replaced, not kept beside the new one.
 * The whole cache stays under a byte budget; the least recently used slots
 * go first. Thread-safe (one mutex; what is held under it is a lookup and
 * a copy).
 */
#ifndef DYAD_INSIGHTS_CACHE_H
#define DYAD_INSIGHTS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct insights_cache;

/* The budget `dyad serve` gives it: about 4,000 API answers of a 28-day
 * window, or some 400 insights pages (docs/performance.md). */
#define INSIGHTS_CACHE_BYTES ((size_t)8 << 20)

/* A cache of at most max_bytes (keys, answers and bookkeeping); NULL when
 * out of memory. */
struct insights_cache *insights_cache_new(size_t max_bytes);
void insights_cache_free(struct insights_cache *ic);

/* The answer stored under exactly this key, copied into the arena
 * (NUL-terminated; *len without the NUL): true, or false when there is
 * none (or the cache is NULL, or the copy failed). */
bool insights_cache_get(struct insights_cache *ic, const char *key, size_t key_len, size_t slot_len,
                        struct arena *a, const char **body, size_t *len);

/* Stores body under key, replacing what the slot (the key's first slot_len
 * bytes) held. An answer larger than a quarter of the budget is not kept. */
void insights_cache_put(struct insights_cache *ic, const char *key, size_t key_len, size_t slot_len,
                        const char *body, size_t len);

struct insights_cache_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes;
};
void insights_cache_stats(struct insights_cache *ic, struct insights_cache_stats *out);

#endif
