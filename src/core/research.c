/*
 * research.c — see research.h.
 */
#include "core/research.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const research_vars[RESEARCH_VARS] = {
    "closeness", "closeness_wanted", "opened_up", "understood",
    "safety",    "affection",        "wordless",  "shares",
};

static const char *const var_meaning[RESEARCH_VARS][2] = {
    {"integer 0-10", "How close the person felt to the other that day (check-in)"},
    {"integer 0-10", "How close the person wanted to feel that day (check-in)"},
    {"integer 0-10", "How much the person opened up that day (check-in)"},
    {"integer 0-10", "How understood the person felt that day (check-in)"},
    {"integer 0-10", "How safe the person felt to be open that day (check-in)"},
    {"integer 0-10", "Affection that day (check-in)"},
    {"0 or 1", "A wordless moment of closeness that day (check-in)"},
    {"integer >= 0", "Shares the person wrote that day (their number; never their words)"},
};

static const char *const layout_names[RESEARCH_LAYOUT__MAX] = {"long", "pairwise", "dyadwide"};

const char *research_layout_name(enum research_layout l)
{
    return (unsigned)l < RESEARCH_LAYOUT__MAX ? layout_names[l] : NULL;
}

int research_layout_from_name(const char *s)
{
    for (int l = 0; s != NULL && l < RESEARCH_LAYOUT__MAX; l++)
        if (strcmp(s, layout_names[l]) == 0)
            return l;
    return -1;
}

struct buf {
    char *data;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n =
            vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->data != NULL && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
}

static char *done(struct buf *b)
{
    if (b->failed || b->data == NULL) {
        free(b->data);
        return NULL;
    }
    return b->data;
}

static void values(struct buf *b, const struct research_day *d)
{
    for (int k = 0; k < RESEARCH_VARS; k++) {
        if (d == NULL || d->v[k] < 0)
            put(b, ",NA");
        else
            put(b, ",%d", d->v[k]);
    }
}

static bool any(const struct research_day *d)
{
    for (int k = 0; k < RESEARCH_VARS; k++)
        if (d->v[k] >= 0)
            return true;
    return false;
}

static void header(struct buf *b, enum research_layout l)
{
    if (l == RESEARCH_DYADWIDE) {
        put(b, "dyad,day");
        for (int m = 1; m <= 2; m++)
            for (int k = 0; k < RESEARCH_VARS; k++)
                put(b, ",%s_%d", research_vars[k], m);
    } else {
        put(b, "dyad,person,member,day");
        for (int k = 0; k < RESEARCH_VARS; k++)
            put(b, ",%s", research_vars[k]);
        if (l == RESEARCH_PAIRWISE)
            for (int k = 0; k < RESEARCH_VARS; k++)
                put(b, ",%s_p", research_vars[k]);
    }
    put(b, "\n");
}

char *research_csv(enum research_layout l, const struct research_dyad *dyads, size_t n)
{
    if ((unsigned)l >= RESEARCH_LAYOUT__MAX)
        return NULL;
    struct buf b = {NULL, 0, 0, false};
    header(&b, l);
    for (size_t i = 0; i < n; i++) {
        const struct research_dyad *d = &dyads[i];
        for (int day = 0; day < d->n_days; day++) {
            const struct research_day *x[2] = {&d->days[0][day], &d->days[1][day]};
            if (!any(x[0]) && !any(x[1]))
                continue;
            if (l == RESEARCH_DYADWIDE) {
                put(&b, "%s,%d", d->id, day);
                values(&b, x[0]);
                values(&b, x[1]);
                put(&b, "\n");
                continue;
            }
            for (int m = 0; m < 2; m++) {
                put(&b, "%s,%s,%d,%d", d->id, d->person[m], m + 1, day);
                values(&b, x[m]);
                if (l == RESEARCH_PAIRWISE)
                    values(&b, x[1 - m]);
                put(&b, "\n");
            }
        }
    }
    return done(&b);
}

char *research_codebook(enum research_layout l)
{
    if ((unsigned)l >= RESEARCH_LAYOUT__MAX)
        return NULL;
    struct buf b = {NULL, 0, 0, false};
    put(&b, "variable,type,meaning\n");
    put(&b, "dyad,text,\"A pseudonymous id of the dyad, stable across exports from this server; "
            "not its id in dyad\"\n");
    if (l != RESEARCH_DYADWIDE) {
        put(&b, "person,text,\"A pseudonymous id of the person\"\n");
        put(&b, "member,1 or 2,\"Which member of the dyad the row is about (1 joined first)\"\n");
    }
    put(&b, "day,integer >= 0,\"Days since the dyad's first day in this export\"\n");
    const char *suffix[3] = {"", "_p", NULL};
    const char *whose[3] = {"", " -- the other member's value on the same day", NULL};
    if (l == RESEARCH_DYADWIDE) {
        suffix[0] = "_1";
        suffix[1] = "_2";
        whose[0] = " -- member 1";
        whose[1] = " -- member 2";
    } else if (l == RESEARCH_LONG)
        suffix[1] = NULL;
    for (int s = 0; s < 2 && suffix[s] != NULL; s++)
        for (int k = 0; k < RESEARCH_VARS; k++)
            put(&b, "%s%s,%s,\"%s%s\"\n", research_vars[k], suffix[s], var_meaning[k][0],
                var_meaning[k][1], whose[s]);
    put(&b, "NA,,\"Missing: no check-in that day, the item left out, or an item the member hid "
            "from the other and did not include in their research consent\"\n");
    return done(&b);
}
