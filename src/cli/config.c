/*
 * config.c — the settings table and the three ways to set each entry (see
 * config.h). The INI syntax is libinih's; this file only decides what the
 * keys mean and whether the values are acceptable.
 */
#include "cli/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/validate.h"

#define AT(field) offsetof(struct app_config, field), sizeof(((struct app_config *)0)->field)

const struct setting config_settings[] = {
    {"server", "listen", "--listen", "DYAD_LISTEN", SETTING_LISTEN, 0, 0, "127.0.0.1:8080", NULL,
     "Address and port to listen on; port 0 picks a free one.", "ADDR:PORT, IPv6 as [ADDR]:PORT",
     AT(listen_addr)},
    {"server", "public_url", "--public-url", "DYAD_PUBLIC_URL", SETTING_URL, 0, 0, "",
     "http:// and the bound address",
     "The address people use; https:// turns on Secure cookies with the __Host- prefix and HSTS, "
     "and invite and setup links are built from it.",
     "http(s)://host[:port]", AT(public_url)},
    {"server", "quick_exit_url", "--quick-exit-url", "DYAD_QUICK_EXIT_URL", SETTING_LINK, 0, 0, "",
     "dyad's own neutral page",
     "Where Quick exit sends a person: an outside address that looks ordinary (a weather or news "
     "page). Back from it never returns to a dyad page either way.",
     "http(s)://…", AT(quick_exit_url)},
    {"server", "threads", "--threads", "DYAD_THREADS", SETTING_UINT, 1, 1024, "",
     "16, or one per CPU core if there are more",
     "Worker threads answering requests. A durable write holds its thread until its group "
     "commit has synced, so on SQLite a commit can hold at most this many writes; threads "
     "waiting for a sync use no CPU.",
     "1-1024", AT(threads)},
    {"server", "trusted_proxy", "--trusted-proxy", "DYAD_TRUST_PROXY", SETTING_CIDRS, 0, 0, "",
     "none",
     "Reverse proxies whose X-Forwarded-For is believed: from these peers only, the client is "
     "the address the header names, read from the right past trusted proxies; they are also "
     "exempt from the per-address connection cap. yes means this machine (127.0.0.0/8, ::1).",
     "addresses or CIDR ranges separated by commas (at most 16), yes or no", AT(trusted_proxies)},
    {"server", "shutdown_timeout", "--shutdown-timeout", "DYAD_SHUTDOWN_TIMEOUT", SETTING_UINT, 1,
     3600, "10", NULL,
     "Seconds requests in flight get to finish after SIGTERM or SIGINT (new connections are "
     "refused at once); a request still running then is cut, and dyad still exits 0.",
     "1-3600", AT(shutdown_timeout)},
    {"server", "sandbox", "--sandbox", "DYAD_SANDBOX", SETTING_BOOL, 0, 0, "yes", NULL,
     "After start-up, confine the process (Linux): no new privileges; a system call allowlist "
     "(seccomp), where any other call stops dyad with a log line naming it; and, where the kernel "
     "has Landlock, nothing writable but the database's directory (and the log file's). Turn it "
     "off only to debug.",
     "yes or no", AT(sandbox)},
    {"database", "url", "--db", "DYAD_DB", SETTING_DB, 0, 0, "sqlite:./dyad.db", NULL,
     "The database.", "sqlite:PATH, a postgres:// URL or postgres:KEY=VALUE conninfo", AT(db_url)},
    {"database", "secret_file", "--secret-file", "DYAD_SECRET_FILE", SETTING_PATH, 0, 0, "",
     "dyad.secret beside the database file",
     "The server secret (32 random bytes, made on first start with mode 0600).", "a path",
     AT(secret_file)},
    {"database", "statement_timeout", "--statement-timeout", "DYAD_STATEMENT_TIMEOUT", SETTING_UINT,
     1, 3600, "10", NULL,
     "PostgreSQL: seconds one statement may run, waiting for locks included, before it is "
     "cancelled and the request answers 503 unavailable (set per transaction, so it holds behind "
     "pgbouncer). SQLite does not use it.",
     "1-3600", AT(statement_timeout)},
    {"push", "vapid_key_file", "--vapid-key-file", "DYAD_VAPID_KEY_FILE", SETTING_PATH, 0, 0, "",
     "dyad.vapid beside the server secret",
     "The Web Push (VAPID) key pair, P-256 in PEM, made on first start with mode 0600. Browsers "
     "subscribe to this key: a new one silences every subscription, so back it up with the "
     "secret.",
     "a path", AT(vapid_key_file)},
    {"push", "contact", "--push-contact", "DYAD_PUSH_CONTACT", SETTING_STRING, 0, 0, "",
     "the public URL when it is https",
     "How push services may reach the operator (VAPID's sub claim).",
     "mailto:ADDRESS or an https:// address", AT(push_contact)},
    {"push", "allow_http_loopback", "--push-allow-http-loopback", "DYAD_PUSH_ALLOW_HTTP_LOOPBACK",
     SETTING_BOOL, 0, 0, "no", NULL,
     "For tests only: accept push endpoints on http://127.0.0.1 (a local push service). Real "
     "push services are https and never on this machine.",
     "yes or no", AT(push_allow_http_loopback)},
    {"sessions", "idle_timeout", "--idle-timeout", "DYAD_IDLE_TIMEOUT", SETTING_UINT, 60, 315360000,
     "1800", NULL, "Seconds without a request before a session ends.", "60-315360000",
     AT(idle_timeout)},
    {"sessions", "absolute_timeout", "--absolute-timeout", "DYAD_ABSOLUTE_TIMEOUT", SETTING_UINT,
     60, 315360000, "43200", NULL, "Seconds after login a session ends regardless.", "60-315360000",
     AT(absolute_timeout)},
    {"limits", "registrations_per_client", "--registrations-per-client",
     "DYAD_REGISTRATIONS_PER_CLIENT", SETTING_UINT, 1, 1000000, "20", NULL,
     "Registrations from one client address before waits start (an hour without one forgets "
     "them).",
     "1-1000000", AT(registrations_per_client)},
    {"limits", "login_failures_per_client", "--login-failures-per-client",
     "DYAD_LOGIN_FAILURES_PER_CLIENT", SETTING_UINT, 1, 1000000, "20", NULL,
     "Failed logins from one client address before waits start.", "1-1000000",
     AT(login_failures_per_client)},
    {"limits", "max_connections", "--max-connections", "DYAD_MAX_CONNECTIONS", SETTING_UINT, 1,
     1000000, "1024", NULL,
     "Open connections in all; over it a request is answered 503 with Retry-After (each is a file "
     "descriptor: allow a few more than this).",
     "1-1000000", AT(max_connections)},
    {"limits", "max_connections_per_address", "--max-connections-per-address",
     "DYAD_MAX_CONNECTIONS_PER_ADDRESS", SETTING_UINT, 0, 1000000, "128", NULL,
     "Open connections from one client address, trusted proxies exempt; over it a request is "
     "answered 429. 0: no cap.",
     "0-1000000", AT(max_connections_per_address)},
    {"limits", "header_timeout", "--header-timeout", "DYAD_HEADER_TIMEOUT", SETTING_UINT, 1, 3600,
     "10", NULL,
     "Seconds a request's line and headers may take to arrive, from the connection's opening or "
     "the previous answer on it; a slower connection is closed.",
     "1-3600", AT(header_timeout)},
    {"content", "resources", "--resources", "DYAD_RESOURCES", SETTING_PATH, 0, 0, "",
     "the built-in list",
     "A crisis resources file (JSON) shown on /safety instead of the built-in one; reread on "
     "SIGHUP.",
     "a path", AT(resources_file)},
    {"content", "prompts", "--prompts", "DYAD_PROMPTS", SETTING_PATH, 0, 0, "",
     "the built-in library",
     "A prompt library file (JSON, up to 1 MiB) to use instead of the built-in one; reread on "
     "SIGHUP.",
     "a path", AT(prompts_file)},
    {"metrics", "token", "--metrics-token", "DYAD_METRICS_TOKEN", SETTING_SECRET, 0, 0, "", "none",
     "/metrics answers a scraper that sends \"Authorization: Bearer TOKEN\". With neither a "
     "token nor allowed addresses /metrics is off.",
     "16-127 characters", AT(metrics_token)},
    {"metrics", "allow", "--metrics-allow", "DYAD_METRICS_ALLOW", SETTING_CIDRS, 0, 0, "", "none",
     "Client addresses (or CIDR ranges) /metrics answers without a token.",
     "addresses or CIDR ranges separated by commas (at most 16)", AT(metrics_allow)},
    {"log", "file", "--log-file", "DYAD_LOG_FILE", SETTING_PATH, 0, 0, "", "standard error",
     "Where the log goes; the file is opened for appending and reopened on SIGHUP (for "
     "logrotate).",
     "a path", AT(log_file)},
    {"log", "format", "--log-format", "DYAD_LOG_FORMAT", SETTING_CHOICE, 0, 0, "plain", NULL,
     "Plain text lines or JSON lines; every byte a client sent is escaped either way.",
     "plain, json", AT(log_format)},
    {"log", "level", "--log-level", "DYAD_LOG_LEVEL", SETTING_CHOICE, 0, 0, "info", NULL,
     "Lines below this level are not written (request lines are info).", "error, warn, info, debug",
     AT(log_level)},
    {"log", "requests", "--log-requests", "DYAD_LOG_REQUESTS", SETTING_BOOL, 0, 0, "yes", NULL,
     "One line per request: method, route pattern, status, time.", "yes or no", AT(log_requests)},
    {"mail", "smtp_url", "--smtp-url", "DYAD_SMTP_URL", SETTING_SMTP, 0, 0, "", "none",
     "The SMTP relay e-mail reminders go through: smtp://host:port (upgraded with STARTTLS, see "
     "smtp_starttls) or smtps://host:port (TLS from the start). Empty: dyad sends no e-mail, and "
     "the settings page tells people so.",
     "smtp://host[:port] or smtps://host[:port]", AT(smtp_url)},
    {"mail", "smtp_starttls", "--smtp-starttls", "DYAD_SMTP_STARTTLS", SETTING_CHOICE, 0, 0,
     "required", NULL,
     "required: send nothing unless the relay upgrades the connection to TLS, its certificate "
     "checked against the system's CAs; none: plain SMTP, only for a relay on this machine or a "
     "private network.",
     "required, none", AT(smtp_starttls)},
    {"mail", "smtp_user", "--smtp-user", "DYAD_SMTP_USER", SETTING_STRING, 0, 0, "", "none",
     "The user name dyad signs in to the relay with (the password from smtp_password_file); "
     "empty: no sign-in.",
     "a name", AT(smtp_user)},
    {"mail", "smtp_password_file", "--smtp-password-file", "DYAD_SMTP_PASSWORD_FILE", SETTING_PATH,
     0, 0, "", "none",
     "A file whose first line is the relay password, read once at start (keep it mode 0600, "
     "readable by dyad only).",
     "a path", AT(smtp_password_file)},
    {"mail", "from", "--mail-from", "DYAD_MAIL_FROM", SETTING_EMAIL, 0, 0, "", "none",
     "The sender address of reminders; the relay's bounces go there, dyad reads no mailbox. "
     "Needed when smtp_url is set.",
     "an e-mail address", AT(mail_from)},
};
const size_t config_settings_count = sizeof config_settings / sizeof config_settings[0];

_Static_assert(sizeof config_settings / sizeof config_settings[0] <= CONFIG_SETTINGS_MAX,
               "raise CONFIG_SETTINGS_MAX");

static size_t setting_index(const struct setting *s)
{
    return (size_t)(s - config_settings);
}

/* ---- values ------------------------------------------------------------------ */

static int parse_listen(const char *s, struct app_config *cfg)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return -1;
    const char *host = s;
    size_t hlen = (size_t)(colon - s);
    if (host[0] == '[') {
        if (hlen < 3 || host[hlen - 1] != ']')
            return -1;
        host++;
        hlen -= 2;
    } else if (memchr(host, ':', hlen) != NULL) {
        return -1; /* IPv6 needs its brackets */
    }
    const char *p = colon + 1;
    if (*p < '0' || *p > '9' || strlen(p) > 5)
        return -1;
    char *end;
    unsigned long port = strtoul(p, &end, 10);
    if (*end != '\0' || port > 65535 || hlen == 0 || hlen >= sizeof cfg->listen_addr)
        return -1;
    char addr[sizeof cfg->listen_addr];
    snprintf(addr, sizeof addr, "%.*s", (int)hlen, host);
    unsigned char probe[16];
    if (inet_pton(AF_INET, addr, probe) != 1 && inet_pton(AF_INET6, addr, probe) != 1)
        return -1;
    memcpy(cfg->listen_addr, addr, sizeof addr);
    cfg->port = (uint16_t)port;
    return 0;
}

/* http(s)://host[:port] with an optional trailing slash: what
 * app_set_public_url accepts. */
static int check_public_url(const char *url)
{
    const char *host;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return -1;
    size_t hlen = strcspn(host, "/?#");
    if (hlen == 0 || host[hlen] == '?' || host[hlen] == '#' ||
        (host[hlen] == '/' && host[hlen + 1] != '\0'))
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (host[i] <= ' ' || host[i] == '@' || host[i] == '"' || (unsigned char)host[i] >= 0x7f)
            return -1;
    return strlen(url) < 500 ? 0 : -1;
}

/* An outside address a page may send people to (the quick exit's): http
 * or https, a host, then anything printable but spaces, quotes and angle
 * brackets (it goes into an HTML attribute, escaped as well). */
static int check_link(const char *url, size_t size)
{
    const char *host;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return -1;
    if (strcspn(host, "/?#") == 0 || strlen(url) >= size)
        return -1;
    for (const char *p = url; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == '\\' ||
            (unsigned char)*p >= 0x7f)
            return -1;
    return 0;
}

/* The relay: smtp:// or smtps://, a host (a name, an IPv4 address or an
 * [IPv6] one) and an optional port, nothing else (no user or path: the user
 * is smtp_user, the password a file). */
static int check_smtp_url(const char *url, size_t size)
{
    const char *host;
    if (strncmp(url, "smtps://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "smtp://", 7) == 0)
        host = url + 7;
    else
        return -1;
    if (strlen(url) >= size || host[0] == '\0' || host[0] == ':')
        return -1;
    const char *p = host;
    if (*p == '[') {
        p = strchr(p, ']');
        if (p == NULL || p == host + 1)
            return -1;
        for (const char *q = host + 1; q < p; q++)
            if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                  (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
                return -1;
        p++;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '-' || *p == '.')
            p++;
    }
    if (*p == ':') {
        char *end;
        p++;
        if (*p < '0' || *p > '9' || strlen(p) > 5)
            return -1;
        unsigned long port = strtoul(p, &end, 10);
        if (*end != '\0' || port == 0 || port > 65535)
            return -1;
        return 0;
    }
    return *p == '\0' ? 0 : -1;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"};
    static const char *no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static bool printable(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

int config_set(struct config *c, const struct setting *s, const char *v, char *err, size_t errlen)
{
    char *field = (char *)&c->app + s->offset;
    switch (s->type) {
    case SETTING_STRING:
    case SETTING_PATH:
    case SETTING_SECRET:
        if (!printable(v)) {
            snprintf(err, errlen, "control characters are not allowed");
            return -1;
        }
        if (strlen(v) >= s->size) {
            snprintf(err, errlen, "longer than %zu characters", s->size - 1);
            return -1;
        }
        if (s->type == SETTING_PATH && v[0] == '\0' && s->def[0] != '\0') {
            snprintf(err, errlen, "must not be empty");
            return -1;
        }
        if (s->type == SETTING_SECRET && v[0] != '\0' && (strlen(v) < 16 || strchr(v, ' '))) {
            snprintf(err, errlen, "must be %s without spaces", s->values);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_UINT: {
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n < s->min || n > s->max) {
            snprintf(err, errlen, "'%s' is not a whole number from %u to %u", v, s->min, s->max);
            return -1;
        }
        unsigned u = (unsigned)n;
        memcpy(field, &u, sizeof u);
        return 0;
    }
    case SETTING_BOOL: {
        bool b;
        if (parse_bool(v, &b) != 0) {
            snprintf(err, errlen, "'%s' is not yes or no", v);
            return -1;
        }
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case SETTING_LISTEN:
        if (parse_listen(v, &c->app) != 0) {
            snprintf(err, errlen, "'%s' is not ADDR:PORT (an IP address; IPv6 as [ADDR]:PORT)", v);
            return -1;
        }
        return 0;
    case SETTING_LINK:
        if (v[0] != '\0' && check_link(v, s->size) != 0) {
            snprintf(err, errlen, "'%s' is not an http:// or https:// address", v);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_SMTP:
        if (v[0] != '\0' && check_smtp_url(v, s->size) != 0) {
            snprintf(err, errlen, "'%s' is not smtp://host[:port] or smtps://host[:port]", v);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_EMAIL:
        if (v[0] != '\0' && (strlen(v) >= s->size || validate_email(v) != 0)) {
            snprintf(err, errlen, "'%s' is not an e-mail address", v);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_URL:
        if (v[0] != '\0' && check_public_url(v) != 0) {
            snprintf(err, errlen, "'%s' is not http(s)://host[:port] (no path)", v);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_DB:
        if (!printable(v) || strlen(v) >= s->size ||
            !((strncmp(v, "sqlite:", 7) == 0 && v[7] != '\0') ||
              strncmp(v, "postgres://", 11) == 0 || strncmp(v, "postgresql://", 13) == 0 ||
              (strncmp(v, "postgres:", 9) == 0 && v[9] != '\0'))) {
            snprintf(err, errlen,
                     "'%s' is not sqlite:PATH, postgres://... or postgres:KEY=VALUE ...", v);
            return -1;
        }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case SETTING_CIDRS: {
        struct cidr_list l;
        bool yes;
        if (v[0] == '\0' || (parse_bool(v, &yes) == 0 && !yes)) {
            memset(&l, 0, sizeof l);
        } else if (parse_bool(v, &yes) == 0 && yes) {
            cidr_list_parse("127.0.0.0/8, ::1", &l); /* this machine */
        } else if (cidr_list_parse(v, &l) != 0) {
            snprintf(err, errlen, "'%s' is not %s", v, s->values);
            return -1;
        }
        memcpy(field, &l, sizeof l);
        return 0;
    }
    case SETTING_CHOICE: {
        size_t n = strlen(v);
        for (const char *w = s->values; n > 0 && *w;) {
            size_t wl = strcspn(w, ",");
            if (wl == n && strncmp(w, v, n) == 0 && n < s->size) {
                memcpy(field, v, n + 1);
                return 0;
            }
            w += wl;
            while (*w == ',' || *w == ' ')
                w++;
        }
        snprintf(err, errlen, "'%s' is not one of %s", v, s->values);
        return -1;
    }
    case SETTING_TYPE__MAX:
        break;
    }
    snprintf(err, errlen, "unknown setting type");
    return -1;
}

void config_value(const struct config *c, const struct setting *s, bool mask, char *out,
                  size_t outlen)
{
    const char *field = (const char *)&c->app + s->offset;
    switch (s->type) {
    case SETTING_STRING:
    case SETTING_PATH:
    case SETTING_URL:
    case SETTING_LINK:
    case SETTING_DB:
    case SETTING_CHOICE:
    case SETTING_SMTP:
    case SETTING_EMAIL:
        snprintf(out, outlen, "%s", field);
        return;
    case SETTING_SECRET:
        snprintf(out, outlen, "%s", mask && field[0] ? "********" : field);
        return;
    case SETTING_UINT: {
        unsigned u;
        memcpy(&u, field, sizeof u);
        snprintf(out, outlen, "%u", u);
        return;
    }
    case SETTING_BOOL: {
        bool b;
        memcpy(&b, field, sizeof b);
        snprintf(out, outlen, "%s", b ? "yes" : "no");
        return;
    }
    case SETTING_LISTEN: {
        bool v6 = strchr(c->app.listen_addr, ':') != NULL;
        snprintf(out, outlen, "%s%s%s:%u", v6 ? "[" : "", c->app.listen_addr, v6 ? "]" : "",
                 c->app.port);
        return;
    }
    case SETTING_CIDRS: {
        struct cidr_list l;
        memcpy(&l, field, sizeof l);
        size_t used = 0;
        out[0] = '\0';
        for (size_t i = 0; i < l.n && used + 1 < outlen; i++) {
            char addr[INET6_ADDRSTRLEN];
            if (inet_ntop(l.items[i].family, l.items[i].addr, addr, sizeof addr) == NULL)
                addr[0] = '\0';
            int w = snprintf(out + used, outlen - used, "%s%s/%d", i ? ", " : "", addr,
                             l.items[i].bits);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return;
    }
    case SETTING_TYPE__MAX:
        break;
    }
    out[0] = '\0';
}

/* ---- defaults and derived values ------------------------------------------- */

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    app_config_defaults(&c->app);
}

void config_finish(struct config *c)
{
    if (c->app.secret_file[0] == '\0') {
        char path[1024];
        snprintf(path, sizeof path, "%s",
                 strncmp(c->app.db_url, "sqlite:", 7) == 0 ? c->app.db_url + 7 : "./dyad.db");
        snprintf(c->app.secret_file, sizeof c->app.secret_file, "%.1000s/dyad.secret",
                 dirname(path));
    }
    if (c->app.vapid_key_file[0] == '\0') {
        char path[1024];
        snprintf(path, sizeof path, "%s", c->app.secret_file);
        snprintf(c->app.vapid_key_file, sizeof c->app.vapid_key_file, "%.1000s/dyad.vapid",
                 dirname(path));
    }
}

/* ---- the file ------------------------------------------------------------------ */

struct ini_state {
    struct config *c;
    const char *name;
    const char *text; /* for config_load_string */
    FILE *file;       /* for config_load */
    int line;         /* the line being parsed */
    bool too_long;
    int err_line; /* the first error found, 0 when none */
    char err[384];
    bool seen[CONFIG_SETTINGS_MAX];
};

/* libinih reads lines through this, so the handler knows which line it is
 * on and overlong lines are caught rather than split. */
static char *ini_reader_fn(char *str, int num, void *stream)
{
    struct ini_state *st = stream;
    char *r;
    if (st->file != NULL) {
        r = fgets(str, num, st->file);
    } else {
        if (*st->text == '\0')
            return NULL;
        size_t len = strcspn(st->text, "\n");
        size_t take = len + (st->text[len] == '\n');
        if (take > (size_t)num - 1)
            take = (size_t)num - 1;
        memcpy(str, st->text, take);
        str[take] = '\0';
        st->text += take;
        r = str;
    }
    if (r == NULL)
        return NULL;
    st->line++;
    size_t n = strlen(r);
    if (n == (size_t)num - 1 && r[n - 1] != '\n' && !st->too_long) {
        st->too_long = true;
        if (st->err_line == 0) {
            st->err_line = st->line;
            snprintf(st->err, sizeof st->err, "line longer than %d characters", num - 2);
        }
    }
    return r;
}

static int ini_handler_fn(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *st = user;
    if (st->err_line != 0)
        return 1; /* report the first problem only */
    const struct setting *s = NULL;
    bool known_section = false;
    for (size_t i = 0; i < config_settings_count; i++) {
        if (strcmp(config_settings[i].section, section) != 0)
            continue;
        known_section = true;
        if (strcmp(config_settings[i].key, name) == 0)
            s = &config_settings[i];
    }
    char reason[320];
    if (section[0] == '\0') {
        snprintf(reason, sizeof reason, "'%s' is outside any [section]", name);
    } else if (!known_section) {
        snprintf(reason, sizeof reason, "unknown section [%s]", section);
    } else if (s == NULL) {
        snprintf(reason, sizeof reason, "unknown key '%s' in [%s]", name, section);
    } else if (st->seen[setting_index(s)]) {
        snprintf(reason, sizeof reason,
                 "'%s' in [%s] is set twice (or continued on an indented "
                 "line)",
                 name, section);
    } else {
        char why[256];
        if (config_set(st->c, s, value, why, sizeof why) == 0) {
            st->seen[setting_index(s)] = true;
            st->c->origin[setting_index(s)] = ORIGIN_FILE;
            st->c->line[setting_index(s)] = st->line;
            return 1;
        }
        snprintf(reason, sizeof reason, "%s.%s: %s", section, name, why);
    }
    st->err_line = st->line;
    snprintf(st->err, sizeof st->err, "%s", reason);
    return 0;
}

static int ini_run(struct ini_state *st, char *err, size_t errlen)
{
    int r = ini_parse_stream(ini_reader_fn, st, ini_handler_fn, st);
    if (r == 0 && st->err_line == 0)
        return 0;
    if (r == -2) {
        snprintf(err, errlen, "%s: out of memory", st->name);
        return -1;
    }
    if (st->err_line != 0 && (r <= 0 || st->err_line <= r))
        snprintf(err, errlen, "%s:%d: %s", st->name, st->err_line, st->err);
    else
        snprintf(err, errlen, "%s:%d: not a [section] or a 'key = value' line", st->name, r);
    return -1;
}

int config_load_string(struct config *c, const char *text, const char *name, char *err,
                       size_t errlen)
{
    struct ini_state st = {.c = c, .name = name, .text = text};
    return ini_run(&st, err, errlen);
}

static int config_load_file(struct config *c, const char *path, bool must_exist, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT && !must_exist)
            return 0;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    snprintf(c->file, sizeof c->file, "%s", path);
    struct ini_state st = {.c = c, .name = path, .file = f};
    int r = ini_run(&st, err, errlen);
    if (r == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        r = -1;
    }
    fclose(f);
    return r;
}

/* ---- the whole sequence ------------------------------------------------------ */

static const struct setting *by_flag(const char *flag, size_t len)
{
    for (size_t i = 0; i < config_settings_count; i++)
        if (strlen(config_settings[i].flag) == len &&
            strncmp(config_settings[i].flag, flag, len) == 0)
            return &config_settings[i];
    return NULL;
}

/* The setting a flag names ("--threads", "--threads=4", "--no-sandbox"),
 * with *value set when the flag carries it; NULL when there is none. */
static const struct setting *flag_setting(const char *a, const char **value)
{
    const char *eq = strchr(a, '=');
    size_t flen = eq != NULL ? (size_t)(eq - a) : strlen(a);
    const struct setting *s = by_flag(a, flen);
    *value = eq != NULL ? eq + 1 : NULL;
    if (s == NULL && strncmp(a, "--no-", 5) == 0 && eq == NULL) {
        char pos[64];
        snprintf(pos, sizeof pos, "--%s", a + 5);
        s = by_flag(pos, strlen(pos));
        if (s != NULL && s->type == SETTING_BOOL)
            *value = "no";
        else
            s = NULL;
    }
    return s;
}

int config_load(struct config *c, int argc, char **argv, size_t max_positional,
                bool positional_is_file, config_env_fn *env, char *err, size_t errlen)
{
    config_defaults(c);
    /* First the shape of the command line: positional arguments, --help,
     * --config, and whether every flag is known and has its value. */
    const char *file = NULL;
    bool flags_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (flags_done || a[0] != '-' || a[1] == '\0') {
            if (c->n_positional >= max_positional || c->n_positional >= CONFIG_POSITIONAL_MAX) {
                snprintf(err, errlen, "unexpected argument '%s'", a);
                return -1;
            }
            c->positional[c->n_positional++] = a;
        } else if (strcmp(a, "--") == 0) {
            flags_done = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            c->help = true;
        } else if (strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0) {
            if (a[8] == '=') {
                file = a + 9;
            } else if (i + 1 < argc) {
                file = argv[++i];
            } else {
                snprintf(err, errlen, "--config needs a FILE");
                return -1;
            }
        } else {
            const char *val;
            const struct setting *s = flag_setting(a, &val);
            if (s == NULL) {
                snprintf(err, errlen, "unknown option '%.*s' (dyad help lists them)",
                         (int)strcspn(a, "="), a);
                return -1;
            }
            if (val == NULL && ++i >= argc) {
                snprintf(err, errlen, "%s needs a value (%s)", s->flag, s->values);
                return -1;
            }
        }
    }
    if (c->help)
        return 0;

    /* The file: `config check FILE`, --config, DYAD_CONFIG, the default. */
    bool must_exist = true;
    const char *v;
    if (positional_is_file && c->n_positional > 0)
        file = c->positional[0];
    if (file == NULL && (v = env("DYAD_CONFIG")) != NULL && *v)
        file = v;
    if (file == NULL) {
        file = CONFIG_DEFAULT_FILE;
        must_exist = false;
    }
    if (config_load_file(c, file, must_exist, err, errlen) != 0)
        return -1;

    char why[320];
    for (size_t i = 0; i < config_settings_count; i++) {
        const struct setting *s = &config_settings[i];
        if ((v = env(s->env)) == NULL || *v == '\0')
            continue; /* an empty variable counts as unset */
        if (config_set(c, s, v, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", s->env, why);
            return -1;
        }
        c->origin[i] = ORIGIN_ENV;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            continue;
        if (strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0)
            continue;
        const char *val;
        const struct setting *s = flag_setting(a, &val);
        if (val == NULL)
            val = argv[++i];
        if (config_set(c, s, val, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", s->flag, why);
            return -1;
        }
        c->origin[setting_index(s)] = ORIGIN_FLAG;
    }
    config_finish(c);
    return 0;
}

/* ---- showing ------------------------------------------------------------------- */

void config_print(const struct config *c, FILE *f)
{
    static const char *origin_name[ORIGIN__MAX] = {"default", "file", "environment", "flag"};
    fprintf(f, "; dyad's effective configuration (secrets masked)\n; file: %s\n",
            c->file[0] ? c->file : "none");
    const char *section = "";
    for (size_t i = 0; i < config_settings_count; i++) {
        const struct setting *s = &config_settings[i];
        if (strcmp(section, s->section) != 0) {
            section = s->section;
            fprintf(f, "\n[%s]\n", section);
        }
        char value[1200], from[160];
        config_value(c, s, true, value, sizeof value);
        switch (c->origin[i]) {
        case ORIGIN_FILE:
            snprintf(from, sizeof from, "%s line %d", origin_name[ORIGIN_FILE], c->line[i]);
            break;
        case ORIGIN_ENV:
            snprintf(from, sizeof from, "%s (%s)", origin_name[ORIGIN_ENV], s->env);
            break;
        case ORIGIN_FLAG:
            snprintf(from, sizeof from, "%s (%s)", origin_name[ORIGIN_FLAG], s->flag);
            break;
        default:
            snprintf(from, sizeof from, "%s%s%s", origin_name[ORIGIN_DEFAULT],
                     s->def_doc ? ": " : "", s->def_doc ? s->def_doc : "");
        }
        fprintf(f, "%s = %s\t; %s\n", s->key, value, from);
    }
}

/* mdoc text: a backslash before a leading dot or apostrophe and before
 * every backslash, and each sentence on a line of its own. */
static void man_text(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '.' && s[1] == ' ' && s[2] != '\0') {
            fputs(".\n", f);
            s++;
            if (s[1] == '.' || s[1] == '\'')
                fputs("\\&", f);
        } else
            fputc(*s, f);
    }
}

int config_reference(const char *format, FILE *f)
{
    if (strcmp(format, "man") == 0) {
        const char *section = "";
        for (size_t i = 0; i < config_settings_count; i++) {
            const struct setting *s = &config_settings[i];
            if (strcmp(section, s->section) != 0) {
                if (section[0] != '\0')
                    fputs(".El\n", f);
                section = s->section;
                fprintf(f, ".Ss [%s]\n.Bl -tag -width Ds\n", section);
            }
            fprintf(f, ".It Cm %s No = Ar %s\n", s->key,
                    s->type == SETTING_BOOL     ? "yes|no"
                    : s->type == SETTING_UINT   ? "N"
                    : s->type == SETTING_CHOICE ? s->values
                                                : "value");
            man_text(f, s->help);
            fprintf(f, "\n.Pp\nFlag\n.Fl %s ,\nvariable\n.Ev %s .\n", s->flag + 1, s->env);
            fputs("Values: ", f);
            man_text(f, s->values);
            fputs(".\nDefault: ", f);
            man_text(f, s->def_doc != NULL ? s->def_doc : s->def);
            fputs(".\n", f);
        }
        if (section[0] != '\0')
            fputs(".El\n", f);
        return 0;
    }
    if (strcmp(format, "markdown") == 0) {
        fputs("| file: `[section]` key | flag | environment | default | meaning |\n"
              "|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < config_settings_count; i++) {
            const struct setting *s = &config_settings[i];
            fprintf(f, "| `[%s]` `%s` | `%s` | `%s` | %s%s%s | %s Values: %s. |\n", s->section,
                    s->key, s->flag, s->env, s->def_doc ? "" : "`",
                    s->def_doc ? s->def_doc : s->def, s->def_doc ? "" : "`", s->help, s->values);
        }
        return 0;
    }
    if (strcmp(format, "flags") == 0) {
        for (size_t i = 0; i < config_settings_count; i++) {
            const struct setting *s = &config_settings[i];
            char left[64];
            snprintf(left, sizeof left, "%s %s", s->flag,
                     s->type == SETTING_BOOL     ? "yes|no"
                     : s->type == SETTING_CHOICE ? s->values
                                                 : "VALUE");
            fprintf(f, "  %-34s %s [%s]\n", left, s->env, s->def_doc != NULL ? s->def_doc : s->def);
        }
        fprintf(f, "  %-34s %s [%s]\n", "--config FILE", "DYAD_CONFIG", CONFIG_DEFAULT_FILE);
        return 0;
    }
    return -1;
}
