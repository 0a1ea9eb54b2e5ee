/*
 * floor.h — the floor under the handlers: what a handler gets (struct ctx)
 * and every helper handlers share. Each group below is one file:
 *
 *   floor_reply.c     answers (JSON, errors, HTML, 204, store results), the
 *                     field-checked body, JSON value helpers, HTML escaping
 *   floor_page.c      the HTML shell of every page, embedded-file lookup
 *   floor_access.c    membership and therapist-link loading, kind names,
 *                     the server's day
 *   floor_account.c   account fields from a body, an account as JSON
 *   floor_throttle.c  back-off after failed attempts
 *
 * The floor calls nothing above it: no handler (h_*.c), not the pipeline
 * (app.c). Handlers call the floor and never each other;
 * tools/callgraph-check.mjs (make check) holds the build to that.
 */
#ifndef DYAD_FLOOR_H
#define DYAD_FLOOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/apierror.h"
#include "core/arena.h"
#include "core/throttle.h"
#include "store/store.h"
#include "web/app.h"
#include "web/http.h"
#include "web/router.h"

struct ctx {
    struct app *app;
    struct http_request *req;
    struct http_response *res;
    struct arena *arena;
    const struct route *route;
    struct route_params params;
    json_t *body;               /* the parsed, field-checked body; NULL when the route takes none */
    struct field_value *values; /* checked values, one per declared field (router.h) */
    bool authed;
    struct session session;
    struct user user;
    int64_t now;         /* Unix seconds at the start of the request */
    bool has_membership; /* ROUTE_MEMBER routes: loaded before the body is read */
    struct membership *membership;
};

struct membership;

/* ---- floor_reply.c --------------------------------------------------------- */

/* Answers with obj as JSON (takes the reference; NULL obj → 500). */
void reply_json(struct ctx *c, int status, json_t *obj);
/* Answers an API error in the one error shape. message NULL: the default. */
void reply_error(struct ctx *c, enum api_error e, const char *field, const char *message);
/* 204 No Content. */
void reply_no_content(struct ctx *c);
/* Maps a failed store call: NOT_FOUND 404, CONFLICT 409, EXPIRED 404, ERROR 503. */
void reply_store(struct ctx *c, enum store_result r);
/* An HTML page (already escaped) with the given status. */
void reply_html(struct ctx *c, int status, const char *html);

/* The body step of the pipeline: applies each declared field's rule
 * (router.h) and fills c->values; 0, or -1 after answering 400 naming the
 * field with the rule's message. Handlers get only values that passed. */
int body_values(struct ctx *c);
/* Wipes every decoded value (auth keys, wrapped keys, sealed text) in the
 * arena; the pipeline calls it after the handler, whatever the handler did,
 * so no decoded secret outlives its request in freed memory. */
void body_values_wipe(struct ctx *c);

/* Body accessors. Every value was checked against its declaration in the
 * route table (type, presence, rule) before the handler ran. */
const char *body_str(struct ctx *c, const char *name); /* NULL when absent or null */
bool body_bool(struct ctx *c, const char *name, bool fallback);
const struct field_value *body_value(struct ctx *c, const char *name);   /* NULL when absent */
long long body_int(struct ctx *c, const char *name, long long fallback); /* RULE_INT */
int body_enum(struct ctx *c, const char *name, int fallback);            /* RULE_ENUM index */
unsigned body_mask(struct ctx *c, const char *name); /* RULE_ENUM_ARRAY: bit per value */
/* RULE_B64 / RULE_B64URL: the decoded bytes (in the arena), NULL when absent. */
const unsigned char *body_bytes(struct ctx *c, const char *name, size_t *len);

/* Copies body field `name`, declared RULE_B64 of exactly len bytes, into
 * out; -1 after answering 400 missing_field when it is absent. */
int body_b64(struct ctx *c, const char *name, unsigned char *out, size_t len);

/* base64 of bin as a new JSON string. */
json_t *json_b64(const unsigned char *bin, size_t len);

/* "2026-11-24T02:13:57Z" */
json_t *json_time(int64_t t);

/* Escapes text for HTML element content and attribute values, into the arena
 * (text_escape: controls and bytes that are not UTF-8 become U+FFFD). */
const char *html_escape(struct arena *a, const char *s);

/* ---- floor_page.c ---------------------------------------------------------- */

/* The embedded file for a /static path, by plain or content-hashed name
 * (*hashed tells which). NULL when there is none. */
struct embedded_file;
const struct embedded_file *asset_find(const char *path, bool *hashed);
/* The content-hashed name pages link f by: f->hashed_name. In a test build
 * (DYAD_TEST_HOOKS) with DYAD_TEST_ASSET_EPOCH set, its hash is one of the
 * epoch and f's ETag instead, and asset_epoch() gives the epoch ("" when
 * none): a server started with another epoch looks like a new build whose
 * every asset changed (tests/browser/swupdate.test.mjs). */
const char *asset_hashed_name(const struct embedded_file *f);
const char *asset_epoch(void);

/* Answers an HTML page: the shell (head, quick exit, navigation) around
 * main_html, which must already be escaped. */
void page_render(struct ctx *c, const char *page, const char *main_html);

/* ---- floor_access.c -------------------------------------------------------- */

/* The caller's membership in the dyad of route parameter {id}. */
struct membership {
    struct dyad dyad;
    struct member members[2];
    size_t n;
    int me;      /* index of the caller in members */
    int partner; /* index of the other member, -1 while unpaired */
};

/* Loads it for the caller, who must be a current member; otherwise answers
 * 404 (a non-member learns nothing, not even that the dyad exists) and
 * returns -1. On ROUTE_MEMBER routes the pipeline has done this already and
 * this returns the loaded copy. */
int load_membership(struct ctx *c, struct membership *m);

/* For a therapist: the dyad {id} when it is linked to them with both
 * members' consent; otherwise answers 403 and returns -1. On ROUTE_LINKED
 * routes the pipeline has done this already (m->me and m->partner are -1). */
int load_linked(struct ctx *c, struct membership *m);

/* A therapist code: THERAPIST_CODE_ID_CHARS of lookup id, '-', the key
 * fingerprint. */
enum { THERAPIST_CODE_ID_CHARS = 8 };

/* "couple", "friends", "family" */
extern const char *const kind_names[DYAD_KIND__MAX];

/* The server's UTC date, as days since 1970-01-01. */
long server_today(const struct ctx *c);

/* ---- floor_account.c ------------------------------------------------------- */

/* The e-mail from a query value, validated and lower-cased into out; -1
 * after answering 400 naming "email". */
int take_email(struct ctx *c, const char *raw, char out[STORE_EMAIL_MAX]);

/* The body's "email" (declared RULE_EMAIL, so already checked), lower-cased
 * into out. */
void body_email(struct ctx *c, char out[STORE_EMAIL_MAX]);

/* The account fields of a registration (display_name, kdf_salt, auth_key,
 * box/sign public keys, wrapped and recovery-wrapped keys), checked by their
 * declarations, into u and auth_key; -1 only after answering an error. */
int take_account(struct ctx *c, struct user *u, unsigned char auth_key[32]);

/* An account as the API shows it: id, email, display_name, role. */
json_t *json_user(const struct user *u);
/* A printable-ASCII copy of the User-Agent (for the lists of one's
 * sessions and devices). */
void request_user_agent(struct ctx *c, char out[STORE_UA_MAX]);

/* ---- floor_throttle.c ------------------------------------------------------ */

/* A back-off counter, keyed by a keyed hash of what it counts, with the
 * rule it backs off by (src/core/throttle.h). */
struct throttle_key {
    unsigned char key[32];
    struct throttle_rule rule;
};

/* Fills k for value under domain ("register client", "login pair", …):
 * from the free_failures-th failure a wait of base seconds, doubling, at
 * most 15 minutes; an hour without a failure forgets the count. */
void throttle_key(struct ctx *c, struct throttle_key *k, const char *domain, const char *value,
                  int free_failures, int64_t base);
/* The client's address as counts are keyed by it (an IPv6 address as its
 * /64), in the arena. */
const char *throttle_client(struct ctx *c);
/* Seconds the caller must still wait under k (0: go ahead). */
int64_t throttle_wait(struct ctx *c, const struct throttle_key *k);
/* One more failure under k. */
void throttle_fail(struct ctx *c, const struct throttle_key *k);
/* 429 with Retry-After. */
void reply_rate_limited(struct ctx *c, int64_t wait);

/* Sign-in attempts for an e-mail address (logins, recovery) are counted
 * under two keys: the pair (address, client) — 5 failures, then 4 s
 * doubling — and the client alone (DYAD_LOGIN_FAILURES_PER_CLIENT, then
 * 1 s doubling). No count belongs to the e-mail address alone, so failures
 * from one client never delay the owner on another. auth_throttled answers
 * 429 and returns true when either key must wait; auth_failed counts a
 * failure under both; auth_cleared clears the pair after a success. */
bool auth_throttled(struct ctx *c, const char *email);
void auth_failed(struct ctx *c, const char *email);
void auth_cleared(struct ctx *c, const char *email);

/* Checks a signed-in person's re-entered password (password change,
 * account deletion), counted per session (5 failures, then 4 s doubling)
 * — nothing a stranger does touches that count; wipes auth_key. 0, or -1
 * after answering 403 (field auth_key), 429 or 503 (hashing busy). */
int auth_reverify(struct ctx *c, unsigned char auth_key[32]);

/* 503 when the password hashing queue is full (dcrypto's DCRYPTO_BUSY). */
void reply_hash_busy(struct ctx *c);

#endif
