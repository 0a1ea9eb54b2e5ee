/*
 * gendata.c — the benchmark's dataset, made through the store: DYADS pairs
 * of accounts, each pair in one dyad, each member with a check-in on each
 * of the DAYS days up to today; and a session for the first member of the
 * first SESSIONS dyads, whose cookie and CSRF token it prints.
 *
 *   build/rel/bench/gendata sqlite:PATH DYADS DAYS SESSIONS > sessions.txt
 *
 * sessions.txt has one line a session: "DYAD_ID COOKIE_VALUE CSRF_TOKEN".
 * The last line of stderr is "gendata_seconds S".
 *
 * Accounts, dyads, joins and sessions go through store.h, one transaction
 * each, as the server makes them (keys are random bytes: the server cannot
 * tell). The check-ins (DYADS x DAYS x 2 rows) would take minutes one
 * transaction each, so they are written by the same backend interface
 * store.c uses (store/backend.h), one INSERT ... SELECT a dyad and a few
 * hundred dyads a transaction, with scores that vary by day and dyad (SQL
 * the two databases both read, so it works on PostgreSQL too).
 *
 * The store commits with synchronous=FULL, so the 30,000 small transactions
 * of 10,000 dyads wait for the disk 30,000 times: bench/http.sh makes the
 * file on a tmpfs (/dev/shm, where fsync costs nothing) and then copies it
 * next to the server.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/backend.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, enum store_result r)
{
    fprintf(stderr, "gendata: %s failed (store result %d)\n", what, (int)r);
    exit(1);
}

static void make_user(struct user *u, long i, const char *hash, int64_t now)
{
    memset(u, 0, sizeof *u);
    snprintf(u->id, sizeof u->id, "u-%024lx", (unsigned long)i);
    snprintf(u->email, sizeof u->email, "bench%ld@example.org", i);
    snprintf(u->display_name, sizeof u->display_name, "B%ld", i);
    u->role = USER_MEMBER;
    snprintf(u->auth_hash, sizeof u->auth_hash, "%s", hash);
    randombytes_buf(u->kdf_salt, sizeof u->kdf_salt);
    randombytes_buf(u->box_pk, sizeof u->box_pk);
    randombytes_buf(u->sign_pk, sizeof u->sign_pk);
    randombytes_buf(u->wrapped_keys, sizeof u->wrapped_keys);
    randombytes_buf(u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys);
    u->created_at = now;
}

static void make_member(struct member *m, const struct user *u)
{
    memset(m, 0, sizeof *m);
    snprintf(m->user_id, sizeof m->user_id, "%s", u->id);
    snprintf(m->display_name, sizeof m->display_name, "%s", u->display_name);
    memcpy(m->box_pk, u->box_pk, sizeof m->box_pk);
    memcpy(m->sign_pk, u->sign_pk, sizeof m->sign_pk);
    randombytes_buf(m->key_proof, sizeof m->key_proof);
    randombytes_buf(m->invite_secret_box, sizeof m->invite_secret_box);
    m->has_wrap = true;
    randombytes_buf(m->wrapped_key, sizeof m->wrapped_key);
    randombytes_buf(m->wrap_signature, sizeof m->wrap_signature);
    snprintf(m->wrap_signer, sizeof m->wrap_signer, "%s", u->id);
}

/* One member's DAYS check-ins ending today, in one statement. */
static const char checkins_sql[] =
    "INSERT INTO checkins (dyad_id, user_id, day, closeness, closeness_wanted, opened_up, "
    "understood, safety, affection, sexual, emotions, wordless, note, show_mask, updated_at) "
    "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < ?4 - 1) "
    "SELECT ?1, ?2, ?3 - n, (n * 7 + ?5) % 11, (n * 3 + ?5 + 2) % 11, (n * 5 + ?5) % 11, "
    "(n * 11 + ?5) % 11 , (n + ?5) % 11, (n * 13 + ?5) % 11, NULL, (n * 37 + ?5) % 256, "
    "(n + ?5) % 2, NULL, 127, ?6 FROM d";

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: gendata DB_URL DYADS DAYS SESSIONS\n");
        return 2;
    }
    long dyads = atol(argv[2]), days = atol(argv[3]), sessions = atol(argv[4]);
    if (dyads < 1 || days < 1 || days > 3660 || sessions < 0 || sessions > dyads) {
        fprintf(stderr, "gendata: DYADS >= 1, 1 <= DAYS <= 3660, 0 <= SESSIONS <= DYADS\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    double t0 = now_s();
    char err[256];
    struct store *s = store_open(argv[1], true, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "gendata: %s\n", err);
        return 1;
    }
    struct sql_conn *c;
    enum store_result r;

    /* one password hash for every account (nobody logs in with it) */
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, "bench", 5, crypto_pwhash_OPSLIMIT_MIN,
                          crypto_pwhash_MEMLIMIT_MIN) != 0)
        return 1;
    int64_t now = (int64_t)time(NULL);
    long today = (long)(now / 86400);

    for (long i = 0; i < dyads; i++) {
        struct user a, b;
        make_user(&a, 2 * i, hash, now);
        make_user(&b, 2 * i + 1, hash, now);
        if ((r = store_user_create(s, &a)) != STORE_OK || (r = store_user_create(s, &b)) != STORE_OK)
            die("store_user_create", r);
        struct dyad d;
        memset(&d, 0, sizeof d);
        snprintf(d.id, sizeof d.id, "d-%024lx", (unsigned long)i);
        d.kind = DYAD_COUPLE;
        snprintf(d.created_by, sizeof d.created_by, "%s", a.id);
        d.created_at = now - days * 86400;
        struct member ma, mb;
        make_member(&ma, &a);
        make_member(&mb, &b);
        struct invite inv;
        memset(&inv, 0, sizeof inv);
        snprintf(inv.code, sizeof inv.code, "bench-%ld", i);
        snprintf(inv.dyad_id, sizeof inv.dyad_id, "%s", d.id);
        inv.expires_at = now + 86400;
        if ((r = store_dyad_create(s, &d, &ma, &inv)) != STORE_OK)
            die("store_dyad_create", r);
        struct dyad joined;
        if ((r = store_dyad_join(s, inv.code, &mb, now, &joined)) != STORE_OK)
            die("store_dyad_join", r);
        if (i < sessions) {
            struct session ss;
            memset(&ss, 0, sizeof ss);
            unsigned char raw[32];
            char token[64];
            randombytes_buf(raw, sizeof raw);
            sodium_bin2base64(token, sizeof token, raw, sizeof raw,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            crypto_generichash(ss.token_hash, sizeof ss.token_hash, (const unsigned char *)token,
                               strlen(token), NULL, 0);
            randombytes_buf(raw, sizeof raw);
            sodium_bin2base64(ss.csrf_token, sizeof ss.csrf_token, raw, sizeof raw,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            snprintf(ss.id, sizeof ss.id, "s-%024lx", (unsigned long)i);
            snprintf(ss.user_id, sizeof ss.user_id, "%s", a.id);
            ss.created_at = ss.last_seen_at = now;
            snprintf(ss.user_agent, sizeof ss.user_agent, "wrk");
            if ((r = store_session_create(s, &ss)) != STORE_OK)
                die("store_session_create", r);
            printf("%s %s %s\n", d.id, token, ss.csrf_token);
        }
    }
    double t1 = now_s();

    enum { PER_TX = 250 };
    for (long i = 0; i < dyads; i += PER_TX) {
        if ((r = s->b->begin(s, STORE_TX_WRITE, &c)) != STORE_OK)
            die("begin", r);
        for (long j = i; j < i + PER_TX && j < dyads && r == STORE_OK; j++)
            for (int m = 0; m < 2 && r == STORE_OK; m++) {
                char did[STORE_ID_MAX], uid[STORE_ID_MAX];
                snprintf(did, sizeof did, "d-%024lx", (unsigned long)j);
                snprintf(uid, sizeof uid, "u-%024lx", (unsigned long)(2 * j + m));
                struct sql_value v[] = {
                    {.type = SQL_TEXT, .p = did},
                    {.type = SQL_TEXT, .p = uid},
                    {.type = SQL_INT, .i = today},
                    {.type = SQL_INT, .i = days},
                    {.type = SQL_INT, .i = (j * 7 + m * 3) % 11},
                    {.type = SQL_INT, .i = now},
                };
                r = s->b->exec(c, checkins_sql, v, (int)(sizeof v / sizeof v[0]), NULL);
            }
        if ((r = s->b->end(s, c, r)) != STORE_OK)
            die("check-ins", r);
    }
    store_close(s);
    double t2 = now_s();
    fprintf(stderr, "gendata: %ld dyads, %ld accounts, %ld check-ins\n", dyads, 2 * dyads,
            2 * dyads * days);
    fprintf(stderr, "gendata_accounts_seconds %.2f\n", t1 - t0);
    fprintf(stderr, "gendata_seconds %.2f\n", t2 - t0);
    return 0;
}
