/*
 * test_remind.c — the pure reminder arithmetic of src/core/remind.c against
 * hand-computed cases: hand-made zones (a fixed offset, New York's 2026
 * changes on 8 March and 1 November, Kathmandu's +05:45), the hour skipped
 * and the hour repeated, the retry waits and when they stop, the checks on
 * what a person asks for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/remind.h"

/* 2026-03-08 07:00 UTC (02:00 EST → 03:00 EDT) and 2026-11-01 06:00 UTC
 * (02:00 EDT → 01:00 EST) */
enum { NY_SPRING = 1772953200, NY_FALL = 1793512800 };

static int new_york(void *ctx, int64_t utc, int32_t *offset)
{
    (void)ctx;
    *offset = utc >= NY_SPRING && utc < NY_FALL ? -4 * 3600 : -5 * 3600;
    return 0;
}

static int fixed(void *ctx, int64_t utc, int32_t *offset)
{
    (void)utc;
    *offset = *(const int32_t *)ctx;
    return 0;
}

static int broken(void *ctx, int64_t utc, int32_t *offset)
{
    (void)ctx;
    (void)utc;
    (void)offset;
    return -1;
}

#define DAY(d) (1u << (d)) /* 0 Monday … 6 Sunday */

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(remind_weekday(0), 3);     /* 1970-01-01, a Thursday */
    assert_int_equal(remind_weekday(4), 0);     /* 1970-01-05, a Monday */
    assert_int_equal(remind_weekday(-1), 2);    /* 1969-12-31, a Wednesday */
    assert_int_equal(remind_weekday(20790), 3); /* 2026-12-03, a Thursday */
}

static void test_next_utc(void **state)
{
    (void)state;
    int32_t utc = 0;
    int64_t now = 1796295600, t; /* Thursday 2026-12-03 11:00 UTC */
    /* Thursday 08:00 has passed: a week on */
    assert_int_equal(remind_next(now, DAY(3), 8 * 60, fixed, &utc, &t), 0);
    assert_int_equal(t, 1796889600); /* 2026-12-10 08:00 */
    /* Thursday 12:00 is still to come today */
    assert_int_equal(remind_next(now, DAY(3), 12 * 60, fixed, &utc, &t), 0);
    assert_int_equal(t, 1796299200);
    /* 11:00 itself is not after now: strictly later only */
    assert_int_equal(remind_next(now, DAY(3), 11 * 60, fixed, &utc, &t), 0);
    assert_int_equal(t, 1796295600 + 7 * 86400);
    /* every day at 00:00: tomorrow */
    assert_int_equal(remind_next(now, REMIND_DAYS_ALL, 0, fixed, &utc, &t), 0);
    assert_int_equal(t, 1796256000 + 86400);
}

static void test_next_refuses(void **state)
{
    (void)state;
    int32_t utc = 0;
    int64_t t;
    assert_int_equal(remind_next(0, 0, 60, fixed, &utc, &t), -1);        /* no day */
    assert_int_equal(remind_next(0, DAY(1), -1, fixed, &utc, &t), -1);   /* no minute */
    assert_int_equal(remind_next(0, DAY(1), 1440, fixed, &utc, &t), -1); /* past midnight */
    assert_int_equal(remind_next(0, DAY(1), 60, broken, NULL, &t), -1);  /* no zone */
}

static void test_next_half_hour_zone(void **state)
{
    (void)state;
    int32_t kathmandu = 5 * 3600 + 45 * 60;
    int64_t t;
    /* Monday 00:10 in Kathmandu, asked on Thursday 2026-12-03 11:00 UTC:
     * Monday 2026-12-07 00:10 +05:45 = Sunday 2026-12-06 18:25 UTC */
    assert_int_equal(remind_next(1796295600, DAY(0), 10, fixed, &kathmandu, &t), 0);
    assert_int_equal(t, 1796581500);
}

static void test_next_dst_daily(void **state)
{
    (void)state;
    int64_t t;
    /* every day at 08:00 in New York: Saturday 2026-03-07 08:00 EST is
     * 13:00 UTC; the next, Sunday 08:00 EDT, is 12:00 UTC: 23 hours on */
    assert_int_equal(remind_next(1772888400 - 1, REMIND_DAYS_ALL, 8 * 60, new_york, NULL, &t), 0);
    assert_int_equal(t, 1772888400);
    assert_int_equal(remind_next(1772888400, REMIND_DAYS_ALL, 8 * 60, new_york, NULL, &t), 0);
    assert_int_equal(t, 1772971200);
}

static void test_next_skipped_hour(void **state)
{
    (void)state;
    int64_t t;
    /* Sunday 02:30 on 2026-03-08 does not exist in New York: read with the
     * offset before (EST), 07:30 UTC, which the clocks show as 03:30 EDT */
    assert_int_equal(remind_next(1772884800, DAY(6), 2 * 60 + 30, new_york, NULL, &t), 0);
    assert_int_equal(t, 1772955000);
    int64_t local_then = 1772955000 - 4 * 3600; /* 03:30 on the wall */
    assert_int_equal(local_then % 86400, 3 * 3600 + 30 * 60);
}

static void test_next_repeated_hour(void **state)
{
    (void)state;
    int64_t t;
    /* Sunday 01:30 on 2026-11-01 happens twice (05:30 UTC in EDT, 06:30 UTC
     * in EST): the first time */
    assert_int_equal(remind_next(1793448000, DAY(6), 90, new_york, NULL, &t), 0);
    assert_int_equal(t, 1793511000);
    /* asked between the two: not again the same night, a week on (EST) */
    assert_int_equal(remind_next(1793511000, DAY(6), 90, new_york, NULL, &t), 0);
    assert_int_equal(t, 1793511000 + 3600 + 7 * 86400);
}

static void test_local_to_utc(void **state)
{
    (void)state;
    int64_t t;
    /* an ordinary winter time: 2026-12-03 08:00 EST = 13:00 UTC */
    assert_int_equal(remind_local_to_utc(1796256000 + 8 * 3600, new_york, NULL, &t), 0);
    assert_int_equal(t, 1796256000 + 13 * 3600);
    assert_int_equal(remind_local_to_utc(0, broken, NULL, &t), -1);
}

static void test_on_time(void **state)
{
    (void)state;
    assert_true(remind_on_time(1000, 1000));
    assert_true(remind_on_time(1000, 1000 + 7200));
    assert_false(remind_on_time(1000, 1000 + 7201));
}

static void test_retry(void **state)
{
    (void)state;
    int64_t now = 50000, due = 50000, next = 0;
    /* 1, 2, 4, 8, 16, 32 minutes, then the hour's cap */
    const int64_t waits[] = {60, 120, 240, 480, 960, 1920, 3600};
    for (int tries = 1; tries <= 7; tries++) {
        assert_true(remind_retry(tries, due, now, &next));
        assert_int_equal(next - now, waits[tries - 1]);
    }
    /* the 8th failure is the last send */
    assert_false(remind_retry(8, due, now, &next));
    assert_false(remind_retry(0, due, now, &next));
    /* never a try more than 12 hours after it was due */
    assert_true(remind_retry(1, now - 12 * 3600 + 60, now, &next));
    assert_false(remind_retry(1, now - 12 * 3600 + 59, now, &next));
}

static void test_measure_due(void **state)
{
    (void)state;
    assert_false(remind_measure_due(100, 7, 99, -1)); /* not started */
    assert_true(remind_measure_due(100, 7, 100, -1)); /* first period, no answer */
    assert_false(remind_measure_due(100, 7, 106, 0)); /* answered this period */
    assert_true(remind_measure_due(100, 7, 107, 0));  /* a new period */
    assert_false(remind_measure_due(100, 0, 107, -1));
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(remind_day_from_name("mon"), 0);
    assert_int_equal(remind_day_from_name("sun"), 6);
    assert_int_equal(remind_day_from_name("Mon"), -1);
    assert_int_equal(remind_day_from_name(""), -1);
    assert_string_equal(remind_day_name(3), "thu");
    assert_string_equal(remind_day_name(7), "");
    assert_int_equal(remind_time_parse("00:00"), 0);
    assert_int_equal(remind_time_parse("08:30"), 510);
    assert_int_equal(remind_time_parse("23:59"), 1439);
    assert_int_equal(remind_time_parse("24:00"), -1);
    assert_int_equal(remind_time_parse("8:30"), -1);
    assert_int_equal(remind_time_parse("08:60"), -1);
    assert_int_equal(remind_time_parse("08:30:00"), -1);
    assert_int_equal(remind_time_parse("0830"), -1);
    char out[6];
    remind_time_format(510, out);
    assert_string_equal(out, "08:30");
    remind_time_format(1439, out);
    assert_string_equal(out, "23:59");
}

static void test_zone_names(void **state)
{
    (void)state;
    assert_true(remind_zone_name_ok("UTC"));
    assert_true(remind_zone_name_ok("Europe/Berlin"));
    assert_true(remind_zone_name_ok("America/Argentina/Buenos_Aires"));
    assert_true(remind_zone_name_ok("Etc/GMT+5"));
    assert_true(remind_zone_name_ok("America/Port-au-Prince"));
    assert_false(remind_zone_name_ok(""));
    assert_false(remind_zone_name_ok("/etc/passwd"));
    assert_false(remind_zone_name_ok("../../etc/passwd"));
    assert_false(remind_zone_name_ok("Europe/../x"));
    assert_false(remind_zone_name_ok("Europe/"));
    assert_false(remind_zone_name_ok("Europe//Berlin"));
    assert_false(remind_zone_name_ok("Europe/Berlin\n"));
    assert_false(remind_zone_name_ok("Europe Berlin"));
    char longname[80];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(remind_zone_name_ok(longname));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_next_utc),
        cmocka_unit_test(test_next_refuses),
        cmocka_unit_test(test_next_half_hour_zone),
        cmocka_unit_test(test_next_dst_daily),
        cmocka_unit_test(test_next_skipped_hour),
        cmocka_unit_test(test_next_repeated_hour),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_on_time),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_measure_due),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_zone_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
