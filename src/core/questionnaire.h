/*
 * questionnaire.h — definitions of the short questionnaires a therapist can
 * give one member alone (a private check-in, e.g. a safety check): items
 * with fixed choices, the choices that signal danger (the member's browser
 * then shows the crisis resources at once), and free-text items.
 *
 * Pure: checks a definition given as bytes; the server loads them from
 * data/ at start and a malformed one stops start-up with this message.
 */
#ifndef DYAD_QUESTIONNAIRE_H
#define DYAD_QUESTIONNAIRE_H

#include <stddef.h>

enum {
    QUESTIONNAIRE_ID_MAX = 48,
    QUESTIONNAIRE_ITEMS_MAX = 40,
    QUESTIONNAIRE_CHOICES_MAX = 11,
    QUESTIONNAIRE_TEXT_MAX = 600,
};

/* Checks a definition: {"id", "title", "intro", "items":[{"id", "text",
 * "choices":[…] | "free_text":true, "danger":[choice indexes]}]} with
 * unique item ids of [a-z0-9_], 1–40 items, 2–11 choices, danger indexes
 * within the choices, no unknown keys. 0 and its id in id_out, or -1 with a
 * message naming the item and the problem in err. */
int questionnaire_check(const char *json, size_t len, char *id_out, size_t id_cap, char *err,
                        size_t err_len);

#endif
