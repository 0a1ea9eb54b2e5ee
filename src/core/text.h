/*
 * text.h — text as the server checks and writes it: the one UTF-8 check,
 * a growable buffer, and escaping for HTML and XML. Pure: no I/O.
 *
 * Users: validate.c (plain text in requests), keys.c (the text inside an
 * entry, as the browser's fatal decoder reads it), charts.c (SVG), and
 * html_escape in floor_reply.c (pages).
 *
 * The buffer grows with realloc; text_finish hands its string to the
 * caller (free() it) and text_discard drops it. An allocation that fails
 * marks the buffer failed: later writes are ignored and text_finish gives
 * NULL, so a writer checks once, at the end.
 */
#ifndef DYAD_TEXT_H
#define DYAD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* ---- UTF-8 ----------------------------------------------------------------- */

/* Length (1–4) of the well-formed UTF-8 sequence at s, reading at most
 * avail bytes; 0 when there is none: an empty input, a continuation byte,
 * an overlong form, a surrogate, beyond U+10FFFF, or cut short. */
size_t text_utf8_len(const unsigned char *s, size_t avail);

/* len bytes of well-formed UTF-8 (any code point, NUL included). */
bool text_utf8_valid(const void *s, size_t len);

/* ---- a growable string --------------------------------------------------------- */

struct text_buf {
    char *data; /* NUL-terminated once anything was written; NULL before */
    size_t len, cap;
    bool failed; /* an allocation failed: text_finish gives NULL */
};

void text_put_n(struct text_buf *b, const char *s, size_t n);
void text_put(struct text_buf *b, const char *s);
void text_printf(struct text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as HTML or XML character data or attribute value: & < > " ' as
 * entities; control characters other than tab and newline (which XML 1.0
 * forbids and HTML calls errors) and bytes that are not UTF-8 as U+FFFD. */
void text_put_escaped(struct text_buf *b, const char *s);

/* The string written (malloc'd, the caller frees it; "" when nothing was
 * written), or NULL when an allocation failed. The buffer is empty after. */
char *text_finish(struct text_buf *b);

/* Frees what was written; the buffer is empty after. */
void text_discard(struct text_buf *b);

/* s escaped as text_put_escaped does, in the arena; NULL when out of memory. */
char *text_escape(struct arena *a, const char *s);

#endif
