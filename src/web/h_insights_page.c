/*
 * h_insights_page.c — /dyads/{id}/insights, rendered by the server: the
 * charts (SVG, with text alternatives), the means side by side and the
 * findings in words. It needs no JavaScript and prints on its own, since
 * scores are the one thing the server may read (design §4). A visitor who
 * is not logged in, or not a member, gets the ordinary page shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/insights.h"
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
        {"not_tracked", "emotional closeness (sexual connection is not tracked here)"},
        {"insufficient_data", "not enough check-ins yet (7 are needed)"},
        {"hidden", "not shown to you"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(q, w[i].code) == 0)
            return w[i].words;
    return q;
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
    struct insights_view v;
    const struct insights_result *res = insights_view_compute(
        c, &m, window, m.me == 0 ? INSIGHTS_VIEWER_MEMBER0 : INSIGHTS_VIEWER_MEMBER1, &v);
    if (res == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, "The insights could not be computed just now.");
        return;
    }
    const char *names[2] = {m.members[0].display_name, m.n > 1 ? m.members[1].display_name : NULL};
    char *series = charts_series_svg(&v.input, res, names, "series");
    char *quadrant = charts_quadrant_svg(&v.input, res, names, "quadrant");
    json_t *j = insights_view_json(&v, res);

    const char *rows = "";
    size_t i;
    json_t *mj;
    json_array_foreach(json_object_get(j, "members"), i, mj)
    {
        const char *name = html_escape(c->arena, i < 2 && names[i] ? names[i] : "");
        rows = arena_printf(
            c->arena,
            "%s<tr><th scope=\"row\">%s</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
            "<td>%s</td><td>%s</td></tr>",
            rows, name, cell(c, mj, "closeness_mean"), cell(c, mj, "closeness_wanted_mean"),
            cell(c, mj, "affection_mean"), cell(c, mj, "sexual_mean"),
            cell(c, mj, "closeness_trend"),
            html_escape(c->arena,
                        quadrant_words(json_string_value(json_object_get(mj, "quadrant")))));
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
            "%s<li class=\"finding %s\"><p>%s</p><details><summary>The numbers behind "
            "this</summary><ul>%s</ul></details></li>",
            findings, html_escape(c->arena, json_string_value(json_object_get(f, "severity"))),
            html_escape(c->arena, json_string_value(json_object_get(f, "explanation"))), numbers);
    }
    const char *html = arena_printf(
        c->arena,
        "<h1>Insights</h1><p class=\"lead\">Emotional closeness, affection and sexual connection "
        "are three different things, so they are kept apart here. What you see of your "
        "partner is only what they chose to show.</p>%s"
        "<section aria-labelledby=\"means-h\"><h2 id=\"means-h\">The last %d days</h2>"
        "<table class=\"means\"><caption>Averages over the window (0–10); trend in points "
        "per day</caption><thead><tr><th scope=\"col\">Who</th><th scope=\"col\">Closeness felt"
        "</th><th scope=\"col\">Closeness wanted</th><th scope=\"col\">Affection</th>"
        "<th scope=\"col\">Sexual connection</th><th scope=\"col\">Closeness trend</th>"
        "<th scope=\"col\">Where this places you</th></tr></thead><tbody>%s</tbody></table>"
        "</section><section aria-labelledby=\"charts-h\"><h2 id=\"charts-h\">Over time</h2>"
        "<figure class=\"chart\">%s</figure><figure class=\"chart\">%s</figure></section>"
        "<section aria-labelledby=\"findings-h\"><h2 id=\"findings-h\">Worth noticing</h2>%s"
        "</section><p><a href=\"/dyads/%s\">Back to today</a></p>",
        window_form(c, window), window, rows, series != NULL ? series : "",
        quadrant != NULL ? quadrant : "",
        *findings ? arena_printf(c->arena, "<ul class=\"findings\">%s</ul>", findings)
                  : "<p>Nothing stands out in this window. That is fine too.</p>",
        html_escape(c->arena, m.dyad.id));
    free(series);
    free(quadrant);
    json_decref(j);
    page_render(c, "insights", html != NULL ? html : "");
}
