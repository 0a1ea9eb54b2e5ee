// Two friends, from the daily check-in through a share and its response to
// the insights page — with axe on every page they pass through. Friends
// have no sexual-connection item and no desire topic anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, axeViolations } from '../lib/browser.mjs';
import { pairInBrowser } from '../lib/journey.mjs';

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

async function noAxe(page, where) {
    assert.deepEqual(await axeViolations(page), [], `axe on ${where}`);
}

test('two friends: check-in, share, response, insights', async (t) => {
    const { a, b, dyadId } = await pairInBrowser(browser, srv.url, { kind: 'friends', names: ['Kai', 'Noor'] });
    const today = new Date().toISOString().slice(0, 10);

    await t.test('Kai checks in, showing closeness; there is no sexual item for friends', async () => {
        const p = a.page;
        await p.locator('#checkin-save').waitFor();
        assert.equal(await p.locator('input[name="sexual"]').count(), 0);
        await p.locator('label[for="ci-closeness-8"]').click();
        await p.locator('label[for="ci-affection-6"]').click();
        await p.locator('input[name="show"][value="closeness"]').check();
        await p.locator('#checkin-save').click();
        await p.getByText(/Saved/).first().waitFor();
        await noAxe(p, 'the friends\' check-in page');
    });

    await t.test('Noor sees only the closeness Kai chose to show', async () => {
        await b.page.reload();
        await b.page.locator('#checkin-save').waitFor();
        const r = await b.context.request.get(`${srv.url}/api/v1/dyads/${dyadId}/checkins`);
        const rows = (await r.json()).checkins.filter((x) => x.user_id === a.userId);
        assert.deepEqual(rows, [{ user_id: a.userId, date: today, closeness: 8 }]);
    });

    await t.test('Kai shares a small moment; Noor answers; no desire topic for friends', async () => {
        await a.page.goto(`${srv.url}/dyads/${dyadId}/shares`);
        await a.page.getByLabel('Something small from today').waitFor();
        await a.page.getByRole('button', { name: 'Share something deeper' }).click();
        assert.equal(await a.page.getByLabel(/^Desire/).count(), 0);
        await a.page.getByLabel('Something small from today').fill('We found the old photo album.');
        await a.page.getByLabel('Something small from today').press('Enter');
        await a.page.getByText('We found the old photo album.').waitFor();
        await noAxe(a.page, 'the friends\' shares page');
        await b.page.goto(`${srv.url}/dyads/${dyadId}/shares`);
        const item = b.page.locator('li.share', { hasText: 'We found the old photo album.' });
        await item.getByRole('button', { name: 'I’m with you' }).click();
        await b.page.getByText('Your response was sent to Kai.').waitFor();
        await noAxe(b.page, 'the shares page with a response');
    });

    await t.test('the insights page: charts and words, readable and accessible', async () => {
        // a few weeks of history, written as the store keeps it
        const rows = [];
        const day0 = Math.floor(Date.now() / 86400000);
        for (let i = 1; i < 21; i++) {
            rows.push(`('${dyadId}','${a.userId}',${day0 - i},${5 + (i % 3)},7,5,6,7,6,NULL,0,0,NULL,1,0)`);
            rows.push(`('${dyadId}','${b.userId}',${day0 - i},6,6,6,7,8,5,NULL,0,0,NULL,511,0)`);
        }
        execFileSync('sqlite3', [srv.dbPath], { input: `INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};\n-- as the store would: insights are kept by this version\nUPDATE dyads SET data_version = data_version + 1;` });
        for (const [who, other] of [[a, 'Noor'], [b, 'Kai']]) {
            await who.page.goto(`${srv.url}/dyads/${dyadId}/insights`);
            await who.page.getByRole('heading', { name: 'Insights', level: 1 }).waitFor();
            assert.ok(await who.page.locator('svg[role="img"]').count() >= 2, 'the daily chart and the plane');
            const text = await who.page.locator('main').textContent();
            assert.doesNotMatch(text, /sex|partner|couple/i, 'friends read nothing of sex or partners');
            assert.equal(await who.page.locator('svg#quadrant, [aria-labelledby^="quadrant"]').count(), 0, 'no emotional × sexual plane');
            assert.ok(text.includes(other));
            await noAxe(who.page, `the insights page for ${who.name}`);
        }
        // Kai shows Noor only closeness: no other mean of Kai's reaches Noor
        const kaiRow = await b.page.locator('table.means tr', { hasText: 'Kai' }).textContent();
        assert.match(kaiRow, /Kai\s*[0-9.]+\s*—\s*—/, "closeness only: wanted and affection stay hidden");
    });

    for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `no console errors for ${who.name}`);
});
