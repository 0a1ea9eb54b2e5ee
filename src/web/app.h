/*
 * app.h — the dyad application as the HTTP layer sees it: configuration,
 * shared state, and the request entry point app_handle() that sits below
 * the libmicrohttpd adapter (and is what fuzz targets drive).
 */
#ifndef DYAD_APP_H
#define DYAD_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/prompts.h"
#include "core/throttle.h"
#include "store/store.h"
#include "web/http.h"
#include "web/router.h"

#define DYAD_VERSION "0.1.0"

struct app_config {
    char listen_addr[64];
    uint16_t port;
    char db_url[1024];
    unsigned statement_timeout; /* PostgreSQL: seconds a statement may run */
    /* PostgreSQL: seconds a statement of a migration or of copy-db may run
     * (0: no limit) */
    unsigned maintenance_timeout;
    char public_url[512];     /* empty: http:// + the bound address */
    char quick_exit_url[512]; /* empty: the neutral page, /static/neutral.html */
    char secret_file[1024];
    /* Web Push (src/notify/push.h): the VAPID key file (beside the secret
     * unless set), the contact push services may use (mailto: or https:;
     * empty: the public URL when it is https), and, for tests only,
     * endpoints on http://127.0.0.1. */
    char vapid_key_file[1024];
    char push_contact[256];
    bool push_allow_http_loopback;
    unsigned idle_timeout;     /* seconds without a request before a session ends */
    unsigned absolute_timeout; /* seconds after login a session ends regardless */
    size_t max_body;           /* default JSON body limit */
    unsigned threads;
    /* Connections (--max-connections, --max-connections-per-address;
     * trusted proxies have no per-address cap) and the deadline for a
     * request's line and headers (--header-timeout). */
    unsigned max_connections;
    unsigned max_connections_per_address; /* 0: no per-address cap */
    unsigned header_timeout;
    /* The log (--log-format, --log-level, --log-requests): values of
     * "plain"/"json" and "error"/"warn"/"info"/"debug" (web/log.h parses
     * them; the settings table checks them first). */
    char log_format[8];
    char log_level[8];
    bool log_requests;
    /* Throttling: attempts from one client address before the back-off
     * starts (an hour without one forgets them). */
    unsigned registrations_per_client;
    unsigned login_failures_per_client;
    /* /metrics answers only with "Authorization: Bearer <token>"; empty:
     * /metrics is off (global counters would show when people are active) */
    char metrics_token[128];
    /* Reverse proxies whose X-Forwarded-For is believed (--trusted-proxy,
     * DYAD_TRUST_PROXY); empty: the header is ignored. Requests from these
     * addresses are also exempt from the per-address connection cap. */
    struct cidr_list trusted_proxies;
    /* /metrics also answers, without a token, to these client addresses */
    struct cidr_list metrics_allow;
    char resources_file[1024]; /* empty: the built-in crisis resources */
    char prompts_file[1024];   /* empty: the built-in prompt library */
    char log_file[1024];       /* empty: standard error; reopened on SIGHUP */
    unsigned shutdown_timeout; /* seconds requests in flight get to finish on SIGTERM */
    bool sandbox;              /* seccomp, no_new_privs and Landlock after start-up (Linux) */
    /* The SMTP relay reminders go through (src/notify/email.c); an empty
     * smtp_url sends no e-mail at all. */
    char smtp_url[512];     /* smtp://host[:port] or smtps://host[:port] */
    char smtp_starttls[12]; /* "required" or "none" */
    char smtp_user[256];    /* empty: no login */
    char smtp_password_file[1024];
    char mail_from[256]; /* the sender address */
};

/* The built-in defaults (src/cli/config.c layers the file, the
 * environment and the flags over them). */
void app_config_defaults(struct app_config *cfg);

/* Counters for /metrics (h_ops.c writes them out). Server-wide or per
 * route pattern only: nothing here can name a person, a dyad or a path. */
enum {
    METRICS_ROUTES_MAX = 160, /* route table entries counted; one more for "unmatched" */
    METRICS_BUCKETS = 12,     /* latency histogram upper bounds, see metrics_bounds */
};
struct route_metrics {
    atomic_uint_fast64_t by_class[6];              /* 1xx … 5xx, index = status / 100 */
    atomic_uint_fast64_t buckets[METRICS_BUCKETS]; /* requests ≤ each bound (not cumulative) */
    atomic_uint_fast64_t micros;                   /* total handling time */
};
struct app_metrics {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t by_class[6];
    atomic_uint_fast64_t micros;
    atomic_uint_fast64_t throttled; /* answered 429: a back-off or a full hashing queue */
    struct route_metrics routes[METRICS_ROUTES_MAX + 1];
};

/* Upper bounds of the latency buckets in microseconds; the last is +Inf. */
extern const int64_t metrics_bounds[METRICS_BUCKETS];

/* Counts one answered request of route index r (METRICS_ROUTES_MAX: no
 * route matched). */
void metrics_count(struct app_metrics *m, size_t r, int status, int64_t micros);

struct push_sender;
struct insights_cache;

struct app {
    struct app_config cfg;
    struct store *store;
    unsigned char secret[32];
    char origin[512]; /* scheme://host[:port] of the public URL */
    bool tls;         /* the public URL is https: Secure cookies, HSTS */
    const char *cookie_name;
    const struct route *routes;
    size_t n_routes;
    struct app_metrics metrics;
    bool quiet;                    /* no request log (benchmarks, fuzzing) */
    void *resources;               /* json_t: the crisis resources shown on /safety */
    struct prompt_library prompts; /* loaded and validated at start */
    void *questionnaires;          /* json_t array of checked definitions, in normal form */
    struct questionnaire *questionnaire_defs; /* the same, parsed: index for index */
    struct push_sender *push; /* the VAPID key and how to send; NULL: no Web Push (fuzzing) */
    /* Held for reading by every request, for writing while SIGHUP swaps
     * the resources and the prompt library. */
    pthread_rwlock_t reload;
    /* The reminder scheduler and its channels (src/notify/notify.h); NULL
     * where no server runs (fuzzing, benchmarks). */
    struct notify *notify;
    /* Computed insights kept per viewer (web/insights_cache.h); NULL: none
     * kept (fuzzing, unit tests). */
    struct insights_cache *insights;
    /* /healthz on SQLite: until when (CLOCK_MONOTONIC, ms) the last
     * successful check stands in for a new one; 0: ask (health_cached) */
    atomic_int_fast64_t health_ok_until;
};

/* /healthz's short memory, on SQLite only (the database is a file this
 * process holds open; on PostgreSQL, a service that can go away at any
 * moment, every /healthz asks it). A successful check stands for
 * HEALTH_CACHE_MS; a failure is never remembered, so the next request asks
 * again. health_cached says whether a check at now_ms may be skipped;
 * health_note records the outcome of one made at now_ms. */
enum { HEALTH_CACHE_MS = 1000 };
bool health_cached(struct app *app, int64_t now_ms);
void health_note(struct app *app, bool ok, int64_t now_ms);

/* When a session ends whatever happens: its device's end for a session of
 * a device's family (one's own browser), else absolute_timeout after login. */
int64_t session_expires_at(const struct app *app, const struct session *s);

/* Fills app->origin, tls and cookie_name from cfg.public_url. -1 if the URL
 * is not http(s)://host[:port][/]. */
int app_set_public_url(struct app *app, const char *public_url);

/* The request entry point: routing, sessions, CSRF and Origin checks, body
 * parsing and field checking, the handler, security headers, the log line. */
void app_handle(void *app, struct http_request *req, struct http_response *res);

/* The route table (routes.c). */
extern const struct route app_routes[];
extern const size_t app_routes_count;

#endif
