/*
 * h_insights.c — GET /dyads/{id}/insights: the insights of the caller's
 * dyad as JSON, computed from what the caller may see (insights_view.c),
 * or the same bytes kept from an earlier request whose key — viewer, window,
 * day, the dyad's data version and membership — is this one's
 * (insights_cache.h).
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
    enum insights_viewer viewer = m.me == 0 ? INSIGHTS_VIEWER_MEMBER0 : INSIGHTS_VIEWER_MEMBER1;
    /* the key is read before anything is computed: the data_version in it
     * was read first, so a kept answer never rests on older data than its key */
    struct insights_key key = {.len = 0};
    insights_view_key(c, &m, window, viewer, INSIGHTS_ANSWER_JSON, &key);
    const char *body;
    if (!insights_view_cached(c, &key, &body)) {
        struct insights_view v;
        const struct insights_result *res = insights_view_compute(c, &m, window, viewer, &v);
        if (res == NULL) {
            reply_store(c, STORE_ERROR);
            return;
        }
        json_t *j = insights_view_json(&v, res);
        body = j != NULL ? arena_own(c->arena, json_dumps(j, JSON_COMPACT), free) : NULL;
        json_decref(j);
        if (body == NULL) {
            reply_store(c, STORE_ERROR);
            return;
        }
        insights_view_keep(c, &key, body);
    }
    insights_view_reply(c, body);
}
