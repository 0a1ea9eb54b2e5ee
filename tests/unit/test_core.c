/*
 * test_core.c — the arena, the API error table, and the input validators,
 * against hand-computed cases and their edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/apierror.h"
#include "core/arena.h"
#include "core/validate.h"
#include "core/vocab.h"
#include "core/checkin.h"
#include "core/prompts.h"

#include <sodium.h>

/* arena_own: each thing handed over is released once, when the arena is,
 * newest first */
static char released[8];
static size_t n_released;
static void release(void *p)
{
    if (n_released < sizeof released)
        released[n_released++] = *(char *)p;
    free(p);
}

static char *one_char(char ch)
{
    char *p = malloc(1);
    assert_non_null(p);
    *p = ch;
    return p;
}

static void test_arena_own(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_non_null(a);
    n_released = 0;
    char *x = one_char('x');
    assert_ptr_equal(arena_own(a, x, release), x);
    assert_ptr_equal(*(char *)arena_own(a, one_char('y'), release), 'y');
    assert_null(arena_own(a, NULL, release)); /* a failed make: nothing to note */
    assert_non_null(arena_alloc(a, 100000));  /* owned things survive other allocations */
    assert_int_equal(n_released, 0);
    assert_int_equal(*x, 'x');
    arena_free(a);
    assert_int_equal(n_released, 2);
    assert_memory_equal(released, "yx", 2);
}

static void test_arena(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_non_null(a);
    char *s = arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    unsigned char *z = arena_alloc(a, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    assert_int_equal((uintptr_t)z % _Alignof(max_align_t), 0);
    /* a large block beside small ones; earlier pointers stay valid */
    char *big = arena_alloc(a, 100000);
    memset(big, 'x', 100000);
    char *p = arena_printf(a, "%s-%d", "n", 42);
    assert_string_equal(p, "n-42");
    assert_string_equal(s, "hello");
    for (int i = 0; i < 1000; i++)
        assert_non_null(arena_alloc(a, 64));
    assert_true(arena_used(a) >= 100000 + 64000);
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    arena_free(a);
    arena_free(NULL);
}

static void test_api_errors(void **state)
{
    (void)state;
    static const struct {
        enum api_error e;
        int status;
        const char *name;
    } cases[] = {
        {API_BAD_JSON, 400, "bad_json"},
        {API_MISSING_FIELD, 400, "missing_field"},
        {API_INVALID_FIELD, 400, "invalid_field"},
        {API_UNAUTHENTICATED, 401, "unauthenticated"},
        {API_CSRF, 403, "csrf"},
        {API_FORBIDDEN, 403, "forbidden"},
        {API_NOT_FOUND, 404, "not_found"},
        {API_CONFLICT, 409, "conflict"},
        {API_TOO_LARGE, 413, "too_large"},
        {API_RATE_LIMITED, 429, "rate_limited"},
        {API_METHOD, 405, "method_not_allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(api_error_status(cases[i].e), cases[i].status);
        assert_string_equal(api_error_name(cases[i].e), cases[i].name);
        assert_true(strlen(api_error_message(cases[i].e)) > 5);
    }
    /* bad input never maps to 5xx */
    for (int e = API_BAD_JSON; e <= API_RATE_LIMITED; e++)
        assert_true(api_error_status((enum api_error)e) < 500);
    assert_int_equal(api_error_status((enum api_error)999), 500);
}

static void test_email(void **state)
{
    (void)state;
    assert_int_equal(validate_email("a@b.co"), 0);
    assert_int_equal(validate_email("ana.maria+x@example.org"), 0);
    assert_int_equal(validate_email("ab"), -1);
    assert_int_equal(validate_email("no-at.example.org"), -1);
    assert_int_equal(validate_email("@example.org"), -1);
    assert_int_equal(validate_email("a@b@c.org"), -1);
    assert_int_equal(validate_email("a@nodot"), -1);
    assert_int_equal(validate_email("a@b."), -1);
    assert_int_equal(validate_email("a b@c.org"), -1);
    assert_int_equal(validate_email("a@c.org\n"), -1);
    char longest[256];
    memset(longest, 'a', 254);
    memcpy(longest + 242, "@example.org", 12);
    longest[254] = '\0';
    assert_int_equal(validate_email(longest), 0);
    longest[254] = 'g';
    longest[255] = '\0';
    assert_int_equal(validate_email(longest), -1);
    char mixed[] = "Ana@Example.ORG";
    validate_email_normalize(mixed);
    assert_string_equal(mixed, "ana@example.org");
}

static void test_text_and_names(void **state)
{
    (void)state;
    assert_int_equal(validate_display_name("Ana"), 0);
    assert_int_equal(validate_display_name("Zoë 🙂"), 0);
    assert_int_equal(validate_display_name(""), -1);
    assert_int_equal(validate_display_name("   "), -1);
    assert_int_equal(validate_display_name("a\tb"), -1);
    char n64[66];
    memset(n64, 'n', 64);
    n64[64] = '\0';
    assert_int_equal(validate_display_name(n64), 0);
    n64[64] = 'n';
    n64[65] = '\0';
    assert_int_equal(validate_display_name(n64), -1);
    assert_int_equal(validate_text("\xc3\xa9", 2, false), 0);          /* é */
    assert_int_equal(validate_text("\xc3", 1, false), -1);             /* truncated */
    assert_int_equal(validate_text("\xc0\xaf", 2, false), -1);         /* overlong */
    assert_int_equal(validate_text("\xed\xa0\x80", 3, false), -1);     /* surrogate */
    assert_int_equal(validate_text("\xf4\x90\x80\x80", 4, false), -1); /* > U+10FFFF */
    assert_int_equal(validate_text("\xc2\x85", 2, false), -1);         /* C1 control */
    assert_int_equal(validate_text("a\nb", 3, true), 0);
    assert_int_equal(validate_text("a\nb", 3, false), -1);
}

static void test_base64(void **state)
{
    (void)state;
    unsigned char out[32];
    size_t n;
    assert_int_equal(validate_b64_exact("AAECAwQFBgcICQoLDA0ODw==", out, 16), 0);
    assert_int_equal(out[15], 15);
    assert_int_equal(validate_b64_exact("AAECAwQFBgcICQoLDA0ODw==", out, 15), -1);
    assert_int_equal(validate_b64_exact("AAECAwQFBgcICQoLDA0ODw", out, 16), -1);   /* no padding */
    assert_int_equal(validate_b64_exact("AAECAwQFBgcICQoLDA0ODx==", out, 16), -1); /* stray bits */
    assert_int_equal(validate_b64_exact("AAECAwQF-gcICQoLDA0ODw==", out, 16),
                     -1); /* url alphabet */
    assert_int_equal(validate_b64_exact("", out, 16), -1);
    assert_int_equal(validate_b64_range("AAEC", out, 1, 32, &n), 0);
    assert_int_equal(n, 3);
    /* longer than 256 bytes: bytes above 0x7f are not base64 (libsodium
     * 1.0.18 would read each as '/'), and only the canonical spelling passes */
    static unsigned char big[300];
    char enc[512];
    memset(big, 0xff, sizeof big);
    sodium_bin2base64(enc, sizeof enc, big, 258, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(validate_b64_range(enc, big, 1, 300, &n), 0);
    assert_int_equal(n, 258);
    enc[0] = (char)0xc3;
    enc[1] = (char)0xa9; /* "é" in place of "//" */
    assert_int_equal(validate_b64_range(enc, big, 1, 300, &n), -1);
    assert_int_equal(validate_entry_id("AAECAwQFBgcICQoLDA0ODw"), 0);
    assert_int_equal(validate_entry_id("AAECAwQFBgcICQoLDA0ODw=="), -1);
    assert_int_equal(validate_entry_id("AAECAwQFBgcICQoLDA0OD"), -1);
    assert_int_equal(validate_entry_id("AAECAwQFBgcICQoLDA0OD/"), -1);
}

static void test_dates(void **state)
{
    (void)state;
    long d;
    assert_int_equal(date_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(date_parse("2026-11-24", &d), 0);
    assert_int_equal(d, 20781); /* 56 * 365 = 20440, + 14 leap days, + 327 days into 2026 */
    char buf[11];
    date_format(d, buf);
    assert_string_equal(buf, "2026-11-24");
    assert_int_equal(date_parse("2024-02-29", &d), 0);
    date_format(d, buf);
    assert_string_equal(buf, "2024-02-29");
    assert_int_equal(date_parse("2023-02-29", &d), -1);
    assert_int_equal(date_parse("2100-02-29", &d), -1);
    assert_int_equal(date_parse("2000-02-29", &d), 0);
    assert_int_equal(date_parse("2026-13-01", &d), -1);
    assert_int_equal(date_parse("2026-04-31", &d), -1);
    assert_int_equal(date_parse("2026-4-1", &d), -1);
    assert_int_equal(date_parse("1969-12-31", &d), -1);
    assert_int_equal(date_parse("2026-11-24x", &d), -1);
    for (long day = 0; day < 30000; day += 37) {
        long back;
        date_format(day, buf);
        assert_int_equal(date_parse(buf, &back), 0);
        assert_int_equal(back, day);
    }
}

/* Every value of every vocabulary has words, nothing past the end does, and
 * response kinds map both ways. */
static void test_vocab(void **state)
{
    (void)state;
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        assert_non_null(vocab_topic(t));
        assert_true(strlen(vocab_topic(t)->label) > 0);
        assert_non_null(vocab_topic(t)->hint);
    }
    assert_null(vocab_topic(PROMPTS_TOPIC__MAX));
    assert_null(vocab_topic(-1));
    assert_null(vocab_depth(0));
    assert_string_equal(vocab_depth(1)->label, "Everyday");
    assert_string_equal(vocab_depth(3)->label, "Closer");
    assert_non_null(vocab_depth(5));
    assert_null(vocab_depth(6));
    for (int k = 0; k < PROMPTS_KIND__MAX; k++)
        assert_true(strlen(vocab_kind(k)->label) > 0);
    assert_null(vocab_kind(PROMPTS_KIND__MAX));
    for (int e = 0; e < INSIGHTS_EMOTION__MAX; e++)
        assert_true(strlen(vocab_emotion(e)->label) > 0);
    assert_null(vocab_emotion(INSIGHTS_EMOTION__MAX));
    for (int r = 0; r < VOCAB_RESPONSE__MAX; r++) {
        assert_true(strlen(vocab_response(r)->label) > 0);
        assert_int_equal(vocab_response_from_name(vocab_response_name(r)), r);
    }
    assert_string_equal(vocab_response_name(VOCAB_RESPONSE_MAKES_SENSE), "makes_sense");
    assert_int_equal(vocab_response_from_name("with_you"), VOCAB_RESPONSE_WITH_YOU);
    assert_int_equal(vocab_response_from_name("With_you"), -1);
    assert_int_equal(vocab_response_from_name(NULL), -1);
    assert_null(vocab_response_name(VOCAB_RESPONSE__MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena),          cmocka_unit_test(test_arena_own),
        cmocka_unit_test(test_api_errors),     cmocka_unit_test(test_email),
        cmocka_unit_test(test_text_and_names), cmocka_unit_test(test_base64),
        cmocka_unit_test(test_dates),          cmocka_unit_test(test_vocab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
