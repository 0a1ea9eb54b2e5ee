/*
 * h_shares.c — shares and responses: POST/GET /dyads/{id}/shares and
 * POST /dyads/{id}/shares/{sid}/responses.
 *
 * Bodies are ciphertext made in the browser (docs/protocol.md: padded to 64 bytes,
 * nonce ‖ XChaCha20-Poly1305, the entry's id, dyad, author and kind bound as
 * associated data), so the server checks only their shape. Mutual reveal is
 * enforced here: a partner's answer to a prompt stays withheld until the
 * viewer has answered the same prompt. No read receipts: reading leaves no
 * trace.
 */
#include <stdio.h>
#include <string.h>

#include "core/prompts.h"
#include "core/validate.h"
#include "core/kind.h"
#include "core/vocab.h"
#include "web/handler.h"

enum {
    UNANSWERED_SECONDS = 2 * 86400,
    PAGE_DEFAULT = 50,
    PAGE_MAX = 100,
};

/* The client-made id of a new entry (checked by its declaration in routes.c). */
static void take_id(struct ctx *c, char out[STORE_ID_MAX])
{
    snprintf(out, STORE_ID_MAX, "%s", body_str(c, "id"));
}

/* The dyad must be active and paired for words to go between the two. */
static int require_pair(struct ctx *c, const struct membership *m)
{
    if (m->dyad.ended_at != 0 || m->partner < 0) {
        reply_error(c, API_CONFLICT, NULL,
                    m->dyad.ended_at != 0 ? "This dyad has ended."
                                          : "Your partner has not joined yet.");
        return -1;
    }
    return 0;
}

void h_share_create(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0 || require_pair(c, &m) != 0)
        return;
    struct share sh;
    memset(&sh, 0, sizeof sh);
    take_id(c, sh.id);
    sh.topic = body_enum(c, "topic", -1);
    if (!prompts_topic_allows_kind(sh.topic, (int)m.dyad.kind)) {
        reply_error(c, API_INVALID_FIELD, "topic", "That topic is not one of this dyad's.");
        return;
    }
    if (sh.topic == PROMPTS_TOPIC_DESIRE &&
        !kind_desire_open((int)m.dyad.kind, m.members[0].track_sexual,
                          m.n > 1 && m.members[1].track_sexual)) {
        reply_error(c, API_INVALID_FIELD, "topic",
                    "Desire opens only when both of you have turned on sexual tracking.");
        return;
    }
    sh.depth = (int)body_int(c, "depth", 0);
    const char *prompt_id = body_str(c, "prompt_id");
    if (prompt_id != NULL) {
        const struct prompt *p = prompts_find(&c->app->prompts, prompt_id);
        if (p == NULL || !prompts_has_kind(p, (int)m.dyad.kind)) {
            reply_error(c, API_INVALID_FIELD, "prompt_id",
                        "There is no such prompt for this dyad.");
            return;
        }
        snprintf(sh.prompt_id, sizeof sh.prompt_id, "%s", prompt_id);
    }
    sh.mutual = body_enum(c, "reveal", VOCAB_REVEAL_NOW) == VOCAB_REVEAL_MUTUAL;
    sh.together = body_bool(c, "together", false);
    if (sh.together && (sh.mutual || prompt_id == NULL)) {
        reply_error(c, API_INVALID_FIELD, "together",
                    "A share recorded together is a prompt you both talked through, revealed now.");
        return;
    }
    if (sh.mutual && prompt_id == NULL) {
        reply_error(c, API_INVALID_FIELD, "reveal", "Mutual reveal is for answers to a prompt.");
        return;
    }
    sh.body = body_bytes(c, "body", &sh.body_len);
    snprintf(sh.author_id, sizeof sh.author_id, "%s", c->user.id);
    sh.created_at = c->now;
    enum store_result r = store_share_create(c->app->store, m.dyad.id, &sh);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "id", "An entry with this id exists.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 201,
        json_pack("{s:{s:s, s:o}}", "share", "id", sh.id, "created_at", json_time(sh.created_at)));
}

struct page {
    struct ctx *c;
    const struct membership *m;
    json_t *list;
    int failed;
};

static void add_share(void *p, const struct share *sh, const struct response *rs, size_t n)
{
    struct page *pg = p;
    struct ctx *c = pg->c;
    bool mine = strcmp(sh->author_id, c->user.id) == 0;
    bool withheld = false;
    if (!mine && sh->mutual) {
        bool answered = false;
        if (store_prompt_answered(c->app->store, pg->m->dyad.id, c->user.id, sh->prompt_id,
                                  &answered) != STORE_OK)
            pg->failed = 1;
        withheld = !answered;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s*, s:s, s:o}", "id", sh->id, "author_id",
                          sh->author_id, "topic", prompts_topic_name(sh->topic), "depth", sh->depth,
                          "prompt_id", sh->prompt_id[0] ? sh->prompt_id : NULL, "reveal",
                          sh->mutual ? "mutual" : "now", "created_at", json_time(sh->created_at));
    if (o == NULL) {
        pg->failed = 1;
        return;
    }
    if (sh->together)
        json_object_set_new(o, "together", json_true());
    json_t *responses = json_array();
    bool answered_by_me = false;
    for (size_t i = 0; i < n && !withheld; i++) {
        answered_by_me |= strcmp(rs[i].author_id, c->user.id) == 0;
        json_array_append_new(
            responses,
            json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", rs[i].id, "author_id", rs[i].author_id,
                      "kind", vocab_response_name(rs[i].kind % VOCAB_RESPONSE__MAX), "created_at",
                      json_time(rs[i].created_at), "body",
                      rs[i].body != NULL ? json_b64(rs[i].body, rs[i].body_len) : json_null()));
    }
    if (withheld) {
        json_object_set_new(o, "body", json_null());
        json_object_set_new(o, "withheld", json_true());
    } else {
        json_object_set_new(o, "body", json_b64(sh->body, sh->body_len));
    }
    json_object_set_new(o, "responses", responses);
    /* Surfaced gently to the listener only: the author is never told. */
    if (!mine && !withheld && !answered_by_me && !sh->together &&
        c->now - sh->created_at >= UNANSWERED_SECONDS)
        json_object_set_new(o, "waiting_for_you", json_true());
    json_array_append_new(pg->list, o);
}

void h_share_list(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    int64_t before = 0;
    const char *b = http_query(c->req, "before");
    if (b != NULL && time_parse_iso(b, &before) != 0) {
        reply_error(c, API_INVALID_FIELD, "before", "before is a time like 2026-11-24T09:30:00Z.");
        return;
    }
    const char *before_id = http_query(c->req, "before_id");
    if (before_id != NULL && validate_entry_id(before_id) != 0) {
        reply_error(c, API_INVALID_FIELD, "before_id", "before_id is the id of a share.");
        return;
    }
    long limit = PAGE_DEFAULT;
    const char *l = http_query(c->req, "limit");
    if (l != NULL) {
        char *end;
        limit = strtol(l, &end, 10);
        if (*l == '\0' || *end != '\0' || limit < 1 || limit > PAGE_MAX) {
            reply_error(c, API_INVALID_FIELD, "limit", "limit is a number from 1 to 100.");
            return;
        }
    }
    struct page pg = {c, &m, json_array(), 0};
    enum store_result r =
        store_shares_page(c->app->store, m.dyad.id, before, before_id, (int)limit, add_share, &pg);
    if (r != STORE_OK || pg.failed) {
        json_decref(pg.list);
        reply_store(c, r != STORE_OK ? r : STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "shares", pg.list));
}

void h_response_create(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0 || require_pair(c, &m) != 0)
        return;
    struct share sh;
    enum store_result r =
        store_share_get(c->app->store, m.dyad.id, route_param(&c->params, "sid"), &sh);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "sid", "There is no such share in this dyad.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    if (strcmp(sh.author_id, c->user.id) == 0) {
        reply_error(c, API_FORBIDDEN, NULL, "A response is your partner's to give.");
        return;
    }
    if (sh.mutual) {
        bool answered = false;
        r = store_prompt_answered(c->app->store, m.dyad.id, c->user.id, sh.prompt_id, &answered);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
        if (!answered) {
            reply_error(c, API_CONFLICT, NULL,
                        "Answer the same prompt first; then both answers show.");
            return;
        }
    }
    struct response x;
    memset(&x, 0, sizeof x);
    take_id(c, x.id);
    x.kind = body_enum(c, "kind", -1);
    x.body = body_bytes(c, "body", &x.body_len);
    snprintf(x.share_id, sizeof x.share_id, "%s", sh.id);
    snprintf(x.author_id, sizeof x.author_id, "%s", c->user.id);
    x.created_at = c->now;
    r = store_response_create(c->app->store, m.dyad.id, &x);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, "id",
                    "An entry with this id exists, or the share has all its responses.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 201,
        json_pack("{s:{s:s, s:o}}", "response", "id", x.id, "created_at", json_time(x.created_at)));
}
