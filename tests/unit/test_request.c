/*
 * test_request.c — the transport-free request helpers of src/web/request.c:
 * cookie lookup (including a NULL name, which the start-up race once
 * produced), and the edge checks http.c runs on every request before it
 * reads a body (http_check_uri, http_check_headers, http_check_method);
 * and /healthz's short memory of a successful database check
 * (health_cached, health_note in src/web/h_ops.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "web/app.h"
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

static void test_check_uri(void **state)
{
    (void)state;
    const char *ok[] = {"/",        "/healthz", "/a%20b",           "/x?email=a%40b.org",
                        "/x?a=%0a", "/x?",      "/static/js/app.js"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(http_check_uri(ok[i], 64), HTTP_TRANSPORT_OK);
    const char *bad[] = {"/healthz%00", "/static/js/app.js%00.png", "/a%0Ab", "/a%1b[31m", "/a%7F",
                         "/x?e=a%00b", "/a\tb", "/a\x01", "/a\x7f",
                         /* found by fuzz_edge: a '#' once ended the scan */
                         "/x7#=1&c=%00", "/x?a=1&b=2#frag%00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(http_check_uri(bad[i], 64), HTTP_TRANSPORT_BAD_PATH);
    assert_int_equal(http_check_uri(NULL, 64), HTTP_TRANSPORT_BAD_PATH);
    /* parameters: 3 allowed; "a&b&c" is 3, "a&b&c&d" is 4, empty ones count */
    assert_int_equal(http_check_uri("/x?a&b&c", 3), HTTP_TRANSPORT_OK);
    assert_int_equal(http_check_uri("/x?a&b&c&d", 3), HTTP_TRANSPORT_TOO_MANY_PARAMS);
    assert_int_equal(http_check_uri("/x?&&&", 3), HTTP_TRANSPORT_TOO_MANY_PARAMS);
    assert_int_equal(http_check_uri("/x?a&b&c&d", 4), HTTP_TRANSPORT_OK);
}

#define H(k, v)                                                                                    \
    {                                                                                              \
        k, v                                                                                       \
    }
static enum http_transport_error check(const struct http_kv *h, size_t n)
{
    return http_check_headers(h, n, 8);
}

static void test_check_headers(void **state)
{
    (void)state;
    struct http_kv fine[] = {H("Host", "x"), H("Content-Length", "12"), H("X-A", "a\tb"),
                             H("accept", "*/*")};
    assert_int_equal(check(fine, 4), HTTP_TRANSPORT_OK);
    struct http_kv chunked[] = {H("Host", "x"), H("transfer-encoding", "Chunked")};
    assert_int_equal(check(chunked, 2), HTTP_TRANSPORT_OK);

    struct http_kv both[] = {H("Content-Length", "5"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(check(both, 2), HTTP_TRANSPORT_LENGTH_AND_CHUNKED);
    const char *codings[] = {"identity", "gzip, chunked", "xchunked",
                             "chunked ", "\"chunked\"",   ""};
    for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++) {
        struct http_kv te[] = {H("Transfer-Encoding", codings[i])};
        assert_int_equal(check(te, 1), HTTP_TRANSPORT_BAD_TRANSFER_CODING);
    }
    struct http_kv two_te[] = {H("Transfer-Encoding", "chunked"),
                               H("Transfer-Encoding", "chunked")};
    assert_int_equal(check(two_te, 2), HTTP_TRANSPORT_BAD_TRANSFER_CODING);
    struct http_kv two_cl[] = {H("Content-Length", "5"), H("content-length", "5")};
    assert_int_equal(check(two_cl, 2), HTTP_TRANSPORT_DUPLICATE_LENGTH);
    const char *lengths[] = {"", "-1", "+5", "5 ", "0x10", "1e3", "9999999999999999999"};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        struct http_kv cl[] = {H("Content-Length", lengths[i])};
        assert_int_equal(check(cl, 1), HTTP_TRANSPORT_BAD_LENGTH);
    }
    /* names: tokens only; "Content-Length " is how "Content-Length : 5" arrives */
    const char *names[] = {"Content-Length ", "X A", "X-A\t", "X\x01",
                           "X\x7f",           "",    "X:A",   "Transfer-Encodingchunked",
                           "content-length4", "X(A)"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct http_kv n[] = {H(names[i], "1")};
        assert_int_equal(check(n, 1), HTTP_TRANSPORT_BAD_HEADER);
    }
    struct http_kv ctl_value[] = {H("X-A", "a\rb")};
    assert_int_equal(check(ctl_value, 1), HTTP_TRANSPORT_BAD_HEADER);
    struct http_kv many[9];
    for (size_t i = 0; i < 9; i++)
        many[i] = (struct http_kv)H("X", "1");
    assert_int_equal(check(many, 8), HTTP_TRANSPORT_OK);
    assert_int_equal(check(many, 9), HTTP_TRANSPORT_TOO_MANY_HEADERS);
}

static void test_check_method(void **state)
{
    (void)state;
    assert_int_equal(http_check_method("GET"), HTTP_TRANSPORT_OK);
    assert_int_equal(http_check_method("PATCH"), HTTP_TRANSPORT_OK);
    assert_int_equal(http_check_method("G\x1b"
                                       "ET"),
                     HTTP_TRANSPORT_BAD_METHOD);
    assert_int_equal(http_check_method(""), HTTP_TRANSPORT_BAD_METHOD);
    assert_int_equal(http_check_method("AAAAAAAAAAAAAAAAA"), HTTP_TRANSPORT_BAD_METHOD); /* 17 */
    assert_int_equal(http_check_method(NULL), HTTP_TRANSPORT_BAD_METHOD);
    /* every error has a message */
    for (int e = HTTP_TRANSPORT_DUPLICATE_LENGTH; e <= HTTP_TRANSPORT_ADDRESS_FULL; e++)
        assert_true(strlen(http_transport_message((enum http_transport_error)e)) > 0);
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

/* A success stands for HEALTH_CACHE_MS and no longer; a failure is never
 * remembered and ends what a success left (hand-computed times, ms). */
static void test_health_cache(void **state)
{
    (void)state;
    static struct app app;                /* static: the struct is large */
    assert_false(health_cached(&app, 0)); /* nothing checked yet */
    assert_false(health_cached(&app, 5000));
    health_note(&app, true, 5000); /* ok at 5.000 s */
    assert_true(health_cached(&app, 5000));
    assert_true(health_cached(&app, 5000 + HEALTH_CACHE_MS - 1));
    assert_false(health_cached(&app, 5000 + HEALTH_CACHE_MS)); /* a second later: ask */
    health_note(&app, true, 5300);
    health_note(&app, false, 5400); /* the database failed at 5.400 s */
    assert_false(health_cached(&app, 5401));
    assert_false(health_cached(&app, 5300)); /* not even for an earlier clock */
    health_note(&app, false, 6000);
    assert_false(health_cached(&app, 6001)); /* failures are not remembered as successes */
    health_note(&app, true, 7000);
    assert_true(health_cached(&app, 7999));
    assert_int_equal(HEALTH_CACHE_MS, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_lookup), cmocka_unit_test(test_cookie_null_name),
        cmocka_unit_test(test_check_uri),     cmocka_unit_test(test_check_headers),
        cmocka_unit_test(test_check_method),  cmocka_unit_test(test_accepts_gzip),
        cmocka_unit_test(test_health_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
