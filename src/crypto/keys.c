/*
 * keys.c — dyad's key design (docs/protocol.md) on libsodium.
 *
 * Mirrors web/js/crypto.js construction by construction; keys.h documents
 * the API. Every function validates its input fully before it writes an
 * output, keeps secrets in locals or heap buffers it wipes before returning,
 * and leaves secret outputs zeroed on failure.
 */
#include "crypto/keys.h"

#include <stdint.h> /* uint32_t, uint64_t */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy, strlen, strcmp */

#include <sodium.h>

#define KEYS_CTX_AUTH       "dyadauth"
#define KEYS_SUBKEY_AUTH    1
#define KEYS_SUBKEY_WRAP    2
#define KEYS_SUBKEY_RECOV   3
#define KEYS_WRAP_AD        "dyadkeys|1"
#define KEYS_PLAIN_BYTES    (KEYS_BOX_SK_BYTES + KEYS_SIGN_SK_BYTES + KEYS_KEY_BYTES)
#define KEYS_WRAPPED_BYTES  (KEYS_NONCE_BYTES + KEYS_PLAIN_BYTES + KEYS_MAC_BYTES)
#define KEYS_SEALED_BYTES   (KEYS_SEAL_OVERHEAD + KEYS_KEY_BYTES)
#define KEYS_RECOVERY_CHARS 52 /* 256 bits in base32, plus 4 zero bits */

static const char keys_base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* ---- small helpers ------------------------------------------------------ */

static void keys_str_clear(char *out, size_t out_size)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
}

/* Frees a heap buffer that held secrets. */
static void keys_free_wiped(void *p, size_t len)
{
    if (p != NULL) {
        sodium_memzero(p, len);
        free(p);
    }
}

/* Strict UTF-8, as a fatal WHATWG decoder sees it: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static int keys_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return 0;
        }
        i += n + 1;
    }
    return 1;
}

static size_t keys_padded_len(size_t text_len)
{
    return (text_len / KEYS_PAD_BLOCK + 1) * KEYS_PAD_BLOCK;
}

/* Encodes with a libsodium variant; out_size must fit the whole encoding. */
static int keys_b64_encode_variant(char *out, size_t out_size, const unsigned char *bin,
                                   size_t bin_len, int variant)
{
    if (out == NULL || out_size < sodium_base64_encoded_len(bin_len, variant)) {
        keys_str_clear(out, out_size);
        return -1;
    }
    sodium_bin2base64(out, out_size, bin, bin_len, variant);
    return 0;
}

/* Decodes the whole of text and accepts it only if re-encoding gives text
 * back: one value, one spelling. */
static int keys_b64_decode_variant(unsigned char *bin, size_t bin_size, size_t *bin_len,
                                   const char *text, int variant)
{
    size_t text_len, len = 0;
    const char *end = NULL;
    char *again;
    int ok;

    if (bin_len != NULL)
        *bin_len = 0;
    if (text == NULL || bin == NULL)
        return -1;
    text_len = strlen(text);
    if (sodium_base642bin(bin, bin_size, text, text_len, NULL, &len, &end, variant) != 0 ||
        end != text + text_len) {
        sodium_memzero(bin, bin_size);
        return -1;
    }
    again = malloc(sodium_base64_encoded_len(len, variant));
    if (again == NULL) {
        sodium_memzero(bin, len);
        return -1;
    }
    sodium_bin2base64(again, sodium_base64_encoded_len(len, variant), bin, len, variant);
    ok = strcmp(again, text) == 0;
    free(again);
    if (!ok) {
        sodium_memzero(bin, len);
        return -1;
    }
    if (bin_len != NULL)
        *bin_len = len;
    return 0;
}

int keys_b64_encode(char *out, size_t out_size, const unsigned char *bin, size_t bin_len)
{
    if (bin == NULL && bin_len > 0) {
        keys_str_clear(out, out_size);
        return -1;
    }
    return keys_b64_encode_variant(out, out_size, bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
}

int keys_b64_decode(unsigned char *bin, size_t bin_size, size_t *bin_len, const char *b64)
{
    return keys_b64_decode_variant(bin, bin_size, bin_len, b64, sodium_base64_VARIANT_ORIGINAL);
}

/* Decodes into a fresh heap buffer the caller frees with keys_free_wiped. */
static int keys_b64_decode_alloc(unsigned char **bin, size_t *bin_len, const char *b64)
{
    size_t cap;

    *bin = NULL;
    *bin_len = 0;
    if (b64 == NULL)
        return -1;
    cap = strlen(b64) / 4 * 3 + 1;
    *bin = malloc(cap);
    if (*bin == NULL)
        return -1;
    if (keys_b64_decode(*bin, cap, bin_len, b64) != 0) {
        keys_free_wiped(*bin, cap);
        *bin = NULL;
        return -1;
    }
    return 0;
}

/* ---- password → master → auth and wrap keys ---------------------------- */

int keys_kdf_params_check(unsigned long long opslimit, size_t memlimit)
{
    if (opslimit < KEYS_KDF_OPSLIMIT || opslimit > KEYS_KDF_OPSLIMIT_MAX)
        return -1;
    if (memlimit < KEYS_KDF_MEMLIMIT || memlimit > KEYS_KDF_MEMLIMIT_MAX)
        return -1;
    return 0;
}

int keys_derive_master(unsigned char master[KEYS_KEY_BYTES], const char *password,
                       size_t password_len, const unsigned char salt[KEYS_SALT_BYTES],
                       unsigned long long opslimit, size_t memlimit)
{
    if (master == NULL)
        return -1;
    sodium_memzero(master, KEYS_KEY_BYTES);
    if ((password == NULL && password_len > 0) || salt == NULL ||
        keys_kdf_params_check(opslimit, memlimit) != 0)
        return -1;
    if (crypto_pwhash(master, KEYS_KEY_BYTES, password == NULL ? "" : password, password_len, salt,
                      opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(master, KEYS_KEY_BYTES);
        return -1;
    }
    return 0;
}

static int keys_subkey(unsigned char out[KEYS_KEY_BYTES], uint64_t id,
                       const unsigned char key[KEYS_KEY_BYTES])
{
    return crypto_kdf_derive_from_key(out, KEYS_KEY_BYTES, id, KEYS_CTX_AUTH, key);
}

int keys_derive_auth_wrap(unsigned char auth_key[KEYS_KEY_BYTES],
                          unsigned char wrap_key[KEYS_KEY_BYTES],
                          const unsigned char master[KEYS_KEY_BYTES])
{
    if (auth_key == NULL || wrap_key == NULL || master == NULL)
        return -1;
    if (keys_subkey(auth_key, KEYS_SUBKEY_AUTH, master) != 0 ||
        keys_subkey(wrap_key, KEYS_SUBKEY_WRAP, master) != 0) {
        sodium_memzero(auth_key, KEYS_KEY_BYTES);
        sodium_memzero(wrap_key, KEYS_KEY_BYTES);
        return -1;
    }
    return 0;
}

/* ---- user keys ---------------------------------------------------------- */

void keys_user_wipe(struct keys_user *user)
{
    if (user != NULL)
        sodium_memzero(user, sizeof *user);
}

int keys_user_generate(struct keys_user *user)
{
    if (user == NULL)
        return -1;
    if (crypto_box_keypair(user->box_pk, user->box_sk) != 0 ||
        crypto_sign_keypair(user->sign_pk, user->sign_sk) != 0) {
        keys_user_wipe(user);
        return -1;
    }
    randombytes_buf(user->personal, sizeof user->personal);
    return 0;
}

int keys_user_from_seeds(struct keys_user *user, const unsigned char box_seed[32],
                         const unsigned char sign_seed[32],
                         const unsigned char personal[KEYS_KEY_BYTES])
{
    if (user == NULL)
        return -1;
    if (box_seed == NULL || sign_seed == NULL || personal == NULL ||
        crypto_box_seed_keypair(user->box_pk, user->box_sk, box_seed) != 0 ||
        crypto_sign_seed_keypair(user->sign_pk, user->sign_sk, sign_seed) != 0) {
        keys_user_wipe(user);
        return -1;
    }
    memcpy(user->personal, personal, KEYS_KEY_BYTES);
    return 0;
}

int keys_wrap(char *out, size_t out_size, const struct keys_user *user,
              const unsigned char wrap_key[KEYS_KEY_BYTES],
              const unsigned char nonce[KEYS_NONCE_BYTES])
{
    unsigned char plain[KEYS_PLAIN_BYTES];
    unsigned char raw[KEYS_WRAPPED_BYTES];
    int rc = -1;

    keys_str_clear(out, out_size);
    if (out == NULL || out_size < KEYS_WRAPPED_SIZE || user == NULL || wrap_key == NULL)
        return -1;
    if (nonce != NULL)
        memcpy(raw, nonce, KEYS_NONCE_BYTES);
    else
        randombytes_buf(raw, KEYS_NONCE_BYTES);
    memcpy(plain, user->box_sk, KEYS_BOX_SK_BYTES);
    memcpy(plain + KEYS_BOX_SK_BYTES, user->sign_sk, KEYS_SIGN_SK_BYTES);
    memcpy(plain + KEYS_BOX_SK_BYTES + KEYS_SIGN_SK_BYTES, user->personal, KEYS_KEY_BYTES);
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(
            raw + KEYS_NONCE_BYTES, NULL, plain, sizeof plain, (const unsigned char *)KEYS_WRAP_AD,
            strlen(KEYS_WRAP_AD), NULL, raw, wrap_key) != 0)
        goto done;
    rc = keys_b64_encode(out, out_size, raw, sizeof raw);
done:
    sodium_memzero(plain, sizeof plain);
    return rc;
}

int keys_unwrap(struct keys_user *user, const char *wrapped_b64,
                const unsigned char wrap_key[KEYS_KEY_BYTES])
{
    unsigned char raw[KEYS_WRAPPED_BYTES];
    unsigned char plain[KEYS_PLAIN_BYTES];
    unsigned char sign_sk_again[KEYS_SIGN_SK_BYTES];
    struct keys_user u;
    size_t raw_len = 0;
    int rc = -1;

    if (user == NULL)
        return -1;
    keys_user_wipe(user);
    sodium_memzero(&u, sizeof u);
    if (wrap_key == NULL || keys_b64_decode(raw, sizeof raw, &raw_len, wrapped_b64) != 0 ||
        raw_len != sizeof raw)
        return -1;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plain, NULL, NULL, raw + KEYS_NONCE_BYTES, sizeof raw - KEYS_NONCE_BYTES,
            (const unsigned char *)KEYS_WRAP_AD, strlen(KEYS_WRAP_AD), raw, wrap_key) != 0)
        goto done;
    memcpy(u.box_sk, plain, KEYS_BOX_SK_BYTES);
    memcpy(u.sign_sk, plain + KEYS_BOX_SK_BYTES, KEYS_SIGN_SK_BYTES);
    memcpy(u.personal, plain + KEYS_BOX_SK_BYTES + KEYS_SIGN_SK_BYTES, KEYS_KEY_BYTES);
    /* The public keys are not inside the wrap: re-derive them, and check the
     * signing key is the one its seed (its first 32 bytes) makes. */
    if (crypto_scalarmult_base(u.box_pk, u.box_sk) != 0 ||
        crypto_sign_seed_keypair(u.sign_pk, sign_sk_again, u.sign_sk) != 0 ||
        sodium_memcmp(sign_sk_again, u.sign_sk, sizeof sign_sk_again) != 0)
        goto done;
    *user = u;
    rc = 0;
done:
    sodium_memzero(plain, sizeof plain);
    sodium_memzero(sign_sk_again, sizeof sign_sk_again);
    sodium_memzero(&u, sizeof u);
    return rc;
}

/* ---- recovery code ------------------------------------------------------ */

int keys_recovery_key(unsigned char key[KEYS_KEY_BYTES], const unsigned char code[KEYS_KEY_BYTES])
{
    if (key == NULL)
        return -1;
    if (code == NULL || keys_subkey(key, KEYS_SUBKEY_RECOV, code) != 0) {
        sodium_memzero(key, KEYS_KEY_BYTES);
        return -1;
    }
    return 0;
}

int keys_recovery_format(char *out, size_t out_size, const unsigned char code[KEYS_KEY_BYTES])
{
    unsigned acc = 0, bits = 0;
    size_t nchars = 0, pos = 0;

    keys_str_clear(out, out_size);
    if (out == NULL || out_size < KEYS_RECOVERY_SIZE || code == NULL)
        return -1;
    for (size_t i = 0; i <= KEYS_KEY_BYTES; i++) {
        if (i < KEYS_KEY_BYTES) {
            acc = ((acc << 8) | code[i]) & 0xffffu;
            bits += 8;
        } else if (bits > 0) {
            acc = (acc << (5 - bits)) & 0xffffu; /* last character: pad with zero bits */
            bits = 5;
        }
        while (bits >= 5) {
            bits -= 5;
            if (nchars > 0 && nchars % 4 == 0)
                out[pos++] = '-';
            out[pos++] = keys_base32[(acc >> bits) & 31u];
            nchars++;
        }
    }
    out[pos] = '\0';
    return nchars == KEYS_RECOVERY_CHARS ? 0 : -1;
}

static int keys_base32_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int keys_recovery_parse(unsigned char code[KEYS_KEY_BYTES], const char *text)
{
    unsigned char out[KEYS_KEY_BYTES];
    unsigned acc = 0, bits = 0;
    size_t nchars = 0, n = 0;
    int rc = -1;

    if (code == NULL)
        return -1;
    sodium_memzero(code, KEYS_KEY_BYTES);
    if (text == NULL)
        return -1;
    for (const char *p = text; *p != '\0'; p++) {
        int v;

        if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' ||
            *p == '\f')
            continue;
        v = keys_base32_value(*p);
        if (v < 0 || nchars == KEYS_RECOVERY_CHARS)
            goto done;
        nchars++;
        acc = ((acc << 5) | (unsigned)v) & 0xffffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    /* 52 characters carry 260 bits: the last 4 must be zero, so each code
     * has one spelling. */
    if (nchars != KEYS_RECOVERY_CHARS || n != KEYS_KEY_BYTES || (acc & ((1u << bits) - 1u)) != 0)
        goto done;
    memcpy(code, out, KEYS_KEY_BYTES);
    rc = 0;
done:
    sodium_memzero(out, sizeof out);
    return rc;
}

/* ---- pairing ------------------------------------------------------------ */

int keys_secret_encode(char *out, size_t out_size, const unsigned char secret[KEYS_KEY_BYTES])
{
    if (secret == NULL) {
        keys_str_clear(out, out_size);
        return -1;
    }
    return keys_b64_encode_variant(out, out_size, secret, KEYS_KEY_BYTES,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int keys_secret_decode(unsigned char secret[KEYS_KEY_BYTES], const char *text)
{
    unsigned char buf[KEYS_KEY_BYTES + 3];
    size_t len = 0;
    int rc = -1;

    if (secret == NULL)
        return -1;
    sodium_memzero(secret, KEYS_KEY_BYTES);
    if (keys_b64_decode_variant(buf, sizeof buf, &len, text,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
        len == KEYS_KEY_BYTES) {
        memcpy(secret, buf, KEYS_KEY_BYTES);
        rc = 0;
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static void keys_proof_raw(unsigned char mac[KEYS_PROOF_BYTES], const unsigned char box_pk[32],
                           const unsigned char sign_pk[32], const unsigned char secret[32])
{
    unsigned char msg[KEYS_BOX_PK_BYTES + KEYS_SIGN_PK_BYTES];

    memcpy(msg, box_pk, KEYS_BOX_PK_BYTES);
    memcpy(msg + KEYS_BOX_PK_BYTES, sign_pk, KEYS_SIGN_PK_BYTES);
    crypto_auth(mac, msg, sizeof msg, secret);
}

int keys_proof(char *out, size_t out_size, const unsigned char box_pk[KEYS_BOX_PK_BYTES],
               const unsigned char sign_pk[KEYS_SIGN_PK_BYTES],
               const unsigned char secret[KEYS_KEY_BYTES])
{
    unsigned char mac[KEYS_PROOF_BYTES];
    int rc;

    keys_str_clear(out, out_size);
    if (box_pk == NULL || sign_pk == NULL || secret == NULL)
        return -1;
    keys_proof_raw(mac, box_pk, sign_pk, secret);
    rc = keys_b64_encode(out, out_size, mac, sizeof mac);
    sodium_memzero(mac, sizeof mac);
    return rc;
}

int keys_proof_verify(const char *proof_b64, const unsigned char box_pk[KEYS_BOX_PK_BYTES],
                      const unsigned char sign_pk[KEYS_SIGN_PK_BYTES],
                      const unsigned char secret[KEYS_KEY_BYTES])
{
    unsigned char given[KEYS_PROOF_BYTES + 3];
    unsigned char msg[KEYS_BOX_PK_BYTES + KEYS_SIGN_PK_BYTES];
    size_t len = 0;

    if (box_pk == NULL || sign_pk == NULL || secret == NULL ||
        keys_b64_decode(given, sizeof given, &len, proof_b64) != 0 || len != KEYS_PROOF_BYTES)
        return -1;
    memcpy(msg, box_pk, KEYS_BOX_PK_BYTES);
    memcpy(msg + KEYS_BOX_PK_BYTES, sign_pk, KEYS_SIGN_PK_BYTES);
    return crypto_auth_verify(given, msg, sizeof msg, secret) == 0 ? 0 : -1;
}

int keys_safety_hash(unsigned char hash[32], const unsigned char a_box_pk[32],
                     const unsigned char a_sign_pk[32], const unsigned char b_box_pk[32],
                     const unsigned char b_sign_pk[32])
{
    unsigned char x[64], y[64], both[128];

    if (hash == NULL || a_box_pk == NULL || a_sign_pk == NULL || b_box_pk == NULL ||
        b_sign_pk == NULL)
        return -1;
    memcpy(x, a_box_pk, 32);
    memcpy(x + 32, a_sign_pk, 32);
    memcpy(y, b_box_pk, 32);
    memcpy(y + 32, b_sign_pk, 32);
    /* Public values: an ordinary bytewise comparison is fine. */
    if (memcmp(x, y, sizeof x) <= 0) {
        memcpy(both, x, 64);
        memcpy(both + 64, y, 64);
    } else {
        memcpy(both, y, 64);
        memcpy(both + 64, x, 64);
    }
    return crypto_generichash(hash, 32, both, sizeof both, NULL, 0);
}

int keys_safety_code(char *out, size_t out_size, const unsigned char a_box_pk[32],
                     const unsigned char a_sign_pk[32], const unsigned char b_box_pk[32],
                     const unsigned char b_sign_pk[32])
{
    unsigned char h[32];
    size_t pos = 0;

    keys_str_clear(out, out_size);
    if (out == NULL || out_size < KEYS_SAFETY_CODE_SIZE ||
        keys_safety_hash(h, a_box_pk, a_sign_pk, b_box_pk, b_sign_pk) != 0)
        return -1;
    for (int i = 0; i < 6; i++) {
        uint32_t v = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
                     (uint32_t)h[4 * i + 2] << 8 | (uint32_t)h[4 * i + 3];
        int n = snprintf(out + pos, out_size - pos, "%s%05u", i > 0 ? " " : "",
                         (unsigned)(v % 100000u));

        if (n < 0 || (size_t)n >= out_size - pos) {
            keys_str_clear(out, out_size);
            return -1;
        }
        pos += (size_t)n;
    }
    return 0;
}

/* ---- the dyad key K ----------------------------------------------------- */

int keys_seal_dyad_key(char *wrapped, size_t wrapped_size, char *signature, size_t signature_size,
                       const unsigned char k[KEYS_KEY_BYTES],
                       const unsigned char member_box_pk[KEYS_BOX_PK_BYTES],
                       const unsigned char wrapper_sign_sk[KEYS_SIGN_SK_BYTES])
{
    unsigned char sealed[KEYS_SEALED_BYTES];
    unsigned char sig[KEYS_SIGNATURE_BYTES];

    keys_str_clear(wrapped, wrapped_size);
    keys_str_clear(signature, signature_size);
    if (wrapped == NULL || wrapped_size < KEYS_SEALED_KEY_SIZE || signature == NULL ||
        signature_size < KEYS_SIGNATURE_SIZE || k == NULL || member_box_pk == NULL ||
        wrapper_sign_sk == NULL)
        return -1;
    if (crypto_box_seal(sealed, k, KEYS_KEY_BYTES, member_box_pk) != 0 ||
        crypto_sign_detached(sig, NULL, sealed, sizeof sealed, wrapper_sign_sk) != 0 ||
        keys_b64_encode(wrapped, wrapped_size, sealed, sizeof sealed) != 0 ||
        keys_b64_encode(signature, signature_size, sig, sizeof sig) != 0) {
        keys_str_clear(wrapped, wrapped_size);
        keys_str_clear(signature, signature_size);
        return -1;
    }
    return 0;
}

int keys_open_dyad_key(unsigned char k[KEYS_KEY_BYTES], const char *wrapped_b64,
                       const char *signature_b64,
                       const unsigned char signer_sign_pk[KEYS_SIGN_PK_BYTES],
                       const unsigned char my_box_pk[KEYS_BOX_PK_BYTES],
                       const unsigned char my_box_sk[KEYS_BOX_SK_BYTES])
{
    unsigned char sealed[KEYS_SEALED_BYTES + 3];
    unsigned char sig[KEYS_SIGNATURE_BYTES + 3];
    size_t sealed_len = 0, sig_len = 0;

    if (k == NULL)
        return -1;
    sodium_memzero(k, KEYS_KEY_BYTES);
    if (signer_sign_pk == NULL || my_box_pk == NULL || my_box_sk == NULL ||
        keys_b64_decode(sealed, sizeof sealed, &sealed_len, wrapped_b64) != 0 ||
        sealed_len != KEYS_SEALED_BYTES ||
        keys_b64_decode(sig, sizeof sig, &sig_len, signature_b64) != 0 ||
        sig_len != KEYS_SIGNATURE_BYTES)
        return -1;
    if (crypto_sign_verify_detached(sig, sealed, KEYS_SEALED_BYTES, signer_sign_pk) != 0)
        return -1;
    if (crypto_box_seal_open(k, sealed, KEYS_SEALED_BYTES, my_box_pk, my_box_sk) != 0) {
        sodium_memzero(k, KEYS_KEY_BYTES);
        return -1;
    }
    return 0;
}

/* ---- entry bodies ------------------------------------------------------- */

int keys_entry_id_new(char *out, size_t out_size)
{
    unsigned char id[KEYS_ENTRY_ID_BYTES];

    randombytes_buf(id, sizeof id);
    return keys_b64_encode_variant(out, out_size, id, sizeof id,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Non-empty printable ASCII without '|', so the ad reads only one way. */
static int keys_ad_field_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < 0x21 || *s > 0x7e || *s == '|')
            return 0;
    }
    return 1;
}

int keys_entry_ad(char *out, size_t out_size, const struct keys_entry_meta *meta)
{
    int n;

    keys_str_clear(out, out_size);
    if (out == NULL || meta == NULL || !keys_ad_field_ok(meta->dyad_id) ||
        !keys_ad_field_ok(meta->entry_id) || !keys_ad_field_ok(meta->author_id) ||
        meta->kind == NULL ||
        (strcmp(meta->kind, "share") != 0 && strcmp(meta->kind, "response") != 0 &&
         strcmp(meta->kind, "note") != 0))
        return -1;
    n = snprintf(out, out_size, "dyad|%s|%s|%s|%s|1", meta->dyad_id, meta->entry_id,
                 meta->author_id, meta->kind);
    if (n < 0 || (size_t)n >= out_size) {
        keys_str_clear(out, out_size);
        return -1;
    }
    return 0;
}

size_t keys_entry_body_size(size_t text_len)
{
    size_t overhead = KEYS_NONCE_BYTES + KEYS_MAC_BYTES;

    if (text_len > KEYS_TEXT_MAX)
        return 0;
    if (overhead < KEYS_SEAL_OVERHEAD)
        overhead = KEYS_SEAL_OVERHEAD;
    return KEYS_B64_SIZE(overhead + keys_padded_len(text_len));
}

/* Copies text into a fresh buffer padded with sodium_pad; *padded_len gets its length. */
static unsigned char *keys_pad_text(const char *text, size_t text_len, size_t *padded_len)
{
    unsigned char *buf;
    size_t cap, len = 0;

    *padded_len = 0;
    if ((text == NULL && text_len > 0) || text_len > KEYS_TEXT_MAX ||
        !keys_utf8_valid((const unsigned char *)text, text_len))
        return NULL;
    cap = keys_padded_len(text_len);
    buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    if (text_len > 0)
        memcpy(buf, text, text_len);
    if (sodium_pad(&len, buf, text_len, KEYS_PAD_BLOCK, cap) != 0 || len != cap) {
        keys_free_wiped(buf, cap);
        return NULL;
    }
    *padded_len = len;
    return buf;
}

/* Unpads, checks UTF-8 and copies the text out, NUL-terminated. */
static int keys_unpad_text(char *text, size_t text_size, size_t *text_len,
                           const unsigned char *padded, size_t padded_len)
{
    size_t len = 0;

    if (sodium_unpad(&len, padded, padded_len, KEYS_PAD_BLOCK) != 0 ||
        !keys_utf8_valid(padded, len) || text_size <= len)
        return -1;
    memcpy(text, padded, len);
    text[len] = '\0';
    if (text_len != NULL)
        *text_len = len;
    return 0;
}

int keys_entry_encrypt(char *out, size_t out_size, const unsigned char key[KEYS_KEY_BYTES],
                       const struct keys_entry_meta *meta, const char *text, size_t text_len,
                       const unsigned char nonce[KEYS_NONCE_BYTES])
{
    char ad[KEYS_AD_MAX + 1];
    unsigned char *padded = NULL, *raw = NULL;
    size_t padded_len = 0, raw_len = 0;
    int rc = -1;

    keys_str_clear(out, out_size);
    if (out == NULL || key == NULL || keys_entry_ad(ad, sizeof ad, meta) != 0)
        return -1;
    padded = keys_pad_text(text, text_len, &padded_len);
    if (padded == NULL)
        return -1;
    raw_len = KEYS_NONCE_BYTES + padded_len + KEYS_MAC_BYTES;
    raw = malloc(raw_len);
    if (raw == NULL)
        goto done;
    if (nonce != NULL)
        memcpy(raw, nonce, KEYS_NONCE_BYTES);
    else
        randombytes_buf(raw, KEYS_NONCE_BYTES);
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(raw + KEYS_NONCE_BYTES, NULL, padded, padded_len,
                                                   (const unsigned char *)ad, strlen(ad), NULL, raw,
                                                   key) != 0)
        goto done;
    rc = keys_b64_encode(out, out_size, raw, raw_len);
done:
    keys_free_wiped(padded, padded_len);
    free(raw); /* ciphertext only */
    return rc;
}

int keys_entry_decrypt(char *text, size_t text_size, size_t *text_len,
                       const unsigned char key[KEYS_KEY_BYTES], const struct keys_entry_meta *meta,
                       const char *body_b64)
{
    char ad[KEYS_AD_MAX + 1];
    unsigned char *raw = NULL, *padded = NULL;
    size_t raw_len = 0, padded_len = 0;
    int rc = -1;

    if (text_len != NULL)
        *text_len = 0;
    keys_str_clear(text, text_size);
    if (text == NULL || key == NULL || keys_entry_ad(ad, sizeof ad, meta) != 0 ||
        keys_b64_decode_alloc(&raw, &raw_len, body_b64) != 0)
        return -1;
    if (raw_len < KEYS_NONCE_BYTES + KEYS_MAC_BYTES + KEYS_PAD_BLOCK ||
        (raw_len - KEYS_NONCE_BYTES - KEYS_MAC_BYTES) % KEYS_PAD_BLOCK != 0)
        goto done;
    padded_len = raw_len - KEYS_NONCE_BYTES - KEYS_MAC_BYTES;
    padded = malloc(padded_len);
    if (padded == NULL)
        goto done;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            padded, NULL, NULL, raw + KEYS_NONCE_BYTES, raw_len - KEYS_NONCE_BYTES,
            (const unsigned char *)ad, strlen(ad), raw, key) != 0)
        goto done;
    rc = keys_unpad_text(text, text_size, text_len, padded, padded_len);
done:
    keys_free_wiped(padded, padded_len);
    keys_free_wiped(raw, raw_len);
    return rc;
}

/* ---- sealing to a therapist --------------------------------------------- */

int keys_seal_text(char *out, size_t out_size, const char *text, size_t text_len,
                   const unsigned char box_pk[KEYS_BOX_PK_BYTES])
{
    unsigned char *padded = NULL, *sealed = NULL;
    size_t padded_len = 0, sealed_len;
    int rc = -1;

    keys_str_clear(out, out_size);
    if (out == NULL || box_pk == NULL)
        return -1;
    padded = keys_pad_text(text, text_len, &padded_len);
    if (padded == NULL)
        return -1;
    sealed_len = KEYS_SEAL_OVERHEAD + padded_len;
    sealed = malloc(sealed_len);
    if (sealed == NULL)
        goto done;
    if (crypto_box_seal(sealed, padded, padded_len, box_pk) != 0)
        goto done;
    rc = keys_b64_encode(out, out_size, sealed, sealed_len);
done:
    keys_free_wiped(padded, padded_len);
    free(sealed); /* ciphertext only */
    return rc;
}

int keys_open_text(char *text, size_t text_size, size_t *text_len, const char *sealed_b64,
                   const unsigned char box_pk[KEYS_BOX_PK_BYTES],
                   const unsigned char box_sk[KEYS_BOX_SK_BYTES])
{
    unsigned char *raw = NULL, *padded = NULL;
    size_t raw_len = 0, padded_len = 0;
    int rc = -1;

    if (text_len != NULL)
        *text_len = 0;
    keys_str_clear(text, text_size);
    if (text == NULL || box_pk == NULL || box_sk == NULL ||
        keys_b64_decode_alloc(&raw, &raw_len, sealed_b64) != 0)
        return -1;
    if (raw_len < KEYS_SEAL_OVERHEAD + KEYS_PAD_BLOCK ||
        (raw_len - KEYS_SEAL_OVERHEAD) % KEYS_PAD_BLOCK != 0)
        goto done;
    padded_len = raw_len - KEYS_SEAL_OVERHEAD;
    padded = malloc(padded_len);
    if (padded == NULL)
        goto done;
    if (crypto_box_seal_open(padded, raw, raw_len, box_pk, box_sk) != 0)
        goto done;
    rc = keys_unpad_text(text, text_size, text_len, padded, padded_len);
done:
    keys_free_wiped(padded, padded_len);
    keys_free_wiped(raw, raw_len);
    return rc;
}

int keys_therapist_fingerprint(char *out, size_t out_size, const unsigned char box_pk[32],
                               const unsigned char sign_pk[32])
{
    unsigned char both[64], h[32];
    keys_str_clear(out, out_size);
    if (out == NULL || out_size < KEYS_FINGERPRINT_SIZE || box_pk == NULL || sign_pk == NULL)
        return -1;
    memcpy(both, box_pk, 32);
    memcpy(both + 32, sign_pk, 32);
    if (crypto_generichash(h, sizeof h, both, sizeof both, NULL, 0) != 0)
        return -1;
    /* the first 10 bytes: 80 bits, 16 base32 characters, no padding */
    unsigned acc = 0, bits = 0;
    size_t pos = 0;
    for (size_t i = 0; i < 10; i++) {
        acc = ((acc << 8) | h[i]) & 0xffffu;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[pos++] = keys_base32[(acc >> bits) & 31u];
        }
    }
    out[pos] = '\0';
    return 0;
}
