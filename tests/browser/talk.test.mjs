// The guided conversation in real Chromium, on one device (Ana's), with a
// phone-sized viewport and Playwright's clock instead of real waiting:
//   - Bea holds "fears" at comfort 1 and Ana sets "desire" aside; a new
//     dyad's trust allows depth 2 elsewhere. Ana has answered every light
//     prompt before except those about joys and hopes;
//   - from the dyad page's link, the start screen says how deep the sets go
//     and that a short record will be kept (and can be turned off);
//   - three 5-minute sets: every prompt shown is within its topic's allowed
//     depth (fears never past 1, desire never), set 1 is light and sets 2–3
//     go a step deeper; nothing answered before, and nothing twice; who reads
//     first alternates (and a skipped prompt does not take a turn); pause
//     stops the clock; the live region speaks at a milestone and at time up;
//   - the quiet minute runs for 60 seconds, then the summary;
//   - the record: one share by Ana per prompt talked through (not the skipped
//     one), with the right prompt id, topic and depth, reveal "now", and a
//     body that decrypts to the neutral line;
//   - when depth 1 is all that is allowed, the page says all three sets stay
//     light; ending early says it is fine, and with the record turned off
//     nothing is saved;
//   - axe-core finds no WCAG 2.x A/AA violation on any screen, and no page
//     logs a console error, an uncaught exception or a CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, axeViolations, screenshot } from '../lib/browser.mjs';
import { pairInBrowser, c as crypto } from '../lib/journey.mjs';

const RECORD_TEXT = 'Talked through together in a guided conversation';
const NAMES = ['Ana', 'Bea'];

async function noAxeViolations(page, where) {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `accessibility problems on ${where}`);
}

async function shown(page) {
    const q = page.locator('#talk-prompt');
    await q.waitFor();
    return {
        id: await q.getAttribute('data-prompt-id'),
        topic: await q.getAttribute('data-topic'),
        depth: Number(await q.getAttribute('data-depth')),
        text: (await q.textContent()).trim(),
        turn: (await page.locator('#talk-turn').textContent()).trim(),
    };
}

async function postShareAs(person, dyadId, K, { topic, depth, promptId, text }) {
    const id = crypto.newEntryId();
    const body = crypto.encryptEntry(K, { dyadId, entryId: id, authorId: person.userId, kind: 'share' }, text);
    const res = await person.api.post(`/api/v1/dyads/${dyadId}/shares`, { id, topic, depth, prompt_id: promptId, body, reveal: 'now' });
    assert.equal(res.status, 201, res.text);
}

test('a guided conversation: three sets, turns, a quiet minute and a short record', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const url = server.url;
    const { a, b, dyadId, K } = await pairInBrowser(browser, url, { kind: 'couple', names: NAMES });
    const apiBase = `/api/v1/dyads/${dyadId}`;
    const page = a.page;

    // Comfort: Bea holds fears at 1; Ana sets desire aside.
    assert.equal((await b.api.put(`${apiBase}/comfort`, { fear: 1 })).status, 200);
    assert.equal((await a.api.put(`${apiBase}/comfort`, { desire: 0 })).status, 200);

    const library = (await a.api.get('/api/v1/prompts?kind=couple')).json.prompts;
    const byId = new Map(library.map((p) => [p.id, p]));
    const topics = [...new Set(library.map((p) => p.topic))];

    // Ana has answered every light prompt before, except those about joys and hopes.
    const answeredBefore = new Set(library.filter((p) => p.depth === 1 && !['joy', 'hope', 'desire'].includes(p.topic)).map((p) => p.id));
    for (const id of answeredBefore) {
        const p = byId.get(id);
        await postShareAs(a, dyadId, K, { topic: p.topic, depth: 1, promptId: id, text: 'We talked about this one before.' });
    }

    // The depth the pacing engine allows for each topic, as the page will ask for it.
    const allowed = {};
    for (const topic of topics) {
        const res = await a.api.get(`${apiBase}/next-prompt?topic=${topic}`);
        assert.equal(res.status, 200, res.text);
        allowed[topic] = res.json.prompt ? res.json.depth : 0;
    }
    assert.equal(allowed.fear, 1, 'fears held at depth 1 by Bea’s comfort');
    assert.equal(allowed.desire, 0, 'desire set aside by Ana');
    assert.equal(allowed.joy, 2, 'a new dyad: one step beyond trust 1');

    const talked = []; // prompt ids talked through, in order
    const skipped = [];
    let turn = 0; // prompts talked through so far: who goes first alternates with it

    function checkPrompt(p, setNo) {
        const lib = byId.get(p.id);
        assert.ok(lib, `${p.id} is in the library`);
        assert.equal(p.topic, lib.topic);
        assert.equal(p.depth, lib.depth);
        assert.equal(p.text, lib.text);
        assert.ok(allowed[p.topic] >= 1, `${p.id}: topic ${p.topic} is not open`);
        assert.ok(p.depth <= allowed[p.topic], `${p.id}: depth ${p.depth} is deeper than ${allowed[p.topic]} allowed for ${p.topic}`);
        assert.equal(p.depth, setNo === 1 ? 1 : 2, `set ${setNo}: ${p.id} at depth ${p.depth}`);
        assert.ok(!answeredBefore.has(p.id), `${p.id} was answered before`);
        assert.ok(!talked.includes(p.id) && !skipped.includes(p.id), `${p.id} shown twice`);
        const first = NAMES[turn % 2];
        const second = NAMES[(turn + 1) % 2];
        assert.equal(p.turn, `${first}, read this one aloud and answer; then ${second} answers too.`);
    }

    await t.test('the start screen says how deep it goes and what is kept', async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.clock.install();
        const link = page.getByRole('link', { name: 'Sit down together: a guided conversation' });
        assert.equal(await link.getAttribute('href'), `/dyads/${dyadId}/talk`);
        await link.click();
        await page.locator('#talk-setup').waitFor();
        await page.getByRole('heading', { name: 'A guided conversation with Bea', level: 1 }).waitFor();
        const depths = await page.locator('#talk-depths').textContent();
        assert.match(depths, /The first set is light\. The second and third go a step deeper, to depth 2 of 5/);
        const hint = await page.locator('#talk-record-hint').textContent();
        assert.ok(hint.includes(RECORD_TEXT), hint);
        assert.match(hint, /Nothing you say aloud is recorded/);
        assert.equal(await page.getByLabel('Keep a short record of which prompts you talked through').isChecked(), true);
        assert.equal(await page.getByLabel('15 minutes (about 45 in all)').isChecked(), true, '15 minutes by default');
        await noAxeViolations(page, 'the start screen');
        await screenshot(page, 'talk-start.png');
        await page.getByLabel('5 minutes (about 15 in all)').check();
        await page.getByRole('button', { name: 'Start the first set' }).click();
    });

    await t.test('set 1: light; next, skip, pause; time runs out', async () => {
        await page.getByRole('heading', { name: 'Set 1 of 3', level: 1 }).waitFor();
        assert.match(await page.locator('#talk-set-depth').textContent(), /^Light prompts — depth 1 of 5/);
        assert.match(await page.locator('#talk-time').textContent(), /^(5:00|4:5\d)$/);
        assert.equal(await page.locator('#talk-time').getAttribute('role'), 'timer');

        let p = await shown(page);
        checkPrompt(p, 1);
        assert.ok(['joy', 'hope'].includes(p.topic), `set 1 avoids what was answered: ${p.topic}`);
        await noAxeViolations(page, 'a set');
        await screenshot(page, 'talk-set.png');
        await page.getByRole('button', { name: 'Next prompt' }).click();
        talked.push(p.id);
        turn += 1;

        // skipping leaves the turn where it was and records nothing
        p = await shown(page);
        assert.notEqual(p.id, talked.at(-1));
        checkPrompt(p, 1);
        await page.getByRole('button', { name: 'Skip this one' }).click();
        skipped.push(p.id);

        p = await shown(page);
        assert.notEqual(p.id, skipped.at(-1));
        checkPrompt(p, 1);

        // paused, the clock stands still
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.getByRole('button', { name: 'Resume' }).waitFor();
        await page.locator('.messages .status', { hasText: /^Paused, with/ }).waitFor();
        const before = await page.locator('#talk-time').textContent();
        await page.clock.fastForward('02:00');
        await page.waitForTimeout(100);
        assert.equal(await page.locator('#talk-time').textContent(), before, 'the clock stands still while paused');
        await page.getByRole('button', { name: 'Resume' }).click();
        await page.getByRole('button', { name: 'Pause' }).waitFor();

        await page.clock.fastForward('05:00');
        await page.locator('#talk-stop').waitFor();
        await page.locator('.messages .status', { hasText: 'Time is up for set 1.' }).waitFor();
        assert.equal(await page.locator('#talk-time').textContent(), '0:00');
        assert.equal(await page.locator('#talk-next').isVisible(), false);
        assert.equal(await page.locator('#talk-end').isVisible(), true, 'End here is still there');
        assert.equal((await shown(page)).id, p.id, 'the prompt stays on screen to finish it');
        await noAxeViolations(page, 'a set whose time is up');
        await page.getByRole('button', { name: 'Go on to set 2' }).click();
        talked.push(p.id); // the one on screen when time ran out was talked through
        turn += 1;
    });

    for (const setNo of [2, 3]) {
        await t.test(`set ${setNo}: a step deeper, turns alternate`, async () => {
            await page.getByRole('heading', { name: `Set ${setNo} of 3`, level: 1 }).waitFor();
            const words = await page.locator('#talk-set-depth').textContent();
            assert.match(words, setNo === 2 ? /^A step deeper — depth 2 of 5/ : /^Staying as deep as you go for now — depth 2 of 5/);
            for (let i = 0; i < 2; i++) {
                const p = await shown(page);
                checkPrompt(p, setNo);
                await page.getByRole('button', { name: 'Next prompt' }).click();
                talked.push(p.id);
                turn += 1;
            }
            const p = await shown(page);
            checkPrompt(p, setNo);
            if (setNo === 2) {
                // the live region speaks at a few moments, not every second
                await page.clock.fastForward('03:05');
                await page.locator('.messages .status', { hasText: '2 minutes left in set 2.' }).waitFor();
                await page.clock.fastForward('02:00');
            } else {
                await page.clock.fastForward('05:00');
            }
            await page.locator('.messages .status', { hasText: `Time is up for set ${setNo}.` }).waitFor();
            await page.getByRole('button', { name: setNo === 2 ? 'Go on to set 3' : 'Go on to the quiet minute' }).click();
            talked.push(p.id);
            turn += 1;
        });
    }

    await t.test('the quiet minute, then the summary', async () => {
        await page.getByRole('heading', { name: 'A quiet minute together', level: 1 }).waitFor();
        await page.getByText('Sit together for a minute without talking — look at each other if that feels right.').waitFor();
        assert.equal(await page.locator('#talk-silent-time').textContent(), '1:00');
        await page.getByRole('button', { name: 'Skip it' }).waitFor();
        await noAxeViolations(page, 'the quiet minute');
        await page.getByRole('button', { name: 'Start the minute' }).click();
        await page.getByRole('button', { name: 'End the minute now' }).waitFor();
        await page.clock.fastForward('00:30');
        await page.locator('#talk-silent-time', { hasText: /^0:[23]\d$/ }).waitFor();
        await page.clock.fastForward('00:31');

        await page.getByRole('heading', { name: 'Thank you both', level: 1 }).waitFor();
        assert.equal(await page.locator('#talk-summary-text').textContent(),
            'You went through all three sets together, and ended with a quiet minute.');
        const listed = await page.locator('#talk-summary-list li').evaluateAll((lis) => lis.map((li) => li.dataset.promptId));
        assert.deepEqual(listed, talked);
        await page.locator(`#talk-record-status[data-saved="${talked.length}"]`).waitFor();
        assert.match(await page.locator('#talk-record-status').textContent(), /not what you said/);
        assert.doesNotMatch(await page.locator('main').textContent(), /streak|score|points/i);
        await noAxeViolations(page, 'the summary');
        await screenshot(page, 'talk-summary.png');
    });

    await t.test('the record: one neutral share per prompt talked through', async () => {
        assert.equal(talked.length, 8); // set 1: one by Next, one as time ran out; sets 2 and 3: two by Next, one as time ran out
        const res = await a.api.get(`${apiBase}/shares?limit=100`);
        assert.equal(res.status, 200);
        const records = res.json.shares.filter((s) => !answeredBefore.has(s.prompt_id));
        assert.equal(records.length, talked.length);
        assert.deepEqual(new Set(records.map((s) => s.prompt_id)), new Set(talked));
        assert.ok(!records.some((s) => skipped.includes(s.prompt_id)), 'a skipped prompt is not recorded');
        for (const s of records) {
            const p = byId.get(s.prompt_id);
            assert.equal(s.author_id, a.userId, 'recorded by the signed-in member');
            assert.equal(s.topic, p.topic);
            assert.equal(s.depth, p.depth);
            assert.ok(s.depth <= allowed[s.topic]);
            if ('reveal' in s) assert.equal(s.reveal, 'now');
            assert.equal(s.withheld ?? false, false);
            const text = crypto.decryptEntry(K, { dyadId, entryId: s.id, authorId: s.author_id, kind: 'share' }, s.body);
            assert.equal(text, RECORD_TEXT);
        }
        // Bea reads the same neutral line
        const seen = await b.api.get(`${apiBase}/shares?limit=100`);
        const one = seen.json.shares.find((s) => s.id === records[0].id);
        assert.equal(crypto.decryptEntry(K, { dyadId, entryId: one.id, authorId: one.author_id, kind: 'share' }, one.body), RECORD_TEXT);
    });

    await t.test('only depth 1 allowed: all sets stay light; ending early is fine; no record when turned off', async () => {
        const everything = Object.fromEntries(topics.map((tp) => [tp, 1]));
        assert.equal((await b.api.put(`${apiBase}/comfort`, everything)).status, 200);
        const before = (await a.api.get(`${apiBase}/shares?limit=100`)).json.shares.length;

        await page.goto(`${url}/dyads/${dyadId}/talk`);
        await page.locator('#talk-setup').waitFor();
        assert.match(await page.locator('#talk-depths').textContent(), /every topic stays light — depth 1 —.*all three sets stay light/);
        await page.getByLabel('Keep a short record of which prompts you talked through').uncheck();
        await page.getByLabel('Bea', { exact: true }).check();
        await page.getByRole('button', { name: 'Start the first set' }).click();
        await page.getByRole('heading', { name: 'Set 1 of 3', level: 1 }).waitFor();
        const p = await shown(page);
        assert.equal(p.depth, 1);
        assert.ok(!talked.includes(p.id), 'not offered again after being talked through');
        assert.equal(p.turn, 'Bea, read this one aloud and answer; then Ana answers too.');
        await page.getByRole('button', { name: 'Next prompt' }).click();
        const q = await shown(page);
        assert.equal(q.depth, 1);
        assert.equal(q.turn, 'Ana, read this one aloud and answer; then Bea answers too.');
        await page.getByRole('button', { name: 'End here' }).click();

        await page.getByRole('heading', { name: 'You stopped here, and that is fine', level: 1 }).waitFor();
        assert.match(await page.locator('#talk-summary-text').textContent(), /Ending early is fine/);
        await page.locator('#talk-record-status', { hasText: 'No record was kept, as you chose.' }).waitFor();
        const listed = await page.locator('#talk-summary-list li').evaluateAll((lis) => lis.map((li) => li.dataset.promptId));
        assert.deepEqual(listed, [p.id], 'the one on screen at the end is not counted');
        await noAxeViolations(page, 'the summary after ending early');
        assert.equal((await a.api.get(`${apiBase}/shares?limit=100`)).json.shares.length, before, 'nothing saved');
    });

    await t.test('no console errors, uncaught exceptions or CSP violations', () => {
        assert.deepEqual(a.watch.problems, []);
        assert.deepEqual(b.watch.problems, []);
    });
});
