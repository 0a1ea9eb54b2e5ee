/*
 * client_cmd_dyad.c — `dyad client dyads | invite | join | safety-code`:
 * pairing, as web/js/dyads.js does it. The invite secret travels only after
 * '#' in the link; each side checks the other's key_proof against it before
 * trusting their keys, and the creator seals K for the partner only then
 * (cl_dyad_open, on the creator's next command that opens the dyad).
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_int.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int usage(struct cl *c, const char *text)
{
    return cl_fail(c, CL_EUSAGE, "usage", "usage: dyad client %s", text);
}

static const char *state_of(json_t *dyad, const char *my_id, const char **partner_name)
{
    json_t *partner = NULL, *m;
    size_t i;
    json_array_foreach(json_object_get(dyad, "members"), i,
                       m) if (strcmp(str(m, "user_id"), my_id) != 0) partner = m;
    *partner_name = partner != NULL ? str(partner, "display_name") : "";
    if (!json_is_true(json_object_get(dyad, "active")))
        return "ended";
    if (partner == NULL)
        return "waiting_for_join";
    if (json_object_get(dyad, "my_wrapped_key") == json_null() ||
        json_object_get(dyad, "my_wrapped_key") == NULL)
        return "waiting_for_key";
    if (!json_is_true(json_object_get(partner, "has_key")))
        return "share_key";
    return "paired";
}

int cl_cmd_dyads(struct cl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(c, "dyads");
    int r = cl_need_session(c);
    json_t *me = NULL;
    if (r != CL_OK || (r = cl_api(c, "GET", "/me", NULL, &me)) != CL_OK)
        return r;
    const char *my_id = str(json_object_get(c->session, "user"), "id");
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(me, "dyads"), i, d)
    {
        char path[256];
        snprintf(path, sizeof path, "/dyads/%s", str(d, "id"));
        json_t *res = NULL;
        if (!json_is_true(json_object_get(d, "active"))) {
            json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "id", str(d, "id"), "kind",
                                                 str(d, "kind"), "state", "ended"));
            continue;
        }
        if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK)
            break;
        json_t *dy = json_object_get(res, "dyad");
        const char *partner = "";
        const char *state = state_of(dy, my_id, &partner);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "id", str(dy, "id"), "kind",
                                             str(dy, "kind"), "state", state, "partner", partner));
        json_decref(res);
    }
    json_decref(me);
    if (r != CL_OK) {
        json_decref(out);
        return r;
    }
    if (c->json) {
        json_t *o2 = json_pack("{s:o}", "dyads", out);
        cl_print_json(o2);
        json_decref(o2);
        return CL_OK;
    }
    if (json_array_size(out) == 0)
        printf("No dyads yet. `dyad client invite --kind couple|friends|family` makes one; "
               "`dyad client join LINK` joins one.\n");
    json_array_foreach(out, i, d)
    {
        const char *state = str(d, "state");
        const char *name = str(d, "partner");
        printf("%s  %s  ", str(d, "id"), str(d, "kind"));
        if (strcmp(state, "ended") == 0)
            printf("ended\n");
        else if (strcmp(state, "waiting_for_join") == 0)
            printf("waiting for someone to join with your invite link\n");
        else {
            printf("with ");
            cl_print_safe(name);
            if (strcmp(state, "waiting_for_key") == 0)
                printf(": waiting for their device to share the dyad's key with you\n");
            else if (strcmp(state, "share_key") == 0)
                printf(": they joined; run `dyad client safety-code --dyad %s` to check their "
                       "keys and share the dyad's key with them\n",
                       str(d, "id"));
            else
                printf("\n");
        }
    }
    json_decref(out);
    return CL_OK;
}

int cl_cmd_invite(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, 'k'}, {0}};
    const char *kind = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 'k')
            kind = optarg;
        else
            return usage(c, "invite --kind couple|friends|family");
    }
    bool known = false;
    for (size_t i = 0; kind != NULL && cl_kinds[i] != NULL; i++)
        known = known || strcmp(kind, cl_kinds[i]) == 0;
    if (!known || optind != argc)
        return usage(c, "invite --kind couple|friends|family");
    int r = cl_need_session(c);
    if (r != CL_OK || (r = cl_unlock(c)) != CL_OK)
        return r;
    unsigned char k[32], secret[32];
    crypto_aead_xchacha20poly1305_ietf_keygen(k);
    randombytes_buf(secret, sizeof secret);
    char wk[KEYS_SEALED_KEY_SIZE], sig[KEYS_SIGNATURE_SIZE], proof[KEYS_PROOF_SIZE],
        box[KEYS_B64_SIZE(72)], secret_text[KEYS_SECRET_SIZE];
    json_t *body = NULL, *res = NULL;
    if (keys_seal_dyad_key(wk, sizeof wk, sig, sizeof sig, k, c->keys.box_pk, c->keys.sign_sk) !=
            0 ||
        keys_proof(proof, sizeof proof, c->keys.box_pk, c->keys.sign_pk, secret) != 0 ||
        cl_box_invite_secret(box, sizeof box, secret, c->keys.personal) != 0 ||
        keys_secret_encode(secret_text, sizeof secret_text, secret) != 0) {
        r = cl_fail(c, CL_ECRYPTO, "keys", "the dyad's key could not be made");
        goto out;
    }
    body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", kind, "wrapped_key", wk, "signature", sig,
                     "key_proof", proof, "invite_secret_box", box);
    if ((r = cl_api(c, "POST", "/dyads", body, &res)) != CL_OK)
        goto out;
    json_t *inv = json_object_get(res, "invite");
    char link[1024];
    snprintf(link, sizeof link, "%s/join/%s#%s", c->server, str(inv, "code"), secret_text);
    if (c->json) {
        json_t *o2 = json_pack("{s:O, s:O, s:s}", "dyad", json_object_get(res, "dyad"), "invite",
                               inv, "link", link);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("A %s dyad is made (%s). Send this link to the other person, by a channel you "
               "trust\n(in person is best; it works once, until %s):\n\n    %s\n\n"
               "Once they have joined, run `dyad client safety-code` to check their keys and "
               "share the dyad's key with them.\n",
               kind, str(json_object_get(res, "dyad"), "id"), str(inv, "expires_at"), link);
    }
out:
    json_decref(body);
    json_decref(res);
    sodium_memzero(k, sizeof k);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(secret_text, sizeof secret_text);
    return r;
}

static void print_code_advice(const char *name, const char *code)
{
    printf("Safety code: %s\nCompare it with ", code);
    cl_print_safe(name);
    printf(" in person or on a call: if the two codes are the same, nobody sits between you.\n");
}

int cl_cmd_join(struct cl *c, int argc, char **argv)
{
    if (argc != 2)
        return usage(c, "join LINK");
    char code[128];
    unsigned char secret[32];
    if (cl_parse_link(argv[1], code, sizeof code, secret) != 0)
        return cl_fail(c, CL_EUSAGE, "usage",
                       "'%s' is not an invite link (…/join/CODE#SECRET, with the part after #)",
                       argv[1]);
    int r = cl_need_session(c);
    if (r != CL_OK || (r = cl_unlock(c)) != CL_OK) {
        sodium_memzero(secret, sizeof secret);
        return r;
    }
    char proof[KEYS_PROOF_SIZE], box[KEYS_B64_SIZE(72)];
    keys_proof(proof, sizeof proof, c->keys.box_pk, c->keys.sign_pk, secret);
    cl_box_invite_secret(box, sizeof box, secret, c->keys.personal);
    sodium_memzero(secret, sizeof secret);
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "code", code, "key_proof", proof, "invite_secret_box", box);
    json_t *res = NULL;
    r = cl_api(c, "POST", "/dyads/join", body, &res);
    json_decref(body);
    if (r != CL_OK)
        return r;
    char id[128];
    snprintf(id, sizeof id, "%s", str(json_object_get(res, "dyad"), "id"));
    json_decref(res);
    c->dyad_id = id;
    struct cl_dyad d;
    r = cl_dyad_open(c, &d, true);
    if (r == CL_OK && d.partner_verified != 1)
        r = cl_fail(c, CL_ECRYPTO, "key_proof",
                    "joined, but the keys of the person who invited you do not match the secret "
                    "in the link. Someone (possibly whoever runs the server) may be trying to "
                    "read this dyad. Do not write anything in it: leave it, and pair again with a "
                    "link sent by a channel you trust");
    if (r != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    char safety[KEYS_SAFETY_CODE_SIZE] = "";
    unsigned char pb[32], ps[32];
    size_t got;
    if (keys_b64_decode(pb, 32, &got, str(d.partner, "box_public_key")) == 0 &&
        keys_b64_decode(ps, 32, &got, str(d.partner, "sign_public_key")) == 0)
        keys_safety_code(safety, sizeof safety, c->keys.box_pk, c->keys.sign_pk, pb, ps);
    if (c->json) {
        json_t *o2 = json_pack("{s:{s:s, s:s}, s:s, s:b, s:s, s:b}", "dyad", "id", d.id, "kind",
                               d.kind, "partner", d.partner_name, "partner_verified", 1,
                               "safety_code", safety, "key_shared", d.have_k);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Joined a %s dyad (%s) with ", d.kind, d.id);
        cl_print_safe(d.partner_name);
        printf(". Their keys match the secret in your link.\n");
        print_code_advice(d.partner_name, safety);
        if (!d.have_k)
            printf("You can write once their device has shared the dyad's key with you (the "
                   "next time they open dyad).\n");
    }
    cl_dyad_close(&d);
    return CL_OK;
}

int cl_cmd_safety_code(struct cl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(c, "safety-code [--dyad ID]");
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, true)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    if (d.partner == NULL) {
        cl_dyad_close(&d);
        return cl_fail(c, CL_ECONFLICT, "not_paired",
                       "nobody has joined this dyad yet, so there is no code to compare");
    }
    if (d.partner_verified != 1) {
        cl_dyad_close(&d);
        return cl_fail(c, CL_ECRYPTO, "key_proof",
                       "the other person's keys do not match the secret in your invite link; "
                       "do not write anything in this dyad");
    }
    char safety[KEYS_SAFETY_CODE_SIZE] = "";
    unsigned char pb[32], ps[32];
    size_t got;
    if (keys_b64_decode(pb, 32, &got, str(d.partner, "box_public_key")) != 0 ||
        keys_b64_decode(ps, 32, &got, str(d.partner, "sign_public_key")) != 0 ||
        keys_safety_code(safety, sizeof safety, c->keys.box_pk, c->keys.sign_pk, pb, ps) != 0) {
        cl_dyad_close(&d);
        return cl_fail(c, CL_ECRYPTO, "keys", "the other person's keys are malformed");
    }
    if (c->json) {
        json_t *o2 = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "dyad", d.id, "partner",
                               d.partner_name, "safety_code", safety, "partner_verified", 1,
                               "key_shared", d.have_k, "key_shared_now", d.wrapped_for_partner);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Dyad %s (%s) with ", d.id, d.kind);
        cl_print_safe(d.partner_name);
        printf(": their keys match the secret in the invite link.\n");
        print_code_advice(d.partner_name, safety);
        if (d.wrapped_for_partner)
            printf("The dyad's key was just shared with them, sealed to their key.\n");
        if (!d.have_k)
            printf("Waiting for their device to share the dyad's key with you.\n");
    }
    cl_dyad_close(&d);
    return CL_OK;
}
