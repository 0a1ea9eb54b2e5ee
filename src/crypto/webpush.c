/*
 * webpush.c — see webpush.h. Every primitive is OpenSSL's (libcrypto 3):
 * EVP key generation and ECDH, the HKDF KDF, AES-128-GCM, ECDSA; base64url
 * is libsodium's. What is ours is only the byte layout the RFCs fix.
 */
#include "crypto/webpush.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sodium.h>

struct webpush_key {
    EVP_PKEY *pkey;
    unsigned char pub[WEBPUSH_PUBLIC_LEN];
};

/* ---- keys --------------------------------------------------------------------- */

static struct webpush_key *wrap(EVP_PKEY *pk)
{
    if (pk == NULL)
        return NULL;
    struct webpush_key *k = calloc(1, sizeof *k);
    size_t n = 0;
    if (k == NULL ||
        EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, k->pub, sizeof k->pub, &n) !=
            1 ||
        n != WEBPUSH_PUBLIC_LEN || k->pub[0] != 0x04) {
        free(k);
        EVP_PKEY_free(pk);
        return NULL;
    }
    k->pkey = pk;
    return k;
}

/* An EC key on P-256 from its public point and, when priv is not NULL, its
 * private scalar. OpenSSL checks the point is on the curve. */
static EVP_PKEY *pkey_from(const unsigned char pub[WEBPUSH_PUBLIC_LEN], const BIGNUM *priv)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    if (b == NULL ||
        OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, WEBPUSH_PUBLIC_LEN) !=
            1 ||
        (priv != NULL && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) ||
        (params = OSSL_PARAM_BLD_to_param(b)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pk, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params) != 1)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    return pk;
}

struct webpush_key *webpush_key_generate(void)
{
    return wrap(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
}

struct webpush_key *webpush_key_from_private(const unsigned char d[WEBPUSH_PRIVATE_LEN])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *bn = BN_bin2bn(d, WEBPUSH_PRIVATE_LEN, NULL);
    EC_POINT *pt = g != NULL ? EC_POINT_new(g) : NULL;
    unsigned char pub[WEBPUSH_PUBLIC_LEN];
    EVP_PKEY *pk = NULL;
    /* 0 < d < n, then the public point d·G */
    if (pt != NULL && bn != NULL && !BN_is_zero(bn) && BN_cmp(bn, EC_GROUP_get0_order(g)) < 0 &&
        EC_POINT_mul(g, pt, bn, NULL, NULL, NULL) == 1 &&
        EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, NULL) ==
            sizeof pub)
        pk = pkey_from(pub, bn);
    EC_POINT_free(pt);
    BN_clear_free(bn);
    EC_GROUP_free(g);
    return wrap(pk);
}

void webpush_key_free(struct webpush_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

void webpush_key_public(const struct webpush_key *k, unsigned char out[WEBPUSH_PUBLIC_LEN])
{
    memcpy(out, k->pub, WEBPUSH_PUBLIC_LEN);
}

bool webpush_public_valid(const unsigned char p[WEBPUSH_PUBLIC_LEN])
{
    if (p[0] != 0x04)
        return false;
    EVP_PKEY *pk = pkey_from(p, NULL);
    EVP_PKEY_free(pk);
    return pk != NULL;
}

/* ---- the key file --------------------------------------------------------------- */

static struct webpush_key *read_key(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read the VAPID key %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    char group[64] = "";
    if (pk == NULL || !EVP_PKEY_is_a(pk, "EC") ||
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) !=
            1 ||
        (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
        EVP_PKEY_free(pk);
        snprintf(err, errlen, "the VAPID key %s is not a P-256 private key in PEM", path);
        return NULL;
    }
    struct webpush_key *k = wrap(pk);
    if (k == NULL)
        snprintf(err, errlen, "the VAPID key %s has no usable public key", path);
    return k;
}

struct webpush_key *webpush_vapid_load(const char *path, char *err, size_t errlen)
{
    if (access(path, F_OK) == 0 || errno != ENOENT)
        return read_key(path, err, errlen);
    /* First start: a new key, written whole to a temporary file beside the
     * final one and linked into place, so a crash leaves no half key and
     * two servers starting at once end up with the same one. */
    struct webpush_key *k = webpush_key_generate();
    char tmp[1100];
    if (k == NULL || snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
        webpush_key_free(k);
        snprintf(err, errlen, "cannot make a VAPID key for %s", path);
        return NULL;
    }
    int fd = mkstemp(tmp); /* mode 0600 */
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool ok = f != NULL && PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
              fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (f != NULL)
        ok = fclose(f) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    if (ok && link(tmp, path) != 0) {
        saved = errno;
        ok = false;
    }
    if (fd >= 0)
        unlink(tmp);
    if (!ok && saved == EEXIST) { /* another server made it first: theirs it is */
        webpush_key_free(k);
        return read_key(path, err, errlen);
    }
    if (!ok) {
        webpush_key_free(k);
        snprintf(err, errlen, "cannot create the VAPID key %s: %s", path, strerror(saved));
        return NULL;
    }
    return k;
}

/* ---- RFC 8291 --------------------------------------------------------------------- */

static int hkdf(const unsigned char *salt, size_t salt_len, const unsigned char *ikm,
                size_t ikm_len, const void *info, size_t info_len, unsigned char *out,
                size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
        OSSL_PARAM_construct_end(),
    };
    int rc = kc != NULL && EVP_KDF_derive(kc, out, out_len, p) == 1 ? 0 : -1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return rc;
}

static int ecdh(const struct webpush_key *mine, EVP_PKEY *peer, unsigned char out[32])
{
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new_from_pkey(NULL, mine->pkey, NULL);
    size_t n = 32;
    int rc = dc != NULL && EVP_PKEY_derive_init(dc) == 1 &&
                     EVP_PKEY_derive_set_peer(dc, peer) == 1 && EVP_PKEY_derive(dc, out, &n) == 1 &&
                     n == 32
                 ? 0
                 : -1;
    EVP_PKEY_CTX_free(dc);
    return rc;
}

static int gcm_seal(const unsigned char key[16], const unsigned char nonce[12],
                    const unsigned char *text, size_t len, unsigned char *out)
{
    static const unsigned char last_delimiter = 0x02; /* RFC 8188: the last record */
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    int a = 0, b = 0, c = 0;
    int rc = cc != NULL && EVP_EncryptInit_ex(cc, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
                     EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
                     EVP_EncryptInit_ex(cc, NULL, NULL, key, nonce) == 1 &&
                     EVP_EncryptUpdate(cc, out, &a, text, (int)len) == 1 &&
                     EVP_EncryptUpdate(cc, out + a, &b, &last_delimiter, 1) == 1 &&
                     EVP_EncryptFinal_ex(cc, out + a + b, &c) == 1 &&
                     (size_t)a + (size_t)b + (size_t)c == len + 1 &&
                     EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, out + len + 1) == 1
                 ? 0
                 : -1;
    EVP_CIPHER_CTX_free(cc);
    return rc;
}

int webpush_encrypt(const unsigned char ua_public[WEBPUSH_PUBLIC_LEN],
                    const unsigned char auth[WEBPUSH_AUTH_LEN], const void *text, size_t len,
                    const struct webpush_key *sender, const unsigned char *salt, unsigned char *out,
                    size_t cap, size_t *outlen)
{
    if (len > WEBPUSH_PLAINTEXT_MAX || cap < WEBPUSH_HEADER_LEN + len + 17)
        return -1;
    EVP_PKEY *peer = ua_public[0] == 0x04 ? pkey_from(ua_public, NULL) : NULL;
    struct webpush_key *fresh = sender == NULL ? webpush_key_generate() : NULL;
    const struct webpush_key *as = sender != NULL ? sender : fresh;
    unsigned char secret[32], ikm[32], cek[16], nonce[12];
    /* key_info = "WebPush: info" 0x00 || ua_public || as_public */
    unsigned char key_info[14 + 2 * WEBPUSH_PUBLIC_LEN];
    int rc = -1;
    if (peer == NULL || as == NULL)
        goto out;
    /* the header: salt, rs, idlen, keyid = our public key */
    if (salt != NULL)
        memcpy(out, salt, WEBPUSH_SALT_LEN);
    else if (RAND_bytes(out, WEBPUSH_SALT_LEN) != 1)
        goto out;
    out[16] = (WEBPUSH_RECORD_SIZE >> 24) & 0xff;
    out[17] = (WEBPUSH_RECORD_SIZE >> 16) & 0xff;
    out[18] = (WEBPUSH_RECORD_SIZE >> 8) & 0xff;
    out[19] = WEBPUSH_RECORD_SIZE & 0xff;
    out[20] = WEBPUSH_PUBLIC_LEN;
    memcpy(out + 21, as->pub, WEBPUSH_PUBLIC_LEN);

    memcpy(key_info, "WebPush: info", 14); /* with its NUL */
    memcpy(key_info + 14, ua_public, WEBPUSH_PUBLIC_LEN);
    memcpy(key_info + 14 + WEBPUSH_PUBLIC_LEN, as->pub, WEBPUSH_PUBLIC_LEN);
    static const char cek_info[] = "Content-Encoding: aes128gcm"; /* sizeof counts the NUL */
    static const char nonce_info[] = "Content-Encoding: nonce";
    if (ecdh(as, peer, secret) != 0 ||
        hkdf(auth, WEBPUSH_AUTH_LEN, secret, sizeof secret, key_info, sizeof key_info, ikm,
             sizeof ikm) != 0 ||
        hkdf(out, WEBPUSH_SALT_LEN, ikm, sizeof ikm, cek_info, sizeof cek_info, cek, sizeof cek) !=
            0 ||
        hkdf(out, WEBPUSH_SALT_LEN, ikm, sizeof ikm, nonce_info, sizeof nonce_info, nonce,
             sizeof nonce) != 0 ||
        gcm_seal(cek, nonce, text, len, out + WEBPUSH_HEADER_LEN) != 0)
        goto out;
    *outlen = WEBPUSH_HEADER_LEN + len + 17;
    rc = 0;
out:
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(ikm, sizeof ikm);
    OPENSSL_cleanse(cek, sizeof cek);
    EVP_PKEY_free(peer);
    webpush_key_free(fresh);
    return rc;
}

/* ---- RFC 8292 ------------------------------------------------------------------------ */

void webpush_b64url(char *out, size_t cap, const unsigned char *bin, size_t len)
{
    sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int webpush_unb64url(const char *text, unsigned char *out, size_t len)
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, len, text, strlen(text), NULL, &got, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        got != len || *end != '\0')
        return -1;
    return 0;
}

/* The signing input (base64url header "." base64url claims) into out. */
static int jwt_input(const char *aud, int64_t exp, const char *sub, char *out, size_t cap)
{
    json_t *claims = json_pack("{s:s, s:I}", "aud", aud, "exp", (json_int_t)exp);
    if (claims != NULL && sub != NULL && sub[0] != '\0')
        json_object_set_new(claims, "sub", json_string(sub));
    char *text = claims != NULL ? json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(claims);
    if (text == NULL)
        return -1;
    static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
    size_t tl = strlen(text);
    size_t need =
        sodium_base64_ENCODED_LEN(sizeof header - 1, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
        sodium_base64_ENCODED_LEN(tl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (need + 90 > cap) {
        free(text);
        return -1;
    }
    webpush_b64url(out, cap, (const unsigned char *)header, sizeof header - 1);
    size_t n = strlen(out);
    out[n++] = '.';
    webpush_b64url(out + n, cap - n, (const unsigned char *)text, tl);
    free(text);
    return 0;
}

int webpush_vapid_jwt(const struct webpush_key *k, const char *aud, int64_t exp, const char *sub,
                      char *out, size_t cap)
{
    if (jwt_input(aud, exp, sub, out, cap) != 0)
        return -1;
    size_t n = strlen(out);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char der[128], raw[64];
    size_t der_len = sizeof der;
    ECDSA_SIG *sig = NULL;
    int rc = -1;
    if (m == NULL || EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(m, der, &der_len, (const unsigned char *)out, n) != 1)
        goto done;
    /* ES256 wants r || s, each 32 bytes; OpenSSL gives DER */
    const unsigned char *p = der;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    const BIGNUM *r = NULL, *s = NULL;
    if (sig == NULL)
        goto done;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32 ||
        n + 1 + sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > cap)
        goto done;
    out[n++] = '.';
    webpush_b64url(out + n, cap - n, raw, sizeof raw);
    rc = 0;
done:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(m);
    if (rc != 0)
        out[0] = '\0';
    return rc;
}

int webpush_jwt_verify(const unsigned char pub[WEBPUSH_PUBLIC_LEN], const char *jwt)
{
    const char *dot = strrchr(jwt, '.');
    unsigned char raw[64];
    if (dot == NULL || webpush_unb64url(dot + 1, raw, sizeof raw) != 0)
        return -1;
    EVP_PKEY *pk = pkey_from(pub, NULL);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char *der = NULL;
    int rc = -1;
    if (pk == NULL || sig == NULL || r == NULL || s == NULL || m == NULL ||
        ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        goto done;
    }
    int der_len = i2d_ECDSA_SIG(sig, &der);
    if (der_len > 0 && EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pk) == 1 &&
        EVP_DigestVerify(m, der, (size_t)der_len, (const unsigned char *)jwt,
                         (size_t)(dot - jwt)) == 1)
        rc = 0;
done:
    OPENSSL_free(der);
    EVP_MD_CTX_free(m);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(pk);
    return rc;
}

int webpush_origin(const char *url, char *out, size_t cap)
{
    size_t scheme;
    if (strncmp(url, "https://", 8) == 0)
        scheme = 8;
    else if (strncmp(url, "http://", 7) == 0)
        scheme = 7;
    else
        return -1;
    size_t host = strcspn(url + scheme, "/?#");
    if (host == 0 || memchr(url + scheme, '@', host) != NULL || scheme + host >= cap)
        return -1;
    memcpy(out, url, scheme + host);
    out[scheme + host] = '\0';
    return 0;
}
