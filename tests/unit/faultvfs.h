/*
 * faultvfs.h — fault injection for the store tests, header-only (the
 * Makefile builds each tests/unit/test_*.c alone, so the shim lives here as
 * static functions).
 *
 *   faultvfs  a SQLite VFS that wraps the real default one and fails the Nth
 *             xRead / xWrite / xSync / xTruncate / xFileSize / xLock call
 *             (counted together, or any subset) with the matching
 *             SQLITE_IOERR_* code — once, or that call and every one after
 *             it (a disk that has gone away).
 *   faultmem  sqlite3_config(SQLITE_CONFIG_MALLOC) methods around the default
 *             allocator that fail the Nth xMalloc / xRealloc, once or from
 *             then on.
 *   checks    what a test asks of a database file afterwards, through a plain
 *             connection on the "unix" VFS: PRAGMA integrity_check is "ok",
 *             no foreign key points nowhere, and a digest of every row of
 *             every table (to say "exactly the state before" or "exactly the
 *             state after", never something in between).
 *
 * Use: faultmem_install() first (it restarts SQLite to change allocators),
 * then faultvfs_install() (registers the shim as the default VFS), then
 * store_open(). Only one thread may run while a fault is armed.
 */
#ifndef DYAD_TEST_FAULTVFS_H
#define DYAD_TEST_FAULTVFS_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sqlite3.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the VFS shim ---------------------------------------------------------- */

enum faultvfs_op {
    FAULTVFS_READ,
    FAULTVFS_WRITE,
    FAULTVFS_SYNC,
    FAULTVFS_TRUNCATE,
    FAULTVFS_FILESIZE,
    FAULTVFS_LOCK,
    FAULTVFS_OP__MAX
};
#define FAULTVFS_ALL ((1u << FAULTVFS_OP__MAX) - 1)

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    unsigned mask;   /* which calls count */
    long countdown;  /* 0: disarmed; else the counted call that fails */
    bool persistent; /* fail that call and every counted call after it */
    int write_error; /* 0, or the code a failing xWrite returns (SQLITE_FULL) */
    long calls;      /* counted calls since armed */
    long injected;   /* failures returned since armed */
    /* called first in every xSync (any thread); a code other than
     * SQLITE_OK is returned as the sync's result */
    int (*before_sync)(void);
} faultvfs;

struct faultvfs_file {
    sqlite3_file base;
    sqlite3_file *real; /* right behind this struct, faultvfs.real->szOsFile bytes */
};

static bool faultvfs_hit(enum faultvfs_op op)
{
    if (faultvfs.countdown == 0 || (faultvfs.mask & (1u << op)) == 0)
        return false;
    faultvfs.calls++;
    if (faultvfs.calls == faultvfs.countdown ||
        (faultvfs.persistent && faultvfs.calls > faultvfs.countdown)) {
        faultvfs.injected++;
        return true;
    }
    return false;
}

static sqlite3_file *fv_real(sqlite3_file *f)
{
    return ((struct faultvfs_file *)f)->real;
}

static int fv_close(sqlite3_file *f)
{
    return fv_real(f)->pMethods->xClose(fv_real(f));
}

static int fv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    if (faultvfs_hit(FAULTVFS_READ))
        return SQLITE_IOERR_READ;
    return fv_real(f)->pMethods->xRead(fv_real(f), buf, amt, off);
}

static int fv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    if (faultvfs_hit(FAULTVFS_WRITE))
        return faultvfs.write_error != 0 ? faultvfs.write_error : SQLITE_IOERR_WRITE;
    return fv_real(f)->pMethods->xWrite(fv_real(f), buf, amt, off);
}

static int fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (faultvfs_hit(FAULTVFS_TRUNCATE))
        return SQLITE_IOERR_TRUNCATE;
    return fv_real(f)->pMethods->xTruncate(fv_real(f), size);
}

static int fv_sync(sqlite3_file *f, int flags)
{
    if (faultvfs.before_sync != NULL) {
        int rc = faultvfs.before_sync();
        if (rc != SQLITE_OK)
            return rc;
    }
    if (faultvfs_hit(FAULTVFS_SYNC))
        return SQLITE_IOERR_FSYNC;
    return fv_real(f)->pMethods->xSync(fv_real(f), flags);
}

static int fv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    if (faultvfs_hit(FAULTVFS_FILESIZE))
        return SQLITE_IOERR_FSTAT;
    return fv_real(f)->pMethods->xFileSize(fv_real(f), size);
}

static int fv_lock(sqlite3_file *f, int lock)
{
    if (faultvfs_hit(FAULTVFS_LOCK))
        return SQLITE_IOERR_LOCK;
    return fv_real(f)->pMethods->xLock(fv_real(f), lock);
}

static int fv_unlock(sqlite3_file *f, int lock)
{
    return fv_real(f)->pMethods->xUnlock(fv_real(f), lock);
}

static int fv_check_reserved(sqlite3_file *f, int *out)
{
    return fv_real(f)->pMethods->xCheckReservedLock(fv_real(f), out);
}

static int fv_file_control(sqlite3_file *f, int op, void *arg)
{
    if (op == SQLITE_FCNTL_VFSNAME) {
        /* what the file reports is its own business; ours is the shim's */
        *(char **)arg = sqlite3_mprintf("%s", faultvfs.vfs.zName);
        return *(char **)arg != NULL ? SQLITE_OK : SQLITE_NOMEM;
    }
    return fv_real(f)->pMethods->xFileControl(fv_real(f), op, arg);
}

static int fv_sector_size(sqlite3_file *f)
{
    return fv_real(f)->pMethods->xSectorSize(fv_real(f));
}

static int fv_device_characteristics(sqlite3_file *f)
{
    return fv_real(f)->pMethods->xDeviceCharacteristics(fv_real(f));
}

static int fv_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
    return fv_real(f)->pMethods->xShmMap(fv_real(f), region, size, extend, p);
}

static int fv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return fv_real(f)->pMethods->xShmLock(fv_real(f), offset, n, flags);
}

static void fv_shm_barrier(sqlite3_file *f)
{
    fv_real(f)->pMethods->xShmBarrier(fv_real(f));
}

static int fv_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return fv_real(f)->pMethods->xShmUnmap(fv_real(f), delete_flag);
}

/* Version 2: no xFetch, so every page read goes through xRead (and its
 * faults) instead of a memory map. */
static const sqlite3_io_methods fv_io = {
    .iVersion = 2,
    .xClose = fv_close,
    .xRead = fv_read,
    .xWrite = fv_write,
    .xTruncate = fv_truncate,
    .xSync = fv_sync,
    .xFileSize = fv_file_size,
    .xLock = fv_lock,
    .xUnlock = fv_unlock,
    .xCheckReservedLock = fv_check_reserved,
    .xFileControl = fv_file_control,
    .xSectorSize = fv_sector_size,
    .xDeviceCharacteristics = fv_device_characteristics,
    .xShmMap = fv_shm_map,
    .xShmLock = fv_shm_lock,
    .xShmBarrier = fv_shm_barrier,
    .xShmUnmap = fv_shm_unmap,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    struct faultvfs_file *ff = (struct faultvfs_file *)f;
    ff->real = (sqlite3_file *)&ff[1];
    memset(ff->real, 0, (size_t)faultvfs.real->szOsFile);
    int rc = faultvfs.real->xOpen(faultvfs.real, name, ff->real, flags, out_flags);
    ff->base.pMethods = ff->real->pMethods != NULL ? &fv_io : NULL;
    return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return faultvfs.real->xDelete(faultvfs.real, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return faultvfs.real->xAccess(faultvfs.real, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return faultvfs.real->xFullPathname(faultvfs.real, name, n, out);
}

static void *fv_dl_open(sqlite3_vfs *vfs, const char *path)
{
    (void)vfs;
    return faultvfs.real->xDlOpen(faultvfs.real, path);
}

static void fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    faultvfs.real->xDlError(faultvfs.real, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return faultvfs.real->xDlSym(faultvfs.real, h, sym);
}

static void fv_dl_close(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    faultvfs.real->xDlClose(faultvfs.real, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return faultvfs.real->xRandomness(faultvfs.real, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return faultvfs.real->xSleep(faultvfs.real, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return faultvfs.real->xCurrentTime(faultvfs.real, out);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return faultvfs.real->xGetLastError(faultvfs.real, n, out);
}

static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return faultvfs.real->xCurrentTimeInt64(faultvfs.real, out);
}

/* Wraps the current default VFS and registers the shim as the default. */
static inline void faultvfs_install(void)
{
    if (faultvfs.real != NULL)
        return;
    sqlite3_initialize();
    faultvfs.real = sqlite3_vfs_find(NULL);
    sqlite3_vfs *v = &faultvfs.vfs;
    memset(v, 0, sizeof *v);
    v->iVersion = 2;
    v->szOsFile = (int)sizeof(struct faultvfs_file) + faultvfs.real->szOsFile;
    v->mxPathname = faultvfs.real->mxPathname;
    v->zName = "faultvfs";
    v->xOpen = fv_open;
    v->xDelete = fv_delete;
    v->xAccess = fv_access;
    v->xFullPathname = fv_full_pathname;
    v->xDlOpen = fv_dl_open;
    v->xDlError = fv_dl_error;
    v->xDlSym = fv_dl_sym;
    v->xDlClose = fv_dl_close;
    v->xRandomness = fv_randomness;
    v->xSleep = fv_sleep;
    v->xCurrentTime = fv_current_time;
    v->xGetLastError = fv_last_error;
    v->xCurrentTimeInt64 = fv_current_time64;
    sqlite3_vfs_register(v, 1);
}

/* From now on, counted call number n (1-based; counting only the calls in
 * mask) fails; with persistent, every counted call after it fails too. */
static inline void faultvfs_arm(unsigned mask, long n, bool persistent, int write_error)
{
    faultvfs.mask = mask;
    faultvfs.countdown = n;
    faultvfs.persistent = persistent;
    faultvfs.write_error = write_error;
    faultvfs.calls = 0;
    faultvfs.injected = 0;
}

/* Stops failing; returns how many failures were injected since armed. */
static inline long faultvfs_disarm(void)
{
    long n = faultvfs.injected;
    faultvfs.countdown = 0;
    faultvfs.injected = 0;
    return n;
}

/* ---- the failing allocator ----------------------------------------------- */

static struct {
    sqlite3_mem_methods real;
    long countdown;
    bool persistent;
    long calls;
    long injected;
} faultmem;

static bool faultmem_hit(void)
{
    if (faultmem.countdown == 0)
        return false;
    faultmem.calls++;
    if (faultmem.calls == faultmem.countdown ||
        (faultmem.persistent && faultmem.calls > faultmem.countdown)) {
        faultmem.injected++;
        return true;
    }
    return false;
}

static void *fm_malloc(int n)
{
    return faultmem_hit() ? NULL : faultmem.real.xMalloc(n);
}

static void fm_free(void *p)
{
    faultmem.real.xFree(p);
}

static void *fm_realloc(void *p, int n)
{
    return faultmem_hit() ? NULL : faultmem.real.xRealloc(p, n);
}

static int fm_size(void *p)
{
    return faultmem.real.xSize(p);
}

static int fm_roundup(int n)
{
    return faultmem.real.xRoundup(n);
}

static int fm_init(void *app)
{
    (void)app;
    return faultmem.real.xInit(faultmem.real.pAppData);
}

static void fm_shutdown(void *app)
{
    (void)app;
    faultmem.real.xShutdown(faultmem.real.pAppData);
}

/* Puts the failing allocator under SQLite. Must run before any connection
 * exists: SQLite only takes new allocator methods while shut down. */
static inline void faultmem_install(void)
{
    static const sqlite3_mem_methods methods = {
        fm_malloc, fm_free, fm_realloc, fm_size, fm_roundup, fm_init, fm_shutdown, NULL,
    };
    if (faultmem.real.xMalloc != NULL)
        return;
    /* initialise once so the default methods are filled in, then read them */
    if (sqlite3_initialize() != SQLITE_OK || sqlite3_shutdown() != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_GETMALLOC, &faultmem.real) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK ||
        sqlite3_initialize() != SQLITE_OK) {
        fprintf(stderr, "faultmem: cannot install the allocator\n");
        abort();
    }
}

static inline void faultmem_arm(long n, bool persistent)
{
    faultmem.countdown = n;
    faultmem.persistent = persistent;
    faultmem.calls = 0;
    faultmem.injected = 0;
}

static inline long faultmem_disarm(void)
{
    long n = faultmem.injected;
    faultmem.countdown = 0;
    faultmem.injected = 0;
    return n;
}

/* ---- quiet ------------------------------------------------------------------ */

/* The store says "commit failed" on stderr each time, which under injected
 * faults makes thousands of lines. While quiet, the stderr stream goes to a
 * file (glibc documents stdin, stdout and stderr as variables one may set);
 * file descriptor 2 is left alone, so sanitizer reports still reach the
 * terminal. Nothing that reports a test failure may run while quiet. */
static FILE *quiet_real;

static inline void quiet_begin(const char *log)
{
    FILE *f = fopen(log, "a");
    if (f == NULL || quiet_real != NULL) {
        if (f != NULL)
            fclose(f);
        return;
    }
    fflush(stderr);
    quiet_real = stderr;
    stderr = f;
}

static inline void quiet_end(void)
{
    if (quiet_real == NULL)
        return;
    fclose(stderr);
    stderr = quiet_real;
    quiet_real = NULL;
}

/* ---- files and directories ----------------------------------------------- */

/* A new empty directory (path has PATH_MAX bytes): under $TMPDIR when set,
 * else in /dev/shm when there is one (these tests simulate the disk, so a
 * real fsync only costs time), else /tmp. */
static inline void fault_tmpdir(char *path, const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, PATH_MAX, "%s/dyad-%s-XXXXXX", base, tag);
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "mkdtemp %s: %s\n", path, strerror(errno));
        abort();
    }
}

static int fault_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void fault_rmtree(const char *path)
{
    nftw(path, fault_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Copies src to dst; a missing src is not an error (nothing is copied). */
static inline void fault_copy(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (in == NULL)
        return;
    FILE *out = fopen(dst, "wb");
    if (out == NULL) {
        fprintf(stderr, "cannot create %s: %s\n", dst, strerror(errno));
        abort();
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n)
            abort();
    }
    fclose(in);
    if (fclose(out) != 0)
        abort();
}

/* The size of path in bytes, -1 when it does not exist. */
static inline long fault_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The whole of path in a malloc'd buffer (NULL when missing); its length in *len. */
static inline unsigned char *fault_read_file(const char *path, size_t *len)
{
    *len = 0;
    long size = fault_file_size(path);
    FILE *f = size >= 0 ? fopen(path, "rb") : NULL;
    if (f == NULL)
        return NULL;
    unsigned char *buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
        abort();
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* ---- checks on a database file -------------------------------------------- */

enum { DIGEST_TABLES = 64, DIGEST_NAME = 48 };

/* One hash per table over its rows (in any order), plus the row count.
 * Tables named in `skip` (comma-separated) are left out. */
struct db_digest {
    size_t n;
    char name[DIGEST_TABLES][DIGEST_NAME];
    long rows[DIGEST_TABLES];
    unsigned char hash[DIGEST_TABLES][32];
};

static void digest_value(crypto_generichash_state *h, sqlite3_stmt *st, int i)
{
    unsigned char type = (unsigned char)sqlite3_column_type(st, i);
    crypto_generichash_update(h, &type, 1);
    if (type == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(st, i);
        crypto_generichash_update(h, (const unsigned char *)&v, sizeof v);
    } else if (type == SQLITE_FLOAT) {
        double v = sqlite3_column_double(st, i);
        crypto_generichash_update(h, (const unsigned char *)&v, sizeof v);
    } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
        const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i)
                                            : sqlite3_column_blob(st, i);
        sqlite3_int64 n = sqlite3_column_bytes(st, i);
        crypto_generichash_update(h, (const unsigned char *)&n, sizeof n);
        if (n > 0)
            crypto_generichash_update(h, p, (unsigned long long)n);
    }
}

/* 0 on success; on failure a message in err. */
static int db_digest_conn(sqlite3 *db, const char *skip, struct db_digest *d, char *err,
                          size_t errlen)
{
    memset(d, 0, sizeof *d);
    sqlite3_stmt *tables = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                           "LIKE 'sqlite_%' ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "listing tables: %s", sqlite3_errmsg(db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(tables)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        char quoted[DIGEST_NAME + 2];
        snprintf(quoted, sizeof quoted, ",%s,", name);
        char skips[256];
        snprintf(skips, sizeof skips, ",%s,", skip != NULL ? skip : "");
        if (strstr(skips, quoted) != NULL)
            continue;
        if (d->n == DIGEST_TABLES) {
            snprintf(err, errlen, "more than %d tables", DIGEST_TABLES);
            sqlite3_finalize(tables);
            return -1;
        }
        size_t t = d->n++;
        snprintf(d->name[t], DIGEST_NAME, "%s", name);
        /* rows in any order: each row is hashed alone and the row hashes
         * are added up (as four 64-bit lanes), so the digest depends on the
         * rows, not on their rowids or the order they were written in */
        char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
        sqlite3_stmt *st = NULL;
        int prc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
        sqlite3_free(q);
        if (prc != SQLITE_OK) {
            snprintf(err, errlen, "reading %s: %s", name, sqlite3_errmsg(db));
            sqlite3_finalize(tables);
            return -1;
        }
        int ncol = sqlite3_column_count(st);
        uint64_t sum[4] = {0, 0, 0, 0};
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            crypto_generichash_state h;
            unsigned char row[32];
            crypto_generichash_init(&h, NULL, 0, sizeof row);
            for (int i = 0; i < ncol; i++)
                digest_value(&h, st, i);
            crypto_generichash_final(&h, row, sizeof row);
            for (int l = 0; l < 4; l++) {
                uint64_t v;
                memcpy(&v, row + 8 * l, sizeof v);
                sum[l] += v;
            }
            d->rows[t]++;
        }
        sqlite3_finalize(st);
        memcpy(d->hash[t], sum, sizeof sum);
        if (src != SQLITE_DONE) {
            snprintf(err, errlen, "reading %s: %s", name, sqlite3_errstr(src));
            sqlite3_finalize(tables);
            return -1;
        }
    }
    sqlite3_finalize(tables);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "listing tables: %s", sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

/* NULL when equal, else the name of the first table that differs. */
static inline const char *db_digest_diff(const struct db_digest *a, const struct db_digest *b)
{
    if (a->n != b->n)
        return "(the list of tables)";
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->name[i], b->name[i]) != 0)
            return a->name[i];
        if (a->rows[i] != b->rows[i] || memcmp(a->hash[i], b->hash[i], sizeof a->hash[i]) != 0)
            return a->name[i];
    }
    return NULL;
}

static inline bool db_digest_equal(const struct db_digest *a, const struct db_digest *b)
{
    return db_digest_diff(a, b) == NULL;
}

/* Runs a query that returns one integer. */
static inline long db_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Opens path on the plain "unix" VFS (read-write, so a WAL left behind is
 * recovered as the server itself would) and checks it: integrity_check is
 * "ok" and foreign_key_check finds nothing. With d, also its digest. 0 when
 * sound; else a message in err. When db_out is not NULL the connection is
 * left open there for more queries (the caller closes it). */
static inline int db_check(const char *path, const char *skip, struct db_digest *d,
                           sqlite3 **db_out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %.200s: %s", path,
                 db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return -1;
    }
    int ret = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "integrity_check: %s", sqlite3_errmsg(db));
        goto done;
    }
    int rc = sqlite3_step(st);
    const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (first == NULL || strcmp(first, "ok") != 0) {
        snprintf(err, errlen, "integrity_check: %s", first != NULL ? first : sqlite3_errstr(rc));
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "foreign_key_check: %s", sqlite3_errmsg(db));
        goto done;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(err, errlen, "foreign_key_check: a row of %s points to a missing %s row",
                 (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 2));
        goto done;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "foreign_key_check: %s", sqlite3_errstr(rc));
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (d != NULL && db_digest_conn(db, skip, d, err, errlen) != 0)
        goto done;
    ret = 0;
done:
    sqlite3_finalize(st);
    if (ret == 0 && db_out != NULL)
        *db_out = db;
    else
        sqlite3_close(db);
    return ret;
}

/* Only the digest of path (no integrity checks): for a second look at a
 * file whose soundness another check covers. */
static inline int db_digest_file(const char *path, const char *skip, struct db_digest *d, char *err,
                                 size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %.200s: %s", path,
                 db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return -1;
    }
    int ret = db_digest_conn(db, skip, d, err, errlen);
    sqlite3_close(db);
    return ret;
}

#endif
