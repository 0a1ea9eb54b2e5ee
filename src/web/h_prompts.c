/*
 * h_prompts.c — the prompt library, comfort levels and the next prompt:
 * GET /prompts, GET|PUT /dyads/{id}/comfort, GET /dyads/{id}/next-prompt.
 *
 * Trust and depth are derived, not stored: trust is replayed from the
 * dyad's share metadata (core/pacing.c) and the day's pick is seeded by the
 * day. What is stored is which prompt the dyad was offered on which day
 * (prompt_offers), so that nothing seen in the last 180 days comes back while
 * unseen prompts remain. The pick uses the offers of earlier days and the
 * prompts answered in shares, so it is stable all day and changes once
 * today's prompt is answered. Passing on a prompt leaves no trace beyond the
 * offer, so it looks exactly like not answering.
 */
#include <stdio.h>
#include <string.h>

#include "core/pacing.h"
#include "core/prompts.h"
#include "core/kind.h"
#include "web/handler.h"

enum { COMFORT_UNSET_DEFAULT = 3 };

_Static_assert((int)PROMPTS_ROLE_PARENT == (int)KIND_ROLE_PARENT &&
                   (int)PROMPTS_ROLE_CHILD == (int)KIND_ROLE_CHILD &&
                   (int)PROMPTS_ROLE_SIBLING == (int)KIND_ROLE_SIBLING &&
                   (int)PROMPTS_ROLE_GRANDPARENT == (int)KIND_ROLE_GRANDPARENT &&
                   (int)PROMPTS_ROLE_GRANDCHILD == (int)KIND_ROLE_GRANDCHILD,
               "a member's family role selects prompts \"for\" that role");

/* A comfort never set: 3, except for desire, which starts at 0 (not now)
 * until the person raises it — sex comes up only by choice. */
static int comfort_unset(int topic)
{
    return topic == PROMPTS_TOPIC_DESIRE ? 0 : COMFORT_UNSET_DEFAULT;
}

static json_t *prompt_json(const struct prompt *p)
{
    json_t *kinds = json_array();
    for (int k = 0; k < PROMPTS_KIND__MAX; k++)
        if (prompts_has_kind(p, k))
            json_array_append_new(kinds, json_string(prompts_kind_name(k)));
    json_t *o =
        json_pack("{s:s, s:s, s:i, s:o, s:s}", "id", p->id, "topic", prompts_topic_name(p->topic),
                  "depth", p->depth, "kinds", kinds, "text", p->text);
    if (o != NULL && p->for_role != PROMPTS_ROLE_NONE)
        json_object_set_new(o, "for", json_string(prompts_role_name((int)p->for_role)));
    if (o != NULL && p->support)
        json_object_set_new(o, "support", json_true());
    return o;
}

void h_prompts(struct ctx *c)
{
    int kind = PROMPTS_KIND_ANY, topic = PROMPTS_TOPIC_ANY, depth = PROMPTS_DEPTH_ANY;
    const char *k = http_query(c->req, "kind"), *t = http_query(c->req, "topic"),
               *d = http_query(c->req, "depth");
    if (k != NULL && (kind = prompts_kind_from_name(k)) < 0) {
        reply_error(c, API_INVALID_FIELD, "kind", "kind is couple, friends or family.");
        return;
    }
    if (t != NULL && (topic = prompts_topic_from_name(t)) < 0) {
        reply_error(c, API_INVALID_FIELD, "topic", "There is no such topic.");
        return;
    }
    if (d != NULL && (strlen(d) != 1 || d[0] < '1' || d[0] > '5')) {
        reply_error(c, API_INVALID_FIELD, "depth", "depth is 1 to 5.");
        return;
    }
    if (d != NULL)
        depth = d[0] - '0';
    size_t total = prompts_filter(&c->app->prompts, kind, topic, depth, NULL, 0);
    const struct prompt **found =
        arena_alloc(c->arena, (total + 1) * sizeof(const struct prompt *));
    if (found == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return;
    }
    size_t n = prompts_filter(&c->app->prompts, kind, topic, depth, found, total);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < total; i++)
        json_array_append_new(list, prompt_json(found[i]));
    reply_json(c, 200, json_pack("{s:o}", "prompts", list));
}

/* ---- comfort -------------------------------------------------------------- */

static void history_row(void *p, int topic, int level, int64_t set_at)
{
    json_array_append_new(p, json_pack("{s:s, s:i, s:o}", "topic", prompts_topic_name(topic),
                                       "level", level, "set_at", json_time(set_at)));
}

static void reply_comfort(struct ctx *c, const struct membership *m)
{
    int levels[PROMPTS_TOPIC__MAX];
    enum store_result r =
        store_comfort_current(c->app->store, m->dyad.id, c->user.id, levels, PROMPTS_TOPIC__MAX);
    json_t *current = json_object(), *history = json_array();
    for (int t = 0; r == STORE_OK && t < PROMPTS_TOPIC__MAX; t++)
        if (prompts_topic_allows_kind(t, (int)m->dyad.kind))
            json_object_set_new(current, prompts_topic_name(t),
                                levels[t] >= 0              ? json_integer(levels[t])
                                : t == PROMPTS_TOPIC_DESIRE ? json_integer(0)
                                                            : json_null());
    if (r == STORE_OK)
        r = store_comfort_history(c->app->store, m->dyad.id, c->user.id, history_row, history);
    if (r != STORE_OK) {
        json_decref(current);
        json_decref(history);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200,
               json_pack("{s:o, s:o, s:i}", "comfort", current, "history", history, "default",
                         COMFORT_UNSET_DEFAULT));
}

/* Only one's own comfort, ever: the partner's levels never leave the server
 * except as the depth they allow. */
void h_comfort_get(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    reply_comfort(c, &m);
}

void h_comfort_put(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    int topics[PROMPTS_TOPIC__MAX], levels[PROMPTS_TOPIC__MAX], n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        /* a topic name with a level 0–5 (routes.c); desire only for a couple */
        int t = prompts_topic_from_name(key);
        if (!prompts_topic_allows_kind(t, (int)m.dyad.kind)) {
            reply_error(c, API_INVALID_FIELD, key,
                        arena_printf(c->arena, "'%s' is not a topic of this dyad.", key));
            return;
        }
        topics[n] = t;
        levels[n++] = (int)json_integer_value(v);
    }
    if (n == 0) {
        reply_error(c, API_MISSING_FIELD, NULL, "Give at least one topic and its level.");
        return;
    }
    for (int i = 0; i < n; i++) {
        enum store_result r =
            store_comfort_set(c->app->store, m.dyad.id, c->user.id, topics[i], levels[i], c->now);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
    }
    reply_comfort(c, &m);
}

/* ---- next prompt ---------------------------------------------------------- */

struct replay {
    const struct membership *m;
    struct pacing_share *shares;
    size_t n, cap;
    struct pacing_seen *seen;
    size_t n_seen, seen_cap;
    struct arena *arena;
    long today;
    bool oom;
};

static void add_seen(struct replay *rp, const char *prompt_id, long day)
{
    if (rp->n_seen == rp->seen_cap) {
        size_t cap = rp->seen_cap ? rp->seen_cap * 2 : 64;
        struct pacing_seen *u = arena_alloc(rp->arena, cap * sizeof *u);
        if (u == NULL) {
            rp->oom = true;
            return;
        }
        if (rp->n_seen)
            memcpy(u, rp->seen, rp->n_seen * sizeof *u);
        rp->seen = u;
        rp->seen_cap = cap;
    }
    const char *id = arena_strdup(rp->arena, prompt_id);
    if (id == NULL) {
        rp->oom = true;
        return;
    }
    rp->seen[rp->n_seen++] = (struct pacing_seen){id, day};
}

static void collect_share(void *p, const struct share_meta *sm)
{
    struct replay *rp = p;
    if (rp->n == rp->cap) {
        size_t cap = rp->cap ? rp->cap * 2 : 64;
        struct pacing_share *s = arena_alloc(rp->arena, cap * sizeof *s);
        if (s == NULL) {
            rp->oom = true;
            return;
        }
        if (rp->n)
            memcpy(s, rp->shares, rp->n * sizeof *s);
        rp->shares = s;
        rp->cap = cap;
    }
    struct pacing_share *s = &rp->shares[rp->n++];
    s->author = strcmp(sm->author_id, rp->m->members[0].user_id) == 0 ? 0 : 1;
    s->depth = sm->depth;
    s->day = (long)(sm->created_at / 86400);
    s->answered = sm->answered_at != 0;
    s->answer_day = s->answered ? (long)(sm->answered_at / 86400) : s->day;
    if (sm->prompt_id[0] != '\0')
        add_seen(rp, sm->prompt_id, s->day);
}

/* Offers of earlier days only: today's offer must not push today's pick
 * aside, or the prompt would change each time the page is opened. */
static void collect_offer(void *p, const char *prompt_id, long day)
{
    struct replay *rp = p;
    if (day < rp->today)
        add_seen(rp, prompt_id, day);
}

/* FNV-1a: a stable seed from the dyad id and the day. */
static uint64_t day_seed(const char *dyad_id, long day)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dyad_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (h ^ (uint64_t)day) * 1099511628211ull;
}

void h_next_prompt(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    int kind = (int)m.dyad.kind;
    int topic = PROMPTS_TOPIC_ANY;
    const char *t = http_query(c->req, "topic");
    if (t != NULL &&
        ((topic = prompts_topic_from_name(t)) < 0 || !prompts_topic_allows_kind(topic, kind))) {
        reply_error(c, API_INVALID_FIELD, "topic", "There is no such topic for this dyad.");
        return;
    }
    /* peek=1: only look (the guided conversation asks every topic for its
     * depth); the prompt is not recorded as offered. */
    const char *peek_q = http_query(c->req, "peek");
    if (peek_q != NULL && strcmp(peek_q, "1") != 0 && strcmp(peek_q, "0") != 0) {
        reply_error(c, API_INVALID_FIELD, "peek", "peek is 1 (only look) or 0.");
        return;
    }
    bool peek = peek_q != NULL && strcmp(peek_q, "1") == 0;
    long today = server_today(c);
    struct replay rp = {.m = &m, .arena = c->arena, .today = today};
    enum store_result r = store_share_meta(c->app->store, m.dyad.id, 0, collect_share, &rp);
    if (r == STORE_OK && !rp.oom)
        r = store_prompt_offers(c->app->store, m.dyad.id, today - PACING_REPEAT_DAYS, collect_offer,
                                &rp);
    if (r != STORE_OK || rp.oom) {
        reply_store(c, r != STORE_OK ? r : STORE_ERROR);
        return;
    }
    struct pacing_trust trust;
    if (pacing_trust(rp.shares, rp.n, today, &trust) != 0) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return;
    }
    int comfort[2][PROMPTS_TOPIC__MAX];
    for (size_t i = 0; i < 2; i++) {
        for (int k = 0; k < PROMPTS_TOPIC__MAX; k++)
            comfort[i][k] = comfort_unset(k);
        if (i < m.n) {
            r = store_comfort_current(c->app->store, m.dyad.id, m.members[i].user_id, comfort[i],
                                      PROMPTS_TOPIC__MAX);
            if (r != STORE_OK) {
                reply_store(c, r);
                return;
            }
            for (int k = 0; k < PROMPTS_TOPIC__MAX; k++)
                if (comfort[i][k] < 0)
                    comfort[i][k] = comfort_unset(k);
        }
    }
    /* Desire is offered only when both members chose sexual tracking. */
    if (!kind_desire_open(kind, m.members[0].track_sexual, m.n > 1 && m.members[1].track_sexual))
        comfort[0][PROMPTS_TOPIC_DESIRE] = comfort[1][PROMPTS_TOPIC_DESIRE] = 0;
    uint64_t seed = day_seed(m.dyad.id, today);
    /* A therapist's homework sets the topic and asks for a depth; comfort
     * still wins (pacing_next_depth). */
    struct assignment hw;
    unsigned char note[1200];
    size_t note_len = 0;
    r = store_assignment_current(c->app->store, m.dyad.id, c->now, c->user.id, &hw, note,
                                 sizeof note, &note_len);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return;
    }
    bool homework = r == STORE_OK && (topic == PROMPTS_TOPIC_ANY || topic == hw.topic) &&
                    prompts_topic_allows_kind(hw.topic, kind);
    if (homework)
        topic = hw.topic;
    /* The depth each topic may go to today; 0 where it is set aside. */
    struct pacing_depth depth[PROMPTS_TOPIC__MAX];
    int depths[PROMPTS_TOPIC__MAX];
    int n_open = 0;
    for (int k = 0; k < PROMPTS_TOPIC__MAX; k++) {
        depths[k] = 0;
        depth[k] = (struct pacing_depth){0, PACING_DEPTH_TOPIC_SET_ASIDE};
        if (!prompts_topic_allows_kind(k, kind))
            continue;
        if (pacing_next_depth(trust.level, comfort[0][k], comfort[1][k],
                              homework && k == hw.topic ? hw.depth : 0, &depth[k]) != 0) {
            reply_error(c, API_INTERNAL, NULL, NULL);
            return;
        }
        depths[k] = depth[k].depth;
        if (depths[k] > 0)
            n_open++;
    }
    if (topic == PROMPTS_TOPIC_ANY && n_open == 0) {
        reply_json(c, 200,
                   json_pack("{s:n, s:i, s:s, s:s, s:i}", "prompt", "depth", 0, "reason_code",
                             "topic_set_aside", "reason",
                             "Every topic is set aside for now; comfort can be changed any time.",
                             "trust", trust.level));
        return;
    }
    char reason[1024];
    if (topic != PROMPTS_TOPIC_ANY && depths[topic] == 0) {
        pacing_depth_explain(&depth[topic], reason, sizeof reason);
        reply_json(c, 200,
                   json_pack("{s:n, s:i, s:s, s:s, s:s, s:i}", "prompt", "depth", 0, "topic",
                             prompts_topic_name(topic), "reason_code",
                             pacing_depth_reason_code(depth[topic].reason), "reason", reason,
                             "trust", trust.level));
        return;
    }
    /* A family member is offered prompts written for anyone and those "for"
     * their own role; with no role said, or "other", only the former.
     * (enum kind_role and enum prompts_role agree from parent to grandchild.) */
    int my_role = m.dyad.kind == DYAD_FAMILY ? m.members[m.me].family_role : KIND_ROLE_NONE;
    struct pacing_request rq = {
        .kind = kind,
        .role =
            my_role > KIND_ROLE_NONE && my_role < PROMPTS_ROLE__MAX ? my_role : PROMPTS_ROLE_NONE,
        .depth = depths,
        .topic = topic,
        .seen = rp.seen,
        .n_seen = rp.n_seen,
        .today = today,
        .seed = seed,
    };
    struct pacing_pick pick;
    if (pacing_pick_prompt(&c->app->prompts, &rq, &pick) != 0) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return;
    }
    /* The topic the prompt came from (another topic when the day's was used
     * up), and the reason for its depth, then the reason for this prompt. */
    int shown = pick.prompt != NULL ? (int)pick.prompt->topic : pick.topic;
    int len = pacing_depth_explain(&depth[shown], reason, sizeof reason);
    if (pick.prompt != NULL && len >= 0 && (size_t)len + 1 < sizeof reason) {
        reason[len] = ' ';
        pacing_pick_explain(&pick, reason + len + 1, sizeof reason - (size_t)len - 1);
    }
    json_t *out = json_pack("{s:o, s:i, s:s, s:s, s:s, s:i}", "prompt",
                            pick.prompt != NULL ? prompt_json(pick.prompt) : json_null(), "depth",
                            pick.prompt != NULL ? pick.prompt->depth : depths[shown], "topic",
                            prompts_topic_name(shown), "reason_code",
                            pacing_depth_reason_code(depth[shown].reason), "reason", reason,
                            "trust", trust.level);
    if (out != NULL && pick.prompt != NULL) {
        json_object_set_new(out, "pick_reason_code",
                            json_string(pacing_pick_reason_code((int)pick.reason)));
        json_object_set_new(out, "allowed_depth", json_integer(depths[shown]));
    }
    /* homework followed: the first time it is shown to this member */
    if (homework && out != NULL &&
        store_assignment_opened(c->app->store, hw.id, c->user.id, c->now) != STORE_OK) {
        json_decref(out);
        reply_store(c, STORE_ERROR);
        return;
    }
    if (homework && out != NULL)
        json_object_set_new(out, "homework",
                            json_pack("{s:s, s:s, s:i, s:o, s:o}", "id", hw.id, "topic",
                                      prompts_topic_name(hw.topic), "depth", hw.depth, "ends_at",
                                      json_time(hw.ends_at), "note",
                                      note_len > 0 ? json_b64(note, note_len) : json_null()));
    /* Recording the offer is best effort: if it fails, the worst outcome is
     * that this prompt may come back sooner. */
    if (pick.prompt != NULL && !peek)
        (void)store_prompt_offer_add(c->app->store, m.dyad.id, pick.prompt->id, today);
    reply_json(c, 200, out);
}
