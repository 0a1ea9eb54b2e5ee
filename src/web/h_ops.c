/*
 * h_ops.c — operations routes: /healthz, /readyz, /metrics, /api/v1/openapi.json,
 * the embedded static files under /static, and the service worker (/sw.js).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/embedded.h"
#include "crypto/crypto.h"
#include "notify/notify.h"
#include "web/handler.h"

/* Ready to serve: the database answers and its schema is the one this
 * binary's migrations make (a load balancer or orchestrator waits for
 * this; /healthz says the process is alive). */
void h_readyz(struct ctx *c)
{
    int have = store_schema_version(c->app->store);
    bool db = store_health(c->app->store) == STORE_OK;
    bool current = have == (int)migrations_count;
    reply_json(c, db && current ? 200 : 503,
               json_pack("{s:s, s:s, s:i, s:i}", "status", db && current ? "ready" : "unavailable",
                         "database", db ? "ok" : "error", "schema", have, "schema_expected",
                         (int)migrations_count));
}

bool health_cached(struct app *app, int64_t now_ms)
{
    return now_ms < atomic_load(&app->health_ok_until);
}

void health_note(struct app *app, bool ok, int64_t now_ms)
{
    atomic_store(&app->health_ok_until, ok ? now_ms + HEALTH_CACHE_MS : 0);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The process is alive and the database answers. On SQLite a success is
 * remembered for a second (health_cached): the check was a quarter of the
 * CPU of a /healthz, and a load balancer asking many times a second learns
 * nothing more from each. */
void h_healthz(struct ctx *c)
{
    struct app *app = c->app;
    bool cacheable = strcmp(store_backend_name(app->store), "sqlite") == 0;
    int64_t now = cacheable ? monotonic_ms() : 0;
    enum store_result r = STORE_OK;
    if (!cacheable || !health_cached(app, now)) {
        r = store_health(app->store);
        if (cacheable)
            health_note(app, r == STORE_OK, now);
    }
    if (r != STORE_OK) {
        /* unreachable: stopped, out of network, timed out; error: it answered with a failure */
        reply_json(c, 503,
                   json_pack("{s:s, s:s}", "status", "unavailable", "database",
                             r == STORE_UNAVAILABLE ? "unreachable" : "error"));
        return;
    }
    /* the answer changes only with the schema version: made once per
     * thread, copied out by the HTTP layer (the body is not static) */
    static _Thread_local int made_for = -1;
    static _Thread_local char body[80];
    int version = store_schema_version(app->store);
    if (version != made_for) {
        snprintf(body, sizeof body, "{\"status\":\"ok\",\"database\":\"ok\",\"schema\":%d}",
                 version);
        made_for = version;
    }
    c->res->status = 200;
    c->res->content_type = "application/json";
    c->res->body = body;
    c->res->body_len = strlen(body);
}

static void metrics_write(const struct app *app, int64_t now, FILE *f);

void h_metrics(struct ctx *c)
{
    const struct app_config *cfg = &c->app->cfg;
    const char *auth = http_header(c->req, "Authorization");
    bool by_token = cfg->metrics_token[0] != '\0' && auth != NULL &&
                    strncmp(auth, "Bearer ", 7) == 0 &&
                    dcrypto_str_equal(auth + 7, cfg->metrics_token);
    bool by_addr = cidr_list_contains(&cfg->metrics_allow, c->req->client_addr);
    if (!by_token && !by_addr) {
        /* off, or not the operator's scraper: as if there were no such page */
        reply_error(c, API_NOT_FOUND, NULL, NULL);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return;
    }
    metrics_write(c->app, c->now, f);
    fclose(f);
    char *text = buf != NULL ? arena_strdup(c->arena, buf) : NULL;
    free(buf);
    c->res->status = 200;
    c->res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    c->res->body = text != NULL ? text : "";
    c->res->body_len = text != NULL ? strlen(text) : 0;
}

/* The Prometheus text exposition: counters and histograms per route
 * pattern and status class, database time, live sessions, throttled
 * answers. Labels are route patterns and methods from the route table,
 * never a path, an id or anything a person typed. */
/* The commits of writes (store_stats): on SQLite one commit is a group of
 * write calls sharing one transaction and one fsync. */
static void metrics_commits(FILE *f, const struct store_stats *st)
{
    fprintf(f,
            "# HELP dyad_db_commits_total Commits of write transactions (SQLite: one per group of "
            "writes sharing a transaction and an fsync), by outcome.\n"
            "# TYPE dyad_db_commits_total counter\n"
            "dyad_db_commits_total{outcome=\"ok\"} %llu\n"
            "dyad_db_commits_total{outcome=\"failed\"} %llu\n",
            (unsigned long long)(st->commits - st->commit_failures),
            (unsigned long long)st->commit_failures);
    fputs("# HELP dyad_db_commit_writes Store calls made durable by one commit (the group "
          "size).\n# TYPE dyad_db_commit_writes histogram\n",
          f);
    uint64_t cum = 0;
    for (int b = 0; b < STORE_GROUP_BUCKETS; b++) {
        cum += st->by_writes[b];
        if (b + 1 < STORE_GROUP_BUCKETS)
            fprintf(f, "dyad_db_commit_writes_bucket{le=\"%u\"} %llu\n", 1u << b,
                    (unsigned long long)cum);
        else
            fprintf(f, "dyad_db_commit_writes_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    fprintf(f, "dyad_db_commit_writes_sum %llu\ndyad_db_commit_writes_count %llu\n",
            (unsigned long long)st->commit_writes, (unsigned long long)cum);
    fputs("# HELP dyad_db_commit_seconds Time one successful commit took (on SQLite, mostly the "
          "fsync of the write-ahead log).\n# TYPE dyad_db_commit_seconds histogram\n",
          f);
    cum = 0;
    for (int b = 0; b < STORE_COMMIT_BUCKETS; b++) {
        cum += st->by_time[b];
        if (b + 1 < STORE_COMMIT_BUCKETS)
            fprintf(f, "dyad_db_commit_seconds_bucket{le=\"%g\"} %llu\n",
                    (double)store_commit_bounds_us[b] / 1e6, (unsigned long long)cum);
        else
            fprintf(f, "dyad_db_commit_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)cum);
    }
    fprintf(f,
            "dyad_db_commit_seconds_sum %.6f\ndyad_db_commit_seconds_count %llu\n"
            "# HELP dyad_db_commit_retries_total Write calls run again alone after their "
            "group's commit failed.\n"
            "# TYPE dyad_db_commit_retries_total counter\n"
            "dyad_db_commit_retries_total %llu\n"
            "# HELP dyad_db_writes_waiting Write calls waiting for the writer connection now.\n"
            "# TYPE dyad_db_writes_waiting gauge\n"
            "dyad_db_writes_waiting %llu\n",
            (double)st->commit_nanos / 1e9, (unsigned long long)cum,
            (unsigned long long)st->retries, (unsigned long long)st->waiting);
}

static void metrics_write(const struct app *app, int64_t now, FILE *f)
{
    const struct app_metrics *m = &app->metrics;
    size_t n = app->n_routes < METRICS_ROUTES_MAX ? app->n_routes : METRICS_ROUTES_MAX;
    fputs("# HELP dyad_http_requests_total Requests answered, by route pattern, method and status "
          "class.\n# TYPE dyad_http_requests_total counter\n",
          f);
    for (size_t r = 0; r <= n; r++) {
        const struct route_metrics *rm = &m->routes[r == n ? METRICS_ROUTES_MAX : r];
        const char *route = r == n ? "unmatched" : app->routes[r].pattern;
        const char *method = r == n ? "any" : app->routes[r].method;
        for (int k = 1; k <= 5; k++) {
            uint64_t v = atomic_load(&rm->by_class[k]);
            if (v > 0)
                fprintf(
                    f, "dyad_http_requests_total{route=\"%s\",method=\"%s\",class=\"%dxx\"} %llu\n",
                    route, method, k, (unsigned long long)v);
        }
    }
    fputs("# HELP dyad_http_request_duration_seconds Time to answer a request, by route pattern "
          "and method.\n# TYPE dyad_http_request_duration_seconds histogram\n",
          f);
    for (size_t r = 0; r <= n; r++) {
        const struct route_metrics *rm = &m->routes[r == n ? METRICS_ROUTES_MAX : r];
        const char *route = r == n ? "unmatched" : app->routes[r].pattern;
        const char *method = r == n ? "any" : app->routes[r].method;
        uint64_t count = 0;
        for (int b = 0; b < METRICS_BUCKETS; b++)
            count += atomic_load(&rm->buckets[b]);
        if (count == 0)
            continue;
        uint64_t cum = 0;
        for (int b = 0; b < METRICS_BUCKETS; b++) {
            cum += atomic_load(&rm->buckets[b]);
            if (b + 1 < METRICS_BUCKETS)
                fprintf(f,
                        "dyad_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le="
                        "\"%g\"} "
                        "%llu\n",
                        route, method, (double)metrics_bounds[b] / 1e6, (unsigned long long)cum);
            else
                fprintf(f,
                        "dyad_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le="
                        "\"+Inf\"} "
                        "%llu\n",
                        route, method, (unsigned long long)cum);
        }
        fprintf(f, "dyad_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
                route, method, (double)atomic_load(&rm->micros) / 1e6);
        fprintf(f, "dyad_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
                route, method, (unsigned long long)count);
    }
    fprintf(f, "# HELP dyad_requests_total Requests answered, by status class.\n"
               "# TYPE dyad_requests_total counter\n");
    for (int k = 1; k <= 5; k++)
        fprintf(f, "dyad_requests_total{class=\"%dxx\"} %llu\n", k,
                (unsigned long long)atomic_load(&m->by_class[k]));
    fprintf(f,
            "# HELP dyad_request_seconds_total Time spent answering requests.\n"
            "# TYPE dyad_request_seconds_total counter\n"
            "dyad_request_seconds_total %.6f\n",
            (double)atomic_load(&m->micros) / 1e6);
    fprintf(f,
            "# HELP dyad_throttled_requests_total Requests answered 429: a back-off after failures "
            "or a full password-hashing queue.\n"
            "# TYPE dyad_throttled_requests_total counter\n"
            "dyad_throttled_requests_total %llu\n",
            (unsigned long long)atomic_load(&m->throttled));
    const struct notify *nt = app->notify;
    fputs("# HELP dyad_reminders_total Reminder sends by channel and outcome: sent (the channel "
          "took it), failed (a try that failed; retried unless given up), dropped (given up).\n"
          "# TYPE dyad_reminders_total counter\n",
          f);
    for (size_t i = 0; nt != NULL && i < notify_channels_count; i++) {
        const char *ch = notify_channels[i]->name;
        fprintf(f,
                "dyad_reminders_total{channel=\"%s\",outcome=\"sent\"} %llu\n"
                "dyad_reminders_total{channel=\"%s\",outcome=\"failed\"} %llu\n"
                "dyad_reminders_total{channel=\"%s\",outcome=\"dropped\"} %llu\n",
                ch, (unsigned long long)atomic_load(&nt->stats.sent[i]), ch,
                (unsigned long long)atomic_load(&nt->stats.failed[i]), ch,
                (unsigned long long)atomic_load(&nt->stats.dropped[i]));
    }
    fprintf(f,
            "# HELP dyad_reminders_claimed_total Reminders this server claimed when they fell "
            "due.\n# TYPE dyad_reminders_claimed_total counter\ndyad_reminders_claimed_total "
            "%llu\n",
            nt != NULL ? (unsigned long long)atomic_load(&nt->stats.claimed) : 0ULL);
    fprintf(f,
            "# HELP dyad_reminders_last_pass_timestamp_seconds When the reminder scheduler last "
            "looked for due reminders (Unix time; 0 before its first look).\n"
            "# TYPE dyad_reminders_last_pass_timestamp_seconds gauge\n"
            "dyad_reminders_last_pass_timestamp_seconds %lld\n",
            nt != NULL ? (long long)atomic_load(&nt->stats.last_pass) : 0LL);
    struct store_stats st;
    store_stats_read(&st);
    fprintf(f,
            "# HELP dyad_db_transactions_total Database transactions (one per store call).\n"
            "# TYPE dyad_db_transactions_total counter\n"
            "dyad_db_transactions_total %llu\n"
            "# HELP dyad_db_seconds_total Time spent in database transactions, begin to end.\n"
            "# TYPE dyad_db_seconds_total counter\n"
            "dyad_db_seconds_total %.6f\n",
            (unsigned long long)st.transactions, (double)st.nanos / 1e9);
    metrics_commits(f, &st);
    int64_t active = 0;
    if (store_sessions_active(app->store, now - (int64_t)app->cfg.idle_timeout,
                              now - (int64_t)app->cfg.absolute_timeout, &active) == STORE_OK)
        fprintf(f,
                "# HELP dyad_sessions_active Sessions within their idle and absolute limits.\n"
                "# TYPE dyad_sessions_active gauge\n"
                "dyad_sessions_active %lld\n",
                (long long)active);
    fprintf(f,
            "# HELP dyad_build_info The running dyad.\n"
            "# TYPE dyad_build_info gauge\n"
            "dyad_build_info{version=\"%s\",schema=\"%d\"} 1\n",
            DYAD_VERSION, store_schema_version(app->store));
}

static const char *field_type_name(enum field_type t)
{
    static const char *names[FIELD_TYPE__MAX] = {"string", "integer", "boolean", "array", "object"};
    return t < FIELD_TYPE__MAX ? names[t] : "string";
}

/* A base64 string's length bounds for min..max decoded bytes. */
static json_int_t b64_chars(long long bytes)
{
    return (json_int_t)((bytes + 2) / 3 * 4);
}

/* The JSON Schema of one declared field: its type and the bounds of its
 * rule (router.h), so a client can read what the server will accept. */
static json_t *field_schema(const struct field_spec *f)
{
    json_t *o = json_pack("{s:s, s:b}", "type", field_type_name(f->type), "nullable", f->nullable);
    json_t *names = json_array();
    for (long long i = 0; (f->rule == RULE_ENUM || f->rule == RULE_ENUM_ARRAY) && i < f->max; i++)
        if (f->names((int)i) != NULL)
            json_array_append_new(names, json_string(f->names((int)i)));
    switch (f->rule) {
    case RULE_B64:
        json_object_set_new(o, "format", json_string("byte"));
        json_object_set_new(o, "minLength", json_integer(b64_chars(f->min)));
        json_object_set_new(o, "maxLength", json_integer(b64_chars(f->max)));
        /* the decoded size, which is what the server checks */
        json_object_set_new(
            o, "x-bytes",
            json_pack("{s:I, s:I}", "min", (json_int_t)f->min, "max", (json_int_t)f->max));
        if (f->step > 0)
            json_object_set_new(json_object_get(o, "x-bytes"), "step",
                                json_integer((json_int_t)f->step));
        break;
    case RULE_B64URL:
        json_object_set_new(o, "format", json_string("base64url"));
        json_object_set_new(o, "minLength", json_integer((json_int_t)((f->min * 4 + 2) / 3)));
        json_object_set_new(o, "maxLength", json_integer((json_int_t)((f->min * 4 + 2) / 3)));
        break;
    case RULE_INT:
        json_object_set_new(o, "minimum", json_integer((json_int_t)f->min));
        json_object_set_new(o, "maximum", json_integer((json_int_t)f->max));
        break;
    case RULE_ENUM:
        json_object_set(o, "enum", names);
        break;
    case RULE_ENUM_ARRAY:
        json_object_set_new(o, "items", json_pack("{s:s, s:O}", "type", "string", "enum", names));
        if (f->distinct)
            json_object_set_new(o, "uniqueItems", json_true());
        break;
    case RULE_TEXT:
    case RULE_PROSE:
        json_object_set_new(o, "minLength", json_integer((json_int_t)f->min));
        json_object_set_new(o, "maxLength", json_integer((json_int_t)f->max));
        break;
    case RULE_EMAIL:
        json_object_set_new(o, "format", json_string("email"));
        break;
    case RULE_NAME:
        json_object_set_new(o, "minLength", json_integer(1));
        json_object_set_new(o, "maxLength", json_integer(64));
        break;
    case RULE_ENTRY_ID:
        json_object_set_new(o, "pattern", json_string("^[A-Za-z0-9_-]{22}$"));
        break;
    case RULE_NONE:
    case FIELD_RULE__MAX:
        break;
    }
    json_decref(names);
    return o;
}

/* OpenAPI 3 built from the route table itself, so it cannot drift from
 * what the router serves. */
void h_openapi(struct ctx *c)
{
    json_t *paths = json_object();
    for (size_t i = 0; i < c->app->n_routes; i++) {
        const struct route *r = &c->app->routes[i];
        if (strncmp(r->pattern, "/api/v1/", 8) != 0 && strcmp(r->pattern, "/healthz") != 0 &&
            strcmp(r->pattern, "/readyz") != 0 && strcmp(r->pattern, "/metrics") != 0)
            continue;
        const char *path = strncmp(r->pattern, "/api/v1/", 8) == 0 ? r->pattern + 7 : r->pattern;
        json_t *item = json_object_get(paths, path);
        if (item == NULL) {
            item = json_object();
            json_object_set_new(paths, path, item);
        }
        char method[8];
        size_t k = 0;
        for (; k < sizeof method - 1 && r->method[k] != '\0'; k++)
            method[k] = (char)(r->method[k] | 0x20);
        method[k] = '\0';
        json_t *op = json_pack("{s:s, s:{s:{s:s}}}", "summary", r->summary ? r->summary : "",
                               "responses", "default", "description", "see docs/api.md");
        json_t *params = json_array();
        for (const char *p = strchr(r->pattern, '{'); p != NULL; p = strchr(p + 1, '{')) {
            const char *end = strchr(p, '}');
            json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1,
                                                    (size_t)(end - p - 1), "in", "path", "required",
                                                    1, "schema", "type", "string"));
        }
        if (json_array_size(params) > 0)
            json_object_set_new(op, "parameters", params);
        else
            json_decref(params);
        if (r->access != ROUTE_PUBLIC)
            json_object_set_new(op, "security", json_pack("[{s:[]}]", "session"));
        if (r->fields != NULL) {
            json_t *props = json_object(), *req = json_array();
            for (const struct field_spec *f = r->fields; f->name != NULL; f++) {
                json_t *schema = field_schema(f);
                if (strcmp(f->name, "*") == 0 && f->keys != NULL) {
                    /* a map keyed by a vocabulary: one property per key */
                    for (int key = 0; key < f->nkeys; key++)
                        if (f->keys(key) != NULL)
                            json_object_set(props, f->keys(key), schema);
                    json_decref(schema);
                    continue;
                }
                json_object_set_new(props, f->name, schema);
                if (f->required)
                    json_array_append_new(req, json_string(f->name));
            }
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b, s:{s:{s:{s:s, s:o, s:o, s:b}}}}", "required", 1,
                                          "content", "application/json", "schema", "type", "object",
                                          "properties", props, "required", req,
                                          "additionalProperties", 0));
        }
        json_object_set_new(item, method, op);
    }
    reply_json(c, 200,
               json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:{s:{s:s, s:s, s:s}}}}",
                         "openapi", "3.0.3", "info", "title", "dyad", "version", "1", "license",
                         "AGPL-3.0-or-later", "servers", "url", "/api/v1", "paths", paths,
                         "components", "securitySchemes", "session", "type", "apiKey", "in",
                         "cookie", "name", c->app->cookie_name));
}

void h_static(struct ctx *c)
{
    bool hashed;
    const struct embedded_file *f = asset_find(c->req->path, &hashed);
    if (f == NULL) {
        reply_error(c, API_NOT_FOUND, NULL, NULL);
        return;
    }
    /* the brotli or gzip copy made at build time, to browsers that accept
     * it (brotli first: smaller), else the plain bytes; the integrity value
     * in the page is over the plain bytes, which is what the browser checks
     * once it has decoded these */
    /* an HTML file (the offline and neutral pages) is a document, its 304
     * too: a 304's headers replace the cached copy's */
    c->res->document = strncmp(f->mime, "text/html", 9) == 0;
    const char *ae = http_header(c->req, "Accept-Encoding");
    bool br = f->br != NULL && http_accepts_br(ae);
    bool gz = !br && f->gz != NULL && http_accepts_gzip(ae);
    const char *etag = br ? f->br_etag : gz ? f->gz_etag : f->etag;
    if (f->gz != NULL || f->br != NULL)
        http_response_header(c->res, "Vary", "Accept-Encoding");
    if (br || gz)
        http_response_header(c->res, "Content-Encoding", br ? "br" : "gzip");
    http_response_header(c->res, "ETag", etag);
    http_response_header(c->res, "Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
    const char *inm = http_header(c->req, "If-None-Match");
    if (inm != NULL && strstr(inm, etag) != NULL) {
        c->res->status = 304;
        c->res->body = "";
        c->res->body_len = 0;
        return;
    }
    c->res->status = 200;
    c->res->content_type = f->mime;
    c->res->body = br ? f->br : gz ? f->gz : f->data;
    c->res->body_len = br ? f->br_size : gz ? f->gz_size : f->size;
    c->res->body_static = true;
}

/* What the service worker caches at install: the offline page and what it
 * needs, and the quick-exit page (so that leaving works offline too). */
static const char *const sw_shell[] = {
    "/static/offline.html",     "/static/css/offline.css", "/static/icon.svg",
    "/static/neutral.html",     "/static/css/neutral.css", "/static/js/neutral.js",
    "/static/neutral-icon.svg", "/static/manifest.json",   "/static/icons/icon-192.png",
};

/* GET /sw.js: web/sw.js under two generated lines — VERSION, a BLAKE2b of
 * every embedded asset's ETag (any changed asset makes a new worker, which
 * replaces the old one and its caches), and SHELL. Served from the root so
 * its scope is the whole site; Cache-Control: no-store like every page, so
 * the browser's update check always sees the current one. */
void h_sw(struct ctx *c)
{
    bool hashed;
    const struct embedded_file *src = asset_find("/static/sw.js", &hashed);
    if (src == NULL) {
        reply_error(c, API_NOT_FOUND, NULL, NULL);
        return;
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    for (size_t i = 0; i < assets_count; i++)
        crypto_generichash_update(&st, (const unsigned char *)assets[i].etag,
                                  strlen(assets[i].etag));
    /* a test build's stand-in for a new build (asset_hashed_name) */
    crypto_generichash_update(&st, (const unsigned char *)asset_epoch(), strlen(asset_epoch()));
    unsigned char h[16];
    crypto_generichash_final(&st, h, sizeof h);
    char version[33];
    sodium_bin2hex(version, sizeof version, h, sizeof h);
    const char *shell = "";
    for (size_t i = 0; i < sizeof sw_shell / sizeof sw_shell[0]; i++)
        shell = arena_printf(c->arena, "%s%s'%s'", shell, i ? ", " : "", sw_shell[i]);
    const char *head =
        arena_printf(c->arena, "const VERSION = '%s';\nconst SHELL = [%s];\n", version, shell);
    size_t head_len = strlen(head);
    char *body = arena_alloc(c->arena, head_len + src->size + 1);
    if (body == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return;
    }
    memcpy(body, head, head_len);
    memcpy(body + head_len, src->data, src->size);
    body[head_len + src->size] = '\0';
    c->res->status = 200;
    c->res->content_type = "text/javascript; charset=utf-8";
    c->res->document = true; /* a worker: its CSP is the one it runs under */
    c->res->body = body;
    c->res->body_len = head_len + src->size;
}
