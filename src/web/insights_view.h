/*
 * insights_view.h — building the insights engine's input for one viewer
 * from the store (insights_view.c), shared by the insights API, the
 * insights page and the therapist's views.
 */
#ifndef DYAD_INSIGHTS_VIEW_H
#define DYAD_INSIGHTS_VIEW_H

#include <jansson.h>

#include "core/insights.h"
#include "web/floor.h"

struct insights_view {
    struct insights_input input;
    struct insights_day *history[2]; /* window + 365 days, oldest first (arena) */
    unsigned visible[2];
    const struct membership *members;
};

/* Fills v for `viewer` over `window` days ending today. 0, or -1 when the
 * store failed or memory ran out. */
int insights_view_load(struct ctx *c, const struct membership *m, int window,
                       enum insights_viewer viewer, struct insights_view *v);

/* insights_view_load, then insights_compute: the result, in the arena, or
 * NULL when the store failed or memory ran out (nothing was answered). */
const struct insights_result *insights_view_compute(struct ctx *c, const struct membership *m,
                                                    int window, enum insights_viewer viewer,
                                                    struct insights_view *v);

/* The API's JSON for a computed result (docs/api.md). */
json_t *insights_view_json(const struct insights_view *v, const struct insights_result *res);

/* ?window= (7–365, default 28); -1 after answering 400. */
int insights_take_window(struct ctx *c);

/* The answers kept in app->insights (web/insights_cache.h). */
enum insights_answer { INSIGHTS_ANSWER_JSON, INSIGHTS_ANSWER_PAGE };

/* A cache key: everything an answer depends on, written out whole — what
 * is answered, the dyad, the viewer, the window, today's date, the dyad's
 * data_version, and every membership field that reaches the answer (the
 * kind, each member's id, name, family role, tracking and showing
 * choices, when they joined and left). Its first slot_len bytes name the
 * slot (what, dyad, viewer, window). len is 0 when it did not fit: then
 * nothing is cached. */
struct insights_key {
    char bytes[1024];
    size_t len, slot_len;
};
void insights_view_key(const struct ctx *c, const struct membership *m, int window,
                       enum insights_viewer viewer, enum insights_answer what,
                       struct insights_key *k);

/* The viewer's answer from app->insights, into the arena: true, or false
 * when it must be computed (then insights_view_keep it). */
bool insights_view_cached(struct ctx *c, const struct insights_key *k, const char **body);
void insights_view_keep(struct ctx *c, const struct insights_key *k, const char *body);

/* Answers 200 with JSON text (in the arena, or static). */
void insights_view_reply(struct ctx *c, const char *json);

#endif
