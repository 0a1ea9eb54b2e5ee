/*
 * h_assignments.c — homework a therapist gives a linked dyad (POST
 * /therapist/dyads/{id}/assignments): a topic and depth for some days, with
 * a note sealed in the therapist's browser to each member's key; and
 * whether each member followed it — was shown it, and wrote a share on its
 * topic while it ran — for the therapist (both members) and for each member
 * (themselves only).
 */
#include <stdio.h>
#include <string.h>

#include "core/prompts.h"
#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/handler.h"

enum {
    SEALED_NOTE_MAX = 48 + 1024, /* crypto_box_seal overhead + padded text */
};

void h_assignment_create(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct assignment a;
    memset(&a, 0, sizeof a);
    a.topic = body_enum(c, "topic", -1);
    if (!prompts_topic_allows_kind(a.topic, (int)m.dyad.kind)) {
        reply_error(c, API_INVALID_FIELD, "topic", "There is no such topic for this dyad.");
        return;
    }
    a.depth = (int)body_int(c, "depth", 0);
    long long days = body_int(c, "days", 7);
    /* the note, sealed in the therapist's browser to each member's box key */
    const char *users[2];
    const unsigned char *notes[2];
    size_t lens[2], n = 0;
    json_t *nj = json_object_get(c->body, "notes");
    const char *key;
    json_t *v;
    json_object_foreach(nj, key, v)
    {
        int who = -1;
        for (size_t i = 0; i < m.n; i++)
            if (strcmp(m.members[i].user_id, key) == 0)
                who = (int)i;
        unsigned char *buf = arena_alloc(c->arena, SEALED_NOTE_MAX);
        if (who < 0 || !json_is_string(v) || n == 2 || buf == NULL ||
            validate_b64_range(json_string_value(v), buf, 48 + 64, SEALED_NOTE_MAX, &lens[n]) !=
                0) {
            reply_error(c, API_INVALID_FIELD, "notes",
                        "notes maps each member's id to the note sealed to their key.");
            return;
        }
        users[n] = m.members[who].user_id;
        notes[n++] = buf;
    }
    dcrypto_random_id("h-", a.id, sizeof a.id);
    snprintf(a.therapist_id, sizeof a.therapist_id, "%s", c->user.id);
    a.created_at = a.starts_at = c->now;
    a.ends_at = c->now + days * 86400;
    enum store_result r =
        store_assignment_create(c->app->store, m.dyad.id, &a, users, notes, lens, n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201,
               json_pack("{s:{s:s, s:s, s:i, s:o, s:o}}", "assignment", "id", a.id, "topic",
                         prompts_topic_name(a.topic), "depth", a.depth, "starts_at",
                         json_time(a.starts_at), "ends_at", json_time(a.ends_at)));
}

struct homework {
    json_t *list; /* one object per assignment, with "members" */
    json_t *last;
};

static void add_status(void *p, const struct homework_status *h)
{
    struct homework *hw = p;
    const char *last_id = json_string_value(json_object_get(hw->last, "id"));
    if (hw->last == NULL || last_id == NULL || strcmp(last_id, h->a.id) != 0) {
        hw->last = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:[]}", "id", h->a.id, "topic",
                             prompts_topic_name(h->a.topic), "depth", h->a.depth, "starts_at",
                             json_time(h->a.starts_at), "ends_at", json_time(h->a.ends_at),
                             "created_at", json_time(h->a.created_at), "members");
        json_array_append_new(hw->list, hw->last);
    }
    json_array_append_new(json_object_get(hw->last, "members"),
                          json_pack("{s:s, s:o, s:b, s:i}", "user_id", h->user_id, "opened_at",
                                    h->opened_at ? json_time(h->opened_at) : json_null(),
                                    "answered", h->shares > 0, "shares", h->shares));
}

/* GET /therapist/dyads/{id}/assignments: each assignment, and for each
 * member whether they were shown it and wrote on its topic. */
void h_assignment_list(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct homework hw = {json_array(), NULL};
    enum store_result r = store_homework_list(c->app->store, m.dyad.id, NULL, add_status, &hw);
    if (r == STORE_OK)
        r = store_audit_add(c->app->store, m.dyad.id, c->user.id, "view_homework", NULL, c->now);
    if (r != STORE_OK) {
        json_decref(hw.list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "assignments", hw.list));
}

/* GET /dyads/{id}/homework: the same, about the caller only. */
void h_homework_mine(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct homework hw = {json_array(), NULL};
    enum store_result r =
        store_homework_list(c->app->store, m.dyad.id, c->user.id, add_status, &hw);
    if (r != STORE_OK) {
        json_decref(hw.list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "homework", hw.list));
}
