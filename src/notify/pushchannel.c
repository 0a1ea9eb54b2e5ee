/*
 * pushchannel.c — the Web Push channel of the reminder scheduler: a due
 * reminder goes to every browser the person turned reminders on in
 * (store_push_list), each through notify/push.c (RFC 8291 encryption, a
 * VAPID signature, libcurl). The words are the scheduler's, the same for
 * everyone (notify_text); a push carries nothing else, not even the stop
 * link: a browser's reminders are turned off in Settings.
 *
 * Outcome: sent when at least one push service took it; retried when none
 * did but one may later (no answer, 429, 5xx); dropped when no browser is
 * left (all gone or refused).
 */
#include <stdio.h>
#include <time.h>

#include "notify/notify.h"
#include "notify/push.h"

static bool push_available(const struct notify *n)
{
    return n->push != NULL;
}

struct subs {
    struct push_subscription items[STORE_PUSH_PER_USER];
    size_t n;
};

static void collect(void *p, const struct push_subscription *s)
{
    struct subs *b = p;
    if (b->n < STORE_PUSH_PER_USER)
        b->items[b->n++] = *s;
}

static enum notify_result push_channel_send(struct notify *n, const struct user *u,
                                            const struct notify_message *m, char *err,
                                            size_t errlen)
{
    /* read first, send after: no transaction stays open across the network */
    static _Thread_local struct subs b;
    b.n = 0;
    if (store_push_list(n->store, u->id, collect, &b) != STORE_OK) {
        snprintf(err, errlen, "the database did not answer");
        return NOTIFY_RETRY;
    }
    if (b.n == 0) {
        snprintf(err, errlen, "no browser of this person receives reminders");
        return NOTIFY_DROP;
    }
    size_t sent = 0, passing = 0;
    long last = 0;
    /* the VAPID token's expiry is real time, whatever clock the scheduler reads */
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < b.n; i++) {
        long status = 0;
        switch (push_send(n->push, n->store, &b.items[i], m->text, now, &status)) {
        case PUSH_SENT:
            sent++;
            break;
        case PUSH_FAILED:
            passing++;
            last = status;
            break;
        case PUSH_GONE:
        case PUSH_REFUSED:
            last = status;
            break;
        }
    }
    if (sent > 0)
        return NOTIFY_SENT;
    snprintf(err, errlen, "no push service took it (last answer %ld)", last);
    return passing > 0 ? NOTIFY_RETRY : NOTIFY_DROP;
}

const struct notify_channel notify_push = {"push", push_available, push_channel_send};
