/*
 * fuzz_request.c — the whole request pipeline below the HTTP adapter:
 * app_handle() on the real route table, over a real SQLite store holding the
 * fixture of fixture.h (two paired members, a share, a linked therapist).
 *
 * Input: an HTTP/1.1-like request in text, so the corpus can be read and
 * written by hand:
 *
 *   PUT /api/v1/dyads/$DYAD/checkins/$TODAY?x=1 HTTP/1.1
 *   Cookie: dyad_session=$SESSION_A
 *   X-CSRF-Token: $CSRF_A
 *   Content-Type: application/json
 *
 *   {"closeness":7}
 *
 * The $PLACEHOLDERS of fixture.h are replaced first. The first line is the
 * method and the target ("METHOD TARGET [VERSION]"); the target's path is
 * percent-decoded and its query split into &-separated key=value pairs
 * ('+' is a space), as libmicrohttpd does. Then "Name: value" header lines
 * (at most 32; lines without a colon are dropped) up to an empty line; the
 * rest is the body. Lines end in LF or CRLF. What the adapter derives
 * (Content-Length over the limit or given twice with different values) is
 * derived the same way.
 *
 * Checks: the invariants of fixture_check (status 100-599, no 5xx but 503,
 * JSON bodies that parse, JSON errors in their shape, security headers,
 * readable headers and body, no "<fuzz" marker raw in HTML) and ASan/UBSan
 * on everything the request touches. The seed corpus has valid and invalid
 * requests for every route; tests/fuzz/fuzz_request.dict lists the paths,
 * headers, field names and placeholders.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_HEADERS = 32, MAX_QUERY = 32 };

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..len) into the arena (plus_space: '+' is ' '). A
 * decoded NUL ends the string, as it would for the C string MHD hands over. */
static char *decode(struct arena *a, const char *s, size_t len, bool plus_space)
{
    char *out = arena_alloc(a, len + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (plus_space && s[i] == '+') {
            out[n++] = ' ';
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* The next line of s[*pos..len), without its LF or CRLF. */
static bool next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    const char *start = s + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t l = nl != NULL ? (size_t)(nl - start) : len - *pos;
    *pos += l + (nl != NULL);
    if (l > 0 && start[l - 1] == '\r')
        l--;
    *line = start;
    *n = l;
    return true;
}

static void parse_query(struct arena *a, const char *q, size_t len, struct http_kv *out, size_t *n)
{
    *n = 0;
    size_t i = 0;
    while (i < len && *n < MAX_QUERY) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp != NULL ? (size_t)(amp - q) : len;
        if (end > i) {
            const char *eq = memchr(q + i, '=', end - i);
            size_t klen = eq != NULL ? (size_t)(eq - (q + i)) : end - i;
            const char *k = decode(a, q + i, klen, true);
            const char *v = eq != NULL ? decode(a, eq + 1, end - i - klen - 1, true) : "";
            if (k == NULL || v == NULL)
                return;
            out[(*n)++] = (struct http_kv){k, v};
        }
        i = end + 1;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fixture_app();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    if (a == NULL)
        return 0;
    bool used_session = false;
    size_t len;
    const char *s = fixture_expand(a, (const char *)data, size, &len, &used_session);
    struct http_kv *headers = arena_alloc(a, MAX_HEADERS * sizeof *headers);
    struct http_kv *query = arena_alloc(a, MAX_QUERY * sizeof *query);
    if (s == NULL || headers == NULL || query == NULL)
        goto out;

    struct http_request req = {.arena = a, .headers = headers, .query = query};
    size_t pos = 0;
    const char *line = "";
    size_t n = 0;
    next_line(s, len, &pos, &line, &n);
    /* request line */
    const char *sp = memchr(line, ' ', n);
    size_t mlen = sp != NULL ? (size_t)(sp - line) : n;
    req.method = mlen > 0 ? arena_strndup(a, line, mlen) : "GET";
    const char *target = sp != NULL ? sp + 1 : "/";
    size_t tlen = sp != NULL ? n - mlen - 1 : 1;
    const char *sp2 = memchr(target, ' ', tlen);
    if (sp2 != NULL)
        tlen = (size_t)(sp2 - target);
    const char *qm = memchr(target, '?', tlen);
    size_t plen = qm != NULL ? (size_t)(qm - target) : tlen;
    req.path = decode(a, target, plen, false);
    if (req.method == NULL || req.path == NULL)
        goto out;
    if (qm != NULL)
        parse_query(a, qm + 1, tlen - plen - 1, query, &req.n_query);
    /* headers */
    while (next_line(s, len, &pos, &line, &n) && n > 0) {
        const char *colon = memchr(line, ':', n);
        if (colon == NULL || req.n_headers == MAX_HEADERS)
            continue;
        size_t klen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vlen = n - klen - 1;
        while (vlen > 0 && (*v == ' ' || *v == '\t'))
            v++, vlen--;
        while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
        headers[req.n_headers].key = arena_strndup(a, line, klen);
        headers[req.n_headers].value = arena_strndup(a, v, vlen);
        if (headers[req.n_headers].key == NULL || headers[req.n_headers].value == NULL)
            goto out;
        req.n_headers++;
    }
    /* body: a NUL-terminated copy, as the adapter makes */
    if (pos < len) {
        req.body = arena_strndup(a, s + pos, len - pos);
        req.body_len = len - pos;
        if (req.body == NULL)
            goto out;
    }
    if (used_session && fixture_protected(&req))
        goto out;
    struct http_response res;
    fixture_run(&req, &res);
out:
    arena_free(a);
    return 0;
}
