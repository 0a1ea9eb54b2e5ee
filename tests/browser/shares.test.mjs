// Shares and responses in real Chromium, two new people in two browser
// contexts, paired through the UI:
//   - A shares a fear at depth 2 (and a small moment); B reads it and answers
//     "That makes sense" with a few words; A sees the response;
//   - both answer one prompt in mutual reveal: B sees only that A answered
//     until B answers too, then both see both answers;
//   - a partner's share left unanswered for two days is marked, gently, for
//     the listener only; "older" pages through everything exactly once;
//   - canaries written through a share, a response, a prompt answer and a
//     check-in note never reach the database, its WAL or the server's logs;
//   - a share body with one flipped byte, a share body copied onto another
//     share and a response with a flipped byte each read as "could not be
//     read", while everything else still reads;
//   - axe-core finds no WCAG A/AA problem, and no page logs a console error,
//     an uncaught exception or a CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, axeViolations, screenshot } from '../lib/browser.mjs';
import { Client, sodium, b64, unb64 } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
const PASSWORD_A = 'a long walk by the river';
const PASSWORD_B = 'tea at four, every day';
const UNREADABLE = 'This entry could not be read — it may have been changed on the server.';

const tag = () => sodium.to_hex(sodium.randombytes_buf(8));
const CANARY = {
    share: `canary-share-${tag()}`,
    moment: `canary-moment-${tag()}`,
    response: `canary-response-${tag()}`,
    answerA: `canary-answer-a-${tag()}`,
    answerB: `canary-answer-b-${tag()}`,
    note: `canary-note-${tag()}`,
};

async function signUp(page, { email, name, password }) {
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const codeEl = page.locator('#recovery-code');
    await codeEl.waitFor();
    const groups = (await codeEl.textContent()).trim().split(/\s+/);
    await page.getByLabel(/type the last group/).fill(groups[12]);
    await page.getByRole('button', { name: 'Create my account' }).click();
}

// Two new people paired into a couple through the UI, as in pairing.test.mjs.
async function pairInBrowser(a, b, url) {
    await a.goto(`${url}/`);
    await signUp(a, { email: 'ana@example.org', name: 'Ana', password: PASSWORD_A });
    await a.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
    await a.getByLabel('My partner (a couple)').check();
    await a.locator('#create-dyad').click();
    const link = await a.locator('input.invite-link').inputValue();
    const dyadId = await a.locator('.dyad-item').first().getAttribute('data-dyad-id');
    await b.goto(link);
    await signUp(b, { email: 'bea@example.org', name: 'Bea', password: PASSWORD_B });
    await b.getByRole('heading', { name: 'Join this dyad?' }).waitFor();
    await b.locator('#join-dyad').click();
    await a.locator('.dyad-item .state.paired').waitFor({ timeout: 30000 });
    await b.locator('#open-dyad').waitFor({ timeout: 30000 });
    return dyadId;
}

function shareItem(page, text) {
    return page.locator('li.share', { hasText: text });
}

async function loadAll(page) {
    const older = page.locator('#older-shares');
    for (let i = 0; i < 20 && await older.isVisible(); i++) {
        const before = await page.locator('li.share').count();
        await older.click();
        await page.waitForFunction((n) => document.querySelectorAll('li.share').length > n || document.getElementById('older-shares').hidden, before);
    }
}

async function openShares(page, url, dyadId, name) {
    await page.goto(`${url}/dyads/${dyadId}/shares`);
    await page.getByRole('heading', { name: `Shares with ${name}` }).waitFor();
    // the first page has loaded once the status is quiet again
    await page.waitForFunction(() => !/Loading/.test(document.querySelector('.thread .status').textContent));
}

async function noAxeViolations(page, where) {
    assert.deepEqual(await axeViolations(page), [], `accessibility problems on ${where}`);
}

const sql = (db, q) => execFileSync('sqlite3', [db, q]).toString().trim();

test('shares: a journey in the browser, no word on the server, tampering caught', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const a = await (await browser.newContext()).newPage();
    const b = await (await browser.newContext()).newPage();
    const watchA = watchPage(a, 'A', { allow: allowExpected401 });
    const watchB = watchPage(b, 'B', { allow: allowExpected401 });
    const url = server.url;
    const db = server.dbPath;
    let dyadId;
    let prompt;

    await t.test('two new people pair in the browser', async () => {
        dyadId = await pairInBrowser(a, b, url);
        assert.ok(dyadId);
    });

    await t.test('A shares a fear at depth 2, and a small moment', async () => {
        await openShares(a, url, dyadId, 'Bea');
        await a.getByText('Nothing shared yet').waitFor();
        await noAxeViolations(a, 'the empty shares page');

        await a.getByRole('button', { name: 'Share something deeper' }).click();
        assert.equal(await a.locator('#open-composer').getAttribute('aria-expanded'), 'true');
        // The gentle guide appears for anger and frustration only.
        await a.getByLabel(/^Anger/).check();
        await a.locator('#share-guide').getByText('not “you always” or “you never”').waitFor();
        await noAxeViolations(a, 'the composer with the guide for anger');
        await a.getByLabel(/^Frustrations/).check();
        await a.locator('#share-guide').getByText('Speak of yourself').waitFor();
        await a.getByLabel(/^Fears/).check();
        assert.equal((await a.locator('#share-guide').textContent()).trim(), '');
        // The words are said to be encrypted on this device; mutual reveal is for prompts only.
        await a.getByText('Encrypted on this device.').waitFor();
        assert.equal(await a.locator('fieldset.reveal-choices').isHidden(), true);
        // Nothing is sent without a depth.
        await a.getByLabel('What you want to share').fill(`I am afraid of letting you down. ${CANARY.share}`);
        await a.getByRole('button', { name: 'Share with Bea' }).click();
        await a.getByText('Choose how deep it goes.').waitFor();
        assert.equal(await a.locator('input[name="depth"][aria-invalid="true"]').count(), 5);
        await noAxeViolations(a, 'the composer showing an error');
        await a.getByLabel(/^2 · Personal/).check();
        await a.getByRole('button', { name: 'Share with Bea' }).click();
        await a.getByText('Shared with Bea.').waitFor();
        const item = shareItem(a, CANARY.share);
        await item.getByRole('heading', { name: 'You · Fears' }).waitFor();
        await item.getByText('Depth 2 — personal').waitFor();

        await a.getByLabel('Something small from today').fill(`The bus driver waved at me. ${CANARY.moment}`);
        await a.getByLabel('Something small from today').press('Enter');
        await shareItem(a, CANARY.moment).getByRole('heading', { name: 'You · Everyday life' }).waitFor();
        assert.equal(await a.getByLabel('Something small from today').inputValue(), '');
        // Newest first; and the author is offered no response buttons.
        assert.match(await a.locator('li.share').first().textContent(), new RegExp(CANARY.moment));
        assert.equal(await a.locator('form.respond').count(), 0);
    });

    await t.test('B reads the fear and answers "That makes sense" with a few words', async () => {
        await openShares(b, url, dyadId, 'Ana');
        const item = shareItem(b, CANARY.share);
        await item.getByRole('heading', { name: 'Ana · Fears' }).waitFor();
        await item.getByLabel('A few words back (optional)').fill(`You never could. ${CANARY.response}`);
        await item.getByRole('button', { name: 'That makes sense' }).click();
        await b.getByText('Your response was sent to Ana.').waitFor();
        await item.getByText('You — That makes sense').waitFor();
        await item.getByText(CANARY.response).waitFor();
        // Responded once: the form folds away behind "Respond again".
        assert.equal(await item.locator('form.respond').isHidden(), true);
        await item.getByRole('button', { name: 'Respond again' }).waitFor();
        await noAxeViolations(b, 'the shares page with a response');
    });

    await t.test('A sees the response', async () => {
        await a.reload();
        const item = shareItem(a, CANARY.share);
        await item.getByText('Bea — That makes sense').waitFor();
        await item.getByText(CANARY.response).waitFor();
    });

    await t.test('a prompt marked support shows a quiet line to help', async () => {
        const prompts = await a.evaluate(async () => (await (await fetch('/api/v1/prompts?kind=couple')).json()).prompts);
        const hard = prompts.find((p) => p.support === true);
        assert.ok(hard, 'the library marks some prompts support');
        await a.goto(`${url}/dyads/${dyadId}/shares?prompt=${encodeURIComponent(hard.id)}`);
        await a.locator('#composer-prompt').getByText(hard.text).waitFor();
        const line = a.locator('#composer-support');
        await line.waitFor();
        assert.match(await line.textContent(), /help and people to talk to are here/);
        assert.equal(await line.getByRole('link').getAttribute('href'), '/safety');
        await noAxeViolations(a, 'the composer with a support line');
    });

    await t.test('both answer a prompt in mutual reveal', async () => {
        const prompts = await a.evaluate(async () => (await (await fetch('/api/v1/prompts?kind=couple')).json()).prompts);
        prompt = prompts.find((p) => p.depth === 2 && p.topic !== 'desire' && p.kinds.includes('couple'));
        assert.ok(prompt, 'a prompt to answer');

        // The check-in page's "Answer" link opens the composer on the prompt.
        await a.goto(`${url}/dyads/${dyadId}/shares?prompt=${encodeURIComponent(prompt.id)}`);
        await a.getByRole('heading', { name: 'Answer a prompt' }).waitFor();
        await a.locator('#composer-prompt').getByText(prompt.text).waitFor();
        if (prompt.support !== true) assert.equal(await a.locator('#composer-support').isVisible(), false, 'no support line');
        assert.equal(await a.locator(`input[name="topic"][value="${prompt.topic}"]`).isChecked(), true, 'topic preset');
        assert.equal(await a.locator('input[name="depth"][value="2"]').isChecked(), true, 'depth preset');
        await a.getByLabel(/^Mutual reveal/).waitFor();
        await a.getByLabel(/^Now/).waitFor();
        await noAxeViolations(a, 'the composer answering a prompt');
        await a.getByLabel(/^Mutual reveal/).check();
        await a.getByLabel('Your answer', { exact: true }).fill(`Mine first. ${CANARY.answerA}`);
        await a.getByRole('button', { name: 'Share with Bea' }).click();
        await a.getByText('Bea will see it once they have answered this prompt too.').first().waitFor();
        assert.equal(new URL(a.url()).search, '', 'the prompt leaves the address once answered');
        await shareItem(a, CANARY.answerA).getByText(prompt.text).waitFor();

        await b.reload();
        const withheld = b.locator('li.share', { has: b.locator('.withheld') });
        await withheld.getByText('Ana has answered this prompt — answer it too to see both.').waitFor();
        assert.equal(await b.getByText(CANARY.answerA).count(), 0, 'A’s answer is withheld from B');
        assert.equal(await withheld.locator('form.respond').count(), 0, 'no responding to a withheld answer');
        await noAxeViolations(b, 'the shares page with a withheld answer');
        await withheld.getByRole('button', { name: 'Answer this prompt' }).click();
        await b.getByRole('heading', { name: 'Answer a prompt' }).waitFor();
        assert.match(new URL(b.url()).search, /^\?prompt=/);
        await b.getByLabel(/^Mutual reveal/).check();
        await b.getByLabel('Your answer', { exact: true }).fill(`And mine. ${CANARY.answerB}`);
        await b.getByRole('button', { name: 'Share with Ana' }).click();
        // Answering reveals A's answer at once.
        await shareItem(b, CANARY.answerA).getByRole('heading', { name: /^Ana · / }).waitFor();
        await shareItem(b, CANARY.answerB).waitFor();
        assert.equal(await b.locator('.withheld').count(), 0);

        await a.reload();
        await shareItem(a, CANARY.answerB).getByRole('heading', { name: /^Bea · / }).waitFor();
        await shareItem(a, CANARY.answerA).waitFor();
    });

    await t.test('a share unanswered for two days is marked gently, for the listener only', async () => {
        const momentId = await shareItem(a, CANARY.moment).getAttribute('data-share-id');
        sql(db, `UPDATE shares SET created_at = created_at - 3 * 86400 WHERE id = '${momentId}'`);
        await b.reload();
        await shareItem(b, CANARY.moment).getByText('Still waiting for a response from you — no rush.').waitFor();
        assert.equal(await b.locator('.waiting-for-you').count(), 1);
        await a.reload();
        await shareItem(a, CANARY.moment).waitFor();
        assert.equal(await a.locator('.waiting-for-you').count(), 0, 'the author is never told');
        // Responding with no words at all is fine, and clears the mark.
        await shareItem(b, CANARY.moment).getByRole('button', { name: 'I’m with you' }).click();
        await shareItem(b, CANARY.moment).getByText('You — I’m with you').waitFor();
        assert.equal(await b.locator('.waiting-for-you').count(), 0);
    });

    await t.test('"Show older shares" pages through everything exactly once', async () => {
        const input = a.getByLabel('Something small from today');
        for (let i = 0; i < 23; i++) {
            await input.fill(`moment ${i}`);
            await a.locator('#share-moment').click();
            await shareItem(a, `moment ${i}`).first().waitFor();
            await a.waitForFunction(() => !document.querySelector('#share-moment').disabled);
        }
        const total = Number(sql(db, `SELECT count(*) FROM shares WHERE dyad_id = '${dyadId}'`));
        assert.equal(total, 27);
        // The server pages by whole seconds: put all 23 in one second, so the
        // first page ends inside it.
        const lastBefore = await shareItem(a, CANARY.answerB).getAttribute('data-share-id');
        sql(db, `UPDATE shares SET created_at = (SELECT max(created_at) FROM shares) WHERE rowid > (SELECT rowid FROM shares WHERE id = '${lastBefore}')`);
        const expected = sql(db, `SELECT id FROM shares WHERE dyad_id = '${dyadId}' ORDER BY created_at DESC, rowid DESC`).split('\n');
        await b.reload();
        await shareItem(b, 'moment 22').waitFor();
        assert.equal(await b.locator('li.share').count(), 20, 'one page at first');
        await loadAll(b);
        const ids = await b.locator('li.share').evaluateAll((els) => els.map((e) => e.dataset.shareId));
        assert.equal(ids.length, total, 'every share once');
        assert.equal(new Set(ids).size, total, 'no share twice');
        assert.equal(await b.locator('#older-shares').isHidden(), true);
        assert.deepEqual(ids, expected, 'newest first, in the server\'s order');
    });

    await t.test('no canary reaches the database, its WAL or the server logs', async () => {
        // A check-in note, encrypted under A's personal key by a client that
        // signs in as A with the same password (and the same browser name).
        const api = new Client(url);
        const ua = await a.evaluate(() => navigator.userAgent);
        const headers = { 'User-Agent': ua };
        const kdf = await api.get('/api/v1/auth/kdf?email=ana%40example.org', { headers });
        const master = cr.deriveMaster(PASSWORD_A, unb64(kdf.json.kdf_salt), kdf.json.opslimit, kdf.json.memlimit);
        const { authKey, wrapKey } = cr.deriveAuthWrap(master);
        const login = await api.post('/api/v1/auth/login', { email: 'ana@example.org', auth_key: b64(authKey) }, { headers });
        assert.equal(login.status, 200, login.text);
        api.csrf = login.json.csrf_token;
        const keys = cr.unwrapKeys(login.json.wrapped_keys, wrapKey);
        const date = new Date().toISOString().slice(0, 10);
        const note = cr.encryptEntry(keys.personal, { dyadId, entryId: date, authorId: login.json.user.id, kind: 'note' }, `Today I held back. ${CANARY.note}`);
        const put = await api.put(`/api/v1/dyads/${dyadId}/checkins/${date}`, { closeness: 6, note }, { headers });
        assert.equal(put.status, 200, put.text);
        const back = await api.get(`/api/v1/dyads/${dyadId}/checkins?from=${date}&to=${date}`, { headers });
        const mine = back.json.checkins.find((r) => r.user_id === login.json.user.id);
        assert.equal(cr.decryptEntry(keys.personal, { dyadId, entryId: date, authorId: login.json.user.id, kind: 'note' }, mine.note), `Today I held back. ${CANARY.note}`);
        cr.wipe(master, authKey, wrapKey, keys.boxSk, keys.signSk, keys.personal);

        // Every canary was really written (the pages show them decrypted)…
        for (const c of [CANARY.share, CANARY.moment, CANARY.answerA, CANARY.answerB, CANARY.response]) {
            await shareItem(b, c).first().waitFor();
        }
        // …and none is in any file of the server's directory or its logs,
        // neither as text nor as base64 of the text.
        const files = readdirSync(server.dir).filter((f) => f.startsWith('dyad.db'));
        assert.ok(files.includes('dyad.db'));
        assert.ok(files.includes('dyad.db-wal'), 'the WAL is there to read');
        const blobs = files.map((f) => [f, readFileSync(join(server.dir, f))]);
        blobs.push(['logs', Buffer.from(server.logs())]);
        for (const c of Object.values(CANARY)) {
            for (const needle of [c, Buffer.from(c).toString('base64').slice(0, 16)]) {
                for (const [name, bytes] of blobs) {
                    assert.equal(bytes.indexOf(Buffer.from(needle)), -1, `"${needle}" found in ${name}`);
                }
            }
        }
    });

    await t.test('a changed byte or a moved body reads as "could not be read"; the rest still reads', async () => {
        await openShares(a, url, dyadId, 'Bea');
        await loadAll(a);
        const idOf = (text) => shareItem(a, text).first().getAttribute('data-share-id');
        const flipped = await idOf(CANARY.share);
        const moved = await idOf('moment 3');
        const source = await idOf('moment 4');
        // One byte of the ciphertext flipped, in place.
        const hex = sql(db, `SELECT hex(body) FROM shares WHERE id = '${flipped}'`);
        const at = 2 * 40; // a byte of the ciphertext, past the nonce
        const bad = hex.slice(0, at) + (Number.parseInt(hex.slice(at, at + 2), 16) ^ 0x01).toString(16).padStart(2, '0').toUpperCase() + hex.slice(at + 2);
        sql(db, `UPDATE shares SET body = X'${bad}' WHERE id = '${flipped}'`);
        // A valid body of another share, moved onto this one.
        sql(db, `UPDATE shares SET body = (SELECT body FROM shares WHERE id = '${source}') WHERE id = '${moved}'`);
        // One byte of B's response to the fear flipped too.
        const respId = sql(db, `SELECT id FROM responses WHERE share_id = '${flipped}' AND body IS NOT NULL`);
        const rhex = sql(db, `SELECT hex(body) FROM responses WHERE id = '${respId}'`);
        const rbad = rhex.slice(0, rhex.length - 2) + (Number.parseInt(rhex.slice(-2), 16) ^ 0x80).toString(16).padStart(2, '0').toUpperCase();
        sql(db, `UPDATE responses SET body = X'${rbad}' WHERE id = '${respId}'`);

        for (const page of [a, b]) {
            await openShares(page, url, dyadId, page === a ? 'Bea' : 'Ana');
            await loadAll(page);
            const bad1 = page.locator(`li.share[data-share-id="${flipped}"]`);
            const bad2 = page.locator(`li.share[data-share-id="${moved}"]`);
            await bad1.locator('.unreadable').first().waitFor();
            await bad2.locator('.unreadable').first().waitFor();
            // The share text and the response's words are both unreadable; the response kind still shows.
            assert.equal(await bad1.locator('.unreadable').count(), 2);
            assert.equal(await bad1.locator('.share-text').count(), 0);
            await bad1.getByText(page === a ? 'Bea — That makes sense' : 'You — That makes sense').waitFor();
            assert.equal(await bad2.locator('.share-text').count(), 0);
            assert.equal((await bad2.locator('.unreadable').textContent()).trim(), UNREADABLE);
            // Never garbage, nor the moved share's own words.
            assert.equal(await page.getByText(CANARY.share).count(), 0);
            assert.equal(await page.getByText(CANARY.response).count(), 0);
            assert.equal(await page.getByText('moment 4', { exact: true }).count(), 1, 'the source still reads, once');
            assert.equal(await page.locator('.unreadable').count(), 3);
            // Everything else still reads.
            for (const c of [CANARY.moment, CANARY.answerA, CANARY.answerB, 'moment 0', 'moment 22']) {
                await shareItem(page, c).locator('.share-text').first().waitFor();
            }
            assert.equal(await page.locator('.share-text').count(), 27 - 2);
            await page.getByRole('heading', { name: /^Shares with / }).waitFor();
        }
        await screenshot(a, 'shares.png');
        await noAxeViolations(a, 'the shares page with unreadable entries');
    });

    await t.test('the composer and the thread work from the keyboard', async () => {
        await openShares(b, url, dyadId, 'Ana');
        await b.locator('#open-composer').focus();
        await b.keyboard.press('Enter');
        assert.equal(await b.locator('#open-composer').getAttribute('aria-expanded'), 'true');
        // Focus moved into the topic group: arrows choose a topic, Tab moves on.
        await b.keyboard.press('ArrowDown');
        assert.equal(await b.evaluate(() => document.activeElement.name), 'topic');
        assert.equal(await b.locator('input[name="topic"]:checked').count(), 1);
        await b.keyboard.press('Tab');
        assert.equal(await b.evaluate(() => document.activeElement.name), 'depth');
        await b.keyboard.press('Space');
        await b.keyboard.press('Tab');
        assert.equal(await b.evaluate(() => document.activeElement.id), 'share-text');
        await b.keyboard.type('typed without a mouse');
        await b.keyboard.press('Tab');
        await b.keyboard.press('Enter');
        await b.getByText('Shared with Ana.').waitFor();
        await shareItem(b, 'typed without a mouse').waitFor();
    });

    assert.deepEqual([...watchA.problems, ...watchB.problems], []);
});
