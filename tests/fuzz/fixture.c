/*
 * fixture.c — see fixture.h: the app and its fixture, set up once per
 * fuzzing process, and the checks on every response.
 *
 * The fixture is made through app_handle() itself (register, log in, create
 * and join a dyad, share, set up and link a therapist), so it exercises the
 * same code the fuzzer then pounds on, and needs nothing of the store's
 * private shape — only store_therapist_invite(), which `dyad therapist add`
 * calls in the same way.
 */
#include "fixture.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/embedded.h"
#include "core/questionnaire.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"

enum { FIX_CAP = 128 };

/* The fixture's values, by placeholder name. */
enum fix_slot {
    FIX_SESSION_A,
    FIX_CSRF_A,
    FIX_USER_A,
    FIX_SESSION_B,
    FIX_CSRF_B,
    FIX_USER_B,
    FIX_SESSION_T,
    FIX_CSRF_T,
    FIX_USER_T,
    FIX_DYAD,
    FIX_SHARE,
    FIX_TCODE,
    FIX_TODAY,
    FIX_ORIGIN,
    FIX_KEY_A,
    FIX_QID,
    FIX_PCHECK,
    FIX__MAX
};

static const char *const fix_names[FIX__MAX] = {
    [FIX_SESSION_A] = "SESSION_A", [FIX_CSRF_A] = "CSRF_A",
    [FIX_USER_A] = "USER_A",       [FIX_SESSION_B] = "SESSION_B",
    [FIX_CSRF_B] = "CSRF_B",       [FIX_USER_B] = "USER_B",
    [FIX_SESSION_T] = "SESSION_T", [FIX_CSRF_T] = "CSRF_T",
    [FIX_USER_T] = "USER_T",       [FIX_DYAD] = "DYAD",
    [FIX_SHARE] = "SHARE",         [FIX_TCODE] = "TCODE",
    [FIX_TODAY] = "TODAY",         [FIX_ORIGIN] = "ORIGIN",
    [FIX_KEY_A] = "KEY_A",         [FIX_QID] = "QID",
    [FIX_PCHECK] = "PCHECK",
};

static struct app *the_app;
static bool trace; /* DYAD_FUZZ_TRACE set: a line per request on stderr */
/* The database as make_fixture left it (in memory), put back every
 * FIXTURE_RESET_EVERY requests: what inputs add (audit entries, homework,
 * shares, sessions) would otherwise pile up over millions of runs, making
 * every later listing and export slower and a finding depend on all the
 * runs before it. */
enum { FIXTURE_RESET_EVERY = 1000 };
static sqlite3 *pristine;
static unsigned runs_since_reset;
static void snapshot_restore(void);
static char fix[FIX__MAX][FIX_CAP];
static char tmpdir[256];

/* ---- checks --------------------------------------------------------------- */

static volatile size_t sink; /* keeps the reads of fixture_check */

static void dump_request(const struct http_request *req)
{
    fprintf(stderr, "request: %s %s (body %zu bytes)\n", req->method, req->path, req->body_len);
    for (size_t i = 0; i < req->n_headers; i++)
        fprintf(stderr, "  header %s: %s\n", req->headers[i].key, req->headers[i].value);
    for (size_t i = 0; i < req->n_query; i++)
        fprintf(stderr, "  query %s=%s\n", req->query[i].key, req->query[i].value);
    if (req->body != NULL)
        fprintf(stderr, "  body: %.*s\n", (int)(req->body_len > 2000 ? 2000 : req->body_len),
                req->body);
}

__attribute__((noreturn)) static void violated(const struct http_request *req,
                                               const struct http_response *res, const char *what)
{
    fprintf(stderr, "\nfuzz invariant violated: %s\n", what);
    dump_request(req);
    fprintf(stderr, "response: %d %s\n", res->status,
            res->content_type != NULL ? res->content_type : "(no type)");
    if (res->body != NULL && res->body_len > 0)
        fprintf(stderr, "  body: %.*s\n", (int)(res->body_len > 2000 ? 2000 : res->body_len),
                (const char *)res->body);
    abort();
}

static bool has_header(const struct http_response *res, const char *name)
{
    for (size_t i = 0; i < res->n_headers; i++)
        if (strcasecmp(res->headers[i].key, name) == 0)
            return true;
    return false;
}

void fixture_check(const struct http_request *req, const struct http_response *res)
{
    if (res->status < 100 || res->status > 599)
        violated(req, res, "status outside 100-599");
    if (res->status >= 500 && res->status != 503)
        violated(req, res, "a 5xx other than 503 (bad input must be a 4xx)");
    if (res->n_headers > HTTP_MAX_RESPONSE_HEADERS)
        violated(req, res, "more response headers than the table holds");
    /* Read every byte of the headers and the body, so that ASan sees one
     * that points at freed memory (the adapter reads them after this). */
    for (size_t i = 0; i < res->n_headers; i++) {
        if (res->headers[i].key == NULL || res->headers[i].value == NULL)
            violated(req, res, "a response header without a name or a value");
        sink += strlen(res->headers[i].key) + strlen(res->headers[i].value);
    }
    if (res->body_len > 0 && res->body == NULL)
        violated(req, res, "body_len without a body");
    for (size_t i = 0; i < res->body_len; i++)
        sink += ((const unsigned char *)res->body)[i];
    if (!has_header(res, "X-Content-Type-Options") || !has_header(res, "Content-Security-Policy") ||
        !has_header(res, "Cross-Origin-Resource-Policy"))
        violated(req, res, "a security header is missing");
    /* documents (HTML, the service worker) carry the whole set */
    bool html = res->content_type != NULL && strncmp(res->content_type, "text/html", 9) == 0;
    if ((html || res->document) &&
        (!has_header(res, "X-Frame-Options") || !has_header(res, "Permissions-Policy") ||
         !has_header(res, "Referrer-Policy")))
        violated(req, res, "a document without the document headers");
    /* Input marked "<fuzz", "\"fuzz" or "'fuzz" must reach an HTML page
     * escaped: finding one means text from the request (or the store) broke
     * out of an element or attribute. A template's own attribute quote
     * followed by a value that begins "fuzz" (data-code="fuzzfuzz&#39;…",
     * from GET /join/fuzzfuzz%27…) is not that: a quote right after '=' is
     * the template's, and is skipped. (The blind spot: an unescaped `="fuzz`
     * in the input itself; the other two markers still catch a break-out.) */
    if (res->content_type != NULL && strncmp(res->content_type, "text/html", 9) == 0 &&
        res->body_len > 0) {
        static const char *const marks[] = {"<fuzz", "\"fuzz", "'fuzz"};
        const char *body = res->body;
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
            size_t ml = strlen(marks[i]);
            const char *p = body;
            size_t left = res->body_len;
            const char *hit;
            while ((hit = memmem(p, left, marks[i], ml)) != NULL) {
                if (i == 0 || hit == body || hit[-1] != '=')
                    violated(req, res, "request text in an HTML page, unescaped");
                left -= (size_t)(hit + 1 - p);
                p = hit + 1;
            }
        }
    }
    if (res->content_type != NULL && strncmp(res->content_type, "application/json", 16) == 0) {
        json_error_t jerr;
        json_t *j = json_loadb(res->body, res->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL)
            violated(req, res, "a JSON response that does not parse");
        if (res->status >= 400) {
            json_t *e = json_object_get(j, "error");
            if (!json_is_string(json_object_get(e, "code")) ||
                !json_is_string(json_object_get(e, "message")))
                violated(req, res, "a JSON error without error.code and error.message");
        }
        json_decref(j);
    }
}

/* ---- placeholders --------------------------------------------------------- */

char *fixture_expand(struct arena *a, const char *s, size_t len, size_t *outlen, bool *used_session)
{
    /* Two passes: measure, then copy. */
    char *out = NULL;
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (size_t i = 0; i < len;) {
            if (s[i] == '$') {
                size_t j = i + 1;
                while (j < len && ((s[j] >= 'A' && s[j] <= 'Z') || s[j] == '_'))
                    j++;
                int slot = -1;
                for (int k = 0; k < FIX__MAX; k++)
                    if (strlen(fix_names[k]) == j - i - 1 &&
                        memcmp(fix_names[k], s + i + 1, j - i - 1) == 0)
                        slot = k;
                if (slot >= 0) {
                    size_t vl = strlen(fix[slot]);
                    if (pass == 1)
                        memcpy(out + n, fix[slot], vl);
                    n += vl;
                    i = j;
                    if (used_session != NULL &&
                        (slot == FIX_SESSION_A || slot == FIX_SESSION_B || slot == FIX_SESSION_T))
                        *used_session = true;
                    continue;
                }
            }
            if (pass == 1)
                out[n] = s[i];
            n++;
            i++;
        }
        if (pass == 0) {
            out = arena_alloc(a, n + 1);
            if (out == NULL)
                return NULL;
        }
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

/* ---- running requests ----------------------------------------------------- */

static const struct route *route_of(const struct http_request *req)
{
    struct route_params p;
    bool known;
    return router_match(app_routes, app_routes_count, req->method, req->path, &p, &known);
}

bool fixture_protected(const struct http_request *req)
{
    const struct route *r = route_of(req);
    return r != NULL && (r->fn == h_auth_logout || r->fn == h_me_delete || r->fn == h_me_password ||
                         r->fn == h_dyad_leave);
}

/* What the adapter (http.c) derives from the request before the app sees it. */
static void transport(struct app *app, struct http_request *req)
{
    const char *first = NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].key, "Content-Length") != 0)
            continue;
        const char *v = req->headers[i].value;
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (*end == '\0' && n > app->cfg.max_body)
            req->transport_error = HTTP_TRANSPORT_TOO_LARGE;
        if (first == NULL)
            first = v;
        else if (strcmp(first, v) != 0 && req->transport_error == HTTP_TRANSPORT_OK)
            req->transport_error = HTTP_TRANSPORT_DUPLICATE_LENGTH;
    }
    if (req->body_len > app->cfg.max_body)
        req->transport_error = HTTP_TRANSPORT_TOO_LARGE;
    if (req->body_len == 0)
        req->body = NULL;
}

static void relink(void);

void fixture_run(struct http_request *req, struct http_response *res)
{
    struct app *app = fixture_app();
    if (++runs_since_reset >= FIXTURE_RESET_EVERY) {
        runs_since_reset = 0;
        snapshot_restore();
    }
    transport(app, req);
    if (req->client_addr == NULL)
        req->client_addr = FUZZ_CLIENT_ADDR;
    memset(res, 0, sizeof *res);
    res->status = 500; /* what the adapter starts with */
    app_handle(app, req, res);
    fixture_check(req, res);
    if (trace)
        fprintf(stderr, "%s %s -> %d %.*s\n", req->method, req->path, res->status,
                (int)(res->body_len > 300 ? 300 : res->body_len),
                res->body_len > 0 && res->content_type != NULL &&
                        strncmp(res->content_type, "application/json", 16) == 0
                    ? (const char *)res->body
                    : "");
    const struct route *r = route_of(req);
    if (r != NULL && r->fn == h_link_revoke && res->status == 204)
        relink();
}

/* ---- the fixture ---------------------------------------------------------- */

struct header_list {
    struct http_kv kv[4];
    size_t n;
};

/* One request from the fixture: body is taken (may be NULL); *out gets the
 * parsed JSON answer (or NULL). Returns the status. */
static int fx_call(const char *method, const char *path, const char *session, const char *csrf,
                   json_t *body, json_t **out, char *set_cookie, size_t set_cookie_len)
{
    struct arena *a = arena_new();
    if (a == NULL) {
        fprintf(stderr, "fuzz fixture: out of memory\n");
        exit(1);
    }
    struct header_list h = {.n = 0};
    h.kv[h.n++] = (struct http_kv){"Content-Type", "application/json"};
    h.kv[h.n++] = (struct http_kv){"User-Agent", "dyad-fuzz-fixture"};
    if (session != NULL && *session != '\0')
        h.kv[h.n++] =
            (struct http_kv){"Cookie", arena_printf(a, "%s=%s", the_app->cookie_name, session)};
    if (csrf != NULL && *csrf != '\0')
        h.kv[h.n++] = (struct http_kv){"X-CSRF-Token", csrf};
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct http_request req = {
        .method = method,
        .path = path,
        .headers = h.kv,
        .n_headers = h.n,
        .body = text != NULL ? arena_strdup(a, text) : NULL,
        .body_len = text != NULL ? strlen(text) : 0,
        .client_addr = "fixture",
        .arena = a,
    };
    free(text);
    struct http_response res = {.status = 500};
    app_handle(the_app, &req, &res);
    fixture_check(&req, &res);
    if (trace)
        fprintf(stderr, "fixture: %s %s -> %d\n", method, path, res.status);
    if (out != NULL) {
        json_error_t jerr;
        *out = res.body_len > 0 ? json_loadb(res.body, res.body_len, 0, &jerr) : NULL;
    }
    if (set_cookie != NULL) {
        set_cookie[0] = '\0';
        for (size_t i = 0; i < res.n_headers; i++) {
            const char *v = res.headers[i].value;
            size_t nl = strlen(the_app->cookie_name);
            if (strcasecmp(res.headers[i].key, "Set-Cookie") == 0 &&
                strncmp(v, the_app->cookie_name, nl) == 0 && v[nl] == '=')
                snprintf(set_cookie, set_cookie_len, "%.*s", (int)strcspn(v + nl + 1, ";"),
                         v + nl + 1);
        }
    }
    int status = res.status;
    if (status >= 400) {
        fprintf(stderr, "fuzz fixture: %s %s answered %d: %.*s\n", method, path, status,
                (int)res.body_len, (const char *)res.body);
    }
    arena_free(a);
    return status;
}

static void b64(char *out, size_t outlen, const unsigned char *bin, size_t len)
{
    sodium_bin2base64(out, outlen, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

/* A json string of base64 of len bytes, all `fill`. */
static json_t *jb64_fill(unsigned char fill, size_t len)
{
    unsigned char bin[256];
    char text[400];
    memset(bin, fill, len);
    b64(text, sizeof text, bin, len);
    return json_string(text);
}

struct person {
    const char *email;
    const char *name;
    unsigned char seed; /* everything about them is derived from it */
    unsigned char sign_pk[32], sign_sk[64];
    unsigned char auth_key[32];
};

static void person_keys(struct person *p)
{
    unsigned char s[32];
    memset(s, p->seed, sizeof s);
    crypto_sign_seed_keypair(p->sign_pk, p->sign_sk, s);
    memset(p->auth_key, p->seed ^ 0x5a, sizeof p->auth_key);
}

/* The fields register and therapist setup share. */
static json_t *account_body(const struct person *p)
{
    char pk[64], key[64];
    b64(pk, sizeof pk, p->sign_pk, 32);
    b64(key, sizeof key, p->auth_key, 32);
    return json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o}", "display_name", p->name, "kdf_salt",
                     jb64_fill(p->seed, 16), "auth_key", key, "box_public_key",
                     jb64_fill(p->seed + 1, 32), "sign_public_key", pk, "wrapped_keys",
                     jb64_fill(p->seed + 2, 168), "recovery_wrapped_keys",
                     jb64_fill(p->seed + 3, 168));
}

static void login(const struct person *p, enum fix_slot session, enum fix_slot csrf,
                  enum fix_slot user)
{
    char key[64];
    b64(key, sizeof key, p->auth_key, 32);
    json_t *out = NULL;
    if (fx_call("POST", "/api/v1/auth/login", NULL, NULL,
                json_pack("{s:s, s:s}", "email", p->email, "auth_key", key), &out, fix[session],
                FIX_CAP) == 200) {
        snprintf(fix[csrf], FIX_CAP, "%s", json_string_value(json_object_get(out, "csrf_token")));
        snprintf(fix[user], FIX_CAP, "%s",
                 json_string_value(json_object_get(json_object_get(out, "user"), "id")));
    }
    json_decref(out);
}

static void relink(void)
{
    if (fix[FIX_TCODE][0] == '\0' || fix[FIX_DYAD][0] == '\0')
        return;
    char path[256];
    snprintf(path, sizeof path, "/api/v1/dyads/%s/therapist", fix[FIX_DYAD]);
    fx_call("POST", path, fix[FIX_SESSION_A], fix[FIX_CSRF_A],
            json_pack("{s:s}", "therapist_code", fix[FIX_TCODE]), NULL, NULL, 0);
    fx_call("POST", path, fix[FIX_SESSION_B], fix[FIX_CSRF_B],
            json_pack("{s:s}", "therapist_code", fix[FIX_TCODE]), NULL, NULL, 0);
}

static void make_fixture(void)
{
    struct person a = {.email = "ana@fuzz.test", .name = "Ana", .seed = 0x11};
    struct person b = {.email = "ben@fuzz.test", .name = "Ben", .seed = 0x22};
    struct person t = {.email = "tess@fuzz.test", .name = "Tess", .seed = 0x33};
    person_keys(&a);
    person_keys(&b);
    person_keys(&t);
    long today = (long)(time(NULL) / 86400);
    date_format(today, fix[FIX_TODAY]);
    snprintf(fix[FIX_ORIGIN], FIX_CAP, "%s", the_app->origin);
    b64(fix[FIX_KEY_A], FIX_CAP, a.auth_key, 32);

    /* A and B: accounts and sessions. */
    const struct person *members[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        json_t *body = account_body(members[i]);
        json_object_set_new(body, "email", json_string(members[i]->email));
        fx_call("POST", "/api/v1/auth/register", NULL, NULL, body, NULL, NULL, 0);
    }
    login(&a, FIX_SESSION_A, FIX_CSRF_A, FIX_USER_A);
    login(&b, FIX_SESSION_B, FIX_CSRF_B, FIX_USER_B);

    /* A makes a couple dyad (the key wrap signed with A's key); B joins. */
    unsigned char wrapped[STORE_SEALED_KEY], sig[64];
    char wrapped64[200], sig64[200];
    memset(wrapped, 0xa5, sizeof wrapped);
    crypto_sign_detached(sig, NULL, wrapped, sizeof wrapped, a.sign_sk);
    b64(wrapped64, sizeof wrapped64, wrapped, sizeof wrapped);
    b64(sig64, sizeof sig64, sig, sizeof sig);
    json_t *out = NULL;
    char code[64] = "";
    if (fx_call("POST", "/api/v1/dyads", fix[FIX_SESSION_A], fix[FIX_CSRF_A],
                json_pack("{s:s, s:s, s:s, s:o, s:o}", "kind", "couple", "wrapped_key", wrapped64,
                          "signature", sig64, "key_proof", jb64_fill(0x01, 32), "invite_secret_box",
                          jb64_fill(0x02, STORE_SECRET_BOX)),
                &out, NULL, 0) == 201) {
        snprintf(fix[FIX_DYAD], FIX_CAP, "%s",
                 json_string_value(json_object_get(json_object_get(out, "dyad"), "id")));
        snprintf(code, sizeof code, "%s",
                 json_string_value(json_object_get(json_object_get(out, "invite"), "code")));
    }
    json_decref(out);
    fx_call("POST", "/api/v1/dyads/join", fix[FIX_SESSION_B], fix[FIX_CSRF_B],
            json_pack("{s:s, s:o, s:o}", "code", code, "key_proof", jb64_fill(0x03, 32),
                      "invite_secret_box", jb64_fill(0x04, STORE_SECRET_BOX)),
            NULL, NULL, 0);

    char path[256];
    snprintf(path, sizeof path, "/api/v1/dyads/%s/settings", fix[FIX_DYAD]);
    fx_call("PUT", path, fix[FIX_SESSION_A], fix[FIX_CSRF_A], json_pack("{s:b}", "track_sexual", 1),
            NULL, NULL, 0);

    /* B shares something A can respond to. */
    unsigned char id[16];
    memset(id, 0x77, sizeof id);
    sodium_bin2base64(fix[FIX_SHARE], FIX_CAP, id, sizeof id,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(path, sizeof path, "/api/v1/dyads/%s/shares", fix[FIX_DYAD]);
    fx_call("POST", path, fix[FIX_SESSION_B], fix[FIX_CSRF_B],
            json_pack("{s:s, s:s, s:i, s:o}", "id", fix[FIX_SHARE], "topic", "joy", "depth", 1,
                      "body", jb64_fill(0x66, 40 + 64)),
            NULL, NULL, 0);

    /* T: a setup link (as `dyad therapist add` makes it), the account, a
     * session, the code; then both members consent. */
    char token[DCRYPTO_TOKEN_LEN + 1];
    unsigned char hash[32];
    dcrypto_random_token(token);
    dcrypto_token_hash(token, hash);
    int64_t now = (int64_t)time(NULL);
    if (store_therapist_invite(the_app->store, hash, t.email, now, now + 7 * 86400) != STORE_OK)
        fprintf(stderr, "fuzz fixture: store_therapist_invite failed\n");
    json_t *body = account_body(&t);
    json_object_set_new(body, "token", json_string(token));
    out = NULL;
    if (fx_call("POST", "/api/v1/therapist/setup", NULL, NULL, body, &out, NULL, 0) == 201)
        snprintf(fix[FIX_TCODE], FIX_CAP, "%s",
                 json_string_value(json_object_get(out, "therapist_code")));
    json_decref(out);
    login(&t, FIX_SESSION_T, FIX_CSRF_T, FIX_USER_T);
    relink();

    /* T gives A a private check-in with the first questionnaire. */
    const char *qid =
        json_string_value(json_object_get(json_array_get(the_app->questionnaires, 0), "id"));
    snprintf(fix[FIX_QID], FIX_CAP, "%s", qid != NULL ? qid : "");
    snprintf(path, sizeof path, "/api/v1/therapist/dyads/%s/private-checkins", fix[FIX_DYAD]);
    out = NULL;
    if (fx_call("POST", path, fix[FIX_SESSION_T], fix[FIX_CSRF_T],
                json_pack("{s:s, s:s}", "user_id", fix[FIX_USER_A], "questionnaire", fix[FIX_QID]),
                &out, NULL, 0) == 201)
        snprintf(fix[FIX_PCHECK], FIX_CAP, "%s",
                 json_string_value(json_object_get(json_object_get(out, "private_checkin"), "id")));
    json_decref(out);
}

__attribute__((noreturn)) static void setup_failed(const char *what);

/* Copies one whole database over another (SQLite's online backup). */
static void db_copy(sqlite3 *from, sqlite3 *to)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (b == NULL)
        setup_failed(sqlite3_errmsg(to));
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        setup_failed(sqlite3_errstr(rc));
}

static sqlite3 *db_file(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/dyad.db", tmpdir);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        setup_failed(db != NULL ? sqlite3_errmsg(db) : "cannot open the database");
    sqlite3_busy_timeout(db, 10000);
    return db;
}

static void snapshot_take(void)
{
    sqlite3 *db = db_file();
    if (sqlite3_open(":memory:", &pristine) != SQLITE_OK)
        setup_failed("no memory for the snapshot");
    db_copy(db, pristine);
    sqlite3_close(db);
}

/* Puts the fixture's database back, between two requests (the store's own
 * connections are idle then and read the restored pages next time). */
static void snapshot_restore(void)
{
    sqlite3 *db = db_file();
    db_copy(pristine, db);
    sqlite3_close(db);
}

static void remove_tmpdir(void)
{
    static const char *const files[] = {"dyad.db", "dyad.db-wal", "dyad.db-shm", "dyad.secret"};
    if (pristine != NULL) {
        sqlite3_close(pristine);
        pristine = NULL;
    }
    if (the_app != NULL) {
        store_close(the_app->store);
        json_decref(the_app->resources);
        json_decref(the_app->questionnaires);
        prompts_free(&the_app->prompts);
        free(the_app);
        the_app = NULL;
    }
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

static const struct embedded_file *datafile(const char *name)
{
    for (size_t i = 0; i < datafiles_count; i++)
        if (datafiles[i].name != NULL && strcmp(datafiles[i].name, name) == 0)
            return &datafiles[i];
    return NULL;
}

__attribute__((noreturn)) static void setup_failed(const char *what)
{
    fprintf(stderr, "fuzz: cannot set the app up: %s\n", what);
    exit(1);
}

struct app *fixture_app(void)
{
    if (the_app != NULL)
        return the_app;
    /* A RAM disk when there is one: the store syncs every commit. */
    struct stat st;
    const char *base = getenv("TMPDIR");
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
        base = "/dev/shm";
    else if (base == NULL || *base == '\0')
        base = "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/dyad-fuzz-XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL)
        setup_failed(strerror(errno));

    trace = getenv("DYAD_FUZZ_TRACE") != NULL;
    for (int k = 0; k < FIX__MAX; k++)
        if (fix_names[k] == NULL)
            setup_failed("a fixture slot without a placeholder name");
    struct app *app = calloc(1, sizeof *app);
    if (app == NULL || dcrypto_init(2) != 0)
        setup_failed("libsodium");
    app_config_defaults(&app->cfg);
    /* Fixture sessions must outlive any fuzzing run. */
    app->cfg.idle_timeout = 365u * 86400;
    app->cfg.absolute_timeout = 365u * 86400;
    /* Reach /metrics and the X-Forwarded-For parsing too. */
    snprintf(app->cfg.metrics_token, sizeof app->cfg.metrics_token, "%s", FUZZ_METRICS_TOKEN);
    if (cidr_list_parse(FUZZ_CLIENT_ADDR "/32, ::1", &app->cfg.trusted_proxies) != 0)
        setup_failed("trusted proxies");
    snprintf(app->cfg.db_url, sizeof app->cfg.db_url, "sqlite:%s/dyad.db", tmpdir);
    snprintf(app->cfg.secret_file, sizeof app->cfg.secret_file, "%s/dyad.secret", tmpdir);
    char err[512];
    if (dcrypto_load_secret(app->cfg.secret_file, app->secret, err, sizeof err) != 0)
        setup_failed(err);

    const struct embedded_file *f = datafile("resources.json");
    json_error_t jerr;
    app->resources = f != NULL
                         ? json_loadb((const char *)f->data, f->size, JSON_REJECT_DUPLICATES, &jerr)
                         : NULL;
    if (app->resources == NULL)
        setup_failed("data/resources.json");
    f = datafile("prompts.json");
    if (f == NULL ||
        prompts_load(&app->prompts, (const char *)f->data, f->size, err, sizeof err) != 0)
        setup_failed(f == NULL ? "no data/prompts.json" : err);
    /* Every data/questionnaire-*.json, checked and in normal form, with the
     * parsed definitions beside (as main.c loads them). */
    static struct questionnaire defs[16];
    json_t *qs = json_array();
    for (size_t i = 0; qs != NULL && i < datafiles_count; i++) {
        f = &datafiles[i];
        if (f->name == NULL || strncmp(f->name, "questionnaire-", 14) != 0)
            continue;
        json_t *normal = NULL;
        if (json_array_size(qs) >= sizeof defs / sizeof defs[0] ||
            questionnaire_parse((const char *)f->data, f->size, &defs[json_array_size(qs)], &normal,
                                err, sizeof err) != 0)
            setup_failed(err);
        json_array_append_new(qs, normal);
    }
    if (qs == NULL)
        setup_failed("questionnaires");
    app->questionnaires = qs;
    app->questionnaire_defs = defs;
    app->store = store_open(app->cfg.db_url, true, err, sizeof err);
    if (app->store == NULL)
        setup_failed(err);
    app->routes = app_routes;
    app->n_routes = app_routes_count;
    app->quiet = true;
    if (app_set_public_url(app, FUZZ_ORIGIN) != 0)
        setup_failed("public URL");
    the_app = app;
    atexit(remove_tmpdir);
    make_fixture();
    snapshot_take();
    return app;
}
