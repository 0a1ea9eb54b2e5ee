/*
 * addrrange.c — see addrrange.h.
 */
#include "core/addrrange.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int addr_range_parse(const char *s, struct addr_range *out)
{
    char buf[64];
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len + 1);
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    memset(out, 0, sizeof *out);
    unsigned bits;
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        bits = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        bits = 128;
    } else {
        return -1;
    }
    out->prefix = bits;
    if (slash != NULL) {
        const char *p = slash + 1;
        if (*p < '0' || *p > '9' || strlen(p) > 3)
            return -1;
        char *end;
        unsigned long n = strtoul(p, &end, 10);
        if (*end != '\0' || n > bits)
            return -1;
        out->prefix = (unsigned)n;
    }
    /* no host bits below the prefix */
    for (unsigned i = out->prefix; i < bits; i++)
        if (out->addr[i / 8] & (0x80u >> (i % 8)))
            return -1;
    return 0;
}

int addr_ranges_parse(const char *s, struct addr_range *out, size_t *n, char *bad, size_t badlen)
{
    *n = 0;
    while (*s != '\0') {
        s += strspn(s, ", \t");
        size_t len = strcspn(s, ", \t");
        if (len == 0)
            break;
        char item[64];
        snprintf(bad, badlen, "%.*s", (int)len, s);
        if (len >= sizeof item || *n >= ADDR_RANGES_MAX)
            return -1;
        memcpy(item, s, len);
        item[len] = '\0';
        if (addr_range_parse(item, &out[*n]) != 0)
            return -1;
        (*n)++;
        s += len;
    }
    if (badlen > 0)
        bad[0] = '\0';
    return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *net, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(a, net, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (a[whole] & mask) == (net[whole] & mask);
}

bool addr_ranges_contain(const struct addr_range *r, size_t n, const char *addr)
{
    unsigned char a4[4], a6[16];
    bool is4 = inet_pton(AF_INET, addr, a4) == 1;
    bool is6 = !is4 && inet_pton(AF_INET6, addr, a6) == 1;
    if (is6) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a6, mapped, 12) == 0) {
            memcpy(a4, a6 + 12, 4);
            is4 = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (r[i].family == AF_INET && is4 && prefix_match(a4, r[i].addr, r[i].prefix))
            return true;
        if (r[i].family == AF_INET6 && is6 && prefix_match(a6, r[i].addr, r[i].prefix))
            return true;
    }
    return false;
}

void addr_range_format(const struct addr_range *r, char *out, size_t outlen)
{
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(r->family, r->addr, buf, sizeof buf) == NULL)
        buf[0] = '\0';
    snprintf(out, outlen, "%s/%u", buf, r->prefix);
}
