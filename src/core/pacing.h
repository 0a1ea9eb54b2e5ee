/*
 * pacing.h — the trust-pacing engine: how deep the next suggested prompt may
 * go, and which prompt it is.
 *
 * Three pure, deterministic steps, each unit-tested on hand-computed cases
 * (docs/pacing.md explains the rules and the research behind them):
 *
 *   1. pacing_trust       replays a dyad's share history into a trust level
 *                         1-5 (derived every time, never stored);
 *   2. pacing_next_depth  caps the depth by trust + 1 and by the lower of the
 *                         two members' comfort for the topic, with a reason
 *                         that never says whose comfort is the lower;
 *   3. pacing_pick_prompt picks an unseen prompt of that kind, topic and
 *                         depth, starting the pool over once all were seen.
 *
 * No I/O; pacing_pick_prompt allocates one scratch array and frees it.
 * Days are day numbers (days since 1970-01-01, as date_parse gives them).
 */
#ifndef DYAD_PACING_H
#define DYAD_PACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/prompts.h"

/* The numbers of the trust rule; docs/pacing.md says why these. */
enum {
    PACING_TRUST_MIN = 1,
    PACING_TRUST_MAX = 5,
    /* To rise from L: answered shares at depth >= L by EACH member ... */
    PACING_RISE_ANSWERED_EACH = 3,
    /* ... whose days span at least this many days, first to last inclusive. */
    PACING_RISE_SPAN_DAYS = 7,
    /* A share is unanswered once this many days have passed after its own
     * day without an answer (shared on day d: unanswered from day d + 3). */
    PACING_ANSWER_GRACE_DAYS = 2,
    /* Step-back looks at shares of the last 14 days (today included). */
    PACING_WINDOW_DAYS = 14,
    /* Step back when at least this many of those, at depth >= the level,
     * are unanswered ... */
    PACING_STEP_BACK_UNANSWERED_DEEP = 2,
    /* ... and they are at least 1 in this many of the settled (answered, or
     * unanswered past the grace) shares at depth >= the level, so that a very
     * active pair who answer most things is not set back by two misses ... */
    PACING_STEP_BACK_DEEP_ONE_IN = 3,
    /* ... or when at least this many are unanswered (any depth) and they
     * outnumber the answered ones. */
    PACING_STEP_BACK_UNANSWERED_MIN = 2,
};

/* The metadata of one share that trust is derived from. No text. */
struct pacing_share {
    int author;      /* 0 or 1: which member of the dyad wrote it */
    int depth;       /* 1-5 */
    long day;        /* the day it was shared */
    bool answered;   /* the partner responded to it */
    long answer_day; /* the day of the partner's first response (when answered); >= day */
};

/* Why the trust level is what it is: what its last change was. */
enum pacing_trust_reason {
    PACING_TRUST_START,                   /* "start": no change yet; every dyad begins at 1 */
    PACING_TRUST_ROSE,                    /* "rose": reciprocated, answered sharing */
    PACING_TRUST_STEPPED_BACK_DEEP,       /* "unanswered_at_depth": deeper shares went unanswered */
    PACING_TRUST_STEPPED_BACK_UNANSWERED, /* "mostly_unanswered": more unanswered than answered */
    PACING_TRUST__MAX
};

/* The counts the rule looks at, on one day. */
struct pacing_trust_counts {
    /* Toward a rise: answered shares by member 0 and member 1 at depth >= the
     * level, shared since the last change, and the days they span (first to
     * last inclusive; 0 when there are none). */
    int answered_each[2];
    int span_days;
    /* Toward a step back, over the last PACING_WINDOW_DAYS days (shares since
     * the last change only): unanswered past the grace and answered at
     * depth >= the level, then unanswered and answered at any depth. */
    int unanswered_deep;
    int answered_deep;
    int unanswered;
    int answered;
};

struct pacing_trust {
    int level; /* 1-5 */
    enum pacing_trust_reason reason;
    long changed_day;               /* the day of the last change; meaningless with START */
    struct pacing_trust_counts why; /* the counts that caused the last change (zero with START) */
    struct pacing_trust_counts now; /* the counts on `today`, at the current level: the progress */
    int rises, step_backs;          /* how many of each over the whole history */
};

/* Derives the trust level by replaying shares[0..n) (in any order) day by
 * day from the first share to `today`:
 *
 *   - every dyad starts at level 1;
 *   - it rises from L to L + 1 (at most 5) on the first day on which each
 *     member has at least 3 shares at depth >= L, shared after the last
 *     change and answered by that day, and those shares (both members'
 *     together) span at least 7 days, first to last inclusive;
 *   - it steps back one level (never below 1) on a day when, among the shares
 *     of the last 14 days shared after the last change, at least 2 at depth
 *     >= L are still unanswered 2 days after they were shared and they are
 *     at least a third of the settled shares at depth >= L, or at least 2 are
 *     unanswered (any depth) and they outnumber the answered ones;
 *   - at most one change a day, a step back checked first; after a change,
 *     only shares made after that day count again.
 *
 * Shares and answers dated after `today` are not counted yet. Only days on
 * which a count can change are evaluated, so the cost is O(min(days, 4n) x n)
 * with no allocation: well under a millisecond for a year of daily sharing,
 * about 30 ms for 5,000 shares.
 *
 * Returns 0, or -1 when out is NULL, n > 0 with shares NULL, today or a day
 * is negative or beyond any calendar date, or a share has an author other
 * than 0/1, a depth outside 1-5, or an answer dated before the share. */
int pacing_trust(const struct pacing_share *shares, size_t n, long today, struct pacing_trust *out);

/* "start", "rose", "unanswered_at_depth", "mostly_unanswered"; NULL when out
 * of range. */
const char *pacing_trust_reason_code(int r);

/* Why a depth was chosen. The sentences never say which member's comfort is
 * the lower (docs/pacing.md: what is offered still lets one guess). */
enum pacing_depth_reason {
    PACING_DEPTH_TRUST,            /* trust + 1: one step past what is built */
    PACING_DEPTH_DEEPEST,          /* 5: as deep as prompts go */
    PACING_DEPTH_COMFORT,          /* the lower comfort held it */
    PACING_DEPTH_HOMEWORK,         /* the therapist's homework set it */
    PACING_DEPTH_HOMEWORK_COMFORT, /* homework asked deeper; comfort held it */
    PACING_DEPTH_HOMEWORK_TRUST,   /* homework asked deeper; trust held it */
    PACING_DEPTH_TOPIC_SET_ASIDE,  /* a comfort of 0: nothing from this topic */
    PACING_DEPTH__MAX
};

struct pacing_depth {
    int depth; /* 1-5, or 0 with PACING_DEPTH_TOPIC_SET_ASIDE */
    enum pacing_depth_reason reason;
};

/* The depth of the next suggestion for one topic:
 *   depth = min(trust + 1, comfort_a, comfort_b), at most 5;
 * homework_depth (1-5, 0 = none) replaces trust + 1 when it is lower, but
 * never goes past trust + 1 or the lower comfort: comfort wins over
 * everything. Comfort is 1-5, or 0 for "not this topic for now", which gives
 * depth 0. When trust and comfort give the same cap, the reason names trust,
 * which reveals less about anyone's comfort.
 * Returns 0, or -1 (out untouched) when trust is outside 1-5, a comfort
 * outside 0-5, homework_depth outside 0-5, or out is NULL. */
int pacing_next_depth(int trust, int comfort_a, int comfort_b, int homework_depth,
                      struct pacing_depth *out);

/* A short machine-readable code ("trust", "deepest", "comfort", "homework",
 * "homework_comfort", "homework_trust", "topic_set_aside"); NULL when out of
 * range. */
const char *pacing_depth_reason_code(int r);

/* Writes a plain-language sentence for d's reason, naming d->depth, into buf
 * (snprintf semantics: returns the length it needed, or -1 when d is NULL or
 * its reason out of range). */
int pacing_depth_explain(const struct pacing_depth *d, char *buf, size_t buflen);

/* How long an offered prompt counts as seen: while any prompt that fits
 * remains that the dyad was not offered within this many days, none that was
 * is offered again. */
#define PACING_REPEAT_DAYS 180

/* One prompt the dyad has seen: offered to either member, or answered in a
 * share, on `day` (days since the epoch, UTC). Repeats are allowed and any
 * order will do. */
struct pacing_seen {
    const char *prompt_id;
    long day;
};

/* Why this prompt, today. */
enum pacing_pick_reason {
    PACING_PICK_FRESH,       /* from the day's topic and depth, not offered in the last 180 days */
    PACING_PICK_OTHER_TOPIC, /* the day's topic had none fresh at its depth: another open topic's */
    PACING_PICK_LIGHTER,     /* none fresh at the depth (or none there at all): a lighter one,
                                still not offered in the last 180 days */
    PACING_PICK_OLDEST,      /* every prompt that fits was offered within 180 days: the one
                                offered longest ago */
    PACING_PICK__MAX
};

struct pacing_request {
    int kind;         /* PROMPTS_KIND_* of the dyad */
    int role;         /* the asking member's PROMPTS_ROLE_* (PROMPTS_ROLE_NONE when not
                         known: prompts written for a role are then left out) */
    const int *depth; /* [PROMPTS_TOPIC__MAX]: the depth each topic may go to
                         (pacing_next_depth), 0 = not open today */
    int topic;        /* the topic asked for, or PROMPTS_TOPIC_ANY: the engine chooses the
                         day's topic among the open ones */
    bool no_support;  /* leave out prompts marked support (the guided conversation) */
    const struct pacing_seen *seen;
    size_t n_seen;
    long today;    /* days since the epoch */
    uint64_t seed; /* e.g. from the dyad id and the day: stable all day, new the next */
};

struct pacing_pick {
    const struct prompt *prompt; /* NULL when nothing fits at any open topic and depth */
    int topic;                   /* the day's topic (asked for or chosen); -1 when none */
    int depth;                   /* the depth allowed for that topic */
    enum pacing_pick_reason reason;
    size_t cell_size;  /* prompts that fit in the day's topic at that depth */
    size_t cell_fresh; /* of those, not offered in the last 180 days */
    bool any_topic;    /* the engine chose the day's topic */
    long days_since;   /* PACING_PICK_OLDEST: days since it was last seen;
                          -1 otherwise */
};

/* Chooses the prompt to offer today. A prompt fits when it suits the kind
 * (desire never for friends or family), the member's role
 * (prompts_suits_role), is not marked support when no_support is set, and its
 * topic is open. It is fresh when it was not seen within PACING_REPEAT_DAYS
 * days before today (today counts as seen).
 *
 * In this order, the first that has a candidate wins:
 *   1. the day's topic at its depth                       (FRESH)
 *   2. only when topic is ANY: the other open topics, each at its own depth,
 *      in a seed-rotated order                            (OTHER_TOPIC)
 *   3. lighter depths, one step lighter everywhere before two steps
 *      anywhere, the day's topic first                    (LIGHTER)
 * Steps 1-3 run first with prompts never seen at all, then again with
 * prompts not seen within PACING_REPEAT_DAYS, so nothing comes back while
 * anything that fits has never been offered. When nothing that fits is
 * fresh, 4. the prompt seen longest ago in the day's topic at the deepest
 * depth that has any (OLDEST). Among equals the
 * seed decides, by rendezvous hashing on the prompt id: members whose
 * candidates differ (a parent, a child) still get the same prompt whenever the
 * winner suits both.
 *
 * Returns 0 (out->prompt NULL when no topic is open or nothing fits), or -1 on
 * bad arguments (lib, req, req->depth or out NULL, kind out of range, a depth
 * outside 0-5, a topic not open or out of range, n_seen > 0 with seen NULL) or
 * when out of memory. */
int pacing_pick_prompt(const struct prompt_library *lib, const struct pacing_request *req,
                       struct pacing_pick *out);

/* "fresh", "other_topic", "lighter", "oldest"; NULL when out of range. */
const char *pacing_pick_reason_code(int r);

/* A plain sentence on why this prompt today (snprintf semantics; -1 when pk
 * or its prompt is NULL). */
int pacing_pick_explain(const struct pacing_pick *pk, char *buf, size_t buflen);

#endif
