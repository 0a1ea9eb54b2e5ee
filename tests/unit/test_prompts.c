/*
 * test_prompts.c — the shipped prompt library loads and meets its coverage
 * rule, every kind of malformed entry is refused with a message naming the
 * entry and field, and the lookups agree with each other. Then the checks
 * the shipped library must pass beyond what the loader demands of any
 * library: at least 1,000 prompts, the cell minimums, every side of a family
 * covered, lengths, no couple-only words where friends or family read them,
 * and no duplicate or near-duplicate texts.
 *
 * Malformed libraries are made by editing one entry of the shipped file with
 * jansson, so each case differs from a valid library by exactly one fault.
 * Run from the repository root (the Makefile does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/embedded.h"
#include "core/prompts.h"

#define LIBRARY_PATH "data/prompts.json"

static char *shipped;
static size_t shipped_len;

static int read_shipped(void **state)
{
    (void)state;
    FILE *f = fopen(LIBRARY_PATH, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", LIBRARY_PATH);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    shipped = malloc((size_t)n + 1);
    if (shipped == NULL || fread(shipped, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    shipped[n] = '\0';
    shipped_len = (size_t)n;
    return 0;
}

static int free_shipped(void **state)
{
    (void)state;
    free(shipped);
    shipped = NULL;
    return 0;
}

static void test_shipped_loads(void **state)
{
    (void)state;
    struct prompt_library lib;
    char err[256];
    int rc = prompts_load(&lib, shipped, shipped_len, err, sizeof(err));
    if (rc != 0)
        fail_msg("shipped library refused: %s", err);
    assert_int_equal(lib.version, 1);
    assert_true(lib.count >= 300);
    assert_string_equal(err, "");
    prompts_free(&lib);
    assert_null(lib.items);
    assert_int_equal(lib.count, 0);
    prompts_free(&lib); /* a second free is harmless */
}

/* The library compiled into the binary (tools/prompts_gen.c) is the shipped
 * file as the loader reads it, entry for entry: same order, same fields, the
 * same id index; prompts_find works on it, and prompts_free on a copy only
 * zeroes the copy. */
static void test_builtin_is_the_shipped_library(void **state)
{
    (void)state;
    struct prompt_library lib;
    char err[256];
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, err, sizeof(err)), 0);
    assert_true(prompts_builtin.borrowed);
    assert_false(lib.borrowed);
    assert_int_equal(prompts_builtin.version, lib.version);
    assert_int_equal(prompts_builtin.count, lib.count);
    for (size_t i = 0; i < lib.count; i++) {
        const struct prompt *a = &lib.items[i], *b = &prompts_builtin.items[i];
        assert_string_equal(a->id, b->id);
        assert_int_equal(a->topic, b->topic);
        assert_int_equal(a->depth, b->depth);
        assert_int_equal(a->kinds, b->kinds);
        assert_string_equal(a->text, b->text);
        assert_int_equal(a->for_role, b->for_role);
        assert_int_equal(a->support, b->support);
        assert_int_equal(lib.by_id[i], prompts_builtin.by_id[i]);
        assert_ptr_equal(prompts_find(&prompts_builtin, a->id), b);
    }
    assert_int_equal(prompts_check_coverage(&prompts_builtin, err, sizeof(err)), 0);
    prompts_free(&lib);

    struct prompt_library copy = prompts_builtin;
    prompts_free(&copy);
    assert_null(copy.items);
    assert_int_equal(copy.count, 0);
    assert_non_null(prompts_builtin.items);
    assert_non_null(prompts_find(&prompts_builtin, prompts_builtin.items[0].id));
}

/* The coverage rule, counted independently of the loader through
 * prompts_filter, plus the shipped ids' convention p-<topic>-<depth>-NNN. */
static void test_shipped_coverage_and_ids(void **state)
{
    (void)state;
    struct prompt_library lib;
    char err[256];
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, err, sizeof(err)), 0);

    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        for (int k = 0; k < PROMPTS_KIND__MAX; k++) {
            for (int d = 1; d <= 5; d++) {
                size_t n = prompts_filter(&lib, k, t, d, NULL, 0);
                if (!prompts_topic_allows_kind(t, k)) {
                    assert_int_equal(n, 0);
                    continue;
                }
                size_t need = d <= 3 ? 3 : 1;
                if (n < need)
                    fail_msg("%s/%s depth %d: %zu prompts", prompts_topic_name(t),
                             prompts_kind_name(k), d, n);
            }
        }
    }
    for (size_t i = 0; i < lib.count; i++) {
        const struct prompt *p = &lib.items[i];
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "p-%s-%d-", prompts_topic_name((int)p->topic), p->depth);
        if (strncmp(p->id, prefix, strlen(prefix)) != 0 || strlen(p->id) != strlen(prefix) + 3)
            fail_msg("id %s does not follow p-<topic>-<depth>-NNN", p->id);
        if (p->topic == PROMPTS_TOPIC_DESIRE)
            assert_int_equal(p->kinds, PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE));
        assert_true(strlen(p->text) <= PROMPTS_TEXT_MAX);
    }
    prompts_free(&lib);
}

static void test_names(void **state)
{
    (void)state;
    const char *topics[] = {"everyday",  "joy",     "fear",          "frustration", "sorrow",
                            "anger",     "failure", "embarrassment", "inadequacy",  "hope",
                            "gratitude", "us",      "desire"};
    assert_int_equal(sizeof(topics) / sizeof(topics[0]), PROMPTS_TOPIC__MAX);
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        assert_string_equal(prompts_topic_name(t), topics[t]);
        assert_int_equal(prompts_topic_from_name(topics[t]), t);
    }
    assert_int_equal(prompts_topic_from_name("Joy"), -1);
    assert_int_equal(prompts_topic_from_name(""), -1);
    assert_int_equal(prompts_topic_from_name(NULL), -1);
    assert_null(prompts_topic_name(-1));
    assert_null(prompts_topic_name(PROMPTS_TOPIC__MAX));

    assert_int_equal(prompts_kind_from_name("couple"), PROMPTS_KIND_COUPLE);
    assert_int_equal(prompts_kind_from_name("friends"), PROMPTS_KIND_FRIENDS);
    assert_int_equal(prompts_kind_from_name("family"), PROMPTS_KIND_FAMILY);
    assert_int_equal(prompts_kind_from_name("friend"), -1);
    assert_int_equal(prompts_kind_from_name(NULL), -1);
    assert_string_equal(prompts_kind_name(PROMPTS_KIND_FAMILY), "family");
    assert_null(prompts_kind_name(PROMPTS_KIND__MAX));

    assert_true(prompts_topic_allows_kind(PROMPTS_TOPIC_DESIRE, PROMPTS_KIND_COUPLE));
    assert_false(prompts_topic_allows_kind(PROMPTS_TOPIC_DESIRE, PROMPTS_KIND_FRIENDS));
    assert_false(prompts_topic_allows_kind(PROMPTS_TOPIC_DESIRE, PROMPTS_KIND_FAMILY));
    assert_true(prompts_topic_allows_kind(PROMPTS_TOPIC_US, PROMPTS_KIND_FAMILY));
    assert_false(prompts_topic_allows_kind(PROMPTS_TOPIC__MAX, PROMPTS_KIND_COUPLE));
    assert_false(prompts_topic_allows_kind(PROMPTS_TOPIC_JOY, -1));
}

static void test_find_and_filter(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);

    /* Every entry is found by its own id. */
    for (size_t i = 0; i < lib.count; i++)
        assert_ptr_equal(prompts_find(&lib, lib.items[i].id), &lib.items[i]);
    const struct prompt *p = prompts_find(&lib, "p-joy-1-002");
    assert_non_null(p);
    assert_int_equal(p->topic, PROMPTS_TOPIC_JOY);
    assert_int_equal(p->depth, 1);
    assert_null(prompts_find(&lib, "p-joy-1-999"));
    assert_null(prompts_find(&lib, ""));
    assert_null(prompts_find(&lib, NULL));

    /* Wildcards: everything, and the sum over depths equals "any depth". */
    assert_int_equal(
        prompts_filter(&lib, PROMPTS_KIND_ANY, PROMPTS_TOPIC_ANY, PROMPTS_DEPTH_ANY, NULL, 0),
        lib.count);
    size_t by_depth = 0;
    for (int d = 1; d <= 5; d++)
        by_depth += prompts_filter(&lib, PROMPTS_KIND_FRIENDS, PROMPTS_TOPIC_FEAR, d, NULL, 0);
    assert_int_equal(by_depth, prompts_filter(&lib, PROMPTS_KIND_FRIENDS, PROMPTS_TOPIC_FEAR,
                                              PROMPTS_DEPTH_ANY, NULL, 0));
    assert_int_equal(
        prompts_filter(&lib, PROMPTS_KIND_FAMILY, PROMPTS_TOPIC_DESIRE, PROMPTS_DEPTH_ANY, NULL, 0),
        0);

    /* A short out[] gets the first matches in library order; the return is
     * the full count. */
    const struct prompt *out[2];
    size_t n = prompts_filter(&lib, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_DESIRE, 2, out, 2);
    assert_true(n >= 3);
    assert_non_null(out[0]);
    assert_non_null(out[1]);
    assert_true(out[0] < out[1]);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i]->topic, PROMPTS_TOPIC_DESIRE);
        assert_int_equal(out[i]->depth, 2);
        assert_true(prompts_has_kind(out[i], PROMPTS_KIND_COUPLE));
    }
    prompts_free(&lib);
}

/* ---- malformed libraries ----------------------------------------------- */

enum edit {
    EDIT_SET,    /* entry[index].field = value */
    EDIT_DELETE, /* delete entry[index].field */
};

/* Loads the shipped library with one change to entry `index` and expects it
 * refused with a message that contains each of the `want` strings. */
static void expect_refused(size_t index, enum edit how, const char *field, json_t *value,
                           const char *want1, const char *want2)
{
    json_error_t jerr;
    json_t *root = json_loadb(shipped, shipped_len, 0, &jerr);
    assert_non_null(root);
    json_t *entry = json_array_get(json_object_get(root, "prompts"), index);
    assert_non_null(entry);
    if (how == EDIT_SET)
        assert_int_equal(json_object_set_new(entry, field, value), 0);
    else
        assert_int_equal(json_object_del(entry, field), 0);
    char *text = json_dumps(root, 0);
    json_decref(root);
    assert_non_null(text);

    struct prompt_library lib;
    char err[256];
    memset(&lib, 0x5a, sizeof(lib));
    int rc = prompts_load(&lib, text, strlen(text), err, sizeof(err));
    free(text);
    if (rc == 0) {
        prompts_free(&lib);
        fail_msg("accepted a library with a bad \"%s\"", field);
    }
    assert_null(lib.items);
    assert_int_equal(lib.count, 0);
    if (strstr(err, want1) == NULL || (want2 != NULL && strstr(err, want2) == NULL))
        fail_msg("message \"%s\" lacks \"%s\"/\"%s\"", err, want1, want2 ? want2 : "");
}

static void test_bad_topic(void **state)
{
    (void)state;
    expect_refused(7, EDIT_SET, "topic", json_string("joyy"), "prompts[7] (id \"p-", "topic");
    expect_refused(7, EDIT_SET, "topic", json_string("Joy"), "unknown topic \"Joy\"", NULL);
    expect_refused(7, EDIT_SET, "topic", json_integer(1), "prompts[7]", "\"topic\"");
}

static void test_bad_depth(void **state)
{
    (void)state;
    expect_refused(3, EDIT_SET, "depth", json_integer(0), "prompts[3]", "\"depth\"");
    expect_refused(3, EDIT_SET, "depth", json_integer(6), "prompts[3]", "\"depth\"");
    expect_refused(3, EDIT_SET, "depth", json_string("2"), "prompts[3]", "\"depth\"");
    expect_refused(3, EDIT_SET, "depth", json_real(2.0), "prompts[3]", "\"depth\"");
}

static void test_bad_kinds(void **state)
{
    (void)state;
    expect_refused(0, EDIT_SET, "kinds", json_array(), "prompts[0]", "\"kinds\"");
    expect_refused(0, EDIT_SET, "kinds", json_string("couple"), "prompts[0]", "\"kinds\"");
    expect_refused(0, EDIT_SET, "kinds", json_pack("[ss]", "couple", "coworkers"), "prompts[0]",
                   "kinds[1]");
    expect_refused(0, EDIT_SET, "kinds", json_pack("[ss]", "family", "family"), "prompts[0]",
                   "kinds lists \"family\" twice");
    expect_refused(0, EDIT_DELETE, "kinds", NULL, "prompts[0]", "missing field \"kinds\"");
}

static void test_desire_for_couples_only(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    const struct prompt *p = NULL;
    prompts_filter(&lib, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_DESIRE, 1, &p, 1);
    assert_non_null(p);
    size_t index = (size_t)(p - lib.items);
    prompts_free(&lib);
    expect_refused(index, EDIT_SET, "kinds", json_pack("[ss]", "couple", "friends"), "kinds",
                   "couples only");
    /* And the reverse: a friends prompt moved to the desire topic. */
    expect_refused(0, EDIT_SET, "topic", json_string("desire"), "prompts[0]", "couples only");
}

static void test_duplicate_id(void **state)
{
    (void)state;
    expect_refused(12, EDIT_SET, "id", json_string("p-everyday-1-001"), "prompts[12]",
                   "duplicate id, first used by prompts[0]");
}

static void test_bad_text(void **state)
{
    (void)state;
    char long_text[PROMPTS_TEXT_MAX + 2];
    memset(long_text, 'a', sizeof(long_text) - 1);
    long_text[PROMPTS_TEXT_MAX + 1] = '\0';

    expect_refused(5, EDIT_SET, "text", json_string(""), "prompts[5]", "\"text\" is empty");
    expect_refused(5, EDIT_SET, "text", json_string("   "), "prompts[5]", "\"text\" is empty");
    expect_refused(5, EDIT_SET, "text", json_string(long_text), "prompts[5]",
                   "\"text\" is 401 bytes");
    expect_refused(5, EDIT_SET, "text", json_string("two\nlines"), "prompts[5]",
                   "control character");
    expect_refused(5, EDIT_SET, "text", json_null(), "prompts[5]", "\"text\" must be a string");
}

static void test_text_at_limit_accepted(void **state)
{
    (void)state;
    char text[PROMPTS_TEXT_MAX + 1];
    memset(text, 'a', PROMPTS_TEXT_MAX);
    text[PROMPTS_TEXT_MAX] = '\0';
    json_t *root = json_loadb(shipped, shipped_len, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(root, "prompts"), 5), "text",
                        json_string(text));
    char *dump = json_dumps(root, 0);
    json_decref(root);
    struct prompt_library lib;
    char err[256];
    int rc = prompts_load(&lib, dump, strlen(dump), err, sizeof(err));
    free(dump);
    if (rc != 0)
        fail_msg("refused a 400-byte text: %s", err);
    assert_int_equal(strlen(lib.items[5].text), PROMPTS_TEXT_MAX);
    prompts_free(&lib);
}

static void test_bad_id(void **state)
{
    (void)state;
    char long_id[PROMPTS_ID_MAX + 2];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[PROMPTS_ID_MAX + 1] = '\0';

    expect_refused(9, EDIT_SET, "id", json_string("P-joy-1-001"), "prompts[9]", "id \"P-joy");
    expect_refused(9, EDIT_SET, "id", json_string("p_joy"), "prompts[9]", "a-z, 0-9");
    expect_refused(9, EDIT_SET, "id", json_string("-p-joy"), "prompts[9]", "id");
    expect_refused(9, EDIT_SET, "id", json_string("p joy"), "prompts[9]", "id");
    expect_refused(9, EDIT_SET, "id", json_string(""), "prompts[9]", "id");
    expect_refused(9, EDIT_SET, "id", json_string(long_id), "prompts[9]", "id");
    expect_refused(9, EDIT_SET, "id", json_integer(9), "prompts[9]", "\"id\" must be a string");
}

static void test_missing_and_unknown_fields(void **state)
{
    (void)state;
    const char *fields[] = {"id", "topic", "depth", "kinds", "text"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "missing field \"%s\"", fields[i]);
        expect_refused(20, EDIT_DELETE, fields[i], NULL, "prompts[20]", want);
    }
    expect_refused(20, EDIT_SET, "tags", json_string("x"), "prompts[20]", "unknown field \"tags\"");
}

/* Loads a whole document and expects it refused with `want` in the message. */
static void expect_doc_refused(const char *doc, const char *want)
{
    struct prompt_library lib;
    char err[256];
    if (prompts_load(&lib, doc, strlen(doc), err, sizeof(err)) == 0) {
        prompts_free(&lib);
        fail_msg("accepted %s", doc);
    }
    if (strstr(err, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

static void test_bad_document(void **state)
{
    (void)state;
    expect_doc_refused("", "bad json");
    expect_doc_refused("{\"version\":1,", "bad json");
    expect_doc_refused("[]", "must be a JSON object");
    expect_doc_refused("{\"prompts\":[]}", "missing field \"version\"");
    expect_doc_refused("{\"version\":2,\"prompts\":[]}", "\"version\" must be 1");
    expect_doc_refused("{\"version\":1}", "missing field \"prompts\"");
    expect_doc_refused("{\"version\":1,\"prompts\":{}}", "\"prompts\" must be an array");
    expect_doc_refused("{\"version\":1,\"prompts\":[],\"x\":0}", "unknown field \"x\"");
    expect_doc_refused("{\"version\":1,\"version\":1,\"prompts\":[]}", "bad json");
    expect_doc_refused("{\"version\":1,\"prompts\":[7]}", "prompts[0]: must be an object");
    /* Well-formed but empty: the coverage rule names the first gap. */
    expect_doc_refused("{\"version\":1,\"prompts\":[]}",
                       "coverage: topic \"everyday\" for kind \"couple\" has 0 prompts at depth 1");

    /* No error buffer at all is allowed. */
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, "[]", 2, NULL, 0), -1);
    assert_int_equal(prompts_load(&lib, NULL, 0, NULL, 0), -1);
}

/* Dropping every hope prompt at depth 3 breaks coverage, and the message
 * names the topic, the kind and the depth. */
static void test_coverage_enforced(void **state)
{
    (void)state;
    json_t *root = json_loadb(shipped, shipped_len, 0, NULL);
    json_t *arr = json_object_get(root, "prompts");
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *e = json_array_get(arr, i);
        if (strcmp(json_string_value(json_object_get(e, "topic")), "hope") == 0 &&
            json_integer_value(json_object_get(e, "depth")) == 3)
            json_array_remove(arr, i);
    }
    char *dump = json_dumps(root, 0);
    json_decref(root);
    expect_doc_refused(dump,
                       "coverage: topic \"hope\" for kind \"couple\" has 0 prompts at depth 3");
    free(dump);
}

/* prompts_load in its two steps: a library of two prompts parses (every
 * per-entry rule holds) but fails coverage with prompts_load's message; the
 * shipped library passes both; a per-entry fault fails the parse itself. */
static void test_parse_then_coverage(void **state)
{
    (void)state;
    const char *two = "{\"version\": 1, \"prompts\": ["
                      "{\"id\": \"p-joy-1-901\", \"topic\": \"joy\", \"depth\": 1, "
                      "\"kinds\": [\"friends\"], \"text\": \"What made you laugh?\"},"
                      "{\"id\": \"p-hope-4-901\", \"topic\": \"hope\", \"depth\": 4, "
                      "\"kinds\": [\"family\"], \"for\": \"parent\", \"text\": \"What do you "
                      "hope for me? Share only as much as feels right.\"}]}";
    struct prompt_library lib;
    char err[256], err2[256];
    assert_int_equal(prompts_parse(&lib, two, strlen(two), err, sizeof err), 0);
    assert_int_equal(lib.count, 2);
    assert_int_equal(lib.items[1].for_role, PROMPTS_ROLE_PARENT);
    assert_ptr_equal(prompts_find(&lib, "p-joy-1-901"), &lib.items[0]);
    assert_int_equal(prompts_check_coverage(&lib, err, sizeof err), -1);
    assert_non_null(strstr(err, "coverage: topic "));
    prompts_free(&lib);
    memset(&lib, 0x5a, sizeof lib);
    assert_int_equal(prompts_load(&lib, two, strlen(two), err2, sizeof err2), -1);
    assert_string_equal(err2, err);
    assert_null(lib.items);
    assert_int_equal(lib.count, 0);

    const char *empty = "{\"version\": 1, \"prompts\": []}";
    assert_int_equal(prompts_parse(&lib, empty, strlen(empty), err, sizeof err), 0);
    assert_int_equal(lib.count, 0);
    assert_int_equal(prompts_check_coverage(&lib, err, sizeof err), -1);
    prompts_free(&lib);

    const char *bad = "{\"version\": 1, \"prompts\": [{\"id\": \"p-joy-1-902\", "
                      "\"topic\": \"joy\", \"depth\": 6, \"kinds\": [\"couple\"], "
                      "\"text\": \"Hello?\"}]}";
    memset(&lib, 0x5a, sizeof lib);
    assert_int_equal(prompts_parse(&lib, bad, strlen(bad), err, sizeof err), -1);
    assert_null(lib.items);
    assert_non_null(strstr(err, "prompts[0] (id \"p-joy-1-902\")"));

    assert_int_equal(prompts_parse(&lib, shipped, shipped_len, NULL, 0), 0);
    assert_int_equal(prompts_check_coverage(&lib, NULL, 0), 0);
    prompts_free(&lib);
}

/* ---- optional fields, the opt-out, retired ids ------------------------- */

/* Index of the first shipped entry matching topic, depth and kinds bits. */
static size_t find_entry(int topic, int depth, unsigned kinds)
{
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    size_t at = SIZE_MAX;
    for (size_t i = 0; i < lib.count && at == SIZE_MAX; i++)
        if ((int)lib.items[i].topic == topic && lib.items[i].depth == depth &&
            lib.items[i].kinds == kinds)
            at = i;
    prompts_free(&lib);
    assert_true(at != SIZE_MAX);
    return at;
}

static void test_for_and_support(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    size_t with_for = 0, with_support = 0;
    for (size_t i = 0; i < lib.count; i++) {
        const struct prompt *p = &lib.items[i];
        if (p->for_role != PROMPTS_ROLE_NONE) {
            with_for++;
            assert_int_equal(p->kinds, PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY));
            assert_true(prompts_suits_role(p, (int)p->for_role));
            assert_false(prompts_suits_role(p, PROMPTS_ROLE_NONE));
        }
        if (p->support)
            with_support++;
        assert_true(prompts_suits_role(p, PROMPTS_ROLE_ANY));
    }
    assert_true(with_for > 0);
    assert_true(with_support > 0);
    prompts_free(&lib);

    assert_int_equal(prompts_role_from_name("parent"), PROMPTS_ROLE_PARENT);
    assert_int_equal(prompts_role_from_name("grandchild"), PROMPTS_ROLE_GRANDCHILD);
    assert_int_equal(prompts_role_from_name("none"), -1);
    assert_int_equal(prompts_role_from_name(NULL), -1);
    assert_string_equal(prompts_role_name(PROMPTS_ROLE_SIBLING), "sibling");
    assert_null(prompts_role_name(PROMPTS_ROLE_NONE));
    assert_null(prompts_role_name(PROMPTS_ROLE__MAX));

    size_t fam = find_entry(PROMPTS_TOPIC_JOY, 2, PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY));
    size_t all =
        find_entry(PROMPTS_TOPIC_JOY, 2,
                   PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE) | PROMPTS_KIND_BIT(PROMPTS_KIND_FRIENDS) |
                       PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY));
    expect_refused(fam, EDIT_SET, "for", json_string("cousin"), "\"for\" must be one of", NULL);
    expect_refused(fam, EDIT_SET, "for", json_integer(1), "\"for\" must be one of", NULL);
    expect_refused(all, EDIT_SET, "for", json_string("parent"), "\"for\" is only for prompts",
                   "[\"family\"]");
    expect_refused(fam, EDIT_SET, "support", json_string("yes"), "\"support\" must be true", NULL);
    expect_refused(fam, EDIT_SET, "support", json_integer(1), "\"support\" must be true", NULL);
}

static void test_deep_prompts_offer_opt_out(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    size_t deep = 0;
    for (size_t i = 0; i < lib.count; i++)
        if (lib.items[i].depth >= 4) {
            deep++;
            assert_non_null(strstr(lib.items[i].text, PROMPTS_OPT_OUT));
        }
    assert_true(deep >= 300);
    prompts_free(&lib);
    size_t at =
        find_entry(PROMPTS_TOPIC_FEAR, 4,
                   PROMPTS_KIND_BIT(PROMPTS_KIND_COUPLE) | PROMPTS_KIND_BIT(PROMPTS_KIND_FRIENDS) |
                       PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY));
    expect_refused(at, EDIT_SET, "text", json_string("What fear about yourself do you hide?"),
                   "a depth 4 prompt must offer the gentle opt-out", PROMPTS_OPT_OUT);
    /* The phrase is exact: a near miss is refused too. */
    expect_refused(at, EDIT_SET, "text",
                   json_string("What fear do you hide? Share as much as feels right."), "opt-out",
                   NULL);
}

static void test_retired_ids(void **state)
{
    (void)state;
    json_t *root = json_loadb(shipped, shipped_len, 0, NULL);
    json_t *retired = json_object_get(root, "retired");
    assert_true(json_is_array(retired));
    assert_true(json_array_size(retired) > 0);
    /* The named weak prompts of the review are retired, never reused; so is
     * the depth-5 family prompt that invited saying childhood anger to the
     * family with no one there (p-anger-5-010 asks to be understood
     * instead, marked support). */
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    const char *gone[] = {"p-joy-1-001",       "p-joy-5-004",        "p-anger-2-002",
                          "p-sorrow-2-006",    "p-inadequacy-4-004", "p-us-5-004",
                          "p-gratitude-5-004", "p-gratitude-3-003",  "p-hope-1-002",
                          "p-us-1-003",        "p-anger-5-004"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        bool listed = false;
        for (size_t j = 0; j < json_array_size(retired); j++)
            if (strcmp(json_string_value(json_array_get(retired, j)), gone[i]) == 0)
                listed = true;
        if (!listed || prompts_find(&lib, gone[i]) != NULL)
            fail_msg("%s is not retired", gone[i]);
    }
    prompts_free(&lib);

    /* Reusing a retired id is refused. */
    json_t *e = json_array_get(json_object_get(root, "prompts"), 3);
    json_object_set_new(e, "id", json_string(json_string_value(json_array_get(retired, 0))));
    char *dump = json_dumps(root, 0);
    expect_doc_refused(dump, "this id is retired");
    free(dump);
    json_object_set_new(root, "retired", json_string("p-joy-1-001"));
    dump = json_dumps(root, 0);
    expect_doc_refused(dump, "\"retired\" must be an array");
    free(dump);
    json_object_set_new(root, "retired", json_pack("[i]", 3));
    dump = json_dumps(root, 0);
    expect_doc_refused(dump, "retired[0] must be a prompt id");
    free(dump);
    json_decref(root);
}

/* ---- the shipped library's own checks -------------------------------------- */

enum {
    SHIPPED_MIN_TOTAL = 1000,
    SHIPPED_MIN_SHALLOW = 8, /* per topic x kind at each of depths 1-3 */
    SHIPPED_MIN_DEEP = 5,    /* ... and at each of depths 4-5 */
    SHIPPED_TEXT_MIN = 20,   /* bytes */
    SHIPPED_TEXT_MAX = 320,
};

static void test_shipped_size_and_cells(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    if (lib.count < SHIPPED_MIN_TOTAL)
        fail_msg("%zu prompts, fewer than %d", lib.count, SHIPPED_MIN_TOTAL);
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
        for (int k = 0; k < PROMPTS_KIND__MAX; k++)
            for (int d = 1; d <= 5 && prompts_topic_allows_kind(t, k); d++) {
                size_t n = prompts_filter(&lib, k, t, d, NULL, 0);
                size_t need = d <= 3 ? SHIPPED_MIN_SHALLOW : SHIPPED_MIN_DEEP;
                if (n < need)
                    fail_msg("%s/%s depth %d: %zu prompts, needs %zu", prompts_topic_name(t),
                             prompts_kind_name(k), d, n, need);
            }
    prompts_free(&lib);
}

/* Family prompts are written from every side: in every topic, something for
 * a parent and for a grown child at every depth, and for siblings,
 * grandparents and grandchildren in every topic. */
static void test_shipped_family_sides(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    size_t n[PROMPTS_TOPIC__MAX][PROMPTS_ROLE__MAX][6];
    memset(n, 0, sizeof(n));
    for (size_t i = 0; i < lib.count; i++)
        n[lib.items[i].topic][lib.items[i].for_role][lib.items[i].depth]++;
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        if (!prompts_topic_allows_kind(t, PROMPTS_KIND_FAMILY))
            continue;
        for (int r = PROMPTS_ROLE_PARENT; r < PROMPTS_ROLE__MAX; r++) {
            size_t total = 0;
            for (int d = 1; d <= 5; d++) {
                total += n[t][r][d];
                if ((r == PROMPTS_ROLE_PARENT || r == PROMPTS_ROLE_CHILD) && n[t][r][d] == 0)
                    fail_msg("%s: nothing for a %s at depth %d", prompts_topic_name(t),
                             prompts_role_name(r), d);
            }
            if (total < 2)
                fail_msg("%s: %zu prompts for a %s", prompts_topic_name(t), total,
                         prompts_role_name(r));
        }
    }
    prompts_free(&lib);
}

static void test_shipped_lengths(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    for (size_t i = 0; i < lib.count; i++) {
        size_t len = strlen(lib.items[i].text);
        if (len < SHIPPED_TEXT_MIN || len > SHIPPED_TEXT_MAX)
            fail_msg("%s: %zu bytes, outside %d-%d", lib.items[i].id, len, SHIPPED_TEXT_MIN,
                     SHIPPED_TEXT_MAX);
    }
    prompts_free(&lib);
}

/* Words that assume the two are a couple: never in a prompt that friends or
 * family may read. Matched as whole words, case-insensitively. */
static const char *const couple_words[] = {
    "partner",   "partners", "couple",     "couples",     "sex",        "sexual",
    "sexuality", "sexy",     "romance",    "romantic",    "lover",      "lovers",
    "spouse",    "husband",  "wife",       "boyfriend",   "girlfriend", "honeymoon",
    "flirt",     "flirting", "date night", "making love", "bedroom",
};

static bool is_word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '\'';
}

/* The first couple-only word in text, or NULL. */
static const char *couple_word_in(const char *text)
{
    for (size_t w = 0; w < sizeof(couple_words) / sizeof(couple_words[0]); w++) {
        size_t len = strlen(couple_words[w]);
        for (const char *s = text; *s; s++) {
            if (strncasecmp(s, couple_words[w], len) == 0 && (s == text || !is_word_char(s[-1])) &&
                !is_word_char(s[len]))
                return couple_words[w];
        }
    }
    return NULL;
}

static void test_no_couple_words_for_friends_or_family(void **state)
{
    (void)state;
    assert_string_equal(couple_word_in("Tell your Partner."), "partner");
    assert_string_equal(couple_word_in("A romantic date night?"), "romantic");
    assert_null(couple_word_in("Which partnership at work went well? Sussex?"));
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    const unsigned others =
        PROMPTS_KIND_BIT(PROMPTS_KIND_FRIENDS) | PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY);
    size_t checked = 0;
    for (size_t i = 0; i < lib.count; i++) {
        if ((lib.items[i].kinds & others) == 0)
            continue;
        checked++;
        const char *w = couple_word_in(lib.items[i].text);
        if (w != NULL)
            fail_msg("%s is read by friends or family but says \"%s\"", lib.items[i].id, w);
    }
    assert_true(checked > 500);
    prompts_free(&lib);
}

/* A guard on the grading rubric (docs/pacing.md): a prompt at depth 1 or 2
 * never names what the rubric places at depth 3 and beyond — shame, grief,
 * betrayal, trauma, forgiveness, regret, the "deepest" of anything. Whole
 * words, case-insensitive. It cannot prove a grade right, but it catches a
 * heavy prompt filed as a light one. */
static const char *const heavy_words[] = {
    "ashamed",  "shame",    "grief",  "grieve",  "grieving",  "mourn",     "betray",
    "betrayed", "abuse",    "abused", "trauma",  "worthless", "unlovable", "fraud",
    "forgive",  "forgiven", "regret", "regrets", "deepest",   "death",     "died",
};

static const char *heavy_word_in(const char *text)
{
    for (size_t w = 0; w < sizeof(heavy_words) / sizeof(heavy_words[0]); w++) {
        size_t len = strlen(heavy_words[w]);
        for (const char *s = text; *s; s++)
            if (strncasecmp(s, heavy_words[w], len) == 0 && (s == text || !is_word_char(s[-1])) &&
                !is_word_char(s[len]))
                return heavy_words[w];
    }
    return NULL;
}

static void test_light_prompts_stay_light(void **state)
{
    (void)state;
    assert_string_equal(heavy_word_in("Which regret do you carry?"), "regret");
    assert_string_equal(heavy_word_in("What is your Deepest wish?"), "deepest");
    assert_null(heavy_word_in("What made you laugh today? Unforgiving weather?"));
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    size_t light = 0, heavy_deep = 0;
    for (size_t i = 0; i < lib.count; i++) {
        const char *w = heavy_word_in(lib.items[i].text);
        if (lib.items[i].depth >= 3) {
            heavy_deep += w != NULL;
            continue;
        }
        light++;
        if (w != NULL)
            fail_msg("%s is graded %d but speaks of \"%s\"", lib.items[i].id, lib.items[i].depth,
                     w);
    }
    assert_true(light > 500);
    assert_true(heavy_deep > 0); /* the words are real: deeper prompts use them */
    prompts_free(&lib);
}

/* ---- near-duplicates ------------------------------------------------------- */

/* Similarity of two prompts: the Jaccard index of their sets of word pairs
 * (adjacent words, lower case), leaving out the sentence that carries the
 * opt-out, which deep prompts share on purpose. Two texts at or above
 * NEAR_DUP are near-duplicates: one word changed in a dozen gives about 0.65,
 * while the most alike distinct prompts in the library stay under 0.55. */
#define NEAR_DUP 0.6

struct shingles {
    uint64_t *h;
    size_t n;
};

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static struct shingles shingle(const char *text)
{
    char buf[PROMPTS_TEXT_MAX + 1];
    snprintf(buf, sizeof buf, "%s", text);
    char *opt = strstr(buf, PROMPTS_OPT_OUT);
    if (opt != NULL) {
        /* Cut the sentence or clause holding the phrase: from after the
         * previous . ? ! : ; to its own end. */
        char *start = opt;
        while (start > buf && !strchr(".?!:;", start[-1]))
            start--;
        char *end = opt;
        while (*end && !strchr(".?!:;", *end))
            end++;
        if (*end)
            end++;
        memmove(start, end, strlen(end) + 1);
    }
    uint64_t words[128];
    size_t nw = 0;
    for (char *s = buf; *s && nw < 128;) {
        while (*s && !is_word_char(*s) && !(*s >= '0' && *s <= '9'))
            s++;
        if (!*s)
            break;
        uint64_t h = 1469598103934665603ull;
        for (; *s && (is_word_char(*s) || (*s >= '0' && *s <= '9')); s++) {
            char ch = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
            h = (h ^ (unsigned char)ch) * 1099511628211ull;
        }
        words[nw++] = h;
    }
    struct shingles sh = {calloc(nw ? nw : 1, sizeof(uint64_t)), 0};
    assert_non_null(sh.h);
    for (size_t i = 0; i + 1 < nw || (nw == 1 && i == 0); i++)
        sh.h[sh.n++] = nw == 1 ? words[0] : words[i] * 31 + (words[i + 1] ^ 0x9e3779b97f4a7c15ull);
    qsort(sh.h, sh.n, sizeof(uint64_t), u64_cmp);
    size_t u = 0;
    for (size_t i = 0; i < sh.n; i++)
        if (u == 0 || sh.h[i] != sh.h[u - 1])
            sh.h[u++] = sh.h[i];
    sh.n = u;
    return sh;
}

static double similarity(const struct shingles *a, const struct shingles *b)
{
    size_t i = 0, j = 0, both = 0;
    while (i < a->n && j < b->n) {
        if (a->h[i] == b->h[j]) {
            both++;
            i++;
            j++;
        } else if (a->h[i] < b->h[j]) {
            i++;
        } else {
            j++;
        }
    }
    size_t all = a->n + b->n - both;
    return all ? (double)both / (double)all : 1.0;
}

static double text_similarity(const char *x, const char *y)
{
    struct shingles a = shingle(x), b = shingle(y);
    double s = similarity(&a, &b);
    free(a.h);
    free(b.h);
    return s;
}

/* The check can fail: a planted near-duplicate (one word changed, or the
 * same words re-punctuated, or the same question with a different opt-out)
 * scores at or above the line; distinct prompts that share a frame score
 * under it. */
static void test_similarity_catches_planted_near_duplicates(void **state)
{
    (void)state;
    const char *base = "What small worry did you carry around all day today?";
    assert_true(text_similarity(base, base) >= 0.999);
    assert_true(text_similarity(base, "What small worry did you carry around all week today?") >=
                NEAR_DUP);
    assert_true(text_similarity(base, "what small worry, did you carry around all day today") >=
                NEAR_DUP);
    assert_true(text_similarity("Which failure still stings? Share only as much as feels right.",
                                "Which failure still stings? Say only as much as feels right, "
                                "no more.") >= NEAR_DUP);
    assert_true(text_similarity(base, "What small thing made you laugh today?") < NEAR_DUP);
    /* The opt-out in front, as a clause, is left out the same way. */
    assert_true(text_similarity("Share only as much as feels right: which failure still stings?",
                                "Which failure still stings? Share only as much as feels "
                                "right.") >= 0.999);
    assert_true(text_similarity("What are you afraid of facing alone? Share only as much as "
                                "feels right.",
                                "What are you afraid your anger says about you? Share only as "
                                "much as feels right.") < NEAR_DUP);
}

static void test_shipped_no_near_duplicates(void **state)
{
    (void)state;
    struct prompt_library lib;
    assert_int_equal(prompts_load(&lib, shipped, shipped_len, NULL, 0), 0);
    struct shingles *sh = calloc(lib.count, sizeof(*sh));
    assert_non_null(sh);
    for (size_t i = 0; i < lib.count; i++)
        sh[i] = shingle(lib.items[i].text);
    size_t found = 0;
    for (size_t i = 0; i < lib.count; i++)
        for (size_t j = i + 1; j < lib.count; j++) {
            double s = similarity(&sh[i], &sh[j]);
            if (s >= NEAR_DUP) {
                fprintf(stderr, "near-duplicates (%.2f): %s \"%s\" and %s \"%s\"\n", s,
                        lib.items[i].id, lib.items[i].text, lib.items[j].id, lib.items[j].text);
                found++;
            }
        }
    for (size_t i = 0; i < lib.count; i++)
        free(sh[i].h);
    free(sh);
    prompts_free(&lib);
    assert_int_equal(found, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_loads),
        cmocka_unit_test(test_builtin_is_the_shipped_library),
        cmocka_unit_test(test_shipped_coverage_and_ids),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_find_and_filter),
        cmocka_unit_test(test_bad_topic),
        cmocka_unit_test(test_bad_depth),
        cmocka_unit_test(test_bad_kinds),
        cmocka_unit_test(test_desire_for_couples_only),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_text_at_limit_accepted),
        cmocka_unit_test(test_bad_id),
        cmocka_unit_test(test_missing_and_unknown_fields),
        cmocka_unit_test(test_bad_document),
        cmocka_unit_test(test_coverage_enforced),
        cmocka_unit_test(test_parse_then_coverage),
        cmocka_unit_test(test_for_and_support),
        cmocka_unit_test(test_deep_prompts_offer_opt_out),
        cmocka_unit_test(test_retired_ids),
        cmocka_unit_test(test_shipped_size_and_cells),
        cmocka_unit_test(test_shipped_family_sides),
        cmocka_unit_test(test_shipped_lengths),
        cmocka_unit_test(test_no_couple_words_for_friends_or_family),
        cmocka_unit_test(test_light_prompts_stay_light),
        cmocka_unit_test(test_similarity_catches_planted_near_duplicates),
        cmocka_unit_test(test_shipped_no_near_duplicates),
    };
    return cmocka_run_group_tests(tests, read_shipped, free_shipped);
}
