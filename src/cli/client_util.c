/*
 * client_util.c — the pure parts of `dyad client`: exit statuses, invite
 * links, flag values, the state path, dates and the words for the API's
 * codes. No I/O; tests/unit/test_client.c checks them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_int.h"
#include "core/prompts.h"
#include "core/validate.h"
#include "core/vocab.h"

const char *const cl_topics[] = {"everyday",  "joy",     "fear",          "frustration", "sorrow",
                                 "anger",     "failure", "embarrassment", "inadequacy",  "hope",
                                 "gratitude", "us",      "desire",        NULL};
const char *const cl_emotions[] = {"joy",  "fear",      "frustration",   "sorrow", "anger",
                                   "hope", "gratitude", "embarrassment", NULL};
const char *const cl_items[] = {"closeness", "closeness_wanted", "opened_up", "understood",
                                "safety",    "affection",        "sexual",    NULL};
const char *const cl_showable[] = {
    "closeness", "closeness_wanted", "opened_up", "understood", "safety",
    "affection", "sexual",           "emotions",  "wordless",   NULL};
const char *const cl_responses[] = {"understood", "makes_sense", "with_you", "in_person", NULL};
const char *const cl_kinds[] = {"couple", "friends", "family", NULL};

int cl_exit_for_status(long status, const char *code)
{
    if (code != NULL && strcmp(code, "csrf") == 0)
        return CL_EFORBIDDEN;
    if (status >= 200 && status < 300)
        return CL_OK;
    switch (status) {
    case 0:
        return CL_ENETWORK;
    case 401:
        return CL_EAUTH;
    case 403:
        return CL_EFORBIDDEN;
    case 404:
        return CL_ENOTFOUND;
    case 409:
        return CL_ECONFLICT;
    case 429:
        return CL_ERATE;
    default:
        break;
    }
    if (status >= 500)
        return CL_ESERVER;
    if (status >= 400)
        return CL_EINVALID;
    return CL_ENETWORK; /* 1xx, 3xx: not what a dyad server answers */
}

int cl_parse_link(const char *link, char *code, size_t code_size,
                  unsigned char secret[KEYS_KEY_BYTES])
{
    const char *hash = strchr(link, '#');
    const char *join = strstr(link, "/join/");
    if (hash == NULL || join == NULL || join > hash)
        return -1;
    const char *c0 = join + 6;
    size_t n = (size_t)(hash - c0);
    if (n == 0 || n >= code_size)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = c0[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return -1;
    }
    if (keys_secret_decode(secret, hash + 1) != 0)
        return -1;
    memcpy(code, c0, n);
    code[n] = '\0';
    return 0;
}

int cl_parse_score(const char *s, int *value, bool *is_null)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "pass") == 0 || strcmp(s, "-") == 0) {
        *is_null = true;
        *value = 0;
        return 0;
    }
    if (s[0] < '0' || s[0] > '9' || strlen(s) > 2)
        return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 10 || (s[0] == '0' && s[1] != '\0'))
        return -1;
    *value = (int)v;
    *is_null = false;
    return 0;
}

static bool in_list(const char *w, size_t n, const char *const *allowed)
{
    for (size_t i = 0; allowed[i] != NULL; i++)
        if (strlen(allowed[i]) == n && strncmp(allowed[i], w, n) == 0)
            return true;
    return false;
}

json_t *cl_parse_list(const char *s, const char *const *allowed, const char **bad, size_t *bad_len)
{
    json_t *arr = json_array();
    const char *p = s;
    *bad = NULL;
    *bad_len = 0;
    while (arr != NULL && *p != '\0') {
        const char *e = strchr(p, ',');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        bool dup = false;
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) if (strlen(json_string_value(v)) == n &&
                                          strncmp(json_string_value(v), p, n) == 0) dup = true;
        if (n == 0 || dup || !in_list(p, n, allowed)) {
            *bad = p;
            *bad_len = n;
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, json_stringn(p, n));
        p += n;
        if (*p == ',') {
            p++;
            if (*p == '\0') { /* a trailing comma */
                *bad = p;
                json_decref(arr);
                return NULL;
            }
        }
    }
    return arr;
}

int cl_state_dir(char *out, size_t out_size, const char *xdg_state_home, const char *home)
{
    int n;
    if (xdg_state_home != NULL && xdg_state_home[0] == '/')
        n = snprintf(out, out_size, "%s/dyad", xdg_state_home);
    else if (home != NULL && home[0] == '/')
        n = snprintf(out, out_size, "%s/.local/state/dyad", home);
    else
        return -1;
    return n > 0 && (size_t)n < out_size ? 0 : -1;
}

int cl_date_add(char *out, size_t out_size, const char *date, int days)
{
    /* the core's calendar: "YYYY-MM-DD" exactly, 2026-02-30 refused */
    long day;
    if (out_size < 11 || date_parse(date, &day) != 0 || day + days < 0)
        return -1;
    date_format(day + days, out);
    return 0;
}

struct words {
    const char *code, *words;
};

static const char *lookup(const struct words *w, size_t n, const char *code)
{
    for (size_t i = 0; code != NULL && i < n; i++)
        if (strcmp(w[i].code, code) == 0)
            return w[i].words;
    return code != NULL ? code : "";
}

/* Topics, depths and response kinds read as in the browser: the one list
 * in src/core/vocab.c (the browser's /static/js/vocab.js is made from it). */
const char *cl_topic_words(const char *topic)
{
    const struct vocab_word *w = topic ? vocab_topic(prompts_topic_from_name(topic)) : NULL;
    return w != NULL ? w->label : topic != NULL ? topic : "";
}

const char *cl_depth_words(long depth)
{
    const struct vocab_word *w = depth >= 1 && depth <= 5 ? vocab_depth((int)depth) : NULL;
    return w != NULL ? w->label : "";
}

const char *cl_response_words(const char *kind)
{
    const struct vocab_word *w = kind ? vocab_response(vocab_response_from_name(kind)) : NULL;
    return w != NULL ? w->label : kind != NULL ? kind : "";
}

const char *cl_item_words(const char *item)
{
    static const struct words w[] = {
        {"closeness", "How close you felt"},
        {"closeness_wanted", "How close you wanted to feel"},
        {"opened_up", "How much you opened up"},
        {"understood", "How understood, accepted and cared for you felt"},
        {"safety", "How safe it felt to be open"},
        {"affection", "Affection, touch, being near"},
        {"sexual", "Sexual connection"},
        {"emotions", "Which feelings you shared"},
        {"wordless", "A moment of closeness without words"},
    };
    return lookup(w, sizeof w / sizeof w[0], item);
}

const char *cl_quadrant_words(const char *quadrant)
{
    static const struct words w[] = {
        {"both", "emotional closeness and sexual connection, both"},
        {"emotional_only", "emotional closeness, with little sexual connection"},
        {"sexual_only", "sexual connection, with little emotional closeness"},
        {"neither", "neither, for now"},
        {"not_tracked", "sexual connection not tracked"},
        {"insufficient_data", "not enough check-ins yet (7 are needed)"},
        {"hidden", "not shown to you"},
    };
    return lookup(w, sizeof w / sizeof w[0], quadrant);
}
