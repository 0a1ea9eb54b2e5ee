/*
 * fuzz_router.c — router_match() on the real route table, and
 * router_path_matches() on patterns of the fuzzer's own.
 *
 * Input: "METHOD\nPATH" or "METHOD\nPATH\nPATTERN" (bytes after a NUL are
 * not seen, as they would not be in a C string).
 *
 * Checks, for the table:
 *   - a returned route has the method asked for (GET for HEAD) and its
 *     pattern matches the path again with the same parameters;
 *   - every parameter value is NUL-terminated inside params.buf, non-empty,
 *     free of '/', and its name points at a "{name}" in the pattern;
 *   - putting the values back into the pattern gives the path exactly;
 *   - route_param() finds each parameter by name;
 *   - no route is returned: then no route of that method matches, and
 *     path_known says whether one of another method does (405 vs 404).
 * For a fuzzed pattern: the same buffer and reconstruction checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/app.h"
#include "web/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void violated(const char *what, const char *method,
                                               const char *path, const char *pattern)
{
    fprintf(stderr, "fuzz_router: %s\n  method \"%s\"\n  path \"%s\"\n  pattern \"%s\"\n", what,
            method, path, pattern != NULL ? pattern : "(none)");
    abort();
}

/* The parameters are well-formed and put back into the pattern give path. */
static void check_params(const struct route_params *p, const char *pattern, const char *method,
                         const char *path)
{
    if (p->n > ROUTER_MAX_PARAMS)
        violated("more parameters than ROUTER_MAX_PARAMS", method, path, pattern);
    const char *buf_end = p->buf + sizeof p->buf;
    size_t plen = strlen(pattern);
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->value[i];
        if (v < p->buf || v >= buf_end || memchr(v, '\0', (size_t)(buf_end - v)) == NULL)
            violated("a parameter value outside params.buf or not NUL-terminated in it", method,
                     path, pattern);
        if (v[0] == '\0' || strchr(v, '/') != NULL)
            violated("an empty parameter or one holding '/'", method, path, pattern);
        const char *nm = p->name[i];
        if (nm <= pattern || nm > pattern + plen || nm[-1] != '{' || strchr(nm, '}') == NULL)
            violated("a parameter name that is not a {name} of the pattern", method, path, pattern);
    }
    /* Reconstruct: literal parts of the pattern, values for the {name}s. */
    size_t cap = plen + sizeof p->buf + 1;
    char *re = malloc(cap);
    if (re == NULL)
        abort();
    size_t n = 0, k = 0;
    for (const char *q = pattern; *q != '\0';) {
        if (*q == '{') {
            const char *close = strchr(q, '}');
            if (k >= p->n || close == NULL)
                violated("fewer parameters than {names} in a matching pattern", method, path,
                         pattern);
            size_t vl = strlen(p->value[k]);
            memcpy(re + n, p->value[k], vl);
            n += vl;
            k++;
            q = close + 1;
        } else {
            re[n++] = *q++;
        }
    }
    re[n] = '\0';
    if (k != p->n || strcmp(re, path) != 0)
        violated("the parameters put back into the pattern do not give the path", method, path,
                 pattern);
    free(re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *method = in;
    char *path = strchr(method, '\n');
    if (path == NULL) {
        free(in);
        return 0;
    }
    *path++ = '\0';
    char *pattern = strchr(path, '\n');
    if (pattern != NULL)
        *pattern++ = '\0';

    struct route_params p;
    bool known = true;
    const struct route *r = router_match(app_routes, app_routes_count, method, path, &p, &known);
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    if (r != NULL) {
        if (strcmp(r->method, want) != 0)
            violated("a route of another method", method, path, r->pattern);
        check_params(&p, r->pattern, method, path);
        for (size_t i = 0; i < p.n; i++) {
            char name[128];
            size_t nl = strcspn(p.name[i], "}");
            snprintf(name, sizeof name, "%.*s", (int)nl, p.name[i]);
            if (nl < sizeof name && route_param(&p, name) != p.value[i])
                violated("route_param does not find a parameter", method, path, r->pattern);
        }
        struct route_params again;
        if (!router_path_matches(r->pattern, path, &again) || again.n != p.n)
            violated("the returned route's pattern does not match the path", method, path,
                     r->pattern);
        for (size_t i = 0; i < p.n; i++)
            if (strcmp(again.value[i], p.value[i]) != 0)
                violated("matching again gives other parameters", method, path, r->pattern);
    } else {
        bool other = false;
        for (size_t i = 0; i < app_routes_count; i++) {
            struct route_params q;
            if (!router_path_matches(app_routes[i].pattern, path, &q))
                continue;
            if (strcmp(app_routes[i].method, want) == 0)
                violated("no route returned, but one of this method matches", method, path,
                         app_routes[i].pattern);
            other = true;
        }
        if (other != known)
            violated("path_known disagrees with the table (404 vs 405)", method, path, NULL);
    }

    if (pattern != NULL) {
        struct route_params q;
        if (router_path_matches(pattern, path, &q))
            check_params(&q, pattern, method, path);
        router_path_matches(pattern, path, NULL);
    }
    free(in);
    return 0;
}
