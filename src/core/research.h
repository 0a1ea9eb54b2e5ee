/*
 * research.h — research exports: check-in scores and share counts of
 * consenting dyads as CSV in the three layouts dyadic researchers use, with
 * a codebook. Never a word (words are ciphertext anyway); pseudonymous ids
 * and days counted from each dyad's first exported day.
 *
 *   long       one row per person per day
 *   pairwise   one row per person per day, the other member's values beside
 *              as *_p columns (for actor-partner models)
 *   dyadwide   one row per dyad per day, *_1 and *_2 columns
 *
 * Pure: the caller has already left out what may not be exported (items a
 * member hid from the other, unless their research consent includes them).
 */
#ifndef DYAD_RESEARCH_H
#define DYAD_RESEARCH_H

#include <stdbool.h>
#include <stddef.h>

enum {
    RESEARCH_VARS = 8, /* closeness … affection, wordless, shares */
    RESEARCH_ID_MAX = 24,
};

enum research_layout { RESEARCH_LONG, RESEARCH_PAIRWISE, RESEARCH_DYADWIDE, RESEARCH_LAYOUT__MAX };

/* One member's day: each variable's value, or -1 when missing. */
struct research_day {
    int v[RESEARCH_VARS];
};

struct research_dyad {
    char id[RESEARCH_ID_MAX];           /* pseudonymous */
    char person[2][RESEARCH_ID_MAX];    /* pseudonymous */
    int n_days;                         /* days 0 … n_days-1 */
    const struct research_day *days[2]; /* n_days each */
};

/* The variable names, in column order. */
extern const char *const research_vars[RESEARCH_VARS];

/* The layout's name ("long", "pairwise", "dyadwide"), and back (-1). */
const char *research_layout_name(enum research_layout l);
int research_layout_from_name(const char *s);

/* The CSV for n dyads in layout l: a header, then rows (days on which
 * neither member has any value are left out). NA marks a missing value.
 * A string to free, or NULL when memory ran out. */
char *research_csv(enum research_layout l, const struct research_dyad *dyads, size_t n);

/* The codebook of layout l as CSV: variable, type, range, meaning. A
 * string to free, or NULL. */
char *research_codebook(enum research_layout l);

#endif
