/*
 * h_insights_page.c — /dyads/{id}/insights, rendered by the server: the
 * charts (SVG, with text alternatives), the means side by side and the
 * findings in words. It needs no JavaScript and prints on its own, since
 * scores are the one thing the server may read (docs/protocol.md). A visitor who
 * is not logged in, or not a member, gets the ordinary page shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/insights.h"
#include "core/kind.h"
#include "web/charts.h"
#include "web/handler.h"
#include "web/insights_view.h"

static const char *quadrant_words(const char *q)
{
    static const struct {
        const char *code, *words;
    } w[] = {
        {"both", "emotional closeness and sexual connection, both"},
        {"emotional_only", "emotional closeness, with little sexual connection"},
        {"sexual_only", "sexual connection, with little emotional closeness"},
        {"neither", "neither, for now"},
        {"not_tracked", "sexual connection not tracked"},
        {"insufficient_data", "not enough check-ins yet (7 are needed)"},
        {"hidden", "not shown to you"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(q, w[i].code) == 0)
            return w[i].words;
    return q;
}

static const char *plane_words(const char *p)
{
    static const struct {
        const char *code, *words;
    } w[] = {
        {"open_and_understood", "opening up, and feeling understood"},
        {"open_not_understood", "opening up, feeling understood less"},
        {"understood_not_open", "feeling understood, opening up little"},
        {"neither", "neither much, for now"},
        {"insufficient_data", "not enough check-ins yet (7 are needed)"},
        {"hidden", "not shown to you"},
    };
    for (size_t i = 0; p != NULL && i < sizeof w / sizeof w[0]; i++)
        if (strcmp(p, w[i].code) == 0)
            return w[i].words;
    return "—";
}

/* What a chart that cannot be drawn yet needs, in place of an empty one:
 * "you 3, Kim 5" — the days each member has towards the 7 needed (a member
 * the viewer may not see is left out). */
static const char *so_far(struct ctx *c, const struct membership *m,
                          const struct insights_result *res, bool plane)
{
    const char *out = "";
    for (size_t i = 0; i < m->n && i < 2; i++) {
        const struct insights_member_result *r = &res->members[i];
        if (plane ? r->plane == INSIGHTS_PLANE_HIDDEN : !r->checkins.shown)
            continue;
        int n = plane ? r->plane_opened_up.n : (int)r->checkins.value;
        out = arena_printf(
            c->arena, "%s%s%s %d", out, *out ? ", " : "",
            (int)i == m->me ? "you" : html_escape(c->arena, m->members[i].display_name), n);
    }
    return *out ? arena_printf(c->arena, " So far: %s.", out) : "";
}

static bool plane_drawable(const struct insights_result *res)
{
    for (int i = 0; i < 2; i++)
        if (res->members[i].plane != INSIGHTS_PLANE_HIDDEN &&
            res->members[i].plane != INSIGHTS_PLANE_INSUFFICIENT_DATA)
            return true;
    return false;
}

static bool quadrant_drawable(const struct insights_result *res)
{
    for (int i = 0; i < 2; i++) {
        enum insights_quadrant q = res->members[i].quadrant;
        if (q == INSIGHTS_QUADRANT_BOTH || q == INSIGHTS_QUADRANT_EMOTIONAL_ONLY ||
            q == INSIGHTS_QUADRANT_SEXUAL_ONLY || q == INSIGHTS_QUADRANT_NEITHER)
            return true;
    }
    return false;
}

static bool series_drawable(const struct insights_result *res)
{
    for (int i = 0; i < 2; i++) {
        const struct insights_member_result *r = &res->members[i];
        if (r->closeness.shown || r->affection.shown || r->sexual.shown)
            return true;
    }
    return false;
}

static const char *figure(struct ctx *c, const char *svg)
{
    /* tabindex: on a phone the chart scrolls sideways in its own box, and a
     * keyboard can scroll it too */
    return svg != NULL
               ? arena_printf(c->arena, "<figure class=\"chart\" tabindex=\"0\">%s</figure>", svg)
               : "";
}

static const char *cell(struct ctx *c, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v == NULL ? "—" : arena_printf(c->arena, "%.1f", json_number_value(v));
}

static const char *window_form(struct ctx *c, int window)
{
    static const int choices[] = {7, 14, 28, 90, 365};
    const char *opts = "";
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        opts = arena_printf(c->arena, "%s<option value=\"%d\"%s>%d days</option>", opts, choices[i],
                            choices[i] == window ? " selected" : "", choices[i]);
    return arena_printf(c->arena,
                        "<form method=\"get\" class=\"window-form\"><label for=\"window\">Look "
                        "back over</label> <select id=\"window\" name=\"window\">%s</select> "
                        "<button type=\"submit\">Show</button></form>",
                        opts);
}

static const char *page_main(struct ctx *c, const struct membership *mp, int window,
                             enum insights_viewer viewer);

void h_insights_page(struct ctx *c)
{
    struct membership m;
    const char *id = route_param(&c->params, "id");
    bool member = false;
    if (c->authed) {
        enum store_result r = store_dyad_get(c->app->store, id, &m.dyad, m.members, &m.n);
        m.me = m.partner = -1;
        for (size_t i = 0; r == STORE_OK && i < m.n; i++) {
            if (strcmp(m.members[i].user_id, c->user.id) == 0)
                m.me = m.members[i].left_at == 0 ? (int)i : -1;
            else
                m.partner = (int)i;
        }
        member = r == STORE_OK && m.me >= 0;
    }
    if (!member) {
        page_render(c, "insights",
                    "<h1>Insights</h1><p>Please <a href=\"/\">log in</a> to see the insights "
                    "of your dyad.</p>");
        return;
    }
    int window = insights_take_window(c);
    if (window < 0)
        return;
    enum insights_viewer viewer = m.me == 0 ? INSIGHTS_VIEWER_MEMBER0 : INSIGHTS_VIEWER_MEMBER1;
    /* the page's <main> depends on nothing the key leaves out (the shell
     * around it is made per request) */
    struct insights_key key = {.len = 0};
    insights_view_key(c, &m, window, viewer, INSIGHTS_ANSWER_PAGE, &key);
    const char *html;
    if (!insights_view_cached(c, &key, &html)) {
        html = page_main(c, &m, window, viewer);
        if (html == NULL) {
            reply_error(c, API_UNAVAILABLE, NULL, "The insights could not be computed just now.");
            return;
        }
        insights_view_keep(c, &key, html);
    }
    page_render(c, "insights", html);
}

/* The page's <main>, computed; NULL when the store failed or memory ran
 * out. */
static const char *page_main(struct ctx *c, const struct membership *mp, int window,
                             enum insights_viewer viewer)
{
    const struct membership m = *mp;
    struct insights_view v;
    const struct insights_result *res = insights_view_compute(c, mp, window, viewer, &v);
    if (res == NULL)
        return NULL;
    const char *names[2] = {m.members[0].display_name, m.n > 1 ? m.members[1].display_name : NULL};
    /* Sex has a column and a chart only in a couple where someone tracks
     * it; friends and family never read of it (core/kind.h). */
    bool sexual =
        m.dyad.kind == DYAD_COUPLE && (v.input.track_sexual[0] || v.input.track_sexual[1]);
    /* No empty charts: a chart with nothing to place says what it needs. */
    const char *series =
        series_drawable(res)
            ? arena_own(c->arena, charts_series_svg(&v.input, res, names, "series"), free)
            : NULL;
    const char *plane =
        plane_drawable(res)
            ? arena_own(c->arena, charts_plane_svg(&v.input, res, names, "plane"), free)
            : NULL;
    const char *quadrant =
        sexual && quadrant_drawable(res)
            ? arena_own(c->arena, charts_quadrant_svg(&v.input, res, names, "quadrant"), free)
            : NULL;
    const char *charts = arena_printf(
        c->arena, "%s%s%s",
        series != NULL ? figure(c, series)
                       : "<p class=\"chart-wait\">No ratings in this window yet: the daily chart "
                         "appears with the first check-in.</p>",
        plane != NULL
            ? figure(c, plane)
            : arena_printf(c->arena,
                           "<p class=\"chart-wait\">Opening up and feeling understood are drawn "
                           "once someone has 7 days on which they answered both.%s</p>",
                           so_far(c, &m, res, true)),
        !sexual ? ""
        : quadrant != NULL
            ? figure(c, quadrant)
            : arena_printf(c->arena,
                           "<p class=\"chart-wait\">Closeness and sexual connection are drawn "
                           "once someone who tracks it has 7 check-ins.%s</p>",
                           so_far(c, &m, res, false)));
    json_t *j = insights_view_json(&v, res);
    const char *other = m.partner >= 0 ? html_escape(c->arena, m.members[m.partner].display_name)
                                       : kind_other_words((int)m.dyad.kind, KIND_ROLE_NONE);

    const char *rows = "";
    size_t i;
    json_t *mj;
    json_array_foreach(json_object_get(j, "members"), i, mj)
    {
        const char *name = html_escape(c->arena, i < 2 && names[i] ? names[i] : "");
        rows = arena_printf(
            c->arena,
            "%s<tr><th scope=\"row\">%s</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
            "<td>%s</td>%s<td>%s</td><td>%s</td>%s</tr>",
            rows, name, cell(c, mj, "closeness_mean"), cell(c, mj, "closeness_wanted_mean"),
            cell(c, mj, "opened_up_mean"), cell(c, mj, "understood_mean"),
            cell(c, mj, "affection_mean"),
            sexual ? arena_printf(c->arena, "<td>%s</td>", cell(c, mj, "sexual_mean")) : "",
            cell(c, mj, "closeness_trend"),
            html_escape(c->arena, plane_words(json_string_value(json_object_get(mj, "plane")))),
            sexual ? arena_printf(c->arena, "<td>%s</td>",
                                  html_escape(c->arena, quadrant_words(json_string_value(
                                                            json_object_get(mj, "quadrant")))))
                   : "");
    }
    const char *findings = "";
    json_t *f;
    json_array_foreach(json_object_get(j, "findings"), i, f)
    {
        const char *numbers = "";
        const char *k;
        json_t *nv;
        json_object_foreach(json_object_get(f, "numbers"), k, nv) numbers =
            arena_printf(c->arena, "%s<li>%s: %.2f</li>", numbers, html_escape(c->arena, k),
                         json_number_value(nv));
        findings = arena_printf(
            c->arena,
            "%s<li class=\"finding %s\"><p>%s</p>%s<details><summary>The numbers behind "
            "this</summary><ul>%s</ul></details></li>",
            findings, html_escape(c->arena, json_string_value(json_object_get(f, "severity"))),
            html_escape(c->arena, json_string_value(json_object_get(f, "explanation"))),
            json_object_get(f, "help") != NULL
                ? "<p class=\"finding-help\"><a href=\"/safety\">Help &amp; safety — people "
                  "you can talk to</a></p>"
                : "",
            numbers);
    }
    const char *html = arena_printf(
        c->arena,
        "<h1>Insights</h1><p class=\"lead\">%s What you see of %s is only what they chose to "
        "show.</p>%s"
        "<section aria-labelledby=\"means-h\"><h2 id=\"means-h\">The last %d days</h2>"
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
        "aria-labelledby=\"means-h\"><table class=\"means\"><caption>Averages over the window "
        "(0–10); trend in points per day</caption><thead><tr><th scope=\"col\">Who</th>"
        "<th scope=\"col\">Closeness felt</th><th scope=\"col\">Closeness wanted</th>"
        "<th scope=\"col\">Opened up</th><th scope=\"col\">Felt understood</th>"
        "<th scope=\"col\">Affection</th>%s<th scope=\"col\">Closeness trend</th>"
        "<th scope=\"col\">Opening up and being understood</th>%s</tr>"
        "</thead><tbody>%s</tbody></table></div>"
        "</section><section aria-labelledby=\"charts-h\"><h2 id=\"charts-h\">Over time</h2>"
        "%s</section>"
        "<section aria-labelledby=\"findings-h\"><h2 id=\"findings-h\">Worth noticing</h2>%s"
        "</section><p><a href=\"/dyads/%s\">Back to today</a></p>",
        sexual ? "Emotional closeness, affection and sexual connection are three different "
                 "things, so they are kept apart here."
               : "Feeling close, affection, opening up and feeling understood are different "
                 "things, so they are kept apart here.",
        other, window_form(c, window), window,
        sexual ? "<th scope=\"col\">Sexual connection</th>" : "",
        sexual ? "<th scope=\"col\">Where this places you</th>" : "", rows, charts,
        *findings ? arena_printf(c->arena, "<ul class=\"findings\">%s</ul>", findings)
                  : "<p>Nothing stands out in this window. That is fine too.</p>",
        html_escape(c->arena, m.dyad.id));
    json_decref(j);
    return html;
}
