/*
 * log.h — dyad's log: one line per event, to stderr (journald takes it from
 * there), plain text or JSON lines, with a level, every byte escaped.
 *
 * Escaping (log_escape, pure): printable ASCII is written as it is, except
 * the backslash, which is doubled; every other byte — control bytes,
 * DEL, bytes of 0x80 and above — is written as \xHH. A line therefore holds
 * no raw control byte and no invalid UTF-8, whatever a client sent. JSON
 * lines are built with jansson from the escaped text.
 *
 * Lines are buffered (stdio, 64 KiB) and flushed at least every second by
 * a thread, at once for warnings and errors, and at exit: not one write per
 * request. docs/operators.md#logs documents the format.
 */
#ifndef DYAD_LOG_H
#define DYAD_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_PLAIN = 0, LOG_JSON };

/* "error" | "warn" | "info" | "debug"; "plain" | "json". 0, or -1. */
int log_level_parse(const char *s, enum log_level *out);
int log_format_parse(const char *s, enum log_format *out);

/* Sets the format, the level and whether each request gets a line (at
 * level info), and starts buffering with a flushing thread. Without it:
 * plain, info, requests on, unbuffered. */
void log_setup(enum log_format format, enum log_level level, bool requests);

/* Flushes and stops the flushing thread. */
void log_stop(void);

/* Whether a request line would be written. */
bool log_requests_on(void);

/* Escapes in[0..inlen) into out (NUL-terminated, cut short to fit outlen);
 * returns the length written. */
size_t log_escape(const char *in, size_t inlen, char *out, size_t outlen);

/* An event: a short fixed name ("start", "stop", "http", …) and a message,
 * escaped. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One request: method (escaped), route pattern or "-", status, time. Never
 * the path, the query, a header, a body or an address. */
void log_request(const char *method, const char *route, int status, double ms);

#endif
