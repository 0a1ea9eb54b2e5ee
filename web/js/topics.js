// topics.js — the words for share topics, depths and comfort levels, shared
// by the suggested prompt (prompt.js) and the comfort settings
// (dyadsettings.js). The API names are fixed (design §8); these are the
// names a person reads.

export const TOPICS = [
    'everyday', 'joy', 'fear', 'frustration', 'sorrow', 'anger', 'failure',
    'embarrassment', 'inadequacy', 'hope', 'gratitude', 'us', 'desire',
];

const TOPIC_LABEL = {
    everyday: 'Everyday life',
    joy: 'Joys',
    fear: 'Fears',
    frustration: 'Frustrations',
    sorrow: 'Sorrows',
    anger: 'Anger',
    failure: 'Failures and mistakes',
    embarrassment: 'Embarrassing moments',
    inadequacy: 'Feeling not good enough',
    hope: 'Hopes and dreams',
    gratitude: 'Gratitude',
    us: 'The two of you',
    desire: 'Desire',
};

/**
 * The topics a dyad of `kind` can use: desire is for couples only, and is
 * offered (desireOpen, the dyad's `desire_open`) only when both turned
 * sexual tracking on. Comfort in Settings may still be set for it.
 */
export function topicsFor(kind, desireOpen = true) {
    return TOPICS.filter((t) => t !== 'desire' || (kind === 'couple' && desireOpen));
}

export function topicLabel(topic) {
    return TOPIC_LABEL[topic] || topic;
}

/** Depth 1–5 in a few words. */
export const DEPTH_WORDS = {
    1: 'light',
    2: 'a little personal',
    3: 'personal',
    4: 'deep',
    5: 'as deep as it goes',
};

/** Comfort 0–5: 0 sets a topic aside; 1–5 is the deepest one is ready for. */
export const COMFORT_WORDS = {
    0: 'Not now',
    1: '1 — light things only',
    2: '2 — a little personal',
    3: '3 — personal',
    4: '4 — deep',
    5: '5 — anything',
};
