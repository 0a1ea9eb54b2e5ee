/*
 * test_store_powerloss.c — the SQLite store under simulated power loss:
 * every acknowledged write survives, and nothing is half-written.
 *
 * powervfs is a VFS that behaves like an operating system's page cache in
 * front of a disk that only keeps what was fsynced: xWrite and xTruncate go
 * to a per-file list in memory (shared by every connection that opens the
 * file, and kept when the file is closed, as a page cache is); xRead and
 * xFileSize see the file through that list; only xSync passes the list to
 * the real file. A "cut" then drops whatever was not synced — all of it, or
 * (in the harsher mode) a random subset, as a disk that wrote some cached
 * pages back and not others — and the test reopens the files with the
 * ordinary "unix" VFS, which recovers the WAL as the server would.
 *
 * The workload is a fixed sequence of store writes (opening the store with
 * its migrations, then people, sessions, pairing, check-ins and their
 * replacement, shares with bodies over several pages, responses, comfort, a
 * password change, an account erasure with its WAL checkpoint, writes after
 * it, a clean close and reopen, leaving a dyad). A run without cuts on the
 * plain VFS gives D[k], a digest of every row of every table after k
 * acknowledged writes. Then:
 *
 *   - a cut after each k-th acknowledged write must leave exactly D[k];
 *   - a cut at each mutating I/O call N of the whole sequence (the Nth
 *     xWrite / xTruncate / xSync and everything after it never happen),
 *     which lands inside write j: exactly D[j-1] or D[j] — D[j] when write j
 *     still returned STORE_OK (the cut came after its commit was durable);
 *   - the same with a random subset of the unsynced writes kept;
 *
 * and in every case integrity_check and foreign_key_check pass and the
 * store opens the result without migrating.
 *
 * The same cuts fall among concurrent writers (test_concurrent_*): several
 * threads write check-ins at once, so their writes share transactions and
 * fsyncs (group commit, top of src/store/sqlite.c; a gate in pv_sync makes
 * sure a group forms); after a cut at each mutating call of that phase,
 * every check-in any thread was told was saved is there.
 *
 * The harness can fail: with a raw connection and PRAGMA synchronous=OFF or
 * NORMAL (no fsync at commit) a cut loses acknowledged rows, and a store
 * whose fsync is a no-op (the VFS lies) loses acknowledged writes — both
 * are asserted, against a control with synchronous=FULL that loses nothing.
 * (The store's pragmas are fixed in store_open, so the synchronous=OFF
 * control runs on a raw connection through the same VFS.)
 */
#include <setjmp.h> /* cmocka needs these four before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "faultvfs.h"
#include "storefixture.h"
#include "store/store.h"

/* ---- powervfs --------------------------------------------------------------- */

struct pv_op {
    bool truncate;     /* else a write */
    sqlite3_int64 off; /* write offset, or the new size */
    int len;
    unsigned char *data; /* len bytes (writes) */
};

/* One file as the page cache sees it: the real file plus unsynced changes. */
struct pv_state {
    char path[PATH_MAX];
    struct pv_op *ops;
    size_t n, cap;
    struct pv_state *next;
};

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    struct pv_state *files;
    bool dead;       /* the power is out: no I/O reaches anything */
    long countdown;  /* 0: off; else the mutating call that finds the power out */
    long calls;      /* mutating calls (write, truncate, sync) so far */
    bool lying_sync; /* xSync says yes and keeps everything cached */
    uint64_t rng;
} pv;

struct pv_file {
    sqlite3_file base;
    sqlite3_file *real;
    struct pv_state *st; /* NULL: a temporary file, passed straight through */
};

static struct pv_state *pv_state_for(const char *path)
{
    for (struct pv_state *s = pv.files; s != NULL; s = s->next)
        if (strcmp(s->path, path) == 0)
            return s;
    struct pv_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->next = pv.files;
    pv.files = s;
    return s;
}

static void pv_forget(struct pv_state *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ops[i].data);
    s->n = 0;
}

/* Counts a mutating call; false when the power went out at (or before) it. */
static bool pv_tick(void)
{
    if (pv.dead)
        return false;
    pv.calls++;
    if (pv.countdown != 0 && pv.calls >= pv.countdown) {
        pv.dead = true;
        return false;
    }
    return true;
}

static int pv_push(struct pv_state *s, bool truncate, sqlite3_int64 off, const void *data, int len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct pv_op *ops = realloc(s->ops, cap * sizeof *ops);
        if (ops == NULL)
            return SQLITE_NOMEM;
        s->ops = ops;
        s->cap = cap;
    }
    struct pv_op *op = &s->ops[s->n];
    op->truncate = truncate;
    op->off = off;
    op->len = len;
    op->data = NULL;
    if (!truncate) {
        op->data = malloc((size_t)len);
        if (op->data == NULL)
            return SQLITE_NOMEM;
        memcpy(op->data, data, (size_t)len);
    }
    s->n++;
    return SQLITE_OK;
}

static struct pv_file *pvf(sqlite3_file *f)
{
    return (struct pv_file *)f;
}

static int pv_close(sqlite3_file *f)
{
    return pvf(f)->real->pMethods->xClose(pvf(f)->real);
}

/* The size the cached view has, from the real size and the pending ops. */
static int pv_view_size(struct pv_file *p, sqlite3_int64 *size)
{
    int rc = p->real->pMethods->xFileSize(p->real, size);
    if (rc != SQLITE_OK)
        return rc;
    for (size_t i = 0; i < p->st->n; i++) {
        const struct pv_op *op = &p->st->ops[i];
        if (op->truncate)
            *size = op->off;
        else if (op->off + op->len > *size)
            *size = op->off + op->len;
    }
    return SQLITE_OK;
}

static int pv_read_unlocked(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    struct pv_file *p = pvf(f);
    if (p->st == NULL)
        return p->real->pMethods->xRead(p->real, buf, amt, off);
    if (pv.dead)
        return SQLITE_IOERR_READ;
    unsigned char *b = buf;
    memset(b, 0, (size_t)amt);
    sqlite3_int64 size;
    int rc = p->real->pMethods->xFileSize(p->real, &size);
    if (rc != SQLITE_OK)
        return rc;
    if (off < size) {
        int n = (int)(size - off < amt ? size - off : amt);
        rc = p->real->pMethods->xRead(p->real, b, n, off);
        if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
            return rc;
    }
    /* bytes at or past the current size stay zero throughout */
    sqlite3_int64 end = off + amt;
    for (size_t i = 0; i < p->st->n; i++) {
        const struct pv_op *op = &p->st->ops[i];
        if (op->truncate) {
            if (op->off < end && op->off < size) {
                sqlite3_int64 from = op->off > off ? op->off : off;
                memset(b + (from - off), 0, (size_t)(end - from));
            }
            size = op->off;
        } else {
            sqlite3_int64 lo = op->off > off ? op->off : off;
            sqlite3_int64 hi = op->off + op->len < end ? op->off + op->len : end;
            if (lo < hi)
                memcpy(b + (lo - off), op->data + (lo - op->off), (size_t)(hi - lo));
            if (op->off + op->len > size)
                size = op->off + op->len;
        }
    }
    return end > size ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int pv_write_unlocked(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    struct pv_file *p = pvf(f);
    if (p->st == NULL)
        return p->real->pMethods->xWrite(p->real, buf, amt, off);
    if (!pv_tick())
        return SQLITE_IOERR_WRITE;
    return pv_push(p->st, false, off, buf, amt);
}

static int pv_truncate_unlocked(sqlite3_file *f, sqlite3_int64 size)
{
    struct pv_file *p = pvf(f);
    if (p->st == NULL)
        return p->real->pMethods->xTruncate(p->real, size);
    if (!pv_tick())
        return SQLITE_IOERR_TRUNCATE;
    return pv_push(p->st, true, size, NULL, 0);
}

/* Applies op to the real file through handle real. */
static int pv_apply(sqlite3_file *real, const struct pv_op *op)
{
    return op->truncate ? real->pMethods->xTruncate(real, op->off)
                        : real->pMethods->xWrite(real, op->data, op->len, op->off);
}

static int pv_sync_unlocked(sqlite3_file *f, int flags)
{
    struct pv_file *p = pvf(f);
    if (p->st == NULL)
        return p->real->pMethods->xSync(p->real, flags);
    if (!pv_tick())
        return SQLITE_IOERR_FSYNC;
    if (pv.lying_sync)
        return SQLITE_OK;
    for (size_t i = 0; i < p->st->n; i++) {
        int rc = pv_apply(p->real, &p->st->ops[i]);
        if (rc != SQLITE_OK)
            return rc;
    }
    pv_forget(p->st);
    return SQLITE_OK; /* the real fsync adds nothing: this disk is simulated */
}

static int pv_file_size_unlocked(sqlite3_file *f, sqlite3_int64 *size)
{
    struct pv_file *p = pvf(f);
    if (p->st == NULL)
        return p->real->pMethods->xFileSize(p->real, size);
    if (pv.dead)
        return SQLITE_IOERR_FSTAT;
    return pv_view_size(p, size);
}

static int pv_lock(sqlite3_file *f, int lock)
{
    return pvf(f)->real->pMethods->xLock(pvf(f)->real, lock);
}

static int pv_unlock(sqlite3_file *f, int lock)
{
    return pvf(f)->real->pMethods->xUnlock(pvf(f)->real, lock);
}

static int pv_check_reserved(sqlite3_file *f, int *out)
{
    return pvf(f)->real->pMethods->xCheckReservedLock(pvf(f)->real, out);
}

static int pv_file_control(sqlite3_file *f, int op, void *arg)
{
    /* these would size the real file behind the cache's back */
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE)
        return SQLITE_OK;
    return pvf(f)->real->pMethods->xFileControl(pvf(f)->real, op, arg);
}

static int pv_sector_size(sqlite3_file *f)
{
    return pvf(f)->real->pMethods->xSectorSize(pvf(f)->real);
}

static int pv_device_characteristics(sqlite3_file *f)
{
    return pvf(f)->real->pMethods->xDeviceCharacteristics(pvf(f)->real);
}

/* The shared-memory index is memory, not disk: rebuilt from the WAL after a
 * crash (the first connection to open it truncates it). */
static int pv_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pp)
{
    return pvf(f)->real->pMethods->xShmMap(pvf(f)->real, region, size, extend, pp);
}

static int pv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return pvf(f)->real->pMethods->xShmLock(pvf(f)->real, offset, n, flags);
}

static void pv_shm_barrier(sqlite3_file *f)
{
    pvf(f)->real->pMethods->xShmBarrier(pvf(f)->real);
}

static int pv_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return pvf(f)->real->pMethods->xShmUnmap(pvf(f)->real, delete_flag);
}

/* powervfs is used from several threads at once by the concurrent tests:
 * one lock around every call that touches its state. */
static pthread_mutex_t pv_mu = PTHREAD_MUTEX_INITIALIZER;

/* The concurrent tests' gate: the first fsync after it is armed waits until
 * pv_gate_waiters write calls are queued for the store's writer (its
 * waiting count), so the next COMMIT is a group of them (group commit, top
 * of src/store/sqlite.c), whatever the timing. */
static atomic_int pv_gate_armed, pv_gate_waiters, pv_gate_entered;

static void pv_gate(void)
{
    if (!atomic_exchange(&pv_gate_armed, 0))
        return;
    atomic_store(&pv_gate_entered, 1);
    for (long ms = 0; ms < 120000; ms++) {
        struct store_stats st;
        store_stats_read(&st);
        if (st.waiting >= (uint64_t)atomic_load(&pv_gate_waiters))
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int pv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_read_unlocked(f, buf, amt, off);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_write_unlocked(f, buf, amt, off);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_truncate_unlocked(f, size);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_sync(sqlite3_file *f, int flags)
{
    pv_gate();
    pthread_mutex_lock(&pv_mu);
    int rc = pv_sync_unlocked(f, flags);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_file_size_unlocked(f, size);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static const sqlite3_io_methods pv_io = {
    .iVersion = 2,
    .xClose = pv_close,
    .xRead = pv_read,
    .xWrite = pv_write,
    .xTruncate = pv_truncate,
    .xSync = pv_sync,
    .xFileSize = pv_file_size,
    .xLock = pv_lock,
    .xUnlock = pv_unlock,
    .xCheckReservedLock = pv_check_reserved,
    .xFileControl = pv_file_control,
    .xSectorSize = pv_sector_size,
    .xDeviceCharacteristics = pv_device_characteristics,
    .xShmMap = pv_shm_map,
    .xShmLock = pv_shm_lock,
    .xShmBarrier = pv_shm_barrier,
    .xShmUnmap = pv_shm_unmap,
};

static int pv_open_unlocked(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                            int *out_flags)
{
    (void)vfs;
    struct pv_file *p = pvf(f);
    p->real = (sqlite3_file *)&p[1];
    p->st = NULL;
    memset(p->real, 0, (size_t)pv.real->szOsFile);
    f->pMethods = NULL;
    if (pv.dead)
        return SQLITE_CANTOPEN;
    if (name != NULL) {
        p->st = pv_state_for(name);
        if (p->st == NULL)
            return SQLITE_NOMEM;
    }
    int rc = pv.real->xOpen(pv.real, name, p->real, flags, out_flags);
    f->pMethods = p->real->pMethods != NULL ? &pv_io : NULL;
    return rc;
}

static int pv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_open_unlocked(vfs, name, f, flags, out_flags);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_delete_unlocked(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    if (pv.dead)
        return SQLITE_IOERR_DELETE;
    /* directory changes are taken as durable at once */
    for (struct pv_state *s = pv.files; s != NULL; s = s->next)
        if (strcmp(s->path, name) == 0)
            pv_forget(s);
    return pv.real->xDelete(pv.real, name, sync_dir);
}

static int pv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    pthread_mutex_lock(&pv_mu);
    int rc = pv_delete_unlocked(vfs, name, sync_dir);
    pthread_mutex_unlock(&pv_mu);
    return rc;
}

static int pv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return pv.real->xAccess(pv.real, name, flags, out);
}

static int pv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return pv.real->xFullPathname(pv.real, name, n, out);
}

static int pv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return pv.real->xRandomness(pv.real, n, out);
}

static int pv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return pv.real->xSleep(pv.real, us);
}

static int pv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return pv.real->xCurrentTime(pv.real, out);
}

static int pv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return pv.real->xGetLastError(pv.real, n, out);
}

static int pv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return pv.real->xCurrentTimeInt64(pv.real, out);
}

/* Makes powervfs the default VFS (a fresh page cache, the power on). */
static void powervfs_on(void)
{
    if (pv.real == NULL) {
        sqlite3_initialize();
        pv.real = sqlite3_vfs_find("unix");
        sqlite3_vfs *v = &pv.vfs;
        v->iVersion = 2;
        v->szOsFile = (int)sizeof(struct pv_file) + pv.real->szOsFile;
        v->mxPathname = pv.real->mxPathname;
        v->zName = "powervfs";
        v->xOpen = pv_open;
        v->xDelete = pv_delete;
        v->xAccess = pv_access;
        v->xFullPathname = pv_full_pathname;
        v->xRandomness = pv_randomness;
        v->xSleep = pv_sleep;
        v->xCurrentTime = pv_current_time;
        v->xGetLastError = pv_last_error;
        v->xCurrentTimeInt64 = pv_current_time64;
    }
    pv.dead = false;
    pv.countdown = 0;
    pv.calls = 0;
    pv.lying_sync = false;
    sqlite3_vfs_register(&pv.vfs, 1);
}

static uint64_t pv_random(void)
{
    pv.rng ^= pv.rng << 13;
    pv.rng ^= pv.rng >> 7;
    pv.rng ^= pv.rng << 17;
    return pv.rng;
}

/* The power goes out: what was synced is on disk; of each unsynced write
 * or truncation, in the order made, keep_permille in a thousand made it
 * too (0: none; 1000: all of them, only the fsync never returned). Call
 * with every connection closed; the "unix" VFS is the default again. */
static void powervfs_cut(int keep_permille, uint64_t seed)
{
    pv.dead = true;
    pv.rng = seed * 0x9E3779B97F4A7C15u + 1;
    for (struct pv_state *s = pv.files, *next; s != NULL; s = next) {
        next = s->next;
        int fd = keep_permille > 0 && s->n > 0 ? open(s->path, O_RDWR) : -1;
        for (size_t i = 0; fd >= 0 && i < s->n; i++) {
            const struct pv_op *op = &s->ops[i];
            if ((int)(pv_random() % 1000) >= keep_permille)
                continue;
            if (op->truncate ? ftruncate(fd, op->off) != 0
                             : pwrite(fd, op->data, (size_t)op->len, op->off) != op->len)
                fail_msg("applying a kept write to %s", s->path);
        }
        if (fd >= 0)
            close(fd);
        pv_forget(s);
        free(s->ops);
        free(s);
    }
    pv.files = NULL;
    sqlite3_vfs_unregister(&pv.vfs);
}

/* ---- the workload -------------------------------------------------------------- */

enum { RESTART = 26 };

struct run {
    char url[PATH_MAX + 16];
    struct store *s;
};

static enum store_result w_open(struct run *r)
{
    char err[256];
    r->s = store_open(r->url, true, err, sizeof err);
    return r->s != NULL ? STORE_OK : STORE_ERROR;
}

/* The rows of storefixture.h, written through the store. */
static enum store_result user(struct run *r, const char *id, unsigned seed)
{
    struct user u;
    char email[64];
    snprintf(email, sizeof email, "%s@example.org", id);
    make_user(&u, id, email, seed);
    return store_user_create(r->s, &u);
}

static enum store_result session(struct run *r, const char *id, const char *user_id, unsigned seed)
{
    struct session x;
    make_session(&x, id, user_id, seed, T0 + seed);
    return store_session_create(r->s, &x);
}

static enum store_result dyad(struct run *r, const char *id, const char *by, const char *code,
                              unsigned seed)
{
    struct dyad d;
    struct invite inv;
    struct member m;
    make_dyad(&d, &inv, id, DYAD_COUPLE, by, code, T0 + seed);
    make_member(&m, by, true, seed, T0 + seed);
    return store_dyad_create(r->s, &d, &m, &inv);
}

static enum store_result join(struct run *r, const char *code, const char *user_id, unsigned seed)
{
    struct member m;
    struct dyad out;
    make_member(&m, user_id, false, seed, T0 + seed);
    return store_dyad_join(r->s, code, &m, T0 + seed, &out);
}

static enum store_result checkin(struct run *r, const char *dyad_id, const char *user_id, long day,
                                 unsigned seed, size_t note_len)
{
    struct checkin c;
    memset(&c, 0, sizeof c);
    snprintf(c.user_id, sizeof c.user_id, "%s", user_id);
    c.day = day;
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        c.score[i] = (int8_t)((seed + (unsigned)i) % 11);
    c.emotions = seed & 0xffu;
    c.wordless = (int8_t)(seed & 1u);
    c.show_mask = 0x5u;
    c.updated_at = T0 + seed;
    unsigned char note[2000];
    fill(note, note_len, seed);
    return store_checkin_put(r->s, dyad_id, &c, note_len ? note : NULL, note_len);
}

static enum store_result share(struct run *r, const char *dyad_id, const char *id,
                               const char *author, size_t len, unsigned seed)
{
    static unsigned char body[24 * 1024];
    struct share sh;
    memset(&sh, 0, sizeof sh);
    snprintf(sh.id, sizeof sh.id, "%s", id);
    snprintf(sh.author_id, sizeof sh.author_id, "%s", author);
    sh.topic = (int)(seed % 12);
    sh.depth = 1 + (int)(seed % 5);
    sh.created_at = T0 + seed;
    fill(body, len, seed);
    sh.body = body;
    sh.body_len = len;
    return store_share_create(r->s, dyad_id, &sh);
}

static enum store_result response(struct run *r, const char *dyad_id, const char *id,
                                  const char *share_id, const char *author, unsigned seed)
{
    unsigned char body[700];
    struct response x;
    memset(&x, 0, sizeof x);
    snprintf(x.id, sizeof x.id, "%s", id);
    snprintf(x.share_id, sizeof x.share_id, "%s", share_id);
    snprintf(x.author_id, sizeof x.author_id, "%s", author);
    x.kind = (int)(seed % 3);
    x.created_at = T0 + seed;
    fill(body, sizeof body, seed);
    x.body = body;
    x.body_len = sizeof body;
    return store_response_create(r->s, dyad_id, &x);
}

static enum store_result w_restart(struct run *r)
{
    store_close(r->s);
    r->s = NULL;
    return w_open(r);
}

/* Write number k (1-based; 0 is opening the store). */
static enum store_result workload(struct run *r, int k)
{
    unsigned char salt[16], keys[STORE_WRAPPED_KEYS], wrap[STORE_SEALED_KEY], sig[64];
    switch (k) {
    case 0:
        return w_open(r);
    case 1:
        return user(r, "u-a", 10);
    case 2:
        return user(r, "u-b", 20);
    case 3:
        return session(r, "sess-a", "u-a", 30);
    case 4:
        return dyad(r, "d-1", "u-a", "inv-1", 40);
    case 5:
        return join(r, "inv-1", "u-b", 50);
    case 6:
        fill(wrap, sizeof wrap, 60);
        fill(sig, sizeof sig, 61);
        return store_member_set_wrap(r->s, "d-1", "u-b", wrap, sig, "u-a");
    case 7:
        return checkin(r, "d-1", "u-a", DAY0, 70, 300);
    case 8:
        return checkin(r, "d-1", "u-b", DAY0, 80, 0);
    case 9:
        return share(r, "d-1", "s-1", "u-a", 20000, 90);
    case 10:
        return response(r, "d-1", "r-1", "s-1", "u-b", 100);
    case 11:
        return checkin(r, "d-1", "u-a", DAY0, 110, 1500); /* replaces 7 */
    case 12:
        return share(r, "d-1", "s-2", "u-b", 3000, 120);
    case 13:
        return store_comfort_set(r->s, "d-1", "u-a", 2, 4, T0 + 130);
    case 14:
        return user(r, "u-c", 140);
    case 15:
        return user(r, "u-d", 150);
    case 16:
        return dyad(r, "d-2", "u-c", "inv-2", 160);
    case 17:
        return join(r, "inv-2", "u-d", 170);
    case 18:
        return checkin(r, "d-2", "u-c", DAY0 + 1, 180, 64);
    case 19:
        return share(r, "d-2", "s-3", "u-d", 8000, 190);
    case 20:
        return session(r, "sess-d", "u-d", 200);
    case 21:
        fill(salt, sizeof salt, 210);
        fill(keys, sizeof keys, 211);
        return store_user_set_password(r->s, "u-a", salt, "$argon2id$v=19$new", keys, NULL);
    case 22:
        return store_user_delete(r->s, "u-d", T0 + 220); /* checkpoints the WAL */
    case 23:
        return share(r, "d-1", "s-4", "u-a", 12000, 230); /* a fresh WAL */
    case 24:
        return checkin(r, "d-1", "u-b", DAY0 + 1, 240, 200);
    case 25:
        return response(r, "d-1", "r-2", "s-2", "u-a", 250);
    case RESTART:
        return w_restart(r); /* clean close (checkpoint) and open */
    case 27:
        return checkin(r, "d-2", "u-c", DAY0 + 1, 270, 0); /* replaces 18 */
    case 28:
        return share(r, "d-1", "s-5", "u-b", 500, 280);
    case 29:
        return store_dyad_leave(r->s, "d-1", "u-b", true, T0 + 290);
    case 30:
        return session(r, "sess-c", "u-c", 300);
    default:
        return STORE_ERROR;
    }
}

enum { WRITES = 30 };

static char dir[PATH_MAX];
static struct db_digest expect[WRITES + 1]; /* expect[k]: after k acknowledged writes */
static long total_calls;                    /* mutating I/O calls of the whole sequence */

static void new_run(struct run *r)
{
    fault_rmtree(dir);
    if (mkdir(dir, 0700) != 0)
        fail_msg("mkdir %s", dir);
    snprintf(r->url, sizeof r->url, "sqlite:%s/x.db", dir);
    r->s = NULL;
}

static const char *db_path(const struct run *r)
{
    return r->url + 7;
}

/* The store's complaints about the dead disk go to a file. */
static void quiet_run(void)
{
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/store.log", dir);
    quiet_begin(log);
}

/* After a cut: the file is sound, the store opens it as it is, and it holds
 * exactly one of the states in ok[] (n of them). Returns which one. */
static int check_after_cut(const struct run *r, const int *ok, int n, const char *what)
{
    char err[512];
    struct db_digest d;
    if (db_check(db_path(r), NULL, &d, NULL, err, sizeof err) != 0)
        fail_msg("%s: %s", what, err);
    if (ok[0] == 0 && n == 1) {
        /* cut while opening: migrations must finish on the next open */
        char serr[256];
        struct store *s = store_open(r->url, true, serr, sizeof serr);
        if (s == NULL)
            fail_msg("%s: the store cannot open what the cut left: %s", what, serr);
        store_close(s);
        if (db_check(db_path(r), NULL, &d, NULL, err, sizeof err) != 0)
            fail_msg("%s, after migrating: %s", what, err);
    } else {
        char serr[256];
        struct store *s = store_open(r->url, false, serr, sizeof serr);
        if (s == NULL)
            fail_msg("%s: the store cannot open what the cut left: %s", what, serr);
        if (store_health(s) != STORE_OK)
            fail_msg("%s: the reopened store is not healthy", what);
        store_close(s);
    }
    for (int i = 0; i < n; i++)
        if (db_digest_equal(&d, &expect[ok[i]]))
            return ok[i];
    int last = ok[n - 1];
    fail_msg("%s: expected the state after %d acknowledged write(s)%s; table %s differs", what,
             last, n > 1 ? " or the one before" : "", db_digest_diff(&d, &expect[last]));
    return -1;
}

/* ---- tests ----------------------------------------------------------------------- */

/* The reference: the sequence on the plain VFS, a digest after each write. */
static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    char base[PATH_MAX];
    fault_tmpdir(base, "powerloss");
    snprintf(dir, sizeof dir, "%s", base);
    struct run r;
    new_run(&r);
    char err[512];
    for (int k = 0; k <= WRITES; k++) {
        if (workload(&r, k) != STORE_OK) {
            fprintf(stderr, "write %d fails without a cut\n", k);
            return -1;
        }
        if (db_check(db_path(&r), NULL, &expect[k], NULL, err, sizeof err) != 0) {
            fprintf(stderr, "after write %d: %s\n", k, err);
            return -1;
        }
        if (k > 0 && k != RESTART && db_digest_equal(&expect[k], &expect[k - 1])) {
            fprintf(stderr, "write %d changes nothing\n", k);
            return -1;
        }
    }
    store_close(r.s);
    /* how many mutating calls the whole sequence makes through powervfs */
    new_run(&r);
    powervfs_on();
    for (int k = 0; k <= WRITES; k++)
        if (workload(&r, k) != STORE_OK) {
            fprintf(stderr, "write %d fails on powervfs\n", k);
            return -1;
        }
    total_calls = pv.calls;
    store_close(r.s);
    powervfs_cut(0, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fault_rmtree(dir);
    return 0;
}

/* A cut after each acknowledged write: all of them are there. */
static void test_cut_between_writes(void **state)
{
    (void)state;
    for (int k = 0; k <= WRITES; k++) {
        for (int keep = 0; keep <= 1000; keep += 500) {
            struct run r;
            new_run(&r);
            powervfs_on();
            for (int i = 0; i <= k; i++)
                if (workload(&r, i) != STORE_OK)
                    fail_msg("write %d fails before any cut", i);
            pv.dead = true;
            quiet_run();
            store_close(r.s);
            quiet_end();
            powervfs_cut(keep, (uint64_t)k);
            char what[96];
            snprintf(what, sizeof what, "cut after write %d (%d/1000 unsynced kept)", k, keep);
            int ok[] = {k};
            check_after_cut(&r, ok, 1, what);
        }
    }
}

/* A cut at every mutating I/O call of the sequence, inside writes; of the
 * unsynced writes, keep[n % n_keep] in a thousand survive cut n. */
static void cut_everywhere(const int *keep, size_t n_keep)
{
    long lost_in_flight = 0, kept_in_flight = 0;
    for (long n = 1; n <= total_calls; n++) {
        struct run r;
        new_run(&r);
        powervfs_on();
        pv.countdown = n;
        int j = 0;
        enum store_result res = STORE_OK;
        quiet_run();
        for (; j <= WRITES; j++) {
            res = workload(&r, j);
            if (pv.dead || res != STORE_OK)
                break;
        }
        if (r.s != NULL)
            store_close(r.s);
        quiet_end();
        if (j > WRITES)
            fail_msg("cut at call %ld of %ld never came", n, total_calls);
        int kept = keep[(size_t)n % n_keep];
        powervfs_cut(kept, (uint64_t)n);
        char what[128];
        snprintf(what, sizeof what,
                 "cut at I/O call %ld (inside write %d, which returned %s; %d/1000 unsynced kept)",
                 n, j, res == STORE_OK ? "OK" : "an error", kept);
        if (j == 0) {
            int ok[] = {0};
            check_after_cut(&r, ok, 1, what);
            continue;
        }
        if (res == STORE_OK) {
            int ok[] = {j};
            check_after_cut(&r, ok, 1, what);
        } else {
            int ok[] = {j - 1, j};
            int got = check_after_cut(&r, ok, 2, what);
            if (got == j)
                kept_in_flight++;
            else
                lost_in_flight++;
        }
    }
    print_message("%ld cuts: the unacknowledged write in flight was kept whole %ld times, "
                  "gone whole %ld times\n",
                  total_calls, kept_in_flight, lost_in_flight);
}

static void test_cut_inside_writes(void **state)
{
    (void)state;
    static const int none[] = {0};
    cut_everywhere(none, 1);
}

static void test_cut_inside_writes_partial_writeback(void **state)
{
    (void)state;
    static const int some[] = {500, 900, 1000};
    cut_everywhere(some, 3);
}

/* Rows of table t (a raw connection through powervfs) after `rows`
 * autocommit inserts and a cut. */
static long raw_rows_after_cut(const char *sync_mode, int rows)
{
    char path[PATH_MAX + 16], sql[128];
    struct run r;
    new_run(&r);
    snprintf(path, sizeof path, "%s/raw.db", dir);
    powervfs_on();
    sqlite3 *db = NULL;
    assert_int_equal(
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "powervfs"),
        SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync_mode);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < rows; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d)", i);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK); /* acknowledged */
    }
    pv.dead = true;
    quiet_run();
    sqlite3_close(db);
    quiet_end();
    powervfs_cut(0, 0);
    char err[256];
    sqlite3 *raw = NULL;
    if (db_check(path, NULL, NULL, &raw, err, sizeof err) != 0)
        fail_msg("raw, synchronous=%s: %s", sync_mode, err);
    long n = db_int(raw, "SELECT count(*) FROM t");
    sqlite3_close(raw);
    return n < 0 ? 0 : n; /* no table at all: nothing kept */
}

/* The harness catches a missing fsync: synchronous=OFF (and NORMAL, which
 * in WAL mode syncs only at checkpoints) loses acknowledged rows under the
 * same cut that synchronous=FULL, the store's setting, survives. */
static void test_harness_catches_missing_fsync(void **state)
{
    (void)state;
    assert_int_equal(raw_rows_after_cut("FULL", 20), 20);
    long off = raw_rows_after_cut("OFF", 20);
    long normal = raw_rows_after_cut("NORMAL", 20);
    print_message("acknowledged rows that survived the cut, of 20: synchronous=OFF %ld, "
                  "NORMAL %ld, FULL 20\n",
                  off, normal);
    assert_true(off < 20);
    assert_true(normal < 20);
}

/* The same through the store: a disk that lies about fsync loses its
 * acknowledged writes, and the checks say so. */
static void test_harness_catches_lying_fsync(void **state)
{
    (void)state;
    struct run r;
    new_run(&r);
    powervfs_on();
    for (int k = 0; k <= 12; k++) {
        assert_int_equal(workload(&r, k), STORE_OK);
        pv.lying_sync = k >= 5; /* from write 6 on, nothing reaches the disk */
    }
    pv.dead = true;
    quiet_run();
    store_close(r.s);
    quiet_end();
    powervfs_cut(0, 0);
    char err[512];
    struct db_digest d;
    assert_int_equal(db_check(db_path(&r), NULL, &d, NULL, err, sizeof err), 0);
    assert_false(db_digest_equal(&d, &expect[12]));
    assert_true(db_digest_equal(&d, &expect[5]));
}

/* ---- concurrent writers: the grouped path ------------------------------------ */

enum { CW_THREADS = 6, CW_WRITES = 4, CW_PREFIX = 8 };

struct cw {
    struct run *r;
    int n;
    enum store_result res[CW_WRITES];
    atomic_int done;
    pthread_t th;
};

static long cw_day(int n, int k)
{
    return DAY0 + 10 + n * CW_WRITES + k;
}

static void *cw_run(void *arg)
{
    struct cw *w = arg;
    for (int k = 0; k < CW_WRITES; k++)
        w->res[k] = checkin(w->r, "d-1", (w->n & 1) ? "u-b" : "u-a", cw_day(w->n, k),
                            (unsigned)(1000 + w->n * 10 + k), 64);
    atomic_store(&w->done, 1);
    return NULL;
}

/* Writes 1..CW_PREFIX of the workload, then CW_THREADS threads writing
 * check-ins at once, the first COMMIT held until the others queue (so the
 * next is a group of CW_THREADS - 1); the power goes out at mutating call
 * `cut` of that phase (0: never) and keep_permille of the unsynced writes
 * survive. Returns how many acknowledged check-ins are missing afterwards,
 * and in *acked how many there were; the file must be sound. */
static long concurrent_cut(long cut, int keep_permille, bool lying, long *acked, long *calls,
                           uint64_t *grouped)
{
    struct run r;
    new_run(&r);
    powervfs_on();
    for (int k = 0; k <= CW_PREFIX; k++)
        if (workload(&r, k) != STORE_OK)
            fail_msg("write %d fails before the concurrent phase", k);
    struct store_stats a, b;
    store_stats_read(&a);
    long base = pv.calls;
    pv.countdown = cut > 0 ? base + cut : 0;
    pv.lying_sync = lying;
    atomic_store(&pv_gate_waiters, CW_THREADS - 1);
    atomic_store(&pv_gate_entered, 0);
    atomic_store(&pv_gate_armed, 1);
    quiet_run();
    static struct cw w[CW_THREADS];
    /* The first writer alone until its COMMIT's fsync is held at the gate
     * (or it is done: a cut before that fsync), then the others, who queue
     * behind it. Started all at once, they could join the first group and
     * leave nobody to queue, and the gate would wait out its bound. */
    for (int i = 0; i < CW_THREADS; i++) {
        w[i] = (struct cw){.r = &r, .n = i};
        if (i == 1)
            while (!atomic_load(&pv_gate_entered) && !atomic_load(&w[0].done)) {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            }
        assert_int_equal(pthread_create(&w[i].th, NULL, cw_run, &w[i]), 0);
    }
    for (int i = 0; i < CW_THREADS; i++)
        pthread_join(w[i].th, NULL);
    atomic_store(&pv_gate_armed, 0);
    store_stats_read(&b);
    *calls = pv.calls - base;
    pv.dead = true;
    store_close(r.s);
    quiet_end();
    powervfs_cut(keep_permille, (uint64_t)cut);
    *grouped = b.commit_writes - a.commit_writes - (b.by_writes[0] - a.by_writes[0]);
    char err[512];
    sqlite3 *db = NULL;
    if (db_check(db_path(&r), NULL, NULL, &db, err, sizeof err) != 0)
        fail_msg("cut at call %ld of the concurrent phase: %s", cut, err);
    long missing = 0;
    *acked = 0;
    for (int i = 0; i < CW_THREADS; i++)
        for (int k = 0; k < CW_WRITES; k++) {
            if (w[i].res[k] != STORE_OK)
                continue;
            (*acked)++;
            char sql[128];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM checkins WHERE day = %ld",
                     cw_day(i, k));
            if (db_int(db, sql) != 1)
                missing++;
        }
    sqlite3_close(db);
    return missing;
}

/* Concurrent writers sharing commits: a cut at every mutating I/O call of
 * the phase (with none, half or all of the unsynced writes kept) loses no
 * acknowledged check-in, and the file is sound. */
static void test_concurrent_writers_cut_everywhere(void **state)
{
    (void)state;
    long acked, calls;
    uint64_t grouped;
    assert_int_equal(concurrent_cut(0, 0, false, &acked, &calls, &grouped), 0);
    assert_int_equal(acked, CW_THREADS * CW_WRITES);
    /* the gate made a group of CW_THREADS - 1 calls: at least those shared */
    assert_true(grouped >= CW_THREADS - 1);
    long total = calls, acked_sum = 0;
    uint64_t grouped_sum = 0;
    for (long n = 1; n <= total; n++) {
        int keep = (int)(n % 3) * 500;
        long missing = concurrent_cut(n, keep, false, &acked, &calls, &grouped);
        if (missing != 0)
            fail_msg("cut at call %ld of %ld (%d/1000 kept): %ld of %ld acknowledged check-ins "
                     "lost",
                     n, total, keep, missing, acked);
        acked_sum += acked;
        grouped_sum += grouped;
    }
    print_message("%ld cuts among %d concurrent writers: %ld acknowledged check-ins checked, "
                  "%llu of the writes committed in groups of two or more\n",
                  total, CW_THREADS, acked_sum, (unsigned long long)grouped_sum);
}

/* The negative control on the grouped path: a disk that fakes fsync loses
 * acknowledged check-ins of concurrent writers, and the check finds them. */
static void test_concurrent_harness_catches_lying_fsync(void **state)
{
    (void)state;
    long acked, calls;
    uint64_t grouped;
    long missing = concurrent_cut(0, 0, true, &acked, &calls, &grouped);
    print_message("fake fsync, concurrent writers: %ld of %ld acknowledged check-ins lost\n",
                  missing, acked);
    assert_int_equal(acked, CW_THREADS * CW_WRITES);
    assert_true(grouped >= CW_THREADS - 1);
    assert_int_equal(missing, acked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_harness_catches_missing_fsync),
        cmocka_unit_test(test_harness_catches_lying_fsync),
        cmocka_unit_test(test_cut_between_writes),
        cmocka_unit_test(test_cut_inside_writes),
        cmocka_unit_test(test_cut_inside_writes_partial_writeback),
        cmocka_unit_test(test_concurrent_harness_catches_lying_fsync),
        cmocka_unit_test(test_concurrent_writers_cut_everywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
