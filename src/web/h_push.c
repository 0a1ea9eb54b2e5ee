/*
 * h_push.c — Web Push: the server's VAPID public key (GET /push/key), and
 * one's own browsers' push subscriptions (GET/POST/DELETE /me/push, POST
 * /me/push/test). A subscription is where a reminder goes; the reminder's
 * words are the same for everyone (PUSH_REMINDER_TEXT) and say nothing
 * about anyone.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "notify/push.h"
#include "web/handler.h"
#include "web/reminders_view.h"

static bool push_ready(struct ctx *c)
{
    if (c->app->push != NULL)
        return true;
    reply_error(c, API_UNAVAILABLE, NULL, "Web Push is not available on this server.");
    return false;
}

void h_push_key(struct ctx *c)
{
    if (!push_ready(c))
        return;
    reply_json(c, 200, json_pack("{s:s}", "public_key", c->app->push->vapid_public));
}

void h_push_list(struct ctx *c)
{
    if (!push_ready(c))
        return;
    json_t *list = NULL;
    enum store_result r = push_subscriptions_json(c, &list);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 200,
        json_pack("{s:s, s:o}", "public_key", c->app->push->vapid_public, "subscriptions", list));
}

void h_push_subscribe(struct ctx *c)
{
    if (!push_ready(c))
        return;
    struct push_subscription *s = arena_alloc(c->arena, sizeof *s);
    if (s == NULL) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return;
    }
    memset(s, 0, sizeof *s);
    const char *endpoint = body_str(c, "endpoint");
    const char *why = push_endpoint_problem(endpoint, c->app->push->allow_http_loopback);
    if (why != NULL) {
        reply_error(c, API_INVALID_FIELD, "endpoint", why);
        return;
    }
    /* base64url of 65 and 16 bytes, as routes.c declares them */
    if (body_b64(c, "p256dh", s->p256dh, sizeof s->p256dh) != 0 ||
        body_b64(c, "auth", s->auth, sizeof s->auth) != 0)
        return;
    if (!webpush_public_valid(s->p256dh)) {
        reply_error(c, API_INVALID_FIELD, "p256dh",
                    "The field 'p256dh' must be an uncompressed P-256 public key.");
        return;
    }
    snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
    snprintf(s->user_id, sizeof s->user_id, "%s", c->user.id);
    /* the browser it belongs to: it ends with this device, or when this
     * session signs out (docs/security.md#push-subscriptions-end-with-their-browser) */
    snprintf(s->device_id, sizeof s->device_id, "%s", c->session.device_id);
    snprintf(s->session_id, sizeof s->session_id, "%s", c->session.id);
    dcrypto_random_id("p-", s->id, sizeof s->id);
    s->created_at = c->now;
    char id[STORE_ID_MAX];
    enum store_result r = store_push_subscribe(c->app->store, s, id);
    if (r == STORE_CONFLICT) {
        reply_error(c, API_CONFLICT, NULL,
                    arena_printf(c->arena,
                                 "At most %d browsers can receive reminders; turn them off in "
                                 "one first.",
                                 STORE_PUSH_PER_USER));
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(c, 201, json_pack("{s:s}", "id", id));
}

void h_push_unsubscribe(struct ctx *c)
{
    enum store_result r =
        store_push_unsubscribe(c->app->store, c->user.id, body_str(c, "endpoint"));
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "endpoint", "This browser does not receive reminders.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_no_content(c);
}

struct push_batch {
    struct push_subscription *items;
    size_t n;
};

static void collect(void *p, const struct push_subscription *s)
{
    struct push_batch *b = p;
    if (b->n >= STORE_PUSH_PER_USER + 1)
        return;
    b->items[b->n++] = *s;
}

void h_push_test(struct ctx *c)
{
    if (!push_ready(c))
        return;
    /* Each call makes the server POST to every subscribed browser's push
     * service: five in a row, then a wait (a minute, doubling), so it
     * cannot keep workers busy on slow push services. */
    struct throttle_key k;
    throttle_key(c, &k, "push test", c->user.id, 5, 60);
    int64_t wait = throttle_wait(c, &k);
    if (wait > 0) {
        reply_rate_limited(c, wait);
        return;
    }
    throttle_fail(c, &k);
    struct push_batch b = {
        arena_alloc(c->arena, (STORE_PUSH_PER_USER + 1) * sizeof(struct push_subscription)), 0};
    if (b.items == NULL) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return;
    }
    /* read first, send after: no transaction stays open across the network */
    enum store_result r = store_push_list(c->app->store, c->user.id, collect, &b);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    int sent = 0, gone = 0, failed = 0;
    for (size_t i = 0; i < b.n; i++) {
        long status = 0;
        switch (push_send(c->app->push, c->app->store, &b.items[i], PUSH_REMINDER_TEXT, c->now,
                          &status)) {
        case PUSH_SENT:
            sent++;
            break;
        case PUSH_GONE:
            gone++;
            break;
        case PUSH_FAILED:
        case PUSH_REFUSED:
            failed++;
            break;
        }
    }
    reply_json(c, 200,
               json_pack("{s:i, s:i, s:i}", "sent", sent, "removed", gone, "failed", failed));
}
