/*
 * webpush.h — Web Push messages as a push service expects them, built with
 * OpenSSL's libcrypto (Debian's libssl-dev): nothing here is home-made
 * cryptography, only the arrangement the RFCs prescribe.
 *
 *   RFC 8291  message encryption: ECDH on P-256 between a fresh key of ours
 *             and the browser's subscription key, HKDF-SHA256 with the
 *             subscription's auth secret, one AES-128-GCM record in the
 *             aes128gcm content coding of RFC 8188.
 *   RFC 8292  VAPID: the server's own P-256 key pair, made on first start
 *             (webpush_vapid_load), and an ES256 JWT naming the push
 *             service's origin (aud), an expiry (exp) and a contact (sub).
 *
 * No function here touches the network; webpush_vapid_load is the one that
 * touches a file. Sending is src/notify/push.c's job.
 */
#ifndef DYAD_WEBPUSH_H
#define DYAD_WEBPUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WEBPUSH_PUBLIC_LEN = 65,  /* uncompressed P-256 point: 0x04 || X || Y */
    WEBPUSH_PRIVATE_LEN = 32, /* the private scalar */
    WEBPUSH_AUTH_LEN = 16,    /* the subscription's auth secret */
    WEBPUSH_SALT_LEN = 16,
    WEBPUSH_RECORD_SIZE = 4096, /* rs in the header: one record, whatever the text */
    /* salt (16) + rs (4) + idlen (1) + our public key (65) */
    WEBPUSH_HEADER_LEN = WEBPUSH_SALT_LEN + 4 + 1 + WEBPUSH_PUBLIC_LEN,
    /* one record holds the text, the 0x02 delimiter and the 16-byte tag */
    WEBPUSH_PLAINTEXT_MAX = WEBPUSH_RECORD_SIZE - WEBPUSH_HEADER_LEN - 17,
    WEBPUSH_B64_PUBLIC = 88, /* base64url of 65 bytes, unpadded, with its NUL */
    WEBPUSH_JWT_MAX = 1024,
};

/* A P-256 key (OpenSSL's EVP_PKEY behind it). */
struct webpush_key;

/* A fresh key pair; NULL when OpenSSL fails. */
struct webpush_key *webpush_key_generate(void);

/* The key whose private scalar is d (big-endian); NULL when d is not a
 * valid scalar. */
struct webpush_key *webpush_key_from_private(const unsigned char d[WEBPUSH_PRIVATE_LEN]);

void webpush_key_free(struct webpush_key *k);

/* The key's public point, uncompressed. */
void webpush_key_public(const struct webpush_key *k, unsigned char out[WEBPUSH_PUBLIC_LEN]);

/* Whether p is an uncompressed point on P-256 (what a browser's p256dh is). */
bool webpush_public_valid(const unsigned char p[WEBPUSH_PUBLIC_LEN]);

/* The server's VAPID key from path (PEM, PKCS#8), made with mode 0600 when
 * the file does not exist yet. NULL with a message in err otherwise (the
 * file unreadable, not a P-256 private key, or not creatable). */
struct webpush_key *webpush_vapid_load(const char *path, char *err, size_t errlen);

/* The aes128gcm body (RFC 8291 §4, RFC 8188 §2) of `text` for the
 * subscription (ua_public, auth): the header, then one record. `sender` and
 * `salt` are for known-answer tests; NULL makes a fresh key and salt, as
 * every real message must. out needs WEBPUSH_HEADER_LEN + len + 17 bytes.
 * 0 and *outlen, or -1 (ua_public not a point, text too long, OpenSSL). */
int webpush_encrypt(const unsigned char ua_public[WEBPUSH_PUBLIC_LEN],
                    const unsigned char auth[WEBPUSH_AUTH_LEN], const void *text, size_t len,
                    const struct webpush_key *sender, const unsigned char *salt, unsigned char *out,
                    size_t cap, size_t *outlen);

/* The VAPID JWT (RFC 8292 §2): {"typ":"JWT","alg":"ES256"} and
 * {"aud":aud,"exp":exp[,"sub":sub]}, signed with ES256 (the signature as
 * r || s, 64 bytes, not DER). sub NULL or "": none. 0, or -1. */
int webpush_vapid_jwt(const struct webpush_key *k, const char *aud, int64_t exp, const char *sub,
                      char *out, size_t cap);

/* 0 when jwt's ES256 signature verifies under the public key pub (tests,
 * and a check of the key file at start). */
int webpush_jwt_verify(const unsigned char pub[WEBPUSH_PUBLIC_LEN], const char *jwt);

/* base64url without padding, as push subscriptions and VAPID use it. */
void webpush_b64url(char *out, size_t cap, const unsigned char *bin, size_t len);
/* Its inverse: exactly `len` bytes or -1 (padding and whitespace refused). */
int webpush_unb64url(const char *text, unsigned char *out, size_t len);

/* The origin (scheme://host[:port]) of an http(s) URL, as VAPID's aud
 * names it. -1 when the URL has no host or is too long. */
int webpush_origin(const char *url, char *out, size_t cap);

#endif
