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

#ifdef DYAD_TEST_HOOKS
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

enum { EPOCH_NAMES_MAX = 512, EPOCH_NAME_MAX = 256 };
static char epoch_names[EPOCH_NAMES_MAX][EPOCH_NAME_MAX];
static pthread_once_t epoch_once = PTHREAD_ONCE_INIT;

/* Each asset's hashed name with the 10 hex digits tools/embed.c put after
 * the plain name's stem replaced by BLAKE2b(epoch, ETag). */
static void epoch_init(void)
{
    const char *epoch = asset_epoch();
    for (size_t i = 0; i < assets_count && i < EPOCH_NAMES_MAX; i++) {
        const struct embedded_file *f = &assets[i];
        snprintf(epoch_names[i], EPOCH_NAME_MAX, "%s", f->hashed_name);
        const char *slash = strrchr(f->name, '/');
        const char *dot = strrchr(f->name, '.');
        if (dot == NULL || (slash != NULL && dot < slash))
            dot = f->name + strlen(f->name);
        size_t at = (size_t)(dot - f->name) + 1;
        if (epoch[0] == '\0' || strlen(f->hashed_name) < at + 10)
            continue;
        unsigned char h[5];
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, sizeof h);
        crypto_generichash_update(&st, (const unsigned char *)epoch, strlen(epoch) + 1);
        crypto_generichash_update(&st, (const unsigned char *)f->etag, strlen(f->etag));
        crypto_generichash_final(&st, h, sizeof h);
        char hex[11];
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        memcpy(epoch_names[i] + at, hex, 10);
    }
}

const char *asset_epoch(void)
{
    const char *e = getenv("DYAD_TEST_ASSET_EPOCH");
    return e != NULL ? e : "";
}

const char *asset_hashed_name(const struct embedded_file *f)
{
    size_t i = (size_t)(f - assets);
    if (asset_epoch()[0] == '\0' || i >= assets_count || i >= EPOCH_NAMES_MAX)
        return f->hashed_name;
    pthread_once(&epoch_once, epoch_init);
    return epoch_names[i];
}
#else
const char *asset_epoch(void)
{
    return "";
}

const char *asset_hashed_name(const struct embedded_file *f)
{
    return f->hashed_name;
}
#endif

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
        if (strcmp(path, asset_hashed_name(&assets[i])) == 0) {
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
                            asset_hashed_name(f), f->integrity);
    return arena_printf(c->arena, "<link rel=\"stylesheet\" href=\"%s\" integrity=\"%s\">",
                        asset_hashed_name(f), f->integrity);
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
                              asset_hashed_name(f));
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
