/*
 * h_pages.c — the HTML pages: a shell per page (the browser code fills it;
 * it needs the keys, which only the browser has) and /safety, rendered here
 * in full so it works logged out and without JavaScript. The shell itself
 * (page_render) is in floor_page.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/embedded.h"
#include "web/handler.h"

static const char *page_name(const char *pattern)
{
    static const struct {
        const char *pattern, *page;
    } pages[] = {
        {"/", "home"},
        {"/join/{code}", "join"},
        {"/dyads/{id}", "dyad"},
        {"/dyads/{id}/shares", "shares"},
        {"/dyads/{id}/talk", "talk"},
        {"/dyads/{id}/insights", "insights"},
        {"/settings", "settings"},
        {"/therapist", "therapist"},
        {"/therapist/dyads/{id}", "therapist-dyad"},
        {"/setup/{code}", "setup"},
        {"/safety", "safety"},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(pattern, pages[i].pattern) == 0)
            return pages[i].page;
    return "home";
}

void h_page(struct ctx *c)
{
    page_render(c, page_name(c->route->pattern),
                "<noscript><p>dyad encrypts everything you write in your browser, so it needs "
                "JavaScript. The <a href=\"/safety\">help and safety page</a> works without it.</p>"
                "</noscript>");
}

/* Home: a therapist's home is the caseload. */
void h_home(struct ctx *c)
{
    if (c->authed && c->user.role == USER_THERAPIST) {
        c->res->status = 303;
        c->res->body = "";
        c->res->body_len = 0;
        http_response_header(c->res, "Location", "/therapist");
        return;
    }
    h_page(c);
}

static const char *str_of(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

void h_safety(struct ctx *c)
{
    json_t *res = c->app->resources;
    json_t *em = json_object_get(res, "emergency");
    const char *number = str_of(em, "number");
    char *html = arena_printf(
        c->arena,
        "<h1>Help and safety</h1>"
        "<section class=\"emergency\" aria-labelledby=\"emergency-h\">"
        "<h2 id=\"emergency-h\">%s</h2>"
        "<p class=\"emergency-number\"><a href=\"tel:%s\">%s</a></p><p>%s</p></section>"
        "<section aria-labelledby=\"more-h\"><h2 id=\"more-h\">People who can help</h2><ul "
        "class=\"resources\">",
        html_escape(c->arena, str_of(em, "label")), html_escape(c->arena, number),
        html_escape(c->arena, number), html_escape(c->arena, str_of(em, "note")));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(res, "resources"), i, r)
    {
        const char *url = str_of(r, "url"), *phone = str_of(r, "phone");
        html = arena_printf(
            c->arena, "%s<li><strong>%s</strong>%s%s%s%s%s%s<br>%s</li>", html,
            html_escape(c->arena, str_of(r, "name")), *phone ? " · <a href=\"tel:" : "",
            *phone ? html_escape(c->arena, phone) : "", *phone ? "\">" : "",
            *phone ? html_escape(c->arena, phone) : "", *phone ? "</a>" : "",
            *url ? arena_printf(c->arena, " · <a href=\"%s\" rel=\"noreferrer noopener\">%s</a>",
                                html_escape(c->arena, url), html_escape(c->arena, url))
                 : "",
            html_escape(c->arena, str_of(r, "note")));
    }
    html = arena_printf(
        c->arena,
        "%s</ul></section><section aria-labelledby=\"exit-h\"><h2 id=\"exit-h\">Leaving "
        "quickly</h2><p>The <strong>Quick exit</strong> button at the top of every page, or the "
        "Esc key pressed three times, hides dyad at once, ends your session and opens a neutral "
        "page. It cannot erase your browser's history or protect against spying software on "
        "your device.</p></section>",
        html);
    page_render(c, "safety", html != NULL ? html : "");
}
