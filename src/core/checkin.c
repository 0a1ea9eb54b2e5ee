/*
 * checkin.c — see checkin.h.
 */
#include "core/checkin.h"

#include <string.h>

static const char *const emotion_names[INSIGHTS_EMOTION__MAX] = {
    "joy", "fear", "frustration", "sorrow", "anger", "hope", "gratitude", "embarrassment"};

int checkin_item_from_name(const char *name)
{
    for (int i = 0; i < INSIGHTS_ITEM__MAX; i++) {
        if (i == INSIGHTS_ITEM_COMFORT)
            continue;
        const char *n = insights_item_name(i);
        if (n != NULL && strcmp(n, name) == 0)
            return i;
    }
    return -1;
}

const char *checkin_item_name(int i)
{
    return i == INSIGHTS_ITEM_COMFORT ? NULL : insights_item_name(i);
}

int checkin_emotion_from_name(const char *name)
{
    for (int i = 0; i < INSIGHTS_EMOTION__MAX; i++)
        if (strcmp(emotion_names[i], name) == 0)
            return i;
    return -1;
}

const char *checkin_emotion_name(int e)
{
    return e >= 0 && e < INSIGHTS_EMOTION__MAX ? emotion_names[e] : NULL;
}

bool checkin_day_writable(long day, long today)
{
    return day >= today - CHECKIN_DAYS_BACK && day <= today + CHECKIN_DAYS_AHEAD;
}

bool checkin_note_size_ok(size_t n)
{
    if (n < CHECKIN_NOTE_OVERHEAD + 64 || n > CHECKIN_NOTE_OVERHEAD + CHECKIN_NOTE_MAX)
        return false;
    return (n - CHECKIN_NOTE_OVERHEAD) % 64 == 0;
}
