/*
 * test_keys.c — src/crypto/keys.c against the known-answer vectors.
 *
 * tests/vectors/key-design.json is the shared reference set (computed with
 * libsodium.js, checked against Debian's libsodium); tests/vectors/dyad-extra.json
 * was made by our C code from fixed inputs (tests/vectors/gen_extra.c).
 * Every deterministic value is reproduced byte for byte; sealed boxes are
 * opened. tests/js/vectors.test.mjs runs the same checks on web/js/crypto.js.
 * The negative tests show that a flipped byte, a body moved to another record
 * or a bad recovery code is refused, never decoded into garbage.
 *
 * Run from the repository root (the vector paths are relative to it).
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"

#define SHARED_VECTORS "tests/vectors/key-design.json"
#define EXTRA_VECTORS  "tests/vectors/dyad-extra.json"
#define PIN_VECTORS    "tests/vectors/pin-unlock.json"

static json_t *shared;
static json_t *extra;

/* ---- reading the vectors ------------------------------------------------ */

static json_t *jobj(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL)
        fail_msg("vector field \"%s\" is missing", key);
    return v;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(jobj(o, key));

    if (s == NULL)
        fail_msg("vector field \"%s\" is not a string", key);
    return s;
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = jobj(o, key);

    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

/* Reads "<key>" holding exactly len bytes of hex into out. */
static void jhex(json_t *o, const char *key, unsigned char *out, size_t len)
{
    const char *hex = jstr(o, key);
    size_t got = 0;

    assert_int_equal(strlen(hex), len * 2);
    assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL), 0);
    assert_int_equal(got, len);
}

/* A member's keys from the seeds in the vector; personal from personal_key_hex if present. */
static void member_from(struct keys_user *u, json_t *m)
{
    unsigned char box_seed[32], sign_seed[32], personal[32];

    jhex(m, "box_seed_hex", box_seed, 32);
    jhex(m, "sign_seed_hex", sign_seed, 32);
    memset(personal, 0, sizeof personal);
    if (json_object_get(m, "personal_key_hex") != NULL)
        jhex(m, "personal_key_hex", personal, 32);
    assert_int_equal(keys_user_from_seeds(u, box_seed, sign_seed, personal), 0);
}

static void assert_hex_equal(const unsigned char *got, json_t *o, const char *key, size_t len)
{
    unsigned char want[128];

    assert_true(len <= sizeof want);
    jhex(o, key, want, len);
    assert_memory_equal(got, want, len);
}

static void assert_user_equal(const struct keys_user *a, const struct keys_user *b)
{
    assert_memory_equal(a->box_pk, b->box_pk, sizeof a->box_pk);
    assert_memory_equal(a->box_sk, b->box_sk, sizeof a->box_sk);
    assert_memory_equal(a->sign_pk, b->sign_pk, sizeof a->sign_pk);
    assert_memory_equal(a->sign_sk, b->sign_sk, sizeof a->sign_sk);
    assert_memory_equal(a->personal, b->personal, sizeof a->personal);
}

static void entry_meta(struct keys_entry_meta *m, json_t *e)
{
    m->dyad_id = jstr(e, "dyad_id");
    m->entry_id = jstr(e, "entry_id");
    m->author_id = jstr(e, "author_id");
    m->kind = jstr(e, "kind");
}

static int all_zero(const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        if (b[i] != 0)
            return 0;
    }
    return 1;
}

/* ---- shared reference vectors ------------------------------------------- */

static void check_kdf(json_t *kdf)
{
    const char *password = jstr(kdf, "password");
    unsigned char salt[16], master[32], auth[32], wrap[32];

    jhex(kdf, "kdf_salt_hex", salt, 16);
    assert_int_equal(keys_derive_master(master, password, strlen(password), salt,
                                        (unsigned long long)jint(kdf, "opslimit"),
                                        (size_t)jint(kdf, "memlimit")),
                     0);
    assert_hex_equal(master, kdf, "master_hex", 32);
    assert_int_equal(keys_derive_auth_wrap(auth, wrap, master), 0);
    assert_hex_equal(auth, kdf, "auth_key_hex", 32);
    assert_hex_equal(wrap, kdf, "wrap_key_hex", 32);
}

static void test_shared_kdf(void **state)
{
    (void)state;
    check_kdf(jobj(shared, "kdf"));
}

static void test_shared_member_keys(void **state)
{
    json_t *ma = jobj(shared, "member_a"), *mb = jobj(shared, "member_b");
    struct keys_user a, b;

    (void)state;
    member_from(&a, ma);
    assert_hex_equal(a.box_pk, ma, "box_public_key_hex", 32);
    assert_hex_equal(a.box_sk, ma, "box_secret_key_hex", 32);
    assert_hex_equal(a.sign_pk, ma, "sign_public_key_hex", 32);
    assert_hex_equal(a.sign_sk, ma, "sign_secret_key_hex", 64);
    assert_hex_equal(a.personal, ma, "personal_key_hex", 32);
    member_from(&b, mb);
    assert_hex_equal(b.box_pk, mb, "box_public_key_hex", 32);
    assert_hex_equal(b.box_sk, mb, "box_secret_key_hex", 32);
    assert_hex_equal(b.sign_pk, mb, "sign_public_key_hex", 32);
    keys_user_wipe(&a);
    keys_user_wipe(&b);
    assert_true(all_zero(&a, sizeof a));
}

static void test_shared_wrapped_keys(void **state)
{
    json_t *wk = jobj(shared, "wrapped_keys");
    unsigned char wrap[32], nonce[24];
    char out[KEYS_WRAPPED_SIZE];
    struct keys_user a, back;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    jhex(jobj(shared, "kdf"), "wrap_key_hex", wrap, 32);
    jhex(wk, "nonce_hex", nonce, 24);
    assert_string_equal(jstr(wk, "ad"), "dyadkeys|1");
    assert_int_equal(keys_wrap(out, sizeof out, &a, wrap, nonce), 0);
    assert_string_equal(out, jstr(wk, "base64"));
    assert_int_equal(keys_unwrap(&back, jstr(wk, "base64"), wrap), 0);
    assert_user_equal(&back, &a);
    /* a random nonce still unwraps */
    assert_int_equal(keys_wrap(out, sizeof out, &a, wrap, NULL), 0);
    assert_string_not_equal(out, jstr(wk, "base64"));
    assert_int_equal(keys_unwrap(&back, out, wrap), 0);
    assert_user_equal(&back, &a);
    /* one byte short of room */
    assert_int_equal(keys_wrap(out, KEYS_WRAPPED_SIZE - 1, &a, wrap, nonce), -1);
    assert_string_equal(out, "");
}

static void test_shared_recovery(void **state)
{
    json_t *r = jobj(shared, "recovery");
    unsigned char code[32], key[32], nonce[24], parsed[32];
    char out[KEYS_WRAPPED_SIZE], text[KEYS_RECOVERY_SIZE];
    struct keys_user a, back;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    jhex(r, "recovery_code_hex", code, 32);
    jhex(r, "nonce_hex", nonce, 24);
    assert_int_equal(keys_recovery_key(key, code), 0);
    assert_hex_equal(key, r, "recovery_key_hex", 32);
    assert_int_equal(keys_wrap(out, sizeof out, &a, key, nonce), 0);
    assert_string_equal(out, jstr(r, "base64"));
    assert_int_equal(keys_unwrap(&back, out, key), 0);
    assert_user_equal(&back, &a);
    /* the code as shown to a person parses back to the same bytes */
    assert_int_equal(keys_recovery_format(text, sizeof text, code), 0);
    assert_int_equal(strlen(text), 64);
    assert_int_equal(keys_recovery_parse(parsed, text), 0);
    assert_memory_equal(parsed, code, 32);
}

static void test_shared_pairing(void **state)
{
    json_t *p = jobj(shared, "pairing");
    unsigned char secret[32], h[32];
    char proof[KEYS_PROOF_SIZE], code[KEYS_SAFETY_CODE_SIZE];
    struct keys_user a, b;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    member_from(&b, jobj(shared, "member_b"));
    jhex(p, "invite_secret_hex", secret, 32);
    assert_int_equal(keys_proof(proof, sizeof proof, a.box_pk, a.sign_pk, secret), 0);
    assert_string_equal(proof, jstr(p, "key_proof_a_base64"));
    assert_int_equal(keys_proof(proof, sizeof proof, b.box_pk, b.sign_pk, secret), 0);
    assert_string_equal(proof, jstr(p, "key_proof_b_base64"));
    assert_int_equal(keys_proof_verify(jstr(p, "key_proof_a_base64"), a.box_pk, a.sign_pk, secret),
                     0);
    assert_int_equal(keys_proof_verify(jstr(p, "key_proof_b_base64"), b.box_pk, b.sign_pk, secret),
                     0);
    /* a proof does not vouch for other keys, nor under another secret */
    assert_int_equal(keys_proof_verify(jstr(p, "key_proof_a_base64"), b.box_pk, b.sign_pk, secret),
                     -1);
    assert_int_equal(keys_proof_verify(jstr(p, "key_proof_a_base64"), a.box_pk, b.sign_pk, secret),
                     -1);
    secret[0] ^= 1;
    assert_int_equal(keys_proof_verify(jstr(p, "key_proof_a_base64"), a.box_pk, a.sign_pk, secret),
                     -1);
    assert_int_equal(keys_proof_verify("not base64", a.box_pk, a.sign_pk, secret), -1);

    assert_int_equal(keys_safety_hash(h, a.box_pk, a.sign_pk, b.box_pk, b.sign_pk), 0);
    assert_hex_equal(h, p, "safety_hash_hex", 32);
    assert_int_equal(keys_safety_hash(h, b.box_pk, b.sign_pk, a.box_pk, a.sign_pk), 0);
    assert_hex_equal(h, p, "safety_hash_hex", 32);
    assert_int_equal(keys_safety_code(code, sizeof code, a.box_pk, a.sign_pk, b.box_pk, b.sign_pk),
                     0);
    assert_string_equal(code, jstr(p, "safety_code"));
    assert_int_equal(keys_safety_code(code, sizeof code, b.box_pk, b.sign_pk, a.box_pk, a.sign_pk),
                     0);
    assert_string_equal(code, jstr(p, "safety_code"));
}

static void test_shared_dyad_key(void **state)
{
    json_t *d = jobj(shared, "dyad_key");
    const char *sealed = jstr(d, "sealed_for_b_base64");
    const char *sig = jstr(d, "wrap_signature_by_a_base64");
    unsigned char k[32];
    unsigned char raw[KEYS_SEAL_OVERHEAD + 32];
    char tampered[KEYS_SEALED_KEY_SIZE];
    size_t raw_len = 0;
    struct keys_user a, b;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    member_from(&b, jobj(shared, "member_b"));
    assert_int_equal(keys_open_dyad_key(k, sealed, sig, a.sign_pk, b.box_pk, b.box_sk), 0);
    assert_hex_equal(k, d, "dyad_key_hex", 32);
    /* signed by someone else: refused before opening */
    assert_int_equal(keys_open_dyad_key(k, sealed, sig, b.sign_pk, b.box_pk, b.box_sk), -1);
    assert_true(all_zero(k, 32));
    /* not sealed to A */
    assert_int_equal(keys_open_dyad_key(k, sealed, sig, a.sign_pk, a.box_pk, a.box_sk), -1);
    assert_true(all_zero(k, 32));
    /* any flipped byte of the sealed key breaks the signature */
    assert_int_equal(keys_b64_decode(raw, sizeof raw, &raw_len, sealed), 0);
    assert_int_equal(raw_len, sizeof raw);
    for (size_t i = 0; i < raw_len; i++) {
        raw[i] ^= 0x20;
        assert_int_equal(keys_b64_encode(tampered, sizeof tampered, raw, raw_len), 0);
        assert_int_equal(keys_open_dyad_key(k, tampered, sig, a.sign_pk, b.box_pk, b.box_sk), -1);
        raw[i] ^= 0x20;
    }
}

/* Every entry of a vector file: ad, the exact body, and the text back. */
static void check_entries(json_t *entries, const unsigned char *dyad_key,
                          const unsigned char *personal_a, const unsigned char *personal_b)
{
    size_t i;
    json_t *e;

    assert_true(json_array_size(entries) > 0);
    json_array_foreach(entries, i, e)
    {
        struct keys_entry_meta meta;
        const unsigned char *key = dyad_key;
        const char *text = jstr(e, "text");
        const char *key_name = json_string_value(json_object_get(e, "key"));
        unsigned char nonce[24], raw[2048];
        char ad[256], body[4096], back[4096];
        size_t back_len = 99, raw_len = 0;

        entry_meta(&meta, e);
        /* The shared file names no key: a note is under the author's (A's)
         * personal key, everything else under K. */
        if (key_name == NULL)
            key_name = strcmp(meta.kind, "note") == 0 ? "personal_key_a" : "dyad_key";
        if (strcmp(key_name, "personal_key_a") == 0)
            key = personal_a;
        else if (strcmp(key_name, "personal_key_b") == 0)
            key = personal_b;
        else
            assert_string_equal(key_name, "dyad_key");
        assert_non_null(key);
        jhex(e, "nonce_hex", nonce, 24);
        assert_int_equal(keys_entry_ad(ad, sizeof ad, &meta), 0);
        assert_string_equal(ad, jstr(e, "ad"));
        assert_true(keys_entry_body_size(strlen(text)) <= sizeof body);
        assert_int_equal(
            keys_entry_encrypt(body, sizeof body, key, &meta, text, strlen(text), nonce), 0);
        assert_string_equal(body, jstr(e, "body"));
        /* the padded length the vector states is what is inside */
        assert_int_equal(keys_b64_decode(raw, sizeof raw, &raw_len, body), 0);
        assert_int_equal(raw_len - 24 - 16, jint(e, "padded_len"));
        assert_int_equal(keys_entry_decrypt(back, sizeof back, &back_len, key, &meta, body), 0);
        assert_int_equal(back_len, strlen(text));
        assert_string_equal(back, text);
    }
}

static void test_shared_entries(void **state)
{
    unsigned char k[32];
    struct keys_user a;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    jhex(jobj(shared, "dyad_key"), "dyad_key_hex", k, 32);
    check_entries(jobj(shared, "entries"), k, a.personal, NULL);
}

/* ---- extra vectors made by our C code ----------------------------------- */

static void test_extra_kdf_and_keys(void **state)
{
    json_t *wk = jobj(extra, "wrapped_keys");
    const char *names[] = {"member_a", "member_b", "therapist"};
    unsigned char wrap[32], nonce[24];
    char out[KEYS_WRAPPED_SIZE];
    struct keys_user u, b, back;

    (void)state;
    check_kdf(jobj(extra, "kdf"));
    for (size_t i = 0; i < 3; i++) {
        json_t *m = jobj(extra, names[i]);

        member_from(&u, m);
        assert_hex_equal(u.box_pk, m, "box_public_key_hex", 32);
        assert_hex_equal(u.box_sk, m, "box_secret_key_hex", 32);
        assert_hex_equal(u.sign_pk, m, "sign_public_key_hex", 32);
        assert_hex_equal(u.sign_sk, m, "sign_secret_key_hex", 64);
        assert_hex_equal(u.personal, m, "personal_key_hex", 32);
    }
    member_from(&b, jobj(extra, "member_b"));
    jhex(jobj(extra, "kdf"), "wrap_key_hex", wrap, 32);
    jhex(wk, "nonce_hex", nonce, 24);
    assert_int_equal(keys_wrap(out, sizeof out, &b, wrap, nonce), 0);
    assert_string_equal(out, jstr(wk, "base64"));
    assert_int_equal(keys_unwrap(&back, out, wrap), 0);
    assert_user_equal(&back, &b);
    keys_user_wipe(&u);
    keys_user_wipe(&b);
    keys_user_wipe(&back);
}

static void test_extra_recovery(void **state)
{
    json_t *r = jobj(extra, "recovery");
    json_t *c;
    size_t i;
    unsigned char code[32], key[32], parsed[32], nonce[24];
    char text[KEYS_RECOVERY_SIZE], out[KEYS_WRAPPED_SIZE];
    struct keys_user a, back;

    (void)state;
    json_array_foreach(jobj(r, "codes"), i, c)
    {
        jhex(c, "code_hex", code, 32);
        assert_int_equal(keys_recovery_format(text, sizeof text, code), 0);
        assert_string_equal(text, jstr(c, "formatted"));
        assert_int_equal(keys_recovery_parse(parsed, text), 0);
        assert_memory_equal(parsed, code, 32);
        assert_int_equal(keys_recovery_key(key, code), 0);
        assert_hex_equal(key, c, "recovery_key_hex", 32);
    }
    jhex(json_array_get(jobj(r, "codes"), 2), "code_hex", code, 32);
    json_array_foreach(jobj(r, "accepted_for_codes_2"), i, c)
    {
        memset(parsed, 0xee, sizeof parsed);
        assert_int_equal(keys_recovery_parse(parsed, json_string_value(c)), 0);
        assert_memory_equal(parsed, code, 32);
    }
    json_array_foreach(jobj(r, "rejected"), i, c)
    {
        memset(parsed, 0xee, sizeof parsed);
        if (keys_recovery_parse(parsed, json_string_value(c)) != -1)
            fail_msg("recovery code \"%s\" was accepted", json_string_value(c));
        assert_true(all_zero(parsed, 32));
    }
    assert_int_equal(keys_recovery_parse(parsed, NULL), -1);
    assert_int_equal(keys_recovery_format(text, KEYS_RECOVERY_SIZE - 1, code), -1);

    member_from(&a, jobj(extra, "member_a"));
    jhex(r, "nonce_hex", nonce, 24);
    assert_int_equal(keys_recovery_key(key, code), 0);
    assert_int_equal(keys_wrap(out, sizeof out, &a, key, nonce), 0);
    assert_string_equal(out, jstr(r, "base64"));
    assert_int_equal(keys_unwrap(&back, out, key), 0);
    assert_user_equal(&back, &a);
}

static void test_extra_pairing(void **state)
{
    json_t *p = jobj(extra, "pairing");
    unsigned char secret[32], back[32], h[32];
    char enc[KEYS_SECRET_SIZE], proof[KEYS_PROOF_SIZE], code[KEYS_SAFETY_CODE_SIZE];
    char id[KEYS_ENTRY_ID_SIZE];
    struct keys_user a, b, t;

    (void)state;
    member_from(&a, jobj(extra, "member_a"));
    member_from(&b, jobj(extra, "member_b"));
    member_from(&t, jobj(extra, "therapist"));
    jhex(p, "invite_secret_hex", secret, 32);
    assert_int_equal(keys_secret_encode(enc, sizeof enc, secret), 0);
    assert_string_equal(enc, jstr(p, "invite_secret_encoded"));
    assert_int_equal(keys_secret_decode(back, enc), 0);
    assert_memory_equal(back, secret, 32);
    /* padding, standard-alphabet characters and the wrong length are refused */
    assert_int_equal(keys_secret_decode(back, "-_z9_v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo="), -1);
    assert_int_equal(keys_secret_decode(back, "+/z9/v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo"), -1);
    assert_int_equal(keys_secret_decode(back, "-_z9_v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGR"), -1);
    assert_int_equal(keys_secret_decode(back, "-_z9_v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRp"), -1);
    assert_true(all_zero(back, 32));

    assert_int_equal(keys_proof(proof, sizeof proof, a.box_pk, a.sign_pk, secret), 0);
    assert_string_equal(proof, jstr(p, "key_proof_a_base64"));
    assert_int_equal(keys_proof(proof, sizeof proof, b.box_pk, b.sign_pk, secret), 0);
    assert_string_equal(proof, jstr(p, "key_proof_b_base64"));
    assert_int_equal(keys_proof_verify(proof, b.box_pk, b.sign_pk, secret), 0);

    assert_int_equal(keys_safety_hash(h, b.box_pk, b.sign_pk, a.box_pk, a.sign_pk), 0);
    assert_hex_equal(h, p, "safety_hash_ab_hex", 32);
    assert_int_equal(keys_safety_code(code, sizeof code, b.box_pk, b.sign_pk, a.box_pk, a.sign_pk),
                     0);
    assert_string_equal(code, jstr(p, "safety_code_ab"));
    assert_int_equal(keys_safety_hash(h, a.box_pk, a.sign_pk, t.box_pk, t.sign_pk), 0);
    assert_hex_equal(h, p, "safety_hash_at_hex", 32);
    assert_int_equal(keys_safety_hash(h, t.box_pk, t.sign_pk, a.box_pk, a.sign_pk), 0);
    assert_hex_equal(h, p, "safety_hash_at_hex", 32);
    assert_int_equal(keys_safety_code(code, sizeof code, t.box_pk, t.sign_pk, a.box_pk, a.sign_pk),
                     0);
    assert_string_equal(code, jstr(p, "safety_code_at"));

    assert_int_equal(keys_entry_id_new(id, sizeof id), 0);
    assert_int_equal(strlen(id), 22);
    assert_int_equal(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     22);
}

static void test_extra_dyad_key(void **state)
{
    json_t *d = jobj(extra, "dyad_key");
    unsigned char k[32];
    char wrapped[KEYS_SEALED_KEY_SIZE], sig[KEYS_SIGNATURE_SIZE];
    struct keys_user a, b;

    (void)state;
    member_from(&a, jobj(extra, "member_a"));
    member_from(&b, jobj(extra, "member_b"));
    assert_int_equal(keys_open_dyad_key(k, jstr(d, "sealed_for_a_base64"),
                                        jstr(d, "wrap_signature_by_b_base64"), b.sign_pk, a.box_pk,
                                        a.box_sk),
                     0);
    assert_hex_equal(k, d, "dyad_key_hex", 32);
    assert_int_equal(keys_open_dyad_key(k, jstr(d, "sealed_for_b_base64"),
                                        jstr(d, "wrap_signature_by_a_base64"), a.sign_pk, b.box_pk,
                                        b.box_sk),
                     0);
    assert_hex_equal(k, d, "dyad_key_hex", 32);
    /* a signature over one wrap does not cover another */
    assert_int_equal(keys_open_dyad_key(k, jstr(d, "sealed_for_b_base64"),
                                        jstr(d, "wrap_signature_by_b_base64"), b.sign_pk, b.box_pk,
                                        b.box_sk),
                     -1);
    assert_true(all_zero(k, 32));
    /* a fresh wrap round-trips */
    jhex(d, "dyad_key_hex", k, 32);
    assert_int_equal(
        keys_seal_dyad_key(wrapped, sizeof wrapped, sig, sizeof sig, k, b.box_pk, a.sign_sk), 0);
    assert_int_equal(keys_open_dyad_key(k, wrapped, sig, a.sign_pk, b.box_pk, b.box_sk), 0);
    assert_hex_equal(k, d, "dyad_key_hex", 32);
}

static void test_extra_entries(void **state)
{
    unsigned char k[32];
    struct keys_user a, b;

    (void)state;
    member_from(&a, jobj(extra, "member_a"));
    member_from(&b, jobj(extra, "member_b"));
    jhex(jobj(extra, "dyad_key"), "dyad_key_hex", k, 32);
    check_entries(jobj(extra, "entries"), k, a.personal, b.personal);
}

static void test_extra_sealed_to_therapist(void **state)
{
    json_t *s;
    size_t i;
    char text[4096], sealed[4096];
    size_t len = 0;
    struct keys_user t, a;

    (void)state;
    member_from(&t, jobj(extra, "therapist"));
    member_from(&a, jobj(extra, "member_a"));
    json_array_foreach(jobj(extra, "sealed_to_therapist"), i, s)
    {
        const char *b64 = jstr(s, "sealed_base64");
        const char *want = jstr(s, "text");

        assert_int_equal(keys_open_text(text, sizeof text, &len, b64, t.box_pk, t.box_sk), 0);
        assert_int_equal(len, strlen(want));
        assert_string_equal(text, want);
        /* sealed to the therapist only */
        assert_int_equal(keys_open_text(text, sizeof text, &len, b64, a.box_pk, a.box_sk), -1);
        assert_string_equal(text, "");
        /* and a fresh seal opens too */
        assert_int_equal(keys_seal_text(sealed, sizeof sealed, want, strlen(want), t.box_pk), 0);
        assert_string_not_equal(sealed, b64);
        assert_int_equal(keys_open_text(text, sizeof text, &len, sealed, t.box_pk, t.box_sk), 0);
        assert_string_equal(text, want);
    }
}

/* ---- negative tests ----------------------------------------------------- */

static void assert_decrypt_fails(const unsigned char *key, const struct keys_entry_meta *meta,
                                 const char *body)
{
    char text[4096];
    size_t len = 7;

    memset(text, 'x', sizeof text);
    if (keys_entry_decrypt(text, sizeof text, &len, key, meta, body) != -1)
        fail_msg("decryption of a bad body succeeded: \"%s\"", text);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
}

static void test_entry_tamper(void **state)
{
    json_t *files[2] = {shared, extra};
    unsigned char k[32];

    (void)state;
    for (size_t f = 0; f < 2; f++) {
        json_t *entries = jobj(files[f], "entries");
        json_t *e;
        size_t i;

        jhex(jobj(files[f], "dyad_key"), "dyad_key_hex", k, 32);
        json_array_foreach(entries, i, e)
        {
            struct keys_entry_meta meta, other;
            const char *body = jstr(e, "body");
            unsigned char raw[1024], wrong[32];
            char changed[2048];
            size_t raw_len = 0, j;
            json_t *o;

            if (strcmp(jstr(e, "kind"), "note") == 0)
                continue; /* notes use a personal key; covered by check_entries */
            entry_meta(&meta, e);
            assert_int_equal(keys_b64_decode(raw, sizeof raw, &raw_len, body), 0);
            /* a flipped bit anywhere: nonce, ciphertext or tag */
            for (j = 0; j < raw_len; j++) {
                raw[j] ^= 0x01;
                assert_int_equal(keys_b64_encode(changed, sizeof changed, raw, raw_len), 0);
                assert_decrypt_fails(k, &meta, changed);
                raw[j] ^= 0x01;
            }
            /* cut short, or with bytes added */
            assert_int_equal(keys_b64_encode(changed, sizeof changed, raw, raw_len - 1), 0);
            assert_decrypt_fails(k, &meta, changed);
            assert_int_equal(keys_b64_encode(changed, sizeof changed, raw, raw_len - 16), 0);
            assert_decrypt_fails(k, &meta, changed);
            raw[raw_len] = 0;
            assert_int_equal(keys_b64_encode(changed, sizeof changed, raw, raw_len + 1), 0);
            assert_decrypt_fails(k, &meta, changed);
            /* moved to another record: every other entry's ad */
            json_array_foreach(entries, j, o)
            {
                if (j == i)
                    continue;
                entry_meta(&other, o);
                assert_decrypt_fails(k, &other, body);
            }
            /* each field of the ad changed on its own */
            other = meta;
            other.dyad_id = "d-0002";
            assert_decrypt_fails(k, &other, body);
            other = meta;
            other.entry_id = "AAECAwQFBgcICQoLDA0OEA";
            assert_decrypt_fails(k, &other, body);
            other = meta;
            other.author_id = strcmp(meta.author_id, "u-000a") == 0 ? "u-000b" : "u-000a";
            assert_decrypt_fails(k, &other, body);
            other = meta;
            other.kind = strcmp(meta.kind, "share") == 0 ? "response" : "share";
            assert_decrypt_fails(k, &other, body);
            other.kind = "note";
            assert_decrypt_fails(k, &other, body);
            /* the wrong key */
            memcpy(wrong, k, 32);
            wrong[31] ^= 0x80;
            assert_decrypt_fails(wrong, &meta, body);
            /* not base64, or not its canonical spelling */
            assert_decrypt_fails(k, &meta, "");
            assert_decrypt_fails(k, &meta, "!!!!");
            snprintf(changed, sizeof changed, "%s ", body);
            assert_decrypt_fails(k, &meta, changed);
            snprintf(changed, sizeof changed, "\n%s", body);
            assert_decrypt_fails(k, &meta, changed);
            snprintf(changed, sizeof changed, "%s====", body);
            assert_decrypt_fails(k, &meta, changed);
            snprintf(changed, sizeof changed, "%s", body);
            while (strlen(changed) > 0 && changed[strlen(changed) - 1] == '=')
                changed[strlen(changed) - 1] = '\0';
            if (strcmp(changed, body) != 0)
                assert_decrypt_fails(k, &meta, changed);
        }
    }
}

static void test_entry_never_garbage(void **state)
{
    unsigned char k[32], nonce[24], padded[64], raw[24 + 64 + 16];
    struct keys_entry_meta meta = {"d-1", "e-1", "u-1", "share"};
    char ad[128], body[256], text[256];
    size_t len = 0;

    (void)state;
    memset(k, 7, sizeof k);
    memset(nonce, 9, sizeof nonce);
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &meta), 0);
    /* authentic ciphertext of invalid UTF-8 (an overlong '/') with valid padding */
    memset(padded, 0, sizeof padded);
    padded[0] = 0xc0;
    padded[1] = 0xaf;
    padded[2] = 0x80;
    memcpy(raw, nonce, 24);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(raw + 24, NULL, padded, 64,
                                                                (unsigned char *)ad, strlen(ad),
                                                                NULL, nonce, k),
                     0);
    assert_int_equal(keys_b64_encode(body, sizeof body, raw, sizeof raw), 0);
    assert_decrypt_fails(k, &meta, body);
    /* authentic ciphertext without the 0x80 padding marker */
    memset(padded, 'a', sizeof padded);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(raw + 24, NULL, padded, 64,
                                                                (unsigned char *)ad, strlen(ad),
                                                                NULL, nonce, k),
                     0);
    assert_int_equal(keys_b64_encode(body, sizeof body, raw, sizeof raw), 0);
    assert_decrypt_fails(k, &meta, body);
    /* invalid UTF-8 is refused on the way in as well */
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &meta, "\xc0\xaf", 2, nonce), -1);
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &meta, "\xed\xa0\x80", 3, nonce), -1);
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &meta, "\xf4\x90\x80\x80", 4, nonce),
                     -1);
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &meta, "\xe2\x82", 2, nonce), -1);
    /* a text buffer one byte too small is refused, not truncated */
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &meta, "hello", 5, nonce), 0);
    assert_int_equal(keys_entry_decrypt(text, 5, &len, k, &meta, body), -1);
    assert_int_equal(keys_entry_decrypt(text, 6, &len, k, &meta, body), 0);
    assert_string_equal(text, "hello");
    assert_int_equal(len, 5);
    /* an output buffer too small for the body */
    assert_true(keys_entry_body_size(5) >= KEYS_B64_SIZE(24 + 64 + 16));
    assert_int_equal(
        keys_entry_encrypt(body, KEYS_B64_SIZE(24 + 64 + 16), k, &meta, "hello", 5, nonce), 0);
    assert_int_equal(
        keys_entry_encrypt(body, KEYS_B64_SIZE(24 + 64 + 16) - 1, k, &meta, "hello", 5, nonce), -1);
    assert_string_equal(body, "");
}

static void test_entry_ad_fields(void **state)
{
    char ad[128];
    struct keys_entry_meta ok = {"d-1", "2026-03-01", "u-1", "note"};
    struct keys_entry_meta m;

    (void)state;
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &ok), 0);
    assert_string_equal(ad, "dyad|d-1|2026-03-01|u-1|note|1");
    assert_int_equal(keys_entry_ad(ad, strlen("dyad|d-1|2026-03-01|u-1|note|1"), &ok), -1);
    m = ok;
    m.dyad_id = "d|1";
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    m = ok;
    m.entry_id = "";
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    m = ok;
    m.author_id = "u 1";
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    m = ok;
    m.author_id = "\xc3\xa9";
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    m = ok;
    m.kind = "checkin";
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    m = ok;
    m.kind = NULL;
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), -1);
    assert_int_equal(keys_entry_ad(ad, sizeof ad, NULL), -1);
}

static void test_entry_ad_longest(void **state)
{
    char id[KEYS_AD_MAX + 2], ad[KEYS_AD_MAX + 2], body[2048], text[64];
    const size_t fixed = strlen("dyad|d-1||u-1|note|1");
    struct keys_entry_meta m = {"d-1", id, "u-1", "note"};
    unsigned char k[32] = {0};

    (void)state;
    memset(id, 'e', KEYS_AD_MAX - fixed);
    id[KEYS_AD_MAX - fixed] = '\0';
    assert_int_equal(keys_entry_ad(ad, sizeof ad, &m), 0);
    assert_int_equal(strlen(ad), KEYS_AD_MAX);
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &m, "hi", 2, NULL), 0);
    assert_int_equal(keys_entry_decrypt(text, sizeof text, NULL, k, &m, body), 0);
    assert_string_equal(text, "hi");
    strcat(id, "e");
    assert_int_equal(keys_entry_encrypt(body, sizeof body, k, &m, "hi", 2, NULL), -1);
}

static void test_unwrap_refuses(void **state)
{
    json_t *wk = jobj(shared, "wrapped_keys");
    unsigned char wrap[32], nonce[24], raw[24 + 128 + 16];
    char out[KEYS_WRAPPED_SIZE];
    size_t raw_len = 0;
    struct keys_user a, back, bad;

    (void)state;
    member_from(&a, jobj(shared, "member_a"));
    jhex(jobj(shared, "kdf"), "wrap_key_hex", wrap, 32);
    jhex(wk, "nonce_hex", nonce, 24);
    /* the wrong wrap key (a wrong password) */
    wrap[0] ^= 1;
    memset(&back, 0xee, sizeof back);
    assert_int_equal(keys_unwrap(&back, jstr(wk, "base64"), wrap), -1);
    assert_true(all_zero(&back, sizeof back));
    wrap[0] ^= 1;
    /* any flipped byte */
    assert_int_equal(keys_b64_decode(raw, sizeof raw, &raw_len, jstr(wk, "base64")), 0);
    assert_int_equal(raw_len, sizeof raw);
    for (size_t i = 0; i < raw_len; i++) {
        raw[i] ^= 0x04;
        assert_int_equal(keys_b64_encode(out, sizeof out, raw, raw_len), 0);
        assert_int_equal(keys_unwrap(&back, out, wrap), -1);
        raw[i] ^= 0x04;
    }
    /* the wrong length */
    assert_int_equal(keys_b64_encode(out, sizeof out, raw, raw_len - 3), 0);
    assert_int_equal(keys_unwrap(&back, out, wrap), -1);
    /* a signing key whose public half does not match its seed */
    bad = a;
    bad.sign_sk[63] ^= 1;
    assert_int_equal(keys_wrap(out, sizeof out, &bad, wrap, nonce), 0);
    assert_int_equal(keys_unwrap(&back, out, wrap), -1);
    assert_true(all_zero(&back, sizeof back));
}

static void test_kdf_refuses_weak_params(void **state)
{
    json_t *r;
    size_t i;
    unsigned char master[32], salt[16] = {0};

    (void)state;
    json_array_foreach(jobj(extra, "kdf_refused"), i, r)
    {
        unsigned long long ops = (unsigned long long)jint(r, "opslimit");
        size_t mem = (size_t)jint(r, "memlimit");

        if (strcmp(jstr(r, "alg"), "argon2id13") != 0)
            continue; /* the C API has no algorithm choice to refuse */
        assert_int_equal(keys_kdf_params_check(ops, mem), -1);
        memset(master, 0xee, sizeof master);
        assert_int_equal(keys_derive_master(master, "pw", 2, salt, ops, mem), -1);
        assert_true(all_zero(master, 32));
    }
    assert_int_equal(keys_kdf_params_check(KEYS_KDF_OPSLIMIT, KEYS_KDF_MEMLIMIT), 0);
    assert_int_equal(keys_kdf_params_check(4, 128UL * 1024 * 1024), 0);
}

static void test_base64_strict(void **state)
{
    unsigned char bin[16];
    size_t len = 0;
    char out[8];
    static const char *const bad[] = {"AAB=",  "AB==",     "A",     "AA",    "AAA",
                                      "AA=",   "A===",     "AAAA ", " AAAA", "AA\nAA",
                                      "AAAA=", "AA==AA==", "-_AA",  "AA.A"};

    (void)state;
    assert_int_equal(keys_b64_decode(bin, sizeof bin, &len, "AAAA"), 0);
    assert_int_equal(len, 3);
    assert_int_equal(keys_b64_decode(bin, sizeof bin, &len, "AA=="), 0);
    assert_int_equal(len, 1);
    assert_int_equal(keys_b64_decode(bin, sizeof bin, &len, ""), 0);
    assert_int_equal(len, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (keys_b64_decode(bin, sizeof bin, &len, bad[i]) != -1)
            fail_msg("base64 \"%s\" was accepted", bad[i]);
    }
    /* decodes to more than fits */
    assert_int_equal(keys_b64_decode(bin, 2, &len, "AAAA"), -1);
    assert_int_equal(keys_b64_encode(out, sizeof out, (const unsigned char *)"\xfb\xff", 2), 0);
    assert_string_equal(out, "+/8=");
    assert_int_equal(keys_b64_encode(out, 4, (const unsigned char *)"\xfb\xff", 2), -1);
}

static void test_generated_keys_round_trip(void **state)
{
    struct keys_user u, back;
    unsigned char wrap[32], k[32];
    char wrapped[KEYS_WRAPPED_SIZE], sealed[KEYS_SEALED_KEY_SIZE], sig[KEYS_SIGNATURE_SIZE];

    (void)state;
    assert_int_equal(keys_user_generate(&u), 0);
    randombytes_buf(wrap, sizeof wrap);
    randombytes_buf(k, sizeof k);
    assert_int_equal(keys_wrap(wrapped, sizeof wrapped, &u, wrap, NULL), 0);
    assert_int_equal(keys_unwrap(&back, wrapped, wrap), 0);
    assert_user_equal(&back, &u);
    assert_int_equal(
        keys_seal_dyad_key(sealed, sizeof sealed, sig, sizeof sig, k, u.box_pk, u.sign_sk), 0);
    memset(wrap, 0, sizeof wrap);
    assert_int_equal(keys_open_dyad_key(wrap, sealed, sig, u.sign_pk, u.box_pk, u.box_sk), 0);
    assert_memory_equal(wrap, k, 32);
    keys_user_wipe(&u);
    keys_user_wipe(&back);
}

/* ---- runner ------------------------------------------------------------- */

static void test_therapist_fingerprint(void **state)
{
    (void)state;
    json_t *m = jobj(shared, "member_a");
    unsigned char box_pk[32], sign_pk[32];
    jhex(m, "box_public_key_hex", box_pk, 32);
    jhex(m, "sign_public_key_hex", sign_pk, 32);
    char fp[KEYS_FINGERPRINT_SIZE];
    assert_int_equal(keys_therapist_fingerprint(fp, sizeof fp, box_pk, sign_pk), 0);
    assert_string_equal(fp, jstr(jobj(extra, "therapist_fingerprint"), "fingerprint"));
    sign_pk[0] ^= 1;
    assert_int_equal(keys_therapist_fingerprint(fp, sizeof fp, box_pk, sign_pk), 0);
    assert_string_not_equal(fp, jstr(jobj(extra, "therapist_fingerprint"), "fingerprint"));
    assert_int_equal(keys_therapist_fingerprint(fp, 16, box_pk, sign_pk), -1);
}

static int load_vectors(void **state)
{
    json_error_t err;

    (void)state;
    if (sodium_init() < 0)
        return -1;
    shared = json_load_file(SHARED_VECTORS, 0, &err);
    if (shared == NULL) {
        fprintf(stderr, "test_keys: %s:%d: %s (run from the repository root)\n", SHARED_VECTORS,
                err.line, err.text);
        return -1;
    }
    extra = json_load_file(EXTRA_VECTORS, 0, &err);
    if (extra == NULL) {
        fprintf(stderr, "test_keys: %s:%d: %s (run from the repository root)\n", EXTRA_VECTORS,
                err.line, err.text);
        return -1;
    }
    return 0;
}

/* ---- PIN unlock of one's own browser -------------------------------------- */

/* tests/vectors/pin-unlock.json, made with libsodium.js, reproduced here with
 * Debian's libsodium: the browser's side step by step, and the server's
 * verifier and device value through dcrypto_keyed_hash2 (src/crypto). */
static void test_pin_unlock(void **state)
{
    (void)state;
    json_error_t err;
    json_t *v = json_load_file(PIN_VECTORS, 0, &err);
    if (v == NULL)
        fail_msg("%s:%d: %s", PIN_VECTORS, err.line, err.text);
    unsigned char salt[16], want[32], got[32], pin_key[32], proof[32], base[32], value[32];
    unsigned char wrap[32], secret[32], seed[32];
    const char *pin = jstr(v, "pin");
    jhex(v, "pin_salt_hex", salt, 16);
    assert_int_equal(jint(v, "opslimit"), crypto_pwhash_OPSLIMIT_INTERACTIVE);
    assert_int_equal(jint(v, "memlimit"), crypto_pwhash_MEMLIMIT_INTERACTIVE);
    assert_int_equal(
        crypto_pwhash(pin_key, 32, pin, strlen(pin), salt, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                      crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13),
        0);
    jhex(v, "pin_key_hex", want, 32);
    assert_memory_equal(pin_key, want, 32);
    crypto_kdf_derive_from_key(proof, 32, 1, "dyad_pin", pin_key);
    jhex(v, "proof_hex", want, 32);
    assert_memory_equal(proof, want, 32);
    jhex(v, "wrong_proof_hex", want, 32);
    assert_memory_not_equal(proof, want, 32);

    const char *id = jstr(v, "device_id");
    jhex(v, "server_secret_hex", secret, 32);
    jhex(v, "seed_hex", seed, 32);
    dcrypto_keyed_hash2(secret, "dyad device verifier", id, strlen(id), proof, 32, got);
    jhex(v, "verifier_hex", want, 32);
    assert_memory_equal(got, want, 32);
    dcrypto_keyed_hash2(secret, "dyad device value", id, strlen(id), seed, 32, value);
    jhex(v, "device_value_hex", want, 32);
    assert_memory_equal(value, want, 32);

    crypto_kdf_derive_from_key(base, 32, 2, "dyad_pin", pin_key);
    crypto_generichash(wrap, 32, value, 32, base, 32);
    jhex(v, "wrap_key_hex", want, 32);
    assert_memory_equal(wrap, want, 32);

    char ad[256];
    snprintf(ad, sizeof ad, "dyadpin|%s|%s|1", id, jstr(v, "user_id"));
    assert_string_equal(ad, jstr(v, "ad"));
    const char *b64 = jstr(v, "sealed_base64");
    unsigned char sealed[24 + 128 + 16], plain[128];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(sealed, sizeof sealed, b64, strlen(b64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, sizeof sealed);
    unsigned long long plen = 0;
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, sealed + 24,
                                                                n - 24, (const unsigned char *)ad,
                                                                strlen(ad), sealed, wrap),
                     0);
    assert_int_equal(plen, 128);
    json_t *a = jobj(shared, "member_a");
    jhex(a, "box_secret_key_hex", want, 32);
    assert_memory_equal(plain, want, 32);
    unsigned char sign_sk[64];
    jhex(a, "sign_secret_key_hex", sign_sk, 64);
    assert_memory_equal(plain + 32, sign_sk, 64);
    jhex(a, "personal_key_hex", want, 32);
    assert_memory_equal(plain + 96, want, 32);

    /* Without the device value (or with another device's id in the ad) the
     * sealed keys do not open. */
    crypto_generichash(wrap, 32, seed, 32, base, 32);
    assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                             plain, &plen, NULL, sealed + 24, n - 24, (const unsigned char *)ad,
                             strlen(ad), sealed, wrap),
                         0);
    json_decref(v);
}

static int free_vectors(void **state)
{
    (void)state;
    json_decref(shared);
    json_decref(extra);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_kdf),         cmocka_unit_test(test_therapist_fingerprint),
        cmocka_unit_test(test_shared_member_keys), cmocka_unit_test(test_shared_wrapped_keys),
        cmocka_unit_test(test_shared_recovery),    cmocka_unit_test(test_shared_pairing),
        cmocka_unit_test(test_shared_dyad_key),    cmocka_unit_test(test_shared_entries),
        cmocka_unit_test(test_extra_kdf_and_keys), cmocka_unit_test(test_extra_recovery),
        cmocka_unit_test(test_extra_pairing),      cmocka_unit_test(test_extra_dyad_key),
        cmocka_unit_test(test_extra_entries),      cmocka_unit_test(test_extra_sealed_to_therapist),
        cmocka_unit_test(test_entry_tamper),       cmocka_unit_test(test_entry_never_garbage),
        cmocka_unit_test(test_entry_ad_fields),    cmocka_unit_test(test_entry_ad_longest),
        cmocka_unit_test(test_unwrap_refuses),     cmocka_unit_test(test_kdf_refuses_weak_params),
        cmocka_unit_test(test_base64_strict),      cmocka_unit_test(test_generated_keys_round_trip),
        cmocka_unit_test(test_pin_unlock),
    };

    return cmocka_run_group_tests_name("keys", tests, load_vectors, free_vectors);
}
