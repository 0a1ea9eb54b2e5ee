/*
 * test_questionnaire.c — questionnaire definitions: the shipped ones pass,
 * each kind of malformed definition is refused with the JSON path of the
 * bad field and the reason, and scoring matches hand-computed cases
 * (reversed items, subscales, weights, missing answers and prorating,
 * cut-offs, reliable change).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/questionnaire.h"

static struct questionnaire q;

static int parse(const char *json, char *err)
{
    return questionnaire_parse(json, strlen(json), &q, NULL, err, 256);
}

static int parse_file(const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return questionnaire_parse(buf, n, &q, NULL, err, 256);
}

static void test_shipped(void **state)
{
    (void)state;
    static const struct {
        const char *path, *id;
        int scores;
    } files[] = {
        {"data/questionnaire-safety.json", "safety-check-1", 0},
        {"data/questionnaire-weekly.json", "dyad-weekly-1", 3},
        {"data/questionnaire-session.json", "dyad-session-1", 1},
        {"tests/data/questionnaire-satisfaction-index.json", "test-satisfaction-index", 1},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char err[256] = "";
        if (parse_file(files[i].path, err) != 0)
            fail_msg("%s: %s", files[i].path, err);
        assert_string_equal(q.id, files[i].id);
        assert_int_equal(q.n_scores, files[i].scores);
    }
    /* the weekly check: 0–24, the reversed item counted backwards */
    char err[256];
    assert_int_equal(parse_file("data/questionnaire-weekly.json", err), 0);
    assert_true(q.scores[0].min == 0 && q.scores[0].max == 24);
    assert_int_equal(q.every_days, 7);
    assert_int_equal(q.answered_by, Q_EACH_MEMBER);
    int all_top[6] = {4, 4, 0, 4, 4, 4};
    double out[3];
    assert_int_equal(questionnaire_score(&q, all_top, out), 3);
    assert_true(out[0] == 24 && out[1] == 16 && out[2] == 4);
    /* the made-up index: 0–21, and the normal form clients get */
    assert_int_equal(parse_file("tests/data/questionnaire-satisfaction-index.json", err), 0);
    assert_true(q.scores[0].min == 0 && q.scores[0].max == 21);
    /* the worked example in docs/questionnaires.md */
    int ex[4] = {4, 3, 4, 1}, ex_missing[4] = {4, -1, 4, 1};
    assert_int_equal(questionnaire_score(&q, ex, out), 1);
    assert_true(out[0] == 15); /* 4 + 3 + 4 + (0 + 5 − 1) */
    assert_int_equal(questionnaire_score(&q, ex_missing, out), 1);
    assert_true(out[0] == 16); /* (4 + 4 + 4) · 4 / 3 */
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], 15, 11), -1);
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], 15, 12), 0);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 13), 0);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 14), -1);
}

#define HEAD                                                                                       \
    "{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"answered_by\":\"each_member\","              \
    "\"licence\":\"L\",\"schedule\":{\"every_days\":7},"
#define ITEMS "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"n\",\"y\"]}]"
#define PRIV  "{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"items\":["

static void test_refusals(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(PRIV "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\",\"n\"],"
                                "\"danger\":[1]}]}",
                           err),
                     0);
    assert_int_equal(parse(HEAD ITEMS "}", err), 0);
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"[1]", "$: the definition must be a JSON object"},
        {"{\"id\":\"q1\"", "$: not JSON"},
        {PRIV "]}", "$.items: a list of 1–40"},
        {"{\"id\":\"Q 1\",\"title\":\"T\",\"intro\":\"I\",\"items\":[]}", "$.id: must be"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\"]}]}", "$.items[0].choices: 2–11"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\",\"n\"],\"danger\":[2]}]}",
         "$.items[0].danger[0]: not the index"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\"}]}", "$.items[0]: give exactly one"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"choices\":[\"y\",\"n\"]}]}",
         "$.items[0]: give exactly one"},
        {PRIV "{\"id\":\"a\",\"text\":\"\",\"free_text\":true}]}", "$.items[0].text: must be"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true},{\"id\":\"a\",\"text\":\"y\","
              "\"free_text\":true}]}",
         "$.items[1].id: \"a\" is the id of another item"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"score\":1}]}",
         "$.items[0].score: unknown key"},
        {"{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"items\":[],\"extra\":1}",
         "$.extra: unknown key"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"danger\":[0]}]}",
         "$.items[0].danger: a free-text item"},
        {HEAD "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"free_text\":true}]}",
         "$.items[0].free_text: words go only"},
        {"{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"answered_by\":\"each_member\","
         "\"licence\":\"L\"," ITEMS "}",
         "$.schedule: required"},
        {HEAD "\"answered_by\":\"both\"," ITEMS "}", "duplicate object key"},
        {"{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"answered_by\":\"both\"," ITEMS "}",
         "$.answered_by: \"each_member\" or"},
        {HEAD "\"schedule\":{\"every_days\":0}," ITEMS "}", "duplicate object key"},
        {"{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"answered_by\":\"each_member\","
         "\"licence\":\"L\",\"schedule\":{\"every_days\":0}," ITEMS "}",
         "$.schedule.every_days: a whole number from 1 to 91"},
        {HEAD "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"scale\":\"s\"}]}",
         "$.items[0].scale: no scale of that name"},
        {HEAD "\"scales\":{\"s\":[{\"label\":\"a\",\"value\":0},{\"label\":\"b\"}]},"
              "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"scale\":\"s\"}]}",
         "$.scales.s[1].value: a number"},
        {HEAD "\"scales\":{\"s\":[{\"label\":\"a\",\"value\":1},{\"label\":\"b\",\"value\":1}]},"
              "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"scale\":\"s\"}]}",
         "$.scales.s[1]: two choices have the value 1"},
        {HEAD "\"scales\":{\"t\":[\"a\",\"b\"]}," ITEMS "}", "$.scales.t: no item uses"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"median\","
                    "\"higher_is\":\"better\"}]}",
         "$.scores[0].method: \"sum\", \"mean\" or \"weighted\""},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\"}]}",
         "$.scores[0].higher_is"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"items\":[\"b\"]}]}",
         "$.scores[0].items[0]: no item of that id"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"weights\":{\"a\":2}}]}",
         "$.scores[0].weights: given with"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"weighted\","
                    "\"higher_is\":\"better\",\"weights\":{\"a\":-1}}]}",
         "$.scores[0].weights.a: a number above 0"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"missing\":{\"max\":1}}]}",
         "$.scores[0].missing.max: a whole number from 0 to 0"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"mean\","
                    "\"higher_is\":\"better\",\"missing\":{\"max\":0,\"prorate\":true}}]}",
         "$.scores[0].missing.prorate: a mean"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"cutoffs\":[{\"below\":3,\"label\":\"L\","
                    "\"meaning\":\"M\"}]}]}",
         "$.scores[0].cutoffs[0].below: 3 is outside the score's range 0–1"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"cutoffs\":[{\"below\":1,\"above\":0,"
                    "\"label\":\"L\",\"meaning\":\"M\"}]}]}",
         "$.scores[0].cutoffs[0]: give exactly one"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"cutoffs\":[{\"below\":1,\"label\":\"L\"}]}]}",
         "$.scores[0].cutoffs[0].meaning: must be plain text"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"reliable_change\":{\"sd\":2,\"reliability\":1}}]}",
         "$.scores[0].reliable_change.reliability: a number between 0 and 1"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\",\"reliable_change\":{\"difference\":5}}]}",
         "$.scores[0].reliable_change.difference: a positive number no larger"},
        {HEAD ITEMS ",\"scores\":[{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\"},{\"id\":\"s\",\"label\":\"S\",\"method\":\"sum\","
                    "\"higher_is\":\"better\"}]}",
         "$.scores[1].id: \"s\" is the id of another score"},
        {PRIV "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\",\"n\"]}],\"scores\":[]}",
         "$.scores: a private questionnaire"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (parse(bad[i].json, err) != -1)
            fail_msg("case %zu accepted", i);
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
    }
}

/* a: 0–4; b: 0–4 reversed; c: 0–4; d: values 1, 2, 3. */
static const char scored[] =
    HEAD "\"scales\":{\"four\":[\"0\",\"1\",\"2\",\"3\",\"4\"]},"
         "\"items\":[{\"id\":\"a\",\"text\":\"x\",\"scale\":\"four\"},"
         "{\"id\":\"b\",\"text\":\"x\",\"scale\":\"four\",\"reversed\":true},"
         "{\"id\":\"c\",\"text\":\"x\",\"scale\":\"four\"},"
         "{\"id\":\"d\",\"text\":\"x\",\"choices\":[{\"label\":\"lo\",\"value\":1},"
         "{\"label\":\"mid\",\"value\":2},{\"label\":\"hi\",\"value\":3}],\"danger\":[0]}],"
         "\"scores\":["
         "{\"id\":\"total\",\"label\":\"T\",\"method\":\"sum\",\"higher_is\":\"better\","
         "\"missing\":{\"max\":1,\"prorate\":true},"
         "\"cutoffs\":[{\"below\":8,\"label\":\"low\",\"meaning\":\"m\"},"
         "{\"above\":14,\"label\":\"high\",\"meaning\":\"m\"}],"
         "\"reliable_change\":{\"sd\":4,\"reliability\":0.9}},"
         "{\"id\":\"sub\",\"label\":\"S\",\"items\":[\"a\",\"b\"],\"method\":\"mean\","
         "\"higher_is\":\"worse\",\"reliable_change\":{\"difference\":1}},"
         "{\"id\":\"w\",\"label\":\"W\",\"items\":[\"a\",\"c\"],\"method\":\"weighted\","
         "\"weights\":{\"a\":2},\"higher_is\":\"better\",\"missing\":{\"max\":1}},"
         "{\"id\":\"wp\",\"label\":\"WP\",\"items\":[\"a\",\"c\"],\"method\":\"weighted\","
         "\"weights\":{\"a\":2},\"higher_is\":\"better\",\"missing\":{\"max\":1,\"prorate\":true}}"
         "]}";

static void test_scoring(void **state)
{
    (void)state;
    char err[256] = "";
    if (parse(scored, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(q.n_scores, 4);
    /* ranges: total 0+0+0+1 … 4+4+4+3; w and wp 0 … 2·4 + 4 */
    assert_true(q.scores[0].min == 1 && q.scores[0].max == 15);
    assert_true(q.scores[1].min == 0 && q.scores[1].max == 4);
    assert_true(q.scores[2].max == 12);
    double out[4];

    /* all answered: b=1 reversed is 3; d's third choice is worth 3 */
    int all[4] = {3, 1, 4, 2};
    assert_int_equal(questionnaire_score(&q, all, out), 4);
    assert_true(out[0] == 13); /* 3 + 3 + 4 + 3 */
    assert_true(out[1] == 3);  /* (3 + 3) / 2 */
    assert_true(out[2] == 10); /* 2·3 + 4 */
    assert_true(out[3] == 10);
    assert_false(questionnaire_danger(&q, all));

    /* b unanswered: total prorated 8 × 4/3; the subscale allows none missing */
    int one[4] = {3, -1, 4, 0};
    assert_int_equal(questionnaire_score(&q, one, out), 3);
    assert_true(fabs(out[0] - 32.0 / 3.0) < 1e-12); /* (3 + 4 + 1) · 4 / 3 */
    assert_true(isnan(out[1]));
    assert_true(out[2] == 10);
    assert_true(questionnaire_danger(&q, one)); /* d's first choice */

    /* a and b unanswered: total has two missing (max 1); w counts c alone,
     * wp prorates c up by the weights: 4 · 3 / 1 */
    int two[4] = {-1, -1, 4, 7}; /* 7 is no choice of d: unanswered */
    assert_int_equal(questionnaire_score(&q, two, out), 2);
    assert_true(isnan(out[0]) && isnan(out[1]));
    assert_true(out[2] == 4);
    assert_true(out[3] == 12);
    assert_false(questionnaire_danger(&q, two));

    /* cut-offs: below 8 is the first, above 14 the second; at 8 neither */
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 7.5), 0);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 8), -1);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 14), -1);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], 14.5), 1);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[0], NAN), -1);
    assert_int_equal(questionnaire_past_cutoff(&q.scores[1], 0), -1); /* none defined */

    /* reliable change: 1.96 · √2 · 4 · √0.1 = 3.50615… */
    assert_true(fabs(q.scores[0].reliable_change - 3.50615) < 1e-4);
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], 13, 9), -1); /* −4 */
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], 13, 10), 0); /* −3 */
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], 9, 13), 1);  /* +4 */
    assert_int_equal(questionnaire_reliable_change(&q.scores[0], NAN, 13), 0);
    /* higher is worse on sub: a rise of 1 (the threshold itself) is a worsening */
    assert_int_equal(questionnaire_reliable_change(&q.scores[1], 2, 3), -1);
    assert_int_equal(questionnaire_reliable_change(&q.scores[1], 3, 2), 1);
    assert_int_equal(questionnaire_reliable_change(&q.scores[1], 2, 2.5), 0);
    assert_int_equal(questionnaire_reliable_change(&q.scores[2], 0, 12), 0); /* none defined */
}

static void test_normal_form(void **state)
{
    (void)state;
    char err[256];
    json_t *n = NULL;
    assert_int_equal(questionnaire_parse(scored, strlen(scored), &q, &n, err, sizeof err), 0);
    json_t *b = json_array_get(json_object_get(n, "items"), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "choices"), 4)), "4");
    assert_true(json_is_true(json_object_get(b, "reversed")));
    json_t *d = json_array_get(json_object_get(n, "items"), 3);
    assert_true(json_real_value(json_array_get(json_object_get(d, "values"), 2)) == 3.0);
    json_t *s = json_array_get(json_object_get(n, "scores"), 0);
    assert_true(json_real_value(json_array_get(json_object_get(s, "range"), 1)) == 15.0);
    assert_string_equal(json_string_value(json_object_get(n, "answered_by")), "each_member");
    json_decref(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_scoring), cmocka_unit_test(test_normal_form)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
