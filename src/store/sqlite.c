/*
 * sqlite.c — the SQLite backend of store.h.
 *
 * Durability first: WAL with synchronous=FULL (no acknowledged commit is lost
 * on power failure), foreign keys on, secure_delete on (erased rows are
 * overwritten, not left in free pages). One writer connection, guarded by a
 * mutex, serialises every change in a BEGIN IMMEDIATE transaction; each
 * thread reads on a read-only connection of its own. Statements are prepared
 * once per connection and cached by the address of their SQL text.
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"

enum { STMT_CACHE = 96, MAX_READERS = 128, BUSY_TIMEOUT_MS = 5000 };

struct conn {
    sqlite3 *db;
    size_t n;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
};

struct store {
    char *path;
    struct conn writer;
    pthread_mutex_t wlock;
    pthread_key_t reader_key;
    pthread_mutex_t rlock;
    struct conn *readers[MAX_READERS];
    size_t n_readers;
    int version;
};

/* ---- connections and statements ------------------------------------------ */

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int conn_open(struct conn *c, const char *path, bool readonly, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        c->db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    const char *pragmas = readonly ? "PRAGMA foreign_keys=ON;"
                                   : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                     "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
    if (exec(c->db, pragmas) != 0) {
        snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        c->db = NULL;
        return -1;
    }
    return 0;
}

static void conn_close(struct conn *c)
{
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->cache[i].st);
    c->n = 0;
    if (c->db != NULL)
        sqlite3_close(c->db);
    c->db = NULL;
}

/* The cached statement for sql (a string literal: cached by address),
 * reset and with bindings cleared; NULL on error. */
static sqlite3_stmt *stmt(struct conn *c, const char *sql)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->cache[i].sql == sql) {
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            return c->cache[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "dyad: store: prepare failed: %s\n", sqlite3_errmsg(c->db));
        return NULL;
    }
    if (c->n < STMT_CACHE) {
        c->cache[c->n].sql = sql;
        c->cache[c->n].st = st;
        c->n++;
    }
    /* A full cache would leak st; STMT_CACHE exceeds the statements here. */
    return st;
}

static struct conn *reader(struct store *s)
{
    struct conn *c = pthread_getspecific(s->reader_key);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    char err[256];
    if (conn_open(c, s->path, true, err, sizeof err) != 0) {
        fprintf(stderr, "dyad: store: %s\n", err);
        free(c);
        return NULL;
    }
    pthread_mutex_lock(&s->rlock);
    if (s->n_readers == MAX_READERS) {
        pthread_mutex_unlock(&s->rlock);
        conn_close(c);
        free(c);
        return NULL;
    }
    s->readers[s->n_readers++] = c;
    pthread_mutex_unlock(&s->rlock);
    pthread_setspecific(s->reader_key, c);
    return c;
}

/* ROLLBACK is compiled each time, so it needs memory: out of memory it
 * fails and leaves the writer inside the failed transaction, where every
 * later BEGIN fails too. Ended before the next BEGIN instead. */
static void rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        exec(db, "ROLLBACK");
}

/* Writes: take the writer, BEGIN IMMEDIATE; end with commit() or rollback(). */
static struct conn *begin(struct store *s)
{
    pthread_mutex_lock(&s->wlock);
    rollback(s->writer.db);
    if (exec(s->writer.db, "BEGIN IMMEDIATE") != 0) {
        fprintf(stderr, "dyad: store: begin failed: %s\n", sqlite3_errmsg(s->writer.db));
        pthread_mutex_unlock(&s->wlock);
        return NULL;
    }
    return &s->writer;
}

static enum store_result finish(struct store *s, enum store_result r)
{
    if (r == STORE_OK) {
        if (exec(s->writer.db, "COMMIT") != 0) {
            fprintf(stderr, "dyad: store: commit failed: %s\n", sqlite3_errmsg(s->writer.db));
            rollback(s->writer.db);
            r = STORE_ERROR;
        }
    } else {
        rollback(s->writer.db);
    }
    pthread_mutex_unlock(&s->wlock);
    return r;
}

/* Runs a statement that returns no rows; maps constraint failures. */
static enum store_result step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    fprintf(stderr, "dyad: store: step failed: %s\n", sqlite3_errstr(rc));
    return STORE_ERROR;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_blob(sqlite3_stmt *st, int i, const void *v, size_t n)
{
    sqlite3_bind_blob(st, i, v, (int)n, SQLITE_STATIC);
}

static void col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

/* Copies a BLOB column of exactly n bytes; false when it is not. */
static bool col_blob(sqlite3_stmt *st, int i, void *out, size_t n)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB || (size_t)sqlite3_column_bytes(st, i) != n)
        return false;
    memcpy(out, sqlite3_column_blob(st, i), n);
    return true;
}

/* ---- open, migrate, close ------------------------------------------------- */

static int migrate(struct store *s, bool apply, char *err, size_t errlen)
{
    sqlite3 *db = s->writer.db;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (version < 0) {
        snprintf(err, errlen, "cannot read schema version");
        return -1;
    }
    if ((size_t)version > migrations_count) {
        snprintf(err, errlen, "database schema %d is newer than this dyad (%zu)", version,
                 migrations_count);
        return -1;
    }
    if ((size_t)version < migrations_count && !apply) {
        snprintf(err, errlen, "database schema %d is older than %zu: run `dyad migrate`", version,
                 migrations_count);
        return -1;
    }
    for (size_t i = (size_t)version; i < migrations_count; i++) {
        char sql[64];
        if (exec(db, "BEGIN IMMEDIATE") != 0 || exec(db, (const char *)migrations[i].data) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", migrations[i].name,
                     sqlite3_errmsg(db));
            exec(db, "ROLLBACK");
            return -1;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version=%zu", i + 1);
        if (exec(db, sql) != 0 || exec(db, "COMMIT") != 0) {
            snprintf(err, errlen, "migration %s failed: %s", migrations[i].name,
                     sqlite3_errmsg(db));
            exec(db, "ROLLBACK");
            return -1;
        }
    }
    s->version = (int)migrations_count;
    return 0;
}

struct store *store_open(const char *url, bool apply_migrations, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7) != 0 || url[7] == '\0') {
        if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
            snprintf(err, errlen,
                     "the PostgreSQL backend is not part of this build yet; use sqlite:PATH");
        else
            snprintf(err, errlen, "unknown database URL '%s' (expected sqlite:PATH)", url);
        return NULL;
    }
    if (sqlite3_threadsafe() == 0) {
        snprintf(err, errlen, "SQLite was built without thread support");
        return NULL;
    }
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(url + 7)) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->wlock, NULL);
    pthread_mutex_init(&s->rlock, NULL);
    pthread_key_create(&s->reader_key, NULL);
    if (conn_open(&s->writer, s->path, false, err, errlen) != 0 ||
        migrate(s, apply_migrations, err, errlen) != 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_readers; i++) {
        conn_close(s->readers[i]);
        free(s->readers[i]);
    }
    if (s->writer.db != NULL)
        exec(s->writer.db, "PRAGMA wal_checkpoint(TRUNCATE)");
    conn_close(&s->writer);
    pthread_key_delete(s->reader_key);
    pthread_mutex_destroy(&s->wlock);
    pthread_mutex_destroy(&s->rlock);
    free(s->path);
    free(s);
}

int store_schema_version(struct store *s)
{
    return s->version;
}

enum store_result store_health(struct store *s)
{
    struct conn *c = reader(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT count(*) FROM users");
    if (st == NULL)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

enum store_result store_backup(struct store *s, const char *path, char *err, size_t errlen)
{
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s", path);
        sqlite3_close(dst);
        return STORE_ERROR;
    }
    pthread_mutex_lock(&s->wlock);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->writer.db, "main");
    int rc = b != NULL ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b != NULL)
        sqlite3_backup_finish(b);
    pthread_mutex_unlock(&s->wlock);
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "backup failed: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- users ---------------------------------------------------------------- */

#define USER_COLS                                                                                  \
    "id, email, display_name, role, kdf_salt, auth_hash, box_pk, sign_pk, wrapped_keys, "          \
    "recovery_wrapped_keys, created_at"

static enum store_result user_row(sqlite3_stmt *st, struct user *u)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return STORE_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return STORE_ERROR;
    }
    memset(u, 0, sizeof *u);
    col_text(st, 0, u->id, sizeof u->id);
    col_text(st, 1, u->email, sizeof u->email);
    col_text(st, 2, u->display_name, sizeof u->display_name);
    int role = sqlite3_column_int(st, 3);
    u->role = role == 1 ? USER_THERAPIST : USER_MEMBER;
    col_text(st, 5, u->auth_hash, sizeof u->auth_hash);
    bool ok = col_blob(st, 4, u->kdf_salt, sizeof u->kdf_salt) &&
              col_blob(st, 6, u->box_pk, sizeof u->box_pk) &&
              col_blob(st, 7, u->sign_pk, sizeof u->sign_pk) &&
              col_blob(st, 8, u->wrapped_keys, sizeof u->wrapped_keys) &&
              col_blob(st, 9, u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys);
    u->created_at = sqlite3_column_int64(st, 10);
    sqlite3_reset(st);
    return ok ? STORE_OK : STORE_ERROR;
}

/* Inserts u (inside the caller's transaction). */
static enum store_result insert_user(struct conn *c, const struct user *u)
{
    sqlite3_stmt *st = stmt(c, "INSERT INTO users (" USER_COLS
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, u->id);
    bind_text(st, 2, u->email);
    bind_text(st, 3, u->display_name);
    sqlite3_bind_int(st, 4, u->role == USER_THERAPIST ? 1 : 0);
    bind_blob(st, 5, u->kdf_salt, sizeof u->kdf_salt);
    bind_text(st, 6, u->auth_hash);
    bind_blob(st, 7, u->box_pk, sizeof u->box_pk);
    bind_blob(st, 8, u->sign_pk, sizeof u->sign_pk);
    bind_blob(st, 9, u->wrapped_keys, sizeof u->wrapped_keys);
    bind_blob(st, 10, u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys);
    sqlite3_bind_int64(st, 11, u->created_at);
    return step_done(st);
}

enum store_result store_user_create(struct store *s, const struct user *u)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    return finish(s, insert_user(c, u));
}

enum store_result store_user_by_email(struct store *s, const char *email, struct user *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT " USER_COLS " FROM users WHERE email = ?1") : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, email);
    return user_row(st, out);
}

enum store_result store_user_by_id(struct store *s, const char *id, struct user *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT " USER_COLS " FROM users WHERE id = ?1") : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, id);
    return user_row(st, out);
}

enum store_result store_user_set_password(struct store *s, const char *user_id,
                                          const unsigned char kdf_salt[16], const char *auth_hash,
                                          const unsigned char wrapped_keys[STORE_WRAPPED_KEYS],
                                          const char *keep_session_id)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st =
        stmt(c, "UPDATE users SET kdf_salt = ?2, auth_hash = ?3, wrapped_keys = ?4 WHERE id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, user_id);
    bind_blob(st, 2, kdf_salt, 16);
    bind_text(st, 3, auth_hash);
    bind_blob(st, 4, wrapped_keys, STORE_WRAPPED_KEYS);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) != 1)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK) {
        st = stmt(c, "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, user_id);
        bind_text(st, 2, keep_session_id != NULL ? keep_session_id : "");
        r = step_done(st);
    }
    return finish(s, r);
}

/* ---- sessions ------------------------------------------------------------- */

enum store_result store_session_create(struct store *s, const struct session *sess)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO sessions (id, user_id, token_hash, csrf_token, "
                               "created_at, last_seen_at, user_agent) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, sess->id);
    bind_text(st, 2, sess->user_id);
    bind_blob(st, 3, sess->token_hash, sizeof sess->token_hash);
    bind_text(st, 4, sess->csrf_token);
    sqlite3_bind_int64(st, 5, sess->created_at);
    sqlite3_bind_int64(st, 6, sess->last_seen_at);
    bind_text(st, 7, sess->user_agent);
    return finish(s, step_done(st));
}

enum store_result store_session_by_token(struct store *s, const unsigned char token_hash[32],
                                         struct session *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT id, user_id, csrf_token, created_at, last_seen_at, "
                                   "user_agent FROM sessions WHERE token_hash = ?1")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_blob(st, 1, token_hash, 32);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    }
    memset(out, 0, sizeof *out);
    col_text(st, 0, out->id, sizeof out->id);
    col_text(st, 1, out->user_id, sizeof out->user_id);
    col_text(st, 2, out->csrf_token, sizeof out->csrf_token);
    out->created_at = sqlite3_column_int64(st, 3);
    out->last_seen_at = sqlite3_column_int64(st, 4);
    col_text(st, 5, out->user_agent, sizeof out->user_agent);
    memcpy(out->token_hash, token_hash, 32);
    sqlite3_reset(st);
    return STORE_OK;
}

enum store_result store_session_touch(struct store *s, const char *id, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return finish(s, step_done(st));
}

enum store_result store_session_delete(struct store *s, const char *user_id, const char *id)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, id);
    bind_text(st, 2, user_id);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        r = STORE_NOT_FOUND;
    return finish(s, r);
}

/* ---- throttling ----------------------------------------------------------- */

enum store_result store_throttle_get(struct store *s, const unsigned char key[32],
                                     struct throttle *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT failures, blocked_until, updated_at FROM throttle WHERE key_hash = ?1")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_blob(st, 1, key, 32);
    int rc = sqlite3_step(st);
    memset(out, 0, sizeof *out);
    if (rc == SQLITE_ROW) {
        out->failures = sqlite3_column_int(st, 0);
        out->blocked_until = sqlite3_column_int64(st, 1);
        out->updated_at = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

enum store_result store_throttle_put(struct store *s, const unsigned char key[32],
                                     const struct throttle *t, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO throttle (key_hash, failures, blocked_until, "
                               "updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key_hash) DO "
                               "UPDATE SET failures = ?2, blocked_until = ?3, updated_at = ?4");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_blob(st, 1, key, 32);
    sqlite3_bind_int(st, 2, t->failures);
    sqlite3_bind_int64(st, 3, t->blocked_until);
    sqlite3_bind_int64(st, 4, now);
    return finish(s, step_done(st));
}

enum store_result store_throttle_clear(struct store *s, const unsigned char key[32])
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "DELETE FROM throttle WHERE key_hash = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_blob(st, 1, key, 32);
    return finish(s, step_done(st));
}

/* ---- dyads ---------------------------------------------------------------- */

static enum store_result insert_member(struct conn *c, const char *dyad_id, const struct member *m)
{
    sqlite3_stmt *st = stmt(c, "INSERT INTO dyad_members (dyad_id, user_id, key_proof, "
                               "invite_secret_box, wrapped_key, wrap_signature, wrap_signer, "
                               "joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, m->user_id);
    bind_blob(st, 3, m->key_proof, sizeof m->key_proof);
    bind_blob(st, 4, m->invite_secret_box, sizeof m->invite_secret_box);
    if (m->has_wrap) {
        bind_blob(st, 5, m->wrapped_key, sizeof m->wrapped_key);
        bind_blob(st, 6, m->wrap_signature, sizeof m->wrap_signature);
        bind_text(st, 7, m->wrap_signer);
    }
    sqlite3_bind_int64(st, 8, m->joined_at);
    return step_done(st);
}

enum store_result store_dyad_create(struct store *s, const struct dyad *d,
                                    const struct member *creator, const struct invite *inv)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO dyads (id, kind, created_by, created_at) "
                               "VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, d->id);
    sqlite3_bind_int(st, 2, (int)d->kind);
    bind_text(st, 3, d->created_by);
    sqlite3_bind_int64(st, 4, d->created_at);
    enum store_result r = step_done(st);
    if (r == STORE_OK)
        r = insert_member(c, d->id, creator);
    if (r == STORE_OK) {
        st = stmt(c, "INSERT INTO invites (code, dyad_id, expires_at) VALUES (?1, ?2, ?3)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, inv->code);
        bind_text(st, 2, d->id);
        sqlite3_bind_int64(st, 3, inv->expires_at);
        r = step_done(st);
    }
    return finish(s, r);
}

static enum store_result dyad_row(struct conn *c, const char *dyad_id, struct dyad *out)
{
    sqlite3_stmt *st =
        stmt(c, "SELECT id, kind, created_by, created_at, ended_at FROM dyads WHERE id = ?1");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    }
    memset(out, 0, sizeof *out);
    col_text(st, 0, out->id, sizeof out->id);
    int kind = sqlite3_column_int(st, 1);
    out->kind = kind >= 0 && kind < DYAD_KIND__MAX ? (enum dyad_kind)kind : DYAD_FRIENDS;
    col_text(st, 2, out->created_by, sizeof out->created_by);
    out->created_at = sqlite3_column_int64(st, 3);
    out->ended_at = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return STORE_OK;
}

enum store_result store_dyad_join(struct store *s, const char *code, const struct member *joiner,
                                  int64_t now, struct dyad *dyad_out)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT dyad_id, expires_at, used_at FROM invites WHERE code = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, code);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return finish(s, rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR);
    }
    char dyad_id[STORE_ID_MAX];
    col_text(st, 0, dyad_id, sizeof dyad_id);
    int64_t expires_at = sqlite3_column_int64(st, 1);
    int64_t used_at = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (used_at != 0)
        return finish(s, STORE_CONFLICT);
    if (expires_at <= now)
        return finish(s, STORE_EXPIRED);

    enum store_result r = dyad_row(c, dyad_id, dyad_out);
    if (r != STORE_OK)
        return finish(s, r);
    if (dyad_out->ended_at != 0 || strcmp(dyad_out->created_by, joiner->user_id) == 0)
        return finish(s, STORE_CONFLICT);
    st = stmt(c, "SELECT count(*) FROM dyad_members WHERE dyad_id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    int members = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (members != 1)
        return finish(s, members < 0 ? STORE_ERROR : STORE_CONFLICT);

    st = stmt(c, "UPDATE invites SET used_at = ?2 WHERE code = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, code);
    sqlite3_bind_int64(st, 2, now);
    r = step_done(st);
    if (r == STORE_OK)
        r = insert_member(c, dyad_id, joiner);
    return finish(s, r);
}

enum store_result store_dyad_get(struct store *s, const char *dyad_id, struct dyad *out,
                                 struct member members[2], size_t *n_members)
{
    struct conn *c = reader(s);
    if (c == NULL)
        return STORE_ERROR;
    /* One read transaction, so the dyad and its members are one snapshot. */
    if (exec(c->db, "BEGIN") != 0)
        return STORE_ERROR;
    enum store_result r = dyad_row(c, dyad_id, out);
    *n_members = 0;
    sqlite3_stmt *st = NULL;
    if (r == STORE_OK) {
        st = stmt(c,
                  "SELECT m.user_id, u.display_name, u.box_pk, u.sign_pk, m.key_proof, "
                  "m.invite_secret_box, m.wrapped_key, m.wrap_signature, m.wrap_signer, "
                  "m.track_sexual, m.joined_at, m.left_at, m.therapist_sexual FROM dyad_members m "
                  "JOIN users u ON u.id = m.user_id WHERE m.dyad_id = ?1 "
                  "ORDER BY m.joined_at, m.rowid");
        if (st == NULL)
            r = STORE_ERROR;
    }
    if (r == STORE_OK) {
        bind_text(st, 1, dyad_id);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n_members < 2) {
            struct member *m = &members[*n_members];
            memset(m, 0, sizeof *m);
            col_text(st, 0, m->user_id, sizeof m->user_id);
            col_text(st, 1, m->display_name, sizeof m->display_name);
            bool ok = col_blob(st, 2, m->box_pk, 32) && col_blob(st, 3, m->sign_pk, 32) &&
                      col_blob(st, 4, m->key_proof, 32) &&
                      col_blob(st, 5, m->invite_secret_box, sizeof m->invite_secret_box);
            m->has_wrap = col_blob(st, 6, m->wrapped_key, sizeof m->wrapped_key) &&
                          col_blob(st, 7, m->wrap_signature, sizeof m->wrap_signature);
            col_text(st, 8, m->wrap_signer, sizeof m->wrap_signer);
            m->track_sexual = sqlite3_column_int(st, 9) != 0;
            m->joined_at = sqlite3_column_int64(st, 10);
            m->left_at = sqlite3_column_int64(st, 11);
            m->therapist_sexual = sqlite3_column_int(st, 12) != 0;
            if (!ok) {
                r = STORE_ERROR;
                break;
            }
            (*n_members)++;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            r = STORE_ERROR;
        sqlite3_reset(st);
    }
    exec(c->db, "COMMIT");
    return r;
}

enum store_result store_dyad_invite(struct store *s, const char *dyad_id, int64_t now,
                                    struct invite *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT code, expires_at FROM invites WHERE dyad_id = ?1 "
                                   "AND used_at = 0 AND expires_at > ?2 "
                                   "ORDER BY expires_at DESC LIMIT 1")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        col_text(st, 0, out->code, sizeof out->code);
        snprintf(out->dyad_id, sizeof out->dyad_id, "%s", dyad_id);
        out->expires_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

enum store_result store_member_set_wrap(struct store *s, const char *dyad_id, const char *user_id,
                                        const unsigned char wrapped_key[STORE_SEALED_KEY],
                                        const unsigned char signature[64], const char *signer_id)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "UPDATE dyad_members SET wrapped_key = ?3, wrap_signature = ?4, "
                               "wrap_signer = ?5 WHERE dyad_id = ?1 AND user_id = ?2 "
                               "AND wrapped_key IS NULL AND left_at = 0");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    bind_blob(st, 3, wrapped_key, STORE_SEALED_KEY);
    bind_blob(st, 4, signature, 64);
    bind_text(st, 5, signer_id);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) != 1)
        r = STORE_CONFLICT;
    return finish(s, r);
}

enum store_result store_member_set_track_sexual(struct store *s, const char *dyad_id,
                                                const char *user_id, bool track)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "UPDATE dyad_members SET track_sexual = ?3 "
                               "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int(st, 3, track ? 1 : 0);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) != 1)
        r = STORE_NOT_FOUND;
    return finish(s, r);
}

/* Removes what user_id wrote in dyad_id (check-ins with notes, shares with
 * the responses to them, responses, comfort), inside the caller's
 * transaction. */
static enum store_result delete_authored(struct conn *c, const char *dyad_id, const char *user_id)
{
    static const char *const sql[] = {
        "DELETE FROM checkins WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM responses WHERE dyad_id = ?1 AND author_id = ?2",
        "DELETE FROM shares WHERE dyad_id = ?1 AND author_id = ?2",
        "DELETE FROM comfort WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM reshares WHERE dyad_id = ?1 AND user_id = ?2",
        "DELETE FROM private_checkins WHERE dyad_id = ?1 AND user_id = ?2",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = stmt(c, sql[i]);
        if (st == NULL)
            return STORE_ERROR;
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, user_id);
        enum store_result r = step_done(st);
        if (r != STORE_OK)
            return r;
    }
    return STORE_OK;
}

/* Ends the dyad as user_id leaves it (inside the caller's transaction). */
static enum store_result leave_locked(struct conn *c, const char *dyad_id, const char *user_id,
                                      bool delete_content, int64_t now)
{
    sqlite3_stmt *st = stmt(c, "UPDATE dyad_members SET left_at = ?3, wrapped_key = NULL, "
                               "wrap_signature = NULL, invite_secret_box = zeroblob(72) "
                               "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) != 1)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK) {
        st = stmt(c, "UPDATE dyads SET ended_at = ?2 WHERE id = ?1 AND ended_at = 0");
        if (st == NULL)
            return STORE_ERROR;
        bind_text(st, 1, dyad_id);
        sqlite3_bind_int64(st, 2, now);
        r = step_done(st);
    }
    if (r == STORE_OK) {
        st = stmt(c, "DELETE FROM invites WHERE dyad_id = ?1 AND used_at = 0");
        if (st == NULL)
            return STORE_ERROR;
        bind_text(st, 1, dyad_id);
        r = step_done(st);
    }
    if (r == STORE_OK) {
        /* the therapist link ends with the dyad */
        st = stmt(c, "DELETE FROM therapist_links WHERE dyad_id = ?1");
        if (st == NULL)
            return STORE_ERROR;
        bind_text(st, 1, dyad_id);
        r = step_done(st);
    }
    if (r == STORE_OK && delete_content)
        r = delete_authored(c, dyad_id, user_id);
    return r;
}

enum store_result store_member_set_therapist_sexual(struct store *s, const char *dyad_id,
                                                    const char *user_id, bool allow)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "UPDATE dyad_members SET therapist_sexual = ?3 "
                               "WHERE dyad_id = ?1 AND user_id = ?2 AND left_at = 0");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int(st, 3, allow ? 1 : 0);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) != 1)
        r = STORE_NOT_FOUND;
    return finish(s, r);
}

enum store_result store_dyad_leave(struct store *s, const char *dyad_id, const char *user_id,
                                   bool delete_content, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    return finish(s, leave_locked(c, dyad_id, user_id, delete_content, now));
}

enum store_result store_user_dyads(struct store *s, const char *user_id, struct dyad_summary *out,
                                   size_t max, size_t *n)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c,
                 "SELECT d.id, d.kind, d.ended_at, "
                 "(SELECT count(*) FROM dyad_members x WHERE x.dyad_id = d.id) "
                 "FROM dyads d JOIN dyad_members m ON m.dyad_id = d.id "
                 "WHERE m.user_id = ?1 AND m.left_at = 0 ORDER BY d.created_at DESC, d.rowid DESC")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, user_id);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        struct dyad_summary *d = &out[*n];
        col_text(st, 0, d->id, sizeof d->id);
        int kind = sqlite3_column_int(st, 1);
        d->kind = kind >= 0 && kind < DYAD_KIND__MAX ? (enum dyad_kind)kind : DYAD_FRIENDS;
        d->active = sqlite3_column_int64(st, 2) == 0;
        d->paired = sqlite3_column_int(st, 3) == 2;
        (*n)++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- check-ins ------------------------------------------------------------ */

static void bind_score(sqlite3_stmt *st, int i, int v)
{
    if (v == STORE_NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int(st, i, v);
}

static int8_t col_score(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? STORE_NULL
                                                     : (int8_t)sqlite3_column_int(st, i);
}

enum store_result store_checkin_put(struct store *s, const char *dyad_id, const struct checkin *c,
                                    const unsigned char *note, size_t note_len)
{
    struct conn *w = begin(s);
    if (w == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(
        w, "INSERT OR REPLACE INTO checkins (dyad_id, user_id, day, closeness, closeness_wanted, "
           "opened_up, understood, safety, affection, sexual, emotions, wordless, note, show_mask, "
           "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, c->user_id);
    sqlite3_bind_int64(st, 3, c->day);
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        bind_score(st, 4 + i, c->score[i]);
    sqlite3_bind_int(st, 11, (int)c->emotions);
    bind_score(st, 12, c->wordless);
    if (note != NULL)
        bind_blob(st, 13, note, note_len);
    sqlite3_bind_int(st, 14, (int)c->show_mask);
    sqlite3_bind_int64(st, 15, c->updated_at);
    return finish(s, step_done(st));
}

enum store_result store_checkins(struct store *s, const char *dyad_id, long from, long to,
                                 struct checkin *out, size_t max, size_t *n)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT user_id, day, closeness, closeness_wanted, opened_up, understood, "
                    "safety, affection, sexual, emotions, wordless, note IS NOT NULL, show_mask, "
                    "updated_at FROM checkins WHERE dyad_id = ?1 AND day BETWEEN ?2 AND ?3 "
                    "ORDER BY day, user_id")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        struct checkin *k = &out[(*n)++];
        memset(k, 0, sizeof *k);
        col_text(st, 0, k->user_id, sizeof k->user_id);
        k->day = (long)sqlite3_column_int64(st, 1);
        for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
            k->score[i] = col_score(st, 2 + i);
        k->emotions = (unsigned)sqlite3_column_int(st, 9);
        k->wordless = col_score(st, 10);
        k->has_note = sqlite3_column_int(st, 11) != 0;
        k->show_mask = (unsigned)sqlite3_column_int(st, 12);
        k->updated_at = sqlite3_column_int64(st, 13);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_checkin_notes(struct store *s, const char *dyad_id, const char *user_id,
                                      long from, long to, store_note_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT day, note FROM checkins WHERE dyad_id = ?1 AND "
                                   "user_id = ?2 AND day BETWEEN ?3 AND ?4 AND note IS NOT NULL "
                                   "ORDER BY day")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int64(st, 3, from);
    sqlite3_bind_int64(st, 4, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (long)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- shares and responses ------------------------------------------------- */

enum store_result store_share_create(struct store *s, const char *dyad_id, const struct share *sh)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO shares (id, dyad_id, author_id, topic, depth, "
                               "prompt_id, reveal, body, created_at, together) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, sh->id);
    bind_text(st, 2, dyad_id);
    bind_text(st, 3, sh->author_id);
    sqlite3_bind_int(st, 4, sh->topic);
    sqlite3_bind_int(st, 5, sh->depth);
    if (sh->prompt_id[0] != '\0')
        bind_text(st, 6, sh->prompt_id);
    sqlite3_bind_int(st, 7, sh->mutual ? 1 : 0);
    bind_blob(st, 8, sh->body, sh->body_len);
    sqlite3_bind_int64(st, 9, sh->created_at);
    sqlite3_bind_int(st, 10, sh->together ? 1 : 0);
    enum store_result r = step_done(st);
    /* a taken id can also collide with a response id: ids are one space */
    return finish(s, r);
}

static void share_cols(sqlite3_stmt *st, struct share *sh)
{
    memset(sh, 0, sizeof *sh);
    col_text(st, 0, sh->id, sizeof sh->id);
    col_text(st, 1, sh->author_id, sizeof sh->author_id);
    sh->topic = sqlite3_column_int(st, 2);
    sh->depth = sqlite3_column_int(st, 3);
    col_text(st, 4, sh->prompt_id, sizeof sh->prompt_id);
    sh->mutual = sqlite3_column_int(st, 5) != 0;
    sh->created_at = sqlite3_column_int64(st, 6);
    sh->together = sqlite3_column_count(st) > 8 && sqlite3_column_int(st, 8) != 0;
}

enum store_result store_share_get(struct store *s, const char *dyad_id, const char *share_id,
                                  struct share *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT id, author_id, topic, depth, prompt_id, reveal, "
                                   "created_at FROM shares WHERE dyad_id = ?1 AND id = ?2")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, share_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        share_cols(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

enum { RESPONSES_PER_SHARE = 16 };

enum store_result store_shares_page(struct store *s, const char *dyad_id, int64_t before,
                                    const char *before_id, int limit, store_share_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    if (c == NULL || exec(c->db, "BEGIN") != 0)
        return STORE_ERROR;
    static const char by_time[] = "SELECT id, author_id, topic, depth, prompt_id, reveal, "
                                  "created_at, body, together FROM shares WHERE dyad_id = ?1 AND "
                                  "created_at < ?2 ORDER BY created_at DESC, rowid DESC LIMIT ?3";
    static const char by_cursor[] =
        "SELECT id, author_id, topic, depth, prompt_id, reveal, created_at, body, together "
        "FROM shares WHERE dyad_id = ?1 AND (created_at, rowid) < (SELECT created_at, rowid FROM "
        "shares "
        "WHERE id = ?4 AND dyad_id = ?1) ORDER BY created_at DESC, rowid DESC LIMIT ?3";
    sqlite3_stmt *st = stmt(c, before_id != NULL ? by_cursor : by_time);
    sqlite3_stmt *rs = stmt(c, "SELECT id, author_id, kind, created_at, body FROM responses "
                               "WHERE share_id = ?1 ORDER BY created_at, rowid LIMIT 16");
    if (st == NULL || rs == NULL) {
        exec(c->db, "COMMIT");
        return STORE_ERROR;
    }
    bind_text(st, 1, dyad_id);
    if (before_id != NULL)
        bind_text(st, 4, before_id);
    else
        sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
    sqlite3_bind_int(st, 3, limit);
    enum store_result r = STORE_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct share sh;
        share_cols(st, &sh);
        sh.body = sqlite3_column_blob(st, 7);
        sh.body_len = (size_t)sqlite3_column_bytes(st, 7);
        struct response resp[RESPONSES_PER_SHARE];
        size_t n = 0;
        sqlite3_reset(rs);
        bind_text(rs, 1, sh.id);
        int rrc;
        while ((rrc = sqlite3_step(rs)) == SQLITE_ROW && n < RESPONSES_PER_SHARE) {
            struct response *x = &resp[n++];
            memset(x, 0, sizeof *x);
            col_text(rs, 0, x->id, sizeof x->id);
            snprintf(x->share_id, sizeof x->share_id, "%s", sh.id);
            col_text(rs, 1, x->author_id, sizeof x->author_id);
            x->kind = sqlite3_column_int(rs, 2);
            x->created_at = sqlite3_column_int64(rs, 3);
            /* copied: a blob pointer dies at the next step */
            if (sqlite3_column_type(rs, 4) == SQLITE_BLOB) {
                x->body_len = (size_t)sqlite3_column_bytes(rs, 4);
                unsigned char *copy = malloc(x->body_len);
                if (copy == NULL) {
                    r = STORE_ERROR;
                    break;
                }
                memcpy(copy, sqlite3_column_blob(rs, 4), x->body_len);
                x->body = copy;
            }
        }
        if (r == STORE_OK && rrc != SQLITE_ROW && rrc != SQLITE_DONE)
            r = STORE_ERROR;
        if (r == STORE_OK)
            fn(ctx, &sh, resp, n);
        for (size_t i = 0; i < n; i++)
            free((void *)resp[i].body);
        if (r != STORE_OK)
            break;
    }
    if (r == STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = STORE_ERROR;
    sqlite3_reset(st);
    sqlite3_reset(rs);
    exec(c->db, "COMMIT");
    return r;
}

enum store_result store_response_create(struct store *s, const char *dyad_id,
                                        const struct response *x)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    /* one id space for entries: a response may not reuse a share's id */
    sqlite3_stmt *st = stmt(c, "SELECT count(*) FROM shares WHERE id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, x->id);
    int taken = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (taken != 0)
        return finish(s, taken < 0 ? STORE_ERROR : STORE_CONFLICT);
    st = stmt(c, "SELECT count(*) FROM responses WHERE share_id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, x->share_id);
    int count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (count < 0 || count >= RESPONSES_PER_SHARE)
        return finish(s, count < 0 ? STORE_ERROR : STORE_CONFLICT);
    st = stmt(c, "INSERT INTO responses (id, share_id, dyad_id, author_id, kind, body, "
                 "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, x->id);
    bind_text(st, 2, x->share_id);
    bind_text(st, 3, dyad_id);
    bind_text(st, 4, x->author_id);
    sqlite3_bind_int(st, 5, x->kind);
    if (x->body != NULL)
        bind_blob(st, 6, x->body, x->body_len);
    sqlite3_bind_int64(st, 7, x->created_at);
    return finish(s, step_done(st));
}

enum store_result store_prompt_answered(struct store *s, const char *dyad_id, const char *user_id,
                                        const char *prompt_id, bool *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT count(*) FROM shares WHERE dyad_id = ?1 AND "
                                   "author_id = ?2 AND prompt_id = ?3")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    bind_text(st, 3, prompt_id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

enum store_result store_share_meta(struct store *s, const char *dyad_id, int64_t since,
                                   store_share_meta_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT author_id, topic, depth, prompt_id, created_at, answered_at FROM ("
                    "SELECT s.author_id, s.topic, s.depth, s.prompt_id, s.created_at, "
                    "CASE WHEN s.together THEN s.created_at ELSE (SELECT min(r.created_at) FROM "
                    "responses r WHERE r.share_id = s.id AND r.author_id <> s.author_id) END "
                    "AS answered_at, s.rowid AS k, 0 AS twin FROM shares s "
                    "WHERE s.dyad_id = ?1 AND s.created_at >= ?2 "
                    "UNION ALL "
                    "SELECT m.user_id, s.topic, s.depth, s.prompt_id, s.created_at, s.created_at, "
                    "s.rowid, 1 FROM shares s JOIN dyad_members m ON m.dyad_id = s.dyad_id AND "
                    "m.user_id <> s.author_id WHERE s.dyad_id = ?1 AND s.created_at >= ?2 AND "
                    "s.together = 1) ORDER BY created_at, k, twin")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    sqlite3_bind_int64(st, 2, since);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct share_meta m;
        memset(&m, 0, sizeof m);
        col_text(st, 0, m.author_id, sizeof m.author_id);
        m.topic = sqlite3_column_int(st, 1);
        m.depth = sqlite3_column_int(st, 2);
        col_text(st, 3, m.prompt_id, sizeof m.prompt_id);
        m.created_at = sqlite3_column_int64(st, 4);
        m.answered_at = sqlite3_column_int64(st, 5);
        fn(ctx, &m);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- comfort --------------------------------------------------------------- */

enum store_result store_comfort_set(struct store *s, const char *dyad_id, const char *user_id,
                                    int topic, int level, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO comfort (dyad_id, user_id, topic, level, set_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int(st, 3, topic);
    sqlite3_bind_int(st, 4, level);
    sqlite3_bind_int64(st, 5, now);
    return finish(s, step_done(st));
}

enum store_result store_comfort_current(struct store *s, const char *dyad_id, const char *user_id,
                                        int *levels, int n_topics)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT topic, level FROM comfort WHERE dyad_id = ?1 AND user_id = ?2 "
                    "ORDER BY set_at, rowid")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    for (int i = 0; i < n_topics; i++)
        levels[i] = -1;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int t = sqlite3_column_int(st, 0);
        if (t >= 0 && t < n_topics)
            levels[t] = sqlite3_column_int(st, 1); /* later rows win */
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_comfort_history(struct store *s, const char *dyad_id, const char *user_id,
                                        store_comfort_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT topic, level, set_at FROM comfort WHERE dyad_id = ?1 AND "
                    "user_id = ?2 ORDER BY set_at, rowid")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, user_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- prompt offers ------------------------------------------------------------ */

enum store_result store_prompt_offer_add(struct store *s, const char *dyad_id,
                                         const char *prompt_id, long day)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO prompt_offers (dyad_id, prompt_id, day) "
                               "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, prompt_id);
    sqlite3_bind_int64(st, 3, day);
    return finish(s, step_done(st));
}

enum store_result store_prompt_offers(struct store *s, const char *dyad_id, long since_day,
                                      store_prompt_offer_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT prompt_id, day FROM prompt_offers WHERE dyad_id = ?1 "
                                   "AND day >= ?2 ORDER BY day, prompt_id")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    sqlite3_bind_int64(st, 2, since_day);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (long)sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- sessions list, browsers, notices ------------------------------------- */

enum store_result store_sessions_list(struct store *s, const char *user_id, store_session_fn *fn,
                                      void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT id, created_at, last_seen_at, user_agent FROM sessions "
                                   "WHERE user_id = ?1 ORDER BY created_at DESC, rowid DESC")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, user_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct session sess;
        memset(&sess, 0, sizeof sess);
        col_text(st, 0, sess.id, sizeof sess.id);
        snprintf(sess.user_id, sizeof sess.user_id, "%s", user_id);
        sess.created_at = sqlite3_column_int64(st, 1);
        sess.last_seen_at = sqlite3_column_int64(st, 2);
        col_text(st, 3, sess.user_agent, sizeof sess.user_agent);
        fn(ctx, &sess);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_browser_seen(struct store *s, const char *user_id,
                                     const unsigned char ua_hash[32], const char *user_agent,
                                     const char *notice_id, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT count(*) FROM known_browsers WHERE user_id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, user_id);
    int known = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (known < 0)
        return finish(s, STORE_ERROR);
    st = stmt(c, "INSERT OR IGNORE INTO known_browsers (user_id, ua_hash, first_seen) "
                 "VALUES (?1, ?2, ?3)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, user_id);
    bind_blob(st, 2, ua_hash, 32);
    sqlite3_bind_int64(st, 3, now);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) == 1 && known > 0) {
        st = stmt(c, "INSERT INTO notices (id, user_id, kind, detail, created_at) "
                     "VALUES (?1, ?2, 'new_browser', ?3, ?4)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, notice_id);
        bind_text(st, 2, user_id);
        bind_text(st, 3, user_agent);
        sqlite3_bind_int64(st, 4, now);
        r = step_done(st);
    }
    return finish(s, r);
}

enum store_result store_notices(struct store *s, const char *user_id, store_notice_fn *fn,
                                void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT id, kind, detail, created_at FROM notices "
                                   "WHERE user_id = ?1 ORDER BY created_at, rowid")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, user_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct notice n;
        memset(&n, 0, sizeof n);
        col_text(st, 0, n.id, sizeof n.id);
        col_text(st, 1, n.kind, sizeof n.kind);
        col_text(st, 2, n.detail, sizeof n.detail);
        n.created_at = sqlite3_column_int64(st, 3);
        fn(ctx, &n);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_notice_delete(struct store *s, const char *user_id, const char *id)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "DELETE FROM notices WHERE id = ?1 AND user_id = ?2");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, id);
    bind_text(st, 2, user_id);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        r = STORE_NOT_FOUND;
    return finish(s, r);
}

enum store_result store_user_delete(struct store *s, const char *user_id, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    /* every dyad of theirs: leave the active ones, remove what they wrote */
    sqlite3_stmt *st = stmt(c, "SELECT dyad_id, left_at FROM dyad_members WHERE user_id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, user_id);
    struct {
        char id[STORE_ID_MAX];
        bool active;
    } dyads[256];
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 256) {
        col_text(st, 0, dyads[n].id, sizeof dyads[n].id);
        dyads[n].active = sqlite3_column_int64(st, 1) == 0;
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return finish(s, STORE_ERROR);
    enum store_result r = STORE_OK;
    for (size_t i = 0; i < n && r == STORE_OK; i++) {
        r = dyads[i].active ? leave_locked(c, dyads[i].id, user_id, true, now)
                            : delete_authored(c, dyads[i].id, user_id);
    }
    static const char *const scrub[] = {
        /* a dyad nobody else ever joined goes whole */
        ("DELETE FROM dyads WHERE id IN (SELECT dyad_id FROM dyad_members WHERE user_id = ?1) "
         "AND (SELECT count(*) FROM dyad_members m WHERE m.dyad_id = dyads.id) = 1"),
        "UPDATE dyads SET created_by = '' WHERE created_by = ?1",
        "UPDATE dyad_members SET wrap_signer = NULL WHERE wrap_signer = ?1",
        "DELETE FROM audit WHERE actor_id = ?1 OR subject_user = ?1",
        "DELETE FROM dyad_members WHERE user_id = ?1",
        "DELETE FROM users WHERE id = ?1",
    };
    for (size_t i = 0; i < sizeof scrub / sizeof scrub[0] && r == STORE_OK; i++) {
        st = stmt(c, scrub[i]);
        if (st == NULL) {
            r = STORE_ERROR;
            break;
        }
        bind_text(st, 1, user_id);
        r = step_done(st);
    }
    r = finish(s, r);
    if (r == STORE_OK) {
        /* Copy the WAL into the database (where secure_delete has zeroed
         * the erased cells) and truncate it, so no old frame keeps them. */
        pthread_mutex_lock(&s->wlock);
        int ck =
            sqlite3_wal_checkpoint_v2(s->writer.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        pthread_mutex_unlock(&s->wlock);
        if (ck != SQLITE_OK)
            fprintf(stderr, "dyad: store: checkpoint after erasure: %s\n", sqlite3_errstr(ck));
    }
    return r;
}

enum store_result store_authored(struct store *s, const char *dyad_id, const char *user_id,
                                 store_authored_share_fn *share_fn,
                                 store_authored_response_fn *response_fn, void *ctx)
{
    struct conn *c = reader(s);
    if (c == NULL || exec(c->db, "BEGIN") != 0)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT id, author_id, topic, depth, prompt_id, reveal, created_at, "
                               "body FROM shares WHERE dyad_id = ?1 AND author_id = ?2 "
                               "ORDER BY created_at, rowid");
    enum store_result r = st != NULL ? STORE_OK : STORE_ERROR;
    int rc = SQLITE_DONE;
    if (st != NULL) {
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, user_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct share sh;
            share_cols(st, &sh);
            sh.body = sqlite3_column_blob(st, 7);
            sh.body_len = (size_t)sqlite3_column_bytes(st, 7);
            share_fn(ctx, &sh);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            r = STORE_ERROR;
    }
    st = r == STORE_OK ? stmt(c, "SELECT id, share_id, kind, created_at, body FROM responses "
                                 "WHERE dyad_id = ?1 AND author_id = ?2 ORDER BY created_at, rowid")
                       : NULL;
    if (st != NULL) {
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, user_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct response x;
            memset(&x, 0, sizeof x);
            col_text(st, 0, x.id, sizeof x.id);
            col_text(st, 1, x.share_id, sizeof x.share_id);
            snprintf(x.author_id, sizeof x.author_id, "%s", user_id);
            x.kind = sqlite3_column_int(st, 2);
            x.created_at = sqlite3_column_int64(st, 3);
            if (sqlite3_column_type(st, 4) == SQLITE_BLOB) {
                x.body = sqlite3_column_blob(st, 4);
                x.body_len = (size_t)sqlite3_column_bytes(st, 4);
            }
            response_fn(ctx, &x);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            r = STORE_ERROR;
    } else {
        r = STORE_ERROR;
    }
    exec(c->db, "COMMIT");
    return r;
}

/* ---- therapists ------------------------------------------------------------- */

enum store_result store_therapist_invite(struct store *s, const unsigned char token_hash[32],
                                         const char *email, int64_t now, int64_t expires_at)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO therapist_invites (token_hash, email, created_at, "
                               "expires_at) VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_blob(st, 1, token_hash, 32);
    bind_text(st, 2, email);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, expires_at);
    return finish(s, step_done(st));
}

enum store_result store_therapist_invite_check(struct store *s, const unsigned char token_hash[32],
                                               int64_t now)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT expires_at, used_at FROM therapist_invites WHERE token_hash = ?1")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_blob(st, 1, token_hash, 32);
    int rc = sqlite3_step(st);
    enum store_result r = rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    if (rc == SQLITE_ROW)
        r = sqlite3_column_int64(st, 1) != 0     ? STORE_CONFLICT
            : sqlite3_column_int64(st, 0) <= now ? STORE_EXPIRED
                                                 : STORE_OK;
    sqlite3_reset(st);
    return r;
}

enum store_result store_therapist_setup(struct store *s, const unsigned char token_hash[32],
                                        struct user *u, const char *code_id, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT email, expires_at, used_at FROM therapist_invites "
                               "WHERE token_hash = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_blob(st, 1, token_hash, 32);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return finish(s, rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR);
    }
    col_text(st, 0, u->email, sizeof u->email);
    int64_t expires_at = sqlite3_column_int64(st, 1), used_at = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (used_at != 0)
        return finish(s, STORE_CONFLICT);
    if (expires_at <= now)
        return finish(s, STORE_EXPIRED);
    st = stmt(c, "UPDATE therapist_invites SET used_at = ?2 WHERE token_hash = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_blob(st, 1, token_hash, 32);
    sqlite3_bind_int64(st, 2, now);
    enum store_result r = step_done(st);
    if (r == STORE_OK) {
        u->role = USER_THERAPIST;
        r = insert_user(c, u);
    }
    if (r == STORE_OK) {
        st = stmt(c, "INSERT INTO therapist_codes (user_id, code_id) VALUES (?1, ?2)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, u->id);
        bind_text(st, 2, code_id);
        r = step_done(st);
    }
    return finish(s, r);
}

enum store_result store_therapist_code(struct store *s, const char *user_id, char *code_id,
                                       size_t cap)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT code_id FROM therapist_codes WHERE user_id = ?1") : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        col_text(st, 0, code_id, cap);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

enum store_result store_therapist_by_code(struct store *s, const char *code_id, struct user *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st = c ? stmt(c, "SELECT " USER_COLS " FROM users WHERE role = 1 AND id = "
                                   "(SELECT user_id FROM therapist_codes WHERE code_id = ?1)")
                         : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, code_id);
    return user_row(st, out);
}

static enum store_result link_row(struct conn *c, const char *dyad_id, struct therapist_link *out)
{
    sqlite3_stmt *st =
        stmt(c, "SELECT therapist_id, created_at FROM therapist_links WHERE dyad_id = ?1");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->dyad_id, sizeof out->dyad_id, "%s", dyad_id);
    col_text(st, 0, out->therapist_id, sizeof out->therapist_id);
    out->created_at = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    /* only consents of current members count */
    st = stmt(c, "SELECT k.user_id FROM therapist_consents k JOIN dyad_members m ON "
                 "m.dyad_id = k.dyad_id AND m.user_id = k.user_id AND m.left_at = 0 "
                 "WHERE k.dyad_id = ?1 ORDER BY k.consented_at LIMIT 2");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_consents < 2)
        col_text(st, 0, out->consented[out->n_consents++], STORE_ID_MAX);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

enum store_result store_link_get(struct store *s, const char *dyad_id, struct therapist_link *out)
{
    struct conn *c = reader(s);
    if (c == NULL || exec(c->db, "BEGIN") != 0)
        return STORE_ERROR;
    enum store_result r = link_row(c, dyad_id, out);
    exec(c->db, "COMMIT");
    return r;
}

static enum store_result audit_locked(struct conn *c, const char *dyad_id, const char *actor_id,
                                      const char *action, const char *subject_user, int64_t now)
{
    sqlite3_stmt *st = stmt(c, "INSERT INTO audit (dyad_id, actor_id, action, subject_user, at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, actor_id);
    bind_text(st, 3, action);
    if (subject_user != NULL)
        bind_text(st, 4, subject_user);
    sqlite3_bind_int64(st, 5, now);
    return step_done(st);
}

enum store_result store_link_consent(struct store *s, const char *dyad_id, const char *therapist_id,
                                     const char *user_id, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    struct therapist_link l;
    enum store_result r = link_row(c, dyad_id, &l);
    if (r == STORE_OK && strcmp(l.therapist_id, therapist_id) != 0)
        return finish(s, STORE_CONFLICT);
    if (r == STORE_NOT_FOUND) {
        sqlite3_stmt *st = stmt(c, "INSERT INTO therapist_links (dyad_id, therapist_id, "
                                   "created_at) VALUES (?1, ?2, ?3)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, therapist_id);
        sqlite3_bind_int64(st, 3, now);
        r = step_done(st);
    }
    if (r == STORE_OK) {
        sqlite3_stmt *st = stmt(c, "INSERT OR IGNORE INTO therapist_consents (dyad_id, user_id, "
                                   "consented_at) VALUES (?1, ?2, ?3)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, user_id);
        sqlite3_bind_int64(st, 3, now);
        r = step_done(st);
    }
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, user_id, "consent", NULL, now);
    return finish(s, r);
}

enum store_result store_link_revoke(struct store *s, const char *dyad_id, const char *user_id,
                                    int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "DELETE FROM therapist_links WHERE dyad_id = ?1");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, dyad_id);
    enum store_result r = step_done(st);
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        r = STORE_NOT_FOUND;
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, user_id, "revoke", NULL, now);
    return finish(s, r);
}

enum store_result store_therapist_links(struct store *s, const char *therapist_id,
                                        store_link_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    if (c == NULL || exec(c->db, "BEGIN") != 0)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT dyad_id FROM therapist_links WHERE therapist_id = ?1 "
                               "ORDER BY created_at");
    enum store_result r = st != NULL ? STORE_OK : STORE_ERROR;
    enum { MAX_LINKS = 256 };
    struct therapist_link *links = calloc(MAX_LINKS, sizeof *links);
    char(*ids)[STORE_ID_MAX] = calloc(MAX_LINKS, STORE_ID_MAX);
    size_t n = 0;
    if (links == NULL || ids == NULL)
        r = STORE_ERROR;
    if (r == STORE_OK) {
        int rc;
        bind_text(st, 1, therapist_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_LINKS)
            col_text(st, 0, ids[n++], STORE_ID_MAX);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            r = STORE_ERROR;
    }
    for (size_t i = 0; r == STORE_OK && i < n; i++)
        r = link_row(c, ids[i], &links[i]);
    exec(c->db, "COMMIT");
    /* the callbacks run outside the read transaction: they read too */
    for (size_t i = 0; r == STORE_OK && i < n; i++)
        fn(ctx, &links[i]);
    free(links);
    free(ids);
    return r;
}

enum store_result store_dyad_last_activity(struct store *s, const char *dyad_id, int64_t *out)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c,
                 "SELECT max(coalesce((SELECT max(updated_at) FROM checkins WHERE dyad_id = ?1), "
                 "0), coalesce((SELECT max(created_at) FROM shares WHERE dyad_id = ?1), 0))")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

enum store_result store_assignment_create(struct store *s, const char *dyad_id,
                                          const struct assignment *a, const char *const *note_users,
                                          const unsigned char *const *notes,
                                          const size_t *note_lens, size_t n_notes)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO assignments (id, dyad_id, therapist_id, topic, depth, "
                               "starts_at, ends_at, created_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, a->id);
    bind_text(st, 2, dyad_id);
    bind_text(st, 3, a->therapist_id);
    sqlite3_bind_int(st, 4, a->topic);
    sqlite3_bind_int(st, 5, a->depth);
    sqlite3_bind_int64(st, 6, a->starts_at);
    sqlite3_bind_int64(st, 7, a->ends_at);
    sqlite3_bind_int64(st, 8, a->created_at);
    enum store_result r = step_done(st);
    for (size_t i = 0; r == STORE_OK && i < n_notes; i++) {
        st = stmt(c, "INSERT INTO assignment_notes (assignment_id, user_id, sealed) "
                     "VALUES (?1, ?2, ?3)");
        if (st == NULL)
            return finish(s, STORE_ERROR);
        bind_text(st, 1, a->id);
        bind_text(st, 2, note_users[i]);
        bind_blob(st, 3, notes[i], note_lens[i]);
        r = step_done(st);
    }
    if (r == STORE_OK)
        r = audit_locked(c, dyad_id, a->therapist_id, "assign", NULL, a->created_at);
    return finish(s, r);
}

enum store_result store_assignment_current(struct store *s, const char *dyad_id, int64_t now,
                                           const char *user_id, struct assignment *out,
                                           unsigned char *note, size_t cap, size_t *note_len)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT a.id, a.therapist_id, a.topic, a.depth, a.starts_at, a.ends_at, "
                    "a.created_at, n.sealed FROM assignments a "
                    "JOIN therapist_links l ON l.dyad_id = a.dyad_id AND "
                    "l.therapist_id = a.therapist_id "
                    "LEFT JOIN assignment_notes n ON n.assignment_id = a.id AND n.user_id = ?3 "
                    "WHERE a.dyad_id = ?1 AND a.starts_at <= ?2 AND a.ends_at > ?2 "
                    "ORDER BY a.created_at DESC, a.rowid DESC LIMIT 1")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    sqlite3_bind_int64(st, 2, now);
    bind_text(st, 3, user_id);
    int rc = sqlite3_step(st);
    *note_len = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        col_text(st, 0, out->id, sizeof out->id);
        col_text(st, 1, out->therapist_id, sizeof out->therapist_id);
        out->topic = sqlite3_column_int(st, 2);
        out->depth = sqlite3_column_int(st, 3);
        out->starts_at = sqlite3_column_int64(st, 4);
        out->ends_at = sqlite3_column_int64(st, 5);
        out->created_at = sqlite3_column_int64(st, 6);
        size_t len = (size_t)sqlite3_column_bytes(st, 7);
        if (sqlite3_column_type(st, 7) == SQLITE_BLOB && len <= cap) {
            memcpy(note, sqlite3_column_blob(st, 7), len);
            *note_len = len;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

/* ---- audit ------------------------------------------------------------------ */

enum store_result store_audit_add(struct store *s, const char *dyad_id, const char *actor_id,
                                  const char *action, const char *subject_user, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    return finish(s, audit_locked(c, dyad_id, actor_id, action, subject_user, now));
}

enum store_result store_audit_list(struct store *s, const char *dyad_id, const char *viewer_id,
                                   int limit, store_audit_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT a.actor_id, coalesce(u.display_name, ''), coalesce(u.role, 0), "
                    "a.action, coalesce(a.subject_user, ''), a.at FROM audit a "
                    "LEFT JOIN users u ON u.id = a.actor_id WHERE a.dyad_id = ?1 AND "
                    "(a.subject_user IS NULL OR a.subject_user = ?2) "
                    "ORDER BY a.at DESC, a.id DESC LIMIT ?3")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, viewer_id);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct audit_entry e;
        memset(&e, 0, sizeof e);
        col_text(st, 0, e.actor_id, sizeof e.actor_id);
        col_text(st, 1, e.actor_name, sizeof e.actor_name);
        e.actor_therapist = sqlite3_column_int(st, 2) == 1;
        col_text(st, 3, e.action, sizeof e.action);
        col_text(st, 4, e.subject_user, sizeof e.subject_user);
        e.at = sqlite3_column_int64(st, 5);
        fn(ctx, &e);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- private check-ins and re-shares ------------------------------------- */

enum store_result store_private_assign(struct store *s, const struct private_checkin *p)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO private_checkins (id, dyad_id, therapist_id, user_id, "
                               "questionnaire, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, p->id);
    bind_text(st, 2, p->dyad_id);
    bind_text(st, 3, p->therapist_id);
    bind_text(st, 4, p->user_id);
    bind_text(st, 5, p->questionnaire);
    sqlite3_bind_int64(st, 6, p->assigned_at);
    return finish(s, step_done(st));
}

enum store_result store_private_list(struct store *s, const char *user_id, const char *dyad_id,
                                     const char *therapist_id, store_private_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    if (c == NULL)
        return STORE_ERROR;
    /* only while the therapist who asked is still linked with both consents */
    static const char by_user[] =
        "SELECT p.id, p.dyad_id, p.therapist_id, p.user_id, p.questionnaire, p.assigned_at, "
        "p.answered_at, p.sealed FROM private_checkins p JOIN therapist_links l ON "
        "l.dyad_id = p.dyad_id AND l.therapist_id = p.therapist_id WHERE p.user_id = ?1 AND "
        "(SELECT count(*) FROM therapist_consents k WHERE k.dyad_id = p.dyad_id) = 2 "
        "ORDER BY p.assigned_at, p.rowid";
    static const char by_dyad[] =
        "SELECT p.id, p.dyad_id, p.therapist_id, p.user_id, p.questionnaire, p.assigned_at, "
        "p.answered_at, p.sealed FROM private_checkins p WHERE p.dyad_id = ?1 AND "
        "p.therapist_id = ?2 ORDER BY p.assigned_at, p.rowid";
    sqlite3_stmt *st = stmt(c, user_id != NULL ? by_user : by_dyad);
    if (st == NULL)
        return STORE_ERROR;
    if (user_id != NULL) {
        bind_text(st, 1, user_id);
    } else {
        bind_text(st, 1, dyad_id);
        bind_text(st, 2, therapist_id);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct private_checkin p;
        memset(&p, 0, sizeof p);
        col_text(st, 0, p.id, sizeof p.id);
        col_text(st, 1, p.dyad_id, sizeof p.dyad_id);
        col_text(st, 2, p.therapist_id, sizeof p.therapist_id);
        col_text(st, 3, p.user_id, sizeof p.user_id);
        col_text(st, 4, p.questionnaire, sizeof p.questionnaire);
        p.assigned_at = sqlite3_column_int64(st, 5);
        p.answered_at = sqlite3_column_int64(st, 6);
        if (sqlite3_column_type(st, 7) == SQLITE_BLOB) {
            p.sealed = sqlite3_column_blob(st, 7);
            p.sealed_len = (size_t)sqlite3_column_bytes(st, 7);
        }
        fn(ctx, &p);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_private_answer(struct store *s, const char *id, const char *user_id,
                                       const unsigned char *sealed, size_t len, int64_t now)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st =
        stmt(c, "SELECT p.answered_at FROM private_checkins p JOIN therapist_links l "
                "ON l.dyad_id = p.dyad_id AND l.therapist_id = p.therapist_id "
                "WHERE p.id = ?1 AND p.user_id = ?2");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, id);
    bind_text(st, 2, user_id);
    int rc = sqlite3_step(st);
    int64_t answered = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return finish(s, rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR);
    if (answered != 0)
        return finish(s, STORE_CONFLICT);
    st = stmt(c, "UPDATE private_checkins SET answered_at = ?3, sealed = ?4 "
                 "WHERE id = ?1 AND user_id = ?2");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, id);
    bind_text(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    bind_blob(st, 4, sealed, len);
    return finish(s, step_done(st));
}

enum store_result store_reshare_add(struct store *s, const char *dyad_id, const char *therapist_id,
                                    const struct reshare *r)
{
    struct conn *c = begin(s);
    if (c == NULL)
        return STORE_ERROR;
    sqlite3_stmt *st = stmt(c, "INSERT INTO reshares (id, dyad_id, user_id, therapist_id, "
                               "entry_id, entry_kind, sealed, created_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (st == NULL)
        return finish(s, STORE_ERROR);
    bind_text(st, 1, r->id);
    bind_text(st, 2, dyad_id);
    bind_text(st, 3, r->user_id);
    bind_text(st, 4, therapist_id);
    bind_text(st, 5, r->entry_id);
    bind_text(st, 6, r->entry_kind);
    bind_blob(st, 7, r->sealed, r->sealed_len);
    sqlite3_bind_int64(st, 8, r->created_at);
    return finish(s, step_done(st));
}

enum store_result store_reshares(struct store *s, const char *dyad_id, const char *therapist_id,
                                 store_reshare_fn *fn, void *ctx)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT id, user_id, entry_id, entry_kind, created_at, sealed FROM reshares "
                    "WHERE dyad_id = ?1 AND therapist_id = ?2 ORDER BY created_at, rowid")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, therapist_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct reshare r;
        memset(&r, 0, sizeof r);
        col_text(st, 0, r.id, sizeof r.id);
        col_text(st, 1, r.user_id, sizeof r.user_id);
        col_text(st, 2, r.entry_id, sizeof r.entry_id);
        col_text(st, 3, r.entry_kind, sizeof r.entry_kind);
        r.created_at = sqlite3_column_int64(st, 4);
        r.sealed = sqlite3_column_blob(st, 5);
        r.sealed_len = (size_t)sqlite3_column_bytes(st, 5);
        fn(ctx, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_result store_entry_author(struct store *s, const char *dyad_id, const char *entry_id,
                                     const char *user_id, bool *is_author)
{
    struct conn *c = reader(s);
    sqlite3_stmt *st =
        c ? stmt(c, "SELECT (SELECT count(*) FROM shares WHERE dyad_id = ?1 AND id = ?2 AND "
                    "author_id = ?3) + (SELECT count(*) FROM responses WHERE dyad_id = ?1 AND "
                    "id = ?2 AND author_id = ?3)")
          : NULL;
    if (st == NULL)
        return STORE_ERROR;
    bind_text(st, 1, dyad_id);
    bind_text(st, 2, entry_id);
    bind_text(st, 3, user_id);
    int rc = sqlite3_step(st);
    *is_author = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}
