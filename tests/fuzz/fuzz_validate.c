/*
 * fuzz_validate.c — the checks of core/validate.h on arbitrary bytes.
 *
 * Input: any bytes. The text functions see them up to the first NUL as a C
 * string (validate_text sees all of them); the first 8 bytes also make a day
 * number for date_format.
 *
 * Checks:
 *   - validate_text agrees with a reference UTF-8 decoder written from
 *     Unicode's table of well-formed byte sequences (no overlongs,
 *     surrogates or code points past U+10FFFF; no NUL, C0 but LF and TAB when
 *     newlines are allowed, DEL, or C1);
 *   - date_parse: an accepted date formats back to the same ten bytes and
 *     is what date_days_from_civil says; date_format of any day from
 *     1970-01-01 to 9999-12-31 parses back to that day;
 *   - time_parse_iso: an accepted time is what gmtime_r prints back;
 *   - validate_email: an accepted address has 3-254 bytes, one '@' with
 *     something before it, a dot inside the domain, no spaces or controls;
 *     lower-casing keeps it valid and is idempotent;
 *   - validate_display_name: 1-64 bytes of valid text, not only spaces;
 *   - validate_b64_range / validate_b64_exact with the ranges the handlers
 *     use: a decoded size within the range, and only the canonical spelling
 *     (encoding the bytes again gives the input back);
 *   - validate_entry_id: 22 characters of base64url, canonical.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void violated(const char *what, const char *s)
{
    fprintf(stderr, "fuzz_validate: %s\n  input \"%s\"\n", what, s);
    abort();
}

/* Unicode 15, table 3-7: the well-formed UTF-8 byte sequences. */
static int reference_text(const unsigned char *p, size_t len, bool allow_newline)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        unsigned cp = c;
        size_t n = 0;                  /* continuation bytes */
        unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */
        if (c <= 0x7f) {
            n = 0;
        } else if (c >= 0xc2 && c <= 0xdf) {
            cp = c & 0x1f;
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            cp = c & 0x0f;
            n = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            cp = c & 0x07;
            n = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            if (c == 0xf4)
                hi = 0x8f; /* past U+10FFFF */
        } else {
            return -1;
        }
        if (n > 0 && i + n >= len)
            return -1;
        for (size_t k = 1; k <= n; k++) {
            unsigned b = p[i + k];
            unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
            if (b < l || b > h)
                return -1;
            cp = (cp << 6) | (b & 0x3f);
        }
        bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        if (control && !(allow_newline && (cp == '\n' || cp == '\t')))
            return -1;
        i += n + 1;
    }
    return 0;
}

static void check_text(const uint8_t *data, size_t size)
{
    for (int nl = 0; nl < 2; nl++) {
        int got = validate_text((const char *)data, size, nl);
        int want = reference_text(data, size, nl);
        if (got != want) {
            fprintf(stderr,
                    "fuzz_validate: validate_text(allow_newline=%d) gave %d, the "
                    "reference %d; bytes:",
                    nl, got, want);
            for (size_t i = 0; i < size; i++)
                fprintf(stderr, " %02x", data[i]);
            fprintf(stderr, "\n");
            abort();
        }
    }
}

static void check_dates(const char *s, const uint8_t *data, size_t size)
{
    long days;
    if (date_parse(s, &days) == 0) {
        char back[11];
        date_format(days, back);
        if (strcmp(back, s) != 0)
            violated("date_parse then date_format is not the identity", s);
        int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
        if (days != date_days_from_civil(y, m, d) || days < 0)
            violated("date_parse disagrees with date_days_from_civil", s);
    }
    /* Any day of the supported range round-trips. */
    static long last_day;
    if (last_day == 0)
        last_day = date_days_from_civil(9999, 12, 31);
    uint64_t raw = 0;
    memcpy(&raw, data, size < sizeof raw ? size : sizeof raw);
    long day = (long)(raw % (uint64_t)(last_day + 1));
    char text[11];
    date_format(day, text);
    long again = -1;
    if (date_parse(text, &again) != 0 || again != day)
        violated("date_format of a day in range does not parse back to it", text);

    int64_t t;
    if (time_parse_iso(s, &t) == 0) {
        time_t tt = (time_t)t;
        struct tm tm;
        char back[32];
        if (gmtime_r(&tt, &tm) == NULL)
            violated("time_parse_iso gave a time gmtime cannot print", s);
        strftime(back, sizeof back, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (strcmp(back, s) != 0)
            violated("time_parse_iso then gmtime is not the identity", s);
    }
}

static void check_email(const char *s)
{
    if (validate_email(s) != 0)
        return;
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len < 3 || len > VALIDATE_EMAIL_MAX || at == NULL || at == s || strchr(at + 1, '@'))
        violated("validate_email accepted a bad length or '@'", s);
    const char *dot = strrchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        violated("validate_email accepted a domain without an inner dot", s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            violated("validate_email accepted a space or a control", s);
    char *copy = strdup(s);
    if (copy == NULL)
        abort();
    validate_email_normalize(copy);
    if (validate_email(copy) != 0)
        violated("a valid address is not valid lower-cased", s);
    for (size_t i = 0; i < len; i++)
        if (copy[i] != s[i] && !(s[i] >= 'A' && s[i] <= 'Z' && copy[i] == s[i] + 32))
            violated("validate_email_normalize changed more than ASCII capitals", s);
    char *twice = strdup(copy);
    if (twice == NULL)
        abort();
    validate_email_normalize(twice);
    if (strcmp(twice, copy) != 0)
        violated("validate_email_normalize is not idempotent", s);
    free(twice);
    free(copy);
}

static void check_name(const char *s)
{
    if (validate_display_name(s) != 0)
        return;
    size_t len = strlen(s);
    if (len == 0 || len > VALIDATE_NAME_MAX || validate_text(s, len, false) != 0 ||
        strspn(s, " ") == len)
        violated("validate_display_name accepted a bad name", s);
}

static void check_b64(const char *s)
{
    /* The ranges the handlers use: keys, salts, wraps, sealed boxes, signatures,
     * check-in notes (40 + 64..4096), entries (40 + 64..24 KiB). */
    static const size_t ranges[][2] = {{16, 16},   {32, 32},    {64, 64},     {72, 72}, {80, 80},
                                       {168, 168}, {104, 4136}, {104, 24576}, {0, 3},   {1, 300}};
    size_t slen = strlen(s);
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        size_t min = ranges[r][0], max = ranges[r][1];
        unsigned char *out = malloc(max + 1);
        if (out == NULL)
            abort();
        size_t n = 0;
        int rc =
            min == max ? validate_b64_exact(s, out, max) : validate_b64_range(s, out, min, max, &n);
        if (min == max)
            n = max;
        if (rc == 0) {
            if (n < min || n > max)
                violated("validate_b64_range gave a size out of its range", s);
            size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
            char *again = malloc(cap);
            if (again == NULL)
                abort();
            sodium_bin2base64(again, cap, out, n, sodium_base64_VARIANT_ORIGINAL);
            if (strlen(again) != slen || strcmp(again, s) != 0) {
                fprintf(stderr,
                        "fuzz_validate: %zu bytes decoded (range %zu-%zu); canonical:\n"
                        "  \"%s\"\n",
                        n, min, max, again);
                violated("validate_b64_range accepted a non-canonical spelling", s);
            }
            free(again);
        }
        free(out);
    }
    if (validate_entry_id(s) == 0) {
        if (slen != 22 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_") != 22)
            violated("validate_entry_id accepted something not 22 base64url characters", s);
        unsigned char bin[16];
        size_t n = 0;
        char again[32];
        if (sodium_base642bin(bin, sizeof bin, s, slen, NULL, &n, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            n != 16)
            violated("validate_entry_id accepted what does not decode to 16 bytes", s);
        sodium_bin2base64(again, sizeof again, bin, 16, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        if (strcmp(again, s) != 0)
            violated("validate_entry_id accepted a non-canonical spelling", s);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_text(data, size);
    check_dates(s, data, size);
    check_email(s);
    check_name(s);
    check_b64(s);
    free(s);
    return 0;
}
