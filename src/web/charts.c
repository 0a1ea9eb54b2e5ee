/*
 * charts.c — SVG rendering of the insights charts (see charts.h).
 *
 * Reading order: the common checks and names, then each chart (written
 * with core/text.h's buffer and XML escaping): layout constants, the drawing, and the
 * <desc> text that says in words what is drawn. Every value drawn or
 * described comes from days passed through insights_day_mask or from the
 * engine's result, never from the raw input.
 */
#include "web/charts.h"

#include <stdlib.h> /* malloc, free */
#include <string.h> /* strlen, memcpy */

#include "core/text.h"     /* the growable string and XML escaping */
#include "core/validate.h" /* date_format, for the axis and the description */

/* ---- common ------------------------------------------------------------------- */

/* Line styles: members differ in dash as well as colour, so the chart reads
 * in greyscale and on paper. */
static const char *const charts_colour[2] = {"#1f5a96", "#a4471a"};
static const char *const charts_dash[2] = {"", " stroke-dasharray=\"7 4\""};

#define CHARTS_TEXT "font-family=\"sans-serif\" fill=\"#222\""

/* The member's display name, or a stand-in. */
static const char *charts_name(const char *const names[2], int m)
{
    if (names && names[m] && names[m][0])
        return names[m];
    return m == 0 ? "Member 1" : "Member 2";
}

static void charts_put_id(struct text_buf *b, const char *id)
{
    char clean[33];
    size_t n = 0;
    for (const char *p = id ? id : ""; *p && n < sizeof clean - 1; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_')
            clean[n++] = c;
    }
    clean[n] = '\0';
    text_put(b, n ? clean : "chart");
}

static bool charts_args_ok(const struct insights_input *in, const struct insights_result *res)
{
    return in && res && in->window >= INSIGHTS_WINDOW_MIN && in->window <= INSIGHTS_WINDOW_MAX &&
           res->window == in->window && res->today == in->today && res->viewer == in->viewer &&
           in->days[0] && in->days[1];
}

/* <svg …> with its title and the start of its desc. */
static void charts_open(struct text_buf *b, const char *id, int width, int height,
                        const char *title)
{
    text_printf(b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"",
                width, height, width, height);
    charts_put_id(b, id);
    text_put(b, "-title ");
    charts_put_id(b, id);
    text_put(b, "-desc\">\n<title id=\"");
    charts_put_id(b, id);
    text_put(b, "-title\">");
    text_put_escaped(b, title);
    text_put(b, "</title>\n<desc id=\"");
    charts_put_id(b, id);
    text_put(b, "-desc\">");
}

static void charts_date(struct text_buf *b, long day)
{
    char date[11];
    date_format(day, date);
    text_put(b, date);
}

/* The viewer's view of both members' days. */
struct charts_days {
    struct insights_day d[2][INSIGHTS_WINDOW_MAX];
};

static struct charts_days *charts_days_masked(const struct insights_input *in)
{
    struct charts_days *v = malloc(sizeof *v);
    if (!v)
        return NULL;
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < in->window; i++)
            insights_day_mask(in, m, &in->days[m][i], &v->d[m][i]);
    return v;
}

/* ---- chart 1: the daily series -------------------------------------------------- */

enum {
    SERIES_W = 640,
    SERIES_LEFT = 44,
    SERIES_RIGHT = 16,
    SERIES_TOP = 34,      /* below the legend */
    SERIES_PANEL = 118,   /* one measure: title, plot, spacing */
    SERIES_PLOT_TOP = 22, /* from the panel's top to its plot */
    SERIES_PLOT_H = 80,
    SERIES_BOTTOM = 24,     /* the date axis */
    SERIES_DOTS_UP_TO = 31, /* windows this short get a dot on every day */
};

struct charts_measure {
    enum insights_item item;
    const char *title;
    const char *css; /* class name */
};

static const struct charts_measure charts_measures[3] = {
    {INSIGHTS_ITEM_CLOSENESS, "Emotional closeness", "closeness"},
    {INSIGHTS_ITEM_AFFECTION, "Non-sexual affection", "affection"},
    {INSIGHTS_ITEM_SEXUAL, "Sexual connection", "sexual"},
};

/* A measure's title for this dyad: outside a couple, where sex is never
 * spoken of, affection is simply affection. */
static const char *charts_measure_title(const struct insights_input *in, int k)
{
    if (charts_measures[k].item == INSIGHTS_ITEM_AFFECTION && in->kind != 0)
        return "Affection";
    return charts_measures[k].title;
}

/* A drawn day's score: nothing for a day without a check-in. */
static int charts_score(const struct insights_day *d, enum insights_item item)
{
    return d->present ? insights_day_score(d, item) : INSIGHTS_NULL;
}

static const struct insights_stat *charts_mean(const struct insights_member_result *r,
                                               enum insights_item item)
{
    switch (item) {
    case INSIGHTS_ITEM_CLOSENESS:
        return &r->closeness;
    case INSIGHTS_ITEM_AFFECTION:
        return &r->affection;
    default:
        return &r->sexual;
    }
}

/* Whether member m has a line for the measure: the viewer may see it and
 * there is at least one rating (the engine's mean says exactly that). */
static bool charts_has_series(const struct insights_result *res, int m, enum insights_item item)
{
    return charts_mean(&res->members[m], item)->shown;
}

static double charts_series_x(int w, int i)
{
    return SERIES_LEFT + (double)i * (SERIES_W - SERIES_LEFT - SERIES_RIGHT) / (w - 1);
}

static void charts_series_line(struct text_buf *b, const struct insights_day *days, int w, int m,
                               const struct charts_measure *ms, double top)
{
    double scale = SERIES_PLOT_H / 10.0;
    bool open = false; /* a <path> is being written: a run of rated days */
    for (int i = 0; i < w; i++) {
        int v = charts_score(&days[i], ms->item);
        if (v == INSIGHTS_NULL) {
            if (open)
                text_put(b, "\"/>\n");
            open = false;
            continue;
        }
        if (!open)
            text_printf(b,
                        "<path class=\"line m%d %s\" fill=\"none\" stroke=\"%s\"%s "
                        "stroke-width=\"2\" stroke-linejoin=\"round\" d=\"M",
                        m, ms->css, charts_colour[m], charts_dash[m]);
        else
            text_put(b, "L");
        open = true;
        text_printf(b, "%.1f %.1f", charts_series_x(w, i), top + (10 - v) * scale);
    }
    if (open)
        text_put(b, "\"/>\n");
    /* Dots: every rating in a short window, and a lone day (no line
     * through it) in any window. */
    for (int i = 0; i < w; i++) {
        int v = charts_score(&days[i], ms->item);
        if (v == INSIGHTS_NULL)
            continue;
        bool alone = (i == 0 || charts_score(&days[i - 1], ms->item) == INSIGHTS_NULL) &&
                     (i == w - 1 || charts_score(&days[i + 1], ms->item) == INSIGHTS_NULL);
        if (w <= SERIES_DOTS_UP_TO || alone)
            text_printf(b,
                        "<circle class=\"dot m%d %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                        "fill=\"%s\"/>\n",
                        m, ms->css, charts_series_x(w, i), top + (10 - v) * scale,
                        charts_colour[m]);
    }
}

static void charts_series_desc(struct text_buf *b, const struct insights_input *in,
                               const struct insights_result *res, const char *const names[2],
                               const bool *panel)
{
    long first = in->today - (in->window - 1);
    text_put(b, "Daily ratings from 0 to 10, from ");
    charts_date(b, first);
    text_put(b, " to ");
    charts_date(b, in->today);
    text_printf(b, " (%d days).", in->window);
    for (int k = 0; k < 3; k++) {
        if (!panel[k])
            continue;
        const struct charts_measure *ms = &charts_measures[k];
        text_printf(b, " %s:", charts_measure_title(in, k));
        bool first_member = true;
        for (int m = 0; m < 2; m++) {
            const struct insights_stat *s = charts_mean(&res->members[m], ms->item);
            if (!s->shown)
                continue;
            text_put(b, first_member ? " " : "; ");
            text_put_escaped(b, charts_name(names, m));
            text_printf(b, " averaged %.1f on %d day%s", s->value, s->n, s->n == 1 ? "" : "s");
            first_member = false;
        }
        text_put(b, ".");
    }
    text_put(b, " A gap in a line is a day without a rating.");
}

char *charts_series_svg(const struct insights_input *in, const struct insights_result *res,
                        const char *const names[2], const char *id)
{
    if (!charts_args_ok(in, res))
        return NULL;
    int w = in->window;
    bool panel[3], member_shown[2] = {false, false};
    int panels = 0;
    for (int k = 0; k < 3; k++) {
        panel[k] = false;
        for (int m = 0; m < 2; m++)
            if (charts_has_series(res, m, charts_measures[k].item)) {
                panel[k] = true;
                member_shown[m] = true;
            }
        panels += panel[k];
    }
    struct charts_days *view = charts_days_masked(in);
    if (!view)
        return NULL;
    struct text_buf b = {0};
    int height = SERIES_TOP + (panels ? panels : 1) * SERIES_PANEL + SERIES_BOTTOM;
    charts_open(&b, id, SERIES_W, height,
                panel[2] ? "Closeness, affection and sexual connection, day by day"
                         : "Closeness and affection, day by day");
    charts_series_desc(&b, in, res, names, panel);
    text_put(&b, "</desc>\n");
    text_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SERIES_W, height);

    /* Legend. */
    int lx = SERIES_LEFT;
    for (int m = 0; m < 2; m++) {
        if (!member_shown[m])
            continue;
        text_printf(&b,
                    "<line x1=\"%d\" y1=\"16\" x2=\"%d\" y2=\"16\" stroke=\"%s\"%s "
                    "stroke-width=\"2\"/>\n<text x=\"%d\" y=\"20\" font-size=\"12\" " CHARTS_TEXT
                    ">",
                    lx, lx + 28, charts_colour[m], charts_dash[m], lx + 34);
        text_put_escaped(&b, charts_name(names, m));
        text_put(&b, "</text>\n");
        lx += 240;
    }

    double right = SERIES_W - SERIES_RIGHT;
    int k_drawn = 0;
    for (int k = 0; k < 3; k++) {
        if (!panel[k])
            continue;
        const struct charts_measure *ms = &charts_measures[k];
        double y0 = SERIES_TOP + k_drawn * SERIES_PANEL, top = y0 + SERIES_PLOT_TOP;
        text_printf(&b,
                    "<g class=\"panel %s\">\n<text x=\"%d\" y=\"%.1f\" font-size=\"12\" "
                    "font-weight=\"bold\" " CHARTS_TEXT ">%s</text>\n",
                    ms->css, SERIES_LEFT, y0 + 12, charts_measure_title(in, k));
        for (int v = 0; v <= 10; v += 5) {
            double y = top + (10 - v) * (SERIES_PLOT_H / 10.0);
            text_printf(&b,
                        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                        "stroke-width=\"1\"/>\n<text x=\"%d\" y=\"%.1f\" font-size=\"12\" "
                        "text-anchor=\"end\" " CHARTS_TEXT ">%d</text>\n",
                        SERIES_LEFT, y, right, y, v == 0 ? "#888" : "#ddd", SERIES_LEFT - 6,
                        y + 3.5, v);
        }
        for (int m = 0; m < 2; m++)
            if (charts_has_series(res, m, ms->item))
                charts_series_line(&b, view->d[m], w, m, ms, top);
        text_put(&b, "</g>\n");
        k_drawn++;
    }
    if (panels == 0)
        text_printf(&b,
                    "<text x=\"%d\" y=\"%d\" font-size=\"12\" " CHARTS_TEXT
                    ">No ratings to show in this window.</text>\n",
                    SERIES_LEFT, SERIES_TOP + 40);

    /* Dates under the last panel: first, middle, last day. */
    double ty = height - 8;
    const char *anchor[3] = {"start", "middle", "end"};
    int idx[3] = {0, (w - 1) / 2, w - 1};
    for (int j = 0; j < 3; j++) {
        text_printf(
            &b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\" " CHARTS_TEXT ">",
            charts_series_x(w, idx[j]), ty, anchor[j]);
        charts_date(&b, in->today - (w - 1) + idx[j]);
        text_put(&b, "</text>\n");
    }
    text_put(&b, "</svg>\n");
    free(view);
    return text_finish(&b);
}

/* ---- chart 2: the quadrant plane ------------------------------------------------- */

enum {
    QUAD_W = 460,
    QUAD_H = 440,
    QUAD_LEFT = 64,
    QUAD_TOP = 28,
    QUAD_SIZE = 320,   /* the plot is square */
    QUAD_Y_MAX = 7,    /* days a week */
    QUAD_WEEK_MIN = 3, /* check-ins with closeness, per week, for a point */
    QUAD_WEEKS_MAX = INSIGHTS_WINDOW_MAX / 7,
    QUAD_POINTS = 12, /* at most this many points: longer windows pool weeks */
};

/* One point of a path: a period of one or more whole weeks. */
struct charts_week {
    bool ok;
    double closeness; /* mean */
    double per_week;  /* days with sexual >= 1, per 7 check-in days */
    long first_day;
};

static double charts_quad_x(double closeness)
{
    return QUAD_LEFT + closeness * (QUAD_SIZE / 10.0);
}

static double charts_quad_y(double per_week)
{
    return QUAD_TOP + (QUAD_Y_MAX - per_week) * ((double)QUAD_SIZE / QUAD_Y_MAX);
}

/* How many weeks each point pools: one for windows up to 12 weeks, more
 * for longer ones, so that a year reads as about a dozen steps rather than
 * a scribble of 52. */
static int charts_weeks_per_point(int window)
{
    int weeks = window / 7;
    return (weeks + QUAD_POINTS - 1) / QUAD_POINTS;
}

/* Whole periods, counted back from the last day; older leftover days are
 * not drawn (the engine's quadrant still counts them). */
static int charts_weeks(const struct insights_input *in, const struct insights_day *days,
                        struct charts_week *weeks)
{
    int w = in->window, per = charts_weeks_per_point(w), len = 7 * per, count = w / len;
    for (int k = 0; k < count; k++) {
        int start = w - len * (count - k);
        int checkins = 0, nc = 0, sexual = 0, sum = 0;
        for (int i = start; i < start + len; i++) {
            const struct insights_day *d = &days[i];
            if (!d->present)
                continue;
            checkins++;
            sexual += d->sexual >= 1;
            if (d->closeness != INSIGHTS_NULL) {
                nc++;
                sum += d->closeness;
            }
        }
        struct charts_week *wk = &weeks[k];
        wk->ok = nc >= QUAD_WEEK_MIN * per;
        wk->closeness = nc ? (double)sum / nc : 0.0;
        wk->per_week = checkins ? 7.0 * sexual / checkins : 0.0;
        wk->first_day = in->today - (w - 1) + start;
    }
    return count;
}

/* A member gets a path only where the engine could place them. */
static bool charts_quad_drawn(enum insights_quadrant q)
{
    return q == INSIGHTS_QUADRANT_BOTH || q == INSIGHTS_QUADRANT_EMOTIONAL_ONLY ||
           q == INSIGHTS_QUADRANT_SEXUAL_ONLY || q == INSIGHTS_QUADRANT_NEITHER ||
           q == INSIGHTS_QUADRANT_INSUFFICIENT_DATA;
}

static const char *charts_quad_words(enum insights_quadrant q)
{
    switch (q) {
    case INSIGHTS_QUADRANT_BOTH:
        return "closeness and sexual connection both";
    case INSIGHTS_QUADRANT_EMOTIONAL_ONLY:
        return "closeness with little sexual connection";
    case INSIGHTS_QUADRANT_SEXUAL_ONLY:
        return "sexual connection with less closeness";
    case INSIGHTS_QUADRANT_NEITHER:
        return "neither, for now";
    default:
        return "";
    }
}

static void charts_quad_desc(struct text_buf *b, const struct insights_input *in,
                             const struct insights_result *res, const char *const names[2],
                             struct charts_week weeks[2][QUAD_WEEKS_MAX], int count)
{
    int per = charts_weeks_per_point(in->window);
    if (per == 1)
        text_put(b, "Each point is one week");
    else
        text_printf(b, "Each point is %d weeks", per);
    text_put(b, ": average emotional closeness across (0 to 10) and days with sexual "
                "connection per week up (0 to 7). Dashed lines mark closeness 5 and one day a "
                "week.");
    bool any = false;
    for (int m = 0; m < 2; m++) {
        enum insights_quadrant q = res->members[m].quadrant;
        if (q == INSIGHTS_QUADRANT_HIDDEN)
            continue; /* not even a name */
        any = true;
        text_put(b, " ");
        text_put_escaped(b, charts_name(names, m));
        if (q == INSIGHTS_QUADRANT_NOT_TRACKED) {
            text_put(b, " does not track sexual connection.");
            continue;
        }
        int a = -1, z = -1;
        for (int k = 0; k < count; k++)
            if (weeks[m][k].ok) {
                if (a < 0)
                    a = k;
                z = k;
            }
        if (a < 0) {
            text_put(b, ": not enough check-ins to draw yet.");
            continue;
        }
        text_printf(b, ": from closeness %.1f with %.1f days a week (from ", weeks[m][a].closeness,
                    weeks[m][a].per_week);
        charts_date(b, weeks[m][a].first_day);
        text_printf(b, ") to %.1f with %.1f (from ", weeks[m][z].closeness, weeks[m][z].per_week);
        charts_date(b, weeks[m][z].first_day);
        text_put(b, ")");
        if (q == INSIGHTS_QUADRANT_INSUFFICIENT_DATA)
            text_put(b, "; too few check-ins over the window to place.");
        else
            text_printf(b, "; over the whole window, %s.", charts_quad_words(q));
    }
    if (!any)
        text_put(b, " Nothing to show.");
}

static void charts_quad_path(struct text_buf *b, const struct charts_week *weeks, int count, int m)
{
    bool open = false;
    for (int k = 0; k < count; k++) {
        if (!weeks[k].ok) {
            if (open)
                text_put(b, "\"/>\n");
            open = false;
            continue;
        }
        if (!open)
            text_printf(b,
                        "<path class=\"path m%d\" fill=\"none\" stroke=\"%s\"%s "
                        "stroke-width=\"2\" stroke-linejoin=\"round\" d=\"M",
                        m, charts_colour[m], charts_dash[m]);
        else
            text_put(b, "L");
        open = true;
        text_printf(b, "%.1f %.1f", charts_quad_x(weeks[k].closeness),
                    charts_quad_y(weeks[k].per_week));
    }
    if (open)
        text_put(b, "\"/>\n");
    int first = -1, last = -1;
    for (int k = 0; k < count; k++)
        if (weeks[k].ok) {
            if (first < 0)
                first = k;
            last = k;
        }
    for (int k = 0; k < count; k++) {
        if (!weeks[k].ok)
            continue;
        double x = charts_quad_x(weeks[k].closeness), y = charts_quad_y(weeks[k].per_week);
        if (k == last)
            text_printf(b,
                        "<circle class=\"latest m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\" "
                        "fill=\"%s\"/>\n",
                        m, x, y, charts_colour[m]);
        else if (k == first)
            text_printf(b,
                        "<circle class=\"first m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
                        "fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                        m, x, y, charts_colour[m]);
        else
            text_printf(b,
                        "<circle class=\"week m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                        "fill=\"%s\"/>\n",
                        m, x, y, charts_colour[m]);
    }
}

char *charts_quadrant_svg(const struct insights_input *in, const struct insights_result *res,
                          const char *const names[2], const char *id)
{
    if (!charts_args_ok(in, res))
        return NULL;
    struct charts_days *view = charts_days_masked(in);
    if (!view)
        return NULL;
    struct charts_week(*weeks)[QUAD_WEEKS_MAX] = calloc(2, sizeof *weeks);
    if (!weeks) {
        free(view);
        return NULL;
    }
    int count = 0;
    for (int m = 0; m < 2; m++)
        count = charts_weeks(in, view->d[m], weeks[m]);

    struct text_buf b = {0};
    charts_open(&b, id, QUAD_W, QUAD_H, "Emotional closeness and sexual connection over time");
    charts_quad_desc(&b, in, res, names, weeks, count);
    text_put(&b, "</desc>\n");
    text_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", QUAD_W, QUAD_H);

    /* Frame, grid and the two floors (closeness 5, one day a week). */
    double x0 = QUAD_LEFT, x1 = QUAD_LEFT + QUAD_SIZE, y0 = QUAD_TOP, y1 = QUAD_TOP + QUAD_SIZE;
    text_printf(&b,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                "stroke=\"#888\" stroke-width=\"1\"/>\n",
                x0, y0, QUAD_SIZE, QUAD_SIZE);
    for (int c = 0; c <= 10; c += 2)
        text_printf(
            &b,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" " CHARTS_TEXT
            ">%d</text>\n",
            charts_quad_x(c), y1 + 14, c);
    for (int s = 0; s <= QUAD_Y_MAX; s++)
        text_printf(&b,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" " CHARTS_TEXT
                    ">%d</text>\n",
                    x0 - 6, charts_quad_y(s) + 3.5, s);
    text_printf(&b,
                "<line class=\"floor\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#666\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n",
                charts_quad_x(INSIGHTS_CLOSENESS_FLOOR), y0,
                charts_quad_x(INSIGHTS_CLOSENESS_FLOOR), y1);
    text_printf(&b,
                "<line class=\"floor\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#666\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n",
                x0, charts_quad_y(1), x1, charts_quad_y(1));
    /* Quadrant names in their corners. */
    text_printf(&b,
                "<g font-size=\"12\" " CHARTS_TEXT ">\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">both</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\">sex, less closeness</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">closeness, little sex</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\">neither</text>\n</g>\n",
                x1 - 6, y0 + 14, x0 + 6, y0 + 14, x1 - 6, y1 - 8, x0 + 6, y1 - 8);
    /* Axis titles. */
    text_printf(&b,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" " CHARTS_TEXT
                ">Emotional closeness (average)</text>\n",
                (x0 + x1) / 2, y1 + 34);
    text_printf(&b,
                "<text transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"12\" "
                "text-anchor=\"middle\" " CHARTS_TEXT ">Days with sexual connection per "
                "week</text>\n",
                x0 - 34, (y0 + y1) / 2);

    /* Paths, and a legend naming only the members drawn. */
    int lx = QUAD_LEFT;
    for (int m = 0; m < 2; m++) {
        if (!charts_quad_drawn(res->members[m].quadrant))
            continue;
        charts_quad_path(&b, weeks[m], count, m);
        text_printf(&b,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s "
                    "stroke-width=\"2\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" " CHARTS_TEXT
                    ">",
                    lx, QUAD_H - 36, lx + 28, QUAD_H - 36, charts_colour[m], charts_dash[m],
                    lx + 34, QUAD_H - 32);
        text_put_escaped(&b, charts_name(names, m));
        text_put(&b, "</text>\n");
        lx += 190;
    }
    text_printf(&b,
                "<text x=\"%d\" y=\"%d\" font-size=\"12\" " CHARTS_TEXT
                ">Open circle: the first %s drawn. Large dot: the latest.</text>\n",
                QUAD_LEFT, QUAD_H - 12,
                charts_weeks_per_point(in->window) == 1 ? "week" : "period");
    text_put(&b, "</svg>\n");
    free(weeks);
    free(view);
    return text_finish(&b);
}

/* ---- chart 3: a questionnaire score, both members ------------------------------------ */

enum {
    SCORES_W = 640,
    SCORES_H = 300,
    SCORES_LEFT = 56,
    SCORES_RIGHT = 150, /* room for the cut-off labels */
    SCORES_TOP = 40,
    SCORES_PLOT_H = 200,
};

static double scores_x(const struct charts_score_input *in, int p)
{
    double w = SCORES_W - SCORES_LEFT - SCORES_RIGHT;
    return in->periods <= 1 ? SCORES_LEFT + w / 2 : SCORES_LEFT + w * p / (in->periods - 1);
}

static double scores_y(const struct charts_score_input *in, double v)
{
    return SCORES_TOP + (in->max - v) / (in->max - in->min) * SCORES_PLOT_H;
}

static bool scores_ok(const struct charts_score_input *in)
{
    if (!in || !in->title || !(in->max > in->min) || in->periods < 1 ||
        in->periods > CHARTS_SCORE_PERIODS || in->n_cutoffs < 0 ||
        in->n_cutoffs > CHARTS_SCORE_CUTOFFS || in->every_days < 1)
        return false;
    for (int m = 0; m < 2; m++)
        for (int p = 0; p < in->periods; p++) {
            double v = in->p[m][p].value;
            if (v == v && (v < in->min || v > in->max))
                return false;
        }
    return true;
}

static void scores_desc(struct text_buf *b, const struct charts_score_input *in,
                        const char *const names[2])
{
    int last_both = -1;
    for (int m = 0; m < 2; m++) {
        int first = -1, last = -1;
        for (int p = 0; p < in->periods; p++)
            if (in->p[m][p].value == in->p[m][p].value) {
                if (first < 0)
                    first = p;
                last = p;
            }
        text_put_escaped(b, charts_name(names, m));
        if (first < 0) {
            text_put(b, ": no score yet. ");
            continue;
        }
        text_printf(b, ": %.1f on ", in->p[m][first].value);
        charts_date(b, in->first_day + (long)first * in->every_days);
        if (last != first) {
            text_printf(b, ", latest %.1f on ", in->p[m][last].value);
            charts_date(b, in->first_day + (long)last * in->every_days);
        }
        text_put(b, ". ");
        for (int p = 0; p < in->periods; p++)
            if (in->p[m][p].reliable != 0) {
                text_put(b, in->p[m][p].reliable < 0 ? "Reliable worsening on "
                                                     : "Reliable improvement on ");
                charts_date(b, in->first_day + (long)p * in->every_days);
                text_put(b, ". ");
            }
    }
    for (int p = 0; p < in->periods; p++)
        if (in->p[0][p].value == in->p[0][p].value && in->p[1][p].value == in->p[1][p].value)
            last_both = p;
    if (last_both >= 0) {
        double gap = in->p[0][last_both].value - in->p[1][last_both].value;
        text_printf(b, "Latest gap between them: %.1f points. ", gap < 0 ? -gap : gap);
    }
    for (int k = 0; k < in->n_cutoffs; k++) {
        text_printf(b, "Cut-off at %.1f", in->cutoff[k]);
        if (in->cutoff_label[k]) {
            text_put(b, ": ");
            text_put_escaped(b, in->cutoff_label[k]);
        }
        text_put(b, ". ");
    }
}

char *charts_scores_svg(const struct charts_score_input *in, const char *const names[2],
                        const char *id)
{
    if (!scores_ok(in))
        return NULL;
    struct text_buf b = {0};
    charts_open(&b, id, SCORES_W, SCORES_H, in->title);
    scores_desc(&b, in, names);
    text_put(&b, "</desc>\n");
    text_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SCORES_W, SCORES_H);
    double right = SCORES_W - SCORES_RIGHT;

    /* Legend. */
    int lx = SCORES_LEFT;
    for (int m = 0; m < 2; m++) {
        text_printf(&b,
                    "<line x1=\"%d\" y1=\"16\" x2=\"%d\" y2=\"16\" stroke=\"%s\"%s "
                    "stroke-width=\"2\"/>\n<text x=\"%d\" y=\"20\" font-size=\"12\" " CHARTS_TEXT
                    ">",
                    lx, lx + 28, charts_colour[m], charts_dash[m], lx + 34);
        text_put_escaped(&b, charts_name(names, m));
        text_put(&b, "</text>\n");
        lx += 200;
    }
    text_printf(&b,
                "<text x=\"%d\" y=\"20\" font-size=\"12\" " CHARTS_TEXT
                ">\u25bc\u25b2 reliable change</text>\n",
                lx);

    /* Axis: the range and its middle. */
    for (int j = 0; j <= 2; j++) {
        double v = in->min + (in->max - in->min) * j / 2.0, y = scores_y(in, v);
        text_printf(&b,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"1\"/>\n<text x=\"%d\" y=\"%.1f\" font-size=\"12\" "
                    "text-anchor=\"end\" " CHARTS_TEXT ">%.1f</text>\n",
                    SCORES_LEFT, y, right, y, j == 0 ? "#888" : "#ddd", SCORES_LEFT - 6, y + 3.5,
                    v);
    }

    /* Cut-offs. */
    for (int k = 0; k < in->n_cutoffs; k++) {
        double y = scores_y(in, in->cutoff[k]);
        text_printf(&b,
                    "<g class=\"cutoff\"><line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#b00020\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\n"
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" " CHARTS_TEXT ">",
                    SCORES_LEFT, y, right, y, right + 6, y + 3.5);
        text_printf(&b, "%.1f ", in->cutoff[k]);
        text_put_escaped(&b, in->cutoff_label[k] ? in->cutoff_label[k] : "cut-off");
        text_put(&b, "</text></g>\n");
    }

    /* The gap, where both answered. */
    for (int p = 0; p < in->periods; p++) {
        double a = in->p[0][p].value, c = in->p[1][p].value;
        if (a != a || c != c || a == c)
            continue;
        text_printf(&b,
                    "<line class=\"gap\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#999\" stroke-width=\"6\" stroke-opacity=\"0.35\"/>\n",
                    scores_x(in, p), scores_y(in, a), scores_x(in, p), scores_y(in, c));
    }

    /* Each member's line, broken where a period has no score. */
    for (int m = 0; m < 2; m++) {
        text_printf(&b,
                    "<path class=\"member%d\" fill=\"none\" stroke=\"%s\"%s "
                    "stroke-width=\"2\" d=\"",
                    m + 1, charts_colour[m], charts_dash[m]);
        bool pen = false;
        for (int p = 0; p < in->periods; p++) {
            double v = in->p[m][p].value;
            if (v != v) {
                pen = false;
                continue;
            }
            text_printf(&b, "%s%.1f %.1f ", pen ? "L" : "M", scores_x(in, p), scores_y(in, v));
            pen = true;
        }
        text_put(&b, "\"/>\n");
        for (int p = 0; p < in->periods; p++) {
            double v = in->p[m][p].value;
            if (v != v)
                continue;
            double x = scores_x(in, p), y = scores_y(in, v);
            text_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y,
                        charts_colour[m]);
            int r = in->p[m][p].reliable;
            if (r < 0)
                text_printf(&b,
                            "<polygon class=\"reliable-worse\" points=\"%.1f,%.1f %.1f,%.1f "
                            "%.1f,%.1f\" fill=\"#b00020\"/>\n",
                            x - 6, y + 7, x + 6, y + 7, x, y + 17);
            else if (r > 0)
                text_printf(&b,
                            "<polygon class=\"reliable-better\" points=\"%.1f,%.1f %.1f,%.1f "
                            "%.1f,%.1f\" fill=\"#2e7d32\"/>\n",
                            x - 6, y - 7, x + 6, y - 7, x, y - 17);
        }
    }

    /* Dates: the first and the last period. */
    double ty = SCORES_TOP + SCORES_PLOT_H + 22;
    text_printf(&b, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" " CHARTS_TEXT ">", SCORES_LEFT, ty);
    charts_date(&b, in->first_day);
    text_put(&b, "</text>\n");
    if (in->periods > 1) {
        text_printf(
            &b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" " CHARTS_TEXT ">",
            right, ty);
        charts_date(&b, in->first_day + (long)(in->periods - 1) * in->every_days);
        text_put(&b, "</text>\n");
    }
    text_put(&b, "</svg>\n");
    return text_finish(&b);
}

/* ---- chart 4: the disclosure x responsiveness plane ---------------------------- */

/* One point of a member's path on the plane: a period of whole weeks. */
struct charts_plane_week {
    bool ok;
    double opened_up, understood; /* means over days with both answered */
    long first_day;
};

/* Whole periods counted back from the last day, as charts_weeks; a point
 * needs QUAD_WEEK_MIN days a week with both items answered. */
static int charts_plane_weeks(const struct insights_input *in, const struct insights_day *days,
                              struct charts_plane_week *weeks)
{
    int w = in->window, per = charts_weeks_per_point(w), len = 7 * per, count = w / len;
    for (int k = 0; k < count; k++) {
        int start = w - len * (count - k), n = 0, so = 0, su = 0;
        for (int i = start; i < start + len; i++) {
            const struct insights_day *d = &days[i];
            if (!d->present || d->opened_up == INSIGHTS_NULL || d->understood == INSIGHTS_NULL)
                continue;
            n++;
            so += d->opened_up;
            su += d->understood;
        }
        struct charts_plane_week *wk = &weeks[k];
        wk->ok = n >= QUAD_WEEK_MIN * per;
        wk->opened_up = n ? (double)so / n : 0.0;
        wk->understood = n ? (double)su / n : 0.0;
        wk->first_day = in->today - (w - 1) + start;
    }
    return count;
}

static double charts_plane_x(double v)
{
    return QUAD_LEFT + v * (QUAD_SIZE / 10.0);
}

static double charts_plane_y(double v)
{
    return QUAD_TOP + (10.0 - v) * (QUAD_SIZE / 10.0);
}

static const char *charts_plane_words(enum insights_plane p)
{
    switch (p) {
    case INSIGHTS_PLANE_OPEN_UNDERSTOOD:
        return "opening up and feeling understood";
    case INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD:
        return "opening up, feeling understood less";
    case INSIGHTS_PLANE_UNDERSTOOD_NOT_OPEN:
        return "feeling understood, opening up little";
    case INSIGHTS_PLANE_NEITHER:
        return "neither much, for now";
    default:
        return "";
    }
}

static void charts_plane_desc(struct text_buf *b, const struct insights_input *in,
                              const struct insights_result *res, const char *const names[2],
                              struct charts_plane_week weeks[2][QUAD_WEEKS_MAX], int count)
{
    int per = charts_weeks_per_point(in->window);
    if (per == 1)
        text_put(b, "Each point is one week");
    else
        text_printf(b, "Each point is %d weeks", per);
    text_put(b, ": how much one opened up across (0 to 10) and how understood one felt up "
                "(0 to 10), on days with both answered. Dashed lines mark 5 on each.");
    bool any = false;
    for (int m = 0; m < 2; m++) {
        enum insights_plane p = res->members[m].plane;
        if (p == INSIGHTS_PLANE_HIDDEN)
            continue; /* not even a name */
        any = true;
        text_put(b, " ");
        text_put_escaped(b, charts_name(names, m));
        int a = -1, z = -1;
        for (int k = 0; k < count; k++)
            if (weeks[m][k].ok) {
                if (a < 0)
                    a = k;
                z = k;
            }
        if (a < 0) {
            text_put(b, ": not enough check-ins to draw yet.");
            continue;
        }
        text_printf(b, ": from opening up %.1f and feeling understood %.1f (from ",
                    weeks[m][a].opened_up, weeks[m][a].understood);
        charts_date(b, weeks[m][a].first_day);
        text_printf(b, ") to %.1f and %.1f (from ", weeks[m][z].opened_up, weeks[m][z].understood);
        charts_date(b, weeks[m][z].first_day);
        text_put(b, ")");
        if (p == INSIGHTS_PLANE_INSUFFICIENT_DATA)
            text_put(b, "; too few check-ins over the window to place.");
        else
            text_printf(b, "; over the whole window, %s.", charts_plane_words(p));
    }
    if (!any)
        text_put(b, " Nothing to show.");
}

static void charts_plane_path(struct text_buf *b, const struct charts_plane_week *weeks, int count,
                              int m)
{
    bool open = false;
    int first = -1, last = -1;
    for (int k = 0; k < count; k++) {
        if (!weeks[k].ok) {
            if (open)
                text_put(b, "\"/>\n");
            open = false;
            continue;
        }
        if (first < 0)
            first = k;
        last = k;
        if (!open)
            text_printf(b,
                        "<path class=\"path m%d\" fill=\"none\" stroke=\"%s\"%s "
                        "stroke-width=\"2\" stroke-linejoin=\"round\" d=\"M",
                        m, charts_colour[m], charts_dash[m]);
        else
            text_put(b, "L");
        open = true;
        text_printf(b, "%.1f %.1f", charts_plane_x(weeks[k].opened_up),
                    charts_plane_y(weeks[k].understood));
    }
    if (open)
        text_put(b, "\"/>\n");
    for (int k = 0; k < count; k++) {
        if (!weeks[k].ok)
            continue;
        double x = charts_plane_x(weeks[k].opened_up), y = charts_plane_y(weeks[k].understood);
        if (k == last)
            text_printf(b,
                        "<circle class=\"latest m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\" "
                        "fill=\"%s\"/>\n",
                        m, x, y, charts_colour[m]);
        else if (k == first)
            text_printf(b,
                        "<circle class=\"first m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
                        "fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                        m, x, y, charts_colour[m]);
        else
            text_printf(b,
                        "<circle class=\"week m%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                        "fill=\"%s\"/>\n",
                        m, x, y, charts_colour[m]);
    }
}

char *charts_plane_svg(const struct insights_input *in, const struct insights_result *res,
                       const char *const names[2], const char *id)
{
    if (!charts_args_ok(in, res))
        return NULL;
    struct charts_days *view = charts_days_masked(in);
    if (!view)
        return NULL;
    struct charts_plane_week(*weeks)[QUAD_WEEKS_MAX] = calloc(2, sizeof *weeks);
    if (!weeks) {
        free(view);
        return NULL;
    }
    int count = 0;
    for (int m = 0; m < 2; m++)
        count = charts_plane_weeks(in, view->d[m], weeks[m]);

    struct text_buf b = {0};
    charts_open(&b, id, QUAD_W, QUAD_H, "Opening up and feeling understood over time");
    charts_plane_desc(&b, in, res, names, weeks, count);
    text_put(&b, "</desc>\n");
    text_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", QUAD_W, QUAD_H);
    double x0 = QUAD_LEFT, x1 = QUAD_LEFT + QUAD_SIZE, y0 = QUAD_TOP, y1 = QUAD_TOP + QUAD_SIZE;
    text_printf(&b,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                "stroke=\"#888\" stroke-width=\"1\"/>\n",
                x0, y0, QUAD_SIZE, QUAD_SIZE);
    for (int v = 0; v <= 10; v += 2) {
        text_printf(
            &b,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" " CHARTS_TEXT
            ">%d</text>\n",
            charts_plane_x(v), y1 + 15, v);
        text_printf(&b,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" " CHARTS_TEXT
                    ">%d</text>\n",
                    x0 - 6, charts_plane_y(v) + 4, v);
    }
    text_printf(&b,
                "<line class=\"floor\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#666\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n",
                charts_plane_x(INSIGHTS_PLANE_HIGH), y0, charts_plane_x(INSIGHTS_PLANE_HIGH), y1);
    text_printf(&b,
                "<line class=\"floor\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#666\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n",
                x0, charts_plane_y(INSIGHTS_PLANE_HIGH), x1, charts_plane_y(INSIGHTS_PLANE_HIGH));
    text_printf(&b,
                "<g font-size=\"12\" " CHARTS_TEXT ">\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">open, understood</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\">understood, less open</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">open, less understood</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\">neither, for now</text>\n</g>\n",
                x1 - 6, y0 + 16, x0 + 6, y0 + 16, x1 - 6, y1 - 8, x0 + 6, y1 - 8);
    text_printf(&b,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" " CHARTS_TEXT
                ">Opened up (average)</text>\n",
                (x0 + x1) / 2, y1 + 34);
    text_printf(&b,
                "<text transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"12\" "
                "text-anchor=\"middle\" " CHARTS_TEXT ">Felt understood (average)</text>\n",
                x0 - 34, (y0 + y1) / 2);
    int lx = QUAD_LEFT;
    for (int m = 0; m < 2; m++) {
        enum insights_plane p = res->members[m].plane;
        if (p == INSIGHTS_PLANE_HIDDEN)
            continue;
        charts_plane_path(&b, weeks[m], count, m);
        text_printf(&b,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s "
                    "stroke-width=\"2\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" " CHARTS_TEXT
                    ">",
                    lx, QUAD_H - 36, lx + 28, QUAD_H - 36, charts_colour[m], charts_dash[m],
                    lx + 34, QUAD_H - 32);
        text_put_escaped(&b, charts_name(names, m));
        text_put(&b, "</text>\n");
        lx += 190;
    }
    text_printf(&b,
                "<text x=\"%d\" y=\"%d\" font-size=\"12\" " CHARTS_TEXT
                ">Open circle: the first %s drawn. Large dot: the latest.</text>\n",
                QUAD_LEFT, QUAD_H - 10,
                charts_weeks_per_point(in->window) == 1 ? "week" : "period");
    text_put(&b, "</svg>\n");
    free(weeks);
    free(view);
    return text_finish(&b);
}
