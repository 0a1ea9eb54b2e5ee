// For the one who takes the risk, in real Chromium: a deep share says
// "share only as much as feels right" with a quiet link to help; the
// listener answers "Can we talk about this in person?" without words; the
// listener takes that response back and the author takes the share back,
// each after a question in words, and the other person's page drops it at
// its next refresh. axe finds nothing on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

const WORDS = 'I have never told anyone how lonely last winter was.';

test('a deep share, an in-person response, and taking both back', async (t) => {
    const { a, b, dyadId } = await pairInBrowser(browser, srv.url, { kind: 'friends', names: ['Kai', 'Noor'] });
    const sharesUrl = `${srv.url}/dyads/${dyadId}/shares`;

    await t.test('choosing depth 4 brings the quiet line; depth 2 takes it away', async () => {
        const p = a.page;
        await p.goto(sharesUrl);
        await p.getByRole('button', { name: 'Share something deeper' }).click();
        const deep = p.locator('#composer-deep');
        assert.equal(await deep.isVisible(), false);
        await p.getByLabel(/^Sorrows/).check();
        await p.getByLabel(/^4 ·/).check();
        await deep.waitFor();
        assert.match(await deep.textContent(), /Share only as much as feels right/);
        assert.equal(await deep.locator('a[href="/safety"]').count(), 1);
        await p.getByLabel(/^2 ·/).check();
        await deep.waitFor({ state: 'hidden' });
        await p.getByLabel(/^5 ·/).check();
        await deep.waitFor();
        await p.getByLabel('What you want to share').fill(WORDS);
        await p.getByRole('button', { name: 'Share with Noor' }).click();
        await p.locator('li.share', { hasText: WORDS }).waitFor();
    });

    await t.test('Noor answers "Can we talk about this in person?" without words', async () => {
        const p = b.page;
        await p.goto(sharesUrl);
        const item = p.locator('li.share', { hasText: WORDS });
        await item.waitFor();
        await item.getByRole('button', { name: 'Can we talk about this in person?' }).click();
        await item.locator('.response', { hasText: 'Can we talk about this in person?' }).waitFor();
        assert.equal(await item.locator('.response-text').count(), 0, 'no words were needed');
        assert.deepEqual(await axeViolations(p), [], 'axe on the shares page with a response');
        await a.page.reload();
        await a.page.locator('li.share', { hasText: WORDS }).locator('.response', { hasText: 'in person' }).waitFor();
    });

    await t.test('Noor takes the response back, after a question; Cancel keeps it', async () => {
        const p = b.page;
        const item = p.locator('li.share', { hasText: WORDS });
        const response = item.locator('.response');
        await response.getByRole('button', { name: 'Delete this response' }).click();
        await response.getByText('Delete this response?').waitFor();
        assert.deepEqual(await axeViolations(p), [], 'axe with the question open');
        await response.getByRole('button', { name: 'Cancel' }).click();
        assert.equal(await response.count(), 1, 'Cancel deletes nothing');
        await response.getByRole('button', { name: 'Delete this response' }).click();
        await response.getByRole('button', { name: 'Yes, delete this response' }).click();
        await p.getByText('Your response was deleted.').waitFor();
        assert.equal(await item.locator('.response').count(), 0);
        // Kai is not offered to delete Noor's share, nor Noor Kai's
        assert.equal(await item.getByRole('button', { name: 'Delete this share' }).count(), 0);
        const r = await b.context.request.get(`${srv.url}/api/v1/dyads/${dyadId}/shares`);
        assert.deepEqual((await r.json()).shares[0].responses, []);
    });

    await t.test('Kai takes the share back; Noor\'s page drops it at its next refresh', async () => {
        const p = a.page;
        await p.reload();
        const item = p.locator('li.share', { hasText: WORDS });
        await item.waitFor();
        await item.getByRole('button', { name: 'Delete this share' }).first().click();
        await item.getByText('Delete this share?').waitFor();
        await item.getByRole('button', { name: 'Yes, delete this share' }).click();
        await p.getByText('Your share was deleted.').waitFor();
        assert.equal(await p.locator('li.share', { hasText: WORDS }).count(), 0);
        await b.page.reload();
        await b.page.locator('#share-list').waitFor({ state: 'attached' });
        await b.page.getByText(/Nothing shared yet/).waitFor();
        assert.equal(await b.page.locator('li.share', { hasText: WORDS }).count(), 0);
    });

    for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `${who.name}: console errors or CSP`);
});
