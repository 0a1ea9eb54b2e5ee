/*
 * sandbox.h — what `dyad serve` gives up once it has started (Linux).
 *
 * After the configuration, the secret, the data files and the database are
 * open and the socket is listening, but before any worker thread runs:
 *
 *   1. no new privileges (PR_SET_NO_NEW_PRIVS): nothing executed later could
 *      gain any;
 *   2. Landlock, where the kernel has it: nothing is writable but the
 *      database's directory (and the log file's, when there is one), and
 *      nothing can be executed; reading stays open (the resources and
 *      prompt files are reread on SIGHUP);
 *   3. a seccomp allowlist (libseccomp) of the system calls a server of
 *      this kind makes — files, sockets, threads, memory, time, signals.
 *      Anything else (execve, ptrace, mount, bpf, module loading, setuid,
 *      fork, …) is never executed: the kernel stops the call with SIGSYS,
 *      dyad logs "dyad: sandbox: forbidden system call NAME (NR)" and dies
 *      of SIGSYS, so an unexpected call fails loudly and names itself.
 *
 * Sanitizer builds also allow what LeakSanitizer needs at exit (any clone,
 * and ptrace and wait of the process's own threads). `sandbox = no` turns
 * all of it off.
 */
#ifndef DYAD_SANDBOX_H
#define DYAD_SANDBOX_H

#include <stddef.h>

#include "web/app.h"

/* Applies the three steps for cfg. 0, or -1 with the reason in err (the
 * caller stops: a sandbox asked for and not had is an error). Landlock
 * missing from the kernel is not an error; *landlock says whether it is in
 * force (may be NULL). */
int sandbox_apply(const struct app_config *cfg, int *landlock, char *err, size_t errlen);

/* Test builds only (DYAD_TEST_HOOKS): when DYAD_TEST_SANDBOX names a probe
 * ("mount", "execve" or "write:PATH"), makes that forbidden call, so a test
 * can see the sandbox stop it. A no-op in release builds. */
void sandbox_test_probe(void);

#endif
