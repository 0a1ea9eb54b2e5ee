/*
 * test_store_contract.c — every store.h function, through store_open's
 * dispatch, against the results it promises: the same on every backend.
 *
 * Each test opens a fresh, empty store. The suite runs on SQLite (a file in
 * a temporary directory) always, and again on PostgreSQL when DYAD_TEST_PG
 * holds libpq key=value conninfo without a dbname ("host=/tmp/pg port=5432
 * user=postgres"): each test then gets a database of its own, dropped
 * after it. `make test` runs it so under scripts/with-postgres.sh.
 *
 * Expected values are written out by hand here (orders, counts, the rules'
 * answers), never read back from the store under test.
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embedded.h"
#include "store/store.h"
#include "storefixture.h"

/* ---- a fresh store per test ------------------------------------------------- */

static bool on_pg; /* which backend the running group uses */
static const char *pg_base;
static char fresh_name[64]; /* the test's database (PostgreSQL) or directory (SQLite) */
static char fresh_url[1024];
static int fresh_n;

static void pg_admin(const char *sql)
{
    char info[900];
    snprintf(info, sizeof info, "%s dbname=postgres", pg_base);
    PGconn *pg = PQconnectdb(info);
    if (PQstatus(pg) != CONNECTION_OK)
        fail_msg("DYAD_TEST_PG: %s", PQerrorMessage(pg));
    PGresult *res = PQexec(pg, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
}

/* Runs sql in the test's own database, outside the store. */
static void raw_sql(const char *sql)
{
    if (on_pg) {
        char info[900];
        snprintf(info, sizeof info, "%s dbname=%s", pg_base, fresh_name);
        PGconn *pg = PQconnectdb(info);
        PGresult *res = PQexec(pg, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(pg));
        PQclear(res);
        PQfinish(pg);
        return;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fresh_url + 7, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

static int fresh_setup(void **state)
{
    fresh_n++;
    if (on_pg) {
        char sql[128];
        snprintf(fresh_name, sizeof fresh_name, "contract_%d_%d", (int)getpid(), fresh_n);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", fresh_name);
        pg_admin(sql);
        snprintf(fresh_url, sizeof fresh_url, "postgres:%s dbname=%s", pg_base, fresh_name);
    } else {
        snprintf(fresh_name, sizeof fresh_name, "/tmp/dyad-contract-XXXXXX");
        if (mkdtemp(fresh_name) == NULL)
            return -1;
        snprintf(fresh_url, sizeof fresh_url, "sqlite:%s/dyad.db", fresh_name);
    }
    char err[256];
    struct store *s = store_open(fresh_url, true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "store_open %s: %s\n", fresh_url, err);
        return -1;
    }
    *state = s;
    return 0;
}

static int fresh_teardown(void **state)
{
    store_close(*state);
    if (on_pg) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", fresh_name);
        pg_admin(sql);
    } else {
        char cmd[PATH_MAX];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fresh_name);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* ---- building blocks -------------------------------------------------------- */

static void add_user(struct store *s, const char *id, unsigned seed)
{
    struct user u;
    char email[64];
    snprintf(email, sizeof email, "%s@example.org", id);
    make_user(&u, id, email, seed);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
}

/* A dyad created by `by` with invite `code` valid for a week from T0. */
static void add_dyad(struct store *s, const char *id, const char *by, const char *code, int64_t at)
{
    struct dyad d;
    struct invite inv;
    struct member m;
    make_dyad(&d, &inv, id, DYAD_FRIENDS, by, code, at);
    make_member(&m, by, true, 50, at);
    assert_int_equal(store_dyad_create(s, &d, &m, &inv), STORE_OK);
}

/* u-a and u-b, paired in d-1 (u-a created it). */
static void pair(struct store *s)
{
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    add_dyad(s, "d-1", "u-a", "inv-1", T0);
    struct member m;
    struct dyad d;
    make_member(&m, "u-b", false, 60, T0 + 10);
    assert_int_equal(store_dyad_join(s, "inv-1", &m, T0 + 10, &d), STORE_OK);
}

/* Collects strings from callbacks, in order, comma-separated. */
struct seen {
    char text[1024];
    int n;
};

static void see(struct seen *w, const char *what)
{
    size_t len = strlen(w->text);
    snprintf(w->text + len, sizeof w->text - len, "%s%s", len ? "," : "", what);
    w->n++;
}

/* ---- open, health, backup ------------------------------------------------ */

static void test_open_health_backup(void **state)
{
    struct store *s = *state;
    assert_string_equal(store_backend_name(s), on_pg ? "postgres" : "sqlite");
    assert_int_equal(store_schema_version(s), (int)migrations_count);
    assert_int_equal(migrations_count, pg_migrations_count);
    assert_int_equal(store_health(s), STORE_OK);
    char path[PATH_MAX], err[256] = "";
    snprintf(path, sizeof path, "/tmp/dyad-contract-backup-%d.db", (int)getpid());
    add_user(s, "u-a", 10);
    enum store_result r = store_backup(s, path, err, sizeof err);
    if (on_pg) {
        assert_int_equal(r, STORE_ERROR); /* PostgreSQL: its own tools */
        assert_non_null(strstr(err, "pg_dump"));
    } else {
        assert_int_equal(r, STORE_OK);
        char url[PATH_MAX + 8];
        snprintf(url, sizeof url, "sqlite:%s", path);
        struct store *b = store_open(url, false, err, sizeof err);
        assert_non_null(b);
        struct user u;
        assert_int_equal(store_user_by_id(b, "u-a", &u), STORE_OK);
        store_close(b);
        unlink(path);
    }
}

static void test_open_refuses(void **state)
{
    struct store *s = *state;
    char err[256];
    int version = store_schema_version(s);
    store_close(s);
    /* a schema newer than this binary: refused, with a message that says so */
    raw_sql(on_pg ? "UPDATE dyad_schema SET version = 999" : "PRAGMA user_version = 999");
    assert_null(store_open(fresh_url, true, err, sizeof err));
    assert_non_null(strstr(err, "newer than this dyad"));
    /* an older one: refused without migrate, brought up with it */
    raw_sql(on_pg ? "UPDATE dyad_schema SET version = 5" : "PRAGMA user_version = 5");
    assert_null(store_open(fresh_url, false, err, sizeof err));
    assert_non_null(strstr(err, "dyad migrate"));
    /* (migration 6 adds a column that is there already, so put the version back) */
    char sql[96];
    snprintf(sql, sizeof sql,
             on_pg ? "UPDATE dyad_schema SET version = %d" : "PRAGMA user_version = %d", version);
    raw_sql(sql);
    s = store_open(fresh_url, false, err, sizeof err);
    assert_non_null(s);
    *state = s;
    assert_null(store_open("mysql://x", true, err, sizeof err));
    assert_non_null(strstr(err, "unknown database URL"));
}

/* ---- users and sessions ------------------------------------------------------ */

static void test_users(void **state)
{
    struct store *s = *state;
    struct user u, out;
    make_user(&u, "u-a", "a@example.org", 10);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
    make_user(&u, "u-x", "a@example.org", 11);
    assert_int_equal(store_user_create(s, &u), STORE_CONFLICT); /* e-mail taken */
    make_user(&u, "u-a", "other@example.org", 12);
    assert_int_equal(store_user_create(s, &u), STORE_CONFLICT); /* id taken */

    assert_int_equal(store_user_by_email(s, "a@example.org", &out), STORE_OK);
    make_user(&u, "u-a", "a@example.org", 10);
    assert_memory_equal(&out, &u, sizeof u);
    assert_int_equal(store_user_by_id(s, "u-a", &out), STORE_OK);
    assert_memory_equal(&out, &u, sizeof u);
    assert_int_equal(store_user_by_id(s, "u-nobody", &out), STORE_NOT_FOUND);
    assert_int_equal(store_user_by_email(s, "nobody@example.org", &out), STORE_NOT_FOUND);

    /* new credentials end every session but the one kept */
    struct session x;
    make_session(&x, "s1", "u-a", 1, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s2", "u-a", 2, T0 + 1);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    unsigned char salt[16], wrapped[STORE_WRAPPED_KEYS];
    fill(salt, sizeof salt, 99);
    fill(wrapped, sizeof wrapped, 98);
    assert_int_equal(store_user_set_password(s, "u-a", salt, "$argon2id$new", wrapped, "s2"),
                     STORE_OK);
    assert_int_equal(store_user_by_id(s, "u-a", &out), STORE_OK);
    assert_memory_equal(out.kdf_salt, salt, 16);
    assert_string_equal(out.auth_hash, "$argon2id$new");
    assert_memory_equal(out.wrapped_keys, wrapped, sizeof wrapped);
    struct session got;
    fill(x.token_hash, 32, 1);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_NOT_FOUND);
    fill(x.token_hash, 32, 2);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_OK);
    assert_int_equal(store_user_set_password(s, "u-nobody", salt, "h", wrapped, NULL),
                     STORE_NOT_FOUND);
}

static void list_session(void *ctx, const struct session *x)
{
    char line[128];
    snprintf(line, sizeof line, "%s@%lld/%lld", x->id, (long long)x->created_at,
             (long long)x->last_seen_at);
    see(ctx, line);
    assert_string_equal(x->user_id, "u-a");
}

static void test_sessions(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    struct session x, got;
    make_session(&x, "s1", "u-a", 1, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s2", "u-a", 2, T0 + 5);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s3", "u-a", 3, T0 + 5); /* same second: insertion order breaks the tie */
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s3", "u-b", 4, T0);
    assert_int_equal(store_session_create(s, &x), STORE_CONFLICT); /* id taken */
    make_session(&x, "s4", "u-b", 3, T0);
    assert_int_equal(store_session_create(s, &x), STORE_CONFLICT); /* token taken */

    make_session(&x, "s2", "u-a", 2, T0 + 5);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_OK);
    assert_memory_equal(&got, &x, sizeof x);
    assert_int_equal(store_session_touch(s, "s2", T0 + 100), STORE_OK);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_OK);
    assert_int_equal(got.last_seen_at, T0 + 100);

    struct seen w = {"", 0};
    assert_int_equal(store_sessions_list(s, "u-a", list_session, &w), STORE_OK);
    assert_string_equal(w.text, "s3@1767225605/1767225605,s2@1767225605/1767225700,"
                                "s1@1767225600/1767225600");

    assert_int_equal(store_session_delete(s, "u-b", "s1"), STORE_NOT_FOUND); /* not theirs */
    assert_int_equal(store_session_delete(s, "u-a", "s1"), STORE_OK);
    assert_int_equal(store_session_delete(s, "u-a", "s1"), STORE_NOT_FOUND);
}

static void list_device(void *ctx, const struct device *d)
{
    char line[120];
    snprintf(line, sizeof line, "%s:%d@%lld", d->id, d->failures, (long long)d->expires_at);
    see(ctx, line);
}

static void make_device(struct device *d, const char *id, const char *user_id, unsigned seed)
{
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", id);
    snprintf(d->user_id, sizeof d->user_id, "%s", user_id);
    fill(d->verifier, sizeof d->verifier, seed);
    fill(d->seed, sizeof d->seed, seed + 1);
    d->created_at = d->used_at = T0;
    d->expires_at = T0 + 1000;
    snprintf(d->user_agent, sizeof d->user_agent, "Phone %s", id);
}

/* Devices (one's own browser, PIN unlock): marking ties the session to the
 * device; a right verifier replaces the device's sessions with the new one;
 * wrong ones count, the 5th deletes device and sessions; expiry; forgetting
 * keeps the caller's session as an ordinary one; a password change keeps
 * only the current session's device. */
static void test_devices(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    struct session x, got;
    make_session(&x, "s1", "u-a", 1, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    struct device d, out;
    make_device(&d, "v-1", "u-a", 30);
    assert_int_equal(store_device_create(s, &d, "s-none"), STORE_NOT_FOUND);
    make_device(&d, "v-1", "u-b", 30);
    assert_int_equal(store_device_create(s, &d, "s1"), STORE_NOT_FOUND); /* not u-b's session */
    make_device(&d, "v-1", "u-a", 30);
    assert_int_equal(store_device_create(s, &d, "s1"), STORE_OK);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_OK);
    assert_string_equal(got.device_id, "v-1");
    assert_int_equal(got.expires_at, T0 + 1000);

    unsigned char right[32], wrong[32];
    fill(right, 32, 30);
    fill(wrong, 32, 99);
    enum device_try t;
    struct session n;
    make_session(&n, "s2", "", 2, T0 + 10);
    assert_int_equal(store_device_unlock(s, "v-9", right, &n, T0 + 10, &out, &t), STORE_NOT_FOUND);
    assert_int_equal(store_device_unlock(s, "v-1", right, &n, T0 + 10, &out, &t), STORE_OK);
    assert_int_equal(t, DEVICE_RIGHT);
    assert_memory_equal(out.seed, d.seed, 32);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_NOT_FOUND); /* s1 ended */
    assert_int_equal(store_session_by_token(s, n.token_hash, &got), STORE_OK);
    assert_string_equal(got.user_id, "u-a");
    assert_string_equal(got.device_id, "v-1");
    assert_int_equal(got.expires_at, T0 + 1000);

    for (int i = 1; i < STORE_DEVICE_TRIES; i++) {
        struct session m;
        make_session(&m, "s-x", "", 50 + (unsigned)i, T0 + 20);
        assert_int_equal(store_device_unlock(s, "v-1", wrong, &m, T0 + 20, &out, &t), STORE_OK);
        assert_int_equal(t, DEVICE_WRONG);
        assert_int_equal(out.failures, i);
    }
    struct seen w = {"", 0};
    assert_int_equal(store_devices_list(s, "u-a", T0 + 20, list_device, &w), STORE_OK);
    assert_string_equal(w.text, "v-1:4@1767226600");
    assert_int_equal(store_device_unlock(s, "v-1", wrong, &n, T0 + 20, &out, &t), STORE_OK);
    assert_int_equal(t, DEVICE_FORGOTTEN);
    assert_int_equal(store_session_by_token(s, n.token_hash, &got), STORE_NOT_FOUND);
    assert_int_equal(store_device_unlock(s, "v-1", right, &n, T0 + 20, &out, &t), STORE_NOT_FOUND);

    /* expiry */
    make_session(&x, "s3", "u-a", 3, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_device(&d, "v-2", "u-a", 40);
    assert_int_equal(store_device_create(s, &d, "s3"), STORE_OK);
    w = (struct seen){"", 0};
    assert_int_equal(store_devices_list(s, "u-a", T0 + 1000, list_device, &w), STORE_OK);
    assert_string_equal(w.text, "");
    fill(right, 32, 40);
    make_session(&n, "s4", "", 4, T0 + 1000);
    assert_int_equal(store_device_unlock(s, "v-2", right, &n, T0 + 1000, &out, &t),
                     STORE_NOT_FOUND);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_NOT_FOUND);

    /* forgetting keeps the caller's session, as an ordinary one */
    make_session(&x, "s5", "u-a", 5, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_device(&d, "v-3", "u-a", 50);
    assert_int_equal(store_device_create(s, &d, "s5"), STORE_OK);
    assert_int_equal(store_device_delete(s, "u-b", "v-3", ""), STORE_NOT_FOUND);
    assert_int_equal(store_device_delete(s, "u-a", "v-3", "s5"), STORE_OK);
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_OK);
    assert_string_equal(got.device_id, "");
    assert_int_equal(got.expires_at, 0);
    assert_int_equal(store_device_delete(s, NULL, "v-3", ""), STORE_NOT_FOUND);

    /* a password change keeps only the current session's device */
    make_device(&d, "v-4", "u-a", 60);
    assert_int_equal(store_device_create(s, &d, "s5"), STORE_OK);
    make_session(&x, "s6", "u-a", 6, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_device(&d, "v-5", "u-a", 70);
    assert_int_equal(store_device_create(s, &d, "s6"), STORE_OK);
    struct user u;
    make_user(&u, "u-a", "a@example.org", 10);
    assert_int_equal(
        store_user_set_password(s, "u-a", u.kdf_salt, u.auth_hash, u.wrapped_keys, "s5"), STORE_OK);
    w = (struct seen){"", 0};
    assert_int_equal(store_devices_list(s, "u-a", T0, list_device, &w), STORE_OK);
    assert_string_equal(w.text, "v-4:0@1767226600");
}

static void list_notice(void *ctx, const struct notice *n)
{
    char line[300];
    snprintf(line, sizeof line, "%s:%s:%s@%lld", n->id, n->kind, n->detail,
             (long long)n->created_at);
    see(ctx, line);
}

static void test_browsers_and_notices(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    unsigned char h1[32], h2[32], h3[32];
    fill(h1, 32, 1);
    fill(h2, 32, 2);
    fill(h3, 32, 3);
    /* the account's first browser: no notice; the same again: none; a new one: one */
    assert_int_equal(store_browser_seen(s, "u-a", h1, "First", "n-1", T0), STORE_OK);
    assert_int_equal(store_browser_seen(s, "u-a", h1, "First", "n-2", T0 + 1), STORE_OK);
    assert_int_equal(store_browser_seen(s, "u-a", h2, "Second", "n-3", T0 + 2), STORE_OK);
    assert_int_equal(store_browser_seen(s, "u-a", h2, "Second", "n-4", T0 + 3), STORE_OK);
    assert_int_equal(store_browser_seen(s, "u-a", h3, "Third", "n-5", T0 + 4), STORE_OK);
    struct seen w = {"", 0};
    assert_int_equal(store_notices(s, "u-a", list_notice, &w), STORE_OK);
    assert_string_equal(w.text,
                        "n-3:new_browser:Second@1767225602,n-5:new_browser:Third@1767225604");
    assert_int_equal(store_notice_delete(s, "u-b", "n-3"), STORE_NOT_FOUND);
    assert_int_equal(store_notice_delete(s, "u-a", "n-3"), STORE_OK);
    assert_int_equal(store_notice_delete(s, "u-a", "n-3"), STORE_NOT_FOUND);
    struct seen w2 = {"", 0};
    assert_int_equal(store_notices(s, "u-a", list_notice, &w2), STORE_OK);
    assert_int_equal(w2.n, 1);
}

struct push_seen {
    char text[512];
    int n;
};

/* The seed fill() made these bytes from, or -1: the keys come back whole. */
static int seed_of(const unsigned char *b, size_t n)
{
    unsigned char want[65];
    for (unsigned seed = 0; seed < 32; seed++) {
        fill(want, n, seed);
        if (memcmp(want, b, n) == 0)
            return (int)seed;
    }
    return -1;
}

static void list_push(void *ctx, const struct push_subscription *p)
{
    struct push_seen *w = ctx;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s%s:%s:%s:%d:%d@%lld", w->n ? "," : "", p->id,
             p->user_id, p->endpoint, seed_of(p->p256dh, sizeof p->p256dh),
             seed_of(p->auth, sizeof p->auth), (long long)p->created_at);
    w->n++;
}

static void make_push(struct push_subscription *p, const char *id, const char *user,
                      const char *endpoint, unsigned seed, int64_t at)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->user_id, sizeof p->user_id, "%s", user);
    snprintf(p->endpoint, sizeof p->endpoint, "%s", endpoint);
    fill(p->p256dh, sizeof p->p256dh, seed);
    fill(p->auth, sizeof p->auth, seed + 1);
    p->created_at = at;
}

static void test_push_subscriptions(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    struct push_subscription p;
    char id[STORE_ID_MAX];
    make_push(&p, "p-1", "u-a", "https://push.example/1", 1, T0);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    assert_string_equal(id, "p-1");
    make_push(&p, "p-2", "u-a", "https://push.example/2", 5, T0 + 1);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    /* the same endpoint again, new keys: the row is taken over, its id kept */
    make_push(&p, "p-3", "u-a", "https://push.example/1", 9, T0 + 2);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    assert_string_equal(id, "p-1");
    struct push_seen w = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w), STORE_OK);
    assert_string_equal(w.text, "p-2:u-a:https://push.example/2:5:6@1767225601,"
                                "p-1:u-a:https://push.example/1:9:10@1767225602");
    /* another account on the same browser: the endpoint moves to it */
    make_push(&p, "p-4", "u-b", "https://push.example/2", 3, T0 + 3);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    assert_string_equal(id, "p-2");
    struct push_seen wa = {"", 0}, wb = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &wa), STORE_OK);
    assert_int_equal(store_push_list(s, "u-b", list_push, &wb), STORE_OK);
    assert_int_equal(wa.n, 1);
    assert_string_equal(wb.text, "p-2:u-b:https://push.example/2:3:4@1767225603");
    /* unsubscribing: only one's own */
    assert_int_equal(store_push_unsubscribe(s, "u-a", "https://push.example/2"), STORE_NOT_FOUND);
    assert_int_equal(store_push_unsubscribe(s, "u-b", "https://push.example/2"), STORE_OK);
    assert_int_equal(store_push_unsubscribe(s, "u-b", "https://push.example/2"), STORE_NOT_FOUND);
    /* gone: by id and endpoint together */
    assert_int_equal(store_push_gone(s, "p-1", "https://push.example/other"), STORE_NOT_FOUND);
    assert_int_equal(store_push_gone(s, "p-1", "https://push.example/1"), STORE_OK);
    struct push_seen w2 = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w2), STORE_OK);
    assert_int_equal(w2.n, 0);
    /* at most STORE_PUSH_PER_USER; re-subscribing one of them still works */
    for (int i = 0; i < STORE_PUSH_PER_USER; i++) {
        char e[64], pid[16];
        snprintf(e, sizeof e, "https://push.example/n%d", i);
        snprintf(pid, sizeof pid, "p-n%d", i);
        make_push(&p, pid, "u-a", e, 1, T0 + 10 + i);
        assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    }
    make_push(&p, "p-over", "u-a", "https://push.example/over", 1, T0 + 50);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_CONFLICT);
    make_push(&p, "p-again", "u-a", "https://push.example/n3", 2, T0 + 51);
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    assert_string_equal(id, "p-n3");
    /* erasing the account removes them */
    assert_int_equal(store_user_delete(s, "u-a", T0 + 100), STORE_OK);
    struct push_seen w3 = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w3), STORE_OK);
    assert_int_equal(w3.n, 0);
}

/* Ending a session as its owner does takes the browser's subscriptions
 * along, in the same transaction; the idle lock's plain delete keeps them. */
static void test_session_end_push(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    struct session x;
    make_session(&x, "s1", "u-a", 1, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s2", "u-a", 2, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "s3", "u-b", 3, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    struct push_subscription p;
    char id[STORE_ID_MAX];
    static const struct {
        const char *id, *user, *session;
    } subs[] = {
        {"p-1", "u-a", "s1"}, {"p-1b", "u-a", "s1"}, {"p-2", "u-a", "s2"}, {"p-3", "u-b", "s3"}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char e[64];
        snprintf(e, sizeof e, "https://push.example/%s", subs[i].id);
        make_push(&p, subs[i].id, subs[i].user, e, 1, T0 + (int64_t)i);
        snprintf(p.session_id, sizeof p.session_id, "%s", subs[i].session);
        assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    }
    /* not hers: nothing goes */
    assert_int_equal(store_session_end(s, "u-b", "s1"), STORE_NOT_FOUND);
    struct push_seen w = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w), STORE_OK);
    assert_int_equal(w.n, 3);
    /* s1 ends: its two go, s2's stays, and so does u-b's */
    assert_int_equal(store_session_end(s, "u-a", "s1"), STORE_OK);
    assert_int_equal(store_session_delete(s, "u-a", "s1"), STORE_NOT_FOUND); /* ended */
    struct push_seen w1 = {"", 0}, wb = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w1), STORE_OK);
    assert_int_equal(w1.n, 1);
    assert_non_null(strstr(w1.text, "p-2:"));
    assert_int_equal(store_push_list(s, "u-b", list_push, &wb), STORE_OK);
    assert_int_equal(wb.n, 1);
    assert_int_equal(store_session_end(s, "u-a", "s1"), STORE_NOT_FOUND);
    /* the idle lock (a plain delete) keeps s2's subscription */
    assert_int_equal(store_session_delete(s, "u-a", "s2"), STORE_OK);
    struct push_seen w2 = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w2), STORE_OK);
    assert_int_equal(w2.n, 1);

    /* a marked device's session: ending it forgets the device, its other
     * sessions and its subscriptions; the PIN opens nothing any more */
    make_session(&x, "s4", "u-a", 4, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    struct device d, out;
    make_device(&d, "v-4", "u-a", 60);
    assert_int_equal(store_device_create(s, &d, "s4"), STORE_OK);
    make_push(&p, "p-4", "u-a", "https://push.example/p-4", 1, T0 + 9);
    snprintf(p.session_id, sizeof p.session_id, "%s", "s4");
    snprintf(p.device_id, sizeof p.device_id, "%s", "v-4");
    assert_int_equal(store_push_subscribe(s, &p, id), STORE_OK);
    assert_int_equal(store_session_end(s, "u-b", "s4"), STORE_NOT_FOUND);
    struct seen dv = {"", 0};
    assert_int_equal(store_devices_list(s, "u-a", T0, list_device, &dv), STORE_OK);
    assert_non_null(strstr(dv.text, "v-4:"));
    assert_int_equal(store_session_end(s, "u-a", "s4"), STORE_OK);
    dv = (struct seen){"", 0};
    assert_int_equal(store_devices_list(s, "u-a", T0, list_device, &dv), STORE_OK);
    assert_string_equal(dv.text, "");
    struct push_seen w3 = {"", 0};
    assert_int_equal(store_push_list(s, "u-a", list_push, &w3), STORE_OK);
    assert_int_equal(w3.n, 1); /* s2's, from before; p-4 went with its device */
    assert_null(strstr(w3.text, "p-4:"));
    unsigned char right[32];
    fill(right, 32, 60);
    enum device_try t;
    struct session n;
    make_session(&n, "s5", "", 5, T0 + 10);
    assert_int_equal(store_device_unlock(s, "v-4", right, &n, T0 + 10, &out, &t), STORE_NOT_FOUND);
}

static void test_throttle(void **state)
{
    struct store *s = *state;
    unsigned char k[32];
    fill(k, 32, 7);
    struct throttle t = {3, T0 + 60, 0}, got;
    assert_int_equal(store_throttle_get(s, k, &got), STORE_NOT_FOUND);
    assert_int_equal(got.failures, 0);
    assert_int_equal(store_throttle_put(s, k, &t, T0), STORE_OK);
    assert_int_equal(store_throttle_get(s, k, &got), STORE_OK);
    assert_int_equal(got.failures, 3);
    assert_int_equal(got.blocked_until, T0 + 60);
    assert_int_equal(got.updated_at, T0);
    t.failures = 4;
    t.blocked_until = T0 + 120;
    assert_int_equal(store_throttle_put(s, k, &t, T0 + 5), STORE_OK); /* replaces */
    assert_int_equal(store_throttle_get(s, k, &got), STORE_OK);
    assert_int_equal(got.failures, 4);
    assert_int_equal(got.updated_at, T0 + 5);
    assert_int_equal(store_throttle_clear(s, k), STORE_OK);
    assert_int_equal(store_throttle_get(s, k, &got), STORE_NOT_FOUND);
}

static void add_failure(struct throttle *t, void *arg)
{
    t->failures++;
    t->blocked_until = *(const int64_t *)arg;
}

struct hammer {
    struct store *s;
    const unsigned char *key;
    int failed;
};

enum { HAMMER_THREADS = 8, HAMMER_TRIES = 25 };

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    int64_t until = T0 + 99;
    for (int i = 0; i < HAMMER_TRIES; i++)
        if (store_throttle_update(h->s, h->key, add_failure, &until, T0 + 7) != STORE_OK)
            h->failed++;
    return NULL;
}

/* store_throttle_update reads and writes in one transaction: failures
 * counted from several threads at once are each counted (a separate get
 * and put would lose some). */
static void test_throttle_update(void **state)
{
    struct store *s = *state;
    unsigned char k[32];
    fill(k, 32, 9);
    int64_t until = T0 + 30;
    assert_int_equal(store_throttle_update(s, k, add_failure, &until, T0), STORE_OK);
    struct throttle got;
    assert_int_equal(store_throttle_get(s, k, &got), STORE_OK);
    assert_int_equal(got.failures, 1); /* started from zero */
    assert_int_equal(got.blocked_until, T0 + 30);
    assert_int_equal(got.updated_at, T0);

    pthread_t th[HAMMER_THREADS];
    struct hammer h[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++) {
        h[i] = (struct hammer){s, k, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &h[i]), 0);
    }
    for (int i = 0; i < HAMMER_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].failed, 0);
    }
    assert_int_equal(store_throttle_get(s, k, &got), STORE_OK);
    assert_int_equal(got.failures, 1 + HAMMER_THREADS * HAMMER_TRIES);
    assert_int_equal(got.blocked_until, T0 + 99);
    assert_int_equal(got.updated_at, T0 + 7);
}

/* ---- dyads ---------------------------------------------------------------- */

static void test_dyad_pairing_rules(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    add_user(s, "u-c", 30);
    add_dyad(s, "d-1", "u-a", "inv-1", T0);
    struct dyad d;
    struct member m[2];
    size_t n;
    assert_int_equal(store_dyad_get(s, "d-1", &d, m, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(d.created_by, "u-a");
    assert_int_equal(d.kind, DYAD_FRIENDS);
    assert_true(m[0].has_wrap);
    assert_string_equal(m[0].display_name, "Person u-a");

    struct invite inv;
    assert_int_equal(store_dyad_invite(s, "d-1", T0, &inv), STORE_OK);
    assert_string_equal(inv.code, "inv-1");
    assert_string_equal(inv.dyad_id, "d-1");
    assert_int_equal(store_dyad_invite(s, "d-1", T0 + 8 * 86400, &inv), STORE_NOT_FOUND);

    struct member j;
    make_member(&j, "u-b", false, 60, T0 + 10);
    assert_int_equal(store_dyad_join(s, "nope", &j, T0 + 10, &d), STORE_NOT_FOUND);
    assert_int_equal(store_dyad_join(s, "inv-1", &j, T0 + 8 * 86400, &d), STORE_EXPIRED);
    struct member self;
    make_member(&self, "u-a", false, 61, T0 + 10);
    assert_int_equal(store_dyad_join(s, "inv-1", &self, T0 + 10, &d), STORE_CONFLICT); /* own */
    assert_int_equal(store_dyad_join(s, "inv-1", &j, T0 + 10, &d), STORE_OK);
    assert_string_equal(d.id, "d-1");
    struct member third;
    make_member(&third, "u-c", false, 62, T0 + 11);
    assert_int_equal(store_dyad_join(s, "inv-1", &third, T0 + 11, &d), STORE_CONFLICT); /* used */
    assert_int_equal(store_dyad_invite(s, "d-1", T0, &inv), STORE_NOT_FOUND);

    assert_int_equal(store_dyad_get(s, "d-1", &d, m, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].user_id, "u-a");
    assert_string_equal(m[1].user_id, "u-b");
    assert_false(m[1].has_wrap);
    assert_int_equal(m[1].joined_at, T0 + 10);
    assert_int_equal(store_dyad_get(s, "d-none", &d, m, &n), STORE_NOT_FOUND);

    /* a second dyad, ended before anyone joins: its invite goes with it */
    add_dyad(s, "d-2", "u-c", "inv-2", T0 + 20);
    assert_int_equal(store_dyad_leave(s, "d-2", "u-c", false, T0 + 21), STORE_OK);
    assert_int_equal(store_dyad_join(s, "inv-2", &j, T0 + 22, &d), STORE_NOT_FOUND);
    assert_int_equal(store_dyad_leave(s, "d-2", "u-c", false, T0 + 23), STORE_NOT_FOUND);
}

static void test_members(void **state)
{
    struct store *s = *state;
    pair(s);
    unsigned char wrap[STORE_SEALED_KEY], sig[64];
    fill(wrap, sizeof wrap, 5);
    fill(sig, sizeof sig, 6);
    assert_int_equal(store_member_set_wrap(s, "d-1", "u-b", wrap, sig, "u-a"), STORE_OK);
    assert_int_equal(store_member_set_wrap(s, "d-1", "u-b", wrap, sig, "u-a"), STORE_CONFLICT);
    assert_int_equal(store_member_set_track_sexual(s, "d-1", "u-b", true), STORE_OK);
    assert_int_equal(store_member_set_therapist_sexual(s, "d-1", "u-a", true), STORE_OK);
    assert_int_equal(store_member_set_track_sexual(s, "d-1", "u-x", true), STORE_NOT_FOUND);
    assert_int_equal(store_member_set_therapist_sexual(s, "d-9", "u-a", true), STORE_NOT_FOUND);
    struct dyad d;
    struct member m[2];
    size_t n;
    assert_int_equal(store_dyad_get(s, "d-1", &d, m, &n), STORE_OK);
    assert_true(m[1].has_wrap);
    assert_memory_equal(m[1].wrapped_key, wrap, sizeof wrap);
    assert_string_equal(m[1].wrap_signer, "u-a");
    assert_true(m[1].track_sexual);
    assert_false(m[0].track_sexual);
    assert_true(m[0].therapist_sexual);

    /* newest first; ended dyads stay listed while one is a member */
    add_dyad(s, "d-2", "u-b", "inv-2", T0 + 50);
    add_dyad(s, "d-3", "u-b", "inv-3", T0 + 50);
    assert_int_equal(store_dyad_leave(s, "d-2", "u-b", false, T0 + 60), STORE_OK);
    struct dyad_summary sum[4];
    assert_int_equal(store_user_dyads(s, "u-b", sum, 4, &n), STORE_OK);
    assert_int_equal(n, 2); /* d-2 left */
    assert_string_equal(sum[0].id, "d-3");
    assert_true(sum[0].active);
    assert_false(sum[0].paired);
    assert_string_equal(sum[1].id, "d-1");
    assert_true(sum[1].paired);
    assert_int_equal(store_user_dyads(s, "u-b", sum, 1, &n), STORE_OK);
    assert_int_equal(n, 1);

    /* leaving ends the dyad for both; the leaver's key wrap goes */
    assert_int_equal(store_dyad_leave(s, "d-1", "u-b", false, T0 + 70), STORE_OK);
    assert_int_equal(store_dyad_get(s, "d-1", &d, m, &n), STORE_OK);
    assert_int_equal(d.ended_at, T0 + 70);
    assert_int_equal(m[1].left_at, T0 + 70);
    assert_false(m[1].has_wrap);
    assert_int_equal(store_user_dyads(s, "u-a", sum, 4, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_false(sum[0].active);
}

/* ---- check-ins -------------------------------------------------------------- */

static void make_checkin(struct checkin *c, const char *user_id, long day, int base)
{
    memset(c, 0, sizeof *c);
    snprintf(c->user_id, sizeof c->user_id, "%s", user_id);
    c->day = day;
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        c->score[i] = (int8_t)((base + i) % 11);
    c->score[3] = STORE_NULL;
    c->emotions = 0x15u;
    c->wordless = STORE_NULL;
    c->show_mask = 0x3u;
    c->updated_at = T0 + base;
}

static void list_note(void *ctx, long day, const unsigned char *note, size_t len)
{
    char line[64];
    snprintf(line, sizeof line, "%ld:%zu:%02x", day, len, note[0]);
    see(ctx, line);
}

static void test_checkins(void **state)
{
    struct store *s = *state;
    pair(s);
    struct checkin c, out[8];
    unsigned char note[40];
    fill(note, sizeof note, 3);
    make_checkin(&c, "u-b", DAY0, 1);
    assert_int_equal(store_checkin_put(s, "d-1", &c, note, sizeof note), STORE_OK);
    make_checkin(&c, "u-a", DAY0, 2);
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);
    make_checkin(&c, "u-a", DAY0 + 2, 3);
    assert_int_equal(store_checkin_put(s, "d-1", &c, note, 10), STORE_OK);
    make_checkin(&c, "u-a", DAY0, 4); /* replaces the first of u-a's whole */
    c.wordless = 0;
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);
    c.score[0] = 11; /* out of range: the schema refuses it */
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_CONFLICT);

    size_t n;
    assert_int_equal(store_checkins(s, "d-1", DAY0, DAY0 + 2, out, 8, &n), STORE_OK);
    assert_int_equal(n, 3);
    /* by day, then person */
    assert_string_equal(out[0].user_id, "u-a");
    assert_int_equal(out[0].day, DAY0);
    assert_int_equal(out[0].updated_at, T0 + 4);
    assert_int_equal(out[0].score[0], 4);
    assert_int_equal(out[0].score[3], STORE_NULL);
    assert_int_equal(out[0].wordless, 0);
    assert_false(out[0].has_note);
    assert_string_equal(out[1].user_id, "u-b");
    assert_true(out[1].has_note);
    assert_int_equal(out[1].wordless, STORE_NULL);
    assert_int_equal(out[1].emotions, 0x15u);
    assert_int_equal(out[1].show_mask, 0x3u);
    assert_int_equal(out[2].day, DAY0 + 2);
    assert_int_equal(store_checkins(s, "d-1", DAY0 + 1, DAY0 + 1, out, 8, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_checkins(s, "d-1", DAY0, DAY0 + 2, out, 2, &n), STORE_OK);
    assert_int_equal(n, 2); /* up to max */
    /* the same rows member by member, each oldest first */
    assert_int_equal(store_checkins_by_member(s, "d-1", DAY0, DAY0 + 2, out, 8, &n), STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(out[0].user_id, "u-a");
    assert_int_equal(out[0].day, DAY0);
    assert_int_equal(out[0].score[0], 4);
    assert_string_equal(out[1].user_id, "u-a");
    assert_int_equal(out[1].day, DAY0 + 2);
    assert_true(out[1].has_note);
    assert_string_equal(out[2].user_id, "u-b");
    assert_int_equal(out[2].day, DAY0);
    assert_int_equal(out[2].emotions, 0x15u);
    assert_int_equal(store_checkins_by_member(s, "d-1", DAY0 + 1, DAY0 + 1, out, 8, &n), STORE_OK);
    assert_int_equal(n, 0);

    struct seen w = {"", 0};
    assert_int_equal(store_checkin_notes(s, "d-1", "u-a", DAY0, DAY0 + 9, list_note, &w), STORE_OK);
    char want[64];
    snprintf(want, sizeof want, "%d:10:%02x", DAY0 + 2, note[0]);
    assert_string_equal(w.text, want);

    int64_t last;
    assert_int_equal(store_dyad_last_activity(s, "d-1", &last), STORE_OK);
    assert_int_equal(last, T0 + 4);
    assert_int_equal(store_dyad_last_activity(s, "d-none", &last), STORE_OK);
    assert_int_equal(last, 0);
}

/* ---- shares and responses ------------------------------------------------- */

static unsigned char body_bytes[4][64];

static void make_share(struct share *sh, const char *id, const char *author, int64_t at, int k)
{
    memset(sh, 0, sizeof *sh);
    snprintf(sh->id, sizeof sh->id, "%s", id);
    snprintf(sh->author_id, sizeof sh->author_id, "%s", author);
    sh->topic = 2 + k;
    sh->depth = 1 + k % 5;
    sh->created_at = at;
    fill(body_bytes[k % 4], sizeof body_bytes[0], (unsigned)k);
    sh->body = body_bytes[k % 4];
    sh->body_len = 10 + (size_t)k;
}

static void make_response(struct response *r, const char *id, const char *share_id,
                          const char *author, int64_t at)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->share_id, sizeof r->share_id, "%s", share_id);
    snprintf(r->author_id, sizeof r->author_id, "%s", author);
    r->kind = 2;
    r->created_at = at;
}

static void page_share(void *ctx, const struct share *sh, const struct response *rs, size_t n)
{
    char line[128];
    snprintf(line, sizeof line, "%s/%zu/%zu", sh->id, sh->body_len, n);
    see(ctx, line);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rs[i].share_id, sh->id);
        if (i > 0)
            assert_true(rs[i].created_at >= rs[i - 1].created_at);
    }
}

static void meta_row(void *ctx, const struct share_meta *m)
{
    char line[128];
    snprintf(line, sizeof line, "%s:%d:%lld%s", m->author_id, m->depth,
             (long long)(m->answered_at ? m->answered_at - T0 : -1), m->together ? "*" : "");
    see(ctx, line);
}

static void authored_share(void *ctx, const struct share *sh)
{
    see(ctx, sh->id);
}

static void authored_response(void *ctx, const struct response *r)
{
    char line[128];
    snprintf(line, sizeof line, "%s>%s:%zu", r->id, r->share_id, r->body_len);
    see(ctx, line);
}

static void test_shares(void **state)
{
    struct store *s = *state;
    pair(s);
    struct share sh, got;
    make_share(&sh, "sh-1", "u-a", T0 + 100, 0);
    snprintf(sh.prompt_id, sizeof sh.prompt_id, "p-talk-1");
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_CONFLICT);
    make_share(&sh, "sh-2", "u-b", T0 + 200, 1);
    sh.mutual = true;
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "sh-3", "u-a", T0 + 200, 2); /* same second as sh-2: after it */
    sh.together = true;
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);

    assert_int_equal(store_share_get(s, "d-1", "sh-2", &got), STORE_OK);
    assert_string_equal(got.author_id, "u-b");
    assert_true(got.mutual);
    assert_int_equal(got.topic, 3);
    assert_int_equal(got.depth, 2);
    assert_int_equal(got.created_at, T0 + 200);
    assert_int_equal(store_share_get(s, "d-1", "sh-9", &got), STORE_NOT_FOUND);
    assert_int_equal(store_share_get(s, "d-2", "sh-2", &got), STORE_NOT_FOUND);

    /* responses: one id space with shares, at most STORE_RESPONSES_MAX a share */
    struct response r;
    make_response(&r, "sh-1", "sh-2", "u-a", T0 + 300);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_CONFLICT);
    unsigned char rbody[5] = {1, 2, 3, 4, 5};
    for (int i = 0; i < STORE_RESPONSES_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "r-%02d", i);
        make_response(&r, id, "sh-1", i % 2 ? "u-a" : "u-b", T0 + 300 + i);
        if (i == 0) {
            r.body = rbody;
            r.body_len = sizeof rbody;
        }
        assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    }
    make_response(&r, "r-full", "sh-1", "u-b", T0 + 400);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_CONFLICT);
    make_response(&r, "r-00", "sh-2", "u-a", T0 + 400);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_CONFLICT); /* id taken */

    /* pages: newest first, the cursor never skips a share of the same second */
    struct seen w = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", 0, NULL, 2, page_share, &w), STORE_OK);
    assert_string_equal(w.text, "sh-3/12/0,sh-2/11/0");
    struct seen w2 = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", 0, "sh-3", 10, page_share, &w2), STORE_OK);
    assert_string_equal(w2.text, "sh-2/11/0,sh-1/10/16");
    struct seen w3 = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", T0 + 200, NULL, 10, page_share, &w3), STORE_OK);
    assert_string_equal(w3.text, "sh-1/10/16");
    struct seen w4 = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", 0, "sh-unknown", 10, page_share, &w4), STORE_OK);
    assert_int_equal(w4.n, 0);

    bool answered;
    assert_int_equal(store_prompt_answered(s, "d-1", "u-a", "p-talk-1", &answered), STORE_OK);
    assert_true(answered);
    assert_int_equal(store_prompt_answered(s, "d-1", "u-b", "p-talk-1", &answered), STORE_OK);
    assert_false(answered);

    /* metadata: oldest first; answered when the partner first responded; a
     * share made together comes once for each, answered when made */
    struct seen m = {"", 0};
    assert_int_equal(store_share_meta(s, "d-1", T0, meta_row, &m), STORE_OK);
    assert_string_equal(m.text, "u-a:1:300,u-b:2:-1,u-a:3:200*,u-b:3:200*");
    struct seen m2 = {"", 0};
    assert_int_equal(store_share_meta(s, "d-1", T0 + 150, meta_row, &m2), STORE_OK);
    assert_int_equal(m2.n, 3);

    struct seen a = {"", 0};
    assert_int_equal(store_authored(s, "d-1", "u-b", authored_share, authored_response, &a),
                     STORE_OK);
    assert_string_equal(a.text, "sh-2,r-00>sh-1:5,r-02>sh-1:0,r-04>sh-1:0,r-06>sh-1:0,"
                                "r-08>sh-1:0,r-10>sh-1:0,r-12>sh-1:0,r-14>sh-1:0");

    bool mine;
    assert_int_equal(store_entry_author(s, "d-1", "sh-2", "u-b", &mine), STORE_OK);
    assert_true(mine);
    assert_int_equal(store_entry_author(s, "d-1", "r-01", "u-a", &mine), STORE_OK);
    assert_true(mine);
    assert_int_equal(store_entry_author(s, "d-1", "r-01", "u-b", &mine), STORE_OK);
    assert_false(mine);

    int64_t last;
    assert_int_equal(store_dyad_last_activity(s, "d-1", &last), STORE_OK);
    assert_int_equal(last, T0 + 200);
}

/* Only its author deletes a share (with every response to it) or a
 * response; an in_person response (kind 3) is stored like the others. */
static void test_share_delete(void **state)
{
    struct store *s = *state;
    pair(s);
    struct share sh, got;
    make_share(&sh, "sh-1", "u-a", T0 + 100, 0);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "sh-2", "u-b", T0 + 200, 1);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    struct response r;
    make_response(&r, "r-1", "sh-1", "u-b", T0 + 300);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    make_response(&r, "r-2", "sh-1", "u-b", T0 + 301);
    r.kind = 3; /* in_person */
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    make_response(&r, "r-3", "sh-2", "u-a", T0 + 302);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);

    /* a response: not another's, not through another share or dyad */
    assert_int_equal(store_response_delete(s, "d-1", "sh-1", "r-1", "u-a"), STORE_CONFLICT);
    assert_int_equal(store_response_delete(s, "d-1", "sh-2", "r-1", "u-b"), STORE_NOT_FOUND);
    assert_int_equal(store_response_delete(s, "d-2", "sh-1", "r-1", "u-b"), STORE_NOT_FOUND);
    assert_int_equal(store_response_delete(s, "d-1", "sh-1", "r-9", "u-b"), STORE_NOT_FOUND);
    assert_int_equal(store_response_delete(s, "d-1", "sh-1", "r-1", "u-b"), STORE_OK);
    assert_int_equal(store_response_delete(s, "d-1", "sh-1", "r-1", "u-b"), STORE_NOT_FOUND);
    struct seen w = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", 0, NULL, 10, page_share, &w), STORE_OK);
    assert_string_equal(w.text, "sh-2/11/1,sh-1/10/1"); /* r-2 stays on sh-1 */

    /* a share: not another's, not through another dyad */
    assert_int_equal(store_share_delete(s, "d-1", "sh-1", "u-b"), STORE_CONFLICT);
    assert_int_equal(store_share_delete(s, "d-2", "sh-1", "u-a"), STORE_NOT_FOUND);
    assert_int_equal(store_share_delete(s, "d-1", "sh-9", "u-a"), STORE_NOT_FOUND);
    assert_int_equal(store_share_delete(s, "d-1", "sh-1", "u-a"), STORE_OK);
    assert_int_equal(store_share_get(s, "d-1", "sh-1", &got), STORE_NOT_FOUND);
    assert_int_equal(store_share_delete(s, "d-1", "sh-1", "u-a"), STORE_NOT_FOUND);
    /* the responses to it went with it; the other share and its response stay */
    struct seen a = {"", 0};
    assert_int_equal(store_authored(s, "d-1", "u-b", authored_share, authored_response, &a),
                     STORE_OK);
    assert_string_equal(a.text, "sh-2");
    struct seen m = {"", 0};
    assert_int_equal(store_share_meta(s, "d-1", T0, meta_row, &m), STORE_OK);
    assert_string_equal(m.text, "u-b:2:302");
}

/* ---- invite preview ------------------------------------------------------------ */

static void test_invite_preview(void **state)
{
    struct store *s = *state;
    pair(s); /* inv-1: used by u-b at T0 + 10 */
    struct invite_preview p;
    assert_int_equal(store_invite_preview(s, "inv-1", T0 + 20, &p), STORE_OK);
    assert_int_equal(p.status, STORE_INVITE_USED);
    add_dyad(s, "d-2", "u-a", "inv-2", T0 + 30); /* expires T0 + 7 days */
    assert_int_equal(store_invite_preview(s, "inv-2", T0 + 40, &p), STORE_OK);
    assert_int_equal(p.status, STORE_INVITE_OPEN);
    assert_int_equal(p.kind, DYAD_FRIENDS);
    struct user a;
    assert_int_equal(store_user_by_id(s, "u-a", &a), STORE_OK);
    assert_string_equal(p.inviter_name, a.display_name);
    assert_true(p.inviter_name[0] != '\0');
    assert_int_equal(store_invite_preview(s, "inv-2", T0 + 7 * 86400, &p), STORE_OK);
    assert_int_equal(p.status, STORE_INVITE_EXPIRED);
    assert_int_equal(store_invite_preview(s, "inv-none", T0 + 40, &p), STORE_NOT_FOUND);
    /* the preview uses nothing: the invite still joins */
    struct member m;
    struct dyad d;
    add_user(s, "u-c", 30);
    make_member(&m, "u-c", false, 70, T0 + 50);
    assert_int_equal(store_dyad_join(s, "inv-2", &m, T0 + 50, &d), STORE_OK);
    assert_int_equal(store_invite_preview(s, "inv-2", T0 + 60, &p), STORE_OK);
    assert_int_equal(p.status, STORE_INVITE_USED);
}

/* ---- what one member has seen ------------------------------------------------ */

static void expect_unread(struct store *s, const char *user_id, int shares, int responses)
{
    struct store_unread u = {-1, -1};
    assert_int_equal(store_unread(s, "d-1", user_id, &u), STORE_OK);
    assert_int_equal(u.shares, shares);
    assert_int_equal(u.responses, responses);
}

static void test_unread_and_seen(void **state)
{
    struct store *s = *state;
    pair(s);
    expect_unread(s, "u-a", 0, 0);
    struct share sh;
    make_share(&sh, "sh-1", "u-b", T0 + 100, 0);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "sh-2", "u-a", T0 + 100, 1);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "sh-3", "u-b", T0 + 110, 2); /* a guided conversation: both were there */
    sh.together = true;
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    struct response r;
    make_response(&r, "r-1", "sh-2", "u-b", T0 + 120);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    make_response(&r, "r-2", "sh-1", "u-a", T0 + 120);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    /* never marked: everything the other wrote is new; one's own never is */
    expect_unread(s, "u-a", 1, 1);
    expect_unread(s, "u-b", 1, 1);

    /* u-a's mark changes nothing for u-b */
    assert_int_equal(store_seen_mark(s, "d-1", "u-a", T0 + 120), STORE_OK);
    expect_unread(s, "u-a", 0, 0);
    expect_unread(s, "u-b", 1, 1);

    /* written in the very second of the mark, after it: new */
    make_share(&sh, "sh-4", "u-b", T0 + 120, 3);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_response(&r, "r-3", "sh-2", "u-b", T0 + 121);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    expect_unread(s, "u-a", 1, 1);

    /* marked again (an update of the same row) */
    assert_int_equal(store_seen_mark(s, "d-1", "u-a", T0 + 130), STORE_OK);
    expect_unread(s, "u-a", 0, 0);
    assert_int_equal(store_seen_mark(s, "d-1", "u-b", T0 + 130), STORE_OK);
    expect_unread(s, "u-b", 0, 0);

    /* another dyad counts on its own */
    add_dyad(s, "d-2", "u-b", "inv-2", T0 + 200);
    struct store_unread u = {-1, -1};
    assert_int_equal(store_unread(s, "d-2", "u-a", &u), STORE_OK);
    assert_int_equal(u.shares + u.responses, 0);
}

/* ---- comfort ---------------------------------------------------------------- */

static void comfort_row(void *ctx, int topic, int level, int64_t set_at)
{
    char line[64];
    snprintf(line, sizeof line, "%d=%d@%lld", topic, level, (long long)(set_at - T0));
    see(ctx, line);
}

static void test_comfort(void **state)
{
    struct store *s = *state;
    pair(s);
    assert_int_equal(store_comfort_set(s, "d-1", "u-a", 2, 3, T0 + 1), STORE_OK);
    assert_int_equal(store_comfort_set(s, "d-1", "u-a", 2, 5, T0 + 1), STORE_OK); /* same second */
    assert_int_equal(store_comfort_set(s, "d-1", "u-a", 0, 0, T0 + 2), STORE_OK);
    assert_int_equal(store_comfort_set(s, "d-1", "u-b", 1, 4, T0 + 3), STORE_OK);
    assert_int_equal(store_comfort_set(s, "d-1", "u-b", 1, 6, T0 + 3), STORE_CONFLICT); /* > 5 */
    int levels[4];
    assert_int_equal(store_comfort_current(s, "d-1", "u-a", levels, 4), STORE_OK);
    assert_int_equal(levels[0], 0);
    assert_int_equal(levels[1], -1);
    assert_int_equal(levels[2], 5);
    assert_int_equal(levels[3], -1);
    struct seen w = {"", 0};
    assert_int_equal(store_comfort_history(s, "d-1", "u-a", comfort_row, &w), STORE_OK);
    assert_string_equal(w.text, "2=3@1,2=5@1,0=0@2");
}

/* ---- prompt offers ------------------------------------------------------------ */

static void offer_row(void *ctx, const char *prompt_id, long day)
{
    char line[96];
    snprintf(line, sizeof line, "%s@%ld", prompt_id, day - DAY0);
    see(ctx, line);
}

static void test_prompt_offers(void **state)
{
    struct store *s = *state;
    pair(s);
    assert_int_equal(store_prompt_offer_add(s, "d-1", "p-b", DAY0 + 1), STORE_OK);
    assert_int_equal(store_prompt_offer_add(s, "d-1", "p-a", DAY0 + 1), STORE_OK);
    assert_int_equal(store_prompt_offer_add(s, "d-1", "p-a", DAY0 + 1), STORE_OK); /* no change */
    assert_int_equal(store_prompt_offer_add(s, "d-1", "p-c", DAY0), STORE_OK);
    assert_int_equal(store_prompt_offer_add(s, "d-9", "p-c", DAY0), STORE_CONFLICT); /* no dyad */
    struct seen w = {"", 0};
    assert_int_equal(store_prompt_offers(s, "d-1", DAY0, offer_row, &w), STORE_OK);
    assert_string_equal(w.text, "p-c@0,p-a@1,p-b@1");
    struct seen w2 = {"", 0};
    assert_int_equal(store_prompt_offers(s, "d-1", DAY0 + 1, offer_row, &w2), STORE_OK);
    assert_string_equal(w2.text, "p-a@1,p-b@1");
}

/* ---- therapists, homework, audit --------------------------------------------- */

static void link_row(void *ctx, const struct therapist_link *l)
{
    char line[128];
    snprintf(line, sizeof line, "%s:%zu", l->dyad_id, l->n_consents);
    see(ctx, line);
}

static void audit_row(void *ctx, const struct audit_entry *e)
{
    char line[256];
    snprintf(line, sizeof line, "%s/%s/%s/%d/%s", e->actor_id, e->actor_name, e->action,
             e->actor_therapist, e->subject_user);
    see(ctx, line);
}

static void add_therapist(struct store *s)
{
    unsigned char tok[32];
    fill(tok, 32, 77);
    assert_int_equal(store_therapist_invite(s, tok, "t@example.org", T0, T0 + 3600), STORE_OK);
    struct user t;
    make_user(&t, "u-t", "ignored@example.org", 40);
    assert_int_equal(store_therapist_setup(s, tok, &t, "code-t", T0 + 10), STORE_OK);
}

static void test_therapists(void **state)
{
    struct store *s = *state;
    unsigned char tok[32], other[32];
    fill(tok, 32, 77);
    fill(other, 32, 78);
    assert_int_equal(store_therapist_invite(s, tok, "t@example.org", T0, T0 + 3600), STORE_OK);
    assert_int_equal(store_therapist_invite_check(s, tok, T0 + 1), STORE_OK);
    assert_int_equal(store_therapist_invite_check(s, tok, T0 + 3600), STORE_EXPIRED);
    assert_int_equal(store_therapist_invite_check(s, other, T0), STORE_NOT_FOUND);
    struct user t, got;
    make_user(&t, "u-t", "ignored@example.org", 40);
    assert_int_equal(store_therapist_setup(s, tok, &t, "code-t", T0 + 3600), STORE_EXPIRED);
    assert_int_equal(store_therapist_setup(s, other, &t, "code-t", T0), STORE_NOT_FOUND);
    assert_int_equal(store_therapist_setup(s, tok, &t, "code-t", T0 + 10), STORE_OK);
    assert_string_equal(t.email, "t@example.org"); /* from the invite */
    assert_int_equal(store_therapist_invite_check(s, tok, T0 + 11), STORE_CONFLICT);
    make_user(&t, "u-t2", "x@example.org", 41);
    assert_int_equal(store_therapist_setup(s, tok, &t, "code-t2", T0 + 12), STORE_CONFLICT);

    char code[32];
    assert_int_equal(store_therapist_code(s, "u-t", code, sizeof code), STORE_OK);
    assert_string_equal(code, "code-t");
    assert_int_equal(store_therapist_code(s, "u-x", code, sizeof code), STORE_NOT_FOUND);
    assert_int_equal(store_therapist_by_code(s, "code-t", &got), STORE_OK);
    assert_string_equal(got.id, "u-t");
    assert_int_equal(got.role, USER_THERAPIST);
    assert_int_equal(store_therapist_by_code(s, "code-x", &got), STORE_NOT_FOUND);
}

static void test_links_and_homework(void **state)
{
    struct store *s = *state;
    pair(s);
    add_therapist(s);
    unsigned char tok2[32];
    fill(tok2, 32, 79);
    assert_int_equal(store_therapist_invite(s, tok2, "t2@example.org", T0, T0 + 3600), STORE_OK);
    struct user t2;
    make_user(&t2, "u-t2", "", 42);
    assert_int_equal(store_therapist_setup(s, tok2, &t2, "code-t2", T0 + 10), STORE_OK);

    struct therapist_link l;
    assert_int_equal(store_link_get(s, "d-1", &l), STORE_NOT_FOUND);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 20), STORE_OK);
    assert_int_equal(store_link_consent(s, "d-1", "u-t2", "u-b", T0 + 21), STORE_CONFLICT);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 22), STORE_OK); /* again */
    assert_int_equal(store_link_get(s, "d-1", &l), STORE_OK);
    assert_string_equal(l.therapist_id, "u-t");
    assert_int_equal(l.n_consents, 1);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-b", T0 + 23), STORE_OK);
    assert_int_equal(store_link_get(s, "d-1", &l), STORE_OK);
    assert_int_equal(l.n_consents, 2);
    assert_string_equal(l.consented[0], "u-a");
    assert_string_equal(l.consented[1], "u-b");
    assert_int_equal(l.created_at, T0 + 20);
    struct seen w = {"", 0};
    assert_int_equal(store_therapist_links(s, "u-t", link_row, &w), STORE_OK);
    assert_string_equal(w.text, "d-1:2");

    struct assignment a, cur;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "as-1");
    snprintf(a.therapist_id, sizeof a.therapist_id, "u-t");
    a.topic = 4;
    a.depth = 2;
    a.starts_at = T0 + 100;
    a.ends_at = T0 + 200;
    a.created_at = T0 + 30;
    const char *users[2] = {"u-a", "u-b"};
    unsigned char na[20], nb[30];
    fill(na, sizeof na, 1);
    fill(nb, sizeof nb, 2);
    const unsigned char *notes[2] = {na, nb};
    size_t lens[2] = {sizeof na, sizeof nb};
    assert_int_equal(store_assignment_create(s, "d-1", &a, users, notes, lens, 2), STORE_OK);
    unsigned char note[64];
    size_t note_len;
    assert_int_equal(
        store_assignment_current(s, "d-1", T0 + 150, "u-b", &cur, note, sizeof note, &note_len),
        STORE_OK);
    assert_string_equal(cur.id, "as-1");
    assert_int_equal(cur.depth, 2);
    assert_int_equal(note_len, sizeof nb);
    assert_memory_equal(note, nb, sizeof nb);
    assert_int_equal(
        store_assignment_current(s, "d-1", T0 + 200, "u-b", &cur, note, sizeof note, &note_len),
        STORE_NOT_FOUND);

    /* audit: what is about the shared data, and what is about oneself */
    assert_int_equal(store_audit_add(s, "d-1", "u-t", "view_private", "u-a", T0 + 40), STORE_OK);
    assert_int_equal(store_audit_add(s, "d-1", "u-t", "view_dyad", NULL, T0 + 41), STORE_OK);
    struct seen au = {"", 0};
    assert_int_equal(store_audit_list(s, "d-1", "u-b", 10, audit_row, &au), STORE_OK);
    assert_string_equal(au.text, "u-t/Person u-t/view_dyad/1/,u-t/Person u-t/assign/1/,"
                                 "u-b/Person u-b/consent/0/,u-a/Person u-a/consent/0/,"
                                 "u-a/Person u-a/consent/0/");
    struct seen au2 = {"", 0};
    assert_int_equal(store_audit_list(s, "d-1", "u-a", 2, audit_row, &au2), STORE_OK);
    assert_string_equal(au2.text, "u-t/Person u-t/view_dyad/1/,u-t/Person u-t/view_private/1/u-a");

    assert_int_equal(store_link_revoke(s, "d-1", "u-b", T0 + 50), STORE_OK);
    assert_int_equal(store_link_revoke(s, "d-1", "u-b", T0 + 51), STORE_NOT_FOUND);
    assert_int_equal(store_link_get(s, "d-1", &l), STORE_NOT_FOUND);
    /* homework is shown only while its therapist is linked */
    assert_int_equal(
        store_assignment_current(s, "d-1", T0 + 150, "u-b", &cur, note, sizeof note, &note_len),
        STORE_NOT_FOUND);
}

static void private_row(void *ctx, const struct private_checkin *p)
{
    char line[128];
    snprintf(line, sizeof line, "%s:%s:%lld:%zu", p->id, p->user_id,
             (long long)(p->answered_at ? p->answered_at - T0 : -1), p->sealed_len);
    see(ctx, line);
}

static void reshare_row(void *ctx, const struct reshare *r)
{
    char line[128];
    snprintf(line, sizeof line, "%s:%s:%s:%zu", r->id, r->entry_id, r->entry_kind, r->sealed_len);
    see(ctx, line);
}

static void test_private_and_reshares(void **state)
{
    struct store *s = *state;
    pair(s);
    add_therapist(s);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 20), STORE_OK);
    struct private_checkin p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "pc-1");
    snprintf(p.dyad_id, sizeof p.dyad_id, "d-1");
    snprintf(p.therapist_id, sizeof p.therapist_id, "u-t");
    snprintf(p.user_id, sizeof p.user_id, "u-a");
    snprintf(p.questionnaire, sizeof p.questionnaire, "phq-2");
    p.assigned_at = T0 + 30;
    assert_int_equal(store_private_assign(s, &p), STORE_OK);
    assert_int_equal(store_private_assign(s, &p), STORE_CONFLICT);
    snprintf(p.id, sizeof p.id, "pc-2");
    p.assigned_at = T0 + 31;
    assert_int_equal(store_private_assign(s, &p), STORE_OK);

    /* the member sees them only once both consented */
    struct seen w = {"", 0};
    assert_int_equal(store_private_list(s, "u-a", NULL, NULL, private_row, &w), STORE_OK);
    assert_int_equal(w.n, 0);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-b", T0 + 21), STORE_OK);
    unsigned char sealed[48];
    fill(sealed, sizeof sealed, 4);
    assert_int_equal(
        store_private_answer(s, "pc-1", "u-b", sealed, sizeof sealed, NULL, 0, T0 + 40),
        STORE_NOT_FOUND); /* not theirs */
    assert_int_equal(
        store_private_answer(s, "pc-1", "u-a", sealed, sizeof sealed, NULL, 0, T0 + 40), STORE_OK);
    assert_int_equal(
        store_private_answer(s, "pc-1", "u-a", sealed, sizeof sealed, NULL, 0, T0 + 41),
        STORE_CONFLICT);
    struct seen w2 = {"", 0};
    assert_int_equal(store_private_list(s, "u-a", NULL, NULL, private_row, &w2), STORE_OK);
    assert_string_equal(w2.text, "pc-1:u-a:40:48,pc-2:u-a:-1:0");
    struct seen w3 = {"", 0};
    assert_int_equal(store_private_list(s, NULL, "d-1", "u-t", private_row, &w3), STORE_OK);
    assert_string_equal(w3.text, "pc-1:u-a:40:48,pc-2:u-a:-1:0");

    struct reshare r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "rs-1");
    snprintf(r.user_id, sizeof r.user_id, "u-b");
    snprintf(r.entry_id, sizeof r.entry_id, "sh-1");
    snprintf(r.entry_kind, sizeof r.entry_kind, "share");
    r.created_at = T0 + 50;
    r.sealed = sealed;
    r.sealed_len = 30;
    assert_int_equal(store_reshare_add(s, "d-1", "u-t", &r), STORE_OK);
    assert_int_equal(store_reshare_add(s, "d-1", "u-t", &r), STORE_CONFLICT);
    struct seen w4 = {"", 0};
    assert_int_equal(store_reshares(s, "d-1", "u-t", reshare_row, &w4), STORE_OK);
    assert_string_equal(w4.text, "rs-1:sh-1:share:30");
}

/* ---- erasure ---------------------------------------------------------------- */

static void count_share(void *ctx, const struct share *sh, const struct response *rs, size_t n)
{
    (void)rs;
    char line[64];
    snprintf(line, sizeof line, "%s/%zu", sh->id, n);
    see(ctx, line);
}

static void test_user_delete(void **state)
{
    struct store *s = *state;
    pair(s);
    add_dyad(s, "d-2", "u-a", "inv-2", T0 + 5); /* nobody joined: goes whole */
    struct checkin c;
    make_checkin(&c, "u-a", DAY0, 1);
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);
    make_checkin(&c, "u-b", DAY0, 2);
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);
    struct share sh;
    make_share(&sh, "sh-a", "u-a", T0 + 10, 0);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "sh-b", "u-b", T0 + 11, 1);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    struct response r;
    make_response(&r, "r-a", "sh-b", "u-a", T0 + 12);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    make_response(&r, "r-b", "sh-b", "u-b", T0 + 13);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    assert_int_equal(store_comfort_set(s, "d-1", "u-a", 1, 2, T0), STORE_OK);
    struct session x;
    make_session(&x, "s-a", "u-a", 9, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);

    assert_int_equal(store_user_delete(s, "u-a", T0 + 100), STORE_OK);
    struct user u;
    assert_int_equal(store_user_by_id(s, "u-a", &u), STORE_NOT_FOUND);
    struct session got;
    assert_int_equal(store_session_by_token(s, x.token_hash, &got), STORE_NOT_FOUND);
    struct dyad d;
    struct member m[2];
    size_t n;
    assert_int_equal(store_dyad_get(s, "d-2", &d, m, &n), STORE_NOT_FOUND);
    assert_int_equal(store_dyad_get(s, "d-1", &d, m, &n), STORE_OK);
    assert_int_equal(d.ended_at, T0 + 100);
    assert_string_equal(d.created_by, "");
    assert_int_equal(n, 1); /* u-b only */
    assert_string_equal(m[0].user_id, "u-b");
    assert_string_equal(m[0].wrap_signer, "");
    struct checkin out[4];
    assert_int_equal(store_checkins(s, "d-1", DAY0, DAY0, out, 4, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].user_id, "u-b");
    struct seen w = {"", 0};
    assert_int_equal(store_shares_page(s, "d-1", 0, NULL, 10, count_share, &w), STORE_OK);
    assert_string_equal(w.text, "sh-b/1");
    int levels[2];
    assert_int_equal(store_comfort_current(s, "d-1", "u-a", levels, 2), STORE_OK);
    assert_int_equal(levels[1], -1);
    /* the e-mail is free again */
    make_user(&u, "u-a2", "u-a@example.org", 11);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
}

/* ---- a callback that calls the store ----------------------------------------- */

struct nested {
    struct store *s;
    int calls;
};

static void nested_link(void *ctx, const struct therapist_link *l)
{
    struct nested *nx = ctx;
    struct dyad d;
    struct member m[2];
    size_t n;
    assert_int_equal(store_dyad_get(nx->s, l->dyad_id, &d, m, &n), STORE_OK);
    assert_int_equal(store_audit_add(nx->s, l->dyad_id, "u-t", "view_caseload", NULL, T0 + 100),
                     STORE_OK);
    nx->calls++;
}

static void nested_private(void *ctx, const struct private_checkin *p)
{
    struct nested *nx = ctx;
    /* a read and a write from inside a read's callback, as handlers do */
    struct user u;
    assert_int_equal(store_user_by_id(nx->s, p->therapist_id, &u), STORE_OK);
    assert_int_equal(
        store_audit_add(nx->s, p->dyad_id, "u-t", "view_private", p->user_id, T0 + 100), STORE_OK);
    nx->calls++;
}

static void test_nested_calls(void **state)
{
    struct store *s = *state;
    pair(s);
    add_therapist(s);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 20), STORE_OK);
    assert_int_equal(store_link_consent(s, "d-1", "u-t", "u-b", T0 + 21), STORE_OK);
    struct private_checkin p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "pc-1");
    snprintf(p.dyad_id, sizeof p.dyad_id, "d-1");
    snprintf(p.therapist_id, sizeof p.therapist_id, "u-t");
    snprintf(p.user_id, sizeof p.user_id, "u-a");
    snprintf(p.questionnaire, sizeof p.questionnaire, "phq-2");
    assert_int_equal(store_private_assign(s, &p), STORE_OK);
    struct nested nx = {s, 0};
    assert_int_equal(store_therapist_links(s, "u-t", nested_link, &nx), STORE_OK);
    assert_int_equal(store_private_list(s, NULL, "d-1", "u-t", nested_private, &nx), STORE_OK);
    assert_int_equal(nx.calls, 2);
    struct seen au = {"", 0};
    assert_int_equal(store_audit_list(s, "d-1", "u-a", 2, audit_row, &au), STORE_OK);
    assert_string_equal(au.text, "u-t/Person u-t/view_private/1/u-a,"
                                 "u-t/Person u-t/view_caseload/1/");
}

/* ---- many writers at once (group commit on SQLite) ------------------------------ */

enum { WRITER_THREADS = 12, WRITER_DAYS = 15 };

struct writer {
    struct store *s;
    int n; /* which writer: its own days, its own conflicts */
    int acked, conflicts, wrong;
    char why[160];
};

/* Check-ins on days of its own, each read back as soon as it is answered
 * OK; and every third a write that must conflict (a new user with an
 * e-mail address taken), answered STORE_CONFLICT without harm to the rest. */
static void *writer_run(void *arg)
{
    struct writer *w = arg;
    for (int k = 0; k < WRITER_DAYS; k++) {
        long day = DAY0 + 1000 + w->n * WRITER_DAYS + k;
        struct checkin c, out[2];
        make_checkin(&c, (k & 1) ? "u-b" : "u-a", day, w->n + k);
        unsigned char note[40];
        fill(note, sizeof note, (unsigned)(w->n * 100 + k));
        if (store_checkin_put(w->s, "d-1", &c, note, sizeof note) != STORE_OK) {
            snprintf(w->why, sizeof w->why, "check-in %d/%d not saved", w->n, k);
            w->wrong++;
            continue;
        }
        w->acked++;
        size_t n = 0;
        if (store_checkins(w->s, "d-1", day, day, out, 2, &n) != STORE_OK || n != 1 ||
            out[0].day != day || strcmp(out[0].user_id, c.user_id) != 0 ||
            out[0].score[0] != c.score[0] || out[0].updated_at != c.updated_at ||
            !out[0].has_note) {
            snprintf(w->why, sizeof w->why, "check-in %d/%d answered OK, read back %zu rows", w->n,
                     k, n);
            w->wrong++;
        }
        if (k % 3 == 0) {
            struct user u;
            char id[32];
            snprintf(id, sizeof id, "u-w%d-%d", w->n, k);
            make_user(&u, id, "u-a@example.org", (unsigned)k); /* u-a's address */
            if (store_user_create(w->s, &u) == STORE_CONFLICT)
                w->conflicts++;
            else
                snprintf(w->why, sizeof w->why, "a taken address did not conflict (%d/%d)", w->n,
                         k);
        }
    }
    return NULL;
}

/* Many threads write at once: every write answered OK is read back at once
 * by its own thread (from another connection on SQLite), the ones that
 * must conflict do, and afterwards every row is there exactly once. On
 * SQLite the writes share commits (group commit); the answers are the same. */
static void test_many_writers(void **state)
{
    struct store *s = *state;
    pair(s);
    pthread_t th[WRITER_THREADS];
    struct writer w[WRITER_THREADS];
    for (int i = 0; i < WRITER_THREADS; i++) {
        w[i] = (struct writer){.s = s, .n = i};
        assert_int_equal(pthread_create(&th[i], NULL, writer_run, &w[i]), 0);
    }
    for (int i = 0; i < WRITER_THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].wrong != 0 || w[i].why[0] != '\0')
            fail_msg("writer %d: %s", i, w[i].why);
        assert_int_equal(w[i].acked, WRITER_DAYS);
        assert_int_equal(w[i].conflicts, (WRITER_DAYS + 2) / 3);
    }
    static struct checkin all[WRITER_THREADS * WRITER_DAYS + 1];
    size_t n = 0;
    assert_int_equal(store_checkins(s, "d-1", DAY0 + 1000,
                                    DAY0 + 1000 + WRITER_THREADS * WRITER_DAYS, all,
                                    WRITER_THREADS * WRITER_DAYS + 1, &n),
                     STORE_OK);
    assert_int_equal(n, WRITER_THREADS * WRITER_DAYS);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].day, DAY0 + 1000 + (long)i);
    struct user u;
    assert_int_equal(store_user_by_id(s, "u-w0-0", &u), STORE_NOT_FOUND);
}

/* ---- reminders ------------------------------------------------------------------ */

static void reminder_seen(void *ctx, const struct reminder *r)
{
    char line[96];
    snprintf(line, sizeof line, "%s@%lld", r->user_id, (long long)(r->next_at - T0));
    see(ctx, line);
}

static void send_seen(void *ctx, const struct reminder_send *x)
{
    char line[128];
    snprintf(line, sizeof line, "%s:%s:%s:%s:%d@%lld", x->id, x->user_id, x->channel, x->purpose,
             x->tries, (long long)(x->try_at - T0));
    see(ctx, line);
}

static void make_reminder(struct reminder *r, const char *user_id, int64_t next_at)
{
    memset(r, 0, sizeof *r);
    snprintf(r->user_id, sizeof r->user_id, "%s", user_id);
    r->enabled = true;
    r->days = 0x15; /* Monday, Wednesday, Friday */
    r->minute = 8 * 60 + 30;
    snprintf(r->zone, sizeof r->zone, "Europe/Berlin");
    snprintf(r->channels, sizeof r->channels, "email push");
    r->next_at = next_at;
    r->updated_at = T0;
}

static void test_reminders(void **state)
{
    struct store *s = *state;
    add_user(s, "u-a", 10);
    add_user(s, "u-b", 20);
    struct reminder r, got;
    assert_int_equal(store_reminder_get(s, "u-a", &got), STORE_NOT_FOUND);
    assert_int_equal(store_reminder_stop(s, "u-a", T0), STORE_NOT_FOUND);
    make_reminder(&r, "u-a", T0 + 100);
    assert_int_equal(store_reminder_put(s, &r), STORE_OK);
    assert_int_equal(store_reminder_get(s, "u-a", &got), STORE_OK);
    assert_true(got.enabled);
    assert_int_equal(got.days, 0x15);
    assert_int_equal(got.minute, 510);
    assert_string_equal(got.zone, "Europe/Berlin");
    assert_string_equal(got.channels, "email push");
    assert_int_equal(got.next_at, T0 + 100);
    make_reminder(&r, "u-b", T0 + 50);
    assert_int_equal(store_reminder_put(s, &r), STORE_OK);

    /* due: at or before now, earliest first, limited */
    struct seen w = {"", 0};
    assert_int_equal(store_reminders_due(s, T0 + 49, 10, reminder_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
    assert_int_equal(store_reminders_due(s, T0 + 100, 10, reminder_seen, &w), STORE_OK);
    assert_string_equal(w.text, "u-b@50,u-a@100");
    memset(&w, 0, sizeof w);
    assert_int_equal(store_reminders_due(s, T0 + 100, 1, reminder_seen, &w), STORE_OK);
    assert_string_equal(w.text, "u-b@50");

    /* the claim is a compare-and-set: once, and only from the old time */
    struct reminder_send x[2];
    memset(x, 0, sizeof x);
    for (int i = 0; i < 2; i++) {
        snprintf(x[i].id, sizeof x[i].id, "r-%d", i);
        snprintf(x[i].channel, sizeof x[i].channel, i == 0 ? "email" : "push");
        snprintf(x[i].purpose, sizeof x[i].purpose, "checkin");
        x[i].due_at = T0 + 50;
        x[i].try_at = T0 + 60;
    }
    assert_int_equal(store_reminder_claim(s, "u-b", T0 + 50, T0 + 5000, x, 2), STORE_OK);
    assert_int_equal(store_reminder_claim(s, "u-b", T0 + 50, T0 + 6000, x, 2), STORE_CONFLICT);
    assert_int_equal(store_reminder_get(s, "u-b", &got), STORE_OK);
    assert_int_equal(got.next_at, T0 + 5000);
    memset(&w, 0, sizeof w);
    assert_int_equal(store_sends_due(s, T0 + 60, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "r-0:u-b:email:checkin:0@60,r-1:u-b:push:checkin:0@60");

    /* a send is taken once; a retry moves it; done removes it */
    assert_int_equal(store_send_claim(s, "r-0", T0 + 60, T0 + 660), STORE_OK);
    assert_int_equal(store_send_claim(s, "r-0", T0 + 60, T0 + 660), STORE_CONFLICT);
    assert_int_equal(store_send_retry(s, "r-0", 1, T0 + 120), STORE_OK);
    assert_int_equal(store_send_done(s, "r-1"), STORE_OK);
    assert_int_equal(store_send_retry(s, "r-1", 1, T0 + 120), STORE_NOT_FOUND);
    memset(&w, 0, sizeof w);
    assert_int_equal(store_sends_due(s, T0 + 119, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
    assert_int_equal(store_sends_due(s, T0 + 120, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "r-0:u-b:email:checkin:1@120");

    /* the stop link: off, nothing due, nothing waiting; a claim finds nothing */
    assert_int_equal(store_reminder_stop(s, "u-b", T0 + 130), STORE_OK);
    assert_int_equal(store_reminder_get(s, "u-b", &got), STORE_OK);
    assert_false(got.enabled);
    assert_int_equal(got.next_at, 0);
    assert_int_equal(got.minute, 510); /* the choices stay for next time */
    memset(&w, 0, sizeof w);
    assert_int_equal(store_sends_due(s, T0 + 9999, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
    assert_int_equal(store_reminder_claim(s, "u-b", T0 + 5000, T0 + 6000, x, 2), STORE_CONFLICT);
    memset(&w, 0, sizeof w);
    assert_int_equal(store_reminders_due(s, T0 + 9999, 10, reminder_seen, &w), STORE_OK);
    assert_string_equal(w.text, "u-a@100");

    /* turned off through put: same; an erased account takes its rows along */
    x[0].due_at = T0 + 100;
    assert_int_equal(store_reminder_claim(s, "u-a", T0 + 100, T0 + 200, x, 1), STORE_OK);
    make_reminder(&r, "u-a", T0 + 200);
    r.enabled = false;
    assert_int_equal(store_reminder_put(s, &r), STORE_OK);
    assert_int_equal(store_reminder_get(s, "u-a", &got), STORE_OK);
    assert_int_equal(got.next_at, 0);
    memset(&w, 0, sizeof w);
    assert_int_equal(store_sends_due(s, T0 + 9999, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
    make_reminder(&r, "u-a", T0 + 300);
    assert_int_equal(store_reminder_put(s, &r), STORE_OK);
    assert_int_equal(store_reminder_claim(s, "u-a", T0 + 300, T0 + 400, x, 1), STORE_OK);
    assert_int_equal(store_user_delete(s, "u-a", T0 + 500), STORE_OK);
    assert_int_equal(store_reminder_get(s, "u-a", &got), STORE_NOT_FOUND);
    memset(&w, 0, sizeof w);
    assert_int_equal(store_sends_due(s, T0 + 9999, 10, send_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
}

static void waiting_seen(void *ctx, const char *starts_on, int every_days, int last_period)
{
    char line[64];
    snprintf(line, sizeof line, "%s/%d/%d", starts_on, every_days, last_period);
    see(ctx, line);
}

static void test_measures_waiting(void **state)
{
    struct store *s = *state;
    pair(s);
    struct seen w = {"", 0};
    assert_int_equal(store_measures_waiting(s, "u-a", waiting_seen, &w), STORE_OK);
    assert_string_equal(w.text, "");
}

/* ---- the insights cache's version ------------------------------------------- */

static int64_t version_of(struct store *s, const char *dyad_id)
{
    struct dyad d;
    struct member m[2];
    size_t n;
    assert_int_equal(store_dyad_get(s, dyad_id, &d, m, &n), STORE_OK);
    return d.data_version;
}

/* Every write insights read moves the dyad's data_version forward in its
 * own transaction; a refused write and a read do not, nor a write to
 * another dyad. */
static void test_data_version(void **state)
{
    struct store *s = *state;
    pair(s);
    add_user(s, "u-c", 30);
    add_dyad(s, "d-2", "u-c", "inv-2", T0);
    add_therapist(s);
    int64_t v = version_of(s, "d-1"), other = version_of(s, "d-2");
#define MOVES(call)                                                                                \
    do {                                                                                           \
        assert_int_equal((call), STORE_OK);                                                        \
        int64_t now_v = version_of(s, "d-1");                                                      \
        assert_true(now_v > v);                                                                    \
        v = now_v;                                                                                 \
    } while (0)
    struct checkin c;
    make_checkin(&c, "u-a", DAY0, 1);
    MOVES(store_checkin_put(s, "d-1", &c, NULL, 0));
    c.show_mask = 0; /* only what the other member may see changes */
    MOVES(store_checkin_put(s, "d-1", &c, NULL, 0));
    c.score[0] = 11; /* refused: rolled back with the write */
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_CONFLICT);
    assert_int_equal(version_of(s, "d-1"), v);
    struct share sh;
    make_share(&sh, "s-1", "u-a", T0 + 5, 0);
    MOVES(store_share_create(s, "d-1", &sh));
    struct response r;
    make_response(&r, "r-1", "s-1", "u-b", T0 + 6);
    MOVES(store_response_create(s, "d-1", &r));
    MOVES(store_response_delete(s, "d-1", "s-1", "r-1", "u-b"));
    MOVES(store_share_delete(s, "d-1", "s-1", "u-a"));
    MOVES(store_comfort_set(s, "d-1", "u-b", 1, 4, T0 + 7));
    MOVES(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 8));
    MOVES(store_link_revoke(s, "d-1", "u-a", T0 + 9));
    MOVES(store_link_consent(s, "d-1", "u-t", "u-a", T0 + 10));
    MOVES(store_user_delete(s, "u-t", T0 + 11)); /* the therapist's link goes with them */
    size_t n;
    struct checkin out[2];
    assert_int_equal(store_checkins(s, "d-1", DAY0, DAY0, out, 2, &n), STORE_OK);
    assert_int_equal(version_of(s, "d-1"), v);
    MOVES(store_dyad_leave(s, "d-1", "u-b", true, T0 + 12));
#undef MOVES
    assert_int_equal(version_of(s, "d-2"), other);
}

/* ---- the runner ---------------------------------------------------------------- */

#define FRESH(t) cmocka_unit_test_setup_teardown(t, fresh_setup, fresh_teardown)

static const struct CMUnitTest tests[] = {
    FRESH(test_open_health_backup),
    FRESH(test_open_refuses),
    FRESH(test_users),
    FRESH(test_sessions),
    FRESH(test_session_end_push),
    FRESH(test_devices),
    FRESH(test_browsers_and_notices),
    FRESH(test_throttle),
    FRESH(test_throttle_update),
    FRESH(test_dyad_pairing_rules),
    FRESH(test_members),
    FRESH(test_checkins),
    FRESH(test_shares),
    FRESH(test_share_delete),
    FRESH(test_invite_preview),
    FRESH(test_unread_and_seen),
    FRESH(test_comfort),
    FRESH(test_prompt_offers),
    FRESH(test_therapists),
    FRESH(test_links_and_homework),
    FRESH(test_private_and_reshares),
    FRESH(test_user_delete),
    FRESH(test_push_subscriptions),
    FRESH(test_nested_calls),
    FRESH(test_many_writers),
    FRESH(test_reminders),
    FRESH(test_measures_waiting),
    FRESH(test_data_version),
};

int main(void)
{
    int failed = cmocka_run_group_tests_name("store contract: sqlite", tests, NULL, NULL);
    pg_base = getenv("DYAD_TEST_PG");
    if (pg_base != NULL && pg_base[0] != '\0') {
        on_pg = true;
        failed += cmocka_run_group_tests_name("store contract: postgres", tests, NULL, NULL);
    } else {
        printf("store contract: postgres skipped (DYAD_TEST_PG unset; make test sets it)\n");
    }
    return failed;
}
