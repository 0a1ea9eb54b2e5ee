/*
 * test_charts.c — the SVG charts: golden files compared byte for byte, the
 * per-viewer rule (a hidden series leaves no trace), escaping, and the
 * accessible structure.
 *
 * To regenerate the golden files after an intended change, run this binary
 * from the repository root with DYAD_UPDATE_GOLDEN=1, then look at the
 * diff (and at the pictures) before committing them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/insights.h"
#include "web/charts.h"

#define GOLDEN_DIR "tests/unit/golden/"
#define TODAY      20000L /* 2024-10-04 */

struct fixture {
    struct insights_day days[2][INSIGHTS_WINDOW_MAX];
    struct insights_input in;
    struct insights_result res;
};

static const char *const names[2] = {"Ana", "Ben & \"Bo\" <b>"};

static struct insights_day blank(void)
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

/* A fixed 28-day dyad: Ana warms up and has sex on some close days; Ben
 * cools, skips a few days, and has sex early on. Deterministic by formula,
 * no randomness, so the golden files never drift. */
static struct fixture *fixture_new(enum insights_viewer viewer)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    for (int i = 0; i < INSIGHTS_WINDOW_MAX; i++)
        fx->days[0][i] = fx->days[1][i] = blank();
    for (int i = 0; i < 28; i++) {
        struct insights_day *a = &fx->days[0][i], *b = &fx->days[1][i];
        if (i != 9 && i != 10) { /* a two-day gap */
            a->present = true;
            a->closeness = (int8_t)(3 + i / 5 + (i % 3 == 0));
            a->closeness_wanted = (int8_t)(a->closeness + 1);
            a->affection = (int8_t)(4 + (i % 4));
            a->sexual = (int8_t)(i % 4 == 1 ? 6 + i % 3 : 0);
            a->wordless = i % 6 == 0;
        }
        if (i % 5 != 4 && i != 20) {
            b->present = true;
            b->closeness = (int8_t)(8 - i / 6);
            b->affection = (int8_t)(6 - i / 9);
            b->sexual = (int8_t)(i < 14 && i % 3 == 0 ? 5 : 0);
        }
    }
    fx->days[0][15].affection = INSIGHTS_NULL; /* a gap in one measure only */
    fx->in.window = 28;
    fx->in.today = TODAY;
    fx->in.viewer = viewer;
    fx->in.days[0] = fx->days[0];
    fx->in.days[1] = fx->days[1];
    fx->in.track_sexual[0] = fx->in.track_sexual[1] = true;
    fx->in.visible[0] = fx->in.visible[1] = INSIGHTS_ITEMS_ALL;
    return fx;
}

static void compute(struct fixture *fx)
{
    assert_int_equal(insights_compute(&fx->in, &fx->res), INSIGHTS_OK);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

static void golden_compare(const char *name, const char *svg)
{
    char path[256];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    const char *update = getenv("DYAD_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(svg, 1, strlen(svg), f), strlen(svg));
        assert_int_equal(fclose(f), 0);
        return;
    }
    char *want = read_file(path);
    if (!want)
        fail_msg("cannot read %s (run from the repository root)", path);
    if (strcmp(want, svg) != 0) {
        size_t i = 0;
        while (want[i] && want[i] == svg[i])
            i++;
        fail_msg("%s differs from the rendering at byte %zu:\n golden: %.60s\n    got: %.60s", path,
                 i, want + i, svg + i);
    }
    free(want);
}

/* ---- golden files ---------------------------------------------------------- */

/* Ana's view: Ben shows closeness and affection, not sexual connection. */
static void test_series_golden(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    fx->in.visible[1] =
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS) | INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_AFFECTION);
    compute(fx);
    char *svg = charts_series_svg(&fx->in, &fx->res, names, "series");
    assert_non_null(svg);
    golden_compare("series.svg", svg);
    free(svg);
    free(fx);
}

/* A therapist both members allow to see sexual connection. */
static void test_quadrant_golden(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_THERAPIST);
    compute(fx);
    char *svg = charts_quadrant_svg(&fx->in, &fx->res, names, "quadrant");
    assert_non_null(svg);
    golden_compare("quadrant.svg", svg);
    free(svg);
    free(fx);
}

/* ---- privacy ------------------------------------------------------------- */

static void test_hidden_sexual_not_drawn(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    fx->in.visible[1] = INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    compute(fx);
    char *series = charts_series_svg(&fx->in, &fx->res, names, "s");
    char *quad = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
    assert_non_null(series);
    assert_non_null(quad);
    /* Ana's own sexual line is there; Ben's is not, nor any sum of it. */
    assert_non_null(strstr(series, "line m0 sexual"));
    assert_null(strstr(series, "m1 sexual"));
    assert_non_null(strstr(series, "line m1 closeness"));
    const char *desc = strstr(series, "Sexual connection:");
    assert_non_null(desc);
    const char *desc_end = strstr(desc, " A gap in a line");
    assert_non_null(desc_end);
    assert_null(memmem(desc, (size_t)(desc_end - desc), "Ben", 3));
    /* The quadrant plane has no path for Ben and does not name him. */
    assert_null(strstr(quad, "m1"));
    assert_null(strstr(quad, "Ben"));
    assert_non_null(strstr(quad, "path m0"));

    /* Whatever Ben's hidden sexual scores are, the bytes are the same. */
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 28; i++)
            fx->days[1][i].sexual = (int8_t)((i * 7 + round * 3) % 12 - 1);
        compute(fx);
        char *s2 = charts_series_svg(&fx->in, &fx->res, names, "s");
        char *q2 = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
        assert_non_null(s2);
        assert_non_null(q2);
        assert_string_equal(series, s2);
        assert_string_equal(quad, q2);
        free(s2);
        free(q2);
    }
    free(series);
    free(quad);
    free(fx);
}

static void test_nothing_shown(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    fx->in.visible[1] = 0;
    compute(fx);
    char *series = charts_series_svg(&fx->in, &fx->res, names, "s");
    char *quad = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
    assert_non_null(series);
    assert_non_null(quad);
    assert_null(strstr(series, "m1"));
    assert_null(strstr(series, "Ben"));
    assert_null(strstr(quad, "m1"));
    assert_null(strstr(quad, "Ben"));
    free(series);
    free(quad);
    free(fx);
}

/* A therapist not allowed sexual connection: no sexual panel, no paths. */
static void test_therapist_without_sexual(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_THERAPIST);
    unsigned no_sex = INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    fx->in.visible[0] = fx->in.visible[1] = no_sex;
    compute(fx);
    char *series = charts_series_svg(&fx->in, &fx->res, names, "s");
    char *quad = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
    assert_non_null(series);
    assert_non_null(quad);
    assert_null(strstr(series, "Sexual connection"));
    assert_null(strstr(series, " sexual\"")); /* the class of a sexual line or panel */
    assert_non_null(strstr(series, "<title id=\"s-title\">Closeness and affection, day by day"));
    assert_null(strstr(quad, "<path"));
    assert_non_null(strstr(quad, "Nothing to show."));
    free(series);
    free(quad);
    free(fx);
}

static void test_not_tracked(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER1);
    fx->in.track_sexual[1] = false;
    fx->in.visible[0] =
        INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_CLOSENESS) | INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    compute(fx);
    char *quad = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
    assert_non_null(quad);
    /* Ben (the viewer) does not track: said in words, no path; Ana's path. */
    assert_non_null(strstr(quad, "Ben &amp; &quot;Bo&quot; &lt;b&gt; does not track"));
    assert_null(strstr(quad, "path m1"));
    assert_non_null(strstr(quad, "path m0"));
    free(quad);
    free(fx);
}

/* ---- structure, gaps, escaping --------------------------------------------- */

static void test_structure(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    compute(fx);
    char *svg = charts_series_svg(&fx->in, &fx->res, names, "my chart<1>");
    assert_non_null(svg);
    assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    assert_non_null(strstr(svg, "role=\"img\" aria-labelledby=\"mychart1-title mychart1-desc\""));
    assert_non_null(strstr(svg, "<title id=\"mychart1-title\">"));
    assert_non_null(strstr(svg, "<desc id=\"mychart1-desc\">Daily ratings from 0 to 10, from "
                                "2024-09-07 to 2024-10-04 (28 days)."));
    assert_int_equal(count_of(svg, "<svg"), 1);
    assert_int_equal(count_of(svg, "</svg>"), 1);
    assert_null(strstr(svg, "<script"));
    /* Ana's closeness: days 9 and 10 missing make two runs, two paths;
     * her affection has one more gap (day 15): three. */
    assert_int_equal(count_of(svg, "line m0 closeness"), 2);
    assert_int_equal(count_of(svg, "line m0 affection"), 3);
    /* 28 days: a dot on every rating (26 days for Ana). */
    assert_int_equal(count_of(svg, "dot m0 closeness"), 26);
    /* Names are escaped everywhere. */
    assert_null(strstr(svg, "<b>"));
    assert_non_null(strstr(svg, "Ben &amp; &quot;Bo&quot; &lt;b&gt;"));
    free(svg);

    /* An id with nothing usable becomes "chart". */
    svg = charts_quadrant_svg(&fx->in, &fx->res, NULL, "<>");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "aria-labelledby=\"chart-title chart-desc\""));
    assert_non_null(strstr(svg, "Member 1")); /* names NULL: stand-ins */
    free(svg);
    free(fx);
}

static void test_long_window_dots(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    fx->in.window = 90; /* the 28 days are the oldest; the rest is empty */
    compute(fx);
    char *svg = charts_series_svg(&fx->in, &fx->res, names, "s");
    assert_non_null(svg);
    /* Over 31 days, dots only for lone days, and Ana's closeness has none:
     * its one gap (days 9-10) leaves runs on both sides. */
    assert_int_equal(count_of(svg, "dot m0 closeness"), 0);
    free(svg);
    fx->days[0][12].present = false; /* day 11 now stands alone */
    compute(fx);
    svg = charts_series_svg(&fx->in, &fx->res, names, "s");
    assert_non_null(svg);
    assert_int_equal(count_of(svg, "dot m0 closeness"), 1);
    free(svg);
    free(fx);
}

static void test_escaping_odd_names(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    compute(fx);
    /* a control character, a lone continuation byte, a truncated sequence,
     * an overlong slash, a surrogate, and fine UTF-8 (é, 😀) */
    const char *odd[2] = {"A\x01"
                          "b\x80"
                          "c\xC3",
                          "\xC0\xAF/\xED\xA0\x80 \xC3\xA9\xF0\x9F\x98\x80'"};
    char *svg = charts_series_svg(&fx->in, &fx->res, odd, "s");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "A\xEF\xBF\xBD"
                                "b\xEF\xBF\xBD"
                                "c\xEF\xBF\xBD"));
    assert_non_null(strstr(svg, "\xC3\xA9\xF0\x9F\x98\x80&#39;"));
    assert_null(strstr(svg, "\x01"));
    assert_null(strstr(svg, "\xC0"));
    assert_null(strstr(svg, "\xED\xA0"));
    free(svg);
    free(fx);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    compute(fx);
    assert_null(charts_series_svg(NULL, &fx->res, names, "s"));
    assert_null(charts_series_svg(&fx->in, NULL, names, "s"));
    assert_null(charts_quadrant_svg(NULL, &fx->res, names, "s"));
    /* A result computed for another viewer is refused, not drawn. */
    fx->res.viewer = INSIGHTS_VIEWER_MEMBER1;
    assert_null(charts_series_svg(&fx->in, &fx->res, names, "s"));
    assert_null(charts_quadrant_svg(&fx->in, &fx->res, names, "s"));
    fx->res.viewer = INSIGHTS_VIEWER_MEMBER0;
    fx->res.window = 29;
    assert_null(charts_series_svg(&fx->in, &fx->res, names, "s"));
    fx->in.window = fx->res.window = 6;
    assert_null(charts_series_svg(&fx->in, &fx->res, names, "s"));
    assert_null(charts_quadrant_svg(&fx->in, &fx->res, names, "s"));
    free(fx);
}

/* Every window length renders, and the number of weekly points is right. */
static void test_quadrant_weeks(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new(INSIGHTS_VIEWER_MEMBER0);
    for (int i = 28; i < INSIGHTS_WINDOW_MAX; i++) {
        fx->days[0][i] = fx->days[0][i % 28];
        fx->days[1][i] = fx->days[1][i % 28];
    }
    for (int w = INSIGHTS_WINDOW_MIN; w <= INSIGHTS_WINDOW_MAX; w++) {
        fx->in.window = w;
        compute(fx);
        char *q = charts_quadrant_svg(&fx->in, &fx->res, names, "q");
        char *s = charts_series_svg(&fx->in, &fx->res, names, "s");
        assert_non_null(q);
        assert_non_null(s);
        size_t points = count_of(q, "week m0") + count_of(q, "first m0") + count_of(q, "latest m0");
        assert_true(points <= (size_t)(w / 7));
        if (w == 28) /* Ana: all four weeks have at least 3 check-ins */
            assert_int_equal(points, 4);
        /* Long windows pool weeks: never more than a dozen points. */
        assert_true(points <= 12);
        if (w == 365) /* 52 weeks in 11 periods of 5 weeks */
            assert_non_null(strstr(q, "Each point is 5 weeks"));
        free(q);
        free(s);
    }
    free(fx);
}

/* ---- a questionnaire score, both members ------------------------------------ */

/* Six weekly periods: A 18 17 15 12 10 9 (reliable worsening from the 4th),
 * B 14 14 – 15 16 16 (no answer in week 3); cut-off below 12 on 0–24. */
static void scores_fixture(struct charts_score_input *in)
{
    static const double a[6] = {18, 17, 15, 12, 10, 9}, b[6] = {14, 14, NAN, 15, 16, 16};
    memset(in, 0, sizeof *in);
    in->title = "Closeness & satisfaction (0–24)";
    in->min = 0;
    in->max = 24;
    in->n_cutoffs = 1;
    in->cutoff[0] = 12;
    in->cutoff_label[0] = "Low <this> week";
    in->first_day = TODAY - 35;
    in->every_days = 7;
    in->periods = 6;
    for (int p = 0; p < 6; p++) {
        in->p[0][p].value = a[p];
        in->p[0][p].reliable = p >= 3 ? -1 : 0;
        in->p[1][p].value = b[p];
    }
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_scores_golden(void **state)
{
    (void)state;
    static struct charts_score_input in;
    scores_fixture(&in);
    const char *who[2] = {"Alex", "Sam"};
    char *svg = charts_scores_svg(&in, who, "weekly");
    assert_non_null(svg);
    golden_compare("scores.svg", svg);
    /* what the picture must hold, whatever the golden file says */
    assert_int_equal(count(svg, "class=\"cutoff\""), 1);
    assert_int_equal(count(svg, "class=\"gap\""), 5); /* weeks 1, 2, 4, 5, 6: not 3 */
    assert_int_equal(count(svg, "class=\"reliable-worse\""), 3);
    assert_int_equal(count(svg, "class=\"reliable-better\""), 0);
    assert_non_null(strstr(svg, "Latest gap between them: 7.0 points."));
    assert_non_null(strstr(svg, "Low &lt;this&gt; week"));
    assert_non_null(strstr(svg, "Closeness &amp; satisfaction"));
    /* B's line is broken at the missing week: two M commands */
    const char *b = strstr(svg, "class=\"member2\"");
    assert_non_null(b);
    const char *d = strstr(b, " d=\"");
    const char *end = strchr(d + 4, '"');
    int moves = 0;
    for (const char *p = d + 4; p < end; p++)
        moves += *p == 'M';
    assert_int_equal(moves, 2);
    free(svg);
    /* out of range: refused */
    in.p[0][0].value = 30;
    assert_null(charts_scores_svg(&in, who, "weekly"));
    scores_fixture(&in);
    in.periods = 0;
    assert_null(charts_scores_svg(&in, who, "weekly"));
}

/* ---- the disclosure x responsiveness plane -------------------------------- */

/* Two friends: Ana opens up more and more and feels understood less;
 * Ben feels understood and opens up a little. */
static struct fixture *plane_fixture(enum insights_viewer viewer)
{
    struct fixture *fx = fixture_new(viewer);
    fx->in.kind = 1; /* friends */
    fx->in.track_sexual[0] = fx->in.track_sexual[1] = false;
    for (int i = 0; i < 28; i++) {
        struct insights_day *a = &fx->days[0][i], *b = &fx->days[1][i];
        a->sexual = b->sexual = INSIGHTS_NULL;
        if (a->present) {
            a->opened_up = (int8_t)(4 + i / 7 + (i % 2));
            a->understood = (int8_t)(i % 5 == 3 ? INSIGHTS_NULL : 6 - i / 7);
        }
        if (b->present) {
            b->opened_up = (int8_t)(2 + i % 3);
            b->understood = (int8_t)(7 + i % 2);
        }
    }
    return fx;
}

static void test_plane_golden(void **state)
{
    (void)state;
    struct fixture *fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0);
    compute(fx);
    char *svg = charts_plane_svg(&fx->in, &fx->res, names, "plane");
    assert_non_null(svg);
    golden_compare("plane.svg", svg);
    /* every text at least 12 px in the drawing's own units */
    assert_null(strstr(svg, "font-size=\"10\""));
    assert_null(strstr(svg, "font-size=\"11\""));
    free(svg);
    /* friends: no sexual panel, and affection is just affection */
    svg = charts_series_svg(&fx->in, &fx->res, names, "series");
    assert_non_null(svg);
    assert_null(strstr(svg, "exual"));
    assert_non_null(strstr(svg, ">Affection</text>"));
    free(svg);
    free(fx);
}

static void test_plane_hidden(void **state)
{
    (void)state;
    struct fixture *fx = plane_fixture(INSIGHTS_VIEWER_MEMBER0);
    fx->in.visible[1] = INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_UNDERSTOOD);
    compute(fx);
    char *plane = charts_plane_svg(&fx->in, &fx->res, names, "p");
    assert_non_null(plane);
    assert_non_null(strstr(plane, "path m0"));
    assert_null(strstr(plane, "m1"));
    assert_null(strstr(plane, "Ben"));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 28; i++)
            fx->days[1][i].understood = (int8_t)((i * 5 + round) % 12 - 1);
        compute(fx);
        char *again = charts_plane_svg(&fx->in, &fx->res, names, "p");
        assert_non_null(again);
        assert_string_equal(plane, again);
        free(again);
    }
    free(plane);
    free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_golden),
        cmocka_unit_test(test_quadrant_golden),
        cmocka_unit_test(test_hidden_sexual_not_drawn),
        cmocka_unit_test(test_nothing_shown),
        cmocka_unit_test(test_therapist_without_sexual),
        cmocka_unit_test(test_not_tracked),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_long_window_dots),
        cmocka_unit_test(test_escaping_odd_names),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_quadrant_weeks),
        cmocka_unit_test(test_scores_golden),
        cmocka_unit_test(test_plane_golden),
        cmocka_unit_test(test_plane_hidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
