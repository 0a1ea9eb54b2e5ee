/*
 * h_caseload.c — the therapist's view of the dyads linked to them: the
 * caseload side by side, one dyad with its share counts, and its charts.
 * Never a word, only scores and share metadata; every read is written to
 * the dyad's audit log.
 */
#include <stdlib.h>
#include <string.h>

#include "core/insights.h"
#include "core/prompts.h"
#include "web/charts.h"
#include "web/handler.h"
#include "web/insights_view.h"
#include "web/measures_view.h"

static json_t *dyad_summary(struct ctx *c, const struct membership *m, int window, bool *ok)
{
    struct insights_view v;
    const struct insights_result *res =
        insights_view_compute(c, m, window, INSIGHTS_VIEWER_THERAPIST, &v);
    *ok = res != NULL;
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

struct signals {
    struct ctx *c;
    const struct membership *m;
    json_t *list;
    bool failed;
};

/* An answered private check-in's sealed danger signal, for the therapist's
 * browser to open; written to that member's audit list only. */
static void add_signal(void *p, const struct private_checkin *pc)
{
    struct signals *s = p;
    if (s->failed || pc->answered_at == 0 || pc->signal == NULL)
        return;
    const char *name = "";
    for (size_t i = 0; i < s->m->n; i++)
        if (strcmp(s->m->members[i].user_id, pc->user_id) == 0)
            name = s->m->members[i].display_name;
    if (store_audit_add(s->c->app->store, pc->dyad_id, s->c->user.id, "view_private_signal",
                        pc->user_id, s->c->now) != STORE_OK) {
        s->failed = true;
        return;
    }
    json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", pc->id, "user_id",
                                             pc->user_id, "display_name", name, "answered_at",
                                             json_time(pc->answered_at), "signal",
                                             json_b64(pc->signal, pc->signal_len)));
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
    /* what needs attention, without opening anything: scores past a
     * cut-off, reliable worsening, danger answers */
    json_t *flags = json_array();
    if (ok) {
        json_object_set_new(j, "flags", flags);
        ok = measures_flags(c, &m, flags) == 0;
    } else
        json_decref(flags);
    if (ok) {
        struct signals s = {c, &m, json_array(), false};
        json_object_set_new(j, "private_signals", s.list);
        ok = store_private_list(c->app->store, NULL, m.dyad.id, c->user.id, add_signal, &s) ==
                 STORE_OK &&
             !s.failed;
    }
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
    int by[2][PROMPTS_TOPIC__MAX][5];
    int answered[2], written[2];
    int together; /* guided conversations recorded together: counted apart, once each */
};

static void count_share(void *p, const struct share_meta *sm)
{
    struct counts *k = p;
    int who = strcmp(sm->author_id, k->m->members[0].user_id) == 0 ? 0 : 1;
    if (sm->topic < 0 || sm->topic >= PROMPTS_TOPIC__MAX || sm->depth < 1 || sm->depth > 5)
        return;
    /* as the members see them: a guided conversation's record is one entry
     * the two made together, not a share one wrote and the other answered
     * (it comes once for each member; count it once) */
    if (sm->together) {
        if (who == 0)
            k->together++;
        return;
    }
    k->by[who][sm->topic][sm->depth - 1]++;
    k->written[who]++;
    if (insights_answered_in_time(sm->created_at, sm->answered_at))
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
    json_object_set_new(j, "talked_together", json_integer(k->together));
    reply_json(c, 200, j);
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
    const struct insights_result *res =
        insights_view_compute(c, &m, window, INSIGHTS_VIEWER_THERAPIST, &v);
    if (res == NULL) {
        reply_store(c, STORE_ERROR);
        return;
    }
    const char *names[2] = {m.members[0].display_name, m.members[1].display_name};
    /* the emotional x sexual quadrant only in a couple where someone tracks
     * sex; the disclosure x responsiveness plane for every dyad */
    bool sexual =
        m.dyad.kind == DYAD_COUPLE && (v.input.track_sexual[0] || v.input.track_sexual[1]);
    const char *series =
        arena_own(c->arena, charts_series_svg(&v.input, res, names, "series"), free);
    const char *plane = arena_own(c->arena, charts_plane_svg(&v.input, res, names, "plane"), free);
    const char *quadrant =
        sexual ? arena_own(c->arena, charts_quadrant_svg(&v.input, res, names, "quadrant"), free)
               : NULL;
    json_t *j =
        series != NULL && plane != NULL && (quadrant != NULL || !sexual)
            ? json_pack("{s:i, s:s, s:s, s:o}", "window", window, "series", series, "plane", plane,
                        "quadrant", quadrant != NULL ? json_string(quadrant) : json_null())
            : NULL;
    if (j == NULL || store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_charts", NULL,
                                     c->now) != STORE_OK) {
        json_decref(j);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, j);
}
