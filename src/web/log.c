/*
 * log.c — see log.h.
 */
#include "web/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_format fmt_ = LOG_PLAIN;
static enum log_level level_ = LOG_INFO;
static bool requests_ = true;
static pthread_t flusher;
static atomic_bool running;
static char stderr_buf[64 * 1024];

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i <= LOG_DEBUG; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    return -1;
}

int log_format_parse(const char *s, enum log_format *out)
{
    if (strcmp(s, "plain") == 0)
        *out = LOG_PLAIN;
    else if (strcmp(s, "json") == 0)
        *out = LOG_JSON;
    else
        return -1;
    return 0;
}

static void *flush_loop(void *arg)
{
    (void)arg;
    while (atomic_load(&running)) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        for (int i = 0; i < 4 && atomic_load(&running); i++)
            nanosleep(&ts, NULL);
        fflush(stderr);
    }
    return NULL;
}

void log_setup(enum log_format format, enum log_level level, bool requests)
{
    fmt_ = format;
    level_ = level;
    requests_ = requests;
    fflush(stderr);
    setvbuf(stderr, stderr_buf, _IOFBF, sizeof stderr_buf);
    atomic_store(&running, true);
    if (pthread_create(&flusher, NULL, flush_loop, NULL) != 0) {
        atomic_store(&running, false);
        setvbuf(stderr, NULL, _IONBF, 0);
    }
}

void log_stop(void)
{
    if (atomic_exchange(&running, false))
        pthread_join(flusher, NULL);
    fflush(stderr);
}

bool log_requests_on(void)
{
    return requests_ && level_ >= LOG_INFO;
}

size_t log_escape(const char *in, size_t inlen, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < inlen; i++) {
        unsigned char ch = (unsigned char)in[i];
        char rep[5];
        size_t n;
        if (ch == '\\') {
            rep[0] = rep[1] = '\\';
            n = 2;
        } else if (ch >= 0x20 && ch < 0x7f) {
            rep[0] = (char)ch;
            n = 1;
        } else {
            rep[0] = '\\';
            rep[1] = 'x';
            rep[2] = hex[ch >> 4];
            rep[3] = hex[ch & 15];
            n = 4;
        }
        if (o + n >= outlen)
            break;
        memcpy(out + o, rep, n);
        o += n;
    }
    out[o] = '\0';
    return o;
}

/* The current second in ISO 8601, formatted once a second per thread
 * (gmtime_r and strftime were a tenth of a request line's cost). */
static void timestamp(char out[32])
{
    static _Thread_local time_t last = -1;
    static _Thread_local char text[32];
    time_t t = time(NULL);
    if (t != last) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = t;
    }
    memcpy(out, text, sizeof text);
}

/* Writes one line; obj's members are already escaped text. */
static void emit(enum log_level level, json_t *obj, const char *plain)
{
    char ts[32];
    timestamp(ts);
    if (fmt_ == LOG_JSON) {
        json_t *line = json_pack("{s:s, s:s}", "time", ts, "level", level_names[level]);
        json_object_update(line, obj);
        char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
        json_decref(line);
        if (text != NULL) {
            fprintf(stderr, "%s\n", text);
            free(text);
        }
    } else {
        fprintf(stderr, "%s %s %s\n", ts, level_names[level], plain);
    }
    json_decref(obj);
    if (level <= LOG_WARN)
        fflush(stderr);
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if (level > level_)
        return;
    char raw[1024], msg[4096], ev[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
    while (len > 0 && raw[len - 1] == '\n')
        len--;
    log_escape(raw, len, msg, sizeof msg);
    log_escape(event, strlen(event), ev, sizeof ev);
    json_t *obj = json_pack("{s:s, s:s}", "event", ev, "message", msg);
    char plain[4200];
    snprintf(plain, sizeof plain, "%s %s", ev, msg);
    emit(level, obj, plain);
}

/* Appends s to out (of size cap) at n, as far as it fits; the new length.
 * The line is written with its length, never read as a string. */
static size_t put(char *out, size_t cap, size_t n, const char *s)
{
    size_t len = strnlen(s, cap - n);
    memcpy(out + n, s, len);
    return n + len;
}

/* Appends v >= 0 in decimal. */
static size_t put_long(char *out, size_t cap, size_t n, long v)
{
    char digits[24];
    size_t d = sizeof digits;
    digits[--d] = '\0';
    do {
        digits[--d] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && d > 0);
    return put(out, cap, n, digits + d);
}

void log_request(const char *method, const char *route, int status, double ms)
{
    if (!log_requests_on())
        return;
    char m[64], r[512];
    log_escape(method, strlen(method), m, sizeof m);
    log_escape(route, strlen(route), r, sizeof r);
    if (fmt_ == LOG_PLAIN) {
        /* the line emit would write, put together by hand: the JSON object
         * and printf's number formatting were most of a request line */
        char line[700], ts[32];
        timestamp(ts);
        long tenths = ms > 0 ? (long)(ms * 10.0 + 0.5) : 0;
        size_t n = 0;
        n = put(line, sizeof line, n, ts);
        n = put(line, sizeof line, n, " info request ");
        n = put(line, sizeof line, n, m);
        n = put(line, sizeof line, n, " ");
        n = put(line, sizeof line, n, r);
        n = put(line, sizeof line, n, " ");
        n = put_long(line, sizeof line, n, status);
        n = put(line, sizeof line, n, " ");
        n = put_long(line, sizeof line, n, tenths / 10);
        n = put(line, sizeof line, n, ".");
        n = put_long(line, sizeof line, n, tenths % 10);
        n = put(line, sizeof line, n, "ms\n");
        fwrite(line, 1, n, stderr);
        return;
    }
    json_t *obj = json_pack("{s:s, s:s, s:s, s:i, s:f}", "event", "request", "method", m, "route",
                            r, "status", status, "ms", ms);
    char plain[700];
    snprintf(plain, sizeof plain, "request %s %s %d %.1fms", m, r, status, ms);
    emit(LOG_INFO, obj, plain);
}
