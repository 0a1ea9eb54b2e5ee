/*
 * test_throttle.c — the pure back-off policy and address arithmetic of
 * src/core/throttle.c, against hand-computed cases and a simulated clock
 * (no test here waits for real time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/throttle.h"

/* The sign-in rule of src/web/floor_throttle.c: from the 5th failure a
 * wait of 4 s, doubling, at most 900 s; an hour without failures forgets. */
static const struct throttle_rule LOGIN = {.free = 5, .base = 4, .cap = 900, .forget = 3600};

static void test_rule_waits(void **state)
{
    (void)state;
    struct throttle_count t = {0};
    int64_t now = 1000;
    /* failures 1-4: no wait */
    for (int i = 1; i <= 4; i++) {
        throttle_rule_fail(&LOGIN, &t, now);
        assert_int_equal(throttle_rule_wait(&t, now), 0);
    }
    /* 5th: 4 s (the first wait docs/security.md names), then 8, 16, … */
    int64_t expect[] = {4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        throttle_rule_fail(&LOGIN, &t, now);
        assert_int_equal(throttle_rule_wait(&t, now), expect[i]);
        assert_int_equal(throttle_rule_wait(&t, now + expect[i]), 0); /* it ends */
        assert_int_equal(throttle_rule_wait(&t, now + expect[i] - 1), 1);
    }
    /* an hour and a second without a failure: the count starts over */
    now += 900 + 3601;
    throttle_rule_fail(&LOGIN, &t, now);
    assert_int_equal(t.failures, 1);
    assert_int_equal(throttle_rule_wait(&t, now), 0);
}

/* Many failures never overflow the doubling: the cap holds. */
static void test_rule_cap_holds(void **state)
{
    (void)state;
    struct throttle_count t = {0};
    for (int i = 0; i < 5000; i++)
        throttle_rule_fail(&LOGIN, &t, 50);
    assert_int_equal(throttle_rule_wait(&t, 50), 900);
}

/* The attack from the field: a stranger on address A tries the owner's
 * account once each wait expires, for a day, so the waits on A reach and
 * stay at the cap. Sign-ins are counted per (account, client) and per
 * client, never per account alone, so the owner on address B — the keys
 * their attempt is checked under — never has a wait, at any moment. */
static void test_stranger_timed_to_expiry(void **state)
{
    (void)state;
    const struct throttle_rule CLIENT = {.free = 20, .base = 1, .cap = 900, .forget = 3600};
    struct throttle_count stranger_pair = {0}, stranger_client = {0};
    struct throttle_count owner_pair = {0}, owner_client = {0};
    int64_t now = 1700000000, end = now + 24 * 3600;
    int tries = 0, owner_checks = 0;
    while (now < end) {
        int64_t w = throttle_rule_wait(&stranger_pair, now);
        int64_t wc = throttle_rule_wait(&stranger_client, now);
        now += w > wc ? w : wc; /* timed to the expiry */
        throttle_rule_fail(&LOGIN, &stranger_pair, now);
        throttle_rule_fail(&CLIENT, &stranger_client, now);
        tries++;
        /* the owner, from B, at every second until the stranger's next try */
        int64_t next = stranger_pair.blocked_until;
        for (int64_t t = now; t < next && t < end; t += 1 + (next - now) / 7) {
            assert_int_equal(throttle_rule_wait(&owner_pair, t), 0);
            assert_int_equal(throttle_rule_wait(&owner_client, t), 0);
            owner_checks++;
        }
    }
    /* the stranger is held to the cap: 4+8+…+512 = 1020 s to get there,
     * then one try per 900 s */
    assert_int_equal(throttle_rule_wait(&stranger_pair, now), 900);
    assert_true(tries < 5 + 9 + (24 * 3600 - 1020) / 900 + 2);
    assert_true(owner_checks > tries);
    /* and the owner's own wrong password still counts for the owner alone */
    throttle_rule_fail(&LOGIN, &owner_pair, now);
    assert_int_equal(throttle_rule_wait(&owner_pair, now), 0);
}

static void test_cidr(void **state)
{
    (void)state;
    struct cidr_list l;
    assert_int_equal(cidr_list_parse("127.0.0.0/8, ::1,10.1.2.0/23", &l), 0);
    assert_int_equal(l.n, 3);
    assert_true(cidr_list_contains(&l, "127.0.0.1"));
    assert_true(cidr_list_contains(&l, "127.255.0.9"));
    assert_true(cidr_list_contains(&l, "::1"));
    assert_true(cidr_list_contains(&l, "::ffff:127.0.0.1")); /* v4-mapped */
    assert_true(cidr_list_contains(&l, "10.1.3.200"));       /* /23: 10.1.2.0-10.1.3.255 */
    assert_false(cidr_list_contains(&l, "10.1.4.0"));
    assert_false(cidr_list_contains(&l, "128.0.0.1"));
    assert_false(cidr_list_contains(&l, "::2"));
    assert_false(cidr_list_contains(&l, "not an address"));
    assert_false(cidr_list_contains(&l, NULL));
    assert_int_equal(cidr_list_parse("192.0.2.7", &l), 0);
    assert_true(cidr_list_contains(&l, "192.0.2.7"));
    assert_false(cidr_list_contains(&l, "192.0.2.8"));
    assert_int_equal(cidr_list_parse("2001:db8::/32", &l), 0);
    assert_true(cidr_list_contains(&l, "2001:db8:ffff::1"));
    assert_false(cidr_list_contains(&l, "2001:db9::1"));
    const char *bad[] = {
        "",           "1",         "10.0.0.0/33", "::1/129",           "10.0.0.0/",
        "10.0.0.0/x", "10.0.0.1,", ",10.0.0.1",   "10.0.0.1;10.0.0.2", "example.org"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cidr_list_parse(bad[i], &l), -1);
    char many[400] = "";
    for (int i = 0; i <= THROTTLE_MAX_PROXIES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.0.%d", i ? "," : "", i);
    assert_int_equal(cidr_list_parse(many, &l), -1);
}

static void test_forwarded_for(void **state)
{
    (void)state;
    struct cidr_list l;
    char out[64];
    assert_int_equal(cidr_list_parse("127.0.0.1, 10.0.0.0/8", &l), 0);
    /* the last entry is what the nearest proxy saw */
    assert_int_equal(forwarded_for_client("203.0.113.9, 198.51.100.1", &l, out, sizeof out), 0);
    assert_string_equal(out, "198.51.100.1");
    /* a chain of trusted proxies is skipped from the right */
    assert_int_equal(forwarded_for_client("198.51.100.1,10.0.0.2, 10.0.0.3", &l, out, sizeof out),
                     0);
    assert_string_equal(out, "198.51.100.1");
    /* a forged entry to the left of the real client does not matter */
    assert_int_equal(forwarded_for_client("1.2.3.4, 198.51.100.1, 10.0.0.3", &l, out, sizeof out),
                     0);
    assert_string_equal(out, "198.51.100.1");
    /* all trusted: the leftmost */
    assert_int_equal(forwarded_for_client("10.0.0.1, 10.0.0.2", &l, out, sizeof out), 0);
    assert_string_equal(out, "10.0.0.1");
    assert_int_equal(forwarded_for_client("2001:db8::1", &l, out, sizeof out), 0);
    assert_string_equal(out, "2001:db8::1");
    /* junk where the client should be: refused (the peer stays the client) */
    assert_int_equal(forwarded_for_client("198.51.100.1, unknown", &l, out, sizeof out), -1);
    assert_int_equal(forwarded_for_client("", &l, out, sizeof out), -1);
    assert_int_equal(forwarded_for_client(" , ", &l, out, sizeof out), -1);
    assert_int_equal(forwarded_for_client("198.51.100.1:443", &l, out, sizeof out), -1);
}

static void test_client_key(void **state)
{
    (void)state;
    char out[80];
    throttle_client_key("198.51.100.7", out, sizeof out);
    assert_string_equal(out, "198.51.100.7");
    throttle_client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", out, sizeof out);
    assert_string_equal(out, "2001:db8:1:2::/64");
    char other[80];
    throttle_client_key("2001:db8:1:2::1", other, sizeof other);
    assert_string_equal(out, other); /* one /64, one count */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_waits),
        cmocka_unit_test(test_rule_cap_holds),
        cmocka_unit_test(test_stranger_timed_to_expiry),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_forwarded_for),
        cmocka_unit_test(test_client_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
