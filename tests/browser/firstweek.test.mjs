// The first week, from the review, in Chromium:
//   - the reader sees "New from …" on home and on the dyad page, and it
//     goes once they have opened the shares; the writer's pages show
//     nothing of it (no read receipt);
//   - a therapist link waiting for one's own consent is said on home and on
//     the dyad page, with the way to Settings;
//   - the invitee sees who invited them and the dyad's kind before signing
//     up; a used or an expired invite says so before any form;
//   - pairing ends with "Compare your safety code" on screen, on both sides,
//     the same 30 digits;
//   - sign out is one step from every page, a server-rendered one included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401 } from '../lib/browser.mjs';
import { pairInBrowser, createPerson, signInAt, inviteSecretBox, c as cr } from '../lib/journey.mjs';
import { makeTherapist } from '../lib/therapist.mjs';

let srv;
let browser;
before(async () => {
    srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    browser = await launchBrowser();
});
after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
});

const textOf = async (page, sel) => (await page.locator(sel).first().textContent()).replace(/\s+/g, ' ').trim();

// The 404 of an invite preview for an unknown code is expected where a test asks for one.
const allowPreview404 = ({ text, url }) => allowExpected401({ text, url }) ||
    (/status of 404/.test(text) && /\/api\/v1\/invites\//.test(new URL(url, 'http://x').pathname));

async function newInvite(person, kind) {
    const secret = cr.newInviteSecret();
    const created = await person.api.post('/api/v1/dyads', {
        kind,
        ...cr.sealDyadKey(cr.newDyadKey(), person.keys.boxPk, person.keys.signSk),
        key_proof: cr.keyProof(person.keys.boxPk, person.keys.signPk, secret),
        invite_secret_box: inviteSecretBox(person.keys, secret),
    });
    assert.equal(created.status, 201, created.text);
    return { code: created.json.invite.code, id: created.json.dyad.id, link: `${srv.url}/join/${created.json.invite.code}#${cr.encodeSecret(secret)}` };
}

test('something new to read, and a therapist waiting for one\'s consent: for the reader only', async () => {
    const { a, b, dyadId, K } = await pairInBrowser(browser, srv.url, { kind: 'friends', names: ['Kai', 'Noor'] });
    // Noor shares twice and answers nothing; Kai has shared once
    for (const [who, text] of [[b, 'The bus was late and I laughed.'], [b, 'I finished the book.'], [a, 'Mine.']]) {
        const sid = cr.newEntryId();
        const r = await who.api.post(`/api/v1/dyads/${dyadId}/shares`, {
            id: sid, topic: 'everyday', depth: 1, reveal: 'now',
            body: cr.encryptEntry(K, { dyadId, entryId: sid, authorId: who.userId, kind: 'share' }, text),
        });
        assert.equal(r.status, 201, r.text);
    }
    await a.page.goto(`${srv.url}/`);
    await a.page.locator('#dyad-list .state.paired').waitFor({ timeout: 30000 });
    assert.equal(await textOf(a.page, '.unread-note'), 'New from Noor: 2 shares');
    assert.equal(await a.page.locator('.unread-note a').getAttribute('href'), `/dyads/${dyadId}/shares`);
    await a.page.goto(`${srv.url}/dyads/${dyadId}`);
    await a.page.locator('#checkin-save').waitFor({ timeout: 30000 });
    assert.equal(await textOf(a.page, '.unread-note'), 'New from Noor: 2 shares');
    // Noor's own pages say nothing of what Kai has or has not read
    await b.page.goto(`${srv.url}/`);
    await b.page.locator('#dyad-list .state.paired').waitFor({ timeout: 30000 });
    assert.equal(await textOf(b.page, '.unread-note'), 'New from Kai: 1 share');

    // Kai reads the shares: the note goes, on home and on the dyad page
    await a.page.goto(`${srv.url}/dyads/${dyadId}/shares`);
    await a.page.locator('li.share').first().waitFor({ timeout: 30000 });
    await a.page.waitForLoadState('networkidle');
    await a.page.goto(`${srv.url}/`);
    await a.page.locator('#dyad-list .state.paired').waitFor({ timeout: 30000 });
    assert.equal(await a.page.locator('.unread-note').count(), 0);
    await a.page.goto(`${srv.url}/dyads/${dyadId}`);
    await a.page.locator('#checkin-save').waitFor({ timeout: 30000 });
    assert.equal(await a.page.locator('.unread-note').count(), 0);
    // and Noor's page is as it was
    await b.page.reload();
    await b.page.locator('#dyad-list .state.paired').waitFor({ timeout: 30000 });
    assert.equal(await textOf(b.page, '.unread-note'), 'New from Kai: 1 share');

    // Noor asks for a therapist: Kai is told, with the way to decide; Noor is not asked
    const t = await makeTherapist(srv);
    assert.equal((await b.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: t.code })).status, 200);
    await a.page.goto(`${srv.url}/`);
    await a.page.locator('.therapist-waiting').waitFor({ timeout: 30000 });
    assert.match(await textOf(a.page, '.therapist-waiting'), /^Noor asked to link a therapist\. Nothing is shared with them unless you agree too\./);
    assert.equal(await a.page.locator('.therapist-waiting a').getAttribute('href'), `/settings#therapist-${dyadId}`);
    await a.page.goto(`${srv.url}/dyads/${dyadId}`);
    await a.page.locator('.therapist-waiting').waitFor({ timeout: 30000 });
    await b.page.reload();
    await b.page.locator('#dyad-list .state.paired').waitFor({ timeout: 30000 });
    assert.equal(await b.page.locator('.therapist-waiting').count(), 0);
    for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `no console errors for ${who.name}`);
});

test('the invitee sees who invited them and as what; a used or expired invite says so before sign-up', async () => {
    const ada = await createPerson(srv.url, { name: 'Ada' });
    const fresh = await newInvite(ada, 'friends');
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        const watch = watchPage(page, 'invitee', { allow: allowPreview404 });
        await page.goto(fresh.link);
        await page.getByRole('heading', { name: 'Ada invited you to dyad' }).waitFor({ timeout: 30000 });
        assert.match(await textOf(page, '.invite-from'), /^Ada has invited you to pair with them as two friends on dyad/);
        await page.getByRole('heading', { name: 'Create an account' }).waitFor();

        // used: someone else joined it first
        const used = await newInvite(ada, 'family');
        const other = await createPerson(srv.url, { name: 'Ole' });
        const secret = cr.newInviteSecret();
        const j = await other.api.post('/api/v1/dyads/join', { code: used.code, key_proof: cr.keyProof(other.keys.boxPk, other.keys.signPk, secret), invite_secret_box: inviteSecretBox(other.keys, secret) });
        assert.equal(j.status, 200, j.text);
        await page.goto(used.link);
        await page.getByRole('heading', { name: 'This invite link has been used' }).waitFor({ timeout: 30000 });
        assert.equal(await page.getByLabel('E-mail').count(), 0, 'no sign-up form for a used invite');

        const late = await newInvite(ada, 'couple');
        srv.sql(`UPDATE invites SET expires_at = 1 WHERE code = '${late.code}'`);
        await page.goto(late.link);
        await page.getByRole('heading', { name: 'This invite link has expired' }).waitFor({ timeout: 30000 });
        assert.equal(await page.getByLabel('E-mail').count(), 0, 'no sign-up form for an expired invite');

        await page.goto(`${srv.url}/join/AAAAAAAAAAAAAAAA#${cr.encodeSecret(cr.newInviteSecret())}`);
        await page.getByRole('heading', { name: 'This invite link does not work' }).waitFor({ timeout: 30000 });
        assert.deepEqual(watch.problems, []);
    } finally {
        await context.close();
    }
});

test('pairing ends with "Compare your safety code" on screen, the same on both sides', async () => {
    const ada = await createPerson(srv.url, { name: 'Ada' });
    const bo = await createPerson(srv.url, { name: 'Bo' });
    const inv = await newInvite(ada, 'family');
    const [ca, cb] = [await browser.newContext({ viewport: { width: 390, height: 844 } }), await browser.newContext({ viewport: { width: 390, height: 844 } })];
    try {
        const pa = await ca.newPage();
        const pb = await cb.newPage();
        const wa = watchPage(pa, 'Ada', { allow: allowExpected401 });
        const wb = watchPage(pb, 'Bo', { allow: allowExpected401 });
        // Ada waits on her dyad page, Bo signs in at the link and joins
        await signInAt(pa, srv.url, ada, `/dyads/${inv.id}`, '.state.waiting');
        await pb.goto(inv.link);
        await pb.getByRole('heading', { name: 'Ada invited you to dyad' }).waitFor({ timeout: 30000 });
        assert.match(await textOf(pb, '.invite-from'), /as family/);
        await pb.getByRole('button', { name: 'Sign in' }).first().click();
        await pb.getByLabel('E-mail').fill(bo.email);
        await pb.getByLabel('Password', { exact: true }).fill(bo.password);
        await pb.getByRole('button', { name: 'Sign in' }).last().click();
        await pb.getByRole('heading', { name: 'Join this dyad?' }).waitFor({ timeout: 30000 });
        assert.match(await textOf(pb, 'main'), /Joining pairs you with Ada as family\./);
        await pb.locator('#join-dyad').click();
        // Bo's page: paired, and the code at once, in view
        const codeB = pb.locator('#pairing-safety-code');
        await codeB.waitFor({ timeout: 60000 });
        await pb.getByRole('heading', { name: 'Compare your safety code' }).waitFor();
        const box = await codeB.boundingBox();
        assert.ok(box && box.y + box.height <= 844, `the code is on screen (at ${box && box.y})`);
        // Ada's dyad page, which watched it happen, puts the code first
        const codeA = pa.locator('#safety-code');
        await codeA.waitFor({ timeout: 60000 });
        assert.equal(await textOf(pa, '#safety-heading'), 'Compare your safety code');
        const boxA = await codeA.boundingBox();
        assert.ok(boxA && boxA.y + boxA.height <= 844, `Ada's code is on screen (at ${boxA && boxA.y})`);
        assert.equal(await textOf(pa, '#safety-code'), await textOf(pb, '#pairing-safety-code'));
        assert.match(await textOf(pa, '#safety-code'), /^\d{5}( \d{5}){5}$/);
        // opened again later, the code is back at the bottom, under its plain heading
        await pa.reload();
        await pa.locator('#safety-code').waitFor({ timeout: 30000 });
        assert.equal(await textOf(pa, '#safety-heading'), 'Safety code');
        assert.deepEqual([...wa.problems, ...wb.problems], []);
    } finally {
        await ca.close();
        await cb.close();
    }
});

test('sign out is one step from every page', async () => {
    const { a, dyadId } = await pairInBrowser(browser, srv.url, { kind: 'couple', names: ['Ana', 'Bea'] });
    let signedIn = true; // pairInBrowser signed Ana in
    for (const path of [`/dyads/${dyadId}/insights`, `/dyads/${dyadId}/shares`, '/safety']) {
        if (!signedIn) await signInAt(a.page, srv.url, a, '/', '#dyad-list');
        signedIn = false;
        await a.page.goto(`${srv.url}${path}`);
        await a.page.locator('main h1').first().waitFor({ timeout: 30000 });
        await a.page.locator('#header-sign-out').click();
        await a.page.waitForURL(`${srv.url}/`, { timeout: 30000 });
        await a.page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 30000 });
        const me = await a.context.request.get(`${srv.url}/api/v1/me`);
        assert.equal(me.status(), 401, `${path}: the session ended`);
        await a.page.goto(`${srv.url}/safety`);
        assert.equal(await a.page.locator('#header-sign-out').count(), 0, 'not offered when signed out');
    }
    assert.deepEqual(a.watch.problems, []);
});
