/*
 * text.c — see text.h.
 */
#include "core/text.h"

#include <assert.h>
#include <stdarg.h> /* va_list, for text_printf */
#include <stdio.h>  /* vsnprintf */
#include <stdlib.h> /* realloc, free */
#include <string.h> /* strlen, memcpy */

#include "core/arena.h"

/* ---- UTF-8 ----------------------------------------------------------------- */

size_t text_utf8_len(const unsigned char *s, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || n > avail)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (c == 0xED && s[1] >= 0xA0)
        return 0; /* surrogate */
    if (c == 0xF0 && s[1] < 0x90)
        return 0; /* overlong */
    if (c == 0xF4 && s[1] >= 0x90)
        return 0; /* beyond U+10FFFF */
    return n;
}

bool text_utf8_valid(const void *s, size_t len)
{
    const unsigned char *p = s;
    size_t i = 0;
    while (i < len) {
        size_t n = text_utf8_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* ---- a growable string --------------------------------------------------------- */

static void text_reserve(struct text_buf *b, size_t more)
{
    if (b->failed || (b->data != NULL && b->len + more < b->cap))
        return;
    if (more > ((size_t)-1) / 4 - b->len) {
        b->failed = true;
        return;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap <= b->len + more)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return;
    }
    b->data = p;
    b->cap = cap;
}

void text_put_n(struct text_buf *b, const char *s, size_t n)
{
    text_reserve(b, n);
    if (b->failed)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    assert(b->len < b->cap);
}

void text_put(struct text_buf *b, const char *s)
{
    text_put_n(b, s, strlen(s));
}

void text_printf(struct text_buf *b, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    text_reserve(b, 128);
    int n = b->failed ? -1 : vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) { /* did not fit: grow, write again */
        text_reserve(b, (size_t)n);
        n = b->failed ? -1 : vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
    }
    va_end(again);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    b->len += (size_t)n;
    assert(b->len < b->cap);
}

void text_put_escaped(struct text_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        const char *entity = NULL;
        switch (*p) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            break;
        }
        if (entity != NULL) {
            text_put(b, entity);
            p++, left--;
            continue;
        }
        size_t n = text_utf8_len(p, left);
        bool control = (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F ||
                       (n == 2 && p[0] == 0xC2 && p[1] < 0xA0); /* C1 */
        if (n == 0 || control) {
            text_put(b, "\xEF\xBF\xBD"); /* U+FFFD */
            n = n ? n : 1;
        } else {
            text_put_n(b, (const char *)p, n);
        }
        p += n, left -= n;
    }
}

char *text_finish(struct text_buf *b)
{
    char *s = b->failed ? NULL : b->data;
    if (b->failed)
        free(b->data);
    else if (s == NULL)
        s = calloc(1, 1);
    *b = (struct text_buf){0};
    return s;
}

void text_discard(struct text_buf *b)
{
    free(b->data);
    *b = (struct text_buf){0};
}

char *text_escape(struct arena *a, const char *s)
{
    struct text_buf b = {0};
    text_put_escaped(&b, s);
    char *out = b.failed ? NULL : arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    text_discard(&b);
    return out;
}
