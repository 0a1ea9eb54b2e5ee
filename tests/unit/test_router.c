/*
 * test_router.c — route matching with parameters, 404 vs 405, and the
 * field allowlist of route bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "web/router.h"

static void h_dummy(struct ctx *c)
{
    (void)c;
}

static const struct route routes[] = {
    {"GET", "/api/v1/dyads/{id}", h_dummy, ROUTE_SESSION, NULL, 0, "a"},
    {"PUT", "/api/v1/dyads/{id}/keys/{user_id}", h_dummy, ROUTE_SESSION, NULL, 0, "b"},
    {"POST", "/api/v1/dyads/join", h_dummy, ROUTE_SESSION, NULL, 0, "c"},
    {"POST", "/api/v1/dyads", h_dummy, ROUTE_SESSION, NULL, 0, "d"},
    {"GET", "/", h_dummy, ROUTE_PUBLIC, NULL, 0, "e"},
};
enum { N = sizeof routes / sizeof routes[0] };

static void test_literal_and_params(void **state)
{
    (void)state;
    struct route_params p;
    bool known;
    const struct route *r = router_match(routes, N, "GET", "/api/v1/dyads/d-42", &p, &known);
    assert_non_null(r);
    assert_string_equal(r->summary, "a");
    assert_string_equal(route_param(&p, "id"), "d-42");
    assert_null(route_param(&p, "user_id"));

    r = router_match(routes, N, "PUT", "/api/v1/dyads/d-1/keys/u-2", &p, &known);
    assert_non_null(r);
    assert_string_equal(route_param(&p, "id"), "d-1");
    assert_string_equal(route_param(&p, "user_id"), "u-2");

    /* the literal "join" route wins for POST; GET of it falls to {id} */
    r = router_match(routes, N, "POST", "/api/v1/dyads/join", &p, &known);
    assert_string_equal(r->summary, "c");
    r = router_match(routes, N, "GET", "/", &p, &known);
    assert_string_equal(r->summary, "e");
}

static void test_not_found_vs_method(void **state)
{
    (void)state;
    struct route_params p;
    bool known;
    assert_null(router_match(routes, N, "DELETE", "/api/v1/dyads/d-1", &p, &known));
    assert_true(known); /* 405 */
    assert_null(router_match(routes, N, "GET", "/api/v1/nope", &p, &known));
    assert_false(known); /* 404 */
    /* empty segments, trailing slashes and extra segments do not match */
    assert_null(router_match(routes, N, "GET", "/api/v1/dyads/", &p, &known));
    assert_null(router_match(routes, N, "GET", "/api/v1/dyads/d-1/", &p, &known));
    assert_null(router_match(routes, N, "GET", "/api/v1/dyads/d-1/x", &p, &known));
    assert_null(router_match(routes, N, "GET", "/api/v1/dyad", &p, &known));
    assert_null(router_match(routes, N, "GET", "", &p, &known));
}

static void test_head_uses_get(void **state)
{
    (void)state;
    struct route_params p;
    bool known;
    const struct route *r = router_match(routes, N, "HEAD", "/api/v1/dyads/x", &p, &known);
    assert_non_null(r);
    assert_string_equal(r->method, "GET");
}

static void test_param_too_long(void **state)
{
    (void)state;
    char path[1200] = "/api/v1/dyads/";
    memset(path + strlen(path), 'a', 600);
    struct route_params p;
    assert_false(router_path_matches("/api/v1/dyads/{id}", path, &p));
    assert_true(router_path_matches("/api/v1/dyads/{id}", "/api/v1/dyads/ok", NULL));
}

static const struct field_spec fields[] = {
    {.name = "email", .type = FIELD_STRING, .required = true},
    {.name = "age", .type = FIELD_INT},
    {.name = "note", .type = FIELD_STRING, .nullable = true},
    {.name = "flags", .type = FIELD_ARRAY},
    {.name = "on", .type = FIELD_BOOL},
    {.name = NULL},
};

static char field_copy[64];

/* Checks json against the fields; *field points at a copy that outlives the
 * parsed document. */
static enum api_error check(const char *json, const char **field)
{
    json_error_t err;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &err);
    assert_non_null(v);
    const char *f;
    enum api_error e = fields_check(fields, v, &f);
    if (f != NULL)
        snprintf(field_copy, sizeof field_copy, "%s", f);
    *field = f != NULL ? field_copy : NULL;
    json_decref(v);
    return e;
}

static void test_fields(void **state)
{
    (void)state;
    const char *f;
    assert_int_equal(check("{\"email\":\"a\"}", &f), API_OK);
    assert_int_equal(
        check("{\"email\":\"a\",\"age\":3,\"note\":null,\"flags\":[],\"on\":true}", &f), API_OK);
    assert_int_equal(check("{}", &f), API_MISSING_FIELD);
    assert_string_equal(f, "email");
    assert_int_equal(check("{\"email\":\"a\",\"admin\":true}", &f), API_INVALID_FIELD);
    assert_string_equal(f, "admin");
    assert_int_equal(check("{\"email\":1}", &f), API_INVALID_FIELD);
    assert_string_equal(f, "email");
    assert_int_equal(check("{\"email\":null}", &f), API_INVALID_FIELD); /* not nullable */
    assert_int_equal(check("{\"email\":\"a\",\"age\":1.5}", &f), API_INVALID_FIELD);
    assert_string_equal(f, "age");
    assert_int_equal(check("{\"email\":\"a\",\"on\":1}", &f), API_INVALID_FIELD);
    assert_int_equal(check("[1]", &f), API_BAD_JSON);
    assert_null(f);
    assert_int_equal(check("\"x\"", &f), API_BAD_JSON);
}

static const char *color_name(int i)
{
    static const char *const names[] = {"red", NULL, "blue"};
    return i >= 0 && i < 3 ? names[i] : NULL;
}

/* Declared rules: each refused at its bounds (naming the field or the map's
 * key), each accepted value handed over decoded. */
static const struct field_spec ruled[] = {
    {.name = "key", .type = FIELD_STRING, .rule = RULE_B64, .min = 4, .max = 4},
    {.name = "box", .type = FIELD_STRING, .rule = RULE_B64, .min = 2, .max = 8, .step = 3},
    {.name = "n", .type = FIELD_INT, .rule = RULE_INT, .min = 1, .max = 5},
    {.name = "color", .type = FIELD_STRING, .rule = RULE_ENUM, .names = color_name, .max = 3},
    {.name = "colors",
     .type = FIELD_ARRAY,
     .rule = RULE_ENUM_ARRAY,
     .names = color_name,
     .max = 3,
     .distinct = true},
    {.name = "line", .type = FIELD_STRING, .rule = RULE_TEXT, .min = 1, .max = 8},
    {.name = "prose", .type = FIELD_STRING, .rule = RULE_PROSE, .min = 1, .max = 8},
    {.name = "*",
     .type = FIELD_INT,
     .keys = color_name,
     .nkeys = 3,
     .rule = RULE_INT,
     .min = 0,
     .max = 2},
    {.name = NULL},
};

static enum api_error validate(const char *json, const char **field, struct field_value *v)
{
    json_error_t err;
    json_t *body = json_loads(json, 0, &err);
    assert_non_null(body);
    struct arena *a = arena_new();
    assert_non_null(a);
    const char *f = NULL;
    const struct field_spec *spec = NULL;
    enum api_error e = fields_check(ruled, body, &f);
    if (e == API_OK)
        e = fields_validate(ruled, body, a, v, &f, &spec);
    if (e == API_INVALID_FIELD)
        assert_true(spec == NULL || strcmp(spec->name, f) == 0 || strcmp(spec->name, "*") == 0);
    snprintf(field_copy, sizeof field_copy, "%s", f != NULL ? f : "");
    *field = field_copy;
    /* keep what the caller reads: the decoded bytes of "key" */
    static unsigned char key[4];
    if (e == API_OK && v[0].bytes != NULL) {
        memcpy(key, v[0].bytes, 4);
        v[0].bytes = key;
    }
    arena_free(a);
    json_decref(body);
    return e;
}

static void test_rules(void **state)
{
    (void)state;
    struct field_value v[8];
    const char *f;
    assert_int_equal(validate("{\"key\":\"AQIDBA==\",\"n\":5,\"color\":\"blue\","
                              "\"colors\":[\"red\",\"blue\"],\"red\":2}",
                              &f, v),
                     API_OK);
    assert_int_equal(v[0].len, 4);
    assert_memory_equal(v[0].bytes, "\x01\x02\x03\x04", 4);
    assert_int_equal(v[2].n, 5);
    assert_int_equal(v[3].index, 2);
    assert_int_equal(v[4].mask, 1u << 0 | 1u << 2);
    assert_int_equal(v[1].index, -1); /* absent */
    /* base64: wrong size, not canonical, outside the alphabet */
    assert_int_equal(validate("{\"key\":\"AQID\"}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "key");
    assert_int_equal(validate("{\"key\":\"AQIDBB==\"}", &f, v), API_INVALID_FIELD);
    assert_int_equal(validate("{\"key\":\"AQ-DBA==\"}", &f, v), API_INVALID_FIELD);
    /* a stepped size: 2, 5 and 8 bytes pass, 3 does not */
    assert_int_equal(validate("{\"box\":\"AQIDBAU=\"}", &f, v), API_OK);
    assert_int_equal(validate("{\"box\":\"AQID\"}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "box");
    /* integer bounds */
    assert_int_equal(validate("{\"n\":0}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "n");
    assert_int_equal(validate("{\"n\":6}", &f, v), API_INVALID_FIELD);
    assert_int_equal(validate("{\"n\":1}", &f, v), API_OK);
    /* enums: an unknown name, a hole in the list, a repeat */
    assert_int_equal(validate("{\"color\":\"green\"}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "color");
    assert_int_equal(validate("{\"colors\":[\"red\",\"red\"]}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "colors");
    assert_int_equal(validate("{\"colors\":[1]}", &f, v), API_INVALID_FIELD);
    /* a map keyed by the vocabulary: unknown keys are undeclared, values ruled */
    assert_int_equal(validate("{\"green\":1}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "green");
    assert_int_equal(validate("{\"blue\":3}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "blue");
    assert_int_equal(validate("{\"blue\":\"x\"}", &f, v), API_INVALID_FIELD);
    assert_int_equal(validate("{\"*\":1}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "*");
    /* text: bytes within bounds; a line refuses the newline that prose keeps */
    assert_int_equal(validate("{\"line\":\"a b\"}", &f, v), API_OK);
    assert_int_equal(validate("{\"line\":\"a\\nb\"}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "line");
    assert_int_equal(validate("{\"prose\":\"a\\nb\\tc\"}", &f, v), API_OK);
    assert_int_equal(validate("{\"prose\":\"a\\u0007\"}", &f, v), API_INVALID_FIELD);
    assert_string_equal(f, "prose");
    assert_int_equal(validate("{\"prose\":\"\"}", &f, v), API_INVALID_FIELD);
    assert_int_equal(validate("{\"prose\":\"123456789\"}", &f, v), API_INVALID_FIELD);
    assert_int_equal(validate("{\"prose\":\"\\u00e9\\u00e9\\u00e9\\u00e9\"}", &f, v), API_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_params),
        cmocka_unit_test(test_not_found_vs_method),
        cmocka_unit_test(test_head_uses_get),
        cmocka_unit_test(test_param_too_long),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
