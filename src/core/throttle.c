/*
 * throttle.c — see throttle.h.
 */
#include "core/throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int64_t throttle_rule_wait(const struct throttle_count *t, int64_t now)
{
    return t->blocked_until > now ? t->blocked_until - now : 0;
}

void throttle_rule_fail(const struct throttle_rule *r, struct throttle_count *t, int64_t now)
{
    if (now - t->updated_at > r->forget)
        t->failures = 0;
    if (t->failures < 1000000)
        t->failures++;
    t->updated_at = now;
    if (t->failures < r->free)
        return;
    int over = t->failures - r->free;
    int64_t wait = r->base;
    for (int i = 0; i < over && wait < r->cap; i++)
        wait *= 2;
    if (wait > r->cap)
        wait = r->cap;
    t->blocked_until = now + wait;
}

/* ---- addresses ------------------------------------------------------------ */

static int parse_addr(const char *s, size_t n, int *family, unsigned char out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

static int parse_one(const char *s, size_t n, struct cidr *c)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash != NULL ? (size_t)(slash - s) : n;
    memset(c, 0, sizeof *c);
    if (parse_addr(s, alen, &c->family, c->addr) != 0)
        return -1;
    int max = c->family == AF_INET ? 32 : 128;
    c->bits = max;
    if (slash != NULL) {
        size_t blen = n - alen - 1;
        if (blen == 0 || blen > 3)
            return -1;
        int bits = 0;
        for (size_t i = 0; i < blen; i++) {
            char d = slash[1 + i];
            if (d < '0' || d > '9')
                return -1;
            bits = bits * 10 + (d - '0');
        }
        if (bits > max)
            return -1;
        c->bits = bits;
    }
    return 0;
}

int cidr_list_parse(const char *text, struct cidr_list *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0 || out->n == THROTTLE_MAX_PROXIES || parse_one(p, n, &out->items[out->n]) != 0)
            return -1;
        out->n++;
        p += n;
        while (*p == ' ')
            p++;
        if (*p == ',') {
            p++;
            if (*p == '\0')
                return -1;
        } else if (*p != '\0') {
            return -1;
        }
    }
    return out->n > 0 ? 0 : -1;
}

static bool in_range(const struct cidr *c, int family, const unsigned char a[16])
{
    if (family != c->family)
        return false;
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a, c->addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (a[full] & mask) == (c->addr[full] & mask);
}

static bool contains_bin(const struct cidr_list *l, int family, const unsigned char a[16])
{
    /* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address. */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char v4[16] = {0};
    bool is_mapped = family == AF_INET6 && memcmp(a, mapped, 12) == 0;
    if (is_mapped)
        memcpy(v4, a + 12, 4);
    for (size_t i = 0; i < l->n; i++)
        if (in_range(&l->items[i], family, a) || (is_mapped && in_range(&l->items[i], AF_INET, v4)))
            return true;
    return false;
}

bool cidr_list_contains(const struct cidr_list *l, const char *addr)
{
    int family;
    unsigned char a[16] = {0};
    if (l == NULL || addr == NULL || parse_addr(addr, strlen(addr), &family, a) != 0)
        return false;
    return contains_bin(l, family, a);
}

int forwarded_for_client(const char *xff, const struct cidr_list *trusted, char *out, size_t outlen)
{
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
            a++;
        while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
            b--;
        int family;
        unsigned char bin[16] = {0};
        if (parse_addr(xff + a, b - a, &family, bin) != 0)
            return -1;
        if (!contains_bin(trusted, family, bin) || start == 0) {
            if (b - a >= outlen)
                return -1;
            memcpy(out, xff + a, b - a);
            out[b - a] = '\0';
            return 0;
        }
        end = start - 1;
    }
    return -1;
}

void throttle_client_key(const char *addr, char *out, size_t outlen)
{
    unsigned char a[16];
    if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, a) == 1) {
        memset(a + 8, 0, 8);
        char text[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, a, text, sizeof text) != NULL) {
            snprintf(out, outlen, "%s/64", text);
            return;
        }
    }
    snprintf(out, outlen, "%s", addr);
}
