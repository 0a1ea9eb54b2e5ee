/*
 * floor_throttle.c — the floor under the handlers: back-off after failed
 * attempts (logins, registrations, recovery, re-entered passwords).
 *
 * A throttle is keyed by a keyed hash of what it counts (an e-mail address
 * with a client address, a client address, a session), never by the value
 * itself. The policy — when waits start, how they grow, when a count is
 * forgotten — is the pure src/core/throttle.c; this file keeps the counts
 * in the store and answers 429. See docs/security.md#throttling.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "web/floor.h"
#include "web/log.h"

enum {
    LOGIN_FREE_FAILURES_PAIR = 5,  /* per (e-mail address, client) */
    LOGIN_BACKOFF_SECONDS = 4,     /* the first wait after them; each failure doubles it */
    CLIENT_BACKOFF_SECONDS = 1,    /* the first wait per client address */
    BACKOFF_MAX_SECONDS = 15 * 60, /* never a lockout: at most this long */
    THROTTLE_FORGET_SECONDS = 60 * 60,
};

void throttle_key(struct ctx *c, struct throttle_key *k, const char *domain, const char *value,
                  int free_failures, int64_t base)
{
    dcrypto_keyed_hash(c->app->secret, domain, value, k->key, sizeof k->key);
    k->rule = (struct throttle_rule){.free = free_failures,
                                     .base = base,
                                     .cap = BACKOFF_MAX_SECONDS,
                                     .forget = THROTTLE_FORGET_SECONDS};
}

const char *throttle_client(struct ctx *c)
{
    char buf[80];
    throttle_client_key(c->req->client_addr != NULL ? c->req->client_addr : "", buf, sizeof buf);
    const char *s = arena_strdup(c->arena, buf);
    return s != NULL ? s : "";
}

static struct throttle_count load(struct ctx *c, const struct throttle_key *k)
{
    struct throttle t;
    struct throttle_count n = {0};
    if (store_throttle_get(c->app->store, k->key, &t) == STORE_OK)
        n = (struct throttle_count){t.failures, t.blocked_until, t.updated_at};
    return n;
}

int64_t throttle_wait(struct ctx *c, const struct throttle_key *k)
{
    struct throttle_count n = load(c, k);
    return throttle_rule_wait(&n, c->now);
}

struct fail_arg {
    const struct throttle_rule *rule;
    int64_t now;
};

static void apply_failure(struct throttle *t, void *arg)
{
    const struct fail_arg *a = arg;
    struct throttle_count n = {t->failures, t->blocked_until, t->updated_at};
    throttle_rule_fail(a->rule, &n, a->now);
    *t = (struct throttle){n.failures, n.blocked_until, n.updated_at};
}

/* One transaction reads, counts and writes: failures sent at the same
 * moment (an attacker's parallel tries) are each counted. A store that
 * cannot count is logged; the request's own answer is already decided. */
void throttle_fail(struct ctx *c, const struct throttle_key *k)
{
    struct fail_arg a = {&k->rule, c->now};
    enum store_result r = store_throttle_update(c->app->store, k->key, apply_failure, &a, c->now);
    if (r != STORE_OK)
        log_event(LOG_WARN, "throttle", "a failure could not be counted (store result %d)", (int)r);
}

void reply_rate_limited(struct ctx *c, int64_t wait)
{
    http_response_header(c->res, "Retry-After", arena_printf(c->arena, "%lld", (long long)wait));
    reply_error(
        c, API_RATE_LIMITED, NULL,
        arena_printf(c->arena, "Too many attempts. Please wait %lld seconds.", (long long)wait));
}

void reply_hash_busy(struct ctx *c)
{
    http_response_header(c->res, "Retry-After", "1");
    reply_error(c, API_UNAVAILABLE, NULL,
                "The server is checking many passwords at the moment; please try again.");
}

/* The two keys a sign-in attempt for email is counted under. */
static void login_keys(struct ctx *c, const char *email, struct throttle_key *pair,
                       struct throttle_key *client)
{
    const char *who = throttle_client(c);
    const char *both = arena_printf(c->arena, "%s\n%s", email, who);
    throttle_key(c, pair, "login pair", both != NULL ? both : email, LOGIN_FREE_FAILURES_PAIR,
                 LOGIN_BACKOFF_SECONDS);
    throttle_key(c, client, "login client", who, (int)c->app->cfg.login_failures_per_client,
                 CLIENT_BACKOFF_SECONDS);
}

bool auth_throttled(struct ctx *c, const char *email)
{
    struct throttle_key pair, client;
    login_keys(c, email, &pair, &client);
    int64_t wait = throttle_wait(c, &pair);
    int64_t wait_client = throttle_wait(c, &client);
    if (wait_client > wait)
        wait = wait_client;
    if (wait > 0)
        reply_rate_limited(c, wait);
    return wait > 0;
}

void auth_failed(struct ctx *c, const char *email)
{
    struct throttle_key pair, client;
    login_keys(c, email, &pair, &client);
    throttle_fail(c, &pair);
    throttle_fail(c, &client);
}

void auth_cleared(struct ctx *c, const char *email)
{
    struct throttle_key pair, client;
    login_keys(c, email, &pair, &client);
    store_throttle_clear(c->app->store, pair.key);
}

int auth_reverify(struct ctx *c, unsigned char auth_key[32])
{
    struct throttle_key by_session;
    throttle_key(c, &by_session, "reauth session", c->session.id, LOGIN_FREE_FAILURES_PAIR,
                 LOGIN_BACKOFF_SECONDS);
    int64_t wait = throttle_wait(c, &by_session);
    if (wait > 0) {
        sodium_memzero(auth_key, 32);
        reply_rate_limited(c, wait);
        return -1;
    }
    int ok = dcrypto_auth_verify(c->user.auth_hash, auth_key);
    sodium_memzero(auth_key, 32);
    if (ok == DCRYPTO_BUSY) {
        reply_hash_busy(c);
        return -1;
    }
    if (ok != 0) {
        throttle_fail(c, &by_session);
        reply_error(c, API_FORBIDDEN, "auth_key", "The password is wrong.");
        return -1;
    }
    store_throttle_clear(c->app->store, by_session.key);
    return 0;
}
