/*
 * test_config.c — the settings table and its three sources, without I/O:
 * INI text through config_load_string, each value type at its edges, the
 * environment through a fake lookup, the precedence flags > environment >
 * file > defaults, and the address-list settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

static const struct setting *find(const char *section, const char *key)
{
    for (size_t i = 0; i < config_settings_count; i++)
        if (strcmp(config_settings[i].section, section) == 0 &&
            strcmp(config_settings[i].key, key) == 0)
            return &config_settings[i];
    fail_msg("no setting %s.%s", section, key);
    return NULL;
}

/* Loads text into a fresh config; returns the result, err filled. */
static int load(struct config *c, const char *text, char *err, size_t errlen)
{
    config_defaults(c);
    err[0] = '\0';
    return config_load_string(c, text, "t.conf", err, errlen);
}

static void test_table_is_whole(void **state)
{
    (void)state;
    /* every setting has all three names, help, and distinct names */
    for (size_t i = 0; i < config_settings_count; i++) {
        const struct setting *s = &config_settings[i];
        assert_non_null(s->flag);
        assert_true(strncmp(s->flag, "--", 2) == 0);
        assert_true(strncmp(s->env, "DYAD_", 5) == 0);
        assert_true(strlen(s->help) > 10);
        assert_non_null(s->values);
        assert_true(s->size > 0);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(s->flag, config_settings[j].flag);
            assert_string_not_equal(s->env, config_settings[j].env);
            assert_false(strcmp(s->section, config_settings[j].section) == 0 &&
                         strcmp(s->key, config_settings[j].key) == 0);
        }
    }
    /* the names fixed by the documentation */
    assert_string_equal(find("server", "listen")->flag, "--listen");
    assert_string_equal(find("database", "url")->flag, "--db");
    assert_string_equal(find("database", "url")->env, "DYAD_DB");
    assert_string_equal(find("server", "public_url")->env, "DYAD_PUBLIC_URL");
}

static void test_file_values(void **state)
{
    (void)state;
    struct config c;
    char err[400];
    assert_int_equal(load(&c,
                          "; a comment\n"
                          "[server]\n"
                          "listen = [::1]:9090\n"
                          "threads = 3\n"
                          "trusted_proxy = Yes\n"
                          "\n"
                          "[database]\n"
                          "url = sqlite:/var/lib/dyad/dyad.db\n"
                          "[metrics]\n"
                          "allow = 127.0.0.1, 10.0.0.0/8,::1\n",
                          err, sizeof err),
                     0);
    assert_string_equal(c.app.listen_addr, "::1");
    assert_int_equal(c.app.port, 9090);
    assert_int_equal(c.app.threads, 3);
    assert_int_equal(c.app.trusted_proxies.n, 2); /* yes: this machine */
    assert_string_equal(c.app.db_url, "sqlite:/var/lib/dyad/dyad.db");
    assert_int_equal(c.app.metrics_allow.n, 3);
    /* origins and lines */
    size_t threads = (size_t)(find("server", "threads") - config_settings);
    assert_int_equal(c.origin[threads], ORIGIN_FILE);
    assert_int_equal(c.line[threads], 4);
    /* derived: the secret beside the database */
    config_finish(&c);
    assert_string_equal(c.app.secret_file, "/var/lib/dyad/dyad.secret");
    /* and the VAPID key beside the secret */
    assert_string_equal(c.app.vapid_key_file, "/var/lib/dyad/dyad.vapid");
    /* values written back as they would be read */
    char v[200];
    config_value(&c, find("server", "listen"), true, v, sizeof v);
    assert_string_equal(v, "[::1]:9090");
    config_value(&c, find("metrics", "allow"), true, v, sizeof v);
    assert_string_equal(v, "127.0.0.1/32, 10.0.0.0/8, ::1/128");
}

static void test_file_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"[server]\nlisen = 1.2.3.4:5\n", "t.conf:2: unknown key 'lisen' in [server]"},
        {"[serve]\nlisten = 1.2.3.4:5\n", "t.conf:2: unknown section [serve]"},
        {"listen = 1.2.3.4:5\n", "t.conf:1: 'listen' is outside any [section]"},
        {"[server]\n\n\nthreads = 0\n",
         "t.conf:4: server.threads: '0' is not a whole number from 1 to 1024"},
        {"[server]\nthreads = 1025\n",
         "t.conf:2: server.threads: '1025' is not a whole number from 1 to 1024"},
        {"[server]\nthreads = -1\n",
         "t.conf:2: server.threads: '-1' is not a whole number from 1 to 1024"},
        {"[server]\nthreads = 4x\n",
         "t.conf:2: server.threads: '4x' is not a whole number from 1 to 1024"},
        {"[server]\nthreads = 2\nthreads = 3\n",
         "t.conf:3: 'threads' in [server] is set twice (or continued on an indented line)"},
        {"[server]\nsandbox_please = maybe\n",
         "t.conf:2: unknown key 'sandbox_please' in [server]"},
        {"[server]\ntrusted_proxy = proxy.local\n",
         "t.conf:2: server.trusted_proxy: 'proxy.local' is not addresses or CIDR ranges separated "
         "by commas (at most 16), yes or no"},
        {"[server]\nlisten = localhost:80\n",
         "t.conf:2: server.listen: 'localhost:80' is not ADDR:PORT (an IP address; IPv6 as "
         "[ADDR]:PORT)"},
        {"[server]\nlisten = ::1:80\n",
         "t.conf:2: server.listen: '::1:80' is not ADDR:PORT (an IP address; IPv6 as "
         "[ADDR]:PORT)"},
        {"[server]\nlisten = 1.2.3.4:65536\n",
         "t.conf:2: server.listen: '1.2.3.4:65536' is not ADDR:PORT (an IP address; IPv6 as "
         "[ADDR]:PORT)"},
        {"[server]\npublic_url = https://x.org/app\n",
         "t.conf:2: server.public_url: 'https://x.org/app' is not http(s)://host[:port] (no "
         "path)"},
        {"[database]\nurl = mysql://x\n", "t.conf:2: database.url: 'mysql://x' is not sqlite:PATH, "
                                          "postgres://... or postgres:KEY=VALUE ..."},
        {"[metrics]\ntoken = short\n", "t.conf:2: metrics.token: must be 16-127 characters "
                                       "without spaces"},
        {"[metrics]\nallow = 10.0.0.0/33\n",
         "t.conf:2: metrics.allow: '10.0.0.0/33' is not addresses or CIDR ranges separated by "
         "commas (at most 16)"},
        {"[server]\nthis is not a setting\n", "t.conf:2: not a [section] or a 'key = value' line"},
        {"[server\nthreads = 2\n", "t.conf:1: not a [section] or a 'key = value' line"},
        /* only the first problem is reported */
        {"[server]\nthreads = 0\nbogus = 1\n",
         "t.conf:2: server.threads: '0' is not a whole number from 1 to 1024"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        char err[400];
        assert_int_equal(load(&c, cases[i].text, err, sizeof err), -1);
        assert_string_equal(err, cases[i].err);
    }
    /* an over-long line is an error, not two lines */
    char text[600] = "[content]\nprompts = ";
    size_t n = strlen(text);
    memset(text + n, 'a', 400);
    text[n + 400] = '\0';
    struct config c;
    char err[400];
    assert_int_equal(load(&c, text, err, sizeof err), -1);
    assert_true(strncmp(err, "t.conf:2: line longer than", 26) == 0);
}

/* A fake environment for config_load. */
static const char *const *fake_env;
static const char *env_fn(const char *name)
{
    for (size_t i = 0; fake_env != NULL && fake_env[i] != NULL; i += 2)
        if (strcmp(fake_env[i], name) == 0)
            return fake_env[i + 1];
    return NULL;
}

static void test_precedence(void **state)
{
    (void)state;
    struct config c;
    char err[400];
    /* DYAD_CONFIG names a file that does not exist: an explicit file must */
    static const char *const env_missing[] = {"DYAD_CONFIG", "/nonexistent/dyad.conf", NULL};
    fake_env = env_missing;
    char *argv0[] = {"serve", NULL};
    assert_int_equal(config_load(&c, 1, argv0, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/dyad.conf: cannot read: No such file or directory");

    /* environment over the default, flag over the environment; an empty
     * variable is unset */
    static const char *const env[] = {"DYAD_CONFIG",
                                      "/dev/null",
                                      "DYAD_THREADS",
                                      "5",
                                      "DYAD_IDLE_TIMEOUT",
                                      "600",
                                      "DYAD_LISTEN",
                                      "",
                                      NULL};
    fake_env = env;
    char *argv[] = {"serve",           "--threads", "7", "--absolute-timeout=900",
                    "--trusted-proxy", "no",        NULL};
    assert_int_equal(config_load(&c, 6, argv, 0, false, env_fn, err, sizeof err), 0);
    assert_int_equal(c.app.threads, 7);
    assert_int_equal(c.app.idle_timeout, 600);
    assert_int_equal(c.app.absolute_timeout, 900);
    assert_int_equal(c.app.trusted_proxies.n, 0);
    assert_string_equal(c.app.listen_addr, "127.0.0.1");
    assert_int_equal(c.app.port, 8080);
    assert_int_equal(c.origin[find("server", "threads") - config_settings], ORIGIN_FLAG);
    assert_int_equal(c.origin[find("sessions", "idle_timeout") - config_settings], ORIGIN_ENV);
    assert_int_equal(c.origin[find("server", "listen") - config_settings], ORIGIN_DEFAULT);

    /* errors name their source */
    static const char *const env_bad[] = {"DYAD_CONFIG", "/dev/null", "DYAD_THREADS", "many", NULL};
    fake_env = env_bad;
    assert_int_equal(config_load(&c, 1, argv0, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(err, "DYAD_THREADS: 'many' is not a whole number from 1 to 1024");
    fake_env = env;
    char *argv_bad[] = {"serve", "--threads", "0", NULL};
    assert_int_equal(config_load(&c, 3, argv_bad, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(err, "--threads: '0' is not a whole number from 1 to 1024");
    char *argv_unknown[] = {"serve", "--thread", "2", NULL};
    assert_int_equal(config_load(&c, 3, argv_unknown, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(err, "unknown option '--thread' (dyad help lists them)");
    char *argv_missing[] = {"serve", "--db", NULL};
    assert_int_equal(config_load(&c, 2, argv_missing, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(
        err, "--db needs a value (sqlite:PATH, a postgres:// URL or postgres:KEY=VALUE conninfo)");
    char *argv_extra[] = {"serve", "stray", NULL};
    assert_int_equal(config_load(&c, 2, argv_extra, 0, false, env_fn, err, sizeof err), -1);
    assert_string_equal(err, "unexpected argument 'stray'");
    /* positional arguments and flags in any order */
    char *argv_pos[] = {"backup", "--db", "sqlite:/x/y.db", "out.db", NULL};
    assert_int_equal(config_load(&c, 4, argv_pos, 1, false, env_fn, err, sizeof err), 0);
    assert_int_equal(c.n_positional, 1);
    assert_string_equal(c.positional[0], "out.db");
    assert_string_equal(c.app.secret_file, "/x/dyad.secret");
    assert_string_equal(c.app.vapid_key_file, "/x/dyad.vapid");
    /* --no- only for yes/no settings */
    char *argv_no[] = {"serve", "--no-threads", NULL};
    assert_int_equal(config_load(&c, 2, argv_no, 0, false, env_fn, err, sizeof err), -1);
    fake_env = NULL;
}

static void test_secret_masked(void **state)
{
    (void)state;
    struct config c;
    char err[400], v[200];
    assert_int_equal(load(&c, "[metrics]\ntoken = 0123456789abcdef-secret\n", err, sizeof err), 0);
    config_value(&c, find("metrics", "token"), true, v, sizeof v);
    assert_string_equal(v, "********");
    config_value(&c, find("metrics", "token"), false, v, sizeof v);
    assert_string_equal(v, "0123456789abcdef-secret");
    /* the printed configuration never holds it */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_print(&c, f);
    fclose(f);
    assert_null(strstr(buf, "0123456789abcdef"));
    assert_non_null(strstr(buf, "token = ********"));
    /* the mask cannot be mistaken for a token if the output is reused */
    struct config again;
    assert_int_equal(load(&again, buf, err, sizeof err), -1);
    assert_non_null(strstr(err, "metrics.token: must be 16-127 characters"));
    free(buf);
}

static void test_print_round_trip(void **state)
{
    (void)state;
    struct config c;
    char err[400];
    assert_int_equal(load(&c,
                          "[server]\nlisten = 0.0.0.0:81\npublic_url = https://d.example.org\n"
                          "[limits]\nlogin_failures_per_client = 9\n",
                          err, sizeof err),
                     0);
    config_finish(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_print(&c, f);
    fclose(f);
    struct config again;
    assert_int_equal(load(&again, buf, err, sizeof err), 0);
    config_finish(&again);
    for (size_t i = 0; i < config_settings_count; i++) {
        char a[1200], b[1200];
        config_value(&c, &config_settings[i], false, a, sizeof a);
        config_value(&again, &config_settings[i], false, b, sizeof b);
        assert_string_equal(a, b);
    }
    free(buf);
}

static void test_address_lists(void **state)
{
    (void)state;
    struct config c;
    char err[400], v[300];
    const struct setting *proxy = find("server", "trusted_proxy");
    const struct setting *allow = find("metrics", "allow");
    config_defaults(&c);
    assert_int_equal(config_set(&c, proxy, "yes", err, sizeof err), 0);
    config_value(&c, proxy, true, v, sizeof v);
    assert_string_equal(v, "127.0.0.0/8, ::1/128");
    assert_int_equal(config_set(&c, proxy, "no", err, sizeof err), 0);
    config_value(&c, proxy, true, v, sizeof v);
    assert_string_equal(v, "");
    assert_int_equal(config_set(&c, allow, "192.0.2.10, 2001:db8::/32", err, sizeof err), 0);
    assert_true(cidr_list_contains(&c.app.metrics_allow, "192.0.2.10"));
    assert_false(cidr_list_contains(&c.app.metrics_allow, "192.0.2.11"));
    assert_true(cidr_list_contains(&c.app.metrics_allow, "2001:db8:1::5"));
    config_value(&c, allow, true, v, sizeof v);
    assert_string_equal(v, "192.0.2.10/32, 2001:db8::/32");
    /* an empty value turns the list off again */
    assert_int_equal(config_set(&c, allow, "", err, sizeof err), 0);
    assert_int_equal(c.app.metrics_allow.n, 0);
    /* 17 entries are one too many; a failed set leaves the old value */
    assert_int_equal(config_set(&c, allow, "10.0.0.1", err, sizeof err), 0);
    char many[400] = "";
    for (int i = 0; i <= 16; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.0.%d", i ? "," : "", i);
    assert_int_equal(config_set(&c, allow, many, err, sizeof err), -1);
    assert_int_equal(c.app.metrics_allow.n, 1);
    /* listen wants an IP address, not a name or a range */
    const struct setting *listen = find("server", "listen");
    assert_int_equal(config_set(&c, listen, "10.0.0.0/8:80", err, sizeof err), -1);
    assert_int_equal(config_set(&c, listen, "[::]:0", err, sizeof err), 0);
    assert_string_equal(c.app.listen_addr, "::");
    assert_int_equal(c.app.port, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_whole), cmocka_unit_test(test_file_values),
        cmocka_unit_test(test_file_errors),    cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_secret_masked),  cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_address_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
