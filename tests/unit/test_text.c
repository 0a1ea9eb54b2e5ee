/*
 * test_text.c — src/core/text.c: the UTF-8 check on every edge the
 * Unicode standard names (overlong, surrogate, beyond U+10FFFF, cut short),
 * the growable buffer across its growth, and the escaping pages and charts
 * share, each against hand-written bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/text.h"

#define U(s) ((const unsigned char *)(s))

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_len(U("a"), 1), 1);
    assert_int_equal(text_utf8_len(U("\0"), 1), 1);           /* NUL is a character */
    assert_int_equal(text_utf8_len(U("\xC2\x80"), 2), 2);     /* U+0080, the first of two */
    assert_int_equal(text_utf8_len(U("\xDF\xBF"), 2), 2);     /* U+07FF */
    assert_int_equal(text_utf8_len(U("\xE0\xA0\x80"), 3), 3); /* U+0800 */
    assert_int_equal(text_utf8_len(U("\xEF\xBF\xBF"), 3), 3); /* U+FFFF */
    assert_int_equal(text_utf8_len(U("\xED\x9F\xBF"), 3), 3); /* U+D7FF, before the surrogates */
    assert_int_equal(text_utf8_len(U("\xF0\x90\x80\x80"), 4), 4); /* U+10000 */
    assert_int_equal(text_utf8_len(U("\xF4\x8F\xBF\xBF"), 4), 4); /* U+10FFFF */
    /* refused */
    assert_int_equal(text_utf8_len(U(""), 0), 0);
    assert_int_equal(text_utf8_len(U("\x80"), 1), 0);             /* a lone continuation */
    assert_int_equal(text_utf8_len(U("\xC0\xAF"), 2), 0);         /* overlong '/' */
    assert_int_equal(text_utf8_len(U("\xC1\xBF"), 2), 0);         /* overlong */
    assert_int_equal(text_utf8_len(U("\xE0\x9F\xBF"), 3), 0);     /* overlong U+07FF */
    assert_int_equal(text_utf8_len(U("\xF0\x8F\xBF\xBF"), 4), 0); /* overlong U+FFFF */
    assert_int_equal(text_utf8_len(U("\xED\xA0\x80"), 3), 0);     /* U+D800, a surrogate */
    assert_int_equal(text_utf8_len(U("\xED\xBF\xBF"), 3), 0);     /* U+DFFF */
    assert_int_equal(text_utf8_len(U("\xF4\x90\x80\x80"), 4), 0); /* U+110000 */
    assert_int_equal(text_utf8_len(U("\xF5\x80\x80\x80"), 4), 0);
    assert_int_equal(text_utf8_len(U("\xFF"), 1), 0);
    assert_int_equal(text_utf8_len(U("\xC3\x28"), 2), 0);     /* a continuation missing */
    assert_int_equal(text_utf8_len(U("\xE2\x82\xAC"), 2), 0); /* "€" cut short by avail */
    assert_int_equal(text_utf8_len(U("\xE2\x82"), 3), 0);     /* … by its NUL */
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(text_utf8_valid("", 0));
    assert_true(text_utf8_valid("caf\xC3\xA9 \xF0\x9F\x98\x80", 10));
    assert_true(text_utf8_valid("a\0b", 3)); /* by length, not by NUL */
    assert_false(text_utf8_valid("caf\xC3", 4));
    assert_false(text_utf8_valid("\xC3\xA9\xED\xA0\x80", 5));
    assert_true(text_utf8_valid("\xC3\xA9\xED\xA0\x80", 2)); /* only the first len bytes */
}

static void test_buffer(void **state)
{
    (void)state;
    struct text_buf b = {0};
    char *s = text_finish(&b); /* nothing written: "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);

    /* past the first allocation, several times */
    char chunk[100];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 50; i++)
        text_put_n(&b, chunk, sizeof chunk);
    text_printf(&b, "<%d|%s>", 42, "end");
    text_put(&b, "!");
    assert_false(b.failed);
    assert_int_equal(b.len, 5000 + 8 + 1);
    assert_true(b.len < b.cap);
    s = text_finish(&b);
    assert_non_null(s);
    assert_int_equal(strlen(s), 5009);
    assert_string_equal(s + 5000, "<42|end>!");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);

    /* a printf larger than what was reserved for it */
    char big[1000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    text_printf(&b, "%s%s", big, big);
    assert_int_equal(b.len, 1998);
    assert_int_equal(strspn(b.data, "y"), 1998);
    text_discard(&b);
    assert_null(b.data);

    /* a failed buffer ignores writes and finishes as NULL */
    text_put(&b, "kept?");
    b.failed = true;
    text_put(&b, "no");
    assert_int_equal(b.len, 5);
    assert_null(text_finish(&b));
    assert_null(b.data);
    assert_false(b.failed);
}

static char *escaped(const char *s)
{
    struct text_buf b = {0};
    text_put_escaped(&b, s);
    return text_finish(&b);
}

static void test_escaping(void **state)
{
    (void)state;
    char *s = escaped("Ben & \"Bo\" <b>'s</b>");
    assert_string_equal(s, "Ben &amp; &quot;Bo&quot; &lt;b&gt;&#39;s&lt;/b&gt;");
    free(s);
    /* tab and newline stay; other controls (C0, DEL, C1) and bytes that are
     * not UTF-8 become U+FFFD, one per bad byte or control */
    s = escaped("a\tb\nc\x01"
                "d\x7F"
                "e\xC2\x85"
                "f\x80"
                "g\xC3");
    assert_string_equal(s, "a\tb\nc\xEF\xBF\xBD"
                           "d\xEF\xBF\xBD"
                           "e\xEF\xBF\xBD"
                           "f\xEF\xBF\xBD"
                           "g\xEF\xBF\xBD");
    free(s);
    /* an overlong slash is two bad bytes, a surrogate three; fine UTF-8 passes */
    s = escaped("\xC0\xAF|\xED\xA0\x80|\xC3\xA9\xF0\x9F\x98\x80\xC2\xA0");
    assert_string_equal(s, "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                           "\xC3\xA9\xF0\x9F\x98\x80\xC2\xA0");
    free(s);
    s = escaped("");
    assert_string_equal(s, "");
    free(s);

    /* the same, into an arena */
    struct arena *a = arena_new();
    assert_non_null(a);
    assert_string_equal(text_escape(a, "<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
    assert_string_equal(text_escape(a, ""), "");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_buffer),
        cmocka_unit_test(test_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
