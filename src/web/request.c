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

int http_response_header(struct http_response *res, const char *name, const char *value)
{
    if (res->n_headers >= HTTP_MAX_RESPONSE_HEADERS)
        return -1;
    res->headers[res->n_headers].key = name;
    res->headers[res->n_headers].value = value;
    res->n_headers++;
    return 0;
}
