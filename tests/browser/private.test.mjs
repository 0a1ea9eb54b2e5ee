// A therapist's private check-in and a member's re-shared entry, end to end
// in real Chromium, with three people in three browser contexts:
//   - the therapist's account is set up through the API with keys derived
//     from a real password, exactly as the setup page derives them, and the
//     therapist signs in in the browser (so the box key that opens what is
//     sealed comes from the password, held for the tab by keystore.js);
//   - a couple (tests/lib/journey.mjs) links the therapist through the API;
//   - on the dyad page the therapist opens "Private check-ins" (closed until
//     opened, and not printed), must choose a member, and gives Ana the
//     safety check; Ana answers it on her home page with one danger answer,
//     one left unanswered and a free-text answer; the therapist checks for
//     answers and opens them in the browser: each question with the words of
//     the chosen answer, the danger answer marked in words, the free text,
//     and the reminder that nothing is watched live;
//   - Ana shares one of her own shares with the therapist from her shares
//     page (the confirmation says what the therapist will see; confirmed by
//     keyboard) and is told "Shared with … on …"; the therapist reads that
//     entry's text, and nothing of Ana's other entries;
//   - Bea's home and shares pages read the same as before any of it, her
//     settings page and her audit list show nothing of it, while Ana's audit
//     shows both reads; nothing written reaches the database in the clear;
//   - the therapist's caseload flags Ana's danger answer (its sealed signal
//     opened in the therapist's browser) without anything being opened;
//   - axe-core finds no WCAG 2.x A/AA problem on the therapist's page with
//     both sections open and on Ana's page with the confirmation open, and no
//     page logs a console error, an uncaught exception or a CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { join } from 'node:path';
import { launchBrowser, watchPage, allowExpected401, axeViolations, screenshot, ROOT } from '../lib/browser.mjs';
import { pairInBrowser, signInAt, c as cr } from '../lib/journey.mjs';
import { therapistLink } from '../lib/therapist.mjs';
import { Client, sodium } from '../lib/api.mjs';

const THERAPIST = { name: 'Dr. Sam Okafor', email: `sam.okafor-${Date.now()}@example.org`, password: 'the blue door on the corner' };
const tag = () => sodium.to_hex(sodium.randombytes_buf(6));
const CANARY = {
    reshared: `RESHARED-CANARY-${tag()} I keep thinking about the move and I am scared to say so.`,
    kept: `KEPT-CANARY-${tag()} The bread came out well today.`,
    response: `RESPONSE-CANARY-${tag()} Thank you for telling me.`,
    theirs: `BEA-CANARY-${tag()} Long day, short temper, sorry.`,
    answer: `PRIVATE-CANARY-${tag()} I would like to talk to you alone first.`,
};

async function noAxeViolations(page, where) {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `accessibility problems on ${where}`);
}

/** A therapist account from the one-time link, through the API, with keys derived from a password. */
async function setUpTherapist(server) {
    const { token } = therapistLink(server, THERAPIST.email);
    const keys = cr.generateUserKeys();
    const salt = sodium.randombytes_buf(16);
    const master = cr.deriveMaster(THERAPIST.password, salt, cr.KDF_OPS, cr.KDF_MEM);
    const { authKey, wrapKey } = cr.deriveAuthWrap(master);
    const rkey = cr.recoveryKey(cr.newRecoveryCode());
    const r = await new Client(server.url).post('/api/v1/therapist/setup', {
        token,
        display_name: THERAPIST.name,
        kdf_salt: cr.b64(salt),
        auth_key: cr.b64(authKey),
        box_public_key: cr.b64(keys.boxPk),
        sign_public_key: cr.b64(keys.signPk),
        wrapped_keys: cr.wrapKeys(keys, wrapKey),
        recovery_wrapped_keys: cr.wrapKeys(keys, rkey),
    });
    assert.equal(r.status, 201, r.text);
    cr.wipe(master, authKey, wrapKey, rkey);
    return { ...THERAPIST, code: r.json.therapist_code, keys };
}

async function dismissAllNotices(person) {
    const me = await person.api.get('/api/v1/me');
    for (const n of me.json.notices || []) assert.equal((await person.api.del(`/api/v1/me/notices/${n.id}`)).status, 204);
}

test('a private check-in for one member, and one re-shared entry — the partner sees nothing of either', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const url = server.url;

    const th = await setUpTherapist(server);
    const { a, b, dyadId, K } = await pairInBrowser(browser, url, { kind: 'couple', names: ['Ana', 'Bea'] });
    for (const who of [a, b]) {
        const r = await who.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: th.code });
        assert.equal(r.status, 200, r.text);
    }
    assert.equal((await a.api.get(`/api/v1/dyads/${dyadId}/therapist`)).json.link.state, 'active');

    // What the couple wrote, encrypted as the browser encrypts it.
    const share = async (who, topic, depth, text) => {
        const id = cr.newEntryId();
        const body = cr.encryptEntry(K, { dyadId, entryId: id, authorId: who.userId, kind: 'share' }, text);
        const r = await who.api.post(`/api/v1/dyads/${dyadId}/shares`, { id, topic, depth, body, reveal: 'now' });
        assert.equal(r.status, 201, r.text);
        return id;
    };
    const keptId = await share(a, 'joy', 1, CANARY.kept);
    const resharedId = await share(a, 'fear', 3, CANARY.reshared);
    const beaShare = await share(b, 'everyday', 1, CANARY.theirs);
    const rid = cr.newEntryId();
    const resp = await a.api.post(`/api/v1/dyads/${dyadId}/shares/${beaShare}/responses`, {
        id: rid, kind: 'with_you', body: cr.encryptEntry(K, { dyadId, entryId: rid, authorId: a.userId, kind: 'response' }, CANARY.response),
    });
    assert.equal(resp.status, 201, resp.text);

    // Bea's pages before anything private happens.
    await dismissAllNotices(b);
    const bHome = async () => {
        await b.page.goto(`${url}/`);
        await b.page.getByRole('heading', { name: 'Hello, Bea' }).waitFor();
        await b.page.locator('#dyad-list .state.paired').waitFor();
        await b.page.waitForLoadState('networkidle');
        // "New from Ana: …" counts what Bea has not yet opened; it goes when
        // she opens her shares (her own reading), so it is left out here
        return (await b.page.locator('main').innerText()).split('\n').filter((l) => !l.startsWith('New from ')).join('\n').replace(/\n{3,}/g, '\n\n');
    };
    const bShares = async () => {
        await b.page.goto(`${url}/dyads/${dyadId}/shares`);
        await b.page.getByText(CANARY.theirs).waitFor();
        await b.page.getByText(CANARY.reshared).waitFor();
        await b.page.waitForLoadState('networkidle');
        return b.page.locator('main').innerText();
    };
    const homeBefore = await bHome();
    const sharesBefore = await bShares();
    assert.ok(sharesBefore.includes(`Share this with ${th.name}`), 'Bea may share her own entries: the action is there for her too');

    // The therapist signs in in the browser.
    const tctx = await browser.newContext();
    const tp = await tctx.newPage();
    const twatch = watchPage(tp, 'therapist', { allow: allowExpected401 });
    const section = tp.locator('#private-checkins');
    let pid;

    await t.test('the therapist gives Ana the safety check, after choosing her by name', async () => {
        await signInAt(tp, url, th, `/therapist/dyads/${dyadId}`, '#private-checkins-toggle');
        assert.equal(await tp.locator('#pc-give-form').count(), 0, 'closed until opened');
        const toggle = tp.getByRole('button', { name: 'Open private check-ins' });
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        // by keyboard
        await toggle.focus();
        await tp.keyboard.press('Enter');
        await section.locator('#pc-give-form').waitFor();
        assert.equal(await tp.getByRole('button', { name: 'Close private check-ins' }).getAttribute('aria-expanded'), 'true');
        await section.getByText('You have not given a private check-in in this dyad yet.').waitFor();
        const notLive = await section.locator('#pc-not-live').innerText();
        assert.match(notLive, /not watched live/i);
        assert.match(notLive, /Nobody is alerted/);
        assert.match(notLive, /follow up with that member alone/);
        // a member must be chosen: nothing is preselected
        await section.getByRole('button', { name: 'Give this check-in' }).click();
        await section.getByText('Choose the member this check-in is for.').waitFor();
        assert.equal(await tp.evaluate(() => document.activeElement.id), 'pc-member');
        assert.deepEqual((await a.api.get('/api/v1/me/private-checkins')).json.private_checkins, [], 'nothing given yet');
        await section.getByLabel('For which member').selectOption({ label: 'Ana' });
        await section.getByLabel('Which check-in').selectOption('safety-check-1');
        await section.getByText(/not watched live/).first().waitFor();
        await section.getByRole('button', { name: 'Give this check-in' }).click();
        await section.getByText('Given to Ana: “A private check-in”.').waitFor();
        await section.getByText('Bea cannot see it, or that it exists.').waitFor();
        const item = section.locator('li.pc-given');
        await item.first().waitFor();
        assert.equal(await item.count(), 1);
        assert.match(await item.innerText(), /A private check-in — for Ana[\s\S]*Waiting for an answer\./);
        assert.doesNotMatch(await section.innerText(), /\bnull\b|undefined|NaN/);
        pid = (await item.getAttribute('id')).replace(/^pcg-/, '');
        assert.deepEqual((await b.api.get('/api/v1/me/private-checkins')).json.private_checkins, [], 'not Bea’s');
        const mine = (await a.api.get('/api/v1/me/private-checkins')).json.private_checkins;
        assert.deepEqual(mine.map((p) => p.id), [pid]);
    });

    await t.test('Ana answers it on her home page: one danger answer, one left out, and a few words', async () => {
        const p = a.page;
        await p.goto(`${url}/`);
        const card = p.locator(`#pc-${pid}`);
        await card.getByRole('heading', { name: `A private check-in from ${th.name}` }).waitFor();
        await card.getByRole('button', { name: 'Open it' }).click();
        await card.getByRole('group', { name: /how safe have you felt at home/ }).getByLabel('Safe most of the time').check();
        await card.getByRole('group', { name: /afraid of your partner/ }).getByLabel('Several times').check();
        await card.locator('.crisis').waitFor();
        await card.getByRole('group', { name: /say what you really think/ }).getByLabel('Not always').check();
        await card.getByLabel(/anything you would like your therapist to know/).fill(CANARY.answer);
        await card.getByRole('button', { name: `Seal and send to ${th.name}` }).click();
        await card.getByText(`Sent, sealed so that only ${th.name} can open it.`).waitFor();
    });

    await t.test('the caseload flags the danger answer without the therapist opening anything', async () => {
        await tp.goto(`${url}/therapist`);
        const card = tp.locator(`li.case[data-dyad-id="${dyadId}"]`);
        await card.waitFor();
        // the sealed signal is opened here, in the therapist's browser, with the therapist's key
        const flag = card.locator('.case-flags');
        await flag.getByText(/Ana answered a private check-in on .* with an answer that signals danger/).waitFor();
        assert.doesNotMatch(await flag.innerText(), /Bea|afraid|Several times|CANARY/, 'the flag says only that, and only about Ana');
        await noAxeViolations(tp, 'the caseload with a flag');
        // back to the dyad page, the private check-ins open again, for what follows
        await tp.goto(`${url}/therapist/dyads/${dyadId}`);
        await tp.getByRole('button', { name: 'Open private check-ins' }).click();
        await section.locator('#pc-give-form').waitFor();
    });

    await t.test('the therapist opens the answers in the browser: the words chosen, danger marked, the free text', async () => {
        await section.getByRole('button', { name: 'Check for new answers' }).click();
        await section.getByText('Up to date: 1 given, 1 answered.').waitFor();
        const item = section.locator(`#pcg-${pid}`);
        await item.getByText('Answered on').waitFor();
        const open = item.getByRole('button', { name: 'Open answers' });
        assert.equal(await open.getAttribute('aria-expanded'), 'false');
        await open.click();
        const box = item.locator('.pc-answers-box');
        await box.locator('ol.pc-answers').waitFor();
        const row = (id) => box.locator(`li.pc-answer[data-item="${id}"]`);
        const summary = await box.locator('.pc-danger-summary').innerText();
        assert.match(summary, /One answer is marked as a possible sign of danger\./);
        assert.match(summary, /Nobody was alerted when Ana gave it\./);
        assert.match(summary, /follow up with Ana alone/);
        // the danger answer: its words, marked in words and not by colour alone
        assert.match(await row('afraid').innerText(), /afraid of your partner[\s\S]*Possible sign of danger[\s\S]*Several times/);
        assert.ok(await row('afraid').evaluate((el) => el.classList.contains('is-danger')));
        // the others, calmly
        assert.match(await row('safe_at_home').innerText(), /how safe have you felt at home[\s\S]*Safe most of the time/);
        assert.doesNotMatch(await row('safe_at_home').innerText(), /danger/i);
        assert.match(await row('speak_freely').innerText(), /Not always/);
        assert.match(await row('harmed').innerText(), /Not answered/);
        assert.doesNotMatch(await row('harmed').innerText(), /danger/i);
        assert.equal((await row('for_your_therapist').locator('.pc-answer-text').innerText()).trim(), CANARY.answer);
        assert.equal(await box.locator('li.is-danger').count(), 1);
        assert.doesNotMatch(await box.innerText(), /\bnull\b|undefined|NaN/);
        await section.screenshot({ path: join(ROOT, 'build', 'screenshots', 'private-answers.png') });
        // closing takes the words off the page
        const close = item.getByRole('button', { name: 'Close answers' });
        assert.equal(await close.getAttribute('aria-expanded'), 'true');
        await close.click();
        assert.equal(await tp.getByText(CANARY.answer).count(), 0);
        await open.click();
        await box.getByText(CANARY.answer).waitFor();
        // never printed with the pre-session summary
        await tp.waitForFunction(() => {
            const link = document.querySelector('link[data-print-css]');
            return !!link && !!link.sheet;
        });
        await tp.emulateMedia({ media: 'print' });
        assert.equal(await section.isVisible(), false, 'private check-ins are not printed');
        await tp.emulateMedia({ media: 'screen' });
        assert.equal(await section.isVisible(), true);
    });

    await t.test('Ana shares one of her shares with the therapist from her shares page', async () => {
        const p = a.page;
        await p.goto(`${url}/dyads/${dyadId}/shares`);
        const item = p.locator(`li.share[data-share-id="${resharedId}"]`);
        await item.getByText(CANARY.reshared).waitFor();
        // offered on each of her own entries with words: two shares and one response
        assert.equal(await p.getByRole('button', { name: `Share this with ${th.name}` }).count(), 3);
        const bea = p.locator(`li.share[data-share-id="${beaShare}"]`);
        assert.equal(await bea.locator('.response').getByRole('button', { name: `Share this with ${th.name}` }).count(), 1, 'her own response');
        assert.equal(await bea.locator('article > .reshare').count(), 0, 'never Bea’s share');

        const toggle = item.getByRole('button', { name: `Share this with ${th.name}` });
        await toggle.click();
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        const confirm = item.locator('.reshare-confirm');
        await confirm.waitFor();
        const words = await confirm.innerText();
        assert.match(words, new RegExp(`Share this one share with ${th.name.replace('.', '\\.')}\\?`));
        assert.match(words, new RegExp(`${th.name.replace('.', '\\.')} will be able to read this share — these words, that you shared them, and when:`));
        assert.equal((await confirm.locator('blockquote.reshare-quote').innerText()).trim(), CANARY.reshared, 'exactly the words the therapist will see');
        assert.match(words, /And nothing else: not your other entries, not Bea’s words \(not the responses to it\), not your private notes\./);
        assert.match(words, /the server cannot read it\. Bea is not told\./);
        assert.doesNotMatch(words, /\bnull\b|undefined/);
        await noAxeViolations(p, 'the shares page with the re-share confirmation open');
        await screenshot(p, 'reshare-confirm.png');

        // Cancel first: nothing is sent, focus goes back
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        assert.equal(await confirm.isVisible(), false);
        const none = await tctx.request.get(`${url}/api/v1/therapist/dyads/${dyadId}/reshares`);
        assert.deepEqual((await none.json()).reshares, [], 'cancelled: nothing was sent');
        assert.equal(await p.evaluate(() => document.activeElement.textContent), `Share this with ${th.name}`);
        // then by keyboard: open, Tab to "Yes", Enter
        await p.keyboard.press('Enter');
        await confirm.waitFor();
        assert.equal(await p.evaluate(() => document.activeElement.classList.contains('reshare-title')), true, 'focus moves to the question');
        await p.keyboard.press('Tab');
        assert.equal(await p.evaluate(() => document.activeElement.textContent), `Yes, share it with ${th.name}`);
        await p.keyboard.press('Enter');
        const done = item.locator('.reshared');
        await done.waitFor();
        assert.match(await done.innerText(), new RegExp(`^Shared with ${th.name.replace('.', '\\.')} on .+\\.$`));
        assert.equal(await p.evaluate(() => document.activeElement.classList.contains('reshared')), true);
        assert.equal(await item.getByRole('button', { name: `Share this with ${th.name}` }).count(), 0, 'once is enough on this page');
        assert.equal(await p.getByRole('button', { name: `Share this with ${th.name}` }).count(), 2, 'the others are still offered');
    });

    await t.test('the therapist reads that one entry, and nothing else Ana wrote', async () => {
        const toggle = tp.getByRole('button', { name: 'Open entries shared with you' });
        await toggle.click();
        const list = tp.locator('#reshare-list');
        await list.waitFor();
        const items = list.locator('li.reshare');
        assert.equal(await items.count(), 1);
        assert.match(await items.first().locator('.reshare-meta').innerText(), /^Ana shared a share with you on .+\.$/);
        assert.equal((await items.first().locator('blockquote.reshare-text').innerText()).trim(), CANARY.reshared);
        assert.doesNotMatch(await tp.locator('#reshares').innerText(), /\bnull\b|undefined|NaN/);
        const page = await tp.content();
        for (const other of [CANARY.kept, CANARY.response, CANARY.theirs]) assert.ok(!page.includes(other.split(' ')[0]), 'no other entry');
        await noAxeViolations(tp, 'the therapist’s dyad page with private check-ins and shared entries open');
        await screenshot(tp, 'private-therapist.png');
        await tp.emulateMedia({ media: 'print' });
        assert.equal(await tp.locator('#reshares').isVisible(), false, 'shared entries are not printed');
        await tp.emulateMedia({ media: 'screen' });
    });

    await t.test('Bea’s pages show nothing of either; her audit list does not show the reads', async () => {
        const homeAfter = await bHome();
        assert.equal(homeAfter, homeBefore, 'Bea’s home page reads as before');
        assert.equal(await b.page.locator('.private-checkin').count(), 0);
        const sharesAfter = await bShares();
        assert.equal(sharesAfter, sharesBefore, 'Bea’s shares page reads as before');
        assert.doesNotMatch(sharesAfter, /Shared with/);

        await b.page.goto(`${url}/settings`);
        const block = b.page.locator(`#therapist-${dyadId}`);
        await block.getByText('Active since').waitFor();
        const audit = b.page.locator(`#therapist-${dyadId}-audit`);
        await audit.waitFor();
        const all = block.getByRole('button', { name: /^Show all \d+ entries$/ });
        if (await all.count()) await all.click();
        const auditText = await audit.innerText();
        assert.match(auditText, /\(therapist\) opened this dyad’s scores and share counts/, 'the list is loaded and shows what Bea may see');
        assert.doesNotMatch(auditText, /private check-in|re-shared/);
        await b.page.waitForLoadState('networkidle');
        const settings = await b.page.locator('main').innerText();
        assert.doesNotMatch(settings, /private check-in|re-shared|opened your answers|-CANARY-/i);

        const bAudit = (await b.api.get(`/api/v1/dyads/${dyadId}/audit`)).json.audit;
        assert.ok(!bAudit.some((e) => e.action === 'view_private' || e.action === 'view_reshare'), 'not in Bea’s audit');
        const aAudit = (await a.api.get(`/api/v1/dyads/${dyadId}/audit`)).json.audit;
        assert.ok(aAudit.some((e) => e.action === 'view_private'), 'Ana sees the therapist read her answers');
        assert.ok(aAudit.some((e) => e.action === 'view_reshare'), 'Ana sees the therapist read her entry');
        assert.deepEqual((await b.api.get('/api/v1/me/private-checkins')).json.private_checkins, []);
    });

    await t.test('nothing written reaches the database in the clear', () => {
        const files = [server.dbPath, `${server.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f));
        for (const bytes of files) {
            for (const text of Object.values(CANARY)) assert.equal(bytes.indexOf(text.split(' ')[0]), -1, `${text.split(' ')[0]} is sealed`);
        }
        assert.ok(keptId);
    });

    await t.test('no console errors, uncaught exceptions or CSP violations', () => {
        assert.deepEqual([...twatch.problems, ...a.watch.problems, ...b.watch.problems], []);
    });
});
