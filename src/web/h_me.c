/*
 * h_me.c — one's own account: who one is (GET /me), the password
 * (POST /me/password), sessions and devices, notices, export and erasure
 * (GET/DELETE /me/sessions…, DELETE /me/notices/{id}, GET /me/export,
 * DELETE /me).
 *
 * Everything here is about the caller alone; nothing is ever said to the
 * partner beyond what leaving makes visible (the dyad has ended).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/checkin.h"
#include "core/prompts.h"
#include "core/validate.h"
#include "core/vocab.h"
#include "crypto/crypto.h"
#include "web/handler.h"
#include "web/measures_view.h"
#include "web/reminders_view.h"

struct list_ctx {
    struct ctx *c;
    json_t *list;
};

static void add_session(void *p, const struct session *s)
{
    struct list_ctx *l = p;
    json_array_append_new(
        l->list, json_pack("{s:s, s:o, s:o, s:o, s:s, s:b, s:b}", "id", s->id, "created_at",
                           json_time(s->created_at), "last_seen_at", json_time(s->last_seen_at),
                           "expires_at", json_time(session_expires_at(l->c->app, s)), "user_agent",
                           s->user_agent, "device", s->device_id[0] != '\0', "current",
                           strcmp(s->id, l->c->session.id) == 0));
}

void h_sessions(struct ctx *c)
{
    struct list_ctx l = {c, json_array()};
    enum store_result r = store_sessions_list(c->app->store, c->user.id, add_session, &l);
    if (r != STORE_OK) {
        json_decref(l.list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "sessions", l.list));
}

void h_session_delete(struct ctx *c)
{
    /* That browser is signed out: its reminders by push stop with it. */
    const char *id = route_param(&c->params, "sid");
    enum store_result r = store_session_end(c->app->store, c->user.id, id);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "sid", "There is no such session of yours.");
        return;
    }
    reply_store(c, r);
}

static void add_notice(void *p, const struct notice *n)
{
    json_array_append_new(p, json_pack("{s:s, s:s, s:s, s:o}", "id", n->id, "kind", n->kind,
                                       "user_agent", n->detail, "created_at",
                                       json_time(n->created_at)));
}

static json_t *me_notices(struct ctx *c)
{
    json_t *list = json_array();
    if (store_notices(c->app->store, c->user.id, add_notice, list) != STORE_OK) {
        json_decref(list);
        return NULL;
    }
    return list;
}

void h_me(struct ctx *c)
{
    struct dyad_summary ds[32];
    size_t n = 0;
    enum store_result r = store_user_dyads(c->app->store, c->user.id, ds, 32, &n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    json_t *dyads = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(dyads, json_pack("{s:s, s:s, s:b, s:b}", "id", ds[i].id, "kind",
                                               kind_names[ds[i].kind], "active", ds[i].active,
                                               "paired", ds[i].paired));
    json_t *user = json_user(&c->user);
    json_object_set_new(user, "box_public_key", json_b64(c->user.box_pk, 32));
    json_object_set_new(user, "sign_public_key", json_b64(c->user.sign_pk, 32));
    json_t *notices = me_notices(c);
    if (notices == NULL) {
        json_decref(user);
        json_decref(dyads);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200,
               json_pack("{s:o, s:s, s:o, s:o}", "user", user, "csrf_token", c->session.csrf_token,
                         "dyads", dyads, "notices", notices));
}

void h_me_password(struct ctx *c)
{
    unsigned char auth_key[32], new_key[32], salt[16], wrapped[STORE_WRAPPED_KEYS];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0 ||
        body_b64(c, "new_kdf_salt", salt, sizeof salt) != 0 ||
        body_b64(c, "new_auth_key", new_key, sizeof new_key) != 0 ||
        body_b64(c, "new_wrapped_keys", wrapped, sizeof wrapped) != 0) {
        sodium_memzero(auth_key, sizeof auth_key);
        sodium_memzero(new_key, sizeof new_key);
        return;
    }
    if (auth_reverify(c, auth_key) != 0) {
        sodium_memzero(new_key, sizeof new_key);
        return;
    }
    char hash[DCRYPTO_HASH_STR_MAX];
    int hr = dcrypto_auth_hash(new_key, hash);
    sodium_memzero(new_key, sizeof new_key);
    sodium_memzero(auth_key, sizeof auth_key);
    if (hr != 0) {
        if (hr == DCRYPTO_BUSY)
            reply_hash_busy(c);
        else
            reply_error(c, API_UNAVAILABLE, NULL, "The server is out of memory; please try again.");
        return;
    }
    enum store_result r =
        store_user_set_password(c->app->store, c->user.id, salt, hash, wrapped, c->session.id);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

void h_notice_delete(struct ctx *c)
{
    enum store_result r =
        store_notice_delete(c->app->store, c->user.id, route_param(&c->params, "nid"));
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "nid", "There is no such notice.");
        return;
    }
    reply_store(c, r);
}

void h_me_delete(struct ctx *c)
{
    unsigned char auth_key[32];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0)
        return;
    if (auth_reverify(c, auth_key) != 0)
        return; /* 403 or 429; nothing was deleted */
    enum store_result r = store_user_delete(c->app->store, c->user.id, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    http_response_header(c->res, "Set-Cookie",
                         arena_printf(c->arena,
                                      "%s=; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=0",
                                      c->app->cookie_name, c->app->tls ? "; Secure" : ""));
    reply_no_content(c);
}

/* ---- export --------------------------------------------------------------- */

struct export_ctx {
    json_t *checkins; /* by date */
    json_t *shares, *responses, *comfort, *measures;
    const struct app *app;
};

static void export_note(void *p, long day, const unsigned char *note, size_t len)
{
    struct export_ctx *e = p;
    char date[11];
    date_format(day, date);
    json_t *row = json_object_get(e->checkins, date);
    if (row != NULL)
        json_object_set_new(row, "note", json_b64(note, len));
}

static void export_share(void *p, const struct share *sh)
{
    struct export_ctx *e = p;
    json_array_append_new(
        e->shares, json_pack("{s:s, s:s, s:i, s:s*, s:s, s:o, s:o}", "id", sh->id, "topic",
                             prompts_topic_name(sh->topic), "depth", sh->depth, "prompt_id",
                             sh->prompt_id[0] ? sh->prompt_id : NULL, "reveal",
                             sh->mutual ? "mutual" : "now", "created_at", json_time(sh->created_at),
                             "body", json_b64(sh->body, sh->body_len)));
}

static void export_response(void *p, const struct response *x)
{
    struct export_ctx *e = p;
    json_array_append_new(
        e->responses, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", x->id, "share_id", x->share_id,
                                "kind", vocab_response_name(x->kind % VOCAB_RESPONSE__MAX),
                                "created_at", json_time(x->created_at), "body",
                                x->body != NULL ? json_b64(x->body, x->body_len) : json_null()));
}

static void export_comfort(void *p, int topic, int level, int64_t set_at)
{
    struct export_ctx *e = p;
    json_array_append_new(e->comfort,
                          json_pack("{s:s, s:i, s:o}", "topic", prompts_topic_name(topic), "level",
                                    level, "set_at", json_time(set_at)));
}

/* One's own answer to a measure, scored as the server scores it; with the
 * choice indexes as stored when the questionnaire is no longer known. */
static void export_measure_answer(void *p, const struct measure *m, const struct measure_answer *a)
{
    struct export_ctx *e = p;
    const struct questionnaire *q = measures_def(e->app, m->questionnaire, NULL);
    json_t *o = NULL;
    if (q != NULL) {
        o = measures_answer_json(q, a);
        json_object_del(o, "user_id");
        json_object_del(o, "danger");
    } else {
        json_t *raw = json_loads(a->answers, 0, NULL);
        o = json_pack("{s:i, s:s, s:o, s:n, s:b, s:o}", "period", a->period, "day", a->day,
                      "answers", raw != NULL ? raw : json_null(), "scores", "show_partner",
                      a->show_partner, "answered_at", json_time(a->answered_at));
    }
    if (o == NULL)
        return;
    json_object_set_new(o, "measure_id", json_string(m->id));
    json_object_set_new(o, "questionnaire_id", json_string(m->questionnaire));
    json_array_append_new(e->measures, o);
}

static json_t *export_dyad(struct ctx *c, const struct dyad_summary *ds, enum store_result *r)
{
    struct dyad d;
    struct member members[2];
    size_t n = 0;
    *r = store_dyad_get(c->app->store, ds->id, &d, members, &n);
    if (*r != STORE_OK)
        return NULL;
    json_t *mem = json_array();
    json_t *wrap = json_null();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(mem, json_pack("{s:s, s:s, s:o, s:o}", "user_id", members[i].user_id,
                                             "display_name", members[i].display_name,
                                             "box_public_key", json_b64(members[i].box_pk, 32),
                                             "sign_public_key", json_b64(members[i].sign_pk, 32)));
        if (strcmp(members[i].user_id, c->user.id) == 0 && members[i].has_wrap) {
            json_decref(wrap);
            wrap = json_pack("{s:o, s:o, s:s}", "wrapped_key",
                             json_b64(members[i].wrapped_key, STORE_SEALED_KEY), "signature",
                             json_b64(members[i].wrap_signature, 64), "signer",
                             members[i].wrap_signer);
        }
    }
    struct export_ctx e = {json_object(), json_array(), json_array(),
                           json_array(),  json_array(), c->app};
    size_t max = 2 * 4000, rows_n = 0;
    struct checkin *rows = arena_alloc(c->arena, max * sizeof *rows);
    *r = rows != NULL ? store_checkins(c->app->store, d.id, 0, 3000000, rows, max, &rows_n)
                      : STORE_ERROR;
    json_t *checkins = json_array();
    for (size_t i = 0; *r == STORE_OK && i < rows_n; i++) {
        if (strcmp(rows[i].user_id, c->user.id) != 0)
            continue;
        char date[11];
        date_format(rows[i].day, date);
        json_t *o = json_pack("{s:s}", "date", date);
        for (int k = 0; k < STORE_CHECKIN_SCORES; k++)
            json_object_set_new(o, insights_item_name(k),
                                rows[i].score[k] == STORE_NULL ? json_null()
                                                               : json_integer(rows[i].score[k]));
        json_t *emotions = json_array(), *show = json_array();
        for (int k = 0; k < INSIGHTS_EMOTION__MAX; k++)
            if (rows[i].emotions & (1u << k))
                json_array_append_new(emotions, json_string(checkin_emotion_name(k)));
        for (int k = 0; k < INSIGHTS_ITEM__MAX; k++)
            if (rows[i].show_mask & INSIGHTS_ITEM_BIT(k) & CHECKIN_SHOWABLE)
                json_array_append_new(show, json_string(insights_item_name(k)));
        json_object_set_new(o, "emotions", emotions);
        json_object_set_new(o, "wordless",
                            rows[i].wordless == STORE_NULL ? json_null()
                                                           : json_boolean(rows[i].wordless));
        json_object_set_new(o, "show_partner", show);
        json_object_set_new(o, "note", json_null());
        json_array_append_new(checkins, o);
        json_object_set(e.checkins, date, o);
    }
    if (*r == STORE_OK)
        *r = store_checkin_notes(c->app->store, d.id, c->user.id, 0, 3000000, export_note, &e);
    if (*r == STORE_OK)
        *r = store_authored(c->app->store, d.id, c->user.id, export_share, export_response, &e);
    if (*r == STORE_OK)
        *r = store_comfort_history(c->app->store, d.id, c->user.id, export_comfort, &e);
    if (*r == STORE_OK)
        *r = store_measure_answers_own(c->app->store, d.id, c->user.id, export_measure_answer, &e);
    json_decref(e.checkins);
    return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", d.id, "kind",
                     kind_names[d.kind], "active", d.ended_at == 0, "members", mem, "my_key", wrap,
                     "checkins", checkins, "shares", e.shares, "responses", e.responses, "comfort",
                     e.comfort, "measures", e.measures);
}

void h_me_export(struct ctx *c)
{
    struct dyad_summary ds[32];
    size_t n = 0;
    enum store_result r = store_user_dyads(c->app->store, c->user.id, ds, 32, &n);
    json_t *dyads = json_array();
    for (size_t i = 0; r == STORE_OK && i < n; i++) {
        json_t *d = export_dyad(c, &ds[i], &r);
        if (d != NULL)
            json_array_append_new(dyads, d);
    }
    struct list_ctx l = {c, json_array()};
    if (r == STORE_OK)
        r = store_sessions_list(c->app->store, c->user.id, add_session, &l);
    /* the reminders asked for, and where they go by push (no keys) */
    struct reminder rem;
    enum store_result rr =
        r == STORE_OK ? store_reminder_get(c->app->store, c->user.id, &rem) : STORE_ERROR;
    if (r == STORE_OK && rr != STORE_OK && rr != STORE_NOT_FOUND)
        r = rr;
    json_t *pushes = NULL;
    if (r == STORE_OK)
        r = push_subscriptions_json(c, &pushes);
    if (r != STORE_OK) {
        json_decref(dyads);
        json_decref(l.list);
        reply_store(c, r);
        return;
    }
    json_t *reminders = rr == STORE_OK ? reminder_settings_json(&rem) : json_null();
    const struct user *u = &c->user;
    json_t *user = json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", u->id, "email", u->email,
        "display_name", u->display_name, "created_at", json_time(u->created_at), "kdf_salt",
        json_b64(u->kdf_salt, 16), "box_public_key", json_b64(u->box_pk, 32), "sign_public_key",
        json_b64(u->sign_pk, 32), "wrapped_keys", json_b64(u->wrapped_keys, STORE_WRAPPED_KEYS),
        "recovery_wrapped_keys", json_b64(u->recovery_wrapped_keys, STORE_WRAPPED_KEYS));
    http_response_header(c->res, "Content-Disposition",
                         "attachment; filename=\"dyad-export.json\"");
    reply_json(c, 200,
               json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "format", "dyad-export",
                         "version", 1, "exported_at", json_time(c->now), "user", user, "sessions",
                         l.list, "reminders", reminders, "push_subscriptions", pushes, "dyads",
                         dyads));
}
