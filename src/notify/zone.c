/*
 * zone.c — time zones from the system's tz database (Debian's tzdata).
 *
 * The C library has no per-call time zone: localtime_r reads the zone that
 * TZ named at the last tzset. So this file is the only code in dyad that
 * uses local time, and it does so under one mutex: set TZ to the zone
 * asked for, tzset, localtime_r, read tm_gmtoff, all before the mutex is
 * released. Everything else in dyad works in UTC (gmtime_r, timegm) and
 * never calls localtime, mktime or tzset; nor do the libraries dyad uses
 * on its request paths (libmicrohttpd, SQLite without 'localtime', libpq,
 * libcurl, OpenSSL format times with gmtime_r).
 *
 * setenv while other threads may call getenv (libcurl and libpq read a few
 * variables): cmd_serve sets TZ once before any thread exists, so every
 * later setenv replaces the value of a variable that is already there —
 * glibc then swaps one pointer in the environment array and never frees
 * the old string, so a concurrent getenv sees the old value or the new one,
 * never freed memory. No variable is ever added or removed after start.
 *
 * The tz files are read, never parsed here: glibc's tzset reads them.
 * zone_exists only checks that the name is a TZif file, because glibc
 * silently falls back to UTC for a name it cannot read.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/remind.h"
#include "notify/notify.h"

#define ZONEINFO "/usr/share/zoneinfo"

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static char zone_current[REMIND_ZONE_MAX]; /* what TZ holds now ("" before the first use) */

bool zone_exists(const char *name)
{
    if (!remind_zone_name_ok(name))
        return false;
    char path[sizeof ZONEINFO + REMIND_ZONE_MAX + 1];
    snprintf(path, sizeof path, "%s/%s", ZONEINFO, name);
    /* the name has no "." part (remind_zone_name_ok), so it stays under
     * ZONEINFO; links there (UTC, Asia/Calcutta) are the database's own */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char magic[4];
    ssize_t got = read(fd, magic, sizeof magic);
    close(fd);
    return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

int zone_offset(void *ctx, int64_t utc, int32_t *offset)
{
    const char *name = ctx;
    if (!remind_zone_name_ok(name))
        return -1;
    time_t t = (time_t)utc;
    struct tm tm;
    pthread_mutex_lock(&zone_lock);
    if (strcmp(zone_current, name) != 0) {
        /* ":" makes glibc read the name as a file under its zone directory,
         * never as a POSIX rule like "EST5EDT" */
        char tz[REMIND_ZONE_MAX + 2];
        snprintf(tz, sizeof tz, ":%s", name);
        setenv("TZ", tz, 1);
        tzset();
        snprintf(zone_current, sizeof zone_current, "%s", name);
    }
    struct tm *ok = localtime_r(&t, &tm);
    pthread_mutex_unlock(&zone_lock);
    if (ok == NULL)
        return -1;
    *offset = (int32_t)tm.tm_gmtoff;
    return 0;
}
