/*
 * fuzz_cookie.c — http_cookie() on arbitrary Cookie headers, one or several,
 * among other headers.
 *
 * Input: lines (LF-separated). The first line is the cookie name to look up
 * (empty: "dyad_session"). Each further line is one request header: a Cookie
 * header whose value is the line, except that a line starting with '!' is a
 * header of another name ("X-Cookie") and one starting with '^' a Cookie
 * header spelt "COOKIE" (names are case-insensitive). At most 16 headers.
 *
 * Checks: the result agrees with a reference written from the header's
 * comment and RFC 6265's shape (pairs split on ';', leading spaces dropped,
 * the first pair named exactly `name` in the first Cookie header that has
 * one, its value with trailing spaces dropped); a result is a NUL-terminated
 * copy in the arena (ASan checks the reads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "web/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_HEADERS = 16 };

/* The reference: the value of `name` in one header value, malloc'd, or NULL. */
static char *reference_in(const char *value, const char *name)
{
    size_t nlen = strlen(name);
    const char *seg = value;
    for (;;) {
        const char *semi = strchr(seg, ';');
        size_t slen = semi != NULL ? (size_t)(semi - seg) : strlen(seg);
        const char *p = seg;
        while (p < seg + slen && *p == ' ')
            p++;
        size_t plen = slen - (size_t)(p - seg);
        if (plen > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = plen - nlen - 1;
            while (vlen > 0 && p[nlen + 1 + vlen - 1] == ' ')
                vlen--;
            char *out = malloc(vlen + 1);
            if (out == NULL)
                abort();
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return out;
        }
        if (semi == NULL)
            return NULL;
        seg = semi + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    struct arena *a = arena_new();
    if (in == NULL || a == NULL)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';

    char *name = in;
    char *rest = strchr(in, '\n');
    if (rest != NULL)
        *rest++ = '\0';
    if (*name == '\0')
        name = "dyad_session";

    struct http_kv headers[MAX_HEADERS];
    size_t n = 0;
    while (rest != NULL && n < MAX_HEADERS) {
        char *line = rest;
        rest = strchr(rest, '\n');
        if (rest != NULL)
            *rest++ = '\0';
        if (line[0] == '!')
            headers[n++] = (struct http_kv){"X-Cookie", line + 1};
        else if (line[0] == '^')
            headers[n++] = (struct http_kv){"COOKIE", line + 1};
        else
            headers[n++] = (struct http_kv){"Cookie", line};
    }
    struct http_request req = {
        .method = "GET", .path = "/", .headers = headers, .n_headers = n, .arena = a};

    const char *got = http_cookie(&req, name);
    char *want = NULL;
    for (size_t i = 0; i < n && want == NULL; i++)
        if (strcasecmp(headers[i].key, "Cookie") == 0)
            want = reference_in(headers[i].value, name);

    if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0)) {
        fprintf(stderr, "fuzz_cookie: http_cookie(\"%s\") gave %s%s%s, the reference %s%s%s\n",
                name, got ? "\"" : "", got ? got : "NULL", got ? "\"" : "", want ? "\"" : "",
                want ? want : "NULL", want ? "\"" : "");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %s: %s\n", headers[i].key, headers[i].value);
        abort();
    }
    free(want);
    arena_free(a);
    free(in);
    return 0;
}
