/*
 * storefixture.h — the rows the store tests build their worlds from,
 * header-only like faultvfs.h (the Makefile builds each tests/unit/test_*.c
 * alone, so these are static inline functions): bytes from a seed, a
 * person, a session, a dyad member, a dyad with its invite, and a SQLite
 * store opened at a path. Each test keeps its own world and its own
 * assertions; only the making of rows is shared. Include it after
 * cmocka.h.
 */
#ifndef DYAD_TEST_STOREFIXTURE_H
#define DYAD_TEST_STOREFIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

enum {
    T0 = 1767225600, /* 2026-01-01 */
    DAY0 = 20454,    /* 2026-01-01 in days */
};

/* n bytes that depend on seed only. */
static inline void fill(unsigned char *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)(x >> 16);
    }
}

/* A member with keys made from seed, created at T0 + seed. */
static inline void make_user(struct user *u, const char *id, const char *email, unsigned seed)
{
    memset(u, 0, sizeof *u);
    snprintf(u->id, sizeof u->id, "%s", id);
    snprintf(u->email, sizeof u->email, "%s", email);
    snprintf(u->display_name, sizeof u->display_name, "Person %s", id);
    u->role = USER_MEMBER;
    fill(u->kdf_salt, sizeof u->kdf_salt, seed);
    snprintf(u->auth_hash, sizeof u->auth_hash, "$argon2id$v=19$m=19456,t=2,p=1$%s", id);
    fill(u->box_pk, sizeof u->box_pk, seed + 1);
    fill(u->sign_pk, sizeof u->sign_pk, seed + 2);
    fill(u->wrapped_keys, sizeof u->wrapped_keys, seed + 3);
    fill(u->recovery_wrapped_keys, sizeof u->recovery_wrapped_keys, seed + 4);
    u->created_at = T0 + seed;
}

/* A session of user_id begun (and last seen) at `at`. */
static inline void make_session(struct session *x, const char *id, const char *user_id,
                                unsigned seed, int64_t at)
{
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", id);
    snprintf(x->user_id, sizeof x->user_id, "%s", user_id);
    fill(x->token_hash, sizeof x->token_hash, seed);
    snprintf(x->csrf_token, sizeof x->csrf_token, "csrf-%s", id);
    x->created_at = at;
    x->last_seen_at = at;
    snprintf(x->user_agent, sizeof x->user_agent, "Browser %s", id);
}

/* A dyad member; with wrap, holding a dyad key wrapped and signed by itself. */
static inline void make_member(struct member *m, const char *user_id, bool wrap, unsigned seed,
                               int64_t joined_at)
{
    memset(m, 0, sizeof *m);
    snprintf(m->user_id, sizeof m->user_id, "%s", user_id);
    fill(m->key_proof, sizeof m->key_proof, seed);
    fill(m->invite_secret_box, sizeof m->invite_secret_box, seed + 1);
    if (wrap) {
        m->has_wrap = true;
        fill(m->wrapped_key, sizeof m->wrapped_key, seed + 2);
        fill(m->wrap_signature, sizeof m->wrap_signature, seed + 3);
        snprintf(m->wrap_signer, sizeof m->wrap_signer, "%s", user_id);
    }
    m->joined_at = joined_at;
}

/* A dyad of `kind` created by `by` at `at`, and its invite `code`, valid
 * for a week from T0. */
static inline void make_dyad(struct dyad *d, struct invite *inv, const char *id,
                             enum dyad_kind kind, const char *by, const char *code, int64_t at)
{
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", id);
    d->kind = kind;
    snprintf(d->created_by, sizeof d->created_by, "%s", by);
    d->created_at = at;
    memset(inv, 0, sizeof *inv);
    snprintf(inv->code, sizeof inv->code, "%s", code);
    snprintf(inv->dyad_id, sizeof inv->dyad_id, "%s", id);
    inv->expires_at = T0 + 7 * 86400;
}

/* The SQLite store at path, migrated; the test fails when it cannot open. */
static inline struct store *open_sqlite(const char *path)
{
    char url[PATH_MAX + 32], err[256];
    snprintf(url, sizeof url, "sqlite:%s", path);
    struct store *s = store_open(url, true, err, sizeof err);
    if (s == NULL)
        fail_msg("store_open %s: %s", path, err);
    return s;
}

#endif
