/*
 * validate.h — pure checks on values that arrive from outside: e-mail
 * addresses, names, base64 of a fixed size, client-made ids, calendar dates.
 *
 * Each returns 0 when the value is acceptable and -1 when it is not; none
 * allocates or does I/O, so every one is unit-tested on its edges.
 */
#ifndef DYAD_VALIDATE_H
#define DYAD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { VALIDATE_EMAIL_MAX = 254, VALIDATE_NAME_MAX = 64 };

/* Well-formed UTF-8 without NUL or C0/C1 control characters other than
 * newline and tab (when allow_newline). */
int validate_text(const char *s, size_t len, bool allow_newline);

/* An address of the form local@domain.tld: 3–254 bytes, no spaces or
 * controls, one '@', a dot in the domain. */
int validate_email(const char *s);

/* Lower-cases ASCII letters of an e-mail address in place, so that lookups
 * and throttling treat Ana@x.org and ana@x.org as one address. */
void validate_email_normalize(char *s);

/* A display name: 1–64 bytes of printable UTF-8, not only spaces. */
int validate_display_name(const char *s);

/* Standard base64 (with padding) that decodes to exactly `len` bytes into
 * out (which has room for len). */
int validate_b64_exact(const char *s, unsigned char *out, size_t len);

/* Standard base64 decoding to between min and max bytes; *outlen gets the
 * decoded size. out has room for max bytes. */
int validate_b64_range(const char *s, unsigned char *out, size_t min, size_t max, size_t *outlen);

/* A client-made entry id: 16 random bytes as base64url without padding
 * (22 characters). */
int validate_entry_id(const char *s);

/* A calendar date "YYYY-MM-DD" (years 1970–9999) to days since 1970-01-01. */
int date_parse(const char *s, long *days);

/* days since 1970-01-01 to "YYYY-MM-DD"; out has room for 11 bytes. */
void date_format(long days, char out[11]);

/* days since 1970-01-01 for a proleptic Gregorian date (no range check). */
long date_days_from_civil(int y, int m, int d);

/* An ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds. */
int time_parse_iso(const char *s, int64_t *out);

#endif
