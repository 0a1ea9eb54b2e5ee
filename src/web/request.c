/*
 * request.c — lookups on struct http_request and building a response; no
 * transport here, so unit tests and fuzz targets use it directly.
 */
#include "web/http.h"

#include <string.h>
#include <strings.h>

const char *http_header(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

size_t http_header_count(const struct http_request *req, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < req->n_headers; i++)
        n += strcasecmp(req->headers[i].key, name) == 0;
    return n;
}

const char *http_query(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].key, name) == 0)
            return req->query[i].value;
    return NULL;
}

static const char *cookie_in(struct arena *a, const char *s, const char *name)
{
    size_t nlen = strlen(name);
    while (*s != '\0') {
        while (*s == ' ' || *s == ';')
            s++;
        const char *end = strchr(s, ';');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        if (len > nlen && strncmp(s, name, nlen) == 0 && s[nlen] == '=') {
            const char *v = s + nlen + 1;
            size_t vlen = len - nlen - 1;
            while (vlen > 0 && v[vlen - 1] == ' ')
                vlen--;
            return arena_strndup(a, v, vlen);
        }
        s += len;
    }
    return NULL;
}

const char *http_cookie(const struct http_request *req, const char *name)
{
    if (name == NULL || *name == '\0')
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].key, "Cookie") != 0)
            continue;
        const char *v = cookie_in(req->arena, req->headers[i].value, name);
        if (v != NULL)
            return v;
    }
    return NULL;
}

/* A weight from "q=…" (after the ';'): -1 malformed, 0 zero, 1 above zero. */
static int coding_weight(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return -1;
    p += 2;
    if (*p != '0' && *p != '1')
        return -1;
    bool zero = *p == '0';
    p++;
    if (p < end) {
        if (*p != '.' || end - p > 4)
            return -1;
        for (p++; p < end; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            if (*p != '0')
                zero = false;
        }
    }
    return zero ? 0 : 1;
}

bool http_accepts_gzip(const char *accept_encoding)
{
    int gzip = -1, star = -1; /* -1: not named */
    const char *p = accept_encoding;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *semi = p;
        while (semi < end && *semi != ';')
            semi++;
        if (semi == end)
            semi = NULL;
        const char *name_end = semi != NULL ? semi : end;
        while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
            name_end--;
        size_t len = (size_t)(name_end - p);
        int w = semi != NULL ? coding_weight(semi + 1, end) : 1;
        if (w >= 0) {
            if ((len == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                (len == 6 && strncasecmp(p, "x-gzip", 6) == 0))
                gzip = gzip == 1 ? 1 : w;
            else if (len == 1 && *p == '*')
                star = w;
        }
        p = comma != NULL ? comma + 1 : end;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}

int http_response_header(struct http_response *res, const char *name, const char *value)
{
    if (res->n_headers >= HTTP_MAX_RESPONSE_HEADERS)
        return -1;
    res->headers[res->n_headers].key = name;
    res->headers[res->n_headers].value = value;
    res->n_headers++;
    return 0;
}
