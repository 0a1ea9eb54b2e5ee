/*
 * h_auth.c — accounts and sessions: /auth/kdf, /auth/register, /auth/login,
 * /auth/logout, /auth/lock, and the PIN unlock of one's own browser
 * (/auth/device, /auth/device/forget; marking a browser is in h_devices.c).
 * (GET /me and /me/password are in h_me.c; the throttles in
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
    request_user_agent(c, s.user_agent);
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
    /* Signing out ends the session and, in the same transaction, this
     * browser's push subscriptions and the device it belonged to: the PIN
     * no longer opens anything, here or anywhere (store_session_end). */
    enum store_result r = store_session_end(c->app->store, c->user.id, c->session.id);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    set_session_cookie(c, "", true);
    reply_no_content(c);
}

/* ---- one's own browser, unlocked with a PIN ------------------------------ */

enum {
    DEVICE_BACKOFF_SECONDS = 1, /* the first wait per client address */
};

/* A device id as dcrypto_random_id("v-") makes them: "v-" and hex. */
static bool device_id_ok(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n < 3 || n >= STORE_ID_MAX || id[0] != 'v' || id[1] != '-')
        return false;
    for (size_t i = 2; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

static const char *take_device_id(struct ctx *c)
{
    const char *id = body_str(c, "device_id");
    if (!device_id_ok(id)) {
        reply_error(c, API_INVALID_FIELD, "device_id", "That is not a device id.");
        return NULL;
    }
    return id;
}

void h_auth_device(struct ctx *c)
{
    const char *id = take_device_id(c);
    if (id == NULL)
        return;
    unsigned char proof[32];
    if (body_b64(c, "proof", proof, sizeof proof) != 0)
        return;
    /* Per client address, as sign-in is; each device also allows only
     * STORE_DEVICE_TRIES wrong proofs in a row, whoever sends them. */
    struct throttle_key client;
    throttle_key(c, &client, "device client", throttle_client(c),
                 (int)c->app->cfg.login_failures_per_client, DEVICE_BACKOFF_SECONDS);
    int64_t wait = throttle_wait(c, &client);
    if (wait > 0) {
        sodium_memzero(proof, sizeof proof);
        reply_rate_limited(c, wait);
        return;
    }
    unsigned char verifier[32];
    dcrypto_keyed_hash2(c->app->secret, "dyad device verifier", id, strlen(id), proof, sizeof proof,
                        verifier);
    sodium_memzero(proof, sizeof proof);

    struct session s;
    memset(&s, 0, sizeof s);
    char token[DCRYPTO_TOKEN_LEN + 1];
    dcrypto_random_token(token);
    dcrypto_token_hash(token, s.token_hash);
    dcrypto_random_token(s.csrf_token);
    dcrypto_random_id("s-", s.id, sizeof s.id);
    s.created_at = s.last_seen_at = c->now;
    request_user_agent(c, s.user_agent);

    struct device d;
    enum device_try t = DEVICE_WRONG;
    enum store_result r = store_device_unlock(c->app->store, id, verifier, &s, c->now, &d, &t);
    if (r == STORE_NOT_FOUND) {
        throttle_fail(c, &client);
        reply_error(c, API_NOT_FOUND, "device_id",
                    "This browser is not marked as yours any more (it was forgotten, or its 30 "
                    "days are over). Sign in with your password.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    if (t == DEVICE_WRONG) {
        throttle_fail(c, &client);
        int left = STORE_DEVICE_TRIES - d.failures;
        reply_error(c, API_UNAUTHENTICATED, "proof",
                    arena_printf(c->arena,
                                 "That PIN is not right. %d more wrong %s and this browser is "
                                 "forgotten.",
                                 left, left == 1 ? "try" : "tries"));
        return;
    }
    if (t == DEVICE_FORGOTTEN) {
        throttle_fail(c, &client);
        reply_error(c, API_NOT_FOUND, "device_id",
                    arena_printf(c->arena,
                                 "That PIN was wrong %d times in a row, so this browser has been "
                                 "forgotten. Sign in with your password.",
                                 (int)STORE_DEVICE_TRIES));
        return;
    }
    struct user u;
    r = store_user_by_id(c->app->store, d.user_id, &u);
    if (r != STORE_OK) {
        reply_store(c, r == STORE_NOT_FOUND ? STORE_ERROR : r);
        return;
    }
    unsigned char value[32];
    dcrypto_keyed_hash2(c->app->secret, "dyad device value", d.id, strlen(d.id), d.seed,
                        sizeof d.seed, value);
    sodium_memzero(d.seed, sizeof d.seed);
    set_session_cookie(c, token, false);
    sodium_memzero(token, sizeof token);
    json_t *body =
        json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}", "user", json_user(&u), "csrf_token",
                  s.csrf_token, "device_value", json_b64(value, sizeof value), "expires_at",
                  json_time(d.expires_at), "box_public_key", json_b64(u.box_pk, sizeof u.box_pk),
                  "sign_public_key", json_b64(u.sign_pk, sizeof u.sign_pk));
    sodium_memzero(value, sizeof value);
    reply_json(c, 200, body);
}

void h_auth_device_forget(struct ctx *c)
{
    const char *id = take_device_id(c);
    if (id == NULL)
        return;
    /* Whoever holds the id may forget the device: it is known only to the
     * browser that keeps the device's material. The same answer either way.
     * The caller's own session, if it sent one, stays (as an ordinary one):
     * quick exit sends this and a logout at once, in either order. */
    enum store_result r =
        store_device_delete(c->app->store, NULL, id, c->authed ? c->session.id : "");
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

void h_auth_lock(struct ctx *c)
{
    /* Ends this session only; the device it belongs to stays, for the PIN. */
    enum store_result r = store_session_delete(c->app->store, c->user.id, c->session.id);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    set_session_cookie(c, "", true);
    reply_no_content(c);
}
