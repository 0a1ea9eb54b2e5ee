/*
 * main.c — the dyad command line:
 *
 *   dyad serve [--listen ADDR:PORT] [--db URL] [--public-url URL]
 *   dyad migrate [--db URL]
 *   dyad backup FILE [--db URL]
 *   dyad therapist add EMAIL [--db URL] [--public-url URL]
 *   dyad questionnaire add FILE [--db URL]
 *   dyad client read-export FILE
 *   dyad version
 *
 * Flags override the environment (DYAD_LISTEN, DYAD_DB, DYAD_PUBLIC_URL,
 * DYAD_SECRET_FILE, DYAD_RESOURCES, DYAD_IDLE_TIMEOUT, DYAD_ABSOLUTE_TIMEOUT,
 * DYAD_THREADS, DYAD_REGISTRATIONS_PER_CLIENT, DYAD_LOGIN_FAILURES_PER_CLIENT,
 * DYAD_PROMPTS, DYAD_METRICS_TOKEN, DYAD_TRUST_PROXY — a CIDR list, like
 * --trusted-proxy),
 * which overrides the defaults (design §8).
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/client.h"
#include "core/embedded.h"
#include "core/questionnaire.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "web/app.h"
#include "web/http.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: dyad serve [--listen ADDR:PORT] [--db sqlite:PATH] [--public-url URL]\n"
               "                  [--trusted-proxy CIDR[,CIDR...]]\n"
               "       dyad migrate [--db sqlite:PATH]\n"
               "       dyad backup FILE [--db sqlite:PATH]\n"
               "       dyad therapist add EMAIL [--db sqlite:PATH] [--public-url URL]\n"
               "       dyad questionnaire add FILE [--db sqlite:PATH]\n"
               "       dyad client read-export FILE   (password from DYAD_PASSWORD or stdin)\n"
               "       dyad version\n");
}

static int parse_listen(const char *s, struct app_config *cfg)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return -1;
    const char *host = s;
    size_t hlen = (size_t)(colon - s);
    if (host[0] == '[' && hlen >= 2 && host[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || port < 0 || port > 65535 || hlen == 0 ||
        hlen >= sizeof cfg->listen_addr)
        return -1;
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "%.*s", (int)hlen, host);
    cfg->port = (uint16_t)port;
    return 0;
}

static int env_unsigned(const char *name, unsigned *out)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return 0;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end != '\0' || n == 0 || n > 10u * 365 * 24 * 3600) {
        fprintf(stderr, "dyad: %s must be a positive number\n", name);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

/* --trusted-proxy / DYAD_TRUST_PROXY: one or more CIDR ranges, comma-
 * separated. The old boolean spelling (1, yes, true) means this machine
 * (127.0.0.0/8 and ::1), which is what it was documented for. A flag
 * replaces what the environment said. */
static int set_trusted(struct app_config *cfg, const char *v, const char *what)
{
    if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
        v = "127.0.0.0/8, ::1";
    else if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
        memset(&cfg->trusted_proxies, 0, sizeof cfg->trusted_proxies);
        return 0;
    }
    if (cidr_list_parse(v, &cfg->trusted_proxies) != 0) {
        fprintf(stderr,
                "dyad: %s must be addresses or CIDR ranges, e.g. 127.0.0.1/32,::1 (at most %d)\n",
                what, THROTTLE_MAX_PROXIES);
        return -1;
    }
    return 0;
}

/* Environment, then flags. argv[0] is the command; FILE-like positional
 * arguments are returned in *positional. */
static int configure(int argc, char **argv, struct app_config *cfg, char *public_url,
                     size_t public_url_len, const char **positional)
{
    app_config_defaults(cfg);
    const char *v;
    if ((v = getenv("DYAD_LISTEN")) != NULL && *v && parse_listen(v, cfg) != 0) {
        fprintf(stderr, "dyad: DYAD_LISTEN must be ADDR:PORT\n");
        return -1;
    }
    if ((v = getenv("DYAD_DB")) != NULL && *v)
        snprintf(cfg->db_url, sizeof cfg->db_url, "%s", v);
    if ((v = getenv("DYAD_PUBLIC_URL")) != NULL && *v)
        snprintf(public_url, public_url_len, "%s", v);
    if ((v = getenv("DYAD_METRICS_TOKEN")) != NULL && *v)
        snprintf(cfg->metrics_token, sizeof cfg->metrics_token, "%s", v);
    if ((v = getenv("DYAD_TRUST_PROXY")) != NULL && *v &&
        set_trusted(cfg, v, "DYAD_TRUST_PROXY") != 0)
        return -1;
    if ((v = getenv("DYAD_SECRET_FILE")) != NULL && *v)
        snprintf(cfg->secret_file, sizeof cfg->secret_file, "%s", v);
    if (env_unsigned("DYAD_IDLE_TIMEOUT", &cfg->idle_timeout) != 0 ||
        env_unsigned("DYAD_ABSOLUTE_TIMEOUT", &cfg->absolute_timeout) != 0 ||
        env_unsigned("DYAD_THREADS", &cfg->threads) != 0 ||
        env_unsigned("DYAD_REGISTRATIONS_PER_CLIENT", &cfg->registrations_per_client) != 0 ||
        env_unsigned("DYAD_LOGIN_FAILURES_PER_CLIENT", &cfg->login_failures_per_client) != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--listen") == 0 && val != NULL) {
            if (parse_listen(val, cfg) != 0) {
                fprintf(stderr, "dyad: --listen must be ADDR:PORT\n");
                return -1;
            }
            i++;
        } else if (strcmp(a, "--db") == 0 && val != NULL) {
            snprintf(cfg->db_url, sizeof cfg->db_url, "%s", val);
            i++;
        } else if (strcmp(a, "--trusted-proxy") == 0 && val != NULL) {
            if (set_trusted(cfg, val, "--trusted-proxy") != 0)
                return -1;
            i++;
        } else if (strcmp(a, "--public-url") == 0 && val != NULL) {
            snprintf(public_url, public_url_len, "%s", val);
            i++;
        } else if (a[0] != '-' && positional != NULL && *positional == NULL) {
            *positional = a;
        } else {
            fprintf(stderr, "dyad: unknown or incomplete argument '%s'\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (cfg->secret_file[0] == '\0') {
        /* Beside the database file: dyad.secret */
        char path[1024];
        snprintf(path, sizeof path, "%s",
                 strncmp(cfg->db_url, "sqlite:", 7) == 0 ? cfg->db_url + 7 : "./dyad.db");
        snprintf(cfg->secret_file, sizeof cfg->secret_file, "%s/dyad.secret", dirname(path));
    }
    return 0;
}

static json_t *load_resources(void)
{
    const char *path = getenv("DYAD_RESOURCES");
    json_error_t err;
    json_t *r = NULL;
    if (path != NULL && *path) {
        r = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (r == NULL)
            fprintf(stderr, "dyad: %s:%d: %s\n", path, err.line, err.text);
    } else {
        for (size_t i = 0; i < datafiles_count; i++)
            if (strcmp(datafiles[i].name, "resources.json") == 0)
                r = json_loadb((const char *)datafiles[i].data, datafiles[i].size,
                               JSON_REJECT_DUPLICATES, &err);
    }
    json_t *em = json_object_get(r, "emergency");
    if (r != NULL && (!json_is_string(json_object_get(em, "number")) ||
                      !json_is_array(json_object_get(r, "resources")))) {
        fprintf(stderr, "dyad: resources need emergency.number and a resources list\n");
        json_decref(r);
        r = NULL;
    }
    return r;
}

/* The prompt library: DYAD_PROMPTS names a file to use instead of the one
 * built in. A malformed entry stops start-up with the loader's message. */
static int load_prompts(struct prompt_library *lib)
{
    char err[512];
    const char *path = getenv("DYAD_PROMPTS");
    const char *data = NULL;
    size_t len = 0;
    char *file = NULL;
    if (path != NULL && *path) {
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            fprintf(stderr, "dyad: cannot open prompts %s: %s\n", path, strerror(errno));
            return -1;
        }
        size_t cap = 1 << 20;
        file = malloc(cap);
        len = file != NULL ? fread(file, 1, cap, f) : 0;
        fclose(f);
        if (file == NULL || len == cap) {
            fprintf(stderr, "dyad: prompts %s: too large or out of memory\n", path);
            free(file);
            return -1;
        }
        data = file;
    } else {
        for (size_t i = 0; i < datafiles_count; i++) {
            if (strcmp(datafiles[i].name, "prompts.json") == 0) {
                data = (const char *)datafiles[i].data;
                len = datafiles[i].size;
            }
        }
    }
    int r = data != NULL ? prompts_load(lib, data, len, err, sizeof err) : -1;
    if (r != 0)
        fprintf(stderr, "dyad: the prompt library is not valid: %s\n",
                data != NULL ? err : "none built in");
    free(file);
    return r;
}

/* The parsed definitions, index for index with the JSON list (app). */
static struct questionnaire *parsed_defs;

/* One definition into the list: parsed, checked, and its normal form (the
 * one clients get) appended; an id already there is refused. */
static int add_questionnaire(json_t *all, const char *name, const char *json, size_t len)
{
    static struct questionnaire q;
    char err[512];
    json_t *normal = NULL;
    if (questionnaire_parse(json, len, &q, &normal, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: %s is not a valid questionnaire: %s\n", name, err);
        return -1;
    }
    size_t i;
    json_t *o;
    json_array_foreach(all, i,
                       o) if (strcmp(json_string_value(json_object_get(o, "id")), q.id) == 0)
    {
        fprintf(stderr, "dyad: %s: the id \"%s\" is taken by another questionnaire\n", name, q.id);
        json_decref(normal);
        return -1;
    }
    struct questionnaire *grown =
        realloc(parsed_defs, (json_array_size(all) + 1) * sizeof *parsed_defs);
    if (grown == NULL) {
        fprintf(stderr, "dyad: out of memory\n");
        json_decref(normal);
        return -1;
    }
    parsed_defs = grown;
    parsed_defs[json_array_size(all)] = q;
    json_array_append_new(all, normal);
    return 0;
}

/* Every data/questionnaire-*.json built in, checked; a malformed one stops
 * start-up with the checker's message. */
static json_t *load_questionnaires(void)
{
    json_t *all = json_array();
    for (size_t i = 0; all != NULL && i < datafiles_count; i++) {
        const struct embedded_file *f = &datafiles[i];
        if (strncmp(f->name, "questionnaire-", 14) != 0)
            continue;
        if (add_questionnaire(all, f->name, (const char *)f->data, f->size) != 0) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

struct stored_load {
    json_t *all;
    int failed;
};

static void stored_questionnaire(void *ctx, const char *id, const char *definition)
{
    struct stored_load *l = ctx;
    char name[96];
    snprintf(name, sizeof name, "stored questionnaire \"%s\"", id);
    if (l->failed == 0 && add_questionnaire(l->all, name, definition, strlen(definition)) != 0)
        l->failed = 1;
}

/* The ones an operator added, after the built-in ones. */
static int load_stored_questionnaires(struct store *s, json_t *all)
{
    struct stored_load l = {all, 0};
    if (store_questionnaire_list(s, stored_questionnaire, &l) != STORE_OK) {
        fprintf(stderr, "dyad: cannot read the stored questionnaires\n");
        return -1;
    }
    return l.failed ? -1 : 0;
}

static int cmd_serve(int argc, char **argv)
{
    struct app *app = calloc(1, sizeof *app);
    char public_url[512] = "";
    if (app == NULL || configure(argc, argv, &app->cfg, public_url, sizeof public_url, NULL) != 0) {
        free(app);
        return 2;
    }
    int status = 1;
    char err[512];
    struct http_server *server = NULL;
    if (dcrypto_init(2) != 0) {
        fprintf(stderr, "dyad: cannot initialise libsodium\n");
        goto out;
    }
    if (dcrypto_load_secret(app->cfg.secret_file, app->secret, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: %s\n", err);
        goto out;
    }
    if ((app->resources = load_resources()) == NULL)
        goto out;
    if (load_prompts(&app->prompts) != 0)
        goto out;
    if ((app->questionnaires = load_questionnaires()) == NULL)
        goto out;
    app->store = store_open(app->cfg.db_url, true, err, sizeof err);
    if (app->store == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        goto out;
    }
    if (load_stored_questionnaires(app->store, app->questionnaires) != 0)
        goto out;
    app->questionnaire_defs = parsed_defs;
    app->routes = app_routes;
    app->n_routes = app_routes_count;

    /* Signals go to this thread only: block them before the workers start. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_server_config hc = {
        .listen_addr = app->cfg.listen_addr,
        .port = app->cfg.port,
        .threads = app->cfg.threads,
        .max_body = app->cfg.max_body,
        .connection_limit = 1024,
        .per_ip_limit = 128,
        .timeout_seconds = 30,
    };
    /* Bind first (the port may be ephemeral and the public URL may name
     * it), configure the application completely, and only then start the
     * workers: a request that arrives in the first instant waits in the
     * kernel's queue and finds everything set up. */
    server = http_server_listen(&hc);
    if (server == NULL)
        goto out;
    bool v6 = strchr(app->cfg.listen_addr, ':') != NULL;
    char bound[600];
    snprintf(bound, sizeof bound, "http://%s%s%s:%u", v6 ? "[" : "", app->cfg.listen_addr,
             v6 ? "]" : "", http_server_port(server));
    if (app_set_public_url(app, public_url[0] ? public_url : bound) != 0) {
        fprintf(stderr, "dyad: --public-url must look like https://host[:port]\n");
        goto out;
    }
    if (http_server_run(server, app_handle, app) != 0)
        goto out;
    printf("dyad: listening on %s (public URL %s)\n", bound, app->origin);
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "dyad: %s received, finishing requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(server, 10000);
    server = NULL;
    status = 0;
out:
    http_server_stop(server, 0);
    store_close(app->store);
    json_decref(app->resources);
    prompts_free(&app->prompts);
    json_decref(app->questionnaires);
    free(parsed_defs);
    parsed_defs = NULL;
    free(app);
    if (status == 0)
        fprintf(stderr, "dyad: stopped cleanly\n");
    return status;
}

static int cmd_migrate(int argc, char **argv)
{
    struct app_config cfg;
    char public_url[512];
    if (configure(argc, argv, &cfg, public_url, sizeof public_url, NULL) != 0)
        return 2;
    char err[512];
    struct store *s = store_open(cfg.db_url, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    printf("dyad: schema at version %d\n", store_schema_version(s));
    store_close(s);
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    struct app_config cfg;
    char public_url[512];
    const char *file = NULL;
    if (configure(argc, argv, &cfg, public_url, sizeof public_url, &file) != 0)
        return 2;
    if (file == NULL) {
        usage(stderr);
        return 2;
    }
    if (access(file, F_OK) == 0) {
        fprintf(stderr, "dyad: %s exists; choose a new file\n", file);
        return 1;
    }
    char err[512];
    struct store *s = store_open(cfg.db_url, false, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    enum store_result r = store_backup(s, file, err, sizeof err);
    store_close(s);
    if (r != STORE_OK) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    printf("dyad: backup written to %s\n", file);
    return 0;
}

/* dyad therapist add EMAIL: a one-time setup link, valid for 7 days. Only
 * the link's hash is stored; the link itself is printed once. */
static int cmd_therapist(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "add") != 0) {
        usage(stderr);
        return 2;
    }
    char email[STORE_EMAIL_MAX];
    snprintf(email, sizeof email, "%s", argv[2]);
    if (validate_email(email) != 0) {
        fprintf(stderr, "dyad: '%s' is not an e-mail address\n", argv[2]);
        return 2;
    }
    validate_email_normalize(email);
    struct app_config cfg;
    char public_url[512] = "";
    if (configure(argc - 2, argv + 2, &cfg, public_url, sizeof public_url, NULL) != 0)
        return 2;
    if (public_url[0] == '\0')
        snprintf(public_url, sizeof public_url, "http://%s:%u", cfg.listen_addr, cfg.port);
    size_t ul = strlen(public_url);
    if (ul > 0 && public_url[ul - 1] == '/')
        public_url[ul - 1] = '\0';
    if (dcrypto_init(1) != 0) {
        fprintf(stderr, "dyad: cannot initialise libsodium\n");
        return 1;
    }
    char err[512];
    struct store *s = store_open(cfg.db_url, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    struct user existing;
    enum store_result r = store_user_by_email(s, email, &existing);
    if (r == STORE_OK) {
        fprintf(stderr, "dyad: %s already has an account\n", email);
        store_close(s);
        return 1;
    }
    char token[DCRYPTO_TOKEN_LEN + 1];
    unsigned char hash[32];
    dcrypto_random_token(token);
    dcrypto_token_hash(token, hash);
    int64_t now = (int64_t)time(NULL);
    r = store_therapist_invite(s, hash, email, now, now + 7 * 24 * 3600);
    store_close(s);
    if (r != STORE_OK) {
        fprintf(stderr, "dyad: could not store the invitation\n");
        return 1;
    }
    printf("Send this one-time link to %s (valid for 7 days):\n%s/setup/%s\n", email, public_url,
           token);
    return 0;
}

/* dyad questionnaire add FILE: checks an operator's (licensed) instrument
 * and stores it; the server offers it from its next start. A malformed one
 * is refused with the JSON path of the bad field and the reason. */
static int cmd_questionnaire(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "add") != 0) {
        usage(stderr);
        return 2;
    }
    struct app_config cfg;
    char public_url[512] = "";
    if (configure(argc - 2, argv + 2, &cfg, public_url, sizeof public_url, NULL) != 0)
        return 2;
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        fprintf(stderr, "dyad: cannot open %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    static char buf[256 * 1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    bool too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "dyad: %s is over 256 KiB\n", argv[2]);
        return 1;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        fprintf(stderr, "dyad: %s contains a NUL byte\n", argv[2]);
        return 1;
    }
    json_t *all = load_questionnaires();
    if (all == NULL)
        return 1;
    char err[512];
    struct store *s = store_open(cfg.db_url, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        json_decref(all);
        return 1;
    }
    int status = 1;
    if (load_stored_questionnaires(s, all) == 0 && add_questionnaire(all, argv[2], buf, n) == 0) {
        json_t *q = json_array_get(all, json_array_size(all) - 1);
        const char *id = json_string_value(json_object_get(q, "id"));
        enum store_result r = store_questionnaire_add(s, id, buf, (int64_t)time(NULL));
        if (r == STORE_OK) {
            printf("dyad: questionnaire \"%s\" (%s) stored; a running server offers it after "
                   "its next start\n",
                   id, json_string_value(json_object_get(q, "title")));
            status = 0;
        } else
            fprintf(stderr, "dyad: could not store the questionnaire\n");
    }
    store_close(s);
    json_decref(all);
    free(parsed_defs);
    parsed_defs = NULL;
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup(argc - 1, argv + 1);
    if (strcmp(cmd, "therapist") == 0)
        return cmd_therapist(argc - 1, argv + 1);
    if (strcmp(cmd, "questionnaire") == 0)
        return cmd_questionnaire(argc - 1, argv + 1);
    if (strcmp(cmd, "client") == 0) {
        if (argc == 4 && strcmp(argv[2], "read-export") == 0) {
            if (sodium_init() < 0)
                return 1;
            return client_read_export(argv[3]);
        }
        usage(stderr);
        return 2;
    }
    if (strcmp(cmd, "version") == 0) {
        puts("dyad 0.1.0");
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "dyad: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
