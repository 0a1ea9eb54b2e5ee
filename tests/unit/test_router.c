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
    {"email", FIELD_STRING, true, false}, {"age", FIELD_INT, false, false},
    {"note", FIELD_STRING, false, true},  {"flags", FIELD_ARRAY, false, false},
    {"on", FIELD_BOOL, false, false},     {NULL, FIELD_STRING, false, false},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_params),
        cmocka_unit_test(test_not_found_vs_method),
        cmocka_unit_test(test_head_uses_get),
        cmocka_unit_test(test_param_too_long),
        cmocka_unit_test(test_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
