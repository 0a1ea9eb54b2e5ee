/*
 * app.c — the request pipeline below the HTTP adapter.
 *
 * In order: transport errors (413, duplicate Content-Length) → Origin check
 * → routing (404/405) → session lookup and timeouts → access and CSRF →
 * body size, media type, JSON parsing and the route's field allowlist →
 * the handler → security and cache headers → one log line and the metrics.
 * Every answer, errors and static files included, passes the header step.
 */
#include "web/app.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/floor.h"
#include "web/log.h"

enum { DEFAULT_THREADS = 16 };

void app_config_defaults(struct app_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "127.0.0.1");
    cfg->port = 8080;
    snprintf(cfg->db_url, sizeof cfg->db_url, "sqlite:./dyad.db");
    cfg->idle_timeout = 30 * 60;
    cfg->absolute_timeout = 12 * 60 * 60;
    cfg->max_body = 64 * 1024;
    /* At least DEFAULT_THREADS workers, or one per core if there are more
     * cores. A durable write holds its worker until its group's COMMIT has
     * synced (store/sqlite.c), so a group commit can hold at most as many
     * writes as there are workers: with one worker per core, two writes per
     * fsync on two cores. The workers waiting for a sync use no CPU; what
     * each costs is memory (its stack, and its SQLite reader's page cache,
     * kept small for this). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = cores > DEFAULT_THREADS && cores < 1024 ? (unsigned)cores : DEFAULT_THREADS;
    cfg->max_connections = 1024;
    cfg->max_connections_per_address = 128;
    cfg->header_timeout = 10;
    snprintf(cfg->log_format, sizeof cfg->log_format, "plain");
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    cfg->log_requests = true;
    cfg->registrations_per_client = 20;
    cfg->login_failures_per_client = 20;
    cfg->shutdown_timeout = 10;
    cfg->statement_timeout = 10;
    cfg->sandbox = true;
    snprintf(cfg->smtp_starttls, sizeof cfg->smtp_starttls, "required");
}

const int64_t metrics_bounds[METRICS_BUCKETS] = {5000,    10000,   25000,    50000,
                                                 100000,  250000,  500000,   1000000,
                                                 2500000, 5000000, 10000000, INT64_MAX};

void metrics_count(struct app_metrics *m, size_t r, int status, int64_t micros)
{
    size_t cls = (size_t)(status / 100) % 6;
    atomic_fetch_add(&m->requests, 1);
    atomic_fetch_add(&m->by_class[cls], 1);
    atomic_fetch_add(&m->micros, (uint_fast64_t)micros);
    if (status == 429)
        atomic_fetch_add(&m->throttled, 1);
    struct route_metrics *rm = &m->routes[r < METRICS_ROUTES_MAX ? r : METRICS_ROUTES_MAX];
    atomic_fetch_add(&rm->by_class[cls], 1);
    atomic_fetch_add(&rm->micros, (uint_fast64_t)micros);
    size_t b = 0;
    while (b + 1 < METRICS_BUCKETS && micros > metrics_bounds[b])
        b++;
    atomic_fetch_add(&rm->buckets[b], 1);
}

int app_set_public_url(struct app *app, const char *url)
{
    bool tls;
    const char *host;
    if (strncmp(url, "https://", 8) == 0) {
        tls = true;
        host = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        tls = false;
        host = url + 7;
    } else {
        return -1;
    }
    size_t hlen = strcspn(host, "/?#");
    if (hlen == 0 || host[hlen] == '?' || host[hlen] == '#' ||
        (host[hlen] == '/' && host[hlen + 1] != '\0'))
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (host[i] <= ' ' || host[i] == '@' || host[i] == '"')
            return -1;
    if ((size_t)(host - url) + hlen >= sizeof app->origin)
        return -1;
    snprintf(app->origin, sizeof app->origin, "%.*s", (int)((size_t)(host - url) + hlen), url);
    app->tls = tls;
    app->cookie_name = tls ? "__Host-dyad_session" : "dyad_session";
    return 0;
}

static int64_t now_micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the pipeline --------------------------------------------------------- */

/* Documents (pages, HTML files, the service worker) carry the whole set:
 * they run scripts, are framed, open windows and ask for device features.
 * Every other answer (JSON, scripts, stylesheets, images) carries a small
 * set: nothing can run in it if it is ever opened as a page (default-src
 * 'none'), it is never framed, sniffed or read by another site. The big
 * set on every answer was about 600 bytes each: a tenth of the first
 * page's bytes. */
static void security_headers(struct ctx *c)
{
    struct http_response *res = c->res;
    bool document = res->document ||
                    (res->content_type != NULL && strncmp(res->content_type, "text/html", 9) == 0);
    if (document) {
        http_response_header(res, "Content-Security-Policy",
                             "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
                             "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                             "form-action 'self'");
        http_response_header(res, "X-Content-Type-Options", "nosniff");
        http_response_header(res, "Referrer-Policy", "no-referrer");
        http_response_header(res, "Cross-Origin-Opener-Policy", "same-origin");
        http_response_header(res, "Cross-Origin-Resource-Policy", "same-origin");
        http_response_header(res, "X-Frame-Options", "DENY");
        http_response_header(res, "Permissions-Policy",
                             "accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                             "magnetometer=(), microphone=(), payment=(), usb=(), "
                             "interest-cohort=(), browsing-topics=()");
    } else {
        http_response_header(res, "Content-Security-Policy",
                             "default-src 'none'; frame-ancestors 'none'");
        http_response_header(res, "X-Content-Type-Options", "nosniff");
        http_response_header(res, "Cross-Origin-Resource-Policy", "same-origin");
    }
    if (c->app->tls)
        http_response_header(res, "Strict-Transport-Security", "max-age=63072000");
}

static bool is_state_change(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int64_t session_expires_at(const struct app *app, const struct session *s)
{
    if (s->expires_at != 0)
        return s->expires_at;
    return s->created_at + (int64_t)app->cfg.absolute_timeout;
}

/* Looks up the session cookie; ends sessions past their idle or absolute
 * timeout. Sets c->authed and loads the user. Returns -1 only when the
 * store failed. */
static int load_session(struct ctx *c)
{
    const char *token = http_cookie(c->req, c->app->cookie_name);
    if (token == NULL || strlen(token) != DCRYPTO_TOKEN_LEN)
        return 0;
    unsigned char h[32];
    dcrypto_token_hash(token, h);
    enum store_result r = store_session_by_token(c->app->store, h, &c->session);
    if (r == STORE_NOT_FOUND)
        return 0;
    if (r != STORE_OK)
        return -1;
    if (c->now - c->session.last_seen_at > (int64_t)c->app->cfg.idle_timeout ||
        c->now > session_expires_at(c->app, &c->session)) {
        store_session_delete(c->app->store, c->session.user_id, c->session.id);
        return 0;
    }
    r = store_user_by_id(c->app->store, c->session.user_id, &c->user);
    if (r == STORE_NOT_FOUND)
        return 0;
    if (r != STORE_OK)
        return -1;
    /* The idle clock needs only minute precision: skip most writes. */
    if (c->now - c->session.last_seen_at >= 60)
        store_session_touch(c->app->store, c->session.id, c->now);
    c->authed = true;
    return 0;
}

static bool json_media_type(const struct http_request *req)
{
    const char *ct = http_header(req, "Content-Type");
    if (ct == NULL)
        return false;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

/* Behind a trusted reverse proxy the peer is the proxy: the client is the
 * address X-Forwarded-For names, read from the right past any trusted
 * proxies (forwarded_for_client). From any other peer the header is
 * ignored, so a client cannot choose its own address. */
static void forwarded_client(struct ctx *c)
{
    const struct cidr_list *trusted = &c->app->cfg.trusted_proxies;
    if (trusted->n == 0 || !cidr_list_contains(trusted, c->req->client_addr))
        return;
    const char *xff = http_header(c->req, "X-Forwarded-For");
    char client[64];
    const char *copy = NULL;
    if (xff != NULL && forwarded_for_client(xff, trusted, client, sizeof client) == 0 &&
        (copy = arena_strdup(c->arena, client)) != NULL)
        c->req->client_addr = copy;
}

static void run(struct ctx *c)
{
    struct http_request *req = c->req;
    forwarded_client(c);
    if (req->transport_error == HTTP_TRANSPORT_TOO_LARGE) {
        reply_error(c, API_TOO_LARGE, NULL, NULL);
        return;
    }
    if (req->transport_error == HTTP_TRANSPORT_SERVER_FULL ||
        req->transport_error == HTTP_TRANSPORT_ADDRESS_FULL) {
        bool full = req->transport_error == HTTP_TRANSPORT_SERVER_FULL;
        http_response_header(c->res, "Retry-After", full ? "5" : "1");
        reply_error(c, full ? API_UNAVAILABLE : API_RATE_LIMITED, NULL,
                    http_transport_message(req->transport_error));
        return;
    }
    /* http.c checked the headers before reading a body; checked again here
     * for callers that build requests themselves (fuzz targets). */
    if (req->transport_error == HTTP_TRANSPORT_OK && !req->headers_checked)
        req->transport_error = http_check_headers(req->headers, req->n_headers, HTTP_MAX_HEADERS);
    if (req->transport_error != HTTP_TRANSPORT_OK) {
        reply_error(c, API_BAD_REQUEST, NULL, http_transport_message(req->transport_error));
        return;
    }
    const char *origin = http_header(req, "Origin");
    if (origin != NULL && strcmp(origin, c->app->origin) != 0) {
        reply_error(c, API_CSRF, NULL, "The request's Origin is not this site.");
        return;
    }
    bool path_known;
    c->route = router_match(c->app->routes, c->app->n_routes, req->method, req->path, &c->params,
                            &path_known);
    if (c->route == NULL) {
        reply_error(c, path_known ? API_METHOD : API_NOT_FOUND, NULL, NULL);
        return;
    }
    if (load_session(c) != 0) {
        reply_error(c, API_UNAVAILABLE, NULL, "The database is not answering; please try again.");
        return;
    }
    if (c->route->access != ROUTE_PUBLIC) {
        if (!c->authed) {
            reply_error(c, API_UNAUTHENTICATED, NULL, NULL);
            return;
        }
        const char *token = http_header(req, "X-CSRF-Token");
        if (is_state_change(req->method) &&
            (token == NULL || !dcrypto_str_equal(token, c->session.csrf_token))) {
            reply_error(c, API_CSRF, "X-CSRF-Token",
                        "The X-CSRF-Token header is missing or wrong.");
            return;
        }
    }
    if ((c->route->access == ROUTE_THERAPIST || c->route->access == ROUTE_LINKED) &&
        c->user.role != USER_THERAPIST) {
        reply_error(c, API_FORBIDDEN, NULL, "This is for therapists' accounts.");
        return;
    }
    if (c->route->access == ROUTE_MEMBER || c->route->access == ROUTE_LINKED) {
        struct membership *m = arena_alloc(c->arena, sizeof *m);
        if (m == NULL) {
            reply_error(c, API_UNAVAILABLE, NULL, NULL);
            return;
        }
        if ((c->route->access == ROUTE_MEMBER ? load_membership(c, m) : load_linked(c, m)) != 0)
            return;
        c->membership = m;
        c->has_membership = true;
    }
    if (c->route->fields != NULL) {
        size_t limit = c->route->max_body ? c->route->max_body : c->app->cfg.max_body;
        if (req->body_len > limit) {
            reply_error(c, API_TOO_LARGE, NULL, NULL);
            return;
        }
        if (!json_media_type(req)) {
            reply_error(c, API_BAD_JSON, NULL,
                        "The body must be JSON (Content-Type: application/json).");
            return;
        }
        json_error_t jerr;
        c->body = req->body != NULL
                      ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr)
                      : NULL;
        if (c->body == NULL) {
            reply_error(c, API_BAD_JSON, NULL, "The body is not valid JSON.");
            return;
        }
        const char *field;
        enum api_error e = fields_check(c->route->fields, c->body, &field);
        if (e != API_OK) {
            const char *msg =
                e == API_MISSING_FIELD
                    ? arena_printf(c->arena, "The field '%s' is required.", field)
                : field != NULL
                    ? arena_printf(c->arena,
                                   "The field '%s' is not allowed here or has the wrong type.",
                                   field)
                    : NULL;
            reply_error(c, e, field, msg);
            return;
        }
        if (body_values(c) != 0)
            return;
    }
    c->route->fn(c);
}

void app_handle(void *ctxp, struct http_request *req, struct http_response *res)
{
    struct app *app = ctxp;
    int64_t t0 = now_micros();
    struct ctx c = {.app = app, .req = req, .res = res, .arena = req->arena};
    c.now = (int64_t)time(NULL);
    c.res->status = 500; /* until the pipeline answers */
    pthread_rwlock_rdlock(&app->reload);
    run(&c);
    body_values_wipe(&c);
    pthread_rwlock_unlock(&app->reload);
    if (c.body != NULL)
        json_decref(c.body);
    security_headers(&c);
    if (res->status >= 200 && strncmp(req->path, "/static/", 8) != 0)
        http_response_header(res, "Cache-Control", "no-store");
    int64_t dt = now_micros() - t0;
    metrics_count(&app->metrics,
                  c.route != NULL ? (size_t)(c.route - app->routes) : METRICS_ROUTES_MAX,
                  res->status, dt);
    if (!app->quiet)
        log_request(req->method, c.route != NULL ? c.route->pattern : "-", res->status,
                    (double)dt / 1000.0);
}
