/*
 * restore.c — `dyad restore`: a backup made by store_backup becomes the
 * database again (see store_restore in store.h).
 *
 * The backup is checked before anything is touched; the copy then goes
 * through SQLite's backup API into the live database file, which writes it
 * as one transaction of the destination (so a crash in the middle leaves
 * the old database), and WAL files of the old database are handled by
 * SQLite itself rather than deleted by hand.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/embedded.h"
#include "store/store.h"

/* The first row's first column of sql as text into out ("" when none). */
static int one_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static enum store_result check_backup(sqlite3 *src, const char *path, int *version, char *err,
                                      size_t errlen)
{
    char text[256];
    if (one_text(src, "PRAGMA integrity_check", text, sizeof text) != 0) {
        snprintf(err, errlen, "%s is not a dyad backup: %s", path, sqlite3_errmsg(src));
        return STORE_ERROR;
    }
    if (strcmp(text, "ok") != 0) {
        snprintf(err, errlen, "%s is damaged (integrity check: %s); nothing was restored", path,
                 text);
        return STORE_ERROR;
    }
    if (one_text(src, "PRAGMA foreign_key_check", text, sizeof text) != 0 || text[0] != '\0') {
        snprintf(err, errlen, "%s has rows that point nowhere (table %s); nothing was restored",
                 path, text);
        return STORE_ERROR;
    }
    if (one_text(src, "PRAGMA user_version", text, sizeof text) != 0) {
        snprintf(err, errlen, "%s: cannot read the schema version", path);
        return STORE_ERROR;
    }
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    /* a version that is not a whole number in range reads as none (0) */
    *version = errno == 0 && end != text && *end == '\0' && n > 0 && n <= INT_MAX ? (int)n : 0;
    char users[8];
    if (*version <= 0 ||
        one_text(src, "SELECT 1 FROM sqlite_master WHERE name = 'users'", users, sizeof users) !=
            0 ||
        users[0] != '1') {
        snprintf(err, errlen, "%s is not a dyad backup (no dyad schema in it)", path);
        return STORE_ERROR;
    }
    if ((size_t)*version > migrations_count) {
        snprintf(err, errlen,
                 "%s has schema version %d, newer than this dyad knows (%zu): restore it with the "
                 "dyad that made it",
                 path, *version, migrations_count);
        return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_result store_restore(const char *url, const char *path, int *version, char *err,
                                size_t errlen)
{
    if (strncmp(url, "sqlite:", 7) != 0 || url[7] == '\0') {
        snprintf(err, errlen,
                 "dyad restore handles sqlite: databases; for PostgreSQL use pg_restore "
                 "(docs/operators.md)");
        return STORE_ERROR;
    }
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return STORE_ERROR;
    }
    sqlite3 *src = NULL, *dst = NULL;
    enum store_result r = STORE_ERROR;
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, src ? sqlite3_errmsg(src) : "no memory");
        goto out;
    }
    if (check_backup(src, path, version, err, errlen) != STORE_OK)
        goto out;
    if (sqlite3_open_v2(url + 7, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", url + 7,
                 dst ? sqlite3_errmsg(dst) : "no memory");
        goto out;
    }
    sqlite3_busy_timeout(dst, 10000);
    /* The live database's settings, so the copy is written the same way. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot prepare %s: %s", url + 7, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc = b != NULL ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "restoring into %s failed: %s (the database is unchanged)", url + 7,
                 sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_close(dst);
    dst = NULL;
    /* An older schema is brought up to date now rather than at the next
     * start, so a failure shows here. */
    struct store *s = store_open(url, true, err, errlen);
    if (s == NULL)
        goto out;
    *version = store_schema_version(s);
    store_close(s);
    r = STORE_OK;
out:
    sqlite3_close(src);
    sqlite3_close(dst);
    return r;
}
