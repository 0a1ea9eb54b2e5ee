/*
 * backend.h — what a database backend gives the store (private to src/store).
 *
 * store.c holds every store.h function once: its SQL, its transaction and
 * the rules it enforces (a full dyad, sixteen responses to a share, an
 * invite used once, …). A backend only connects, runs that SQL and hands
 * rows back; sqlite.c and postgres.c are the two. store_open picks one from
 * the database URL.
 *
 * The SQL in store.c is the subset both databases read alike: parameters
 * written ?1, ?2, … (postgres.c sends them as $1, $2, …), ON CONFLICT for
 * upserts, no functions one of them lacks, and a column named rowid for
 * insertion order (SQLite's own rowid; a generated identity column of that
 * name in every PostgreSQL table; audit orders by its identity id).
 *
 * Transactions: every store call runs in exactly one (store_tx below).
 * Writes are serialised: SQLite has one writer connection; PostgreSQL takes
 * a transaction-scoped advisory lock, so a rule checked in a transaction
 * still holds when it commits, whichever server runs it. SQLite lets the
 * write calls that arrive together share one transaction and its fsync,
 * each in a savepoint of its own (group commit, top of sqlite.c); to the
 * store each is still its own transaction, answered once it is durable.
 */
#ifndef DYAD_STORE_BACKEND_H
#define DYAD_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum store_tx {
    STORE_TX_READ,     /* reads; each statement sees the latest commits */
    STORE_TX_SNAPSHOT, /* reads that must agree with each other: one snapshot */
    STORE_TX_WRITE,    /* changes, serialised with every other write */
};

enum sql_type { SQL_NULL, SQL_INT, SQL_TEXT, SQL_BLOB };

/* A parameter: SQL_INT uses i, SQL_TEXT p (NUL-terminated), SQL_BLOB p and n. */
struct sql_value {
    enum sql_type type;
    int64_t i;
    const void *p;
    size_t n;
};

struct store_backend;

/* Each backend's store, connection and cursor begin with these. */
struct store {
    const struct store_backend *b;
    int version; /* schema version after migrations */
    /* PostgreSQL: milliseconds a statement may run (store_set_statement_timeout) */
    unsigned statement_timeout_ms;
};
struct sql_conn {
    const struct store_backend *b;
};
struct sql_rows {
    const struct store_backend *b;
};

struct store_backend {
    const char *name; /* "sqlite", "postgres" */

    /* target is the URL with the scheme as the backend wants it;
     * timeout_ms limits each statement, the migrations' included (0: no
     * limit; PostgreSQL only), until store_set_statement_timeout. */
    struct store *(*open)(const char *target, bool migrate, unsigned timeout_ms, char *err,
                          size_t errlen);
    void (*close)(struct store *s);

    /* A transaction for one store call. end commits when r is STORE_OK and
     * the transaction writes, rolls back otherwise; it returns r, or the
     * failure of the commit. */
    enum store_result (*begin)(struct store *s, enum store_tx tx, struct sql_conn **out);
    enum store_result (*end)(struct store *s, struct sql_conn *c, enum store_result r);

    /* A statement without rows; *changes (may be NULL) is how many rows it
     * changed. STORE_CONFLICT when it breaks a constraint. */
    enum store_result (*exec)(struct sql_conn *c, const char *sql, const struct sql_value *v, int n,
                              int64_t *changes);
    /* A statement with rows: step with next (STORE_OK a row, STORE_NOT_FOUND
     * the end), then done. Column values live until the next step. */
    enum store_result (*query)(struct sql_conn *c, const char *sql, const struct sql_value *v,
                               int n, struct sql_rows **out);
    enum store_result (*next)(struct sql_rows *q);
    void (*done)(struct sql_rows *q);
    int (*col_count)(struct sql_rows *q);
    const char *(*col_name)(struct sql_rows *q, int i);
    enum sql_type (*col_type)(struct sql_rows *q, int i);
    int64_t (*col_int)(struct sql_rows *q, int i);
    const void *(*col_bytes)(struct sql_rows *q, int i, size_t *len); /* TEXT or BLOB */

    /* Whether the database answers (STORE_UNAVAILABLE: cannot be reached). */
    enum store_result (*health)(struct store *s);
    /* A consistent copy into a file (sqlite: a database file). NULL when the
     * backend leaves backups to the database's own tools. */
    enum store_result (*backup)(struct store *s, const char *path, char *err, size_t errlen);
    /* After an erasure committed: make sure no copy of the erased rows stays
     * readable (SQLite: checkpoint the WAL; PostgreSQL: VACUUM). */
    void (*after_erasure)(struct store *s);
    /* Whether the backend commits writes in groups and reports its commits
     * through store_note_commit itself; otherwise store.c counts each write
     * transaction as a commit of one. */
    bool group_commit;

    /* For store_copy: the store's tables in the order they were created
     * (so each comes after the tables it references), one name a row; the
     * select list that includes the rowid column ("rowid AS rowid, *" in
     * SQLite, whose "*" leaves it out); whether a table has a rowid column
     * that "SELECT *" does not show; and what to do after a table was
     * filled with rows whose identities were given (PostgreSQL: move the
     * identity sequences past them). */
    const char *tables_sql;
    const char *all_columns;
    bool hidden_rowid;
    enum store_result (*after_copy)(struct sql_conn *c, const char *table);
};

/* For /metrics (store_stats): a COMMIT of `writes` store calls that took
 * nanos and went through (ok) or failed; a call retried alone after its
 * group's commit failed; write calls queued for the writer (+1, -1). */
void store_note_commit(unsigned writes, int64_t nanos, bool ok);
void store_note_retry(void);
void store_note_waiting(int delta);

extern const struct store_backend store_sqlite;
extern const struct store_backend store_postgres;

#endif
