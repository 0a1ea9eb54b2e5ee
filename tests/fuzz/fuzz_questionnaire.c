/*
 * fuzz_questionnaire.c — questionnaire_check() and questionnaire_parse(), the
 * checker of questionnaire definitions (data/questionnaire-*.json and those
 * an operator adds), and the scoring of answers.
 *
 * Input: the bytes of a definition file.
 *
 * Checks:
 *   - an accepted definition keeps the promises of questionnaire.h, checked
 *     again on jansson's own parse and on the normal form: an object of the
 *     known keys; an id of 1-47 bytes of [a-z0-9_-], copied to id_out; title
 *     and intro of 1-600 bytes of valid text; 1-40 items with unique ids and
 *     a text, either free text (then no choices, no danger) or 2-11 labels
 *     of plain text with as many values, danger indexes within them;
 *   - scoring answers taken from the input's bytes (some unanswered, some
 *     out of range) gives each score NAN or a value within its range, a
 *     cut-off index that exists, and a reliable change of -1/0/1 (0 when
 *     no threshold is defined);
 *   - a refused one leaves a non-empty message that fits err;
 *   - the verdict is the same with a 4-byte id_out and err, which stay
 *     NUL-terminated.
 */
#include <jansson.h>
#include <math.h>
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

static void check_accepted(json_t *root, const char *id_out, const uint8_t *data, size_t size)
{
    static const char *const top[] = {"id",     "title",   "intro",       "items",    "scales",
                                      "scores", "licence", "answered_by", "schedule", NULL};
    if (!json_is_object(root) || !keys_within(root, top))
        violated("accepted a definition that is not an object of the known keys");
    const char *id = json_string_value(json_object_get(root, "id"));
    if (!id_valid(id) || strcmp(id, id_out) != 0)
        violated("accepted a bad id, or id_out is not the id");
    if (!text_valid(json_object_get(root, "title")) || !text_valid(json_object_get(root, "intro")))
        violated("accepted a bad title or intro");
    static struct questionnaire q;
    json_t *normal = NULL;
    char err[256];
    if (questionnaire_parse((const char *)data, size, &q, &normal, err, sizeof err) != 0)
        violated("checked but not parsed");
    json_t *items = json_object_get(normal, "items");
    size_t n = json_array_size(items);
    if (n < 1 || n > QUESTIONNAIRE_ITEMS_MAX || n != (size_t)q.n_items)
        violated("accepted a definition without 1-40 items");
    int answers[QUESTIONNAIRE_ITEMS_MAX];
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        const char *iid = json_string_value(json_object_get(it, "id"));
        if (!id_valid(iid) || !text_valid(json_object_get(it, "text")))
            violated("accepted an item with a bad id or text");
        for (size_t k = 0; k < i; k++)
            if (strcmp(iid, q.items[k].id) == 0)
                violated("accepted two items with one id");
        /* answers from the input's bytes: some unanswered, some out of range */
        answers[i] = size > 0 ? (int)(data[(i * 7) % size] % 14) - 2 : -1;
        json_t *choices = json_object_get(it, "choices");
        if (q.items[i].free_text) {
            if (choices != NULL || json_object_get(it, "danger") != NULL)
                violated("accepted a free-text item with choices or danger");
            continue;
        }
        size_t nc = json_array_size(choices);
        if (nc < 2 || nc > QUESTIONNAIRE_CHOICES_MAX || nc != (size_t)q.items[i].n_choices ||
            json_array_size(json_object_get(it, "values")) != nc)
            violated("an item's normal form lacks 2-11 labels and as many values");
        for (size_t k = 0; k < nc; k++)
            if (!text_valid(json_array_get(choices, k)))
                violated("accepted a choice label that is not plain text");
        if (q.items[i].danger >> nc != 0)
            violated("accepted a danger index that is not a choice");
    }
    double out[QUESTIONNAIRE_SCORES_MAX];
    questionnaire_score(&q, answers, out);
    for (int k = 0; k < q.n_scores; k++) {
        const struct q_score *s = &q.scores[k];
        if (!isnan(out[k]) && (out[k] < s->min - 1e-9 || out[k] > s->max + 1e-9))
            violated("a score outside its own range");
        int c = questionnaire_past_cutoff(s, out[k]);
        if (c < -1 || c >= s->n_cutoffs)
            violated("a cut-off index that is not a cut-off");
        int rc = questionnaire_reliable_change(s, s->min, out[k]);
        if (rc < -1 || rc > 1 || (s->reliable_change <= 0 && rc != 0))
            violated("a reliable change without a threshold, or not -1/0/1");
    }
    json_decref(normal);
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
        check_accepted(root, id, data, size);
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
