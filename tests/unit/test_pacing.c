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

static void test_pick_no_repeat_until_pool_used(void **state)
{
    (void)state;
    const int kind = PROMPTS_KIND_FRIENDS, topic = PROMPTS_TOPIC_JOY, depth = 1;
    size_t pool = prompts_filter(&shipped, kind, topic, depth, NULL, 0);
    assert_true(pool >= 3 && pool <= 16);

    const char *used[64];
    size_t n_used = 0;
    /* Three rounds, a new seed each pick. */
    for (size_t round = 0; round < 3; round++) {
        for (size_t i = 0; i < pool; i++) {
            struct pacing_pick pk;
            assert_int_equal(pacing_pick_prompt(&shipped, kind, PROMPTS_TOPIC_BIT(topic), depth,
                                                used, n_used, 1000 + n_used * 7919, &pk),
                             0);
            assert_non_null(pk.prompt);
            assert_int_equal(pk.depth, depth);
            assert_false(pk.stepped_down);
            assert_int_equal(pk.pool_size, pool);
            assert_int_equal(pk.pool_fresh, pool - i);
            /* A new round begins exactly when the previous one is used up. */
            assert_int_equal(pk.cycle_completed, round > 0 && i == 0);
            assert_int_equal(pk.prompt->topic, topic);
            assert_true(prompts_has_kind(pk.prompt, kind));
            /* Not seen yet in this round, and never the one just shown. */
            for (size_t j = round * pool; j < n_used; j++)
                assert_string_not_equal(used[j], pk.prompt->id);
            if (n_used > 0)
                assert_string_not_equal(used[n_used - 1], pk.prompt->id);
            used[n_used++] = pk.prompt->id;
        }
    }
}

static void test_pick_deterministic(void **state)
{
    (void)state;
    const char *used[] = {"p-hope-2-001", "not-in-the-library"};
    struct pacing_pick a, b;
    bool differs = false;
    for (uint64_t seed = 0; seed < 20; seed++) {
        assert_int_equal(pacing_pick_prompt(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_ALL, 2,
                                            used, 2, seed, &a),
                         0);
        assert_int_equal(pacing_pick_prompt(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_ALL, 2,
                                            used, 2, seed, &b),
                         0);
        assert_ptr_equal(a.prompt, b.prompt);
        assert_string_not_equal(a.prompt->id, "p-hope-2-001");
        struct pacing_pick c;
        pacing_pick_prompt(&shipped, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_ALL, 2, used, 2, seed + 1,
                           &c);
        if (c.prompt != a.prompt)
            differs = true;
    }
    assert_true(differs);
}

static void test_pick_any_topic_respects_kind(void **state)
{
    (void)state;
    /* Friends asking for any topic never get a desire prompt, and the pool
     * is every friends prompt at that depth. */
    struct pacing_pick pk;
    for (uint64_t seed = 0; seed < 200; seed++) {
        assert_int_equal(pacing_pick_prompt(&shipped, PROMPTS_KIND_FRIENDS, PROMPTS_TOPIC_ALL, 3,
                                            NULL, 0, seed, &pk),
                         0);
        assert_int_not_equal(pk.prompt->topic, PROMPTS_TOPIC_DESIRE);
        assert_true(prompts_has_kind(pk.prompt, PROMPTS_KIND_FRIENDS));
    }
    assert_int_equal(pk.pool_size,
                     prompts_filter(&shipped, PROMPTS_KIND_FRIENDS, PROMPTS_TOPIC_ANY, 3, NULL, 0));
    /* A mask of desire only, for friends, has nothing at any depth. */
    assert_int_equal(pacing_pick_prompt(&shipped, PROMPTS_KIND_FRIENDS,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_DESIRE), 3, NULL, 0, 1,
                                        &pk),
                     0);
    assert_null(pk.prompt);
    assert_int_equal(pk.depth, 0);
}

/* A hand-built library: joy for couples at depths 1 and 2 only, and one
 * fear prompt at depth 4, to show stepping down past an empty depth. */
static char text_x[] = "x";
static struct prompt small_items[] = {
    {"j1a", PROMPTS_TOPIC_JOY, 1, PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE), text_x},
    {"j1b", PROMPTS_TOPIC_JOY, 1, PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE), text_x},
    {"j2a", PROMPTS_TOPIC_JOY, 2, PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE), text_x},
    {"j2b", PROMPTS_TOPIC_JOY, 2, PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE), text_x},
    {"f4a", PROMPTS_TOPIC_FEAR, 4, PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY), text_x},
};
static size_t small_by_id[] = {4, 0, 1, 2, 3}; /* f4a j1a j1b j2a j2b */
static const struct prompt_library small = {1, small_items, 5, small_by_id};

static void test_pick_steps_down_when_depth_empty(void **state)
{
    (void)state;
    struct pacing_pick pk;
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_COUPLE,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_JOY), 4, NULL, 0, 3, &pk),
                     0);
    assert_non_null(pk.prompt);
    assert_int_equal(pk.depth, 2);
    assert_int_equal(pk.prompt->depth, 2);
    assert_true(pk.stepped_down);
    assert_int_equal(pk.pool_size, 2);

    /* Depth 2 used up: the pool starts over at depth 2 (no further step
     * down), and not with the prompt shown last. */
    const char *used[] = {"j2b", "j2a"};
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_COUPLE,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_JOY), 3, used, 2, 3, &pk),
                     0);
    assert_int_equal(pk.depth, 2);
    assert_true(pk.cycle_completed);
    assert_string_equal(pk.prompt->id, "j2b");

    /* At the asked depth nothing needs stepping down. */
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_COUPLE,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_JOY), 1, NULL, 0, 3, &pk),
                     0);
    assert_int_equal(pk.depth, 1);
    assert_false(pk.stepped_down);

    /* Family fear exists only at depth 4: asking for 3 finds nothing below. */
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_FAMILY,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_FEAR), 3, NULL, 0, 3, &pk),
                     0);
    assert_null(pk.prompt);
    assert_int_equal(pk.depth, 0);
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_FAMILY,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_FEAR), 5, NULL, 0, 3, &pk),
                     0);
    assert_string_equal(pk.prompt->id, "f4a");
    /* A pool of one repeats itself rather than offering nothing. */
    const char *used_f[] = {"f4a"};
    assert_int_equal(pacing_pick_prompt(&small, PROMPTS_KIND_FAMILY,
                                        PROMPTS_TOPIC_BIT(PROMPTS_TOPIC_FEAR), 4, used_f, 1, 3,
                                        &pk),
                     0);
    assert_string_equal(pk.prompt->id, "f4a");
    assert_true(pk.cycle_completed);
}

static void test_pick_rejects_bad_input(void **state)
{
    (void)state;
    struct pacing_pick pk;
    assert_int_equal(pacing_pick_prompt(NULL, 0, PROMPTS_TOPIC_ALL, 1, NULL, 0, 0, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, 0, PROMPTS_TOPIC_ALL, 1, NULL, 0, 0, NULL), -1);
    assert_int_equal(pacing_pick_prompt(&small, 3, PROMPTS_TOPIC_ALL, 1, NULL, 0, 0, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, -1, PROMPTS_TOPIC_ALL, 1, NULL, 0, 0, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, 0, PROMPTS_TOPIC_ALL, 0, NULL, 0, 0, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, 0, PROMPTS_TOPIC_ALL, 6, NULL, 0, 0, &pk), -1);
    assert_int_equal(pacing_pick_prompt(&small, 0, PROMPTS_TOPIC_ALL, 1, NULL, 2, 0, &pk), -1);
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
        cmocka_unit_test(test_pick_no_repeat_until_pool_used),
        cmocka_unit_test(test_pick_deterministic),
        cmocka_unit_test(test_pick_any_topic_respects_kind),
        cmocka_unit_test(test_pick_steps_down_when_depth_empty),
        cmocka_unit_test(test_pick_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
