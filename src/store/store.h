/*
 * store.h — everything dyad keeps, behind one backend-neutral interface.
 *
 * Handlers call these functions with plain structs; no SQL and no backend
 * type crosses this line. Every function runs as one transaction: a change
 * happens whole or not at all, and changes are serialised, so a rule
 * checked inside one (a full dyad, a used invite) still holds when it
 * commits. Functions return a store_result; STORE_ERROR (the database
 * failed: I/O, corruption, out of memory) and STORE_UNAVAILABLE (it cannot
 * be reached) are the only results a handler turns into a 5xx.
 *
 * Threads: any thread may call any function, also from inside a callback
 * of another store function on the same thread (the callback then sees a
 * transaction of its own).
 *
 * Backends: store_open picks one from the URL (src/store/backend.h);
 * store.c holds the functions below once for both.
 */
#ifndef DYAD_STORE_H
#define DYAD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_result {
    STORE_OK = 0,
    STORE_NOT_FOUND,
    STORE_CONFLICT, /* unique key taken, or the row is not in the state the change needs */
    STORE_EXPIRED,  /* an invite past its time */
    STORE_ERROR,
    STORE_UNAVAILABLE, /* the database cannot be reached (stopped, network down, timed out) */
};

enum {
    STORE_ID_MAX = 40,        /* "u-" + 24 hex, with room */
    STORE_EMAIL_MAX = 255,    /* 254 + NUL */
    STORE_NAME_MAX = 65,      /* 64 + NUL */
    STORE_HASH_STR_MAX = 128, /* crypto_pwhash_STRBYTES */
    STORE_WRAPPED_KEYS = 168, /* nonce 24 + (32+64+32) + tag 16 */
    STORE_SEALED_KEY = 80,    /* crypto_box_seal of 32 bytes */
    STORE_SECRET_BOX = 72,    /* nonce 24 + 32 + tag 16 */
    STORE_UA_MAX = 200,
    STORE_CODE_MAX = 40,
};

struct store;

/* Opens the store at `url` and applies pending migrations when migrate is
 * true; with migrate false, an outdated schema is an error. A schema newer
 * than this binary is always an error. URLs: "sqlite:PATH";
 * "postgres://…" or "postgresql://…" (a libpq URL, e.g. with several hosts
 * and target_session_attrs=read-write); "postgres:" followed by libpq
 * key=value conninfo ("postgres:host=/run/pg dbname=dyad"). NULL with a
 * message in err on failure. */
struct store *store_open(const char *url, bool migrate, char *err, size_t errlen);
void store_close(struct store *s);

/* store_open for an operator's long command (dyad migrate, copy-db, the
 * migrations serve applies at start): on PostgreSQL each statement, the
 * migrations' included, may run `seconds`, lock waits included, and 0 means
 * no limit, whatever the role's or the database's own statement_timeout
 * says. store_open is this with 0 for the migrations and then
 * STORE_STATEMENT_TIMEOUT for every later statement. */
struct store *store_open_maintenance(const char *url, bool migrate, unsigned seconds, char *err,
                                     size_t errlen);

/* "sqlite" or "postgres". */
const char *store_backend_name(struct store *s);

/* How long one statement may run, lock waits included, before the database
 * cancels it and the store call answers STORE_UNAVAILABLE (PostgreSQL; 0:
 * no limit; STORE_STATEMENT_TIMEOUT seconds after store_open; SQLite has no
 * such limit and ignores it). */
enum { STORE_STATEMENT_TIMEOUT = 10 };
void store_set_statement_timeout(struct store *s, unsigned seconds);

/* The schema version after migrations, and whether the store answers
 * (STORE_OK, STORE_UNAVAILABLE or STORE_ERROR). */
int store_schema_version(struct store *s);
enum store_result store_health(struct store *s);

/* Process-wide database time for /metrics: store transactions (each
 * store.h call is one) and the time from their begin to their end, on
 * either backend; and the commits of writes (group commit on SQLite). */
enum {
    STORE_GROUP_BUCKETS = 8,   /* commits by store calls: <= 1, 2, 4, ... 64, more */
    STORE_COMMIT_BUCKETS = 10, /* commits by time: store_commit_bounds_us, more */
};
extern const uint64_t store_commit_bounds_us[STORE_COMMIT_BUCKETS - 1];
struct store_stats {
    uint64_t transactions;
    uint64_t nanos;
    /* Commits of write transactions (SQLite: of a group of write calls
     * sharing one transaction and one fsync), how many went through, the
     * store calls they made durable, and the time spent committing. */
    uint64_t commits, commit_failures, commit_writes, commit_nanos;
    uint64_t by_writes[STORE_GROUP_BUCKETS]; /* not cumulative */
    uint64_t by_time[STORE_COMMIT_BUCKETS];  /* not cumulative */
    uint64_t retries; /* calls retried alone after their group's commit failed */
    uint64_t waiting; /* write calls waiting for the writer now */
};
void store_stats_read(struct store_stats *out);

/* How many sessions are alive: seen after seen_after and created after
 * created_after (the idle and absolute limits), or of a device marked as
 * its owner's (which ends by its own expires_at). A count, nothing else. */
enum store_result store_sessions_active(struct store *s, int64_t seen_after, int64_t created_after,
                                        int64_t *count);

/* A consistent copy of the whole store into a new file (dyad backup); a
 * SQLite store only (PostgreSQL is backed up with its own tools). */
enum store_result store_backup(struct store *s, const char *path, char *err, size_t errlen);

/* Copies every row of every table of `from` into `to` (dyad copy-db, the
 * way from SQLite to PostgreSQL and back). `to` must be empty and at the
 * same schema version as `from`. One transaction on each side, insertion
 * order kept; then `to` is read back and each table's row count and content
 * digest (BLAKE2b over its rows, whatever their order) must equal the
 * source's. fn hears each table once checked. STORE_CONFLICT when `to` is
 * not empty or the versions differ, STORE_ERROR when a check fails; err
 * says which. */
typedef void store_copy_fn(void *ctx, const char *table, int64_t rows, const char *digest_hex);
enum store_result store_copy(struct store *from, struct store *to, store_copy_fn *fn, void *ctx,
                             char *err, size_t errlen);

/* Replaces the database at `url` with the backup file `path` (dyad
 * restore; SQLite only, restore.c). The backup must pass integrity_check
 * and foreign_key_check and have a schema this binary knows (an older one
 * is migrated); the copy is one transaction, so the database is either the
 * old one or the backup, never a mix. The caller makes sure no server uses
 * the database. *version is the schema version afterwards. */
enum store_result store_restore(const char *url, const char *path, int *version, char *err,
                                size_t errlen);

/* ---- users ---------------------------------------------------------------- */

enum user_role { USER_MEMBER, USER_THERAPIST, USER_ROLE__MAX };

struct user {
    char id[STORE_ID_MAX];
    char email[STORE_EMAIL_MAX];
    char display_name[STORE_NAME_MAX];
    enum user_role role;
    unsigned char kdf_salt[16];
    char auth_hash[STORE_HASH_STR_MAX]; /* crypto_pwhash_str of the auth key */
    unsigned char box_pk[32];
    unsigned char sign_pk[32];
    unsigned char wrapped_keys[STORE_WRAPPED_KEYS];
    unsigned char recovery_wrapped_keys[STORE_WRAPPED_KEYS];
    int64_t created_at;
};

/* STORE_CONFLICT when the e-mail is taken. */
enum store_result store_user_create(struct store *s, const struct user *u);
enum store_result store_user_by_email(struct store *s, const char *email, struct user *out);
enum store_result store_user_by_id(struct store *s, const char *id, struct user *out);

/* New credentials (salt, auth hash, wrapped keys) and, in the same
 * transaction, the end of every session of the user but keep_session_id,
 * and of every device but the one keep_session_id belongs to, and the push
 * subscriptions of every other browser (all but those of that session and
 * its device). */
enum store_result store_user_set_password(struct store *s, const char *user_id,
                                          const unsigned char kdf_salt[16], const char *auth_hash,
                                          const unsigned char wrapped_keys[STORE_WRAPPED_KEYS],
                                          const char *keep_session_id);

/* ---- sessions ------------------------------------------------------------- */

struct session {
    char id[STORE_ID_MAX]; /* public id, for the list of one's sessions */
    char user_id[STORE_ID_MAX];
    unsigned char token_hash[32]; /* BLAKE2b of the cookie value; the value is never stored */
    char csrf_token[48];
    int64_t created_at;
    int64_t last_seen_at;
    char user_agent[STORE_UA_MAX];
    /* A session of a device's family (one's own browser, unlocked with a
     * PIN): the device, and the absolute end it shares with it. Empty and 0
     * for an ordinary session, which ends absolute_timeout after login. */
    char device_id[STORE_ID_MAX];
    int64_t expires_at;
};

enum store_result store_session_create(struct store *s, const struct session *sess);
enum store_result store_session_by_token(struct store *s, const unsigned char token_hash[32],
                                         struct session *out);
/* Moves last_seen_at forward (the idle timeout counts from it). */
enum store_result store_session_touch(struct store *s, const char *id, int64_t now);
/* Ends a session and nothing else (the idle lock, a session running out):
 * the browser's push subscriptions stay, so a reminder may bring the
 * person back. STORE_NOT_FOUND when user_id has no such session. */
enum store_result store_session_delete(struct store *s, const char *user_id, const char *id);
/* Ends a session as its owner does (sign-out; ending it from "Where you are
 * signed in"): in the same transaction, the push subscriptions made in it
 * go, and the device it belonged to, if it was a marked one, is forgotten
 * (store_device_delete: its other sessions and subscriptions go with it), so
 * only the password brings that browser back. STORE_NOT_FOUND (nothing
 * removed) when user_id has no such session. */
enum store_result store_session_end(struct store *s, const char *user_id, const char *id);

/* One's sessions, newest first (for the list of one's sessions). */
typedef void store_session_fn(void *ctx, const struct session *sess);
enum store_result store_sessions_list(struct store *s, const char *user_id, store_session_fn *fn,
                                      void *ctx);

/* ---- devices: one's own browser, unlocked with a PIN ---------------------- */

enum {
    STORE_DEVICE_TRIES = 5, /* wrong PIN proofs in a row before a device is forgotten */
    STORE_DEVICES_MAX = 10, /* devices per account */
};

struct device {
    char id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    unsigned char verifier[32]; /* keyed BLAKE2b of the device id and the PIN proof */
    unsigned char seed[32];     /* the device value is a keyed BLAKE2b of it */
    int failures;
    int64_t created_at;
    int64_t used_at;
    int64_t expires_at;
    char user_agent[STORE_UA_MAX];
};

/* Marks the browser of session_id as its owner's own: inserts d and makes
 * the session one of d's family (device_id, expires_at = d->expires_at),
 * replacing the device the session belonged to, if any. STORE_NOT_FOUND
 * when the session is gone; STORE_CONFLICT when the account already has
 * STORE_DEVICES_MAX devices. */
enum store_result store_device_create(struct store *s, const struct device *d,
                                      const char *session_id);

enum device_try { DEVICE_RIGHT, DEVICE_WRONG, DEVICE_FORGOTTEN };

/* One PIN unlock attempt for device id, in one write transaction, so that
 * concurrent attempts are counted one by one. A device past its expires_at
 * is deleted (STORE_NOT_FOUND, as for no device). When its verifier equals
 * `verifier`: DEVICE_RIGHT, failures back to 0, used_at = now, every session
 * of the device ended and `sess` inserted in their place (its device_id,
 * user_id and expires_at are set here from the device). When not: failures
 * + 1 — DEVICE_WRONG — and the STORE_DEVICE_TRIES-th deletes the device and
 * its sessions: DEVICE_FORGOTTEN. *out is the device as it was found (its
 * failures after this attempt). */
enum store_result store_device_unlock(struct store *s, const char *id,
                                      const unsigned char verifier[32], struct session *sess,
                                      int64_t now, struct device *out, enum device_try *result);

/* Forgets device id of user_id (NULL: of whoever owns it): deletes it and
 * ends every session of its family but keep_session_id, which stays as an
 * ordinary session (no device, no expires_at). STORE_NOT_FOUND when there
 * is no such device (of that user). */
enum store_result store_device_delete(struct store *s, const char *user_id, const char *id,
                                      const char *keep_session_id);

/* One's devices not expired at now, newest first. */
typedef void store_device_fn(void *ctx, const struct device *d);
enum store_result store_devices_list(struct store *s, const char *user_id, int64_t now,
                                     store_device_fn *fn, void *ctx);

/* Records that user_id logged in from a browser (BLAKE2b of its
 * User-Agent). When it is one the account has not used before, and not the
 * account's first, a "new_browser" notice is left for the person, in the
 * same transaction. */
enum store_result store_browser_seen(struct store *s, const char *user_id,
                                     const unsigned char ua_hash[32], const char *user_agent,
                                     const char *notice_id, int64_t now);

struct notice {
    char id[STORE_ID_MAX];
    char kind[24];
    char detail[STORE_UA_MAX];
    int64_t created_at;
};
typedef void store_notice_fn(void *ctx, const struct notice *n);
enum store_result store_notices(struct store *s, const char *user_id, store_notice_fn *fn,
                                void *ctx);
enum store_result store_notice_delete(struct store *s, const char *user_id, const char *id);

/* Erases the account: leaves (and ends) every dyad, removes everything the
 * person wrote, their sessions, notices, push subscriptions and the
 * account itself, scrubs
 * their id from what stays (a dyad's creator, a wrap's signer), then has
 * the database drop every old copy of the erased rows it keeps (SQLite:
 * secure_delete and a WAL checkpoint; PostgreSQL: VACUUM of the tables). */
enum store_result store_user_delete(struct store *s, const char *user_id, int64_t now);

/* ---- Web Push subscriptions ----------------------------------------------- */

enum {
    STORE_PUSH_ENDPOINT_MAX = 1024, /* 1023 characters + NUL */
    STORE_PUSH_PER_USER = 10,       /* browsers one person may have subscribed at once */
};

/* A browser's push subscription (the Push API's endpoint, p256dh and auth):
 * where to send a reminder and the keys to encrypt it for that browser. */
struct push_subscription {
    char id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    char endpoint[STORE_PUSH_ENDPOINT_MAX];
    unsigned char p256dh[65]; /* uncompressed P-256 point */
    unsigned char auth[16];
    int64_t created_at;
    /* the browser it was made in: the subscribing session's device ("" for
     * none) and the session itself. It ends with that device, and when that
     * session is ended by its owner (store_session_end). */
    char device_id[STORE_ID_MAX];
    char session_id[STORE_ID_MAX];
};

/* Registers p for p->user_id. An endpoint already stored (the same browser
 * subscribing again, or after another account used it) is taken over with
 * the new keys, owner and browser (device, session), keeping its id
 * (*id_out: the id in effect).
 * STORE_CONFLICT when the person already has STORE_PUSH_PER_USER others. */
enum store_result store_push_subscribe(struct store *s, const struct push_subscription *p,
                                       char id_out[STORE_ID_MAX]);
/* Removes user_id's subscription of that endpoint; STORE_NOT_FOUND when
 * they have none. */
enum store_result store_push_unsubscribe(struct store *s, const char *user_id,
                                         const char *endpoint);
/* Removes the subscription with that id and endpoint, whoever holds it:
 * the push service answered 404 or 410 (it no longer exists). */
enum store_result store_push_gone(struct store *s, const char *id, const char *endpoint);
typedef void store_push_fn(void *ctx, const struct push_subscription *p);
/* user_id's subscriptions, oldest first. */
enum store_result store_push_list(struct store *s, const char *user_id, store_push_fn *fn,
                                  void *ctx);

/* ---- throttling ----------------------------------------------------------- */

/* Failures against one key (a hash of an address or a client address);
 * never the address itself. */
struct throttle {
    int failures;
    int64_t blocked_until;
    int64_t updated_at; /* the last failure */
};

enum store_result store_throttle_get(struct store *s, const unsigned char key[32],
                                     struct throttle *out);
enum store_result store_throttle_put(struct store *s, const unsigned char key[32],
                                     const struct throttle *t, int64_t now);
/* Read, change and write one key's count in a single write transaction, so
 * failures that arrive at the same moment are all counted: `change` gets
 * the stored count (all zero when there is none) and edits it in place;
 * it runs inside the transaction and must do no I/O. */
enum store_result store_throttle_update(struct store *s, const unsigned char key[32],
                                        void (*change)(struct throttle *t, void *arg), void *arg,
                                        int64_t now);
enum store_result store_throttle_clear(struct store *s, const unsigned char key[32]);

/* ---- dyads ---------------------------------------------------------------- */

enum dyad_kind { DYAD_COUPLE, DYAD_FRIENDS, DYAD_FAMILY, DYAD_KIND__MAX };

struct dyad {
    char id[STORE_ID_MAX];
    enum dyad_kind kind;
    char created_by[STORE_ID_MAX];
    int64_t created_at;
    int64_t ended_at; /* 0 while active */
    /* Moves forward with every change to what the dyad's insights read
     * (check-ins, shares, responses, comfort, the therapist link, a member
     * leaving), in the same transaction: the insights cache's key. */
    int64_t data_version;
};

struct member {
    char user_id[STORE_ID_MAX];
    char display_name[STORE_NAME_MAX];
    unsigned char box_pk[32];
    unsigned char sign_pk[32];
    unsigned char key_proof[32];
    unsigned char invite_secret_box[STORE_SECRET_BOX];
    bool has_wrap;
    unsigned char wrapped_key[STORE_SEALED_KEY];
    unsigned char wrap_signature[64];
    char wrap_signer[STORE_ID_MAX];
    bool track_sexual;
    bool therapist_sexual; /* the linked therapist may see this member's sexual scores */
    int family_role;       /* enum kind_role (core/kind.h): 0 not said */
    bool show_comfort;     /* the other member and a linked therapist may see their comfort */
    int64_t joined_at;
    int64_t left_at; /* 0 while a member */
};

struct invite {
    char code[STORE_CODE_MAX];
    char dyad_id[STORE_ID_MAX];
    int64_t expires_at;
    int64_t used_at; /* 0 while unused */
};

/* The dyad, its creator as first member (with the creator's own wrap) and
 * its first invite, together. */
enum store_result store_dyad_create(struct store *s, const struct dyad *d,
                                    const struct member *creator, const struct invite *inv);

/* Uses the invite `code` once: STORE_NOT_FOUND unknown code, STORE_EXPIRED
 * past its time, STORE_CONFLICT already used, the dyad ended or already
 * full, or the joiner is the creator. On success *dyad_out is the dyad.
 * The creator's member row carries creator->family_role; the joiner gets
 * its counterpart (kind_role_counterpart), whatever joiner->family_role. */
enum store_result store_dyad_join(struct store *s, const char *code, const struct member *joiner,
                                  int64_t now, struct dyad *dyad_out);

/* The dyad and its members (1–2), including one who has left (left_at set). */
enum store_result store_dyad_get(struct store *s, const char *dyad_id, struct dyad *out,
                                 struct member members[2], size_t *n_members);

/* What an invite link says before anyone signs up: the name of the person
 * who made it, the dyad's kind, and whether it can still be used — used
 * (or its dyad ended or already has two members) or expired, as
 * store_dyad_join would find it at `now`. STORE_NOT_FOUND: unknown code. */
enum store_invite_status { STORE_INVITE_OPEN, STORE_INVITE_USED, STORE_INVITE_EXPIRED };
struct invite_preview {
    char inviter_name[STORE_NAME_MAX]; /* "" when the account is gone */
    enum dyad_kind kind;
    enum store_invite_status status;
};
enum store_result store_invite_preview(struct store *s, const char *code, int64_t now,
                                       struct invite_preview *out);

/* The dyad's unused, unexpired invite, if any. */
enum store_result store_dyad_invite(struct store *s, const char *dyad_id, int64_t now,
                                    struct invite *out);

/* Records a wrap of the dyad key for member user_id; STORE_CONFLICT when
 * that member already has one. */
enum store_result store_member_set_wrap(struct store *s, const char *dyad_id, const char *user_id,
                                        const unsigned char wrapped_key[STORE_SEALED_KEY],
                                        const unsigned char signature[64], const char *signer_id);

enum store_result store_member_set_track_sexual(struct store *s, const char *dyad_id,
                                                const char *user_id, bool track);
enum store_result store_member_set_therapist_sexual(struct store *s, const char *dyad_id,
                                                    const char *user_id, bool allow);
enum store_result store_member_set_show_comfort(struct store *s, const char *dyad_id,
                                                const char *user_id, bool show);
/* Who is who in a family dyad, in one transaction: user_id's role and the
 * other current member's (enum kind_role). STORE_NOT_FOUND when user_id is
 * not a current member. */
enum store_result store_dyad_set_roles(struct store *s, const char *dyad_id, const char *user_id,
                                       int role, int other_role);

/* user_id leaves: the dyad ends (a dyad's key never changes, so pairing
 * again makes a new dyad); pending invites end with it. With
 * delete_content, everything the leaver wrote in the dyad is removed. */
enum store_result store_dyad_leave(struct store *s, const char *dyad_id, const char *user_id,
                                   bool delete_content, int64_t now);

/* The dyads user_id belongs to (active or ended), newest first. */
struct dyad_summary {
    char id[STORE_ID_MAX];
    enum dyad_kind kind;
    bool active;
    bool paired;
};
enum store_result store_user_dyads(struct store *s, const char *user_id, struct dyad_summary *out,
                                   size_t max, size_t *n);

/* ---- check-ins ------------------------------------------------------------ */

enum { STORE_CHECKIN_SCORES = 7, STORE_NULL = -1 };

struct checkin {
    char user_id[STORE_ID_MAX];
    long day;                           /* days since 1970-01-01 */
    int8_t score[STORE_CHECKIN_SCORES]; /* closeness … sexual; STORE_NULL = not answered */
    unsigned emotions;                  /* bit per feeling */
    int8_t wordless;                    /* 0, 1 or STORE_NULL */
    bool has_note;
    unsigned show_mask; /* items the partner may see (bits of enum insights_item) */
    int64_t updated_at;
};

/* Writes (inserts or replaces whole) one member's check-in for c->day.
 * note may be NULL (no note). */
enum store_result store_checkin_put(struct store *s, const char *dyad_id, const struct checkin *c,
                                    const unsigned char *note, size_t note_len);

/* Both members' check-ins with from <= day <= to, oldest first; up to max. */
enum store_result store_checkins(struct store *s, const char *dyad_id, long from, long to,
                                 struct checkin *out, size_t max, size_t *n);
/* The same rows one member after the other (by user id), each oldest first:
 * the primary key's order, so the database reads them without sorting (for
 * a reader that places each row by its day, as insights do over a year and
 * more of history). */
enum store_result store_checkins_by_member(struct store *s, const char *dyad_id, long from, long to,
                                           struct checkin *out, size_t max, size_t *n);

/* user_id's notes with from <= day <= to, to fn (the bytes live during the
 * call only). */
typedef void store_note_fn(void *ctx, long day, const unsigned char *note, size_t len);
enum store_result store_checkin_notes(struct store *s, const char *dyad_id, const char *user_id,
                                      long from, long to, store_note_fn *fn, void *ctx);

/* ---- shares and responses ------------------------------------------------ */

enum { STORE_PROMPT_ID_MAX = 49 };

struct share {
    char id[STORE_ID_MAX]; /* client-made entry id */
    char author_id[STORE_ID_MAX];
    int topic;                           /* enum prompts_topic */
    int depth;                           /* 1–5 */
    char prompt_id[STORE_PROMPT_ID_MAX]; /* "" when not an answer to a prompt */
    bool mutual;                         /* reveal: mutual */
    bool together;                       /* recorded from a guided conversation */
    int64_t created_at;
    const unsigned char *body; /* ciphertext; borrowed (in callbacks: during the call) */
    size_t body_len;
};

struct response {
    char id[STORE_ID_MAX];
    char share_id[STORE_ID_MAX];
    char author_id[STORE_ID_MAX];
    int kind; /* enum vocab_response: 0 understood, 1 makes_sense, 2 with_you, 3 in_person */
    int64_t created_at;
    const unsigned char *body; /* NULL: no words */
    size_t body_len;
};

/* STORE_CONFLICT when the id is taken (ids are client-made and unique). */
enum store_result store_share_create(struct store *s, const char *dyad_id, const struct share *sh);

/* One share of the dyad, without its body. */
enum store_result store_share_get(struct store *s, const char *dyad_id, const char *share_id,
                                  struct share *out);

/* The dyad's shares older than the share before_id (by creation time, then
 * insertion order: a cursor that never skips shares made in the same
 * second), or created before `before` (Unix seconds) when before_id is NULL
 * (0: now); newest first, at most limit, each with its responses. fn sees
 * one share and its responses at a time. An unknown before_id gives none. */
typedef void store_share_fn(void *ctx, const struct share *sh, const struct response *responses,
                            size_t n_responses);
enum store_result store_shares_page(struct store *s, const char *dyad_id, int64_t before,
                                    const char *before_id, int limit, store_share_fn *fn,
                                    void *ctx);

enum { STORE_RESPONSES_MAX = 16 };

/* STORE_CONFLICT when the id is taken or the share has its
 * STORE_RESPONSES_MAX responses. */
enum store_result store_response_create(struct store *s, const char *dyad_id,
                                        const struct response *r);

/* Deletes author_id's share share_id in the dyad, with every response to
 * it and the author's sealed re-shares of it, then has the database drop
 * its old copies of the rows (as store_user_delete does). STORE_NOT_FOUND
 * when the dyad has no such share, STORE_CONFLICT when it is another
 * member's. */
enum store_result store_share_delete(struct store *s, const char *dyad_id, const char *share_id,
                                     const char *author_id);

/* Deletes author_id's response response_id to share_id in the dyad, and
 * their sealed re-shares of it, the same way. STORE_NOT_FOUND when there
 * is no such response on that share, STORE_CONFLICT when it is another
 * member's. */
enum store_result store_response_delete(struct store *s, const char *dyad_id, const char *share_id,
                                        const char *response_id, const char *author_id);

/* Has user_id answered prompt_id in this dyad (written a share for it)? */
enum store_result store_prompt_answered(struct store *s, const char *dyad_id, const char *user_id,
                                        const char *prompt_id, bool *out);

/* Share metadata for insights and pacing: every share of the dyad created
 * at or after `since`, oldest first, with when the partner first answered.
 * A share recorded together (a guided conversation) comes twice, once for
 * each member, answered when made: both spoke, and each heard the other. */
struct share_meta {
    char author_id[STORE_ID_MAX];
    int topic;
    int depth;
    char prompt_id[STORE_PROMPT_ID_MAX];
    int64_t created_at;
    int64_t answered_at; /* 0: not answered */
    bool together;       /* a record of a guided conversation (comes for each member) */
};
typedef void store_share_meta_fn(void *ctx, const struct share_meta *m);
enum store_result store_share_meta(struct store *s, const char *dyad_id, int64_t since,
                                   store_share_meta_fn *fn, void *ctx);

/* One's own shares and responses in a dyad, with bodies, oldest first (for
 * export). */
typedef void store_authored_share_fn(void *ctx, const struct share *sh);
typedef void store_authored_response_fn(void *ctx, const struct response *r);
enum store_result store_authored(struct store *s, const char *dyad_id, const char *user_id,
                                 store_authored_share_fn *share_fn,
                                 store_authored_response_fn *response_fn, void *ctx);

/* What is new to one member: the other member's shares (not those recorded
 * together in a guided conversation) and responses written since the member
 * last marked the dyad seen (all of them before the first mark). The marker
 * is read only for its owner: nothing tells the other member (no read
 * receipts). */
struct store_unread {
    int shares;
    int responses;
};
enum store_result store_unread(struct store *s, const char *dyad_id, const char *user_id,
                               struct store_unread *out);

/* Marks everything the dyad holds now as seen by user_id. */
enum store_result store_seen_mark(struct store *s, const char *dyad_id, const char *user_id,
                                  int64_t now);

/* ---- comfort --------------------------------------------------------------- */

/* Records a new comfort level (0–5; 0 = set aside) for a topic; the history
 * is kept. */
enum store_result store_comfort_set(struct store *s, const char *dyad_id, const char *user_id,
                                    int topic, int level, int64_t now);
/* The current level per topic (-1 where never set) of user_id. */
enum store_result store_comfort_current(struct store *s, const char *dyad_id, const char *user_id,
                                        int *levels, int n_topics);
/* Every change user_id made, oldest first. */
typedef void store_comfort_fn(void *ctx, int topic, int level, int64_t set_at);
enum store_result store_comfort_history(struct store *s, const char *dyad_id, const char *user_id,
                                        store_comfort_fn *fn, void *ctx);

/* ---- prompt offers ------------------------------------------------------------ */

/* Records that prompt_id was offered to the dyad on `day` (days since the
 * epoch, UTC); recording the same offer again the same day changes nothing. */
enum store_result store_prompt_offer_add(struct store *s, const char *dyad_id,
                                         const char *prompt_id, long day);
/* Every offer to the dyad on or after since_day, oldest first. */
typedef void store_prompt_offer_fn(void *ctx, const char *prompt_id, long day);
enum store_result store_prompt_offers(struct store *s, const char *dyad_id, long since_day,
                                      store_prompt_offer_fn *fn, void *ctx);

/* ---- therapists ------------------------------------------------------------- */

/* A one-time setup link for a therapist account (dyad therapist add). */
enum store_result store_therapist_invite(struct store *s, const unsigned char token_hash[32],
                                         const char *email, int64_t now, int64_t expires_at);

/* Whether a setup token can still be used (STORE_OK), without using it:
 * STORE_NOT_FOUND, STORE_EXPIRED or STORE_CONFLICT (used) as below. */
enum store_result store_therapist_invite_check(struct store *s, const unsigned char token_hash[32],
                                               int64_t now);

/* Uses the setup token once and creates the therapist's account and code
 * together. STORE_NOT_FOUND unknown, STORE_EXPIRED past its time,
 * STORE_CONFLICT used already or the e-mail taken. u->email is filled from
 * the invite. */
enum store_result store_therapist_setup(struct store *s, const unsigned char token_hash[32],
                                        struct user *u, const char *code_id, int64_t now);

enum store_result store_therapist_code(struct store *s, const char *user_id, char *code_id,
                                       size_t cap);
enum store_result store_therapist_by_code(struct store *s, const char *code_id, struct user *out);

struct therapist_link {
    char dyad_id[STORE_ID_MAX];
    char therapist_id[STORE_ID_MAX];
    int64_t created_at;
    size_t n_consents;
    char consented[2][STORE_ID_MAX]; /* user ids of members who consented */
};

/* The dyad's link, if any. */
enum store_result store_link_get(struct store *s, const char *dyad_id, struct therapist_link *out);

/* One member's consent to therapist_id for the dyad, creating the link with
 * it. STORE_CONFLICT when the dyad is linked to another therapist. */
enum store_result store_link_consent(struct store *s, const char *dyad_id, const char *therapist_id,
                                     const char *user_id, int64_t now);

/* Ends the link at once (either member). STORE_NOT_FOUND when none. */
enum store_result store_link_revoke(struct store *s, const char *dyad_id, const char *user_id,
                                    int64_t now);

/* The dyads linked to a therapist (with consents), for the caseload. */
typedef void store_link_fn(void *ctx, const struct therapist_link *l);
enum store_result store_therapist_links(struct store *s, const char *therapist_id,
                                        store_link_fn *fn, void *ctx);

/* The latest check-in write or share in a dyad (Unix seconds; 0: none). */
enum store_result store_dyad_last_activity(struct store *s, const char *dyad_id, int64_t *out);

struct assignment {
    char id[STORE_ID_MAX];
    char therapist_id[STORE_ID_MAX];
    int topic;
    int depth;
    int64_t starts_at, ends_at, created_at;
};

/* A homework assignment with its note sealed to each member (n_notes of
 * them: user ids and sealed bytes). */
enum store_result store_assignment_create(struct store *s, const char *dyad_id,
                                          const struct assignment *a, const char *const *note_users,
                                          const unsigned char *const *notes,
                                          const size_t *note_lens, size_t n_notes);

/* The assignment in force at `now`, if any (the newest), and the note
 * sealed to user_id (copied into note, up to cap; *note_len 0 if none). */
enum store_result store_assignment_current(struct store *s, const char *dyad_id, int64_t now,
                                           const char *user_id, struct assignment *out,
                                           unsigned char *note, size_t cap, size_t *note_len);

/* ---- private check-ins and re-shares ------------------------------------- */

/* STORE_PRIVATE_SIGNAL: the danger signal, "D" or "N" padded to one 64-byte
 * block and sealed (crypto_box_SEALBYTES 48 + 64) */
enum { STORE_SEALED_MAX = 8192, STORE_PRIVATE_SIGNAL = 48 + 64 };

struct private_checkin {
    char id[STORE_ID_MAX];
    char dyad_id[STORE_ID_MAX];
    char therapist_id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    char questionnaire[48];
    int64_t assigned_at;
    int64_t answered_at;         /* 0 while unanswered */
    const unsigned char *sealed; /* borrowed (during callbacks); NULL while unanswered */
    size_t sealed_len;
    const unsigned char *signal; /* the sealed danger signal (borrowed); NULL when none */
    size_t signal_len;
};

enum store_result store_private_assign(struct store *s, const struct private_checkin *p);

/* The private check-ins of user_id (any dyad) whose therapist link is still
 * active, or of dyad_id for therapist_id (dyad_id/therapist_id NULL when
 * listing by user). */
typedef void store_private_fn(void *ctx, const struct private_checkin *p);
enum store_result store_private_list(struct store *s, const char *user_id, const char *dyad_id,
                                     const char *therapist_id, store_private_fn *fn, void *ctx);

/* Seals the answer once, with its sealed danger signal (NULL: none):
 * STORE_NOT_FOUND when not user_id's (or the link has ended),
 * STORE_CONFLICT when already answered. */
enum store_result store_private_answer(struct store *s, const char *id, const char *user_id,
                                       const unsigned char *sealed, size_t len,
                                       const unsigned char *signal, size_t signal_len, int64_t now);

/* ---- homework followed ------------------------------------------------------ */

/* Records the first time user_id was shown assignment_id (later calls keep
 * the first time). */
enum store_result store_assignment_opened(struct store *s, const char *assignment_id,
                                          const char *user_id, int64_t now);

/* One assignment as one member followed it. */
struct homework_status {
    struct assignment a;
    char user_id[STORE_ID_MAX];
    int64_t opened_at; /* 0: never shown to them */
    int shares;        /* shares they wrote on its topic while it ran */
};

/* Every assignment of dyad_id, oldest first, once per current member (only
 * user_id's when it is not NULL). */
typedef void store_homework_fn(void *ctx, const struct homework_status *h);
enum store_result store_homework_list(struct store *s, const char *dyad_id, const char *user_id,
                                      store_homework_fn *fn, void *ctx);

/* ---- research consent ------------------------------------------------------- */

enum { STORE_STUDY_MAX = 1001 };

struct research_state {
    char requested_by[STORE_ID_MAX];
    char study[STORE_STUDY_MAX]; /* what the study is, in the asker's words */
    int64_t requested_at;
    size_t n; /* consents given, 0-2 */
    struct {
        char user_id[STORE_ID_MAX];
        bool include_hidden;
        int64_t given_at;
    } consents[2];
};

/* Asks dyad_id to take part (replacing an earlier request and its
 * consents). */
enum store_result store_research_request(struct store *s, const char *dyad_id, const char *by,
                                         const char *study, int64_t now);
/* The request and its consents; STORE_NOT_FOUND when there is none. */
enum store_result store_research_get(struct store *s, const char *dyad_id,
                                     struct research_state *out);
/* user_id consents (again); STORE_NOT_FOUND when nothing was asked. */
enum store_result store_research_consent(struct store *s, const char *dyad_id, const char *user_id,
                                         bool include_hidden, int64_t now);
/* Withdraws user_id's consent; STORE_NOT_FOUND when there was none. */
enum store_result store_research_revoke(struct store *s, const char *dyad_id, const char *user_id);

/* ---- measures: questionnaires both members answer on a schedule -------- */

enum { STORE_ANSWERS_MAX = 256 };

struct measure {
    char id[STORE_ID_MAX];
    char dyad_id[STORE_ID_MAX];
    char therapist_id[STORE_ID_MAX];
    char questionnaire[48];
    int every_days;
    char starts_on[11]; /* YYYY-MM-DD */
    int64_t assigned_at;
    int64_t ended_at; /* 0 while it runs */
};

enum store_result store_measure_add(struct store *s, const struct measure *m);

/* Ends a running measure of dyad_id given by therapist_id: STORE_NOT_FOUND
 * when there is none such. */
enum store_result store_measure_end(struct store *s, const char *dyad_id, const char *therapist_id,
                                    const char *id, int64_t now);

/* The measures of dyad_id, oldest first: those therapist_id gave, or, when
 * therapist_id is NULL, those of the therapist linked now with both
 * consents (what members see). */
typedef void store_measure_fn(void *ctx, const struct measure *m);
enum store_result store_measure_list(struct store *s, const char *dyad_id, const char *therapist_id,
                                     store_measure_fn *fn, void *ctx);

struct measure_answer {
    char measure_id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    int period;
    char day[11];
    char answers[STORE_ANSWERS_MAX]; /* JSON array of choice indexes, -1 unanswered */
    bool show_partner;
    int64_t answered_at;
};

/* Records (or replaces) user_id's answer for one period. */
enum store_result store_measure_answer(struct store *s, const struct measure_answer *a);

/* Every answer to measure_id, by period then answer time. */
typedef void store_measure_answer_fn(void *ctx, const struct measure_answer *a);
enum store_result store_measure_answers(struct store *s, const char *measure_id,
                                        store_measure_answer_fn *fn, void *ctx);

/* Every answer user_id gave to a measure of dyad_id — whoever gave the
 * measure, running or ended, linked or not (one's own data, for the
 * export) — with its measure, by assignment then period. */
typedef void store_own_answer_fn(void *ctx, const struct measure *m,
                                 const struct measure_answer *a);
enum store_result store_measure_answers_own(struct store *s, const char *dyad_id,
                                            const char *user_id, store_own_answer_fn *fn,
                                            void *ctx);

/* Questionnaires an operator added (`dyad questionnaire add`): the
 * definition as given. STORE_CONFLICT when the id is taken. */
enum store_result store_questionnaire_add(struct store *s, const char *id, const char *definition,
                                          int64_t now);
typedef void store_questionnaire_fn(void *ctx, const char *id, const char *definition);
enum store_result store_questionnaire_list(struct store *s, store_questionnaire_fn *fn, void *ctx);

struct reshare {
    char id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    char entry_id[STORE_ID_MAX];
    char entry_kind[16];
    int64_t created_at;
    const unsigned char *sealed;
    size_t sealed_len;
};
enum store_result store_reshare_add(struct store *s, const char *dyad_id, const char *therapist_id,
                                    const struct reshare *r);
typedef void store_reshare_fn(void *ctx, const struct reshare *r);
enum store_result store_reshares(struct store *s, const char *dyad_id, const char *therapist_id,
                                 store_reshare_fn *fn, void *ctx);

/* Whether user_id wrote entry entry_id (a share or response) in the dyad. */
enum store_result store_entry_author(struct store *s, const char *dyad_id, const char *entry_id,
                                     const char *user_id, bool *is_author);

/* ---- audit ------------------------------------------------------------------ */

enum store_result store_audit_add(struct store *s, const char *dyad_id, const char *actor_id,
                                  const char *action, const char *subject_user, int64_t now);

struct audit_entry {
    char actor_id[STORE_ID_MAX];
    char actor_name[STORE_NAME_MAX];
    bool actor_therapist;
    char action[24];
    char subject_user[STORE_ID_MAX]; /* "" when about the dyad's shared data */
    int64_t at;
};
typedef void store_audit_fn(void *ctx, const struct audit_entry *e);
/* Entries of the dyad that viewer_id may see: those about the shared data,
 * and those about viewer_id's own data; newest first, at most limit. */
enum store_result store_audit_list(struct store *s, const char *dyad_id, const char *viewer_id,
                                   int limit, store_audit_fn *fn, void *ctx);

/* ---- reminders ------------------------------------------------------------- */

/* What a person asked for: weekdays, a local time, a time zone, channels.
 * Nothing about what anyone did. The schedule's arithmetic is
 * core/remind.h's; the sending is src/notify's. */
enum { STORE_ZONE_MAX = 64, STORE_CHANNELS_MAX = 64, STORE_CHANNEL_MAX = 16 };

struct reminder {
    char user_id[STORE_ID_MAX];
    bool enabled;
    unsigned days; /* bit 0 Monday … bit 6 Sunday */
    int minute;    /* after local midnight */
    char zone[STORE_ZONE_MAX];
    char channels[STORE_CHANNELS_MAX]; /* names separated by spaces: "email push" */
    int64_t next_at;                   /* the next one; 0 when none */
    int64_t updated_at;
};

/* STORE_NOT_FOUND when the person never asked. */
enum store_result store_reminder_get(struct store *s, const char *user_id, struct reminder *out);
/* Creates or replaces the person's reminder; turning it off (enabled false
 * or next_at 0) also drops the sends still waiting for them. */
enum store_result store_reminder_put(struct store *s, const struct reminder *r);
/* Turns the person's reminders off (the stop link) and drops the sends still
 * waiting; STORE_NOT_FOUND when there were none. */
enum store_result store_reminder_stop(struct store *s, const char *user_id, int64_t now);

/* Reminders on whose next_at is at or before now, earliest first, at most
 * limit. */
typedef void store_reminder_fn(void *ctx, const struct reminder *r);
enum store_result store_reminders_due(struct store *s, int64_t now, int limit,
                                      store_reminder_fn *fn, void *ctx);

/* One send of one reminder on one channel. */
struct reminder_send {
    char id[STORE_ID_MAX];
    char user_id[STORE_ID_MAX];
    char channel[STORE_CHANNEL_MAX]; /* "email", "push" */
    char purpose[STORE_CHANNEL_MAX]; /* "checkin", "measure" */
    int64_t due_at;
    int tries; /* failed sends so far */
    int64_t try_at;
};

/* Claims the reminder of user_id that falls at old_next_at: in one
 * transaction, moves next_at to new_next_at only if it still is old_next_at
 * and the reminder is on (compare-and-set), and queues the n sends.
 * STORE_CONFLICT when it was not (another server claimed it, or the person
 * changed it meanwhile): then nothing is queued. With several servers on
 * one database each reminder is claimed once. */
enum store_result store_reminder_claim(struct store *s, const char *user_id, int64_t old_next_at,
                                       int64_t new_next_at, const struct reminder_send *sends,
                                       size_t n);

/* Sends whose try_at is at or before now, earliest first, at most limit. */
typedef void store_send_fn(void *ctx, const struct reminder_send *x);
enum store_result store_sends_due(struct store *s, int64_t now, int limit, store_send_fn *fn,
                                  void *ctx);
/* Takes send id for this server: moves try_at from old_try_at to lease_until
 * (compare-and-set); STORE_CONFLICT when another server took it first or it
 * is gone. A server that dies while sending leaves it to be tried again
 * when the lease ends. */
enum store_result store_send_claim(struct store *s, const char *id, int64_t old_try_at,
                                   int64_t lease_until);
/* The channel took it: the send is removed. */
enum store_result store_send_done(struct store *s, const char *id);
/* It failed: tries and the next try recorded. */
enum store_result store_send_retry(struct store *s, const char *id, int tries, int64_t try_at);

/* The running measures user_id is asked to answer (a current member, a
 * consented therapist link), with the latest period they answered (-1:
 * none), for the reminder that a questionnaire is waiting. */
typedef void store_measure_wait_fn(void *ctx, const char *starts_on, int every_days,
                                   int last_period);
enum store_result store_measures_waiting(struct store *s, const char *user_id,
                                         store_measure_wait_fn *fn, void *ctx);

#endif
