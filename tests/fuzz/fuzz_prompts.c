/*
 * fuzz_prompts.c — the strict loader of the prompt library (data/prompts.json,
 * or an operator's file through DYAD_PROMPTS) in its two steps:
 * prompts_parse (every rule but coverage) and prompts_check_coverage, and
 * prompts_load, which is the one then the other.
 *
 * Input: the bytes of a library file. Every library that meets the coverage
 * rule is tens of kilobytes, so whole libraries fuzz at a few hundred inputs
 * a second; through prompts_parse a library of one or two prompts is
 * "loaded" too, and the per-entry rules, the index and the filter are fuzzed
 * from inputs of a few hundred bytes. `make fuzz-long` caps this target's
 * inputs at 2 KiB (tests/fuzz/fuzz_prompts.options); the checked-in
 * corpus, the shipped library included, is replayed whole by
 * `make fuzz-replay`.
 *
 * Checks:
 *   - a parsed library keeps every promise of prompts.h: ids of 1-48 bytes
 *     of [a-z0-9-] not starting with '-', unique and found by prompts_find;
 *     known topics, depths 1-5, a non-empty set of known kinds (only couple
 *     for desire); texts of 1-400 bytes, not blank, valid text without
 *     controls; the opt-out phrase at depth 4-5; a "for" role only on
 *     family-only prompts;
 *   - a library that passes prompts_check_coverage meets the coverage rule,
 *     counted with prompts_filter, and is not empty;
 *   - prompts_filter counts like a plain loop and fills at most max, in
 *     library order;
 *   - a refusal (of either step) leaves a non-empty message that fits err;
 *     a refused parse leaves *lib zeroed;
 *   - for inputs up to 8 KiB: prompts_load gives the same verdict and the
 *     same message as the two steps, with *lib zeroed when it refuses, and
 *     the same verdict with a tiny err and with none;
 *   - prompts_free is safe twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prompts.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void violated(const char *what, size_t i)
{
    fprintf(stderr, "fuzz_prompts: %s (entry %zu)\n", what, i);
    abort();
}

static bool id_valid(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= PROMPTS_ID_MAX && id[0] != '-' &&
           strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static size_t count_loop(const struct prompt_library *lib, int kind, int topic, int depth)
{
    size_t n = 0;
    for (size_t i = 0; i < lib->count; i++) {
        const struct prompt *p = &lib->items[i];
        n += (kind == PROMPTS_KIND_ANY || prompts_has_kind(p, kind)) &&
             (topic == PROMPTS_TOPIC_ANY || (int)p->topic == topic) &&
             (depth == PROMPTS_DEPTH_ANY || p->depth == depth);
    }
    return n;
}

static void check_filter(const struct prompt_library *lib, int kind, int topic, int depth)
{
    size_t want = count_loop(lib, kind, topic, depth);
    if (prompts_filter(lib, kind, topic, depth, NULL, 0) != want)
        violated("prompts_filter counts otherwise than a plain loop", 0);
    const struct prompt *out[8];
    const struct prompt *guard = (const struct prompt *)&out; /* a value never stored */
    for (size_t i = 0; i < 8; i++)
        out[i] = guard;
    size_t max = 5;
    if (prompts_filter(lib, kind, topic, depth, out, max) != want)
        violated("prompts_filter with a buffer counts otherwise", 0);
    for (size_t i = max; i < 8; i++)
        if (out[i] != guard)
            violated("prompts_filter wrote past max", i);
    const struct prompt *prev = NULL;
    for (size_t i = 0; i < (want < max ? want : max); i++) {
        if (out[i] < lib->items || out[i] >= lib->items + lib->count || out[i] <= prev)
            violated("prompts_filter gave an entry not in library order", i);
        prev = out[i];
    }
}

static void check_parsed(const struct prompt_library *lib)
{
    if (lib->version != 1 || lib->items == NULL || lib->by_id == NULL)
        violated("a parsed library without version, items or index", 0);
    for (size_t i = 0; i < lib->count; i++) {
        const struct prompt *p = &lib->items[i];
        if (!id_valid(p->id))
            violated("a loaded id breaks the id rule", i);
        if ((int)p->topic < 0 || p->topic >= PROMPTS_TOPIC__MAX)
            violated("a topic out of range", i);
        if (p->depth < PROMPTS_DEPTH_MIN || p->depth > PROMPTS_DEPTH_MAX)
            violated("a depth out of range", i);
        if (p->kinds == 0 || (p->kinds >> PROMPTS_KIND__MAX) != 0)
            violated("an empty or unknown set of kinds", i);
        for (int k = 0; k < PROMPTS_KIND__MAX; k++)
            if (prompts_has_kind(p, k) && !prompts_topic_allows_kind((int)p->topic, k))
                violated("a kind the topic does not allow", i);
        if (p->text == NULL)
            violated("no text", i);
        size_t tl = strlen(p->text);
        if (tl == 0 || tl > PROMPTS_TEXT_MAX || strspn(p->text, " ") == tl ||
            validate_text(p->text, tl, false) != 0)
            violated("a text that is empty, blank, too long or holds a control", i);
        if ((int)p->for_role < PROMPTS_ROLE_NONE || p->for_role >= PROMPTS_ROLE__MAX)
            violated("a role out of range", i);
        if (p->for_role != PROMPTS_ROLE_NONE && p->kinds != PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY))
            violated("a \"for\" on a prompt that is not for family only", i);
        if (p->depth >= 4 && strstr(p->text, PROMPTS_OPT_OUT) == NULL)
            violated("a deep prompt without the opt-out", i);
        if (prompts_find(lib, p->id) != p)
            violated("prompts_find does not find the entry by its id (or ids repeat)", i);
    }
    for (size_t i = 0; i < lib->count; i++) {
        if (lib->by_id[i] >= lib->count)
            violated("by_id points outside items", i);
        if (i > 0 && strcmp(lib->items[lib->by_id[i - 1]].id, lib->items[lib->by_id[i]].id) >= 0)
            violated("by_id is not sorted by id, or ids repeat", i);
    }
    if (prompts_find(lib, "") != NULL || prompts_find(lib, "-") != NULL)
        violated("prompts_find finds an id that cannot exist", 0);
    check_filter(lib, PROMPTS_KIND_ANY, PROMPTS_TOPIC_ANY, PROMPTS_DEPTH_ANY);
    check_filter(lib, PROMPTS_KIND_FAMILY, PROMPTS_TOPIC_ANY, 3);
    check_filter(lib, PROMPTS_KIND_COUPLE, PROMPTS_TOPIC_DESIRE, PROMPTS_DEPTH_ANY);
    check_filter(lib, PROMPTS_KIND_ANY, PROMPTS_TOPIC_JOY, 5);
}

static void check_covered(const struct prompt_library *lib)
{
    if (lib->count == 0)
        violated("an empty library passes the coverage rule", 0);
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
        for (int k = 0; k < PROMPTS_KIND__MAX; k++)
            for (int d = PROMPTS_DEPTH_MIN; d <= PROMPTS_DEPTH_MAX; d++) {
                size_t need = !prompts_topic_allows_kind(t, k) ? 0
                              : d <= 3                         ? PROMPTS_COVER_SHALLOW
                                                               : PROMPTS_COVER_DEEP;
                if (prompts_filter(lib, k, t, d, NULL, 0) < need)
                    violated("a library below the coverage rule passes it", 0);
            }
}

static bool message_ok(const char *err, size_t len)
{
    return memchr(err, '\0', len) != NULL && err[0] != '\0';
}

static bool zeroed(const struct prompt_library *lib)
{
    return lib->version == 0 && lib->items == NULL && lib->count == 0 && lib->by_id == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    struct prompt_library lib;
    char err[256];
    memset(err, 'x', sizeof err);
    int verdict = prompts_parse(&lib, json, size, err, sizeof err);
    if (verdict == 0) {
        check_parsed(&lib);
        verdict = prompts_check_coverage(&lib, err, sizeof err);
        if (verdict == 0)
            check_covered(&lib);
        else if (verdict != -1 || !message_ok(err, sizeof err))
            violated("a coverage refusal is not -1 with a message that fits err", 0);
    } else if (verdict != -1 || !zeroed(&lib) || !message_ok(err, sizeof err)) {
        violated("a refused parse is not -1 with *lib zeroed and a message that fits err", 0);
    }
    prompts_free(&lib);
    prompts_free(&lib);
    if (!zeroed(&lib))
        violated("prompts_free does not zero the library", 0);

    /* prompts_load is the two steps, and the verdict does not depend on the
     * message buffer (on small inputs only: a whole library four times over
     * is slow fuzzing). */
    if (size > 8192)
        return 0;
    struct prompt_library l2;
    char err2[256];
    memset(err2, 'x', sizeof err2);
    if (prompts_load(&l2, json, size, err2, sizeof err2) != verdict)
        violated("prompts_load is not prompts_parse then prompts_check_coverage", 0);
    if (verdict != 0 && (!zeroed(&l2) || strcmp(err, err2) != 0))
        violated("prompts_load refuses with *lib set, or with another message", 0);
    prompts_free(&l2);
    char tiny[4];
    if (prompts_load(&l2, json, size, tiny, sizeof tiny) != verdict ||
        memchr(tiny, '\0', sizeof tiny) == NULL)
        violated("the verdict or termination changes with a 4-byte err", 0);
    prompts_free(&l2);
    if (prompts_load(&l2, json, size, NULL, 0) != verdict)
        violated("the verdict changes without err", 0);
    prompts_free(&l2);
    return 0;
}
