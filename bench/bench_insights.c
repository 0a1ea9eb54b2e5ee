/*
 * bench_insights.c — how long insights_compute takes for one dyad over the
 * longest window (365 days), next to a reference measured in the same run:
 * one plain pass summing the same arrays, which is the least any engine
 * must do. The ratio says how much the engine costs beyond reading its
 * input, whatever the machine. Target (docs/insights.md): <= 50 us.
 *
 * Then ten years of daily data for one dyad, as the server computes it:
 * each member's baseline from totals (the history's, summed once — as the
 * database sums them — plus the window's days, counted here) and the engine
 * over the window, so the time depends on the window and not on how many
 * years lie behind it.
 *
 * Prints lines "name value" for build/bench.txt; asserts nothing on timing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/insights.h"

/* Many short rounds rather than a few long ones (the same 14,000 calls):
 * a round of 100 calls at 365 days takes about 4 ms, under a scheduler
 * time slice, so on a shared, loaded machine some rounds run undisturbed
 * and the best of them is the engine's own cost. Rounds of 2,000 calls
 * (about 100 ms) were nearly always shared with other processes there, and
 * their best measured the load as much as the code (the same build read
 * 42-87 us from one run to the next). */
enum { REPS = 100, ROUNDS = 140 };

static uint32_t bench_rng(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static int bench_clamp(int v)
{
    return v < 0 ? 0 : v > 10 ? 10 : v;
}

/* A year of a dyad that is not simple: one warms up, one cools, both skip
 * days, sex on about one day in four, everything answered. */
static void bench_fill(struct insights_day days[2][INSIGHTS_WINDOW_MAX], int w,
                       struct insights_share *shares, size_t nshares, uint32_t *seed)
{
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < w; i++) {
            struct insights_day *d = &days[m][i];
            d->present = bench_rng(seed) % 10 != 0;
            int trend = m == 0 ? 3 + 5 * i / w : 8 - 4 * i / w;
            int noise = (int)(bench_rng(seed) % 3) - 1;
            d->closeness = (int8_t)bench_clamp(trend + noise);
            d->closeness_wanted = (int8_t)bench_clamp(trend + 2);
            d->opened_up = (int8_t)(bench_rng(seed) % 11);
            d->understood = (int8_t)(bench_rng(seed) % 11);
            d->safety = (int8_t)(bench_rng(seed) % 11);
            d->affection = (int8_t)(bench_rng(seed) % 11);
            d->sexual = (int8_t)(bench_rng(seed) % 4 == 0 ? 1 + bench_rng(seed) % 10 : 0);
            d->emotions = (uint8_t)bench_rng(seed);
            d->wordless = bench_rng(seed) % 5 == 0;
        }
    for (size_t i = 0; i < nshares; i++) {
        shares[i].day = 20000 - (long)(bench_rng(seed) % (uint32_t)w);
        shares[i].author = (int)(bench_rng(seed) % 3 == 0);
        shares[i].topic = (int)(bench_rng(seed) % PROMPTS_TOPIC__MAX);
        shares[i].depth = 1 + (int)(bench_rng(seed) % 5);
        shares[i].answered_within_48h = bench_rng(seed) % 4 != 0;
    }
}

static double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The reference: every score of both members summed once. */
static long bench_reference(const struct insights_day days[2][INSIGHTS_WINDOW_MAX], int w)
{
    long sum = 0;
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < w; i++) {
            const struct insights_day *d = &days[m][i];
            if (d->present)
                sum += d->closeness + d->closeness_wanted + d->opened_up + d->understood +
                       d->safety + d->affection + d->sexual + d->wordless;
        }
    return sum;
}

/* Best of ROUNDS of the mean over REPS calls: the least disturbed figure. */
static void bench_window(int w)
{
    static struct insights_day days[2][INSIGHTS_WINDOW_MAX];
    static struct insights_share shares[400];
    static struct insights_result out;
    uint32_t seed = 0x5eed;
    bench_fill(days, w, shares, sizeof shares / sizeof shares[0], &seed);

    struct insights_input in = {
        .window = w,
        .today = 20000,
        .viewer = INSIGHTS_VIEWER_THERAPIST,
        .days = {days[0], days[1]},
        .track_sexual = {true, true},
        .visible = {INSIGHTS_ITEMS_ALL, INSIGHTS_ITEMS_ALL},
        .shares = shares,
        .share_count = sizeof shares / sizeof shares[0],
    };
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        in.comfort[0][t] = (uint8_t)(1 + t % 5);
        in.comfort[1][t] = (uint8_t)(5 - t % 5);
    }

    double best = 1e30, best_ref = 1e30;
    volatile long sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now_us();
        for (int i = 0; i < REPS; i++) {
            if (insights_compute(&in, &out) != INSIGHTS_OK) {
                fprintf(stderr, "bench_insights: insights_compute failed\n");
                exit(1);
            }
            sink += out.finding_count;
        }
        double t1 = bench_now_us();
        for (int i = 0; i < REPS * 10; i++) {
            days[0][i % w].understood = (int8_t)(i & 7); /* defeats hoisting the loop out */
            sink += bench_reference((const struct insights_day(*)[INSIGHTS_WINDOW_MAX])days, w);
        }
        double t2 = bench_now_us();
        double us = (t1 - t0) / REPS, ref = (t2 - t1) / (REPS * 10);
        best = us < best ? us : best;
        best_ref = ref < best_ref ? ref : best_ref;
    }
    printf("insights_%dd_us %.2f\n", w, best);
    printf("insights_%dd_reference_sum_us %.3f\n", w, best_ref);
    printf("insights_%dd_ratio %.1f\n", w, best / best_ref);
    printf("insights_%dd_findings %d\n", w, out.finding_count);
}

enum { YEARS10 = 3653 };

/* Ten years of both members' days, the window the last w of them: the
 * baselines from totals (the years before the window summed once, outside
 * the timing) and insights_compute, best of ROUNDS of the mean of REPS. */
static void bench_years(int w)
{
    static struct insights_day years[2][YEARS10];
    static struct insights_day chunk[2][INSIGHTS_WINDOW_MAX];
    static struct insights_share shares[400];
    static struct insights_result out;
    uint32_t seed = 0x10ea5;
    for (int at = 0; at < YEARS10; at += INSIGHTS_WINDOW_MAX) {
        int n = YEARS10 - at < INSIGHTS_WINDOW_MAX ? YEARS10 - at : INSIGHTS_WINDOW_MAX;
        bench_fill(chunk, INSIGHTS_WINDOW_MAX, shares, sizeof shares / sizeof shares[0], &seed);
        for (int m = 0; m < 2; m++)
            for (int i = 0; i < n; i++)
                years[m][at + i] = chunk[m][i];
    }
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++)
        shares[i].day = 20000 - (long)(i % (size_t)w);
    struct insights_input in = {
        .window = w,
        .today = 20000,
        .viewer = INSIGHTS_VIEWER_THERAPIST,
        .days = {years[0] + YEARS10 - w, years[1] + YEARS10 - w},
        .track_sexual = {true, true},
        .visible = {INSIGHTS_ITEMS_ALL, INSIGHTS_ITEMS_ALL},
        .shares = shares,
        .share_count = sizeof shares / sizeof shares[0],
    };
    /* the year before the window, summed once as the database would */
    struct insights_baseline_totals before[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
    for (int m = 0; m < 2; m++)
        for (int i = YEARS10 - w - 365; i < YEARS10 - w; i++)
            insights_baseline_count(&in, m, &years[m][i], &before[m]);

    double best = 1e30;
    volatile long sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = bench_now_us();
        for (int k = 0; k < REPS; k++) {
            for (int m = 0; m < 2; m++) {
                struct insights_baseline_totals t = before[m];
                for (int i = 0; i < w; i++)
                    insights_baseline_count(&in, m, &in.days[m][i], &t);
                in.baseline[m] = insights_baseline_from_totals(&t);
            }
            if (insights_compute(&in, &out) != INSIGHTS_OK) {
                fprintf(stderr, "bench_insights: insights_compute failed (10 years)\n");
                exit(1);
            }
            sink += out.finding_count;
        }
        double us = (bench_now_us() - t0) / REPS;
        best = us < best ? us : best;
    }
    printf("insights_10y_%dd_us %.2f\n", w, best);
    printf("insights_10y_%dd_findings %d\n", w, out.finding_count);
}

int main(void)
{
    bench_window(INSIGHTS_WINDOW_MAX);
    bench_window(INSIGHTS_WINDOW_DEFAULT);
    bench_years(INSIGHTS_WINDOW_MAX);
    bench_years(INSIGHTS_WINDOW_DEFAULT);
    return 0;
}
