/*
 * h_recovery.c — a forgotten password, with the recovery code: GET
 * /auth/recovery and POST /auth/recover.
 *
 * The recovery code (32 random bytes shown once at sign-up) wraps the same
 * keys as the password does (docs/protocol.md). The server hands out that
 * ciphertext with a fresh challenge; the browser opens the keys with the
 * code and signs the challenge with the person's signing key, which proves
 * it holds the keys without the server ever seeing them or the code. Then
 * the keys are wrapped under a new password and every session ends. There
 * is no other way back: none through the server, none through the partner.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"

enum { CHALLENGE_SECONDS = 10 * 60, CHALLENGE_BYTES = 8 + crypto_auth_BYTES };

/* time(8, big-endian) ‖ HMAC(server secret', "dyad recover" ‖ e-mail ‖ time) */
static void challenge_mac(struct ctx *c, const char *email, const unsigned char t[8],
                          unsigned char mac[crypto_auth_BYTES])
{
    unsigned char key[crypto_auth_KEYBYTES];
    dcrypto_keyed_hash(c->app->secret, "dyad recovery challenge key", "", key, sizeof key);
    crypto_auth_hmacsha512256_state st;
    crypto_auth_hmacsha512256_init(&st, key, sizeof key);
    crypto_auth_hmacsha512256_update(&st, (const unsigned char *)email, strlen(email) + 1);
    crypto_auth_hmacsha512256_update(&st, t, 8);
    crypto_auth_hmacsha512256_final(&st, mac);
    sodium_memzero(key, sizeof key);
}

void h_recovery_start(struct ctx *c)
{
    char email[STORE_EMAIL_MAX];
    if (take_email(c, http_query(c->req, "email"), email) != 0)
        return;
    struct user u;
    unsigned char wrapped[STORE_WRAPPED_KEYS];
    enum store_result r = store_user_by_email(c->app->store, email, &u);
    if (r == STORE_OK) {
        memcpy(wrapped, u.recovery_wrapped_keys, sizeof wrapped);
    } else if (r == STORE_NOT_FOUND) {
        /* an unknown address gets a stable blob of the same shape, so the
         * answer does not tell whether the account exists */
        for (size_t off = 0; off < sizeof wrapped; off += 56) {
            char part[8];
            snprintf(part, sizeof part, "%zu", off);
            unsigned char block[56];
            dcrypto_keyed_hash(c->app->secret, part, email, block, sizeof block);
            memcpy(wrapped + off, block, sizeof wrapped - off < 56 ? sizeof wrapped - off : 56);
        }
    } else {
        reply_store(c, r);
        return;
    }
    unsigned char ch[CHALLENGE_BYTES];
    uint64_t now = (uint64_t)c->now;
    for (int i = 0; i < 8; i++)
        ch[i] = (unsigned char)(now >> (56 - 8 * i));
    challenge_mac(c, email, ch, ch + 8);
    char
        chb64[sodium_base64_ENCODED_LEN(CHALLENGE_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(chb64, sizeof chb64, ch, sizeof ch, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    reply_json(c, 200,
               json_pack("{s:o, s:s, s:o}", "recovery_wrapped_keys",
                         json_b64(wrapped, sizeof wrapped), "challenge", chb64, "expires_at",
                         json_time(c->now + CHALLENGE_SECONDS)));
}

void h_recover(struct ctx *c)
{
    char email[STORE_EMAIL_MAX];
    body_email(c, email);
    unsigned char ch[CHALLENGE_BYTES], sig[64], salt[16], new_key[32], wrapped[STORE_WRAPPED_KEYS];
    size_t n = 0;
    const unsigned char *challenge = body_bytes(c, "challenge", &n);
    if (challenge == NULL || n != sizeof ch) {
        reply_error(c, API_INTERNAL, NULL, NULL); /* routes.c declares it this size */
        return;
    }
    memcpy(ch, challenge, sizeof ch);
    if (body_b64(c, "signature", sig, sizeof sig) != 0 ||
        body_b64(c, "new_kdf_salt", salt, sizeof salt) != 0 ||
        body_b64(c, "new_auth_key", new_key, sizeof new_key) != 0 ||
        body_b64(c, "new_wrapped_keys", wrapped, sizeof wrapped) != 0)
        return;
    if (auth_throttled(c, email))
        return;
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = (t << 8) | ch[i];
    unsigned char mac[crypto_auth_BYTES];
    challenge_mac(c, email, ch, mac);
    bool fresh = sodium_memcmp(mac, ch + 8, sizeof mac) == 0 && (int64_t)t <= c->now &&
                 c->now - (int64_t)t <= CHALLENGE_SECONDS;
    struct user u;
    enum store_result r = store_user_by_email(c->app->store, email, &u);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    char msg[64 + sizeof ch * 2];
    snprintf(msg, sizeof msg, "dyad-recover|%s", body_str(c, "challenge"));
    bool ok =
        fresh && r == STORE_OK &&
        crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), u.sign_pk) == 0;
    if (!ok) {
        auth_failed(c, email);
        sodium_memzero(new_key, sizeof new_key);
        reply_error(c, API_UNAUTHENTICATED, NULL,
                    "That did not work. Check the recovery code and try again.");
        return;
    }
    char hash[DCRYPTO_HASH_STR_MAX];
    int hr = dcrypto_auth_hash(new_key, hash);
    sodium_memzero(new_key, sizeof new_key);
    if (hr != 0) {
        if (hr == DCRYPTO_BUSY)
            reply_hash_busy(c);
        else
            reply_error(c, API_UNAVAILABLE, NULL, "The server is out of memory; please try again.");
        return;
    }
    /* new credentials; every session ends (NULL keeps none) */
    r = store_user_set_password(c->app->store, u.id, salt, hash, wrapped, NULL);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    auth_cleared(c, email);
    reply_no_content(c);
}
