/*
 * client.c — `dyad client`: the native client's side of the protocol,
 * for what a person can do without a browser.
 *
 *   dyad client read-export FILE
 *
 * reads an export (GET /api/v1/me/export), asks for the password (from
 * DYAD_PASSWORD, else one line on standard input), derives the keys exactly
 * as the browser does (docs/protocol.md, src/crypto/keys.c), and prints everything
 * the person wrote as readable text. Nothing leaves the machine.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keys.h"
#include "cli/client.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int b64_exact(const char *s, unsigned char *out, size_t n)
{
    size_t got;
    return keys_b64_decode(out, n, &got, s) == 0 && got == n ? 0 : -1;
}

static int read_password(char *buf, size_t cap)
{
    const char *env = getenv("DYAD_PASSWORD");
    if (env != NULL) {
        snprintf(buf, cap, "%s", env);
        return 0;
    }
    fprintf(stderr, "password: ");
    if (fgets(buf, (int)cap, stdin) == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Opens K for this member from the export's my_key; checks the wrap's
 * signature with the signer's public key when the signer is listed. */
static int open_dyad_key(json_t *d, const struct keys_user *me, const char *my_id,
                         unsigned char k[32])
{
    json_t *mk = json_object_get(d, "my_key");
    if (!json_is_object(mk))
        return -1;
    const char *signer = str(mk, "signer");
    unsigned char sign_pk[32];
    bool found = false;
    if (strcmp(signer, my_id) == 0) {
        memcpy(sign_pk, me->sign_pk, 32);
        found = true;
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(d, "members"), i,
                       m) if (!found && strcmp(str(m, "user_id"), signer) == 0) found =
        b64_exact(str(m, "sign_public_key"), sign_pk, 32) == 0;
    if (!found)
        return -1;
    return keys_open_dyad_key(k, str(mk, "wrapped_key"), str(mk, "signature"), sign_pk, me->box_pk,
                              me->box_sk);
}

static void print_entry(const unsigned char *key, const char *dyad_id, const char *entry_id,
                        const char *author, const char *kind, const char *body)
{
    size_t cap = strlen(body) + 1, len = 0;
    char *text = malloc(cap);
    struct keys_entry_meta meta = {dyad_id, entry_id, author, kind};
    if (text != NULL && keys_entry_decrypt(text, cap, &len, key, &meta, body) == 0)
        printf("%.*s\n", (int)len, text);
    else
        printf("(this entry could not be decrypted: it may have been changed)\n");
    if (text != NULL)
        sodium_memzero(text, cap);
    free(text);
}

int client_read_export(const char *path)
{
    json_error_t err;
    json_t *e = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (e == NULL || strcmp(str(e, "format"), "dyad-export") != 0) {
        fprintf(stderr, "dyad: %s is not a dyad export%s%s\n", path, e == NULL ? ": " : "",
                e == NULL ? err.text : "");
        json_decref(e);
        return 1;
    }
    json_t *u = json_object_get(e, "user");
    unsigned char salt[16], master[32], auth[32], wrap[32];
    char password[1024];
    struct keys_user me;
    int status = 1;
    if (b64_exact(str(u, "kdf_salt"), salt, sizeof salt) != 0 ||
        read_password(password, sizeof password) != 0) {
        fprintf(stderr, "dyad: no password, or the export has no key-derivation salt\n");
        goto out;
    }
    if (keys_derive_master(master, password, strlen(password), salt, KEYS_KDF_OPSLIMIT,
                           KEYS_KDF_MEMLIMIT) != 0 ||
        keys_derive_auth_wrap(auth, wrap, master) != 0 ||
        keys_unwrap(&me, str(u, "wrapped_keys"), wrap) != 0) {
        fprintf(stderr, "dyad: the password does not open this export's keys\n");
        goto out;
    }
    const char *my_id = str(u, "id");
    printf("# dyad export of %s (%s)\n\n", str(u, "display_name"), str(u, "email"));
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(e, "dyads"), i, d)
    {
        const char *dyad_id = str(d, "id");
        printf("## A %s dyad (%s)%s\n\n", str(d, "kind"), dyad_id,
               json_is_true(json_object_get(d, "active")) ? "" : ", ended");
        unsigned char k[32];
        bool have_k = open_dyad_key(d, &me, my_id, k) == 0;
        size_t j;
        json_t *x;
        json_array_foreach(json_object_get(d, "checkins"), j, x)
        {
            printf("### Check-in %s\n", str(x, "date"));
            static const char *const items[] = {"closeness",  "closeness_wanted", "opened_up",
                                                "understood", "safety",           "affection",
                                                "sexual"};
            for (size_t n = 0; n < sizeof items / sizeof items[0]; n++) {
                json_t *v = json_object_get(x, items[n]);
                if (json_is_integer(v))
                    printf("- %s: %lld\n", items[n], (long long)json_integer_value(v));
            }
            if (json_is_string(json_object_get(x, "note"))) {
                printf("- private note: ");
                print_entry(me.personal, dyad_id, str(x, "date"), my_id, "note", str(x, "note"));
            }
            printf("\n");
        }
        json_array_foreach(json_object_get(d, "shares"), j, x)
        {
            printf("### Share, %s, depth %lld, %s\n", str(x, "topic"),
                   (long long)json_integer_value(json_object_get(x, "depth")),
                   str(x, "created_at"));
            if (have_k)
                print_entry(k, dyad_id, str(x, "id"), my_id, "share", str(x, "body"));
            else
                printf("(the dyad key could not be opened)\n");
            printf("\n");
        }
        json_array_foreach(json_object_get(d, "responses"), j, x)
        {
            printf("### Response (%s), %s\n", str(x, "kind"), str(x, "created_at"));
            if (json_is_string(json_object_get(x, "body")) && have_k)
                print_entry(k, dyad_id, str(x, "id"), my_id, "response", str(x, "body"));
            else
                printf("(no words)\n");
            printf("\n");
        }
        sodium_memzero(k, sizeof k);
    }
    status = 0;
    keys_user_wipe(&me);
out:
    sodium_memzero(password, sizeof password);
    sodium_memzero(master, sizeof master);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    json_decref(e);
    return status;
}
