/*
 * measures_view.h — the measures (questionnaires both members answer on a
 * schedule) as each viewer may see them, shared by the members' and the
 * therapist's handlers, the caseload's flags and the chart: answers read
 * from the store, scored by the pure core (core/questionnaire.h), and
 * filtered — a member sees their own answers and those the other chose to
 * show; the therapist sees all, with cut-offs and reliable change marked.
 */
#ifndef DYAD_MEASURES_VIEW_H
#define DYAD_MEASURES_VIEW_H

#include <jansson.h>

#include "core/questionnaire.h"
#include "web/floor.h"

/* The definition named id (parsed) and, if normal is not NULL, its normal
 * form (borrowed); NULL when the server has none such. */
const struct questionnaire *measures_def(const struct app *app, const char *id, json_t **normal);

/* The period (0, 1, …) that day falls in for a measure starting on
 * starts_on and due every every_days; -1 before it starts. */
int measures_period(const char *starts_on, int every_days, long day);

/* One stored answer, scored by q: {"user_id", "period", "day", "answers"
 * (item id → choice index or null), "scores" (score id → number or null),
 * "show_partner", "danger", "answered_at"}. */
json_t *measures_answer_json(const struct questionnaire *q, const struct measure_answer *a);

enum measures_viewer { MEASURES_MEMBER, MEASURES_THERAPIST };

/* One measure as JSON for viewer (for a member, m->me is the caller):
 * its schedule, the current period and whether it is due for the caller,
 * and per member the answers they may see, scored. For the therapist, each
 * answer also has "past_cutoff" (score id → the cut-off's label) and
 * "reliable_change" (score id → -1 a reliable worsening, +1 a reliable
 * improvement, from that member's first score). NULL when the store
 * failed. */
json_t *measures_view_json(struct ctx *c, const struct membership *mem, const struct measure *m,
                           enum measures_viewer viewer);

/* The chart of the measure's first score (therapist's view from
 * measures_view_json): both members over the periods, the cut-offs, the
 * gap and reliable change (web/charts.h). A string to free, or NULL when
 * the measure has no score or memory ran out. */
char *measures_chart(json_t *view, const struct questionnaire *q, const char *id);

/* Flags for the caseload, appended to flags: a member's latest score past a
 * cut-off ("cutoff"), a reliable worsening from their first ("worsening"),
 * a latest answer that signals danger ("danger"). -1 when the store
 * failed. */
int measures_flags(struct ctx *c, const struct membership *mem, json_t *flags);

#endif
