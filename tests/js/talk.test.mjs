// talk.test.mjs — web/js/talk.js, the guided conversation's plan and clock,
// under node (no DOM, no server). Checked against the shipped library
// (data/prompts.json) and against small hand-made libraries:
//   - no prompt is ever deeper than its own topic's allowed depth, and topics
//     set aside (0) or missing are never used, whatever the seed;
//   - the sets escalate (1, a step deeper, the deepest allowed) when allowed,
//     and stay at depth 1 when 1 is all that is allowed (allLight);
//   - who goes first alternates prompt by prompt, across sets too;
//   - no prompt appears twice, and prompts answered before are avoided while
//     anything else fits;
//   - prompts marked support, or written for one side of a family, are never
//     used;
//   - a topic with no prompt at some depth steps down (to its next depth
//     below), and a set that cannot reach its target says how deep it went;
//   - the countdown pauses and resumes; the clock text and the spoken
//     milestones come at a few moments, not every second.
// Run: node --test tests/js/talk.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
    planConversation, setTargets, speakerOrder, promptsPerSet, seededRandom, Countdown, formatClock,
    spokenTime, milestone, RECORD_TEXT, SET_COUNT, MINUTE_CHOICES,
} from '../../web/js/talk.js';

const LIBRARY = JSON.parse(readFileSync(new URL('../../data/prompts.json', import.meta.url), 'utf8')).prompts;
const COUPLE = LIBRARY.filter((p) => p.kinds.includes('couple'));
const TOPICS = [...new Set(COUPLE.map((p) => p.topic))];

const all = (depth) => Object.fromEntries(TOPICS.map((t) => [t, depth]));
const items = (plan) => plan.sets.flatMap((s) => s.items);

function checkCaps(plan, allowed) {
    for (const it of items(plan)) {
        assert.ok(allowed[it.topic] >= 1, `${it.prompt.id}: topic ${it.topic} is not open`);
        assert.ok(it.depth <= allowed[it.topic], `${it.prompt.id}: depth ${it.depth} > allowed ${allowed[it.topic]} for ${it.topic}`);
        assert.equal(it.depth, it.prompt.depth);
        assert.equal(it.topic, it.prompt.topic);
    }
}

test('set targets: light, a step deeper, the deepest allowed', () => {
    assert.deepEqual(setTargets(1), [1, 1, 1]);
    assert.deepEqual(setTargets(2), [1, 2, 2]);
    assert.deepEqual(setTargets(3), [1, 2, 3]);
    assert.deepEqual(setTargets(4), [1, 3, 4]);
    assert.deepEqual(setTargets(5), [1, 3, 5]);
    assert.deepEqual(setTargets(0), [1, 1, 1]);
    assert.deepEqual(setTargets(9), [1, 3, 5]);
    assert.equal(SET_COUNT, 3);
    assert.deepEqual(MINUTE_CHOICES, [5, 10, 15]);
    assert.deepEqual(MINUTE_CHOICES.map(promptsPerSet), [4, 8, 12]);
});

test('never deeper than the allowed depth for the prompt’s topic, whatever the seed', () => {
    const allowed = { ...all(5), fear: 1, anger: 2, us: 3, desire: 0, hope: 4 };
    for (let seed = 1; seed <= 40; seed++) {
        const plan = planConversation({ library: COUPLE, allowed, kind: 'couple', minutes: 15, random: seededRandom(seed) });
        checkCaps(plan, allowed);
        assert.ok(!items(plan).some((it) => it.topic === 'desire'), 'a topic set aside is never used');
        assert.deepEqual(plan.targets, [1, 3, 5]);
        assert.deepEqual(plan.sets.map((s) => s.depth), [1, 3, 5]);
    }
});

test('a topic missing from allowed is never used; kinds are respected', () => {
    const allowed = { joy: 2, hope: 2, desire: 3 };
    const plan = planConversation({ library: LIBRARY, allowed, kind: 'friends', minutes: 5, random: seededRandom(7) });
    for (const it of items(plan)) {
        assert.ok(['joy', 'hope'].includes(it.topic), it.topic);
        assert.ok(it.prompt.kinds.includes('friends'));
    }
});

test('never a prompt marked support, nor one written for one family member', () => {
    const family = LIBRARY.filter((p) => p.kinds.includes('family'));
    assert.ok(family.some((p) => p.support === true), 'the library marks some support prompts');
    assert.ok(family.some((p) => p.for), 'the library has prompts for one side');
    const famTopics = [...new Set(family.map((p) => p.topic))];
    const allowed = Object.fromEntries(famTopics.map((t) => [t, 5]));
    for (let seed = 1; seed <= 30; seed++) {
        const plan = planConversation({ library: LIBRARY, allowed, kind: 'family', minutes: 15, random: seededRandom(seed) });
        assert.ok(items(plan).length > 0);
        for (const it of items(plan)) {
            assert.notEqual(it.prompt.support, true, it.prompt.id);
            assert.equal(it.prompt.for, undefined, it.prompt.id);
        }
    }
    // A hand-made library where the only deep prompt is marked support: the
    // deepest set steps down rather than use it.
    const tiny = [
        { id: 'a1', topic: 'joy', depth: 1, kinds: ['family'], text: 'x' },
        { id: 'a2', topic: 'joy', depth: 2, kinds: ['family'], text: 'x' },
        { id: 'a5', topic: 'joy', depth: 5, kinds: ['family'], text: 'x', support: true },
        { id: 'b5', topic: 'joy', depth: 5, kinds: ['family'], text: 'x', for: 'parent' },
    ];
    const plan = planConversation({ library: tiny, allowed: { joy: 5 }, kind: 'family', minutes: 5, random: seededRandom(3) });
    assert.deepEqual([...new Set(items(plan).map((it) => it.prompt.id))].sort(), ['a1', 'a2']);
});

test('escalates across sets when allowed', () => {
    const allowed = { ...all(2), fear: 1 }; // a new dyad: trust 1 → 2, one comfort held at 1
    const plan = planConversation({ library: COUPLE, allowed, kind: 'couple', minutes: 5, random: seededRandom(3) });
    checkCaps(plan, allowed);
    assert.deepEqual(plan.sets.map((s) => s.target), [1, 2, 2]);
    assert.ok(plan.sets[0].items.every((it) => it.depth === 1), 'set 1 is light');
    assert.ok(plan.sets[1].items.every((it) => it.depth === 2), 'set 2 goes a step deeper');
    assert.ok(plan.sets[2].items.every((it) => it.depth === 2), 'set 3 as deep as allowed');
    assert.ok(!plan.sets[1].items.some((it) => it.topic === 'fear'), 'the held topic does not reach depth 2');
    assert.equal(plan.allLight, false);
    assert.equal(plan.maxAllowed, 2);

    const deep = planConversation({ library: COUPLE, allowed: all(5), kind: 'couple', minutes: 15, random: seededRandom(4) });
    assert.deepEqual(deep.sets.map((s) => s.items.map((it) => it.depth)), [Array(12).fill(1), Array(12).fill(3), Array(12).fill(5)]);
});

test('stays at depth 1 everywhere when that is all that is allowed', () => {
    const plan = planConversation({ library: COUPLE, allowed: { ...all(1), us: 0 }, kind: 'couple', minutes: 10, random: seededRandom(5) });
    assert.equal(plan.allLight, true);
    assert.deepEqual(plan.targets, [1, 1, 1]);
    assert.ok(items(plan).every((it) => it.depth === 1));
    assert.equal(items(plan).length, 24);
});

test('alternates who goes first, across the sets', () => {
    assert.deepEqual(speakerOrder(0, 0), [0, 1]);
    assert.deepEqual(speakerOrder(1, 0), [1, 0]);
    assert.deepEqual(speakerOrder(2, 0), [0, 1]);
    assert.deepEqual(speakerOrder(0, 1), [1, 0]);
    assert.deepEqual(speakerOrder(5, 1), [0, 1]);
    for (const firstSpeaker of [0, 1]) {
        const plan = planConversation({ library: COUPLE, allowed: all(3), kind: 'couple', minutes: 5, firstSpeaker, random: seededRandom(9) });
        const list = items(plan);
        assert.equal(list.length, 12);
        list.forEach((it, i) => {
            assert.equal(it.first, (firstSpeaker + i) % 2, `prompt ${i}`);
            assert.equal(it.second, 1 - it.first);
        });
        // set 2 opens with the one who did not open the last prompt of set 1
        assert.notEqual(plan.sets[1].items[0].first, plan.sets[0].items.at(-1).first);
    }
});

test('no repeats; prompts answered before are avoided while others fit', () => {
    const allowed = all(2);
    const answered = COUPLE.filter((p) => p.depth === 1 && ['joy', 'everyday', 'hope'].includes(p.topic)).map((p) => p.id);
    for (let seed = 1; seed <= 20; seed++) {
        const plan = planConversation({ library: COUPLE, allowed, kind: 'couple', answered, minutes: 15, random: seededRandom(seed) });
        const ids = items(plan).map((it) => it.prompt.id);
        assert.equal(new Set(ids).size, ids.length, 'no prompt twice');
        assert.ok(!ids.some((id) => answered.includes(id)), 'nothing answered before');
        assert.ok(items(plan).every((it) => it.answeredBefore === false));
    }
    // when only answered ones are left, they are used rather than nothing, and said so
    const tiny = [
        { id: 'a1', topic: 'joy', depth: 1, kinds: ['couple'], text: 'a1' },
        { id: 'a2', topic: 'joy', depth: 1, kinds: ['couple'], text: 'a2' },
    ];
    const plan = planConversation({ library: tiny, allowed: { joy: 1 }, answered: ['a1'], perSet: 2, random: seededRandom(1) });
    assert.deepEqual(plan.sets[0].items.map((it) => it.prompt.id), ['a2', 'a1']);
    assert.deepEqual(plan.sets[0].items.map((it) => it.answeredBefore), [false, true]);
    assert.equal(plan.sets[1].items.length, 0, 'the library ran out: no repeats to fill it');
    assert.equal(plan.empty, false);
});

test('a library with no prompt at some depth steps down', () => {
    const lib = [];
    const add = (topic, depth, n) => {
        for (let i = 1; i <= n; i++) lib.push({ id: `p-${topic}-${depth}-${i}`, topic, depth, kinds: ['couple'], text: `${topic} ${depth} ${i}` });
    };
    add('joy', 1, 3);
    add('joy', 2, 3);
    // joy has nothing at 3 or 4; hope has nothing at 2 or 3
    add('hope', 1, 3);
    add('hope', 4, 1);
    const allowed = { joy: 4, hope: 3 };
    const plan = planConversation({ library: lib, allowed, kind: 'couple', perSet: 2, random: seededRandom(2) });
    checkCaps(plan, allowed);
    // deepest possible: joy 2 (steps down from 4), hope 1 (the 4 is beyond hope's 3)
    assert.equal(plan.maxAllowed, 2);
    assert.deepEqual(plan.targets, [1, 2, 2]);
    assert.deepEqual(plan.sets.map((s) => s.items.map((it) => it.depth)), [[1, 1], [2, 2], [2, 1]]);
    assert.ok(!items(plan).some((it) => it.prompt.id === 'p-hope-4-1'));
    assert.deepEqual(plan.sets.map((s) => s.depth), [1, 2, 2]);

    // a target no topic can reach: the set says how deep it really went
    const lib2 = lib.filter((p) => p.depth !== 2);
    const plan2 = planConversation({ library: lib2, allowed: { joy: 4, hope: 4 }, perSet: 2, random: seededRandom(2) });
    assert.deepEqual(plan2.targets, [1, 3, 4]);
    assert.deepEqual(plan2.sets[1].items.map((it) => it.depth), [1, 1], 'nothing at 2 or 3: steps down to 1');
    assert.equal(plan2.sets[1].depth, 1);
    assert.deepEqual(plan2.sets[2].items.map((it) => it.depth), [4, 1]);
});

test('nothing open: an empty plan', () => {
    const plan = planConversation({ library: COUPLE, allowed: all(0), kind: 'couple' });
    assert.equal(plan.empty, true);
    assert.equal(plan.maxAllowed, 0);
});

test('the countdown pauses, resumes and ends', () => {
    let t = 1000;
    const now = () => t;
    const cd = new Countdown(5 * 60000, now);
    assert.equal(cd.remaining(), 300000);
    assert.equal(cd.running, false);
    cd.start();
    t += 60000;
    assert.equal(cd.remaining(), 240000);
    cd.pause();
    t += 10 * 60000; // paused: the time does not count
    assert.equal(cd.remaining(), 240000);
    assert.equal(cd.running, false);
    cd.start();
    t += 239000;
    assert.equal(cd.remaining(), 1000);
    assert.equal(cd.done(), false);
    t += 5000;
    assert.equal(cd.remaining(), 0);
    assert.equal(cd.done(), true);
    assert.equal(cd.elapsed(), 300000);
});

test('clock text and the few spoken milestones', () => {
    assert.equal(formatClock(300000), '5:00');
    assert.equal(formatClock(299001), '5:00');
    assert.equal(formatClock(299000), '4:59');
    assert.equal(formatClock(61000), '1:01');
    assert.equal(formatClock(1), '0:01');
    assert.equal(formatClock(0), '0:00');
    assert.equal(formatClock(-5), '0:00');
    assert.equal(spokenTime(200000), '3 minutes and 20 seconds');
    assert.equal(spokenTime(60000), '1 minute');
    assert.equal(spokenTime(1000), '1 second');
    const total = 15 * 60000;
    assert.equal(milestone(600500, 599500, total), '10 minutes left');
    assert.equal(milestone(599500, 598500, total), null, 'not every second');
    assert.equal(milestone(130000, 119000, total), '2 minutes left');
    assert.equal(milestone(31000, 29000, total), '30 seconds left');
    assert.equal(milestone(700000, 20000, total), '30 seconds left', 'after a jump, only the latest');
    assert.equal(milestone(1000, 0, total), null, 'time up is the page’s own moment');
    assert.equal(milestone(300000, 299000, 300000), null, 'no "5 minutes left" as a 5-minute set begins');
    // over a whole 15-minute set, second by second: a handful of announcements
    let said = 0;
    for (let ms = total; ms > 0; ms -= 1000) if (milestone(ms, ms - 1000, total)) said += 1;
    assert.equal(said, 5);
    assert.equal(RECORD_TEXT, 'Talked through together in a guided conversation');
});
