/*
 * test_request.c — the transport-free request helpers of src/web/request.c:
 * cookie lookup (including a NULL name, which the start-up race once
 * produced).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "web/http.h"

static void test_cookie_lookup(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct http_kv h[] = {
        {"Host", "x"},
        {"Cookie", "theme=dark; dyad_session=abc ; other=1"},
        {"cookie", "late=2"},
    };
    struct http_request req = {.headers = h, .n_headers = 3, .arena = a};
    assert_string_equal(http_cookie(&req, "dyad_session"), "abc");
    assert_string_equal(http_cookie(&req, "theme"), "dark");
    assert_string_equal(http_cookie(&req, "late"), "2");
    assert_null(http_cookie(&req, "dyad")); /* a prefix is not a name */
    assert_null(http_cookie(&req, "missing"));
    arena_free(a);
}

/* Before the application has a cookie name (or with an empty one) nothing
 * is found and nothing crashes. */
static void test_cookie_null_name(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct http_kv h[] = {{"Cookie", "=empty; dyad_session=abc"}};
    struct http_request req = {.headers = h, .n_headers = 1, .arena = a};
    assert_null(http_cookie(&req, NULL));
    assert_null(http_cookie(&req, ""));
    arena_free(a);
}

/* Accept-Encoding, hand-read against RFC 9110 §12.5.3: a named coding's
 * weight wins over "*"; a weight of zero (in any spelling) refuses. */
static void test_accepts_gzip(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        bool gzip;
    } cases[] = {
        {"gzip", true},
        {"gzip, deflate, br", true},
        {"GZip;Q=0.5", true},
        {"x-gzip", true},
        {"*", true},
        {"br;q=1.0, gzip;q=0.001, *;q=0", true},
        {" deflate ,\tgzip ; q=1 ", true},
        {"gzip;q=1.000", true},
        {"gzip;q=0", false},
        {"gzip;q=0.", false},
        {"gzip;q=0.000", false},
        {"gzip; q=0 ", false},
        {"gzip;q=0, *", false},
        {"*, gzip;q=0", false},
        {"*;q=0", false},
        {"identity", false},
        {"deflate, br", false},
        {"", false},
        {",,,", false},
        {"gzipx", false},
        {"gzip;q=", false},
        {"gzip;q=2", false},
        {"gzip;q=0.0000", false},
        {"gzip;level=1", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (http_accepts_gzip(cases[i].value) != cases[i].gzip)
            fail_msg("Accept-Encoding \"%s\": expected %d", cases[i].value, cases[i].gzip);
    }
    assert_false(http_accepts_gzip(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_lookup),
        cmocka_unit_test(test_cookie_null_name),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
