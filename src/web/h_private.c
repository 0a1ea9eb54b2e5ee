/*
 * h_private.c — private check-ins: the questionnaires a therapist may give,
 * giving one to a member, the member's list and sealed answer, and the
 * therapist's list (each read of an answer audited for that member alone).
 * The partner sees nothing of any of it.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/keys.h"
#include "web/handler.h"

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
    json_t *q = questionnaire_find(c, qid);
    if (q == NULL) {
        reply_error(c, API_INVALID_FIELD, "questionnaire", "There is no such questionnaire.");
        return;
    }
    const char *by = json_string_value(json_object_get(q, "answered_by"));
    if (by != NULL && strcmp(by, "private") != 0) {
        reply_error(c, API_INVALID_FIELD, "questionnaire",
                    "Each member answers that questionnaire; it cannot be given privately.");
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
    size_t len;
    const unsigned char *sealed = body_bytes(c, "sealed", &len);
    /* the danger signal (declared as exactly STORE_PRIVATE_SIGNAL bytes); NULL: none */
    size_t signal_len;
    const unsigned char *signal = body_bytes(c, "signal", &signal_len);
    enum store_result r = store_private_answer(c->app->store, route_param(&c->params, "pid"),
                                               c->user.id, sealed, len, signal, signal_len, c->now);
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
