/*
 * client.c — `dyad client`: the whole protocol from a terminal, for people
 * who trust only what they built. This file reads the options every command
 * shares and dispatches; the commands are in client_cmd_*.c (see
 * client_int.h for the tour, man/dyad-client.1 for the manual).
 *
 *   dyad client [--server URL] [--json] [--password-fd N] [--ca FILE]
 *               [--dyad ID] COMMAND [ARGS]
 *   dyad client help [COMMAND], dyad client COMMAND --help
 *
 * It also keeps `dyad client read-export FILE`, which needs no server: it
 * reads an export (GET /api/v1/me/export), asks for the password (from
 * DYAD_PASSWORD, --password-fd, the terminal, or one line on standard input),
 * derives the keys exactly as the browser does (docs/protocol.md,
 * src/crypto/keys.c) and prints everything the person wrote. Nothing leaves
 * the machine.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/client_int.h"
#include "crypto/keys.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int b64_exact(const char *s, unsigned char *out, size_t n)
{
    size_t got;
    return keys_b64_decode(out, n, &got, s) == 0 && got == n ? 0 : -1;
}

/* read-export: DYAD_PASSWORD (kept for the scripts that use it), else
 * --password-fd, else the terminal, else one line of standard input. */
static int export_password(struct cl *c, char *buf, size_t cap)
{
    const char *env = getenv("DYAD_PASSWORD");
    if (env != NULL) {
        snprintf(buf, cap, "%s", env);
        return 0;
    }
    if (c->password_fd >= 0 || isatty(STDIN_FILENO))
        return cl_read_password(c, "Password: ", buf, cap) == CL_OK ? 0 : -1;
    if (fgets(buf, (int)cap, stdin) == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int read_export(struct cl *c, const char *path)
{
    json_error_t err;
    json_t *e = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (e == NULL || strcmp(str(e, "format"), "dyad-export") != 0) {
        int r = cl_fail(c, CL_ELOCAL, "not_an_export", "%s is not a dyad export%s%s", path,
                        e == NULL ? ": " : "", e == NULL ? err.text : "");
        json_decref(e);
        return r;
    }
    json_t *u = json_object_get(e, "user");
    unsigned char salt[16], master[32], auth[32], wrap[32];
    char password[1024];
    struct keys_user me;
    int status = CL_OK;
    memset(&me, 0, sizeof me);
    if (b64_exact(str(u, "kdf_salt"), salt, sizeof salt) != 0 ||
        export_password(c, password, sizeof password) != 0) {
        status = cl_fail(c, CL_EUSAGE, "password",
                         "no password, or the export has no key-derivation salt");
        goto out;
    }
    if (keys_derive_master(master, password, strlen(password), salt, KEYS_KDF_OPSLIMIT,
                           KEYS_KDF_MEMLIMIT) != 0 ||
        keys_derive_auth_wrap(auth, wrap, master) != 0 ||
        keys_unwrap(&me, str(u, "wrapped_keys"), wrap) != 0) {
        status =
            cl_fail(c, CL_EAUTH, "wrong_password", "the password does not open this export's keys");
        goto out;
    }
    if (c->json) {
        cl_export_render(e, &me, NULL, NULL);
        cl_print_json(e);
    } else {
        cl_export_render(e, &me, NULL, stdout);
    }
out:
    keys_user_wipe(&me);
    sodium_memzero(password, sizeof password);
    sodium_memzero(master, sizeof master);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    json_decref(e);
    return status;
}

static const struct {
    const char *name;
    int (*run)(struct cl *c, int argc, char **argv);
    const char *args;
    const char *help;
} commands[] = {
    {"register", cl_cmd_register, "--email ADDRESS --name NAME",
     "Make an account: asks a password (at least 10 characters, twice on a terminal), makes the\n"
     "keys here, shows the recovery code once, registers and logs in."},
    {"login", cl_cmd_login, "--email ADDRESS",
     "Log in. Refuses a server that offers password stretching weaker than Argon2id with 3\n"
     "passes and 64 MiB, before sending anything, and checks that the keys it returns open\n"
     "with the password."},
    {"logout", cl_cmd_logout, "",
     "End the session on the server and overwrite and remove the session file."},
    {"whoami", cl_cmd_whoami, "", "The account, its number of dyads and any new-browser notice."},
    {"dyads", cl_cmd_dyads, "", "Each dyad, its kind, who is in it and where pairing stands."},
    {"invite", cl_cmd_invite, "--kind couple|friends|family",
     "Make a dyad and print its invite link, SERVER/join/CODE#SECRET. The secret after '#'\n"
     "never reaches the server: send the link by a channel you trust."},
    {"join", cl_cmd_join, "LINK",
     "Join with an invite link. Checks the creator's key proof against the secret in the link\n"
     "and refuses the dyad (exit 11) when it does not match; prints the safety code."},
    {"safety-code", cl_cmd_safety_code, "",
     "Check the other person's key proof and print the six groups of five digits to compare in\n"
     "person. The creator's client also seals the dyad key for a partner who joined."},
    {"checkin", cl_cmd_checkin,
     "[--date D] [--ITEM N|pass]... [--emotions L] [--wordless yes|no] "
     "[--note T|--note-file F|--clear-note] [--show L|none]",
     "The daily check-in. Items: --closeness, --closeness-wanted, --opened-up, --understood,\n"
     "--safety, --affection (and --sexual where a couple turned it on), each 0-10 or pass.\n"
     "--show names what the other person may see. Items not given are passes; a saved note\n"
     "is kept unless a new one is given or --clear-note. Without any item, on a terminal, it\n"
     "asks item by item."},
    {"checkins", cl_cmd_checkins, "[--from D] [--to D] [--notes]",
     "One's own check-ins and what the other person chose to show; --notes asks the password\n"
     "and opens one's own notes."},
    {"shares", cl_cmd_shares, "[--limit N] [--before-id ID]",
     "The shares and their responses, decrypted, newest first. A mutual-reveal answer stays\n"
     "withheld until one has answered the same prompt."},
    {"share", cl_cmd_share, "--topic T --depth 1-5 [--prompt ID [--mutual]] [--file F|-]",
     "Share something. The words come from FILE, else from $EDITOR when standard input is a\n"
     "terminal, else from standard input. --mutual needs --prompt."},
    {"respond", cl_cmd_respond,
     "SHARE_ID understood|makes_sense|with_you|in_person [--text W|--file F]",
     "Respond to a share, with or without words. An id may begin with '-': put -- before it,\n"
     "and the options before that."},
    {"prompt", cl_cmd_prompt, "[--topic T]",
     "The suggested prompt, why it was chosen, and how to answer it. Passing sends nothing."},
    {"insights", cl_cmd_insights, "[--window 7-365]",
     "The numbers and findings of the insights page, as text."},
    {"export", cl_cmd_export, "[--format markdown|json] [--output FILE]",
     "Everything the server holds about one, with one's own words decrypted. FILE is made with\n"
     "mode 0600 and never overwritten."},
    {"password", cl_cmd_password, "",
     "Change the password: the same keys are wrapped again under the new one. Every other\n"
     "session of the account ends."},
    {"sessions", cl_cmd_sessions, "[end SESSION_ID]",
     "List where the account is logged in, or end one session."},
    {"read-export", NULL, "FILE",
     "Decrypt an export file (GET /api/v1/me/export) offline, with the password alone."},
};

enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

void client_usage(FILE *f)
{
    fprintf(f, "usage: dyad client [--server URL] [--json] [--password-fd N] [--ca FILE] "
               "[--dyad ID] COMMAND\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "       dyad client %s %s\n", commands[i].name, commands[i].args);
    fprintf(f, "The server is --server, else DYAD_SERVER, else the one logged in to, else "
               "http://127.0.0.1:8080.\n'dyad client help COMMAND' tells more. See "
               "dyad-client(1).\n");
}

/* `dyad client help CMD`, `dyad client CMD --help`: 0, or -1 for no such
 * command. */
static int command_help(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        printf("usage: dyad client [OPTIONS] %s%s%s\n\n%s\n\nOPTIONS (anywhere on the line): "
               "--server URL, --json, --password-fd N, --ca FILE, --dyad ID.\n"
               "See dyad-client(1).\n",
               commands[i].name, *commands[i].args ? " " : "", commands[i].args, commands[i].help);
        return 0;
    }
    fprintf(stderr, "dyad client: no command '%s'\n", name);
    client_usage(stderr);
    return -1;
}

/* Whether "--help" (or "-h") stands among a command's arguments, before a "--". */
static bool asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

/* Takes the shared options out of argv, wherever they stand. */
static int take_options(struct cl *c, int *argc, char **argv, const char **server)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < *argc ? argv[i + 1] : NULL;
        const char **slot = NULL;
        const char *fd_text = NULL;
        if (strcmp(a, "--json") == 0) {
            c->json = true;
            continue;
        }
        if (strcmp(a, "--server") == 0)
            slot = server;
        else if (strcmp(a, "--ca") == 0)
            slot = &c->ca_file;
        else if (strcmp(a, "--dyad") == 0)
            slot = &c->dyad_id;
        else if (strcmp(a, "--password-fd") == 0)
            slot = &fd_text;
        if (slot == NULL) {
            argv[out++] = argv[i];
            continue;
        }
        if (val == NULL)
            return cl_fail(c, CL_EUSAGE, "usage", "%s needs a value", a);
        *slot = val;
        i++;
        if (fd_text != NULL) {
            char *end;
            long fd = strtol(fd_text, &end, 10);
            if (*end != '\0' || fd < 0 || fd > 1024 || fd_text[0] == '\0')
                return cl_fail(c, CL_EUSAGE, "usage", "--password-fd takes a file descriptor");
            c->password_fd = (int)fd;
        }
    }
    *argc = out;
    return CL_OK;
}

static int set_server(struct cl *c, const char *url)
{
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return cl_fail(c, CL_EUSAGE, "usage", "the server URL must start with https:// or http://");
    if (strlen(url) >= sizeof c->server - 1)
        return cl_fail(c, CL_EUSAGE, "usage", "the server URL is too long");
    snprintf(c->server, sizeof c->server, "%s", url);
    size_t n = strlen(c->server);
    while (n > 0 && c->server[n - 1] == '/')
        c->server[--n] = '\0';
    return CL_OK;
}

int client_main(int argc, char **argv)
{
    struct cl c;
    memset(&c, 0, sizeof c);
    c.password_fd = -1;
    argc--; /* "client" */
    argv++;
    const char *server = NULL;
    int r = take_options(&c, &argc, argv, &server);
    if (r != CL_OK) {
        cl_report(&c, r);
        return r;
    }
    if (argc >= 2 && strcmp(argv[0], "help") == 0)
        return argc == 2 && command_help(argv[1]) == 0 ? CL_OK : CL_EUSAGE;
    if (argc == 0 || strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
        client_usage(argc == 0 ? stderr : stdout);
        return argc == 0 ? CL_EUSAGE : CL_OK;
    }
    if (asks_help(argc, argv))
        return command_help(argv[0]) == 0 ? CL_OK : CL_EUSAGE;
    if (sodium_init() < 0) {
        fprintf(stderr, "dyad client: libsodium could not start\n");
        return CL_ELOCAL;
    }
    if (strcmp(argv[0], "read-export") == 0) {
        if (argc != 2) {
            client_usage(stderr);
            return CL_EUSAGE;
        }
        r = read_export(&c, argv[1]);
        cl_report(&c, r);
        return r;
    }
    int (*run)(struct cl *, int, char **) = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            run = commands[i].run;
    if (run == NULL) {
        fprintf(stderr, "dyad client: unknown command '%s'\n", argv[0]);
        client_usage(stderr);
        return CL_EUSAGE;
    }
    if (server == NULL && getenv("DYAD_SERVER") != NULL && *getenv("DYAD_SERVER"))
        server = getenv("DYAD_SERVER");
    if (server != NULL) {
        c.server_given = true;
        r = set_server(&c, server);
    } else {
        snprintf(c.server, sizeof c.server, "http://127.0.0.1:8080");
    }
    if (r == CL_OK && cl_state_dir(c.state_dir, sizeof c.state_dir, getenv("XDG_STATE_HOME"),
                                   getenv("HOME")) != 0)
        r = cl_fail(&c, CL_ELOCAL, "session",
                    "neither XDG_STATE_HOME nor HOME is set to an absolute path");
    if (r == CL_OK) {
        snprintf(c.session_path, sizeof c.session_path, "%s/session.json", c.state_dir);
        r = cl_session_load(&c);
    }
    if (r == CL_OK && !c.server_given && c.session != NULL)
        snprintf(c.server, sizeof c.server, "%s",
                 json_string_value(json_object_get(c.session, "server")));
    if (r == CL_OK)
        r = cl_http_init(&c);
    if (r == CL_OK)
        r = run(&c, argc, argv);
    cl_report(&c, r);
    if (c.unlocked)
        keys_user_wipe(&c.keys);
    json_decref(c.session);
    cl_http_free(&c);
    fflush(stdout);
    return r;
}
