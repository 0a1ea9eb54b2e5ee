/*
 * handler.h — what a route handler gets (struct ctx) and the helpers it
 * answers with. Handlers live in h_*.c, one file per resource.
 */
#ifndef DYAD_HANDLER_H
#define DYAD_HANDLER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/apierror.h"
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
    json_t *body; /* the parsed, field-checked body; NULL when the route takes none */
    bool authed;
    struct session session;
    struct user user;
    int64_t now;         /* Unix seconds at the start of the request */
    bool has_membership; /* ROUTE_MEMBER routes: loaded before the body is read */
    struct membership *membership;
};

struct membership;

/* Answers with obj as JSON (takes the reference; NULL obj → 500). */
void reply_json(struct ctx *c, int status, json_t *obj);
/* Answers an API error in design §8's shape. message NULL: the default. */
void reply_error(struct ctx *c, enum api_error e, const char *field, const char *message);
/* 204 No Content. */
void reply_no_content(struct ctx *c);
/* Maps a failed store call: NOT_FOUND 404, CONFLICT 409, EXPIRED 404, ERROR 503. */
void reply_store(struct ctx *c, enum store_result r);
/* An HTML page (already escaped) with the given status. */
void reply_html(struct ctx *c, int status, const char *html);

/* Body accessors: values were type-checked by the route's field list. */
const char *body_str(struct ctx *c, const char *name); /* NULL when absent or null */
bool body_bool(struct ctx *c, const char *name, bool fallback);

/* Decodes body field `name` as standard base64 of exactly len bytes into
 * out; on failure answers 400 invalid_field naming it and returns -1. */
int body_b64(struct ctx *c, const char *name, unsigned char *out, size_t len);

/* base64 of bin as a new JSON string. */
json_t *json_b64(const unsigned char *bin, size_t len);

/* "2026-11-24T02:13:57Z" */
json_t *json_time(int64_t t);

/* Escapes text for HTML element content and attribute values, into the arena. */
const char *html_escape(struct arena *a, const char *s);

/* The embedded file for a /static path, by plain or content-hashed name
 * (*hashed tells which). NULL when there is none. */
struct embedded_file;
const struct embedded_file *asset_find(const char *path, bool *hashed);

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

/* "couple", "friends", "family" */
extern const char *const kind_names[DYAD_KIND__MAX];

/* The server's UTC date, as days since 1970-01-01. */
long server_today(const struct ctx *c);

/* Answers an HTML page: the shell (head, quick exit, navigation) around
 * main_html, which must already be escaped. */
void page_render(struct ctx *c, const char *page, const char *main_html);

/* The e-mail from a body or query value, validated and lower-cased into
 * out; -1 after answering 400 naming "email". */
int take_email(struct ctx *c, const char *raw, char out[STORE_EMAIL_MAX]);

/* The account fields of a registration (display_name, kdf_salt, auth_key,
 * box/sign public keys, wrapped and recovery-wrapped keys) into u and
 * auth_key; -1 after answering 400 naming the field. */
int take_account(struct ctx *c, struct user *u, unsigned char auth_key[32]);

/* Checks a re-entered password's auth key against the caller's account,
 * under the same back-off as logins; wipes auth_key. 0, or -1 after
 * answering 403 (field auth_key) or 429. */
int auth_reverify(struct ctx *c, unsigned char auth_key[32]);

/* The per-address login back-off, for other ways in (recovery): whether the
 * address must wait (then 429 was answered), one more failure, and a clean
 * slate after a success. */
bool auth_throttled(struct ctx *c, const char *email);
void auth_failed(struct ctx *c, const char *email);
void auth_cleared(struct ctx *c, const char *email);

/* Route handlers. */
route_fn h_healthz, h_metrics, h_openapi, h_static, h_page, h_home, h_safety;
route_fn h_auth_kdf, h_auth_register, h_auth_login, h_auth_logout, h_me, h_me_password;
route_fn h_recovery_start, h_recover;
route_fn h_dyad_create, h_dyad_join, h_dyad_get, h_dyad_put_key, h_dyad_settings, h_dyad_leave;
route_fn h_checkin_put, h_checkin_list;
route_fn h_share_create, h_share_list, h_response_create;
route_fn h_prompts, h_comfort_get, h_comfort_put, h_next_prompt;
route_fn h_insights, h_insights_page;
route_fn h_therapist_setup, h_therapist_code, h_link_get, h_link_consent, h_link_revoke, h_audit;
route_fn h_caseload, h_therapist_dyad, h_therapist_charts, h_assignment_create;
route_fn h_questionnaires, h_private_assign, h_private_list_therapist, h_private_list_mine,
    h_private_answer, h_reshare, h_reshares_therapist;
route_fn h_sessions, h_session_delete, h_notice_delete, h_me_delete, h_me_export;

/* One's notices (new_browser, …) as a JSON array; NULL when the store failed. */
json_t *me_notices(struct ctx *c);

#endif
