/*
 * h_research.c — research, consented apart from therapy: a linked
 * therapist asks a dyad to take part in a study; each member consents for
 * themselves (and may include the check-in items they hide from the other),
 * and may withdraw at any moment; with both consents the therapist exports
 * check-in scores and share counts as CSV in three layouts, with a codebook
 * (core/research.h): pseudonymous ids, days counted from the first, never a
 * word, never sexual connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/insights.h"
#include "core/research.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"

enum { RESEARCH_DAYS_MAX = 3 * 366 };

void h_research_request(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    const char *study = body_str(c, "study"); /* 1–1000 bytes of plain text (routes.c) */
    enum store_result r =
        store_research_request(c->app->store, m.dyad.id, c->user.id, study, c->now);
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "research_request", NULL, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 201,
        json_pack("{s:{s:s, s:o}}", "research", "study", study, "requested_at", json_time(c->now)));
}

static json_t *state_json(struct ctx *c, const struct membership *m,
                          const struct research_state *st, const char *only_user)
{
    json_t *consents = json_array();
    for (size_t i = 0; i < st->n; i++)
        if (only_user == NULL || strcmp(st->consents[i].user_id, only_user) == 0)
            json_array_append_new(consents,
                                  json_pack("{s:s, s:b, s:o}", "user_id", st->consents[i].user_id,
                                            "include_hidden", st->consents[i].include_hidden,
                                            "given_at", json_time(st->consents[i].given_at)));
    (void)c;
    (void)m;
    return json_pack("{s:s, s:o, s:o, s:b}", "study", st->study, "requested_at",
                     json_time(st->requested_at), "consents", consents, "active", st->n == 2);
}

void h_research_get(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct research_state st;
    enum store_result r = store_research_get(c->app->store, m.dyad.id, &st);
    if (r == STORE_NOT_FOUND) {
        reply_json(c, 200, json_pack("{s:n}", "research"));
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    /* one's own consent; "active" says whether both have consented */
    reply_json(c, 200, json_pack("{s:o}", "research", state_json(c, &m, &st, c->user.id)));
}

void h_research_consent(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    bool hidden = body_bool(c, "include_hidden", false);
    enum store_result r =
        store_research_consent(c->app->store, m.dyad.id, c->user.id, hidden, c->now);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, NULL, "Nobody has asked this dyad to take part in research.");
        return;
    }
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "research_consent", NULL, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    h_research_get(c);
}

void h_research_revoke(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    enum store_result r = store_research_revoke(c->app->store, m.dyad.id, c->user.id);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, NULL, "You have not consented to research here.");
        return;
    }
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "research_revoke", NULL, c->now);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

static void pseudonym(const struct app *app, const char *domain, const char *value, char prefix,
                      char out[RESEARCH_ID_MAX])
{
    unsigned char h[8];
    dcrypto_keyed_hash(app->secret, domain, value, h, sizeof h);
    out[0] = prefix;
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(out + 1 + 2 * i, 3, "%02x", h[i]);
}

struct share_days {
    const struct membership *m;
    long first;
    int n_days;
    struct research_day *days[2];
};

static void count_share(void *p, const struct share_meta *sm)
{
    struct share_days *sd = p;
    long day = (long)(sm->created_at / 86400) - sd->first;
    if (day < 0 || day >= sd->n_days)
        return;
    for (int i = 0; i < 2; i++)
        if (strcmp(sd->m->members[i].user_id, sm->author_id) == 0) {
            struct research_day *x = &sd->days[i][day];
            x->v[7] = x->v[7] < 0 ? 1 : x->v[7] + 1;
        }
}

void h_research_export(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    const char *layout_name = http_query(c->req, "layout");
    bool codebook = false;
    const char *book = http_query(c->req, "codebook");
    if (book != NULL && strcmp(book, "1") == 0)
        codebook = true;
    int layout = research_layout_from_name(layout_name != NULL ? layout_name : "long");
    if (layout < 0) {
        reply_error(c, API_INVALID_FIELD, "layout", "The layout is long, pairwise or dyadwide.");
        return;
    }
    struct research_state st;
    enum store_result r = store_research_get(c->app->store, m.dyad.id, &st);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    if (r == STORE_NOT_FOUND || st.n != 2) {
        reply_error(c, API_FORBIDDEN, NULL,
                    "Both members must consent to research before anything is exported.");
        return;
    }
    char *csv = NULL;
    if (codebook)
        csv = research_codebook(layout);
    else {
        long today = server_today(c);
        long from = today - RESEARCH_DAYS_MAX + 1;
        size_t max = 2 * RESEARCH_DAYS_MAX, n = 0;
        struct checkin *ck = arena_alloc(c->arena, max * sizeof *ck);
        struct research_day *days[2];
        days[0] = arena_alloc(c->arena, RESEARCH_DAYS_MAX * sizeof **days);
        days[1] = arena_alloc(c->arena, RESEARCH_DAYS_MAX * sizeof **days);
        if (ck == NULL || days[0] == NULL || days[1] == NULL) {
            reply_error(c, API_INTERNAL, NULL, NULL);
            return;
        }
        r = store_checkins(c->app->store, m.dyad.id, from, today, ck, max, &n);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
        bool hidden_ok[2] = {false, false};
        for (size_t i = 0; i < 2; i++)
            for (size_t k = 0; k < st.n; k++)
                if (strcmp(st.consents[k].user_id, m.members[i].user_id) == 0)
                    hidden_ok[i] = st.consents[k].include_hidden;
        long first = n > 0 ? ck[0].day : today;
        for (size_t i = 0; i < n; i++)
            first = ck[i].day < first ? ck[i].day : first;
        int n_days = (int)(today - first + 1);
        for (int w = 0; w < 2; w++)
            for (int d = 0; d < n_days; d++)
                for (int k = 0; k < RESEARCH_VARS; k++)
                    days[w][d].v[k] = -1;
        for (size_t i = 0; i < n; i++) {
            int w = strcmp(ck[i].user_id, m.members[0].user_id) == 0   ? 0
                    : strcmp(ck[i].user_id, m.members[1].user_id) == 0 ? 1
                                                                       : -1;
            long d = ck[i].day - first;
            if (w < 0 || d < 0 || d >= n_days)
                continue;
            struct research_day *x = &days[w][d];
            /* an item hidden from the other goes out only if the consent says so */
            for (int k = 0; k < 6; k++)
                if (ck[i].score[k] != STORE_NULL &&
                    (hidden_ok[w] || (ck[i].show_mask & INSIGHTS_ITEM_BIT(k)) != 0))
                    x->v[k] = ck[i].score[k];
            if (ck[i].wordless != STORE_NULL &&
                (hidden_ok[w] || (ck[i].show_mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS))))
                x->v[6] = ck[i].wordless;
            x->v[7] = 0; /* a day checked in: no share until one is counted */
        }
        struct share_days sd = {&m, first, n_days, {days[0], days[1]}};
        r = store_share_meta(c->app->store, m.dyad.id, (int64_t)first * 86400, count_share, &sd);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
        struct research_dyad dy;
        memset(&dy, 0, sizeof dy);
        pseudonym(c->app, "research-dyad", m.dyad.id, 'd', dy.id);
        for (int w = 0; w < 2; w++) {
            char both[2 * STORE_ID_MAX + 2];
            snprintf(both, sizeof both, "%s:%s", m.dyad.id, m.members[w].user_id);
            pseudonym(c->app, "research-person", both, 'p', dy.person[w]);
        }
        dy.n_days = n_days;
        dy.days[0] = days[0];
        dy.days[1] = days[1];
        csv = research_csv(layout, &dy, 1);
    }
    if (csv == NULL || store_audit_add(c->app->store, m.dyad.id, c->user.id, "research_export",
                                       NULL, c->now) != STORE_OK) {
        free(csv);
        reply_store(c, STORE_ERROR);
        return;
    }
    char *copy = arena_strdup(c->arena, csv);
    free(csv);
    if (copy == NULL) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return;
    }
    char *disp = arena_printf(c->arena, "attachment; filename=\"dyad-research-%s%s.csv\"",
                              research_layout_name(layout), codebook ? "-codebook" : "");
    c->res->status = 200;
    c->res->content_type = "text/csv; charset=utf-8";
    c->res->body = copy;
    c->res->body_len = strlen(copy);
    if (disp != NULL)
        http_response_header(c->res, "Content-Disposition", disp);
}
