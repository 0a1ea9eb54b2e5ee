/*
 * floor_page.c — the floor under the handlers: the HTML shell every page
 * shares (page_render: quick-exit bar, header, <main>, scripts and styles
 * with Subresource Integrity) and the lookup of an embedded file by its
 * plain or content-hashed name (asset_find).
 *
 * Titles are always the neutral "dyad": no page title carries content.
 */
#include <string.h>

#include "core/embedded.h"
#include "web/floor.h"

const struct embedded_file *asset_find(const char *path, bool *hashed)
{
    size_t lo = 0, hi = assets_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(path, assets[mid].name);
        if (cmp == 0) {
            *hashed = false;
            return &assets[mid];
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (size_t i = 0; i < assets_count; i++) {
        if (strcmp(path, assets[i].hashed_name) == 0) {
            *hashed = true;
            return &assets[i];
        }
    }
    return NULL;
}

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

/* <link rel=modulepreload> with integrity for the modules this page imports
 * (its graph, worked out at build time by tools/preloads.mjs), so they are
 * fetched at once and integrity-checked (Subresource Integrity applies to a
 * preloaded module when it is imported); nothing for other pages. Then
 * <meta name="dyad-lazy"> with the integrity of the modules it may import
 * later through web/js/lazy.js, which preloads them with those values when
 * the first is needed. */
static const char *module_preloads(struct ctx *c, const char *page)
{
    const struct page_modules *pm = page_modules; /* entry "": no page module */
    for (const struct page_modules *p = page_modules; p->page != NULL; p++)
        if (strcmp(p->page, page) == 0)
            pm = p;
    const char *out = "";
    for (const char *const *m = pm->modules; *m != NULL && out != NULL; m++) {
        bool hashed;
        const struct embedded_file *f = asset_find(*m, &hashed);
        if (f != NULL)
            out = arena_printf(c->arena,
                               "%s<link rel=\"modulepreload\" href=\"%s\" integrity=\"%s\">", out,
                               f->name, f->integrity);
    }
    for (const char *const *m = pm->lazy; m != NULL && *m != NULL && out != NULL; m++) {
        bool hashed;
        const struct embedded_file *f = asset_find(*m, &hashed);
        if (f != NULL)
            out = arena_printf(c->arena,
                               "%s<meta name=\"dyad-lazy\" data-href=\"%s\" content=\"%s\">", out,
                               f->name, f->integrity);
    }
    return out != NULL ? out : "";
}

/* The modules sodium.js loads only when a page needs cryptography (the
 * libsodium build is most of the client's weight). They are not preloaded;
 * their integrity values travel in <meta name="dyad-sri"> and sodium.js
 * preloads them with those values just before importing them. */
static const char *const on_demand[] = {
    "/static/js/crypto.js",
    "/static/vendor/libsodium-sumo.mjs",
    "/static/vendor/libsodium-wrappers.mjs",
};

static const char *on_demand_integrity(struct ctx *c)
{
    const char *out = "";
    for (size_t i = 0; i < sizeof on_demand / sizeof on_demand[0] && out != NULL; i++) {
        bool hashed;
        const struct embedded_file *f = asset_find(on_demand[i], &hashed);
        if (f != NULL)
            out =
                arena_printf(c->arena, "%s<meta name=\"dyad-sri\" data-href=\"%s\" content=\"%s\">",
                             out, f->name, f->integrity);
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

void page_render(struct ctx *c, const char *page, const char *main_html)
{
    const char *id = route_param(&c->params, "id");
    const char *code = route_param(&c->params, "code");
    const char *html = arena_printf(
        c->arena,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<title>dyad</title>"
        "<link rel=\"manifest\" href=\"/static/manifest.json\">"
        "<meta name=\"theme-color\" content=\"#2f5d62\">%s%s%s%s%s%s%s</head>\n"
        "<body data-page=\"%s\" data-dyad-id=\"%s\" data-code=\"%s\">\n"
        "<div class=\"quick-exit-bar\"><button type=\"button\" id=\"quick-exit\" "
        "title=\"Leave this site at once (or press Esc three times)\">Quick exit</button></div>\n"
        "<header class=\"site\"><a href=\"/\" class=\"brand\">dyad</a><nav aria-label=\"Main\">"
        "<a href=\"/settings\">Settings</a> <a href=\"/safety\">Help &amp; safety</a>%s</nav>"
        "</header>\n<main id=\"main\" tabindex=\"-1\">%s</main>\n"
        "<footer class=\"site\"><a href=\"/safety\">Help &amp; safety</a></footer>\n"
        "</body></html>\n",
        /* the session's CSRF token, so that quick exit and the idle lock can end
         * the session from pages the server renders (insights, safety) */
        c->authed ? arena_printf(c->arena, "<meta name=\"dyad-csrf\" content=\"%s\">",
                                 html_escape(c->arena, c->session.csrf_token))
                  : "",
        /* where quick exit goes, when the operator set an outside address */
        c->app->cfg.quick_exit_url[0]
            ? arena_printf(c->arena, "<meta name=\"dyad-exit\" content=\"%s\">",
                           html_escape(c->arena, c->app->cfg.quick_exit_url))
            : "",
        icon_link(c), asset_tag(c, "/static/css/app.css", false),
        asset_tag(c, "/static/js/app.js", true), module_preloads(c, page), on_demand_integrity(c),
        page, id != NULL ? html_escape(c->arena, id) : "",
        code != NULL ? html_escape(c->arena, code) : "",
        /* sign out, one step from every page while signed in (app.js) */
        c->authed
            ? " <button type=\"button\" id=\"header-sign-out\" class=\"link\">Sign out</button>"
            : "",
        main_html);
    reply_html(c, 200, html != NULL ? html : "");
}
