/*
 * insights.c — the insights engine (see insights.h for the contract and
 * docs/insights.md for what each measure means).
 *
 * Reading order: the Theil–Sen estimator (the only non-obvious algorithm),
 * then visibility masking, per-member statistics, the quadrant, and one
 * function per finding. Each day is masked as it is read (insights_mask_tally),
 * so a hidden item never reaches any computation.
 */
#include "core/insights.h"
#include "core/kind.h" /* kind_other_words: never "partner" outside a couple */

#include <ctype.h>  /* toupper, for the start of a sentence */
#include <math.h>   /* exp, fabs, log */
#include <stdarg.h> /* va_list, for explanations */
#include <stdio.h>  /* vsnprintf, for explanations */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy, memset */

_Static_assert(INSIGHTS_ITEM__MAX <= 16, "visibility masks are unsigned bit sets");

/* Comparisons of doubles at a threshold allow for rounding in slope x days. */
#define INSIGHTS_EPS 1e-9

/* ==== Theil–Sen ==========================================================
 *
 * The median of the n(n-1)/2 pairwise slopes. Listing and selecting 66,430
 * slopes for a 365-day window takes about half a millisecond; the values
 * here are small integers (-10..10), which allows an exact method that
 * counts instead of listing:
 *
 *   - a pair (k, l), x_k < x_l, has slope d / dx with d = y_l - y_k and
 *     dx = x_l - x_k. With pc(t, v) = the number of points of level v with
 *     x < t, the number of pairs with positive slope <= t is
 *     sum over l, d >= 1 of pc(x_l - ceil(d / t) + 1, y_l - d): O(n x levels).
 *   - the median's rank falls among the negative, zero or positive slopes
 *     (counted the same way). Negative slopes are positive slopes of the
 *     mirrored series (y -> levels - 1 - y).
 *   - search t (t = a / 2^20 with integer a, so that every comparison is
 *     exact; see ts_next_probe for how the next t is picked) until at most
 *     TS_CAP pairs lie between two counted bounds; list those and select.
 *     Two distinct slopes with denominators <= 365 differ by more than
 *     2^-20, so an interval of width 2^-20 holds one value, which ends the
 *     search even when many pairs share it.
 *
 * Each slope is computed as (double)d / (double)dx, exactly as the O(n^2)
 * definition would, so the result is bit-identical to it (the unit tests
 * compare the two on random series).
 */

enum {
    TS_LEVELS = 21, /* values -10..10 */
    TS_STRIDE = 24, /* TS_LEVELS rounded up to 16 bytes of uint16_t: the widest row */
    TS_CAP = 1024,  /* slopes listed at most, per selection */
    TS_SHIFT = 20,  /* t = a / 2^TS_SHIFT */
    TS_POINTS = INSIGHTS_WINDOW_MAX,
};

struct ts_work {
    int n;      /* points */
    int levels; /* distinct levels spanned: max - min + 1 */
    int min;    /* the value of level 0 */
    int maxdx;  /* x of the last point - x of the first */
    int stride; /* row length of pc: levels rounded up to 8 (one 16-byte vector) */
    int16_t x[TS_POINTS];
    int8_t y[TS_POINTS]; /* level, 0..levels-1 */
    int16_t start[TS_LEVELS + 1];
    int16_t xs_by_level[TS_POINTS]; /* x of each point, grouped by level */
    /* pc[t * TS_STRIDE + v]: points of level v with x < t. Rows of 48
     * bytes, three 16-byte vectors, aligned: see ts_load. */
    _Alignas(16) uint16_t pc[(INSIGHTS_WINDOW_MAX + 1) * TS_STRIDE];
    int32_t off[TS_LEVELS]; /* scratch: ceil(d / t) */
    int32_t off_lo[TS_LEVELS];
    double buf[TS_CAP > TS_POINTS ? TS_CAP : TS_POINTS];     /* listed slopes; residuals */
    double part[2][TS_CAP > TS_POINTS ? TS_CAP : TS_POINTS]; /* ts_select's partitions */
};

/* The scratch one insights_compute call needs. */
struct insights_work {
    /* What the trends read of the viewer's masked view of each member's
     * days (see insights_mask_tally): closeness, INSIGHTS_TREND_NONE on a
     * day without one; and per day INSIGHTS_DAY_SHOWN | INSIGHTS_DAY_SEXUAL. */
    int16_t closeness[2][INSIGHTS_WINDOW_MAX];
    uint8_t flags[2][INSIGHTS_WINDOW_MAX];
    struct ts_work ts;
};

enum {
    INSIGHTS_DAY_SHOWN = 1,  /* a check-in the viewer may see something of */
    INSIGHTS_DAY_SEXUAL = 2, /* and sexual >= 1, visible */
};

/* off[d] = ceil(d / t) for t = a / 2^TS_SHIFT, capped past the longest dx. */
static void ts_offsets(const struct ts_work *ts, int64_t a, int32_t *off)
{
    for (int d = 1; d < ts->levels; d++) {
        int64_t num = (int64_t)d << TS_SHIFT;
        int64_t o = (num + a - 1) / a;
        off[d] = (int32_t)(o > ts->maxdx + 1 ? ts->maxdx + 1 : o);
    }
}

/* Pairs with a positive slope <= a / 2^TS_SHIFT (of the mirrored series
 * when mirror), level by level: a point l of level v has its partners d
 * levels below (in the mirror, d levels above: the mirror's "below") in
 * column v - d (v + d) of pc, those with x < x_l - off[d] + 1. Within a
 * level the points come in ascending x, so the ones with no partner at a
 * given d (x_l < off[d]) are a prefix, which only grows with d: the loops
 * run long and predictable instead of a short loop per point. */
static long ts_count_le(struct ts_work *ts, bool mirror, int64_t a)
{
    ts_offsets(ts, a, ts->off);
    const int stride = ts->stride, top = ts->levels - 1;
    long total = 0;
    for (int v = 0; v <= top; v++) {
        const int16_t *xs = ts->xs_by_level + ts->start[v];
        int count = ts->start[v + 1] - ts->start[v], k = 0;
        int dmax = mirror ? top - v : v;
        for (int d = 1; d <= dmax; d++) {
            int o = ts->off[d], col = mirror ? v + d : v - d;
            while (k < count && xs[k] < o)
                k++;
            long sum = 0;
            for (int j = k; j < count; j++)
                sum += ts->pc[(xs[j] - o + 1) * stride + col];
            total += sum;
        }
    }
    return total;
}

/* Lists the slopes of the pairs counted by a_hi but not by a_lo into buf;
 * returns how many. The caller knows there are at most TS_CAP. Level by
 * level, as ts_count_le. */
static int ts_list_between(struct ts_work *ts, bool mirror, int64_t a_lo, int64_t a_hi)
{
    ts_offsets(ts, a_lo, ts->off_lo);
    ts_offsets(ts, a_hi, ts->off);
    const int stride = ts->stride, top = ts->levels - 1;
    int m = 0;
    for (int v = 0; v <= top; v++) {
        const int16_t *xs = ts->xs_by_level + ts->start[v];
        int count = ts->start[v + 1] - ts->start[v], k = 0;
        int dmax = mirror ? top - v : v;
        for (int d = 1; d <= dmax; d++) {
            int o = ts->off[d], o_lo = ts->off_lo[d], col = mirror ? v + d : v - d;
            while (k < count && xs[k] < o)
                k++;
            for (int j = k; j < count; j++) {
                /* dx in [o, o_lo - 1]: x_k in [x - o_lo + 1, x - o] */
                int x = xs[j], hi = x - o, lo = x - o_lo + 1;
                if (lo < 0)
                    lo = 0;
                if (lo > hi)
                    continue;
                int first = ts->start[col] + ts->pc[lo * stride + col];
                int last = ts->start[col] + ts->pc[(hi + 1) * stride + col];
                for (int i = first; i < last && m < TS_CAP; i++)
                    ts->buf[m++] = (double)d / (double)(x - ts->xs_by_level[i]);
            }
        }
    }
    return m;
}

/* The k-th smallest (0-based) of a[0..n), a left as it is: quickselect
 * whose partitions are written into ts->part (one array read, another
 * written, in turn) and have no branch on the data: every value is stored
 * at both ends of the output and the end its comparison picks moves on.
 * Shuffled values then cost no mispredictions, and no store is read back
 * in the same pass. First the values below the pivot to one side; when
 * the k-th is not among them, those equal to the pivot are split from
 * those above, which ends the search when the k-th is the pivot's value.
 * The value found does not depend on the method: the k-th order
 * statistic. */
static double ts_select(struct ts_work *ts, const double *a, int n, int k)
{
    const double *src = a;
    int out = 0, lo = 0, hi = n - 1;
    while (lo < hi) {
        double p = src[lo], q = src[lo + (hi - lo) / 2], r = src[hi];
        double pivot = p < q ? (q < r ? q : p < r ? r : p) : (p < r ? p : q < r ? r : q);
        double *dst = ts->part[out];
        int below = lo, top = hi;
        for (int i = lo; i <= hi; i++) {
            double x = src[i];
            bool less = x < pivot;
            dst[below] = x;
            dst[top] = x;
            below += less;
            top -= !less;
        }
        if (k < below) { /* dst[lo..below) < pivot */
            src = dst;
            out ^= 1;
            hi = below - 1;
            continue;
        }
        double *rest = ts->part[out ^ 1];
        int equal = below;
        top = hi;
        for (int i = below; i <= hi; i++) {
            double x = dst[i];
            bool same = !(pivot < x);
            rest[equal] = x;
            rest[top] = x;
            equal += same;
            top -= !same;
        }
        if (k < equal) /* rest[below..equal) == pivot */
            return pivot;
        src = rest; /* rest[equal..hi] > pivot; the next output is dst's array again */
        lo = equal;
    }
    return src[k];
}

/* The (k+1)-th smallest (0-based) of a[0..n), given v, the k-th: v again
 * when more than k + 1 values are <= v, else the least value above v. */
static double ts_next_after(const double *a, int n, int k, double v)
{
    int at_most = 0;
    double next = v;
    bool found = false;
    for (int i = 0; i < n; i++) {
        double x = a[i];
        at_most += !(v < x);
        bool better = v < x && (!found || x < next);
        next = better ? x : next;
        found |= better;
    }
    return at_most > k + 1 ? v : next;
}

/* The one slope value in an interval of width 2^-TS_SHIFT (see above). */
static double ts_single_value(struct ts_work *ts, int64_t a_lo, int64_t a_hi)
{
    ts_offsets(ts, a_lo, ts->off_lo);
    ts_offsets(ts, a_hi, ts->off);
    for (int d = 1; d < ts->levels; d++)
        if (ts->off[d] < ts->off_lo[d] && ts->off[d] <= ts->maxdx)
            return (double)d / (double)ts->off[d];
    return 0.0; /* not reached: the interval holds at least one pair */
}

/* One selection among the positive slopes: the ranks wanted, what is known
 * so far (c_lo pairs <= a_lo, c_hi pairs <= a_hi, with c_lo < r1 <= r2 <=
 * c_hi) and a first guess at the slope (0: none). */
struct ts_search {
    bool mirror;
    long r1, r2; /* 1-based, r2 == r1 or r1 + 1 */
    int64_t a_lo, a_hi;
    long c_lo, c_hi;
    double guess;
};

/* Where to count next. The number of pairs with slope <= t grows smoothly
 * with log t, so a secant through the last two counts (or, before there
 * are two, the ordinary least-squares slope, then the bracket) lands near
 * the wanted rank. It aims a little below the ranks, then a little above,
 * to bracket them with few pairs in between. Every fourth probe is a plain
 * geometric bisection, which bounds the worst case. Only the speed depends
 * on these choices, never the result. */
static int64_t ts_next_probe(const struct ts_search *s, int step, int probes, const double *la,
                             const long *lc)
{
    double llo = log((double)s->a_lo), lhi = log((double)s->a_hi), l;
    long aim = s->r1 - s->c_lo >= s->c_hi - s->r2 ? s->r1 - TS_CAP / 4 : s->r2 + TS_CAP / 4;
    if (aim <= s->c_lo)
        aim = (s->c_lo + s->r1 + 1) / 2;
    if (aim >= s->c_hi)
        aim = (s->r2 + s->c_hi) / 2;
    if (step == 0 && s->guess > 0)
        l = log(s->guess) + TS_SHIFT * log(2.0);
    else if (step % 4 == 3)
        l = (llo + lhi) / 2.0;
    else if (probes >= 2 && lc[0] != lc[1])
        l = la[1] + (double)(aim - lc[1]) * (la[0] - la[1]) / (double)(lc[0] - lc[1]);
    else
        l = llo + (double)(aim - s->c_lo) / (double)(s->c_hi - s->c_lo) * (lhi - llo);
    if (!(l > llo && l < lhi)) /* also catches NaN */
        l = (llo + lhi) / 2.0;
    int64_t a = (int64_t)exp(l);
    if (a <= s->a_lo)
        a = s->a_lo + 1;
    if (a >= s->a_hi)
        a = s->a_hi - 1;
    return a;
}

/* The r1-th and r2-th smallest positive slopes (see struct ts_search). */
static void ts_select_positive(struct ts_work *ts, struct ts_search s, double *v1, double *v2)
{
    double la[2] = {0, 0}; /* the last two probes: log a, newest first */
    long lc[2] = {0, 0};
    int probes = 0;
    for (int step = 0;; step++) {
        if (s.c_hi - s.c_lo <= TS_CAP) {
            int m = ts_list_between(ts, s.mirror, s.a_lo, s.a_hi);
            int k = (int)(s.r1 - s.c_lo - 1);
            if (k < 0 || k >= m) { /* not reached: the counts and the list agree */
                *v1 = *v2 = 0.0;
                return;
            }
            *v1 = ts_select(ts, ts->buf, m, k);
            *v2 = s.r2 == s.r1 ? *v1 : ts_next_after(ts->buf, m, k, *v1);
            return;
        }
        if (s.a_hi - s.a_lo <= 1) {
            *v1 = *v2 = ts_single_value(ts, s.a_lo, s.a_hi);
            return;
        }
        int64_t mid = ts_next_probe(&s, step, probes, la, lc);
        long c = ts_count_le(ts, s.mirror, mid);
        la[1] = la[0];
        lc[1] = lc[0];
        la[0] = log((double)mid);
        lc[0] = c;
        probes++;
        if (c >= s.r2) {
            s.a_hi = mid;
            s.c_hi = c;
        } else if (c < s.r1) {
            s.a_lo = mid;
            s.c_lo = c;
        } else {
            /* r1 <= c < r2: the two ranks fall on either side of mid. */
            double unused;
            struct ts_search below = s, above = s;
            below.r2 = below.r1;
            below.a_hi = mid;
            below.c_hi = c;
            below.guess = 0;
            above.r1 = above.r2;
            above.a_lo = mid;
            above.c_lo = c;
            above.guess = 0;
            ts_select_positive(ts, below, v1, &unused);
            ts_select_positive(ts, above, v2, &unused);
            return;
        }
    }
}

/* The prefix table pc, rows 0 to span, of `stride` columns (a constant
 * where it is called, so that a row is one, two or three vector adds).
 * Row t + 1 is row t plus one for the level of the point at t, if any.
 * Written as a whole-row add (not a copy and an increment) so that the
 * compiler makes it vector adds that never read back a narrow store. */
static inline void ts_rows(struct ts_work *ts, int span, int stride)
{
    static const uint16_t column[TS_STRIDE] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                               12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};
    memset(ts->pc, 0, sizeof ts->pc[0] * (size_t)stride);
    int p = 0;
    for (int t = 0; t < span; t++) {
        uint16_t here = UINT16_MAX; /* no point at t: matches no column */
        if (p < ts->n && ts->x[p] == t)
            here = (uint16_t)ts->y[p++];
        const uint16_t *prev = ts->pc + t * stride;
        uint16_t *next = ts->pc + (t + 1) * stride;
        for (int v = 0; v < stride; v++)
            next[v] = (uint16_t)(prev[v] + (column[v] == here));
    }
}

/* Loads (i, y[i]) for present y into ts; -1 on a value outside -10..10. */
static int ts_load(struct ts_work *ts, const int16_t *y, int n)
{
    int lo = 10, hi = -10, points = 0;
    ts->n = 0;
    for (int i = 0; i < n; i++) {
        int v = y[i];
        if (v == INSIGHTS_TREND_NONE)
            continue;
        if (v < -10 || v > 10)
            return -1;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        ts->x[points] = (int16_t)i;
        ts->y[points] = (int8_t)v;
        points++;
    }
    ts->n = points;
    if (points < 2)
        return 0;
    ts->min = lo;
    ts->levels = hi - lo + 1;
    ts->maxdx = ts->x[ts->n - 1] - ts->x[0];
    int span = ts->x[ts->n - 1] + 1;
    for (int i = 0; i < ts->n; i++)
        ts->y[i] = (int8_t)(ts->y[i] - lo);
    ts->stride = ts->levels <= 8 ? 8 : ts->levels <= 16 ? 16 : TS_STRIDE;
    if (ts->stride == 8)
        ts_rows(ts, span, 8);
    else if (ts->stride == 16)
        ts_rows(ts, span, 16);
    else
        ts_rows(ts, span, TS_STRIDE);
    /* The points grouped by level, in ascending x: the last row counts
     * each level, and pc[x_i][y_i] is point i's place among its level (no
     * running counter, whose stores and reloads would chain). */
    const uint16_t *last = ts->pc + span * ts->stride;
    ts->start[0] = 0;
    for (int v = 0; v < ts->levels; v++)
        ts->start[v + 1] = (int16_t)(ts->start[v] + last[v]);
    for (int i = 0; i < ts->n; i++)
        ts->xs_by_level[ts->start[ts->y[i]] + ts->pc[ts->x[i] * ts->stride + ts->y[i]]] = ts->x[i];
    return 0;
}

/* The r-th smallest of all slopes lies among the negative ones when
 * r <= neg, among the zeros when r <= neg + zero, else among the positive. */
static void ts_select_ranks(struct ts_work *ts, long neg, long zero, long pos, long r1, long r2,
                            double guess, double *v1, double *v2)
{
    struct ts_search s = {
        .a_lo = ((int64_t)1 << TS_SHIFT) / (ts->maxdx + 1), /* below every slope */
        .a_hi = (int64_t)(ts->levels - 1) << TS_SHIFT,      /* at or above every slope */
    };
    if (s.a_lo < 1)
        s.a_lo = 1;
    if (r1 > neg && r2 <= neg + zero) {
        *v1 = *v2 = 0.0;
    } else if (r1 > neg + zero) {
        s.r1 = r1 - neg - zero;
        s.r2 = r2 - neg - zero;
        s.c_hi = pos;
        s.guess = guess;
        ts_select_positive(ts, s, v1, v2);
    } else if (r2 <= neg) {
        /* ranks r1 < r2 among negatives are ranks neg-r2+1 < neg-r1+1 of the
         * mirror's positives, in reverse */
        double p1, p2;
        s.mirror = true;
        s.r1 = neg - r2 + 1;
        s.r2 = neg - r1 + 1;
        s.c_hi = neg;
        s.guess = -guess;
        ts_select_positive(ts, s, &p1, &p2);
        *v1 = -p2;
        *v2 = -p1;
    } else {
        double unused;
        ts_select_ranks(ts, neg, zero, pos, r1, r1, guess, v1, &unused);
        ts_select_ranks(ts, neg, zero, pos, r2, r2, guess, v2, &unused);
    }
}

/* sum[u] += the rows of pc at the points of level v, column u; stride
 * is ts->stride as a constant, so that the adds are vector adds. */
static inline void ts_row_sums(const struct ts_work *ts, int v, int stride, uint32_t *sum)
{
    for (int i = ts->start[v]; i < ts->start[v + 1]; i++) {
        const uint16_t *row = ts->pc + ts->xs_by_level[i] * stride;
        for (int u = 0; u < stride; u++)
            sum[u] += row[u];
    }
}

/* Theil–Sen on the values loaded in ts; needs ts->n >= 2. */
static void ts_fit(struct ts_work *ts, double *slope, double *intercept)
{
    /* Pairs with a partner earlier in x at a lower level (pos) and the
     * same level (zero): for the points of each level, the sum of their
     * rows of pc, whole rows at a time. */
    long pos = 0, zero = 0;
    for (int v = 0; v < ts->levels; v++) {
        uint32_t sum[TS_STRIDE] = {0};
        if (ts->stride == 8)
            ts_row_sums(ts, v, 8, sum);
        else if (ts->stride == 16)
            ts_row_sums(ts, v, 16, sum);
        else
            ts_row_sums(ts, v, TS_STRIDE, sum);
        zero += sum[v];
        for (int u = 0; u < v; u++)
            pos += sum[u];
    }
    long total = (long)ts->n * (ts->n - 1) / 2;
    long neg = total - pos - zero;
    long r1 = (total + 1) / 2, r2 = total % 2 ? r1 : r1 + 1;
    /* The least-squares slope, only as a first guess for the search; the
     * sums are exact in integers (and in doubles: all below 2^53). */
    int64_t isx = 0, isy = 0, isxx = 0, isxy = 0;
    for (int i = 0; i < ts->n; i++) {
        int64_t x = ts->x[i], y = ts->y[i];
        isx += x;
        isy += y;
        isxx += x * x;
        isxy += x * y;
    }
    double sx = (double)isx, sy = (double)isy, sxx = (double)isxx, sxy = (double)isxy;
    double den = ts->n * sxx - sx * sx;
    double guess = den > 0 ? (ts->n * sxy - sx * sy) / den : 0.0;
    double v1, v2;
    ts_select_ranks(ts, neg, zero, pos, r1, r2, guess, &v1, &v2);
    double b = r1 == r2 ? v1 : (v1 + v2) / 2.0;
    *slope = b;
    if (intercept) {
        for (int i = 0; i < ts->n; i++)
            ts->buf[i] = (double)(ts->y[i] + ts->min) - b * (double)ts->x[i];
        int k = (ts->n - 1) / 2;
        double m1 = ts_select(ts, ts->buf, ts->n, k);
        *intercept = ts->n % 2 ? m1 : (m1 + ts_next_after(ts->buf, ts->n, k, m1)) / 2.0;
    }
}

/* 0 with *slope (and *intercept) set, -1 when fewer than 2 points or a bad value. */
static int ts_compute(struct ts_work *ts, const int16_t *y, int n, double *slope, double *intercept)
{
    if (ts_load(ts, y, n) < 0 || ts->n < 2)
        return -1;
    ts_fit(ts, slope, intercept);
    return 0;
}

int insights_theil_sen(const int16_t *y, int n, double *slope, double *intercept)
{
    if (!y || !slope || n < 0 || n > INSIGHTS_WINDOW_MAX)
        return -1;
    struct ts_work *ts = malloc(sizeof *ts);
    if (!ts)
        return -1;
    int rc = ts_compute(ts, y, n, slope, intercept);
    free(ts);
    return rc;
}

/* ==== names ============================================================= */

const char *insights_quadrant_name(int q)
{
    static const char *const names[INSIGHTS_QUADRANT__MAX] = {
        "both",        "emotional_only",    "sexual_only", "neither",
        "not_tracked", "insufficient_data", "hidden",
    };
    return q >= 0 && q < INSIGHTS_QUADRANT__MAX ? names[q] : NULL;
}

const char *insights_plane_name(int p)
{
    static const char *const names[INSIGHTS_PLANE__MAX] = {
        "open_and_understood", "open_not_understood",
        "understood_not_open", "neither",
        "insufficient_data",   "hidden",
    };
    return p >= 0 && p < INSIGHTS_PLANE__MAX ? names[p] : NULL;
}

const char *insights_code_name(int c)
{
    static const char *const names[INSIGHTS_FINDING__MAX] = {
        "sex_without_closeness", "need_gap",       "closeness_falling",
        "closeness_rising",      "drifting_apart", "one_sided_sharing",
        "unanswered_shares",     "comfort_gap",    "open_not_understood",
        "understood_not_open",   "low_safety",     "own_shares_unanswered",
    };
    return c >= 0 && c < INSIGHTS_FINDING__MAX ? names[c] : NULL;
}

const char *insights_severity_name(int s)
{
    static const char *const names[INSIGHTS_SEVERITY__MAX] = {"info", "notice", "attention"};
    return s >= 0 && s < INSIGHTS_SEVERITY__MAX ? names[s] : NULL;
}

const char *insights_item_name(int item)
{
    static const char *const names[INSIGHTS_ITEM__MAX] = {
        "closeness", "closeness_wanted", "opened_up", "understood", "safety",
        "affection", "sexual",           "emotions",  "wordless",   "comfort",
    };
    return item >= 0 && item < INSIGHTS_ITEM__MAX ? names[item] : NULL;
}

/* ==== visibility ======================================================== */

bool insights_item_visible(const struct insights_input *in, int member, enum insights_item item)
{
    if (!in || member < 0 || member > 1 || (unsigned)item >= INSIGHTS_ITEM__MAX)
        return false;
    if ((int)in->viewer == member)
        return true;
    return (in->visible[member] & INSIGHTS_ITEM_BIT(item)) != 0;
}

/* The items of member the viewer may see, as INSIGHTS_ITEM_BITs; a sexual
 * item exists only for a member who tracks sex. */
static unsigned insights_visible_mask(const struct insights_input *in, int member)
{
    unsigned mask = (int)in->viewer == member ? INSIGHTS_ITEMS_ALL : in->visible[member];
    if (!in->track_sexual[member])
        mask &= ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_SEXUAL);
    return mask & INSIGHTS_ITEMS_ALL;
}

/* The check-in items, as opposed to comfort (which is not part of a day). */
#define INSIGHTS_CHECKIN_ITEMS (INSIGHTS_ITEMS_ALL & ~INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_COMFORT))

static int8_t insights_score_masked(unsigned mask, enum insights_item item, int8_t v)
{
    return (mask & INSIGHTS_ITEM_BIT(item)) ? v : INSIGHTS_NULL;
}

static inline void insights_day_mask_with(unsigned mask, const struct insights_day *src,
                                          struct insights_day *dst)
{
    bool shown = src->present && (mask & INSIGHTS_CHECKIN_ITEMS);
    unsigned keep = shown ? mask : 0;
    dst->closeness = insights_score_masked(keep, INSIGHTS_ITEM_CLOSENESS, src->closeness);
    dst->closeness_wanted =
        insights_score_masked(keep, INSIGHTS_ITEM_CLOSENESS_WANTED, src->closeness_wanted);
    dst->opened_up = insights_score_masked(keep, INSIGHTS_ITEM_OPENED_UP, src->opened_up);
    dst->understood = insights_score_masked(keep, INSIGHTS_ITEM_UNDERSTOOD, src->understood);
    dst->safety = insights_score_masked(keep, INSIGHTS_ITEM_SAFETY, src->safety);
    dst->affection = insights_score_masked(keep, INSIGHTS_ITEM_AFFECTION, src->affection);
    dst->sexual = insights_score_masked(keep, INSIGHTS_ITEM_SEXUAL, src->sexual);
    dst->emotions = (keep & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS)) ? src->emotions : 0;
    dst->wordless = (keep & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS)) && src->wordless;
    dst->present = shown;
}

void insights_day_mask(const struct insights_input *in, int member, const struct insights_day *src,
                       struct insights_day *dst)
{
    if (!in || !src || !dst || member < 0 || member > 1)
        return;
    insights_day_mask_with(insights_visible_mask(in, member), src, dst);
}

/* The seven scores of a day as the bytes of one word, lane i (bits 8i to
 * 8i+7) holding item i (INSIGHTS_ITEM_CLOSENESS .. INSIGHTS_ITEM_SEXUAL);
 * lane 7 is 0. Shifts, not memcpy, so that the lanes do not depend on the
 * byte order. */
static uint64_t insights_day_lanes(const struct insights_day *d)
{
    return (uint64_t)(uint8_t)d->closeness | (uint64_t)(uint8_t)d->closeness_wanted << 8 |
           (uint64_t)(uint8_t)d->opened_up << 16 | (uint64_t)(uint8_t)d->understood << 24 |
           (uint64_t)(uint8_t)d->safety << 32 | (uint64_t)(uint8_t)d->affection << 40 |
           (uint64_t)(uint8_t)d->sexual << 48;
}

#define LANES_ALL7 UINT64_C(0x00ffffffffffffff) /* 0xff in lanes 0-6 */
#define LANES_ONE7 UINT64_C(0x0001010101010101) /* 1 in lanes 0-6 */
#define LANES_EVEN UINT64_C(0x00ff00ff00ff00ff) /* lanes 0, 2, 4, 6 as 16-bit lanes */
#define LANES_ONE8 UINT64_C(0x0101010101010101)
#define LANES_BITS UINT64_C(0x8040201008040201) /* lane k: bit k */
#define LANES_7F   UINT64_C(0x7f7f7f7f7f7f7f7f)
#define LANES_HIGH UINT64_C(0x0080808080808080) /* bit 7 of lanes 0-6 */
#define LANES_LOW7 UINT64_C(0x007f7f7f7f7f7f7f) /* bits 0-6 of lanes 0-6 */

/* Lanes 0-6 of the word, each 0x80 when its score is outside -1..10:
 * (v + 1) mod 256 per lane, without a carry across lanes, must be <= 11. */
static uint64_t insights_lanes_bad(uint64_t word)
{
    uint64_t next = ((word & LANES_LOW7) + LANES_ONE7) ^ (word & LANES_HIGH);
    uint64_t over = (next & LANES_LOW7) + (0x80 - 12) * LANES_ONE7; /* bit 7: >= 12 */
    return (next | over) & LANES_HIGH;
}

/* ==== validation ======================================================== */

static int insights_validate(const struct insights_input *in)
{
    if (in->window < INSIGHTS_WINDOW_MIN || in->window > INSIGHTS_WINDOW_MAX)
        return INSIGHTS_ERR_WINDOW;
    if ((unsigned)in->viewer >= INSIGHTS_VIEWER__MAX || !in->days[0] || !in->days[1] ||
        (in->share_count > 0 && !in->shares))
        return INSIGHTS_ERR_INPUT;
    if (in->kind < 0 || in->kind >= PROMPTS_KIND__MAX)
        return INSIGHTS_ERR_INPUT;
    for (int m = 0; m < 2; m++)
        if (in->role[m] < 0 || in->role[m] >= KIND_ROLE__MAX)
            return INSIGHTS_ERR_INPUT;
    for (int m = 0; m < 2; m++) {
        /* Scores of present days, -1..10: seven at a time, no branch per day. */
        uint64_t bad = 0;
        for (int i = 0; i < in->window; i++) {
            const struct insights_day *d = &in->days[m][i];
            bad |= d->present ? insights_lanes_bad(insights_day_lanes(d)) : 0;
        }
        if (bad)
            return INSIGHTS_ERR_INPUT;
        for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
            if (in->comfort[m][t] > 5)
                return INSIGHTS_ERR_INPUT;
    }
    bool bad_share = false;
    for (size_t i = 0; i < in->share_count; i++) {
        const struct insights_share *s = &in->shares[i];
        bad_share |= ((unsigned)s->author > 1u) | ((unsigned)s->topic >= PROMPTS_TOPIC__MAX) |
                     ((unsigned)(s->depth - 1) > 4u);
    }
    return bad_share ? INSIGHTS_ERR_INPUT : INSIGHTS_OK;
}

/* ==== per-member statistics ============================================== */

/* Sums gathered in one pass over a member's masked days. */
struct insights_tally {
    int checkins;
    int n[INSIGHTS_ITEM_SEXUAL + 1];
    long sum[INSIGHTS_ITEM_SEXUAL + 1];
    int sexual_days;          /* sexual >= 1 */
    int low_closeness_sexual; /* sexual >= 1 and closeness <= INSIGHTS_LOW_CLOSENESS_MAX */
    int closeness_on_sexual_n, closeness_on_other_n;
    long closeness_on_sexual, closeness_on_other;
    int gap_n, gap_high, gap_low; /* days with wanted and felt; gap >= 2, gap <= -2 */
    long gap_sum;
    int wordless;
    int emotions[INSIGHTS_EMOTION__MAX];
    int plane_n; /* days with opened_up and understood both answered */
    long plane_open, plane_understood;
    int safety_low; /* days with safety answered and <= INSIGHTS_LOW_SAFETY_MAX */
};

/* One pass over a member's days, as the viewer may see them (the
 * insights_day_mask_with rules): the tally, and what the trends read
 * (closeness and flags, see struct insights_work). The seven scores go
 * through in one word at a time: a hidden item becomes INSIGHTS_NULL
 * (0xff) in its lane; bit 7 of each lane of (word ^ 0xff..) says
 * "answered" (an answered score is 0-10, validated); answered counts and
 * sums add up in 16-bit lanes (at most 365 x 10). The feelings are spread
 * one bit per lane and counted the same way. No branch per day but the
 * one for a day not shown; the sums stay in registers. */
static void insights_mask_tally(unsigned mask, const struct insights_day *src, int w,
                                int16_t *closeness_y, uint8_t *flags, struct insights_tally *out)
{
    uint64_t visible = 0;
    for (int item = INSIGHTS_ITEM_CLOSENESS; item <= INSIGHTS_ITEM_SEXUAL; item++)
        if (mask & INSIGHTS_ITEM_BIT(item))
            visible |= (uint64_t)0xff << (8 * item);
    unsigned feelings = (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_EMOTIONS)) ? 0xffu : 0u;
    bool wordless_shown = (mask & INSIGHTS_ITEM_BIT(INSIGHTS_ITEM_WORDLESS)) != 0;
    bool any = (mask & INSIGHTS_CHECKIN_ITEMS) != 0;

    uint64_t n_even = 0, n_odd = 0, sum_even = 0, sum_odd = 0, feel_even = 0, feel_odd = 0;
    int checkins = 0, sexual_days = 0, safety_low = 0, wordless = 0;
    int on_sexual_n = 0, on_sexual = 0, low_on_sexual = 0;
    int gap_n = 0, gap_sum = 0, gap_high = 0, gap_low = 0;
    int plane_n = 0, plane_open = 0, plane_understood = 0;
    for (int i = 0; i < w; i++) {
        const struct insights_day *d = &src[i];
        if (!(d->present && any)) {
            closeness_y[i] = INSIGHTS_TREND_NONE;
            flags[i] = 0;
            continue;
        }
        uint64_t word = (insights_day_lanes(d) & visible) | (LANES_ALL7 & ~visible);
        uint64_t answered = ((word ^ LANES_ALL7) >> 7) & LANES_ONE7;
        uint64_t value = word & (answered * 0xff);
        n_even += answered & LANES_EVEN;
        n_odd += (answered >> 8) & LANES_EVEN;
        sum_even += value & LANES_EVEN;
        sum_odd += (value >> 8) & LANES_EVEN;
        uint64_t spread = ((uint64_t)(d->emotions & feelings) * LANES_ONE8) & LANES_BITS;
        uint64_t felt = ((spread + LANES_7F) >> 7) & LANES_ONE8;
        feel_even += felt & LANES_EVEN;
        feel_odd += (felt >> 8) & LANES_EVEN;

        /* The items one at a time: 0-10, or 255 when not answered. */
        int c = (int)(word & 0xff), cw = (int)(word >> 8 & 0xff);
        int open = (int)(word >> 16 & 0xff), understood = (int)(word >> 24 & 0xff);
        int safety = (int)(word >> 32 & 0xff), sexual = (int)(word >> 48 & 0xff);
        bool has_c = c != 255, has_both = has_c && cw != 255;
        bool sexual_day = sexual >= 1 && sexual <= 10;
        bool plane = open != 255 && understood != 255;
        checkins++;
        sexual_days += sexual_day;
        safety_low += safety <= INSIGHTS_LOW_SAFETY_MAX;
        on_sexual_n += has_c && sexual_day;
        on_sexual += has_c && sexual_day ? c : 0;
        low_on_sexual += has_c && sexual_day && c <= INSIGHTS_LOW_CLOSENESS_MAX;
        int gap = cw - c;
        gap_n += has_both;
        gap_sum += has_both ? gap : 0;
        gap_high += has_both && gap >= INSIGHTS_NEED_GAP_MIN;
        gap_low += has_both && gap <= -INSIGHTS_NEED_GAP_MIN;
        plane_n += plane;
        plane_open += plane ? open : 0;
        plane_understood += plane ? understood : 0;
        wordless += wordless_shown && d->wordless;
        closeness_y[i] = has_c ? (int16_t)c : INSIGHTS_TREND_NONE;
        flags[i] = (uint8_t)(INSIGHTS_DAY_SHOWN | (sexual_day ? INSIGHTS_DAY_SEXUAL : 0));
    }

    struct insights_tally t;
    memset(&t, 0, sizeof t);
    for (int item = INSIGHTS_ITEM_CLOSENESS; item <= INSIGHTS_ITEM_SEXUAL; item++) {
        int at = 16 * (item / 2);
        t.n[item] = (int)(((item % 2 ? n_odd : n_even) >> at) & 0xffff);
        t.sum[item] = (long)(((item % 2 ? sum_odd : sum_even) >> at) & 0xffff);
    }
    for (int e = 0; e < INSIGHTS_EMOTION__MAX; e++)
        t.emotions[e] = (int)(((e % 2 ? feel_odd : feel_even) >> (16 * (e / 2))) & 0xffff);
    t.checkins = checkins;
    t.sexual_days = sexual_days;
    t.safety_low = safety_low;
    t.low_closeness_sexual = low_on_sexual;
    t.closeness_on_sexual_n = on_sexual_n;
    t.closeness_on_sexual = on_sexual;
    /* the other closeness days: all answered ones but those */
    t.closeness_on_other_n = t.n[INSIGHTS_ITEM_CLOSENESS] - on_sexual_n;
    t.closeness_on_other = t.sum[INSIGHTS_ITEM_CLOSENESS] - on_sexual;
    t.gap_n = gap_n;
    t.gap_sum = gap_sum;
    t.gap_high = gap_high;
    t.gap_low = gap_low;
    t.plane_n = plane_n;
    t.plane_open = plane_open;
    t.plane_understood = plane_understood;
    t.wordless = wordless;
    *out = t;
}

static struct insights_stat insights_stat_of(bool shown, int n, double value)
{
    struct insights_stat s = {false, 0, 0.0};
    if (shown) {
        s.shown = true;
        s.n = n;
        s.value = value;
    }
    return s;
}

static struct insights_stat insights_mean(const struct insights_input *in, int m,
                                          const struct insights_tally *t, int item)
{
    bool shown = insights_item_visible(in, m, (enum insights_item)item) && t->n[item] > 0;
    return insights_stat_of(shown, t->n[item], shown ? (double)t->sum[item] / t->n[item] : 0.0);
}

bool insights_answered_in_time(int64_t created_at, int64_t answered_at)
{
    return answered_at != 0 && answered_at - created_at <= INSIGHTS_ANSWER_SECONDS;
}

int8_t insights_day_score(const struct insights_day *d, enum insights_item item)
{
    switch (item) {
    case INSIGHTS_ITEM_CLOSENESS:
        return d->closeness;
    case INSIGHTS_ITEM_CLOSENESS_WANTED:
        return d->closeness_wanted;
    case INSIGHTS_ITEM_OPENED_UP:
        return d->opened_up;
    case INSIGHTS_ITEM_UNDERSTOOD:
        return d->understood;
    case INSIGHTS_ITEM_SAFETY:
        return d->safety;
    case INSIGHTS_ITEM_AFFECTION:
        return d->affection;
    case INSIGHTS_ITEM_SEXUAL:
        return d->sexual;
    default:
        return INSIGHTS_NULL;
    }
}

/* Theil–Sen over one masked score series of a member; 0 or -1. */
static int insights_trend_of(struct insights_work *wk, const int16_t *y, int w, double *slope,
                             double *intercept)
{
    return ts_compute(&wk->ts, y, w, slope, intercept);
}

static enum insights_quadrant insights_quadrant_of(const struct insights_input *in, int m,
                                                   const struct insights_tally *t)
{
    if (!insights_item_visible(in, m, INSIGHTS_ITEM_CLOSENESS) ||
        !insights_item_visible(in, m, INSIGHTS_ITEM_SEXUAL))
        return INSIGHTS_QUADRANT_HIDDEN;
    if (!in->track_sexual[m])
        return INSIGHTS_QUADRANT_NOT_TRACKED;
    int nc = t->n[INSIGHTS_ITEM_CLOSENESS];
    if (nc < INSIGHTS_MIN_CHECKINS || t->n[INSIGHTS_ITEM_SEXUAL] == 0)
        return INSIGHTS_QUADRANT_INSUFFICIENT_DATA;
    const struct insights_baseline *b = &in->baseline[m];
    double mean = (double)t->sum[INSIGHTS_ITEM_CLOSENESS] / nc;
    double rate = (double)t->sexual_days / t->checkins;
    /* Integer forms of mean >= 5 and rate >= 1/7, so the edges are exact. */
    bool close = t->sum[INSIGHTS_ITEM_CLOSENESS] >= (long)INSIGHTS_CLOSENESS_FLOOR * nc &&
                 (!b->known || mean >= b->closeness - INSIGHTS_CLOSENESS_BASELINE - INSIGHTS_EPS);
    bool sexual = (long)t->sexual_days * INSIGHTS_SEXUAL_DAYS_PER >= t->checkins &&
                  (!b->known || rate >= b->sexual_rate / 2.0 - INSIGHTS_EPS);
    if (close)
        return sexual ? INSIGHTS_QUADRANT_BOTH : INSIGHTS_QUADRANT_EMOTIONAL_ONLY;
    return sexual ? INSIGHTS_QUADRANT_SEXUAL_ONLY : INSIGHTS_QUADRANT_NEITHER;
}

static enum insights_plane insights_plane_of(const struct insights_input *in, int m,
                                             const struct insights_tally *t)
{
    if (!insights_item_visible(in, m, INSIGHTS_ITEM_OPENED_UP) ||
        !insights_item_visible(in, m, INSIGHTS_ITEM_UNDERSTOOD))
        return INSIGHTS_PLANE_HIDDEN;
    int n = t->plane_n;
    if (n < INSIGHTS_MIN_CHECKINS)
        return INSIGHTS_PLANE_INSUFFICIENT_DATA;
    /* Integer forms of mean >= INSIGHTS_PLANE_HIGH, so the edges are exact. */
    bool open = t->plane_open >= (long)INSIGHTS_PLANE_HIGH * n;
    bool understood = t->plane_understood >= (long)INSIGHTS_PLANE_HIGH * n;
    if (open)
        return understood ? INSIGHTS_PLANE_OPEN_UNDERSTOOD : INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD;
    return understood ? INSIGHTS_PLANE_UNDERSTOOD_NOT_OPEN : INSIGHTS_PLANE_NEITHER;
}

void insights_baseline_count(const struct insights_input *in, int member,
                             const struct insights_day *day, struct insights_baseline_totals *t)
{
    if (!in || !day || !t || member < 0 || member > 1)
        return;
    /* insights_day_mask_with, reduced to the three items a baseline reads:
     * this runs once per day of history. */
    unsigned mask = insights_visible_mask(in, member);
    if (!day->present || !(mask & INSIGHTS_CHECKIN_ITEMS))
        return;
    t->checkins++;
    int8_t closeness = insights_score_masked(mask, INSIGHTS_ITEM_CLOSENESS, day->closeness);
    int8_t sexual = insights_score_masked(mask, INSIGHTS_ITEM_SEXUAL, day->sexual);
    if (closeness >= 0 && closeness <= 10) {
        t->closeness_n++;
        t->closeness_sum += closeness;
    }
    t->sexual_days += sexual >= 1 && sexual <= 10;
}

struct insights_baseline insights_baseline_from_totals(const struct insights_baseline_totals *t)
{
    struct insights_baseline b = {false, 0.0, 0.0};
    if (t && t->closeness_n >= INSIGHTS_BASELINE_MIN && t->checkins >= t->closeness_n) {
        b.known = true;
        b.closeness = (double)t->closeness_sum / (double)t->closeness_n;
        b.sexual_rate = (double)t->sexual_days / (double)t->checkins;
    }
    return b;
}

struct insights_baseline insights_baseline_compute(const struct insights_input *in, int member,
                                                   const struct insights_day *history, int n)
{
    struct insights_baseline_totals t = {0, 0, 0, 0};
    if (!in || !history || member < 0 || member > 1 || n < 0)
        return insights_baseline_from_totals(&t);
    for (int i = 0; i < n; i++)
        insights_baseline_count(in, member, &history[i], &t);
    return insights_baseline_from_totals(&t);
}

/* ==== findings =========================================================== */

/* Who the explanation speaks to about `subject`. */
enum insights_voice { VOICE_SELF, VOICE_OTHER, VOICE_THERAPIST };

static enum insights_voice insights_voice_for(const struct insights_input *in, int subject)
{
    if (in->viewer == INSIGHTS_VIEWER_THERAPIST)
        return VOICE_THERAPIST;
    return (int)in->viewer == subject ? VOICE_SELF : VOICE_OTHER;
}

/* How the viewer hears about member m: by name, or else by the dyad's kind
 * (and m's family role), as kind_other_words says. `who` is lower case
 * ("your friend"), `whose` its possessive ("your friend's", "Kim's"), and
 * Who / Whose the same at the start of a sentence. */
struct insights_who {
    char who[96], whose[100], Who[96], Whose[100];
};

static void insights_who_of(const struct insights_input *in, int m, struct insights_who *w)
{
    const char *name = in->names[m];
    const char *words =
        name != NULL && name[0] != '\0' ? name : kind_other_words(in->kind, in->role[m]);
    memset(w, 0, sizeof *w);
    snprintf(w->who, sizeof w->who, "%s", words);
    snprintf(w->whose, sizeof w->whose, "%s's", words);
    memcpy(w->Who, w->who, sizeof w->Who);
    memcpy(w->Whose, w->whose, sizeof w->Whose);
    w->Who[0] = (char)toupper((unsigned char)w->Who[0]);
    w->Whose[0] = (char)toupper((unsigned char)w->Whose[0]);
}

static struct insights_finding *insights_finding_add(struct insights_result *out,
                                                     enum insights_finding_code code, int subject,
                                                     enum insights_severity severity)
{
    if (out->finding_count >= INSIGHTS_FINDINGS_MAX)
        return NULL;
    struct insights_finding *f = &out->findings[out->finding_count++];
    memset(f, 0, sizeof *f);
    f->code = code;
    f->subject = subject;
    f->severity = severity;
    return f;
}

/* Writes the explanation; formats are literals, checked by the compiler. */
__attribute__((format(printf, 2, 3))) static void insights_explain(struct insights_finding *f,
                                                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->explanation, sizeof f->explanation, fmt, ap);
    va_end(ap);
}

static void insights_number_add(struct insights_finding *f, const char *name, double value)
{
    if (f->number_count < INSIGHTS_NUMBERS_MAX) {
        f->numbers[f->number_count].name = name;
        f->numbers[f->number_count].value = value;
        f->number_count++;
    }
}

/* Everything one member's findings draw on. */
struct insights_member_ctx {
    int m;
    const int16_t *closeness; /* masked, INSIGHTS_TREND_NONE without (struct insights_work) */
    const uint8_t *flags;     /* INSIGHTS_DAY_SHOWN | INSIGHTS_DAY_SEXUAL */
    struct insights_tally tally;
    bool trend_ok;           /* closeness visible, enough points, line fitted */
    double slope, intercept; /* the Theil–Sen line of closeness over day 0..window-1 */
    double change;           /* slope x (window - 1) */
};

/* Safety ("safe to be open") was low on at least half the days the viewer
 * may see it answered: then no finding about this member suggests opening
 * up or sharing more (a hidden safety item never counts, so the words give
 * nothing hidden away). */
static bool insights_safety_low(const struct insights_tally *t)
{
    int n = t->n[INSIGHTS_ITEM_SAFETY];
    return n > 0 && 2 * t->safety_low >= n;
}

/* The trend of how often sexual connection happens: Theil–Sen over, for
 * each day, the number of days with sexual >= 1 among the last seven (a
 * week with at least 4 check-ins), as a change across the window in days a
 * week. Daily scores would not do: most are 0, so the median pairwise slope
 * of a zero-inflated series is 0 almost whatever happens. 0 or -1. */
static int insights_sexual_week_trend(struct insights_work *wk, const uint8_t *flags, int w,
                                      double *change)
{
    int16_t y[INSIGHTS_WINDOW_MAX];
    int points = 0, present = 0, sexual = 0; /* over days i-6..i */
    for (int i = 0; i < w; i++) {
        present += (flags[i] & INSIGHTS_DAY_SHOWN) != 0;
        sexual += (flags[i] & INSIGHTS_DAY_SEXUAL) != 0;
        if (i >= 7) {
            present -= (flags[i - 7] & INSIGHTS_DAY_SHOWN) != 0;
            sexual -= (flags[i - 7] & INSIGHTS_DAY_SEXUAL) != 0;
        }
        y[i] = INSIGHTS_TREND_NONE;
        if (i >= 6 && present >= 4) {
            y[i] = (int16_t)sexual;
            points++;
        }
    }
    double slope;
    if (points < INSIGHTS_MIN_TREND_POINTS || ts_compute(&wk->ts, y, w, &slope, NULL) < 0)
        return -1;
    *change = slope * (w - 1);
    return 0;
}

/* sex_without_closeness: only to the subject and a therapist, and only with
 * closeness and sexual both visible to them. */
static void insights_find_substitute(const struct insights_input *in, struct insights_work *wk,
                                     const struct insights_member_ctx *c,
                                     struct insights_result *out)
{
    const struct insights_tally *t = &c->tally;
    int m = c->m;
    if (!in->track_sexual[m] || t->checkins < INSIGHTS_MIN_CHECKINS)
        return;
    if (!((int)in->viewer == m || in->viewer == INSIGHTS_VIEWER_THERAPIST))
        return;
    if (!insights_item_visible(in, m, INSIGHTS_ITEM_CLOSENESS) ||
        !insights_item_visible(in, m, INSIGHTS_ITEM_SEXUAL))
        return;

    int sd = t->closeness_on_sexual_n, low = t->low_closeness_sexual;
    bool sustained = low >= INSIGHTS_SUBSTITUTE_MIN_DAYS && 2 * low >= sd;

    /* The other form: closeness falling while sexual connection becomes
     * more frequent. */
    bool opposite = false;
    double sexual_change = 0.0;
    if (!sustained && c->trend_ok && c->change <= -INSIGHTS_TREND_CHANGE + INSIGHTS_EPS &&
        sd >= INSIGHTS_SUBSTITUTE_MIN_DAYS &&
        insights_sexual_week_trend(wk, c->flags, in->window, &sexual_change) == 0)
        opposite = sexual_change >= INSIGHTS_SUBSTITUTE_SEXUAL - INSIGHTS_EPS;
    if (!sustained && !opposite)
        return;

    struct insights_finding *f = insights_finding_add(out, INSIGHTS_FINDING_SEX_WITHOUT_CLOSENESS,
                                                      m, INSIGHTS_SEVERITY_NOTICE);
    if (!f)
        return;
    bool self = insights_voice_for(in, m) == VOICE_SELF;
    if (sustained)
        insights_explain(
            f,
            self ? "On %d of the %d days you marked sexual connection, you rated closeness "
                   "%d or lower. This is a question to sit with, not a conclusion: could sex "
                   "sometimes be standing in for feeling close, a way to connect when opening "
                   "up feels harder? Only you know what it means for you. And gently: sex on "
                   "days you feel far apart can also be sex you did not fully want. If that is "
                   "ever so, it matters, and Help & safety has people you can talk to."
                 : "On %d of the %d days this member marked sexual connection, they rated "
                   "closeness %d or lower. A question to explore with them, not a "
                   "conclusion: could sex at times be standing in for emotional closeness? Sex "
                   "on low-closeness days can also be sex not fully wanted, which may be worth "
                   "asking about gently.",
            low, sd, INSIGHTS_LOW_CLOSENESS_MAX);
    else
        insights_explain(
            f,
            self ? "Over these %d days your closeness ratings went down by about %.1f points "
                   "while days with sexual connection became more frequent, by about %.1f a "
                   "week. This is a question to sit with, not a conclusion: is sex filling a "
                   "space where feeling close used to be? Only you know what it means for you. "
                   "And gently: sex on days you feel far apart can also be sex you did not fully "
                   "want. If that is ever so, it matters, and Help & safety has people you can "
                   "talk to."
                 : "Over these %d days this member's closeness ratings went down by about "
                   "%.1f points while their days with sexual connection became more frequent, "
                   "by about %.1f a week. A question to explore with them, not a conclusion: "
                   "could sex be standing in for a closeness that is fading? Sex on "
                   "low-closeness days can also be sex not fully wanted, which may be worth "
                   "asking about gently.",
            in->window, fabs(c->change), sexual_change);
    f->help = self;
    insights_number_add(f, "sexual_days", sd);
    insights_number_add(f, "low_closeness_sexual_days", low);
    insights_number_add(f, "low_closeness_max", INSIGHTS_LOW_CLOSENESS_MAX);
    if (t->closeness_on_sexual_n > 0)
        insights_number_add(f, "closeness_mean_sexual_days",
                            (double)t->closeness_on_sexual / t->closeness_on_sexual_n);
    if (t->closeness_on_other_n > 0)
        insights_number_add(f, "closeness_mean_other_days",
                            (double)t->closeness_on_other / t->closeness_on_other_n);
    if (opposite) {
        insights_number_add(f, "closeness_change", c->change);
        insights_number_add(f, "sexual_days_per_week_change", sexual_change);
    }
}

static void insights_find_need_gap(const struct insights_input *in,
                                   const struct insights_member_ctx *c, struct insights_result *out)
{
    const struct insights_tally *t = &c->tally;
    int m = c->m;
    if (!insights_item_visible(in, m, INSIGHTS_ITEM_CLOSENESS) ||
        !insights_item_visible(in, m, INSIGHTS_ITEM_CLOSENESS_WANTED))
        return;
    int n = t->gap_n;
    if (n < INSIGHTS_MIN_CHECKINS)
        return;
    /* Integer forms of mean >= 2 (<= -2) and "on at least half the days". */
    bool more = t->gap_sum >= (long)INSIGHTS_NEED_GAP_MIN * n && 2 * t->gap_high >= n;
    bool less = t->gap_sum <= -(long)INSIGHTS_NEED_GAP_MIN * n && 2 * t->gap_low >= n;
    if (!more && !less)
        return;
    double mean = (double)t->gap_sum / n;
    enum insights_severity sev = INSIGHTS_SEVERITY_INFO;
    if (more)
        sev = t->gap_sum >= (long)INSIGHTS_NEED_GAP_ATTENTION * n ? INSIGHTS_SEVERITY_ATTENTION
                                                                  : INSIGHTS_SEVERITY_NOTICE;
    struct insights_finding *f = insights_finding_add(out, INSIGHTS_FINDING_NEED_GAP, m, sev);
    if (!f)
        return;
    int days = more ? t->gap_high : t->gap_low;
    double gap = fabs(mean);
    bool unsafe = insights_safety_low(t);
    struct insights_who who;
    insights_who_of(in, m, &who);
    switch (insights_voice_for(in, m)) {
    case VOICE_SELF:
        if (more && unsafe)
            insights_explain(f,
                             "On average you wanted to feel %.1f points closer than you did, and "
                             "the gap was 2 points or more on %d of %d days. Wanting more "
                             "closeness matters whether or not you say it; there is no need to "
                             "share more than feels safe.",
                             gap, days, n);
        else if (more)
            insights_explain(f,
                             "On average you wanted to feel %.1f points closer than you did, and "
                             "the gap was 2 points or more on %d of %d days. Wanting more "
                             "closeness is worth saying out loud, perhaps in a share about what "
                             "feeling close looks like for you.",
                             gap, days, n);
        else
            insights_explain(f,
                             "On average you felt %.1f points closer than you wanted to, by 2 "
                             "points or more on %d of %d days. Needing some room is ordinary; "
                             "saying so kindly can protect the closeness you do want.",
                             gap, days, n);
        break;
    case VOICE_OTHER:
        if (more)
            insights_explain(f,
                             unsafe ? "On average %s wanted to feel %.1f points closer than they "
                                      "did, and the gap was 2 points or more on %d of %d days. "
                                      "Being there, without pressing them to talk, may help "
                                      "most right now."
                                    : "On average %s wanted to feel %.1f points closer than they "
                                      "did, and the gap was 2 points or more on %d of %d days. "
                                      "You might ask them what feeling close looks like for them "
                                      "right now.",
                             who.who, gap, days, n);
        else
            insights_explain(f,
                             "On average %s felt %.1f points closer than they wanted to, by 2 "
                             "points or more on %d of %d days. They may need a little room for "
                             "now, which is not a judgement of you.",
                             who.who, gap, days, n);
        break;
    case VOICE_THERAPIST:
        insights_explain(f,
                         more ? "On average this member wanted to feel %.1f points closer than "
                                "they did; the gap was 2 points or more on %d of %d days."
                              : "On average this member felt %.1f points closer than they wanted "
                                "to, by 2 points or more on %d of %d days.",
                         gap, days, n);
        break;
    }
    insights_number_add(f, "mean_gap", mean);
    insights_number_add(f, "days_beyond_2", days);
    insights_number_add(f, "days", n);
}

static void insights_find_trend(const struct insights_input *in,
                                const struct insights_member_ctx *c, bool rising,
                                struct insights_result *out)
{
    if (!c->trend_ok || c->tally.checkins < INSIGHTS_MIN_CHECKINS)
        return;
    bool hit = rising ? c->change >= INSIGHTS_TREND_CHANGE - INSIGHTS_EPS
                      : c->change <= -INSIGHTS_TREND_CHANGE + INSIGHTS_EPS;
    if (!hit)
        return;
    enum insights_severity sev = INSIGHTS_SEVERITY_INFO;
    if (!rising)
        sev = c->change <= -INSIGHTS_TREND_ATTENTION + INSIGHTS_EPS ? INSIGHTS_SEVERITY_ATTENTION
                                                                    : INSIGHTS_SEVERITY_NOTICE;
    struct insights_finding *f = insights_finding_add(
        out, rising ? INSIGHTS_FINDING_CLOSENESS_RISING : INSIGHTS_FINDING_CLOSENESS_FALLING, c->m,
        sev);
    if (!f)
        return;
    double change = fabs(c->change);
    int ratings = c->tally.n[INSIGHTS_ITEM_CLOSENESS];
    /* Falling closeness while safety is low: no nudge to share or to ask. */
    bool unsafe = !rising && insights_safety_low(&c->tally);
    struct insights_who who;
    insights_who_of(in, c->m, &who);
    switch (insights_voice_for(in, c->m)) {
    case VOICE_SELF:
        if (rising)
            insights_explain(f,
                             "Your closeness ratings have been going up, by about %.1f points "
                             "across these %d days (%d ratings). Whatever the two of you have "
                             "been doing seems to help.",
                             change, in->window, ratings);
        else if (unsafe)
            insights_explain(f,
                             "Your closeness ratings have been going down, by about %.1f points "
                             "across these %d days (%d ratings). You also rated feeling safe to "
                             "be open low on many days, so nothing here asks you to share more. "
                             "Look after yourself first; Help & safety has people you can talk "
                             "to.",
                             change, in->window, ratings);
        else
            insights_explain(f,
                             "Your closeness ratings have been going down, by about %.1f points "
                             "across these %d days (%d ratings). What has changed? A small share "
                             "about it could be a place to start.",
                             change, in->window, ratings);
        f->help = unsafe;
        break;
    case VOICE_OTHER:
        if (rising)
            insights_explain(f,
                             "%s closeness ratings have been going up, by about %.1f points "
                             "across these %d days (%d ratings).",
                             who.Whose, change, in->window, ratings);
        else
            insights_explain(f,
                             unsafe ? "%s closeness ratings have been going down, by about %.1f "
                                      "points across these %d days (%d ratings). Being there, "
                                      "without pressing them to talk, may help most right now."
                                    : "%s closeness ratings have been going down, by about %.1f "
                                      "points across these %d days (%d ratings). Asking how they "
                                      "are finding things lately could be a place to start.",
                             who.Whose, change, in->window, ratings);
        break;
    case VOICE_THERAPIST:
        insights_explain(f,
                         rising ? "This member's closeness ratings rose by about %.1f points "
                                  "across the %d-day window (%d ratings)."
                                : "This member's closeness ratings fell by about %.1f points "
                                  "across the %d-day window (%d ratings).",
                         change, in->window, ratings);
        break;
    }
    insights_number_add(f, "slope_per_day", c->slope);
    insights_number_add(f, "change", c->change);
    insights_number_add(f, "ratings", c->tally.n[INSIGHTS_ITEM_CLOSENESS]);
}

/* unanswered_shares: about the listener, to the listener and a therapist,
 * so that it never reads as blame in front of the partner. */
static void insights_find_unanswered(const struct insights_input *in, int m,
                                     struct insights_result *out)
{
    if (!((int)in->viewer == m || in->viewer == INSIGHTS_VIEWER_THERAPIST))
        return;
    const struct insights_member_result *r = &out->members[m];
    int due = r->shares_received_due, unanswered = due - r->shares_answered_48h;
    if (due < INSIGHTS_UNANSWERED_MIN ||
        (double)unanswered < INSIGHTS_UNANSWERED_SHARE * due - INSIGHTS_EPS)
        return;
    struct insights_finding *f =
        insights_finding_add(out, INSIGHTS_FINDING_UNANSWERED_SHARES, m, INSIGHTS_SEVERITY_INFO);
    if (!f)
        return;
    struct insights_who who;
    insights_who_of(in, 1 - m, &who);
    if (insights_voice_for(in, m) == VOICE_SELF)
        insights_explain(f,
                         "%d of the %d shares %s wrote to you in this window (leaving out the "
                         "last three days) had no response within two days. Sharing is a risk; "
                         "a short reply, even \"I'm with you\", lets them know it landed.",
                         unanswered, due, who.who);
    else
        insights_explain(f,
                         "%d of the %d shares written to this member in the window (leaving out "
                         "the last three days) had no response within 48 hours.",
                         unanswered, due);
    insights_number_add(f, "shares_due", due);
    insights_number_add(f, "unanswered", unanswered);
    insights_number_add(f, "unanswered_share", (double)unanswered / due);
}

/* drifting_apart: the Theil–Sen lines through each member's closeness
 * (already fitted for their trends) end further apart than they start. The
 * lines rather than the day-by-day differences, so that a day only one of
 * them checked in still counts. */
static void insights_find_drift(const struct insights_input *in,
                                const struct insights_member_ctx *c, struct insights_result *out)
{
    if (!c[0].trend_ok || !c[1].trend_ok)
        return; /* also when either's closeness is hidden from the viewer */
    double end0 = c[0].intercept + c[0].change, end1 = c[1].intercept + c[1].change;
    double start = fabs(c[0].intercept - c[1].intercept), end = fabs(end0 - end1);
    if (end - start < INSIGHTS_DRIFT_CHANGE - INSIGHTS_EPS)
        return;
    struct insights_finding *f = insights_finding_add(
        out, INSIGHTS_FINDING_DRIFTING_APART, INSIGHTS_SUBJECT_DYAD, INSIGHTS_SEVERITY_NOTICE);
    if (!f)
        return;
    if (in->viewer == INSIGHTS_VIEWER_THERAPIST) {
        insights_explain(f,
                         "The two members' closeness ratings are moving apart: the gap between "
                         "their trend lines grew from about %.1f to about %.1f points over the "
                         "%d-day window.",
                         start, end, in->window);
    } else {
        struct insights_who who;
        insights_who_of(in, 1 - (int)in->viewer, &who);
        insights_explain(f,
                         "Your closeness ratings and %s have been moving apart: the gap between "
                         "them grew from about %.1f to about %.1f points over these %d days. "
                         "Comparing how each of you has been finding things lately may help.",
                         who.whose, start, end, in->window);
    }
    insights_number_add(f, "gap_start", start);
    insights_number_add(f, "gap_end", end);
    insights_number_add(f, "slope_member_0", c[0].slope);
    insights_number_add(f, "slope_member_1", c[1].slope);
}

static void insights_find_one_sided(const struct insights_input *in, struct insights_result *out)
{
    int a = out->members[0].shares_written, b = out->members[1].shares_written;
    int total = a + b, most = a > b ? a : b;
    if (total < INSIGHTS_SHARING_MIN ||
        (double)most < INSIGHTS_SHARING_SHARE * total - INSIGHTS_EPS)
        return;
    struct insights_finding *f = insights_finding_add(
        out, INSIGHTS_FINDING_ONE_SIDED_SHARING, INSIGHTS_SUBJECT_DYAD, INSIGHTS_SEVERITY_INFO);
    if (!f)
        return;
    if (in->viewer == INSIGHTS_VIEWER_THERAPIST) {
        insights_explain(
            f, "Of the %d shares in this %d-day window, one member wrote %d and the other %d.",
            total, in->window, a, b);
    } else {
        int me = (int)in->viewer;
        int mine = me == 0 ? a : b, theirs = me == 0 ? b : a;
        struct insights_who who;
        insights_who_of(in, 1 - me, &who);
        insights_explain(f,
                         "Of the %d shares in these %d days, you wrote %d and %s %d. "
                         "Closeness tends to grow when openness goes both ways: the one who shares "
                         "less might try a small moment, and the one who shares more might ask an "
                         "open question.",
                         total, in->window, mine, who.who, theirs);
    }
    insights_number_add(f, "shares_member_0", a);
    insights_number_add(f, "shares_member_1", b);
    insights_number_add(f, "larger_share", (double)most / total);
}

/* open_not_understood and understood_not_open: a member's place on the
 * disclosure x responsiveness plane, when the two means are also at least
 * INSIGHTS_PLANE_GAP_MIN apart. Built on the member's opened_up and
 * understood only, so shown to whoever may see both (insights_plane_of
 * says hidden otherwise). */
static void insights_find_plane(const struct insights_input *in,
                                const struct insights_member_ctx *c, struct insights_result *out)
{
    const struct insights_tally *t = &c->tally;
    int m = c->m, n = t->plane_n;
    enum insights_plane p = out->members[m].plane;
    long gap = t->plane_open - t->plane_understood; /* n x the gap of the means */
    bool open_side =
        p == INSIGHTS_PLANE_OPEN_NOT_UNDERSTOOD && gap >= (long)INSIGHTS_PLANE_GAP_MIN * n;
    bool understood_side =
        p == INSIGHTS_PLANE_UNDERSTOOD_NOT_OPEN && -gap >= (long)INSIGHTS_PLANE_GAP_MIN * n;
    if (!open_side && !understood_side)
        return;
    struct insights_finding *f = insights_finding_add(
        out,
        open_side ? INSIGHTS_FINDING_OPEN_NOT_UNDERSTOOD : INSIGHTS_FINDING_UNDERSTOOD_NOT_OPEN, m,
        open_side ? INSIGHTS_SEVERITY_NOTICE : INSIGHTS_SEVERITY_INFO);
    if (!f)
        return;
    double open = (double)t->plane_open / n, understood = (double)t->plane_understood / n;
    bool unsafe = insights_safety_low(t);
    struct insights_who who, other;
    insights_who_of(in, m, &who);
    insights_who_of(in, 1 - m, &other);
    switch (insights_voice_for(in, m)) {
    case VOICE_SELF:
        if (open_side)
            insights_explain(f,
                             "Over %d days you opened up a fair amount (about %.1f of 10) but "
                             "felt understood less (about %.1f). That can sting. You might tell "
                             "%s what helps you feel heard: a question back, a \"that makes "
                             "sense\", or simply time to listen.",
                             n, open, understood, other.who);
        else
            insights_explain(f,
                             unsafe ? "Over %d days you felt understood (about %.1f of 10) but "
                                      "opened up little (about %.1f). Feeling understood is good "
                                      "ground to stand on; there is no need to open up more than "
                                      "feels safe."
                                    : "Over %d days you felt understood (about %.1f of 10) but "
                                      "opened up little (about %.1f). Feeling understood is good "
                                      "ground to stand on; a small share of something that "
                                      "matters to you could be a next step, whenever it feels "
                                      "right.",
                             n, understood, open);
        break;
    case VOICE_OTHER:
        if (open_side)
            insights_explain(f,
                             "Over %d days %s opened up a fair amount (about %.1f of 10) but felt "
                             "understood less (about %.1f). Saying back what you heard, or "
                             "\"that makes sense\", can help them feel understood.",
                             n, who.who, open, understood);
        else
            insights_explain(f,
                             unsafe ? "Over %d days %s felt understood (about %.1f of 10) but "
                                      "opened up little (about %.1f). Room to go at their own "
                                      "pace matters more than questions right now."
                                    : "Over %d days %s felt understood (about %.1f of 10) but "
                                      "opened up little (about %.1f). An open question, and room "
                                      "to answer at their own pace, can invite more.",
                             n, who.who, understood, open);
        break;
    case VOICE_THERAPIST:
        insights_explain(f,
                         open_side ? "Over %d days this member opened up (mean %.1f) more than "
                                     "they felt understood (mean %.1f)."
                                   : "Over %d days this member felt understood (mean %.1f) but "
                                     "opened up little (mean %.1f).",
                         n, open_side ? open : understood, open_side ? understood : open);
        break;
    }
    insights_number_add(f, "days", n);
    insights_number_add(f, "opened_up_mean", open);
    insights_number_add(f, "understood_mean", understood);
}

static void insights_find_comfort_gap(const struct insights_input *in, struct insights_result *out)
{
    if (!insights_item_visible(in, 0, INSIGHTS_ITEM_COMFORT) ||
        !insights_item_visible(in, 1, INSIGHTS_ITEM_COMFORT))
        return;
    int best = -1, gap = 0;
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        int a = in->comfort[0][t], b = in->comfort[1][t];
        if (a == 0 || b == 0)
            continue;
        int g = a > b ? a - b : b - a;
        if (g > gap) {
            gap = g;
            best = t;
        }
    }
    if (best < 0 || gap < INSIGHTS_COMFORT_GAP_MIN)
        return;
    struct insights_finding *f = insights_finding_add(
        out, INSIGHTS_FINDING_COMFORT_GAP, INSIGHTS_SUBJECT_DYAD, INSIGHTS_SEVERITY_INFO);
    if (!f)
        return;
    const char *topic = prompts_topic_name(best);
    int a = in->comfort[0][best], b = in->comfort[1][best];
    if (in->viewer == INSIGHTS_VIEWER_THERAPIST) {
        insights_explain(
            f,
            "The members' comfort with the topic \"%s\" differs by %d levels (%d and %d, on "
            "1-5). Suggested prompts on it stay at the lower level.",
            topic ? topic : "?", gap, a, b);
    } else {
        int mine = in->viewer == INSIGHTS_VIEWER_MEMBER0 ? a : b;
        int theirs = in->viewer == INSIGHTS_VIEWER_MEMBER0 ? b : a;
        struct insights_who who;
        insights_who_of(in, in->viewer == INSIGHTS_VIEWER_MEMBER0 ? 1 : 0, &who);
        insights_explain(
            f,
            "Your comfort with the topic \"%s\" is %d and %s is %d (on 1-5). Suggested "
            "prompts on it stay at the lower level, so neither of you is pushed past where you "
            "are; talking about why it feels different could be a share of its own.",
            topic ? topic : "?", mine, who.whose, theirs);
    }
    insights_number_add(f, "topic", best);
    insights_number_add(f, "comfort_member_0", a);
    insights_number_add(f, "comfort_member_1", b);
    insights_number_add(f, "gap", gap);
}

/* low_safety: feeling safe to be open was low on at least half of at least
 * INSIGHTS_MIN_CHECKINS days. To its subject alone: not the other member,
 * not a therapist. It offers Help & safety and, when one is linked, the
 * therapist, and asks nothing. */
static void insights_find_low_safety(const struct insights_input *in,
                                     const struct insights_member_ctx *c,
                                     struct insights_result *out)
{
    const struct insights_tally *t = &c->tally;
    int m = c->m, n = t->n[INSIGHTS_ITEM_SAFETY];
    if ((int)in->viewer != m || n < INSIGHTS_MIN_CHECKINS || 2 * t->safety_low < n)
        return;
    struct insights_finding *f =
        insights_finding_add(out, INSIGHTS_FINDING_LOW_SAFETY, m, INSIGHTS_SEVERITY_ATTENTION);
    if (!f)
        return;
    insights_explain(f,
                     "On %d of the %d days you answered, you rated feeling safe to be open %d or "
                     "lower. That matters more than any pattern here. Nothing in dyad asks you to "
                     "share more than feels safe, and what you keep to yourself stays yours. If "
                     "something feels unsafe, Help & safety has people you can talk to%s",
                     t->safety_low, n, INSIGHTS_LOW_SAFETY_MAX,
                     in->therapist_linked ? "; so does the therapist linked to this dyad, on your "
                                            "own if you prefer."
                                          : ".");
    f->help = true;
    insights_number_add(f, "days", n);
    insights_number_add(f, "low_safety_days", t->safety_low);
    insights_number_add(f, "low_safety_max", INSIGHTS_LOW_SAFETY_MAX);
    insights_number_add(f, "safety_mean", (double)t->sum[INSIGHTS_ITEM_SAFETY] / n);
}

/* own_shares_unanswered: the author's side of unanswered_shares (the same
 * counts and thresholds), a kind word to the one who took the risk. To the
 * author alone: the listener has unanswered_shares, a therapist sees that. */
static void insights_find_own_unanswered(const struct insights_input *in, int m,
                                         struct insights_result *out)
{
    if ((int)in->viewer != m)
        return;
    const struct insights_member_result *listener = &out->members[1 - m];
    int due = listener->shares_received_due, unanswered = due - listener->shares_answered_48h;
    if (due < INSIGHTS_UNANSWERED_MIN ||
        (double)unanswered < INSIGHTS_UNANSWERED_SHARE * due - INSIGHTS_EPS)
        return;
    struct insights_finding *f = insights_finding_add(out, INSIGHTS_FINDING_OWN_SHARES_UNANSWERED,
                                                      m, INSIGHTS_SEVERITY_INFO);
    if (!f)
        return;
    struct insights_who who;
    insights_who_of(in, 1 - m, &who);
    insights_explain(f,
                     "%d of the %d shares you wrote in this window (leaving out the last three "
                     "days) had no reply within two days. Opening up took courage, and it counts, "
                     "whatever came back. Silence more often means busy or unsure what to say "
                     "than not caring; you might tell %s what kind of reply helps you, or ask to "
                     "talk in person.",
                     unanswered, due, who.who);
    insights_number_add(f, "shares_due", due);
    insights_number_add(f, "unanswered", unanswered);
    insights_number_add(f, "unanswered_share", (double)unanswered / due);
}

/* ==== the whole computation ============================================== */

static void insights_member_fill(const struct insights_input *in, struct insights_work *wk,
                                 struct insights_member_ctx *c, struct insights_member_result *r)
{
    int m = c->m, w = in->window;
    const struct insights_tally *t = &c->tally;
    bool any = (insights_visible_mask(in, m) & INSIGHTS_CHECKIN_ITEMS) != 0;
    r->checkins = insights_stat_of(any, t->checkins, t->checkins);
    r->closeness = insights_mean(in, m, t, INSIGHTS_ITEM_CLOSENESS);
    r->closeness_wanted = insights_mean(in, m, t, INSIGHTS_ITEM_CLOSENESS_WANTED);
    r->opened_up = insights_mean(in, m, t, INSIGHTS_ITEM_OPENED_UP);
    r->understood = insights_mean(in, m, t, INSIGHTS_ITEM_UNDERSTOOD);
    r->safety = insights_mean(in, m, t, INSIGHTS_ITEM_SAFETY);
    r->affection = insights_mean(in, m, t, INSIGHTS_ITEM_AFFECTION);
    bool sexual = in->track_sexual[m] && insights_item_visible(in, m, INSIGHTS_ITEM_SEXUAL);
    r->sexual =
        sexual ? insights_mean(in, m, t, INSIGHTS_ITEM_SEXUAL) : insights_stat_of(false, 0, 0.0);
    r->sexual_rate = insights_stat_of(sexual && t->checkins > 0, t->checkins,
                                      t->checkins ? (double)t->sexual_days / t->checkins : 0.0);
    bool wordless = insights_item_visible(in, m, INSIGHTS_ITEM_WORDLESS) && t->checkins > 0;
    r->wordless_rate = insights_stat_of(wordless, t->checkins,
                                        t->checkins ? (double)t->wordless / t->checkins : 0.0);
    bool emotions = insights_item_visible(in, m, INSIGHTS_ITEM_EMOTIONS) && t->checkins > 0;
    for (int e = 0; e < INSIGHTS_EMOTION__MAX; e++)
        r->emotion_days[e] = insights_stat_of(emotions, t->checkins, t->emotions[e]);

    c->trend_ok = false;
    if (insights_item_visible(in, m, INSIGHTS_ITEM_CLOSENESS) &&
        t->n[INSIGHTS_ITEM_CLOSENESS] >= INSIGHTS_MIN_TREND_POINTS &&
        insights_trend_of(wk, c->closeness, w, &c->slope, &c->intercept) == 0) {
        c->trend_ok = true;
        c->change = c->slope * (w - 1);
    }
    r->closeness_trend = insights_stat_of(c->trend_ok, t->n[INSIGHTS_ITEM_CLOSENESS], c->slope);
    r->quadrant = insights_quadrant_of(in, m, t);
    r->plane = insights_plane_of(in, m, t);
    bool plane = r->plane != INSIGHTS_PLANE_HIDDEN && t->plane_n > 0;
    r->plane_opened_up =
        insights_stat_of(plane, t->plane_n, plane ? (double)t->plane_open / t->plane_n : 0.0);
    r->plane_understood =
        insights_stat_of(plane, t->plane_n, plane ? (double)t->plane_understood / t->plane_n : 0.0);
}

static void insights_shares_fill(const struct insights_input *in, struct insights_result *out)
{
    long first = in->today - (in->window - 1);
    /* All shares in the window and member 1's: scalars, no counter in
     * memory indexed by author. */
    int written = 0, written1 = 0, due = 0, due1 = 0, answered = 0, answered1 = 0;
    for (size_t i = 0; i < in->share_count; i++) {
        const struct insights_share *s = &in->shares[i];
        if (s->day < first || s->day > in->today)
            continue;
        int by1 = s->author; /* 0 or 1, validated */
        /* 48 hours have surely passed, whatever the hour, three days on. */
        int old_enough = s->day <= in->today - 3;
        int in_time = old_enough & s->answered_within_48h;
        written++;
        written1 += by1;
        due += old_enough;
        due1 += old_enough & by1;
        answered += in_time;
        answered1 += in_time & by1;
    }
    /* by author: member 0's are the rest */
    const int written_by[2] = {written - written1, written1};
    const int due_by[2] = {due - due1, due1};
    const int answered_by[2] = {answered - answered1, answered1};
    for (int m = 0; m < 2; m++) {
        struct insights_member_result *r = &out->members[m];
        r->shares_written = written_by[m];
        r->shares_received_due = due_by[1 - m];
        r->shares_answered_48h = answered_by[1 - m];
        int n = r->shares_received_due;
        r->answered_rate = insights_stat_of(n > 0, n, n ? (double)r->shares_answered_48h / n : 0.0);
    }
}

int insights_compute(const struct insights_input *in, struct insights_result *out)
{
    if (!out)
        return INSIGHTS_ERR_INPUT;
    memset(out, 0, sizeof *out);
    if (!in)
        return INSIGHTS_ERR_INPUT;
    int rc = insights_validate(in);
    if (rc != INSIGHTS_OK)
        return rc;
    struct insights_work *wk = malloc(sizeof *wk);
    if (!wk)
        return INSIGHTS_ERR_NOMEM;

    out->window = in->window;
    out->today = in->today;
    out->viewer = in->viewer;
    struct insights_member_ctx ctx[2];
    for (int m = 0; m < 2; m++) {
        memset(&ctx[m], 0, sizeof ctx[m]);
        ctx[m].m = m;
        ctx[m].closeness = wk->closeness[m];
        ctx[m].flags = wk->flags[m];
        insights_mask_tally(insights_visible_mask(in, m), in->days[m], in->window, wk->closeness[m],
                            wk->flags[m], &ctx[m].tally);
        insights_member_fill(in, wk, &ctx[m], &out->members[m]);
    }
    insights_shares_fill(in, out);

    /* Fixed order: by code, then member 0, member 1. */
    for (int m = 0; m < 2; m++)
        insights_find_substitute(in, wk, &ctx[m], out);
    for (int m = 0; m < 2; m++)
        insights_find_need_gap(in, &ctx[m], out);
    for (int m = 0; m < 2; m++)
        insights_find_trend(in, &ctx[m], false, out);
    for (int m = 0; m < 2; m++)
        insights_find_trend(in, &ctx[m], true, out);
    insights_find_drift(in, ctx, out);
    insights_find_one_sided(in, out);
    for (int m = 0; m < 2; m++)
        insights_find_unanswered(in, m, out);
    insights_find_comfort_gap(in, out);
    for (int m = 0; m < 2; m++)
        insights_find_plane(in, &ctx[m], out);
    for (int m = 0; m < 2; m++)
        insights_find_low_safety(in, &ctx[m], out);
    for (int m = 0; m < 2; m++)
        insights_find_own_unanswered(in, m, out);

    free(wk);
    return INSIGHTS_OK;
}
