/*
 * sqlite.c — the SQLite backend (backend.h): one file, "sqlite:PATH".
 *
 * Durability first: WAL with synchronous=FULL (no acknowledged commit is lost
 * on power failure), foreign keys on, secure_delete on (erased rows are
 * overwritten, not left in free pages). One writer connection makes every
 * change; each thread reads on a read-only connection of its own. Statements
 * are prepared once per connection and cached by the address of their SQL
 * text (store.c passes string literals).
 *
 * Group commit. With synchronous=FULL each COMMIT waits for an fsync of the
 * WAL, and one connection can only commit one transaction at a time, so
 * writes that each commit alone can never go faster than the disk syncs.
 * Instead, the writes that arrive together share one transaction and one
 * COMMIT (one fsync):
 *
 *   - A write call takes its turn on the writer connection (the "busy"
 *     flag, under wlock). If no group transaction is open it runs BEGIN
 *     IMMEDIATE and so opens one. Its statements run inside SAVEPOINT call;
 *     at its end RELEASE (it went well) or ROLLBACK TO (it failed: only
 *     its own changes go, the group's stay). Within the call it reads its
 *     own writes, and those of the calls before it in the group, exactly as
 *     if they had committed just before it.
 *   - Then it joins the group (a ticket on its own stack) and looks at the
 *     writers queued for the connection. If some wait (and the group has
 *     fewer than GROUP_MAX calls), it hands the connection to the next one
 *     and sleeps on the "done" condition variable: a follower. If none
 *     wait, it is the leader: it runs COMMIT — one fsync for the group —
 *     and wakes every member with its answer.
 *   - No call waits for company: a lone writer finds nobody queued and
 *     commits at once, as before. Groups form by themselves while a COMMIT
 *     is syncing: the writes that arrive meanwhile queue for the connection
 *     and then go one after another into the next transaction.
 *   - Every call's answer waits for the COMMIT of its group, so nothing is
 *     acknowledged before it is durable — a failed call too (its answer may
 *     rest on what the calls before it wrote).
 *   - When the group's COMMIT fails (or a call broke the transaction, for
 *     example out of memory, and SQLite rolled it all back), no member is
 *     told it succeeded. A group of one answers STORE_ERROR, as a single
 *     transaction always did. In a larger group each member is retried
 *     alone, in a transaction of its own that nobody joins: the call's own
 *     statements, recorded with their values while it ran (struct rec), run
 *     again, and every statement must see what it saw the first time — the
 *     same result, the same number of changed rows, the same rows read.
 *     Then the call's answer holds, and it commits (or, for a call that
 *     failed, rolls back) by itself. When anything differs, the first run
 *     rested on a write that is now gone, and the call answers STORE_ERROR
 *     (the answer a failed commit always had).
 *   - backup and after_erasure wait until no group is open.
 *
 * PostgreSQL (postgres.c) keeps one transaction per call; PostgreSQL has
 * its own group commit (commit_delay).
 */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/embedded.h"
#include "store/backend.h"

enum { STMT_CACHE = 128, MAX_READERS = 128, BUSY_TIMEOUT_MS = 5000, GROUP_MAX = 256 };
#define READER_CACHE_KIB "256"

struct sq_rows {
    struct sql_rows base;
    sqlite3_stmt *st;
    size_t rec_op; /* 1 + the recorded query these rows belong to; 0: none */
};

struct sq_conn {
    struct sql_conn base;
    sqlite3 *db;
    bool writer;
    int depth;     /* store calls in progress on this connection (a callback may call again) */
    bool snapshot; /* this connection began a read transaction */
    size_t n;
    struct {
        const char *sql;
        struct sq_rows rows;
    } cache[STMT_CACHE];
};

/* A write call in a group, waiting for the group's COMMIT. */
struct ticket {
    enum store_result r;   /* what the call itself came to */
    enum store_result out; /* its answer, once done */
    bool done, retry;      /* the group ended; the call must run again alone */
    bool replayable;       /* its statements were recorded whole */
    struct ticket *next;
};

struct sq_store {
    struct store base;
    char *path;
    struct sq_conn writer;
    /* The writer connection and the group (top of file), under wlock. */
    pthread_mutex_t wlock;
    pthread_cond_t turn; /* the connection came free */
    pthread_cond_t done; /* a group ended */
    bool busy;           /* a thread is using the writer connection */
    bool open;           /* a group transaction is open */
    bool broken;         /* ... and a call broke it: it cannot commit */
    unsigned waiting;    /* write calls queued for the connection */
    unsigned retrying;   /* calls of a failed group still to run alone (they go first) */
    struct ticket *members;
    unsigned n_members;
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
    /* A reader's page cache is small (READER_CACHE_KIB): there is one
     * reader per worker thread, and the worker threads are many (one per
     * write a group commit can hold, see app.c), while a reader's pages
     * are the kernel's page cache a read() away. The writer keeps SQLite's
     * default (about 2 MiB). */
    const char *pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA cache_size=-" READER_CACHE_KIB
                                     ";"
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

/* ---- recording a write call, for a retry alone (top of file) ------------- */

/* A statement a write call ran, with copies of its text and values, and
 * what it saw: an exec's result and changed rows, or a query's steps and a
 * hash of every row (and end) they gave. */
struct rec_op {
    char *sql;
    struct sql_value *v;
    int n;
    bool query;
    enum store_result r;
    int64_t changes;
    uint64_t steps;
    unsigned char h[16];
};

/* The write call this thread is running on the writer connection. */
struct rec_state {
    bool on;
    bool whole; /* false: a statement could not be recorded (out of memory) */
    struct rec_op *ops;
    size_t n, cap;
};
/* __thread (GNU C, as _Thread_local): cppcheck misreads a struct declared
 * _Thread_local and calls its members unused */
static __thread struct rec_state rec;

static void rec_start(void)
{
    rec.on = true;
    rec.whole = true;
    rec.n = 0;
}

static void rec_free(void)
{
    for (size_t i = 0; i < rec.n; i++) {
        for (int k = 0; k < rec.ops[i].n; k++)
            free((void *)rec.ops[i].v[k].p);
        free(rec.ops[i].v);
        free(rec.ops[i].sql);
    }
    free(rec.ops);
    rec.ops = NULL;
    rec.n = rec.cap = 0;
    rec.on = false;
}

/* Records a statement about to run; its index + 1, or 0 when not recording. */
static size_t rec_add(const char *sql, const struct sql_value *v, int n, bool query)
{
    if (!rec.on || !rec.whole)
        return 0;
    if (rec.n == rec.cap) {
        size_t cap = rec.cap ? 2 * rec.cap : 8;
        struct rec_op *ops = realloc(rec.ops, cap * sizeof *ops);
        if (ops == NULL) {
            rec.whole = false;
            return 0;
        }
        rec.ops = ops;
        rec.cap = cap;
    }
    struct rec_op *op = &rec.ops[rec.n];
    memset(op, 0, sizeof *op);
    op->query = query;
    op->sql = strdup(sql);
    op->v = calloc(n > 0 ? (size_t)n : 1, sizeof *op->v);
    if (op->sql == NULL || op->v == NULL) {
        free(op->sql);
        free(op->v);
        rec.whole = false;
        return 0;
    }
    rec.n++;
    for (int i = 0; i < n; i++) {
        op->v[i] = v[i];
        op->v[i].p = NULL;
        if ((v[i].type != SQL_TEXT && v[i].type != SQL_BLOB) || v[i].p == NULL)
            continue; /* a NULL pointer binds NULL, and stays one */
        size_t len = v[i].type == SQL_TEXT ? strlen(v[i].p) + 1 : v[i].n;
        void *copy = malloc(len > 0 ? len : 1);
        if (copy == NULL) {
            rec.whole = false;
            return 0;
        }
        if (len > 0)
            memcpy(copy, v[i].p, len);
        op->v[i].p = copy;
        op->n = i + 1;
    }
    op->n = n;
    return rec.n;
}

/* Folds one step of a query (its code, and the row when there is one) into
 * h, without converting any column's type. */
static void row_hash(sqlite3_stmt *st, int rc, unsigned char h[16])
{
    crypto_generichash_state g;
    crypto_generichash_init(&g, h, 16, 16);
    int64_t code = rc;
    crypto_generichash_update(&g, (const unsigned char *)&code, sizeof code);
    for (int i = 0; rc == SQLITE_ROW && i < sqlite3_column_count(st); i++) {
        unsigned char type = (unsigned char)sqlite3_column_type(st, i);
        crypto_generichash_update(&g, &type, 1);
        if (type == SQLITE_INTEGER) {
            int64_t x = sqlite3_column_int64(st, i);
            crypto_generichash_update(&g, (const unsigned char *)&x, sizeof x);
        } else if (type == SQLITE_FLOAT) {
            double x = sqlite3_column_double(st, i);
            crypto_generichash_update(&g, (const unsigned char *)&x, sizeof x);
        } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
            const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i)
                                                : sqlite3_column_blob(st, i);
            int64_t len = sqlite3_column_bytes(st, i);
            crypto_generichash_update(&g, (const unsigned char *)&len, sizeof len);
            if (p != NULL && len > 0)
                crypto_generichash_update(&g, p, (unsigned long long)len);
        }
    }
    crypto_generichash_final(&g, h, 16);
}

static enum store_result exec_result(int rc)
{
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return STORE_OK;
    return (rc & 0xff) == SQLITE_CONSTRAINT ? STORE_CONFLICT : STORE_ERROR;
}

/* Runs the recorded statements again on db (inside a transaction of their
 * own); true when every one saw what it saw the first time. */
static bool replay(sqlite3 *db)
{
    for (size_t i = 0; i < rec.n; i++) {
        const struct rec_op *op = &rec.ops[i];
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, op->sql, -1, &st, NULL) != SQLITE_OK ||
            bind(st, op->v, op->n) != 0) {
            sqlite3_finalize(st);
            return false;
        }
        bool same;
        if (!op->query) {
            int rc = sqlite3_step(st);
            same = exec_result(rc) == op->r && sqlite3_changes64(db) == op->changes;
        } else {
            unsigned char h[16] = {0};
            for (uint64_t k = 0; k < op->steps; k++)
                row_hash(st, sqlite3_step(st), h);
            same = memcmp(h, op->h, sizeof h) == 0;
        }
        sqlite3_finalize(st);
        if (!same)
            return false;
    }
    return true;
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

/* One of the writer's own statements (BEGIN, SAVEPOINT, COMMIT, …). */
static int step_once(struct sq_conn *c, const char *sql)
{
    struct sq_rows *q = stmt(c, sql);
    if (q == NULL)
        return -1;
    int rc = sqlite3_step(q->st);
    sqlite3_reset(q->st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int64_t mono_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The writer connection for a thread that must have it to itself, with no
 * group open (backup, checkpoint, a retry alone): waits for the turn. */
static void writer_alone(struct sq_store *s)
{
    pthread_mutex_lock(&s->wlock);
    while (s->busy || s->open)
        pthread_cond_wait(&s->turn, &s->wlock);
    s->busy = true;
    pthread_mutex_unlock(&s->wlock);
}

static void writer_free(struct sq_store *s)
{
    pthread_mutex_lock(&s->wlock);
    s->busy = false;
    pthread_cond_broadcast(&s->turn);
    pthread_mutex_unlock(&s->wlock);
}

/* A call of a failed group, alone: its recorded statements again in a
 * transaction nobody joins (top of file). */
static enum store_result retry_alone(struct sq_store *s, const struct ticket *t)
{
    sqlite3 *db = s->writer.db;
    writer_alone(s);
    enum store_result out = STORE_ERROR;
    rollback(db);
    if (step_once(&s->writer, "BEGIN IMMEDIATE") == 0) {
        if (!replay(db)) {
            fprintf(stderr, "dyad: store: a write retried alone saw other rows: not saved\n");
        } else if (t->r != STORE_OK) {
            out = t->r; /* it failed in the group and fails the same way alone */
        } else {
            int64_t t0 = mono_nanos();
            bool ok = step_once(&s->writer, "COMMIT") == 0;
            store_note_commit(1, mono_nanos() - t0, ok);
            if (ok)
                out = STORE_OK;
            else
                fprintf(stderr, "dyad: store: commit failed: %s\n", sqlite3_errmsg(db));
        }
    }
    rollback(db);
    pthread_mutex_lock(&s->wlock);
    s->retrying--;
    s->busy = false;
    pthread_cond_broadcast(&s->turn);
    pthread_mutex_unlock(&s->wlock);
    return out;
}

/* The end of a write call on the writer connection, which this thread
 * holds: r is what the call came to, its savepoint already released or
 * rolled back; intact is false when the group's transaction can no longer
 * commit. Joins the group and, as a follower or its leader, waits for the
 * group's COMMIT (top of file). */
static enum store_result group_finish(struct sq_store *s, enum store_result r, bool intact)
{
    struct ticket t = {.r = r, .out = STORE_ERROR, .replayable = rec.on && rec.whole};
    pthread_mutex_lock(&s->wlock);
    t.next = s->members;
    /* the ticket lives on this stack until the group ends, and the group's
     * end (below) takes it off the list before anyone is woken */
    /* cppcheck-suppress autoVariables */
    s->members = &t;
    s->n_members++;
    if (!intact)
        s->broken = true;
    if (!s->broken && s->waiting > 0 && s->n_members < GROUP_MAX) {
        /* a follower: the next queued call goes on in this transaction */
        s->busy = false;
        pthread_cond_broadcast(&s->turn);
        while (!t.done)
            pthread_cond_wait(&s->done, &s->wlock);
        pthread_mutex_unlock(&s->wlock);
    } else {
        /* the leader: nobody else is queued, commit the group */
        unsigned n = s->n_members;
        bool broken = s->broken;
        pthread_mutex_unlock(&s->wlock);
        bool ok = false;
        if (!broken) {
            int64_t t0 = mono_nanos();
            ok = step_once(&s->writer, "COMMIT") == 0;
            store_note_commit(n, mono_nanos() - t0, ok);
            if (!ok)
                fprintf(stderr, "dyad: store: commit of %u write(s) failed: %s\n", n,
                        sqlite3_errmsg(s->writer.db));
        }
        if (!ok)
            rollback(s->writer.db);
        pthread_mutex_lock(&s->wlock);
        for (struct ticket *m = s->members; m != NULL; m = m->next) {
            m->done = true;
            if (ok)
                m->out = m->r;
            else if (n == 1 || (m == &t && !intact))
                /* alone, as a transaction of its own always answered; or
                 * the call that broke the transaction: its own failure */
                m->out = m->r != STORE_OK ? m->r : STORE_ERROR;
            else if (m->replayable) {
                m->retry = true;
                s->retrying++;
            } else {
                m->out = STORE_ERROR;
            }
        }
        s->members = NULL;
        s->n_members = 0;
        s->open = false;
        s->broken = false;
        s->busy = false;
        pthread_cond_broadcast(&s->done);
        pthread_cond_broadcast(&s->turn);
        pthread_mutex_unlock(&s->wlock);
    }
    enum store_result out = t.out;
    if (t.retry) {
        store_note_retry();
        out = retry_alone(s, &t);
    }
    rec_free();
    return out;
}

/* ---- the backend ------------------------------------------------------------- */

static enum store_result sq_begin(struct store *st, enum store_tx tx, struct sql_conn **out)
{
    struct sq_store *s = sq(st);
    if (tx == STORE_TX_WRITE) {
        pthread_mutex_lock(&s->wlock);
        s->waiting++;
        store_note_waiting(1);
        /* calls of a failed group, retried alone, go before new ones */
        while (s->busy || s->retrying > 0)
            pthread_cond_wait(&s->turn, &s->wlock);
        s->waiting--;
        store_note_waiting(-1);
        s->busy = true;
        bool open = s->open;
        pthread_mutex_unlock(&s->wlock);
        if (!open) {
            rollback(s->writer.db);
            if (step_once(&s->writer, "BEGIN IMMEDIATE") != 0) {
                fprintf(stderr, "dyad: store: begin failed: %s\n", sqlite3_errmsg(s->writer.db));
                writer_free(s);
                return STORE_ERROR;
            }
            pthread_mutex_lock(&s->wlock);
            s->open = true;
            pthread_mutex_unlock(&s->wlock);
        }
        rec_start();
        if (step_once(&s->writer, "SAVEPOINT call") != 0) {
            fprintf(stderr, "dyad: store: savepoint failed: %s\n", sqlite3_errmsg(s->writer.db));
            /* nothing of this call to keep; the group goes on */
            return group_finish(s, STORE_ERROR, !sqlite3_get_autocommit(s->writer.db));
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
    /* keep the call's changes in the group, or take back only them */
    bool intact = !sqlite3_get_autocommit(c->db);
    if (intact && r == STORE_OK && step_once(c, "RELEASE call") != 0) {
        fprintf(stderr, "dyad: store: release failed: %s\n", sqlite3_errmsg(c->db));
        r = STORE_ERROR;
    }
    if (intact && r != STORE_OK)
        intact = step_once(c, "ROLLBACK TO call") == 0 && step_once(c, "RELEASE call") == 0;
    intact = intact && !sqlite3_get_autocommit(c->db);
    rec.on = rec.on && intact;
    return group_finish(s, r, intact);
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
    size_t op = c->writer ? rec_add(sql, v, n, false) : 0;
    int rc = sqlite3_step(q->st);
    sqlite3_reset(q->st);
    enum store_result r = exec_result(rc);
    if (op != 0) {
        rec.ops[op - 1].r = r;
        rec.ops[op - 1].changes = sqlite3_changes64(c->db);
    }
    if (changes != NULL)
        *changes = sqlite3_changes64(c->db);
    if (r == STORE_ERROR)
        fprintf(stderr, "dyad: store: step failed: %s\n", sqlite3_errstr(rc));
    return r;
}

static enum store_result sq_query(struct sql_conn *cb, const char *sql, const struct sql_value *v,
                                  int n, struct sql_rows **out)
{
    struct sq_conn *c = (struct sq_conn *)cb;
    struct sq_rows *q = stmt(c, sql);
    if (q == NULL)
        return STORE_ERROR;
    if (bind(q->st, v, n) != 0) {
        sqlite3_clear_bindings(q->st);
        return STORE_ERROR;
    }
    q->rec_op = c->writer ? rec_add(sql, v, n, true) : 0;
    *out = &q->base;
    return STORE_OK;
}

static enum store_result sq_next(struct sql_rows *qb)
{
    struct sq_rows *q = (struct sq_rows *)qb;
    int rc = sqlite3_step(q->st);
    if (q->rec_op != 0 && rec.on && q->rec_op <= rec.n) {
        rec.ops[q->rec_op - 1].steps++;
        row_hash(q->st, rc, rec.ops[q->rec_op - 1].h);
    }
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
    pthread_cond_destroy(&s->turn);
    pthread_cond_destroy(&s->done);
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
    pthread_cond_init(&s->turn, NULL);
    pthread_cond_init(&s->done, NULL);
    pthread_mutex_init(&s->rlock, NULL);
    pthread_key_create(&s->reader_key, NULL);
    if (conn_open(&s->writer, s->path, false, err, errlen) != 0) {
        sq_close(&s->base);
        return NULL;
    }
    s->writer.writer = true;
    if (migrate(s, apply_migrations, err, errlen) != 0) {
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
    writer_alone(s);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->writer.db, "main");
    int rc = b != NULL ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b != NULL)
        sqlite3_backup_finish(b);
    writer_free(s);
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
    writer_alone(s);
    int ck = sqlite3_wal_checkpoint_v2(s->writer.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    writer_free(s);
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
    .group_commit = true,
    .tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                  "name NOT LIKE 'sqlite_%' ORDER BY rowid",
    .all_columns = "rowid AS rowid, *",
    .hidden_rowid = true,
    .after_copy = NULL,
};
