/*
 * remind.c — see remind.h.
 */
#include "core/remind.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int remind_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 counting Monday as 0) */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int remind_local_to_utc(int64_t local, remind_offset_fn *zone, void *ctx, int64_t *out)
{
    /* The instant lies within a day of `local` (offsets are under 15
     * hours). The offsets a day before and a day after are those on either
     * side of any change near it; each gives a candidate instant that is
     * right when the zone really has that offset then. */
    int32_t before, after, check;
    if (zone(ctx, local - 86400, &before) != 0 || zone(ctx, local + 86400, &after) != 0)
        return -1;
    int64_t t1 = local - before, t2 = local - after;
    if (zone(ctx, t1, &check) != 0)
        return -1;
    bool ok1 = check == before;
    if (zone(ctx, t2, &check) != 0)
        return -1;
    bool ok2 = check == after;
    /* Both right: the time is shown twice, the first one counts. Only t2
     * right: that one. Otherwise t1 — right on its own, or, when neither is
     * (a time skipped by the change), read with the offset before it. */
    if (ok1 && ok2)
        *out = t1 < t2 ? t1 : t2;
    else if (ok2)
        *out = t2;
    else
        *out = t1;
    return 0;
}

int remind_next(int64_t now, unsigned days, int minute, remind_offset_fn *zone, void *ctx,
                int64_t *out)
{
    if ((days & REMIND_DAYS_ALL) == 0 || minute < 0 || minute >= 24 * 60)
        return -1;
    int32_t off;
    if (zone(ctx, now, &off) != 0)
        return -1;
    int64_t today = floor_div(now + off, 86400);
    /* today's time may have passed; a week on is the same weekday again */
    for (int64_t d = today - 1; d <= today + 7; d++) {
        if ((days & (1u << remind_weekday(d))) == 0)
            continue;
        int64_t t;
        if (remind_local_to_utc(d * 86400 + (int64_t)minute * 60, zone, ctx, &t) != 0)
            return -1;
        if (t > now) {
            *out = t;
            return 0;
        }
    }
    return -1; /* not reached for a sane zone */
}

bool remind_on_time(int64_t due_at, int64_t now)
{
    return now - due_at <= REMIND_LATE_MAX;
}

bool remind_retry(int tries, int64_t due_at, int64_t now, int64_t *next)
{
    if (tries < 1 || tries >= REMIND_TRIES_MAX)
        return false;
    int64_t wait = REMIND_RETRY_FIRST;
    for (int i = 1; i < tries && wait < REMIND_RETRY_CAP; i++)
        wait *= 2;
    if (wait > REMIND_RETRY_CAP)
        wait = REMIND_RETRY_CAP;
    if (now + wait - due_at > REMIND_GIVE_UP)
        return false;
    *next = now + wait;
    return true;
}

bool remind_measure_due(int64_t start_day, int every_days, int64_t today, int last_period)
{
    if (every_days < 1 || today < start_day)
        return false;
    int64_t period = (today - start_day) / every_days;
    return (int64_t)last_period < period;
}

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int remind_day_from_name(const char *name)
{
    for (int i = 0; i < 7; i++)
        if (strcmp(name, day_names[i]) == 0)
            return i;
    return -1;
}

const char *remind_day_name(int day)
{
    return day >= 0 && day < 7 ? day_names[day] : "";
}

int remind_time_parse(const char *s)
{
    for (int i = 0; i < 5; i++) {
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    }
    if (s[5] != '\0')
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

void remind_time_format(int minute, char out[6])
{
    if (minute < 0 || minute >= 24 * 60)
        minute = 0;
    snprintf(out, 6, "%02d:%02d", minute / 60, minute % 60);
}

bool remind_zone_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= REMIND_ZONE_MAX)
        return false;
    size_t part = 0;
    for (size_t i = 0; i <= n; i++) {
        char ch = name[i];
        if (ch == '/' || ch == '\0') {
            if (part == 0)
                return false; /* empty part, leading or trailing "/" */
            part = 0;
            continue;
        }
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-';
        if (!ok)
            return false; /* no ".", so no ".." either */
        part++;
    }
    return true;
}
