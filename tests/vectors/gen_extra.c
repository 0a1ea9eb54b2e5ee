/*
 * gen_extra.c — writes tests/vectors/dyad-extra.json: vectors made by our C
 * code (src/crypto/keys.c) from fixed inputs, beyond the shared reference set.
 * Both tests/unit/test_keys.c and tests/js/vectors.test.mjs must reproduce
 * them, so the C and JavaScript sides are pinned to each other.
 *
 * Not built by make. From the repository root:
 *
 *   cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -o /tmp/gen_extra \
 *       tests/vectors/gen_extra.c src/crypto/keys.c -lsodium -ljansson &&
 *   /tmp/gen_extra > tests/vectors/dyad-extra.json
 *
 * Everything is deterministic except the sealed boxes (crypto_box_seal uses
 * a fresh ephemeral key): a re-run changes those values, which the tests open
 * rather than reproduce. Regenerate only when the construction changes, and
 * say why in the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/keys.h"

static void die(const char *what)
{
    fprintf(stderr, "gen_extra: %s failed\n", what);
    exit(1);
}

/* bytes b, b+1, b+2, … (mod 256) */
static void fill_seq(unsigned char *out, size_t len, unsigned start)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(start + i);
}

static void set_hex(json_t *obj, const char *key, const unsigned char *bin, size_t len)
{
    char *hex = malloc(len * 2 + 1);

    if (hex == NULL)
        die("malloc");
    sodium_bin2hex(hex, len * 2 + 1, bin, len);
    json_object_set_new(obj, key, json_string(hex));
    free(hex);
}

static void set_str(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, json_string(value));
}

static void set_int(json_t *obj, const char *key, json_int_t value)
{
    json_object_set_new(obj, key, json_integer(value));
}

static void set_user_keys(json_t *o, const struct keys_user *u)
{
    set_hex(o, "box_public_key_hex", u->box_pk, sizeof u->box_pk);
    set_hex(o, "box_secret_key_hex", u->box_sk, sizeof u->box_sk);
    set_hex(o, "sign_public_key_hex", u->sign_pk, sizeof u->sign_pk);
    set_hex(o, "sign_secret_key_hex", u->sign_sk, sizeof u->sign_sk);
    set_hex(o, "personal_key_hex", u->personal, sizeof u->personal);
}

static void user_from(struct keys_user *u, json_t *o, unsigned box, unsigned sign,
                      unsigned personal)
{
    unsigned char box_seed[32], sign_seed[32], pers[32];

    memset(box_seed, (int)box, sizeof box_seed);
    memset(sign_seed, (int)sign, sizeof sign_seed);
    memset(pers, (int)personal, sizeof pers);
    if (keys_user_from_seeds(u, box_seed, sign_seed, pers) != 0)
        die("keys_user_from_seeds");
    set_hex(o, "box_seed_hex", box_seed, sizeof box_seed);
    set_hex(o, "sign_seed_hex", sign_seed, sizeof sign_seed);
}

struct entry_case {
    const char *dyad_id, *entry_id, *author_id, *kind, *key_name, *text;
    unsigned nonce_start;
};

int main(void)
{
    json_t *root, *o, *arr;
    unsigned char salt[16], master[32], auth[32], wrap[32], nonce[24];
    unsigned char secret[32], k[32], h[32], code[32], rkey[32], id[16];
    struct keys_user a, b, t;
    char buf[4096];
    char wrapped[KEYS_SEALED_KEY_SIZE], sig[KEYS_SIGNATURE_SIZE];
    const char *password = "p\xc3\xa4sswort \xe2\x80\x94 \xf0\x9f\x94\x91 mot de passe";

    if (sodium_init() < 0)
        die("sodium_init");
    root = json_object();
    set_str(root, "about",
            "Extra vectors made by dyad's C code (tests/vectors/gen_extra.c) from fixed inputs. "
            "Binary values are hex unless named base64; base64 is standard with padding; "
            "secrets and entry ids are base64url without padding. Sealed boxes are "
            "randomized: open them, do not reproduce them.");

    /* A non-ASCII password: UTF-8 bytes must go to Argon2 unchanged on both sides. */
    o = json_object();
    fill_seq(salt, sizeof salt, 0xf0);
    if (keys_derive_master(master, password, strlen(password), salt, KEYS_KDF_OPSLIMIT,
                           KEYS_KDF_MEMLIMIT) != 0 ||
        keys_derive_auth_wrap(auth, wrap, master) != 0)
        die("kdf");
    set_str(o, "password", password);
    set_hex(o, "kdf_salt_hex", salt, sizeof salt);
    set_int(o, "opslimit", (json_int_t)KEYS_KDF_OPSLIMIT);
    set_int(o, "memlimit", (json_int_t)KEYS_KDF_MEMLIMIT);
    set_hex(o, "master_hex", master, sizeof master);
    set_hex(o, "auth_key_hex", auth, sizeof auth);
    set_hex(o, "wrap_key_hex", wrap, sizeof wrap);
    json_object_set_new(root, "kdf", o);

    /* Parameters a client must refuse when a server offers them. */
    arr = json_array();
    {
        static const struct {
            unsigned long long ops;
            size_t mem;
            const char *alg;
        } refused[] = {
            {2, 67108864, "argon2id13"},     {3, 67108863, "argon2id13"},
            {3, 33554432, "argon2id13"},     {1, 268435456, "argon2id13"},
            {3, 67108864, "argon2i13"},      {17, 67108864, "argon2id13"},
            {3, 2147483648UL, "argon2id13"},
        };
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
            json_t *r = json_object();
            set_int(r, "opslimit", (json_int_t)refused[i].ops);
            set_int(r, "memlimit", (json_int_t)refused[i].mem);
            set_str(r, "alg", refused[i].alg);
            json_array_append_new(arr, r);
        }
    }
    json_object_set_new(root, "kdf_refused", arr);

    /* Three users: A and B as in the shared vectors' seeds style, T a therapist. */
    o = json_object();
    user_from(&a, o, 0x21, 0x22, 0x23);
    set_user_keys(o, &a);
    json_object_set_new(root, "member_a", o);
    o = json_object();
    user_from(&b, o, 0x31, 0x32, 0x33);
    set_user_keys(o, &b);
    json_object_set_new(root, "member_b", o);
    o = json_object();
    user_from(&t, o, 0x41, 0x42, 0x43);
    set_user_keys(o, &t);
    json_object_set_new(root, "therapist", o);

    /* B's keys wrapped under the kdf's wrap key. */
    o = json_object();
    fill_seq(nonce, sizeof nonce, 0x10);
    if (keys_wrap(buf, sizeof buf, &b, wrap, nonce) != 0)
        die("keys_wrap");
    set_str(o, "key", "wrap_key of kdf");
    set_str(o, "keys", "member_b");
    set_hex(o, "nonce_hex", nonce, sizeof nonce);
    set_str(o, "base64", buf);
    json_object_set_new(root, "wrapped_keys", o);

    /* Recovery codes: formatting, keys, and A's keys wrapped under one. */
    o = json_object();
    arr = json_array();
    for (unsigned i = 0; i < 4; i++) {
        json_t *r = json_object();
        if (i == 0)
            memset(code, 0, sizeof code);
        else if (i == 1)
            memset(code, 0xff, sizeof code);
        else if (i == 2)
            fill_seq(code, sizeof code, 0xa0);
        else
            for (size_t j = 0; j < sizeof code; j++)
                code[j] = (unsigned char)(j * 37 + 11);
        if (keys_recovery_format(buf, sizeof buf, code) != 0 || keys_recovery_key(rkey, code) != 0)
            die("recovery");
        set_hex(r, "code_hex", code, sizeof code);
        set_str(r, "formatted", buf);
        set_hex(r, "recovery_key_hex", rkey, sizeof rkey);
        json_array_append_new(arr, r);
    }
    json_object_set_new(o, "codes", arr);
    /* Spellings a person might type for codes[2]. */
    arr = json_array();
    json_array_append_new(arr, json_string("ucq2-fi5e-uwtk-pkfj-vkv2-zlno-v6yl-dmvt-ws23-nn5y-xg5l-"
                                           "xpf5-x27q"));
    json_array_append_new(arr, json_string("UCQ2 FI5E UWTK PKFJ VKV2 ZLNO V6YL DMVT WS23 NN5Y XG5L "
                                           "XPF5 X27Q"));
    json_array_append_new(arr,
                          json_string("  ucq2fi5euwtkpkfjvkv2zlnov6yldmvtws23nn5yxg5lxpf5x27q\n"));
    json_array_append_new(arr,
                          json_string("UCQ2-FI5E-UWTK-PKFJ--VKV2-ZLNO-V6YL-DMVT-WS23 -NN5Y-XG5L-"
                                      "XPF5-X27q"));
    json_object_set_new(o, "accepted_for_codes_2", arr);
    arr = json_array();
    {
        static const char *const bad[] = {
            "",
            "UCQ2-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27",   /* 51 chars */
            "UCQ2-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27QA", /* 53 */
            "UCQ2-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27R",  /* trailing bits */
            "UCQ2-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27Q====",
            "UCQ0-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27Q", /* '0' */
            "UCQ1-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27Q", /* '1' */
            "UCQ8-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27Q", /* '8' */
            "UCQ2_FI5E_UWTK_PKFJ_VKV2_ZLNO_V6YL_DMVT_WS23_NN5Y_XG5L_XPF5_X27Q",
            "UCQ\xc3\xa9-FI5E-UWTK-PKFJ-VKV2-ZLNO-V6YL-DMVT-WS23-NN5Y-XG5L-XPF5-X27Q",
            "not a recovery code",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            json_array_append_new(arr, json_string(bad[i]));
    }
    json_object_set_new(o, "rejected", arr);
    fill_seq(code, sizeof code, 0xa0);
    fill_seq(nonce, sizeof nonce, 0x28);
    if (keys_recovery_key(rkey, code) != 0 || keys_wrap(buf, sizeof buf, &a, rkey, nonce) != 0)
        die("recovery wrap");
    set_str(o, "wrapped_keys_of", "member_a");
    set_str(o, "wrapped_under", "codes[2]");
    set_hex(o, "nonce_hex", nonce, sizeof nonce);
    set_str(o, "base64", buf);
    json_object_set_new(root, "recovery", o);

    /* Invite secret in the link and a client-made entry id. */
    o = json_object();
    fill_seq(secret, sizeof secret, 0xfb); /* wraps: bytes whose base64url uses '-' and '_' */
    if (keys_secret_encode(buf, sizeof buf, secret) != 0)
        die("keys_secret_encode");
    set_hex(o, "invite_secret_hex", secret, sizeof secret);
    set_str(o, "invite_secret_encoded", buf);
    fill_seq(id, sizeof id, 0xf8);
    if (sodium_bin2base64(buf, sizeof buf, id, sizeof id,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == NULL)
        die("entry id");
    set_hex(o, "entry_id_bytes_hex", id, sizeof id);
    set_str(o, "entry_id", buf);
    if (keys_proof(buf, sizeof buf, a.box_pk, a.sign_pk, secret) != 0)
        die("proof a");
    set_str(o, "key_proof_a_base64", buf);
    if (keys_proof(buf, sizeof buf, b.box_pk, b.sign_pk, secret) != 0)
        die("proof b");
    set_str(o, "key_proof_b_base64", buf);
    if (keys_safety_hash(h, a.box_pk, a.sign_pk, b.box_pk, b.sign_pk) != 0 ||
        keys_safety_code(buf, sizeof buf, a.box_pk, a.sign_pk, b.box_pk, b.sign_pk) != 0)
        die("safety a b");
    set_hex(o, "safety_hash_ab_hex", h, sizeof h);
    set_str(o, "safety_code_ab", buf);
    if (keys_safety_hash(h, a.box_pk, a.sign_pk, t.box_pk, t.sign_pk) != 0 ||
        keys_safety_code(buf, sizeof buf, a.box_pk, a.sign_pk, t.box_pk, t.sign_pk) != 0)
        die("safety a t");
    set_hex(o, "safety_hash_at_hex", h, sizeof h);
    set_str(o, "safety_code_at", buf);
    json_object_set_new(root, "pairing", o);

    /* The dyad key, wrapped by B for A and by A for B. */
    o = json_object();
    fill_seq(k, sizeof k, 0x70);
    set_hex(o, "dyad_key_hex", k, sizeof k);
    if (keys_seal_dyad_key(wrapped, sizeof wrapped, sig, sizeof sig, k, a.box_pk, b.sign_sk) != 0)
        die("seal for a");
    set_str(o, "sealed_for_a_base64", wrapped);
    set_str(o, "wrap_signature_by_b_base64", sig);
    if (keys_seal_dyad_key(wrapped, sizeof wrapped, sig, sizeof sig, k, b.box_pk, a.sign_sk) != 0)
        die("seal for b");
    set_str(o, "sealed_for_b_base64", wrapped);
    set_str(o, "wrap_signature_by_a_base64", sig);
    json_object_set_new(root, "dyad_key", o);

    /* Entry bodies: non-ASCII, exact block sizes, empty, long, a BOM, notes. */
    {
        static const struct entry_case cases[] = {
            {"d-00ff", "-_8AAQIDBAUGBwgJCgsMDQ", "u-000a", "share", "dyad_key",
             "Ich vermisse dich \xe2\x80\x94 \xc3\xa7"
             "a va? \xe6\x88\x91\xe6\x83\xb3\xe4\xbd\xa0 "
             "\xf0\x9f\xab\xb6",
             0x30},
            {"d-00ff", "EBESExQVFhcYGRobHB0eHw", "u-000a", "share", "dyad_key",
             "When you went quiet at dinner I told myself you were tired of me. "
             "J'avais peur \xe2\x80\x94 \xe3\x81\x94\xe3\x82\x81\xe3\x82\x93\xe3\x81\xad. "
             "\"Quoted\"\nand a second line.",
             0x48},
            {"d-00ff", "ICEiIyQlJicoKSorLC0uLw", "u-000b", "response", "dyad_key",
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0x60},
            {"d-00ff", "MDEyMzQ1Njc4OTo7PD0-Pw", "u-000b", "response", "dyad_key",
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 0x78},
            {"d-00ff", "QEFCQ0RFRkdISUpLTE1OTw", "u-000a", "share", "dyad_key", "", 0x90},
            {"d-00ff", "UFFSU1RVVldYWVpbXF1eXw", "u-000b", "share", "dyad_key",
             "\xef\xbb\xbf"
             "starts with a byte-order mark, which must survive",
             0xa8},
            {"d-00ff", "YGFiY2RlZmdoaWprbG1ubw", "u-000a", "share", "dyad_key",
             "Long: sometimes I feel closest to you in the small moments \xe2\x80\x94 the coffee "
             "you leave on the counter, the way you ask how my day really was, the silence in "
             "the car that doesn't need filling. I want more of those, and I'm scared to say "
             "so.",
             0xc0},
            {"d-00ff", "2026-03-02", "u-000b", "note", "personal_key_b",
             "Felt heard today. \xe2\x9c\x93", 0xd8},
        };
        arr = json_array();
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const struct entry_case *c = &cases[i];
            struct keys_entry_meta meta = {c->dyad_id, c->entry_id, c->author_id, c->kind};
            const unsigned char *key = strcmp(c->key_name, "dyad_key") == 0 ? k : b.personal;
            char ad[256];
            json_t *e = json_object();
            size_t len = strlen(c->text);

            fill_seq(nonce, sizeof nonce, c->nonce_start);
            if (keys_entry_ad(ad, sizeof ad, &meta) != 0 ||
                keys_entry_encrypt(buf, sizeof buf, key, &meta, c->text, len, nonce) != 0)
                die("entry");
            set_str(e, "dyad_id", c->dyad_id);
            set_str(e, "entry_id", c->entry_id);
            set_str(e, "author_id", c->author_id);
            set_str(e, "kind", c->kind);
            set_str(e, "key", c->key_name);
            set_str(e, "text", c->text);
            set_int(e, "text_utf8_len", (json_int_t)len);
            set_hex(e, "nonce_hex", nonce, sizeof nonce);
            set_str(e, "ad", ad);
            set_int(e, "padded_len", (json_int_t)((len / KEYS_PAD_BLOCK + 1) * KEYS_PAD_BLOCK));
            set_str(e, "body", buf);
            json_array_append_new(arr, e);
        }
        json_object_set_new(root, "entries", arr);
    }

    /* Values sealed to the therapist's box key (a re-shared entry, a private
     * check-in answer). */
    {
        static const char *const texts[] = {
            "Re-shared: I was afraid to tell you this.",
            "Private check-in \xe2\x80\x94 I have felt unsafe at home this week, and I don't "
            "know who else to tell. \xc3\x89\xc3\xa0 \xf0\x9f\x98\x9f",
        };
        arr = json_array();
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            json_t *s = json_object();
            size_t len = strlen(texts[i]);

            if (keys_seal_text(buf, sizeof buf, texts[i], len, t.box_pk) != 0)
                die("seal text");
            set_str(s, "to", "therapist");
            set_str(s, "text", texts[i]);
            set_int(s, "padded_len", (json_int_t)((len / KEYS_PAD_BLOCK + 1) * KEYS_PAD_BLOCK));
            set_str(s, "sealed_base64", buf);
            json_array_append_new(arr, s);
        }
        json_object_set_new(root, "sealed_to_therapist", arr);
    }

    if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        die("json_dumpf");
    fputc('\n', stdout);
    json_decref(root);
    keys_user_wipe(&a);
    keys_user_wipe(&b);
    keys_user_wipe(&t);
    sodium_memzero(master, sizeof master);
    sodium_memzero(wrap, sizeof wrap);
    return 0;
}
