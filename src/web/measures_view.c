/*
 * measures_view.c — see measures_view.h.
 */
#include "web/measures_view.h"

#include <math.h>
#include <string.h>

#include "core/validate.h"
#include "web/charts.h"

const struct questionnaire *measures_def(const struct app *app, const char *id, json_t **normal)
{
    size_t i;
    json_t *q;
    if (id == NULL || app->questionnaire_defs == NULL)
        return NULL;
    json_array_foreach((json_t *)app->questionnaires, i, q)
    {
        if (strcmp(json_string_value(json_object_get(q, "id")), id) == 0) {
            if (normal != NULL)
                *normal = q;
            return &app->questionnaire_defs[i];
        }
    }
    return NULL;
}

int measures_period(const char *starts_on, int every_days, long day)
{
    long start;
    if (date_parse(starts_on, &start) != 0 || every_days < 1 || day < start)
        return -1;
    return (int)((day - start) / every_days);
}

/* The stored answers (a JSON array of indexes) as one index per item. */
static void answers_parse(const struct questionnaire *q, const char *text, int *out)
{
    json_t *a = json_loads(text, 0, NULL);
    for (int i = 0; i < q->n_items; i++) {
        json_t *v = json_array_get(a, (size_t)i);
        out[i] = json_is_integer(v) ? (int)json_integer_value(v) : -1;
    }
    json_decref(a);
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(round(v * 100.0) / 100.0);
}

struct collect {
    const struct questionnaire *q;
    json_t *rows; /* every answer, scored, in store order */
};

json_t *measures_answer_json(const struct questionnaire *q, const struct measure_answer *a)
{
    int ans[QUESTIONNAIRE_ITEMS_MAX];
    double scores[QUESTIONNAIRE_SCORES_MAX];
    answers_parse(q, a->answers, ans);
    questionnaire_score(q, ans, scores);
    json_t *answers = json_object(), *sc = json_object();
    for (int i = 0; i < q->n_items; i++)
        if (!q->items[i].free_text)
            json_object_set_new(answers, q->items[i].id,
                                ans[i] >= 0 ? json_integer(ans[i]) : json_null());
    for (int k = 0; k < q->n_scores; k++)
        json_object_set_new(sc, q->scores[k].id, num_or_null(scores[k]));
    return json_pack("{s:s, s:i, s:s, s:o, s:o, s:b, s:b, s:o}", "user_id", a->user_id, "period",
                     a->period, "day", a->day, "answers", answers, "scores", sc, "show_partner",
                     a->show_partner, "danger", questionnaire_danger(q, ans), "answered_at",
                     json_time(a->answered_at));
}

static void collect(void *p, const struct measure_answer *a)
{
    struct collect *cl = p;
    json_array_append_new(cl->rows, measures_answer_json(cl->q, a));
}

static double row_score(json_t *row, const char *sid)
{
    json_t *v = json_object_get(json_object_get(row, "scores"), sid);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Cut-offs and reliable change (from the member's first score) on each of
 * one member's rows, oldest first. */
static void annotate(const struct questionnaire *q, json_t *normal, json_t *rows)
{
    for (int k = 0; k < q->n_scores; k++) {
        const struct q_score *s = &q->scores[k];
        double first = NAN;
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            json_t *past = json_object_get(row, "past_cutoff");
            json_t *rc = json_object_get(row, "reliable_change");
            if (past == NULL) {
                json_object_set_new(row, "past_cutoff", past = json_object());
                json_object_set_new(row, "reliable_change", rc = json_object());
            }
            double v = row_score(row, s->id);
            int cut = questionnaire_past_cutoff(s, v);
            json_t *cutoffs = json_object_get(
                json_array_get(json_object_get(normal, "scores"), (size_t)k), "cutoffs");
            if (cut >= 0)
                json_object_set(past, s->id,
                                json_object_get(json_array_get(cutoffs, (size_t)cut), "label"));
            if (isnan(first)) {
                first = v;
                continue;
            }
            if (s->reliable_change > 0 && !isnan(v))
                json_object_set_new(rc, s->id,
                                    json_integer(questionnaire_reliable_change(s, first, v)));
        }
    }
}

json_t *measures_view_json(struct ctx *c, const struct membership *mem, const struct measure *m,
                           enum measures_viewer viewer)
{
    json_t *normal = NULL;
    const struct questionnaire *q = measures_def(c->app, m->questionnaire, &normal);
    if (q == NULL)
        return json_pack("{s:s, s:s, s:n}", "id", m->id, "questionnaire_id", m->questionnaire,
                         "questionnaire"); /* removed from the server since */
    struct collect cl = {q, json_array()};
    if (store_measure_answers(c->app->store, m->id, collect, &cl) != STORE_OK) {
        json_decref(cl.rows);
        return NULL;
    }
    long today = server_today(c);
    int period = measures_period(m->starts_on, m->every_days, today);
    long start = 0;
    date_parse(m->starts_on, &start);
    char next[11];
    date_format(start + (long)(period + 1) * m->every_days, next);
    json_t *o =
        json_pack("{s:s, s:s, s:O, s:i, s:s, s:o, s:o, s:i, s:s}", "id", m->id, "questionnaire_id",
                  m->questionnaire, "questionnaire", normal, "every_days", m->every_days,
                  "starts_on", m->starts_on, "assigned_at", json_time(m->assigned_at), "ended_at",
                  m->ended_at ? json_time(m->ended_at) : json_null(), "period", period,
                  "next_period_on", next);
    json_t *members = json_array();
    bool answered_now = false;
    for (size_t i = 0; i < mem->n && i < 2; i++) {
        const struct member *who = &mem->members[i];
        bool self = viewer == MEASURES_MEMBER && (int)i == mem->me;
        json_t *rows = json_array();
        size_t k;
        json_t *row;
        json_array_foreach(cl.rows, k, row)
        {
            if (strcmp(json_string_value(json_object_get(row, "user_id")), who->user_id) != 0)
                continue;
            if (viewer == MEASURES_MEMBER && !self &&
                !json_is_true(json_object_get(row, "show_partner")))
                continue; /* the other did not choose to show it */
            if (self && json_integer_value(json_object_get(row, "period")) == period)
                answered_now = true;
            json_t *copy = json_deep_copy(row);
            json_object_del(copy, "user_id");
            if (viewer == MEASURES_MEMBER && !self)
                json_object_del(copy, "show_partner");
            json_array_append_new(rows, copy);
        }
        if (viewer == MEASURES_THERAPIST)
            annotate(q, normal, rows);
        json_array_append_new(members, json_pack("{s:s, s:s, s:b, s:o}", "user_id", who->user_id,
                                                 "display_name", who->display_name, "me", self,
                                                 "answers", rows));
    }
    json_object_set_new(o, "members", members);
    if (viewer == MEASURES_MEMBER)
        json_object_set_new(o, "due",
                            json_boolean(m->ended_at == 0 && period >= 0 && !answered_now));
    json_decref(cl.rows);
    return o;
}

char *measures_chart(json_t *view, const struct questionnaire *q, const char *id)
{
    if (q->n_scores == 0)
        return NULL;
    const struct q_score *s = &q->scores[0];
    json_t *normal = json_object_get(view, "questionnaire");
    json_t *sdef = json_array_get(json_object_get(normal, "scores"), 0);
    static _Thread_local struct charts_score_input in;
    memset(&in, 0, sizeof in);
    in.title = json_string_value(json_object_get(sdef, "label"));
    in.min = s->min;
    in.max = s->max;
    in.n_cutoffs = s->n_cutoffs;
    for (int k = 0; k < s->n_cutoffs; k++) {
        in.cutoff[k] = s->cutoffs[k].value;
        in.cutoff_label[k] = json_string_value(
            json_object_get(json_array_get(json_object_get(sdef, "cutoffs"), (size_t)k), "label"));
    }
    in.every_days = (int)json_integer_value(json_object_get(view, "every_days"));
    long start = 0;
    date_parse(json_string_value(json_object_get(view, "starts_on")), &start);
    int last = (int)json_integer_value(json_object_get(view, "period"));
    size_t i, k;
    json_t *member, *row;
    json_array_foreach(json_object_get(view, "members"), i, member)
        json_array_foreach(json_object_get(member, "answers"), k, row)
    {
        int p = (int)json_integer_value(json_object_get(row, "period"));
        last = p > last ? p : last;
    }
    int first = last - CHARTS_SCORE_PERIODS + 1 > 0 ? last - CHARTS_SCORE_PERIODS + 1 : 0;
    in.periods = last - first + 1;
    in.first_day = start + (long)first * in.every_days;
    for (int m = 0; m < 2; m++)
        for (int p = 0; p < CHARTS_SCORE_PERIODS; p++)
            in.p[m][p].value = NAN;
    json_array_foreach(json_object_get(view, "members"), i, member)
    {
        if (i > 1)
            break;
        json_array_foreach(json_object_get(member, "answers"), k, row)
        {
            int p = (int)json_integer_value(json_object_get(row, "period")) - first;
            if (p < 0 || p >= CHARTS_SCORE_PERIODS)
                continue;
            in.p[i][p].value = row_score(row, s->id);
            in.p[i][p].reliable = (int)json_integer_value(
                json_object_get(json_object_get(row, "reliable_change"), s->id));
        }
    }
    const char *names[2] = {
        json_string_value(
            json_object_get(json_array_get(json_object_get(view, "members"), 0), "display_name")),
        json_string_value(
            json_object_get(json_array_get(json_object_get(view, "members"), 1), "display_name"))};
    return charts_scores_svg(&in, names, id);
}

struct flag_walk {
    struct ctx *c;
    const struct membership *mem;
    json_t *flags;
    bool failed;
};

static void flag_measure(void *p, const struct measure *m)
{
    struct flag_walk *w = p;
    if (w->failed || m->ended_at != 0)
        return;
    json_t *v = measures_view_json(w->c, w->mem, m, MEASURES_THERAPIST);
    if (v == NULL) {
        w->failed = true;
        return;
    }
    json_t *normal = json_object_get(v, "questionnaire");
    const char *title = json_string_value(json_object_get(normal, "title"));
    size_t i;
    json_t *member;
    json_array_foreach(json_object_get(v, "members"), i, member)
    {
        json_t *rows = json_object_get(member, "answers");
        json_t *last = json_array_get(rows, json_array_size(rows) - 1);
        if (last == NULL)
            continue;
        const char *who = json_string_value(json_object_get(member, "display_name"));
        const char *uid = json_string_value(json_object_get(member, "user_id"));
        const char *day = json_string_value(json_object_get(last, "day"));
        const char *sid;
        json_t *x;
        json_object_foreach(json_object_get(last, "past_cutoff"), sid, x)
        {
            json_array_append_new(
                w->flags,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s}", "kind", "cutoff",
                          "measure_id", m->id, "questionnaire", title, "user_id", uid,
                          "display_name", who, "score", sid, "label", json_string_value(x), "value",
                          json_object_get(json_object_get(last, "scores"), sid), "day", day));
        }
        json_object_foreach(json_object_get(last, "reliable_change"), sid, x)
        {
            if (json_integer_value(x) != -1)
                continue;
            json_array_append_new(
                w->flags,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s}", "kind", "worsening",
                          "measure_id", m->id, "questionnaire", title, "user_id", uid,
                          "display_name", who, "score", sid, "value",
                          json_object_get(json_object_get(last, "scores"), sid), "day", day));
        }
        if (json_is_true(json_object_get(last, "danger")))
            json_array_append_new(w->flags,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "danger",
                                            "measure_id", m->id, "questionnaire", title, "user_id",
                                            uid, "display_name", who, "day", day));
    }
    json_decref(v);
}

int measures_flags(struct ctx *c, const struct membership *mem, json_t *flags)
{
    struct flag_walk w = {c, mem, flags, false};
    if (store_measure_list(c->app->store, mem->dyad.id, c->user.id, flag_measure, &w) != STORE_OK ||
        w.failed)
        return -1;
    return 0;
}
