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

#include <assert.h>
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

static bool in_pool(const struct prompt *p, int kind, unsigned topic_mask, int depth)
{
    return p->depth == depth && prompts_has_kind(p, kind) &&
           (topic_mask & PROMPTS_TOPIC_BIT(p->topic)) != 0 &&
           prompts_topic_allows_kind((int)p->topic, kind);
}

int pacing_pick_prompt(const struct prompt_library *lib, int kind, unsigned topic_mask, int depth,
                       const char *const *used, size_t n_used, uint64_t seed,
                       struct pacing_pick *out)
{
    if (lib == NULL || out == NULL || kind < 0 || kind >= PROMPTS_KIND__MAX ||
        depth < PROMPTS_DEPTH_MIN || depth > PROMPTS_DEPTH_MAX || (n_used > 0 && used == NULL))
        return -1;
    memset(out, 0, sizeof(*out));
    if (lib->count == 0)
        return 0;

    unsigned *seen = calloc(lib->count, sizeof(*seen));
    if (seen == NULL)
        return -1;
    size_t last = SIZE_MAX; /* library index of the most recently shown prompt */
    for (size_t i = 0; i < n_used; i++) {
        const struct prompt *p = used[i] != NULL ? prompts_find(lib, used[i]) : NULL;
        if (p == NULL)
            continue;
        last = (size_t)(p - lib->items);
        if (seen[last] < UINT_MAX)
            seen[last]++;
    }

    int d = depth;
    size_t pool = 0;
    unsigned least = UINT_MAX;
    for (; d >= PROMPTS_DEPTH_MIN; d--) {
        for (size_t i = 0; i < lib->count; i++) {
            if (!in_pool(&lib->items[i], kind, topic_mask, d))
                continue;
            pool++;
            if (seen[i] < least)
                least = seen[i];
        }
        if (pool > 0)
            break;
    }
    if (pool == 0) {
        free(seen);
        return 0;
    }

    size_t fresh = 0;
    bool last_fresh = false;
    for (size_t i = 0; i < lib->count; i++) {
        if (in_pool(&lib->items[i], kind, topic_mask, d) && seen[i] == least) {
            fresh++;
            if (i == last)
                last_fresh = true;
        }
    }
    /* The most recent showing is only ever among the least-seen right after a
     * round completes; skipping it then avoids the same prompt twice in a
     * row across the round boundary. */
    bool skip_last = last_fresh && fresh > 1;
    size_t candidates = fresh - (skip_last ? 1 : 0);
    /* pool > 0 and `least` is some pool entry's count, so fresh >= 1 */
    assert(candidates > 0);
    size_t want = (size_t)(mix64(seed) % candidates);

    for (size_t i = 0; i < lib->count; i++) {
        if (!in_pool(&lib->items[i], kind, topic_mask, d) || seen[i] != least)
            continue;
        if (skip_last && i == last)
            continue;
        if (want-- == 0) {
            out->prompt = &lib->items[i];
            break;
        }
    }
    out->depth = d;
    out->stepped_down = d < depth;
    out->cycle_completed = least > 0 && fresh == pool;
    out->pool_size = pool;
    out->pool_fresh = fresh;
    free(seen);
    return 0;
}
