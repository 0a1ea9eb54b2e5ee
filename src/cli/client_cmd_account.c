/*
 * client_cmd_account.c — `dyad client register | login | logout | whoami |
 * password | sessions`: the account, with the keys made and stretched
 * exactly as web/js/auth.js does (src/crypto/keys.c, the same bytes).
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client_int.h"

#define MIN_PASSWORD 10 /* as web/js/auth.js */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int usage(struct cl *c, const char *text)
{
    return cl_fail(c, CL_EUSAGE, "usage", "usage: dyad client %s", text);
}

/* A new password: twice on a terminal, once from --password-fd. */
static int new_password(struct cl *c, const char *prompt, char *buf, size_t size)
{
    int r = cl_read_password(c, prompt, buf, size);
    if (r != CL_OK)
        return r;
    if (strlen(buf) < MIN_PASSWORD) {
        sodium_memzero(buf, size);
        return cl_fail(c, CL_EUSAGE, "password", "use a password of at least %d characters",
                       MIN_PASSWORD);
    }
    if (c->password_fd < 0) {
        char again[1024];
        r = cl_read_password(c, "The same password again: ", again, sizeof again);
        bool same = r == CL_OK && strcmp(again, buf) == 0;
        sodium_memzero(again, sizeof again);
        if (r != CL_OK)
            return r;
        if (!same) {
            sodium_memzero(buf, size);
            return cl_fail(c, CL_EUSAGE, "password", "the two passwords are not the same");
        }
    }
    return CL_OK;
}

/* master → auth and wrap keys for password over salt at the protocol's cost. */
static int stretch(struct cl *c, const char *password, const unsigned char salt[16],
                   unsigned long long ops, size_t mem, unsigned char auth[32],
                   unsigned char wrap[32])
{
    unsigned char master[32];
    int r = keys_derive_master(master, password, strlen(password), salt, ops, mem) == 0 &&
                    keys_derive_auth_wrap(auth, wrap, master) == 0
                ? CL_OK
                : cl_fail(c, CL_ELOCAL, "kdf", "the password could not be stretched");
    sodium_memzero(master, sizeof master);
    return r;
}

/* Logs in with an auth key already made; checks the keys the server sends
 * back open with wrap and match; writes the session. */
static int login_with(struct cl *c, const char *email, const unsigned char auth[32],
                      const unsigned char wrap[32], const char *salt_b64, unsigned long long ops,
                      size_t mem)
{
    char auth_b64[KEYS_B64_SIZE(32)];
    keys_b64_encode(auth_b64, sizeof auth_b64, auth, 32);
    json_t *body = json_pack("{s:s, s:s}", "email", email, "auth_key", auth_b64);
    sodium_memzero(auth_b64, sizeof auth_b64);
    json_t *res = NULL;
    int r = cl_api(c, "POST", "/auth/login", body, &res);
    json_decref(body);
    if (r != CL_OK)
        return r;
    struct keys_user keys;
    bool ok = keys_unwrap(&keys, str(res, "wrapped_keys"), wrap) == 0;
    if (ok) {
        char box[KEYS_B64_SIZE(32)], sign[KEYS_B64_SIZE(32)];
        keys_b64_encode(box, sizeof box, keys.box_pk, 32);
        keys_b64_encode(sign, sizeof sign, keys.sign_pk, 32);
        ok = strcmp(box, str(res, "box_public_key")) == 0 &&
             strcmp(sign, str(res, "sign_public_key")) == 0;
        keys_user_wipe(&keys);
    }
    json_t *cookies = cl_http_get_cookies(c);
    if (!ok) {
        json_t *session = json_pack("{s:s}", "csrf_token", str(res, "csrf_token"));
        c->session = session;
        json_t *ignored = NULL;
        cl_api(c, "POST", "/auth/logout", NULL, &ignored);
        json_decref(ignored);
        json_decref(session);
        c->session = NULL;
        json_decref(cookies);
        json_decref(res);
        return cl_fail(c, CL_ECRYPTO, "keys",
                       "the password was accepted, but the keys the server sent back do not "
                       "open with it or do not match the account; nothing was decrypted and "
                       "the session was ended. Tell whoever runs this server");
    }
    json_t *user = json_object_get(res, "user");
    c->session = json_pack(
        "{s:i, s:s, s:{s:s, s:s, s:s}, s:o, s:s, s:{s:s, s:I, s:I}, s:s, s:s, s:s}", "version", 1,
        "server", c->server, "user", "id", str(user, "id"), "email", str(user, "email"),
        "display_name", str(user, "display_name"), "cookies", cookies, "csrf_token",
        str(res, "csrf_token"), "kdf", "salt", salt_b64, "opslimit", (json_int_t)ops, "memlimit",
        (json_int_t)mem, "wrapped_keys", str(res, "wrapped_keys"), "box_public_key",
        str(res, "box_public_key"), "sign_public_key", str(res, "sign_public_key"));
    json_decref(res);
    if (c->session == NULL)
        return cl_fail(c, CL_ELOCAL, "memory", "out of memory");
    return cl_session_save(c);
}

/* After a new login: ends the session it replaced on the server (best
 * effort), with the old cookie and token, then puts the new cookie back. */
static void end_old_session(struct cl *c, json_t *old)
{
    if (old == NULL)
        return;
    json_t *fresh = c->session;
    char server[sizeof c->server];
    snprintf(server, sizeof server, "%s", c->server);
    snprintf(c->server, sizeof c->server, "%s", str(old, "server"));
    c->session = old;
    cl_http_set_cookies(c, NULL);
    cl_http_set_cookies(c, json_object_get(old, "cookies"));
    json_t *ignored = NULL;
    cl_api(c, "POST", "/auth/logout", NULL, &ignored);
    json_decref(ignored);
    cl_http_set_cookies(c, NULL);
    cl_http_set_cookies(c, json_object_get(fresh, "cookies"));
    c->session = fresh;
    snprintf(c->server, sizeof c->server, "%s", server);
    json_decref(old);
}

int cl_cmd_register(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"email", required_argument, NULL, 'e'}, {"name", required_argument, NULL, 'n'}, {0}};
    const char *email = NULL, *name = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 'e')
            email = optarg;
        else if (o == 'n')
            name = optarg;
        else
            return usage(c, "register --email ADDRESS --name NAME");
    }
    if (email == NULL || name == NULL || optind != argc)
        return usage(c, "register --email ADDRESS --name NAME");

    char password[1024];
    int r =
        new_password(c, "Choose a password (at least 10 characters): ", password, sizeof password);
    if (r != CL_OK)
        return r;
    unsigned char salt[16], auth[32], wrap[32], code[32], rkey[32];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(code, sizeof code);
    struct keys_user keys;
    char salt_b64[KEYS_B64_SIZE(16)], auth_b64[KEYS_B64_SIZE(32)], box[KEYS_B64_SIZE(32)],
        sign[KEYS_B64_SIZE(32)], wrapped[KEYS_WRAPPED_SIZE], rwrapped[KEYS_WRAPPED_SIZE],
        code_text[KEYS_RECOVERY_SIZE];
    r = stretch(c, password, salt, KEYS_KDF_OPSLIMIT, KEYS_KDF_MEMLIMIT, auth, wrap);
    sodium_memzero(password, sizeof password);
    if (r != CL_OK)
        return r;
    json_t *body = NULL, *res = NULL;
    if (keys_user_generate(&keys) != 0 || keys_recovery_key(rkey, code) != 0 ||
        keys_recovery_format(code_text, sizeof code_text, code) != 0 ||
        keys_wrap(wrapped, sizeof wrapped, &keys, wrap, NULL) != 0 ||
        keys_wrap(rwrapped, sizeof rwrapped, &keys, rkey, NULL) != 0) {
        r = cl_fail(c, CL_ECRYPTO, "keys", "the keys could not be made");
        goto out;
    }
    keys_b64_encode(salt_b64, sizeof salt_b64, salt, 16);
    keys_b64_encode(auth_b64, sizeof auth_b64, auth, 32);
    keys_b64_encode(box, sizeof box, keys.box_pk, 32);
    keys_b64_encode(sign, sizeof sign, keys.sign_pk, 32);

    /* The code is shown before anything is sent, as sign-up in the browser does. */
    if (!c->json) {
        printf("Your recovery code (shown only this once):\n\n    %s\n\n"
               "If you forget your password, this code is the only way back to what you "
               "wrote.\nNobody can reset it for you. Keep it on paper or in a password "
               "manager,\nsomewhere nobody else can reach.\n",
               code_text);
        fflush(stdout);
    }
    if (!c->json && c->password_fd < 0 && isatty(STDIN_FILENO)) {
        const char *last = strrchr(code_text, '-') + 1;
        char typed[64];
        fprintf(stderr, "To show you saved it, type the last group of the code: ");
        if (fgets(typed, sizeof typed, stdin) == NULL) {
            r = cl_fail(c, CL_EUSAGE, "recovery_code", "no account was made");
            goto out;
        }
        char norm[64];
        size_t n = 0;
        for (char *p = typed; *p && n + 1 < sizeof norm; p++)
            if (*p != '\n' && *p != ' ' && *p != '-')
                norm[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        norm[n] = '\0';
        if (strcmp(norm, last) != 0) {
            r = cl_fail(c, CL_EUSAGE, "recovery_code",
                        "that is not the last group of the code; no account was made");
            goto out;
        }
    }
    body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "email", email, "display_name",
                     name, "kdf_salt", salt_b64, "auth_key", auth_b64, "box_public_key", box,
                     "sign_public_key", sign, "wrapped_keys", wrapped, "recovery_wrapped_keys",
                     rwrapped);
    r = cl_api(c, "POST", "/auth/register", body, &res);
    if (r != CL_OK)
        goto out;
    json_t *old = c->session;
    c->session = NULL;
    r = login_with(c, email, auth, wrap, salt_b64, KEYS_KDF_OPSLIMIT, KEYS_KDF_MEMLIMIT);
    if (r != CL_OK) {
        c->session = old;
        goto out;
    }
    end_old_session(c, old);
    if (c->json) {
        json_t *o2 = json_pack("{s:O, s:s}", "user", json_object_get(res, "user"), "recovery_code",
                               code_text);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Account made for %s. You are logged in.\n",
               str(json_object_get(res, "user"), "email"));
    }
out:
    if (body != NULL) {
        json_object_set_new(body, "auth_key", json_string(""));
        json_decref(body);
    }
    json_decref(res);
    keys_user_wipe(&keys);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    sodium_memzero(code, sizeof code);
    sodium_memzero(rkey, sizeof rkey);
    sodium_memzero(code_text, sizeof code_text);
    sodium_memzero(auth_b64, sizeof auth_b64);
    return r;
}

int cl_cmd_login(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"email", required_argument, NULL, 'e'}, {0}};
    const char *email = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 'e')
            email = optarg;
        else
            return usage(c, "login --email ADDRESS");
    }
    if (email == NULL || optind != argc)
        return usage(c, "login --email ADDRESS");
    char *esc = cl_escape(c, email);
    char path[1024];
    snprintf(path, sizeof path, "/auth/kdf?email=%s", esc != NULL ? esc : "");
    free(esc);
    json_t *kdf = NULL;
    int r = cl_api(c, "GET", path, NULL, &kdf);
    if (r != CL_OK)
        return r;
    json_int_t ops = json_integer_value(json_object_get(kdf, "opslimit"));
    json_int_t mem = json_integer_value(json_object_get(kdf, "memlimit"));
    unsigned char salt[16];
    size_t got = 0;
    char salt_b64[KEYS_B64_SIZE(16)];
    snprintf(salt_b64, sizeof salt_b64, "%s", str(kdf, "kdf_salt"));
    bool alg_ok = strcmp(str(kdf, "alg"), "argon2id13") == 0;
    json_decref(kdf);
    if (!alg_ok || ops <= 0 || mem <= 0 ||
        keys_kdf_params_check((unsigned long long)ops, (size_t)mem) != 0)
        return cl_fail(c, CL_ECRYPTO, "weak_kdf",
                       "this server asked for weaker password protection than dyad accepts "
                       "(or an unknown one), so nothing was sent. Tell whoever runs it");
    if (keys_b64_decode(salt, sizeof salt, &got, salt_b64) != 0 || got != 16)
        return cl_fail(c, CL_ENETWORK, "bad_response", "the server sent a malformed salt");
    char password[1024];
    if ((r = cl_read_password(c, "Password: ", password, sizeof password)) != CL_OK)
        return r;
    unsigned char auth[32], wrap[32];
    r = stretch(c, password, salt, (unsigned long long)ops, (size_t)mem, auth, wrap);
    sodium_memzero(password, sizeof password);
    if (r == CL_OK) {
        json_t *old = c->session;
        c->session = NULL;
        r = login_with(c, email, auth, wrap, salt_b64, (unsigned long long)ops, (size_t)mem);
        if (r == CL_OK)
            end_old_session(c, old);
        else
            c->session = old; /* a failed login leaves the session it found */
    }
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    if (r == CL_EAUTH)
        snprintf(c->err.message, sizeof c->err.message,
                 "that e-mail address and password do not match an account here");
    if (r != CL_OK)
        return r;
    json_t *user = json_object_get(c->session, "user");
    if (c->json) {
        json_t *o2 = json_pack("{s:O, s:s}", "user", user, "server", c->server);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Logged in as %s (%s) on %s.\n", str(user, "display_name"), str(user, "email"),
               c->server);
    }
    return CL_OK;
}

int cl_cmd_logout(struct cl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(c, "logout");
    if (c->session == NULL) {
        if (c->json)
            printf("{\"logged_out\": true, \"was_logged_in\": false}\n");
        else
            printf("Not logged in.\n");
        return CL_OK;
    }
    c->server_given = false;
    int r = cl_need_session(c);
    json_t *ignored = NULL;
    if (r == CL_OK)
        r = cl_api(c, "POST", "/auth/logout", NULL, &ignored);
    json_decref(ignored);
    if (r == CL_EAUTH)
        r = CL_OK; /* the session had already ended on the server */
    struct cl_error kept = c->err;
    int w = cl_session_wipe(c);
    if (r != CL_OK) {
        c->err = kept;
        size_t n = strlen(c->err.message);
        snprintf(c->err.message + n, sizeof c->err.message - n,
                 "; the session was removed from this machine, but the server could not be "
                 "told: end it with `dyad client sessions` from another login");
        return r;
    }
    if (w != CL_OK)
        return w;
    if (c->json)
        printf("{\"logged_out\": true, \"was_logged_in\": true}\n");
    else
        printf("Logged out. The session has ended on the server and was removed here.\n");
    return CL_OK;
}

int cl_cmd_whoami(struct cl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(c, "whoami");
    int r = cl_need_session(c);
    json_t *me = NULL;
    if (r != CL_OK || (r = cl_api(c, "GET", "/me", NULL, &me)) != CL_OK)
        return r;
    json_object_del(me, "csrf_token");
    json_t *user = json_object_get(me, "user");
    if (c->json) {
        json_object_set_new(me, "server", json_string(c->server));
        cl_print_json(me);
    } else {
        printf("%s (%s), %s, on %s\n", str(user, "display_name"), str(user, "email"),
               str(user, "id"), c->server);
        size_t n = json_array_size(json_object_get(me, "dyads"));
        printf("In %zu dyad%s; `dyad client dyads` lists them.\n", n, n == 1 ? "" : "s");
        size_t i;
        json_t *nt;
        json_array_foreach(json_object_get(me, "notices"), i, nt)
        {
            if (strcmp(str(nt, "kind"), "new_browser") == 0) {
                printf("Notice: a new browser signed in on %s (", str(nt, "created_at"));
                cl_print_safe(str(nt, "user_agent"));
                printf(").\n");
            }
        }
    }
    json_decref(me);
    return CL_OK;
}

int cl_cmd_password(struct cl *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage(c, "password");
    int r = cl_need_session(c);
    if (r != CL_OK)
        return r;
    json_t *kdf = json_object_get(c->session, "kdf");
    unsigned char salt[16], auth[32], wrap[32], new_salt[16], new_auth[32], new_wrap[32];
    size_t got = 0;
    json_int_t ops = json_integer_value(json_object_get(kdf, "opslimit"));
    json_int_t mem = json_integer_value(json_object_get(kdf, "memlimit"));
    if (keys_b64_decode(salt, sizeof salt, &got, str(kdf, "salt")) != 0 || got != 16 || ops <= 0 ||
        mem <= 0)
        return cl_fail(c, CL_ELOCAL, "session", "the session file is damaged; log in again");
    char current[1024], fresh[1024];
    struct keys_user keys;
    memset(&keys, 0, sizeof keys);
    json_t *body = NULL, *ignored = NULL;
    bool have_current = false, have_fresh = false;
    if ((r = cl_read_password(c, "Current password: ", current, sizeof current)) != CL_OK)
        goto out;
    have_current = true;
    if ((r = new_password(c, "New password (at least 10 characters): ", fresh, sizeof fresh)) !=
        CL_OK)
        goto out;
    have_fresh = true;
    if ((r = stretch(c, current, salt, (unsigned long long)ops, (size_t)mem, auth, wrap)) != CL_OK)
        goto out;
    if (keys_unwrap(&keys, str(c->session, "wrapped_keys"), wrap) != 0) {
        r = cl_fail(c, CL_EAUTH, "wrong_password", "that is not your current password");
        goto out;
    }
    randombytes_buf(new_salt, sizeof new_salt);
    if ((r = stretch(c, fresh, new_salt, KEYS_KDF_OPSLIMIT, KEYS_KDF_MEMLIMIT, new_auth,
                     new_wrap)) != CL_OK)
        goto out;
    char a[KEYS_B64_SIZE(32)], na[KEYS_B64_SIZE(32)], ns[KEYS_B64_SIZE(16)], nw[KEYS_WRAPPED_SIZE];
    if (keys_wrap(nw, sizeof nw, &keys, new_wrap, NULL) != 0) {
        r = cl_fail(c, CL_ECRYPTO, "keys", "the keys could not be wrapped");
        goto out;
    }
    keys_b64_encode(a, sizeof a, auth, 32);
    keys_b64_encode(na, sizeof na, new_auth, 32);
    keys_b64_encode(ns, sizeof ns, new_salt, 16);
    body = json_pack("{s:s, s:s, s:s, s:s}", "auth_key", a, "new_kdf_salt", ns, "new_auth_key", na,
                     "new_wrapped_keys", nw);
    sodium_memzero(a, sizeof a);
    sodium_memzero(na, sizeof na);
    r = cl_api(c, "POST", "/me/password", body, &ignored);
    if (r == CL_EFORBIDDEN && strcmp(c->err.field, "auth_key") == 0)
        snprintf(c->err.message, sizeof c->err.message, "that is not your current password");
    if (r != CL_OK)
        goto out;
    json_object_set_new(c->session, "wrapped_keys", json_string(nw));
    json_object_set_new(c->session, "kdf",
                        json_pack("{s:s, s:I, s:I}", "salt", ns, "opslimit",
                                  (json_int_t)KEYS_KDF_OPSLIMIT, "memlimit",
                                  (json_int_t)KEYS_KDF_MEMLIMIT));
    if ((r = cl_session_save(c)) != CL_OK)
        goto out;
    if (c->json)
        printf("{\"password_changed\": true}\n");
    else
        printf("Password changed. Every other browser and device was signed out; this session "
               "stays. Your recovery code still works.\n");
out:
    if (body != NULL) {
        json_object_set_new(body, "auth_key", json_string(""));
        json_object_set_new(body, "new_auth_key", json_string(""));
    }
    json_decref(body);
    json_decref(ignored);
    keys_user_wipe(&keys);
    if (have_current)
        sodium_memzero(current, sizeof current);
    if (have_fresh)
        sodium_memzero(fresh, sizeof fresh);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    sodium_memzero(new_auth, sizeof new_auth);
    sodium_memzero(new_wrap, sizeof new_wrap);
    return r;
}

int cl_cmd_sessions(struct cl *c, int argc, char **argv)
{
    const char *end = NULL;
    if (argc == 3 && strcmp(argv[1], "end") == 0)
        end = argv[2];
    else if (argc != 1)
        return usage(c, "sessions [end SESSION_ID]");
    int r = cl_need_session(c);
    if (r != CL_OK)
        return r;
    json_t *res = NULL;
    if (end != NULL) {
        /* Is it this one? Then this machine's copy goes too. */
        if ((r = cl_api(c, "GET", "/me/sessions", NULL, &res)) != CL_OK)
            return r;
        bool current = false;
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(res, "sessions"), i,
                           s) if (strcmp(str(s, "id"), end) == 0) current =
            json_is_true(json_object_get(s, "current"));
        json_decref(res);
        res = NULL;
        char *esc = cl_escape(c, end);
        char path[512];
        snprintf(path, sizeof path, "/me/sessions/%s", esc != NULL ? esc : "");
        free(esc);
        r = cl_api(c, "DELETE", path, NULL, &res);
        json_decref(res);
        if (r != CL_OK)
            return r;
        if (current)
            cl_session_wipe(c);
        if (c->json) {
            json_t *o2 = json_pack("{s:s, s:b}", "ended", end, "current", current);
            cl_print_json(o2);
            json_decref(o2);
        } else
            printf("Ended %s%s.\n", end, current ? " (this session: it was removed here too)" : "");
        return CL_OK;
    }
    if ((r = cl_api(c, "GET", "/me/sessions", NULL, &res)) != CL_OK)
        return r;
    if (c->json) {
        cl_print_json(res);
    } else {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(res, "sessions"), i, s)
        {
            printf("%s%s\n  started %s, last used %s\n  ", str(s, "id"),
                   json_is_true(json_object_get(s, "current")) ? "  (this one)" : "",
                   str(s, "created_at"), str(s, "last_seen_at"));
            cl_print_safe(str(s, "user_agent"));
            printf("\n");
        }
        printf("End one with `dyad client sessions end ID`.\n");
    }
    json_decref(res);
    return CL_OK;
}
