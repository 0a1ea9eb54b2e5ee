// Words by kind: two friends and two family members walk every page they
// can reach — the pages the server renders and the ones the browser client
// builds — in real Chromium, with a month of history behind them so that
// the insights page has charts and findings to word. Nothing any of them
// reads may speak of partners, couples or sex, and no page may print a
// literal null, undefined or NaN.
//
// "Read" means what a person can see or hear: the rendered text
// (innerText: a closed <details> or a hidden element is not read), the
// options of every <select>, the words a screen reader is given
// (aria-label, title, alt, placeholder) and the text of each chart's SVG
// (<title>, <desc>, <text>). Every finding's explanation is checked in the
// API's JSON as well, for both members.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { pairInBrowser, inviteSecretBox, c as cr } from '../lib/journey.mjs';

const FORBIDDEN = /\b(partners?|couples?|sex|sexual(ly)?|sexuality)\b/i;
const PRINTED_NOTHING = /\b(null|undefined|NaN)\b/;

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

/** Everything a person can read or hear on the page, one string per source. */
async function readable(page) {
    return page.evaluate(() => {
        const out = [document.title, document.body.innerText];
        for (const o of document.querySelectorAll('option')) out.push(o.textContent);
        for (const el of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) {
            for (const a of ['aria-label', 'title', 'alt', 'placeholder']) if (el.hasAttribute(a)) out.push(el.getAttribute(a));
        }
        for (const el of document.querySelectorAll('svg title, svg desc, svg text')) out.push(el.textContent);
        return out;
    });
}

async function checkPage(page, where) {
    const texts = await readable(page);
    for (const text of texts) {
        const bad = text.match(FORBIDDEN);
        assert.ok(!bad, `${where}: "${bad && bad[0]}" in: ${bad && text.slice(Math.max(0, bad.index - 80), bad.index + 80)}`);
        const nothing = text.match(PRINTED_NOTHING);
        assert.ok(!nothing, `${where}: printed "${nothing && nothing[0]}" in: ${nothing && text.slice(Math.max(0, nothing.index - 80), nothing.index + 80)}`);
    }
    return texts.join('\n');
}

// A month in which the first member's closeness falls while they want more
// of it and they open up without feeling understood, the second's stays
// level (so the two drift apart) and they feel understood but open up
// little, everything
// shown to the other; and six shares by the first member, all older than
// three days and none answered (one-sided and unanswered).
async function history(dyadId, a, b) {
    const day0 = Math.floor(Date.now() / 86400000);
    const rows = [];
    for (let i = 1; i <= 27; i++) {
        const falling = Math.max(1, Math.round(2 + (i * 6) / 27)); // about 8 four weeks ago, 2 now
        rows.push(`('${dyadId}','${a.userId}',${day0 - i},${falling},9,7,3,7,5,NULL,3,1,NULL,511,0)`);
        rows.push(`('${dyadId}','${b.userId}',${day0 - i},6,6,2,8,8,6,NULL,1,0,NULL,511,0)`);
    }
    execFileSync('sqlite3', [srv.dbPath], {
        input: 'INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,' +
            `sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`,
    });
    for (let i = 0; i < 6; i++) {
        const sid = cr.newEntryId();
        const r = await a.api.post(`/api/v1/dyads/${dyadId}/shares`, {
            id: sid, topic: 'everyday', depth: 1, reveal: 'now',
            body: cr.encryptEntry(a.K, { dyadId, entryId: sid, authorId: a.userId, kind: 'share' }, `Something small, number ${i + 1}.`),
        });
        assert.equal(r.status, 201, r.text);
    }
    execFileSync('sqlite3', [srv.dbPath], {
        input: `UPDATE shares SET created_at = created_at - 86400 * (4 + (rowid % 6) * 3) WHERE dyad_id = '${dyadId}';`,
    });
    // comfort far apart on one topic, and both show it: comfort_gap
    for (const [who, level] of [[a, 5], [b, 1]]) {
        assert.equal((await who.api.put(`/api/v1/dyads/${dyadId}/comfort`, { fear: level })).status, 200);
        assert.equal((await who.api.put(`/api/v1/dyads/${dyadId}/settings`, { show_comfort: true })).status, 200);
    }
}

for (const kind of ['friends', 'family']) {
    test(`${kind}: no page and no finding speaks of partners, couples or sex`, async (t) => {
        const names = kind === 'friends' ? ['Kai', 'Noor'] : ['Ines', 'Tomas'];
        const pair = await pairInBrowser(browser, srv.url, { kind, names });
        const { a, b, dyadId } = pair;
        a.K = pair.K;
        if (kind === 'family') {
            const r = await a.api.put(`/api/v1/dyads/${dyadId}/settings`, { family_role: 'parent' });
            assert.equal(r.status, 200, r.text);
        }
        await history(dyadId, a, b);

        await t.test('every finding, for each member, in the API', async () => {
            const codes = new Set();
            for (const [who, other] of [[a, b], [b, a]]) {
                const r = await who.api.get(`/api/v1/dyads/${dyadId}/insights?window=28`);
                assert.equal(r.status, 200);
                for (const f of r.json.findings) {
                    codes.add(f.code);
                    assert.doesNotMatch(f.explanation, FORBIDDEN, `${who.name}: ${f.code}: ${f.explanation}`);
                    assert.doesNotMatch(f.explanation, PRINTED_NOTHING, `${who.name}: ${f.code}: ${f.explanation}`);
                }
                // the other member is named, by name
                assert.ok(r.json.findings.some((f) => f.explanation.includes(other.name)), `${who.name} reads ${other.name}’s name`);
            }
            // enough of the engine's words were exercised for the check to mean something
            for (const code of ['need_gap', 'closeness_falling', 'drifting_apart', 'one_sided_sharing', 'unanswered_shares',
                'open_not_understood', 'understood_not_open', 'comfort_gap']) {
                assert.ok(codes.has(code), `${code} fired (${[...codes].join(', ')})`);
            }
        });

        const pages = [
            ['/', '#dyad-list .state.paired'],
            [`/dyads/${dyadId}`, '#checkin-save'],
            [`/dyads/${dyadId}/shares`, 'li.share'],
            [`/dyads/${dyadId}/talk`, 'main h1'],
            [`/dyads/${dyadId}/insights`, 'ul.findings'],
            ['/settings', `#dyad-${dyadId} .comfort-block`],
            ['/safety', 'main h1'],
        ];
        for (const who of [a, b]) {
            await t.test(`${who.name} walks every page`, async () => {
                for (const [path, ready] of pages) {
                    await who.page.goto(`${srv.url}${path}`);
                    await who.page.locator(ready).first().waitFor({ timeout: 30000 });
                    await who.page.waitForLoadState('networkidle');
                    const text = await checkPage(who.page, `${kind}, ${who.name}, ${path}`);
                    if (path.startsWith('/dyads/')) assert.ok(text.includes(who === a ? b.name : a.name), `${path} names the other person`);
                    if (path.endsWith('/insights')) {
                        assert.equal(await who.page.locator('svg[aria-labelledby^="plane"]').count(), 1, 'the plane of opening up and feeling understood');
                        assert.equal(await who.page.locator('svg[aria-labelledby^="quadrant"]').count(), 0, 'no emotional × sexual quadrant');
                    }
                }
            });
        }
        await t.test('before the kind is known: sign-up, and an invite opened logged out', async () => {
            const secret = cr.newInviteSecret();
            const created = await a.api.post('/api/v1/dyads', {
                kind,
                ...cr.sealDyadKey(cr.newDyadKey(), a.keys.boxPk, a.keys.signSk),
                key_proof: cr.keyProof(a.keys.boxPk, a.keys.signPk, secret),
                invite_secret_box: inviteSecretBox(a.keys, secret),
            });
            assert.equal(created.status, 201, created.text);
            const context = await browser.newContext();
            try {
                const page = await context.newPage();
                for (const path of ['/', `/join/${created.json.invite.code}#${cr.encodeSecret(secret)}`, '/safety']) {
                    await page.goto(`${srv.url}${path}`);
                    await page.locator('main h1, main h2').first().waitFor({ timeout: 30000 });
                    await page.waitForLoadState('networkidle');
                    await checkPage(page, `${kind}, logged out, ${path}`);
                }
            } finally {
                await context.close();
            }
        });
        for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `no console errors for ${who.name}`);
    });
}
