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

enum {
    BUCKETS = 4096, /* a power of two */
    EVICT_MAX = 64, /* answers evicted for one new answer, at most */
};

/* The recency list: circular, through a sentinel in the cache (its next
 * is the newest entry, its prev the oldest). First in struct entry. */
struct link {
    struct link *prev, *next;
};

struct entry {
    struct link lru;               /* first: an entry is its link */
    struct entry *chain;           /* next in the bucket */
    uint64_t slot_hash;            /* of the key's first slot_len bytes */
    size_t key_len, slot_len, len; /* data: the key, then the answer and a NUL */
    char data[];
};

struct insights_cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, entries;
    uint64_t hits, misses, evictions;
    struct link lru; /* the sentinel */
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
    ic->lru.prev = ic->lru.next = &ic->lru;
    return ic;
}

void insights_cache_free(struct insights_cache *ic)
{
    if (ic == NULL)
        return;
    for (size_t i = 0; i < BUCKETS; i++)
        for (struct entry *e = ic->bucket[i], *next; e != NULL; e = next) {
            next = e->chain;
            free(e);
        }
    pthread_mutex_destroy(&ic->lock);
    free(ic);
}

static void lru_unlink(struct entry *e)
{
    e->lru.prev->next = e->lru.next;
    e->lru.next->prev = e->lru.prev;
    e->lru.prev = e->lru.next = &e->lru;
}

static void lru_push(struct insights_cache *ic, struct entry *e)
{
    e->lru.next = ic->lru.next;
    e->lru.prev = &ic->lru;
    ic->lru.next->prev = &e->lru;
    ic->lru.next = &e->lru;
}

/* Takes e out of its bucket and the recency list; the caller frees it
 * (after the lock: nothing is freed while entries are relinked). */
static void detach(struct insights_cache *ic, struct entry *e)
{
    struct entry **p = &ic->bucket[e->slot_hash & (BUCKETS - 1)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    lru_unlink(e);
    ic->bytes -= entry_bytes(e);
    ic->entries--;
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
            lru_unlink(e);
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
    struct entry *old = NULL, *victim[EVICT_MAX];
    int victims = 0;
    for (struct entry *e = *b; e != NULL; e = e->chain)
        if (e->slot_hash == n->slot_hash && e->slot_len == slot_len &&
            memcmp(e->data, key, slot_len) == 0) {
            old = e;
            break;
        }
    if (old != NULL)
        detach(ic, old);
    /* then the least recently used answers, while the new one would not
     * fit (at most EVICT_MAX a call: a new answer that still does not fit
     * is not kept, so the budget always holds) */
    while (victims < EVICT_MAX && ic->lru.prev != &ic->lru && ic->bytes + need > ic->max_bytes) {
        victim[victims] = (struct entry *)ic->lru.prev;
        detach(ic, victim[victims++]);
        ic->evictions++;
    }
    bool fits = ic->bytes + need <= ic->max_bytes;
    if (fits) {
        n->chain = *b;
        *b = n;
        lru_push(ic, n);
        ic->bytes += need;
        ic->entries++;
    }
    pthread_mutex_unlock(&ic->lock);
    free(old);
    /* each victim was detached once, from the head of the list; clang's
     * analyzer cannot follow the list and takes two of them for one (a
     * double free that cannot happen), so it is not shown this loop */
#ifndef __clang_analyzer__
    for (int i = 0; i < victims; i++)
        free(victim[i]);
#endif
    if (!fits)
        free(n);
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
