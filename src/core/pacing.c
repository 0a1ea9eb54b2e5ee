/*
 * pacing.c — trust replay, depth capping and prompt selection (see pacing.h
 * for the contract and docs/pacing.md for the reasons).
 *
 * Trust is replayed from the share history on every call rather than kept in
 * a column: a rule that is tuned later then applies to the whole history at
 * once, a deleted share (a member leaving, erasure) changes the level the way
 * it should, and there is no stored state that could drift from the facts.
 */
#include "core/pacing.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Day numbers beyond this are not calendar dates dyad can produce (9999-12-31
 * is day 2932896); refusing them keeps the replay's arithmetic far from
 * overflow. */
#define PACING_DAY_LIMIT 4000000L

static const char *const trust_reason_codes[PACING_TRUST__MAX] = {
    [PACING_TRUST_START] = "start",
    [PACING_TRUST_ROSE] = "rose",
    [PACING_TRUST_STEPPED_BACK_DEEP] = "unanswered_at_depth",
    [PACING_TRUST_STEPPED_BACK_UNANSWERED] = "mostly_unanswered",
};

const char *pacing_trust_reason_code(int r)
{
    if (r < 0 || r >= PACING_TRUST__MAX)
        return NULL;
    return trust_reason_codes[r];
}

static bool answered_by(const struct pacing_share *s, long d)
{
    return s->answered && s->answer_day <= d;
}

/* The counts of the rule on day d, at level `level`, over shares made after
 * day `since`. */
static void trust_counts(const struct pacing_share *shares, size_t n, long d, int level, long since,
                         struct pacing_trust_counts *c)
{
    long first = 0, last = 0;
    int counted = 0;

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        const struct pacing_share *s = &shares[i];
        if (s->day <= since || s->day > d)
            continue;
        bool ok = answered_by(s, d);
        if (ok && s->depth >= level) {
            c->answered_each[s->author]++;
            if (counted == 0 || s->day < first)
                first = s->day;
            if (counted == 0 || s->day > last)
                last = s->day;
            counted++;
        }
        if (s->day > d - PACING_WINDOW_DAYS) {
            if (ok) {
                c->answered++;
                if (s->depth >= level)
                    c->answered_deep++;
            } else if (d - s->day > PACING_ANSWER_GRACE_DAYS) {
                c->unanswered++;
                if (s->depth >= level)
                    c->unanswered_deep++;
            }
        }
    }
    c->span_days = counted > 0 ? (int)(last - first + 1) : 0;
}

/* The first day after d on which some count can change: a share is made, is
 * answered, passes its grace, or leaves the window. LONG_MAX when none. */
static long next_event(const struct pacing_share *shares, size_t n, long d)
{
    long next = LONG_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct pacing_share *s = &shares[i];
        const long ev[4] = {s->day, s->answered ? s->answer_day : LONG_MAX,
                            s->day + PACING_ANSWER_GRACE_DAYS + 1, s->day + PACING_WINDOW_DAYS};
        for (int k = 0; k < 4; k++)
            if (ev[k] > d && ev[k] < next)
                next = ev[k];
    }
    return next;
}

int pacing_trust(const struct pacing_share *shares, size_t n, long today, struct pacing_trust *out)
{
    if (out == NULL || (n > 0 && shares == NULL))
        return -1;
    if (today < 0 || today > PACING_DAY_LIMIT)
        return -1;
    long first = LONG_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct pacing_share *s = &shares[i];
        if (s->author < 0 || s->author > 1 || s->depth < PROMPTS_DEPTH_MIN ||
            s->depth > PROMPTS_DEPTH_MAX || s->day < 0 || s->day > PACING_DAY_LIMIT)
            return -1;
        if (s->answered && (s->answer_day < s->day || s->answer_day > PACING_DAY_LIMIT))
            return -1;
        if (s->day < first)
            first = s->day;
    }

    struct pacing_trust t;
    memset(&t, 0, sizeof(t));
    t.level = PACING_TRUST_MIN;
    t.reason = PACING_TRUST_START;
    long since = LONG_MIN; /* only shares made after this day count */

    /* Counts change only on event days, and after a change they restart
     * from nothing, so evaluating on event days alone gives exactly the
     * result of walking every day — at a cost bounded by the events. */
    for (long d = first; d <= today; d = next_event(shares, n, d)) {
        struct pacing_trust_counts c;
        trust_counts(shares, n, d, t.level, since, &c);

        /* Step back first: when the same day shows both answered depth and
         * unanswered sharing, the unanswered sharing is what needs care. */
        if (t.level > PACING_TRUST_MIN) {
            enum pacing_trust_reason r = PACING_TRUST__MAX;
            if (c.unanswered_deep >= PACING_STEP_BACK_UNANSWERED_DEEP &&
                c.unanswered_deep * PACING_STEP_BACK_DEEP_ONE_IN >=
                    c.unanswered_deep + c.answered_deep)
                r = PACING_TRUST_STEPPED_BACK_DEEP;
            else if (c.unanswered >= PACING_STEP_BACK_UNANSWERED_MIN && c.unanswered > c.answered)
                r = PACING_TRUST_STEPPED_BACK_UNANSWERED;
            if (r != PACING_TRUST__MAX) {
                t.level--;
                t.reason = r;
                t.changed_day = d;
                t.why = c;
                t.step_backs++;
                since = d;
                continue;
            }
        }
        if (t.level < PACING_TRUST_MAX && c.answered_each[0] >= PACING_RISE_ANSWERED_EACH &&
            c.answered_each[1] >= PACING_RISE_ANSWERED_EACH &&
            c.span_days >= PACING_RISE_SPAN_DAYS) {
            t.level++;
            t.reason = PACING_TRUST_ROSE;
            t.changed_day = d;
            t.why = c;
            t.rises++;
            since = d;
        }
    }
    trust_counts(shares, n, today, t.level, since, &t.now);
    *out = t;
    return 0;
}

/* ---- depth -------------------------------------------------------------- */

static const char *const depth_reason_codes[PACING_DEPTH__MAX] = {
    [PACING_DEPTH_TRUST] = "trust",
    [PACING_DEPTH_DEEPEST] = "deepest",
    [PACING_DEPTH_COMFORT] = "comfort",
    [PACING_DEPTH_HOMEWORK] = "homework",
    [PACING_DEPTH_HOMEWORK_COMFORT] = "homework_comfort",
    [PACING_DEPTH_HOMEWORK_TRUST] = "homework_trust",
    [PACING_DEPTH_TOPIC_SET_ASIDE] = "topic_set_aside",
};

const char *pacing_depth_reason_code(int r)
{
    if (r < 0 || r >= PACING_DEPTH__MAX)
        return NULL;
    return depth_reason_codes[r];
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

int pacing_next_depth(int trust, int comfort_a, int comfort_b, int homework_depth,
                      struct pacing_depth *out)
{
    if (out == NULL || trust < PACING_TRUST_MIN || trust > PACING_TRUST_MAX)
        return -1;
    if (comfort_a < 0 || comfort_a > PROMPTS_DEPTH_MAX || comfort_b < 0 ||
        comfort_b > PROMPTS_DEPTH_MAX || homework_depth < 0 || homework_depth > PROMPTS_DEPTH_MAX)
        return -1;

    int comfort = imin(comfort_a, comfort_b);
    int trust_cap = imin(trust + 1, PROMPTS_DEPTH_MAX);
    /* On a tie the reason names trust: saying "comfort" would tell a member
     * whose own comfort is higher exactly where the partner's stands. */
    bool trust_binds = trust_cap <= comfort;

    if (comfort == 0) {
        out->depth = 0;
        out->reason = PACING_DEPTH_TOPIC_SET_ASIDE;
        return 0;
    }
    if (homework_depth > 0) {
        out->depth = imin(homework_depth, imin(trust_cap, comfort));
        if (out->depth == homework_depth)
            out->reason = PACING_DEPTH_HOMEWORK;
        else
            out->reason = trust_binds ? PACING_DEPTH_HOMEWORK_TRUST : PACING_DEPTH_HOMEWORK_COMFORT;
        return 0;
    }
    out->depth = imin(trust_cap, comfort);
    if (!trust_binds)
        out->reason = PACING_DEPTH_COMFORT;
    else if (out->depth == PROMPTS_DEPTH_MAX)
        out->reason = PACING_DEPTH_DEEPEST;
    else
        out->reason = PACING_DEPTH_TRUST;
    return 0;
}

int pacing_depth_explain(const struct pacing_depth *d, char *buf, size_t buflen)
{
    if (d == NULL)
        return -1;
    switch (d->reason) {
    case PACING_DEPTH_TRUST:
        return snprintf(buf, buflen,
                        "Depth %d is one step beyond the trust you have built together so far. "
                        "It goes deeper as you both keep sharing and answering each other over "
                        "time.",
                        d->depth);
    case PACING_DEPTH_DEEPEST:
        return snprintf(buf, buflen,
                        "Depth %d is as deep as these prompts go. You have built the trust for it "
                        "together, and it is within what you both said you are comfortable with.",
                        d->depth);
    case PACING_DEPTH_COMFORT:
        return snprintf(buf, buflen,
                        "Kept at depth %d because that is as far as you both said you are "
                        "comfortable going with this topic.",
                        d->depth);
    case PACING_DEPTH_HOMEWORK:
        return snprintf(buf, buflen, "Depth %d, as your therapist suggested for this topic.",
                        d->depth);
    case PACING_DEPTH_HOMEWORK_COMFORT:
        return snprintf(buf, buflen,
                        "Your therapist suggested going deeper, but this stays at depth %d "
                        "because that is as far as you both said you are comfortable going with "
                        "this topic. Your comfort comes first.",
                        d->depth);
    case PACING_DEPTH_HOMEWORK_TRUST:
        return snprintf(buf, buflen,
                        "Your therapist suggested going deeper; this stays at depth %d, one step "
                        "beyond the trust you have built together so far, so the pace stays "
                        "yours.",
                        d->depth);
    case PACING_DEPTH_TOPIC_SET_ASIDE:
        return snprintf(buf, buflen,
                        "Nothing from this topic is suggested for now, because it has been set "
                        "aside. Each of you can change your own comfort at any time.");
    case PACING_DEPTH__MAX:
        break;
    }
    return -1;
}

/* ---- prompt selection --------------------------------------------------- */

/* SplitMix64: a tiny, well-mixed, portable step, so a seed picks the same
 * prompt on every platform and libc (rand() would not). */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* FNV-1a of a prompt id: with the seed it ranks candidates (rendezvous
 * hashing), so a prompt's rank does not depend on which others are in the
 * running. */
static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct picker {
    const struct prompt_library *lib;
    const struct pacing_request *rq;
    const long *last; /* per library entry: the last day seen, or LONG_MIN */
    bool never_only;  /* fresh means never seen at all */
};

static bool fits(const struct picker *pk, const struct prompt *p)
{
    const struct pacing_request *rq = pk->rq;
    return prompts_has_kind(p, rq->kind) && prompts_topic_allows_kind((int)p->topic, rq->kind) &&
           prompts_suits_role(p, rq->role) && !(rq->no_support && p->support) &&
           rq->depth[p->topic] > 0;
}

/* Never seen (first round), or not within PACING_REPEAT_DAYS (second). */
static bool fresh(const struct picker *pk, size_t i)
{
    if (pk->never_only)
        return pk->last[i] == LONG_MIN;
    return pk->last[i] == LONG_MIN || pk->rq->today - pk->last[i] >= PACING_REPEAT_DAYS;
}

/* The best candidate of topic t at depth d: among fresh ones the highest
 * rank (want_fresh), or among all the one seen longest ago, then the highest
 * rank. SIZE_MAX when there is none. */
static size_t best_in(const struct picker *pk, int t, int d, bool want_fresh)
{
    size_t best = SIZE_MAX;
    uint64_t best_rank = 0;
    for (size_t i = 0; i < pk->lib->count; i++) {
        const struct prompt *p = &pk->lib->items[i];
        if ((int)p->topic != t || p->depth != d || !fits(pk, p))
            continue;
        if (want_fresh && !fresh(pk, i))
            continue;
        uint64_t rank = mix64(pk->rq->seed ^ id_hash(p->id));
        bool better;
        if (best == SIZE_MAX)
            better = true;
        else if (!want_fresh && pk->last[i] != pk->last[best])
            better = pk->last[i] < pk->last[best];
        else
            better = rank > best_rank;
        if (better) {
            best = i;
            best_rank = rank;
        }
    }
    return best;
}

int pacing_pick_prompt(const struct prompt_library *lib, const struct pacing_request *rq,
                       struct pacing_pick *out)
{
    if (lib == NULL || rq == NULL || out == NULL || rq->depth == NULL || rq->kind < 0 ||
        rq->kind >= PROMPTS_KIND__MAX || (rq->n_seen > 0 && rq->seen == NULL))
        return -1;
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
        if (rq->depth[t] < 0 || rq->depth[t] > PROMPTS_DEPTH_MAX)
            return -1;
    if (rq->topic != PROMPTS_TOPIC_ANY &&
        (rq->topic < 0 || rq->topic >= PROMPTS_TOPIC__MAX || rq->depth[rq->topic] == 0 ||
         !prompts_topic_allows_kind(rq->topic, rq->kind)))
        return -1;
    memset(out, 0, sizeof(*out));
    out->topic = -1;
    out->days_since = -1;

    int order[PROMPTS_TOPIC__MAX], n = 0;
    if (rq->topic == PROMPTS_TOPIC_ANY) {
        int open[PROMPTS_TOPIC__MAX], n_open = 0;
        for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
            if (rq->depth[t] > 0 && prompts_topic_allows_kind(t, rq->kind))
                open[n_open++] = t;
        if (n_open == 0)
            return 0;
        size_t start = (size_t)(mix64(rq->seed) % (uint64_t)n_open);
        for (int k = 0; k < n_open; k++)
            order[n++] = open[(start + (size_t)k) % (size_t)n_open];
        out->any_topic = true;
    } else {
        order[n++] = rq->topic;
    }
    out->topic = order[0];
    out->depth = rq->depth[order[0]];

    long *last = malloc((lib->count ? lib->count : 1) * sizeof(*last));
    if (last == NULL)
        return -1;
    for (size_t i = 0; i < lib->count; i++)
        last[i] = LONG_MIN;
    for (size_t i = 0; i < rq->n_seen; i++) {
        const struct prompt *p =
            rq->seen[i].prompt_id != NULL ? prompts_find(lib, rq->seen[i].prompt_id) : NULL;
        if (p == NULL)
            continue;
        size_t at = (size_t)(p - lib->items);
        /* A day after today (a clock set back) counts as today. */
        long day = rq->seen[i].day < rq->today ? rq->seen[i].day : rq->today;
        if (day > last[at])
            last[at] = day;
    }
    struct picker pk = {lib, rq, last, false};

    for (size_t i = 0; i < lib->count; i++) {
        const struct prompt *p = &lib->items[i];
        if ((int)p->topic == out->topic && p->depth == out->depth && fits(&pk, p)) {
            out->cell_size++;
            if (fresh(&pk, i))
                out->cell_fresh++;
        }
    }

    size_t found = SIZE_MAX;
    /* Two rounds of steps 1-3: first with prompts never seen at all, then
     * with those not seen within PACING_REPEAT_DAYS, so a prompt comes back
     * only once everything that fits has been offered at least once. */
    for (int round = 0; round < 2 && found == SIZE_MAX; round++) {
        pk.never_only = round == 0;
        /* 1 and 2: each topic at its own depth, the day's first. */
        for (int k = 0; k < n && found == SIZE_MAX; k++) {
            found = best_in(&pk, order[k], rq->depth[order[k]], true);
            out->reason = k == 0 ? PACING_PICK_FRESH : PACING_PICK_OTHER_TOPIC;
        }
        /* 3: one step lighter everywhere before two steps anywhere. */
        for (int step = 1; step < PROMPTS_DEPTH_MAX && found == SIZE_MAX; step++) {
            for (int k = 0; k < n && found == SIZE_MAX; k++) {
                int d = rq->depth[order[k]] - step;
                if (d >= PROMPTS_DEPTH_MIN)
                    found = best_in(&pk, order[k], d, true);
            }
            out->reason = PACING_PICK_LIGHTER;
        }
    }
    pk.never_only = false;
    /* 4: nothing fresh: the one seen longest ago, as deep as the day's topic
     * (then the next topics) has any. */
    for (int k = 0; k < n && found == SIZE_MAX; k++) {
        for (int d = rq->depth[order[k]]; d >= PROMPTS_DEPTH_MIN && found == SIZE_MAX; d--)
            found = best_in(&pk, order[k], d, false);
        out->reason = PACING_PICK_OLDEST;
    }
    if (found != SIZE_MAX) {
        out->prompt = &lib->items[found];
        if (out->reason == PACING_PICK_OLDEST && last[found] != LONG_MIN)
            out->days_since = rq->today - last[found];
    } else {
        out->reason = PACING_PICK_FRESH;
    }
    free(last);
    return 0;
}

const char *pacing_pick_reason_code(int r)
{
    static const char *const codes[PACING_PICK__MAX] = {
        [PACING_PICK_FRESH] = "fresh",
        [PACING_PICK_OTHER_TOPIC] = "other_topic",
        [PACING_PICK_LIGHTER] = "lighter",
        [PACING_PICK_OLDEST] = "oldest",
    };
    if (r < 0 || r >= PACING_PICK__MAX)
        return NULL;
    return codes[r];
}

int pacing_pick_explain(const struct pacing_pick *pk, char *buf, size_t buflen)
{
    if (pk == NULL || pk->prompt == NULL || pk->topic < 0)
        return -1;
    const char *day_topic = prompts_topic_name(pk->topic);
    const char *topic = prompts_topic_name((int)pk->prompt->topic);
    switch (pk->reason) {
    case PACING_PICK_FRESH:
        if (pk->cell_fresh == 1)
            return snprintf(buf, buflen,
                            "This is the one %s prompt at depth %d left that you have not been "
                            "offered in the last %d days.",
                            topic, pk->prompt->depth, PACING_REPEAT_DAYS);
        return snprintf(buf, buflen,
                        "Chosen for today among the %zu %s prompts at depth %d that you have not "
                        "been offered in the last %d days.",
                        pk->cell_fresh, topic, pk->prompt->depth, PACING_REPEAT_DAYS);
    case PACING_PICK_OTHER_TOPIC:
        return snprintf(buf, buflen,
                        "You have been offered every %s prompt at depth %d in the last %d days, "
                        "so today's comes from %s, one you have not had.",
                        day_topic, pk->depth, PACING_REPEAT_DAYS, topic);
    case PACING_PICK_LIGHTER:
        if (pk->any_topic)
            return snprintf(buf, buflen,
                            "You have been offered every prompt at the depth each topic allows "
                            "in the last %d days, so this is a lighter one, at depth %d, that "
                            "you have not had.",
                            PACING_REPEAT_DAYS, pk->prompt->depth);
        if (pk->cell_size == 0)
            return snprintf(buf, buflen,
                            "There is no %s prompt at depth %d for you, so this one is lighter, "
                            "at depth %d.",
                            day_topic, pk->depth, pk->prompt->depth);
        return snprintf(buf, buflen,
                        "You have been offered every %s prompt at depth %d in the last %d days, "
                        "so this is a lighter one, at depth %d, that you have not had.",
                        day_topic, pk->depth, PACING_REPEAT_DAYS, pk->prompt->depth);
    case PACING_PICK_OLDEST:
        return snprintf(buf, buflen,
                        "You have been offered every prompt that fits in the last %d days, so "
                        "this is the one you were offered longest ago, %ld days back.",
                        PACING_REPEAT_DAYS, pk->days_since);
    case PACING_PICK__MAX:
        break;
    }
    return -1;
}
