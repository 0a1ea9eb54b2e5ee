/*
 * reminders_view.c — a person's reminder settings and push subscriptions as
 * JSON, for /me/reminders, /me/push and /me/export (reminders_view.h).
 */
#include "web/reminders_view.h"

#include <stdio.h>
#include <string.h>

#include "core/remind.h"
#include "crypto/webpush.h"

/* What the person asked for (r NULL: never asked): also the "reminders"
 * of GET /me/export. */
json_t *reminder_settings_json(const struct reminder *r)
{
    json_t *days = json_array(), *channels = json_array();
    if (r != NULL) {
        for (int d = 0; d < 7; d++)
            if (r->days & (1u << d))
                json_array_append_new(days, json_string(remind_day_name(d)));
        char names[STORE_CHANNELS_MAX];
        snprintf(names, sizeof names, "%s", r->channels);
        char *save = NULL;
        for (char *w = strtok_r(names, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
            json_array_append_new(channels, json_string(w));
    } else {
        json_array_append_new(channels, json_string("email"));
    }
    char time[6];
    remind_time_format(r != NULL ? r->minute : 8 * 60, time);
    return json_pack("{s:b, s:o, s:s, s:s?, s:o, s:o}", "enabled", r != NULL && r->enabled, "days",
                     days, "time", time, "zone", r != NULL ? r->zone : NULL, "channels", channels,
                     "next_at",
                     r != NULL && r->enabled && r->next_at ? json_time(r->next_at) : json_null());
}

/* A subscription as the person sees it: where it goes and which browser
 * it belongs to — never its keys (p256dh, auth), which serve only to
 * encrypt for that browser. */
static void add_subscription(void *p, const struct push_subscription *s)
{
    char origin[STORE_PUSH_ENDPOINT_MAX];
    if (webpush_origin(s->endpoint, origin, sizeof origin) != 0)
        origin[0] = '\0';
    json_array_append_new(p, json_pack("{s:s, s:s, s:s, s:o, s:s?}", "id", s->id, "push_service",
                                       origin, "endpoint", s->endpoint, "created_at",
                                       json_time(s->created_at), "device_id",
                                       s->device_id[0] != '\0' ? s->device_id : NULL));
}

enum store_result push_subscriptions_json(struct ctx *c, json_t **out)
{
    json_t *list = json_array();
    enum store_result r = store_push_list(c->app->store, c->user.id, add_subscription, list);
    if (r != STORE_OK) {
        json_decref(list);
        list = NULL;
    }
    *out = list;
    return r;
}
