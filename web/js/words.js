// words.js — the words a person reads for the API's vocabularies, one list
// each: share topics, depths 1–5, dyad kinds, feelings of a check-in, and
// kinds of response. The lists come from the server's own tables
// (src/core/vocab.c), compiled into the generated module vocab.js; this file
// only gives them handy shapes. Never type a topic or a label again elsewhere.

import { VOCAB } from './vocab.js';

/** Topics in API order: { name, label, hint, kinds: [kind names it suits] }. */
export const TOPICS = VOCAB.topics;
/** Topic names in API order (index = the topic's number in the API's counts). */
export const TOPIC_NAMES = TOPICS.map((t) => t.name);

/**
 * The topic names a dyad of `kind` can use (desire is for couples only).
 * desireOpen (the dyad's `desire_open`): false leaves desire out even in a
 * couple — it is offered only when both turned sexual tracking on. Settings
 * (comfort) passes nothing, so a person can raise their comfort beforehand.
 */
export function topicsFor(kind, desireOpen = true) {
    return topicChoices(kind, desireOpen).map((t) => t.name);
}

/** The topics a dyad of `kind` can use, with their label and hint. */
export function topicChoices(kind, desireOpen = true) {
    return TOPICS.filter((t) => t.kinds.includes(kind) && (desireOpen || t.name !== 'desire'));
}

export function topicLabel(name) {
    const t = TOPICS.find((x) => x.name === name);
    return t ? t.label : String(name);
}

/** Depths 1–5: { n, label, hint }. */
export const DEPTHS = VOCAB.depths;

export function depthOf(n) {
    return DEPTHS.find((d) => d.n === Number(n)) || null;
}

/** Depth 1–5 in running text: "closer". */
export const DEPTH_WORDS = Object.fromEntries(DEPTHS.map((d) => [d.n, d.label.toLowerCase()]));

/** Comfort 0–5: 0 sets a topic aside; 1–5 is the deepest one is ready for. */
export const COMFORT_WORDS = {
    0: 'Not now',
    ...Object.fromEntries(DEPTHS.map((d) => [d.n, `${d.n} — ${d.label.toLowerCase()}`])),
};

/** Dyad kinds: { name, label }. */
export const KINDS = VOCAB.kinds;
export const KIND_NAMES = KINDS.map((k) => k.name);
export const KIND_LABEL = Object.fromEntries(KINDS.map((k) => [k.name, k.label]));

/** Feelings a check-in can name: { name, label }. */
export const EMOTIONS = VOCAB.emotions;
export const EMOTION_NAMES = EMOTIONS.map((e) => e.name);

export function emotionLabel(name) {
    const e = EMOTIONS.find((x) => x.name === name);
    return e ? e.label : String(name);
}

/** Kinds of response to a share: { kind, label }. */
export const RESPONSE_KINDS = VOCAB.responses;

export function responseLabel(kind) {
    const r = RESPONSE_KINDS.find((x) => x.kind === kind);
    return r ? r.label : String(kind);
}
