/*
 * fuzz_json_routes.c — JSON bodies against every route that takes one: the
 * parse (json_loadb, as app.c calls it), the route's field allowlist
 * (fields_check), and, where the allowlist lets the body through, the whole
 * pipeline with a fixture session (fixture.h).
 *
 * Input: a JSON body, as is (no framing), so the corpus is plain JSON files.
 * The body sent through the pipeline has the $PLACEHOLDERS of fixture.h
 * replaced ("$TCODE", "$USER_A" as a key of notes, …); fields_check sees it
 * as given.
 *
 * Checks, for each route with a field list:
 *   - fields_check agrees with a reference written from router.h: a
 *     non-object is bad_json with no field; any undeclared key (a map "*"
 *     declares the keys its keys() names) is invalid_field naming an
 *     undeclared key; otherwise the first declared field (in declaration
 *     order) that is required and missing (missing_field) or present with
 *     the wrong type, or null where not nullable (invalid_field) is the one
 *     named; else ok. The declared rules (fields_validate) run in the
 *     pipeline, on the bodies sent below;
 *   - a body that passes is sent with Content-Type application/json to the
 *     route, the path's {id} being the fixture's dyad, {user_id} the partner,
 *     {sid} B's share, {date} today and {pid} A's private check-in, as member A (the therapist on
 *     therapist routes, nobody on public ones), with A's CSRF token; the
 *     response keeps the invariants of fixture_check. Routes that would
 *     take the fixture apart (leave, delete the account, change the
 *     password) are not sent.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "web/handler.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool type_ok(enum field_type t, const json_t *v)
{
    switch (t) {
    case FIELD_STRING:
        return json_typeof(v) == JSON_STRING;
    case FIELD_INT:
        return json_typeof(v) == JSON_INTEGER;
    case FIELD_BOOL:
        return json_typeof(v) == JSON_TRUE || json_typeof(v) == JSON_FALSE;
    case FIELD_ARRAY:
        return json_typeof(v) == JSON_ARRAY;
    case FIELD_OBJECT:
        return json_typeof(v) == JSON_OBJECT;
    case FIELD_TYPE__MAX:
        break;
    }
    return false;
}

static bool is_map(const struct field_spec *f)
{
    return strcmp(f->name, "*") == 0 && f->keys != NULL;
}

/* The declaration covering key: a field of that name, or a map ("*") whose
 * keys() names it. */
static const struct field_spec *declared(const struct field_spec *fields, const char *key)
{
    for (const struct field_spec *f = fields; f->name != NULL; f++) {
        if (!is_map(f) && strcmp(f->name, key) == 0)
            return f;
        for (int k = 0; is_map(f) && k < f->nkeys; k++)
            if (f->keys(k) != NULL && strcmp(f->keys(k), key) == 0)
                return f;
    }
    return NULL;
}

/* The reference verdict; *field is the name it expects, or NULL when any
 * undeclared key will do (*any_undeclared). */
static enum api_error reference(const struct field_spec *fields, json_t *body, const char **field,
                                bool *any_undeclared)
{
    *field = NULL;
    *any_undeclared = false;
    if (json_typeof(body) != JSON_OBJECT)
        return API_BAD_JSON;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (!declared(fields, key)) {
            *any_undeclared = true;
            return API_INVALID_FIELD;
        }
    }
    for (const struct field_spec *f = fields; f->name != NULL; f++) {
        if (is_map(f)) {
            json_object_foreach(body, key, v)
            {
                if (declared(fields, key) == f &&
                    (json_is_null(v) ? !f->nullable : !type_ok(f->type, v))) {
                    *field = key;
                    return API_INVALID_FIELD;
                }
            }
            continue;
        }
        v = json_object_get(body, f->name);
        if (v == NULL && f->required) {
            *field = f->name;
            return API_MISSING_FIELD;
        }
        if (v != NULL && (json_is_null(v) ? !f->nullable : !type_ok(f->type, v))) {
            *field = f->name;
            return API_INVALID_FIELD;
        }
    }
    return API_OK;
}

/* The route's pattern with the fixture's values for its {params}. */
static char *route_path(struct arena *a, const char *pattern)
{
    static const struct {
        const char *param, *placeholder;
    } subst[] = {{"{id}", "$DYAD"},
                 {"{user_id}", "$USER_B"},
                 {"{sid}", "$SHARE"},
                 {"{date}", "$TODAY"},
                 {"{pid}", "$PCHECK"}};
    char buf[512];
    size_t n = 0;
    for (const char *p = pattern; *p != '\0' && n + 16 < sizeof buf;) {
        bool done = false;
        for (size_t i = 0; i < sizeof subst / sizeof subst[0] && !done; i++) {
            size_t l = strlen(subst[i].param);
            if (strncmp(p, subst[i].param, l) == 0) {
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", subst[i].placeholder);
                p += l;
                done = true;
            }
        }
        if (!done)
            buf[n++] = *p++;
    }
    size_t len;
    return fixture_expand(a, buf, n, &len, NULL);
}

static void send(const struct route *r, const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    if (a == NULL)
        return;
    const char *who = r->access == ROUTE_PUBLIC                                   ? NULL
                      : r->access == ROUTE_THERAPIST || r->access == ROUTE_LINKED ? "T"
                                                                                  : "A";
    struct http_kv headers[4];
    size_t nh = 0, body_len = 0;
    headers[nh++] = (struct http_kv){"Content-Type", "application/json"};
    if (who != NULL) {
        char cookie[64], csrf[32];
        size_t len;
        snprintf(cookie, sizeof cookie, "dyad_session=$SESSION_%s", who);
        snprintf(csrf, sizeof csrf, "$CSRF_%s", who);
        headers[nh++] =
            (struct http_kv){"Cookie", fixture_expand(a, cookie, strlen(cookie), &len, NULL)};
        headers[nh++] =
            (struct http_kv){"X-CSRF-Token", fixture_expand(a, csrf, strlen(csrf), &len, NULL)};
    }
    struct http_request req = {
        .method = r->method,
        .path = route_path(a, r->pattern),
        .headers = headers,
        .n_headers = nh,
        .body = fixture_expand(a, (const char *)data, size, &body_len, NULL),
        .body_len = body_len,
        .arena = a,
    };
    if (req.path != NULL && req.body != NULL && (who == NULL || !fixture_protected(&req))) {
        struct http_response res;
        fixture_run(&req, &res);
    }
    arena_free(a);
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
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL)
        return 0;
    for (size_t i = 0; i < app_routes_count; i++) {
        const struct route *r = &app_routes[i];
        if (r->fields == NULL)
            continue;
        const char *field, *want_field;
        bool any_undeclared;
        enum api_error got = fields_check(r->fields, body, &field);
        enum api_error want = reference(r->fields, body, &want_field, &any_undeclared);
        bool field_ok = any_undeclared       ? field != NULL && !declared(r->fields, field)
                        : want_field == NULL ? field == NULL
                                             : field != NULL && strcmp(field, want_field) == 0;
        if (got != want || !field_ok) {
            fprintf(stderr,
                    "fuzz_json_routes: fields_check for %s %s gave %d (field %s), the reference "
                    "%d (field %s)\n",
                    r->method, r->pattern, got, field ? field : "NULL", want,
                    any_undeclared ? "any undeclared"
                    : want_field   ? want_field
                                   : "NULL");
            abort();
        }
        if (got == API_OK)
            send(r, data, size);
    }
    json_decref(body);
    return 0;
}
