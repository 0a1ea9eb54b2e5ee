/*
 * test_store_faults.c — the SQLite store under injected I/O errors and
 * failed allocations: it loses nothing and never half-writes.
 *
 * For each store operation below and each kind of fault, the operation runs
 * once for every N = 1, 2, … with the Nth counted call failing, until an N
 * is reached that the operation never gets to (it then must succeed). Each
 * run starts from a copy of the same small world (three people, a paired
 * dyad with check-ins, shares, responses, comfort and an audit entry, and
 * an unused invite) in a fresh directory. After each run:
 *
 *   - the result is STORE_OK or STORE_ERROR, nothing else (a failed read is
 *     not "not found", a failed bind is not "conflict");
 *   - crash view: a copy of the files as they are right then (a crash at
 *     that moment), opened alone so the WAL is recovered, passes
 *     integrity_check and foreign_key_check, and every table is exactly as
 *     in the world before the operation or exactly as after it ran without
 *     faults — never in between; after STORE_OK, exactly as after (when the
 *     files are byte for byte the world's, nothing was written: "before");
 *   - reuse: with faults off, the same store takes the next write — it is
 *     not wedged inside the failed transaction;
 *   - reopen: after store_close the file passes the same checks, is in the
 *     before or the after state (after, for STORE_OK), and holds that next
 *     write — which therefore did not commit leftovers of the failed one.
 *
 * The "before" and "after" states are digests of every row of every table
 * (the throttle table, where the next write goes, is left out). Single
 * faults run for every N; every allocation failing from the Nth on runs for
 * every N up to 100 and every 10th after (deep in user deletion, N and N+1
 * differ only in how far the operation got).
 *
 * Kinds of fault: one failed I/O call (read, write, sync, truncate, size or
 * lock, counted together), a disk that fails every I/O call from the Nth
 * on, a full disk (every write from the Nth on returns SQLITE_FULL), one
 * failed allocation, and every allocation failing from the Nth on.
 *
 * STORE_ERROR with the change present in the crash view is allowed and
 * counted ("ghost"): a commit whose WAL frames were written but whose fsync
 * failed is recovered from the WAL after a crash. Nothing acknowledged is
 * ever missing.
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "faultvfs.h"
#include "storefixture.h"
#include "store/store.h"

enum {
    MAX_N = 20000, /* a runaway guard: no operation here makes this many calls */
};

static char world_dir[PATH_MAX];
static char world_db[PATH_MAX + 8];
static struct db_digest world_before;
static unsigned char *world_bytes; /* the world's file, to see that a run wrote nothing */
static size_t world_len;

/* ---- building blocks -------------------------------------------------------- */

static void make_checkin(struct checkin *c, const char *user_id, long day, int base)
{
    memset(c, 0, sizeof *c);
    snprintf(c->user_id, sizeof c->user_id, "%s", user_id);
    c->day = day;
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        c->score[i] = (int8_t)((base + i) % 11);
    c->score[3] = STORE_NULL;
    c->emotions = 0x15u;
    c->wordless = 1;
    c->show_mask = 0x3u;
    c->updated_at = T0 + base;
}

static void make_share(struct share *sh, const char *id, const char *author, unsigned char *body,
                       size_t len, unsigned seed)
{
    memset(sh, 0, sizeof *sh);
    snprintf(sh->id, sizeof sh->id, "%s", id);
    snprintf(sh->author_id, sizeof sh->author_id, "%s", author);
    sh->topic = 3;
    sh->depth = 2;
    sh->created_at = T0 + seed;
    fill(body, len, seed);
    sh->body = body;
    sh->body_len = len;
}

static void make_response(struct response *r, const char *id, const char *share_id,
                          const char *author, unsigned char *body, size_t len, unsigned seed)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->share_id, sizeof r->share_id, "%s", share_id);
    snprintf(r->author_id, sizeof r->author_id, "%s", author);
    r->kind = 1;
    r->created_at = T0 + seed;
    if (body != NULL) {
        fill(body, len, seed);
        r->body = body;
        r->body_len = len;
    }
}

/* The world every case starts from. */
static void build_world(const char *path)
{
    struct store *s = open_sqlite(path);
    struct user u;
    make_user(&u, "u-a", "a@example.org", 10);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
    make_user(&u, "u-b", "b@example.org", 20);
    assert_int_equal(store_user_create(s, &u), STORE_OK);
    make_user(&u, "u-c", "c@example.org", 30);
    assert_int_equal(store_user_create(s, &u), STORE_OK);

    struct session x;
    make_session(&x, "sess-a1", "u-a", 40, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "sess-a2", "u-a", 41, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);
    make_session(&x, "sess-b1", "u-b", 42, T0);
    assert_int_equal(store_session_create(s, &x), STORE_OK);

    struct dyad d, out;
    struct invite inv;
    struct member m;
    make_dyad(&d, &inv, "d-1", DYAD_COUPLE, "u-a", "inv-1", T0);
    make_member(&m, "u-a", true, 50, T0);
    assert_int_equal(store_dyad_create(s, &d, &m, &inv), STORE_OK);
    make_member(&m, "u-b", false, 60, T0 + 10);
    assert_int_equal(store_dyad_join(s, "inv-1", &m, T0 + 10, &out), STORE_OK);
    unsigned char wrap[STORE_SEALED_KEY], sig[64];
    fill(wrap, sizeof wrap, 61);
    fill(sig, sizeof sig, 62);
    assert_int_equal(store_member_set_wrap(s, "d-1", "u-b", wrap, sig, "u-a"), STORE_OK);
    make_dyad(&d, &inv, "d-2", DYAD_COUPLE, "u-a", "inv-2", T0);
    make_member(&m, "u-a", true, 70, T0 + 20);
    assert_int_equal(store_dyad_create(s, &d, &m, &inv), STORE_OK);

    struct checkin c;
    unsigned char note[300];
    fill(note, sizeof note, 80);
    make_checkin(&c, "u-a", DAY0, 1);
    assert_int_equal(store_checkin_put(s, "d-1", &c, note, sizeof note), STORE_OK);
    make_checkin(&c, "u-b", DAY0, 2);
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);
    make_checkin(&c, "u-a", DAY0 + 1, 3);
    assert_int_equal(store_checkin_put(s, "d-1", &c, NULL, 0), STORE_OK);

    struct share sh;
    unsigned char body1[3000], body2[500], rbody[200];
    make_share(&sh, "s-1", "u-a", body1, sizeof body1, 90);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    make_share(&sh, "s-2", "u-b", body2, sizeof body2, 91);
    assert_int_equal(store_share_create(s, "d-1", &sh), STORE_OK);
    struct response r;
    make_response(&r, "r-1", "s-1", "u-b", rbody, sizeof rbody, 92);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);
    make_response(&r, "r-2", "s-2", "u-a", NULL, 0, 93);
    assert_int_equal(store_response_create(s, "d-1", &r), STORE_OK);

    assert_int_equal(store_comfort_set(s, "d-1", "u-a", 2, 3, T0 + 30), STORE_OK);
    assert_int_equal(store_comfort_set(s, "d-1", "u-b", 1, 4, T0 + 31), STORE_OK);
    assert_int_equal(store_audit_add(s, "d-1", "u-a", "view", "u-b", T0 + 40), STORE_OK);
    store_close(s);
}

/* ---- the operations under test ---------------------------------------------- */

static enum store_result op_user_create(struct store *s)
{
    struct user u;
    make_user(&u, "u-new", "new@example.org", 100);
    return store_user_create(s, &u);
}

static enum store_result op_session_create(struct store *s)
{
    struct session x;
    make_session(&x, "sess-new", "u-c", 110, T0);
    return store_session_create(s, &x);
}

static enum store_result op_dyad_create(struct store *s)
{
    struct dyad d;
    struct invite inv;
    struct member m;
    make_dyad(&d, &inv, "d-new", DYAD_COUPLE, "u-c", "inv-new", T0);
    make_member(&m, "u-c", true, 120, T0 + 50);
    return store_dyad_create(s, &d, &m, &inv);
}

static enum store_result op_dyad_join(struct store *s)
{
    struct member m;
    struct dyad out;
    make_member(&m, "u-c", false, 130, T0 + 60);
    return store_dyad_join(s, "inv-2", &m, T0 + 60, &out);
}

static enum store_result op_checkin_put(struct store *s)
{
    /* replaces a day that has a check-in and a note */
    struct checkin c;
    unsigned char note[600];
    fill(note, sizeof note, 140);
    make_checkin(&c, "u-a", DAY0, 7);
    return store_checkin_put(s, "d-1", &c, note, sizeof note);
}

static enum store_result op_share_create(struct store *s)
{
    /* 20 000 bytes: five overflow pages, so a torn record would show */
    static unsigned char body[20000];
    struct share sh;
    make_share(&sh, "s-new", "u-b", body, sizeof body, 150);
    return store_share_create(s, "d-1", &sh);
}

static enum store_result op_response_create(struct store *s)
{
    unsigned char body[1000];
    struct response r;
    make_response(&r, "r-new", "s-1", "u-b", body, sizeof body, 160);
    return store_response_create(s, "d-1", &r);
}

static enum store_result op_set_password(struct store *s)
{
    unsigned char salt[16], wrapped[STORE_WRAPPED_KEYS];
    fill(salt, sizeof salt, 170);
    fill(wrapped, sizeof wrapped, 171);
    return store_user_set_password(s, "u-a", salt, "$argon2id$v=19$new", wrapped, "sess-a1");
}

static enum store_result op_user_delete(struct store *s)
{
    return store_user_delete(s, "u-b", T0 + 200);
}

static enum store_result op_dyad_leave(struct store *s)
{
    return store_dyad_leave(s, "d-1", "u-a", true, T0 + 300);
}

struct fault_case {
    const char *name;
    enum store_result (*run)(struct store *s);
    struct db_digest after; /* the world after a run without faults */
};

static struct fault_case cases[] = {
    {"store_user_create", op_user_create, {0}},
    {"store_session_create", op_session_create, {0}},
    {"store_dyad_create", op_dyad_create, {0}},
    {"store_dyad_join", op_dyad_join, {0}},
    {"store_checkin_put", op_checkin_put, {0}},
    {"store_share_create", op_share_create, {0}},
    {"store_response_create", op_response_create, {0}},
    {"store_user_set_password", op_set_password, {0}},
    {"store_user_delete", op_user_delete, {0}},
    {"store_dyad_leave", op_dyad_leave, {0}},
};

/* ---- one run with one fault --------------------------------------------------- */

enum fault_kind { IO_ONCE, IO_DEAD, DISK_FULL, ALLOC_ONCE, ALLOC_DEAD, FAULT_KIND__MAX };

static const char *const kind_name[FAULT_KIND__MAX] = {
    "one failed I/O call",   "every I/O call from the Nth",   "disk full from the Nth write",
    "one failed allocation", "every allocation from the Nth",
};

struct tally {
    long runs, ok_despite_fault, ghosts;
};

static void arm(enum fault_kind k, long n)
{
    switch (k) {
    case IO_ONCE:
        faultvfs_arm(FAULTVFS_ALL, n, false, 0);
        break;
    case IO_DEAD:
        faultvfs_arm(FAULTVFS_ALL, n, true, 0);
        break;
    case DISK_FULL:
        faultvfs_arm(1u << FAULTVFS_WRITE, n, true, SQLITE_FULL);
        break;
    case ALLOC_ONCE:
        faultmem_arm(n, false);
        break;
    case ALLOC_DEAD:
        faultmem_arm(n, true);
        break;
    case FAULT_KIND__MAX:
        break;
    }
}

static long disarm(void)
{
    return faultvfs_disarm() + faultmem_disarm();
}

static const char *state_name(const struct db_digest *d, const struct fault_case *fc)
{
    if (db_digest_equal(d, &world_before))
        return "before";
    if (db_digest_equal(d, &fc->after))
        return "after";
    return NULL;
}

/* What a run that failed an assertion left behind (cmocka jumps out of it). */
static struct {
    char dir[PATH_MAX];
    struct store *store;
} left;

static void clean_left(void)
{
    if (left.store != NULL)
        store_close(left.store);
    left.store = NULL;
    if (left.dir[0] != '\0')
        fault_rmtree(left.dir);
    left.dir[0] = '\0';
}

/* The last line of a log, for a failure message. */
static const char *last_line(const char *path)
{
    static char line[512];
    line[0] = '\0';
    FILE *f = fopen(path, "r");
    char buf[512];
    while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
        snprintf(line, sizeof line, "%s", buf);
    if (f != NULL)
        fclose(f);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

static bool file_is_world(const char *path)
{
    size_t len;
    unsigned char *b = fault_read_file(path, &len);
    bool same = b != NULL && len == world_len && memcmp(b, world_bytes, len) == 0;
    free(b);
    return same;
}

/* Runs fc with fault k at call n; true when the fault was hit. */
static bool run_one(struct fault_case *fc, enum fault_kind k, long n, struct tally *t)
{
    char db[PATH_MAX + 8], crash_dir[PATH_MAX + 8], crash_db[PATH_MAX + 16];
    char src[PATH_MAX + 16], dst[PATH_MAX + 32], err[512];
    clean_left();
    char *dir = left.dir;
    fault_tmpdir(dir, "faults");
    snprintf(db, sizeof db, "%s/x.db", dir);
    fault_copy(world_db, db);
    struct store *s = left.store = open_sqlite(db);

    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/store.log", dir);
    quiet_begin(log);
    arm(k, n);
    enum store_result r = fc->run(s);
    long hits = disarm();
    quiet_end();
    t->runs++;

    const char *where = fc->name;
    if (r != STORE_OK && r != STORE_ERROR)
        fail_msg("%s, %s at %ld: result %d (only OK or ERROR may come of a fault)", where,
                 kind_name[k], n, (int)r);
    if (hits == 0 && r != STORE_OK)
        fail_msg("%s without any fault: result %d", where, (int)r);
    if (hits > 0 && r == STORE_OK)
        t->ok_despite_fault++;

    /* a crash right now: the files as they are, opened alone (unless
     * nothing was written at all: then it is the world as it was) */
    snprintf(src, sizeof src, "%s-wal", db);
    if (fault_file_size(src) <= 0 && file_is_world(db)) {
        if (r == STORE_OK)
            fail_msg("%s, %s at %ld: acknowledged, but nothing was written", where, kind_name[k],
                     n);
        goto reuse;
    }
    snprintf(crash_dir, sizeof crash_dir, "%s/crash", dir);
    if (mkdir(crash_dir, 0700) != 0)
        fail_msg("mkdir %s", crash_dir);
    snprintf(crash_db, sizeof crash_db, "%s/x.db", crash_dir);
    fault_copy(db, crash_db);
    snprintf(dst, sizeof dst, "%s-wal", crash_db);
    fault_copy(src, dst);
    struct db_digest d;
    if (db_check(crash_db, "throttle", &d, NULL, err, sizeof err) != 0)
        fail_msg("%s, %s at %ld, crash view: %s", where, kind_name[k], n, err);
    const char *crash_state = state_name(&d, fc);
    if (crash_state == NULL)
        fail_msg("%s, %s at %ld, crash view: half-written (table %s is neither as before nor "
                 "as after)",
                 where, kind_name[k], n, db_digest_diff(&d, &fc->after));
    if (r == STORE_OK && strcmp(crash_state, "after") != 0)
        fail_msg("%s, %s at %ld: acknowledged, but a crash now loses it", where, kind_name[k], n);
    if (r == STORE_ERROR && strcmp(crash_state, "after") == 0)
        t->ghosts++;

reuse:
    /* the same store goes on */
    unsigned char key[32];
    fill(key, sizeof key, 999);
    struct throttle th = {.failures = 1, .blocked_until = 0, .updated_at = T0};
    quiet_begin(log);
    enum store_result pr = store_throttle_put(s, key, &th, T0 + 1000);
    quiet_end();
    if (pr != STORE_OK)
        fail_msg("%s, %s at %ld: with faults off, the store refuses the next write (%d): %s", where,
                 kind_name[k], n, (int)pr, last_line(log));
    store_close(s);
    left.store = NULL;

    /* reopened after a clean close */
    sqlite3 *raw = NULL;
    struct db_digest fin;
    if (db_check(db, "throttle", &fin, &raw, err, sizeof err) != 0)
        fail_msg("%s, %s at %ld, reopened: %s", where, kind_name[k], n, err);
    long probes = db_int(raw, "SELECT count(*) FROM throttle");
    sqlite3_close(raw);
    const char *final_state = state_name(&fin, fc);
    if (final_state == NULL)
        fail_msg("%s, %s at %ld, reopened: half-written (table %s is neither as before nor as "
                 "after)",
                 where, kind_name[k], n, db_digest_diff(&fin, &fc->after));
    if (r == STORE_OK && strcmp(final_state, "after") != 0)
        fail_msg("%s, %s at %ld: acknowledged, but gone after a reopen", where, kind_name[k], n);
    if (probes != 1)
        fail_msg("%s, %s at %ld: the write after the fault is missing on reopen", where,
                 kind_name[k], n);
    clean_left();
    return hits > 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_case(struct fault_case *fc)
{
    double t0 = now_s();
    char line[512];
    size_t len = (size_t)snprintf(line, sizeof line, "%-24s", fc->name);
    long ghosts = 0, ok = 0;
    for (int k = 0; k < FAULT_KIND__MAX; k++) {
        struct tally t = {0};
        long n = 1;
        while (run_one(fc, (enum fault_kind)k, n, &t)) {
            /* every N, except deep into a run of failed allocations, where
             * each N differs only in how far the operation got: every 10th */
            n += k == ALLOC_DEAD && n >= 100 ? 10 : 1;
            if (n > MAX_N)
                fail_msg("%s, %s: still hitting the fault after %d calls", fc->name, kind_name[k],
                         MAX_N);
        }
        len += (size_t)snprintf(line + len, sizeof line - len, " %5ld", t.runs - 1);
        ghosts += t.ghosts;
        ok += t.ok_despite_fault;
    }
    print_message("%s %6ld %6ld %5.1f s\n", line, ghosts, ok, now_s() - t0);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_user_create(void **state)
{
    (void)state;
    run_case(&cases[0]);
}

static void test_session_create(void **state)
{
    (void)state;
    run_case(&cases[1]);
}

static void test_dyad_create(void **state)
{
    (void)state;
    run_case(&cases[2]);
}

static void test_dyad_join(void **state)
{
    (void)state;
    run_case(&cases[3]);
}

static void test_checkin_put(void **state)
{
    (void)state;
    run_case(&cases[4]);
}

static void test_share_create(void **state)
{
    (void)state;
    run_case(&cases[5]);
}

static void test_response_create(void **state)
{
    (void)state;
    run_case(&cases[6]);
}

static void test_set_password(void **state)
{
    (void)state;
    run_case(&cases[7]);
}

static void test_user_delete(void **state)
{
    (void)state;
    run_case(&cases[8]);
}

static void test_dyad_leave(void **state)
{
    (void)state;
    run_case(&cases[9]);
}

/* The injectors themselves: an armed fault reaches SQLite as an error. */
static void test_injectors_bite(void **state)
{
    (void)state;
    char dir[PATH_MAX], db[PATH_MAX + 8], log[PATH_MAX + 16], err[256];
    fault_tmpdir(dir, "faults");
    snprintf(db, sizeof db, "%s/x.db", dir);
    snprintf(log, sizeof log, "%s/store.log", dir);
    fault_copy(world_db, db);
    struct store *s = open_sqlite(db);
    quiet_begin(log);
    faultvfs_arm(1u << FAULTVFS_SYNC, 1, true, 0);
    enum store_result r1 = op_user_create(s);
    long hits1 = faultvfs_disarm();
    faultmem_arm(1, true);
    enum store_result r2 = op_session_create(s);
    long hits2 = faultmem_disarm();
    quiet_end();
    assert_int_equal(r1, STORE_ERROR);
    assert_true(hits1 > 0);
    assert_int_equal(r2, STORE_ERROR);
    assert_true(hits2 > 0);
    assert_int_equal(op_session_create(s), STORE_OK);
    store_close(s);
    assert_int_equal(db_check(db, NULL, NULL, NULL, err, sizeof err), 0);
    fault_rmtree(dir);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    faultmem_install();
    faultvfs_install();
    fault_tmpdir(world_dir, "world");
    snprintf(world_db, sizeof world_db, "%s/x.db", world_dir);
    build_world(world_db);
    world_bytes = fault_read_file(world_db, &world_len);
    char err[512];
    if (db_check(world_db, "throttle", &world_before, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "the world: %s\n", err);
        return -1;
    }
    /* per kind, the runs in which the fault was hit; "ghost": STORE_ERROR
     * yet the change is there after a crash (its fsync failed after the WAL
     * frames were written); "ok": STORE_OK although a fault was hit */
    print_message("%-24s %5s %5s %5s %5s %5s %6s %6s\n", "operation", "io", "dead", "full", "alloc",
                  "oom", "ghost", "ok");
    /* each operation once without faults: the state it must leave */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[PATH_MAX], db[PATH_MAX + 8];
        fault_tmpdir(dir, "faults");
        snprintf(db, sizeof db, "%s/x.db", dir);
        fault_copy(world_db, db);
        struct store *s = open_sqlite(db);
        enum store_result r = cases[i].run(s);
        store_close(s);
        if (r != STORE_OK) {
            fprintf(stderr, "%s fails without faults: %d\n", cases[i].name, (int)r);
            return -1;
        }
        if (db_check(db, "throttle", &cases[i].after, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "%s without faults: %s\n", cases[i].name, err);
            return -1;
        }
        if (db_digest_equal(&cases[i].after, &world_before)) {
            fprintf(stderr, "%s changes nothing: the test would prove nothing\n", cases[i].name);
            return -1;
        }
        fault_rmtree(dir);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clean_left();
    fault_rmtree(world_dir);
    free(world_bytes);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_injectors_bite), cmocka_unit_test(test_user_create),
        cmocka_unit_test(test_session_create), cmocka_unit_test(test_dyad_create),
        cmocka_unit_test(test_dyad_join),      cmocka_unit_test(test_checkin_put),
        cmocka_unit_test(test_share_create),   cmocka_unit_test(test_response_create),
        cmocka_unit_test(test_set_password),   cmocka_unit_test(test_user_delete),
        cmocka_unit_test(test_dyad_leave),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
