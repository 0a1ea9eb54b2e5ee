/*
 * throttle.h — the back-off policy after failed attempts, and the address
 * arithmetic it needs (which peers are trusted proxies, which client an
 * X-Forwarded-For header names, the /64 an IPv6 client shares).
 *
 * Pure: no I/O, no clock (the caller passes `now`), no store. The floor
 * (src/web/floor_throttle.c) keeps one count per key in the store and asks
 * these functions what to do; tests/unit/test_throttle.c drives them with a
 * simulated clock.
 *
 * Which keys a sign-in is counted under is the policy that matters most
 * (docs/security.md#throttling):
 *   - the pair (account, client address): the owner signing in from another
 *     address has a count of their own, so a stranger's failures never delay
 *     them, however the stranger times their tries;
 *   - the client address alone: one address spraying many accounts;
 *   - a signed-in re-entry of the password (change it, delete the account)
 *     is counted per session, never under a key a stranger can touch.
 */
#ifndef DYAD_THROTTLE_H
#define DYAD_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How one kind of key backs off. */
struct throttle_rule {
    int free;       /* the failure that starts the waits (5: the 5th) */
    int64_t base;   /* the first wait, seconds; each further failure doubles it */
    int64_t cap;    /* never more than this: a wait, never a lockout */
    int64_t forget; /* this long without a failure forgets the count */
};

/* What is kept per key (the store's struct throttle has the same fields). */
struct throttle_count {
    int failures;
    int64_t blocked_until;
    int64_t updated_at; /* the last failure */
};

/* Seconds still to wait at `now` (0: go ahead). */
int64_t throttle_rule_wait(const struct throttle_count *t, int64_t now);

/* Counts one failure at `now`: from the r->free-th on, the wait is
 * base · 2^(failures − free), at most r->cap. */
void throttle_rule_fail(const struct throttle_rule *r, struct throttle_count *t, int64_t now);

/* ---- addresses ------------------------------------------------------------ */

enum { THROTTLE_MAX_PROXIES = 16 };

struct cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
};

struct cidr_list {
    struct cidr items[THROTTLE_MAX_PROXIES];
    size_t n;
};

/* Parses "ADDR[/BITS][,ADDR[/BITS]…]" (IPv4 or IPv6; spaces after commas
 * allowed) into out. 0, or -1 for anything malformed or too many. */
int cidr_list_parse(const char *text, struct cidr_list *out);

/* Whether the textual address addr is inside one of the list's ranges. */
bool cidr_list_contains(const struct cidr_list *l, const char *addr);

/* The client an X-Forwarded-For value names, given that the peer is a
 * trusted proxy: entries are read from the right (the one the nearest proxy
 * appended) and trusted proxies skipped; the first other one is the client.
 * Copies it into out (size outlen) and returns 0; -1 when an entry that
 * would be read is not an IP address (then the peer stays the client). */
int forwarded_for_client(const char *xff, const struct cidr_list *trusted, char *out,
                         size_t outlen);

/* The text a per-client count is keyed by: an IPv4 address as it is, an
 * IPv6 address as its /64 (one host usually holds a whole /64). */
void throttle_client_key(const char *addr, char *out, size_t outlen);

#endif
