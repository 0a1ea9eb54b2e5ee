/*
 * sandbox.c — see sandbox.h.
 */
#include "cli/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANDBOX_SANITIZER 1
#else
#define SANDBOX_SANITIZER 0
#endif

/* ---- the SIGSYS report --------------------------------------------------------- */

/* Names of system calls by number, resolved before the filter is loaded
 * (libseccomp allocates; a signal handler must not). */
enum { NAMES_MAX = 512, NAME_LEN = 24 };
static char syscall_names[NAMES_MAX][NAME_LEN];

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
    while (*s && *n + 1 < cap)
        buf[(*n)++] = *s++;
}

static void on_sigsys(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int nr = info->si_syscall;
    char buf[160], digits[16];
    size_t n = 0, d = 0;
    unsigned u = nr < 0 ? 0u : (unsigned)nr;
    do {
        digits[d++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0 && d < sizeof digits);
    put_str(buf, &n, sizeof buf, "dyad: sandbox: forbidden system call ");
    put_str(buf, &n, sizeof buf,
            nr >= 0 && nr < NAMES_MAX && syscall_names[nr][0] ? syscall_names[nr] : "?");
    put_str(buf, &n, sizeof buf, " (");
    while (d > 0 && n + 1 < sizeof buf)
        buf[n++] = digits[--d];
    put_str(buf, &n, sizeof buf, "); stopping\n");
    ssize_t w = write(STDERR_FILENO, buf, n);
    (void)w;
    /* die of SIGSYS, as an unfiltered kill would, so it shows in the exit */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(sig, &dfl, NULL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    pthread_sigmask(SIG_UNBLOCK, &only, NULL);
    raise(sig);
    /* cppcheck takes raise() for noreturn; it returns when SIGSYS stays
     * blocked or ignored, and then this still ends the process */
    // cppcheck-suppress unreachableCode
    _exit(128 + sig);
}

/* ---- seccomp ---------------------------------------------------------------------- */

/* What a dyad server calls after start-up: files in its directories, its
 * sockets (and libpq's, libcurl's, and a resolver's), threads, memory,
 * time, signals. */
static const char *const allowed[] = {
    /* files */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "close",
    "open",
    "openat",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "fstatfs",
    "statfs",
    "lseek",
    "fcntl",
    "flock",
    "fsync",
    "fdatasync",
    "ftruncate",
    "fallocate",
    "fadvise64",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "getdents",
    "getdents64",
    "readlink",
    "readlinkat",
    "access",
    "faccessat",
    "faccessat2",
    "getcwd",
    "fchmod",
    "fchown",
    "umask",
    "ioctl",
    "dup",
    "dup2",
    "dup3",
    "pipe",
    "pipe2",
    /* sockets */
    "accept",
    "accept4",
    "connect",
    "bind",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
    "shutdown",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "eventfd",
    "eventfd2",
    /* memory */
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "mlock",
    "mlock2",
    "munlock",
    "mincore",
    "membarrier",
    /* threads and time */
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "set_tid_address",
    "exit",
    "exit_group",
    "sched_yield",
    "sched_getaffinity",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    /* identity and limits */
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getrandom",
    "uname",
    "prctl",
    "arch_prctl",
    "getrlimit",
    "prlimit64",
    "getrusage",
    "sysinfo",
    "times",
    "getcpu",
    /* signals */
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigtimedwait",
    "rt_sigpending",
    "sigaltstack",
    "tgkill",
    "tkill",
    "restart_syscall",
};

/* Sanitizer runtimes: LeakSanitizer stops the world at exit with a helper
 * that ptraces the process's own threads (GCC's runtime symbolizes with
 * libbacktrace, in process: no exec is needed). */
static const char *const allowed_sanitizer[] = {"ptrace", "wait4", "waitid", "kill"};

static int seccomp_install(char *err, size_t errlen)
{
    for (int nr = 0; nr < NAMES_MAX; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (name != NULL) {
            snprintf(syscall_names[nr], NAME_LEN, "%s", name);
            free(name);
        }
    }
    struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        snprintf(err, errlen, "cannot catch SIGSYS: %s", strerror(errno));
        return -1;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0]; i++) {
        int nr = seccomp_syscall_resolve_name(allowed[i]);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    for (size_t i = 0;
         SANDBOX_SANITIZER && rc == 0 && i < sizeof allowed_sanitizer / sizeof allowed_sanitizer[0];
         i++) {
        int nr = seccomp_syscall_resolve_name(allowed_sanitizer[i]);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    /* Sockets of the kinds a server, libpq and a resolver open, nothing
     * else (no raw or packet sockets). */
    static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
    for (size_t i = 0; rc == 0 && i < sizeof families / sizeof families[0]; i++) {
        /* every field named: SCMP_A0 with one datum leaves datum_b implicit,
         * which clang's -Wmissing-field-initializers refuses (fuzz build) */
        const struct scmp_arg_cmp family = {
            .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)families[i], .datum_b = 0};
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, family);
    }
    /* socketpair, local only: libcurl wakes its resolver thread and its
     * multi handle through one (Web Push, src/notify/push.c) */
    if (rc == 0) {
        const struct scmp_arg_cmp local = {
            .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)AF_UNIX, .datum_b = 0};
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1, local);
    }
    /* Threads, not processes: clone only with CLONE_THREAD (sanitizer
     * builds: any clone). clone3 answers ENOSYS, so the C library falls back
     * to clone, whose flags can be checked. */
    if (rc == 0) {
        if (SANDBOX_SANITIZER)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
        else
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, (scmp_datum_t)CLONE_THREAD,
                                          (scmp_datum_t)CLONE_THREAD));
    }
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(err, errlen, "cannot load the seccomp filter: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

/* ---- Landlock ------------------------------------------------------------------------ */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

static int ll_create(const struct landlock_ruleset_attr *attr, size_t size, uint32_t flags)
{
    return (int)syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

/* Allows `access` beneath path (a directory or a file). */
static int ll_allow(int ruleset, const char *path, uint64_t access)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
    int r = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    close(fd);
    return r;
}

/* The directory a file is in, resolved (the file need not exist). */
static int parent_dir(const char *file, char *out, size_t outlen)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", file);
    char *dir = dirname(copy);
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL)
        return -1;
    snprintf(out, outlen, "%s", real);
    return 0;
}

static int landlock_install(const struct app_config *cfg, int *in_force, char *err, size_t errlen)
{
    *in_force = 0;
    int abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1)
        return 0; /* not in this kernel, or turned off: seccomp still applies */
    uint64_t write_rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                            LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                            LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                            LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                            LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        write_rights |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        write_rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
    /* Executing is handled too, and allowed nowhere. */
    uint64_t handled = write_rights | LANDLOCK_ACCESS_FS_EXECUTE;
    struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
    int rs = ll_create(&attr, sizeof attr, 0);
    if (rs < 0) {
        snprintf(err, errlen, "landlock: cannot make a ruleset: %s", strerror(errno));
        return -1;
    }
    char dir[PATH_MAX];
    int rc = 0;
    /* the database's directory: the file, its WAL and shared memory, the lock */
    if (strncmp(cfg->db_url, "sqlite:", 7) == 0) {
        if (parent_dir(cfg->db_url + 7, dir, sizeof dir) != 0 ||
            ll_allow(rs, dir,
                     write_rights & ~(uint64_t)(LANDLOCK_ACCESS_FS_MAKE_CHAR |
                                                LANDLOCK_ACCESS_FS_MAKE_BLOCK)) != 0) {
            snprintf(err, errlen, "landlock: cannot allow the database directory: %s",
                     strerror(errno));
            rc = -1;
        }
    }
    /* the log file's directory: a rotated log is made anew there */
    if (rc == 0 && cfg->log_file[0] != '\0' &&
        (parent_dir(cfg->log_file, dir, sizeof dir) != 0 ||
         ll_allow(rs, dir,
                  LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
                      (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0)) != 0)) {
        snprintf(err, errlen, "landlock: cannot allow the log directory: %s", strerror(errno));
        rc = -1;
    }
    /* writing to /dev/null is harmless and some libraries expect it */
    if (rc == 0)
        ll_allow(rs, "/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE);
    if (rc == 0 && syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
        snprintf(err, errlen, "landlock: cannot restrict: %s", strerror(errno));
        rc = -1;
    }
    close(rs);
    if (rc == 0)
        *in_force = abi;
    return rc;
}

/* ---- the whole ---------------------------------------------------------------------- */

int sandbox_apply(const struct app_config *cfg, int *landlock, char *err, size_t errlen)
{
    int ll = 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    if (landlock_install(cfg, &ll, err, errlen) != 0)
        return -1;
    if (seccomp_install(err, errlen) != 0)
        return -1;
    if (landlock != NULL)
        *landlock = ll;
    return 0;
}

void sandbox_test_probe(void)
{
#ifdef DYAD_TEST_HOOKS
    const char *probe = getenv("DYAD_TEST_SANDBOX");
    if (probe == NULL || *probe == '\0')
        return;
    fprintf(stderr, "dyad: test probe: %s\n", probe);
    if (strcmp(probe, "mount") == 0) {
        mount("none", "/mnt", "tmpfs", 0, NULL);
    } else if (strcmp(probe, "execve") == 0) {
        char *const argv[] = {"/bin/true", NULL};
        execve("/bin/true", argv, environ);
    } else if (strncmp(probe, "write:", 6) == 0) {
        int fd = open(probe + 6, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        fprintf(stderr, "dyad: test probe: writing %s: %s\n", probe + 6,
                fd >= 0 ? "allowed" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    fprintf(stderr, "dyad: test probe: %s returned: %s\n", probe, strerror(errno));
#endif
}
