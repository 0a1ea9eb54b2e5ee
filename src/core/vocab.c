/*
 * vocab.c — see vocab.h. Changing a label here changes it in the browser at
 * the next build; the names (wire values) are not here and never change.
 */
#include "core/vocab.h"

#include <string.h>

#include "core/insights.h"
#include "core/prompts.h"

static const struct vocab_word topics[PROMPTS_TOPIC__MAX] = {
    [PROMPTS_TOPIC_EVERYDAY] = {"Everyday life", "the ordinary stuff of the day"},
    [PROMPTS_TOPIC_JOY] = {"Joys", "something that made you glad"},
    [PROMPTS_TOPIC_FEAR] = {"Fears", "something that frightens or worries you"},
    [PROMPTS_TOPIC_FRUSTRATION] = {"Frustrations", "something that got in your way"},
    [PROMPTS_TOPIC_SORROW] = {"Sorrows", "something that saddens you"},
    [PROMPTS_TOPIC_ANGER] = {"Anger", "something that made you angry"},
    [PROMPTS_TOPIC_FAILURE] = {"Failures and mistakes", "something you got wrong"},
    [PROMPTS_TOPIC_EMBARRASSMENT] = {"Embarrassing moments", "a moment you would rather hide"},
    [PROMPTS_TOPIC_INADEQUACY] = {"Feeling not good enough", "where you doubt yourself"},
    [PROMPTS_TOPIC_HOPE] = {"Hopes and dreams", "what you wish for"},
    [PROMPTS_TOPIC_GRATITUDE] = {"Gratitude", "something you are thankful for"},
    [PROMPTS_TOPIC_US] = {"The two of you", "how things are between you"},
    [PROMPTS_TOPIC_DESIRE] = {"Desire", "wanting and being wanted"},
};

/* Depth measures vulnerability (docs/pacing.md). */
static const struct vocab_word depths[PROMPTS_DEPTH_MAX] = {
    {"Everyday", "the sort of thing you would tell most people"},
    {"Personal", "a feeling or an opinion of your own"},
    {"Closer", "something you tell few people"},
    {"Deep", "something that is hard for you to say"},
    {"The most vulnerable", "something you have hardly ever said aloud"},
};

static const struct vocab_word kinds[PROMPTS_KIND__MAX] = {
    [PROMPTS_KIND_COUPLE] = {"Couple", NULL},
    [PROMPTS_KIND_FRIENDS] = {"Friends", NULL},
    [PROMPTS_KIND_FAMILY] = {"Family", NULL},
};

static const struct vocab_word emotions[INSIGHTS_EMOTION__MAX] = {
    [INSIGHTS_EMOTION_JOY] = {"Joy", NULL},
    [INSIGHTS_EMOTION_FEAR] = {"Fear", NULL},
    [INSIGHTS_EMOTION_FRUSTRATION] = {"Frustration", NULL},
    [INSIGHTS_EMOTION_SORROW] = {"Sorrow", NULL},
    [INSIGHTS_EMOTION_ANGER] = {"Anger", NULL},
    [INSIGHTS_EMOTION_HOPE] = {"Hope", NULL},
    [INSIGHTS_EMOTION_GRATITUDE] = {"Gratitude", NULL},
    [INSIGHTS_EMOTION_EMBARRASSMENT] = {"Embarrassment", NULL},
};

static const char *const response_names[VOCAB_RESPONSE__MAX] = {
    [VOCAB_RESPONSE_UNDERSTOOD] = "understood",
    [VOCAB_RESPONSE_MAKES_SENSE] = "makes_sense",
    [VOCAB_RESPONSE_WITH_YOU] = "with_you",
};

static const struct vocab_word responses[VOCAB_RESPONSE__MAX] = {
    [VOCAB_RESPONSE_UNDERSTOOD] = {"I understand", NULL},
    [VOCAB_RESPONSE_MAKES_SENSE] = {"That makes sense", NULL},
    [VOCAB_RESPONSE_WITH_YOU] = {"I’m with you", NULL},
};

const struct vocab_word *vocab_topic(int t)
{
    return t >= 0 && t < PROMPTS_TOPIC__MAX ? &topics[t] : NULL;
}

const struct vocab_word *vocab_depth(int d)
{
    return d >= PROMPTS_DEPTH_MIN && d <= PROMPTS_DEPTH_MAX ? &depths[d - 1] : NULL;
}

const struct vocab_word *vocab_kind(int k)
{
    return k >= 0 && k < PROMPTS_KIND__MAX ? &kinds[k] : NULL;
}

const struct vocab_word *vocab_emotion(int e)
{
    return e >= 0 && e < INSIGHTS_EMOTION__MAX ? &emotions[e] : NULL;
}

const struct vocab_word *vocab_response(int r)
{
    return r >= 0 && r < VOCAB_RESPONSE__MAX ? &responses[r] : NULL;
}

const char *vocab_response_name(int r)
{
    return r >= 0 && r < VOCAB_RESPONSE__MAX ? response_names[r] : NULL;
}

int vocab_response_from_name(const char *name)
{
    for (int r = 0; name != NULL && r < VOCAB_RESPONSE__MAX; r++)
        if (strcmp(name, response_names[r]) == 0)
            return r;
    return -1;
}

const char *vocab_reveal_name(int r)
{
    static const char *const names[VOCAB_REVEAL__MAX] = {"now", "mutual"};
    return r >= 0 && r < VOCAB_REVEAL__MAX ? names[r] : NULL;
}

const char *vocab_entry_kind_name(int e)
{
    static const char *const names[VOCAB_ENTRY__MAX] = {"share", "response", "note"};
    return e >= 0 && e < VOCAB_ENTRY__MAX ? names[e] : NULL;
}
