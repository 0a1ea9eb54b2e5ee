/*
 * prompts.c — topic and kind names, and the strict loader of the prompt
 * library (see prompts.h).
 *
 * Validation is all-or-nothing and names the entry and field at fault: the
 * library is edited by hand by operators, and "line 812 is wrong because the
 * topic is misspelt" is the message that saves them an afternoon.
 */
#include "core/prompts.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const topic_names[PROMPTS_TOPIC__MAX] = {
    [PROMPTS_TOPIC_EVERYDAY] = "everyday",
    [PROMPTS_TOPIC_JOY] = "joy",
    [PROMPTS_TOPIC_FEAR] = "fear",
    [PROMPTS_TOPIC_FRUSTRATION] = "frustration",
    [PROMPTS_TOPIC_SORROW] = "sorrow",
    [PROMPTS_TOPIC_ANGER] = "anger",
    [PROMPTS_TOPIC_FAILURE] = "failure",
    [PROMPTS_TOPIC_EMBARRASSMENT] = "embarrassment",
    [PROMPTS_TOPIC_INADEQUACY] = "inadequacy",
    [PROMPTS_TOPIC_HOPE] = "hope",
    [PROMPTS_TOPIC_GRATITUDE] = "gratitude",
    [PROMPTS_TOPIC_US] = "us",
    [PROMPTS_TOPIC_DESIRE] = "desire",
};

static const char *const kind_names[PROMPTS_KIND__MAX] = {
    [PROMPTS_KIND_COUPLE] = "couple",
    [PROMPTS_KIND_FRIENDS] = "friends",
    [PROMPTS_KIND_FAMILY] = "family",
};

static const char *const role_names[PROMPTS_ROLE__MAX] = {
    [PROMPTS_ROLE_NONE] = NULL,
    [PROMPTS_ROLE_PARENT] = "parent",
    [PROMPTS_ROLE_CHILD] = "child",
    [PROMPTS_ROLE_SIBLING] = "sibling",
    [PROMPTS_ROLE_GRANDPARENT] = "grandparent",
    [PROMPTS_ROLE_GRANDCHILD] = "grandchild",
};

int prompts_role_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int r = PROMPTS_ROLE_NONE + 1; r < PROMPTS_ROLE__MAX; r++)
        if (strcmp(name, role_names[r]) == 0)
            return r;
    return -1;
}

const char *prompts_role_name(int r)
{
    if (r <= PROMPTS_ROLE_NONE || r >= PROMPTS_ROLE__MAX)
        return NULL;
    return role_names[r];
}

bool prompts_suits_role(const struct prompt *p, int role)
{
    if (p == NULL)
        return false;
    return role == PROMPTS_ROLE_ANY || p->for_role == PROMPTS_ROLE_NONE || (int)p->for_role == role;
}

int prompts_topic_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++)
        if (strcmp(name, topic_names[t]) == 0)
            return t;
    return -1;
}

const char *prompts_topic_name(int t)
{
    if (t < 0 || t >= PROMPTS_TOPIC__MAX)
        return NULL;
    return topic_names[t];
}

int prompts_kind_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int k = 0; k < PROMPTS_KIND__MAX; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *prompts_kind_name(int k)
{
    if (k < 0 || k >= PROMPTS_KIND__MAX)
        return NULL;
    return kind_names[k];
}

bool prompts_topic_allows_kind(int t, int k)
{
    if (t < 0 || t >= PROMPTS_TOPIC__MAX || k < 0 || k >= PROMPTS_KIND__MAX)
        return false;
    return t != PROMPTS_TOPIC_DESIRE || k == PROMPTS_KIND_COUPLE;
}

bool prompts_has_kind(const struct prompt *p, int k)
{
    if (p == NULL || k < 0 || k >= PROMPTS_KIND__MAX)
        return false;
    return (p->kinds & PROMPTS_KIND_BIT(k)) != 0;
}

__attribute__((format(printf, 3, 4))) static void fail(char *err, size_t errlen, const char *fmt,
                                                       ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool id_ok(const char *s, size_t len)
{
    if (len == 0 || len > PROMPTS_ID_MAX || s[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Jansson has already checked that the text is valid UTF-8 without NUL; what
 * is left is controls (C0, DEL and the C1 block, which is C2 80..C2 9F in
 * UTF-8) — a prompt is one short paragraph shown inline. */
static bool text_has_control(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return true;
        if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
            return true;
    }
    return false;
}

static bool text_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ')
            return false;
    return true;
}

struct id_ref {
    const char *id;
    size_t idx;
};

static int id_ref_cmp(const void *a, const void *b)
{
    const struct id_ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c != 0)
        return c;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *const entry_fields[] = {"id", "topic", "depth", "kinds", "text"};
static const char *const optional_fields[] = {"for", "support"};

static bool known_field(const char *key)
{
    for (size_t f = 0; f < sizeof(entry_fields) / sizeof(entry_fields[0]); f++)
        if (strcmp(key, entry_fields[f]) == 0)
            return true;
    for (size_t f = 0; f < sizeof(optional_fields) / sizeof(optional_fields[0]); f++)
        if (strcmp(key, optional_fields[f]) == 0)
            return true;
    return false;
}

/* Validates one entry into *p. `where` names the entry in messages. */
static int load_entry(struct prompt *p, json_t *e, const char *where, char *err, size_t errlen)
{
    if (!json_is_object(e)) {
        fail(err, errlen, "%s: must be an object", where);
        return -1;
    }
    for (size_t f = 0; f < sizeof(entry_fields) / sizeof(entry_fields[0]); f++) {
        if (json_object_get(e, entry_fields[f]) == NULL) {
            fail(err, errlen, "%s: missing field \"%s\"", where, entry_fields[f]);
            return -1;
        }
    }
    const char *key;
    json_t *val;
    json_object_foreach(e, key, val)
    {
        if (!known_field(key)) {
            fail(err, errlen, "%s: unknown field \"%.40s\"", where, key);
            return -1;
        }
    }

    json_t *jid = json_object_get(e, "id");
    if (!json_is_string(jid)) {
        fail(err, errlen, "%s: field \"id\" must be a string", where);
        return -1;
    }
    const char *id = json_string_value(jid);
    if (!id_ok(id, json_string_length(jid))) {
        fail(err, errlen,
             "%s: id \"%.60s\" must be 1-%d characters of a-z, 0-9 and '-', not starting with '-'",
             where, id, PROMPTS_ID_MAX);
        return -1;
    }
    memcpy(p->id, id, json_string_length(jid) + 1);

    json_t *jtopic = json_object_get(e, "topic");
    if (!json_is_string(jtopic)) {
        fail(err, errlen, "%s: field \"topic\" must be a string", where);
        return -1;
    }
    int topic = prompts_topic_from_name(json_string_value(jtopic));
    if (topic < 0) {
        fail(err, errlen, "%s: unknown topic \"%.40s\"", where, json_string_value(jtopic));
        return -1;
    }
    p->topic = (enum prompts_topic)topic;

    json_t *jdepth = json_object_get(e, "depth");
    if (!json_is_integer(jdepth) || json_integer_value(jdepth) < PROMPTS_DEPTH_MIN ||
        json_integer_value(jdepth) > PROMPTS_DEPTH_MAX) {
        fail(err, errlen, "%s: field \"depth\" must be an integer from %d to %d", where,
             PROMPTS_DEPTH_MIN, PROMPTS_DEPTH_MAX);
        return -1;
    }
    p->depth = (int)json_integer_value(jdepth);

    json_t *jkinds = json_object_get(e, "kinds");
    if (!json_is_array(jkinds) || json_array_size(jkinds) == 0) {
        fail(err, errlen, "%s: field \"kinds\" must be a non-empty array of kind names", where);
        return -1;
    }
    size_t ki;
    json_t *jk;
    p->kinds = 0;
    json_array_foreach(jkinds, ki, jk)
    {
        int k = json_is_string(jk) ? prompts_kind_from_name(json_string_value(jk)) : -1;
        if (k < 0) {
            if (json_is_string(jk))
                fail(err, errlen,
                     "%s: kinds[%zu] \"%.40s\" is not a known kind (couple, friends, family)",
                     where, ki, json_string_value(jk));
            else
                fail(err, errlen, "%s: kinds[%zu] must be a kind name (couple, friends, family)",
                     where, ki);
            return -1;
        }
        if (p->kinds & PROMPTS_KIND_BIT(k)) {
            fail(err, errlen, "%s: kinds lists \"%s\" twice", where, kind_names[k]);
            return -1;
        }
        if (!prompts_topic_allows_kind(topic, k)) {
            fail(err, errlen, "%s: kinds has \"%s\" but topic \"%s\" is for couples only", where,
                 kind_names[k], topic_names[topic]);
            return -1;
        }
        p->kinds |= PROMPTS_KIND_BIT(k);
    }

    json_t *jtext = json_object_get(e, "text");
    if (!json_is_string(jtext)) {
        fail(err, errlen, "%s: field \"text\" must be a string", where);
        return -1;
    }
    const char *text = json_string_value(jtext);
    size_t tlen = json_string_length(jtext);
    if (tlen == 0 || text_blank(text, tlen)) {
        fail(err, errlen, "%s: field \"text\" is empty", where);
        return -1;
    }
    if (tlen > PROMPTS_TEXT_MAX) {
        fail(err, errlen, "%s: field \"text\" is %zu bytes, more than %d", where, tlen,
             PROMPTS_TEXT_MAX);
        return -1;
    }
    if (text_has_control((const unsigned char *)text, tlen)) {
        fail(err, errlen, "%s: field \"text\" holds a control character", where);
        return -1;
    }
    if (p->depth >= 4 && strstr(text, PROMPTS_OPT_OUT) == NULL) {
        fail(err, errlen,
             "%s: a depth %d prompt must offer the gentle opt-out, in words containing \"%s\"",
             where, p->depth, PROMPTS_OPT_OUT);
        return -1;
    }

    p->for_role = PROMPTS_ROLE_NONE;
    json_t *jfor = json_object_get(e, "for");
    if (jfor != NULL) {
        int role = json_is_string(jfor) ? prompts_role_from_name(json_string_value(jfor)) : -1;
        if (role < 0) {
            fail(err, errlen,
                 "%s: field \"for\" must be one of parent, child, sibling, grandparent, "
                 "grandchild",
                 where);
            return -1;
        }
        if (p->kinds != PROMPTS_KIND_BIT(PROMPTS_KIND_FAMILY)) {
            fail(err, errlen, "%s: field \"for\" is only for prompts whose kinds are [\"family\"]",
                 where);
            return -1;
        }
        p->for_role = (enum prompts_role)role;
    }
    json_t *jsupport = json_object_get(e, "support");
    if (jsupport != NULL && !json_is_boolean(jsupport)) {
        fail(err, errlen, "%s: field \"support\" must be true or false", where);
        return -1;
    }
    p->support = json_is_true(jsupport);

    /* A copy, because the jansson tree is gone once loading ends. */
    p->text = malloc(tlen + 1);
    if (p->text == NULL) {
        fail(err, errlen, "%s: out of memory", where);
        return -1;
    }
    memcpy(p->text, text, tlen + 1);
    return 0;
}

int prompts_check_coverage(const struct prompt_library *lib, char *err, size_t errlen)
{
    unsigned counts[PROMPTS_TOPIC__MAX][PROMPTS_KIND__MAX][PROMPTS_DEPTH_MAX + 1];
    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < lib->count; i++) {
        const struct prompt *p = &lib->items[i];
        for (int k = 0; k < PROMPTS_KIND__MAX; k++)
            if (p->kinds & PROMPTS_KIND_BIT(k))
                counts[p->topic][k][p->depth]++;
    }
    for (int t = 0; t < PROMPTS_TOPIC__MAX; t++) {
        for (int k = 0; k < PROMPTS_KIND__MAX; k++) {
            if (!prompts_topic_allows_kind(t, k))
                continue;
            for (int d = PROMPTS_DEPTH_MIN; d <= PROMPTS_DEPTH_MAX; d++) {
                unsigned need = d <= 3 ? PROMPTS_COVER_SHALLOW : PROMPTS_COVER_DEEP;
                if (counts[t][k][d] < need) {
                    fail(err, errlen,
                         "coverage: topic \"%s\" for kind \"%s\" has %u prompts at depth %d, "
                         "needs %u",
                         topic_names[t], kind_names[k], counts[t][k][d], d, need);
                    return -1;
                }
            }
        }
    }
    return 0;
}

void prompts_free(struct prompt_library *lib)
{
    if (lib == NULL)
        return;
    if (lib->borrowed) {
        memset(lib, 0, sizeof(*lib));
        return;
    }
    for (size_t i = 0; lib->items != NULL && i < lib->count; i++)
        free(lib->items[i].text);
    free(lib->items);
    free(lib->by_id);
    memset(lib, 0, sizeof(*lib));
}

int prompts_parse(struct prompt_library *lib, const char *json, size_t len, char *err,
                  size_t errlen)
{
    struct id_ref *refs = NULL;
    const char **retired = NULL;
    json_t *root = NULL;
    int rc = -1;

    memset(lib, 0, sizeof(*lib));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (json == NULL) {
        fail(err, errlen, "no library data");
        return -1;
    }

    json_error_t jerr;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        fail(err, errlen, "bad json at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        fail(err, errlen, "the library must be a JSON object");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "version") != 0 && strcmp(key, "prompts") != 0 &&
            strcmp(key, "retired") != 0) {
            fail(err, errlen, "unknown field \"%.40s\" at the top level", key);
            goto out;
        }
    }
    json_t *jver = json_object_get(root, "version");
    if (jver == NULL) {
        fail(err, errlen, "missing field \"version\"");
        goto out;
    }
    if (!json_is_integer(jver) || json_integer_value(jver) != 1) {
        fail(err, errlen, "field \"version\" must be 1");
        goto out;
    }
    json_t *jprompts = json_object_get(root, "prompts");
    if (jprompts == NULL) {
        fail(err, errlen, "missing field \"prompts\"");
        goto out;
    }
    if (!json_is_array(jprompts)) {
        fail(err, errlen, "field \"prompts\" must be an array");
        goto out;
    }

    json_t *jretired = json_object_get(root, "retired");
    if (jretired != NULL && !json_is_array(jretired)) {
        fail(err, errlen, "field \"retired\" must be an array of ids");
        goto out;
    }
    size_t ri;
    json_t *jr;
    json_array_foreach(jretired, ri, jr)
    {
        if (!json_is_string(jr) || !id_ok(json_string_value(jr), json_string_length(jr))) {
            fail(err, errlen, "retired[%zu] must be a prompt id", ri);
            goto out;
        }
    }

    /* the retired ids sorted, so each prompt's id is looked up, not
     * compared with every one (1,400 prompts by 160 ids was a tenth of
     * the start-up) */
    size_t n_retired = json_array_size(jretired);
    retired = calloc(n_retired ? n_retired : 1, sizeof *retired);
    if (retired == NULL) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    json_array_foreach(jretired, ri, jr) retired[ri] = json_string_value(jr);
    qsort(retired, n_retired, sizeof *retired, str_cmp);

    size_t n = json_array_size(jprompts);
    lib->version = 1;
    lib->items = calloc(n ? n : 1, sizeof(*lib->items));
    lib->by_id = calloc(n ? n : 1, sizeof(*lib->by_id));
    refs = calloc(n ? n : 1, sizeof(*refs));
    if (lib->items == NULL || lib->by_id == NULL || refs == NULL) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(jprompts, i);
        json_t *jid = json_is_object(e) ? json_object_get(e, "id") : NULL;
        char where[96];
        /* Name the entry by its id when it has a usable one, so an operator
         * can search for it; the index alone is enough otherwise. */
        if (json_is_string(jid) && id_ok(json_string_value(jid), json_string_length(jid)))
            snprintf(where, sizeof(where), "prompts[%zu] (id \"%s\")", i, json_string_value(jid));
        else
            snprintf(where, sizeof(where), "prompts[%zu]", i);
        /* count grows with each entry so that prompts_free releases exactly
         * the texts that were copied. */
        lib->count = i + 1;
        if (load_entry(&lib->items[i], e, where, err, errlen) != 0)
            goto out;
        const char *id = lib->items[i].id;
        if (n_retired > 0 && bsearch(&id, retired, n_retired, sizeof *retired, str_cmp) != NULL) {
            fail(err, errlen,
                 "%s: this id is retired and is never used again; give the prompt the next "
                 "free number",
                 where);
            goto out;
        }
        refs[i].id = lib->items[i].id;
        refs[i].idx = i;
    }

    qsort(refs, n, sizeof(*refs), id_ref_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(refs[i].id, refs[i - 1].id) == 0) {
            fail(err, errlen, "prompts[%zu] (id \"%s\"): duplicate id, first used by prompts[%zu]",
                 refs[i].idx, refs[i].id, refs[i - 1].idx);
            goto out;
        }
        lib->by_id[i] = refs[i].idx;
    }
    rc = 0;

out:
    free(refs);
    free(retired);
    json_decref(root);
    if (rc != 0)
        prompts_free(lib);
    return rc;
}

int prompts_load(struct prompt_library *lib, const char *json, size_t len, char *err, size_t errlen)
{
    if (prompts_parse(lib, json, len, err, errlen) != 0)
        return -1;
    if (prompts_check_coverage(lib, err, errlen) != 0) {
        prompts_free(lib);
        return -1;
    }
    return 0;
}

const struct prompt *prompts_find(const struct prompt_library *lib, const char *id)
{
    if (lib == NULL || id == NULL)
        return NULL;
    size_t lo = 0, hi = lib->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct prompt *p = &lib->items[lib->by_id[mid]];
        int c = strcmp(id, p->id);
        if (c == 0)
            return p;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t prompts_filter(const struct prompt_library *lib, int kind, int topic, int depth,
                      const struct prompt **out, size_t max)
{
    size_t n = 0;
    if (lib == NULL)
        return 0;
    for (size_t i = 0; i < lib->count; i++) {
        const struct prompt *p = &lib->items[i];
        if (kind != PROMPTS_KIND_ANY && !prompts_has_kind(p, kind))
            continue;
        if (topic != PROMPTS_TOPIC_ANY && (int)p->topic != topic)
            continue;
        if (depth != PROMPTS_DEPTH_ANY && p->depth != depth)
            continue;
        if (n < max && out != NULL)
            out[n] = p;
        n++;
    }
    return n;
}
