/*
 * remind.h — the arithmetic of reminders: when a person's next reminder
 * falls (chosen weekdays, a local time, their time zone), what happens
 * across daylight-saving changes, how long a failed send waits before the
 * next try, whether a questionnaire is waiting, and the checks on what a
 * person asks for (weekday names, "HH:MM", a time zone's name).
 *
 * Pure: no I/O and no clock. The time zone arrives as a function that gives
 * the zone's offset from UTC at an instant (src/notify/zone.c answers it
 * from the system's tz database; tests/unit/test_remind.c from hand-made
 * zones), so the rules below are tested against hand-computed cases.
 *
 * The rules (docs/users.md#reminders says them in words):
 *   - a reminder falls on each chosen weekday at the chosen local time;
 *   - a local time that does not exist that day (the hour skipped when
 *     clocks go forward) is read with the offset before the change, so
 *     02:30 on a night that jumps from 02:00 to 03:00 falls at 03:30;
 *   - a local time that happens twice (clocks go back) falls the first time;
 *   - a reminder more than REMIND_LATE_MAX seconds late (the server was
 *     down) is skipped, never sent hours later;
 *   - a send that failed is tried again after 1, 2, 4, … minutes, at most an
 *     hour apart, REMIND_TRIES_MAX times in all and never more than
 *     REMIND_GIVE_UP seconds after it was due.
 */
#ifndef DYAD_REMIND_H
#define DYAD_REMIND_H

#include <stdbool.h>
#include <stdint.h>

enum {
    REMIND_DAYS_ALL = 0x7f,     /* bit 0 Monday … bit 6 Sunday */
    REMIND_LATE_MAX = 2 * 3600, /* a reminder later than this is skipped */
    REMIND_TRIES_MAX = 8,       /* sends of one reminder in all */
    REMIND_GIVE_UP = 12 * 3600, /* no try later than this after it was due */
    REMIND_RETRY_FIRST = 60,    /* the wait after the first failure */
    REMIND_RETRY_CAP = 3600,    /* never a longer wait */
    REMIND_ZONE_MAX = 64,       /* bytes of a zone name, NUL included */
};

/* The zone's offset from UTC in seconds (east positive) at the instant utc;
 * 0, or -1 when it cannot be told. */
typedef int remind_offset_fn(void *ctx, int64_t utc, int32_t *offset);

/* The instant (Unix seconds) at which a clock in the zone shows `local`
 * (seconds since 1970-01-01 00:00 of that clock), by the rules above for a
 * time skipped or repeated. 0, or -1 when the zone cannot be read. */
int remind_local_to_utc(int64_t local, remind_offset_fn *zone, void *ctx, int64_t *out);

/* The first reminder strictly after `now` for weekdays `days` (a mask as
 * REMIND_DAYS_ALL) at `minute` minutes after local midnight. 0, or -1 when
 * days is empty, minute is outside 0-1439 or the zone cannot be read. */
int remind_next(int64_t now, unsigned days, int minute, remind_offset_fn *zone, void *ctx,
                int64_t *out);

/* The weekday (0 Monday … 6 Sunday) of a day counted from 1970-01-01. */
int remind_weekday(int64_t day);

/* Whether a reminder due at due_at is still worth sending at now. */
bool remind_on_time(int64_t due_at, int64_t now);

/* After the `tries`-th failed send (1, 2, …) of a reminder due at due_at,
 * at now: true and the time of the next try in *next, or false when it is
 * given up. */
bool remind_retry(int tries, int64_t due_at, int64_t now, int64_t *next);

/* Whether a questionnaire is waiting: one running from day start_day (days
 * since 1970-01-01), due every every_days, on day today, for a person whose
 * latest answered period is last_period (-1: none). Period n covers the
 * days start_day + n*every_days onwards. */
bool remind_measure_due(int64_t start_day, int every_days, int64_t today, int last_period);

/* ---- what a person asks for ---------------------------------------------- */

/* "mon" … "sun" → 0 … 6; -1 for anything else. */
int remind_day_from_name(const char *name);
/* 0 … 6 → "mon" … "sun". */
const char *remind_day_name(int day);

/* "HH:MM" (two digits each, 00:00-23:59) → minutes after midnight; -1 if
 * malformed. */
int remind_time_parse(const char *s);
/* minutes after midnight → "HH:MM" (out has room for 6). */
void remind_time_format(int minute, char out[6]);

/* Whether name can be an IANA time-zone name ("Europe/Berlin", "UTC",
 * "America/Argentina/Buenos_Aires", "Etc/GMT+5"): letters, digits and
 * "/_+-" (no "."), no empty part, no leading or trailing "/", shorter
 * than REMIND_ZONE_MAX. Whether the zone exists is the tz database's
 * business (src/notify/zone.c). */
bool remind_zone_name_ok(const char *name);

#endif
