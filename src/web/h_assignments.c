/*
 * h_assignments.c — homework a therapist gives a linked dyad (POST
 * /therapist/dyads/{id}/assignments): a topic and depth for some days, with
 * a note sealed in the therapist's browser to each member's key.
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
