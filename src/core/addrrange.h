/*
 * addrrange.h — IP address ranges ("127.0.0.1", "10.0.0.0/8", "::1",
 * "fd00::/8") parsed from settings and matched against a client address.
 * Pure: inet_pton and bit arithmetic, no I/O.
 */
#ifndef DYAD_ADDRRANGE_H
#define DYAD_ADDRRANGE_H

#include <stdbool.h>
#include <stddef.h>

enum { ADDR_RANGES_MAX = 16 };

struct addr_range {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network address, 4 or 16 bytes used */
    unsigned prefix;        /* bits that must match */
};

/* One address or CIDR range; host bits set below the prefix are refused
 * ("10.0.0.1/8" is a mistake more often than not). 0 or -1. */
int addr_range_parse(const char *s, struct addr_range *out);

/* A list separated by commas and/or spaces, at most ADDR_RANGES_MAX. 0, or
 * -1 with the offending entry copied into bad. An empty list is valid. */
int addr_ranges_parse(const char *s, struct addr_range *out, size_t *n, char *bad, size_t badlen);

/* Whether the textual address `addr` lies in one of the ranges. An IPv4
 * address written as IPv4-mapped IPv6 (::ffff:a.b.c.d) matches IPv4 ranges. */
bool addr_ranges_contain(const struct addr_range *r, size_t n, const char *addr);

/* The range written back ("10.0.0.0/8"). */
void addr_range_format(const struct addr_range *r, char *out, size_t outlen);

#endif
