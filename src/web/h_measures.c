/*
 * h_measures.c — measures: a linked therapist asks both members to answer a
 * questionnaire on a schedule; each member answers when it is due and
 * chooses whether the other may see their answers; the therapist sees both
 * members' scores side by side, with cut-offs, the gap and reliable change
 * (and a chart). Answers are choices, never words; scores are computed by
 * the pure core on each read (web/measures_view.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"
#include "web/measures_view.h"

void h_measure_assign(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    const char *qid = body_str(c, "questionnaire");
    const struct questionnaire *q = measures_def(c->app, qid, NULL);
    if (q == NULL || q->answered_by != Q_EACH_MEMBER) {
        reply_error(c, API_INVALID_FIELD, "questionnaire",
                    q == NULL ? "There is no such questionnaire."
                              : "That questionnaire is a private one; give it as a private "
                                "check-in.");
        return;
    }
    struct measure x;
    memset(&x, 0, sizeof x);
    /* 1 to QUESTIONNAIRE_EVERY_MAX when given (routes.c); else the questionnaire's own */
    x.every_days = (int)body_int(c, "every_days", q->every_days);
    dcrypto_random_id("m-", x.id, sizeof x.id);
    snprintf(x.dyad_id, sizeof x.dyad_id, "%s", m.dyad.id);
    snprintf(x.therapist_id, sizeof x.therapist_id, "%s", c->user.id);
    snprintf(x.questionnaire, sizeof x.questionnaire, "%s", q->id);
    date_format(server_today(c), x.starts_on);
    x.assigned_at = c->now;
    enum store_result r = store_measure_add(c->app->store, &x);
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "assign_measure", NULL, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:i, s:s, s:o}}", "measure", "id", x.id, "questionnaire_id",
                         x.questionnaire, "every_days", x.every_days, "starts_on", x.starts_on,
                         "assigned_at", json_time(x.assigned_at)));
}

struct mlist {
    struct ctx *c;
    const struct membership *mem;
    enum measures_viewer viewer;
    bool charts;
    json_t *list;
    bool failed;
};

static void add_measure(void *p, const struct measure *m)
{
    struct mlist *ml = p;
    if (ml->failed)
        return;
    json_t *o = measures_view_json(ml->c, ml->mem, m, ml->viewer);
    if (o == NULL) {
        ml->failed = true;
        return;
    }
    json_t *normal = NULL;
    const struct questionnaire *q = measures_def(ml->c->app, m->questionnaire, &normal);
    if (ml->charts && q != NULL) {
        char id[64];
        snprintf(id, sizeof id, "measure-%s", m->id);
        char *svg = measures_chart(o, q, id);
        json_object_set_new(o, "chart", svg != NULL ? json_string(svg) : json_null());
        free(svg);
    }
    json_array_append_new(ml->list, o);
}

void h_measures_therapist(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct mlist ml = {c, &m, MEASURES_THERAPIST, true, json_array(), false};
    enum store_result r =
        store_measure_list(c->app->store, m.dyad.id, c->user.id, add_measure, &ml);
    if (r == STORE_OK && !ml.failed)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_measures", NULL, c->now);
    if (r != STORE_OK || ml.failed) {
        json_decref(ml.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "measures", ml.list));
}

void h_measure_end(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    enum store_result r = store_measure_end(c->app->store, m.dyad.id, c->user.id,
                                            route_param(&c->params, "mid"), c->now);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "mid", "There is no such running measure.");
        return;
    }
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "end_measure", NULL, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

void h_measures_member(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct mlist ml = {c, &m, MEASURES_MEMBER, false, json_array(), false};
    enum store_result r = store_measure_list(c->app->store, m.dyad.id, NULL, add_measure, &ml);
    if (r != STORE_OK || ml.failed) {
        json_decref(ml.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "measures", ml.list));
}

struct find {
    const char *id;
    struct measure m;
    bool found;
};

static void find_measure(void *p, const struct measure *m)
{
    struct find *f = p;
    if (strcmp(m->id, f->id) == 0) {
        f->m = *m;
        f->found = true;
    }
}

void h_measure_answer(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct find f;
    memset(&f, 0, sizeof f);
    f.id = route_param(&c->params, "mid");
    enum store_result r = store_measure_list(c->app->store, m.dyad.id, NULL, find_measure, &f);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    const struct questionnaire *q =
        f.found && f.m.ended_at == 0 ? measures_def(c->app, f.m.questionnaire, NULL) : NULL;
    if (q == NULL) {
        reply_error(c, API_NOT_FOUND, "mid", "There is no such measure to answer.");
        return;
    }
    json_t *given = json_object_get(c->body, "answers");
    int ans[QUESTIONNAIRE_ITEMS_MAX];
    for (int i = 0; i < q->n_items; i++)
        ans[i] = -1;
    const char *key;
    json_t *v;
    int answered = 0;
    json_object_foreach(given, key, v)
    {
        int i = questionnaire_item_index(q, key);
        if (i < 0) {
            reply_error(c, API_INVALID_FIELD, "answers",
                        "An answer names no item of this measure.");
            return;
        }
        if (json_is_null(v))
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= q->items[i].n_choices) {
            reply_error(c, API_INVALID_FIELD, "answers",
                        "Each answer is the index of one of the item's choices, or null.");
            return;
        }
        ans[i] = (int)json_integer_value(v);
        answered++;
    }
    if (answered == 0) {
        reply_error(c, API_INVALID_FIELD, "answers", "Answer at least one question.");
        return;
    }
    long today = server_today(c);
    struct measure_answer a;
    memset(&a, 0, sizeof a);
    snprintf(a.measure_id, sizeof a.measure_id, "%s", f.m.id);
    snprintf(a.user_id, sizeof a.user_id, "%s", c->user.id);
    a.period = measures_period(f.m.starts_on, f.m.every_days, today);
    if (a.period < 0)
        a.period = 0;
    date_format(today, a.day);
    a.show_partner = body_bool(c, "show_partner", false);
    a.answered_at = c->now;
    size_t len = 0;
    a.answers[len++] = '[';
    for (int i = 0; i < q->n_items; i++)
        len +=
            (size_t)snprintf(a.answers + len, sizeof a.answers - len, "%s%d", i ? "," : "", ans[i]);
    snprintf(a.answers + len, sizeof a.answers - len, "]");
    r = store_measure_answer(c->app->store, &a);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    double scores[QUESTIONNAIRE_SCORES_MAX];
    questionnaire_score(q, ans, scores);
    json_t *sc = json_object();
    for (int k = 0; k < q->n_scores; k++)
        json_object_set_new(sc, q->scores[k].id,
                            scores[k] == scores[k] ? json_real(scores[k]) : json_null());
    reply_json(c, 200,
               json_pack("{s:{s:s, s:i, s:s, s:o, s:b}}", "answer", "measure_id", a.measure_id,
                         "period", a.period, "day", a.day, "scores", sc, "show_partner",
                         a.show_partner));
}
