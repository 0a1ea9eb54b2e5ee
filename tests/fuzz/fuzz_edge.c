/*
 * fuzz_edge.c — the HTTP edge's checks (http_check_method, http_check_uri,
 * http_check_headers in src/web/request.c) on the raw bytes of a request.
 *
 * Input: the bytes of an HTTP/1.1 request head. The harness cuts them the
 * simple way (this is a harness, not a parser the server uses): lines end at
 * LF with an optional CR before it; the first line is "METHOD TARGET
 * VERSION" split at spaces; each further line up to an empty one is a
 * field split at its first ':', the value with leading and trailing spaces
 * and tabs dropped — roughly what libmicrohttpd hands the adapter. NUL
 * bytes end a line's string (as they would in C). At most 128 fields.
 *
 * Checks, beyond ASan/UBSan: the checks are total (any bytes give an
 * answer); and they refuse what they promise to, judged by a reference
 * written from docs/security.md rather than from request.c: a target with
 * "%00" is refused; a request with both Content-Length and
 * Transfer-Encoding is refused; a field name holding a space, tab or
 * control byte is refused; a Transfer-Encoding that is not exactly
 * "chunked" (any case) is refused; more than HTTP_MAX_HEADERS fields are
 * refused. And the reverse for the plain case: a GET of a path of letters,
 * digits and '/', with fields whose names are letters and '-' and whose
 * values are printable, none of them framing headers, is accepted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_FIELDS = 128, MAX_INPUT = 16384 };

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_edge: %s (%s)\n", what, detail);
    abort();
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';

    /* cut into lines (in place) */
    char *lines[MAX_FIELDS + 2];
    size_t n_lines = 0;
    char *p = buf, *end = buf + size;
    while (p < end && n_lines < MAX_FIELDS + 2) {
        char *lf = memchr(p, '\n', (size_t)(end - p));
        char *stop = lf != NULL ? lf : end;
        if (stop > p && stop[-1] == '\r')
            stop[-1] = '\0';
        *stop = '\0';
        lines[n_lines++] = p;
        if (lf == NULL)
            break;
        p = lf + 1;
        if (lines[n_lines - 1][0] == '\0' && n_lines > 1)
            break; /* the empty line ends the head */
    }
    if (n_lines == 0) {
        free(buf);
        return 0;
    }

    /* the request line */
    char *method = lines[0], *target = strchr(method, ' ');
    if (target != NULL) {
        *target++ = '\0';
        char *version = strchr(target, ' ');
        if (version != NULL)
            *version = '\0';
    } else {
        target = "";
    }

    struct http_kv fields[MAX_FIELDS];
    size_t n = 0;
    bool has_cl = false, has_te = false, bad_name = false, bad_te = false, framing = false;
    for (size_t i = 1; i < n_lines && n < MAX_FIELDS; i++) {
        if (lines[i][0] == '\0')
            break;
        char *colon = strchr(lines[i], ':');
        if (colon == NULL)
            continue; /* the library refuses such a line itself */
        *colon = '\0';
        const char *name = lines[i];
        const char *value = trim(colon + 1);
        fields[n++] = (struct http_kv){name, value};
        for (const char *c = name; *c; c++)
            if (*c == ' ' || *c == '\t' || (unsigned char)*c < 0x20 || *c == 0x7f)
                bad_name = true;
        if (strcasecmp(name, "Content-Length") == 0)
            has_cl = true;
        if (strcasecmp(name, "Transfer-Encoding") == 0) {
            has_te = true;
            bad_te = bad_te || strcasecmp(value, "chunked") != 0;
        }
        if (strncasecmp(name, "Content-Length", 14) == 0 ||
            strncasecmp(name, "Transfer-Encoding", 17) == 0)
            framing = true;
    }

    enum http_transport_error em = http_check_method(method);
    enum http_transport_error eu = http_check_uri(target, HTTP_MAX_QUERY_PARAMS);
    enum http_transport_error eh = http_check_headers(fields, n, HTTP_MAX_HEADERS);
    if (http_transport_message(eh) == NULL || http_transport_message(eu) == NULL)
        fail("a transport error without a message", "");

    if (strstr(target, "%00") != NULL && eu == HTTP_TRANSPORT_OK)
        fail("a target with %00 was accepted", target);
    if (has_cl && has_te && eh == HTTP_TRANSPORT_OK)
        fail("Content-Length with Transfer-Encoding was accepted", "");
    if (bad_name && eh == HTTP_TRANSPORT_OK)
        fail("a field name with whitespace or a control byte was accepted", "");
    if (bad_te && eh == HTTP_TRANSPORT_OK)
        fail("a Transfer-Encoding other than chunked was accepted", "");
    if (n > HTTP_MAX_HEADERS && eh == HTTP_TRANSPORT_OK)
        fail("too many fields were accepted", "");

    /* the plain case is accepted */
    bool plain = strcmp(method, "GET") == 0 && target[0] == '/' && !framing;
    for (const char *c = target; plain && *c; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                *c == '/';
    for (size_t i = 0; plain && i < n; i++) {
        plain = fields[i].key[0] != '\0';
        for (const char *c = fields[i].key; plain && *c; c++)
            plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-';
        for (const char *c = fields[i].value; plain && *c; c++)
            plain = *c >= 0x20 && *c < 0x7f;
    }
    if (plain && n <= HTTP_MAX_HEADERS &&
        (em != HTTP_TRANSPORT_OK || eu != HTTP_TRANSPORT_OK || eh != HTTP_TRANSPORT_OK))
        fail("a plain GET was refused", http_transport_message(em != HTTP_TRANSPORT_OK   ? em
                                                               : eu != HTTP_TRANSPORT_OK ? eu
                                                                                         : eh));
    free(buf);
    return 0;
}
