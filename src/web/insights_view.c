/*
 * insights_view.c — the floor under the insights handlers (the API, the
 * server-rendered page, the therapist's caseload, dyad and charts): reads a
 * window from the store, hands it to the pure engine (core/insights.c) as
 * the viewer may see it, and turns the result into JSON.
 *
 * Per-day choices are applied here before the engine sees anything: on each
 * of the partner's days, items the partner did not show that day are
 * blanked, and a day with nothing shown is no check-in at all. The engine
 * then applies the per-member rules (docs/protocol.md, docs/insights.md) on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkin.h"
#include "core/insights.h"
#include "core/kind.h"
#include "web/insights_cache.h"
#include "web/insights_view.h"

enum { HISTORY_DAYS = 365 };

struct share_collect {
    const struct membership *m;
    struct insights_share *items;
    size_t n, cap;
    struct arena *arena;
    bool oom;
};

static void collect(void *p, const struct share_meta *sm)
{
    struct share_collect *sc = p;
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 64;
        struct insights_share *items = arena_alloc(sc->arena, cap * sizeof *items);
        if (items == NULL) {
            sc->oom = true;
            return;
        }
        if (sc->n)
            memcpy(items, sc->items, sc->n * sizeof *items);
        sc->items = items;
        sc->cap = cap;
    }
    struct insights_share *s = &sc->items[sc->n++];
    s->day = (long)(sm->created_at / 86400);
    s->author = strcmp(sm->author_id, sc->m->members[0].user_id) == 0 ? 0 : 1;
    s->topic = sm->topic;
    s->depth = sm->depth;
    s->answered_within_48h = insights_answered_in_time(sm->created_at, sm->answered_at);
}

static void to_day(const struct checkin *k, unsigned mask, struct insights_day *d)
{
    int8_t *scores[STORE_CHECKIN_SCORES] = {&d->closeness,  &d->closeness_wanted, &d->opened_up,
                                            &d->understood, &d->safety,           &d->affection,
                                            &d->sexual};
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        *scores[i] = (mask & INSIGHTS_ITEM_BIT(i)) ? k->score[i] : INSIGHTS_NULL;
    d->emotions = (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS)) ? (uint8_t)k->emotions : 0;
    d->wordless = (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS)) && k->wordless == 1;
    d->present = mask != 0;
}

int insights_view_load(struct ctx *c, const struct membership *m, int window,
                       enum insights_viewer viewer, struct insights_view *v)
{
    memset(v, 0, sizeof *v);
    long today = server_today(c);
    long span = window + HISTORY_DAYS;
    long from = today + 1 - span;
    size_t max = 2 * (size_t)(span + 1), n = 0;
    struct checkin *rows = arena_alloc(c->arena, max * sizeof *rows);
    for (int i = 0; i < 2; i++)
        v->history[i] = arena_alloc(c->arena, (size_t)span * sizeof *v->history[i]);
    if (rows == NULL || v->history[0] == NULL || v->history[1] == NULL)
        return -1;
    /* member by member, not by day: each row is placed by its day below, and
     * the database then walks its index without a sort (half the time of
     * this request over a year of history) */
    enum store_result r =
        store_checkins_by_member(c->app->store, m->dyad.id, from, today + 1, rows, max, &n);
    if (r != STORE_OK)
        return -1;
    /* The window ends today, or tomorrow for members ahead of UTC who have
     * already checked in for it. */
    bool ahead = false;
    for (size_t i = 0; i < n; i++)
        ahead |= rows[i].day == today + 1;
    if (ahead) {
        today++;
        from++;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].day < from || rows[i].day > today)
            continue;
        int who = strcmp(rows[i].user_id, m->members[0].user_id) == 0 ? 0 : 1;
        bool own = viewer != INSIGHTS_VIEWER_THERAPIST && who == (int)viewer;
        unsigned mask = CHECKIN_SHOWABLE;
        if (!own && viewer != INSIGHTS_VIEWER_THERAPIST)
            mask &= rows[i].show_mask;
        if (!(m->n > (size_t)who && m->members[who].track_sexual && m->dyad.kind == DYAD_COUPLE))
            mask &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
        /* a therapist sees sexual scores only when that member allows it */
        if (viewer == INSIGHTS_VIEWER_THERAPIST && !m->members[who].therapist_sexual)
            mask &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
        to_day(&rows[i], mask, &v->history[who][rows[i].day - from]);
        v->visible[who] |= mask;
    }
    struct insights_input *in = &v->input;
    in->window = window;
    in->today = today;
    in->viewer = viewer;
    in->kind = (int)m->dyad.kind; /* enum dyad_kind and enum prompts_kind agree */
    for (size_t i = 0; i < m->n && i < 2; i++) {
        in->names[i] = m->members[i].display_name;
        int role = m->members[i].family_role;
        in->role[i] = m->dyad.kind == DYAD_FAMILY && role > 0 && role < KIND_ROLE__MAX ? role : 0;
        /* comfort is not a check-in item: it is shown by the member's own
         * setting, to the other member and a linked therapist alike */
        if (m->members[i].show_comfort)
            v->visible[i] |= INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT);
    }
    for (int i = 0; i < 2; i++) {
        in->days[i] = v->history[i] + (span - window);
        in->track_sexual[i] =
            m->n > (size_t)i && m->members[i].track_sexual && m->dyad.kind == DYAD_COUPLE;
        in->visible[i] = v->visible[i];
    }
    for (int i = 0; i < 2; i++)
        in->baseline[i] = insights_baseline_compute(in, i, v->history[i], (int)span);

    struct share_collect sc = {.m = m, .arena = c->arena};
    r = store_share_meta(c->app->store, m->dyad.id, (int64_t)(today + 1 - window) * 86400, collect,
                         &sc);
    if (r != STORE_OK || sc.oom)
        return -1;
    in->shares = sc.items;
    in->share_count = sc.n;
    /* low_safety names a linked therapist as someone to talk to */
    if (viewer != INSIGHTS_VIEWER_THERAPIST) {
        struct therapist_link l;
        r = store_link_get(c->app->store, m->dyad.id, &l);
        if (r != STORE_OK && r != STORE_NOT_FOUND)
            return -1;
        in->therapist_linked = r == STORE_OK && l.n_consents == 2;
    }
    for (size_t i = 0; i < m->n && i < 2; i++) {
        int levels[PROMPTS_TOPIC__MAX];
        if (store_comfort_current(c->app->store, m->dyad.id, m->members[i].user_id, levels,
                                  PROMPTS_TOPIC__MAX) != STORE_OK)
            return -1;
        for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
            in->comfort[i][t] = levels[t] > 0 ? (uint8_t)levels[t] : 0;
    }
    v->members = m;
    return 0;
}

static void stat_set(json_t *o, const char *name, const struct insights_stat *s)
{
    if (s->shown)
        json_object_set_new(o, name, json_real(s->value));
}

json_t *insights_view_json(const struct insights_view *v, const struct insights_result *res)
{
    json_t *members = json_array();
    for (size_t i = 0; i < v->members->n && i < 2; i++) {
        const struct insights_member_result *mr = &res->members[i];
        /* Outside a couple nobody tracks sex: that is the dyad's kind, not
         * anyone's choice, so every viewer is told so. */
        enum insights_quadrant q = mr->quadrant;
        if (v->members->dyad.kind != DYAD_COUPLE)
            q = !mr->checkins.shown                          ? INSIGHTS_QUADRANT_HIDDEN
                : mr->checkins.value < INSIGHTS_MIN_CHECKINS ? INSIGHTS_QUADRANT_INSUFFICIENT_DATA
                                                             : INSIGHTS_QUADRANT_NOT_TRACKED;
        /* A therapist is told "not tracked", not "not shared with you", for
         * a member of a couple who does not track sex at all: there is no
         * score to withhold. (The other member is not told: to them it stays
         * hidden, as whatever else that member does not show.) */
        else if (v->input.viewer == INSIGHTS_VIEWER_THERAPIST && q == INSIGHTS_QUADRANT_HIDDEN &&
                 !v->members->members[i].track_sexual && mr->checkins.shown)
            q = INSIGHTS_QUADRANT_NOT_TRACKED; /* as the engine says it to the member */
        /* One status on every page: with fewer than 7 check-ins it is "not
         * enough check-ins yet", tracked or not, as outside a couple. */
        if (q == INSIGHTS_QUADRANT_NOT_TRACKED && mr->checkins.shown &&
            mr->checkins.value < INSIGHTS_MIN_CHECKINS)
            q = INSIGHTS_QUADRANT_INSUFFICIENT_DATA;
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "user_id", v->members->members[i].user_id, "quadrant",
                      insights_quadrant_name(q), "plane", insights_plane_name(mr->plane));
        if (mr->checkins.shown)
            json_object_set_new(o, "checkins", json_integer((json_int_t)mr->checkins.value));
        stat_set(o, "closeness_mean", &mr->closeness);
        stat_set(o, "closeness_wanted_mean", &mr->closeness_wanted);
        stat_set(o, "opened_up_mean", &mr->opened_up);
        stat_set(o, "understood_mean", &mr->understood);
        stat_set(o, "safety_mean", &mr->safety);
        stat_set(o, "affection_mean", &mr->affection);
        stat_set(o, "sexual_mean", &mr->sexual);
        stat_set(o, "sexual_rate", &mr->sexual_rate);
        stat_set(o, "closeness_trend", &mr->closeness_trend);
        stat_set(o, "wordless_rate", &mr->wordless_rate);
        json_object_set_new(o, "shares_written", json_integer(mr->shares_written));
        stat_set(o, "answered_within_48h", &mr->answered_rate);
        json_array_append_new(members, o);
    }
    json_t *findings = json_array();
    for (int i = 0; i < res->finding_count; i++) {
        const struct insights_finding *f = &res->findings[i];
        json_t *numbers = json_object();
        for (int k = 0; k < f->number_count; k++)
            json_object_set_new(numbers, f->numbers[k].name, json_real(f->numbers[k].value));
        const char *subject = f->subject == INSIGHTS_SUBJECT_DYAD ? "dyad"
                              : (size_t)f->subject < v->members->n
                                  ? v->members->members[f->subject].user_id
                                  : "dyad";
        json_t *fj = json_pack("{s:s, s:s, s:s, s:s, s:o}", "code", insights_code_name(f->code),
                               "subject", subject, "severity", insights_severity_name(f->severity),
                               "explanation", f->explanation, "numbers", numbers);
        if (fj != NULL && f->help)
            json_object_set_new(fj, "help", json_string("/safety"));
        json_array_append_new(findings, fj);
    }
    return json_pack("{s:i, s:o, s:o}", "window", res->window, "members", members, "findings",
                     findings);
}

/* ?window=: 7–365, default 28; -1 after answering 400. */
int insights_take_window(struct ctx *c)
{
    const char *w = http_query(c->req, "window");
    if (w == NULL)
        return INSIGHTS_WINDOW_DEFAULT;
    char *end;
    long n = strtol(w, &end, 10);
    if (*w == '\0' || *end != '\0' || n < INSIGHTS_WINDOW_MIN || n > INSIGHTS_WINDOW_MAX) {
        reply_error(c, API_INVALID_FIELD, "window", "window is a number of days from 7 to 365.");
        return -1;
    }
    return (int)n;
}

const struct insights_result *insights_view_compute(struct ctx *c, const struct membership *m,
                                                    int window, enum insights_viewer viewer,
                                                    struct insights_view *v)
{
    struct insights_result *res = arena_alloc(c->arena, sizeof *res);
    if (res == NULL || insights_view_load(c, m, window, viewer, v) != 0 ||
        insights_compute(&v->input, res) != INSIGHTS_OK)
        return NULL;
    return res;
}

void insights_view_key(const struct ctx *c, const struct membership *m, int window,
                       enum insights_viewer viewer, enum insights_answer what,
                       struct insights_key *k)
{
    char *b = k->bytes;
    size_t cap = sizeof k->bytes;
    k->len = k->slot_len = 0;
    /* strings with their length first, so no two keys read alike */
    int n = snprintf(b, cap, "%d|%zu:%s|%d|%d|", (int)what, strlen(m->dyad.id), m->dyad.id,
                     (int)viewer, window);
    if (n < 0 || (size_t)n >= cap)
        return;
    size_t slot = (size_t)n, at = slot;
    n = snprintf(b + at, cap - at, "%ld|%lld|%d|%lld|%zu|%d|%d", server_today(c),
                 (long long)m->dyad.data_version, (int)m->dyad.kind, (long long)m->dyad.ended_at,
                 m->n, m->me, m->partner);
    if (n < 0 || (size_t)n >= cap - at)
        return;
    at += (size_t)n;
    for (size_t i = 0; i < m->n && i < 2; i++) {
        const struct member *x = &m->members[i];
        n = snprintf(b + at, cap - at, "|%zu:%s|%zu:%s|%d|%d|%d|%d|%lld|%lld", strlen(x->user_id),
                     x->user_id, strlen(x->display_name), x->display_name, x->family_role,
                     x->track_sexual, x->therapist_sexual, x->show_comfort, (long long)x->joined_at,
                     (long long)x->left_at);
        if (n < 0 || (size_t)n >= cap - at)
            return;
        at += (size_t)n;
    }
    k->len = at;
    k->slot_len = slot;
}

bool insights_view_cached(struct ctx *c, const struct insights_key *k, const char **body)
{
    size_t len;
    return k->len > 0 && insights_cache_get(c->app->insights, k->bytes, k->len, k->slot_len,
                                            c->arena, body, &len);
}

void insights_view_keep(struct ctx *c, const struct insights_key *k, const char *body)
{
    if (k->len > 0 && body != NULL)
        insights_cache_put(c->app->insights, k->bytes, k->len, k->slot_len, body, strlen(body));
}

void insights_view_reply(struct ctx *c, const char *json)
{
    /* as reply_json answers, with text already dumped (JSON_COMPACT) */
    c->res->status = 200;
    c->res->content_type = "application/json";
    c->res->body = json;
    c->res->body_len = strlen(json);
}
