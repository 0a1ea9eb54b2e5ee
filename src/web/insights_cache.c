/*
 * insights_cache.c — a byte-budgeted map from a key to an answer, one
 * answer per slot, least recently used slots evicted first (see
 * insights_cache.h for what the keys hold and why that keeps viewers
 * apart).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "web/insights_cache.h"

enum { BUCKETS = 4096 }; /* a power of two */

struct entry {
    struct entry *chain;           /* next in the bucket */
    struct entry *newer, *older;   /* the recency list */
    uint64_t slot_hash;            /* of the key's first slot_len bytes */
    size_t key_len, slot_len, len; /* data: the key, then the answer and a NUL */
    char data[];
};

struct insights_cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, entries;
    uint64_t hits, misses, evictions;
    struct entry *newest, *oldest;
    struct entry *bucket[BUCKETS];
};

/* FNV-1a, 64 bits: spreads slots over buckets (equality is checked on the
 * bytes themselves). */
static uint64_t slot_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static size_t entry_bytes(const struct entry *e)
{
    return sizeof *e + e->key_len + e->len + 1;
}

struct insights_cache *insights_cache_new(size_t max_bytes)
{
    struct insights_cache *ic = calloc(1, sizeof *ic);
    if (ic == NULL)
        return NULL;
    if (pthread_mutex_init(&ic->lock, NULL) != 0) {
        free(ic);
        return NULL;
    }
    ic->max_bytes = max_bytes;
    return ic;
}

void insights_cache_free(struct insights_cache *ic)
{
    if (ic == NULL)
        return;
    for (struct entry *e = ic->newest, *next; e != NULL; e = next) {
        next = e->older;
        free(e);
    }
    pthread_mutex_destroy(&ic->lock);
    free(ic);
}

static void lru_unlink(struct insights_cache *ic, struct entry *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        ic->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        ic->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(struct insights_cache *ic, struct entry *e)
{
    e->newer = NULL;
    e->older = ic->newest;
    if (ic->newest != NULL)
        ic->newest->newer = e;
    ic->newest = e;
    if (ic->oldest == NULL)
        ic->oldest = e;
}

/* Takes e out of its bucket and the recency list, and frees it. */
static void drop(struct insights_cache *ic, struct entry *e)
{
    struct entry **p = &ic->bucket[e->slot_hash & (BUCKETS - 1)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    lru_unlink(ic, e);
    ic->bytes -= entry_bytes(e);
    ic->entries--;
    free(e);
}

bool insights_cache_get(struct insights_cache *ic, const char *key, size_t key_len, size_t slot_len,
                        struct arena *a, const char **body, size_t *len)
{
    if (ic == NULL || slot_len > key_len)
        return false;
    uint64_t h = slot_hash(key, slot_len);
    bool found = false;
    pthread_mutex_lock(&ic->lock);
    for (struct entry *e = ic->bucket[h & (BUCKETS - 1)]; e != NULL; e = e->chain) {
        if (e->slot_hash != h || e->key_len != key_len || memcmp(e->data, key, key_len) != 0)
            continue;
        char *copy = arena_alloc(a, e->len + 1);
        if (copy != NULL) {
            memcpy(copy, e->data + e->key_len, e->len + 1);
            *body = copy;
            *len = e->len;
            found = true;
            lru_unlink(ic, e);
            lru_push(ic, e);
        }
        break;
    }
    if (found)
        ic->hits++;
    else
        ic->misses++;
    pthread_mutex_unlock(&ic->lock);
    return found;
}

void insights_cache_put(struct insights_cache *ic, const char *key, size_t key_len, size_t slot_len,
                        const char *body, size_t len)
{
    if (ic == NULL || slot_len > key_len)
        return;
    size_t need = sizeof(struct entry) + key_len + len + 1;
    if (need > ic->max_bytes / 4)
        return;
    struct entry *n = malloc(need);
    if (n == NULL)
        return;
    memset(n, 0, sizeof *n);
    n->slot_hash = slot_hash(key, slot_len);
    n->key_len = key_len;
    n->slot_len = slot_len;
    n->len = len;
    memcpy(n->data, key, key_len);
    memcpy(n->data + key_len, body, len);
    n->data[key_len + len] = '\0';

    pthread_mutex_lock(&ic->lock);
    struct entry **b = &ic->bucket[n->slot_hash & (BUCKETS - 1)];
    /* the slot's older answer (another version, day or membership) goes */
    for (struct entry *e = *b; e != NULL; e = e->chain)
        if (e->slot_hash == n->slot_hash && e->slot_len == slot_len &&
            memcmp(e->data, key, slot_len) == 0) {
            drop(ic, e);
            break;
        }
    n->chain = *b;
    *b = n;
    lru_push(ic, n);
    ic->bytes += need;
    ic->entries++;
    while (ic->bytes > ic->max_bytes && ic->oldest != NULL && ic->oldest != n) {
        drop(ic, ic->oldest);
        ic->evictions++;
    }
    pthread_mutex_unlock(&ic->lock);
}

void insights_cache_stats(struct insights_cache *ic, struct insights_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (ic == NULL)
        return;
    pthread_mutex_lock(&ic->lock);
    out->hits = ic->hits;
    out->misses = ic->misses;
    out->evictions = ic->evictions;
    out->entries = ic->entries;
    out->bytes = ic->bytes;
    pthread_mutex_unlock(&ic->lock);
}
