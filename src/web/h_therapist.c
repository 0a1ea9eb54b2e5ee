/*
 * h_therapist.c — a therapist's account: setup from the one-time link
 * (POST /therapist/setup) and the therapist code members link with
 * (GET /therapist/code). The code is a lookup id and the fingerprint of the
 * therapist's public keys, so a member's browser can check the keys it is
 * given are the ones the therapist holds.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "web/handler.h"

/* "K7Q2M9XA-6FSPDA3RVRJRVAWZ": the lookup id, then the key fingerprint. */
static void therapist_code(const char *code_id, const struct user *t, char *out, size_t cap)
{
    char fp[KEYS_FINGERPRINT_SIZE];
    keys_therapist_fingerprint(fp, sizeof fp, t->box_pk, t->sign_pk);
    snprintf(out, cap, "%s-%s", code_id, fp);
}

static void new_code_id(char out[THERAPIST_CODE_ID_CHARS + 1])
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char r[THERAPIST_CODE_ID_CHARS];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < THERAPIST_CODE_ID_CHARS; i++)
        out[i] = b32[r[i] & 31];
    out[THERAPIST_CODE_ID_CHARS] = '\0';
}

void h_therapist_setup(struct ctx *c)
{
    const char *token = body_str(c, "token");
    struct user u;
    memset(&u, 0, sizeof u);
    unsigned char auth_key[32];
    if (take_account(c, &u, auth_key) != 0)
        return;
    /* the token first: Argon2id only for a link that can still be used */
    unsigned char token_hash[32];
    dcrypto_token_hash(token, token_hash);
    enum store_result r = store_therapist_invite_check(c->app->store, token_hash, c->now);
    if (r != STORE_OK) {
        sodium_memzero(auth_key, sizeof auth_key);
        if (r == STORE_ERROR || r == STORE_UNAVAILABLE)
            reply_store(c, r);
        else
            reply_error(c, r == STORE_CONFLICT ? API_CONFLICT : API_NOT_FOUND, "token",
                        r == STORE_CONFLICT ? "This setup link has been used."
                                            : "This setup link is not valid or has expired.");
        return;
    }
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
    u.role = USER_THERAPIST;
    u.created_at = c->now;
    char code_id[THERAPIST_CODE_ID_CHARS + 1];
    new_code_id(code_id);
    r = store_therapist_setup(c->app->store, token_hash, &u, code_id, c->now);
    switch (r) {
    case STORE_OK:
        break;
    case STORE_NOT_FOUND:
    case STORE_EXPIRED:
        reply_error(c, API_NOT_FOUND, "token", "This setup link is not valid or has expired.");
        return;
    case STORE_CONFLICT:
        reply_error(c, API_CONFLICT, "token",
                    "This setup link has been used, or the address has an account.");
        return;
    case STORE_ERROR:
    case STORE_UNAVAILABLE:
        reply_store(c, r);
        return;
    }
    char code[64];
    therapist_code(code_id, &u, code, sizeof code);
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "user", "id", u.id, "email", u.email,
                         "display_name", u.display_name, "role", "therapist", "therapist_code",
                         code));
}

void h_therapist_code(struct ctx *c)
{
    char code_id[32], code[64];
    enum store_result r = store_therapist_code(c->app->store, c->user.id, code_id, sizeof code_id);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    therapist_code(code_id, &c->user, code, sizeof code);
    reply_json(c, 200, json_pack("{s:s}", "therapist_code", code));
}
