/*
 * h_dyads.c — dyads and pairing: create with an invite, join, read, the
 * partner's key wrap, one's settings in the dyad, leaving.
 *
 * The dyad key K never reaches the server: each member's copy is sealed to
 * that member's box key and signed by whoever wrapped it; the server checks
 * the signature so a bad wrap is refused at once. Key proofs bind each
 * member's public keys to the invite secret, which travels only after '#'
 * in the link; only the two browsers can check them.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "core/kind.h"
#include "web/handler.h"

enum {
    INVITE_SECONDS = 7 * 24 * 60 * 60,
    DYADS_PER_PERSON = 32, /* GET /me lists them all */
};

/* Checks that signature_b64 signs wrapped_b64 under sign_pk; answers 400
 * naming the field otherwise. */
static int take_wrap(struct ctx *c, const unsigned char sign_pk[32],
                     unsigned char wrapped[STORE_SEALED_KEY], unsigned char sig[64])
{
    if (body_b64(c, "wrapped_key", wrapped, STORE_SEALED_KEY) != 0 ||
        body_b64(c, "signature", sig, 64) != 0)
        return -1;
    if (crypto_sign_verify_detached(sig, wrapped, STORE_SEALED_KEY, sign_pk) != 0) {
        reply_error(c, API_INVALID_FIELD, "signature",
                    "The signature does not match the wrapped key and your signing key.");
        return -1;
    }
    return 0;
}

/* 409 (and true) when the caller is already in DYADS_PER_PERSON dyads. */
static bool at_dyad_limit(struct ctx *c)
{
    struct dyad_summary mine[DYADS_PER_PERSON];
    size_t n = 0;
    enum store_result r = store_user_dyads(c->app->store, c->user.id, mine, DYADS_PER_PERSON, &n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return true;
    }
    if (n >= DYADS_PER_PERSON) {
        reply_error(c, API_CONFLICT, NULL, "You are in as many dyads as one person can be (32).");
        return true;
    }
    return false;
}

static void invite_code(char out[STORE_CODE_MAX])
{
    unsigned char b[12];
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, STORE_CODE_MAX, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static json_t *json_invite(const struct invite *inv)
{
    return json_pack("{s:s, s:o}", "code", inv->code, "expires_at", json_time(inv->expires_at));
}

/* "family_role" of the body: a role name, or "none"; absent leaves `dflt`.
 * Only in a family dyad. -1 after answering 400. */
static int take_family_role(struct ctx *c, enum dyad_kind kind, int dflt)
{
    const char *s = body_str(c, "family_role");
    if (s == NULL)
        return dflt;
    int role = strcmp(s, "none") == 0 ? KIND_ROLE_NONE : kind_role_from_name(s);
    if (role < 0 || (kind != DYAD_FAMILY && role != KIND_ROLE_NONE)) {
        reply_error(c, API_INVALID_FIELD, "family_role",
                    kind != DYAD_FAMILY
                        ? "Only a family dyad says who is who."
                        : "family_role is parent, child, sibling, grandparent, grandchild, other "
                          "or none.");
        return -1;
    }
    return role;
}

void h_dyad_create(struct ctx *c)
{
    struct dyad d;
    struct member me;
    struct invite inv;
    memset(&d, 0, sizeof d);
    memset(&me, 0, sizeof me);
    memset(&inv, 0, sizeof inv);
    d.kind = (enum dyad_kind)body_enum(c, "kind", DYAD_COUPLE);
    me.family_role = take_family_role(c, d.kind, KIND_ROLE_NONE);
    if (me.family_role < 0)
        return;
    if (at_dyad_limit(c))
        return;
    if (take_wrap(c, c->user.sign_pk, me.wrapped_key, me.wrap_signature) != 0 ||
        body_b64(c, "key_proof", me.key_proof, sizeof me.key_proof) != 0 ||
        body_b64(c, "invite_secret_box", me.invite_secret_box, sizeof me.invite_secret_box) != 0)
        return;
    dcrypto_random_id("d-", d.id, sizeof d.id);
    snprintf(d.created_by, sizeof d.created_by, "%s", c->user.id);
    d.created_at = c->now;
    snprintf(me.user_id, sizeof me.user_id, "%s", c->user.id);
    me.has_wrap = true;
    snprintf(me.wrap_signer, sizeof me.wrap_signer, "%s", c->user.id);
    me.joined_at = c->now;
    invite_code(inv.code);
    inv.expires_at = c->now + INVITE_SECONDS;
    enum store_result r = store_dyad_create(c->app->store, &d, &me, &inv);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s}, s:o}", "dyad", "id", d.id, "kind", kind_names[d.kind],
                         "invite", json_invite(&inv)));
}

void h_dyad_join(struct ctx *c)
{
    const char *code = body_str(c, "code");
    if (code == NULL || strlen(code) == 0 || strlen(code) >= STORE_CODE_MAX ||
        strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
            strlen(code)) {
        reply_error(c, API_INVALID_FIELD, "code", "That is not an invite code.");
        return;
    }
    struct member me;
    memset(&me, 0, sizeof me);
    if (body_b64(c, "key_proof", me.key_proof, sizeof me.key_proof) != 0 ||
        body_b64(c, "invite_secret_box", me.invite_secret_box, sizeof me.invite_secret_box) != 0)
        return;
    if (at_dyad_limit(c))
        return;
    snprintf(me.user_id, sizeof me.user_id, "%s", c->user.id);
    me.joined_at = c->now;
    struct dyad d;
    enum store_result r = store_dyad_join(c->app->store, code, &me, c->now, &d);
    switch (r) {
    case STORE_OK:
        reply_json(c, 200,
                   json_pack("{s:{s:s, s:s}}", "dyad", "id", d.id, "kind", kind_names[d.kind]));
        return;
    case STORE_NOT_FOUND:
        reply_error(c, API_NOT_FOUND, "code", "This invite link is not valid.");
        return;
    case STORE_EXPIRED:
        reply_error(c, API_NOT_FOUND, "code", "This invite has expired. Ask for a new link.");
        return;
    case STORE_CONFLICT:
        reply_error(c, API_CONFLICT, "code",
                    "This invite has already been used, or it is your own.");
        return;
    case STORE_ERROR:
    case STORE_UNAVAILABLE:
        break;
    }
    reply_store(c, r);
}

/* Per client address: lookups of invite codes that do not exist, before
 * back-off starts (a code is 96 random bits; this only makes guessing
 * slower still). */
enum { INVITE_PREVIEW_FREE_MISSES = 20 };

/* GET /invites/{code}, public: what the invited person may know before
 * signing up — who invited them and the dyad's kind while the invite can
 * be used; only that it was used or expired otherwise. Nothing else: no
 * dyad id, no key, no e-mail address. */
void h_invite_preview(struct ctx *c)
{
    struct throttle_key client;
    throttle_key(c, &client, "invite preview client", throttle_client(c),
                 INVITE_PREVIEW_FREE_MISSES, 1);
    int64_t wait = throttle_wait(c, &client);
    if (wait > 0) {
        reply_rate_limited(c, wait);
        return;
    }
    const char *code = route_param(&c->params, "code");
    struct invite_preview p;
    enum store_result r = STORE_NOT_FOUND;
    if (code != NULL && strlen(code) > 0 && strlen(code) < STORE_CODE_MAX &&
        strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            strlen(code))
        r = store_invite_preview(c->app->store, code, c->now, &p);
    if (r == STORE_NOT_FOUND) {
        throttle_fail(c, &client);
        reply_error(c, API_NOT_FOUND, "code", "This invite link is not valid.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    static const char *const status[] = {"open", "used", "expired"};
    json_t *j = json_pack("{s:s}", "status", status[p.status]);
    if (p.status == STORE_INVITE_OPEN) {
        json_object_set_new(j, "kind", json_string(kind_names[p.kind]));
        json_object_set_new(j, "inviter",
                            p.inviter_name[0] ? json_string(p.inviter_name) : json_null());
    }
    reply_json(c, 200, json_pack("{s:o}", "invite", j));
}

static json_t *json_member(const struct member *m)
{
    const char *role = kind_role_name(m->family_role);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:o}", "user_id", m->user_id,
                     "display_name", m->display_name, "box_public_key", json_b64(m->box_pk, 32),
                     "sign_public_key", json_b64(m->sign_pk, 32), "key_proof",
                     json_b64(m->key_proof, 32), "has_key", m->has_wrap, "active", m->left_at == 0,
                     "family_role", role != NULL ? json_string(role) : json_null());
}

void h_dyad_get(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    const struct member *me = &m.members[m.me];
    json_t *members = json_array();
    for (size_t i = 0; i < m.n; i++)
        json_array_append_new(members, json_member(&m.members[i]));
    json_t *dyad = json_pack(
        "{s:s, s:s, s:b, s:o, s:o*, s:o*, s:o*, s:o, s:b}", "id", m.dyad.id, "kind",
        kind_names[m.dyad.kind], "active", m.dyad.ended_at == 0, "members", members,
        "my_wrapped_key", me->has_wrap ? json_b64(me->wrapped_key, STORE_SEALED_KEY) : json_null(),
        "my_wrap_signature", me->has_wrap ? json_b64(me->wrap_signature, 64) : json_null(),
        "my_wrap_signer", me->has_wrap ? json_string(me->wrap_signer) : json_null(),
        "my_invite_secret_box", json_b64(me->invite_secret_box, STORE_SECRET_BOX), "track_sexual",
        me->track_sexual);
    json_object_set_new(dyad, "therapist_sees_sexual", json_boolean(me->therapist_sexual));
    json_object_set_new(dyad, "show_comfort", json_boolean(me->show_comfort));
    /* Whether the topic desire is offered: only when both turned sexual
     * tracking on (sex comes up only by both people's choice). */
    json_object_set_new(dyad, "desire_open",
                        json_boolean(kind_desire_open((int)m.dyad.kind, m.members[0].track_sexual,
                                                      m.n > 1 && m.members[1].track_sexual)));
    json_t *invite = json_null();
    struct invite inv;
    if (m.partner < 0 && m.dyad.ended_at == 0 && strcmp(m.dyad.created_by, c->user.id) == 0 &&
        store_dyad_invite(c->app->store, m.dyad.id, c->now, &inv) == STORE_OK) {
        json_decref(invite);
        invite = json_invite(&inv);
    }
    json_object_set_new(dyad, "invite", invite);
    /* What is new to the caller (their own marker, never the other's: no
     * read receipts), and whether a therapist link waits for their consent.
     * Neither is worth failing the page over: left out when unreadable. */
    struct store_unread unread;
    if (m.partner >= 0 && store_unread(c->app->store, m.dyad.id, c->user.id, &unread) == STORE_OK)
        json_object_set_new(
            dyad, "unread",
            json_pack("{s:i, s:i}", "shares", unread.shares, "responses", unread.responses));
    struct therapist_link l;
    bool mine = false, theirs = false;
    if (m.partner >= 0 && m.dyad.ended_at == 0 &&
        store_link_get(c->app->store, m.dyad.id, &l) == STORE_OK) {
        for (size_t i = 0; i < l.n_consents; i++) {
            mine |= strcmp(l.consented[i], c->user.id) == 0;
            theirs |= strcmp(l.consented[i], m.members[m.partner].user_id) == 0;
        }
    }
    json_object_set_new(dyad, "therapist_waiting_for_me", json_boolean(theirs && !mine));
    reply_json(c, 200, json_pack("{s:o}", "dyad", dyad));
}

/* The caller has seen the dyad's shares and responses as they are now: the
 * "new" counts on their own pages start again from here. The marker is
 * theirs alone; nothing of it reaches the other member. */
void h_dyad_seen(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    enum store_result r = store_seen_mark(c->app->store, m.dyad.id, c->user.id, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

void h_dyad_put_key(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    const char *target = route_param(&c->params, "user_id");
    if (m.partner < 0 || strcmp(m.members[m.partner].user_id, target) != 0) {
        reply_error(c, API_NOT_FOUND, "user_id", "That person is not your partner in this dyad.");
        return;
    }
    if (m.dyad.ended_at != 0) {
        reply_error(c, API_CONFLICT, NULL, "This dyad has ended.");
        return;
    }
    unsigned char wrapped[STORE_SEALED_KEY], sig[64];
    if (take_wrap(c, c->user.sign_pk, wrapped, sig) != 0)
        return;
    enum store_result r =
        store_member_set_wrap(c->app->store, m.dyad.id, target, wrapped, sig, c->user.id);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "wrapped_key", "Your partner already has the dyad key.");
        return;
    }
    reply_store(c, r);
}

void h_dyad_settings(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    const struct member *me = &m.members[m.me];
    bool track = body_bool(c, "track_sexual", me->track_sexual);
    bool therapist = body_bool(c, "therapist_sees_sexual", me->therapist_sexual);
    bool show_comfort = body_bool(c, "show_comfort", me->show_comfort);
    int role = take_family_role(c, m.dyad.kind, me->family_role);
    if (role < 0)
        return;
    if (track && m.dyad.kind != DYAD_COUPLE) {
        reply_error(c, API_INVALID_FIELD, "track_sexual",
                    "Sexual connection can be tracked only in a couple.");
        return;
    }
    enum store_result r =
        store_member_set_track_sexual(c->app->store, m.dyad.id, c->user.id, track);
    if (r == STORE_OK && therapist != me->therapist_sexual)
        r = store_member_set_therapist_sexual(c->app->store, m.dyad.id, c->user.id, therapist);
    if (r == STORE_OK && show_comfort != me->show_comfort)
        r = store_member_set_show_comfort(c->app->store, m.dyad.id, c->user.id, show_comfort);
    /* saying who is who says it for both: the other gets the counterpart */
    if (r == STORE_OK && role != me->family_role)
        r = store_dyad_set_roles(c->app->store, m.dyad.id, c->user.id, role,
                                 kind_role_counterpart(role));
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    const char *role_name = kind_role_name(role);
    reply_json(c, 200,
               json_pack("{s:{s:b, s:b, s:b, s:s}}", "settings", "track_sexual", track,
                         "therapist_sees_sexual", therapist, "show_comfort", show_comfort,
                         "family_role", role_name != NULL ? role_name : "none"));
}

void h_dyad_leave(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    enum store_result r = store_dyad_leave(c->app->store, m.dyad.id, c->user.id,
                                           body_bool(c, "delete_my_content", false), c->now);
    reply_store(c, r);
}
