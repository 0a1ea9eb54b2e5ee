/*
 * questionnaire.c — see questionnaire.h and docs/questionnaires.md.
 */
#include "core/questionnaire.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"

struct perr {
    char *buf;
    size_t len;
};

static int fail(struct perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct perr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf, e->len, fmt, ap);
    va_end(ap);
    return -1;
}

static bool id_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return n > 0 && n < QUESTIONNAIRE_ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool text_ok(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    size_t n = s != NULL ? strlen(s) : 0;
    return n > 0 && n <= max && validate_text(s, n, max > QUESTIONNAIRE_TEXT_MAX) == 0;
}

static int only_keys(struct perr *e, const char *path, json_t *o, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a != NULL; a++)
            ok |= strcmp(*a, key) == 0;
        if (!ok)
            return fail(e, "%s.%s: unknown key", path, key);
    }
    return 0;
}

static int need_text(struct perr *e, const char *path, json_t *o, const char *key, size_t max)
{
    if (!text_ok(json_object_get(o, key), max))
        return fail(e, "%s.%s: must be plain text, 1–%zu bytes", path, key, max);
    return 0;
}

/* A list of choices: strings (valued 0, 1, 2 …) or {"label", "value"}
 * objects; the normal form (labels and values) is added to item. */
static int parse_choices(struct perr *e, const char *path, json_t *choices, struct q_item *it,
                         json_t *item_out)
{
    size_t n = json_array_size(choices);
    if (!json_is_array(choices) || n < 2 || n > QUESTIONNAIRE_CHOICES_MAX)
        return fail(e, "%s: 2–%d choices", path, QUESTIONNAIRE_CHOICES_MAX);
    json_t *labels = json_array(), *values = json_array();
    json_object_set_new(item_out, "choices", labels);
    json_object_set_new(item_out, "values", values);
    it->n_choices = (int)n;
    for (size_t k = 0; k < n; k++) {
        json_t *c = json_array_get(choices, k);
        json_t *label = c;
        double value = (double)k;
        if (json_is_object(c)) {
            static const char *const keys[] = {"label", "value", NULL};
            char p[128];
            snprintf(p, sizeof p, "%s[%zu]", path, k);
            if (only_keys(e, p, c, keys) != 0)
                return -1;
            label = json_object_get(c, "label");
            json_t *v = json_object_get(c, "value");
            if (!json_is_number(v) || fabs(json_number_value(v)) > 1000)
                return fail(e, "%s.value: a number from -1000 to 1000", p);
            value = json_number_value(v);
        }
        if (!text_ok(label, QUESTIONNAIRE_TEXT_MAX))
            return fail(e, "%s[%zu]: a choice's label must be plain text, 1–600 bytes", path, k);
        for (size_t j = 0; j < k; j++)
            if (it->values[j] == value)
                return fail(e, "%s[%zu]: two choices have the value %g", path, k, value);
        it->values[k] = value;
        it->vmin = k == 0 || value < it->vmin ? value : it->vmin;
        it->vmax = k == 0 || value > it->vmax ? value : it->vmax;
        json_array_append(labels, label);
        json_array_append_new(values, json_real(value));
    }
    return 0;
}

static int parse_item(struct perr *e, json_t *root, json_t *in, size_t i, struct q_item *it,
                      json_t *out)
{
    static const char *const keys[] = {"id",     "text",      "choices",  "scale",
                                       "danger", "free_text", "reversed", NULL};
    char path[64];
    snprintf(path, sizeof path, "$.items[%zu]", i);
    if (!json_is_object(in))
        return fail(e, "%s: must be an object", path);
    if (only_keys(e, path, in, keys) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(in, "id"));
    if (!id_ok(id))
        return fail(e, "%s.id: must be [a-z0-9_-], 1–47 characters", path);
    snprintf(it->id, sizeof it->id, "%s", id);
    if (need_text(e, path, in, "text", QUESTIONNAIRE_TEXT_MAX) != 0)
        return -1;
    json_object_set(out, "id", json_object_get(in, "id"));
    json_object_set(out, "text", json_object_get(in, "text"));
    json_t *choices = json_object_get(in, "choices");
    json_t *scale = json_object_get(in, "scale");
    json_t *free = json_object_get(in, "free_text");
    if (free != NULL && !json_is_true(free))
        return fail(e, "%s.free_text: only true, or leave it out", path);
    int given = (choices != NULL) + (scale != NULL) + (free != NULL);
    if (given != 1)
        return fail(e, "%s: give exactly one of \"choices\", \"scale\" or \"free_text\": true",
                    path);
    json_t *reversed = json_object_get(in, "reversed");
    if (reversed != NULL && !json_is_boolean(reversed))
        return fail(e, "%s.reversed: true or false", path);
    it->reversed = json_is_true(reversed);
    if (free != NULL) {
        if (json_object_get(in, "danger") != NULL)
            return fail(e, "%s.danger: a free-text item has no danger choices", path);
        if (it->reversed)
            return fail(e, "%s.reversed: a free-text item has no values to reverse", path);
        if (json_is_string(json_object_get(root, "answered_by")) &&
            strcmp(json_string_value(json_object_get(root, "answered_by")), "each_member") == 0)
            return fail(e,
                        "%s.free_text: words go only into a private questionnaire, sealed to the "
                        "therapist; what each member answers is choices",
                        path);
        it->free_text = true;
        json_object_set_new(out, "free_text", json_true());
        return 0;
    }
    char cpath[96];
    if (scale != NULL) {
        const char *name = json_string_value(scale);
        choices = json_object_get(json_object_get(root, "scales"), name != NULL ? name : "");
        if (choices == NULL)
            return fail(e, "%s.scale: no scale of that name in $.scales", path);
        snprintf(cpath, sizeof cpath, "$.scales.%s", name);
    } else
        snprintf(cpath, sizeof cpath, "%s.choices", path);
    if (parse_choices(e, cpath, choices, it, out) != 0)
        return -1;
    json_object_set_new(out, "reversed", json_boolean(it->reversed));
    json_t *danger = json_object_get(in, "danger");
    if (danger != NULL) {
        if (!json_is_array(danger))
            return fail(e, "%s.danger: a list of choice indexes", path);
        for (size_t k = 0; k < json_array_size(danger); k++) {
            json_t *d = json_array_get(danger, k);
            if (!json_is_integer(d) || json_integer_value(d) < 0 ||
                json_integer_value(d) >= it->n_choices)
                return fail(e, "%s.danger[%zu]: not the index of a choice", path, k);
            it->danger |= 1u << json_integer_value(d);
        }
        json_object_set(out, "danger", danger);
    }
    return 0;
}

static int parse_cutoffs(struct perr *e, const char *path, json_t *list, struct q_score *s)
{
    static const char *const keys[] = {"below", "above", "label", "meaning", NULL};
    if (!json_is_array(list) || json_array_size(list) > QUESTIONNAIRE_CUTOFFS_MAX)
        return fail(e, "%s.cutoffs: a list of at most %d", path, QUESTIONNAIRE_CUTOFFS_MAX);
    for (size_t k = 0; k < json_array_size(list); k++) {
        json_t *c = json_array_get(list, k);
        char p[128];
        snprintf(p, sizeof p, "%s.cutoffs[%zu]", path, k);
        if (!json_is_object(c))
            return fail(e, "%s: must be an object", p);
        if (only_keys(e, p, c, keys) != 0)
            return -1;
        json_t *below = json_object_get(c, "below"), *above = json_object_get(c, "above");
        if ((below != NULL) == (above != NULL))
            return fail(e, "%s: give exactly one of \"below\" or \"above\"", p);
        json_t *v = below != NULL ? below : above;
        if (!json_is_number(v))
            return fail(e, "%s.%s: must be a number", p, below != NULL ? "below" : "above");
        double x = json_number_value(v);
        if (x < s->min || x > s->max)
            return fail(e, "%s.%s: %g is outside the score's range %g–%g", p,
                        below != NULL ? "below" : "above", x, s->min, s->max);
        if (need_text(e, p, c, "label", QUESTIONNAIRE_TEXT_MAX) != 0 ||
            need_text(e, p, c, "meaning", QUESTIONNAIRE_TEXT_MAX) != 0)
            return -1;
        s->cutoffs[k] = (struct q_cutoff){below != NULL ? Q_BELOW : Q_ABOVE, x};
        s->n_cutoffs++;
    }
    return 0;
}

static int parse_rc(struct perr *e, const char *path, json_t *rc, struct q_score *s)
{
    static const char *const keys[] = {"difference", "sd", "reliability", NULL};
    char p[128];
    snprintf(p, sizeof p, "%s.reliable_change", path);
    if (!json_is_object(rc))
        return fail(e, "%s: must be an object", p);
    if (only_keys(e, p, rc, keys) != 0)
        return -1;
    json_t *d = json_object_get(rc, "difference");
    json_t *sd = json_object_get(rc, "sd"), *rel = json_object_get(rc, "reliability");
    if (d != NULL) {
        if (sd != NULL || rel != NULL)
            return fail(e, "%s: either \"difference\", or \"sd\" and \"reliability\"", p);
        if (!json_is_number(d) || json_number_value(d) <= 0 ||
            json_number_value(d) > s->max - s->min)
            return fail(e, "%s.difference: a positive number no larger than the score's range", p);
        s->reliable_change = json_number_value(d);
        return 0;
    }
    if (!json_is_number(sd) || json_number_value(sd) <= 0)
        return fail(e, "%s.sd: a positive number (the standard deviation of the score)", p);
    if (!json_is_number(rel) || json_number_value(rel) <= 0 || json_number_value(rel) >= 1)
        return fail(e, "%s.reliability: a number between 0 and 1, exclusive", p);
    /* Jacobson & Truax: 1.96 × √2 × SD × √(1 − r) */
    s->reliable_change =
        1.96 * sqrt(2.0) * json_number_value(sd) * sqrt(1.0 - json_number_value(rel));
    return 0;
}

static int parse_score(struct perr *e, json_t *in, size_t k, struct questionnaire *q,
                       struct q_score *s, json_t *out)
{
    static const char *const keys[] = {"id",      "label",           "items",   "method",
                                       "weights", "missing",         "cutoffs", "higher_is",
                                       "meaning", "reliable_change", NULL};
    char path[64];
    snprintf(path, sizeof path, "$.scores[%zu]", k);
    if (!json_is_object(in))
        return fail(e, "%s: must be an object", path);
    if (only_keys(e, path, in, keys) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(in, "id"));
    if (!id_ok(id))
        return fail(e, "%s.id: must be [a-z0-9_-], 1–47 characters", path);
    snprintf(s->id, sizeof s->id, "%s", id);
    if (need_text(e, path, in, "label", QUESTIONNAIRE_TEXT_MAX) != 0)
        return -1;
    const char *method = json_string_value(json_object_get(in, "method"));
    if (method != NULL && strcmp(method, "sum") == 0)
        s->method = Q_SUM;
    else if (method != NULL && strcmp(method, "mean") == 0)
        s->method = Q_MEAN;
    else if (method != NULL && strcmp(method, "weighted") == 0)
        s->method = Q_WEIGHTED;
    else
        return fail(e, "%s.method: \"sum\", \"mean\" or \"weighted\"", path);
    const char *hi = json_string_value(json_object_get(in, "higher_is"));
    if (hi == NULL || (strcmp(hi, "better") != 0 && strcmp(hi, "worse") != 0))
        return fail(e, "%s.higher_is: \"better\" or \"worse\"", path);
    s->higher_is_better = strcmp(hi, "better") == 0;
    json_t *items = json_object_get(in, "items");
    if (items == NULL) {
        for (int i = 0; i < q->n_items; i++)
            if (!q->items[i].free_text)
                s->items[s->n_items++] = i;
    } else {
        if (!json_is_array(items) || json_array_size(items) == 0)
            return fail(e, "%s.items: a list of item ids (leave it out for every item)", path);
        for (size_t i = 0; i < json_array_size(items); i++) {
            int x = questionnaire_item_index(q, json_string_value(json_array_get(items, i)));
            if (x < 0)
                return fail(e, "%s.items[%zu]: no item of that id", path, i);
            if (q->items[x].free_text)
                return fail(e, "%s.items[%zu]: a free-text item cannot be scored", path, i);
            for (int j = 0; j < s->n_items; j++)
                if (s->items[j] == x)
                    return fail(e, "%s.items[%zu]: listed twice", path, i);
            s->items[s->n_items++] = x;
        }
    }
    if (s->n_items == 0)
        return fail(e, "%s.items: no item with choices to score", path);
    json_t *weights = json_object_get(in, "weights");
    for (int i = 0; i < s->n_items; i++)
        s->weights[i] = 1.0;
    if ((weights != NULL) != (s->method == Q_WEIGHTED))
        return fail(e, "%s.weights: given with \"method\": \"weighted\", and only then", path);
    if (weights != NULL) {
        if (!json_is_object(weights))
            return fail(e, "%s.weights: an object of item id → weight", path);
        const char *key;
        json_t *w;
        json_object_foreach(weights, key, w)
        {
            int slot = -1;
            for (int i = 0; i < s->n_items; i++)
                if (strcmp(q->items[s->items[i]].id, key) == 0)
                    slot = i;
            if (slot < 0)
                return fail(e, "%s.weights.%s: not an item of this score", path, key);
            if (!json_is_number(w) || json_number_value(w) <= 0 || json_number_value(w) > 100)
                return fail(e, "%s.weights.%s: a number above 0, at most 100", path, key);
            s->weights[slot] = json_number_value(w);
        }
    }
    double wsum = 0;
    s->min = s->max = 0;
    for (int i = 0; i < s->n_items; i++) {
        const struct q_item *it = &q->items[s->items[i]];
        s->min += s->weights[i] * it->vmin;
        s->max += s->weights[i] * it->vmax;
        wsum += s->weights[i];
    }
    if (s->method == Q_MEAN) {
        s->min /= wsum;
        s->max /= wsum;
    }
    json_t *missing = json_object_get(in, "missing");
    if (missing != NULL) {
        static const char *const mkeys[] = {"max", "prorate", NULL};
        char p[96];
        snprintf(p, sizeof p, "%s.missing", path);
        if (!json_is_object(missing))
            return fail(e, "%s: must be an object", p);
        if (only_keys(e, p, missing, mkeys) != 0)
            return -1;
        json_t *max = json_object_get(missing, "max"), *pro = json_object_get(missing, "prorate");
        if (!json_is_integer(max) || json_integer_value(max) < 0 ||
            json_integer_value(max) >= s->n_items)
            return fail(e, "%s.max: a whole number from 0 to %d (fewer than the items)", p,
                        s->n_items - 1);
        if (pro != NULL && !json_is_boolean(pro))
            return fail(e, "%s.prorate: true or false", p);
        if (json_is_true(pro) && s->method == Q_MEAN)
            return fail(e, "%s.prorate: a mean is taken over the answered items already", p);
        s->max_missing = (int)json_integer_value(max);
        s->prorate = json_is_true(pro);
    }
    json_t *cut = json_object_get(in, "cutoffs");
    if (cut != NULL && parse_cutoffs(e, path, cut, s) != 0)
        return -1;
    json_t *rc = json_object_get(in, "reliable_change");
    if (rc != NULL && parse_rc(e, path, rc, s) != 0)
        return -1;
    if (json_object_get(in, "meaning") != NULL &&
        need_text(e, path, in, "meaning", QUESTIONNAIRE_TEXT_MAX) != 0)
        return -1;
    for (int j = 0; j < (int)k; j++)
        if (strcmp(q->scores[j].id, s->id) == 0)
            return fail(e, "%s.id: \"%s\" is the id of another score", path, s->id);
    json_object_update(out, in);
    json_object_set_new(out, "range", json_pack("[f,f]", s->min, s->max));
    if (s->reliable_change > 0)
        json_object_set_new(out, "reliable_difference", json_real(s->reliable_change));
    return 0;
}

static int parse(struct perr *e, json_t *root, struct questionnaire *q, json_t *out)
{
    static const char *const keys[] = {"id",     "title",   "intro",       "items",    "scales",
                                       "scores", "licence", "answered_by", "schedule", NULL};
    if (!json_is_object(root))
        return fail(e, "$: the definition must be a JSON object");
    if (only_keys(e, "$", root, keys) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(root, "id"));
    if (!id_ok(id))
        return fail(e, "$.id: must be [a-z0-9_-], 1–47 characters");
    snprintf(q->id, sizeof q->id, "%s", id);
    if (need_text(e, "$", root, "title", QUESTIONNAIRE_TEXT_MAX) != 0 ||
        need_text(e, "$", root, "intro", QUESTIONNAIRE_TEXT_MAX) != 0)
        return -1;
    json_t *lic = json_object_get(root, "licence");
    if (lic != NULL && need_text(e, "$", root, "licence", QUESTIONNAIRE_LICENCE_MAX) != 0)
        return -1;
    const char *by = json_string_value(json_object_get(root, "answered_by"));
    if (json_object_get(root, "answered_by") == NULL || (by != NULL && strcmp(by, "private") == 0))
        q->answered_by = Q_PRIVATE;
    else if (by != NULL && strcmp(by, "each_member") == 0)
        q->answered_by = Q_EACH_MEMBER;
    else
        return fail(e, "$.answered_by: \"each_member\" or \"private\"");
    json_t *sched = json_object_get(root, "schedule");
    if (sched != NULL) {
        static const char *const skeys[] = {"every_days", NULL};
        if (!json_is_object(sched))
            return fail(e, "$.schedule: must be an object");
        if (only_keys(e, "$.schedule", sched, skeys) != 0)
            return -1;
        json_t *every = json_object_get(sched, "every_days");
        if (!json_is_integer(every) || json_integer_value(every) < 1 ||
            json_integer_value(every) > QUESTIONNAIRE_EVERY_MAX)
            return fail(e, "$.schedule.every_days: a whole number from 1 to %d",
                        QUESTIONNAIRE_EVERY_MAX);
        q->every_days = (int)json_integer_value(every);
    }
    if (q->answered_by == Q_EACH_MEMBER && (lic == NULL || sched == NULL))
        return fail(e, "$.%s: required when each member answers",
                    lic == NULL ? "licence" : "schedule");
    json_t *scales = json_object_get(root, "scales");
    if (scales != NULL && !json_is_object(scales))
        return fail(e, "$.scales: an object of scale name → choices");
    json_t *items = json_object_get(root, "items");
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > QUESTIONNAIRE_ITEMS_MAX)
        return fail(e, "$.items: a list of 1–%d items", QUESTIONNAIRE_ITEMS_MAX);
    json_t *items_out = json_array();
    json_object_set_new(out, "items", items_out);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *io = json_object();
        json_array_append_new(items_out, io);
        if (parse_item(e, root, json_array_get(items, i), i, &q->items[i], io) != 0)
            return -1;
        for (size_t k = 0; k < i; k++)
            if (strcmp(q->items[k].id, q->items[i].id) == 0)
                return fail(e, "$.items[%zu].id: \"%s\" is the id of another item", i,
                            q->items[i].id);
        q->n_items = (int)i + 1;
    }
    json_t *scores = json_object_get(root, "scores");
    if (scores != NULL) {
        if (q->answered_by == Q_PRIVATE)
            return fail(e, "$.scores: a private questionnaire's answers are sealed to the "
                           "therapist, so the server cannot score them");
        if (!json_is_array(scores) || json_array_size(scores) > QUESTIONNAIRE_SCORES_MAX)
            return fail(e, "$.scores: a list of at most %d", QUESTIONNAIRE_SCORES_MAX);
        json_t *scores_out = json_array();
        json_object_set_new(out, "scores", scores_out);
        for (size_t k = 0; k < json_array_size(scores); k++) {
            json_t *so = json_object();
            json_array_append_new(scores_out, so);
            if (parse_score(e, json_array_get(scores, k), k, q, &q->scores[k], so) != 0)
                return -1;
            q->n_scores = (int)k + 1;
        }
    }
    if (scales != NULL) {
        const char *name;
        json_t *v;
        json_object_foreach(scales, name, v)
        {
            bool used = false;
            for (size_t i = 0; i < json_array_size(items); i++) {
                const char *sc =
                    json_string_value(json_object_get(json_array_get(items, i), "scale"));
                used |= sc != NULL && strcmp(sc, name) == 0;
            }
            if (!used)
                return fail(e, "$.scales.%s: no item uses this scale", name);
        }
    }
    static const char *const copy[] = {"id",          "title",    "intro", "licence",
                                       "answered_by", "schedule", NULL};
    for (const char *const *c = copy; *c != NULL; c++)
        if (json_object_get(root, *c) != NULL)
            json_object_set(out, *c, json_object_get(root, *c));
    json_object_set_new(out, "answered_by",
                        json_string(q->answered_by == Q_PRIVATE ? "private" : "each_member"));
    return 0;
}

int questionnaire_parse(const char *json, size_t len, struct questionnaire *q, json_t **normal_out,
                        char *err, size_t err_len)
{
    struct perr e = {err, err_len};
    memset(q, 0, sizeof *q);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return fail(&e, "$: not JSON (line %d: %s)", je.line, je.text);
    json_t *out = json_object();
    int r = parse(&e, root, q, out);
    json_decref(root);
    if (r != 0 || normal_out == NULL)
        json_decref(out);
    else
        *normal_out = out;
    return r;
}

int questionnaire_check(const char *json, size_t len, char *id_out, size_t id_cap, char *err,
                        size_t err_len)
{
    static _Thread_local struct questionnaire q;
    if (questionnaire_parse(json, len, &q, NULL, err, err_len) != 0)
        return -1;
    snprintf(id_out, id_cap, "%s", q.id);
    return 0;
}

int questionnaire_item_index(const struct questionnaire *q, const char *id)
{
    for (int i = 0; id != NULL && i < q->n_items; i++)
        if (strcmp(q->items[i].id, id) == 0)
            return i;
    return -1;
}

static bool answered(const struct q_item *it, int a)
{
    return !it->free_text && a >= 0 && a < it->n_choices;
}

/* An answered item's value as scored: reversed where marked. The clamp only
 * absorbs rounding (vmin + vmax − v can land an ulp outside the range). */
static double item_value(const struct q_item *it, int a)
{
    double v = it->values[a];
    if (it->reversed)
        v = it->vmin + it->vmax - v;
    return fmin(fmax(v, it->vmin), it->vmax);
}

/* Where v lies within the item's own range: 0 at its lowest, 1 at its
 * highest (every item has two distinct values, so vmax > vmin). */
static double item_position(const struct q_item *it, double v)
{
    return (v - it->vmin) / (it->vmax - it->vmin);
}

/* The value a missing item counts as. Imputed (a mean, or a prorated sum):
 * the same position within its own range as the answered items' mean
 * position (proportion of maximum, "POMP"); for items sharing one scale
 * that is the answered items' mean, the classic rule. Not imputed (a sum
 * without prorating): nothing, 0, or the value of its range nearest 0 when
 * the range excludes 0. Either way within [vmin, vmax]. */
static double missing_value(const struct q_item *it, bool impute, double position)
{
    double v = impute ? it->vmin + position * (it->vmax - it->vmin) : 0.0;
    return fmin(fmax(v, it->vmin), it->vmax);
}

/* Every item's value, answered or counted for a missing one, lies within
 * the item's range, and the weighted sum (and the division by Σ w for a
 * mean) runs over the items in the order the range was computed in; IEEE
 * rounding is monotonic, so the score lies within [min, max] exactly. */
int questionnaire_score(const struct questionnaire *q, const int *answers, double *out)
{
    int computed = 0;
    for (int k = 0; k < q->n_scores; k++) {
        const struct q_score *s = &q->scores[k];
        double wanswered = 0, positions = 0;
        int missing = 0;
        for (int i = 0; i < s->n_items; i++) {
            const struct q_item *it = &q->items[s->items[i]];
            int a = answers[s->items[i]];
            if (!answered(it, a)) {
                missing++;
                continue;
            }
            positions += s->weights[i] * item_position(it, item_value(it, a));
            wanswered += s->weights[i];
        }
        if (missing > s->max_missing) {
            out[k] = NAN;
            continue;
        }
        /* max_missing < n_items, so at least one item is answered */
        double position = fmin(fmax(positions / wanswered, 0.0), 1.0);
        bool impute = s->method == Q_MEAN || s->prorate;
        double total = 0, wall = 0;
        for (int i = 0; i < s->n_items; i++) {
            const struct q_item *it = &q->items[s->items[i]];
            int a = answers[s->items[i]];
            double v = answered(it, a) ? item_value(it, a) : missing_value(it, impute, position);
            total += s->weights[i] * v;
            wall += s->weights[i];
        }
        out[k] = s->method == Q_MEAN ? total / wall : total;
        computed++;
    }
    return computed;
}

int questionnaire_past_cutoff(const struct q_score *s, double score)
{
    if (isnan(score))
        return -1;
    for (int k = 0; k < s->n_cutoffs; k++) {
        const struct q_cutoff *c = &s->cutoffs[k];
        if ((c->direction == Q_BELOW && score < c->value) ||
            (c->direction == Q_ABOVE && score > c->value))
            return k;
    }
    return -1;
}

int questionnaire_reliable_change(const struct q_score *s, double before, double after)
{
    if (s->reliable_change <= 0 || isnan(before) || isnan(after))
        return 0;
    double d = after - before;
    if (fabs(d) < s->reliable_change)
        return 0;
    return (d > 0) == s->higher_is_better ? 1 : -1;
}

bool questionnaire_danger(const struct questionnaire *q, const int *answers)
{
    for (int i = 0; i < q->n_items; i++)
        if (answered(&q->items[i], answers[i]) && (q->items[i].danger >> answers[i]) & 1u)
            return true;
    return false;
}
