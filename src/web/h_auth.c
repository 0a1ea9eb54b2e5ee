/*
 * h_auth.c — accounts and sessions: /auth/kdf, /auth/register, /auth/login,
 * /auth/logout, /me, /me/password.
 *
 * The browser derives auth_key from the password (design §4); the server
 * only ever sees auth_key and stores its Argon2id hash. A failed login
 * answers the same bytes, after the same work, whether or not the account
 * exists. Throttling is keyed by keyed hashes, never by an address.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"

enum {
    KDF_OPS = 3,
    KDF_MEM = 64 * 1024 * 1024,
    LOGIN_FREE_FAILURES_ADDRESS = 5, /* per submitted e-mail address */
    LOGIN_BACKOFF_SECONDS = 4,       /* the first wait after them; each failure doubles it */
    BACKOFF_MAX_SECONDS = 15 * 60,   /* never a lockout: at most this long */
    THROTTLE_FORGET_SECONDS = 60 * 60,
};

static json_t *json_user(const struct user *u)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "email", u->email, "display_name",
                     u->display_name, "role", u->role == USER_THERAPIST ? "therapist" : "member");
}

/* ---- throttling ----------------------------------------------------------- */

struct throttle_key {
    unsigned char key[32];
    int free;     /* failures allowed before the back-off starts */
    int64_t base; /* the first wait, in seconds; each further failure doubles it */
};

static void throttle_key(struct ctx *c, struct throttle_key *k, const char *domain,
                         const char *value, int free_failures, int64_t base)
{
    dcrypto_keyed_hash(c->app->secret, domain, value, k->key, sizeof k->key);
    k->free = free_failures;
    k->base = base;
}

/* Seconds the caller must still wait under key k (0: go ahead). */
static int64_t throttle_wait(struct ctx *c, const struct throttle_key *k)
{
    struct throttle t;
    if (store_throttle_get(c->app->store, k->key, &t) != STORE_OK)
        return 0;
    return t.blocked_until > c->now ? t.blocked_until - c->now : 0;
}

/* One more failure: past k->free, each one doubles the wait, up to a cap. */
static void throttle_fail(struct ctx *c, const struct throttle_key *k)
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

static void reply_rate_limited(struct ctx *c, int64_t wait)
{
    http_response_header(c->res, "Retry-After", arena_printf(c->arena, "%lld", (long long)wait));
    reply_error(
        c, API_RATE_LIMITED, NULL,
        arena_printf(c->arena, "Too many attempts. Please wait %lld seconds.", (long long)wait));
}

/* ---- helpers -------------------------------------------------------------- */

/* The e-mail from the body or query, validated and lower-cased into out. */
int take_email(struct ctx *c, const char *raw, char out[STORE_EMAIL_MAX])
{
    if (raw == NULL) {
        reply_error(c, API_MISSING_FIELD, "email", "The field 'email' is required.");
        return -1;
    }
    if (validate_email(raw) != 0) {
        reply_error(c, API_INVALID_FIELD, "email", "That is not an e-mail address.");
        return -1;
    }
    snprintf(out, STORE_EMAIL_MAX, "%s", raw);
    validate_email_normalize(out);
    return 0;
}

int take_account(struct ctx *c, struct user *u, unsigned char auth_key[32])
{
    const char *name = body_str(c, "display_name");
    if (validate_display_name(name) != 0) {
        reply_error(c, API_INVALID_FIELD, "display_name",
                    "A display name is 1 to 64 characters, without control characters.");
        return -1;
    }
    snprintf(u->display_name, sizeof u->display_name, "%s", name);
    if (body_b64(c, "kdf_salt", u->kdf_salt, sizeof u->kdf_salt) != 0 ||
        body_b64(c, "auth_key", auth_key, 32) != 0 ||
        body_b64(c, "box_public_key", u->box_pk, sizeof u->box_pk) != 0 ||
        body_b64(c, "sign_public_key", u->sign_pk, sizeof u->sign_pk) != 0 ||
        body_b64(c, "wrapped_keys", u->wrapped_keys, sizeof u->wrapped_keys) != 0 ||
        body_b64(c, "recovery_wrapped_keys", u->recovery_wrapped_keys,
                 sizeof u->recovery_wrapped_keys) != 0)
        return -1;
    return 0;
}

/* ---- routes --------------------------------------------------------------- */

void h_auth_kdf(struct ctx *c)
{
    char email[STORE_EMAIL_MAX];
    if (take_email(c, http_query(c->req, "email"), email) != 0)
        return;
    struct user u;
    unsigned char salt[16];
    enum store_result r = store_user_by_email(c->app->store, email, &u);
    if (r == STORE_OK)
        memcpy(salt, u.kdf_salt, sizeof salt);
    else if (r == STORE_NOT_FOUND)
        dcrypto_fake_salt(c->app->secret, email, salt);
    else {
        reply_store(c, r);
        return;
    }
    reply_json(c, 200,
               json_pack("{s:o, s:i, s:I, s:s}", "kdf_salt", json_b64(salt, sizeof salt),
                         "opslimit", KDF_OPS, "memlimit", (json_int_t)KDF_MEM, "alg",
                         "argon2id13"));
}

void h_auth_register(struct ctx *c)
{
    struct throttle_key client;
    throttle_key(c, &client, "register client", c->req->client_addr,
                 (int)c->app->cfg.registrations_per_client, 60);
    int64_t wait = throttle_wait(c, &client);
    if (wait > 0) {
        reply_rate_limited(c, wait);
        return;
    }
    struct user u;
    memset(&u, 0, sizeof u);
    if (take_email(c, body_str(c, "email"), u.email) != 0)
        return;
    unsigned char auth_key[32];
    if (take_account(c, &u, auth_key) != 0)
        return;
    /* Every registration attempt counts, successful or not. */
    throttle_fail(c, &client);
    if (dcrypto_auth_hash(auth_key, u.auth_hash) != 0) {
        sodium_memzero(auth_key, sizeof auth_key);
        reply_error(c, API_UNAVAILABLE, NULL, "The server is out of memory; please try again.");
        return;
    }
    sodium_memzero(auth_key, sizeof auth_key);
    dcrypto_random_id("u-", u.id, sizeof u.id);
    u.role = USER_MEMBER;
    u.created_at = c->now;
    enum store_result r = store_user_create(c->app->store, &u);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "email", "An account with this e-mail address exists.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201, json_pack("{s:o}", "user", json_user(&u)));
}

static void set_session_cookie(struct ctx *c, const char *token, bool clear)
{
    const char *cookie =
        arena_printf(c->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", c->app->cookie_name,
                     clear ? "" : token, c->app->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
    http_response_header(c->res, "Set-Cookie", cookie);
}

/* A printable-ASCII copy of the User-Agent, for the list of one's sessions. */
static void user_agent(struct ctx *c, char out[STORE_UA_MAX])
{
    const char *ua = http_header(c->req, "User-Agent");
    size_t n = 0;
    for (; ua != NULL && *ua != '\0' && n < STORE_UA_MAX - 1; ua++)
        if (*ua >= ' ' && *ua < 0x7f)
            out[n++] = *ua;
    out[n] = '\0';
}

void h_auth_login(struct ctx *c)
{
    char email[STORE_EMAIL_MAX];
    if (take_email(c, body_str(c, "email"), email) != 0)
        return;
    unsigned char auth_key[32];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0)
        return;
    struct throttle_key by_address, by_client;
    throttle_key(c, &by_address, "login address", email, LOGIN_FREE_FAILURES_ADDRESS,
                 LOGIN_BACKOFF_SECONDS);
    throttle_key(c, &by_client, "login client", c->req->client_addr,
                 (int)c->app->cfg.login_failures_per_client, 1);
    int64_t wait = throttle_wait(c, &by_address);
    int64_t wait_client = throttle_wait(c, &by_client);
    if (wait_client > wait)
        wait = wait_client;
    if (wait > 0) {
        sodium_memzero(auth_key, sizeof auth_key);
        reply_rate_limited(c, wait);
        return;
    }

    struct user u;
    enum store_result r = store_user_by_email(c->app->store, email, &u);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    /* Unknown account: verify against a dummy hash, so it takes as long. */
    int ok = dcrypto_auth_verify(r == STORE_OK ? u.auth_hash : NULL, auth_key);
    sodium_memzero(auth_key, sizeof auth_key);
    if (ok != 0) {
        throttle_fail(c, &by_address);
        throttle_fail(c, &by_client);
        reply_error(c, API_UNAUTHENTICATED, NULL, "The e-mail address or password is wrong.");
        return;
    }
    store_throttle_clear(c->app->store, by_address.key);

    struct session s;
    memset(&s, 0, sizeof s);
    char token[DCRYPTO_TOKEN_LEN + 1];
    dcrypto_random_token(token);
    dcrypto_token_hash(token, s.token_hash);
    dcrypto_random_token(s.csrf_token);
    dcrypto_random_id("s-", s.id, sizeof s.id);
    snprintf(s.user_id, sizeof s.user_id, "%s", u.id);
    s.created_at = s.last_seen_at = c->now;
    user_agent(c, s.user_agent);
    r = store_session_create(c->app->store, &s);
    if (r == STORE_OK) {
        /* A login from a browser this account has not used: a notice the
         * person sees in every session (someone else may hold the password). */
        unsigned char ua_hash[32];
        char notice_id[STORE_ID_MAX];
        crypto_generichash(ua_hash, sizeof ua_hash, (const unsigned char *)s.user_agent,
                           strlen(s.user_agent), NULL, 0);
        dcrypto_random_id("n-", notice_id, sizeof notice_id);
        r = store_browser_seen(c->app->store, u.id, ua_hash, s.user_agent, notice_id, c->now);
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    set_session_cookie(c, token, false);
    sodium_memzero(token, sizeof token);
    reply_json(c, 200,
               json_pack("{s:o, s:s, s:o, s:o, s:o}", "user", json_user(&u), "csrf_token",
                         s.csrf_token, "wrapped_keys",
                         json_b64(u.wrapped_keys, sizeof u.wrapped_keys), "box_public_key",
                         json_b64(u.box_pk, sizeof u.box_pk), "sign_public_key",
                         json_b64(u.sign_pk, sizeof u.sign_pk)));
}

void h_auth_logout(struct ctx *c)
{
    enum store_result r = store_session_delete(c->app->store, c->user.id, c->session.id);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    set_session_cookie(c, "", true);
    reply_no_content(c);
}

void h_me(struct ctx *c)
{
    struct dyad_summary ds[32];
    size_t n = 0;
    enum store_result r = store_user_dyads(c->app->store, c->user.id, ds, 32, &n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    json_t *dyads = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(dyads, json_pack("{s:s, s:s, s:b, s:b}", "id", ds[i].id, "kind",
                                               kind_names[ds[i].kind], "active", ds[i].active,
                                               "paired", ds[i].paired));
    json_t *user = json_user(&c->user);
    json_object_set_new(user, "box_public_key", json_b64(c->user.box_pk, 32));
    json_object_set_new(user, "sign_public_key", json_b64(c->user.sign_pk, 32));
    json_t *notices = me_notices(c);
    if (notices == NULL) {
        json_decref(user);
        json_decref(dyads);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200,
               json_pack("{s:o, s:s, s:o, s:o}", "user", user, "csrf_token", c->session.csrf_token,
                         "dyads", dyads, "notices", notices));
}

bool auth_throttled(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_key(c, &by_address, "login address", email, LOGIN_FREE_FAILURES_ADDRESS,
                 LOGIN_BACKOFF_SECONDS);
    int64_t wait = throttle_wait(c, &by_address);
    if (wait > 0)
        reply_rate_limited(c, wait);
    return wait > 0;
}

void auth_failed(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_key(c, &by_address, "login address", email, LOGIN_FREE_FAILURES_ADDRESS,
                 LOGIN_BACKOFF_SECONDS);
    throttle_fail(c, &by_address);
}

void auth_cleared(struct ctx *c, const char *email)
{
    struct throttle_key by_address;
    throttle_key(c, &by_address, "login address", email, LOGIN_FREE_FAILURES_ADDRESS,
                 LOGIN_BACKOFF_SECONDS);
    store_throttle_clear(c->app->store, by_address.key);
}

int auth_reverify(struct ctx *c, unsigned char auth_key[32])
{
    struct throttle_key by_address;
    throttle_key(c, &by_address, "login address", c->user.email, LOGIN_FREE_FAILURES_ADDRESS,
                 LOGIN_BACKOFF_SECONDS);
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

void h_me_password(struct ctx *c)
{
    unsigned char auth_key[32], new_key[32], salt[16], wrapped[STORE_WRAPPED_KEYS];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0 ||
        body_b64(c, "new_kdf_salt", salt, sizeof salt) != 0 ||
        body_b64(c, "new_auth_key", new_key, sizeof new_key) != 0 ||
        body_b64(c, "new_wrapped_keys", wrapped, sizeof wrapped) != 0)
        return;
    if (auth_reverify(c, auth_key) != 0) {
        sodium_memzero(new_key, sizeof new_key);
        return;
    }
    char hash[DCRYPTO_HASH_STR_MAX];
    int hr = dcrypto_auth_hash(new_key, hash);
    sodium_memzero(new_key, sizeof new_key);
    sodium_memzero(auth_key, sizeof auth_key);
    if (hr != 0) {
        reply_error(c, API_UNAVAILABLE, NULL, "The server is out of memory; please try again.");
        return;
    }
    enum store_result r =
        store_user_set_password(c->app->store, c->user.id, salt, hash, wrapped, c->session.id);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}
