/*
 * h_pages.c — the HTML pages: a shell per page (the browser code fills it;
 * it needs the keys, which only the browser has) and /safety, rendered here
 * in full so it works logged out and without JavaScript.
 *
 * Titles are always the neutral "dyad": no page title carries content.
 */
#include <stdio.h>
#include <string.h>

#include "core/embedded.h"
#include "web/handler.h"

static const char *asset_tag(struct ctx *c, const char *path, bool script)
{
    bool hashed;
    const struct embedded_file *f = asset_find(path, &hashed);
    if (f == NULL)
        return "";
    if (script)
        return arena_printf(c->arena,
                            "<script type=\"module\" src=\"%s\" integrity=\"%s\"></script>",
                            f->hashed_name, f->integrity);
    return arena_printf(c->arena, "<link rel=\"stylesheet\" href=\"%s\" integrity=\"%s\">",
                        f->hashed_name, f->integrity);
}

/* <link rel=modulepreload> with integrity for every embedded module, so
 * the modules app.js imports by plain name are checked too (Subresource
 * Integrity applies to a preloaded module when it is imported). */
static const char *module_preloads(struct ctx *c)
{
    const char *out = "";
    for (size_t i = 0; i < assets_count; i++) {
        const char *n = assets[i].name;
        size_t len = strlen(n);
        bool module = (len > 3 && strcmp(n + len - 3, ".js") == 0) ||
                      (len > 4 && strcmp(n + len - 4, ".mjs") == 0);
        if (!module || strcmp(n, "/static/js/app.js") == 0)
            continue;
        out = arena_printf(c->arena, "%s<link rel=\"modulepreload\" href=\"%s\" integrity=\"%s\">",
                           out, n, assets[i].integrity);
    }
    return out != NULL ? out : "";
}

static const char *icon_link(struct ctx *c)
{
    bool hashed;
    const struct embedded_file *f = asset_find("/static/icon.svg", &hashed);
    return f == NULL
               ? ""
               : arena_printf(c->arena, "<link rel=\"icon\" href=\"%s\" type=\"image/svg+xml\">",
                              f->hashed_name);
}

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

void page_render(struct ctx *c, const char *page, const char *main_html)
{
    const char *id = route_param(&c->params, "id");
    const char *code = route_param(&c->params, "code");
    const char *html = arena_printf(
        c->arena,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<title>dyad</title>%s%s%s%s%s</head>\n"
        "<body data-page=\"%s\" data-dyad-id=\"%s\" data-code=\"%s\">\n"
        "<div class=\"quick-exit-bar\"><button type=\"button\" id=\"quick-exit\" "
        "title=\"Leave this site at once (or press Esc three times)\">Quick exit</button></div>\n"
        "<header class=\"site\"><a href=\"/\" class=\"brand\">dyad</a><nav aria-label=\"Main\">"
        "<a href=\"/settings\">Settings</a> <a href=\"/safety\">Help &amp; safety</a></nav>"
        "</header>\n<main id=\"main\" tabindex=\"-1\">%s</main>\n"
        "<footer class=\"site\"><a href=\"/safety\">Help &amp; safety</a></footer>\n"
        "</body></html>\n",
        /* the session's CSRF token, so that quick exit and the idle lock can end
         * the session from pages the server renders (insights, safety) */
        c->authed ? arena_printf(c->arena, "<meta name=\"dyad-csrf\" content=\"%s\">",
                                 html_escape(c->arena, c->session.csrf_token))
                  : "",
        icon_link(c), asset_tag(c, "/static/css/app.css", false),
        asset_tag(c, "/static/js/app.js", true), module_preloads(c), page,
        id != NULL ? html_escape(c->arena, id) : "",
        code != NULL ? html_escape(c->arena, code) : "", main_html);
    reply_html(c, 200, html != NULL ? html : "");
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
