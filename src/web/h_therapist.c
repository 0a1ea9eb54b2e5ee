/*
 * h_therapist.c — the therapist workspace and the members' side of it.
 *
 * Members: link the dyad with a therapist code (each member consents on
 * their own; the link is active only when both have), read the link's
 * state, revoke at once, read the audit of who looked. Therapists: set up
 * an account from a one-time link, read their code, their caseload and one
 * dyad at a time — never a word, only scores and share metadata — and
 * assign homework. Every therapist read is written to the audit log.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkin.h"
#include "core/insights.h"
#include "core/prompts.h"
#include "core/questionnaire.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "web/charts.h"
#include "web/handler.h"
#include "web/insights_view.h"

enum {
    CODE_ID_CHARS = 8,
    SEALED_NOTE_MAX = 48 + 1024, /* crypto_box_seal overhead + padded text */
    ASSIGNMENT_DAYS_MAX = 28,
};

/* "K7Q2M9XA-6FSPDA3RVRJRVAWZ": the lookup id, then the key fingerprint. */
static void therapist_code(const char *code_id, const struct user *t, char *out, size_t cap)
{
    char fp[KEYS_FINGERPRINT_SIZE];
    keys_therapist_fingerprint(fp, sizeof fp, t->box_pk, t->sign_pk);
    snprintf(out, cap, "%s-%s", code_id, fp);
}

static void new_code_id(char out[CODE_ID_CHARS + 1])
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char r[CODE_ID_CHARS];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < CODE_ID_CHARS; i++)
        out[i] = b32[r[i] & 31];
    out[CODE_ID_CHARS] = '\0';
}

/* ---- therapist account ----------------------------------------------------- */

void h_therapist_setup(struct ctx *c)
{
    const char *token = body_str(c, "token");
    if (token == NULL || strlen(token) != DCRYPTO_TOKEN_LEN) {
        reply_error(c, API_INVALID_FIELD, "token", "That is not a setup link.");
        return;
    }
    struct user u;
    memset(&u, 0, sizeof u);
    unsigned char auth_key[32];
    if (take_account(c, &u, auth_key) != 0)
        return;
    /* the token first: Argon2id only for a link that can still be used */
    unsigned char token_hash[32];
    dcrypto_token_hash(token, token_hash);
    enum store_result r = store_therapist_invite_check(c->app->store, token_hash, c->now);
    if (r != STORE_OK) {
        sodium_memzero(auth_key, sizeof auth_key);
        if (r == STORE_ERROR || r == STORE_UNAVAILABLE)
            reply_store(c, r);
        else
            reply_error(c, r == STORE_CONFLICT ? API_CONFLICT : API_NOT_FOUND, "token",
                        r == STORE_CONFLICT ? "This setup link has been used."
                                            : "This setup link is not valid or has expired.");
        return;
    }
    int hr = dcrypto_auth_hash(auth_key, u.auth_hash);
    sodium_memzero(auth_key, sizeof auth_key);
    if (hr != 0) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return;
    }
    dcrypto_random_id("u-", u.id, sizeof u.id);
    u.role = USER_THERAPIST;
    u.created_at = c->now;
    char code_id[CODE_ID_CHARS + 1];
    new_code_id(code_id);
    r = store_therapist_setup(c->app->store, token_hash, &u, code_id, c->now);
    switch (r) {
    case STORE_OK:
        break;
    case STORE_NOT_FOUND:
    case STORE_EXPIRED:
        reply_error(c, API_NOT_FOUND, "token", "This setup link is not valid or has expired.");
        return;
    case STORE_CONFLICT:
        reply_error(c, API_CONFLICT, "token",
                    "This setup link has been used, or the address has an account.");
        return;
    case STORE_ERROR:
    case STORE_UNAVAILABLE:
        reply_store(c, r);
        return;
    }
    char code[64];
    therapist_code(code_id, &u, code, sizeof code);
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "user", "id", u.id, "email", u.email,
                         "display_name", u.display_name, "role", "therapist", "therapist_code",
                         code));
}

void h_therapist_code(struct ctx *c)
{
    char code_id[32], code[64];
    enum store_result r = store_therapist_code(c->app->store, c->user.id, code_id, sizeof code_id);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    therapist_code(code_id, &c->user, code, sizeof code);
    reply_json(c, 200, json_pack("{s:s}", "therapist_code", code));
}

/* ---- members' side ---------------------------------------------------------- */

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
    char code_id[CODE_ID_CHARS + 1], fp[KEYS_FINGERPRINT_SIZE];
    if (code == NULL || strlen(code) != CODE_ID_CHARS + 1 + KEYS_FINGERPRINT_SIZE - 1 ||
        code[CODE_ID_CHARS] != '-') {
        reply_error(c, API_INVALID_FIELD, "therapist_code",
                    "A therapist code looks like ABCD2345-ABCDEFGH23456789.");
        return;
    }
    memcpy(code_id, code, CODE_ID_CHARS);
    code_id[CODE_ID_CHARS] = '\0';
    struct user t;
    enum store_result r = store_therapist_by_code(c->app->store, code_id, &t);
    if (r == STORE_OK)
        keys_therapist_fingerprint(fp, sizeof fp, t.box_pk, t.sign_pk);
    if (r == STORE_NOT_FOUND || (r == STORE_OK && strcmp(fp, code + CODE_ID_CHARS + 1) != 0)) {
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

/* ---- therapist's side -------------------------------------------------------- */

/* The dyad {id} when it is linked to the calling therapist with both
 * members' consent; otherwise 403 (unlinked, half-consented, revoked). */
int load_linked(struct ctx *c, struct membership *m)
{
    if (c->has_membership) {
        *m = *c->membership;
        return 0;
    }
    const char *id = route_param(&c->params, "id");
    struct therapist_link l;
    enum store_result r = store_link_get(c->app->store, id, &l);
    if (r == STORE_OK && strcmp(l.therapist_id, c->user.id) == 0 && l.n_consents == 2) {
        memset(m, 0, sizeof *m);
        r = store_dyad_get(c->app->store, id, &m->dyad, m->members, &m->n);
        if (r == STORE_OK && m->dyad.ended_at == 0 && m->n == 2) {
            m->me = -1;
            m->partner = -1;
            return 0;
        }
    }
    if (r == STORE_ERROR || r == STORE_UNAVAILABLE) {
        reply_store(c, r);
        return -1;
    }
    reply_error(c, API_FORBIDDEN, NULL,
                "This dyad has not linked you with both members' consent, or has ended the link.");
    return -1;
}

static json_t *dyad_summary(struct ctx *c, const struct membership *m, int window, bool *ok)
{
    struct insights_view v;
    struct insights_result *res = arena_alloc(c->arena, sizeof *res);
    *ok = res != NULL && insights_view_load(c, m, window, INSIGHTS_VIEWER_THERAPIST, &v) == 0 &&
          insights_compute(&v.input, res) == INSIGHTS_OK;
    if (!*ok)
        return NULL;
    json_t *j = insights_view_json(&v, res);
    json_t *members = json_object_get(j, "members");
    for (size_t i = 0; i < m->n && i < 2; i++) {
        json_t *o = json_array_get(members, i);
        json_object_set_new(o, "display_name", json_string(m->members[i].display_name));
        /* for sealing homework notes to each member in the therapist's browser */
        json_object_set_new(o, "box_public_key", json_b64(m->members[i].box_pk, 32));
    }
    int64_t last = 0;
    if (store_dyad_last_activity(c->app->store, m->dyad.id, &last) == STORE_OK && last > 0)
        json_object_set_new(j, "last_activity", json_time(last));
    json_object_set_new(j, "id", json_string(m->dyad.id));
    json_object_set_new(j, "kind", json_string(kind_names[m->dyad.kind]));
    return j;
}

struct caseload {
    struct ctx *c;
    json_t *list;
    bool failed;
};

static void add_case(void *p, const struct therapist_link *l)
{
    struct caseload *cl = p;
    struct ctx *c = cl->c;
    if (l->n_consents != 2)
        return; /* half-consented: not yet theirs to see */
    struct membership m;
    memset(&m, 0, sizeof m);
    if (store_dyad_get(c->app->store, l->dyad_id, &m.dyad, m.members, &m.n) != STORE_OK ||
        m.dyad.ended_at != 0 || m.n != 2)
        return;
    bool ok;
    json_t *j = dyad_summary(c, &m, INSIGHTS_WINDOW_DEFAULT, &ok);
    if (!ok || store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_caseload", NULL,
                               c->now) != STORE_OK) {
        json_decref(j);
        cl->failed = true;
        return;
    }
    json_array_append_new(cl->list, j);
}

void h_caseload(struct ctx *c)
{
    struct caseload cl = {c, json_array(), false};
    enum store_result r = store_therapist_links(c->app->store, c->user.id, add_case, &cl);
    if (r != STORE_OK || cl.failed) {
        json_decref(cl.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "dyads", cl.list));
}

struct counts {
    const struct membership *m;
    int64_t since;
    int by[2][PROMPTS_TOPIC__MAX][5];
    int answered[2], written[2];
};

static void count_share(void *p, const struct share_meta *sm)
{
    struct counts *k = p;
    int who = strcmp(sm->author_id, k->m->members[0].user_id) == 0 ? 0 : 1;
    if (sm->topic < 0 || sm->topic >= PROMPTS_TOPIC__MAX || sm->depth < 1 || sm->depth > 5)
        return;
    k->by[who][sm->topic][sm->depth - 1]++;
    k->written[who]++;
    if (sm->answered_at != 0 && sm->answered_at - sm->created_at <= 48 * 3600)
        k->answered[who]++;
}

void h_therapist_dyad(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    int window = insights_take_window(c);
    if (window < 0)
        return;
    bool ok;
    json_t *j = dyad_summary(c, &m, window, &ok);
    struct counts *k = arena_alloc(c->arena, sizeof *k);
    if (!ok || k == NULL) {
        json_decref(j);
        reply_store(c, STORE_ERROR);
        return;
    }
    k->m = &m;
    long today = server_today(c);
    enum store_result r = store_share_meta(c->app->store, m.dyad.id,
                                           (int64_t)(today + 1 - window) * 86400, count_share, k);
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_dyad", NULL, c->now);
    if (r != STORE_OK) {
        json_decref(j);
        reply_store(c, r);
        return;
    }
    json_t *shares = json_array();
    for (int who = 0; who < 2; who++) {
        json_t *topics = json_object();
        for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
            json_t *depths = json_array();
            int sum = 0;
            for (int d = 0; d < 5; d++) {
                json_array_append_new(depths, json_integer(k->by[who][t][d]));
                sum += k->by[who][t][d];
            }
            if (sum > 0)
                json_object_set_new(topics, prompts_topic_name(t), depths);
            else
                json_decref(depths);
        }
        json_array_append_new(shares,
                              json_pack("{s:s, s:i, s:i, s:o}", "author_id", m.members[who].user_id,
                                        "written", k->written[who], "answered_by_partner_48h",
                                        k->answered[who], "by_topic_depth", topics));
    }
    json_object_set_new(j, "shares", shares);
    reply_json(c, 200, j);
}

void h_assignment_create(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct assignment a;
    memset(&a, 0, sizeof a);
    const char *topic = body_str(c, "topic");
    a.topic = topic != NULL ? prompts_topic_from_name(topic) : -1;
    if (a.topic < 0 || !prompts_topic_allows_kind(a.topic, (int)m.dyad.kind)) {
        reply_error(c, API_INVALID_FIELD, "topic", "There is no such topic for this dyad.");
        return;
    }
    json_int_t depth = json_integer_value(json_object_get(c->body, "depth"));
    if (depth < 1 || depth > 5) {
        reply_error(c, API_INVALID_FIELD, "depth", "depth is 1 to 5.");
        return;
    }
    a.depth = (int)depth;
    json_t *dj = json_object_get(c->body, "days");
    json_int_t days = dj != NULL ? json_integer_value(dj) : 7;
    if (days < 1 || days > ASSIGNMENT_DAYS_MAX) {
        reply_error(c, API_INVALID_FIELD, "days", "days is 1 to 28.");
        return;
    }
    /* the note, sealed in the therapist's browser to each member's box key */
    const char *users[2];
    const unsigned char *notes[2];
    size_t lens[2], n = 0;
    json_t *nj = json_object_get(c->body, "notes");
    const char *key;
    json_t *v;
    json_object_foreach(nj, key, v)
    {
        int who = -1;
        for (size_t i = 0; i < m.n; i++)
            if (strcmp(m.members[i].user_id, key) == 0)
                who = (int)i;
        unsigned char *buf = arena_alloc(c->arena, SEALED_NOTE_MAX);
        if (who < 0 || !json_is_string(v) || n == 2 || buf == NULL ||
            validate_b64_range(json_string_value(v), buf, 48 + 64, SEALED_NOTE_MAX, &lens[n]) !=
                0) {
            reply_error(c, API_INVALID_FIELD, "notes",
                        "notes maps each member's id to the note sealed to their key.");
            return;
        }
        users[n] = m.members[who].user_id;
        notes[n++] = buf;
    }
    dcrypto_random_id("h-", a.id, sizeof a.id);
    snprintf(a.therapist_id, sizeof a.therapist_id, "%s", c->user.id);
    a.created_at = a.starts_at = c->now;
    a.ends_at = c->now + days * 86400;
    enum store_result r =
        store_assignment_create(c->app->store, m.dyad.id, &a, users, notes, lens, n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:i, s:o, s:o}}", "assignment", "id", a.id, "topic",
                         prompts_topic_name(a.topic), "depth", a.depth, "starts_at",
                         json_time(a.starts_at), "ends_at", json_time(a.ends_at)));
}

/* ---- private check-ins --------------------------------------------------------- */

static json_t *questionnaire_find(struct ctx *c, const char *id)
{
    size_t i;
    json_t *q;
    json_array_foreach(
        (json_t *)c->app->questionnaires, i,
        q) if (id != NULL && strcmp(json_string_value(json_object_get(q, "id")), id) == 0) return q;
    return NULL;
}

void h_questionnaires(struct ctx *c)
{
    reply_json(c, 200, json_pack("{s:O}", "questionnaires", (json_t *)c->app->questionnaires));
}

/* A value sealed in a browser with crypto_box_seal of padded text. */
static int take_sealed(struct ctx *c, const char *name, unsigned char **out, size_t *len)
{
    const char *b64 = body_str(c, name);
    unsigned char *buf = arena_alloc(c->arena, STORE_SEALED_MAX);
    if (b64 == NULL || buf == NULL ||
        validate_b64_range(b64, buf, crypto_box_SEALBYTES + 64, STORE_SEALED_MAX, len) != 0 ||
        (*len - crypto_box_SEALBYTES) % 64 != 0) {
        reply_error(c, API_INVALID_FIELD, name,
                    arena_printf(c->arena,
                                 "'%s' must be text padded to 64 bytes and sealed to "
                                 "the therapist's key, at most 8 KiB.",
                                 name));
        return -1;
    }
    *out = buf;
    return 0;
}

void h_private_assign(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct private_checkin p;
    memset(&p, 0, sizeof p);
    const char *user = body_str(c, "user_id");
    int who = -1;
    for (size_t i = 0; user != NULL && i < m.n; i++)
        if (strcmp(m.members[i].user_id, user) == 0)
            who = (int)i;
    if (who < 0) {
        reply_error(c, API_INVALID_FIELD, "user_id", "That person is not a member of this dyad.");
        return;
    }
    const char *qid = body_str(c, "questionnaire");
    if (questionnaire_find(c, qid) == NULL) {
        reply_error(c, API_INVALID_FIELD, "questionnaire", "There is no such questionnaire.");
        return;
    }
    dcrypto_random_id("p-", p.id, sizeof p.id);
    snprintf(p.dyad_id, sizeof p.dyad_id, "%s", m.dyad.id);
    snprintf(p.therapist_id, sizeof p.therapist_id, "%s", c->user.id);
    snprintf(p.user_id, sizeof p.user_id, "%s", m.members[who].user_id);
    snprintf(p.questionnaire, sizeof p.questionnaire, "%s", qid);
    p.assigned_at = c->now;
    enum store_result r = store_private_assign(c->app->store, &p);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:s, s:o}}", "private_checkin", "id", p.id, "user_id",
                         p.user_id, "questionnaire", p.questionnaire, "assigned_at",
                         json_time(p.assigned_at)));
}

struct plist {
    struct ctx *c;
    json_t *list;
    bool therapist_view;
    bool failed;
};

static void add_private(void *ctxp, const struct private_checkin *p)
{
    struct plist *pl = ctxp;
    struct ctx *c = pl->c;
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o*}", "id", p->id, "dyad_id", p->dyad_id,
                          "user_id", p->user_id, "assigned_at", json_time(p->assigned_at),
                          "answered_at", p->answered_at ? json_time(p->answered_at) : NULL);
    if (pl->therapist_view) {
        json_object_set_new(o, "questionnaire", json_string(p->questionnaire));
        json_object_set_new(o, "sealed",
                            p->sealed != NULL ? json_b64(p->sealed, p->sealed_len) : json_null());
        /* a read of one member's private answers shows in that member's audit only */
        if (p->answered_at != 0 && store_audit_add(c->app->store, p->dyad_id, c->user.id,
                                                   "view_private", p->user_id, c->now) != STORE_OK)
            pl->failed = true;
    } else {
        struct user t;
        if (store_user_by_id(c->app->store, p->therapist_id, &t) != STORE_OK) {
            pl->failed = true;
            json_decref(o);
            return;
        }
        char fp[KEYS_FINGERPRINT_SIZE];
        keys_therapist_fingerprint(fp, sizeof fp, t.box_pk, t.sign_pk);
        json_t *q = questionnaire_find(c, p->questionnaire);
        json_object_set_new(o, "questionnaire", q != NULL ? json_incref(q) : json_null());
        json_object_set_new(o, "therapist",
                            json_pack("{s:s, s:s, s:o, s:o, s:s}", "id", t.id, "display_name",
                                      t.display_name, "box_public_key", json_b64(t.box_pk, 32),
                                      "sign_public_key", json_b64(t.sign_pk, 32), "fingerprint",
                                      fp));
    }
    json_array_append_new(pl->list, o);
}

void h_private_list_therapist(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct plist pl = {c, json_array(), true, false};
    enum store_result r =
        store_private_list(c->app->store, NULL, m.dyad.id, c->user.id, add_private, &pl);
    if (r != STORE_OK || pl.failed) {
        json_decref(pl.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "private_checkins", pl.list));
}

void h_private_list_mine(struct ctx *c)
{
    struct plist pl = {c, json_array(), false, false};
    enum store_result r =
        store_private_list(c->app->store, c->user.id, NULL, NULL, add_private, &pl);
    if (r != STORE_OK || pl.failed) {
        json_decref(pl.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "private_checkins", pl.list));
}

void h_private_answer(struct ctx *c)
{
    unsigned char *sealed;
    size_t len;
    if (take_sealed(c, "sealed", &sealed, &len) != 0)
        return;
    enum store_result r = store_private_answer(c->app->store, route_param(&c->params, "pid"),
                                               c->user.id, sealed, len, c->now);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "pid", "There is no such check-in for you.");
        return;
    }
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "pid", "You have answered this check-in already.");
        return;
    }
    reply_store(c, r);
}

/* ---- re-shares ------------------------------------------------------------------ */

void h_reshare(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct therapist_link l;
    enum store_result r = store_link_get(c->app->store, m.dyad.id, &l);
    if (r == STORE_NOT_FOUND || (r == STORE_OK && l.n_consents != 2)) {
        reply_error(c, API_CONFLICT, NULL, "No therapist is linked with both of your consent.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    struct reshare x;
    memset(&x, 0, sizeof x);
    const char *kind = body_str(c, "entry_kind"), *entry = body_str(c, "entry_id");
    if (kind == NULL || (strcmp(kind, "share") != 0 && strcmp(kind, "response") != 0 &&
                         strcmp(kind, "note") != 0)) {
        reply_error(c, API_INVALID_FIELD, "entry_kind", "entry_kind is share, response or note.");
        return;
    }
    bool mine = false;
    long day;
    if (strcmp(kind, "note") == 0) {
        mine = entry != NULL && date_parse(entry, &day) == 0; /* one's own note of that day */
    } else if (entry != NULL && validate_entry_id(entry) == 0) {
        r = store_entry_author(c->app->store, m.dyad.id, entry, c->user.id, &mine);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
    }
    if (!mine) {
        reply_error(c, API_INVALID_FIELD, "entry_id", "Only an entry you wrote can be re-shared.");
        return;
    }
    unsigned char *sealed;
    if (take_sealed(c, "sealed", &sealed, &x.sealed_len) != 0)
        return;
    x.sealed = sealed;
    dcrypto_random_id("r-", x.id, sizeof x.id);
    snprintf(x.user_id, sizeof x.user_id, "%s", c->user.id);
    snprintf(x.entry_id, sizeof x.entry_id, "%s", entry);
    snprintf(x.entry_kind, sizeof x.entry_kind, "%s", kind);
    x.created_at = c->now;
    r = store_reshare_add(c->app->store, m.dyad.id, l.therapist_id, &x);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 201,
        json_pack("{s:{s:s, s:o}}", "reshare", "id", x.id, "created_at", json_time(x.created_at)));
}

struct rlist {
    struct ctx *c;
    const char *dyad_id;
    json_t *list;
    bool failed;
};

static void add_reshare(void *p, const struct reshare *x)
{
    struct rlist *rl = p;
    json_array_append_new(rl->list,
                          json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", x->id, "user_id",
                                    x->user_id, "entry_id", x->entry_id, "entry_kind",
                                    x->entry_kind, "created_at", json_time(x->created_at), "sealed",
                                    json_b64(x->sealed, x->sealed_len)));
    if (store_audit_add(rl->c->app->store, rl->dyad_id, rl->c->user.id, "view_reshare", x->user_id,
                        rl->c->now) != STORE_OK)
        rl->failed = true;
}

void h_reshares_therapist(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct rlist rl = {c, m.dyad.id, json_array(), false};
    enum store_result r = store_reshares(c->app->store, m.dyad.id, c->user.id, add_reshare, &rl);
    if (r != STORE_OK || rl.failed) {
        json_decref(rl.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "reshares", rl.list));
}

/* The dyad's two charts as SVG, for the therapist's page: the same drawings
 * as the members' insights page, from the therapist's view of the data. */
void h_therapist_charts(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    int window = insights_take_window(c);
    if (window < 0)
        return;
    struct insights_view v;
    struct insights_result *res = arena_alloc(c->arena, sizeof *res);
    if (res == NULL || insights_view_load(c, &m, window, INSIGHTS_VIEWER_THERAPIST, &v) != 0 ||
        insights_compute(&v.input, res) != INSIGHTS_OK) {
        reply_store(c, STORE_ERROR);
        return;
    }
    const char *names[2] = {m.members[0].display_name, m.members[1].display_name};
    char *series = charts_series_svg(&v.input, res, names, "series");
    char *quadrant = charts_quadrant_svg(&v.input, res, names, "quadrant");
    json_t *j =
        series != NULL && quadrant != NULL
            ? json_pack("{s:i, s:s, s:s}", "window", window, "series", series, "quadrant", quadrant)
            : NULL;
    free(series);
    free(quadrant);
    if (j == NULL || store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_charts", NULL,
                                     c->now) != STORE_OK) {
        json_decref(j);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, j);
}
