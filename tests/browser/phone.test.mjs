// Phones: every page at 320 and 390 CSS px wide (WCAG 1.4.10, reflow).
//
// A couple with a month of history (so the insights page has both charts, a
// table and findings), a therapist linked with both consents, and a visitor
// who is not signed in. Each page they can reach — the member's, the
// therapist's and the public ones — is opened at each width, and:
//   - nothing scrolls sideways: the document is no wider than the viewport
//     (the offending elements are named when it is);
//   - Quick exit is in view and on top (the element at its centre is the
//     button itself), at the top of the page and scrolled to the bottom;
//   - every chart's text is at least 12 px tall as rendered (its font size
//     times the scale the SVG is drawn at);
//   - every 0–10 check-in button is at least 44 × 44 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401 } from '../lib/browser.mjs';
import { pairInBrowser, createPerson, signInAt, inviteSecretBox, c as cr } from '../lib/journey.mjs';
import { therapistLink } from '../lib/therapist.mjs';

const WIDTHS = [320, 390];
const HEIGHT = 700;

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

// A month of check-ins for both, sexual connection tracked by both (so the
// emotional × sexual quadrant is drawn too), and a few shares.
async function history(dyadId, a, b, K) {
    const day0 = Math.floor(Date.now() / 86400000);
    const rows = [];
    for (let i = 1; i <= 27; i++) {
        rows.push(`('${dyadId}','${a.userId}',${day0 - i},${2 + (i % 6)},8,${3 + (i % 5)},${4 + (i % 4)},7,5,${i % 3},3,1,NULL,511,0)`);
        rows.push(`('${dyadId}','${b.userId}',${day0 - i},6,7,${2 + (i % 7)},8,8,6,${i % 2},1,0,NULL,511,0)`);
    }
    srv.sql('INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,' +
        `sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`);
    for (const who of [a, b]) {
        const r = await who.api.put(`/api/v1/dyads/${dyadId}/settings`, { track_sexual: true });
        assert.equal(r.status, 200, r.text);
    }
    for (let i = 0; i < 3; i++) {
        const sid = cr.newEntryId();
        const r = await a.api.post(`/api/v1/dyads/${dyadId}/shares`, {
            id: sid, topic: 'everyday', depth: 1, reveal: 'now',
            body: cr.encryptEntry(K, { dyadId, entryId: sid, authorId: a.userId, kind: 'share' }, `A long line without spaces: ${'x'.repeat(80)} number ${i + 1}.`),
        });
        assert.equal(r.status, 201, r.text);
    }
}

/** What the phone check measures on the page as it stands. */
async function measure(page) {
    return page.evaluate(() => {
        const vw = window.innerWidth;
        const vh = window.innerHeight;
        const out = { vw, scrollWidth: document.documentElement.scrollWidth, wide: [], exit: [], text: [], buttons: [] };
        if (out.scrollWidth > vw) {
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > vw + 0.5) {
                    const parentWide = el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 0.5;
                    if (!parentWide) out.wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} (right edge ${Math.round(r.right)})`);
                }
            }
        }
        const exitSeen = (where) => {
            const b = document.getElementById('quick-exit');
            if (!b) return `${where}: no Quick exit button`;
            const r = b.getBoundingClientRect();
            if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) return `${where}: Quick exit at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}, outside ${vw}×${vh}`;
            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            if (at !== b && !b.contains(at)) return `${where}: Quick exit covered by ${at && at.tagName}`;
            return null;
        };
        window.scrollTo(0, 0);
        out.exit.push(exitSeen('top'));
        window.scrollTo(0, document.documentElement.scrollHeight);
        out.exit.push(exitSeen('bottom'));
        window.scrollTo(0, 0);
        out.exit = out.exit.filter(Boolean);
        for (const t of document.querySelectorAll('svg text')) {
            const r = t.getBoundingClientRect();
            if (r.width === 0 || !t.textContent.trim()) continue; // not drawn (a closed <details>, an empty label)
            const m = t.getScreenCTM();
            const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
            out.text.push({ px, text: t.textContent.trim().slice(0, 30) });
        }
        for (const l of document.querySelectorAll('.ci-num label')) {
            const r = l.getBoundingClientRect();
            if (r.width === 0) continue;
            out.buttons.push({ w: r.width, h: r.height, text: l.textContent });
        }
        return out;
    });
}

// Every fault found on the way, so one run names them all.
const faults = [];
const check = (ok, msg) => {
    if (!ok) faults.push(msg);
};

async function checkAt(page, where, ready, figures) {
    for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: HEIGHT });
        await page.waitForTimeout(50);
        if (ready) await page.locator(ready).first().waitFor({ timeout: 30000 });
        const m = await measure(page);
        const at = `${where} at ${width} px`;
        assert.equal(m.vw, width);
        check(m.scrollWidth <= width, `${at}: the page is ${m.scrollWidth} px wide; too wide: ${m.wide.slice(0, 6).join('; ')}`);
        for (const e of m.exit) check(false, `${at}: ${e}`);
        const small = m.text.filter((t) => t.px < 11.95);
        check(!small.length, `${at}: ${small.length} chart texts under 12 px, e.g. ${small.slice(0, 3).map((t) => `"${t.text}" ${t.px.toFixed(1)} px`).join(', ')}`);
        const tiny = m.buttons.filter((b) => b.w < 43.95 || b.h < 43.95);
        check(!tiny.length, `${at}: ${tiny.length} 0–10 buttons under 44 × 44 px, e.g. ${tiny.slice(0, 2).map((b) => `"${b.text}" ${b.w.toFixed(1)} × ${b.h.toFixed(1)}`).join(', ')}`);
        figures.push(`${at}: ${m.scrollWidth} px wide` +
            (m.text.length ? `, chart text ≥ ${Math.min(...m.text.map((t) => t.px)).toFixed(1)} px (${m.text.length})` : '') +
            (m.buttons.length ? `, 0–10 buttons ≥ ${Math.min(...m.buttons.map((b) => b.w)).toFixed(1)} × ${Math.min(...m.buttons.map((b) => b.h)).toFixed(1)} px` : ''));
        if (width === WIDTHS[0]) figures.counts = { ...(figures.counts || {}), [where]: { text: m.text.length, buttons: m.buttons.length } };
    }
}

test('every page fits a phone at 320 and 390 px, with Quick exit in view', async (t) => {
    const figures = [];
    const { a, b, dyadId, K } = await pairInBrowser(browser, srv.url, { kind: 'couple', names: ['Ana', 'Bea'] });
    await history(dyadId, a, b, K);

    // a therapist, set up at the operator's link, linked by both members
    const temail = `jo-${Date.now()}@example.org`;
    const { token } = therapistLink(srv, temail);
    const th = await createPerson(srv.url, { name: 'Jo Rivera', email: temail, setupToken: token });
    const code = (await th.api.get('/api/v1/therapist/code')).json.therapist_code;
    for (const who of [a, b]) {
        const r = await who.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: code });
        assert.equal(r.status, 200, r.text);
    }

    await t.test('the member’s pages', async () => {
        const pages = [
            ['/', '#dyad-list .state.paired'],
            [`/dyads/${dyadId}`, '#checkin-save'],
            [`/dyads/${dyadId}/shares`, 'li.share'],
            [`/dyads/${dyadId}/talk`, 'main h1'],
            [`/dyads/${dyadId}/insights`, 'ul.findings'],
            ['/settings', `#dyad-${dyadId} .comfort-block`],
            ['/safety', 'main h1'],
        ];
        for (const [path, ready] of pages) {
            await a.page.goto(`${srv.url}${path}`);
            await a.page.locator(ready).first().waitFor({ timeout: 30000 });
            await a.page.waitForLoadState('networkidle');
            await checkAt(a.page, path, ready, figures);
        }
        assert.ok(figures.counts[`/dyads/${dyadId}/insights`].text > 10, 'the insights page has chart text to measure');
        assert.ok(figures.counts[`/dyads/${dyadId}`].buttons >= 40, 'the dyad page has 0–10 buttons to measure');
    });

    await t.test('the therapist’s pages', async () => {
        const context = await browser.newContext();
        try {
            const page = await context.newPage();
            const watch = watchPage(page, 'therapist', { allow: allowExpected401 });
            await signInAt(page, srv.url, th, '/therapist', 'li.case');
            for (const [path, ready] of [['/therapist', 'li.case'], [`/therapist/dyads/${dyadId}`, 'main h1'], ['/safety', 'main h1']]) {
                await page.goto(`${srv.url}${path}`);
                await page.locator(ready).first().waitFor({ timeout: 30000 });
                await page.waitForLoadState('networkidle');
                await checkAt(page, `therapist ${path}`, ready, figures);
            }
            assert.ok(figures.counts[`therapist /therapist/dyads/${dyadId}`].text > 10, 'the therapist’s dyad page has chart text to measure');
            assert.deepEqual(watch.problems, []);
        } finally {
            await context.close();
        }
    });

    await t.test('the public pages, signed out', async () => {
        const secret = cr.newInviteSecret();
        const created = await a.api.post('/api/v1/dyads', {
            kind: 'friends',
            ...cr.sealDyadKey(cr.newDyadKey(), a.keys.boxPk, a.keys.signSk),
            key_proof: cr.keyProof(a.keys.boxPk, a.keys.signPk, secret),
            invite_secret_box: inviteSecretBox(a.keys, secret),
        });
        assert.equal(created.status, 201, created.text);
        const unused = therapistLink(srv, `sam-${Date.now()}@example.org`).token;
        const context = await browser.newContext();
        try {
            const page = await context.newPage();
            for (const path of ['/', `/join/${created.json.invite.code}#${cr.encodeSecret(secret)}`, '/safety', `/setup/${unused}`]) {
                await page.goto(`${srv.url}${path}`);
                await page.locator('main h1, main h2').first().waitFor({ timeout: 30000 });
                await page.waitForLoadState('networkidle');
                await checkAt(page, `signed out ${path.replace(/#.*/, '')}`, 'main h1, main h2', figures);
            }
        } finally {
            await context.close();
        }
    });
    for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `no console errors for ${who.name}`);
    console.log(figures.join('\n'));
    assert.deepEqual(faults, [], 'phone faults');
});
