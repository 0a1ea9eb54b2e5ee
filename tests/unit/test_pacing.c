/*
 * test_pacing.c — the trust replay, the depth cap and prompt selection, on
 * cases worked out by hand (the comments show the arithmetic).
 *
 * Day numbers start at 0 for readability; the engine only compares them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pacing.h"
#include "core/prompts.h"

#define A 0
#define B 1

/* An answered share: author, depth, day shared, day answered. */
#define S(author, depth, day, answer_day)                                                          \
    {                                                                                              \
        (author), (depth), (day), true, (answer_day)                                               \
    }
/* An unanswered share. */
#define U(author, depth, day)                                                                      \
    {                                                                                              \
        (author), (depth), (day), false, 0                                                         \
    }

static struct pacing_trust trust_on(const struct pacing_share *s, size_t n, long today)
{
    struct pacing_trust t;
    assert_int_equal(pacing_trust(s, n, today, &t), 0);
    return t;
}

/* The base case: each member makes three depth-1 shares, answered the same
 * day; the six shares span days 0..6, seven days inclusive. */
static const struct pacing_share rise_base[] = {
    S(A, 1, 0, 0), S(B, 1, 1, 1), S(A, 1, 3, 3), S(B, 1, 4, 4), S(A, 1, 6, 6), S(B, 1, 6, 6),
};
#define RISE_N (sizeof(rise_base) / sizeof(rise_base[0]))

static void test_trust_starts_at_one(void **state)
{
    (void)state;
    struct pacing_trust t = trust_on(NULL, 0, 100);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.reason, PACING_TRUST_START);
    assert_string_equal(pacing_trust_reason_code(t.reason), "start");
    assert_int_equal(t.rises, 0);
    assert_int_equal(t.now.answered_each[0], 0);
}

static void test_trust_rises_exactly_at_threshold(void **state)
{
    (void)state;
    /* Day 5: A has days 0,3 and B days 1,4 answered: 2 each, span 0..4. */
    struct pacing_trust t = trust_on(rise_base, RISE_N, 5);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.now.answered_each[0], 2);
    assert_int_equal(t.now.answered_each[1], 2);
    assert_int_equal(t.now.span_days, 5);

    /* Day 6: 3 each, span 0..6 = 7 days: rise. */
    t = trust_on(rise_base, RISE_N, 6);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.reason, PACING_TRUST_ROSE);
    assert_string_equal(pacing_trust_reason_code(t.reason), "rose");
    assert_int_equal(t.changed_day, 6);
    assert_int_equal(t.why.answered_each[0], 3);
    assert_int_equal(t.why.answered_each[1], 3);
    assert_int_equal(t.why.span_days, 7);
    assert_int_equal(t.rises, 1);
    /* Progress restarts after a change. */
    assert_int_equal(t.now.answered_each[0], 0);
    assert_int_equal(t.now.span_days, 0);

    /* Order of the input does not matter. */
    struct pacing_share rev[RISE_N];
    for (size_t i = 0; i < RISE_N; i++)
        rev[i] = rise_base[RISE_N - 1 - i];
    assert_int_equal(trust_on(rev, RISE_N, 6).level, 2);
}

static void test_trust_not_one_share_before(void **state)
{
    (void)state;
    /* Without B's last share, B has only 2: no rise, however long we wait. */
    struct pacing_trust t = trust_on(rise_base, RISE_N - 1, 60);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.now.answered_each[0], 3);
    assert_int_equal(t.now.answered_each[1], 2);
}

static void test_trust_not_one_day_before(void **state)
{
    (void)state;
    /* A's first share moved to day 1: span 1..6 is 6 days: no rise. */
    struct pacing_share s[RISE_N + 1];
    memcpy(s, rise_base, sizeof(rise_base));
    s[0].day = s[0].answer_day = 1;
    struct pacing_trust t = trust_on(s, RISE_N, 60);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.now.span_days, 6);

    /* One more answered share on day 7 makes the span 7: rise on day 7. */
    s[RISE_N] = (struct pacing_share)S(A, 1, 7, 7);
    assert_int_equal(trust_on(s, RISE_N + 1, 6).level, 1);
    t = trust_on(s, RISE_N + 1, 7);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.changed_day, 7);
}

static void test_trust_counts_answers_when_they_arrive(void **state)
{
    (void)state;
    /* B's day-6 share is answered on day 8: the rise waits for it. */
    struct pacing_share s[RISE_N];
    memcpy(s, rise_base, sizeof(rise_base));
    s[5].answer_day = 8;
    assert_int_equal(trust_on(s, RISE_N, 7).level, 1);
    struct pacing_trust t = trust_on(s, RISE_N, 8);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.changed_day, 8);

    /* Unanswered shares never count toward a rise. */
    s[5].answered = false;
    assert_int_equal(trust_on(s, RISE_N, 60).level, 1);
}

static void test_trust_one_sided_does_not_rise(void **state)
{
    (void)state;
    /* A shares at depth 3 every day for 30 days, all answered; B never
     * shares. */
    struct pacing_share s[30];
    for (int d = 0; d < 30; d++)
        s[d] = (struct pacing_share)S(A, 3, d, d);
    struct pacing_trust t = trust_on(s, 30, 40);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.now.answered_each[0], 30);
    assert_int_equal(t.now.answered_each[1], 0);
}

static void test_trust_needs_depth_at_least_level(void **state)
{
    (void)state;
    /* Reach 2 on day 6, then keep sharing at depth 1 for two weeks: depth 1
     * is below level 2 and never counts toward 3. */
    struct pacing_share s[RISE_N + 28];
    memcpy(s, rise_base, sizeof(rise_base));
    size_t n = RISE_N;
    for (int d = 7; d < 21; d++) {
        s[n++] = (struct pacing_share)S(A, 1, d, d);
        s[n++] = (struct pacing_share)S(B, 1, d, d);
    }
    struct pacing_trust t = trust_on(s, n, 30);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.now.answered_each[0], 0);

    /* The same at depth 2 rises on day 13 (days 7..13 = 7). */
    for (size_t i = RISE_N; i < n; i++)
        s[i].depth = 2;
    assert_int_equal(trust_on(s, n, 12).level, 2);
    t = trust_on(s, n, 13);
    assert_int_equal(t.level, 3);
    assert_int_equal(t.changed_day, 13);
}

/* Each member shares at depth 5 every day from day 0 to last_day, answered
 * the same day. */
static size_t daily_deep(struct pacing_share *s, int last_day)
{
    size_t n = 0;
    for (int d = 0; d <= last_day; d++) {
        s[n++] = (struct pacing_share)S(A, 5, d, d);
        s[n++] = (struct pacing_share)S(B, 5, d, d);
    }
    return n;
}

static void test_trust_steps_one_level_a_week_and_stops_at_five(void **state)
{
    (void)state;
    struct pacing_share s[2 * 100];
    size_t n = daily_deep(s, 99);
    /* Rises on days 6, 13, 20, 27: each needs a fresh 7-day span after the
     * previous change, so no level is skipped. */
    assert_int_equal(trust_on(s, n, 5).level, 1);
    assert_int_equal(trust_on(s, n, 6).level, 2);
    assert_int_equal(trust_on(s, n, 12).level, 2);
    assert_int_equal(trust_on(s, n, 13).level, 3);
    assert_int_equal(trust_on(s, n, 20).level, 4);
    assert_int_equal(trust_on(s, n, 26).level, 4);
    struct pacing_trust t = trust_on(s, n, 27);
    assert_int_equal(t.level, 5);
    t = trust_on(s, n, 99);
    assert_int_equal(t.level, 5);
    assert_int_equal(t.rises, 4);
    assert_int_equal(t.changed_day, 27);
}

static void test_trust_unanswered_at_depth_steps_back(void **state)
{
    (void)state;
    /* Level 2 from day 6; A then shares at depth 2 on days 7 and 8 and gets
     * no answer. Day 7's share is unanswered from day 10 (7 + 2 days of
     * grace), day 8's from day 11: two unanswered at depth >= 2 on day 11. */
    struct pacing_share s[RISE_N + 2];
    memcpy(s, rise_base, sizeof(rise_base));
    s[RISE_N] = (struct pacing_share)U(A, 2, 7);
    s[RISE_N + 1] = (struct pacing_share)U(A, 2, 8);

    struct pacing_trust t = trust_on(s, RISE_N + 2, 10);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.now.unanswered_deep, 1);

    t = trust_on(s, RISE_N + 2, 11);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.reason, PACING_TRUST_STEPPED_BACK_DEEP);
    assert_string_equal(pacing_trust_reason_code(t.reason), "unanswered_at_depth");
    assert_int_equal(t.changed_day, 11);
    assert_int_equal(t.why.unanswered_deep, 2);
    assert_int_equal(t.step_backs, 1);

    /* Answered late (day 10, before the second grace ran out): no step back. */
    s[RISE_N + 1] = (struct pacing_share)S(A, 2, 8, 10);
    assert_int_equal(trust_on(s, RISE_N + 2, 30).level, 2);
}

static void test_trust_unanswered_at_depth_is_relative(void **state)
{
    (void)state;
    /* Level 2 from day 6. A's depth-2 shares on days 7 and 8 go unanswered;
     * B's depth-2 shares on days 7..10 are answered the same day. On day 11:
     * 2 unanswered of 6 settled deeper shares, one in three: step back. */
    struct pacing_share s[RISE_N + 7];
    memcpy(s, rise_base, sizeof(rise_base));
    size_t n = RISE_N;
    s[n++] = (struct pacing_share)U(A, 2, 7);
    s[n++] = (struct pacing_share)U(A, 2, 8);
    for (int d = 7; d <= 10; d++)
        s[n++] = (struct pacing_share)S(B, 2, d, d);
    struct pacing_trust t = trust_on(s, n, 11);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.reason, PACING_TRUST_STEPPED_BACK_DEEP);
    assert_int_equal(t.why.unanswered_deep, 2);
    assert_int_equal(t.why.answered_deep, 4);

    /* A fifth answered one (day 11) makes it 2 of 7: no step back. */
    s[n++] = (struct pacing_share)S(B, 2, 11, 11);
    t = trust_on(s, n, 30);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.step_backs, 0);
}

static void test_trust_mostly_unanswered_steps_back(void **state)
{
    (void)state;
    /* Level 2 from day 6. Two depth-1 shares by A go unanswered (below the
     * level, so the first test does not fire) and one by B is answered:
     * 2 unanswered > 1 answered on day 11. */
    struct pacing_share s[RISE_N + 4];
    memcpy(s, rise_base, sizeof(rise_base));
    s[RISE_N] = (struct pacing_share)U(A, 1, 7);
    s[RISE_N + 1] = (struct pacing_share)U(A, 1, 8);
    s[RISE_N + 2] = (struct pacing_share)S(B, 1, 7, 7);
    struct pacing_trust t = trust_on(s, RISE_N + 3, 11);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.reason, PACING_TRUST_STEPPED_BACK_UNANSWERED);
    assert_string_equal(pacing_trust_reason_code(t.reason), "mostly_unanswered");
    assert_int_equal(t.why.unanswered, 2);
    assert_int_equal(t.why.answered, 1);
    assert_int_equal(t.why.unanswered_deep, 0);

    /* A second answered share makes it 2 against 2: no step back. */
    s[RISE_N + 3] = (struct pacing_share)S(B, 1, 8, 8);
    assert_int_equal(trust_on(s, RISE_N + 4, 30).level, 2);
}

static void test_trust_steps_back_once_not_in_a_cascade(void **state)
{
    (void)state;
    /* Level 3 on day 13 (daily deep sharing, days 0..13); then A shares at
     * depth 3 on days 14 and 15 without answer: back to 2 on day 18. The
     * same two shares do not push it further down later. */
    struct pacing_share s[2 * 14 + 2];
    size_t n = daily_deep(s, 13);
    s[n++] = (struct pacing_share)U(A, 3, 14);
    s[n++] = (struct pacing_share)U(A, 3, 15);
    assert_int_equal(trust_on(s, n, 17).level, 3);
    struct pacing_trust t = trust_on(s, n, 18);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.changed_day, 18);
    t = trust_on(s, n, 60);
    assert_int_equal(t.level, 2);
    assert_int_equal(t.step_backs, 1);
    assert_int_equal(t.rises, 2);
}

static void test_trust_old_unanswered_leave_the_window(void **state)
{
    (void)state;
    /* Level 2 on day 6. A share on day 7 is unanswered from day 10 and sits
     * in the 14-day window through day 20. A second share on day 18 is
     * unanswered from day 21, the day the first leaves the window (days
     * 8..21): never two at once, so no step back. */
    struct pacing_share s[RISE_N + 2];
    memcpy(s, rise_base, sizeof(rise_base));
    s[RISE_N] = (struct pacing_share)U(A, 2, 7);
    s[RISE_N + 1] = (struct pacing_share)U(A, 2, 18);
    assert_int_equal(trust_on(s, RISE_N + 2, 40).level, 2);
    /* One day earlier (day 17, unanswered from day 20), both are in the
     * window on day 20 (days 7..20): step back that day. */
    s[RISE_N + 1].day = 17;
    struct pacing_trust t = trust_on(s, RISE_N + 2, 40);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.changed_day, 20);
}

static void test_trust_never_below_one(void **state)
{
    (void)state;
    struct pacing_share s[20];
    for (int i = 0; i < 20; i++)
        s[i] = (struct pacing_share)U(i % 2, 5, i);
    struct pacing_trust t = trust_on(s, 20, 100);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.step_backs, 0);
    assert_int_equal(t.reason, PACING_TRUST_START);
}

static void test_trust_future_not_counted(void **state)
{
    (void)state;
    /* Evaluated on day 3, the rest of the history has not happened yet. */
    struct pacing_trust t = trust_on(rise_base, RISE_N, 3);
    assert_int_equal(t.level, 1);
    assert_int_equal(t.now.answered_each[0], 2);
    assert_int_equal(t.now.answered_each[1], 1);
}

static void test_trust_rejects_bad_input(void **state)
{
    (void)state;
    struct pacing_trust t;
    struct pacing_share bad_author[] = {S(2, 1, 0, 0)};
    struct pacing_share bad_depth[] = {S(A, 6, 0, 0)};
    struct pacing_share bad_depth0[] = {S(A, 0, 0, 0)};
    struct pacing_share bad_answer[] = {S(A, 1, 5, 4)};
    struct pacing_share bad_day[] = {S(A, 1, -1, 0)};
    assert_int_equal(pacing_trust(bad_author, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(bad_depth, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(bad_depth0, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(bad_answer, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(bad_day, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(NULL, 1, 10, &t), -1);
    assert_int_equal(pacing_trust(rise_base, RISE_N, 10, NULL), -1);
    assert_int_equal(pacing_trust(rise_base, RISE_N, -5, &t), -1);
    assert_null(pacing_trust_reason_code(PACING_TRUST__MAX));
}

/* ---- depth -------------------------------------------------------------- */

static struct pacing_depth depth_of(int trust, int ca, int cb, int hw)
{
    struct pacing_depth d;
    assert_int_equal(pacing_next_depth(trust, ca, cb, hw, &d), 0);
    return d;
}

static void test_depth_trust_plus_one(void **state)
{
    (void)state;
    struct pacing_depth d = depth_of(1, 5, 5, 0);
    assert_int_equal(d.depth, 2);
    assert_int_equal(d.reason, PACING_DEPTH_TRUST);
    assert_int_equal(depth_of(3, 5, 5, 0).depth, 4);
    d = depth_of(4, 5, 5, 0);
    assert_int_equal(d.depth, 5);
    assert_int_equal(d.reason, PACING_DEPTH_DEEPEST);
    d = depth_of(5, 5, 5, 0);
    assert_int_equal(d.depth, 5);
    assert_int_equal(d.reason, PACING_DEPTH_DEEPEST);
}

static void test_depth_lower_comfort_of_the_two(void **state)
{
    (void)state;
    struct pacing_depth d1 = depth_of(3, 5, 2, 0);
    struct pacing_depth d2 = depth_of(3, 2, 5, 0);
    assert_int_equal(d1.depth, 2);
    assert_int_equal(d1.reason, PACING_DEPTH_COMFORT);
    assert_int_equal(d2.depth, 2);
    assert_int_equal(d2.reason, PACING_DEPTH_COMFORT);

    /* The sentence is the same whichever member is the lower one, and
     * speaks of both. */
    char s1[256], s2[256];
    assert_true(pacing_depth_explain(&d1, s1, sizeof(s1)) > 0);
    assert_true(pacing_depth_explain(&d2, s2, sizeof(s2)) > 0);
    assert_string_equal(s1, s2);
    assert_non_null(strstr(s1, "depth 2"));
    assert_non_null(strstr(s1, "you both"));
    assert_null(strstr(s1, "partner"));

    assert_int_equal(depth_of(5, 4, 5, 0).depth, 4);
    assert_int_equal(depth_of(5, 4, 5, 0).reason, PACING_DEPTH_COMFORT);
    assert_int_equal(depth_of(1, 1, 1, 0).depth, 1);
    assert_int_equal(depth_of(1, 1, 1, 0).reason, PACING_DEPTH_COMFORT);
}

static void test_depth_tie_names_trust(void **state)
{
    (void)state;
    /* trust + 1 = 3 = the lower comfort: the reason names trust. */
    struct pacing_depth d = depth_of(2, 3, 5, 0);
    assert_int_equal(d.depth, 3);
    assert_int_equal(d.reason, PACING_DEPTH_TRUST);
}

static void test_depth_homework(void **state)
{
    (void)state;
    /* Homework may set a lower depth than trust would offer ... */
    struct pacing_depth d = depth_of(4, 5, 5, 2);
    assert_int_equal(d.depth, 2);
    assert_int_equal(d.reason, PACING_DEPTH_HOMEWORK);
    assert_int_equal(depth_of(4, 5, 5, 5).depth, 5);
    assert_int_equal(depth_of(4, 5, 5, 5).reason, PACING_DEPTH_HOMEWORK);
    /* ... but never more than trust + 1 ... */
    d = depth_of(1, 5, 5, 4);
    assert_int_equal(d.depth, 2);
    assert_int_equal(d.reason, PACING_DEPTH_HOMEWORK_TRUST);
    /* ... nor more than the lower comfort: comfort wins over everything. */
    d = depth_of(4, 2, 5, 5);
    assert_int_equal(d.depth, 2);
    assert_int_equal(d.reason, PACING_DEPTH_HOMEWORK_COMFORT);
    d = depth_of(1, 5, 1, 5);
    assert_int_equal(d.depth, 1);
    assert_int_equal(d.reason, PACING_DEPTH_HOMEWORK_COMFORT);
    char s[256];
    assert_true(pacing_depth_explain(&d, s, sizeof(s)) > 0);
    assert_non_null(strstr(s, "depth 1"));
    assert_non_null(strstr(s, "comfort comes first"));
}

static void test_depth_topic_set_aside(void **state)
{
    (void)state;
    struct pacing_depth d = depth_of(5, 0, 5, 0);
    assert_int_equal(d.depth, 0);
    assert_int_equal(d.reason, PACING_DEPTH_TOPIC_SET_ASIDE);
    d = depth_of(3, 4, 0, 3);
    assert_int_equal(d.depth, 0);
    assert_int_equal(d.reason, PACING_DEPTH_TOPIC_SET_ASIDE);
}

static void test_depth_rejects_bad_input(void **state)
{
    (void)state;
    struct pacing_depth d = {.depth = 42, .reason = PACING_DEPTH_TRUST};
    assert_int_equal(pacing_next_depth(0, 3, 3, 0, &d), -1);
    assert_int_equal(pacing_next_depth(6, 3, 3, 0, &d), -1);
    assert_int_equal(pacing_next_depth(2, -1, 3, 0, &d), -1);
    assert_int_equal(pacing_next_depth(2, 3, 6, 0, &d), -1);
    assert_int_equal(pacing_next_depth(2, 3, 3, 6, &d), -1);
    assert_int_equal(pacing_next_depth(2, 3, 3, -1, &d), -1);
    assert_int_equal(pacing_next_depth(2, 3, 3, 0, NULL), -1);
    assert_int_equal(d.depth, 42);
}

static void test_depth_reason_codes_and_texts(void **state)
{
    (void)state;
    for (int r = 0; r < PACING_DEPTH__MAX; r++) {
        struct pacing_depth d = {.depth = 3, .reason = (enum pacing_depth_reason)r};
        char s[400];
        assert_non_null(pacing_depth_reason_code(r));
        int len = pacing_depth_explain(&d, s, sizeof(s));
        assert_true(len > 20 && (size_t)len < sizeof(s));
        /* No sentence points at one member. */
        assert_null(strstr(s, "partner"));
    }
    assert_null(pacing_depth_reason_code(PACING_DEPTH__MAX));
    struct pacing_depth bad = {.depth = 1, .reason = PACING_DEPTH__MAX};
    char s[8];
    assert_int_equal(pacing_depth_explain(&bad, s, sizeof(s)), -1);
    assert_int_equal(pacing_depth_explain(NULL, s, sizeof(s)), -1);
    /* Truncation follows snprintf. */
    struct pacing_depth d = {.depth = 2, .reason = PACING_DEPTH_TRUST};
    assert_true(pacing_depth_explain(&d, s, sizeof(s)) > (int)sizeof(s));
    assert_int_equal(strlen(s), sizeof(s) - 1);
}

/* ---- prompt selection --------------------------------------------------- */

static struct prompt_library shipped;

static int load_shipped(void **state)
{
    (void)state;
    FILE *f = fopen("data/prompts.json", "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    size_t got = buf != NULL ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    char err[256];
    int rc = got == (size_t)n ? prompts_load(&shipped, buf, got, err, sizeof(err)) : -1;
    free(buf);
    return rc;
}

static int free_shipped(void **state)
{
    (void)state;
    prompts_free(&shipped);
    return 0;
}

/* Every topic open at the same depth (0 for none). */
static void all_at(int *depths, int d)
{
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
        depths[t] = d;
}

/* A hand-built library: joy for couples at depths 1 and 2, fear for couples
 * at depths 1 and 2, and joy for family at depth 2 for anyone, for a parent,
 * for a child, and one marked support. */
static char text_x[] = "x";
#define C PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE)
#define M PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY)
static struct prompt small_items[] = {
    {"j1a", PROMPTS_TOPIC_JOY, 1, C, text_x, PROMPTS_ROLE_NONE, false},
    {"j1b", PROMPTS_TOPIC_JOY, 1, C, text_x, PROMPTS_ROLE_NONE, false},
    {"j2a", PROMPTS_TOPIC_JOY, 2, C, text_x, PROMPTS_ROLE_NONE, false},
    {"j2b", PROMPTS_TOPIC_JOY, 2, C, text_x, PROMPTS_ROLE_NONE, false},
    {"j2c", PROMPTS_TOPIC_JOY, 2, C, text_x, PROMPTS_ROLE_NONE, false},
    {"f1a", PROMPTS_TOPIC_FEAR, 1, C, text_x, PROMPTS_ROLE_NONE, false},
    {"f2a", PROMPTS_TOPIC_FEAR, 2, C, text_x, PROMPTS_ROLE_NONE, false},
    {"m2n", PROMPTS_TOPIC_JOY, 2, M, text_x, PROMPTS_ROLE_NONE, false},
    {"m2p", PROMPTS_TOPIC_JOY, 2, M, text_x, PROMPTS_ROLE_PARENT, false},
    {"m2c", PROMPTS_TOPIC_JOY, 2, M, text_x, PROMPTS_ROLE_CHILD, false},
    {"m2s", PROMPTS_TOPIC_JOY, 2, M, text_x, PROMPTS_ROLE_NONE, true},
};
#undef C
#define SMALL_N (sizeof(small_items) / sizeof(small_items[0]))
/* ids sorted: f1a f2a j1a j1b j2a j2b j2c m2c m2n m2p m2s */
static size_t small_by_id[SMALL_N] = {5, 6, 0, 1, 2, 3, 4, 9, 7, 8, 10};
static const struct prompt_library small = {1, small_items, SMALL_N, small_by_id, true};

static struct pacing_pick pick(const struct prompt_library *lib, int kind, int role, const int *d,
                               int topic, const struct pacing_seen *seen, size_t n, long today,
                               uint64_t seed)
{
    struct pacing_request rq = {.kind = kind,
                                .role = role,
                                .depth = d,
                                .topic = topic,
                                .seen = seen,
                                .n_seen = n,
                                .today = today,
                                .seed = seed};
    struct pacing_pick pk;
    assert_int_equal(pacing_pick_prompt(lib, &rq, &pk), 0);
    return pk;
}

/* Joy at depth 2 for a couple, one offer a day: the three depth-2 prompts
 * first (each once), then the two lighter ones, then the one seen longest
 * ago (day 0's). */
static void test_pick_fresh_then_lighter_then_oldest(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 2);
    struct pacing_seen seen[16];
    size_t n = 0;
    for (long day = 0; day < 5; day++) {
        struct pacing_pick pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                     PROMPTS_TOPIC_JOY, seen, n, day, 77 + (uint64_t)day);
        assert_non_null(pk.prompt);
        assert_int_equal(pk.topic, PROMPTS_TOPIC_JOY);
        assert_int_equal(pk.depth, 2);
        assert_int_equal(pk.cell_size, 3);
        for (size_t j = 0; j < n; j++)
            assert_string_not_equal(seen[j].prompt_id, pk.prompt->id);
        if (day < 3) {
            assert_int_equal(pk.reason, PACING_PICK_FRESH);
            assert_int_equal(pk.cell_fresh, 3 - (size_t)day);
            assert_int_equal(pk.prompt->depth, 2);
        } else {
            assert_int_equal(pk.reason, PACING_PICK_LIGHTER);
            assert_int_equal(pk.cell_fresh, 0);
            assert_int_equal(pk.prompt->depth, 1);
        }
        assert_int_equal(pk.prompt->topic, PROMPTS_TOPIC_JOY);
        seen[n++] = (struct pacing_seen){pk.prompt->id, day};
    }
    struct pacing_pick pk =
        pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_JOY, seen, n, 5, 1);
    assert_int_equal(pk.reason, PACING_PICK_OLDEST);
    assert_string_equal(pk.prompt->id, seen[0].prompt_id);
    assert_int_equal(pk.days_since, 5);
    assert_int_equal(pk.prompt->depth, 2);
}

/* Seen 179 days ago still counts; 180 days ago it is fresh again. A repeat
 * in the list and an id the library no longer has change nothing. */
static void test_pick_180_days(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 0);
    d[PROMPTS_TOPIC_FEAR] = 1; /* fear at depth 1 has only f1a */
    struct pacing_seen seen[] = {{"f1a", 1000}, {"retired-id", 1100}, {"f1a", 900}};
    struct pacing_pick pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                 PROMPTS_TOPIC_FEAR, seen, 3, 1000 + PACING_REPEAT_DAYS - 1, 5);
    assert_string_equal(pk.prompt->id, "f1a");
    assert_int_equal(pk.reason, PACING_PICK_OLDEST);
    assert_int_equal(pk.days_since, PACING_REPEAT_DAYS - 1);
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_FEAR, seen, 3,
              1000 + PACING_REPEAT_DAYS, 5);
    assert_string_equal(pk.prompt->id, "f1a");
    assert_int_equal(pk.reason, PACING_PICK_FRESH);
    assert_int_equal(pk.cell_fresh, 1);
    assert_int_equal(pk.days_since, -1);
    /* A day after today (a clock set back) counts as today: seen. */
    struct pacing_seen future[] = {{"f1a", 5000}};
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_FEAR, future, 1,
              4000, 5);
    assert_int_equal(pk.reason, PACING_PICK_OLDEST);
    assert_int_equal(pk.days_since, 0);
}

/* Any topic: when the day's topic has nothing fresh at its depth, another
 * open topic at its own depth comes before anything lighter. */
static void test_pick_other_topic_when_day_topic_used_up(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 0);
    d[PROMPTS_TOPIC_JOY] = 2;
    d[PROMPTS_TOPIC_FEAR] = 2;
    struct pacing_seen seen[] = {{"j2a", 10}, {"j2b", 11}, {"j2c", 12}};
    int other_topic = 0, fresh_fear = 0;
    for (uint64_t seed = 0; seed < 40; seed++) {
        struct pacing_pick pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                     PROMPTS_TOPIC_ANY, seen, 3, 20, seed);
        assert_true(pk.any_topic);
        /* Joy's depth 2 is used up either way: the pick is fear's f2a. */
        assert_string_equal(pk.prompt->id, "f2a");
        if (pk.topic == PROMPTS_TOPIC_JOY) {
            assert_int_equal(pk.reason, PACING_PICK_OTHER_TOPIC);
            other_topic++;
        } else {
            assert_int_equal(pk.topic, PROMPTS_TOPIC_FEAR);
            assert_int_equal(pk.reason, PACING_PICK_FRESH);
            fresh_fear++;
        }
    }
    assert_true(other_topic > 0 && fresh_fear > 0); /* the seed rotates the day's topic */
    /* With f2a seen too, depth 1 comes next (lighter), never a repeat. */
    struct pacing_seen more[] = {{"j2a", 10}, {"j2b", 11}, {"j2c", 12}, {"f2a", 13}};
    struct pacing_pick pk =
        pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_ANY, more, 4, 20, 3);
    assert_int_equal(pk.reason, PACING_PICK_LIGHTER);
    assert_int_equal(pk.prompt->depth, 1);
    char buf[400];
    assert_true(pacing_pick_explain(&pk, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "at the depth each topic allows"));
    /* A topic of 0 is never used, even when it is all that is left. */
    d[PROMPTS_TOPIC_FEAR] = 0;
    for (uint64_t seed = 0; seed < 10; seed++) {
        pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_ANY, more, 4, 20,
                  seed);
        assert_int_equal(pk.prompt->topic, PROMPTS_TOPIC_JOY);
    }
}

/* A depth with nothing at all steps down, and says so truthfully. */
static void test_pick_empty_depth_steps_down(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 4);
    struct pacing_pick pk =
        pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_FEAR, NULL, 0, 3, 9);
    assert_string_equal(pk.prompt->id, "f2a");
    assert_int_equal(pk.reason, PACING_PICK_LIGHTER);
    assert_int_equal(pk.cell_size, 0);
    char buf[400];
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "There is no fear prompt at depth 4 for you, so this one is lighter, "
                             "at depth 2.");
    /* Friends have no prompt in the small library at all. */
    pk = pick(&small, PROMPTS_KIND_FRIENDS, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_ANY, NULL, 0, 3, 9);
    assert_null(pk.prompt);
    assert_int_equal(pacing_pick_explain(&pk, buf, sizeof buf), -1);
}

/* A member is offered prompts for anyone and for their own role; a member
 * whose role is not known only those for anyone; no_support drops the
 * support-marked one. */
static void test_pick_roles_and_support(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 2);
    const struct {
        int role;
        bool no_support;
        const char *allowed;
    } cases[] = {
        {PROMPTS_ROLE_NONE, false, " m2n m2s "},      {PROMPTS_ROLE_PARENT, false, " m2n m2p m2s "},
        {PROMPTS_ROLE_CHILD, false, " m2c m2n m2s "}, {PROMPTS_ROLE_CHILD, true, " m2c m2n "},
        {PROMPTS_ROLE_SIBLING, true, " m2n "},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char got[64] = " ";
        struct pacing_seen seen[8];
        size_t n = 0;
        /* Offer until the depth-2 cell is used up: exactly the allowed set. */
        for (long day = 0; day < 8; day++) {
            struct pacing_request rq = {.kind = PROMPTS_KIND_FAMILY,
                                        .role = cases[c].role,
                                        .depth = d,
                                        .topic = PROMPTS_TOPIC_JOY,
                                        .no_support = cases[c].no_support,
                                        .seen = seen,
                                        .n_seen = n,
                                        .today = day,
                                        .seed = (uint64_t)day};
            struct pacing_pick pk;
            assert_int_equal(pacing_pick_prompt(&small, &rq, &pk), 0);
            if (pk.prompt == NULL || pk.reason != PACING_PICK_FRESH)
                break;
            seen[n++] = (struct pacing_seen){pk.prompt->id, day};
        }
        /* Sorted, to compare with the expected set. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (strcmp(seen[j].prompt_id, seen[i].prompt_id) < 0) {
                    struct pacing_seen tmp = seen[i];
                    seen[i] = seen[j];
                    seen[j] = tmp;
                }
        for (size_t i = 0; i < n; i++) {
            strcat(got, seen[i].prompt_id);
            strcat(got, " ");
        }
        if (strcmp(got, cases[c].allowed) != 0)
            fail_msg("case %zu: offered%s, expected%s", c, got, cases[c].allowed);
    }
}

/* Rendezvous hashing: a parent and a child, asking the same day with the
 * same history, get the same prompt whenever the winner suits both. */
static void test_pick_members_share_unmarked_winner(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 2);
    int shared = 0, apart = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        struct pacing_pick p = pick(&small, PROMPTS_KIND_FAMILY, PROMPTS_ROLE_PARENT, d,
                                    PROMPTS_TOPIC_JOY, NULL, 0, 0, seed);
        struct pacing_pick c = pick(&small, PROMPTS_KIND_FAMILY, PROMPTS_ROLE_CHILD, d,
                                    PROMPTS_TOPIC_JOY, NULL, 0, 0, seed);
        if (p.prompt->for_role == PROMPTS_ROLE_NONE && c.prompt->for_role == PROMPTS_ROLE_NONE) {
            assert_ptr_equal(p.prompt, c.prompt);
            shared++;
        } else {
            apart++;
        }
        /* An unmarked pick for one is the pick for the other unless the
         * other's own prompt outranks it. */
        if (p.prompt->for_role == PROMPTS_ROLE_NONE && c.prompt != p.prompt)
            assert_int_equal(c.prompt->for_role, PROMPTS_ROLE_CHILD);
    }
    assert_true(shared > 0 && apart > 0);
}

static void test_pick_deterministic_and_explained(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 2);
    struct pacing_seen seen[] = {{"p-hope-2-001", 5}, {"not-in-the-library", 6}};
    bool differs = false;
    for (uint64_t seed = 0; seed < 20; seed++) {
        struct pacing_pick a = pick(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                    PROMPTS_TOPIC_ANY, seen, 2, 10, seed);
        struct pacing_pick b = pick(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                    PROMPTS_TOPIC_ANY, seen, 2, 10, seed);
        assert_ptr_equal(a.prompt, b.prompt);
        assert_string_not_equal(a.prompt->id, "p-hope-2-001");
        assert_int_equal(a.reason, PACING_PICK_FRESH);
        struct pacing_pick c = pick(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d,
                                    PROMPTS_TOPIC_ANY, seen, 2, 10, seed + 1);
        if (c.prompt != a.prompt)
            differs = true;
    }
    assert_true(differs);

    /* The sentences, with numbers worked out from the small library. */
    char buf[400];
    struct pacing_pick pk =
        pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_JOY, NULL, 0, 0, 1);
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "Chosen for today among the 3 joy prompts at depth 2 that you have "
                             "not been offered in the last 180 days.");
    struct pacing_seen two[] = {{"j2a", 0}, {"j2b", 1}};
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_JOY, two, 2, 3, 1);
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "This is the one joy prompt at depth 2 left that you have not been "
                             "offered in the last 180 days.");
    struct pacing_seen used[] = {{"j2a", 0}, {"j2b", 1}, {"j2c", 2}};
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, d, PROMPTS_TOPIC_JOY, used, 3, 3, 1);
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "You have been offered every joy prompt at depth 2 in the last 180 "
                             "days, so this is a lighter one, at depth 1, that you have not had.");
    int only_joy[PROMPTS_TOPIC__MAX];
    all_at(only_joy, 0);
    only_joy[PROMPTS_TOPIC_JOY] = 2;
    d[PROMPTS_TOPIC_JOY] = 2;
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, only_joy, PROMPTS_TOPIC_ANY, used, 3,
              3, 1);
    assert_int_equal(pk.reason, PACING_PICK_LIGHTER);
    struct pacing_seen fear_used[] = {{"j2a", 0}, {"j2b", 1}, {"j2c", 2}};
    int joy_fear[PROMPTS_TOPIC__MAX];
    all_at(joy_fear, 0);
    joy_fear[PROMPTS_TOPIC_JOY] = 2;
    joy_fear[PROMPTS_TOPIC_FEAR] = 2;
    for (uint64_t seed = 0; seed < 20; seed++) {
        pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, joy_fear, PROMPTS_TOPIC_ANY,
                  fear_used, 3, 3, seed);
        if (pk.reason == PACING_PICK_OTHER_TOPIC)
            break;
    }
    assert_int_equal(pk.reason, PACING_PICK_OTHER_TOPIC);
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "You have been offered every joy prompt at depth 2 in the last 180 "
                             "days, so today's comes from fear, one you have not had.");
    struct pacing_seen all_used[] = {{"j2a", 0}, {"j2b", 1}, {"j2c", 2}, {"j1a", 3}, {"j1b", 4}};
    pk = pick(&small, PROMPTS_KIND_COUPLE, PROMPTS_ROLE_NONE, only_joy, PROMPTS_TOPIC_JOY, all_used,
              5, 10, 1);
    pacing_pick_explain(&pk, buf, sizeof buf);
    assert_string_equal(buf, "You have been offered every prompt that fits in the last 180 days, "
                             "so this is the one you were offered longest ago, 10 days back.");
    assert_string_equal(pk.prompt->id, "j2a");

    assert_string_equal(pacing_pick_reason_code(PACING_PICK_FRESH), "fresh");
    assert_string_equal(pacing_pick_reason_code(PACING_PICK_OTHER_TOPIC), "other_topic");
    assert_string_equal(pacing_pick_reason_code(PACING_PICK_LIGHTER), "lighter");
    assert_string_equal(pacing_pick_reason_code(PACING_PICK_OLDEST), "oldest");
    assert_null(pacing_pick_reason_code(PACING_PICK__MAX));
    assert_null(pacing_pick_reason_code(-1));
    assert_int_equal(pacing_pick_explain(NULL, buf, sizeof buf), -1);
}

static void test_pick_any_topic_respects_kind(void **state)
{
    (void)state;
    /* Friends asking for any topic never get a desire prompt, whatever the
     * depth says about it. */
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 3);
    for (uint64_t seed = 0; seed < 200; seed++) {
        struct pacing_pick pk = pick(&shipped, PROMPTS_KIND_FRIENDS, PROMPTS_ROLE_NONE, d,
                                     PROMPTS_TOPIC_ANY, NULL, 0, 0, seed);
        assert_int_not_equal(pk.prompt->topic, PROMPTS_TOPIC_DESIRE);
        assert_int_not_equal(pk.topic, PROMPTS_TOPIC_DESIRE);
        assert_true(prompts_has_kind(pk.prompt, PROMPTS_KIND_FRIENDS));
        assert_int_equal(pk.prompt->depth, 3);
        assert_int_equal(pk.prompt->for_role, PROMPTS_ROLE_NONE);
    }
    /* Nothing open: no prompt, and no error. */
    all_at(d, 0);
    struct pacing_pick pk = pick(&shipped, PROMPTS_KIND_FRIENDS, PROMPTS_ROLE_NONE, d,
                                 PROMPTS_TOPIC_ANY, NULL, 0, 0, 1);
    assert_null(pk.prompt);
    assert_int_equal(pk.topic, -1);
}

static void test_pick_rejects_bad_input(void **state)
{
    (void)state;
    int d[PROMPTS_TOPIC__MAX];
    all_at(d, 2);
    struct pacing_pick pk;
    struct pacing_request ok = {.kind = PROMPTS_KIND_COUPLE,
                                .role = PROMPTS_ROLE_NONE,
                                .depth = d,
                                .topic = PROMPTS_TOPIC_ANY};
    assert_int_equal(pacing_pick_prompt(&small, &ok, &pk), 0);
    assert_int_equal(pacing_pick_prompt(NULL, &ok, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, NULL, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, &ok, NULL), -1);
    struct pacing_request bad = ok;
    bad.kind = 3;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    bad = ok;
    bad.depth = NULL;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    bad = ok;
    bad.n_seen = 2;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    bad = ok;
    bad.topic = PROMPTS_TOPIC__MAX;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    bad = ok;
    bad.topic = PROMPTS_TOPIC_DESIRE;
    bad.kind = PROMPTS_KIND_FRIENDS;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    int d6[PROMPTS_TOPIC__MAX];
    all_at(d6, 2);
    d6[PROMPTS_TOPIC_US] = 6;
    bad = ok;
    bad.depth = d6;
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
    d6[PROMPTS_TOPIC_US] = 0;
    bad.topic = PROMPTS_TOPIC_US; /* asked for a topic that is not open */
    assert_int_equal(pacing_pick_prompt(&small, &bad, &pk), -1);
}

/* ---- a year of daily prompts ------------------------------------------- */

/* A dyad at a steady depth: trust and both comforts held where they give
 * `depth` on every topic. Each member asks for the day's prompt (any topic)
 * every day for 365 days, as GET next-prompt does: the seed from the dyad and
 * the day, the offers of earlier days as history (both members'), today's
 * offers recorded after. Checks: a prompt every time, within the comfort,
 * suiting the kind and the member's role, and never one offered on an
 * earlier day. Returns how many distinct prompts were offered. */
static size_t simulate_year(int kind, const int roles[2], int depth, uint64_t dyad)
{
    int d[PROMPTS_TOPIC__MAX];
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        struct pacing_depth pd;
        /* trust 4 (so trust + 1 does not hold it), both comforts = depth */
        assert_int_equal(pacing_next_depth(4, depth, depth, 0, &pd), 0);
        d[t] = prompts_topic_allows_kind(t, kind) ? pd.depth : 0;
        assert_true(d[t] == 0 || d[t] == depth);
    }
    enum { DAYS = 365 };
    struct pacing_seen *seen = calloc(2 * DAYS, sizeof(*seen));
    long *first = calloc(shipped.count, sizeof(*first));
    assert_non_null(seen);
    assert_non_null(first);
    size_t n = 0, distinct = 0, reasons[PACING_PICK__MAX] = {0};
    for (long day = 0; day < DAYS; day++) {
        const struct prompt *today[2] = {NULL, NULL};
        for (int who = 0; who < 2; who++) {
            uint64_t seed = (dyad * 1099511628211ull) ^ (uint64_t)(20000 + day);
            struct pacing_pick pk =
                pick(&shipped, kind, roles[who], d, PROMPTS_TOPIC_ANY, seen, n, 20000 + day, seed);
            if (pk.prompt == NULL)
                fail_msg("day %ld: no prompt", day);
            const struct prompt *p = pk.prompt;
            if (p->depth > depth)
                fail_msg("day %ld: %s at depth %d, past the comfort %d", day, p->id, p->depth,
                         depth);
            assert_true(prompts_has_kind(p, kind));
            assert_true(prompts_suits_role(p, roles[who]));
            size_t at = (size_t)(p - shipped.items);
            reasons[pk.reason]++;
            if (first[at] != 0 && first[at] != day + 1)
                fail_msg("day %ld: %s again (first offered on day %ld; reason %s)", day, p->id,
                         first[at] - 1, pacing_pick_reason_code((int)pk.reason));
            assert_int_not_equal(pk.reason, PACING_PICK_OLDEST);
            if (first[at] == 0) {
                first[at] = day + 1;
                distinct++;
            }
            today[who] = p;
        }
        for (int who = 0; who < 2; who++)
            if (who == 0 || today[1] != today[0])
                seen[n++] = (struct pacing_seen){today[who]->id, 20000 + day};
    }
    fprintf(stderr,
            "year: %s, depth %d, roles %s/%s: %zu prompts; picks fresh %zu, other topic %zu, "
            "lighter %zu\n",
            prompts_kind_name(kind), depth, roles[0] ? prompts_role_name(roles[0]) : "-",
            roles[1] ? prompts_role_name(roles[1]) : "-", distinct, reasons[PACING_PICK_FRESH],
            reasons[PACING_PICK_OTHER_TOPIC], reasons[PACING_PICK_LIGHTER]);
    free(seen);
    free(first);
    return distinct;
}

/* Each pair at a steady depth 3 (the default comfort) and at a steady
 * depth 2. */
static void test_year_couple(void **state)
{
    (void)state;
    const int roles[2] = {PROMPTS_ROLE_NONE, PROMPTS_ROLE_NONE};
    /* Both members are offered the same prompt each day: 365 in all. */
    for (int depth = 2; depth <= 3; depth++)
        assert_int_equal(simulate_year(PROMPTS_KIND_COUPLE, roles, depth, 11), 365);
}

static void test_year_friends(void **state)
{
    (void)state;
    const int roles[2] = {PROMPTS_ROLE_NONE, PROMPTS_ROLE_NONE};
    for (int depth = 2; depth <= 3; depth++)
        assert_int_equal(simulate_year(PROMPTS_KIND_FRIENDS, roles, depth, 22), 365);
}

static void test_year_parent_and_grown_child(void **state)
{
    (void)state;
    const int roles[2] = {PROMPTS_ROLE_PARENT, PROMPTS_ROLE_CHILD};
    const int none[2] = {PROMPTS_ROLE_NONE, PROMPTS_ROLE_NONE};
    for (int depth = 2; depth <= 3; depth++) {
        size_t distinct = simulate_year(PROMPTS_KIND_FAMILY, roles, depth, 33);
        /* Most days they share the prompt; on some each gets one written
         * for their side. */
        assert_true(distinct > 365);
        assert_true(distinct < 2 * 365);
        /* Roles not known yet: the same year with prompts for anyone only. */
        assert_int_equal(simulate_year(PROMPTS_KIND_FAMILY, none, depth, 33), 365);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust_starts_at_one),
        cmocka_unit_test(test_trust_rises_exactly_at_threshold),
        cmocka_unit_test(test_trust_not_one_share_before),
        cmocka_unit_test(test_trust_not_one_day_before),
        cmocka_unit_test(test_trust_counts_answers_when_they_arrive),
        cmocka_unit_test(test_trust_one_sided_does_not_rise),
        cmocka_unit_test(test_trust_needs_depth_at_least_level),
        cmocka_unit_test(test_trust_steps_one_level_a_week_and_stops_at_five),
        cmocka_unit_test(test_trust_unanswered_at_depth_steps_back),
        cmocka_unit_test(test_trust_unanswered_at_depth_is_relative),
        cmocka_unit_test(test_trust_mostly_unanswered_steps_back),
        cmocka_unit_test(test_trust_steps_back_once_not_in_a_cascade),
        cmocka_unit_test(test_trust_old_unanswered_leave_the_window),
        cmocka_unit_test(test_trust_never_below_one),
        cmocka_unit_test(test_trust_future_not_counted),
        cmocka_unit_test(test_trust_rejects_bad_input),
        cmocka_unit_test(test_depth_trust_plus_one),
        cmocka_unit_test(test_depth_lower_comfort_of_the_two),
        cmocka_unit_test(test_depth_tie_names_trust),
        cmocka_unit_test(test_depth_homework),
        cmocka_unit_test(test_depth_topic_set_aside),
        cmocka_unit_test(test_depth_rejects_bad_input),
        cmocka_unit_test(test_depth_reason_codes_and_texts),
        cmocka_unit_test(test_pick_fresh_then_lighter_then_oldest),
        cmocka_unit_test(test_pick_180_days),
        cmocka_unit_test(test_pick_other_topic_when_day_topic_used_up),
        cmocka_unit_test(test_pick_empty_depth_steps_down),
        cmocka_unit_test(test_pick_roles_and_support),
        cmocka_unit_test(test_pick_members_share_unmarked_winner),
        cmocka_unit_test(test_pick_deterministic_and_explained),
        cmocka_unit_test(test_pick_any_topic_respects_kind),
        cmocka_unit_test(test_pick_rejects_bad_input),
        cmocka_unit_test(test_year_couple),
        cmocka_unit_test(test_year_friends),
        cmocka_unit_test(test_year_parent_and_grown_child),
    };
    return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
