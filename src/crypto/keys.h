/*
 * keys.h — dyad's key design (docs/protocol.md) in C, on libsodium.
 *
 * The same constructions as web/js/crypto.js, byte for byte; tests/vectors/
 * pins both to the same bytes. The server never holds a user's password,
 * unwrapped keys or a dyad key: it uses this module only for cross-checking
 * and `dyad client` uses it to speak the protocol.
 *
 * Conventions:
 *   - Every function returns 0 on success and -1 on failure (bad input, a
 *     failed authentication, a buffer too small). On failure, outputs that
 *     would hold secrets are wiped and string outputs are set to "".
 *   - Binary keys are fixed-size byte arrays; values that travel in the API are
 *     NUL-terminated standard base64 with padding; decoders accept only the
 *     canonical spelling.
 *   - Intermediate secrets are wiped with sodium_memzero. The caller owns the
 *     secrets it passes in and gets back, and wipes them (keys_user_wipe).
 *   - sodium_init() must have succeeded before any call.
 */
#ifndef DYAD_CRYPTO_KEYS_H
#define DYAD_CRYPTO_KEYS_H

#include <stddef.h> /* size_t */

#define KEYS_KEY_BYTES       32 /* master, auth, wrap, recovery, personal, K */
#define KEYS_SALT_BYTES      16
#define KEYS_NONCE_BYTES     24 /* XChaCha20-Poly1305-IETF */
#define KEYS_MAC_BYTES       16
#define KEYS_BOX_PK_BYTES    32
#define KEYS_BOX_SK_BYTES    32
#define KEYS_SIGN_PK_BYTES   32
#define KEYS_SIGN_SK_BYTES   64
#define KEYS_SIGNATURE_BYTES 64
#define KEYS_PROOF_BYTES     32
#define KEYS_SEAL_OVERHEAD   48 /* crypto_box_SEALBYTES */
#define KEYS_PAD_BLOCK       64 /* entry texts are padded to a multiple of this */
#define KEYS_ENTRY_ID_BYTES  16
#define KEYS_TEXT_MAX        (64UL * 1024 * 1024) /* longest text this module encrypts */
#define KEYS_AD_MAX          1023                 /* longest entry ad, in bytes */

/* The minimum (and default) Argon2id cost a client accepts, and the ceiling
 * above which parameters offered by a server are refused as hostile. */
#define KEYS_KDF_OPSLIMIT     3ULL
#define KEYS_KDF_MEMLIMIT     67108864UL /* 64 MiB */
#define KEYS_KDF_OPSLIMIT_MAX 16ULL
#define KEYS_KDF_MEMLIMIT_MAX 1073741824UL /* 1 GiB */

/* Buffer sizes for string outputs, terminating NUL included. */
#define KEYS_B64_SIZE(n)      ((((n) + 2) / 3) * 4 + 1)
#define KEYS_WRAPPED_SIZE     KEYS_B64_SIZE(KEYS_NONCE_BYTES + 128 + KEYS_MAC_BYTES) /* 225 */
#define KEYS_PROOF_SIZE       KEYS_B64_SIZE(KEYS_PROOF_BYTES)                        /* 45 */
#define KEYS_SEALED_KEY_SIZE  KEYS_B64_SIZE(KEYS_SEAL_OVERHEAD + KEYS_KEY_BYTES)     /* 109 */
#define KEYS_SIGNATURE_SIZE   KEYS_B64_SIZE(KEYS_SIGNATURE_BYTES)                    /* 89 */
#define KEYS_RECOVERY_SIZE    (13 * 4 + 12 + 1) /* "XXXX-…-XXXX" */
#define KEYS_SAFETY_CODE_SIZE (6 * 5 + 5 + 1)   /* "ddddd ddddd … ddddd" */
#define KEYS_SECRET_SIZE      (43 + 1)          /* 32 bytes, base64url, no padding */
#define KEYS_ENTRY_ID_SIZE    (22 + 1)          /* 16 bytes, base64url, no padding */

/* A user's long-lived keys. Only the secrets are wrapped; the public keys are
 * re-derived from them. */
struct keys_user {
    unsigned char box_pk[KEYS_BOX_PK_BYTES];
    unsigned char box_sk[KEYS_BOX_SK_BYTES];
    unsigned char sign_pk[KEYS_SIGN_PK_BYTES];
    unsigned char sign_sk[KEYS_SIGN_SK_BYTES];
    unsigned char personal[KEYS_KEY_BYTES];
};

/* What an entry's associated data binds: "dyad|{dyad_id}|{entry_id}|{author_id}|{kind}|1".
 * Each field is non-empty printable ASCII without '|'; kind is "share",
 * "response" or "note" (a check-in note's entry_id is its date); the whole ad
 * is at most KEYS_AD_MAX bytes. */
struct keys_entry_meta {
    const char *dyad_id;
    const char *entry_id;
    const char *author_id;
    const char *kind;
};

/* ---- password → master → auth and wrap keys ---------------------------- */

/* 0 if (opslimit, memlimit) are at least KEYS_KDF_OPSLIMIT / KEYS_KDF_MEMLIMIT
 * and at most the ceilings above; -1 otherwise. */
int keys_kdf_params_check(unsigned long long opslimit, size_t memlimit);

/* master = Argon2id13(32, password (UTF-8 bytes as given), salt, opslimit, memlimit).
 * Refuses parameters keys_kdf_params_check() rejects. */
int keys_derive_master(unsigned char master[KEYS_KEY_BYTES], const char *password,
                       size_t password_len, const unsigned char salt[KEYS_SALT_BYTES],
                       unsigned long long opslimit, size_t memlimit);

/* auth_key = KDF subkey 1, wrap_key = subkey 2 of master, context "dyadauth". */
int keys_derive_auth_wrap(unsigned char auth_key[KEYS_KEY_BYTES],
                          unsigned char wrap_key[KEYS_KEY_BYTES],
                          const unsigned char master[KEYS_KEY_BYTES]);

/* ---- user keys ---------------------------------------------------------- */

/* Fresh random box, sign and personal keys. */
int keys_user_generate(struct keys_user *user);

/* Deterministic keys: crypto_box_seed_keypair(box_seed), crypto_sign_seed_keypair(sign_seed). */
int keys_user_from_seeds(struct keys_user *user, const unsigned char box_seed[32],
                         const unsigned char sign_seed[32],
                         const unsigned char personal[KEYS_KEY_BYTES]);

/* Wipes every key in user. */
void keys_user_wipe(struct keys_user *user);

/* out = base64(nonce ‖ XChaCha20-Poly1305(box_sk ‖ sign_sk ‖ personal, ad "dyadkeys|1", wrap_key)).
 * nonce NULL draws a random one (tests pass a fixed nonce). out_size >= KEYS_WRAPPED_SIZE. */
int keys_wrap(char *out, size_t out_size, const struct keys_user *user,
              const unsigned char wrap_key[KEYS_KEY_BYTES],
              const unsigned char nonce[KEYS_NONCE_BYTES]);

/* Inverse of keys_wrap; also re-derives both public keys and checks the
 * signing key is consistent. -1 on a wrong key or damaged data. */
int keys_unwrap(struct keys_user *user, const char *wrapped_b64,
                const unsigned char wrap_key[KEYS_KEY_BYTES]);

/* ---- recovery code ------------------------------------------------------ */

/* The key recovery_wrapped_keys is wrapped under: subkey 3 of "dyadauth". */
int keys_recovery_key(unsigned char key[KEYS_KEY_BYTES], const unsigned char code[KEYS_KEY_BYTES]);

/* 13 dash-separated groups of 4 RFC 4648 base32 characters (A–Z, 2–7). out_size >=
 * KEYS_RECOVERY_SIZE. */
int keys_recovery_format(char *out, size_t out_size, const unsigned char code[KEYS_KEY_BYTES]);

/* Tolerates lower case, spaces and dashes anywhere; rejects anything else,
 * a wrong length, or non-zero trailing bits. */
int keys_recovery_parse(unsigned char code[KEYS_KEY_BYTES], const char *text);

/* ---- pairing ------------------------------------------------------------ */

/* The invite secret after '#' in /join/{code}#{secret}: base64url, no padding. */
int keys_secret_encode(char *out, size_t out_size, const unsigned char secret[KEYS_KEY_BYTES]);
int keys_secret_decode(unsigned char secret[KEYS_KEY_BYTES], const char *text);

/* out = base64(crypto_auth(box_pk ‖ sign_pk, secret)). out_size >= KEYS_PROOF_SIZE. */
int keys_proof(char *out, size_t out_size, const unsigned char box_pk[KEYS_BOX_PK_BYTES],
               const unsigned char sign_pk[KEYS_SIGN_PK_BYTES],
               const unsigned char secret[KEYS_KEY_BYTES]);

/* 0 if proof_b64 is the proof of (box_pk, sign_pk) under secret. */
int keys_proof_verify(const char *proof_b64, const unsigned char box_pk[KEYS_BOX_PK_BYTES],
                      const unsigned char sign_pk[KEYS_SIGN_PK_BYTES],
                      const unsigned char secret[KEYS_KEY_BYTES]);

/* h = BLAKE2b-256(min(X, Y) ‖ max(X, Y)), X and Y each box_pk ‖ sign_pk, compared bytewise.
 * The result does not depend on which member is a and which is b. */
int keys_safety_hash(unsigned char hash[32], const unsigned char a_box_pk[32],
                     const unsigned char a_sign_pk[32], const unsigned char b_box_pk[32],
                     const unsigned char b_sign_pk[32]);

/* Six groups of five digits: group i = big-endian uint32 of h[4i..4i+4] mod 100000.
 * out_size >= KEYS_SAFETY_CODE_SIZE. */
int keys_safety_code(char *out, size_t out_size, const unsigned char a_box_pk[32],
                     const unsigned char a_sign_pk[32], const unsigned char b_box_pk[32],
                     const unsigned char b_sign_pk[32]);

/* ---- the dyad key K ----------------------------------------------------- */

/* wrapped = base64(crypto_box_seal(K, member_box_pk)),
 * signature = base64(crypto_sign_detached(sealed bytes, wrapper_sign_sk)).
 * wrapped_size >= KEYS_SEALED_KEY_SIZE, signature_size >= KEYS_SIGNATURE_SIZE. */
int keys_seal_dyad_key(char *wrapped, size_t wrapped_size, char *signature, size_t signature_size,
                       const unsigned char k[KEYS_KEY_BYTES],
                       const unsigned char member_box_pk[KEYS_BOX_PK_BYTES],
                       const unsigned char wrapper_sign_sk[KEYS_SIGN_SK_BYTES]);

/* Checks the signature by signer_sign_pk over the sealed bytes first, then opens. */
int keys_open_dyad_key(unsigned char k[KEYS_KEY_BYTES], const char *wrapped_b64,
                       const char *signature_b64,
                       const unsigned char signer_sign_pk[KEYS_SIGN_PK_BYTES],
                       const unsigned char my_box_pk[KEYS_BOX_PK_BYTES],
                       const unsigned char my_box_sk[KEYS_BOX_SK_BYTES]);

/* ---- entry bodies ------------------------------------------------------- */

/* A fresh client-made entry id: 16 random bytes, base64url, no padding. */
int keys_entry_id_new(char *out, size_t out_size);

/* Writes the associated data string into out (NUL-terminated). */
int keys_entry_ad(char *out, size_t out_size, const struct keys_entry_meta *meta);

/* A buffer size for the base64 output of keys_entry_encrypt or keys_seal_text
 * for a text of text_len bytes, NUL included (enough for either); 0 if
 * text_len is over KEYS_TEXT_MAX. */
size_t keys_entry_body_size(size_t text_len);

/* body = base64(nonce ‖ XChaCha20-Poly1305(sodium_pad(text, 64), ad(meta), key)).
 * text must be valid UTF-8 of text_len bytes. nonce NULL draws a random one;
 * tests pass a fixed nonce to reproduce the vectors. */
int keys_entry_encrypt(char *out, size_t out_size, const unsigned char key[KEYS_KEY_BYTES],
                       const struct keys_entry_meta *meta, const char *text, size_t text_len,
                       const unsigned char nonce[KEYS_NONCE_BYTES]);

/* Decrypts body_b64 into text (NUL-terminated, *text_len bytes without the
 * NUL; text_len may be NULL). Fails on any tampering, on a body moved to
 * another record (different ad), on bad padding or on invalid UTF-8 — it never
 * yields garbage. A text_size of strlen(body_b64) is always enough. */
int keys_entry_decrypt(char *text, size_t text_size, size_t *text_len,
                       const unsigned char key[KEYS_KEY_BYTES], const struct keys_entry_meta *meta,
                       const char *body_b64);

/* ---- sealing to a therapist --------------------------------------------- */

/* out = base64(crypto_box_seal(sodium_pad(text, 64), box_pk)); text valid UTF-8. */
int keys_seal_text(char *out, size_t out_size, const char *text, size_t text_len,
                   const unsigned char box_pk[KEYS_BOX_PK_BYTES]);

/* Opens a keys_seal_text value; same output contract as keys_entry_decrypt. */
int keys_open_text(char *text, size_t text_size, size_t *text_len, const char *sealed_b64,
                   const unsigned char box_pk[KEYS_BOX_PK_BYTES],
                   const unsigned char box_sk[KEYS_BOX_SK_BYTES]);

/* ---- base64 ------------------------------------------------------------- */

/* Standard base64 with padding. keys_b64_decode accepts only canonical input
 * that decodes to at most bin_size bytes; *bin_len gets the decoded length. */
int keys_b64_encode(char *out, size_t out_size, const unsigned char *bin, size_t bin_len);
int keys_b64_decode(unsigned char *bin, size_t bin_size, size_t *bin_len, const char *b64);

/* The fingerprint a therapist code carries: the first 10 bytes of
 * BLAKE2b-256(box_pk ‖ sign_pk) as 16 RFC 4648 base32 characters. A
 * member's client checks the keys the server hands out against it, so a
 * server cannot slip in other keys for the therapist. out has room for
 * KEYS_FINGERPRINT_SIZE. */
#define KEYS_FINGERPRINT_SIZE 17
int keys_therapist_fingerprint(char *out, size_t out_size, const unsigned char box_pk[32],
                               const unsigned char sign_pk[32]);

#endif /* DYAD_CRYPTO_KEYS_H */
