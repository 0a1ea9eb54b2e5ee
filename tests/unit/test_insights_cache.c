/*
 * test_insights_cache.c — the insights cache as a map: an answer comes back
 * only for a key equal to its own byte for byte, a slot holds one answer (a
 * newer key replaces the older), and the budget holds, the least recently
 * used slots going first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "web/insights_cache.h"

/* "slot|rest": the slot is everything up to and including the '|'. */
static size_t slot_of(const char *key)
{
    const char *bar = strchr(key, '|');
    return bar != NULL ? (size_t)(bar - key) + 1 : strlen(key);
}

static const char *get(struct insights_cache *ic, struct arena *a, const char *key)
{
    const char *body = NULL;
    size_t len = 0;
    if (!insights_cache_get(ic, key, strlen(key), slot_of(key), a, &body, &len))
        return NULL;
    assert_int_equal(len, strlen(body));
    return body;
}

static void put(struct insights_cache *ic, const char *key, const char *body)
{
    insights_cache_put(ic, key, strlen(key), slot_of(key), body, strlen(body));
}

static void test_exact_keys(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct insights_cache *ic = insights_cache_new(1 << 20);
    assert_non_null(ic);
    put(ic, "d1:v0|today:7:ver:3", "member 0's answer");
    put(ic, "d1:v1|today:7:ver:3", "member 1's answer");
    assert_string_equal(get(ic, a, "d1:v0|today:7:ver:3"), "member 0's answer");
    assert_string_equal(get(ic, a, "d1:v1|today:7:ver:3"), "member 1's answer");
    /* one byte different anywhere: nothing */
    assert_null(get(ic, a, "d1:v0|today:7:ver:4"));
    assert_null(get(ic, a, "d1:v0|today:8:ver:3"));
    assert_null(get(ic, a, "d1:v2|today:7:ver:3"));
    assert_null(get(ic, a, "d1:v0|today:7:ver:3 "));
    assert_null(get(ic, a, "d1:v0|today:7:ver:"));
    struct insights_cache_stats st;
    insights_cache_stats(ic, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 5);
    assert_int_equal(st.entries, 2);
    /* a NULL cache keeps nothing and answers nothing */
    put(NULL, "x|y", "z");
    assert_null(get(NULL, a, "x|y"));
    insights_cache_free(ic);
    arena_free(a);
}

static void test_slot_replaced(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct insights_cache *ic = insights_cache_new(1 << 20);
    put(ic, "d1:v0|ver:3", "old");
    put(ic, "d1:v0|ver:4", "new");
    assert_null(get(ic, a, "d1:v0|ver:3"));
    assert_string_equal(get(ic, a, "d1:v0|ver:4"), "new");
    put(ic, "d1:v0|ver:4", "again");
    assert_string_equal(get(ic, a, "d1:v0|ver:4"), "again");
    struct insights_cache_stats st;
    insights_cache_stats(ic, &st);
    assert_int_equal(st.entries, 1);
    insights_cache_free(ic);
    arena_free(a);
}

static void test_budget(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    enum { BUDGET = 64 * 1024 };
    struct insights_cache *ic = insights_cache_new(BUDGET);
    char body[1000], key[32];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "d%d|v", i);
        put(ic, key, body);
        if (i % 20 == 0) /* d0 is used again and again: it stays */
            assert_non_null(get(ic, a, "d0|v"));
    }
    struct insights_cache_stats st;
    insights_cache_stats(ic, &st);
    assert_true(st.bytes <= BUDGET);
    assert_true(st.entries > 30 && st.entries < 64);
    assert_true(st.evictions > 100);
    assert_non_null(get(ic, a, "d199|v")); /* the newest */
    assert_non_null(get(ic, a, "d0|v"));   /* used recently */
    assert_null(get(ic, a, "d1|v"));       /* the oldest went first */
    /* an answer over a quarter of the budget is not kept */
    char big[BUDGET / 4 + 1];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    put(ic, "big|v", big);
    assert_null(get(ic, a, "big|v"));
    insights_cache_free(ic);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_keys),
        cmocka_unit_test(test_slot_replaced),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests_name("insights cache", tests, NULL, NULL);
}
