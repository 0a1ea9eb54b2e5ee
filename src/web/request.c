/*
 * request.c — lookups on struct http_request and building a response; no
 * transport here, so unit tests and fuzz targets use it directly.
 */
#include "web/http.h"

#include <stdbool.h>
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

/* n less the spaces and tabs that end p[0..n). */
static size_t trim_end(const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n;
}

/* A weight from "q=…" (after the ';'): -1 malformed, 0 zero, 1 above zero. */
static int coding_weight(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    end = p + trim_end(p, (size_t)(end - p));
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

/* Whether the coding called name (or alias, when not NULL) is acceptable:
 * named with a weight above zero, or, when not named, "*" with one. */
static bool accepts_coding(const char *accept_encoding, const char *name, const char *alias)
{
    int named = -1, star = -1; /* -1: not named */
    size_t nlen = strlen(name), alen = alias != NULL ? strlen(alias) : 0;
    const char *p = accept_encoding;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *semi = p;
        while (semi < end && *semi != ';')
            semi++;
        size_t len = trim_end(p, (size_t)(semi - p)); /* the coding's name */
        int w = semi < end ? coding_weight(semi + 1, end) : 1;
        if (w >= 0) {
            if ((len == nlen && strncasecmp(p, name, nlen) == 0) ||
                (alias != NULL && len == alen && strncasecmp(p, alias, alen) == 0))
                named = named == 1 ? 1 : w;
            else if (len == 1 && *p == '*')
                star = w;
        }
        p = comma != NULL ? comma + 1 : end;
    }
    return named >= 0 ? named == 1 : star == 1;
}

bool http_accepts_gzip(const char *accept_encoding)
{
    return accepts_coding(accept_encoding, "gzip", "x-gzip");
}

bool http_accepts_br(const char *accept_encoding)
{
    return accepts_coding(accept_encoding, "br", NULL);
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

/* ---- the edge checks ------------------------------------------------------ */

/* RFC 9110 tchar: what a header name may be made of. */
static bool is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return true;
    return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

enum http_transport_error http_check_uri(const char *raw_uri, size_t max_params)
{
    if (raw_uri == NULL)
        return HTTP_TRANSPORT_BAD_PATH;
    bool in_query = false;
    size_t params = 0;
    for (const unsigned char *p = (const unsigned char *)raw_uri; *p != '\0'; p++) {
        unsigned char ch = *p;
        /* No special case for '#': a fragment is never sent, and
         * libmicrohttpd decodes whatever follows one as part of the path
         * (fuzz_edge found "/x#…%00…" accepted while the '#' ended the scan). */
        if (ch == '%') {
            int hi = hex_value(p[1]), lo = hi >= 0 ? hex_value(p[2]) : -1;
            if (hi >= 0 && lo >= 0) {
                int v = hi * 16 + lo;
                if (v == 0 || (!in_query && (v < 0x20 || v == 0x7f)))
                    return HTTP_TRANSPORT_BAD_PATH;
            }
        }
        if (ch < 0x20 || ch == 0x7f)
            return HTTP_TRANSPORT_BAD_PATH;
        if (ch == '?' && !in_query) {
            in_query = true;
            params = p[1] != '\0';
            continue;
        }
        if (in_query && ch == '&' && ++params > max_params)
            return HTTP_TRANSPORT_TOO_MANY_PARAMS;
    }
    return params > max_params ? HTTP_TRANSPORT_TOO_MANY_PARAMS : HTTP_TRANSPORT_OK;
}

enum http_transport_error http_check_headers(const struct http_kv *h, size_t n, size_t max_headers)
{
    if (n > max_headers)
        return HTTP_TRANSPORT_TOO_MANY_HEADERS;
    size_t lengths = 0, codings = 0;
    const char *length = NULL, *coding = NULL;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *k = (const unsigned char *)h[i].key;
        const unsigned char *v = (const unsigned char *)h[i].value;
        if (k == NULL || *k == '\0' || v == NULL)
            return HTTP_TRANSPORT_BAD_HEADER;
        for (; *k != '\0'; k++)
            if (!is_tchar(*k))
                return HTTP_TRANSPORT_BAD_HEADER;
        for (; *v != '\0'; v++)
            if ((*v < 0x20 && *v != '\t') || *v == 0x7f)
                return HTTP_TRANSPORT_BAD_HEADER;
        /* libmicrohttpd 0.9.75 joins an obs-fold continuation line onto
         * the header's *name* ("Transfer-Encoding:\r\n chunked" arrives as
         * a field named "Transfer-Encodingchunked"), so a fold cannot be
         * seen as such; a name that starts like a framing header but is
         * longer is refused, which catches the folds that matter. */
        if ((strncasecmp(h[i].key, "Content-Length", 14) == 0 && h[i].key[14] != '\0') ||
            (strncasecmp(h[i].key, "Transfer-Encoding", 17) == 0 && h[i].key[17] != '\0'))
            return HTTP_TRANSPORT_BAD_HEADER;
        if (strcasecmp(h[i].key, "Content-Length") == 0) {
            lengths++;
            length = h[i].value;
        } else if (strcasecmp(h[i].key, "Transfer-Encoding") == 0) {
            codings++;
            coding = h[i].value;
        }
    }
    if (lengths > 0 && codings > 0)
        return HTTP_TRANSPORT_LENGTH_AND_CHUNKED;
    if (codings > 1 || (codings == 1 && strcasecmp(coding, "chunked") != 0))
        return HTTP_TRANSPORT_BAD_TRANSFER_CODING;
    if (lengths > 1)
        return HTTP_TRANSPORT_DUPLICATE_LENGTH;
    if (lengths == 1 && (length[0] == '\0' || strspn(length, "0123456789") != strlen(length) ||
                         strlen(length) > 18))
        return HTTP_TRANSPORT_BAD_LENGTH;
    return HTTP_TRANSPORT_OK;
}

enum http_transport_error http_check_method(const char *method)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)method; p != NULL && *p; p++, n++)
        if (!is_tchar(*p) || n >= 16)
            return HTTP_TRANSPORT_BAD_METHOD;
    return n > 0 ? HTTP_TRANSPORT_OK : HTTP_TRANSPORT_BAD_METHOD;
}

const char *http_transport_message(enum http_transport_error e)
{
    switch (e) {
    case HTTP_TRANSPORT_OK:
        return "";
    case HTTP_TRANSPORT_TOO_LARGE:
        return "The request body is too large.";
    case HTTP_TRANSPORT_DUPLICATE_LENGTH:
        return "More than one Content-Length header.";
    case HTTP_TRANSPORT_LENGTH_AND_CHUNKED:
        return "Both Content-Length and Transfer-Encoding: the length is ambiguous.";
    case HTTP_TRANSPORT_BAD_TRANSFER_CODING:
        return "The only Transfer-Encoding accepted is chunked, once.";
    case HTTP_TRANSPORT_BAD_LENGTH:
        return "Content-Length must be a number.";
    case HTTP_TRANSPORT_BAD_HEADER:
        return "A header name or value holds a byte it may not.";
    case HTTP_TRANSPORT_TOO_MANY_HEADERS:
        return "Too many header fields.";
    case HTTP_TRANSPORT_BAD_PATH:
        return "The path holds a NUL or control byte.";
    case HTTP_TRANSPORT_TOO_MANY_PARAMS:
        return "Too many query parameters.";
    case HTTP_TRANSPORT_BAD_METHOD:
        return "The method is not a valid token.";
    case HTTP_TRANSPORT_SERVER_FULL:
        return "The server has as many connections as it takes; please try again shortly.";
    case HTTP_TRANSPORT_ADDRESS_FULL:
        return "Too many connections from your address at once.";
    }
    return "Bad request.";
}
