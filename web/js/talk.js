// talk.js — the guided conversation's plan and clock, with no DOM and no
// network, so node's test runner can check it (tests/js/talk.test.mjs).
//
// A guided conversation (docs/pacing.md; Aron et al. 1997) is three timed
// sets of prompts of escalating depth, the two people taking turns on one
// device, and an optional quiet minute together at the end. This module
// decides which prompts go into which set, who goes first on each, and keeps
// the time; pages/talk.js shows it.
//
// Depth is never the plan's to raise: `allowed` gives, per topic, the depth
// the server's pacing engine allows (GET /dyads/{id}/next-prompt?topic=…:
// never deeper than the lower of the two comforts, nor more than trust + 1).
// A topic missing from `allowed`, or at 0, is never used, and no prompt is
// ever deeper than its own topic's allowed depth. Within that:
//
//   set 1  light: depth 1
//   set 2  a step deeper: halfway between 1 and the deepest allowed anywhere
//          (rounded up), so at least 2 when anything deeper than 1 is allowed
//   set 3  the deepest allowed anywhere
//
// Each slot of a set takes, in this order of preference: the deepest prompt
// not deeper than the set's target and its topic's allowed depth (so a set
// reaches its target with the topics that allow it, and a topic without a
// prompt at some depth steps down); one the dyad has not answered before;
// the topic used least so far (breadth); then chance. No prompt appears
// twice in a plan. Prompts marked `support` (they could hurt without someone
// to lean on) and prompts written `for` one family member are never used:
// here both people answer every prompt, face to face, with no pause for help.

export const SET_COUNT = 3;
export const MINUTE_CHOICES = [5, 10, 15];
export const DEFAULT_MINUTES = 15;
export const SILENT_SECONDS = 60;

/** The words of each record share: neutral, never what was said. */
export const RECORD_TEXT = 'Talked through together in a guided conversation';

/**
 * How many prompts a set of `minutes` holds: about one every 75 seconds —
 * more than most pairs get through, since each of the two answers each
 * prompt; the timer, not the list, ends a set.
 */
export function promptsPerSet(minutes) {
    const m = Number.isFinite(minutes) && minutes > 0 ? minutes : DEFAULT_MINUTES;
    return Math.max(4, Math.round(m * 0.8));
}

/** The target depth of each set, given the deepest depth allowed anywhere. */
export function setTargets(maxAllowed) {
    const max = Math.max(1, Math.min(5, Math.floor(maxAllowed) || 1));
    return [1, Math.min(max, Math.max(max > 1 ? 2 : 1, Math.ceil((1 + max) / 2))), max];
}

/** A small seeded random number generator (mulberry32): [0, 1). */
export function seededRandom(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Who reads prompt number `turn` (0-based, counting talked-through prompts) first: [first, second]. */
export function speakerOrder(turn, firstSpeaker = 0) {
    const first = (firstSpeaker + turn) % 2;
    return [first, 1 - first];
}

function cleanAllowed(allowed) {
    const out = new Map();
    for (const [topic, d] of Object.entries(allowed || {})) {
        const n = Math.floor(Number(d));
        if (Number.isFinite(n) && n >= 1) out.set(topic, Math.min(5, n));
    }
    return out;
}

/**
 * Plans the three sets.
 *   library       [{id, topic, depth, kinds, text}] (the prompt library)
 *   allowed       {topic: depth}: the allowed depth per topic; 0 or absent = not used
 *   kind          the dyad's kind; prompts not for it are never used (optional)
 *   answered      prompt ids the dyad has answered before (avoided when possible)
 *   minutes       length of each set (decides how many prompts a set holds)
 *   perSet        overrides promptsPerSet(minutes)
 *   firstSpeaker  0 or 1: who reads the very first prompt first
 *   random        () → [0, 1); Math.random by default
 * → { targets, maxAllowed, allLight, empty, sets: [{ number, target, depth,
 *     items: [{ prompt, topic, depth, first, second, answeredBefore }] }] }
 *   where a set's `depth` is the deepest it actually reaches.
 */
export function planConversation({
    library = [], allowed = {}, kind = null, answered = [], minutes = DEFAULT_MINUTES, perSet = null,
    firstSpeaker = 0, random = Math.random,
} = {}) {
    const caps = cleanAllowed(allowed);
    const done = new Set(answered);
    // every prompt that could ever be shown: its topic open, not deeper than its topic allows
    const pool = library.filter((p) => p && typeof p.id === 'string' && caps.has(p.topic) &&
        Number.isInteger(p.depth) && p.depth >= 1 && p.depth <= caps.get(p.topic) &&
        (!kind || !Array.isArray(p.kinds) || p.kinds.includes(kind)) &&
        // never one that could hurt without support, nor one written for one
        // side of a family (both people answer every prompt here)
        p.support !== true && !p.for);
    let maxAllowed = 0;
    for (const p of pool) maxAllowed = Math.max(maxAllowed, p.depth);
    const count = perSet || promptsPerSet(minutes);
    const targets = setTargets(maxAllowed);
    const used = new Set();
    const topicUse = new Map();
    let turn = 0;
    let lastTopic = null;
    const sets = targets.map((target, i) => {
        const items = [];
        for (let slot = 0; slot < count; slot++) {
            let best = null;
            let bestKey = null;
            for (const p of pool) {
                if (used.has(p.id)) continue;
                const cap = Math.min(target, caps.get(p.topic));
                if (p.depth > cap) continue;
                const key = [
                    target - p.depth, // as deep as the set and the topic allow
                    done.has(p.id) ? 1 : 0, // something new
                    topicUse.get(p.topic) || 0, // breadth
                    p.topic === lastTopic ? 1 : 0, // not the same topic twice in a row
                    random(),
                ];
                if (!bestKey || lessThan(key, bestKey)) {
                    best = p;
                    bestKey = key;
                }
            }
            if (!best) break;
            used.add(best.id);
            topicUse.set(best.topic, (topicUse.get(best.topic) || 0) + 1);
            lastTopic = best.topic;
            const [first, second] = speakerOrder(turn, firstSpeaker);
            turn += 1;
            items.push({ prompt: best, topic: best.topic, depth: best.depth, first, second, answeredBefore: done.has(best.id) });
        }
        return { number: i + 1, target, depth: items.reduce((m, it) => Math.max(m, it.depth), 0), items };
    });
    return {
        targets,
        maxAllowed,
        allLight: maxAllowed === 1,
        empty: sets.every((s) => s.items.length === 0),
        sets,
    };
}

function lessThan(a, b) {
    for (let i = 0; i < a.length; i++) {
        if (a[i] < b[i]) return true;
        if (a[i] > b[i]) return false;
    }
    return false;
}

/**
 * A countdown that can pause, on an injected clock (`now()` in ms), so the
 * page can use Date.now and the tests a number they move themselves.
 */
export class Countdown {
    constructor(totalMs, now = () => Date.now()) {
        this.total = Math.max(0, totalMs);
        this.now = now;
        this.left = this.total; // while paused or not started
        this.since = null; // when it last started running
    }

    get running() {
        return this.since !== null;
    }

    start() {
        if (this.since === null && this.left > 0) this.since = this.now();
        return this;
    }

    pause() {
        if (this.since !== null) {
            this.left = this.remaining();
            this.since = null;
        }
        return this;
    }

    remaining() {
        if (this.since === null) return this.left;
        return Math.max(0, this.left - (this.now() - this.since));
    }

    elapsed() {
        return this.total - this.remaining();
    }

    done() {
        return this.remaining() <= 0;
    }
}

/** "m:ss" for a number of ms left, rounded up to the whole second (never shows 0:00 early). */
export function formatClock(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The time left in words, for screen readers: "3 minutes and 20 seconds". */
export function spokenTime(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    const m = Math.floor(s / 60);
    const r = s % 60;
    const mins = m === 1 ? '1 minute' : `${m} minutes`;
    const secs = r === 1 ? '1 second' : `${r} seconds`;
    if (m && r) return `${mins} and ${secs}`;
    return m ? mins : secs;
}

// When the live region speaks during a set: a few times, never every second.
const MILESTONES_MS = [10, 5, 2, 1].map((m) => m * 60000).concat([30000]);

/**
 * The announcement due when the time left went from `beforeMs` to `nowMs`
 * (ms), or null. Only the latest milestone crossed is said (after a jump,
 * e.g. a tab that slept). Time up (0) is the caller's own moment.
 * `totalMs` keeps a milestone at the very start (a 5-minute set does not
 * announce "5 minutes left" a second after it began) from being said.
 */
export function milestone(beforeMs, nowMs, totalMs = Infinity) {
    if (!(nowMs < beforeMs) || nowMs <= 0) return null;
    let hit = null;
    for (const m of MILESTONES_MS) {
        if (m >= totalMs) continue;
        if (nowMs <= m && beforeMs > m && (hit === null || m < hit)) hit = m;
    }
    return hit === null ? null : `${spokenTime(hit)} left`;
}
