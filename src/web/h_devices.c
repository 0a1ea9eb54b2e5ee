/*
 * h_devices.c — one's own browsers, unlocked with a PIN: marking this
 * browser (POST /me/devices), the list (GET /me/devices) and forgetting one
 * (DELETE /me/devices/{did}). The PIN unlock itself is /auth/device in
 * h_auth.c. The construction is in docs/security.md#unlocking-with-a-pin.
 *
 * The server never sees the PIN nor the keys the browser seals: it keeps a
 * keyed hash of the PIN proof (the verifier) and a random seed, and gives
 * the browser the device value — a keyed hash of the seed under the server
 * secret — at marking and after each right proof.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "web/handler.h"

enum {
    DEVICE_DAYS = 30, /* how long one's own browser stays signed in */
};

static json_t *device_json(struct ctx *c, const struct device *d)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:s, s:b}", "id", d->id, "created_at",
                     json_time(d->created_at), "used_at", json_time(d->used_at), "expires_at",
                     json_time(d->expires_at), "user_agent", d->user_agent, "current",
                     strcmp(d->id, c->session.device_id) == 0);
}

void h_device_create(struct ctx *c)
{
    unsigned char proof[32];
    if (body_b64(c, "proof", proof, sizeof proof) != 0)
        return;
    /* The password, again: someone holding an unlocked phone for a minute
     * must not be able to give it a PIN of their own. */
    unsigned char auth_key[32];
    if (body_b64(c, "auth_key", auth_key, sizeof auth_key) != 0) {
        sodium_memzero(proof, sizeof proof);
        return;
    }
    if (auth_reverify(c, auth_key) != 0) {
        sodium_memzero(proof, sizeof proof);
        return;
    }
    struct device d;
    memset(&d, 0, sizeof d);
    dcrypto_random_id("v-", d.id, sizeof d.id);
    snprintf(d.user_id, sizeof d.user_id, "%s", c->user.id);
    dcrypto_keyed_hash2(c->app->secret, "dyad device verifier", d.id, strlen(d.id), proof,
                        sizeof proof, d.verifier);
    sodium_memzero(proof, sizeof proof);
    randombytes_buf(d.seed, sizeof d.seed);
    d.created_at = d.used_at = c->now;
    /* 30 days from the password sign-in (or the operator's longer absolute
     * timeout); re-marking from a PIN-unlocked session keeps its end. */
    int64_t lifetime = (int64_t)DEVICE_DAYS * 24 * 60 * 60;
    if ((int64_t)c->app->cfg.absolute_timeout > lifetime)
        lifetime = (int64_t)c->app->cfg.absolute_timeout;
    d.expires_at =
        c->session.expires_at != 0 ? c->session.expires_at : c->session.created_at + lifetime;
    request_user_agent(c, d.user_agent);
    enum store_result r = store_device_create(c->app->store, &d, c->session.id);
    if (r == STORE_CONFLICT) {
        sodium_memzero(d.seed, sizeof d.seed);
        reply_error(c, API_CONFLICT, NULL,
                    "Ten browsers are marked as yours already. Forget one of them first.");
        return;
    }
    if (r != STORE_OK) {
        sodium_memzero(d.seed, sizeof d.seed);
        reply_store(c, r);
        return;
    }
    unsigned char value[32];
    dcrypto_keyed_hash2(c->app->secret, "dyad device value", d.id, strlen(d.id), d.seed,
                        sizeof d.seed, value);
    sodium_memzero(d.seed, sizeof d.seed);
    snprintf(c->session.device_id, sizeof c->session.device_id, "%s", d.id);
    json_t *body = json_pack("{s:o, s:o}", "device", device_json(c, &d), "device_value",
                             json_b64(value, sizeof value));
    sodium_memzero(value, sizeof value);
    reply_json(c, 201, body);
}

struct device_list {
    struct ctx *c;
    json_t *list;
};

static void add_device(void *p, const struct device *d)
{
    struct device_list *l = p;
    json_array_append_new(l->list, device_json(l->c, d));
}

void h_devices(struct ctx *c)
{
    struct device_list l = {c, json_array()};
    enum store_result r = store_devices_list(c->app->store, c->user.id, c->now, add_device, &l);
    if (r != STORE_OK) {
        json_decref(l.list);
        reply_store(c, r);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "devices", l.list));
}

void h_device_delete(struct ctx *c)
{
    const char *id = route_param(&c->params, "did");
    /* Its sessions end, but the caller's own stays (as an ordinary one). */
    enum store_result r = store_device_delete(c->app->store, c->user.id, id, c->session.id);
    if (r == STORE_NOT_FOUND) {
        reply_error(c, API_NOT_FOUND, "did", "There is no such browser of yours.");
        return;
    }
    reply_store(c, r);
}
