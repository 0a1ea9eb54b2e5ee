/*
 * test_questionnaire.c — the private check-in definitions: the shipped one
 * passes, and each kind of malformed definition is refused with a message
 * naming the problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/questionnaire.h"

static int check(const char *json, char *err)
{
    char id[QUESTIONNAIRE_ID_MAX];
    return questionnaire_check(json, strlen(json), id, sizeof id, err, 256);
}

static void test_shipped(void **state)
{
    (void)state;
    FILE *f = fopen("data/questionnaire-safety.json", "rb");
    assert_non_null(f);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char id[QUESTIONNAIRE_ID_MAX], err[256];
    assert_int_equal(questionnaire_check(buf, n, id, sizeof id, err, sizeof err), 0);
    assert_string_equal(id, "safety-check-1");
}

#define HEAD "{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"items\":["

static void test_refusals(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(
        check(HEAD "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\",\"n\"],\"danger\":[1]}]}", err),
        0);
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"[1]", "not an object"},
        {"{\"id\":\"q1\"", "line"},
        {HEAD "]}", "items"},
        {"{\"id\":\"Q 1\",\"title\":\"T\",\"intro\":\"I\",\"items\":[]}", "id must be"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\"]}]}", "2–11 choices"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"choices\":[\"y\",\"n\"],\"danger\":[2]}]}",
         "danger index"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\"}]}", "either choices"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"choices\":[\"y\",\"n\"]}]}",
         "either choices"},
        {HEAD "{\"id\":\"a\",\"text\":\"\",\"free_text\":true}]}", "text must be"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true},{\"id\":\"a\",\"text\":\"y\","
              "\"free_text\":true}]}",
         "twice"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"score\":1}]}", "unknown key"},
        {"{\"id\":\"q1\",\"title\":\"T\",\"intro\":\"I\",\"items\":[],\"extra\":1}", "unknown key"},
        {HEAD "{\"id\":\"a\",\"text\":\"x\",\"free_text\":true,\"danger\":[0]}]}", "no danger"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(check(bad[i].json, err), -1);
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shipped),
                                       cmocka_unit_test(test_refusals)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
