/*
 * push.h — sending a reminder to a browser through its push service (Web
 * Push): the message encrypted for the subscription (RFC 8291), signed for
 * with the server's VAPID key (RFC 8292), and POSTed with libcurl.
 *
 * A reminder says the same few words to everyone, every time
 * (PUSH_REMINDER_TEXT): no name, no count, nothing about anyone's activity.
 * What the push service itself learns is in docs/security.md.
 */
#ifndef DYAD_PUSH_H
#define DYAD_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/webpush.h"
#include "store/store.h"

/* The only words a reminder carries. */
#define PUSH_REMINDER_TEXT "A moment for dyad, if you like."

enum {
    PUSH_TTL_SECONDS = 21600,  /* a push service keeps an undelivered reminder 6 hours */
    PUSH_JWT_SECONDS = 43200,  /* a VAPID token is good for 12 hours (RFC 8292: at most 24) */
    PUSH_TIMEOUT_SECONDS = 15, /* the whole POST, connection included */
};

struct push_sender {
    struct webpush_key *vapid;
    char vapid_public[WEBPUSH_B64_PUBLIC]; /* base64url, for the browser's subscribe() */
    char contact[512];                     /* VAPID sub: mailto: or https:, or "" */
    bool allow_http_loopback;              /* tests: http://127.0.0.1:PORT endpoints */
};

/* Sets up s with the VAPID key from key_file (made on first start). 0, or
 * -1 with a message in err. */
int push_sender_init(struct push_sender *s, const char *key_file, const char *contact,
                     bool allow_http_loopback, char *err, size_t errlen);
void push_sender_free(struct push_sender *s);

/* Why an endpoint a browser gave is refused, or NULL when it is fine: an
 * https URL with a host name (no address, no user part, no localhost), at
 * most STORE_PUSH_ENDPOINT_MAX - 1 printable characters; with
 * allow_http_loopback also http://127.0.0.1[:PORT]/…. Pure. */
const char *push_endpoint_problem(const char *endpoint, bool allow_http_loopback);

enum push_outcome {
    PUSH_SENT,    /* the push service took it (2xx) */
    PUSH_GONE,    /* 404 or 410: the subscription no longer exists; it was removed */
    PUSH_FAILED,  /* no answer, 429 or 5xx: worth trying again later */
    PUSH_REFUSED, /* another 4xx: this message will not go through as it is */
};

/* Sends text to one subscription. A 404/410 removes the subscription from
 * the store. *status: the push service's HTTP status, 0 when none. Never
 * logs the endpoint (it identifies a browser), only its push service. */
enum push_outcome push_send(const struct push_sender *s, struct store *store,
                            const struct push_subscription *sub, const char *text, int64_t now,
                            long *status);

#endif
