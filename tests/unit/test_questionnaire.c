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
    /* "glad_we_met" (0–5) unanswered: the answered items sit at 4/6, 4/5
     * and 4/5 of their ranges, mean position (2/3 + 4/5 + 4/5) / 3 = 34/45;
     * glad_we_met counts as 34/45 · 5 = 34/9, the total 12 + 34/9 = 142/9
     * (15.78; the old rule, 12 · 4 / 3 = 16, ignored the ranges) */
    assert_int_equal(questionnaire_score(&q, ex_missing, out), 1);
    assert_true(fabs(out[0] - 142.0 / 9.0) < 1e-12);
    /* "days_good" (0–6) unanswered after 3, 4, 1 (reversed: 4): positions
     * 3/5, 4/5, 4/5, mean 11/15; days_good counts as 6 · 11/15 = 4.4 */
    int ex_first[4] = {-1, 3, 4, 1};
    assert_int_equal(questionnaire_score(&q, ex_first, out), 1);
    assert_true(fabs(out[0] - 15.4) < 1e-12);
    /* every answer at the top, glad_we_met skipped: 6 + 5 + 5 + 5 = 21, the
     * top of the range (the old rule gave 16 · 4 / 3 = 21.33, past it) */
    int ex_top[4] = {6, -1, 5, 0};
    assert_int_equal(questionnaire_score(&q, ex_top, out), 1);
    assert_true(out[0] == 21);
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

    /* b unanswered; the subscale allows none missing. The total imputes b
     * at the answered items' mean position within their own ranges: a = 3
     * is 3/4 of 0–4, c = 4 is 4/4, d = 1 is (1 − 1)/(3 − 1) = 0 of 1–3;
     * mean (3/4 + 1 + 0) / 3 = 7/12, so b counts as 7/12 · 4 = 7/3 and the
     * total is 3 + 7/3 + 4 + 1 = 31/3. (Prorating by count, (3 + 4 + 1) ·
     * 4 / 3 = 32/3, treated d's 1, its lowest answer, as a third of 0–4.) */
    int one[4] = {3, -1, 4, 0};
    assert_int_equal(questionnaire_score(&q, one, out), 3);
    assert_true(fabs(out[0] - 31.0 / 3.0) < 1e-12);
    assert_true(isnan(out[1]));
    assert_true(out[2] == 10);
    assert_true(questionnaire_danger(&q, one)); /* d's first choice */

    /* a and b unanswered: total has two missing (max 1); w counts c alone
     * (a, not prorated, adds 0), wp imputes a at c's position, the top of
     * 0–4: 2 · 4 + 4 */
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

/* A definition of n items a, b, c … on the given choice lists (JSON), item
 * i reversed when bit i of reversed is set, and one score; parsed into q or
 * the test fails. */
static void parse_mixed(const char *const *choices, int n, unsigned reversed, const char *score)
{
    static char json[4096];
    int len = snprintf(json, sizeof json, "%s\"items\":[", HEAD);
    for (int i = 0; i < n; i++)
        len += snprintf(json + len, sizeof json - (size_t)len,
                        "%s{\"id\":\"%c\",\"text\":\"x\",\"choices\":%s,\"reversed\":%s}",
                        i ? "," : "", 'a' + i, choices[i], (reversed >> i) & 1 ? "true" : "false");
    snprintf(json + len, sizeof json - (size_t)len, "],\"scores\":[%s]}", score);
    char err[256] = "";
    if (parse(json, err) != 0)
        fail_msg("%s: %s", json, err);
}

#define V(x)       "{\"label\":\"" #x "\",\"value\":" #x "}"
#define ZERO_ONE   "[" V(0) "," V(1) "]"
#define ZERO_NINE  "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]"
#define FOUR_NINE  "[" V(4) "," V(5) "," V(6) "," V(7) "," V(8) "," V(9) "]"
#define THREE_FIVE "[" V(3) "," V(4) "," V(5) "]"
#define ZERO_FOUR  "[\"0\",\"1\",\"2\",\"3\",\"4\"]"
#define ONE_THREE  "[" V(1) "," V(2) "," V(3) "]"
#define NEG        "[" V(-5) "," V(-3) "," V(-1) "]"
#define SCORE(method, extra)                                                                       \
    "{\"id\":\"s\",\"label\":\"S\",\"method\":\"" method "\",\"higher_is\":\"better\"" extra "}"

/* The cases that left the range under the old rules, hand-computed. */
static void test_mixed_ranges(void **state)
{
    (void)state;
    double out[1];
    /* a prorated sum of 0–1 and 0–9, range 0–10: b = 9 with a skipped
     * was 9 · 2 / 1 = 18. b sits at 9/9 of its range, so a counts as the
     * top of 0–1: 1 + 9 = 10. b = 3 (3/9 = 1/3): a counts 1/3, 10/3. */
    parse_mixed((const char *const[]){ZERO_ONE, ZERO_NINE}, 2, 0,
                SCORE("sum", ",\"missing\":{\"max\":1,\"prorate\":true}"));
    assert_true(q.scores[0].min == 0 && q.scores[0].max == 10);
    assert_int_equal(questionnaire_score(&q, (int[]){-1, 9}, out), 1);
    assert_true(out[0] == 10);
    assert_int_equal(questionnaire_score(&q, (int[]){-1, 3}, out), 1);
    assert_true(fabs(out[0] - 10.0 / 3.0) < 1e-12);
    /* and the other way: a = 1 (the top of 0–1) with b skipped: b counts
     * 9, 10 (it was 1 · 2 = 2, a fifth of what a full answer says) */
    assert_int_equal(questionnaire_score(&q, (int[]){1, -1}, out), 1);
    assert_true(out[0] == 10);

    /* the fuzzer's find: a prorated sum of a 4–9 item and two 3–5 items,
     * range 10–19. a = 9, b skipped, c = 5 was 14 · 3 / 2 = 21; a and c
     * are at the top of their ranges, so b counts 5: 9 + 5 + 5 = 19.
     * a = 4, c = 4: positions 0 and 1/2, mean 1/4, b counts 3 + 2/4 =
     * 3.5: 4 + 3.5 + 4 = 11.5 (was 8 · 3 / 2 = 12). */
    parse_mixed((const char *const[]){FOUR_NINE, THREE_FIVE, THREE_FIVE}, 3, 0,
                SCORE("sum", ",\"missing\":{\"max\":1,\"prorate\":true}"));
    assert_true(q.scores[0].min == 10 && q.scores[0].max == 19);
    assert_int_equal(questionnaire_score(&q, (int[]){5, -1, 2}, out), 1);
    assert_true(out[0] == 19);
    assert_int_equal(questionnaire_score(&q, (int[]){0, -1, 1}, out), 1);
    assert_true(fabs(out[0] - 11.5) < 1e-12);
    /* two skipped (max 1): not computed */
    assert_int_equal(questionnaire_score(&q, (int[]){5, -1, -1}, out), 0);
    assert_true(isnan(out[0]));

    /* a mean of 0–4 and 1–3, range 0.5–3.5: a = 4 with b skipped was the
     * mean of a alone, 4; b counts the top of 1–3: (4 + 3) / 2 = 3.5.
     * a = 1 (1/4): b counts 1 + 2/4 = 1.5, mean 1.25. */
    parse_mixed((const char *const[]){ZERO_FOUR, ONE_THREE}, 2, 0,
                SCORE("mean", ",\"missing\":{\"max\":1}"));
    assert_true(q.scores[0].min == 0.5 && q.scores[0].max == 3.5);
    assert_int_equal(questionnaire_score(&q, (int[]){4, -1}, out), 1);
    assert_true(out[0] == 3.5);
    assert_int_equal(questionnaire_score(&q, (int[]){1, -1}, out), 1);
    assert_true(out[0] == 1.25);
    /* b = 1 (its lowest) with a skipped: a counts 0, mean 0.5 (was 1) */
    assert_int_equal(questionnaire_score(&q, (int[]){-1, 0}, out), 1);
    assert_true(out[0] == 0.5);

    /* an unprorated sum of 0–4 and 1–3, range 1–7: a = 0 with b skipped
     * was 0; b, not prorated, counts the value of 1–3 nearest 0, 1: 0 + 1.
     * A skipped 0–4 item still counts 0: b = 2 with a skipped is 2. */
    parse_mixed((const char *const[]){ZERO_FOUR, ONE_THREE}, 2, 0,
                SCORE("sum", ",\"missing\":{\"max\":1}"));
    assert_true(q.scores[0].min == 1 && q.scores[0].max == 7);
    assert_int_equal(questionnaire_score(&q, (int[]){0, -1}, out), 1);
    assert_true(out[0] == 1);
    assert_int_equal(questionnaire_score(&q, (int[]){-1, 1}, out), 1);
    assert_true(out[0] == 2);
    /* on −5, −3, −1 the value nearest 0 is −1: a = 4 with b skipped, 3 */
    parse_mixed((const char *const[]){ZERO_FOUR, NEG}, 2, 0,
                SCORE("sum", ",\"missing\":{\"max\":1}"));
    assert_true(q.scores[0].min == -5 && q.scores[0].max == 3);
    assert_int_equal(questionnaire_score(&q, (int[]){4, -1}, out), 1);
    assert_true(out[0] == 3);
}

/* Every hand-built definition over every answer pattern: a score is NAN or
 * lies within its stated range, exactly (no tolerance). Scales of different
 * ranges (excluding 0, negative, fractional, unordered, wide), reversed or
 * not, each method, prorated or not, weights, any number missing. */
static void test_range_invariant(void **state)
{
    (void)state;
    static const char *const scales[] = {
        ZERO_ONE,
        ZERO_NINE,
        FOUR_NINE,
        THREE_FIVE,
        ONE_THREE,
        NEG,
        "[" V(0.7) "," V(0.1) "," V(0.35) "]",
        "[" V(-1000) "," V(1000) "]",
    };
    static const struct {
        const char *method, *weights;
        bool missing, prorate;
    } kinds[] = {
        {"sum", "", false, false},
        {"sum", "", true, false},
        {"sum", "", true, true},
        {"mean", "", true, false},
        {"weighted", ",\"weights\":{\"a\":2.5,\"b\":0.3}", true, false},
        {"weighted", ",\"weights\":{\"a\":100,\"c\":0.7}", true, true},
    };
    enum { N_SCALES = sizeof scales / sizeof scales[0] };
    long checked = 0, computed = 0;
    for (int x = 0; x < N_SCALES; x++)
        for (int y = 0; y < N_SCALES; y++)
            for (int z = 0; z < N_SCALES; z += 3)
                for (size_t kind = 0; kind < sizeof kinds / sizeof kinds[0]; kind++)
                    for (int rev = 0; rev < 2; rev++) {
                        const char *ch[3] = {scales[x], scales[y], scales[z]};
                        char missing[64] = "", score[512];
                        if (kinds[kind].missing) /* one or two of the three may be missing */
                            snprintf(missing, sizeof missing, ",\"missing\":{\"max\":%d%s}",
                                     1 + (x + y) % 2,
                                     kinds[kind].prorate ? ",\"prorate\":true" : "");
                        snprintf(score, sizeof score,
                                 "{\"id\":\"s\",\"label\":\"S\",\"method\":\"%s\","
                                 "\"higher_is\":\"better\"%s%s}",
                                 kinds[kind].method, kinds[kind].weights, missing);
                        parse_mixed(ch, 3, rev ? 2u : 4u, score); /* b or c reversed */
                        const struct q_score *s = &q.scores[0];
                        int n0 = q.items[0].n_choices, n1 = q.items[1].n_choices,
                            n2 = q.items[2].n_choices;
                        for (int a = -1; a <= n0; a++)
                            for (int b = -1; b <= n1; b++)
                                for (int c = -1; c <= n2; c++) {
                                    double out[1];
                                    computed += questionnaire_score(&q, (int[]){a, b, c}, out);
                                    checked++;
                                    if (!isnan(out[0]) && (out[0] < s->min || out[0] > s->max))
                                        fail_msg("%s %s %s %s, answers %d %d %d: %.17g "
                                                 "outside %g–%g",
                                                 ch[0], ch[1], ch[2], score, a, b, c, out[0],
                                                 s->min, s->max);
                                }
                    }
    /* the grid is big enough to mean something, and most of it scored */
    printf("range invariant: %ld answer patterns, %ld scores computed\n", checked, computed);
    assert_true(checked > 100000);
    assert_true(computed > checked / 4);
}

/* The classic rule, for scores whose items share one scale: a mean over
 * the answered items; a prorated sum scaled up by Σ w(all) / Σ w(answered);
 * an unprorated sum of what was answered. */
static double classic(const struct q_score *s, const int *answers)
{
    double total = 0, wanswered = 0, wall = 0;
    int missing = 0;
    for (int i = 0; i < s->n_items; i++) {
        const struct q_item *it = &q.items[s->items[i]];
        int a = answers[s->items[i]];
        wall += s->weights[i];
        if (a < 0 || a >= it->n_choices) {
            missing++;
            continue;
        }
        double v = it->reversed ? it->vmin + it->vmax - it->values[a] : it->values[a];
        total += s->weights[i] * v;
        wanswered += s->weights[i];
    }
    if (missing > s->max_missing)
        return NAN;
    return s->method == Q_MEAN ? total / wanswered : s->prorate ? total * wall / wanswered : total;
}

/* Every score of the shipped questionnaires uses one 0–4 scale: for them
 * imputing at the mean position is the classic rule, so every answer
 * pattern (each item answered 0–4 or skipped) scores as it always did. */
static void test_one_scale_unchanged(void **state)
{
    (void)state;
    static const char *const files[] = {"data/questionnaire-weekly.json",
                                        "data/questionnaire-session.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char err[256] = "";
        assert_int_equal(parse_file(files[f], err), 0);
        int n = q.n_items, answers[QUESTIONNAIRE_ITEMS_MAX];
        long patterns = 1, differ = 0;
        for (int i = 0; i < n; i++)
            patterns *= 6;
        for (long p = 0; p < patterns; p++) {
            long r = p;
            for (int i = 0; i < n; i++, r /= 6)
                answers[i] = (int)(r % 6) - 1;
            double out[QUESTIONNAIRE_SCORES_MAX];
            questionnaire_score(&q, answers, out);
            for (int k = 0; k < q.n_scores; k++) {
                double want = classic(&q.scores[k], answers);
                if (isnan(want) != isnan(out[k]) || (!isnan(want) && fabs(want - out[k]) > 1e-12))
                    fail_msg("%s pattern %ld score %d: %.17g, classically %.17g", files[f], p, k,
                             out[k], want);
                /* as shown (to 0.01), identical */
                differ += !isnan(want) && round(want * 100) != round(out[k] * 100);
            }
        }
        assert_int_equal(differ, 0);
    }
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
        cmocka_unit_test(test_shipped),         cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_scoring),         cmocka_unit_test(test_mixed_ranges),
        cmocka_unit_test(test_range_invariant), cmocka_unit_test(test_one_scale_unchanged),
        cmocka_unit_test(test_normal_form)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
