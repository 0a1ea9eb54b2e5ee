/*
 * questionnaire.c — see questionnaire.h.
 */
#include "core/questionnaire.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < QUESTIONNAIRE_ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool text_ok(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = s != NULL ? strlen(s) : 0;
    return n > 0 && n <= QUESTIONNAIRE_TEXT_MAX && validate_text(s, n, false) == 0;
}

static bool only_keys(json_t *o, const char *const *allowed, const char **bad)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a != NULL; a++)
            ok |= strcmp(*a, key) == 0;
        if (!ok) {
            *bad = key;
            return false;
        }
    }
    return true;
}

static int check_item(json_t *it, size_t i, char *err, size_t err_len)
{
    static const char *const keys[] = {"id", "text", "choices", "danger", "free_text", NULL};
    const char *bad;
    if (!json_is_object(it))
        return fail(err, err_len, "items[%zu]: not an object", i);
    if (!only_keys(it, keys, &bad))
        return fail(err, err_len, "items[%zu]: unknown key \"%s\"", i, bad);
    const char *id = json_string_value(json_object_get(it, "id"));
    if (id == NULL || !id_ok(id))
        return fail(err, err_len, "items[%zu]: id must be [a-z0-9_-], 1–47 characters", i);
    if (!text_ok(json_object_get(it, "text")))
        return fail(err, err_len, "item \"%s\": text must be 1–600 bytes of plain text", id);
    json_t *choices = json_object_get(it, "choices");
    bool free_text = json_is_true(json_object_get(it, "free_text"));
    if (free_text == (choices != NULL))
        return fail(err, err_len, "item \"%s\": give either choices or \"free_text\": true", id);
    if (free_text) {
        if (json_object_get(it, "danger") != NULL)
            return fail(err, err_len, "item \"%s\": a free-text item has no danger choices", id);
        return 0;
    }
    size_t n = json_array_size(choices);
    if (!json_is_array(choices) || n < 2 || n > QUESTIONNAIRE_CHOICES_MAX)
        return fail(err, err_len, "item \"%s\": 2–11 choices", id);
    for (size_t k = 0; k < n; k++)
        if (!text_ok(json_array_get(choices, k)))
            return fail(err, err_len, "item \"%s\": choice %zu must be plain text", id, k);
    json_t *danger = json_object_get(it, "danger");
    if (danger != NULL) {
        if (!json_is_array(danger))
            return fail(err, err_len, "item \"%s\": danger lists choice indexes", id);
        for (size_t k = 0; k < json_array_size(danger); k++) {
            json_t *d = json_array_get(danger, k);
            if (!json_is_integer(d) || json_integer_value(d) < 0 ||
                (size_t)json_integer_value(d) >= n)
                return fail(err, err_len, "item \"%s\": danger index %zu is not a choice", id, k);
        }
    }
    return 0;
}

int questionnaire_check(const char *json, size_t len, char *id_out, size_t id_cap, char *err,
                        size_t err_len)
{
    static const char *const keys[] = {"id", "title", "intro", "items", NULL};
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    int r = -1;
    const char *bad;
    if (root == NULL) {
        fail(err, err_len, "line %d: %s", je.line, je.text);
        return -1;
    }
    const char *id = json_string_value(json_object_get(root, "id"));
    json_t *items = json_object_get(root, "items");
    if (!json_is_object(root))
        fail(err, err_len, "the definition is not an object");
    else if (!only_keys(root, keys, &bad))
        fail(err, err_len, "unknown key \"%s\"", bad);
    else if (id == NULL || !id_ok(id))
        fail(err, err_len, "id must be [a-z0-9_-], 1–47 characters");
    else if (!text_ok(json_object_get(root, "title")) || !text_ok(json_object_get(root, "intro")))
        fail(err, err_len, "title and intro must be plain text, 1–600 bytes");
    else if (!json_is_array(items) || json_array_size(items) == 0 ||
             json_array_size(items) > QUESTIONNAIRE_ITEMS_MAX)
        fail(err, err_len, "items: 1–40 of them");
    else {
        r = 0;
        for (size_t i = 0; r == 0 && i < json_array_size(items); i++) {
            r = check_item(json_array_get(items, i), i, err, err_len);
            const char *iid = json_string_value(json_object_get(json_array_get(items, i), "id"));
            for (size_t k = 0; r == 0 && k < i; k++)
                if (strcmp(iid,
                           json_string_value(json_object_get(json_array_get(items, k), "id"))) == 0)
                    r = fail(err, err_len, "item id \"%s\" appears twice", iid);
        }
        if (r == 0)
            snprintf(id_out, id_cap, "%s", id);
    }
    json_decref(root);
    return r;
}
