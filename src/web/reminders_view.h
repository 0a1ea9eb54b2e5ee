/*
 * reminders_view.h — a person's reminders and the browsers they go to, as
 * the person sees them: shared by /me/reminders (h_reminders.c), /me/push
 * (h_push.c) and the export (h_me.c).
 */
#ifndef DYAD_REMINDERS_VIEW_H
#define DYAD_REMINDERS_VIEW_H

#include <jansson.h>

#include "web/floor.h"

/* What the person asked for (r NULL: never asked): {"enabled", "days",
 * "time", "zone", "channels", "next_at"}. */
json_t *reminder_settings_json(const struct reminder *r);

/* The caller's push subscriptions, oldest first: {"id", "push_service",
 * "endpoint", "created_at", "device_id"} each — never their keys. *out is
 * NULL unless STORE_OK. */
enum store_result push_subscriptions_json(struct ctx *c, json_t **out);

#endif
