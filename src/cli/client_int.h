/*
 * client_int.h — what the parts of `dyad client` share (not used outside
 * src/cli/client*.c).
 *
 *   client_util.c     pure helpers: exit statuses, invite links, flags, the
 *                     state path, words for topics and items (unit-tested)
 *   client_http.c     the API over libcurl: JSON in and out, cookie, CSRF
 *   client_session.c  the session file, reading passwords, unlocking keys,
 *                     opening a dyad and its key K as the browser does
 *   client_out.c      text and --json output, error reports
 *   client_cmd*.c     the commands
 *   client.c          the dispatcher, and read-export
 */
#ifndef DYAD_CLIENT_INT_H
#define DYAD_CLIENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "crypto/keys.h"

/* Exit statuses, one per class of error (docs: dyad-client(1), EXIT STATUS). */
enum cl_exit {
    CL_OK = 0,
    CL_ELOCAL = 1,     /* a local problem: a file, the terminal, memory */
    CL_EUSAGE = 2,     /* wrong command line */
    CL_ENETWORK = 3,   /* the server could not be reached, TLS failed, not a dyad server */
    CL_EAUTH = 4,      /* not logged in, session ended, wrong password (401) */
    CL_EINVALID = 5,   /* the server refused the request as invalid (400, 405, 413) */
    CL_EFORBIDDEN = 6, /* 403: forbidden, csrf */
    CL_ENOTFOUND = 7,  /* 404 */
    CL_ECONFLICT = 8,  /* 409 */
    CL_ERATE = 9,      /* 429 */
    CL_ESERVER = 10,   /* 5xx: the server is unavailable or failed */
    CL_ECRYPTO = 11,   /* integrity: a key proof, signature or ciphertext did not check out */
};

/* ---- client_util.c (pure) ------------------------------------------------ */

/* The exit status for an API answer with HTTP status and error code. */
int cl_exit_for_status(long status, const char *code);

/* Splits an invite link "…/join/CODE#SECRET" into its code and secret.
 * 0 on success; -1 if it is not such a link. */
int cl_parse_link(const char *link, char *code, size_t code_size,
                  unsigned char secret[KEYS_KEY_BYTES]);

/* A 0–10 score: "pass" (or "-") → *null = true; "0".."10" → *value.
 * -1 for anything else. */
int cl_parse_score(const char *s, int *value, bool *is_null);

/* Splits a comma-separated list into a JSON array of strings, each of which
 * must be in allowed (NULL-terminated). NULL on an unknown or repeated word;
 * *bad then points at it (within s) with its length in *bad_len. */
json_t *cl_parse_list(const char *s, const char *const *allowed, const char **bad, size_t *bad_len);

/* The state directory: $XDG_STATE_HOME/dyad, else $HOME/.local/state/dyad.
 * -1 when neither is set to an absolute path or the result does not fit. */
int cl_state_dir(char *out, size_t out_size, const char *xdg_state_home, const char *home);

/* YYYY-MM-DD + days (may be negative) → out (11 bytes). -1 on a bad date. */
int cl_date_add(char *out, size_t out_size, const char *date, int days);

/* Words for the codes the API uses; the code itself when unknown. */
const char *cl_topic_words(const char *topic);
const char *cl_depth_words(long depth);
const char *cl_response_words(const char *kind);
const char *cl_item_words(const char *item);
const char *cl_quadrant_words(const char *quadrant);

extern const char *const cl_topics[];    /* NULL-terminated */
extern const char *const cl_emotions[];  /* NULL-terminated */
extern const char *const cl_items[];     /* the seven 0–10 items, NULL-terminated */
extern const char *const cl_showable[];  /* items, emotions, wordless; NULL-terminated */
extern const char *const cl_responses[]; /* NULL-terminated */
extern const char *const cl_kinds[];     /* dyad kinds, NULL-terminated */

/* ---- the client's state ------------------------------------------------- */

struct cl_error {
    long status; /* HTTP status, 0 when the server was not reached */
    char code[48];
    char message[512];
    char field[64];
};

struct cl {
    /* options */
    char server[512]; /* base URL without a trailing '/' */
    bool server_given;
    const char *ca_file;
    const char *dyad_id; /* --dyad */
    int password_fd;     /* -1: ask on the terminal */
    bool json;
    char state_dir[1024];
    char session_path[1100];

    /* the session, as stored (NULL when logged out) */
    json_t *session;

    /* the last error, reported by cl_fail() */
    struct cl_error err;

    /* the user's keys, once unlocked with the password */
    bool unlocked;
    struct keys_user keys;

    void *curl; /* CURL * */
};

/* ---- client_out.c -------------------------------------------------------- */

/* Records an error of class status (enum cl_exit) with a code and a
 * message, and returns status. The message is printed by cl_report(). */
int cl_fail(struct cl *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints the recorded error: "dyad client: message (code, field)" on stderr,
 * and with --json also {"error":{…}} on stdout. */
void cl_report(struct cl *c, int status);

/* Prints a JSON value on stdout (with --json), followed by a newline. */
void cl_print_json(json_t *v);

/* Prints s, with control characters other than newline and tab shown as
 * U+FFFD, so a partner's words cannot drive the terminal. */
void cl_print_safe(const char *s);
void cl_fprint_safe(FILE *f, const char *s);

/* ---- client_http.c ------------------------------------------------------- */

int cl_http_init(struct cl *c);
void cl_http_free(struct cl *c);

/* One API call: method, a path under /api/v1 (or starting with '/'), an
 * optional body (not stolen). *out gets the parsed answer (NULL for 204).
 * Returns CL_OK or an exit status with c->err filled in. */
int cl_api(struct cl *c, const char *method, const char *path, json_t *body, json_t **out);

/* s percent-encoded for a query or a path segment, or NULL; free() it. */
char *cl_escape(struct cl *c, const char *s);

/* Loads the session's cookies into libcurl (NULL forgets them all), and reads them back as a JSON
 * array of cookie lines (Netscape format) after a login. */
int cl_http_set_cookies(struct cl *c, json_t *cookies);
json_t *cl_http_get_cookies(struct cl *c);

/* ---- client_session.c ---------------------------------------------------- */

/* Reads the session file, if any, into c->session. CL_OK, or an error when
 * the file exists but is unreadable or not private. */
int cl_session_load(struct cl *c);

/* Writes c->session (mode 0600, atomically). */
int cl_session_save(struct cl *c);

/* Overwrites and removes the session file; c->session becomes NULL. */
int cl_session_wipe(struct cl *c);

/* CL_EAUTH unless logged in (and, with --server, to that server). */
int cl_need_session(struct cl *c);

/* Reads a password: from --password-fd (one line), else on the terminal
 * without echo after prompt. */
int cl_read_password(struct cl *c, const char *prompt, char *buf, size_t size);

/* Asks the password and opens the session's wrapped keys into c->keys,
 * checking the public keys they make against those pinned at login. */
int cl_unlock(struct cl *c);

/* A dyad as one's own client sees it. */
struct cl_dyad {
    json_t *dyad; /* GET /dyads/{id} → dyad (owned) */
    const char *id, *kind;
    json_t *me, *partner;     /* member objects, partner NULL until someone joins */
    const char *partner_name; /* "the other person" until someone joins */
    int partner_verified;     /* 1 yes, 0 no, -1 nobody to check (or keys locked) */
    bool have_k;
    unsigned char k[KEYS_KEY_BYTES];
    bool wrapped_for_partner; /* this call sealed K for the partner */
};

/* Chooses the dyad (--dyad, else the only active one) and loads it. With
 * need_key, also unlocks the keys, checks the partner's key proof, seals K
 * for a partner who has joined but has none, and opens K (CL_ECRYPTO when
 * trust fails; have_k stays false while K is not there yet). */
int cl_dyad_open(struct cl *c, struct cl_dyad *d, bool need_key);
void cl_dyad_close(struct cl_dyad *d);

/* Decrypts an entry body; NULL when it does not open (the caller says so). */
char *cl_decrypt(const unsigned char key[KEYS_KEY_BYTES], const char *dyad_id, const char *entry_id,
                 const char *author_id, const char *kind, const char *body);

/* The invite-secret box: nonce ‖ XChaCha20-Poly1305(secret, "dyadinvite|1", personal). */
int cl_box_invite_secret(char *out, size_t out_size, const unsigned char secret[32],
                         const unsigned char personal[32]);
int cl_open_invite_secret(unsigned char secret[32], const char *box_b64,
                          const unsigned char personal[32]);

/* ---- the commands (client_cmd*.c) --------------------------------------- */

/* argv[0] is the command's name; options already taken out. */
int cl_cmd_register(struct cl *c, int argc, char **argv);
int cl_cmd_login(struct cl *c, int argc, char **argv);
int cl_cmd_logout(struct cl *c, int argc, char **argv);
int cl_cmd_whoami(struct cl *c, int argc, char **argv);
int cl_cmd_password(struct cl *c, int argc, char **argv);
int cl_cmd_sessions(struct cl *c, int argc, char **argv);
int cl_cmd_dyads(struct cl *c, int argc, char **argv);
int cl_cmd_invite(struct cl *c, int argc, char **argv);
int cl_cmd_join(struct cl *c, int argc, char **argv);
int cl_cmd_safety_code(struct cl *c, int argc, char **argv);
int cl_cmd_checkin(struct cl *c, int argc, char **argv);
int cl_cmd_checkins(struct cl *c, int argc, char **argv);
int cl_cmd_shares(struct cl *c, int argc, char **argv);
int cl_cmd_share(struct cl *c, int argc, char **argv);
int cl_cmd_respond(struct cl *c, int argc, char **argv);
int cl_cmd_prompt(struct cl *c, int argc, char **argv);
int cl_cmd_insights(struct cl *c, int argc, char **argv);
int cl_cmd_export(struct cl *c, int argc, char **argv);

/* Shared by export and read-export: adds the decrypted words to an export
 * (GET /me/export) in place — "text" beside each share's and response's
 * body, "note_text" beside each check-in's note, "key_check" on each dyad —
 * and, when md is not NULL, writes it there as Markdown. K is opened with its
 * signature checked against one's own key when one wrapped it, else against
 * trusted[dyad_id] (a partner's signing key whose key proof verified, base64),
 * else against the key the export lists (marked "unchecked"). Returns the
 * number of entries that did not decrypt. */
int cl_export_render(json_t *export, const struct keys_user *me, json_t *trusted, FILE *md);

/* Reads the words of an entry: from a file ("-" is standard input), else
 * $EDITOR on a private temporary file when standard input is a terminal,
 * else standard input. The caller frees (and wipes) *text. */
int cl_read_text(struct cl *c, const char *file, const char *what, char **text);

#endif
