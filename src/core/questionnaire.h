/*
 * questionnaire.h — questionnaire definitions as data, and their scoring.
 *
 * A definition (JSON, described in docs/questionnaires.md) has items with
 * answer scales (labels and values), reversed items, scores (sum, mean or
 * weighted, over all items or a subscale, with a rule for missing answers),
 * cut-offs with their meaning, a reliable-change threshold, a schedule, who
 * answers (each member, or one member privately, sealed to the therapist)
 * and its licence text.
 *
 * Pure: parses and checks a definition given as bytes, and scores answers
 * given as choice indexes. No I/O. A malformed definition is refused with
 * the JSON path of the bad field and the reason ("$.items[2].scale: ...").
 */
#ifndef DYAD_QUESTIONNAIRE_H
#define DYAD_QUESTIONNAIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    QUESTIONNAIRE_ID_MAX = 48,
    QUESTIONNAIRE_ITEMS_MAX = 40,
    QUESTIONNAIRE_CHOICES_MAX = 11,
    QUESTIONNAIRE_TEXT_MAX = 600,
    QUESTIONNAIRE_LICENCE_MAX = 4000,
    QUESTIONNAIRE_SCORES_MAX = 8,
    QUESTIONNAIRE_CUTOFFS_MAX = 4,
    QUESTIONNAIRE_EVERY_MAX = 91,
};

enum q_answered_by { Q_EACH_MEMBER, Q_PRIVATE };
enum q_method { Q_SUM, Q_MEAN, Q_WEIGHTED };
enum q_direction { Q_BELOW, Q_ABOVE };

struct q_item {
    char id[QUESTIONNAIRE_ID_MAX];
    bool free_text;
    bool reversed;
    int n_choices;
    double values[QUESTIONNAIRE_CHOICES_MAX];
    double vmin, vmax; /* the least and greatest value on its scale */
    unsigned danger;   /* bit k: choice k signals danger */
};

struct q_cutoff {
    enum q_direction direction; /* past the cut-off: score < value, or > value */
    double value;
};

struct q_score {
    char id[QUESTIONNAIRE_ID_MAX];
    enum q_method method;
    int n_items;
    int items[QUESTIONNAIRE_ITEMS_MAX];      /* indexes into questionnaire.items */
    double weights[QUESTIONNAIRE_ITEMS_MAX]; /* 1 unless weighted */
    int max_missing;                         /* more missing: no score */
    bool prorate;                            /* sum/weighted scaled up to all items */
    double min, max;                         /* the range the score can take */
    int n_cutoffs;
    struct q_cutoff cutoffs[QUESTIONNAIRE_CUTOFFS_MAX];
    double reliable_change; /* the smallest change that is reliable; 0: none defined */
    bool higher_is_better;
};

struct questionnaire {
    char id[QUESTIONNAIRE_ID_MAX];
    enum q_answered_by answered_by;
    int every_days; /* 0: no schedule */
    int n_items;
    struct q_item items[QUESTIONNAIRE_ITEMS_MAX];
    int n_scores;
    struct q_score scores[QUESTIONNAIRE_SCORES_MAX];
};

/* Parses and checks a definition. 0 with *q filled and, when normal_out is
 * not NULL, a new reference to the definition as clients get it (scales
 * resolved: every choice item has "choices" (labels), "values" and
 * "reversed"); or -1 with "$.path: reason" in err. */
int questionnaire_parse(const char *json, size_t len, struct questionnaire *q, json_t **normal_out,
                        char *err, size_t err_len);

/* The check alone: 0 and the id in id_out, or -1 with the message in err. */
int questionnaire_check(const char *json, size_t len, char *id_out, size_t id_cap, char *err,
                        size_t err_len);

/* Scores one set of answers: answers[i] is the chosen index for item i, or
 * -1 when unanswered (free-text items are ignored). out[k] is score k, or
 * NAN when too many of its items are unanswered. Returns the number of
 * scores computed. An index outside an item's choices counts as
 * unanswered. A missing item of a mean or a prorated sum is imputed at the
 * answered items' mean position within their own ranges, one of a sum
 * without prorating counts as the value of its range nearest 0; a computed
 * score always lies within [min, max]. */
int questionnaire_score(const struct questionnaire *q, const int *answers, double *out);

/* The cut-off a score is past (its index), or -1 when none is, or the
 * score is NAN. */
int questionnaire_past_cutoff(const struct q_score *s, double score);

/* Reliable change from before to after: +1 a reliable improvement, -1 a
 * reliable worsening, 0 a change within the threshold, no threshold
 * defined, or a NAN score. */
int questionnaire_reliable_change(const struct q_score *s, double before, double after);

/* Whether any answered choice signals danger. */
bool questionnaire_danger(const struct questionnaire *q, const int *answers);

/* The index of the item or score named id, or -1. */
int questionnaire_item_index(const struct questionnaire *q, const char *id);

#endif
