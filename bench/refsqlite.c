/*
 * refsqlite.c — the reference for durable writes: raw SQLite, WAL,
 * synchronous=FULL, one single-row INSERT ... ON CONFLICT commit after
 * another on one connection for SECONDS seconds, each row shaped like a
 * check-in. It is what one writer gets from the disk when every commit
 * waits for its own fsync; dyad's check-in writes are measured as a ratio
 * of it (group commit is what can take them above 1).
 *
 *   build/rel/bench/refsqlite PATH SECONDS     prints "commits_per_second N"
 *
 * PATH may be an existing database (make bench uses the server's own, so
 * both write through the same file and WAL): it adds two tables of its own,
 * bench_reference and bench_filler.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "refsqlite: %s: %s\n", what, sqlite3_errmsg(db));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: refsqlite PATH SECONDS\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return fail(db, "open");
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS bench_reference (dyad_id TEXT NOT NULL, user_id TEXT NOT NULL,"
                     " day INTEGER NOT NULL, a INTEGER, b INTEGER, e INTEGER, mask INTEGER,"
                     " updated_at INTEGER, PRIMARY KEY (dyad_id, user_id, day))",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "schema");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO bench_reference VALUES (?1, ?2, ?3, 5, 6, 7, 127, ?4) "
                           "ON CONFLICT (dyad_id, user_id, day) DO UPDATE SET a = excluded.a, "
                           "updated_at = excluded.updated_at",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(db, "prepare");
    /* Warm up as a database in use is: every row the loop updates already
     * there, and the WAL already at its working size (one large commit, then
     * a checkpoint, so the loop's commits overwrite the WAL from its start
     * as a server's do). An fsync that also has to grow the file costs far
     * more than one that does not, and a fresh file would make this
     * reference several times slower than any server that has run a while. */
    char dyad[40], user[40];
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "begin");
    for (long i = 0; i < 8000; i++) {
        snprintf(dyad, sizeof dyad, "d-%024lx", (unsigned long)(i % 1000));
        snprintf(user, sizeof user, "u-%024lx", (unsigned long)(i % 1000) * 2);
        sqlite3_bind_text(st, 1, dyad, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, 20000 + (i / 1000) % 8);
        sqlite3_bind_int64(st, 4, 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            return fail(db, "warm-up");
        sqlite3_reset(st);
    }
    /* 1,200 pages of filler in the same commit: the WAL then outgrows the
     * 1,000 pages after which SQLite checkpoints, and never grows again */
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS bench_filler (b BLOB);"
                     "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1200)"
                     " INSERT INTO bench_filler SELECT zeroblob(3500) FROM k;"
                     "COMMIT; PRAGMA wal_checkpoint(PASSIVE)",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "warm-up commit");

    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < seconds) {
        snprintf(dyad, sizeof dyad, "d-%024lx", (unsigned long)(n % 1000));
        snprintf(user, sizeof user, "u-%024lx", (unsigned long)(n % 1000) * 2);
        sqlite3_bind_text(st, 1, dyad, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, 20000 + (n / 1000) % 8);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)t);
        if (sqlite3_step(st) != SQLITE_DONE)
            return fail(db, "insert");
        sqlite3_reset(st);
        n++;
        if (n % 64 == 0)
            t = now_s();
    }
    t = now_s();
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("commits_per_second %.1f\n", (double)n / (t - t0));
    return 0;
}
