/*
 * notify.c — the reminder scheduler (see notify.h).
 *
 * One thread per server. Each pass it:
 *   1. reads the reminders whose next_at has come (store_reminders_due),
 *      works out each one's following time (core/remind.h, in the person's
 *      zone) and claims it with store_reminder_claim — a compare-and-set on
 *      next_at in one transaction that also queues one send per channel the
 *      person chose and this server can use. Only the server whose update
 *      changed the row queues anything, so with several servers over one
 *      PostgreSQL database a reminder is claimed once. A reminder more than
 *      REMIND_LATE_MAX late (the servers were down) is moved on unsent;
 *   2. reads the sends whose try_at has come (store_sends_due), takes each
 *      with store_send_claim (another compare-and-set, moving try_at a lease
 *      ahead, so a server that dies mid-send leaves it to be retried), and
 *      hands it to its channel: sent → removed; a passing failure → tried
 *      again after core/remind.h's back-off, until it gives up; a refusal
 *      for good → removed. Each outcome is logged and counted for /metrics.
 * Between passes it sleeps REMIND_TICK seconds, or until notify_wake.
 *
 * The test clock: in a build with DYAD_TEST_HOOKS (the ASan build the tests
 * run), DYAD_TEST_CLOCK_FILE names a file holding a Unix time; while it
 * exists, that number is the scheduler's "now" (requests keep the real
 * clock). The release build ignores the variable and says so in the log;
 * the test build logs a warning at start whenever it is honoured.
 */
#include "notify/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/remind.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/log.h"

enum {
    TICK_MS = 15000,    /* between passes, unless woken */
    TEST_TICK_MS = 200, /* under the test clock */
    BATCH = 32,         /* rows a pass reads at once */
    LEASE = 600,        /* seconds a server holds a send it is sending */
};

const struct notify_channel *const notify_channels[] = {&notify_email, &notify_push};
const size_t notify_channels_count = sizeof notify_channels / sizeof notify_channels[0];
_Static_assert(sizeof notify_channels / sizeof notify_channels[0] <= NOTIFY_CHANNELS_MAX,
               "raise NOTIFY_CHANNELS_MAX");

const struct notify_channel *notify_channel_find(const char *name)
{
    for (size_t i = 0; i < notify_channels_count; i++)
        if (strcmp(notify_channels[i]->name, name) == 0)
            return notify_channels[i];
    return NULL;
}

static size_t channel_index(const struct notify_channel *ch)
{
    for (size_t i = 0; i < notify_channels_count; i++)
        if (notify_channels[i] == ch)
            return i;
    return 0;
}

void notify_text(const char *purpose, const char **subject, const char **text)
{
    if (strcmp(purpose, "measure") == 0) {
        *subject = "A short questionnaire in dyad";
        *text = "A short questionnaire is waiting in dyad, if you like.";
    } else {
        *subject = "A moment for dyad";
        *text = "A moment for dyad, if you like.";
    }
}

/* ---- the stop token ------------------------------------------------------------- */

void notify_stop_token(const unsigned char secret[32], const char *user_id, char out[44])
{
    unsigned char mac[32];
    dcrypto_keyed_hash(secret, "reminder-stop", user_id, mac, sizeof mac);
    sodium_bin2base64(out, 44, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool notify_stop_token_ok(const unsigned char secret[32], const char *user_id, const char *token)
{
    char want[44];
    notify_stop_token(secret, user_id, want);
    return strlen(token) == strlen(want) && sodium_memcmp(want, token, strlen(want)) == 0;
}

/* ---- the clock -------------------------------------------------------------------- */

int64_t notify_now(const struct notify *n)
{
#ifdef DYAD_TEST_HOOKS
    if (n != NULL && n->test_clock[0] != '\0') {
        FILE *f = fopen(n->test_clock, "r");
        long long t = 0;
        bool ok = f != NULL && fscanf(f, "%lld", &t) == 1 && t > 0;
        if (f != NULL)
            fclose(f);
        if (ok)
            return (int64_t)t;
    }
#else
    (void)n;
#endif
    return (int64_t)time(NULL);
}

/* ---- set-up ------------------------------------------------------------------------ */

struct sched {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, stopping, woken;
};

/* The first line of path, without its end of line. */
static int read_first_line(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read the SMTP password file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fgets(out, (int)cap, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (out[0] == '\0') {
        snprintf(err, errlen, "the SMTP password file %s is empty", path);
        return -1;
    }
    return 0;
}

int notify_init(struct notify *n, const struct app_config *cfg, struct store *store,
                const unsigned char secret[32], const char *origin, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->cfg = cfg;
    n->store = store;
    n->secret = secret;
    snprintf(n->origin, sizeof n->origin, "%s", origin);
    if (cfg->smtp_url[0] != '\0' && cfg->mail_from[0] == '\0') {
        snprintf(err, errlen, "mail.from (--mail-from) is needed with mail.smtp_url");
        return -1;
    }
    if (cfg->smtp_password_file[0] != '\0' &&
        read_first_line(cfg->smtp_password_file, n->smtp_password, sizeof n->smtp_password, err,
                        errlen) != 0)
        return -1;
    if (cfg->smtp_password_file[0] != '\0' && cfg->smtp_user[0] == '\0') {
        snprintf(err, errlen, "mail.smtp_password_file needs mail.smtp_user");
        return -1;
    }
    const char *clock = getenv("DYAD_TEST_CLOCK_FILE");
    if (clock != NULL && clock[0] != '\0') {
#ifdef DYAD_TEST_HOOKS
        snprintf(n->test_clock, sizeof n->test_clock, "%s", clock);
        log_event(LOG_WARN, "remind",
                  "TEST CLOCK: reminders run on the time in %s (DYAD_TEST_CLOCK_FILE; a test "
                  "build only)",
                  clock);
#else
        log_event(LOG_WARN, "remind", "DYAD_TEST_CLOCK_FILE is ignored: this is not a test build");
#endif
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return -1;
    }
    struct sched *s = calloc(1, sizeof *s);
    if (s == NULL) {
        curl_global_cleanup();
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    n->priv = s;
    return 0;
}

/* ---- pass 1: claiming reminders ------------------------------------------------ */

struct due_list {
    struct reminder r[BATCH];
    size_t n;
};

static void due_add(void *ctx, const struct reminder *r)
{
    struct due_list *l = ctx;
    if (l->n < BATCH)
        l->r[l->n++] = *r;
}

struct waiting {
    int64_t today;
    bool due;
};

static void measure_waiting(void *ctx, const char *starts_on, int every_days, int last_period)
{
    struct waiting *w = ctx;
    long start;
    if (date_parse(starts_on, &start) == 0 &&
        remind_measure_due(start, every_days, w->today, last_period))
        w->due = true;
}

/* "checkin", or "measure" when a questionnaire is waiting for the person on
 * their local day. */
static const char *purpose_for(struct notify *n, const struct reminder *r, int64_t at)
{
    int32_t off = 0;
    if (zone_offset((void *)r->zone, at, &off) != 0)
        off = 0;
    struct waiting w = {(at + off) / 86400, false};
    if (store_measures_waiting(n->store, r->user_id, measure_waiting, &w) != STORE_OK)
        return "checkin";
    return w.due ? "measure" : "checkin";
}

static size_t claim_due(struct notify *n, int64_t now)
{
    static struct due_list due; /* the scheduler thread's only */
    due.n = 0;
    if (store_reminders_due(n->store, now, BATCH, due_add, &due) != STORE_OK)
        return 0;
    for (size_t i = 0; i < due.n; i++) {
        const struct reminder *r = &due.r[i];
        int64_t next;
        if (remind_next(now, r->days, r->minute, zone_offset, (void *)r->zone, &next) != 0) {
            log_event(LOG_WARN, "remind", "a reminder's zone %s cannot be read; next try in a day",
                      r->zone);
            next = now + 86400;
        }
        struct reminder_send sends[NOTIFY_CHANNELS_MAX];
        size_t ns = 0;
        bool on_time = remind_on_time(r->next_at, now);
        const char *purpose = on_time ? purpose_for(n, r, now) : "checkin";
        /* the channels the person chose that this server can use */
        char names[STORE_CHANNELS_MAX];
        snprintf(names, sizeof names, "%s", r->channels);
        char *save = NULL;
        for (char *w = strtok_r(names, " ", &save);
             on_time && w != NULL && ns < NOTIFY_CHANNELS_MAX; w = strtok_r(NULL, " ", &save)) {
            const struct notify_channel *ch = notify_channel_find(w);
            if (ch == NULL || !ch->available(n))
                continue;
            struct reminder_send *x = &sends[ns++];
            memset(x, 0, sizeof *x);
            dcrypto_random_id("rs-", x->id, sizeof x->id);
            snprintf(x->channel, sizeof x->channel, "%s", ch->name);
            snprintf(x->purpose, sizeof x->purpose, "%s", purpose);
            x->due_at = r->next_at;
            x->try_at = now;
        }
        enum store_result res =
            store_reminder_claim(n->store, r->user_id, r->next_at, next, sends, ns);
        if (res == STORE_OK) {
            atomic_fetch_add(&n->stats.claimed, 1);
            if (!on_time)
                log_event(LOG_INFO, "remind", "a reminder %lld s late was skipped",
                          (long long)(now - r->next_at));
        } else if (res != STORE_CONFLICT) {
            log_event(LOG_WARN, "remind", "claiming a reminder failed (database)");
        }
    }
    return due.n;
}

/* ---- pass 2: sending ---------------------------------------------------------------- */

struct send_list {
    struct reminder_send x[BATCH];
    size_t n;
};

static void send_add(void *ctx, const struct reminder_send *x)
{
    struct send_list *l = ctx;
    if (l->n < BATCH)
        l->x[l->n++] = *x;
}

static void send_one(struct notify *n, const struct reminder_send *x, int64_t now)
{
    if (store_send_claim(n->store, x->id, x->try_at, now + LEASE) != STORE_OK)
        return; /* another server has it, or it is gone */
    const struct notify_channel *ch = notify_channel_find(x->channel);
    size_t ci = ch != NULL ? channel_index(ch) : 0;
    struct user u;
    if (ch == NULL || !ch->available(n) || now - x->due_at > REMIND_GIVE_UP ||
        store_user_by_id(n->store, x->user_id, &u) != STORE_OK) {
        store_send_done(n->store, x->id);
        if (ch != NULL)
            atomic_fetch_add(&n->stats.dropped[ci], 1);
        log_event(LOG_INFO, "remind",
                  "send %s dropped: channel %s unavailable, too late or no "
                  "account",
                  x->id, x->channel);
        return;
    }
    char token[44], stop_url[700], open_url[600];
    notify_stop_token(n->secret, u.id, token);
    snprintf(stop_url, sizeof stop_url, "%s/reminders/stop/%s/%s", n->origin, u.id, token);
    snprintf(open_url, sizeof open_url, "%s/", n->origin);
    struct notify_message m = {
        .purpose = x->purpose, .open_url = open_url, .stop_url = stop_url, .at = now};
    notify_text(x->purpose, &m.subject, &m.text);
    char err[CURL_ERROR_SIZE + 64] = "";
    enum notify_result res = ch->send(n, &u, &m, err, sizeof err);
    sodium_memzero(&u, sizeof u);
    if (res == NOTIFY_SENT) {
        store_send_done(n->store, x->id);
        atomic_fetch_add(&n->stats.sent[ci], 1);
        log_event(LOG_INFO, "remind", "send %s (%s) handed over", x->id, x->channel);
        return;
    }
    atomic_fetch_add(&n->stats.failed[ci], 1);
    int tries = x->tries + 1;
    int64_t next;
    if (res == NOTIFY_RETRY && remind_retry(tries, x->due_at, now, &next)) {
        store_send_retry(n->store, x->id, tries, next);
        log_event(LOG_WARN, "remind", "send %s (%s) failed (try %d): %s; next try in %lld s", x->id,
                  x->channel, tries, err, (long long)(next - now));
        return;
    }
    store_send_done(n->store, x->id);
    atomic_fetch_add(&n->stats.dropped[ci], 1);
    log_event(LOG_WARN, "remind", "send %s (%s) given up after %d tries: %s", x->id, x->channel,
              tries, err);
}

static size_t send_due(struct notify *n, int64_t now)
{
    static struct send_list due; /* the scheduler thread's only */
    due.n = 0;
    if (store_sends_due(n->store, now, BATCH, send_add, &due) != STORE_OK)
        return 0;
    for (size_t i = 0; i < due.n; i++)
        send_one(n, &due.x[i], now);
    return due.n;
}

/* ---- the thread ------------------------------------------------------------------ */

static void *scheduler(void *arg)
{
    struct notify *n = arg;
    struct sched *s = n->priv;
    unsigned tick = n->test_clock[0] != '\0' ? TEST_TICK_MS : TICK_MS;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stopping;
        s->woken = false;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        int64_t now = notify_now(n);
        size_t busy = claim_due(n, now);
        busy += send_due(n, now);
        atomic_store(&n->stats.last_pass, now);
        if (busy >= BATCH)
            continue; /* more waiting: no sleep */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += tick / 1000;
        until.tv_nsec += (long)(tick % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&s->mu);
        while (!s->stopping && !s->woken)
            if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

int notify_start(struct notify *n)
{
    struct sched *s = n->priv;
    if (s == NULL || pthread_create(&s->thread, NULL, scheduler, n) != 0)
        return -1;
    s->started = true;
    return 0;
}

void notify_wake(struct notify *n)
{
    struct sched *s = n != NULL ? n->priv : NULL;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->woken = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void notify_stop(struct notify *n)
{
    struct sched *s = n != NULL ? n->priv : NULL;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
    n->priv = NULL;
    sodium_memzero(n->smtp_password, sizeof n->smtp_password);
    curl_global_cleanup();
}
