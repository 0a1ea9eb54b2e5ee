/*
 * test_research.c — the research exports: the three CSV layouts for a
 * generated set of dyads against golden files (tests/unit/golden/research-*)
 * byte for byte, the codebooks too; and, whatever the golden files say,
 * that a row per person per day (long), the other member's values beside
 * (pairwise) and one row per dyad per day (dyadwide) agree with each other
 * and with the input, that a missing value is NA, and that a day neither
 * member has anything on is left out.
 *
 * The same golden files are what tests/r/apim.R reads and fits an
 * actor-partner model to. Regenerate with DYAD_UPDATE_GOLDEN=1 from the
 * repository root, then review the diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/research.h"

#define GOLDEN_DIR "tests/unit/golden/"
enum { DYADS = 3, DAYS = 21 };

static struct research_day days[DYADS][2][DAYS];
static struct research_dyad dyads[DYADS];

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static int clamp10(int v)
{
    return v < 0 ? 0 : v > 10 ? 10 : v;
}

/* Closeness follows one's own feeling understood (actor) and the other's
 * (partner), plus noise; some days missing, some items left out. */
static void generate(void)
{
    uint32_t s = 20261203u;
    for (int d = 0; d < DYADS; d++) {
        snprintf(dyads[d].id, RESEARCH_ID_MAX, "d%02d", (d + 1) % 100);
        for (int m = 0; m < 2; m++)
            snprintf(dyads[d].person[m], RESEARCH_ID_MAX, "d%02dp%d", (d + 1) % 100, m + 1);
        dyads[d].n_days = DAYS;
        dyads[d].days[0] = days[d][0];
        dyads[d].days[1] = days[d][1];
        for (int t = 0; t < DAYS; t++) {
            int u[2];
            for (int m = 0; m < 2; m++)
                u[m] = 2 + (int)(lcg(&s) % 8) + d / 2;
            for (int m = 0; m < 2; m++) {
                struct research_day *x = &days[d][m][t];
                for (int k = 0; k < RESEARCH_VARS; k++)
                    x->v[k] = -1;
                if (t == 9 || (t + m + d) % 7 == 3)
                    continue; /* no check-in that day (day 9: neither) */
                int noise = (int)(lcg(&s) % 3) - 1;
                x->v[3] = clamp10(u[m]);
                x->v[0] = clamp10(1 + (6 * u[m] + 3 * u[1 - m]) / 10 + noise);
                x->v[1] = clamp10(x->v[0] + (int)(lcg(&s) % 3));
                x->v[2] = (t + m) % 5 == 0 ? -1 : clamp10(u[m] - 1 + noise);
                x->v[4] = clamp10(5 + d + noise);
                x->v[5] = clamp10(3 + (int)(lcg(&s) % 6));
                x->v[6] = (int)(lcg(&s) % 2);
                x->v[7] = (int)(lcg(&s) % 3);
            }
        }
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    return strdup(buf);
}

static void golden(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    const char *update = getenv("DYAD_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
        return;
    }
    char *want = read_file(path);
    if (!want)
        fail_msg("cannot read %s (run from the repository root)", path);
    if (strcmp(want, text) != 0) {
        size_t i = 0;
        while (want[i] && want[i] == text[i])
            i++;
        fail_msg("%s differs at byte %zu:\n golden: %.60s\n    got: %.60s", path, i, want + i,
                 text + i);
    }
    free(want);
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The line that starts with prefix, copied into out. */
static bool line_of(const char *csv, const char *prefix, char *out, size_t cap)
{
    size_t pl = strlen(prefix);
    for (const char *p = csv; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= pl && strncmp(p, prefix, pl) == 0 && len < cap) {
            memcpy(out, p, len);
            out[len] = '\0';
            return true;
        }
        p += len + (nl != NULL);
    }
    return false;
}

static void test_golden(void **state)
{
    (void)state;
    generate();
    for (int l = 0; l < RESEARCH_LAYOUT__MAX; l++) {
        char name[64];
        char *csv = research_csv(l, dyads, DYADS);
        assert_non_null(csv);
        snprintf(name, sizeof name, "research-%s.csv", research_layout_name(l));
        golden(name, csv);
        free(csv);
        char *book = research_codebook(l);
        assert_non_null(book);
        snprintf(name, sizeof name, "research-%s-codebook.csv", research_layout_name(l));
        golden(name, book);
        free(book);
    }
}

static void test_layouts_agree(void **state)
{
    (void)state;
    generate();
    char *lg = research_csv(RESEARCH_LONG, dyads, DYADS);
    char *pw = research_csv(RESEARCH_PAIRWISE, dyads, DYADS);
    char *dw = research_csv(RESEARCH_DYADWIDE, dyads, DYADS);
    /* day 9 has nothing from either member: left out; every other day is
     * there, twice in long and pairwise, once in dyadwide */
    assert_int_equal(lines(lg), 1 + DYADS * (DAYS - 1) * 2);
    assert_int_equal(lines(pw), 1 + DYADS * (DAYS - 1) * 2);
    assert_int_equal(lines(dw), 1 + DYADS * (DAYS - 1));
    assert_false(strstr(lg, "d01,d01p1,1,9,") != NULL);
    assert_true(strncmp(pw, "dyad,person,member,day,closeness,", 33) == 0);
    assert_non_null(strstr(pw, ",shares,closeness_p,"));
    assert_non_null(strstr(dw, "dyad,day,closeness_1,"));
    assert_non_null(strstr(dw, ",shares_1,closeness_2,"));
    /* one day checked by hand: d02, day 4 */
    const struct research_day *a = &days[1][0][4], *b = &days[1][1][4];
    char want_a[128] = "", want_b[128] = "", got[512];
    for (int k = 0; k < RESEARCH_VARS; k++) {
        char v[8];
        snprintf(v, sizeof v, a->v[k] < 0 ? ",NA" : ",%d", a->v[k]);
        strcat(want_a, v);
        snprintf(v, sizeof v, b->v[k] < 0 ? ",NA" : ",%d", b->v[k]);
        strcat(want_b, v);
    }
    char row[400];
    snprintf(row, sizeof row, "d02,d02p1,1,4%s", want_a);
    assert_true(line_of(lg, "d02,d02p1,1,4,", got, sizeof got));
    assert_string_equal(got, row);
    snprintf(row, sizeof row, "d02,d02p2,2,4%s%s", want_b, want_a);
    assert_true(line_of(pw, "d02,d02p2,2,4,", got, sizeof got));
    assert_string_equal(got, row);
    snprintf(row, sizeof row, "d02,4%s%s", want_a, want_b);
    assert_true(line_of(dw, "d02,4,", got, sizeof got));
    assert_string_equal(got, row);
    /* a member without a check-in on a day the other has one: all NA */
    const struct research_day *none = &days[0][0][3]; /* (3 + 0 + 0) % 7 == 3 */
    assert_int_equal(none->v[0], -1);
    assert_true(line_of(lg, "d01,d01p1,1,3,", got, sizeof got));
    assert_string_equal(got, "d01,d01p1,1,3,NA,NA,NA,NA,NA,NA,NA,NA");
    free(lg);
    free(pw);
    free(dw);
    assert_null(research_csv(RESEARCH_LAYOUT__MAX, dyads, DYADS));
    assert_int_equal(research_layout_from_name("pairwise"), RESEARCH_PAIRWISE);
    assert_int_equal(research_layout_from_name("wide"), -1);
    assert_int_equal(research_layout_from_name(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden),
                                       cmocka_unit_test(test_layouts_agree)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
