/*
 * floor_throttle.c — the floor under the handlers: back-off after failed
 * attempts (logins, registrations, recovery, re-entered passwords).
 *
 * A throttle is keyed by a keyed hash of what it counts (an e-mail address,
 * a client address), never by the value itself. Past a number of free
 * failures each further one doubles the wait, up to a cap: never a lockout.
 * An hour without failures forgets the past ones.
 */
#include <sodium.h>
#include <string.h>

#include "crypto/crypto.h"
#include "web/floor.h"

enum {
    LOGIN_FREE_FAILURES_ADDRESS = 5, /* per submitted e-mail address */
    LOGIN_BACKOFF_SECONDS = 4,       /* the first wait after them; each failure doubles it */
    BACKOFF_MAX_SECONDS = 15 * 60,   /* never a lockout: at most this long */
    THROTTLE_FORGET_SECONDS = 60 * 60,
};

void throttle_key(struct ctx *c, struct throttle_key *k, const char *domain, const char *value,
                  int free_failures, int64_t base)
{
    dcrypto_keyed_hash(c->app->secret, domain, value, k->key, sizeof k->key);
    k->free = free_failures;
    k->base = base;
}

void throttle_login_address(struct ctx *c, struct throttle_key *k, const char *email)
{
    throttle_key(c, k, "login address", email, LOGIN_FREE_FAILURES_ADDRESS, LOGIN_BACKOFF_SECONDS);
}

/* Seconds the caller must still wait under key k (0: go ahead). */
int64_t throttle_wait(struct ctx *c, const struct throttle_key *k)
{
    struct throttle t;
    if (store_throttle_get(c->app->store, k->key, &t) != STORE_OK)
        return 0;
    return t.blocked_until > c->now ? t.blocked_until - c->now : 0;
}

/* One more failure: past k->free, each one doubles the wait, up to a cap. */
void throttle_fail(struct ctx *c, const struct throttle_key *k)
{
    struct throttle t;
    if (store_throttle_get(c->app->store, k->key, &t) != STORE_OK)
        memset(&t, 0, sizeof t);
    /* An hour without failures forgets the past ones. */
    if (c->now - t.updated_at > THROTTLE_FORGET_SECONDS)
        t.failures = 0;
    t.failures++;
    if (t.failures >= k->free) {
        int over = t.failures - k->free;
        int64_t wait = over >= 10 ? BACKOFF_MAX_SECONDS : k->base << over;
        if (wait > BACKOFF_MAX_SECONDS)
            wait = BACKOFF_MAX_SECONDS;
        t.blocked_until = c->now + wait;
    }
    store_throttle_put(c->app->store, k->key, &t, c->now);
}

void reply_rate_limited(struct ctx *c, int64_t wait)
{
    http_response_header(c->res, "Retry-After", arena_printf(c->arena, "%lld", (long long)wait));
    reply_error(
        c, API_RATE_LIMITED, NULL,
        arena_printf(c->arena, "Too many attempts. Please wait %lld seconds.", (long long)wait));
}

bool auth_throttled(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_login_address(c, &by_address, email);
    int64_t wait = throttle_wait(c, &by_address);
    if (wait > 0)
        reply_rate_limited(c, wait);
    return wait > 0;
}

void auth_failed(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_login_address(c, &by_address, email);
    throttle_fail(c, &by_address);
}

void auth_cleared(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_login_address(c, &by_address, email);
    store_throttle_clear(c->app->store, by_address.key);
}

int auth_reverify(struct ctx *c, unsigned char auth_key[32])
{
    struct throttle_key by_address;
    throttle_login_address(c, &by_address, c->user.email);
    int64_t wait = throttle_wait(c, &by_address);
    if (wait > 0) {
        sodium_memzero(auth_key, 32);
        reply_rate_limited(c, wait);
        return -1;
    }
    int ok = dcrypto_auth_verify(c->user.auth_hash, auth_key);
    sodium_memzero(auth_key, 32);
    if (ok != 0) {
        throttle_fail(c, &by_address);
        reply_error(c, API_FORBIDDEN, "auth_key", "The password is wrong.");
        return -1;
    }
    return 0;
}
