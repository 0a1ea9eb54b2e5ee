/*
 * test_insights.c — the insights engine against hand-computed cases, every
 * threshold edge (just below / at / above), the per-viewer rules, and a
 * deterministic generator of dyads with known patterns.
 *
 * Hand computations are in the comments next to each expectation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/insights.h"
#include "core/kind.h"

#define N     INSIGHTS_TREND_NONE
#define TODAY 20000L /* 2024-10-04 */

#define assert_double_eq(a, b) assert_double_near((a), (b), 1e-12, #a, __LINE__)

static void assert_double_near(double got, double want, double eps, const char *what, int line)
{
    if (!(fabs(got - want) <= eps))
        fail_msg("line %d: %s = %.17g, expected %.17g", line, what, got, want);
}

/* ---- fixtures ----------------------------------------------------------- */

struct fixture {
    struct insights_day days[2][INSIGHTS_WINDOW_MAX];
    struct insights_share shares[128];
    struct insights_input in;
    struct insights_result out;
};

static struct insights_day day_blank(void)
{
    struct insights_day d = {
        .closeness = INSIGHTS_NULL,
        .closeness_wanted = INSIGHTS_NULL,
        .opened_up = INSIGHTS_NULL,
        .understood = INSIGHTS_NULL,
        .safety = INSIGHTS_NULL,
        .affection = INSIGHTS_NULL,
        .sexual = INSIGHTS_NULL,
    };
    return d;
}

static struct fixture *fixture_new(int window, enum insights_viewer viewer)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < INSIGHTS_WINDOW_MAX; i++)
            fx->days[m][i] = day_blank();
    fx->in.window = window;
    fx->in.today = TODAY;
    fx->in.viewer = viewer;
    fx->in.days[0] = fx->days[0];
    fx->in.days[1] = fx->days[1];
    fx->in.track_sexual[0] = fx->in.track_sexual[1] = true;
    fx->in.visible[0] = fx->in.visible[1] = INSIGHTS_ITEMS_ALL;
    fx->in.shares = fx->shares;
    return fx;
}

/* A check-in with closeness, wanted and sexual (INSIGHTS_NULL for none). */
static void checkin(struct fixture *fx, int m, int i, int closeness, int wanted, int sexual)
{
    struct insights_day *d = &fx->days[m][i];
    *d = day_blank();
    d->present = true;
    d->closeness = (int8_t)closeness;
    d->closeness_wanted = (int8_t)wanted;
    d->sexual = (int8_t)sexual;
}

static void compute_ok(struct fixture *fx)
{
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_OK);
}

static const struct insights_finding *finding(const struct insights_result *r,
                                              enum insights_finding_code code, int subject)
{
    for (int i = 0; i < r->finding_count; i++)
        if (r->findings[i].code == code && r->findings[i].subject == subject)
            return &r->findings[i];
    return NULL;
}

static double number(const struct insights_finding *f, const char *name)
{
    for (int i = 0; i < f->number_count; i++)
        if (strcmp(f->numbers[i].name, name) == 0)
            return f->numbers[i].value;
    fail_msg("finding %s has no number %s", insights_code_name(f->code), name);
    return 0;
}

static void share_add(struct fixture *fx, long day, int author, int topic, bool answered)
{
    struct insights_share *s = &fx->shares[fx->in.share_count++];
    s->day = day;
    s->author = author;
    s->topic = topic;
    s->depth = 2;
    s->answered_within_48h = answered;
}

/* The whole result as text, doubles in hex, for comparing two results. */
static void stat_dump(char **p, size_t *left, const char *name, const struct insights_stat *s)
{
    int k = snprintf(*p, *left, "%s:%d/%d/%a ", name, s->shown, s->n, s->value);
    *p += k;
    *left -= (size_t)k;
}

static char *result_dump(const struct insights_result *r)
{
    size_t cap = 64 * 1024, left = cap;
    char *buf = malloc(cap), *p = buf;
    assert_non_null(buf);
    int k = snprintf(p, left, "w=%d today=%ld viewer=%d\n", r->window, r->today, r->viewer);
    p += k;
    left -= (size_t)k;
    for (int m = 0; m < 2; m++) {
        const struct insights_member_result *x = &r->members[m];
        stat_dump(&p, &left, "checkins", &x->checkins);
        stat_dump(&p, &left, "closeness", &x->closeness);
        stat_dump(&p, &left, "wanted", &x->closeness_wanted);
        stat_dump(&p, &left, "opened", &x->opened_up);
        stat_dump(&p, &left, "understood", &x->understood);
        stat_dump(&p, &left, "safety", &x->safety);
        stat_dump(&p, &left, "affection", &x->affection);
        stat_dump(&p, &left, "sexual", &x->sexual);
        stat_dump(&p, &left, "sexual_rate", &x->sexual_rate);
        stat_dump(&p, &left, "trend", &x->closeness_trend);
        stat_dump(&p, &left, "wordless", &x->wordless_rate);
        for (int e = 0; e < INSIGHTS_EMOTION__MAX; e++)
            stat_dump(&p, &left, "emotion", &x->emotion_days[e]);
        stat_dump(&p, &left, "answered", &x->answered_rate);
        k = snprintf(p, left, "q=%d sw=%d due=%d ans=%d\n", x->quadrant, x->shares_written,
                     x->shares_received_due, x->shares_answered_48h);
        p += k;
        left -= (size_t)k;
    }
    for (int i = 0; i < r->finding_count; i++) {
        const struct insights_finding *f = &r->findings[i];
        k = snprintf(p, left, "F %d %d %d %s |", f->code, f->subject, f->severity, f->explanation);
        p += k;
        left -= (size_t)k;
        for (int j = 0; j < f->number_count; j++) {
            k = snprintf(p, left, " %s=%a", f->numbers[j].name, f->numbers[j].value);
            p += k;
            left -= (size_t)k;
        }
        k = snprintf(p, left, "\n");
        p += k;
        left -= (size_t)k;
    }
    return buf;
}

/* ---- deterministic PRNG (xorshift32) ------------------------------------ */

static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static int rng_range(uint32_t *s, int lo, int hi) /* inclusive */
{
    return lo + (int)(rng_next(s) % (uint32_t)(hi - lo + 1));
}

/* ---- Theil–Sen ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The definition, O(n^2): every pairwise slope, sorted. */
static void theil_sen_naive(const int16_t *y, int n, double *slope, double *intercept)
{
    double *s = malloc(sizeof(double) * (size_t)(n * n / 2 + 1));
    double *c = malloc(sizeof(double) * (size_t)(n + 1));
    assert_non_null(s);
    assert_non_null(c);
    int m = 0, p = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (y[i] != N && y[j] != N)
                s[m++] = (double)(y[j] - y[i]) / (double)(j - i);
    qsort(s, (size_t)m, sizeof *s, cmp_double);
    double b = m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2.0;
    for (int i = 0; i < n; i++)
        if (y[i] != N)
            c[p++] = (double)y[i] - b * (double)i;
    qsort(c, (size_t)p, sizeof *c, cmp_double);
    *slope = b;
    *intercept = p % 2 ? c[p / 2] : (c[p / 2 - 1] + c[p / 2]) / 2.0;
    free(s);
    free(c);
}

static void test_theil_sen_hand(void **state)
{
    (void)state;
    double b, a;
    /* 1 2 3: every slope is 1; y - x = 1, 1, 1. */
    const int16_t line[] = {1, 2, 3};
    assert_int_equal(insights_theil_sen(line, 3, &b, &a), 0);
    assert_double_eq(b, 1.0);
    assert_double_eq(a, 1.0);

    /* 0 4 1 3: slopes (0,1) 4, (0,2) 1/2, (0,3) 1, (1,2) -3, (1,3) -1/2,
     * (2,3) 2; sorted -3 -0.5 0.5 1 2 4: median (0.5 + 1) / 2 = 0.75.
     * y - 0.75x = 0, 3.25, -0.5, 0.75: median (0 + 0.75) / 2 = 0.375. */
    const int16_t zigzag[] = {0, 4, 1, 3};
    assert_int_equal(insights_theil_sen(zigzag, 4, &b, &a), 0);
    assert_double_eq(b, 0.75);
    assert_double_eq(a, 0.375);

    /* Gaps: points (0,2) (2,5) (3,4) (5,10). Slopes 3/2, 2/3, 8/5, -1, 5/3,
     * 3; sorted -1 .667 1.5 1.6 1.667 3: median (1.5 + 1.6) / 2 = 1.55.
     * y - 1.55x = 2, 1.9, -0.65, 2.25: median (1.9 + 2) / 2 = 1.95. */
    const int16_t gaps[] = {2, N, 5, 4, N, 10};
    assert_int_equal(insights_theil_sen(gaps, 6, &b, &a), 0);
    assert_double_eq(b, 1.55);
    assert_double_near(a, 1.95, 1e-12, "intercept", __LINE__);

    /* One outlier does not move it: six zero slopes among the first four,
     * 5/4 5/3 5/2 5/1 with the last; median of ten = (0 + 0) / 2. */
    const int16_t outlier[] = {5, 5, 5, 5, 10};
    assert_int_equal(insights_theil_sen(outlier, 5, &b, &a), 0);
    assert_double_eq(b, 0.0);
    assert_double_eq(a, 5.0);

    /* Falling by 2 a day. */
    const int16_t falling[] = {9, 7, 5, 3, 1};
    assert_int_equal(insights_theil_sen(falling, 5, &b, &a), 0);
    assert_double_eq(b, -2.0);
    assert_double_eq(a, 9.0);

    /* Negative values (a difference series). Slopes: (0,1) -3, (0,2) -1,
     * (1,2) 1; median -1. y + x = -4, -6, -4: median -4. */
    const int16_t neg[] = {-4, -7, -6};
    assert_int_equal(insights_theil_sen(neg, 3, &b, &a), 0);
    assert_double_eq(b, -1.0);
    assert_double_eq(a, -4.0);

    /* Two points; fewer is an error, as are values out of range. */
    const int16_t two[] = {N, 3, N, 7};
    assert_int_equal(insights_theil_sen(two, 4, &b, &a), 0);
    assert_double_eq(b, 2.0);
    assert_double_eq(a, 1.0);
    const int16_t one[] = {N, 3, N};
    assert_int_equal(insights_theil_sen(one, 3, &b, &a), -1);
    const int16_t bad[] = {1, 11};
    assert_int_equal(insights_theil_sen(bad, 2, &b, &a), -1);
    assert_int_equal(insights_theil_sen(line, INSIGHTS_WINDOW_MAX + 1, &b, &a), -1);
    assert_int_equal(insights_theil_sen(NULL, 3, &b, &a), -1);
    /* The intercept is optional. */
    assert_int_equal(insights_theil_sen(zigzag, 4, &b, NULL), 0);
    assert_double_eq(b, 0.75);
}

/* The counting method must give the very doubles the definition gives, on
 * every kind of series: short and long, trending up and down, flat, with
 * gaps, two levels or twenty-one. */
static void test_theil_sen_matches_definition(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    int16_t y[INSIGHTS_WINDOW_MAX];
    for (int round = 0; round < 400; round++) {
        int n = round < 200 ? rng_range(&seed, 2, 40) : rng_range(&seed, 41, INSIGHTS_WINDOW_MAX);
        int lo = rng_range(&seed, -10, 10), hi = rng_range(&seed, lo, 10);
        int trend = rng_range(&seed, -3, 3), gaps = rng_range(&seed, 0, 60);
        int present = 0;
        for (int i = 0; i < n; i++) {
            if (rng_range(&seed, 0, 99) < gaps) {
                y[i] = N;
                continue;
            }
            int v = lo + rng_range(&seed, 0, hi - lo) + trend * i * (hi - lo + 1) / (2 * n);
            y[i] = (int16_t)(v < lo ? lo : v > hi ? hi : v);
            present++;
        }
        if (present < 2) {
            y[0] = (int16_t)lo;
            y[n - 1] = (int16_t)hi;
        }
        double b1, a1, b2, a2;
        assert_int_equal(insights_theil_sen(y, n, &b1, &a1), 0);
        theil_sen_naive(y, n, &b2, &a2);
        if (b1 != b2 || a1 != a2)
            fail_msg("round %d n %d: slope %.17g vs %.17g, intercept %.17g vs %.17g", round, n, b1,
                     b2, a1, a2);
    }
}

/* Many equal slopes (a staircase) make the search end on an interval that
 * holds one value shared by thousands of pairs. */
static void test_theil_sen_ties(void **state)
{
    (void)state;
    int16_t y[INSIGHTS_WINDOW_MAX];
    for (int i = 0; i < INSIGHTS_WINDOW_MAX; i++)
        y[i] = (int16_t)(i / 37 - 5); /* -5 .. 4 */
    double b1, a1, b2, a2;
    assert_int_equal(insights_theil_sen(y, INSIGHTS_WINDOW_MAX, &b1, &a1), 0);
    theil_sen_naive(y, INSIGHTS_WINDOW_MAX, &b2, &a2);
    assert_true(b1 == b2);
    assert_true(a1 == a2);
    for (int i = 0; i < INSIGHTS_WINDOW_MAX; i++)
        y[i] = (int16_t)(10 - 2 * (i % 11)); /* a saw: many repeated slopes */
    assert_int_equal(insights_theil_sen(y, INSIGHTS_WINDOW_MAX, &b1, &a1), 0);
    theil_sen_naive(y, INSIGHTS_WINDOW_MAX, &b2, &a2);
    assert_true(b1 == b2);
    assert_true(a1 == a2);
}

/* ---- validation ------------------------------------------------------------ */

static void test_window_validation(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(6, INSIGHTS_VIEWER_MEMBER0);
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_WINDOW);
    assert_int_equal(fx->out.finding_count, 0);
    fx->in.window = 7;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_OK);
    assert_int_equal(fx->out.window, 7);
    fx->in.window = 365;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_OK);
    fx->in.window = 366;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_WINDOW);
    fx->in.window = 0;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_WINDOW);
    fx->in.window = -28;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_WINDOW);
    free(fx);
}

static void test_input_validation(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    assert_int_equal(insights_compute(NULL, &fx->out), INSIGHTS_ERR_INPUT);
    assert_int_equal(insights_compute(&fx->in, NULL), INSIGHTS_ERR_INPUT);

    checkin(fx, 0, 3, 11, 5, 0); /* closeness 11 */
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    checkin(fx, 0, 3, 10, -2, 0); /* wanted -2 */
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    checkin(fx, 0, 3, 10, 10, 10); /* edges are fine */
    compute_ok(fx);
    fx->days[1][4].sexual = 42; /* a day without a check-in is not read */
    compute_ok(fx);

    fx->in.viewer = (enum insights_viewer)3;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER0;

    fx->in.days[1] = NULL;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->in.days[1] = fx->days[1];

    share_add(fx, TODAY, 2, 0, false); /* author 2 */
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->shares[0].author = 1;
    fx->shares[0].topic = PROMPTS_TOPIC__MAX;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->shares[0].topic = 0;
    fx->shares[0].depth = 6;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->shares[0].depth = 5;
    compute_ok(fx);
    fx->in.shares = NULL;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->in.shares = fx->shares;

    fx->in.comfort[1][3] = 6;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    free(fx);
}

/* Every score of a present day is checked, each of the seven items, at
 * both sides of -1..10 and at the ends of the byte: the engine checks the
 * seven as one word, so a bad value in any position must still count. */
static void test_input_validation_every_item(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_THERAPIST);
    static const int bad[] = {-2, 11, 12, 127, -128, -100};
    static const int good[] = {INSIGHTS_NULL, 0, 1, 9, 10};
    for (int item = INSIGHTS_ITEM_CLOSENESS; item <= INSIGHTS_ITEM_SEXUAL; item++) {
        for (size_t k = 0; k < sizeof bad / sizeof bad[0] + sizeof good / sizeof good[0]; k++) {
            bool is_bad = k < sizeof bad / sizeof bad[0];
            int v = is_bad ? bad[k] : good[k - sizeof bad / sizeof bad[0]];
            for (int m = 0; m < 2; m++) {
                checkin(fx, m, 27, 5, 5, 0);
                struct insights_day *d = &fx->days[m][27];
                int8_t *at[] = {&d->closeness, &d->closeness_wanted, &d->opened_up, &d->understood,
                                &d->safety,    &d->affection,        &d->sexual};
                *at[item] = (int8_t)v;
                int rc = insights_compute(&fx->in, &fx->out);
                if (rc != (is_bad ? INSIGHTS_ERR_INPUT : INSIGHTS_OK))
                    fail_msg("%s = %d for member %d: rc %d", insights_item_name(item), v, m, rc);
                d->present = false; /* the same bytes on a day without a check-in: not read */
                assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_OK);
            }
        }
    }
    free(fx);
}

/* The largest sums a window holds: 365 days, every score 10, every
 * feeling, for member 0; every score 0 and only the last feeling for
 * member 1. Counted by hand: n = 365 everywhere, means 10 and 0, each
 * feeling on 365 days (or none). */
static void test_means_full_year(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_WINDOW_MAX, INSIGHTS_VIEWER_THERAPIST);
    for (int i = 0; i < INSIGHTS_WINDOW_MAX; i++) {
        struct insights_day top = {10, 10, 10, 10, 10, 10, 10, 0xff, true, true};
        struct insights_day low = {0,     0,   0, 0, 0, 0, 0, 1u << INSIGHTS_EMOTION_EMBARRASSMENT,
                                   false, true};
        fx->days[0][i] = top;
        fx->days[1][i] = low;
    }
    compute_ok(fx);
    for (int m = 0; m < 2; m++) {
        const struct insights_member_result *r = &fx->out.members[m];
        double want = m == 0 ? 10.0 : 0.0;
        const struct insights_stat *means[] = {&r->closeness,  &r->closeness_wanted, &r->opened_up,
                                               &r->understood, &r->safety,           &r->affection,
                                               &r->sexual};
        assert_int_equal(r->checkins.n, INSIGHTS_WINDOW_MAX);
        for (size_t k = 0; k < sizeof means / sizeof means[0]; k++) {
            assert_true(means[k]->shown);
            assert_int_equal(means[k]->n, INSIGHTS_WINDOW_MAX);
            assert_double_eq(means[k]->value, want);
        }
        assert_double_eq(r->sexual_rate.value, m == 0 ? 1.0 : 0.0);
        assert_double_eq(r->wordless_rate.value, m == 0 ? 1.0 : 0.0);
        for (int e = 0; e < INSIGHTS_EMOTION__MAX; e++) {
            bool felt = m == 0 || e == INSIGHTS_EMOTION_EMBARRASSMENT;
            assert_double_eq(r->emotion_days[e].value, felt ? INSIGHTS_WINDOW_MAX : 0.0);
        }
        assert_int_equal(r->plane_opened_up.n, INSIGHTS_WINDOW_MAX);
        assert_double_eq(r->plane_opened_up.value, want);
        assert_double_eq(r->closeness_trend.value, 0.0);
    }
    /* A partner who hides feelings and affection: those not counted. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    fx->in.visible[0] = INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS) &
                        ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_AFFECTION);
    compute_ok(fx);
    const struct insights_member_result *r = &fx->out.members[0];
    assert_false(r->affection.shown);
    assert_false(r->emotion_days[INSIGHTS_EMOTION_JOY].shown);
    assert_double_eq(r->closeness.value, 10.0);
    assert_int_equal(r->safety.n, INSIGHTS_WINDOW_MAX);
    free(fx);
}

/* ---- means ------------------------------------------------------------------ */

static void test_means(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(7, INSIGHTS_VIEWER_MEMBER0);
    /* closeness 4 6 8 → 6; wanted 7 . 9 → 8; sexual 0 . 5 → 2.5 over the two
     * scored days; affection 3 on one day. */
    checkin(fx, 0, 0, 4, 7, 0);
    checkin(fx, 0, 2, 6, INSIGHTS_NULL, INSIGHTS_NULL);
    checkin(fx, 0, 6, 8, 9, 5);
    fx->days[0][2].affection = 3;
    fx->days[0][2].understood = 7;
    fx->days[0][6].understood = 4;
    fx->days[0][0].wordless = true;
    fx->days[0][6].emotions = 1u << INSIGHTS_EMOTION_HOPE | 1u << INSIGHTS_EMOTION_JOY;
    fx->days[0][0].emotions = 1u << INSIGHTS_EMOTION_JOY;
    compute_ok(fx);
    const struct insights_member_result *r = &fx->out.members[0];
    assert_true(r->checkins.shown);
    assert_int_equal(r->checkins.n, 3);
    assert_true(r->closeness.shown);
    assert_int_equal(r->closeness.n, 3);
    assert_double_eq(r->closeness.value, 6.0);
    assert_double_eq(r->closeness_wanted.value, 8.0);
    assert_int_equal(r->closeness_wanted.n, 2);
    assert_true(r->sexual.shown);
    assert_int_equal(r->sexual.n, 2);
    assert_double_eq(r->sexual.value, 2.5);
    /* one day of three with sexual >= 1 */
    assert_double_eq(r->sexual_rate.value, 1.0 / 3.0);
    assert_double_eq(r->affection.value, 3.0);
    assert_double_eq(r->understood.value, 5.5);
    assert_false(r->safety.shown); /* never answered: absent, not 0 */
    assert_false(r->opened_up.shown);
    assert_double_eq(r->wordless_rate.value, 1.0 / 3.0);
    assert_double_eq(r->emotion_days[INSIGHTS_EMOTION_JOY].value, 2.0);
    assert_double_eq(r->emotion_days[INSIGHTS_EMOTION_HOPE].value, 1.0);
    assert_double_eq(r->emotion_days[INSIGHTS_EMOTION_FEAR].value, 0.0);
    assert_false(r->closeness_trend.shown); /* 3 < 10 ratings */
    assert_int_equal(r->quadrant, INSIGHTS_QUADRANT_INSUFFICIENT_DATA);

    /* Member 1 has nothing: counted 0, means absent. */
    assert_true(fx->out.members[1].checkins.shown);
    assert_int_equal(fx->out.members[1].checkins.n, 0);
    assert_false(fx->out.members[1].closeness.shown);

    /* A member who does not track sex has no sexual mean, whatever is stored. */
    fx->in.track_sexual[0] = false;
    compute_ok(fx);
    assert_false(fx->out.members[0].sexual.shown);
    assert_false(fx->out.members[0].sexual_rate.shown);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_NOT_TRACKED);
    free(fx);
}

static void test_trend_output(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(14, INSIGHTS_VIEWER_MEMBER0);
    /* 9 ratings: no trend; the 10th gives one. closeness = 2 + i/2 (integer
     * division) on days 0..9: slopes of a staircase, median 0.5. */
    for (int i = 0; i < 9; i++)
        checkin(fx, 0, i, 2 + i / 2, INSIGHTS_NULL, 0);
    compute_ok(fx);
    assert_false(fx->out.members[0].closeness_trend.shown);
    checkin(fx, 0, 9, 2 + 9 / 2, INSIGHTS_NULL, 0);
    compute_ok(fx);
    assert_true(fx->out.members[0].closeness_trend.shown);
    int16_t y[14];
    for (int i = 0; i < 14; i++)
        y[i] = i < 10 ? (int16_t)(2 + i / 2) : N;
    double b, a;
    theil_sen_naive(y, 14, &b, &a);
    assert_double_eq(fx->out.members[0].closeness_trend.value, b);
    assert_double_eq(b, 0.5);
    free(fx);
}

/* ---- quadrant ---------------------------------------------------------------- */

/* n check-ins over a window of 28 with closeness c and `sexual_days` of
 * them with sexual 6 (others 0). */
static struct fixture *quadrant_fixture(int n, int c, int sexual_days)
{
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < n; i++)
        checkin(fx, 0, i * 2 % 28 + (i >= 14), c, c, i < sexual_days ? 6 : 0);
    return fx;
}

static enum insights_quadrant quadrant_of(struct fixture *fx)
{
    compute_ok(fx);
    enum insights_quadrant q = fx->out.members[0].quadrant;
    free(fx);
    return q;
}

static void test_quadrant_min_checkins(void **state)
{
    (void)state;
    assert_int_equal(quadrant_of(quadrant_fixture(6, 7, 2)), INSIGHTS_QUADRANT_INSUFFICIENT_DATA);
    assert_int_equal(quadrant_of(quadrant_fixture(7, 7, 2)), INSIGHTS_QUADRANT_BOTH);
    assert_int_equal(quadrant_of(quadrant_fixture(8, 7, 2)), INSIGHTS_QUADRANT_BOTH);
    /* Tracking sex but passing every day: no evidence either way. */
    struct fixture *fx = quadrant_fixture(10, 7, 0);
    for (int i = 0; i < 28; i++)
        fx->days[0][i].sexual = INSIGHTS_NULL;
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_INSUFFICIENT_DATA);
}

static void test_quadrant_closeness_floor(void **state)
{
    (void)state;
    /* 14 check-ins, 2 sexual days (exactly 1 in 7). */
    assert_int_equal(quadrant_of(quadrant_fixture(14, 5, 2)), INSIGHTS_QUADRANT_BOTH);
    assert_int_equal(quadrant_of(quadrant_fixture(14, 4, 2)), INSIGHTS_QUADRANT_SEXUAL_ONLY);
    /* mean 69/14 = 4.93: just below 5 */
    struct fixture *fx = quadrant_fixture(14, 5, 2);
    fx->days[0][0].closeness = 4;
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_SEXUAL_ONLY);
    /* mean 71/14 = 5.07: just above */
    fx = quadrant_fixture(14, 5, 2);
    fx->days[0][0].closeness = 6;
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_BOTH);
}

static void test_quadrant_sexual_floor(void **state)
{
    (void)state;
    /* 14 check-ins: 1 sexual day = 1/14 < 1/7; 2 = 1/7 exactly; 3 above. */
    assert_int_equal(quadrant_of(quadrant_fixture(14, 7, 1)), INSIGHTS_QUADRANT_EMOTIONAL_ONLY);
    assert_int_equal(quadrant_of(quadrant_fixture(14, 7, 2)), INSIGHTS_QUADRANT_BOTH);
    assert_int_equal(quadrant_of(quadrant_fixture(14, 7, 3)), INSIGHTS_QUADRANT_BOTH);
    assert_int_equal(quadrant_of(quadrant_fixture(14, 3, 1)), INSIGHTS_QUADRANT_NEITHER);
    assert_int_equal(quadrant_of(quadrant_fixture(14, 3, 0)), INSIGHTS_QUADRANT_NEITHER);
    /* 15 check-ins, 2 sexual days: 14 < 15, just below one in seven. */
    assert_int_equal(quadrant_of(quadrant_fixture(15, 7, 2)), INSIGHTS_QUADRANT_EMOTIONAL_ONLY);
    /* A day with sexual 1 counts as a sexual day: it happened. */
    struct fixture *fx = quadrant_fixture(14, 7, 1);
    fx->days[0][2].sexual = 1;
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_BOTH);
}

static void test_quadrant_baseline(void **state)
{
    (void)state;
    /* Window mean 6, rate 2/14 = 0.142857. */
    struct fixture *fx = quadrant_fixture(14, 6, 2);
    fx->in.baseline[0] = (struct insights_baseline){true, 7.0, 0.28};
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_BOTH); /* 6 >= 7 - 1; 0.1428 >= 0.14 */
    fx = quadrant_fixture(14, 6, 2);
    fx->in.baseline[0] = (struct insights_baseline){true, 7.1, 0.28};
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_SEXUAL_ONLY); /* 6 < 6.1 */
    fx = quadrant_fixture(14, 6, 2);
    fx->in.baseline[0] = (struct insights_baseline){true, 7.0, 0.30};
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_EMOTIONAL_ONLY); /* 0.1428 < 0.15 */
    /* A low baseline never lowers the floor. */
    fx = quadrant_fixture(14, 4, 2);
    fx->in.baseline[0] = (struct insights_baseline){true, 2.0, 0.0};
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_SEXUAL_ONLY);
    /* known = false: the floors alone. */
    fx = quadrant_fixture(14, 6, 2);
    fx->in.baseline[0] = (struct insights_baseline){false, 9.0, 0.9};
    assert_int_equal(quadrant_of(fx), INSIGHTS_QUADRANT_BOTH);
}

static void test_baseline_compute(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    struct insights_day hist[40];
    for (int i = 0; i < 40; i++)
        hist[i] = day_blank();
    /* 13 check-ins: not known. */
    for (int i = 0; i < 13; i++) {
        hist[i].present = true;
        hist[i].closeness = (int8_t)(i % 2 ? 8 : 6);
        hist[i].sexual = (int8_t)(i % 4 == 0 ? 5 : 0);
    }
    struct insights_baseline b = insights_baseline_compute(&fx->in, 0, hist, 40);
    assert_false(b.known);
    /* 14: closeness 7 on average (7 of 6 and 7 of 8), sexual days i = 0 4 8
     * 12 → 4 of 14. */
    hist[13].present = true;
    hist[13].closeness = 8;
    hist[13].sexual = 0;
    b = insights_baseline_compute(&fx->in, 0, hist, 40);
    assert_true(b.known);
    assert_double_eq(b.closeness, 7.0);
    assert_double_eq(b.sexual_rate, 4.0 / 14.0);
    /* Seen by the partner who may not see closeness: nothing to rest on. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    b = insights_baseline_compute(&fx->in, 0, hist, 40);
    assert_false(b.known);
    /* ...or who may see closeness but not sexual: no sexual days counted. */
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS);
    b = insights_baseline_compute(&fx->in, 0, hist, 40);
    assert_true(b.known);
    assert_double_eq(b.sexual_rate, 0.0);
    b = insights_baseline_compute(NULL, 0, hist, 40);
    assert_false(b.known);
    free(fx);
}

/* The baseline from four totals, and totals that add: the history counted
 * in parts gives the baseline of the whole. */
static void test_baseline_totals(void **state)
{
    (void)state;
    /* by hand: 14 days with closeness summing to 98 (mean 7), 20 check-in
     * days, 5 with sexual connection */
    struct insights_baseline_totals t = {20, 14, 98, 5};
    struct insights_baseline b = insights_baseline_from_totals(&t);
    assert_true(b.known);
    assert_double_eq(b.closeness, 7.0);
    assert_double_eq(b.sexual_rate, 0.25);
    t.closeness_n = 13; /* one short of two weeks */
    assert_false(insights_baseline_from_totals(&t).known);
    assert_false(insights_baseline_from_totals(NULL).known);
    struct insights_baseline_totals odd = {3, 14, 98, 0}; /* more closeness days than days */
    assert_false(insights_baseline_from_totals(&odd).known);

    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS);
    struct insights_day hist[30];
    for (int i = 0; i < 30; i++) {
        hist[i] = day_blank();
        hist[i].present = i % 3 != 0; /* 20 days */
        hist[i].closeness = (int8_t)(i % 5 == 0 ? INSIGHTS_NULL : i % 10);
        hist[i].sexual = (int8_t)(i % 2 ? 6 : 0);
    }
    /* by hand, as member 1 sees member 0 (closeness only): days i with
     * i % 3 != 0 (20); of them closeness where i % 5 != 0: 16 days, the sum
     * of i % 10 over them: (1+2+4+7+8) + (1+3+4+6+7+9) + (2+3+6+8+9) = 80;
     * sexual hidden: none counted */
    struct insights_baseline_totals whole = {0, 0, 0, 0}, part = {0, 0, 0, 0};
    for (int i = 0; i < 30; i++)
        insights_baseline_count(&fx->in, 0, &hist[i], &whole);
    assert_int_equal(whole.checkins, 20);
    assert_int_equal(whole.closeness_n, 16);
    assert_int_equal(whole.closeness_sum, 80);
    assert_int_equal(whole.sexual_days, 0);
    /* counted in two parts, the same totals and the same baseline */
    for (int i = 0; i < 12; i++)
        insights_baseline_count(&fx->in, 0, &hist[i], &part);
    for (int i = 12; i < 30; i++)
        insights_baseline_count(&fx->in, 0, &hist[i], &part);
    assert_memory_equal(&part, &whole, sizeof whole);
    b = insights_baseline_compute(&fx->in, 0, hist, 30);
    struct insights_baseline b2 = insights_baseline_from_totals(&whole);
    assert_true(b.known);
    assert_double_eq(b.closeness, 80.0 / 16.0);
    /* field by field: the struct has padding after `known`, which neither
     * function promises to clear */
    assert_true(b2.known);
    assert_double_eq(b2.closeness, b.closeness);
    assert_double_eq(b2.sexual_rate, b.sexual_rate);
    /* the member's own view counts the sexual days too: i odd and present
     * (i % 3 != 0) — 1 5 7 11 13 17 19 23 25 29: 10 */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER0;
    struct insights_baseline_totals own = {0, 0, 0, 0};
    for (int i = 0; i < 30; i++)
        insights_baseline_count(&fx->in, 0, &hist[i], &own);
    assert_int_equal(own.sexual_days, 10);
    insights_baseline_count(NULL, 0, &hist[1], &own);
    insights_baseline_count(&fx->in, 2, &hist[1], &own);
    assert_int_equal(own.checkins, 20);
    free(fx);
}

static void test_quadrant_hidden(void **state)
{
    (void)state;
    struct fixture *fx = quadrant_fixture(14, 7, 3);
    /* The partner sees closeness but not sexual: hidden, not a quadrant. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_HIDDEN);
    assert_true(fx->out.members[0].closeness.shown);
    assert_false(fx->out.members[0].sexual.shown);
    assert_false(fx->out.members[0].sexual_rate.shown);
    /* Hidden comes before not_tracked, so hiding says nothing about tracking. */
    fx->in.track_sexual[0] = false;
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_HIDDEN);
    /* ...and before insufficient_data. */
    fx->in.track_sexual[0] = true;
    fx->in.visible[0] = 0;
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_HIDDEN);
    assert_false(fx->out.members[0].checkins.shown);
    /* Sexual shown but not closeness. */
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_HIDDEN);
    /* Both shown: the partner gets the quadrant. */
    fx->in.visible[0] =
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL) | INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_BOTH);
    /* A therapist without permission for sexual: hidden. */
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    fx->in.visible[0] = INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_HIDDEN);
    assert_true(fx->out.members[0].closeness.shown);
    /* The viewer's own mask is ignored: one sees all of one's own. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER0;
    fx->in.visible[0] = 0;
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].quadrant, INSIGHTS_QUADRANT_BOTH);
    free(fx);
}

/* ---- sex_without_closeness ---------------------------------------------------- */

/* 20 check-ins over 28 days, closeness 7 except on `low` of the sexual
 * days (closeness 3); `sexual` days in all. */
static struct fixture *substitute_fixture(int sexual, int low)
{
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 20; i++) {
        bool sex = i < sexual;
        checkin(fx, 0, i, sex && i < low ? 3 : 7, 7, sex ? 5 : 0);
    }
    /* shuffle nothing: the order does not matter to this finding */
    return fx;
}

static const struct insights_finding *substitute_of(struct fixture *fx)
{
    compute_ok(fx);
    return finding(&fx->out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS, 0);
}

static void test_substitute_edges(void **state)
{
    (void)state;
    struct fixture *fx = substitute_fixture(6, 3); /* 3 low days: below 4 */
    assert_null(substitute_of(fx));
    free(fx);
    fx = substitute_fixture(6, 4); /* 4 of 6: at both edges' safe side */
    const struct insights_finding *f = substitute_of(fx);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_NOTICE);
    assert_double_eq(number(f, "sexual_days"), 6);
    assert_double_eq(number(f, "low_closeness_sexual_days"), 4);
    assert_double_eq(number(f, "closeness_mean_sexual_days"), (4 * 3 + 2 * 7) / 6.0);
    assert_double_eq(number(f, "closeness_mean_other_days"), 7.0);
    /* Worded as a question to the subject, never a verdict. */
    assert_non_null(strstr(f->explanation, "On 4 of the 6 days you marked sexual connection"));
    assert_non_null(strstr(f->explanation, "not a conclusion"));
    assert_non_null(strchr(f->explanation, '?'));
    free(fx);
    fx = substitute_fixture(8, 4); /* 4 of 8: exactly half */
    assert_non_null(substitute_of(fx));
    free(fx);
    fx = substitute_fixture(9, 4); /* 4 of 9: below half */
    assert_null(substitute_of(fx));
    free(fx);
    /* closeness 5 on a sexual day is not low; 4 is. */
    fx = substitute_fixture(4, 4);
    fx->days[0][0].closeness = 5;
    assert_null(substitute_of(fx));
    fx->days[0][0].closeness = 4;
    assert_non_null(substitute_of(fx));
    /* Not without tracking, nor with fewer than 7 check-ins. */
    fx->in.track_sexual[0] = false;
    assert_null(substitute_of(fx));
    free(fx);
    fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 6; i++)
        checkin(fx, 0, i, 2, 5, 6);
    assert_null(substitute_of(fx));
    checkin(fx, 0, 6, 2, 5, 6);
    assert_non_null(substitute_of(fx));
    free(fx);
}

static void test_substitute_viewers(void **state)
{
    (void)state;
    struct fixture *fx = substitute_fixture(6, 5);
    assert_non_null(substitute_of(fx));
    /* Never to the partner, even one who may see every item. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    assert_null(substitute_of(fx));
    /* A therapist allowed sexual: yes, in the therapist's words. */
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    const struct insights_finding *f = substitute_of(fx);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "this member"));
    assert_null(strstr(f->explanation, " you "));
    /* ...and not allowed: no. */
    fx->in.visible[0] &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    assert_null(substitute_of(fx));
    free(fx);
}

/* Closeness falling while sexual connection rises, no low-closeness day. */
static void test_substitute_opposite_trends(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    /* closeness 9 9 .. 8 .. 7 .. 6: four weeks a step down (Theil–Sen slope
     * -3/23, a change of -3.5 over 27 days), never 4 or lower; days with
     * sex: none the first week, then 1, 3 and 5 a week. */
    static const int per_week[4] = {0, 1, 3, 5};
    for (int i = 0; i < 28; i++)
        checkin(fx, 0, i, 9 - i / 7, 8, i % 7 < per_week[i / 7] ? 6 : 0);
    compute_ok(fx);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS, 0);
    assert_non_null(f);
    assert_double_eq(number(f, "low_closeness_sexual_days"), 0);
    assert_true(number(f, "closeness_change") <= -1.5);
    assert_true(number(f, "sexual_days_per_week_change") >= 1.0);
    assert_non_null(strstr(f->explanation, "went down"));
    /* Flat sexual connection: closeness falling alone is not this finding. */
    for (int i = 0; i < 28; i++)
        fx->days[0][i].sexual = (int8_t)(i % 2 ? 5 : 0);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS, 0));
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0));
    free(fx);
}

/* ---- need_gap ------------------------------------------------------------- */

static void test_need_gap_edges(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    /* 10 days, gap 2 on every day: mean 2.0 → notice. */
    for (int i = 0; i < 10; i++)
        checkin(fx, 0, i, 5, 7, 0);
    compute_ok(fx);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_NOTICE);
    assert_double_eq(number(f, "mean_gap"), 2.0);
    assert_double_eq(number(f, "days_beyond_2"), 10);
    assert_double_eq(number(f, "days"), 10);
    /* One day at gap 1: mean 1.9 → nothing. */
    fx->days[0][0].closeness_wanted = 6;
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    /* Mean 2.0 from 5 days at 4 and 5 at 0: half the days → yes. */
    for (int i = 0; i < 10; i++)
        fx->days[0][i].closeness_wanted = (int8_t)(i < 5 ? 9 : 5);
    compute_ok(fx);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    /* Mean 2.0 from 4 days at 5 and 6 at 0: not sustained → no. */
    for (int i = 0; i < 10; i++)
        fx->days[0][i].closeness_wanted = (int8_t)(i < 4 ? 10 : 5);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    /* Mean 4: attention. */
    for (int i = 0; i < 10; i++)
        fx->days[0][i].closeness_wanted = 9;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_ATTENTION);
    /* Mean 3.9 (one day at 3): notice. */
    fx->days[0][0].closeness_wanted = 8;
    compute_ok(fx);
    assert_int_equal(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0)->severity,
                     INSIGHTS_SEVERITY_NOTICE);
    /* Wanting less closeness than felt: the same code, a negative gap, info. */
    for (int i = 0; i < 10; i++)
        fx->days[0][i].closeness_wanted = 3;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_INFO);
    assert_double_eq(number(f, "mean_gap"), -2.0);
    assert_non_null(strstr(f->explanation, "closer than you wanted"));
    /* 6 days with both answered: not enough. */
    for (int i = 0; i < 10; i++)
        fx->days[0][i].closeness_wanted = (int8_t)(i < 6 ? 9 : INSIGHTS_NULL);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    fx->days[0][6].closeness_wanted = 9;
    compute_ok(fx);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    /* The partner sees it only with both items shown. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    fx->in.visible[0] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
    fx->in.visible[0] |= INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS_WANTED);
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "your partner"));
    free(fx);
}

/* ---- closeness trends ---------------------------------------------------------- */

/* Series found by search, their Theil–Sen slopes checked against the
 * definition: over 13 days a slope of -1/8 is a change of exactly -1.5. */
static const int8_t falling_at[13] = {5, 4, 6, 6, 5, 5, 6, 5, 4, 3, 5, 4, 4};     /* -0.125 */
static const int8_t falling_short[13] = {6, 7, 6, 6, 7, 6, 6, 6, 5, 4, 5, 6, 5};  /* -0.118 */
static const int8_t falling_beyond[13] = {8, 8, 7, 7, 7, 8, 6, 6, 7, 6, 6, 7, 6}; /* -0.134 */

static struct fixture *trend_fixture(const int8_t *y, bool mirror)
{
    struct fixture *fx = fixture_new(13, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 13; i++)
        checkin(fx, 0, i, mirror ? 10 - y[i] : y[i], INSIGHTS_NULL, 0);
    compute_ok(fx);
    return fx;
}

static void test_trend_edges(void **state)
{
    (void)state;
    struct fixture *fx = trend_fixture(falling_at, false);
    assert_double_eq(fx->out.members[0].closeness_trend.value, -0.125);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_NOTICE);
    assert_double_eq(number(f, "change"), -1.5);
    assert_double_eq(number(f, "ratings"), 13);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_RISING, 0));
    free(fx);
    fx = trend_fixture(falling_short, false);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0));
    free(fx);
    fx = trend_fixture(falling_beyond, false);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0));
    free(fx);
    /* Mirrored, the same series rise. */
    fx = trend_fixture(falling_at, true);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_RISING, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_INFO);
    assert_double_eq(number(f, "change"), 1.5);
    free(fx);
    fx = trend_fixture(falling_short, true);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_RISING, 0));
    free(fx);
    /* -3 over the window is attention: 10 down to 7 in steps over 13 days. */
    fx = fixture_new(13, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 13; i++)
        checkin(fx, 0, i, 10 - i / 4, INSIGHTS_NULL, 0); /* slope -1/4: change -3 */
    compute_ok(fx);
    assert_double_eq(fx->out.members[0].closeness_trend.value, -0.25);
    assert_int_equal(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0)->severity,
                     INSIGHTS_SEVERITY_ATTENTION);
    /* With 9 ratings there is no trend at all. */
    for (int i = 9; i < 13; i++)
        fx->days[0][i].present = false;
    compute_ok(fx);
    assert_false(fx->out.members[0].closeness_trend.shown);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0));
    free(fx);
}

/* ---- drifting_apart ----------------------------------------------------------- */

/* Member 0's closeness minus member 1's constant 5, found by search: member
 * 0's Theil–Sen line has slope 1/6 and intercept 5, member 1's slope 0 and
 * intercept 5, so the gap between the lines grows from 0 to 12/6 = 2.0... */
static const int8_t drift_at[13] = {0, 0, 0, -1, 1, 0, 1, 2, 2, 2, 1, 0, 2};
/* ...and here slope 0.1548, intercept 5: a gap growing to 1.86. */
static const int8_t drift_short[13] = {0, 0, 1, 1, -1, 0, 1, 2, 1, 2, 1, 0, 3};

static struct fixture *drift_fixture(const int8_t *d, int sign)
{
    struct fixture *fx = fixture_new(13, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 13; i++) {
        checkin(fx, 0, i, 5 + sign * d[i], INSIGHTS_NULL, 0);
        checkin(fx, 1, i, 5, INSIGHTS_NULL, 0);
    }
    compute_ok(fx);
    return fx;
}

static void test_drift_edges(void **state)
{
    (void)state;
    struct fixture *fx = drift_fixture(drift_at, 1);
    const struct insights_finding *f =
        finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(f);
    assert_double_near(number(f, "gap_end") - number(f, "gap_start"), 2.0, 1e-9, "widen", __LINE__);
    assert_double_eq(number(f, "gap_start"), 0.0);
    assert_double_eq(number(f, "slope_member_0"), 1.0 / 6.0);
    assert_double_eq(number(f, "slope_member_1"), 0.0);
    free(fx);
    /* The sign of the difference does not matter: apart is apart. */
    fx = drift_fixture(drift_at, -1);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD));
    free(fx);
    fx = drift_fixture(drift_short, 1);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD));
    free(fx);
    /* Coming together is not drifting apart: 3 → 0. */
    fx = fixture_new(13, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 13; i++) {
        checkin(fx, 0, i, 8 - i / 4, INSIGHTS_NULL, 0);
        checkin(fx, 1, i, 5, INSIGHTS_NULL, 0);
    }
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD));
    free(fx);
    /* Hidden partner closeness: nothing. */
    fx = drift_fixture(drift_at, 1);
    fx->in.visible[1] = INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_AFFECTION);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD));
    /* Fewer than 10 ratings for one of them: no line, nothing. */
    fx->in.visible[1] = INSIGHTS_ITEMS_ALL;
    for (int i = 0; i < 4; i++)
        fx->days[1][i * 3].present = false;
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD));
    free(fx);
}

/* ---- shares and comfort ---------------------------------------------------------- */

static void test_one_sided_sharing(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    /* 5 shares, all by member 0: fewer than 6 → nothing. */
    for (int i = 0; i < 5; i++)
        share_add(fx, TODAY - i, 0, 0, true);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_ONE_SIDED_SHARING, INSIGHTS_SUBJECT_DYAD));
    /* 5 : 1 = 0.83 → yes, told to member 1 as "you 1, your partner 5". */
    share_add(fx, TODAY - 9, 1, 0, true);
    compute_ok(fx);
    const struct insights_finding *f =
        finding(&fx->out, INSIGHTS_FINDING_ONE_SIDED_SHARING, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation,
                           "Of the 6 shares in these 28 days, you wrote 1 and your partner 5."));
    assert_double_eq(number(f, "shares_member_0"), 5);
    assert_double_eq(number(f, "shares_member_1"), 1);
    /* 6 : 2 = 0.75 exactly → yes. */
    share_add(fx, TODAY - 10, 0, 0, true);
    share_add(fx, TODAY - 11, 1, 0, true);
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_ONE_SIDED_SHARING, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(f);
    assert_double_eq(number(f, "larger_share"), 0.75);
    /* 6 : 3 = 0.67 → no. */
    share_add(fx, TODAY - 12, 1, 0, true);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_ONE_SIDED_SHARING, INSIGHTS_SUBJECT_DYAD));
    /* Shares outside the window do not count: 28 days back is outside. */
    fx->in.share_count = 0;
    for (int i = 0; i < 6; i++)
        share_add(fx, TODAY - 27, 0, 0, true);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].shares_written, 6);
    for (int i = 0; i < 6; i++)
        fx->shares[i].day = TODAY - 28;
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].shares_written, 0);
    for (int i = 0; i < 6; i++)
        fx->shares[i].day = TODAY + 1;
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].shares_written, 0);
    free(fx);
}

static void test_unanswered_shares(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    /* Shares by member 0 to member 1. The last three days are not yet due. */
    share_add(fx, TODAY, 0, 0, false);
    share_add(fx, TODAY - 1, 0, 0, false);
    share_add(fx, TODAY - 2, 0, 0, false);
    share_add(fx, TODAY - 3, 0, 0, false);
    share_add(fx, TODAY - 4, 0, 0, true);
    share_add(fx, TODAY - 5, 0, 0, false);
    compute_ok(fx);
    const struct insights_member_result *r = &fx->out.members[1];
    assert_int_equal(r->shares_received_due, 3);
    assert_int_equal(r->shares_answered_48h, 1);
    assert_double_eq(r->answered_rate.value, 1.0 / 3.0);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1)); /* 3 < 4 due */
    /* 4 due, 2 unanswered: half → yes, to the listener. */
    share_add(fx, TODAY - 6, 0, 0, true);
    compute_ok(fx);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_INFO);
    assert_double_eq(number(f, "unanswered_share"), 0.5);
    assert_non_null(strstr(f->explanation, "2 of the 4 shares your partner wrote to you"));
    /* Not to the author. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER0;
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1));
    assert_int_equal(fx->out.members[1].shares_received_due, 4); /* metadata both may see */
    /* To a therapist. */
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    compute_ok(fx);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1));
    /* 5 due, 2 unanswered: 0.4 → no. */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    share_add(fx, TODAY - 7, 0, 0, true);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1));
    free(fx);
}

static void test_comfort_gap(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    fx->in.comfort[0][PROMPTS_TOPIC_FEAR] = 4;
    fx->in.comfort[1][PROMPTS_TOPIC_FEAR] = 3; /* gap 1 */
    fx->in.comfort[0][PROMPTS_TOPIC_DESIRE] = 5;
    fx->in.comfort[1][PROMPTS_TOPIC_DESIRE] = 0; /* not set: not compared */
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD));
    fx->in.comfort[0][PROMPTS_TOPIC_HOPE] = 1;
    fx->in.comfort[1][PROMPTS_TOPIC_HOPE] = 3; /* gap 2 */
    fx->in.comfort[0][PROMPTS_TOPIC_JOY] = 5;
    fx->in.comfort[1][PROMPTS_TOPIC_JOY] = 3; /* gap 2, earlier topic: the one named */
    compute_ok(fx);
    const struct insights_finding *f =
        finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(f);
    assert_double_eq(number(f, "topic"), PROMPTS_TOPIC_JOY);
    assert_double_eq(number(f, "gap"), 2);
    assert_non_null(strstr(f->explanation, "\"joy\" is 3 and your partner's is 5"));
    /* The partner's comfort is theirs: no finding unless they show it. */
    fx->in.visible[0] &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD));
    free(fx);
}

/* ---- the per-viewer rule, as non-interference ------------------------------------ */

/* Whatever a hidden item holds, the viewer's result is the same bytes. */
static void scramble_hidden(struct fixture *fx, int m, uint32_t *seed)
{
    unsigned vis = fx->in.visible[m];
    for (int i = 0; i < fx->in.window; i++) {
        struct insights_day *d = &fx->days[m][i];
        if (vis == 0)
            d->present = rng_range(seed, 0, 1);
#define SCRAMBLE(item, field)                                                                      \
    if (!(vis & INSIGHTS_ITEM_BIT(item)))                                                          \
        d->field = (int8_t)rng_range(seed, -1, 10);
        SCRAMBLE(INSIGHTS_ITEM_CLOSENESS, closeness)
        SCRAMBLE(INSIGHTS_ITEM_CLOSENESS_WANTED, closeness_wanted)
        SCRAMBLE(INSIGHTS_ITEM_OPENED_UP, opened_up)
        SCRAMBLE(INSIGHTS_ITEM_UNDERSTOOD, understood)
        SCRAMBLE(INSIGHTS_ITEM_SAFETY, safety)
        SCRAMBLE(INSIGHTS_ITEM_AFFECTION, affection)
        SCRAMBLE(INSIGHTS_ITEM_SEXUAL, sexual)
#undef SCRAMBLE
        if (!(vis & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS)))
            d->emotions = (uint8_t)rng_next(seed);
        if (!(vis & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS)))
            d->wordless = rng_range(seed, 0, 1);
    }
    if (!(vis & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT)))
        for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
            fx->in.comfort[m][t] = (uint8_t)rng_range(seed, 0, 5);
}

static void fill_rich(struct fixture *fx, uint32_t *seed)
{
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < fx->in.window; i++) {
            if (rng_range(seed, 0, 9) == 0)
                continue;
            struct insights_day *d = &fx->days[m][i];
            checkin(fx, m, i, rng_range(seed, 1, 9), rng_range(seed, 3, 10),
                    rng_range(seed, 0, 2) ? 0 : rng_range(seed, 1, 9));
            d->opened_up = (int8_t)rng_range(seed, 0, 10);
            d->understood = (int8_t)rng_range(seed, -1, 10);
            d->safety = (int8_t)rng_range(seed, 0, 10);
            d->affection = (int8_t)rng_range(seed, 0, 10);
            d->emotions = (uint8_t)rng_next(seed);
            d->wordless = rng_range(seed, 0, 3) == 0;
        }
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        fx->in.comfort[0][t] = (uint8_t)rng_range(seed, 0, 5);
        fx->in.comfort[1][t] = (uint8_t)rng_range(seed, 0, 5);
    }
    for (int i = 0; i < 20; i++)
        share_add(fx, TODAY - rng_range(seed, 0, fx->in.window + 3), rng_range(seed, 0, 1),
                  rng_range(seed, 0, PROMPTS_TOPIC__MAX - 1), rng_range(seed, 0, 1));
}

static void test_hidden_items_never_matter(void **state)
{
    (void)state;
    const unsigned masks[] = {
        0,
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS),
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_AFFECTION) | INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS),
        INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL),
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL) | INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS),
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS_WANTED) |
            INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT),
    };
    uint32_t seed = 777;
    for (size_t k = 0; k < sizeof masks / sizeof masks[0]; k++) {
        for (int viewer = 0; viewer < 3; viewer++) {
            /* the member whose items are (partly) hidden from this viewer */
            int hidden = viewer == 0 ? 1 : 0;
            struct fixture *fx = fixture_new(42, (enum insights_viewer)viewer);
            fill_rich(fx, &seed);
            fx->in.visible[hidden] = masks[k];
            if (viewer == INSIGHTS_VIEWER_THERAPIST)
                fx->in.visible[1] = INSIGHTS_ITEMS_ALL;
            compute_ok(fx);
            char *before = result_dump(&fx->out);
            for (int round = 0; round < 5; round++) {
                scramble_hidden(fx, hidden, &seed);
                compute_ok(fx);
                char *after = result_dump(&fx->out);
                if (strcmp(before, after) != 0)
                    fail_msg("mask %zu viewer %d: a hidden item changed the result\n%s\n---\n%s", k,
                             viewer, before, after);
                free(after);
            }
            free(before);
            free(fx);
        }
    }
}

/* What the partner gets when nothing is shown: nothing, not even a count. */
static void test_partner_sees_nothing_hidden(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    uint32_t seed = 99;
    fill_rich(fx, &seed);
    fx->in.visible[0] = 0;
    compute_ok(fx);
    const struct insights_member_result *r = &fx->out.members[0];
    assert_false(r->checkins.shown);
    assert_false(r->closeness.shown);
    assert_false(r->closeness_wanted.shown);
    assert_false(r->sexual.shown);
    assert_false(r->sexual_rate.shown);
    assert_false(r->closeness_trend.shown);
    assert_false(r->wordless_rate.shown);
    assert_false(r->understood.shown);
    assert_false(r->emotion_days[0].shown);
    assert_int_equal(r->quadrant, INSIGHTS_QUADRANT_HIDDEN);
    for (int i = 0; i < fx->out.finding_count; i++) {
        const struct insights_finding *f = &fx->out.findings[i];
        assert_int_not_equal(f->subject, 0);
        assert_int_not_equal(f->code, INSIGHTS_FINDING_DRIFTING_APART);
        assert_int_not_equal(f->code, INSIGHTS_FINDING_COMFORT_GAP);
    }
    free(fx);
}

/* ---- synthetic dyads with known patterns -------------------------------------- */

enum pattern {
    PAT_SUBSTITUTE,    /* sex on low-closeness days */
    PAT_INTIMACY_ONLY, /* close, no sex */
    PAT_BOTH,          /* close, sex on close days */
    PAT_NEITHER,       /* distant, no sex */
    PAT_WARMING,       /* closeness rising */
    PAT_COOLING,       /* closeness falling */
    PAT_NEEDS_MORE,    /* wants more closeness than felt */
};

static int clamp10(int v)
{
    return v < 0 ? 0 : v > 10 ? 10 : v;
}

static void generate(struct fixture *fx, int m, enum pattern p, uint32_t *seed)
{
    int w = fx->in.window;
    for (int i = 0; i < w; i++) {
        if (rng_range(seed, 0, 9) == 0)
            continue; /* about one day in ten skipped */
        int noise = rng_range(seed, -1, 1);
        bool sex_day = rng_range(seed, 0, 9) < 4;
        int c, wanted, sexual = 0;
        switch (p) {
        case PAT_SUBSTITUTE:
            c = rng_range(seed, 1, 4);
            wanted = c + rng_range(seed, 0, 1);
            sexual = sex_day ? rng_range(seed, 5, 9) : 0;
            break;
        case PAT_INTIMACY_ONLY:
            c = rng_range(seed, 6, 9);
            wanted = c;
            break;
        case PAT_BOTH:
            c = rng_range(seed, 6, 9);
            wanted = c;
            sexual = sex_day ? rng_range(seed, 6, 10) : 0;
            break;
        case PAT_NEITHER:
            c = rng_range(seed, 1, 4);
            wanted = c;
            break;
        case PAT_WARMING:
            c = clamp10(2 + 7 * i / (w - 1) + noise);
            wanted = 8;
            break;
        case PAT_COOLING:
            c = clamp10(9 - 7 * i / (w - 1) + noise);
            wanted = 9;
            break;
        case PAT_NEEDS_MORE:
        default:
            c = rng_range(seed, 3, 6);
            wanted = clamp10(c + rng_range(seed, 2, 4));
            break;
        }
        checkin(fx, m, i, clamp10(c), clamp10(wanted), sexual);
        fx->days[m][i].affection = (int8_t)rng_range(seed, 2, 8);
    }
}

static void test_synthetic_quadrants(void **state)
{
    (void)state;
    static const struct {
        enum pattern p;
        enum insights_quadrant q;
        bool substitute;
    } cases[] = {
        {PAT_SUBSTITUTE, INSIGHTS_QUADRANT_SEXUAL_ONLY, true},
        {PAT_INTIMACY_ONLY, INSIGHTS_QUADRANT_EMOTIONAL_ONLY, false},
        {PAT_BOTH, INSIGHTS_QUADRANT_BOTH, false},
        {PAT_NEITHER, INSIGHTS_QUADRANT_NEITHER, false},
    };
    const int windows[] = {28, 90, 365};
    uint32_t seed = 2024;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t wi = 0; wi < 3; wi++)
            for (int rep = 0; rep < 10; rep++) {
                struct fixture *fx = fixture_new(windows[wi], INSIGHTS_VIEWER_MEMBER0);
                generate(fx, 0, cases[c].p, &seed);
                generate(fx, 1, PAT_BOTH, &seed);
                compute_ok(fx);
                if (fx->out.members[0].quadrant != cases[c].q)
                    fail_msg("pattern %zu window %d rep %d: quadrant %s, expected %s", c,
                             windows[wi], rep, insights_quadrant_name(fx->out.members[0].quadrant),
                             insights_quadrant_name(cases[c].q));
                bool sub = finding(&fx->out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS, 0) != NULL;
                if (sub != cases[c].substitute)
                    fail_msg("pattern %zu window %d rep %d: substitute %d", c, windows[wi], rep,
                             sub);
                /* the partner's "both" never raises it */
                assert_null(finding(&fx->out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS, 1));
                assert_int_equal(fx->out.members[1].quadrant, INSIGHTS_QUADRANT_BOTH);
                free(fx);
            }
}

static void test_synthetic_trends(void **state)
{
    (void)state;
    uint32_t seed = 4711;
    const int windows[] = {28, 90, 365};
    for (size_t wi = 0; wi < 3; wi++)
        for (int rep = 0; rep < 10; rep++) {
            struct fixture *fx = fixture_new(windows[wi], INSIGHTS_VIEWER_THERAPIST);
            generate(fx, 0, PAT_WARMING, &seed);
            generate(fx, 1, PAT_COOLING, &seed);
            compute_ok(fx);
            const struct insights_result *r = &fx->out;
            assert_non_null(finding(r, INSIGHTS_FINDING_CLOSENESS_RISING, 0));
            assert_non_null(finding(r, INSIGHTS_FINDING_CLOSENESS_FALLING, 1));
            assert_null(finding(r, INSIGHTS_FINDING_CLOSENESS_FALLING, 0));
            assert_null(finding(r, INSIGHTS_FINDING_CLOSENESS_RISING, 1));
            /* 2 → 9 and 9 → 2 cross: they start apart, meet, and end apart.
             * Not drifting apart: the gap's size ends where it began. */
            assert_true(r->members[0].closeness_trend.value > 0);
            assert_true(r->members[1].closeness_trend.value < 0);
            free(fx);

            /* Drifting apart: from the same place, one warms, one cools. */
            fx = fixture_new(windows[wi], INSIGHTS_VIEWER_MEMBER0);
            for (int m = 0; m < 2; m++)
                for (int i = 0; i < windows[wi]; i++) {
                    if (rng_range(&seed, 0, 9) == 0)
                        continue;
                    int step = 4 * i / (windows[wi] - 1);
                    checkin(fx, m, i, clamp10(5 + (m ? -step : step) + rng_range(&seed, -1, 1)), 6,
                            0);
                }
            compute_ok(fx);
            const struct insights_finding *f =
                finding(&fx->out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD);
            if (!f)
                fail_msg("window %d rep %d: drifting apart not found", windows[wi], rep);
            assert_true(number(f, "gap_end") - number(f, "gap_start") >= 2.0);
            free(fx);

            /* Needs more closeness. */
            fx = fixture_new(windows[wi], INSIGHTS_VIEWER_MEMBER1);
            generate(fx, 1, PAT_NEEDS_MORE, &seed);
            generate(fx, 0, PAT_INTIMACY_ONLY, &seed);
            compute_ok(fx);
            assert_non_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 1));
            assert_null(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0));
            free(fx);
        }
}

/* ---- names -------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(insights_quadrant_name(INSIGHTS_QUADRANT_EMOTIONAL_ONLY), "emotional_only");
    assert_string_equal(insights_quadrant_name(INSIGHTS_QUADRANT_HIDDEN), "hidden");
    assert_null(insights_quadrant_name(INSIGHTS_QUADRANT__MAX));
    assert_null(insights_quadrant_name(-1));
    assert_string_equal(insights_code_name(INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS),
                        "sex_without_closeness");
    assert_string_equal(insights_code_name(INSIGHTS_FINDING_COMFORT_GAP), "comfort_gap");
    assert_null(insights_code_name(INSIGHTS_FINDING__MAX));
    assert_string_equal(insights_severity_name(INSIGHTS_SEVERITY_ATTENTION), "attention");
    assert_null(insights_severity_name(3));
    assert_string_equal(insights_item_name(INSIGHTS_ITEM_CLOSENESS_WANTED), "closeness_wanted");
    assert_string_equal(insights_item_name(INSIGHTS_ITEM_WORDLESS), "wordless");
    assert_null(insights_item_name(INSIGHTS_ITEM__MAX));
    for (int c = 0; c < INSIGHTS_FINDING__MAX; c++)
        assert_non_null(insights_code_name(c));
}

/* ---- words by kind ------------------------------------------------------------- */

/* Lower-case copy, for case-blind searching. */
static void lower_copy(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

/* Friends and family never read "partner", "couple" or anything about sex,
 * in any finding, for any viewer, with or without names; the other member
 * is named by kind (and family role) or by name. */
static void test_words_by_kind(void **state)
{
    (void)state;
    static const char *const forbidden[] = {"partner", "couple", "sex"};
    int fired[INSIGHTS_FINDING__MAX] = {0};
    int kind_words = 0, role_words = 0, by_name = 0;
    uint32_t seed = 1414;
    for (int kind = PROMPTS_KIND_FRIENDS; kind <= PROMPTS_KIND_FAMILY; kind++)
        for (int rep = 0; rep < 60; rep++)
            for (int v = 0; v < INSIGHTS_VIEWER__MAX; v++) {
                struct fixture *fx = fixture_new(28, (enum insights_viewer)v);
                fx->in.kind = kind;
                fx->in.track_sexual[0] = fx->in.track_sexual[1] = false; /* as the handler sets */
                if (kind == PROMPTS_KIND_FAMILY) {
                    fx->in.role[0] = rep % KIND_ROLE__MAX;
                    fx->in.role[1] = kind_role_counterpart(fx->in.role[0]);
                }
                bool named = rep % 3 == 2;
                if (named) {
                    fx->in.names[0] = "Kim";
                    fx->in.names[1] = "Lou";
                }
                uint32_t s0 = seed;
                fill_rich(fx, &s0);
                generate(fx, 0, rep % 2 ? PAT_COOLING : PAT_NEEDS_MORE, &s0);
                generate(fx, 1, rep % 2 ? PAT_WARMING : PAT_INTIMACY_ONLY, &s0);
                seed = s0;
                /* the plane: member 0 opens up without feeling understood,
                 * member 1 feels understood but opens up little */
                for (int i = 0; i < fx->in.window; i++) {
                    fx->days[0][i].opened_up = (int8_t)(7 + i % 3);
                    fx->days[0][i].understood = (int8_t)(2 + i % 3);
                    fx->days[1][i].opened_up = (int8_t)(1 + i % 2);
                    fx->days[1][i].understood = (int8_t)(8 + i % 2);
                    /* low safety for member 1 every other repetition */
                    if (rep % 2)
                        fx->days[1][i].safety = (int8_t)(i % 3);
                }
                /* shares that go unanswered: mostly one way (one-sided), or
                 * both ways */
                for (int i = 0; i < (rep % 3 == 0 ? 30 : 5); i++) {
                    share_add(fx, TODAY - 4 - i % 20, 0, PROMPTS_TOPIC_JOY, false);
                    if (rep % 3 != 0)
                        share_add(fx, TODAY - 4 - i, 1, PROMPTS_TOPIC_JOY, false);
                }
                fx->in.therapist_linked = rep % 4 == 1;
                compute_ok(fx);
                for (int i = 0; i < fx->out.finding_count; i++) {
                    const struct insights_finding *f = &fx->out.findings[i];
                    char low[INSIGHTS_EXPLANATION_MAX];
                    lower_copy(f->explanation, low, sizeof low);
                    fired[f->code]++;
                    for (size_t k = 0; k < sizeof forbidden / sizeof forbidden[0]; k++)
                        if (strstr(low, forbidden[k]))
                            fail_msg("kind %d viewer %d: \"%s\" in %s: %s", kind, v, forbidden[k],
                                     insights_code_name(f->code), f->explanation);
                    if (strstr(low, "null") || strstr(low, "(null)"))
                        fail_msg("a null printed in %s", f->explanation);
                    kind_words +=
                        strstr(low, kind == PROMPTS_KIND_FRIENDS ? "your friend"
                                                                 : "your family member") != NULL;
                    role_words += strstr(low, "your parent") || strstr(low, "your child") ||
                                  strstr(low, "your grandparent") ||
                                  strstr(low, "your grandchild") || strstr(low, "your sibling");
                    by_name += strstr(f->explanation, v == 0 ? "Lou" : "Kim") != NULL;
                }
                free(fx);
            }
    /* every finding but the one about sex was worded, in each form */
    for (int c = 0; c < INSIGHTS_FINDING__MAX; c++)
        if (c != INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS && fired[c] == 0)
            fail_msg("%s never fired for friends or family", insights_code_name(c));
    assert_int_equal(fired[INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS], 0);
    assert_true(kind_words > 0);
    assert_true(role_words > 0);
    assert_true(by_name > 0);
}

/* Hand-worded cases: the exact sentence for a family role and for a name. */
static void test_words_exact(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER1);
    fx->in.kind = PROMPTS_KIND_FAMILY;
    fx->in.role[0] = KIND_ROLE_PARENT;
    fx->in.role[1] = KIND_ROLE_CHILD;
    fx->in.comfort[0][PROMPTS_TOPIC_JOY] = 5;
    fx->in.comfort[1][PROMPTS_TOPIC_JOY] = 3;
    compute_ok(fx);
    const struct insights_finding *f =
        finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "\"joy\" is 3 and your parent's is 5"));
    fx->in.kind = PROMPTS_KIND_FRIENDS;
    fx->in.role[0] = fx->in.role[1] = KIND_ROLE_NONE;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(strstr(f->explanation, "\"joy\" is 3 and your friend's is 5"));
    fx->in.names[0] = "kim";
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD);
    assert_non_null(strstr(f->explanation, "\"joy\" is 3 and kim's is 5"));
    /* a role or kind out of range is refused */
    fx->in.role[0] = KIND_ROLE__MAX;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    fx->in.role[0] = KIND_ROLE_NONE;
    fx->in.kind = PROMPTS_KIND__MAX;
    assert_int_equal(insights_compute(&fx->in, &fx->out), INSIGHTS_ERR_INPUT);
    free(fx);

    /* at the start of a sentence, a name or kind words are capitalised */
    fx = trend_fixture(falling_beyond, false);
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    fx->in.kind = PROMPTS_KIND_FRIENDS;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(f);
    assert_true(
        strncmp(f->explanation, "Your friend's closeness ratings have been going down", 52) == 0);
    free(fx);
}

static void test_kind_module(void **state)
{
    (void)state;
    assert_string_equal(kind_other_words(PROMPTS_KIND_COUPLE, KIND_ROLE_NONE), "your partner");
    assert_string_equal(kind_other_words(PROMPTS_KIND_FRIENDS, KIND_ROLE_PARENT), "your friend");
    assert_string_equal(kind_other_words(PROMPTS_KIND_FAMILY, KIND_ROLE_NONE),
                        "your family member");
    assert_string_equal(kind_other_words(PROMPTS_KIND_FAMILY, KIND_ROLE_OTHER),
                        "your family member");
    assert_string_equal(kind_other_words(PROMPTS_KIND_FAMILY, KIND_ROLE_GRANDCHILD),
                        "your grandchild");
    assert_string_equal(kind_other_words(7, KIND_ROLE_NONE), "the other person");
    assert_int_equal(kind_role_counterpart(KIND_ROLE_PARENT), KIND_ROLE_CHILD);
    assert_int_equal(kind_role_counterpart(KIND_ROLE_GRANDCHILD), KIND_ROLE_GRANDPARENT);
    assert_int_equal(kind_role_counterpart(KIND_ROLE_SIBLING), KIND_ROLE_SIBLING);
    assert_int_equal(kind_role_counterpart(KIND_ROLE__MAX), -1);
    assert_int_equal(kind_role_from_name("grandparent"), KIND_ROLE_GRANDPARENT);
    assert_int_equal(kind_role_from_name("none"), -1);
    assert_null(kind_role_name(KIND_ROLE_NONE));
    assert_string_equal(kind_role_name(KIND_ROLE_OTHER), "other");
    /* desire only in a couple, and only when both opted in */
    assert_true(kind_desire_open(PROMPTS_KIND_COUPLE, true, true));
    assert_false(kind_desire_open(PROMPTS_KIND_COUPLE, true, false));
    assert_false(kind_desire_open(PROMPTS_KIND_COUPLE, false, true));
    assert_false(kind_desire_open(PROMPTS_KIND_FRIENDS, true, true));
    assert_false(kind_desire_open(PROMPTS_KIND_FAMILY, true, true));
}

/* ---- the disclosure x responsiveness plane --------------------------------------- */

/* n days for member 0 with opened_up o[i] and understood u[i] (others blank). */
static struct fixture *plane_fixture(enum insights_viewer viewer, int n, const int *o, const int *u)
{
    struct fixture *fx = fixture_new(28, viewer);
    fx->in.kind = PROMPTS_KIND_FRIENDS;
    fx->in.track_sexual[0] = fx->in.track_sexual[1] = false;
    for (int i = 0; i < n; i++) {
        checkin(fx, 0, 27 - i, 5, INSIGHTS_NULL, INSIGHTS_NULL);
        fx->days[0][27 - i].opened_up = (int8_t)o[i];
        fx->days[0][27 - i].understood = (int8_t)u[i];
    }
    return fx;
}

static void test_plane_edges(void **state)
{
    (void)state;
    /* 7 days, opened 5 5 5 5 5 5 5 (mean 5.0, high at the edge), understood
     * 3 each (mean 3.0): open_not_understood, gap 2.0 at its edge: fires. */
    int o[8] = {5, 5, 5, 5, 5, 5, 5, 5}, u[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    struct fixture *fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0, 7, o, u);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD);
    assert_double_eq(fx->out.members[0].plane_opened_up.value, 5.0);
    assert_double_eq(fx->out.members[0].plane_understood.value, 3.0);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_OPEN_NOT_UNDERSTOOD, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_NOTICE);
    assert_double_eq(number(f, "days"), 7);
    assert_non_null(strstr(f->explanation, "tell your friend what helps you feel heard"));
    free(fx);
    /* understood 3 3 3 3 3 3 4: mean 22/7 = 3.14, gap 1.86 < 2: no finding,
     * the plane still says where they stand */
    u[6] = 4;
    fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0, 7, o, u);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OPEN_NOT_UNDERSTOOD, 0));
    free(fx);
    u[6] = 3;
    /* opened 5 5 5 5 5 5 4: 34 < 35, not high: neither */
    o[6] = 4;
    fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0, 7, o, u);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_NEITHER);
    assert_int_equal(fx->out.finding_count, 0);
    free(fx);
    o[6] = 5;
    /* six days: insufficient; a seventh with understood "no chance to tell"
     * does not count */
    u[6] = INSIGHTS_NULL;
    fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0, 7, o, u);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_INSUFFICIENT_DATA);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OPEN_NOT_UNDERSTOOD, 0));
    free(fx);
    /* the other way: opened 2 each, understood 6 each (gap 4): understood_not_open,
     * told to the other member by name, and hidden when they do not show
     * understood */
    int o2[7] = {2, 2, 2, 2, 2, 2, 2}, u2[7] = {6, 6, 6, 6, 6, 6, 6};
    fx = plane_fixture(INSIGHTS_VIEWER_MEMBER1, 7, o2, u2);
    fx->in.names[0] = "Kim";
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_UNDERSTOOD_NOT_OPEN);
    f = finding(&fx->out, INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_INFO);
    assert_non_null(strstr(f->explanation, "Over 7 days Kim felt understood (about 6.0 of 10)"));
    fx->in.visible[0] &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_UNDERSTOOD);
    compute_ok(fx);
    assert_int_equal(fx->out.members[0].plane, INSIGHTS_PLANE_HIDDEN);
    assert_false(fx->out.members[0].plane_opened_up.shown);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, 0));
    /* a therapist sees it in a neutral voice */
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    fx->in.visible[0] = INSIGHTS_ITEMS_ALL;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, 0);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "this member felt understood (mean 6.0)"));
    free(fx);
    assert_string_equal(insights_plane_name(INSIGHTS_PLANE_OPEN_UNDERSTOOD), "open_and_understood");
    assert_null(insights_plane_name(INSIGHTS_PLANE__MAX));
}

/* The one 48-hour rule, at its edges: exactly 48 h counts, a second more
 * does not, and a share never answered is never in time. */
/* ---- safety inside the findings ---------------------------------------------- */

/* n days with safety answered, `low` of them at 3 (the rest at 4, which is
 * not low); member 0, the viewer. */
static struct fixture *safety_fixture(int n, int low)
{
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < n; i++) {
        checkin(fx, 0, i, 6, 6, INSIGHTS_NULL);
        fx->days[0][i].safety = (int8_t)(i < low ? INSIGHTS_LOW_SAFETY_MAX : 4);
    }
    fx->in.track_sexual[0] = fx->in.track_sexual[1] = false;
    return fx;
}

static const struct insights_finding *low_safety_of(struct fixture *fx)
{
    compute_ok(fx);
    return finding(&fx->out, INSIGHTS_FINDING_LOW_SAFETY, 0);
}

static void test_low_safety_edges(void **state)
{
    (void)state;
    struct fixture *fx = safety_fixture(7, 3); /* 3 of 7: 2 x 3 = 6 < 7 */
    assert_null(low_safety_of(fx));
    free(fx);
    fx = safety_fixture(7, 4); /* 4 of 7: more than half */
    const struct insights_finding *f = low_safety_of(fx);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_ATTENTION);
    assert_true(f->help);
    assert_double_eq(number(f, "days"), 7);
    assert_double_eq(number(f, "low_safety_days"), 4);
    assert_double_eq(number(f, "safety_mean"), (4 * 3 + 3 * 4) / 7.0); /* 24 / 7 */
    assert_non_null(strstr(f->explanation, "On 4 of the 7 days you answered"));
    assert_non_null(strstr(f->explanation, "Help & safety"));
    assert_null(strstr(f->explanation, "therapist"));
    assert_null(strchr(f->explanation, '?')); /* it asks nothing */
    /* a linked therapist is offered too */
    fx->in.therapist_linked = true;
    f = low_safety_of(fx);
    assert_non_null(strstr(f->explanation, "the therapist linked to this dyad"));
    free(fx);
    fx = safety_fixture(8, 4); /* exactly half */
    assert_non_null(low_safety_of(fx));
    free(fx);
    fx = safety_fixture(8, 3); /* below half */
    assert_null(low_safety_of(fx));
    free(fx);
    fx = safety_fixture(6, 6); /* all low, but fewer than 7 days */
    assert_null(low_safety_of(fx));
    /* a day with safety not answered is not counted */
    checkin(fx, 0, 6, 6, 6, INSIGHTS_NULL);
    assert_null(low_safety_of(fx));
    fx->days[0][6].safety = 9; /* 6 of 7 low */
    assert_non_null(low_safety_of(fx));
    free(fx);
}

static void test_low_safety_viewers(void **state)
{
    (void)state;
    struct fixture *fx = safety_fixture(10, 10);
    assert_non_null(low_safety_of(fx));
    /* never to the other member, even one who sees every item */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    assert_null(low_safety_of(fx));
    /* nor to a therapist */
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    assert_null(low_safety_of(fx));
    /* and member 1's own is theirs alone */
    for (int i = 0; i < 10; i++) {
        checkin(fx, 1, i, 6, 6, INSIGHTS_NULL);
        fx->days[1][i].safety = 1;
    }
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    compute_ok(fx);
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_LOW_SAFETY, 1));
    assert_null(finding(&fx->out, INSIGHTS_FINDING_LOW_SAFETY, 0));
    free(fx);
}

/* closeness_falling (and the findings that invite sharing) never suggest
 * disclosure when safety is low. */
static void test_no_disclosure_when_unsafe(void **state)
{
    (void)state;
    struct fixture *fx = trend_fixture(falling_beyond, false);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(strstr(f->explanation, "A small share about it"));
    assert_false(f->help);
    /* safety 2 on 7 of the 13 days (more than half): no share suggested */
    for (int i = 0; i < 13; i++)
        fx->days[0][i].safety = (int8_t)(i < 7 ? 2 : 8);
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(f);
    assert_null(strstr(f->explanation, "share about"));
    assert_non_null(strstr(f->explanation, "nothing here asks you to share more"));
    assert_non_null(strstr(f->explanation, "Help & safety"));
    assert_true(f->help);
    /* 6 of 13 low: not half; the ordinary words */
    fx->days[0][6].safety = 8;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(strstr(f->explanation, "A small share about it"));
    fx->days[0][6].safety = 2;
    /* the other member who may see safety is not told to ask */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(strstr(f->explanation, "without pressing them to talk"));
    assert_null(strstr(f->explanation, "Asking how"));
    assert_false(f->help);
    /* one who may not see safety gets the ordinary words: nothing hidden leaks */
    fx->in.visible[0] &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SAFETY);
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_CLOSENESS_FALLING, 0);
    assert_non_null(strstr(f->explanation, "Asking how they are finding things"));
    free(fx);

    /* need_gap and understood_not_open, to their subject */
    fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    for (int i = 0; i < 10; i++) {
        checkin(fx, 0, i, 3, 7, INSIGHTS_NULL);
        fx->days[0][i].opened_up = 2;
        fx->days[0][i].understood = 8;
        fx->days[0][i].safety = 1;
    }
    compute_ok(fx);
    f = finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "no need to share more than feels safe"));
    assert_null(strstr(f->explanation, "perhaps in a share"));
    f = finding(&fx->out, INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, 0);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "no need to open up more than feels safe"));
    assert_null(strstr(f->explanation, "next step"));
    for (int i = 0; i < 10; i++)
        fx->days[0][i].safety = 7;
    compute_ok(fx);
    assert_non_null(
        strstr(finding(&fx->out, INSIGHTS_FINDING_NEED_GAP, 0)->explanation, "perhaps in a share"));
    assert_non_null(strstr(finding(&fx->out, INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, 0)->explanation,
                           "next step"));
    free(fx);
}

/* sex_without_closeness names, gently, sex one did not fully want, and
 * offers Help & safety to its subject. */
static void test_substitute_names_unwanted(void **state)
{
    (void)state;
    struct fixture *fx = substitute_fixture(6, 5);
    const struct insights_finding *f = substitute_of(fx);
    assert_non_null(f);
    assert_non_null(strstr(f->explanation, "sex you did not fully want"));
    assert_non_null(strstr(f->explanation, "Help & safety"));
    assert_true(f->help);
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    f = substitute_of(fx);
    assert_non_null(strstr(f->explanation, "not fully wanted"));
    assert_false(f->help);
    free(fx);
}

/* ---- own_shares_unanswered ------------------------------------------------------ */

static void test_own_shares_unanswered(void **state)
{
    (void)state;
    /* Shares by member 0; the last three days are not yet due. */
    struct fixture *fx = fixture_new(28, INSIGHTS_VIEWER_MEMBER0);
    share_add(fx, TODAY - 2, 0, 0, false); /* not due */
    share_add(fx, TODAY - 3, 0, 0, false);
    share_add(fx, TODAY - 4, 0, 0, true);
    share_add(fx, TODAY - 5, 0, 0, false);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0)); /* 3 due */
    share_add(fx, TODAY - 6, 0, 0, true); /* 4 due, 2 unanswered: half */
    compute_ok(fx);
    const struct insights_finding *f = finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0);
    assert_non_null(f);
    assert_int_equal(f->severity, INSIGHTS_SEVERITY_INFO);
    assert_double_eq(number(f, "shares_due"), 4);
    assert_double_eq(number(f, "unanswered"), 2);
    assert_double_eq(number(f, "unanswered_share"), 0.5);
    assert_non_null(strstr(f->explanation, "2 of the 4 shares you wrote"));
    assert_non_null(strstr(f->explanation, "you might tell your partner"));
    assert_null(strstr(f->explanation, "fault"));
    /* to the author alone: not the listener (who has unanswered_shares),
     * not a therapist */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER1;
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0));
    assert_non_null(finding(&fx->out, INSIGHTS_FINDING_UNANSWERED_SHARES, 1));
    fx->in.viewer = INSIGHTS_VIEWER_THERAPIST;
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0));
    /* 5 due, 2 unanswered: 0.4, no */
    fx->in.viewer = INSIGHTS_VIEWER_MEMBER0;
    share_add(fx, TODAY - 7, 0, 0, true);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0));
    /* a share outside the window does not count */
    share_add(fx, TODAY - 28, 0, 0, false);
    compute_ok(fx);
    assert_null(finding(&fx->out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED, 0));
    free(fx);
}

static void test_answered_in_time(void **state)
{
    (void)state;
    int64_t t0 = 1700000000;
    assert_true(insights_answered_in_time(t0, t0 + 60));
    assert_true(insights_answered_in_time(t0, t0 + 48 * 3600));
    assert_false(insights_answered_in_time(t0, t0 + 48 * 3600 + 1));
    assert_false(insights_answered_in_time(t0, 0));
}

/* insights_day_score reads each scored item and nothing else. */
static void test_day_score(void **state)
{
    (void)state;
    struct insights_day d = {.closeness = 1,
                             .closeness_wanted = 2,
                             .opened_up = 3,
                             .understood = 4,
                             .safety = 5,
                             .affection = 6,
                             .sexual = 7};
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_CLOSENESS), 1);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_CLOSENESS_WANTED), 2);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_OPENED_UP), 3);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_UNDERSTOOD), 4);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_SAFETY), 5);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_AFFECTION), 6);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_SEXUAL), 7);
    assert_int_equal(insights_day_score(&d, INSIGHTS_ITEM_EMOTIONS), INSIGHTS_NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theil_sen_hand),
        cmocka_unit_test(test_theil_sen_matches_definition),
        cmocka_unit_test(test_theil_sen_ties),
        cmocka_unit_test(test_window_validation),
        cmocka_unit_test(test_input_validation),
        cmocka_unit_test(test_input_validation_every_item),
        cmocka_unit_test(test_means_full_year),
        cmocka_unit_test(test_means),
        cmocka_unit_test(test_trend_output),
        cmocka_unit_test(test_quadrant_min_checkins),
        cmocka_unit_test(test_quadrant_closeness_floor),
        cmocka_unit_test(test_quadrant_sexual_floor),
        cmocka_unit_test(test_quadrant_baseline),
        cmocka_unit_test(test_baseline_compute),
        cmocka_unit_test(test_baseline_totals),
        cmocka_unit_test(test_quadrant_hidden),
        cmocka_unit_test(test_substitute_edges),
        cmocka_unit_test(test_substitute_viewers),
        cmocka_unit_test(test_substitute_opposite_trends),
        cmocka_unit_test(test_need_gap_edges),
        cmocka_unit_test(test_trend_edges),
        cmocka_unit_test(test_drift_edges),
        cmocka_unit_test(test_one_sided_sharing),
        cmocka_unit_test(test_unanswered_shares),
        cmocka_unit_test(test_comfort_gap),
        cmocka_unit_test(test_hidden_items_never_matter),
        cmocka_unit_test(test_partner_sees_nothing_hidden),
        cmocka_unit_test(test_synthetic_quadrants),
        cmocka_unit_test(test_synthetic_trends),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_words_by_kind),
        cmocka_unit_test(test_words_exact),
        cmocka_unit_test(test_kind_module),
        cmocka_unit_test(test_plane_edges),
        cmocka_unit_test(test_low_safety_edges),
        cmocka_unit_test(test_low_safety_viewers),
        cmocka_unit_test(test_no_disclosure_when_unsafe),
        cmocka_unit_test(test_substitute_names_unwanted),
        cmocka_unit_test(test_own_shares_unanswered),
        cmocka_unit_test(test_answered_in_time),
        cmocka_unit_test(test_day_score),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
