/*
 * h_auth.c — accounts and sessions: /auth/kdf, /auth/register, /auth/login,
 * /auth/logout. (GET /me and /me/password are in h_me.c; the throttles in
 * floor_throttle.c.)
 *
 * The browser derives auth_key from the password (docs/protocol.md); the server
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
};

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
    throttle_key(c, &client, "register client", throttle_client(c),
                 (int)c->app->cfg.registrations_per_client, 60);
    int64_t wait = throttle_wait(c, &client);
    if (wait > 0) {
        reply_rate_limited(c, wait);
        return;
    }
    struct user u;
    memset(&u, 0, sizeof u);
    body_email(c, u.email);
    unsigned char auth_key[32];
    if (take_account(c, &u, auth_key) != 0)
        return;
    /* Every registration attempt counts, successful or not. */
    throttle_fail(c, &client);
    int hr = dcrypto_auth_hash(auth_key, u.auth_hash);
    sodium_memzero(auth_key, sizeof auth_key);
    if (hr != 0) {
        if (hr == DCRYPTO_BUSY)
            reply_hash_busy(c);
        else
            reply_error(c, API_UNAVAILABLE, NULL, "The server is out of memory; please try again.");
        return;
    }
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
    body_email(c, email);
    unsigned char auth_key[32];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0)
        return;
    /* Counted per (address, client) and per client, never per address
     * alone: a stranger's failures do not delay the owner elsewhere. */
    if (auth_throttled(c, email)) {
        sodium_memzero(auth_key, sizeof auth_key);
        return;
    }

    struct user u;
    enum store_result r = store_user_by_email(c->app->store, email, &u);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        sodium_memzero(auth_key, sizeof auth_key);
        reply_store(c, r);
        return;
    }
    /* Unknown account: verify against a dummy hash, so it takes as long. */
    int ok = dcrypto_auth_verify(r == STORE_OK ? u.auth_hash : NULL, auth_key);
    sodium_memzero(auth_key, sizeof auth_key);
    if (ok == DCRYPTO_BUSY) {
        reply_hash_busy(c);
        return;
    }
    if (ok != 0) {
        auth_failed(c, email);
        reply_error(c, API_UNAUTHENTICATED, NULL, "The e-mail address or password is wrong.");
        return;
    }
    auth_cleared(c, email);

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
