/*
 * store.c — every store.h function, once, over either backend.
 *
 * store_open picks the backend from the database URL (backend.h); the rest
 * of this file is the store's SQL and its rules, in the order store.h
 * declares them. Each function is one transaction: begin, its statements,
 * end (which commits a write only when everything went well). Rows come
 * back through one row-stepping helper (each_row, first_row) and small row
 * readers per table.
 *
 * The rules a backend must not repeat live here: an invite is used once,
 * before it expires, by someone other than the creator, into a dyad that
 * has not ended and has one member; a share takes at most
 * STORE_RESPONSES_MAX responses; entry ids are one space for shares and
 * responses; a new browser leaves a notice unless it is the account's
 * first; a dyad has one therapist; a private check-in is answered once.
 */
#include <assert.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/backend.h"

/* ---- parameters and rows -------------------------------------------------- */

#define T(x)    ((struct sql_value){SQL_TEXT, 0, (x), 0})
#define I(x)    ((struct sql_value){SQL_INT, (int64_t)(x), NULL, 0})
#define B(p, n) ((struct sql_value){SQL_BLOB, 0, (p), (n)})
#define NUL     ((struct sql_value){SQL_NULL, 0, NULL, 0})
/* A parameter list: ARGS(T(id), I(now)) gives the array and its length. */
#define ARGS(...)                                                                                  \
    (const struct sql_value[]){__VA_ARGS__},                                                       \
        (int)(sizeof((const struct sql_value[]){__VA_ARGS__}) / sizeof(struct sql_value))

typedef enum store_result row_fn(struct sql_rows *q, void *arg);

/* Database time for /metrics: each transaction from begin to end, whichever
 * backend (a nested begin, as store_copy's two sides, counts once). */
static atomic_uint_fast64_t stats_transactions, stats_nanos;
static _Thread_local int tx_depth;
static _Thread_local int64_t tx_started;

static int64_t now_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Commits of writes (store_note_commit). */
const uint64_t store_commit_bounds_us[STORE_COMMIT_BUCKETS - 1] = {
    250, 500, 1000, 2000, 5000, 10000, 25000, 100000, 1000000};
static atomic_uint_fast64_t stats_commits, stats_commit_failures, stats_commit_writes,
    stats_commit_nanos, stats_retries, stats_by_writes[STORE_GROUP_BUCKETS],
    stats_by_time[STORE_COMMIT_BUCKETS];
static atomic_int_fast64_t stats_waiting;
static _Thread_local bool tx_write;

void store_note_commit(unsigned writes, int64_t nanos, bool ok)
{
    atomic_fetch_add(&stats_commits, 1);
    atomic_fetch_add(&stats_commit_nanos, (uint_fast64_t)(nanos > 0 ? nanos : 0));
    if (!ok) {
        atomic_fetch_add(&stats_commit_failures, 1);
        return;
    }
    atomic_fetch_add(&stats_commit_writes, writes);
    int b = 0;
    while (b + 1 < STORE_GROUP_BUCKETS && writes > (1u << b))
        b++;
    atomic_fetch_add(&stats_by_writes[b], 1);
    int t = 0;
    while (t + 1 < STORE_COMMIT_BUCKETS && (uint64_t)nanos > store_commit_bounds_us[t] * 1000)
        t++;
    atomic_fetch_add(&stats_by_time[t], 1);
}

void store_note_retry(void)
{
    atomic_fetch_add(&stats_retries, 1);
}

void store_note_waiting(int delta)
{
    atomic_fetch_add(&stats_waiting, delta);
}

void store_stats_read(struct store_stats *out)
{
    out->transactions = atomic_load(&stats_transactions);
    out->nanos = atomic_load(&stats_nanos);
    out->commits = atomic_load(&stats_commits);
    out->commit_failures = atomic_load(&stats_commit_failures);
    out->commit_writes = atomic_load(&stats_commit_writes);
    out->commit_nanos = atomic_load(&stats_commit_nanos);
    for (int i = 0; i < STORE_GROUP_BUCKETS; i++)
        out->by_writes[i] = atomic_load(&stats_by_writes[i]);
    for (int i = 0; i < STORE_COMMIT_BUCKETS; i++)
        out->by_time[i] = atomic_load(&stats_by_time[i]);
    out->retries = atomic_load(&stats_retries);
    int64_t w = atomic_load(&stats_waiting);
    out->waiting = w > 0 ? (uint64_t)w : 0;
}

static enum store_result begin(struct store *s, enum store_tx tx, struct sql_conn **c)
{
    if (tx_depth++ == 0) {
        tx_started = now_nanos();
        tx_write = tx == STORE_TX_WRITE;
    }
    enum store_result r = s->b->begin(s, tx, c);
    if (r != STORE_OK)
        tx_depth--;
    return r;
}

static enum store_result end(struct store *s, struct sql_conn *c, enum store_result r)
{
    /* a backend without group commit commits each write call alone */
    bool commits = !s->b->group_commit && tx_write && tx_depth == 1 && r == STORE_OK;
    int64_t t0 = commits ? now_nanos() : 0;
    r = s->b->end(s, c, r);
    if (commits)
        store_note_commit(1, now_nanos() - t0, r == STORE_OK);
    if (--tx_depth == 0) {
        atomic_fetch_add(&stats_transactions, 1);
        atomic_fetch_add(&stats_nanos, (uint_fast64_t)(now_nanos() - tx_started));
    }
    return r;
}

/* A statement without rows. */
static enum store_result run(struct sql_conn *c, const char *sql, const struct sql_value *v, int n)
{
    return c->b->exec(c, sql, v, n, NULL);
}

/* A statement without rows that must change exactly one row; otherwise
 * `none` (STORE_NOT_FOUND or STORE_CONFLICT). */
static enum store_result run_one(struct sql_conn *c, enum store_result none, const char *sql,
                                 const struct sql_value *v, int n)
{
    int64_t changes = 0;
    enum store_result r = c->b->exec(c, sql, v, n, &changes);
    return r == STORE_OK && changes != 1 ? none : r;
}

/* Steps through the rows of sql, giving each to fn; fn may stop the walk by
 * returning anything but STORE_OK, which is then the result. STORE_OK at
 * the end of the rows. */
static enum store_result each_row(struct sql_conn *c, const char *sql, const struct sql_value *v,
                                  int n, row_fn *fn, void *arg)
{
    struct sql_rows *q;
    enum store_result r = c->b->query(c, sql, v, n, &q);
    if (r != STORE_OK)
        return r;
    while ((r = c->b->next(q)) == STORE_OK) {
        r = fn(q, arg);
        if (r != STORE_OK)
            break;
    }
    c->b->done(q);
    return r == STORE_NOT_FOUND ? STORE_OK : r;
}

/* The first row of sql to fn; STORE_NOT_FOUND when there is none. */
static enum store_result first_row(struct sql_conn *c, const char *sql, const struct sql_value *v,
                                   int n, row_fn *fn, void *arg)
{
    struct sql_rows *q;
    enum store_result r = c->b->query(c, sql, v, n, &q);
    if (r != STORE_OK)
        return r;
    r = c->b->next(q);
    if (r == STORE_OK)
        r = fn(q, arg);
    c->b->done(q);
    return r;
}

static int64_t col_int(struct sql_rows *q, int i)
{
    return q->b->col_int(q, i);
}

static bool col_null(struct sql_rows *q, int i)
{
    return q->b->col_type(q, i) == SQL_NULL;
}

static void col_text(struct sql_rows *q, int i, char *out, size_t cap)
{
    size_t len = 0;
    const char *t = q->b->col_type(q, i) == SQL_TEXT ? q->b->col_bytes(q, i, &len) : NULL;
    if (t == NULL)
        len = 0;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, t != NULL ? t : "", len);
    out[len] = '\0';
}

/* Copies a BLOB column of exactly n bytes; false when it is not one. */
static bool col_blob(struct sql_rows *q, int i, void *out, size_t n)
{
    size_t len;
    if (q->b->col_type(q, i) != SQL_BLOB)
        return false;
    const void *p = q->b->col_bytes(q, i, &len);
    if (len != n)
        return false;
    memcpy(out, p, n);
    return true;
}

/* A BLOB column, borrowed until the next row; NULL (and 0) when NULL. */
static const unsigned char *col_bytes(struct sql_rows *q, int i, size_t *len)
{
    *len = 0;
    if (q->b->col_type(q, i) != SQL_BLOB)
        return NULL;
    const unsigned char *p = q->b->col_bytes(q, i, len);
    return p != NULL ? p : (const unsigned char *)"";
}

static enum store_result row_int(struct sql_rows *q, void *arg)
{
    *(int64_t *)arg = col_int(q, 0);
    return STORE_OK;
}

/* A one-number query (count(*), …). */
static enum store_result one_int(struct sql_conn *c, const char *sql, const struct sql_value *v,
                                 int n, int64_t *out)
{
    *out = 0;
    return first_row(c, sql, v, n, row_int, out);
}

/* ---- open, migrate, close ------------------------------------------------- */

struct store *store_open_maintenance(const char *url, bool migrate, unsigned seconds, char *err,
                                     size_t errlen)
{
    unsigned ms = seconds * 1000u;
    if (strncmp(url, "sqlite:", 7) == 0)
        return store_sqlite.open(url + 7, migrate, ms, err, errlen);
    /* a libpq URL, or key=value conninfo marked with "postgres:" */
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return store_postgres.open(url, migrate, ms, err, errlen);
    if (strncmp(url, "postgres:", 9) == 0)
        return store_postgres.open(url + 9, migrate, ms, err, errlen);
    snprintf(err, errlen,
             "unknown database URL '%s' (expected sqlite:PATH, postgres://… or "
             "postgres:KEY=VALUE …)",
             url);
    return NULL;
}

struct store *store_open(const char *url, bool migrate, char *err, size_t errlen)
{
    struct store *s = store_open_maintenance(url, migrate, 0, err, errlen);
    if (s != NULL)
        store_set_statement_timeout(s, STORE_STATEMENT_TIMEOUT);
    return s;
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->b->close(s);
}

const char *store_backend_name(struct store *s)
{
    return s->b->name;
}

void store_set_statement_timeout(struct store *s, unsigned seconds)
{
    s->statement_timeout_ms = seconds * 1000u;
}

int store_schema_version(struct store *s)
{
    return s->version;
}

enum store_result store_health(struct store *s)
{
    return s->b->health(s);
}

static enum store_result count_row(struct sql_rows *q, void *arg)
{
    *(int64_t *)arg = col_int(q, 0);
    return STORE_OK;
}

enum store_result store_sessions_active(struct store *s, int64_t seen_after, int64_t created_after,
                                        int64_t *count)
{
    struct sql_conn *c;
    *count = 0;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c,
                  "SELECT count(*) FROM sessions WHERE last_seen_at > ?1 AND (created_at > ?2 OR "
                  "expires_at IS NOT NULL)",
                  ARGS(I(seen_after), I(created_after)), count_row, count);
    return end(s, c, r);
}

enum store_result store_backup(struct store *s, const char *path, char *err, size_t errlen)
{
    if (s->b->backup == NULL) {
        snprintf(err, errlen,
                 "dyad backup copies SQLite databases; back PostgreSQL up with its own tools "
                 "(pg_dump, pg_basebackup)");
        return STORE_ERROR;
    }
    return s->b->backup(s, path, err, errlen);
}

/* ---- users ---------------------------------------------------------------- */

#define USER_COLS                                                                                  \
    "id, email, display_name, role, kdf_salt, auth_hash, box_pk, sign_pk, wrapped_keys, "          \
    "recovery_wrapped_keys, created_at"

static enum store_result user_row(struct sql_rows *q, void *arg)
{
    struct user *u = arg;
    memset(u, 0, sizeof *u);
    col_text(q, 0, u->id, sizeof u->id);
    col_text(q, 1, u->email, sizeof u->email);
    col_text(q, 2, u->display_name, sizeof u->display_name);
    u->role = col_int(q, 3) == 1 ? USER_THERAPIST : USER_MEMBER;
    col_text(q, 5, u->auth_hash, sizeof u->auth_hash);
    bool ok = col_blob(q, 4, u->kdf_salt, sizeof u->kdf_salt) &&
              col_blob(q, 6, u->box_pk, sizeof u->box_pk) &&
              col_blob(q, 7, u->sign_pk, sizeof u->sign_pk) &&
              col_blob(q, 8, u->wrapped_keys, sizeof u->wrapped_keys) &&
              col_blob(q, 9, u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys);
    u->created_at = col_int(q, 10);
    return ok ? STORE_OK : STORE_ERROR;
}

static enum store_result insert_user(struct sql_conn *c, const struct user *u)
{
    return run(
        c,
        "INSERT INTO users (" USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        ARGS(T(u->id), T(u->email), T(u->display_name), I(u->role == USER_THERAPIST ? 1 : 0),
             B(u->kdf_salt, sizeof u->kdf_salt), T(u->auth_hash), B(u->box_pk, sizeof u->box_pk),
             B(u->sign_pk, sizeof u->sign_pk), B(u->wrapped_keys, sizeof u->wrapped_keys),
             B(u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys), I(u->created_at)));
}

enum store_result store_user_create(struct store *s, const struct user *u)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    return end(s, c, insert_user(c, u));
}

enum store_result store_user_by_email(struct store *s, const char *email, struct user *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c, "SELECT " USER_COLS " FROM users WHERE email = ?1", ARGS(T(email)), user_row,
                  out);
    return end(s, c, r);
}

enum store_result store_user_by_id(struct store *s, const char *id, struct user *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c, "SELECT " USER_COLS " FROM users WHERE id = ?1", ARGS(T(id)), user_row, out);
    return end(s, c, r);
}

enum store_result store_user_set_password(struct store *s, const char *user_id,
                                          const unsigned char kdf_salt[16], const char *auth_hash,
                                          const unsigned char wrapped_keys[STORE_WRAPPED_KEYS],
                                          const char *keep_session_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(
        c, STORE_NOT_FOUND,
        "UPDATE users SET kdf_salt = ?2, auth_hash = ?3, wrapped_keys = ?4 WHERE id = ?1",
        ARGS(T(user_id), B(kdf_salt, 16), T(auth_hash), B(wrapped_keys, STORE_WRAPPED_KEYS)));
    const char *keep = keep_session_id != NULL ? keep_session_id : "";
    /* every other browser is signed out: its reminders by push stop too */
    if (r == STORE_OK)
        r = run(c,
                "DELETE FROM push_subscriptions WHERE user_id = ?1 AND "
                "COALESCE(session_id, '') <> ?2 AND COALESCE(device_id, '') NOT IN "
                "(SELECT device_id FROM sessions WHERE id = ?2 AND device_id IS NOT NULL)",
                ARGS(T(user_id), T(keep)));
    if (r == STORE_OK)
        r = run(c,
                "DELETE FROM devices WHERE user_id = ?1 AND id NOT IN "
                "(SELECT device_id FROM sessions WHERE id = ?2 AND device_id IS NOT NULL)",
                ARGS(T(user_id), T(keep)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2",
                ARGS(T(user_id), T(keep)));
    return end(s, c, r);
}

/* ---- sessions ------------------------------------------------------------- */

static enum store_result session_insert(struct sql_conn *c, const struct session *sess)
{
    return run(c,
               "INSERT INTO sessions (id, user_id, token_hash, csrf_token, created_at, "
               "last_seen_at, user_agent, device_id, expires_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
               ARGS(T(sess->id), T(sess->user_id), B(sess->token_hash, sizeof sess->token_hash),
                    T(sess->csrf_token), I(sess->created_at), I(sess->last_seen_at),
                    T(sess->user_agent), sess->device_id[0] != '\0' ? T(sess->device_id) : NUL,
                    sess->expires_at != 0 ? I(sess->expires_at) : NUL));
}

enum store_result store_session_create(struct store *s, const struct session *sess)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = session_insert(c, sess);
    return end(s, c, r);
}

/* id, created_at, last_seen_at, user_agent, device_id, expires_at; then
 * user_id and csrf_token when the query has them. */
static enum store_result session_row(struct sql_rows *q, void *arg)
{
    struct session *sess = arg;
    col_text(q, 0, sess->id, sizeof sess->id);
    sess->created_at = col_int(q, 1);
    sess->last_seen_at = col_int(q, 2);
    col_text(q, 3, sess->user_agent, sizeof sess->user_agent);
    col_text(q, 4, sess->device_id, sizeof sess->device_id);
    sess->expires_at = col_null(q, 5) ? 0 : col_int(q, 5);
    if (q->b->col_count(q) > 6) {
        col_text(q, 6, sess->user_id, sizeof sess->user_id);
        col_text(q, 7, sess->csrf_token, sizeof sess->csrf_token);
    }
    return STORE_OK;
}

enum store_result store_session_by_token(struct store *s, const unsigned char token_hash[32],
                                         struct session *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    memset(out, 0, sizeof *out);
    r = first_row(c,
                  "SELECT id, created_at, last_seen_at, user_agent, device_id, expires_at, "
                  "user_id, csrf_token FROM sessions WHERE token_hash = ?1",
                  ARGS(B(token_hash, 32)), session_row, out);
    if (r == STORE_OK)
        memcpy(out->token_hash, token_hash, 32);
    return end(s, c, r);
}

enum store_result store_session_touch(struct store *s, const char *id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", ARGS(T(id), I(now)));
    return end(s, c, r);
}

/* Ends a session its owner ends (sign-out, or from another browser): the
 * push subscriptions of that browser — made in the session, or under its
 * device — go with it, in the same transaction. */
static enum store_result device_remove(struct sql_conn *c, const char *id, const char *keep);

static enum store_result row_text_id(struct sql_rows *q, void *arg)
{
    col_text(q, 0, arg, STORE_ID_MAX);
    return STORE_OK;
}

enum store_result store_session_end(struct store *s, const char *user_id, const char *id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    /* the session's device ("" for none); STORE_NOT_FOUND, nothing of anyone
     * else's goes, when user_id has no such session */
    char device[STORE_ID_MAX] = "";
    r = first_row(c, "SELECT device_id FROM sessions WHERE id = ?1 AND user_id = ?2",
                  ARGS(T(id), T(user_id)), row_text_id, device);
    if (r == STORE_OK)
        r = run(c, "DELETE FROM push_subscriptions WHERE user_id = ?1 AND session_id = ?2",
                ARGS(T(user_id), T(id)));
    /* a marked device is forgotten with its session: its PIN opens nothing
     * any more, and its subscriptions and other sessions go too */
    if (r == STORE_OK && device[0] != '\0')
        r = device_remove(c, device, "");
    if (r == STORE_OK)
        r = run(c, "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2", ARGS(T(id), T(user_id)));
    return end(s, c, r);
}

enum store_result store_session_delete(struct store *s, const char *user_id, const char *id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t changes = 0;
    r = c->b->exec(c, "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
                   ARGS(T(id), T(user_id)), &changes);
    if (r == STORE_OK && changes == 0)
        r = STORE_NOT_FOUND;
    return end(s, c, r);
}

struct session_walk {
    const char *user_id;
    store_session_fn *fn;
    void *ctx;
};

static enum store_result session_each(struct sql_rows *q, void *arg)
{
    struct session_walk *w = arg;
    struct session sess;
    memset(&sess, 0, sizeof sess);
    session_row(q, &sess);
    snprintf(sess.user_id, sizeof sess.user_id, "%s", w->user_id);
    w->fn(w->ctx, &sess);
    return STORE_OK;
}

enum store_result store_sessions_list(struct store *s, const char *user_id, store_session_fn *fn,
                                      void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct session_walk w = {user_id, fn, ctx};
    r = each_row(c,
                 "SELECT id, created_at, last_seen_at, user_agent, device_id, expires_at "
                 "FROM sessions WHERE user_id = ?1 ORDER BY created_at DESC, rowid DESC",
                 ARGS(T(user_id)), session_each, &w);
    return end(s, c, r);
}

/* ---- devices: one's own browser, unlocked with a PIN ---------------------- */

enum store_result store_device_create(struct store *s, const struct device *d,
                                      const char *session_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    struct session sess;
    memset(&sess, 0, sizeof sess);
    r = first_row(c,
                  "SELECT id, created_at, last_seen_at, user_agent, device_id, expires_at "
                  "FROM sessions WHERE id = ?1 AND user_id = ?2",
                  ARGS(T(session_id), T(d->user_id)), session_row, &sess);
    /* This browser's push subscriptions (made in this session, or under the
     * device it replaces) now belong to the new device. */
    if (r == STORE_OK)
        r = run(c,
                "UPDATE push_subscriptions SET device_id = ?3 WHERE user_id = ?1 AND "
                "(session_id = ?2 OR (device_id IS NOT NULL AND device_id = ?4))",
                ARGS(T(d->user_id), T(session_id), T(d->id), T(sess.device_id)));
    /* Re-marking (a new PIN) replaces the session's own device. */
    if (r == STORE_OK && sess.device_id[0] != '\0')
        r = run(c, "DELETE FROM devices WHERE id = ?1 AND user_id = ?2",
                ARGS(T(sess.device_id), T(d->user_id)));
    int64_t n = 0;
    if (r == STORE_OK)
        r = one_int(c, "SELECT count(*) FROM devices WHERE user_id = ?1", ARGS(T(d->user_id)), &n);
    if (r == STORE_OK && n >= STORE_DEVICES_MAX)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO devices (id, user_id, verifier, seed, failures, created_at, "
                "used_at, expires_at, user_agent) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8)",
                ARGS(T(d->id), T(d->user_id), B(d->verifier, 32), B(d->seed, 32), I(d->created_at),
                     I(d->used_at), I(d->expires_at), T(d->user_agent)));
    if (r == STORE_OK)
        r = run_one(c, STORE_NOT_FOUND,
                    "UPDATE sessions SET device_id = ?2, expires_at = ?3 WHERE id = ?1",
                    ARGS(T(session_id), T(d->id), I(d->expires_at)));
    return end(s, c, r);
}

/* id, user_id, verifier, seed, failures, created_at, used_at, expires_at,
 * user_agent */
#define DEVICE_COLS                                                                                \
    "id, user_id, verifier, seed, failures, created_at, used_at, expires_at, user_agent"

static enum store_result device_row(struct sql_rows *q, void *arg)
{
    struct device *d = arg;
    col_text(q, 0, d->id, sizeof d->id);
    col_text(q, 1, d->user_id, sizeof d->user_id);
    if (!col_blob(q, 2, d->verifier, sizeof d->verifier) ||
        !col_blob(q, 3, d->seed, sizeof d->seed))
        return STORE_ERROR;
    d->failures = (int)col_int(q, 4);
    d->created_at = col_int(q, 5);
    d->used_at = col_int(q, 6);
    d->expires_at = col_int(q, 7);
    col_text(q, 8, d->user_agent, sizeof d->user_agent);
    return STORE_OK;
}

/* Deletes a device, the push subscriptions made under it and every session
 * of its family but keep (may be ""), which becomes an ordinary session. */
static enum store_result device_remove(struct sql_conn *c, const char *id, const char *keep)
{
    enum store_result r =
        run(c, "DELETE FROM sessions WHERE device_id = ?1 AND id <> ?2", ARGS(T(id), T(keep)));
    if (r == STORE_OK)
        r = run(c, "UPDATE sessions SET device_id = NULL, expires_at = NULL WHERE id = ?1",
                ARGS(T(keep)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM push_subscriptions WHERE device_id = ?1", ARGS(T(id)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM devices WHERE id = ?1", ARGS(T(id)));
    return r;
}

enum store_result store_device_unlock(struct store *s, const char *id,
                                      const unsigned char verifier[32], struct session *sess,
                                      int64_t now, struct device *out, enum device_try *result)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    memset(out, 0, sizeof *out);
    r = first_row(c, "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1", ARGS(T(id)), device_row,
                  out);
    if (r == STORE_OK && out->expires_at <= now) {
        r = device_remove(c, id, "");
        if (r == STORE_OK)
            r = STORE_NOT_FOUND;
    }
    if (r != STORE_OK) {
        /* Not found is an answer, not a failure: commit what was removed. */
        if (r == STORE_NOT_FOUND)
            r = end(s, c, STORE_OK) == STORE_OK ? STORE_NOT_FOUND : STORE_ERROR;
        else
            r = end(s, c, r);
        return r;
    }
    if (sodium_memcmp(out->verifier, verifier, 32) == 0) {
        *result = DEVICE_RIGHT;
        out->failures = 0;
        out->used_at = now;
        r = run(c, "UPDATE devices SET failures = 0, used_at = ?2 WHERE id = ?1",
                ARGS(T(id), I(now)));
        if (r == STORE_OK)
            r = run(c, "DELETE FROM sessions WHERE device_id = ?1", ARGS(T(id)));
        if (r == STORE_OK) {
            snprintf(sess->user_id, sizeof sess->user_id, "%s", out->user_id);
            snprintf(sess->device_id, sizeof sess->device_id, "%s", out->id);
            sess->expires_at = out->expires_at;
            r = session_insert(c, sess);
        }
    } else if (out->failures + 1 >= STORE_DEVICE_TRIES) {
        *result = DEVICE_FORGOTTEN;
        out->failures++;
        r = device_remove(c, id, "");
    } else {
        *result = DEVICE_WRONG;
        out->failures++;
        r = run(c, "UPDATE devices SET failures = failures + 1 WHERE id = ?1", ARGS(T(id)));
    }
    return end(s, c, r);
}

enum store_result store_device_delete(struct store *s, const char *user_id, const char *id,
                                      const char *keep_session_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t n = 0;
    if (user_id != NULL)
        r = one_int(c, "SELECT count(*) FROM devices WHERE id = ?1 AND user_id = ?2",
                    ARGS(T(id), T(user_id)), &n);
    else
        r = one_int(c, "SELECT count(*) FROM devices WHERE id = ?1", ARGS(T(id)), &n);
    if (r == STORE_OK && n == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK)
        r = device_remove(c, id, keep_session_id != NULL ? keep_session_id : "");
    return end(s, c, r);
}

struct device_walk {
    store_device_fn *fn;
    void *ctx;
};

static enum store_result device_each(struct sql_rows *q, void *arg)
{
    struct device_walk *w = arg;
    struct device d;
    memset(&d, 0, sizeof d);
    enum store_result r = device_row(q, &d);
    if (r == STORE_OK)
        w->fn(w->ctx, &d);
    sodium_memzero(&d, sizeof d);
    return r;
}

enum store_result store_devices_list(struct store *s, const char *user_id, int64_t now,
                                     store_device_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct device_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT " DEVICE_COLS " FROM devices WHERE user_id = ?1 AND expires_at > ?2 "
                 "ORDER BY created_at DESC, rowid DESC",
                 ARGS(T(user_id), I(now)), device_each, &w);
    return end(s, c, r);
}

enum store_result store_browser_seen(struct store *s, const char *user_id,
                                     const unsigned char ua_hash[32], const char *user_agent,
                                     const char *notice_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t known = 0, added = 0;
    r = one_int(c, "SELECT count(*) FROM known_browsers WHERE user_id = ?1", ARGS(T(user_id)),
                &known);
    if (r == STORE_OK)
        r = c->b->exec(c,
                       "INSERT INTO known_browsers (user_id, ua_hash, first_seen) "
                       "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                       ARGS(T(user_id), B(ua_hash, 32), I(now)), &added);
    /* a browser new to the account, and not its first: tell the person */
    if (r == STORE_OK && added == 1 && known > 0)
        r = run(c,
                "INSERT INTO notices (id, user_id, kind, detail, created_at) "
                "VALUES (?1, ?2, 'new_browser', ?3, ?4)",
                ARGS(T(notice_id), T(user_id), T(user_agent), I(now)));
    return end(s, c, r);
}

struct notice_walk {
    store_notice_fn *fn;
    void *ctx;
};

static enum store_result notice_each(struct sql_rows *q, void *arg)
{
    struct notice_walk *w = arg;
    struct notice n;
    memset(&n, 0, sizeof n);
    col_text(q, 0, n.id, sizeof n.id);
    col_text(q, 1, n.kind, sizeof n.kind);
    col_text(q, 2, n.detail, sizeof n.detail);
    n.created_at = col_int(q, 3);
    w->fn(w->ctx, &n);
    return STORE_OK;
}

enum store_result store_notices(struct store *s, const char *user_id, store_notice_fn *fn,
                                void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct notice_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT id, kind, detail, created_at FROM notices "
                 "WHERE user_id = ?1 ORDER BY created_at, rowid",
                 ARGS(T(user_id)), notice_each, &w);
    return end(s, c, r);
}

enum store_result store_notice_delete(struct store *s, const char *user_id, const char *id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t changes = 0;
    r = c->b->exec(c, "DELETE FROM notices WHERE id = ?1 AND user_id = ?2", ARGS(T(id), T(user_id)),
                   &changes);
    if (r == STORE_OK && changes == 0)
        r = STORE_NOT_FOUND;
    return end(s, c, r);
}

static enum store_result leave_locked(struct sql_conn *c, const char *dyad_id, const char *user_id,
                                      bool delete_content, int64_t now);
static enum store_result delete_authored(struct sql_conn *c, const char *dyad_id,
                                         const char *user_id);

/* The dyads a person has been in, growing as rows come. */
struct user_dyads {
    size_t n, cap;
    struct user_dyad {
        char id[STORE_ID_MAX];
        bool active;
    } * d;
};

static enum store_result user_dyad_row(struct sql_rows *q, void *arg)
{
    struct user_dyads *ud = arg;
    if (ud->n == ud->cap) {
        size_t cap = ud->cap ? ud->cap * 2 : 16;
        struct user_dyad *d = realloc(ud->d, cap * sizeof *d);
        if (d == NULL)
            return STORE_ERROR;
        ud->d = d;
        ud->cap = cap;
    }
    col_text(q, 0, ud->d[ud->n].id, sizeof ud->d[ud->n].id);
    ud->d[ud->n].active = col_int(q, 1) == 0;
    ud->n++;
    return STORE_OK;
}

enum store_result store_user_delete(struct store *s, const char *user_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    /* every dyad of theirs: leave the active ones, remove what they wrote */
    struct user_dyads ud = {0, 0, NULL};
    r = each_row(c, "SELECT dyad_id, left_at FROM dyad_members WHERE user_id = ?1",
                 ARGS(T(user_id)), user_dyad_row, &ud);
    for (size_t i = 0; i < ud.n && r == STORE_OK; i++) {
        r = ud.d[i].active ? leave_locked(c, ud.d[i].id, user_id, true, now)
                           : delete_authored(c, ud.d[i].id, user_id);
    }
    free(ud.d);
    static const char *const scrub[] = {
        /* a therapist's links go with them: their dyads' insights change */
        ("UPDATE dyads SET data_version = data_version + 1 WHERE id IN "
         "(SELECT dyad_id FROM therapist_links WHERE therapist_id = ?1)"),
        /* a dyad nobody else ever joined goes whole */
        ("DELETE FROM dyads WHERE id IN (SELECT dyad_id FROM dyad_members WHERE user_id = ?1) "
         "AND (SELECT count(*) FROM dyad_members m WHERE m.dyad_id = dyads.id) = 1"),
        "UPDATE dyads SET created_by = '' WHERE created_by = ?1",
        "UPDATE dyad_members SET wrap_signer = NULL WHERE wrap_signer = ?1",
        "DELETE FROM audit WHERE actor_id = ?1 OR subject_user = ?1",
        "DELETE FROM push_subscriptions WHERE user_id = ?1",
        "DELETE FROM dyad_members WHERE user_id = ?1",
        "DELETE FROM users WHERE id = ?1",
    };
    for (size_t i = 0; i < sizeof scrub / sizeof scrub[0] && r == STORE_OK; i++)
        r = run(c, scrub[i], ARGS(T(user_id)));
    r = end(s, c, r);
    if (r == STORE_OK)
        s->b->after_erasure(s);
    return r;
}

/* ---- Web Push subscriptions ----------------------------------------------- */

static enum store_result push_id_row(struct sql_rows *q, void *arg)
{
    col_text(q, 0, arg, STORE_ID_MAX);
    return STORE_OK;
}

enum store_result store_push_subscribe(struct store *s, const struct push_subscription *p,
                                       char id_out[STORE_ID_MAX])
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t others = 0;
    r = one_int(c, "SELECT count(*) FROM push_subscriptions WHERE user_id = ?1 AND endpoint <> ?2",
                ARGS(T(p->user_id), T(p->endpoint)), &others);
    if (r == STORE_OK && others >= STORE_PUSH_PER_USER)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at, "
                "device_id, session_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, ''), "
                "NULLIF(?8, '')) ON CONFLICT (endpoint) DO UPDATE SET "
                "user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, "
                "created_at = excluded.created_at, device_id = excluded.device_id, "
                "session_id = excluded.session_id",
                ARGS(T(p->id), T(p->user_id), T(p->endpoint), B(p->p256dh, sizeof p->p256dh),
                     B(p->auth, sizeof p->auth), I(p->created_at), T(p->device_id),
                     T(p->session_id)));
    if (r == STORE_OK)
        r = first_row(c, "SELECT id FROM push_subscriptions WHERE endpoint = ?1",
                      ARGS(T(p->endpoint)), push_id_row, id_out);
    return end(s, c, r);
}

enum store_result store_push_unsubscribe(struct store *s, const char *user_id, const char *endpoint)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "DELETE FROM push_subscriptions WHERE user_id = ?1 AND endpoint = ?2",
                ARGS(T(user_id), T(endpoint)));
    return end(s, c, r);
}

enum store_result store_push_gone(struct store *s, const char *id, const char *endpoint)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "DELETE FROM push_subscriptions WHERE id = ?1 AND endpoint = ?2",
                ARGS(T(id), T(endpoint)));
    return end(s, c, r);
}

struct push_walk {
    store_push_fn *fn;
    void *ctx;
};

static enum store_result push_each(struct sql_rows *q, void *arg)
{
    struct push_walk *w = arg;
    struct push_subscription p;
    memset(&p, 0, sizeof p);
    col_text(q, 0, p.id, sizeof p.id);
    col_text(q, 1, p.user_id, sizeof p.user_id);
    col_text(q, 2, p.endpoint, sizeof p.endpoint);
    if (!col_blob(q, 3, p.p256dh, sizeof p.p256dh) || !col_blob(q, 4, p.auth, sizeof p.auth))
        return STORE_ERROR;
    p.created_at = col_int(q, 5);
    col_text(q, 6, p.device_id, sizeof p.device_id);
    col_text(q, 7, p.session_id, sizeof p.session_id);
    w->fn(w->ctx, &p);
    return STORE_OK;
}

enum store_result store_push_list(struct store *s, const char *user_id, store_push_fn *fn,
                                  void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct push_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT id, user_id, endpoint, p256dh, auth, created_at, device_id, session_id "
                 "FROM push_subscriptions "
                 "WHERE user_id = ?1 ORDER BY created_at, rowid",
                 ARGS(T(user_id)), push_each, &w);
    return end(s, c, r);
}

/* ---- throttling ----------------------------------------------------------- */

static enum store_result throttle_row(struct sql_rows *q, void *arg)
{
    struct throttle *t = arg;
    t->failures = (int)col_int(q, 0);
    t->blocked_until = col_int(q, 1);
    t->updated_at = col_int(q, 2);
    return STORE_OK;
}

enum store_result store_throttle_get(struct store *s, const unsigned char key[32],
                                     struct throttle *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    memset(out, 0, sizeof *out);
    r = first_row(c, "SELECT failures, blocked_until, updated_at FROM throttle WHERE key_hash = ?1",
                  ARGS(B(key, 32)), throttle_row, out);
    return end(s, c, r);
}

enum store_result store_throttle_put(struct store *s, const unsigned char key[32],
                                     const struct throttle *t, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO throttle (key_hash, failures, blocked_until, updated_at) "
            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key_hash) DO UPDATE SET "
            "failures = excluded.failures, blocked_until = excluded.blocked_until, "
            "updated_at = excluded.updated_at",
            ARGS(B(key, 32), I(t->failures), I(t->blocked_until), I(now)));
    return end(s, c, r);
}

enum store_result store_throttle_update(struct store *s, const unsigned char key[32],
                                        void (*change)(struct throttle *t, void *arg), void *arg,
                                        int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    struct throttle t = {0};
    r = first_row(c, "SELECT failures, blocked_until, updated_at FROM throttle WHERE key_hash = ?1",
                  ARGS(B(key, 32)), throttle_row, &t);
    if (r == STORE_NOT_FOUND)
        r = STORE_OK;
    if (r == STORE_OK) {
        change(&t, arg);
        r = run(c,
                "INSERT INTO throttle (key_hash, failures, blocked_until, updated_at) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key_hash) DO UPDATE SET "
                "failures = excluded.failures, blocked_until = excluded.blocked_until, "
                "updated_at = excluded.updated_at",
                ARGS(B(key, 32), I(t.failures), I(t.blocked_until), I(now)));
    }
    return end(s, c, r);
}

enum store_result store_throttle_clear(struct store *s, const unsigned char key[32])
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "DELETE FROM throttle WHERE key_hash = ?1", ARGS(B(key, 32)));
    return end(s, c, r);
}

/* ---- dyads ---------------------------------------------------------------- */

static enum store_result insert_member(struct sql_conn *c, const char *dyad_id,
                                       const struct member *m)
{
    return run(c,
               "INSERT INTO dyad_members (dyad_id, user_id, key_proof, invite_secret_box, "
               "wrapped_key, wrap_signature, wrap_signer, joined_at, family_role) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
               ARGS(T(dyad_id), T(m->user_id), B(m->key_proof, sizeof m->key_proof),
                    B(m->invite_secret_box, sizeof m->invite_secret_box),
                    m->has_wrap ? B(m->wrapped_key, sizeof m->wrapped_key) : NUL,
                    m->has_wrap ? B(m->wrap_signature, sizeof m->wrap_signature) : NUL,
                    m->has_wrap ? T(m->wrap_signer) : NUL, I(m->joined_at), I(m->family_role)));
}

enum store_result store_dyad_create(struct store *s, const struct dyad *d,
                                    const struct member *creator, const struct invite *inv)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "INSERT INTO dyads (id, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
            ARGS(T(d->id), I(d->kind), T(d->created_by), I(d->created_at)));
    if (r == STORE_OK)
        r = insert_member(c, d->id, creator);
    if (r == STORE_OK)
        r = run(c, "INSERT INTO invites (code, dyad_id, expires_at) VALUES (?1, ?2, ?3)",
                ARGS(T(inv->code), T(d->id), I(inv->expires_at)));
    return end(s, c, r);
}

static enum store_result dyad_row(struct sql_rows *q, void *arg)
{
    struct dyad *d = arg;
    memset(d, 0, sizeof *d);
    col_text(q, 0, d->id, sizeof d->id);
    int64_t kind = col_int(q, 1);
    d->kind = kind >= 0 && kind < DYAD_KIND__MAX ? (enum dyad_kind)kind : DYAD_FRIENDS;
    col_text(q, 2, d->created_by, sizeof d->created_by);
    d->created_at = col_int(q, 3);
    d->ended_at = col_int(q, 4);
    d->data_version = col_int(q, 5);
    return STORE_OK;
}

static enum store_result load_dyad(struct sql_conn *c, const char *dyad_id, struct dyad *out)
{
    return first_row(c,
                     "SELECT id, kind, created_by, created_at, ended_at, data_version FROM dyads "
                     "WHERE id = ?1",
                     ARGS(T(dyad_id)), dyad_row, out);
}

/* A change to what the dyad's insights read, inside the caller's write
 * transaction (struct dyad's data_version). */
static enum store_result insights_changed(struct sql_conn *c, const char *dyad_id)
{
    return run(c, "UPDATE dyads SET data_version = data_version + 1 WHERE id = ?1",
               ARGS(T(dyad_id)));
}

static enum store_result invite_row(struct sql_rows *q, void *arg)
{
    struct invite *inv = arg;
    col_text(q, 0, inv->dyad_id, sizeof inv->dyad_id);
    inv->expires_at = col_int(q, 1);
    inv->used_at = col_int(q, 2);
    return STORE_OK;
}

enum store_result store_dyad_join(struct store *s, const char *code, const struct member *joiner,
                                  int64_t now, struct dyad *dyad_out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    struct invite inv;
    memset(&inv, 0, sizeof inv);
    int64_t members = 0;
    r = first_row(c, "SELECT dyad_id, expires_at, used_at FROM invites WHERE code = ?1",
                  ARGS(T(code)), invite_row, &inv);
    /* an invite is used once, before it expires */
    if (r == STORE_OK && inv.used_at != 0)
        r = STORE_CONFLICT;
    if (r == STORE_OK && inv.expires_at <= now)
        r = STORE_EXPIRED;
    if (r == STORE_OK)
        r = load_dyad(c, inv.dyad_id, dyad_out);
    /* into a dyad still going, by someone other than its creator */
    if (r == STORE_OK &&
        (dyad_out->ended_at != 0 || strcmp(dyad_out->created_by, joiner->user_id) == 0))
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = one_int(c, "SELECT count(*) FROM dyad_members WHERE dyad_id = ?1", ARGS(T(inv.dyad_id)),
                    &members);
    /* that waits for its second member */
    if (r == STORE_OK && members != 1)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = run(c, "UPDATE invites SET used_at = ?2 WHERE code = ?1", ARGS(T(code), I(now)));
    if (r == STORE_OK)
        r = insert_member(c, inv.dyad_id, joiner);
    /* the joiner's family role is the counterpart of the creator's */
    if (r == STORE_OK)
        r = run(c,
                "UPDATE dyad_members SET family_role = (SELECT CASE o.family_role "
                "WHEN 1 THEN 2 WHEN 2 THEN 1 WHEN 3 THEN 3 WHEN 4 THEN 5 WHEN 5 THEN 4 "
                "WHEN 6 THEN 6 ELSE 0 END FROM dyad_members o WHERE o.dyad_id = ?1 AND "
                "o.user_id <> ?2) WHERE dyad_id = ?1 AND user_id = ?2",
                ARGS(T(inv.dyad_id), T(joiner->user_id)));
    return end(s, c, r);
}

struct preview_row {
    struct invite_preview *out;
    int64_t now;
};

static enum store_result invite_preview_row(struct sql_rows *q, void *arg)
{
    struct preview_row *p = arg;
    int64_t expires_at = col_int(q, 0), used_at = col_int(q, 1), ended_at = col_int(q, 3);
    int64_t members = col_int(q, 5);
    int kind = (int)col_int(q, 2);
    if (kind < 0 || kind > DYAD_FAMILY)
        return STORE_ERROR;
    p->out->kind = (enum dyad_kind)kind;
    if (!col_null(q, 4))
        col_text(q, 4, p->out->inviter_name, sizeof p->out->inviter_name);
    /* the order store_dyad_join checks in: used, expired, then a dyad
     * that ended or is no longer waiting for its second member */
    bool expired = used_at == 0 && expires_at <= p->now;
    bool used = !expired && (used_at != 0 || ended_at != 0 || members != 1);
    p->out->status = expired ? STORE_INVITE_EXPIRED : used ? STORE_INVITE_USED : STORE_INVITE_OPEN;
    return STORE_OK;
}

enum store_result store_invite_preview(struct store *s, const char *code, int64_t now,
                                       struct invite_preview *out)
{
    memset(out, 0, sizeof *out);
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    struct preview_row p = {out, now};
    r = first_row(c,
                  "SELECT i.expires_at, i.used_at, d.kind, d.ended_at, u.display_name, "
                  "(SELECT count(*) FROM dyad_members m WHERE m.dyad_id = d.id) "
                  "FROM invites i JOIN dyads d ON d.id = i.dyad_id "
                  "LEFT JOIN users u ON u.id = d.created_by WHERE i.code = ?1",
                  ARGS(T(code)), invite_preview_row, &p);
    return end(s, c, r);
}

struct member_walk {
    struct member *members;
    size_t *n;
};

static enum store_result member_row(struct sql_rows *q, void *arg)
{
    struct member_walk *w = arg;
    if (*w->n == 2)
        return STORE_OK;
    struct member *m = &w->members[*w->n];
    memset(m, 0, sizeof *m);
    col_text(q, 0, m->user_id, sizeof m->user_id);
    col_text(q, 1, m->display_name, sizeof m->display_name);
    bool ok = col_blob(q, 2, m->box_pk, 32) && col_blob(q, 3, m->sign_pk, 32) &&
              col_blob(q, 4, m->key_proof, 32) &&
              col_blob(q, 5, m->invite_secret_box, sizeof m->invite_secret_box);
    m->has_wrap = col_blob(q, 6, m->wrapped_key, sizeof m->wrapped_key) &&
                  col_blob(q, 7, m->wrap_signature, sizeof m->wrap_signature);
    col_text(q, 8, m->wrap_signer, sizeof m->wrap_signer);
    m->track_sexual = col_int(q, 9) != 0;
    m->joined_at = col_int(q, 10);
    m->left_at = col_int(q, 11);
    m->therapist_sexual = col_int(q, 12) != 0;
    m->family_role = (int)col_int(q, 13);
    m->show_comfort = col_int(q, 14) != 0;
    if (!ok)
        return STORE_ERROR;
    (*w->n)++;
    return STORE_OK;
}

enum store_result store_dyad_get(struct store *s, const char *dyad_id, struct dyad *out,
                                 struct member members[2], size_t *n_members)
{
    struct sql_conn *c;
    *n_members = 0;
    /* one snapshot, so the dyad and its members agree */
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    r = load_dyad(c, dyad_id, out);
    struct member_walk w = {members, n_members};
    if (r == STORE_OK)
        r = each_row(c,
                     "SELECT m.user_id, u.display_name, u.box_pk, u.sign_pk, m.key_proof, "
                     "m.invite_secret_box, m.wrapped_key, m.wrap_signature, m.wrap_signer, "
                     "m.track_sexual, m.joined_at, m.left_at, m.therapist_sexual, "
                     "m.family_role, m.show_comfort "
                     "FROM dyad_members m JOIN users u ON u.id = m.user_id "
                     "WHERE m.dyad_id = ?1 ORDER BY m.joined_at, m.rowid",
                     ARGS(T(dyad_id)), member_row, &w);
    return end(s, c, r);
}

static enum store_result code_row(struct sql_rows *q, void *arg)
{
    struct invite *inv = arg;
    col_text(q, 0, inv->code, sizeof inv->code);
    inv->expires_at = col_int(q, 1);
    return STORE_OK;
}

enum store_result store_dyad_invite(struct store *s, const char *dyad_id, int64_t now,
                                    struct invite *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    memset(out, 0, sizeof *out);
    r = first_row(c,
                  "SELECT code, expires_at FROM invites WHERE dyad_id = ?1 AND used_at = 0 "
                  "AND expires_at > ?2 ORDER BY expires_at DESC LIMIT 1",
                  ARGS(T(dyad_id), I(now)), code_row, out);
    if (r == STORE_OK)
        snprintf(out->dyad_id, sizeof out->dyad_id, "%s", dyad_id);
    return end(s, c, r);
}

enum store_result store_member_set_wrap(struct store *s, const char *dyad_id, const char *user_id,
                                        const unsigned char wrapped_key[STORE_SEALED_KEY],
                                        const unsigned char signature[64], const char *signer_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_CONFLICT,
                "UPDATE dyad_members SET wrapped_key = ?3, wrap_signature = ?4, wrap_signer = ?5 "
                "WHERE dyad_id = ?1 AND user_id = ?2 AND wrapped_key IS NULL AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), B(wrapped_key, STORE_SEALED_KEY), B(signature, 64),
                     T(signer_id)));
    return end(s, c, r);
}

enum store_result store_member_set_track_sexual(struct store *s, const char *dyad_id,
                                                const char *user_id, bool track)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE dyad_members SET track_sexual = ?3 "
                "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(track ? 1 : 0)));
    return end(s, c, r);
}

enum store_result store_member_set_show_comfort(struct store *s, const char *dyad_id,
                                                const char *user_id, bool show)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE dyad_members SET show_comfort = ?3 "
                "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(show ? 1 : 0)));
    return end(s, c, r);
}

enum store_result store_dyad_set_roles(struct store *s, const char *dyad_id, const char *user_id,
                                       int role, int other_role)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE dyad_members SET family_role = ?3 "
                "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(role)));
    if (r == STORE_OK)
        r = run(c,
                "UPDATE dyad_members SET family_role = ?3 "
                "WHERE dyad_id = ?1 AND user_id <> ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(other_role)));
    return end(s, c, r);
}

enum store_result store_member_set_therapist_sexual(struct store *s, const char *dyad_id,
                                                    const char *user_id, bool allow)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE dyad_members SET therapist_sexual = ?3 "
                "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(allow ? 1 : 0)));
    return end(s, c, r);
}

/* Removes what user_id wrote in dyad_id (check-ins with notes, shares with
 * the responses to them, responses, comfort, re-shares, private
 * check-ins), inside the caller's transaction. */
static enum store_result delete_authored(struct sql_conn *c, const char *dyad_id,
                                         const char *user_id)
{
    static const char *const sql[] = {
        "DELETE FROM checkins WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM responses WHERE dyad_id = ?1 AND author_id = ?2",
        "DELETE FROM shares WHERE dyad_id = ?1 AND author_id = ?2",
        "DELETE FROM comfort WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM reshares WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM private_checkins WHERE dyad_id = ?1 AND user_id = ?2",
    };
    enum store_result r = insights_changed(c, dyad_id);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0] && r == STORE_OK; i++)
        r = run(c, sql[i], ARGS(T(dyad_id), T(user_id)));
    return r;
}

/* Ends the dyad as user_id leaves it (inside the caller's transaction):
 * the leaver's wrap and invite box go, the dyad ends, its unused invites
 * and its therapist link end with it. */
static enum store_result leave_locked(struct sql_conn *c, const char *dyad_id, const char *user_id,
                                      bool delete_content, int64_t now)
{
    static const unsigned char zero_box[STORE_SECRET_BOX];
    enum store_result r =
        run_one(c, STORE_NOT_FOUND,
                "UPDATE dyad_members SET left_at = ?3, wrapped_key = NULL, wrap_signature = NULL, "
                "invite_secret_box = ?4 WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0",
                ARGS(T(dyad_id), T(user_id), I(now), B(zero_box, sizeof zero_box)));
    if (r == STORE_OK)
        r = run(c, "UPDATE dyads SET ended_at = ?2 WHERE id = ?1 AND ended_at = 0",
                ARGS(T(dyad_id), I(now)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM invites WHERE dyad_id = ?1 AND used_at = 0", ARGS(T(dyad_id)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM therapist_links WHERE dyad_id = ?1", ARGS(T(dyad_id)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    if (r == STORE_OK && delete_content)
        r = delete_authored(c, dyad_id, user_id);
    return r;
}

enum store_result store_dyad_leave(struct store *s, const char *dyad_id, const char *user_id,
                                   bool delete_content, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    return end(s, c, leave_locked(c, dyad_id, user_id, delete_content, now));
}

struct summary_walk {
    struct dyad_summary *out;
    size_t max, *n;
};

static enum store_result summary_row(struct sql_rows *q, void *arg)
{
    struct summary_walk *w = arg;
    if (*w->n == w->max)
        return STORE_OK;
    struct dyad_summary *d = &w->out[(*w->n)++];
    memset(d, 0, sizeof *d);
    col_text(q, 0, d->id, sizeof d->id);
    int64_t kind = col_int(q, 1);
    d->kind = kind >= 0 && kind < DYAD_KIND__MAX ? (enum dyad_kind)kind : DYAD_FRIENDS;
    d->active = col_int(q, 2) == 0;
    d->paired = col_int(q, 3) == 2;
    return STORE_OK;
}

enum store_result store_user_dyads(struct store *s, const char *user_id, struct dyad_summary *out,
                                   size_t max, size_t *n)
{
    struct sql_conn *c;
    *n = 0;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct summary_walk w = {out, max, n};
    r = each_row(c,
                 "SELECT d.id, d.kind, d.ended_at, "
                 "(SELECT count(*) FROM dyad_members x WHERE x.dyad_id = d.id) "
                 "FROM dyads d JOIN dyad_members m ON m.dyad_id = d.id "
                 "WHERE m.user_id = ?1 AND m.left_at = 0 ORDER BY d.created_at DESC, d.rowid DESC",
                 ARGS(T(user_id)), summary_row, &w);
    return end(s, c, r);
}

/* ---- check-ins ------------------------------------------------------------ */

static struct sql_value score(int v)
{
    return v == STORE_NULL ? NUL : I(v);
}

static int8_t col_score(struct sql_rows *q, int i)
{
    return col_null(q, i) ? STORE_NULL : (int8_t)col_int(q, i);
}

enum store_result store_checkin_put(struct store *s, const char *dyad_id, const struct checkin *k,
                                    const unsigned char *note, size_t note_len)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO checkins (dyad_id, user_id, day, closeness, closeness_wanted, opened_up, "
            "understood, safety, affection, sexual, emotions, wordless, note, show_mask, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
            "ON CONFLICT (dyad_id, user_id, day) DO UPDATE SET "
            "closeness = excluded.closeness, closeness_wanted = excluded.closeness_wanted, "
            "opened_up = excluded.opened_up, understood = excluded.understood, "
            "safety = excluded.safety, affection = excluded.affection, sexual = excluded.sexual, "
            "emotions = excluded.emotions, wordless = excluded.wordless, note = excluded.note, "
            "show_mask = excluded.show_mask, updated_at = excluded.updated_at",
            ARGS(T(dyad_id), T(k->user_id), I(k->day), score(k->score[0]), score(k->score[1]),
                 score(k->score[2]), score(k->score[3]), score(k->score[4]), score(k->score[5]),
                 score(k->score[6]), I(k->emotions), score(k->wordless),
                 note != NULL ? B(note, note_len) : NUL, I(k->show_mask), I(k->updated_at)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    return end(s, c, r);
}

struct checkin_walk {
    struct checkin *out;
    size_t max, *n;
};

static enum store_result checkin_row(struct sql_rows *q, void *arg)
{
    struct checkin_walk *w = arg;
    if (*w->n == w->max)
        return STORE_OK;
    struct checkin *k = &w->out[(*w->n)++];
    memset(k, 0, sizeof *k);
    col_text(q, 0, k->user_id, sizeof k->user_id);
    k->day = (long)col_int(q, 1);
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        k->score[i] = col_score(q, 2 + i);
    k->emotions = (unsigned)col_int(q, 9);
    k->wordless = col_score(q, 10);
    k->has_note = col_int(q, 11) != 0;
    k->show_mask = (unsigned)col_int(q, 12);
    k->updated_at = col_int(q, 13);
    return STORE_OK;
}

static enum store_result checkins_ordered(struct store *s, const char *dyad_id, long from, long to,
                                          struct checkin *out, size_t max, size_t *n,
                                          bool by_member)
{
    struct sql_conn *c;
    *n = 0;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct checkin_walk w = {out, max, n};
    /* two literals, not one built at run time: each is a cached statement */
    r = each_row(c,
                 by_member ? "SELECT user_id, day, closeness, closeness_wanted, opened_up, "
                             "understood, safety, affection, sexual, emotions, wordless, "
                             "CASE WHEN note IS NULL THEN 0 ELSE 1 END, show_mask, updated_at "
                             "FROM checkins WHERE dyad_id = ?1 AND day BETWEEN ?2 AND ?3 "
                             "ORDER BY user_id, day"
                           : "SELECT user_id, day, closeness, closeness_wanted, opened_up, "
                             "understood, safety, affection, sexual, emotions, wordless, "
                             "CASE WHEN note IS NULL THEN 0 ELSE 1 END, show_mask, updated_at "
                             "FROM checkins WHERE dyad_id = ?1 AND day BETWEEN ?2 AND ?3 "
                             "ORDER BY day, user_id",
                 ARGS(T(dyad_id), I(from), I(to)), checkin_row, &w);
    return end(s, c, r);
}

enum store_result store_checkins(struct store *s, const char *dyad_id, long from, long to,
                                 struct checkin *out, size_t max, size_t *n)
{
    return checkins_ordered(s, dyad_id, from, to, out, max, n, false);
}

enum store_result store_checkins_by_member(struct store *s, const char *dyad_id, long from, long to,
                                           struct checkin *out, size_t max, size_t *n)
{
    return checkins_ordered(s, dyad_id, from, to, out, max, n, true);
}

struct note_walk {
    store_note_fn *fn;
    void *ctx;
};

static enum store_result note_row(struct sql_rows *q, void *arg)
{
    struct note_walk *w = arg;
    size_t len;
    const unsigned char *note = col_bytes(q, 1, &len);
    w->fn(w->ctx, (long)col_int(q, 0), note, len);
    return STORE_OK;
}

enum store_result store_checkin_notes(struct store *s, const char *dyad_id, const char *user_id,
                                      long from, long to, store_note_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct note_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT day, note FROM checkins WHERE dyad_id = ?1 AND user_id = ?2 AND "
                 "day BETWEEN ?3 AND ?4 AND note IS NOT NULL ORDER BY day",
                 ARGS(T(dyad_id), T(user_id), I(from), I(to)), note_row, &w);
    return end(s, c, r);
}

/* ---- shares and responses ------------------------------------------------- */

enum store_result store_share_create(struct store *s, const char *dyad_id, const struct share *sh)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO shares (id, dyad_id, author_id, topic, depth, prompt_id, reveal, body, "
            "created_at, together) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            ARGS(T(sh->id), T(dyad_id), T(sh->author_id), I(sh->topic), I(sh->depth),
                 sh->prompt_id[0] != '\0' ? T(sh->prompt_id) : NUL, I(sh->mutual ? 1 : 0),
                 B(sh->body, sh->body_len), I(sh->created_at), I(sh->together ? 1 : 0)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    return end(s, c, r);
}

#define SHARE_COLS "id, author_id, topic, depth, prompt_id, reveal, created_at, body, together"

/* A share row in SHARE_COLS order; the body is borrowed. */
static void share_cols(struct sql_rows *q, struct share *sh)
{
    memset(sh, 0, sizeof *sh);
    col_text(q, 0, sh->id, sizeof sh->id);
    col_text(q, 1, sh->author_id, sizeof sh->author_id);
    sh->topic = (int)col_int(q, 2);
    sh->depth = (int)col_int(q, 3);
    col_text(q, 4, sh->prompt_id, sizeof sh->prompt_id);
    sh->mutual = col_int(q, 5) != 0;
    sh->created_at = col_int(q, 6);
    sh->body = col_bytes(q, 7, &sh->body_len);
    sh->together = col_int(q, 8) != 0;
}

static enum store_result share_row(struct sql_rows *q, void *arg)
{
    share_cols(q, arg);
    ((struct share *)arg)->body = NULL; /* not kept past the row */
    ((struct share *)arg)->body_len = 0;
    return STORE_OK;
}

enum store_result store_share_get(struct store *s, const char *dyad_id, const char *share_id,
                                  struct share *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c, "SELECT " SHARE_COLS " FROM shares WHERE dyad_id = ?1 AND id = ?2",
                  ARGS(T(dyad_id), T(share_id)), share_row, out);
    return end(s, c, r);
}

struct response_list {
    const char *share_id;
    struct response r[STORE_RESPONSES_MAX];
    size_t n;
};

static enum store_result response_row(struct sql_rows *q, void *arg)
{
    struct response_list *l = arg;
    if (l->n == STORE_RESPONSES_MAX)
        return STORE_OK;
    struct response *x = &l->r[l->n];
    memset(x, 0, sizeof *x);
    col_text(q, 0, x->id, sizeof x->id);
    snprintf(x->share_id, sizeof x->share_id, "%s", l->share_id);
    col_text(q, 1, x->author_id, sizeof x->author_id);
    x->kind = (int)col_int(q, 2);
    x->created_at = col_int(q, 3);
    /* copied: the share's rows are still being stepped */
    size_t len;
    const unsigned char *body = col_bytes(q, 4, &len);
    if (body != NULL) {
        unsigned char *copy = malloc(len > 0 ? len : 1);
        if (copy == NULL)
            return STORE_ERROR;
        memcpy(copy, body, len);
        x->body = copy;
        x->body_len = len;
    }
    l->n++;
    return STORE_OK;
}

struct page_walk {
    struct sql_conn *c;
    store_share_fn *fn;
    void *ctx;
};

static enum store_result page_row(struct sql_rows *q, void *arg)
{
    struct page_walk *w = arg;
    struct share sh;
    share_cols(q, &sh);
    struct response_list *l = malloc(sizeof *l);
    if (l == NULL)
        return STORE_ERROR;
    l->share_id = sh.id;
    l->n = 0;
    enum store_result r = each_row(w->c,
                                   "SELECT id, author_id, kind, created_at, body FROM responses "
                                   "WHERE share_id = ?1 ORDER BY created_at, rowid LIMIT 16",
                                   ARGS(T(sh.id)), response_row, l);
    if (r == STORE_OK)
        w->fn(w->ctx, &sh, l->r, l->n);
    for (size_t i = 0; i < l->n; i++)
        free((void *)l->r[i].body);
    free(l);
    return r;
}

enum store_result store_shares_page(struct store *s, const char *dyad_id, int64_t before,
                                    const char *before_id, int limit, store_share_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    struct page_walk w = {c, fn, ctx};
    if (before_id != NULL)
        r = each_row(c,
                     "SELECT " SHARE_COLS " FROM shares WHERE dyad_id = ?1 AND "
                     "(created_at, rowid) < (SELECT created_at, rowid FROM shares "
                     "WHERE id = ?3 AND dyad_id = ?1) ORDER BY created_at DESC, rowid DESC "
                     "LIMIT ?2",
                     ARGS(T(dyad_id), I(limit), T(before_id)), page_row, &w);
    else
        r = each_row(c,
                     "SELECT " SHARE_COLS " FROM shares WHERE dyad_id = ?1 AND created_at < ?3 "
                     "ORDER BY created_at DESC, rowid DESC LIMIT ?2",
                     ARGS(T(dyad_id), I(limit), I(before > 0 ? before : INT64_MAX)), page_row, &w);
    return end(s, c, r);
}

enum store_result store_response_create(struct store *s, const char *dyad_id,
                                        const struct response *x)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t taken = 0, count = 0;
    /* one id space for entries: a response may not reuse a share's id */
    r = one_int(c, "SELECT count(*) FROM shares WHERE id = ?1", ARGS(T(x->id)), &taken);
    if (r == STORE_OK && taken != 0)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = one_int(c, "SELECT count(*) FROM responses WHERE share_id = ?1", ARGS(T(x->share_id)),
                    &count);
    if (r == STORE_OK && count >= STORE_RESPONSES_MAX)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO responses (id, share_id, dyad_id, author_id, kind, body, created_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                ARGS(T(x->id), T(x->share_id), T(dyad_id), T(x->author_id), I(x->kind),
                     x->body != NULL ? B(x->body, x->body_len) : NUL, I(x->created_at)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    return end(s, c, r);
}

/* The entry `id` of `table` (shares or responses) in the dyad, and, when
 * share_id is given, on that share: STORE_NOT_FOUND when there is none,
 * STORE_CONFLICT when it is not author_id's. */
static enum store_result entry_owned(struct sql_conn *c, const char *table, const char *dyad_id,
                                     const char *id, const char *share_id, const char *author_id)
{
    bool response = strcmp(table, "responses") == 0;
    int64_t here = 0, mine = 0;
    enum store_result r =
        response ? one_int(c,
                           "SELECT count(*) FROM responses WHERE dyad_id = ?1 AND id = ?2 AND "
                           "share_id = ?3",
                           ARGS(T(dyad_id), T(id), T(share_id != NULL ? share_id : "")), &here)
                 : one_int(c, "SELECT count(*) FROM shares WHERE dyad_id = ?1 AND id = ?2",
                           ARGS(T(dyad_id), T(id)), &here);
    if (r == STORE_OK && here == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK)
        r = one_int(c,
                    response ? "SELECT count(*) FROM responses WHERE id = ?1 AND author_id = ?2"
                             : "SELECT count(*) FROM shares WHERE id = ?1 AND author_id = ?2",
                    ARGS(T(id), T(author_id)), &mine);
    if (r == STORE_OK && mine == 0)
        r = STORE_CONFLICT;
    return r;
}

enum store_result store_share_delete(struct store *s, const char *dyad_id, const char *share_id,
                                     const char *author_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = entry_owned(c, "shares", dyad_id, share_id, NULL, author_id);
    /* the responses to it go with it; so do the author's sealed re-shares
     * of it to a therapist, so that no readable copy stays */
    if (r == STORE_OK)
        r = run(c, "DELETE FROM responses WHERE share_id = ?1", ARGS(T(share_id)));
    if (r == STORE_OK)
        r = run(c,
                "DELETE FROM reshares WHERE dyad_id = ?1 AND user_id = ?2 AND entry_id = ?3 AND "
                "entry_kind = 'share'",
                ARGS(T(dyad_id), T(author_id), T(share_id)));
    if (r == STORE_OK)
        r = run_one(c, STORE_NOT_FOUND, "DELETE FROM shares WHERE id = ?1 AND author_id = ?2",
                    ARGS(T(share_id), T(author_id)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    r = end(s, c, r);
    if (r == STORE_OK)
        s->b->after_erasure(s);
    return r;
}

enum store_result store_response_delete(struct store *s, const char *dyad_id, const char *share_id,
                                        const char *response_id, const char *author_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = entry_owned(c, "responses", dyad_id, response_id, share_id, author_id);
    if (r == STORE_OK)
        r = run(c,
                "DELETE FROM reshares WHERE dyad_id = ?1 AND user_id = ?2 AND entry_id = ?3 AND "
                "entry_kind = 'response'",
                ARGS(T(dyad_id), T(author_id), T(response_id)));
    if (r == STORE_OK)
        r = run_one(c, STORE_NOT_FOUND, "DELETE FROM responses WHERE id = ?1 AND author_id = ?2",
                    ARGS(T(response_id), T(author_id)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    r = end(s, c, r);
    if (r == STORE_OK)
        s->b->after_erasure(s);
    return r;
}

enum store_result store_prompt_answered(struct store *s, const char *dyad_id, const char *user_id,
                                        const char *prompt_id, bool *out)
{
    struct sql_conn *c;
    *out = false;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    int64_t n = 0;
    r = one_int(c,
                "SELECT count(*) FROM shares WHERE dyad_id = ?1 AND author_id = ?2 AND "
                "prompt_id = ?3",
                ARGS(T(dyad_id), T(user_id), T(prompt_id)), &n);
    *out = r == STORE_OK && n > 0;
    return end(s, c, r);
}

struct meta_walk {
    store_share_meta_fn *fn;
    void *ctx;
};

static enum store_result meta_row(struct sql_rows *q, void *arg)
{
    struct meta_walk *w = arg;
    struct share_meta m;
    memset(&m, 0, sizeof m);
    col_text(q, 0, m.author_id, sizeof m.author_id);
    m.topic = (int)col_int(q, 1);
    m.depth = (int)col_int(q, 2);
    col_text(q, 3, m.prompt_id, sizeof m.prompt_id);
    m.created_at = col_int(q, 4);
    m.answered_at = col_null(q, 5) ? 0 : col_int(q, 5);
    m.together = col_int(q, 6) != 0;
    w->fn(w->ctx, &m);
    return STORE_OK;
}

enum store_result store_share_meta(struct store *s, const char *dyad_id, int64_t since,
                                   store_share_meta_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct meta_walk w = {fn, ctx};
    /* a share recorded together comes again for the other member (twin) */
    r = each_row(c,
                 "SELECT author_id, topic, depth, prompt_id, created_at, answered_at, together "
                 "FROM ("
                 "SELECT s.author_id, s.topic, s.depth, s.prompt_id, s.created_at, "
                 "CASE WHEN s.together <> 0 THEN s.created_at ELSE (SELECT min(r.created_at) "
                 "FROM responses r WHERE r.share_id = s.id AND r.author_id <> s.author_id) END "
                 "AS answered_at, s.together AS together, s.rowid AS k, 0 AS twin FROM shares s "
                 "WHERE s.dyad_id = ?1 AND s.created_at >= ?2 "
                 "UNION ALL "
                 "SELECT m.user_id, s.topic, s.depth, s.prompt_id, s.created_at, s.created_at, "
                 "s.together, s.rowid, 1 FROM shares s JOIN dyad_members m ON m.dyad_id = "
                 "s.dyad_id AND "
                 "m.user_id <> s.author_id WHERE s.dyad_id = ?1 AND s.created_at >= ?2 AND "
                 "s.together = 1) AS metas ORDER BY created_at, k, twin",
                 ARGS(T(dyad_id), I(since)), meta_row, &w);
    return end(s, c, r);
}

struct authored_walk {
    const char *user_id;
    store_authored_share_fn *share_fn;
    store_authored_response_fn *response_fn;
    void *ctx;
};

static enum store_result authored_share(struct sql_rows *q, void *arg)
{
    struct authored_walk *w = arg;
    struct share sh;
    share_cols(q, &sh);
    w->share_fn(w->ctx, &sh);
    return STORE_OK;
}

static enum store_result authored_response(struct sql_rows *q, void *arg)
{
    struct authored_walk *w = arg;
    struct response x;
    memset(&x, 0, sizeof x);
    col_text(q, 0, x.id, sizeof x.id);
    col_text(q, 1, x.share_id, sizeof x.share_id);
    snprintf(x.author_id, sizeof x.author_id, "%s", w->user_id);
    x.kind = (int)col_int(q, 2);
    x.created_at = col_int(q, 3);
    x.body = col_bytes(q, 4, &x.body_len);
    w->response_fn(w->ctx, &x);
    return STORE_OK;
}

enum store_result store_authored(struct store *s, const char *dyad_id, const char *user_id,
                                 store_authored_share_fn *share_fn,
                                 store_authored_response_fn *response_fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    struct authored_walk w = {user_id, share_fn, response_fn, ctx};
    r = each_row(c,
                 "SELECT " SHARE_COLS " FROM shares WHERE dyad_id = ?1 AND author_id = ?2 "
                 "ORDER BY created_at, rowid",
                 ARGS(T(dyad_id), T(user_id)), authored_share, &w);
    if (r == STORE_OK)
        r = each_row(c,
                     "SELECT id, share_id, kind, created_at, body FROM responses "
                     "WHERE dyad_id = ?1 AND author_id = ?2 ORDER BY created_at, rowid",
                     ARGS(T(dyad_id), T(user_id)), authored_response, &w);
    return end(s, c, r);
}

/* ---- what one member has seen ------------------------------------------------ */

struct seen_mark {
    int64_t at, shares, responses;
};

static enum store_result seen_row(struct sql_rows *q, void *arg)
{
    struct seen_mark *m = arg;
    m->at = col_int(q, 0);
    m->shares = col_int(q, 1);
    m->responses = col_int(q, 2);
    return STORE_OK;
}

static enum store_result int_row(struct sql_rows *q, void *arg)
{
    *(int *)arg = (int)col_int(q, 0);
    return STORE_OK;
}

enum store_result store_unread(struct store *s, const char *dyad_id, const char *user_id,
                               struct store_unread *out)
{
    memset(out, 0, sizeof *out);
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    struct seen_mark m = {-1, 0, 0}; /* never marked: everything is new */
    r = first_row(c,
                  "SELECT seen_at, shares_upto, responses_upto FROM seen "
                  "WHERE dyad_id = ?1 AND user_id = ?2",
                  ARGS(T(dyad_id), T(user_id)), seen_row, &m);
    if (r == STORE_NOT_FOUND)
        r = STORE_OK;
    /* new: written after the mark's second, or in that second after its row
     * (a row id alone could be reused after a delete in SQLite) */
    if (r == STORE_OK)
        r = first_row(c,
                      "SELECT COUNT(*) FROM shares WHERE dyad_id = ?1 AND author_id <> ?2 "
                      "AND together = 0 AND (created_at > ?3 OR (created_at = ?3 AND rowid > ?4))",
                      ARGS(T(dyad_id), T(user_id), I(m.at), I(m.shares)), int_row, &out->shares);
    if (r == STORE_OK)
        r = first_row(c,
                      "SELECT COUNT(*) FROM responses WHERE dyad_id = ?1 AND author_id <> ?2 "
                      "AND (created_at > ?3 OR (created_at = ?3 AND rowid > ?4))",
                      ARGS(T(dyad_id), T(user_id), I(m.at), I(m.responses)), int_row,
                      &out->responses);
    return end(s, c, r);
}

enum store_result store_seen_mark(struct store *s, const char *dyad_id, const char *user_id,
                                  int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO seen (dyad_id, user_id, seen_at, shares_upto, responses_upto) "
            "VALUES (?1, ?2, ?3, "
            "(SELECT COALESCE(MAX(rowid), 0) FROM shares WHERE dyad_id = ?1), "
            "(SELECT COALESCE(MAX(rowid), 0) FROM responses WHERE dyad_id = ?1)) "
            "ON CONFLICT (dyad_id, user_id) DO UPDATE SET seen_at = excluded.seen_at, "
            "shares_upto = excluded.shares_upto, responses_upto = excluded.responses_upto",
            ARGS(T(dyad_id), T(user_id), I(now)));
    return end(s, c, r);
}

/* ---- comfort --------------------------------------------------------------- */

enum store_result store_comfort_set(struct store *s, const char *dyad_id, const char *user_id,
                                    int topic, int level, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO comfort (dyad_id, user_id, topic, level, set_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)",
            ARGS(T(dyad_id), T(user_id), I(topic), I(level), I(now)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    return end(s, c, r);
}

struct comfort_levels {
    int *levels;
    int n;
};

static enum store_result level_row(struct sql_rows *q, void *arg)
{
    struct comfort_levels *l = arg;
    int64_t t = col_int(q, 0);
    if (t >= 0 && t < l->n)
        l->levels[t] = (int)col_int(q, 1); /* later rows win */
    return STORE_OK;
}

enum store_result store_comfort_current(struct store *s, const char *dyad_id, const char *user_id,
                                        int *levels, int n_topics)
{
    for (int i = 0; i < n_topics; i++)
        levels[i] = -1;
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct comfort_levels l = {levels, n_topics};
    r = each_row(c,
                 "SELECT topic, level FROM comfort WHERE dyad_id = ?1 AND user_id = ?2 "
                 "ORDER BY set_at, rowid",
                 ARGS(T(dyad_id), T(user_id)), level_row, &l);
    return end(s, c, r);
}

struct comfort_walk {
    store_comfort_fn *fn;
    void *ctx;
};

static enum store_result comfort_row(struct sql_rows *q, void *arg)
{
    struct comfort_walk *w = arg;
    w->fn(w->ctx, (int)col_int(q, 0), (int)col_int(q, 1), col_int(q, 2));
    return STORE_OK;
}

enum store_result store_comfort_history(struct store *s, const char *dyad_id, const char *user_id,
                                        store_comfort_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct comfort_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT topic, level, set_at FROM comfort WHERE dyad_id = ?1 AND user_id = ?2 "
                 "ORDER BY set_at, rowid",
                 ARGS(T(dyad_id), T(user_id)), comfort_row, &w);
    return end(s, c, r);
}

/* ---- prompt offers ------------------------------------------------------------ */

enum store_result store_prompt_offer_add(struct store *s, const char *dyad_id,
                                         const char *prompt_id, long day)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO prompt_offers (dyad_id, prompt_id, day) VALUES (?1, ?2, ?3) "
            "ON CONFLICT DO NOTHING",
            ARGS(T(dyad_id), T(prompt_id), I(day)));
    return end(s, c, r);
}

struct offer_walk {
    store_prompt_offer_fn *fn;
    void *ctx;
};

static enum store_result offer_row(struct sql_rows *q, void *arg)
{
    struct offer_walk *w = arg;
    char prompt_id[STORE_PROMPT_ID_MAX];
    col_text(q, 0, prompt_id, sizeof prompt_id);
    w->fn(w->ctx, prompt_id, (long)col_int(q, 1));
    return STORE_OK;
}

enum store_result store_prompt_offers(struct store *s, const char *dyad_id, long since_day,
                                      store_prompt_offer_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct offer_walk w = {fn, ctx};
    /* prompt ids are ASCII: the same order under any collation */
    r = each_row(c,
                 "SELECT prompt_id, day FROM prompt_offers WHERE dyad_id = ?1 AND day >= ?2 "
                 "ORDER BY day, prompt_id",
                 ARGS(T(dyad_id), I(since_day)), offer_row, &w);
    return end(s, c, r);
}

/* ---- therapists ------------------------------------------------------------- */

enum store_result store_therapist_invite(struct store *s, const unsigned char token_hash[32],
                                         const char *email, int64_t now, int64_t expires_at)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO therapist_invites (token_hash, email, created_at, expires_at) "
            "VALUES (?1, ?2, ?3, ?4)",
            ARGS(B(token_hash, 32), T(email), I(now), I(expires_at)));
    return end(s, c, r);
}

struct setup_token {
    char email[STORE_EMAIL_MAX];
    int64_t expires_at, used_at;
};

static enum store_result setup_token_row(struct sql_rows *q, void *arg)
{
    struct setup_token *t = arg;
    col_text(q, 0, t->email, sizeof t->email);
    t->expires_at = col_int(q, 1);
    t->used_at = col_int(q, 2);
    return STORE_OK;
}

/* A setup token is used once, before it expires. */
static enum store_result setup_token_load(struct sql_conn *c, const unsigned char token_hash[32],
                                          int64_t now, struct setup_token *t)
{
    enum store_result r = first_row(c,
                                    "SELECT email, expires_at, used_at FROM therapist_invites "
                                    "WHERE token_hash = ?1",
                                    ARGS(B(token_hash, 32)), setup_token_row, t);
    if (r == STORE_OK && t->used_at != 0)
        return STORE_CONFLICT;
    if (r == STORE_OK && t->expires_at <= now)
        return STORE_EXPIRED;
    return r;
}

enum store_result store_therapist_invite_check(struct store *s, const unsigned char token_hash[32],
                                               int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct setup_token t;
    r = setup_token_load(c, token_hash, now, &t);
    return end(s, c, r);
}

enum store_result store_therapist_setup(struct store *s, const unsigned char token_hash[32],
                                        struct user *u, const char *code_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    struct setup_token t;
    r = setup_token_load(c, token_hash, now, &t);
    if (r == STORE_OK) {
        snprintf(u->email, sizeof u->email, "%s", t.email);
        r = run(c, "UPDATE therapist_invites SET used_at = ?2 WHERE token_hash = ?1",
                ARGS(B(token_hash, 32), I(now)));
    }
    if (r == STORE_OK) {
        u->role = USER_THERAPIST;
        r = insert_user(c, u);
    }
    if (r == STORE_OK)
        r = run(c, "INSERT INTO therapist_codes (user_id, code_id) VALUES (?1, ?2)",
                ARGS(T(u->id), T(code_id)));
    return end(s, c, r);
}

struct text_out {
    char *out;
    size_t cap;
};

static enum store_result text_row(struct sql_rows *q, void *arg)
{
    struct text_out *t = arg;
    col_text(q, 0, t->out, t->cap);
    return STORE_OK;
}

enum store_result store_therapist_code(struct store *s, const char *user_id, char *code_id,
                                       size_t cap)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct text_out t = {code_id, cap};
    r = first_row(c, "SELECT code_id FROM therapist_codes WHERE user_id = ?1", ARGS(T(user_id)),
                  text_row, &t);
    return end(s, c, r);
}

enum store_result store_therapist_by_code(struct store *s, const char *code_id, struct user *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c,
                  "SELECT " USER_COLS " FROM users WHERE role = 1 AND id = "
                  "(SELECT user_id FROM therapist_codes WHERE code_id = ?1)",
                  ARGS(T(code_id)), user_row, out);
    return end(s, c, r);
}

static enum store_result link_head_row(struct sql_rows *q, void *arg)
{
    struct therapist_link *l = arg;
    col_text(q, 0, l->therapist_id, sizeof l->therapist_id);
    l->created_at = col_int(q, 1);
    return STORE_OK;
}

static enum store_result consent_row(struct sql_rows *q, void *arg)
{
    struct therapist_link *l = arg;
    if (l->n_consents < 2)
        col_text(q, 0, l->consented[l->n_consents++], STORE_ID_MAX);
    return STORE_OK;
}

/* The dyad's link with the consents of its current members. */
static enum store_result load_link(struct sql_conn *c, const char *dyad_id,
                                   struct therapist_link *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->dyad_id, sizeof out->dyad_id, "%s", dyad_id);
    enum store_result r =
        first_row(c, "SELECT therapist_id, created_at FROM therapist_links WHERE dyad_id = ?1",
                  ARGS(T(dyad_id)), link_head_row, out);
    if (r == STORE_OK)
        r = each_row(c,
                     "SELECT k.user_id FROM therapist_consents k JOIN dyad_members m ON "
                     "m.dyad_id = k.dyad_id AND m.user_id = k.user_id AND m.left_at = 0 "
                     "WHERE k.dyad_id = ?1 ORDER BY k.consented_at LIMIT 2",
                     ARGS(T(dyad_id)), consent_row, out);
    return r;
}

enum store_result store_link_get(struct store *s, const char *dyad_id, struct therapist_link *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_SNAPSHOT, &c);
    if (r != STORE_OK)
        return r;
    r = load_link(c, dyad_id, out);
    return end(s, c, r);
}

static enum store_result audit_locked(struct sql_conn *c, const char *dyad_id, const char *actor_id,
                                      const char *action, const char *subject_user, int64_t now)
{
    return run(c,
               "INSERT INTO audit (dyad_id, actor_id, action, subject_user, at) "
               "VALUES (?1, ?2, ?3, ?4, ?5)",
               ARGS(T(dyad_id), T(actor_id), T(action), T(subject_user), I(now)));
}

enum store_result store_link_consent(struct store *s, const char *dyad_id, const char *therapist_id,
                                     const char *user_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    struct therapist_link l;
    r = load_link(c, dyad_id, &l);
    /* one therapist per dyad */
    if (r == STORE_OK && strcmp(l.therapist_id, therapist_id) != 0)
        r = STORE_CONFLICT;
    if (r == STORE_NOT_FOUND)
        r = run(c,
                "INSERT INTO therapist_links (dyad_id, therapist_id, created_at) "
                "VALUES (?1, ?2, ?3)",
                ARGS(T(dyad_id), T(therapist_id), I(now)));
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO therapist_consents (dyad_id, user_id, consented_at) "
                "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                ARGS(T(dyad_id), T(user_id), I(now)));
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, user_id, "consent", NULL, now);
    return end(s, c, r);
}

enum store_result store_link_revoke(struct store *s, const char *dyad_id, const char *user_id,
                                    int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t changes = 0;
    r = c->b->exec(c, "DELETE FROM therapist_links WHERE dyad_id = ?1", ARGS(T(dyad_id)), &changes);
    if (r == STORE_OK && changes == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK)
        r = insights_changed(c, dyad_id);
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, user_id, "revoke", NULL, now);
    return end(s, c, r);
}

enum { MAX_LINKS = 256 };

struct link_ids {
    size_t n;
    char id[MAX_LINKS][STORE_ID_MAX];
};

static enum store_result link_id_row(struct sql_rows *q, void *arg)
{
    struct link_ids *l = arg;
    if (l->n < MAX_LINKS)
        col_text(q, 0, l->id[l->n++], STORE_ID_MAX);
    return STORE_OK;
}

enum store_result store_therapist_links(struct store *s, const char *therapist_id,
                                        store_link_fn *fn, void *ctx)
{
    struct link_ids *ids = calloc(1, sizeof *ids);
    struct therapist_link *links = calloc(MAX_LINKS, sizeof *links);
    struct sql_conn *c;
    enum store_result r =
        ids != NULL && links != NULL ? begin(s, STORE_TX_SNAPSHOT, &c) : STORE_ERROR;
    if (r == STORE_OK) {
        r = each_row(c,
                     "SELECT dyad_id FROM therapist_links WHERE therapist_id = ?1 "
                     "ORDER BY created_at, rowid",
                     ARGS(T(therapist_id)), link_id_row, ids);
        for (size_t i = 0; r == STORE_OK && i < ids->n; i++)
            r = load_link(c, ids->id[i], &links[i]);
        r = end(s, c, r);
    }
    /* the callbacks run outside the transaction: they read and write too */
    for (size_t i = 0; r == STORE_OK && i < ids->n; i++)
        fn(ctx, &links[i]);
    free(links);
    free(ids);
    return r;
}

static enum store_result two_ints(struct sql_rows *q, void *arg)
{
    int64_t *v = arg;
    v[0] = col_int(q, 0);
    v[1] = col_int(q, 1);
    return STORE_OK;
}

enum store_result store_dyad_last_activity(struct store *s, const char *dyad_id, int64_t *out)
{
    struct sql_conn *c;
    *out = 0;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    int64_t v[2] = {0, 0};
    r = first_row(c,
                  "SELECT coalesce((SELECT max(updated_at) FROM checkins WHERE dyad_id = ?1), 0), "
                  "coalesce((SELECT max(created_at) FROM shares WHERE dyad_id = ?1), 0)",
                  ARGS(T(dyad_id)), two_ints, v);
    *out = v[0] > v[1] ? v[0] : v[1];
    return end(s, c, r);
}

enum store_result store_assignment_create(struct store *s, const char *dyad_id,
                                          const struct assignment *a, const char *const *note_users,
                                          const unsigned char *const *notes,
                                          const size_t *note_lens, size_t n_notes)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO assignments (id, dyad_id, therapist_id, topic, depth, starts_at, "
            "ends_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            ARGS(T(a->id), T(dyad_id), T(a->therapist_id), I(a->topic), I(a->depth),
                 I(a->starts_at), I(a->ends_at), I(a->created_at)));
    for (size_t i = 0; r == STORE_OK && i < n_notes; i++)
        r = run(c,
                "INSERT INTO assignment_notes (assignment_id, user_id, sealed) "
                "VALUES (?1, ?2, ?3)",
                ARGS(T(a->id), T(note_users[i]), B(notes[i], note_lens[i])));
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, a->therapist_id, "assign", NULL, a->created_at);
    return end(s, c, r);
}

struct assignment_out {
    struct assignment *a;
    unsigned char *note;
    size_t cap, *note_len;
};

static enum store_result assignment_row(struct sql_rows *q, void *arg)
{
    struct assignment_out *o = arg;
    struct assignment *a = o->a;
    memset(a, 0, sizeof *a);
    col_text(q, 0, a->id, sizeof a->id);
    col_text(q, 1, a->therapist_id, sizeof a->therapist_id);
    a->topic = (int)col_int(q, 2);
    a->depth = (int)col_int(q, 3);
    a->starts_at = col_int(q, 4);
    a->ends_at = col_int(q, 5);
    a->created_at = col_int(q, 6);
    size_t len;
    const unsigned char *note = col_bytes(q, 7, &len);
    if (note != NULL && len <= o->cap) {
        memcpy(o->note, note, len);
        *o->note_len = len;
    }
    return STORE_OK;
}

enum store_result store_assignment_current(struct store *s, const char *dyad_id, int64_t now,
                                           const char *user_id, struct assignment *out,
                                           unsigned char *note, size_t cap, size_t *note_len)
{
    struct sql_conn *c;
    *note_len = 0;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct assignment_out o = {out, note, cap, note_len};
    r = first_row(c,
                  "SELECT a.id, a.therapist_id, a.topic, a.depth, a.starts_at, a.ends_at, "
                  "a.created_at, n.sealed FROM assignments a "
                  "JOIN therapist_links l ON l.dyad_id = a.dyad_id AND "
                  "l.therapist_id = a.therapist_id "
                  "LEFT JOIN assignment_notes n ON n.assignment_id = a.id AND n.user_id = ?3 "
                  "WHERE a.dyad_id = ?1 AND a.starts_at <= ?2 AND a.ends_at > ?2 "
                  "ORDER BY a.created_at DESC, a.rowid DESC LIMIT 1",
                  ARGS(T(dyad_id), I(now), T(user_id)), assignment_row, &o);
    return end(s, c, r);
}

/* ---- private check-ins and re-shares ------------------------------------- */

enum store_result store_private_assign(struct store *s, const struct private_checkin *p)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO private_checkins (id, dyad_id, therapist_id, user_id, questionnaire, "
            "assigned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            ARGS(T(p->id), T(p->dyad_id), T(p->therapist_id), T(p->user_id), T(p->questionnaire),
                 I(p->assigned_at)));
    return end(s, c, r);
}

struct private_walk {
    store_private_fn *fn;
    void *ctx;
};

static enum store_result private_row(struct sql_rows *q, void *arg)
{
    struct private_walk *w = arg;
    struct private_checkin p;
    memset(&p, 0, sizeof p);
    col_text(q, 0, p.id, sizeof p.id);
    col_text(q, 1, p.dyad_id, sizeof p.dyad_id);
    col_text(q, 2, p.therapist_id, sizeof p.therapist_id);
    col_text(q, 3, p.user_id, sizeof p.user_id);
    col_text(q, 4, p.questionnaire, sizeof p.questionnaire);
    p.assigned_at = col_int(q, 5);
    p.answered_at = col_int(q, 6);
    p.sealed = col_bytes(q, 7, &p.sealed_len);
    p.signal = col_bytes(q, 8, &p.signal_len);
    w->fn(w->ctx, &p);
    return STORE_OK;
}

enum store_result store_private_list(struct store *s, const char *user_id, const char *dyad_id,
                                     const char *therapist_id, store_private_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct private_walk w = {fn, ctx};
    if (user_id != NULL)
        /* only while the therapist who asked is still linked with both consents */
        r = each_row(c,
                     "SELECT p.id, p.dyad_id, p.therapist_id, p.user_id, p.questionnaire, "
                     "p.assigned_at, p.answered_at, p.sealed, p.signal FROM private_checkins p "
                     "JOIN therapist_links l ON l.dyad_id = p.dyad_id AND "
                     "l.therapist_id = p.therapist_id WHERE p.user_id = ?1 AND "
                     "(SELECT count(*) FROM therapist_consents k WHERE k.dyad_id = p.dyad_id) = 2 "
                     "ORDER BY p.assigned_at, p.rowid",
                     ARGS(T(user_id)), private_row, &w);
    else
        r = each_row(c,
                     "SELECT p.id, p.dyad_id, p.therapist_id, p.user_id, p.questionnaire, "
                     "p.assigned_at, p.answered_at, p.sealed, p.signal FROM private_checkins p "
                     "WHERE p.dyad_id = ?1 AND p.therapist_id = ?2 "
                     "ORDER BY p.assigned_at, p.rowid",
                     ARGS(T(dyad_id), T(therapist_id)), private_row, &w);
    return end(s, c, r);
}

enum store_result store_private_answer(struct store *s, const char *id, const char *user_id,
                                       const unsigned char *sealed, size_t len,
                                       const unsigned char *signal, size_t signal_len, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t answered = 0;
    /* theirs, while the link lasts, and answered once */
    r = one_int(c,
                "SELECT p.answered_at FROM private_checkins p JOIN therapist_links l "
                "ON l.dyad_id = p.dyad_id AND l.therapist_id = p.therapist_id "
                "WHERE p.id = ?1 AND p.user_id = ?2",
                ARGS(T(id), T(user_id)), &answered);
    if (r == STORE_OK && answered != 0)
        r = STORE_CONFLICT;
    if (r == STORE_OK)
        r = run(c,
                "UPDATE private_checkins SET answered_at = ?3, sealed = ?4, signal = ?5 "
                "WHERE id = ?1 AND user_id = ?2",
                ARGS(T(id), T(user_id), I(now), B(sealed, len),
                     signal != NULL ? B(signal, signal_len) : NUL));
    return end(s, c, r);
}

enum store_result store_reshare_add(struct store *s, const char *dyad_id, const char *therapist_id,
                                    const struct reshare *x)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO reshares (id, dyad_id, user_id, therapist_id, entry_id, entry_kind, "
            "sealed, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            ARGS(T(x->id), T(dyad_id), T(x->user_id), T(therapist_id), T(x->entry_id),
                 T(x->entry_kind), B(x->sealed, x->sealed_len), I(x->created_at)));
    return end(s, c, r);
}

struct reshare_walk {
    store_reshare_fn *fn;
    void *ctx;
};

static enum store_result reshare_row(struct sql_rows *q, void *arg)
{
    struct reshare_walk *w = arg;
    struct reshare x;
    memset(&x, 0, sizeof x);
    col_text(q, 0, x.id, sizeof x.id);
    col_text(q, 1, x.user_id, sizeof x.user_id);
    col_text(q, 2, x.entry_id, sizeof x.entry_id);
    col_text(q, 3, x.entry_kind, sizeof x.entry_kind);
    x.created_at = col_int(q, 4);
    x.sealed = col_bytes(q, 5, &x.sealed_len);
    w->fn(w->ctx, &x);
    return STORE_OK;
}

enum store_result store_reshares(struct store *s, const char *dyad_id, const char *therapist_id,
                                 store_reshare_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct reshare_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT id, user_id, entry_id, entry_kind, created_at, sealed FROM reshares "
                 "WHERE dyad_id = ?1 AND therapist_id = ?2 ORDER BY created_at, rowid",
                 ARGS(T(dyad_id), T(therapist_id)), reshare_row, &w);
    return end(s, c, r);
}

enum store_result store_entry_author(struct store *s, const char *dyad_id, const char *entry_id,
                                     const char *user_id, bool *is_author)
{
    struct sql_conn *c;
    *is_author = false;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    int64_t n = 0;
    r = one_int(c,
                "SELECT (SELECT count(*) FROM shares WHERE dyad_id = ?1 AND id = ?2 AND "
                "author_id = ?3) + (SELECT count(*) FROM responses WHERE dyad_id = ?1 AND "
                "id = ?2 AND author_id = ?3)",
                ARGS(T(dyad_id), T(entry_id), T(user_id)), &n);
    *is_author = r == STORE_OK && n > 0;
    return end(s, c, r);
}

/* ---- audit ------------------------------------------------------------------ */

enum store_result store_audit_add(struct store *s, const char *dyad_id, const char *actor_id,
                                  const char *action, const char *subject_user, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    return end(s, c, audit_locked(c, dyad_id, actor_id, action, subject_user, now));
}

struct audit_walk {
    store_audit_fn *fn;
    void *ctx;
};

static enum store_result audit_row(struct sql_rows *q, void *arg)
{
    struct audit_walk *w = arg;
    struct audit_entry e;
    memset(&e, 0, sizeof e);
    col_text(q, 0, e.actor_id, sizeof e.actor_id);
    col_text(q, 1, e.actor_name, sizeof e.actor_name);
    e.actor_therapist = col_int(q, 2) == 1;
    col_text(q, 3, e.action, sizeof e.action);
    col_text(q, 4, e.subject_user, sizeof e.subject_user);
    e.at = col_int(q, 5);
    w->fn(w->ctx, &e);
    return STORE_OK;
}

enum store_result store_audit_list(struct store *s, const char *dyad_id, const char *viewer_id,
                                   int limit, store_audit_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct audit_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT a.actor_id, coalesce(u.display_name, ''), coalesce(u.role, 0), "
                 "a.action, coalesce(a.subject_user, ''), a.at FROM audit a "
                 "LEFT JOIN users u ON u.id = a.actor_id WHERE a.dyad_id = ?1 AND "
                 "(a.subject_user IS NULL OR a.subject_user = ?2) "
                 "ORDER BY a.at DESC, a.id DESC LIMIT ?3",
                 ARGS(T(dyad_id), T(viewer_id), I(limit)), audit_row, &w);
    return end(s, c, r);
}

/* ---- copying between backends ------------------------------------------------ */

enum { COPY_TABLES = 64, COPY_COLUMNS = 64, COPY_NAME = 64 };

struct names {
    int n;
    char name[COPY_COLUMNS][COPY_NAME];
};

static enum store_result name_row(struct sql_rows *q, void *arg)
{
    struct names *t = arg;
    if (t->n == COPY_COLUMNS)
        return STORE_ERROR;
    col_text(q, 0, t->name[t->n++], COPY_NAME);
    return STORE_OK;
}

static bool has_name(const struct names *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            return true;
    return false;
}

/* The column names of a statement's result. */
static void result_names(struct sql_rows *q, struct names *out)
{
    out->n = 0;
    int n = q->b->col_count(q);
    for (int i = 0; i < n && i < COPY_COLUMNS; i++)
        snprintf(out->name[out->n++], COPY_NAME, "%s", q->b->col_name(q, i));
}

/* The row hashes of one table, for an order-free digest. */
struct digest {
    size_t n, cap;
    unsigned char (*h)[32];
};

static int digest_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Hashes the row's values of the columns in `map` (their positions). */
static int digest_row(struct digest *d, struct sql_rows *q, const int *map, int n)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        unsigned char(*h)[32] = realloc(d->h, cap * 32);
        if (h == NULL)
            return -1;
        d->h = h;
        d->cap = cap;
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    for (int i = 0; i < n; i++) {
        unsigned char head[9];
        enum sql_type t = q->b->col_type(q, map[i]);
        uint64_t v = 0;
        size_t len = 0;
        const void *p = NULL;
        if (t == SQL_INT)
            v = (uint64_t)q->b->col_int(q, map[i]);
        else if (t != SQL_NULL) {
            p = q->b->col_bytes(q, map[i], &len);
            v = len;
        }
        head[0] = (unsigned char)t;
        for (int k = 0; k < 8; k++)
            head[1 + k] = (unsigned char)(v >> (8 * k));
        crypto_generichash_update(&st, head, sizeof head);
        if (p != NULL && len > 0)
            crypto_generichash_update(&st, p, len);
    }
    crypto_generichash_final(&st, d->h[d->n++], 32);
    return 0;
}

static void digest_hex(struct digest *d, char hex[65])
{
    if (d->n > 1)
        qsort(d->h, d->n, 32, digest_cmp);
    unsigned char out[32];
    crypto_generichash(out, sizeof out, d->n ? d->h[0] : (const unsigned char *)"", d->n * 32, NULL,
                       0);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

/* Copies one table's rows (`to` is inside its write transaction); fills
 * the source digest and the columns copied. */
static enum store_result copy_table(struct sql_conn *cf, struct store *to, struct sql_conn *ct,
                                    const char *table, struct names *copied, int64_t *rows,
                                    char hex[65], char *err, size_t errlen)
{
    char sql[4096];
    struct sql_rows *q;
    /* the target's columns */
    struct names target = {0};
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE 1 = 0", table);
    enum store_result r = ct->b->query(ct, sql, NULL, 0, &q);
    if (r != STORE_OK) {
        snprintf(err, errlen, "table %s is missing from the target", table);
        return r;
    }
    result_names(q, &target);
    ct->b->done(q);
    if (to->b->hidden_rowid && target.n < COPY_COLUMNS)
        snprintf(target.name[target.n++], COPY_NAME, "rowid");

    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\"", cf->b->all_columns, table);
    r = cf->b->query(cf, sql, NULL, 0, &q);
    if (r != STORE_OK) {
        snprintf(err, errlen, "cannot read table %s", table);
        return r;
    }
    struct names source;
    result_names(q, &source);
    int map[COPY_COLUMNS] = {0};
    copied->n = 0;
    size_t k = (size_t)snprintf(sql, sizeof sql, "INSERT INTO \"%s\" (", table);
    for (int i = 0; i < source.n; i++) {
        if (!has_name(&target, source.name[i])) {
            if (strcmp(source.name[i], "rowid") == 0)
                continue; /* the target orders by a key of its own (audit's id) */
            snprintf(err, errlen, "column %s.%s has no place in the target", table, source.name[i]);
            cf->b->done(q);
            return STORE_ERROR;
        }
        map[copied->n] = i;
        snprintf(copied->name[copied->n++], COPY_NAME, "%s", source.name[i]);
        k += (size_t)snprintf(sql + k, sizeof sql - k, "%s\"%s\"", copied->n > 1 ? ", " : "",
                              source.name[i]);
    }
    k += (size_t)snprintf(sql + k, sizeof sql - k, ") VALUES (");
    for (int i = 0; i < copied->n; i++)
        k += (size_t)snprintf(sql + k, sizeof sql - k, "%s?%d", i ? ", " : "", i + 1);
    snprintf(sql + k, sizeof sql - k, ")");

    struct digest d = {0, 0, NULL};
    struct sql_value v[COPY_COLUMNS];
    *rows = 0;
    while ((r = cf->b->next(q)) == STORE_OK) {
        for (int i = 0; i < copied->n; i++) {
            memset(&v[i], 0, sizeof v[i]);
            v[i].type = cf->b->col_type(q, map[i]);
            if (v[i].type == SQL_INT)
                v[i].i = cf->b->col_int(q, map[i]);
            else if (v[i].type != SQL_NULL)
                v[i].p = cf->b->col_bytes(q, map[i], &v[i].n);
        }
        if (digest_row(&d, q, map, copied->n) != 0) {
            r = STORE_ERROR;
            break;
        }
        r = ct->b->exec(ct, sql, v, copied->n, NULL);
        if (r != STORE_OK) {
            snprintf(err, errlen, "cannot write a row of %s", table);
            break;
        }
        (*rows)++;
    }
    cf->b->done(q);
    if (r == STORE_NOT_FOUND)
        r = STORE_OK;
    if (r == STORE_OK && ct->b->after_copy != NULL)
        r = ct->b->after_copy(ct, table);
    if (r == STORE_OK)
        digest_hex(&d, hex);
    free(d.h);
    return r;
}

/* Reads back a table's copied columns from the target: rows and digest. */
static enum store_result check_table(struct sql_conn *c, const char *table,
                                     const struct names *cols, int64_t *rows, char hex[65])
{
    char sql[4096];
    size_t k = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    int map[COPY_COLUMNS] = {0};
    assert(cols->n <= COPY_COLUMNS);
    for (int i = 0; i < cols->n; i++) {
        k += (size_t)snprintf(sql + k, sizeof sql - k, "%s%s", i ? ", " : "",
                              strcmp(cols->name[i], "rowid") == 0 ? "rowid AS rowid" : "");
        if (strcmp(cols->name[i], "rowid") != 0)
            k += (size_t)snprintf(sql + k, sizeof sql - k, "\"%s\"", cols->name[i]);
        map[i] = i;
    }
    if (cols->n == 0)
        k += (size_t)snprintf(sql + k, sizeof sql - k, "1");
    snprintf(sql + k, sizeof sql - k, " FROM \"%s\"", table);
    struct sql_rows *q;
    enum store_result r = c->b->query(c, sql, NULL, 0, &q);
    if (r != STORE_OK)
        return r;
    struct digest d = {0, 0, NULL};
    *rows = 0;
    while ((r = c->b->next(q)) == STORE_OK) {
        if (digest_row(&d, q, map, cols->n) != 0) {
            r = STORE_ERROR;
            break;
        }
        (*rows)++;
    }
    c->b->done(q);
    if (r == STORE_NOT_FOUND) {
        r = STORE_OK;
        digest_hex(&d, hex);
    }
    free(d.h);
    return r;
}

struct copy_plan {
    struct names tables;
    struct names cols[COPY_TABLES];
    int64_t rows[COPY_TABLES];
    char hex[COPY_TABLES][65];
};

enum store_result store_copy(struct store *from, struct store *to, store_copy_fn *fn, void *ctx,
                             char *err, size_t errlen)
{
    if (from->version != to->version) {
        snprintf(err, errlen, "the schema versions differ (%d and %d): migrate both first",
                 from->version, to->version);
        return STORE_CONFLICT;
    }
    struct copy_plan *plan = calloc(1, sizeof *plan);
    if (plan == NULL)
        return STORE_ERROR;
    snprintf(err, errlen, "the copy failed");
    struct sql_conn *cf = NULL, *ct = NULL;
    enum store_result r = begin(from, STORE_TX_SNAPSHOT, &cf);
    if (r == STORE_OK) {
        r = begin(to, STORE_TX_WRITE, &ct);
        if (r != STORE_OK) {
            end(from, cf, r);
            cf = NULL;
        }
    }
    if (r == STORE_OK)
        r = each_row(cf, from->b->tables_sql, NULL, 0, name_row, &plan->tables);
    /* an empty target: every one of its tables */
    struct names target_tables = {0};
    if (r == STORE_OK)
        r = each_row(ct, to->b->tables_sql, NULL, 0, name_row, &target_tables);
    for (int i = 0; r == STORE_OK && i < target_tables.n; i++) {
        char sql[256];
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", target_tables.name[i]);
        r = one_int(ct, sql, NULL, 0, &n);
        if (r == STORE_OK && n != 0) {
            snprintf(err, errlen,
                     "the target is not empty (%s has %lld rows): copy-db fills a new "
                     "database only",
                     target_tables.name[i], (long long)n);
            r = STORE_CONFLICT;
        }
    }
    for (int i = 0; r == STORE_OK && i < plan->tables.n; i++)
        r = copy_table(cf, to, ct, plan->tables.name[i], &plan->cols[i], &plan->rows[i],
                       plan->hex[i], err, errlen);
    if (ct != NULL)
        r = end(to, ct, r);
    if (cf != NULL)
        end(from, cf, STORE_OK);
    /* read back what was committed */
    struct sql_conn *c;
    if (r == STORE_OK)
        r = begin(to, STORE_TX_SNAPSHOT, &c);
    if (r == STORE_OK) {
        for (int i = 0; r == STORE_OK && i < plan->tables.n; i++) {
            int64_t rows = 0;
            char hex[65] = "";
            r = check_table(c, plan->tables.name[i], &plan->cols[i], &rows, hex);
            if (r == STORE_OK && (rows != plan->rows[i] || strcmp(hex, plan->hex[i]) != 0)) {
                snprintf(err, errlen,
                         "%s differs after the copy: %lld rows, %.16s… in the "
                         "source; %lld rows, %.16s… in the target",
                         plan->tables.name[i], (long long)plan->rows[i], plan->hex[i],
                         (long long)rows, hex);
                r = STORE_ERROR;
            }
            if (r == STORE_OK)
                fn(ctx, plan->tables.name[i], rows, hex);
        }
        r = end(to, c, r);
    }
    free(plan);
    return r;
}

/* ---- questionnaires an operator added ------------------------------------- */

enum store_result store_questionnaire_add(struct store *s, const char *id, const char *definition,
                                          int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "INSERT INTO questionnaires (id, definition, added_at) VALUES (?1, ?2, ?3)",
            ARGS(T(id), T(definition), I(now)));
    return end(s, c, r);
}

struct questionnaire_walk {
    store_questionnaire_fn *fn;
    void *ctx;
};

static enum store_result questionnaire_row(struct sql_rows *q, void *arg)
{
    struct questionnaire_walk *w = arg;
    size_t n_id = 0, n_def = 0;
    const char *id = q->b->col_bytes(q, 0, &n_id);
    const char *def = q->b->col_bytes(q, 1, &n_def);
    char *a = strndup(id != NULL ? id : "", n_id), *b = strndup(def != NULL ? def : "", n_def);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return STORE_ERROR;
    }
    w->fn(w->ctx, a, b);
    free(a);
    free(b);
    return STORE_OK;
}

enum store_result store_questionnaire_list(struct store *s, store_questionnaire_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct questionnaire_walk w = {fn, ctx};
    r = each_row(c, "SELECT id, definition FROM questionnaires ORDER BY added_at, id", NULL, 0,
                 questionnaire_row, &w);
    return end(s, c, r);
}

/* ---- measures ---------------------------------------------------------------- */

enum store_result store_measure_add(struct store *s, const struct measure *m)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO measures (id, dyad_id, therapist_id, questionnaire, every_days, "
            "starts_on, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            ARGS(T(m->id), T(m->dyad_id), T(m->therapist_id), T(m->questionnaire), I(m->every_days),
                 T(m->starts_on), I(m->assigned_at)));
    return end(s, c, r);
}

enum store_result store_measure_end(struct store *s, const char *dyad_id, const char *therapist_id,
                                    const char *id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE measures SET ended_at = ?4 WHERE id = ?1 AND dyad_id = ?2 AND "
                "therapist_id = ?3 AND ended_at IS NULL",
                ARGS(T(id), T(dyad_id), T(therapist_id), I(now)));
    return end(s, c, r);
}

struct measure_walk {
    store_measure_fn *fn;
    void *ctx;
};

static enum store_result measure_row(struct sql_rows *q, void *arg)
{
    struct measure_walk *w = arg;
    struct measure m;
    memset(&m, 0, sizeof m);
    col_text(q, 0, m.id, sizeof m.id);
    col_text(q, 1, m.dyad_id, sizeof m.dyad_id);
    col_text(q, 2, m.therapist_id, sizeof m.therapist_id);
    col_text(q, 3, m.questionnaire, sizeof m.questionnaire);
    m.every_days = (int)col_int(q, 4);
    col_text(q, 5, m.starts_on, sizeof m.starts_on);
    m.assigned_at = col_int(q, 6);
    m.ended_at = col_null(q, 7) ? 0 : col_int(q, 7);
    w->fn(w->ctx, &m);
    return STORE_OK;
}

enum store_result store_measure_list(struct store *s, const char *dyad_id, const char *therapist_id,
                                     store_measure_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct measure_walk w = {fn, ctx};
    if (therapist_id != NULL)
        r = each_row(c,
                     "SELECT id, dyad_id, therapist_id, questionnaire, every_days, starts_on, "
                     "assigned_at, ended_at FROM measures WHERE dyad_id = ?1 AND "
                     "therapist_id = ?2 ORDER BY assigned_at, rowid",
                     ARGS(T(dyad_id), T(therapist_id)), measure_row, &w);
    else
        /* only the therapist linked now, with both consents */
        r = each_row(c,
                     "SELECT m.id, m.dyad_id, m.therapist_id, m.questionnaire, m.every_days, "
                     "m.starts_on, m.assigned_at, m.ended_at FROM measures m JOIN "
                     "therapist_links l ON l.dyad_id = m.dyad_id AND l.therapist_id = "
                     "m.therapist_id WHERE m.dyad_id = ?1 AND (SELECT count(*) FROM "
                     "therapist_consents k WHERE k.dyad_id = m.dyad_id) = 2 "
                     "ORDER BY m.assigned_at, m.rowid",
                     ARGS(T(dyad_id)), measure_row, &w);
    return end(s, c, r);
}

enum store_result store_measure_answer(struct store *s, const struct measure_answer *a)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO measure_answers (measure_id, user_id, period, day, answers, "
            "show_partner, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
            "ON CONFLICT (measure_id, user_id, period) DO UPDATE SET day = excluded.day, "
            "answers = excluded.answers, show_partner = excluded.show_partner, "
            "answered_at = excluded.answered_at",
            ARGS(T(a->measure_id), T(a->user_id), I(a->period), T(a->day), T(a->answers),
                 I(a->show_partner ? 1 : 0), I(a->answered_at)));
    return end(s, c, r);
}

struct answer_walk {
    store_measure_answer_fn *fn;
    void *ctx;
};

static enum store_result answer_row(struct sql_rows *q, void *arg)
{
    struct answer_walk *w = arg;
    struct measure_answer a;
    memset(&a, 0, sizeof a);
    col_text(q, 0, a.measure_id, sizeof a.measure_id);
    col_text(q, 1, a.user_id, sizeof a.user_id);
    a.period = (int)col_int(q, 2);
    col_text(q, 3, a.day, sizeof a.day);
    col_text(q, 4, a.answers, sizeof a.answers);
    a.show_partner = col_int(q, 5) != 0;
    a.answered_at = col_int(q, 6);
    w->fn(w->ctx, &a);
    return STORE_OK;
}

enum store_result store_measure_answers(struct store *s, const char *measure_id,
                                        store_measure_answer_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct answer_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT measure_id, user_id, period, day, answers, show_partner, answered_at "
                 "FROM measure_answers WHERE measure_id = ?1 ORDER BY period, answered_at, "
                 "user_id",
                 ARGS(T(measure_id)), answer_row, &w);
    return end(s, c, r);
}

struct own_answer_walk {
    store_own_answer_fn *fn;
    void *ctx;
};

static enum store_result own_answer_row(struct sql_rows *q, void *arg)
{
    struct own_answer_walk *w = arg;
    struct measure m;
    struct measure_answer a;
    memset(&m, 0, sizeof m);
    memset(&a, 0, sizeof a);
    col_text(q, 0, m.id, sizeof m.id);
    col_text(q, 1, m.dyad_id, sizeof m.dyad_id);
    col_text(q, 2, m.therapist_id, sizeof m.therapist_id);
    col_text(q, 3, m.questionnaire, sizeof m.questionnaire);
    m.every_days = (int)col_int(q, 4);
    col_text(q, 5, m.starts_on, sizeof m.starts_on);
    m.assigned_at = col_int(q, 6);
    m.ended_at = col_null(q, 7) ? 0 : col_int(q, 7);
    snprintf(a.measure_id, sizeof a.measure_id, "%s", m.id);
    col_text(q, 8, a.user_id, sizeof a.user_id);
    a.period = (int)col_int(q, 9);
    col_text(q, 10, a.day, sizeof a.day);
    col_text(q, 11, a.answers, sizeof a.answers);
    a.show_partner = col_int(q, 12) != 0;
    a.answered_at = col_int(q, 13);
    w->fn(w->ctx, &m, &a);
    return STORE_OK;
}

enum store_result store_measure_answers_own(struct store *s, const char *dyad_id,
                                            const char *user_id, store_own_answer_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct own_answer_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT m.id, m.dyad_id, m.therapist_id, m.questionnaire, m.every_days, "
                 "m.starts_on, m.assigned_at, m.ended_at, a.user_id, a.period, a.day, "
                 "a.answers, a.show_partner, a.answered_at FROM measure_answers a JOIN "
                 "measures m ON m.id = a.measure_id WHERE m.dyad_id = ?1 AND a.user_id = ?2 "
                 "ORDER BY m.assigned_at, m.id, a.period",
                 ARGS(T(dyad_id), T(user_id)), own_answer_row, &w);
    return end(s, c, r);
}

/* ---- homework followed ------------------------------------------------------- */

enum store_result store_assignment_opened(struct store *s, const char *assignment_id,
                                          const char *user_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c,
            "INSERT INTO assignment_opens (assignment_id, user_id, opened_at) "
            "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            ARGS(T(assignment_id), T(user_id), I(now)));
    return end(s, c, r);
}

struct homework_walk {
    store_homework_fn *fn;
    void *ctx;
};

static enum store_result homework_row(struct sql_rows *q, void *arg)
{
    struct homework_walk *w = arg;
    struct homework_status h;
    memset(&h, 0, sizeof h);
    col_text(q, 0, h.a.id, sizeof h.a.id);
    col_text(q, 1, h.a.therapist_id, sizeof h.a.therapist_id);
    h.a.topic = (int)col_int(q, 2);
    h.a.depth = (int)col_int(q, 3);
    h.a.starts_at = col_int(q, 4);
    h.a.ends_at = col_int(q, 5);
    h.a.created_at = col_int(q, 6);
    col_text(q, 7, h.user_id, sizeof h.user_id);
    h.opened_at = col_null(q, 8) ? 0 : col_int(q, 8);
    h.shares = (int)col_int(q, 9);
    w->fn(w->ctx, &h);
    return STORE_OK;
}

#define HOMEWORK_SQL(WHERE)                                                                        \
    "SELECT a.id, a.therapist_id, a.topic, a.depth, a.starts_at, a.ends_at, a.created_at, "        \
    "m.user_id, (SELECT o.opened_at FROM assignment_opens o WHERE o.assignment_id = a.id AND "     \
    "o.user_id = m.user_id), (SELECT count(*) FROM shares x WHERE x.dyad_id = a.dyad_id AND "      \
    "x.author_id = m.user_id AND x.topic = a.topic AND x.created_at >= a.starts_at AND "           \
    "x.created_at < a.ends_at) FROM assignments a JOIN dyad_members m ON m.dyad_id = a.dyad_id "   \
    "AND m.left_at = 0 WHERE " WHERE " ORDER BY a.created_at, a.rowid, m.joined_at"

enum store_result store_homework_list(struct store *s, const char *dyad_id, const char *user_id,
                                      store_homework_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct homework_walk w = {fn, ctx};
    if (user_id != NULL)
        r = each_row(c, HOMEWORK_SQL("a.dyad_id = ?1 AND m.user_id = ?2"),
                     ARGS(T(dyad_id), T(user_id)), homework_row, &w);
    else
        r = each_row(c, HOMEWORK_SQL("a.dyad_id = ?1"), ARGS(T(dyad_id)), homework_row, &w);
    return end(s, c, r);
}

/* ---- research consent ---------------------------------------------------------- */

enum store_result store_research_request(struct store *s, const char *dyad_id, const char *by,
                                         const char *study, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "DELETE FROM research_consents WHERE dyad_id = ?1", ARGS(T(dyad_id)));
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO research_requests (dyad_id, requested_by, study, requested_at) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (dyad_id) DO UPDATE SET requested_by = "
                "excluded.requested_by, study = excluded.study, requested_at = "
                "excluded.requested_at",
                ARGS(T(dyad_id), T(by), T(study), I(now)));
    return end(s, c, r);
}

static enum store_result research_request_row(struct sql_rows *q, void *arg)
{
    struct research_state *out = arg;
    col_text(q, 0, out->requested_by, sizeof out->requested_by);
    col_text(q, 1, out->study, sizeof out->study);
    out->requested_at = col_int(q, 2);
    return STORE_OK;
}

static enum store_result research_consent_row(struct sql_rows *q, void *arg)
{
    struct research_state *out = arg;
    if (out->n >= 2)
        return STORE_OK;
    col_text(q, 0, out->consents[out->n].user_id, sizeof out->consents[out->n].user_id);
    out->consents[out->n].include_hidden = col_int(q, 1) != 0;
    out->consents[out->n].given_at = col_int(q, 2);
    out->n++;
    return STORE_OK;
}

enum store_result store_research_get(struct store *s, const char *dyad_id,
                                     struct research_state *out)
{
    memset(out, 0, sizeof *out);
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c,
                  "SELECT requested_by, study, requested_at FROM research_requests "
                  "WHERE dyad_id = ?1",
                  ARGS(T(dyad_id)), research_request_row, out);
    if (r == STORE_OK)
        r = each_row(c,
                     "SELECT user_id, include_hidden, given_at FROM research_consents "
                     "WHERE dyad_id = ?1 ORDER BY given_at, user_id",
                     ARGS(T(dyad_id)), research_consent_row, out);
    return end(s, c, r);
}

enum store_result store_research_consent(struct store *s, const char *dyad_id, const char *user_id,
                                         bool include_hidden, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    int64_t asked = 0;
    r = one_int(c, "SELECT count(*) FROM research_requests WHERE dyad_id = ?1", ARGS(T(dyad_id)),
                &asked);
    if (r == STORE_OK && asked == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK)
        r = run(c,
                "INSERT INTO research_consents (dyad_id, user_id, include_hidden, given_at) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (dyad_id, user_id) DO UPDATE SET "
                "include_hidden = excluded.include_hidden, given_at = excluded.given_at",
                ARGS(T(dyad_id), T(user_id), I(include_hidden ? 1 : 0), I(now)));
    return end(s, c, r);
}

enum store_result store_research_revoke(struct store *s, const char *dyad_id, const char *user_id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "DELETE FROM research_consents WHERE dyad_id = ?1 AND user_id = ?2",
                ARGS(T(dyad_id), T(user_id)));
    return end(s, c, r);
}

/* ---- reminders ------------------------------------------------------------------ */

#define REMINDER_COLS "user_id, enabled, days, minute, zone, channels, next_at, updated_at"

static void reminder_cols(struct sql_rows *q, struct reminder *r)
{
    memset(r, 0, sizeof *r);
    col_text(q, 0, r->user_id, sizeof r->user_id);
    r->enabled = col_int(q, 1) != 0;
    r->days = (unsigned)col_int(q, 2);
    r->minute = (int)col_int(q, 3);
    col_text(q, 4, r->zone, sizeof r->zone);
    col_text(q, 5, r->channels, sizeof r->channels);
    r->next_at = col_null(q, 6) ? 0 : col_int(q, 6);
    r->updated_at = col_int(q, 7);
}

static enum store_result reminder_one(struct sql_rows *q, void *arg)
{
    reminder_cols(q, arg);
    return STORE_OK;
}

enum store_result store_reminder_get(struct store *s, const char *user_id, struct reminder *out)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = first_row(c, "SELECT " REMINDER_COLS " FROM reminders WHERE user_id = ?1", ARGS(T(user_id)),
                  reminder_one, out);
    return end(s, c, r);
}

enum store_result store_reminder_put(struct store *s, const struct reminder *m)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    bool on = m->enabled && m->next_at != 0;
    r = run(c,
            "INSERT INTO reminders (user_id, enabled, days, minute, zone, channels, next_at, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (user_id) DO "
            "UPDATE SET enabled = excluded.enabled, days = excluded.days, minute = "
            "excluded.minute, zone = excluded.zone, channels = excluded.channels, next_at = "
            "excluded.next_at, updated_at = excluded.updated_at",
            ARGS(T(m->user_id), I(m->enabled ? 1 : 0), I(m->days), I(m->minute), T(m->zone),
                 T(m->channels), on ? I(m->next_at) : NUL, I(m->updated_at)));
    if (r == STORE_OK && !on)
        r = run(c, "DELETE FROM reminder_sends WHERE user_id = ?1", ARGS(T(m->user_id)));
    return end(s, c, r);
}

enum store_result store_reminder_stop(struct store *s, const char *user_id, int64_t now)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE reminders SET enabled = 0, next_at = NULL, updated_at = ?2 "
                "WHERE user_id = ?1",
                ARGS(T(user_id), I(now)));
    if (r == STORE_OK)
        r = run(c, "DELETE FROM reminder_sends WHERE user_id = ?1", ARGS(T(user_id)));
    return end(s, c, r);
}

struct reminder_walk {
    store_reminder_fn *fn;
    void *ctx;
};

static enum store_result reminder_each(struct sql_rows *q, void *arg)
{
    struct reminder_walk *w = arg;
    struct reminder m;
    reminder_cols(q, &m);
    w->fn(w->ctx, &m);
    return STORE_OK;
}

enum store_result store_reminders_due(struct store *s, int64_t now, int limit,
                                      store_reminder_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct reminder_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT " REMINDER_COLS " FROM reminders WHERE next_at IS NOT NULL AND "
                 "next_at <= ?1 AND enabled = 1 ORDER BY next_at, user_id LIMIT ?2",
                 ARGS(I(now), I(limit)), reminder_each, &w);
    return end(s, c, r);
}

enum store_result store_reminder_claim(struct store *s, const char *user_id, int64_t old_next_at,
                                       int64_t new_next_at, const struct reminder_send *sends,
                                       size_t n)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_CONFLICT,
                "UPDATE reminders SET next_at = ?3 WHERE user_id = ?1 AND next_at = ?2 AND "
                "enabled = 1",
                ARGS(T(user_id), I(old_next_at), I(new_next_at)));
    for (size_t i = 0; i < n && r == STORE_OK; i++)
        r = run(c,
                "INSERT INTO reminder_sends (id, user_id, channel, purpose, due_at, tries, "
                "try_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                ARGS(T(sends[i].id), T(user_id), T(sends[i].channel), T(sends[i].purpose),
                     I(sends[i].due_at), I(sends[i].tries), I(sends[i].try_at)));
    return end(s, c, r);
}

struct send_walk {
    store_send_fn *fn;
    void *ctx;
};

static enum store_result send_each(struct sql_rows *q, void *arg)
{
    struct send_walk *w = arg;
    struct reminder_send x;
    memset(&x, 0, sizeof x);
    col_text(q, 0, x.id, sizeof x.id);
    col_text(q, 1, x.user_id, sizeof x.user_id);
    col_text(q, 2, x.channel, sizeof x.channel);
    col_text(q, 3, x.purpose, sizeof x.purpose);
    x.due_at = col_int(q, 4);
    x.tries = (int)col_int(q, 5);
    x.try_at = col_int(q, 6);
    w->fn(w->ctx, &x);
    return STORE_OK;
}

enum store_result store_sends_due(struct store *s, int64_t now, int limit, store_send_fn *fn,
                                  void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct send_walk w = {fn, ctx};
    r = each_row(c,
                 "SELECT id, user_id, channel, purpose, due_at, tries, try_at FROM "
                 "reminder_sends WHERE try_at <= ?1 ORDER BY try_at, id LIMIT ?2",
                 ARGS(I(now), I(limit)), send_each, &w);
    return end(s, c, r);
}

enum store_result store_send_claim(struct store *s, const char *id, int64_t old_try_at,
                                   int64_t lease_until)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_CONFLICT,
                "UPDATE reminder_sends SET try_at = ?3 WHERE id = ?1 AND try_at = ?2",
                ARGS(T(id), I(old_try_at), I(lease_until)));
    return end(s, c, r);
}

enum store_result store_send_done(struct store *s, const char *id)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run(c, "DELETE FROM reminder_sends WHERE id = ?1", ARGS(T(id)));
    return end(s, c, r);
}

enum store_result store_send_retry(struct store *s, const char *id, int tries, int64_t try_at)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_WRITE, &c);
    if (r != STORE_OK)
        return r;
    r = run_one(c, STORE_NOT_FOUND,
                "UPDATE reminder_sends SET tries = ?2, try_at = ?3 WHERE id = ?1",
                ARGS(T(id), I(tries), I(try_at)));
    return end(s, c, r);
}

struct measure_wait_walk {
    store_measure_wait_fn *fn;
    void *ctx;
};

static enum store_result measure_wait_row(struct sql_rows *q, void *arg)
{
    struct measure_wait_walk *w = arg;
    char starts_on[11];
    col_text(q, 0, starts_on, sizeof starts_on);
    w->fn(w->ctx, starts_on, (int)col_int(q, 1), col_null(q, 2) ? -1 : (int)col_int(q, 2));
    return STORE_OK;
}

enum store_result store_measures_waiting(struct store *s, const char *user_id,
                                         store_measure_wait_fn *fn, void *ctx)
{
    struct sql_conn *c;
    enum store_result r = begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    struct measure_wait_walk w = {fn, ctx};
    /* as store_measure_list shows them to a member: the therapist linked
     * now, with both consents, the member still in the dyad */
    r = each_row(c,
                 "SELECT m.starts_on, m.every_days, (SELECT max(a.period) FROM measure_answers a "
                 "WHERE a.measure_id = m.id AND a.user_id = ?1) FROM measures m JOIN "
                 "dyad_members dm ON dm.dyad_id = m.dyad_id AND dm.user_id = ?1 AND "
                 "dm.left_at = 0 JOIN therapist_links l ON l.dyad_id = m.dyad_id AND "
                 "l.therapist_id = m.therapist_id WHERE m.ended_at IS NULL AND (SELECT count(*) "
                 "FROM therapist_consents k WHERE k.dyad_id = m.dyad_id) = 2 ORDER BY m.rowid",
                 ARGS(T(user_id)), measure_wait_row, &w);
    return end(s, c, r);
}
