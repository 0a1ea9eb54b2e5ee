/*
 * h_links.c — the members' side of a therapist link: read it, consent
 * with the therapist's code (each member on their own; the link is active
 * only when both have), revoke at once, and read the audit of who looked
 * (GET/PUT/DELETE /dyads/{id}/therapist, GET /dyads/{id}/audit).
 */
#include <string.h>

#include "crypto/keys.h"
#include "web/handler.h"

static json_t *link_json(struct ctx *c, const struct membership *m, const struct therapist_link *l,
                         enum store_result *r)
{
    struct user t;
    *r = store_user_by_id(c->app->store, l->therapist_id, &t);
    if (*r != STORE_OK)
        return NULL;
    char fp[KEYS_FINGERPRINT_SIZE];
    keys_therapist_fingerprint(fp, sizeof fp, t.box_pk, t.sign_pk);
    json_t *consented = json_array();
    bool me = false, partner = false;
    for (size_t i = 0; i < l->n_consents; i++) {
        json_array_append_new(consented, json_string(l->consented[i]));
        me |= strcmp(l->consented[i], c->user.id) == 0;
        partner |= m->partner >= 0 && strcmp(l->consented[i], m->members[m->partner].user_id) == 0;
    }
    return json_pack("{s:{s:s, s:s, s:o, s:o, s:s}, s:{s:s, s:o, s:b, s:b, s:o}}", "therapist",
                     "id", t.id, "display_name", t.display_name, "box_public_key",
                     json_b64(t.box_pk, 32), "sign_public_key", json_b64(t.sign_pk, 32),
                     "fingerprint", fp, "link", "state", me && partner ? "active" : "pending",
                     "consented", consented, "consented_by_me", me, "consented_by_partner", partner,
                     "since", json_time(l->created_at));
}

static void reply_link(struct ctx *c, const struct membership *m, int status)
{
    struct therapist_link l;
    enum store_result r = store_link_get(c->app->store, m->dyad.id, &l);
    if (r == STORE_NOT_FOUND) {
        reply_json(c, status, json_pack("{s:n, s:n}", "therapist", "link"));
        return;
    }
    json_t *j = r == STORE_OK ? link_json(c, m, &l, &r) : NULL;
    if (j == NULL) {
        reply_store(c, r == STORE_OK ? STORE_ERROR : r);
        return;
    }
    reply_json(c, status, j);
}

void h_link_get(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    reply_link(c, &m, 200);
}

void h_link_consent(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    if (m.dyad.ended_at != 0 || m.partner < 0) {
        reply_error(c, API_CONFLICT, NULL, "A therapist can be linked once both of you are here.");
        return;
    }
    const char *code = body_str(c, "therapist_code");
    char code_id[THERAPIST_CODE_ID_CHARS + 1], fp[KEYS_FINGERPRINT_SIZE];
    if (code == NULL || strlen(code) != THERAPIST_CODE_ID_CHARS + 1 + KEYS_FINGERPRINT_SIZE - 1 ||
        code[THERAPIST_CODE_ID_CHARS] != '-') {
        reply_error(c, API_INVALID_FIELD, "therapist_code",
                    "A therapist code looks like ABCD2345-ABCDEFGH23456789.");
        return;
    }
    memcpy(code_id, code, THERAPIST_CODE_ID_CHARS);
    code_id[THERAPIST_CODE_ID_CHARS] = '\0';
    struct user t;
    enum store_result r = store_therapist_by_code(c->app->store, code_id, &t);
    if (r == STORE_OK)
        keys_therapist_fingerprint(fp, sizeof fp, t.box_pk, t.sign_pk);
    if (r == STORE_NOT_FOUND ||
        (r == STORE_OK && strcmp(fp, code + THERAPIST_CODE_ID_CHARS + 1) != 0)) {
        reply_error(c, API_INVALID_FIELD, "therapist_code",
                    "No therapist has this code. Check it with your therapist.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    r = store_link_consent(c->app->store, m.dyad.id, t.id, c->user.id, c->now);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "therapist_code",
                    "This dyad is linked with another therapist; end that link first.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_link(c, &m, 200);
}

void h_link_revoke(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    enum store_result r = store_link_revoke(c->app->store, m.dyad.id, c->user.id, c->now);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, NULL, "No therapist is linked.");
        return;
    }
    reply_store(c, r);
}

static void add_audit(void *p, const struct audit_entry *e)
{
    json_array_append_new(
        p, json_pack("{s:s, s:s, s:s, s:s, s:s*, s:o}", "actor_id", e->actor_id, "actor_name",
                     e->actor_name, "actor_role", e->actor_therapist ? "therapist" : "member",
                     "action", e->action, "about", e->subject_user[0] ? e->subject_user : NULL,
                     "at", json_time(e->at)));
}

void h_audit(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    json_t *list = json_array();
    enum store_result r =
        store_audit_list(c->app->store, m.dyad.id, c->user.id, 200, add_audit, list);
    if (r != STORE_OK) {
        json_decref(list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "audit", list));
}
