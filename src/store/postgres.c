/*
 * postgres.c — the PostgreSQL backend (backend.h), on libpq.
 *
 * Connections: one per worker thread, opened on first use (a second when a
 * store call is made from a callback of another on the same thread), kept
 * until store_close. A connection found broken is reopened at the start of
 * the next store call, so the service resumes by itself when the server is
 * back; meanwhile calls answer STORE_UNAVAILABLE.
 *
 * Statements: PQexecParams, the extended protocol with the unnamed
 * statement — parameters travel apart from the SQL (never spliced into
 * it), and nothing named outlives a transaction, so it works unchanged
 * behind pgbouncer in transaction mode (named prepared statements would
 * need pgbouncer 1.21's tracking). Parameters go as text (numbers, text)
 * or binary (bytea); results come back binary.
 *
 * Transactions: every store call is one. It opens with the statement
 * timeout set for that transaction only (SET LOCAL, so a pooler can hand
 * the server connection to anyone afterwards; the value is the
 * statement_timeout setting, store_set_statement_timeout, or for an
 * operator's long command the maintenance_timeout setting, 0 for none,
 * store_open_maintenance — which also bounds the migrations); a write also
 * takes one transaction-scoped advisory lock, which serialises writes
 * across every server as SQLite's single writer does within one. A
 * snapshot read is REPEATABLE READ.
 *
 * Round trips: BEGIN, SET LOCAL, the lock and the call's first statement
 * go out together in libpq's pipeline mode, one Sync, one round trip
 * (open_with); later statements take one each. A read ends with a ROLLBACK
 * sent without waiting for its answer, which is read at the connection's
 * next use (drain); a write waits for its COMMIT. So a read of one
 * statement costs one round trip (it was three), a write of one statement
 * two. Each Sync closes a batch that lies inside one transaction, and the
 * next batch goes out only after the last answer was read, so pgbouncer in
 * transaction mode keeps each transaction on one server connection.
 *
 * The URL is any libpq connection string: "postgres://…" URLs (several
 * hosts, target_session_attrs=read-write for failover) or key=value
 * conninfo after "postgres:". connect_timeout defaults to 5 s.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "store/backend.h"

enum {
    MAX_THREADS = 256,
    MAX_NEST = 4, /* store calls in progress at once on one thread */
    MAX_PARAMS = 64,
    SQL_MAX = 8192, /* longest statement after ?N -> $N */
    /* pg_advisory_xact_lock keys: an arbitrary pair of constants ("dyad") */
    LOCK_WRITES = 0x64796164,
    LOCK_MIGRATE = 0x64796165,
};

/* PostgreSQL type OIDs (pg_type.h), for binary results. */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25 };

struct pg_store;

struct pg_conn {
    struct sql_conn base;
    struct pg_store *s;
    PGconn *pg;
    bool busy;  /* inside a store call */
    bool write; /* that call writes */
    enum store_tx tx;
    bool opened;     /* its transaction has begun (with its first statement) */
    bool draining;   /* a ROLLBACK was sent, its answer not yet read */
    bool committing; /* COMMIT sent, its answer not yet read */
    bool warned;     /* the server warned during COMMIT */
};

struct pg_rows {
    struct sql_rows base;
    PGresult *res;
    int row, n;
};

struct pg_thread {
    struct pg_conn conns[MAX_NEST];
    struct pg_rows rows[MAX_NEST][4]; /* cursors in use at once per call: few */
};

struct pg_store {
    struct store base;
    char *conninfo;
    pthread_key_t key;
    pthread_mutex_t lock;
    struct pg_thread *threads[MAX_THREADS];
    size_t n_threads;
};

static struct pg_store *pgs(struct store *s)
{
    return (struct pg_store *)s;
}

/* ---- connections ------------------------------------------------------------ */

/* The server's NOTICEs ("relation already exists, skipping") are not ours
 * to print. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_db(const char *conninfo)
{
    /* defaults first: what the URL says overrides them */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const values[] = {"5", "dyad", conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg != NULL)
        PQsetNoticeProcessor(pg, quiet, NULL);
    return pg;
}

/* Whether a failed result means the server is out of reach rather than the
 * statement wrong: the connection broke, the server is shutting down or
 * recovering, out of connections, the statement timed out, or this is a
 * standby (after a failover: reconnect to find the new primary). */
static bool unreachable(PGconn *pg, const PGresult *res)
{
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK || res == NULL)
        return true;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL)
        return true;
    return strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
           strncmp(state, "53", 2) == 0 || strcmp(state, "57014") == 0 ||
           strcmp(state, "25006") == 0;
}

static void drop(struct pg_conn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
}

static struct pg_thread *thread_slot(struct pg_store *s)
{
    struct pg_thread *t = pthread_getspecific(s->key);
    if (t != NULL)
        return t;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    pthread_mutex_lock(&s->lock);
    if (s->n_threads == MAX_THREADS) {
        pthread_mutex_unlock(&s->lock);
        free(t);
        return NULL;
    }
    s->threads[s->n_threads++] = t;
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < MAX_NEST; i++) {
        t->conns[i].base.b = &store_postgres;
        t->conns[i].s = s;
        for (int k = 0; k < 4; k++)
            t->rows[i][k].base.b = &store_postgres;
    }
    pthread_setspecific(s->key, t);
    return t;
}

/* Runs a command (no parameters, simple protocol); 0 when it succeeded. */
static int command(PGconn *pg, const char *sql, bool *lost)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc != 0) {
        if (lost != NULL)
            *lost = unreachable(pg, res);
        fprintf(stderr, "dyad: store: %s", res != NULL ? PQresultErrorMessage(res) : "no result\n");
    }
    PQclear(res);
    return rc;
}

/* A warning while COMMIT runs is how PostgreSQL says "committed here, but
 * the wait for the synchronous standby was cut short" (a cancel or a
 * shutdown): the write may not survive a failover, so it is not
 * acknowledged. */
static void commit_notice(void *arg, const PGresult *res)
{
    struct pg_conn *c = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (c->committing && severity != NULL && strcmp(severity, "WARNING") == 0) {
        c->warned = true;
        fprintf(stderr, "dyad: store: at commit: %s", PQresultErrorMessage(res));
    }
}

static int reconnect(struct pg_conn *c)
{
    c->pg = connect_db(c->s->conninfo);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        fprintf(stderr, "dyad: store: cannot reach PostgreSQL: %s", PQerrorMessage(c->pg));
        drop(c);
        return -1;
    }
    PQsetNoticeReceiver(c->pg, commit_notice, c);
    return 0;
}

/* Reads the answer to the ROLLBACK that ended the last read (sent without
 * waiting, so it is usually there already); a connection that broke
 * meanwhile is dropped. */
static void drain(struct pg_conn *c)
{
    if (!c->draining || c->pg == NULL)
        return;
    c->draining = false;
    PGresult *res;
    while ((res = PQgetResult(c->pg)) != NULL)
        PQclear(res);
    if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        drop(c);
}

/* Nothing is sent here: the transaction opens with the call's first
 * statement (open_with), in the same round trip. */
static enum store_result pg_begin(struct store *st, enum store_tx tx, struct sql_conn **out)
{
    struct pg_store *s = pgs(st);
    struct pg_thread *t = thread_slot(s);
    if (t == NULL)
        return STORE_ERROR;
    struct pg_conn *c = NULL;
    for (int i = 0; i < MAX_NEST && c == NULL; i++)
        if (!t->conns[i].busy)
            c = &t->conns[i];
    if (c == NULL)
        return STORE_ERROR;
    drain(c);
    if (c->pg != NULL && PQstatus(c->pg) != CONNECTION_OK)
        drop(c);
    if (c->pg == NULL && reconnect(c) != 0)
        return STORE_UNAVAILABLE;
    c->busy = true;
    c->opened = false;
    c->tx = tx;
    c->write = tx == STORE_TX_WRITE;
    *out = &c->base;
    return STORE_OK;
}

static enum store_result pg_end(struct store *st, struct sql_conn *cb, enum store_result r)
{
    (void)st;
    struct pg_conn *c = (struct pg_conn *)cb;
    c->busy = false;
    if (!c->opened)
        return r; /* no statement ran: there is no transaction to end */
    c->opened = false;
    if (c->pg == NULL)
        return r == STORE_OK ? STORE_UNAVAILABLE : r;
    if (r != STORE_OK || !c->write) {
        /* sent now, its answer read at the next use: the server ends the
         * transaction (and a pooler frees its connection) at once, and
         * this call does not wait a round trip for it */
        if (PQsendQuery(c->pg, "ROLLBACK") == 1)
            c->draining = true;
        else
            drop(c);
        return r;
    }
    c->committing = true;
    c->warned = false;
    PGresult *res = PQexec(c->pg, "COMMIT");
    c->committing = false;
    /* COMMIT of a failed transaction answers "ROLLBACK" */
    bool ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK &&
              strcmp(PQcmdStatus(res), "COMMIT") == 0;
    if (ok && c->warned) {
        PQclear(res);
        return STORE_UNAVAILABLE; /* committed on this server only, maybe */
    }
    if (!ok) {
        bool lost = unreachable(c->pg, res);
        fprintf(stderr, "dyad: store: commit failed: %s",
                res != NULL ? PQresultErrorMessage(res) : "no result\n");
        r = lost ? STORE_UNAVAILABLE : STORE_ERROR;
        if (lost)
            drop(c);
    }
    PQclear(res);
    return r;
}

/* ---- statements ------------------------------------------------------------ */

/* store.c writes parameters ?N; PostgreSQL reads $N. */
static int placeholders(const char *sql, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = sql; *p != '\0'; p++) {
        if (k + 2 >= cap)
            return -1;
        out[k++] = *p == '?' ? '$' : *p;
    }
    out[k] = '\0';
    return 0;
}

struct params {
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    char ints[MAX_PARAMS][24];
};

static void bind_params(struct params *p, const struct sql_value *v, int n)
{
    for (int i = 0; i < n; i++) {
        p->lengths[i] = 0;
        p->formats[i] = 0;
        switch (v[i].type) {
        case SQL_INT:
            snprintf(p->ints[i], sizeof p->ints[i], "%lld", (long long)v[i].i);
            p->values[i] = p->ints[i];
            p->types[i] = OID_INT8;
            break;
        case SQL_TEXT:
            p->values[i] = v[i].p;
            p->types[i] = OID_TEXT;
            break;
        case SQL_BLOB:
            p->values[i] = v[i].p != NULL ? v[i].p : "";
            p->lengths[i] = (int)v[i].n;
            p->formats[i] = 1;
            p->types[i] = OID_BYTEA;
            break;
        default:
            p->values[i] = NULL;
            p->types[i] = 0;
            break;
        }
    }
}

/* Reads one query's answer in pipeline mode: its result, then the NULL
 * that ends it. NULL when the connection gave anything else. */
static PGresult *pipeline_result(PGconn *pg)
{
    if (PQstatus(pg) != CONNECTION_OK)
        return NULL;
    PGresult *res = PQgetResult(pg);
    if (res == NULL || PQstatus(pg) != CONNECTION_OK)
        return res; /* a broken connection's error, if any: the caller checks */
    PGresult *end = PQgetResult(pg);
    if (end != NULL) {
        PQclear(end);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* A call's first statement, with what opens its transaction, sent as one
 * pipeline and one round trip: BEGIN, SET LOCAL statement_timeout, for a
 * write the advisory lock, the statement, then Sync. All of it is one
 * transaction up to the Sync, so a pooler in transaction mode keeps it on
 * one server connection. A connection found broken gets one fresh try:
 * nothing was committed on it. Returns the statement's result (any status),
 * or NULL with *r set when the transaction could not open. */
static PGresult *open_with(struct pg_conn *c, const char *sql, int n, const struct params *p,
                           enum store_result *r)
{
    char timeout[64], lock[64];
    snprintf(timeout, sizeof timeout, "SET LOCAL statement_timeout = %u",
             c->s->base.statement_timeout_ms);
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)", (int)LOCK_WRITES);
    const char *const prefix[3] = {c->tx == STORE_TX_WRITE ? "BEGIN"
                                   : c->tx == STORE_TX_SNAPSHOT
                                       ? "BEGIN ISOLATION LEVEL REPEATABLE "
                                         "READ READ ONLY"
                                       : "BEGIN READ ONLY",
                                   timeout, lock};
    const int np = c->write ? 3 : 2;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->pg == NULL && reconnect(c) != 0)
            break;
        PGresult *res[4] = {NULL, NULL, NULL, NULL};
        bool whole = PQenterPipelineMode(c->pg) == 1;
        for (int i = 0; whole && i < np; i++)
            whole = PQsendQueryParams(c->pg, prefix[i], 0, NULL, NULL, NULL, NULL, 1) == 1;
        whole = whole && PQsendQueryParams(c->pg, sql, n, p->types, p->values, p->lengths,
                                           p->formats, 1) == 1;
        whole = whole && PQpipelineSync(c->pg) == 1;
        for (int i = 0; whole && i <= np; i++)
            whole = (res[i] = pipeline_result(c->pg)) != NULL;
        if (whole) {
            PGresult *sync = PQgetResult(c->pg);
            whole = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
            PQclear(sync);
        }
        whole = whole && PQexitPipelineMode(c->pg) == 1;
        int failed = -1;
        for (int i = 0; whole && i < np && failed < 0; i++) {
            ExecStatusType st = PQresultStatus(res[i]);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                failed = i;
        }
        if (whole && failed < 0) {
            for (int i = 0; i < np; i++)
                PQclear(res[i]);
            c->opened = true;
            return res[np];
        }
        bool lost = !whole || unreachable(c->pg, res[failed]);
        if (whole)
            fprintf(stderr, "dyad: store: %s", PQresultErrorMessage(res[failed]));
        else
            fprintf(stderr, "dyad: store: %s", c->pg != NULL ? PQerrorMessage(c->pg) : "lost\n");
        for (int i = 0; i <= np; i++)
            PQclear(res[i]);
        if (!lost) {
            /* BEGIN may have run: pg_end rolls back */
            c->opened = PQtransactionStatus(c->pg) != PQTRANS_IDLE;
            *r = STORE_ERROR;
            return NULL;
        }
        drop(c);
    }
    *r = STORE_UNAVAILABLE;
    return NULL;
}

static PGresult *execute(struct pg_conn *c, const char *sql, const struct sql_value *v, int n,
                         enum store_result *r)
{
    char text[SQL_MAX];
    struct params p;
    if (c->pg == NULL) {
        *r = STORE_UNAVAILABLE;
        return NULL;
    }
    if (n > MAX_PARAMS || placeholders(sql, text, sizeof text) != 0) {
        *r = STORE_ERROR;
        return NULL;
    }
    bind_params(&p, v, n);
    PGresult *res;
    if (!c->opened) {
        res = open_with(c, text, n, &p, r);
        if (res == NULL)
            return NULL;
    } else {
        res = PQexecParams(c->pg, text, n, p.types, p.values, p.lengths, p.formats, 1);
    }
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        *r = STORE_OK;
        return res;
    }
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state != NULL && strncmp(state, "23", 2) == 0) {
        *r = STORE_CONFLICT; /* integrity constraint violation */
    } else if (unreachable(c->pg, res)) {
        *r = STORE_UNAVAILABLE;
        fprintf(stderr, "dyad: store: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
        /* a standby (after a failover) or a broken connection: the next
         * call connects afresh and finds the primary */
        if (state == NULL || strcmp(state, "25006") == 0)
            drop(c);
    } else {
        *r = STORE_ERROR;
        fprintf(stderr, "dyad: store: %s  in: %s\n", res ? PQresultErrorMessage(res) : "", text);
    }
    PQclear(res);
    return NULL;
}

static enum store_result pg_exec(struct sql_conn *cb, const char *sql, const struct sql_value *v,
                                 int n, int64_t *changes)
{
    enum store_result r;
    PGresult *res = execute((struct pg_conn *)cb, sql, v, n, &r);
    if (res != NULL && changes != NULL) {
        const char *t = PQcmdTuples(res);
        *changes = t[0] != '\0' ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return r;
}

static enum store_result pg_query(struct sql_conn *cb, const char *sql, const struct sql_value *v,
                                  int n, struct sql_rows **out)
{
    struct pg_conn *c = (struct pg_conn *)cb;
    struct pg_thread *t = pthread_getspecific(c->s->key);
    int nest = (int)(c - t->conns);
    struct pg_rows *q = NULL;
    for (int k = 0; k < 4 && q == NULL; k++)
        if (t->rows[nest][k].res == NULL)
            q = &t->rows[nest][k];
    if (q == NULL)
        return STORE_ERROR;
    enum store_result r;
    q->res = execute(c, sql, v, n, &r);
    if (q->res == NULL)
        return r;
    q->row = -1;
    q->n = PQntuples(q->res);
    *out = &q->base;
    return STORE_OK;
}

static enum store_result pg_next(struct sql_rows *qb)
{
    struct pg_rows *q = (struct pg_rows *)qb;
    return ++q->row < q->n ? STORE_OK : STORE_NOT_FOUND;
}

static void pg_done(struct sql_rows *qb)
{
    struct pg_rows *q = (struct pg_rows *)qb;
    PQclear(q->res);
    q->res = NULL;
}

static int pg_col_count(struct sql_rows *qb)
{
    return PQnfields(((struct pg_rows *)qb)->res);
}

static const char *pg_col_name(struct sql_rows *qb, int i)
{
    return PQfname(((struct pg_rows *)qb)->res, i);
}

static enum sql_type pg_col_type(struct sql_rows *qb, int i)
{
    struct pg_rows *q = (struct pg_rows *)qb;
    if (PQgetisnull(q->res, q->row, i))
        return SQL_NULL;
    switch (PQftype(q->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return SQL_INT;
    case OID_BYTEA:
        return SQL_BLOB;
    default:
        return SQL_TEXT;
    }
}

static int64_t pg_col_int(struct sql_rows *qb, int i)
{
    struct pg_rows *q = (struct pg_rows *)qb;
    if (PQgetisnull(q->res, q->row, i))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(q->res, q->row, i);
    int len = PQgetlength(q->res, q->row, i);
    uint64_t u = 0;
    for (int k = 0; k < len && k < 8; k++)
        u = u << 8 | p[k]; /* network order */
    switch (len) {
    case 1:
        return (int8_t)u;
    case 2:
        return (int16_t)u;
    case 4:
        return (int32_t)u;
    default:
        return (int64_t)u;
    }
}

static const void *pg_col_bytes(struct sql_rows *qb, int i, size_t *len)
{
    struct pg_rows *q = (struct pg_rows *)qb;
    *len = (size_t)PQgetlength(q->res, q->row, i);
    return PQgetvalue(q->res, q->row, i);
}

/* ---- open, migrate, close ------------------------------------------------- */

/* The migrations in one transaction, each statement limited to timeout_ms
 * (0: none, whatever the role's or the database's own statement_timeout). */
static int migrate(PGconn *pg, bool apply, unsigned timeout_ms, int *version, char *err,
                   size_t errlen)
{
    char sql[160];
    /* one server migrates at a time; the others wait, then find it done */
    snprintf(sql, sizeof sql,
             "BEGIN; SET LOCAL statement_timeout = %u; SELECT pg_advisory_xact_lock(%d)",
             timeout_ms, (int)LOCK_MIGRATE);
    if (command(pg, sql, NULL) != 0) {
        snprintf(err, errlen, "cannot start: %s", PQerrorMessage(pg));
        return -1;
    }
    if (apply && command(pg,
                         "CREATE TABLE IF NOT EXISTS dyad_schema (version INTEGER NOT NULL); "
                         "INSERT INTO dyad_schema SELECT 0 WHERE NOT EXISTS "
                         "(SELECT 1 FROM dyad_schema)",
                         NULL) != 0) {
        snprintf(err, errlen, "cannot create the schema table: %s", PQerrorMessage(pg));
        return -1;
    }
    PGresult *res = PQexec(pg, "SELECT CASE WHEN to_regclass('dyad_schema') IS NULL THEN 0 "
                               "ELSE (SELECT max(version) FROM dyad_schema) END");
    int v = -1;
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        const char *text = PQgetvalue(res, 0, 0);
        char *end;
        errno = 0;
        long n = strtol(text, &end, 10);
        if (errno == 0 && end != text && *end == '\0' && n >= 0 && n <= INT_MAX)
            v = (int)n; /* anything else stays -1: "cannot read the schema version" */
    }
    PQclear(res);
    if (v < 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", PQerrorMessage(pg));
        return -1;
    }
    if ((size_t)v > pg_migrations_count) {
        snprintf(err, errlen,
                 "database schema %d is newer than this dyad (%zu): run a newer dyad, or restore a "
                 "backup made for this one",
                 v, pg_migrations_count);
        return -1;
    }
    if ((size_t)v < pg_migrations_count && !apply) {
        snprintf(err, errlen, "database schema %d is older than %zu: run `dyad migrate`", v,
                 pg_migrations_count);
        return -1;
    }
    for (size_t i = (size_t)v; i < pg_migrations_count; i++) {
        if (command(pg, (const char *)pg_migrations[i].data, NULL) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", pg_migrations[i].name,
                     PQerrorMessage(pg));
            return -1;
        }
        snprintf(sql, sizeof sql, "UPDATE dyad_schema SET version = %zu", i + 1);
        if (command(pg, sql, NULL) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", pg_migrations[i].name,
                     PQerrorMessage(pg));
            return -1;
        }
    }
    if (command(pg, "COMMIT", NULL) != 0) {
        snprintf(err, errlen, "migrations failed to commit: %s", PQerrorMessage(pg));
        return -1;
    }
    *version = (int)pg_migrations_count;
    return 0;
}

static void pg_close(struct store *st)
{
    struct pg_store *s = pgs(st);
    for (size_t i = 0; i < s->n_threads; i++) {
        for (int k = 0; k < MAX_NEST; k++)
            drop(&s->threads[i]->conns[k]);
        free(s->threads[i]);
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    free(s->conninfo);
    free(s);
}

static struct store *pg_open(const char *conninfo, bool apply, unsigned timeout_ms, char *err,
                             size_t errlen)
{
    if (pg_migrations_count != migrations_count) {
        snprintf(err, errlen, "this dyad was built with %zu SQLite and %zu PostgreSQL migrations",
                 migrations_count, pg_migrations_count);
        return NULL;
    }
    struct pg_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->conninfo = strdup(conninfo)) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base.b = &store_postgres;
    s->base.statement_timeout_ms = timeout_ms;
    pthread_mutex_init(&s->lock, NULL);
    pthread_key_create(&s->key, NULL);
    PGconn *pg = connect_db(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
        /* libpq's messages end in a newline */
        size_t len = strlen(err);
        if (len > 0 && err[len - 1] == '\n')
            err[len - 1] = '\0';
        PQfinish(pg);
        pg_close(&s->base);
        return NULL;
    }
    int rc = migrate(pg, apply, timeout_ms, &s->base.version, err, errlen);
    PQfinish(pg);
    if (rc != 0) {
        size_t len = strlen(err);
        if (len > 0 && err[len - 1] == '\n')
            err[len - 1] = '\0';
        pg_close(&s->base);
        return NULL;
    }
    return &s->base;
}

static enum store_result pg_health(struct store *s)
{
    struct sql_conn *c;
    enum store_result r = pg_begin(s, STORE_TX_READ, &c);
    if (r != STORE_OK)
        return r;
    r = pg_exec(c, "SELECT count(*) FROM users WHERE false", NULL, 0, NULL);
    return pg_end(s, c, r);
}

/* Plain VACUUM on the tables an erasure touches: dead row versions are
 * pruned and their index entries removed, so no query, index or visibility
 * trick reaches them. What stays is documented in docs/operations.md. */
static void pg_after_erasure(struct store *st)
{
    struct pg_store *s = pgs(st);
    PGconn *pg = connect_db(s->conninfo);
    if (PQstatus(pg) == CONNECTION_OK)
        command(pg,
                "VACUUM users, sessions, known_browsers, notices, dyads, dyad_members, invites, "
                "checkins, shares, responses, comfort, audit, therapist_links, "
                "therapist_consents, reshares, private_checkins, push_subscriptions",
                NULL);
    else
        fprintf(stderr, "dyad: store: vacuum after erasure: %s", PQerrorMessage(pg));
    PQfinish(pg);
}

/* Rows copied in with their identities given: each identity sequence of
 * the table moves past the largest, so the next insert does not collide. */
static enum store_result pg_after_copy(struct sql_conn *cb, const char *table)
{
    struct pg_conn *c = (struct pg_conn *)cb;
    const struct sql_value v[1] = {{SQL_TEXT, 0, table, 0}};
    enum store_result r;
    PGresult *res = execute(c,
                            "SELECT attname FROM pg_attribute WHERE attrelid = ?1::regclass AND "
                            "attidentity <> '' AND NOT attisdropped",
                            v, 1, &r);
    for (int i = 0; res != NULL && r == STORE_OK && i < PQntuples(res); i++) {
        char sql[512];
        const char *col = PQgetvalue(res, i, 0);
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'), "
                 "coalesce(max(\"%s\"), 0) + 1, false) FROM \"%s\"",
                 table, col, col, table);
        PGresult *set = execute(c, sql, NULL, 0, &r);
        PQclear(set);
    }
    PQclear(res);
    return r;
}

const struct store_backend store_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .end = pg_end,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .done = pg_done,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_bytes = pg_col_bytes,
    .health = pg_health,
    .backup = NULL,
    .after_erasure = pg_after_erasure,
    .tables_sql = "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND "
                  "c.relname <> 'dyad_schema' ORDER BY c.oid",
    .all_columns = "*",
    .hidden_rowid = false,
    .after_copy = pg_after_copy,
};
