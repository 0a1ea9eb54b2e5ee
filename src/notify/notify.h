/*
 * notify.h — reminders leave the server here: the scheduler thread, the
 * channels it hands each send to, the time zones, the stop link's token.
 *
 *   notify.c   the scheduler: one thread per server, started after the
 *              sandbox and stopped on SIGTERM; it claims the reminders that
 *              fall due (store_reminder_claim, a compare-and-set, so with
 *              several servers on one database each is claimed once),
 *              queues one send per channel, and hands each send to its
 *              channel, retrying failures with core/remind.h's back-off;
 *              the channel table; the stop token; the counters for
 *              /metrics; the test clock.
 *   zone.c     the time zones: the only code in dyad that uses local time
 *              (see zone_offset).
 *   email.c    the e-mail channel: libcurl's SMTP to the operator's relay.
 *   pushchannel.c  the Web Push channel: every browser the person turned
 *              reminders on in, through push.c.
 *
 * A channel is a row of the table in notify.c: a name (what a person's
 * reminder lists in `channels`), whether this server can send on it, and a
 * send function. Every message is the same few words for everyone
 * (notify_text); a channel adds nothing about the person but the stop link.
 */
#ifndef DYAD_NOTIFY_H
#define DYAD_NOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "web/app.h"

struct notify;
struct push_sender;

/* What a channel sends: the same words for everyone, and links. */
struct notify_message {
    const char *purpose;  /* "checkin" or "measure" */
    const char *subject;  /* a short line: "A moment for dyad" */
    const char *text;     /* the sentence: "A moment for dyad, if you like." */
    const char *open_url; /* the server's public address */
    const char *stop_url; /* stops every reminder of this person, no sign-in */
    int64_t at;           /* the scheduler's now (notify_now): the message's date */
};

enum notify_result {
    NOTIFY_SENT,  /* the channel took it */
    NOTIFY_RETRY, /* a passing failure: try again later */
    NOTIFY_DROP,  /* refused for good (a relay's 5xx): do not try again */
};

struct notify_channel {
    const char *name; /* "email", "push" */
    /* Whether this server can send on it (e-mail: a relay is configured). */
    bool (*available)(const struct notify *n);
    /* Sends m to u; why it failed in err. Called from the scheduler thread
     * only, one send at a time. */
    enum notify_result (*send)(struct notify *n, const struct user *u,
                               const struct notify_message *m, char *err, size_t errlen);
};

/* The channels, in the order the settings page shows them. */
extern const struct notify_channel *const notify_channels[];
extern const size_t notify_channels_count;
const struct notify_channel *notify_channel_find(const char *name);

/* The e-mail channel (email.c) and the Web Push channel (pushchannel.c). */
extern const struct notify_channel notify_email;
extern const struct notify_channel notify_push;

/* Counters for /metrics, per channel index. */
enum { NOTIFY_CHANNELS_MAX = 4 };
struct notify_stats {
    atomic_uint_fast64_t sent[NOTIFY_CHANNELS_MAX];
    atomic_uint_fast64_t failed[NOTIFY_CHANNELS_MAX];  /* a try that failed (retried or not) */
    atomic_uint_fast64_t dropped[NOTIFY_CHANNELS_MAX]; /* given up */
    atomic_uint_fast64_t claimed;                      /* reminders this server claimed */
    atomic_int_fast64_t last_pass; /* notify_now at the end of the last pass (0: none yet) */
};

struct notify {
    const struct app_config *cfg;
    struct store *store;
    const unsigned char *secret; /* 32 bytes, the server's */
    char origin[512];            /* the public URL's scheme://host[:port] */
    char smtp_password[256];     /* from cfg->smtp_password_file */
    struct notify_stats stats;
    char test_clock[1024];          /* a file holding the test's "now" (test builds only) */
    const struct push_sender *push; /* the Web Push sender (set after notify_init), or NULL */
    /* the scheduler thread */
    void *priv;
};

/* Sets n up for cfg (the password file read, the relay settings checked,
 * the test clock looked for) without starting anything. 0, or -1 with the
 * reason in err. */
int notify_init(struct notify *n, const struct app_config *cfg, struct store *store,
                const unsigned char secret[32], const char *origin, char *err, size_t errlen);

/* Starts the scheduler thread (after the sandbox: it only reads the zone
 * files, talks to the database and opens sockets to the relay). 0 or -1. */
int notify_start(struct notify *n);

/* Makes the scheduler look at the reminders now (a person changed theirs). */
void notify_wake(struct notify *n);

/* Stops the thread (a send in progress finishes, up to curl's timeouts) and
 * frees what notify_init took. Safe on a notify never started. */
void notify_stop(struct notify *n);

/* The scheduler's notion of now: the clock, or in a test build with
 * DYAD_TEST_CLOCK_FILE set, the number in that file (see notify.c). */
int64_t notify_now(const struct notify *n);

/* The same words for everyone: subject and sentence for a purpose
 * ("checkin", "measure"). */
void notify_text(const char *purpose, const char **subject, const char **text);

/* The stop token for user_id: keyed BLAKE2b of the account id under the
 * server secret (domain "reminder-stop"), base64url; out has room for 44. */
void notify_stop_token(const unsigned char secret[32], const char *user_id, char out[44]);
/* Whether token is user_id's stop token (compared in constant time). */
bool notify_stop_token_ok(const unsigned char secret[32], const char *user_id, const char *token);

/* ---- zone.c ---------------------------------------------------------------- */

/* Whether name is a time zone of the system's tz database
 * (/usr/share/zoneinfo/NAME is a TZif file). */
bool zone_exists(const char *name);

/* core/remind.h's remind_offset_fn for the zone named by ctx (a const
 * char *). */
int zone_offset(void *ctx, int64_t utc, int32_t *offset);

#endif
