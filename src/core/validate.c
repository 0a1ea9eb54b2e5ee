/*
 * validate.c — see validate.h. Base64 decoding is libsodium's; the rest is
 * plain byte inspection.
 */
#include "core/validate.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

int validate_text(const char *s, size_t len, bool allow_newline)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n = text_utf8_len(p + i, len - i);
        if (n == 0)
            return -1;
        if (n == 1 &&
            (c == 0 || c == 0x7f || (c < 0x20 && !(allow_newline && (c == '\n' || c == '\t')))))
            return -1; /* C0 controls and DEL */
        if (n == 2 && c == 0xc2 && p[i + 1] < 0xa0)
            return -1; /* C1 controls, U+0080–U+009F */
        i += n;
    }
    return 0;
}

int validate_email(const char *s)
{
    size_t len = strlen(s);
    if (len < 3 || len > VALIDATE_EMAIL_MAX)
        return -1;
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return -1;
    const char *domain = at + 1;
    const char *dot = strrchr(domain, '.');
    if (dot == NULL || dot == domain || dot[1] == '\0')
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return -1;
    return validate_text(s, len, false);
}

void validate_email_normalize(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int validate_display_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > VALIDATE_NAME_MAX || validate_text(s, len, false) != 0)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p != ' ')
            return 0;
    return -1;
}

int validate_b64_range(const char *s, unsigned char *out, size_t min, size_t max, size_t *outlen)
{
    size_t len = strlen(s);
    /* Reject anything longer than max bytes could need before decoding,
     * and anything outside the alphabet: libsodium 1.0.18 reads bytes from
     * 0x80 up as '/', which would let other spellings through. */
    if (len > sodium_base64_ENCODED_LEN(max, sodium_base64_VARIANT_ORIGINAL) ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != len)
        return -1;
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, max, s, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    if (end != s + len || n < min || n > max)
        return -1;
    /* Canonical form only: re-encoding must give the same string, so one
     * value has one spelling. */
    size_t elen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char small[512];
    char *again = elen <= sizeof small ? small : malloc(elen);
    if (again == NULL)
        return -1;
    sodium_bin2base64(again, elen, out, n, sodium_base64_VARIANT_ORIGINAL);
    int same = strcmp(again, s) == 0;
    if (again != small)
        free(again);
    if (!same)
        return -1;
    *outlen = n;
    return 0;
}

int validate_b64_exact(const char *s, unsigned char *out, size_t len)
{
    size_t n;
    return validate_b64_range(s, out, len, len, &n);
}

int validate_entry_id(const char *s)
{
    if (strlen(s) != 22)
        return -1;
    unsigned char bin[16];
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, sizeof bin, s, 22, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != 16 || end != s + 22)
        return -1;
    char again[sodium_base64_ENCODED_LEN(16, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(again, sizeof again, bin, 16, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strcmp(again, s) == 0 ? 0 : -1;
}

long date_days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_parse(const char *s, long *days)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return -1;
    if (d > mdays[m - 1] + (m == 2 && is_leap(y)))
        return -1;
    *days = date_days_from_civil(y, m, d);
    return 0;
}

void date_format(long days, char out[11])
{
    /* Howard Hinnant's civil_from_days. */
    days += 719468;
    const long era = (days >= 0 ? days : days - 146096) / 146097;
    const long doe = days - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long d = doy - (153 * mp + 2) / 5 + 1;
    const long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    int yy = (int)(y % 10000), mm = (int)m, dd = (int)d;
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + mm / 10);
    out[6] = (char)('0' + mm % 10);
    out[7] = '-';
    out[8] = (char)('0' + dd / 10);
    out[9] = (char)('0' + dd % 10);
    out[10] = '\0';
}

int time_parse_iso(const char *s, int64_t *out)
{
    char date[11];
    long days;
    if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (date_parse(date, &days) != 0)
        return -1;
    int f[3];
    for (int i = 0; i < 3; i++) {
        const char *p = s + 11 + 3 * i;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
            return -1;
        f[i] = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (f[0] > 23 || f[1] > 59 || f[2] > 59)
        return -1;
    *out = (int64_t)days * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
    return 0;
}
