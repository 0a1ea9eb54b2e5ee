/*
 * insights.h — the insights engine: what a window of daily check-ins and
 * share metadata says about one dyad, for one viewer.
 *
 * Pure and deterministic: no I/O, no globals, no clock. The caller reads the
 * window from the store, fills a struct insights_input, and gets a struct
 * insights_result it owns (14.5 KB, usually on its stack). The engine
 * allocates one scratch block (about 46 KB) per call and frees it before
 * returning.
 *
 * What it computes, per member: means, a Theil–Sen trend of closeness, the
 * quadrant (emotional x sexual) and wordless/responsiveness numbers; and a
 * list of findings, each with a subject, a severity, a plain-language
 * explanation and the numbers behind it. docs/insights.md explains every
 * measure and threshold for users, therapists and developers.
 *
 * Privacy is enforced here, not left to the caller (docs/protocol.md, docs/insights.md): before
 * anything is computed from a day, every item the viewer may not see is
 * erased from it as it is read (insights_day_mask's rules), so no mean,
 * count, finding or chart built from what is read can carry it. A finding is produced only when the
 * viewer may see every item it is built from; sex_without_closeness and unanswered_shares go only
 * to their subject and to a therapist; low_safety and own_shares_unanswered to their subject alone.
 */
#ifndef DYAD_INSIGHTS_H
#define DYAD_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/prompts.h" /* PROMPTS_TOPIC__MAX: comfort is kept per share topic */

/* ---- limits and thresholds (docs/insights.md says why each was chosen) -- */

enum {
    INSIGHTS_WINDOW_MIN = 7,
    INSIGHTS_WINDOW_MAX = 365,
    INSIGHTS_WINDOW_DEFAULT = 28,
    INSIGHTS_NULL = -1, /* an item not answered (pass, "no chance to tell") */

    /* Fewer check-ins than this in the window: quadrant insufficient_data,
     * and no finding about the member. */
    INSIGHTS_MIN_CHECKINS = 7,
    /* A trend needs at least this many scored days. */
    INSIGHTS_MIN_TREND_POINTS = 10,
    /* A baseline needs at least two weeks of check-ins. */
    INSIGHTS_BASELINE_MIN = 14,

    /* Quadrant: "high" closeness is a window mean of at least 5 (the middle
     * of the scale) and not more than 1 point below the member's baseline. */
    INSIGHTS_CLOSENESS_FLOOR = 5,
    /* Quadrant: sexual connection is present when days with sexual >= 1
     * are at least 1 in 7 of the check-in days, and at least half the
     * member's baseline rate. */
    INSIGHTS_SEXUAL_DAYS_PER = 7,

    /* sex_without_closeness: a day with sexual >= 1 and closeness <= 4 is a
     * "low-closeness sexual day"; at least 4 of them, making up at least
     * half of the days with sexual connection. */
    INSIGHTS_LOW_CLOSENESS_MAX = 4,
    INSIGHTS_SUBSTITUTE_MIN_DAYS = 4,

    /* need_gap: wanted minus felt closeness averages >= 2 (or <= -2), and is
     * >= 2 (<= -2) on at least half of the days with both answered; >= 4 on
     * average is severity attention. */
    INSIGHTS_NEED_GAP_MIN = 2,
    INSIGHTS_NEED_GAP_ATTENTION = 4,

    /* one_sided_sharing: at least 6 shares in the window, and one member
     * wrote at least 3 of every 4. */
    INSIGHTS_SHARING_MIN = 6,
    /* unanswered_shares: at least 4 shares to a listener written at least
     * three days before today (so 48 hours have surely passed), half or
     * more without a response within 48 hours. */
    INSIGHTS_UNANSWERED_MIN = 4,
    /* comfort_gap: the two comfort levels (1-5) for a topic differ by 2+. */
    INSIGHTS_COMFORT_GAP_MIN = 2,
    /* Safety ("safe to be open"): a day rated 3 or lower is a low-safety
     * day. low_safety: at least INSIGHTS_MIN_CHECKINS days with safety
     * answered, low on at least half of them. Whenever low days are at
     * least half of the answered ones (any number), no finding to that
     * member suggests opening up or sharing more. */
    INSIGHTS_LOW_SAFETY_MAX = 3,

    /* The disclosure x responsiveness plane (every kind of dyad), over the
     * days a member answered both opened_up and understood (at least
     * INSIGHTS_MIN_CHECKINS of them): a mean of at least 5 is "high".
     * open_not_understood: opened_up high, understood not, and opened_up
     * at least 2 points above understood on average; understood_not_open:
     * the other way round. */
    INSIGHTS_PLANE_HIGH = 5,
    INSIGHTS_PLANE_GAP_MIN = 2,

    INSIGHTS_FINDINGS_MAX = 16,
    INSIGHTS_NUMBERS_MAX = 8,
    INSIGHTS_EXPLANATION_MAX = 720, /* room for two display names */
};

/* A closeness trend is reported as the change the Theil–Sen line implies
 * across the whole window (slope x (window - 1)), in scale points. */
#define INSIGHTS_TREND_CHANGE    1.5 /* closeness_falling / closeness_rising */
#define INSIGHTS_TREND_ATTENTION 3.0 /* closeness_falling at -3 or less: attention */
/* sex_without_closeness, its other form: closeness_falling while days with
 * sexual connection become more frequent by at least 1 a week. */
#define INSIGHTS_SUBSTITUTE_SEXUAL 1.0
/* drifting_apart: the gap between the two members' closeness trend lines
 * grows by at least this much from the window's first day to its last. */
#define INSIGHTS_DRIFT_CHANGE       2.0
#define INSIGHTS_CLOSENESS_BASELINE 1.0 /* closeness may sit this far below baseline */
#define INSIGHTS_SHARING_SHARE      0.75
#define INSIGHTS_UNANSWERED_SHARE   0.5

/* ---- input -------------------------------------------------------------- */

/* Check-in items, for visibility masks. */
enum insights_item {
    INSIGHTS_ITEM_CLOSENESS,
    INSIGHTS_ITEM_CLOSENESS_WANTED,
    INSIGHTS_ITEM_OPENED_UP,
    INSIGHTS_ITEM_UNDERSTOOD,
    INSIGHTS_ITEM_SAFETY,
    INSIGHTS_ITEM_AFFECTION,
    INSIGHTS_ITEM_SEXUAL,
    INSIGHTS_ITEM_EMOTIONS,
    INSIGHTS_ITEM_WORDLESS,
    INSIGHTS_ITEM_COMFORT, /* the member's comfort levels per topic */
    INSIGHTS_ITEM__MAX
};
#define INSIGHTS_ITEM_BIT(i) (1u << (unsigned)(i))
#define INSIGHTS_ITEMS_ALL   ((1u << INSIGHTS_ITEM__MAX) - 1u)

/* Feelings a check-in says were shared, as bits of insights_day.emotions. */
enum insights_emotion {
    INSIGHTS_EMOTION_JOY,
    INSIGHTS_EMOTION_FEAR,
    INSIGHTS_EMOTION_FRUSTRATION,
    INSIGHTS_EMOTION_SORROW,
    INSIGHTS_EMOTION_ANGER,
    INSIGHTS_EMOTION_HOPE,
    INSIGHTS_EMOTION_GRATITUDE,
    INSIGHTS_EMOTION_EMBARRASSMENT,
    INSIGHTS_EMOTION__MAX
};

enum insights_viewer {
    INSIGHTS_VIEWER_MEMBER0,
    INSIGHTS_VIEWER_MEMBER1,
    INSIGHTS_VIEWER_THERAPIST,
    INSIGHTS_VIEWER__MAX
};

/* One member's check-in for one day. Scores are 0-10 or INSIGHTS_NULL;
 * on a day without a check-in set present = false (the rest is ignored).
 * For a partner's day on which they showed the viewer nothing, the caller
 * passes present = false as the API does (no row at all). */
struct insights_day {
    int8_t closeness;
    int8_t closeness_wanted;
    int8_t opened_up;
    int8_t understood;
    int8_t safety;
    int8_t affection;
    int8_t sexual; /* 0 = none that day, 1-10 = how connected it felt */
    uint8_t emotions;
    bool wordless;
    bool present;
};

/* Metadata of one share (never its words). */
struct insights_share {
    long day;                 /* days since 1970-01-01, the author's local date */
    int author;               /* 0 or 1 */
    int topic;                /* enum prompts_topic */
    int depth;                /* 1-5 */
    bool answered_within_48h; /* the listener responded within 48 hours */
};

/* A member's usual level, from a longer history than the window (see
 * insights_baseline_compute). known = false: the floors alone decide. */
struct insights_baseline {
    bool known;
    double closeness;   /* mean closeness */
    double sexual_rate; /* days with sexual >= 1 per check-in day */
};

struct insights_input {
    int window; /* days, INSIGHTS_WINDOW_MIN..INSIGHTS_WINDOW_MAX */
    long today; /* the window's last day, days since 1970-01-01 */
    enum insights_viewer viewer;
    /* days[m][i] is member m's check-in on day today - (window - 1) + i:
     * `window` entries each, oldest first. Borrowed, not kept. */
    const struct insights_day *days[2];
    bool track_sexual[2];
    /* INSIGHTS_ITEM_BITs of member m's items the viewer may see: for a
     * partner, what m chose to show; for a therapist, all but sexual unless
     * m allows it. The viewer's own mask is ignored: one sees all of one's
     * own. */
    unsigned visible[2];
    struct insights_baseline baseline[2];
    /* Shares; those whose day falls outside the window are ignored.
     * Borrowed, may be NULL when share_count is 0. */
    const struct insights_share *shares;
    size_t share_count;
    /* Comfort per topic, 1-5; 0 = not set (or set aside), not compared. */
    uint8_t comfort[2][PROMPTS_TOPIC__MAX];
    /* Words only: how a member hears about the other. kind is the dyad's
     * (enum prompts_kind: couple, friends, family); role[m] is member m's
     * family role (enum kind_role, KIND_ROLE_NONE when not said); names[m]
     * is member m's display name (borrowed, may be NULL). A member is told
     * about the other by name, or else "your friend", "your family member"
     * ("your parent", … when a role is said) or "your partner" by kind —
     * never "partner" outside a couple (core/kind.h). */
    int kind;
    int role[2];
    const char *names[2];
    /* A therapist is linked with both members' consent: low_safety then
     * names them as someone to talk to. */
    bool therapist_linked;
};

/* ---- output ------------------------------------------------------------- */

enum insights_quadrant {
    INSIGHTS_QUADRANT_BOTH,
    INSIGHTS_QUADRANT_EMOTIONAL_ONLY,
    INSIGHTS_QUADRANT_SEXUAL_ONLY,
    INSIGHTS_QUADRANT_NEITHER,
    INSIGHTS_QUADRANT_NOT_TRACKED,
    INSIGHTS_QUADRANT_INSUFFICIENT_DATA,
    INSIGHTS_QUADRANT_HIDDEN,
    INSIGHTS_QUADRANT__MAX
};

enum insights_finding_code {
    INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS,
    INSIGHTS_FINDING_NEED_GAP,
    INSIGHTS_FINDING_CLOSENESS_FALLING,
    INSIGHTS_FINDING_CLOSENESS_RISING,
    INSIGHTS_FINDING_DRIFTING_APART,
    INSIGHTS_FINDING_ONE_SIDED_SHARING,
    INSIGHTS_FINDING_UNANSWERED_SHARES,
    INSIGHTS_FINDING_COMFORT_GAP,
    INSIGHTS_FINDING_OPEN_NOT_UNDERSTOOD,   /* opening up without feeling understood */
    INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN,   /* feeling understood but rarely opening up */
    INSIGHTS_FINDING_LOW_SAFETY,            /* sustained low "safe to be open"; subject only */
    INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, /* one's shares go unanswered; author only */
    INSIGHTS_FINDING__MAX
};

/* Where a member stands on the disclosure (opened_up) x responsiveness
 * (understood) plane over the window: Reis and Shaver's two moves of
 * intimacy, which fit friends and family as well as couples. */
enum insights_plane {
    INSIGHTS_PLANE_OPEN_UNDERSTOOD,     /* opening up, and feeling understood */
    INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD, /* opening up, feeling understood less */
    INSIGHTS_PLANE_UNDERSTOOD_NOT_OPEN, /* feeling understood, opening up little */
    INSIGHTS_PLANE_NEITHER,
    INSIGHTS_PLANE_INSUFFICIENT_DATA, /* fewer than 7 days with both answered */
    INSIGHTS_PLANE_HIDDEN,            /* the viewer may not see one of the two items */
    INSIGHTS_PLANE__MAX
};

/* Never diagnostic: info = worth knowing, notice = worth a look,
 * attention = worth talking about soon. */
enum insights_severity {
    INSIGHTS_SEVERITY_INFO,
    INSIGHTS_SEVERITY_NOTICE,
    INSIGHTS_SEVERITY_ATTENTION,
    INSIGHTS_SEVERITY__MAX
};

#define INSIGHTS_SUBJECT_DYAD (-1)

/* A value the viewer may or may not get: shown = false means absent (the
 * viewer may not see the items, or there were none); value is then 0. */
struct insights_stat {
    bool shown;
    int n; /* how many values it rests on */
    double value;
};

struct insights_number {
    const char *name; /* static string, e.g. "mean_gap" */
    double value;
};

struct insights_finding {
    enum insights_finding_code code;
    int subject; /* 0, 1 or INSIGHTS_SUBJECT_DYAD */
    enum insights_severity severity;
    char explanation[INSIGHTS_EXPLANATION_MAX]; /* UTF-8, addressed to the viewer */
    bool help; /* the viewer is offered Help & safety (/safety) with it */
    int number_count;
    struct insights_number numbers[INSIGHTS_NUMBERS_MAX];
};

struct insights_member_result {
    /* Days with a check-in; shown only when the viewer may see at least one
     * of the member's items (a partner who shows nothing is not counted). */
    struct insights_stat checkins;
    /* Means over the days the item was answered; sexual is over days with a
     * non-null score, 0 included. */
    struct insights_stat closeness, closeness_wanted, opened_up, understood, safety, affection;
    struct insights_stat sexual;
    struct insights_stat sexual_rate;     /* days with sexual >= 1 per check-in day */
    struct insights_stat closeness_trend; /* Theil–Sen slope, points per day */
    struct insights_stat wordless_rate;   /* check-in days with a wordless moment */
    struct insights_stat emotion_days[INSIGHTS_EMOTION__MAX]; /* days each feeling was shared */
    enum insights_quadrant quadrant;
    enum insights_plane plane;
    struct insights_stat plane_opened_up, plane_understood; /* means over days with both */
    /* Share metadata, visible to both members and a therapist. */
    int shares_written;                 /* in the window */
    int shares_received_due;            /* written by the partner, at least two days old */
    int shares_answered_48h;            /* of those, answered by this member within 48 h */
    struct insights_stat answered_rate; /* shares_answered_48h / shares_received_due */
};

struct insights_result {
    int window;
    long today;
    enum insights_viewer viewer;
    struct insights_member_result members[2];
    int finding_count;
    struct insights_finding findings[INSIGHTS_FINDINGS_MAX]; /* in a fixed order */
};

enum insights_status {
    INSIGHTS_OK = 0,
    INSIGHTS_ERR_WINDOW = -1, /* window outside 7-365 */
    INSIGHTS_ERR_INPUT = -2,  /* a NULL pointer, a score outside 0-10, a bad share */
    INSIGHTS_ERR_NOMEM = -3,
};

/* ---- API ---------------------------------------------------------------- */

/* Computes everything for in->viewer into *out (overwritten whole; on an
 * error it is zeroed). Returns INSIGHTS_OK or a negative insights_status.
 * Deterministic: the same input gives the same bytes of explanation. Number
 * formatting uses the C library's current LC_NUMERIC (the server never
 * changes it from "C"). */
int insights_compute(const struct insights_input *in, struct insights_result *out);

/* Whether in->viewer may see `item` of `member` (always, for one's own). */
bool insights_item_visible(const struct insights_input *in, int member, enum insights_item item);

/* Copies one of member's days with every item the viewer may not see set to
 * INSIGHTS_NULL (or false / 0); present becomes false when the viewer may
 * see none of the member's check-in items. The charts draw from this copy. */
void insights_day_mask(const struct insights_input *in, int member, const struct insights_day *src,
                       struct insights_day *dst);

/* One 0-10 score of a day (closeness … sexual), INSIGHTS_NULL for an item
 * that has none or was not given. */
int8_t insights_day_score(const struct insights_day *d, enum insights_item item);

/* The one rule for "answered in time": a response within 48 hours of the
 * share (answered_at 0: never answered). Unix seconds. */
#define INSIGHTS_ANSWER_SECONDS (48 * 3600)
bool insights_answered_in_time(int64_t created_at, int64_t answered_at);

/* Member's baseline over a longer history than the window (n days, e.g. the
 * last 365, oldest first), seen as in->viewer may see it (each day goes
 * through insights_day_mask, so a baseline never rests on a hidden item).
 * known = false with fewer than INSIGHTS_BASELINE_MIN check-ins, n < 0 or
 * a NULL argument. Pass the result in in->baseline[member]. */
struct insights_baseline insights_baseline_compute(const struct insights_input *in, int member,
                                                   const struct insights_day *history, int n);

/* What a baseline rests on, as four totals over the days of its history:
 * check-in days, days with closeness answered and their sum, days with
 * sexual connection (sexual >= 1) — each over the days as the viewer may
 * see them. Totals add: the history can be counted in parts (the window
 * day by day, the year before it summed by the database), so a baseline
 * costs nothing per day of history once the totals are kept. */
struct insights_baseline_totals {
    long checkins;
    long closeness_n;
    long closeness_sum;
    long sexual_days;
};

/* Adds member's day `d` to t, as in->viewer may see it (the day goes
 * through insights_day_mask). */
void insights_baseline_count(const struct insights_input *in, int member,
                             const struct insights_day *d, struct insights_baseline_totals *t);

/* The baseline the totals give: known with at least INSIGHTS_BASELINE_MIN
 * days with closeness; closeness_sum / closeness_n and sexual_days /
 * checkins. insights_baseline_compute is insights_baseline_count over every
 * day of the history, then this. */
struct insights_baseline insights_baseline_from_totals(const struct insights_baseline_totals *t);

/* The Theil–Sen line through (i, y[i]) for the i with y[i] != INSIGHTS_TREND_NONE:
 * slope = median of all pairwise slopes, intercept = median of
 * y[i] - slope * i. Values must lie in -10..10. Exact (the same doubles as
 * the O(n^2) definition) without listing the pairs: it counts them by level,
 * O(n x levels) a pass, in a handful of passes. Allocates about 44 KB of
 * scratch for the call. Returns 0, or -1 when fewer than 2 points, n outside
 * 0..INSIGHTS_WINDOW_MAX, a value out of range or no memory. */
#define INSIGHTS_TREND_NONE INT16_MIN
int insights_theil_sen(const int16_t *y, int n, double *slope, double *intercept);

/* API names: "both", "emotional_only", …; "sex_without_closeness", …;
 * "info", "notice", "attention". NULL when out of range. */
const char *insights_quadrant_name(int q);
/* "open_and_understood", "open_not_understood", "understood_not_open",
 * "neither", "insufficient_data", "hidden"; NULL when out of range. */
const char *insights_plane_name(int p);
const char *insights_code_name(int c);
const char *insights_severity_name(int s);
/* "closeness", "closeness_wanted", … as in the check-in API; NULL when out
 * of range. */
const char *insights_item_name(int item);

#endif
