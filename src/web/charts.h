/*
 * charts.h — the insights charts as server-rendered SVG: no JavaScript, so
 * they show without it, print, and carry their own text alternative.
 *
 * Two charts, both drawn from the insights engine's input and result for one
 * viewer (see core/insights.h):
 *
 *   charts_series_svg    closeness, affection and sexual connection per
 *                        member, day by day, one panel per measure; a day
 *                        without a rating is a gap in the line.
 *   charts_plane_svg     the disclosure x responsiveness plane, for every
 *                        dyad: how much one opened up across, how
 *                        understood one felt up, each member's path over
 *                        the window, a point per week (pooled as above).
 *   charts_quadrant_svg  the quadrant plane: emotional closeness across,
 *                        days with sexual connection per week up, each
 *                        member's path over the window, a point per week
 *                        (per several weeks beyond 12 weeks, so that a
 *                        path has at most 12 points).
 *
 * Privacy: every day goes through insights_day_mask first, so a series the
 * viewer may not see is not drawn, named or summed anywhere in the SVG, and
 * a member whose quadrant reads `hidden` has no path. Two inputs that differ
 * only in hidden items give the same bytes.
 *
 * Accessibility: <svg role="img" aria-labelledby="ID-title ID-desc"> with a
 * <title> and a <desc> that states in words what the lines show (the means
 * and where each path starts and ends). Members are told apart by line
 * style (solid, dashed) and a legend, not by colour alone. Text is escaped
 * for XML; invalid UTF-8 and control characters in names are replaced.
 *
 * Output is deterministic (numbers printed with one decimal under the "C"
 * numeric locale, which the server never changes), so tests compare it byte
 * for byte against tests/unit/golden/.
 */
#ifndef DYAD_CHARTS_H
#define DYAD_CHARTS_H

#include "core/insights.h"

/*
 * Each returns a malloc'd, NUL-terminated SVG document fragment (an <svg>
 * element, no XML declaration, ready to embed in HTML or serve as
 * image/svg+xml) that the caller frees with free(); or NULL when in or res
 * is NULL, res was not computed for in (window, day or viewer differ), the
 * window is outside 7-365, or memory ran out.
 *
 *   names  display names of member 0 and 1 (UTF-8, escaped here); NULL, or
 *          a NULL entry, gives "Member 1" / "Member 2".
 *   id     prefix for the element ids the ARIA attributes point at, unique
 *          on the page ("series", "quadrant"); characters other than
 *          [A-Za-z0-9_-] are dropped, at most 32 are kept, and an empty
 *          result becomes "chart".
 */
char *charts_series_svg(const struct insights_input *in, const struct insights_result *res,
                        const char *const names[2], const char *id);
char *charts_plane_svg(const struct insights_input *in, const struct insights_result *res,
                       const char *const names[2], const char *id);
char *charts_quadrant_svg(const struct insights_input *in, const struct insights_result *res,
                          const char *const names[2], const char *id);

/* ---- a questionnaire score, both members side by side ---------------------- */

enum { CHARTS_SCORE_PERIODS = 60, CHARTS_SCORE_CUTOFFS = 4 };

struct charts_score_point {
    double value; /* NAN: no score in this period */
    int reliable; /* -1 a reliable worsening since the first score, +1 an improvement, 0 */
};

struct charts_score_input {
    const char *title; /* the score's label */
    double min, max;   /* its range */
    int n_cutoffs;
    double cutoff[CHARTS_SCORE_CUTOFFS];
    const char *cutoff_label[CHARTS_SCORE_CUTOFFS];
    long first_day; /* the first period's first day (days since 1970) */
    int every_days;
    int periods; /* 1 … CHARTS_SCORE_PERIODS */
    struct charts_score_point p[2][CHARTS_SCORE_PERIODS];
};

/* One score over the periods of a measure: a line per member (solid and
 * dashed), the cut-offs as labelled lines, the gap between the two members
 * in each period both answered as a thin vertical bar, and reliable change
 * marked with a triangle (down: worse, up: better). The <desc> says in
 * words each member's first and latest score, the latest gap, where the
 * cut-offs are and which points are reliable changes. NULL when the input
 * is out of range or memory ran out. */
char *charts_scores_svg(const struct charts_score_input *in, const char *const names[2],
                        const char *id);

#endif
