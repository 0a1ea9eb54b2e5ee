/*
 * main.c — the dyad command line. `dyad help` lists the commands, `dyad
 * help COMMAND` (or `dyad COMMAND --help`) explains one; the settings every
 * command reads come from config.c (file, DYAD_* environment, flags).
 *
 * `dyad serve` starts in this order: settings, the log, the secret and the
 * Web Push (VAPID) key, the resources, prompts and questionnaires, the
 * database, the listening socket, the sandbox, then the workers; it tells systemd it is ready
 * (sd_notify) and waits for signals: SIGHUP reopens the log and rereads the
 * resources and prompts, SIGTERM or SIGINT drains requests in flight for up
 * to shutdown_timeout seconds and stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "cli/client.h"
#include "cli/config.h"
#include "cli/sandbox.h"
#include "core/embedded.h"
#include "core/questionnaire.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "notify/notify.h"
#include "notify/push.h"
#include "store/store.h"
#include "web/app.h"
#include "web/http.h"
#include "web/insights_cache.h"
#include "web/log.h"

struct command {
    const char *name;     /* "serve", "therapist add" */
    const char *synopsis; /* after the name */
    const char *about;    /* what it does, for `dyad help NAME` */
    size_t positional;    /* arguments besides the flags */
    size_t required;      /* of which required */
    int (*run)(struct config *c);
};

static int cmd_serve(struct config *c);
static int cmd_migrate(struct config *c);
static int cmd_backup(struct config *c);
static int cmd_restore(struct config *c);
static int cmd_copy_db(struct config *c);
static int cmd_therapist_add(struct config *c);
static int cmd_questionnaire_add(struct config *c);
static int cmd_config_check(struct config *c);
static int cmd_config_reference(struct config *c);

static const struct command commands[] = {
    {"serve", "[--listen ADDR:PORT] [--db URL] [--public-url URL] [OPTIONS]",
     "Serves the web client and the API until SIGTERM or SIGINT. Applies pending migrations "
     "first. SIGHUP reopens the log file and rereads the resources and prompt files.",
     0, 0, cmd_serve},
    {"migrate", "[--db URL]",
     "Creates the database if needed and applies pending schema migrations, then prints the "
     "schema version.",
     0, 0, cmd_migrate},
    {"backup", "FILE [--db URL]",
     "Writes a consistent copy of the whole database to the new FILE while the server keeps "
     "serving (SQLite's online backup).",
     1, 1, cmd_backup},
    {"restore", "FILE [--db URL]",
     "Replaces the database with the backup FILE after checking the backup's integrity and "
     "schema version. Refuses while a server is using the database: stop it first.",
     1, 1, cmd_restore},
    {"copy-db", "FROM-URL TO-URL",
     "Copies every row of the database FROM-URL into the new, empty database TO-URL (SQLite to "
     "PostgreSQL is the way up; the reverse works too), in one transaction on each side, then "
     "checks every table's row count and content digest. Refuses a target that holds any row. "
     "Stop the servers first: the copy must not miss writes.",
     2, 2, cmd_copy_db},
    {"therapist add", "EMAIL [--db URL] [--public-url URL]",
     "Prints a one-time setup link (valid for 7 days) for a therapist account.", 1, 1,
     cmd_therapist_add},
    {"questionnaire add", "FILE [--db URL]",
     "Checks the questionnaire definition in FILE (for example a licensed instrument; format in "
     "docs/questionnaires.md) and stores it in the database; the server offers it from its next "
     "start. A malformed one is refused with the JSON path of the bad field and the reason.",
     1, 1, cmd_questionnaire_add},
    {"config check", "[FILE] [OPTIONS]",
     "Reads FILE (or the usual configuration file), the environment and the flags, checks every "
     "value and prints the effective configuration, secrets masked. Exits 2 with the file, line "
     "and reason on the first problem.",
     1, 0, cmd_config_check},
    {"config reference", "man|markdown|flags",
     "Prints the table of settings in the given format (the manual page and docs/operators.md "
     "are made from it).",
     1, 1, cmd_config_reference},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void usage(FILE *f)
{
    fprintf(f, "usage: dyad COMMAND [ARGS] [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(f, "  dyad %s %s\n", commands[i].name, commands[i].synopsis);
    fprintf(f,
            "  dyad client COMMAND [ARGS]   (the native client: dyad help client, dyad-client(1))\n"
            "  dyad version\n"
            "  dyad help [COMMAND]\n\n"
            "Every command reads its settings from %s (or --config FILE,\n"
            "DYAD_CONFIG), DYAD_* environment variables and flags; `dyad help serve` lists\n"
            "them. Manual pages: dyad(1), dyad.conf(5).\n",
            CONFIG_DEFAULT_FILE);
}

static void command_help(const struct command *cmd, FILE *f)
{
    fprintf(f, "usage: dyad %s %s\n\n%s\n\n", cmd->name, cmd->synopsis, cmd->about);
    if (cmd->run != cmd_config_reference) {
        fprintf(f, "options (flag, environment variable, [default]):\n");
        config_reference("flags", f);
    }
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* ---- the log -------------------------------------------------------------------- */

/* Points standard error at the log file (appending), or leaves it alone
 * when none is configured. Reopening the same name after logrotate moved
 * it starts a new file. */
static int log_open(const char *path)
{
    if (path[0] == '\0')
        return 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "dyad: cannot open the log file %s: %s\n", path, strerror(errno));
        return -1;
    }
    fflush(stderr);
    if (dup2(fd, STDERR_FILENO) < 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- start-up pieces -------------------------------------------------------------- */

static json_t *load_resources(const char *path)
{
    json_error_t err;
    json_t *r = NULL;
    if (path[0] != '\0') {
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

/* The prompt library: a file named by the settings, read and checked now
 * (a malformed entry is refused with the loader's message), or the one
 * built in, parsed and checked when the binary was built
 * (tools/prompts_gen.c). */
static int load_prompts(const char *path, struct prompt_library *lib)
{
    if (path[0] == '\0') {
        *lib = prompts_builtin;
        return 0;
    }
    char err[512];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "dyad: cannot open prompts %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 20;
    char *file = malloc(cap);
    size_t len = file != NULL ? fread(file, 1, cap, f) : 0;
    fclose(f);
    if (file == NULL || len == cap) {
        fprintf(stderr, "dyad: prompts %s: too large or out of memory\n", path);
        free(file);
        return -1;
    }
    int r = prompts_load(lib, file, len, err, sizeof err);
    if (r != 0)
        fprintf(stderr, "dyad: the prompt library is not valid: %s\n", err);
    free(file);
    return r;
}

/* A library named by the settings is read on a thread of its own at
 * start-up, while the main thread opens the database (parsing and checking
 * 1,400 prompts is about a third of the CPU before the first answer); the
 * server starts only once it is in, and a library that is not valid still
 * stops it. The built-in one needs no thread: it is already parsed. */
struct prompts_job {
    const char *path;
    struct prompt_library *lib;
    int rc;
};

static void *prompts_thread(void *arg)
{
    struct prompts_job *j = arg;
    j->rc = load_prompts(j->path, j->lib);
    return NULL;
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
    json_array_foreach(all, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "id")), q.id) == 0) {
            fprintf(stderr, "dyad: %s: the id \"%s\" is taken by another questionnaire\n", name,
                    q.id);
            json_decref(normal);
            return -1;
        }
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

/* SIGHUP: reopen the log, reread the resources and prompts. A file that
 * has become malformed is reported and the old version kept. Requests hold
 * app->reload for reading, so nothing is swapped under one. */
static void reload(struct app *app)
{
    sd_notify(0, "RELOADING=1");
    log_open(app->cfg.log_file);
    json_t *res = load_resources(app->cfg.resources_file);
    struct prompt_library lib = {0};
    int prompts_ok = load_prompts(app->cfg.prompts_file, &lib);
    bool res_ok = res != NULL;
    pthread_rwlock_wrlock(&app->reload);
    if (res_ok) {
        json_t *old = app->resources;
        app->resources = res;
        res = old;
    }
    if (prompts_ok == 0) {
        struct prompt_library old = app->prompts;
        app->prompts = lib;
        lib = old;
    }
    pthread_rwlock_unlock(&app->reload);
    json_decref(res);
    prompts_free(&lib);
    log_event(LOG_INFO, "reload", "SIGHUP: log reopened; resources %s, prompts %s",
              res_ok ? "reread" : "kept (the file is not valid)",
              prompts_ok == 0 ? "reread" : "kept (the file is not valid)");
    sd_notify(0, "READY=1");
}

/* The lock `dyad restore` needs: a server holds it shared for as long as
 * it runs, restore takes it exclusively. It is a file beside a SQLite
 * database ("dyad.db.lock"); other databases have none. -2: held by
 * someone else; -1: cannot be made (a message on stderr). */
static int db_lock(const char *db_url, bool exclusive, int *fd_out)
{
    *fd_out = -1;
    if (strncmp(db_url, "sqlite:", 7) != 0)
        return 0;
    char path[1100];
    snprintf(path, sizeof path, "%s.lock", db_url + 7);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "dyad: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        close(fd);
        return errno == EWOULDBLOCK ? -2 : -1;
    }
    *fd_out = fd;
    return 0;
}

/* ---- commands ---------------------------------------------------------------------- */

/* A file made before dyad set its umask (or by hand) may be readable by
 * others: say so, without changing what the operator chose. */
static void warn_if_open(const char *path)
{
    struct stat st;
    if (path != NULL && stat(path, &st) == 0 && (st.st_mode & 077) != 0)
        log_event(LOG_WARN, "start",
                  "%s is readable or writable by others (mode %04o); chmod 600 it", path,
                  (unsigned)(st.st_mode & 07777));
}

/* The database for a command. Its schema migrations, and with long_command
 * (dyad migrate, copy-db) every statement, are limited by
 * maintenance_timeout (0: no limit); the statements of serve's requests and
 * of the short commands by statement_timeout. PostgreSQL only. */
static struct store *open_db(const struct app_config *cfg, const char *url, bool migrate,
                             bool long_command, char *err, size_t errlen)
{
    struct store *s = store_open_maintenance(url, migrate, cfg->maintenance_timeout, err, errlen);
    if (s != NULL && !long_command)
        store_set_statement_timeout(s, cfg->statement_timeout);
    return s;
}

static int cmd_serve(struct config *c)
{
    /* Signals go to the main thread only, which takes them with sigwait.
     * Block them before any other thread exists (the log flusher is the
     * first): a thread that left SIGTERM unblocked could receive it and
     * the default action would end the process without draining. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* TZ exists before any thread does: the reminder zones (notify/zone.c)
     * only ever replace its value, never add the variable (see there). */
    setenv("TZ", ":UTC", 1);
    /* glibc gives each thread a malloc arena of its own, up to eight per
     * core; the worker threads outnumber the cores (app.c), and only as
     * many run at once as there are cores, so that many arenas are enough:
     * the others were memory held for threads asleep in a commit. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    mallopt(M_ARENA_MAX, cores > 2 ? (int)cores : 2);
    static struct notify notify;

    struct app *app = calloc(1, sizeof *app);
    if (app == NULL)
        return 1;
    app->cfg = c->app;
    /* writers first: a reload waits for requests in flight, not for a stream of new ones */
    pthread_rwlockattr_t rwa;
    pthread_rwlockattr_init(&rwa);
    pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&app->reload, &rwa);
    pthread_rwlockattr_destroy(&rwa);
    int status = 1, lock_fd = -1;
    char err[512];
    struct http_server *server = NULL;
    static struct push_sender push;
    bool curl_ready = false;
    struct prompts_job prompts_job = {.rc = -1};
    pthread_t prompts_tid;
    bool prompts_running = false;
    if (log_open(app->cfg.log_file) != 0)
        goto out;
    enum log_format lf = LOG_PLAIN;
    enum log_level ll = LOG_INFO;
    log_format_parse(app->cfg.log_format, &lf); /* checked by the settings table */
    log_level_parse(app->cfg.log_level, &ll);
    log_setup(lf, ll, app->cfg.log_requests);
    if (dcrypto_init(2) != 0) {
        fprintf(stderr, "dyad: cannot initialise libsodium\n");
        goto out;
    }
    if (dcrypto_load_secret(app->cfg.secret_file, app->secret, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: %s\n", err);
        goto out;
    }
    /* Web Push: libcurl set up while there is one thread, the VAPID key
     * read or made now, before the sandbox leaves only the database's
     * directory writable. */
    if (app->cfg.push_contact[0] != '\0' && strncmp(app->cfg.push_contact, "mailto:", 7) != 0 &&
        strncmp(app->cfg.push_contact, "https://", 8) != 0) {
        fprintf(stderr, "dyad: push contact must be mailto:ADDRESS or an https:// address\n");
        goto out;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "dyad: cannot initialise libcurl\n");
        goto out;
    }
    curl_ready = true;
    if (push_sender_init(&push, app->cfg.vapid_key_file, app->cfg.push_contact,
                         app->cfg.push_allow_http_loopback, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: %s\n", err);
        goto out;
    }
    app->push = &push;
    if ((app->resources = load_resources(app->cfg.resources_file)) == NULL)
        goto out;
    prompts_job.path = app->cfg.prompts_file;
    prompts_job.lib = &app->prompts;
    prompts_running = app->cfg.prompts_file[0] != '\0' &&
                      pthread_create(&prompts_tid, NULL, prompts_thread, &prompts_job) == 0;
    if (!prompts_running)
        prompts_thread(&prompts_job);
    if ((app->questionnaires = load_questionnaires()) == NULL)
        goto out;
    if (db_lock(app->cfg.db_url, false, &lock_fd) != 0) {
        fprintf(stderr, "dyad: the database is being restored; try again when that is done\n");
        goto out;
    }
    /* SQLite spills big sorts to temporary files, by default in /tmp; the
     * sandbox leaves only the database's directory writable, so they go
     * there (each is unlinked as soon as it is made). */
    if (app->cfg.sandbox && strncmp(app->cfg.db_url, "sqlite:", 7) == 0) {
        char dbdir[1024];
        snprintf(dbdir, sizeof dbdir, "%s", app->cfg.db_url + 7);
        setenv("SQLITE_TMPDIR", dirname(dbdir), 1);
    }
    app->store = open_db(&app->cfg, app->cfg.db_url, true, false, err, sizeof err);
    if (app->store == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        goto out;
    }
    if (load_stored_questionnaires(app->store, app->questionnaires) != 0)
        goto out;
    app->questionnaire_defs = parsed_defs;
    warn_if_open(strncmp(app->cfg.db_url, "sqlite:", 7) == 0 ? app->cfg.db_url + 7 : NULL);
    warn_if_open(app->cfg.secret_file);
    warn_if_open(app->cfg.vapid_key_file);
    app->routes = app_routes;
    app->n_routes = app_routes_count;
    if (prompts_running) {
        pthread_join(prompts_tid, NULL);
        prompts_running = false;
    }
    if (prompts_job.rc != 0)
        goto out;

    struct http_server_config hc = {
        .listen_addr = app->cfg.listen_addr,
        .port = app->cfg.port,
        .threads = app->cfg.threads,
        .max_body = app->cfg.max_body,
        .connection_limit = app->cfg.max_connections,
        .per_ip_limit = app->cfg.max_connections_per_address,
        .per_ip_exempt = &app->cfg.trusted_proxies,
        .timeout_seconds = 30,
        .header_timeout_seconds = app->cfg.header_timeout,
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
    if (app_set_public_url(app, app->cfg.public_url[0] ? app->cfg.public_url : bound) != 0) {
        fprintf(stderr, "dyad: --public-url must look like https://host[:port]\n");
        goto out;
    }
    /* Reminders: the relay's settings and password file, read before the
     * sandbox; the scheduler starts with the workers. */
    if (notify_init(&notify, &app->cfg, app->store, app->secret, app->origin, err, sizeof err) !=
        0) {
        fprintf(stderr, "dyad: reminders: %s\n", err);
        goto out;
    }
    app->notify = &notify;
    app->insights = insights_cache_new(INSIGHTS_CACHE_BYTES);
    notify.push = &push; /* the scheduler's Web Push channel */
    if (push.contact[0] == '\0' && app->tls)
        snprintf(push.contact, sizeof push.contact, "%s", app->origin);
    /* Everything is open: give up what serving does not need, before any
     * worker thread exists (Landlock binds the calling thread and those it
     * starts). */
    int landlock = 0;
    if (app->cfg.sandbox && sandbox_apply(&app->cfg, &landlock, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: sandbox: %s (sandbox = no turns it off)\n", err);
        goto out;
    }
    if (http_server_run(server, app_handle, app) != 0)
        goto out;
    if (notify_start(&notify) != 0) {
        fprintf(stderr, "dyad: cannot start the reminder scheduler\n");
        goto out;
    }
    if (app->cfg.smtp_url[0] != '\0')
        log_event(LOG_INFO, "start", "e-mail reminders through %s (STARTTLS %s)", app->cfg.smtp_url,
                  app->cfg.smtp_starttls);
    else
        log_event(LOG_INFO, "start", "no SMTP relay configured: no e-mail reminders");
    printf("dyad: listening on %s (public URL %s)\n", bound, app->origin);
    if (!app->cfg.sandbox)
        log_event(LOG_WARN, "start", "the sandbox is off (sandbox = no)");
    if (app->cfg.push_allow_http_loopback)
        log_event(
            LOG_WARN, "start",
            "push endpoints on http://127.0.0.1 are accepted (allow_http_loopback: tests only)");
    else
        log_event(LOG_INFO, "start", "sandbox: no new privileges, system call allowlist, %s",
                  landlock > 0 ? "Landlock (writable: the database directory)"
                               : "no Landlock in this kernel");
    fflush(stdout);
    log_event(LOG_INFO, "start", "listening on %s (public URL %s)", bound, app->origin);
    sd_notifyf(0, "READY=1\nSTATUS=serving on %s", bound);
    sandbox_test_probe();

    for (;;) {
        int sig = 0;
        sigwait(&sigs, &sig);
        if (sig == SIGHUP) {
            reload(app);
            continue;
        }
        log_event(LOG_INFO, "stop", "%s received, finishing requests (up to %u s)",
                  sig == SIGINT ? "SIGINT" : "SIGTERM", app->cfg.shutdown_timeout);
        break;
    }
    sd_notify(0, "STOPPING=1");
    http_server_stop(server, app->cfg.shutdown_timeout * 1000u);
    server = NULL;
    status = 0;
out:
    if (prompts_running) /* a failure while the library was still being read */
        pthread_join(prompts_tid, NULL);
    http_server_stop(server, 0);
    notify_stop(&notify); /* after the workers: a request may still wake it */
    store_close(app->store);
    if (lock_fd >= 0)
        close(lock_fd);
    push_sender_free(&push);
    if (curl_ready)
        curl_global_cleanup();
    json_decref(app->resources);
    prompts_free(&app->prompts);
    json_decref(app->questionnaires);
    free(parsed_defs);
    parsed_defs = NULL;
    insights_cache_free(app->insights);
    pthread_rwlock_destroy(&app->reload);
    free(app);
    if (status == 0)
        log_event(LOG_INFO, "stop", "stopped cleanly");
    log_stop();
    return status;
}

static int cmd_migrate(struct config *c)
{
    char err[512];
    struct store *s = open_db(&c->app, c->app.db_url, true, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    printf("dyad: schema at version %d\n", store_schema_version(s));
    store_close(s);
    return 0;
}

static int cmd_backup(struct config *c)
{
    const char *file = c->positional[0];
    if (access(file, F_OK) == 0) {
        fprintf(stderr, "dyad: %s exists; choose a new file\n", file);
        return 1;
    }
    char err[512];
    struct store *s = open_db(&c->app, c->app.db_url, false, false, err, sizeof err);
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

static int cmd_restore(struct config *c)
{
    const char *file = c->positional[0];
    int lock_fd;
    int l = db_lock(c->app.db_url, true, &lock_fd);
    if (l == -2) {
        fprintf(stderr, "dyad: a dyad server is using %s; stop it before restoring\n",
                c->app.db_url);
        return 1;
    }
    if (l != 0)
        return 1;
    char err[512];
    int version = 0;
    enum store_result r = store_restore(c->app.db_url, file, &version, err, sizeof err);
    if (lock_fd >= 0)
        close(lock_fd);
    if (r != STORE_OK) {
        fprintf(stderr, "dyad: %s\n", err);
        return 1;
    }
    printf("dyad: restored %s into %s (schema version %d)\n", file, c->app.db_url, version);
    return 0;
}

static void copied_table(void *ctx, const char *table, int64_t rows, const char *digest_hex)
{
    int64_t *total = ctx;
    *total += rows;
    printf("  %-20s %8lld rows  %.16s\n", table, (long long)rows, digest_hex);
}

/* dyad copy-db FROM TO: every row of one database into a new, empty one
 * (SQLite to PostgreSQL is the way up), checked table by table. */
static int cmd_copy_db(struct config *c)
{
    const char *from_url = c->positional[0], *to_url = c->positional[1];
    char err[512];
    /* the source as it is (refused when outdated), the target brought up to date */
    struct store *from = open_db(&c->app, from_url, false, true, err, sizeof err);
    if (from == NULL) {
        fprintf(stderr, "dyad: %s: %s\n", from_url, err);
        return 1;
    }
    struct store *to = open_db(&c->app, to_url, true, true, err, sizeof err);
    if (to == NULL) {
        fprintf(stderr, "dyad: %s: %s\n", to_url, err);
        store_close(from);
        return 1;
    }
    printf("dyad: copying %s (%s) into %s (%s)\n", from_url, store_backend_name(from), to_url,
           store_backend_name(to));
    int64_t total = 0;
    enum store_result r = store_copy(from, to, copied_table, &total, err, sizeof err);
    store_close(to);
    store_close(from);
    if (r != STORE_OK) {
        fprintf(stderr, "dyad: copy-db: %s\n", err);
        return 1;
    }
    printf("dyad: copied %lld rows; every table's row count and digest match\n", (long long)total);
    return 0;
}

/* dyad therapist add EMAIL: a one-time setup link, valid for 7 days. Only
 * the link's hash is stored; the link itself is printed once. */
static int cmd_therapist_add(struct config *c)
{
    char email[STORE_EMAIL_MAX];
    snprintf(email, sizeof email, "%s", c->positional[0]);
    if (validate_email(email) != 0) {
        fprintf(stderr, "dyad: '%s' is not an e-mail address\n", c->positional[0]);
        return 2;
    }
    validate_email_normalize(email);
    char public_url[512];
    snprintf(public_url, sizeof public_url, "%s", c->app.public_url);
    if (public_url[0] == '\0')
        snprintf(public_url, sizeof public_url, "http://%s:%u", c->app.listen_addr, c->app.port);
    size_t ul = strlen(public_url);
    if (ul > 0 && public_url[ul - 1] == '/')
        public_url[ul - 1] = '\0';
    if (dcrypto_init(1) != 0) {
        fprintf(stderr, "dyad: cannot initialise libsodium\n");
        return 1;
    }
    char err[512];
    struct store *s = open_db(&c->app, c->app.db_url, true, false, err, sizeof err);
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
 * and stores it; the server offers it from its next start. */
static int cmd_questionnaire_add(struct config *c)
{
    const char *path = c->positional[0];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "dyad: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    static char buf[256 * 1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    bool too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "dyad: %s is over 256 KiB\n", path);
        return 1;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        fprintf(stderr, "dyad: %s contains a NUL byte\n", path);
        return 1;
    }
    json_t *all = load_questionnaires();
    if (all == NULL)
        return 1;
    char err[512];
    struct store *s = open_db(&c->app, c->app.db_url, true, false, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "dyad: %s\n", err);
        json_decref(all);
        free(parsed_defs);
        parsed_defs = NULL;
        return 1;
    }
    int status = 1;
    if (load_stored_questionnaires(s, all) == 0 && add_questionnaire(all, path, buf, n) == 0) {
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

static int cmd_config_check(struct config *c)
{
    config_print(c, stdout);
    return 0;
}

static int cmd_config_reference(struct config *c)
{
    if (config_reference(c->positional[0], stdout) != 0) {
        fprintf(stderr, "dyad: config reference wants man, markdown or flags\n");
        return 2;
    }
    return 0;
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* The command named by argv[1] (and argv[2] for two-word commands); *used
 * is how many words it took. */
static const struct command *find_command(int argc, char **argv, int *used)
{
    for (size_t i = 0; i < n_commands; i++) {
        const char *name = commands[i].name;
        const char *space = strchr(name, ' ');
        if (space == NULL && argc >= 2 && strcmp(argv[1], name) == 0) {
            *used = 1;
            return &commands[i];
        }
        if (space != NULL && argc >= 3 && strncmp(argv[1], name, (size_t)(space - name)) == 0 &&
            argv[1][space - name] == '\0' && strcmp(argv[2], space + 1) == 0) {
            *used = 2;
            return &commands[i];
        }
    }
    return NULL;
}

static int help(int argc, char **argv)
{
    if (argc <= 2) {
        usage(stdout);
        return 0;
    }
    int used;
    const struct command *cmd = find_command(argc - 1, argv + 1, &used);
    if (cmd == NULL) {
        /* "dyad help therapist" or "dyad help config": every command of the group */
        bool any = false;
        for (size_t i = 0; i < n_commands; i++) {
            size_t n = strlen(argv[2]);
            if (strncmp(commands[i].name, argv[2], n) == 0 && commands[i].name[n] == ' ') {
                fprintf(stdout, "usage: dyad %s %s\n  %s\n\n", commands[i].name,
                        commands[i].synopsis, commands[i].about);
                any = true;
            }
        }
        if (strcmp(argv[2], "client") == 0) {
            client_usage(stdout);
            any = true;
        }
        if (strcmp(argv[2], "version") == 0 || strcmp(argv[2], "help") == 0) {
            usage(stdout);
            any = true;
        }
        if (!any) {
            fprintf(stderr, "dyad: no command '%s'\n", argv[2]);
            return 2;
        }
        return 0;
    }
    command_help(cmd, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    /* Everything dyad creates — the database and its WAL and SHM files,
     * backups, the server secret, the log file, any directory — is for the
     * dyad user alone, whatever umask it was started with: files 0600,
     * directories 0700 (tests/api/files.test.mjs). */
    umask(077);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *word = argv[1];
    if (strcmp(word, "help") == 0 || strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)
        return help(argc, argv);
    if (strcmp(word, "version") == 0 || strcmp(word, "--version") == 0) {
        puts("dyad " DYAD_VERSION);
        return 0;
    }
    if (strcmp(word, "client") == 0)
        return client_main(argc - 1, argv + 1);
    int used = 0;
    const struct command *cmd = find_command(argc, argv, &used);
    if (cmd == NULL) {
        fprintf(stderr, "dyad: unknown command '%s'\n", word);
        usage(stderr);
        return 2;
    }
    struct config *c = malloc(sizeof *c);
    if (c == NULL)
        return 1;
    char err[600];
    int status;
    if (config_load(c, argc - used, argv + used, cmd->positional, cmd->run == cmd_config_check,
                    env_get, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: %s\n", err);
        status = 2;
    } else if (c->help) {
        command_help(cmd, stdout);
        status = 0;
    } else if (c->n_positional < cmd->required) {
        fprintf(stderr, "usage: dyad %s %s\n", cmd->name, cmd->synopsis);
        status = 2;
    } else {
        if (cmd->run == cmd_config_check)
            printf("; configuration is valid\n");
        status = cmd->run(c);
    }
    free(c);
    return status;
}
