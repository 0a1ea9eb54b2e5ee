// The daily check-in in real Chromium, two people in two browser contexts
// (paired through tests/lib/journey.mjs). A turns on sexual tracking in
// Settings, then checks in using the keyboard alone — Tab, arrow keys,
// Space, Enter — with a private note, showing only closeness. B's page and
// B's API view hold A's closeness for today and nothing else (no sexual
// score, no note, no other item); A's reload shows the note decrypted. The
// suggested prompt says why it was chosen, and "Pass" sends no request at
// all. Setting comfort 1 for a topic keeps its suggestions at depth 1 for
// both members. axe-core finds no WCAG 2.x A/AA violations on the check-in
// and settings pages, and no page logs a console error or CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, axeViolations, screenshot } from '../lib/browser.mjs';
import { pairInBrowser, c as crypto } from '../lib/journey.mjs';

const NOTE = 'We laughed about the burnt toast. I did not say how tired I am.';

function pad2(n) {
    return String(n).padStart(2, '0');
}
// The browser runs on this machine, so its calendar day is this one.
function localDate(d = new Date()) {
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}
function addDays(iso, n) {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Presses Tab until the focused element matches `selector`. */
async function tabTo(page, selector, max = 120) {
    for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return;
    }
    throw new Error(`Tab never reached ${selector}`);
}

/** Presses a key n times. */
async function press(page, key, n) {
    for (let i = 0; i < n; i++) await page.keyboard.press(key);
}

async function getJson(context, url) {
    const res = await context.request.get(url);
    assert.equal(res.status(), 200, `${url}: ${res.status()} ${await res.text()}`);
    return res.json();
}

async function noAxeViolations(page, where) {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `accessibility problems on ${where}`);
}

test('a couple checks in; each item is shown only when chosen', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const url = server.url;
    const { a, b, dyadId } = await pairInBrowser(browser, url, { kind: 'couple', names: ['Ana', 'Bea'] });
    const api = `${url}/api/v1/dyads/${dyadId}`;
    const today = localDate();
    const range = `from=${addDays(today, -7)}&to=${addDays(today, 1)}`;

    await t.test('before opting in, a couple’s check-in has no sexual item', async () => {
        await a.page.locator('#checkin-form[aria-busy="false"]').waitFor();
        assert.equal(await a.page.locator('#ci-sexual-h').count(), 0);
        assert.equal(await a.page.locator('input[name="sexual"]').count(), 0);
        await a.page.getByRole('link', { name: 'You can add it in Settings' }).waitFor();
        // and the server refuses one sent anyway
        const res = await a.api.put(`/api/v1/dyads/${dyadId}/checkins/${today}`, { sexual: 5 });
        assert.equal(res.status, 400);
        assert.equal(res.json.error.field, 'sexual');
    });

    await t.test('A turns on sexual tracking in Settings', async () => {
        const p = a.page;
        await p.goto(`${url}/settings`);
        const box = p.getByLabel('Track sexual connection in my check-ins');
        await box.waitFor();
        assert.equal(await box.isChecked(), false, 'off until turned on');
        await box.check();
        await p.getByText('Saved. Your check-in now asks about sexual connection').waitFor();
        const { dyad } = await getJson(a.context, api);
        assert.equal(dyad.track_sexual, true);
        // B's own setting is B's: still off
        assert.equal((await getJson(b.context, api)).dyad.track_sexual, false);
        await p.getByText('never goes deeper than the more reserved of you').waitFor();
        await p.getByText('let you guess Bea’s comfort').waitFor();
        await noAxeViolations(p, 'the settings page');
    });

    await t.test('A checks in with the keyboard alone', async () => {
        const p = a.page;
        await p.goto(`${url}/dyads/${dyadId}`);
        await p.locator('#checkin-form[aria-busy="false"]').waitFor();
        await p.locator('#ci-sexual-h').waitFor();
        // Three separate measures under three separate headings.
        for (const heading of ['Emotional closeness', 'Affection', 'Sexual connection']) {
            await p.getByRole('heading', { name: heading, level: 3 }).waitFor();
        }
        assert.equal(await p.locator('#ci-day').inputValue(), today);
        assert.equal(await p.locator('#ci-day option').count() >= 7, true, 'a week of days to choose from');
        // Nothing is shown to the partner until chosen (no day saved yet: no last choice).
        assert.equal(await p.locator('input[name="show"]:checked').count(), 0);
        assert.equal(await p.locator('#ci-show-note').count(), 0, 'the note is never offered to show');

        // Radio groups: Tab lands on the checked choice ("Pass"); each arrow
        // press moves one along (Pass → 0 → 1 …) and chooses it.
        await tabTo(p, 'input[name="closeness"]');
        await press(p, 'ArrowRight', 8); // 7
        await tabTo(p, 'input[name="closeness_wanted"]');
        await press(p, 'ArrowRight', 10); // 9
        await tabTo(p, 'input[name="opened_up"]');
        await press(p, 'ArrowRight', 6); // 5
        await tabTo(p, 'input[name="understood"]'); // left at "No chance to tell"
        await tabTo(p, 'input[name="safety"]');
        await press(p, 'ArrowRight', 9); // 8
        await tabTo(p, 'input[name="affection"]');
        await press(p, 'ArrowRight', 5); // 4
        await tabTo(p, 'input[name="sexual"]');
        await press(p, 'ArrowRight', 7); // Pass → None → 1 … 6
        await tabTo(p, 'button.ci-chip[data-emotion="joy"]');
        await p.keyboard.press('Space');
        await tabTo(p, 'button.ci-chip[data-emotion="hope"]');
        await p.keyboard.press('Enter');
        await tabTo(p, '#ci-wordless');
        await p.keyboard.press('Space');
        await tabTo(p, '#ci-note');
        await p.keyboard.type(NOTE);
        await tabTo(p, '#ci-show-closeness');
        await p.keyboard.press('Space');
        await tabTo(p, '#checkin-save');
        await p.keyboard.press('Enter');
        await p.getByText('Saved for today. Bea can see: how close you felt.').waitFor();

        const checked = async (name) => p.locator(`input[name="${name}"]:checked`).inputValue();
        assert.equal(await checked('closeness'), '7');
        assert.equal(await checked('closeness_wanted'), '9');
        assert.equal(await checked('understood'), 'pass');
        assert.equal(await checked('sexual'), '6');
        await screenshot(p, 'checkin.png');

        // What the server keeps for A: every item, the note only as ciphertext.
        const mine = (await getJson(a.context, `${api}/checkins?${range}`)).checkins.filter((r) => r.user_id === a.userId);
        assert.equal(mine.length, 1);
        const row = mine[0];
        assert.equal(row.date, today);
        assert.deepEqual(
            [row.closeness, row.closeness_wanted, row.opened_up, row.understood, row.safety, row.affection, row.sexual],
            [7, 9, 5, null, 8, 4, 6]);
        assert.deepEqual([...row.emotions].sort(), ['hope', 'joy']);
        assert.equal(row.wordless, true);
        assert.deepEqual(row.show_partner, ['closeness']);
        assert.ok(!row.note.includes('toast'));
        assert.equal(crypto.decryptEntry(a.keys.personal,
            { dyadId, entryId: today, authorId: a.userId, kind: 'note' }, row.note), NOTE);
    });

    await t.test('B sees A’s closeness for today and nothing else', async () => {
        const { checkins } = await getJson(b.context, `${api}/checkins?${range}`);
        const fromA = checkins.filter((r) => r.user_id === a.userId);
        assert.deepEqual(fromA, [{ user_id: a.userId, date: today, closeness: 7 }]);

        const p = b.page;
        await p.reload();
        await p.locator('#checkin-form[aria-busy="false"]').waitFor();
        const day = p.locator(`#partner-days > li[data-date="${today}"]`);
        await day.waitFor();
        assert.equal(await p.locator('#partner-days > li').count(), 1);
        assert.deepEqual(await day.locator('li').allTextContents(), ['How close Ana felt: 7 of 10']);
        assert.match(await day.locator('.ci-partner-date').textContent(), /^Today$/);
        const section = await p.locator('#from-partner').textContent();
        for (const word of ['exual', 'ffection', 'joy', 'hope', 'toast', 'wordless', 'skipped', 'last seen']) {
            assert.ok(!section.includes(word), `B's view mentions “${word}”`);
        }
        // B does not track sex, so B's own form has no sexual item.
        assert.equal(await p.locator('input[name="sexual"]').count(), 0);
    });

    await t.test('A reloads and sees the day as saved, the note decrypted', async () => {
        const p = a.page;
        await p.reload();
        await p.locator('#checkin-form[aria-busy="false"]').waitFor();
        assert.equal(await p.locator('#ci-note').inputValue(), NOTE);
        assert.equal(await p.locator('input[name="closeness"]:checked').inputValue(), '7');
        assert.equal(await p.locator('input[name="sexual"]:checked').inputValue(), '6');
        assert.equal(await p.locator('#ci-wordless').isChecked(), true);
        assert.equal(await p.locator('button.ci-chip[data-emotion="joy"]').getAttribute('aria-pressed'), 'true');
        assert.equal(await p.locator('button.ci-chip[data-emotion="fear"]').getAttribute('aria-pressed'), 'false');
        assert.deepEqual(await p.locator('input[name="show"]:checked').evaluateAll((els) => els.map((e) => e.value)), ['closeness']);
        assert.match(await p.locator('#ci-day option:checked').textContent(), /\(saved\)/);
        // Bea has shown nothing: a calm empty line, no "skipped".
        await p.locator('#partner-days-empty').waitFor();
        await p.locator('#prompt-text').waitFor();
        await noAxeViolations(p, 'the check-in page');
    });

    await t.test('an earlier day can be chosen, filled in and kept apart from today', async () => {
        const p = a.page;
        const yesterday = addDays(today, -1);
        await p.locator('#ci-day').selectOption(yesterday);
        assert.equal(await p.locator('#ci-note').inputValue(), '');
        assert.equal(await p.locator('input[name="closeness"]:checked').inputValue(), 'pass');
        // a day not saved yet starts with one's last choice of what Bea may see
        assert.deepEqual(await p.locator('input[name="show"]:checked').evaluateAll((els) => els.map((e) => e.value)), ['closeness']);
        await p.locator('#ci-show-closeness').uncheck();
        await p.locator('label[for="ci-closeness-3"]').click();
        await p.locator('label[for="ci-sexual-0"]').click(); // "None"
        await p.locator('#checkin-save').click();
        await p.getByText(/Saved for yesterday\. Bea sees nothing from it\./i).waitFor();
        const mine = (await getJson(a.context, `${api}/checkins?${range}`)).checkins.filter((r) => r.user_id === a.userId);
        const y = mine.find((r) => r.date === yesterday);
        assert.equal(y.closeness, 3);
        assert.equal(y.sexual, 0, '"None" is 0, not a pass');
        assert.equal(y.note, null);
        assert.deepEqual(y.show_partner, []);
        assert.equal(mine.find((r) => r.date === today).closeness, 7);
        // B gets no row at all for a day A showed nothing from
        const { checkins } = await getJson(b.context, `${api}/checkins?${range}`);
        assert.equal(checkins.filter((r) => r.user_id === a.userId && r.date === yesterday).length, 0);
        await p.locator('#ci-day').selectOption(today);
        assert.equal(await p.locator('#ci-note').inputValue(), NOTE);
    });

    await t.test('the suggested prompt says why; Pass sends nothing', async () => {
        const p = a.page;
        const text = (await p.locator('#prompt-text').textContent()).trim();
        assert.ok(text.length > 10, 'a prompt is shown');
        assert.match(await p.locator('#prompt-meta').textContent(), /depth [1-5] of 5/);
        assert.ok((await p.locator('#prompt-reason').textContent()).trim().length > 20, 'with a reason in words');
        const { prompt } = await getJson(a.context, `${api}/next-prompt`);
        assert.equal(prompt.text, text);
        assert.equal(await p.locator('#prompt-answer').getAttribute('href'),
            `/dyads/${encodeURIComponent(dyadId)}/shares?prompt=${encodeURIComponent(prompt.id)}`);

        const requests = [];
        const onRequest = (req) => requests.push(`${req.method()} ${req.url()}`);
        p.on('request', onRequest);
        await p.locator('#prompt-pass').focus();
        await p.keyboard.press('Enter');
        await p.locator('#prompt-passed').waitFor();
        await p.waitForTimeout(1000);
        p.off('request', onRequest);
        assert.deepEqual(requests, [], 'passing sends no request');
        assert.equal(await p.evaluate(() => document.activeElement.id), 'prompt-passed');
        assert.equal(await p.locator('#prompt-text').count(), 0);
        // It stays passed for the day in this tab, and can be shown again.
        await p.reload();
        await p.locator('#prompt-passed').waitFor();
        await p.locator('#prompt-show-again').click();
        assert.equal((await p.locator('#prompt-text').textContent()).trim(), text);
    });

    await t.test('comfort 1 for a topic keeps its suggestions at depth 1, for both', async () => {
        const before = await getJson(a.context, `${api}/next-prompt?topic=fear`);
        assert.equal(before.depth, 2, 'a new dyad starts one step past trust 1');
        const p = a.page;
        await p.goto(`${url}/settings#dyad-${dyadId}`);
        const block = p.locator(`#dyad-${dyadId}`);
        await block.getByLabel('Fears').selectOption('1');
        await block.getByLabel('Anger').selectOption('0');
        await block.getByRole('button', { name: 'Save comfort' }).click();
        await block.getByText('Saved — Fears: 1; Anger: not now.').waitFor();
        await block.getByText('Your comfort over time').click();
        await block.getByText(/Fears — 1 — everyday/).waitFor();

        for (const who of [a, b]) {
            const after = await getJson(who.context, `${api}/next-prompt?topic=fear`);
            assert.equal(after.depth, 1);
            assert.equal(after.prompt.depth, 1);
            assert.equal(after.prompt.topic, 'fear');
            const aside = await getJson(who.context, `${api}/next-prompt?topic=anger`);
            assert.equal(aside.prompt, null);
        }
        // The partner's comfort never reaches B.
        const bComfort = await getJson(b.context, `${api}/comfort`);
        assert.equal(bComfort.comfort.fear, null);

        await p.goto(`${url}/dyads/${dyadId}`);
        await p.locator('#prompt-topic').selectOption('fear');
        await p.getByText('Showing a suggestion about fears.').waitFor();
        assert.match(await p.locator('#prompt-meta').textContent(), /^Fears · depth 1 of 5/);
        await p.locator('#prompt-topic').selectOption('anger');
        await p.getByText('No suggestion about anger for now.').waitFor();
        assert.match(await p.locator('#prompt-reason').textContent(), /set aside/);
    });

    assert.deepEqual([...a.watch.problems, ...b.watch.problems], []);
});

test('friends have no sexual item anywhere', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const { a, dyadId } = await pairInBrowser(browser, server.url, { kind: 'friends', names: ['Cai', 'Dee'] });
    const p = a.page;
    await p.locator('#checkin-form[aria-busy="false"]').waitFor();
    assert.equal(await p.locator('input[name="sexual"]').count(), 0);
    assert.equal(await p.getByText('Sexual connection').count(), 0);
    assert.equal(await p.locator('#prompt-topic option[value="desire"]').count(), 0);
    await p.goto(`${server.url}/settings`);
    await p.locator(`#dyad-${dyadId} select`).first().waitFor();
    assert.equal(await p.getByLabel('Track sexual connection in my check-ins').count(), 0);
    assert.equal(await p.locator(`#dyad-${dyadId} select[name="desire"]`).count(), 0);
    assert.deepEqual(a.watch.problems, []);
});
