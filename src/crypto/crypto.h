/*
 * crypto.h — the server's own uses of libsodium: random ids and tokens,
 * hashing the auth key (Argon2id, a few at a time), the fake salt for
 * unknown addresses, keyed hashes for throttling, the server secret.
 *
 * The client-side key design (docs/protocol.md) — what browsers and `dyad client`
 * compute — is in keys.h beside this file; the server never holds those keys.
 */
#ifndef DYAD_CRYPTO_H
#define DYAD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

enum {
    DCRYPTO_TOKEN_LEN = 43,     /* 32 random bytes, base64url without padding */
    DCRYPTO_HASH_STR_MAX = 128, /* crypto_pwhash_STRBYTES */
    /* The global cap on hashing work: besides the hashes running, at most
     * this many callers per running slot wait for one; more are turned away
     * at once (DCRYPTO_BUSY) rather than queued without end. */
    DCRYPTO_WAITING_PER_SLOT = 4,
    DCRYPTO_BUSY = -2,
};

/* Initialises libsodium and allows at most `concurrent_hashes` Argon2id
 * computations at once (each takes 19 MiB). 0 on success. */
int dcrypto_init(unsigned concurrent_hashes);

/* prefix + 24 hex digits of randomness, e.g. "u-3fa2…". */
void dcrypto_random_id(const char *prefix, char *out, size_t outlen);

/* 32 random bytes as base64url without padding; out has room for 44. */
void dcrypto_random_token(char *out);

/* BLAKE2b-256 of a token: what the store keeps instead of the token. */
void dcrypto_token_hash(const char *token, unsigned char out[32]);

/* crypto_pwhash_str of the 32-byte auth key at OWASP's minimum Argon2id cost
 * (2 passes, 19 MiB): the auth key is already the output of a slow hash.
 * 0; -1 on failure; DCRYPTO_BUSY when too many hashes are already waiting. */
int dcrypto_auth_hash(const unsigned char auth_key[32], char out[DCRYPTO_HASH_STR_MAX]);

/* 0 when auth_key matches hash, -1 when not. A NULL hash runs a
 * verification against a dummy hash, so an unknown account costs the same
 * time as a known one. DCRYPTO_BUSY (nothing checked) when too many hashes
 * are already waiting: the caller answers 503, and counts no failure. */
int dcrypto_auth_verify(const char *hash, const unsigned char auth_key[32]);

/* Keyed BLAKE2b of `value` under the server secret, with a domain label so
 * the same address gives unrelated values for different uses. */
void dcrypto_keyed_hash(const unsigned char secret[32], const char *domain, const char *value,
                        unsigned char *out, size_t outlen);

/* The deterministic fake KDF salt for an address that has no account. */
void dcrypto_fake_salt(const unsigned char secret[32], const char *email, unsigned char out[16]);

/* Reads the 32-byte server secret from path, creating it (mode 0600) at
 * first start. 0 on success, -1 with a message in err. */
int dcrypto_load_secret(const char *path, unsigned char out[32], char *err, size_t errlen);

/* Constant-time comparison of two NUL-terminated strings. */
bool dcrypto_str_equal(const char *a, const char *b);

/* Standard base64 of bin into out (room for sodium_base64_ENCODED_LEN). */
void dcrypto_b64(char *out, size_t outlen, const unsigned char *bin, size_t len);

#endif
