// Safety and data rights in real Chromium (docs/protocol.md, docs/safety.md):
//   - the Help & safety page works logged out, with the emergency number
//     first and no sign-in; quick exit by button and by Esc ×3 from it and
//     from the settings page replaces the page, so Back does not return;
//   - export: the readable file holds one's own share, response and private
//     note decrypted in the browser (and none of the partner's words), for
//     the dyad's creator and for the partner who joined; the raw JSON too;
//   - a discreet tab title, kept per browser;
//   - a sign-in from a browser with another user agent leaves a calm notice
//     on the home page, which can be dismissed; that session, ended from the
//     first browser's sessions list, is refused at its next action;
//   - a therapist's private check-in: A sees it on her home page, choosing
//     a danger answer shows the crisis box at once, a server that swaps the
//     therapist's keys is refused, the answers are sealed (the therapist
//     opens them in node), and B's pages show nothing of it;
//   - leaving with keep and with delete (two pairs), checked in the database
//     with the sqlite3 CLI;
//   - deleting an account in the UI leaves neither its e-mail address nor
//     its user id anywhere in the database file or its WAL;
//   - axe-core finds no WCAG 2.x A/AA problem on the settings page, the
//     leave flow, the private check-in form and /safety, and no page logs a
//     console error or CSP violation beyond the ones a test causes on purpose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, axeViolations, screenshot } from '../lib/browser.mjs';
import { pairInBrowser, signInAt, c as cr } from '../lib/journey.mjs';
import { makeTherapist } from '../lib/therapist.mjs';
import { sodium } from '../lib/api.mjs';

const FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

let server;
let browser;
before(async () => {
    server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } });
    browser = await launchBrowser();
});
after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
});

const sql = (q) => execFileSync('sqlite3', [server.dbPath, q]).toString().trim();

function pad2(n) {
    return String(n).padStart(2, '0');
}
function localDate(d = new Date()) {
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

async function noAxeViolations(page, where) {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `accessibility problems on ${where}`);
}

// A 401 from any API path, for a page whose session the test ends on purpose.
function allow401Anywhere({ text, url }) {
    return /status of 401/.test(text) && new URL(url, 'http://x').pathname.startsWith('/api/v1/');
}

/** Writes, through the API, what a person writes in the browser: a share, a response to the partner's share, a check-in with a note, a comfort level. */
async function writeSome(dyadId, K, who, other, tag) {
    const words = {
        share: `My share ${tag}: the kettle song in the morning.`,
        theirs: `Their share ${tag}: a long day at work.`,
        response: `My response ${tag}: I was thinking of you.`,
        note: `My private note ${tag}: tired, but glad.`,
    };
    const sid = cr.newEntryId();
    let r = await who.api.post(`/api/v1/dyads/${dyadId}/shares`, {
        id: sid, topic: 'joy', depth: 2, body: cr.encryptEntry(K, { dyadId, entryId: sid, authorId: who.userId, kind: 'share' }, words.share),
    });
    assert.equal(r.status, 201, r.text);
    const osid = cr.newEntryId();
    r = await other.api.post(`/api/v1/dyads/${dyadId}/shares`, {
        id: osid, topic: 'everyday', depth: 1, body: cr.encryptEntry(K, { dyadId, entryId: osid, authorId: other.userId, kind: 'share' }, words.theirs),
    });
    assert.equal(r.status, 201, r.text);
    const rid = cr.newEntryId();
    r = await who.api.post(`/api/v1/dyads/${dyadId}/shares/${osid}/responses`, {
        id: rid, kind: 'with_you', body: cr.encryptEntry(K, { dyadId, entryId: rid, authorId: who.userId, kind: 'response' }, words.response),
    });
    assert.equal(r.status, 201, r.text);
    const day = localDate();
    r = await who.api.put(`/api/v1/dyads/${dyadId}/checkins/${day}`, {
        closeness: 7, note: cr.encryptEntry(who.keys.personal, { dyadId, entryId: day, authorId: who.userId, kind: 'note' }, words.note),
    });
    assert.ok(r.status === 200 || r.status === 201 || r.status === 204, r.text);
    r = await who.api.put(`/api/v1/dyads/${dyadId}/comfort`, { joy: 4 });
    assert.ok(r.status < 300, r.text);
    return { sid, osid, rid, words };
}

/** Clicks `button` and returns the text of the file it downloads, and its name. */
async function downloadText(page, button) {
    const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const path = await dl.path();
    return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

async function dismissAllNotices(person) {
    const me = await person.api.get('/api/v1/me');
    for (const n of me.json.notices) assert.equal((await person.api.del(`/api/v1/me/notices/${n.id}`)).status, 204);
}

test('the help and safety page: logged out, emergency number first, quick exit leaves no way Back', async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page, 'visitor', { allow: allowExpected401 });
    t.after(() => context.close());

    await t.test('/safety needs no login and shows the emergency number first', async () => {
        const res = await page.goto(`${server.url}/safety`);
        assert.equal(res.status(), 200);
        await page.getByRole('heading', { name: 'Help and safety' }).waitFor();
        const order = await page.evaluate(() => [...document.querySelectorAll('main > *')].map((el) => el.tagName + (el.className ? `.${el.className}` : '')));
        assert.deepEqual(order.slice(0, 2), ['H1', 'SECTION.emergency'], 'the emergency section comes right after the heading');
        const number = (await page.locator('.emergency .emergency-number a').textContent()).trim();
        assert.equal(number, '112');
        assert.equal(await page.locator('.emergency .emergency-number a').getAttribute('href'), 'tel:112');
        // nothing asks for a login, now or after the scripts ran
        await page.waitForLoadState('networkidle');
        assert.equal(await page.locator('main input, main form').count(), 0);
        assert.equal(await page.getByRole('heading', { name: /Sign in|Create an account/ }).count(), 0);
        await noAxeViolations(page, '/safety');
        // and it works without JavaScript too
        const noJs = await browser.newContext({ javaScriptEnabled: false });
        const p2 = await noJs.newPage();
        await p2.goto(`${server.url}/safety`);
        assert.equal((await p2.locator('.emergency .emergency-number a').textContent()).trim(), '112');
        await noJs.close();
    });

    await t.test('quick exit by Esc ×3 on /safety: Back does not return', async () => {
        await page.goto('about:blank');
        await page.goto(`${server.url}/safety`);
        await page.locator('h1').click();
        for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
        await page.waitForURL(`${server.url}/static/neutral.html`);
        assert.equal(await page.title(), 'Weather');
        await page.goBack();
        assert.notEqual(new URL(page.url()).pathname, '/safety', 'Back does not lead to /safety');
        // the neutral page filled the history with copies of itself (neutral.js)
        assert.equal(new URL(page.url()).pathname, '/static/neutral.html');
        assert.equal(await page.title(), 'Weather');
    });

    await t.test('quick exit by the button on /safety: Back does not return', async () => {
        await page.goto(`${server.url}/static/neutral.html?start`);
        await page.goto(`${server.url}/safety`);
        await page.locator('#quick-exit').click();
        await page.waitForURL(`${server.url}/static/neutral.html`);
        await page.goBack();
        assert.equal(new URL(page.url()).pathname, '/static/neutral.html', 'Back stays on the neutral page');
        assert.equal(await page.title(), 'Weather');
    });

    assert.deepEqual(watch.problems, []);
});

test('one couple: export, a discreet title, a new browser, a revoked session, a private check-in, quick exit', async (t) => {
    const url = server.url;
    const { a, b, dyadId, K } = await pairInBrowser(browser, url, { kind: 'couple', names: ['Ana', 'Bea'] });
    t.after(async () => {
        await a.context.close();
        await b.context.close();
    });
    const extra = [];
    let written;
    let writtenB;

    await t.test('export: a readable file with one’s own words, decrypted in the browser', async () => {
        written = await writeSome(dyadId, K, a, b, 'A1');
        const p = a.page;
        await p.goto(`${url}/settings`);
        await p.locator('#session-list .session-item').first().waitFor();
        await p.locator(`#dyad-${dyadId} h3`).getByText('Couple with Bea').waitFor();
        await noAxeViolations(p, 'the settings page');
        await screenshot(p, 'settings-safety.png');
        const readable = await downloadText(p, p.locator('#export-readable'));
        assert.match(readable.name, /^dyad-export-\d{4}-\d\d-\d\d\.md$/);
        for (const w of [written.words.share, written.words.response, written.words.note]) {
            assert.ok(readable.text.includes(w), `the readable file holds “${w}”`);
        }
        assert.ok(!readable.text.includes(written.words.theirs), 'the partner’s words are not in A’s file');
        assert.ok(readable.text.includes('## Couple with Bea (active)'));
        assert.ok(!readable.text.includes('without checking its signature'), 'A wrapped K herself: the signature was checked');
        await p.getByText(/Your readable copy is downloading: 1 shares, 1 responses and 1 private notes/).waitFor();
        const raw = await downloadText(p, p.locator('#export-json'));
        assert.match(raw.name, /^dyad-export-\d{4}-\d\d-\d\d\.json$/);
        const json = JSON.parse(raw.text);
        assert.equal(json.format, 'dyad-export');
        assert.equal(json.user.email, a.email);
        assert.deepEqual(json.dyads[0].shares.map((s) => s.id), [written.sid]);
        assert.ok(!raw.text.includes(written.words.share), 'the raw file keeps the words encrypted');
    });

    await t.test('export by the partner who joined: K checked against A’s verified key', async () => {
        writtenB = await writeSome(dyadId, K, b, a, 'B1');
        const p = b.page;
        await p.goto(`${url}/settings#your-data`);
        await p.locator('#export-readable').waitFor();
        const readable = await downloadText(p, p.locator('#export-readable'));
        assert.ok(readable.text.includes(writtenB.words.share));
        assert.ok(readable.text.includes(writtenB.words.note));
        assert.ok(!readable.text.includes(written.words.share), 'A’s words are not in B’s file');
        assert.ok(!readable.text.includes('without checking its signature'));
    });

    await t.test('a discreet tab title, per browser', async () => {
        const p = a.page;
        await p.goto(`${url}/settings#discreet`);
        const box = p.getByLabel('Call dyad’s tabs “Notes” in this browser');
        assert.equal(await box.isChecked(), false);
        assert.equal(await p.title(), 'dyad');
        await box.check();
        await p.getByText('Saved. In this browser, dyad’s tabs are now called “Notes”').waitFor();
        assert.equal(await p.title(), 'Notes');
        assert.equal(await p.locator('link[rel~="icon"]').getAttribute('href'), '/static/neutral-icon.svg');
        await p.goto(`${url}/`);
        await p.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
        assert.equal(await p.title(), 'Notes', 'the home page keeps it');
        assert.equal(await b.page.evaluate(() => document.title), 'dyad', 'another browser is not affected');
        await p.goto(`${url}/settings#discreet`);
        await p.getByLabel('Call dyad’s tabs “Notes” in this browser').uncheck();
        assert.equal(await p.title(), 'dyad');
    });

    let other;
    await t.test('a sign-in from another browser leaves a notice on the home page, which can be dismissed', async () => {
        await dismissAllNotices(a); // the journey's own first browser sign-in is news too
        const context = await browser.newContext({ userAgent: FIREFOX_UA });
        const page = await context.newPage();
        other = { context, page, watch: watchPage(page, 'Ana elsewhere', { allow: allow401Anywhere }) };
        await signInAt(page, url, a, '/settings', '#session-list .session-item');
        const p = a.page;
        await p.goto(`${url}/`);
        const notice = p.locator('.account-notice');
        await notice.waitFor();
        assert.equal(await notice.count(), 1);
        const text = await notice.locator('p').first().textContent();
        assert.match(text, /^Someone signed in to your account from a new browser \(Firefox on Windows\) on .+\. If that wasn’t you, change your password and end that session in Settings\.$/);
        assert.equal(await notice.getByRole('link', { name: 'See where you are signed in' }).getAttribute('href'), '/settings#sessions');
        await noAxeViolations(p, 'the home page with a notice');
        await screenshot(p, 'home-notice.png');
        await notice.getByRole('button', { name: 'Dismiss' }).click();
        await p.locator('.account-notices-done').getByText('Dismissed.').waitFor();
        assert.equal(await p.locator('.account-notice').count(), 0);
        assert.deepEqual((await a.api.get('/api/v1/me')).json.notices, []);
        await p.reload();
        await p.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
        await p.locator('#dyad-list .dyad-item h3').first().waitFor();
        assert.equal(await p.locator('.account-notice').count(), 0, 'gone for good');
    });

    await t.test('ending that session from the list: its next action asks to sign in', async () => {
        const p = a.page;
        await p.goto(`${url}/settings#sessions`);
        const items = p.locator('#session-list .session-item');
        await items.first().waitFor();
        const firefox = items.filter({ hasText: 'Firefox on Windows' });
        assert.equal(await firefox.count(), 1);
        assert.equal(await items.filter({ hasText: 'this browser' }).count(), 1);
        await firefox.getByRole('button', { name: 'End this session' }).click();
        await p.getByText('Ended. Firefox on Windows is signed out of your account').waitFor();
        assert.equal(await items.filter({ hasText: 'Firefox on Windows' }).count(), 0);
        // the other browser's next action
        await other.page.getByRole('button', { name: 'Refresh the list' }).click();
        await other.page.getByRole('heading', { name: 'Enter your password to unlock' }).waitFor();
        await other.page.getByText('Your session has ended. Sign in again to continue.').waitFor();
        assert.equal(await other.page.evaluate(() => sessionStorage.getItem('dyad.keys')), null, 'its keys are gone');
        const me = await other.context.request.get(`${url}/api/v1/me`);
        assert.equal(me.status(), 401);
        // A's own session is untouched
        assert.equal((await a.context.request.get(`${url}/api/v1/me`)).status(), 200);
        extra.push(...other.watch.problems);
        await other.context.close();
    });

    await t.test('a private check-in: only A sees it; a danger answer shows the crisis box at once; sealed to the therapist', async () => {
        const th = await makeTherapist(server, 'therapist');
        for (const who of [a, b]) {
            const r = await who.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: th.code });
            assert.equal(r.status, 200, r.text);
        }
        const bHome = async () => {
            await b.page.goto(`${url}/`);
            await b.page.getByRole('heading', { name: 'Hello, Bea' }).waitFor();
            await b.page.locator('#dyad-list .state.paired').waitFor();
            await b.page.waitForLoadState('networkidle');
            return b.page.locator('main').innerText();
        };
        await dismissAllNotices(b);
        const bBefore = await bHome();
        const assigned = await th.c.post(`/api/v1/therapist/dyads/${dyadId}/private-checkins`, { user_id: a.userId, questionnaire: 'safety-check-1' });
        assert.equal(assigned.status, 201, assigned.text);
        const pid = assigned.json.private_checkin.id;

        // A server that hands over other keys for the therapist is refused.
        const p = a.page;
        const pattern = '**/api/v1/me/private-checkins';
        await p.route(pattern, async (route) => {
            const res = await route.fetch();
            const json = await res.json();
            for (const pc of json.private_checkins) pc.therapist.box_public_key = cr.b64(sodium.crypto_box_keypair().publicKey);
            return route.fulfill({ response: res, json });
        });
        await p.goto(`${url}/`);
        const card = p.locator(`#pc-${pid}`);
        await card.getByRole('heading', { name: `A private check-in from ${th.u.display_name}` }).waitFor();
        await card.getByRole('button', { name: 'Open it' }).click();
        await card.getByRole('button', { name: `Seal and send to ${th.u.display_name}` }).click();
        await card.getByText(`Not sent. The keys the server gave for ${th.u.display_name} do not match their fingerprint`).waitFor();
        await p.unroute(pattern);
        assert.ok(!(await a.api.get('/api/v1/me/private-checkins')).json.private_checkins[0].answered_at, 'nothing was sent');

        // The true keys.
        await p.goto(`${url}/`);
        await card.waitFor();
        assert.equal(await card.locator('fieldset').count(), 0, 'closed until opened: a glance shows no questions');
        await card.getByRole('button', { name: 'Open it' }).click();
        await card.locator('.pc-live').getByText('Not watched live:').waitFor();
        await card.getByText(th.code.split('-')[1].match(/.{4}/g).join(' ')).waitFor();
        const crisis = card.locator('.crisis');
        assert.equal(await crisis.isVisible(), false, 'no crisis box before a danger answer');
        await card.getByRole('group', { name: /how safe have you felt at home/ }).getByLabel('Safe most of the time').check();
        assert.equal(await crisis.isVisible(), false, 'a safe answer shows nothing');
        await card.getByRole('group', { name: /afraid of your partner/ }).getByLabel('Once or twice').check();
        // at once: no request, no waiting
        assert.equal(await crisis.isVisible(), true, 'the crisis box shows the moment a danger answer is chosen');
        assert.match(await crisis.innerText(), /If you are in danger now, call your local emergency number/);
        const link = crisis.getByRole('link', { name: /Help and safety/ });
        assert.equal(await link.getAttribute('href'), '/safety');
        assert.equal(await link.getAttribute('target'), '_blank');
        assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
        assert.equal(await crisis.getAttribute('role'), 'alert');
        await card.getByLabel(/anything you would like your therapist to know/).fill('PRIVATE-CANARY-7731 I need to talk alone.');
        await noAxeViolations(p, 'the private check-in form');
        await screenshot(p, 'private-checkin.png');
        await card.getByRole('button', { name: `Seal and send to ${th.u.display_name}` }).click();
        await card.getByText(`Sent, sealed so that only ${th.u.display_name} can open it.`).waitFor();
        assert.equal(await card.locator('.crisis').isVisible(), true, 'the crisis box is still there after sending');

        // The therapist opens it with the box secret key; the server could not.
        const seen = await th.c.get(`/api/v1/therapist/dyads/${dyadId}/private-checkins`);
        assert.equal(seen.status, 200, seen.text);
        const got = seen.json.private_checkins.find((x) => x.id === pid);
        assert.ok(got.answered_at);
        const answers = JSON.parse(cr.openSealed(got.sealed, th.u.box.publicKey, th.u.box.privateKey));
        assert.deepEqual(answers, { safe_at_home: 1, afraid: 1, for_your_therapist: 'PRIVATE-CANARY-7731 I need to talk alone.' });
        const dbBytes = [server.dbPath, `${server.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f));
        for (const bytes of dbBytes) assert.equal(bytes.indexOf('PRIVATE-CANARY-7731'), -1, 'the answers are not in the database in the clear');

        // A's home no longer shows it.
        await p.goto(`${url}/`);
        await p.locator('#dyad-list .dyad-item h3').first().waitFor();
        await p.waitForLoadState('networkidle');
        assert.equal(await p.locator('.private-checkin').count(), 0);

        // B's pages show nothing of it, before or after.
        const bAfter = await bHome();
        assert.equal(bAfter, bBefore, 'B’s home page is the same as before it was assigned');
        assert.equal(await b.page.locator('.private-checkin').count(), 0);
        await b.page.goto(`${url}/settings`);
        await b.page.locator(`#therapist-${dyadId}`).getByText('Active since').waitFor();
        await b.page.waitForLoadState('networkidle');
        const settingsText = await b.page.locator('main').innerText();
        assert.doesNotMatch(settingsText, /private check-in|PRIVATE-CANARY|view_private/i);
        assert.deepEqual((await b.api.get('/api/v1/me/private-checkins')).json.private_checkins, []);
    });

    await t.test('quick exit by Esc ×3 on the settings page: Back does not return, the session is over', async () => {
        const p = a.page;
        await p.goto(`${url}/settings`);
        await p.getByRole('heading', { name: 'Settings' }).waitFor();
        await p.locator('h1').click();
        for (let i = 0; i < 3; i++) await p.keyboard.press('Escape');
        await p.waitForURL(`${url}/static/neutral.html`);
        assert.equal(await p.evaluate(() => sessionStorage.length), 0);
        await p.goBack();
        assert.notEqual(new URL(p.url()).pathname, '/settings');
        assert.equal((await a.context.request.get(`${url}/api/v1/me`)).status(), 401);
    });

    await t.test('quick exit by the button on the settings page: Back does not return', async () => {
        const p = b.page;
        await p.goto(`${url}/`);
        await p.getByRole('heading', { name: 'Hello, Bea' }).waitFor();
        await p.goto(`${url}/settings`);
        await p.getByRole('heading', { name: 'Settings' }).waitFor();
        await p.locator('#quick-exit').click();
        await p.waitForURL(`${url}/static/neutral.html`);
        await p.goBack();
        assert.equal(new URL(p.url()).pathname, '/static/neutral.html', 'Back stays on the neutral page, never the settings page');
        assert.equal((await b.context.request.get(`${url}/api/v1/me`)).status(), 401);
    });

    assert.deepEqual([...a.watch.problems, ...b.watch.problems, ...extra], []);
});

test('leaving alone, in one step: keeping what one wrote, and deleting it', async (t) => {
    const url = server.url;
    for (const mode of ['keep', 'delete']) {
        await t.test(`leaving and choosing to ${mode}`, async () => {
            const names = mode === 'keep' ? ['Cai', 'Dee'] : ['Eli', 'Fay'];
            const { a, b, dyadId, K } = await pairInBrowser(browser, url, { kind: 'couple', names });
            try {
                const w = await writeSome(dyadId, K, a, b, mode);
                await dismissAllNotices(b);
                const p = a.page;
                await p.goto(`${url}/settings#your-dyads`);
                const item = p.locator(`#your-dyads .dyad-item[data-dyad-id="${dyadId}"]`);
                await item.getByRole('heading', { name: `Couple with ${names[1]}` }).waitFor();
                await item.getByRole('button', { name: 'Leave this dyad' }).click();
                const flow = item.locator('form.leave-flow');
                await flow.getByRole('heading', { name: 'Leave alone, in one step' }).waitFor();
                await flow.getByText(`${names[1]} is not asked and cannot stop it`).waitFor();
                assert.equal(await flow.getByLabel('Keep it').isChecked(), true, 'keeping is the default');
                if (mode === 'delete') {
                    await noAxeViolations(p, 'the leave flow');
                    await flow.scrollIntoViewIfNeeded();
                    await screenshot(p, 'leave-flow.png');
                    // export is offered first, and works from here
                    const file = await downloadText(p, flow.getByRole('button', { name: 'Download a readable copy' }));
                    assert.ok(file.text.includes(w.words.share));
                    await flow.getByLabel('Delete it').check();
                }
                await flow.getByRole('button', { name: 'Leave the dyad' }).click();
                await item.getByText('You have left this dyad.').waitFor();
                if (mode === 'delete') await item.getByText('What you wrote in it was deleted.').waitFor();

                const ended = sql(`SELECT ended_at > 0 FROM dyads WHERE id = '${dyadId}'`);
                assert.equal(ended, '1', 'the dyad has ended');
                assert.equal(sql(`SELECT count(*) FROM invites WHERE dyad_id = '${dyadId}' AND used_at = 0`), '0');
                assert.equal(sql(`SELECT count(*) FROM shares WHERE id = '${w.osid}'`), '1', 'the partner’s words stay theirs');
                const left = {
                    share: sql(`SELECT count(*) FROM shares WHERE id = '${w.sid}'`),
                    response: sql(`SELECT count(*) FROM responses WHERE id = '${w.rid}'`),
                    checkins: sql(`SELECT count(*) FROM checkins WHERE dyad_id = '${dyadId}' AND user_id = '${a.userId}'`),
                    comfort: sql(`SELECT count(*) FROM comfort WHERE dyad_id = '${dyadId}' AND user_id = '${a.userId}'`),
                };
                if (mode === 'keep') {
                    assert.deepEqual(left, { share: '1', response: '1', checkins: '1', comfort: '1' });
                    const thread = await b.api.get(`/api/v1/dyads/${dyadId}/shares`);
                    assert.equal(thread.status, 200);
                    assert.ok(thread.json.shares.some((s) => s.id === w.sid), 'the one who stays still reads the kept share');
                    // the one who stays can still take their own words, with K's signature checked
                    await b.page.goto(`${url}/settings#your-data`);
                    const file = await downloadText(b.page, b.page.locator('#export-readable'));
                    assert.ok(file.text.includes(`## Couple with ${names[0]} (ended)`));
                    assert.ok(file.text.includes(w.words.theirs));
                    assert.ok(!file.text.includes(w.words.share), 'not the leaver’s words');
                    assert.ok(!file.text.includes('without checking its signature'));
                } else {
                    assert.deepEqual(left, { share: '0', response: '0', checkins: '0', comfort: '0' });
                }
                // the leaver's list no longer holds it; the partner sees only that it ended, with no message
                await p.goto(`${url}/`);
                await p.getByText('You have no dyads yet.').waitFor();
                await b.page.goto(`${url}/`);
                await b.page.locator(`.dyad-item[data-dyad-id="${dyadId}"]`).getByText('This dyad has ended.').waitFor();
                assert.equal(await b.page.locator('.account-notice').count(), 0, 'no notice to the partner');
                assert.deepEqual((await b.api.get('/api/v1/me')).json.notices, []);
                assert.deepEqual([...a.watch.problems, ...b.watch.problems], []);
            } finally {
                await a.context.close();
                await b.context.close();
            }
        });
    }
});

test('deleting an account in the browser leaves no byte of the person in the database', async (t) => {
    const url = server.url;
    const { a, b, dyadId, K } = await pairInBrowser(browser, url, { kind: 'friends', names: ['Gus', 'Hal'] });
    t.after(async () => {
        await a.context.close();
        await b.context.close();
    });
    // Deliberate errors on A's page: the wrong password's 403, and the 401s
    // once the account is gone. Swap the journey's watcher for one that
    // allows them (after checking it saw nothing so far).
    assert.deepEqual(a.watch.problems, []);
    a.page.removeAllListeners('console');
    a.page.removeAllListeners('pageerror');
    const again = watchPage(a.page, 'Gus', {
        allow: ({ text, url: u }) => allow401Anywhere({ text, url: u }) ||
            (/status of 403/.test(text) && new URL(u, 'http://x').pathname === '/api/v1/me'),
    });
    await writeSome(dyadId, K, a, b, 'gone');
    const sessionId = (await a.api.get('/api/v1/me/sessions')).json.sessions[0].id;
    const p = a.page;
    await p.goto(`${url}/settings#delete`);
    const section = p.locator('#delete');
    await section.getByText('It cannot be undone').waitFor();
    await section.getByText('their own words stay theirs').waitFor();
    await section.getByRole('button', { name: 'Download a readable copy' }).waitFor();
    await section.getByLabel('Your password, to confirm').fill('not my password at all');
    await section.getByRole('button', { name: 'Delete my account for good' }).click();
    await section.getByText('That is not your password. Nothing was deleted.').waitFor({ timeout: 30000 });
    assert.equal(sql(`SELECT count(*) FROM users WHERE id = '${a.userId}'`), '1');
    await section.getByLabel('Your password, to confirm').fill(a.password);
    await section.getByRole('button', { name: 'Delete my account for good' }).click();
    await p.getByRole('heading', { name: 'Your account has been deleted' }).waitFor({ timeout: 30000 });
    assert.equal(await p.evaluate(() => sessionStorage.length), 0, 'no keys left in this tab');
    assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), []);
    assert.equal((await b.api.get(`/api/v1/dyads/${dyadId}`)).json.dyad.active, false, 'the partner sees only that the dyad ended');

    const needles = [a.email, a.userId, sessionId];
    let scanned = 0;
    for (const f of [server.dbPath, `${server.dbPath}-wal`]) {
        if (!existsSync(f)) continue;
        const bytes = readFileSync(f);
        scanned += 1;
        for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${n} found in ${f}`);
    }
    assert.ok(scanned >= 1);
    assert.equal(sql('PRAGMA integrity_check'), 'ok');

    await p.goto(`${url}/`);
    await p.getByRole('heading', { name: /Sign in|Create an account/ }).first().waitFor();

    // The partner's export still opens their own words; the key's signer is
    // gone, so K is opened without its signature check, and the file says so.
    await b.page.goto(`${url}/settings#your-data`);
    const file = await downloadText(b.page, b.page.locator('#export-readable'));
    assert.ok(file.text.includes('## Friends (ended)'));
    assert.ok(file.text.includes('Their share gone'));
    assert.ok(file.text.includes('The key for this dyad was opened without checking its signature'));
    assert.deepEqual([...again.problems, ...b.watch.problems], []);
});
