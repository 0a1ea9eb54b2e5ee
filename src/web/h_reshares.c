/*
 * h_reshares.c — re-shares: a member re-shares one of their own entries
 * (a share, a response, a day's note) with the linked therapist, sealed to
 * the therapist's key; the therapist reads them, each read audited.
 */
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "core/vocab.h"
#include "crypto/crypto.h"
#include "web/handler.h"

void h_reshare(struct ctx *c)
{
    struct membership m;
    if (load_membership(c, &m) != 0)
        return;
    struct therapist_link l;
    enum store_result r = store_link_get(c->app->store, m.dyad.id, &l);
    if (r == STORE_NOT_FOUND || (r == STORE_OK && l.n_consents != 2)) {
        reply_error(c, API_CONFLICT, NULL, "No therapist is linked with both of your consent.");
        return;
    }
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    struct reshare x;
    memset(&x, 0, sizeof x);
    const char *kind = body_str(c, "entry_kind"), *entry = body_str(c, "entry_id");
    bool mine = false;
    long day;
    if (body_enum(c, "entry_kind", -1) == VOCAB_ENTRY_NOTE) {
        mine = entry != NULL && date_parse(entry, &day) == 0; /* one's own note of that day */
    } else if (entry != NULL && validate_entry_id(entry) == 0) {
        r = store_entry_author(c->app->store, m.dyad.id, entry, c->user.id, &mine);
        if (r != STORE_OK) {
            reply_store(c, r);
            return;
        }
    }
    if (!mine) {
        reply_error(c, API_INVALID_FIELD, "entry_id", "Only an entry you wrote can be re-shared.");
        return;
    }
    x.sealed = body_bytes(c, "sealed", &x.sealed_len);
    dcrypto_random_id("r-", x.id, sizeof x.id);
    snprintf(x.user_id, sizeof x.user_id, "%s", c->user.id);
    snprintf(x.entry_id, sizeof x.entry_id, "%s", entry);
    snprintf(x.entry_kind, sizeof x.entry_kind, "%s", kind);
    x.created_at = c->now;
    r = store_reshare_add(c->app->store, m.dyad.id, l.therapist_id, &x);
    if (r != STORE_OK) {
        reply_store(c, r);
        return;
    }
    reply_json(
        c, 201,
        json_pack("{s:{s:s, s:o}}", "reshare", "id", x.id, "created_at", json_time(x.created_at)));
}

struct rlist {
    struct ctx *c;
    const char *dyad_id;
    json_t *list;
    bool failed;
};

static void add_reshare(void *p, const struct reshare *x)
{
    struct rlist *rl = p;
    json_array_append_new(rl->list,
                          json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", x->id, "user_id",
                                    x->user_id, "entry_id", x->entry_id, "entry_kind",
                                    x->entry_kind, "created_at", json_time(x->created_at), "sealed",
                                    json_b64(x->sealed, x->sealed_len)));
    if (store_audit_add(rl->c->app->store, rl->dyad_id, rl->c->user.id, "view_reshare", x->user_id,
                        rl->c->now) != STORE_OK)
        rl->failed = true;
}

void h_reshares_therapist(struct ctx *c)
{
    struct membership m;
    if (load_linked(c, &m) != 0)
        return;
    struct rlist rl = {c, m.dyad.id, json_array(), false};
    enum store_result r = store_reshares(c->app->store, m.dyad.id, c->user.id, add_reshare, &rl);
    if (r != STORE_OK || rl.failed) {
        json_decref(rl.list);
        reply_store(c, STORE_ERROR);
        return;
    }
    reply_json(c, 200, json_pack("{s:o}", "reshares", rl.list));
}
