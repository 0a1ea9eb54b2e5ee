/*
 * test_store_group.c — group commit in the SQLite store (top of
 * src/store/sqlite.c): write calls that arrive together share one
 * transaction and one fsync, each is answered only after that COMMIT, a
 * call that fails takes back only its own changes, and when the COMMIT
 * itself fails no call is told it succeeded and each is retried alone.
 *
 * Groups are made on purpose, not by luck of timing: faultvfs's
 * before_sync hook holds the first COMMIT's fsync (the "gate") until the
 * store reports the wanted number of write calls queued for the writer
 * connection (store_stats' waiting). Those calls then go, one after
 * another, into the next transaction: a group of exactly that many, whose
 * COMMIT the hook may fail once. The polls have a bound of minutes only so
 * that a broken store fails the test instead of hanging it.
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "faultvfs.h"
#include "storefixture.h"
#include "store/store.h"

enum { GROUP = 6, POLL_LIMIT_MS = 120000 };

static char dir[PATH_MAX];
static char url[PATH_MAX + 16];

/* ---- the gate ---------------------------------------------------------------- */

static atomic_int gate_armed;   /* hold the next fsync until `gate_waiters` queue */
static atomic_int gate_entered; /* the held fsync has begun */
static atomic_int gate_waiters;
static atomic_int fail_armed; /* fail the first fsync after commit number fail_after */
static atomic_uint_fast64_t fail_after;
static atomic_int fail_forever; /* ... and every fsync after it */
static atomic_int failed_syncs;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t stat_waiting(void)
{
    struct store_stats st;
    store_stats_read(&st);
    return st.waiting;
}

static int before_sync(void)
{
    if (atomic_exchange(&gate_armed, 0)) {
        atomic_store(&gate_entered, 1);
        long ms = 0;
        while (stat_waiting() < (uint64_t)atomic_load(&gate_waiters) && ms < POLL_LIMIT_MS) {
            sleep_ms(1);
            ms++;
        }
        return SQLITE_OK;
    }
    if (atomic_load(&fail_armed)) {
        struct store_stats st;
        store_stats_read(&st);
        if (st.commits >= atomic_load(&fail_after)) {
            if (!atomic_load(&fail_forever))
                atomic_store(&fail_armed, 0);
            atomic_fetch_add(&failed_syncs, 1);
            return SQLITE_IOERR_FSYNC;
        }
    }
    return SQLITE_OK;
}

static void wait_for(atomic_int *flag)
{
    for (long ms = 0; !atomic_load(flag); ms++) {
        if (ms > POLL_LIMIT_MS)
            fail_msg("the gate was never reached");
        sleep_ms(1);
    }
}

/* ---- people and writes ----------------------------------------------------------- */

static struct store *open_paired(void)
{
    fault_tmpdir(dir, "group");
    snprintf(url, sizeof url, "sqlite:%s/g.db", dir);
    struct store *s = open_sqlite(url + 7);
    struct user u;
    make_user(&u, "u-a", "a@example.org", 10);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
    make_user(&u, "u-b", "b@example.org", 20);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
    struct dyad d;
    struct invite inv;
    struct member m;
    make_dyad(&d, &inv, "d-1", DYAD_COUPLE, "u-a", "inv-1", T0);
    make_member(&m, "u-a", false, 50, T0);
    assert_int_equal(store_dyad_create(s, &d, &m, &inv), STORE_OK);
    make_member(&m, "u-b", false, 60, T0 + 1);
    assert_int_equal(store_dyad_join(s, "inv-1", &m, T0 + 1, &d), STORE_OK);
    return s;
}

/* One write call on a thread of its own: a check-in on `day`, or (day 0)
 * a new user with a-@example.org's address, which must conflict. */
struct call {
    struct store *s;
    long day;
    enum store_result r;
    pthread_t th;
};

static void *call_run(void *arg)
{
    struct call *c = arg;
    if (c->day == 0) {
        struct user u;
        make_user(&u, "u-x", "a@example.org", 30);
        c->r = store_user_create(c->s, &u);
        return NULL;
    }
    struct checkin k;
    memset(&k, 0, sizeof k);
    snprintf(k.user_id, sizeof k.user_id, "u-a");
    k.day = c->day;
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        k.score[i] = (int8_t)((c->day + i) % 11);
    k.wordless = STORE_NULL;
    k.show_mask = 0x1u;
    k.updated_at = T0 + c->day;
    c->r = store_checkin_put(c->s, "d-1", &k, NULL, 0);
    return NULL;
}

/* Check-ins on the days of calls[0..n) that were answered OK, in a copy of
 * the files taken now (what a crash at this moment would leave). */
static long durable_checkins(const struct call *calls, int n, long *answered_ok)
{
    char copy[PATH_MAX + 32], from[PATH_MAX + 32];
    snprintf(copy, sizeof copy, "%s/crash.db", dir);
    snprintf(from, sizeof from, "%s/g.db", dir);
    fault_copy(from, copy);
    strcat(from, "-wal");
    strcat(copy, "-wal");
    if (access(from, F_OK) == 0)
        fault_copy(from, copy);
    copy[strlen(copy) - 4] = '\0';
    char err[256];
    sqlite3 *db = NULL;
    if (db_check(copy, NULL, NULL, &db, err, sizeof err) != 0)
        fail_msg("the copy is not sound: %s", err);
    long found = 0;
    *answered_ok = 0;
    for (int i = 0; i < n; i++) {
        if (calls[i].day == 0 || calls[i].r != STORE_OK)
            continue;
        (*answered_ok)++;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM checkins WHERE day = %ld", calls[i].day);
        found += db_int(db, sql);
    }
    sqlite3_close(db);
    return found;
}

/* Starts calls[0] and, once its COMMIT's fsync is held at the gate, the
 * other n-1; the gate lets go when those n-1 are queued. Joins them all. */
static void run_gated(struct call *calls, int n)
{
    atomic_store(&gate_entered, 0);
    atomic_store(&gate_waiters, n - 1);
    atomic_store(&gate_armed, 1);
    assert_int_equal(pthread_create(&calls[0].th, NULL, call_run, &calls[0]), 0);
    wait_for(&gate_entered);
    for (int i = 1; i < n; i++)
        assert_int_equal(pthread_create(&calls[i].th, NULL, call_run, &calls[i]), 0);
    for (int i = 0; i < n; i++)
        pthread_join(calls[i].th, NULL);
}

static void finish(struct store *s)
{
    store_close(s);
    fault_rmtree(dir);
}

/* ---- tests ----------------------------------------------------------------------- */

/* A lone writer commits at once, in a group of one: no waiting for company. */
static void test_lone_writer_commits_alone(void **state)
{
    (void)state;
    struct store *s = open_paired();
    struct store_stats a, b;
    store_stats_read(&a);
    struct call c[10];
    for (int i = 0; i < 10; i++) {
        c[i] = (struct call){.s = s, .day = DAY0 + i};
        call_run(&c[i]);
        assert_int_equal(c[i].r, STORE_OK);
    }
    store_stats_read(&b);
    assert_int_equal(b.commits - a.commits, 10);
    assert_int_equal(b.commit_writes - a.commit_writes, 10);
    assert_int_equal(b.by_writes[0] - a.by_writes[0], 10); /* all groups of one */
    long ok;
    assert_int_equal(durable_checkins(c, 10, &ok), 10);
    finish(s);
}

/* A group of GROUP calls, one of which conflicts: it alone is refused, the
 * others are answered OK after one shared COMMIT and are on disk. */
static void test_group_with_a_conflict(void **state)
{
    (void)state;
    struct store *s = open_paired();
    struct call c[GROUP + 1];
    for (int i = 0; i <= GROUP; i++)
        c[i] = (struct call){.s = s, .day = i == 3 ? 0 : DAY0 + 10 + i};
    struct store_stats a, b;
    store_stats_read(&a);
    run_gated(c, GROUP + 1);
    store_stats_read(&b);
    for (int i = 0; i <= GROUP; i++)
        assert_int_equal(c[i].r, i == 3 ? STORE_CONFLICT : STORE_OK);
    /* the first call alone, then the other GROUP together */
    assert_int_equal(b.commits - a.commits, 2);
    assert_int_equal(b.commit_writes - a.commit_writes, 1 + GROUP);
    assert_int_equal(b.by_writes[0] - a.by_writes[0], 1);
    assert_int_equal(b.by_writes[3] - a.by_writes[3], 1); /* 5..8 calls */
    assert_int_equal(b.commit_failures - a.commit_failures, 0);
    long ok;
    assert_int_equal(durable_checkins(c, GROUP + 1, &ok), GROUP);
    assert_int_equal(ok, GROUP);
    struct user u;
    assert_int_equal(store_user_by_id(s, "u-x", &u), STORE_NOT_FOUND);
    finish(s);
}

/* The group's COMMIT fails once: nobody is told success by it; each call
 * runs again alone and the check-ins are saved; the conflict stays one. */
static void test_group_commit_fails_then_each_alone(void **state)
{
    (void)state;
    struct store *s = open_paired();
    struct call c[GROUP + 1];
    for (int i = 0; i <= GROUP; i++)
        c[i] = (struct call){.s = s, .day = i == 2 ? 0 : DAY0 + 20 + i};
    struct store_stats a, b;
    store_stats_read(&a);
    atomic_store(&fail_after, a.commits + 1); /* after the gated first call's commit */
    atomic_store(&failed_syncs, 0);
    atomic_store(&fail_forever, 0);
    atomic_store(&fail_armed, 1);
    quiet_begin("/dev/null");
    run_gated(c, GROUP + 1);
    quiet_end();
    atomic_store(&fail_armed, 0);
    store_stats_read(&b);
    assert_int_equal(atomic_load(&failed_syncs), 1);
    assert_int_equal(b.commit_failures - a.commit_failures, 1);
    assert_int_equal(b.retries - a.retries, GROUP);
    for (int i = 0; i <= GROUP; i++)
        assert_int_equal(c[i].r, i == 2 ? STORE_CONFLICT : STORE_OK);
    /* the first alone, the failed group, then GROUP-1 check-ins alone */
    assert_int_equal(b.commits - a.commits, 1 + 1 + (GROUP - 1));
    long ok;
    assert_int_equal(durable_checkins(c, GROUP + 1, &ok), GROUP);
    finish(s);
}

/* The disk keeps failing: no call of the group is told it succeeded. */
static void test_group_commit_fails_for_good(void **state)
{
    (void)state;
    struct store *s = open_paired();
    struct call c[GROUP + 1];
    for (int i = 0; i <= GROUP; i++)
        c[i] = (struct call){.s = s, .day = i == 4 ? 0 : DAY0 + 40 + i};
    struct store_stats a;
    store_stats_read(&a);
    atomic_store(&fail_after, a.commits + 1);
    atomic_store(&fail_forever, 1);
    atomic_store(&fail_armed, 1);
    quiet_begin("/dev/null");
    run_gated(c, GROUP + 1);
    atomic_store(&fail_armed, 0);
    quiet_end();
    assert_int_equal(c[0].r, STORE_OK); /* before the disk failed */
    for (int i = 1; i <= GROUP; i++)
        assert_int_equal(c[i].r, i == 4 ? STORE_CONFLICT : STORE_ERROR);
    /* and the store takes writes again once the disk is back */
    struct call after = {.s = s, .day = DAY0 + 60};
    call_run(&after);
    assert_int_equal(after.r, STORE_OK);
    finish(s);
}

/* Many threads at once, no gate: every answer OK is on disk afterwards. */
enum { FREE_THREADS = 16, FREE_WRITES = 25 };

struct free_writer {
    struct store *s;
    int n;
    struct call c[FREE_WRITES];
    pthread_t th;
};

static void *free_run(void *arg)
{
    struct free_writer *w = arg;
    for (int k = 0; k < FREE_WRITES; k++) {
        w->c[k] = (struct call){.s = w->s, .day = DAY0 + 100 + w->n * FREE_WRITES + k};
        call_run(&w->c[k]);
    }
    return NULL;
}

static void test_many_writers_all_durable(void **state)
{
    (void)state;
    struct store *s = open_paired();
    static struct free_writer w[FREE_THREADS];
    struct store_stats a, b;
    store_stats_read(&a);
    for (int i = 0; i < FREE_THREADS; i++) {
        w[i].s = s;
        w[i].n = i;
        assert_int_equal(pthread_create(&w[i].th, NULL, free_run, &w[i]), 0);
    }
    for (int i = 0; i < FREE_THREADS; i++)
        pthread_join(w[i].th, NULL);
    store_stats_read(&b);
    static struct call all[FREE_THREADS * FREE_WRITES];
    for (int i = 0; i < FREE_THREADS; i++)
        for (int k = 0; k < FREE_WRITES; k++) {
            all[i * FREE_WRITES + k] = w[i].c[k];
            assert_int_equal(w[i].c[k].r, STORE_OK);
        }
    long ok;
    assert_int_equal(durable_checkins(all, FREE_THREADS * FREE_WRITES, &ok),
                     FREE_THREADS * FREE_WRITES);
    assert_int_equal(b.commit_writes - a.commit_writes, FREE_THREADS * FREE_WRITES);
    print_message("%d writes from %d threads in %llu commits\n", FREE_THREADS * FREE_WRITES,
                  FREE_THREADS, (unsigned long long)(b.commits - a.commits));
    finish(s);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    faultvfs_install();
    faultvfs.before_sync = before_sync;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lone_writer_commits_alone),
        cmocka_unit_test(test_group_with_a_conflict),
        cmocka_unit_test(test_group_commit_fails_then_each_alone),
        cmocka_unit_test(test_group_commit_fails_for_good),
        cmocka_unit_test(test_many_writers_all_durable),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
