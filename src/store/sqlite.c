/*
 * sqlite.c — the SQLite backend (backend.h): one file, "sqlite:PATH".
 *
 * Durability first: WAL with synchronous=FULL (no acknowledged commit is lost
 * on power failure), foreign keys on, secure_delete on (erased rows are
 * overwritten, not left in free pages). One writer connection, guarded by a
 * mutex, serialises every change in a BEGIN IMMEDIATE transaction; each
 * thread reads on a read-only connection of its own. Statements are prepared
 * once per connection and cached by the address of their SQL text (store.c
 * passes string literals).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "store/backend.h"

enum { STMT_CACHE = 128, MAX_READERS = 128, BUSY_TIMEOUT_MS = 5000 };

struct sq_rows {
    struct sql_rows base;
    sqlite3_stmt *st;
};

struct sq_conn {
    struct sql_conn base;
    sqlite3 *db;
    int depth;     /* store calls in progress on this connection (a callback may call again) */
    bool snapshot; /* this connection began a read transaction */
    size_t n;
    struct {
        const char *sql;
        struct sq_rows rows;
    } cache[STMT_CACHE];
};

struct sq_store {
    struct store base;
    char *path;
    struct sq_conn writer;
    pthread_mutex_t wlock;
    pthread_key_t reader_key;
    pthread_mutex_t rlock;
    struct sq_conn *readers[MAX_READERS];
    size_t n_readers;
};

static struct sq_store *sq(struct store *s)
{
    return (struct sq_store *)s;
}

/* ---- connections and statements ------------------------------------------ */

static int run(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int conn_open(struct sq_conn *c, const char *path, bool readonly, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->base.b = &store_sqlite;
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
    if (run(c->db, pragmas) != 0) {
        snprintf(err, errlen, "cannot configure %s: %s", path, sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        c->db = NULL;
        return -1;
    }
    return 0;
}

static void conn_close(struct sq_conn *c)
{
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->cache[i].rows.st);
    c->n = 0;
    if (c->db != NULL)
        sqlite3_close(c->db);
    c->db = NULL;
}

/* The cached statement for sql, reset and with bindings cleared; NULL on
 * error. (The text is compared too: store_copy builds statements in
 * buffers whose address may come back with other text.) */
static struct sq_rows *stmt(struct sq_conn *c, const char *sql)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->cache[i].sql == sql && strcmp(sqlite3_sql(c->cache[i].rows.st), sql) == 0) {
            sqlite3_reset(c->cache[i].rows.st);
            sqlite3_clear_bindings(c->cache[i].rows.st);
            return &c->cache[i].rows;
        }
    }
    if (c->n == STMT_CACHE) {
        fprintf(stderr, "dyad: store: statement cache full\n");
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "dyad: store: prepare failed: %s\n", sqlite3_errmsg(c->db));
        return NULL;
    }
    c->cache[c->n].sql = sql;
    c->cache[c->n].rows.base.b = &store_sqlite;
    c->cache[c->n].rows.st = st;
    return &c->cache[c->n++].rows;
}

static int bind(sqlite3_stmt *st, const struct sql_value *v, int n)
{
    for (int i = 0; i < n; i++) {
        int rc;
        switch (v[i].type) {
        case SQL_INT:
            rc = sqlite3_bind_int64(st, i + 1, v[i].i);
            break;
        case SQL_TEXT:
            rc = sqlite3_bind_text(st, i + 1, v[i].p, -1, SQLITE_STATIC);
            break;
        case SQL_BLOB:
            rc = sqlite3_bind_blob64(st, i + 1, v[i].p, v[i].n, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(st, i + 1);
            break;
        }
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

static struct sq_conn *reader(struct sq_store *s)
{
    struct sq_conn *c = pthread_getspecific(s->reader_key);
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
        run(db, "ROLLBACK");
}

/* ---- the backend ------------------------------------------------------------- */

static enum store_result sq_begin(struct store *st, enum store_tx tx, struct sql_conn **out)
{
    struct sq_store *s = sq(st);
    if (tx == STORE_TX_WRITE) {
        pthread_mutex_lock(&s->wlock);
        rollback(s->writer.db);
        if (run(s->writer.db, "BEGIN IMMEDIATE") != 0) {
            fprintf(stderr, "dyad: store: begin failed: %s\n", sqlite3_errmsg(s->writer.db));
            pthread_mutex_unlock(&s->wlock);
            return STORE_ERROR;
        }
        *out = &s->writer.base;
        return STORE_OK;
    }
    struct sq_conn *c = reader(s);
    if (c == NULL)
        return STORE_ERROR;
    if (tx == STORE_TX_SNAPSHOT && c->depth == 0) {
        if (run(c->db, "BEGIN") != 0)
            return STORE_ERROR;
        c->snapshot = true;
    }
    c->depth++;
    *out = &c->base;
    return STORE_OK;
}

static enum store_result sq_end(struct store *st, struct sql_conn *cb, enum store_result r)
{
    struct sq_store *s = sq(st);
    struct sq_conn *c = (struct sq_conn *)cb;
    if (c != &s->writer) {
        if (--c->depth == 0 && c->snapshot) {
            run(c->db, "COMMIT");
            c->snapshot = false;
        }
        return r;
    }
    if (r == STORE_OK) {
        if (run(c->db, "COMMIT") != 0) {
            fprintf(stderr, "dyad: store: commit failed: %s\n", sqlite3_errmsg(c->db));
            rollback(c->db);
            r = STORE_ERROR;
        }
    } else {
        rollback(c->db);
    }
    pthread_mutex_unlock(&s->wlock);
    return r;
}

static enum store_result sq_exec(struct sql_conn *cb, const char *sql, const struct sql_value *v,
                                 int n, int64_t *changes)
{
    struct sq_conn *c = (struct sq_conn *)cb;
    struct sq_rows *q = stmt(c, sql);
    if (q == NULL)
        return STORE_ERROR;
    if (bind(q->st, v, n) != 0) {
        sqlite3_clear_bindings(q->st);
        return STORE_ERROR;
    }
    int rc = sqlite3_step(q->st);
    sqlite3_reset(q->st);
    if (changes != NULL)
        *changes = sqlite3_changes64(c->db);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return STORE_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    fprintf(stderr, "dyad: store: step failed: %s\n", sqlite3_errstr(rc));
    return STORE_ERROR;
}

static enum store_result sq_query(struct sql_conn *cb, const char *sql, const struct sql_value *v,
                                  int n, struct sql_rows **out)
{
    struct sq_rows *q = stmt((struct sq_conn *)cb, sql);
    if (q == NULL)
        return STORE_ERROR;
    if (bind(q->st, v, n) != 0) {
        sqlite3_clear_bindings(q->st);
        return STORE_ERROR;
    }
    *out = &q->base;
    return STORE_OK;
}

static enum store_result sq_next(struct sql_rows *qb)
{
    int rc = sqlite3_step(((struct sq_rows *)qb)->st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_ERROR;
}

static void sq_done(struct sql_rows *qb)
{
    sqlite3_reset(((struct sq_rows *)qb)->st);
}

static int sq_col_count(struct sql_rows *qb)
{
    return sqlite3_column_count(((struct sq_rows *)qb)->st);
}

static const char *sq_col_name(struct sql_rows *qb, int i)
{
    return sqlite3_column_name(((struct sq_rows *)qb)->st, i);
}

static enum sql_type sq_col_type(struct sql_rows *qb, int i)
{
    switch (sqlite3_column_type(((struct sq_rows *)qb)->st, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        return SQL_INT;
    case SQLITE_TEXT:
        return SQL_TEXT;
    case SQLITE_BLOB:
        return SQL_BLOB;
    default:
        return SQL_NULL;
    }
}

static int64_t sq_col_int(struct sql_rows *qb, int i)
{
    return sqlite3_column_int64(((struct sq_rows *)qb)->st, i);
}

static const void *sq_col_bytes(struct sql_rows *qb, int i, size_t *len)
{
    sqlite3_stmt *st = ((struct sq_rows *)qb)->st;
    const void *p = sqlite3_column_type(st, i) == SQLITE_TEXT
                        ? (const void *)sqlite3_column_text(st, i)
                        : sqlite3_column_blob(st, i);
    *len = (size_t)sqlite3_column_bytes(st, i);
    return p;
}

/* ---- open, migrate, close ------------------------------------------------- */

static int migrate(struct sq_store *s, bool apply, char *err, size_t errlen)
{
    sqlite3 *db = s->writer.db;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
        return -1;
    }
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (version < 0) {
        snprintf(err, errlen, "cannot read schema version");
        return -1;
    }
    if ((size_t)version > migrations_count) {
        snprintf(err, errlen,
                 "database schema %d is newer than this dyad (%zu): run a newer dyad, or restore a "
                 "backup made for this one",
                 version, migrations_count);
        return -1;
    }
    if ((size_t)version < migrations_count && !apply) {
        snprintf(err, errlen, "database schema %d is older than %zu: run `dyad migrate`", version,
                 migrations_count);
        return -1;
    }
    for (size_t i = (size_t)version; i < migrations_count; i++) {
        char sql[64];
        if (run(db, "BEGIN IMMEDIATE") != 0 || run(db, (const char *)migrations[i].data) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", migrations[i].name,
                     sqlite3_errmsg(db));
            run(db, "ROLLBACK");
            return -1;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version=%zu", i + 1);
        if (run(db, sql) != 0 || run(db, "COMMIT") != 0) {
            snprintf(err, errlen, "migration %s failed: %s", migrations[i].name,
                     sqlite3_errmsg(db));
            run(db, "ROLLBACK");
            return -1;
        }
    }
    s->base.version = (int)migrations_count;
    return 0;
}

static void sq_close(struct store *st)
{
    struct sq_store *s = sq(st);
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_readers; i++) {
        conn_close(s->readers[i]);
        free(s->readers[i]);
    }
    if (s->writer.db != NULL)
        run(s->writer.db, "PRAGMA wal_checkpoint(TRUNCATE)");
    conn_close(&s->writer);
    pthread_key_delete(s->reader_key);
    pthread_mutex_destroy(&s->wlock);
    pthread_mutex_destroy(&s->rlock);
    free(s->path);
    free(s);
}

static struct store *sq_open(const char *path, bool apply_migrations, char *err, size_t errlen)
{
    if (path[0] == '\0') {
        snprintf(err, errlen, "sqlite: needs a file name (sqlite:PATH)");
        return NULL;
    }
    if (sqlite3_threadsafe() == 0) {
        snprintf(err, errlen, "SQLite was built without thread support");
        return NULL;
    }
    struct sq_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.b = &store_sqlite;
    pthread_mutex_init(&s->wlock, NULL);
    pthread_mutex_init(&s->rlock, NULL);
    pthread_key_create(&s->reader_key, NULL);
    if (conn_open(&s->writer, s->path, false, err, errlen) != 0 ||
        migrate(s, apply_migrations, err, errlen) != 0) {
        sq_close(&s->base);
        return NULL;
    }
    return &s->base;
}

static enum store_result sq_health(struct store *s)
{
    struct sq_conn *c = reader(sq(s));
    if (c == NULL)
        return STORE_ERROR;
    /* one page of a table read, not a count: count(*) walks every row of
     * an index, which made /healthz slower the more accounts there were */
    struct sq_rows *q = stmt(c, "SELECT rowid FROM users LIMIT 1");
    if (q == NULL)
        return STORE_ERROR;
    int rc = sqlite3_step(q->st);
    sqlite3_reset(q->st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

static enum store_result sq_backup(struct store *st, const char *path, char *err, size_t errlen)
{
    struct sq_store *s = sq(st);
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

/* Copies the WAL into the database (where secure_delete has zeroed the
 * erased cells) and truncates it, so no old frame keeps them. */
static void sq_after_erasure(struct store *st)
{
    struct sq_store *s = sq(st);
    pthread_mutex_lock(&s->wlock);
    int ck = sqlite3_wal_checkpoint_v2(s->writer.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    pthread_mutex_unlock(&s->wlock);
    if (ck != SQLITE_OK)
        fprintf(stderr, "dyad: store: checkpoint after erasure: %s\n", sqlite3_errstr(ck));
}

const struct store_backend store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .end = sq_end,
    .exec = sq_exec,
    .query = sq_query,
    .next = sq_next,
    .done = sq_done,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_bytes = sq_col_bytes,
    .health = sq_health,
    .backup = sq_backup,
    .after_erasure = sq_after_erasure,
    .tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                  "name NOT LIKE 'sqlite_%' ORDER BY rowid",
    .all_columns = "rowid AS rowid, *",
    .hidden_rowid = true,
    .after_copy = NULL,
};
