/*
 * h_checkins.c — the daily check-in: PUT /dyads/{id}/checkins/{date} and
 * GET /dyads/{id}/checkins.
 *
 * Emotional closeness, affection and sexual connection stay separate items,
 * never blended. Each member chooses which items the partner may see
 * (nothing until chosen); the partner's view holds only those, and no row
 * at all for a day on which nothing was shown. The note is ciphertext under
 * the author's personal key and never leaves for anyone else — not even
 * whether it exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkin.h"
#include "core/validate.h"
#include "web/handler.h"

static json_t *score_json(int8_t v)
{
    return v == STORE_NULL ? json_null() : json_integer(v);
}

void h_checkin_put(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    if (m.dyad.ended_at != 0) {
        reply_error(c, API_CONFLICT, NULL, "This dyad has ended.");
        return;
    }
    long day;
    if (date_parse(route_param(&c->params, "date"), &day) != 0) {
        reply_error(c, API_INVALID_FIELD, "date", "The date must be YYYY-MM-DD.");
        return;
    }
    if (!checkin_day_writable(day, server_today(c))) {
        reply_error(c, API_INVALID_FIELD, "date",
                    "A check-in can be written for today and the 7 days before it.");
        return;
    }
    const struct member *me = &m.members[m.me];
    bool sexual_allowed = m.dyad.kind == DYAD_COUPLE && me->track_sexual;

    struct checkin k;
    memset(&k, 0, sizeof k);
    snprintf(k.user_id, sizeof k.user_id, "%s", c->user.id);
    k.day = day;
    k.updated_at = c->now;
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        k.score[i] = (int8_t)body_int(c, insights_item_name(i), STORE_NULL);
    if (k.score[INSIGHTS_ITEM_SEXUAL] != STORE_NULL && !sexual_allowed) {
        reply_error(c, API_INVALID_FIELD, "sexual",
                    m.dyad.kind == DYAD_COUPLE
                        ? "Sexual connection is recorded only after you turn it on in settings."
                        : "Sexual connection is tracked only in a couple.");
        return;
    }

    k.emotions = body_mask(c, "emotions");
    json_t *w = json_object_get(c->body, "wordless");
    k.wordless = w == NULL || json_is_null(w) ? STORE_NULL : json_is_true(w) ? 1 : 0;
    k.show_mask = body_mask(c, "show_partner");
    if ((k.show_mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL)) && !sexual_allowed) {
        reply_error(c, API_INVALID_FIELD, "show_partner",
                    "Sexual connection is not tracked here, so it cannot be shown.");
        return;
    }
    size_t note_len = 0;
    const unsigned char *note = body_bytes(c, "note", &note_len);
    k.has_note = note != NULL;
    enum store_result r = store_checkin_put(c->app->store, m.dyad.id, &k, note, note_len);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    char date[11];
    date_format(day, date);
    reply_json(c, 200, json_pack("{s:{s:s, s:s}}", "checkin", "user_id", k.user_id, "date", date));
}

/* from/to query values, defaulting to the last 28 days; -1 after a 400. */
static int take_range(struct ctx *c, long *from, long *to)
{
    const char *f = http_query(c->req, "from"), *t = http_query(c->req, "to");
    *to = server_today(c) + CHECKIN_DAYS_AHEAD;
    if (t != NULL && date_parse(t, to) != 0) {
        reply_error(c, API_INVALID_FIELD, "to", "to must be a date YYYY-MM-DD.");
        return -1;
    }
    *from = *to - 27;
    if (f != NULL && date_parse(f, from) != 0) {
        reply_error(c, API_INVALID_FIELD, "from", "from must be a date YYYY-MM-DD.");
        return -1;
    }
    if (*from > *to || *to - *from > 365) {
        reply_error(c, API_INVALID_FIELD, "from", "from must be at most 366 days before to.");
        return -1;
    }
    return 0;
}

struct note_ctx {
    json_t *rows; /* own rows, by date */
};

static void attach_note(void *p, long day, const unsigned char *note, size_t len)
{
    struct note_ctx *n = p;
    char date[11];
    date_format(day, date);
    json_t *row = json_object_get(n->rows, date);
    if (row != NULL)
        json_object_set_new(row, "note", json_b64(note, len));
}

/* The items of k that mask lets through. For the partner's view (own
 * false) an item passed on that day is left out like one not shown, so a
 * pass looks exactly like not answering. */
static unsigned answered_mask(const struct checkin *k, unsigned mask)
{
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        if (k->score[i] == STORE_NULL)
            mask &= ~INSIGHTS_ITEM_BIT(i);
    if (k->emotions == 0)
        mask &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS);
    if (k->wordless == STORE_NULL)
        mask &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS);
    return mask;
}

static json_t *checkin_json(const struct checkin *k, unsigned mask, bool own)
{
    char date[11];
    date_format(k->day, date);
    json_t *o = json_pack("{s:s, s:s}", "user_id", k->user_id, "date", date);
    for (int i = 0; i < STORE_CHECKIN_SCORES; i++)
        if (mask & INSIGHTS_ITEM_BIT(i))
            json_object_set_new(o, insights_item_name(i), score_json(k->score[i]));
    if (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS)) {
        json_t *e = json_array();
        for (int i = 0; i < INSIGHTS_EMOTION__MAX; i++)
            if (k->emotions & (1u << i))
                json_array_append_new(e, json_string(checkin_emotion_name(i)));
        json_object_set_new(o, "emotions", e);
    }
    if (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS))
        json_object_set_new(o, "wordless",
                            k->wordless == STORE_NULL ? json_null() : json_boolean(k->wordless));
    if (own) {
        json_t *show = json_array();
        for (int i = 0; i < INSIGHTS_ITEM__MAX; i++)
            if (k->show_mask & INSIGHTS_ITEM_BIT(i) & CHECKIN_SHOWABLE)
                json_array_append_new(show, json_string(insights_item_name(i)));
        json_object_set_new(o, "show_partner", show);
        json_object_set_new(o, "note", json_null());
    }
    return o;
}

void h_checkin_list(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    long from, to;
    if (take_range(c, &from, &to) != 0)
        return;
    size_t max = 2 * (size_t)(to - from + 1), n = 0;
    struct checkin *rows = arena_alloc(c->arena, max * sizeof *rows);
    if (rows == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return;
    }
    enum store_result r = store_checkins(c->app->store, m.dyad.id, from, to, rows, max, &n);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    unsigned partner_extra = 0;
    if (m.partner >= 0 && !(m.dyad.kind == DYAD_COUPLE && m.members[m.partner].track_sexual))
        partner_extra = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL); /* never, when not tracked */
    json_t *list = json_array(), *own = json_object();
    for (size_t i = 0; i < n; i++) {
        bool mine = strcmp(rows[i].user_id, c->user.id) == 0;
        unsigned mask =
            mine ? CHECKIN_SHOWABLE
                 : answered_mask(&rows[i], rows[i].show_mask & CHECKIN_SHOWABLE & ~partner_extra);
        if (mask == 0)
            continue; /* a day the partner showed nothing: no row at all */
        json_t *o = checkin_json(&rows[i], mask, mine);
        json_array_append_new(list, o);
        if (mine)
            json_object_set(own, json_string_value(json_object_get(o, "date")), o);
    }
    struct note_ctx nc = {own};
    r = store_checkin_notes(c->app->store, m.dyad.id, c->user.id, from, to, attach_note, &nc);
    json_decref(own);
    if (r != STORE_OK) {
        json_decref(list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "checkins", list));
}
