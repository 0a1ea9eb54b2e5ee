/*
 * fixture.h — the dyad application as the fuzz targets that go through
 * app_handle() see it: one app per process, set up the way src/cli/main.c
 * does it, over a fresh SQLite database in a temporary directory, with a
 * fixture of people already in it, and the invariants every response must
 * keep.
 *
 * The fixture: two members (A, B) paired in a couple dyad, a share by B, a
 * therapist (T) linked to the dyad with both members' consent, and a private
 * check-in T gave A. Inputs name its parts by placeholder rather than by
 * value, so an input found in one run means the same thing in the next (ids
 * and tokens are random):
 *
 *   $SESSION_A $CSRF_A $USER_A    member A's session cookie value, CSRF token, id
 *   $SESSION_B $CSRF_B $USER_B    member B
 *   $SESSION_T $CSRF_T $USER_T    the therapist
 *   $DYAD $SHARE $TCODE           the dyad, B's share, the therapist's code
 *   $TODAY $ORIGIN $KEY_A         the server's date, the public origin, A's auth_key
 *   $QID $PCHECK                  a questionnaire's id, A's private check-in
 *
 * Requests that would take the fixture apart (logging out, deleting the
 * account, changing the password or leaving the dyad with a fixture session)
 * are not run; ending the therapist link is run and the link restored. Every
 * 1,000 requests the whole database is put back as the fixture left it, so
 * what inputs add does not pile up over a long run.
 *
 * With DYAD_FUZZ_TRACE set in the environment, each request and its answer
 * is printed on stderr: the way to see what a corpus file does, e.g.
 *   DYAD_FUZZ_TRACE=1 build/fuzz/bin/fuzz_request tests/fuzz/corpus/fuzz_request/FILE...
 */
#ifndef DYAD_FUZZ_FIXTURE_H
#define DYAD_FUZZ_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "web/app.h"
#include "web/http.h"

/* The public URL the app is set up with; the cookie is then "dyad_session". */
#define FUZZ_ORIGIN "http://dyad.test"
/* The app answers /metrics to "Authorization: Bearer " this, and trusts
 * X-Forwarded-For (as behind a reverse proxy). */
#define FUZZ_METRICS_TOKEN "fuzz-metrics-token"
/* The peer address of fuzzed requests (the fixture's requests use another,
 * so the fuzzer's attempts and the fixture's count in different throttles). */
#define FUZZ_CLIENT_ADDR "192.0.2.1"

/* The app, set up on first call (from LLVMFuzzerInitialize); exits with a
 * message when it cannot be. A fixture step that fails is reported on stderr
 * and leaves its placeholders empty: fuzzing goes on with less reach. */
struct app *fixture_app(void);

/* s[0..len) with every known $PLACEHOLDER replaced, NUL-terminated, in the
 * arena; *outlen gets its length. *used_session is set when a fixture
 * session was put in. */
char *fixture_expand(struct arena *a, const char *s, size_t len, size_t *outlen,
                     bool *used_session);

/* Whether running req (with a fixture session in it) would take the
 * fixture apart: then the caller skips it. */
bool fixture_protected(const struct http_request *req);

/* Fills in what the HTTP adapter would (transport errors from
 * Content-Length and the body size, the client address), runs app_handle,
 * checks the response (fixture_check) and puts back what the request took
 * apart. */
void fixture_run(struct http_request *req, struct http_response *res);

/* The invariants of every response; abort() with the request on stderr
 * when one does not hold:
 *   - the status is 100-599, and the only 5xx is 503 (the store failing);
 *   - every response header has a name and a value, within the table;
 *   - the body is readable for body_len bytes;
 *   - a JSON body parses, and a JSON error is {"error":{"code":…,"message":…}};
 *   - an HTML body holds none of "<fuzz", "\"fuzz", "'fuzz" (inputs carry
 *     these markers; seen raw, request text escaped no element or attribute);
 *   - the security headers are there. */
void fixture_check(const struct http_request *req, const struct http_response *res);

#endif
