/*
 * floor_access.c — the floor under the handlers: who may touch a dyad.
 * The caller's membership in dyad {id} (load_membership), a therapist's
 * consented link to it (load_linked), the dyad kinds' names, and the
 * server's day.
 *
 * The pipeline (app.c) calls the two loaders for ROUTE_MEMBER and
 * ROUTE_LINKED routes before the body is read; handlers call them again and
 * get the loaded copy.
 */
#include <string.h>

#include "web/floor.h"

const char *const kind_names[DYAD_KIND__MAX] = {"couple", "friends", "family"};

long server_today(const struct ctx *c)
{
    return (long)(c->now / 86400);
}

int load_membership(struct ctx *c, struct membership *m)
{
    if (c->has_membership) {
        *m = *c->membership;
        return 0;
    }
    const char *id = route_param(&c->params, "id");
    enum store_result r = store_dyad_get(c->app->store, id, &m->dyad, m->members, &m->n);
    if (r != STORE_OK && r != STORE_NOT_FOUND) {
        reply_store(c, r);
        return -1;
    }
    m->me = m->partner = -1;
    for (size_t i = 0; r == STORE_OK && i < m->n; i++) {
        if (strcmp(m->members[i].user_id, c->user.id) == 0)
            m->me = (int)i;
        else
            m->partner = (int)i;
    }
    if (r == STORE_NOT_FOUND || m->me < 0 || m->members[m->me].left_at != 0) {
        reply_error(c, API_NOT_FOUND, NULL, "There is no such dyad of yours.");
        return -1;
    }
    return 0;
}

/* The dyad {id} when it is linked to the calling therapist with both
 * members' consent; otherwise 403 (unlinked, half-consented, revoked). */
int load_linked(struct ctx *c, struct membership *m)
{
    if (c->has_membership) {
        *m = *c->membership;
        return 0;
    }
    const char *id = route_param(&c->params, "id");
    struct therapist_link l;
    enum store_result r = store_link_get(c->app->store, id, &l);
    if (r == STORE_OK && strcmp(l.therapist_id, c->user.id) == 0 && l.n_consents == 2) {
        memset(m, 0, sizeof *m);
        r = store_dyad_get(c->app->store, id, &m->dyad, m->members, &m->n);
        if (r == STORE_OK && m->dyad.ended_at == 0 && m->n == 2) {
            m->me = -1;
            m->partner = -1;
            return 0;
        }
    }
    if (r == STORE_ERROR || r == STORE_UNAVAILABLE) {
        reply_store(c, r);
        return -1;
    }
    reply_error(c, API_FORBIDDEN, NULL,
                "This dyad has not linked you with both members' consent, or has ended the link.");
    return -1;
}
