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

#endif
