/*
 * h_reminders.c — a person's reminders: what they asked for (weekdays, a
 * local time, their time zone, channels), read and changed through
 * /api/v1/me/reminders, and the stop link every reminder carries
 * (/reminders/stop/{uid}/{token}), which works without signing in.
 *
 * A change takes effect at once: the next time is worked out here (in the
 * person's zone, core/remind.h) and the scheduler is woken (notify.h). The
 * stop link's token is a keyed hash of the account id under the server
 * secret: it names one account and does one thing, turning its reminders
 * off. GET shows a page with one button (mail scanners open links, and must
 * not stop anything); POST stops — the button, or a mail program's own
 * one-click unsubscribe (List-Unsubscribe-Post, RFC 8058).
 */
#include <stdio.h>
#include <string.h>

#include "core/remind.h"
#include "notify/notify.h"
#include "web/handler.h"
#include "web/reminders_view.h"

/* The person's reminder as the API shows it; r may be NULL (never asked). */
static json_t *reminder_json(struct ctx *c, const struct reminder *r)
{
    json_t *settings = reminder_settings_json(r), *available = json_array();
    struct notify *n = c->app->notify;
    for (size_t i = 0; n != NULL && i < notify_channels_count; i++)
        if (notify_channels[i]->available(n))
            json_array_append_new(available, json_string(notify_channels[i]->name));
    json_object_set_new(settings, "available", available);
    json_object_set_new(settings, "email", json_string(c->user.email));
    return json_pack("{s:o}", "reminders", settings);
}

void h_reminders_get(struct ctx *c)
{
    struct reminder r;
    enum store_result res = store_reminder_get(c->app->store, c->user.id, &r);
    if (res != STORE_OK && res != STORE_NOT_FOUND) {
        reply_store(c, res);
        return;
    }
    reply_json(c, 200, reminder_json(c, res == STORE_OK ? &r : NULL));
}

/* The names of a string array: a mask of weekdays, or channels separated by
 * spaces. -1 (and the error answered) when one is not known. */
static int take_days(struct ctx *c, unsigned *mask)
{
    json_t *a = json_object_get(c->body, "days");
    size_t i;
    json_t *v;
    *mask = 0;
    if (json_array_size(a) > 7)
        goto bad;
    json_array_foreach(a, i, v)
    {
        int d = json_is_string(v) ? remind_day_from_name(json_string_value(v)) : -1;
        if (d < 0)
            goto bad;
        *mask |= 1u << d;
    }
    return 0;
bad:
    reply_error(
        c, API_INVALID_FIELD, "days",
        "Days are a list of \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\".");
    return -1;
}

static int take_channels(struct ctx *c, char out[STORE_CHANNELS_MAX])
{
    json_t *a = json_object_get(c->body, "channels");
    size_t i;
    json_t *v;
    out[0] = '\0';
    if (json_array_size(a) > NOTIFY_CHANNELS_MAX)
        goto bad;
    json_array_foreach(a, i, v)
    {
        const struct notify_channel *ch =
            json_is_string(v) ? notify_channel_find(json_string_value(v)) : NULL;
        if (ch == NULL)
            goto bad;
        if (strstr(out, ch->name) != NULL)
            continue; /* named twice */
        size_t len = strlen(out);
        snprintf(out + len, STORE_CHANNELS_MAX - len, "%s%s", len ? " " : "", ch->name);
    }
    return 0;
bad:;
    char names[128] = "";
    for (size_t k = 0; k < notify_channels_count; k++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s\"%s\"", k ? ", " : "",
                 notify_channels[k]->name);
    }
    reply_error(c, API_INVALID_FIELD, "channels",
                arena_printf(c->arena, "Channels are a list of %s.", names));
    return -1;
}

void h_reminders_put(struct ctx *c)
{
    struct reminder r;
    memset(&r, 0, sizeof r);
    snprintf(r.user_id, sizeof r.user_id, "%s", c->user.id);
    r.enabled = body_bool(c, "enabled", false);
    if (take_days(c, &r.days) != 0 || take_channels(c, r.channels) != 0)
        return;
    r.minute = remind_time_parse(body_str(c, "time"));
    if (r.minute < 0) {
        reply_error(c, API_INVALID_FIELD, "time", "The time is HH:MM, from 00:00 to 23:59.");
        return;
    }
    const char *zone = body_str(c, "zone");
    if (!zone_exists(zone)) {
        reply_error(c, API_INVALID_FIELD, "zone",
                    "The time zone is a name from the tz database, such as Europe/Berlin.");
        return;
    }
    snprintf(r.zone, sizeof r.zone, "%s", zone);
    if (r.enabled && r.days == 0) {
        reply_error(c, API_INVALID_FIELD, "days", "Choose at least one day.");
        return;
    }
    if (r.enabled && r.channels[0] == '\0') {
        reply_error(c, API_INVALID_FIELD, "channels", "Choose at least one way to be reminded.");
        return;
    }
    r.updated_at = c->now;
    if (r.enabled && remind_next(notify_now(c->app->notify), r.days, r.minute, zone_offset,
                                 (void *)r.zone, &r.next_at) != 0) {
        reply_error(c, API_INVALID_FIELD, "zone", "This time zone cannot be read on the server.");
        return;
    }
    enum store_result res = store_reminder_put(c->app->store, &r);
    if (res != STORE_OK) {
        reply_store(c, res);
        return;
    }
    notify_wake(c->app->notify);
    reply_json(c, 200, reminder_json(c, &r));
}

/* ---- the stop link ---------------------------------------------------------------- */

static bool stop_link_ok(struct ctx *c)
{
    const char *uid = route_param(&c->params, "uid");
    const char *token = route_param(&c->params, "token");
    if (uid == NULL || token == NULL || !notify_stop_token_ok(c->app->secret, uid, token)) {
        reply_error(c, API_NOT_FOUND, NULL, "This stop link is not valid.");
        return false;
    }
    return true;
}

void h_reminders_stop_page(struct ctx *c)
{
    if (!stop_link_ok(c))
        return;
    /* the form posts back to this very address (the path is the token) */
    const char *action = html_escape(c->arena, c->req->path);
    page_render(c, "reminders-stop",
                arena_printf(c->arena,
                             "<h1>Stop reminders</h1>"
                             "<p>This stops every reminder dyad sends you. Nothing else "
                             "changes, and you can ask for reminders again in your settings.</p>"
                             "<form method=\"post\" action=\"%s\">"
                             "<button type=\"submit\">Stop reminders</button></form>",
                             action != NULL ? action : ""));
}

void h_reminders_stop(struct ctx *c)
{
    if (!stop_link_ok(c))
        return;
    enum store_result res =
        store_reminder_stop(c->app->store, route_param(&c->params, "uid"), c->now);
    if (res != STORE_OK && res != STORE_NOT_FOUND) {
        reply_store(c, res);
        return;
    }
    page_render(c, "reminders-stop",
                "<h1>Reminders stopped</h1>"
                "<p>dyad will send you no more reminders. You can ask for them again in your "
                "settings at any time.</p>");
}
