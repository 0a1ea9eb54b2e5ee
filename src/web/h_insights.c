/*
 * h_insights.c — GET /dyads/{id}/insights: the insights of the caller's
 * dyad as JSON, computed from what the caller may see (insights_view.c).
 */
#include "web/handler.h"
#include "web/insights_view.h"

void h_insights(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    int window = insights_take_window(c);
    if (window < 0)
        return;
    struct insights_view v;
    const struct insights_result *res = insights_view_compute(
        c, &m, window, m.me == 0 ? INSIGHTS_VIEWER_MEMBER0 : INSIGHTS_VIEWER_MEMBER1, &v);
    if (res == NULL) {
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, insights_view_json(&v, res));
}
