/*
 * test_webpush.c — src/crypto/webpush.c: RFC 8291 Appendix A byte for byte
 * (fixed keys and salt give the RFC's exact message), a fresh message
 * opened again from the browser's side with OpenSSL directly, the VAPID
 * JWT of RFC 8292 signed and verified back (and refused once altered),
 * subscription keys checked, the key file made once and kept; and the
 * rules for a push endpoint (src/notify/push.c, pure).
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/webpush.h"
#include "notify/push.h"

/* RFC 8291, Appendix A (base64url as the RFC prints it). */
#define RFC_PLAINTEXT  "When I grow up, I want to be a watermelon"
#define RFC_AS_PRIVATE "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define RFC_AS_PUBLIC                                                                              \
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
#define RFC_UA_PRIVATE "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
#define RFC_UA_PUBLIC                                                                              \
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
#define RFC_AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define RFC_SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define RFC_BODY                                                                                   \
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS" \
    "6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"   \
    "Qulcy4a-fN"

static void unb64(const char *text, unsigned char *out, size_t len)
{
    assert_int_equal(webpush_unb64url(text, out, len), 0);
}

static void test_rfc8291_example(void **state)
{
    (void)state;
    unsigned char as_priv[32], as_pub[65], ua_pub[65], auth[16], salt[16], got_pub[65];
    unb64(RFC_AS_PRIVATE, as_priv, 32);
    unb64(RFC_AS_PUBLIC, as_pub, 65);
    unb64(RFC_UA_PUBLIC, ua_pub, 65);
    unb64(RFC_AUTH, auth, 16);
    unb64(RFC_SALT, salt, 16);
    struct webpush_key *as = webpush_key_from_private(as_priv);
    assert_non_null(as);
    webpush_key_public(as, got_pub);
    assert_memory_equal(got_pub, as_pub, 65);

    unsigned char body[256];
    size_t n = 0;
    assert_int_equal(webpush_encrypt(ua_pub, auth, RFC_PLAINTEXT, strlen(RFC_PLAINTEXT), as, salt,
                                     body, sizeof body, &n),
                     0);
    assert_int_equal(n, WEBPUSH_HEADER_LEN + strlen(RFC_PLAINTEXT) + 17);
    char text[400];
    webpush_b64url(text, sizeof text, body, n);
    assert_string_equal(text, RFC_BODY);

    /* one byte of the auth secret changed: another message */
    auth[0] ^= 1;
    assert_int_equal(webpush_encrypt(ua_pub, auth, RFC_PLAINTEXT, strlen(RFC_PLAINTEXT), as, salt,
                                     body, sizeof body, &n),
                     0);
    webpush_b64url(text, sizeof text, body, n);
    assert_string_not_equal(text, RFC_BODY);
    webpush_key_free(as);
}

/* The browser's side, written here with OpenSSL's primitives directly. */
static void hkdf(const unsigned char *salt, size_t sl, const unsigned char *ikm, size_t il,
                 const void *info, size_t nl, unsigned char *out, size_t ol)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_derive_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_hkdf_salt(c, salt, (int)sl), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_hkdf_key(c, ikm, (int)il), 1);
    assert_int_equal(EVP_PKEY_CTX_add1_hkdf_info(c, info, (int)nl), 1);
    assert_int_equal(EVP_PKEY_derive(c, out, &ol), 1);
    EVP_PKEY_CTX_free(c);
}

/* An EC public key from its point, for OpenSSL's own ECDH below. */
static EVP_PKEY *peer_key(const unsigned char pub[65])
{
    char group[] = "prime256v1";
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 65),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(c);
    return k;
}

static void test_fresh_message_opens(void **state)
{
    (void)state;
    /* the browser: a key pair made by OpenSSL here, and an auth secret */
    EVP_PKEY *ua = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ua);
    unsigned char ua_pub[65], auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t pl = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(ua, OSSL_PKEY_PARAM_PUB_KEY, ua_pub, sizeof ua_pub, &pl),
        1);
    assert_int_equal(pl, 65);
    const char *msg = "A moment for dyad, if you like.";
    unsigned char body[256], body2[256];
    size_t n = 0, n2 = 0;
    assert_int_equal(
        webpush_encrypt(ua_pub, auth, msg, strlen(msg), NULL, NULL, body, sizeof body, &n), 0);
    assert_int_equal(
        webpush_encrypt(ua_pub, auth, msg, strlen(msg), NULL, NULL, body2, sizeof body2, &n2), 0);
    /* a fresh key and salt each time */
    assert_memory_not_equal(body, body2, WEBPUSH_HEADER_LEN);
    assert_int_equal(body[16] << 24 | body[17] << 16 | body[18] << 8 | body[19], 4096);
    assert_int_equal(body[20], 65);

    /* open it as the browser would: ECDH with the key in the header, the
     * two HKDFs, AES-128-GCM, the 0x02 delimiter */
    unsigned char as_pub[65], secret[32];
    memcpy(as_pub, body + 21, 65);
    EVP_PKEY *as = peer_key(as_pub);
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new_from_pkey(NULL, ua, NULL);
    size_t sl = sizeof secret;
    assert_int_equal(EVP_PKEY_derive_init(dc), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(dc, as), 1);
    assert_int_equal(EVP_PKEY_derive(dc, secret, &sl), 1);
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(as);
    EVP_PKEY_free(ua);
    unsigned char key_info[14 + 130];
    memcpy(key_info, "WebPush: info", 14);
    memcpy(key_info + 14, ua_pub, 65);
    memcpy(key_info + 79, as_pub, 65);
    unsigned char ikm[32], cek[16], nonce[12];
    hkdf(auth, 16, secret, 32, key_info, sizeof key_info, ikm, 32);
    hkdf(body, 16, ikm, 32, "Content-Encoding: aes128gcm", 28, cek, 16);
    hkdf(body, 16, ikm, 32, "Content-Encoding: nonce", 24, nonce, 12);
    size_t clen = n - WEBPUSH_HEADER_LEN - 16;
    unsigned char plain[256];
    int a = 0, b = 0;
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_DecryptInit_ex(cc, EVP_aes_128_gcm(), NULL, cek, nonce), 1);
    assert_int_equal(EVP_DecryptUpdate(cc, plain, &a, body + WEBPUSH_HEADER_LEN, (int)clen), 1);
    assert_int_equal(
        EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_TAG, 16, body + WEBPUSH_HEADER_LEN + clen), 1);
    assert_int_equal(EVP_DecryptFinal_ex(cc, plain + a, &b), 1);
    EVP_CIPHER_CTX_free(cc);
    assert_int_equal((size_t)(a + b), strlen(msg) + 1);
    assert_int_equal(plain[strlen(msg)], 0x02);
    assert_memory_equal(plain, msg, strlen(msg));

    /* too long for one record, or not a point: refused */
    static char big[WEBPUSH_PLAINTEXT_MAX + 1];
    unsigned char out[WEBPUSH_RECORD_SIZE + 64];
    assert_int_equal(
        webpush_encrypt(ua_pub, auth, big, sizeof big, NULL, NULL, out, sizeof out, &n), -1);
    assert_int_equal(
        webpush_encrypt(ua_pub, auth, big, sizeof big - 1, NULL, NULL, out, sizeof out, &n), 0);
    assert_int_equal(n, WEBPUSH_RECORD_SIZE);
    ua_pub[64] ^= 1;
    assert_int_equal(
        webpush_encrypt(ua_pub, auth, msg, strlen(msg), NULL, NULL, out, sizeof out, &n), -1);
}

static void test_public_valid(void **state)
{
    (void)state;
    unsigned char p[65];
    unb64(RFC_UA_PUBLIC, p, 65);
    assert_true(webpush_public_valid(p));
    p[64] ^= 1; /* off the curve */
    assert_false(webpush_public_valid(p));
    p[64] ^= 1;
    p[0] = 0x02; /* compressed prefix: not what a subscription carries */
    assert_false(webpush_public_valid(p));
    memset(p, 0, sizeof p);
    p[0] = 0x04;
    assert_false(webpush_public_valid(p));
}

static json_t *jwt_part(const char *jwt, int index)
{
    char part[512];
    const char *p = jwt;
    for (int i = 0; i < index; i++)
        p = strchr(p, '.') + 1;
    size_t len = strcspn(p, ".");
    unsigned char bin[512];
    size_t got = 0;
    snprintf(part, sizeof part, "%.*s", (int)len, p);
    assert_int_equal(sodium_base642bin(bin, sizeof bin, part, len, NULL, &got, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    return json_loadb((const char *)bin, got, 0, NULL);
}

static void test_vapid_jwt(void **state)
{
    (void)state;
    struct webpush_key *k = webpush_key_generate();
    assert_non_null(k);
    unsigned char pub[65];
    webpush_key_public(k, pub);
    char jwt[WEBPUSH_JWT_MAX];
    assert_int_equal(webpush_vapid_jwt(k, "https://push.example.net", 1700000000,
                                       "mailto:ops@example.org", jwt, sizeof jwt),
                     0);
    assert_int_equal(webpush_jwt_verify(pub, jwt), 0);

    json_t *h = jwt_part(jwt, 0), *c = jwt_part(jwt, 1);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(c, "aud")), "https://push.example.net");
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1700000000);
    assert_string_equal(json_string_value(json_object_get(c, "sub")), "mailto:ops@example.org");
    json_decref(h);
    json_decref(c);
    /* the signature is r || s: 64 bytes, 86 characters */
    assert_int_equal(strlen(strrchr(jwt, '.') + 1), 86);

    /* another audience under the same signature: refused */
    char forged[WEBPUSH_JWT_MAX], other[WEBPUSH_JWT_MAX];
    assert_int_equal(webpush_vapid_jwt(k, "https://evil.example", 1700000000,
                                       "mailto:ops@example.org", other, sizeof other),
                     0);
    const char *sig = strrchr(jwt, '.');
    snprintf(forged, sizeof forged, "%.*s%s", (int)(strrchr(other, '.') - other), other, sig);
    assert_int_equal(webpush_jwt_verify(pub, forged), -1);
    /* another key: refused */
    struct webpush_key *k2 = webpush_key_generate();
    unsigned char pub2[65];
    webpush_key_public(k2, pub2);
    assert_int_equal(webpush_jwt_verify(pub2, jwt), -1);
    /* no sub: none in the claims */
    assert_int_equal(webpush_vapid_jwt(k, "http://127.0.0.1:9", 5, NULL, jwt, sizeof jwt), 0);
    c = jwt_part(jwt, 1);
    assert_null(json_object_get(c, "sub"));
    json_decref(c);
    /* too small a buffer: an error, not a cut token */
    assert_int_equal(webpush_vapid_jwt(k, "https://push.example.net", 5, NULL, jwt, 60), -1);
    webpush_key_free(k2);
    webpush_key_free(k);
}

static void test_key_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/dyad-webpush-XXXXXX", path[256], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/dyad.vapid", dir);
    struct webpush_key *a = webpush_vapid_load(path, err, sizeof err);
    assert_non_null(a);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct webpush_key *b = webpush_vapid_load(path, err, sizeof err);
    assert_non_null(b);
    unsigned char pa[65], pb[65];
    webpush_key_public(a, pa);
    webpush_key_public(b, pb);
    assert_memory_equal(pa, pb, 65); /* kept, not remade */
    webpush_key_free(a);
    webpush_key_free(b);

    FILE *f = fopen(path, "w");
    fputs("not a key\n", f);
    fclose(f);
    assert_null(webpush_vapid_load(path, err, sizeof err));
    assert_non_null(strstr(err, "not a P-256 private key"));
    unlink(path);
    /* no such directory: said, not crashed */
    snprintf(path, sizeof path, "%s/missing/dyad.vapid", dir);
    assert_null(webpush_vapid_load(path, err, sizeof err));
    assert_non_null(strstr(err, "cannot create"));
    rmdir(dir);
}

static void test_origin_and_b64(void **state)
{
    (void)state;
    char o[128];
    assert_int_equal(webpush_origin("https://fcm.googleapis.com/fcm/send/abc", o, sizeof o), 0);
    assert_string_equal(o, "https://fcm.googleapis.com");
    assert_int_equal(webpush_origin("http://127.0.0.1:4567/p/1?x", o, sizeof o), 0);
    assert_string_equal(o, "http://127.0.0.1:4567");
    assert_int_equal(webpush_origin("https://push.example", o, sizeof o), 0);
    assert_string_equal(o, "https://push.example");
    assert_int_equal(webpush_origin("https:///x", o, sizeof o), -1);
    assert_int_equal(webpush_origin("https://u@host/x", o, sizeof o), -1);
    assert_int_equal(webpush_origin("ftp://host/x", o, sizeof o), -1);
    assert_int_equal(webpush_origin("https://a-very-long-host.example/x", o, 10), -1);

    unsigned char b[16];
    assert_int_equal(webpush_unb64url(RFC_AUTH, b, 16), 0);
    assert_int_equal(webpush_unb64url(RFC_AUTH "==", b, 16), -1);            /* padding */
    assert_int_equal(webpush_unb64url("BTBZMqHH6r4Tts7J_aSI", b, 16), -1);   /* short */
    assert_int_equal(webpush_unb64url("BTBZMqHH6r4Tts7J+aSIgg", b, 16), -1); /* not url-safe */
}

static void test_endpoint_rules(void **state)
{
    (void)state;
    /* what real push services hand out */
    assert_null(push_endpoint_problem("https://fcm.googleapis.com/fcm/send/abc:APA91b", false));
    assert_null(
        push_endpoint_problem("https://updates.push.services.mozilla.com/wpush/v2/gAAA", false));
    assert_null(push_endpoint_problem("https://web.push.apple.com/QGuQ-Lu3o", false));
    assert_null(push_endpoint_problem("https://push.example:8443/x", false));
    /* http only on 127.0.0.1, and only with the test setting */
    assert_non_null(push_endpoint_problem("http://127.0.0.1:4000/p", false));
    assert_null(push_endpoint_problem("http://127.0.0.1:4000/p", true));
    assert_null(push_endpoint_problem("http://127.0.0.1/p", true));
    assert_non_null(push_endpoint_problem("http://127.0.0.1.example/p", true));
    assert_non_null(push_endpoint_problem("http://127.0.0.1:40x0/p", true));
    assert_non_null(push_endpoint_problem("http://push.example/p", true));
    /* addresses, this machine, user parts, other schemes, bad characters */
    const char *bad[] = {"https://10.0.0.1/x",
                         "https://[::1]/x",
                         "https://127.0.0.1/x",
                         "https://localhost/x",
                         "https://a.localhost/x",
                         "https://u@push.example/x",
                         "https:///x",
                         "ftp://push.example/x",
                         "https://push.example/a b",
                         "https://push.example/\"x",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_non_null(push_endpoint_problem(bad[i], true));
    char longest[STORE_PUSH_ENDPOINT_MAX + 1];
    memset(longest, 'a', sizeof longest - 1);
    memcpy(longest, "https://push.example/", 21);
    longest[STORE_PUSH_ENDPOINT_MAX - 1] = '\0';
    assert_null(push_endpoint_problem(longest, false)); /* 1023 characters */
    longest[STORE_PUSH_ENDPOINT_MAX - 1] = 'a';
    longest[STORE_PUSH_ENDPOINT_MAX] = '\0';
    assert_non_null(push_endpoint_problem(longest, false));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8291_example), cmocka_unit_test(test_fresh_message_opens),
        cmocka_unit_test(test_public_valid),    cmocka_unit_test(test_vapid_jwt),
        cmocka_unit_test(test_key_file),        cmocka_unit_test(test_origin_and_b64),
        cmocka_unit_test(test_endpoint_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
