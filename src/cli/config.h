/*
 * config.h — dyad's settings: one table that drives the configuration file
 * (INI, read with libinih), the DYAD_* environment variables, the command
 * line flags, `dyad config check` and the reference in the manual pages.
 *
 * Precedence, lowest first: the built-in default, the file, the
 * environment, the flags. The file is --config FILE, else DYAD_CONFIG, else
 * /etc/dyad/dyad.conf when it exists (an explicitly named file must exist).
 *
 * Every value is checked as it is read; the first bad one stops everything
 * with a message that names where it came from ("FILE:LINE: …",
 * "DYAD_THREADS: …", "--threads: …") and why. The checks themselves do no
 * I/O (config_load_string and config_set are unit-tested); config_load
 * reads the file and the environment.
 */
#ifndef DYAD_CONFIG_H
#define DYAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "web/app.h"

#ifndef DYAD_SYSCONFDIR
#define DYAD_SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_FILE DYAD_SYSCONFDIR "/dyad/dyad.conf"

enum setting_type {
    SETTING_STRING,
    SETTING_SECRET, /* a string `config check` masks */
    SETTING_PATH,
    SETTING_UINT,
    SETTING_BOOL,
    SETTING_LISTEN, /* ADDR:PORT, IPv6 as [ADDR]:PORT */
    SETTING_URL,    /* http(s)://host[:port][/] or empty */
    SETTING_DB,     /* sqlite:PATH or postgres(ql)://… */
    SETTING_CIDRS,  /* a struct cidr_list: addresses or CIDR ranges, separated by commas */
    SETTING_LINK,   /* an http(s):// address with any path, or empty */
    SETTING_CHOICE, /* one of the words of `values`, separated by ", " (kept as a string) */
    SETTING_SMTP,   /* smtp://host[:port] or smtps://host[:port], or empty */
    SETTING_EMAIL,  /* an e-mail address, or empty */
    SETTING_TYPE__MAX
};

struct setting {
    const char *section; /* [section] in the file */
    const char *key;     /* key in that section */
    const char *flag;    /* "--listen" */
    const char *env;     /* "DYAD_LISTEN" */
    enum setting_type type;
    unsigned min, max;   /* SETTING_UINT bounds */
    const char *def;     /* the default as documented ("" when derived, see def_doc) */
    const char *def_doc; /* how the default is made, when it is not a plain value */
    const char *help;    /* one sentence for --help, the man page and the docs */
    const char *values;  /* what may be written, for the docs ("1–1024", "yes or no") */
    size_t offset, size; /* where it lives in struct app_config */
};

extern const struct setting config_settings[];
extern const size_t config_settings_count;

/* Where a setting's effective value came from. */
enum config_origin { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_ENV, ORIGIN_FLAG, ORIGIN__MAX };

enum { CONFIG_SETTINGS_MAX = 48, CONFIG_POSITIONAL_MAX = 4 };

struct config {
    struct app_config app;
    char file[1024]; /* the file read, or "" */
    enum config_origin origin[CONFIG_SETTINGS_MAX];
    int line[CONFIG_SETTINGS_MAX]; /* the file's line, when origin is ORIGIN_FILE */
    const char *positional[CONFIG_POSITIONAL_MAX];
    size_t n_positional;
    bool help; /* --help was given */
};

/* Looks up an environment variable (getenv, or a table in tests). */
typedef const char *config_env_fn(const char *name);

/* The defaults, with nothing read. */
void config_defaults(struct config *c);

/* Checks `value` for setting s and stores it in c->app. 0, or -1 with the
 * reason (without the place) in err. */
int config_set(struct config *c, const struct setting *s, const char *value, char *err,
               size_t errlen);

/* Applies INI text named `name` (for messages). 0, or -1 with
 * "NAME:LINE: reason" in err. Unknown sections and keys, a key set twice,
 * malformed lines and bad values are errors. */
int config_load_string(struct config *c, const char *text, const char *name, char *err,
                       size_t errlen);

/* The whole sequence for a command: defaults, the file, env(), then the
 * flags in argv[1..argc-1] (argv[0] is the command). Arguments that are not
 * flags are collected in c->positional (at most max_positional; more is an
 * error); --help sets c->help (and nothing else is read). With
 * positional_is_file (`dyad config check FILE`), the first of them names
 * the file to read instead of the usual one. 0, or -1 with the message in
 * err. */
int config_load(struct config *c, int argc, char **argv, size_t max_positional,
                bool positional_is_file, config_env_fn *env, char *err, size_t errlen);

/* Values derived from others once all are read (the secret file beside the
 * database); config_load calls it. */
void config_finish(struct config *c);

/* The effective value of s, secrets masked when mask, in out. */
void config_value(const struct config *c, const struct setting *s, bool mask, char *out,
                  size_t outlen);

/* The effective configuration as an INI file, each value's origin in a
 * comment, secrets masked. */
void config_print(const struct config *c, FILE *f);

/* The settings reference: "man" (mdoc lines for dyad.conf(5)), "markdown"
 * (a table for docs/operators.md) or "flags" (for --help). */
int config_reference(const char *format, FILE *f);

#endif
