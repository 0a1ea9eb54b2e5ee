/*
 * fuzz_questionnaire.c — questionnaire_check(), the checker of the
 * questionnaire definitions (data/questionnaire-*.json) a therapist can give
 * one member as a private check-in.
 *
 * Input: the bytes of a definition file.
 *
 * Checks:
 *   - an accepted definition keeps the promises of questionnaire.h, checked
 *     again on jansson's own parse: an object with only id, title, intro and
 *     items; an id of 1-47 bytes of [a-z0-9_-], copied to id_out; title and
 *     intro of 1-600 bytes of valid text; 1-40 items, each an object with only
 *     its keys, a unique id, a text, and either "free_text": true (then no
 *     danger) or 2-11 choices of plain text, danger indexes within them;
 *   - a refused one leaves a non-empty message that fits err;
 *   - the verdict is the same with a 4-byte id_out and err, which stay
 *     NUL-terminated.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/questionnaire.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void violated(const char *what)
{
    fprintf(stderr, "fuzz_questionnaire: %s\n", what);
    abort();
}

static bool id_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return n >= 1 && n <= QUESTIONNAIRE_ID_MAX - 1 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool text_valid(json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = s != NULL ? strlen(s) : 0;
    return n >= 1 && n <= QUESTIONNAIRE_TEXT_MAX && validate_text(s, n, false) == 0;
}

static bool keys_within(json_t *o, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a != NULL; a++)
            ok = ok || strcmp(*a, key) == 0;
        if (!ok)
            return false;
    }
    return true;
}

static void check_accepted(json_t *root, const char *id_out)
{
    static const char *const top[] = {"id", "title", "intro", "items", NULL};
    static const char *const item_keys[] = {"id", "text", "choices", "danger", "free_text", NULL};
    if (!json_is_object(root) || !keys_within(root, top))
        violated("accepted a definition that is not an object of the known keys");
    const char *id = json_string_value(json_object_get(root, "id"));
    if (!id_valid(id) || strcmp(id, id_out) != 0)
        violated("accepted a bad id, or id_out is not the id");
    if (!text_valid(json_object_get(root, "title")) || !text_valid(json_object_get(root, "intro")))
        violated("accepted a bad title or intro");
    json_t *items = json_object_get(root, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > QUESTIONNAIRE_ITEMS_MAX)
        violated("accepted a definition without 1-40 items");
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it) || !keys_within(it, item_keys))
            violated("accepted an item that is not an object of the known keys");
        const char *iid = json_string_value(json_object_get(it, "id"));
        if (!id_valid(iid) || !text_valid(json_object_get(it, "text")))
            violated("accepted an item with a bad id or text");
        for (size_t k = 0; k < i; k++)
            if (strcmp(iid, json_string_value(json_object_get(json_array_get(items, k), "id"))) ==
                0)
                violated("accepted two items with one id");
        json_t *choices = json_object_get(it, "choices");
        json_t *danger = json_object_get(it, "danger");
        if (json_is_true(json_object_get(it, "free_text"))) {
            if (choices != NULL || danger != NULL)
                violated("accepted a free-text item with choices or danger");
            continue;
        }
        size_t nc = json_array_size(choices);
        if (!json_is_array(choices) || nc < 2 || nc > QUESTIONNAIRE_CHOICES_MAX)
            violated("accepted an item without free_text or 2-11 choices");
        for (size_t k = 0; k < nc; k++)
            if (!text_valid(json_array_get(choices, k)))
                violated("accepted a choice that is not plain text");
        if (danger != NULL && !json_is_array(danger))
            violated("accepted a danger that is not a list");
        for (size_t k = 0; k < json_array_size(danger); k++) {
            json_t *d = json_array_get(danger, k);
            if (!json_is_integer(d) || json_integer_value(d) < 0 ||
                (size_t)json_integer_value(d) >= nc)
                violated("accepted a danger index that is not a choice");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[QUESTIONNAIRE_ID_MAX], err[256];
    memset(id, 'x', sizeof id);
    memset(err, 'x', sizeof err);
    int rc = questionnaire_check((const char *)data, size, id, sizeof id, err, sizeof err);
    if (rc == 0) {
        if (memchr(id, '\0', sizeof id) == NULL)
            violated("id_out is not NUL-terminated");
        json_error_t jerr;
        json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL)
            violated("accepted what jansson does not parse");
        check_accepted(root, id);
        json_decref(root);
    } else if (rc != -1 || memchr(err, '\0', sizeof err) == NULL || err[0] == '\0') {
        violated("a refusal that is not -1 with a message that fits err");
    }
    char tiny_id[4], tiny_err[4];
    if (questionnaire_check((const char *)data, size, tiny_id, sizeof tiny_id, tiny_err,
                            sizeof tiny_err) != rc ||
        (rc == 0 && memchr(tiny_id, '\0', sizeof tiny_id) == NULL) ||
        (rc != 0 && memchr(tiny_err, '\0', sizeof tiny_err) == NULL))
        violated("the verdict or termination changes with 4-byte buffers");
    return 0;
}
